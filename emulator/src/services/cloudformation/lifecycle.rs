//! The operations that change stacks, with their rules and flows: a change set is admitted,
//! computed in the background (`CREATE_PENDING` → `CREATE_IN_PROGRESS` → `CREATE_COMPLETE` or
//! `FAILED`), executed (the stack operation runs in [`engine`](mod@super::engine)) and settled;
//! stacks are created, updated, deleted and their updates cancelled. The inputs are typed:
//! [`api`](super::api) reads them off the wire and writes the replies.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use super::changes::changes;
use super::engine::{self, Operation, Previous};
use super::import;
use super::model::{
    no_such_stack, validation_error, Admission, Change, ChangeSet, ResourceChange,
    ResourceToImport, Stack, State,
};
use super::providers;
use super::record::Recorder;
use super::status::{ChangeSetStatus, ChangeSetType, ExecutionStatus, StackStatus};
use super::template::{Instance, ParameterValues, Pseudo, Template};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::validation::{self, rule, Shown};
use crate::request::RequestContext;

/// `StackStatusReason` / event reason of an operation a user started.
const USER_INITIATED: &str = "User Initiated";

/// Where a request's template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    /// `TemplateBody`.
    Body(String),
    /// `TemplateURL`: an object of the emulated S3.
    Url(String),
    /// `UsePreviousTemplate`: the stack's current template.
    Previous,
    /// None of these was given.
    Missing,
}

/// One member of `Parameters`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterInput {
    /// `ParameterKey`.
    pub key: String,
    /// `ParameterValue`, or `None` for `UsePreviousValue`.
    pub value: Option<String>,
}

/// What CreateStack, UpdateStack and CreateChangeSet give a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackInput {
    /// The template.
    pub template: TemplateSource,
    /// `Parameters`.
    pub parameters: Vec<ParameterInput>,
    /// `Capabilities`.
    pub capabilities: Vec<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
}

/// A CreateChangeSet request.
#[derive(Debug, Clone)]
pub struct NewChangeSet {
    /// `StackName` (a name or an id).
    pub stack_name: String,
    /// `ChangeSetName`.
    pub name: String,
    /// `ChangeSetType`.
    pub kind: ChangeSetType,
    /// `Description`.
    pub description: Option<String>,
    /// `ClientToken`.
    pub client_token: Option<String>,
    /// The template and its values.
    pub input: StackInput,
    /// `ResourcesToImport`.
    pub imports: Vec<ResourceToImport>,
}

/// A CreateStack request.
#[derive(Debug, Clone)]
pub struct NewStack {
    /// `StackName`.
    pub name: String,
    /// The template and its values.
    pub input: StackInput,
    /// `DisableRollback`.
    pub disable_rollback: bool,
    /// `ClientRequestToken`.
    pub token: Option<String>,
}

