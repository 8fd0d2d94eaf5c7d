//! CloudWatch Logs over awsJson 1.1: log groups (retention, tags), streams, and events
//! (PutLogEvents, GetLogEvents, FilterLogEvents with term patterns). Retention is stored but
//! events are not expired.

mod api;
pub mod model;

pub(crate) use api::{new_group, retention_days};

use std::sync::{Arc, Weak};

use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::request::RequestContext;
use crate::services::store::Store;

/// CloudWatch Logs's state.
#[derive(Debug)]
pub struct Logs {
    pub(crate) store: Store<model::State>,
}

impl Logs {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        Logs {
            store: Store::new("logs"),
        }
    }

    /// CreateLogGroup: the group, created now, with its KMS key and tags.
    pub fn create_group(&self, cloud: &Cloud, new: model::NewGroup) -> Result<(), AwsError> {
        let group = model::LogGroup {
            name: new.id.name.clone(),
            created: api::now_ms(),
            kms_key_id: new.kms_key_id,
            tags: new.tags,
            ..model::LogGroup::default()
        };
        self.store.write(cloud, |s| s.create_group(new.id, group))
    }

    /// DeleteLogGroup.
    pub fn delete_group(&self, cloud: &Cloud, id: &model::GroupId) -> Result<(), AwsError> {
        self.store.write(cloud, |s| s.delete_group(id))
    }

    /// PutRetentionPolicy (`Some`) or DeleteRetentionPolicy (`None`).
    pub fn set_retention(
        &self,
        cloud: &Cloud,
        id: &model::GroupId,
        days: Option<i64>,
    ) -> Result<(), AwsError> {
        self.store.write(cloud, |s| s.set_retention(id, days))
    }

    /// True when the log group `id` exists.
    pub fn has_group(&self, id: &model::GroupId) -> bool {
        self.store
            .read(|s| Ok(s.group(id).is_ok()))
            .unwrap_or(false)
    }

    /// Appends `messages`, timestamped now, to the stream `stream` of the group `group` in
    /// `region`, creating either when it is missing: how other services write their logs (a
    /// Lambda function's to `/aws/lambda/<name>`).
    pub fn append(
        &self,
        cloud: &Cloud,
        region: &str,
        group: &str,
        stream: &str,
        messages: &[String],
    ) -> Result<(), AwsError> {
        let id = model::GroupId {
            region: region.to_string(),
            name: group.to_string(),
        };
        let now = api::now_ms();
        self.store.write_if(cloud, |s| {
            Ok(s.group(&id).is_err().then(|| {
                let group = model::LogGroup {
                    name: group.to_string(),
                    created: now,
                    ..model::LogGroup::default()
                };
                model::Change::CreateGroup(id.clone(), group)
            }))
        })?;
        self.store.write_if(cloud, |s| {
            Ok(s.stream(&id, stream).is_err().then(|| {
                let created = model::LogStream {
                    name: stream.to_string(),
                    created: now,
                    ..model::LogStream::default()
                };
                model::Change::CreateStream(id.clone(), created)
            }))
        })?;
        let events = messages
            .iter()
            .map(|message| model::Event {
                timestamp: now,
                message: message.clone(),
                ingestion_time: now,
            })
            .collect();
        self.store.write(cloud, |_| {
            Ok(model::Change::PutEvents(
                id.clone(),
                stream.to_string(),
                events,
                now,
            ))
        })
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
