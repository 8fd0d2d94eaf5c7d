//! Evaluates conditions against an item, with DynamoDB's semantics: an attribute that is absent
//! or of another type makes a comparison false (and `<>` true), never an error.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::ast::{Comparator, Condition, Operand};
use super::paths;
use crate::services::dynamodb::number::Number;
use crate::services::dynamodb::value::{AttributeValue, Item};

/// True when `item` satisfies `condition`. A absent item is evaluated as an empty one.
pub fn evaluate(condition: &Condition, item: &Item) -> bool {
    match condition {
        Condition::Compare(op, left, right) => {
            let (Some(l), Some(r)) = (operand(left, item), operand(right, item)) else {
                return *op == Comparator::Ne;
            };
            match op {
                Comparator::Eq => l == r,
                Comparator::Ne => l != r,
                _ => compare(&l, &r).is_some_and(|ord| match op {
                    Comparator::Lt => ord == Ordering::Less,
                    Comparator::Le => ord != Ordering::Greater,
                    Comparator::Gt => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                }),
            }
        }
        Condition::Between(value, low, high) => {
            let (Some(v), Some(lo), Some(hi)) = (
                operand(value, item),
                operand(low, item),
                operand(high, item),
            ) else {
                return false;
            };
            compare(&v, &lo).is_some_and(|o| o != Ordering::Less)
                && compare(&v, &hi).is_some_and(|o| o != Ordering::Greater)
        }
        Condition::In(value, list) => operand(value, item).is_some_and(|v| {
            list.iter()
                .any(|c| operand(c, item).is_some_and(|c| c == v))
        }),
        Condition::Exists(path) => paths::get(item, path).is_some(),
        Condition::NotExists(path) => paths::get(item, path).is_none(),
        Condition::Type(path, kind) => {
            paths::get(item, path).is_some_and(|v| v.type_name() == kind)
        }
        Condition::BeginsWith(value, prefix) => match (operand(value, item), operand(prefix, item))
        {
            (Some(v), Some(p)) => match (v.as_ref(), p.as_ref()) {
                (AttributeValue::S(v), AttributeValue::S(p)) => v.starts_with(p.as_str()),
                (AttributeValue::B(v), AttributeValue::B(p)) => v.starts_with(p),
                _ => false,
            },
            _ => false,
        },
        Condition::Contains(value, member) => match (operand(value, item), operand(member, item)) {
            (Some(v), Some(m)) => contains(&v, &m),
            _ => false,
        },
        Condition::And(a, b) => evaluate(a, item) && evaluate(b, item),
        Condition::Or(a, b) => evaluate(a, item) || evaluate(b, item),
        Condition::Not(a) => !evaluate(a, item),
    }
}

/// The value of an operand for this item (`None`: absent, or `size` of something sizeless).
fn operand<'a>(operand: &'a Operand, item: &'a Item) -> Option<Cow<'a, AttributeValue>> {
    match operand {
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Path(path) => paths::get(item, path).map(Cow::Borrowed),
        Operand::Size(path) => {
            let size = match paths::get(item, path)? {
                AttributeValue::S(s) => s.chars().count(),
                AttributeValue::B(b) => b.len(),
                AttributeValue::M(m) => m.len(),
                AttributeValue::L(l) => l.len(),
                AttributeValue::Ss(s) => s.len(),
                AttributeValue::Ns(s) => s.len(),
                AttributeValue::Bs(s) => s.len(),
                _ => return None,
            };
            Number::parse(&size.to_string())
                .ok()
                .map(|n| Cow::Owned(AttributeValue::N(n)))
        }
    }
}

/// The order of two scalars of the same type (numbers numerically, strings and binaries by
/// their bytes); `None` for other types or mixed types.
pub fn compare(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn contains(haystack: &AttributeValue, needle: &AttributeValue) -> bool {
    match (haystack, needle) {
        (AttributeValue::S(s), AttributeValue::S(n)) => s.contains(n.as_str()),
        (AttributeValue::B(s), AttributeValue::B(n)) => {
            n.is_empty() || s.windows(n.len()).any(|w| w == n.as_slice())
        }
        (AttributeValue::Ss(s), AttributeValue::S(n)) => s.contains(n),
        (AttributeValue::Ns(s), AttributeValue::N(n)) => s.contains(n),
        (AttributeValue::Bs(s), AttributeValue::B(n)) => s.contains(n),
        (AttributeValue::L(l), n) => l.contains(n),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse_condition;
    use super::super::{Kind, Placeholders};
    use super::*;
    use crate::services::dynamodb::value::item_from_json;
    use serde_json::json;

    fn check(text: &str) -> bool {
        let values = json!({
            ":s": {"S": "abc"}, ":ab": {"S": "ab"}, ":n5": {"N": "5"}, ":n10": {"N": "10.0"},
            ":b": {"B": "AQID"}, ":t": {"S": "SS"}, ":x": {"S": "x"}, ":two": {"N": "2"},
            ":l0": {"N": "1"}, ":m": {"M": {"k": {"S": "v"}}}
        });
        let mut ph = Placeholders::from_request(None, values.as_object(), true).unwrap();
        let condition = parse_condition(text, Kind::Condition, &mut ph).unwrap();
        let item = item_from_json(
            json!({
                "s": {"S": "abc"}, "n": {"N": "7"}, "b": {"B": "AQIDBA=="}, "ss": {"SS": ["x", "y"]},
                "l": {"L": [{"N": "1"}, {"S": "x"}]}, "m": {"M": {"k": {"S": "v"}}}, "nul": {"NULL": true}
            })
            .as_object()
            .unwrap(),
        )
        .unwrap();
        evaluate(&condition, &item)
    }

    #[test]
    fn comparisons_and_absent_attributes() {
        assert!(check("s = :s"));
        assert!(check("n > :n5 AND n < :n10"));
        assert!(check("n BETWEEN :n5 AND :n10"));
        assert!(!check("n BETWEEN :two AND :n5"));
        assert!(check("absent <> :s"));
        assert!(!check("absent = :s"));
        assert!(!check("absent < :s"));
        assert!(!check("s < :n5")); // different types
        assert!(check("n IN (:n5, :s, :n10) OR s IN (:ab, :s)"));
        assert!(check("m = :m"));
        assert!(check("l[0] = :l0 AND l[1] = :x"));
    }

    #[test]
    fn functions() {
        assert!(check("attribute_exists(s) AND attribute_not_exists(zz)"));
        assert!(check("attribute_type(ss, :t)"));
        assert!(check("begins_with(s, :ab)"));
        assert!(check("begins_with(b, :b)"));
        assert!(!check("begins_with(n, :ab)"));
        assert!(check(
            "contains(s, :ab) AND contains(ss, :x) AND contains(l, :x)"
        ));
        assert!(check("size(s) = :n5 OR size(ss) = :two"));
        assert!(check("size(l) = :two AND size(b) > :two"));
        assert!(!check("size(n) = :two"));
        assert!(check("attribute_exists(m.k) AND NOT attribute_exists(m.z)"));
    }

    #[test]
    fn boolean_logic() {
        assert!(check("NOT s = :ab"));
        assert!(!check("s = :ab OR s = :s AND n = :n5"));
        assert!(check("(s = :ab OR s = :s) AND NOT n = :n5"));
        assert!(check("s = :s OR n = :n5 AND absent = :s"));
    }
}
