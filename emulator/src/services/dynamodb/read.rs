//! Query and Scan over a table or one of its indexes: key conditions, ordering, exclusive start
//! keys, `Limit`, the 1 MB page size, filters and parallel scan segments.

use std::hash::{Hash, Hasher};

use super::expressions::ast::{Comparator, Condition, Operand, Path, PathElem};
use super::expressions::eval::evaluate;
use super::model::{IndexDef, KeySchema, KeyValue, Projection, Table};
use super::value::{item_size, Item};
use crate::error::AwsError;

/// The most data one page reads, in bytes.
const PAGE_BYTES: usize = 1024 * 1024;

/// A condition on the sort key.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeCondition {
    /// `sk op :v`.
    Compare(Comparator, KeyValue),
    /// `sk BETWEEN :a AND :b`.
    Between(KeyValue, KeyValue),
    /// `begins_with(sk, :v)`.
    BeginsWith(KeyValue),
}

/// A Query's key condition: one partition, optionally a sort key range.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCondition {
    /// The partition key value.
    pub hash: KeyValue,
    /// The sort key condition.
    pub range: Option<RangeCondition>,
}

fn unsupported() -> AwsError {
    AwsError::validation("Query key condition not supported")
}

fn invalid_operator(operator: &str) -> AwsError {
    AwsError::validation(format!(
        "Invalid operator used in KeyConditionExpression: {operator}"
    ))
}

/// Reads a parsed `KeyConditionExpression` against the key it queries.
pub fn key_condition(condition: &Condition, schema: &KeySchema) -> Result<KeyCondition, AwsError> {
    let mut parts = Vec::new();
    flatten_and(condition, &mut parts)?;
    let mut hash = None;
    let mut range = None;
    for part in parts {
        let (path, found) = range_part(part)?;
        let [PathElem::Name(name)] = path.0.as_slice() else {
            return Err(unsupported());
        };
        if *name == schema.hash.name {
            let RangeCondition::Compare(Comparator::Eq, value) = found else {
                return Err(unsupported());
            };
            if hash.replace(value).is_some() {
                return Err(unsupported());
            }
        } else if schema.range.as_ref().is_some_and(|r| r.name == *name) {
            if range.replace(found).is_some() {
                return Err(unsupported());
            }
        } else {
            return Err(unsupported());
        }
    }
    let hash = hash.ok_or_else(|| {
        AwsError::validation(format!(
            "Query condition missed key schema element: {}",
            schema.hash.name
        ))
    })?;
    let mismatch = || {
        AwsError::validation(
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        )
    };
    let matches = |value: &KeyValue, kind: super::model::ScalarType| {
        matches!(
            (value, kind),
            (KeyValue::S(_), super::model::ScalarType::S)
                | (KeyValue::N(_), super::model::ScalarType::N)
                | (KeyValue::B(_), super::model::ScalarType::B)
        )
    };
    if !matches(&hash, schema.hash.kind) {
        return Err(mismatch());
    }
    if let (Some(r), Some(element)) = (&range, &schema.range) {
        let values: Vec<&KeyValue> = match r {
            RangeCondition::Compare(_, v) | RangeCondition::BeginsWith(v) => vec![v],
            RangeCondition::Between(a, b) => vec![a, b],
        };
        if values.iter().any(|v| !matches(v, element.kind)) {
            return Err(mismatch());
        }
    }
    Ok(KeyCondition { hash, range })
}

fn flatten_and<'a>(condition: &'a Condition, out: &mut Vec<&'a Condition>) -> Result<(), AwsError> {
    match condition {
        Condition::And(a, b) => {
            flatten_and(a, out)?;
            flatten_and(b, out)
        }
        Condition::Or(..) => Err(invalid_operator("OR")),
        Condition::Not(..) => Err(invalid_operator("NOT")),
        Condition::In(..) => Err(invalid_operator("IN")),
        Condition::Exists(_) => Err(invalid_operator("attribute_exists")),
        Condition::NotExists(_) => Err(invalid_operator("attribute_not_exists")),
        Condition::Type(..) => Err(invalid_operator("attribute_type")),
        Condition::Contains(..) => Err(invalid_operator("contains")),
        Condition::Compare(Comparator::Ne, ..) => Err(invalid_operator("<>")),
        other => {
            out.push(other);
            Ok(())
        }
    }
}

