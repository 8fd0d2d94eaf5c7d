//! RedriveExecution through the real aws-sdk-sfn client: a failed Map re-runs only the
//! iterations that did not succeed, a failed Parallel only its failed branch, a timed-out
//! execution goes on with a fresh timeout; the states before the redriven one never run again
//! (counted by DynamoDB updates the workflow makes). Each refusal, the client token, the
//! redrive fields of DescribeExecution/ListExecutions, and a redrive across a restart.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sfn::error::SdkError;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::operation::redrive_execution::{RedriveExecutionError, RedriveExecutionOutput};
use aws_sdk_sfn::types::{ExecutionRedriveFilter, ExecutionStatus};
use aws_sdk_sfn::Client;
use emulator::Emulator;
use serde_json::{json, Value};
use testkit::aws::{
    code_message, create_express_machine, create_machine, describe_execution, history,
    start_execution, Refusal,
};

use crate::stepfunctions::{output, waiting};

const TABLE: &str = "redrive-counts";

fn clients(emulator: &Emulator) -> (Client, aws_sdk_dynamodb::Client) {
    let config = testkit::aws::sdk_config(&emulator.endpoint());
    (Client::new(&config), aws_sdk_dynamodb::Client::new(&config))
}

/// The table the workflows count their calls in, with the gate closed.
async fn counts_table(ddb: &aws_sdk_dynamodb::Client) {
    testkit::aws::string_key_table(ddb, TABLE, "id").await;
    set_gate(ddb, false).await;
}

/// Opens or closes the gate the workflows fail on while it is closed.
async fn set_gate(ddb: &aws_sdk_dynamodb::Client, open: bool) {
    ddb.put_item()
        .table_name(TABLE)
        .item("id", AttributeValue::S("gate".into()))
        .item("open", AttributeValue::Bool(open))
        .send()
        .await
        .expect("PutItem gate");
}

/// Checks how many times the workflow counted each id: (id, count, what the count means).
async fn assert_counts<const N: usize>(
    ddb: &aws_sdk_dynamodb::Client,
    expected: [(&str, u64, &str); N],
) {
    for (id, n, meaning) in expected {
        assert_eq!(count(ddb, id).await, n, "{meaning}");
    }
}

/// How many times the workflow counted `id` (0 when never).
async fn count(ddb: &aws_sdk_dynamodb::Client, id: &str) -> u64 {
    let item = ddb
        .get_item()
        .table_name(TABLE)
        .key("id", AttributeValue::S(id.into()))
        .send()
        .await
        .expect("GetItem")
        .item;
    item.and_then(|i| i.get("n").and_then(|n| n.as_n().ok()).cloned())
        .map_or(0, |n| n.parse().unwrap())
}

/// A task that adds one to the counter `id` (a JSONPath when it starts with `$`).
fn counted(id: &str, next: &str) -> Value {
    let key = if id.starts_with('$') {
        json!({"S.$": id})
    } else {
        json!({"S": id})
    };
    json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": TABLE,
            "Key": {"id": key},
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}}
        },
        "ResultPath": null,
        "Next": next
    })
}

/// A task that reads the gate into `$.gate` (true when open).
fn gate(next: &str) -> Value {
    json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:getItem",
        "Parameters": {"TableName": TABLE, "Key": {"id": {"S": "gate"}}},
        "ResultSelector": {"open.$": "$.Item.open.BOOL"},
        "ResultPath": "$.gate",
        "Next": next
    })
}

/// Waits for the execution to end; returns its description.
async fn ended(sfn: &Client, arn: &str) -> DescribeExecutionOutput {
    testkit::aws::execution_end(sfn, arn, 20).await
}

/// Creates the state machine `name`, starts it on `input` and waits for the execution to
/// end: its ARN and description.
async fn run(
    sfn: &Client,
    name: &str,
    definition: Value,
    input: Value,
) -> (String, DescribeExecutionOutput) {
    let machine = create_machine(sfn, name, definition).await;
    let execution = start_execution(sfn, &machine, input).await;
    let described = ended(sfn, &execution).await;
    (execution, described)
}

