//! `deployer down`: delete a resumer stack (or everything deployer made: its stacks and the
//! `-with-GoToState` copies of `deployer resume`) and take back the workflow role's grant.

use aws_sdk_cloudformation::types::Stack;

use crate::aws::stack::{describe, tag};
use crate::aws::{iam, machines, pauses, Aws};
use crate::cli::{DownArgs, GlobalArgs};
use crate::error::{CliError, CliResult};
use crate::operation::{check_approval, confirm_delete, delete, Approval, Report};
use crate::resumer::{validate_suffix, STACK_PREFIX};
use crate::stacks::{self, ARTIFACT_BUCKET_TAG, KIND_TAG, RESUMED_COPY};
use crate::ui::console::Console;

/// Runs `deployer down`.
pub async fn run(args: &DownArgs, global: &GlobalArgs, console: &Console) -> CliResult {
    if let Some(suffix) = &args.name_suffix {
        validate_suffix(suffix)?;
    }
    let approval = Approval {
        preview: false,
        yes: args.yes,
    };
    check_approval(console, approval, "delete")?;
    let aws = Aws::connect(global).await?;
    let (mut targets, copies) = match &args.name_suffix {
        Some(suffix) => (
            vec![one(&aws, &format!("{STACK_PREFIX}{suffix}")).await?],
            Vec::new(),
        ),
        None => (
            stacks::owned(&aws).await?,
            machines::tagged(&aws, RESUMED_COPY).await?,
        ),
    };
    if targets.is_empty() && copies.is_empty() {
        console.note(format!(
            "nothing made by deployer in {}: nothing to delete",
            aws.region()
        ));
        return Ok(());
    }
    let mut names: Vec<&str> = targets.iter().filter_map(Stack::stack_name).collect();
    names.extend(copies.iter().map(String::as_str));
    if !args.yes {
        confirm_delete(console, &names.join(", ")).await?;
    }
    // Resumers first: a role of another stack (the demo's job workflow role) holds their grant,
    // and CloudFormation cannot delete a role that still has a policy it did not make.
    targets.sort_by_key(|stack| tag(stack, KIND_TAG) != Some("resumer"));
    let mut reports = Vec::new();
    for stack in &targets {
        reports.push(remove(&aws, console, stack).await?);
        // The demo's packages (and its bucket, when deployer created it) go with the demo.
        if let Some(bucket) = tag(stack, ARTIFACT_BUCKET_TAG) {
            super::demo::remove_artifacts(&aws, console, bucket).await?;
        }
    }
    for arn in &copies {
        machines::delete(&aws, arn).await?;
        console.note(format!("deleted the resumed copy {arn}"));
    }
    if console.json() {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).unwrap_or_default()
        );
    }
    Ok(())
}

/// Deletes one of deployer's stacks; a resumer's paused executions are ended first (no event
/// could resume them once it is gone) and the grants on its workflow roles taken back.
pub async fn remove(aws: &Aws, console: &Console, stack: &Stack) -> CliResult<Report> {
    let name = stack.stack_name().unwrap_or_default();
    if tag(stack, KIND_TAG) == Some("resumer") {
        // The table is named after the stack.
        let failed = pauses::fail_waiting(aws, name, name).await?;
        if failed > 0 {
            console.note(format!(
                "{failed} execution(s) still paused on {name}: ended with error {} (no event \
                 could resume them once the stack is gone)",
                pauses::RESUMER_DELETED
            ));
        }
    }
    for role in stacks::workflow_roles(stack) {
        if iam::revoke(aws, &role, name).await? {
            console.note(format!(
                "removed {role}'s inline policy {}",
                iam::policy_name(name)
            ));
        }
    }
    delete(aws, console, stack).await
}

/// The stack to delete: it must exist and be deployer's.
async fn one(aws: &Aws, name: &str) -> CliResult<Stack> {
    let stack = describe(aws, &aws.cloudformation(), name)
        .await?
        .ok_or_else(|| {
            CliError::usage(format!(
                "there is no stack {name} in {}: nothing to delete (`deployer ls` lists the \
                 stacks deployer made)",
                aws.region()
            ))
        })?;
    if !stacks::is_owned(&stack) {
        return Err(CliError::usage(format!(
            "{name} was not made by deployer (it has no managed-by=deployer tag): delete it \
             with CloudFormation directly if you mean to"
        )));
    }
    Ok(stack)
}
