//! Step Functions calls of `deployer resume`: the failed execution (status, every page of its
//! history, the exact definition it ran), the resumed copy (created or updated), and starting
//! and following the copy's execution.

pub mod arn;
pub mod copy;
mod events;
pub mod list;
pub mod redrive;
pub mod resumes;

use asl::history::History;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput;
use aws_sdk_sfn::operation::describe_state_machine_for_execution::DescribeStateMachineForExecutionOutput;
use aws_sdk_sfn::operation::get_execution_history::GetExecutionHistoryOutput;
use serde_json::Value;

use super::retry::throttled;
use super::{error_code, Aws, Backoff};
use crate::error::{CliError, CliResult};

pub use copy::{save_copy, Copy, Saved, SOURCE_TAG};
/// GetExecutionHistory's largest page.
const HISTORY_PAGE: i32 = 1000;

/// DescribeExecution; an execution that does not exist is bad input.
pub async fn describe_execution(aws: &Aws, arn: &str) -> CliResult<DescribeExecutionOutput> {
    let sfn = aws.sfn();
    match throttled(|| sfn.describe_execution().execution_arn(arn).send()).await {
        Ok(out) => Ok(out),
        Err(err) if error_code(&err) == Some("ExecutionDoesNotExist") => {
            Err(CliError::usage(format!(
                "there is no execution {arn} in region {} (check the ARN, and the account of \
                 your credentials)",
                aws.region()
            )))
        }
        Err(err) if error_code(&err) == Some("InvalidArn") => Err(CliError::usage(
            aws.error("DescribeExecution", err).to_string(),
        )),
        Err(err) => Err(aws.error("DescribeExecution", err)),
    }
}

/// Every event of the execution's history, oldest first, with its data.
pub async fn history(aws: &Aws, arn: &str) -> CliResult<History> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let page = history_page(aws, arn, Order::OldestFirst, token).await?;
        events.extend(page.events().iter().map(events::convert));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    History::from_events(events)
        .map_err(|e| CliError::Failed(format!("GetExecutionHistory of {arn}: {e}")))
}

