//! What the interpreter does not run yet, found before an execution starts: JSONata, variables,
//! Distributed Maps that read or write items elsewhere (a Distributed Map over its input runs, as
//! a map run), and definitions that point at states that do not exist.

use super::EngineError;
use crate::model::{Condition, Machine, StateKind};

/// State fields that only the JSONata query language (or variables) use.
const JSONATA_FIELDS: &[(&str, &str)] = &[
    ("Assign", "Variables (Assign)"),
    ("Output", "JSONata (Output)"),
    ("Arguments", "JSONata (Arguments)"),
    ("Items", "JSONata (Items)"),
];

/// Checks that every state of `machine` (nested machines included) can run.
pub(crate) fn check(machine: &Machine) -> Result<(), EngineError> {
    check_machine(machine, None)?;
    for (_, name, state) in machine.walk() {
        let unsupported = |feature: &str| EngineError::Unsupported {
            feature: feature.to_string(),
            state: Some(name.to_string()),
        };
        if let Some(lang) = state.extra.get("QueryLanguage") {
            if lang.as_str() != Some("JSONPath") {
                return Err(unsupported("JSONata (QueryLanguage)"));
            }
        }
        if let Some((_, feature)) = JSONATA_FIELDS
            .iter()
            .find(|(field, _)| state.extra.contains_key(*field))
        {
            return Err(unsupported(feature));
        }
        match &state.kind {
            StateKind::Choice(choice) => {
                let jsonata = choice.choices.iter().any(|rule| {
                    rule.all_rules()
                        .iter()
                        .any(|r| matches!(r.condition, Condition::Jsonata(_)))
                        || rule.extra.contains_key("Assign")
                });
                if jsonata {
                    return Err(unsupported("JSONata (Condition)"));
                }
            }
            StateKind::Map(map) => {
                if map.item_reader.is_some()
                    || map.item_batcher.is_some()
                    || map.result_writer.is_some()
                {
                    return Err(unsupported(
                        "Distributed Map reading or writing elsewhere (ItemReader, ItemBatcher, ResultWriter)",
                    ));
                }
                check_machine(&map.processor, Some(name))?;
            }
            StateKind::Parallel(parallel) => {
                for branch in &parallel.branches {
                    check_machine(branch, Some(name))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_machine(machine: &Machine, owner: Option<&str>) -> Result<(), EngineError> {
    if let Some(lang) = &machine.query_language {
        if lang != "JSONPath" {
            return Err(EngineError::Unsupported {
                feature: "JSONata (QueryLanguage)".to_string(),
                state: owner.map(str::to_string),
            });
        }
    }
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
    fn rejects_jsonata_variables_and_distributed_maps_by_name() {
        let jsonata = def(
            json!({"StartAt": "X", "States": {"X": {"Type": "Pass", "QueryLanguage": "JSONata", "End": true}}}),
        );
        assert_eq!(
            check(&jsonata).unwrap_err().to_string(),
            "JSONata (QueryLanguage) is not supported yet: state 'X'"
        );
        let top = def(
            json!({"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Succeed"}}}),
        );
        assert!(check(&top)
            .unwrap_err()
            .to_string()
            .starts_with("JSONata (QueryLanguage)"));
        let assign = def(
            json!({"StartAt": "X", "States": {"X": {"Type": "Pass", "Assign": {"a": 1}, "End": true}}}),
        );
        assert!(check(&assign)
            .unwrap_err()
            .to_string()
            .starts_with("Variables (Assign)"));
        let reader = def(
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}),
        );
        assert!(check(&reader)
            .unwrap_err()
            .to_string()
            .contains("Distributed Map"));
        let ok = def(
            json!({"QueryLanguage": "JSONPath", "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}),
        );
        assert!(check(&ok).is_ok());
        let dangling = def(json!({"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}));
        assert!(matches!(
            check(&dangling),
            Err(EngineError::InvalidDefinition(_))
        ));
    }
}
