//! Step Functions calls of `deployer resume`: the failed execution (status, every page of its
//! history, the exact definition it ran), the resumed copy (created or updated), and starting
//! and following the copy's execution.

pub mod arn;
mod events;

use asl::history::History;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::operation::describe_state_machine_for_execution::DescribeStateMachineForExecutionOutput;
use aws_sdk_sfn::operation::get_execution_history::GetExecutionHistoryOutput;
use aws_sdk_sfn::types::{LoggingConfiguration, StateMachineType, Tag, TracingConfiguration};
use serde_json::Value;

use super::{error_code, Aws, Backoff};
use crate::error::{CliError, CliResult};
use crate::stacks::{KIND_TAG, MANAGED_BY, RESUMED_COPY};

/// The tag naming the state machine a copy was made from.
pub const SOURCE_TAG: &str = "deployer:source";
/// GetExecutionHistory's largest page.
const HISTORY_PAGE: i32 = 1000;

/// DescribeExecution; an execution that does not exist is bad input.
pub async fn describe_execution(aws: &Aws, arn: &str) -> CliResult<DescribeExecutionOutput> {
    match aws
        .sfn()
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
    {
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
    aws.sfn()
        .get_execution_history()
        .execution_arn(arn)
        .max_results(HISTORY_PAGE)
        .reverse_order(order == Order::NewestFirst)
        .include_execution_data(order == Order::OldestFirst)
        .set_next_token(token)
        .send()
        .await
        .map_err(|e| aws.error("GetExecutionHistory", e))
}

/// DescribeStateMachineForExecution: the definition, role and settings the execution ran.
pub async fn machine_for_execution(
    aws: &Aws,
    arn: &str,
) -> CliResult<DescribeStateMachineForExecutionOutput> {
    aws.sfn()
        .describe_state_machine_for_execution()
        .execution_arn(arn)
        .send()
        .await
        .map_err(|e| aws.error("DescribeStateMachineForExecution", e))
}

/// The resumed copy to create or update.
#[derive(Debug, Clone)]
pub struct Copy {
    /// Its name (`<machine>-with-GoToState`).
    pub name: String,
    /// Its ARN (same region and account as the execution).
    pub arn: String,
    /// The rewritten definition (JSON text).
    pub definition: String,
    /// The original's role.
    pub role_arn: String,
    /// The original's logging.
    pub logging: Option<LoggingConfiguration>,
    /// The original's tracing.
    pub tracing: Option<TracingConfiguration>,
    /// The original state machine's ARN (tagged on the copy).
    pub source_arn: String,
}

/// Whether the copy was made or brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// CreateStateMachine.
    Created,
    /// UpdateStateMachine of the copy an earlier resume made.
    Updated,
}

impl Saved {
    /// `created` or `updated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Saved::Created => "created",
            Saved::Updated => "updated",
        }
    }
}

/// Creates the copy, or updates it when an earlier resume made it. A machine of that name that
/// deployer did not make is left alone (bad input: nothing is changed).
pub async fn save_copy(aws: &Aws, copy: &Copy) -> CliResult<Saved> {
    let sfn = aws.sfn();
    match sfn
        .describe_state_machine()
        .state_machine_arn(&copy.arn)
        .send()
        .await
    {
        Ok(_) => {
            require_owned(aws, &copy.arn).await?;
            update_copy(aws, copy).await
        }
        Err(err) if error_code(&err) == Some("StateMachineDoesNotExist") => {
            create_copy(aws, copy).await
        }
        Err(err) => Err(aws.error("DescribeStateMachine", err)),
    }
}

async fn create_copy(aws: &Aws, copy: &Copy) -> CliResult<Saved> {
    let tags = [
        (MANAGED_BY.0, MANAGED_BY.1),
        (KIND_TAG, RESUMED_COPY),
        (SOURCE_TAG, copy.source_arn.as_str()),
    ]
    .map(|(key, value)| Tag::builder().key(key).value(value).build());
    let created = aws
        .sfn()
        .create_state_machine()
        .name(&copy.name)
        .definition(&copy.definition)
        .role_arn(&copy.role_arn)
        .r#type(StateMachineType::Standard)
        .set_logging_configuration(copy.logging.clone())
        .set_tracing_configuration(copy.tracing.clone())
        .set_tags(Some(tags.to_vec()))
        .send()
        .await;
    match created {
        Ok(_) => Ok(Saved::Created),
        // Made by a resume running at the same time: bring it up to date.
        Err(err) if error_code(&err) == Some("StateMachineAlreadyExists") => {
            update_copy(aws, copy).await
        }
        Err(err) => Err(aws.error("CreateStateMachine", err)),
    }
}

async fn update_copy(aws: &Aws, copy: &Copy) -> CliResult<Saved> {
    aws.sfn()
        .update_state_machine()
        .state_machine_arn(&copy.arn)
        .definition(&copy.definition)
        .role_arn(&copy.role_arn)
        .set_logging_configuration(copy.logging.clone())
        .set_tracing_configuration(copy.tracing.clone())
        .send()
        .await
        .map_err(|e| aws.error("UpdateStateMachine", e))?;
    Ok(Saved::Updated)
}

/// Refuses to overwrite a state machine deployer did not make.
async fn require_owned(aws: &Aws, arn: &str) -> CliResult {
    let tags = aws
        .sfn()
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws.error("ListTagsForResource", e))?;
    let owned = tags
        .tags()
        .iter()
        .any(|t| t.key() == Some(MANAGED_BY.0) && t.value() == Some(MANAGED_BY.1));
    if owned {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "the state machine {arn} exists and was not made by deployer (it has no tag \
             {}={}); it was left as it is: rename or delete it, then resume again",
            MANAGED_BY.0, MANAGED_BY.1
        )))
    }
}

/// StartExecution of the copy; returns the new execution's ARN.
pub async fn start(aws: &Aws, machine_arn: &str, input: &Value) -> CliResult<String> {
    let started = aws
        .sfn()
        .start_execution()
        .state_machine_arn(machine_arn)
        .input(input.to_string())
        .send()
        .await
        .map_err(|e| aws.error("StartExecution", e))?;
    Ok(started.execution_arn().to_string())
}

/// Polls DescribeExecution until the execution ends (with [`Backoff`]: 250 ms growing to 5 s), calling
/// `entered` with the name of every state it enters, in order.
pub async fn follow(
    aws: &Aws,
    arn: &str,
    mut entered: impl FnMut(&str),
) -> CliResult<DescribeExecutionOutput> {
    let mut backoff = Backoff::default();
    let mut seen = 0;
    loop {
        let described = describe_execution(aws, arn).await?;
        let (names, newest) = entered_since(aws, arn, seen).await?;
        seen = newest;
        names.iter().for_each(|name| entered(name));
        if described.status().as_str() != "RUNNING" {
            return Ok(described);
        }
        backoff.wait().await;
    }
}
