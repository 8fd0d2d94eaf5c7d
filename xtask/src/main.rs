//! `cargo xtask <task>`: project chores that are more than one cargo command.
//!
//! - `bench`: the criterion benchmarks (resume planning on a 25,000-event history).

use std::process::{Command, ExitCode};

const USAGE: &str =
    "usage: cargo xtask <task>\n\ntasks:\n  bench   run the benchmarks (criterion, release build)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench") => bench(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown task '{other}'\n\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Runs the benchmarks; extra arguments go to criterion (e.g. a filter).
fn bench(extra: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .args(["bench", "-p", "xtask", "--bench", "plan", "--"])
        .args(extra)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
