//! DynamoDB's state and behaviour, apart from the wire format: tables with their definitions,
//! items ordered by primary key, the journaled changes, and the key rules.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::expressions::ast::{Condition, UpdateAction};
use super::expressions::eval::evaluate;
use super::expressions::update;
use super::number::Number;
use super::value::{check_item_size, item_to_json, AttributeValue, Item};
use crate::error::AwsError;
use crate::services::store::Journaled;

/// The scalar types a key attribute may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalarType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

impl ScalarType {
    /// Reads `S`, `N` or `B`.
    pub fn parse(text: &str) -> Option<ScalarType> {
        match text {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }

    /// `S`, `N` or `B`.
    pub fn name(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

/// One key attribute: its name and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyElement {
    /// The attribute name.
    pub name: String,
    /// Its type, from `AttributeDefinitions`.
    pub kind: ScalarType,
}

/// A partition key and an optional sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySchema {
    /// The partition (HASH) key.
    pub hash: KeyElement,
    /// The sort (RANGE) key.
    pub range: Option<KeyElement>,
}

impl KeySchema {
    /// The key attributes, partition key first.
    pub fn elements(&self) -> impl Iterator<Item = &KeyElement> {
        std::iter::once(&self.hash).chain(self.range.as_ref())
    }
}

/// Which attributes an index holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Projection {
    /// Every attribute.
    All,
    /// Only the table's and the index's keys.
    KeysOnly,
    /// The keys and these attributes.
    Include(Vec<String>),
}

/// Read and write capacity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throughput {
    /// Read capacity units.
    pub read: i64,
    /// Write capacity units.
    pub write: i64,
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDef {
    /// Its name.
    pub name: String,
    /// Its key.
    pub key: KeySchema,
    /// The attributes it holds.
    pub projection: Projection,
    /// Global (GSI) or local (LSI).
    pub global: bool,
    /// A GSI's provisioned throughput (PROVISIONED tables).
    pub throughput: Option<Throughput>,
}

/// Time to live settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeToLive {
    /// The attribute holding the expiry time (epoch seconds).
    pub attribute: String,
    /// Whether expiry is on.
    pub enabled: bool,
}

/// A table's definition and settings (everything but its items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    /// The table name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Its id (a UUID).
    pub id: String,
    /// Creation time, epoch seconds.
    pub created: f64,
    /// The primary key.
    pub key: KeySchema,
    /// `AttributeDefinitions`, as given.
    pub attributes: Vec<(String, ScalarType)>,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    pub billing_mode: String,
    /// Provisioned throughput (zeros on demand).
    pub throughput: Throughput,
    /// Global and local secondary indexes.
    pub indexes: Vec<IndexDef>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// `SSESpecification` as given.
    pub sse: Option<Value>,
    /// `StreamSpecification` as given.
    pub stream: Option<Value>,
    /// Time to live.
    pub ttl: Option<TimeToLive>,
    /// `DeletionProtectionEnabled`.
    pub deletion_protection: bool,
    /// `TableClass`.
    pub table_class: Option<String>,
}

impl TableDef {
    /// The label and ARN of the table's stream, when streams are on.
    pub fn latest_stream(&self) -> Option<(String, String)> {
        let stream = self.stream.as_ref()?;
        if stream.get("StreamEnabled") != Some(&Value::Bool(true)) {
            return None;
        }
        let created = std::time::UNIX_EPOCH
            + std::time::Duration::from_millis((self.created * 1000.0) as u64);
        let label = crate::protocol::iso8601(created)
            .trim_end_matches('Z')
            .to_string();
        let arn = format!("{}/stream/{label}", self.arn);
        Some((label, arn))
    }

    /// The index called `name`.
    pub fn index(&self, name: &str) -> Result<&IndexDef, AwsError> {
        self.indexes.iter().find(|i| i.name == name).ok_or_else(|| {
            AwsError::validation(format!(
                "The table does not have the specified index: {name}"
            ))
        })
    }
}

/// A key attribute's value, ordered as DynamoDB orders keys (numbers numerically, strings and
/// binaries by bytes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyValue {
    /// A number.
    N(Number),
    /// A string.
    S(String),
    /// A binary.
    B(Vec<u8>),
}

impl KeyValue {
    /// The key value of an attribute value of a scalar type.
    pub fn from_attribute(value: &AttributeValue) -> Option<KeyValue> {
        match value {
            AttributeValue::S(s) => Some(KeyValue::S(s.clone())),
            AttributeValue::N(n) => Some(KeyValue::N(n.clone())),
            AttributeValue::B(b) => Some(KeyValue::B(b.clone())),
            _ => None,
        }
    }
}

