//! Reads the sections of a parsed template into [`Template`], rejecting malformed declarations
//! with CloudFormation's messages. Cross-references are checked afterwards by [`super::validate`].

use serde_json::{Map, Value};

use super::declarations::{Output, Parameter, ParameterKind, Resource, Template};
use super::error::{Result, TemplateError};

const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "Hooks",
];

const RESOURCE_KEYS: &[&str] = &[
    "Type",
    "Properties",
    "DependsOn",
    "Metadata",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
    "Version",
    "Description",
];

const PARAMETER_KEYS: &[&str] = &[
    "Type",
    "Default",
    "NoEcho",
    "AllowedValues",
    "AllowedPattern",
    "MaxLength",
    "MinLength",
    "MaxValue",
    "MinValue",
    "Description",
    "ConstraintDescription",
];

const OUTPUT_KEYS: &[&str] = &["Value", "Description", "Export", "Condition"];

const DELETION_POLICIES: &[&str] = &["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"];

/// The AWS-specific parameter types (each also exists as `List<…>`).
const AWS_TYPES: &[&str] = &[
    "AWS::EC2::AvailabilityZone::Name",
    "AWS::EC2::Image::Id",
    "AWS::EC2::Instance::Id",
    "AWS::EC2::KeyPair::KeyName",
    "AWS::EC2::SecurityGroup::GroupName",
    "AWS::EC2::SecurityGroup::Id",
    "AWS::EC2::Subnet::Id",
    "AWS::EC2::Volume::Id",
    "AWS::EC2::VPC::Id",
    "AWS::Route53::HostedZone::Id",
];

/// Reads a template's sections.
pub fn read(body: Map<String, Value>) -> Result<Template> {
    if let Some(path) = first_null(&Value::Object(body.clone()), String::new()) {
        return Err(TemplateError::validation(format!(
            "[{path}] 'null' values are not allowed in templates"
        )));
    }
    let resources = match body.get("Resources") {
        Some(Value::Object(map)) if !map.is_empty() => map,
        _ => {
            return Err(TemplateError::format(
                "At least one Resources member must be defined.",
            ))
        }
    };
    check_keys(&body, SECTIONS, |unknown| {
        TemplateError::format(format!(
            "Invalid template property or properties [{}]",
            sorted_list(unknown)
        ))
    })?;
    let format_version = match body.get("AWSTemplateFormatVersion") {
        None => None,
        Some(Value::String(v)) if v == "2010-09-09" => Some(v.clone()),
        Some(_) => {
            return Err(TemplateError::format(
                "unsupported value for AWSTemplateFormatVersion.",
            ))
        }
    };
    let description = optional_string(&body, "Description")?;
    let transforms = match body.get("Transform") {
        None => Vec::new(),
        Some(Value::String(name)) => vec![name.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(name) => Ok(name.clone()),
                Value::Object(o) => Ok(o
                    .get("Name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()),
                _ => Err(TemplateError::format(
                    "Every Transform member must be a string.",
                )),
            })
            .collect::<Result<_>>()?,
        Some(Value::Object(o)) => vec![o
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()],
        Some(_) => {
            return Err(TemplateError::format(
                "Every Transform member must be a string.",
            ))
        }
    };
    let parameters = section(&body, "Parameters")?
        .iter()
        .map(|(name, decl)| parameter(name, decl))
        .collect::<Result<Vec<_>>>()?;
    let mappings = section(&body, "Mappings")?.clone();
    check_mappings(&mappings)?;
    let conditions = section(&body, "Conditions")?.clone();
    let resources = resources
        .iter()
        .map(|(id, decl)| resource(id, decl))
        .collect::<Result<Vec<_>>>()?;
    let outputs = section(&body, "Outputs")?
        .iter()
        .map(|(name, decl)| output(name, decl))
        .collect::<Result<Vec<_>>>()?;
    Ok(Template {
        format_version,
        description,
        metadata: body.get("Metadata").cloned(),
        transforms,
        parameters,
        mappings,
        conditions,
        resources,
        outputs,
        body,
    })
}

/// The JSON pointer of the first `null` in `value`.
fn first_null(value: &Value, path: String) -> Option<String> {
    match value {
        Value::Null => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| first_null(item, format!("{path}/{i}"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let key = key.replace('~', "~0").replace('/', "~1");
            first_null(item, format!("{path}/{key}"))
        }),
        _ => None,
    }
}

/// Refuses a declaration holding keys that `allowed` does not name: `refusal` words the error
/// from those keys (never none), in the template's order.
fn check_keys(
    decl: &Map<String, Value>,
    allowed: &[&str],
    refusal: impl FnOnce(Vec<&str>) -> TemplateError,
) -> Result<()> {
    let unknown: Vec<&str> = decl
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    match unknown.is_empty() {
        true => Ok(()),
        false => Err(refusal(unknown)),
    }
}

/// Keys as a refusal lists them all: sorted, joined with `, `.
fn sorted_list(mut keys: Vec<&str>) -> String {
    keys.sort_unstable();
    keys.join(", ")
}

/// A member that must be a string when it is given (`Description`, `Condition`).
fn optional_string(decl: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match decl.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(TemplateError::format(format!(
            "Every {key} member must be a string."
        ))),
    }
}

