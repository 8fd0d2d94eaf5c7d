//! `AWS::DynamoDB::Table`: `Ref` is the table's name; `Arn` and `StreamArn` attributes.

use serde_json::{json, Map, Value};

use super::{
    gone_is_fine, input, service_failure, text, undone_on_failure, Context, Provided,
    ProviderResult,
};
use crate::error::AwsError;
use crate::protocol::json::Input;
use crate::services::dynamodb::{self, model::Table};

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
    let def = dynamodb::table_definition(&cx.ctx, Input(&request)).map_err(failure)?;
    let provided = cx
        .cloud
        .dynamodb
        .create_table(cx.cloud, region(cx), def, provided)
        .map_err(failure)?;
    undone_on_failure(time_to_live(cx, &name, properties), || delete(cx, &name))?;
    Ok(provided)
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
    let tables = &cx.cloud.dynamodb;
    let provided = if request.len() > 1 {
        tables.update_table(
            cx.cloud,
            region(cx),
            name,
            |def| dynamodb::apply_update(def, Input(&request)),
            provided,
        )
    } else {
        tables.with_table(region(cx), name, provided)
    }
    .map_err(failure)?;
    if old.get("TimeToLiveSpecification") != new.get("TimeToLiveSpecification") {
        time_to_live(cx, name, new)?;
    }
    Ok(provided)
}

/// The table named `name` as it is, for an import; `None` when there is none.
pub async fn read(cx: &Context<'_>, name: &str) -> ProviderResult<Option<Provided>> {
    match cx.cloud.dynamodb.with_table(region(cx), name, provided) {
        Ok(found) => Ok(Some(found)),
        Err(err) if err.code == "ResourceNotFoundException" => Ok(None),
        Err(err) => Err(failure(err)),
    }
}

/// DeleteTable.
pub fn delete(cx: &Context<'_>, name: &str) -> ProviderResult<()> {
    let result = cx
        .cloud
        .dynamodb
        .delete_table(cx.cloud, region(cx), name, |_| ());
    gone_is_fine(SERVICE, result)
}

/// UpdateTimeToLive with `TimeToLiveSpecification`, when it is given, read by the API's
/// reader.
fn time_to_live(
    cx: &Context<'_>,
    name: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    if !properties.contains_key("TimeToLiveSpecification") {
        return Ok(());
    }
    let ttl = dynamodb::time_to_live(Input(properties)).map_err(failure)?;
    cx.cloud
        .dynamodb
        .set_time_to_live(cx.cloud, region(cx), name, ttl)
        .map_err(failure)
}

fn region<'a>(cx: &'a Context<'_>) -> &'a str {
    &cx.ctx.region
}

fn failure(err: AwsError) -> String {
    service_failure(SERVICE, &err)
}

/// The table's physical id and attributes: `Arn`, and `StreamArn` when streams are on.
fn provided(table: &Table) -> Provided {
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("Arn".to_string(), json!(table.def.arn));
    if let Some((_, stream)) = table.def.latest_stream() {
        attributes.insert("StreamArn".to_string(), json!(stream));
    }
    Provided {
        physical_id: table.def.name.clone(),
        attributes,
    }
}
