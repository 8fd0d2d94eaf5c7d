//! Runtimes: which `Runtime` values this emulator runs and what process a sandbox of each
//! starts against its Runtime API.
//!
//! | runtime | process | needs |
//! | --- | --- | --- |
//! | `provided.al2023`, `provided.al2` | the package's `bootstrap` | an executable `bootstrap` at the zip's root |
//! | `python3.9` … `python3.14` | `python3 -m awslambdaric <handler>` | `python3` and AWS's `awslambdaric` (on the host's `python3`, or in the venv [`python_venv`]) |
//! | `nodejs18.x` … `nodejs24.x` | `node <cache>/nodejs-runtime/index.mjs <handler>` | `node`; the runtime client is this emulator's own (see below) |
//!
//! AWS's Node.js client (`aws-lambda-ric` on npm) compiles a native addon (aws-lambda-cpp and
//! curl) with cmake and autotools when installed; it does not install where those are missing.
//! The emulator therefore ships a small client of its own, [`NODE_CLIENT`], that speaks the
//! same Runtime API and follows AWS's Node.js runtime: handler resolution, the context object,
//! `errorType`/`errorMessage`/`trace` errors, the `Runtime.*` init errors.
//!
//! Interpreters and clients are found on first need and remembered once found. When one is
//! missing, Invoke fails with `InvalidRuntimeException` naming the command that installs it.
//! A function whose runtime asks for another version than the host's interpreter runs on the
//! host's, with a line saying so at the top of its first log.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use http::StatusCode;

use super::package;
use crate::error::{AwsError, AwsResult};

/// The OS-only runtimes: the package's own `bootstrap`.
pub const PROVIDED: &[&str] = &["provided.al2023", "provided.al2"];
/// The Python runtimes, run on the host's `python3`.
pub const PYTHON: &[&str] = &[
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
];
/// The Node.js runtimes, run on the host's `node`.
pub const NODEJS: &[&str] = &["nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"];

/// Overrides the Python interpreter (a path or a command name).
pub const PYTHON_ENV: &str = "SFN_RESUME_PYTHON";
/// Overrides the Node.js interpreter.
pub const NODE_ENV: &str = "SFN_RESUME_NODE";
/// Overrides the cache directory (default `$XDG_CACHE_HOME/sfn-resume`, else
/// `~/.cache/sfn-resume`).
pub const CACHE_ENV: &str = "SFN_RESUME_CACHE_DIR";

/// The emulator's own Node.js runtime interface client.
pub const NODE_CLIENT: &str = include_str!("nodejs_runtime.mjs");

/// The language a runtime runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `provided.*`: the package's `bootstrap`.
    Provided,
    /// `python3.x`.
    Python,
    /// `nodejsNN.x`.
    Node,
}

impl Family {
    /// The family of a runtime this emulator runs.
    pub fn of(runtime: &str) -> Option<Family> {
        if PROVIDED.contains(&runtime) {
            Some(Family::Provided)
        } else if PYTHON.contains(&runtime) {
            Some(Family::Python)
        } else if NODEJS.contains(&runtime) {
            Some(Family::Node)
        } else {
            None
        }
    }
}

fn invalid(message: String) -> AwsError {
    AwsError::new("InvalidParameterValueException", message)
}

/// CreateFunction's check of `Runtime`: one this emulator runs.
pub fn check(runtime: Option<&str>) -> AwsResult<String> {
    let supported =
        "python3.9 to python3.14, nodejs18.x to nodejs24.x, provided.al2023 and provided.al2";
    match runtime {
        Some(r) if Family::of(r).is_some() => Ok(r.to_string()),
        Some(r) => Err(invalid(format!(
            "The runtime parameter of {r} is not supported by this emulator: it runs {supported} (java, dotnet and ruby runtimes are not emulated)"
        ))),
        None => Err(invalid(format!(
            "Runtime is required for a .zip deployment package; this emulator runs {supported}"
        ))),
    }
}

