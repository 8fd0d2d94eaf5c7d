//! Property tests: the parsers and the evaluator never panic, whatever the text.

use proptest::prelude::*;
use serde_json::json;

use super::parser::{parse_condition, parse_projection, parse_update};
use super::{eval, update, Kind, Placeholders};
use crate::services::dynamodb::value::{item_from_json, Item};

fn placeholders() -> Placeholders {
    let names = json!({"#a": "a", "#b": "b"});
    let values =
        json!({":v": {"S": "x"}, ":n": {"N": "1"}, ":l": {"L": [{"N": "2"}]}, ":s": {"SS": ["q"]}});
    Placeholders::from_request(names.as_object(), values.as_object(), true).unwrap_or_default()
}

fn item() -> Item {
    let item = json!({"a": {"M": {"b": {"L": [{"N": "1"}, {"S": "x"}]}}}, "b": {"N": "3"}, "c": {"SS": ["q"]}});
    item.as_object()
        .map(|m| item_from_json(m).unwrap_or_default())
        .unwrap_or_default()
}

/// The expression languages' pieces, so generated text gets past the parsers' first token.
const PIECES: &[&str] = &[
    "a",
    "#a",
    "#b",
    "#zz",
    ":v",
    ":n",
    ":l",
    ":s",
    ":undefined",
    ".",
    "[",
    "]",
    "0",
    "7",
    "(",
    ")",
    ",",
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "SET",
    "REMOVE",
    "ADD",
    "DELETE",
    "size",
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "if_not_exists",
    "list_append",
    "status",
    " ",
    "$",
    "é",
    "#",
    ":",
];

fn expression_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|pieces| pieces.join(" "))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        expression_text(),
        any::<String>(),
        "[a-z#:().,=<> \\[\\]0-9+-]{0,60}"
    ]
}

proptest! {
    #![proptest_config(testkit::fuzz::config(testkit::fuzz::DEFAULT_CASES))]

    #[test]
    fn conditions_never_panic(text in any_text()) {
        for kind in [Kind::Condition, Kind::KeyCondition] {
            let mut ph = placeholders();
            if let Ok(condition) = parse_condition(&text, kind, &mut ph) {
                let _ = eval::evaluate(&condition, &item());
                let _ = ph.check_all_used();
            }
        }
    }

    #[test]
    fn updates_never_panic(text in any_text()) {
        let mut ph = placeholders();
        if let Ok(actions) = parse_update(&text, &mut ph) {
            let _ = update::apply(&actions, &item());
        }
    }

    #[test]
    fn projections_never_panic(text in any_text()) {
        let mut ph = placeholders();
        if let Ok(paths) = parse_projection(&text, &mut ph) {
            let _ = paths.project(&item());
        }
    }
}
