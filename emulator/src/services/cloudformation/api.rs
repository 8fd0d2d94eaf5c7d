//! CloudFormation's wire protocol (awsQuery): each action's parameters, read into the typed
//! requests of [`lifecycle`] (which holds the rules and flows), and its `…Result` XML.

use std::sync::Arc;

use super::lifecycle::{self, NewChangeSet, NewStack, ParameterInput, StackInput, TemplateSource};
use super::model::{validation_error, ChangeSet, ResourceToImport, Stack, StackResource, State};
use super::status::{ChangeSetType, StackStatus};
use super::template::Template;
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::iso8601;
use crate::protocol::pagination::OffsetToken;
use crate::protocol::query::Params;
use crate::protocol::validation::{self, rule, Shown};
use crate::protocol::xml::XmlWriter;
use crate::request::RequestContext;

/// DescribeStackEvents' page size.
const EVENTS_PAGE: usize = 100;
/// ListStacks' and ListStackResources' page size.
const LIST_PAGE: usize = 100;

/// Runs one action and returns the inside of its `…Result` element.
pub fn call(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    action: &str,
    p: &Params,
) -> AwsResult<Option<String>> {
    let region = ctx.region.as_str();
    match action {
        "CreateChangeSet" => create_change_set(cloud, ctx, p).map(Some),
        "DescribeChangeSet" => read(cloud, |s| {
            let cs = s.change_set(region, p.required("ChangeSetName")?, p.get("StackName"))?;
            Ok(describe_change_set(cs))
        })
        .map(Some),
        "ExecuteChangeSet" => lifecycle::execute_change_set(
            cloud,
            region,
            p.required("ChangeSetName")?,
            p.get("StackName"),
            p.get("ClientRequestToken"),
        )
        .map(|()| Some(String::new())),
        "DeleteChangeSet" => lifecycle::delete_change_set(
            cloud,
            region,
            p.required("ChangeSetName")?,
            p.get("StackName"),
        )
        .map(|()| Some(String::new())),
        "ListChangeSets" => read(cloud, |s| {
            let stack = s.stack(region, p.required("StackName")?)?;
            let mut w = XmlWriter::new();
            w.open("Summaries");
            for cs in s.change_sets_of(&stack.id) {
                w.open("member");
                change_set_summary(&mut w, cs);
                w.close("member");
            }
            w.close("Summaries");
            Ok(w.finish())
        })
        .map(Some),
        "DescribeStacks" => {
            read(cloud, |s| describe_stacks(s, region, p.get("StackName"))).map(Some)
        }
        "DescribeStackEvents" => read(cloud, |s| describe_stack_events(s, region, p)).map(Some),
        "DescribeStackResources" => {
            read(cloud, |s| describe_stack_resources(s, region, p)).map(Some)
        }
        "ListStackResources" => read(cloud, |s| list_stack_resources(s, region, p)).map(Some),
        "GetTemplate" => read(cloud, |s| get_template(s, region, p)).map(Some),
        "GetTemplateSummary" => get_template_summary(cloud, region, p).map(Some),
        "ValidateTemplate" => validate_template(cloud, p).map(Some),
        "DeleteStack" => lifecycle::delete_stack(
            cloud,
            region,
            p.required("StackName")?,
            p.get("ClientRequestToken"),
        )
        .map(|()| None),
        "ListStacks" => read(cloud, |s| list_stacks(s, region, p)).map(Some),
        "ListExports" => read(cloud, |s| list_exports(s, region, p)).map(Some),
        "CancelUpdateStack" => {
            lifecycle::cancel_update_stack(cloud, region, p.required("StackName")?).map(|()| None)
        }
        "CreateStack" => create_stack(cloud, region, p).map(Some),
        "UpdateStack" => update_stack(cloud, region, p).map(Some),
        other => Err(AwsError::new(
            "InvalidAction",
            format!("Could not find operation {other} for version 2010-05-15"),
        )),
    }
}

fn read<T>(cloud: &Cloud, f: impl FnOnce(&State) -> AwsResult<T>) -> AwsResult<T> {
    cloud.cloudformation.store.read(f)
}

// ---- inputs ----------------------------------------------------------------------------

