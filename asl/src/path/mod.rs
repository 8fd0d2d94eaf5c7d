//! The data layer of the JSONPath query language: JSONPath queries, reference paths (for
//! `ResultPath`), intrinsic functions and payload templates (`Parameters`, `ItemSelector`,
//! `ResultSelector`), all working on [`serde_json::Value`].
//!
//! Everything here is parsed once and evaluated many times. Failures are [`PathError`]s that carry
//! the error name AWS reports (`States.Runtime`, `States.IntrinsicFailure`) and a cause worded as
//! AWS words it, minus the `An error occurred while executing the state '…' (entered at the event
//! id #…). ` prefix, which is the interpreter's to add.

mod cursor;
mod intrinsics;
mod jsonpath;
mod template;

pub use intrinsics::Intrinsic;
pub use jsonpath::{JsonPath, ReferencePath, Roots, Variables};
pub use template::PayloadTemplate;

/// Error name AWS uses for failures of paths, templates and `ResultPath`.
const STATES_RUNTIME: &str = "States.Runtime";
/// Error name AWS uses for failed intrinsic functions.
const STATES_INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";

/// A failure to parse or to evaluate a path, an intrinsic function or a payload template.
///
/// [`PathError::error`] is the AWS error name and [`PathError::cause`] (the same text as
/// `Display`) the AWS cause. The fields are public so callers can word their own messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The text is not a JSONPath (or not a reference path where one is required).
    #[error("Invalid path '{path}' : {reason}")]
    InvalidPath {
        /// The path as written.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The text is not a well-formed intrinsic function call.
    #[error("Invalid intrinsic function '{expression}' : {reason}")]
    InvalidIntrinsic {
        /// The expression as written.
        expression: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A payload template field ending in `.$` does not hold a path or an intrinsic call.
    #[error("The value for the field '{field}' {reason}")]
    InvalidTemplate {
        /// The field name, `.$` included.
        field: String,
        /// What is wrong with its value.
        reason: String,
    },
    /// A definite path selected nothing, or met a value it cannot walk through. This is the
    /// wording AWS uses for `InputPath`, `OutputPath` and `ItemsPath`, e.g.
    /// `Invalid path '$.missing' : No results for path: $['missing']`.
    #[error("Invalid path '{path}' : {reason}")]
    NotFound {
        /// The path as written.
        path: String,
        /// The JSONPath library's explanation, e.g. `No results for path: $['missing']`.
        reason: String,
    },
    /// A payload template field's path selected nothing.
    #[error(
        "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
    )]
    FieldNotFound {
        /// The field name, `.$` included.
        field: String,
        /// The path as written.
        path: String,
        /// The document the path was evaluated against, as compact JSON.
        input: String,
    },
    /// An intrinsic function's JSONPath argument selected nothing or could not be evaluated
    /// (`States.Runtime`).
    #[error("The function '{expression}' had the following error: {reason}")]
    IntrinsicArgument {
        /// The whole intrinsic expression as written (the outermost call).
        expression: String,
        /// Why the argument failed, e.g. `The JsonPath argument for the field '$.x' could not be
        /// found in the input '{}'`.
        reason: String,
    },
    /// An intrinsic function rejected its arguments (`States.IntrinsicFailure`).
    #[error("The function '{expression}' had the following error: {reason}")]
    IntrinsicFailure {
        /// The whole intrinsic expression as written (the outermost call).
        expression: String,
        /// Why the function failed.
        reason: String,
    },
    /// A path reads a workflow variable that is not set.
    #[error("The variable '${name}' referenced by '{path}' is not defined")]
    UndefinedVariable {
        /// The variable's name, without `$`.
        name: String,
        /// The path as written.
        path: String,
    },
    /// A `ResultPath` that cannot be applied to the state input, e.g. a field set on a string.
    #[error("Unable to apply ResultPath '{path}' to input '{input}'")]
    ResultPath {
        /// The `ResultPath` as written.
        path: String,
        /// The state input, as compact JSON.
        input: String,
    },
}

impl PathError {
    /// The AWS error name: `States.Runtime` or `States.IntrinsicFailure`.
    pub fn error(&self) -> &'static str {
        match self {
            PathError::InvalidIntrinsic { .. } | PathError::IntrinsicFailure { .. } => {
                STATES_INTRINSIC_FAILURE
            }
            PathError::InvalidPath { .. }
            | PathError::InvalidTemplate { .. }
            | PathError::NotFound { .. }
            | PathError::FieldNotFound { .. }
            | PathError::IntrinsicArgument { .. }
            | PathError::UndefinedVariable { .. }
            | PathError::ResultPath { .. } => STATES_RUNTIME,
        }
    }

    /// The AWS cause, without the interpreter's `An error occurred while executing the state …`
    /// prefix.
    pub fn cause(&self) -> String {
        self.to_string()
    }
}

