//! DynamoDB (awsJson 1.0, `DynamoDB_20120810`): tables with global and local secondary
//! indexes, items with every attribute type, condition/update/projection/filter expressions,
//! Query and Scan with pagination, batch operations, transactions, time to live (expired items are deleted)
//! and tags. Every write is journaled.
//!
//! - [`model`]: tables, keys and the journaled [`model::Change`]s.
//! - [`value`] and [`number`]: attribute values, exact decimal numbers.
//! - [`expressions`]: the expression languages.
//! - [`read`]: Query and Scan.
//! - [`tables`]: the table operations as typed methods (the API and CloudFormation call them).
//! - [`api`]: the operations' wire format.

mod api;
pub mod expressions;
pub mod model;
pub mod number;
pub mod read;
pub mod tables;
pub mod value;

pub(crate) use api::tables::{apply_update, table_definition, time_to_live};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::request::RequestContext;
use crate::services::store::Store;
use model::{Change, State};

/// The journal's name for this service.
const SERVICE: &str = "dynamodb";

/// How often expired items (time to live) are looked for, per region.
const TTL_SWEEP_EVERY: Duration = Duration::from_secs(1);

/// DynamoDB's state.
#[derive(Debug)]
pub struct DynamoDb {
    pub(crate) store: Store<State>,
    /// When each region was last swept for expired items.
    swept: Mutex<HashMap<String, Instant>>,
}

impl DynamoDb {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        DynamoDb {
            store: Store::new(SERVICE),
            swept: Mutex::default(),
        }
    }

    /// Deletes the items whose time to live has passed (journaled like any delete). AWS does
    /// this in the background within days; here it happens before the next request, at most
    /// once a second per region.
    fn expire(&self, cloud: &Cloud, region: &str) -> Result<(), AwsError> {
        {
            let mut swept = self
                .swept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            match swept.get(region) {
                Some(last) if now.duration_since(*last) < TTL_SWEEP_EVERY => return Ok(()),
                _ => swept.insert(region.to_string(), now),
            };
        }
        let now = (crate::protocol::now_ms() / 1000) as i64;
        let mut state = self.store.writer(cloud);
        for (table, key) in state.expired(region, now) {
            let change = Change::DeleteItem {
                region: region.to_string(),
                table,
                key,
            };
            state.commit(change)?;
        }
        Ok(())
    }
}

/// Runs one DynamoDB operation on its JSON input: the HTTP API and other services (Step
/// Functions tasks, EventBridge targets) both come through here.
pub async fn call(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    operation: &str,
    input: Map<String, Value>,
) -> Result<Value, AwsError> {
    cloud.dynamodb.expire(cloud, &ctx.region)?;
    api::call(cloud, ctx, operation, &input)
}
