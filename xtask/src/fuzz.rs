//! `cargo xtask fuzz [--cases N]`: every fuzz target (the proptest properties whose names say
//! `never_panic`) run with `SFN_FUZZ_CASES=N`, then a table of what ran: per target its
//! properties, the cases each ran, the executions in all, the crashes (failed properties) and
//! the time (its binary's wall time, shared among the binary's properties, which libtest runs
//! in parallel). Any crash fails the task. Proptest writes no failure files (see
//! `testkit::fuzz`): a failing case is printed with its minimal input.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::workspace::cargo;

/// The cases each property runs when `--cases` is not given.
pub const DEFAULT_CASES: u32 = 10_000;

/// What every fuzz property's name contains (the test filter).
const FILTER: &str = "never_panic";

/// The test binaries holding fuzz targets: package and cargo's selector of the binary.
const BINARIES: &[(&str, &str)] = &[
    ("asl", "--lib"),
    ("asl", "--test=it"),
    ("jsonata", "--test=it"),
    ("event-pattern", "--lib"),
    ("emulator", "--lib"),
    ("emulator", "--test=it"),
];

/// The target each test module is, by the start of its path in its binary.
const TARGETS: &[(&str, &str, &str)] = &[
    ("asl", "path::tests::", "JSONPath and intrinsic functions"),
    (
        "asl",
        "fuzz::",
        "ASL definitions (parse, validate, compile, run)",
    ),
    ("jsonata", "fuzz::", "JSONata expressions"),
    ("event-pattern", "tests::", "EventBridge event patterns"),
    (
        "emulator",
        "services::cloudformation::",
        "CloudFormation templates",
    ),
    ("emulator", "services::dynamodb::", "DynamoDB expressions"),
    ("emulator", "services::s3::", "S3 XML request bodies"),
    (
        "emulator",
        "front_door_fuzz::random_requests",
        "front door: awsJson, awsQuery, restJson, restXml",
    ),
    (
        "emulator",
        "front_door_fuzz::",
        "front door: routing, forms, JSON bodies, escapes",
    ),
];

/// One target's tally.
#[derive(Default)]
struct Tally {
    properties: usize,
    crashes: Vec<String>,
    time: Duration,
}

/// Runs every target for `cases` cases per property; an error names the crashes.
pub fn run(root: &Path, cases: u32) -> Result<(), String> {
    build(root)?;
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let started = Instant::now();
    for (package, binary) in BINARIES {
        let begun = Instant::now();
        let output = Command::new(cargo())
            .args(["test", "-p", package, binary, "--", FILTER])
            .env(CASES_VAR, cases.to_string())
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run cargo test: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let results = test_results(&text);
        if results.is_empty() && !output.status.success() {
            return Err(format!(
                "cargo test -p {package} {binary} failed before running:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let elapsed = begun.elapsed();
        let per_test = elapsed / u32::try_from(results.len().max(1)).unwrap_or(u32::MAX);
        for (name, passed) in results {
            let tally = tallies.entry(target_of(package, &name)).or_default();
            tally.properties += 1;
            tally.time += per_test;
            if !passed {
                tally.crashes.push(name);
            }
        }
        if !output.status.success() {
            print!("{text}");
        }
    }
    print_table(&tallies, cases, started.elapsed());
    let crashes: Vec<String> = tallies
        .values()
        .flat_map(|t| t.crashes.iter().cloned())
        .collect();
    if crashes.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets crashed: {}", crashes.join(", ")))
    }
}

/// The environment variable `testkit::fuzz` reads for the cases per property.
const CASES_VAR: &str = "SFN_FUZZ_CASES";

/// Builds the test binaries first, so the times are the runs' own.
fn build(root: &Path) -> Result<(), String> {
    for (package, binary) in BINARIES {
        let status = Command::new(cargo())
            .args(["test", "--no-run", "-q", "-p", package, binary])
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run cargo test --no-run: {e}"))?;
        if !status.success() {
            return Err(format!(
                "building the fuzz targets of {package} ({binary}) failed ({status})"
            ));
        }
    }
    Ok(())
}

/// The `test <name> ... ok|FAILED` lines of libtest's output: name and whether it passed.
fn test_results(output: &str) -> Vec<(String, bool)> {
    output
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, verdict) = rest.rsplit_once(" ... ")?;
            match verdict.trim() {
                "ok" => Some((name.to_string(), true)),
                "FAILED" => Some((name.to_string(), false)),
                _ => None,
            }
        })
        .collect()
}

/// The target a test of `package` belongs to (the first in [`TARGETS`] whose path starts its
/// name), or the test's own module.
fn target_of(package: &str, test: &str) -> String {
    TARGETS
        .iter()
        .find(|(p, prefix, _)| *p == package && test.starts_with(prefix))
        .map_or(test, |(_, _, name)| *name)
        .to_string()
}

fn print_table(tallies: &BTreeMap<String, Tally>, cases: u32, total: Duration) {
    println!(
        "\n{:50} {:>10} {:>9} {:>11} {:>8} {:>7}",
        "fuzz target", "properties", "cases", "executions", "crashes", "time"
    );
    let mut executions = 0u64;
    for (name, t) in tallies {
        let runs = t.properties as u64 * u64::from(cases);
        executions += runs;
        println!(
            "{name:50} {:>10} {cases:>9} {runs:>11} {:>8} {:>6.1}s",
            t.properties,
            t.crashes.len(),
            t.time.as_secs_f64()
        );
    }
    println!(
        "fuzz: {} targets, {executions} executions, {} crashes, {:.0}s",
        tallies.len(),
        tallies.values().map(|t| t.crashes.len()).sum::<usize>(),
        total.as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libtest_lines_and_names_targets() {
        let output = "running 2 tests\ntest fuzz::random_definitions_never_panic ... ok\n\
                      test path::tests::paths_never_panic ... FAILED\ntest result: FAILED.";
        assert_eq!(
            test_results(output),
            [
                ("fuzz::random_definitions_never_panic".to_string(), true),
                ("path::tests::paths_never_panic".to_string(), false)
            ]
        );
        assert_eq!(
            target_of(
                "emulator",
                "front_door_fuzz::random_requests_to_every_protocol_never_panic"
            ),
            "front door: awsJson, awsQuery, restJson, restXml"
        );
        assert_eq!(target_of("asl", "other::x"), "other::x");
    }
}
