//! The rendered resumer stack, deployed through CloudFormation change sets into the in-process
//! emulator, ends a real workflow's wait: the pause task `deployer task` prints, the rule, the
//! resume machine, the token table. Also what real event delivery brings: an event delivered
//! twice, an event nobody waits for, an event (success or failure) that comes before the pause.

use crate::common;

use std::collections::HashMap;

use aws_sdk_cloudformation::types::{Stack, StackStatus};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::{ExecutionListItem, ExecutionStatus, HistoryEvent};
use deployer::render::{pause_task, resumer_template, PauseOptions};
use deployer::resumer::{Resumer, ResumerEntry};
use serde_json::{json, Value};

use common::{deploy, eventually, output, sdk_config, ROLE_ARN};

type Item = HashMap<String, AttributeValue>;

/// A resume execution that found the token and sent it (or found it already used).
const RESUMED: &str = "GetToken > TokenStored > SendTaskSuccess > DeleteToken > Done";
/// A resume execution that found no token: it remembers the arrival for the window, then forgets.
const REMEMBERED: &str =
    "GetToken > TokenStored > RecordArrival > ArrivalWindow > ForgetArrival > Done";

fn entry(suffix: &str) -> ResumerEntry {
    ResumerEntry {
        name_suffix: suffix.into(),
        event_pattern: Some(
            r#"{"source": ["shop.orders"], "detail-type": ["OrderShipped"]}"#.into(),
        ),
        path_to_id_pause_task: Some("$.orderId".into()),
        path_to_id_workflow: Some("$.detail.orderId".into()),
        removal_policy: Some("destroy".into()),
        ..ResumerEntry::default()
    }
}

/// `entry` with a failure pattern (`OrderLost` events) and the given arrival window.
fn with_failures(suffix: &str, window: u64) -> ResumerEntry {
    ResumerEntry {
        failure_event_pattern: Some(
            r#"{"source": ["shop.orders"], "detail-type": ["OrderLost"]}"#.into(),
        ),
        arrival_window_seconds: Some(window),
        ..entry(suffix)
    }
}

/// A workflow that pauses with the printed pause task, then succeeds.
fn workflow(resumer: &Resumer) -> String {
    let options = PauseOptions {
        next: Some("Shipped".into()),
        ..PauseOptions::default()
    };
    let pause = pause_task(&resumer.pause, &options).expect("the pause task renders");
    json!({
        "StartAt": "WaitForShipping",
        "States": {"WaitForShipping": pause, "Shipped": {"Type": "Succeed"}}
    })
    .to_string()
}

fn shipped(order: &str) -> PutEventsRequestEntry {
    order_event("OrderShipped", order)
}

fn lost(order: &str) -> PutEventsRequestEntry {
    order_event("OrderLost", order)
}

fn order_event(detail_type: &str, order: &str) -> PutEventsRequestEntry {
    PutEventsRequestEntry::builder()
        .source("shop.orders")
        .detail_type(detail_type)
        .detail(detail(order).to_string())
        .build()
}

fn detail(order: &str) -> Value {
    json!({"orderId": order, "carrier": "ups"})
}

fn string<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .unwrap_or_else(|| panic!("no string {name} in {item:?}"))
}

/// One emulator with one deployed resumer stack and the `ship-order` workflow that pauses on it.
struct Stage {
    emulator: emulator::Emulator,
    sfn: aws_sdk_sfn::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    events: aws_sdk_eventbridge::Client,
    stack: Stack,
    table: String,
    workflow: String,
}

impl Stage {
    async fn new(entry: ResumerEntry) -> Stage {
        let emulator = emulator::start(emulator::Config::ephemeral())
            .await
            .expect("the emulator starts");
        let config = sdk_config(&emulator.endpoint());
        let cfn = aws_sdk_cloudformation::Client::new(&config);
        let sfn = aws_sdk_sfn::Client::new(&config);
        let resumer = entry.validate().expect("a valid resumer");
        let table = resumer.stack_name();
        let template = resumer_template(&resumer).expect("the template renders");
        let stack = deploy(&cfn, &table, &template).await;
        assert_eq!(
            stack.stack_status(),
            Some(&StackStatus::CreateComplete),
            "{:?}",
            stack.stack_status_reason()
        );
        let workflow = sfn
            .create_state_machine()
            .name("ship-order")
            .role_arn(ROLE_ARN)
            .definition(workflow(&resumer))
            .send()
            .await
            .expect("CreateStateMachine")
            .state_machine_arn;
        Stage {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            emulator,
            sfn,
            stack,
            table,
            workflow,
        }
    }

    /// One PutEvents call with these entries, all accepted.
    async fn put(&self, entries: Vec<PutEventsRequestEntry>) {
        let put = self
            .events
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .expect("PutEvents");
        assert_eq!(put.failed_entry_count, 0, "{put:?}");
    }

