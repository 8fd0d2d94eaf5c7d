//! The resume planner: from a failed execution's definition and history, where to resume, with
//! which input, what to skip, and the rewritten definition whose new start state jumps there.
//!
//! 1. The execution must be FAILED, TIMED_OUT or ABORTED.
//! 2. The failed state is found by walking the previousEventId chain back from the terminal
//!    event (through a Catch into a Fail state: the state that threw).
//! 3. The resume point is the top-level state that contains it; its recorded input is the
//!    suggested resume input (a JSON merge patch may edit it).
//! 4. The rewritten definition starts with a Choice (`GoToState`, renamed if taken) that goes to
//!    the resume point when `$.resuming` is true and to the original start otherwise.
//! 5. Inside a failed Parallel, branches that succeeded return their recorded output and the
//!    failed (or aborted) branch resumes at its failed state. A failed Map is re-run whole.

mod analysis;
mod locate;
mod patch;
mod rewrite;

use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;

use crate::history::{ExecutionStatus, History};
use crate::model::{Definition, Machine, State, StateKind, Transition};
use analysis::{Analysis, Run};
use locate::{StateIndex, Step};
pub use patch::merge_patch;
use rewrite::{go_to_state, prepend_states, reachable, recorded_value, NameAllocator};

/// The input field that makes the rewritten machine jump to the resume point.
pub const RESUME_FLAG: &str = "$.resuming";
/// Inside branches the flag is read from the execution input, which every branch can see.
const RESUME_FLAG_IN_BRANCH: &str = "$$.Execution.Input.resuming";
/// The preferred name of the new start state.
pub const GO_TO_STATE: &str = "GoToState";

/// What the user asked for beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Resume at this top-level state instead of the failed one (`--from-state`).
    pub from_state: Option<String>,
    /// A JSON merge patch (RFC 7386) applied to the resume input (`--patch`).
    pub patch: Option<Value>,
}

/// How a state fared in the failed execution, and what resuming does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// It finished in the failed run and will run again after the resume point.
    Succeeded,
    /// It failed (or contains the state that failed).
    Failed,
    /// It finished in the failed run and will not run again.
    Skipped,
    /// It was still running when a sibling failed or the execution stopped.
    Aborted,
    /// The failed run never entered it.
    NotReached,
}

impl Mark {
    /// The mark as shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Mark::Succeeded => "succeeded",
            Mark::Failed => "failed",
            Mark::Skipped => "skipped",
            Mark::Aborted => "aborted",
            Mark::NotReached => "not reached",
        }
    }
}

/// One state of the original definition, in depth-first order, with its mark.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeNode {
    /// Nesting depth (0 for top-level states).
    pub depth: usize,
    /// The branch of the enclosing Parallel (or 0 inside a Map), for nested states.
    pub branch: Option<usize>,
    /// The state name.
    pub name: String,
    /// The state type.
    #[serde(rename = "type")]
    pub state_type: String,
    /// How it fared.
    pub mark: Mark,
    /// True for the state the resumed execution jumps to.
    pub resume_point: bool,
}

/// What resuming does with one branch of a Parallel on the way to the failed state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum BranchPlan {
    /// The branch succeeded: it returns its recorded output without running.
    ReturnRecordedOutput {
        /// The Parallel state.
        parallel: String,
        /// The branch index, from 0.
        branch: usize,
        /// The output it recorded.
        output: Value,
    },
    /// The branch resumes at a state inside it.
    ResumeAt {
        /// The Parallel state.
        parallel: String,
        /// The branch index, from 0.
        branch: usize,
        /// The state it resumes at.
        state: String,
        /// The input that state gets: `None` when it is the branch's first state and receives
        /// the branch's own input.
        input: Option<Value>,
    },
    /// The branch runs again from its start.
    Restart {
        /// The Parallel state.
        parallel: String,
        /// The branch index, from 0.
        branch: usize,
    },
}

