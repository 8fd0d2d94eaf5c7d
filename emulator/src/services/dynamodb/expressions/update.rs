//! Applies an update expression to an item. Every operand is read from the item as it was
//! before the update, as DynamoDB does; then SET, REMOVE, ADD and DELETE are applied.

use super::ast::{PathElem, SetOperand, SetValue, UpdateAction};
use super::paths;
use crate::error::AwsError;
use crate::services::dynamodb::value::{AttributeValue, Item};

fn invalid_path() -> AwsError {
    AwsError::validation(
        "The document path provided in the update expression is invalid for update",
    )
}

fn wrong_type() -> AwsError {
    AwsError::validation("An operand in the update expression has an incorrect data type")
}

/// The item after `actions`, computed from `old`.
pub fn apply(actions: &[UpdateAction], old: &Item) -> Result<Item, AwsError> {
    // Read every right-hand side first, against the old item.
    let mut writes = Vec::new();
    for action in actions {
        let path = action.path();
        let new = match action {
            UpdateAction::Set(_, value) => Some(set_value(value, old)?),
            UpdateAction::Remove(_) => None,
            UpdateAction::Add(_, value) => Some(add(paths::get(old, path), value)?),
            UpdateAction::Delete(_, value) => delete(paths::get(old, path), value)?,
        };
        writes.push((path, new));
    }
    // Writes first, then removals; removals from the same list go from the highest index
    // down, so every index refers to the old list.
    let (mut removals, sets): (Vec<_>, Vec<_>) = writes.into_iter().partition(|(_, v)| v.is_none());
    removals.sort_by_key(|(path, _)| match path.0.last() {
        Some(PathElem::Index(i)) => std::cmp::Reverse(*i),
        _ => std::cmp::Reverse(usize::MAX),
    });
    let mut item = old.clone();
    for (path, new) in sets.into_iter().chain(removals) {
        match new {
            Some(value) => paths::set(&mut item, path, value),
            None => paths::remove(&mut item, path),
        }
        .map_err(|_| invalid_path())?;
    }
    Ok(item)
}

fn set_value(value: &SetValue, item: &Item) -> Result<AttributeValue, AwsError> {
    let arithmetic = |a: &SetOperand, b: &SetOperand, minus: bool| match (
        operand(a, item)?,
        operand(b, item)?,
    ) {
        (AttributeValue::N(x), AttributeValue::N(y)) => Ok(AttributeValue::N(if minus {
            x.sub(&y)?
        } else {
            x.add(&y)?
        })),
        _ => Err(wrong_type()),
    };
    match value {
        SetValue::Operand(o) => operand(o, item),
        SetValue::Plus(a, b) => arithmetic(a, b, false),
        SetValue::Minus(a, b) => arithmetic(a, b, true),
    }
}

fn operand(operand: &SetOperand, item: &Item) -> Result<AttributeValue, AwsError> {
    match operand {
        SetOperand::Value(v) => Ok(v.clone()),
        SetOperand::Path(path) => paths::get(item, path).cloned().ok_or_else(|| {
            AwsError::validation(
                "The provided expression refers to an attribute that does not exist in the item",
            )
        }),
        SetOperand::IfNotExists(path, fallback) => match paths::get(item, path) {
            Some(v) => Ok(v.clone()),
            None => self::operand(fallback, item),
        },
        SetOperand::ListAppend(a, b) => match (self::operand(a, item)?, self::operand(b, item)?) {
            (AttributeValue::L(mut x), AttributeValue::L(y)) => {
                x.extend(y);
                Ok(AttributeValue::L(x))
            }
            _ => Err(wrong_type()),
        },
    }
}

