//! RedriveExecution, and what DescribeExecution and ListExecutions say of redrives.
//!
//! An execution's redrives are in its history (`ExecutionRedriven` events, journaled like
//! every event), so the count and date survive a restart; the client tokens of the last 15
//! minutes are kept in memory only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use asl::history::{last_redrive, redrive_count, ExecutionStatus, HistoryEvent};
use serde_json::{json, Map, Value};

use super::executions::{engine_error, engine_request, find_execution};
use super::model::{Execution, MachineType};
use super::{api::now, names};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::json::Input;
use crate::protocol::validation::{constraint, rule};

/// How long after it ended an execution can be redriven (14 days), in seconds.
const REDRIVABLE_SECONDS: f64 = 14.0 * 86_400.0;
/// The longest an execution may stay open, redrives included (1 year), in seconds.
const MAX_OPEN_SECONDS: f64 = 365.0 * 86_400.0;
/// A redrive needs room for `ExecutionRedriven` and one more event under the 25,000 limit.
const MAX_EVENTS_TO_REDRIVE: usize = 24_998;
/// How many client tokens of an execution answer idempotently, and for how long.
const TOKENS_KEPT: usize = 10;
const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// A client token that redrove an execution: the redrive date it answers, and when it came.
#[derive(Debug)]
struct Used {
    token: String,
    date: f64,
    at: Instant,
}

/// The client tokens that redrove each execution lately.
#[derive(Debug, Default)]
pub struct ClientTokens(Mutex<HashMap<String, Vec<Used>>>);

impl ClientTokens {
    /// The redrive date `token` answered for `arn` within the last 15 minutes.
    fn answered(&self, arn: &str, token: &str) -> Option<f64> {
        let tokens = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        tokens
            .get(arn)?
            .iter()
            .find(|used| used.token == token && used.at.elapsed() < TOKEN_LIFETIME)
            .map(|used| used.date)
    }

    /// Remembers that `token` redrove `arn` at `date` (the last ten only).
    fn remember(&self, arn: &str, token: &str, date: f64) {
        let mut tokens = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = tokens.entry(arn.to_string()).or_default();
        kept.retain(|used| used.at.elapsed() < TOKEN_LIFETIME);
        kept.push(Used {
            token: token.to_string(),
            date,
            at: Instant::now(),
        });
        if kept.len() > TOKENS_KEPT {
            kept.remove(0);
        }
    }
}

/// Why the execution cannot be redriven now, in AWS's words (`None`: it can).
fn not_redrivable(
    execution: &Execution,
    history: &[HistoryEvent],
    machine_exists: bool,
    now: f64,
) -> Option<String> {
    let outcome = execution.outcome();
    if execution.record.machine_type == MachineType::Express {
        return Some("Execution is of type EXPRESS and cannot be redriven".into());
    }
    if !machine_exists {
        return Some("State machine is in DELETING status".into());
    }
    match outcome.status {
        ExecutionStatus::Running | ExecutionStatus::Succeeded => {
            return Some(format!(
                "Execution is {} and cannot be redriven",
                outcome.status.as_str()
            ))
        }
        _ => {}
    }
    if history.len() > MAX_EVENTS_TO_REDRIVE {
        return Some("Execution history event limit exceeded".into());
    }
    let stopped = outcome.stop_date.unwrap_or(now);
    if now - execution.record.start_date > MAX_OPEN_SECONDS {
        return Some("Execution has exceeded the max execution time".into());
    }
    if now - stopped > REDRIVABLE_SECONDS {
        return Some("Execution redrivable period exceeded".into());
    }
    None
}

/// Adds `redriveCount` and, once redriven, `redriveDate` (DescribeExecution and
/// ListExecutions items).
pub fn add_counts(out: &mut Map<String, Value>, history: &[HistoryEvent]) {
    out.insert("redriveCount".into(), json!(redrive_count(history)));
    if let Some(last) = last_redrive(history) {
        out.insert("redriveDate".into(), last.timestamp.clone());
    }
}

/// Adds DescribeExecution's `redriveStatus` and, when it cannot be redriven,
/// `redriveStatusReason`. `machine_exists`: whether its state machine still exists (asked
/// before reading the history: the service's lock is never taken under a history's).
pub fn add_status(
    out: &mut Value,
    execution: &Execution,
    history: &[HistoryEvent],
    machine_exists: bool,
) {
    match not_redrivable(execution, history, machine_exists, now()) {
        None => out["redriveStatus"] = json!("REDRIVABLE"),
        Some(reason) => {
            out["redriveStatus"] = json!("NOT_REDRIVABLE");
            out["redriveStatusReason"] = json!(reason);
        }
    }
}

/// ListExecutions' `redriveFilter`: which executions it keeps (`None`: all).
pub fn filter(input: Input<'_>) -> AwsResult<Option<bool>> {
    match input.opt_str("redriveFilter")? {
        None => Ok(None),
        Some("REDRIVEN") => Ok(Some(true)),
        Some("NOT_REDRIVEN") => Ok(Some(false)),
        Some(other) => Err(constraint(
            "redriveFilter",
            other,
            &rule::one_of(&["REDRIVEN", "NOT_REDRIVEN"]),
        )),
    }
}

/// Whether the history was redriven.
pub fn was_redriven(history: &[HistoryEvent]) -> bool {
    last_redrive(history).is_some()
}

/// Whether the state machine `arn` exists (takes the service's lock: never call it while
/// reading a history).
pub fn machine_exists(cloud: &Cloud, arn: &str) -> bool {
    cloud.states.store.reader().machines.contains_key(arn)
}

/// RedriveExecution.
pub fn redrive_execution(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let arn = input.str("executionArn")?;
    let token = input.opt_str("clientToken")?;
    if let Some(token) = token {
        if token.len() > 64 {
            return Err(constraint("clientToken", token, &rule::max_length(64)));
        }
        let printable = token.bytes().all(|b| (b'!'..=b'~').contains(&b));
        if token.is_empty() || !printable {
            return Err(constraint("clientToken", token, &rule::pattern("[!-~]+")));
        }
    }
    names::check_execution_arn(arn)?;
    let sfn = &cloud.states;
    if let Some(date) = token.and_then(|t| sfn.client_tokens().answered(arn, t)) {
        find_execution(cloud, arn)?;
        return Ok(json!({ "redriveDate": date }));
    }
    let mut state = sfn.store.writer(cloud);
    let execution = state
        .executions
        .get(arn)
        .cloned()
        .ok_or_else(|| super::executions::execution_does_not_exist(arn))?;
    let history = execution.history();
    let exists = state
        .machines
        .contains_key(&execution.record.state_machine_arn);
    if let Some(reason) = not_redrivable(&execution, &history, exists, now()) {
        // AWS's message is the reason DescribeExecution gives as redriveStatusReason.
        return Err(AwsError::new("ExecutionNotRedrivable", reason));
    }
    let record = execution.record;
    let input: Value = serde_json::from_str(&record.input).unwrap_or(Value::Null);
    let request = engine_request(&record, input, sfn.machines())?;
    let redriven = sfn
        .engine()
        .redrive(request, history)
        .map_err(engine_error)?;
    // The date of the ExecutionRedriven event just recorded, read in place.
    let date = redriven
        .with_history(|h| last_redrive(h).and_then(|e| e.timestamp.as_f64()))
        .unwrap_or_else(now);
    if let Some(token) = token {
        sfn.client_tokens().remember(arn, token, date);
    }
    state.live().insert_live(record, redriven);
    Ok(json!({ "redriveDate": date }))
}
