//! Attribute values (`{"S": "x"}`, `{"N": "1"}`, sets, lists, maps…) and items: reading them from
//! the wire with DynamoDB's messages, writing them back, comparing and sizing them.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::number::Number;
use crate::error::AwsError;

/// An item: attribute names to values.
pub type Item = BTreeMap<String, AttributeValue>;

/// One DynamoDB value. Sets are kept sorted and free of duplicates, so equal sets are equal
/// structurally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// String.
    S(String),
    /// Number.
    N(Number),
    /// Binary.
    B(Vec<u8>),
    /// Boolean.
    Bool(bool),
    /// Null.
    Null,
    /// Map.
    M(Item),
    /// List.
    L(Vec<AttributeValue>),
    /// String set.
    Ss(Vec<String>),
    /// Number set.
    Ns(Vec<Number>),
    /// Binary set.
    Bs(Vec<Vec<u8>>),
}

/// The type descriptors DynamoDB names in messages and in `attribute_type`.
pub const TYPE_NAMES: &[&str] = &["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"];

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl AttributeValue {
    /// The type descriptor (`S`, `N`, `SS`, `BOOL`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }

    /// The wire form (`{"S": "x"}`).
    pub fn to_json(&self) -> Value {
        let (tag, value) = match self {
            AttributeValue::S(s) => ("S", Value::String(s.clone())),
            AttributeValue::N(n) => ("N", Value::String(n.to_string())),
            AttributeValue::B(b) => ("B", Value::String(b64(b))),
            AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
            AttributeValue::Null => ("NULL", Value::Bool(true)),
            AttributeValue::M(m) => ("M", item_to_json(m)),
            AttributeValue::L(l) => ("L", l.iter().map(AttributeValue::to_json).collect()),
            AttributeValue::Ss(s) => ("SS", s.iter().cloned().map(Value::String).collect()),
            AttributeValue::Ns(s) => (
                "NS",
                s.iter().map(|n| Value::String(n.to_string())).collect(),
            ),
            AttributeValue::Bs(s) => ("BS", s.iter().map(|b| Value::String(b64(b))).collect()),
        };
        let mut map = Map::new();
        map.insert(tag.to_string(), value);
        Value::Object(map)
    }

    /// Reads the wire form, with DynamoDB's messages for empty, ambiguous or malformed values.
    pub fn from_json(value: &Value) -> Result<AttributeValue, AwsError> {
        let Value::Object(map) = value else {
            return Err(AwsError::serialization(format!(
                "Unexpected value type in payload: an AttributeValue must be an object, got {value}"
            )));
        };
        let mut set = map.iter().filter(|(_, v)| !v.is_null());
        let (tag, inner) = match (set.next(), set.next()) {
            (None, _) => {
                return Err(invalid(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                ))
            }
            (Some(one), None) => one,
        };
        match tag.as_str() {
            "S" => Ok(AttributeValue::S(string(tag, inner)?.to_string())),
            "N" => Ok(AttributeValue::N(Number::parse(string(tag, inner)?)?)),
            "B" => Ok(AttributeValue::B(binary(tag, inner)?)),
            "BOOL" => match inner {
                Value::Bool(b) => Ok(AttributeValue::Bool(*b)),
                _ => Err(wrong_json(tag, "a boolean")),
            },
            "NULL" => match inner {
                Value::Bool(true) => Ok(AttributeValue::Null),
                Value::Bool(false) => Err(invalid(
                    "Null attribute value types must have the value of true",
                )),
                _ => Err(wrong_json(tag, "a boolean")),
            },
            "M" => match inner {
                Value::Object(m) => Ok(AttributeValue::M(item_from_json(m)?)),
                _ => Err(wrong_json(tag, "an object")),
            },
            "L" => Ok(AttributeValue::L(
                list(tag, inner)?
                    .iter()
                    .map(AttributeValue::from_json)
                    .collect::<Result<_, _>>()?,
            )),
            "SS" => {
                let items = list(tag, inner)?
                    .iter()
                    .map(|v| string(tag, v).map(str::to_string))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(AttributeValue::Ss(make_set(items, "string", |s| {
                    s.clone()
                })?))
            }
            "NS" => {
                let items = list(tag, inner)?
                    .iter()
                    .map(|v| string(tag, v).and_then(Number::parse))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(AttributeValue::Ns(make_set(
                    items,
                    "number",
                    Number::to_string,
                )?))
            }
            "BS" => {
                let items = list(tag, inner)?
                    .iter()
                    .map(|v| binary(tag, v))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(AttributeValue::Bs(make_set(items, "binary", |b| b64(b))?))
            }
            other => Err(AwsError::serialization(format!(
                "Unknown AttributeValue type '{other}': expected one of {}",
                TYPE_NAMES.join(", ")
            ))),
        }
    }

    /// The bytes this value counts for in an item's size (DynamoDB's item size rules).
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.significant_digits().div_ceil(2) + 1,
            AttributeValue::B(b) => b.len(),
            AttributeValue::Bool(_) | AttributeValue::Null => 1,
            AttributeValue::M(m) => {
                3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>()
            }
            AttributeValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttributeValue::Ss(s) => s.iter().map(String::len).sum(),
            AttributeValue::Ns(s) => s
                .iter()
                .map(|n| n.significant_digits().div_ceil(2) + 1)
                .sum(),
            AttributeValue::Bs(s) => s.iter().map(Vec::len).sum(),
        }
    }

    /// A short rendering for messages: `{S:abc}`, `{N:5}`.
    pub fn describe(&self) -> String {
        match self.to_json() {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{{{k}:{s}}}"),
                    other => format!("{{{k}:{other}}}"),
                })
                .collect(),
            other => other.to_string(),
        }
    }
}

