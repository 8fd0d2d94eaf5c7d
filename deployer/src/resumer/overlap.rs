//! Whether a success pattern and a failure pattern can match the same event, shown by an event
//! that matches both.
//!
//! The search builds candidate events from the values each pattern's matchers name (a prefix
//! itself, a number next to each numeric bound, a wildcard with its stars emptied, …) and checks
//! each with the `event_pattern` matcher (EventBridge's semantics). An event it reports matches both
//! for certain; an overlap made only of values no matcher names can go unseen.

use std::collections::BTreeMap;

use event_pattern::Pattern;
use serde_json::{json, Map, Value};

/// A field path in an event (`["detail", "status"]`).
type FieldPath = Vec<String>;
/// The values worth trying at one field; `None` leaves the field out.
type Candidates = Vec<Option<Value>>;

/// The most candidate events tried before giving up.
const MAX_TRIES: usize = 20_000;

/// An event that both patterns match, if the search finds one.
pub fn common_event(success: &Value, failure: &Value) -> Option<Value> {
    let (Ok(a), Ok(b)) = (Pattern::from_value(success), Pattern::from_value(failure)) else {
        return None;
    };
    let mut first = BTreeMap::new();
    let mut second = BTreeMap::new();
    collect(success, &[], false, &mut first);
    collect(failure, &[], false, &mut second);
    let mut fields: BTreeMap<FieldPath, Candidates> = BTreeMap::new();
    for (path, values) in first.iter().chain(second.iter()) {
        let slot = fields.entry(path.clone()).or_default();
        for value in values {
            if !slot.contains(value) {
                slot.push(value.clone());
            }
        }
    }
    let fields: Vec<(FieldPath, Candidates)> = fields.into_iter().collect();
    let mut tries = 0;
    let mut chosen = Vec::with_capacity(fields.len());
    search(&fields, &mut chosen, &mut tries, &|event| {
        a.matches(event) && b.matches(event)
    })
}

