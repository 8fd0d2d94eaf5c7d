//! Template errors, worded as CloudFormation words them (`Template format error: …`), and the AWS
//! error each one is reported as.

use crate::error::AwsError;

/// Which AWS error a template problem is reported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `ValidationError` (400): the template, or the parameters given for it, are invalid.
    Validation,
    /// `InsufficientCapabilitiesException` (400): the template needs capabilities not acknowledged.
    InsufficientCapabilities,
}

/// A problem with a template, its parameters or the evaluation of its intrinsic functions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// The AWS error this is reported as.
    pub kind: ErrorKind,
    /// The message, exactly as CloudFormation writes it.
    pub message: String,
}

impl TemplateError {
    /// A `ValidationError` with this exact message.
    pub fn validation(message: impl Into<String>) -> Self {
        TemplateError {
            kind: ErrorKind::Validation,
            message: message.into(),
        }
    }

    /// `Template format error: <detail>`: the template's structure is wrong.
    pub fn format(detail: impl std::fmt::Display) -> Self {
        Self::validation(format!("Template format error: {detail}"))
    }

    /// `Template error: <detail>`: an intrinsic function or a declaration is used wrongly.
    pub fn template(detail: impl std::fmt::Display) -> Self {
        Self::validation(format!("Template error: {detail}"))
    }

    /// `Template format error: Unresolved resource dependencies [A, B] in the <block> block of
    /// the template`: references to names the template does not declare.
    pub fn unresolved(names: &[String], block: &str) -> Self {
        Self::format(format!(
            "Unresolved resource dependencies [{}] in the {block} block of the template",
            names.join(", ")
        ))
    }

    /// `InsufficientCapabilitiesException`: `Requires capabilities : [CAPABILITY_IAM]`.
    pub fn capabilities(missing: &[String]) -> Self {
        TemplateError {
            kind: ErrorKind::InsufficientCapabilities,
            message: format!("Requires capabilities : [{}]", missing.join(", ")),
        }
    }

    /// The AWS error code (`ValidationError`, `InsufficientCapabilitiesException`).
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Validation => "ValidationError",
            ErrorKind::InsufficientCapabilities => "InsufficientCapabilitiesException",
        }
    }
}

impl From<TemplateError> for AwsError {
    fn from(err: TemplateError) -> Self {
        AwsError::new(err.code(), err.message)
    }
}

/// Result of template operations.
pub type Result<T> = std::result::Result<T, TemplateError>;
