//! IAM (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::query;
use crate::protocol::Response;
use crate::request::AwsRequest;

/// IAM's state.
#[derive(Debug)]
pub struct Iam {}

impl Iam {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        Iam {}
    }

    /// Applies a journaled change.
    pub fn replay(&self, _change: Value) -> Result<(), String> {
        Err("IAM does not persist anything yet".to_string())
    }
}

/// Serves one request.
pub async fn handle(_cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    query::serve(
        request,
        "https://iam.amazonaws.com/doc/2010-05-08/",
        |op, _params| async move { Err(AwsError::unknown_operation(&op)) },
    )
    .await
}