fn key_value(operand: &Operand) -> Option<KeyValue> {
    match operand {
        Operand::Value(v) => KeyValue::from_attribute(v),
        _ => None,
    }
}

/// One conjunct of a key condition: the key path and what it must satisfy.
fn range_part(part: &Condition) -> Result<(&Path, RangeCondition), AwsError> {
    let flip = |op: Comparator| match op {
        Comparator::Lt => Comparator::Gt,
        Comparator::Le => Comparator::Ge,
        Comparator::Gt => Comparator::Lt,
        Comparator::Ge => Comparator::Le,
        same => same,
    };
    match part {
        Condition::Compare(op, Operand::Path(p), value) => Ok((
            p,
            RangeCondition::Compare(*op, key_value(value).ok_or_else(unsupported)?),
        )),
        Condition::Compare(op, value, Operand::Path(p)) => Ok((
            p,
            RangeCondition::Compare(flip(*op), key_value(value).ok_or_else(unsupported)?),
        )),
        Condition::Between(Operand::Path(p), low, high) => Ok((
            p,
            RangeCondition::Between(
                key_value(low).ok_or_else(unsupported)?,
                key_value(high).ok_or_else(unsupported)?,
            ),
        )),
        Condition::BeginsWith(Operand::Path(p), prefix) => Ok((
            p,
            RangeCondition::BeginsWith(key_value(prefix).ok_or_else(unsupported)?),
        )),
        _ => Err(unsupported()),
    }
}

impl RangeCondition {
    fn matches(&self, value: &KeyValue) -> bool {
        match self {
            RangeCondition::Compare(op, v) => {
                let ord = value.cmp(v);
                match op {
                    Comparator::Eq => ord.is_eq(),
                    Comparator::Ne => ord.is_ne(),
                    Comparator::Lt => ord.is_lt(),
                    Comparator::Le => ord.is_le(),
                    Comparator::Gt => ord.is_gt(),
                    Comparator::Ge => ord.is_ge(),
                }
            }
            RangeCondition::Between(low, high) => value >= low && value <= high,
            RangeCondition::BeginsWith(prefix) => match (value, prefix) {
                (KeyValue::S(v), KeyValue::S(p)) => v.starts_with(p.as_str()),
                (KeyValue::B(v), KeyValue::B(p)) => v.starts_with(p),
                _ => false,
            },
        }
    }
}

/// A Query or Scan.
#[derive(Debug)]
pub struct Read<'a> {
    /// The table.
    pub table: &'a Table,
    /// The index read instead of the table.
    pub index: Option<&'a IndexDef>,
    /// Query's key condition (`None` scans).
    pub key_condition: Option<KeyCondition>,
    /// Ascending sort key order.
    pub forward: bool,
    /// Where the previous page stopped.
    pub exclusive_start: Option<Item>,
    /// At most this many items evaluated.
    pub limit: Option<usize>,
    /// Items must match this to be returned.
    pub filter: Option<&'a Condition>,
    /// Parallel scan: (segment, total segments).
    pub segment: Option<(usize, usize)>,
}

/// One page of results.
#[derive(Debug)]
pub struct Page<'a> {
    /// The items that passed the filter.
    pub items: Vec<&'a Item>,
    /// How many items were evaluated.
    pub scanned: usize,
    /// Where to continue, when the page stopped early.
    pub last_key: Option<Item>,
}

