//! CreateTable, DescribeTable, DeleteTable, UpdateTable, ListTables, the TTL settings and tags.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::{choice, constraint, object, rule, table_name};
use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json::{missing, strings, wrong_type, Input};
use crate::request::RequestContext;
use crate::services::dynamodb::model::{
    Change, IndexDef, KeyElement, KeySchema, Projection, ScalarType, State, Table, TableDef,
    Throughput, TimeToLive,
};
use crate::services::dynamodb::tables::existing_table;

fn invalid(detail: impl std::fmt::Display) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

fn objects<'a>(value: &'a Value, member: &str) -> Result<Vec<Input<'a>>, AwsError> {
    let Value::Array(list) = value else {
        return Err(wrong_type(member, "a list", value));
    };
    list.iter()
        .map(|v| match v {
            Value::Object(m) => Ok(Input(m)),
            other => Err(wrong_type(member, "a list of objects", other)),
        })
        .collect()
}

/// `AttributeDefinitions`: names to types.
fn attribute_definitions(input: Input<'_>) -> Result<Vec<(String, ScalarType)>, AwsError> {
    let list = input
        .get("AttributeDefinitions")
        .ok_or_else(|| missing("AttributeDefinitions"))?;
    objects(list, "AttributeDefinitions")?
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let name = d.str("AttributeName")?;
            let kind = d.str("AttributeType")?;
            let kind = ScalarType::parse(kind).ok_or_else(|| {
                constraint(
                    &format!("attributeDefinitions.{}.member.attributeType", i + 1),
                    kind,
                    &rule::one_of(&["B", "N", "S"]),
                )
            })?;
            Ok((name.to_string(), kind))
        })
        .collect()
}

/// A `KeySchema` list, resolved against the attribute definitions.
fn key_schema(
    value: Option<&Value>,
    definitions: &[(String, ScalarType)],
    index: Option<&str>,
) -> Result<KeySchema, AwsError> {
    let elements = objects(value.ok_or_else(|| missing("KeySchema"))?, "KeySchema")?;
    let mut parsed = Vec::new();
    for element in &elements {
        let name = element.str("AttributeName")?;
        let kind = element.str("KeyType")?;
        if kind != "HASH" && kind != "RANGE" {
            return Err(constraint(
                "keySchema.1.member.keyType",
                kind,
                &rule::one_of(&["HASH", "RANGE"]),
            ));
        }
        parsed.push((name, kind));
    }
    let for_index = index
        .map(|i| format!(" for index: {i}"))
        .unwrap_or_default();
    let resolve = |name: &str| -> Result<KeyElement, AwsError> {
        let kind = definitions.iter().find(|(n, _)| n == name).map(|(_, k)| *k).ok_or_else(|| {
            let defined: Vec<&str> = definitions.iter().map(|(n, _)| n.as_str()).collect();
            invalid(format!(
                "Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: [{}]",
                defined.join(", ")
            ))
        })?;
        Ok(KeyElement {
            name: name.to_string(),
            kind,
        })
    };
    match parsed.as_slice() {
        [(hash, "HASH")] => Ok(KeySchema {
            hash: resolve(hash)?,
            range: None,
        }),
        [(hash, "HASH"), (range, "RANGE")] => {
            if hash == range {
                return Err(invalid(format!("Both the Hash Key and the Range Key element in the KeySchema have the same name{for_index}")));
            }
            Ok(KeySchema {
                hash: resolve(hash)?,
                range: Some(resolve(range)?),
            })
        }
        [] => Err(constraint("keySchema", "[]", &rule::min_length(1))),
        [_, _, _, ..] => Err(constraint("keySchema", "[…]", &rule::max_length(2))),
        [(_, "RANGE"), ..] => Err(invalid(format!(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type{for_index}"
        ))),
        _ => Err(invalid(format!(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type{for_index}"
        ))),
    }
}

fn projection(input: Input<'_>, index: &str) -> Result<Projection, AwsError> {
    let projection = Input(object(input, "Projection")?);
    let kind = choice(
        projection,
        "ProjectionType",
        &["ALL", "KEYS_ONLY", "INCLUDE"],
        "ALL",
    )?;
    let non_key = projection.opt_array("NonKeyAttributes")?;
    match (kind, non_key) {
        ("INCLUDE", Some(names)) => Ok(Projection::Include(strings("NonKeyAttributes", names)?)),
        ("INCLUDE", None) => Err(invalid(format!(
            "NonKeyAttributes must be specified for ProjectionType INCLUDE for index: {index}"
        ))),
        (_, Some(_)) => Err(invalid(format!(
            "ProjectionType is {kind}, but NonKeyAttributes is specified for index: {index}"
        ))),
        ("KEYS_ONLY", None) => Ok(Projection::KeysOnly),
        _ => Ok(Projection::All),
    }
}

