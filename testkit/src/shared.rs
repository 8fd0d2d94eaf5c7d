//! The data recorded on real AWS that lives beside the workspace, in `../shared` (fixtures,
//! conformance cases, the official JSONata suite). It is never copied into the project.
//!
//! `SFN_SHARED_DIR` names another place. Where the folder is absent (a user's clone), a test
//! that needs it says plainly that it skipped and why; under CI (`CI` set), which always has it,
//! its absence fails the test instead of hiding it.

use std::path::{Path, PathBuf};

/// The folder that holds the shared data: `$SFN_SHARED_DIR`, else `../shared` beside the
/// workspace root.
pub fn dir() -> PathBuf {
    match std::env::var_os("SFN_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The path of `relative` inside the shared folder, if it is there. When it is not: under CI
/// this panics (CI always has the shared data); elsewhere it prints that `what` was skipped and
/// why, and returns `None`.
pub fn path(relative: &str, what: &str) -> Option<PathBuf> {
    let path = dir().join(relative);
    if path.exists() {
        return Some(path);
    }
    let why = format!(
        "{} not found (the shared data recorded on AWS is not beside this clone; set \
         SFN_SHARED_DIR to its folder)",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{what}: {why}");
    }
    eprintln!("skipped {what}: {why}");
    None
}

/// The text of the shared file `relative`, or `None` (with the message of [`path`]).
pub fn read(relative: &str, what: &str) -> Option<String> {
    let path = path(relative, what)?;
    Some(
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
    )
}
