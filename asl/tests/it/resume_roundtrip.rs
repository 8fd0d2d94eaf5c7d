//! The planner and the interpreter together: an execution fails in one Parallel branch while
//! the other succeeded; the rewritten machine resumes it with a patched input, skipping what
//! succeeded; started under another name the rewritten machine takes the original path.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use asl::engine::{Engine, StartExecution, TaskFailure, TaskInvoker, TaskRequest, TokioClock};
use asl::history::{ExecutionStatus, History};
use asl::model::Definition;
use asl::resume::{plan, PlanOptions};
use futures::future::BoxFuture;
use serde_json::{json, Value};

/// "Slow" returns its input; "NeedsFoo" fails unless `foo` is set. Counts every call.
#[derive(Default)]
struct Lambdas {
    slow_calls: AtomicUsize,
    needs_foo_calls: AtomicUsize,
}

impl TaskInvoker for Lambdas {
    fn invoke(&self, request: TaskRequest) -> BoxFuture<'static, Result<Value, TaskFailure>> {
        let result = if request.resource.ends_with("Slow") {
            self.slow_calls.fetch_add(1, Ordering::SeqCst);
            Ok(request.parameters)
        } else {
            self.needs_foo_calls.fetch_add(1, Ordering::SeqCst);
            match request.parameters.get("foo") {
                Some(value) if !value.is_null() => Ok(request.parameters),
                _ => Err(TaskFailure::new("Lambda.Unknown", "foo is missing")),
            }
        };
        Box::pin(async move { result })
    }
}

fn definition() -> Definition {
    let lambda = |name: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
    Definition::from_value(&json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Result": "ready", "ResultPath": "$.prepared", "Next": "Both"},
            "Both": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "Slow step", "States": {
                    "Slow step": {"Type": "Task", "Resource": lambda("Slow"), "End": true}}},
                {"StartAt": "Shape", "States": {
                    "Shape": {"Type": "Pass", "Parameters": {"shaped": true, "foo.$": "$.foo"}, "Next": "Needs foo"},
                    "Needs foo": {"Type": "Task", "Resource": lambda("NeedsFoo"), "End": true}}}
            ]},
            "Done": {"Type": "Succeed"}
        }
    }))
    .expect("definition")
}

async fn run(
    engine: &Engine,
    definition: &Definition,
    name: &str,
    input: Value,
) -> (ExecutionStatus, Option<Value>, History) {
    let execution = engine
        .start(StartExecution {
            execution_arn: format!("arn:aws:states:us-east-1:123456789012:execution:m:{name}"),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
            name: name.into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            definition: Arc::new(definition.clone().into()),
            input,
            input_text: None,
        })
        .expect("start");
    let outcome = execution.wait().await;
    let history = History::from_events(execution.history()).expect("history");
    (outcome.status, outcome.output, history)
}

fn first_state_entered(history: &History) -> String {
    history
        .events
        .iter()
        .find(|e| e.is_state_entered())
        .and_then(|e| e.state_name())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(start_paused = true)]
async fn resumes_the_failed_branch_and_replays_the_succeeded_one() {
    let lambdas = Arc::new(Lambdas::default());
    let engine = Engine::new(
        lambdas.clone(),
        Arc::new(TokioClock::starting_at(SystemTime::now())),
    );
    let original = definition();

    // Shape reads $.foo (a missing path would be States.Runtime), so foo is null: the Task fails.
    let (status, _, history) = run(
        &engine,
        &original,
        "first",
        json!({"order": 7, "foo": null}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Failed);
    assert_eq!(lambdas.slow_calls.load(Ordering::SeqCst), 1);

    let options = PlanOptions {
        patch: Some(json!({"foo": "bar"})),
        execution_name: Some("resumed".into()),
        ..PlanOptions::default()
    };
    let plan = plan(&original, &history, &options).expect("plan");
    assert_eq!(plan.failed_state, "Needs foo");
    assert_eq!(plan.resume_state, "Both");
    assert_eq!(plan.skipped_states, vec!["Prepare", "Slow step", "Shape"]);

    assert_eq!(plan.execution_input, json!({"order": 7, "foo": null}));
    let (status, output, resumed) = run(
        &engine,
        &plan.definition,
        "resumed",
        plan.execution_input.clone(),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{resumed:?}");
    assert_eq!(
        lambdas.slow_calls.load(Ordering::SeqCst),
        1,
        "the succeeded branch is not run again"
    );
    let output = output.expect("output");
    assert_eq!(
        output[0],
        json!({"order": 7, "foo": null, "prepared": "ready"}),
        "recorded output of branch 1"
    );
    assert_eq!(
        output[1]["foo"],
        json!("bar"),
        "the failed state got the patched input"
    );
    assert!(!resumed
        .events
        .iter()
        .any(|e| e.state_name() == Some("Prepare")));

    // Started under another name, the rewritten machine runs from the original start.
    let (_, _, normal) = run(
        &engine,
        &plan.definition,
        "normal",
        json!({"order": 8, "foo": 1}),
    )
    .await;
    let entered: Vec<&str> = normal
        .events
        .iter()
        .filter(|e| e.is_state_entered())
        .filter_map(|e| e.state_name())
        .collect();
    assert_eq!(&entered[..2], &[plan.start_state.as_str(), "Prepare"]);
    assert_eq!(first_state_entered(&normal), plan.start_state);
    assert_eq!(lambdas.slow_calls.load(Ordering::SeqCst), 2);
}
