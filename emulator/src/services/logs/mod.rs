//! CloudWatch Logs (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json;
use crate::protocol::Response;
use crate::request::AwsRequest;

/// CloudWatch Logs's state.
#[derive(Debug)]
pub struct Logs {}

impl Logs {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        Logs {}
    }

    /// Applies a journaled change.
    pub fn replay(&self, _change: Value) -> Result<(), String> {
        Err("CloudWatch Logs does not persist anything yet".to_string())
    }
}

/// Serves one request.
pub async fn handle(_cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    json::serve(
        request,
        "Logs_20140328",
        json::JsonVersion::V1_1,
        |op, _input| async move { Err(AwsError::unknown_operation(&op)) },
    )
    .await
}
