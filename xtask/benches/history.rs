//! GetExecutionHistory's cost per event as the history grows: the history of a finished
//! execution (an inline Map of Pass states, four events an item) is read back in pages of 1000
//! through aws-sdk-sfn from the in-process emulator, for a 1,000-event and a 25,000-event
//! history. Reading must stay linear: `cargo xtask bench` prints the per-event cost of the
//! larger against the smaller (issue 16 asks for at most 1.5×).

use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::Client;
use criterion::{BenchmarkId, Criterion, Throughput};
use serde_json::json;
use tokio::runtime::Runtime;

/// Where to write the measured histories' event counts (JSON), when set.
const REPORT_ENV: &str = "XTASK_HISTORY_REPORT";
/// The history sizes measured, in events.
const SIZES: [usize; 2] = [1_000, 25_000];
/// Events outside the iterations: ExecutionStarted, MapStateEntered, MapStateStarted,
/// MapStateSucceeded, MapStateExited, ExecutionSucceeded.
const FIXED_EVENTS: usize = 6;
/// Events of one iteration: MapIterationStarted, PassStateEntered, PassStateExited,
/// MapIterationSucceeded.
const EVENTS_PER_ITEM: usize = 4;

fn client(endpoint: &str) -> Client {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::from_keys("AKIDBENCH", "secret", None),
            ),
        )
        .build();
    Client::new(&config)
}

/// Runs an execution whose history has about `events` events; returns its ARN and the count.
async fn finished_execution(sfn: &Client, events: usize) -> (String, usize) {
    let items = (events - FIXED_EVENTS) / EVENTS_PER_ITEM;
    let definition = json!({
        "StartAt": "Each",
        "States": {"Each": {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "End": true
        }}
    });
    let machine = sfn
        .create_state_machine()
        .name(format!("history-{events}"))
        .definition(definition.to_string())
        .role_arn("arn:aws:iam::123456789012:role/bench")
        .send()
        .await
        .expect("CreateStateMachine")
        .state_machine_arn;
    let input = json!((0..items).collect::<Vec<_>>()).to_string();
    let arn = sfn
        .start_execution()
        .state_machine_arn(machine)
        .input(input)
        .send()
        .await
        .expect("StartExecution")
        .execution_arn;
    loop {
        let described = sfn
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .expect("DescribeExecution");
        match described.status {
            ExecutionStatus::Running => tokio::time::sleep(Duration::from_millis(20)).await,
            ExecutionStatus::Succeeded => break,
            other => panic!("the benchmark execution ended {other:?}"),
        }
    }
    let count = read_all(sfn, &arn).await;
    assert_eq!(count, items * EVENTS_PER_ITEM + FIXED_EVENTS);
    (arn, count)
}

/// Reads the whole history in pages of 1000; returns how many events it had.
async fn read_all(sfn: &Client, arn: &str) -> usize {
    let mut count = 0;
    let mut token = None;
    loop {
        let page = sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .expect("GetExecutionHistory");
        count += page.events().len();
        token = page.next_token;
        if token.is_none() {
            return count;
        }
    }
}

fn main() {
    let runtime = Runtime::new().expect("tokio runtime");
    let emulator = runtime
        .block_on(emulator::start(emulator::Config::ephemeral()))
        .expect("the emulator starts");
    let sfn = client(&emulator.endpoint());
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut group = criterion.benchmark_group("history");
    let mut report = Vec::new();
    for size in SIZES {
        let (arn, events) = runtime.block_on(finished_execution(&sfn, size));
        report.push(json!({"id": format!("read/{size}"), "events": events}));
        group.throughput(Throughput::Elements(events as u64));
        group.bench_with_input(BenchmarkId::new("read", size), &arn, |b, arn| {
            b.iter(|| runtime.block_on(read_all(&sfn, arn)));
        });
    }
    group.finish();
    criterion.final_summary();
    if let Ok(path) = std::env::var(REPORT_ENV) {
        let text = serde_json::to_string_pretty(&report).expect("JSON");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    }
    runtime.block_on(emulator.shutdown());
}
