//! The compiled machines executions run: each revision's definition is compiled once (paths,
//! templates, intrinsic calls, JSONata) and shared by every execution of that revision.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use asl::engine::CompiledMachine;
use asl::model::Definition;

use super::model::Revision;
use crate::error::AwsError;

/// Compiled machines by revision id.
#[derive(Default)]
pub(crate) struct Machines {
    by_revision: Mutex<HashMap<String, Arc<CompiledMachine>>>,
}

impl Machines {
    /// The compiled machine of `revision`, compiled on its first use.
    pub fn get(&self, revision: &Revision) -> Result<Arc<CompiledMachine>, AwsError> {
        let key = revision.revision_id.clone();
        let mut map = self
            .by_revision
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(machine) = map.get(&key) {
            return Ok(machine.clone());
        }
        let definition = Definition::from_json(&revision.definition).map_err(|e| {
            AwsError::new(
                "InvalidDefinition",
                format!("Invalid State Machine Definition: '{e}'"),
            )
        })?;
        let machine = Arc::new(CompiledMachine::compile(definition));
        map.insert(key, machine.clone());
        Ok(machine)
    }
}