/// RedriveExecution of `arn` (with the client token `token`), its result as it came.
async fn redrive(
    sfn: &Client,
    arn: &str,
    token: Option<&str>,
) -> Result<RedriveExecutionOutput, SdkError<RedriveExecutionError>> {
    sfn.redrive_execution()
        .execution_arn(arn)
        .set_client_token(token.map(str::to_string))
        .send()
        .await
}

/// Opens the gate, redrives the execution and waits for the redrive to end: its description,
/// which must be SUCCEEDED, and the redrive's date.
async fn redrive_through_the_open_gate(
    sfn: &Client,
    ddb: &aws_sdk_dynamodb::Client,
    execution: &str,
) -> (DescribeExecutionOutput, aws_sdk_sfn::primitives::DateTime) {
    set_gate(ddb, true).await;
    let redriven = redrive(sfn, execution, None)
        .await
        .expect("RedriveExecution");
    let done = ended(sfn, execution).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
    (done, redriven.redrive_date)
}

/// Every event of the execution, as JSON objects with `type`, `id`, `previousEventId`.
async fn events(sfn: &Client, arn: &str) -> Vec<Value> {
    let history = history(sfn, arn).await;
    let event = |e: &aws_sdk_sfn::types::HistoryEvent| {
        let mut event = json!({
            "type": e.r#type().as_str(),
            "id": e.id,
            "previousEventId": e.previous_event_id,
        });
        if let Some(d) = e.execution_redriven_event_details() {
            event["redriveCount"] = json!(d.redrive_count);
        }
        if let Some(d) = e.state_entered_event_details() {
            event["name"] = json!(d.name());
        }
        event
    };
    history.iter().map(event).collect()
}

fn of_type<'a>(events: &'a [Value], event_type: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == event_type).collect()
}

/// A redrive error's code and message.
async fn refused(sfn: &Client, arn: &str, token: Option<&str>) -> (String, String) {
    let err = redrive(sfn, arn, token).await.expect_err(&format!(
        "the redrive of {arn} with {token:?} must be refused"
    ));
    code_message(&err)
}

fn map_machine() -> Value {
    json!({
        "StartAt": "Before",
        "States": {
            "Before": counted("before", "Each"),
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "StartAt": "Count",
                    "States": {
                        "Count": counted("$.id", "Gate"),
                        "Gate": gate("Open?"),
                        "Open?": {
                            "Type": "Choice",
                            "Choices": [{
                                "And": [
                                    {"Variable": "$.bad", "BooleanEquals": true},
                                    {"Variable": "$.gate.open", "BooleanEquals": false}
                                ],
                                "Next": "Closed"
                            }],
                            "Default": "Done"
                        },
                        "Closed": {"Type": "Fail", "Error": "Gate.Closed", "Cause": "the gate is closed"},
                        "Done": {"Type": "Pass", "Parameters": {"id.$": "$.id"}, "End": true}
                    }
                },
                "Next": "After"
            },
            "After": {"Type": "Pass", "End": true}
        }
    })
}

/// The input of the map machine: four items `{prefix}-0` to `{prefix}-3`, of which the third
/// fails while the gate is closed.
fn items(prefix: &str) -> Value {
    let items: Vec<Value> = (0..4)
        .map(|i| json!({"id": format!("{prefix}-{i}"), "bad": i == 2}))
        .collect();
    json!({ "items": items })
}

