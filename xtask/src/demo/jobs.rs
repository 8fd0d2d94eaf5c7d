//! Pause and resume on events, typed as the README types it: start the job workflow that
//! `deployer demo up` deployed on a job it names (it starts the job, then pauses), send the
//! job's completion event, and see the workflow resume with the event's detail.

use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;

use super::narrate::{command_line, result};
use super::sfn::{finished, succeeded_output};
use super::{sdk_error, Demo};

use deployer::demo::{
    EVENT_DETAIL_TYPE as DETAIL_TYPE, EVENT_SOURCE as SOURCE, TUTORIAL_JOB as JOB,
};

/// The token table of the resumer `deployer demo up` deploys (`sfn-resume-DemoJobs`).
fn jobs_table() -> String {
    format!(
        "{}{}",
        deployer::resumer::STACK_PREFIX,
        deployer::demo::JOBS_SUFFIX
    )
}

/// The paused workflow.
#[derive(Debug, Clone)]
pub struct Paused {
    /// Its execution (`$E`).
    pub execution: String,
    /// The job it waits for (`$J`).
    pub job_id: String,
}

impl Demo {
    /// Starts the job workflow on [`JOB`], and checks it pauses: RUNNING, its token stored
    /// under the job's id in the resumer's table.
    pub async fn start_job_workflow(&self, workflow: &str) -> Result<Paused, String> {
        command_line(&format!(
            "E=$(aws stepfunctions start-execution --state-machine-arn {workflow} --input \
             '{{\"jobId\": \"{JOB}\"}}' --query executionArn --output text)"
        ));
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let execution = sfn
            .start_execution()
            .state_machine_arn(workflow)
            .input(json!({ "jobId": JOB }).to_string())
            .send()
            .await
            .map_err(|e| format!("StartExecution: {}", sdk_error(&e)))?
            .execution_arn
            .clone();
        result(&execution);
        self.paused_by(&execution).await?;
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
            "(RUNNING, paused with its task token stored under {JOB} in {})",
            jobs_table()
        ));
        Ok(Paused {
            execution,
            job_id: JOB.to_string(),
        })
    }

    /// Puts the job's completion event; checks the workflow succeeds with the event's detail
    /// at `$.resumeEvent` and the token item is gone.
    pub async fn complete_job(&self, paused: &Paused) -> Result<(), String> {
        command_line(&format!(
            r#"aws events put-events --entries '[{{"Source": "{SOURCE}", "DetailType": "{DETAIL_TYPE}", "Detail": "{{\"jobId\": \"{JOB}\"}}"}}]'"#
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
        if self.token_item(&paused.job_id).await?.is_some() {
            return Err(format!(
                "the token item {} is still in {}",
                paused.job_id,
                jobs_table()
            ));
        }
        result(&format!(
            "(the resume machine deleted the token item from {})",
            jobs_table()
        ));
        Ok(())
    }

    /// Waits until the job's item in the resumer's table names `execution` as its pauser.
    async fn paused_by(&self, execution: &str) -> Result<(), String> {
        let start = Instant::now();
        loop {
            let item = self.token_item(JOB).await?;
            if item.as_deref() == Some(execution) {
                return Ok(());
            }
            if start.elapsed() > self.limit {
                return Err(format!(
                    "{execution} stored no token under {JOB} in {} within {} s",
                    jobs_table(),
                    self.limit.as_secs()
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The `pausedBy` of the job's token item in the resumer's table, if the item is there.
    async fn token_item(&self, job: &str) -> Result<Option<String>, String> {
        let table = jobs_table();
        let got = aws_sdk_dynamodb::Client::new(&self.config)
            .get_item()
            .table_name(&table)
            .key("id", AttributeValue::S(job.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| format!("GetItem {table}: {}", sdk_error(&e)))?;
        Ok(got
            .item()
            .and_then(|item| item.get("pausedBy"))
            .and_then(|v| v.as_s().ok())
            .cloned())
    }
}
