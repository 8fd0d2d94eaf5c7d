//! STS (placeholder: being written).

use std::sync::Arc;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::query;
use crate::protocol::Response;
use crate::request::AwsRequest;

/// Serves one request.
pub async fn handle(_cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    query::serve(
        request,
        "https://sts.amazonaws.com/doc/2011-06-15/",
        |op, _params| async move { Err(AwsError::unknown_operation(&op)) },
    )
    .await
}
