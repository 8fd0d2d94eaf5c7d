//! The world a resume scenario runs in: the emulator in-process, the real SDK clients, Lambda
//! functions (real `bootstrap` sandboxes) that record every call they get, and the real
//! `deployer` binary.

use std::path::PathBuf;
use std::process::Output;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::Value;

use crate::common;

/// A `bootstrap` that appends each event it gets to $CALLS (one line per call), then answers
/// with the event. It fails with `Broken` when $NEED_FOO is set and the event has no "foo",
/// and with `Flaky` the first time an event matches $FAIL_ON (a grep pattern), as a
/// transient outage would.
const RECORDER: &str = r#"#!/bin/sh
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next")
  id=$(grep -i lambda-runtime-aws-request-id "$headers" | tr -d '\r' | cut -d' ' -f2)
  if [ -z "$id" ]; then sleep 0.1; continue; fi
  fail=""
  if [ -n "$FAIL_ON" ] && echo "$event" | grep -q -- "$FAIL_ON" && ! grep -q -- "$FAIL_ON" "$CALLS" 2>/dev/null; then
    fail='{"errorType":"Flaky","errorMessage":"a transient outage"}'
  fi
  if [ -n "$NEED_FOO" ] && ! echo "$event" | grep -q '"foo"'; then
    fail='{"errorType":"Broken","errorMessage":"the input has no foo"}'
  fi
  echo "$event" >> "$CALLS"
  if [ -n "$fail" ]; then
    curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$id/error" -d "$fail" >/dev/null
  else
    curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$id/response" -d "$event" >/dev/null
  fi
done
"#;

/// How a recording function misbehaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults<'a> {
    /// Fails unless the event has "foo" (fixed by `--patch`).
    pub need_foo: bool,
    /// Fails the first time an event matches this grep pattern (fixed by trying again).
    pub fail_once_on: Option<&'a str>,
}

/// The emulator, the clients and a scratch directory for the functions' records.
pub struct World {
    pub emulator: emulator::Emulator,
    pub sfn: aws_sdk_sfn::Client,
    lambda: aws_sdk_lambda::Client,
    dir: tempfile::TempDir,
}

/// What a recording function was called with, in order.
pub struct Calls(PathBuf);

impl Calls {
    /// Every event, parsed.
    pub fn events(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.0)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or(Value::String(l.to_string())))
            .collect()
    }

    /// How many calls.
    pub fn count(&self) -> usize {
        self.events().len()
    }

    /// How many calls, once no new one has arrived for half a second (at most 10 s): a call
    /// that a failed Parallel abandoned may still be on its way when the execution has ended.
    pub async fn settled_count(&self) -> usize {
        let mut last = self.count();
        let mut quiet = 0;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let now = self.count();
            if now == last {
                quiet += 1;
                if quiet == 5 {
                    break;
                }
            } else {
                (last, quiet) = (now, 0);
            }
        }
        last
    }
}

impl World {
    /// Starts the emulator with the role workflows run as.
    pub async fn start() -> World {
        let emulator = emulator::start(emulator::Config::ephemeral())
            .await
            .expect("the emulator starts");
        let config = testkit::aws::sdk_config(&emulator.endpoint());
        let iam = aws_sdk_iam::Client::new(&config);
        iam.create_role()
            .role_name("workflow")
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .expect("CreateRole");
        World {
            sfn: aws_sdk_sfn::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            emulator,
            dir: tempfile::tempdir().expect("a scratch directory"),
        }
    }

