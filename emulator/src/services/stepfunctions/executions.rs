//! The execution operations: Start(Sync)Execution, DescribeExecution,
//! DescribeStateMachineForExecution, StopExecution, ListExecutions, GetExecutionHistory and the
//! task callbacks (SendTaskSuccess/Failure/Heartbeat).

use std::sync::Arc;

use asl::engine::{CallbackError, EngineError, StartExecution};
use asl::history::ExecutionStatus;
use serde_json::{json, Map, Value};

use super::api::{find_machine, machine_does_not_exist, now};
use super::compiled::Machines;
use super::history::{self, HistoryQuery};
use super::model::{
    Change, Ending, Execution, ExecutionRecord, MachineType, Outcome, Revision, Run, StateMachine,
};
use super::names::{self, Qualifier};
use super::pagination;
use super::redrive;
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::epoch_seconds;
use crate::protocol::json::Input;
use crate::protocol::validation::{constraint, constraint_hidden, rule};

/// The largest execution input or task output, in bytes (256 KiB).
pub const MAX_DATA_BYTES: usize = 262_144;

/// The most characters of StopExecution's / SendTaskFailure's `error`.
const MAX_ERROR_CHARS: usize = 256;
/// The most characters of their `cause`.
const MAX_CAUSE_CHARS: usize = 32_768;

/// ExecutionDoesNotExist for `arn`.
pub(crate) fn execution_does_not_exist(arn: &str) -> AwsError {
    AwsError::new(
        "ExecutionDoesNotExist",
        format!("Execution Does Not Exist: '{arn}'"),
    )
}

fn too_long(member: &str, max: usize) -> AwsError {
    constraint_hidden(member, &rule::max_length(max))
}

/// An optional text member no longer than `max` characters.
fn bounded<'a>(input: Input<'a>, member: &str, max: usize) -> AwsResult<Option<&'a str>> {
    let value = input.opt_str(member)?;
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(too_long(member, max));
    }
    Ok(value)
}

/// Which revision an execution on `machine` runs, for an ARN qualified by `qualifier`: the
/// revision, the version ARN and the alias ARN.
fn resolve(
    machine: &StateMachine,
    qualifier: &Option<Qualifier>,
    given: &str,
) -> AwsResult<(Revision, Option<String>, Option<String>)> {
    match qualifier {
        None => Ok((machine.current.clone(), None, None)),
        Some(Qualifier::Version(n)) => {
            let version = machine
                .versions
                .get(n)
                .ok_or_else(|| machine_does_not_exist(given))?;
            Ok((
                version.revision.clone(),
                Some(machine.version_arn(*n)),
                None,
            ))
        }
        Some(Qualifier::Alias(name)) => {
            let alias = machine
                .aliases
                .get(name)
                .ok_or_else(|| machine_does_not_exist(given))?;
            let mut draw = (uuid::Uuid::new_v4().as_u128() % 100) as u64;
            let route = alias
                .routing
                .iter()
                .find(|r| {
                    if draw < r.weight {
                        true
                    } else {
                        draw -= r.weight;
                        false
                    }
                })
                .or(alias.routing.first())
                .ok_or_else(|| machine_does_not_exist(given))?;
            let number = machine
                .version_of(&route.version_arn)
                .ok_or_else(|| machine_does_not_exist(&route.version_arn))?;
            Ok((
                machine.versions[&number].revision.clone(),
                Some(route.version_arn.clone()),
                Some(given.to_string()),
            ))
        }
    }
}

/// The API error for an engine error.
pub(crate) fn engine_error(e: EngineError) -> AwsError {
    match e {
        EngineError::InvalidDefinition(message) => AwsError::new(
            "InvalidDefinition",
            format!("Invalid State Machine Definition: '{message}'"),
        ),
        EngineError::ExecutionAlreadyExists(arn) => AwsError::new(
            "ExecutionAlreadyExists",
            format!("Execution Already Exists: '{arn}'"),
        ),
        EngineError::InputTooLarge => too_long("input", MAX_DATA_BYTES),
        EngineError::NoRuntime
        | EngineError::ExecutionDoesNotExist(_)
        | EngineError::InvalidHistory(_) => AwsError::internal(e.to_string()),
        EngineError::Unsupported { .. } => {
            AwsError::validation(format!("This emulator cannot run this state machine: {e}"))
        }
    }
}

