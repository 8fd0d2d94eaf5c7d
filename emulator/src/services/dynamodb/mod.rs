//! DynamoDB (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json;
use crate::protocol::Response;
use crate::request::{AwsRequest, RequestContext};

/// DynamoDB's state.
#[derive(Debug)]
pub struct DynamoDb {}

impl DynamoDb {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        DynamoDb {}
    }

    /// Applies a journaled change.
    pub fn replay(&self, _change: Value) -> Result<(), String> {
        Err("DynamoDB does not persist anything yet".to_string())
    }
}

/// Serves one request.
pub async fn handle(cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    let request_ctx = request.ctx.clone();
    json::serve(
        request,
        "DynamoDB_20120810",
        json::JsonVersion::V1_0,
        |op, input| async move { call(cloud, &request_ctx, &op, input).await },
    )
    .await
}

/// Runs one DynamoDB operation on its JSON input: the HTTP API and other services (Step
/// Functions tasks, EventBridge targets) both come through here.
pub async fn call(
    _cloud: &Arc<Cloud>,
    _ctx: &RequestContext,
    operation: &str,
    _input: Map<String, Value>,
) -> Result<Value, AwsError> {
    Err(AwsError::unknown_operation(operation))
}
