//! `deployer resume --state-machine ARN --status FAILED …`: many failed executions of one
//! machine resumed at once by the real binary against the in-process emulator, checked
//! execution by execution through the real SDK clients. The workflows fail deterministically
//! at a DynamoDB update conditioned on a flag item, until the test puts the flag.

use crate::common;

use std::collections::HashMap;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_sfn::types::{ExecutionListItem, ExecutionStatus};
use serde_json::{json, Value};

use common::{stderr, stdout, ROLE_ARN};

const STATES_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// "Prepare" passes; "Use flag" adds one to the flag item's `hits`, which fails
/// (DynamoDB.ConditionalCheckFailedException) while the item does not exist; inputs with
/// `"kind": "b"` fail at "Need" instead (States.Runtime: `$.missing` is not there).
fn definition(table: &str) -> String {
    json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Result": true, "ResultPath": "$.prepared", "Next": "Route"},
            "Route": {"Type": "Choice", "Choices": [
                {"Variable": "$.kind", "StringEquals": "b", "Next": "Need"}
            ], "Default": "Use flag"},
            "Need": {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true},
            "Use flag": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": table,
                    "Key": {"id": {"S": "flag"}},
                    "UpdateExpression": "ADD hits :one",
                    "ConditionExpression": "attribute_exists(id)",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}
                },
                "ResultPath": null,
                "End": true
            }
        }
    })
    .to_string()
}

const FLAG_ERROR: &str = "DynamoDB.ConditionalCheckFailedException";

/// An emulator with one machine whose executions have failed.
struct Batch {
    emulator: emulator::Emulator,
    sfn: aws_sdk_sfn::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    machine: String,
    copy: String,
}

impl Batch {
    /// The machine `name`, with `kinds.len()` executions `run-000`, `run-001`, … (input
    /// `{"order": i, "kind": kinds[i]}`), all failed.
    async fn failed(name: &str, kinds: &[&str]) -> Batch {
        let emulator = testkit::aws::emulator().await;
        let config = common::sdk_config(&emulator.endpoint());
        let sfn = aws_sdk_sfn::Client::new(&config);
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        aws_sdk_iam::Client::new(&config)
            .create_role()
            .role_name("workflow")
            .assume_role_policy_document(STATES_TRUST)
            .send()
            .await
            .expect("CreateRole");
        let table = format!("{name}-flags");
        dynamodb
            .create_table()
            .table_name(&table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .expect("CreateTable");
        let machine = sfn
            .create_state_machine()
            .name(name)
            .definition(definition(&table))
            .role_arn(ROLE_ARN)
            .send()
            .await
            .expect("CreateStateMachine")
            .state_machine_arn()
            .to_string();
        for (i, kind) in kinds.iter().enumerate() {
            sfn.start_execution()
                .state_machine_arn(&machine)
                .name(format!("run-{i:03}"))
                .input(json!({"order": i, "kind": kind}).to_string())
                .send()
                .await
                .expect("StartExecution");
        }
        let batch = Batch {
            copy: machine.replace(&format!(":{name}"), &format!(":{name}-with-GoToState")),
            emulator,
            sfn,
            dynamodb,
            table,
            machine,
        };
        let all_failed = common::eventually(60, || async {
            let failed = batch.executions(&batch.machine).await;
            (failed.len() == kinds.len()
                && failed
                    .iter()
                    .all(|e| e.status() == &ExecutionStatus::Failed))
            .then_some(())
        })
        .await;
        assert!(all_failed.is_some(), "the executions did not all fail");
        batch
    }

    /// Puts the flag item: from now on "Use flag" succeeds.
    async fn flip(&self) {
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S("flag".into()))
            .send()
            .await
            .expect("PutItem");
    }

    /// How many times "Use flag" succeeded, over every execution.
    async fn hits(&self) -> u64 {
        let item = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S("flag".into()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem");
        match item.item().and_then(|i| i.get("hits")) {
            Some(AttributeValue::N(n)) => n.parse().unwrap(),
            _ => 0,
        }
    }

    /// Every execution of `machine` (every page of ListExecutions); none when it does not
    /// exist.
    async fn executions(&self, machine: &str) -> Vec<ExecutionListItem> {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let Ok(page) = self
                .sfn
                .list_executions()
                .state_machine_arn(machine)
                .set_next_token(token)
                .send()
                .await
            else {
                return all;
            };
            all.extend(page.executions().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return all;
            }
        }
    }

