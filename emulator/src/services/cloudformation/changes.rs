//! The `Changes` of a change set: what executing it would add, modify (in place or by
//! replacement) and remove, with the properties that changed and why.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::model::{ChangeDetail, ResourceChange, StackResource};
use super::providers;
use super::template::{Exports, Instance, ResourceValues};

/// Marks a value that is known only once another resource is (re)created.
const DYNAMIC: &str = "\u{1}dynamic:";

/// Resource values as a change set sees them: resources that exist and are not replaced give
/// their values; the others give placeholders naming the causing entity.
struct Planned<'a> {
    resources: &'a [StackResource],
    unknown: &'a BTreeSet<String>,
}

impl ResourceValues for Planned<'_> {
    fn physical_id(&self, logical_id: &str) -> Option<String> {
        if !self.unknown.contains(logical_id) {
            if let Some(id) = super::engine::Values(self.resources).physical_id(logical_id) {
                return Some(id);
            }
        }
        Some(format!("{DYNAMIC}Ref:{logical_id}\u{1}"))
    }
    fn attribute(&self, logical_id: &str, attribute: &str) -> Option<Value> {
        if !self.unknown.contains(logical_id) {
            if let Some(value) =
                super::engine::Values(self.resources).attribute(logical_id, attribute)
            {
                return Some(value);
            }
        }
        Some(Value::String(format!(
            "{DYNAMIC}GetAtt:{logical_id}.{attribute}\u{1}"
        )))
    }
}

/// The changes that bring `current` resources to `inst` (every resource an `Add` for a new
/// stack).
pub fn changes(
    inst: &Instance,
    current: &[StackResource],
    exports: &dyn Exports,
) -> Vec<ResourceChange> {
    let mut out = Vec::new();
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for id in inst.graph().creation_waves().into_iter().flatten() {
        let resource_type = inst
            .template()
            .resource(&id)
            .map(|r| r.resource_type.clone())
            .unwrap_or_default();
        let Some(existing) = current.iter().find(|r| r.logical_id == id) else {
            unknown.insert(id.clone());
            out.push(ResourceChange {
                action: "Add".into(),
                logical_id: id,
                physical_id: None,
                resource_type,
                replacement: None,
                scope: Vec::new(),
                details: Vec::new(),
                policy_action: None,
            });
            continue;
        };
        let planned = Planned {
            resources: current,
            unknown: &unknown,
        };
        let Ok(new) = inst.properties(&id, &planned, exports) else {
            continue;
        };
        if let Some(change) = modification(existing, &resource_type, &new) {
            if change.replacement.as_deref() == Some("True") {
                unknown.insert(id.clone());
            }
            out.push(change);
        }
    }
    for resource in current {
        if !inst.is_active(&resource.logical_id) {
            let retain = inst
                .policy(&resource.logical_id, "DeletionPolicy")
                .ok()
                .flatten();
            out.push(ResourceChange {
                action: "Remove".into(),
                logical_id: resource.logical_id.clone(),
                physical_id: resource.physical_id.clone(),
                resource_type: resource.resource_type.clone(),
                replacement: None,
                scope: Vec::new(),
                details: Vec::new(),
                policy_action: Some(
                    if matches!(retain.as_deref(), Some("Retain" | "RetainExceptOnCreate")) {
                        "Retain"
                    } else {
                        "Delete"
                    }
                    .into(),
                ),
            });
        }
    }
    out
}

/// The `Modify` change of a resource whose properties differ, or `None` when none does.
fn modification(
    existing: &StackResource,
    resource_type: &str,
    new: &Map<String, Value>,
) -> Option<ResourceChange> {
    let old = &existing.properties;
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let replacing = providers::replacing_properties(resource_type);
    let mut details = Vec::new();
    let mut replacement = "False";
    for name in names {
        let (before, after) = (old.get(name), new.get(name));
        if before == after {
            continue;
        }
        let recreation = if replacing.contains(&name.as_str()) {
            "Always"
        } else {
            "Never"
        };
        let causes = after.map(causes).unwrap_or_default();
        if causes.is_empty() {
            if recreation == "Always" {
                replacement = "True";
            }
            details.push(detail(
                name,
                recreation,
                "Static",
                "DirectModification",
                None,
            ));
        } else {
            if recreation == "Always" && replacement == "False" {
                replacement = "Conditional";
            }
            for cause in causes {
                let (source, entity) = match cause.split_once(':') {
                    Some(("GetAtt", entity)) => ("ResourceAttribute", entity.to_string()),
                    Some((_, entity)) => ("ResourceReference", entity.to_string()),
                    None => ("ResourceReference", cause.clone()),
                };
                details.push(detail(name, recreation, "Dynamic", source, Some(entity)));
            }
        }
    }
    if details.is_empty() {
        return None;
    }
    Some(ResourceChange {
        action: "Modify".into(),
        logical_id: existing.logical_id.clone(),
        physical_id: existing.physical_id.clone(),
        resource_type: resource_type.to_string(),
        replacement: Some(replacement.into()),
        scope: vec!["Properties".into()],
        details,
        policy_action: None,
    })
}

fn detail(
    name: &str,
    recreation: &str,
    evaluation: &str,
    source: &str,
    entity: Option<String>,
) -> ChangeDetail {
    ChangeDetail {
        attribute: "Properties".into(),
        name: Some(name.to_string()),
        requires_recreation: recreation.into(),
        evaluation: evaluation.into(),
        change_source: source.into(),
        causing_entity: entity,
    }
}

/// The placeholders (`Ref:X`, `GetAtt:X.Y`) inside a value.
fn causes(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut visit = vec![value];
    while let Some(value) = visit.pop() {
        match value {
            Value::String(text) => {
                let mut rest = text.as_str();
                while let Some(start) = rest.find(DYNAMIC) {
                    let after = &rest[start + DYNAMIC.len()..];
                    let end = after.find('\u{1}').unwrap_or(after.len());
                    let cause = after[..end].to_string();
                    if !out.contains(&cause) {
                        out.push(cause);
                    }
                    rest = &after[end.min(after.len())..];
                    rest = rest.strip_prefix('\u{1}').unwrap_or(rest);
                }
            }
            Value::Array(items) => visit.extend(items),
            Value::Object(map) => visit.extend(map.values()),
            _ => {}
        }
    }
    out
}
