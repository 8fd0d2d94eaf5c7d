//! The interpreter's speed on issue #3's workloads (`xtask::workloads`): a 5000-item inline Map
//! of Pass states and a 1000-iteration Choice loop, each run start to SUCCEEDED through
//! `asl::engine::Engine` on a tokio runtime with the real `SystemClock`. The definition is
//! parsed once, as a service parses it once at CreateStateMachine; each iteration creates an
//! engine, starts the execution and waits for its outcome.
//!
//! Before timing, each workload runs once: its output is checked, its state transitions (states
//! entered) counted, and its peak memory measured in a child process of this binary that runs
//! that one execution alone (see [`peak_child`]); then its CPU time per execution is measured
//! (see [`cpu_per_execution`]). When `XTASK_ENGINE_REPORT` names a file, those
//! figures are written there as JSON for `cargo xtask bench`'s summary.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use asl::engine::{
    CompiledMachine, Engine, Execution, ExecutionOutcome, StartExecution, SystemClock, TaskFailure,
    TaskInvoker, TaskRequest,
};
use asl::history::ExecutionStatus;
use asl::model::Definition;
use criterion::{Criterion, Throughput};
use futures::future::BoxFuture;
use serde_json::{json, Value};
use tokio::runtime::Runtime;
use xtask::summary::Memory;
use xtask::workloads::{self, Workload};

/// Set (to a workload's name) in the child process that measures that workload's peak memory.
const PEAK_CHILD_ENV: &str = "XTASK_ENGINE_PEAK_CHILD";
/// Where to write the figures measured before timing (JSON), when set.
const REPORT_ENV: &str = "XTASK_ENGINE_REPORT";

/// The workloads have no Task state; a call would be a bug in the benchmark.
struct NoTasks;

