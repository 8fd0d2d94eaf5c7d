//! Which resumption fits an execution, and what it runs again. Redrive (Step Functions'
//! RedriveExecution) goes on in the execution itself, but cannot change its input or
//! definition; the copy (`<machine>-with-GoToState`) can. `auto` redrives when Step Functions
//! allows it and the user asked for nothing only a copy can do.

use asl::resume::{BranchPlan, Failure, ResumePlan};
use serde::Serialize;

use crate::aws::sfn::redrive::Eligibility;
use crate::cli::{ResumeArgs, Strategy};

/// The resumption chosen for one execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Chosen {
    /// RedriveExecution of the execution itself.
    Redrive,
    /// A version of the copy, started under a derived name.
    Copy,
}

impl Chosen {
    /// The strategy's name, as `--strategy` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Chosen::Redrive => "redrive",
            Chosen::Copy => "copy",
        }
    }
}

/// The choice and its reason, for the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    /// What `--strategy` asked for.
    pub requested: &'static str,
    /// What will be done.
    pub chosen: Chosen,
    /// Why, in a sentence.
    pub why: String,
}

/// The flags set in `args` that only a copy can honour.
pub fn copy_only_flags(args: &ResumeArgs) -> Vec<&'static str> {
    [
        ("--patch", args.patch.is_some()),
        (
            "--patch-execution-input",
            args.patch_execution_input.is_some(),
        ),
        ("--definition-file", args.definition_file.is_some()),
        ("--from-state", args.from_state.is_some()),
        ("--timeout-seconds", args.timeout_seconds.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, set)| set.then_some(flag))
    .collect()
}

/// Refuses `--strategy redrive` with a flag only a copy can honour, before any call.
pub fn check_flags(args: &ResumeArgs) -> Result<(), String> {
    let flags = copy_only_flags(args);
    if args.strategy == Strategy::Redrive && !flags.is_empty() {
        return Err(flags_refusal(&flags));
    }
    Ok(())
}

fn flags_refusal(flags: &[&str]) -> String {
    format!(
        "--strategy redrive cannot be combined with {}: RedriveExecution goes on with the \
         execution's own input and definition and cannot change them; drop {} or use \
         --strategy copy (or auto); nothing was changed",
        flags.join(", "),
        if flags.len() == 1 { "it" } else { "them" }
    )
}

/// Chooses for one execution: `flags` are [`copy_only_flags`], `eligibility` what
/// DescribeExecution says about redriving it, `failure` how it failed (when it could be
/// planned). `Err` is why the forced strategy is impossible (nothing was changed).
pub fn choose(
    requested: Strategy,
    flags: &[&str],
    eligibility: &Eligibility,
    failure: Option<&Failure>,
) -> Result<Choice, String> {
    let choice = |chosen, why: String| {
        Ok(Choice {
            requested: requested.as_str(),
            chosen,
            why,
        })
    };
    let redrivable = match eligibility {
        Eligibility::Redrivable => Ok(()),
        Eligibility::NotRedrivable(reason) => Err(format!(
            "Step Functions will not redrive it: \"{reason}\" (redriveStatusReason)"
        )),
        Eligibility::Unknown => Err(
            "Step Functions did not say it can be redriven (DescribeExecution returned no \
             redriveStatus)"
                .to_string(),
        ),
    };
    match requested {
        Strategy::Copy => choice(Chosen::Copy, "--strategy copy".to_string()),
        Strategy::Redrive => match (flags.is_empty(), redrivable) {
            (false, _) => Err(flags_refusal(flags)),
            (true, Err(why)) => Err(format!(
                "--strategy redrive is impossible: {why}; nothing was changed"
            )),
            (true, Ok(())) => choice(Chosen::Redrive, "--strategy redrive".to_string()),
        },
        Strategy::Auto if !flags.is_empty() => choice(
            Chosen::Copy,
            format!(
                "{} asked for: only a copy can change the input or the definition",
                flags.join(", ")
            ),
        ),
        Strategy::Auto => match (redrivable, failure) {
            (Err(why), _) => choice(Chosen::Copy, why),
            (Ok(()), Some(Failure::Caught { handlers })) => choice(
                Chosen::Copy,
                format!(
                    "its error was caught and the execution ended in {}: Redrive would run \
                     that again, the copy resumes at the state that threw",
                    handlers
                        .last()
                        .map(|h| format!("\"{h}\""))
                        .unwrap_or_else(|| "the handler".to_string())
                ),
            ),
            (Ok(()), Some(Failure::FailState { .. })) => choice(
                Chosen::Copy,
                "it ended in a Fail state its own flow reached: Redrive would only run that \
                 Fail state again; the copy can resume elsewhere (--from-state)"
                    .to_string(),
            ),
            (Ok(()), _) => choice(
                Chosen::Redrive,
                "Step Functions can redrive it (redriveStatus REDRIVABLE) and nothing asked \
                 for needs a copy: it goes on in the same execution (same ARN, name, input \
                 and definition)"
                    .to_string(),
            ),
        },
    }
}