/// Depth-first over the fields' candidates, up to [`MAX_TRIES`] complete events.
fn search(
    fields: &[(FieldPath, Candidates)],
    chosen: &mut Vec<Option<Value>>,
    tries: &mut usize,
    both: &dyn Fn(&Value) -> bool,
) -> Option<Value> {
    if chosen.len() == fields.len() {
        *tries += 1;
        let event = build(fields, chosen);
        return both(&event).then_some(event);
    }
    for candidate in &fields[chosen.len()].1 {
        if *tries >= MAX_TRIES {
            return None;
        }
        chosen.push(candidate.clone());
        let found = search(fields, chosen, tries, both);
        chosen.pop();
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The event with each field set to its chosen value.
fn build(fields: &[(FieldPath, Candidates)], chosen: &[Option<Value>]) -> Value {
    let mut event = Value::Object(Map::new());
    for ((path, _), value) in fields.iter().zip(chosen) {
        let Some(value) = value else { continue };
        let mut at = &mut event;
        for (i, name) in path.iter().enumerate() {
            if !at.is_object() {
                *at = Value::Object(Map::new());
            }
            let map = at.as_object_mut().expect("made an object above");
            if i + 1 == path.len() {
                map.insert(name.clone(), value.clone());
                break;
            }
            at = map
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    event
}

/// Every leaf of a pattern with the values its matchers suggest; fields inside `$or` may also be
/// left out.
fn collect(
    pattern: &Value,
    prefix: &[String],
    optional: bool,
    out: &mut BTreeMap<FieldPath, Candidates>,
) {
    let Some(map) = pattern.as_object() else {
        return;
    };
    for (name, value) in map {
        if name == "$or" {
            for alternative in value.as_array().into_iter().flatten() {
                collect(alternative, prefix, true, out);
            }
            continue;
        }
        let mut path = prefix.to_vec();
        path.push(name.clone());
        match value {
            Value::Object(_) => collect(value, &path, optional, out),
            Value::Array(matchers) => {
                let slot = out.entry(path).or_default();
                if optional {
                    slot.push(None);
                }
                for matcher in matchers {
                    for candidate in candidates(matcher) {
                        if !slot.contains(&candidate) {
                            slot.push(candidate);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// The values one matcher suggests trying.
fn candidates(matcher: &Value) -> Candidates {
    let Some(map) = matcher.as_object() else {
        return vec![Some(matcher.clone())];
    };
    let mut found = Vec::new();
    for (operator, operand) in map {
        match operator.as_str() {
            "prefix" => {
                let text = affix_text(operand);
                found.push(json!(text));
                found.push(json!(format!("{text}-x")));
            }
            "suffix" => {
                let text = affix_text(operand);
                found.push(json!(text));
                found.push(json!(format!("x-{text}")));
            }
            "equals-ignore-case" => found.push(operand.clone()),
            "wildcard" => {
                let text = operand.as_str().unwrap_or_default();
                found.push(json!(text.replace('*', "")));
                found.push(json!(text.replace('*', "x")));
            }
            "cidr" => {
                let network = operand.as_str().unwrap_or_default();
                found.push(json!(network.split('/').next().unwrap_or_default()));
            }
            "numeric" => {
                for bound in operand.as_array().into_iter().flatten() {
                    if let Some(v) = bound.as_f64() {
                        found.extend([v, v - 1.0, v + 1.0, v - 0.5, v + 0.5].map(|n| json!(n)));
                    }
                }
            }
            "exists" => found.push(json!("x")),
            "anything-but" => {
                found.push(json!("sfn-resume-anything-else"));
                found.push(json!(-123_456.5));
            }
            _ => {}
        }
    }
    let mut values: Candidates = found.into_iter().map(Some).collect();
    if map.get("exists") == Some(&Value::Bool(false)) {
        values = vec![None];
    }
    values
}

/// The text of `{"prefix": "a"}` or `{"prefix": {"equals-ignore-case": "a"}}`.
fn affix_text(operand: &Value) -> String {
    match operand {
        Value::String(text) => text.clone(),
        Value::Object(inner) => inner
            .values()
            .next()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::common_event;
    use serde_json::{json, Value};

    fn both(a: Value, b: Value) -> Option<Value> {
        common_event(&a, &b)
    }

    #[test]
    fn disjoint_literals_do_not_overlap() {
        let found = both(
            json!({"source": ["orders"], "detail-type": ["Shipped"]}),
            json!({"source": ["orders"], "detail-type": ["Lost"]}),
        );
        assert_eq!(found, None);
    }

    #[test]
    fn a_pattern_and_a_narrower_one_overlap() {
        let found = both(
            json!({"source": ["pay"]}),
            json!({"source": ["pay"], "detail": {"status": ["declined"]}}),
        )
        .expect("an event both match");
        assert_eq!(
            found,
            json!({"source": "pay", "detail": {"status": "declined"}})
        );
    }

    #[test]
    fn prefixes_numbers_and_anything_but_overlap_where_they_meet() {
        let found = both(
            json!({"detail": {"amount": [{"numeric": [">", 0]}], "status": [{"prefix": "ok"}]}}),
            json!({"detail": {"amount": [{"numeric": ["<", 10]}], "status": [{"anything-but": "no"}]}}),
        )
        .expect("an event both match");
        let amount = found["detail"]["amount"].as_f64().unwrap();
        assert!(amount > 0.0 && amount < 10.0, "{found}");
        assert!(found["detail"]["status"]
            .as_str()
            .unwrap()
            .starts_with("ok"));
    }

    #[test]
    fn exists_false_against_a_value_does_not_overlap() {
        let found = both(
            json!({"source": ["a"], "detail": {"error": [{"exists": false}]}}),
            json!({"source": ["a"], "detail": {"error": [{"exists": true}]}}),
        );
        assert_eq!(found, None);
    }

    #[test]
    fn or_alternatives_are_searched() {
        let found = both(
            json!({"source": ["a"], "$or": [{"detail": {"x": ["1"]}}, {"detail": {"y": ["2"]}}]}),
            json!({"source": ["a"], "detail": {"y": ["2"]}}),
        );
        assert!(found.is_some());
    }
}
