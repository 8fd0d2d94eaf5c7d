//! The HTTP front door: one listener for every service. Each request is routed by its SigV4
//! credential scope to a service, which reads it in that service's protocol.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use bytes::Bytes;
use http::StatusCode;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::{json, Response};
use crate::request::{new_request_id, AwsRequest, RequestContext};
use crate::routing::route;
use crate::services;

/// The largest request body the listener reads (services enforce their own, smaller limits
/// with their own error codes).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The router serving every service.
pub fn router(cloud: Arc<Cloud>) -> axum::Router {
    axum::Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(cloud)
}

async fn handle(
    State(cloud): State<Arc<Cloud>>,
    request: http::Request<Body>,
) -> http::Response<Body> {
    let (parts, body) = request.into_parts();
    let request_id = new_request_id();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let err = AwsError::new(
                "RequestEntityTooLarge",
                format!("The request body is larger than {MAX_BODY_BYTES} bytes"),
            )
            .with_status(StatusCode::PAYLOAD_TOO_LARGE);
            return finish(json::error(json::JsonVersion::V1_0, &err), &request_id);
        }
    };
    let query = parts.uri.query().unwrap_or_default().to_string();
    let Some(found) = route(&parts.headers, &query) else {
        let err = AwsError::new(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token: sign the request with SigV4 (any access key works); its credential scope names the service",
        )
        .with_status(StatusCode::FORBIDDEN);
        return finish(json::error(json::JsonVersion::V1_0, &err), &request_id);
    };
    let request = AwsRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query,
        headers: parts.headers,
        body,
        ctx: RequestContext {
            service: found.service,
            region: found.region,
            request_id: request_id.clone(),
        },
    };
    let service = request.ctx.service.clone();
    let dispatched = services::registry::dispatch(&cloud, request);
    let reply = crate::guard::guarded(&service, &request_id, dispatched).await;
    finish(reply, &request_id)
}

/// Adds the request id headers every AWS reply carries.
fn finish(mut reply: Response, request_id: &str) -> http::Response<Body> {
    if let Ok(value) = http::HeaderValue::from_str(request_id) {
        let headers = reply.headers_mut();
        headers.insert("x-amzn-RequestId", value.clone());
        headers.insert("x-amz-request-id", value);
    }
    reply.map(|bytes: Bytes| Body::from(bytes))
}
