//! Nested workflows: the optimized `arn:aws:states:::states:startExecution` integration in its
//! three patterns.
//!
//! - Request Response: StartExecution's reply, `{ExecutionArn, StartDate}`.
//! - `.sync`: waits for the child; the result is its DescribeExecution with `Input` and `Output`
//!   as JSON text. `.sync:2`: the same with `Input` and `Output` as JSON values.
//! - `.waitForTaskToken`: starts the child (the token travels in its input) and the engine waits
//!   for SendTaskSuccess/Failure.
//!
//! A child that fails, times out or is aborted fails the parent's task with `States.TaskFailed`
//! and the child's DescribeExecution (as JSON text) as the cause. When the parent's task is
//! dropped before the child ends (StopExecution of the parent, its timeout), the child is
//! stopped too.

use std::sync::Arc;
use std::time::Duration;

use asl::engine::TaskFailure;
use serde_json::{Map, Value};

use super::integrations::{sdk_failure, sfn_parameters, sfn_result};
use crate::cloud::Cloud;
use crate::request::RequestContext;

/// How often a `.sync` task looks at its child.
const POLL: Duration = Duration::from_millis(25);

/// Which output a `startExecution` task waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Request Response (and `.waitForTaskToken`): StartExecution's reply.
    Started,
    /// `.sync`: the child's end, Output as JSON text.
    Sync,
    /// `.sync:2`: the child's end, Output as JSON.
    Sync2,
}

impl Wait {
    /// The pattern a `states:startExecution…` resource tail names (`None`: not this action).
    pub fn of(tail: &str) -> Option<Wait> {
        let tail = tail.strip_suffix(".waitForTaskToken").unwrap_or(tail);
        match tail {
            "states:startExecution" => Some(Wait::Started),
            "states:startExecution.sync" => Some(Wait::Sync),
            "states:startExecution.sync:2" => Some(Wait::Sync2),
            _ => None,
        }
    }
}

/// Stops the child when dropped before it ended.
struct StopOnDrop {
    cloud: Arc<Cloud>,
    ctx: RequestContext,
    execution_arn: Option<String>,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let Some(arn) = self.execution_arn.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (cloud, ctx) = (self.cloud.clone(), self.ctx.clone());
        runtime.spawn(async move {
            let mut input = Map::new();
            input.insert("executionArn".into(), Value::String(arn));
            input.insert("error".into(), "States.Aborted".into());
            input.insert(
                "cause".into(),
                "The parent execution of this execution was stopped".into(),
            );
            let _ = Box::pin(super::call(&cloud, &ctx, "StopExecution", input)).await;
        });
    }
}

/// Epoch seconds (the JSON API's dates) as the epoch milliseconds optimized integrations give.
fn millis(value: &mut Value) {
    if let Some(seconds) = value.as_f64() {
        *value = Value::from((seconds * 1000.0).round() as i64);
    }
}

/// A DescribeExecution reply as a `.sync` (text) or `.sync:2` (JSON) result.
pub fn sync_result(described: Value, wait: Wait) -> Value {
    let mut result = sfn_result(described);
    if let Some(map) = result.as_object_mut() {
        for date in ["StartDate", "StopDate"] {
            if let Some(value) = map.get_mut(date) {
                millis(value);
            }
        }
        if wait == Wait::Sync2 {
            for member in ["Input", "Output"] {
                if let Some(value) = map.get_mut(member) {
                    if let Some(parsed) = value.as_str().and_then(|t| serde_json::from_str(t).ok())
                    {
                        *value = parsed;
                    }
                }
            }
        }
    }
    result
}

/// Runs a `states:startExecution` task.
pub async fn start_execution(
    cloud: &Arc<Cloud>,
    region: &str,
    parameters: Value,
    wait: Wait,
) -> Result<Value, TaskFailure> {
    let ctx = RequestContext::internal("states", region);
    let failure = |e: &crate::error::AwsError| sdk_failure("Sfn", e, &ctx.request_id);
    let started = Box::pin(super::call(
        cloud,
        &ctx,
        "StartExecution",
        sfn_parameters(parameters),
    ))
    .await
    .map_err(|e| failure(&e))?;
    let Some(arn) = started
        .get("executionArn")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(TaskFailure::new(
            "States.Runtime",
            "StartExecution returned no executionArn",
        ));
    };
    if wait == Wait::Started {
        return Ok(sync_result(started, wait));
    }
    let mut guard = StopOnDrop {
        cloud: cloud.clone(),
        ctx: ctx.clone(),
        execution_arn: Some(arn.clone()),
    };
    let described = loop {
        let mut input = Map::new();
        input.insert("executionArn".into(), Value::String(arn.clone()));
        let described = Box::pin(super::call(cloud, &ctx, "DescribeExecution", input))
            .await
            .map_err(|e| failure(&e))?;
        if described.get("status").and_then(Value::as_str) != Some("RUNNING") {
            break described;
        }
        tokio::time::sleep(POLL).await;
    };
    guard.execution_arn = None;
    let succeeded = described.get("status").and_then(Value::as_str) == Some("SUCCEEDED");
    let result = sync_result(described, wait);
    if succeeded {
        return Ok(result);
    }
    Err(TaskFailure::new("States.TaskFailed", result.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns_are_read_from_the_resource() {
        assert_eq!(Wait::of("states:startExecution"), Some(Wait::Started));
        assert_eq!(Wait::of("states:startExecution.sync"), Some(Wait::Sync));
        assert_eq!(Wait::of("states:startExecution.sync:2"), Some(Wait::Sync2));
        assert_eq!(
            Wait::of("states:startExecution.waitForTaskToken"),
            Some(Wait::Started)
        );
        assert_eq!(Wait::of("states:startExecution.sync:3"), None);
    }

    #[test]
    fn sync_results_differ_in_how_output_is_given() {
        let described = json!({"executionArn": "a", "status": "SUCCEEDED", "startDate": 1.5,
            "input": "{\"x\":1}", "output": "{\"y\":2}", "outputDetails": {"included": true}});
        let sync = sync_result(described.clone(), Wait::Sync);
        assert_eq!(sync["Output"], "{\"y\":2}");
        assert_eq!(sync["StartDate"], 1500);
        assert_eq!(sync["OutputDetails"]["Included"], true);
        let sync2 = sync_result(described, Wait::Sync2);
        assert_eq!(sync2["Output"], json!({"y": 2}));
        assert_eq!(sync2["Input"], json!({"x": 1}));
    }
}
