//! The rendered resumer stack, deployed through CloudFormation change sets into the in-process
//! emulator, ends a real workflow's wait: the pause task `deployer task` prints, the rule, the
//! resume machine, the token table.

mod common;

use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sfn::types::ExecutionStatus;
use deployer::render::{pause_task, resumer_template, PauseOptions};
use deployer::resumer::{Resumer, ResumerEntry};
use serde_json::{json, Value};

use common::{deploy, eventually, output, sdk_config, ROLE_ARN};

fn resumer() -> Resumer {
    entry("orders").validate().expect("a valid resumer")
}

fn entry(suffix: &str) -> ResumerEntry {
    ResumerEntry {
        name_suffix: suffix.into(),
        event_pattern: Some(
            r#"{"source": ["shop.orders"], "detail-type": ["OrderShipped"]}"#.into(),
        ),
        path_to_id_pause_task: Some("$.orderId".into()),
        path_to_id_workflow: Some("$.detail.orderId".into()),
        removal_policy: Some("destroy".into()),
        ..ResumerEntry::default()
    }
}

/// A workflow that pauses with the printed pause task, then succeeds.
fn workflow(resumer: &Resumer) -> String {
    let options = PauseOptions {
        next: Some("Shipped".into()),
        ..PauseOptions::default()
    };
    let pause = pause_task(&resumer.pause, &options).expect("the pause task renders");
    json!({
        "StartAt": "WaitForShipping",
        "States": {"WaitForShipping": pause, "Shipped": {"Type": "Succeed"}}
    })
    .to_string()
}

fn shipped(order: &str) -> PutEventsRequestEntry {
    order_event("OrderShipped", order)
}

fn order_event(detail_type: &str, order: &str) -> PutEventsRequestEntry {
    PutEventsRequestEntry::builder()
        .source("shop.orders")
        .detail_type(detail_type)
        .detail(json!({"orderId": order, "carrier": "ups"}).to_string())
        .build()
}

async fn finished(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    eventually(15, || async {
        let d = sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .ok()?;
        (d.status != ExecutionStatus::Running).then_some(d)
    })
    .await
    .expect("the workflow ends")
}

