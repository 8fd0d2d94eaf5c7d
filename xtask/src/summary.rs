//! The summary table `cargo xtask bench` prints after the interpreter benchmarks: executions
//! per second (ours from criterion's estimates, moto's from `scripts/moto_bench.py`), their
//! ratio, state transitions per second and peak memory.

use std::path::Path;
use std::time::SystemTime;

use serde_json::Value;

/// Peak resident memory of one execution, measured in a process of its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    /// Resident memory just before the execution (KiB).
    pub baseline_kib: u64,
    /// The high-water mark of resident memory once it ended (KiB).
    pub peak_kib: u64,
}

impl Memory {
    /// Reads `{"baselineKiB": …, "peakKiB": …}`.
    pub fn from_json(value: &Value) -> Option<Memory> {
        Some(Memory {
            baseline_kib: value.get("baselineKiB")?.as_u64()?,
            peak_kib: value.get("peakKiB")?.as_u64()?,
        })
    }

    /// The peak and, in brackets, what the execution added: `34.9 MiB (+30.3)`.
    pub fn render(&self) -> String {
        let mib = |kib: u64| kib as f64 / 1024.0;
        format!(
            "{:.1} MiB ({:+.1})",
            mib(self.peak_kib),
            mib(self.peak_kib) - mib(self.baseline_kib)
        )
    }
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The workload's name.
    pub name: String,
    /// State transitions of one execution.
    pub transitions: u64,
    /// Seconds per execution on our engine: criterion's estimate (the one it prints).
    pub ours_seconds: Option<f64>,
    /// Mean CPU seconds per execution on our engine.
    pub ours_cpu: Option<f64>,
    /// Our peak memory.
    pub ours_memory: Option<Memory>,
    /// Mean seconds per execution in moto.
    pub moto_seconds: Option<f64>,
    /// Mean CPU seconds per execution in moto (without the polling).
    pub moto_cpu: Option<f64>,
    /// Moto's peak memory.
    pub moto_memory: Option<Memory>,
}

/// The rows for the workloads in `engine_report` (written by `benches/engine.rs`), with our
/// times from criterion's estimates under `criterion_dir` when they were written after `since`
/// (older ones are from another run), and moto's figures from `moto` (the script's output).
pub fn rows(
    engine_report: &Value,
    criterion_dir: &Path,
    since: SystemTime,
    moto: Option<&Value>,
) -> Vec<Row> {
    let workloads = engine_report.as_array().map(Vec::as_slice).unwrap_or(&[]);
    workloads
        .iter()
        .filter_map(|w| {
            let name = w.get("name")?.as_str()?;
            let estimates = criterion_dir
                .join("engine")
                .join(name)
                .join("new")
                .join("estimates.json");
            let moto_row = moto
                .and_then(Value::as_array)
                .and_then(|rows| rows.iter().find(|r| r["name"] == name));
            Some(Row {
                name: name.to_string(),
                transitions: w.get("transitions")?.as_u64()?,
                ours_seconds: criterion_seconds(&estimates, since),
                ours_cpu: w.get("cpuSecondsPerRun").and_then(Value::as_f64),
                ours_memory: w.get("memory").and_then(Memory::from_json),
                moto_seconds: moto_row.and_then(|r| r.get("meanSeconds")?.as_f64()),
                moto_cpu: moto_row.and_then(|r| r.get("cpuSecondsPerRun")?.as_f64()),
                moto_memory: moto_row.and_then(|r| Memory::from_json(r.get("memory")?)),
            })
        })
        .collect()
}

/// The time of one iteration, in seconds, from a criterion `estimates.json` modified after
/// `since`: the slope of the linear regression where there is one, as criterion prints it,
/// else the mean.
fn criterion_seconds(estimates: &Path, since: SystemTime) -> Option<f64> {
    let modified = std::fs::metadata(estimates).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let text = std::fs::read_to_string(estimates).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    let estimate = |name: &str| value.get(name)?.get("point_estimate")?.as_f64();
    let nanoseconds = estimate("slope").or_else(|| estimate("mean"))?;
    Some(nanoseconds / 1e9)
}

/// The history reading line: microseconds per event for each history `report` lists (written
/// by `benches/history.rs`: criterion ids and event counts), and the largest one's cost per
/// event against the smallest's.
pub fn history_line(report: &Value, criterion_dir: &Path, since: SystemTime) -> Option<String> {
    let mut measured: Vec<(u64, f64)> = report
        .as_array()?
        .iter()
        .filter_map(|r| {
            let events = r.get("events")?.as_u64()?;
            let estimates = criterion_dir
                .join("history")
                .join(r.get("id")?.as_str()?)
                .join("new")
                .join("estimates.json");
            Some((
                events,
                criterion_seconds(&estimates, since)? / events as f64,
            ))
        })
        .collect();
    measured.sort_by_key(|(events, _)| *events);
    let (small, large) = (measured.first()?, measured.last()?);
    let each = measured
        .iter()
        .map(|(events, per)| format!("{events} events {:.2} µs/event", per * 1e6))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "GetExecutionHistory in pages of 1000: {each}; {} vs {} events: {:.2}× per event",
        large.0,
        small.0,
        large.1 / small.1
    ))
}

