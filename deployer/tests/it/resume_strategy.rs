//! `deployer resume --strategy auto|redrive|copy`: which resumption is chosen, and why;
//! Redrive done on the execution itself (same ARN) and followed from its redrive only; the
//! refusals of a forced strategy that cannot be done. The real binary against the emulator's
//! RedriveExecution, checked through the real SDK.

use crate::common;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::json;

use crate::flag_world::Batch;
use common::{stderr, stdout};

/// The ARN of the execution `run-<i>` of the world's machine.
fn execution(batch: &Batch, i: usize) -> String {
    format!(
        "{}:run-{i:03}",
        batch.machine.replace(":stateMachine:", ":execution:")
    )
}

async fn described(
    batch: &Batch,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    batch
        .sfn
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .expect("DescribeExecution")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_redrives_a_plain_failed_execution_in_place_and_follows_only_the_redriven_attempt() {
    let batch = Batch::failed("invoices", &["a"]).await;
    let failed = execution(&batch, 0);

    // Without --start: the plan says redrive and why, what runs again, and the command.
    let plan = common::json(
        &batch
            .deployer(&["resume", &failed, "--output", "json"])
            .await,
    );
    assert_eq!(plan["strategy"]["requested"], "auto");
    assert_eq!(plan["strategy"]["chosen"], "redrive");
    assert!(
        plan["strategy"]["why"]
            .as_str()
            .unwrap()
            .contains("REDRIVABLE"),
        "{}",
        plan["strategy"]
    );
    assert_eq!(plan["runsAgain"]["from"], "Use flag");
    assert_eq!(plan["runsAgain"]["notAgain"], json!(["Prepare", "Route"]));
    assert_eq!(
        plan["resumeCommand"],
        format!("deployer resume {failed} --strategy redrive --start")
    );
    assert_eq!(plan["original"]["failedState"], "Use flag");
    let still = described(&batch, &failed).await;
    assert_eq!(
        (still.status(), still.redrive_count()),
        (&ExecutionStatus::Failed, Some(0)),
        "nothing runs without --start"
    );
    assert!(!batch.copy_exists().await);

    // --start --wait: the same execution goes on, and only what it runs now is followed.
    batch.flip().await;
    let out = batch
        .deployer(&["resume", &failed, "--start", "--wait"])
        .await;
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("entered Use flag"), "{err}");
    assert!(
        !err.contains("entered Prepare"),
        "the failed attempt is not followed again: {err}"
    );
    assert!(
        stdout(&out).contains("Strategy: redrive"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("Resumed execution SUCCEEDED"),
        "{}",
        stdout(&out)
    );
    let after = described(&batch, &failed).await;
    assert_eq!(
        (after.status(), after.redrive_count()),
        (&ExecutionStatus::Succeeded, Some(1))
    );
    assert!(!batch.copy_exists().await, "no copy for a redrive");
    assert_eq!(batch.hits().await, 1, "\"Use flag\" ran once more");
    let history = batch
        .sfn
        .get_execution_history()
        .execution_arn(&failed)
        .send()
        .await
        .unwrap();
    let redriven = history
        .events()
        .iter()
        .filter(|e| e.r#type() == &HistoryEventType::ExecutionRedriven)
        .count();
    assert_eq!(redriven, 1);

    // Redriven and SUCCEEDED: resumed already, whatever the strategy.
    for strategy in ["auto", "redrive", "copy"] {
        let out = batch
            .deployer(&["resume", &failed, "--strategy", strategy, "--start"])
            .await;
        common::assert_refused(
            &out,
            &["was resumed already: it was redriven and SUCCEEDED"],
        );
    }
    assert_eq!(described(&batch, &failed).await.redrive_count(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_makes_the_copy_when_asked_for_what_redrive_cannot_do_and_a_forced_strategy_says_why_it_cannot(
) {
    let batch = Batch::failed("refunds", &["a"]).await;
    let failed = execution(&batch, 0);

    // --patch: only a copy can change the input.
    let plan = common::json(
        &batch
            .deployer(&[
                "resume",
                &failed,
                "--patch",
                r#"{"note": 1}"#,
                "--dry-run",
                "--output",
                "json",
            ])
            .await,
    );
    assert_eq!(plan["strategy"]["chosen"], "copy");
    assert!(
        plan["strategy"]["why"]
            .as_str()
            .unwrap()
            .contains("--patch"),
        "{}",
        plan["strategy"]
    );
    assert_eq!(plan["runsAgain"]["strategy"], "copy");
    assert_eq!(plan["runsAgain"]["from"], "Use flag");
    let forced = common::json(
        &batch
            .deployer(&[
                "resume",
                &failed,
                "--strategy",
                "copy",
                "--dry-run",
                "--output",
                "json",
            ])
            .await,
    );
    assert_eq!(forced["strategy"]["chosen"], "copy");
    assert_eq!(forced["strategy"]["why"], "--strategy copy");

    // --strategy redrive with a flag only a copy honours: refused before any call.
    for (flag, value) in [
        ("--patch", r#"{"note": 1}"#),
        ("--from-state", "Prepare"),
        ("--timeout-seconds", "60"),
    ] {
        let out = batch
            .deployer(&[
                "resume",
                &failed,
                "--strategy",
                "redrive",
                flag,
                value,
                "--start",
            ])
            .await;
        common::assert_refused(
            &out,
            &[&format!(
                "--strategy redrive cannot be combined with {flag}"
            )],
        );
    }
    let still = described(&batch, &failed).await;
    assert_eq!(
        (still.status(), still.redrive_count()),
        (&ExecutionStatus::Failed, Some(0))
    );
    assert!(!batch.copy_exists().await);

    // A SUCCEEDED execution, never redriven: --strategy redrive quotes AWS's reason.
    batch.flip().await;
    let succeeded = batch
        .sfn
        .start_execution()
        .state_machine_arn(&batch.machine)
        .name("fine")
        .input(r#"{"kind": "a"}"#)
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string();
    let done = testkit::eventually(30, || async {
        (described(&batch, &succeeded).await.status() == &ExecutionStatus::Succeeded).then_some(())
    })
    .await;
    assert!(done.is_some());
    let out = batch
        .deployer(&["resume", &succeeded, "--strategy", "redrive", "--start"])
        .await;
    common::assert_refused(&out, &["\"Execution is SUCCEEDED and cannot be redriven\""]);
    assert_eq!(described(&batch, &succeeded).await.redrive_count(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_redrives_each_failed_execution_once_and_a_second_run_finds_none() {
    let batch = Batch::failed("payouts", &["a", "a", "a", "a", "a"]).await;
    batch.flip().await;
    let args = batch.batch_args(&["--status", "FAILED", "--start", "--output", "json"]);
    let report = common::json(&batch.deployer(&args).await);
    assert_eq!(report["counts"]["resumed"], 5, "{}", report["counts"]);
    assert_eq!(report["groups"][0]["redrive"], 5);
    for i in 0..5 {
        let arn = execution(&batch, i);
        let ended = testkit::eventually(30, || async {
            let d = described(&batch, &arn).await;
            (d.status() != &ExecutionStatus::Running).then_some(d)
        })
        .await
        .expect("the redriven execution ends");
        assert_eq!(
            (ended.status(), ended.redrive_count()),
            (&ExecutionStatus::Succeeded, Some(1)),
            "{arn}"
        );
    }
    assert_eq!(batch.hits().await, 5);
    assert!(!batch.copy_exists().await);
    let again = common::json(&batch.deployer(&args).await);
    assert_eq!(
        again["matched"], 0,
        "redriven executions are no longer FAILED"
    );
}

/// A Parallel whose first branch succeeds ("Left") and whose second fails at "Use flag"
/// after "Right first", until the flag is put.
fn fan_out(table: &str) -> String {
    json!({
        "StartAt": "Before",
        "States": {
            "Before": {"Type": "Pass", "Next": "Fan out"},
            "Fan out": {
                "Type": "Parallel",
                "End": true,
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": true}}},
                    {"StartAt": "Right first", "States": {
                        "Right first": {"Type": "Pass", "Next": "Use flag"},
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
                            "End": true
                        }
                    }}
                ]
            }
        }
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_redrive_of_a_parallel_runs_again_is_what_the_plan_said() {
    let batch = Batch::failed_with("fanout", &["a"], fan_out).await;
    let failed = execution(&batch, 0);
    let plan = common::json(
        &batch
            .deployer(&["resume", &failed, "--dry-run", "--output", "json"])
            .await,
    );
    assert_eq!(
        plan["strategy"]["chosen"], "redrive",
        "{}",
        plan["strategy"]
    );
    assert_eq!(plan["runsAgain"]["from"], "Fan out");
    assert_eq!(
        plan["runsAgain"]["notAgain"],
        json!(["Before", "Left"]),
        "the failed branch runs again from its start, \"Right first\" included"
    );
    assert_eq!(
        plan["runsAgain"]["branches"],
        json!([
            {"parallel": "Fan out", "branch": 0, "runs": false, "at": null},
            {"parallel": "Fan out", "branch": 1, "runs": true, "at": null}
        ])
    );
    // The copy says the same, but resumes the failed branch at its failed state.
    let copy = common::json(
        &batch
            .deployer(&[
                "resume",
                &failed,
                "--strategy",
                "copy",
                "--dry-run",
                "--output",
                "json",
            ])
            .await,
    );
    assert_eq!(copy["runsAgain"]["from"], "Fan out");
    assert_eq!(
        copy["runsAgain"]["notAgain"],
        json!(["Before", "Left", "Right first"])
    );
    assert_eq!(copy["runsAgain"]["branches"][0]["runs"], false);
    assert_eq!(copy["runsAgain"]["branches"][1]["at"], "Use flag");

    batch.flip().await;
    let out = batch
        .deployer(&["resume", &failed, "--start", "--wait"])
        .await;
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let err = stderr(&out);
    for (state, again) in [
        ("Fan out", true),
        ("Right first", true),
        ("Use flag", true),
        ("Left", false),
        ("Before", false),
    ] {
        assert_eq!(
            err.contains(&format!("entered {state}\n")),
            again,
            "{state}: {err}"
        );
    }
    assert_eq!(batch.hits().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_redriven_and_failed_again_can_be_redriven_again_or_copied() {
    let batch = Batch::failed("ledger", &["a"]).await;
    let failed = execution(&batch, 0);
    // Redriven while the flag is still missing: it fails again, at the same state.
    let out = batch
        .deployer(&["resume", &failed, "--start", "--wait"])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let again = described(&batch, &failed).await;
    assert_eq!(
        (again.status(), again.redrive_count()),
        (&ExecutionStatus::Failed, Some(1))
    );

    // Not resumed already (it failed again): auto redrives it a second time...
    let plan = common::json(
        &batch
            .deployer(&["resume", &failed, "--dry-run", "--output", "json"])
            .await,
    );
    assert_eq!(
        plan["strategy"]["chosen"], "redrive",
        "{}",
        plan["strategy"]
    );
    assert_eq!(plan["original"]["failedState"], "Use flag");
    // ...and the copy plans from the history of both attempts.
    let copy = common::json(
        &batch
            .deployer(&[
                "resume",
                &failed,
                "--strategy",
                "copy",
                "--dry-run",
                "--output",
                "json",
            ])
            .await,
    );
    assert_eq!(copy["original"]["failedState"], "Use flag");
    assert_eq!(copy["resumeState"], "Use flag");
    batch.flip().await;
    let done = batch
        .deployer(&["resume", &failed, "--start", "--wait"])
        .await;
    assert!(done.status.success(), "{}", stderr(&done));
    assert_eq!(described(&batch, &failed).await.redrive_count(), Some(2));
}