/// Checks what the redrive of the map machine on [`items`] did: the kept and new iteration
/// outputs, in item order; Before and the two items that had succeeded ran once, the failed
/// item once more, the one never started once.
async fn assert_map_redriven(
    ddb: &aws_sdk_dynamodb::Client,
    done: &DescribeExecutionOutput,
    prefix: &str,
) {
    let ids: Vec<Value> = (0..4)
        .map(|i| json!({"id": format!("{prefix}-{i}")}))
        .collect();
    assert_eq!(
        output(done),
        json!(ids),
        "kept and new iteration outputs, in item order"
    );
    let id = |i: u32| format!("{prefix}-{i}");
    assert_counts(
        ddb,
        [
            ("before", 1, "Before ran once"),
            (&id(0), 1, "item 0 succeeded: not again"),
            (&id(1), 1, "item 1 succeeded: not again"),
            (&id(2), 2, "item 2 failed: once more"),
            (&id(3), 1, "item 3 never started: now"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redriven_map_reruns_only_the_iterations_that_did_not_succeed() {
    let emulator = testkit::aws::emulator().await;
    let (sfn, ddb) = clients(&emulator);
    counts_table(&ddb).await;
    let (execution, failed) = run(&sfn, "redrive-map", map_machine(), items("item")).await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert_eq!(failed.error(), Some("Gate.Closed"));
    assert_eq!(failed.redrive_count, Some(0));
    assert_eq!(failed.redrive_date, None);
    assert_eq!(
        failed.redrive_status.as_ref().map(|s| s.as_str()),
        Some("REDRIVABLE")
    );
    let before = events(&sfn, &execution).await;
    // MaxConcurrency 1: item 3 never started.
    assert_eq!(count(&ddb, "item-3").await, 0);

    let (done, redrive_date) = redrive_through_the_open_gate(&sfn, &ddb, &execution).await;
    assert_map_redriven(&ddb, &done, "item").await;

    assert_eq!(done.redrive_count, Some(1));
    assert_eq!(done.redrive_date, Some(redrive_date));
    assert_eq!(
        done.redrive_status.as_ref().map(|s| s.as_str()),
        Some("NOT_REDRIVABLE")
    );
    assert_eq!(
        done.redrive_status_reason(),
        Some("Execution is SUCCEEDED and cannot be redriven")
    );

    let after = events(&sfn, &execution).await;
    assert_eq!(&after[..before.len()], &before[..], "the history is kept");
    let redrive = &after[before.len()];
    assert_eq!(redrive["type"], "ExecutionRedriven");
    assert_eq!(redrive["redriveCount"], 1);
    assert_eq!(redrive["previousEventId"], before.len() as i64);
    assert_eq!(redrive["id"], before.len() as i64 + 1);
    let reentered = &after[before.len() + 1];
    assert_eq!(reentered["type"], "MapStateEntered");
    assert_eq!(reentered["previousEventId"], redrive["id"]);
    let ids: Vec<i64> = after.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (1..=after.len() as i64).collect::<Vec<_>>());
    let new = &after[before.len()..];
    let started: Vec<&Value> = of_type(new, "MapIterationStarted");
    assert_eq!(started.len(), 2, "two iterations ran again: {new:?}");
    assert_eq!(of_type(new, "ExecutionSucceeded").len(), 1);

    let (code, message) = refused(&sfn, &execution, None).await;
    assert_eq!(code, "ExecutionNotRedrivable");
    assert_eq!(message, "Execution is SUCCEEDED and cannot be redriven");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redriven_distributed_map_redrives_its_map_run_and_reruns_only_the_failed_items() {
    let emulator = testkit::aws::emulator().await;
    let (sfn, ddb) = clients(&emulator);
    counts_table(&ddb).await;
    let mut definition = map_machine();
    definition["States"]["Each"]["ItemProcessor"]["ProcessorConfig"] =
        json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"});
    let (execution, failed) = run(&sfn, "redrive-distributed", definition, items("d")).await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    let started: Vec<String> = history(&sfn, &execution)
        .await
        .iter()
        .filter_map(|e| e.map_run_started_event_details())
        .filter_map(|d| d.map_run_arn().map(str::to_string))
        .collect();
    assert_eq!(started.len(), 1);

    let (done, _) = redrive_through_the_open_gate(&sfn, &ddb, &execution).await;
    assert_map_redriven(&ddb, &done, "d").await;
    let redriven: Vec<(String, Option<i32>)> = history(&sfn, &execution)
        .await
        .iter()
        .filter_map(|e| e.map_run_redriven_event_details())
        .map(|d| {
            (
                d.map_run_arn().unwrap_or_default().to_string(),
                d.redrive_count(),
            )
        })
        .collect();
    assert_eq!(
        redriven,
        [(started[0].clone(), Some(1))],
        "the same map run goes on"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redriven_parallel_reruns_only_the_failed_branch() {
    let emulator = testkit::aws::emulator().await;
    let (sfn, ddb) = clients(&emulator);
    counts_table(&ddb).await;
    let definition = json!({
        "StartAt": "Before",
        "States": {
            "Before": counted("before", "Both"),
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Quick", "States": {
                        "Quick": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::dynamodb:updateItem",
                            "Parameters": {
                                "TableName": TABLE,
                                "Key": {"id": {"S": "quick"}},
                                "UpdateExpression": "ADD n :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}}
                            },
                            "ResultSelector": {"branch": "quick"},
                            "End": true
                        }
                    }},
                    {"StartAt": "Slow", "States": {
                        "Slow": {"Type": "Wait", "Seconds": 1, "Next": "CountSlow"},
                        "CountSlow": counted("slow", "SlowGate"),
                        "SlowGate": gate("SlowOpen?"),
                        "SlowOpen?": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$.gate.open", "BooleanEquals": true, "Next": "SlowDone"}],
                            "Default": "SlowClosed"
                        },
                        "SlowClosed": {"Type": "Fail", "Error": "Gate.Closed"},
                        "SlowDone": {"Type": "Pass", "Result": {"branch": "slow"}, "End": true}
                    }}
                ],
                "End": true
            }
        }
    });
    let (execution, failed) = run(&sfn, "redrive-parallel", definition, json!({})).await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    let (done, _) = redrive_through_the_open_gate(&sfn, &ddb, &execution).await;
    assert_eq!(
        output(&done),
        json!([{"branch": "quick"}, {"branch": "slow"}])
    );
    assert_counts(
        &ddb,
        [
            ("before", 1, "Before ran once"),
            ("quick", 1, "the branch that succeeded kept its output"),
            ("slow", 2, "the failed branch ran again from its start"),
        ],
    )
    .await;
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timed_out_execution_is_redriven_with_a_new_timeout() {
    let emulator = testkit::aws::emulator().await;
    let (sfn, ddb) = clients(&emulator);
    counts_table(&ddb).await;
    let definition = json!({
        "StartAt": "Before",
        "TimeoutSeconds": 2,
        "States": {
            "Before": counted("before", "Check"),
            "Check": gate("Open?"),
            "Open?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.gate.open", "BooleanEquals": true, "Next": "Done"}],
                "Default": "Stall"
            },
            "Stall": {"Type": "Wait", "Seconds": 1, "Next": "Check"},
            "Done": {"Type": "Pass", "Result": "through", "End": true}
        }
    });
    let (execution, timed_out) = run(&sfn, "redrive-timeout", definition, json!({})).await;
    assert_eq!(timed_out.status, ExecutionStatus::TimedOut);
    let (done, _) = redrive_through_the_open_gate(&sfn, &ddb, &execution).await;
    assert_eq!(done.output(), Some("\"through\""));
    assert_eq!(count(&ddb, "before").await, 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redrives_are_refused_as_aws_refuses_them_and_a_client_token_is_idempotent() {
    let emulator = testkit::aws::emulator().await;
    let (sfn, _) = clients(&emulator);
    // Boom takes a second, then fails: a redrive is still running when asked again.
    let fails = json!({"StartAt": "Then", "States": {
        "Then": {"Type": "Pass", "Next": "Boom"},
        "Boom": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "Nap", "States": {
            "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Fail"},
            "Fail": {"Type": "Fail", "Error": "Boom"}
        }}]}
    }});
    let machine = create_machine(&sfn, "redrive-refusals", fails).await;
    let slow = create_machine(&sfn, "redrive-running", waiting(1000)).await;

    let running = start_execution(&sfn, &slow, json!({})).await;
    let (code, message) = refused(&sfn, &running, None).await;
    assert_eq!(code, "ExecutionNotRedrivable");
    assert_eq!(message, "Execution is RUNNING and cannot be redriven");
    let described = describe_execution(&sfn, &running).await;
    assert_eq!(
        described.redrive_status_reason(),
        Some("Execution is RUNNING and cannot be redriven")
    );

    let missing = machine.replacen(":stateMachine:", ":execution:", 1) + ":nobody";
    assert_eq!(
        refused(&sfn, &missing, None).await.0,
        "ExecutionDoesNotExist"
    );
    assert_eq!(refused(&sfn, "not-an-arn", None).await.0, "InvalidArn");
    let execution = start_execution(&sfn, &machine, json!({"n": 1})).await;
    let long = "t".repeat(65);
    assert_eq!(
        refused(&sfn, &execution, Some(&long)).await.0,
        "ValidationException"
    );
    assert_eq!(
        refused(&sfn, &execution, Some("has space")).await.0,
        "ValidationException"
    );
    assert_eq!(
        ended(&sfn, &execution).await.status,
        ExecutionStatus::Failed
    );

    let first = redrive(&sfn, &execution, Some("retry-1"))
        .await
        .expect("RedriveExecution");
    let again = redrive(&sfn, &execution, Some("retry-1"))
        .await
        .expect("the same client token answers again");
    assert_eq!(first.redrive_date, again.redrive_date);
    let (code, _) = refused(&sfn, &execution, Some("retry-2")).await;
    assert_eq!(code, "ExecutionNotRedrivable", "a new token while it runs");
    let failed_again = ended(&sfn, &execution).await;
    assert_eq!(failed_again.status, ExecutionStatus::Failed);
    assert_eq!(failed_again.redrive_count, Some(1), "one redrive, not two");
    let history = events(&sfn, &execution).await;
    assert_eq!(of_type(&history, "ExecutionRedriven").len(), 1);
    assert_eq!(
        of_type(&history, "PassStateEntered").len(),
        1,
        "the state before the failed one is not run again"
    );
    assert_eq!(of_type(&history, "ParallelStateEntered").len(), 2);

    // A second redrive counts on.
    redrive(&sfn, &execution, None)
        .await
        .expect("a second redrive");
    ended(&sfn, &execution).await;
    let history = events(&sfn, &execution).await;
    let redrives = of_type(&history, "ExecutionRedriven");
    assert_eq!(redrives[1]["redriveCount"], 2);

    let redriven = |filter| {
        let sfn = sfn.clone();
        let machine = machine.clone();
        async move {
            let listed = sfn
                .list_executions()
                .state_machine_arn(machine)
                .redrive_filter(filter)
                .send()
                .await
                .unwrap();
            listed
                .executions()
                .iter()
                .map(|e| (e.execution_arn().to_string(), e.redrive_count))
                .collect::<Vec<_>>()
        }
    };
    let other = start_execution(&sfn, &machine, json!({"n": 2})).await;
    ended(&sfn, &other).await;
    assert_eq!(
        redriven(ExecutionRedriveFilter::Redriven).await,
        [(execution.clone(), Some(2))]
    );
    assert_eq!(
        redriven(ExecutionRedriveFilter::NotRedriven).await,
        [(other, Some(0))]
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_execution_that_failed_before_a_restart_is_redriven_after_it_and_stays_redriven() {
    let state = testkit::aws::StateDir::new();
    let definition = json!({"StartAt": "Before", "States": {
        "Before": counted("before", "Check"),
        "Check": gate("Open?"),
        "Open?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.gate.open", "BooleanEquals": true, "Next": "Done"}],
            "Default": "Closed"
        },
        "Closed": {"Type": "Fail", "Error": "Gate.Closed"},
        "Done": {"Type": "Succeed"}
    }});
    let execution = {
        let emulator = state.start().await;
        let (sfn, ddb) = clients(&emulator);
        counts_table(&ddb).await;
        let (execution, failed) =
            run(&sfn, "redrive-durable", definition, json!({"keep": 1})).await;
        assert_eq!(failed.status, ExecutionStatus::Failed);
        emulator.shutdown().await;
        execution
    };
    {
        let emulator = state.start().await;
        let (sfn, ddb) = clients(&emulator);
        set_gate(&ddb, true).await;
        redrive(&sfn, &execution, None)
            .await
            .expect("RedriveExecution after a restart");
        assert_eq!(
            ended(&sfn, &execution).await.status,
            ExecutionStatus::Failed
        );
        emulator.shutdown().await;
    }
    let emulator = state.start().await;
    let (sfn, ddb) = clients(&emulator);
    let described = ended(&sfn, &execution).await;
    assert_eq!(described.redrive_count, Some(1), "{described:?}");
    assert!(described.redrive_date.is_some());
    assert_eq!(count(&ddb, "before").await, 1);
    let history = events(&sfn, &execution).await;
    assert_eq!(of_type(&history, "ExecutionRedriven").len(), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_express_machine_is_not_redriven() {
    let emulator = testkit::aws::emulator().await;
    let (sfn, _) = clients(&emulator);
    let fails = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}});
    let express = create_express_machine(&sfn, "redrive-express", fails).await;
    let execution = start_execution(&sfn, &express, json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (code, message) = refused(&sfn, &execution, None).await;
    assert_eq!(code, "ExecutionNotRedrivable");
    assert_eq!(
        message,
        "Execution is of type EXPRESS and cannot be redriven"
    );
    // AWS lists no EXPRESS executions.
    sfn.list_executions()
        .state_machine_arn(&express)
        .send()
        .await
        .assert_error_code("StateMachineTypeNotSupported");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_execution_that_cannot_continue_after_a_restart_ends_failed_and_the_start_goes_on() {
    let state = testkit::aws::StateDir::new();
    let definition = json!({"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Next": "Long"},
        "Long": {"Type": "Wait", "Seconds": 1000, "End": true}
    }});
    let (execution, other) = {
        let emulator = state.start().await;
        let (sfn, _) = clients(&emulator);
        let machine = create_machine(&sfn, "replay-poison", definition).await;
        let execution = start_execution(&sfn, &machine, json!({})).await;
        let other = start_execution(&sfn, &machine, json!({"fine": true})).await;
        for arn in [&execution, &other] {
            testkit::eventually(10, || async {
                (events(&sfn, arn).await.len() >= 4).then_some(())
            })
            .await
            .expect("the executions reach their Wait");
        }
        emulator.shutdown().await;
        (execution, other)
    };
    // A gap in the recorded history: its PassStateEntered event is gone, so the engine cannot
    // take the execution up again.
    let journal = state.path().join(emulator::journal::JOURNAL_FILE);
    let text = std::fs::read_to_string(&journal).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !(line.contains(&execution) && line.contains("PassStateEntered")))
        .collect();
    assert_eq!(kept.len() + 1, text.lines().count());
    std::fs::write(&journal, kept.join("\n") + "\n").unwrap();

    for _ in 0..2 {
        let emulator = state.start().await;
        let (sfn, _) = clients(&emulator);
        let failed = ended(&sfn, &execution).await;
        assert_eq!(failed.status, ExecutionStatus::Failed);
        assert_eq!(failed.error(), Some("States.Runtime"));
        let cause = failed.cause().unwrap_or_default();
        assert!(
            cause.starts_with("The emulator could not continue this execution after a restart"),
            "{cause}"
        );
        let described = describe_execution(&sfn, &other).await;
        assert_eq!(
            described.status,
            ExecutionStatus::Running,
            "the other goes on"
        );
        emulator.shutdown().await;
    }
}
