//! Runtime errors worded as Step Functions words them: a Fail state's ErrorPath or CausePath
//! that finds nothing, a tolerated failure count below zero, and the Distributed Map's
//! event chain around its map run.

use std::sync::Arc;
use std::time::SystemTime;

use crate::common::{request, FakeInvoker};

use asl::engine::{Engine, ExecutionOutcome, TaskRequest, TokioClock};
use asl::history::ExecutionStatus;
use serde_json::{json, Value};

async fn run(
    name: &str,
    definition: Value,
    input: Value,
) -> (ExecutionOutcome, Vec<(i64, i64, String)>) {
    let invoker = FakeInvoker::new(|r: TaskRequest| async move { Ok(r.parameters) });
    let engine = Engine::new(
        invoker,
        Arc::new(TokioClock::starting_at(SystemTime::UNIX_EPOCH)),
    );
    let execution = engine
        .start(request(name, &definition, input))
        .expect("the execution starts");
    let outcome = execution.wait().await;
    let chain = execution
        .history()
        .into_iter()
        .map(|e| (e.id, e.previous_event_id, e.event_type))
        .collect();
    (outcome, chain)
}

fn failed_with(outcome: &ExecutionOutcome, error: &str, cause: &str) {
    assert_eq!(outcome.status, ExecutionStatus::Failed, "{outcome:?}");
    assert_eq!(outcome.error.as_deref(), Some(error));
    assert_eq!(outcome.cause.as_deref(), Some(cause));
}

#[tokio::test(start_paused = true)]
async fn fail_paths_that_find_nothing_name_the_field_and_the_input() {
    let def = json!({"StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Next": "Stop"},
        "Stop": {"Type": "Fail", "ErrorPath": "$.reason.code", "Cause": "c"}}});
    let (outcome, _) = run("error-path", def, json!({"reason": {}})).await;
    failed_with(
        &outcome,
        "States.Runtime",
        "An error occurred while executing the state 'Stop' (entered at the event id #4). \
         The JSONPath '$.reason.code' specified for the field 'ErrorPath' could not be found \
         in the input '{\"reason\":{}}'",
    );

    let def = json!({"StartAt": "Stop", "States": {
        "Stop": {"Type": "Fail", "Error": "E", "CausePath": "$$.Execution.Input.why"}}});
    let (outcome, _) = run("cause-path", def, json!({"n": 1})).await;
    let cause = outcome.cause.clone().unwrap_or_default();
    assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
    assert!(
        cause.starts_with(
            "An error occurred while executing the state 'Stop' (entered at the event id #2). \
             The JSONPath '$$.Execution.Input.why' specified for the field 'CausePath' could \
             not be found in the input '{"
        ),
        "{cause}"
    );

    // A path that finds its string still raises it.
    let def = json!({"StartAt": "Stop", "States": {
        "Stop": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('no {}', $.e)"}}});
    let (outcome, _) = run("found", def, json!({"e": "Boom"})).await;
    failed_with(&outcome, "Boom", "no Boom");
}

#[tokio::test(start_paused = true)]
async fn a_negative_tolerated_failure_count_fails_the_map() {
    let map = |tolerance: Value| {
        let mut state = json!({"Type": "Map", "ItemsPath": "$.items", "End": true,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}});
        if let (Some(state), Some(extra)) = (state.as_object_mut(), tolerance.as_object()) {
            state.extend(extra.clone());
        }
        json!({"StartAt": "Map", "States": {"Map": state}})
    };
    let path = map(json!({"ToleratedFailureCountPath": "$.tolerated"}));
    let (outcome, _) = run(
        "negative",
        path.clone(),
        json!({"items": [1], "tolerated": -1}),
    )
    .await;
    failed_with(
        &outcome,
        "States.Runtime",
        "An error occurred while executing the state 'Map' (entered at the event id #2). \
         ToleratedFailureCount cannot be negative.",
    );
    // A fraction is not an integer at all, negative or not.
    let (outcome, _) = run(
        "fraction",
        path.clone(),
        json!({"items": [1], "tolerated": -1.5}),
    )
    .await;
    failed_with(
        &outcome,
        "States.Runtime",
        "An error occurred while executing the state 'Map' (entered at the event id #2). \
         The ToleratedFailureCountPath field refers to value \"-1.5\" which is not a valid \
         integer: $.tolerated",
    );
    let (outcome, _) = run("zero", path, json!({"items": [1], "tolerated": 0})).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded);

    let jsonata = json!({"QueryLanguage": "JSONata", "StartAt": "Map", "States": {"Map": {
        "Type": "Map", "Items": "{% $states.input.items %}", "End": true,
        "ToleratedFailureCount": "{% $states.input.tolerated %}",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
    let (outcome, _) = run("jsonata", jsonata, json!({"items": [1], "tolerated": -2})).await;
    assert_eq!(
        outcome.error.as_deref(),
        Some("States.QueryEvaluationError")
    );
    let cause = outcome.cause.unwrap_or_default();
    assert!(
        cause.ends_with("ToleratedFailureCount cannot be negative."),
        "{cause}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_distributed_map_exits_from_its_map_run_started_event() {
    let def = json!({"StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Result": {"items": [1, 2]}, "Next": "Map"},
        "Map": {"Type": "Map", "ItemsPath": "$.items", "End": true,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
    let (outcome, chain) = run("distributed", def, json!({})).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded);
    let at = |kind: &str| {
        chain
            .iter()
            .find(|(_, _, t)| t == kind)
            .map(|(id, previous, _)| (*id, *previous))
            .unwrap_or_else(|| panic!("no {kind} in {chain:?}"))
    };
    let (run_started, _) = at("MapRunStarted");
    let (run_succeeded, after_started) = at("MapRunSucceeded");
    let (state_succeeded, after_run) = at("MapStateSucceeded");
    let (exited, exited_after) = at("MapStateExited");
    assert_eq!(after_started, run_started);
    assert_eq!(after_run, run_succeeded);
    assert_eq!(exited_after, run_started, "{chain:?}");
    assert_eq!(exited, state_succeeded + 1);
    assert_eq!(at("ExecutionSucceeded").1, exited);
}
