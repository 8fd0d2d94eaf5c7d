//! Finds the names a piece of template refers to: `Ref`, `Fn::GetAtt`, the variables of `Fn::Sub`,
//! and the conditions of `Fn::If`. Validation checks them; the dependency graph follows them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::{Result, TemplateError};
use super::sub;

/// A name that a piece of template refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `{"Ref": name}`.
    Ref(String),
    /// `{"Fn::GetAtt": [resource, …]}`: the resource.
    GetAtt(String),
    /// A `Fn::Sub` variable that is not in the function's own variable map (`X` or `Res.Attr`).
    SubVariable(String),
    /// The condition of `{"Fn::If": [condition, …]}`.
    If(String),
}

/// The single key and its value, when `value` is an object with exactly one key.
pub fn single_key(value: &Value) -> Option<(&str, &Value)> {
    match value {
        Value::Object(map) if map.len() == 1 => map.iter().next().map(|(k, v)| (k.as_str(), v)),
        _ => None,
    }
}

/// The resource and attribute of a `Fn::GetAtt` argument (`[res, attr]`, or `"res.attr"` split
/// at the first dot). The attribute may itself be a function (e.g. a `Ref` to a parameter).
pub fn get_att_args(args: &Value) -> Result<(String, Value)> {
    let malformed = || {
        TemplateError::template(
            "every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute",
        )
    };
    let args = match args {
        Value::String(s) => match s.split_once('.') {
            Some((res, attr)) => serde_json::json!([res, attr]),
            None => serde_json::json!([s]),
        },
        other => other.clone(),
    };
    match &args {
        Value::Array(items) if items.len() == 2 => match (&items[0], &items[1]) {
            (Value::String(resource), attribute) if !resource.is_empty() => match attribute {
                Value::String(s) if s.is_empty() => Err(malformed()),
                Value::String(_) | Value::Object(_) => Ok((resource.clone(), attribute.clone())),
                _ => Err(malformed()),
            },
            _ => Err(malformed()),
        },
        _ => Err(malformed()),
    }
}

/// The text and variable map of a `Fn::Sub` argument (`"text"` or `["text", {vars}]`).
pub fn sub_args(args: &Value) -> Result<(&str, Option<&serde_json::Map<String, Value>>)> {
    match args {
        Value::String(text) => Ok((text, None)),
        Value::Array(items) if items.len() == 2 => match (&items[0], &items[1]) {
            (Value::String(text), Value::Object(vars)) => Ok((text, Some(vars))),
            _ => Err(sub_malformed()),
        },
        _ => Err(sub_malformed()),
    }
}

fn sub_malformed() -> TemplateError {
    TemplateError::template(
        "One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string",
    )
}

/// Collects every reference in `value`, in order. With `live`, only the taken branch of each
/// `Fn::If` whose condition it knows is followed (as CloudFormation does once conditions are
/// evaluated); without it, both branches are.
pub fn collect(
    value: &Value,
    live: Option<&BTreeMap<String, bool>>,
    out: &mut Vec<Reference>,
) -> Result<()> {
    match value {
        Value::Array(items) => items.iter().try_for_each(|item| collect(item, live, out)),
        Value::Object(map) => {
            if let Some((key, args)) = single_key(value) {
                match key {
                    "Ref" => {
                        let Value::String(name) = args else {
                            return Err(TemplateError::format(
                                "Every Ref object must have a single String value.",
                            ));
                        };
                        out.push(Reference::Ref(name.clone()));
                        return Ok(());
                    }
                    "Fn::GetAtt" => {
                        let (resource, attribute) = get_att_args(args)?;
                        out.push(Reference::GetAtt(resource));
                        return collect(&attribute, live, out);
                    }
                    "Fn::Sub" => {
                        let (text, vars) = sub_args(args)?;
                        for name in sub::variables(text) {
                            if !vars.is_some_and(|v| v.contains_key(name)) {
                                out.push(Reference::SubVariable(name.to_string()));
                            }
                        }
                        if let Some(vars) = vars {
                            vars.values().try_for_each(|v| collect(v, live, out))?;
                        }
                        return Ok(());
                    }
                    "Fn::If" => {
                        let Value::Array(items) = args else {
                            return Err(if_malformed());
                        };
                        let [Value::String(condition), yes, no] = items.as_slice() else {
                            return Err(if_malformed());
                        };
                        out.push(Reference::If(condition.clone()));
                        return match live.and_then(|l| l.get(condition)) {
                            Some(true) => collect(yes, live, out),
                            Some(false) => collect(no, live, out),
                            None => {
                                collect(yes, live, out)?;
                                collect(no, live, out)
                            }
                        };
                    }
                    _ => {}
                }
            }
            map.values().try_for_each(|v| collect(v, live, out))
        }
        _ => Ok(()),
    }
}

