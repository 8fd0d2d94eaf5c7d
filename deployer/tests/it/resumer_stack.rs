//! The rendered resumer stack, deployed through CloudFormation change sets into the in-process
//! emulator, ends a real workflow's wait: the pause task `deployer task` prints, the rule, the
//! resume machine, the token table. Also what real event delivery brings, in every order: an
//! event after the pause or before it, delivered twice, for an id nobody waits for, a failure
//! event after or before the pause, a pause that timed out or was abandoned and a new pause with
//! the same id, two pauses on one id at once.

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

use common::{deploy, output, ROLE_ARN};
use testkit::aws::sdk_config;
use testkit::eventually;

type Item = HashMap<String, AttributeValue>;

/// A resume execution that found the token and sent it (or found it already used).
const RESUMED: &str = "GetToken > TokenStored > SendTaskSuccess > DeleteToken > Done";
/// A resume execution that found no token: it remembers the arrival for the window, then forgets.
const REMEMBERED: &str =
    "GetToken > TokenStored > RecordArrival > ArrivalWindow > ForgetArrival > Done";
/// A resume execution whose token was dead: it deletes the token, then remembers the arrival.
const DEAD_THEN_REMEMBERED: &str = "GetToken > TokenStored > SendTaskSuccess > ForgetDeadToken > \
     GetToken > TokenStored > RecordArrival > ArrivalWindow > ForgetArrival > Done";

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
    assert_eq!(printed["Type"], "Parallel");
    assert_eq!(
        printed["Branches"][0]["States"]["Pause"]["Parameters"]["TableName"],
        "sfn-resume-orders"
    );

    // Workflow first: it pauses and its token is stored under the order id.
    let paused = stage.paused("o-1").await;
    let token = stage.item("o-1").await.expect("the token item");
    assert!(!string(&token, "token").is_empty());
    stage.ship(&paused, "o-1").await;
    stage
        .gone("o-1", "the resume machine deletes the token item")
        .await;

    // Event first: the resume machine records the arrival, so the workflow does not wait, and
    // its pause result is the event's detail all the same; the pause consumes the marker.
    stage.put(vec![shipped("o-2")]).await;
    stage.marker("o-2", "success").await;
    let early = stage.start("o-2").await;
    stage.resumed_with_detail(&early, "o-2").await;
    assert!(stage.item("o-2").await.is_none(), "the marker is consumed");

    // Every resume execution succeeded (the recorder finds its marker consumed: fine).
    stage.all_succeeded("ResumeMachineArn", 2).await;
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn failure_events_fail_the_wait_and_expired_tokens_are_cleaned_up() {
    let mut entry = with_failures("lost", 1);
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

    // A pause that times out fails with States.Timeout and takes its token with it; the late
    // event is remembered like one nobody waits for, and forgotten after its window.
    let late = stage.start("o-10").await;
    let done = stage.finished(&late).await;
    assert_eq!(done.status, ExecutionStatus::Failed, "{done:?}");
    assert_eq!(done.error(), Some("States.Timeout"));
    stage
        .gone("o-10", "the timed-out pause deletes its token")
        .await;
    stage.put(vec![shipped("o-10")]).await;
    let runs = stage.all_succeeded("ResumeMachineArn", 1).await;
    assert_eq!(stage.paths(&runs).await, [REMEMBERED]);
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
    // Either both found the token (the loser's SendTaskSuccess is refused: TaskTimedOut, so it
    // deletes the dead token if still there and remembers its arrival) or the second came after
    // the delete and remembered its arrival.
    let paths = stage.paths(&runs).await;
    if paths.contains(&DEAD_THEN_REMEMBERED.to_string()) {
        assert_eq!(paths, [RESUMED, DEAD_THEN_REMEMBERED]);
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
async fn a_failure_event_that_comes_first_fails_the_pause_with_its_detail() {
    let stage = Stage::new(with_failures("early", 2)).await;
    stage.put(vec![lost("o-4")]).await;
    stage.marker("o-4", "failure").await;

    // The pause reads the marker: it fails exactly as when the failure event comes after it.
    let early = stage.start("o-4").await;
    let done = stage.finished(&early).await;
    assert_eq!(done.status, ExecutionStatus::Failed, "{done:?}");
    assert_eq!(done.error(), Some("ResumeFailureEvent"));
    let cause: Value = serde_json::from_str(done.cause().unwrap()).unwrap();
    assert_eq!(cause, detail("o-4"));
    assert!(stage.item("o-4").await.is_none(), "the marker is consumed");

    stage.all_succeeded("FailMachineArn", 1).await;
    assert_eq!(stage.runs("ResumeMachineArn", 0).await.len(), 0);
    stage.leaves_nothing().await;
}

impl Stage {
    /// Stops the execution `arn` (its pause is abandoned: its token stays in the table).
    async fn stop(&self, arn: &str) {
        self.sfn
            .stop_execution()
            .execution_arn(arn)
            .send()
            .await
            .expect("StopExecution");
        let done = self.finished(arn).await;
        assert_eq!(done.status, ExecutionStatus::Aborted, "{done:?}");
    }

    /// The token stored under `id` now.
    async fn token(&self, id: &str) -> String {
        let item = self.item(id).await.expect("a token item");
        string(&item, "token").to_string()
    }
}

#[tokio::test]
async fn a_pause_that_timed_out_never_lets_the_next_pause_with_its_id_go_on() {
    let mut entry = entry("retry");
    entry.timeout_seconds = Some(2);
    entry.arrival_window_seconds = Some(1);
    let stage = Stage::new(entry).await;
    let first = stage.start("o-5").await;
    let done = stage.finished(&first).await;
    assert_eq!(done.error(), Some("States.Timeout"), "{done:?}");

    // The retry waits (its own token is stored) instead of going on, and its event resumes it.
    let retry = stage.paused("o-5").await;
    let still = stage
        .sfn
        .describe_execution()
        .execution_arn(&retry)
        .send()
        .await
        .expect("DescribeExecution");
    assert_eq!(still.status, ExecutionStatus::Running);
    stage.ship(&retry, "o-5").await;
    stage.all_succeeded("ResumeMachineArn", 1).await;
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn an_abandoned_pause_is_replaced_by_the_next_pause_with_its_id() {
    let stage = Stage::new(ResumerEntry {
        arrival_window_seconds: Some(1),
        ..entry("abandoned")
    })
    .await;
    let gone = stage.paused("o-6").await;
    let dead = stage.token("o-6").await;
    stage.stop(&gone).await;
    assert_eq!(
        stage.token("o-6").await,
        dead,
        "a stopped pause leaves its token"
    );

    // The next pause probes the token, finds it dead, replaces it and waits for its own event.
    let next = stage.start("o-6").await;
    let fresh = stage
        .item_where("o-6", |i| {
            i.get("token").and_then(|t| t.as_s().ok()) != Some(&dead)
        })
        .await
        .expect("the dead token is replaced");
    assert!(fresh.contains_key("token"), "{fresh:?}");
    let entered = stage.states(&next).await;
    assert!(
        entered.iter().any(|s| s == "ProbeOtherPause")
            && entered.iter().any(|s| s == "ForgetDeadPause"),
        "{entered:?}"
    );
    stage.ship(&next, "o-6").await;
    stage.all_succeeded("ResumeMachineArn", 1).await;
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn an_event_for_an_abandoned_pause_is_remembered_for_the_next_pause() {
    let stage = Stage::new(ResumerEntry {
        arrival_window_seconds: Some(2),
        ..entry("late")
    })
    .await;
    let gone = stage.paused("o-8").await;
    stage.stop(&gone).await;

    // The event finds a dead token: the resume machine deletes it and remembers the arrival...
    stage.put(vec![shipped("o-8")]).await;
    stage.marker("o-8", "success").await;
    // ...so the next pause with the id goes on at once with the event's detail.
    let next = stage.start("o-8").await;
    stage.resumed_with_detail(&next, "o-8").await;
    let runs = stage.all_succeeded("ResumeMachineArn", 1).await;
    assert_eq!(stage.paths(&runs).await, [DEAD_THEN_REMEMBERED]);
    assert!(stage
        .errors(&runs)
        .await
        .iter()
        .any(|e| e.starts_with("Sfn.Task")));
    assert_eq!(
        stage.ids().await,
        Vec::<String>::new(),
        "the marker is consumed"
    );
    stage.emulator.shutdown().await;
}

#[tokio::test]
async fn a_second_pause_on_an_id_already_waiting_fails_with_id_in_use() {
    let stage = Stage::new(ResumerEntry {
        arrival_window_seconds: Some(1),
        ..entry("clash")
    })
    .await;
    let first = stage.paused("o-7").await;
    let second = stage.start("o-7").await;
    let done = stage.finished(&second).await;
    assert_eq!(done.status, ExecutionStatus::Failed, "{done:?}");
    assert_eq!(done.error(), Some("ResumeIdInUse"));
    // The first pause still waits, and its event resumes it.
    stage.ship(&first, "o-7").await;
    stage.leaves_nothing().await;
}

#[tokio::test]
async fn the_stack_exports_its_outputs_for_other_stacks_and_tools() {
    let stage = Stage::new(with_failures("exported", 1)).await;
    let cfn = aws_sdk_cloudformation::Client::new(&sdk_config(&stage.emulator.endpoint()));
    let listed = cfn.list_exports().send().await.expect("ListExports");
    let exports: HashMap<&str, &str> = listed
        .exports()
        .iter()
        .filter_map(|e| Some((e.name()?, e.value()?)))
        .collect();
    let names: Vec<&str> = {
        let mut names: Vec<&str> = exports.keys().copied().collect();
        names.sort();
        names
    };
    assert_eq!(
        names,
        [
            "sfn-resume-exported-FailMachineArn",
            "sfn-resume-exported-FailRuleArn",
            "sfn-resume-exported-PauseTask",
            "sfn-resume-exported-ResumeMachineArn",
            "sfn-resume-exported-ResumeRuleArn",
            "sfn-resume-exported-TableArn",
            "sfn-resume-exported-TableName",
        ]
    );
    assert_eq!(
        exports["sfn-resume-exported-TableName"],
        "sfn-resume-exported"
    );
    assert_eq!(
        exports["sfn-resume-exported-TableArn"],
        output(&stage.stack, "TableArn")
    );
    let task: Value = serde_json::from_str(exports["sfn-resume-exported-PauseTask"]).unwrap();
    assert_eq!(task["Type"], "Parallel");
    stage.emulator.shutdown().await;
}
