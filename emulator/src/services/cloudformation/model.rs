//! CloudFormation's state: stacks (with their resources and outputs), their events, and change
//! sets; the journal's changes and how they apply. No wire format here.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{AwsError, AwsResult};
use crate::services::store::Journaled;

/// `DELETE_COMPLETE`: a stack that is gone but still listed (ListStacks, DescribeStacks by id).
pub const DELETE_COMPLETE: &str = "DELETE_COMPLETE";
/// `REVIEW_IN_PROGRESS`: a stack created by a CREATE change set, not yet executed.
pub const REVIEW_IN_PROGRESS: &str = "REVIEW_IN_PROGRESS";

/// One stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stack {
    /// `StackId` (its ARN).
    pub id: String,
    /// `StackName`.
    pub name: String,
    /// The region it lives in.
    pub region: String,
    /// `StackStatus`.
    pub status: String,
    /// `StackStatusReason`.
    pub status_reason: Option<String>,
    /// `CreationTime`.
    pub created: SystemTime,
    /// `LastUpdatedTime`.
    pub updated: Option<SystemTime>,
    /// `DeletionTime`.
    pub deleted: Option<SystemTime>,
    /// The deployed template (or, in REVIEW_IN_PROGRESS, the empty one).
    pub template_body: String,
    /// The template's `Description`.
    pub description: Option<String>,
    /// The parameter values given (name → value).
    pub parameters: BTreeMap<String, String>,
    /// `Parameters` as DescribeStacks shows them (every template parameter, NoEcho masked).
    pub shown_parameters: Vec<(String, String)>,
    /// `Capabilities`.
    pub capabilities: Vec<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// `Outputs`.
    pub outputs: Vec<StackOutput>,
    /// The resources, in creation order.
    pub resources: Vec<StackResource>,
    /// `ChangeSetId`: the change set last executed.
    pub change_set_id: Option<String>,
    /// `DisableRollback`.
    pub disable_rollback: bool,
}

impl Stack {
    /// The resource with this logical id.
    pub fn resource(&self, logical_id: &str) -> Option<&StackResource> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }

    /// True while an operation runs on it (its status ends in `_IN_PROGRESS`, review aside).
    pub fn is_busy(&self) -> bool {
        self.status.ends_with("_IN_PROGRESS") && self.status != REVIEW_IN_PROGRESS
    }
}

/// One output of a stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackOutput {
    /// `OutputKey`.
    pub key: String,
    /// `OutputValue`.
    pub value: String,
    /// `Description`.
    pub description: Option<String>,
    /// `ExportName`.
    pub export_name: Option<String>,
}

/// One resource of a stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackResource {
    /// `LogicalResourceId`.
    pub logical_id: String,
    /// `PhysicalResourceId`, once created.
    pub physical_id: Option<String>,
    /// `ResourceType`.
    pub resource_type: String,
    /// `ResourceStatus`.
    pub status: String,
    /// `ResourceStatusReason`.
    pub status_reason: Option<String>,
    /// `Timestamp` / `LastUpdatedTimestamp`.
    pub updated: SystemTime,
    /// The properties it was created or last updated with, resolved.
    pub properties: Map<String, Value>,
    /// Its attributes (what `Fn::GetAtt` gives).
    pub attributes: BTreeMap<String, Value>,
}

/// One stack event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackEvent {
    /// `EventId`.
    pub id: String,
    /// `StackId`.
    pub stack_id: String,
    /// `StackName`.
    pub stack_name: String,
    /// `LogicalResourceId` (the stack's name for the stack's own events).
    pub logical_id: String,
    /// `PhysicalResourceId` (the stack id for the stack's own events).
    pub physical_id: Option<String>,
    /// `ResourceType`.
    pub resource_type: String,
    /// `Timestamp`.
    pub timestamp: SystemTime,
    /// `ResourceStatus`.
    pub status: String,
    /// `ResourceStatusReason`.
    pub reason: Option<String>,
    /// `ResourceProperties` (JSON text).
    pub properties: Option<String>,
    /// `ClientRequestToken`.
    pub client_request_token: Option<String>,
}