/// The package checks a runtime needs beyond a readable zip: an executable `bootstrap` for
/// the OS-only runtimes.
pub fn check_package(runtime: &str, zip: &[u8]) -> AwsResult<()> {
    match Family::of(runtime) {
        Some(Family::Provided) => package::check_bootstrap(zip),
        _ => Ok(()),
    }
}

/// How a sandbox of a function starts: the program, its arguments, the variables its runtime
/// adds, and a note for the log when the host's interpreter is not the one asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The interpreter (`python3`, `node`), or `None` for the package's `bootstrap`.
    pub program: Option<PathBuf>,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables the runtime sets (`AWS_EXECUTION_ENV`).
    pub env: Vec<(String, String)>,
    /// Said at the top of the sandbox's log.
    pub notice: Option<String>,
}

/// A found interpreter: its path and version (`3.11.7`, `20.20.2`).
#[derive(Debug, Clone)]
struct Interpreter {
    path: PathBuf,
    version: String,
}

static PYTHON_FOUND: Mutex<Option<Interpreter>> = Mutex::new(None);
static NODE_FOUND: Mutex<Option<Interpreter>> = Mutex::new(None);

fn remembered(slot: &Mutex<Option<Interpreter>>) -> Option<Interpreter> {
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

fn remember(slot: &Mutex<Option<Interpreter>>, found: &Interpreter) {
    *slot
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(found.clone());
}

fn unavailable(message: String) -> AwsError {
    AwsError::new("InvalidRuntimeException", message).with_status(StatusCode::BAD_GATEWAY)
}

/// The emulator's cache directory.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("sfn-resume");
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => PathBuf::from(home).join(".cache").join("sfn-resume"),
        None => std::env::temp_dir().join("sfn-resume-cache"),
    }
}

/// The venv the emulator looks in for `awslambdaric` when the host's `python3` lacks it.
pub fn python_venv() -> PathBuf {
    cache_dir().join("python-ric-venv")
}

/// The command that installs `awslambdaric` where the emulator looks for it.
pub fn python_install_command() -> String {
    let venv = python_venv();
    format!(
        "python3 -m venv {0} && {0}/bin/pip install awslambdaric",
        venv.display()
    )
}

/// Runs `program args` and returns its trimmed output when it succeeds.
async fn probe(program: &Path, args: &[&str]) -> Option<String> {
    let output = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Finds a Python interpreter that imports `awslambdaric`: `$SFN_RESUME_PYTHON`, then the
/// managed venv, then `python3` on PATH.
async fn find_python() -> AwsResult<Interpreter> {
    if let Some(found) = remembered(&PYTHON_FOUND) {
        return Ok(found);
    }
    let script = "import awslambdaric, sys; print('%d.%d.%d' % sys.version_info[:3])";
    let mut candidates = Vec::new();
    if let Some(path) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
        candidates.push(PathBuf::from(path));
    }
    candidates.push(python_venv().join("bin").join("python3"));
    candidates.push(PathBuf::from("python3"));
    for candidate in &candidates {
        if let Some(version) = probe(candidate, &["-c", script]).await {
            let found = Interpreter {
                path: candidate.clone(),
                version,
            };
            remember(&PYTHON_FOUND, &found);
            return Ok(found);
        }
    }
    if probe(Path::new("python3"), &["--version"]).await.is_none() {
        return Err(unavailable(
            "The Python runtimes run on the host's python3, and there is none on PATH: install Python 3 (e.g. apt-get install python3 python3-venv), or name an interpreter in SFN_RESUME_PYTHON".to_string(),
        ));
    }
    Err(unavailable(format!(
        "The Python runtimes run through AWS's runtime interface client, awslambdaric, which python3 cannot import: install it with `{}` (or pip install awslambdaric into the interpreter named by SFN_RESUME_PYTHON)",
        python_install_command()
    )))
}

