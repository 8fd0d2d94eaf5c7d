//! `deployer resume <EXECUTION_ARN>` as a user runs it: the real binary against the in-process
//! emulator, with executions that really failed (real Lambda sandboxes counting their
//! invocations), checked through the real SDK clients.

use crate::common;

use std::path::Path;
use std::process::Output;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

use common::{stderr, stdout, ROLE_ARN};

const STATES_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// A machine that fails at "Need" (States.Runtime: `$.ok` is missing) unless the input has `ok`.
const NEEDS_OK: &str = r#"{"StartAt":"First","States":{
    "First":{"Type":"Pass","Next":"Need"},
    "Need":{"Type":"Pass","Parameters":{"ok.$":"$.ok"},"End":true}}}"#;

/// A Lambda `bootstrap` that appends a line to $COUNT_FILE per invocation and returns its
/// event, or fails with MissingFoo when $NEED_FOO is set and the event has no "foo". With
/// $WAIT_FOR it first waits for that file (another counter) to be written, so that a Parallel
/// sibling finishes before this branch fails (a failing branch stops the others).
const COUNTER: &str = r#"#!/bin/sh
while true; do
  headers=$(mktemp)
  event=$(curl -sS -D "$headers" "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next")
  id=$(grep -i lambda-runtime-aws-request-id "$headers" | tr -d '\r' | cut -d' ' -f2)
  if [ -z "$id" ]; then sleep 0.1; continue; fi
  if [ -n "$WAIT_FOR" ]; then
    while [ ! -s "$WAIT_FOR" ]; do sleep 0.05; done
    sleep 0.3
  fi
  echo "$id $event" >> "$COUNT_FILE"
  if [ -n "$NEED_FOO" ] && ! echo "$event" | grep -q '"foo"'; then
    curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$id/error" \
      -d '{"errorType":"MissingFoo","errorMessage":"the input has no foo"}' >/dev/null
  else
    curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$id/response" \
      -d "$event" >/dev/null
  fi
done
"#;

struct Cloud {
    emulator: emulator::Emulator,
    sfn: aws_sdk_sfn::Client,
    iam: aws_sdk_iam::Client,
    lambda: aws_sdk_lambda::Client,
}

impl Cloud {
    async fn start() -> Cloud {
        let emulator = emulator::start(emulator::Config::ephemeral())
            .await
            .expect("the emulator starts");
        let config = testkit::aws::sdk_config(&emulator.endpoint());
        let cloud = Cloud {
            sfn: aws_sdk_sfn::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            emulator,
        };
        cloud.role("workflow", STATES_TRUST).await;
        cloud
    }

    async fn role(&self, name: &str, trust: &str) -> String {
        let created = self
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .send()
            .await
            .expect("CreateRole");
        created.role().unwrap().arn().to_string()
    }

    async fn machine(&self, name: &str, definition: &str, role: &str) -> String {
        let created = self
            .sfn
            .create_state_machine()
            .name(name)
            .definition(definition)
            .role_arn(role)
            .send()
            .await
            .expect("CreateStateMachine");
        created.state_machine_arn().to_string()
    }

    /// Starts `machine` and waits until the execution has `status`.
    async fn run(&self, machine: &str, input: Value, status: ExecutionStatus) -> String {
        let started = self
            .sfn
            .start_execution()
            .state_machine_arn(machine)
            .input(input.to_string())
            .send()
            .await
            .expect("StartExecution");
        let arn = started.execution_arn().to_string();
        let reached = testkit::eventually(60, || async {
            let out = self
                .sfn
                .describe_execution()
                .execution_arn(&arn)
                .send()
                .await
                .ok()?;
            (out.status() == &status).then_some(())
        })
        .await;
        assert!(reached.is_some(), "{arn} never became {status:?}");
        arn
    }

    /// A state machine's definition (DescribeStateMachine).
    async fn definition(&self, arn: &str) -> Value {
        let described = self
            .sfn
            .describe_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
            .expect("DescribeStateMachine");
        serde_json::from_str(described.definition()).unwrap()
    }

    async fn machine_names(&self) -> Vec<String> {
        let listed = self.sfn.list_state_machines().send().await.unwrap();
        let mut names: Vec<String> = listed
            .state_machines()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        names.sort();
        names
    }

