//! Workflow variables and JSONata in the interpreter, on small definitions of our own: scopes of
//! Parallel branches and Map iterations, the order Assign is evaluated in relative to Output and
//! ResultPath, Catch and Choice assignments, and evaluation errors.

use std::sync::Arc;
use std::time::SystemTime;

use crate::common;

use asl::engine::{Engine, ExecutionOutcome, TaskFailure, TaskRequest, TokioClock};
use asl::history::{ExecutionStatus, HistoryEvent};
use common::{request, FakeInvoker};
use serde_json::{json, Value};

/// Runs `definition` on `input` with tasks that echo their parameters (and fail when the
/// parameters say `"fail": true`); returns the outcome and the history.
async fn run(definition: Value, input: Value) -> (ExecutionOutcome, Vec<HistoryEvent>) {
    let invoker = FakeInvoker::new(|r: TaskRequest| async move {
        if r.parameters["fail"] == json!(true) {
            return Err(TaskFailure::new("Boom", "it failed"));
        }
        Ok(r.parameters)
    });
    let engine = Engine::new(
        invoker,
        Arc::new(TokioClock::starting_at(SystemTime::UNIX_EPOCH)),
    );
    let execution = engine
        .start(request("run", &definition, input))
        .expect("starts");
    let outcome = execution.wait().await;
    (outcome, execution.history())
}

fn assigned(history: &[HistoryEvent], state: &str) -> Option<Value> {
    history
        .iter()
        .find(|e| e.is_state_exited() && e.state_name() == Some(state))
        .and_then(|e| e.detail("assignedVariables").cloned())
}

#[tokio::test(start_paused = true)]
async fn branches_and_iterations_read_outer_variables_and_keep_their_own() {
    let definition = json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"x": 1, "label": "outer"}, "Next": "Par"},
        "Par": {"Type": "Parallel", "Next": "After", "Assign": {"fromPar.$": "$[0].x"},
            "Branches": [
                {"StartAt": "B1", "States": {
                    "B1": {"Type": "Pass", "Assign": {"x": 100}, "Next": "B2"},
                    "B2": {"Type": "Pass", "Parameters": {"x.$": "$x", "label.$": "$label"}, "End": true}}},
                {"StartAt": "C1", "States": {
                    "C1": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": true}}}
            ]},
        "After": {"Type": "Map", "ItemsPath": "$.items", "Next": "Done",
            "ItemProcessor": {"StartAt": "I1", "States": {
                "I1": {"Type": "Pass", "Assign": {"x.$": "$"}, "Next": "I2"},
                "I2": {"Type": "Pass", "Parameters": {"x.$": "$x", "par.$": "$fromPar"}, "End": true}}},
            "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ResultPath": "$.mapped"},
        "Done": {"Type": "Pass", "Parameters": {"x.$": "$x", "mapped.$": "$.mapped", "fromPar.$": "$fromPar"}, "End": true}
    }});
    // After runs on Par's output (an array), so give the Map its items through Init's input.
    let definition = {
        let mut d = definition;
        d["States"]["Par"]["ResultPath"] = json!("$.par");
        d
    };
    let (outcome, history) = run(definition, json!({"items": [7, 8]})).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    assert_eq!(
        outcome.output.unwrap(),
        json!({
            "x": 1,
            "fromPar": 100,
            "mapped": [{"x": {"v": 7}, "par": 100}, {"x": {"v": 8}, "par": 100}]
        }),
        "inner assignments stay inside; the Parallel's Assign sets the outer scope"
    );
    assert_eq!(assigned(&history, "Par"), Some(json!({"fromPar": "100"})));
    assert_eq!(assigned(&history, "B1"), Some(json!({"x": "100"})));
}

