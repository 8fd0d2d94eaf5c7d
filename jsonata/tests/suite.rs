//! Runs the official JSONata test suite (jsonata-js 2.2.2's test/test-suite) against this crate.
//!
//! The suite lives outside the repository: `../shared/jsonata-suite` from the workspace root, or
//! `JSONATA_SUITE_DIR`. Without it the test says so and passes, except under CI, where it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jsonata::{Bindings, Expression, Limits, Options};
use serde_json::Value;

/// The share of the suite that must pass.
const FLOOR: f64 = 0.98;

fn suite_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("JSONATA_SUITE_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/jsonata-suite");
    d.is_dir().then_some(d)
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        // The reference runner's numbers carry binary rounding noise differently (e.g. 90.57 vs
        // 90.57000000000001): compare to 15 significant digits.
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-14 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Runs one case; `Ok(())` if it passes, else what went wrong.
fn run_case(dir: &Path, group_dir: &Path, case: &Value) -> Result<(), String> {
    let expr = match case.get("expr-file").and_then(Value::as_str) {
        Some(f) => std::fs::read_to_string(group_dir.join(f)).map_err(|e| e.to_string())?,
        None => case
            .get("expr")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    };
    let data: Option<Value> = match (case.get("data"), case.get("dataset")) {
        (Some(d), _) => Some(d.clone()),
        (None, Some(Value::String(ds))) => {
            let text = std::fs::read_to_string(dir.join("datasets").join(format!("{ds}.json")))
                .map_err(|e| e.to_string())?;
            Some(serde_json::from_str(&text).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let mut bindings = Bindings::default();
    if let Some(Value::Object(b)) = case.get("bindings") {
        for (k, v) in b {
            bindings.insert(k.clone(), v.clone());
        }
    }
    let limits = Limits {
        max_depth: case
            .get("depth")
            .and_then(Value::as_u64)
            .map(|d| d as usize)
            .unwrap_or(2000),
        max_time: Duration::from_millis(
            case.get("timelimit")
                .and_then(Value::as_u64)
                .unwrap_or(5000),
        ),
    };
    let options = Options {
        aws_functions: false,
        limits,
    };
    let outcome =
        Expression::parse(&expr).and_then(|e| e.evaluate_with(data.as_ref(), &bindings, &options));
    let code = case
        .get("code")
        .or_else(|| case.get("error").and_then(|e| e.get("code")));
    if let Some(code) = code.and_then(Value::as_str) {
        return match outcome {
            Err(e) if e.code == code => Ok(()),
            Err(e) => Err(format!(
                "expected error {code}, got error {}: {}",
                e.code, e.message
            )),
            Ok(v) => Err(format!("expected error {code}, got {v:?}")),
        };
    }
    if case.get("undefinedResult").is_some() {
        return match outcome {
            Ok(None) => Ok(()),
            other => Err(format!("expected undefined, got {other:?}")),
        };
    }
    let expected = case.get("result").ok_or("case has no expectation")?;
    match outcome {
        Ok(Some(v)) if same(&v, expected) => Ok(()),
        other => Err(format!("expected {expected}, got {other:?}")),
    }
}

/// Passes, total, (passes, total) by group, and the failures.
type Outcome = (usize, usize, BTreeMap<String, (usize, usize)>, Vec<String>);

fn run_suite(dir: &Path) -> Outcome {
    let mut groups: Vec<PathBuf> = std::fs::read_dir(dir.join("groups"))
        .expect("groups")
        .map(|e| e.expect("entry").path())
        .collect();
    groups.sort();
    let (mut pass, mut total) = (0, 0);
    let mut by_group = BTreeMap::new();
    let mut failures = Vec::new();
    for g in groups {
        let name = g
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&g)
            .expect("group")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        let entry = by_group.entry(name.clone()).or_insert((0, 0));
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            // Two cases hold lone UTF-16 surrogates, which Rust strings cannot: they count as failures.
            let cases = match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(a)) => a,
                Ok(v) => vec![v],
                Err(e) => {
                    total += 1;
                    entry.1 += 1;
                    failures.push(format!("{}: unreadable case file: {e}", f.display()));
                    continue;
                }
            };
            for (i, case) in cases.iter().enumerate() {
                total += 1;
                entry.1 += 1;
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_case(dir, &g, case)
                }));
                match r {
                    Ok(Ok(())) => {
                        pass += 1;
                        entry.0 += 1;
                    }
                    Ok(Err(why)) => failures.push(format!(
                        "{}#{i}: {} => {why}",
                        f.display(),
                        case.get("expr").and_then(Value::as_str).unwrap_or("(file)")
                    )),
                    Err(_) => failures.push(format!("{}#{i}: PANIC", f.display())),
                }
            }
        }
    }
    (pass, total, by_group, failures)
}

#[test]
fn official_suite() {
    let Some(dir) = suite_dir() else {
        if std::env::var_os("CI").is_some() {
            panic!("the official JSONata suite is missing (../shared/jsonata-suite or JSONATA_SUITE_DIR) and CI is set");
        }
        println!("jsonata suite: skipped: ../shared/jsonata-suite not found and JSONATA_SUITE_DIR not set");
        return;
    };
    // Deep recursion cases need more stack than a test thread has.
    let handle = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || run_suite(&dir))
        .expect("thread");
    let (pass, total, by_group, failures) = handle.join().expect("suite thread");
    if let Ok(path) = std::env::var("JSONATA_SUITE_REPORT") {
        let _ = std::fs::write(path, failures.join("\n"));
    }
    for (g, (p, t)) in &by_group {
        if p < t {
            println!("  {g}: {p}/{t}");
        }
    }
    println!("jsonata suite: {pass}/{total}");
    let share = pass as f64 / total as f64;
    assert!(
        share >= FLOOR,
        "jsonata suite: {pass}/{total} is below the floor of {FLOOR}"
    );
}
