//! Journal compaction: a restart rewrites the state journal as a snapshot of the replayed
//! state when that is smaller, and a restart on the snapshot rebuilds every service exactly.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, Tag, Tagging};
use emulator::journal::{Record, JOURNAL_FILE};
use emulator::Emulator;
use testkit::aws::StateDir;
use testkit::aws::{role_arn, sdk_config};

const PASS_MACHINE: &str = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;

const TEMPLATE: &str = r#"{"Resources": {"Group": {"Type": "AWS::Logs::LogGroup",
    "Properties": {"LogGroupName": "from-a-stack"}}}}"#;

/// Every service's state, built the long way: items and objects written several times,
/// deletions, an upload in progress, executions and a stack.
async fn build_state(emulator: &Emulator) {
    let sdk = sdk_config(&emulator.endpoint());
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    testkit::aws::string_key_table(&ddb, "items", "pk").await;
    for round in 0..3 {
        for i in 0..100 {
            ddb.put_item()
                .table_name("items")
                .item("pk", AttributeValue::S(format!("k{i}")))
                .item("round", AttributeValue::N(round.to_string()))
                .send()
                .await
                .unwrap();
        }
    }
    for i in 90..100 {
        ddb.delete_item()
            .table_name("items")
            .key("pk", AttributeValue::S(format!("k{i}")))
            .send()
            .await
            .unwrap();
    }

    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket("kept").send().await.unwrap();
    for version in 0..5 {
        s3.put_object()
            .bucket("kept")
            .key("report.txt")
            .body(ByteStream::from(format!("version {version}").into_bytes()))
            .send()
            .await
            .unwrap();
    }
    let tags = Tagging::builder()
        .tag_set(Tag::builder().key("team").value("ops").build().unwrap())
        .build()
        .unwrap();
    s3.put_object_tagging()
        .bucket("kept")
        .key("report.txt")
        .tagging(tags)
        .send()
        .await
        .unwrap();
    let upload = s3
        .create_multipart_upload()
        .bucket("kept")
        .key("big")
        .send()
        .await
        .unwrap();
    s3.upload_part()
        .bucket("kept")
        .key("big")
        .upload_id(upload.upload_id().unwrap())
        .part_number(1)
        .body(ByteStream::from_static(b"only part"))
        .send()
        .await
        .unwrap();

    let iam = aws_sdk_iam::Client::new(&sdk);
    iam.create_role()
        .role_name("worker")
        .assume_role_policy_document(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();

    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    logs.create_log_group()
        .log_group_name("app")
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name("app")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    logs.put_log_events()
        .log_group_name("app")
        .log_stream_name("s")
        .log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now)
                .message("hello")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let sfn = aws_sdk_sfn::Client::new(&sdk);
    let machine = sfn
        .create_state_machine()
        .name("pass")
        .definition(PASS_MACHINE)
        .role_arn(role_arn("worker"))
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    for n in 0..3 {
        let arn = sfn
            .start_execution()
            .state_machine_arn(&machine)
            .name(format!("run-{n}"))
            .input(format!(r#"{{"n": {n}}}"#))
            .send()
            .await
            .unwrap()
            .execution_arn;
        testkit::aws::execution_end(&sfn, &arn, 10).await;
    }

    let events = aws_sdk_eventbridge::Client::new(&sdk);
    events.create_event_bus().name("jobs").send().await.unwrap();
    events
        .put_rule()
        .name("done")
        .event_bus_name("jobs")
        .event_pattern(r#"{"source": ["jobs"]}"#)
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule("done")
        .event_bus_name("jobs")
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("start")
                .arn(&machine)
                .role_arn(role_arn("worker"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    cfn.create_stack()
        .stack_name("logs-stack")
        .template_body(TEMPLATE)
        .send()
        .await
        .unwrap();
    testkit::eventually(10, || {
        let cfn = cfn.clone();
        async move {
            let stacks = cfn
                .describe_stacks()
                .stack_name("logs-stack")
                .send()
                .await
                .unwrap();
            let status = stacks.stacks()[0]
                .stack_status()
                .unwrap()
                .as_str()
                .to_string();
            (status == "CREATE_COMPLETE").then_some(())
        }
    })
    .await
    .expect("the stack is created");
}

/// The snapshot, less what is created anew in each process (a region's default event bus,
/// stamped when first used).
fn comparable(records: Vec<Record>) -> Vec<Record> {
    records
        .into_iter()
        .filter(|r| {
            !(r.service == "events"
                && r.change.pointer("/CreateBus/bus/name") == Some(&"default".into()))
        })
        .collect()
}

fn journal_bytes(dir: &std::path::Path) -> u64 {
    std::fs::metadata(dir.join(JOURNAL_FILE)).unwrap().len()
}

#[tokio::test]
async fn a_restart_compacts_the_journal_and_the_snapshot_rebuilds_every_service() {
    let state = StateDir::new();
    let live = state.start().await;
    build_state(&live).await;
    let before = comparable(live.cloud().snapshot().unwrap());
    live.shutdown().await;
    let long = journal_bytes(state.path());

    // The first restart replays the long journal, then rewrites it as the snapshot.
    let replayed = state.start().await;
    assert_eq!(comparable(replayed.cloud().snapshot().unwrap()), before);
    replayed.shutdown().await;
    let short = journal_bytes(state.path());
    assert!(
        short < long,
        "{short} bytes after compaction, {long} before"
    );

    // The second restart replays the snapshot: the same state, and every service serves it.
    let restarted = state.start().await;
    assert_eq!(comparable(restarted.cloud().snapshot().unwrap()), before);
    assert_eq!(
        journal_bytes(state.path()),
        short,
        "nothing left to compact"
    );
    let sdk = sdk_config(&restarted.endpoint());

    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let scan = ddb.scan().table_name("items").send().await.unwrap();
    assert_eq!(scan.count(), 90);
    assert!(scan
        .items()
        .iter()
        .all(|i| i["round"] == AttributeValue::N("2".into())));

    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let body = s3
        .get_object()
        .bucket("kept")
        .key("report.txt")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(&body[..], b"version 4");
    let tags = s3
        .get_object_tagging()
        .bucket("kept")
        .key("report.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tag_set()[0].value(), "ops");
    let uploads = s3
        .list_multipart_uploads()
        .bucket("kept")
        .send()
        .await
        .unwrap();
    let upload = &uploads.uploads()[0];
    let parts = s3
        .list_parts()
        .bucket("kept")
        .key("big")
        .upload_id(upload.upload_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(parts.parts().len(), 1);
    s3.complete_multipart_upload()
        .bucket("kept")
        .key("big")
        .upload_id(upload.upload_id().unwrap())
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    aws_sdk_s3::types::CompletedPart::builder()
                        .part_number(1)
                        .e_tag(parts.parts()[0].e_tag().unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let sfn = aws_sdk_sfn::Client::new(&sdk);
    let machines = sfn.list_state_machines().send().await.unwrap();
    let machine = machines.state_machines()[0].state_machine_arn().to_string();
    let runs = sfn
        .list_executions()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(runs.executions().len(), 3);
    let history = sfn
        .get_execution_history()
        .execution_arn(runs.executions()[0].execution_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(history.events().len(), 4, "{:?}", history.events());

    // The rule's pattern is compiled again: a matching event starts the machine.
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    events
        .put_events()
        .entries(
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .event_bus_name("jobs")
                .source("jobs")
                .detail_type("Done")
                .detail("{}")
                .build(),
        )
        .send()
        .await
        .unwrap();
    testkit::eventually(10, || {
        let sfn = sfn.clone();
        let machine = machine.clone();
        async move {
            let runs = sfn
                .list_executions()
                .state_machine_arn(machine)
                .send()
                .await
                .unwrap();
            (runs.executions().len() == 4).then_some(())
        }
    })
    .await
    .expect("the rule starts the machine");

    let iam = aws_sdk_iam::Client::new(&sdk);
    iam.get_role().role_name("worker").send().await.unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let got = logs
        .get_log_events()
        .log_group_name("app")
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    assert_eq!(got.events()[0].message(), Some("hello"));
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let resources = cfn
        .describe_stack_resources()
        .stack_name("logs-stack")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resources.stack_resources()[0].physical_resource_id(),
        Some("from-a-stack")
    );
    restarted.shutdown().await;
}

#[tokio::test]
async fn a_compaction_cut_off_by_a_crash_leaves_the_journal_whole() {
    let state = StateDir::new();
    let live = state.start().await;
    let sdk = sdk_config(&live.endpoint());
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    testkit::aws::string_key_table(&ddb, "tab", "pk").await;
    for _ in 0..5 {
        ddb.put_item()
            .table_name("tab")
            .item("pk", AttributeValue::S("only".into()))
            .send()
            .await
            .unwrap();
    }
    live.shutdown().await;
    // What a crash mid-compaction leaves: a partial snapshot beside the whole journal.
    let partial = state.path().join("journal.jsonl.compacting");
    std::fs::write(&partial, "{\"v\":1,\"s\":\"dynamodb\",\"c\":{\"DefineT").unwrap();
    let restarted = state.start().await;
    assert!(!partial.exists());
    let ddb = aws_sdk_dynamodb::Client::new(&sdk_config(&restarted.endpoint()));
    let scan = ddb.scan().table_name("tab").send().await.unwrap();
    assert_eq!(scan.count(), 1);
    restarted.shutdown().await;
}
