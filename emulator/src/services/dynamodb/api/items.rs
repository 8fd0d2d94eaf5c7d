//! PutItem, GetItem, DeleteItem, UpdateItem, BatchGetItem, BatchWriteItem.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::{
    check_table_name, choice, consumed, object, old_on_failure, refuse_legacy, table_name,
    Expressions,
};
use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json::{missing, wrong_type, Input};
use crate::protocol::validation::{constraint, constraint_hidden, rule};
use crate::request::RequestContext;
use crate::services::dynamodb::expressions::paths::PathSet;
use crate::services::dynamodb::expressions::Kind;
use crate::services::dynamodb::model::{
    capacity_units, check_condition, write_units, Change, Table,
};
use crate::services::dynamodb::value::{
    check_item_size, item_from_value, item_size, item_to_json, Item,
};

/// `ReturnValues` of PutItem and DeleteItem: `NONE` or `ALL_OLD`.
fn returns_old(input: Input<'_>) -> Result<bool, AwsError> {
    match input.opt_str("ReturnValues")? {
        None | Some("NONE") => Ok(false),
        Some("ALL_OLD") => Ok(true),
        Some(_) => Err(AwsError::validation("Return values set to invalid value")),
    }
}

pub(super) fn item_member(input: Input<'_>, member: &str) -> Result<Item, AwsError> {
    item_from_value(member, input.get(member).ok_or_else(|| missing(member))?)
}

/// Adds `Attributes` (when there are any) and `ConsumedCapacity` (when asked) to an output.
fn output(
    input: Input<'_>,
    table: &str,
    attributes: Option<Item>,
    units: f64,
) -> Result<Value, AwsError> {
    let mut out = Map::new();
    if let Some(attributes) = attributes.filter(|a| !a.is_empty()) {
        out.insert("Attributes".into(), item_to_json(&attributes));
    }
    if let Some(capacity) = consumed(input, table, units)? {
        out.insert("ConsumedCapacity".into(), capacity);
    }
    Ok(Value::Object(out))
}

/// PutItem.
pub fn put(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input<'_>) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    refuse_legacy(input, &["Expected", "ConditionalOperator"])?;
    let item = item_member(input, "Item")?;
    let return_old = returns_old(input)?;
    let old_on_failure = old_on_failure(input)?;
    let mut expressions = Expressions::new(input, &["ConditionExpression"])?;
    let condition = expressions.condition(input, Kind::Condition)?;
    expressions.finish()?;
    check_item_size(&item)?;
    let mut state = cloud.dynamodb.store.writer(cloud);
    let table = state.table(&ctx.region, name)?;
    let key = table.key_of_item(&item)?;
    let old = table.items.get(&key).cloned();
    check_condition(condition.as_ref(), old.as_ref(), old_on_failure)?;
    let units = write_units(old.as_ref(), Some(&item));
    let change = Change::PutItem {
        region: ctx.region.clone(),
        table: name.to_string(),
        item,
    };
    state.commit(change)?;
    let attributes = old.filter(|_| return_old);
    output(input, name, attributes, units)
}

/// GetItem.
pub fn get(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input<'_>) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    let key = item_member(input, "Key")?;
    let consistent = input.opt_bool("ConsistentRead")?.unwrap_or(false);
    let mut expressions = Expressions::new(input, &["ProjectionExpression"])?;
    let projection = expressions.projection(input)?;
    expressions.finish()?;
    let state = cloud.dynamodb.store.reader();
    let table = state.table(&ctx.region, name)?;
    let found = table.items.get(&table.key_from_param(&key)?);
    let mut out = Map::new();
    if let Some(item) = found {
        let item = match &projection {
            Some(paths) => paths.project(item),
            None => item.clone(),
        };
        out.insert("Item".into(), item_to_json(&item));
    }
    let units = capacity_units(found.map_or(0, item_size), false, consistent);
    if let Some(capacity) = consumed(input, name, units)? {
        out.insert("ConsumedCapacity".into(), capacity);
    }
    Ok(Value::Object(out))
}

/// DeleteItem.
pub fn delete(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    refuse_legacy(input, &["Expected", "ConditionalOperator"])?;
    let key = item_member(input, "Key")?;
    let return_old = returns_old(input)?;
    let old_on_failure = old_on_failure(input)?;
    let mut expressions = Expressions::new(input, &["ConditionExpression"])?;
    let condition = expressions.condition(input, Kind::Condition)?;
    expressions.finish()?;
    let mut state = cloud.dynamodb.store.writer(cloud);
    let table = state.table(&ctx.region, name)?;
    let old = table.items.get(&table.key_from_param(&key)?).cloned();
    check_condition(condition.as_ref(), old.as_ref(), old_on_failure)?;
    if old.is_some() {
        let change = Change::DeleteItem {
            region: ctx.region.clone(),
            table: name.to_string(),
            key,
        };
        state.commit(change)?;
    }
    let units = write_units(old.as_ref(), None);
    let attributes = old.filter(|_| return_old);
    output(input, name, attributes, units)
}

