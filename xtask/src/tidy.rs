//! `cargo xtask tidy`: the invariants of the workspace's layering that the compiler does not
//! check, and the MSRV of the dependencies.
//!
//! - `asl` is pure logic: its normal dependencies hold no HTTP, TLS or AWS SDK crate.
//! - The deployer builds without the emulator (`--no-default-features`), and only
//!   `deployer/src/cmd/local.rs` names it.
//! - `deployer/src/ui` prints; it never imports a command (`crate::cmd`).
//! - No dependency needs a newer Rust than the workspace's `rust-version`.
//! - xtask's own build turns on the same features in every crate as `cargo test --workspace`
//!   (its "Feature pins"), so that `cargo xtask …` after the tests reuses what they built.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::workspace::cargo;

/// Crates that mean HTTP, TLS or AWS calls; none may be a normal dependency of `asl`.
const IO_CRATES: &[&str] = &[
    "hyper",
    "axum",
    "h2",
    "reqwest",
    "rustls",
    "aws-lc-rs",
    "aws-config",
    "aws-smithy-runtime",
];

/// Runs every check; the error lists every violation found.
pub fn run(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    problems.extend(asl_is_pure(root)?);
    problems.extend(deployer_builds_without_the_emulator(root)?);
    problems.extend(only_local_names_the_emulator(root)?);
    problems.extend(ui_never_imports_commands(root)?);
    problems.extend(dependencies_fit_the_msrv(root)?);
    problems.extend(xtask_shares_the_tests_features(root)?);
    if problems.is_empty() {
        println!("tidy: layers, MSRV and xtask's feature pins ok");
        Ok(())
    } else {
        Err(format!(
            "tidy found {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        ))
    }
}

/// The names of the crates in `cargo tree` of `args`, one per line.
fn tree(root: &Path, args: &[&str]) -> Result<Vec<String>, String> {
    let lines = tree_lines(
        root,
        &[&["--edges", "normal", "--format", "{p}"], args].concat(),
    )?;
    Ok(lines
        .iter()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect())
}

/// The lines of `cargo tree --prefix none` with `args`.
fn tree_lines(root: &Path, args: &[&str]) -> Result<Vec<String>, String> {
    let output = Command::new(cargo())
        .args(["tree", "--prefix", "none"])
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect())
}

/// Each crate of a `cargo tree` and the features it is built with (`--format '{p}|{f}'`).
fn features(root: &Path, args: &[&str]) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut crates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in tree_lines(root, &[&["--format", "{p}|{f}"], args].concat())? {
        let Some((package, features)) = line.trim_end_matches(" (*)").split_once('|') else {
            continue;
        };
        crates.entry(package.to_string()).or_default().extend(
            features
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string),
        );
    }
    Ok(crates)
}

fn xtask_shares_the_tests_features(root: &Path) -> Result<Vec<String>, String> {
    let own = features(root, &["--package", "xtask", "--edges", "normal,build"])?;
    let tests = features(root, &["--workspace", "--edges", "normal,build,dev"])?;
    Ok(own
        .iter()
        .filter_map(|(package, features)| {
            let wanted = tests.get(package)?;
            let missing: Vec<&str> = wanted.difference(features).map(String::as_str).collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "{package}: `cargo test --workspace` builds it with {} that xtask's own build \
                     lacks, so `cargo xtask` would rebuild it and all that depends on it; add \
                     them to the feature pins in xtask/Cargo.toml",
                    missing.join(", ")
                )
            })
        })
        .collect())
}

fn asl_is_pure(root: &Path) -> Result<Vec<String>, String> {
    let crates = tree(root, &["--package", "asl"])?;
    Ok(crates
        .iter()
        .filter(|name| IO_CRATES.contains(&name.as_str()) || name.starts_with("aws-sdk-"))
        .map(|name| format!("asl depends on {name}: asl must stay free of I/O crates"))
        .collect())
}

fn deployer_builds_without_the_emulator(root: &Path) -> Result<Vec<String>, String> {
    let crates = tree(root, &["--package", "deployer", "--no-default-features"])?;
    Ok(crates
        .iter()
        .filter(|name| *name == "emulator")
        .map(|_| {
            "deployer --no-default-features still depends on emulator: only the `local` \
             feature may bring it in"
                .to_string()
        })
        .collect())
}

/// Every `.rs` file below `dir` of `root`, named from the root, with its text.
fn sources(root: &Path, dir: &str) -> Result<Vec<(String, String)>, String> {
    let mut found = Vec::new();
    let mut pending = vec![root.join(dir)];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                found.push((path, text));
            }
        }
    }
    let mut named: Vec<(String, String)> = found
        .into_iter()
        .map(|(path, text)| {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            (name, text)
        })
        .collect();
    named.sort();
    Ok(named)
}

fn only_local_names_the_emulator(root: &Path) -> Result<Vec<String>, String> {
    Ok(sources(root, "deployer/src")?
        .into_iter()
        .filter(|(path, text)| path != "deployer/src/cmd/local.rs" && text.contains("emulator::"))
        .map(|(path, _)| format!("{path} names the emulator: only cmd/local.rs may"))
        .collect())
}

fn ui_never_imports_commands(root: &Path) -> Result<Vec<String>, String> {
    Ok(sources(root, "deployer/src/ui")?
        .into_iter()
        .filter(|(_, text)| text.contains("crate::cmd"))
        .map(|(path, _)| format!("{path} imports crate::cmd: ui must not depend on commands"))
        .collect())
}

/// `1.85` as (1, 85, 0), `1.94.1` as (1, 94, 1).
fn rust_version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    let patch = parts.next().transpose().ok()?.unwrap_or(0);
    Some((major, minor, patch))
}

fn dependencies_fit_the_msrv(root: &Path) -> Result<Vec<String>, String> {
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let ours = packages
        .iter()
        .filter(|p| members.contains(&p["id"].as_str().unwrap_or_default()))
        .filter_map(|p| p["rust_version"].as_str().and_then(rust_version))
        .min()
        .ok_or("the workspace declares no rust-version")?;
    Ok(packages
        .iter()
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (rust_version(needs)? > ours).then(|| {
                format!(
                    "{} {} needs Rust {needs}, newer than the workspace's rust-version {}.{}.{}",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?"),
                    ours.0,
                    ours.1,
                    ours.2
                )
            })
        })
        .collect())
}
