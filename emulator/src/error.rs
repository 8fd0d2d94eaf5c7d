//! AWS errors as the services return them: a code (`ResourceNotFoundException`), a message and an
//! HTTP status. Each protocol module renders them in its own wire shape.

use http::StatusCode;

/// One AWS error response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsError {
    /// The error code, as the service model names the shape (e.g. `ValidationException`).
    pub code: String,
    /// The human-readable message.
    pub message: String,
    /// The HTTP status.
    pub status: StatusCode,
    /// More members of the error shape, for JSON protocols (DynamoDB's
    /// `ConditionalCheckFailedException` carries the `Item`).
    pub fields: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

impl AwsError {
    /// An error with this code and message, status 400 (the client's fault).
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        AwsError {
            code: code.into(),
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
            fields: None,
        }
    }

    /// The same error with one more member in its body.
    pub fn with_field(mut self, name: &str, value: serde_json::Value) -> Self {
        self.fields
            .get_or_insert_with(Box::default)
            .insert(name.to_string(), value);
        self
    }

    /// The same error with another code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// The same error with another HTTP status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// True when the status is 5xx (the `Receiver`'s fault in awsQuery terms).
    pub fn is_server_fault(&self) -> bool {
        self.status.is_server_error()
    }

    /// `ValidationException` (400): a request that breaks the service model's constraints.
    pub fn validation(message: impl Into<String>) -> Self {
        AwsError::new("ValidationException", message)
    }

    /// `SerializationException` (400): a body that is not what the protocol expects.
    pub fn serialization(message: impl Into<String>) -> Self {
        AwsError::new("SerializationException", message)
    }

    /// `UnknownOperationException` (400): the operation is not one the service has.
    pub fn unknown_operation(operation: &str) -> Self {
        AwsError::new(
            "UnknownOperationException",
            format!("Operation '{operation}' is not supported by this emulator"),
        )
    }

    /// `InternalFailure` (500): the emulator could not do what was asked (e.g. a disk write).
    pub fn internal(message: impl Into<String>) -> Self {
        AwsError::new("InternalFailure", message).with_status(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Result of an operation.
pub type AwsResult<T> = Result<T, AwsError>;
