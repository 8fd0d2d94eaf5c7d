//! One execution from ExecutionStarted to its terminal event: the run of the definition raced
//! against the execution's TimeoutSeconds and StopExecution.

use std::future::pending;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::sync::oneshot;

use super::compiled::CompiledMachine;
use super::error::{Failure, STATES_RUNTIME, STATES_TIMEOUT};
use super::events::{Details, Thread, HISTORY_FULL_CAUSE};
use super::run::{run_machine_from, At, Run};
use super::states::Pickup;
use super::variables::Scope;
use crate::history::ExecutionStatus;

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionOutcome {
    /// `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
    pub status: ExecutionStatus,
    /// The output, when it succeeded.
    pub output: Option<Value>,
    /// The error, when it failed, timed out or was stopped with one.
    pub error: Option<String>,
    /// The cause, likewise.
    pub cause: Option<String>,
    /// When it ended.
    pub stop_date: SystemTime,
}

/// A StopExecution request.
#[derive(Debug, Clone, Default)]
pub(crate) struct StopRequest {
    pub error: Option<String>,
    pub cause: Option<String>,
}

enum Ended {
    Done(Result<Value, Failure>),
    TimedOut,
    Stopped(StopRequest),
    /// The history reached AWS's 25,000-event quota before the end.
    HistoryFull,
}

/// What the engine does with an execution it registers.
pub(crate) enum Launch {
    /// Runs it.
    Run(Begin),
    /// Nothing: it had ended like this.
    Ended(ExecutionOutcome),
}

/// Where an execution's run begins.
pub(crate) enum Begin {
    /// A new execution on this input (and its text, as recorded): `ExecutionStarted`, then
    /// the definition from StartAt.
    New(Value, String),
    /// An execution taken up from its recorded history.
    Recovered(Recovered),
}

/// Where a resumed execution goes on from.
pub(crate) struct Recovered {
    /// When it started (its `ExecutionStarted`): TimeoutSeconds counts from there.
    pub started_at: SystemTime,
    /// The top-level thread its next event follows.
    pub thread: Thread,
    /// What runs next.
    pub point: Point,
    /// The top-level variables, as the recorded history assigned them.
    pub variables: Scope,
    /// Set for a redrive: its count, which the engine records in an `ExecutionRedriven` event
    /// before the run begins.
    pub redriven: Option<u64>,
}

/// What a resumed execution runs next.
pub(crate) enum Point {
    /// The top-level state `name` on `input`, taken up from the history when `pickup` is set.
    State {
        name: String,
        input: Value,
        pickup: Option<Pickup>,
    },
    /// Nothing: the top-level machine had ended like this, only the execution's last event is
    /// missing.
    Ended(Result<Value, Failure>),
}

/// Runs `definition` from where `begin` says and records the execution's last event (and its
/// first, for a new execution).
pub(crate) async fn execute(
    run: Run,
    compiled: Arc<CompiledMachine>,
    begin: Begin,
    stop: oneshot::Receiver<StopRequest>,
) -> ExecutionOutcome {
    let recorder = run.recorder.clone();
    let clock = run.shared.clock.clone();
    let definition = compiled.definition();
    let Recovered {
        started_at,
        mut thread,
        point,
        mut variables,
        ..
    } = match begin {
        Begin::New(input, text) => {
            let mut thread = Thread::default();
            let details = Details::new("executionStartedEventDetails")
                .with("input", text)
                .with("inputDetails", serde_json::json!({"truncated": false}))
                .with("roleArn", run.shared.info.role_arn.as_str());
            recorder.add_closing(&mut thread, "ExecutionStarted", details);
            let name = definition.start_at.clone();
            Recovered {
                started_at: clock.now(),
                thread,
                point: Point::State {
                    name,
                    input,
                    pickup: None,
                },
                variables: Scope::default(),
                redriven: None,
            }
        }
        Begin::Recovered(resumed) => resumed,
    };

    let deadline = match definition.timeout_seconds {
        Some(secs) => {
            let until = started_at + Duration::from_secs(secs);
            clock.sleep(until.duration_since(clock.now()).unwrap_or_default())
        }
        None => Box::pin(pending()),
    };
    let slot = Mutex::new(None);
    let ended = {
        let work = async {
            match point {
                Point::State {
                    name,
                    input,
                    pickup,
                } => {
                    let at = At {
                        first: &name,
                        pickup,
                    };
                    let (thread, variables) = (&mut thread, &mut variables);
                    run_machine_from(&run, definition, at, input, thread, variables, &slot).await
                }
                Point::Ended(result) => result,
            }
        };
        let ended = tokio::select! {
            result = work => Ended::Done(result),
            () = deadline => Ended::TimedOut,
            Ok(request) = stop => Ended::Stopped(request),
            () = recorder.filled() => Ended::HistoryFull,
        };
        // A run that refused an event for a full history ends failed, whatever came first.
        if recorder.is_full() {
            Ended::HistoryFull
        } else {
            ended
        }
    };
    let mut outcome = ExecutionOutcome {
        status: ExecutionStatus::Succeeded,
        output: None,
        error: None,
        cause: None,
        stop_date: clock.now(),
    };
    let mut last = Thread {
        source: recorder.last_id(),
        last: recorder.last_id(),
    };
    match ended {
        Ended::Done(Ok(output)) => {
            let details = Details::new("executionSucceededEventDetails").payload("output", &output);
            recorder.add(&mut thread, "ExecutionSucceeded", details);
            outcome.output = Some(output);
        }
        Ended::HistoryFull => {
            let details = Details::new("executionFailedEventDetails")
                .error(Some(STATES_RUNTIME), Some(HISTORY_FULL_CAUSE));
            recorder.add(&mut last, "ExecutionFailed", details);
            outcome.status = ExecutionStatus::Failed;
            outcome.error = Some(STATES_RUNTIME.to_string());
            outcome.cause = Some(HISTORY_FULL_CAUSE.to_string());
        }
        Ended::Done(Err(failure)) => {
            let details = Details::new("executionFailedEventDetails")
                .error(failure.error.as_deref(), failure.cause.as_deref());
            recorder.add(&mut thread, "ExecutionFailed", details);
            outcome.status = ExecutionStatus::Failed;
            outcome.error = failure.error;
            outcome.cause = failure.cause;
        }
        Ended::TimedOut => {
            let details =
                Details::new("executionTimedOutEventDetails").with("error", STATES_TIMEOUT);
            recorder.add(&mut last, "ExecutionTimedOut", details);
            outcome.status = ExecutionStatus::TimedOut;
            outcome.error = Some(STATES_TIMEOUT.to_string());
        }
        Ended::Stopped(request) => {
            let details = Details::new("executionAbortedEventDetails")
                .error(request.error.as_deref(), request.cause.as_deref());
            recorder.add(&mut last, "ExecutionAborted", details);
            outcome.status = ExecutionStatus::Aborted;
            outcome.error = request.error;
            outcome.cause = request.cause;
        }
    }
    outcome
}