/// One change of a change set (`ResourceChange`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// `Action`: `Add`, `Modify`, `Remove`.
    pub action: String,
    /// `LogicalResourceId`.
    pub logical_id: String,
    /// `PhysicalResourceId` (Modify, Remove).
    pub physical_id: Option<String>,
    /// `ResourceType`.
    pub resource_type: String,
    /// `Replacement`: `True`, `False`, `Conditional` (Modify only).
    pub replacement: Option<String>,
    /// `Scope`.
    pub scope: Vec<String>,
    /// `Details`.
    pub details: Vec<ChangeDetail>,
    /// `PolicyAction` (Remove: `Delete` or `Retain`).
    pub policy_action: Option<String>,
}

/// One `ResourceChangeDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeDetail {
    /// `Target.Attribute`.
    pub attribute: String,
    /// `Target.Name`.
    pub name: Option<String>,
    /// `Target.RequiresRecreation`: `Never`, `Conditionally`, `Always`.
    pub requires_recreation: String,
    /// `Evaluation`: `Static`, `Dynamic`.
    pub evaluation: String,
    /// `ChangeSource`.
    pub change_source: String,
    /// `CausingEntity`.
    pub causing_entity: Option<String>,
}

/// One change set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeSet {
    /// `ChangeSetId` (its ARN).
    pub id: String,
    /// `ChangeSetName`.
    pub name: String,
    /// `StackId`.
    pub stack_id: String,
    /// `StackName`.
    pub stack_name: String,
    /// `CREATE` or `UPDATE`.
    pub change_set_type: String,
    /// `Description`.
    pub description: Option<String>,
    /// `Status`.
    pub status: String,
    /// `StatusReason`.
    pub status_reason: Option<String>,
    /// `ExecutionStatus`.
    pub execution_status: String,
    /// `CreationTime`.
    pub created: SystemTime,
    /// The template.
    pub template_body: String,
    /// The parameter values given.
    pub parameters: BTreeMap<String, String>,
    /// `Parameters` as shown (every template parameter, NoEcho masked).
    pub shown_parameters: Vec<(String, String)>,
    /// `Capabilities`.
    pub capabilities: Vec<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// `Changes`.
    pub changes: Vec<ResourceChange>,
    /// `ClientToken`.
    pub client_token: Option<String>,
    /// `ResourcesToImport` (IMPORT change sets only).
    #[serde(default)]
    pub imports: Vec<ResourceToImport>,
}

/// One `ResourceToImport` of an IMPORT change set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceToImport {
    /// `ResourceType`.
    pub resource_type: String,
    /// `LogicalResourceId`: the resource in the template.
    pub logical_id: String,
    /// `ResourceIdentifier`: identifier property → value.
    pub identifier: BTreeMap<String, String>,
}

impl ResourceToImport {
    /// The physical id the resource gets: its identifier's value (every type this emulator
    /// imports has a one-property identifier).
    pub fn physical_id(&self) -> &str {
        self.identifier.values().next().map_or("", String::as_str)
    }

    /// The identifier as CloudFormation shows it, `{TableName=orders}`.
    pub fn shown_identifier(&self) -> String {
        let pairs: Vec<String> = self
            .identifier
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{{{}}}", pairs.join(", "))
    }
}

/// The state of every region.
#[derive(Debug, Default)]
pub struct State {
    /// Stack id → stack (deleted stacks stay, in DELETE_COMPLETE).
    pub stacks: BTreeMap<String, Stack>,
    /// Stack id → its events, oldest first.
    pub events: BTreeMap<String, Vec<StackEvent>>,
    /// Change set id → change set.
    pub change_sets: BTreeMap<String, ChangeSet>,
}

/// One journaled change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Change {
    /// A stack created or changed (its resources aside).
    PutStack(Box<Stack>),
    /// A resource of a stack created or changed.
    PutResource {
        /// The stack.
        stack_id: String,
        /// The resource.
        resource: Box<StackResource>,
    },
    /// A resource gone from a stack.
    RemoveResource {
        /// The stack.
        stack_id: String,
        /// Its logical id.
        logical_id: String,
    },
    /// An event.
    Event(Box<StackEvent>),
    /// A change set created or changed.
    PutChangeSet(Box<ChangeSet>),
    /// A change set deleted.
    DeleteChangeSet(String),
}

impl Journaled for State {
    type Change = Change;

    fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::PutStack(stack) => {
                self.stacks.insert(stack.id.clone(), *stack);
            }
            Change::PutResource { stack_id, resource } => {
                if let Some(stack) = self.stacks.get_mut(&stack_id) {
                    match stack
                        .resources
                        .iter_mut()
                        .find(|r| r.logical_id == resource.logical_id)
                    {
                        Some(slot) => *slot = *resource,
                        None => stack.resources.push(*resource),
                    }
                }
            }
            Change::RemoveResource {
                stack_id,
                logical_id,
            } => {
                if let Some(stack) = self.stacks.get_mut(&stack_id) {
                    stack.resources.retain(|r| r.logical_id != logical_id);
                }
            }
            Change::Event(event) => {
                self.events
                    .entry(event.stack_id.clone())
                    .or_default()
                    .push(*event);
            }
            Change::PutChangeSet(change_set) => {
                self.change_sets.insert(change_set.id.clone(), *change_set);
            }
            Change::DeleteChangeSet(id) => {
                self.change_sets.remove(&id);
            }
        }
        Ok(())
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Change)) {
        for stack in self.stacks.values() {
            emit(Change::PutStack(Box::new(stack.clone())));
        }
        for event in self.events.values().flatten() {
            emit(Change::Event(Box::new(event.clone())));
        }
        for change_set in self.change_sets.values() {
            emit(Change::PutChangeSet(Box::new(change_set.clone())));
        }
    }
}

impl State {
    /// A stack by name (the live one) or by id (live or deleted), in `region`.
    pub fn find_stack(&self, region: &str, name_or_id: &str) -> Option<&Stack> {
        if name_or_id.starts_with("arn:") {
            return self.stacks.get(name_or_id).filter(|s| s.region == region);
        }
        self.stacks
            .values()
            .find(|s| s.region == region && s.name == name_or_id && s.status != DELETE_COMPLETE)
    }

    /// A stack, or AWS's `Stack with id X does not exist`.
    pub fn stack(&self, region: &str, name_or_id: &str) -> AwsResult<&Stack> {
        self.find_stack(region, name_or_id)
            .ok_or_else(|| no_such_stack(name_or_id))
    }

    /// A change set by ARN, or by name within a stack.
    pub fn change_set(
        &self,
        region: &str,
        name_or_id: &str,
        stack: Option<&str>,
    ) -> AwsResult<&ChangeSet> {
        let found = if name_or_id.starts_with("arn:") {
            self.change_sets.get(name_or_id)
        } else {
            let stack = stack.ok_or_else(|| {
                validation_error(
                    "StackName must be specified if ChangeSetName is not specified as an ARN.",
                )
            })?;
            let stack = self.stack(region, stack)?;
            self.change_sets
                .values()
                .find(|c| c.stack_id == stack.id && c.name == name_or_id)
        };
        found.ok_or_else(|| {
            AwsError::new(
                "ChangeSetNotFound",
                format!("ChangeSet [{name_or_id}] does not exist"),
            )
            .with_status(http::StatusCode::NOT_FOUND)
        })
    }

    /// The change sets of a stack, oldest first.
    pub fn change_sets_of(&self, stack_id: &str) -> Vec<&ChangeSet> {
        let mut sets: Vec<&ChangeSet> = self
            .change_sets
            .values()
            .filter(|c| c.stack_id == stack_id)
            .collect();
        sets.sort_by_key(|c| c.created);
        sets
    }

    /// The live stack of `region` that holds a resource of this type and physical id.
    pub fn owner_of(&self, region: &str, resource_type: &str, physical_id: &str) -> Option<&Stack> {
        self.stacks.values().find(|s| {
            s.region == region
                && s.status != DELETE_COMPLETE
                && s.resources.iter().any(|r| {
                    r.resource_type == resource_type
                        && r.physical_id.as_deref() == Some(physical_id)
                })
        })
    }

    /// The exports of the live stacks of `region` (name → value).
    pub fn exports(&self, region: &str) -> BTreeMap<String, String> {
        self.stacks
            .values()
            .filter(|s| s.region == region && s.status != DELETE_COMPLETE)
            .flat_map(|s| &s.outputs)
            .filter_map(|o| Some((o.export_name.clone()?, o.value.clone())))
            .collect()
    }
}

/// `ValidationError`: `Stack with id X does not exist`.
pub fn no_such_stack(name_or_id: &str) -> AwsError {
    validation_error(format!("Stack with id {name_or_id} does not exist"))
}

/// CloudFormation's `ValidationError` (400) with this message.
pub fn validation_error(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", message)
}
