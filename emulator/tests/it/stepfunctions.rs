//! Step Functions through the real aws-sdk-sfn client: state machines, versions and aliases,
//! executions of the asl interpreter with their (paginated) histories, task tokens, every bad
//! input's error code, and persistence across a restart.

use std::time::Duration;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{
    ExecutionStatus, HistoryEvent, RoutingConfigurationListItem, StateMachineType, Tag,
};
use aws_sdk_sfn::Client;
use emulator::{Config, Emulator};
use serde_json::{json, Value};

use testkit::aws::{create_machine, start_execution, Refusal, MACHINE_ROLE as ROLE};

fn client(emulator: &Emulator) -> Client {
    Client::new(&testkit::aws::sdk_config(&emulator.endpoint()))
}

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

fn waiting(seconds: u64) -> String {
    json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": true}}})
        .to_string()
}

/// Waits for the execution to end and returns its description.
async fn finished(
    sfn: &Client,
    execution: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    testkit::aws::execution_end(sfn, execution, 10).await
}

/// Every event, following nextToken with pages of `page`.
async fn history(sfn: &Client, execution: &str, page: i32, reverse: bool) -> Vec<HistoryEvent> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let reply = sfn
            .get_execution_history()
            .execution_arn(execution)
            .max_results(page)
            .reverse_order(reverse)
            .set_next_token(token.take())
            .send()
            .await
            .expect("the history is read");
        assert!(reply.events.len() <= page as usize);
        events.extend(reply.events);
        match reply.next_token {
            Some(next) => token = Some(next),
            None => return events,
        }
    }
}

