//! JSONata and workflow variables through the real aws-sdk-sfn client: a machine with a
//! Parallel and a Map runs to its output; an invalid one is refused at CreateStateMachine with
//! AWS's message; ValidateStateMachineDefinition tells both apart.

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};
use testkit::aws::{
    code_message, create_machine, execution_end, history, sfn_client, start_execution,
    validate_definition, MACHINE_ROLE,
};

use crate::stepfunctions::{output, try_create};

/// Orders: a first state assigns the tax rate, a Parallel prices the order and counts its
/// lines (a branch's own variable stays inside), a Map prices every line.
fn orders() -> Value {
    json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Rate",
        "States": {
            "Rate": {"Type": "Pass",
                     "Assign": {"rate": "{% $states.input.rate %}", "currency": "EUR"}, "Next": "Totals"},
            "Totals": {"Type": "Parallel", "Next": "Lines",
                "Assign": {"subtotal": "{% $states.result[0] %}", "count": "{% $states.result[1] %}"},
                "Output": "{% $states.input %}",
                "Branches": [
                    {"StartAt": "Sum", "States": {
                        "Sum": {"Type": "Pass", "Assign": {"inner": 1},
                                "Output": "{% $sum($states.input.lines.(qty * price)) %}", "End": true}}},
                    {"StartAt": "Count", "States": {
                        "Count": {"Type": "Pass", "Output": "{% $count($states.input.lines) %}", "End": true}}}
                ]},
            "Lines": {"Type": "Map", "Items": "{% $states.input.lines %}", "MaxConcurrency": "{% 2 %}",
                "ItemSelector": {"sku": "{% $states.context.Map.Item.Value.sku %}",
                                 "gross": "{% $states.context.Map.Item.Value.price * (1 + $rate) %}"},
                "ItemProcessor": {"StartAt": "Line", "States": {
                    "Line": {"Type": "Pass", "Output": "{% $merge([$states.input, {'currency': $currency}]) %}", "End": true}}},
                "Output": {
                    "lines": "{% $states.result %}",
                    "subtotal": "{% $subtotal %}",
                    "count": "{% $count %}",
                    "inner": "{% $exists($inner) %}"
                },
                "End": true}
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jsonata_machine_with_variables_parallel_and_map_runs_to_its_output() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let machine = create_machine(&sfn, "orders", orders()).await;
    let input = json!({"rate": 0.5, "lines": [
        {"sku": "a", "qty": 2, "price": 10},
        {"sku": "b", "qty": 1, "price": 4}
    ]});
    let execution = start_execution(&sfn, &machine, input).await;
    let described = execution_end(&sfn, &execution, 10).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    assert_eq!(
        output(&described),
        json!({
            "lines": [
                {"sku": "a", "gross": 15, "currency": "EUR"},
                {"sku": "b", "gross": 6, "currency": "EUR"}
            ],
            "subtotal": 24,
            "count": 2,
            "inner": false
        })
    );
    let events = history(&sfn, &execution).await;
    let rate_exit = events
        .iter()
        .find_map(|e| e.state_exited_event_details().filter(|d| d.name == "Rate"))
        .expect("Rate exited");
    let assigned = rate_exit.assigned_variables().expect("assignedVariables");
    assert_eq!(assigned.get("rate").map(String::as_str), Some("0.5"));
    assert_eq!(
        assigned.get("currency").map(String::as_str),
        Some("\"EUR\"")
    );
}

/// A JSONata state with a JSONPath-only field and a bad expression.
fn invalid() -> Value {
    json!({
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "InputPath": "$.x", "Output": "{% $states.input. %}", "End": true}
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_jsonata_machine_is_refused_and_validation_reports_both() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let refused = try_create(&sfn, "invalid", &invalid().to_string(), MACHINE_ROLE)
        .await
        .expect_err("the machine is refused");
    let (code, message) = code_message(&refused);
    assert_eq!(code, "InvalidDefinition");
    assert!(
        message.starts_with("Invalid State Machine Definition: '"),
        "{message}"
    );
    assert!(
        message.contains(
            "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"
        ),
        "{message}"
    );
    assert!(message.contains("/States/P/Output"), "{message}");

    let fail = validate_definition(&sfn, invalid()).await;
    assert_eq!(fail.result.as_str(), "FAIL");
    let locations: Vec<Option<&str>> = fail.diagnostics.iter().map(|d| d.location()).collect();
    assert!(locations.contains(&Some("/States/P")), "{locations:?}");
    assert!(
        locations.contains(&Some("/States/P/Output")),
        "{locations:?}"
    );

    let ok = validate_definition(&sfn, orders()).await;
    assert_eq!(ok.result.as_str(), "OK", "{:?}", ok.diagnostics);
}
