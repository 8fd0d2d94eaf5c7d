//! Step Functions (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json;
use crate::protocol::Response;
use crate::request::{AwsRequest, RequestContext};

/// Step Functions's state.
#[derive(Debug)]
pub struct StepFunctions {}

impl StepFunctions {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        StepFunctions {}
    }

    /// Applies a journaled change.
    pub fn replay(&self, _change: Value) -> Result<(), String> {
        Err("Step Functions does not persist anything yet".to_string())
    }

    /// Continues executions that were running when the state was saved.
    pub fn after_replay(&self) {}
}

/// Serves one request.
pub async fn handle(cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    let request_ctx = request.ctx.clone();
    json::serve(
        request,
        "AWSStepFunctions",
        json::JsonVersion::V1_0,
        |op, input| async move { call(cloud, &request_ctx, &op, input).await },
    )
    .await
}

/// Runs one Step Functions operation on its JSON input: the HTTP API and other services (Step
/// Functions tasks, EventBridge targets) both come through here.
pub async fn call(
    _cloud: &Arc<Cloud>,
    _ctx: &RequestContext,
    operation: &str,
    _input: Map<String, Value>,
) -> Result<Value, AwsError> {
    Err(AwsError::unknown_operation(operation))
}
