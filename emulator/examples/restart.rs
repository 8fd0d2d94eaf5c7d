//! Restart: how big a state directory grows and how long a restart takes, before and after
//! journal compaction. Writes ITEMS DynamoDB items, each twice (a put, then an update), and
//! runs EXECUTIONS three-state executions, in a state directory; then restarts twice: the
//! first restart replays the whole journal and compacts it, the second replays the snapshot.
//! Checks that every item and execution is still there after each restart.
//!
//! `cargo run --release -p emulator --example restart -- [ITEMS] [EXECUTIONS]`
//! (defaults: 50000 items, 1000 executions)

use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_sdk_sfn::types::ExecutionStatus;
use emulator::journal::JOURNAL_FILE;
use emulator::{Config, Emulator};
use testkit::aws::{role_arn, sdk_config, string_key_table};

const MACHINE: &str = r#"{"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Result": {"step": 1}, "ResultPath": "$.a", "Next": "B"},
    "B": {"Type": "Pass", "Result": {"step": 2}, "ResultPath": "$.b", "Next": "C"},
    "C": {"Type": "Succeed"}}}"#;

/// DynamoDB's BatchWriteItem limit.
const BATCH: usize = 25;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<usize>()
            .expect("ITEMS and EXECUTIONS are whole numbers")
    });
    let items = args.next().unwrap_or(50_000);
    let executions = args.next().unwrap_or(1_000);
    let dir = tempfile::tempdir().expect("a temporary state directory");
    let config = || Config {
        state_dir: Some(dir.path().to_path_buf()),
        ..Config::ephemeral()
    };

    let live = emulator::start(config())
        .await
        .expect("the emulator starts");
    let built = Instant::now();
    write_items(&live, items).await;
    let machine = run_executions(&live, executions).await;
    live.shutdown().await;
    println!(
        "wrote {items} items twice and ran {executions} executions in {:.1?}",
        built.elapsed()
    );
    let before = journal_size(dir.path());

    let (first, restarted) = timed_start(config()).await;
    check(&restarted, items, &machine, executions).await;
    restarted.shutdown().await;
    let after = journal_size(dir.path());

    let (second, restarted) = timed_start(config()).await;
    check(&restarted, items, &machine, executions).await;
    restarted.shutdown().await;

    println!("journal before compaction: {}", describe(before));
    println!("journal after compaction:  {}", describe(after));
    println!("restart on the full journal (replay, then compaction): {first:.2?}");
    println!("restart on the compacted journal: {second:.2?}");
}

/// Puts `items` items, then puts each again with a new attribute (so half the journal is
/// overwritten state).
async fn write_items(emulator: &Emulator, items: usize) {
    let ddb = aws_sdk_dynamodb::Client::new(&sdk_config(&emulator.endpoint()));
    string_key_table(&ddb, "items", "pk").await;
    for round in 0..2 {
        for start in (0..items).step_by(BATCH) {
            let writes = (start..items.min(start + BATCH))
                .map(|i| {
                    let put = PutRequest::builder()
                        .item("pk", AttributeValue::S(format!("item-{i}")))
                        .item("round", AttributeValue::N(round.to_string()))
                        .item("payload", AttributeValue::S("x".repeat(64)))
                        .build()
                        .expect("a put request");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect();
            ddb.batch_write_item()
                .request_items("items", writes)
                .send()
                .await
                .expect("BatchWriteItem");
        }
    }
}

/// Runs `executions` executions to the end, 50 at a time; returns the machine's ARN.
async fn run_executions(emulator: &Emulator, executions: usize) -> String {
    let sfn = aws_sdk_sfn::Client::new(&sdk_config(&emulator.endpoint()));
    let machine = sfn
        .create_state_machine()
        .name("steps")
        .definition(MACHINE)
        .role_arn(role_arn("steps"))
        .send()
        .await
        .expect("CreateStateMachine")
        .state_machine_arn;
    let names: Vec<usize> = (0..executions).collect();
    for chunk in names.chunks(50) {
        let runs = chunk.iter().map(|n| {
            let sfn = sfn.clone();
            let machine = machine.clone();
            async move {
                let arn = sfn
                    .start_execution()
                    .state_machine_arn(machine)
                    .name(format!("run-{n}"))
                    .input(format!(r#"{{"n": {n}}}"#))
                    .send()
                    .await
                    .expect("StartExecution")
                    .execution_arn;
                let ended = testkit::aws::execution_end(&sfn, &arn, 30).await;
                assert_eq!(ended.status, ExecutionStatus::Succeeded, "{arn}");
            }
        });
        futures::future::join_all(runs).await;
    }
    machine
}

/// Starts the emulator and returns how long it took to be ready.
async fn timed_start(config: Config) -> (Duration, Emulator) {
    let started = Instant::now();
    let emulator = emulator::start(config)
        .await
        .expect("the emulator restarts");
    (started.elapsed(), emulator)
}

/// Every item in its last version, every execution succeeded.
async fn check(emulator: &Emulator, items: usize, machine: &str, executions: usize) {
    let config = sdk_config(&emulator.endpoint());
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let mut seen = 0;
    let mut pages = ddb.scan().table_name("items").into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.expect("Scan");
        assert!(page
            .items()
            .iter()
            .all(|i| i["round"] == AttributeValue::N("1".into())));
        seen += page.items().len();
    }
    assert_eq!(seen, items, "items after the restart");
    let sfn = aws_sdk_sfn::Client::new(&config);
    let mut succeeded = 0;
    let mut pages = sfn
        .list_executions()
        .state_machine_arn(machine)
        .status_filter(ExecutionStatus::Succeeded)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        succeeded += page.expect("ListExecutions").executions().len();
    }
    assert_eq!(succeeded, executions, "executions after the restart");
}

/// The journal's line count and size.
fn journal_size(dir: &Path) -> (usize, u64) {
    let path = dir.join(JOURNAL_FILE);
    let text = std::fs::read_to_string(&path).expect("the journal");
    (text.lines().count(), text.len() as u64)
}

fn describe((records, bytes): (usize, u64)) -> String {
    format!(
        "{records} records, {:.1} MB",
        bytes as f64 / (1024.0 * 1024.0)
    )
}
