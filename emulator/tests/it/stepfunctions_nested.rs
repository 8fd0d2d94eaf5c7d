//! Nested workflows through the real SDK: a parent running a child with
//! `states:startExecution.sync:2` and `.sync` (the child's output as JSON, or as text), the
//! child's failure as the parent's `States.TaskFailed`, and StopExecution of the parent
//! stopping the child.

use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};
use testkit::aws::{create_machine, execution_end, sfn_client, start_execution};

use crate::stepfunctions::{executions, output};
use crate::stepfunctions_integrations::run;

const SYNC_2: &str = "arn:aws:states:::states:startExecution.sync:2";

fn parent(child: &str, resource: &str) -> Value {
    json!({
        "StartAt": "Child",
        "States": {"Child": {
            "Type": "Task",
            "Resource": resource,
            "Parameters": {"StateMachineArn": child, "Input": {"value.$": "$.value"}},
            "End": true
        }}
    })
}

/// Runs the parent `name` of `child` through `resource` on `{"value": value}` to its end.
async fn run_parent(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    child: &str,
    resource: &str,
    value: i64,
) -> DescribeExecutionOutput {
    run(
        sfn,
        name,
        parent(child, resource),
        json!({ "value": value }),
    )
    .await
}

#[tokio::test]
async fn sync_2_returns_the_childs_output_as_json_and_sync_as_text() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let child = create_machine(
        &sfn,
        "child",
        json!({"StartAt": "Double", "States": {"Double": {
            "Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.value, $.value)"}, "End": true}}}),
    )
    .await;

    let described = run_parent(&sfn, "parent2", &child, SYNC_2, 21).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    let result = output(&described);
    assert_eq!(result["Output"], json!({"doubled": 42}));
    assert_eq!(result["Input"], json!({"value": 21}));
    assert_eq!(result["Status"], "SUCCEEDED");
    assert_eq!(result["StateMachineArn"], child.as_str());
    assert!(
        result["StartDate"].is_i64() && result["StopDate"].is_i64(),
        "{result}"
    );
    assert!(result["ExecutionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:us-east-1:123456789012:execution:child:"));

    let sync = "arn:aws:states:::states:startExecution.sync";
    let described = run_parent(&sfn, "parent1", &child, sync, 1).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    assert_eq!(output(&described)["Output"], "{\"doubled\":2}");

    let start = "arn:aws:states:::states:startExecution";
    let described = run_parent(&sfn, "parent0", &child, start, 1).await;
    let started = output(&described);
    assert!(
        started["ExecutionArn"].is_string() && started["StartDate"].is_i64(),
        "{started}"
    );
}

#[tokio::test]
async fn a_failed_child_fails_the_parents_task_with_its_description() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let child = create_machine(
        &sfn,
        "failing-child",
        json!({"StartAt": "Boom", "States": {"Boom": {
            "Type": "Fail", "Error": "Child.Broken", "Cause": "the child broke"}}}),
    )
    .await;
    let described = run_parent(&sfn, "failing-parent", &child, SYNC_2, 1).await;
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("States.TaskFailed"));
    let cause: Value = serde_json::from_str(described.cause().unwrap()).unwrap();
    assert_eq!(cause["Status"], "FAILED");
    assert_eq!(cause["Error"], "Child.Broken");
    assert_eq!(cause["Cause"], "the child broke");
}

#[tokio::test]
async fn stopping_the_parent_stops_the_child() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let child = create_machine(
        &sfn,
        "slow-child",
        json!({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 600, "End": true}}}),
    )
    .await;
    let parent_arn = create_machine(&sfn, "slow-parent", parent(&child, SYNC_2)).await;
    let execution = start_execution(&sfn, &parent_arn, json!({"value": 1})).await;
    let child_execution = testkit::eventually(10, || async {
        let listed = executions(&sfn, &child, None).await;
        listed.first().map(|e| e.execution_arn.clone())
    })
    .await
    .expect("the child starts");
    sfn.stop_execution()
        .execution_arn(&execution)
        .send()
        .await
        .unwrap();
    let child_ended = execution_end(&sfn, &child_execution, 10).await;
    assert_eq!(child_ended.status, ExecutionStatus::Aborted);
}