#[tokio::test]
async fn the_rendered_stack_resumes_a_paused_workflow_with_the_events_detail() {
    let emulator = emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts");
    let config = sdk_config(&emulator.endpoint());
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let sfn = aws_sdk_sfn::Client::new(&config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let events = aws_sdk_eventbridge::Client::new(&config);

    let resumer = resumer();
    let template = resumer_template(&resumer).expect("the template renders");
    let stack = deploy(&cfn, &resumer.stack_name(), &template).await;
    assert_eq!(
        stack.stack_status(),
        Some(&StackStatus::CreateComplete),
        "{:?}",
        stack.stack_status_reason()
    );
    assert_eq!(output(&stack, "TableName"), "sfn-resume-orders");
    let resume_arn = output(&stack, "ResumeMachineArn");
    assert!(
        resume_arn.ends_with(":stateMachine:sfn-resume-orders_orders"),
        "{resume_arn}"
    );
    assert!(output(&stack, "ResumeRuleArn").contains(":rule/"));
    let printed: Value = serde_json::from_str(&output(&stack, "PauseTask")).unwrap();
    assert_eq!(printed["Parameters"]["TableName"], "sfn-resume-orders");

    let workflow_arn = sfn
        .create_state_machine()
        .name("ship-order")
        .role_arn(ROLE_ARN)
        .definition(workflow(&resumer))
        .send()
        .await
        .expect("CreateStateMachine")
        .state_machine_arn;

    // Workflow first: it pauses and its token is stored under the order id.
    let paused = sfn
        .start_execution()
        .state_machine_arn(&workflow_arn)
        .input(json!({"orderId": "o-1"}).to_string())
        .send()
        .await
        .expect("StartExecution")
        .execution_arn;
    let key = |id: &str| ("id".to_string(), AttributeValue::S(id.to_string()));
    let stored = eventually(10, || async {
        let (k, v) = key("o-1");
        let item = dynamodb
            .get_item()
            .table_name("sfn-resume-orders")
            .key(k, v)
            .consistent_read(true)
            .send()
            .await
            .ok()?
            .item?;
        item.get("token")?.as_s().ok().cloned()
    })
    .await;
    assert!(
        stored.is_some_and(|t| !t.is_empty()),
        "the pause task stores its token"
    );

    let put = events
        .put_events()
        .entries(shipped("o-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count, 0);
    let done = finished(&sfn, &paused).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"orderId": "o-1", "resumeEvent": {"orderId": "o-1", "carrier": "ups"}})
    );
    let gone = eventually(10, || async {
        let (k, v) = key("o-1");
        let out = dynamodb
            .get_item()
            .table_name("sfn-resume-orders")
            .key(k, v)
            .consistent_read(true)
            .send()
            .await
            .ok()?;
        out.item.is_none().then_some(())
    })
    .await;
    assert!(gone.is_some(), "the resume machine deletes the token item");

    // Event first: the resume machine records the arrival, so the workflow does not wait.
    let put = events
        .put_events()
        .entries(shipped("o-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count, 0);
    let arrived = eventually(10, || async {
        let (k, v) = key("o-2");
        let item = dynamodb
            .get_item()
            .table_name("sfn-resume-orders")
            .key(k, v)
            .consistent_read(true)
            .send()
            .await
            .ok()?
            .item?;
        item.contains_key("arrived").then_some(())
    })
    .await;
    assert!(arrived.is_some(), "the early event is recorded");
    let early = sfn
        .start_execution()
        .state_machine_arn(&workflow_arn)
        .input(json!({"orderId": "o-2"}).to_string())
        .send()
        .await
        .expect("StartExecution")
        .execution_arn;
    let done = finished(&sfn, &early).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(
        output["resumeEvent"]["Error"],
        "DynamoDb.ConditionalCheckFailedException"
    );

    // Every resume execution succeeded.
    let runs = sfn
        .list_executions()
        .state_machine_arn(&resume_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(runs.executions.len(), 2);
    assert!(
        runs.executions
            .iter()
            .all(|e| e.status == ExecutionStatus::Succeeded),
        "{runs:?}"
    );
    emulator.shutdown().await;
}

async fn start(sfn: &aws_sdk_sfn::Client, machine: &str, order: &str) -> String {
    sfn.start_execution()
        .state_machine_arn(machine)
        .input(json!({"orderId": order}).to_string())
        .send()
        .await
        .expect("StartExecution")
        .execution_arn
}

async fn item(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    dynamodb
        .get_item()
        .table_name(table)
        .key("id", AttributeValue::S(id.to_string()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
}

#[tokio::test]
async fn failure_events_fail_the_wait_and_expired_tokens_are_cleaned_up() {
    let emulator = emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts");
    let config = sdk_config(&emulator.endpoint());
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let sfn = aws_sdk_sfn::Client::new(&config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let events = aws_sdk_eventbridge::Client::new(&config);

    let mut entry = entry("lost");
    entry.failure_event_pattern =
        Some(r#"{"source": ["shop.orders"], "detail-type": ["OrderLost"]}"#.into());
    entry.timeout_seconds = Some(1);
    let resumer = entry.validate().expect("a valid resumer");
    let table = resumer.stack_name();
    let stack = deploy(&cfn, &table, &resumer_template(&resumer).unwrap()).await;
    assert_eq!(
        stack.stack_status(),
        Some(&StackStatus::CreateComplete),
        "{:?}",
        stack.stack_status_reason()
    );
    let fail_arn = output(&stack, "FailMachineArn");
    assert!(
        fail_arn.ends_with(":stateMachine:sfn-resume-lost_lost_fail"),
        "{fail_arn}"
    );
    let workflow_arn = sfn
        .create_state_machine()
        .name("ship-order")
        .role_arn(ROLE_ARN)
        .definition(workflow(&resumer))
        .send()
        .await
        .expect("CreateStateMachine")
        .state_machine_arn;

    // A failure event ends the wait with SendTaskFailure: the workflow fails with the detail.
    let lost = start(&sfn, &workflow_arn, "o-9").await;
    eventually(10, || async {
        item(&dynamodb, &table, "o-9")
            .await
            .filter(|i| i.contains_key("token"))
    })
    .await
    .expect("the pause task stores its token");
    let put = events
        .put_events()
        .entries(order_event("OrderLost", "o-9"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count, 0);
    let done = finished(&sfn, &lost).await;
    assert_eq!(done.status, ExecutionStatus::Failed, "{done:?}");
    assert_eq!(done.error(), Some("ResumeFailureEvent"));
    let cause: Value = serde_json::from_str(done.cause().unwrap()).unwrap();
    assert_eq!(cause, json!({"orderId": "o-9", "carrier": "ups"}));
    eventually(10, || async {
        item(&dynamodb, &table, "o-9").await.is_none().then_some(())
    })
    .await
    .expect("the failure machine deletes the token item");

    // A token whose task timed out: the late event cleans the item up and the resume succeeds.
    let late = start(&sfn, &workflow_arn, "o-10").await;
    let done = finished(&sfn, &late).await;
    assert_eq!(done.status, ExecutionStatus::Failed, "{done:?}");
    assert_eq!(done.error(), Some("States.Timeout"));
    assert!(
        item(&dynamodb, &table, "o-10").await.is_some(),
        "the expired token is still stored"
    );
    let put = events
        .put_events()
        .entries(shipped("o-10"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count, 0);
    eventually(10, || async {
        item(&dynamodb, &table, "o-10")
            .await
            .is_none()
            .then_some(())
    })
    .await
    .expect("the expired token is deleted, not retried forever");
    let resume_arn = output(&stack, "ResumeMachineArn");
    let runs = eventually(10, || async {
        let list = sfn
            .list_executions()
            .state_machine_arn(&resume_arn)
            .send()
            .await
            .ok()?;
        list.executions
            .iter()
            .all(|e| e.status != ExecutionStatus::Running)
            .then_some(list.executions)
    })
    .await
    .expect("the resume machine ends");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, ExecutionStatus::Succeeded, "{runs:?}");
    // It got there through the catch: SendTaskSuccess was refused for the dead token.
    let history = sfn
        .get_execution_history()
        .execution_arn(runs[0].execution_arn())
        .send()
        .await
        .unwrap();
    let refused: Vec<_> = history
        .events()
        .iter()
        .filter_map(|e| e.task_failed_event_details()?.error().map(str::to_string))
        .collect();
    assert!(
        refused
            .iter()
            .any(|e| e == "Sfn.TaskTimedOutException" || e == "Sfn.TaskDoesNotExistException"),
        "{refused:?}"
    );
    emulator.shutdown().await;
}