/// The states entered since event `after`, in order, and the last event id seen (newest-first
/// pages, read back only as far as `after`).
pub async fn entered_since(aws: &Aws, arn: &str, after: i64) -> CliResult<(Vec<String>, i64)> {
    let mut names = Vec::new();
    let mut newest = after;
    let mut token = None;
    'pages: loop {
        let page = history_page(aws, arn, Order::NewestFirst, token).await?;
        for event in page.events() {
            if event.id() <= after {
                break 'pages;
            }
            newest = newest.max(event.id());
            if let Some(entered) = event.state_entered_event_details() {
                names.push(entered.name().to_string());
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    names.reverse();
    Ok((names, newest))
}

/// Which way history pages go.
#[derive(Clone, Copy, PartialEq)]
enum Order {
    /// With the execution data, for the planner.
    OldestFirst,
    /// Without data, to see what happened lately.
    NewestFirst,
}

/// One GetExecutionHistory page (the largest there is).
async fn history_page(
    aws: &Aws,
    arn: &str,
    order: Order,
    token: Option<String>,
) -> CliResult<GetExecutionHistoryOutput> {
    let sfn = aws.sfn();
    throttled(|| {
        sfn.get_execution_history()
            .execution_arn(arn)
            .max_results(HISTORY_PAGE)
            .reverse_order(order == Order::NewestFirst)
            .include_execution_data(order == Order::OldestFirst)
            .set_next_token(token.clone())
            .send()
    })
    .await
    .map_err(|e| aws.error("GetExecutionHistory", e))
}

/// DescribeStateMachineForExecution: the definition, role and settings the execution ran.
pub async fn machine_for_execution(
    aws: &Aws,
    arn: &str,
) -> CliResult<DescribeStateMachineForExecutionOutput> {
    let sfn = aws.sfn();
    throttled(|| {
        sfn.describe_state_machine_for_execution()
            .execution_arn(arn)
            .send()
    })
    .await
    .map_err(|e| aws.error("DescribeStateMachineForExecution", e))
}

/// StartExecution of a version of the copy under the name the plan fixed; returns the new
/// execution's ARN. A name already used is StartExecution's own refusal of a duplicate.
///
/// Throttled calls are sent again as they were: Step Functions answers a second
/// StartExecution of a Standard machine with the same name and input as a running execution
/// with that execution (idempotent), and refuses it (ExecutionAlreadyExists) once that one has
/// ended or when anything differs, so a retry never starts a second execution.
pub async fn start(aws: &Aws, version_arn: &str, name: &str, input: &Value) -> CliResult<String> {
    let sfn = aws.sfn();
    let input = input.to_string();
    let started = throttled(|| {
        sfn.start_execution()
            .state_machine_arn(version_arn)
            .name(name)
            .input(input.clone())
            .send()
    })
    .await;
    match started {
        Ok(out) => Ok(out.execution_arn().to_string()),
        Err(err) if error_code(&err) == Some("ExecutionAlreadyExists") => {
            Err(CliError::usage(format!(
                "an execution named {name} already exists (another resume of the same \
                 execution started it): nothing was started; see `deployer resume` of the \
                 original again for its status"
            )))
        }
        Err(err) => Err(aws.error("StartExecution", err)),
    }
}

/// DescribeStateMachine: the machine's type, tags aside.
pub async fn describe_machine(aws: &Aws, arn: &str) -> CliResult<DescribeStateMachineOutput> {
    let sfn = aws.sfn();
    match throttled(|| sfn.describe_state_machine().state_machine_arn(arn).send()).await {
        Ok(out) => Ok(out),
        Err(err) if error_code(&err) == Some("StateMachineDoesNotExist") => {
            Err(CliError::usage(format!(
                "there is no state machine {arn} in region {} (check the ARN, and the account \
                 of your credentials)",
                aws.region()
            )))
        }
        Err(err) => Err(aws.error("DescribeStateMachine", err)),
    }
}

/// The execution, or `None` when there is none of that ARN.
pub async fn find_execution(aws: &Aws, arn: &str) -> CliResult<Option<DescribeExecutionOutput>> {
    let sfn = aws.sfn();
    match throttled(|| sfn.describe_execution().execution_arn(arn).send()).await {
        Ok(out) => Ok(Some(out)),
        Err(err)
            if matches!(
                error_code(&err),
                Some("ExecutionDoesNotExist" | "StateMachineDoesNotExist")
            ) =>
        {
            Ok(None)
        }
        Err(err) => Err(aws.error("DescribeExecution", err)),
    }
}

/// Where following an execution begins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Watch {
    /// Only events after this id are new (0: the whole history). A redriven execution's
    /// history goes on after its `ExecutionRedriven` event; the events before it are the
    /// attempt that failed.
    pub after_event: i64,
    /// The execution has ended only once DescribeExecution's redriveCount is at least this
    /// (0 for a new execution): right after RedriveExecution, an answer still showing the
    /// failed attempt is not the end of the redriven one.
    pub redrive_count: i32,
}

/// Polls DescribeExecution until the execution ends (with [`Backoff`]: 250 ms growing to 5 s), calling
/// `entered` with the name of every state it enters after `watch.after_event`, in order.
pub async fn follow(
    aws: &Aws,
    arn: &str,
    watch: Watch,
    mut entered: impl FnMut(&str),
) -> CliResult<DescribeExecutionOutput> {
    let mut backoff = Backoff::default();
    let mut seen = watch.after_event;
    loop {
        let described = describe_execution(aws, arn).await?;
        let (names, newest) = entered_since(aws, arn, seen).await?;
        seen = newest;
        names.iter().for_each(|name| entered(name));
        let this_attempt = described.redrive_count().unwrap_or(0) >= watch.redrive_count;
        let running = matches!(described.status().as_str(), "RUNNING" | "PENDING_REDRIVE");
        if this_attempt && !running {
            return Ok(described);
        }
        backoff.wait().await;
    }
}
