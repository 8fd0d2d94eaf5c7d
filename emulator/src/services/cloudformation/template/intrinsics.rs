//! Evaluation of intrinsic functions: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::Select`,
//! `Fn::Split`, `Fn::If`, `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Fn::FindInMap`,
//! `Fn::Base64`, `Fn::GetAZs`, `Fn::ImportValue` and `Fn::Cidr` ([`super::cidr()`]). Resources' physical ids and
//! attributes come from the caller through [`ResourceValues`], exports through [`Exports`].

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::cidr::cidr;
use super::declarations::Template;
use super::error::{Result, TemplateError};
use super::params::ParameterValues;
use super::pseudo::Pseudo;
use super::refs::{get_att_args, if_malformed, single_key, sub_args};
use super::sections::scalar_text;
use super::sub::{self, Part};

/// What the stack knows of its resources: the stack engine implements it so a resource's
/// properties can be resolved once the resources it depends on exist.
pub trait ResourceValues {
    /// The physical id of a created resource (what `Ref` gives).
    fn physical_id(&self, logical_id: &str) -> Option<String>;
    /// An attribute of a created resource (what `Fn::GetAtt` gives).
    fn attribute(&self, logical_id: &str, attribute: &str) -> Option<Value>;
}

/// No resource exists (yet): every lookup fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResources;

impl ResourceValues for NoResources {
    fn physical_id(&self, _: &str) -> Option<String> {
        None
    }
    fn attribute(&self, _: &str, _: &str) -> Option<Value> {
        None
    }
}

/// Resource values held in maps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnownResources {
    /// Logical id → physical id.
    pub physical_ids: BTreeMap<String, String>,
    /// (logical id, attribute) → value.
    pub attributes: BTreeMap<(String, String), Value>,
}

impl ResourceValues for KnownResources {
    fn physical_id(&self, logical_id: &str) -> Option<String> {
        self.physical_ids.get(logical_id).cloned()
    }
    fn attribute(&self, logical_id: &str, attribute: &str) -> Option<Value> {
        self.attributes
            .get(&(logical_id.to_string(), attribute.to_string()))
            .cloned()
    }
}

/// The exports of the account and region, for `Fn::ImportValue`.
pub trait Exports {
    /// The value exported under `name`.
    fn export(&self, name: &str) -> Option<String>;
}

