//! EventBridge: event buses, rules with event patterns, targets, PutEvents with asynchronous
//! delivery to Step Functions and Lambda targets, TestEventPattern.
//!
//! - [`model`]: buses, rules, targets and the journaled [`model::Change`]s.
//! - [`api`]: the awsJson 1.1 wire format of each operation.
//! - [`rules`]: PutRule, DeleteRule, EnableRule/DisableRule, PutTargets, RemoveTargets as
//!   typed operations (the API and CloudFormation's rules call them); `checks`: the model's
//!   member constraints.
//! - [`buses`]: CreateEventBus, DeleteEventBus, tags, and PutEvents' publishing, typed.
//! - event patterns (parsing, validation, matching) live in the `event_pattern` crate.
//! - [`targets`]: input shaping and delivery with retries.

pub mod api;
pub mod buses;
mod checks;
pub mod model;
pub mod rules;
pub mod targets;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::request::RequestContext;
use crate::services::store::Store;
use model::{Change, Region, State};
use targets::Attempt;

/// The service name changes are journaled under.
const SERVICE: &str = "events";

/// How many delivery attempts the log keeps (the oldest are dropped first).
const DELIVERY_LOG_SIZE: usize = 1000;

/// EventBridge's state.
#[derive(Debug)]
pub struct EventBridge {
    pub(crate) store: Store<State>,
    cloud: Weak<Cloud>,
    deliveries: Mutex<VecDeque<Attempt>>,
}

impl EventBridge {
    /// Empty state: each region gets its `default` bus when first used.
    pub fn new(cloud: Weak<Cloud>) -> Self {
        EventBridge {
            store: Store::new(SERVICE),
            cloud,
            deliveries: Mutex::new(VecDeque::new()),
        }
    }

    /// The most recent delivery attempts, oldest first: which target received which input,
    /// and what it answered.
    pub fn deliveries(&self) -> Vec<Attempt> {
        lock(&self.deliveries).iter().cloned().collect()
    }

    /// Adds an attempt to the delivery log.
    fn record_attempt(&self, attempt: Attempt) {
        let mut log = lock(&self.deliveries);
        if log.len() == DELIVERY_LOG_SIZE {
            log.pop_front();
        }
        log.push_back(attempt);
    }

    /// The account, for delivery tasks (which must not keep it alive).
    fn cloud(&self) -> Weak<Cloud> {
        self.cloud.clone()
    }

    /// Reads a region's state.
    fn read<T>(&self, region: &str, f: impl FnOnce(&Region) -> AwsResult<T>) -> AwsResult<T> {
        self.store.live(|state| f(state.region(region)))
    }

    /// A write: `f` validates against the region's state and returns the change to make (if
    /// any) and the reply; the change is journaled, then applied, under the same lock.
    fn write<T>(
        &self,
        cloud: &Cloud,
        region: &str,
        f: impl FnOnce(&Region) -> AwsResult<(Option<Change>, T)>,
    ) -> AwsResult<T> {
        let mut state = self.store.writer(cloud);
        let (change, reply) = f(state.live().region(region))?;
        if let Some(change) = change {
            state.commit(change)?;
        }
        Ok(reply)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs one EventBridge operation on its JSON input: the HTTP API and other services (Step
/// Functions `events:putEvents` tasks) both come through here.
pub async fn call(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    operation: &str,
    input: Map<String, Value>,
) -> Result<Value, AwsError> {
    api::dispatch(cloud, ctx, operation, &input)
}