/// What runs again, the same way for both strategies (from the plan).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunsAgain {
    /// The strategy.
    pub strategy: Chosen,
    /// The top-level state it enters again.
    pub from: String,
    /// One sentence.
    pub summary: String,
    /// States that finished and do not run again (outermost only).
    pub not_again: Vec<String>,
    /// Parallel branches on the way to the failed state.
    pub branches: Vec<BranchRun>,
    /// Map iterations on the way to the failed state.
    pub iterations: Vec<IterationRun>,
}

/// One Parallel branch: whether it runs again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BranchRun {
    /// The Parallel state.
    pub parallel: String,
    /// The branch, from 0.
    pub branch: usize,
    /// False when it succeeded and keeps its output.
    pub runs: bool,
    /// The state it goes on at, when not its start.
    pub at: Option<String>,
}

/// One Map's iterations: which run again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IterationRun {
    /// The Map state.
    pub map: String,
    /// The failed, aborted and never started iterations, which run again.
    pub rerun: Vec<u64>,
    /// How many succeeded and keep their output.
    pub kept: usize,
}

/// What `chosen` runs again for `plan`. Redrive enters the top-level state that did not
/// succeed again (the one holding the failed state; the Fail state that ended a caught
/// error), reruns the Parallel branches that did not succeed from their start, and the Map
/// iterations that did not succeed; the copy does the same from its resume point, except that
/// a failed branch resumes at its failed state.
pub fn runs_again(plan: &ResumePlan, chosen: Chosen) -> RunsAgain {
    let from = match (chosen, &plan.failure) {
        (Chosen::Redrive, Failure::Caught { handlers }) => handlers
            .last()
            .cloned()
            .unwrap_or_else(|| plan.resume_state.clone()),
        _ => plan.resume_state.clone(),
    };
    let summary = match chosen {
        Chosen::Redrive => format!(
            "Step Functions enters \"{from}\" again and runs what follows it, in the same \
             execution; inside a Parallel the branches that did not succeed run again from \
             their start, in a Map only the failed, aborted and unstarted iterations"
        ),
        Chosen::Copy => format!(
            "the copy enters \"{from}\" and runs what follows it, as a new execution \"{}\"; \
             inside a Parallel only the branches that did not succeed run again (the failed \
             one from its failed state), in a Map only the failed, aborted and unstarted \
             iterations",
            plan.execution_name
        ),
    };
    let mut branches: Vec<BranchRun> = plan.branches.iter().map(branch_run).collect();
    let mut not_again = plan.skipped_states.clone();
    if chosen == Chosen::Redrive {
        // A branch that runs again runs from its start: what it finished runs again too.
        for branch in branches.iter_mut().filter(|b| b.runs) {
            branch.at = None;
            let again = states_in_branch(plan, &branch.parallel, branch.branch);
            not_again.retain(|state| !again.contains(state));
        }
    }
    RunsAgain {
        strategy: chosen,
        from,
        summary,
        not_again,
        branches,
        iterations: plan
            .iterations
            .iter()
            .map(|m| IterationRun {
                map: m.map.clone(),
                rerun: m.rerun.clone(),
                kept: m.skipped.len(),
            })
            .collect(),
    }
}

