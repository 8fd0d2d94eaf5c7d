//! How a corrected definition differs from the one an execution ran, state by state (states
//! are matched by name), for the plan of `--definition-file` with an execution ARN.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::Definition;

/// One line per difference: states added, removed, or changed (with the fields that differ),
/// and machine-level fields that changed.
pub fn differences(ran: &Definition, fixed: &Definition) -> Vec<String> {
    let before = states_by_name(ran);
    let after = states_by_name(fixed);
    let mut out = Vec::new();
    if ran.start_at != fixed.start_at {
        out.push(format!(
            "StartAt: '{}' becomes '{}'",
            ran.start_at, fixed.start_at
        ));
    }
    if ran.timeout_seconds != fixed.timeout_seconds {
        out.push("TimeoutSeconds changed".to_string());
    }
    for (name, state) in &after {
        match before.get(name) {
            None => out.push(format!("state '{name}': added")),
            Some(old) if old != state => out.push(format!(
                "state '{name}': {} changed",
                changed_fields(old, state)
            )),
            Some(_) => {}
        }
    }
    out.extend(
        before
            .keys()
            .filter(|name| !after.contains_key(*name))
            .map(|name| format!("state '{name}': removed")),
    );
    out
}

/// Every state (nested ones included) as JSON without its nested machines, by name.
fn states_by_name(definition: &Definition) -> BTreeMap<String, Value> {
    definition
        .walk()
        .into_iter()
        .map(|(_, name, state)| {
            let mut value = state.to_value();
            if let Value::Object(fields) = &mut value {
                for nested in ["Branches", "ItemProcessor", "Iterator"] {
                    fields.shift_remove(nested);
                }
            }
            (name.to_string(), value)
        })
        .collect()
}

fn changed_fields(old: &Value, new: &Value) -> String {
    let (Value::Object(old), Value::Object(new)) = (old, new) else {
        return "its definition".to_string();
    };
    let mut fields: Vec<&str> = old
        .iter()
        .filter(|(k, v)| new.get(*k) != Some(*v))
        .map(|(k, _)| k.as_str())
        .chain(
            new.keys()
                .filter(|k| !old.contains_key(*k))
                .map(String::as_str),
        )
        .collect();
    fields.dedup();
    fields.join(", ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lists_added_removed_and_changed_states() {
        let ran = Definition::from_value(&json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Task", "Resource": "r", "Parameters": {"x.$": "$.x"}, "Next": "C"},
            "C": {"Type": "Pass", "End": true}}}))
        .unwrap();
        let fixed = Definition::from_value(&json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Task", "Resource": "r", "Parameters": {"x.$": "$.y"},
                  "Retry": [{"ErrorEquals": ["States.ALL"]}], "Next": "D"},
            "D": {"Type": "Pass", "End": true}}}))
        .unwrap();
        assert_eq!(
            differences(&ran, &fixed),
            vec![
                "state 'B': Parameters, Next, Retry changed",
                "state 'D': added",
                "state 'C': removed"
            ]
        );
        assert!(differences(&ran, &ran).is_empty());
    }
}
