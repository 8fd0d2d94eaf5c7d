//! Running stack operations in the background, as CloudFormation does: creation wave by wave in
//! dependency order, updates in place or by replacement, deletion in reverse order, and the
//! rollback of a failed create or update. Each step is journaled with its event.
//!
//! The resources of one wave are independent: they are announced together (`…_IN_PROGRESS`)
//! and provided concurrently; the operation stops after the first wave with a failure (the
//! resources of that wave that succeeded are rolled back with the rest).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value};

use super::import;
use super::model::{ResourceToImport, Stack, StackOutput, StackResource};
use super::providers::{self, Context, Provided};
use super::record::Recorder;
use super::status::{ResourceStatus, StackStatus};
use super::template::{Instance, Pseudo, ResourceValues, Template};
use crate::cloud::Cloud;
use crate::error::AwsResult;
use crate::request::RequestContext;

/// What the stack was before an update (restored by its rollback).
#[derive(Debug, Clone)]
pub struct Previous {
    /// The template.
    pub template_body: String,
    /// The parameter values.
    pub parameters: std::collections::BTreeMap<String, String>,
    /// The parameters as shown.
    pub shown_parameters: Vec<(String, String)>,
    /// The description.
    pub description: Option<String>,
    /// The outputs.
    pub outputs: Vec<StackOutput>,
}

/// An operation to run on a stack whose status already says it started.
#[derive(Debug, Clone)]
pub enum Operation {
    /// Create every resource.
    Create,
    /// Bring the resources to the stack's (new) template.
    Update(Box<Previous>),
    /// Delete every resource.
    Delete,
    /// Bring existing resources into the stack as they are (an IMPORT change set).
    Import(Box<Previous>, Vec<ResourceToImport>),
}

/// Runs `operation` on the stack in the background.
pub fn spawn(cloud: Arc<Cloud>, stack_id: String, token: Option<String>, operation: Operation) {
    tokio::spawn(async move {
        let stack_name = match cloud
            .cloudformation
            .store
            .read(|s| Ok(s.stacks.get(&stack_id).map(|s| s.name.clone())))
        {
            Ok(Some(name)) => name,
            _ => return,
        };
        let rec = Recorder {
            cloud,
            stack_id,
            stack_name,
            token,
        };
        let result = match operation {
            Operation::Create => create(&rec).await,
            Operation::Update(previous) => update(&rec, *previous).await,
            Operation::Delete => delete(&rec).await,
            Operation::Import(previous, imports) => import(&rec, *previous, &imports).await,
        };
        let settled = rec
            .cloud
            .cloudformation
            .settle_change_set(&rec.cloud, &rec.stack_id);
        if let Err(err) = result.and(settled) {
            eprintln!("cloudformation: stack {}: {err}", rec.stack_id);
        }
        rec.cloud.cloudformation.clear_cancel(&rec.stack_id);
    });
}

/// The stack's template instantiated for it.
pub fn instance(
    stack: &Stack,
    body: &str,
    parameters: &std::collections::BTreeMap<String, String>,
) -> Result<Instance, String> {
    let template = Template::parse(body).map_err(|e| e.message)?;
    let pseudo = Pseudo::new(&stack.region, &stack.name, &stack.id);
    Instance::new(template, pseudo, parameters).map_err(|e| e.message)
}

/// `Ref` and `Fn::GetAtt` over a stack's resources.
pub struct Values<'a>(pub &'a [StackResource]);

impl ResourceValues for Values<'_> {
    fn physical_id(&self, logical_id: &str) -> Option<String> {
        self.0
            .iter()
            .find(|r| r.logical_id == logical_id)
            .and_then(|r| r.physical_id.clone())
    }
    fn attribute(&self, logical_id: &str, attribute: &str) -> Option<Value> {
        self.0
            .iter()
            .find(|r| r.logical_id == logical_id)
            .and_then(|r| r.attributes.get(attribute).cloned())
    }
}

/// What an update did to one resource (undone, in reverse, by a rollback).
enum Touch {
    Added(String),
    Modified(StackResource),
    Replaced(StackResource),
}

/// The resources that failed (or were cancelled) in a wave, by kind.
#[derive(Default)]
struct Failed {
    create: Vec<String>,
    update: Vec<String>,
}

