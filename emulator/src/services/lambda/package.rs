//! Deployment packages: checking a .zip as CreateFunction does, and unzipping it for a sandbox
//! with the executable bits kept.

use std::io::{Cursor, Read};
use std::path::Path;

use crate::error::{AwsError, AwsResult};

/// The most a package may hold once unzipped (AWS's 250 MB quota).
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;

/// The executable a `provided` runtime starts.
pub const BOOTSTRAP: &str = "bootstrap";

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterValueException", message)
}

fn open(zip: &[u8]) -> AwsResult<zip::ZipArchive<Cursor<&[u8]>>> {
    zip::ZipArchive::new(Cursor::new(zip)).map_err(|_| {
        invalid("Could not unzip uploaded file. Please check your file, then try to upload again.")
    })
}

/// The size once unzipped and the permission bits of `bootstrap` (outer `None`: no bootstrap).
fn survey(zip: &[u8]) -> AwsResult<(u64, Option<Option<u32>>)> {
    let mut archive = open(zip)?;
    let mut total = 0u64;
    let mut bootstrap_mode = None;
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i).map_err(|_| {
            invalid(
                "Could not unzip uploaded file. Please check your file, then try to upload again.",
            )
        })?;
        total = total.saturating_add(file.size());
        if file.name() == BOOTSTRAP {
            bootstrap_mode = Some(file.unix_mode());
        }
    }
    Ok((total, bootstrap_mode))
}

/// Checks a package: a readable zip, within the unzipped quota.
pub fn check(zip: &[u8]) -> AwsResult<()> {
    let (total, _) = survey(zip)?;
    if total > MAX_UNZIPPED_BYTES {
        return Err(invalid(format!(
            "Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Checks what the `provided` runtimes start: an executable `bootstrap` at the package's root.
pub fn check_bootstrap(zip: &[u8]) -> AwsResult<()> {
    match survey(zip)?.1 {
        None => Err(invalid(
            "The deployment package has no 'bootstrap' file at its root: the provided.al2023 and provided.al2 runtimes start an executable named 'bootstrap'",
        )),
        Some(Some(mode)) if mode & 0o111 == 0 => Err(invalid(
            "The deployment package's 'bootstrap' file is not executable: zip it with its executable bit set (chmod +x bootstrap)",
        )),
        Some(_) => Ok(()),
    }
}

/// Unzips a package into `dir`, keeping each file's permission bits (`bootstrap` is made
/// executable when the zip records no permissions, as zips made on Windows do).
pub fn extract(zip: &[u8], dir: &Path) -> std::io::Result<()> {
    let mut archive = open(zip).map_err(|e| std::io::Error::other(e.message))?;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(std::io::Error::other)?;
        let Some(relative) = file.enclosed_name() else {
            continue; // a name escaping the directory: skipped, as unzip does
        };
        let path = dir.join(&relative);
        if file.is_dir() {
            std::fs::create_dir_all(&path)?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut bytes = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        std::fs::write(&path, bytes)?;
        let mode = match file.unix_mode() {
            Some(mode) => mode & 0o7777,
            None if relative == Path::new(BOOTSTRAP) => 0o755,
            None => 0o644,
        };
        set_mode(&path, mode)?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes, mode) in files {
            let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_package_needs_an_executable_bootstrap() {
        assert!(check_bootstrap(&zip_of(&[("bootstrap", b"#!/bin/sh\n", 0o755)])).is_ok());
        assert!(check(&zip_of(&[("main", b"x", 0o755)])).is_ok());
        let err = check_bootstrap(&zip_of(&[("main", b"x", 0o755)])).unwrap_err();
        assert!(err.message.contains("no 'bootstrap'"), "{err}");
        let err = check_bootstrap(&zip_of(&[("bootstrap", b"x", 0o644)])).unwrap_err();
        assert!(err.message.contains("not executable"), "{err}");
        let err = check(b"not a zip").unwrap_err();
        assert_eq!(err.code, "InvalidParameterValueException");
    }

    #[test]
    fn extraction_keeps_the_executable_bit() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(&[
            ("bootstrap", b"#!/bin/sh\n", 0o755),
            ("lib/data.txt", b"d", 0o644),
        ]);
        extract(&zip, dir.path()).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("lib/data.txt")).unwrap(),
            b"d"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("bootstrap"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o755);
        }
    }
}