/// The text of a request's template.
pub fn template_text(
    cloud: &Cloud,
    source: &TemplateSource,
    previous: Option<&Stack>,
) -> AwsResult<String> {
    match (source, previous) {
        (TemplateSource::Body(body), _) => Ok(body.clone()),
        (TemplateSource::Url(url), _) => {
            let (bucket, key) = s3_location(url).ok_or_else(|| {
                validation_error(format!("TemplateURL must be a supported URL: {url}"))
            })?;
            let bytes = cloud.s3.get_object(&bucket, &key).map_err(|_| {
                validation_error(format!(
                    "S3 error: Access Denied or the object does not exist: {url}"
                ))
            })?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
        (TemplateSource::Previous, Some(stack)) => Ok(stack.template_body.clone()),
        (TemplateSource::Previous | TemplateSource::Missing, _) => Err(validation_error(
            "Either Template URL or Template Body must be specified.",
        )),
    }
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

/// The parameter values given: `UsePreviousValue` takes the stack's.
fn parameters(
    given: &[ParameterInput],
    previous: Option<&Stack>,
) -> AwsResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for parameter in given {
        let key = parameter.key.clone();
        let value = match &parameter.value {
            Some(value) => value.clone(),
            None => previous
                .and_then(effective_parameters)
                .and_then(|mut values| values.remove(&key))
                .ok_or_else(|| validation_error(format!("Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template")))?,
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

/// A template read, checked against the capabilities, and instantiated for a stack.
struct Prepared {
    body: String,
    instance: Instance,
    parameters: BTreeMap<String, String>,
    capabilities: Vec<String>,
    tags: Vec<(String, String)>,
}

impl Prepared {
    fn new(
        cloud: &Cloud,
        input: &StackInput,
        pseudo: Pseudo,
        previous: Option<&Stack>,
    ) -> AwsResult<Prepared> {
        let body = template_text(cloud, &input.template, previous)?;
        let template = Template::parse(&body)?;
        template.check_capabilities(&input.capabilities)?;
        let parameters = parameters(&input.parameters, previous)?;
        let instance = Instance::new(template, pseudo, &parameters)?;
        Ok(Prepared {
            body,
            instance,
            parameters,
            capabilities: input.capabilities.clone(),
            tags: input.tags.clone(),
        })
    }

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

    /// True when the template's `Outputs` are those of the stack's current template.
    fn same_outputs(&self, stack: &Stack) -> bool {
        Template::parse(&stack.template_body)
            .ok()
            .is_some_and(|t| t.body.get("Outputs") == self.instance.template().body.get("Outputs"))
    }

    /// Gives the stack this template and its values (an update or an executed change set).
    fn apply_to(&self, stack: &mut Stack) {
        stack.template_body = self.body.clone();
        stack.parameters = self.parameters.clone();
        stack.shown_parameters = self.shown_parameters();
        stack.capabilities = self.capabilities.clone();
        stack.description = self.description();
        if !self.tags.is_empty() {
            stack.tags = self.tags.clone();
        }
    }
}

fn read<T>(cloud: &Cloud, f: impl FnOnce(&State) -> AwsResult<T>) -> AwsResult<T> {
    cloud.cloudformation.store.read(f)
}

fn write(cloud: &Cloud, change: Change) -> AwsResult<()> {
    cloud.cloudformation.store.write(cloud, |_| Ok(change))
}

fn stack_arn(region: &str, name: &str) -> String {
    let ctx = RequestContext::internal("cloudformation", region);
    ctx.arn(
        "cloudformation",
        &format!("stack/{name}/{}", uuid::Uuid::new_v4()),
    )
}

fn new_stack(id: String, name: &str, region: &str, status: StackStatus) -> Stack {
    Stack {
        id,
        name: name.to_string(),
        region: region.to_string(),
        status,
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

/// What the stack is before an update: what its rollback restores.
fn previous(stack: &Stack) -> Box<Previous> {
    Box::new(Previous {
        template_body: stack.template_body.clone(),
        parameters: stack.parameters.clone(),
        shown_parameters: stack.shown_parameters.clone(),
        description: stack.description.clone(),
        outputs: stack.outputs.clone(),
    })
}

// ---- change sets -----------------------------------------------------------------------

/// CreateChangeSet: admits the change set, records it `CREATE_PENDING` (with the stack in
/// `REVIEW_IN_PROGRESS` when it makes one) and computes its changes in the background.
/// Returns its id and its stack's.
pub fn create_change_set(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    request: NewChangeSet,
) -> AwsResult<(String, String)> {
    let region = ctx.region.as_str();
    let admission = read(cloud, |s| {
        let shown_name = s
            .find_stack(region, &request.stack_name)
            .map_or(request.stack_name.as_str(), |stack| stack.name.as_str());
        check_stack_name(shown_name)?;
        s.admit_change_set(
            region,
            &request.stack_name,
            &request.name,
            request.kind,
            request.client_token.as_deref(),
        )
    })?;
    let existing = match admission {
        Admission::Repeat(same) => return Ok((same.id, same.stack_id)),
        Admission::New(existing) => existing,
    };
    let stack_name = existing
        .as_ref()
        .map_or_else(|| request.stack_name.clone(), |s| s.name.clone());
    let stack_id = existing
        .as_ref()
        .map_or_else(|| stack_arn(region, &stack_name), |s| s.id.clone());
    let pseudo = Pseudo::new(region, &stack_name, &stack_id);
    let prepared = Prepared::new(cloud, &request.input, pseudo, existing.as_ref())?;
    if request.kind == ChangeSetType::Import {
        let live = existing.as_ref().filter(|s| !s.is_in_review());
        let exports = cloud.cloudformation.exports(region);
        import::check(&prepared.instance, live, &request.imports, &exports)?;
    }
    let id = ctx.arn(
        "cloudformation",
        &format!("changeSet/{}/{}", request.name, uuid::Uuid::new_v4()),
    );
    let change_set = ChangeSet {
        id: id.clone(),
        name: request.name,
        stack_id: stack_id.clone(),
        stack_name: stack_name.clone(),
        change_set_type: request.kind,
        description: request.description,
        status: ChangeSetStatus::CreatePending,
        status_reason: None,
        execution_status: ExecutionStatus::Unavailable,
        created: SystemTime::now(),
        template_body: prepared.body.clone(),
        parameters: prepared.parameters.clone(),
        shown_parameters: prepared.shown_parameters(),
        capabilities: prepared.capabilities.clone(),
        tags: prepared.tags.clone(),
        changes: Vec::new(),
        client_token: request.client_token,
        imports: request.imports,
    };
    let stack = match &existing {
        Some(stack) => stack.clone(),
        None => {
            let stack = new_stack(
                stack_id.clone(),
                &stack_name,
                region,
                StackStatus::ReviewInProgress,
            );
            write(cloud, Change::PutStack(Box::new(stack.clone())))?;
            recorder(cloud, &stack, None).stack_status(
                StackStatus::ReviewInProgress,
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
    Ok((id, stack_id))
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
    change_set.status = ChangeSetStatus::CreateInProgress;
    write(cloud, Change::PutChangeSet(Box::new(change_set.clone())))?;
    let current = stack
        .as_ref()
        .map(|s| s.resources.clone())
        .unwrap_or_default();
    let exports = stack
        .as_ref()
        .map(|s| cloud.cloudformation.exports(&s.region))
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
            change_set.status = ChangeSetStatus::Failed;
            change_set.status_reason = Some(reason);
        }
        None => {
            change_set.status = ChangeSetStatus::CreateComplete;
            change_set.execution_status = ExecutionStatus::Available;
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
        let unchanged = found.is_empty()
            && prepared.same_outputs(stack)
            && effective_parameters(stack)
                .is_some_and(|old| old == values_by_name(prepared.instance.parameters()))
            && (change_set.tags.is_empty() || stack.tags == change_set.tags);
        unchanged.then(|| {
            "The submitted information didn't contain changes. Submit different information to create a change set.".to_string()
        })
    })
}

/// ExecuteChangeSet: the change set becomes `EXECUTE_IN_PROGRESS` (the stack's other change
/// sets are deleted), the stack takes its template and values, and the operation starts.
pub fn execute_change_set(
    cloud: &Arc<Cloud>,
    region: &str,
    change_set: &str,
    stack_name: Option<&str>,
    token: Option<&str>,
) -> AwsResult<()> {
    let (change_set, stack) = read(cloud, |s| {
        let cs = s.change_set(region, change_set, stack_name)?.clone();
        let stack = s
            .stacks
            .get(&cs.stack_id)
            .cloned()
            .ok_or_else(|| no_such_stack(&cs.stack_name))?;
        Ok((cs, stack))
    })?;
    change_set.check_executable(&stack)?;
    let mut executed = change_set.clone();
    executed.execution_status = ExecutionStatus::ExecuteInProgress;
    write(cloud, Change::PutChangeSet(Box::new(executed)))?;
    let others: Vec<String> = read(cloud, |s| {
        Ok(s.change_sets_of(&stack.id)
            .into_iter()
            .map(|c| c.id.clone())
            .filter(|id| *id != change_set.id)
            .collect())
    })?;
    for other in others {
        write(cloud, Change::DeleteChangeSet(other))?;
    }
    let status = change_set.execution_start(&stack);
    let operation = match status {
        StackStatus::ImportInProgress => {
            Operation::Import(previous(&stack), change_set.imports.clone())
        }
        StackStatus::CreateInProgress => Operation::Create,
        _ => Operation::Update(previous(&stack)),
    };
    let description = Template::parse(&change_set.template_body)
        .ok()
        .and_then(|t| t.description);
    recorder(cloud, &stack, token).stack_status(status, Some(USER_INITIATED), |s| {
        s.template_body = change_set.template_body.clone();
        s.parameters = change_set.parameters.clone();
        s.shown_parameters = change_set.shown_parameters.clone();
        s.capabilities = change_set.capabilities.clone();
        s.description = description;
        if !change_set.tags.is_empty() {
            s.tags = change_set.tags.clone();
        }
        s.change_set_id = Some(change_set.id.clone());
        if status != StackStatus::CreateInProgress {
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

/// DeleteChangeSet.
pub fn delete_change_set(
    cloud: &Cloud,
    region: &str,
    change_set: &str,
    stack_name: Option<&str>,
) -> AwsResult<()> {
    let change_set = read(cloud, |s| {
        Ok(s.change_set(region, change_set, stack_name)?.clone())
    })?;
    change_set.check_deletable()?;
    write(cloud, Change::DeleteChangeSet(change_set.id))
}

// ---- stacks ----------------------------------------------------------------------------

/// CreateStack: the stack, `CREATE_IN_PROGRESS`, and its creation in the background.
/// Returns its id.
pub fn create_stack(cloud: &Arc<Cloud>, region: &str, request: NewStack) -> AwsResult<String> {
    let name = request.name.as_str();
    check_stack_name(name)?;
    if read(cloud, |s| Ok(s.find_stack(region, name).is_some()))? {
        return Err(AwsError::new(
            "AlreadyExistsException",
            format!("Stack [{name}] already exists"),
        ));
    }
    let id = stack_arn(region, name);
    let pseudo = Pseudo::new(region, name, &id);
    let prepared = Prepared::new(cloud, &request.input, pseudo, None)?;
    if let Some(reason) = prepared.unrecognized() {
        return Err(validation_error(reason));
    }
    let mut stack = new_stack(id.clone(), name, region, StackStatus::CreateInProgress);
    prepared.apply_to(&mut stack);
    stack.disable_rollback = request.disable_rollback;
    write(cloud, Change::PutStack(Box::new(stack.clone())))?;
    let token = request.token;
    recorder(cloud, &stack, token.as_deref()).stack_status(
        StackStatus::CreateInProgress,
        Some(USER_INITIATED),
        |_| {},
    )?;
    engine::spawn(cloud.clone(), id.clone(), token, Operation::Create);
    Ok(id)
}

/// UpdateStack: refused when nothing would change; otherwise `UPDATE_IN_PROGRESS` and the
/// update in the background. Returns the stack's id.
pub fn update_stack(
    cloud: &Arc<Cloud>,
    region: &str,
    stack_name: &str,
    input: &StackInput,
    token: Option<&str>,
) -> AwsResult<String> {
    let stack = read(cloud, |s| Ok(s.stack(region, stack_name)?.clone()))?;
    stack.check_updatable()?;
    let pseudo = Pseudo::new(region, &stack.name, &stack.id);
    let prepared = Prepared::new(cloud, input, pseudo, Some(&stack))?;
    if let Some(reason) = prepared.unrecognized() {
        return Err(validation_error(reason));
    }
    let exports = cloud.cloudformation.exports(region);
    let found = changes(&prepared.instance, &stack.resources, &exports);
    if found.is_empty() && prepared.same_outputs(&stack) && stack.parameters == prepared.parameters
    {
        return Err(validation_error("No updates are to be performed."));
    }
    recorder(cloud, &stack, token).stack_status(
        StackStatus::UpdateInProgress,
        Some(USER_INITIATED),
        |s| {
            prepared.apply_to(s);
            s.updated = Some(SystemTime::now());
        },
    )?;
    engine::spawn(
        cloud.clone(),
        stack.id.clone(),
        token.map(str::to_string),
        Operation::Update(previous(&stack)),
    );
    Ok(stack.id)
}

/// DeleteStack: nothing for a stack that is gone or going; otherwise `DELETE_IN_PROGRESS` and
/// the deletion in the background.
pub fn delete_stack(
    cloud: &Arc<Cloud>,
    region: &str,
    stack_name: &str,
    token: Option<&str>,
) -> AwsResult<()> {
    let Some(stack) = read(cloud, |s| Ok(s.find_stack(region, stack_name).cloned()))? else {
        return Ok(());
    };
    if !stack.check_deletable()? {
        return Ok(());
    }
    recorder(cloud, &stack, token).stack_status(
        StackStatus::DeleteInProgress,
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

/// CancelUpdateStack: asks the running update to stop (it rolls back).
pub fn cancel_update_stack(cloud: &Cloud, region: &str, stack_name: &str) -> AwsResult<()> {
    let stack = read(cloud, |s| Ok(s.stack(region, stack_name)?.clone()))?;
    stack.check_cancellable()?;
    cloud.cloudformation.cancel(&stack.id);
    Ok(())
}