/// A primary key: partition key value and optional sort key value.
pub type PrimaryKey = (KeyValue, Option<KeyValue>);

/// A table: its definition and items, ordered by primary key.
#[derive(Debug, Clone)]
pub struct Table {
    /// The definition.
    pub def: TableDef,
    /// The items.
    pub items: BTreeMap<PrimaryKey, Item>,
}

fn key_attribute_empty(name: &str) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {name}"
    ))
}

fn is_empty_scalar(value: &AttributeValue) -> bool {
    matches!(value, AttributeValue::S(s) if s.is_empty())
        || matches!(value, AttributeValue::B(b) if b.is_empty())
}

impl Table {
    /// The primary key given as a `Key` parameter: exactly the key attributes, of the right
    /// types.
    pub fn key_from_param(&self, key: &Item) -> Result<PrimaryKey, AwsError> {
        let mismatch =
            || AwsError::validation("The provided key element does not match the schema");
        let schema = &self.def.key;
        if key.len() != schema.elements().count() {
            return Err(mismatch());
        }
        let mut values = schema.elements().map(|element| {
            let value = key.get(&element.name).ok_or_else(mismatch)?;
            if value.type_name() != element.kind.name() {
                return Err(mismatch());
            }
            if is_empty_scalar(value) {
                return Err(key_attribute_empty(&element.name));
            }
            KeyValue::from_attribute(value).ok_or_else(mismatch)
        });
        let hash = values.next().ok_or_else(mismatch)??;
        let range = values.next().transpose()?;
        Ok((hash, range))
    }

    /// The primary key of an item to write, checking the table's and the indexes' key
    /// attributes with DynamoDB's messages.
    pub fn key_of_item(&self, item: &Item) -> Result<PrimaryKey, AwsError> {
        let mut values = Vec::new();
        for element in self.def.key.elements() {
            let value = item.get(&element.name).ok_or_else(|| {
                AwsError::validation(format!(
                    "One or more parameter values were invalid: Missing the key {} in the item",
                    element.name
                ))
            })?;
            if value.type_name() != element.kind.name() {
                return Err(AwsError::validation(format!(
                    "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                    element.name,
                    element.kind.name(),
                    value.type_name()
                )));
            }
            if is_empty_scalar(value) {
                return Err(key_attribute_empty(&element.name));
            }
            values.extend(KeyValue::from_attribute(value));
        }
        for index in &self.def.indexes {
            for element in index.key.elements() {
                let Some(value) = item.get(&element.name) else {
                    continue;
                };
                if value.type_name() != element.kind.name() {
                    return Err(AwsError::validation(format!(
                        "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                        element.name,
                        element.kind.name(),
                        value.type_name(),
                        index.name
                    )));
                }
                if is_empty_scalar(value) {
                    return Err(AwsError::validation(format!(
                        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: {}, IndexKey: {}",
                        index.name, element.name
                    )));
                }
            }
        }
        let mut values = values.into_iter();
        let hash = values
            .next()
            .ok_or_else(|| AwsError::internal("a table without a partition key"))?;
        Ok((hash, values.next()))
    }

    /// The key attributes of an item (for `LastEvaluatedKey`, `ALL_OLD` keys…).
    pub fn key_attributes(&self, item: &Item, index: Option<&IndexDef>) -> Item {
        let elements = self
            .def
            .key
            .elements()
            .chain(index.into_iter().flat_map(|i| i.key.elements()));
        elements
            .filter_map(|e| item.get(&e.name).map(|v| (e.name.clone(), v.clone())))
            .collect()
    }

    /// Refuses update actions that set or remove a key attribute, as AWS does before it reads
    /// the item.
    pub fn check_update(&self, actions: &[UpdateAction]) -> Result<(), AwsError> {
        for action in actions {
            let attribute = action.path().attribute();
            if self.def.key.elements().any(|e| e.name == attribute) {
                return Err(AwsError::validation(format!(
                    "One or more parameter values were invalid: Cannot update attribute {attribute}. This attribute is part of the key"
                )));
            }
        }
        Ok(())
    }

    /// The item `actions` make of `old`, or of the key alone when there is no item; refused
    /// when the actions fail on the item's values, or the result is no valid item or larger
    /// than 400 KB.
    pub fn updated(
        &self,
        actions: &[UpdateAction],
        old: Option<&Item>,
        key: &Item,
    ) -> Result<Item, AwsError> {
        let new = update::apply(actions, old.unwrap_or(key))?;
        self.key_of_item(&new)?;
        check_item_size(&new)?;
        Ok(new)
    }

