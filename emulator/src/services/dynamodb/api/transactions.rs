//! TransactWriteItems and TransactGetItems. Every action is read and checked first; then a
//! write transaction's conditions are evaluated against the items as they are, and its writes
//! are journaled as one change, so that all of them happen or none does.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::items::item_member;
use super::{choice, consumed, old_on_failure, table_name, Expressions};
use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json::{missing, wrong_type, Input};
use crate::protocol::now_ms;
use crate::protocol::validation::{constraint, constraint_hidden, rule};
use crate::request::RequestContext;
use crate::services::dynamodb::expressions::ast::{Condition, UpdateAction};
use crate::services::dynamodb::expressions::Kind;
use crate::services::dynamodb::model::{
    capacity_units, check_condition, write_units, Change, ClientToken, PrimaryKey, Repeat, Table,
};
use crate::services::dynamodb::value::{check_item_size, item_size, item_to_json, Item};

/// The most actions one transaction may hold.
const MAX_ACTIONS: usize = 100;

/// What one TransactWriteItems action does to its item.
enum Write {
    Check,
    Put(Item),
    Delete,
    Update(Vec<UpdateAction>),
}

/// One TransactWriteItems action, read and checked against its table.
struct Action<'a> {
    table: &'a str,
    /// The key attributes as the request gave them.
    key: Item,
    /// The same key as the table orders its items by.
    primary_key: PrimaryKey,
    write: Write,
    condition: Option<Condition>,
    old_on_failure: bool,
}

/// Why an action cancels its transaction: the code and message of its `CancellationReason`.
struct Cancel {
    code: &'static str,
    error: AwsError,
}

/// The `TransactItems` list: 1 to 100 actions.
fn transact_items(input: Input<'_>) -> Result<&Vec<Value>, AwsError> {
    let items = input
        .opt_array("TransactItems")?
        .ok_or_else(|| missing("TransactItems"))?;
    if items.is_empty() {
        return Err(constraint("transactItems", "[]", &rule::min_length(1)));
    }
    if items.len() > MAX_ACTIONS {
        return Err(constraint_hidden(
            "transactItems",
            &rule::max_length(MAX_ACTIONS),
        ));
    }
    Ok(items)
}

/// One action of either operation, as an object.
fn action_object<'a>(value: &'a Value, expected: &str) -> Result<Input<'a>, AwsError> {
    match value {
        Value::Object(map) => Ok(Input(map)),
        other => Err(wrong_type("TransactItems", expected, other)),
    }
}

fn multiple_operations() -> AwsError {
    AwsError::validation("Transaction request cannot include multiple operations on one item")
}

/// Reads one TransactWriteItem: exactly one of ConditionCheck, Put, Delete or Update.
fn read_action<'a>(
    table: &'a str,
    state: &Table,
    kind: &str,
    body: Input<'_>,
) -> Result<Action<'a>, AwsError> {
    let members: &[&str] = match kind {
        "Update" => &["ConditionExpression", "UpdateExpression"],
        _ => &["ConditionExpression"],
    };
    let mut expressions = Expressions::new(body, members)?;
    let (key, write) = match kind {
        "Put" => {
            let item = item_member(body, "Item")?;
            state.key_of_item(&item)?;
            check_item_size(&item)?;
            (state.key_attributes(&item, None), Write::Put(item))
        }
        "Delete" => (item_member(body, "Key")?, Write::Delete),
        "ConditionCheck" => (item_member(body, "Key")?, Write::Check),
        _ => {
            let key = item_member(body, "Key")?;
            let actions = expressions
                .update(body)?
                .ok_or_else(|| missing("UpdateExpression"))?;
            state.check_update(&actions)?;
            (key, Write::Update(actions))
        }
    };
    let condition = expressions.condition(body, Kind::Condition)?;
    if matches!(write, Write::Check) && condition.is_none() {
        return Err(missing("ConditionExpression"));
    }
    expressions.finish()?;
    let old_on_failure = old_on_failure(body)?;
    Ok(Action {
        table,
        primary_key: state.key_from_param(&key)?,
        key,
        write,
        condition,
        old_on_failure,
    })
}

