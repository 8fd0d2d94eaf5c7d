//! A state machine whose Tasks invoke the real demo Lambda functions (Rust, lambda_runtime) in
//! the emulator: the tutorial's failure when `foo` is missing, recorded as AWS records it, and
//! success with `foo`.

use crate::common;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::{json, Value};

fn definition(first: &str, second: &str) -> String {
    json!({
        "StartAt": "First",
        "States": {
            "First": {"Type": "Task", "Resource": first, "Next": "Second"},
            "Second": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": second, "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "End": true
            }
        }
    })
    .to_string()
}

async fn run(sfn: &aws_sdk_sfn::Client, machine: &str, input: Value) -> (ExecutionStatus, String) {
    let arn = sfn
        .start_execution()
        .state_machine_arn(machine)
        .input(input.to_string())
        .send()
        .await
        .expect("start")
        .execution_arn;
    for _ in 0..600 {
        let d = sfn
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap();
        if d.status != ExecutionStatus::Running {
            return (d.status, arn);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{arn} did not end");
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_invoke_real_rust_functions_and_record_their_errors_as_aws_does() {
    let emulator = testkit::aws::emulator().await;
    let config = testkit::aws::sdk_config(&emulator.endpoint());
    let lambda = aws_sdk_lambda::Client::new(&config);
    let sfn = aws_sdk_sfn::Client::new(&config);
    let first = common::create_function(&lambda, "First", env!("CARGO_BIN_EXE_first")).await;
    let second = common::create_function(&lambda, "Second", env!("CARGO_BIN_EXE_second")).await;
    let machine = sfn
        .create_state_machine()
        .name("two-lambdas")
        .role_arn(common::ROLE_ARN)
        .definition(definition(&first, &second))
        .send()
        .await
        .expect("create")
        .state_machine_arn;

    // With foo, both functions return their input.
    let (status, arn) = run(&sfn, &machine, json!({"Message": "hi", "foo": "bar"})).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let done = sfn
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output, json!({"Message": "hi", "foo": "bar"}));

    // Without foo, the second function's unhandled error fails the execution, named by its
    // errorType with the error object as the cause.
    let (status, arn) = run(&sfn, &machine, json!({"Message": "hi"})).await;
    assert_eq!(status, ExecutionStatus::Failed);
    let history = sfn
        .get_execution_history()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let types: Vec<&HistoryEventType> = history.events().iter().map(|e| e.r#type()).collect();
    assert!(types.contains(&&HistoryEventType::LambdaFunctionSucceeded));
    let failed = history
        .events()
        .iter()
        .find_map(|e| e.task_failed_event_details())
        .expect("the second task failed");
    assert_eq!(failed.error(), Some(demo::MISSING_FOO));
    let cause: Value = serde_json::from_str(failed.cause().unwrap()).unwrap();
    assert_eq!(cause["errorType"], demo::MISSING_FOO);
    let end = history.events().last().unwrap();
    assert_eq!(end.r#type(), &HistoryEventType::ExecutionFailed);
    assert_eq!(
        end.execution_failed_event_details().unwrap().error(),
        Some(demo::MISSING_FOO)
    );
    emulator.shutdown().await;
}