impl Exports for BTreeMap<String, String> {
    fn export(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl<S: BuildHasher> Exports for HashMap<String, String, S> {
    fn export(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// No exports: `Fn::ImportValue` fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExports;

impl Exports for NoExports {
    fn export(&self, _: &str) -> Option<String> {
        None
    }
}

/// Everything an intrinsic function may look at.
pub struct Evaluator<'a> {
    /// The template (mappings, resource declarations).
    pub template: &'a Template,
    /// The pseudo parameters.
    pub pseudo: &'a Pseudo,
    /// The parameter values.
    pub parameters: &'a ParameterValues,
    /// The values of the conditions.
    pub conditions: &'a BTreeMap<String, bool>,
    /// The resources' physical ids and attributes.
    pub resources: &'a dyn ResourceValues,
    /// The exports, for `Fn::ImportValue`.
    pub exports: &'a dyn Exports,
    /// The block being evaluated (`Resources`, `Outputs`), named in unresolved-reference errors.
    pub block: &'a str,
}

fn malformed(function: &str) -> TemplateError {
    TemplateError::template(match function {
        "Fn::Join" => "every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.".to_string(),
        "Fn::Split" => "every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.".to_string(),
        "Fn::Select" => "Fn::Select requires a list argument with two elements: an integer index and a list".to_string(),
        "Fn::FindInMap" => "every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value".to_string(),
        "Fn::Base64" => "every Fn::Base64 object must have a String or a function that returns a string".to_string(),
        "Fn::GetAZs" => "every Fn::GetAZs object requires a String region or a function that returns one".to_string(),
        "Fn::ImportValue" => "every Fn::ImportValue object requires a String or a function that returns a string".to_string(),
        "Fn::Cidr" => "every Fn::Cidr object requires three parameters, (1) an ip block, (2) a count of subnets and (3) the number of subnet bits".to_string(),
        "Fn::Equals" => "Fn::Equals requires a list argument with two elements".to_string(),
        "Fn::Not" => "Fn::Not requires a list argument with one function token".to_string(),
        other => format!("every {other} object requires a list of between 2 and 10 conditions"),
    })
}

impl Evaluator<'_> {
    /// Evaluates a piece of template. `None` means `AWS::NoValue`: the property, list item or
    /// output that held it disappears.
    pub fn evaluate(&self, value: &Value) -> Result<Option<Value>> {
        match value {
            Value::Object(map) => {
                if let Some((key, args)) = single_key(value) {
                    if key == "Ref" || key.starts_with("Fn::") {
                        return self.function(key, args);
                    }
                }
                let mut out = Map::new();
                for (key, item) in map {
                    if let Some(v) = self.evaluate(item)? {
                        out.insert(key.clone(), v);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            Value::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.evaluate(item)?);
                }
                Ok(Some(Value::Array(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    /// The value of a condition.
    pub fn condition(&self, name: &str) -> Result<bool> {
        self.conditions.get(name).copied().ok_or_else(|| {
            TemplateError::format(format!(
                "Unresolved condition dependencies [{name}] in the {} block of the template",
                self.block
            ))
        })
    }

    /// Evaluates to a value that must exist (not `AWS::NoValue`).
    fn required(&self, value: &Value, function: &str) -> Result<Value> {
        self.evaluate(value)?.ok_or_else(|| malformed(function))
    }

    /// Evaluates to a string (numbers and booleans written out).
    fn text(&self, value: &Value, function: &str) -> Result<String> {
        match self.required(value, function)? {
            Value::Array(_) => Err(malformed(function)),
            v => scalar_text(&v).ok_or_else(|| malformed(function)),
        }
    }

    /// Evaluates to a list.
    fn list(&self, value: &Value, function: &str) -> Result<Vec<Value>> {
        match self.required(value, function)? {
            Value::Array(items) => Ok(items),
            _ => Err(malformed(function)),
        }
    }

    /// The truth of a condition expression: `{"Condition": name}` or a condition function
    /// (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`).
    pub fn truth(&self, value: &Value, function: &str) -> Result<bool> {
        if let Some(("Condition", Value::String(name))) = single_key(value) {
            return self.condition(name);
        }
        match self.required(value, function)? {
            Value::Bool(b) => Ok(b),
            Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
            _ => Err(malformed(function)),
        }
    }

    fn function(&self, key: &str, args: &Value) -> Result<Option<Value>> {
        let items = match args {
            Value::Array(items) => items.as_slice(),
            _ => &[],
        };
        Ok(Some(match key {
            "Ref" => return self.reference(args),
            "Fn::GetAtt" => self.get_att(args)?,
            "Fn::Sub" => Value::String(self.sub(args)?),
            "Fn::If" => {
                let [Value::String(condition), yes, no] = items else {
                    return Err(if_malformed());
                };
                let branch = if self.condition(condition)? { yes } else { no };
                return self.evaluate(branch);
            }
            "Fn::Join" => {
                let [delimiter, list] = items else {
                    return Err(malformed(key));
                };
                let Value::String(delimiter) = delimiter else {
                    return Err(malformed(key));
                };
                let parts = self
                    .list(list, key)?
                    .iter()
                    .map(|item| match item {
                        Value::Array(_) | Value::Object(_) => None,
                        scalar => scalar_text(scalar),
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| malformed(key))?;
                Value::String(parts.join(delimiter))
            }
            "Fn::Split" => {
                let [Value::String(delimiter), source] = items else {
                    return Err(malformed(key));
                };
                if delimiter.is_empty() {
                    return Err(malformed(key));
                }
                let source = self.text(source, key)?;
                Value::Array(
                    source
                        .split(delimiter.as_str())
                        .map(|s| Value::String(s.to_string()))
                        .collect(),
                )
            }
            "Fn::Select" => {
                let [index, list] = items else {
                    return Err(malformed(key));
                };
                let index_text = self.text(index, key)?;
                let index: usize = index_text.trim().parse().map_err(|_| malformed(key))?;
                let list = self.list(list, key)?;
                list.into_iter().nth(index).ok_or_else(|| {
                    TemplateError::template(format!(
                        "Fn::Select cannot select nonexistent value at index {index}"
                    ))
                })?
            }
            "Fn::FindInMap" => {
                let [map, top, second] = items else {
                    return Err(malformed(key));
                };
                let (map, top, second) = (
                    self.text(map, key)?,
                    self.text(top, key)?,
                    self.text(second, key)?,
                );
                self.template
                    .mappings
                    .get(&map)
                    .and_then(|m| m.get(&top))
                    .and_then(|m| m.get(&second))
                    .cloned()
                    .ok_or_else(|| {
                        TemplateError::template(format!(
                            "Unable to get mapping for {map}::{top}::{second}"
                        ))
                    })?
            }
            "Fn::Base64" => Value::String(
                base64::engine::general_purpose::STANDARD.encode(self.text(args, key)?),
            ),
            "Fn::GetAZs" => Value::Array(
                self.pseudo
                    .availability_zones(&self.text(args, key)?)
                    .into_iter()
                    .map(Value::String)
                    .collect(),
            ),
            "Fn::ImportValue" => {
                let name = self.text(args, key)?;
                Value::String(self.exports.export(&name).ok_or_else(|| {
                    TemplateError::validation(format!("No export named {name} found"))
                })?)
            }
            "Fn::Cidr" => {
                let [block, count, bits] = items else {
                    return Err(malformed(key));
                };
                let block = self.text(block, key)?;
                let count = self
                    .text(count, key)?
                    .trim()
                    .parse()
                    .map_err(|_| malformed(key))?;
                let bits = self
                    .text(bits, key)?
                    .trim()
                    .parse()
                    .map_err(|_| malformed(key))?;
                Value::Array(
                    cidr(&block, count, bits)
                        .ok_or_else(|| malformed(key))?
                        .into_iter()
                        .map(Value::String)
                        .collect(),
                )
            }
            "Fn::Equals" => {
                let [a, b] = items else {
                    return Err(malformed(key));
                };
                Value::Bool(comparable(self.evaluate(a)?) == comparable(self.evaluate(b)?))
            }
            "Fn::And" | "Fn::Or" => {
                if !(2..=10).contains(&items.len()) {
                    return Err(malformed(key));
                }
                let mut truths = Vec::new();
                for item in items {
                    truths.push(self.truth(item, key)?);
                }
                Value::Bool(if key == "Fn::And" {
                    truths.iter().all(|t| *t)
                } else {
                    truths.iter().any(|t| *t)
                })
            }
            "Fn::Not" => {
                let [item] = items else {
                    return Err(malformed(key));
                };
                Value::Bool(!self.truth(item, key)?)
            }
            other => {
                return Err(TemplateError::template(format!(
                    "Encountered unsupported function: {other}"
                )))
            }
        }))
    }

    /// `Ref`: a pseudo parameter, a parameter or a resource's physical id.
    fn reference(&self, args: &Value) -> Result<Option<Value>> {
        let Value::String(name) = args else {
            return Err(TemplateError::format(
                "Every Ref object must have a single String value.",
            ));
        };
        if let Some(value) = self.pseudo.value(name) {
            return Ok(value);
        }
        if let Some(parameter) = self.parameters.get(name) {
            return Ok(Some(parameter.resolved()));
        }
        self.resources
            .physical_id(name)
            .map(|id| Some(Value::String(id)))
            .ok_or_else(|| TemplateError::unresolved(std::slice::from_ref(name), self.block))
    }

    /// `Fn::GetAtt`: an attribute of a resource of the template.
    fn get_att(&self, args: &Value) -> Result<Value> {
        let (resource, attribute) = get_att_args(args)?;
        let attribute = self.text(&attribute, "Fn::GetAtt")?;
        self.attribute(&resource, &attribute)
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Result<Value> {
        if self.template.resource(resource).is_none() {
            return Err(TemplateError::template(format!(
                "instance of Fn::GetAtt references undefined resource {resource}"
            )));
        }
        self.resources
            .attribute(resource, attribute)
            .ok_or_else(|| {
                TemplateError::template(format!(
                    "resource {resource} does not support attribute type {attribute} in Fn::GetAtt"
                ))
            })
    }

    /// `Fn::Sub`: the string with its variables replaced.
    fn sub(&self, args: &Value) -> Result<String> {
        let (text, vars) = sub_args(args)?;
        let mut out = String::new();
        for part in sub::parse(text) {
            let name = match part {
                Part::Literal(literal) => {
                    out.push_str(&literal);
                    continue;
                }
                Part::Variable(name) => name,
            };
            let value = match vars.and_then(|v| v.get(name)) {
                Some(value) => self.evaluate(value)?,
                None => match name.split_once('.') {
                    Some((resource, attribute))
                        if self.pseudo.value(name).is_none()
                            && self.parameters.get(name).is_none() =>
                    {
                        if self.template.resource(resource).is_none() {
                            return Err(TemplateError::unresolved(&[name.to_string()], self.block));
                        }
                        Some(self.attribute(resource, attribute)?)
                    }
                    _ => self.reference(&Value::String(name.to_string()))?,
                },
            };
            match value.as_ref().and_then(|v| match v {
                Value::Array(_) => None,
                scalar => scalar_text(scalar),
            }) {
                Some(text) => out.push_str(&text),
                None => {
                    return Err(TemplateError::template(format!(
                        "variable {name} in Fn::Sub expression does not resolve to a string"
                    )))
                }
            }
        }
        Ok(out)
    }
}

/// A value as `Fn::Equals` compares it: scalars by their text (`"1"` equals `1`).
fn comparable(value: Option<Value>) -> Option<Value> {
    value.map(|v| match v {
        Value::Number(_) | Value::Bool(_) => Value::String(scalar_text(&v).unwrap_or_default()),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter_map(|i| comparable(Some(i)))
                .collect(),
        ),
        other => other,
    })
}
