//! State machines' lifecycle as typed methods: CreateStateMachine, UpdateStateMachine and
//! DeleteStateMachine. The API ([`api`](super::api)) and CloudFormation's
//! `AWS::StepFunctions::StateMachine` both call them, with what the API's readers checked.

use serde_json::Value;

use super::api::{find_machine, new_revision_id, now};
use super::model::{Change, Created, NewMachine};
use super::StepFunctions;
use crate::cloud::Cloud;
use crate::error::AwsResult;

/// What an UpdateStateMachine changes (`None`: as it is).
#[derive(Debug, Clone, Default)]
pub struct MachineUpdate {
    /// The definition.
    pub definition: Option<String>,
    /// The role.
    pub role_arn: Option<String>,
    /// The logging configuration.
    pub logging: Option<Value>,
    /// The tracing configuration.
    pub tracing: Option<Value>,
    /// Publish a version, with this description.
    pub publish: Option<Option<String>>,
}

/// What an update made.
#[derive(Debug, Clone)]
pub struct Updated {
    /// The current revision's id (a new one when something changed).
    pub revision_id: String,
    /// When the current revision was made.
    pub update_date: f64,
    /// The version published, when publishing.
    pub version_arn: Option<String>,
}

impl StepFunctions {
    /// CreateStateMachine (idempotent for the same definition and settings).
    pub fn create_machine(&self, cloud: &Cloud, new: NewMachine) -> AwsResult<Created> {
        let mut state = self.store.writer(cloud);
        let (change, created) = state.create_machine(new, now())?;
        if let Some(change) = change {
            state.commit(change)?;
        }
        Ok(created)
    }

    /// UpdateStateMachine: a new revision when something changed, and a version when asked.
    pub fn update_machine(
        &self,
        cloud: &Cloud,
        arn: &str,
        update: MachineUpdate,
    ) -> AwsResult<Updated> {
        let now = now();
        let mut state = self.store.writer(cloud);
        let mut machine = find_machine(&state, arn)?.clone();
        let mut next = machine.current.clone();
        if let Some(definition) = update.definition {
            next.definition = definition;
        }
        if let Some(role_arn) = update.role_arn {
            next.role_arn = role_arn;
        }
        if let Some(logging) = update.logging {
            next.logging = logging;
        }
        if let Some(tracing) = update.tracing {
            next.tracing = tracing;
        }
        if next != machine.current {
            next.revision_id = new_revision_id();
            next.update_date = now;
            machine.current = next;
        }
        let version_arn = update
            .publish
            .map(|description| machine.publish(description, now));
        let updated = Updated {
            revision_id: machine.current.revision_id.clone(),
            update_date: machine.current.update_date,
            version_arn,
        };
        state.commit(Change::Machine(Box::new(machine)))?;
        Ok(updated)
    }

    /// DeleteStateMachine: its versions and aliases go with it; nothing when it is gone.
    pub fn delete_machine(&self, cloud: &Cloud, arn: &str) -> AwsResult<()> {
        let mut state = self.store.writer(cloud);
        if state.machines.contains_key(arn) {
            state.commit(Change::MachineDeleted {
                arn: arn.to_string(),
            })?;
        }
        Ok(())
    }
}