/// The states of branch `branch` of the Parallel `parallel` (nested ones included), from the
/// plan's tree of the original definition.
fn states_in_branch(plan: &ResumePlan, parallel: &str, branch: usize) -> Vec<String> {
    let Some(at) = plan.tree.iter().position(|n| n.name == parallel) else {
        return Vec::new();
    };
    let depth = plan.tree[at].depth;
    let mut current = None;
    let mut states = Vec::new();
    for node in plan.tree[at + 1..].iter().take_while(|n| n.depth > depth) {
        if node.depth == depth + 1 {
            current = node.branch;
        }
        if current == Some(branch) {
            states.push(node.name.clone());
        }
    }
    states
}

fn branch_run(branch: &BranchPlan) -> BranchRun {
    match branch {
        BranchPlan::ReturnRecordedOutput {
            parallel, branch, ..
        } => BranchRun {
            parallel: parallel.clone(),
            branch: *branch,
            runs: false,
            at: None,
        },
        BranchPlan::ResumeAt {
            parallel,
            branch,
            state,
            input,
        } => BranchRun {
            parallel: parallel.clone(),
            branch: *branch,
            runs: true,
            at: input.as_ref().map(|_| state.clone()),
        },
        BranchPlan::Restart { parallel, branch } => BranchRun {
            parallel: parallel.clone(),
            branch: *branch,
            runs: true,
            at: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_redrives_only_what_redrive_can_do() {
        let yes = Eligibility::Redrivable;
        let plain = choose(Strategy::Auto, &[], &yes, Some(&Failure::Uncaught)).unwrap();
        assert_eq!(plain.chosen, Chosen::Redrive);
        let patched = choose(Strategy::Auto, &["--patch"], &yes, None).unwrap();
        assert_eq!(patched.chosen, Chosen::Copy);
        assert!(patched.why.contains("--patch"), "{}", patched.why);
        let late = Eligibility::NotRedrivable("Execution redrivable period exceeded.".into());
        let old = choose(Strategy::Auto, &[], &late, None).unwrap();
        assert_eq!(old.chosen, Chosen::Copy);
        assert!(
            old.why.contains("redrivable period exceeded"),
            "{}",
            old.why
        );
        let caught = Failure::Caught {
            handlers: vec!["Notify".into(), "Give up".into()],
        };
        let handled = choose(Strategy::Auto, &[], &yes, Some(&caught)).unwrap();
        assert_eq!(handled.chosen, Chosen::Copy);
        assert!(handled.why.contains("\"Give up\""), "{}", handled.why);
        let unknown = choose(Strategy::Auto, &[], &Eligibility::Unknown, None).unwrap();
        assert_eq!(unknown.chosen, Chosen::Copy);
    }

    #[test]
    fn a_forced_strategy_that_cannot_be_done_says_why() {
        let yes = Eligibility::Redrivable;
        let err = choose(Strategy::Redrive, &["--patch"], &yes, None).unwrap_err();
        assert!(err.contains("--patch"), "{err}");
        let done =
            Eligibility::NotRedrivable("Execution is SUCCEEDED and cannot be redriven".into());
        let err = choose(Strategy::Redrive, &[], &done, None).unwrap_err();
        assert!(
            err.contains("\"Execution is SUCCEEDED and cannot be redriven\""),
            "{err}"
        );
        let copy = choose(Strategy::Copy, &[], &yes, None).unwrap();
        assert_eq!((copy.chosen, copy.requested), (Chosen::Copy, "copy"));
    }
}
