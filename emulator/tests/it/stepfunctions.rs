//! Step Functions through the real aws-sdk-sfn client: state machines, versions and aliases,
//! executions of the asl interpreter with their (paginated) histories, task tokens, every bad
//! input's error code, and persistence across a restart.

use aws_sdk_sfn::error::SdkError;
use aws_sdk_sfn::operation::create_state_machine::{
    CreateStateMachineError, CreateStateMachineOutput,
};
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput;
use aws_sdk_sfn::operation::send_task_success::{SendTaskSuccessError, SendTaskSuccessOutput};
use aws_sdk_sfn::types::{
    ExecutionListItem, ExecutionStatus, HistoryEvent, RoutingConfigurationListItem,
    StateMachineType, StateMachineVersionListItem, Tag,
};
use aws_sdk_sfn::Client;
use serde_json::{json, Value};

use testkit::aws::{
    code_message, create_express_machine, create_machine, describe_execution, history,
    history_in_pages, sfn_client, start_execution, validate_definition, Refusal,
    MACHINE_ROLE as ROLE,
};

fn pass_choice_wait() -> Value {
    json!({
        "StartAt": "Greet",
        "States": {
            "Greet": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hello {}', $.who)", "n.$": "$.n"}, "Next": "Pause"},
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Big?"},
            "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "Small"},
            "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "End": true},
            "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "End": true}
        }
    })
}

fn pass_result(result: &str) -> String {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": true}}})
        .to_string()
}

/// A machine whose one state waits `seconds`.
pub(crate) fn waiting(seconds: u64) -> String {
    json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": true}}})
        .to_string()
}

/// Waits for the execution to end and returns its description.
async fn finished(sfn: &Client, execution: &str) -> DescribeExecutionOutput {
    testkit::aws::execution_end(sfn, execution, 10).await
}

/// The execution's output parsed as JSON (null when it has none).
pub(crate) fn output(described: &DescribeExecutionOutput) -> Value {
    serde_json::from_str(described.output().unwrap_or("null")).unwrap()
}

