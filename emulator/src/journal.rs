//! Persistence for `--state-dir`: an append-only journal of every acknowledged change, one JSON
//! line each (`{"v": 1, "s": "<service>", "c": <change>}`), replayed on start.
//!
//! `v` is the line's format version ([`FORMAT_VERSION`]). Lines written before there was one
//! have none and read as version 0, whose changes have the same shape as version 1's; a line
//! from a newer emulator is refused rather than misread.
//!
//! Each line is written with one `write` call before the operation replies, so a change the
//! client saw acknowledged survives `kill -9` (the kernel holds the written bytes). A last line
//! cut short by a crash mid-write was never acknowledged and is cut off, with a warning, on
//! start. A write that fails (a full disk) is not acknowledged: the request gets an error and
//! the file is cut back to its length before the write, so the log reads as it did. A line
//! damaged before the end refuses the start; [`repair`] keeps what comes before it.
//!
//! [`Journal::compact`] rewrites the log as a snapshot (the changes that rebuild the current
//! state, so overwritten items, replaced uploads and deleted resources drop out): written to a
//! file beside it and synced, then renamed over it, so a crash at any point leaves either the
//! old log or the new one whole.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::AwsError;

/// The journal's file name inside the state directory.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// The file a compaction writes before it replaces the journal.
const COMPACTING_FILE: &str = "journal.jsonl.compacting";

/// Beside the journal: the size in bytes of the last snapshot a compaction wrote (or of the
/// journal, when its snapshot was no smaller), so that a start compacts again only once the
/// journal has grown well past it.
const SNAPSHOT_SIZE_FILE: &str = "journal.jsonl.snapshot-size";

/// How many times the size of the last snapshot the journal must reach before a start
/// compacts it again: below that, rewriting it would cost more start time than it saves.
const REGROWTH: u64 = 2;

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

impl Record {
    /// A line of the current format version.
    pub fn new(service: &str, change: Value) -> Record {
        Record {
            version: FORMAT_VERSION,
            service: service.to_string(),
            change,
        }
    }
}

/// The open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<Appender>,
}

/// The journal file and whether it can still be appended to.
#[derive(Debug)]
struct Appender {
    file: File,
    /// Set when a failed write could not be cut back: a later line would follow a partial
    /// one, so nothing more is written until a restart cuts the torn line off.
    broken: bool,
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
        // A compaction cut off by a crash: the journal it would have replaced is still whole.
        let compacting = dir.join(COMPACTING_FILE);
        if compacting.exists() {
            std::fs::remove_file(&compacting).map_err(|e| fail(&compacting, &e))?;
        }
        let path = dir.join(JOURNAL_FILE);
        let records = match File::open(&path) {
            Ok(file) => read_records(BufReader::new(file)).map_err(|e| fail(&path, &e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(fail(&path, &e)),
        };
        // A last line cut short by a crash was never acknowledged: cut it off so the next
        // record starts on a line of its own.
        if let Some(complete) = complete_length(&path).map_err(|e| fail(&path, &e))? {
            eprintln!(
                "emulator: warning: {}: the last line was cut short (a write that never \
                 completed, so never acknowledged); it is cut off at byte {complete}",
                path.display()
            );
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
                file: Mutex::new(Appender {
                    file,
                    broken: false,
                }),
            },
            records,
        ))
    }

    /// Appends one change. Returns once the line is written.
    pub fn append(&self, service: &str, change: &impl Serialize) -> Result<(), AwsError> {
        let change = serde_json::to_value(change)
            .map_err(|e| AwsError::internal(format!("cannot record the change: {e}")))?;
        let record = Record::new(service, change);
        let mut line = serde_json::to_vec(&record)
            .map_err(|e| AwsError::internal(format!("cannot record the change: {e}")))?;
        line.push(b'\n');
        let mut appender = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        appender
            .append(&line, |file, line| file.write_all(line))
            .map_err(|e| {
                AwsError::internal(format!(
                    "cannot write the state journal {}: {e}",
                    self.path.display()
                ))
            })
    }
}