fn throughput(
    input: Input<'_>,
    provisioned: bool,
    index: Option<&str>,
) -> Result<Option<Throughput>, AwsError> {
    let given = input.opt_object("ProvisionedThroughput")?;
    match (provisioned, given) {
        (false, Some(_)) => Err(invalid(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        )),
        (false, None) => Ok(None),
        (true, None) => Err(match index {
            Some(index) => invalid(format!("ProvisionedThroughput must be specified for index: {index}")),
            None => invalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"),
        }),
        (true, Some(t)) => {
            let t = Input(t);
            let read = t.opt_i64("ReadCapacityUnits")?.ok_or_else(|| missing("ReadCapacityUnits"))?;
            let write = t.opt_i64("WriteCapacityUnits")?.ok_or_else(|| missing("WriteCapacityUnits"))?;
            if read < 1 || write < 1 {
                return Err(constraint("provisionedThroughput.readCapacityUnits", &read.min(write).to_string(), &rule::min_value(1)));
            }
            Ok(Some(Throughput { read, write }))
        }
    }
}

fn indexes(
    input: Input<'_>,
    definitions: &[(String, ScalarType)],
    table_key: &KeySchema,
    provisioned: bool,
) -> Result<Vec<IndexDef>, AwsError> {
    let mut out: Vec<IndexDef> = Vec::new();
    for (member, global) in [
        ("GlobalSecondaryIndexes", true),
        ("LocalSecondaryIndexes", false),
    ] {
        let Some(list) = input.get(member) else {
            continue;
        };
        for index in objects(list, member)? {
            let name = index.str("IndexName")?;
            if out.iter().any(|i| i.name == name) {
                return Err(invalid(format!("Duplicate index name: {name}")));
            }
            let key = key_schema(index.get("KeySchema"), definitions, Some(name))?;
            if !global {
                if table_key.range.is_none() {
                    return Err(invalid("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"));
                }
                if key.hash != table_key.hash {
                    return Err(invalid(format!(
                        "Index KeySchema does not have the same leading hash key as table KeySchema for index: {name}. index hash key: {}, table hash key: {}",
                        key.hash.name, table_key.hash.name
                    )));
                }
                if key.range.is_none() {
                    return Err(invalid(format!(
                        "Index KeySchema does not have a range key for index: {name}"
                    )));
                }
            }
            let throughput = if global {
                throughput(index, provisioned, Some(name))?
            } else {
                None
            };
            out.push(IndexDef {
                name: name.to_string(),
                key,
                projection: projection(index, name)?,
                global,
                throughput,
            });
        }
    }
    Ok(out)
}

fn tags(value: Option<&Value>) -> Result<BTreeMap<String, String>, AwsError> {
    let Some(value) = value else {
        return Ok(BTreeMap::new());
    };
    objects(value, "Tags")?
        .into_iter()
        .map(|t| Ok((t.str("Key")?.to_string(), t.str("Value")?.to_string())))
        .collect()
}

/// CreateTable.
pub fn create(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let def = table_definition(ctx, input)?;
    let table = cloud
        .dynamodb
        .create_table(cloud, &ctx.region, def, |t| description(t, "CREATING"))?;
    Ok(json!({ "TableDescription": table }))
}

