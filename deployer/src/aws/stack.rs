//! CloudFormation calls of the change-set flow, one function per step, with the SDK's types
//! turned into the few fields the deployer shows.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudformation::types::{
    Capability, Change, ChangeSetType, ResourceToImport, Stack, StackEvent, StackStatus, Tag,
};
use aws_sdk_cloudformation::Client;
use serde::Serialize;

use super::{error_code, error_message, Aws, Backoff};
use crate::error::{CliError, CliResult};

/// The most CloudFormation takes inline (`TemplateBody`); bigger templates go through S3.
pub const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// Where CloudFormation reads the template from.
#[derive(Debug, Clone)]
pub enum TemplateSource {
    /// Inline, up to [`TEMPLATE_BODY_LIMIT`] bytes.
    Body(String),
    /// An S3 object's URL.
    Url(String),
}

/// One row of the plan: what the change set would do to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedChange {
    /// Add, Modify, Remove, Import or Dynamic.
    pub action: String,
    /// The resource's logical id.
    pub logical_id: String,
    /// The resource type, e.g. AWS::DynamoDB::Table.
    pub resource_type: String,
    /// For a Modify: True, False or Conditional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// For a Modify: the properties that change (`Details[].Target.Name`), in order, once each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<String>,
}

/// An existing resource to bring into a stack (an IMPORT change set's `ResourcesToImport`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceImport {
    /// Its logical id in the template.
    pub logical_id: String,
    /// Its type, e.g. AWS::DynamoDB::Table.
    pub resource_type: String,
    /// The property that identifies it, e.g. TableName.
    #[serde(skip)]
    pub identifier: &'static str,
    /// Its name: the identifier's value.
    pub name: String,
}

/// One stack event, as shown while an operation runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// CloudFormation's id of the event.
    pub event_id: String,
    /// When it happened (ISO 8601).
    pub timestamp: String,
    /// The resource's logical id (the stack's name for the stack itself).
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// The resource's status, e.g. CREATE_COMPLETE.
    pub status: String,
    /// Why, when CloudFormation says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Event {
    /// Whether this event is about the stack itself rather than one of its resources.
    pub fn is_stack(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack"
    }

    /// Whether the resource has reached a final status in this operation.
    pub fn is_terminal(&self) -> bool {
        !self.status.ends_with("_IN_PROGRESS")
    }

    /// Whether this is a failure that is not just the cancellation of a sibling.
    pub fn is_root_failure(&self) -> bool {
        let reason = self
            .reason
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.status.ends_with("_FAILED")
            && !reason.contains("cancelled")
            && !reason.contains("canceled")
    }
}

/// A stack output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The output's key.
    pub key: String,
    /// Its value.
    pub value: String,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A change set that has finished being computed.
#[derive(Debug, Clone)]
pub enum ChangeSetState {
    /// Ready to execute, with its changes.
    Ready(Vec<PlannedChange>),
    /// CloudFormation found nothing to change.
    NoChanges,
    /// It could not be created; the reason.
    Failed(String),
}

/// Whether a failed change set's reason means "nothing to change".
pub fn is_no_changes(reason: &str) -> bool {
    reason.starts_with("The submitted information didn't contain changes")
        || reason.starts_with("No updates are to be performed")
}

/// Whether an error is throttling, which polling loops simply retry.
fn is_throttling(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("Throttling" | "ThrottlingException" | "RequestLimitExceeded")
    )
}

/// The stack named (or with the id) `stack`, or `None` if there is none.
pub async fn describe(aws: &Aws, cfn: &Client, stack: &str) -> CliResult<Option<Stack>> {
    let mut backoff = Backoff::default();
    loop {
        match cfn.describe_stacks().stack_name(stack).send().await {
            Ok(out) => return Ok(out.stacks().first().cloned()),
            Err(err) if error_message(&err).is_some_and(|m| m.contains("does not exist")) => {
                return Ok(None)
            }
            Err(err) if is_throttling(error_code(&err)) => backoff.wait().await,
            Err(err) => return Err(aws.error("DescribeStacks", err)),
        }
    }
}

/// Every stack of the region that is not deleted (all pages).
pub async fn list(aws: &Aws, cfn: &Client) -> CliResult<Vec<Stack>> {
    let mut stacks = Vec::new();
    let mut pages = cfn.describe_stacks().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws.error("DescribeStacks", e))?;
        stacks.extend(page.stacks().iter().cloned());
    }
    Ok(stacks)
}

/// Why `stack` can only be deleted and created anew, when that is so: its first creation
/// failed (ROLLBACK_COMPLETE), an earlier change set left it empty (REVIEW_IN_PROGRESS), or an
/// import into it as a new stack was rolled back and it holds nothing
/// (IMPORT_ROLLBACK_COMPLETE with no resources: an update of it would meet the same clash).
pub async fn disposable(aws: &Aws, cfn: &Client, stack: &Stack) -> CliResult<Option<&'static str>> {
    Ok(match status(stack) {
        "ROLLBACK_COMPLETE" => Some("its creation failed earlier and it cannot be updated"),
        "REVIEW_IN_PROGRESS" => Some("an earlier change set left it empty"),
        "IMPORT_ROLLBACK_COMPLETE" => {
            let id = stack.stack_id().or(stack.stack_name()).unwrap_or_default();
            let resources = cfn
                .describe_stack_resources()
                .stack_name(id)
                .send()
                .await
                .map_err(|e| aws.error("DescribeStackResources", e))?;
            resources
                .stack_resources()
                .is_empty()
                .then_some("an earlier import into it was rolled back and it holds nothing")
        }
        _ => None,
    })
}

