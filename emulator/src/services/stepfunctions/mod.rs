//! Step Functions (awsJson 1.0, `AWSStepFunctions`): state machines with versions and aliases,
//! executions run by the `asl` interpreter, task callbacks, and every change journaled —
//! history events included — so that executions and their histories survive a restart.
//!
//! - [`model`]: the state and the journaled [`model::Change`]s.
//! - [`api`]: state machines, versions, aliases, tags, validation.
//! - [`machines`]: creating, updating and deleting a machine as typed methods (the API and
//!   CloudFormation call them).
//! - [`executions`]: executions, their histories and task callbacks.
//! - [`integrations`]: the [`asl::engine::TaskInvoker`] that Task states call; [`nested`]: the
//!   `states:startExecution` tasks (`.sync`, `.sync:2`); [`test_state`]: TestState.

pub mod api;
mod compiled;
pub mod executions;
pub mod history;
pub mod integrations;
pub mod machines;
pub mod model;
pub mod names;
pub mod nested;
pub mod pagination;
pub mod redrive;
pub mod test_state;

use std::sync::{Arc, Weak};

use asl::engine::{Engine, EventSink, SystemClock};
use asl::history::HistoryEvent;
use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json;
use crate::request::RequestContext;
use crate::services::store::Store;
use model::{Change, State};

/// The journal's name for this service.
pub const SERVICE: &str = "states";

/// Step Functions's state and the engine that runs its executions.
pub struct StepFunctions {
    pub(crate) store: Store<State>,
    engine: Engine,
    machines: compiled::Machines,
    client_tokens: redrive::ClientTokens,
}

impl std::fmt::Debug for StepFunctions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StepFunctions").finish_non_exhaustive()
    }
}

/// Journals every history event as the engine appends it.
struct JournalSink {
    cloud: Weak<Cloud>,
}

impl EventSink for JournalSink {
    fn append(&self, execution_arn: &str, event: &HistoryEvent) {
        let Some(cloud) = self.cloud.upgrade() else {
            return;
        };
        if !cloud.is_persistent() {
            return;
        }
        let change = Change::Event {
            execution_arn: execution_arn.to_string(),
            event: event.clone(),
        };
        if let Err(e) = cloud.states.store.journal(&cloud, &change) {
            eprintln!(
                "emulator: Step Functions could not journal an event of {execution_arn}: {e}"
            );
        }
    }
}

impl StepFunctions {
    /// No state machines yet; tasks reach the other services through `cloud`.
    pub fn new(cloud: Weak<Cloud>) -> Self {
        let invoker = Arc::new(integrations::Integrations::new(cloud.clone()));
        let sink = Arc::new(JournalSink { cloud });
        StepFunctions {
            store: Store::new(SERVICE),
            engine: Engine::with_event_sink(invoker, Arc::new(SystemClock), sink),
            machines: compiled::Machines::default(),
            client_tokens: redrive::ClientTokens::default(),
        }
    }

    /// Continues executions that were running when the state was saved: each is handed to
    /// the engine with its recorded events ([`Engine::recover`]), so a task waiting for a token
    /// still completes with that token, and other states in progress run again from their
    /// recorded input. An execution that cannot be continued (a history this engine cannot
    /// take up, a definition it can no longer compile) is ended as failed, with
    /// `States.Runtime` and why as the cause, so that it does not stay RUNNING forever nor
    /// stop the start; why is printed too.
    pub fn after_replay(&self, cloud: &Cloud) {
        let mut state = self.store.writer(cloud);
        let running: Vec<(model::ExecutionRecord, Vec<HistoryEvent>)> = state
            .executions
            .values()
            .filter(|e| matches!(e.run, model::Run::Recorded(_)))
            .filter(|e| e.outcome().status == asl::history::ExecutionStatus::Running)
            .map(|e| (e.record.clone(), e.history()))
            .collect();
        for (record, events) in running {
            let resumed = serde_json::from_str(&record.input)
                .map_err(|e| e.to_string())
                .and_then(|input| {
                    executions::engine_request(&record, input, &self.machines)
                        .map_err(|e| e.to_string())
                })
                .and_then(|request| {
                    self.engine
                        .recover(request, events)
                        .map_err(|e| e.to_string())
                });
            match resumed {
                Ok(execution) => state.live().insert_live(record, execution),
                Err(e) => {
                    let cause = format!(
                        "The emulator could not continue this execution after a restart: {e}"
                    );
                    eprintln!(
                        "emulator: execution {}: {cause}; it is ended as FAILED",
                        record.arn
                    );
                    let Some(execution) = state.executions.get(&record.arn) else {
                        continue;
                    };
                    let ending = model::Ending {
                        event_type: "ExecutionFailed",
                        details_key: "executionFailedEventDetails",
                        error: Some("States.Runtime".into()),
                        cause: Some(cause),
                    };
                    let change = execution.closing(ending, api::now());
                    if let Err(e) = state.commit(change) {
                        eprintln!("emulator: execution {}: not ended: {e}", record.arn);
                    }
                }
            }
        }
    }

