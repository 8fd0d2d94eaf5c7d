//! `AWS::StepFunctions::StateMachine`: the definition from `Definition` (an object),
//! `DefinitionString` or `DefinitionS3Location`, with `DefinitionSubstitutions` applied.
//! `Ref` is the ARN; `Name`, `Arn` and `StateMachineRevisionId` attributes.

use serde_json::{json, Map, Value};

use super::{document, gone_is_fine, input, lower_camel, random_suffix, service_failure, text};
use super::{Context, Provided, ProviderResult};
use crate::services::stepfunctions;

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
    let reply = call(cx, "CreateStateMachine", request).await?;
    let arn = reply["stateMachineArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Ok(provided(&arn, &name, &reply))
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
    let reply = call(cx, "UpdateStateMachine", request).await?;
    let name = current
        .attributes
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(provided(&current.physical_id, name, &reply))
}

/// DeleteStateMachine.
pub async fn delete(cx: &Context<'_>, arn: &str) -> ProviderResult<()> {
    let result = stepfunctions::call(
        cx.cloud,
        &cx.call_ctx("states"),
        "DeleteStateMachine",
        input([("stateMachineArn", json!(arn))]),
    )
    .await;
    gone_is_fine(SERVICE, result)
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

async fn call(
    cx: &Context<'_>,
    operation: &str,
    request: Map<String, Value>,
) -> ProviderResult<Value> {
    stepfunctions::call(cx.cloud, &cx.call_ctx("states"), operation, request)
        .await
        .map_err(|e| service_failure(SERVICE, &e))
}

fn provided(arn: &str, name: &str, reply: &Value) -> Provided {
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("Arn".to_string(), json!(arn));
    attributes.insert("Name".to_string(), json!(name));
    if let Some(revision) = reply.get("revisionId") {
        attributes.insert("StateMachineRevisionId".to_string(), revision.clone());
    }
    Provided {
        physical_id: arn.to_string(),
        attributes,
    }
}
