//! Task integrations: the trait through which the engine calls Lambda, DynamoDB, EventBridge,
//! Step Functions or any other service. The engine knows none of them; the emulator (or a test)
//! implements [`TaskInvoker`].

use serde_json::Value;

use futures::future::BoxFuture;

/// How a Task state waits for its integration, from the suffix of its resource ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationPattern {
    /// Call the service and continue with its response (no suffix; also bare Lambda ARNs).
    RequestResponse,
    /// `.waitForTaskToken`: call the service with a task token, then wait for
    /// SendTaskSuccess/SendTaskFailure with that token.
    WaitForTaskToken,
    /// `.sync` (or `.sync:2`): the invoker runs the job to completion and returns its result.
    Sync,
}

/// One call of a Task state's integration.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    /// The resource ARN as written in the definition (e.g.
    /// `arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken` or a Lambda function ARN).
    pub resource: String,
    /// The effective parameters: `Parameters` evaluated against the state input (or the input
    /// itself when the state has no `Parameters`).
    pub parameters: Value,
    /// The integration pattern.
    pub pattern: IntegrationPattern,
    /// The task token, for [`IntegrationPattern::WaitForTaskToken`].
    pub task_token: Option<String>,
    /// `TimeoutSeconds` (or `TimeoutSecondsPath`), when set.
    pub timeout_seconds: Option<u64>,
    /// `HeartbeatSeconds` (or `HeartbeatSecondsPath`), when set.
    pub heartbeat_seconds: Option<u64>,
    /// `Credentials`, as written, when set.
    pub credentials: Option<Value>,
    /// The ARN of the execution running the task.
    pub execution_arn: String,
    /// The name of the Task state.
    pub state_name: String,
}

/// A failed integration call, named as AWS names it (`Lambda.Unknown`,
/// `DynamoDb.ConditionalCheckFailedException`, `States.TaskFailed`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    /// The error name.
    pub error: String,
    /// The cause, if any.
    pub cause: Option<String>,
}

impl TaskFailure {
    /// A failure with an error name and a cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskFailure {
            error: error.into(),
            cause: Some(cause.into()),
        }
    }
}

/// Runs Task states' integrations. Object-safe: the engine holds an `Arc<dyn TaskInvoker>`.
///
/// For [`IntegrationPattern::WaitForTaskToken`] the returned value is the service's response
/// to the submission (recorded in `TaskSubmitted`); the task then waits for its token.
pub trait TaskInvoker: Send + Sync {
    /// Calls the integration.
    fn invoke(&self, request: TaskRequest) -> BoxFuture<'static, Result<Value, TaskFailure>>;
}

/// Which family of history events a resource records, and the names those events carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourceKind {
    /// A bare Lambda function ARN: `LambdaFunction…` events.
    LambdaFunction,
    /// `arn:aws:states:::<service>:<action>[.suffix]`: `Task…` events with `resourceType`
    /// (`lambda`, `aws-sdk:dynamodb`, …) and `resource` (`invoke`, `putItem.waitForTaskToken`).
    Service {
        resource_type: String,
        resource: String,
    },
}

/// Classifies a Task resource ARN and finds its integration pattern.
pub(crate) fn classify(arn: &str) -> (ResourceKind, IntegrationPattern) {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    if parts.len() >= 7 && parts[2] == "lambda" && parts[5] == "function" {
        return (
            ResourceKind::LambdaFunction,
            IntegrationPattern::RequestResponse,
        );
    }
    let service_part = arn
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":states:::"))
        .map(|(_, tail)| tail);
    let (resource_type, resource) = match service_part {
        Some(tail) => match tail.strip_prefix("aws-sdk:") {
            Some(sdk) => match sdk.split_once(':') {
                Some((service, action)) => (format!("aws-sdk:{service}"), action.to_string()),
                None => ("aws-sdk".to_string(), sdk.to_string()),
            },
            None => match tail.split_once(':') {
                Some((service, action)) => (service.to_string(), action.to_string()),
                None => (tail.to_string(), String::new()),
            },
        },
        None => (arn.to_string(), String::new()),
    };
    let pattern = if resource.ends_with(".waitForTaskToken") {
        IntegrationPattern::WaitForTaskToken
    } else if resource.ends_with(".sync") || resource.contains(".sync:") {
        IntegrationPattern::Sync
    } else {
        IntegrationPattern::RequestResponse
    };
    (
        ResourceKind::Service {
            resource_type,
            resource,
        },
        pattern,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(t: &str, r: &str) -> ResourceKind {
        ResourceKind::Service {
            resource_type: t.into(),
            resource: r.into(),
        }
    }

    #[test]
    fn classifies_resources_like_aws() {
        assert_eq!(
            classify("arn:aws:lambda:us-west-2:016893804762:function:First"),
            (
                ResourceKind::LambdaFunction,
                IntegrationPattern::RequestResponse
            )
        );
        assert_eq!(
            classify("arn:aws:states:::lambda:invoke"),
            (
                service("lambda", "invoke"),
                IntegrationPattern::RequestResponse
            )
        );
        assert_eq!(
            classify("arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken"),
            (
                service("aws-sdk:dynamodb", "putItem.waitForTaskToken"),
                IntegrationPattern::WaitForTaskToken
            )
        );
        assert_eq!(
            classify("arn:aws:states:::states:startExecution.sync:2"),
            (
                service("states", "startExecution.sync:2"),
                IntegrationPattern::Sync
            )
        );
        assert_eq!(
            classify("arn:aws:states:::events:putEvents"),
            (
                service("events", "putEvents"),
                IntegrationPattern::RequestResponse
            )
        );
    }
}