/// UpdateItem.
pub fn update(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    refuse_legacy(
        input,
        &["Expected", "ConditionalOperator", "AttributeUpdates"],
    )?;
    let key = item_member(input, "Key")?;
    let return_values = choice(
        input,
        "ReturnValues",
        &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
        "NONE",
    )?;
    let old_on_failure = old_on_failure(input)?;
    let mut expressions = Expressions::new(input, &["ConditionExpression", "UpdateExpression"])?;
    let actions = expressions.update(input)?.unwrap_or_default();
    let condition = expressions.condition(input, Kind::Condition)?;
    expressions.finish()?;
    let mut state = cloud.dynamodb.store.writer(cloud);
    let table = state.table(&ctx.region, name)?;
    let primary_key = table.key_from_param(&key)?;
    table.check_update(&actions)?;
    let old = table.items.get(&primary_key).cloned();
    check_condition(condition.as_ref(), old.as_ref(), old_on_failure)?;
    let new = table.updated(&actions, old.as_ref(), &key)?;
    let units = write_units(old.as_ref(), Some(&new));
    let mut touched = PathSet::default();
    for action in &actions {
        // Already checked for overlaps when parsed.
        let _ = touched.insert(action.path());
    }
    let attributes = match return_values {
        "ALL_OLD" => old.clone(),
        "ALL_NEW" => Some(new.clone()),
        "UPDATED_OLD" => old.as_ref().map(|o| touched.project(o)),
        "UPDATED_NEW" => Some(touched.project(&new)),
        _ => None,
    };
    if old.as_ref() != Some(&new) {
        let change = Change::PutItem {
            region: ctx.region.clone(),
            table: name.to_string(),
            item: new,
        };
        state.commit(change)?;
    }
    output(input, name, attributes, units)
}

/// The most keys one BatchGetItem may ask for.
const MAX_BATCH_GET: usize = 100;
/// The most requests one BatchWriteItem may carry.
const MAX_BATCH_WRITE: usize = 25;

fn request_items(input: Input<'_>) -> Result<&Map<String, Value>, AwsError> {
    let items = object(input, "RequestItems")?;
    if items.is_empty() {
        return Err(constraint("requestItems", "{}", &rule::min_length(1)));
    }
    for name in items.keys() {
        check_table_name(name, "requestItems")?;
    }
    Ok(items)
}

fn duplicates() -> AwsError {
    AwsError::validation("Provided list of item keys contains duplicates")
}

/// BatchGetItem: every key is read (none is left unprocessed).
pub fn batch_get(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let requests = request_items(input)?;
    let mut reads = Vec::new();
    let mut total = 0;
    for (name, request) in requests {
        let Value::Object(request) = request else {
            return Err(wrong_type(
                "RequestItems",
                "a map of KeysAndAttributes",
                request,
            ));
        };
        let request = Input(request);
        let keys = request.opt_array("Keys")?.ok_or_else(|| missing("Keys"))?;
        total += keys.len();
        let keys = keys
            .iter()
            .map(|k| item_from_value("Keys", k))
            .collect::<Result<Vec<_>, _>>()?;
        let mut expressions = Expressions::new(request, &["ProjectionExpression"])?;
        let projection = expressions.projection(request)?;
        expressions.finish()?;
        reads.push((name, keys, projection));
    }
    if total > MAX_BATCH_GET {
        return Err(AwsError::validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    let state = cloud.dynamodb.store.reader();
    let mut responses = Map::new();
    for (name, keys, projection) in reads {
        let table = state.table(&ctx.region, name)?;
        let mut seen = BTreeSet::new();
        let mut found = Vec::new();
        for key in &keys {
            let primary_key = table.key_from_param(key)?;
            if !seen.insert(primary_key.clone()) {
                return Err(duplicates());
            }
            if let Some(item) = table.items.get(&primary_key) {
                let item = projection
                    .as_ref()
                    .map_or_else(|| item.clone(), |p| p.project(item));
                found.push(item_to_json(&item));
            }
        }
        responses.insert(name.clone(), Value::Array(found));
    }
    Ok(json!({ "Responses": responses, "UnprocessedKeys": {} }))
}

/// One write of a BatchWriteItem, validated.
enum Write {
    Put(Item),
    Delete(Item),
}

fn parse_write(table: &Table, request: &Value) -> Result<Write, AwsError> {
    let Value::Object(request) = request else {
        return Err(wrong_type(
            "RequestItems",
            "a list of WriteRequest",
            request,
        ));
    };
    let request = Input(request);
    match (request.opt_object("PutRequest")?, request.opt_object("DeleteRequest")?) {
        (Some(put), None) => {
            let item = item_member(Input(put), "Item")?;
            table.key_of_item(&item)?;
            check_item_size(&item)?;
            Ok(Write::Put(item))
        }
        (None, Some(delete)) => {
            let key = item_member(Input(delete), "Key")?;
            table.key_from_param(&key)?;
            Ok(Write::Delete(key))
        }
        _ => Err(AwsError::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
        )),
    }
}

/// BatchWriteItem: validates every request, then applies them all (none is left unprocessed).
pub fn batch_write(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let requests = request_items(input)?;
    let mut state = cloud.dynamodb.store.writer(cloud);
    let mut writes = Vec::new();
    for (name, list) in requests {
        let Value::Array(list) = list else {
            return Err(wrong_type("RequestItems", "a map of lists", list));
        };
        let table = state.table(&ctx.region, name)?;
        let mut seen = BTreeSet::new();
        for request in list {
            let write = parse_write(table, request)?;
            let key = match &write {
                Write::Put(item) => table.key_of_item(item)?,
                Write::Delete(key) => table.key_from_param(key)?,
            };
            if !seen.insert(key) {
                return Err(duplicates());
            }
            writes.push((name, write));
        }
    }
    if writes.len() > MAX_BATCH_WRITE {
        return Err(constraint_hidden(
            "requestItems",
            &format!(
                "Map value must satisfy constraint: [{}, {}]",
                rule::max_length(MAX_BATCH_WRITE),
                rule::min_length(1)
            ),
        ));
    }
    for (name, write) in writes {
        let region = ctx.region.clone();
        let table = name.clone();
        let change = match write {
            Write::Put(item) => Change::PutItem {
                region,
                table,
                item,
            },
            Write::Delete(key) => Change::DeleteItem { region, table, key },
        };
        state.commit(change)?;
    }
    Ok(json!({ "UnprocessedItems": {} }))
}