    /// The total size of the items, in bytes.
    pub fn size_bytes(&self) -> usize {
        self.items.values().map(super::value::item_size).sum()
    }
}

/// A change to DynamoDB's state: what the journal records and replay applies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Change {
    /// A table was created, or its settings changed (its items stay).
    DefineTable {
        /// The region.
        region: String,
        /// The new definition.
        table: Box<TableDef>,
    },
    /// A table was deleted with its items.
    DeleteTable {
        /// The region.
        region: String,
        /// The table name.
        name: String,
    },
    /// An item was written (put or updated) whole.
    PutItem {
        /// The region.
        region: String,
        /// The table name.
        table: String,
        /// The item as it now is.
        item: Item,
    },
    /// An item was deleted.
    DeleteItem {
        /// The region.
        region: String,
        /// The table name.
        table: String,
        /// Its key attributes.
        key: Item,
    },
    /// A TransactWriteItems: its writes (`PutItem` and `DeleteItem` changes), applied
    /// together, and the client request token it was made with.
    Transaction {
        /// The region.
        region: String,
        /// The writes, in the order of the request.
        writes: Vec<Change>,
        /// The request's `ClientRequestToken`, when it had one.
        token: Option<ClientToken>,
    },
}

/// A TransactWriteItems request's `ClientRequestToken`, kept for AWS's idempotency window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientToken {
    /// The token.
    pub token: String,
    /// The request's `TransactItems`, which a repeat must match.
    pub request: Value,
    /// When the transaction was made, in milliseconds since the epoch.
    pub at_ms: u64,
}

/// How long a client request token makes TransactWriteItems idempotent: ten minutes.
pub const TOKEN_WINDOW_MS: u64 = 10 * 60 * 1000;

/// What an earlier transaction with the same client request token says of a new request.
#[derive(Debug, PartialEq)]
pub enum Repeat {
    /// No transaction used the token in the last ten minutes: this one is new.
    New,
    /// The same request was made with the token: it has happened already.
    Same,
}

/// Every region's tables.
#[derive(Debug, Default)]
pub struct State {
    regions: HashMap<String, BTreeMap<String, Table>>,
    /// The client request tokens of recent transactions, by region and token.
    tokens: BTreeMap<(String, String), ClientToken>,
}

/// `ResourceNotFoundException` as the item operations word it.
pub fn table_not_found() -> AwsError {
    AwsError::new("ResourceNotFoundException", "Requested resource not found")
}

impl Journaled for State {
    type Change = Change;

    /// Applies a change (live, after journaling it, and on replay).
    fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::DefineTable { region, table } => {
                let tables = self.regions.entry(region).or_default();
                match tables.get_mut(&table.name) {
                    Some(existing) => existing.def = *table,
                    None => {
                        tables.insert(
                            table.name.clone(),
                            Table {
                                def: *table,
                                items: BTreeMap::new(),
                            },
                        );
                    }
                }
            }
            Change::DeleteTable { region, name } => {
                self.regions.entry(region).or_default().remove(&name);
            }
            Change::PutItem {
                region,
                table,
                item,
            } => {
                let table = self.table_mut(&region, &table)?;
                let key = table.key_of_item(&item).map_err(|e| e.message)?;
                table.items.insert(key, item);
            }
            Change::DeleteItem { region, table, key } => {
                let table = self.table_mut(&region, &table)?;
                let key = table.key_from_param(&key).map_err(|e| e.message)?;
                table.items.remove(&key);
            }
            Change::Transaction {
                region,
                writes,
                token,
            } => {
                for write in writes {
                    self.apply(write)?;
                }
                if let Some(token) = token {
                    let oldest = token.at_ms.saturating_sub(TOKEN_WINDOW_MS);
                    self.tokens.retain(|_, t| t.at_ms >= oldest);
                    self.tokens.insert((region, token.token.clone()), token);
                }
            }
        }
        Ok(())
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Change)) {
        let mut regions: Vec<_> = self.regions.iter().collect();
        regions.sort_by_key(|(region, _)| *region);
        for (region, tables) in regions {
            for table in tables.values() {
                emit(Change::DefineTable {
                    region: region.clone(),
                    table: Box::new(table.def.clone()),
                });
                for item in table.items.values() {
                    emit(Change::PutItem {
                        region: region.clone(),
                        table: table.def.name.clone(),
                        item: item.clone(),
                    });
                }
            }
        }
        for ((region, _), token) in &self.tokens {
            emit(Change::Transaction {
                region: region.clone(),
                writes: Vec::new(),
                token: Some(token.clone()),
            });
        }
    }
}

