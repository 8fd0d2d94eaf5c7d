//! Errors with JSONata's codes.

use std::fmt;

/// A parse or evaluation error, with the JSONata error code (e.g. `S0201`, `T2001`, `D3030`).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// The JSONata error code.
    pub code: String,
    /// A human-readable message.
    pub message: String,
    /// The character offset in the expression, when known.
    pub position: Option<usize>,
    /// The token the error is about, when known.
    pub token: Option<String>,
}

impl Error {
    /// An error with a code and message and no position.
    pub fn new(code: &str, message: impl Into<String>) -> Error {
        Error {
            code: code.to_string(),
            message: message.into(),
            position: None,
            token: None,
        }
    }

    /// The same error at `position` (kept if one is already set).
    pub fn at(mut self, position: usize) -> Error {
        if self.position.is_none() {
            self.position = Some(position);
        }
        self
    }

    /// The same error about `token` (kept if one is already set).
    pub fn with_token(mut self, token: impl Into<String>) -> Error {
        if self.token.is_none() {
            self.token = Some(token.into());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(p) = self.position {
            write!(f, " (at {p})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Shorthand for an error value.
pub(crate) fn err(code: &str, message: impl Into<String>) -> Error {
    Error::new(code, message)
}