    /// Whether the copy exists.
    async fn copy_exists(&self) -> bool {
        self.sfn
            .describe_state_machine()
            .state_machine_arn(&self.copy)
            .send()
            .await
            .is_ok()
    }

    /// The batch command for this machine, with `extra`.
    fn batch_args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["resume", "--state-machine", &self.machine];
        args.extend_from_slice(extra);
        args
    }

    async fn deployer(&self, args: &[&str]) -> Output {
        let dir = tempfile::tempdir().expect("a scratch directory");
        common::deployer_at(&self.emulator.endpoint(), dir.path(), args).await
    }

    /// Waits until every execution of the copy has ended; their statuses by name.
    async fn resumes_ended(&self) -> HashMap<String, ExecutionStatus> {
        let ended = common::eventually(120, || async {
            let all = self.executions(&self.copy).await;
            all.iter()
                .all(|e| e.status() != &ExecutionStatus::Running)
                .then(|| {
                    all.iter()
                        .map(|e| (e.name().to_string(), e.status().clone()))
                        .collect()
                })
        })
        .await;
        ended.expect("the resumed executions end")
    }
}

fn assert_bad_input(out: &Output, says: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    assert!(
        stderr(out).contains(says),
        "stderr lacks {says:?}: {}",
        stderr(out)
    );
}

