//! CloudFormation's state: stacks (with their resources and outputs), their events, and change
//! sets; the journal's changes and how they apply. No wire format here.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::status::{ChangeSetStatus, ChangeSetType, ExecutionStatus, ResourceStatus, StackStatus};
use crate::error::{AwsError, AwsResult};
use crate::services::store::Journaled;

/// The `ResourceType` of a stack's own events.
pub const STACK_TYPE: &str = "AWS::CloudFormation::Stack";

/// The status reason of what was in flight when the emulator stopped.
pub const RESTARTED: &str = "The emulator restarted while this operation was in progress";

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
    pub status: StackStatus,
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
        self.status.is_busy()
    }

    /// True while it is a CREATE change set's placeholder, not yet executed.
    pub fn is_in_review(&self) -> bool {
        self.status == StackStatus::ReviewInProgress
    }

    /// True until it is deleted.
    pub fn is_live(&self) -> bool {
        !self.status.is_deleted()
    }

    /// Refuses to change a stack whose status does not allow an update.
    pub fn check_updatable(&self) -> AwsResult<()> {
        if self.status.is_updatable() {
            Ok(())
        } else {
            Err(validation_error(format!(
                "Stack:{} is in {} state and can not be updated.",
                self.id, self.status
            )))
        }
    }

    /// Whether DeleteStack has anything to do: `false` when the stack is gone or going,
    /// an error while another operation runs on it.
    pub fn check_deletable(&self) -> AwsResult<bool> {
        match self.status {
            StackStatus::DeleteComplete | StackStatus::DeleteInProgress => Ok(false),
            _ if self.is_busy() => Err(validation_error(format!(
                "Stack [{}] cannot be deleted while in status {}",
                self.name, self.status
            ))),
            _ => Ok(true),
        }
    }

    /// Refuses CancelUpdateStack unless an update runs.
    pub fn check_cancellable(&self) -> AwsResult<()> {
        if self.status == StackStatus::UpdateInProgress {
            Ok(())
        } else {
            Err(validation_error(
                "CancelUpdateStack cannot be called from current stack status",
            ))
        }
    }

    /// The stack a restart cut off, failed with [`RESTARTED`] as the reason (`None` when no
    /// operation was running on it).
    fn interrupted(&self, now: SystemTime) -> Option<Stack> {
        if !self.is_busy() {
            return None;
        }
        let mut stack = self.clone();
        stack.status = self.status.interrupted();
        stack.status_reason = Some(RESTARTED.to_string());
        for resource in &mut stack.resources {
            if let Some(failed) = resource.status.interrupted() {
                resource.status = failed;
                resource.status_reason = Some(RESTARTED.to_string());
                resource.updated = now;
            }
        }
        Some(stack)
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
    pub status: ResourceStatus,
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
    /// `ResourceStatus`: the stack's status for the stack's own events (some of which, such as
    /// `REVIEW_IN_PROGRESS`, the model's `ResourceStatus` does not list), the resource's for
    /// the others; kept as the text it was sent as.
    pub status: String,
    /// `ResourceStatusReason`.
    pub reason: Option<String>,
    /// `ResourceProperties` (JSON text).
    pub properties: Option<String>,
    /// `ClientRequestToken`.
    pub client_request_token: Option<String>,
}

impl StackEvent {
    /// The stack's own event for the status (and reason) it has now.
    pub fn of_stack(stack: &Stack, timestamp: SystemTime, token: Option<String>) -> StackEvent {
        StackEvent {
            id: uuid::Uuid::new_v4().to_string(),
            stack_id: stack.id.clone(),
            stack_name: stack.name.clone(),
            logical_id: stack.name.clone(),
            physical_id: Some(stack.id.clone()),
            resource_type: STACK_TYPE.to_string(),
            timestamp,
            status: stack.status.to_string(),
            reason: stack.status_reason.clone(),
            properties: None,
            client_request_token: token,
        }
    }
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
    /// `ChangeSetType`.
    pub change_set_type: ChangeSetType,
    /// `Description`.
    pub description: Option<String>,
    /// `Status`.
    pub status: ChangeSetStatus,
    /// `StatusReason`.
    pub status_reason: Option<String>,
    /// `ExecutionStatus`.
    pub execution_status: ExecutionStatus,
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

impl ChangeSet {
    /// Refuses to execute a change set that is not available, or whose stack is busy.
    pub fn check_executable(&self, stack: &Stack) -> AwsResult<()> {
        if self.execution_status != ExecutionStatus::Available {
            return Err(invalid_change_set_status(format!(
                "ChangeSet [{}] cannot be executed in its current execution status of [{}]",
                self.id, self.execution_status
            )));
        }
        if stack.is_busy() {
            return Err(invalid_change_set_status(format!(
                "ChangeSet [{}] cannot be executed in its current status of [{}]",
                self.id, stack.status
            )));
        }
        Ok(())
    }

    /// Refuses to delete a change set while it is being executed.
    pub fn check_deletable(&self) -> AwsResult<()> {
        if self.execution_status == ExecutionStatus::ExecuteInProgress {
            return Err(invalid_change_set_status(format!(
                "Cannot delete ChangeSet in status {}",
                self.execution_status
            )));
        }
        Ok(())
    }

    /// The stack status that executing this change set on `stack` starts with.
    pub fn execution_start(&self, stack: &Stack) -> StackStatus {
        match self.change_set_type {
            ChangeSetType::Import => StackStatus::ImportInProgress,
            _ if stack.is_in_review() => StackStatus::CreateInProgress,
            _ => StackStatus::UpdateInProgress,
        }
    }

