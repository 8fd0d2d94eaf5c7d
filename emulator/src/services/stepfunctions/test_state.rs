//! TestState: one state's definition run on an input, outside any state machine, with the real
//! task call for Task states.
//!
//! The state runs as the only state of a throwaway machine on an engine of its own (nothing is
//! stored or journaled): its `Next` becomes `End`, the states it can go to (`Next`, Choice
//! rules, `Default`, Catch) become stubs whose entry says where it went and with what, its
//! Retriers are taken out (a failure one would retry is `RETRIABLE`, as on AWS), and a Wait
//! does not wait. `DEBUG` and `TRACE` add the data flow (`inspectionData`), each stage
//! computed by running the same paths and templates in a Pass state.

use std::sync::Arc;

use asl::engine::{CompiledMachine, Engine, StartExecution, SystemClock};
use asl::history::HistoryEvent;
use asl::model::Definition;
use serde_json::{json, Map, Value};

use super::integrations::Integrations;
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::json::Input;
use crate::protocol::validation::{constraint, rule};
use crate::request::{RequestContext, ACCOUNT_ID};

/// The name the tested state runs under.
const NAME: &str = "TestState";

fn invalid_definition(message: impl std::fmt::Display) -> AwsError {
    AwsError::new(
        "InvalidDefinition",
        format!("Invalid State Machine Definition: '{message}'"),
    )
}

/// How the tested state ended.
struct Ran {
    /// The execution's events.
    events: Vec<HistoryEvent>,
    /// The stub entered after the state, with its input.
    next: Option<(String, Value)>,
    /// The machine's output, error and cause.
    output: Option<Value>,
    error: Option<String>,
    cause: Option<String>,
}

/// Runs `states` (starting at `start`) on `input` with an engine of its own.
async fn run(
    cloud: &Arc<Cloud>,
    region: &str,
    start: &str,
    states: Map<String, Value>,
    input: Value,
) -> AwsResult<Ran> {
    let machine = json!({"StartAt": start, "States": states});
    let definition = Definition::from_value(&machine).map_err(invalid_definition)?;
    let engine = Engine::new(
        Arc::new(Integrations::new(Arc::downgrade(cloud))),
        Arc::new(SystemClock),
    );
    let id = uuid::Uuid::new_v4();
    let execution = engine
        .start(StartExecution {
            execution_arn: format!("arn:aws:states:{region}:{ACCOUNT_ID}:execution:{NAME}:{id}"),
            state_machine_arn: format!("arn:aws:states:{region}:{ACCOUNT_ID}:stateMachine:{NAME}"),
            name: id.to_string(),
            role_arn: format!("arn:aws:iam::{ACCOUNT_ID}:role/TestState"),
            definition: Arc::new(CompiledMachine::compile(definition)),
            input,
            input_text: None,
        })
        .map_err(invalid_definition)?;
    let outcome = execution.wait().await;
    let events = execution.history();
    let next = events.iter().find_map(|event| {
        let entered = event.details.get("stateEnteredEventDetails")?;
        let name = entered.get("name")?.as_str()?;
        (name != start).then(|| {
            let input = entered
                .get("input")
                .and_then(Value::as_str)
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or(Value::Null);
            (name.to_string(), input)
        })
    });
    Ok(Ran {
        events,
        next,
        output: outcome.output,
        error: outcome.error,
        cause: outcome.cause,
    })
}

/// The output of a Pass state made of `fields` on `input` (a stage of the data flow).
async fn stage(
    cloud: &Arc<Cloud>,
    region: &str,
    fields: Map<String, Value>,
    input: Value,
) -> Option<Value> {
    let mut pass = fields;
    pass.insert("Type".into(), "Pass".into());
    pass.insert("End".into(), true.into());
    let mut states = Map::new();
    states.insert("P".into(), Value::Object(pass));
    run(cloud, region, "P", states, input).await.ok()?.output
}

fn fields(state: &Map<String, Value>, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| Some((n.to_string(), state.get(*n)?.clone())))
        .collect()
}

/// The states the tested state can go to.
fn targets(state: &Map<String, Value>) -> Vec<String> {
    let mut names = Vec::new();
    let mut push = |v: Option<&Value>| {
        if let Some(name) = v.and_then(Value::as_str) {
            names.push(name.to_string());
        }
    };
    push(state.get("Next"));
    push(state.get("Default"));
    for list in ["Choices", "Catch"] {
        for item in state
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            push(item.get("Next"));
        }
    }
    names
}

/// The machine that runs the state once: the state itself, then a stub per target.
fn harness(state: &Map<String, Value>) -> Map<String, Value> {
    let mut tested = state.clone();
    let kind = tested
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind == "Wait" {
        for field in ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"] {
            tested.remove(field);
        }
        tested.insert("Type".into(), "Pass".into());
    }
    tested.remove("Retry");
    if tested.remove("Next").is_some() {
        tested.insert("End".into(), true.into());
    }
    let mut states = Map::new();
    states.insert(NAME.into(), Value::Object(tested));
    for target in targets(state) {
        states
            .entry(target)
            .or_insert_with(|| json!({"Type": "Succeed"}));
    }
    states
}

