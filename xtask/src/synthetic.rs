//! A synthetic failed execution as large as Step Functions allows (25,000 history events):
//! an inline Map over thousands of items of three Pass states, the last of which fails in its
//! second state while every other item succeeded.

use serde_json::{json, Value};

/// Step Functions' limit on the number of events in one execution history.
pub const MAX_HISTORY_EVENTS: usize = 25_000;

/// A definition and the GetExecutionHistory JSON of its failed execution.
pub struct FailedExecution {
    /// The definition.
    pub definition: Value,
    /// The history, as one GetExecutionHistory page of JSON text.
    pub history_json: String,
    /// How many events the history has.
    pub events: usize,
    /// How many items the Map has.
    pub branches: usize,
}

/// Builds a failed execution whose history has at most `max_events` events: an inline Map
/// over thousands of items whose item processor is three Pass states, the last item failing in
/// its second state. The states pass a document of about `payload_bytes` from one to the next
/// (real workflows pass documents of a few KiB); each item's output stays small, so that the
/// outputs a resume carries fit in a definition (1 MiB).
pub fn map_failure(max_events: usize, payload_bytes: usize) -> FailedExecution {
    // ExecutionStarted, MapStateEntered, MapStateStarted, 8 events an item, and for the
    // failing item 4 + MapIterationFailed + MapStateFailed + ExecutionFailed.
    let items = (max_events.saturating_sub(3 + 7) / 8).max(1);
    let document = json!({"document": "x".repeat(payload_bytes)});
    let mut events: Vec<Value> = Vec::with_capacity(max_events);
    let mut push = |prev: i64, kind: &str, details: Value| -> i64 {
        let id = events.len() as i64 + 1;
        let mut event = json!({"timestamp": 1_700_000_000.0 + id as f64 / 1000.0, "type": kind, "id": id, "previousEventId": prev});
        if let Some((key, value)) = details.as_object().and_then(|d| d.iter().next()) {
            event[key] = value.clone();
        }
        events.push(event);
        id
    };
    let state = |name: &str, key: &str, value: &Value| {
        let kind = if key == "input" {
            "stateEnteredEventDetails"
        } else {
            "stateExitedEventDetails"
        };
        json!({kind: {"name": name, key: value.to_string()}})
    };
    let input = json!({"items": (0..items).collect::<Vec<_>>()});
    push(
        0,
        "ExecutionStarted",
        json!({"executionStartedEventDetails": {"input": input.to_string(), "roleArn": "arn:aws:iam::123456789012:role/bench"}}),
    );
    let entered = push(1, "MapStateEntered", state("Fan out", "input", &input));
    let started = push(
        entered,
        "MapStateStarted",
        json!({"mapStateStartedEventDetails": {"length": items}}),
    );
    let mut failure = started;
    for item in 0..items {
        let iteration = json!({"index": item, "name": "Fan out"});
        let mut prev = push(
            started,
            "MapIterationStarted",
            json!({"mapIterationStartedEventDetails": iteration}),
        );
        let last = item + 1 == items;
        let flow = [
            (json!(item), document.clone()),
            (document.clone(), document.clone()),
            (document.clone(), json!({"item": item})),
        ];
        for (step, (step_input, step_output)) in flow.iter().enumerate() {
            let name = format!("Step {}", step + 1);
            prev = push(prev, "PassStateEntered", state(&name, "input", step_input));
            if last && step == 1 {
                failure = push(
                    prev,
                    "MapIterationFailed",
                    json!({"mapIterationFailedEventDetails": iteration}),
                );
                break;
            }
            prev = push(prev, "PassStateExited", state(&name, "output", step_output));
        }
        if !last {
            push(
                prev,
                "MapIterationSucceeded",
                json!({"mapIterationSucceededEventDetails": iteration}),
            );
        }
    }
    let map_failed = push(failure, "MapStateFailed", json!({}));
    push(
        map_failed,
        "ExecutionFailed",
        json!({"executionFailedEventDetails": {"error": "States.Runtime", "cause": "synthetic failure"}}),
    );
    let count = events.len();
    FailedExecution {
        definition: json!({
            "StartAt": "Fan out",
            "States": {
                "Fan out": {"Type": "Map", "ItemsPath": "$.items", "Next": "Done", "ItemProcessor": {
                    "StartAt": "Step 1", "States": {
                        "Step 1": {"Type": "Pass", "Next": "Step 2"},
                        "Step 2": {"Type": "Pass", "Next": "Step 3"},
                        "Step 3": {"Type": "Pass", "End": true}}}},
                "Done": {"Type": "Succeed"}
            }
        }),
        history_json: json!({ "events": events }).to_string(),
        events: count,
        branches: items,
    }
}
