//! Property tests: parsing and evaluating arbitrary input never panics.

use std::time::Duration;

use jsonata::{Bindings, Expression, Limits, Options};
use proptest::prelude::*;
use serde_json::Value;

const TOKENS: &[&str] = &[
    "$",
    "$$",
    "$x",
    "a",
    "b",
    "`c d`",
    ".",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    ";",
    "?",
    "+",
    "-",
    "*",
    "/",
    "%",
    "&",
    "=",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "~>",
    "..",
    ":=",
    "@",
    "#",
    "^",
    "|",
    "**",
    "??",
    "?:",
    "1",
    "0",
    "2.5",
    "-3",
    "1e400",
    "'s'",
    "\"t\"",
    "true",
    "false",
    "null",
    "and",
    "or",
    "in",
    "function($x){$x}",
    "λ($a,$b)<nn:n>{$a+$b}",
    "$map",
    "$sum",
    "$string",
    "$count",
    "$sort",
    "$reduce",
    "$formatNumber",
    "$fromMillis",
    "$toMillis",
    "$match",
    "$replace",
    "$split",
    "$keys",
    "$lookup",
    "$each",
    "$eval",
    "/a+/i",
    "/(x)*/",
    " ",
    "'[Y0001]-[M01]'",
    "'#,##0.00'",
    "'w'",
    "?",
];

fn expression() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|v| v.concat())
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-c]{0,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn run(src: &str, input: &Value) {
    let options = Options {
        limits: Limits {
            max_depth: 200,
            max_time: Duration::from_millis(200),
        },
        ..Options::default()
    };
    if let Ok(e) = Expression::parse(src) {
        let _ = e.evaluate_with(Some(input), &Bindings::default(), &options);
        let _ = e.evaluate_with(
            None,
            &Bindings::default(),
            &Options {
                aws_functions: true,
                ..options.clone()
            },
        );
        let _ = e.variables();
    }
}

proptest! {
    #![proptest_config(testkit::fuzz::config(testkit::fuzz::DEFAULT_CASES))]

    #[test]
    fn token_soup_never_panics(src in expression(), input in json()) {
        run(&src, &input);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,60}", input in json()) {
        run(&src, &input);
    }
}
