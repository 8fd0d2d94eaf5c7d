//! The ASL interpreter, for both query languages (JSONPath and JSONata) and workflow
//! variables, on tokio.
//!
//! [`Engine::start`] runs a definition as an execution and returns at once; the
//! [`Execution`] handle gives its status, its history (GetExecutionHistory events, recorded as
//! AWS records them) and its outcome. Tasks call services through a [`TaskInvoker`]; time comes
//! from a [`Clock`] ([`SystemClock`] for real time, [`TokioClock`] for virtual time in tests);
//! every event can be observed as it is appended through an [`EventSink`], and
//! [`Engine::recover`] continues an execution from the events a sink recorded (after a restart).
//!
//! A definition runs as a [`CompiledMachine`]: compiled once (paths, templates, intrinsic calls
//! and JSONata expressions), shared by every execution. Distributed Maps that read items from
//! elsewhere (`ItemReader`) are refused at start with [`EngineError::Unsupported`].

mod clock;
mod comparison;
mod compiled;
mod concurrent;
mod context;
mod depth;
mod error;
mod events;
mod invoker;
mod io;
mod jsonata;
mod lifecycle;
mod recovery;
mod redrive;
mod retry;
mod run;
mod states;
mod support;
pub(crate) mod timestamp;
mod token;
mod variables;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use serde_json::Value;
use tokio::sync::{oneshot, watch};

pub use clock::{Clock, SystemClock, TokioClock};
pub use compiled::{CompileError, CompiledMachine, Language};
pub use events::EventSink;
pub use invoker::{IntegrationPattern, TaskFailure, TaskInvoker, TaskRequest};
pub use lifecycle::ExecutionOutcome;
pub use token::CallbackError;

use crate::history::{self, ExecutionStatus, HistoryEvent};
use context::ExecutionInfo;
use events::Recorder;
use lifecycle::{Begin, Launch, StopRequest};
use run::{Run, Shared};
use token::{Signal, Tokens};

/// The largest execution input, in bytes of JSON text (256 KiB).
pub const MAX_INPUT_BYTES: usize = states::MAX_PAYLOAD_BYTES;

/// Why an execution could not be started, found, or stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The definition uses something the interpreter does not run yet.
    #[error("{feature} is not supported yet{}", in_state(state))]
    Unsupported {
        /// What, e.g. `JSONata (QueryLanguage)`.
        feature: String,
        /// The state that uses it.
        state: Option<String>,
    },
    /// The definition cannot run (e.g. it names a state that does not exist).
    #[error("the definition cannot run: {0}")]
    InvalidDefinition(String),
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error("the execution input is larger than {MAX_INPUT_BYTES} bytes")]
    InputTooLarge,
    /// An execution with this ARN was already started on this engine.
    #[error("Execution Already Exists: '{0}'")]
    ExecutionAlreadyExists(String),
    /// No execution with this ARN was started on this engine.
    #[error("Execution Does Not Exist: '{0}'")]
    ExecutionDoesNotExist(String),
    /// The recorded history given to [`Engine::recover`] cannot be continued.
    #[error("the recorded history cannot be continued: {0}")]
    InvalidHistory(String),
    /// [`Engine::start`] was called outside a tokio runtime.
    #[error("the engine must be used inside a tokio runtime")]
    NoRuntime,
}

fn in_state(state: &Option<String>) -> String {
    match state {
        Some(name) => format!(": state '{name}'"),
        None => String::new(),
    }
}

/// What StartExecution gives the engine.
#[derive(Clone)]
pub struct StartExecution {
    /// The execution ARN (`arn:aws:states:<region>:<account>:execution:<machine>:<name>`).
    pub execution_arn: String,
    /// The state machine ARN.
    pub state_machine_arn: String,
    /// The execution name.
    pub name: String,
    /// The role the execution runs as.
    pub role_arn: String,
    /// The definition to run, compiled (shared by every execution of the machine).
    pub definition: Arc<CompiledMachine>,
    /// The execution input.
    pub input: Value,
    /// The input as the caller wrote it, which `ExecutionStarted` records as AWS does (`None`:
    /// the input serialised).
    pub input_text: Option<String>,
}

impl fmt::Debug for StartExecution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartExecution")
            .field("execution_arn", &self.execution_arn)
            .field("state_machine_arn", &self.state_machine_arn)
            .finish_non_exhaustive()
    }
}

