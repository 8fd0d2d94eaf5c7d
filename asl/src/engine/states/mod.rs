//! One module per state type, and what running any state involves: the `…StateEntered` and
//! `…StateExited` events, the context object, and where the state goes next.

mod attempts;
mod choice;
mod fail;
mod map;
mod parallel;
mod pass;
mod task;
mod wait;

mod succeed;

use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use serde_json::{Map, Value};

use super::compiled::Language;
use super::context::StateContext;
use super::error::{Failure, STATES_DATA_LIMIT_EXCEEDED, STATES_RUNTIME};
use super::events::{Details, Thread};
use super::io::Io;
use super::run::Run;
use super::timestamp;
use super::variables::Scope;
use crate::model::{State, StateKind, Transition};

pub(crate) use choice::pick as pick_choice;

/// The largest payload a state may produce, in bytes of JSON text (256 KiB).
pub(crate) const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// Where a machine goes after a state.
pub(crate) enum Advance<'a> {
    /// To the named state, with this input.
    Next(&'a str, Value),
    /// The machine ends with this output.
    End(Value),
}

/// A state to run, in the run of its execution.
pub(crate) struct Work<'a> {
    pub run: &'a Run,
    pub name: &'a str,
    pub state: &'a State,
}

/// One state being run.
pub(crate) struct StateRun<'a> {
    pub run: &'a Run,
    pub name: &'a str,
    pub state: &'a State,
    pub entered_id: i64,
    /// When it was entered, and the same as `$$.State.EnteredTime` shows it.
    pub entered_at: SystemTime,
    pub entered_time: String,
    /// The language its fields are evaluated with.
    pub language: Language,
    /// The variables as they were when the state was entered.
    pub variables: Scope,
    /// What the state assigns, set when it exits.
    assigned: Mutex<Option<Map<String, Value>>>,
    /// The thread before the state's entry (an `EvaluationFailed` event may follow it).
    before: Thread,
}

/// A state taken up again from a recorded history: its `…StateEntered` event is already
/// there, so running it records no new one.
#[derive(Debug, Clone)]
pub(crate) struct Pickup {
    /// The id of the recorded `…StateEntered` event.
    pub entered_id: i64,
    /// Its time.
    pub entered_at: SystemTime,
    /// Set when the state is a Task that was waiting for a callback.
    pub waiting: Option<Waiting>,
}

/// A `.waitForTaskToken` task whose call was made (`TaskSubmitted` recorded) and whose
/// callback had not come.
#[derive(Debug, Clone)]
pub(crate) struct Waiting {
    /// The token the task waits for, as the recorded Parameters handed it out.
    pub token: String,
    /// When the task was scheduled: its TimeoutSeconds counts from there.
    pub scheduled_at: SystemTime,
    /// The recorded TimeoutSeconds.
    pub timeout: Option<u64>,
    /// The recorded HeartbeatSeconds.
    pub heartbeat: Option<u64>,
}

/// The `…StateEntered` / `…StateExited` event types of a state type.
fn event_types(kind: &StateKind) -> (&'static str, &'static str) {
    match kind {
        StateKind::Pass(_) => ("PassStateEntered", "PassStateExited"),
        StateKind::Task(_) => ("TaskStateEntered", "TaskStateExited"),
        StateKind::Choice(_) => ("ChoiceStateEntered", "ChoiceStateExited"),
        StateKind::Wait(_) => ("WaitStateEntered", "WaitStateExited"),
        StateKind::Succeed(_) => ("SucceedStateEntered", "SucceedStateExited"),
        StateKind::Fail(_) => ("FailStateEntered", "FailStateExited"),
        StateKind::Parallel(_) => ("ParallelStateEntered", "ParallelStateExited"),
        StateKind::Map(_) => ("MapStateEntered", "MapStateExited"),
    }
}

/// The `…StateAborted` event type of a state type that can be cancelled while in flight.
pub(crate) fn aborted_event_type(type_name: &str) -> Option<&'static str> {
    match type_name {
        "Task" => Some("TaskStateAborted"),
        "Wait" => Some("WaitStateAborted"),
        "Parallel" => Some("ParallelStateAborted"),
        "Map" => Some("MapStateAborted"),
        _ => None,
    }
}

/// Runs one state on its raw input: entered now, or taken up from a recorded history. What
/// it assigns goes into `scope` when it exits.
pub(crate) async fn run_state<'a>(
    work: Work<'a>,
    input: Value,
    thread: &mut Thread,
    scope: &mut Scope,
    pickup: Option<Pickup>,
) -> Result<Advance<'a>, Failure> {
    let Work { run, name, state } = work;
    let before = *thread;
    let (entered_id, entered_at, waiting) = match pickup {
        Some(p) => (p.entered_id, p.entered_at, p.waiting),
        None => {
            let (entered, _) = event_types(&state.kind);
            let entered_at = run.shared.clock.now();
            let details = Details::new("stateEnteredEventDetails")
                .with("name", name)
                .payload("input", &input);
            (run.recorder.add(thread, entered, details), entered_at, None)
        }
    };
    let s = StateRun {
        run,
        name,
        state,
        entered_id,
        entered_at,
        entered_time: timestamp::format(entered_at),
        language: run.shared.compiled.language(name),
        variables: scope.clone(),
        assigned: Mutex::new(None),
        before,
    };
    let result = match &state.kind {
        StateKind::Pass(pass) => pass::run(&s, pass, input, thread),
        StateKind::Choice(choice) => choice::run(&s, choice, input, thread),
        StateKind::Succeed(_) => succeed::run(&s, input, thread),
        StateKind::Fail(fail) => Err(fail::run(&s, fail, &input)),
        StateKind::Wait(wait) => wait::run(&s, wait, input, thread).await,
        StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_) => {
            attempts::run(&s, input, thread, waiting).await
        }
    };
    let result = result.map_err(|f| s.evaluation_failed(thread, f));
    let assigned = s.take_assigned();
    drop(s);
    let step = result?;
    if let Some(values) = assigned {
        scope.assign(values)?;
    }
    Ok(step)
}

