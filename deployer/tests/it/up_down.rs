//! `deployer up`, `ls` and `down` as a user runs them: the real binary, without a terminal,
//! against the in-process emulator, checked with the real SDK clients.

use crate::common;

use std::path::Path;
use std::process::Output;

use aws_sdk_cloudformation::types::ChangeSetStatus;
use aws_sdk_dynamodb::types::AttributeValue;
use common::{deployer_at, json, stderr, stdout};
use testkit::aws::sdk_config;

const PATTERN: &str = r#"{"source":["demo.orders"]}"#;

/// An emulator, its SDK config and a scratch directory to run `deployer` in.
struct World {
    emulator: emulator::Emulator,
    config: aws_config::SdkConfig,
    dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let emulator = emulator::start(emulator::Config::ephemeral())
            .await
            .expect("emulator");
        let config = sdk_config(&emulator.endpoint());
        World {
            emulator,
            config,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn deployer(&self, args: &[&str]) -> Output {
        deployer_at(&self.emulator.endpoint(), self.dir.path(), args).await
    }

    /// `deployer up` of resumer `suffix` with `pattern` and `extra` flags.
    async fn up(&self, suffix: &str, pattern: &str, extra: &[&str]) -> Output {
        self.deployer(&common::resumer_args(&["up"], suffix, pattern, extra))
            .await
    }

    /// The plan of `up --preview --output json`, which must succeed as a preview.
    async fn preview(&self, suffix: &str, pattern: &str) -> serde_json::Value {
        let out = self
            .up(suffix, pattern, &["--preview", "--output", "json"])
            .await;
        assert_ok(&out);
        let plan = json(&out);
        assert_eq!(plan["result"], "previewed");
        plan
    }

    fn cfn(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.config)
    }

    fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    /// The stack's status, or `None` when it does not exist.
    async fn stack_status(&self, stack: &str) -> Option<String> {
        let out = self
            .cfn()
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .ok()?;
        Some(out.stacks()[0].stack_status()?.as_str().to_string())
    }

    async fn change_sets(&self, stack: &str) -> Vec<ChangeSetStatus> {
        let out = self
            .cfn()
            .list_change_sets()
            .stack_name(stack)
            .send()
            .await
            .expect("ListChangeSets");
        out.summaries()
            .iter()
            .filter_map(|s| s.status().cloned())
            .collect()
    }

    async fn tables(&self) -> Vec<String> {
        let out = self
            .dynamodb()
            .list_tables()
            .send()
            .await
            .expect("ListTables");
        out.table_names().to_vec()
    }

    /// Whether `role` holds the pause task's grant of `stack`.
    async fn grant(&self, role: &str, stack: &str) -> bool {
        self.iam()
            .get_role_policy()
            .role_name(role)
            .policy_name(format!("{stack}-pause-task"))
            .send()
            .await
            .is_ok()
    }

    async fn live_stacks(&self) -> Vec<String> {
        let out = self
            .cfn()
            .describe_stacks()
            .send()
            .await
            .expect("DescribeStacks");
        out.stacks()
            .iter()
            .filter_map(|s| s.stack_name().map(str::to_string))
            .collect()
    }
}

fn assert_ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
}

