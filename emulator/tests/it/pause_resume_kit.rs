//! The second seed's mechanism, by hand: a workflow pauses on
//! `aws-sdk:dynamodb:putItem.waitForTaskToken` (its token stored under a job id), and an
//! EventBridge rule starts a resume machine (GetItem → SendTaskSuccess → DeleteItem) when the
//! job's completion event arrives. Shared by the round-trip test and the load example.

use aws_config::SdkConfig;
use serde_json::json;

/// The role every machine runs as (IAM is stored, not enforced).
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/pause-resume";
/// The event source the rule listens to.
pub const SOURCE: &str = "jobs.example";

/// What `deploy` created.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// The token table.
    pub table: String,
    /// The workflow that pauses.
    pub workflow_arn: String,
    /// The machine the rule starts.
    pub resume_arn: String,
}

/// The workflow: store the token under `$.jobId`, wait, put the event's detail in `$.job`.
pub fn workflow_definition(table: &str) -> String {
    json!({
        "StartAt": "Pause",
        "States": {
            "Pause": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken",
                "Parameters": {
                    "TableName": table,
                    "Item": {"id": {"S.$": "$.jobId"}, "token": {"S.$": "$$.Task.Token"}},
                    "ConditionExpression": "attribute_not_exists(id)"
                },
                "ResultPath": "$.job",
                "End": true
            }
        }
    })
    .to_string()
}

/// The resume machine: read the token, send the event's detail as the task's output, forget it.
pub fn resume_definition(table: &str) -> String {
    json!({
        "StartAt": "GetToken",
        "States": {
            "GetToken": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
                "Parameters": {
                    "TableName": table,
                    "ConsistentRead": true,
                    "Key": {"id": {"S.$": "$.detail.jobId"}}
                },
                "ResultSelector": {"token.$": "$.Item.token.S"},
                "ResultPath": "$.stored",
                "Next": "Resume"
            },
            "Resume": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                "Parameters": {
                    "TaskToken.$": "$.stored.token",
                    "Output.$": "States.JsonToString($.detail)"
                },
                "ResultPath": null,
                "Next": "Forget"
            },
            "Forget": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:deleteItem",
                "Parameters": {"TableName": table, "Key": {"id": {"S.$": "$.detail.jobId"}}},
                "End": true
            }
        }
    })
    .to_string()
}

/// Creates the table, both machines and the rule with the resume machine as its target.
pub async fn deploy(config: &SdkConfig, name: &str) -> Deployed {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let sfn = aws_sdk_sfn::Client::new(config);
    let events = aws_sdk_eventbridge::Client::new(config);
    let table = format!("{name}-tokens");
    testkit::aws::string_key_table(&dynamodb, &table, "id").await;
    let workflow_arn = sfn
        .create_state_machine()
        .name(format!("{name}-workflow"))
        .role_arn(ROLE_ARN)
        .definition(workflow_definition(&table))
        .send()
        .await
        .expect("create workflow")
        .state_machine_arn;
    let resume_arn = sfn
        .create_state_machine()
        .name(format!("{name}-resume"))
        .role_arn(ROLE_ARN)
        .definition(resume_definition(&table))
        .send()
        .await
        .expect("create resume machine")
        .state_machine_arn;
    let rule = format!("{name}-done");
    events
        .put_rule()
        .name(&rule)
        .event_pattern(json!({"source": [SOURCE], "detail-type": ["Job Done"]}).to_string())
        .send()
        .await
        .expect("put rule");
    let put = events
        .put_targets()
        .rule(&rule)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("resume")
                .arn(&resume_arn)
                .role_arn(ROLE_ARN)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("put targets");
    assert_eq!(put.failed_entry_count, 0);
    Deployed {
        table,
        workflow_arn,
        resume_arn,
    }
}

/// The completion event of `job_id`, as the outside job would send it.
pub fn done_event(job_id: &str) -> aws_sdk_eventbridge::types::PutEventsRequestEntry {
    aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .source(SOURCE)
        .detail_type("Job Done")
        .detail(json!({"jobId": job_id, "result": format!("result of {job_id}")}).to_string())
        .build()
}
