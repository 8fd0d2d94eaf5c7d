//! Fail: ends its machine with an error and a cause, literal or read from a path or an
//! intrinsic function (`ErrorPath`, `CausePath`).

use serde_json::Value;

use super::StateRun;
use crate::engine::error::Failure;
use crate::engine::io::Io;
use crate::model::FailState;

pub(super) fn run(s: &StateRun<'_>, fail: &FailState, input: &Value) -> Failure {
    let io = s.io(None);
    if s.jsonata() {
        return run_jsonata(&io, input);
    }
    let field = |literal: &Option<String>, path: &Option<String>, name: &str| match (literal, path)
    {
        (Some(text), _) => Ok(Some(text.clone())),
        (None, Some(path)) => dynamic(&io, path, input, name).map(Some),
        (None, None) => Ok(None),
    };
    let error = field(&fail.error, &fail.error_path, "ErrorPath");
    let cause = field(&fail.cause, &fail.cause_path, "CausePath");
    match (error, cause) {
        (Ok(error), Ok(cause)) => Failure::raised(error, cause),
        (Err(f), _) | (_, Err(f)) => f,
    }
}

/// A JSONata Fail: `Error` and `Cause` are strings or expressions that must give strings.
fn run_jsonata(io: &Io<'_>, input: &Value) -> Failure {
    let context = |with_input| io.context_document(with_input);
    let states = io.states(input, None, None, &context);
    let field = |name: &str| -> Result<Option<String>, Failure> {
        match io.jsonata(name, &states)? {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(match io.jsonata_template(name) {
                Some(t) => t.wrong_type("string", &other),
                None => Failure::query(Some(name), format!("The {name} field is not a string")),
            }),
        }
    };
    match (field("Error"), field("Cause")) {
        (Ok(error), Ok(cause)) => Failure::raised(error, cause),
        (Err(f), _) | (_, Err(f)) => f,
    }
}

/// Reads ErrorPath or CausePath: a path (or intrinsic function) that must give a string.
fn dynamic(io: &Io<'_>, path: &str, input: &Value, field: &str) -> Result<String, Failure> {
    let value = if path.starts_with('$') {
        io.select_field(field, path, input)?
    } else {
        io.intrinsic(path, input)?
    };
    match value {
        Value::String(text) => Ok(text),
        other => Err(Failure::runtime(format!(
            "The {field} '{path}' returned a value that is not a string: {other}"
        ))),
    }
}
