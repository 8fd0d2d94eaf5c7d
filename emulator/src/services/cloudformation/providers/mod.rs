//! Resource providers: for each supported resource type, how CloudFormation creates, updates
//! and deletes it in the emulated services, which properties force a replacement, and what
//! `Ref` / `Fn::GetAtt` give.

mod dynamodb;
mod events;
mod iam;
mod lambda;
mod logs;
mod s3;
mod stepfunctions;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::request::RequestContext;

/// What a provider reports about the resource it created or updated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provided {
    /// The physical id (`Ref`).
    pub physical_id: String,
    /// The attributes (`Fn::GetAtt`).
    pub attributes: BTreeMap<String, Value>,
}

/// A provider's failure: the resource's status reason, as CloudFormation words it.
pub type Failure = String;

/// A provider's result.
pub type ProviderResult<T> = Result<T, Failure>;

/// Where a provider works: the account, the region, and the resource it acts for.
pub struct Context<'a> {
    /// The emulated account.
    pub cloud: &'a Arc<Cloud>,
    /// The region, as an internal request context.
    pub ctx: RequestContext,
    /// The stack's name (for generated physical names).
    pub stack_name: &'a str,
    /// The resource's logical id.
    pub logical_id: &'a str,
}

impl Context<'_> {
    /// A physical name as CloudFormation generates one: `<stack>-<logical>-<RANDOM13>`, the
    /// first two parts cut so the whole fits in `max` characters.
    pub fn generated_name(&self, max: usize) -> String {
        let suffix = random_suffix(13);
        let budget = max.saturating_sub(suffix.len() + 2);
        let logical_len = self.logical_id.len().min(budget / 2);
        let stack_len = self.stack_name.len().min(budget - logical_len);
        let logical_len = self.logical_id.len().min(budget - stack_len);
        format!(
            "{}-{}-{suffix}",
            &self.stack_name[..stack_len],
            &self.logical_id[..logical_len]
        )
    }

    /// A `required key [X] not found` failure for this resource.
    fn missing(&self, key: &str) -> Failure {
        format!(
            "Properties validation failed for resource {} with message:\n#: required key [{key}] not found",
            self.logical_id
        )
    }
}

/// `len` random upper-case letters and digits.
pub fn random_suffix(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in uuid::Uuid::new_v4().as_bytes() {
            if out.len() == len {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]));
        }
    }
    out
}

/// The failure reason of a service error, as CloudFormation reports a handler's error.
pub fn service_failure(service: &str, err: &AwsError) -> Failure {
    let code = if err.code.contains("NotFound") || err.code.starts_with("NoSuch") {
        "NotFound"
    } else if err.code.contains("AlreadyExists") || err.code.contains("Conflict") {
        "AlreadyExists"
    } else if err.is_server_fault() {
        "GeneralServiceException"
    } else {
        "InvalidRequest"
    };
    format!(
        "Resource handler returned message: \"{} (Service: {service}, Status Code: {}, Request ID: {})\" (RequestToken: {}, HandlerErrorCode: {code})",
        err.message,
        err.status.as_u16(),
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4()
    )
}

/// The resource types this emulator provides.
pub const SUPPORTED_TYPES: &[&str] = &[
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::StepFunctions::StateMachine",
    "AWS::DynamoDB::Table",
    "AWS::Events::Rule",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
];

/// True when this emulator can provide resources of `resource_type`.
pub fn is_supported(resource_type: &str) -> bool {
    SUPPORTED_TYPES.contains(&resource_type)
}

/// The properties of `resource_type` whose change replaces the resource.
pub fn replacing_properties(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "AWS::IAM::Role" => &["RoleName", "Path"],
        "AWS::IAM::Policy" => &[],
        "AWS::Lambda::Function" => &["FunctionName", "PackageType"],
        "AWS::Lambda::Permission" => &[
            "Action",
            "EventSourceToken",
            "FunctionName",
            "FunctionUrlAuthType",
            "Principal",
            "PrincipalOrgID",
            "SourceAccount",
            "SourceArn",
        ],
        "AWS::StepFunctions::StateMachine" => &["StateMachineName", "StateMachineType"],
        "AWS::DynamoDB::Table" => &["TableName", "KeySchema", "LocalSecondaryIndexes"],
        "AWS::Events::Rule" => &["Name", "EventBusName"],
        "AWS::Logs::LogGroup" => &["LogGroupName"],
        "AWS::S3::Bucket" => &["BucketName", "ObjectLockEnabled"],
        _ => &[],
    }
}

/// The property that names the resource, when the type lets the template name it.
pub fn name_property(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "AWS::IAM::Role" => Some("RoleName"),
        "AWS::Lambda::Function" => Some("FunctionName"),
        "AWS::StepFunctions::StateMachine" => Some("StateMachineName"),
        "AWS::DynamoDB::Table" => Some("TableName"),
        "AWS::Events::Rule" => Some("Name"),
        "AWS::Logs::LogGroup" => Some("LogGroupName"),
        "AWS::S3::Bucket" => Some("BucketName"),
        _ => None,
    }
}