impl Failed {
    fn is_empty(&self) -> bool {
        self.create.is_empty() && self.update.is_empty()
    }

    /// `The following resource(s) failed to create: [A, B]. …`
    fn reason(&self) -> String {
        let mut out = String::new();
        for (list, verb) in [(&self.create, "create"), (&self.update, "update")] {
            if !list.is_empty() {
                let mut names = list.clone();
                names.sort();
                out.push_str(&format!(
                    "The following resource(s) failed to {verb}: [{}]. ",
                    names.join(", ")
                ));
            }
        }
        out
    }
}

fn context<'a>(rec: &'a Recorder, stack: &'a Stack, logical_id: &'a str) -> Context<'a> {
    Context {
        cloud: &rec.cloud,
        ctx: RequestContext::internal("cloudformation", &stack.region),
        stack_name: &stack.name,
        logical_id,
    }
}

fn upsert(resources: &mut Vec<StackResource>, resource: &StackResource) {
    match resources
        .iter_mut()
        .find(|r| r.logical_id == resource.logical_id)
    {
        Some(slot) => *slot = resource.clone(),
        None => resources.push(resource.clone()),
    }
}

async fn create(rec: &Recorder) -> AwsResult<()> {
    let stack = rec.stack()?;
    let inst = match instance(&stack, &stack.template_body, &stack.parameters) {
        Ok(inst) => inst,
        Err(reason) => return rec.stack_status(StackStatus::CreateFailed, Some(&reason), |_| {}),
    };
    let mut resources = stack.resources.clone();
    let (_, failed) = deploy(rec, &stack, &inst, &mut resources).await?;
    if failed.is_empty() {
        return finish(rec, &stack, &inst, &resources, StackStatus::CreateComplete);
    }
    let reason = format!("{}Rollback requested by user.", failed.reason());
    rec.stack_status(StackStatus::RollbackInProgress, Some(&reason), |_| {})?;
    let order = deletion_order(&inst, &resources);
    delete_resources(rec, &stack, &inst, &mut resources, &order, Undo::Creation).await?;
    rec.stack_status(StackStatus::RollbackComplete, None, |_| {})
}

/// Sets the outputs and the final status.
fn finish(
    rec: &Recorder,
    stack: &Stack,
    inst: &Instance,
    resources: &[StackResource],
    status: StackStatus,
) -> AwsResult<()> {
    let exports = rec.cloud.cloudformation.exports(&stack.region);
    let outputs = inst
        .outputs(&Values(resources), &exports)
        .map(|values| {
            values
                .into_iter()
                .map(|o| StackOutput {
                    key: o.key,
                    value: o.value,
                    description: o.description,
                    export_name: o.export_name,
                })
                .collect()
        })
        .unwrap_or_default();
    rec.stack_status(status, None, |s| s.outputs = outputs)
}