fn types(events: &[HistoryEvent]) -> Vec<&str> {
    events.iter().map(|e| e.r#type.as_str()).collect()
}

/// CreateStateMachine of `name` running as `role`, its result as it came (for refusals).
pub(crate) async fn try_create(
    sfn: &Client,
    name: &str,
    definition: &str,
    role: &str,
) -> Result<CreateStateMachineOutput, SdkError<CreateStateMachineError>> {
    sfn.create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(role)
        .send()
        .await
}

/// The description of the state machine (or version) `arn`.
async fn describe_machine(sfn: &Client, arn: &str) -> DescribeStateMachineOutput {
    sfn.describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeStateMachine {arn}: {e:?}"))
}

/// The executions of the state machine, version or alias `arn` (those with `status` only,
/// when given).
pub(crate) async fn executions(
    sfn: &Client,
    arn: &str,
    status: Option<ExecutionStatus>,
) -> Vec<ExecutionListItem> {
    sfn.list_executions()
        .state_machine_arn(arn)
        .set_status_filter(status)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListExecutions {arn}: {e:?}"))
        .executions
}

/// The published versions of the state machine `arn`, newest first.
async fn versions(sfn: &Client, arn: &str) -> Vec<StateMachineVersionListItem> {
    sfn.list_state_machine_versions()
        .state_machine_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListStateMachineVersions {arn}: {e:?}"))
        .state_machine_versions
}

/// An alias route sending `weight` percent of the executions to `version`.
fn route(version: &str, weight: i32) -> RoutingConfigurationListItem {
    RoutingConfigurationListItem::builder()
        .state_machine_version_arn(version)
        .weight(weight)
        .build()
        .unwrap()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

/// The tags of the resource `arn`, as (key, value) pairs.
async fn tags(sfn: &Client, arn: &str) -> Vec<(String, String)> {
    let listed = sfn
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListTagsForResource {arn}: {e:?}"));
    listed
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect()
}

/// SendTaskSuccess of `token` with `output`, its result as it came.
async fn send_success(
    sfn: &Client,
    token: &str,
    output: &str,
) -> Result<SendTaskSuccessOutput, SdkError<SendTaskSuccessError>> {
    sfn.send_task_success()
        .task_token(token)
        .output(output)
        .send()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn state_machines_are_created_described_updated_listed_and_deleted() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let definition = pass_result("one");
    let created = sfn
        .create_state_machine()
        .name("crud")
        .definition(&definition)
        .role_arn(ROLE)
        .r#type(StateMachineType::Standard)
        .tags(tag("team", "a"))
        .send()
        .await
        .unwrap();
    let arn = created.state_machine_arn.clone();
    assert_eq!(
        arn,
        "arn:aws:states:us-east-1:123456789012:stateMachine:crud"
    );
    // The same request again is idempotent; another definition under the name is not.
    let again = create_machine(&sfn, "crud", &definition).await;
    assert_eq!(again, arn);
    try_create(&sfn, "crud", &pass_result("two"), ROLE)
        .await
        .assert_error_code("StateMachineAlreadyExists");

    let described = describe_machine(&sfn, &arn).await;
    assert_eq!(described.name, "crud");
    assert_eq!(described.definition, definition);
    assert_eq!(described.role_arn, ROLE);
    assert_eq!(described.r#type, StateMachineType::Standard);
    assert_eq!(described.creation_date, created.creation_date);
    let first_revision = described.revision_id.clone().unwrap();

    let updated = sfn
        .update_state_machine()
        .state_machine_arn(&arn)
        .definition(pass_result("two"))
        .send()
        .await
        .unwrap();
    assert_ne!(
        updated.revision_id.as_deref(),
        Some(first_revision.as_str())
    );
    let described = describe_machine(&sfn, &arn).await;
    assert_eq!(described.definition, pass_result("two"));
    assert_eq!(described.revision_id, updated.revision_id);

    create_machine(&sfn, "crud-b", &definition).await;
    create_machine(&sfn, "crud-c", &definition).await;
    let page = sfn
        .list_state_machines()
        .max_results(2)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = page
        .state_machines
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["crud", "crud-b"]);
    let rest = sfn
        .list_state_machines()
        .max_results(2)
        .next_token(page.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.state_machines.len(), 1);
    assert_eq!(rest.state_machines[0].name, "crud-c");
    assert!(rest.next_token.is_none());

    sfn.delete_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    sfn.describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .assert_error_code("StateMachineDoesNotExist");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_wait_choice_execution_has_its_output_and_history() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let machine = create_machine(&sfn, "pcw", &pass_choice_wait().to_string()).await;
    let execution = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .name("run-1")
        .input(json!({"who": "world", "n": 42}).to_string())
        .send()
        .await
        .unwrap()
        .execution_arn;
    assert_eq!(
        execution,
        "arn:aws:states:us-east-1:123456789012:execution:pcw:run-1"
    );
    let described = finished(&sfn, &execution).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    assert_eq!(
        output(&described),
        json!({"greeting": "hello world", "n": 42, "size": "big"})
    );
    let waited = described.stop_date.unwrap().as_secs_f64() - described.start_date.as_secs_f64();
    assert!(waited >= 1.0, "the Wait state waited {waited} s");

    let events = history_in_pages(&sfn, &execution, 100, false).await;
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let started = events[0].execution_started_event_details().unwrap();
    assert_eq!(started.role_arn(), Some(ROLE));
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());

    // includeExecutionData=false leaves inputs and outputs out.
    let bare = sfn
        .get_execution_history()
        .execution_arn(&execution)
        .include_execution_data(false)
        .send()
        .await
        .unwrap();
    let entered = bare.events[1].state_entered_event_details().unwrap();
    assert_eq!(entered.name, "Greet");
    assert_eq!(entered.input(), None);

    let listed = executions(&sfn, &machine, Some(ExecutionStatus::Succeeded)).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "run-1");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_history_is_read_in_pages_of_1000_both_ways() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let looping = json!({
        "StartAt": "Count",
        "States": {
            "Count": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Done?"},
            "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 300, "Next": "Count"}], "Default": "End"},
            "End": {"Type": "Succeed"}
        }
    });
    let machine = create_machine(&sfn, "loop", &looping.to_string()).await;
    let execution = start_execution(&sfn, &machine, json!({"i": 0})).await;
    let described = finished(&sfn, &execution).await;
    assert_eq!(described.output(), Some("{\"i\":300}"));

    // 300 × (Pass entered/exited + Choice entered/exited) + start, Succeed entered/exited, end.
    let expected = 300 * 4 + 4;
    let forward = history(&sfn, &execution).await;
    assert_eq!(forward.len(), expected);
    let ids: Vec<i64> = forward.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=expected as i64).collect::<Vec<_>>());
    let read = || sfn.get_execution_history().execution_arn(&execution);
    let first_page = read().max_results(1000).send().await.unwrap();
    assert_eq!(first_page.events.len(), 1000);
    assert!(first_page.next_token.is_some());

    let backward = history_in_pages(&sfn, &execution, 1000, true).await;
    assert_eq!(backward.len(), expected);
    assert_eq!(backward[0].r#type.as_str(), "ExecutionSucceeded");
    assert_eq!(backward[expected - 1].r#type.as_str(), "ExecutionStarted");
    assert!(backward.windows(2).all(|w| w[0].id == w[1].id + 1));

    // The default page is 100 events; more than 1000 is refused.
    let default = read().send().await.unwrap();
    assert_eq!(default.events.len(), 100);
    read()
        .max_results(1001)
        .send()
        .await
        .assert_error_code("ValidationException");
    read()
        .next_token("not-a-token")
        .send()
        .await
        .assert_error_code("InvalidToken");
}

/// A state machine whose task hands its task token over by tagging the state machine `tagged`
/// with it (through the aws-sdk:sfn integration), then waits for the callback.
fn callback_machine(tagged: &str) -> String {
    json!({
        "StartAt": "Wait for callback",
        "States": {
            "Wait for callback": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:tagResource.waitForTaskToken",
                "Parameters": {"ResourceArn": tagged, "Tags": [{"Key": "token", "Value.$": "$$.Task.Token"}]},
                "ResultPath": "$.callback",
                "End": true
            }
        }
    })
    .to_string()
}

