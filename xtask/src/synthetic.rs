//! A synthetic failed execution as large as Step Functions allows (25,000 history events):
//! a Parallel with many branches of three Pass states, one of which fails in its second state
//! while every other branch succeeded.

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
    /// How many branches the Parallel has.
    pub branches: usize,
}

/// Builds a failed execution whose history has at most `max_events` events, each state's
/// input and output carrying about `payload_bytes` of data (real workflows pass documents of
/// a few KiB from state to state).
pub fn parallel_failure(max_events: usize, payload_bytes: usize) -> FailedExecution {
    let filler = "x".repeat(payload_bytes);
    // ExecutionStarted, ParallelStateEntered, ParallelStateStarted, then 6 events a branch,
    // and for the failing branch 3 + ParallelStateFailed + ExecutionFailed.
    let branches = (max_events.saturating_sub(3 + 5) / 6).max(1);
    let definition = definition(branches);
    let mut events: Vec<Value> = Vec::with_capacity(max_events);
    let input = json!({"orderId": "o-1", "items": [1, 2, 3]});
    let mut push = |prev: i64, kind: &str, details: Option<(&str, Value)>| -> i64 {
        let id = events.len() as i64 + 1;
        let mut event = json!({"timestamp": 1_700_000_000.0 + id as f64 / 1000.0, "type": kind, "id": id, "previousEventId": prev});
        if let Some((key, value)) = details {
            event[key] = value;
        }
        events.push(event);
        id
    };
    let payload =
        |name: &str, key: &str, value: &Value| json!({"name": name, key: value.to_string()});
    push(
        0,
        "ExecutionStarted",
        Some((
            "executionStartedEventDetails",
            json!({"input": input.to_string(), "roleArn": "arn:aws:iam::123456789012:role/bench"}),
        )),
    );
    let entered = push(
        1,
        "ParallelStateEntered",
        Some((
            "stateEnteredEventDetails",
            payload("Fan out", "input", &input),
        )),
    );
    let started = push(entered, "ParallelStateStarted", None);
    let mut failure = started;
    for b in 0..branches {
        let mut prev = started;
        let last = b + 1 == branches;
        for step in 1..=3 {
            let name = format!("Branch {b} step {step}");
            let step_input = json!({"branch": b, "step": step, "document": filler});
            prev = push(
                prev,
                "PassStateEntered",
                Some((
                    "stateEnteredEventDetails",
                    payload(&name, "input", &step_input),
                )),
            );
            if last && step == 2 {
                failure = prev;
                break;
            }
            prev = push(
                prev,
                "PassStateExited",
                Some((
                    "stateExitedEventDetails",
                    payload(&name, "output", &step_input),
                )),
            );
        }
    }
    let parallel_failed = push(failure, "ParallelStateFailed", None);
    push(
        parallel_failed,
        "ExecutionFailed",
        Some((
            "executionFailedEventDetails",
            json!({"error": "States.Runtime", "cause": "synthetic failure"}),
        )),
    );
    let count = events.len();
    FailedExecution {
        definition,
        history_json: json!({ "events": events }).to_string(),
        events: count,
        branches,
    }
}

fn definition(branches: usize) -> Value {
    let branch = |b: usize| {
        let mut states = serde_json::Map::new();
        for step in 1..=3 {
            let mut state = json!({"Type": "Pass"});
            if step < 3 {
                state["Next"] = json!(format!("Branch {b} step {}", step + 1));
            } else {
                state["End"] = json!(true);
            }
            states.insert(format!("Branch {b} step {step}"), state);
        }
        json!({"StartAt": format!("Branch {b} step 1"), "States": states})
    };
    json!({
        "StartAt": "Fan out",
        "States": {
            "Fan out": {"Type": "Parallel", "Next": "Done", "Branches": (0..branches).map(branch).collect::<Vec<_>>()},
            "Done": {"Type": "Succeed"}
        }
    })
}
