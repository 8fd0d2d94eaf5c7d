//! A world for resume tests of many executions: one machine whose executions fail
//! deterministically at a DynamoDB update conditioned on a flag item, until the test puts the
//! flag; the real SDK clients to check them.

use crate::common;

use std::collections::HashMap;
use std::process::Output;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sfn::types::{ExecutionListItem, ExecutionStatus};
use serde_json::json;

use common::ROLE_ARN;

const STATES_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// "Prepare" passes; "Use flag" adds one to the flag item's `hits`, which fails
/// (DynamoDB.ConditionalCheckFailedException) while the item does not exist; inputs with
/// `"kind": "b"` fail at "Need" instead (States.Runtime: `$.missing` is not there).
fn definition(table: &str) -> String {
    json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Result": true, "ResultPath": "$.prepared", "Next": "Route"},
            "Route": {"Type": "Choice", "Choices": [
                {"Variable": "$.kind", "StringEquals": "b", "Next": "Need"}
            ], "Default": "Use flag"},
            "Need": {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true},
            "Use flag": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": table,
                    "Key": {"id": {"S": "flag"}},
                    "UpdateExpression": "ADD hits :one",
                    "ConditionExpression": "attribute_exists(id)",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}
                },
                "ResultPath": null,
                "End": true
            }
        }
    })
    .to_string()
}

pub const FLAG_ERROR: &str = "DynamoDB.ConditionalCheckFailedException";

/// An emulator with one machine whose executions have failed.
pub struct Batch {
    /// The emulator.
    pub emulator: emulator::Emulator,
    /// Step Functions.
    pub sfn: aws_sdk_sfn::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    /// The machine's ARN.
    pub machine: String,
    /// Its copy's ARN (`<machine>-with-GoToState`).
    pub copy: String,
}

impl Batch {
    /// The machine `name`, with `kinds.len()` executions `run-000`, `run-001`, … (input
    /// `{"order": i, "kind": kinds[i]}`), all failed.
    pub async fn failed(name: &str, kinds: &[&str]) -> Batch {
        Batch::failed_with(name, kinds, definition).await
    }

    /// [`Batch::failed`] with another definition, made from the flag table's name (it must
    /// fail until [`Batch::flip`]).
    pub async fn failed_with(name: &str, kinds: &[&str], definition: fn(&str) -> String) -> Batch {
        let emulator = testkit::aws::emulator().await;
        let config = testkit::aws::sdk_config(&emulator.endpoint());
        let sfn = aws_sdk_sfn::Client::new(&config);
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        aws_sdk_iam::Client::new(&config)
            .create_role()
            .role_name("workflow")
            .assume_role_policy_document(STATES_TRUST)
            .send()
            .await
            .expect("CreateRole");
        let table = format!("{name}-flags");
        testkit::aws::string_key_table(&dynamodb, &table, "id").await;
        let machine = sfn
            .create_state_machine()
            .name(name)
            .definition(definition(&table))
            .role_arn(ROLE_ARN)
            .send()
            .await
            .expect("CreateStateMachine")
            .state_machine_arn()
            .to_string();
        for (i, kind) in kinds.iter().enumerate() {
            sfn.start_execution()
                .state_machine_arn(&machine)
                .name(format!("run-{i:03}"))
                .input(json!({"order": i, "kind": kind}).to_string())
                .send()
                .await
                .expect("StartExecution");
        }
        let batch = Batch {
            copy: machine.replace(&format!(":{name}"), &format!(":{name}-with-GoToState")),
            emulator,
            sfn,
            dynamodb,
            table,
            machine,
        };
        let all_failed = testkit::eventually(60, || async {
            let failed = batch.executions(&batch.machine).await;
            (failed.len() == kinds.len()
                && failed
                    .iter()
                    .all(|e| e.status() == &ExecutionStatus::Failed))
            .then_some(())
        })
        .await;
        assert!(all_failed.is_some(), "the executions did not all fail");
        batch
    }

    /// Puts the flag item: from now on "Use flag" succeeds.
    pub async fn flip(&self) {
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S("flag".into()))
            .send()
            .await
            .expect("PutItem");
    }

    /// How many times "Use flag" succeeded, over every execution.
    pub async fn hits(&self) -> u64 {
        let item = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S("flag".into()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem");
        match item.item().and_then(|i| i.get("hits")) {
            Some(AttributeValue::N(n)) => n.parse().unwrap(),
            _ => 0,
        }
    }

    /// Every execution of `machine` (every page of ListExecutions); none when it does not
    /// exist.
    pub async fn executions(&self, machine: &str) -> Vec<ExecutionListItem> {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let Ok(page) = self
                .sfn
                .list_executions()
                .state_machine_arn(machine)
                .set_next_token(token)
                .send()
                .await
            else {
                return all;
            };
            all.extend(page.executions().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return all;
            }
        }
    }

    /// Whether the copy exists.
    pub async fn copy_exists(&self) -> bool {
        self.sfn
            .describe_state_machine()
            .state_machine_arn(&self.copy)
            .send()
            .await
            .is_ok()
    }

    /// The batch command for this machine, with `extra`.
    pub fn batch_args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["resume", "--state-machine", &self.machine];
        args.extend_from_slice(extra);
        args
    }

    /// Runs the real `deployer` against this emulator.
    pub async fn deployer(&self, args: &[&str]) -> Output {
        let dir = tempfile::tempdir().expect("a scratch directory");
        common::deployer_at(&self.emulator.endpoint(), dir.path(), args).await
    }

    /// Waits until every execution of the copy has ended; their statuses by name.
    pub async fn resumes_ended(&self) -> HashMap<String, ExecutionStatus> {
        let ended = testkit::eventually(120, || async {
            let all = self.executions(&self.copy).await;
            all.iter()
                .all(|e| e.status() != &ExecutionStatus::Running)
                .then(|| {
                    all.iter()
                        .map(|e| (e.name().to_string(), e.status().clone()))
                        .collect()
                })
        })
        .await;
        ended.expect("the resumed executions end")
    }
}