/// The plan: everything `deployer resume` prints and creates.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumePlan {
    /// How the execution ended.
    pub status: ExecutionStatus,
    /// The state whose error ended it (or that was running, for TIMED_OUT / ABORTED).
    pub failed_state: String,
    /// The execution's error.
    pub error: Option<String>,
    /// The execution's cause.
    pub cause: Option<String>,
    /// The top-level state the copy jumps to.
    pub resume_state: String,
    /// The input the resume state received in the failed run.
    pub recorded_input: Value,
    /// The input to resume with: the recorded input with the patch applied.
    pub resume_input: Value,
    /// States that finished and will not run again (outermost only: a skipped Parallel stands
    /// for its branches).
    pub skipped_states: Vec<String>,
    /// The name of the new start state.
    pub start_state: String,
    /// What happens to each branch of the Parallel states on the way to the failed state.
    pub branches: Vec<BranchPlan>,
    /// The original definition's states, marked.
    pub tree: Vec<TreeNode>,
    /// The rewritten definition.
    pub definition: Definition,
}

/// Why no plan could be made. Every variant is a problem with the input, not a bug.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    /// The execution did not fail.
    #[error(
        "the execution is {status}, not FAILED, TIMED_OUT or ABORTED: only an execution that \
         ended without success can be resumed"
    )]
    NotResumable {
        /// Its status.
        status: &'static str,
    },
    /// The history names states the definition does not have.
    #[error(
        "the history does not belong to this definition: it runs state(s) {} that the \
         definition does not have; pass the definition the execution ran \
         (DescribeStateMachineForExecution)", quoted(.missing)
    )]
    ForeignHistory {
        /// The unknown names (at most five).
        missing: Vec<String>,
    },
    /// No state could be blamed for the failure.
    #[error(
        "could not find which state failed: the history never entered a state before the \
         execution ended; use --from-state to choose where to resume"
    )]
    NoFailedState,
    /// `--from-state` names a state the definition does not have.
    #[error("there is no state named '{name}' in the definition{}", hint(.suggestion))]
    UnknownState {
        /// The name given.
        name: String,
        /// A close name, if any.
        suggestion: Option<String>,
    },
    /// `--from-state` names a nested state.
    #[error(
        "'{name}' is inside '{top_level}': resuming starts at a top-level state; \
         use --from-state '{top_level}'"
    )]
    NotTopLevel {
        /// The name given.
        name: String,
        /// The top-level state around it.
        top_level: String,
    },
    /// `--from-state` names a state the execution never entered.
    #[error(
        "the execution never entered '{name}', so there is no recorded input to resume it \
         with; choose a state it entered: {}", quoted(.entered)
    )]
    NeverEntered {
        /// The name given.
        name: String,
        /// Top-level states it did enter.
        entered: Vec<String>,
    },
    /// The history has no payloads.
    #[error(
        "the history has no input recorded for '{name}': fetch it with includeExecutionData \
         (the default) rather than without execution data"
    )]
    NoExecutionData {
        /// The state concerned.
        name: String,
    },
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