    /// Starts the workflow for `order`.
    async fn start(&self, order: &str) -> String {
        self.sfn
            .start_execution()
            .state_machine_arn(&self.workflow)
            .input(json!({"orderId": order}).to_string())
            .send()
            .await
            .expect("StartExecution")
            .execution_arn
    }

    /// Starts the workflow for `order` and waits until its pause task stored the token.
    async fn paused(&self, order: &str) -> String {
        let arn = self.start(order).await;
        self.item_where(order, |i| i.contains_key("token"))
            .await
            .expect("the pause task stores its token");
        arn
    }

    async fn item(&self, id: &str) -> Option<Item> {
        self.dynamodb
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem")
            .item
    }

    /// Waits (up to 10 s) for the item `id` to exist and satisfy `check`.
    async fn item_where(&self, id: &str, check: impl Fn(&Item) -> bool) -> Option<Item> {
        eventually(10, || async { self.item(id).await.filter(&check) }).await
    }

    /// Waits for the marker of an event for `id` that came first: its kind, its detail, no token.
    async fn marker(&self, id: &str, outcome: &str) -> Item {
        let marker = self
            .item_where(id, |i| i.contains_key("arrived"))
            .await
            .unwrap_or_else(|| panic!("the arrival for {id} is recorded"));
        assert_eq!(string(&marker, "outcome"), outcome);
        let recorded: Value = serde_json::from_str(string(&marker, "detail")).unwrap();
        assert_eq!(recorded, detail(id));
        assert!(!marker.contains_key("token"), "{marker:?}");
        marker
    }

    /// Waits (up to 10 s) for the item `id` to go.
    async fn gone(&self, id: &str, what: &str) {
        eventually(10, || async { self.item(id).await.is_none().then_some(()) })
            .await
            .unwrap_or_else(|| panic!("{what}: {id} is still in {}", self.table));
    }

    /// The table is empty (eventually: markers live out their window); then stops the emulator.
    async fn leaves_nothing(self) {
        let empty = eventually(10, || async { self.ids().await.is_empty().then_some(()) }).await;
        assert!(empty.is_some(), "left in the table: {:?}", self.ids().await);
        self.emulator.shutdown().await;
    }

    /// Every id in the table.
    async fn ids(&self) -> Vec<String> {
        let scan = self
            .dynamodb
            .scan()
            .table_name(&self.table)
            .consistent_read(true)
            .send()
            .await
            .expect("Scan");
        scan.items()
            .iter()
            .map(|i| string(i, "id").to_string())
            .collect()
    }

    async fn finished(&self, arn: &str) -> DescribeExecutionOutput {
        eventually(15, || async {
            let d = self
                .sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .ok()?;
            (d.status != ExecutionStatus::Running).then_some(d)
        })
        .await
        .expect("the workflow ends")
    }

    /// Waits until the machine named by the stack output `machine` has run `count` executions
    /// and none is still running.
    async fn runs(&self, machine: &str, count: usize) -> Vec<ExecutionListItem> {
        let arn = output(&self.stack, machine);
        eventually(15, || async {
            let list = self
                .sfn
                .list_executions()
                .state_machine_arn(&arn)
                .send()
                .await
                .ok()?;
            (list.executions.len() == count
                && list
                    .executions
                    .iter()
                    .all(|e| e.status != ExecutionStatus::Running))
            .then_some(list.executions)
        })
        .await
        .unwrap_or_else(|| panic!("{machine} runs {count} executions to their end"))
    }

    /// Like [`Stage::runs`], and every one of them succeeded.
    async fn all_succeeded(&self, machine: &str, count: usize) -> Vec<ExecutionListItem> {
        let runs = self.runs(machine, count).await;
        assert!(
            runs.iter().all(|e| e.status == ExecutionStatus::Succeeded),
            "{runs:?}"
        );
        runs
    }

    async fn history(&self, arn: &str) -> Vec<HistoryEvent> {
        self.sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(1000)
            .send()
            .await
            .expect("GetExecutionHistory")
            .events
    }

    /// The states an execution entered, in order.
    async fn states(&self, arn: &str) -> Vec<String> {
        self.history(arn)
            .await
            .iter()
            .filter_map(|e| Some(e.state_entered_event_details()?.name().to_string()))
            .collect()
    }

    /// The states each of these executions went through, joined by " > ", sorted.
    async fn paths(&self, runs: &[ExecutionListItem]) -> Vec<String> {
        let mut paths = Vec::new();
        for run in runs {
            paths.push(self.states(run.execution_arn()).await.join(" > "));
        }
        paths.sort();
        paths
    }

