//! Lambda deployment packages (zip files) built in memory.

use std::io::Write as _;

/// One file of a package: its name, its mode and its content.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The file's name inside the zip.
    pub name: &'a str,
    /// Unix permissions (0o755 for an executable).
    pub mode: u32,
    /// The file's bytes.
    pub content: &'a [u8],
}

/// A zip holding `entries`, stored uncompressed (deflating a debug binary in a debug build takes
/// seconds; AWS accepts stored entries too).
pub fn zip(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(entry.mode);
        writer.start_file(entry.name, options).expect("a zip entry");
        writer
            .write_all(entry.content)
            .expect("a zip entry's bytes");
    }
    writer.finish().expect("a finished zip").into_inner()
}

/// A `provided.al2023` package whose executable `bootstrap` holds `content` (a script or a
/// binary).
pub fn bootstrap(content: &[u8]) -> Vec<u8> {
    zip(&[Entry {
        name: "bootstrap",
        mode: 0o755,
        content,
    }])
}

/// A package whose `bootstrap` is the built binary at `path`.
pub fn bootstrap_of_binary(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("the binary {path} is built: {e}"));
    bootstrap(&bytes)
}
