//! Fuzzing ASL definitions: random documents made of the language's own fields and values
//! (states of every type, paths, intrinsics, JSONata, Choice rules, Retry and Catch) go through
//! everything CreateStateMachine does (`validate_json`, the typed model, compilation) and,
//! when they are valid, run; nothing panics.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::common::{request, FakeInvoker};

use asl::engine::{CompiledMachine, Engine, TaskRequest, TokioClock};
use asl::model::Definition;
use asl::validate::{is_valid, validate, validate_json};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Field names of the language, at every level.
const FIELDS: &[&str] = &[
    "StartAt",
    "States",
    "Type",
    "Next",
    "End",
    "Comment",
    "QueryLanguage",
    "TimeoutSeconds",
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "Result",
    "Resource",
    "Arguments",
    "Output",
    "Assign",
    "Choices",
    "Default",
    "Variable",
    "StringEquals",
    "NumericGreaterThan",
    "IsPresent",
    "And",
    "Or",
    "Not",
    "Condition",
    "Seconds",
    "SecondsPath",
    "Timestamp",
    "Branches",
    "ItemsPath",
    "Items",
    "ItemSelector",
    "ItemProcessor",
    "Iterator",
    "ProcessorConfig",
    "Mode",
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "Retry",
    "Catch",
    "ErrorEquals",
    "MaxAttempts",
    "IntervalSeconds",
    "BackoffRate",
    "Error",
    "Cause",
    "ErrorPath",
    "CausePath",
    "HeartbeatSeconds",
    "x.$",
    "y",
];

/// Values the language gives meaning to.
const VALUES: &[&str] = &[
    "Pass",
    "Task",
    "Choice",
    "Wait",
    "Succeed",
    "Fail",
    "Parallel",
    "Map",
    "A",
    "B",
    "JSONata",
    "JSONPath",
    "INLINE",
    "DISTRIBUTED",
    "States.ALL",
    "States.TaskFailed",
    "$",
    "$.a",
    "$.a[0]",
    "$..b",
    "$$.Execution.Input",
    "$$.Map.Item.Value",
    "$v",
    "$.a[?(@.b > 1)]",
    "States.Format('{}', $.a)",
    "States.ArrayRange(1, 9, 2)",
    "States.StringToJson($.s)",
    "{% $states.input.a %}",
    "{% $x := 1 %}",
    "{% ( %}",
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::aws-sdk:dynamodb:getItem",
    "arn:aws:lambda:us-east-1:1:function:f",
    "2016-03-14T01:59:00Z",
    "",
];

/// A random value: literal scalars, the language's values, and nested arrays and objects whose
/// keys are its fields.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..1000).prop_map(Value::from),
        Just(json!(1.5)),
        proptest::sample::select(VALUES).prop_map(|v| Value::String(v.to_string())),
    ];
    leaf.prop_recursive(5, 64, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(FIELDS), inner), 0..6).prop_map(
                |kvs| Value::Object(kvs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            ),
        ]
    })
}

/// A state of a random type with random fields, sometimes with a valid transition.
fn state() -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(&VALUES[..8]),
        proptest::collection::vec((proptest::sample::select(FIELDS), value()), 0..5),
        proptest::sample::select(vec![json!({"End": true}), json!({"Next": "B"}), json!({})]),
    )
        .prop_map(|(kind, fields, transition)| {
            let mut state: Map<String, Value> = fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            state.insert("Type".into(), json!(kind));
            if let Value::Object(t) = transition {
                state.extend(t);
            }
            Value::Object(state)
        })
}

/// A definition with states `A` and `B`, sometimes in JSONata.
fn definition() -> impl Strategy<Value = Value> {
    (state(), state(), any::<bool>()).prop_map(|(a, b, jsonata)| {
        let mut def = json!({"StartAt": "A", "States": {"A": a, "B": b}});
        if jsonata {
            def["QueryLanguage"] = json!("JSONata");
        }
        def
    })
}

/// Runs a valid definition for a moment of virtual time; a run that waits longer is left.
fn run_briefly(definition: &Value, input: Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let invoker = FakeInvoker::new(|r: TaskRequest| async move { Ok(r.parameters) });
        let engine = Engine::new(
            invoker,
            Arc::new(TokioClock::starting_at(SystemTime::UNIX_EPOCH)),
        );
        if let Ok(execution) = engine.start(request("fuzz", definition, input)) {
            let _ = tokio::time::timeout(Duration::from_secs(600), execution.wait()).await;
        }
    });
}

proptest! {
    #![proptest_config(testkit::fuzz::config(testkit::fuzz::DEFAULT_CASES))]

    #[test]
    fn random_definitions_never_panic(def in definition(), input in value()) {
        let text = def.to_string();
        let diagnostics = validate_json(&text);
        if let Ok(parsed) = Definition::from_value(&def) {
            let _ = validate(&parsed);
            let _ = parsed.to_value();
            let _ = CompiledMachine::compile(parsed);
            if is_valid(&diagnostics) {
                run_briefly(&def, input);
            }
        }
    }

    #[test]
    fn random_documents_never_panic(doc in value()) {
        let _ = validate_json(&doc.to_string());
        let _ = Definition::from_value(&doc);
    }
}
