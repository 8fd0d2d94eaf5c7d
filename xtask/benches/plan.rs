//! Planning the resumption of a 25,000-event history (the Step Functions maximum) with a
//! Parallel of thousands of branches: parse the history, plan, and the peak memory.

use asl::history::History;
use asl::model::Definition;
use asl::resume::{plan, PlanOptions};
use criterion::{criterion_group, Criterion};
use xtask::synthetic::{parallel_failure, MAX_HISTORY_EVENTS};

fn bench_plan(c: &mut Criterion) {
    let execution = parallel_failure(MAX_HISTORY_EVENTS);
    println!(
        "history: {} events, Parallel of {} branches, {} KiB of JSON",
        execution.events,
        execution.branches,
        execution.history_json.len() / 1024
    );
    let definition = Definition::from_value(&execution.definition).expect("definition");
    let history = History::from_json(&execution.history_json).expect("history");
    let options = PlanOptions::default();
    let mut group = c.benchmark_group("resume plan, 25,000 events");
    group.sample_size(20);
    group.bench_function("plan (history already parsed)", |b| {
        b.iter(|| plan(&definition, &history, &options).expect("plan"))
    });
    group.bench_function("parse history + definition, then plan", |b| {
        b.iter(|| {
            let definition = Definition::from_value(&execution.definition).expect("definition");
            let history = History::from_json(&execution.history_json).expect("history");
            plan(&definition, &history, &options).expect("plan")
        })
    });
    group.finish();
}

/// Peak resident memory of this process so far, from /proc (Linux only).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib / 1024.0))
}

criterion_group!(benches, bench_plan);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if let Some(peak) = peak_memory() {
        println!("peak memory of the benchmark process (VmHWM): {peak}");
    }
}
