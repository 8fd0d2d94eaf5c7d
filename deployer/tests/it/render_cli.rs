//! `deployer render` and `deployer task`, run as a user runs them: the real binary, from a
//! directory with or without a deployer.toml.

use crate::common;

use common::{deployer, deployer_in, stderr, stdout};
use serde_json::Value;

const PATTERN: &str = r#"{"source": ["shop.orders"], "detail-type": ["OrderShipped"]}"#;

fn resumer_flags<'a>(suffix: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    common::resumer_args(&["render", "resumer"], suffix, PATTERN, extra)
}

#[test]
fn render_resumer_prints_the_whole_stack() {
    let out = deployer(&resumer_flags("orders", &[]));
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = stdout(&out);
    for expected in [
        "Type: AWS::DynamoDB::Table",
        "DeletionPolicy: RetainExceptOnCreate",
        "UpdateReplacePolicy: Retain",
        "TableName: \"sfn-resume-orders\"",
        "StateMachineName: \"sfn-resume-orders_orders\"",
        "ConsistentRead: true",
        "Output.$: States.JsonToString($.detail)",
        "\"#token\": token",
        "Sfn.TaskDoesNotExistException",
        "Sfn.ThrottlingException",
        "S.$: \"$.detail.orderId\"",
        "Action: states:StartExecution",
        "Resource: !GetAtt Table.Arn",
        "MaximumRetryAttempts: 185",
        "LogGroupArn: !GetAtt LogGroup.Arn",
        "Value: !GetAtt ResumeRule.Arn",
        "PauseTask:",
    ] {
        assert!(yaml.contains(expected), "missing {expected:?} in:\n{yaml}");
    }
    assert!(
        !yaml.contains("FailMachine"),
        "no failure machine unless asked"
    );
    assert!(yaml.contains(
        r#"EventPattern: "{\"source\":[\"shop.orders\"],\"detail-type\":[\"OrderShipped\"]}""#
    ));
}

