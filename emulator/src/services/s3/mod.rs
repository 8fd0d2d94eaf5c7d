//! S3 (placeholder: being written).

use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::rest_xml;
use crate::protocol::Response;
use crate::request::AwsRequest;

/// S3's state.
#[derive(Debug)]
pub struct S3 {}

impl S3 {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        S3 {}
    }

    /// Applies a journaled change.
    pub fn replay(&self, _change: Value) -> Result<(), String> {
        Err("S3 does not persist anything yet".to_string())
    }

    /// An object's bytes (for Lambda code and CloudFormation artifacts): `NoSuchBucket` or
    /// `NoSuchKey` when absent.
    pub fn get_object(&self, bucket: &str, key: &str) -> Result<bytes::Bytes, AwsError> {
        Err(AwsError::new(
            "NoSuchBucket",
            format!("The specified bucket does not exist: {bucket} (key {key})"),
        )
        .with_status(http::StatusCode::NOT_FOUND))
    }
}

/// Serves one request.
pub async fn handle(_cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    rest_xml::error(
        &AwsError::unknown_operation(request.path.as_str()),
        None,
        &request.ctx.request_id,
    )
}