/// Runs executions. Cheap to clone: clones share the executions, the invoker and the clock.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    invoker: Arc<dyn TaskInvoker>,
    clock: Arc<dyn Clock>,
    sink: Option<Arc<dyn EventSink>>,
    tokens: Arc<Tokens>,
    map_runs: Arc<redrive::MapRuns>,
    executions: Mutex<HashMap<String, Execution>>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine that calls tasks through `invoker` and reads time from `clock`.
    pub fn new(invoker: Arc<dyn TaskInvoker>, clock: Arc<dyn Clock>) -> Engine {
        Engine::build(invoker, clock, None)
    }

    /// An engine that also hands every history event to `sink` as it is appended.
    pub fn with_event_sink(
        invoker: Arc<dyn TaskInvoker>,
        clock: Arc<dyn Clock>,
        sink: Arc<dyn EventSink>,
    ) -> Engine {
        Engine::build(invoker, clock, Some(sink))
    }

    fn build(
        invoker: Arc<dyn TaskInvoker>,
        clock: Arc<dyn Clock>,
        sink: Option<Arc<dyn EventSink>>,
    ) -> Engine {
        Engine {
            inner: Arc::new(EngineInner {
                invoker,
                clock,
                sink,
                tokens: Arc::new(Tokens::default()),
                map_runs: Arc::new(redrive::MapRuns::default()),
                executions: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Starts an execution and returns at once. Must be called inside a tokio runtime.
    pub fn start(&self, request: StartExecution) -> Result<Execution, EngineError> {
        support::check(request.definition.definition())?;
        if request.input.to_string().len() > MAX_INPUT_BYTES {
            return Err(EngineError::InputTooLarge);
        }
        let start_date = self.inner.clock.now();
        let shared = self.shared(&request, start_date, request.input.clone(), 0);
        let text = request
            .input_text
            .clone()
            .unwrap_or_else(|| request.input.to_string());
        let launch = Launch::Run(Begin::New(request.input, text));
        self.launch(shared, request.definition, start_date, Vec::new(), launch)
    }

    /// Continues an execution from its recorded history (the events this engine's
    /// [`EventSink`] received for it before the process stopped, oldest first), and returns at
    /// once. Must be called inside a tokio runtime unless the history ends the execution.
    ///
    /// The returned [`Execution`] holds the recorded events; new events continue their ids and
    /// previous-event chain, and only new events go to the sink. The context object is the
    /// original one: `$$.Execution.StartTime` (and [`Execution::start_date`]) is the time of
    /// the recorded `ExecutionStarted`, `$$.Execution.Input` its input; the execution's
    /// TimeoutSeconds counts from that start.
    ///
    /// What happens, by where the history ends:
    /// - **No events** (the process stopped before `ExecutionStarted` was recorded): the
    ///   execution starts anew, as [`Engine::start`] would start it, now.
    /// - **A terminal event** (`ExecutionSucceeded`, `…Failed`, `…TimedOut`, `…Aborted`): the
    ///   execution is registered as ended with that outcome (status, output, error, cause, stop
    ///   date from the event); nothing runs.
    /// - **Inside a top-level state** (its `…StateEntered` is the last top-level one, with no
    ///   `…StateExited` after it; state names are unique in a definition, so the name tells a
    ///   top-level state from a nested one): that state is taken up with its recorded input
    ///   (`stateEnteredEventDetails.input`) and **no second `…StateEntered`**:
    ///   `$$.State.EnteredTime` and the event id in error causes are the recorded ones.
    ///   - A `.waitForTaskToken` Task whose last event is `TaskSubmitted` waits again for the
    ///     **same task token** (found in the Parameters of its last `TaskScheduled`, where
    ///     `$$.Task.Token` put it, not one its input already held): the integration is not
    ///     called again, and [`Engine::send_task_success`] / `…failure` / `…heartbeat` with
    ///     the original token complete it as before, followed by the events an uninterrupted
    ///     run records (`TaskSucceeded`, `TaskStateExited`, …). TimeoutSeconds counts from
    ///     the recorded `TaskScheduled` (a wait past it times out at once), HeartbeatSeconds
    ///     from the resume (heartbeats are not recorded). A retry after its failure issues a
    ///     new token.
    ///   - Any other state is run again from its input, at least once more: a Task in flight
    ///     (or between retries) calls its integration again (new `TaskScheduled`, …; a new
    ///     token when the token of a waiting task is not in its Parameters); a Wait sleeps
    ///     only what is left of `Seconds` counted from its recorded entry (a `Timestamp` is
    ///     absolute anyway); a Parallel or Map runs all its branches or iterations again
    ///     (new `ParallelStateStarted` / `MapStateStarted`, after the recorded inner events;
    ///     a `.waitForTaskToken` task inside them gets a new token). Retry counters start over.
    ///     Pass, Choice, Succeed and Fail states simply run.
    /// - **After a top-level state exited** (its `…StateExited` is the last top-level event):
    ///   the run goes on at the state it went to, with the recorded output, which is: for a
    ///   Choice, the rule that matches its recorded input; for a Task, Parallel or Map whose
    ///   event before the exit is not a `…Succeeded` one, the Catch that handled the error
    ///   (the error of its last recorded error event, else the `Error` found at a catcher's
    ///   ResultPath, else its first catcher); otherwise its Next, or the end of the execution
    ///   (`ExecutionSucceeded` with that output).
    /// - **Only `ExecutionStarted`**: the run begins at StartAt with the recorded input.
    ///
    /// The first new event follows the last recorded one (it follows none, like a first
    /// state's entry, when only `ExecutionStarted` is recorded).
    ///
    /// Errors: the definition's as for [`Engine::start`];
    /// [`EngineError::InvalidHistory`] when the ids are not 1..=n in order, an event follows
    /// no earlier one, or the first event is not `ExecutionStarted`;
    /// [`EngineError::ExecutionAlreadyExists`] when this engine already has the execution.
    pub fn recover(
        &self,
        request: StartExecution,
        recorded: Vec<HistoryEvent>,
    ) -> Result<Execution, EngineError> {
        let Some(started) = recorded.first() else {
            return self.start(request);
        };
        support::check(request.definition.definition())?;
        recovery::check(&recorded)?;
        let start_date = recovery::event_time(started).unwrap_or_else(|| self.inner.clock.now());
        let input = started.payload("input").unwrap_or(request.input.clone());
        let shared = self.shared(
            &request,
            start_date,
            input,
            history::redrive_count(&recorded),
        );
        // A redriven execution's TimeoutSeconds counts from its last redrive.
        let timed_from = history::last_redrive(&recorded)
            .and_then(recovery::event_time)
            .unwrap_or(start_date);
        let launch = recovery::plan(
            &shared,
            request.definition.definition(),
            &recorded,
            timed_from,
        );
        self.launch(shared, request.definition, start_date, recorded, launch)
    }

    /// Redrives an execution that ended without success (RedriveExecution): `recorded` is its
    /// whole history, ending in `ExecutionFailed`, `ExecutionTimedOut` or `ExecutionAborted`.
    /// Returns at once; must be called inside a tokio runtime. The engine's record of the
    /// ended execution, if it has one, is replaced.
    ///
    /// The run records `ExecutionRedriven` (its `redriveCount` one more than the history's
    /// redrives so far, following the terminal event), then goes on where the history stopped,
    /// as [`Engine::recover`] would take it up, except that the top-level state that was in
    /// progress is **entered again** (a new `…StateEntered` on its recorded input; retry
    /// counters and, for a `.waitForTaskToken` task, the token are new). The states before it
    /// are not run again, and the top-level variables are the ones the history assigned. When
    /// that state is a Parallel, the branches whose last run succeeded return their recorded
    /// outputs without running (no events), and only the others run, from their start; when
    /// it is an inline Map, only the iterations that failed, were aborted or never started
    /// run; a Distributed Map records `MapRunRedriven` (the same map run ARN, its own redrive
    /// count) and runs only the items whose child run did not succeed (what this engine's map
    /// runs produced is kept in memory: after a restart, such a Map runs every item again). The
    /// kept results apply to that state's first attempt only. `$$.Execution.RedriveCount` is
    /// the new count; `$$.Execution.StartTime` and the input stay the original ones; the
    /// machine's TimeoutSeconds counts from the redrive.
    ///
    /// Errors: the definition's as for [`Engine::start`]; [`EngineError::InvalidHistory`]
    /// when the history is malformed or does not end in one of those events;
    /// [`EngineError::ExecutionAlreadyExists`] when this engine is still running it.
    pub fn redrive(
        &self,
        request: StartExecution,
        recorded: Vec<HistoryEvent>,
    ) -> Result<Execution, EngineError> {
        support::check(request.definition.definition())?;
        recovery::check(&recorded)?;
        let ended = recorded.last().map(|e| e.event_type.as_str());
        if !matches!(
            ended,
            Some("ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted")
        ) {
            return Err(EngineError::InvalidHistory(format!(
                "a redrive continues an execution that failed, timed out or was aborted, and \
                 this history ends with {}",
                ended.unwrap_or("no event")
            )));
        }
        self.forget_ended(&request.execution_arn)?;
        let started = &recorded[0];
        let now = self.inner.clock.now();
        let start_date = recovery::event_time(started).unwrap_or(now);
        let input = started.payload("input").unwrap_or(request.input.clone());
        let count = history::redrive_count(&recorded) + 1;
        let mut shared = self.shared(&request, start_date, input, count);
        let definition = request.definition.definition();
        let body = &recorded[..recorded.len() - 1];
        let Launch::Run(Begin::Recovered(mut resumed)) =
            recovery::plan(&shared, definition, body, now)
        else {
            return Err(EngineError::InvalidHistory(
                "the history before its last event already ends the execution".into(),
            ));
        };
        if let lifecycle::Point::State { name, pickup, .. } = &mut resumed.point {
            *pickup = None;
            let prior = redrive::prior(definition, &recorded, name, &self.inner.map_runs);
            shared.kept = redrive::Kept::new(prior);
        }
        let last = recorded.len() as i64;
        resumed.thread = events::Thread { source: last, last };
        resumed.redriven = Some(count);
        let launch = Launch::Run(Begin::Recovered(resumed));
        self.launch(shared, request.definition, start_date, recorded, launch)
    }

    /// Drops the engine's record of an execution that ended, so that it can run again;
    /// refuses one still running.
    fn forget_ended(&self, arn: &str) -> Result<(), EngineError> {
        let mut executions = self
            .inner
            .executions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if executions.get(arn).is_some_and(|e| e.outcome().is_none()) {
            return Err(EngineError::ExecutionAlreadyExists(arn.to_string()));
        }
        executions.remove(arn);
        Ok(())
    }

    /// What every state of the execution `request` asks for shares.
    fn shared(
        &self,
        request: &StartExecution,
        start_date: SystemTime,
        input: Value,
        redrive_count: u64,
    ) -> Shared {
        let inner = &self.inner;
        let region = request
            .execution_arn
            .split(':')
            .nth(3)
            .filter(|r| !r.is_empty())
            .unwrap_or("us-east-1")
            .to_string();
        let state_machine_name = request
            .state_machine_arn
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string();
        Shared {
            info: ExecutionInfo {
                execution_arn: request.execution_arn.clone(),
                name: request.name.clone(),
                role_arn: request.role_arn.clone(),
                input,
                start_time: timestamp::format(start_date),
                state_machine_arn: request.state_machine_arn.clone(),
                state_machine_name,
                redrive_count,
            },
            compiled: request.definition.clone(),
            invoker: inner.invoker.clone(),
            clock: inner.clock.clone(),
            tokens: inner.tokens.clone(),
            region,
            kept: redrive::Kept::default(),
            map_runs: inner.map_runs.clone(),
        }
    }

    /// Registers the execution (its history so far: `recorded`) and runs it, unless it ended.
    fn launch(
        &self,
        shared: Shared,
        definition: Arc<CompiledMachine>,
        start_date: SystemTime,
        recorded: Vec<HistoryEvent>,
        launch: Launch,
    ) -> Result<Execution, EngineError> {
        let (mut begin, ended) = match launch {
            Launch::Run(begin) => {
                let runtime =
                    tokio::runtime::Handle::try_current().map_err(|_| EngineError::NoRuntime)?;
                (Some((begin, runtime)), None)
            }
            Launch::Ended(outcome) => (None, Some(outcome)),
        };
        let inner = &self.inner;
        let arn = shared.info.execution_arn.clone();
        let mut executions = inner
            .executions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if executions.contains_key(&arn) {
            return Err(EngineError::ExecutionAlreadyExists(arn));
        }
        let recorder = Arc::new(Recorder::continuing(
            arn.clone(),
            inner.clock.clone(),
            inner.sink.clone(),
            recorded,
        ));
        if let Some((Begin::Recovered(resumed), _)) = &mut begin {
            if let Some(count) = resumed.redriven.take() {
                let details = events::Details::new("executionRedrivenEventDetails")
                    .with("redriveCount", count);
                recorder.add(&mut resumed.thread, history::EXECUTION_REDRIVEN, details);
            }
        }
        let run = Run {
            shared: Arc::new(shared),
            recorder: recorder.clone(),
        };
        let (stop_tx, stop_rx) = oneshot::channel();
        let (outcome_tx, outcome_rx) = watch::channel(ended);
        let execution = Execution {
            inner: Arc::new(ExecutionInner {
                arn: arn.clone(),
                start_date,
                recorder,
                outcome: outcome_rx,
                stop: Mutex::new(begin.is_some().then_some(stop_tx)),
            }),
        };
        executions.insert(arn, execution.clone());
        drop(executions);
        if let Some((begin, runtime)) = begin {
            runtime.spawn(async move {
                let outcome = lifecycle::execute(run, definition, begin, stop_rx).await;
                outcome_tx.send_replace(Some(outcome));
            });
        }
        Ok(execution)
    }

    /// The execution with this ARN, if this engine started it.
    pub fn execution(&self, execution_arn: &str) -> Option<Execution> {
        self.inner
            .executions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(execution_arn)
            .cloned()
    }

    /// StopExecution: aborts a running execution (ExecutionAborted with this error and cause)
    /// and returns once it has ended. An execution that already ended is left as it is.
    pub async fn stop(
        &self,
        execution_arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<ExecutionOutcome, EngineError> {
        let execution = self
            .execution(execution_arn)
            .ok_or_else(|| EngineError::ExecutionDoesNotExist(execution_arn.to_string()))?;
        let sender = execution
            .inner
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(sender) = sender {
            // The execution may have ended meanwhile; then there is nobody to tell.
            let _ = sender.send(StopRequest { error, cause });
        }
        Ok(execution.wait().await)
    }

    /// SendTaskSuccess: completes the task waiting for `token` with `output`.
    pub fn send_task_success(&self, token: &str, output: Value) -> Result<(), CallbackError> {
        self.inner.tokens.signal(token, Signal::Success(output))
    }

    /// SendTaskFailure: fails the task waiting for `token`.
    pub fn send_task_failure(
        &self,
        token: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), CallbackError> {
        self.inner
            .tokens
            .signal(token, Signal::Failure { error, cause })
    }

    /// SendTaskHeartbeat: restarts the HeartbeatSeconds timer of the task waiting for `token`.
    pub fn send_task_heartbeat(&self, token: &str) -> Result<(), CallbackError> {
        self.inner.tokens.signal(token, Signal::Heartbeat)
    }
}

/// A handle on one execution. Cheap to clone.
#[derive(Clone)]
pub struct Execution {
    inner: Arc<ExecutionInner>,
}

struct ExecutionInner {
    arn: String,
    start_date: SystemTime,
    recorder: Arc<Recorder>,
    outcome: watch::Receiver<Option<ExecutionOutcome>>,
    stop: Mutex<Option<oneshot::Sender<StopRequest>>>,
}

impl fmt::Debug for Execution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Execution")
            .field("arn", &self.inner.arn)
            .finish_non_exhaustive()
    }
}

impl Execution {
    /// The execution ARN.
    pub fn arn(&self) -> &str {
        &self.inner.arn
    }

    /// When it started.
    pub fn start_date(&self) -> SystemTime {
        self.inner.start_date
    }

    /// `RUNNING`, or how it ended.
    pub fn status(&self) -> ExecutionStatus {
        self.outcome()
            .map(|o| o.status)
            .unwrap_or(ExecutionStatus::Running)
    }

    /// How it ended, once it has.
    pub fn outcome(&self) -> Option<ExecutionOutcome> {
        self.inner.outcome.borrow().clone()
    }

    /// The events recorded so far, oldest first.
    pub fn history(&self) -> Vec<HistoryEvent> {
        self.inner.recorder.snapshot()
    }

    /// What `f` makes of the events recorded so far, read in place (no copy).
    pub fn with_history<T>(&self, f: impl FnOnce(&[HistoryEvent]) -> T) -> T {
        self.inner.recorder.read(f)
    }

    /// Waits for the execution to end.
    pub async fn wait(&self) -> ExecutionOutcome {
        let mut receiver = self.inner.outcome.clone();
        let ended = receiver
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|o| o.clone());
        ended.unwrap_or_else(|| ExecutionOutcome {
            status: ExecutionStatus::Failed,
            output: None,
            error: Some(error::STATES_RUNTIME.to_string()),
            cause: Some("the execution's task ended unexpectedly".to_string()),
            stop_date: SystemTime::now(),
        })
    }
}