/// Plans the resumption of a failed execution of `definition` recorded in `history`.
pub fn plan(
    definition: &Definition,
    history: &History,
    options: &PlanOptions,
) -> Result<ResumePlan, PlanError> {
    let analysis = Analysis::new(history);
    let index = StateIndex::new(definition);

    let (status, error, cause) = analysis.outcome();
    if !matches!(
        status,
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted
    ) {
        return Err(PlanError::NotResumable {
            status: status.as_str(),
        });
    }
    let missing: Vec<String> = analysis
        .entered_names()
        .into_iter()
        .filter(|name| !index.contains(name))
        .take(5)
        .map(str::to_string)
        .collect();
    if !missing.is_empty() {
        return Err(PlanError::ForeignHistory { missing });
    }

    let failed = analysis.failed_state().ok_or(PlanError::NoFailedState)?;
    let failed_location = index.get(failed).ok_or(PlanError::NoFailedState)?;
    let failed_top = failed_location.top_level(failed).to_string();
    let resume_state = match &options.from_state {
        Some(name) => check_from_state(name, definition, &index, &analysis)?,
        None => failed_top.clone(),
    };
    let resume_run = analysis
        .last_run(&resume_state)
        .ok_or_else(|| PlanError::NeverEntered {
            name: resume_state.clone(),
            entered: entered_top_level(definition, &analysis),
        })?;
    let recorded_input =
        analysis
            .input_of(resume_run)
            .ok_or_else(|| PlanError::NoExecutionData {
                name: resume_state.clone(),
            })?;
    let resume_input = match &options.patch {
        Some(patch) => merge_patch(&recorded_input, patch),
        None => recorded_input.clone(),
    };

    let mut planner = Planner {
        analysis: &analysis,
        names: NameAllocator::new(definition),
        patch: options.patch.as_ref(),
        skipped: Vec::new(),
        branches: Vec::new(),
    };
    let mut rewritten = definition.clone();
    if resume_state == failed_top && !failed_location.parents.is_empty() {
        if let Some(state) = rewritten.states.get_mut(&resume_state) {
            planner.descend(state, &failed_location.parents, failed, resume_run.entered)?;
        }
    }
    let mut skipped = finished_states(&analysis, definition, 0, &resume_state);
    skipped.append(&mut planner.skipped);

    let start_state = planner.names.allocate(GO_TO_STATE);
    let choice = go_to_state(RESUME_FLAG, &resume_state, &definition.start_at);
    prepend_states(
        &mut rewritten,
        start_state.clone(),
        vec![(start_state.clone(), choice)],
    );

    let failed_chain: HashSet<&str> = failed_location
        .parents
        .iter()
        .map(|p| p.state)
        .chain([failed])
        .collect();
    let tree = mark_tree(
        definition,
        &analysis,
        &failed_chain,
        &skipped,
        &resume_state,
    );
    // In definition order, as the tree lists them.
    let skipped_set: HashSet<&str> = skipped.iter().map(String::as_str).collect();
    let skipped_states = tree
        .iter()
        .filter(|node| skipped_set.contains(node.name.as_str()))
        .map(|node| node.name.clone())
        .collect();
    Ok(ResumePlan {
        status,
        failed_state: failed.to_string(),
        error,
        cause,
        resume_state,
        recorded_input,
        resume_input,
        skipped_states,
        start_state,
        branches: planner.branches,
        tree,
        definition: rewritten,
    })
}

fn check_from_state(
    name: &str,
    definition: &Definition,
    index: &StateIndex<'_>,
    analysis: &Analysis<'_>,
) -> Result<String, PlanError> {
    let Some(location) = index.get(name) else {
        let suggestion = definition
            .walk()
            .into_iter()
            .map(|(_, n, _)| n)
            .find(|n| n.eq_ignore_ascii_case(name.trim()))
            .map(str::to_string);
        return Err(PlanError::UnknownState {
            name: name.to_string(),
            suggestion,
        });
    };
    if let Some(top) = location.parents.first() {
        return Err(PlanError::NotTopLevel {
            name: name.to_string(),
            top_level: top.state.to_string(),
        });
    }
    if analysis.last_run(name).is_none() {
        return Err(PlanError::NeverEntered {
            name: name.to_string(),
            entered: entered_top_level(definition, analysis),
        });
    }
    Ok(name.to_string())
}

fn entered_top_level(definition: &Definition, analysis: &Analysis<'_>) -> Vec<String> {
    definition
        .states
        .keys()
        .filter(|name| analysis.last_run(name).is_some())
        .cloned()
        .collect()
}

