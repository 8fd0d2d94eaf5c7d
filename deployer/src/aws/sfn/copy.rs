//! The resumed copy (`<machine>-with-GoToState`): created or updated by deployer only, with a
//! new version published for every resume, so that the execution started by that version's
//! ARN runs exactly the definition planned for it (a start right after UpdateStateMachine on
//! the unqualified ARN may still run the previous definition).

use aws_sdk_sfn::types::{LoggingConfiguration, StateMachineType, Tag, TracingConfiguration};

use super::super::retry::throttled;
use super::super::{error_code, Aws};
use crate::error::{CliError, CliResult};
use crate::stacks::{KIND_TAG, MANAGED_BY, RESUMED_COPY};

/// The tag naming the state machine a copy was made from.
pub const SOURCE_TAG: &str = "deployer:source";
/// Step Functions' longest version description.
const MAX_DESCRIPTION: usize = 256;

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
    /// The execution this resume continues (recorded in the version's description).
    pub resumes: String,
}

impl Copy {
    /// The version's description: which execution it resumes (versions cannot be tagged, so
    /// the link lives here and in the resumed execution's name).
    fn version_description(&self) -> String {
        let text = format!("sfn-resume of {}", self.resumes);
        let mut cut = text.len().min(MAX_DESCRIPTION);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text[..cut].to_string()
    }
}

/// Whether the copy was made or brought up to date, and the version published for this resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// `created` or `updated`.
    pub action: &'static str,
    /// The version published for this resume.
    pub version_arn: String,
}

/// Creates the copy, or updates it when an earlier resume made it, publishing a version either
/// way. A machine of that name that deployer did not make is left alone (bad input).
pub async fn save_copy(aws: &Aws, copy: &Copy) -> CliResult<Saved> {
    let sfn = aws.sfn();
    match throttled(|| {
        sfn.describe_state_machine()
            .state_machine_arn(&copy.arn)
            .send()
    })
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
    let sfn = aws.sfn();
    let created = throttled(|| {
        sfn.create_state_machine()
            .name(&copy.name)
            .definition(&copy.definition)
            .role_arn(&copy.role_arn)
            .r#type(StateMachineType::Standard)
            .set_logging_configuration(copy.logging.clone())
            .set_tracing_configuration(copy.tracing.clone())
            .set_tags(Some(tags.to_vec()))
            .publish(true)
            .version_description(copy.version_description())
            .send()
    })
    .await;
    match created {
        Ok(out) => Ok(Saved {
            action: "created",
            version_arn: published(out.state_machine_version_arn(), "CreateStateMachine")?,
        }),
        // Made by a resume running at the same time: bring it up to date.
        Err(err) if error_code(&err) == Some("StateMachineAlreadyExists") => {
            update_copy(aws, copy).await
        }
        Err(err) => Err(invalid_definition(aws, "CreateStateMachine", err)),
    }
}

/// Updates a copy known to exist and to be deployer's (saved earlier in the same run),
/// publishing a version: [`save_copy`] without its checks.
pub async fn update_copy(aws: &Aws, copy: &Copy) -> CliResult<Saved> {
    let sfn = aws.sfn();
    let updated = throttled(|| {
        sfn.update_state_machine()
            .state_machine_arn(&copy.arn)
            .definition(&copy.definition)
            .role_arn(&copy.role_arn)
            .set_logging_configuration(copy.logging.clone())
            .set_tracing_configuration(copy.tracing.clone())
            .publish(true)
            .version_description(copy.version_description())
            .send()
    })
    .await
    .map_err(|e| invalid_definition(aws, "UpdateStateMachine", e))?;
    Ok(Saved {
        action: "updated",
        version_arn: published(updated.state_machine_version_arn(), "UpdateStateMachine")?,
    })
}

fn published(version: Option<&str>, call: &str) -> CliResult<String> {
    version.map(str::to_string).ok_or_else(|| {
        CliError::Failed(format!(
            "{call} published no version (no stateMachineVersionArn in its answer)"
        ))
    })
}

/// A definition Step Functions refuses is a plan that cannot run: say so as bad input.
fn invalid_definition<E, R>(
    aws: &Aws,
    call: &str,
    err: aws_sdk_sfn::error::SdkError<E, R>,
) -> CliError
where
    E: aws_sdk_sfn::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if error_code(&err) == Some("InvalidDefinition") {
        CliError::usage(format!(
            "{}; nothing was started (check --definition-file)",
            aws.error(call, err)
        ))
    } else {
        aws.error(call, err)
    }
}

/// Refuses to overwrite a state machine deployer did not make.
async fn require_owned(aws: &Aws, arn: &str) -> CliResult {
    if is_copy(aws, arn).await? {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "the state machine {arn} exists and was not made by deployer (it has no tag \
             {}={}); it was left as it is: rename or delete it, then resume again",
            MANAGED_BY.0, MANAGED_BY.1
        )))
    }
}

/// Whether the machine is a copy deployer made (its tags say so).
pub async fn is_copy(aws: &Aws, arn: &str) -> CliResult<bool> {
    let sfn = aws.sfn();
    let tags = throttled(|| sfn.list_tags_for_resource().resource_arn(arn).send())
        .await
        .map_err(|e| aws.error("ListTagsForResource", e))?;
    let tag = |key: &str, value: &str| {
        tags.tags()
            .iter()
            .any(|t| t.key() == Some(key) && t.value() == Some(value))
    };
    Ok(tag(MANAGED_BY.0, MANAGED_BY.1) && tag(KIND_TAG, RESUMED_COPY))
}