/// The task token of the execution's waiting task, read from its TaskScheduled parameters.
async fn scheduled_token(sfn: &Client, execution: &str) -> String {
    testkit::eventually(10, || async {
        let events = history(sfn, execution).await;
        if !events.iter().any(|e| e.r#type.as_str() == "TaskSubmitted") {
            return None;
        }
        let scheduled = events
            .iter()
            .find_map(|e| e.task_scheduled_event_details())
            .expect("a TaskScheduled event");
        assert_eq!(scheduled.resource_type, "aws-sdk:sfn");
        assert_eq!(scheduled.resource, "tagResource.waitForTaskToken");
        let parameters: Value = serde_json::from_str(&scheduled.parameters).unwrap();
        Some(parameters["Tags"][0]["Value"].as_str().unwrap().to_string())
    })
    .await
    .unwrap_or_else(|| panic!("the task of {execution} was never submitted"))
}

/// The callback machine and the machine its task tags with its token (`token-holder`):
/// (callback machine, holder).
async fn callback_machines(sfn: &Client) -> (String, String) {
    let holder = create_machine(sfn, "token-holder", &pass_result("x")).await;
    let machine = create_machine(sfn, "callback", &callback_machine(&holder)).await;
    (machine, holder)
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_task_token_tasks_complete_with_send_task_success_or_failure() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let (machine, holder) = callback_machines(&sfn).await;

    let execution = start_execution(&sfn, &machine, json!({"job": 7})).await;
    let token = scheduled_token(&sfn, &execution).await;
    // The service received the token in its parameters: it tagged the holder with it.
    assert_eq!(tags(&sfn, &holder).await[0].1, token);
    send_success(&sfn, &token, "{not json")
        .await
        .assert_error_code("InvalidOutput");
    sfn.send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .unwrap();
    send_success(&sfn, &token, &json!({"approved": true}).to_string())
        .await
        .unwrap();
    let described = finished(&sfn, &execution).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    assert_eq!(
        output(&described),
        json!({"job": 7, "callback": {"approved": true}})
    );
    let events = history(&sfn, &execution).await;
    assert!(types(&events).contains(&"TaskSucceeded"));
    // AWS: TaskTimedOut, "the task associated with the token has already been closed".
    send_success(&sfn, &token, "{}")
        .await
        .assert_error_code("TaskTimedOut");
    sfn.send_task_failure()
        .task_token("not a token!")
        .send()
        .await
        .assert_error_code("InvalidToken");

    let failing = start_execution(&sfn, &machine, json!({"job": 8})).await;
    let token = scheduled_token(&sfn, &failing).await;
    sfn.send_task_failure()
        .task_token(&token)
        .error("Job.Rejected")
        .cause("the operator said no")
        .send()
        .await
        .unwrap();
    let described = finished(&sfn, &failing).await;
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("Job.Rejected"));
    assert_eq!(described.cause(), Some("the operator said no"));
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_execution_aborts_a_running_execution() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let machine = create_machine(&sfn, "stoppable", &waiting(1000)).await;
    let execution = start_execution(&sfn, &machine, json!({})).await;
    let running = executions(&sfn, &machine, Some(ExecutionStatus::Running)).await;
    assert_eq!(running.len(), 1);
    let stopped = sfn
        .stop_execution()
        .execution_arn(&execution)
        .error("Operator.Stop")
        .cause("no longer needed")
        .send()
        .await
        .unwrap();
    let described = finished(&sfn, &execution).await;
    assert_eq!(described.status, ExecutionStatus::Aborted);
    assert_eq!(described.error(), Some("Operator.Stop"));
    assert_eq!(described.stop_date, Some(stopped.stop_date));
    let events = history(&sfn, &execution).await;
    let last = events.last().unwrap();
    assert_eq!(last.r#type.as_str(), "ExecutionAborted");
    let details = last.execution_aborted_event_details().unwrap();
    assert_eq!(details.cause(), Some("no longer needed"));
    let aborted = executions(&sfn, &machine, Some(ExecutionStatus::Aborted)).await;
    assert_eq!(aborted[0].execution_arn, execution);
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_and_aliases_decide_what_an_execution_runs() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let created = sfn
        .create_state_machine()
        .name("versioned")
        .definition(pass_result("v1"))
        .role_arn(ROLE)
        .publish(true)
        .version_description("first")
        .send()
        .await
        .unwrap();
    let machine = created.state_machine_arn;
    let v1 = created.state_machine_version_arn.unwrap();
    assert_eq!(v1, format!("{machine}:1"));
    let updated = sfn
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(pass_result("v2"))
        .publish(true)
        .send()
        .await
        .unwrap();
    let v2 = updated.state_machine_version_arn.unwrap();
    assert_eq!(v2, format!("{machine}:2"));
    // Publishing an unchanged revision gives the existing version.
    let publish = || {
        sfn.publish_state_machine_version()
            .state_machine_arn(&machine)
    };
    let same = publish().send().await.unwrap();
    assert_eq!(same.state_machine_version_arn, v2);
    publish()
        .revision_id("not-the-current-one")
        .send()
        .await
        .assert_error_code("ConflictException");
    let versions = versions(&sfn, &machine).await;
    let arns: Vec<&str> = versions
        .iter()
        .map(|v| v.state_machine_version_arn.as_str())
        .collect();
    assert_eq!(arns, [v2.as_str(), v1.as_str()]);
    let old = describe_machine(&sfn, &v1).await;
    assert_eq!(old.definition, pass_result("v1"));
    assert_eq!(old.description(), Some("first"));

    let create_alias = |name: &str, version: &str, weight: i32| {
        sfn.create_state_machine_alias()
            .name(name)
            .routing_configuration(route(version, weight))
            .send()
    };
    let alias = create_alias("prod", &v1, 100)
        .await
        .unwrap()
        .state_machine_alias_arn;
    assert_eq!(alias, format!("{machine}:prod"));
    let on_alias = start_execution(&sfn, &alias, json!({})).await;
    let described = finished(&sfn, &on_alias).await;
    assert_eq!(described.output(), Some("\"v1\""));
    assert_eq!(described.state_machine_version_arn(), Some(v1.as_str()));
    assert_eq!(described.state_machine_alias_arn(), Some(alias.as_str()));
    assert_eq!(described.state_machine_arn, machine);
    let on_version = start_execution(&sfn, &v2, json!({})).await;
    assert_eq!(finished(&sfn, &on_version).await.output(), Some("\"v2\""));
    let latest = start_execution(&sfn, &machine, json!({})).await;
    assert_eq!(finished(&sfn, &latest).await.output(), Some("\"v2\""));

    let through_alias = executions(&sfn, &alias, None).await;
    assert_eq!(through_alias.len(), 1);
    assert_eq!(through_alias[0].execution_arn, on_alias);
    assert_eq!(executions(&sfn, &machine, None).await.len(), 3);

    // The alias moves to version 2; version 1 can then be deleted, not before.
    let delete_v1 = || {
        sfn.delete_state_machine_version()
            .state_machine_version_arn(&v1)
            .send()
    };
    delete_v1().await.assert_error_code("ConflictException");
    sfn.update_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .description("moved")
        .routing_configuration(route(&v2, 100))
        .send()
        .await
        .unwrap();
    let describe_alias = || {
        sfn.describe_state_machine_alias()
            .state_machine_alias_arn(&alias)
            .send()
    };
    let described = describe_alias().await.unwrap();
    assert_eq!(described.description(), Some("moved"));
    assert_eq!(
        described.routing_configuration()[0].state_machine_version_arn,
        v2
    );
    delete_v1().await.unwrap();
    let aliases = sfn
        .list_state_machine_aliases()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(aliases.state_machine_aliases.len(), 1);
    create_alias("half", &v2, 50)
        .await
        .assert_error_code("ValidationException");
    sfn.delete_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .send()
        .await
        .unwrap();
    describe_alias().await.assert_error_code("ResourceNotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_state_machine_for_execution_returns_the_definition_that_ran() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let machine = create_machine(&sfn, "changing", &pass_result("before")).await;
    let execution = start_execution(&sfn, &machine, json!({})).await;
    finished(&sfn, &execution).await;
    let revision = describe_machine(&sfn, &machine).await.revision_id;
    sfn.update_state_machine()
        .state_machine_arn(&machine)
        .definition(pass_result("after"))
        .send()
        .await
        .unwrap();
    let ran = sfn
        .describe_state_machine_for_execution()
        .execution_arn(&execution)
        .send()
        .await
        .unwrap();
    assert_eq!(ran.definition, pass_result("before"));
    assert_eq!(ran.state_machine_arn, machine);
    assert_eq!(ran.name, "changing");
    assert_eq!(ran.role_arn, ROLE);
    assert_eq!(ran.revision_id, revision);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_get_the_aws_error_codes() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let definition = pass_result("x");
    try_create(&sfn, "a b", &definition, ROLE)
        .await
        .assert_error_code("InvalidName");
    try_create(&sfn, "ok", &definition, "not-a-role")
        .await
        .assert_error_code("InvalidArn");
    let missing_target = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}});
    let invalid = try_create(&sfn, "ok", &missing_target.to_string(), ROLE).await;
    let (code, message) = code_message(&invalid.unwrap_err());
    assert_eq!(code, "InvalidDefinition");
    assert!(
        message.starts_with(
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next"
        ),
        "{message}"
    );
    try_create(&sfn, "ok", "{not json", ROLE)
        .await
        .assert_error_code("InvalidDefinition");

    let machine = create_machine(&sfn, "ok", &definition).await;
    let other_region = "arn:aws:states:us-east-1:123456789012:stateMachine:absent";
    let start = |arn: &str| sfn.start_execution().state_machine_arn(arn);
    start(other_region)
        .send()
        .await
        .assert_error_code("StateMachineDoesNotExist");
    sfn.describe_state_machine()
        .state_machine_arn("arn:aws:states:us-east-1:123456789012:execution:ok:e")
        .send()
        .await
        .assert_error_code("InvalidArn");
    start(&machine)
        .input("{oops")
        .send()
        .await
        .assert_error_code("InvalidExecutionInput");
    let huge = format!("\"{}\"", "x".repeat(262_145));
    start(&machine)
        .input(huge)
        .send()
        .await
        .assert_error_code("ValidationException");
    start(&machine)
        .name("no/slash")
        .send()
        .await
        .assert_error_code("InvalidName");

    // The same name and input of a running STANDARD execution give it back; anything else
    // is ExecutionAlreadyExists.
    let slow = create_machine(&sfn, "slow", &waiting(1000)).await;
    let named = |input: &str| start(&slow).name("once").input(input).send();
    let first = named("{\"a\":1}").await.unwrap();
    let second = named("{\"a\":1}").await.unwrap();
    assert_eq!(first.execution_arn, second.execution_arn);
    named("{\"a\":2}")
        .await
        .assert_error_code("ExecutionAlreadyExists");

    let nope = "arn:aws:states:us-east-1:123456789012:execution:ok:nope";
    sfn.describe_execution()
        .execution_arn(nope)
        .send()
        .await
        .assert_error_code("ExecutionDoesNotExist");
    sfn.update_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .assert_error_code("MissingRequiredParameter");
    sfn.list_state_machines()
        .next_token("garbage")
        .send()
        .await
        .assert_error_code("InvalidToken");
    send_success(&sfn, "AQ0000", "{}")
        .await
        .assert_error_code("TaskDoesNotExist");
    let many_tags: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    sfn.tag_resource()
        .resource_arn(&machine)
        .set_tags(Some(many_tags))
        .send()
        .await
        .assert_error_code("TooManyTags");
    sfn.list_tags_for_resource()
        .resource_arn(other_region)
        .send()
        .await
        .assert_error_code("ResourceNotFound");
    sfn.stop_execution()
        .execution_arn(nope)
        .send()
        .await
        .assert_error_code("ExecutionDoesNotExist");
    sfn.list_executions()
        .state_machine_arn(other_region)
        .send()
        .await
        .assert_error_code("StateMachineDoesNotExist");
}

