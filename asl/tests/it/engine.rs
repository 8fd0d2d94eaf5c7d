//! The interpreter's behaviour on its own small definitions: task event families, callbacks,
//! retries and catches in virtual time, Map concurrency, stop and timeouts, robustness.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::common;

use asl::engine::{
    CallbackError, Engine, EngineError, Execution, IntegrationPattern, TaskFailure, TaskRequest,
    TokioClock,
};
use asl::history::{ExecutionStatus, HistoryEvent};
use common::{request, FakeInvoker};
use serde_json::{json, Value};

fn engine(invoker: Arc<FakeInvoker>) -> Engine {
    Engine::new(
        invoker,
        Arc::new(TokioClock::starting_at(SystemTime::UNIX_EPOCH)),
    )
}

fn start(
    engine: &Engine,
    name: &str,
    definition: Value,
    input: Value,
) -> Result<Execution, EngineError> {
    engine.start(request(name, &definition, input))
}

fn types(history: &[HistoryEvent]) -> Vec<&str> {
    history.iter().map(|e| e.event_type.as_str()).collect()
}

fn echo() -> Arc<FakeInvoker> {
    FakeInvoker::new(|r: TaskRequest| async move { Ok(r.parameters) })
}

#[tokio::test(start_paused = true)]
async fn service_tasks_record_task_events_with_their_details() {
    let def = json!({"StartAt": "Put", "States": {"Put": {"Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
        "Parameters": {"TableName": "t", "Item.$": "$.item"}, "TimeoutSeconds": 30,
        "ResultSelector": {"ok": true}, "ResultPath": "$.result", "End": true}}});
    let e = engine(echo());
    let exec = start(&e, "svc", def, json!({"item": {"id": 1}})).unwrap();
    let outcome = exec.wait().await;
    assert_eq!(
        outcome.output,
        Some(json!({"item": {"id": 1}, "result": {"ok": true}}))
    );
    let h = exec.history();
    assert_eq!(
        types(&h),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let scheduled = &h[2];
    assert_eq!(
        scheduled.detail_str("resourceType"),
        Some("aws-sdk:dynamodb")
    );
    assert_eq!(scheduled.detail_str("resource"), Some("putItem"));
    assert_eq!(scheduled.detail_str("region"), Some("eu-west-1"));
    assert_eq!(
        scheduled.payload("parameters"),
        Some(json!({"TableName": "t", "Item": {"id": 1}}))
    );
    assert_eq!(scheduled.detail("timeoutInSeconds"), Some(&json!(30)));
    assert_eq!(h[3].detail_str("resource"), Some("putItem"));
    assert_eq!(
        h[4].payload("output"),
        Some(json!({"TableName": "t", "Item": {"id": 1}}))
    );
    let chain: Vec<(i64, i64)> = h.iter().map(|e| (e.id, e.previous_event_id)).collect();
    assert_eq!(
        chain,
        [(1, 0), (2, 0), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6)]
    );
}

