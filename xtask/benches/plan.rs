//! Planning the resumption of a 25,000-event history (the Step Functions maximum) saved to a
//! file, with an inline Map of thousands of items and payloads of a few KiB per state, against
//! reading the same file with Python's `json.load` (the bar issue 13 sets); and the peak memory.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use asl::history::History;
use asl::model::Definition;
use asl::resume::{plan, PlanOptions};
use criterion::{criterion_group, Criterion};
use xtask::synthetic::{map_failure, MAX_HISTORY_EVENTS};

/// Bytes of the document the states pass on (about 3 KiB per event on average, as in the
/// 36,000-event, 120 MB history issue 13 measured).
const PAYLOAD_BYTES: usize = 4_000;

/// Reads the saved history and definition, parses them and plans, as `deployer resume
/// --history-file` does.
fn plan_from_files(history: &Path, definition: &Path) {
    let text = std::fs::read_to_string(history).expect("history file");
    let history = History::from_json(&text).expect("history");
    let definition =
        Definition::from_json(&std::fs::read_to_string(definition).expect("definition file"))
            .expect("definition");
    plan(&definition, &history, &PlanOptions::default()).expect("plan");
}

/// The median wall time of `python3 -c 'json.load(open(FILE))'` over `runs` runs, if Python
/// is there.
fn python_json_load(file: &Path, runs: usize) -> Option<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new("python3")
            .args(["-c", "import json,sys; json.load(open(sys.argv[1]))"])
            .arg(file)
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        times.push(started.elapsed());
    }
    times.sort();
    times.get(runs / 2).copied()
}

fn median(mut f: impl FnMut(), runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn bench_plan(c: &mut Criterion) {
    let execution = map_failure(MAX_HISTORY_EVENTS, PAYLOAD_BYTES);
    let dir = tempfile::tempdir().expect("a scratch directory");
    let history_file = dir.path().join("history.json");
    let definition_file = dir.path().join("definition.json");
    std::fs::write(&history_file, &execution.history_json).expect("write the history");
    std::fs::write(&definition_file, execution.definition.to_string())
        .expect("write the definition");
    println!(
        "history: {} events, Map of {} items, {:.1} MiB of JSON",
        execution.events,
        execution.branches,
        execution.history_json.len() as f64 / (1024.0 * 1024.0)
    );

    let ours = median(|| plan_from_files(&history_file, &definition_file), 7);
    match python_json_load(&history_file, 7) {
        Some(python) => println!(
            "plan from the saved file: {:.0} ms; python3 json.load of the same file: {:.0} ms \
             ({:.2}x)",
            ours.as_secs_f64() * 1000.0,
            python.as_secs_f64() * 1000.0,
            ours.as_secs_f64() / python.as_secs_f64()
        ),
        None => println!(
            "plan from the saved file: {:.0} ms (python3 not found: no comparison)",
            ours.as_secs_f64() * 1000.0
        ),
    }

    let definition = Definition::from_value(&execution.definition).expect("definition");
    let history = History::from_json(&execution.history_json).expect("history");
    let options = PlanOptions::default();
    let mut group = c.benchmark_group("resume plan, 25,000 events");
    group.sample_size(10);
    group.bench_function("plan (history already parsed)", |b| {
        b.iter(|| plan(&definition, &history, &options).expect("plan"))
    });
    group.bench_function("read the saved files, parse, plan", |b| {
        b.iter(|| plan_from_files(&history_file, &definition_file))
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
