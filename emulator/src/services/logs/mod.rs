//! CloudWatch Logs over awsJson 1.1: log groups (retention, tags), streams, and events
//! (PutLogEvents, GetLogEvents, FilterLogEvents with term patterns). Retention is stored but
//! events are not expired.

mod api;
pub mod model;

use std::sync::{Arc, Weak};

use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::request::RequestContext;
use crate::services::store::Store;

/// CloudWatch Logs's state.
#[derive(Debug)]
pub struct Logs {
    store: Store<model::State>,
}

impl Logs {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        Logs {
            store: Store::new("logs"),
        }
    }

    /// Applies a journaled change.
    pub fn replay(&self, change: Value) -> Result<(), String> {
        self.store.replay(change)
    }
}

/// Runs one CloudWatch Logs operation on its JSON input: the HTTP API and other services (Step
/// Functions tasks, EventBridge targets) both come through here.
pub async fn call(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    operation: &str,
    input: Map<String, Value>,
) -> Result<Value, AwsError> {
    api::call(&cloud.logs.store, cloud, ctx, operation, &input)
}