/// What [`Journal::compact`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compacted {
    /// The records and bytes of the journal before.
    pub before: (usize, u64),
    /// The records and bytes of the snapshot that replaced it.
    pub after: (usize, u64),
}

/// Where a compaction's snapshot is written, record by record.
pub struct SnapshotWriter {
    out: std::io::BufWriter<File>,
    records: usize,
}

impl SnapshotWriter {
    /// Writes one change of `service`, as [`Journal::append`] would journal it.
    pub fn record(&mut self, service: &str, change: Value) -> Result<(), String> {
        let record = Record::new(service, change);
        serde_json::to_writer(&mut self.out, &record).map_err(|e| e.to_string())?;
        self.out.write_all(b"\n").map_err(|e| e.to_string())?;
        self.records += 1;
        Ok(())
    }
}

impl Journal {
    /// Rewrites the journal, which holds `records` records, as the snapshot `write` produces,
    /// when that is smaller; `None` when it is not, or when the journal has not yet grown to
    /// [`REGROWTH`] times the last snapshot (the journal stays as it was, and `write` is not
    /// called). Call it only while nothing else appends (on start, before serving). On an
    /// error the journal is left as it was.
    pub fn compact(
        &self,
        records: usize,
        write: impl FnOnce(&mut SnapshotWriter) -> Result<(), String>,
    ) -> Result<Option<Compacted>, JournalError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let temp = dir.join(COMPACTING_FILE);
        let fail = |e: &dyn std::fmt::Display| JournalError {
            path: temp.display().to_string(),
            message: format!("compaction: {e}"),
        };
        let outcome = (|| {
            let mut appender = self
                .file
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let bytes_before = appender.file.metadata().map_err(|e| fail(&e))?.len();
            let noted = dir.join(SNAPSHOT_SIZE_FILE);
            let last_snapshot = std::fs::read_to_string(&noted)
                .ok()
                .and_then(|text| text.trim().parse::<u64>().ok());
            if last_snapshot.is_some_and(|size| bytes_before < size.saturating_mul(REGROWTH)) {
                return Ok(None);
            }
            // Only an optimisation: a size that cannot be noted means the next start tries
            // again.
            let note = |size: u64| {
                let _ = std::fs::write(&noted, size.to_string());
            };
            let file = File::create(&temp).map_err(|e| fail(&e))?;
            let mut writer = SnapshotWriter {
                out: std::io::BufWriter::new(file),
                records: 0,
            };
            write(&mut writer).map_err(|e| fail(&e))?;
            let file = writer.out.into_inner().map_err(|e| fail(&e.error()))?;
            file.sync_all().map_err(|e| fail(&e))?;
            let bytes_after = file.metadata().map_err(|e| fail(&e))?.len();
            if bytes_after >= bytes_before {
                std::fs::remove_file(&temp).map_err(|e| fail(&e))?;
                note(bytes_before);
                return Ok(None);
            }
            std::fs::rename(&temp, &self.path).map_err(|e| fail(&e))?;
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| fail(&e))?;
            appender.file = OpenOptions::new()
                .append(true)
                .open(&self.path)
                .map_err(|e| fail(&e))?;
            note(bytes_after);
            Ok(Some(Compacted {
                before: (records, bytes_before),
                after: (writer.records, bytes_after),
            }))
        })();
        if outcome.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        outcome
    }
}