    /// A counting function; `fails_after` makes it fail on events without "foo", once that
    /// sibling counter has counted.
    async fn counter(&self, name: &str, count_file: &Path, fails_after: Option<&Path>) -> String {
        let mut variables =
            Environment::builder().variables("COUNT_FILE", count_file.to_str().unwrap());
        if let Some(sibling) = fails_after {
            variables = variables
                .variables("NEED_FOO", "1")
                .variables("WAIT_FOR", sibling.to_str().unwrap());
        }
        let created = self
            .lambda
            .create_function()
            .function_name(name)
            .runtime(Runtime::Providedal2023)
            .role(ROLE_ARN)
            .handler("bootstrap")
            .environment(variables.build())
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(testkit::package::bootstrap(COUNTER.as_bytes())))
                    .build(),
            )
            .send()
            .await
            .expect("CreateFunction");
        created.function_arn().unwrap().to_string()
    }

    /// Runs the real `deployer` against this emulator.
    async fn deployer(&self, args: &[&str]) -> Output {
        let dir = tempfile::tempdir().expect("a scratch directory");
        common::deployer_at(&self.emulator.endpoint(), dir.path(), args).await
    }
}

fn invocations(count_file: &Path) -> usize {
    std::fs::read_to_string(count_file)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_parallel_branch_resumes_without_redoing_the_branch_that_succeeded() {
    let cloud = Cloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (good_count, bad_count) = (dir.path().join("good"), dir.path().join("bad"));
    let good = cloud.counter("good", &good_count, None).await;
    let bad = cloud.counter("bad", &bad_count, Some(&good_count)).await;
    let definition = json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Next": "Both"},
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Good", "States": {"Good": {"Type": "Task", "Resource": good, "End": true}}},
                    {"StartAt": "Bad", "States": {"Bad": {"Type": "Task", "Resource": bad, "End": true}}}
                ],
                "Next": "Done"
            },
            "Done": {"Type": "Pass", "End": true}
        }
    });
    let machine = cloud
        .machine("orders", &definition.to_string(), ROLE_ARN)
        .await;
    let failed = cloud
        .run(&machine, json!({"n": 1}), ExecutionStatus::Failed)
        .await;
    assert_eq!((invocations(&good_count), invocations(&bad_count)), (1, 1));

    let out = cloud
        .deployer(&[
            "resume",
            &failed,
            "--patch",
            r#"{"foo": "bar"}"#,
            "--start",
            "--wait",
        ])
        .await;
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("in state \"Bad\""), "{text}");
    assert!(text.contains("error: MissingFoo"), "{text}");
    assert!(text.contains("Resume at: \"Both\""), "{text}");
    assert!(
        text.contains("\"Both\" branch 1: succeeded before, returns its recorded output"),
        "{text}"
    );
    assert!(
        text.contains("State machine created: arn:aws:states:us-east-1:123456789012:stateMachine:orders-with-GoToState"),
        "{text}"
    );
    assert!(text.contains("aws stepfunctions start-execution"), "{text}");
    assert!(text.contains("Resumed execution SUCCEEDED"), "{text}");
    assert!(stderr(&out).contains("entered Done"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    // The succeeded branch's Lambda ran once in total, across both executions.
    assert_eq!(
        invocations(&good_count),
        1,
        "{:?}",
        std::fs::read_to_string(&good_count)
    );
    assert_eq!(invocations(&bad_count), 2);
    let resumed = text
        .lines()
        .find_map(|l| l.strip_prefix("Started: "))
        .expect("the started execution's ARN")
        .to_string();
    let described = cloud
        .sfn
        .describe_execution()
        .execution_arn(&resumed)
        .send()
        .await
        .unwrap();
    assert_eq!(described.status(), &ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    assert_eq!(output[0], json!({"n": 1}), "the recorded branch output");
    assert_eq!(
        output[1]["foo"], "bar",
        "the patched input reached the failed branch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_of_a_version_resumes_with_the_definition_that_version_ran() {
    let cloud = Cloud::start().await;
    let created = cloud
        .sfn
        .create_state_machine()
        .name("versioned")
        .definition(NEEDS_OK)
        .role_arn(ROLE_ARN)
        .publish(true)
        .send()
        .await
        .unwrap();
    let version = created.state_machine_version_arn().unwrap().to_string();
    // Today's definition differs from the version's: the copy must be made from the version.
    cloud
        .sfn
        .update_state_machine()
        .state_machine_arn(created.state_machine_arn())
        .definition(r#"{"StartAt":"Other","States":{"Other":{"Type":"Pass","End":true}}}"#)
        .send()
        .await
        .unwrap();
    let failed = cloud
        .run(&version, json!({"id": 7}), ExecutionStatus::Failed)
        .await;

    let out = cloud
        .deployer(&[
            "resume",
            &failed,
            "--patch",
            r#"{"ok": true}"#,
            "--start",
            "--wait",
            "--output",
            "json",
        ])
        .await;
    let report = common::json(&out);
    assert_eq!(report["failedState"], "Need");
    assert_eq!(report["resumeState"], "Need");
    assert_eq!(report["original"]["status"], "FAILED");
    assert_eq!(report["resumed"]["status"], "SUCCEEDED");
    assert_eq!(
        report["stateMachineArn"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:versioned-with-GoToState"
    );
    assert_eq!(report["executionInput"], json!({"id": 7}));
    assert_eq!(report["resumeInput"], json!({"id": 7, "ok": true}));
    let output: Value =
        serde_json::from_str(report["resumed"]["output"].as_str().unwrap()).unwrap();
    assert_eq!(output, json!({"ok": true}));
    let definition = cloud
        .definition(report["stateMachineArn"].as_str().unwrap())
        .await;
    assert!(definition["States"].get("Need").is_some(), "{definition}");
    assert!(definition["States"].get("Other").is_none(), "{definition}");

    // Through an alias of the version: the same definition, and the copy is updated.
    let alias = cloud
        .sfn
        .create_state_machine_alias()
        .name("live")
        .routing_configuration(
            aws_sdk_sfn::types::RoutingConfigurationListItem::builder()
                .state_machine_version_arn(&version)
                .weight(100)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let failed = cloud
        .run(
            alias.state_machine_alias_arn(),
            json!({"id": 8}),
            ExecutionStatus::Failed,
        )
        .await;
    let report = common::json(
        &cloud
            .deployer(&["resume", &failed, "--strategy", "copy", "--output", "json"])
            .await,
    );
    assert_eq!(report["failedState"], "Need");
    assert_eq!(report["action"], "updated");
    assert_eq!(report["resumeInput"], json!({"id": 8}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_twice_updates_the_copy_and_a_dry_run_creates_nothing() {
    let cloud = Cloud::start().await;
    let machine = cloud.machine("twice", NEEDS_OK, ROLE_ARN).await;
    let failed = cloud
        .run(&machine, json!({"id": 1}), ExecutionStatus::Failed)
        .await;

    let dry = cloud
        .deployer(&["resume", &failed, "--strategy", "copy", "--dry-run"])
        .await;
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("Rewritten definition"),
        "{}",
        stdout(&dry)
    );
    assert!(
        stdout(&dry).contains("Resuming would create or update"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(cloud.machine_names().await, ["twice"]);

    let first = common::json(
        &cloud
            .deployer(&["resume", &failed, "--strategy", "copy", "--output", "json"])
            .await,
    );
    assert_eq!(first["action"], "created");
    assert_eq!(first["dryRun"], false);
    assert_eq!(first["resumeInput"], json!({"id": 1}));
    let copy_arn = first["stateMachineArn"].as_str().unwrap().to_string();
    let version = first["stateMachineVersionArn"].as_str().unwrap();
    assert_eq!(version, format!("{copy_arn}:1"));
    assert!(first["startCommand"]
        .as_str()
        .unwrap()
        .contains(&format!("--state-machine-arn {version}")));
    let before = cloud.definition(&copy_arn).await;
    let tags = cloud
        .sfn
        .list_tags_for_resource()
        .resource_arn(&copy_arn)
        .send()
        .await
        .unwrap();
    let tag = |key: &str| {
        tags.tags()
            .iter()
            .find(|t| t.key() == Some(key))
            .and_then(|t| t.value())
            .map(str::to_string)
    };
    assert_eq!(tag("managed-by").as_deref(), Some("deployer"));
    assert_eq!(tag("deployer:kind").as_deref(), Some("resumed-copy"));
    assert_eq!(tag("deployer:source").as_deref(), Some(machine.as_str()));

    let second = common::json(
        &cloud
            .deployer(&[
                "resume",
                &failed,
                "--from-state",
                "First",
                "--output",
                "json",
            ])
            .await,
    );
    assert_eq!(second["action"], "updated");
    assert_eq!(second["stateMachineArn"], copy_arn.as_str());
    let definition = cloud.definition(&copy_arn).await;
    assert_ne!(before, definition);
    let entry = definition["States"]["GoToState"]["Choices"][0]["Next"]
        .as_str()
        .unwrap();
    assert_eq!(definition["States"][entry]["Next"], "First");
    assert_eq!(
        second["stateMachineVersionArn"],
        format!("{copy_arn}:2"),
        "a version per resume"
    );
    assert_eq!(
        cloud.machine_names().await,
        ["twice", "twice-with-GoToState"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_succeeded_unknown_and_malformed_executions_are_refused_creating_nothing() {
    let cloud = Cloud::start().await;
    let waits = cloud
        .machine(
            "waits",
            r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}"#,
            ROLE_ARN,
        )
        .await;
    let passes = cloud
        .machine(
            "passes",
            r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#,
            ROLE_ARN,
        )
        .await;
    let running = cloud.run(&waits, json!({}), ExecutionStatus::Running).await;
    let succeeded = cloud
        .run(&passes, json!({}), ExecutionStatus::Succeeded)
        .await;

    let out = cloud.deployer(&["resume", &running, "--start"]).await;
    common::assert_refused(&out, &["is RUNNING: nothing to resume"]);
    let out = cloud.deployer(&["resume", &succeeded]).await;
    common::assert_refused(&out, &["is SUCCEEDED: nothing to resume"]);
    let missing = "arn:aws:states:us-east-1:123456789012:execution:passes:nope";
    common::assert_refused(
        &cloud.deployer(&["resume", missing]).await,
        &["there is no execution"],
    );
    common::assert_refused(
        &cloud.deployer(&["resume", &passes]).await,
        &["names a state machine"],
    );
    common::assert_refused(
        &cloud.deployer(&["resume", "not-an-arn"]).await,
        &["is not a Step Functions execution ARN"],
    );
    common::assert_refused(
        &cloud.deployer(&["resume", &running, "--patch", "[1"]).await,
        &["--patch is not valid JSON"],
    );
    assert_eq!(cloud.machine_names().await, ["passes", "waits"]);

    // Once stopped (ABORTED) it can be resumed at the state that was in progress.
    cloud
        .sfn
        .stop_execution()
        .execution_arn(&running)
        .send()
        .await
        .unwrap();
    let plan = common::json(
        &cloud
            .deployer(&["resume", &running, "--dry-run", "--output", "json"])
            .await,
    );
    assert_eq!(plan["original"]["status"], "ABORTED");
    assert_eq!(plan["failedState"], "W");
    assert_eq!(plan["dryRun"], true);
    assert_eq!(cloud.machine_names().await, ["passes", "waits"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trust_policy_pinned_to_the_original_machine_stops_before_anything_is_created() {
    let cloud = Cloud::start().await;
    let original = "arn:aws:states:us-east-1:123456789012:stateMachine:pinned";
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:SourceArn": original}}
        }]
    });
    let role = cloud.role("pinned-role", &trust.to_string()).await;
    let machine = cloud.machine("pinned", NEEDS_OK, &role).await;
    assert_eq!(machine, original);
    let failed = cloud
        .run(&machine, json!({}), ExecutionStatus::Failed)
        .await;

    let out = cloud
        .deployer(&["resume", &failed, "--strategy", "copy", "--start"])
        .await;
    common::assert_refused(&out, &["error: the trust policy of the role"]);
    let said = format!("aws:SourceArn = {original} does not match");
    assert!(stderr(&out).contains(&said), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Nothing was created"),
        "{}",
        stderr(&out)
    );
    assert_eq!(cloud.machine_names().await, ["pinned"]);

    let out = cloud
        .deployer(&[
            "resume",
            &failed,
            "--strategy",
            "copy",
            "--ignore-trust-policy",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let warned = err.find("warning: the trust policy").expect("a warning");
    let created = err
        .find("State machine created")
        .expect("the copy is created");
    assert!(warned < created, "{err}");
    assert_eq!(
        cloud.machine_names().await,
        ["pinned", "pinned-with-GoToState"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_started_copy_that_fails_again_exits_1_with_its_error() {
    let cloud = Cloud::start().await;
    let machine = cloud.machine("again", NEEDS_OK, ROLE_ARN).await;
    let failed = cloud
        .run(&machine, json!({}), ExecutionStatus::Failed)
        .await;
    let out = cloud
        .deployer(&[
            "resume",
            &failed,
            "--strategy",
            "copy",
            "--start",
            "--wait",
            "--output",
            "json",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["resumed"]["status"], "FAILED");
    assert_eq!(report["resumed"]["error"], "States.Runtime");
    assert!(report["resumed"]["executionArn"]
        .as_str()
        .unwrap()
        .contains(":execution:again-with-GoToState:"));
}
