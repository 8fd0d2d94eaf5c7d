//! Parameter values for a stack: the values given, else the defaults, checked against the
//! declared constraints with CloudFormation's messages.

use std::collections::BTreeMap;

use regex::RegexBuilder;
use serde_json::Value;

use super::declarations::{Parameter, ParameterKind, Template};
use super::error::{Result, TemplateError};

/// The most heap an `AllowedPattern` may compile to, and its lazy DFA may cache.
const PATTERN_BYTES: usize = 1 << 20;

/// One parameter's value for a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterValue {
    /// The parameter's name.
    pub name: String,
    /// The value as a string (lists comma-separated), as DescribeStacks shows it.
    pub value: String,
    /// `NoEcho`: DescribeStacks shows `****` instead of the value.
    pub no_echo: bool,
    /// True for list types: `Ref` gives a list.
    pub list: bool,
}

impl ParameterValue {
    /// What `Ref` gives: the string, or the list of its comma-separated items (trimmed).
    pub fn resolved(&self) -> Value {
        if self.list {
            Value::Array(
                self.value
                    .split(',')
                    .map(|item| Value::String(item.trim().to_string()))
                    .collect(),
            )
        } else {
            Value::String(self.value.clone())
        }
    }
}

/// The values of all of a template's parameters, in template order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParameterValues {
    values: Vec<ParameterValue>,
}

impl ParameterValues {
    /// Resolves the parameters of `template` from the values `given` (name → value): unknown
    /// names, missing values and broken constraints fail as on AWS.
    pub fn resolve(template: &Template, given: &BTreeMap<String, String>) -> Result<Self> {
        let unknown: Vec<String> = given
            .keys()
            .filter(|name| template.parameter(name).is_none())
            .cloned()
            .collect();
        let missing: Vec<String> = template
            .parameters
            .iter()
            .filter(|p| p.default.is_none() && !given.contains_key(&p.name))
            .map(|p| p.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(TemplateError::validation(format!(
                "Parameters: [{}] must have values",
                missing.join(", ")
            )));
        }
        if !unknown.is_empty() {
            return Err(TemplateError::validation(format!(
                "Parameters: [{}] do not exist in the template",
                unknown.join(", ")
            )));
        }
        let mut values = Vec::new();
        for parameter in &template.parameters {
            let value = given
                .get(&parameter.name)
                .or(parameter.default.as_ref())
                .cloned()
                .unwrap_or_default();
            check(parameter, &value)?;
            values.push(ParameterValue {
                name: parameter.name.clone(),
                value,
                no_echo: parameter.no_echo,
                list: parameter.kind.is_list(),
            });
        }
        Ok(ParameterValues { values })
    }

    /// The value of one parameter.
    pub fn get(&self, name: &str) -> Option<&ParameterValue> {
        self.values.iter().find(|v| v.name == name)
    }

    /// Every parameter's value, in template order.
    pub fn iter(&self) -> impl Iterator<Item = &ParameterValue> {
        self.values.iter()
    }
}

/// A bound as CloudFormation prints it (`3`, not `3.0`).
fn bound(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Checks one value (each item, for lists) against the parameter's constraints.
fn check(parameter: &Parameter, value: &str) -> Result<()> {
    let items: Vec<&str> = if parameter.kind.is_list() {
        value.split(',').map(str::trim).collect()
    } else {
        vec![value]
    };
    for item in items {
        if let Some(message) = violation(parameter, item)? {
            let name = &parameter.name;
            return Err(TemplateError::validation(
                match &parameter.constraint_description {
                    Some(description) => {
                        format!("Parameter '{name}' failed to satisfy constraint: {description}")
                    }
                    None => format!("Parameter '{name}' {message}"),
                },
            ));
        }
    }
    Ok(())
}

/// What a value breaks (`must be one of AllowedValues`, …), if anything.
fn violation(parameter: &Parameter, value: &str) -> Result<Option<String>> {
    if let Some(allowed) = &parameter.allowed_values {
        if !allowed.iter().any(|a| a == value) {
            return Ok(Some("must be one of AllowedValues".to_string()));
        }
    }
    match parameter.kind {
        ParameterKind::Number | ParameterKind::NumberList => {
            let Ok(number) = value.trim().parse::<f64>() else {
                return Ok(Some("must be a number".to_string()));
            };
            if let Some(min) = parameter.min_value.filter(|min| number < *min) {
                return Ok(Some(format!(
                    "must be a number not less than {}",
                    bound(min)
                )));
            }
            if let Some(max) = parameter.max_value.filter(|max| number > *max) {
                return Ok(Some(format!(
                    "must be a number not greater than {}",
                    bound(max)
                )));
            }
        }
        ParameterKind::String | ParameterKind::StringList => {
            let length = value.chars().count() as f64;
            if let Some(min) = parameter.min_length.filter(|min| length < *min) {
                return Ok(Some(format!(
                    "must contain at least {} characters",
                    bound(min)
                )));
            }
            if let Some(max) = parameter.max_length.filter(|max| length > *max) {
                return Ok(Some(format!(
                    "must contain at most {} characters",
                    bound(max)
                )));
            }
            if let Some(pattern) = &parameter.allowed_pattern {
                // The regex crate matches in linear time; the program's size is what a
                // counted repetition (`a{10000}{10000}`) could blow up, so it is bounded.
                let regex = RegexBuilder::new(&format!("^(?:{pattern})$"))
                    .size_limit(PATTERN_BYTES)
                    .dfa_size_limit(PATTERN_BYTES)
                    .build()
                    .map_err(|_| {
                        TemplateError::validation(format!(
                            "Parameter '{}' AllowedPattern must be a valid regular expression.",
                            parameter.name
                        ))
                    })?;
                if !regex.is_match(value) {
                    return Ok(Some(format!("must match pattern {pattern}")));
                }
            }
        }
    }
    Ok(None)
}