    /// The compiled machines of the revisions executions run.
    pub(crate) fn machines(&self) -> &compiled::Machines {
        &self.machines
    }

    /// The client tokens of recent redrives.
    pub(crate) fn client_tokens(&self) -> &redrive::ClientTokens {
        &self.client_tokens
    }

    /// The engine running the executions.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Runs one Step Functions operation on its JSON input: the HTTP API and other services (Step
/// Functions tasks, EventBridge targets) both come through here.
pub async fn call(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    operation: &str,
    input: Map<String, Value>,
) -> Result<Value, AwsError> {
    let input = json::Input(&input);
    match operation {
        "CreateStateMachine" => api::create_state_machine(cloud, ctx, input),
        "DescribeStateMachine" => api::describe_state_machine(cloud, input),
        "UpdateStateMachine" => api::update_state_machine(cloud, input),
        "DeleteStateMachine" => api::delete_state_machine(cloud, input),
        "ListStateMachines" => api::list_state_machines(cloud, ctx, input),
        "PublishStateMachineVersion" => api::publish_state_machine_version(cloud, input),
        "ListStateMachineVersions" => api::list_state_machine_versions(cloud, input),
        "DeleteStateMachineVersion" => api::delete_state_machine_version(cloud, input),
        "CreateStateMachineAlias" => api::create_state_machine_alias(cloud, input),
        "DescribeStateMachineAlias" => api::describe_state_machine_alias(cloud, input),
        "UpdateStateMachineAlias" => api::update_state_machine_alias(cloud, input),
        "DeleteStateMachineAlias" => api::delete_state_machine_alias(cloud, input),
        "ListStateMachineAliases" => api::list_state_machine_aliases(cloud, input),
        "ValidateStateMachineDefinition" => api::validate_state_machine_definition(input),
        "TagResource" => api::tag_resource(cloud, input),
        "UntagResource" => api::untag_resource(cloud, input),
        "ListTagsForResource" => api::list_tags_for_resource(cloud, input),
        "StartExecution" => executions::start_execution(cloud, input),
        "StartSyncExecution" => executions::start_sync_execution(cloud, input).await,
        "DescribeExecution" => executions::describe_execution(cloud, input),
        "DescribeStateMachineForExecution" => {
            executions::describe_state_machine_for_execution(cloud, input)
        }
        "StopExecution" => executions::stop_execution(cloud, input).await,
        "RedriveExecution" => redrive::redrive_execution(cloud, input),
        "ListExecutions" => executions::list_executions(cloud, input),
        "GetExecutionHistory" => executions::get_execution_history(cloud, input),
        "SendTaskSuccess" => executions::send_task_success(cloud, input),
        "SendTaskFailure" => executions::send_task_failure(cloud, input),
        "SendTaskHeartbeat" => executions::send_task_heartbeat(cloud, input),
        "TestState" => test_state::test_state(cloud, ctx, input).await,
        other => Err(AwsError::unknown_operation(other)),
    }
}
