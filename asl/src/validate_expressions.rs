//! The validator's checks of expressions, made with the engine's compiled form
//! ([`CompiledMachine`]): what does not compile (JSONata expressions, intrinsic calls and
//! templates the structural checks let through), JSONPath references to variables that no state
//! assigns, and `{% … %}` expressions in fields that AWS requires to be constants.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::engine::CompiledMachine;
use crate::model::{is_jsonata_expression, Definition, Machine, State, StateKind};
use crate::validate::{Diagnostic, SCHEMA_VALIDATION_FAILED};

/// Fields that never take an expression, on a state, a Retry entry or a Catch entry.
const CONSTANT_FIELDS: &[&str] = &[
    "Type",
    "Next",
    "Default",
    "Resource",
    "QueryLanguage",
    "Comment",
    "Label",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
];

/// The problems found, not repeating a location `earlier` already reports.
pub(crate) fn check(def: &Definition, earlier: &[Diagnostic]) -> Vec<Diagnostic> {
    let locations = state_locations(def);
    let at = |state: &str, field: &str| {
        let base = locations.get(state).cloned().unwrap_or_default();
        format!("{base}/{}", aws_field(field))
    };
    let mut out = Vec::new();
    let compiled = CompiledMachine::compile(def.clone());
    for e in compiled.errors() {
        let location = at(&e.state, &e.field);
        if !earlier.iter().any(|d| d.location.starts_with(&location)) {
            out.push(Diagnostic::error(
                SCHEMA_VALIDATION_FAILED,
                location,
                e.message.clone(),
            ));
        }
    }
    let assigned = assigned_names(def);
    for (state, field, name) in compiled.variable_references() {
        if !assigned.contains(name.as_str()) {
            out.push(Diagnostic::error(
                SCHEMA_VALIDATION_FAILED,
                at(state, field),
                format!(
                    "The field '{}' references the variable '${name}', which no state assigns",
                    field.rsplit('/').next().unwrap_or(field)
                ),
            ));
        }
    }
    for (_, name, state) in def.walk() {
        let base = locations.get(name).cloned().unwrap_or_default();
        constants(&mut out, state, &base);
    }
    out
}

/// `Choices/0/Assign` as AWS writes locations: `Choices[0]/Assign`.
fn aws_field(field: &str) -> String {
    let mut out = String::new();
    for segment in field.split('/') {
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(segment);
        }
    }
    out
}

/// Where each state is, as AWS writes locations (`/States/P/Branches[0]/States/X`).
fn state_locations(def: &Definition) -> HashMap<String, String> {
    fn walk(machine: &Machine, base: &str, out: &mut HashMap<String, String>) {
        for (name, state) in &machine.states {
            let here = format!("{base}/States/{name}");
            match &state.kind {
                StateKind::Parallel(p) => {
                    for (i, branch) in p.branches.iter().enumerate() {
                        walk(branch, &format!("{here}/Branches[{i}]"), out);
                    }
                }
                StateKind::Map(m) => {
                    let key = if m.uses_iterator {
                        "Iterator"
                    } else {
                        "ItemProcessor"
                    };
                    walk(&m.processor, &format!("{here}/{key}"), out);
                }
                _ => {}
            }
            out.insert(name.clone(), here);
        }
    }
    let mut out = HashMap::new();
    walk(def, "", &mut out);
    out
}

/// Every variable name some `Assign` sets (state, Choice rule or Catch entry), `.$` removed.
fn assigned_names(def: &Definition) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut add = |assign: Option<&Value>| {
        for key in assign
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.keys())
        {
            names.insert(key.strip_suffix(".$").unwrap_or(key).to_string());
        }
    };
    for (_, _, state) in def.walk() {
        add(state.extra.get("Assign"));
        if let StateKind::Choice(c) = &state.kind {
            for rule in &c.choices {
                add(rule.extra.get("Assign"));
            }
        }
        for catcher in state.catchers() {
            add(catcher.extra.get("Assign"));
        }
    }
    names
}