/// `ADD`: numbers add (to 0 when absent), sets gain members.
fn add(
    current: Option<&AttributeValue>,
    value: &AttributeValue,
) -> Result<AttributeValue, AwsError> {
    use AttributeValue as V;
    Ok(match (current, value) {
        (None, v) => v.clone(),
        (Some(V::N(x)), V::N(y)) => V::N(x.add(y)?),
        (Some(V::Ss(x)), V::Ss(y)) => V::Ss(union(x, y)),
        (Some(V::Ns(x)), V::Ns(y)) => V::Ns(union(x, y)),
        (Some(V::Bs(x)), V::Bs(y)) => V::Bs(union(x, y)),
        _ => return Err(wrong_type()),
    })
}

/// `DELETE`: sets lose members; an emptied set disappears (`None`).
fn delete(
    current: Option<&AttributeValue>,
    value: &AttributeValue,
) -> Result<Option<AttributeValue>, AwsError> {
    use AttributeValue as V;
    Ok(match (current, value) {
        (None, _) => None,
        (Some(V::Ss(x)), V::Ss(y)) => difference(x, y).map(V::Ss),
        (Some(V::Ns(x)), V::Ns(y)) => difference(x, y).map(V::Ns),
        (Some(V::Bs(x)), V::Bs(y)) => difference(x, y).map(V::Bs),
        _ => return Err(wrong_type()),
    })
}

fn union<T: Ord + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out: Vec<T> = a.iter().chain(b).cloned().collect();
    out.sort();
    out.dedup();
    out
}

fn difference<T: Ord + Clone>(a: &[T], b: &[T]) -> Option<Vec<T>> {
    let out: Vec<T> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse_update;
    use super::super::Placeholders;
    use super::*;
    use crate::services::dynamodb::value::{item_from_json, item_to_json};
    use serde_json::{json, Value};

    fn run(expression: &str, item: Value) -> Result<Value, AwsError> {
        let values = json!({
            ":one": {"N": "1"}, ":half": {"N": "0.5"}, ":s": {"S": "x"}, ":l": {"L": [{"S": "z"}]},
            ":ss": {"SS": ["b", "c"]}, ":ns": {"NS": ["1"]}
        });
        let mut ph = Placeholders::from_request(None, values.as_object(), true).unwrap();
        let actions = parse_update(expression, &mut ph)?;
        let item = item_from_json(item.as_object().unwrap()).unwrap();
        apply(&actions, &item).map(|i| item_to_json(&i))
    }

    #[test]
    fn set_with_arithmetic_and_functions() {
        let out = run(
            "SET n = n + :one, m = n - :half, c = if_not_exists(c, :one), l = list_append(l, :l), s = :s",
            json!({"n": {"N": "41"}, "l": {"L": [{"S": "y"}]}}),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"n": {"N": "42"}, "m": {"N": "40.5"}, "c": {"N": "1"}, "l": {"L": [{"S": "y"}, {"S": "z"}]}, "s": {"S": "x"}})
        );
        assert!(run("SET n = n + :one", json!({}))
            .unwrap_err()
            .message
            .contains("does not exist"));
        assert!(run("SET n = s + :one", json!({"s": {"S": "a"}}))
            .unwrap_err()
            .message
            .contains("incorrect data type"));
        assert!(run("SET a.b = :one", json!({}))
            .unwrap_err()
            .message
            .contains("invalid for update"));
    }

    #[test]
    fn remove_add_delete() {
        let out = run(
            "REMOVE l[0], l[2], gone ADD n :one, ss :ss, fresh :ns DELETE tags :ss",
            json!({
                "l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}, "gone": {"S": "x"},
                "n": {"N": "1"}, "ss": {"SS": ["a", "b"]}, "tags": {"SS": ["b", "c"]}
            }),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({
                "l": {"L": [{"N": "1"}, {"N": "3"}]}, "n": {"N": "2"}, "ss": {"SS": ["a", "b", "c"]},
                "fresh": {"NS": ["1"]}
            })
        );
        assert!(run("ADD ss :one", json!({"ss": {"SS": ["a"]}})).is_err());
    }
}