/// The stack's status as text.
pub fn status(stack: &Stack) -> &str {
    stack.stack_status().map_or("UNKNOWN", StackStatus::as_str)
}

/// The capabilities the template needs (IAM resources, named IAM resources, macros), as
/// CloudFormation itself reads them.
pub async fn capabilities(
    aws: &Aws,
    cfn: &Client,
    template: &TemplateSource,
) -> CliResult<Vec<Capability>> {
    let request = cfn.get_template_summary();
    let request = match template {
        TemplateSource::Body(body) => request.template_body(body),
        TemplateSource::Url(url) => request.template_url(url),
    };
    let summary = request
        .send()
        .await
        .map_err(|e| aws.error("GetTemplateSummary", e))?;
    Ok(summary.capabilities().to_vec())
}

/// What CreateChangeSet needs.
#[derive(Debug)]
pub struct ChangeSetRequest<'a> {
    /// The stack.
    pub stack: &'a str,
    /// CREATE for a new stack, UPDATE otherwise, IMPORT to adopt existing resources.
    pub kind: ChangeSetType,
    /// The template.
    pub template: &'a TemplateSource,
    /// The capabilities to acknowledge.
    pub capabilities: Vec<Capability>,
    /// The stack's tags.
    pub tags: &'a [(String, String)],
    /// The resources to import (an IMPORT change set), or none.
    pub imports: &'a [ResourceImport],
}

/// CreateChangeSet named `deployer-<unix time in milliseconds>` (executed change sets stay
/// behind under their names, so two deployments in one second need finer names); returns the
/// change set's ARN.
pub async fn create_change_set(
    aws: &Aws,
    cfn: &Client,
    request: &ChangeSetRequest<'_>,
) -> CliResult<String> {
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut call = cfn
        .create_change_set()
        .stack_name(request.stack)
        .change_set_name(format!("deployer-{unix}"))
        .change_set_type(request.kind.clone())
        .client_token(format!("deployer-{}", uuid::Uuid::new_v4()))
        .description("Created by deployer")
        .set_capabilities(Some(request.capabilities.clone()));
    call = match request.template {
        TemplateSource::Body(body) => call.template_body(body),
        TemplateSource::Url(url) => call.template_url(url),
    };
    for (key, value) in request.tags {
        call = call.tags(Tag::builder().key(key).value(value).build());
    }
    for import in request.imports {
        call = call.resources_to_import(
            ResourceToImport::builder()
                .resource_type(&import.resource_type)
                .logical_resource_id(&import.logical_id)
                .resource_identifier(import.identifier, &import.name)
                .build(),
        );
    }
    let out = call
        .send()
        .await
        .map_err(|e| aws.error("CreateChangeSet", e))?;
    out.id()
        .map(str::to_string)
        .ok_or_else(|| CliError::Failed("CreateChangeSet returned no change set id".into()))
}

/// Polls DescribeChangeSet until the change set is computed, then reads all of its changes.
pub async fn wait_for_change_set(
    aws: &Aws,
    cfn: &Client,
    change_set: &str,
) -> CliResult<ChangeSetState> {
    let mut backoff = Backoff::default();
    let mut changes = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let out = match cfn
            .describe_change_set()
            .change_set_name(change_set)
            .set_next_token(next_token.clone())
            .send()
            .await
        {
            Ok(out) => out,
            Err(err) if is_throttling(error_code(&err)) => {
                backoff.wait().await;
                continue;
            }
            Err(err) => return Err(aws.error("DescribeChangeSet", err)),
        };
        let status = out.status().map(|s| s.as_str()).unwrap_or_default();
        match status {
            "CREATE_PENDING" | "CREATE_IN_PROGRESS" => {
                backoff.wait().await;
                continue;
            }
            "CREATE_COMPLETE" => {}
            _ => {
                let reason = out.status_reason().unwrap_or("no reason given").to_string();
                return Ok(if is_no_changes(&reason) {
                    ChangeSetState::NoChanges
                } else {
                    ChangeSetState::Failed(format!("{status}: {reason}"))
                });
            }
        }
        changes.extend(out.changes().iter().filter_map(planned_change));
        next_token = out.next_token().map(str::to_string);
        if next_token.is_none() {
            return Ok(ChangeSetState::Ready(changes));
        }
    }
}

