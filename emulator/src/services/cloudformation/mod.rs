//! CloudFormation over awsQuery: change sets, stacks, their resources and events, on top of
//! the template language ([`template`]). Stack operations run in the background
//! ([`engine`](mod@engine)) and create real objects in the other emulated services through the
//! resource providers ([`providers`]).
//!
//! - [`model`]: stacks, resources, events, change sets; the journal's changes.
//! - [`api`]: the operations' parameters and XML replies.
//! - [`changes`]: a change set's `Changes`.
//! - [`import`]: IMPORT change sets' rules and changes.
//! - [`record`]: an operation's progress, journaled with its events.

mod api;
mod changes;
mod engine;
mod import;
pub mod model;
mod providers;
mod record;
pub mod template;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::SystemTime;

use crate::cloud::Cloud;
use crate::error::AwsResult;
use crate::protocol::query;
use crate::request::RequestContext;
use crate::services::store::Store;
use model::{Change, State};

/// The XML namespace of CloudFormation's replies.
pub const NAMESPACE: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

/// The status reason of what was in flight when the emulator stopped.
pub const RESTARTED: &str = "The emulator restarted while this operation was in progress";

/// CloudFormation's state.
#[derive(Debug)]
pub struct CloudFormation {
    pub(crate) store: Store<State>,
    /// Stacks whose update CancelUpdateStack asked to stop.
    cancels: Mutex<BTreeSet<String>>,
}

impl CloudFormation {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        CloudFormation {
            store: Store::new("cloudformation"),
            cancels: Mutex::default(),
        }
    }

    /// After a restart: what was in flight cannot go on (its provider calls were lost), so
    /// it is marked failed with [`RESTARTED`] as the reason — stacks `CREATE_FAILED`,
    /// `ROLLBACK_FAILED`, `DELETE_FAILED`, `IMPORT_ROLLBACK_FAILED` or
    /// `UPDATE_ROLLBACK_FAILED`, their resources in progress `…_FAILED`, change sets being
    /// computed `FAILED`, being executed `EXECUTE_FAILED`.
    pub fn after_replay(&self, cloud: &Cloud) -> Result<(), String> {
        let changes = self
            .store
            .read(|state| Ok(interrupted(state)))
            .map_err(|e| e.to_string())?;
        for change in changes {
            self.store
                .write(cloud, |_| Ok(change))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The exports of the live stacks of `region`.
    fn exports(&self, region: &str) -> BTreeMap<String, String> {
        self.store
            .read(|s| Ok(s.exports(region)))
            .unwrap_or_default()
    }

    fn cancels(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.cancels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_cancelled(&self, stack_id: &str) -> bool {
        self.cancels().contains(stack_id)
    }

    fn cancel(&self, stack_id: &str) {
        self.cancels().insert(stack_id.to_string());
    }

    fn clear_cancel(&self, stack_id: &str) {
        self.cancels().remove(stack_id);
    }

    /// Marks the change set a finished operation executed `EXECUTE_COMPLETE` (or
    /// `EXECUTE_FAILED` when the stack rolled back).
    fn settle_change_set(&self, cloud: &Cloud, stack_id: &str) -> AwsResult<()> {
        let change = self.store.read(|s| {
            let Some(stack) = s.stacks.get(stack_id) else {
                return Ok(None);
            };
            let Some(change_set) = stack
                .change_set_id
                .as_ref()
                .and_then(|id| s.change_sets.get(id))
            else {
                return Ok(None);
            };
            if change_set.execution_status != "EXECUTE_IN_PROGRESS" {
                return Ok(None);
            }
            let mut change_set = change_set.clone();
            change_set.execution_status = if matches!(
                stack.status.as_str(),
                "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
            ) {
                "EXECUTE_COMPLETE"
            } else {
                "EXECUTE_FAILED"
            }
            .into();
            Ok(Some(Change::PutChangeSet(Box::new(change_set))))
        })?;
        match change {
            Some(change) => self.store.write(cloud, |_| Ok(change)),
            None => Ok(()),
        }
    }

    /// Deletes every change set of a stack (the stack is gone).
    fn forget_change_sets(&self, cloud: &Cloud, stack_id: &str) -> AwsResult<()> {
        let ids: Vec<String> = self.store.read(|s| {
            Ok(s.change_sets_of(stack_id)
                .into_iter()
                .map(|c| c.id.clone())
                .collect())
        })?;
        for id in ids {
            self.store
                .write(cloud, |_| Ok(Change::DeleteChangeSet(id)))?;
        }
        Ok(())
    }
}

/// The changes that mark as failed what a restart interrupted.
fn interrupted(state: &State) -> Vec<Change> {
    let now = SystemTime::now();
    let mut out = Vec::new();
    for stack in state.stacks.values().filter(|s| s.is_busy()) {
        let mut stack = stack.clone();
        stack.status = match stack.status.as_str() {
            "CREATE_IN_PROGRESS" => "CREATE_FAILED",
            "ROLLBACK_IN_PROGRESS" => "ROLLBACK_FAILED",
            "DELETE_IN_PROGRESS" => "DELETE_FAILED",
            "IMPORT_IN_PROGRESS" | "IMPORT_ROLLBACK_IN_PROGRESS" => "IMPORT_ROLLBACK_FAILED",
            _ => "UPDATE_ROLLBACK_FAILED",
        }
        .to_string();
        stack.status_reason = Some(RESTARTED.to_string());
        for resource in &mut stack.resources {
            if let Some(action) = resource.status.strip_suffix("_IN_PROGRESS") {
                resource.status = format!("{action}_FAILED");
                resource.status_reason = Some(RESTARTED.to_string());
                resource.updated = now;
            }
        }
        out.push(Change::Event(Box::new(model::StackEvent {
            id: uuid::Uuid::new_v4().to_string(),
            stack_id: stack.id.clone(),
            stack_name: stack.name.clone(),
            logical_id: stack.name.clone(),
            physical_id: Some(stack.id.clone()),
            resource_type: record::STACK_TYPE.to_string(),
            timestamp: now,
            status: stack.status.clone(),
            reason: Some(RESTARTED.to_string()),
            properties: None,
            client_request_token: None,
        })));
        out.push(Change::PutStack(Box::new(stack)));
    }
    for change_set in state.change_sets.values() {
        let mut change_set = change_set.clone();
        if change_set.status.starts_with("CREATE_") && change_set.status != "CREATE_COMPLETE" {
            change_set.status = "FAILED".into();
            change_set.execution_status = "UNAVAILABLE".into();
            change_set.status_reason = Some(RESTARTED.to_string());
        } else if change_set.execution_status == "EXECUTE_IN_PROGRESS" {
            change_set.execution_status = "EXECUTE_FAILED".into();
        } else {
            continue;
        }
        out.push(Change::PutChangeSet(Box::new(change_set)));
    }
    out
}

/// Runs one CloudFormation action: the inside of its `…Result` element.
pub fn call(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    action: &str,
    params: &query::Params,
) -> AwsResult<Option<String>> {
    api::call(cloud, ctx, action, params)
}