/// States of `machine` that finished after position `after` and cannot be reached again from
/// `from`: they will not run when the machine resumes at `from`.
fn finished_states(
    analysis: &Analysis<'_>,
    machine: &Machine,
    after: usize,
    from: &str,
) -> Vec<String> {
    let again = reachable(machine, from);
    machine
        .states
        .keys()
        .filter(|name| !again.contains(*name))
        .filter(|name| {
            analysis
                .runs(name)
                .iter()
                .any(|r| r.entered >= after && r.exited.is_some())
        })
        .cloned()
        .collect()
}

/// Rewrites the Parallel states on the way down to the failed state.
struct Planner<'p, 'h> {
    analysis: &'p Analysis<'h>,
    names: NameAllocator,
    patch: Option<&'p Value>,
    skipped: Vec<String>,
    branches: Vec<BranchPlan>,
}

impl Planner<'_, '_> {
    /// `state` is `steps[0].state`, entered at position `entered`; `steps` lead down to `failed`.
    fn descend(
        &mut self,
        state: &mut State,
        steps: &[Step],
        failed: &str,
        entered: usize,
    ) -> Result<(), PlanError> {
        let (Some(step), StateKind::Parallel(parallel)) = (steps.first(), &mut state.kind) else {
            return Ok(()); // a Map (or anything else) is re-run as a whole
        };
        let inner = steps.get(1).map_or(failed, |s| s.state);
        for (i, branch) in parallel.branches.iter_mut().enumerate() {
            if i == step.branch {
                let run = self.analysis.last_run_after(inner, entered);
                if let (Some(run), Some(inner_state)) = (run, branch.states.get_mut(inner)) {
                    self.descend(inner_state, &steps[1..], failed, run.entered)?;
                }
                self.resume_branch_at(branch, step.state, i, inner, run, entered);
            } else {
                self.settle_sibling(branch, step.state, i, entered);
            }
        }
        Ok(())
    }

    /// A branch that must run again from `target` (where it failed or was interrupted).
    fn resume_branch_at(
        &mut self,
        branch: &mut Machine,
        parallel: &str,
        index: usize,
        target: &str,
        run: Option<Run>,
        entered: usize,
    ) {
        let input = run.and_then(|r| self.analysis.input_of(r));
        let (true, Some(input)) = (target != branch.start_at, input) else {
            let first = target == branch.start_at;
            self.branches.push(if first {
                BranchPlan::ResumeAt {
                    parallel: parallel.to_string(),
                    branch: index,
                    state: target.to_string(),
                    input: None,
                }
            } else {
                BranchPlan::Restart {
                    parallel: parallel.to_string(),
                    branch: index,
                }
            });
            return;
        };
        let input = match self.patch {
            Some(patch) => merge_patch(&input, patch),
            None => input,
        };
        self.skipped
            .extend(finished_states(self.analysis, branch, entered, target));
        let pass_name = self.names.allocate(&format!("Recorded input of {target}"));
        let pass = recorded_value(
            format!("Added by sfn-resume: the input '{target}' received in the failed run"),
            input.clone(),
            Some(target.to_string()),
        );
        self.add_branch_jump(branch, parallel, index, pass_name, pass);
        self.branches.push(BranchPlan::ResumeAt {
            parallel: parallel.to_string(),
            branch: index,
            state: target.to_string(),
            input: Some(input),
        });
    }