/// The report's count of `outcome`.
fn count(report: &Value, outcome: &str) -> u64 {
    report["counts"][outcome]
        .as_u64()
        .unwrap_or_else(|| panic!("no count {outcome}: {}", report["counts"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_200_killed_half_way_and_run_again_resumes_each_execution_exactly_once() {
    let kinds = vec!["a"; 200];
    let batch = Batch::failed("orders", &kinds).await;
    batch.flip().await;
    let args = batch.batch_args(&[
        "--status",
        "FAILED",
        "--strategy",
        "copy",
        "--concurrency",
        "20",
        "--start",
        "--output",
        "json",
    ]);

    // The first run, killed (SIGKILL: no chance to finish anything) once about half of the
    // resumes have started, as ListExecutions of the copy shows them.
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_deployer"));
    command.args(&args);
    common::isolate(&mut command, &batch.emulator.endpoint(), dir.path());
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let clock = Instant::now();
    let mut child = command.spawn().expect("run deployer");
    let mut started_when_killed = 0;
    while clock.elapsed() < Duration::from_secs(120) {
        started_when_killed = batch.executions(&batch.copy).await.len();
        if started_when_killed >= 100 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the first run ended ({status}) before it could be interrupted");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let first_seconds = clock.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started_first = batch.executions(&batch.copy).await.len();
    assert!(
        (100..200).contains(&started_first),
        "killed with {started_when_killed} started, then {started_first}: not half way"
    );

    // The second run resumes the rest, and only the rest.
    let clock = Instant::now();
    let report = common::json(&batch.deployer(&args).await);
    let seconds = clock.elapsed().as_secs_f64();
    assert_eq!(report["matched"], 200, "{}", report["counts"]);
    assert_eq!(count(&report, "resumed"), 200 - started_first as u64);
    assert_eq!(count(&report, "alreadyResumed"), started_first as u64);
    assert_eq!(count(&report, "refused"), 0);
    assert_eq!(count(&report, "failedToStart"), 0);
    let planned = 200 - started_first;
    assert_eq!(
        report["groups"],
        json!([{"failedState": "Use flag", "error": FLAG_ERROR, "executions": planned,
                "redrive": 0, "copy": planned}]),
        "the plans, grouped (the already resumed ones are only counted)"
    );

    // Every original: exactly one resume, `<name>-resume-1`, and it succeeded.
    let resumes = batch.resumes_ended().await;
    assert_eq!(resumes.len(), 200, "{resumes:?}");
    for i in 0..200 {
        let name = format!("run-{i:03}-resume-1");
        assert_eq!(
            resumes.get(&name),
            Some(&ExecutionStatus::Succeeded),
            "{name}"
        );
    }
    assert_eq!(batch.hits().await, 200, "each resume ran \"Use flag\" once");
    for execution in report["executions"].as_array().unwrap() {
        let outcome = execution["outcome"].as_str().unwrap();
        assert!(
            ["resumed", "already resumed"].contains(&outcome),
            "{execution}"
        );
    }

    // A third run finds nothing to do.
    let again = common::json(&batch.deployer(&args).await);
    assert_eq!(
        (count(&again, "resumed"), count(&again, "alreadyResumed")),
        (0, 200)
    );
    assert_eq!(batch.executions(&batch.copy).await.len(), 200);

    let resumed = 200 - started_first;
    let phases = &report["seconds"];
    eprintln!(
        "second run: listing and planning 200 took {:.2} s, resuming {resumed} took {:.2} s \
         ({:.0} executions resumed per second)",
        phases["planning"].as_f64().unwrap(),
        phases["resuming"].as_f64().unwrap(),
        resumed as f64 / phases["resuming"].as_f64().unwrap()
    );
    eprintln!(
        "batch resume against the emulator: first run {started_first} started in \
         {first_seconds:.2} s before SIGKILL ({:.0}/s); second run {resumed} resumed in \
         {seconds:.2} s ({:.0} executions resumed per second, listing and planning all 200 \
         included)",
        started_first as f64 / first_seconds,
        resumed as f64 / seconds
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_groups_its_plans_by_failed_state_and_error_and_selects_by_error_max_and_since() {
    let batch = Batch::failed("shipping", &["a", "b", "a", "a", "b", "a"]).await;

    // A dry run plans every one and groups them; nothing is created.
    let args = batch.batch_args(&[
        "--status",
        "FAILED",
        "--strategy",
        "copy",
        "--dry-run",
        "--output",
        "json",
    ]);
    let plan = common::json(&batch.deployer(&args).await);
    assert_eq!(plan["matched"], 6);
    assert_eq!(plan["dryRun"], true);
    assert_eq!(count(&plan, "planned"), 6);
    assert_eq!(
        plan["groups"],
        json!([
            {"failedState": "Use flag", "error": FLAG_ERROR, "executions": 4, "redrive": 0, "copy": 4},
            {"failedState": "Need", "error": "States.Runtime", "executions": 2, "redrive": 0, "copy": 2}
        ])
    );
    assert!(plan["resumeCommand"]
        .as_str()
        .unwrap()
        .ends_with("--strategy copy --concurrency 10 --start"));
    assert!(!batch.copy_exists().await, "a dry run creates nothing");

    // Without --start it is the same plan, as text, and the command that resumes them.
    let text = batch
        .deployer(&batch.batch_args(&["--status", "FAILED", "--strategy", "copy"]))
        .await;
    assert!(text.status.success(), "{}", stderr(&text));
    for says in [
        "By failed state and error:",
        "Use flag",
        "States.Runtime",
        "planned, not started  6",
        "Nothing was changed. Resume them with:",
    ] {
        assert!(stdout(&text).contains(says), "{says}: {}", stdout(&text));
    }
    assert!(!batch.copy_exists().await, "nothing without --start");

    // --error selects by the execution's error; --max resumes that many, leaves the rest.
    let only = common::json(
        &batch
            .deployer(&batch.batch_args(&[
                "--status",
                "FAILED",
                "--error",
                "States.Runtime",
                "--dry-run",
                "--output",
                "json",
            ]))
            .await,
    );
    assert_eq!(only["matched"], 2);
    batch.flip().await;
    let some = common::json(
        &batch
            .deployer(&batch.batch_args(&[
                "--status",
                "FAILED",
                "--error",
                FLAG_ERROR,
                "--max",
                "1",
                "--strategy",
                "copy",
                "--start",
                "--output",
                "json",
            ]))
            .await,
    );
    assert_eq!((count(&some, "resumed"), count(&some, "left")), (1, 3));
    let resumed: Vec<&Value> = some["executions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "resumed")
        .collect();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0]["name"], "run-000", "the oldest first");
    let ended = batch.resumes_ended().await;
    assert_eq!(
        ended,
        HashMap::from([("run-000-resume-1".to_string(), ExecutionStatus::Succeeded)])
    );

    // --since: only executions that stopped that recently.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let recent = common::json(
        &batch
            .deployer(&batch.batch_args(&[
                "--status",
                "FAILED",
                "--since",
                "2s",
                "--dry-run",
                "--output",
                "json",
            ]))
            .await,
    );
    assert_eq!(recent["matched"], 0, "{recent}");
    let day = common::json(
        &batch
            .deployer(&batch.batch_args(&[
                "--status",
                "FAILED",
                "--since",
                "1d",
                "--dry-run",
                "--output",
                "json",
            ]))
            .await,
    );
    assert_eq!(day["matched"], 6);
    assert_eq!(count(&day, "alreadyResumed"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_version_published_but_never_started_is_not_counted_as_resumed() {
    let batch = Batch::failed("billing", &["a", "a"]).await;
    batch.flip().await;
    let first = format!(
        "{}:run-000",
        batch.machine.replace(":stateMachine:", ":execution:")
    );
    // The crash window: the copy's version is published for run-000, and no StartExecution.
    let saved = common::json(
        &batch
            .deployer(&["resume", &first, "--strategy", "copy", "--output", "json"])
            .await,
    );
    let orphan = saved["stateMachineVersionArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(batch.executions(&batch.copy).await.is_empty());

    let args = batch.batch_args(&[
        "--status",
        "FAILED",
        "--strategy",
        "copy",
        "--start",
        "--output",
        "json",
    ]);
    let report = common::json(&batch.deployer(&args).await);
    assert_eq!(
        (count(&report, "resumed"), count(&report, "alreadyResumed")),
        (2, 0)
    );
    let ended = batch.resumes_ended().await;
    assert_eq!(ended.len(), 2, "{ended:?}");
    assert_eq!(
        ended.get("run-000-resume-1"),
        Some(&ExecutionStatus::Succeeded)
    );
    let run_000 = report["executions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "run-000")
        .unwrap();
    // The version it started has run-000's plan: the orphan itself when nothing was
    // published since (publishing an unchanged definition returns the latest version), or a
    // new one when another execution's resume was saved in between.
    let version = run_000["stateMachineVersionArn"].as_str().unwrap();
    let described = batch
        .sfn
        .describe_state_machine()
        .state_machine_arn(version)
        .send()
        .await
        .expect("DescribeStateMachine of the version");
    assert!(
        described.definition().contains("run-000-resume-1"),
        "{version} (the orphan was {orphan}): {}",
        described.definition()
    );
    assert_eq!(batch.hits().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_batch_input_is_exit_2_and_changes_nothing() {
    let batch = Batch::failed("returns", &["a"]).await;
    let execution = format!(
        "{}:run-000",
        batch.machine.replace(":stateMachine:", ":execution:")
    );
    let missing = batch.machine.replace(":returns", ":nope");
    for (args, says) in [
        (batch.batch_args(&[]), "--status"),
        (
            batch.batch_args(&["--status", "FAILED", "--since", "6x"]),
            "--since '6x' is not a duration",
        ),
        (
            batch.batch_args(&["--status", "FAILED", "--since", "0h"]),
            "longer than zero",
        ),
        (
            batch.batch_args(&["--status", "FAILED", "--max", "0"]),
            "--max",
        ),
        (batch.batch_args(&["--status", "RUNNING"]), "--status"),
        (
            batch.batch_args(&["--status", "FAILED", "--concurrency", "0"]),
            "--concurrency",
        ),
        (
            vec![
                "resume",
                "--state-machine",
                &execution,
                "--status",
                "FAILED",
            ],
            "it names an execution",
        ),
        (
            vec!["resume", "--state-machine", &missing, "--status", "FAILED"],
            "there is no state machine",
        ),
        (
            vec![
                "resume",
                &execution,
                "--state-machine",
                &batch.machine,
                "--status",
                "FAILED",
            ],
            "cannot be used with",
        ),
        (
            batch.batch_args(&["--status", "FAILED", "--start", "--wait"]),
            "--wait",
        ),
        (
            batch.batch_args(&[
                "--status",
                "FAILED",
                "--strategy",
                "redrive",
                "--patch",
                "{}",
                "--start",
            ]),
            "--strategy redrive cannot be combined with --patch",
        ),
    ] {
        let out = batch.deployer(&args).await;
        assert_bad_input(&out, says);
    }
    assert!(!batch.copy_exists().await);
    let only = batch.executions(&batch.machine).await;
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].status(), &ExecutionStatus::Failed);
}