fn planned_change(change: &Change) -> Option<PlannedChange> {
    let resource = change.resource_change()?;
    Some(PlannedChange {
        action: resource
            .action()
            .map_or("Unknown", |a| a.as_str())
            .to_string(),
        logical_id: resource
            .logical_resource_id()
            .unwrap_or_default()
            .to_string(),
        resource_type: resource.resource_type().unwrap_or_default().to_string(),
        replacement: resource.replacement().map(|r| r.as_str().to_string()),
        properties: changed_properties(resource.details()),
    })
}

/// The names of the properties a change's details target, once each.
fn changed_properties(
    details: &[aws_sdk_cloudformation::types::ResourceChangeDetail],
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for target in details.iter().filter_map(|d| d.target()) {
        let is_property = target
            .attribute()
            .is_some_and(|a| a.as_str() == "Properties");
        if let (true, Some(name)) = (is_property, target.name()) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// DeleteChangeSet; a change set already gone is fine.
pub async fn delete_change_set(aws: &Aws, cfn: &Client, change_set: &str) -> CliResult {
    match cfn
        .delete_change_set()
        .change_set_name(change_set)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if error_code(&err) == Some("ChangeSetNotFound") => Ok(()),
        Err(err) => Err(aws.error("DeleteChangeSet", err)),
    }
}

/// ExecuteChangeSet with a request token that names this operation in the stack's events.
pub async fn execute_change_set(
    aws: &Aws,
    cfn: &Client,
    change_set: &str,
    token: &str,
) -> CliResult {
    cfn.execute_change_set()
        .change_set_name(change_set)
        .client_request_token(token)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws.error("ExecuteChangeSet", e))
}

/// DeleteStack with a request token.
pub async fn delete_stack(aws: &Aws, cfn: &Client, stack: &str, token: &str) -> CliResult {
    cfn.delete_stack()
        .stack_name(stack)
        .client_request_token(token)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws.error("DeleteStack", e))
}

/// CancelUpdateStack (only an update can be cancelled).
pub async fn cancel_update(aws: &Aws, cfn: &Client, stack: &str) -> CliResult {
    cfn.cancel_update_stack()
        .stack_name(stack)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws.error("CancelUpdateStack", e))
}

/// The stack's events newer than `seen_up_to` (an event id), oldest first. Pages are read
/// newest first until that event (or the stack's beginning) is reached.
pub async fn events_after(
    aws: &Aws,
    cfn: &Client,
    stack: &str,
    seen_up_to: Option<&str>,
) -> CliResult<Vec<Event>> {
    let mut newest_first = Vec::new();
    let mut pages = cfn
        .describe_stack_events()
        .stack_name(stack)
        .into_paginator()
        .send();
    'pages: while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(err) if is_throttling(error_code(&err)) => break,
            Err(err) => return Err(aws.error("DescribeStackEvents", err)),
        };
        for event in page.stack_events() {
            if event.event_id() == seen_up_to {
                break 'pages;
            }
            newest_first.push(event_of(event));
        }
    }
    newest_first.reverse();
    Ok(newest_first)
}

/// The id of the newest event of the stack, if it has any.
pub async fn newest_event_id(aws: &Aws, cfn: &Client, stack: &str) -> CliResult<Option<String>> {
    let out = cfn
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| aws.error("DescribeStackEvents", e))?;
    Ok(out
        .stack_events()
        .first()
        .and_then(|e| e.event_id())
        .map(str::to_string))
}

fn event_of(event: &StackEvent) -> Event {
    Event {
        event_id: event.event_id().unwrap_or_default().to_string(),
        timestamp: event.timestamp().map(|t| t.to_string()).unwrap_or_default(),
        logical_id: event.logical_resource_id().unwrap_or_default().to_string(),
        resource_type: event.resource_type().unwrap_or_default().to_string(),
        status: event
            .resource_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        reason: event.resource_status_reason().map(str::to_string),
    }
}

/// The stack's outputs.
pub fn outputs(stack: &Stack) -> Vec<Output> {
    stack
        .outputs()
        .iter()
        .map(|o| Output {
            key: o.output_key().unwrap_or_default().to_string(),
            value: o.output_value().unwrap_or_default().to_string(),
            description: o.description().map(str::to_string),
        })
        .collect()
}

/// The value of one of the stack's tags.
pub fn tag<'a>(stack: &'a Stack, key: &str) -> Option<&'a str> {
    stack
        .tags()
        .iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_changes_is_recognised_in_both_wordings() {
        assert!(is_no_changes(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(is_no_changes("No updates are to be performed."));
        assert!(!is_no_changes("Template format error: unknown type"));
    }

    fn event(status: &str, reason: Option<&str>) -> Event {
        Event {
            event_id: "e".into(),
            timestamp: String::new(),
            logical_id: "Rule".into(),
            resource_type: "AWS::Events::Rule".into(),
            status: status.into(),
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn a_cancellation_is_not_a_root_cause() {
        assert!(event("CREATE_FAILED", Some("Invalid pattern")).is_root_failure());
        assert!(!event("CREATE_FAILED", Some("Resource creation cancelled")).is_root_failure());
        assert!(!event("CREATE_COMPLETE", None).is_root_failure());
    }
}