/// Finds `node`: `$SFN_RESUME_NODE`, then `node` on PATH.
async fn find_node() -> AwsResult<Interpreter> {
    if let Some(found) = remembered(&NODE_FOUND) {
        return Ok(found);
    }
    let path = std::env::var_os(NODE_ENV)
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("node"), PathBuf::from);
    match probe(&path, &["--version"]).await {
        Some(version) => {
            let found = Interpreter {
                path,
                version: version.trim_start_matches('v').to_string(),
            };
            remember(&NODE_FOUND, &found);
            Ok(found)
        }
        None => Err(unavailable(format!(
            "The Node.js runtimes run on the host's node, and {} does not run: install Node.js (e.g. apt-get install nodejs), or name an interpreter in SFN_RESUME_NODE",
            path.display()
        ))),
    }
}

/// Writes the emulator's Node.js client into the cache (once per content) and returns its path.
fn node_client() -> std::io::Result<PathBuf> {
    let dir = cache_dir().join("nodejs-runtime");
    let path = dir.join("index.mjs");
    if std::fs::read_to_string(&path).is_ok_and(|text| text == NODE_CLIENT) {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir)?;
    let partial = dir.join(format!("index.{}.partial", uuid::Uuid::new_v4().simple()));
    std::fs::write(&partial, NODE_CLIENT)?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// The note for the log when the interpreter's version is not the runtime's.
fn notice(runtime: &str, asked: &str, language: &str, found: &Interpreter) -> Option<String> {
    let matches = found.version == asked || found.version.starts_with(&format!("{asked}."));
    (!matches).then(|| {
        format!(
            "sfn-resume emulator: the function's runtime is {runtime}; it runs on the host's {language} {} ({})\n",
            found.version,
            found.path.display()
        )
    })
}

/// How to start a sandbox of a function on `runtime` with `handler` (its working directory,
/// the code's, is on Python's `sys.path` through `-m`, and Node.js resolves from it).
pub async fn launch(runtime: &str, handler: Option<&str>) -> AwsResult<Launch> {
    let execution_env = (
        "AWS_EXECUTION_ENV".to_string(),
        format!("AWS_Lambda_{runtime}"),
    );
    let handler = handler.unwrap_or_default().to_string();
    match Family::of(runtime) {
        Some(Family::Python) => {
            let python = find_python().await?;
            let asked = runtime.trim_start_matches("python");
            Ok(Launch {
                notice: notice(runtime, asked, "Python", &python),
                program: Some(python.path),
                args: vec!["-m".to_string(), "awslambdaric".to_string(), handler],
                env: vec![
                    execution_env,
                    ("PYTHONUNBUFFERED".to_string(), "1".to_string()),
                ],
            })
        }
        Some(Family::Node) => {
            let node = find_node().await?;
            let client = node_client().map_err(|e| {
                unavailable(format!(
                    "The emulator could not write its Node.js runtime client under {}: {e}",
                    cache_dir().display()
                ))
            })?;
            let asked = runtime.trim_start_matches("nodejs").trim_end_matches(".x");
            Ok(Launch {
                notice: notice(runtime, asked, "Node.js", &node),
                program: Some(node.path),
                args: vec![client.display().to_string(), handler],
                env: vec![execution_env],
            })
        }
        _ => Ok(Launch {
            program: None,
            args: Vec::new(),
            env: Vec::new(),
            notice: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_are_python_node_and_provided_only() {
        assert_eq!(check(Some("python3.12")).unwrap(), "python3.12");
        assert_eq!(check(Some("nodejs20.x")).unwrap(), "nodejs20.x");
        assert_eq!(check(Some("provided.al2")).unwrap(), "provided.al2");
        for other in ["java21", "dotnet8", "ruby3.3", "python2.7"] {
            let err = check(Some(other)).unwrap_err();
            assert_eq!(err.code, "InvalidParameterValueException");
            assert!(err.message.contains(other), "{err}");
        }
        assert!(check(None).is_err());
    }

    #[test]
    fn a_differing_interpreter_is_noted() {
        let found = Interpreter {
            path: PathBuf::from("python3"),
            version: "3.11.7".to_string(),
        };
        assert_eq!(notice("python3.11", "3.11", "Python", &found), None);
        let note = notice("python3.12", "3.12", "Python", &found).unwrap();
        assert!(
            note.contains("python3.12") && note.contains("3.11.7"),
            "{note}"
        );
    }
}