fn tags(p: &Params) -> Vec<(String, String)> {
    p.struct_list("Tags")
        .iter()
        .map(|t| {
            (
                t.get("Key").unwrap_or_default().to_string(),
                t.get("Value").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `ResourcesToImport.member.N`: type, logical id and identifier of each.
fn resources_to_import(p: &Params) -> AwsResult<Vec<ResourceToImport>> {
    p.struct_list("ResourcesToImport")
        .iter()
        .map(|member| {
            Ok(ResourceToImport {
                resource_type: member.required("ResourceType")?.to_string(),
                logical_id: member.required("LogicalResourceId")?.to_string(),
                identifier: member.map("ResourceIdentifier"),
            })
        })
        .collect()
}

fn strings(p: &Params, prefix: &str) -> Vec<String> {
    p.list(prefix).into_iter().map(str::to_string).collect()
}

/// `ChangeSetType` (UPDATE when absent).
fn change_set_type(p: &Params) -> AwsResult<ChangeSetType> {
    let Some(text) = p.get("ChangeSetType") else {
        return Ok(ChangeSetType::Update);
    };
    ChangeSetType::parse(text).ok_or_else(|| {
        validation_error(validation::message(
            "changeSetType",
            Shown::Value(text),
            &rule::one_of(&["UPDATE", "CREATE", "IMPORT"]),
        ))
    })
}

/// The template (`TemplateBody`, `TemplateURL`, `UsePreviousTemplate`) of a request.
fn template_source(p: &Params) -> TemplateSource {
    if let Some(body) = p.get("TemplateBody") {
        TemplateSource::Body(body.to_string())
    } else if let Some(url) = p.get("TemplateURL") {
        TemplateSource::Url(url.to_string())
    } else if p.get("UsePreviousTemplate") == Some("true") {
        TemplateSource::Previous
    } else {
        TemplateSource::Missing
    }
}

/// The template, `Parameters.member.N`, `Capabilities` and `Tags` of a request.
fn stack_input(p: &Params) -> AwsResult<StackInput> {
    let parameters = p
        .struct_list("Parameters")
        .iter()
        .map(|member| {
            Ok(ParameterInput {
                key: member.required("ParameterKey")?.to_string(),
                value: (member.get("UsePreviousValue") != Some("true"))
                    .then(|| member.get("ParameterValue").unwrap_or_default().to_string()),
            })
        })
        .collect::<AwsResult<_>>()?;
    Ok(StackInput {
        template: template_source(p),
        parameters,
        capabilities: strings(p, "Capabilities"),
        tags: tags(p),
    })
}

// ---- change sets -----------------------------------------------------------------------

fn create_change_set(cloud: &Arc<Cloud>, ctx: &RequestContext, p: &Params) -> AwsResult<String> {
    let request = NewChangeSet {
        stack_name: p.required("StackName")?.to_string(),
        name: p.required("ChangeSetName")?.to_string(),
        kind: change_set_type(p)?,
        description: p.get("Description").map(str::to_string),
        client_token: p.get("ClientToken").map(str::to_string),
        input: stack_input(p)?,
        imports: resources_to_import(p)?,
    };
    let (id, stack_id) = lifecycle::create_change_set(cloud, ctx, request)?;
    Ok(created_reply(&id, &stack_id))
}

fn created_reply(id: &str, stack_id: &str) -> String {
    let mut w = XmlWriter::new();
    w.elem("Id", id).elem("StackId", stack_id);
    w.finish()
}

fn change_set_summary(w: &mut XmlWriter, cs: &ChangeSet) {
    w.elem("StackId", &cs.stack_id)
        .elem("StackName", &cs.stack_name)
        .elem("ChangeSetId", &cs.id)
        .elem("ChangeSetName", &cs.name)
        .elem("ExecutionStatus", cs.execution_status.as_str())
        .elem("Status", cs.status.as_str())
        .opt_elem("StatusReason", cs.status_reason.as_deref())
        .elem("CreationTime", &iso8601(cs.created))
        .opt_elem("Description", cs.description.as_deref())
        .elem("IncludeNestedStacks", "false");
}

fn describe_change_set(cs: &ChangeSet) -> String {
    let mut w = XmlWriter::new();
    w.elem("ChangeSetName", &cs.name)
        .elem("ChangeSetId", &cs.id)
        .elem("StackId", &cs.stack_id)
        .elem("StackName", &cs.stack_name)
        .opt_elem("Description", cs.description.as_deref());
    parameters_xml(&mut w, &cs.shown_parameters);
    w.elem("CreationTime", &iso8601(cs.created))
        .elem("ExecutionStatus", cs.execution_status.as_str())
        .elem("Status", cs.status.as_str())
        .opt_elem("StatusReason", cs.status_reason.as_deref())
        .elem("NotificationARNs", "");
    members(&mut w, "Capabilities", &cs.capabilities);
    tags_xml(&mut w, &cs.tags);
    w.open("Changes");
    for change in &cs.changes {
        w.open("member")
            .elem("Type", "Resource")
            .open("ResourceChange");
        w.opt_elem("PolicyAction", change.policy_action.as_deref())
            .elem("Action", &change.action)
            .elem("LogicalResourceId", &change.logical_id)
            .opt_elem("PhysicalResourceId", change.physical_id.as_deref())
            .elem("ResourceType", &change.resource_type)
            .opt_elem("Replacement", change.replacement.as_deref());
        members(&mut w, "Scope", &change.scope);
        w.open("Details");
        for detail in &change.details {
            w.open("member")
                .open("Target")
                .elem("Attribute", &detail.attribute)
                .opt_elem("Name", detail.name.as_deref())
                .elem("RequiresRecreation", &detail.requires_recreation)
                .close("Target")
                .elem("Evaluation", &detail.evaluation)
                .elem("ChangeSource", &detail.change_source)
                .opt_elem("CausingEntity", detail.causing_entity.as_deref())
                .close("member");
        }
        w.close("Details").close("ResourceChange").close("member");
    }
    w.close("Changes").elem("IncludeNestedStacks", "false");
    w.finish()
}

// ---- stacks ----------------------------------------------------------------------------

fn create_stack(cloud: &Arc<Cloud>, region: &str, p: &Params) -> AwsResult<String> {
    let request = NewStack {
        name: p.required("StackName")?.to_string(),
        input: stack_input(p)?,
        disable_rollback: p.get("DisableRollback") == Some("true"),
        token: p.get("ClientRequestToken").map(str::to_string),
    };
    let id = lifecycle::create_stack(cloud, region, request)?;
    Ok(stack_id_reply(&id))
}

fn update_stack(cloud: &Arc<Cloud>, region: &str, p: &Params) -> AwsResult<String> {
    let name = p.required("StackName")?;
    let input = stack_input(p)?;
    let id = lifecycle::update_stack(cloud, region, name, &input, p.get("ClientRequestToken"))?;
    Ok(stack_id_reply(&id))
}

fn stack_id_reply(id: &str) -> String {
    let mut w = XmlWriter::new();
    w.elem("StackId", id);
    w.finish()
}

fn describe_stacks(s: &State, region: &str, name: Option<&str>) -> AwsResult<String> {
    let stacks: Vec<&Stack> = match name {
        Some(name) => vec![s.stack(region, name)?],
        None => s
            .stacks
            .values()
            .filter(|st| st.region == region && st.is_live())
            .collect(),
    };
    let mut w = XmlWriter::new();
    w.open("Stacks");
    for stack in stacks {
        w.open("member");
        stack_xml(&mut w, stack);
        w.close("member");
    }
    w.close("Stacks");
    Ok(w.finish())
}

fn stack_xml(w: &mut XmlWriter, stack: &Stack) {
    w.elem("StackId", &stack.id)
        .elem("StackName", &stack.name)
        .opt_elem("ChangeSetId", stack.change_set_id.as_deref())
        .opt_elem("Description", stack.description.as_deref());
    parameters_xml(w, &stack.shown_parameters);
    w.elem("CreationTime", &iso8601(stack.created))
        .opt_elem("DeletionTime", stack.deleted.map(iso8601).as_deref())
        .opt_elem("LastUpdatedTime", stack.updated.map(iso8601).as_deref())
        .raw("<RollbackConfiguration></RollbackConfiguration>")
        .elem("StackStatus", stack.status.as_str())
        .opt_elem("StackStatusReason", stack.status_reason.as_deref())
        .elem(
            "DisableRollback",
            if stack.disable_rollback {
                "true"
            } else {
                "false"
            },
        )
        .elem("NotificationARNs", "");
    members(w, "Capabilities", &stack.capabilities);
    w.open("Outputs");
    for output in &stack.outputs {
        w.open("member")
            .elem("OutputKey", &output.key)
            .elem("OutputValue", &output.value)
            .opt_elem("Description", output.description.as_deref())
            .opt_elem("ExportName", output.export_name.as_deref())
            .close("member");
    }
    w.close("Outputs");
    tags_xml(w, &stack.tags);
    w.elem("EnableTerminationProtection", "false");
    drift_not_checked(w, "StackDriftStatus");
}

fn describe_stack_events(s: &State, region: &str, p: &Params) -> AwsResult<String> {
    let stack = s.stack(region, p.required("StackName")?)?;
    let events = s
        .events
        .get(&stack.id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let newest_first: Vec<_> = events.iter().rev().collect();
    let (events, next) = page(&newest_first, p, EVENTS_PAGE)?;
    let mut w = XmlWriter::new();
    w.open("StackEvents");
    for event in events {
        w.open("member")
            .elem("StackId", &event.stack_id)
            .elem("EventId", &event.id)
            .elem("StackName", &event.stack_name)
            .elem("LogicalResourceId", &event.logical_id)
            .opt_elem("PhysicalResourceId", event.physical_id.as_deref())
            .elem("ResourceType", &event.resource_type)
            .elem("Timestamp", &iso8601(event.timestamp))
            .elem("ResourceStatus", &event.status)
            .opt_elem("ResourceStatusReason", event.reason.as_deref())
            .opt_elem("ResourceProperties", event.properties.as_deref())
            .opt_elem("ClientRequestToken", event.client_request_token.as_deref())
            .close("member");
    }
    w.close("StackEvents");
    next_token(&mut w, next);
    Ok(w.finish())
}

/// CloudFormation's `NextToken`s: opaque offsets into the list.
const TOKENS: OffsetToken = OffsetToken("cfn-page:");

/// The page of `items` the request's `NextToken` asks for (at most `size` of them) and the
/// token of the next page when the list goes on.
fn page<'a, T>(items: &'a [T], p: &Params, size: usize) -> AwsResult<(Vec<&'a T>, Option<String>)> {
    TOKENS.page(items.iter().collect(), p.get("NextToken"), size, |token| {
        validation_error(format!("Invalid NextToken: {token}"))
    })
}

/// Writes the `NextToken` of a page, when there is a next page.
fn next_token(w: &mut XmlWriter, next: Option<String>) {
    if let Some(next) = next {
        w.elem("NextToken", &next);
    }
}

fn describe_stack_resources(s: &State, region: &str, p: &Params) -> AwsResult<String> {
    let stack = match (p.get("StackName"), p.get("PhysicalResourceId")) {
        (Some(name), _) => s.stack(region, name)?,
        (None, Some(physical)) => s
            .stacks
            .values()
            .find(|st| {
                st.region == region
                    && st
                        .resources
                        .iter()
                        .any(|r| r.physical_id.as_deref() == Some(physical))
            })
            .ok_or_else(|| validation_error(format!("Stack for {physical} does not exist")))?,
        (None, None) => {
            return Err(validation_error(
                "Either StackName or PhysicalResourceId must be specified.",
            ))
        }
    };
    let logical = p.get("LogicalResourceId");
    let mut w = XmlWriter::new();
    w.open("StackResources");
    for r in stack
        .resources
        .iter()
        .filter(|r| logical.is_none_or(|l| l == r.logical_id))
    {
        w.open("member")
            .elem("StackName", &stack.name)
            .elem("StackId", &stack.id);
        resource_xml(&mut w, r, "Timestamp");
        w.close("member");
    }
    w.close("StackResources");
    Ok(w.finish())
}

/// Writes a stack resource's members from `LogicalResourceId` on, its last update as
/// `time_element` (DescribeStackResources' `Timestamp`, ListStackResources'
/// `LastUpdatedTimestamp`).
fn resource_xml(w: &mut XmlWriter, r: &StackResource, time_element: &str) {
    w.elem("LogicalResourceId", &r.logical_id)
        .opt_elem("PhysicalResourceId", r.physical_id.as_deref())
        .elem("ResourceType", &r.resource_type)
        .elem(time_element, &iso8601(r.updated))
        .elem("ResourceStatus", r.status.as_str())
        .opt_elem("ResourceStatusReason", r.status_reason.as_deref());
    drift_not_checked(w, "StackResourceDriftStatus");
}

fn list_stack_resources(s: &State, region: &str, p: &Params) -> AwsResult<String> {
    let stack = s.stack(region, p.required("StackName")?)?;
    let (resources, next) = page(&stack.resources, p, LIST_PAGE)?;
    let mut w = XmlWriter::new();
    w.open("StackResourceSummaries");
    for r in resources {
        w.open("member");
        resource_xml(&mut w, r, "LastUpdatedTimestamp");
        w.close("member");
    }
    w.close("StackResourceSummaries");
    next_token(&mut w, next);
    Ok(w.finish())
}

fn list_stacks(s: &State, region: &str, p: &Params) -> AwsResult<String> {
    let filter = p
        .list("StackStatusFilter")
        .into_iter()
        .map(|text| {
            StackStatus::parse(text).ok_or_else(|| {
                validation_error(validation::message(
                    "stackStatusFilter",
                    Shown::Value(text),
                    &rule::one_of(&StackStatus::spellings()),
                ))
            })
        })
        .collect::<AwsResult<Vec<_>>>()?;
    let mut stacks: Vec<&Stack> = s
        .stacks
        .values()
        .filter(|st| st.region == region && (filter.is_empty() || filter.contains(&st.status)))
        .collect();
    stacks.sort_by_key(|s| std::cmp::Reverse(s.created));
    let (stacks, next) = page(&stacks, p, LIST_PAGE)?;
    let mut w = XmlWriter::new();
    w.open("StackSummaries");
    for stack in stacks {
        w.open("member")
            .elem("StackId", &stack.id)
            .elem("StackName", &stack.name)
            .opt_elem("TemplateDescription", stack.description.as_deref())
            .elem("CreationTime", &iso8601(stack.created))
            .opt_elem("LastUpdatedTime", stack.updated.map(iso8601).as_deref())
            .opt_elem("DeletionTime", stack.deleted.map(iso8601).as_deref())
            .elem("StackStatus", stack.status.as_str())
            .opt_elem("StackStatusReason", stack.status_reason.as_deref());
        drift_not_checked(&mut w, "StackDriftStatus");
        w.close("member");
    }
    w.close("StackSummaries");
    next_token(&mut w, next);
    Ok(w.finish())
}

/// ListExports: the exported outputs of the region's live stacks, by export name.
fn list_exports(s: &State, region: &str, p: &Params) -> AwsResult<String> {
    let mut exports: Vec<(&str, &str, &str)> = s
        .stacks
        .values()
        .filter(|st| st.region == region && st.is_live())
        .flat_map(|st| {
            st.outputs.iter().filter_map(move |o| {
                Some((o.export_name.as_deref()?, st.id.as_str(), o.value.as_str()))
            })
        })
        .collect();
    exports.sort();
    let (exports, next) = page(&exports, p, LIST_PAGE)?;
    let mut w = XmlWriter::new();
    w.open("Exports");
    for (name, stack_id, value) in exports {
        w.open("member")
            .elem("ExportingStackId", stack_id)
            .elem("Name", name)
            .elem("Value", value)
            .close("member");
    }
    w.close("Exports");
    next_token(&mut w, next);
    Ok(w.finish())
}

// ---- templates -------------------------------------------------------------------------

fn get_template(s: &State, region: &str, p: &Params) -> AwsResult<String> {
    let body = match p.get("ChangeSetName") {
        Some(cs) => s
            .change_set(region, cs, p.get("StackName"))?
            .template_body
            .clone(),
        None => s
            .stack(region, p.required("StackName")?)?
            .template_body
            .clone(),
    };
    let mut w = XmlWriter::new();
    w.elem("TemplateBody", &body)
        .open("StagesAvailable")
        .elem("member", "Original")
        .elem("member", "Processed")
        .close("StagesAvailable");
    Ok(w.finish())
}

/// The template of a summary or validation request: the body, the URL, or a stack's.
fn requested_template(cloud: &Cloud, region: &str, p: &Params) -> AwsResult<Template> {
    let body = match p.get("StackName") {
        Some(name) if p.get("TemplateBody").is_none() && p.get("TemplateURL").is_none() => {
            read(cloud, |s| Ok(s.stack(region, name)?.template_body.clone()))?
        }
        _ => lifecycle::template_text(cloud, &template_source(p), None)?,
    };
    Ok(Template::parse(&body)?)
}

fn get_template_summary(cloud: &Cloud, region: &str, p: &Params) -> AwsResult<String> {
    let summary = requested_template(cloud, region, p)?.summary();
    let mut w = XmlWriter::new();
    w.open("Parameters");
    for param in &summary.parameters {
        w.open("member")
            .elem("ParameterKey", &param.name)
            .opt_elem("DefaultValue", param.default.as_deref())
            .elem("ParameterType", &param.type_name)
            .elem("NoEcho", if param.no_echo { "true" } else { "false" })
            .opt_elem("Description", param.description.as_deref())
            .open("ParameterConstraints");
        if let Some(allowed) = &param.allowed_values {
            members(&mut w, "AllowedValues", allowed);
        }
        w.close("ParameterConstraints").close("member");
    }
    w.close("Parameters")
        .opt_elem("Description", summary.description.as_deref());
    members(&mut w, "Capabilities", &summary.required.capabilities);
    w.opt_elem("CapabilitiesReason", summary.required.reason.as_deref());
    members(&mut w, "ResourceTypes", &summary.resource_types);
    w.elem("Version", &summary.version).opt_elem(
        "Metadata",
        summary
            .metadata
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
    );
    members(&mut w, "DeclaredTransforms", &summary.declared_transforms);
    w.open("ResourceIdentifierSummaries");
    for (resource_type, ids) in &summary.resources_by_type {
        w.open("member").elem("ResourceType", resource_type);
        members(&mut w, "LogicalResourceIds", ids);
        w.close("member");
    }
    w.close("ResourceIdentifierSummaries");
    Ok(w.finish())
}

fn validate_template(cloud: &Cloud, p: &Params) -> AwsResult<String> {
    let summary =
        Template::parse(&lifecycle::template_text(cloud, &template_source(p), None)?)?.summary();
    let mut w = XmlWriter::new();
    w.open("Parameters");
    for param in &summary.parameters {
        w.open("member")
            .elem("ParameterKey", &param.name)
            .opt_elem("DefaultValue", param.default.as_deref())
            .elem("NoEcho", if param.no_echo { "true" } else { "false" })
            .opt_elem("Description", param.description.as_deref())
            .close("member");
    }
    w.close("Parameters")
        .opt_elem("Description", summary.description.as_deref());
    members(&mut w, "Capabilities", &summary.required.capabilities);
    w.opt_elem("CapabilitiesReason", summary.required.reason.as_deref());
    members(&mut w, "DeclaredTransforms", &summary.declared_transforms);
    Ok(w.finish())
}

// ---- XML pieces ------------------------------------------------------------------------

fn members(w: &mut XmlWriter, name: &str, values: &[String]) {
    w.open(name);
    for value in values {
        w.elem("member", value);
    }
    w.close(name);
}

/// Writes a `DriftInformation` whose `status_element` (`StackDriftStatus`,
/// `StackResourceDriftStatus`) says drift was never checked.
fn drift_not_checked(w: &mut XmlWriter, status_element: &str) {
    w.open("DriftInformation")
        .elem(status_element, "NOT_CHECKED")
        .close("DriftInformation");
}

fn parameters_xml(w: &mut XmlWriter, parameters: &[(String, String)]) {
    w.open("Parameters");
    for (key, value) in parameters {
        w.open("member")
            .elem("ParameterKey", key)
            .elem("ParameterValue", value)
            .close("member");
    }
    w.close("Parameters");
}

fn tags_xml(w: &mut XmlWriter, tags: &[(String, String)]) {
    w.open("Tags");
    for (key, value) in tags {
        w.open("member")
            .elem("Key", key)
            .elem("Value", value)
            .close("member");
    }
    w.close("Tags");
}
