//! `cargo xtask <task>`: project chores that are more than one cargo command.
//!
//! - `demo [--aws] [--keep]`: the tutorial end to end (see `xtask::demo`), on the embedded
//!   emulator by default.
//! - `lambdas`: the demo's functions built in release mode and zipped for `provided.al2023`
//!   into `target/lambda/<name>.zip`.
//! - `bench`: the criterion benchmarks (resume planning on a 25,000-event history; the
//!   interpreter on a 5000-item inline Map and a 1000-iteration Choice loop), then a summary
//!   of the interpreter's figures. `--moto` also runs the interpreter's workloads in moto 5.2.5
//!   (venv under `target/bench-venv`) and adds its figures and the ratio.
//! - `fuzz [--cases N]`: every fuzz target with N cases per property (see `xtask::fuzz`), and
//!   the executions and crashes of each.
//! - `tidy`: the layering invariants and the dependencies' MSRV (see `xtask::tidy`).

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::SystemTime;

use serde_json::Value;
use xtask::lambdas::human_size;
use xtask::workspace::{cargo, root as workspace_root, run, target_dir};
use xtask::{demo, fuzz, lambdas, summary, tidy, workloads};

const USAGE: &str = "usage: cargo xtask <task>\n\ntasks:\n  demo [--aws] [--keep]             \
     the tutorial end to end on the embedded emulator (--aws: a real account;\n                                    \
     --keep: leave what it deployed)\n  lambdas [--dev]                   \
     build the demo's Lambda functions into target/lambda/<name>.zip\n                                    \
     (--dev: the dev profile, into target/lambda-dev, for the emulator)\n  bench [--moto] [criterion args]   \
     run the benchmarks (criterion, release build);\n                                    \
     --moto: compare the interpreter with moto 5.2.5\n  fuzz [--cases N]                  \
     every fuzz target, N cases per property (default 10000)\n  tidy                              \
     check the layers (asl pure, deployer without the emulator, ui without cmd) and the MSRV";

/// The moto release the interpreter is compared with (issue #3).
const MOTO: &str = "moto[stepfunctions]==5.2.5";
const MOTO_VERSION: &str = "5.2.5";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench") => report(bench(&args[1..])),
        Some("lambdas") => match lambdas_profile(&args[1..]) {
            Ok(profile) => report(build_lambdas(profile)),
            Err(e) => {
                eprintln!("error: {e}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("demo") => demo_task(&args[1..]),
        Some("tidy") => report(tidy::run(&workspace_root())),
        Some("fuzz") => match fuzz_cases(&args[1..]) {
            Ok(cases) => report(fuzz::run(&workspace_root(), cases)),
            Err(e) => {
                eprintln!("error: {e}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
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

/// The profile `cargo xtask lambdas [--dev]` builds in.
fn lambdas_profile(args: &[String]) -> Result<lambdas::Profile, String> {
    match args {
        [] => Ok(lambdas::Profile::Release),
        [flag] if flag == "--dev" => Ok(lambdas::Profile::Dev),
        other => Err(format!("unexpected arguments: {}", other.join(" "))),
    }
}

/// The `--cases N` of `cargo xtask fuzz` (or the default).
fn fuzz_cases(args: &[String]) -> Result<u32, String> {
    match args {
        [] => Ok(fuzz::DEFAULT_CASES),
        [flag, n] if flag == "--cases" => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("--cases wants a positive number, not '{n}'")),
        other => Err(format!("unexpected arguments: {}", other.join(" "))),
    }
}

fn report(outcome: Result<(), String>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Builds and packages the demo's functions, and says what it wrote.
fn build_lambdas(profile: lambdas::Profile) -> Result<(), String> {
    let root = workspace_root();
    let target = target_dir(&root)?;
    for package in lambdas::build(&root, &target, profile)? {
        println!(
            "{} ({})",
            package
                .path
                .strip_prefix(&root)
                .unwrap_or(&package.path)
                .display(),
            human_size(package.size)
        );
    }
    Ok(())
}

/// `cargo xtask demo [--aws] [--keep]`.
fn demo_task(args: &[String]) -> ExitCode {
    let mut options = demo::Options::default();
    for arg in args {
        match arg.as_str() {
            "--aws" => options.aws = true,
            "--keep" => options.keep = true,
            other => {
                eprintln!("error: unknown demo option '{other}'\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match demo::run(options) {
        Ok(()) => {
            println!("demo: every step did what it should");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("\ndemo failed: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the benchmarks, then prints the interpreter's summary; `--moto` adds moto's figures.
/// Other arguments go to criterion (e.g. a filter).
fn bench(args: &[String]) -> Result<(), String> {
    let with_moto = args.iter().any(|a| a == "--moto");
    let extra = args.iter().filter(|a| *a != "--moto");
    let root = workspace_root();
    let target = target_dir(&root)?;
    let out = target.join("bench");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let report = out.join("engine.json");
    let history_report = out.join("history.json");
    // A report left by an earlier run must not pass for this one's.
    let _ = std::fs::remove_file(&report);
    let _ = std::fs::remove_file(&history_report);
    let since = SystemTime::now();
    run(Command::new(cargo())
        .args([
            "bench", "-p", "xtask", "--bench", "plan", "--bench", "engine", "--bench", "history",
            "--",
        ])
        .args(extra)
        .env("XTASK_ENGINE_REPORT", &report)
        .env("XTASK_HISTORY_REPORT", &history_report))?;
    let moto = if with_moto {
        Some(run_moto(&root, &target)?)
    } else {
        None
    };
    let Some(engine_report) = read_json(&report) else {
        return Ok(());
    };
    let rows = summary::rows(
        &engine_report,
        &target.join("criterion"),
        since,
        moto.as_ref(),
    );
    println!("\n{}", summary::render(&rows));
    if let Some(line) = read_json(&history_report)
        .and_then(|r| summary::history_line(&r, &target.join("criterion"), since))
    {
        println!("{line}");
    }
    Ok(())
}

/// Runs `scripts/moto_bench.py` on the workloads in a venv with moto, and returns its figures.
fn run_moto(root: &Path, target: &Path) -> Result<Value, String> {
    let venv = target.join("bench-venv");
    let python = venv.join("bin").join("python");
    let has_moto = Command::new(&python)
        .args([
            "-c",
            "import moto, sys; sys.exit(moto.__version__ != sys.argv[1])",
        ])
        .arg(MOTO_VERSION)
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_moto {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", MOTO, "boto3"]))?;
    }
    let workloads_file = target.join("bench").join("workloads.json");
    let all: Vec<Value> = workloads::all().iter().map(|w| w.to_json()).collect();
    std::fs::write(&workloads_file, Value::Array(all).to_string())
        .map_err(|e| format!("cannot write {}: {e}", workloads_file.display()))?;
    let results = target.join("bench").join("moto.json");
    run(Command::new(&python)
        .arg(root.join("xtask").join("scripts").join("moto_bench.py"))
        .arg(&workloads_file)
        .arg("--out")
        .arg(&results))?;
    read_json(&results).ok_or_else(|| format!("moto_bench.py wrote no {}", results.display()))
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}
