//! `cargo xtask lambdas [--dev]`: the demo crate's functions packaged for the `provided.al2023`
//! runtime, one `<name>.zip` per binary, each holding a single executable `bootstrap`: built in
//! release mode into `target/lambda` (what goes to AWS), or with `--dev` in the dev profile into
//! `target/lambda-dev` (what the offline demo runs: seconds to build beside the workspace's own
//! build, where a cold release build takes minutes).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::workspace::{cargo, run};

/// The demo crate's binaries, one Lambda function each.
pub const FUNCTIONS: [&str; 3] = ["first", "second", "start_job"];

/// How the functions are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `--release`, into `target/lambda`: small and fast, for AWS.
    Release,
    /// The dev profile, into `target/lambda-dev`: about four times bigger, for the emulator.
    Dev,
}

impl Profile {
    /// The folder below `target/` that cargo writes the binaries to.
    fn binaries(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Dev => "debug",
        }
    }

    /// The folder below `target/` that the packages go to.
    pub fn packages(self) -> &'static str {
        match self {
            Profile::Release => "lambda",
            Profile::Dev => "lambda-dev",
        }
    }

    /// The command that builds them.
    pub fn command(self) -> &'static str {
        match self {
            Profile::Release => "cargo xtask lambdas",
            Profile::Dev => "cargo xtask lambdas --dev",
        }
    }
}

/// A written package.
#[derive(Debug, Clone)]
pub struct Package {
    /// The function's name (the binary's).
    pub name: String,
    /// Where the zip is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

/// Builds the demo's binaries and packages each into
/// `<target>/<profile's packages folder>/<name>.zip`. The dev build selects xtask too
/// (`cargo build -p xtask -p demo --bins`): xtask depends on the demo crate, so the two resolve
/// the same features as the `cargo xtask` that runs this, and its dependencies are reused.
pub fn build(root: &Path, target: &Path, profile: Profile) -> Result<Vec<Package>, String> {
    let mut command = Command::new(cargo());
    command.arg("build");
    match profile {
        Profile::Release => command.args(["--release", "-p", "demo", "--bins"]),
        Profile::Dev => command.args(["-p", "xtask", "-p", "demo", "--bins"]),
    };
    run(command.current_dir(root))?;
    package_all(
        &target.join(profile.binaries()),
        &target.join(profile.packages()),
    )
}

/// Packages the demo's binaries found in `binaries` into `out/<name>.zip`.
pub fn package_all(binaries: &Path, out: &Path) -> Result<Vec<Package>, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    FUNCTIONS
        .iter()
        .map(|name| {
            let binary = binaries.join(name);
            let path = out.join(format!("{name}.zip"));
            let size = package(&binary, &path)?;
            Ok(Package {
                name: name.to_string(),
                path,
                size,
            })
        })
        .collect()
}

/// Writes `binary` as the executable `bootstrap` of the zip at `path`; returns the zip's size.
/// The entry's timestamp is fixed, so the same binary always makes the same zip (the deployer
/// keys uploads by content: an unchanged function is not redeployed).
pub fn package(binary: &Path, path: &Path) -> Result<u64, String> {
    let bytes =
        std::fs::read(binary).map_err(|e| format!("cannot read {}: {e}", binary.display()))?;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    let zipped = writer
        .start_file("bootstrap", options)
        .and_then(|()| writer.write_all(&bytes).map_err(Into::into))
        .and_then(|()| writer.finish())
        .map_err(|e| format!("cannot package {}: {e}", binary.display()))?
        .into_inner();
    std::fs::write(path, &zipped).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(zipped.len() as u64)
}

/// `1234567` as `1.2 MB`.
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_package_holds_one_executable_bootstrap_and_is_reproducible() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("first");
        std::fs::write(&binary, b"\x7fELF not really").unwrap();
        let a = dir.path().join("a.zip");
        let b = dir.path().join("b.zip");
        let size = package(&binary, &a).unwrap();
        package(&binary, &b).unwrap();
        let bytes = std::fs::read(&a).unwrap();
        assert_eq!(bytes.len() as u64, size);
        assert_eq!(bytes, std::fs::read(&b).unwrap(), "same binary, same zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), "bootstrap");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, b"\x7fELF not really");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(2_500), "2.5 kB");
        assert_eq!(human_size(3_400_000), "3.4 MB");
    }
}
