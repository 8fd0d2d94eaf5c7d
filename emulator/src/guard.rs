//! One request's panic stays that request's: the handler's future runs under `catch_unwind`,
//! and a panic answers that request with a 500 in its service's protocol while the process
//! keeps serving every other client and execution.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use crate::error::AwsError;
use crate::protocol::{json, query, rest_json, rest_xml, Response};
use crate::services::registry::{self, Protocol};

/// Runs `handler`; a panic in it becomes a 500 `InternalFailure` (S3: `InternalError`,
/// Lambda: `ServiceException`) in the protocol of `service`.
pub async fn guarded(
    service: &str,
    request_id: &str,
    handler: impl Future<Output = Response>,
) -> Response {
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(reply) => reply,
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_string());
            eprintln!("emulator: request {request_id} to {service} panicked: {why}");
            internal_error(service, request_id)
        }
    }
}

/// The 500 reply for a request whose handler failed, shaped as `service` shapes errors.
fn internal_error(service: &str, request_id: &str) -> Response {
    let message = "We encountered an internal error. Please try again.";
    let err = |code: &str| AwsError::internal(message).with_code(code);
    match (service, registry::find(service).map(|r| &r.protocol)) {
        ("s3", _) => rest_xml::error(&err("InternalError"), None, request_id),
        (_, Some(Protocol::Rest(_))) => rest_json::error(&err("ServiceException")),
        (_, Some(Protocol::AwsQuery { namespace, .. })) => {
            query::error(namespace, &err("InternalFailure"), request_id)
        }
        (_, Some(Protocol::AwsJson { version, .. })) => {
            json::error(*version, &err("InternalFailure"))
        }
        (_, None) => json::error(json::JsonVersion::V1_0, &err("InternalFailure")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn panicking() -> Response {
        panic!("boom")
    }

    async fn body_of(service: &str) -> (http::StatusCode, String, http::HeaderMap) {
        let reply = guarded(service, "req-1", panicking()).await;
        let (parts, body) = reply.into_parts();
        (
            parts.status,
            String::from_utf8_lossy(&body).into_owned(),
            parts.headers,
        )
    }

    #[tokio::test]
    async fn a_panic_is_a_500_in_the_services_protocol() {
        let (status, body, _) = body_of("s3").await;
        assert_eq!(status, 500);
        assert!(body.contains("<Code>InternalError</Code>"), "{body}");
        let (status, body, _) = body_of("states").await;
        assert_eq!(status, 500);
        assert!(body.contains("InternalFailure"), "{body}");
        let (_, body, _) = body_of("sts").await;
        assert!(body.contains("<Code>InternalFailure</Code>"), "{body}");
        assert!(body.contains("<Type>Receiver</Type>"), "{body}");
        let (status, _, headers) = body_of("lambda").await;
        assert_eq!(status, 500);
        assert_eq!(headers["x-amzn-ErrorType"], "ServiceException");
    }

    #[tokio::test]
    async fn a_reply_passes_through() {
        let ok = async { rest_json::empty(http::StatusCode::NO_CONTENT) };
        assert_eq!(guarded("lambda", "r", ok).await.status(), 204);
    }
}