#[tokio::test(start_paused = true)]
async fn assign_reads_the_values_of_entry_and_the_result_after_result_selector() {
    let definition = json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"n": 1}, "Next": "T"},
        "T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
              "Parameters": {"value.$": "$.v"},
              "ResultSelector": {"selected.$": "$.value"},
              "Assign": {"n.$": "$.selected", "old.$": "$n"},
              "ResultPath": "$.r",
              "OutputPath": "$",
              "Next": "Read"},
        "Read": {"Type": "Pass", "Parameters": {"n.$": "$n", "old.$": "$old", "r.$": "$.r"}, "End": true}
    }});
    let (outcome, history) = run(definition, json!({"v": 5})).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    assert_eq!(
        outcome.output.unwrap(),
        json!({"n": 5, "old": 1, "r": {"selected": 5}})
    );
    assert_eq!(assigned(&history, "T"), Some(json!({"n": "5", "old": "1"})));
}

#[tokio::test(start_paused = true)]
async fn jsonata_output_and_assign_both_see_the_variables_of_entry() {
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"count": 1}, "Next": "B"},
        "B": {"Type": "Pass",
              "Assign": {"count": "{% $count + 1 %}"},
              "Output": {"seen": "{% $count %}", "input": "{% $states.input.k %}"},
              "Next": "C"},
        "C": {"Type": "Pass", "Output": {"count": "{% $count %}", "prev": "{% $states.input.seen %}"}, "End": true}
    }});
    let (outcome, _) = run(definition, json!({"k": "v"})).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    assert_eq!(outcome.output.unwrap(), json!({"count": 2, "prev": 1}));
}

#[tokio::test(start_paused = true)]
async fn catch_and_choice_assign_in_both_languages() {
    let definition = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
              "Catch": [{"ErrorEquals": ["Boom"], "Assign": {"why.$": "$.Error"}, "ResultPath": "$.err", "Next": "C"}],
              "End": true},
        "C": {"Type": "Choice", "QueryLanguage": "JSONata",
              "Choices": [{"Condition": "{% $why = 'Boom' %}", "Assign": {"picked": "boom"}, "Next": "Done",
                           "Output": {"why": "{% $why %}", "err": "{% $states.input.err.Error %}"}}],
              "Default": "Done", "Assign": {"picked": "default"}},
        "Done": {"Type": "Pass", "QueryLanguage": "JSONata",
                 "Output": "{% $merge([$states.input, {'picked': $picked}]) %}", "End": true}
    }});
    let (outcome, history) = run(definition, json!({"fail": true})).await;
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    assert_eq!(
        outcome.output.unwrap(),
        json!({"why": "Boom", "err": "Boom", "picked": "boom"})
    );
    assert_eq!(assigned(&history, "T"), Some(json!({"why": "\"Boom\""})));
}

#[tokio::test(start_paused = true)]
async fn jsonata_errors_fail_with_an_evaluation_failed_event() {
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "End": true}
    }});
    let (outcome, history) = run(definition, json!({"s": "soon"})).await;
    assert_eq!(outcome.status, ExecutionStatus::Failed);
    assert_eq!(
        outcome.error.as_deref(),
        Some("States.QueryEvaluationError")
    );
    let cause = outcome.cause.unwrap();
    assert!(
        cause.starts_with(
            "An error occurred while executing the state 'W' (entered at the event id #2)."
        ),
        "{cause}"
    );
    assert!(
        cause.contains("Expected 'integer', but was 'string'"),
        "{cause}"
    );
    let failed = history
        .iter()
        .find(|e| e.event_type == "EvaluationFailed")
        .expect("an EvaluationFailed event");
    let details = failed.detail("location").cloned();
    assert_eq!(details, Some(json!("Seconds")));

    // A runtime error inside an expression names the field and the JSONata error code.
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": {"n": "{% $number('x') %}"}, "End": true}
    }});
    let (outcome, _) = run(definition, json!({})).await;
    assert_eq!(
        outcome.error.as_deref(),
        Some("States.QueryEvaluationError")
    );
    assert!(outcome.cause.unwrap().contains("'Output/n'"));
}

#[tokio::test(start_paused = true)]
async fn an_assignment_over_the_size_limit_fails_the_state() {
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Assign": {"big": "{% $pad('', 300000, 'x') %}"}, "End": true}
    }});
    let (outcome, history) = run(definition, json!({})).await;
    assert_eq!(outcome.status, ExecutionStatus::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.DataLimitExceeded"));
    assert!(!history.iter().any(|e| e.event_type == "PassStateExited"));
}