/// Creates or updates every resource of `inst` that is new or changed, wave by wave; stops
/// at the first wave with a failure.
async fn deploy(
    rec: &Recorder,
    stack: &Stack,
    inst: &Instance,
    resources: &mut Vec<StackResource>,
) -> AwsResult<(Vec<Touch>, Failed)> {
    let mut touched = Vec::new();
    let mut failed = Failed::default();
    for wave in inst.graph().creation_waves() {
        let exports = rec.cloud.cloudformation.exports(&stack.region);
        let mut started = Vec::new();
        for id in &wave {
            let properties = inst
                .properties(id, &Values(resources), &exports)
                .map_err(|e| e.message);
            let resource_type = inst
                .template()
                .resource(id)
                .map(|r| r.resource_type.clone())
                .unwrap_or_default();
            let existing = resources.iter().find(|r| r.logical_id == *id).cloned();
            let step = match (&existing, &properties) {
                (None, _) => Provision::Add,
                (Some(old), Ok(new))
                    if old.properties == *new && old.status != ResourceStatus::CreateFailed =>
                {
                    continue
                }
                (Some(old), Ok(new)) if replaces(&resource_type, &old.properties, new) => {
                    Provision::Replace(old.clone())
                }
                (Some(old), _) => Provision::Modify(old.clone()),
            };
            let mut resource = existing.clone().unwrap_or(StackResource {
                logical_id: id.clone(),
                physical_id: None,
                resource_type: resource_type.clone(),
                status: ResourceStatus::CreateInProgress,
                status_reason: None,
                updated: SystemTime::now(),
                properties: Map::new(),
                attributes: Default::default(),
            });
            if let Ok(props) = &properties {
                resource.properties = props.clone();
            }
            match &step {
                Provision::Add => rec.resource(&mut resource, ResourceStatus::CreateInProgress, None)?,
                Provision::Modify(_) => rec.resource(&mut resource, ResourceStatus::UpdateInProgress, None)?,
                Provision::Replace(_) => rec.resource(
                    &mut resource,
                    ResourceStatus::UpdateInProgress,
                    Some("Requested update requires the creation of a new physical resource; hence creating one."),
                )?,
            }
            upsert(resources, &resource);
            started.push((resource, step, properties));
        }
        let provided = started
            .into_iter()
            .map(|(mut resource, step, properties)| async move {
                let outcome = match properties {
                    Err(reason) => Err(reason),
                    Ok(props) => run_step(rec, stack, &mut resource, &step, &props).await,
                };
                (resource, step, outcome)
            });
        for (mut resource, step, outcome) in futures::future::join_all(provided).await {
            let is_add = matches!(step, Provision::Add);
            match outcome {
                Ok(()) => {
                    touched.push(match step {
                        Provision::Add => Touch::Added(resource.logical_id.clone()),
                        Provision::Modify(old) => Touch::Modified(old),
                        Provision::Replace(old) => Touch::Replaced(old),
                    });
                }
                Err(reason) => {
                    let status = if is_add {
                        ResourceStatus::CreateFailed
                    } else {
                        ResourceStatus::UpdateFailed
                    };
                    if let Provision::Modify(old) = &step {
                        touched.push(Touch::Modified(old.clone()));
                    }
                    rec.resource(&mut resource, status, Some(&reason))?;
                    if is_add {
                        failed.create.push(resource.logical_id.clone());
                    } else {
                        failed.update.push(resource.logical_id.clone());
                    }
                }
            }
            upsert(resources, &resource);
        }
        if !failed.is_empty() {
            break;
        }
        if rec.cloud.cloudformation.is_cancelled(&rec.stack_id) {
            failed.update.push(String::new());
            break;
        }
    }
    Ok((touched, failed))
}

/// What providing one resource does: create it, update it in place, or replace it.
enum Provision {
    Add,
    Modify(StackResource),
    Replace(StackResource),
}

/// True when a property that forces replacement changed.
pub fn replaces(resource_type: &str, old: &Map<String, Value>, new: &Map<String, Value>) -> bool {
    providers::replacing_properties(resource_type)
        .iter()
        .any(|p| old.get(*p) != new.get(*p))
}

/// Provides one resource (create, update in place, or create its replacement).
async fn run_step(
    rec: &Recorder,
    stack: &Stack,
    resource: &mut StackResource,
    step: &Provision,
    props: &Map<String, Value>,
) -> Result<(), String> {
    let cx = context(rec, stack, &resource.logical_id);
    let fail = |e: crate::error::AwsError| e.to_string();
    match step {
        Provision::Add => {
            if !providers::is_supported(&resource.resource_type) {
                return Err(format!(
                    "Template format error: Unrecognized resource types: [{}]",
                    resource.resource_type
                ));
            }
            let provided = providers::create(&cx, &resource.resource_type, props).await?;
            set_provided(resource, provided);
            rec.resource(
                resource,
                ResourceStatus::CreateInProgress,
                Some("Resource creation Initiated"),
            )
            .map_err(fail)?;
            rec.resource(resource, ResourceStatus::CreateComplete, None)
                .map_err(fail)
        }
        Provision::Modify(old) => {
            let current = Provided {
                physical_id: old.physical_id.clone().unwrap_or_default(),
                attributes: old.attributes.clone(),
            };
            let provided = providers::update(
                &cx,
                &resource.resource_type,
                &current,
                &old.properties,
                props,
            )
            .await?;
            set_provided(resource, provided);
            rec.resource(resource, ResourceStatus::UpdateComplete, None)
                .map_err(fail)
        }
        Provision::Replace(old) => {
            if let Some(name) = providers::name_property(&resource.resource_type) {
                if props.contains_key(name) && old.properties.get(name) == props.get(name) {
                    return Err(format!(
                        "CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename {} and update the stack again.",
                        props.get(name).and_then(Value::as_str).unwrap_or_default()
                    ));
                }
            }
            let provided = providers::create(&cx, &resource.resource_type, props).await?;
            set_provided(resource, provided);
            rec.resource(
                resource,
                ResourceStatus::UpdateInProgress,
                Some("Resource creation Initiated"),
            )
            .map_err(fail)?;
            rec.resource(resource, ResourceStatus::UpdateComplete, None)
                .map_err(fail)
        }
    }
}

