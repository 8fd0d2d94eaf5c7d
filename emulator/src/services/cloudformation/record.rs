//! Writing a running operation's progress: the stack's status, its resources' statuses, and
//! the events that tell them, each journaled.

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value};

use super::model::{Change, Stack, StackEvent, StackResource};
use super::status::{ResourceStatus, StackStatus};
use crate::cloud::Cloud;
use crate::error::AwsResult;

/// Records the progress of one operation on one stack.
pub struct Recorder {
    /// The emulated account.
    pub cloud: Arc<Cloud>,
    /// The stack's id.
    pub stack_id: String,
    /// The stack's name.
    pub stack_name: String,
    /// The operation's `ClientRequestToken`.
    pub token: Option<String>,
}

impl Recorder {
    /// Journals and applies one change.
    fn write(&self, change: Change) -> AwsResult<()> {
        self.cloud
            .cloudformation
            .store
            .write(&self.cloud, |_| Ok(change))
    }

    /// The stack as it is now.
    pub fn stack(&self) -> AwsResult<Stack> {
        self.cloud.cloudformation.store.read(|s| {
            s.stacks
                .get(&self.stack_id)
                .cloned()
                .ok_or_else(|| super::model::no_such_stack(&self.stack_id))
        })
    }

    /// Changes the stack (`edit`), then sets its status and writes the stack's own event.
    pub fn stack_status(
        &self,
        status: StackStatus,
        reason: Option<&str>,
        edit: impl FnOnce(&mut Stack),
    ) -> AwsResult<()> {
        let mut stack = self.stack()?;
        edit(&mut stack);
        stack.status = status;
        stack.status_reason = reason.map(str::to_string);
        let event = StackEvent::of_stack(&stack, SystemTime::now(), self.token.clone());
        self.write(Change::PutStack(Box::new(stack)))?;
        self.event(event)
    }

    /// Sets a resource's status (and keeps it in the stack), with its event.
    pub fn resource(
        &self,
        resource: &mut StackResource,
        status: ResourceStatus,
        reason: Option<&str>,
    ) -> AwsResult<()> {
        resource.status = status;
        resource.status_reason = reason.map(str::to_string);
        resource.updated = SystemTime::now();
        self.write(Change::PutResource {
            stack_id: self.stack_id.clone(),
            resource: Box::new(resource.clone()),
        })?;
        self.resource_event(resource, resource.physical_id.as_deref(), status, reason)
    }

    /// A resource's event alone (e.g. the deletion of the old physical resource of one that
    /// was replaced).
    pub fn resource_event(
        &self,
        resource: &StackResource,
        physical_id: Option<&str>,
        status: ResourceStatus,
        reason: Option<&str>,
    ) -> AwsResult<()> {
        let properties = (!status.is_deletion()).then(|| properties_text(&resource.properties));
        let timestamp = SystemTime::now();
        self.event(StackEvent {
            id: format!(
                "{}-{status}-{}",
                resource.logical_id,
                crate::protocol::iso8601(timestamp)
            ),
            stack_id: self.stack_id.clone(),
            stack_name: self.stack_name.clone(),
            logical_id: resource.logical_id.clone(),
            physical_id: physical_id.map(str::to_string),
            resource_type: resource.resource_type.clone(),
            timestamp,
            status: status.to_string(),
            reason: reason.map(str::to_string),
            properties,
            client_request_token: self.token.clone(),
        })
    }

    /// Removes a resource from the stack.
    pub fn remove_resource(&self, logical_id: &str) -> AwsResult<()> {
        self.write(Change::RemoveResource {
            stack_id: self.stack_id.clone(),
            logical_id: logical_id.to_string(),
        })
    }

    fn event(&self, event: StackEvent) -> AwsResult<()> {
        self.write(Change::Event(Box::new(event)))
    }
}

/// `ResourceProperties` as CloudFormation writes them: the properties as JSON text.
fn properties_text(properties: &Map<String, Value>) -> String {
    Value::Object(properties.clone()).to_string()
}
