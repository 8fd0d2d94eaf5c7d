//! The resume planner: from a failed execution's definition and history, where to resume, with
//! which input, what to skip, and the rewritten definition that resumes there.
//!
//! 1. The execution must be FAILED, TIMED_OUT or ABORTED.
//! 2. The failed state is found by walking the previousEventId chain back from the terminal
//!    event, through any Catch handler chain back to the state that threw. A Fail state reached
//!    by normal control flow is named as such (resuming there fails again).
//! 3. The resume point is the top-level state that contains it; its recorded input (any JSON
//!    type, patched by a JSON merge patch) is what it receives again.
//! 4. The rewritten definition starts with a Choice on `$$.Execution.Name`: only the resumed
//!    execution (whose name the plan fixes) goes to a Pass that outputs the resume input and
//!    assigns the variables in scope, then to the resume point; any other execution of the copy
//!    runs from the original start. No marker is put in the workflow's data, and the execution
//!    input stays the original one.
//! 5. When the resume point contains the failed state, the Pass leads to a once-only copy of
//!    it: inside, Parallel branches that succeeded return their recorded output, the failed
//!    branch resumes at its failed state, and Map iterations that succeeded return theirs.
//!    Later passes (loops) run the original state.

pub(crate) mod analysis;
mod diff;
mod locate;
mod nested;
mod patch;
mod rename;
mod rewrite;
mod strip;
mod variables;
mod warnings;

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::history::{ExecutionStatus, History};
use crate::model::{Definition, Machine, StateKind};
use analysis::Analysis;
pub use diff::differences;
use locate::StateIndex;
use nested::Nested;
pub use patch::merge_patch;
pub use rename::COPY_MARK;
use rewrite::{
    entry_choice, prepend_states, prune, reachable, recorded_value, Lang, NameAllocator,
};
pub use rewrite::{ADDED_BY, ENTRY_MARK};
pub use warnings::TimeoutPlan;

/// The preferred name of the new start state.
pub const GO_TO_STATE: &str = "GoToState";
/// The preferred name of the Pass that outputs the resume input.
pub const RESUME_INPUT: &str = "Resume input";
/// The resumed execution's name when the caller does not choose one (offline plans).
pub const DEFAULT_EXECUTION_NAME: &str = "sfn-resume";
/// Step Functions' largest definition, in bytes.
pub const MAX_DEFINITION_BYTES: usize = 1_048_576;
/// Step Functions' largest execution input, in bytes.
pub const MAX_INPUT_BYTES: usize = 262_144;

/// What the user asked for beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Resume at this top-level state instead of the failed one (`--from-state`).
    pub from_state: Option<String>,
    /// A JSON merge patch (RFC 7386) applied to the resume input (`--patch`).
    pub patch: Option<Value>,
    /// A JSON merge patch applied to the execution input (`--patch-execution-input`).
    pub patch_execution_input: Option<Value>,
    /// The name the resumed execution will be started with; only that execution resumes
    /// (default [`DEFAULT_EXECUTION_NAME`]).
    pub execution_name: Option<String>,
    /// The copy's TimeoutSeconds: the machine's, or the timed-out state's (`--timeout-seconds`).
    pub timeout_seconds: Option<u64>,
    /// When the definition to resume with is not the one the execution ran
    /// (`--definition-file` with an ARN): the one it ran, which the history is read against.
    pub ran: Option<Definition>,
}

/// What resuming does with the iterations of one Map.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MapPlan {
    /// The Map state.
    pub map: String,
    /// How many items it had, when the history says.
    pub items: Option<u64>,
    /// Iterations that succeeded and return their recorded output.
    pub skipped: Vec<u64>,
    /// Iterations that run again (failed, aborted or never started).
    pub rerun: Vec<u64>,
}