fn set_provided(resource: &mut StackResource, provided: Provided) {
    resource.physical_id = Some(provided.physical_id);
    resource.attributes = provided.attributes;
}

/// The order to delete `resources` in: the graph's deletion waves, then any resource the
/// graph does not know (newest first).
fn deletion_order(inst: &Instance, resources: &[StackResource]) -> Vec<String> {
    let mut order: Vec<String> = inst
        .graph()
        .deletion_waves()
        .into_iter()
        .flatten()
        .filter(|id| resources.iter().any(|r| r.logical_id == *id))
        .collect();
    for resource in resources.iter().rev() {
        if !order.contains(&resource.logical_id) {
            order.push(resource.logical_id.clone());
        }
    }
    order
}

/// Whether a rollback is undoing the creation of the resources it deletes: then
/// `RetainExceptOnCreate` deletes them, as AWS does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Undo {
    /// A deletion or an update's cleanup: `RetainExceptOnCreate` retains.
    Established,
    /// The rollback of the operation that created them.
    Creation,
}

/// Deletes the resources named in `order`, honouring `DeletionPolicy: Retain` (and
/// `RetainExceptOnCreate` unless `undo` is the creation's rollback); returns those that failed
/// to delete.
async fn delete_resources(
    rec: &Recorder,
    stack: &Stack,
    inst: &Instance,
    resources: &mut Vec<StackResource>,
    order: &[String],
    undo: Undo,
) -> AwsResult<Vec<String>> {
    let mut failed = Vec::new();
    for id in order {
        let Some(mut resource) = resources.iter().find(|r| r.logical_id == *id).cloned() else {
            continue;
        };
        let retain = match inst.policy(id, "DeletionPolicy").ok().flatten().as_deref() {
            Some("Retain") => true,
            Some("RetainExceptOnCreate") => undo == Undo::Established,
            _ => false,
        };
        if resource.physical_id.is_none() {
            rec.resource(&mut resource, ResourceStatus::DeleteComplete, None)?;
        } else if retain {
            rec.resource(&mut resource, ResourceStatus::DeleteSkipped, None)?;
        } else {
            rec.resource(&mut resource, ResourceStatus::DeleteInProgress, None)?;
            match delete_physical(rec, stack, &resource, resource.physical_id.as_deref()).await {
                Ok(()) => rec.resource(&mut resource, ResourceStatus::DeleteComplete, None)?,
                Err(reason) => {
                    rec.resource(&mut resource, ResourceStatus::DeleteFailed, Some(&reason))?;
                    upsert(resources, &resource);
                    failed.push(id.clone());
                    continue;
                }
            }
        }
        rec.remove_resource(id)?;
        resources.retain(|r| r.logical_id != *id);
    }
    Ok(failed)
}

async fn delete_physical(
    rec: &Recorder,
    stack: &Stack,
    resource: &StackResource,
    physical_id: Option<&str>,
) -> Result<(), String> {
    let Some(physical_id) = physical_id else {
        return Ok(());
    };
    let cx = context(rec, stack, &resource.logical_id);
    providers::delete(
        &cx,
        &resource.resource_type,
        physical_id,
        &resource.properties,
    )
    .await
}

async fn delete(rec: &Recorder) -> AwsResult<()> {
    let stack = rec.stack()?;
    let mut resources = stack.resources.clone();
    if let Ok(inst) = instance(&stack, &stack.template_body, &stack.parameters) {
        let order = deletion_order(&inst, &resources);
        let failed = delete_resources(
            rec,
            &stack,
            &inst,
            &mut resources,
            &order,
            Undo::Established,
        )
        .await?;
        if !failed.is_empty() {
            let reason = format!(
                "The following resource(s) failed to delete: [{}]. ",
                failed.join(", ")
            );
            return rec.stack_status(StackStatus::DeleteFailed, Some(&reason), |_| {});
        }
    }
    rec.cloud
        .cloudformation
        .forget_change_sets(&rec.cloud, &rec.stack_id)?;
    rec.stack_status(StackStatus::DeleteComplete, None, |s| {
        s.deleted = Some(SystemTime::now());
        s.outputs.clear();
    })
}