/// The one member of a TransactWriteItem, by name, with its body.
fn write_member(item: Input<'_>) -> Result<(&'static str, Input<'_>), AwsError> {
    let mut present = Vec::new();
    for kind in ["ConditionCheck", "Put", "Delete", "Update"] {
        if let Some(body) = item.opt_object(kind)? {
            present.push((kind, Input(body)));
        }
    }
    match present.as_slice() {
        [one] => Ok(*one),
        _ => Err(AwsError::validation(
            "TransactItems can only contain one of Check, Put, Update or Delete",
        )),
    }
}

/// ConsumedCapacity for a transaction's tables (transactional reads and writes cost twice
/// their plain units), when the request asks for it.
fn consumed_by_table(input: Input<'_>, units: &[(&str, f64)]) -> Result<Option<Value>, AwsError> {
    let mut tables: Vec<(&str, f64)> = Vec::new();
    for (table, amount) in units {
        match tables.iter_mut().find(|(t, _)| t == table) {
            Some((_, total)) => *total += 2.0 * amount,
            None => tables.push((table, 2.0 * amount)),
        }
    }
    let mut list = Vec::new();
    for (table, total) in tables {
        match consumed(input, table, total)? {
            Some(capacity) => list.push(capacity),
            None => return Ok(None),
        }
    }
    Ok(Some(Value::Array(list)))
}

/// The reply of a transaction, with `ConsumedCapacity` when asked.
fn reply(mut out: Map<String, Value>, capacity: Option<Value>) -> Value {
    if let Some(capacity) = capacity {
        out.insert("ConsumedCapacity".into(), capacity);
    }
    Value::Object(out)
}

/// The reply's `TransactionCanceledException`, its reasons in the order of the actions.
fn cancelled(reasons: Vec<Option<Cancel>>) -> AwsError {
    let codes: Vec<&str> = reasons
        .iter()
        .map(|r| r.as_ref().map_or("None", |c| c.code))
        .collect();
    let list: Vec<Value> = reasons
        .into_iter()
        .map(|reason| match reason {
            None => json!({ "Code": "None" }),
            Some(Cancel { code, error }) => {
                let mut value = json!({ "Code": code, "Message": error.message });
                if let Some(item) = error.fields.as_ref().and_then(|f| f.get("Item")) {
                    value["Item"] = item.clone();
                }
                value
            }
        })
        .collect();
    AwsError::new(
        "TransactionCanceledException",
        format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ),
    )
    .with_field("CancellationReasons", Value::Array(list))
}

/// The outcome of one action on the item as it is: its write (none for a check, or a write
/// that changes nothing), or why it cancels the transaction.
fn evaluate(
    region: &str,
    action: &Action<'_>,
    table: &Table,
    old: Option<&Item>,
) -> Result<Option<Change>, Cancel> {
    check_condition(action.condition.as_ref(), old, action.old_on_failure).map_err(|error| {
        Cancel {
            code: "ConditionalCheckFailed",
            error,
        }
    })?;
    let invalid = |error| Cancel {
        code: "ValidationError",
        error,
    };
    let put = |item: Item| Change::PutItem {
        region: region.to_string(),
        table: action.table.to_string(),
        item,
    };
    Ok(match &action.write {
        Write::Check => None,
        Write::Put(item) => Some(put(item.clone())),
        Write::Delete => old.map(|_| Change::DeleteItem {
            region: region.to_string(),
            table: action.table.to_string(),
            key: action.key.clone(),
        }),
        Write::Update(actions) => {
            let new = table.updated(actions, old, &action.key).map_err(invalid)?;
            (old != Some(&new)).then(|| put(new))
        }
    })
}

/// The request's `ClientRequestToken` (1 to 36 characters).
fn client_token(input: Input<'_>) -> Result<Option<&str>, AwsError> {
    let token = input.opt_str("ClientRequestToken")?;
    match token {
        Some(t) if t.is_empty() => Err(constraint("clientRequestToken", t, &rule::min_length(1))),
        Some(t) if t.chars().count() > 36 => {
            Err(constraint("clientRequestToken", t, &rule::max_length(36)))
        }
        _ => Ok(token),
    }
}