/// How the failed state ended the execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Failure {
    /// Its error was not caught.
    Uncaught,
    /// Its error was caught, and the handler's states then ran before the execution failed.
    Caught {
        /// The handler chain, in order.
        handlers: Vec<String>,
    },
    /// The failed state is a Fail state reached by normal control flow: resuming there fails
    /// again.
    FailState {
        /// The state that led to it (the suggested `--from-state`).
        before: Option<String>,
    },
    /// It was running when the execution timed out or was stopped.
    InProgress,
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
    /// How the failed state ended the execution.
    pub failure: Failure,
    /// The resumed execution's input (`$$.Execution.Input`): the original execution's input,
    /// patched by `--patch-execution-input`.
    pub execution_input: Value,
    /// The name the resumed execution must be started with (the only one that resumes).
    pub execution_name: String,
    /// Variables in scope at the resume point, restored before it runs.
    pub variables: Map<String, Value>,
    /// What happens to each branch of the Parallel states on the way to the failed state.
    pub branches: Vec<BranchPlan>,
    /// What happens to the iterations of the Maps on the way to the failed state.
    pub iterations: Vec<MapPlan>,
    /// The timeout that ended the execution, and the copy's.
    pub timeout: Option<TimeoutPlan>,
    /// What the user should know before resuming.
    pub warnings: Vec<String>,
    /// How the definition resumed with differs from the one the execution ran.
    pub definition_changes: Vec<String>,
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
    /// A state's record of the variables it assigned was cut short.
    #[error(
        "the history cannot give the variables in scope: '{state}' assigned more than Step \
         Functions records (assignedVariablesDetails.truncated), so their values are unknown; \
         resume from a state before it with --from-state, or from a fixed definition"
    )]
    VariablesTruncated {
        /// The state whose record was truncated.
        state: String,
    },
    /// A state assigns variables but the history has no record of their values.
    #[error(
        "the history cannot give the variables in scope: '{state}' assigns variables but its \
         exit records no assignedVariables (a history fetched without execution data, or by \
         a tool that drops them); fetch the history with includeExecutionData"
    )]
    VariablesNotRecorded {
        /// The state concerned.
        state: String,
    },
    /// The definition to resume with lacks a state the resume needs.
    #[error(
        "the definition given has no state '{name}', the {role}; keep that state (matched by \
         name) or resume from another one with --from-state"
    )]
    MissingInDefinition {
        /// The state's name.
        name: String,
        /// Why the resume needs it: `resume point`, `failed state`, `skipped state`.
        role: &'static str,
    },
    /// The rewritten definition or the execution input is over Step Functions' limits.
    #[error(
        "the {what} would be {bytes} bytes, over Step Functions' limit of {limit} bytes; \
         {advice}"
    )]
    TooLarge {
        /// What is too large.
        what: &'static str,
        /// Its size.
        bytes: usize,
        /// The limit.
        limit: usize,
        /// What to do.
        advice: &'static str,
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
    let Some(ran) = &options.ran else {
        return plan_with(definition, history, options, Vec::new());
    };
    // Read the history against the definition it ran, then make sure the new one still has
    // every state the resume relies on.
    let original = plan_with(
        ran,
        history,
        &PlanOptions {
            ran: None,
            ..options.clone()
        },
        Vec::new(),
    )?;
    let index = StateIndex::new(definition);
    let needed = [
        (&original.resume_state, "resume point"),
        (&original.failed_state, "failed state"),
    ];
    for (name, role) in needed
        .into_iter()
        .chain(original.skipped_states.iter().map(|n| (n, "skipped state")))
    {
        if !index.contains(name) {
            return Err(PlanError::MissingInDefinition {
                name: name.clone(),
                role,
            });
        }
    }
    let (ran, _) = strip::earlier_entry(ran);
    plan_with(definition, history, options, differences(&ran, definition))
}