#[tokio::test(flavor = "multi_thread")]
async fn definitions_are_validated_and_tags_kept() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let ok = validate_definition(&sfn, pass_result("x")).await;
    assert_eq!(ok.result.as_str(), "OK");
    assert!(ok.diagnostics.is_empty());
    let broken = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}});
    let fail = validate_definition(&sfn, broken).await;
    assert_eq!(fail.result.as_str(), "FAIL");
    assert_eq!(fail.diagnostics[0].code, "MISSING_TRANSITION_TARGET");
    assert_eq!(fail.diagnostics[0].location(), Some("/States/A/Next"));
    assert_eq!(fail.diagnostics[0].severity.as_str(), "ERROR");

    let machine = create_machine(&sfn, "tagged", &pass_result("x")).await;
    sfn.tag_resource()
        .resource_arn(&machine)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    sfn.tag_resource()
        .resource_arn(&machine)
        .tags(tag("a", "3"))
        .send()
        .await
        .unwrap();
    sfn.untag_resource()
        .resource_arn(&machine)
        .tag_keys("b")
        .send()
        .await
        .unwrap();
    assert_eq!(tags(&sfn, &machine).await, [("a".into(), "3".into())]);
}

#[tokio::test(flavor = "multi_thread")]
async fn start_sync_execution_runs_express_machines_to_their_end() {
    use emulator::request::RequestContext;
    use emulator::services::stepfunctions::call;

    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let machine = create_express_machine(&sfn, "express", pass_result("fast")).await;
    // The SDK sends StartSyncExecution to the `sync-` host prefix, which a local endpoint
    // does not have: call the operation in process.
    let ctx = RequestContext::internal("states", testkit::aws::REGION);
    let start_sync = |input: Value| {
        let input = input.as_object().unwrap().clone();
        call(emulator.cloud(), &ctx, "StartSyncExecution", input)
    };
    let reply = start_sync(json!({"stateMachineArn": machine, "input": "{}"}))
        .await
        .unwrap();
    assert_eq!(reply["status"], "SUCCEEDED");
    assert_eq!(reply["output"], "\"fast\"");
    assert!(reply["executionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:us-east-1:123456789012:express:express:"));
    let standard = create_machine(&sfn, "standard", &pass_result("x")).await;
    let err = start_sync(json!({"stateMachineArn": standard}))
        .await
        .unwrap_err();
    assert_eq!(err.code, "StateMachineTypeNotSupported");
}

