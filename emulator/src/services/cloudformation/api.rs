//! CloudFormation's wire protocol (awsQuery): each action's parameters, checks and `…Result`
//! XML.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use super::changes::changes;
use super::engine::{self, Operation, Previous};
use super::import;
use super::model::{
    no_such_stack, validation_error, Change, ChangeSet, ResourceChange, ResourceToImport, Stack,
    State, DELETE_COMPLETE, REVIEW_IN_PROGRESS,
};
use super::providers;
use super::record::Recorder;
use super::template::{Instance, ParameterValues, Pseudo, Template};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::iso8601;
use crate::protocol::pagination::{self, OffsetToken};
use crate::protocol::query::Params;
use crate::protocol::validation::{self, rule, Shown};
use crate::protocol::xml::XmlWriter;
use crate::request::RequestContext;

/// DescribeStackEvents' page size.
const EVENTS_PAGE: usize = 100;
/// ListStacks' and ListStackResources' page size.
const LIST_PAGE: usize = 100;

/// `StackStatusReason` / event reason of an operation a user started.
const USER_INITIATED: &str = "User Initiated";

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
        "ExecuteChangeSet" => execute_change_set(cloud, region, p).map(|()| Some(String::new())),
        "DeleteChangeSet" => delete_change_set(cloud, region, p).map(|()| Some(String::new())),
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
        "DeleteStack" => delete_stack(cloud, region, p).map(|()| None),
        "ListStacks" => read(cloud, |s| list_stacks(s, region, p)).map(Some),
        "ListExports" => read(cloud, |s| list_exports(s, region, p)).map(Some),
        "CancelUpdateStack" => cancel_update_stack(cloud, region, p).map(|()| None),
        "CreateStack" => create_stack(cloud, ctx, p).map(Some),
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

fn write(cloud: &Cloud, change: Change) -> AwsResult<()> {
    cloud.cloudformation.store.write(cloud, |_| Ok(change))
}

// ---- inputs ----------------------------------------------------------------------------

/// `StackName`: `[a-zA-Z][-a-zA-Z0-9]*`, at most 128 characters.
fn check_stack_name(name: &str) -> AwsResult<()> {
    let mut chars = name.chars();
    let shaped = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= 128;
    if shaped {
        Ok(())
    } else {
        Err(validation_error(validation::message(
            "stackName",
            Shown::Value(name),
            &rule::pattern("[a-zA-Z][-a-zA-Z0-9]*"),
        )))
    }
}

