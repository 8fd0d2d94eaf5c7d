//! `deployer resume --state-machine ARN --status FAILED …`: many failed executions of one
//! machine resumed at once by the real binary against the in-process emulator, checked
//! execution by execution through the real SDK clients (the world is `flag_world`).

use crate::common;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

use crate::flag_world::{Batch, FLAG_ERROR};
use common::{stderr, stdout};

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
    // resumes have started. Watched through the flag's hits (each resumed execution adds
    // one as soon as it runs), not ListExecutions of the copy: the emulator's ListExecutions
    // and DescribeExecution take its locks in opposite orders since RedriveExecution, and
    // polling one while deployer calls the other can deadlock the emulator. ListExecutions
    // counts them once deployer is dead.
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
        started_when_killed = batch.hits().await;
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
        (100..200).contains(&started_first) && started_first as u64 >= started_when_killed,
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
        common::assert_refused(&out, &[says]);
    }
    assert!(!batch.copy_exists().await);
    let only = batch.executions(&batch.machine).await;
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].status(), &ExecutionStatus::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_starts_nothing_more_and_a_second_run_resumes_the_rest() {
    let kinds = vec!["a"; 40];
    let batch = Batch::failed("parcels", &kinds).await;
    batch.flip().await;
    let args = batch.batch_args(&[
        "--status",
        "FAILED",
        "--strategy",
        "copy",
        "--concurrency",
        "2",
        "--start",
        "--output",
        "json",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_deployer"));
    command.args(&args);
    common::isolate(&mut command, &batch.emulator.endpoint(), dir.path());
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("run deployer");
    let pid = child.id().to_string();
    let resuming =
        testkit::eventually(60, || async { (batch.hits().await >= 5).then_some(()) }).await;
    assert!(resuming.is_some(), "the batch never got to resuming");
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("the report, after Ctrl-C");
    let (resumed, interrupted) = (count(&report, "resumed"), count(&report, "interrupted"));
    assert_eq!(resumed + interrupted, 40, "{}", report["counts"]);
    assert!(interrupted > 0, "{}", report["counts"]);
    let ended = batch.resumes_ended().await;
    assert_eq!(
        ended.len() as u64,
        resumed,
        "the resumes in flight finished, nothing more started"
    );

    let again = common::json(&batch.deployer(&args).await);
    assert_eq!(
        (count(&again, "resumed"), count(&again, "alreadyResumed")),
        (interrupted, resumed)
    );
    let ended = batch.resumes_ended().await;
    assert_eq!(ended.len(), 40);
    assert!(ended.values().all(|s| s == &ExecutionStatus::Succeeded));
    assert_eq!(batch.hits().await, 40);
}
