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

/// Parses a `--patch`: a JSON object (a JSON merge patch, RFC 7386).
pub fn parse_patch(text: &str) -> CliResult<Value> {
    let patch = parse_json(text, "--patch")?;
    if !patch.is_object() {
        return Err(CliError::usage(format!(
            "--patch must be a JSON object (a JSON merge patch), for example '{{\"foo\": \"bar\"}}'; got: {text}"
        )));
    }
    Ok(patch)
}
