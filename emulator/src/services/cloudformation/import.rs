//! IMPORT change sets: the rules CloudFormation checks before it brings existing resources into
//! a stack, the `Changes` of such a change set (`Action: Import`), and the reading of each
//! resource as it is. An import changes nothing in the resource itself.

use std::sync::Arc;

use super::changes::changes;
use super::engine::Values;
use super::model::{validation_error, ResourceChange, ResourceToImport, Stack};
use super::providers::{self, Context, Provided};
use super::template::{Exports, Instance, Template};
use crate::cloud::Cloud;
use crate::error::AwsResult;
use crate::request::RequestContext;

/// The checks CloudFormation makes when the change set is created, each a `ValidationError`:
/// every resource to import is of a type that can be imported, is in the template with that
/// type and a `DeletionPolicy`, is named by its type's identifier (matching the template's
/// name, when the template gives one) and is not in the stack yet; every other resource of the
/// template is already in the stack, unchanged; the outputs stay as they are.
pub fn check(
    inst: &Instance,
    stack: Option<&Stack>,
    imports: &[ResourceToImport],
    exports: &dyn Exports,
) -> AwsResult<()> {
    if imports.is_empty() {
        return Err(validation_error(
            "ResourcesToImport must name at least one resource for a change set of type IMPORT",
        ));
    }
    let current = stack.map(|s| s.resources.as_slice()).unwrap_or_default();
    for item in imports {
        check_one(inst, current, item, exports)?;
    }
    let in_stack: Vec<&str> = imports
        .iter()
        .filter(|i| current.iter().any(|r| r.logical_id == i.logical_id))
        .map(|i| i.logical_id.as_str())
        .collect();
    if !in_stack.is_empty() {
        return Err(validation_error(format!(
            "Resources [{}] passed in ResourceToImport are already in a stack and cannot be imported.",
            in_stack.join(", ")
        )));
    }
    let no_policy: Vec<&str> = imports
        .iter()
        .filter(|i| {
            inst.policy(&i.logical_id, "DeletionPolicy")
                .ok()
                .flatten()
                .is_none()
        })
        .map(|i| i.logical_id.as_str())
        .collect();
    if !no_policy.is_empty() {
        return Err(validation_error(format!(
            "The following resources to import [{}] must have DeletionPolicy attribute specified in the template.",
            no_policy.join(", ")
        )));
    }
    let others: Vec<String> = changes(inst, current, exports)
        .into_iter()
        .filter(|c| c.action != "Add" || !imports.iter().any(|i| i.logical_id == c.logical_id))
        .map(|c| c.logical_id)
        .collect();
    if !others.is_empty() {
        return Err(validation_error(format!(
            "You have modified resources [{}] in your template that are not being imported. \
             Update, create or delete operations cannot be executed during import operations.",
            others.join(", ")
        )));
    }
    let outputs_before = stack
        .and_then(|s| Template::parse(&s.template_body).ok())
        .and_then(|t| t.body.get("Outputs").cloned());
    if inst.template().body.get("Outputs").cloned() != outputs_before {
        return Err(validation_error(
            "As part of the import operation, you cannot modify or add [Outputs]",
        ));
    }
    Ok(())
}

fn check_one(
    inst: &Instance,
    current: &[super::model::StackResource],
    item: &ResourceToImport,
    exports: &dyn Exports,
) -> AwsResult<()> {
    let Some(key) = providers::import_identifier(&item.resource_type) else {
        return Err(validation_error(format!(
            "Resource type {} of [{}] in ResourcesToImport cannot be imported; this emulator \
             imports AWS::DynamoDB::Table (identifier TableName) and AWS::Logs::LogGroup \
             (identifier LogGroupName)",
            item.resource_type, item.logical_id
        )));
    };
    let declared = inst
        .template()
        .resource(&item.logical_id)
        .filter(|_| inst.is_active(&item.logical_id));
    match declared {
        None => {
            return Err(validation_error(format!(
                "Resource [{}] passed in ResourcesToImport is not in the template",
                item.logical_id
            )))
        }
        Some(r) if r.resource_type != item.resource_type => {
            return Err(validation_error(format!(
                "Resource [{}] passed in ResourcesToImport has type {}, but the template declares it as {}",
                item.logical_id, item.resource_type, r.resource_type
            )))
        }
        Some(_) => {}
    }
    if item.identifier.len() != 1 || !item.identifier.contains_key(key) {
        return Err(validation_error(format!(
            "The ResourceIdentifier of [{}] is {}; a resource of type {} is identified by {key} alone",
            item.logical_id,
            item.shown_identifier(),
            item.resource_type
        )));
    }
    let named = inst
        .properties(&item.logical_id, &Values(current), exports)
        .ok()
        .and_then(|p| p.get(key).and_then(|v| v.as_str()).map(str::to_string));
    if let Some(named) = named.filter(|n| n != item.physical_id()) {
        return Err(validation_error(format!(
            "The ResourceIdentifier of [{}] is {}, but the template names it {key} {named}",
            item.logical_id,
            item.shown_identifier()
        )));
    }
    Ok(())
}

/// The reason a resource to import cannot be found, as CloudFormation words it.
pub fn not_found(item: &ResourceToImport) -> String {
    format!(
        "Resource of type '{}' with identifier '{}' was not found.",
        item.resource_type,
        item.shown_identifier()
    )
}

/// The `Changes` of an IMPORT change set, once each resource is found and free: the reason the
/// change set fails otherwise (a resource that does not exist, or that a stack already holds).
pub async fn plan(
    cloud: &Arc<Cloud>,
    stack: &Stack,
    imports: &[ResourceToImport],
) -> Result<Vec<ResourceChange>, String> {
    let mut out = Vec::new();
    for item in imports {
        let owner = cloud
            .cloudformation
            .store
            .read(|s| {
                Ok(
                    s.owner_of(&stack.region, &item.resource_type, item.physical_id())
                        .map(|o| o.id.clone()),
                )
            })
            .map_err(|e| e.to_string())?;
        if let Some(owner) = owner {
            return Err(format!(
                "Resource of type '{}' with identifier '{}' already belongs to stack {owner} and cannot be imported.",
                item.resource_type,
                item.shown_identifier()
            ));
        }
        if read(cloud, stack, item).await?.is_none() {
            return Err(not_found(item));
        }
        out.push(ResourceChange {
            action: "Import".into(),
            logical_id: item.logical_id.clone(),
            physical_id: Some(item.physical_id().to_string()),
            resource_type: item.resource_type.clone(),
            replacement: None,
            scope: Vec::new(),
            details: Vec::new(),
            policy_action: None,
        });
    }
    Ok(out)
}

/// The resource to import as it exists now (its physical id and attributes), read without
/// changing it; `None` when it does not exist.
pub async fn read(
    cloud: &Arc<Cloud>,
    stack: &Stack,
    item: &ResourceToImport,
) -> Result<Option<Provided>, String> {
    let cx = Context {
        cloud,
        ctx: RequestContext::internal("cloudformation", &stack.region),
        stack_name: &stack.name,
        logical_id: &item.logical_id,
    };
    providers::read(&cx, &item.resource_type, item.physical_id()).await
}
