//! The pauses still waiting on a resumer's table: before its stack goes, `down` ends each one
//! with SendTaskFailure, so no execution waits for an event that can no longer resume it.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{error_code, Aws};
use crate::error::CliResult;

/// The error a waiting pause fails with when its resumer is deleted.
pub const RESUMER_DELETED: &str = "ResumerDeleted";

/// Errors of SendTaskFailure that mean nobody waits on the token any more.
const DEAD_TOKEN: [&str; 3] = ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"];

/// Fails every pause waiting on `table` (items with a token) and deletes their items; the
/// number of pauses that were still waiting. A table already gone has none.
pub async fn fail_waiting(aws: &Aws, table: &str, stack: &str) -> CliResult<usize> {
    let dynamodb = aws.dynamodb();
    let mut failed = 0;
    let mut start = None;
    loop {
        let page = match dynamodb
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
        {
            Ok(page) => page,
            Err(err) if error_code(&err) == Some("ResourceNotFoundException") => return Ok(0),
            Err(err) => return Err(aws.error("DynamoDB Scan", err)),
        };
        for item in page.items() {
            let (Some(AttributeValue::S(id)), Some(AttributeValue::S(token))) =
                (item.get("id"), item.get("token"))
            else {
                continue;
            };
            if end_pause(aws, token, stack).await? {
                failed += 1;
            }
            forget(aws, table, id, token).await?;
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(failed);
        }
    }
}

/// SendTaskFailure on one token; whether a pause was still waiting on it.
async fn end_pause(aws: &Aws, token: &str, stack: &str) -> CliResult<bool> {
    let sent = aws
        .sfn()
        .send_task_failure()
        .task_token(token)
        .error(RESUMER_DELETED)
        .cause(format!(
            "The resumer {stack} was deleted (deployer down) while this pause waited; no event \
             can resume it"
        ))
        .send()
        .await;
    match sent {
        Ok(_) => Ok(true),
        Err(err) if error_code(&err).is_some_and(|c| DEAD_TOKEN.contains(&c)) => Ok(false),
        Err(err) => Err(aws.error("Step Functions SendTaskFailure", err)),
    }
}

/// Deletes the token item, unless another pause replaced it meanwhile.
async fn forget(aws: &Aws, table: &str, id: &str, token: &str) -> CliResult {
    let deleted = aws
        .dynamodb()
        .delete_item()
        .table_name(table)
        .key("id", AttributeValue::S(id.to_string()))
        .condition_expression("#token = :token")
        .expression_attribute_names("#token", "token")
        .expression_attribute_values(":token", AttributeValue::S(token.to_string()))
        .send()
        .await;
    match deleted {
        Ok(_) => Ok(()),
        Err(err) if error_code(&err) == Some("ConditionalCheckFailedException") => Ok(()),
        Err(err) => Err(aws.error("DynamoDB DeleteItem", err)),
    }
}
