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
//! - [`status`]: the statuses and kinds of the model, and the rules they alone decide.
//! - [`lifecycle`]: the operations' rules and flows: change sets made, computed, executed
//!   and settled; stacks created, updated, deleted.

mod api;
mod changes;
mod engine;
mod import;
mod lifecycle;
pub mod model;
mod providers;
mod record;
pub mod status;
pub mod template;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::cloud::Cloud;
use crate::error::AwsResult;
use crate::protocol::query;
use crate::request::RequestContext;
use crate::services::store::Store;
use model::{Change, State};

/// The XML namespace of CloudFormation's replies.
pub const NAMESPACE: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

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
    /// it is marked failed with [`model::RESTARTED`] as the reason — stacks `CREATE_FAILED`,
    /// `ROLLBACK_FAILED`, `DELETE_FAILED`, `IMPORT_ROLLBACK_FAILED` or
    /// `UPDATE_ROLLBACK_FAILED`, their resources in progress `…_FAILED`, change sets being
    /// computed `FAILED`, being executed `EXECUTE_FAILED`.
    pub fn after_replay(&self, cloud: &Cloud) -> Result<(), String> {
        let changes = self
            .store
            .read(|state| Ok(state.interrupted()))
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
        let settled = self.store.read(|s| {
            let Some(stack) = s.stacks.get(stack_id) else {
                return Ok(None);
            };
            let change_set = stack
                .change_set_id
                .as_ref()
                .and_then(|id| s.change_sets.get(id));
            Ok(change_set.and_then(|c| c.settled(stack.status)))
        })?;
        match settled {
            Some(change_set) => self
                .store
                .write(cloud, |_| Ok(Change::PutChangeSet(Box::new(change_set)))),
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

/// Runs one CloudFormation action: the inside of its `…Result` element.
pub fn call(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    action: &str,
    params: &query::Params,
) -> AwsResult<Option<String>> {
    api::call(cloud, ctx, action, params)
}