    /// The errors of the tasks these executions saw fail (and caught).
    async fn errors(&self, runs: &[ExecutionListItem]) -> Vec<String> {
        let mut errors = Vec::new();
        for run in runs {
            errors.extend(
                self.history(run.execution_arn())
                    .await
                    .iter()
                    .filter_map(|e| e.task_failed_event_details()?.error().map(str::to_string)),
            );
        }
        errors
    }

    /// How many of these executions' SendTaskSuccess calls were accepted.
    async fn accepted_sends(&self, runs: &[ExecutionListItem]) -> usize {
        let mut sends = 0;
        for run in runs {
            sends += self
                .history(run.execution_arn())
                .await
                .iter()
                .filter(|e| {
                    e.task_succeeded_event_details()
                        .is_some_and(|d| d.resource() == "sendTaskSuccess")
                })
                .count();
        }
        sends
    }

    /// The workflow for `order` succeeded with the event's detail as its pause result.
    async fn resumed_with_detail(&self, arn: &str, order: &str) {
        let done = self.finished(arn).await;
        assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
        let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
        assert_eq!(
            output,
            json!({"orderId": order, "resumeEvent": detail(order)})
        );
    }

    /// Sends the completion event for `order`: the paused workflow `arn` resumes with its detail.
    async fn ship(&self, arn: &str, order: &str) {
        self.put(vec![shipped(order)]).await;
        self.resumed_with_detail(arn, order).await;
    }

    /// The workflow for `order`, started while a marker exists, went on without waiting.
    async fn went_on(&self, arn: &str) {
        let done = self.finished(arn).await;
        assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
        let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
        assert_eq!(
            output["resumeEvent"]["Error"],
            "DynamoDb.ConditionalCheckFailedException"
        );
    }
}