/// Compact JSON text of a value, as AWS quotes documents in causes.
fn compact(value: &serde_json::Value) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Characters that make up paths and intrinsic calls, to reach deep into the parsers.
    const SYNTAX: &str = "$@.[]()'\"\\*?:,=!<>&|-0123456789 abxyStes{}";

    fn syntax_soup(max: usize) -> impl Strategy<Value = String> {
        let chars: Vec<char> = SYNTAX.chars().collect();
        proptest::collection::vec(proptest::sample::select(chars), 0..max)
            .prop_map(|chars| chars.into_iter().collect())
    }

    fn sample() -> serde_json::Value {
        json!({"a": [1, {"b": "x", "x": 2}, [3, null]], "b": {"a": {"b": 1}}, "x": "1,2", "n": null})
    }

    proptest! {
        #![proptest_config(testkit::fuzz::config(testkit::fuzz::DEFAULT_CASES))]

        #[test]
        fn parsers_never_panic_on_arbitrary_text(text in any::<String>()) {
            let _ = JsonPath::parse(&text);
            let _ = ReferencePath::parse(&text);
            let _ = Intrinsic::parse(&text);
        }

        #[test]
        fn paths_never_panic(tail in syntax_soup(40)) {
            let doc = sample();
            for text in [format!("${tail}"), format!("$.a{tail}"), format!("$..{tail}"), format!("$[?({tail})]")] {
                if let Ok(path) = JsonPath::parse(&text) {
                    let _ = path.eval(&doc);
                }
                if let Ok(path) = ReferencePath::parse(&text) {
                    let mut target = doc.clone();
                    let _ = path.set(&mut target, json!(1));
                }
            }
        }

        #[test]
        fn intrinsics_never_panic(args in syntax_soup(40), name in proptest::sample::select(vec![
            "Format", "StringToJson", "JsonToString", "Array", "ArrayPartition", "ArrayContains",
            "ArrayRange", "ArrayGetItem", "ArrayLength", "ArrayUnique", "Base64Encode",
            "Base64Decode", "Hash", "JsonMerge", "MathRandom", "MathAdd", "StringSplit", "UUID",
        ])) {
            let text = format!("States.{name}({args})");
            if let Ok(call) = Intrinsic::parse(&text) {
                let _ = call.eval(&sample(), &sample());
            }
        }

        #[test]
        fn intrinsics_with_real_arguments_never_panic(
            name in proptest::sample::select(vec![
                "Format", "StringToJson", "JsonToString", "Array", "ArrayPartition", "ArrayContains",
                "ArrayRange", "ArrayGetItem", "ArrayLength", "ArrayUnique", "Base64Encode",
                "Base64Decode", "Hash", "JsonMerge", "MathRandom", "MathAdd", "StringSplit",
            ]),
            args in proptest::collection::vec(proptest::sample::select(vec![
                "$.a", "$.b", "$.x", "$.n", "$.a[*]", "'{}'", "'x,y'", "'SHA-1'", "''", "0", "-3",
                "2.5", "1e300", "-9223372036854775808", "18446744073709551615", "true", "false",
                "null", "States.Array(1, 2, 2)", "States.StringToJson('{\"k\": [1]}')",
            ]), 0..4),
        ) {
            let text = format!("States.{name}({})", args.join(", "));
            if let Ok(call) = Intrinsic::parse(&text) {
                let _ = call.eval(&sample(), &sample());
            }
        }
    }

    #[test]
    fn huge_inputs_do_not_overflow_the_stack() {
        let long = format!("${}", ".a".repeat(100_000));
        assert!(JsonPath::parse(&long).unwrap().eval(&json!({})).is_err());
        let nested = format!("$[?({}@.a{})]", "!".repeat(100_000), "");
        assert!(JsonPath::parse(&nested).is_err());
        let brackets = format!("${}", "[?(".repeat(100_000));
        assert!(JsonPath::parse(&brackets).is_err());
        let calls = "States.Array(".repeat(100_000);
        assert!(Intrinsic::parse(&calls).is_err());
        // A document deeper than serde_json would parse, scanned without recursion. (Cloning
        // or dropping it recurses inside serde_json, so nothing here copies it and it is leaked.)
        let mut deep = json!(1);
        for _ in 0..20_000 {
            let mut map = serde_json::Map::new();
            map.insert("a".to_owned(), serde_json::Value::Array(vec![deep]));
            deep = serde_json::Value::Object(map);
        }
        let found = JsonPath::parse("$..zzz").unwrap().eval(&deep).unwrap();
        assert_eq!(found, json!([]));
        let found = JsonPath::parse("$..[?(@.zzz)]")
            .unwrap()
            .eval(&deep)
            .unwrap();
        assert_eq!(found, json!([]));
        std::mem::forget(deep);
    }

    #[test]
    fn error_names_and_causes_follow_aws() {
        let e = PathError::FieldNotFound {
            field: "a.$".into(),
            path: "$.missing".into(),
            input: r#"{"x":1}"#.into(),
        };
        assert_eq!(e.error(), "States.Runtime");
        assert_eq!(
            e.cause(),
            r#"The JSONPath '$.missing' specified for the field 'a.$' could not be found in the input '{"x":1}'"#
        );

        let e = PathError::NotFound {
            path: "$.missing".into(),
            reason: "No results for path: $['missing']".into(),
        };
        assert_eq!(e.error(), "States.Runtime");
        assert_eq!(
            e.cause(),
            "Invalid path '$.missing' : No results for path: $['missing']"
        );

        let e = PathError::IntrinsicFailure {
            expression: "States.ArrayGetItem($.a, 9)".into(),
            reason: "boom".into(),
        };
        assert_eq!(e.error(), "States.IntrinsicFailure");
        assert_eq!(
            e.cause(),
            "The function 'States.ArrayGetItem($.a, 9)' had the following error: boom"
        );
    }
}
