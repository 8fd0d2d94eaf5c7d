//! awsJson 1.0 / 1.1: `POST /` with `X-Amz-Target: <Prefix>.<Operation>` and a JSON body; the
//! reply is JSON, errors are `{"__type": "<Code>", "message": "…"}` with the code also in
//! `x-amzn-ErrorType`.

use std::future::Future;

use http::StatusCode;
use serde_json::{Map, Value};

use super::validation::{self, rule, Shown};
use super::{response, Response};
use crate::error::{AwsError, AwsResult};
use crate::request::{AwsRequest, RequestContext};

/// The JSON protocol version a service speaks, which is its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonVersion {
    /// `application/x-amz-json-1.0` (Step Functions, DynamoDB).
    V1_0,
    /// `application/x-amz-json-1.1` (EventBridge, Logs).
    V1_1,
}

impl JsonVersion {
    /// The content type of requests and responses.
    pub fn content_type(self) -> &'static str {
        match self {
            JsonVersion::V1_0 => "application/x-amz-json-1.0",
            JsonVersion::V1_1 => "application/x-amz-json-1.1",
        }
    }
}

/// Serves one awsJson request: finds the operation in `X-Amz-Target` (which must start with
/// `target_prefix` and a dot), parses the body as a JSON object, calls `operation` with the
/// request's context, the operation name and the input, and writes its result or error.
pub async fn serve<F, Fut>(
    request: AwsRequest,
    target_prefix: &str,
    version: JsonVersion,
    operation: F,
) -> Response
where
    F: FnOnce(RequestContext, String, Map<String, Value>) -> Fut,
    Fut: Future<Output = AwsResult<Value>>,
{
    let parsed = operation_name(&request, target_prefix).and_then(|name| {
        let body = parse_body(&request.body)?;
        Ok((name, body))
    });
    let result = match parsed {
        Ok((name, body)) => operation(request.ctx, name, body).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(value) => ok(version, &value),
        Err(err) => error(version, &err),
    }
}

/// The operation named by `X-Amz-Target`.
pub fn operation_name(request: &AwsRequest, target_prefix: &str) -> AwsResult<String> {
    let target = request.header("x-amz-target").ok_or_else(|| {
        AwsError::new(
            "UnknownOperationException",
            "Missing X-Amz-Target header: an awsJson request names its operation there",
        )
    })?;
    match target.split_once('.') {
        Some((prefix, op)) if prefix == target_prefix && !op.is_empty() => Ok(op.to_string()),
        _ => Err(AwsError::new(
            "UnknownOperationException",
            format!("X-Amz-Target '{target}' does not name an operation of {target_prefix}"),
        )),
    }
}

/// The request body as a JSON object (an empty body is `{}`).
pub fn parse_body(body: &[u8]) -> AwsResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(AwsError::serialization(
            "The request body must be a JSON object",
        )),
        Err(e) => Err(AwsError::serialization(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// A 200 reply with a JSON body.
pub fn ok(version: JsonVersion, value: &Value) -> Response {
    response(StatusCode::OK, version.content_type(), value.to_string())
}

/// An error reply: `{"__type": code, "message": message}`.
pub fn error(version: JsonVersion, err: &AwsError) -> Response {
    let mut body = err.fields.as_deref().cloned().unwrap_or_default();
    body.insert("__type".to_string(), Value::String(err.code.clone()));
    body.insert("message".to_string(), Value::String(err.message.clone()));
    let body = Value::Object(body);
    let mut reply = response(err.status, version.content_type(), body.to_string());
    if let Ok(value) = http::HeaderValue::from_str(&err.code) {
        reply.headers_mut().insert("x-amzn-ErrorType", value);
    }
    reply
}

/// Typed access to the members of an operation's input, with AWS's validation messages.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a>(pub &'a Map<String, Value>);

impl<'a> Input<'a> {
    /// A member's raw value (absent or `null` is `None`).
    pub fn get(&self, member: &str) -> Option<&'a Value> {
        self.0.get(member).filter(|v| !v.is_null())
    }

    /// A required string member.
    pub fn str(&self, member: &str) -> AwsResult<&'a str> {
        self.opt_str(member)?.ok_or_else(|| missing(member))
    }

    /// An optional string member.
    pub fn opt_str(&self, member: &str) -> AwsResult<Option<&'a str>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(member, "a string", other)),
        }
    }

    /// An optional integer member.
    pub fn opt_i64(&self, member: &str) -> AwsResult<Option<i64>> {
        match self.get(member) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(member, "an integer", v)),
        }
    }

    /// An optional boolean member.
    pub fn opt_bool(&self, member: &str) -> AwsResult<Option<bool>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(member, "a boolean", other)),
        }
    }

    /// An optional object member.
    pub fn opt_object(&self, member: &str) -> AwsResult<Option<&'a Map<String, Value>>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(wrong_type(member, "an object", other)),
        }
    }

    /// An optional list member.
    pub fn opt_array(&self, member: &str) -> AwsResult<Option<&'a Vec<Value>>> {
        match self.get(member) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(wrong_type(member, "a list", other)),
        }
    }
}

/// The ValidationException AWS returns for a required member that is absent.
pub fn missing(member: &str) -> AwsError {
    AwsError::validation(validation::message(
        &lower_first(member),
        Shown::Null,
        rule::NOT_NULL,
    ))
}

/// The SerializationException AWS returns for a member of the wrong JSON type.
pub fn wrong_type(member: &str, expected: &str, got: &Value) -> AwsError {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    AwsError::serialization(format!(
        "Member '{member}' must be {expected}, but the request has {kind}"
    ))
}

/// The strings of the list member `member`: SerializationException for an element that is not
/// one.
pub fn strings(member: &str, list: &[Value]) -> AwsResult<Vec<String>> {
    list.iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(wrong_type(member, "a list of strings", other)),
        })
        .collect()
}

/// `TableName` → `tableName`, as AWS's validation messages spell members.
pub fn lower_first(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(parse_body(b"").unwrap().is_empty());
        assert_eq!(
            parse_body(b"[1]").unwrap_err().code,
            "SerializationException"
        );
        assert_eq!(parse_body(b"{").unwrap_err().code, "SerializationException");
    }

    #[test]
    fn members_are_checked_with_aws_messages() {
        let body = json!({"TableName": 3, "Limit": 5})
            .as_object()
            .unwrap()
            .clone();
        let input = Input(&body);
        assert_eq!(input.opt_i64("Limit").unwrap(), Some(5));
        assert_eq!(
            input.str("TableName").unwrap_err().code,
            "SerializationException"
        );
        let err = input.str("Key").unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(err.message.contains("'key'"), "{}", err.message);
    }

    #[test]
    fn string_lists_refuse_other_elements() {
        assert_eq!(strings("Keys", &[json!("a")]).unwrap(), ["a"]);
        let err = strings("Keys", &[json!("a"), json!(1)]).unwrap_err();
        assert_eq!(
            err.message,
            "Member 'Keys' must be a list of strings, but the request has a number"
        );
    }
}
