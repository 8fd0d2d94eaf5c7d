//! What the interpreter does not run, found before an execution starts: Distributed Maps that
//! read or write items elsewhere (a Distributed Map over its input runs, as a map run), and
//! definitions that point at states that do not exist.

use super::EngineError;
use crate::model::{Machine, StateKind};

/// Checks that every state of `machine` (nested machines included) can run.
pub(crate) fn check(machine: &Machine) -> Result<(), EngineError> {
    check_machine(machine)?;
    for (_, name, state) in machine.walk() {
        match &state.kind {
            StateKind::Map(map) => {
                if map.item_reader.is_some()
                    || map.item_batcher.is_some()
                    || map.result_writer.is_some()
                {
                    return Err(EngineError::Unsupported {
                        feature: "Distributed Map reading or writing elsewhere (ItemReader, ItemBatcher, ResultWriter)".to_string(),
                        state: Some(name.to_string()),
                    });
                }
                check_machine(&map.processor)?;
            }
            StateKind::Parallel(parallel) => {
                for branch in &parallel.branches {
                    check_machine(branch)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_machine(machine: &Machine) -> Result<(), EngineError> {
    let missing = std::iter::once(machine.start_at.as_str())
        .chain(machine.states.values().flat_map(|s| s.successors()))
        .find(|name| !machine.states.contains_key(*name));
    match missing {
        Some(name) => Err(EngineError::InvalidDefinition(format!(
            "the state '{name}' is referenced but not defined"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(value: serde_json::Value) -> Machine {
        Machine::from_value(&value).unwrap()
    }

    #[test]
    fn rejects_distributed_maps_and_dangling_names_but_runs_jsonata() {
        let jsonata = def(
            json!({"StartAt": "X", "States": {"X": {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"a": 1}, "End": true}}}),
        );
        assert!(check(&jsonata).is_ok());
        let reader = def(
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}),
        );
        assert!(check(&reader)
            .unwrap_err()
            .to_string()
            .contains("Distributed Map"));
        let dangling = def(json!({"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}));
        assert!(matches!(
            check(&dangling),
            Err(EngineError::InvalidDefinition(_))
        ));
    }
}