fn section<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a Map<String, Value>> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match body.get(name) {
        None => Ok(EMPTY.get_or_init(Map::new)),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(TemplateError::format(format!(
            "Every {name} member must be an object."
        ))),
    }
}

/// A scalar written out as CloudFormation reads it into a string (lists joined with commas).
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => items
            .iter()
            .map(scalar_text)
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(",")),
        _ => None,
    }
}

fn parameter_kind(type_name: &str) -> Option<ParameterKind> {
    let single = |t: &str| t == "String" || AWS_TYPES.contains(&t);
    let list = |t: &str| {
        t == "CommaDelimitedList"
            || t.strip_prefix("List<")
                .and_then(|rest| rest.strip_suffix('>'))
                .is_some_and(&single)
    };
    match type_name {
        "Number" => Some(ParameterKind::Number),
        "List<Number>" => Some(ParameterKind::NumberList),
        "AWS::SSM::Parameter::Name" => Some(ParameterKind::String),
        t if single(t) => Some(ParameterKind::String),
        t if list(t) => Some(ParameterKind::StringList),
        t => {
            let inner = t
                .strip_prefix("AWS::SSM::Parameter::Value<")?
                .strip_suffix('>')?;
            if single(inner) {
                Some(ParameterKind::String)
            } else if list(inner) {
                Some(ParameterKind::StringList)
            } else {
                None
            }
        }
    }
}

fn parameter(name: &str, decl: &Value) -> Result<Parameter> {
    let Value::Object(decl) = decl else {
        return Err(TemplateError::format(
            "Every Parameters member must be an object.",
        ));
    };
    check_keys(decl, PARAMETER_KEYS, |unknown| {
        TemplateError::validation(format!(
            "Invalid template parameter property '{}'",
            unknown[0]
        ))
    })?;
    let Some(Value::String(type_name)) = decl.get("Type") else {
        return Err(TemplateError::format(
            "Every Parameters object must contain a Type member.",
        ));
    };
    let kind = parameter_kind(type_name).ok_or_else(|| {
        TemplateError::format(format!("Unrecognized parameter type: {type_name}"))
    })?;
    let text = |key: &str| -> Result<Option<String>> {
        decl.get(key)
            .map(|v| {
                scalar_text(v).ok_or_else(|| {
                    TemplateError::format(format!("Every {key} member must be a string."))
                })
            })
            .transpose()
    };
    let number = |key: &str| -> Result<Option<f64>> {
        decl.get(key)
            .map(|v| {
                scalar_text(v)
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .ok_or_else(|| {
                        TemplateError::template(format!(
                            "Parameter '{name}' {key} must be a number."
                        ))
                    })
            })
            .transpose()
    };
    let allowed_values = match decl.get("AllowedValues") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| match v {
                    Value::Array(_) => None,
                    other => scalar_text(other),
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    TemplateError::format("Every AllowedValues value must be a string.")
                })?,
        ),
        Some(_) => {
            return Err(TemplateError::format(
                "Every AllowedValues member must be a list.",
            ))
        }
    };
    Ok(Parameter {
        name: name.to_string(),
        type_name: type_name.clone(),
        kind,
        default: text("Default")?,
        no_echo: text("NoEcho")?.is_some_and(|v| v.eq_ignore_ascii_case("true")),
        description: text("Description")?,
        allowed_values,
        allowed_pattern: text("AllowedPattern")?,
        min_length: number("MinLength")?,
        max_length: number("MaxLength")?,
        min_value: number("MinValue")?,
        max_value: number("MaxValue")?,
        constraint_description: text("ConstraintDescription")?,
    })
}

