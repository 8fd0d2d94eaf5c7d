//! `AWS::DynamoDB::Table`: `Ref` is the table's name; `Arn` and `StreamArn` attributes.

use serde_json::{json, Map, Value};

use super::{gone_is_fine, input, service_failure, text, Context, Provided, ProviderResult};
use crate::services::dynamodb;

const SERVICE: &str = "DynamoDb";

/// The CreateTable members a table's properties carry under the same names.
const CREATE_MEMBERS: &[&str] = &[
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "Tags",
    "TableClass",
    "DeletionProtectionEnabled",
];

/// CreateTable, then UpdateTimeToLive when `TimeToLiveSpecification` is given.
pub async fn create(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<Provided> {
    for key in ["KeySchema"] {
        if !properties.contains_key(key) {
            return Err(cx.missing(key));
        }
    }
    let name = match text(properties, "TableName") {
        Some(name) => name.to_string(),
        None => cx.generated_name(255),
    };
    let mut request = input([("TableName", json!(name))]);
    for member in CREATE_MEMBERS {
        if let Some(value) = properties.get(*member) {
            request.insert(member.to_string(), value.clone());
        }
    }
    if let Some(enabled) = properties
        .get("SSESpecification")
        .and_then(|s| s.get("SSEEnabled"))
    {
        request.insert("SSESpecification".into(), json!({"Enabled": enabled}));
    }
    let reply = call(cx, "CreateTable", request).await?;
    if let Err(failure) = time_to_live(cx, &name, properties).await {
        let _ = delete(cx, &name).await;
        return Err(failure);
    }
    Ok(provided(&name, &reply["TableDescription"]))
}

/// UpdateTable (billing, throughput, streams) and UpdateTimeToLive, as changed.
pub async fn update(
    cx: &Context<'_>,
    current: &Provided,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    let name = &current.physical_id;
    let mut request = input([("TableName", json!(name))]);
    for member in [
        "BillingMode",
        "ProvisionedThroughput",
        "StreamSpecification",
        "AttributeDefinitions",
    ] {
        if old.get(member) != new.get(member) {
            if let Some(value) = new.get(member) {
                request.insert(member.to_string(), value.clone());
            }
        }
    }
    let reply = if request.len() > 1 {
        call(cx, "UpdateTable", request).await?
    } else {
        call(cx, "DescribeTable", input([("TableName", json!(name))])).await?
    };
    if old.get("TimeToLiveSpecification") != new.get("TimeToLiveSpecification") {
        time_to_live(cx, name, new).await?;
    }
    let description = reply.get("TableDescription").or_else(|| reply.get("Table"));
    Ok(provided(name, description.unwrap_or(&Value::Null)))
}

/// The table named `name` as it is (DescribeTable), for an import; `None` when there is none.
pub async fn read(cx: &Context<'_>, name: &str) -> ProviderResult<Option<Provided>> {
    let result = dynamodb::call(
        cx.cloud,
        &cx.call_ctx("dynamodb"),
        "DescribeTable",
        input([("TableName", json!(name))]),
    )
    .await;
    match result {
        Ok(reply) => Ok(Some(provided(name, &reply["Table"]))),
        Err(err) if err.code == "ResourceNotFoundException" => Ok(None),
        Err(err) => Err(service_failure(SERVICE, &err)),
    }
}

/// DeleteTable.
pub async fn delete(cx: &Context<'_>, name: &str) -> ProviderResult<()> {
    let result = dynamodb::call(
        cx.cloud,
        &cx.call_ctx("dynamodb"),
        "DeleteTable",
        input([("TableName", json!(name))]),
    )
    .await;
    gone_is_fine(SERVICE, result)
}

async fn time_to_live(
    cx: &Context<'_>,
    name: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    let Some(spec) = properties.get("TimeToLiveSpecification") else {
        return Ok(());
    };
    call(
        cx,
        "UpdateTimeToLive",
        input([
            ("TableName", json!(name)),
            ("TimeToLiveSpecification", spec.clone()),
        ]),
    )
    .await
    .map(|_| ())
}

async fn call(
    cx: &Context<'_>,
    operation: &str,
    request: Map<String, Value>,
) -> ProviderResult<Value> {
    dynamodb::call(cx.cloud, &cx.call_ctx("dynamodb"), operation, request)
        .await
        .map_err(|e| service_failure(SERVICE, &e))
}

fn provided(name: &str, description: &Value) -> Provided {
    let mut attributes = std::collections::BTreeMap::new();
    if let Some(arn) = description.get("TableArn") {
        attributes.insert("Arn".to_string(), arn.clone());
    }
    if let Some(stream) = description.get("LatestStreamArn") {
        attributes.insert("StreamArn".to_string(), stream.clone());
    }
    Provided {
        physical_id: name.to_string(),
        attributes,
    }
}