    /// The change set once the operation it started has ended with the stack in `stack`:
    /// `EXECUTE_COMPLETE`, or `EXECUTE_FAILED` when the stack rolled back (`None` when it was
    /// not being executed).
    pub fn settled(&self, stack: StackStatus) -> Option<ChangeSet> {
        if self.execution_status != ExecutionStatus::ExecuteInProgress {
            return None;
        }
        let mut settled = self.clone();
        settled.execution_status = if stack.is_success() {
            ExecutionStatus::ExecuteComplete
        } else {
            ExecutionStatus::ExecuteFailed
        };
        Some(settled)
    }

    /// The change set a restart cut off: `FAILED` while it was being computed,
    /// `EXECUTE_FAILED` while it was being executed (`None` otherwise).
    fn interrupted(&self) -> Option<ChangeSet> {
        let mut change_set = self.clone();
        match (self.status, self.execution_status) {
            (ChangeSetStatus::CreatePending | ChangeSetStatus::CreateInProgress, _) => {
                change_set.status = ChangeSetStatus::Failed;
                change_set.execution_status = ExecutionStatus::Unavailable;
                change_set.status_reason = Some(RESTARTED.to_string());
            }
            (_, ExecutionStatus::ExecuteInProgress) => {
                change_set.execution_status = ExecutionStatus::ExecuteFailed;
            }
            _ => return None,
        }
        Some(change_set)
    }
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

/// What may become of a CreateChangeSet request, judged against the stack it names.
#[derive(Debug)]
pub enum Admission {
    /// A new change set, on this stack (`None`: a CREATE change set makes the stack).
    New(Option<Stack>),
    /// The request repeats one already made with the same `ClientToken`: this one.
    Repeat(ChangeSet),
}

impl State {
    /// Whether a change set `name` of `kind` may be made on the stack `stack_name`: AWS's
    /// refusals (a CREATE on a stack that exists, an UPDATE or IMPORT on one that does not or
    /// cannot be updated, a name in use), or the change set a repeated `client_token` made.
    pub fn admit_change_set(
        &self,
        region: &str,
        stack_name: &str,
        name: &str,
        kind: ChangeSetType,
        client_token: Option<&str>,
    ) -> AwsResult<Admission> {
        let existing = self.find_stack(region, stack_name);
        let shown_name = existing.map_or(stack_name, |s| s.name.as_str());
        match (kind, existing) {
            (ChangeSetType::Create, Some(stack)) if !stack.is_in_review() => {
                return Err(AwsError::new(
                    "AlreadyExistsException",
                    format!("Stack [{shown_name}] already exists and cannot be created again with the changeSet [{name}]."),
                ))
            }
            (ChangeSetType::Update, None) => {
                return Err(validation_error(format!("Stack [{shown_name}] does not exist")))
            }
            (ChangeSetType::Update, Some(stack)) if stack.is_in_review() => {
                return Err(validation_error(format!("Stack [{shown_name}] does not exist")))
            }
            (ChangeSetType::Update | ChangeSetType::Import, Some(stack))
                if !stack.is_in_review() =>
            {
                stack.check_updatable()?
            }
            _ => {}
        }
        let Some(stack) = existing else {
            return Ok(Admission::New(None));
        };
        let sets = self.change_sets_of(&stack.id);
        if let Some(token) = client_token {
            let same = sets
                .iter()
                .find(|c| c.client_token.as_deref() == Some(token) && c.name == name);
            if let Some(same) = same {
                return Ok(Admission::Repeat((*same).clone()));
            }
        }
        if sets.iter().any(|c| c.name == name) {
            return Err(AwsError::new(
                "AlreadyExistsException",
                format!("ChangeSet [{name}] already exists and cannot be created again."),
            ));
        }
        Ok(Admission::New(Some(stack.clone())))
    }

    /// The changes that mark as failed what a restart interrupted: stacks, their resources in
    /// progress, and change sets, each with [`RESTARTED`] as the reason.
    pub fn interrupted(&self) -> Vec<Change> {
        let now = SystemTime::now();
        let mut out = Vec::new();
        for stack in self.stacks.values().filter_map(|s| s.interrupted(now)) {
            out.push(Change::Event(Box::new(StackEvent::of_stack(
                &stack, now, None,
            ))));
            out.push(Change::PutStack(Box::new(stack)));
        }
        for change_set in self.change_sets.values().filter_map(ChangeSet::interrupted) {
            out.push(Change::PutChangeSet(Box::new(change_set)));
        }
        out
    }

    /// A stack by name (the live one) or by id (live or deleted), in `region`.
    pub fn find_stack(&self, region: &str, name_or_id: &str) -> Option<&Stack> {
        if name_or_id.starts_with("arn:") {
            return self.stacks.get(name_or_id).filter(|s| s.region == region);
        }
        self.stacks
            .values()
            .find(|s| s.region == region && s.name == name_or_id && s.is_live())
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
                && s.is_live()
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
            .filter(|s| s.region == region && s.is_live())
            .flat_map(|s| &s.outputs)
            .filter_map(|o| Some((o.export_name.clone()?, o.value.clone())))
            .collect()
    }
}

/// `ValidationError`: `Stack with id X does not exist`.
pub fn no_such_stack(name_or_id: &str) -> AwsError {
    validation_error(format!("Stack with id {name_or_id} does not exist"))
}

/// `InvalidChangeSetStatus` with this message.
fn invalid_change_set_status(message: String) -> AwsError {
    AwsError::new("InvalidChangeSetStatus", message)
}

/// CloudFormation's `ValidationError` (400) with this message.
pub fn validation_error(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", message)
}
