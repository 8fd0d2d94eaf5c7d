//! `deployer local serve --state-dir`: acknowledged writes survive `kill -9`, and an execution
//! paused on a task token completes with that token after the restart. The real binary, a
//! real process, a real SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

/// `deployer local serve` on a free port with `state_dir`, and `extra` arguments.
fn serve_command(state_dir: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deployer"));
    command
        .args(["local", "serve", "--port", "0", "--state-dir"])
        .arg(state_dir)
        .args(extra);
    command
}

/// Starts `deployer local serve` on a free port with `state_dir`; returns it and its endpoint.
fn serve(state_dir: &Path) -> (Child, String) {
    serve_with(state_dir, &[])
}

/// [`serve`] with `extra` arguments.
fn serve_with(state_dir: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = serve_command(state_dir, extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("deployer starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("text");
    let endpoint = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no endpoint in {first:?}"))
        .to_string();
    assert!(first.contains("state kept in"), "{first}");
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, endpoint)
}

fn kill_9(mut child: Child) {
    child.kill().expect("SIGKILL"); // std's kill sends SIGKILL on Unix
    child.wait().expect("reaped");
}

const CALLBACK: &str = r#"{
  "StartAt": "Wait for callback",
  "States": {
    "Wait for callback": {
      "Type": "Task",
      "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken",
      "Parameters": {
        "TableName": "tokens",
        "Item": {"id": {"S.$": "$.jobId"}, "token": {"S.$": "$$.Task.Token"}}
      },
      "ResultPath": "$.callback",
      "End": true
    }
  }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn state_survives_kill_9_and_a_paused_execution_completes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (server, endpoint) = serve(dir.path());
    let dynamodb = aws_sdk_dynamodb::Client::new(&testkit::aws::sdk_config(&endpoint));
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&endpoint));
    testkit::aws::string_key_table(&dynamodb, "tokens", "id").await;
    let machine = sfn
        .create_state_machine()
        .name("callback")
        .role_arn("arn:aws:iam::123456789012:role/local")
        .definition(CALLBACK)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let execution = testkit::aws::start_execution(&sfn, &machine, json!({"jobId": "job-1"})).await;
    let mut token = None;
    for _ in 0..200 {
        let item = dynamodb
            .get_item()
            .table_name("tokens")
            .key("id", AttributeValue::S("job-1".into()))
            .send()
            .await
            .unwrap()
            .item;
        if let Some(t) = item.and_then(|i| i.get("token").and_then(|t| t.as_s().ok()).cloned()) {
            token = Some(t);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let token = token.expect("the paused task stored its token");
    kill_9(server);

    let (server, endpoint) = serve(dir.path());
    let dynamodb = aws_sdk_dynamodb::Client::new(&testkit::aws::sdk_config(&endpoint));
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&endpoint));
    let item = dynamodb
        .get_item()
        .table_name("tokens")
        .key("id", AttributeValue::S("job-1".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the item survived kill -9");
    assert_eq!(item["token"].as_s().unwrap(), &token);
    let running = sfn
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .unwrap();
    assert_eq!(running.status, ExecutionStatus::Running);
    sfn.send_task_success()
        .task_token(&token)
        .output(r#"{"result": 42}"#)
        .send()
        .await
        .expect("the original token completes the task after the restart");
    let mut ended = running;
    for _ in 0..200 {
        ended = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap();
        if ended.status != ExecutionStatus::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(ended.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(ended.output().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"jobId": "job-1", "callback": {"result": 42}})
    );
    kill_9(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_journal_refuses_the_start_naming_the_line_and_repair_keeps_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let (server, endpoint) = serve(dir.path());
    let dynamodb = aws_sdk_dynamodb::Client::new(&testkit::aws::sdk_config(&endpoint));
    testkit::aws::string_key_table(&dynamodb, "kept", "pk").await;
    for key in ["first", "second", "third"] {
        dynamodb
            .put_item()
            .table_name("kept")
            .item("pk", AttributeValue::S(key.into()))
            .send()
            .await
            .unwrap();
    }
    kill_9(server);

    // Damage the line of the third item (the last line is the third put; a damaged last line
    // would only be a torn write, dropped with a warning): add a line after it.
    let journal = dir.path().join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let damaged = lines.len();
    let mut broken: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    broken[damaged - 1] = broken[damaged - 1][..20].to_string();
    broken.push(lines[damaged - 1].to_string());
    std::fs::write(&journal, broken.join("\n") + "\n").unwrap();

    let refused = serve_command(dir.path(), &[]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!("line {damaged} is damaged")),
        "{stderr}"
    );
    assert!(stderr.contains("--repair"), "{stderr}");

    let (server, endpoint) = serve_with(dir.path(), &["--repair"]);
    assert!(dir.path().join("journal.jsonl.damaged").exists());
    let dynamodb = aws_sdk_dynamodb::Client::new(&testkit::aws::sdk_config(&endpoint));
    let scan = dynamodb.scan().table_name("kept").send().await.unwrap();
    let mut keys: Vec<&str> = scan
        .items()
        .iter()
        .map(|i| i["pk"].as_s().unwrap().as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["first", "second"],
        "the records before the damaged line"
    );
    kill_9(server);
}