impl State {
    /// The tables of a region, by name.
    pub fn tables(&self, region: &str) -> impl Iterator<Item = &Table> {
        self.regions
            .get(region)
            .into_iter()
            .flat_map(|t| t.values())
    }

    /// A table, or `ResourceNotFoundException`.
    pub fn table(&self, region: &str, name: &str) -> Result<&Table, AwsError> {
        self.regions
            .get(region)
            .and_then(|t| t.get(name))
            .ok_or_else(table_not_found)
    }

    /// True when the table exists.
    pub fn has_table(&self, region: &str, name: &str) -> bool {
        self.table(region, name).is_ok()
    }

    /// Items whose time to live has passed at `now` (epoch seconds), as (table, key): the TTL
    /// attribute must be a number of epoch seconds, and, as on AWS, an expiry more than five
    /// years old is ignored.
    pub fn expired(&self, region: &str, now: i64) -> Vec<(String, Item)> {
        const FIVE_YEARS: i64 = 5 * 365 * 24 * 3600;
        let now = Number::parse(&now.to_string()).unwrap_or_else(|_| Number::zero());
        let oldest = now
            .sub(&Number::parse(&FIVE_YEARS.to_string()).unwrap_or_else(|_| Number::zero()))
            .unwrap_or_else(|_| Number::zero());
        let mut out = Vec::new();
        for table in self.tables(region) {
            let Some(ttl) = table.def.ttl.as_ref().filter(|t| t.enabled) else {
                continue;
            };
            for item in table.items.values() {
                if let Some(AttributeValue::N(expiry)) = item.get(&ttl.attribute) {
                    if *expiry <= now && *expiry >= oldest {
                        out.push((table.def.name.clone(), table.key_attributes(item, None)));
                    }
                }
            }
        }
        out
    }

    /// Whether a TransactWriteItems with `token` and these `TransactItems` is new or repeats
    /// one made in the last ten minutes; the token used with other items within that window is
    /// `IdempotentParameterMismatchException`.
    pub fn transaction_repeat(
        &self,
        region: &str,
        token: &str,
        request: &Value,
        now_ms: u64,
    ) -> Result<Repeat, AwsError> {
        let key = (region.to_string(), token.to_string());
        match self.tokens.get(&key) {
            Some(earlier) if now_ms.saturating_sub(earlier.at_ms) < TOKEN_WINDOW_MS => {
                if earlier.request == *request {
                    Ok(Repeat::Same)
                } else {
                    Err(AwsError::new(
                        "IdempotentParameterMismatchException",
                        "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.",
                    ))
                }
            }
            _ => Ok(Repeat::New),
        }
    }

    fn table_mut(&mut self, region: &str, name: &str) -> Result<&mut Table, String> {
        self.regions
            .get_mut(region)
            .and_then(|t| t.get_mut(name))
            .ok_or_else(|| format!("no table '{name}' in {region}"))
    }
}
/// Fails with `ConditionalCheckFailedException` when the item does not satisfy the condition;
/// the old item goes in the error when asked.
pub fn check_condition(
    condition: Option<&Condition>,
    old: Option<&Item>,
    old_on_failure: bool,
) -> Result<(), AwsError> {
    let Some(condition) = condition else {
        return Ok(());
    };
    let empty = Item::new();
    if evaluate(condition, old.unwrap_or(&empty)) {
        return Ok(());
    }
    let error = AwsError::new(
        "ConditionalCheckFailedException",
        "The conditional request failed",
    );
    Err(match old {
        Some(old) if old_on_failure => error.with_field("Item", item_to_json(old)),
        _ => error,
    })
}

/// Capacity units for reading or writing `bytes` (reads: 4 KB units, halved when eventually
/// consistent; writes: 1 KB units).
pub fn capacity_units(bytes: usize, write: bool, consistent: bool) -> f64 {
    let unit = if write { 1024 } else { 4096 };
    let units = bytes.div_ceil(unit).max(1) as f64;
    if write || consistent {
        units
    } else {
        units / 2.0
    }
}

/// The write units a write costs: the larger of the item before and after it, as AWS counts
/// PutItem, UpdateItem and DeleteItem (`None`: no item on that side).
pub fn write_units(before: Option<&Item>, after: Option<&Item>) -> f64 {
    let size = |item: Option<&Item>| item.map_or(0, super::value::item_size);
    capacity_units(size(before).max(size(after)), true, true)
}
