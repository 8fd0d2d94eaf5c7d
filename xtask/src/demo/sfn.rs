//! Step Functions as the demo checks it: waiting for an execution to end, its whole history,
//! and the states it entered.

use std::time::{Duration, Instant};

use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent, HistoryEventType};

/// Polls the execution until it is no longer running (at most `limit`).
pub async fn finished(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
    limit: Duration,
) -> Result<DescribeExecutionOutput, String> {
    let start = Instant::now();
    loop {
        let described = sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .map_err(|e| format!("DescribeExecution {arn}: {}", super::sdk_error(&e)))?;
        if described.status != ExecutionStatus::Running {
            return Ok(described);
        }
        if start.elapsed() > limit {
            return Err(format!(
                "{arn} is still RUNNING after {} s",
                limit.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The succeeded execution's output as JSON; otherwise how `what` ended (status, error, cause).
pub fn succeeded_output(
    ended: &DescribeExecutionOutput,
    what: &str,
) -> Result<serde_json::Value, String> {
    if ended.status != ExecutionStatus::Succeeded {
        return Err(format!(
            "{what} ended {}: {}: {}",
            ended.status,
            ended.error().unwrap_or("no error"),
            ended.cause().unwrap_or("no cause")
        ));
    }
    serde_json::from_str(ended.output().unwrap_or("null"))
        .map_err(|e| format!("{what}'s output is not JSON: {e}"))
}

/// Every event of the execution's history, oldest first.
pub async fn history(sfn: &aws_sdk_sfn::Client, arn: &str) -> Result<Vec<HistoryEvent>, String> {
    let mut events = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = sfn
            .get_execution_history()
            .execution_arn(arn)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| format!("GetExecutionHistory {arn}: {}", super::sdk_error(&e)))?;
        events.extend(page.events().iter().cloned());
        match page.next_token() {
            Some(token) => next = Some(token.to_string()),
            None => return Ok(events),
        }
    }
}

/// The names of the states the history entered, in order.
pub fn entered(events: &[HistoryEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| e.state_entered_event_details())
        .map(|d| d.name().to_string())
        .collect()
}

/// How many events of `kind` the history has.
pub fn count(events: &[HistoryEvent], kind: HistoryEventType) -> usize {
    events.iter().filter(|e| e.r#type() == &kind).count()
}
