//! Lambda (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::rest_json;
use crate::protocol::Response;
use crate::request::{AwsRequest, RequestContext};

/// Lambda's state.
#[derive(Debug)]
pub struct Lambda {}

impl Lambda {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        Lambda {}
    }

    /// Applies a journaled change.
    pub fn replay(&self, _change: Value) -> Result<(), String> {
        Err("Lambda does not persist anything yet".to_string())
    }

    /// Stops every sandbox.
    pub async fn shutdown(&self) {}
}

/// Serves one request.
pub async fn handle(_cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    rest_json::error(&AwsError::unknown_operation(request.path.as_str()))
}

/// How Invoke runs a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the result.
    RequestResponse,
    /// Queue it and return 202 at once.
    Event,
    /// Check the parameters and permissions only (204).
    DryRun,
}

/// What one invocation returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// 200 (RequestResponse), 202 (Event) or 204 (DryRun).
    pub status_code: u16,
    /// The response payload (the function's result, or its error object).
    pub payload: bytes::Bytes,
    /// `Unhandled` (or `Handled`) when the function failed: `X-Amz-Function-Error`.
    pub function_error: Option<String>,
    /// The version that ran (`$LATEST`).
    pub executed_version: String,
}

/// Invokes a function by name, ARN or partial ARN (with an optional `:qualifier`): the HTTP API,
/// Step Functions tasks and EventBridge targets all come through here.
pub async fn invoke(
    _cloud: &Arc<Cloud>,
    _ctx: &RequestContext,
    function: &str,
    _payload: bytes::Bytes,
    _invocation_type: InvocationType,
) -> Result<Invocation, AwsError> {
    Err(AwsError::new(
        "ResourceNotFoundException",
        format!("Function not found: {function}"),
    )
    .with_status(http::StatusCode::NOT_FOUND))
}
