//! The tutorial's demo Lambda functions (Rust, lambda_runtime). Each binary in `src/bin/` is a
//! `bootstrap` for the `provided.al2023` runtime; the logic lives here so it is testable
//! without a runtime.
//!
//! - `first`: returns its input.
//! - `second`: fails (an unhandled error) when the input has no `foo`; returns its input
//!   otherwise. This is the step the resume-from-any-state tutorial fixes and resumes.
//! - `start_job`: the "start job" step of the pause/resume tutorial: returns the job id its
//!   input names (or a new one) merged with its input.

use lambda_runtime::Diagnostic;
use serde_json::{Map, Value};

/// `first`: the input, unchanged.
pub fn first(input: Value) -> Value {
    input
}

/// `second`'s failure: the input lacks `foo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFoo;

/// The `errorType` `second` reports.
pub const MISSING_FOO: &str = "MissingFooError";

impl std::fmt::Display for MissingFoo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "The input has no \"foo\" field: this step needs $.foo. Add it to the input (for example {\"foo\": \"bar\"}) and resume from this state.",
        )
    }
}

impl std::error::Error for MissingFoo {}

impl From<MissingFoo> for Diagnostic {
    fn from(error: MissingFoo) -> Diagnostic {
        Diagnostic {
            error_type: MISSING_FOO.to_string(),
            error_message: error.to_string(),
        }
    }
}

/// `second`: the input when it has `foo`, else [`MissingFoo`].
pub fn second(input: Value) -> Result<Value, MissingFoo> {
    match input.get("foo") {
        Some(_) => Ok(input),
        None => Err(MissingFoo),
    }
}

/// `start_job`: the input with its job's id at `jobId`: the id the caller gave there (a
/// string), or else `new_job_id`. An object input keeps its members; any other input is kept
/// under `input`.
pub fn start_job(input: Value, new_job_id: &str) -> Value {
    let mut out = match input {
        Value::Object(members) => members,
        Value::Null => Map::new(),
        other => Map::from_iter([("input".to_string(), other)]),
    };
    if !out.get("jobId").is_some_and(Value::is_string) {
        out.insert("jobId".to_string(), Value::String(new_job_id.to_string()));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn second_needs_foo() {
        assert_eq!(second(json!({"foo": 1})), Ok(json!({"foo": 1})));
        let diagnostic: Diagnostic = second(json!({"bar": 1})).unwrap_err().into();
        assert_eq!(diagnostic.error_type, MISSING_FOO);
        assert!(diagnostic.error_message.contains("\"foo\""));
    }

    #[test]
    fn start_job_merges_its_id_into_the_input() {
        assert_eq!(
            start_job(json!({"a": 1}), "j-1"),
            json!({"a": 1, "jobId": "j-1"})
        );
        assert_eq!(start_job(json!(null), "j"), json!({"jobId": "j"}));
        assert_eq!(start_job(json!(3), "j"), json!({"input": 3, "jobId": "j"}));
    }

    #[test]
    fn start_job_keeps_the_job_id_its_caller_names() {
        assert_eq!(
            start_job(json!({"jobId": "job-1"}), "new"),
            json!({"jobId": "job-1"})
        );
        assert_eq!(
            start_job(json!({"jobId": 7}), "new"),
            json!({"jobId": "new"})
        );
    }
}
