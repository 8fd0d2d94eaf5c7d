//! ListExecutions of one state machine, every page: the executions a batch resume considers.

use aws_sdk_sfn::types::ExecutionStatus;

use super::super::retry::throttled;
use super::super::Aws;
use crate::error::CliResult;

/// ListExecutions' largest page.
const PAGE: i32 = 1000;

/// One listed execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// When it started (epoch seconds).
    pub started: f64,
    /// When it stopped (epoch seconds), if it did.
    pub stopped: Option<f64>,
}

/// Every execution of `machine_arn` with `status` that stopped at or after `stopped_since`
/// (epoch seconds; every one when `None`), oldest start first.
pub async fn executions(
    aws: &Aws,
    machine_arn: &str,
    status: &str,
    stopped_since: Option<f64>,
) -> CliResult<Vec<Listed>> {
    let sfn = aws.sfn();
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = throttled(|| {
            sfn.list_executions()
                .state_machine_arn(machine_arn)
                .status_filter(ExecutionStatus::from(status))
                .max_results(PAGE)
                .set_next_token(token.clone())
                .send()
        })
        .await
        .map_err(|e| aws.error("ListExecutions", e))?;
        listed.extend(page.executions().iter().map(|e| Listed {
            arn: e.execution_arn().to_string(),
            name: e.name().to_string(),
            started: e.start_date().as_secs_f64(),
            stopped: e.stop_date().map(|d| d.as_secs_f64()),
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    listed.retain(|e| match (stopped_since, e.stopped) {
        (Some(since), Some(stopped)) => stopped >= since,
        (Some(_), None) => false,
        (None, _) => true,
    });
    listed.sort_by(|a, b| a.started.total_cmp(&b.started).then(a.arn.cmp(&b.arn)));
    listed.dedup_by(|a, b| a.arn == b.arn);
    Ok(listed)
}
