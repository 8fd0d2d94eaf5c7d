//! Load: N workflows (default 1000) started concurrently, each pausing on a task token stored in
//! DynamoDB, then N events resuming them through an EventBridge rule. Checks that all N succeed
//! with their own event's detail, none lost or duplicated, and reports the throughput and the
//! p50/p99 latency of StartExecution under that load.
//!
//! `cargo run --release -p emulator --example load -- [N]`

#[path = "../tests/it/pause_resume_kit.rs"]
mod pause_resume;

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N must be a whole number"))
        .unwrap_or(1000);
    let emulator = testkit::aws::emulator().await;
    let config = testkit::aws::sdk_config(&emulator.endpoint());
    let sfn = aws_sdk_sfn::Client::new(&config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let events = aws_sdk_eventbridge::Client::new(&config);
    let deployed = pause_resume::deploy(&config, "load").await;

    // 1. N concurrent StartExecution calls.
    let started = Instant::now();
    let starts: Vec<_> = (0..n)
        .map(|i| {
            let sfn = sfn.clone();
            let arn = deployed.workflow_arn.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                let out = sfn
                    .start_execution()
                    .state_machine_arn(arn)
                    .name(format!("job-{i}"))
                    .input(json!({"jobId": format!("job-{i}")}).to_string())
                    .send()
                    .await
                    .expect("StartExecution");
                (t.elapsed(), out.execution_arn)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(n);
    for start in starts {
        latencies.push(start.await.expect("start task").0);
    }
    let start_wall = started.elapsed();

    // 2. Every workflow has paused: N tokens stored.
    let paused = testkit::eventually(120, || async {
        (count_items(&dynamodb, &deployed.table).await == n).then_some(())
    })
    .await;
    assert!(paused.is_some(), "not every workflow stored its token");
    let paused_wall = started.elapsed();

    // 3. N completion events, 10 per PutEvents call, concurrently.
    let resumed_at = Instant::now();
    let puts: Vec<_> = (0..n)
        .collect::<Vec<_>>()
        .chunks(10)
        .map(|chunk| {
            let events = events.clone();
            let entries: Vec<_> = chunk
                .iter()
                .map(|i| pause_resume::done_event(&format!("job-{i}")))
                .collect();
            tokio::spawn(async move {
                let out = events
                    .put_events()
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .expect("PutEvents");
                assert_eq!(out.failed_entry_count, 0);
            })
        })
        .collect();
    for put in puts {
        put.await.expect("put task");
    }

    // 4. All N succeed, each with its own job's detail; N resumes; no token left.
    let done = testkit::eventually(300, || async {
        let succeeded = list_executions(&sfn, &deployed.workflow_arn).await;
        let ok = succeeded
            .iter()
            .filter(|(s, _)| *s == ExecutionStatus::Succeeded)
            .count();
        (ok == n).then_some(succeeded)
    })
    .await
    .expect("every workflow succeeds");
    let resume_wall = resumed_at.elapsed();
    assert_eq!(done.len(), n, "no duplicate executions");
    for (_, arn) in done.iter().take(n) {
        let d = sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        let output: Value = serde_json::from_str(d.output().unwrap_or("null")).unwrap();
        assert_eq!(output["job"]["jobId"], output["jobId"], "{arn}: {output}");
    }
    let resumes = list_executions(&sfn, &deployed.resume_arn).await;
    assert_eq!(resumes.len(), n, "one resume per event");
    assert!(resumes
        .iter()
        .all(|(s, _)| *s == ExecutionStatus::Succeeded));
    assert_eq!(count_items(&dynamodb, &deployed.table).await, 0);

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!("load: {n} workflows paused on DynamoDB task tokens, resumed by {n} events");
    println!(
        "  all {n} succeeded with their own event's detail; {n} resume executions; 0 tokens left"
    );
    println!(
        "  StartExecution: {:.0}/s over {:.2?}; latency p50 {} p99 {} max {}",
        n as f64 / start_wall.as_secs_f64(),
        start_wall,
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    println!(
        "  all paused after {paused_wall:.2?}; all resumed {resume_wall:.2?} after the first event"
    );
    println!(
        "  round trips: {:.0}/s",
        n as f64 / (paused_wall + resume_wall).as_secs_f64()
    );
    emulator.shutdown().await;
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn count_items(dynamodb: &aws_sdk_dynamodb::Client, table: &str) -> usize {
    let mut total = 0;
    let mut start = None;
    loop {
        let page = dynamodb
            .scan()
            .table_name(table)
            .select(aws_sdk_dynamodb::types::Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("Scan");
        total += page.count as usize;
        start = page.last_evaluated_key;
        if start.is_none() {
            return total;
        }
    }
}

async fn list_executions(
    sfn: &aws_sdk_sfn::Client,
    machine: &str,
) -> Vec<(ExecutionStatus, String)> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = sfn
            .list_executions()
            .state_machine_arn(machine)
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .expect("ListExecutions");
        all.extend(
            page.executions
                .into_iter()
                .map(|e| (e.status, e.execution_arn)),
        );
        token = page.next_token;
        if token.is_none() {
            return all;
        }
    }
}
