//! `Engine::recover`: an execution recorded through an `EventSink`, cut where a kill -9 could
//! have cut it, continued on a fresh engine to the same end, with one valid event chain.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use asl::engine::{
    CallbackError, Engine, EngineError, EventSink, Execution, ExecutionOutcome, TaskFailure,
    TaskRequest, TokioClock,
};
use asl::history::{ExecutionStatus, HistoryEvent};
use common::{request, FakeInvoker};
use serde_json::{json, Value};

const ORIGIN_SECS: u64 = 1_700_000_000;

fn origin() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(ORIGIN_SECS)
}

fn lambda(name: &str) -> String {
    format!("arn:aws:lambda:eu-west-1:123456789012:function:{name}")
}

/// "Boom" fails with `Custom.Error`; every other function returns its input. Counts calls.
fn lambdas(calls: Arc<AtomicUsize>) -> Arc<FakeInvoker> {
    FakeInvoker::new(move |r: TaskRequest| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if r.resource.ends_with(":Boom") {
                Err(TaskFailure::new("Custom.Error", "boom"))
            } else {
                Ok(r.parameters)
            }
        }
    })
}

/// Collects what the sink receives.
#[derive(Default, Clone)]
struct Journal(Arc<Mutex<Vec<HistoryEvent>>>);

impl Journal {
    fn sink(&self) -> Arc<dyn EventSink> {
        let events = self.0.clone();
        Arc::new(move |_arn: &str, e: &HistoryEvent| events.lock().unwrap().push(e.clone()))
    }

    fn events(&self) -> Vec<HistoryEvent> {
        self.0.lock().unwrap().clone()
    }
}

fn seconds(event: &HistoryEvent) -> f64 {
    event.timestamp.as_f64().expect("epoch seconds")
}

fn time_of(event: &HistoryEvent) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs_f64(seconds(event))
}

/// A fresh engine whose clock reads `restart_after` past the last recorded event, resuming
/// `recorded`; returns it, the execution and what its sink receives.
fn resume(
    name: &str,
    definition: &Value,
    input: Value,
    recorded: &[HistoryEvent],
    invoker: Arc<FakeInvoker>,
    restart_after: Duration,
) -> (Engine, Result<Execution, EngineError>, Journal) {
    let now = recorded.last().map_or(origin(), time_of) + restart_after;
    let journal = Journal::default();
    let engine = Engine::with_event_sink(
        invoker,
        Arc::new(TokioClock::starting_at(now)),
        journal.sink(),
    );
    let execution = engine.recover(request(name, definition, input), recorded.to_vec());
    (engine, execution, journal)
}

/// Runs an execution to its end on an engine with a sink; returns its outcome and history.
async fn record(
    name: &str,
    definition: &Value,
    input: Value,
    invoker: Arc<FakeInvoker>,
) -> (ExecutionOutcome, Vec<HistoryEvent>) {
    let journal = Journal::default();
    let engine = Engine::with_event_sink(
        invoker,
        Arc::new(TokioClock::starting_at(origin())),
        journal.sink(),
    );
    let execution = engine.start(request(name, definition, input)).unwrap();
    let outcome = execution.wait().await;
    assert_eq!(journal.events(), execution.history());
    (outcome, journal.events())
}

/// Ids 1..=n, each event following an earlier one (or none).
fn assert_valid_chain(history: &[HistoryEvent], context: &str) {
    for (position, event) in history.iter().enumerate() {
        assert_eq!(event.id, position as i64 + 1, "{context}: ids in order");
        assert!(
            (0..event.id).contains(&event.previous_event_id),
            "{context}: event #{} follows #{}",
            event.id,
            event.previous_event_id
        );
    }
}

fn count(history: &[HistoryEvent], event_type: &str) -> usize {
    history
        .iter()
        .filter(|e| e.event_type == event_type)
        .count()
}

fn find<'h>(history: &'h [HistoryEvent], event_type: &str) -> &'h HistoryEvent {
    history
        .iter()
        .find(|e| e.event_type == event_type)
        .unwrap_or_else(|| panic!("no {event_type}"))
}

fn position(history: &[HistoryEvent], event_type: &str) -> usize {
    history
        .iter()
        .position(|e| e.event_type == event_type)
        .unwrap_or_else(|| panic!("no {event_type}"))
}

