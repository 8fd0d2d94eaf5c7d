//! The demo functions run for real: each binary is zipped as `bootstrap`, created in the
//! in-process emulator on `provided.al2023`, and invoked through the AWS SDK.

use crate::common;

use aws_sdk_lambda::primitives::Blob;
use common::deployed;
use serde_json::{json, Value};

async fn invoke(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    input: &Value,
) -> (Option<String>, Value) {
    let out = lambda
        .invoke()
        .function_name(name)
        .payload(Blob::new(input.to_string()))
        .send()
        .await
        .expect("the invocation is answered");
    assert_eq!(out.status_code(), 200);
    let payload = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    (out.function_error().map(str::to_string), payload)
}

#[tokio::test]
async fn first_returns_its_input() {
    let (emulator, lambda, _) = deployed("first", env!("CARGO_BIN_EXE_first")).await;
    let input = json!({"Message": "Your message here"});
    assert_eq!(invoke(&lambda, "first", &input).await, (None, input));
    emulator.shutdown().await;
}

#[tokio::test]
async fn second_fails_without_foo_and_returns_its_input_with_it() {
    let (emulator, lambda, _) = deployed("second", env!("CARGO_BIN_EXE_second")).await;
    let (error, payload) = invoke(&lambda, "second", &json!({"Message": "hi"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(payload["errorType"], demo::MISSING_FOO);
    assert!(
        payload["errorMessage"]
            .as_str()
            .unwrap()
            .contains("\"foo\""),
        "{payload}"
    );
    let input = json!({"Message": "hi", "foo": "bar"});
    assert_eq!(invoke(&lambda, "second", &input).await, (None, input));
    emulator.shutdown().await;
}

#[tokio::test]
async fn start_job_returns_a_new_job_id_with_its_input() {
    let (emulator, lambda, _) = deployed("start-job", env!("CARGO_BIN_EXE_start_job")).await;
    let (error, one) = invoke(&lambda, "start-job", &json!({"order": 7})).await;
    assert_eq!(error, None);
    assert_eq!(one["order"], 7);
    let (_, two) = invoke(&lambda, "start-job", &json!({"order": 7})).await;
    let (one, two) = (
        one["jobId"].as_str().unwrap(),
        two["jobId"].as_str().unwrap(),
    );
    assert!(one.starts_with("job-"), "{one}");
    assert_ne!(one, two, "every job gets a new id");
    let (_, named) = invoke(&lambda, "start-job", &json!({"jobId": "job-1"})).await;
    assert_eq!(
        named,
        json!({"jobId": "job-1"}),
        "a job id the caller names is kept"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_warm_sandbox_is_reused() {
    let (emulator, lambda, arn) = deployed("warm", env!("CARGO_BIN_EXE_first")).await;
    for n in 0..3 {
        let input = json!({ "n": n });
        assert_eq!(invoke(&lambda, "warm", &input).await, (None, input));
    }
    let stats = emulator.cloud().lambda.sandbox_stats(&arn, "$LATEST");
    assert_eq!(
        stats.started, 1,
        "one sandbox served every sequential invocation"
    );
    assert_eq!(stats.idle, 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn concurrent_invocations_get_their_own_sandboxes() {
    let (emulator, lambda, arn) = deployed("busy", env!("CARGO_BIN_EXE_first")).await;
    let calls = (0..10).map(|n| {
        let lambda = lambda.clone();
        tokio::spawn(async move {
            let input = json!({ "n": n });
            (input.clone(), invoke(&lambda, "busy", &input).await)
        })
    });
    for call in calls.collect::<Vec<_>>() {
        let (input, answer) = call.await.unwrap();
        assert_eq!(answer, (None, input));
    }
    let stats = emulator.cloud().lambda.sandbox_stats(&arn, "$LATEST");
    assert!(
        stats.started > 1,
        "concurrent calls started more sandboxes: {stats:?}"
    );
    assert!(stats.started <= 10, "{stats:?}");
    emulator.shutdown().await;
}