/// The table, in Markdown: executions per second (wall clock) and their ratio, CPU
/// milliseconds per execution and their ratio, our state transitions per second, and memory
/// (the process's peak RSS with, in brackets, what the execution added to it).
pub fn render(rows: &[Row]) -> String {
    let per_second = |s: Option<f64>| s.map(|s| 1.0 / s);
    let millis = |s: Option<f64>| s.map(|s| s * 1000.0);
    let number = |x: Option<f64>| x.map_or("-".to_string(), rate);
    let ratio = |a: Option<f64>, b: Option<f64>| {
        a.zip(b)
            .map_or("-".to_string(), |(a, b)| format!("{:.0}×", a / b))
    };
    let memory = |m: Option<Memory>| m.map_or("-".to_string(), |m| m.render());
    let mut out = String::from(
        "| definition | ours exec/s | moto exec/s | ratio | ours CPU ms/exec | \
         moto CPU ms/exec | CPU ratio | ours transitions/s | ours peak RSS (+exec) | \
         moto peak RSS (+exec) |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows {
        let ours = per_second(row.ours_seconds);
        let moto = per_second(row.moto_seconds);
        let transitions = ours.map(|o| o * row.transitions as f64);
        out.push_str(&format!(
            "| {} ({} transitions) | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.name,
            row.transitions,
            number(ours),
            number(moto),
            ratio(ours, moto),
            number(millis(row.ours_cpu)),
            number(millis(row.moto_cpu)),
            ratio(row.moto_cpu, row.ours_cpu),
            transitions.map_or("-".to_string(), |t| format!("{t:.0}")),
            memory(row.ours_memory),
            memory(row.moto_memory),
        ));
    }
    out
}

/// A rate with three significant figures or more (`0.0853`, `13.9`, `1234`).
fn rate(x: f64) -> String {
    match x {
        x if x >= 100.0 => format!("{x:.0}"),
        x if x >= 10.0 => format!("{x:.1}"),
        x if x >= 1.0 => format!("{x:.2}"),
        x if x > 0.0 => {
            let digits = 3 + (-x.log10()).floor() as usize;
            format!("{x:.digits$}")
        }
        x => format!("{x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    /// Writes criterion's `estimates.json` for the benchmark in `bench` (e.g. `engine/map`).
    fn write_estimates(dir: &std::path::Path, bench: &str, estimates: &str) {
        let folder = dir.join(bench).join("new");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("estimates.json"), estimates).unwrap();
    }

    #[test]
    fn rows_join_criterion_estimates_and_moto_figures() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_estimates(
            dir,
            "engine/map",
            r#"{"mean": {"point_estimate": 2100000.0}, "slope": {"point_estimate": 2000000.0}}"#,
        );
        write_estimates(
            dir,
            "engine/flat",
            r#"{"mean": {"point_estimate": 4000000.0}, "slope": null}"#,
        );
        let report = json!([
            {"name": "map", "transitions": 5001, "cpuSecondsPerRun": 0.0025,
             "memory": {"baselineKiB": 4096, "peakKiB": 14336}},
            {"name": "loop", "transitions": 2001, "memory": null},
            {"name": "flat", "transitions": 1}
        ]);
        let moto = json!([{"name": "map", "meanSeconds": 4.0, "cpuSecondsPerRun": 3.0,
                           "memory": {"baselineKiB": 102400, "peakKiB": 204800}}]);
        let since = SystemTime::now() - Duration::from_secs(60);
        let rows = rows(&report, dir, since, Some(&moto));
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].ours_seconds, Some(0.004));
        assert_eq!(rows[0].ours_seconds, Some(0.002));
        assert_eq!(rows[0].moto_seconds, Some(4.0));
        assert_eq!(rows[1].ours_seconds, None);
        let table = render(&rows);
        assert!(
            table.contains(
                "| map (5001 transitions) | 500 | 0.250 | 2000× | 2.50 | 3000 | 1200× | \
                 2500500 | 14.0 MiB (+10.0) | 200.0 MiB (+100.0) |"
            ),
            "{table}"
        );
        assert!(table.contains("| loop (2001 transitions) | - | - | - | - | - | - | - | - | - |"));
    }

    #[test]
    fn rates_keep_three_significant_figures() {
        let shown: Vec<String> = [1234.4, 13.94, 7.712, 0.0853, 0.567].map(rate).into();
        assert_eq!(shown, ["1234", "13.9", "7.71", "0.0853", "0.567"]);
    }

    #[test]
    fn estimates_from_an_earlier_run_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_estimates(
            dir,
            "engine/map",
            r#"{"mean": {"point_estimate": 1.0}, "slope": null}"#,
        );
        let later = SystemTime::now() + Duration::from_secs(60);
        let rows = rows(
            &json!([{"name": "map", "transitions": 1}]),
            dir,
            later,
            None,
        );
        assert_eq!(rows[0].ours_seconds, None);
    }
}
