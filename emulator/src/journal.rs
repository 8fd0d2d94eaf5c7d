//! Persistence for `--state-dir`: an append-only journal of every acknowledged change, one JSON
//! line each (`{"v": 1, "s": "<service>", "c": <change>}`), replayed on start.
//!
//! `v` is the line's format version ([`FORMAT_VERSION`]). Lines written before there was one
//! have none and read as version 0, whose changes have the same shape as version 1's; a line
//! from a newer emulator is refused rather than misread.
//!
//! Each line is written with one `write` call before the operation replies, so a change the
//! client saw acknowledged survives `kill -9` (the kernel holds the written bytes). A last line
//! cut short by a crash mid-write was never acknowledged and is ignored on replay.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::AwsError;

/// The journal's file name inside the state directory.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// The format version of the lines this emulator writes.
pub const FORMAT_VERSION: u32 = 1;

/// One journal line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// The line's format version: 0 for lines written before versions were recorded.
    #[serde(rename = "v", default)]
    pub version: u32,
    /// The service that made the change (`dynamodb`, `states`, …).
    #[serde(rename = "s")]
    pub service: String,
    /// The change, in the service's own serialized form.
    #[serde(rename = "c")]
    pub change: Value,
}

/// The open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

/// Why the journal could not be opened or read.
#[derive(Debug, thiserror::Error)]
#[error("state directory {path}: {message}")]
pub struct JournalError {
    /// The file or directory.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

impl Journal {
    /// Opens (creating if needed) the journal in `dir` and returns it with the records already
    /// in it, oldest first.
    pub fn open(dir: &Path) -> Result<(Journal, Vec<Record>), JournalError> {
        let fail = |path: &Path, e: &dyn std::fmt::Display| JournalError {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| fail(dir, &e))?;
        let path = dir.join(JOURNAL_FILE);
        let records = match File::open(&path) {
            Ok(file) => read_records(BufReader::new(file)).map_err(|e| fail(&path, &e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(fail(&path, &e)),
        };
        // A last line cut short by a crash was never acknowledged: cut it off so the next
        // record starts on a line of its own.
        if let Some(complete) = complete_length(&path).map_err(|e| fail(&path, &e))? {
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| fail(&path, &e))?;
            file.set_len(complete).map_err(|e| fail(&path, &e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| fail(&path, &e))?;
        Ok((
            Journal {
                path,
                file: Mutex::new(file),
            },
            records,
        ))
    }

    /// Appends one change. Returns once the line is written.
    pub fn append(&self, service: &str, change: &impl Serialize) -> Result<(), AwsError> {
        let record = Record {
            version: FORMAT_VERSION,
            service: service.to_string(),
            change: serde_json::to_value(change)
                .map_err(|e| AwsError::internal(format!("cannot record the change: {e}")))?,
        };
        let mut line = serde_json::to_vec(&record)
            .map_err(|e| AwsError::internal(format!("cannot record the change: {e}")))?;
        line.push(b'\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(&line).map_err(|e| {
            AwsError::internal(format!(
                "cannot write the state journal {}: {e}",
                self.path.display()
            ))
        })
    }
}

/// The length up to the end of the last complete line, when the file has a torn last line.
fn complete_length(path: &Path) -> std::io::Result<Option<u64>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(None);
    }
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    Ok(Some(complete as u64))
}

/// Reads every complete record; a final line that does not parse (cut short) is dropped, a bad
/// line elsewhere is an error (the journal was damaged, and replaying past it would be wrong).
fn read_records(reader: impl BufRead) -> Result<Vec<Record>, String> {
    let lines: Vec<String> = reader
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut records = Vec::with_capacity(lines.len());
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) if record.version > FORMAT_VERSION => {
                return Err(format!(
                    "line {} has format version {}; this emulator reads up to {FORMAT_VERSION}",
                    i + 1,
                    record.version
                ))
            }
            Ok(record) => records.push(record),
            Err(_) if i == last => {}
            Err(e) => return Err(format!("line {} is damaged: {e}", i + 1)),
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_reopening_and_a_torn_last_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (journal, old) = Journal::open(dir.path()).unwrap();
            assert!(old.is_empty());
            journal
                .append("dynamodb", &serde_json::json!({"Put": 1}))
                .unwrap();
            journal
                .append("states", &serde_json::json!({"Event": 2}))
                .unwrap();
        }
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"s\":\"dyn").unwrap();
        drop(f);
        let (journal, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].service, "states");
        assert_eq!(records[1].change["Event"], 2);
        journal.append("s3", &serde_json::json!(3)).unwrap();
        let (_, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[2].service, "s3");
    }

    #[test]
    fn lines_carry_a_version_and_older_lines_without_one_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        std::fs::write(&path, "{\"s\":\"logs\",\"c\":1}\n").unwrap();
        let (journal, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(records[0].version, 0);
        journal.append("logs", &2).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.lines().nth(1).unwrap().starts_with("{\"v\":1,"),
            "{text}"
        );
        let (_, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(records[1].version, FORMAT_VERSION);
    }

    #[test]
    fn damage_before_the_end_and_lines_of_a_newer_format_are_reported() {
        let cases = [
            ("garbage\n{\"s\":\"x\",\"c\":1}\n", "line 1"),
            (
                "{\"v\":99,\"s\":\"x\",\"c\":1}\n{\"s\":\"x\",\"c\":1}\n",
                "format version 99",
            ),
        ];
        for (text, expected) in cases {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(JOURNAL_FILE), text).unwrap();
            let err = Journal::open(dir.path()).unwrap_err();
            assert!(err.message.contains(expected), "{err}");
        }
    }
}
