//! Event buses and tags as typed operations: CreateEventBus, DeleteEventBus, TagResource,
//! UntagResource, and PutEvents' publishing of events to the rules of their bus. The API ([`api`](super::api)) reads the wire and calls them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{bus_arn, Bus, Change, Resource, DEFAULT_BUS};
use super::targets::{self, Delivered, Job};
use super::EventBridge;
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};

/// A CreateEventBus request, its members already checked against the model.
#[derive(Debug, Clone, Default)]
pub struct NewBus {
    /// `Name`.
    pub name: String,
    /// `EventSourceName` (partner event sources: none exist here).
    pub event_source: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `Tags`.
    pub tags: BTreeMap<String, String>,
}

/// One event PutEvents accepted, ready to publish: its bus and its envelope.
#[derive(Debug, Clone)]
pub struct Published {
    /// The bus's name.
    pub bus: String,
    /// The event as rules match it and targets receive it (`id`, `source`, `detail`, …).
    pub envelope: Value,
}

impl EventBridge {
    /// CreateEventBus: refused for a partner event source (none exists), a name with `/`, and
    /// a name already taken; returns the new bus.
    pub fn create_bus(&self, cloud: &Cloud, region: &str, new: NewBus) -> AwsResult<Bus> {
        if let Some(source) = new.event_source {
            return Err(AwsError::new(
                "ResourceNotFoundException",
                format!("Event source {source} does not exist."),
            ));
        }
        if new.name.contains('/') {
            return Err(AwsError::validation("Event bus name must not contain '/'."));
        }
        let bus = Bus {
            arn: bus_arn(region, &new.name),
            name: new.name,
            description: new.description,
            created_ms: crate::protocol::now_ms(),
            tags: new.tags,
            rules: BTreeMap::new(),
        };
        self.write(cloud, region, |state| {
            if state.buses.contains_key(&bus.name) {
                return Err(AwsError::new(
                    "ResourceAlreadyExistsException",
                    format!("Event bus {} already exists.", bus.name),
                ));
            }
            let change = Change::CreateBus {
                region: region.to_string(),
                bus: bus.clone(),
            };
            Ok((Some(change), bus))
        })
    }

    /// DeleteEventBus: nothing when there is no such bus; the `default` bus cannot go.
    pub fn delete_bus(&self, cloud: &Cloud, region: &str, name: &str) -> AwsResult<()> {
        if name == DEFAULT_BUS {
            return Err(AwsError::validation("Cannot delete event bus default."));
        }
        self.write(cloud, region, |state| {
            let change = state.buses.contains_key(name).then(|| Change::DeleteBus {
                region: region.to_string(),
                name: name.to_string(),
            });
            Ok((change, ()))
        })
    }

    /// TagResource: adds the tags to a bus or rule (replacing those with the same keys).
    pub fn tag(
        &self,
        cloud: &Cloud,
        region: &str,
        resource: Resource,
        tags: BTreeMap<String, String>,
    ) -> AwsResult<()> {
        let change = Change::Tag {
            region: region.to_string(),
            resource,
            tags,
        };
        self.change_tags(cloud, region, change)
    }

    /// UntagResource: removes the tags with these keys from a bus or rule.
    pub fn untag(
        &self,
        cloud: &Cloud,
        region: &str,
        resource: Resource,
        keys: Vec<String>,
    ) -> AwsResult<()> {
        let change = Change::Untag {
            region: region.to_string(),
            resource,
            keys,
        };
        self.change_tags(cloud, region, change)
    }

    /// Makes a Tag or Untag change, once its bus or rule is found.
    fn change_tags(&self, cloud: &Cloud, region: &str, change: Change) -> AwsResult<()> {
        self.write(cloud, region, |state| {
            if let Change::Tag { resource, .. } | Change::Untag { resource, .. } = &change {
                state.tags(resource)?;
            }
            Ok((Some(change), ()))
        })
    }

    /// PutEvents' publishing of one event: it goes to every target of each enabled rule of
    /// its bus that it matches, delivered in the background. Returns the event's id, or
    /// `ResourceNotFoundException` when there is no such bus.
    pub fn publish(
        &self,
        region: &str,
        event: &Published,
        ingestion_time: &str,
    ) -> AwsResult<Value> {
        let jobs = self.read(region, |state| {
            Ok(route(
                state.bus(&event.bus)?,
                &event.envelope,
                ingestion_time,
            ))
        })?;
        for job in jobs {
            targets::spawn_delivery(self.cloud(), job);
        }
        Ok(event.envelope["id"].clone())
    }
}

/// The deliveries an event makes on a bus: one per target of each enabled rule it matches.
fn route(bus: &Bus, event: &Value, ingestion_time: &str) -> Vec<Job> {
    let event_id = event["id"].as_str().unwrap_or_default();
    bus.rules
        .values()
        .filter(|rule| rule.is_enabled() && rule.matches(event))
        .flat_map(|rule| {
            let delivered = Delivered {
                event,
                rule_name: &rule.name,
                rule_arn: &rule.arn,
                ingestion_time,
            };
            rule.targets.iter().map(move |target| Job {
                rule_arn: rule.arn.clone(),
                target: target.clone(),
                event_id: event_id.to_string(),
                input: targets::shape_input(target, &delivered),
            })
        })
        .collect()
}