impl TaskInvoker for NoTasks {
    fn invoke(&self, request: TaskRequest) -> BoxFuture<'static, Result<Value, TaskFailure>> {
        let cause = format!("the benchmark has no task '{}'", request.state_name);
        Box::pin(async move { Err(TaskFailure::new("States.TaskFailed", cause)) })
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs one execution on a fresh engine, start to end; returns its outcome and its handle
/// (which holds its history).
fn execute(
    runtime: &Runtime,
    definition: &Arc<CompiledMachine>,
    input: &Value,
) -> (ExecutionOutcome, Execution) {
    runtime.block_on(async {
        let engine = Engine::new(Arc::new(NoTasks), Arc::new(SystemClock));
        let execution = engine
            .start(StartExecution {
                execution_arn: "arn:aws:states:us-east-1:123456789012:execution:bench:run".into(),
                state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench"
                    .into(),
                name: "run".into(),
                role_arn: "arn:aws:iam::123456789012:role/bench".into(),
                definition: definition.clone(),
                input: input.clone(),
                input_text: None,
            })
            .expect("the execution starts");
        (execution.wait().await, execution)
    })
}

fn parse(workload: &Workload) -> Arc<CompiledMachine> {
    Arc::new(
        Definition::from_value(&workload.definition)
            .expect("the definition parses")
            .into(),
    )
}

/// Runs the workload once and checks it succeeded with the expected output; returns the
/// number of state transitions (states entered) and of history events.
fn verify(runtime: &Runtime, workload: &Workload) -> (u64, usize) {
    let (outcome, execution) = execute(runtime, &parse(workload), &workload.input);
    assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
    assert_eq!(outcome.output.as_ref(), Some(&workload.expected_output));
    let history = execution.history();
    let entered = history
        .iter()
        .filter(|e| e.event_type.ends_with("StateEntered"))
        .count();
    (entered as u64, history.len())
}

/// The CPU time this process has used so far, all threads, from /proc/self/stat (utime +
/// stime, in clock ticks of 1/100 s: Linux's USER_HZ).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may hold spaces) start at the third, the
    // state; utime and stime are the 14th and 15th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Mean CPU seconds of one execution.
struct CpuTime {
    /// Start to end, as timed.
    run: f64,
    /// Freeing it afterwards (its history), which the timing leaves out.
    free: f64,
}

/// The mean CPU time of one execution, start to end, over at least 5 executions and 3
/// seconds. Robust where wall-clock time is not: on a machine shared with other work. As in
/// the timing, freeing the executions (their histories) is left out, and measured apart: they
/// run in batches of a quarter of a second (so the clock's 10 ms ticks stay a small part of
/// each) and are dropped between batches.
fn cpu_per_execution(
    runtime: &Runtime,
    definition: &Arc<CompiledMachine>,
    input: &Value,
) -> Option<CpuTime> {
    let mut cpu = Duration::ZERO;
    let mut free = Duration::ZERO;
    let mut runs = 0;
    let start = Instant::now();
    while runs < 5 || start.elapsed() < Duration::from_secs(3) {
        let batch_start = Instant::now();
        let before = cpu_time()?;
        let mut held = Vec::new();
        while held.len() < 32 && batch_start.elapsed() < Duration::from_millis(250) {
            held.push(execute(runtime, definition, input));
        }
        let ran = cpu_time()?;
        cpu += ran - before;
        runs += held.len();
        drop(held);
        free += cpu_time()? - ran;
    }
    Some(CpuTime {
        run: cpu.as_secs_f64() / runs as f64,
        free: free.as_secs_f64() / runs as f64,
    })
}

/// A field of /proc/self/status in KiB (Linux only).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The child process's job: warm the engine up with a one-Pass execution, note the resident
/// memory (VmRSS), reset the high-water mark (`5` into /proc/self/clear_refs), run the workload
/// once and print the high-water mark (VmHWM) with the execution and its history still held.
fn peak_child(name: &str) {
    let workload = workloads::all()
        .into_iter()
        .find(|w| w.name == name)
        .expect("a known workload");
    let runtime = runtime();
    let tiny = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let tiny = Arc::new(
        Definition::from_value(&tiny)
            .expect("tiny definition")
            .into(),
    );
    execute(&runtime, &tiny, &json!({}));
    let definition = parse(&workload);
    let baseline = status_kib("VmRSS:").expect("VmRSS in /proc/self/status");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (outcome, execution) = execute(&runtime, &definition, &workload.input);
    let peak = status_kib("VmHWM:").expect("VmHWM in /proc/self/status");
    assert_eq!(outcome.status, ExecutionStatus::Succeeded);
    println!(
        "{}",
        json!({"baselineKiB": baseline, "peakKiB": peak, "hwmReset": reset,
               "historyEvents": execution.history().len()})
    );
}

/// Runs [`peak_child`] for the workload in a fresh process of this binary.
fn measure_peak(name: &str) -> Option<Value> {
    let exe = std::env::current_exe().ok()?;
    let output = Command::new(exe).env(PEAK_CHILD_ENV, name).output().ok()?;
    if !output.status.success() {
        eprintln!(
            "peak memory of {name}: the child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

/// One line per JSONata workload: its CPU time per execution beside its JSONPath twin's, and
/// the ratio (the bound is 2×).
fn jsonata_against_jsonpath(report: &[Value]) -> String {
    let cpu = |name: &str| {
        report
            .iter()
            .find(|r| r["name"] == name)
            .and_then(|r| r["cpuSecondsPerRun"].as_f64())
    };
    let mut lines = Vec::new();
    for row in report {
        let Some(name) = row["name"].as_str() else {
            continue;
        };
        let Some(twin) = name.strip_suffix(workloads::JSONATA_SUFFIX) else {
            continue;
        };
        match (cpu(name), cpu(twin)) {
            (Some(ours), Some(path)) => lines.push(format!(
                "jsonata vs jsonpath: {name} {:.2} ms, {twin} {:.2} ms: {:.2}x",
                ours * 1000.0,
                path * 1000.0,
                ours / path
            )),
            _ => lines.push(format!(
                "jsonata vs jsonpath: {name}: CPU time not measured"
            )),
        }
    }
    lines.join("\n")
}

fn main() {
    if let Ok(name) = std::env::var(PEAK_CHILD_ENV) {
        peak_child(&name);
        return;
    }
    let runtime = runtime();
    let workloads = workloads::all();
    let mut report = Vec::new();
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut group = criterion.benchmark_group("engine");
    for workload in &workloads {
        let (transitions, events) = verify(&runtime, workload);
        let peak = measure_peak(workload.name);
        let memory = peak.as_ref().and_then(Memory::from_json).map_or(
            "peak memory not measured".to_string(),
            |m| {
                format!(
                    "peak RSS {} (in brackets, what the execution added)",
                    m.render()
                )
            },
        );
        let definition = parse(workload);
        let cpu = cpu_per_execution(&runtime, &definition, &workload.input);
        let cpu_text = cpu
            .as_ref()
            .map_or("CPU time not measured".to_string(), |c| {
                format!(
                    "{:.2} ms of CPU an execution (and {:.2} ms to free it)",
                    c.run * 1000.0,
                    c.free * 1000.0
                )
            });
        println!(
            "{}: SUCCEEDED with the expected output; {transitions} state transitions, \
             {events} history events; {cpu_text}; {memory}",
            workload.name
        );
        report.push(json!({
            "name": workload.name,
            "transitions": transitions,
            "historyEvents": events,
            "cpuSecondsPerRun": cpu.as_ref().map(|c| c.run),
            "cpuSecondsToFree": cpu.as_ref().map(|c| c.free),
            "memory": peak,
        }));
        group.throughput(Throughput::Elements(transitions));
        group.bench_function(workload.name, |b| {
            // Like moto, which keeps every execution, the timing stops at the end of the
            // execution: freeing its history is left out.
            b.iter_with_large_drop(|| execute(&runtime, &definition, &workload.input))
        });
    }
    group.finish();
    criterion.final_summary();
    println!("{}", jsonata_against_jsonpath(&report));
    if let Ok(path) = std::env::var(REPORT_ENV) {
        let text = serde_json::to_string_pretty(&report).expect("report JSON");
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("cannot write {path}: {e}");
        }
    }
}
