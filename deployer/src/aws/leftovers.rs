//! Resources an earlier `deployer down` kept (removal policy `retain`) that a new stack of the
//! same suffix would collide with: found before anything is created, so the clash is a clear
//! stop (exit 2) instead of a rollback.

use super::{error_code, Aws};
use crate::error::CliResult;

/// A kept resource, and the command that deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// What it is, e.g. `the DynamoDB table sfn-resume-orders`.
    pub what: String,
    /// The AWS CLI command that deletes it.
    pub delete_command: String,
}

/// The kept table and log group of a resumer, where they exist.
pub async fn find(aws: &Aws, table: &str, log_group: &str) -> CliResult<Vec<Leftover>> {
    let mut found = Vec::new();
    match aws
        .dynamodb()
        .describe_table()
        .table_name(table)
        .send()
        .await
    {
        Ok(_) => found.push(Leftover {
            what: format!("the DynamoDB table {table}"),
            delete_command: format!("aws dynamodb delete-table --table-name {table}"),
        }),
        Err(err) if error_code(&err) == Some("ResourceNotFoundException") => {}
        Err(err) => return Err(aws.error("DynamoDB DescribeTable", err)),
    }
    let groups = aws
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(log_group)
        .send()
        .await
        .map_err(|e| aws.error("CloudWatch Logs DescribeLogGroups", e))?;
    if groups
        .log_groups()
        .iter()
        .any(|g| g.log_group_name() == Some(log_group))
    {
        found.push(Leftover {
            what: format!("the log group {log_group}"),
            delete_command: format!("aws logs delete-log-group --log-group-name {log_group}"),
        });
    }
    Ok(found)
}