async fn update(rec: &Recorder, previous: Previous) -> AwsResult<()> {
    let stack = rec.stack()?;
    let old_inst = instance(&stack, &previous.template_body, &previous.parameters);
    let inst = match instance(&stack, &stack.template_body, &stack.parameters) {
        Ok(inst) => inst,
        Err(reason) => {
            return rec.stack_status(StackStatus::UpdateRollbackComplete, Some(&reason), |s| {
                restore(s, &previous)
            })
        }
    };
    let mut resources = stack.resources.clone();
    let (touched, failed) = deploy(rec, &stack, &inst, &mut resources).await?;
    if failed.is_empty() {
        rec.stack_status(StackStatus::UpdateCompleteCleanupInProgress, None, |_| {})?;
        for touch in &touched {
            if let Touch::Replaced(old) = touch {
                let retain = inst
                    .policy(&old.logical_id, "UpdateReplacePolicy")
                    .ok()
                    .flatten()
                    .as_deref()
                    == Some("Retain");
                delete_old(rec, &stack, old, retain).await?;
            }
        }
        let gone: Vec<String> = resources
            .iter()
            .filter(|r| !inst.is_active(&r.logical_id))
            .map(|r| r.logical_id.clone())
            .collect();
        if let Ok(old_inst) = &old_inst {
            let order: Vec<String> = deletion_order(old_inst, &resources)
                .into_iter()
                .filter(|id| gone.contains(id))
                .collect();
            delete_resources(
                rec,
                &stack,
                old_inst,
                &mut resources,
                &order,
                Undo::Established,
            )
            .await?;
        }
        return finish(rec, &stack, &inst, &resources, StackStatus::UpdateComplete);
    }
    let reason = if failed.update.iter().any(String::is_empty) {
        "Stack update cancelled".to_string()
    } else {
        failed.reason()
    };
    rec.stack_status(StackStatus::UpdateRollbackInProgress, Some(&reason), |s| {
        restore(s, &previous)
    })?;
    let mut replaced = Vec::new();
    for touch in touched.into_iter().rev() {
        match touch {
            Touch::Added(id) => {
                if let Ok(old_inst) = &old_inst {
                    delete_resources(rec, &stack, old_inst, &mut resources, &[id], Undo::Creation)
                        .await?;
                }
            }
            Touch::Modified(mut old) => {
                let Some(current) = resources
                    .iter()
                    .find(|r| r.logical_id == old.logical_id)
                    .cloned()
                else {
                    continue;
                };
                rec.resource(&mut old, ResourceStatus::UpdateInProgress, None)?;
                let logical_id = old.logical_id.clone();
                let cx = context(rec, &stack, &logical_id);
                let provided = Provided {
                    physical_id: current.physical_id.clone().unwrap_or_default(),
                    attributes: current.attributes.clone(),
                };
                match providers::update(
                    &cx,
                    &old.resource_type,
                    &provided,
                    &current.properties,
                    &old.properties,
                )
                .await
                {
                    Ok(_) => rec.resource(&mut old, ResourceStatus::UpdateComplete, None)?,
                    Err(reason) => {
                        rec.resource(&mut old, ResourceStatus::UpdateFailed, Some(&reason))?
                    }
                }
                upsert(&mut resources, &old);
            }
            Touch::Replaced(mut old) => {
                if let Some(new) = resources
                    .iter()
                    .find(|r| r.logical_id == old.logical_id)
                    .cloned()
                {
                    replaced.push(new);
                }
                rec.resource(&mut old, ResourceStatus::UpdateComplete, None)?;
                upsert(&mut resources, &old);
            }
        }
    }
    rec.stack_status(
        StackStatus::UpdateRollbackCompleteCleanupInProgress,
        None,
        |_| {},
    )?;
    for new in &replaced {
        delete_old(rec, &stack, new, false).await?;
    }
    // Resources added by the failed update that failed themselves have nothing to delete.
    let added: BTreeSet<String> = resources
        .iter()
        .filter(|r| r.status == ResourceStatus::CreateFailed)
        .map(|r| r.logical_id.clone())
        .collect();
    for id in added {
        if let Some(mut resource) = resources.iter().find(|r| r.logical_id == id).cloned() {
            rec.resource(&mut resource, ResourceStatus::DeleteComplete, None)?;
            rec.remove_resource(&id)?;
        }
    }
    rec.stack_status(StackStatus::UpdateRollbackComplete, None, |_| {})
}