/// A CreateTable input (or a table's CloudFormation properties, which have its shape) read and
/// checked into a table definition in `ctx`'s region.
pub fn table_definition(ctx: &RequestContext, input: Input<'_>) -> Result<TableDef, AwsError> {
    let name = table_name(input, "TableName")?;
    let definitions = attribute_definitions(input)?;
    let key = key_schema(input.get("KeySchema"), &definitions, None)?;
    let billing_mode = choice(
        input,
        "BillingMode",
        &["PROVISIONED", "PAY_PER_REQUEST"],
        "PROVISIONED",
    )?;
    let provisioned = billing_mode == "PROVISIONED";
    let throughput = throughput(input, provisioned, None)?.unwrap_or_default();
    let indexes = indexes(input, &definitions, &key, provisioned)?;
    let used = |attribute: &str| {
        key.elements()
            .chain(indexes.iter().flat_map(|i| i.key.elements()))
            .any(|e| e.name == attribute)
    };
    if definitions.iter().any(|(n, _)| !used(n)) {
        return Err(invalid(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    Ok(TableDef {
        name: name.to_string(),
        arn: ctx.arn("dynamodb", &format!("table/{name}")),
        id: uuid::Uuid::new_v4().to_string(),
        created: crate::protocol::epoch_seconds(std::time::SystemTime::now()),
        key,
        attributes: definitions,
        billing_mode: billing_mode.to_string(),
        throughput,
        indexes,
        tags: tags(input.get("Tags"))?,
        sse: input
            .opt_object("SSESpecification")?
            .map(|m| Value::Object(m.clone())),
        stream: input
            .opt_object("StreamSpecification")?
            .map(|m| Value::Object(m.clone())),
        ttl: None,
        deletion_protection: input
            .opt_bool("DeletionProtectionEnabled")?
            .unwrap_or(false),
        table_class: input.opt_str("TableClass")?.map(str::to_string),
    })
}

/// DescribeTable.
pub fn describe(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    let table = cloud
        .dynamodb
        .with_table(&ctx.region, name, |t| description(t, "ACTIVE"))?;
    Ok(json!({ "Table": table }))
}

/// DeleteTable.
pub fn delete(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    let table = cloud
        .dynamodb
        .delete_table(cloud, &ctx.region, name, |t| description(t, "DELETING"))?;
    Ok(json!({ "TableDescription": table }))
}

/// UpdateTable: billing mode, throughput, deletion protection, streams, encryption, table
/// class, and creating or deleting global secondary indexes.
pub fn update(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    let table = cloud.dynamodb.update_table(
        cloud,
        &ctx.region,
        name,
        |def| apply_update(def, input),
        |t| description(t, "ACTIVE"),
    )?;
    Ok(json!({ "TableDescription": table }))
}

/// Applies an UpdateTable input (or a table's changed CloudFormation properties) to a
/// table's definition, checking it as UpdateTable does.
pub fn apply_update(def: &mut TableDef, input: Input<'_>) -> Result<(), AwsError> {
    if let Some(definitions) = input
        .get("AttributeDefinitions")
        .map(|_| attribute_definitions(input))
        .transpose()?
    {
        for (n, k) in definitions {
            if !def.attributes.iter().any(|(m, _)| *m == n) {
                def.attributes.push((n, k));
            }
        }
    }
    if let Some(mode) = input.opt_str("BillingMode")? {
        def.billing_mode = choice(
            input,
            "BillingMode",
            &["PROVISIONED", "PAY_PER_REQUEST"],
            mode,
        )?
        .to_string();
    }
    let provisioned = def.billing_mode == "PROVISIONED";
    if input.get("ProvisionedThroughput").is_some() || input.get("BillingMode").is_some() {
        def.throughput = throughput(input, provisioned, None)?.unwrap_or_default();
    }
    if let Some(protection) = input.opt_bool("DeletionProtectionEnabled")? {
        def.deletion_protection = protection;
    }
    if let Some(stream) = input.opt_object("StreamSpecification")? {
        def.stream = Some(Value::Object(stream.clone()));
    }
    if let Some(sse) = input.opt_object("SSESpecification")? {
        def.sse = Some(Value::Object(sse.clone()));
    }
    if let Some(class) = input.opt_str("TableClass")? {
        def.table_class = Some(class.to_string());
    }
    if let Some(updates) = input.get("GlobalSecondaryIndexUpdates") {
        for update in objects(updates, "GlobalSecondaryIndexUpdates")? {
            if let Some(create) = update.opt_object("Create")? {
                let wrapper = json!({ "GlobalSecondaryIndexes": [create] });
                let Value::Object(wrapper) = &wrapper else {
                    continue;
                };
                let mut created = indexes(Input(wrapper), &def.attributes, &def.key, provisioned)?;
                if let Some(index) = created.pop() {
                    if def.indexes.iter().any(|i| i.name == index.name) {
                        return Err(invalid(format!("Duplicate index name: {}", index.name)));
                    }
                    def.indexes.push(index);
                }
            } else if let Some(delete) = update.opt_object("Delete")? {
                let index = Input(delete).str("IndexName")?;
                let before = def.indexes.len();
                def.indexes.retain(|i| i.name != index);
                if def.indexes.len() == before {
                    return Err(AwsError::new(
                        "ResourceNotFoundException",
                        format!("Requested resource not found: Index: {index} not found"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// ListTables, in name order.
pub fn list(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input<'_>) -> Result<Value, AwsError> {
    let start = input.opt_str("ExclusiveStartTableName")?;
    let limit = match input.opt_i64("Limit")? {
        Some(l) if !(1..=100).contains(&l) => {
            return Err(constraint(
                "limit",
                &l.to_string(),
                &if l < 1 {
                    rule::min_value(1)
                } else {
                    rule::max_value(100)
                },
            ))
        }
        Some(l) => l as usize,
        None => 100,
    };
    let state = cloud.dynamodb.store.reader();
    let names: Vec<&str> = state
        .tables(&ctx.region)
        .map(|t| t.def.name.as_str())
        .filter(|n| start.is_none_or(|s| *n > s))
        .collect();
    let mut out = Map::new();
    let page: Vec<&str> = names.iter().take(limit).copied().collect();
    if names.len() > limit {
        if let Some(last) = page.last() {
            out.insert("LastEvaluatedTableName".into(), json!(last));
        }
    }
    out.insert("TableNames".into(), json!(page));
    Ok(Value::Object(out))
}

/// UpdateTimeToLive.
pub fn update_ttl(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    let ttl = time_to_live(input)?;
    let (enabled, attribute) = (ttl.enabled, ttl.attribute.clone());
    cloud
        .dynamodb
        .set_time_to_live(cloud, &ctx.region, name, ttl)?;
    Ok(json!({ "TimeToLiveSpecification": { "Enabled": enabled, "AttributeName": attribute } }))
}

/// The `TimeToLiveSpecification` of an UpdateTimeToLive input (or of a table's CloudFormation
/// properties, which have its shape).
pub fn time_to_live(input: Input<'_>) -> Result<TimeToLive, AwsError> {
    let spec = Input(object(input, "TimeToLiveSpecification")?);
    let enabled = spec
        .opt_bool("Enabled")?
        .ok_or_else(|| missing("Enabled"))?;
    let attribute = spec.str("AttributeName")?;
    Ok(TimeToLive {
        attribute: attribute.to_string(),
        enabled,
    })
}

/// DescribeTimeToLive.
pub fn describe_ttl(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    let state = cloud.dynamodb.store.reader();
    let table = existing_table(&state, &ctx.region, name)?;
    let description = match &table.def.ttl {
        Some(ttl) if ttl.enabled => {
            json!({ "TimeToLiveStatus": "ENABLED", "AttributeName": ttl.attribute })
        }
        _ => json!({ "TimeToLiveStatus": "DISABLED" }),
    };
    Ok(json!({ "TimeToLiveDescription": description }))
}

/// The table an ARN names (`arn:aws:dynamodb:<region>:<account>:table/<name>`).
fn table_by_arn<'a>(
    state: &'a State,
    ctx: &RequestContext,
    arn: &str,
) -> Result<&'a Table, AwsError> {
    let name = arn
        .strip_prefix(&ctx.arn("dynamodb", "table/"))
        .filter(|n| !n.is_empty() && !n.contains('/'))
        .ok_or_else(|| {
            AwsError::validation(format!(
                "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
            ))
        })?;
    state.table(&ctx.region, name).map_err(|_| {
        AwsError::new(
            "ResourceNotFoundException",
            format!("Requested resource not found: ResourcArn: {arn} not found"),
        )
    })
}

fn retag(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
    change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), AwsError>,
) -> Result<Value, AwsError> {
    let arn = input.str("ResourceArn")?;
    let mut state = cloud.dynamodb.store.writer(cloud);
    let mut def = table_by_arn(&state, ctx, arn)?.def.clone();
    change(&mut def.tags)?;
    let change = Change::DefineTable {
        region: ctx.region.clone(),
        table: Box::new(def),
    };
    state.commit(change)?;
    Ok(json!({}))
}

/// TagResource.
pub fn tag(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input<'_>) -> Result<Value, AwsError> {
    let new = tags(Some(input.get("Tags").ok_or_else(|| missing("Tags"))?))?;
    retag(cloud, ctx, input, |tags| {
        tags.extend(new);
        Ok(())
    })
}

/// UntagResource.
pub fn untag(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let keys = input
        .opt_array("TagKeys")?
        .ok_or_else(|| missing("TagKeys"))?;
    let keys = strings("TagKeys", keys)?;
    retag(cloud, ctx, input, |tags| {
        for key in &keys {
            tags.remove(key);
        }
        Ok(())
    })
}

/// ListTagsOfResource.
pub fn list_tags(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let arn = input.str("ResourceArn")?;
    let state = cloud.dynamodb.store.reader();
    let table = table_by_arn(&state, ctx, arn)?;
    let tags: Vec<Value> = table
        .def
        .tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();
    Ok(json!({ "Tags": tags }))
}

fn key_schema_json(key: &KeySchema) -> Value {
    let mut out = vec![json!({ "AttributeName": key.hash.name, "KeyType": "HASH" })];
    if let Some(range) = &key.range {
        out.push(json!({ "AttributeName": range.name, "KeyType": "RANGE" }));
    }
    Value::Array(out)
}

fn projection_json(projection: &Projection) -> Value {
    match projection {
        Projection::All => json!({ "ProjectionType": "ALL" }),
        Projection::KeysOnly => json!({ "ProjectionType": "KEYS_ONLY" }),
        Projection::Include(names) => {
            json!({ "ProjectionType": "INCLUDE", "NonKeyAttributes": names })
        }
    }
}

fn throughput_json(t: Throughput) -> Value {
    json!({ "NumberOfDecreasesToday": 0, "ReadCapacityUnits": t.read, "WriteCapacityUnits": t.write })
}

/// A `TableDescription`.
fn description(table: &Table, status: &str) -> Value {
    let def = &table.def;
    let mut out = json!({
        "AttributeDefinitions": def.attributes.iter().map(|(n, k)| json!({ "AttributeName": n, "AttributeType": k.name() })).collect::<Vec<_>>(),
        "TableName": def.name,
        "KeySchema": key_schema_json(&def.key),
        "TableStatus": status,
        "CreationDateTime": def.created,
        "ProvisionedThroughput": throughput_json(def.throughput),
        "TableSizeBytes": table.size_bytes(),
        "ItemCount": table.items.len(),
        "TableArn": def.arn,
        "TableId": def.id,
        "DeletionProtectionEnabled": def.deletion_protection,
    });
    if def.billing_mode == "PAY_PER_REQUEST" {
        out["BillingModeSummary"] = json!({ "BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": def.created });
    }
    let index_json = |index: &IndexDef| {
        let in_index = table
            .items
            .values()
            .filter(|item| index.key.elements().all(|e| item.contains_key(&e.name)));
        let (count, bytes) = in_index.fold((0, 0), |(c, b), item| {
            (c + 1, b + crate::services::dynamodb::value::item_size(item))
        });
        let mut value = json!({
            "IndexName": index.name,
            "KeySchema": key_schema_json(&index.key),
            "Projection": projection_json(&index.projection),
            "IndexSizeBytes": bytes,
            "ItemCount": count,
            "IndexArn": format!("{}/index/{}", def.arn, index.name),
        });
        if index.global {
            value["IndexStatus"] = json!("ACTIVE");
            value["ProvisionedThroughput"] = throughput_json(index.throughput.unwrap_or_default());
        }
        value
    };
    let globals: Vec<Value> = def
        .indexes
        .iter()
        .filter(|i| i.global)
        .map(index_json)
        .collect();
    let locals: Vec<Value> = def
        .indexes
        .iter()
        .filter(|i| !i.global)
        .map(index_json)
        .collect();
    if !globals.is_empty() {
        out["GlobalSecondaryIndexes"] = Value::Array(globals);
    }
    if !locals.is_empty() {
        out["LocalSecondaryIndexes"] = Value::Array(locals);
    }
    if let Some(stream) = &def.stream {
        out["StreamSpecification"] = stream.clone();
        if let Some((label, arn)) = def.latest_stream() {
            out["LatestStreamLabel"] = json!(label);
            out["LatestStreamArn"] = json!(arn);
        }
    }
    if let Some(sse) = &def.sse {
        if sse.get("Enabled") == Some(&Value::Bool(true)) {
            let key = sse
                .get("KMSMasterKeyId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| {
                    def.arn
                        .replace(":dynamodb:", ":kms:")
                        .replace(&format!("table/{}", def.name), "key/aws-managed-dynamodb")
                });
            out["SSEDescription"] =
                json!({ "Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key });
        }
    }
    if let Some(class) = &def.table_class {
        out["TableClassSummary"] = json!({ "TableClass": class });
    }
    out
}