    /// A recording function; returns its ARN and its record.
    pub async fn function(&self, name: &str, faults: Faults<'_>) -> (String, Calls) {
        let calls = self.dir.path().join(format!("{name}.calls"));
        let mut env = Environment::builder().variables("CALLS", calls.to_str().unwrap());
        if faults.need_foo {
            env = env.variables("NEED_FOO", "1");
        }
        if let Some(pattern) = faults.fail_once_on {
            env = env.variables("FAIL_ON", pattern);
        }
        let created = self
            .lambda
            .create_function()
            .function_name(name)
            .runtime(Runtime::Providedal2023)
            .role(common::ROLE_ARN)
            .handler("bootstrap")
            .environment(env.build())
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(testkit::package::bootstrap(RECORDER.as_bytes())))
                    .build(),
            )
            .send()
            .await
            .expect("CreateFunction");
        (created.function_arn().unwrap().to_string(), Calls(calls))
    }

    /// Creates a state machine (STANDARD unless `express`).
    pub async fn machine(&self, name: &str, definition: &Value, express: bool) -> String {
        let kind = if express {
            aws_sdk_sfn::types::StateMachineType::Express
        } else {
            aws_sdk_sfn::types::StateMachineType::Standard
        };
        self.sfn
            .create_state_machine()
            .name(name)
            .definition(definition.to_string())
            .role_arn(common::ROLE_ARN)
            .r#type(kind)
            .send()
            .await
            .expect("CreateStateMachine")
            .state_machine_arn()
            .to_string()
    }

    /// Starts `machine` with `input` and waits until the execution has ended.
    pub async fn run(&self, machine: &str, input: Value) -> String {
        let arn = self
            .sfn
            .start_execution()
            .state_machine_arn(machine)
            .input(input.to_string())
            .send()
            .await
            .expect("StartExecution")
            .execution_arn()
            .to_string();
        self.ended(&arn).await;
        arn
    }

    /// Waits for an execution to end; its status and output.
    pub async fn ended(&self, arn: &str) -> (ExecutionStatus, Option<Value>) {
        testkit::eventually(60, || async {
            let out = self
                .sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .ok()?;
            (out.status() != &ExecutionStatus::Running).then(|| {
                (
                    out.status().clone(),
                    out.output().map(|o| serde_json::from_str(o).unwrap()),
                )
            })
        })
        .await
        .unwrap_or_else(|| panic!("{arn} never ended"))
    }

    /// The names of every state machine, sorted.
    pub async fn machines(&self) -> Vec<String> {
        let listed = self.sfn.list_state_machines().send().await.unwrap();
        let mut names: Vec<String> = listed
            .state_machines()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        names.sort();
        names
    }

    /// The names of the executions of a machine, sorted.
    pub async fn executions(&self, machine: &str) -> Vec<String> {
        let Ok(listed) = self
            .sfn
            .list_executions()
            .state_machine_arn(machine)
            .send()
            .await
        else {
            return Vec::new();
        };
        let mut names: Vec<String> = listed
            .executions()
            .iter()
            .map(|e| e.name().to_string())
            .collect();
        names.sort();
        names
    }

    /// The states an execution entered, in order.
    pub async fn entered(&self, arn: &str) -> Vec<String> {
        let history = self
            .sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(1000)
            .send()
            .await
            .expect("GetExecutionHistory");
        history
            .events()
            .iter()
            .filter_map(|e| e.state_entered_event_details())
            .map(|d| d.name().to_string())
            .collect()
    }

    /// Runs the real `deployer` against this emulator.
    pub async fn deployer(&self, args: &[&str]) -> Output {
        let dir = tempfile::tempdir().expect("a scratch directory");
        common::deployer_at(&self.emulator.endpoint(), dir.path(), args).await
    }

    /// `deployer resume ARN --strategy copy extra… --output json`, which must succeed (the
    /// scenarios are the copy's).
    pub async fn resume(&self, failed: &str, extra: &[&str]) -> Value {
        let mut args = vec!["resume", failed, "--strategy", "copy"];
        args.extend_from_slice(extra);
        args.extend(["--output", "json"]);
        common::json(&self.deployer(&args).await)
    }

    /// `deployer resume ARN --strategy copy extra… --start --wait --output json`: the report
    /// (whatever the resumed execution's outcome).
    pub async fn resume_and_wait(&self, failed: &str, extra: &[&str]) -> Value {
        let mut args = vec!["resume", failed, "--strategy", "copy"];
        args.extend_from_slice(extra);
        args.extend(["--start", "--wait", "--output", "json"]);
        let out = self.deployer(&args).await;
        serde_json::from_str(&common::stdout(&out)).unwrap_or_else(|e| {
            panic!(
                "no JSON report ({e}): {}\n{}",
                common::stdout(&out),
                common::stderr(&out)
            )
        })
    }
}

/// The resumed execution's output in a report.
pub fn resumed_output(report: &Value) -> Value {
    let text = report["resumed"]["output"]
        .as_str()
        .unwrap_or_else(|| panic!("no resumed output: {report}"));
    serde_json::from_str(text).unwrap()
}

/// Asserts a refusal: exit status 2, with `says` in the message.
pub fn assert_refused(out: &Output, says: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(out));
    assert!(
        common::stderr(out).contains(says),
        "stderr lacks {says:?}: {}",
        common::stderr(out)
    );
}
