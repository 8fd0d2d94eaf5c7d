//! What is refused before anything is created: histories cut short, machines that cannot be
//! resumed (EXPRESS), and executions whose resume already succeeded or is running.

use asl::history::{ExecutionStatus, History};
use aws_sdk_sfn::types::ExecutionStatus as SdkStatus;

use crate::aws::sfn::resumes::Earlier;
use crate::error::{CliError, CliResult};

/// Checks that a history holds every event of an ended execution: ids from 1 without a gap,
/// and the terminal event. `next_token` says the saved pages still pointed at more.
pub fn complete(history: &History, next_token: bool) -> Result<(), String> {
    let gap = history
        .events
        .iter()
        .enumerate()
        .find(|(i, e)| e.id != *i as i64 + 1)
        .map(|(i, _)| i as i64 + 1);
    let ended = history.status() != ExecutionStatus::Running;
    match (gap, ended) {
        (Some(id), _) => Err(format!(
            "the history is incomplete: event {id} is missing (save every page of \
             GetExecutionHistory, following nextToken)"
        )),
        (None, false) if next_token => Err(
            "the history is incomplete: it ends with a nextToken (save every page of \
             GetExecutionHistory, following nextToken until there is none)"
                .to_string(),
        ),
        _ => Ok(()),
    }
}

/// Refuses an EXPRESS machine's execution, whatever the ARN looks like.
pub fn standard(machine_type: &str, arn: &str) -> CliResult {
    if machine_type == "EXPRESS" {
        return Err(CliError::usage(format!(
            "{arn} is an execution of an EXPRESS state machine: Step Functions keeps no \
             execution history for it, so there is nothing to resume from; nothing was created"
        )));
    }
    Ok(())
}

/// Refuses when an earlier resume of the same execution is running, or succeeded (unless
/// `force`).
pub fn not_resumed(earlier: &[Earlier], force: bool) -> CliResult {
    if let Some(running) = earlier.iter().find(|e| e.status == SdkStatus::Running) {
        return Err(CliError::usage(format!(
            "this execution is being resumed already: {} is RUNNING; wait for it (or stop it) \
             before resuming again; nothing was created",
            running.arn
        )));
    }
    match earlier.iter().find(|e| e.status == SdkStatus::Succeeded) {
        Some(done) if !force => Err(CliError::usage(format!(
            "this execution was resumed already and that resume SUCCEEDED: {}; resuming again \
             would repeat its work. Pass --force to resume anyway; nothing was created",
            done.arn
        ))),
        _ => Ok(()),
    }
}
