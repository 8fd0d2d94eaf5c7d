//! restJson1: the operation is the method and path; bodies are JSON; errors carry their code in
//! `x-amzn-ErrorType` and a body `{"Type": "User", "Message": "…"}`.

use http::StatusCode;
use serde_json::Value;

use super::{response, Response};
use crate::error::AwsError;

/// A reply with a status and a JSON body.
pub fn ok(status: StatusCode, value: &Value) -> Response {
    response(status, "application/json", value.to_string())
}

/// An empty reply (e.g. 204 No Content).
pub fn empty(status: StatusCode) -> Response {
    response(status, "application/json", bytes::Bytes::new())
}

/// An error reply.
pub fn error(err: &AwsError) -> Response {
    let body = serde_json::json!({
        "Type": if err.is_server_fault() { "Service" } else { "User" },
        "Message": err.message,
    });
    let mut reply = response(err.status, "application/json", body.to_string());
    if let Ok(value) = http::HeaderValue::from_str(&err.code) {
        reply.headers_mut().insert("x-amzn-ErrorType", value);
    }
    reply
}
