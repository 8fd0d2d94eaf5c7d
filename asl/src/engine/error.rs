//! Errors raised while running states, named as AWS names them, and how Retry and Catch match
//! them.

use serde_json::{json, Value};

use crate::path::PathError;

/// `States.ALL`: matches every error except the terminal ones.
pub(crate) const STATES_ALL: &str = "States.ALL";
/// `States.TaskFailed`: matches every error except timeouts and the terminal ones.
pub(crate) const STATES_TASK_FAILED: &str = "States.TaskFailed";
/// Evaluation errors (paths, templates, bad values): never retried, never caught by States.ALL.
pub(crate) const STATES_RUNTIME: &str = "States.Runtime";
/// A payload over 256 KiB: never caught by States.ALL.
pub(crate) const STATES_DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
/// A task or execution that ran past its TimeoutSeconds.
pub(crate) const STATES_TIMEOUT: &str = "States.Timeout";
/// A task that sent no heartbeat within HeartbeatSeconds.
pub(crate) const STATES_HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
/// A Choice state where no rule matched and there is no Default.
pub(crate) const STATES_NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
/// A JSONata expression that failed, returned nothing or returned a value of the wrong type.
pub(crate) const STATES_QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
/// A Map state whose failed iterations exceeded the tolerated threshold.
pub(crate) const STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD: &str =
    "States.ExceedToleratedFailureThreshold";

/// An error raised by a state: the error name and cause that end up in the history, in the
/// Catch output (`{"Error", "Cause"}`) and in ExecutionFailed. A Fail state may leave either out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub error: Option<String>,
    pub cause: Option<String>,
    /// True for evaluation errors whose cause still needs the state prefix.
    pub needs_prefix: bool,
    /// For failures of a JSONata state's evaluation: the state records an `EvaluationFailed`
    /// event, with the field that failed (`Output/result`) when there is one.
    pub evaluation: Option<Option<String>>,
}

impl Failure {
    /// A failure with an error name and an optional cause.
    pub fn new(error: impl Into<String>, cause: Option<String>) -> Self {
        Failure {
            error: Some(error.into()),
            cause,
            needs_prefix: false,
            evaluation: None,
        }
    }

    /// An error raised by a state (no state prefix to add), with its optional cause.
    pub fn raised(error: Option<String>, cause: Option<String>) -> Self {
        Failure {
            error,
            cause,
            needs_prefix: false,
            evaluation: None,
        }
    }

    /// An evaluation error named `error`; the state it happened in is prefixed later.
    pub fn runtime_named(error: &str, cause: impl Into<String>) -> Self {
        Failure {
            error: Some(error.to_string()),
            cause: Some(cause.into()),
            needs_prefix: true,
            evaluation: None,
        }
    }

    /// A `States.QueryEvaluationError` of a JSONata state, in the field at `location`
    /// (`Output/result`) when there is one, recorded as an `EvaluationFailed` event.
    pub fn query(location: Option<&str>, cause: impl Into<String>) -> Self {
        Failure {
            evaluation: Some(location.map(str::to_string)),
            ..Failure::runtime_named(STATES_QUERY_EVALUATION_ERROR, cause)
        }
    }

    /// A `States.Runtime` evaluation error; the state it happened in is prefixed later.
    pub fn runtime(cause: impl Into<String>) -> Self {
        Failure::runtime_named(STATES_RUNTIME, cause)
    }

    /// An error of the path layer (`States.Runtime` or `States.IntrinsicFailure`).
    pub fn from_path(e: &PathError) -> Self {
        Failure::runtime_named(e.error(), e.cause())
    }

    /// Adds AWS's `An error occurred while executing the state …` prefix to an evaluation
    /// error raised in `state`, entered at event `entered_id`.
    pub fn in_state(mut self, state: &str, entered_id: i64) -> Self {
        if self.needs_prefix {
            self.needs_prefix = false;
            let cause = self.cause.take().unwrap_or_default();
            self.cause = Some(format!(
                "An error occurred while executing the state '{state}' (entered at the event id #{entered_id}). {cause}"
            ));
        }
        self
    }

    /// The error name, or "" when there is none.
    pub fn error_name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    /// The value a Catch places at its ResultPath.
    pub fn error_output(&self) -> Value {
        json!({
            "Error": self.error.clone().unwrap_or_default(),
            "Cause": self.cause.clone().unwrap_or_default(),
        })
    }

    /// Whether a Retry or Catch entry with these `ErrorEquals` handles this error.
    pub fn matches(&self, error_equals: &[String]) -> bool {
        let name = self.error_name();
        let terminal = name == STATES_RUNTIME || name == STATES_DATA_LIMIT_EXCEEDED;
        error_equals.iter().any(|e| match e.as_str() {
            STATES_ALL => !terminal,
            STATES_TASK_FAILED => {
                !terminal && name != STATES_TIMEOUT && name != STATES_HEARTBEAT_TIMEOUT
            }
            other => other == name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_like_aws() {
        let lambda = Failure::new("Lambda.Unknown", None);
        assert!(lambda.matches(&names(&["States.ALL"])));
        assert!(lambda.matches(&names(&["States.TaskFailed"])));
        assert!(lambda.matches(&names(&["X", "Lambda.Unknown"])));
        assert!(!lambda.matches(&names(&["Lambda.ServiceException"])));
        let timeout = Failure::new(STATES_TIMEOUT, None);
        assert!(timeout.matches(&names(&["States.ALL"])));
        assert!(!timeout.matches(&names(&["States.TaskFailed"])));
        let runtime = Failure::runtime("bad path");
        assert!(!runtime.matches(&names(&["States.ALL"])));
        assert!(runtime.matches(&names(&["States.Runtime"])));
    }

    #[test]
    fn prefixes_evaluation_errors_once() {
        let f = Failure::runtime("The thing.")
            .in_state("S", 2)
            .in_state("Outer", 1);
        assert_eq!(
            f.cause.as_deref(),
            Some("An error occurred while executing the state 'S' (entered at the event id #2). The thing.")
        );
        assert_eq!(
            Failure::new("E", None).error_output(),
            json!({"Error": "E", "Cause": ""})
        );
    }
}