fn plan_with(
    definition: &Definition,
    history: &History,
    options: &PlanOptions,
    definition_changes: Vec<String>,
) -> Result<ResumePlan, PlanError> {
    let (definition, earlier_entry) = strip::earlier_entry(definition);
    let definition = &definition;
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
    if definition_changes.is_empty() {
        let missing: Vec<String> = analysis
            .entered_names()
            .into_iter()
            .filter(|name| !index.contains(name) && !earlier_entry.iter().any(|e| e == name))
            .take(5)
            .map(str::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(PlanError::ForeignHistory { missing });
        }
    }

    let blame = analysis.blame().ok_or(PlanError::NoFailedState)?;
    let failed = blame.state;
    let failed_location = index.get(failed).ok_or(PlanError::NoFailedState)?;
    let failed_top = failed_location.top_level(failed).to_string();
    let failure = blame.cause;
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
    let original_input = analysis.execution_input().unwrap_or(Value::Null);
    let execution_input = match &options.patch_execution_input {
        Some(patch) => merge_patch(&original_input, patch),
        None => original_input,
    };
    let variables = top_level_variables(definition, &analysis, resume_run.entered)?;
    let lang = Lang::of_machine(definition);
    let mut warnings = warnings::context_references(definition);
    if let Failure::FailState { before } = &failure {
        warnings.push(format!(
            "'{failed}' is a Fail state reached by the workflow's own control flow{}: resuming \
             there fails again; resume from the state before it{}",
            before
                .as_ref()
                .map(|b| format!(" (after '{b}')"))
                .unwrap_or_default(),
            before
                .as_ref()
                .map(|b| format!(" with --from-state '{}'", top_level_of(&index, b)))
                .unwrap_or_default()
        ));
    }

    let failed_is_task = definition
        .walk()
        .into_iter()
        .any(|(_, name, state)| name == failed && matches!(state.kind, StateKind::Task(_)));
    if failure == Failure::InProgress && failed_is_task {
        warnings.push(format!(
            "'{failed}' was still running when the execution {}: it runs again, so a call it \
             had made may be repeated",
            if status == ExecutionStatus::Aborted {
                "was stopped"
            } else {
                "timed out"
            }
        ));
    }
    let mut rewritten = definition.clone();
    let mut timeout = warnings::expired_timeout(definition, status, error.as_deref(), failed);
    if let Some(plan) = &mut timeout {
        match options.timeout_seconds {
            Some(seconds) => {
                plan.new_seconds = Some(seconds);
                set_timeout(&mut rewritten, &plan.expired, seconds);
            }
            None => warnings.push(format!(
                "the {} timed out after {}: the copy keeps that TimeoutSeconds, so it may time \
                 out again; give it more with --timeout-seconds N",
                if plan.expired == "execution" {
                    "execution".to_string()
                } else {
                    format!("state '{}'", plan.expired)
                },
                plan.budget_seconds
                    .map(|s| format!("{s} seconds"))
                    .unwrap_or_else(|| "its budget".to_string())
            )),
        }
    } else if let Some(seconds) = options.timeout_seconds {
        rewritten.timeout_seconds = Some(seconds);
    }

    let mut names = NameAllocator::new(&rewritten);
    let mut nested = Nested {
        analysis: &analysis,
        names: &mut names,
        patch: options.patch.as_ref(),
        lang,
        skipped: Vec::new(),
        branches: Vec::new(),
        iterations: Vec::new(),
        warnings: Vec::new(),
        changed: false,
    };
    let mut entry_target = resume_state.clone();
    if resume_state == failed_top && !failed_location.parents.is_empty() {
        let mut copy = rewritten.states[resume_state.as_str()].clone();
        nested.descend(
            &mut copy,
            &failed_location.parents,
            failed,
            resume_run.entered,
        )?;
        if nested.changed {
            rename::rename_nested(&mut copy, nested.names);
            entry_target = nested.names.allocate(&rename::copy_base(&resume_state));
            copy.comment = Some(format!(
                "{ADDED_BY}: '{resume_state}' as it resumes, once (with the work already done \
                 returned from the history); later passes run '{resume_state}' itself"
            ));
            rewritten.states.insert(entry_target.clone(), copy);
            warnings.extend(warnings::renamed_state_names(definition, &resume_state));
        }
    }
    let Nested {
        skipped: mut nested_skipped,
        branches,
        iterations,
        warnings: mut nested_warnings,
        ..
    } = nested;
    warnings.append(&mut nested_warnings);
    let mut skipped = finished_states(&analysis, definition, 0, &resume_state);
    skipped.append(&mut nested_skipped);

    let execution_name = options
        .execution_name
        .clone()
        .unwrap_or_else(|| DEFAULT_EXECUTION_NAME.to_string());
    let start_state = names.allocate(GO_TO_STATE);
    let input_state = names.allocate(RESUME_INPUT);
    let entry = entry_choice(&execution_name, &input_state, &definition.start_at, lang);
    let input_pass = recorded_value(
        format!("{ADDED_BY}: the input '{resume_state}' received in the failed run"),
        resume_input.clone(),
        Some(entry_target),
        lang,
        &variables,
    );
    prepend_states(
        &mut rewritten,
        start_state.clone(),
        vec![(start_state.clone(), entry), (input_state, input_pass)],
    );
    prune(&mut rewritten);
    check_sizes(&rewritten, &execution_input)?;

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
        failure,
        execution_input,
        execution_name,
        variables,
        branches,
        iterations,
        timeout,
        warnings,
        definition_changes,
        tree,
        definition: rewritten,
    })
}