/// Sorts set members and refuses empty sets and duplicates, as DynamoDB does.
fn make_set<T: Ord>(
    mut items: Vec<T>,
    kind: &str,
    show: impl Fn(&T) -> String,
) -> Result<Vec<T>, AwsError> {
    if items.is_empty() {
        return Err(invalid(format!(
            "One or more parameter values were invalid: An {kind} set  may not be empty"
        )));
    }
    let shown: Vec<String> = items.iter().map(&show).collect();
    items.sort();
    if items.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid(format!(
            "One or more parameter values were invalid: Input collection [{}] contains duplicates.",
            shown.join(", ")
        )));
    }
    Ok(items)
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::validation(message)
}

fn wrong_json(tag: &str, expected: &str) -> AwsError {
    AwsError::serialization(format!(
        "Unexpected value type in payload: the {tag} member of an AttributeValue must be {expected}"
    ))
}

fn string<'a>(tag: &str, value: &'a Value) -> Result<&'a str, AwsError> {
    value.as_str().ok_or_else(|| wrong_json(tag, "a string"))
}

fn list<'a>(tag: &str, value: &'a Value) -> Result<&'a Vec<Value>, AwsError> {
    value.as_array().ok_or_else(|| wrong_json(tag, "a list"))
}

fn binary(tag: &str, value: &Value) -> Result<Vec<u8>, AwsError> {
    base64::engine::general_purpose::STANDARD
        .decode(string(tag, value)?)
        .map_err(|_| {
            AwsError::serialization(
                "Base64 encoded length is expected a multiple of 4 bytes but found: invalid base64",
            )
        })
}

/// Reads an item (`{"name": {"S": "x"}, …}`).
pub fn item_from_json(map: &Map<String, Value>) -> Result<Item, AwsError> {
    map.iter()
        .map(|(k, v)| Ok((k.clone(), AttributeValue::from_json(v)?)))
        .collect()
}

/// Reads an item from any JSON value, refusing what is not an object.
pub fn item_from_value(member: &str, value: &Value) -> Result<Item, AwsError> {
    match value {
        Value::Object(map) => item_from_json(map),
        other => Err(crate::protocol::json::wrong_type(
            member,
            "an object",
            other,
        )),
    }
}

/// Writes an item.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// The largest item DynamoDB stores, in bytes.
const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The item's size, or AWS's refusal of an item larger than 400 KB.
pub fn check_item_size(item: &Item) -> Result<usize, AwsError> {
    let size = item_size(item);
    if size > MAX_ITEM_BYTES {
        return Err(AwsError::validation(
            "Item size has exceeded the maximum allowed size",
        ));
    }
    Ok(size)
}

/// An item's size in bytes: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

impl Serialize for AttributeValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AttributeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        AttributeValue::from_json(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_every_type() {
        let wire = json!({
            "s": {"S": "x"}, "n": {"N": "1.5"}, "b": {"B": "AQI="}, "t": {"BOOL": true},
            "z": {"NULL": true}, "m": {"M": {"a": {"N": "1"}}}, "l": {"L": [{"S": "a"}]},
            "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["2", "10"]}, "bs": {"BS": ["AQ=="]}
        });
        let item = item_from_json(wire.as_object().unwrap()).unwrap();
        assert_eq!(item["b"], AttributeValue::B(vec![1, 2]));
        let back = item_to_json(&item);
        assert_eq!(back["ss"], json!({"SS": ["a", "b"]}));
        assert_eq!(back["ns"], json!({"NS": ["2", "10"]}));
        assert_eq!(item_from_json(back.as_object().unwrap()).unwrap(), item);
    }

    #[test]
    fn malformed_values_get_dynamodb_errors() {
        let err = |v: Value| AttributeValue::from_json(&v).unwrap_err();
        assert!(err(json!({})).message.contains("is empty"));
        assert!(err(json!({"S": "a", "N": "1"}))
            .message
            .contains("more than one"));
        assert_eq!(err(json!({"N": 5})).code, "SerializationException");
        assert_eq!(err(json!({"N": "x"})).code, "ValidationException");
        assert!(err(json!({"SS": []})).message.contains("may not be empty"));
        assert!(err(json!({"SS": ["a", "a"]}))
            .message
            .contains("duplicates"));
        assert!(err(json!({"NS": ["1", "1.0"]}))
            .message
            .contains("duplicates"));
    }
}