/// Pushes the conditions an expression names, with `{"Condition": …}` or `Fn::If`, once each,
/// in order.
pub fn condition_names(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| condition_names(v, out)),
        Value::Object(map) => {
            match single_key(value) {
                Some(("Condition", Value::String(name))) => push_once(out, name),
                Some(("Fn::If", Value::Array(items))) => {
                    if let Some(Value::String(name)) = items.first() {
                        push_once(out, name);
                    }
                }
                _ => {}
            }
            map.values().for_each(|v| condition_names(v, out));
        }
        _ => {}
    }
}

fn push_once(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

/// The error for a malformed `Fn::If`.
pub fn if_malformed() -> TemplateError {
    TemplateError::template(
        "Fn::If requires a list argument with the first element being a condition",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refs(value: Value, live: Option<&BTreeMap<String, bool>>) -> Vec<Reference> {
        let mut out = Vec::new();
        collect(&value, live, &mut out).unwrap();
        out
    }

    #[test]
    fn finds_refs_getatts_sub_variables_and_conditions() {
        let value = json!({
            "A": {"Ref": "P"},
            "B": [{"Fn::GetAtt": ["Role", "Arn"]}, {"Fn::GetAtt": "Db.Endpoint.Address"}],
            "C": {"Fn::Sub": ["${X}-${Bucket}-${Fn.Arn}-${!No}", {"X": {"Ref": "Q"}}]},
            "D": {"Fn::If": ["IsProd", {"Ref": "Yes"}, {"Ref": "No"}]},
        });
        assert_eq!(
            refs(value.clone(), None),
            vec![
                Reference::Ref("P".into()),
                Reference::GetAtt("Role".into()),
                Reference::GetAtt("Db".into()),
                Reference::SubVariable("Bucket".into()),
                Reference::SubVariable("Fn.Arn".into()),
                Reference::Ref("Q".into()),
                Reference::If("IsProd".into()),
                Reference::Ref("Yes".into()),
                Reference::Ref("No".into()),
            ]
        );
        let live = BTreeMap::from([("IsProd".to_string(), false)]);
        assert_eq!(
            refs(value["D"].clone(), Some(&live)),
            vec![Reference::If("IsProd".into()), Reference::Ref("No".into())]
        );
    }

    #[test]
    fn malformed_functions_are_errors() {
        let mut out = Vec::new();
        let err = collect(&json!({"Ref": ["a"]}), None, &mut out).unwrap_err();
        assert_eq!(
            err.message,
            "Template format error: Every Ref object must have a single String value."
        );
        let err = collect(&json!({"Fn::GetAtt": ["a"]}), None, &mut out).unwrap_err();
        assert!(err
            .message
            .contains("every Fn::GetAtt object requires two non-empty parameters"));
        let err = collect(&json!({"Fn::Sub": 5}), None, &mut out).unwrap_err();
        assert!(err
            .message
            .contains("Fn::Sub intrinsic functions don't specify expected arguments"));
        assert!(collect(&json!({"Fn::If": ["a", 1]}), None, &mut out).is_err());
    }
}
