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

/// Why the execution counts as resumed already, when an earlier resume of it (an execution of
/// the copy under a derived name) is running, or succeeded (unless `force`); `None` when it
/// may be resumed. A resume that failed or was stopped does not count: resuming again is how
/// to go on.
pub fn already_resumed(earlier: &[Earlier], force: bool) -> Option<String> {
    if let Some(running) = earlier.iter().find(|e| e.status == SdkStatus::Running) {
        return Some(format!(
            "this execution is being resumed already: {} is RUNNING; wait for it (or stop it) \
             before resuming again; nothing was created",
            running.arn
        ));
    }
    match earlier.iter().find(|e| e.status == SdkStatus::Succeeded) {
        Some(done) if !force => Some(format!(
            "this execution was resumed already and that resume SUCCEEDED: {}; resuming again \
             would repeat its work. Pass --force to resume anyway; nothing was created",
            done.arn
        )),
        _ => None,
    }
}

/// Why an execution that was redriven (`redrive_count` > 0) counts as resumed already: it is
/// running again, waiting to, or succeeded; `None` otherwise (never redriven, or redriven and
/// failed again, which may be resumed again).
pub fn redriven(status: &str, redrive_count: i32) -> Option<String> {
    let word = match status {
        "RUNNING" | "PENDING_REDRIVE" => "is being resumed already: it was redriven and is",
        "SUCCEEDED" => "was resumed already: it was redriven and",
        _ => return None,
    };
    (redrive_count > 0).then(|| {
        format!(
            "this execution {word} {status} (redriveCount {redrive_count}); nothing was changed"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redriven_execution_running_or_succeeded_is_resumed_already() {
        assert!(redriven("RUNNING", 1)
            .unwrap()
            .contains("being resumed already"));
        assert!(redriven("SUCCEEDED", 2).unwrap().contains("redriveCount 2"));
        assert!(redriven("PENDING_REDRIVE", 1).is_some());
        assert_eq!(redriven("FAILED", 3), None);
        assert_eq!(redriven("SUCCEEDED", 0), None);
    }

    #[test]
    fn earlier_resumes_running_or_succeeded_count() {
        let earlier = |status| Earlier {
            arn: "arn:aws:states:us-east-1:123456789012:execution:m-with-GoToState:e-resume-1"
                .into(),
            status,
        };
        assert!(already_resumed(&[earlier(SdkStatus::Running)], true).is_some());
        assert!(already_resumed(&[earlier(SdkStatus::Succeeded)], false).is_some());
        assert_eq!(
            already_resumed(&[earlier(SdkStatus::Succeeded)], true),
            None
        );
        assert_eq!(already_resumed(&[earlier(SdkStatus::Failed)], false), None);
    }
}
