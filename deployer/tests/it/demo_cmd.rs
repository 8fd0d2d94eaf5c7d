//! `deployer demo up | down` (the binary) against the in-process emulator: packages checked
//! before any call, uploads keyed by content, the stack deployed and updated, and the teardown
//! of the stack, of the resumed copies and of the artifacts.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sfn::types::Tag;

use common::{json, ROLE_ARN};
use testkit::aws::sdk_config;

const DEFAULT_BUCKET: &str = "sfn-resume-artifacts-123456789012-us-east-1";

/// A start_job that answers every invocation with its input (the tutorial names its job in the
/// input, which the demo's Rust function keeps), through the Lambda Runtime API.
const START_JOB: &str = r#"#!/bin/sh
while true; do
  headers=$(mktemp)
  body=$(mktemp)
  curl -sS -o "$body" -D "$headers" "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"
  id=$(grep -i lambda-runtime-aws-request-id "$headers" | tr -d '\r' | cut -d' ' -f2)
  if [ -n "$id" ]; then
    curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$id/response" \
      --data-binary @"$body" >/dev/null
  else
    sleep 0.1
  fi
  rm -f "$headers" "$body"
done
"#;

/// A package holding an executable `bootstrap` with `body` (never run here).
fn write_package(dir: &Path, name: &str, body: &str) {
    let bytes = testkit::package::bootstrap(body.as_bytes());
    std::fs::write(dir.join(format!("{name}.zip")), bytes).unwrap();
}

fn packages(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["first", "second", "start_job"] {
        write_package(dir.path(), name, body);
    }
    dir
}

/// `deployer ARGS --output json --region us-east-1 --endpoint-url ENDPOINT`.
async fn deployer(endpoint: &str, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend([
        "--output",
        "json",
        "--endpoint-url",
        endpoint,
        "--region",
        "us-east-1",
    ]);
    let dir = tempfile::tempdir().expect("a scratch directory");
    common::deployer_at(endpoint, dir.path(), &all).await
}

fn s3(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

async fn machine(sfn: &aws_sdk_sfn::Client, name: &str, tags: &[(&str, &str)]) -> String {
    sfn.create_state_machine()
        .name(name)
        .role_arn(ROLE_ARN)
        .definition(r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                .collect(),
        ))
        .send()
        .await
        .unwrap()
        .state_machine_arn
}