impl Appender {
    /// Writes one line with `write`; when that fails, cuts the file back to its length before
    /// (a partial line would damage every line after it) and reports the failure.
    fn append(
        &mut self,
        line: &[u8],
        write: impl FnOnce(&mut File, &[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if self.broken {
            return Err(std::io::Error::other(
                "an earlier write failed and could not be undone; restart to recover",
            ));
        }
        let before = self.file.metadata()?.len();
        let Err(e) = write(&mut self.file, line) else {
            return Ok(());
        };
        if self.file.set_len(before).is_err() {
            self.broken = true;
        }
        Err(e)
    }
}

/// What [`repair`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// The first damaged line (1-based); it and every line after it were set aside.
    pub line: usize,
    /// The records kept.
    pub kept: usize,
    /// Where the journal as it was is kept.
    pub backup: PathBuf,
}

/// Repairs the journal in `dir` whose line is damaged: keeps the records before the first
/// damaged line, and moves the original file aside (`journal.jsonl.damaged`). `None` when
/// nothing needed repairing.
pub fn repair(dir: &Path) -> Result<Option<Repaired>, JournalError> {
    let path = dir.join(JOURNAL_FILE);
    let fail = |e: &dyn std::fmt::Display| JournalError {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fail(&e)),
    };
    let mut kept = 0;
    let mut good_bytes = 0;
    let mut damaged = None;
    for (i, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        let complete = line.ends_with(b"\n");
        let readable = std::str::from_utf8(line).ok().is_some_and(|l| {
            l.trim().is_empty()
                || serde_json::from_str::<Record>(l).is_ok_and(|r| r.version <= FORMAT_VERSION)
        });
        if !(complete && readable) {
            damaged = Some(i + 1);
            break;
        }
        kept += usize::from(!line.trim_ascii().is_empty());
        good_bytes += line.len();
    }
    let Some(line) = damaged else {
        return Ok(None);
    };
    let backup = dir.join(format!("{JOURNAL_FILE}.damaged"));
    std::fs::write(&backup, &text).map_err(|e| fail(&e))?;
    std::fs::write(&path, &text[..good_bytes]).map_err(|e| fail(&e))?;
    Ok(Some(Repaired { line, kept, backup }))
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
            Err(e) => {
                return Err(format!(
                    "line {} is damaged: {e} (repair keeps the {} records before it)",
                    i + 1,
                    records.len()
                ))
            }
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal of `n` overwrites of one key, as a compaction sees it.
    fn overwritten(dir: &Path, n: usize) -> Journal {
        let (journal, _) = Journal::open(dir).unwrap();
        for i in 0..n {
            journal
                .append("dynamodb", &serde_json::json!({"Put": {"k": i}}))
                .unwrap();
        }
        journal
    }