/// `{% … %}` in a field that takes only a constant.
fn constants(out: &mut Vec<Diagnostic>, state: &State, base: &str) {
    let mut report = |location: String, field: &str| {
        out.push(Diagnostic::error(
            SCHEMA_VALIDATION_FAILED,
            location,
            format!(
                "The field '{field}' does not accept a JSONata expression: it must be a constant"
            ),
        ));
    };
    let is_expression =
        |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(is_jsonata_expression);
    let value = state.to_value();
    for field in CONSTANT_FIELDS {
        if is_expression(value.get(*field)) {
            report(format!("{base}/{field}"), field);
        }
    }
    for (list, entries) in [("Retry", &value["Retry"]), ("Catch", &value["Catch"])] {
        for (i, entry) in entries.as_array().into_iter().flatten().enumerate() {
            for field in CONSTANT_FIELDS.iter().chain(&["ErrorEquals"]) {
                let values: Vec<&Value> = match entry.get(*field) {
                    Some(Value::Array(items)) => items.iter().collect(),
                    Some(one) => vec![one],
                    None => Vec::new(),
                };
                if values.into_iter().any(|v| is_expression(Some(v))) {
                    report(format!("{base}/{list}[{i}]/{field}"), field);
                }
            }
        }
    }
    if let Some(Value::Array(rules)) = value.get("Choices") {
        for (i, rule) in rules.iter().enumerate() {
            if is_expression(rule.get("Next")) {
                report(format!("{base}/Choices[{i}]/Next"), "Next");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::{is_valid, validate_json};
    use serde_json::json;

    fn errors(def: serde_json::Value) -> Vec<(String, String)> {
        validate_json(&def.to_string())
            .into_iter()
            .map(|d| (d.location, d.message))
            .collect()
    }

    #[test]
    fn a_bad_jsonata_expression_is_reported_where_it_is() {
        let found = errors(
            json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Default": "D",
                  "Choices": [{"Condition": "{% $states.input.a = %}", "Next": "D"}]},
            "D": {"Type": "Succeed"}}}),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "/States/C/Choices[0]/Condition");
        assert!(found[0].1.contains("'$states.input.a ='"), "{}", found[0].1);
    }

    #[test]
    fn good_expressions_and_assigned_variables_are_accepted() {
        let def = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"n.$": "$.n"}, "Next": "B"},
            "B": {"Type": "Pass", "QueryLanguage": "JSONata",
                  "Output": {"sum": "{% $n + $sum($states.input.xs) %}"}, "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"n.$": "$n", "f.$": "States.Format('{}', $n)"}, "End": true}}});
        let diags = validate_json(&def.to_string());
        assert!(is_valid(&diags), "{diags:?}");
    }

    #[test]
    fn jsonpath_references_to_variables_nobody_assigns() {
        let found = errors(json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Parameters": {"x.$": "$missing.x"}, "End": true}}}));
        assert_eq!(
            found,
            vec![(
                "/States/A/Parameters".to_string(),
                "The field 'Parameters' references the variable '$missing', which no state assigns"
                    .to_string()
            )]
        );
    }

    #[test]
    fn expressions_where_constants_are_required() {
        let found = errors(
            json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "{% 'arn' %}", "End": true,
                  "Catch": [{"ErrorEquals": ["{% 'x' %}"], "Next": "T"}]}}}),
        );
        let at: Vec<&str> = found.iter().map(|(l, _)| l.as_str()).collect();
        assert!(at.contains(&"/States/T/Resource"), "{found:?}");
        assert!(at.contains(&"/States/T/Catch[0]/ErrorEquals"), "{found:?}");
        assert!(found.iter().any(|(_, m)| m
            == "The field 'Resource' does not accept a JSONata expression: it must be a constant"));
    }
}