/// What the engine needs to run (or, after a restart, resume) the execution `record`
/// describes, on `input` (the record's input, parsed), with its revision compiled once in
/// `machines`.
pub(crate) fn engine_request(
    record: &ExecutionRecord,
    input: Value,
    machines: &Machines,
) -> AwsResult<StartExecution> {
    Ok(StartExecution {
        execution_arn: record.arn.clone(),
        state_machine_arn: record.state_machine_arn.clone(),
        name: record.name.clone(),
        role_arn: record.revision.role_arn.clone(),
        definition: machines.get(&record.revision)?,
        input,
        input_text: Some(record.input.clone()),
    })
}

/// An execution that StartExecution or StartSyncExecution started (or found running).
struct Started {
    record: ExecutionRecord,
    execution: Option<asl::engine::Execution>,
}

/// What StartExecution asks for: the typed way other services (EventBridge targets) start
/// an execution.
#[derive(Debug, Clone, Copy)]
pub struct StartRequest<'a> {
    /// The state machine, version or alias ARN.
    pub state_machine_arn: &'a str,
    /// The execution's name (a UUID when absent).
    pub name: Option<&'a str>,
    /// The input, as JSON text (`{}` when absent).
    pub input: Option<&'a str>,
}

impl<'a> StartRequest<'a> {
    /// StartExecution's members.
    fn read(input: Input<'a>) -> AwsResult<Self> {
        Ok(StartRequest {
            state_machine_arn: input.str("stateMachineArn")?,
            name: input.opt_str("name")?,
            input: input.opt_str("input")?,
        })
    }
}

/// Starts a standard execution (or finds the same one running): what StartExecution does.
pub fn start_standard(cloud: &Arc<Cloud>, request: StartRequest<'_>) -> AwsResult<ExecutionRecord> {
    start(cloud, request, false).map(|started| started.record)
}

/// StartExecution's reply.
pub fn started_reply(record: &ExecutionRecord) -> Value {
    json!({"executionArn": record.arn, "startDate": record.start_date})
}

