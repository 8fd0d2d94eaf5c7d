//! Errors the commands report, and the exit status each one means.

use std::fmt;

/// What went wrong, split by who has to act: the user (bad input, exit 2) or nobody in
/// particular (an operation failed, exit 1).
#[derive(Debug)]
pub enum CliError {
    /// Bad usage or bad input: nothing was changed. Exit status 2.
    Usage(String),
    /// The operation was attempted and failed. Exit status 1.
    Failed(String),
}

impl CliError {
    /// A bad-input error.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CliError {}

/// Result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;
