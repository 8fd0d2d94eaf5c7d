//! How deeply a value nests, measured without recursion: a value built by a state machine
//! (a Pass state that wraps its input, in a loop) can nest deeper than any code that walks it
//! recursively (serialising, cloning, dropping) can follow on a thread's stack.

use serde_json::Value;

/// The deepest nesting of arrays and objects a state may produce: the deepest a JSON parser
/// with serde_json's default recursion limit (128) reads back, so every recorded payload
/// replays.
pub(crate) const MAX_NESTING: usize = 127;

/// True when `value` nests arrays and objects more than `max` levels deep. Walks at most
/// the whole value once, iteratively.
pub(crate) fn nests_deeper_than(value: &Value, max: usize) -> bool {
    let mut pending: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(members) => Box::new(members.values()),
            _ => continue,
        };
        if depth + 1 > max {
            return true;
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> Value {
        let mut value = Value::Null;
        for _ in 0..levels {
            value = serde_json::json!({ "a": [value] });
        }
        value
    }

    #[test]
    fn counts_arrays_and_objects_and_what_it_allows_parses_back() {
        assert!(!nests_deeper_than(&Value::Null, 0));
        assert!(!nests_deeper_than(&serde_json::json!({"a": 1}), 1));
        assert!(nests_deeper_than(&serde_json::json!({"a": [1]}), 1));
        let allowed = serde_json::json!([nested(MAX_NESTING / 2)]);
        assert!(!nests_deeper_than(&allowed, MAX_NESTING));
        let text = allowed.to_string();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), allowed);
        let refused = serde_json::json!([allowed]);
        assert!(nests_deeper_than(&refused, MAX_NESTING));
        assert!(serde_json::from_str::<Value>(&refused.to_string()).is_err());
    }
}