/// Starts an execution. `sync` runs an EXPRESS machine for StartSyncExecution: it is not kept
/// or journaled, as AWS keeps no history of express executions.
fn start(cloud: &Arc<Cloud>, request: StartRequest<'_>, sync: bool) -> AwsResult<Started> {
    let given = request.state_machine_arn;
    let arn = names::parse_machine_arn(given)?;
    let name = match request.name {
        Some(name) => {
            names::check_name(name)?;
            name.to_string()
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    let text = request.input.unwrap_or("{}");
    if text.len() > MAX_DATA_BYTES {
        return Err(too_long("input", MAX_DATA_BYTES));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        AwsError::new(
            "InvalidExecutionInput",
            format!("Invalid State Machine Execution Input: '{e}'"),
        )
    })?;
    let sfn = &cloud.states;
    let mut state = sfn.store.writer(cloud);
    let machine = state
        .machines
        .get(&arn.arn)
        .ok_or_else(|| machine_does_not_exist(given))?;
    if sync && machine.machine_type != MachineType::Express {
        return Err(AwsError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let (revision, version_arn, alias_arn) = resolve(machine, &arn.qualifier, given)?;
    let base = arn.arn.replacen(":stateMachine:", ":execution:", 1);
    let execution_arn = if sync {
        format!(
            "{}:{name}:{}",
            arn.arn.replacen(":stateMachine:", ":express:", 1),
            uuid::Uuid::new_v4()
        )
    } else {
        format!("{base}:{name}")
    };
    if let Some(existing) = state.executions.get(&execution_arn) {
        let same = existing.record.input == text
            && existing.record.machine_type == MachineType::Standard
            && existing.outcome().status == ExecutionStatus::Running;
        if same {
            return Ok(Started {
                record: existing.record.clone(),
                execution: None,
            });
        }
        return Err(AwsError::new(
            "ExecutionAlreadyExists",
            format!("Execution Already Exists: '{execution_arn}'"),
        ));
    }
    let record = ExecutionRecord {
        arn: execution_arn.clone(),
        name,
        state_machine_arn: arn.arn.clone(),
        state_machine_name: machine.name.clone(),
        machine_type: machine.machine_type,
        version_arn,
        alias_arn,
        revision,
        input: text.to_string(),
        start_date: 0.0,
    };
    let execution = sfn
        .engine()
        .start(engine_request(&record, value, sfn.machines())?)
        .map_err(engine_error)?;
    let record = ExecutionRecord {
        start_date: epoch_seconds(execution.start_date()),
        ..record
    };
    if !sync {
        let change = Change::ExecutionStarted(Box::new(record.clone()));
        if let Err(e) = state.journal(&change) {
            // Not acknowledged, so not kept: stop what the engine already started.
            let engine = sfn.engine().clone();
            tokio::spawn(async move {
                let _ = engine.stop(&execution_arn, None, None).await;
            });
            return Err(e);
        }
        state.live().insert_live(record.clone(), execution.clone());
    }
    Ok(Started {
        record,
        execution: Some(execution),
    })
}

/// StartExecution.
pub fn start_execution(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let record = start_standard(cloud, StartRequest::read(input)?)?;
    Ok(started_reply(&record))
}

/// StartSyncExecution: runs an EXPRESS machine to its end and returns how it ended.
pub async fn start_sync_execution(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let started = start(cloud, StartRequest::read(input)?, true)?;
    let Some(execution) = started.execution else {
        return Err(AwsError::internal("the execution did not start"));
    };
    let ended = execution.wait().await;
    let record = started.record;
    let status = match ended.status {
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        _ => "FAILED",
    };
    let mut reply = json!({
        "executionArn": record.arn,
        "stateMachineArn": record.version_arn.as_ref().unwrap_or(&record.state_machine_arn),
        "name": record.name,
        "startDate": record.start_date,
        "stopDate": epoch_seconds(ended.stop_date),
        "status": status,
        "input": record.input,
        "inputDetails": {"included": true},
        "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
    });
    let outcome = Outcome {
        status: ended.status,
        output: ended.output.map(|v| v.to_string()),
        error: ended.error,
        cause: ended.cause,
        stop_date: None,
    };
    add_outcome(&mut reply, &outcome);
    Ok(reply)
}

/// Adds `output` (with `outputDetails`), `error` and `cause` when present.
fn add_outcome(reply: &mut Value, outcome: &Outcome) {
    if let Some(output) = &outcome.output {
        reply["output"] = json!(output);
        reply["outputDetails"] = json!({"included": true});
    }
    if let Some(error) = &outcome.error {
        reply["error"] = json!(error);
    }
    if let Some(cause) = &outcome.cause {
        reply["cause"] = json!(cause);
    }
}

/// A copy of the execution with this ARN.
pub(crate) fn find_execution(cloud: &Cloud, given: &str) -> AwsResult<Execution> {
    names::check_execution_arn(given)?;
    cloud
        .states
        .store
        .reader()
        .executions
        .get(given)
        .cloned()
        .ok_or_else(|| execution_does_not_exist(given))
}

/// The fields DescribeExecution and ListExecutions share.
fn summary(execution: &Execution, outcome: &Outcome) -> Map<String, Value> {
    let record = &execution.record;
    let mut out = Map::new();
    out.insert("executionArn".into(), json!(record.arn));
    out.insert("stateMachineArn".into(), json!(record.state_machine_arn));
    out.insert("name".into(), json!(record.name));
    out.insert("status".into(), json!(outcome.status.as_str()));
    out.insert("startDate".into(), json!(record.start_date));
    if let Some(stop) = outcome.stop_date {
        out.insert("stopDate".into(), json!(stop));
    }
    if let Some(version) = &record.version_arn {
        out.insert("stateMachineVersionArn".into(), json!(version));
    }
    if let Some(alias) = &record.alias_arn {
        out.insert("stateMachineAliasArn".into(), json!(alias));
    }
    execution.with_history(|history| redrive::add_counts(&mut out, history));
    out
}

/// DescribeExecution.
pub fn describe_execution(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let execution = find_execution(cloud, input.str("executionArn")?)?;
    // Lock order: the service's state, then a history; never the other way round.
    let exists = redrive::machine_exists(cloud, &execution.record.state_machine_arn);
    let outcome = execution.outcome();
    let mut reply = Value::Object(summary(&execution, &outcome));
    reply["input"] = json!(execution.record.input);
    reply["inputDetails"] = json!({"included": true});
    add_outcome(&mut reply, &outcome);
    execution.with_history(|history| redrive::add_status(&mut reply, &execution, history, exists));
    Ok(reply)
}

/// DescribeStateMachineForExecution: the definition and settings the execution ran, even if
/// the state machine changed since.
pub fn describe_state_machine_for_execution(
    cloud: &Arc<Cloud>,
    input: Input<'_>,
) -> AwsResult<Value> {
    let execution = find_execution(cloud, input.str("executionArn")?)?;
    let record = execution.record;
    let revision = record.revision;
    Ok(json!({
        "stateMachineArn": record.state_machine_arn,
        "name": record.state_machine_name,
        "definition": revision.definition,
        "roleArn": revision.role_arn,
        "updateDate": revision.update_date,
        "loggingConfiguration": revision.logging,
        "tracingConfiguration": revision.tracing,
        "revisionId": revision.revision_id,
    }))
}

/// StopExecution.
pub async fn stop_execution(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("executionArn")?;
    let error = bounded(input, "error", MAX_ERROR_CHARS)?.map(str::to_string);
    let cause = bounded(input, "cause", MAX_CAUSE_CHARS)?.map(str::to_string);
    let execution = find_execution(cloud, given)?;
    match execution.run {
        Run::Live(_) => {
            let ended = cloud
                .states
                .engine()
                .stop(given, error, cause)
                .await
                .map_err(|_| execution_does_not_exist(given))?;
            Ok(json!({ "stopDate": epoch_seconds(ended.stop_date) }))
        }
        Run::Recorded(_) => abort_recorded(cloud, given, error, cause),
    }
}

/// Stops an execution read back from the journal that no engine runs: records its
/// `ExecutionAborted` event. One that already ended is left as it is.
fn abort_recorded(
    cloud: &Arc<Cloud>,
    arn: &str,
    error: Option<String>,
    cause: Option<String>,
) -> AwsResult<Value> {
    let mut state = cloud.states.store.writer(cloud);
    let execution = state
        .executions
        .get(arn)
        .ok_or_else(|| execution_does_not_exist(arn))?;
    let outcome = execution.outcome();
    if let Some(stop) = outcome.stop_date {
        return Ok(json!({ "stopDate": stop }));
    }
    let now = now();
    let ending = Ending {
        event_type: "ExecutionAborted",
        details_key: "executionAbortedEventDetails",
        error,
        cause,
    };
    let change = execution.closing(ending, now);
    state.commit(change)?;
    Ok(json!({ "stopDate": now }))
}

/// ListExecutions (newest first) of a state machine, a version or an alias.
pub fn list_executions(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let Some(given) = input.opt_str("stateMachineArn")? else {
        return Err(AwsError::validation(
            "Must provide a StateMachine ARN or MapRun ARN",
        ));
    };
    let arn = names::parse_machine_arn(given)?;
    let size = pagination::page_size(input.opt_i64("maxResults")?, 100)?;
    let filter = input.opt_str("statusFilter")?;
    if let Some(status) = filter {
        let known = [
            "RUNNING",
            "SUCCEEDED",
            "FAILED",
            "TIMED_OUT",
            "ABORTED",
            "PENDING_REDRIVE",
        ];
        if !known.contains(&status) {
            return Err(constraint("statusFilter", status, &rule::one_of(&known)));
        }
    }
    let redriven = redrive::filter(input)?;
    let mut items: Vec<(f64, Value)> = {
        let state = cloud.states.store.reader();
        let machine = find_machine(&state, &arn.arn)?;
        // AWS keeps no list of EXPRESS executions (they go to CloudWatch Logs).
        if machine.machine_type == MachineType::Express {
            return Err(AwsError::new(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            ));
        }
        let belongs = |record: &ExecutionRecord| match &arn.qualifier {
            None => record.state_machine_arn == machine.arn,
            Some(Qualifier::Version(_)) => record.version_arn.as_deref() == Some(given),
            Some(Qualifier::Alias(_)) => record.alias_arn.as_deref() == Some(given),
        };
        state
            .executions
            .values()
            .filter(|e| belongs(&e.record))
            .filter(|e| redriven.is_none_or(|r| e.with_history(redrive::was_redriven) == r))
            .map(|e| (e, e.outcome()))
            .filter(|(_, o)| filter.is_none_or(|f| f == o.status.as_str()))
            .map(|(e, o)| (e.record.start_date, Value::Object(summary(e, &o))))
            .collect()
    };
    items.sort_by(|a, b| b.0.total_cmp(&a.0));
    let items: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
    pagination::reply(items, size, input.opt_str("nextToken")?, "executions")
}

/// GetExecutionHistory.
pub fn get_execution_history(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let arn = input.str("executionArn")?;
    names::check_execution_arn(arn)?;
    let query = HistoryQuery {
        max_results: input.opt_i64("maxResults")?,
        next_token: input.opt_str("nextToken")?,
        reverse_order: input.opt_bool("reverseOrder")?.unwrap_or(false),
        include_execution_data: input.opt_bool("includeExecutionData")?.unwrap_or(true),
    };
    // A live execution's events are read under its own lock, not the service's; a recorded
    // one's in place. Either way only the page is copied.
    let live = {
        let state = cloud.states.store.reader();
        let execution = state
            .executions
            .get(arn)
            .ok_or_else(|| execution_does_not_exist(arn))?;
        match &execution.run {
            Run::Live(handle) => handle.clone(),
            Run::Recorded(events) => return history::page(events, &query),
        }
    };
    live.with_history(|events| history::page(events, &query))
}

fn callback_error(e: CallbackError) -> AwsError {
    AwsError::new(e.code(), e.to_string())
}

/// SendTaskSuccess.
pub fn send_task_success(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let token = input.str("taskToken")?;
    let output = input.str("output")?;
    CallbackError::check_well_formed(token).map_err(callback_error)?;
    if output.len() > MAX_DATA_BYTES {
        return Err(too_long("output", MAX_DATA_BYTES));
    }
    let value: Value = serde_json::from_str(output).map_err(|e| {
        AwsError::new(
            "InvalidOutput",
            format!("Invalid State Machine Execution Output: '{e}'"),
        )
    })?;
    cloud
        .states
        .engine()
        .send_task_success(token, value)
        .map_err(callback_error)?;
    Ok(json!({}))
}

/// SendTaskFailure.
pub fn send_task_failure(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let token = input.str("taskToken")?;
    let error = bounded(input, "error", MAX_ERROR_CHARS)?.map(str::to_string);
    let cause = bounded(input, "cause", MAX_CAUSE_CHARS)?.map(str::to_string);
    cloud
        .states
        .engine()
        .send_task_failure(token, error, cause)
        .map_err(callback_error)?;
    Ok(json!({}))
}

/// SendTaskHeartbeat.
pub fn send_task_heartbeat(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let token = input.str("taskToken")?;
    cloud
        .states
        .engine()
        .send_task_heartbeat(token)
        .map_err(callback_error)?;
    Ok(json!({}))
}
