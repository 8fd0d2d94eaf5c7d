//! Lambda (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::rest_json;
use crate::protocol::Response;
use crate::request::AwsRequest;

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
