//! The typed model of an Amazon States Language definition (JSONPath query language).
//!
//! Every state type and field that Step Functions documents for the JSONPath query language is
//! modelled; anything else found in a definition (newer fields, JSONata fields, comments in odd
//! places) is kept verbatim in an `extra` map and written back unchanged, because the resume
//! planner rewrites users' definitions and must never drop what it does not understand.
//!
//! Parse with [`Definition::from_json`] or [`Definition::from_value`]; write back with
//! [`Definition::to_value`]. Parsing errors name the state and the field.

mod choice_rule;
mod error;
mod fields;
mod machine;
mod state;

pub use choice_rule::{ChoiceRule, Comparison, Condition, Operator};
pub use error::ParseError;
pub use fields::is_jsonata_expression;
pub use machine::{Definition, Machine};
pub use state::{
    Catcher, ChoiceState, FailState, MapState, ParallelState, PassState, Retrier, State, StateKind,
    SucceedState, TaskState, Transition, WaitState,
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_errors_name_the_state_and_the_field() {
        let def = json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": "three"}]}}});
        let err = Definition::from_value(&def).unwrap_err();
        assert_eq!(err.state.as_deref(), Some("T"));
        assert_eq!(err.field.as_deref(), Some("MaxAttempts"));
        assert_eq!(err.location, "/States/T/Retry/0/MaxAttempts");
        assert_eq!(
            err.to_string(),
            "state 'T', field 'MaxAttempts': must be a non-negative integer, found a string \
             (at /States/T/Retry/0/MaxAttempts)"
        );

        let nested = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Wait", "Seconds": -1, "End": true}}}]}}});
        let err = Definition::from_value(&nested).unwrap_err();
        assert_eq!(err.state.as_deref(), Some("X"));
        assert_eq!(err.location, "/States/P/Branches/0/States/X/Seconds");
    }

    #[test]
    fn every_state_type_round_trips_with_unknown_fields_kept() {
        let def = json!({
            "Comment": "all types", "StartAt": "Pass", "TimeoutSeconds": 60, "Future": {"x": 1},
            "States": {
                "Pass": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": null, "Next": "Choice", "Odd": true},
                "Choice": {"Type": "Choice", "Default": "Wait", "Choices": [
                    {"Not": {"Variable": "$.a", "IsPresent": true}, "Next": "Fail"},
                    {"Or": [{"Variable": "$.n", "NumericGreaterThanPath": "$.m"},
                            {"Variable": "$.s", "StringMatches": "a*"}], "Next": "Map"}]},
                "Wait": {"Type": "Wait", "SecondsPath": "$.w", "Next": "Task"},
                "Task": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Parameters": {"x.$": "$.x"}, "TimeoutSeconds": 5,
                         "Retry": [{"ErrorEquals": ["States.ALL"], "JitterStrategy": "FULL"}],
                         "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Fail"}],
                         "Next": "Parallel"},
                "Parallel": {"Type": "Parallel", "Next": "Map", "Branches": [
                    {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}]},
                "Map": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "Next": "Done",
                        "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}},
                "Done": {"Type": "Succeed"},
                "Fail": {"Type": "Fail", "ErrorPath": "$.err.Error", "CausePath": "$.err.Cause"}
            }
        });
        let parsed = Definition::from_value(&def).unwrap();
        assert_eq!(
            parsed.to_value(),
            def,
            "written back as read (key order aside)"
        );
        assert!(matches!(parsed.states["Map"].kind, StateKind::Map(ref m) if m.uses_iterator));
        assert_eq!(parsed.extra["Future"], json!({"x": 1}));
        assert_eq!(parsed.states["Pass"].extra["Odd"], json!(true));
    }

    #[test]
    fn malformed_choice_rules_are_refused() {
        let rule = |r: serde_json::Value| json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [r]}}});
        for (bad, expected) in [
            (
                json!({"Variable": "$.a", "Next": "C"}),
                "no comparison operator",
            ),
            (
                json!({"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "C"}),
                "one comparison operator",
            ),
            (
                json!({"Variable": "$.a", "NumericEquals": "1", "Next": "C"}),
                "must be a number",
            ),
            (
                json!({"StringEquals": "x", "Next": "C"}),
                "needs a 'Variable'",
            ),
            (json!({"Next": "C"}), "needs a comparison"),
        ] {
            let err = Definition::from_value(&rule(bad)).unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
            assert!(err.contains("state 'C'"), "{err}");
        }
    }
}
