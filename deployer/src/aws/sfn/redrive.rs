//! RedriveExecution: Step Functions restarts the failed execution itself, from the state that
//! failed, keeping its ARN, name, input and definition. Whether it may is DescribeExecution's
//! `redriveStatus` (with `redriveStatusReason` when it may not).

use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::ExecutionRedriveStatus;

use super::super::retry::throttled;
use super::super::{error_code, error_message, Aws};
use super::arn::fnv1a;
use crate::error::{CliError, CliResult};

/// Whether Step Functions would redrive an execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eligibility {
    /// `redriveStatus` REDRIVABLE.
    Redrivable,
    /// `redriveStatus` NOT_REDRIVABLE (or REDRIVABLE_BY_MAP_RUN: only its Map Run can be
    /// redriven), with `redriveStatusReason`.
    NotRedrivable(String),
    /// No `redriveStatus` in the answer (an endpoint without Redrive).
    Unknown,
}

/// What DescribeExecution says about redriving the execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redrive {
    /// Whether it may be redriven now.
    pub eligibility: Eligibility,
    /// How many times it was redriven already (`redriveCount`).
    pub count: i32,
}

impl Redrive {
    /// Reads `redriveStatus`, `redriveStatusReason` and `redriveCount`.
    pub fn of(described: &DescribeExecutionOutput) -> Redrive {
        let reason = || {
            described
                .redrive_status_reason()
                .unwrap_or("Step Functions gave no reason")
                .to_string()
        };
        let eligibility = match described.redrive_status() {
            None => Eligibility::Unknown,
            Some(ExecutionRedriveStatus::Redrivable) => Eligibility::Redrivable,
            Some(ExecutionRedriveStatus::RedrivableByMapRun) => Eligibility::NotRedrivable(
                described
                    .redrive_status_reason()
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        "only its Map Run can be redriven (REDRIVABLE_BY_MAP_RUN)".to_string()
                    }),
            ),
            Some(_) => Eligibility::NotRedrivable(reason()),
        };
        Redrive {
            eligibility,
            count: described.redrive_count().unwrap_or(0),
        }
    }
}

/// The client token of the redrive that follows `count` earlier ones of `arn`: the same for
/// every attempt at that redrive (a retried call, a second deployer racing this one), so Step
/// Functions redrives once and answers the others as it answered the first (it keeps the last
/// 10 tokens of an execution for 15 minutes); the next redrive gets a new one. At most 64
/// characters of `[!-~]`, as the API requires.
pub fn client_token(arn: &str, count: i32) -> String {
    format!(
        "deployer-{:08x}-redrive-{}",
        fnv1a(arn.as_bytes()),
        count + 1
    )
}

/// RedriveExecution with [`client_token`]; returns the redrive's date (`redriveDate`, epoch
/// seconds). A refusal (ExecutionNotRedrivable, with AWS's reason) is bad input: nothing
/// changed.
pub async fn redrive(aws: &Aws, arn: &str, count: i32) -> CliResult<f64> {
    let sfn = aws.sfn();
    let token = client_token(arn, count);
    let redriven = throttled(|| {
        sfn.redrive_execution()
            .execution_arn(arn)
            .client_token(&token)
            .send()
    })
    .await;
    match redriven {
        Ok(out) => Ok(out.redrive_date().as_secs_f64()),
        Err(err) if error_code(&err) == Some("ExecutionNotRedrivable") => {
            Err(CliError::usage(format!(
                "Step Functions will not redrive {arn}: {}; nothing was changed",
                error_message(&err).unwrap_or("ExecutionNotRedrivable")
            )))
        }
        Err(err)
            if matches!(
                error_code(&err),
                Some("ExecutionDoesNotExist" | "InvalidArn")
            ) =>
        {
            Err(CliError::usage(
                aws.error("RedriveExecution", err).to_string(),
            ))
        }
        Err(err) => Err(aws.error("RedriveExecution", err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tokens_are_stable_per_redrive_and_fit_the_api() {
        let arn =
            "arn:aws:states:us-east-1:123456789012:execution:m:".to_string() + &"x".repeat(80);
        let token = client_token(&arn, 0);
        assert_eq!(token, client_token(&arn, 0));
        assert_ne!(token, client_token(&arn, 1));
        assert_ne!(token, client_token(&format!("{arn}y"), 0));
        assert!(token.len() <= 64 && token.bytes().all(|b| (b'!'..=b'~').contains(&b)));
        assert!(token.ends_with("-redrive-1"));
    }

    #[test]
    fn eligibility_reads_the_status_and_the_reason() {
        let described = |status: Option<ExecutionRedriveStatus>, reason: Option<&str>| {
            DescribeExecutionOutput::builder()
                .execution_arn("arn:aws:states:us-east-1:123456789012:execution:m:e")
                .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:m")
                .status(aws_sdk_sfn::types::ExecutionStatus::Succeeded)
                .start_date(aws_sdk_sfn::primitives::DateTime::from_secs(0))
                .set_redrive_status(status)
                .set_redrive_status_reason(reason.map(str::to_string))
                .redrive_count(2)
                .build()
                .unwrap()
        };
        let not = described(
            Some(ExecutionRedriveStatus::NotRedrivable),
            Some("Execution is SUCCEEDED and cannot be redriven"),
        );
        assert_eq!(
            Redrive::of(&not),
            Redrive {
                eligibility: Eligibility::NotRedrivable(
                    "Execution is SUCCEEDED and cannot be redriven".into()
                ),
                count: 2
            }
        );
        let yes = described(Some(ExecutionRedriveStatus::Redrivable), None);
        assert_eq!(Redrive::of(&yes).eligibility, Eligibility::Redrivable);
        assert_eq!(
            Redrive::of(&described(None, None)).eligibility,
            Eligibility::Unknown
        );
    }
}
