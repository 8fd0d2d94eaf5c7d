//! DynamoDB's expression languages: condition/filter/key-condition expressions, update
//! expressions and projection expressions. [`parser`] turns text into [`ast`] with placeholders
//! resolved from [`Placeholders`]; [`eval`] evaluates conditions, [`update`] applies updates and
//! [`paths`] reads, writes and projects document paths.

pub mod ast;
pub mod eval;
#[cfg(test)]
mod fuzz;
pub mod lexer;
pub mod parser;
pub mod paths;
mod reserved;
pub mod update;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::value::AttributeValue;
use crate::error::AwsError;

/// Which expression a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ConditionExpression`.
    Condition,
    /// `FilterExpression`.
    Filter,
    /// `KeyConditionExpression`.
    KeyCondition,
    /// `UpdateExpression`.
    Update,
    /// `ProjectionExpression`.
    Projection,
}

impl Kind {
    /// The request member holding the expression.
    pub fn member(self) -> &'static str {
        match self {
            Kind::Condition => "ConditionExpression",
            Kind::Filter => "FilterExpression",
            Kind::KeyCondition => "KeyConditionExpression",
            Kind::Update => "UpdateExpression",
            Kind::Projection => "ProjectionExpression",
        }
    }

    /// A ValidationException about this expression: `Invalid <member>: <detail>`.
    pub fn error(self, detail: impl std::fmt::Display) -> AwsError {
        AwsError::validation(format!("Invalid {}: {detail}", self.member()))
    }
}

/// A request's `ExpressionAttributeNames` and `ExpressionAttributeValues`, and which of them
/// its expressions used (DynamoDB refuses unused ones).
#[derive(Debug, Default)]
pub struct Placeholders {
    names: BTreeMap<String, String>,
    values: BTreeMap<String, AttributeValue>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
}

impl Placeholders {
    /// Reads both maps from a request; `has_expression` says whether the request has any
    /// expression (placeholders without one are refused, as on AWS).
    pub fn from_request(
        names: Option<&Map<String, Value>>,
        values: Option<&Map<String, Value>>,
        has_expression: bool,
    ) -> Result<Placeholders, AwsError> {
        let mut placeholders = Placeholders::default();
        if let Some(names) = names {
            if !has_expression {
                return Err(AwsError::validation(
                    "ExpressionAttributeNames can only be specified when using expressions",
                ));
            }
            if names.is_empty() {
                return Err(AwsError::validation(
                    "ExpressionAttributeNames must not be empty",
                ));
            }
            for (key, value) in names {
                let Value::String(name) = value else {
                    return Err(crate::protocol::json::wrong_type(
                        "ExpressionAttributeNames",
                        "a map of strings",
                        value,
                    ));
                };
                if !valid_key(key, '#') {
                    return Err(AwsError::validation(format!(
                        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\""
                    )));
                }
                placeholders
                    .names
                    .insert(key[1..].to_string(), name.clone());
            }
        }
        if let Some(values) = values {
            if !has_expression {
                return Err(AwsError::validation(
                    "ExpressionAttributeValues can only be specified when using expressions",
                ));
            }
            if values.is_empty() {
                return Err(AwsError::validation(
                    "ExpressionAttributeValues must not be empty",
                ));
            }
            for (key, value) in values {
                if !valid_key(key, ':') {
                    return Err(AwsError::validation(format!(
                        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\""
                    )));
                }
                let value = AttributeValue::from_json(value).map_err(|e| {
                    if e.code == "ValidationException" {
                        AwsError::validation(format!(
                            "ExpressionAttributeValues contains invalid value: {} for key {key}",
                            e.message
                        ))
                    } else {
                        e
                    }
                })?;
                placeholders.values.insert(key[1..].to_string(), value);
            }
        }
        Ok(placeholders)
    }

    /// Resolves `#name`, marking it used.
    pub fn name(&mut self, name: &str) -> Option<String> {
        let resolved = self.names.get(name).cloned()?;
        self.used_names.insert(name.to_string());
        Some(resolved)
    }

    /// Resolves `:value`, marking it used.
    pub fn value(&mut self, name: &str) -> Option<AttributeValue> {
        let resolved = self.values.get(name).cloned()?;
        self.used_values.insert(name.to_string());
        Some(resolved)
    }

    /// Fails like DynamoDB when a name or value was given but no expression used it.
    pub fn check_all_used(&self) -> Result<(), AwsError> {
        let unused = |all: Vec<&String>, used: &BTreeSet<String>, sigil: char| -> Vec<String> {
            all.into_iter()
                .filter(|k| !used.contains(*k))
                .map(|k| format!("{sigil}{k}"))
                .collect()
        };
        let names = unused(self.names.keys().collect(), &self.used_names, '#');
        if !names.is_empty() {
            return Err(AwsError::validation(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                names.join(", ")
            )));
        }
        let values = unused(self.values.keys().collect(), &self.used_values, ':');
        if !values.is_empty() {
            return Err(AwsError::validation(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                values.join(", ")
            )));
        }
        Ok(())
    }
}

/// `#name` / `:name`: the sigil then one or more letters, digits or underscores.
fn valid_key(key: &str, sigil: char) -> bool {
    let mut chars = key.chars();
    chars.next() == Some(sigil)
        && key.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