/// Exit 0, and stderr says `needle`.
fn assert_ok_saying(out: &Output, needle: &str) {
    assert_ok(out);
    assert!(
        stderr(out).contains(needle),
        "'{needle}' not in: {}",
        stderr(out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn up_again_update_ls_and_down_as_a_user_sees_them() {
    let w = World::new().await;
    let stack = "sfn-resume-Orders";

    let first = w.up("Orders", PATTERN, &["--yes"]).await;
    assert_ok(&first);
    let (out, err) = (stdout(&first), stderr(&first));
    assert!(
        out.contains("TableArn") && out.contains(":table/sfn-resume-Orders"),
        "{out}"
    );
    assert!(out.contains("Pause task for sfn-resume-Orders"), "{out}");
    assert!(out.contains("putItem.waitForTaskToken"), "{out}");
    assert!(
        err.contains("Creating sfn-resume-Orders (6 resources)"),
        "{err}"
    );
    // Without a terminal: one plain line per event, no colour, no spinner.
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
    let table_done = err
        .lines()
        .find(|l| l.contains("CREATE_COMPLETE") && l.contains("AWS::DynamoDB::Table"));
    assert!(table_done.is_some(), "{err}");
    assert_eq!(
        w.stack_status(stack).await.as_deref(),
        Some("CREATE_COMPLETE")
    );

    let again = w.up("Orders", PATTERN, &["--yes"]).await;
    assert_ok(&again);
    assert!(stderr(&again).contains("sfn-resume-Orders: no changes"));
    assert_eq!(
        w.change_sets(stack).await,
        vec![ChangeSetStatus::CreateComplete],
        "the empty change set is deleted"
    );

    let other = r#"{"source":["demo.orders"],"detail-type":["Shipped"]}"#;
    let plan = w.preview("Orders", other).await;
    assert_eq!(plan["changes"][0]["logicalId"], "ResumeRule");
    assert_eq!(plan["changes"][0]["action"], "Modify");
    assert_eq!(plan["changes"][0]["replacement"], "False");
    assert_eq!(plan["changes"][0]["properties"][0], "EventPattern");
    assert_eq!(
        w.change_sets(stack).await.len(),
        1,
        "a preview leaves nothing"
    );
    // As text: the changed property beside the resource, capabilities by their AWS names.
    let text = w.up("Orders", other, &["--preview", "-v"]).await;
    assert_ok(&text);
    assert!(
        plan_row(&text, "ResumeRule").contains("EventPattern"),
        "{}",
        stdout(&text)
    );
    assert!(
        stderr(&text).contains("capabilities: CAPABILITY_IAM"),
        "{}",
        stderr(&text)
    );

    let update = w.up("Orders", other, &["--yes", "--output", "json"]).await;
    assert_ok(&update);
    let report = json(&update);
    assert_eq!(report["result"], "updated");
    assert_eq!(report["status"], "UPDATE_COMPLETE");
    assert_eq!(
        report["pauseTask"]["Branches"][0]["States"]["Pause"]["Parameters"]["TableName"],
        "sfn-resume-Orders"
    );
    let rule_arn = report["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["key"] == "ResumeRuleArn")
        .map(|o| o["value"].as_str().unwrap().to_string())
        .expect("ResumeRuleArn output");
    let rule_name = rule_arn.rsplit('/').next().unwrap();
    let rule = aws_sdk_eventbridge::Client::new(&w.config)
        .describe_rule()
        .name(rule_name)
        .send()
        .await
        .expect("DescribeRule");
    assert!(rule.event_pattern().unwrap().contains("Shipped"));

    let ls = w.deployer(&["ls"]).await;
    assert_ok(&ls);
    let line = stdout(&ls)
        .lines()
        .find(|l| l.starts_with(stack))
        .map(|l| l.split_whitespace().take(4).collect::<Vec<_>>().join(" "));
    assert_eq!(
        line.as_deref(),
        Some("sfn-resume-Orders resumer Orders UPDATE_COMPLETE")
    );
    let listed = json(&w.deployer(&["ls", "--output", "json"]).await);
    assert_eq!(listed[0]["stack"], stack);

    let down = w
        .deployer(&["down", "--name-suffix", "Orders", "--yes"])
        .await;
    assert_ok(&down);
    assert!(stderr(&down).contains("DELETE_COMPLETE sfn-resume-Orders"));
    assert!(stderr(&down).contains("kept (DeletionPolicy Retain): LogGroup, Table"));
    assert_eq!(w.stack_status(stack).await, None);
    assert_eq!(
        w.tables().await,
        vec![stack.to_string()],
        "retain keeps the table"
    );
    let machines = aws_sdk_sfn::Client::new(&w.config)
        .list_state_machines()
        .send()
        .await
        .unwrap();
    assert!(machines.state_machines().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_of_a_new_stack_leaves_nothing_behind() {
    let w = World::new().await;
    let out = w.up("Peek", PATTERN, &["--preview"]).await;
    assert_ok(&out);
    assert!(stdout(&out).contains("+  Table"), "{}", stdout(&out));
    assert!(stderr(&out).contains("preview only"));
    assert_eq!(w.stack_status("sfn-resume-Peek").await, None);
    assert!(w.tables().await.is_empty());
}

impl World {
    /// Puts an item into the resumer table `table` (an early event's marker: `down` leaves it).
    async fn put(&self, table: &str, id: &str) {
        self.dynamodb()
            .put_item()
            .table_name(table)
            .item("id", AttributeValue::S(id.into()))
            .item("arrived", AttributeValue::S("2030-01-01T00:00:00Z".into()))
            .send()
            .await
            .expect("PutItem");
    }

    /// Whether the item `id` of `table` is still there.
    async fn has(&self, table: &str, id: &str) -> bool {
        self.dynamodb()
            .get_item()
            .table_name(table)
            .key("id", AttributeValue::S(id.into()))
            .send()
            .await
            .expect("GetItem")
            .item()
            .is_some()
    }

    /// The stack's resources: logical id and status.
    async fn resources(&self, stack: &str) -> Vec<(String, String)> {
        let out = self
            .cfn()
            .list_stack_resources()
            .stack_name(stack)
            .send()
            .await
            .expect("ListStackResources");
        out.stack_resource_summaries()
            .iter()
            .map(|r| {
                (
                    r.logical_resource_id().unwrap_or_default().to_string(),
                    r.resource_status()
                        .map(|s| s.as_str())
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_and_log_group_kept_by_down_are_adopted_by_the_next_up() {
    let w = World::new().await;
    let stack = "sfn-resume-Kept";
    assert_ok(&w.up("Kept", PATTERN, &["--yes"]).await);
    w.put(stack, "o-1").await;
    let down = w
        .deployer(&["down", "--name-suffix", "Kept", "--yes"])
        .await;
    assert_ok(&down);
    assert_eq!(w.tables().await, [stack], "retain keeps the table");

    // The preview shows the import and the rest, and changes nothing.
    let plan = w.preview("Kept", PATTERN).await;
    let rows: Vec<String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["action"].as_str().unwrap(),
                c["logicalId"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(rows[..2], ["Import Table", "Import LogGroup"], "{rows:?}");
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(rows[2..].iter().all(|r| r.starts_with("Add ")), "{rows:?}");
    assert_eq!(plan["imported"][0]["name"], stack);
    assert_eq!(
        w.stack_status(stack).await,
        None,
        "a preview creates nothing"
    );
    let text = w.up("Kept", PATTERN, &["--preview"]).await;
    assert_ok(&text);
    assert!(
        plan_row(&text, "LogGroup").starts_with("<  LogGroup"),
        "{}",
        stdout(&text)
    );

    let up = w.up("Kept", PATTERN, &["--yes", "--output", "json"]).await;
    assert_ok(&up);
    let err = stderr(&up);
    assert!(
        err.contains(
            "adopting the DynamoDB table sfn-resume-Kept and the log group \
             /aws/vendedlogs/states/sfn-resume-Kept into the new stack sfn-resume-Kept"
        ),
        "{err}"
    );
    let report = json(&up);
    assert_eq!(report["result"], "created");
    assert_eq!(report["status"], "UPDATE_COMPLETE");
    assert_eq!(report["imported"][1]["logicalId"], "LogGroup");
    assert_eq!(report["imported"][1]["resourceType"], "AWS::Logs::LogGroup");
    assert!(
        w.has(stack, "o-1").await,
        "the adopted table keeps its items"
    );
    let resources = w.resources(stack).await;
    assert_eq!(resources.len(), 6, "{resources:?}");
    assert!(
        resources.contains(&("Table".into(), "IMPORT_COMPLETE".into())),
        "{resources:?}"
    );
    assert!(
        resources.iter().all(|(_, s)| s.ends_with("_COMPLETE")),
        "{resources:?}"
    );
    assert!(report["pauseTask"].is_object());

    // Round and round: the next down keeps them again, and the next up adopts them again.
    assert_ok(
        &w.deployer(&["down", "--name-suffix", "Kept", "--yes"])
            .await,
    );
    assert_eq!(w.stack_status(stack).await, None);
    assert!(w.has(stack, "o-1").await);
    assert_ok_saying(
        &w.up("Kept", PATTERN, &["--yes"]).await,
        "adopting the DynamoDB table",
    );
    assert_eq!(
        w.stack_status(stack).await.as_deref(),
        Some("UPDATE_COMPLETE")
    );
    assert!(w.has(stack, "o-1").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_stack_left_by_a_rolled_back_import_is_deleted_and_up_goes_on() {
    use aws_sdk_cloudformation::types::{ChangeSetType, ResourceToImport};
    let w = World::new().await;
    let stack = "sfn-resume-Gone";
    let group = "/aws/vendedlogs/states/sfn-resume-Gone";
    assert_ok(&w.up("Gone", PATTERN, &["--yes"]).await);
    w.put(stack, "o-1").await;
    assert_ok(
        &w.deployer(&["down", "--name-suffix", "Gone", "--yes"])
            .await,
    );

    // An import into a new stack whose resource vanished before it ran: the stack is left in
    // IMPORT_ROLLBACK_COMPLETE, holding nothing.
    let template = format!(
        r#"{{"Resources": {{"LogGroup": {{"Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain", "Properties": {{"LogGroupName": "{group}"}}}}}}}}"#
    );
    let import = ResourceToImport::builder()
        .resource_type("AWS::Logs::LogGroup")
        .logical_resource_id("LogGroup")
        .resource_identifier("LogGroupName", group)
        .build();
    w.cfn()
        .create_change_set()
        .stack_name(stack)
        .change_set_name("by-hand")
        .change_set_type(ChangeSetType::Import)
        .template_body(template)
        .resources_to_import(import)
        .send()
        .await
        .unwrap();
    testkit::eventually(10, || async {
        let set = w
            .cfn()
            .describe_change_set()
            .stack_name(stack)
            .change_set_name("by-hand")
            .send()
            .await
            .unwrap();
        (set.status() == Some(&ChangeSetStatus::CreateComplete)).then_some(())
    })
    .await
    .expect("the import change set is ready");
    aws_sdk_cloudwatchlogs::Client::new(&w.config)
        .delete_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    w.cfn()
        .execute_change_set()
        .stack_name(stack)
        .change_set_name("by-hand")
        .send()
        .await
        .unwrap();
    testkit::eventually(10, || async {
        (w.stack_status(stack).await.as_deref() == Some("IMPORT_ROLLBACK_COMPLETE")).then_some(())
    })
    .await
    .expect("the import is rolled back");

    // A preview says the stack must go first and leaves it; up deletes it and adopts the table.
    let preview = w.up("Gone", PATTERN, &["--preview"]).await;
    assert_eq!(
        w.stack_status(stack).await.as_deref(),
        Some("IMPORT_ROLLBACK_COMPLETE"),
        "a preview changes nothing: {}",
        stderr(&preview)
    );
    let up = w.up("Gone", PATTERN, &["--yes"]).await;
    assert_ok(&up);
    let err = stderr(&up);
    assert!(
        err.contains("is in IMPORT_ROLLBACK_COMPLETE (an earlier import into it was rolled back"),
        "{err}"
    );
    assert!(
        err.contains("adopting the DynamoDB table sfn-resume-Gone"),
        "{err}"
    );
    assert!(
        w.has(stack, "o-1").await,
        "the adopted table keeps its items"
    );
    assert_eq!(
        w.stack_status(stack).await.as_deref(),
        Some("UPDATE_COMPLETE")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_table_that_cannot_be_adopted_stops_up_before_anything_is_created() {
    let w = World::new().await;
    let stack = "sfn-resume-Odd";
    // A table with the resumer's name but another key, made outside deployer.
    testkit::aws::string_key_table(&w.dynamodb(), stack, "orderId").await;

    let preview = w.up("Odd", PATTERN, &["--preview"]).await;
    assert_eq!(preview.status.code(), Some(2), "{}", stderr(&preview));
    assert_eq!(
        w.stack_status(stack).await,
        None,
        "a preview creates nothing"
    );
    let refused = w.up("Odd", PATTERN, &["--yes"]).await;
    common::assert_refused(
        &refused,
        &[
            "the DynamoDB table sfn-resume-Odd: its key is orderId (S, HASH), not the partition \
             key id (S)",
            "Nothing was created",
            "aws dynamodb delete-table --table-name sfn-resume-Odd",
        ],
    );
    assert_eq!(w.stack_status(stack).await, None, "nothing created");

    // The printed fix works.
    w.dynamodb()
        .delete_table()
        .table_name(stack)
        .send()
        .await
        .expect("DeleteTable");
    assert_ok(&w.up("Odd", PATTERN, &["--yes"]).await);

    // A log group with the resumer's name that another stack holds cannot be adopted.
    w.cfn()
        .create_stack()
        .stack_name("squatter")
        .template_body(
            "Resources:\n  Group:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      \
             LogGroupName: /aws/vendedlogs/states/sfn-resume-Held\n",
        )
        .send()
        .await
        .expect("CreateStack");
    let held = testkit::eventually(10, || async {
        (w.stack_status("squatter").await.as_deref() == Some("CREATE_COMPLETE")).then_some(())
    })
    .await;
    assert!(held.is_some(), "the squatter stack is created");
    common::assert_refused(
        &w.up("Held", PATTERN, &["--yes"]).await,
        &[
            "the log group /aws/vendedlogs/states/sfn-resume-Held: it belongs to the stack \
             squatter",
            "take the log group /aws/vendedlogs/states/sfn-resume-Held out of the stack \
             squatter",
        ],
    );
    assert_eq!(
        w.stack_status("sfn-resume-Held").await,
        None,
        "nothing created"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_creation_reports_its_root_cause_as_json_preview_keeps_it_and_up_recovers() {
    let w = World::new().await;
    // A state machine with the resume machine's name, made outside the stack, fails the creation.
    let sfn = aws_sdk_sfn::Client::new(&w.config);
    let squatter = sfn
        .create_state_machine()
        .name("sfn-resume-Clash_Clash")
        .role_arn(common::ROLE_ARN)
        .definition(r#"{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}"#)
        .send()
        .await
        .expect("CreateStateMachine")
        .state_machine_arn;

    let failed = w
        .deployer(&common::resumer_args(
            &["--output", "json", "up"],
            "Clash",
            PATTERN,
            &["--yes"],
        ))
        .await;
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let err = stderr(&failed);
    assert!(
        err.contains("root cause: ResumeMachine (AWS::StepFunctions::StateMachine) CREATE_FAILED"),
        "{err}"
    );
    assert!(err.contains("ended in ROLLBACK_COMPLETE"), "{err}");
    // One JSON document: the error, the root cause, every stack's result.
    let document: serde_json::Value = serde_json::from_str(&stdout(&failed))
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", stdout(&failed)));
    assert!(document["error"]
        .as_str()
        .unwrap()
        .contains("ROLLBACK_COMPLETE"));
    assert_eq!(document["rootCause"]["logicalId"], "ResumeMachine");
    assert_eq!(document["rootCause"]["status"], "CREATE_FAILED");
    assert_eq!(document["stacks"][0]["stack"], "sfn-resume-Clash");
    assert_eq!(document["stacks"][0]["result"], "failed");
    assert_eq!(document["stacks"][0]["status"], "ROLLBACK_COMPLETE");

    // A preview changes nothing, not even the failed stack the next up would delete.
    assert_ok_saying(
        &w.up("Clash", PATTERN, &["--preview"]).await,
        "would delete it first",
    );
    assert_eq!(
        w.stack_status("sfn-resume-Clash").await.as_deref(),
        Some("ROLLBACK_COMPLETE")
    );

    sfn.delete_state_machine()
        .state_machine_arn(&squatter)
        .send()
        .await
        .expect("DeleteStateMachine");
    let recovered = w.up("Clash", PATTERN, &["--yes"]).await;
    assert_ok(&recovered);
    assert!(
        stderr(&recovered).contains("sfn-resume-Clash is in ROLLBACK_COMPLETE"),
        "{}",
        stderr(&recovered)
    );
    assert_eq!(
        w.stack_status("sfn-resume-Clash").await.as_deref(),
        Some("CREATE_COMPLETE")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_and_the_workflow_role_grant_are_undone_by_down() {
    let w = World::new().await;
    w.iam()
        .create_role()
        .role_name("Workflow")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("CreateRole");
    let up = w
        .up(
            "Pay",
            PATTERN,
            &[
                "--removal-policy",
                "destroy",
                "--workflow-role",
                "arn:aws:iam::123456789012:role/Workflow",
                "--yes",
            ],
        )
        .await;
    assert_ok(&up);
    let policy = w
        .iam()
        .get_role_policy()
        .role_name("Workflow")
        .policy_name("sfn-resume-Pay-pause-task")
        .send()
        .await
        .expect("the grant exists");
    let document = policy.policy_document();
    // IAM returns policy documents URL-encoded.
    let document = emulator::request::percent_decode(document);
    assert!(document.contains("dynamodb:PutItem"), "{document}");
    assert!(document.contains(":table/sfn-resume-Pay"), "{document}");

    // Several roles; a role not named again loses its grant.
    w.iam()
        .create_role()
        .role_name("Other")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("CreateRole");
    let both = w
        .up(
            "Pay",
            PATTERN,
            &[
                "--removal-policy",
                "destroy",
                "--workflow-role",
                "Workflow",
                "--workflow-role",
                "Other",
                "--yes",
            ],
        )
        .await;
    assert_ok(&both);
    assert!(
        w.grant("Workflow", "sfn-resume-Pay").await && w.grant("Other", "sfn-resume-Pay").await
    );
    let switched = w
        .up(
            "Pay",
            PATTERN,
            &[
                "--removal-policy",
                "destroy",
                "--workflow-role",
                "Other",
                "--yes",
            ],
        )
        .await;
    assert_ok(&switched);
    assert!(
        stderr(&switched).contains("removed Workflow's grant"),
        "{}",
        stderr(&switched)
    );
    assert!(
        !w.grant("Workflow", "sfn-resume-Pay").await,
        "the old role's grant is taken back"
    );
    assert!(w.grant("Other", "sfn-resume-Pay").await);
    let both = w
        .up(
            "Pay",
            PATTERN,
            &[
                "--removal-policy",
                "destroy",
                "--workflow-role",
                "Workflow",
                "--workflow-role",
                "Other",
                "--yes",
            ],
        )
        .await;
    assert_ok(&both);

    let down = w.deployer(&["down", "--name-suffix", "Pay", "--yes"]).await;
    assert_ok(&down);
    assert!(
        !w.grant("Other", "sfn-resume-Pay").await,
        "down takes every grant back"
    );
    assert!(w.tables().await.is_empty(), "destroy deletes the table");
    let gone = w
        .iam()
        .get_role_policy()
        .role_name("Workflow")
        .policy_name("sfn-resume-Pay-pause-task")
        .send()
        .await;
    assert!(gone.is_err(), "down takes the grant back");
}

#[tokio::test(flavor = "multi_thread")]
async fn up_without_a_suffix_deploys_every_resumer_of_deployer_toml_and_down_all_removes_them() {
    let w = World::new().await;
    std::fs::write(
        w.dir.path().join("deployer.toml"),
        r#"
[[resumer]]
name_suffix = "orders"
event_pattern = '{"source": ["shop.orders"]}'
path_to_id_pause_task = "$.orderId"
path_to_id_workflow = "$.detail.orderId"
removal_policy = "destroy"

[[resumer]]
name_suffix = "payments"
event_pattern = '{"source": ["shop.payments"]}'
path_to_id_pause_task = "$.paymentId"
path_to_id_workflow = "$.detail.paymentId"
removal_policy = "destroy"
tags = { team = "billing" }
"#,
    )
    .unwrap();
    let up = w.deployer(&["up", "--yes", "--output", "json"]).await;
    assert_ok(&up);
    let reports = json(&up);
    assert_eq!(reports[0]["stack"], "sfn-resume-orders");
    assert_eq!(reports[1]["stack"], "sfn-resume-payments");
    assert_eq!(reports[1]["pauseTask"]["Parameters"]["id.$"], "$.paymentId");
    let mut stacks = w.live_stacks().await;
    stacks.sort();
    assert_eq!(stacks, ["sfn-resume-orders", "sfn-resume-payments"]);

    // A copy `deployer resume` made goes with --all; a machine of the user's stays.
    let sfn = aws_sdk_sfn::Client::new(&w.config);
    let definition = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#;
    for (name, tagged) in [("Mine-with-GoToState", true), ("Mine", false)] {
        let mut create = sfn
            .create_state_machine()
            .name(name)
            .definition(definition)
            .role_arn(common::ROLE_ARN);
        if tagged {
            for (key, value) in [
                ("managed-by", "deployer"),
                ("deployer:kind", "resumed-copy"),
            ] {
                create = create.tags(
                    aws_sdk_sfn::types::Tag::builder()
                        .key(key)
                        .value(value)
                        .build(),
                );
            }
        }
        create.send().await.expect("CreateStateMachine");
    }

    let down = w.deployer(&["down", "--all", "--yes"]).await;
    assert_ok(&down);
    assert!(
        stderr(&down).contains("deleted the resumed copy"),
        "{}",
        stderr(&down)
    );
    assert!(w.live_stacks().await.is_empty());
    assert!(w.tables().await.is_empty());
    let left = sfn.list_state_machines().send().await.unwrap();
    let names: Vec<&str> = left.state_machines().iter().map(|m| m.name()).collect();
    assert_eq!(names, ["Mine"]);
}

/// Asserts exit status 2 with every `needle` in the message.
/// The first line of the output that names `resource` (its row in the plan), or nothing.
fn plan_row(out: &Output, resource: &str) -> String {
    stdout(out)
        .lines()
        .find(|l| l.contains(resource))
        .map(str::to_string)
        .unwrap_or_default()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_with_exit_2_and_nothing_is_created() {
    let w = World::new().await;
    common::assert_refused(
        &w.up("bad_suffix", PATTERN, &["--yes"]).await,
        &["invalid name suffix 'bad_suffix'", "'_' is not a letter"],
    );
    common::assert_refused(
        &w.up("Orders", r#"{"source":"demo"}"#, &["--yes"]).await,
        &["event_pattern"],
    );
    common::assert_refused(
        &w.up("Orders", "{not json", &["--yes"]).await,
        &["event_pattern is not JSON"],
    );
    let bad_path = w
        .deployer(&[
            "up",
            "--name-suffix",
            "Orders",
            "--event-pattern",
            PATTERN,
            "--path-to-id-pause-task",
            "orderId",
            "--path-to-id-workflow",
            "$.detail.orderId",
            "--yes",
        ])
        .await;
    common::assert_refused(&bad_path, &["path_to_id_pause_task"]);
    common::assert_refused(
        &w.up("Orders", PATTERN, &[]).await,
        &["no terminal to confirm on", "--yes"],
    );
    common::assert_refused(
        &w.deployer(&["down", "--name-suffix", "Missing", "--yes"])
            .await,
        &["there is no stack sfn-resume-Missing"],
    );
    common::assert_refused(
        &w.up(
            "Orders",
            PATTERN,
            &["--workflow-role", "NoSuchRole", "--yes"],
        )
        .await,
        &["no IAM role named 'NoSuchRole'"],
    );

    write(
        w.dir.path(),
        "deployer.toml",
        "[[resumer]]\nname_suffix = \"a\"\nevent_patern = '{}'\n",
    );
    common::assert_refused(
        &w.deployer(&["up", "--yes"]).await,
        &["unknown field `event_patern`"],
    );
    write(
        w.dir.path(),
        "deployer.toml",
        "[[resumer]]\nname_suffix = \"a\"\nevent_pattern = '{\"source\": [\"x\"]}'\n",
    );
    common::assert_refused(
        &w.deployer(&["up", "--yes"]).await,
        &["resumer 'a' has no path_to_id_pause_task"],
    );

    assert!(w.live_stacks().await.is_empty(), "nothing was created");
    assert!(w.tables().await.is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn down_ends_the_executions_still_paused_on_the_resumer() {
    use aws_sdk_sfn::types::ExecutionStatus;
    let w = World::new().await;
    let up = w
        .deployer(&[
            "--output",
            "json",
            "up",
            "--name-suffix",
            "Gone",
            "--event-pattern",
            PATTERN,
            "--path-to-id-pause-task",
            "$.orderId",
            "--path-to-id-workflow",
            "$.detail.orderId",
            "--removal-policy",
            "destroy",
            "--yes",
        ])
        .await;
    let report = json(&up);
    let mut pause = report["pauseTask"].clone();
    pause["Next"] = "Done".into();
    let definition = serde_json::json!({
        "StartAt": "Wait",
        "States": {"Wait": pause, "Done": {"Type": "Succeed"}}
    });
    let sfn = aws_sdk_sfn::Client::new(&w.config);
    let machine = sfn
        .create_state_machine()
        .name("waits")
        .role_arn(common::ROLE_ARN)
        .definition(definition.to_string())
        .send()
        .await
        .expect("CreateStateMachine")
        .state_machine_arn;
    let mut waiting = Vec::new();
    for order in ["o-1", "o-2"] {
        let arn = sfn
            .start_execution()
            .state_machine_arn(&machine)
            .input(serde_json::json!({"orderId": order}).to_string())
            .send()
            .await
            .expect("StartExecution")
            .execution_arn;
        waiting.push(arn);
    }
    let stored = testkit::eventually(10, || async {
        let scan = w
            .dynamodb()
            .scan()
            .table_name("sfn-resume-Gone")
            .send()
            .await
            .ok()?;
        (scan.items().len() == 2).then_some(())
    })
    .await;
    assert!(stored.is_some(), "both pauses store their tokens");

    let down = w
        .deployer(&["down", "--name-suffix", "Gone", "--yes"])
        .await;
    assert_ok(&down);
    assert!(
        stderr(&down).contains("2 execution(s) still paused on sfn-resume-Gone"),
        "{}",
        stderr(&down)
    );
    for arn in &waiting {
        let done = testkit::eventually(10, || async {
            let d = sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .ok()?;
            (d.status != ExecutionStatus::Running).then_some(d)
        })
        .await
        .expect("the paused execution ends");
        assert_eq!(done.status, ExecutionStatus::Failed, "{done:?}");
        assert_eq!(done.error(), Some("ResumerDeleted"));
    }
    assert!(w.tables().await.is_empty(), "destroy deletes the table");
}
