//! `AWS::StepFunctions::StateMachine`: the definition from `Definition` (an object),
//! `DefinitionString` or `DefinitionS3Location`, with `DefinitionSubstitutions` applied.
//! `Ref` is the ARN; `Name`, `Arn` and `StateMachineRevisionId` attributes.

use serde_json::{json, Map, Value};

use super::{document, gone_is_fine, input, lower_camel, random_suffix, service_failure, text};
use super::{Context, Provided, ProviderResult};
use crate::error::AwsError;
use crate::protocol::json::Input;
use crate::services::stepfunctions::api;

const SERVICE: &str = "Sfn";

/// CreateStateMachine.
pub async fn create(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<Provided> {
    let Some(role_arn) = properties.get("RoleArn") else {
        return Err(cx.missing("RoleArn"));
    };
    let name = match text(properties, "StateMachineName") {
        Some(name) => name.to_string(),
        None => {
            let logical = &cx.logical_id[..cx.logical_id.len().min(67)];
            format!("{logical}-{}", random_suffix(12))
        }
    };
    let tags: Vec<Value> = properties
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(lower_camel)
        .collect();
    let request = input([
        ("name", json!(name)),
        ("definition", json!(definition(cx, properties)?)),
        ("roleArn", role_arn.clone()),
        (
            "type",
            properties
                .get("StateMachineType")
                .cloned()
                .unwrap_or(Value::Null),
        ),
        (
            "loggingConfiguration",
            camel(properties, "LoggingConfiguration"),
        ),
        (
            "tracingConfiguration",
            camel(properties, "TracingConfiguration"),
        ),
        (
            "tags",
            if tags.is_empty() {
                Value::Null
            } else {
                Value::Array(tags)
            },
        ),
    ]);
    let new = api::new_machine(&cx.ctx, Input(&request)).map_err(failure)?;
    let (arn, revision) = (new.arn.clone(), new.revision.revision_id.clone());
    cx.cloud
        .states
        .create_machine(cx.cloud, new)
        .map_err(failure)?;
    Ok(provided(&arn, &name, &revision))
}

/// UpdateStateMachine: definition, role, logging and tracing.
pub async fn update(
    cx: &Context<'_>,
    current: &Provided,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    let request = input([
        ("stateMachineArn", json!(current.physical_id)),
        ("definition", json!(definition(cx, new)?)),
        (
            "roleArn",
            new.get("RoleArn").cloned().unwrap_or(Value::Null),
        ),
        ("loggingConfiguration", camel(new, "LoggingConfiguration")),
        ("tracingConfiguration", camel(new, "TracingConfiguration")),
    ]);
    let update = api::machine_update(Input(&request)).map_err(failure)?;
    let updated = cx
        .cloud
        .states
        .update_machine(cx.cloud, &current.physical_id, update)
        .map_err(failure)?;
    let name = current
        .attributes
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(provided(&current.physical_id, name, &updated.revision_id))
}

/// DeleteStateMachine.
pub async fn delete(cx: &Context<'_>, arn: &str) -> ProviderResult<()> {
    gone_is_fine(SERVICE, cx.cloud.states.delete_machine(cx.cloud, arn))
}

/// The definition text, with `${Name}` substitutions applied.
fn definition(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<String> {
    let mut text = if let Some(definition) = properties.get("Definition") {
        document(definition)
    } else if let Some(definition) = properties.get("DefinitionString") {
        document(definition)
    } else if let Some(location) = properties.get("DefinitionS3Location") {
        let bucket = location
            .get("Bucket")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let key = location
            .get("Key")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let bytes = cx
            .cloud
            .s3
            .get_object(bucket, key)
            .map_err(|e| service_failure("S3", &e))?;
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        return Err(format!(
            "Properties validation failed for resource {} with message:\n#: #: only 1 subschema matches out of 2\n#: required key [DefinitionString] not found",
            cx.logical_id
        ));
    };
    if let Some(Value::Object(substitutions)) = properties.get("DefinitionSubstitutions") {
        for (name, value) in substitutions {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text = text.replace(&format!("${{{name}}}"), &value);
        }
    }
    Ok(text)
}

fn camel(properties: &Map<String, Value>, key: &str) -> Value {
    properties.get(key).map_or(Value::Null, lower_camel)
}

fn failure(err: AwsError) -> String {
    service_failure(SERVICE, &err)
}

fn provided(arn: &str, name: &str, revision_id: &str) -> Provided {
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("Arn".to_string(), json!(arn));
    attributes.insert("Name".to_string(), json!(name));
    attributes.insert("StateMachineRevisionId".to_string(), json!(revision_id));
    Provided {
        physical_id: arn.to_string(),
        attributes,
    }
}
