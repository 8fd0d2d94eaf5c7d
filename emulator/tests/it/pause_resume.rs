//! The pause/resume round trip of DESIGN.md, by hand with API calls, across Step Functions,
//! DynamoDB and EventBridge in the emulator.

use aws_sdk_sfn::types::ExecutionStatus;
use testkit::eventually;

use crate::pause_resume_kit::{deploy, done_event};
use serde_json::{json, Value};

#[tokio::test]
async fn a_paused_workflow_resumes_with_the_events_detail_and_the_token_is_gone() {
    let emulator = testkit::aws::emulator().await;
    let config = testkit::aws::sdk_config(&emulator.endpoint());
    let sfn = aws_sdk_sfn::Client::new(&config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let events = aws_sdk_eventbridge::Client::new(&config);
    let deployed = deploy(&config, "rt").await;

    let execution_arn = sfn
        .start_execution()
        .state_machine_arn(&deployed.workflow_arn)
        .input(json!({"jobId": "job-42"}).to_string())
        .send()
        .await
        .expect("start")
        .execution_arn;

    // The pause task stored the token under the job id, and the workflow waits.
    let token = eventually(10, || async {
        let item = dynamodb
            .get_item()
            .table_name(&deployed.table)
            .key(
                "id",
                aws_sdk_dynamodb::types::AttributeValue::S("job-42".into()),
            )
            .consistent_read(true)
            .send()
            .await
            .ok()?
            .item?;
        item.get("token")?.as_s().ok().cloned()
    })
    .await
    .expect("the pause task stores its token");
    assert!(!token.is_empty());
    let running = sfn
        .describe_execution()
        .execution_arn(&execution_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(running.status, ExecutionStatus::Running);

    // The outside job finishes: its event starts the resume machine through the rule.
    let put = events
        .put_events()
        .entries(done_event("job-42"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count, 0);

    let finished = eventually(10, || async {
        let d = sfn
            .describe_execution()
            .execution_arn(&execution_arn)
            .send()
            .await
            .ok()?;
        (d.status != ExecutionStatus::Running).then_some(d)
    })
    .await
    .expect("the workflow ends");
    assert_eq!(finished.status, ExecutionStatus::Succeeded, "{finished:?}");
    let output: Value = serde_json::from_str(finished.output().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"jobId": "job-42", "job": {"jobId": "job-42", "result": "result of job-42"}})
    );

    // The resume machine ran once, succeeded, and deleted the token.
    let resumes = eventually(10, || async {
        let list = sfn
            .list_executions()
            .state_machine_arn(&deployed.resume_arn)
            .send()
            .await
            .ok()?;
        let all = list.executions;
        all.iter()
            .all(|e| e.status == ExecutionStatus::Succeeded)
            .then_some(all)
    })
    .await
    .expect("the resume machine ends");
    assert_eq!(resumes.len(), 1);
    let gone = dynamodb
        .get_item()
        .table_name(&deployed.table)
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S("job-42".into()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert!(gone.item.is_none(), "the token item is deleted");
    emulator.shutdown().await;
}
