//! EventBridge (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json;
use crate::protocol::Response;
use crate::request::AwsRequest;

/// EventBridge's state.
#[derive(Debug)]
pub struct EventBridge {}

impl EventBridge {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        EventBridge {}
    }

    /// Applies a journaled change.
    pub fn replay(&self, _change: Value) -> Result<(), String> {
        Err("EventBridge does not persist anything yet".to_string())
    }
}

/// Serves one request.
pub async fn handle(_cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    json::serve(
        request,
        "AWSEvents",
        json::JsonVersion::V1_1,
        |op, _input| async move { Err(AwsError::unknown_operation(&op)) },
    )
    .await
}