#[tokio::test(start_paused = true)]
async fn wait_for_task_token_completes_by_callback() {
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = tokens.clone();
    let invoker = FakeInvoker::new(move |r: TaskRequest| {
        let seen = seen.clone();
        async move {
            assert_eq!(r.pattern, IntegrationPattern::WaitForTaskToken);
            let token = r.task_token.clone().unwrap();
            assert_eq!(r.parameters["token"], json!(token));
            seen.lock().unwrap().push(token);
            Ok(json!({"SdkHttpMetadata": {"HttpStatusCode": 200}}))
        }
    });
    let def = json!({"StartAt": "Pause", "States": {"Pause": {"Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken",
        "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}});
    let e = engine(invoker);
    let exec = start(&e, "cb", def, json!({})).unwrap();
    while tokens.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(exec.status(), ExecutionStatus::Running);
    let token = tokens.lock().unwrap()[0].clone();
    assert_eq!(e.send_task_heartbeat(&token), Ok(()));
    assert_eq!(e.send_task_success(&token, json!({"done": 1})), Ok(()));
    let outcome = exec.wait().await;
    assert_eq!(outcome.output, Some(json!({"done": 1})));
    assert_eq!(
        types(&exec.history()),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    // AWS: TaskTimedOut, "the task associated with the token has already been closed".
    assert_eq!(
        e.send_task_success(&token, json!(1)),
        Err(CallbackError::TaskTimedOut)
    );
    assert_eq!(
        e.send_task_failure("bad token!", None, None),
        Err(CallbackError::InvalidToken)
    );
}

#[tokio::test(start_paused = true)]
async fn heartbeat_timeout_fails_the_task_and_late_callbacks_are_refused() {
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = tokens.clone();
    let invoker = FakeInvoker::new(move |r: TaskRequest| {
        seen.lock().unwrap().extend(r.task_token.clone());
        async { Ok(json!({})) }
    });
    let def = json!({"StartAt": "Pause", "States": {"Pause": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "HeartbeatSeconds": 5,
        "TimeoutSeconds": 60,
        "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.err", "Next": "Done"}],
        "End": true}, "Done": {"Type": "Succeed"}}});
    let e = engine(invoker);
    let exec = start(&e, "hb", def, json!({})).unwrap();
    let outcome = exec.wait().await;
    assert_eq!(
        outcome.output,
        Some(json!({"err": {"Error": "States.HeartbeatTimeout", "Cause": ""}}))
    );
    let h = exec.history();
    let timed_out = h.iter().find(|e| e.event_type == "TaskTimedOut").unwrap();
    assert_eq!(
        timed_out.detail_str("error"),
        Some("States.HeartbeatTimeout")
    );
    let token = tokens.lock().unwrap()[0].clone();
    assert_eq!(
        e.send_task_success(&token, json!(1)),
        Err(CallbackError::TaskTimedOut)
    );
}

#[tokio::test(start_paused = true)]
async fn retries_back_off_in_virtual_time_and_count_in_the_context() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let invoker = FakeInvoker::new(move |r: TaskRequest| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if n < 2 {
                Err(TaskFailure::new(
                    "Lambda.TooManyRequestsException",
                    "slow down",
                ))
            } else {
                Ok(r.parameters)
            }
        }
    });
    let def = json!({"StartAt": "Call", "States": {"Call": {"Type": "Task",
        "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:f",
        "Parameters": {"retries.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 10, "BackoffRate": 3}],
        "End": true}}});
    let e = engine(invoker);
    let started = tokio::time::Instant::now();
    let exec = start(&e, "retry", def, json!({})).unwrap();
    let outcome = exec.wait().await;
    assert_eq!(outcome.output, Some(json!({"retries": 2})));
    assert_eq!(started.elapsed(), Duration::from_secs(10 + 30));
    let h = exec.history();
    assert_eq!(
        types(&h)
            .iter()
            .filter(|t| **t == "LambdaFunctionScheduled")
            .count(),
        3
    );
    assert_eq!(
        types(&h)
            .iter()
            .filter(|t| **t == "LambdaFunctionFailed")
            .count(),
        2
    );
    let failed = h
        .iter()
        .find(|e| e.event_type == "LambdaFunctionFailed")
        .unwrap();
    assert_eq!(failed.detail_str("cause"), Some("slow down"));
}

#[tokio::test(start_paused = true)]
async fn uncaught_task_errors_fail_the_execution_and_catch_keeps_the_raw_input() {
    let invoker = FakeInvoker::new(|_r: TaskRequest| async {
        Err(TaskFailure::new("Custom.Error", "it broke"))
    });
    let e = engine(invoker);
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "InputPath": "$.inner", "End": true}}});
    let outcome = start(&e, "uncaught", def, json!({"inner": {}}))
        .unwrap()
        .wait()
        .await;
    assert_eq!(
        (
            outcome.status,
            outcome.error.as_deref(),
            outcome.cause.as_deref()
        ),
        (
            ExecutionStatus::Failed,
            Some("Custom.Error"),
            Some("it broke")
        )
    );

    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "InputPath": "$.inner", "OutputPath": "$.never",
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "End"}], "End": true},
        "End": {"Type": "Pass", "End": true}}});
    let exec = start(&e, "caught", def, json!({"inner": {"a": 1}})).unwrap();
    let outcome = exec.wait().await;
    assert_eq!(
        outcome.output,
        Some(json!({"inner": {"a": 1}, "error": {"Error": "Custom.Error", "Cause": "it broke"}}))
    );
    assert!(types(&exec.history()).contains(&"TaskStateExited"));
}

#[tokio::test(start_paused = true)]
async fn map_honours_max_concurrency() {
    for (max, expected) in [(3, 3), (0, 10)] {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (r, p) = (running.clone(), peak.clone());
        let invoker = FakeInvoker::new(move |req: TaskRequest| {
            let (r, p) = (r.clone(), p.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                Ok(json!(req.parameters["n"].as_u64().unwrap() * 2))
            }
        });
        let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": max,
            "ItemSelector": {"n.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"StartAt": "Double", "States": {"Double": {"Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}, "End": true}}});
        let e = engine(invoker);
        let items: Vec<u64> = (0..10).collect();
        let exec = start(&e, &format!("map{max}"), def, json!(items)).unwrap();
        let outcome = exec.wait().await;
        let doubled: Vec<u64> = items.iter().map(|n| n * 2).collect();
        assert_eq!(outcome.output, Some(json!(doubled)));
        assert_eq!(
            peak.load(Ordering::SeqCst),
            expected,
            "MaxConcurrency {max}"
        );
        let h = exec.history();
        assert_eq!(
            types(&h)
                .iter()
                .filter(|t| **t == "MapIterationSucceeded")
                .count(),
            10
        );
    }
}

