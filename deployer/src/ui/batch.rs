//! A batch resume as people see it: progress while planning and resuming (an indicatif bar on
//! a terminal, plain lines otherwise), the plans grouped by failed state and error, and the
//! final table of what happened to each execution.

use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::console::{Console, Paint};
use super::stack::table;

/// Executions sharing a failed state and an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The state that failed (`?` when it could not be planned).
    pub failed_state: String,
    /// The execution's error (`(none)` when it has none).
    pub error: String,
    /// How many executions.
    pub executions: usize,
    /// How many of them are redriven.
    pub redrive: usize,
    /// How many of them are resumed by a copy.
    pub copy: usize,
}

/// How many executions ended each way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Resumed by this run.
    pub resumed: usize,
    /// Refused (bad input for them; nothing changed).
    pub refused: usize,
    /// Resumed before.
    pub already_resumed: usize,
    /// Could not be read, or their resume could not be started.
    pub failed_to_start: usize,
    /// Planned, not started (no `--start`, or `--dry-run`).
    pub planned: usize,
    /// Beyond `--max`.
    pub left: usize,
    /// Not started because of Ctrl-C.
    pub interrupted: usize,
}

/// One execution's line in the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The execution's name.
    pub name: String,
    /// What happened (`resumed`, `refused`, …).
    pub outcome: &'static str,
    /// The resumed execution, the reason, or the strategy planned.
    pub detail: String,
}

/// The groups, the counts, then every execution that was not simply resumed (or every one,
/// when nothing was started).
pub fn render(groups: &[Group], counts: &Counts, rows: &[Row], started: bool) -> String {
    let mut out = String::new();
    let _ = write_report(&mut out, groups, counts, rows, started);
    out
}

fn write_report(
    out: &mut String,
    groups: &[Group],
    counts: &Counts,
    rows: &[Row],
    started: bool,
) -> std::fmt::Result {
    let group_rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            vec![
                g.executions.to_string(),
                g.redrive.to_string(),
                g.copy.to_string(),
                g.failed_state.clone(),
                g.error.clone(),
            ]
        })
        .collect();
    writeln!(out, "By failed state and error:")?;
    out.push_str(&table(
        &["EXECUTIONS", "REDRIVE", "COPY", "FAILED STATE", "ERROR"],
        &group_rows,
    ));
    writeln!(out)?;
    let mut totals = vec![
        ("resumed", counts.resumed),
        ("refused", counts.refused),
        ("already resumed", counts.already_resumed),
        ("failed to start", counts.failed_to_start),
    ];
    for (label, n) in [
        ("planned, not started", counts.planned),
        ("left (--max)", counts.left),
        ("interrupted", counts.interrupted),
    ] {
        if n > 0 {
            totals.push((label, n));
        }
    }
    let total_rows: Vec<Vec<String>> = totals
        .iter()
        .map(|(label, n)| vec![label.to_string(), n.to_string()])
        .collect();
    out.push_str(&table(&["OUTCOME", "EXECUTIONS"], &total_rows));
    let shown: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| !started || r.outcome != "resumed")
        .map(|r| vec![r.name.clone(), r.outcome.to_string(), r.detail.clone()])
        .collect();
    if !shown.is_empty() {
        writeln!(out)?;
        out.push_str(&table(&["EXECUTION", "OUTCOME", "DETAIL"], &shown));
    }
    Ok(())
}

/// Progress of one phase (planning, resuming) over `total` executions: a bar on a terminal,
/// otherwise one plain line per execution (resuming) or per execution with `-v` (planning).
pub struct Progress {
    bar: Option<ProgressBar>,
    console: Console,
    phase: &'static str,
    total: usize,
    done: AtomicUsize,
}

impl Progress {
    /// Starts showing the phase.
    pub fn new(console: &Console, phase: &'static str, total: usize) -> Progress {
        let bar = (console.terminal && !console.quiet && total > 0).then(|| {
            let bar = ProgressBar::new(total as u64);
            let template = "{prefix} [{bar:30}] {pos}/{len} {wide_msg}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(phase);
            bar
        });
        Progress {
            bar,
            console: *console,
            phase,
            total,
            done: AtomicUsize::new(0),
        }
    }

    /// One more execution done, with a line that is always shown without a terminal.
    pub fn tick(&self, line: &str) {
        self.step(line, true);
    }

    /// One more execution done, with a line shown without a terminal only with `-v`.
    pub fn tick_quietly(&self, line: &str) {
        self.step(line, false);
    }

    fn step(&self, line: &str, loud: bool) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(line.to_string());
            }
            None => {
                let text = format!("{} {n}/{}: {line}", self.phase, self.total);
                if loud {
                    self.console.note(text);
                } else {
                    self.console.detail(text);
                }
            }
        }
    }

    /// The phase is over.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        let n = self.done.load(Ordering::Relaxed);
        if self.total > 0 {
            self.console.note(format!(
                "{} {}: {n} of {} done",
                self.console.paint("✓", Paint::Green),
                self.phase,
                self.total
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_counts_each_outcome_and_lists_what_was_not_resumed() {
        let groups = vec![Group {
            failed_state: "Charge".into(),
            error: "States.Timeout".into(),
            executions: 3,
            redrive: 1,
            copy: 2,
        }];
        let counts = Counts {
            resumed: 1,
            refused: 1,
            already_resumed: 1,
            ..Counts::default()
        };
        let rows = vec![
            Row {
                name: "a".into(),
                outcome: "resumed",
                detail: "arn:…:a-resume-1".into(),
            },
            Row {
                name: "b".into(),
                outcome: "refused",
                detail: "the history is incomplete".into(),
            },
            Row {
                name: "c".into(),
                outcome: "already resumed",
                detail: "c-resume-1 SUCCEEDED".into(),
            },
        ];
        let text = render(&groups, &counts, &rows, true);
        assert!(text.contains("Charge"), "{text}");
        assert!(text.contains("already resumed  1"), "{text}");
        assert!(text.contains("failed to start  0"), "{text}");
        assert!(text.contains("the history is incomplete"), "{text}");
        assert!(
            !text.contains("a-resume-1"),
            "resumed ones are only counted: {text}"
        );
        assert!(!text.contains("left (--max)"), "{text}");
    }
}
