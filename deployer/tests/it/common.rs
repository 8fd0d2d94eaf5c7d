//! What the deployer's emulator tests share beyond the test kit: the workflow role, a
//! change-set deployment as `deployer up` will do it, running the deployer binary and reading
//! what it printed.

use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Stack};
use testkit::eventually;

/// The role workflows run as (IAM is stored, not enforced).
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/workflow";

/// CreateChangeSet (CREATE, CAPABILITY_IAM) + ExecuteChangeSet, then waits for the stack.
pub async fn deploy(cfn: &aws_sdk_cloudformation::Client, stack: &str, template: &str) -> Stack {
    cfn.create_change_set()
        .stack_name(stack)
        .change_set_name("deployer-1")
        .change_set_type(ChangeSetType::Create)
        .template_body(template)
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .expect("CreateChangeSet");
    let change_set = eventually(20, || async {
        let out = cfn
            .describe_change_set()
            .stack_name(stack)
            .change_set_name("deployer-1")
            .send()
            .await
            .expect("DescribeChangeSet");
        match out.status() {
            Some(ChangeSetStatus::CreatePending | ChangeSetStatus::CreateInProgress) => None,
            _ => Some(out),
        }
    })
    .await
    .expect("the change set settles");
    assert_eq!(
        change_set.status(),
        Some(&ChangeSetStatus::CreateComplete),
        "{:?}",
        change_set.status_reason()
    );
    cfn.execute_change_set()
        .stack_name(stack)
        .change_set_name("deployer-1")
        .send()
        .await
        .expect("ExecuteChangeSet");
    eventually(30, || async {
        let out = cfn.describe_stacks().stack_name(stack).send().await.ok()?;
        let stack = out.stacks().first()?.clone();
        let status = stack.stack_status()?.as_str().to_string();
        (!status.ends_with("_IN_PROGRESS")).then_some(stack)
    })
    .await
    .expect("the stack settles")
}

/// A stack output's value.
pub fn output(stack: &Stack, key: &str) -> String {
    stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some(key))
        .and_then(|o| o.output_value())
        .unwrap_or_else(|| panic!("no output {key}"))
        .to_string()
}

/// Runs the real `deployer` binary in `dir` against the emulator at `endpoint`, with no
/// credentials in the environment (a loopback endpoint gets test ones), no AWS config files and
/// no terminal (so plain output), off the async runtime the emulator runs on.
pub async fn deployer_at(
    endpoint: &str,
    dir: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_deployer"));
    command.args(args);
    isolate(&mut command, endpoint, dir);
    command.stdin(std::process::Stdio::null());
    tokio::task::spawn_blocking(move || command.output().expect("run deployer"))
        .await
        .expect("deployer ran")
}

/// Runs the real `deployer` binary in `dir`, offline (for commands that need no AWS).
pub fn deployer_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_deployer"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run deployer")
}

/// Runs the real `deployer` binary offline in a new, empty directory.
pub fn deployer(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    deployer_in(dir.path(), args)
}

/// The environment a test runs `deployer` in: `dir` as the current directory, the emulator at
/// `endpoint`, no credentials or AWS config files of the machine's.
pub fn isolate(command: &mut std::process::Command, endpoint: &str, dir: &std::path::Path) {
    command
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env_remove("AWS_PROFILE")
        .env_remove("NO_COLOR");
}

/// Asserts a refusal (bad usage or bad input): exit status 2, nothing on standard output,
/// and a message on standard error that contains each of `says`.
pub fn assert_refused(out: &std::process::Output, says: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(out));
    assert!(stdout(out).is_empty(), "stdout: {}", stdout(out));
    for needle in says {
        assert!(
            stderr(out).contains(needle),
            "stderr lacks {needle:?}: {}",
            stderr(out)
        );
    }
}

/// Standard output as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output as one JSON document, from a run that must have succeeded.
pub fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", stdout(out)))
}

/// The arguments of `command` (`["up"]`, `["render", "resumer"]`) for resumer `suffix` on
/// `pattern`, with the ids at `$.orderId` (pause task) and `$.detail.orderId` (the event),
/// followed by `extra`.
pub fn resumer_args<'a>(
    command: &[&'a str],
    suffix: &'a str,
    pattern: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = command.to_vec();
    args.extend([
        "--name-suffix",
        suffix,
        "--event-pattern",
        pattern,
        "--path-to-id-pause-task",
        "$.orderId",
        "--path-to-id-workflow",
        "$.detail.orderId",
    ]);
    args.extend_from_slice(extra);
    args
}