#[test]
fn render_resumer_with_destroy_and_a_failure_pattern() {
    let out = deployer(&resumer_flags(
        "pay",
        &[
            "--removal-policy",
            "destroy",
            "--failure-event-pattern",
            r#"{"source": ["shop.orders"], "detail-type": ["OrderLost"]}"#,
        ],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = stdout(&out);
    assert!(yaml.contains("DeletionPolicy: Delete"));
    assert!(!yaml.contains("Retain"));
    assert!(yaml.contains("StateMachineName: \"sfn-resume-pay_pay_fail\""));
    assert!(yaml.contains("arn:aws:states:::aws-sdk:sfn:sendTaskFailure"));
    assert!(yaml.contains("Value: !GetAtt FailRule.Arn"));
}

#[test]
fn task_prints_the_pause_task_with_a_marked_placeholder() {
    let out = deployer(&[
        "task",
        "--name-suffix",
        "orders",
        "--path-to-id-pause-task",
        "$.orderId",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let task: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // One Parallel state: its branch gets the state input and the id, its output is the input
    // with the event's detail at the result path.
    assert_eq!(task["Type"], "Parallel");
    assert_eq!(task["Parameters"]["id.$"], "$.orderId");
    assert_eq!(task["OutputPath"], "$[0].input");
    let pause = &task["Branches"][0]["States"]["Pause"];
    assert_eq!(
        pause["Resource"],
        "arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken"
    );
    assert_eq!(pause["Parameters"]["TableName"], "sfn-resume-orders");
    assert_eq!(pause["Parameters"]["Item"]["id"]["S.$"], "$.id");
    assert_eq!(pause["Parameters"]["Item"]["token"]["S.$"], "$$.Task.Token");
    assert_eq!(
        pause["Parameters"]["ConditionExpression"],
        "attribute_not_exists(id)"
    );
    assert_eq!(pause["ResultPath"], "$.input.resumeEvent");
    assert!(pause.get("TimeoutSeconds").is_none());
    assert_eq!(
        pause["Catch"][0]["ErrorEquals"][0],
        "DynamoDb.ConditionalCheckFailedException"
    );
    assert_eq!(task["Next"], "<your next state: replace me>");
    assert!(stderr(&out).contains("placeholder"));
}

#[test]
fn task_takes_next_result_path_and_timeout() {
    let out = deployer(&[
        "task",
        "--name-suffix",
        "orders",
        "--path-to-id-pause-task",
        "$.orderId",
        "--next",
        "Ship",
        "--result-path",
        "$.shipped",
        "--timeout-seconds",
        "600",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let task: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(task["Next"], "Ship");
    let pause = &task["Branches"][0]["States"]["Pause"];
    assert_eq!(pause["ResultPath"], "$.input.shipped");
    assert_eq!(pause["TimeoutSeconds"], 600);
    assert!(!stderr(&out).contains("placeholder"), "{}", stderr(&out));
}

#[test]
fn the_stack_output_carries_the_same_pause_task() {
    let task = stdout(&deployer(&[
        "task",
        "--name-suffix",
        "orders",
        "--path-to-id-pause-task",
        "$.orderId",
    ]));
    let task: Value = serde_json::from_str(&task).unwrap();
    let yaml = stdout(&deployer(&resumer_flags("orders", &[])));
    let line = yaml
        .lines()
        .skip_while(|l| !l.contains("PauseTask:"))
        .nth(2)
        .unwrap();
    let quoted = line.trim().strip_prefix("Value: ").unwrap();
    let text: String = serde_json::from_str(quoted).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), task);
}

#[test]
fn deployer_toml_in_the_current_directory_defines_instances() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deployer.toml"),
        r#"
[[resumer]]
name_suffix = "orders"
event_pattern = '{"source": ["from-file"]}'
path_to_id_pause_task = "$.order.id"
path_to_id_workflow = "$.detail.id"
timeout_seconds = 120
tags = { team = "shop" }
"#,
    )
    .unwrap();
    let out = deployer_in(
        dir.path(),
        &["render", "resumer", "--name-suffix", "orders"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = stdout(&out);
    assert!(yaml.contains(r#"\"from-file\""#));
    assert!(yaml.contains("Key: \"team\""));
    // A flag overrides the file.
    let out = deployer_in(
        dir.path(),
        &["task", "--name-suffix", "orders", "--timeout-seconds", "5"],
    );
    let task: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(task["Branches"][0]["States"]["Pause"]["TimeoutSeconds"], 5);
    assert_eq!(task["Parameters"]["id.$"], "$.order.id");
}

#[test]
fn render_demo_uses_the_artifact_location() {
    let out = deployer(&[
        "render",
        "demo",
        "--artifact-bucket",
        "my-bucket",
        "--first-key",
        "a/first.zip",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = stdout(&out);
    assert!(yaml.contains("S3Bucket: \"my-bucket\""));
    assert!(yaml.contains("S3Key: \"a/first.zip\""));
    assert!(yaml.contains("Runtime: provided.al2023"));
    for state in [
        "Parallel Step 1, Process 2:",
        "Parallel Step 2, Process 1:",
        "Final Processing:",
    ] {
        assert!(yaml.contains(state), "missing {state}");
    }
}

#[test]
fn bad_input_exits_2_with_what_to_do() {
    common::assert_refused(
        &deployer(&resumer_flags("my_orders", &[])),
        &["invalid name suffix", "letters, digits and hyphens"],
    );
    common::assert_refused(
        &deployer(&resumer_flags(&"a".repeat(40), &[])),
        &["too long"],
    );
    let bad_pattern = [
        "render",
        "resumer",
        "--name-suffix",
        "o",
        "--event-pattern",
        r#"{"source": "x"}"#,
        "--path-to-id-pause-task",
        "$.id",
        "--path-to-id-workflow",
        "$.detail.id",
    ];
    common::assert_refused(&deployer(&bad_pattern), &["Event pattern is not valid"]);
    let not_json = [
        "render",
        "resumer",
        "--name-suffix",
        "o",
        "--event-pattern",
        "{source",
        "--path-to-id-pause-task",
        "$.id",
        "--path-to-id-workflow",
        "$.detail.id",
    ];
    common::assert_refused(&deployer(&not_json), &["not JSON"]);
    common::assert_refused(
        &deployer(&resumer_flags("o", &["--removal-policy", "keep"])),
        &["removal_policy 'keep'"],
    );
    common::assert_refused(
        &deployer(&resumer_flags("o", &["--failure-event-pattern", "[1]"])),
        &["failure_event_pattern"],
    );
    common::assert_refused(
        &deployer(&[
            "task",
            "--name-suffix",
            "o",
            "--path-to-id-pause-task",
            "orderId",
        ]),
        &["path_to_id_pause_task", "$.detail.orderId"],
    );
    common::assert_refused(
        &deployer(&["task", "--name-suffix", "o"]),
        &["--path-to-id-pause-task"],
    );
    common::assert_refused(
        &deployer(&[
            "render",
            "resumer",
            "--name-suffix",
            "o",
            "--path-to-id-pause-task",
            "$.id",
        ]),
        &["--event-pattern"],
    );
    common::assert_refused(
        &deployer(&[
            "task",
            "--name-suffix",
            "o",
            "--path-to-id-pause-task",
            "$.id",
            "--timeout-seconds",
            "0",
        ]),
        &["timeout_seconds"],
    );
}

#[test]
fn bad_config_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("custom.toml");
    std::fs::write(
        &file,
        "[[resumer]]\nname_suffix = \"o\"\npath_to_id = \"$.id\"\n",
    )
    .unwrap();
    let config = file.to_str().unwrap();
    common::assert_refused(
        &deployer(&["task", "--name-suffix", "o", "--config", config]),
        &["custom.toml", "path_to_id"],
    );
    std::fs::write(&file, "[[resumer]]\nevent_pattern = \"{}\"\n").unwrap();
    common::assert_refused(
        &deployer(&["task", "--name-suffix", "o", "--config", config]),
        &["name_suffix"],
    );
    common::assert_refused(
        &deployer(&[
            "task",
            "--name-suffix",
            "o",
            "--config",
            "/nonexistent/deployer.toml",
        ]),
        &["/nonexistent/deployer.toml"],
    );
}

#[test]
fn overlapping_or_oversized_patterns_exit_2() {
    let overlap = resumer_flags(
        "o",
        &["--failure-event-pattern", r#"{"source": ["shop.orders"]}"#],
    );
    common::assert_refused(
        &deployer(&overlap),
        &["both match the event", r#""source":"shop.orders""#],
    );
    let values: Vec<String> = (0..600).map(|i| format!("\"s-{i}\"")).collect();
    let huge = format!(r#"{{"source": [{}]}}"#, values.join(","));
    let oversized = resumer_flags("o", &["--failure-event-pattern", &huge]);
    common::assert_refused(
        &deployer(&oversized),
        &["failure_event_pattern", "at most 4096"],
    );
}

#[test]
fn task_prints_the_pause_and_the_grant_for_cdk_and_terraform() {
    let args = |format: &'static str| {
        vec![
            "task",
            "--name-suffix",
            "orders",
            "--path-to-id-pause-task",
            "$.orderId",
            "--format",
            format,
        ]
    };
    let cdk = deployer(&args("cdk-ts"));
    assert!(cdk.status.success(), "{}", stderr(&cdk));
    let ts = stdout(&cdk);
    assert!(ts.contains("new sfn.CustomState(scope, id"), "{ts}");
    assert!(
        ts.contains("Fn.importValue('sfn-resume-orders-TableArn')"),
        "{ts}"
    );
    assert!(ts.contains("putItem.waitForTaskToken"), "{ts}");

    let tf = deployer(&args("terraform"));
    assert!(tf.status.success(), "{}", stderr(&tf));
    let hcl = stdout(&tf);
    assert!(
        hcl.contains(r#"data "aws_cloudformation_export" "sfn_resume_orders_table_arn""#),
        "{hcl}"
    );
    assert!(
        hcl.contains(r#"resource "aws_iam_role_policy" "sfn_resume_orders_pause""#),
        "{hcl}"
    );

    let asl = deployer(&args("asl"));
    assert!(asl.status.success(), "{}", stderr(&asl));
    let state: Value = serde_json::from_str(&stdout(&asl)).unwrap();
    assert_eq!(state["Type"], "Parallel");
    assert!(
        stderr(&asl).contains("states:SendTaskHeartbeat"),
        "{}",
        stderr(&asl)
    );

    let bad = deployer(&args("pulumi"));
    assert_eq!(bad.status.code(), Some(2));
}