/// Imports each resource in dependency order: `IMPORT_IN_PROGRESS`, then `IMPORT_COMPLETE`
/// with the template's properties and the resource's own attributes, the resource untouched.
/// One that has gone since the change set was made fails the import, which is rolled back:
/// the resources imported leave the stack (and stay as they are), the template is restored.
async fn import(rec: &Recorder, previous: Previous, imports: &[ResourceToImport]) -> AwsResult<()> {
    let stack = rec.stack()?;
    let inst = match instance(&stack, &stack.template_body, &stack.parameters) {
        Ok(inst) => inst,
        Err(reason) => {
            return rec.stack_status(StackStatus::ImportRollbackComplete, Some(&reason), |s| {
                restore(s, &previous)
            })
        }
    };
    let exports = rec.cloud.cloudformation.exports(&stack.region);
    let mut resources = stack.resources.clone();
    let mut imported = Vec::new();
    let order = inst.graph().creation_waves().into_iter().flatten();
    for item in order.filter_map(|id| imports.iter().find(|i| i.logical_id == id)) {
        let mut resource = StackResource {
            logical_id: item.logical_id.clone(),
            physical_id: Some(item.physical_id().to_string()),
            resource_type: item.resource_type.clone(),
            status: ResourceStatus::CreateInProgress,
            status_reason: None,
            updated: SystemTime::now(),
            properties: inst
                .properties(&item.logical_id, &Values(&resources), &exports)
                .unwrap_or_default(),
            attributes: Default::default(),
        };
        rec.resource(&mut resource, ResourceStatus::ImportInProgress, None)?;
        let failure = match import::read(&rec.cloud, &stack, item).await {
            Ok(Some(provided)) => {
                set_provided(&mut resource, provided);
                rec.resource(&mut resource, ResourceStatus::ImportComplete, None)?;
                upsert(&mut resources, &resource);
                imported.push(resource);
                continue;
            }
            Ok(None) => import::not_found(item),
            Err(reason) => reason,
        };
        rec.resource(&mut resource, ResourceStatus::ImportFailed, Some(&failure))?;
        imported.push(resource);
        let reason = format!(
            "The following resource(s) failed to import: [{}]. ",
            item.logical_id
        );
        rec.stack_status(StackStatus::ImportRollbackInProgress, Some(&reason), |s| {
            restore(s, &previous)
        })?;
        for mut resource in imported.into_iter().rev() {
            rec.resource(&mut resource, ResourceStatus::ImportRollbackComplete, None)?;
            rec.remove_resource(&resource.logical_id)?;
        }
        return rec.stack_status(StackStatus::ImportRollbackComplete, None, |_| {});
    }
    finish(rec, &stack, &inst, &resources, StackStatus::ImportComplete)
}

fn restore(stack: &mut Stack, previous: &Previous) {
    stack.template_body = previous.template_body.clone();
    stack.parameters = previous.parameters.clone();
    stack.shown_parameters = previous.shown_parameters.clone();
    stack.description = previous.description.clone();
    stack.outputs = previous.outputs.clone();
}

/// Deletes a physical resource a replacement made obsolete (events only: the logical
/// resource stays).
async fn delete_old(
    rec: &Recorder,
    stack: &Stack,
    old: &StackResource,
    retain: bool,
) -> AwsResult<()> {
    let physical = old.physical_id.as_deref();
    if retain {
        return rec.resource_event(old, physical, ResourceStatus::DeleteSkipped, None);
    }
    rec.resource_event(old, physical, ResourceStatus::DeleteInProgress, None)?;
    match delete_physical(rec, stack, old, physical).await {
        Ok(()) => rec.resource_event(old, physical, ResourceStatus::DeleteComplete, None),
        Err(reason) => {
            rec.resource_event(old, physical, ResourceStatus::DeleteFailed, Some(&reason))
        }
    }
}