#[test]
fn missing_packages_are_bad_input_that_names_the_build_command() {
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_deployer"))
        .args(["demo", "up", "--yes", "--lambda-dir"])
        .arg(empty.path())
        .args(["--endpoint-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("first.zip"), "{stderr}");
    assert!(stderr.contains("cargo xtask lambdas"), "{stderr}");
}

#[test]
fn an_invalid_bucket_name_is_bad_input() {
    let dir = packages("#!/bin/sh\n");
    let output = Command::new(env!("CARGO_BIN_EXE_deployer"))
        .args(["demo", "up", "--yes", "--artifact-bucket", "Not_A_Bucket"])
        .arg("--lambda-dir")
        .arg(dir.path())
        .args(["--endpoint-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Not_A_Bucket"));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_up_deploys_and_updates_and_demo_down_removes_everything_it_made() {
    let emulator = emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts");
    let endpoint = emulator.endpoint();
    let config = sdk_config(&endpoint);
    let sfn = aws_sdk_sfn::Client::new(&config);
    let dir = packages("#!/bin/sh\necho one\n");
    let lambda_dir = dir.path().to_str().unwrap();

    let up = json(
        &deployer(
            &endpoint,
            &["demo", "up", "--yes", "--lambda-dir", lambda_dir],
        )
        .await,
    );
    assert_eq!(up["result"], "created");
    assert_eq!(up["artifactBucket"], DEFAULT_BUCKET);
    let machine_arn = up["stateMachineArn"].as_str().unwrap().to_string();
    assert!(machine_arn.ends_with(":stateMachine:ResumeFromStateExample"));
    let first_key = up["packages"][0].as_str().unwrap().to_string();
    assert!(
        first_key.starts_with("sfn-resume-demo/first-"),
        "{first_key}"
    );

    // New code: new keys, and CloudFormation updates the functions.
    write_package(dir.path(), "second", "#!/bin/sh\necho two\n");
    let again = json(
        &deployer(
            &endpoint,
            &["demo", "up", "--yes", "--lambda-dir", lambda_dir],
        )
        .await,
    );
    assert_eq!(again["result"], "updated");
    assert_eq!(again["packages"][0], first_key.as_str());
    assert_ne!(again["packages"][1], up["packages"][1]);

    let copy = machine(
        &sfn,
        "ResumeFromStateExample-with-GoToState",
        &[
            ("managed-by", "deployer"),
            ("deployer:kind", "resumed-copy"),
        ],
    )
    .await;
    let unrelated = machine(&sfn, "mine", &[("deployer:kind", "resumed-copy")]).await;

    let down = json(&deployer(&endpoint, &["demo", "down", "--yes"]).await);
    assert_eq!(down["stack"]["result"], "deleted");
    assert_eq!(down["deletedStateMachines"], serde_json::json!([copy]));
    assert_eq!(down["resumer"]["result"], "deleted");
    // Three packages, and the second's new code.
    assert_eq!(down["artifactBucket"]["objectsDeleted"], 4);
    assert_eq!(down["artifactBucket"]["bucketDeleted"], true);
    let left: Vec<String> = sfn
        .list_state_machines()
        .send()
        .await
        .unwrap()
        .state_machines()
        .iter()
        .map(|m| m.state_machine_arn().to_string())
        .collect();
    assert_eq!(left, vec![unrelated]);
    assert!(s3(&config)
        .list_buckets()
        .send()
        .await
        .unwrap()
        .buckets()
        .is_empty());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_users_bucket_keeps_its_other_objects_and_stays() {
    let emulator = emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts");
    let endpoint = emulator.endpoint();
    let s3 = s3(&sdk_config(&endpoint));
    s3.create_bucket().bucket("my-bucket").send().await.unwrap();
    s3.put_object()
        .bucket("my-bucket")
        .key("keep/me.txt")
        .body(b"mine".to_vec().into())
        .send()
        .await
        .unwrap();
    let dir = packages("#!/bin/sh\n");
    let args = [
        "demo",
        "up",
        "--yes",
        "--artifact-bucket",
        "my-bucket",
        "--lambda-dir",
        dir.path().to_str().unwrap(),
    ];
    assert_eq!(
        json(&deployer(&endpoint, &args).await)["artifactBucket"],
        "my-bucket"
    );

    let down = json(&deployer(&endpoint, &["demo", "down", "--yes"]).await);
    assert_eq!(down["artifactBucket"]["name"], "my-bucket");
    assert_eq!(down["artifactBucket"]["objectsDeleted"], 3);
    assert_eq!(down["artifactBucket"]["bucketDeleted"], false);
    let keys: Vec<String> = s3
        .list_objects_v2()
        .bucket("my-bucket")
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect();
    assert_eq!(keys, vec!["keep/me.txt".to_string()]);
    emulator.shutdown().await;
}

/// What is left in the emulator: stacks not deleted, state machines, tables, roles, functions,
/// rules, log groups and buckets, each named.
async fn leftovers(config: &aws_config::SdkConfig) -> Vec<String> {
    let mut left = Vec::new();
    let mut add = |kind: &str, names: Vec<&str>| {
        left.extend(names.into_iter().map(|name| format!("{kind} {name}")));
    };
    let cloudformation = aws_sdk_cloudformation::Client::new(config);
    let stacks = cloudformation.list_stacks().send().await.unwrap();
    let live = |s: &&aws_sdk_cloudformation::types::StackSummary| {
        s.stack_status()
            .is_some_and(|st| st.as_str() != "DELETE_COMPLETE")
    };
    add(
        "stack",
        stacks
            .stack_summaries()
            .iter()
            .filter(live)
            .filter_map(|s| s.stack_name())
            .collect(),
    );
    let sfn = aws_sdk_sfn::Client::new(config);
    let machines = sfn.list_state_machines().send().await.unwrap();
    add(
        "state machine",
        machines.state_machines().iter().map(|m| m.name()).collect(),
    );
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let tables = dynamodb.list_tables().send().await.unwrap();
    add(
        "table",
        tables.table_names().iter().map(String::as_str).collect(),
    );
    let iam = aws_sdk_iam::Client::new(config);
    let roles = iam.list_roles().send().await.unwrap();
    add(
        "role",
        roles.roles().iter().map(|r| r.role_name()).collect(),
    );
    let lambda = aws_sdk_lambda::Client::new(config);
    let functions = lambda.list_functions().send().await.unwrap();
    add(
        "function",
        functions
            .functions()
            .iter()
            .filter_map(|f| f.function_name())
            .collect(),
    );
    let events = aws_sdk_eventbridge::Client::new(config);
    let rules = events.list_rules().send().await.unwrap();
    add(
        "rule",
        rules.rules().iter().filter_map(|r| r.name()).collect(),
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    let groups = logs.describe_log_groups().send().await.unwrap();
    add(
        "log group",
        groups
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name())
            .filter(|name| !name.starts_with("/aws/lambda/"))
            .collect(),
    );
    let buckets = s3(config).list_buckets().send().await.unwrap();
    add(
        "bucket",
        buckets.buckets().iter().filter_map(|b| b.name()).collect(),
    );
    left
}

/// The README's pause/resume part: start the job workflow, find its job in the resumer's table,
/// put the job's completion event, see the workflow resume; `demo down` then leaves nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_job_workflow_pauses_until_its_event_and_demo_down_leaves_nothing() {
    let emulator = emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts");
    let endpoint = emulator.endpoint();
    let config = sdk_config(&endpoint);
    let sfn = aws_sdk_sfn::Client::new(&config);
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let dir = packages("#!/bin/sh\n");
    write_package(dir.path(), "start_job", START_JOB);
    let lambda_dir = dir.path().to_str().unwrap();

    let up = json(
        &deployer(
            &endpoint,
            &["demo", "up", "--yes", "--lambda-dir", lambda_dir],
        )
        .await,
    );
    assert_eq!(up["resumer"]["stack"], "sfn-resume-DemoJobs");
    assert_eq!(up["resumer"]["result"], "created");
    let workflow = up["jobStateMachineArn"].as_str().unwrap().to_string();
    assert!(
        workflow.ends_with(":stateMachine:ResumeOnEventExample"),
        "{workflow}"
    );
    // The job workflow's role holds the pause task's grant, as `--workflow-role` gives it.
    let role = sfn
        .describe_state_machine()
        .state_machine_arn(&workflow)
        .send()
        .await
        .unwrap()
        .role_arn
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let grant = aws_sdk_iam::Client::new(&config)
        .get_role_policy()
        .role_name(&role)
        .policy_name("sfn-resume-DemoJobs-pause-task")
        .send()
        .await
        .expect("the job workflow's role is granted the resumer's table");
    assert!(grant.policy_document().contains("dynamodb"));

    // In text, `demo up` prints the README's commands, not the pause task (it is in the workflow).
    let scratch = tempfile::tempdir().unwrap();
    let text = common::deployer_at(
        &endpoint,
        scratch.path(),
        &["demo", "up", "--yes", "--lambda-dir", lambda_dir],
    )
    .await;
    assert!(text.status.success(), "{text:?}");
    let printed = String::from_utf8_lossy(&text.stdout);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README");
    assert!(readme.contains(&format!("W={workflow}")), "the README's W=");
    for line in [
        "E=$(aws stepfunctions start-execution --state-machine-arn $W --input '{\"jobId\": \"job-1\"}' \
         --query executionArn --output text)",
        "aws stepfunctions describe-execution --execution-arn $E --query '[status,output]'",
    ] {
        assert!(readme.contains(line), "the README types {line}");
        let with_arn = line.replace("$W", &workflow);
        assert!(
            printed.contains(&with_arn),
            "demo up prints {with_arn}: {printed}"
        );
    }
    assert!(!printed.contains("Pause task for"), "{printed}");

    // E=$(aws stepfunctions start-execution --state-machine-arn $W --input '{"jobId": "job-1"}' …)
    let execution = testkit::aws::start_execution(&sfn, &workflow, r#"{"jobId": "job-1"}"#).await;
    let job = "job-1".to_string();
    // The workflow pauses: its token waits under the job's id, naming the execution.
    testkit::eventually(30, || async {
        let got = ddb
            .get_item()
            .table_name("sfn-resume-DemoJobs")
            .key("id", AttributeValue::S(job.clone()))
            .send()
            .await
            .unwrap();
        let paused_by = got.item()?.get("pausedBy")?.as_s().ok()?.clone();
        (paused_by == execution).then_some(())
    })
    .await
    .expect("the paused workflow's token waits under its job's id");
    let describe = || async {
        sfn.describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap()
    };
    let running = describe().await;
    assert_eq!(running.status, aws_sdk_sfn::types::ExecutionStatus::Running);

    // aws events put-events --entries '[{"Source": "sfn-resume.demo", "DetailType": "JobCompleted", …}]'
    let detail = serde_json::json!({"jobId": job});
    let put = aws_sdk_eventbridge::Client::new(&config)
        .put_events()
        .entries(
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .source("sfn-resume.demo")
                .detail_type("JobCompleted")
                .detail(detail.to_string())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count(), 0);

    // aws stepfunctions describe-execution --execution-arn $E --query '[status,output]'
    let ended = testkit::eventually(30, || async {
        let described = describe().await;
        (described.status != aws_sdk_sfn::types::ExecutionStatus::Running).then_some(described)
    })
    .await
    .expect("the event resumes the workflow");
    assert_eq!(
        ended.status,
        aws_sdk_sfn::types::ExecutionStatus::Succeeded,
        "{:?}",
        ended.cause()
    );
    let output: serde_json::Value = serde_json::from_str(ended.output().unwrap()).unwrap();
    assert_eq!(output["jobId"], job.as_str());
    assert_eq!(output["resumeEvent"], detail);

    let down = json(&deployer(&endpoint, &["demo", "down", "--yes"]).await);
    assert_eq!(down["resumer"]["result"], "deleted");
    assert_eq!(down["stack"]["result"], "deleted");
    assert_eq!(leftovers(&config).await, Vec::<String>::new());
    emulator.shutdown().await;
}

#[tokio::test]
async fn down_all_removes_the_demo_with_its_packages_and_the_bucket_deployer_created() {
    let emulator = emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts");
    let endpoint = emulator.endpoint();
    let config = sdk_config(&endpoint);
    let dir = packages("#!/bin/sh\necho all\n");
    let lambda_dir = dir.path().to_str().unwrap();
    let up = json(
        &deployer(
            &endpoint,
            &["demo", "up", "--yes", "--lambda-dir", lambda_dir],
        )
        .await,
    );
    assert_eq!(up["artifactBucket"], DEFAULT_BUCKET);

    let down = deployer(&endpoint, &["down", "--all", "--yes"]).await;
    assert!(down.status.success(), "{}", common::stderr(&down));
    assert!(
        common::stderr(&down).contains(&format!("deleted the artifact bucket {DEFAULT_BUCKET}")),
        "{}",
        common::stderr(&down)
    );
    // The resumer goes before the demo stack, whose job workflow role holds its grant.
    let reports = json(&down);
    let order: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|report| report["stack"].as_str())
        .collect();
    assert_eq!(order, ["sfn-resume-DemoJobs", "ResumeFromState"]);
    assert_eq!(leftovers(&config).await, Vec::<String>::new());
    emulator.shutdown().await;
}