/// TransactWriteItems: all the writes or none. A repeat with the same `ClientRequestToken`
/// within ten minutes succeeds without writing again.
pub fn transact_write(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let items = transact_items(input)?;
    let token = client_token(input)?;
    choice(
        input,
        "ReturnItemCollectionMetrics",
        &["SIZE", "NONE"],
        "NONE",
    )?;
    let region = ctx.region.as_str();
    let mut state = cloud.dynamodb.store.writer(cloud);
    let mut actions = Vec::with_capacity(items.len());
    let mut targets: BTreeSet<(&str, PrimaryKey)> = BTreeSet::new();
    for item in items {
        let (kind, body) = write_member(action_object(item, "a list of TransactWriteItem")?)?;
        let name = table_name(body, "TableName")?;
        let table = state.table(region, name)?;
        let action = read_action(name, table, kind, body)?;
        if !targets.insert((name, action.primary_key.clone())) {
            return Err(multiple_operations());
        }
        actions.push(action);
    }
    let request = Value::Array(items.clone());
    let now = now_ms();
    if let Some(token) = token {
        if state.transaction_repeat(region, token, &request, now)? == Repeat::Same {
            return Ok(reply(Map::new(), consumed_by_table(input, &[])?));
        }
    }
    let mut writes = Vec::new();
    let mut reasons = Vec::with_capacity(actions.len());
    let mut units = Vec::with_capacity(actions.len());
    for action in &actions {
        let table = state.table(region, action.table)?;
        let old = table.items.get(&action.primary_key);
        let outcome = evaluate(region, action, table, old);
        let written = match &outcome {
            Ok(Some(Change::PutItem { item, .. })) => Some(item),
            _ => None,
        };
        units.push((
            action.table,
            match action.write {
                Write::Check => capacity_units(old.map_or(0, item_size), false, true),
                _ => write_units(old, written),
            },
        ));
        match outcome {
            Ok(write) => {
                writes.extend(write);
                reasons.push(None);
            }
            Err(cancel) => reasons.push(Some(cancel)),
        }
    }
    if reasons.iter().any(Option::is_some) {
        return Err(cancelled(reasons));
    }
    let token = token.map(|token| ClientToken {
        token: token.to_string(),
        request,
        at_ms: now,
    });
    if !writes.is_empty() || token.is_some() {
        state.commit(Change::Transaction {
            region: region.to_string(),
            writes,
            token,
        })?;
    }
    Ok(reply(Map::new(), consumed_by_table(input, &units)?))
}

/// TransactGetItems: the items of up to 100 keys, read together (`{}` for a key with none).
pub fn transact_get(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    let items = transact_items(input)?;
    let state = cloud.dynamodb.store.reader();
    let mut targets: BTreeSet<(&str, PrimaryKey)> = BTreeSet::new();
    let mut responses = Vec::with_capacity(items.len());
    let mut units = Vec::with_capacity(items.len());
    for item in items {
        let item = action_object(item, "a list of TransactGetItem")?;
        let get = Input(item.opt_object("Get")?.ok_or_else(|| missing("Get"))?);
        let name = table_name(get, "TableName")?;
        let key = item_member(get, "Key")?;
        let mut expressions = Expressions::new(get, &["ProjectionExpression"])?;
        let projection = expressions.projection(get)?;
        expressions.finish()?;
        let table = state.table(&ctx.region, name)?;
        let primary_key = table.key_from_param(&key)?;
        let found = table.items.get(&primary_key);
        if !targets.insert((name, primary_key)) {
            return Err(multiple_operations());
        }
        units.push((
            name,
            capacity_units(found.map_or(0, item_size), false, true),
        ));
        responses.push(match found {
            Some(found) => {
                let shown = projection
                    .as_ref()
                    .map_or_else(|| found.clone(), |p| p.project(found));
                json!({ "Item": item_to_json(&shown) })
            }
            None => json!({}),
        });
    }
    let mut out = Map::new();
    out.insert("Responses".into(), Value::Array(responses));
    Ok(reply(out, consumed_by_table(input, &units)?))
}
