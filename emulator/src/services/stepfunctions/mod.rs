//! Step Functions (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json;
use crate::protocol::Response;
use crate::request::AwsRequest;

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
pub async fn handle(_cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    json::serve(
        request,
        "AWSStepFunctions",
        json::JsonVersion::V1_0,
        |op, _input| async move { Err(AwsError::unknown_operation(&op)) },
    )
    .await
}
