//! Stack operations as people see them: the plan table, the live progress of an operation
//! (an indicatif bar on a terminal, one plain line per event otherwise) and the outputs table.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::console::{Console, Paint};
use crate::aws::stack::{Event, Output, PlannedChange};

/// Lines of text in aligned columns, two spaces apart; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(visible_len(cell));
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i == last {
                line.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(visible_len(cell));
                let _ = write!(line, "{cell}{:pad$}  ", "");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The length of `text` on screen: characters outside colour escape sequences.
fn visible_len(text: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (false, _) => len += 1,
            (true, 'm') => in_escape = false,
            (true, _) => {}
        }
    }
    len
}

/// The plan: one line per resource, `+` add, `<` import (an existing resource adopted), `~`
/// modify, `-` remove, with the replacement CloudFormation announces for a modification.
pub fn plan_table(console: &Console, changes: &[PlannedChange]) -> String {
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| {
            let (sign, paint) = match c.action.as_str() {
                "Add" => ("+", Paint::Green),
                "Import" => ("<", Paint::Green),
                "Remove" => ("-", Paint::Red),
                _ => ("~", Paint::Yellow),
            };
            vec![
                console.paint(sign, paint),
                c.logical_id.clone(),
                c.resource_type.clone(),
                c.properties.join(", "),
                replacement(c),
            ]
        })
        .collect();
    table(
        &["", "RESOURCE", "TYPE", "PROPERTIES", "REPLACEMENT"],
        &rows,
    )
}

fn replacement(change: &PlannedChange) -> String {
    match (change.action.as_str(), change.replacement.as_deref()) {
        ("Modify", Some("True")) => "yes: replaced (new physical resource)".to_string(),
        ("Modify", Some("Conditional")) => "maybe (depends on the new values)".to_string(),
        ("Modify", Some(_)) => "no: updated in place".to_string(),
        _ => String::new(),
    }
}

/// The outputs: key and value, with the description under a long value's key.
pub fn outputs_table(outputs: &[Output]) -> String {
    let rows: Vec<Vec<String>> = outputs
        .iter()
        .map(|o| vec![o.key.clone(), o.value.clone()])
        .collect();
    table(&["OUTPUT", "VALUE"], &rows)
}

/// One event as a plain line: time, status, resource, type, reason.
pub fn event_line(console: &Console, event: &Event) -> String {
    let time = event.timestamp.get(11..19).unwrap_or(&event.timestamp);
    let mut line = format!(
        "{time}  {}  {:<24}  {}",
        console.paint(
            &format!("{:<28}", event.status),
            Paint::of_status(&event.status)
        ),
        event.logical_id,
        event.resource_type
    );
    if let Some(reason) = &event.reason {
        let _ = write!(line, "  {reason}");
    }
    line
}

/// Follows one operation's events: counts resources done out of `total`, and shows them as
/// the console allows.
pub struct Progress {
    console: Console,
    bars: Option<Bars>,
    done: HashSet<String>,
}

struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    in_progress: HashMap<String, ProgressBar>,
}

impl Progress {
    /// Starts following an operation on `total` resources, described by `title`.
    pub fn start(console: &Console, title: &str, total: usize) -> Progress {
        let bars = (console.terminal && !console.quiet).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(total as u64));
            overall.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} resources")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            overall.set_message(title.to_string());
            overall.enable_steady_tick(Duration::from_millis(120));
            Bars {
                multi,
                overall,
                in_progress: HashMap::new(),
            }
        });
        if bars.is_none() {
            console.note(format!("{title} ({total} resources)"));
        }
        Progress {
            console: *console,
            bars,
            done: HashSet::new(),
        }
    }

    /// Shows one new event.
    pub fn event(&mut self, event: &Event) {
        let line = event_line(&self.console, event);
        let finished_resource =
            !event.is_stack() && event.is_terminal() && self.done.insert(event.logical_id.clone());
        let Some(bars) = &mut self.bars else {
            self.console.note(line);
            return;
        };
        // The spinners show what is in progress; lines stay for what ended.
        if event.is_terminal() || event.is_stack() {
            let _ = bars.multi.println(&line);
        }
        if event.is_stack() {
            return;
        }
        if event.is_terminal() {
            if let Some(bar) = bars.in_progress.remove(&event.logical_id) {
                bar.finish_and_clear();
                bars.multi.remove(&bar);
            }
            if finished_resource {
                bars.overall.inc(1);
            }
        } else {
            let bar = bars
                .in_progress
                .entry(event.logical_id.clone())
                .or_insert_with(|| {
                    let bar = bars.multi.add(ProgressBar::new_spinner());
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                });
            bar.set_message(format!(
                "{}  {}",
                event.logical_id,
                event.status.to_ascii_lowercase().replace('_', " ")
            ));
        }
    }

    /// A note between events (above the bars on a terminal).
    pub fn note(&self, message: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(message);
            }
            None => self.console.note(message),
        }
    }

    /// Clears the bars.
    pub fn finish(self) {
        if let Some(bars) = self.bars {
            for bar in bars.in_progress.values() {
                bar.finish_and_clear();
            }
            bars.overall.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let text = table(
            &["A", "B"],
            &[
                vec!["long value".into(), "x".into()],
                vec!["s".into(), "y".into()],
            ],
        );
        assert_eq!(text, "A           B\nlong value  x\ns           y\n");
        let painted = table(&["", "B"], &[vec!["\x1b[32m+\x1b[0m".into(), "x".into()]]);
        assert_eq!(painted, "   B\n\x1b[32m+\x1b[0m  x\n");
    }

    #[test]
    fn a_replaced_resource_says_so() {
        let change = PlannedChange {
            action: "Modify".into(),
            logical_id: "Table".into(),
            resource_type: "AWS::DynamoDB::Table".into(),
            replacement: Some("True".into()),
            properties: vec!["KeySchema".into()],
        };
        assert!(replacement(&change).starts_with("yes"));
    }
}