/// The top-level state around `name` (itself at the top level).
fn top_level_of<'a>(index: &StateIndex<'a>, name: &'a str) -> &'a str {
    index.get(name).map_or(name, |l| l.top_level(name))
}

/// The variables of the top-level scope when the resume point was entered at `until`.
fn top_level_variables(
    definition: &Definition,
    analysis: &Analysis<'_>,
    until: usize,
) -> Result<Map<String, Value>, PlanError> {
    let assigning = variables::assigning_states(definition);
    if assigning.is_empty() {
        return Ok(Map::new());
    }
    for name in assigning.iter().filter(|n| {
        definition
            .states
            .get(n.as_str())
            .is_some_and(|s| s.extra.contains_key("Assign"))
    }) {
        let unrecorded = analysis.runs(name).iter().any(|r| {
            r.exited.is_some_and(|at| {
                let exit = analysis.event(at);
                at < until
                    && exit.detail("assignedVariables").is_none()
                    && exit.detail("assignedVariablesDetails").is_none()
            })
        });
        if unrecorded {
            return Err(PlanError::VariablesNotRecorded {
                state: name.clone(),
            });
        }
    }
    analysis
        .assigned_variables(&|name| definition.states.contains_key(name), 0, until)
        .map_err(|state| PlanError::VariablesTruncated { state })
}

/// Sets the TimeoutSeconds that expired: the machine's, or a Task's.
fn set_timeout(definition: &mut Definition, expired: &str, seconds: u64) {
    if expired == "execution" {
        definition.timeout_seconds = Some(seconds);
        return;
    }
    set_state_timeout(definition, expired, seconds);
}

fn set_state_timeout(machine: &mut Machine, name: &str, seconds: u64) -> bool {
    for (state_name, state) in machine.states.iter_mut() {
        if state_name == name {
            if let StateKind::Task(task) = &mut state.kind {
                task.timeout_seconds = Some(seconds);
                task.timeout_seconds_path = None;
            }
            return true;
        }
        let found = match &mut state.kind {
            StateKind::Parallel(p) => p
                .branches
                .iter_mut()
                .any(|b| set_state_timeout(b, name, seconds)),
            StateKind::Map(m) => set_state_timeout(&mut m.processor, name, seconds),
            _ => false,
        };
        if found {
            return true;
        }
    }
    false
}

/// Refuses what Step Functions would refuse for its size.
fn check_sizes(rewritten: &Definition, execution_input: &Value) -> Result<(), PlanError> {
    let bytes = rewritten.to_value().to_string().len();
    if bytes > MAX_DEFINITION_BYTES {
        return Err(PlanError::TooLarge {
            what: "rewritten definition (with the recorded inputs and outputs it carries)",
            bytes,
            limit: MAX_DEFINITION_BYTES,
            advice: "resume from a later state with --from-state, or trim the resume input \
                     with --patch",
        });
    }
    let bytes = execution_input.to_string().len();
    if bytes > MAX_INPUT_BYTES {
        return Err(PlanError::TooLarge {
            what: "execution input",
            bytes,
            limit: MAX_INPUT_BYTES,
            advice: "trim it with --patch-execution-input",
        });
    }
    Ok(())
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
pub(crate) fn finished_states(
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
