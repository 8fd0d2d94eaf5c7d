//! Task states calling the other emulated services, end to end through the real SDK clients:
//! DynamoDB (aws-sdk and optimized integrations, error names, the pause-with-token pattern) and
//! EventBridge PutEvents. They need those services, which other branches implement.

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_sfn::types::ExecutionStatus;
use emulator::Emulator;
use serde_json::{json, Value};

async fn table(emulator: &Emulator, name: &str) -> aws_sdk_dynamodb::Client {
    let ddb = aws_sdk_dynamodb::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    ddb.create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("the table is created");
    ddb
}

/// Runs `definition` on `input` to its end; returns the description.
pub(crate) async fn run(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    definition: Value,
    input: Value,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let machine = testkit::aws::create_machine(sfn, name, definition).await;
    let execution = testkit::aws::start_execution(sfn, &machine, input).await;
    for _ in 0..200 {
        let described = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap();
        if described.status != ExecutionStatus::Running {
            return described;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{execution} did not finish");
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_tasks_write_read_and_name_their_errors_as_aws_does() {
    let emulator = testkit::aws::emulator().await;
    let _ddb = table(&emulator, "jobs").await;
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let put_once = |resource: &str| {
        json!({
            "Type": "Task", "Resource": resource,
            "Parameters": {"TableName": "jobs", "Item": {"pk": {"S.$": "$.id"}},
                           "ConditionExpression": "attribute_not_exists(pk)"},
            "ResultPath": null
        })
    };
    let mut sdk_put = put_once("arn:aws:states:::aws-sdk:dynamodb:putItem");
    sdk_put["Next"] = json!("Get");
    let mut sdk_again = put_once("arn:aws:states:::aws-sdk:dynamodb:putItem");
    sdk_again["Catch"] = json!([{"ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"], "ResultPath": "$.sdkError", "Next": "Optimized again"}]);
    sdk_again["Next"] = json!("Unreachable");
    let mut optimized_again = put_once("arn:aws:states:::dynamodb:putItem");
    optimized_again["Catch"] = json!([{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.optimizedError", "Next": "Done"}]);
    optimized_again["Next"] = json!("Unreachable");
    let definition = json!({
        "StartAt": "Put",
        "States": {
            "Put": sdk_put,
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Parameters": {"TableName": "jobs", "Key": {"pk": {"S.$": "$.id"}}},
                    "ResultSelector": {"pk.$": "$.Item.pk.S"}, "ResultPath": "$.got", "Next": "Put again"},
            "Put again": sdk_again,
            "Optimized again": optimized_again,
            "Unreachable": {"Type": "Fail", "Error": "Unexpected"},
            "Done": {"Type": "Succeed"}
        }
    });
    let described = run(&sfn, "ddb", definition, json!({"id": "job-1"})).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    assert_eq!(output["got"]["pk"], "job-1");
    assert_eq!(
        output["sdkError"]["Error"],
        "DynamoDb.ConditionalCheckFailedException"
    );
    assert_eq!(
        output["optimizedError"]["Error"],
        "DynamoDB.ConditionalCheckFailedException"
    );
}

#[tokio::test]
async fn a_transaction_task_claims_once_and_a_second_claim_is_caught_as_cancelled() {
    let emulator = testkit::aws::emulator().await;
    let ddb = table(&emulator, "claims").await;
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let claim = |key: &str| {
        json!({"Put": {"TableName": "claims", "Item": {"pk": {"S.$": format!("States.Format('{key}-{{}}', $.id)")}},
                       "ConditionExpression": "attribute_not_exists(pk)"}})
    };
    let definition = json!({
        "StartAt": "Claim",
        "States": {
            "Claim": {
                "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems",
                "Parameters": {"TransactItems": [claim("job"), claim("audit")]},
                "Catch": [{"ErrorEquals": ["DynamoDb.TransactionCanceledException"], "Next": "Taken"}],
                "ResultPath": null, "End": true
            },
            "Taken": {"Type": "Pass", "End": true}
        }
    });
    let first = run(&sfn, "claim", definition.clone(), json!({"id": "7"})).await;
    assert_eq!(first.status, ExecutionStatus::Succeeded, "{first:?}");
    assert_eq!(first.output(), Some(r#"{"id":"7"}"#));
    let again = run(&sfn, "claim-again", definition, json!({"id": "7"})).await;
    let output: Value = serde_json::from_str(again.output().unwrap()).unwrap();
    assert_eq!(output["Error"], "DynamoDb.TransactionCanceledException");
    assert!(
        output["Cause"]
            .as_str()
            .unwrap()
            .contains("[ConditionalCheckFailed, ConditionalCheckFailed]"),
        "{output}"
    );
    let items = ddb.scan().table_name("claims").send().await.unwrap();
    assert_eq!(items.count(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_task_stores_its_token_in_dynamodb_and_resumes_on_send_task_success() {
    let emulator = testkit::aws::emulator().await;
    let ddb = table(&emulator, "tokens").await;
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let machine = testkit::aws::create_machine(&sfn, "pause", json!({
                "StartAt": "Pause",
                "States": {"Pause": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken",
                    "Parameters": {"TableName": "tokens",
                                   "Item": {"pk": {"S.$": "$.jobId"}, "token": {"S.$": "$$.Task.Token"}}},
                    "End": true
                }}
            })
            .to_string(),).await;
    let execution = testkit::aws::start_execution(&sfn, &machine, json!({"jobId": "j-9"})).await;
    let mut token = None;
    for _ in 0..100 {
        let item = ddb
            .get_item()
            .table_name("tokens")
            .key("pk", AttributeValue::S("j-9".into()))
            .send()
            .await
            .unwrap();
        if let Some(AttributeValue::S(t)) = item.item().and_then(|i| i.get("token")) {
            token = Some(t.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = token.expect("the task stored its token");
    sfn.send_task_success()
        .task_token(token)
        .output("{\"resumed\":true}")
        .send()
        .await
        .unwrap();
    for _ in 0..100 {
        let described = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap();
        if described.status != ExecutionStatus::Running {
            assert_eq!(described.status, ExecutionStatus::Succeeded);
            assert_eq!(described.output(), Some("{\"resumed\":true}"));
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the execution did not resume");
}

#[tokio::test(flavor = "multi_thread")]
async fn put_events_tasks_send_events_to_eventbridge() {
    let emulator = testkit::aws::emulator().await;
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let definition = json!({
        "StartAt": "Emit",
        "States": {"Emit": {
            "Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {"Entries": [{"Source": "sfn.test", "DetailType": "JobDone",
                                        "Detail": {"id.$": "$.id"}}]},
            "End": true
        }}
    });
    let described = run(&sfn, "emit", definition, json!({"id": 3})).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    assert_eq!(output["FailedEntryCount"], 0);
    assert!(output["Entries"][0]["EventId"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn sfn_callbacks_with_a_malformed_token_fail_the_task_with_the_token_error() {
    let emulator = testkit::aws::emulator().await;
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    // The token is checked first: an output that is not JSON does not hide it.
    let refused = sfn
        .send_task_success()
        .task_token("not a token!")
        .output("{not json")
        .send()
        .await
        .expect_err("a malformed token is refused");
    assert_eq!(
        refused.as_service_error().and_then(|e| e.meta().code()),
        Some("InvalidToken")
    );
    for (action, parameters) in [
        (
            "sendTaskSuccess",
            json!({"TaskToken": "not a token!", "Output": "{not json"}),
        ),
        ("sendTaskFailure", json!({"TaskToken": "", "Error": "E"})),
        ("sendTaskHeartbeat", json!({"TaskToken": "ä"})),
    ] {
        let definition = json!({"StartAt": "Callback", "States": {"Callback": {
            "Type": "Task", "Resource": format!("arn:aws:states:::aws-sdk:sfn:{action}"),
            "Parameters": parameters, "End": true}}});
        let described = run(&sfn, action, definition, json!({})).await;
        assert_eq!(described.status, ExecutionStatus::Failed, "{action}");
        assert_eq!(
            described.error(),
            Some("Sfn.InvalidTokenException"),
            "{action}"
        );
        let cause = described.cause().unwrap_or_default();
        assert!(
            cause.starts_with("Invalid Token: '")
                && cause.contains(" (Service: Sfn, Status Code: 400, Request ID: ")
                && cause.ends_with(") (SDK Attempt Count: 1)"),
            "{action}: {cause}"
        );
    }
}
