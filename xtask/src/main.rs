//! `cargo xtask <task>`: project chores that are more than one cargo command.
//!
//! - `bench`: the criterion benchmarks (resume planning on a 25,000-event history; the
//!   interpreter on a 5000-item inline Map and a 1000-iteration Choice loop), then a summary
//!   of the interpreter's figures. `--moto` also runs the interpreter's workloads in moto 5.2.5
//!   (venv under `target/bench-venv`) and adds its figures and the ratio.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::SystemTime;

use serde_json::Value;
use xtask::{summary, workloads};

const USAGE: &str = "usage: cargo xtask <task>\n\ntasks:\n  bench [--moto] [criterion args]   \
     run the benchmarks (criterion, release build);\n                                    \
     --moto: compare the interpreter with moto 5.2.5";

/// The moto release the interpreter is compared with (issue #3).
const MOTO: &str = "moto[stepfunctions]==5.2.5";
const MOTO_VERSION: &str = "5.2.5";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench") => match bench(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
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
    // A report left by an earlier run must not pass for this one's.
    let _ = std::fs::remove_file(&report);
    let since = SystemTime::now();
    run(Command::new(cargo())
        .args([
            "bench", "-p", "xtask", "--bench", "plan", "--bench", "engine", "--",
        ])
        .args(extra)
        .env("XTASK_ENGINE_REPORT", &report))?;
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

fn run(command: &mut Command) -> Result<(), String> {
    let program = command.get_program().to_string_lossy().into_owned();
    match command.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{program} failed ({s})")),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Cargo's target directory (criterion writes its estimates under it).
fn target_dir(root: &Path) -> Result<PathBuf, String> {
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".to_string())
}