    /// A sibling of the failed branch: it either succeeded (and returns its recorded output),
    /// or was interrupted (and resumes where it was), or never started (and restarts).
    fn settle_sibling(
        &mut self,
        branch: &mut Machine,
        parallel: &str,
        index: usize,
        entered: usize,
    ) {
        let last_runs: Vec<(String, Run)> = branch
            .states
            .keys()
            .filter_map(|name| {
                self.analysis
                    .last_run_after(name, entered)
                    .map(|r| (name.clone(), r))
            })
            .collect();
        if let Some((name, run)) = last_runs
            .iter()
            .filter(|(_, r)| r.exited.is_none())
            .max_by_key(|(_, r)| r.entered)
        {
            let (name, run) = (name.clone(), *run);
            self.resume_branch_at(branch, parallel, index, &name, Some(run), entered);
            return;
        }
        let output = last_runs
            .iter()
            .filter(|(name, _)| ends_branch(&branch.states[name.as_str()]))
            .filter_map(|(_, r)| r.exited.map(|at| (at, *r)))
            .max_by_key(|(at, _)| *at)
            .and_then(|(_, r)| self.analysis.output_of(r));
        let Some(output) = output else {
            self.branches.push(BranchPlan::Restart {
                parallel: parallel.to_string(),
                branch: index,
            });
            return;
        };
        self.skipped.extend(
            branch
                .states
                .keys()
                .filter(|name| last_runs.iter().any(|(n, _)| n == *name))
                .cloned(),
        );
        let pass_name = self.names.allocate(&format!(
            "Recorded output of {parallel} branch {}",
            index + 1
        ));
        let pass = recorded_value(
            format!(
                "Added by sfn-resume: branch {} of '{parallel}' succeeded in the failed run",
                index + 1
            ),
            output.clone(),
            None,
        );
        self.add_branch_jump(branch, parallel, index, pass_name, pass);
        self.branches.push(BranchPlan::ReturnRecordedOutput {
            parallel: parallel.to_string(),
            branch: index,
            output,
        });
    }

    /// Puts a Choice at the head of `branch` that runs `pass` when resuming and the branch's
    /// original start otherwise.
    fn add_branch_jump(
        &mut self,
        branch: &mut Machine,
        parallel: &str,
        index: usize,
        pass_name: String,
        pass: State,
    ) {
        let choice_name = self
            .names
            .allocate(&format!("{GO_TO_STATE} {parallel} branch {}", index + 1));
        let choice = go_to_state(RESUME_FLAG_IN_BRANCH, &pass_name, &branch.start_at);
        prepend_states(
            branch,
            choice_name.clone(),
            vec![(choice_name, choice), (pass_name, pass)],
        );
    }
}

/// Whether a state ends its machine successfully when it exits.
fn ends_branch(state: &State) -> bool {
    !matches!(state.kind, StateKind::Fail(_)) && state.transition() == Transition::End
}

struct TreeMarker<'a, 'h> {
    analysis: &'a Analysis<'h>,
    failed_chain: &'a HashSet<&'a str>,
    skipped: HashSet<&'a str>,
    resume_state: &'a str,
    nodes: Vec<TreeNode>,
}

fn mark_tree(
    definition: &Definition,
    analysis: &Analysis<'_>,
    failed_chain: &HashSet<&str>,
    skipped: &[String],
    resume_state: &str,
) -> Vec<TreeNode> {
    let mut marker = TreeMarker {
        analysis,
        failed_chain,
        skipped: skipped.iter().map(String::as_str).collect(),
        resume_state,
        nodes: Vec::new(),
    };
    marker.visit(definition, 0, None, false);
    marker.nodes
}

impl TreeMarker<'_, '_> {
    fn visit(&mut self, machine: &Machine, depth: usize, branch: Option<usize>, in_skipped: bool) {
        for (name, state) in &machine.states {
            let skipped = in_skipped || self.skipped.contains(name.as_str());
            let mark = if self.failed_chain.contains(name.as_str()) {
                Mark::Failed
            } else if skipped {
                Mark::Skipped
            } else {
                match self.analysis.last_run(name) {
                    None => Mark::NotReached,
                    Some(run) if run.exited.is_none() => Mark::Aborted,
                    Some(_) => Mark::Succeeded,
                }
            };
            self.nodes.push(TreeNode {
                depth,
                branch,
                name: name.clone(),
                state_type: state.type_name().to_string(),
                mark,
                resume_point: depth == 0 && name == self.resume_state,
            });
            for (i, child) in state.children().into_iter().enumerate() {
                self.visit(child, depth + 1, Some(i), skipped);
            }
        }
    }
}

#[cfg(test)]
mod tests;
