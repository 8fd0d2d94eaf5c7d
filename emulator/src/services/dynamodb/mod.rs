//! DynamoDB (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json;
use crate::protocol::Response;
use crate::request::AwsRequest;

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
pub async fn handle(_cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    json::serve(
        request,
        "DynamoDB_20120810",
        json::JsonVersion::V1_0,
        |op, _input| async move { Err(AwsError::unknown_operation(&op)) },
    )
    .await
}