/// The template a request gives: `TemplateBody`, `TemplateURL` (an object of the emulated
/// S3), or the stack's current one (`UsePreviousTemplate`).
fn template_body(cloud: &Cloud, p: &Params, previous: Option<&Stack>) -> AwsResult<String> {
    if let Some(body) = p.get("TemplateBody") {
        return Ok(body.to_string());
    }
    if let Some(url) = p.get("TemplateURL") {
        let (bucket, key) = s3_location(url).ok_or_else(|| {
            validation_error(format!("TemplateURL must be a supported URL: {url}"))
        })?;
        let bytes = cloud.s3.get_object(&bucket, &key).map_err(|_| {
            validation_error(format!(
                "S3 error: Access Denied or the object does not exist: {url}"
            ))
        })?;
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    if p.get("UsePreviousTemplate") == Some("true") {
        if let Some(stack) = previous {
            return Ok(stack.template_body.clone());
        }
    }
    Err(validation_error(
        "Either Template URL or Template Body must be specified.",
    ))
}

/// The bucket and key of an S3 URL, virtual-hosted (`https://b.s3….amazonaws.com/k`) or
/// path-style (`https://s3….amazonaws.com/b/k`, `http://127.0.0.1:4566/b/k`).
fn s3_location(url: &str) -> Option<(String, String)> {
    let rest = url.split_once("://")?.1;
    let (host, path) = rest.split_once('/')?;
    let path = crate::request::percent_decode(path);
    match host.split_once(".s3") {
        Some((bucket, _)) if !bucket.is_empty() => Some((bucket.to_string(), path)),
        _ => {
            let (bucket, key) = path.split_once('/')?;
            Some((bucket.to_string(), key.to_string()))
        }
    }
}

/// `Parameters.member.N`: key → value (`UsePreviousValue` takes the stack's).
fn parameters(p: &Params, previous: Option<&Stack>) -> AwsResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for member in p.struct_list("Parameters") {
        let key = member.required("ParameterKey")?.to_string();
        let value = if member.get("UsePreviousValue") == Some("true") {
            previous
                .and_then(effective_parameters)
                .and_then(|mut values| values.remove(&key))
                .ok_or_else(|| validation_error(format!("Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template")))?
        } else {
            member.get("ParameterValue").unwrap_or_default().to_string()
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// Every parameter of the stack's current template with the value it has (given, or its
/// default): what `UsePreviousValue` refers to, and what a change set compares against.
fn effective_parameters(stack: &Stack) -> Option<BTreeMap<String, String>> {
    let template = Template::parse(&stack.template_body).ok()?;
    let values = ParameterValues::resolve(&template, &stack.parameters).ok()?;
    Some(values_by_name(&values))
}

fn values_by_name(values: &ParameterValues) -> BTreeMap<String, String> {
    values
        .iter()
        .map(|v| (v.name.clone(), v.value.clone()))
        .collect()
}

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

/// A template read, checked against the capabilities, and instantiated for a stack.
struct Prepared {
    body: String,
    instance: Instance,
    parameters: BTreeMap<String, String>,
    capabilities: Vec<String>,
}

impl Prepared {
    fn shown_parameters(&self) -> Vec<(String, String)> {
        self.instance
            .parameters()
            .iter()
            .map(|v| {
                let value = if v.no_echo {
                    "****".to_string()
                } else {
                    v.value.clone()
                };
                (v.name.clone(), value)
            })
            .collect()
    }

    fn description(&self) -> Option<String> {
        self.instance.template().description.clone()
    }

    /// The resource types no provider handles, as CloudFormation reports them.
    fn unrecognized(&self) -> Option<String> {
        let mut unknown: Vec<&str> = Vec::new();
        for resource in &self.instance.template().resources {
            let t = resource.resource_type.as_str();
            if !providers::is_supported(t) && !unknown.contains(&t) {
                unknown.push(t);
            }
        }
        (!unknown.is_empty()).then(|| {
            format!(
                "Template format error: Unrecognized resource types: [{}]",
                unknown.join(", ")
            )
        })
    }
}

fn prepare(
    cloud: &Cloud,
    p: &Params,
    region: &str,
    name: &str,
    stack_id: &str,
    previous: Option<&Stack>,
) -> AwsResult<Prepared> {
    let body = template_body(cloud, p, previous)?;
    let template = Template::parse(&body)?;
    let capabilities = strings(p, "Capabilities");
    template.check_capabilities(&capabilities)?;
    let parameters = parameters(p, previous)?;
    let instance = Instance::new(template, Pseudo::new(region, name, stack_id), &parameters)?;
    Ok(Prepared {
        body,
        instance,
        parameters,
        capabilities,
    })
}

fn stack_arn(region: &str, name: &str) -> String {
    let ctx = RequestContext::internal("cloudformation", region);
    ctx.arn(
        "cloudformation",
        &format!("stack/{name}/{}", uuid::Uuid::new_v4()),
    )
}

fn new_stack(id: String, name: &str, region: &str, status: &str) -> Stack {
    Stack {
        id,
        name: name.to_string(),
        region: region.to_string(),
        status: status.to_string(),
        status_reason: None,
        created: SystemTime::now(),
        updated: None,
        deleted: None,
        template_body: String::from("{}"),
        description: None,
        parameters: BTreeMap::new(),
        shown_parameters: Vec::new(),
        capabilities: Vec::new(),
        tags: Vec::new(),
        outputs: Vec::new(),
        resources: Vec::new(),
        change_set_id: None,
        disable_rollback: false,
    }
}

fn recorder(cloud: &Arc<Cloud>, stack: &Stack, token: Option<&str>) -> Recorder {
    Recorder {
        cloud: cloud.clone(),
        stack_id: stack.id.clone(),
        stack_name: stack.name.clone(),
        token: token.map(str::to_string),
    }
}

/// Refuses to change a stack whose status does not allow an update.
fn check_updatable(stack: &Stack) -> AwsResult<()> {
    let ok = matches!(
        stack.status.as_str(),
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "UPDATE_ROLLBACK_COMPLETE" | "IMPORT_COMPLETE"
    );
    if ok {
        Ok(())
    } else {
        Err(validation_error(format!(
            "Stack:{} is in {} state and can not be updated.",
            stack.id, stack.status
        )))
    }
}

// ---- change sets -----------------------------------------------------------------------

fn create_change_set(cloud: &Arc<Cloud>, ctx: &RequestContext, p: &Params) -> AwsResult<String> {
    let region = ctx.region.as_str();
    let stack_name = p.required("StackName")?;
    let name = p.required("ChangeSetName")?;
    let change_set_type = p.get("ChangeSetType").unwrap_or("UPDATE");
    let existing = read(cloud, |s| Ok(s.find_stack(region, stack_name).cloned()))?;
    let stack_name = existing
        .as_ref()
        .map_or(stack_name, |s| s.name.as_str())
        .to_string();
    check_stack_name(&stack_name)?;
    match (change_set_type, &existing) {
        ("CREATE", Some(stack)) if stack.status != REVIEW_IN_PROGRESS => {
            return Err(AwsError::new(
                "AlreadyExistsException",
                format!("Stack [{stack_name}] already exists and cannot be created again with the changeSet [{name}]."),
            ))
        }
        ("UPDATE", None) => return Err(validation_error(format!("Stack [{stack_name}] does not exist"))),
        ("UPDATE", Some(stack)) if stack.status == REVIEW_IN_PROGRESS => {
            return Err(validation_error(format!(
                "Stack [{stack_name}] does not exist"
            )))
        }
        ("UPDATE" | "IMPORT", Some(stack)) if stack.status != REVIEW_IN_PROGRESS => {
            check_updatable(stack)?
        }
        ("CREATE" | "UPDATE" | "IMPORT", _) => {}
        (other, _) => {
            return Err(validation_error(validation::message(
                "changeSetType",
                Shown::Value(other),
                &rule::one_of(&["UPDATE", "CREATE", "IMPORT"]),
            )))
        }
    }
    if let Some(stack) = &existing {
        let sets = read(cloud, |s| {
            Ok(s.change_sets_of(&stack.id)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>())
        })?;
        if let Some(token) = p.get("ClientToken") {
            if let Some(same) = sets
                .iter()
                .find(|c| c.client_token.as_deref() == Some(token) && c.name == name)
            {
                return Ok(created_reply(&same.id, &same.stack_id));
            }
        }
        if sets.iter().any(|c| c.name == name) {
            return Err(AwsError::new(
                "AlreadyExistsException",
                format!("ChangeSet [{name}] already exists and cannot be created again."),
            ));
        }
    }
    let stack_id = existing
        .as_ref()
        .map_or_else(|| stack_arn(region, &stack_name), |s| s.id.clone());
    let prepared = prepare(cloud, p, region, &stack_name, &stack_id, existing.as_ref())?;
    let imports = resources_to_import(p)?;
    if change_set_type == "IMPORT" {
        let live = existing.as_ref().filter(|s| s.status != REVIEW_IN_PROGRESS);
        let exports = cloud.cloudformation.exports(region);
        import::check(&prepared.instance, live, &imports, &exports)?;
    }
    let id = ctx.arn(
        "cloudformation",
        &format!("changeSet/{name}/{}", uuid::Uuid::new_v4()),
    );
    let change_set = ChangeSet {
        id: id.clone(),
        name: name.to_string(),
        stack_id: stack_id.clone(),
        stack_name: stack_name.clone(),
        change_set_type: change_set_type.to_string(),
        description: p.get("Description").map(str::to_string),
        status: "CREATE_PENDING".into(),
        status_reason: None,
        execution_status: "UNAVAILABLE".into(),
        created: SystemTime::now(),
        template_body: prepared.body.clone(),
        parameters: prepared.parameters.clone(),
        shown_parameters: prepared.shown_parameters(),
        capabilities: prepared.capabilities.clone(),
        tags: tags(p),
        changes: Vec::new(),
        client_token: p.get("ClientToken").map(str::to_string),
        imports,
    };
    let stack = match &existing {
        Some(stack) => stack.clone(),
        None => {
            let stack = new_stack(stack_id.clone(), &stack_name, region, REVIEW_IN_PROGRESS);
            write(cloud, Change::PutStack(Box::new(stack.clone())))?;
            recorder(cloud, &stack, None).stack_status(
                REVIEW_IN_PROGRESS,
                Some(USER_INITIATED),
                |_| {},
            )?;
            stack
        }
    };
    write(cloud, Change::PutChangeSet(Box::new(change_set.clone())))?;
    let cloud = cloud.clone();
    tokio::spawn(async move {
        let imported = if change_set.imports.is_empty() {
            None
        } else {
            Some(import::plan(&cloud, &stack, &change_set.imports).await)
        };
        if let Err(err) = compute_change_set(&cloud, change_set, prepared, existing, imported) {
            eprintln!("cloudformation: change set: {err}");
        }
    });
    Ok(created_reply(&id, &stack_id))
}

fn created_reply(id: &str, stack_id: &str) -> String {
    let mut w = XmlWriter::new();
    w.elem("Id", id).elem("StackId", stack_id);
    w.finish()
}

/// CREATE_IN_PROGRESS, then the changes: CREATE_COMPLETE (AVAILABLE) or FAILED. An IMPORT
/// change set's changes (or the reason it cannot import) come `imported`.
fn compute_change_set(
    cloud: &Cloud,
    mut change_set: ChangeSet,
    prepared: Prepared,
    stack: Option<Stack>,
    imported: Option<Result<Vec<ResourceChange>, String>>,
) -> AwsResult<()> {
    change_set.status = "CREATE_IN_PROGRESS".into();
    write(cloud, Change::PutChangeSet(Box::new(change_set.clone())))?;
    let current = stack
        .as_ref()
        .map(|s| s.resources.clone())
        .unwrap_or_default();
    let region = stack.as_ref().map(|s| s.region.clone());
    let exports = region
        .map(|r| cloud.cloudformation.exports(&r))
        .unwrap_or_default();
    let (found, failure) = match imported {
        Some(Ok(found)) => (found, None),
        Some(Err(reason)) => (Vec::new(), Some(reason)),
        None => {
            let found = changes(&prepared.instance, &current, &exports);
            let failure = unchanged(&change_set, &prepared, stack.as_ref(), &found);
            (found, failure)
        }
    };
    match failure {
        Some(reason) => {
            change_set.status = "FAILED".into();
            change_set.status_reason = Some(reason);
        }
        None => {
            change_set.status = "CREATE_COMPLETE".into();
            change_set.execution_status = "AVAILABLE".into();
            change_set.changes = found;
        }
    }
    write(cloud, Change::PutChangeSet(Box::new(change_set)))
}

/// Why a CREATE or UPDATE change set cannot be executed: an unknown resource type, or nothing
/// to change.
fn unchanged(
    change_set: &ChangeSet,
    prepared: &Prepared,
    stack: Option<&Stack>,
    found: &[ResourceChange],
) -> Option<String> {
    prepared.unrecognized().or_else(|| {
        let stack = stack?;
        let same_outputs = Template::parse(&stack.template_body)
            .ok()
            .is_some_and(|t| t.body.get("Outputs") == prepared.instance.template().body.get("Outputs"));
        let unchanged = found.is_empty()
            && same_outputs
            && effective_parameters(stack)
                .is_some_and(|old| old == values_by_name(prepared.instance.parameters()))
            && (change_set.tags.is_empty() || stack.tags == change_set.tags);
        unchanged.then(|| {
            "The submitted information didn't contain changes. Submit different information to create a change set.".to_string()
        })
    })
}

fn execute_change_set(cloud: &Arc<Cloud>, region: &str, p: &Params) -> AwsResult<()> {
    let (change_set, stack) = read(cloud, |s| {
        let cs = s
            .change_set(region, p.required("ChangeSetName")?, p.get("StackName"))?
            .clone();
        let stack = s
            .stacks
            .get(&cs.stack_id)
            .cloned()
            .ok_or_else(|| no_such_stack(&cs.stack_name))?;
        Ok((cs, stack))
    })?;
    if change_set.execution_status != "AVAILABLE" {
        return Err(AwsError::new(
            "InvalidChangeSetStatus",
            format!(
                "ChangeSet [{}] cannot be executed in its current execution status of [{}]",
                change_set.id, change_set.execution_status
            ),
        ));
    }
    if stack.is_busy() {
        return Err(AwsError::new(
            "InvalidChangeSetStatus",
            format!(
                "ChangeSet [{}] cannot be executed in its current status of [{}]",
                change_set.id, stack.status
            ),
        ));
    }
    let token = p.get("ClientRequestToken");
    let mut executed = change_set.clone();
    executed.execution_status = "EXECUTE_IN_PROGRESS".into();
    write(cloud, Change::PutChangeSet(Box::new(executed)))?;
    for other in read(cloud, |s| {
        Ok(s.change_sets_of(&stack.id)
            .into_iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>())
    })? {
        if other != change_set.id {
            write(cloud, Change::DeleteChangeSet(other))?;
        }
    }
    let rec = recorder(cloud, &stack, token);
    let creating = stack.status == REVIEW_IN_PROGRESS;
    let previous = Previous {
        template_body: stack.template_body.clone(),
        parameters: stack.parameters.clone(),
        shown_parameters: stack.shown_parameters.clone(),
        description: stack.description.clone(),
        outputs: stack.outputs.clone(),
    };
    let description = Template::parse(&change_set.template_body)
        .ok()
        .and_then(|t| t.description);
    let (status, operation) = if change_set.change_set_type == "IMPORT" {
        (
            "IMPORT_IN_PROGRESS",
            Operation::Import(Box::new(previous), change_set.imports.clone()),
        )
    } else if creating {
        ("CREATE_IN_PROGRESS", Operation::Create)
    } else {
        ("UPDATE_IN_PROGRESS", Operation::Update(Box::new(previous)))
    };
    rec.stack_status(status, Some(USER_INITIATED), |s| {
        s.template_body = change_set.template_body.clone();
        s.parameters = change_set.parameters.clone();
        s.shown_parameters = change_set.shown_parameters.clone();
        s.capabilities = change_set.capabilities.clone();
        s.description = description;
        if !change_set.tags.is_empty() {
            s.tags = change_set.tags.clone();
        }
        s.change_set_id = Some(change_set.id.clone());
        if !creating {
            s.updated = Some(SystemTime::now());
        }
    })?;
    engine::spawn(
        cloud.clone(),
        stack.id.clone(),
        token.map(str::to_string),
        operation,
    );
    Ok(())
}

fn delete_change_set(cloud: &Cloud, region: &str, p: &Params) -> AwsResult<()> {
    let change_set = read(cloud, |s| {
        Ok(
            s.change_set(region, p.required("ChangeSetName")?, p.get("StackName"))?
                .clone(),
        )
    })?;
    if change_set.execution_status == "EXECUTE_IN_PROGRESS" {
        return Err(AwsError::new(
            "InvalidChangeSetStatus",
            format!(
                "Cannot delete ChangeSet in status {}",
                change_set.execution_status
            ),
        ));
    }
    write(cloud, Change::DeleteChangeSet(change_set.id))
}

fn change_set_summary(w: &mut XmlWriter, cs: &ChangeSet) {
    w.elem("StackId", &cs.stack_id)
        .elem("StackName", &cs.stack_name)
        .elem("ChangeSetId", &cs.id)
        .elem("ChangeSetName", &cs.name)
        .elem("ExecutionStatus", &cs.execution_status)
        .elem("Status", &cs.status)
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
        .elem("ExecutionStatus", &cs.execution_status)
        .elem("Status", &cs.status)
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

fn create_stack(cloud: &Arc<Cloud>, ctx: &RequestContext, p: &Params) -> AwsResult<String> {
    let region = ctx.region.as_str();
    let name = p.required("StackName")?;
    check_stack_name(name)?;
    if read(cloud, |s| Ok(s.find_stack(region, name).is_some()))? {
        return Err(AwsError::new(
            "AlreadyExistsException",
            format!("Stack [{name}] already exists"),
        ));
    }
    let id = stack_arn(region, name);
    let prepared = prepare(cloud, p, region, name, &id, None)?;
    if let Some(reason) = prepared.unrecognized() {
        return Err(validation_error(reason));
    }
    let mut stack = new_stack(id.clone(), name, region, "CREATE_IN_PROGRESS");
    stack.template_body = prepared.body.clone();
    stack.parameters = prepared.parameters.clone();
    stack.shown_parameters = prepared.shown_parameters();
    stack.capabilities = prepared.capabilities.clone();
    stack.description = prepared.description();
    stack.tags = tags(p);
    stack.disable_rollback = p.get("DisableRollback") == Some("true");
    write(cloud, Change::PutStack(Box::new(stack.clone())))?;
    let token = p.get("ClientRequestToken");
    recorder(cloud, &stack, token).stack_status(
        "CREATE_IN_PROGRESS",
        Some(USER_INITIATED),
        |_| {},
    )?;
    engine::spawn(
        cloud.clone(),
        id.clone(),
        token.map(str::to_string),
        Operation::Create,
    );
    let mut w = XmlWriter::new();
    w.elem("StackId", &id);
    Ok(w.finish())
}

fn update_stack(cloud: &Arc<Cloud>, region: &str, p: &Params) -> AwsResult<String> {
    let stack = read(cloud, |s| {
        Ok(s.stack(region, p.required("StackName")?)?.clone())
    })?;
    check_updatable(&stack)?;
    let prepared = prepare(cloud, p, region, &stack.name, &stack.id, Some(&stack))?;
    if let Some(reason) = prepared.unrecognized() {
        return Err(validation_error(reason));
    }
    let exports = cloud.cloudformation.exports(region);
    let found = changes(&prepared.instance, &stack.resources, &exports);
    let same_outputs = Template::parse(&stack.template_body)
        .ok()
        .is_some_and(|t| t.body.get("Outputs") == prepared.instance.template().body.get("Outputs"));
    if found.is_empty() && same_outputs && stack.parameters == prepared.parameters {
        return Err(validation_error("No updates are to be performed."));
    }
    let previous = Previous {
        template_body: stack.template_body.clone(),
        parameters: stack.parameters.clone(),
        shown_parameters: stack.shown_parameters.clone(),
        description: stack.description.clone(),
        outputs: stack.outputs.clone(),
    };
    let token = p.get("ClientRequestToken");
    let new_tags = tags(p);
    recorder(cloud, &stack, token).stack_status(
        "UPDATE_IN_PROGRESS",
        Some(USER_INITIATED),
        |s| {
            s.template_body = prepared.body.clone();
            s.parameters = prepared.parameters.clone();
            s.shown_parameters = prepared.shown_parameters();
            s.capabilities = prepared.capabilities.clone();
            s.description = prepared.description();
            if !new_tags.is_empty() {
                s.tags = new_tags;
            }
            s.updated = Some(SystemTime::now());
        },
    )?;
    engine::spawn(
        cloud.clone(),
        stack.id.clone(),
        token.map(str::to_string),
        Operation::Update(Box::new(previous)),
    );
    let mut w = XmlWriter::new();
    w.elem("StackId", &stack.id);
    Ok(w.finish())
}

fn delete_stack(cloud: &Arc<Cloud>, region: &str, p: &Params) -> AwsResult<()> {
    let name = p.required("StackName")?;
    let Some(stack) = read(cloud, |s| Ok(s.find_stack(region, name).cloned()))? else {
        return Ok(());
    };
    if stack.status == DELETE_COMPLETE || stack.status == "DELETE_IN_PROGRESS" {
        return Ok(());
    }
    if stack.is_busy() {
        return Err(validation_error(format!(
            "Stack [{}] cannot be deleted while in status {}",
            stack.name, stack.status
        )));
    }
    let token = p.get("ClientRequestToken");
    recorder(cloud, &stack, token).stack_status(
        "DELETE_IN_PROGRESS",
        Some(USER_INITIATED),
        |_| {},
    )?;
    engine::spawn(
        cloud.clone(),
        stack.id.clone(),
        token.map(str::to_string),
        Operation::Delete,
    );
    Ok(())
}

fn cancel_update_stack(cloud: &Cloud, region: &str, p: &Params) -> AwsResult<()> {
    let stack = read(cloud, |s| {
        Ok(s.stack(region, p.required("StackName")?)?.clone())
    })?;
    if stack.status != "UPDATE_IN_PROGRESS" {
        return Err(validation_error(
            "CancelUpdateStack cannot be called from current stack status",
        ));
    }
    cloud.cloudformation.cancel(&stack.id);
    Ok(())
}

fn describe_stacks(s: &State, region: &str, name: Option<&str>) -> AwsResult<String> {
    let stacks: Vec<&Stack> = match name {
        Some(name) => vec![s.stack(region, name)?],
        None => s
            .stacks
            .values()
            .filter(|st| st.region == region && st.status != DELETE_COMPLETE)
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
        .elem("StackStatus", &stack.status)
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
    w.elem("EnableTerminationProtection", "false")
        .open("DriftInformation")
        .elem("StackDriftStatus", "NOT_CHECKED")
        .close("DriftInformation");
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
    let start = match p.get("NextToken") {
        None => 0,
        Some(token) => TOKENS
            .decode(token)
            .ok_or_else(|| validation_error(format!("Invalid NextToken: {token}")))?,
    };
    let (page, next) = pagination::page(items.iter().collect(), start, size);
    Ok((page, next.map(|offset| TOKENS.encode(offset))))
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
            .elem("StackId", &stack.id)
            .elem("LogicalResourceId", &r.logical_id)
            .opt_elem("PhysicalResourceId", r.physical_id.as_deref())
            .elem("ResourceType", &r.resource_type)
            .elem("Timestamp", &iso8601(r.updated))
            .elem("ResourceStatus", &r.status)
            .opt_elem("ResourceStatusReason", r.status_reason.as_deref())
            .open("DriftInformation")
            .elem("StackResourceDriftStatus", "NOT_CHECKED")
            .close("DriftInformation")
            .close("member");
    }
    w.close("StackResources");
    Ok(w.finish())
}

fn list_stack_resources(s: &State, region: &str, p: &Params) -> AwsResult<String> {
    let stack = s.stack(region, p.required("StackName")?)?;
    let (resources, next) = page(&stack.resources, p, LIST_PAGE)?;
    let mut w = XmlWriter::new();
    w.open("StackResourceSummaries");
    for r in resources {
        w.open("member")
            .elem("LogicalResourceId", &r.logical_id)
            .opt_elem("PhysicalResourceId", r.physical_id.as_deref())
            .elem("ResourceType", &r.resource_type)
            .elem("LastUpdatedTimestamp", &iso8601(r.updated))
            .elem("ResourceStatus", &r.status)
            .opt_elem("ResourceStatusReason", r.status_reason.as_deref())
            .open("DriftInformation")
            .elem("StackResourceDriftStatus", "NOT_CHECKED")
            .close("DriftInformation")
            .close("member");
    }
    w.close("StackResourceSummaries");
    next_token(&mut w, next);
    Ok(w.finish())
}

fn list_stacks(s: &State, region: &str, p: &Params) -> AwsResult<String> {
    let filter = p.list("StackStatusFilter");
    let mut stacks: Vec<&Stack> = s
        .stacks
        .values()
        .filter(|st| {
            st.region == region && (filter.is_empty() || filter.contains(&st.status.as_str()))
        })
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
            .elem("StackStatus", &stack.status)
            .opt_elem("StackStatusReason", stack.status_reason.as_deref())
            .open("DriftInformation")
            .elem("StackDriftStatus", "NOT_CHECKED")
            .close("DriftInformation")
            .close("member");
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
        .filter(|st| st.region == region && st.status != "DELETE_COMPLETE")
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
        _ => template_body(cloud, p, None)?,
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
    let summary = Template::parse(&template_body(cloud, p, None)?)?.summary();
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