impl<'a> Read<'a> {
    fn schema(&self) -> &'a KeySchema {
        self.index.map_or(&self.table.def.key, |i| &i.key)
    }

    /// The ordering key of an item: the index's key values (if any), then the table's. `None`
    /// when the item is not in the index.
    fn order_key(&self, item: &Item) -> Option<Vec<KeyValue>> {
        let value = |name: &str| item.get(name).and_then(KeyValue::from_attribute);
        let mut key = Vec::new();
        if let Some(index) = self.index {
            for element in index.key.elements() {
                let v = item.get(&element.name)?;
                if v.type_name() != element.kind.name() {
                    return None;
                }
                key.push(value(&element.name)?);
            }
        }
        for element in self.table.def.key.elements() {
            key.push(value(&element.name)?);
        }
        Some(key)
    }

    fn in_segment(&self, item: &Item) -> bool {
        let Some((segment, total)) = self.segment else {
            return true;
        };
        let Some(hash) = item
            .get(&self.schema().hash.name)
            .and_then(KeyValue::from_attribute)
        else {
            return false;
        };
        let mut hasher = std::hash::DefaultHasher::new();
        hash.hash(&mut hasher);
        (hasher.finish() % total as u64) as usize == segment
    }

    /// Runs the read and returns one page.
    pub fn run(&self) -> Result<Page<'a>, AwsError> {
        let schema = self.schema();
        let mut candidates: Vec<(Vec<KeyValue>, &'a Item)> = Vec::new();
        for item in self.table.items.values() {
            let Some(order) = self.order_key(item) else {
                continue;
            };
            if let Some(condition) = &self.key_condition {
                if order[0] != condition.hash {
                    continue;
                }
                if let Some(range) = &condition.range {
                    if schema.range.is_none() || !range.matches(&order[1]) {
                        continue;
                    }
                }
            }
            if self.in_segment(item) {
                candidates.push((order, item));
            }
        }
        candidates.sort_by(|a, b| a.0.cmp(&b.0));
        if !self.forward {
            candidates.reverse();
        }
        let start = match &self.exclusive_start {
            Some(start) => Some(self.order_key(start).ok_or_else(|| {
                AwsError::validation(
                    "The provided starting key is invalid: The provided key element does not match the schema",
                )
            })?),
            None => None,
        };
        let mut page = Page {
            items: Vec::new(),
            scanned: 0,
            last_key: None,
        };
        let mut bytes = 0;
        let mut remaining = candidates
            .into_iter()
            .filter(|(order, _)| match &start {
                Some(start) if self.forward => order > start,
                Some(start) => order < start,
                None => true,
            })
            .peekable();
        while let Some((_, item)) = remaining.next() {
            page.scanned += 1;
            bytes += item_size(item);
            if self.filter.is_none_or(|f| evaluate(f, item)) {
                page.items.push(item);
            }
            let limited = self.limit.is_some_and(|l| page.scanned >= l);
            let full = bytes >= PAGE_BYTES && remaining.peek().is_some();
            if limited || full {
                page.last_key = Some(self.table.key_attributes(item, self.index));
                break;
            }
        }
        Ok(page)
    }
}

/// The attributes of an item that an index holds.
pub fn index_projection(table: &Table, index: &IndexDef, item: &Item) -> Item {
    let keep: Option<&[String]> = match &index.projection {
        Projection::All => return item.clone(),
        Projection::KeysOnly => None,
        Projection::Include(names) => Some(names),
    };
    let mut out = table.key_attributes(item, Some(index));
    for name in keep.unwrap_or_default() {
        if let Some(value) = item.get(name) {
            out.insert(name.clone(), value.clone());
        }
    }
    out
}

/// The attribute names a condition refers to at top level.
pub fn condition_attributes(condition: &Condition) -> Vec<&str> {
    fn operand<'a>(o: &'a Operand, out: &mut Vec<&'a str>) {
        if let Operand::Path(p) | Operand::Size(p) = o {
            out.push(p.attribute());
        }
    }
    fn walk<'a>(c: &'a Condition, out: &mut Vec<&'a str>) {
        match c {
            Condition::Compare(_, a, b)
            | Condition::BeginsWith(a, b)
            | Condition::Contains(a, b) => {
                operand(a, out);
                operand(b, out);
            }
            Condition::Between(a, b, d) => {
                for o in [a, b, d] {
                    operand(o, out);
                }
            }
            Condition::In(a, list) => {
                operand(a, out);
                for o in list {
                    operand(o, out);
                }
            }
            Condition::Exists(p) | Condition::NotExists(p) | Condition::Type(p, _) => {
                out.push(p.attribute())
            }
            Condition::And(a, b) | Condition::Or(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            Condition::Not(a) => walk(a, out),
        }
    }
    let mut out = Vec::new();
    walk(condition, &mut out);
    out
}
