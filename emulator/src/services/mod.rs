//! One module per emulated service. Each has its state and behaviour (`model.rs`) apart from its
//! wire protocol (`api.rs`); `handle` serves a request routed to it.

pub mod cloudformation;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod s3;
pub mod stepfunctions;
pub mod store;
pub mod sts;

use std::sync::Arc;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::{json, Response};
use crate::request::AwsRequest;

/// The signing names of the services this emulator answers.
pub const SERVICES: &[&str] = &[
    "states",
    "lambda",
    "dynamodb",
    "events",
    "iam",
    "s3",
    "sts",
    "logs",
    "cloudformation",
];

/// Sends a request to the service its credential scope names.
pub async fn dispatch(cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    match request.ctx.service.as_str() {
        "states" => stepfunctions::handle(cloud, request).await,
        "lambda" => lambda::handle(cloud, request).await,
        "dynamodb" => dynamodb::handle(cloud, request).await,
        "events" => events::handle(cloud, request).await,
        "iam" => iam::handle(cloud, request).await,
        "s3" => s3::handle(cloud, request).await,
        "sts" => sts::handle(cloud, request).await,
        "logs" => logs::handle(cloud, request).await,
        "cloudformation" => cloudformation::handle(cloud, request).await,
        other => {
            let err = AwsError::new(
                "UnknownServiceException",
                format!(
                    "This emulator does not emulate the service '{other}'; it answers {}",
                    SERVICES.join(", ")
                ),
            );
            json::error(json::JsonVersion::V1_0, &err)
        }
    }
}