/// Every kind of top-level state: a caught Task error, a Choice, a Wait, a Parallel with a
/// Wait inside, a Map, and a final Pass that reads the context object.
fn tour() -> Value {
    json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": "ready", "ResultPath": "$.prepared", "Next": "Boom"},
        "Boom": {"Type": "Task", "Resource": lambda("Boom"), "Next": "Wrong", "Catch": [
            {"ErrorEquals": ["Other.Error"], "Next": "Wrong"},
            {"ErrorEquals": ["Custom.Error"], "ResultPath": "$.err", "Next": "Route"}]},
        "Route": {"Type": "Choice", "Default": "Wrong", "Choices": [
            {"Variable": "$.prepared", "StringEquals": "ready", "Next": "Pause"}]},
        "Pause": {"Type": "Wait", "Seconds": 10, "Next": "Both"},
        "Both": {"Type": "Parallel", "ResultPath": "$.both", "Next": "Each", "Branches": [
            {"StartAt": "Left", "States": {
                "Left": {"Type": "Task", "Resource": lambda("Echo"), "Parameters": {"side": "left"}, "End": true}}},
            {"StartAt": "Right", "States": {
                "Right": {"Type": "Task", "Resource": lambda("Echo"), "Parameters": {"side": "right"}, "Next": "Settle"},
                "Settle": {"Type": "Wait", "Seconds": 5, "End": true}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "Next": "Finish",
            "ItemProcessor": {"StartAt": "Item", "States": {
                "Item": {"Type": "Task", "Resource": lambda("Echo"), "Parameters": {"n.$": "$"}, "End": true}}}},
        "Finish": {"Type": "Pass", "End": true, "Parameters": {
            "start.$": "$$.Execution.StartTime", "name.$": "$$.Execution.Name",
            "input.$": "$$.Execution.Input", "both.$": "$.both", "each.$": "$.each",
            "error.$": "$.err.Error"}},
        "Wrong": {"Type": "Fail", "Error": "Wrong"}
    }})
}