#[tokio::test(flavor = "multi_thread")]
async fn state_machines_executions_and_histories_survive_a_restart() {
    let state = testkit::aws::StateDir::new();
    let (machine, done, running, done_history, running_history) = {
        let emulator = state.start().await;
        let sfn = sfn_client(&emulator);
        let machine = create_machine(&sfn, "durable", &pass_choice_wait().to_string()).await;
        sfn.publish_state_machine_version()
            .state_machine_arn(&machine)
            .send()
            .await
            .unwrap();
        let done = start_execution(&sfn, &machine, json!({"who": "disk", "n": 1})).await;
        finished(&sfn, &done).await;
        let slow = create_machine(&sfn, "durable-slow", &waiting(1000)).await;
        let running = start_execution(&sfn, &slow, json!({"keep": true})).await;
        let mut running_history = Vec::new();
        while running_history.len() < 2 {
            running_history = history(&sfn, &running).await;
        }
        let done_history = history(&sfn, &done).await;
        emulator.shutdown().await;
        (machine, done, running, done_history, running_history)
    };

    let emulator = state.start().await;
    let sfn = sfn_client(&emulator);
    let described = describe_machine(&sfn, &machine).await;
    assert_eq!(described.definition, pass_choice_wait().to_string());
    assert_eq!(versions(&sfn, &machine).await.len(), 1);
    let was_done = describe_execution(&sfn, &done).await;
    assert_eq!(was_done.status, ExecutionStatus::Succeeded);
    assert_eq!(output(&was_done)["size"], "small");
    assert_eq!(history(&sfn, &done).await, done_history);
    let ran = sfn
        .describe_state_machine_for_execution()
        .execution_arn(&done)
        .send()
        .await
        .unwrap();
    assert_eq!(ran.definition, pass_choice_wait().to_string());

    // One that was running continues (its Wait is far from over): RUNNING, with the history
    // it had, and it can be stopped.
    let still = describe_execution(&sfn, &running).await;
    assert_eq!(still.status, ExecutionStatus::Running);
    assert_eq!(still.input(), Some("{\"keep\":true}"));
    assert_eq!(history(&sfn, &running).await, running_history);
    sfn.stop_execution()
        .execution_arn(&running)
        .cause("after restart")
        .send()
        .await
        .unwrap();
    emulator.shutdown().await;

    let emulator = state.start().await;
    let sfn = sfn_client(&emulator);
    let stopped = describe_execution(&sfn, &running).await;
    assert_eq!(stopped.status, ExecutionStatus::Aborted);
    assert_eq!(stopped.cause(), Some("after restart"));
    let events = history(&sfn, &running).await;
    assert_eq!(events.len(), running_history.len() + 1);
    assert_eq!(
        events.last().unwrap().previous_event_id,
        running_history.last().unwrap().id
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_execution_completes_with_its_original_token_after_a_crash() {
    let state = testkit::aws::StateDir::new();
    let (execution, token) = {
        let emulator = state.start().await;
        let sfn = sfn_client(&emulator);
        let (machine, _) = callback_machines(&sfn).await;
        let execution = start_execution(&sfn, &machine, json!({"job": 9})).await;
        let token = scheduled_token(&sfn, &execution).await;
        // No shutdown: the process dies with the task waiting.
        drop(emulator);
        (execution, token)
    };

    let emulator = state.start().await;
    let sfn = sfn_client(&emulator);
    send_success(&sfn, &token, r#"{"done": true}"#)
        .await
        .expect("the original token is still valid after the restart");
    let ended = finished(&sfn, &execution).await;
    assert_eq!(ended.status, ExecutionStatus::Succeeded);
    assert_eq!(
        output(&ended),
        json!({"job": 9, "callback": {"done": true}})
    );
    assert_eq!(
        types(&history(&sfn, &execution).await),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_history_records_the_input_as_the_caller_wrote_it() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let machine = create_machine(&sfn, "verbatim", &pass_result("done")).await;
    let text = "{ \"b\" : 1,\n  \"a\" : [ 1.0, \"x\" ] }";
    let execution = start_execution(&sfn, &machine, text).await;
    finished(&sfn, &execution).await;
    let history = history(&sfn, &execution).await;
    let started = history[0]
        .execution_started_event_details()
        .expect("ExecutionStarted details");
    assert_eq!(started.input(), Some(text), "AWS keeps the caller's text");
    let described = describe_execution(&sfn, &execution).await;
    assert_eq!(described.input(), Some(text));
}