fn types(events: &[HistoryEvent]) -> Vec<&str> {
    events.iter().map(|e| e.r#type.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn state_machines_are_created_described_updated_listed_and_deleted() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let definition = pass_result("one");
    let created = sfn
        .create_state_machine()
        .name("crud")
        .definition(&definition)
        .role_arn(ROLE)
        .r#type(StateMachineType::Standard)
        .tags(Tag::builder().key("team").value("a").build())
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
    let conflict = sfn
        .create_state_machine()
        .name("crud")
        .definition(pass_result("two"))
        .role_arn(ROLE)
        .send()
        .await;
    conflict.assert_error_code("StateMachineAlreadyExists");

    let described = sfn
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
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
    let described = sfn
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
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
    let gone = sfn
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await;
    gone.assert_error_code("StateMachineDoesNotExist");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_wait_choice_execution_has_its_output_and_history() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
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
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"greeting": "hello world", "n": 42, "size": "big"})
    );
    let waited = described.stop_date.unwrap().as_secs_f64() - described.start_date.as_secs_f64();
    assert!(waited >= 1.0, "the Wait state waited {waited} s");

    let events = history(&sfn, &execution, 100, false).await;
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

    let listed = sfn
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Succeeded)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.executions.len(), 1);
    assert_eq!(listed.executions[0].name, "run-1");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_history_is_read_in_pages_of_1000_both_ways() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
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
    let forward = history(&sfn, &execution, 1000, false).await;
    assert_eq!(forward.len(), expected);
    let ids: Vec<i64> = forward.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=expected as i64).collect::<Vec<_>>());
    let first_page = sfn
        .get_execution_history()
        .execution_arn(&execution)
        .max_results(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(first_page.events.len(), 1000);
    assert!(first_page.next_token.is_some());

    let backward = history(&sfn, &execution, 1000, true).await;
    assert_eq!(backward.len(), expected);
    assert_eq!(backward[0].r#type.as_str(), "ExecutionSucceeded");
    assert_eq!(backward[expected - 1].r#type.as_str(), "ExecutionStarted");
    assert!(backward.windows(2).all(|w| w[0].id == w[1].id + 1));

    // The default page is 100 events; more than 1000 is refused.
    let default = sfn
        .get_execution_history()
        .execution_arn(&execution)
        .send()
        .await
        .unwrap();
    assert_eq!(default.events.len(), 100);
    let too_many = sfn
        .get_execution_history()
        .execution_arn(&execution)
        .max_results(1001)
        .send()
        .await;
    too_many.assert_error_code("ValidationException");
    let bad_token = sfn
        .get_execution_history()
        .execution_arn(&execution)
        .next_token("not-a-token")
        .send()
        .await;
    bad_token.assert_error_code("InvalidToken");
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
    for _ in 0..100 {
        let events = history(sfn, execution, 1000, false).await;
        if events.iter().any(|e| e.r#type.as_str() == "TaskSubmitted") {
            let scheduled = events
                .iter()
                .find_map(|e| e.task_scheduled_event_details())
                .expect("a TaskScheduled event");
            assert_eq!(scheduled.resource_type, "aws-sdk:sfn");
            assert_eq!(scheduled.resource, "tagResource.waitForTaskToken");
            let parameters: Value = serde_json::from_str(&scheduled.parameters).unwrap();
            return parameters["Tags"][0]["Value"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the task of {execution} was never submitted");
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_task_token_tasks_complete_with_send_task_success_or_failure() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let holder = create_machine(&sfn, "token-holder", &pass_result("x")).await;
    let machine = create_machine(&sfn, "callback", &callback_machine(&holder)).await;

    let execution = start_execution(&sfn, &machine, json!({"job": 7})).await;
    let token = scheduled_token(&sfn, &execution).await;
    // The service received the token in its parameters: it tagged the holder with it.
    let tags = sfn
        .list_tags_for_resource()
        .resource_arn(&holder)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags()[0].value(), Some(token.as_str()));
    let bad_output = sfn
        .send_task_success()
        .task_token(&token)
        .output("{not json")
        .send()
        .await;
    bad_output.assert_error_code("InvalidOutput");
    sfn.send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .unwrap();
    sfn.send_task_success()
        .task_token(&token)
        .output(json!({"approved": true}).to_string())
        .send()
        .await
        .unwrap();
    let described = finished(&sfn, &execution).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    assert_eq!(output, json!({"job": 7, "callback": {"approved": true}}));
    let events = history(&sfn, &execution, 1000, false).await;
    assert!(types(&events).contains(&"TaskSucceeded"));
    let again = sfn
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await;
    // AWS: TaskTimedOut, "the task associated with the token has already been closed".
    again.assert_error_code("TaskTimedOut");
    let malformed = sfn
        .send_task_failure()
        .task_token("not a token!")
        .send()
        .await;
    malformed.assert_error_code("InvalidToken");

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
    let sfn = client(&emulator);
    let machine = create_machine(&sfn, "stoppable", &waiting(1000)).await;
    let execution = start_execution(&sfn, &machine, json!({})).await;
    let running = sfn
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Running)
        .send()
        .await
        .unwrap();
    assert_eq!(running.executions.len(), 1);
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
    let events = history(&sfn, &execution, 1000, false).await;
    let last = events.last().unwrap();
    assert_eq!(last.r#type.as_str(), "ExecutionAborted");
    let details = last.execution_aborted_event_details().unwrap();
    assert_eq!(details.cause(), Some("no longer needed"));
    let aborted = sfn
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Aborted)
        .send()
        .await
        .unwrap();
    assert_eq!(aborted.executions[0].execution_arn, execution);
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_and_aliases_decide_what_an_execution_runs() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
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
    let same = sfn
        .publish_state_machine_version()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(same.state_machine_version_arn, v2);
    let stale = sfn
        .publish_state_machine_version()
        .state_machine_arn(&machine)
        .revision_id("not-the-current-one")
        .send()
        .await;
    stale.assert_error_code("ConflictException");
    let versions = sfn
        .list_state_machine_versions()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = versions
        .state_machine_versions
        .iter()
        .map(|v| v.state_machine_version_arn.as_str())
        .collect();
    assert_eq!(arns, [v2.as_str(), v1.as_str()]);
    let old = sfn
        .describe_state_machine()
        .state_machine_arn(&v1)
        .send()
        .await
        .unwrap();
    assert_eq!(old.definition, pass_result("v1"));
    assert_eq!(old.description(), Some("first"));

    let alias = sfn
        .create_state_machine_alias()
        .name("prod")
        .routing_configuration(
            RoutingConfigurationListItem::builder()
                .state_machine_version_arn(&v1)
                .weight(100)
                .build()
                .unwrap(),
        )
        .send()
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

    let through_alias = sfn
        .list_executions()
        .state_machine_arn(&alias)
        .send()
        .await
        .unwrap();
    assert_eq!(through_alias.executions.len(), 1);
    assert_eq!(through_alias.executions[0].execution_arn, on_alias);
    let all = sfn
        .list_executions()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(all.executions.len(), 3);

    // The alias moves to version 2; version 1 can then be deleted, not before.
    let in_use = sfn
        .delete_state_machine_version()
        .state_machine_version_arn(&v1)
        .send()
        .await;
    in_use.assert_error_code("ConflictException");
    sfn.update_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .description("moved")
        .routing_configuration(
            RoutingConfigurationListItem::builder()
                .state_machine_version_arn(&v2)
                .weight(100)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let described = sfn
        .describe_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .send()
        .await
        .unwrap();
    assert_eq!(described.description(), Some("moved"));
    assert_eq!(
        described.routing_configuration()[0].state_machine_version_arn,
        v2
    );
    sfn.delete_state_machine_version()
        .state_machine_version_arn(&v1)
        .send()
        .await
        .unwrap();
    let aliases = sfn
        .list_state_machine_aliases()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(aliases.state_machine_aliases.len(), 1);
    let bad_weights = sfn
        .create_state_machine_alias()
        .name("half")
        .routing_configuration(
            RoutingConfigurationListItem::builder()
                .state_machine_version_arn(&v2)
                .weight(50)
                .build()
                .unwrap(),
        )
        .send()
        .await;
    bad_weights.assert_error_code("ValidationException");
    sfn.delete_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .send()
        .await
        .unwrap();
    let gone = sfn
        .describe_state_machine_alias()
        .state_machine_alias_arn(&alias)
        .send()
        .await;
    gone.assert_error_code("ResourceNotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_state_machine_for_execution_returns_the_definition_that_ran() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let machine = create_machine(&sfn, "changing", &pass_result("before")).await;
    let execution = start_execution(&sfn, &machine, json!({})).await;
    finished(&sfn, &execution).await;
    let revision = sfn
        .describe_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap()
        .revision_id;
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
    let sfn = client(&emulator);
    let definition = pass_result("x");
    let with = |name: &str, definition: &str, role: &str| {
        sfn.create_state_machine()
            .name(name)
            .definition(definition)
            .role_arn(role)
            .send()
    };
    with("a b", &definition, ROLE)
        .await
        .assert_error_code("InvalidName");
    with("ok", &definition, "not-a-role")
        .await
        .assert_error_code("InvalidArn");
    let missing_target = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}});
    let invalid = with("ok", &missing_target.to_string(), ROLE).await;
    let err = invalid.unwrap_err();
    let service = err.as_service_error().unwrap();
    assert_eq!(service.code(), Some("InvalidDefinition"));
    let message = service.message().unwrap();
    assert!(
        message.starts_with(
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next"
        ),
        "{message}"
    );
    with("ok", "{not json", ROLE)
        .await
        .assert_error_code("InvalidDefinition");

    let machine = create_machine(&sfn, "ok", &definition).await;
    let other_region = "arn:aws:states:us-east-1:123456789012:stateMachine:absent";
    let absent = sfn
        .start_execution()
        .state_machine_arn(other_region)
        .send()
        .await;
    absent.assert_error_code("StateMachineDoesNotExist");
    let wrong_kind = sfn
        .describe_state_machine()
        .state_machine_arn("arn:aws:states:us-east-1:123456789012:execution:ok:e")
        .send()
        .await;
    wrong_kind.assert_error_code("InvalidArn");
    let not_json = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .input("{oops")
        .send()
        .await;
    not_json.assert_error_code("InvalidExecutionInput");
    let huge = format!("\"{}\"", "x".repeat(262_145));
    let too_big = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .input(huge)
        .send()
        .await;
    too_big.assert_error_code("ValidationException");
    let bad_name = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .name("no/slash")
        .send()
        .await;
    bad_name.assert_error_code("InvalidName");

    // The same name and input of a running STANDARD execution give it back; anything else
    // is ExecutionAlreadyExists.
    let slow = create_machine(&sfn, "slow", &waiting(1000)).await;
    let named = |input: &str| {
        sfn.start_execution()
            .state_machine_arn(&slow)
            .name("once")
            .input(input)
            .send()
    };
    let first = named("{\"a\":1}").await.unwrap();
    let second = named("{\"a\":1}").await.unwrap();
    assert_eq!(first.execution_arn, second.execution_arn);
    named("{\"a\":2}")
        .await
        .assert_error_code("ExecutionAlreadyExists");

    let no_execution = sfn
        .describe_execution()
        .execution_arn("arn:aws:states:us-east-1:123456789012:execution:ok:nope")
        .send()
        .await;
    no_execution.assert_error_code("ExecutionDoesNotExist");
    let nothing_to_update = sfn
        .update_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await;
    nothing_to_update.assert_error_code("MissingRequiredParameter");
    let bad_page = sfn.list_state_machines().next_token("garbage").send().await;
    bad_page.assert_error_code("InvalidToken");
    let no_token = sfn
        .send_task_success()
        .task_token("AQ0000")
        .output("{}")
        .send()
        .await;
    no_token.assert_error_code("TaskDoesNotExist");
    let many_tags: Vec<Tag> = (0..51)
        .map(|i| Tag::builder().key(format!("k{i}")).value("v").build())
        .collect();
    let too_many = sfn
        .tag_resource()
        .resource_arn(&machine)
        .set_tags(Some(many_tags))
        .send()
        .await;
    too_many.assert_error_code("TooManyTags");
    let untaggable = sfn
        .list_tags_for_resource()
        .resource_arn(other_region)
        .send()
        .await;
    untaggable.assert_error_code("ResourceNotFound");
    let stop_missing = sfn
        .stop_execution()
        .execution_arn("arn:aws:states:us-east-1:123456789012:execution:ok:nope")
        .send()
        .await;
    stop_missing.assert_error_code("ExecutionDoesNotExist");
    let listed_absent = sfn
        .list_executions()
        .state_machine_arn(other_region)
        .send()
        .await;
    listed_absent.assert_error_code("StateMachineDoesNotExist");
}

#[tokio::test(flavor = "multi_thread")]
async fn definitions_are_validated_and_tags_kept() {
    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let ok = sfn
        .validate_state_machine_definition()
        .definition(pass_result("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.result.as_str(), "OK");
    assert!(ok.diagnostics.is_empty());
    let broken = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}});
    let fail = sfn
        .validate_state_machine_definition()
        .definition(broken.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(fail.result.as_str(), "FAIL");
    assert_eq!(fail.diagnostics[0].code, "MISSING_TRANSITION_TARGET");
    assert_eq!(fail.diagnostics[0].location(), Some("/States/A/Next"));
    assert_eq!(fail.diagnostics[0].severity.as_str(), "ERROR");

    let machine = create_machine(&sfn, "tagged", &pass_result("x")).await;
    sfn.tag_resource()
        .resource_arn(&machine)
        .tags(Tag::builder().key("a").value("1").build())
        .tags(Tag::builder().key("b").value("2").build())
        .send()
        .await
        .unwrap();
    sfn.tag_resource()
        .resource_arn(&machine)
        .tags(Tag::builder().key("a").value("3").build())
        .send()
        .await
        .unwrap();
    sfn.untag_resource()
        .resource_arn(&machine)
        .tag_keys("b")
        .send()
        .await
        .unwrap();
    let tags = sfn
        .list_tags_for_resource()
        .resource_arn(&machine)
        .send()
        .await
        .unwrap();
    let pairs: Vec<(&str, &str)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(pairs, [("a", "3")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn start_sync_execution_runs_express_machines_to_their_end() {
    use emulator::request::RequestContext;
    use emulator::services::stepfunctions::call;

    let emulator = testkit::aws::emulator().await;
    let sfn = client(&emulator);
    let machine = sfn
        .create_state_machine()
        .name("express")
        .definition(pass_result("fast"))
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    // The SDK sends StartSyncExecution to the `sync-` host prefix, which a local endpoint
    // does not have: call the operation in process.
    let ctx = RequestContext::internal("states", testkit::aws::REGION);
    let input = json!({"stateMachineArn": machine, "input": "{}"});
    let reply = call(
        emulator.cloud(),
        &ctx,
        "StartSyncExecution",
        input.as_object().unwrap().clone(),
    )
    .await
    .unwrap();
    assert_eq!(reply["status"], "SUCCEEDED");
    assert_eq!(reply["output"], "\"fast\"");
    assert!(reply["executionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:us-east-1:123456789012:express:express:"));
    let standard = create_machine(&sfn, "standard", &pass_result("x")).await;
    let input = json!({"stateMachineArn": standard});
    let err = call(
        emulator.cloud(),
        &ctx,
        "StartSyncExecution",
        input.as_object().unwrap().clone(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, "StateMachineTypeNotSupported");
}

#[tokio::test(flavor = "multi_thread")]
async fn state_machines_executions_and_histories_survive_a_restart() {
    let state = testkit::aws::StateDir::new();
    let (machine, done, running, done_history, running_history) = {
        let emulator = state.start().await;
        let sfn = client(&emulator);
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
            running_history = history(&sfn, &running, 1000, false).await;
        }
        let done_history = history(&sfn, &done, 1000, false).await;
        emulator.shutdown().await;
        (machine, done, running, done_history, running_history)
    };

    let emulator = state.start().await;
    let sfn = client(&emulator);
    let described = sfn
        .describe_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(described.definition, pass_choice_wait().to_string());
    let versions = sfn
        .list_state_machine_versions()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.state_machine_versions.len(), 1);
    let was_done = sfn
        .describe_execution()
        .execution_arn(&done)
        .send()
        .await
        .unwrap();
    assert_eq!(was_done.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(was_done.output().unwrap()).unwrap();
    assert_eq!(output["size"], "small");
    assert_eq!(history(&sfn, &done, 1000, false).await, done_history);
    let ran = sfn
        .describe_state_machine_for_execution()
        .execution_arn(&done)
        .send()
        .await
        .unwrap();
    assert_eq!(ran.definition, pass_choice_wait().to_string());

    // One that was running continues (its Wait is far from over): RUNNING, with the history
    // it had, and it can be stopped.
    let still = sfn
        .describe_execution()
        .execution_arn(&running)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status, ExecutionStatus::Running);
    assert_eq!(still.input(), Some("{\"keep\":true}"));
    assert_eq!(history(&sfn, &running, 1000, false).await, running_history);
    sfn.stop_execution()
        .execution_arn(&running)
        .cause("after restart")
        .send()
        .await
        .unwrap();
    emulator.shutdown().await;

    let emulator = state.start().await;
    let sfn = client(&emulator);
    let stopped = sfn
        .describe_execution()
        .execution_arn(&running)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.status, ExecutionStatus::Aborted);
    assert_eq!(stopped.cause(), Some("after restart"));
    let events = history(&sfn, &running, 1000, false).await;
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
        let sfn = client(&emulator);
        let holder = create_machine(&sfn, "token-holder", &pass_result("x")).await;
        let machine = create_machine(&sfn, "callback", &callback_machine(&holder)).await;
        let execution = start_execution(&sfn, &machine, json!({"job": 9})).await;
        let token = scheduled_token(&sfn, &execution).await;
        // No shutdown: the process dies with the task waiting.
        drop(emulator);
        (execution, token)
    };

    let emulator = state.start().await;
    let sfn = client(&emulator);
    sfn.send_task_success()
        .task_token(&token)
        .output(r#"{"done": true}"#)
        .send()
        .await
        .expect("the original token is still valid after the restart");
    let ended = finished(&sfn, &execution).await;
    assert_eq!(ended.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(ended.output().unwrap()).unwrap();
    assert_eq!(output, json!({"job": 9, "callback": {"done": true}}));
    let types: Vec<String> = history(&sfn, &execution, 1000, false)
        .await
        .iter()
        .map(|e| e.r#type.as_str().to_string())
        .collect();
    assert_eq!(
        types,
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
    let emulator = emulator::start(Config::ephemeral()).await.unwrap();
    let sfn = client(&emulator);
    let machine = create_machine(&sfn, "verbatim", &pass_result("done")).await;
    let text = "{ \"b\" : 1,\n  \"a\" : [ 1.0, \"x\" ] }";
    let execution = testkit::aws::start_execution(&sfn, &machine, text).await;
    finished(&sfn, &execution).await;
    let history = history(&sfn, &execution, 1000, false).await;
    let started = history[0]
        .execution_started_event_details()
        .expect("ExecutionStarted details");
    assert_eq!(started.input(), Some(text), "AWS keeps the caller's text");
    let described = sfn
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .unwrap();
    assert_eq!(described.input(), Some(text));
}
