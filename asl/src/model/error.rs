//! Errors raised while parsing a definition.

use std::fmt;

/// A definition that could not be parsed: where (a JSON-pointer-like location such as
/// `/States/Parallel 2/Branches/0/States/Step/Retry/0/MaxAttempts`), the state involved if any,
/// and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Location of the offending value inside the definition.
    pub location: String,
    /// The state the problem belongs to, if it is inside a state.
    pub state: Option<String>,
    /// The field that is wrong, if one can be named.
    pub field: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(location: &str, message: impl Into<String>) -> Self {
        ParseError {
            location: location.to_string(),
            state: None,
            field: None,
            message: message.into(),
        }
    }

    pub(crate) fn in_state(mut self, state: &str) -> Self {
        if self.state.is_none() {
            self.state = Some(state.to_string());
        }
        self
    }

    pub(crate) fn with_field(mut self, field: impl Into<String>) -> Self {
        if self.field.is_none() {
            self.field = Some(field.into());
        }
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.state, &self.field) {
            (Some(s), Some(field)) => write!(f, "state '{s}', field '{field}': {}", self.message)?,
            (Some(s), None) => write!(f, "state '{s}': {}", self.message)?,
            (None, Some(field)) => write!(f, "field '{field}': {}", self.message)?,
            (None, None) => write!(f, "{}", self.message)?,
        }
        write!(
            f,
            " (at {})",
            if self.location.is_empty() {
                "/"
            } else {
                &self.location
            }
        )
    }
}

impl std::error::Error for ParseError {}

/// Escapes a key for use in a location string (JSON pointer rules).
pub(crate) fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
