//! What the plan must tell the user because a copy cannot be exactly the original: context
//! values that change in a copy, and timeouts that would expire again.

use serde::Serialize;
use serde_json::Value;

use crate::history::ExecutionStatus;
use crate::model::{Definition, StateKind};

/// Context object members that necessarily differ in the resumed copy, in both query languages.
const CHANGING_CONTEXT: [(&str, &str); 3] = [
    ("Execution.Name", "the resumed execution has its own name"),
    ("Execution.StartTime", "the resumed execution starts later"),
    ("Execution.Id", "the resumed execution has its own ARN"),
];

/// Warnings about context values the definition reads that will differ in the copy.
pub fn context_references(definition: &Definition) -> Vec<String> {
    let text = definition.to_value().to_string();
    CHANGING_CONTEXT
        .iter()
        .filter(|(member, _)| {
            text.contains(&format!("$$.{member}"))
                || text.contains(&format!("$states.context.{member}"))
        })
        .map(|(member, why)| {
            format!("the definition reads $$.{member}, which differs in the resumed copy ({why})")
        })
        .collect()
}

/// The warning for a definition that reads the state's name, when the once-only copy of
/// `resume_state` renames the states inside it (names are unique in a definition).
pub fn renamed_state_names(definition: &Definition, resume_state: &str) -> Option<String> {
    let text = definition.to_value().to_string();
    let reads = text.contains("$$.State.Name") || text.contains("$states.context.State.Name");
    reads.then(|| {
        format!(
            "the definition reads $$.State.Name, which differs once in the resumed copy: the \
             states inside '{resume_state}' run there, that one time, under new names ending \
             in '{}'",
            super::COPY_MARK
        )
    })
}

/// Which timeout expired, its budget, and what the copy gets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeoutPlan {
    /// `execution` (the machine's TimeoutSeconds) or the state whose TimeoutSeconds expired.
    pub expired: String,
    /// The budget that expired, in seconds (when the definition says it).
    pub budget_seconds: Option<u64>,
    /// The copy's TimeoutSeconds (`--timeout-seconds`), if changed.
    pub new_seconds: Option<u64>,
}

/// The timeout that ended the execution, if one did: the machine's for TIMED_OUT, the failed
/// state's for a `States.Timeout` error.
pub fn expired_timeout(
    definition: &Definition,
    status: ExecutionStatus,
    error: Option<&str>,
    failed_state: &str,
) -> Option<TimeoutPlan> {
    if status == ExecutionStatus::TimedOut {
        return Some(TimeoutPlan {
            expired: "execution".to_string(),
            budget_seconds: definition.timeout_seconds,
            new_seconds: None,
        });
    }
    if error != Some("States.Timeout") {
        return None;
    }
    let state = definition
        .walk()
        .into_iter()
        .find(|(_, name, _)| *name == failed_state)
        .map(|(_, _, s)| s)?;
    let budget = match &state.kind {
        StateKind::Task(task) => task.timeout_seconds,
        _ => state.extra.get("TimeoutSeconds").and_then(Value::as_u64),
    };
    Some(TimeoutPlan {
        expired: failed_state.to_string(),
        budget_seconds: budget,
        new_seconds: None,
    })
}
