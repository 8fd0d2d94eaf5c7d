//! Reproduces the real AWS history in shared/fixtures: the ResumeFromStateExample machine run
//! with `{"Message": "Your message here"}`, where the second Lambda fails with `Lambda.Unknown`.
//! The event types, their order and the id/previousEventId chain must be AWS's.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use asl::engine::{Engine, StartExecution, TaskFailure, TaskInvoker, TaskRequest, TokioClock};
use asl::history::{ExecutionStatus, History};
use asl::model::Definition;
use futures::future::BoxFuture;
use serde_json::{json, Value};

const UNKNOWN_CAUSE: &str =
    "The cause could not be determined because Lambda did not return an error type.";

/// FirstLambda returns its input, SecondLambda fails like the real one. Branch timing follows
/// the recording: the second branch of each Parallel finishes first.
struct RecordedLambdas;

impl TaskInvoker for RecordedLambdas {
    fn invoke(&self, request: TaskRequest) -> BoxFuture<'static, Result<Value, TaskFailure>> {
        Box::pin(async move {
            let delay = if request.state_name.ends_with("Process 1") {
                2
            } else {
                1
            };
            tokio::time::sleep(Duration::from_secs(delay)).await;
            if request.resource.contains("SecondLambda") {
                Err(TaskFailure::new("Lambda.Unknown", UNKNOWN_CAUSE))
            } else {
                Ok(request.parameters)
            }
        })
    }
}

#[tokio::test(start_paused = true)]
async fn reproduces_the_real_aws_history() {
    let what = "the comparison with the history recorded on AWS";
    let (Some(definition), Some(recorded)) = (
        testkit::shared::read("fixtures/resume-from-state-example.asl.json", what),
        testkit::shared::read("fixtures/resume-from-state-example.history.json", what),
    ) else {
        return;
    };
    let definition = Definition::from_json(&definition).expect("the fixture definition parses");
    let recorded = History::from_json(&recorded).expect("the fixture history parses");

    let engine = Engine::new(
        Arc::new(RecordedLambdas),
        Arc::new(TokioClock::starting_at(SystemTime::now())),
    );
    let execution = engine
        .start(StartExecution {
            execution_arn: "arn:aws:states:us-west-2:016893804762:execution:ResumeFromState:run"
                .into(),
            state_machine_arn: "arn:aws:states:us-west-2:016893804762:stateMachine:ResumeFromState"
                .into(),
            name: "run".into(),
            role_arn: "arn:aws:iam::016893804762:role/ResumeFromState".into(),
            definition: Arc::new(definition.into()),
            input: json!({"Message": "Your message here"}),
            input_text: None,
        })
        .expect("the execution starts");
    let outcome = execution.wait().await;
    assert_eq!(outcome.status, ExecutionStatus::Failed);
    assert_eq!(outcome.error.as_deref(), Some("Lambda.Unknown"));
    assert_eq!(outcome.cause.as_deref(), Some(UNKNOWN_CAUSE));

    let ours = execution.history();
    let shape = |events: &[asl::history::HistoryEvent]| -> Vec<(String, i64, i64)> {
        events
            .iter()
            .map(|e| (e.event_type.clone(), e.id, e.previous_event_id))
            .collect()
    };
    let (want, got) = (shape(&recorded.events), shape(&ours));
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, g, "event #{} differs (type, id, previousEventId)", i + 1);
    }
    assert_eq!(want.len(), got.len(), "number of events");

    // The payloads agree too.
    for (w, g) in recorded.events.iter().zip(&ours) {
        for field in ["input", "output"] {
            assert_eq!(
                w.payload(field),
                g.payload(field),
                "{} {field}",
                w.event_type
            );
        }
        for field in ["name", "resource", "error", "cause"] {
            assert_eq!(w.detail(field), g.detail(field), "{} {field}", w.event_type);
        }
    }
    println!(
        "fixture history: reproduced {} events with AWS's types, order and id chain",
        got.len()
    );
}