    #[test]
    fn compaction_replaces_the_journal_and_later_appends_follow_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let journal = overwritten(dir.path(), 10);
        let done = journal
            .compact(10, |out| {
                out.record("dynamodb", serde_json::json!({"Put": {"k": 9}}))
            })
            .unwrap()
            .expect("one record is smaller than ten");
        assert_eq!(done.before.0, 10);
        assert_eq!(done.after.0, 1);
        assert!(done.after.1 < done.before.1);
        journal.append("s3", &serde_json::json!(1)).unwrap();
        let (_, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].change["Put"]["k"], 9);
        assert_eq!(records[1].service, "s3");
        assert!(!dir.path().join(COMPACTING_FILE).exists());
    }

    #[test]
    fn a_start_compacts_again_only_once_the_journal_has_doubled_since_the_last_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let journal = overwritten(dir.path(), 10);
        let snapshot =
            |out: &mut SnapshotWriter| out.record("dynamodb", serde_json::json!({"Put": {"k": 9}}));
        let first = journal.compact(10, snapshot).unwrap().expect("compacted");
        assert_eq!(first.after.0, 1);
        let untouched = journal
            .compact(1, |_| {
                panic!("no snapshot is taken below twice the last one")
            })
            .unwrap();
        assert_eq!(untouched, None);
        journal
            .append("dynamodb", &serde_json::json!({"Put": {"k": 9}}))
            .unwrap();
        let again = journal
            .compact(2, snapshot)
            .unwrap()
            .expect("twice the snapshot: compacted again");
        assert_eq!(again.after.0, 1);
    }

    #[test]
    fn a_snapshot_no_smaller_than_the_journal_is_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let journal = overwritten(dir.path(), 1);
        let before = std::fs::read(dir.path().join(JOURNAL_FILE)).unwrap();
        let done = journal
            .compact(1, |out| {
                out.record("dynamodb", serde_json::json!({"Put": {"k": 0, "pad": 1}}))
            })
            .unwrap();
        assert_eq!(done, None);
        assert_eq!(
            std::fs::read(dir.path().join(JOURNAL_FILE)).unwrap(),
            before
        );
        assert!(!dir.path().join(COMPACTING_FILE).exists());
    }

    #[test]
    fn a_snapshot_that_fails_midway_leaves_the_journal_whole() {
        let dir = tempfile::tempdir().unwrap();
        let journal = overwritten(dir.path(), 5);
        let before = std::fs::read(dir.path().join(JOURNAL_FILE)).unwrap();
        let error = journal
            .compact(5, |out| {
                out.record("dynamodb", serde_json::json!({"Put": {"k": 4}}))?;
                Err("a service could not be read".to_string())
            })
            .unwrap_err();
        assert!(
            error.message.contains("a service could not be read"),
            "{error:?}"
        );
        assert_eq!(
            std::fs::read(dir.path().join(JOURNAL_FILE)).unwrap(),
            before
        );
        assert!(!dir.path().join(COMPACTING_FILE).exists());
        journal.append("s3", &serde_json::json!(1)).unwrap();
        let (_, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(records.len(), 6);
    }

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

    #[test]
    fn a_failed_write_is_reported_and_leaves_the_log_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, _) = Journal::open(dir.path()).unwrap();
        journal.append("s3", &1).unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        let before = std::fs::read(&path).unwrap();
        // A full disk: half the line reaches the file, then the write fails.
        let full_disk = |file: &mut File, line: &[u8]| {
            file.write_all(&line[..line.len() / 2])?;
            Err(std::io::Error::from_raw_os_error(28))
        };
        let mut appender = journal.file.lock().unwrap();
        let err = appender.append(b"{\"v\":1,\"s\":\"s3\",\"c\":2}\n", full_disk);
        assert_eq!(err.unwrap_err().raw_os_error(), Some(28));
        assert!(!appender.broken);
        drop(appender);
        assert_eq!(std::fs::read(&path).unwrap(), before);
        journal.append("s3", &3).unwrap();
        drop(journal);
        let (_, records) = Journal::open(dir.path()).unwrap();
        let changes: Vec<_> = records.iter().map(|r| r.change.clone()).collect();
        assert_eq!(changes, [serde_json::json!(1), serde_json::json!(3)]);
    }

    #[test]
    fn a_write_that_cannot_be_undone_stops_further_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, _) = Journal::open(dir.path()).unwrap();
        let mut appender = journal.file.lock().unwrap();
        appender.broken = true;
        drop(appender);
        let err = journal.append("s3", &1).unwrap_err();
        assert_eq!(err.code, "InternalFailure");
        assert!(err.message.contains("restart"), "{err}");
    }

    #[test]
    fn repair_keeps_the_records_before_the_damaged_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        let text = "{\"s\":\"x\",\"c\":1}\n{\"s\":\"x\",\"c\":2}\n{\"s\":\"x\",\0\0\n{\"s\":\"x\",\"c\":4}\n";
        std::fs::write(&path, text).unwrap();
        let err = Journal::open(dir.path()).unwrap_err();
        assert!(err.message.contains("line 3 is damaged"), "{err}");
        let repaired = repair(dir.path()).unwrap().unwrap();
        assert_eq!((repaired.line, repaired.kept), (3, 2));
        assert_eq!(std::fs::read_to_string(&repaired.backup).unwrap(), text);
        let (_, records) = Journal::open(dir.path()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(repair(dir.path()).unwrap(), None);
    }
}