fn check_mappings(mappings: &Map<String, Value>) -> Result<()> {
    for (name, map) in mappings {
        let Value::Object(keys) = map else {
            return Err(TemplateError::format(format!(
                "Every Mappings member {name} must be a map"
            )));
        };
        for (key, attributes) in keys {
            let Value::Object(attributes) = attributes else {
                return Err(TemplateError::format(format!(
                    "Every Mappings member {key} must be a map"
                )));
            };
            if attributes.values().any(Value::is_object) {
                return Err(TemplateError::format(
                    "Every Mappings attribute must be a String or a List.",
                ));
            }
        }
    }
    Ok(())
}

fn resource(id: &str, decl: &Value) -> Result<Resource> {
    let Value::Object(decl) = decl else {
        return Err(TemplateError::format(format!(
            "[/Resources/{id}] resource definition is malformed"
        )));
    };
    if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(TemplateError::format(format!(
            "Resource name {id} is non alphanumeric."
        )));
    }
    check_keys(decl, RESOURCE_KEYS, |unknown| {
        TemplateError::validation(format!(
            "Invalid template resource property '{}'",
            unknown[0]
        ))
    })?;
    let resource_type = match decl.get("Type") {
        None => {
            return Err(TemplateError::format(format!(
                "[/Resources/{id}] Every Resources object must contain a Type member."
            )))
        }
        Some(Value::String(t)) => t.clone(),
        Some(_) => {
            return Err(TemplateError::format(format!(
                "[/Resources/{id}] Every Type member must be a string."
            )))
        }
    };
    let properties = match decl.get("Properties") {
        None => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => {
            return Err(TemplateError::format(format!(
                "[/Resources/{id}/Properties] Every Properties member must be an object."
            )))
        }
    };
    let depends_on = match decl.get("DependsOn") {
        None => Vec::new(),
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| TemplateError::format("Every DependsOn value must be a string."))?,
        Some(_) => {
            return Err(TemplateError::format(
                "DependsOn must be a string or list of strings.",
            ))
        }
    };
    let condition = optional_string(decl, "Condition")?;
    let policy = |key: &str| -> Result<Option<String>> {
        match decl.get(key) {
            Some(Value::String(p)) if DELETION_POLICIES.contains(&p.as_str()) => {
                Ok(Some(p.clone()))
            }
            Some(Value::String(p)) => Err(TemplateError::format(format!(
                "Unrecognized {key} {p} for resource {id}"
            ))),
            // Absent, or an intrinsic function (e.g. Fn::If on a parameter) evaluated later.
            _ => Ok(None),
        }
    };
    Ok(Resource {
        logical_id: id.to_string(),
        resource_type,
        properties,
        depends_on,
        condition,
        deletion_policy: policy("DeletionPolicy")?,
        update_replace_policy: policy("UpdateReplacePolicy")?,
        definition: decl.clone(),
    })
}

fn output(name: &str, decl: &Value) -> Result<Output> {
    let Value::Object(decl) = decl else {
        return Err(TemplateError::format(
            "Every Outputs member must contain a Value object",
        ));
    };
    check_keys(decl, OUTPUT_KEYS, |unknown| {
        TemplateError::format(format!(
            "Invalid outputs property : [{}]",
            sorted_list(unknown)
        ))
    })?;
    let Some(value) = decl.get("Value") else {
        return Err(TemplateError::format(
            "Every Outputs member must contain a Value object",
        ));
    };
    let condition = optional_string(decl, "Condition")?;
    let export_name = match decl.get("Export") {
        None => None,
        Some(Value::Object(export)) if export.contains_key("Name") => export.get("Name").cloned(),
        Some(_) => {
            return Err(TemplateError::format(format!(
                "Output {name} is malformed. The Export field must contain a Name."
            )))
        }
    };
    Ok(Output {
        name: name.to_string(),
        value: value.clone(),
        description: decl.get("Description").cloned(),
        condition,
        export_name,
    })
}
