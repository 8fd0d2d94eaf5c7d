//! The stacks deployer owns: the tags that mark them, and finding them again.

use aws_sdk_cloudformation::types::Stack;

use crate::aws::stack::{list, tag};
use crate::aws::Aws;
use crate::error::CliResult;

/// The demo stack's name (its resources are named after it, as in the tutorial's recording).
pub const DEMO_STACK: &str = "ResumeFromState";
/// Marks every stack (and state machine) deployer creates.
pub const MANAGED_BY: (&str, &str) = ("managed-by", "deployer");
/// What the stack is: `resumer` or `demo`.
pub const KIND_TAG: &str = "deployer:kind";
/// A resumer stack's name suffix.
pub const SUFFIX_TAG: &str = "deployer:name-suffix";
/// The bucket holding a demo stack's Lambda packages (so `demo down` can empty it).
pub const ARTIFACT_BUCKET_TAG: &str = "deployer:artifact-bucket";
/// The kind of the state machines `deployer resume` creates.
pub const RESUMED_COPY: &str = "resumed-copy";
/// The workflow roles `up --workflow-role` granted the pause task's access to (so `down` can
/// take every grant back), separated by spaces (IAM role names hold none).
pub const WORKFLOW_ROLE_TAG: &str = "deployer:workflow-role";

/// The workflow roles a stack's tag names.
pub fn workflow_roles(stack: &Stack) -> Vec<String> {
    tag(stack, WORKFLOW_ROLE_TAG)
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The tags of a stack of `kind`, with the resumer's suffix when there is one.
pub fn tags(kind: &str, name_suffix: Option<&str>) -> Vec<(String, String)> {
    let mut tags = vec![
        (MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string()),
        (KIND_TAG.to_string(), kind.to_string()),
    ];
    if let Some(suffix) = name_suffix {
        tags.push((SUFFIX_TAG.to_string(), suffix.to_string()));
    }
    tags
}

/// Whether deployer made this stack.
pub fn is_owned(stack: &Stack) -> bool {
    tag(stack, MANAGED_BY.0) == Some(MANAGED_BY.1)
}

/// Every stack of the region that deployer made, by name.
pub async fn owned(aws: &Aws) -> CliResult<Vec<Stack>> {
    let mut stacks: Vec<Stack> = list(aws, &aws.cloudformation())
        .await?
        .into_iter()
        .filter(is_owned)
        .collect();
    stacks.sort_by(|a, b| a.stack_name().cmp(&b.stack_name()));
    Ok(stacks)
}