/// The `ResourceIdentifier` key of the types this emulator can import (CloudFormation's primary
/// identifier of the type), or `None` for a type it cannot import.
pub fn import_identifier(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "AWS::DynamoDB::Table" => Some("TableName"),
        "AWS::Logs::LogGroup" => Some("LogGroupName"),
        _ => None,
    }
}

/// Reads an existing resource for an import, changing nothing: `None` when it does not exist.
pub async fn read(
    cx: &Context<'_>,
    resource_type: &str,
    physical_id: &str,
) -> ProviderResult<Option<Provided>> {
    match resource_type {
        "AWS::DynamoDB::Table" => dynamodb::read(cx, physical_id).await,
        "AWS::Logs::LogGroup" => logs::read(cx, physical_id).await,
        other => Err(format!("Resource type {other} does not support import")),
    }
}

/// Creates a resource.
pub async fn create(
    cx: &Context<'_>,
    resource_type: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<Provided> {
    match resource_type {
        "AWS::IAM::Role" => iam::create_role(cx, properties),
        "AWS::IAM::Policy" => iam::create_policy(cx, properties),
        "AWS::Lambda::Function" => lambda::create_function(cx, properties),
        "AWS::Lambda::Permission" => lambda::create_permission(cx, properties),
        "AWS::StepFunctions::StateMachine" => stepfunctions::create(cx, properties).await,
        "AWS::DynamoDB::Table" => dynamodb::create(cx, properties).await,
        "AWS::Events::Rule" => events::create(cx, properties).await,
        "AWS::Logs::LogGroup" => logs::create(cx, properties).await,
        "AWS::S3::Bucket" => s3::create(cx, properties),
        other => Err(format!("Unrecognized resource type: {other}")),
    }
}

/// Updates a resource in place (no replacing property changed).
pub async fn update(
    cx: &Context<'_>,
    resource_type: &str,
    current: &Provided,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    match resource_type {
        "AWS::IAM::Role" => iam::update_role(cx, current, old, new),
        "AWS::IAM::Policy" => iam::update_policy(cx, current, old, new),
        "AWS::Lambda::Function" => lambda::update_function(cx, current, new),
        "AWS::Lambda::Permission" => Ok(current.clone()),
        "AWS::StepFunctions::StateMachine" => stepfunctions::update(cx, current, new).await,
        "AWS::DynamoDB::Table" => dynamodb::update(cx, current, old, new).await,
        "AWS::Events::Rule" => events::update(cx, current, old, new).await,
        "AWS::Logs::LogGroup" => logs::update(cx, current, new).await,
        "AWS::S3::Bucket" => Ok(current.clone()),
        other => Err(format!("Unrecognized resource type: {other}")),
    }
}

/// Deletes a resource (one already gone counts as deleted, as CloudFormation does).
pub async fn delete(
    cx: &Context<'_>,
    resource_type: &str,
    physical_id: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    match resource_type {
        "AWS::IAM::Role" => iam::delete_role(cx, physical_id),
        "AWS::IAM::Policy" => iam::delete_policy(cx, physical_id, properties),
        "AWS::Lambda::Function" => lambda::delete_function(cx, physical_id),
        "AWS::Lambda::Permission" => lambda::delete_permission(cx, physical_id, properties),
        "AWS::StepFunctions::StateMachine" => stepfunctions::delete(cx, physical_id).await,
        "AWS::DynamoDB::Table" => dynamodb::delete(cx, physical_id),
        "AWS::Events::Rule" => events::delete(cx, physical_id, properties).await,
        "AWS::Logs::LogGroup" => logs::delete(cx, physical_id),
        "AWS::S3::Bucket" => s3::delete(cx, physical_id),
        _ => Ok(()),
    }
}

/// A string property.
fn text<'a>(properties: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    properties.get(key).and_then(Value::as_str)
}

/// A property that may be a JSON document given as an object or as text: as text.
fn document(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `[{Key, Value}]` tags as the JSON APIs' `[{key, value}]` or as a `{key: value}` map.
fn tags_map(properties: &Map<String, Value>) -> Map<String, Value> {
    properties
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_string(),
                t.get("Value").cloned().unwrap_or(Value::Null),
            ))
        })
        .collect()
}

/// The same JSON with every object key's first letter lower-cased (CloudFormation's
/// `LoggingConfiguration` → Step Functions' `loggingConfiguration`).
fn lower_camel(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (crate::protocol::json::lower_first(k), lower_camel(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(lower_camel).collect()),
        other => other.clone(),
    }
}

/// Ignores a "not found" error on delete: the resource is already gone.
fn gone_is_fine<T>(service: &str, result: Result<T, AwsError>) -> ProviderResult<()> {
    match result {
        Ok(_) => Ok(()),
        Err(err) if err.code.contains("NotFound") || err.code.starts_with("NoSuch") => Ok(()),
        Err(err) => Err(service_failure(service, &err)),
    }
}

/// The result of a create's last step: when it failed, `undo` first deletes what the create
/// made (its own failure dropped), so that a failed create leaves nothing behind.
fn undone_on_failure(
    step: ProviderResult<()>,
    undo: impl FnOnce() -> ProviderResult<()>,
) -> ProviderResult<()> {
    if step.is_err() {
        let _ = undo();
    }
    step
}

/// Input for a JSON-protocol call from pairs.
fn input<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}
