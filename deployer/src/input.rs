//! Reading the user's files and JSON arguments, with messages that say what to fix.

use std::path::Path;

use serde_json::Value;

use crate::error::{CliError, CliResult};

/// Reads a file the user named with `flag`.
pub fn read_file(path: &Path, flag: &str) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read {flag} '{}': {}",
            path.display(),
            io_reason(&e)
        ))
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::InvalidData => "the file is not UTF-8 text".to_string(),
        _ => e.to_string(),
    }
}

/// Parses the JSON text given with `flag` (a file or an argument).
pub fn parse_json(text: &str, what: &str) -> CliResult<Value> {
    serde_json::from_str(text)
        .map_err(|e| CliError::usage(format!("{what} is not valid JSON: {e}")))
}

/// Parses a JSON merge patch (RFC 7386) given with `flag`: an object merges into the input
/// (`null` removes a member); any other JSON value replaces the input as a whole.
pub fn parse_patch(text: &str, flag: &str) -> CliResult<Value> {
    parse_json(text, flag).map_err(|e| {
        CliError::usage(format!(
            "{e}; a JSON merge patch is e.g. '{{\"foo\": \"bar\"}}' (or any JSON value, which \
             replaces the input)"
        ))
    })
}
