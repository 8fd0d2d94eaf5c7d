//! Pause and resume on events, typed as the README types it: start the job workflow that
//! `deployer demo up` deployed (it starts a job, then pauses), find the job it waits for in the
//! resumer's table, send the job's completion event, and see the workflow resume with the
//! event's detail.

use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;

use super::narrate::{command_line, result};
use super::sfn::{finished, succeeded_output};
use super::{sdk_error, Demo};

/// The token table of the resumer `deployer demo up` deploys (suffix DemoJobs).
pub const JOBS_TABLE: &str = "sfn-resume-DemoJobs";
/// The completion events the resumer waits for.
const SOURCE: &str = "sfn-resume.demo";
const DETAIL_TYPE: &str = "JobCompleted";

/// The paused workflow.
#[derive(Debug, Clone)]
pub struct Paused {
    /// Its execution (`$E`).
    pub execution: String,
    /// The job it waits for (`$J`).
    pub job_id: String,
}

impl Demo {
    /// Starts the job workflow and finds the job it pauses on: the item its pause task
    /// stored in the resumer's table.
    pub async fn start_job_workflow(&self, workflow: &str) -> Result<Paused, String> {
        command_line(&format!(
            "E=$(aws stepfunctions start-execution --state-machine-arn {workflow} --query \
             executionArn --output text)"
        ));
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let execution = sfn
            .start_execution()
            .state_machine_arn(workflow)
            .send()
            .await
            .map_err(|e| format!("StartExecution: {}", sdk_error(&e)))?
            .execution_arn
            .clone();
        result(&execution);
        command_line(&format!(
            "J=$(aws dynamodb scan --table-name {JOBS_TABLE} --query \
             \"Items[?pausedBy.S=='$E'].id.S\" --output text)"
        ));
        let job_id = self.paused_job(&execution).await?;
        let described = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .map_err(|e| format!("DescribeExecution: {}", sdk_error(&e)))?;
        if described.status != ExecutionStatus::Running {
            return Err(format!(
                "the workflow should wait for the job's event; it is {}",
                described.status
            ));
        }
        result(&format!(
            "{job_id} (StartJob's job; the workflow is RUNNING, paused with its task token \
             stored under this id)"
        ));
        Ok(Paused { execution, job_id })
    }

    /// Puts the job's completion event; checks the workflow succeeds with the event's detail
    /// at `$.resumeEvent` and the token item is gone.
    pub async fn complete_job(&self, paused: &Paused) -> Result<(), String> {
        command_line(&format!(
            r#"aws events put-events --entries '[{{"Source": "{SOURCE}", "DetailType": "{DETAIL_TYPE}", "Detail": "{{\"jobId\": \"'$J'\"}}"}}]'"#
        ));
        let detail = json!({"jobId": paused.job_id});
        let put = aws_sdk_eventbridge::Client::new(&self.config)
            .put_events()
            .entries(
                PutEventsRequestEntry::builder()
                    .source(SOURCE)
                    .detail_type(DETAIL_TYPE)
                    .detail(detail.to_string())
                    .build(),
            )
            .send()
            .await
            .map_err(|e| format!("PutEvents: {}", sdk_error(&e)))?;
        if put.failed_entry_count() != 0 {
            return Err(format!(
                "EventBridge refused the event: {:?}",
                put.entries()
            ));
        }
        result("FailedEntryCount 0");
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let ended = finished(&sfn, &paused.execution, self.limit).await?;
        command_line(
            "aws stepfunctions describe-execution --execution-arn $E --query '[status,output]'",
        );
        let output = succeeded_output(&ended, "the job workflow")?;
        if output["resumeEvent"] != detail {
            return Err(format!(
                "the workflow should go on with the event's detail {detail} at $.resumeEvent; \
                 its output is {output}"
            ));
        }
        result(&format!("SUCCEEDED, output {output}"));
        if self.paused_on(&paused.execution).await?.is_some() {
            return Err(format!(
                "the token item {} is still in {JOBS_TABLE}",
                paused.job_id
            ));
        }
        result(&format!(
            "(the resume machine deleted the token item from {JOBS_TABLE})"
        ));
        Ok(())
    }

    /// The id the execution's pause task stored its token under, polled until it is there.
    async fn paused_job(&self, execution: &str) -> Result<String, String> {
        let start = Instant::now();
        loop {
            if let Some(id) = self.paused_on(execution).await? {
                return Ok(id);
            }
            if start.elapsed() > self.limit {
                return Err(format!(
                    "no item of {JOBS_TABLE} was stored by {execution} (pausedBy) within {} s",
                    self.limit.as_secs()
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The id of the table's item that `execution` paused on, if there is one (the README's
    /// `Items[?pausedBy.S=='$E'].id.S`).
    async fn paused_on(&self, execution: &str) -> Result<Option<String>, String> {
        let scanned = aws_sdk_dynamodb::Client::new(&self.config)
            .scan()
            .table_name(JOBS_TABLE)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| format!("Scan {JOBS_TABLE}: {}", sdk_error(&e)))?;
        let text = |item: &std::collections::HashMap<String, AttributeValue>, key: &str| {
            item.get(key).and_then(|v| v.as_s().ok()).cloned()
        };
        Ok(scanned
            .items()
            .iter()
            .find(|item| text(item, "pausedBy").as_deref() == Some(execution))
            .and_then(|item| text(item, "id")))
    }
}