/// Whether a Retrier of the state would retry `error`.
fn retriable(state: &Map<String, Value>, error: &str) -> bool {
    state
        .get("Retry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("MaxAttempts").and_then(Value::as_u64) != Some(0))
        .filter_map(|r| r.get("ErrorEquals").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .any(|e| e == error || (e == "States.ALL" && error != "States.Runtime"))
}

/// The failure a Catch caught (from the state's failed event), if it caught one.
fn caught(events: &[HistoryEvent]) -> Option<(Option<String>, Option<String>)> {
    events.iter().find_map(|event| {
        let failed = event.event_type.ends_with("Failed") || event.event_type.ends_with("TimedOut");
        if !failed || event.event_type.starts_with("Execution") {
            return None;
        }
        let details = event.details.values().next()?;
        let text = |k: &str| details.get(k).and_then(Value::as_str).map(str::to_string);
        Some((text("error"), text("cause")))
    })
}

/// The task's result, from its `TaskSucceeded` event.
fn task_result(events: &[HistoryEvent]) -> Option<Value> {
    events.iter().find_map(|event| {
        let details = event.details.get("taskSucceededEventDetails")?;
        serde_json::from_str(details.get("output")?.as_str()?).ok()
    })
}

/// `inspectionData`: the state's input at each stage of its data flow.
async fn inspection(
    cloud: &Arc<Cloud>,
    region: &str,
    state: &Map<String, Value>,
    input: &Value,
    events: &[HistoryEvent],
) -> Value {
    let text = |v: &Value| Value::String(v.to_string());
    let mut data = Map::new();
    data.insert("input".into(), text(input));
    let kind = state
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(kind, "Task" | "Pass" | "Parallel" | "Map") {
        return Value::Object(data);
    }
    let after_input = stage(cloud, region, fields(state, &["InputPath"]), input.clone()).await;
    let after_parameters = stage(
        cloud,
        region,
        fields(state, &["InputPath", "Parameters"]),
        input.clone(),
    )
    .await;
    let result = match kind {
        "Pass" => state.get("Result").cloned().or(after_parameters.clone()),
        _ => task_result(events),
    };
    let after_selector = match (&result, state.get("ResultSelector")) {
        (Some(result), Some(selector)) => {
            let mut f = Map::new();
            f.insert("Parameters".into(), selector.clone());
            stage(cloud, region, f, result.clone()).await
        }
        (result, _) => result.clone(),
    };
    let after_result_path = match &after_selector {
        Some(selected) => {
            let mut f = fields(state, &["ResultPath"]);
            f.insert("Result".into(), selected.clone());
            stage(cloud, region, f, input.clone()).await
        }
        None => None,
    };
    for (key, value) in [
        ("afterInputPath", after_input),
        ("afterParameters", after_parameters),
        ("result", result),
        ("afterResultSelector", after_selector),
        ("afterResultPath", after_result_path),
    ] {
        if let Some(value) = value {
            data.insert(key.into(), text(&value));
        }
    }
    Value::Object(data)
}

/// TestState.
pub async fn test_state(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> AwsResult<Value> {
    let definition = input.str("definition")?;
    input.str("roleArn")?;
    let level = input.opt_str("inspectionLevel")?.unwrap_or("INFO");
    const LEVELS: [&str; 3] = ["INFO", "DEBUG", "TRACE"];
    if !LEVELS.contains(&level) {
        return Err(constraint("inspectionLevel", level, &rule::one_of(&LEVELS)));
    }
    let state: Map<String, Value> = match serde_json::from_str(definition) {
        Ok(Value::Object(state)) => state,
        _ => {
            return Err(invalid_definition(
                "The definition must be a JSON object of one state",
            ))
        }
    };
    if !state.get("Type").is_some_and(Value::is_string) {
        return Err(invalid_definition("The state has no 'Type'"));
    }
    let state_input: Value = match input.opt_str("input")? {
        None => json!({}),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            AwsError::new(
                "InvalidExecutionInput",
                format!("Invalid State Machine Execution Input: '{e}'"),
            )
        })?,
    };
    let ran = run(
        cloud,
        &ctx.region,
        NAME,
        harness(&state),
        state_input.clone(),
    )
    .await?;
    let mut reply = Map::new();
    let caught_error = caught(&ran.events);
    match (&ran.next, &ran.error) {
        (Some((next, output)), _) => {
            reply.insert("output".into(), Value::String(output.to_string()));
            reply.insert("nextState".into(), next.clone().into());
            let caught = state.get("Catch").is_some().then_some(()).and(caught_error);
            match caught {
                Some((error, cause)) => {
                    reply.insert("status".into(), "CAUGHT_ERROR".into());
                    if let Some(error) = error {
                        reply.insert("error".into(), error.into());
                    }
                    if let Some(cause) = cause {
                        reply.insert("cause".into(), cause.into());
                    }
                }
                None => {
                    reply.insert("status".into(), "SUCCEEDED".into());
                }
            }
        }
        (None, Some(error)) => {
            let status = if retriable(&state, error) {
                "RETRIABLE"
            } else {
                "FAILED"
            };
            reply.insert("status".into(), status.into());
            reply.insert("error".into(), error.clone().into());
            if let Some(cause) = &ran.cause {
                reply.insert("cause".into(), cause.clone().into());
            }
        }
        (None, None) => {
            reply.insert("status".into(), "SUCCEEDED".into());
            let output = ran.output.clone().unwrap_or(Value::Null);
            reply.insert("output".into(), Value::String(output.to_string()));
            if let Some(next) = state.get("Next") {
                reply.insert("nextState".into(), next.clone());
            }
        }
    }
    if level != "INFO" {
        let data = inspection(cloud, &ctx.region, &state, &state_input, &ran.events).await;
        reply.insert("inspectionData".into(), data);
    }
    Ok(Value::Object(reply))
}
