//! JSONata and workflow variables through the real aws-sdk-sfn client: a machine with a
//! Parallel and a Map runs to its output; an invalid one is refused at CreateStateMachine with
//! AWS's message; ValidateStateMachineDefinition tells both apart.

use std::time::Duration;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::Client;
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::123456789012:role/sfn-test";

fn client(endpoint: &str) -> Client {
    Client::new(&testkit::aws::sdk_config(endpoint))
}

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
    let sfn = client(&emulator.endpoint());
    let machine = sfn
        .create_state_machine()
        .name("orders")
        .definition(orders().to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("the machine is created")
        .state_machine_arn;
    let input = json!({"rate": 0.5, "lines": [
        {"sku": "a", "qty": 2, "price": 10},
        {"sku": "b", "qty": 1, "price": 4}
    ]});
    let execution = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .input(input.to_string())
        .send()
        .await
        .expect("the execution starts")
        .execution_arn;
    let mut described = None;
    for _ in 0..200 {
        let d = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap();
        if d.status != ExecutionStatus::Running {
            described = Some(d);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let described = described.expect("the execution ends");
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    let output: Value = serde_json::from_str(described.output.as_deref().unwrap()).unwrap();
    assert_eq!(
        output,
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
    let history = sfn
        .get_execution_history()
        .execution_arn(&execution)
        .send()
        .await
        .unwrap();
    let rate_exit = history
        .events
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
    let sfn = client(&emulator.endpoint());
    let refused = sfn
        .create_state_machine()
        .name("invalid")
        .definition(invalid().to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect_err("the machine is refused");
    let service = refused.as_service_error().expect("a service error");
    assert_eq!(service.code(), Some("InvalidDefinition"));
    let message = service.message().unwrap_or_default();
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

    let fail = sfn
        .validate_state_machine_definition()
        .definition(invalid().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(fail.result.as_str(), "FAIL");
    let locations: Vec<Option<&str>> = fail.diagnostics.iter().map(|d| d.location()).collect();
    assert!(locations.contains(&Some("/States/P")), "{locations:?}");
    assert!(
        locations.contains(&Some("/States/P/Output")),
        "{locations:?}"
    );

    let ok = sfn
        .validate_state_machine_definition()
        .definition(orders().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.result.as_str(), "OK", "{:?}", ok.diagnostics);
}