#[tokio::test(start_paused = true)]
async fn cut_after_any_event_the_execution_ends_as_it_did() {
    let definition = tour();
    let input = json!({"items": [1, 2, 3]});
    let calls = Arc::new(AtomicUsize::new(0));
    let (original, full) = record("tour", &definition, input.clone(), lambdas(calls.clone())).await;
    assert_eq!(original.status, ExecutionStatus::Succeeded);
    let output = original.output.clone().unwrap();
    assert_eq!(output["start"], json!("2023-11-14T22:13:20.000Z"));
    assert_eq!(output["error"], json!("Custom.Error"));
    assert_eq!(output["each"], json!([{"n": 1}, {"n": 2}, {"n": 3}]));
    let top_level = [
        "Prepare", "Boom", "Route", "Pause", "Both", "Each", "Finish",
    ];

    for cut in 1..=full.len() {
        let recorded = &full[..cut];
        let context = format!("cut after #{cut} {}", recorded[cut - 1].event_type);
        // The restart comes 1000 s later: outputs show the original start, not the restart.
        let (_engine, execution, journal) = resume(
            "tour",
            &definition,
            input.clone(),
            recorded,
            lambdas(Arc::new(AtomicUsize::new(0))),
            Duration::from_secs(1000),
        );
        let execution = execution.expect(&context);
        let outcome = execution.wait().await;
        assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{context}");
        assert_eq!(outcome.output.as_ref(), Some(&output), "{context}");
        let history = execution.history();
        assert_eq!(
            &history[..cut],
            recorded,
            "{context}: the recorded events stay"
        );
        assert_eq!(
            journal.events(),
            &history[cut..],
            "{context}: the sink gets the new ones"
        );
        assert_valid_chain(&history, &context);
        assert_eq!(count(&history, "ExecutionSucceeded"), 1, "{context}");
        for name in top_level {
            let entered = history
                .iter()
                .filter(|e| e.is_state_entered() && e.state_name() == Some(name))
                .count();
            assert_eq!(entered, 1, "{context}: {name} entered once");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_paused_wait_for_task_token_completes_with_its_original_token() {
    let definition = json!({"StartAt": "Pause", "States": {
        "Pause": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken",
            "Parameters": {"A.$": "$.upstream", "TableName": "jobs",
                "Item": {"token": {"S.$": "$$.Task.Token"}}},
            "TimeoutSeconds": 3600, "HeartbeatSeconds": 600, "ResultPath": "$.callback", "Next": "After"},
        "After": {"Type": "Pass", "End": true}}});
    // A token handed on in the input (from another execution) is not this task's own.
    let upstream = format!("AQ{}", "0123abcd".repeat(12));
    let input = json!({"job": 7, "upstream": upstream});
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = tokens.clone();
    let invoker = FakeInvoker::new(move |r: TaskRequest| {
        seen.lock().unwrap().extend(r.task_token.clone());
        async { Ok(json!({})) }
    });
    let journal = Journal::default();
    let first = Engine::with_event_sink(
        invoker,
        Arc::new(TokioClock::starting_at(origin())),
        journal.sink(),
    );
    first
        .start(request("paused", &definition, input.clone()))
        .unwrap();
    while journal.events().last().map(|e| e.event_type.as_str()) != Some("TaskSubmitted") {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let token = tokens.lock().unwrap()[0].clone();
    let recorded = journal.events();
    let cut = recorded.len();

    // The process dies; a fresh engine takes the execution up an hour later... almost.
    let calls = Arc::new(AtomicUsize::new(0));
    let (second, execution, new_events) = resume(
        "paused",
        &definition,
        input.clone(),
        &recorded,
        lambdas(calls.clone()),
        Duration::from_secs(3000),
    );
    let execution = execution.unwrap();
    tokio::time::sleep(Duration::from_secs(500)).await;
    assert_eq!(execution.status(), ExecutionStatus::Running);
    assert_eq!(second.send_task_heartbeat(&token), Ok(()));
    assert_eq!(
        second.send_task_success(&token, json!({"done": true})),
        Ok(())
    );
    let outcome = execution.wait().await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "the task is not called again"
    );
    assert_eq!(
        outcome.output,
        Some(json!({"job": 7, "upstream": upstream, "callback": {"done": true}}))
    );
    let history = execution.history();
    let types: Vec<&str> = history[cut..]
        .iter()
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "TaskSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(history[cut].previous_event_id, cut as i64);
    assert_eq!(new_events.events(), &history[cut..]);
    assert_valid_chain(&history, "token");
    // AWS: TaskTimedOut, "the task associated with the token has already been closed".
    assert_eq!(
        second.send_task_success(&token, json!(1)),
        Err(CallbackError::TaskTimedOut)
    );
}

#[tokio::test(start_paused = true)]
async fn a_resumed_token_wait_times_out_counting_from_its_recorded_schedule() {
    let definition = json!({"StartAt": "Pause", "States": {
        "Pause": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"MessageBody.$": "States.Format('token={}', $$.Task.Token)"},
            "TimeoutSeconds": 60, "End": true}}});
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = tokens.clone();
    let invoker = FakeInvoker::new(move |r: TaskRequest| {
        seen.lock().unwrap().extend(r.task_token.clone());
        async { Ok(json!({"MessageId": "m"})) }
    });
    let (_, full) = record("late", &definition, json!({}), invoker).await;
    let cut = position(&full, "TaskSubmitted") + 1;
    let token = tokens.lock().unwrap()[0].clone();
    let (engine, execution, _) = resume(
        "late",
        &definition,
        json!({}),
        &full[..cut],
        lambdas(Arc::default()),
        Duration::from_secs(50),
    );
    let execution = execution.unwrap();
    let resumed_at = tokio::time::Instant::now();
    let outcome = execution.wait().await;
    assert_eq!(resumed_at.elapsed(), Duration::from_secs(10));
    assert_eq!(outcome.status, ExecutionStatus::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.Timeout"));
    let history = execution.history();
    let waited = seconds(find(&history, "TaskTimedOut")) - seconds(find(&history, "TaskScheduled"));
    assert_eq!(waited, 60.0);
    assert_eq!(
        engine.send_task_success(&token, json!(1)),
        Err(CallbackError::TaskTimedOut)
    );
    assert_valid_chain(&history, "timeout");
}

#[tokio::test(start_paused = true)]
async fn a_wait_state_sleeps_only_what_is_left_of_it() {
    let definition = json!({"StartAt": "Nap", "States": {
        "Nap": {"Type": "Wait", "Seconds": 100, "Next": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime"}, "End": true}}});
    let (original, full) = record("nap", &definition, json!({}), lambdas(Arc::default())).await;
    let cut = position(&full, "WaitStateEntered") + 1;
    let (_engine, execution, _) = resume(
        "nap",
        &definition,
        json!({}),
        &full[..cut],
        lambdas(Arc::default()),
        Duration::from_secs(30),
    );
    let execution = execution.unwrap();
    let resumed_at = tokio::time::Instant::now();
    let outcome = execution.wait().await;
    assert_eq!(resumed_at.elapsed(), Duration::from_secs(70));
    assert_eq!(outcome.output, original.output);
    let history = execution.history();
    assert_eq!(count(&history, "WaitStateEntered"), 1);
    let slept =
        seconds(find(&history, "WaitStateExited")) - seconds(find(&history, "WaitStateEntered"));
    assert_eq!(slept, 100.0);
    assert_valid_chain(&history, "wait");
}

#[tokio::test(start_paused = true)]
async fn a_parallel_in_progress_runs_again_from_its_recorded_input() {
    let definition = tour();
    let input = json!({"items": []});
    let (original, full) = record("par", &definition, input.clone(), lambdas(Arc::default())).await;
    // Cut after the first branch task succeeded, the other still running.
    let cut = position(&full, "LambdaFunctionSucceeded") + 1;
    let entered = find(&full, "ParallelStateEntered").clone();
    assert!(entered.id < cut as i64);
    let calls = Arc::new(AtomicUsize::new(0));
    let (_engine, execution, _) = resume(
        "par",
        &definition,
        input,
        &full[..cut],
        lambdas(calls.clone()),
        Duration::ZERO,
    );
    let execution = execution.unwrap();
    let outcome = execution.wait().await;
    assert_eq!(outcome.output, original.output);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "both branches run again");
    let history = execution.history();
    assert_eq!(count(&history, "ParallelStateEntered"), 1);
    assert_eq!(count(&history, "ParallelStateStarted"), 2);
    let restarted = &history[cut];
    assert_eq!(restarted.event_type, "ParallelStateStarted");
    assert_eq!(restarted.previous_event_id, cut as i64);
    let exited = find(&history, "ParallelStateExited");
    assert_eq!(
        exited.payload("output"),
        entered.payload("input").map(|mut v| {
            v["both"] = json!([{"side": "left"}, {"side": "right"}]);
            v
        })
    );
    assert_valid_chain(&history, "parallel");
}

#[tokio::test(start_paused = true)]
async fn a_history_that_ended_is_registered_as_ended() {
    let definition = json!({"StartAt": "Stop", "States": {
        "Stop": {"Type": "Fail", "Error": "Custom.Stop", "Cause": "enough"}}});
    let (failed, full) = record("ended", &definition, json!({}), lambdas(Arc::default())).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let (engine, execution, journal) = resume(
        "ended",
        &definition,
        json!({}),
        &full,
        lambdas(calls.clone()),
        Duration::from_secs(5),
    );
    let execution = execution.unwrap();
    assert_eq!(execution.status(), ExecutionStatus::Failed);
    assert_eq!(execution.outcome(), Some(failed.clone()));
    assert_eq!(execution.history(), full);
    assert_eq!(execution.start_date(), origin());
    let stopped = engine
        .stop(execution.arn(), Some("late".into()), None)
        .await
        .unwrap();
    assert_eq!(stopped, failed);
    assert!(journal.events().is_empty());

    // Cut between FailStateEntered and ExecutionFailed: the Fail state runs (once) again.
    let cut = full.len() - 1;
    let (_engine, execution, _) = resume(
        "ended",
        &definition,
        json!({}),
        &full[..cut],
        lambdas(calls.clone()),
        Duration::ZERO,
    );
    let execution = execution.unwrap();
    let outcome = execution.wait().await;
    assert_eq!(
        (outcome.error.as_deref(), outcome.cause.as_deref()),
        (Some("Custom.Stop"), Some("enough"))
    );
    assert_eq!(execution.history().len(), full.len());
    assert_eq!(count(&execution.history(), "FailStateEntered"), 1);

    let definition = json!({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}});
    let (succeeded, full) =
        record("fine", &definition, json!({"a": 1}), lambdas(calls.clone())).await;
    let (_engine, execution, _) = resume(
        "fine",
        &definition,
        json!({"a": 1}),
        &full,
        lambdas(calls.clone()),
        Duration::ZERO,
    );
    let outcome = execution.unwrap().outcome().unwrap();
    assert_eq!(outcome, succeeded);
    assert_eq!(outcome.output, Some(json!({"a": 1})));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn histories_that_cannot_be_continued_are_refused() {
    let definition = json!({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}});
    let (_, full) = record("x", &definition, json!({}), lambdas(Arc::default())).await;
    let resume_with = |events: Vec<HistoryEvent>| {
        resume(
            "x",
            &definition,
            json!({}),
            &events,
            lambdas(Arc::default()),
            Duration::ZERO,
        )
        .1
    };
    let gap = vec![full[0].clone(), full[2].clone()];
    assert!(matches!(
        resume_with(gap),
        Err(EngineError::InvalidHistory(_))
    ));
    assert!(matches!(
        resume_with(full[1..].to_vec()),
        Err(EngineError::InvalidHistory(_))
    ));
    let mut forward = full[..2].to_vec();
    forward[1].previous_event_id = 2;
    assert!(matches!(
        resume_with(forward),
        Err(EngineError::InvalidHistory(_))
    ));

    // Nothing recorded: the execution starts anew.
    let execution = resume_with(Vec::new()).unwrap();
    assert_eq!(execution.wait().await.status, ExecutionStatus::Succeeded);
    assert_eq!(execution.history()[0].event_type, "ExecutionStarted");

    let engine = Engine::new(
        lambdas(Arc::default()),
        Arc::new(TokioClock::starting_at(origin())),
    );
    let recorded = full[..2].to_vec();
    engine
        .recover(request("x", &definition, json!({})), recorded.clone())
        .unwrap();
    assert!(matches!(
        engine.recover(request("x", &definition, json!({})), recorded),
        Err(EngineError::ExecutionAlreadyExists(_))
    ));
}