#[tokio::test(start_paused = true)]
async fn stop_aborts_and_execution_timeout_times_out() {
    let e = engine(echo());
    let waiting =
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let exec = start(&e, "stopped", waiting.clone(), json!({})).unwrap();
    tokio::task::yield_now().await;
    let outcome = e
        .stop(exec.arn(), Some("Manual".into()), Some("by test".into()))
        .await
        .unwrap();
    assert_eq!(
        (outcome.status, outcome.error.as_deref()),
        (ExecutionStatus::Aborted, Some("Manual"))
    );
    let h = exec.history();
    assert_eq!(
        types(&h),
        ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]
    );
    assert_eq!(h[2].detail_str("cause"), Some("by test"));
    assert!(matches!(
        e.stop("arn:nope", None, None).await,
        Err(EngineError::ExecutionDoesNotExist(_))
    ));

    let mut timed = waiting;
    timed["TimeoutSeconds"] = json!(5);
    let exec = start(&e, "timed", timed, json!({})).unwrap();
    let outcome = exec.wait().await;
    assert_eq!(outcome.status, ExecutionStatus::TimedOut);
    assert_eq!(types(&exec.history()).last(), Some(&"ExecutionTimedOut"));
}

#[tokio::test(start_paused = true)]
async fn bad_paths_and_intrinsics_fail_with_aws_errors() {
    let e = engine(echo());
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.missing", "End": true}}});
    let outcome = start(&e, "path", def, json!({"a": 1}))
        .unwrap()
        .wait()
        .await;
    assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
    assert!(outcome.cause.unwrap().starts_with(
        "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.missing'"
    ));
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass",
        "Parameters": {"x.$": "States.ArrayGetItem($.a, 5)"}, "End": true}}});
    let outcome = start(&e, "intrinsic", def, json!({"a": [1]}))
        .unwrap()
        .wait()
        .await;
    assert_eq!(outcome.status, ExecutionStatus::Failed);
    assert_eq!(outcome.error.as_deref(), Some("States.IntrinsicFailure"));
    let def = json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
        {"Variable": "$.v", "NumericEquals": 1, "Next": "C"}]}}});
    let outcome = start(&e, "nochoice", def, json!({"v": 2}))
        .unwrap()
        .wait()
        .await;
    assert_eq!(outcome.error.as_deref(), Some("States.NoChoiceMatched"));
}

#[tokio::test(start_paused = true)]
async fn unsupported_definitions_are_refused_at_start_and_events_reach_the_sink() {
    let e = engine(echo());
    let reader = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "P",
                          "States": {"P": {"Type": "Pass", "End": true}}}}}});
    let err = start(&e, "reader", reader, json!({})).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Distributed Map reading or writing elsewhere"),
        "{err}"
    );
    // JSONata and variables run.
    let jsonata = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass",
        "Assign": {"x": 1}, "Output": "{% $states.input.n + 1 %}", "End": true}}});
    let outcome = start(&e, "jsonata", jsonata, json!({"n": 1}))
        .unwrap()
        .wait()
        .await;
    assert_eq!(outcome.output, Some(json!(2)));

    let seen: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
    let sink_seen = seen.clone();
    let e = Engine::with_event_sink(
        echo(),
        Arc::new(TokioClock::starting_at(SystemTime::UNIX_EPOCH)),
        Arc::new(move |arn: &str, event: &HistoryEvent| {
            sink_seen.lock().unwrap().push((arn.to_string(), event.id));
        }),
    );
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "x", "Next": "S"}, "S": {"Type": "Succeed"}}});
    let exec = start(&e, "sink", def.clone(), json!({})).unwrap();
    exec.wait().await;
    let ids: Vec<i64> = seen.lock().unwrap().iter().map(|(_, id)| *id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    assert!(matches!(
        start(&e, "sink", def, json!({})),
        Err(EngineError::ExecutionAlreadyExists(_))
    ));
    assert_eq!(
        e.execution(exec.arn()).unwrap().status(),
        ExecutionStatus::Succeeded
    );
}
