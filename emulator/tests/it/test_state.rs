//! TestState through the real SDK: a Pass (with DEBUG inspection data), a Choice (its next
//! state), and Task states calling DynamoDB for real (success, a caught error, a retriable one,
//! a failure).

use aws_sdk_sfn::types::{InspectionLevel, TestExecutionStatus};
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::123456789012:role/sfn-test";

/// Undoes the `sync-` host prefix the SDK puts on TestState's endpoint (the Rust SDK has no
/// switch for it; the AWS CLI has `AWS_DISABLE_HOST_PREFIX_INJECTION=true`).
#[derive(Debug)]
struct NoHostPrefix;

impl aws_sdk_sfn::config::Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_signing(
        &self,
        context: &mut aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _: &aws_sdk_sfn::config::RuntimeComponents,
        _: &mut aws_sdk_sfn::config::ConfigBag,
    ) -> Result<(), aws_sdk_sfn::error::BoxError> {
        let uri = context.request().uri().replace("://sync-", "://");
        context.request_mut().set_uri(uri)?;
        Ok(())
    }
}

fn client(emulator: &emulator::Emulator) -> aws_sdk_sfn::Client {
    let config =
        aws_sdk_sfn::config::Builder::from(&testkit::aws::sdk_config(&emulator.endpoint()))
            .interceptor(NoHostPrefix)
            .build();
    aws_sdk_sfn::Client::from_conf(config)
}

async fn test_state(
    sfn: &aws_sdk_sfn::Client,
    state: Value,
    input: Value,
    level: InspectionLevel,
) -> aws_sdk_sfn::operation::test_state::TestStateOutput {
    sfn.test_state()
        .definition(state.to_string())
        .role_arn(ROLE)
        .input(input.to_string())
        .inspection_level(level)
        .send()
        .await
        .expect("TestState answers")
}

fn parsed(text: Option<&str>) -> Value {
    serde_json::from_str(text.unwrap_or("null")).unwrap()
}

#[tokio::test]
async fn a_pass_state_shows_its_data_flow() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let out = test_state(
        &sfn,
        json!({"Type": "Pass", "InputPath": "$.order", "Parameters": {"id.$": "$.id"},
               "ResultPath": "$.picked", "Next": "Ship"}),
        json!({"order": {"id": 7, "qty": 2}}),
        InspectionLevel::Debug,
    )
    .await;
    assert_eq!(out.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(out.next_state(), Some("Ship"));
    assert_eq!(
        parsed(out.output()),
        json!({"order": {"id": 7, "qty": 2}, "picked": {"id": 7}})
    );
    let data = out.inspection_data().expect("DEBUG gives inspection data");
    assert_eq!(parsed(data.after_input_path()), json!({"id": 7, "qty": 2}));
    assert_eq!(parsed(data.after_parameters()), json!({"id": 7}));
    assert_eq!(
        parsed(data.after_result_path()),
        json!({"order": {"id": 7, "qty": 2}, "picked": {"id": 7}})
    );

    let info = test_state(
        &sfn,
        json!({"Type": "Pass", "End": true}),
        json!({"a": 1}),
        InspectionLevel::Info,
    )
    .await;
    assert!(info.inspection_data().is_none());
    assert_eq!(info.next_state(), None);
    assert_eq!(parsed(info.output()), json!({"a": 1}));
}

#[tokio::test]
async fn a_choice_state_names_the_state_it_chose() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let choice = json!({"Type": "Choice", "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "Small"});
    let big = test_state(
        &sfn,
        choice.clone(),
        json!({"n": 11}),
        InspectionLevel::Info,
    )
    .await;
    assert_eq!(big.next_state(), Some("Big"));
    assert_eq!(big.status(), Some(&TestExecutionStatus::Succeeded));
    assert_eq!(parsed(big.output()), json!({"n": 11}));
    let small = test_state(&sfn, choice, json!({"n": 1}), InspectionLevel::Info).await;
    assert_eq!(small.next_state(), Some("Small"));
}

#[tokio::test]
async fn task_states_call_the_service_and_report_its_errors() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let describe = json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:listStateMachines",
        "Parameters": {}, "ResultSelector": {"count.$": "States.ArrayLength($.StateMachines)"},
        "ResultPath": "$.machines", "End": true});
    let ok = test_state(&sfn, describe, json!({}), InspectionLevel::Trace).await;
    assert_eq!(
        ok.status(),
        Some(&TestExecutionStatus::Succeeded),
        "{:?} {:?}",
        ok.error(),
        ok.cause()
    );
    assert_eq!(parsed(ok.output()), json!({"machines": {"count": 0}}));
    let data = ok.inspection_data().unwrap();
    assert_eq!(parsed(data.result()), json!({"StateMachines": []}));
    assert_eq!(parsed(data.after_result_selector()), json!({"count": 0}));

    let missing = json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
        "Parameters": {"TableName": "nope", "Key": {"pk": {"S": "x"}}}, "End": true});
    let failed = test_state(&sfn, missing.clone(), json!({}), InspectionLevel::Info).await;
    assert_eq!(failed.status(), Some(&TestExecutionStatus::Failed));
    assert_eq!(failed.error(), Some("DynamoDb.ResourceNotFoundException"));
    assert!(
        failed
            .cause()
            .is_some_and(|c| c.contains("Service: DynamoDb")),
        "{:?}",
        failed.cause()
    );

    let mut retried = missing.clone();
    retried["Retry"] = json!([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}]);
    let retriable = test_state(&sfn, retried, json!({}), InspectionLevel::Info).await;
    assert_eq!(retriable.status(), Some(&TestExecutionStatus::Retriable));
    assert_eq!(
        retriable.error(),
        Some("DynamoDb.ResourceNotFoundException")
    );

    let mut caught = missing;
    caught["Catch"] =
        json!([{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handle"}]);
    let handled = test_state(&sfn, caught, json!({"a": 1}), InspectionLevel::Info).await;
    assert_eq!(handled.status(), Some(&TestExecutionStatus::CaughtError));
    assert_eq!(handled.next_state(), Some("Handle"));
    assert_eq!(handled.error(), Some("DynamoDb.ResourceNotFoundException"));
    let output = parsed(handled.output());
    assert_eq!(output["a"], 1);
    assert_eq!(
        output["error"]["Error"],
        "DynamoDb.ResourceNotFoundException"
    );
}

#[tokio::test]
async fn bad_definitions_and_inputs_are_refused() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let err = sfn
        .test_state()
        .definition("{\"Type\": \"Nope\"}")
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_sfn::error::ProvideErrorMetadata::code(&err),
        Some("InvalidDefinition")
    );
    let err = sfn
        .test_state()
        .definition("{\"Type\": \"Pass\", \"End\": true}")
        .role_arn(ROLE)
        .input("{not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_sfn::error::ProvideErrorMetadata::code(&err),
        Some("InvalidExecutionInput")
    );
}
