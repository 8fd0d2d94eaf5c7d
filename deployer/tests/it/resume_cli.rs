//! `deployer resume --dry-run` on files, run as a user runs it: the real binary, real files.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{deployer, stderr, stdout};
use serde_json::{json, Value};

fn fixture_files() -> Option<(PathBuf, PathBuf)> {
    Some((
        testkit::shared::path(
            "fixtures/resume-from-state-example.history.json",
            "the resume of the recorded execution",
        )?,
        testkit::shared::path(
            "fixtures/resume-from-state-example.asl.json",
            "the resume of the recorded execution",
        )?,
    ))
}

fn resume(history: &Path, definition: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "resume",
        "--history-file",
        history.to_str().unwrap(),
        "--definition-file",
        definition.to_str().unwrap(),
        "--dry-run",
    ];
    args.extend_from_slice(extra);
    deployer(&args)
}

fn write(dir: &tempfile::TempDir, name: &str, content: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn json_plan_for_the_real_aws_execution() {
    let Some((history, definition)) = fixture_files() else {
        return;
    };
    let out = resume(&history, &definition, &["--output", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON document");
    assert_eq!(plan["failedState"], "Parallel Step 2, Process 2");
    assert_eq!(plan["original"]["status"], "FAILED");
    assert!(
        plan.get("status").is_none(),
        "no ambiguous top-level status"
    );
    assert_eq!(plan["original"]["error"], "Lambda.Unknown");
    assert_eq!(
        plan["original"]["cause"],
        "The cause could not be determined because Lambda did not return an error type."
    );
    assert_eq!(plan["resumeState"], "Parallel 2");
    assert_eq!(
        plan["resumeInput"],
        json!({"Message":"Your message here","output":[{"Message":"Your message here"},{"Message":"Your message here"}]})
    );
    assert_eq!(plan["skippedStates"], json!(["Parallel"]));
    let def = &plan["definition"];
    assert_eq!(def["StartAt"], "GoToState");
    let choice = &def["States"]["GoToState"];
    assert_eq!(choice["Type"], "Choice");
    assert_eq!(choice["Default"], "Parallel");
    let entry = choice["Choices"][0]["Next"].as_str().unwrap();
    assert_eq!(
        choice["Choices"][0]["Variable"], "$$.Execution.Name",
        "the entry reads no data"
    );
    assert_eq!(def["States"][entry]["Result"], plan["resumeInput"]);
    assert_eq!(def["States"][entry]["Next"], "Parallel 2");
    assert_eq!(
        plan["executionInput"],
        json!({"Message": "Your message here"})
    );
    for list in ["skippedStates", "iterations", "warnings", "branches"] {
        assert!(plan[list].is_array(), "{list} is an array");
    }
}

#[test]
fn text_plan_shows_the_tree_and_the_definition() {
    let Some((history, definition)) = fixture_files() else {
        return;
    };
    let out = resume(&history, &definition, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Execution FAILED in state \"Parallel Step 2, Process 2\""),
        "{text}"
    );
    assert!(text.contains("Resume at: \"Parallel 2\""));
    assert!(text.contains("Skipped (finished, will not run again): \"Parallel\""));
    assert!(text.contains("x Parallel 2 (Parallel): failed   <- resume here"));
    assert!(text.contains("! [branch 1] Parallel Step 2, Process 1 (Task): aborted"));
    assert!(text.contains(". Final Processing (Task): not reached"));
    assert!(text.contains("\"StartAt\": \"GoToState\""));
}

#[test]
fn from_state_and_patch_flags() {
    let Some((history, definition)) = fixture_files() else {
        return;
    };
    let out = resume(
        &history,
        &definition,
        &[
            "--from-state",
            "Parallel",
            "--patch",
            r#"{"foo": "bar"}"#,
            "--output",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["resumeState"], "Parallel");
    assert_eq!(
        plan["resumeInput"],
        json!({"Message": "Your message here", "foo": "bar"})
    );
    let states = &plan["definition"]["States"];
    let entry = states["GoToState"]["Choices"][0]["Next"].as_str().unwrap();
    assert_eq!(states[entry]["Next"], "Parallel");
}

#[test]
fn accepts_describe_state_machine_output_as_definition() {
    let Some((history, definition)) = fixture_files() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let asl = std::fs::read_to_string(&definition).unwrap();
    let described =
        json!({"stateMachineArn": "arn:aws:states:us-west-2:1:stateMachine:x", "definition": asl});
    let file = write(&dir, "described.json", &described.to_string());
    let out = resume(&history, &file, &["--output", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["resumeState"], "Parallel 2");
}

#[test]
fn bad_input_is_refused_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let definition = write(
        &dir,
        "def.json",
        &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": true}}}).to_string(),
    );
    let ev = |id: i64, prev: i64, t: &str, details: Value| {
        let mut e = json!({"timestamp": 1, "type": t, "id": id, "previousEventId": prev});
        if let Value::Object(d) = details {
            for (k, v) in d {
                e[k] = v;
            }
        }
        e
    };
    let started = ev(
        1,
        0,
        "ExecutionStarted",
        json!({"executionStartedEventDetails": {"input": "{}"}}),
    );
    let entered = |id, prev, name: &str| {
        ev(
            id,
            prev,
            "PassStateEntered",
            json!({"stateEnteredEventDetails": {"name": name, "input": "{}"}}),
        )
    };
    let succeeded = write(
        &dir,
        "ok.json",
        &json!({"events": [started.clone(), entered(2, 1, "A"), ev(3, 2, "ExecutionSucceeded", json!({}))]}).to_string(),
    );
    let running = write(
        &dir,
        "running.json",
        &json!({"events": [started.clone(), entered(2, 1, "A")]}).to_string(),
    );
    let failed = write(
        &dir,
        "failed.json",
        &json!({"events": [started.clone(), entered(2, 1, "B"), ev(3, 2, "ExecutionFailed", json!({"executionFailedEventDetails": {"error": "E"}}))]}).to_string(),
    );
    let foreign = write(
        &dir,
        "foreign.json",
        &json!({"events": [started, entered(2, 1, "Elsewhere"), ev(3, 2, "ExecutionFailed", json!({}))]}).to_string(),
    );
    let not_json = write(&dir, "broken.json", "{\"events\": [");
    let missing = dir.path().join("missing.json");

    common::assert_refused(
        &resume(&missing, &definition, &[]),
        &["cannot read --history-file"],
    );
    common::assert_refused(
        &resume(&failed, &missing, &[]),
        &["cannot read --definition-file"],
    );
    common::assert_refused(
        &resume(&not_json, &definition, &[]),
        &["is not valid GetExecutionHistory JSON"],
    );
    common::assert_refused(&resume(&failed, &not_json, &[]), &["is not valid JSON"]);
    common::assert_refused(
        &resume(&succeeded, &definition, &[]),
        &["the execution is SUCCEEDED"],
    );
    common::assert_refused(
        &resume(&running, &definition, &[]),
        &["the execution is RUNNING"],
    );
    common::assert_refused(
        &resume(&failed, &definition, &["--from-state", "Nope"]),
        &["no state named 'Nope'"],
    );
    common::assert_refused(
        &resume(&foreign, &definition, &[]),
        &["does not belong to this definition"],
    );
    let truncated = write(
        &dir,
        "truncated.json",
        &json!({"events": [ev(1, 0, "ExecutionStarted", json!({"executionStartedEventDetails": {"input": "{}"}})), entered(2, 1, "A")], "nextToken": "more"}).to_string(),
    );
    common::assert_refused(
        &resume(&truncated, &definition, &[]),
        &["the history is incomplete"],
    );
    common::assert_refused(
        &resume(&failed, &definition, &["--patch", "{nope"]),
        &["--patch is not valid JSON"],
    );
    let bad_def = write(
        &dir,
        "bad-def.json",
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pause"}}}"#,
    );
    common::assert_refused(
        &resume(&failed, &bad_def, &[]),
        &["unknown state type 'Pause'"],
    );
    common::assert_refused(&deployer(&["resume"]), &["say which execution to resume"]);

    let ok = resume(&failed, &definition, &["--output", "json"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let plan: Value = serde_json::from_str(&stdout(&ok)).unwrap();
    assert_eq!(plan["resumeState"], "B");
    assert_eq!(plan["skippedStates"], json!([]));
}