impl<'a> StateRun<'a> {
    /// Whether the state is evaluated with JSONata.
    pub fn jsonata(&self) -> bool {
        self.language == Language::Jsonata
    }

    /// Sets what the state assigns when it exits (checked against the size limits now).
    pub fn assign(&self, values: Map<String, Value>) -> Result<(), Failure> {
        self.variables.check(&values)?;
        *self.assigned.lock().unwrap_or_else(PoisonError::into_inner) = Some(values);
        Ok(())
    }

    /// Evaluates the `Assign` found at `field` (`Assign`, `Choices/0/Assign`, `Catch/1/Assign`)
    /// and sets it for the exit: in JSONPath, `$` is `doc`; in JSONata, `$states` is `states`.
    pub fn assign_field(
        &self,
        io: &Io<'_>,
        field: &str,
        present: bool,
        doc: &Value,
        states: Option<&super::jsonata::States<'_>>,
    ) -> Result<(), Failure> {
        if !present {
            return Ok(());
        }
        let value = match (self.jsonata(), states) {
            (true, Some(states)) => io.jsonata(field, states)?.unwrap_or(Value::Null),
            _ => io.template(field, doc)?,
        };
        match value {
            Value::Object(values) => self.assign(values),
            other => Err(Failure::runtime(format!(
                "The value for the field '{field}' must be a JSON object, but was: {other}"
            ))),
        }
    }

    fn take_assigned(&self) -> Option<Map<String, Value>> {
        self.assigned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Prefixes an evaluation error with the state, and records the `EvaluationFailed` event
    /// of a failed JSONata evaluation (once).
    pub fn evaluation_failed(&self, thread: &mut Thread, failure: Failure) -> Failure {
        let mut failure = failure.in_state(self.name, self.entered_id);
        let Some(location) = failure.evaluation.take() else {
            return failure;
        };
        let mut details = Details::new("evaluationFailedEventDetails")
            .with_opt("cause", failure.cause.clone())
            .with_opt("error", failure.error.clone());
        if let Some(location) = location {
            details = details.with("location", location);
        }
        let details = details.with("state", self.name);
        // AWS chains it from the event before the state's entry, except in Wait states.
        let mut from = if matches!(self.state.kind, StateKind::Wait(_)) {
            *thread
        } else {
            Thread {
                source: self.before.source,
                last: thread.last,
            }
        };
        self.run
            .recorder
            .add(&mut from, "EvaluationFailed", details);
        thread.source = from.source;
        thread.last = thread.last.max(from.last);
        failure
    }

    /// The context object of this state, with a retry count for Task, Parallel and Map states.
    pub fn context(&self, retry_count: Option<u64>) -> StateContext<'_> {
        StateContext {
            execution: &self.run.shared.info,
            state_name: self.name,
            entered_time: &self.entered_time,
            retry_count,
            task_token: None,
            map_item: None,
        }
    }

    /// Paths and templates evaluated in this state's context.
    pub fn io(&self, retry_count: Option<u64>) -> Io<'_> {
        Io {
            compiled: &self.run.shared.compiled,
            context: self.context(retry_count),
            variables: &self.variables,
        }
    }

    /// Records `…StateExited` with `output` and moves on along the state's transition.
    pub fn exit(&self, thread: &mut Thread, output: Value) -> Result<Advance<'a>, Failure> {
        let next = match self.state.transition() {
            Transition::Next(next) => Some(next),
            Transition::End | Transition::Choice => None,
        };
        self.exit_to(thread, output, next)
    }

    /// Records `…StateExited` with `output` and goes to `next` (or ends).
    pub fn exit_to(
        &self,
        thread: &mut Thread,
        output: Value,
        next: Option<&'a str>,
    ) -> Result<Advance<'a>, Failure> {
        if super::depth::nests_deeper_than(&output, super::depth::MAX_NESTING) {
            return Err(Failure::new(
                STATES_RUNTIME,
                Some(format!(
                    "The state '{}' produced a value nested more than {} levels deep.",
                    self.name,
                    super::depth::MAX_NESTING
                )),
            ));
        }
        let text = output.to_string();
        if text.len() > MAX_PAYLOAD_BYTES {
            return Err(Failure::new(
                STATES_DATA_LIMIT_EXCEEDED,
                Some(format!(
                    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                    self.name
                )),
            ));
        }
        let (_, exited) = event_types(&self.state.kind);
        let mut details = Details::new("stateExitedEventDetails").with("name", self.name);
        if let Some(values) = self
            .assigned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            let texts: Map<String, Value> = values
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(value.to_string())))
                .collect();
            details = details
                .with("assignedVariables", Value::Object(texts))
                .with(
                    "assignedVariablesDetails",
                    serde_json::json!({"truncated": false}),
                );
        }
        let details = details
            .with("output", text)
            .with("outputDetails", serde_json::json!({"truncated": false}));
        self.run.recorder.add(thread, exited, details);
        Ok(match next {
            Some(next) => Advance::Next(next, output),
            None => Advance::End(output),
        })
    }
}