#[tokio::test]
async fn the_rendered_stack_resumes_a_paused_workflow_with_the_events_detail() {
    let stage = Stage::new(ResumerEntry {
        arrival_window_seconds: Some(1),
        ..entry("orders")
    })
    .await;
    assert_eq!(output(&stage.stack, "TableName"), "sfn-resume-orders");
    let resume_arn = output(&stage.stack, "ResumeMachineArn");
    assert!(
        resume_arn.ends_with(":stateMachine:sfn-resume-orders_orders"),
        "{resume_arn}"
    );
    assert!(output(&stage.stack, "ResumeRuleArn").contains(":rule/"));
    let printed: Value = serde_json::from_str(&output(&stage.stack, "PauseTask")).unwrap();
    assert_eq!(printed["Parameters"]["TableName"], "sfn-resume-orders");

    // Workflow first: it pauses and its token is stored under the order id.
    let paused = stage.paused("o-1").await;
    let token = stage.item("o-1").await.expect("the token item");
    assert!(!string(&token, "token").is_empty());
    stage.ship(&paused, "o-1").await;
    stage
        .gone("o-1", "the resume machine deletes the token item")
        .await;

    // Event first: the resume machine records the arrival, so the workflow does not wait.
    stage.put(vec![shipped("o-2")]).await;
    stage.marker("o-2", "success").await;
    let early = stage.start("o-2").await;
    stage.went_on(&early).await;

    // Every resume execution succeeded, and the marker went when its window ended.
    stage.all_succeeded("ResumeMachineArn", 2).await;
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn failure_events_fail_the_wait_and_expired_tokens_are_cleaned_up() {
    let mut entry = with_failures("lost", 86_400);
    entry.timeout_seconds = Some(1);
    let stage = Stage::new(entry).await;
    let fail_arn = output(&stage.stack, "FailMachineArn");
    assert!(
        fail_arn.ends_with(":stateMachine:sfn-resume-lost_lost_fail"),
        "{fail_arn}"
    );

    // A failure event ends the wait with SendTaskFailure: the workflow fails with the detail.
    let paused = stage.paused("o-9").await;
    stage.put(vec![lost("o-9")]).await;
    let done = stage.finished(&paused).await;
    assert_eq!(done.status, ExecutionStatus::Failed, "{done:?}");
    assert_eq!(done.error(), Some("ResumeFailureEvent"));
    let cause: Value = serde_json::from_str(done.cause().unwrap()).unwrap();
    assert_eq!(cause, detail("o-9"));
    stage
        .gone("o-9", "the failure machine deletes the token item")
        .await;

    // A token whose task timed out: the late event cleans the item up and the resume succeeds.
    let late = stage.start("o-10").await;
    let done = stage.finished(&late).await;
    assert_eq!(done.status, ExecutionStatus::Failed, "{done:?}");
    assert_eq!(done.error(), Some("States.Timeout"));
    assert!(
        stage.item("o-10").await.is_some(),
        "the expired token is still stored"
    );
    stage.put(vec![shipped("o-10")]).await;
    stage
        .gone("o-10", "the expired token is deleted, not retried forever")
        .await;
    let runs = stage.all_succeeded("ResumeMachineArn", 1).await;
    // It got there through the catch: SendTaskSuccess was refused for the dead token.
    let refused = stage.errors(&runs).await;
    assert!(
        refused
            .iter()
            .any(|e| e == "Sfn.TaskTimedOutException" || e == "Sfn.TaskDoesNotExistException"),
        "{refused:?}"
    );
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn an_event_delivered_again_after_the_resume_resumes_once_and_leaves_nothing() {
    let stage = Stage::new(with_failures("twice", 1)).await;
    let paused = stage.paused("o-1").await;
    stage.ship(&paused, "o-1").await;
    stage.gone("o-1", "the resume deletes the token").await;

    // The second delivery finds no token: it leaves a marker, which expires with its window.
    stage.put(vec![shipped("o-1")]).await;
    let runs = stage.all_succeeded("ResumeMachineArn", 2).await;
    assert_eq!(stage.accepted_sends(&runs).await, 1, "exactly one resume");
    assert_eq!(
        stage.paths(&runs).await,
        [REMEMBERED, RESUMED],
        "the first resumes, the second remembers its arrival and forgets it"
    );
    assert_eq!(stage.ids().await, Vec::<String>::new(), "nothing is left");

    // So the id can be used again: a new pause waits, and its own event resumes it.
    let again = stage.paused("o-1").await;
    stage.ship(&again, "o-1").await;
    stage.all_succeeded("ResumeMachineArn", 3).await;
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn an_event_delivered_twice_at_once_resumes_once_and_leaves_nothing() {
    let stage = Stage::new(with_failures("together", 1)).await;
    let paused = stage.paused("o-2").await;
    // EventBridge delivers at least once: the same event twice, close together.
    stage.put(vec![shipped("o-2"), shipped("o-2")]).await;
    stage.resumed_with_detail(&paused, "o-2").await;
    let runs = stage.all_succeeded("ResumeMachineArn", 2).await;
    assert_eq!(stage.accepted_sends(&runs).await, 1, "exactly one resume");
    // Either both found the token (the second SendTaskSuccess is refused: TaskTimedOut, caught)
    // or the second came after the delete and remembered its arrival.
    let paths = stage.paths(&runs).await;
    if paths == [RESUMED, RESUMED] {
        // The loser's SendTaskSuccess is refused, and its DeleteToken may find the item gone.
        let mut errors = stage.errors(&runs).await;
        errors.retain(|e| e != "DynamoDb.ConditionalCheckFailedException");
        assert_eq!(errors, ["Sfn.TaskTimedOutException"]);
    } else {
        assert_eq!(paths, [REMEMBERED, RESUMED]);
    }
    let done = stage.history(&paused).await;
    let resumed = done
        .iter()
        .filter(|e| e.task_succeeded_event_details().is_some())
        .count();
    assert_eq!(resumed, 1, "the pause task succeeded once");
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn an_event_nobody_waits_for_leaves_a_marker_that_expires() {
    let stage = Stage::new(with_failures("nobody", 2)).await;
    stage.put(vec![shipped("ghost")]).await;
    let marker = stage.marker("ghost", "success").await;
    stage.gone("ghost", "the marker expires").await;
    let runs = stage.all_succeeded("ResumeMachineArn", 1).await;
    assert_eq!(string(&marker, "recordedBy"), runs[0].execution_arn());

    // Expiry deletes only its own marker: a token stored meanwhile (here after the marker was
    // removed by hand) survives the window.
    stage.put(vec![shipped("o-3")]).await;
    stage.marker("o-3", "success").await;
    stage
        .dynamodb
        .delete_item()
        .table_name(&stage.table)
        .key("id", AttributeValue::S("o-3".into()))
        .send()
        .await
        .expect("DeleteItem");
    let paused = stage.paused("o-3").await;
    stage.all_succeeded("ResumeMachineArn", 2).await;
    let token = stage.item("o-3").await.expect("the token survives");
    assert!(token.contains_key("token"), "{token:?}");
    stage.ship(&paused, "o-3").await;
    stage.all_succeeded("ResumeMachineArn", 3).await;
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn a_failure_event_that_comes_first_is_recorded_as_a_failure() {
    let stage = Stage::new(with_failures("early", 2)).await;
    stage.put(vec![lost("o-4")]).await;
    stage.marker("o-4", "failure").await;

    // The pause task cannot tell the kinds apart: the workflow goes on (documented), and can
    // read the marker's outcome within the window.
    let early = stage.start("o-4").await;
    stage.went_on(&early).await;
    let still = stage
        .item("o-4")
        .await
        .expect("the marker lives out its window");
    assert_eq!(string(&still, "outcome"), "failure");

    stage.gone("o-4", "the marker expires").await;
    stage.all_succeeded("FailMachineArn", 1).await;
    assert_eq!(stage.runs("ResumeMachineArn", 0).await.len(), 0);
    stage.leaves_nothing().await;
}
