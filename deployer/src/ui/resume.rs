//! A live resume, as text for people: the copy made, how to start it, and how the resumed
//! execution went.

use std::fmt::Write;

use asl::resume::ResumePlan;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::console::{Console, Paint};
use super::plan::{indent, pretty, summary};
use crate::strategy::{Choice, RunsAgain};

/// What `deployer resume <ARN>` did, for the text report.
#[derive(Debug)]
pub struct Report<'a> {
    /// The plan.
    pub plan: &'a ResumePlan,
    /// The copy's ARN.
    pub machine_arn: &'a str,
    /// The version published for this resume.
    pub version_arn: &'a str,
    /// `created` or `updated`.
    pub action: &'a str,
    /// The AWS CLI command that starts it.
    pub start_command: &'a str,
    /// The deployer command that starts it.
    pub resume_command: &'a str,
}

/// The plan's summary, the copy, and the two ways to start it.
pub fn render(report: &Report<'_>) -> String {
    let mut out = summary(report.plan);
    let _ = write_copy(&mut out, report);
    out
}

fn write_copy(out: &mut String, report: &Report<'_>) -> std::fmt::Result {
    writeln!(out)?;
    writeln!(
        out,
        "State machine {}: {}",
        report.action, report.machine_arn
    )?;
    writeln!(out, "Version for this resume: {}", report.version_arn)?;
    writeln!(
        out,
        "The resumed execution is {} (the only name that resumes; started under any other \
         name the copy runs from its original start)",
        report.plan.execution_name
    )?;
    writeln!(out, "Start it with:")?;
    writeln!(out, "  {}", report.start_command)?;
    writeln!(out, "or:")?;
    writeln!(out, "  {}", report.resume_command)
}

/// The strategy chosen and why, then what runs again (or why the plan is missing).
pub fn strategy(
    choice: &Choice,
    runs_again: Option<&RunsAgain>,
    plan_problem: Option<&str>,
) -> String {
    let mut out = String::new();
    let _ = write_strategy(&mut out, choice, runs_again, plan_problem);
    out
}

fn write_strategy(
    out: &mut String,
    choice: &Choice,
    runs_again: Option<&RunsAgain>,
    plan_problem: Option<&str>,
) -> std::fmt::Result {
    writeln!(out)?;
    writeln!(
        out,
        "Strategy: {} (--strategy {}): {}",
        choice.chosen.as_str(),
        choice.requested,
        choice.why
    )?;
    let Some(again) = runs_again else {
        if let Some(problem) = plan_problem {
            writeln!(
                out,
                "Runs again: the failed state and what follows it, as Step Functions decides \
                 (the plan could not be made: {problem})"
            )?;
        }
        return Ok(());
    };
    writeln!(out, "Runs again: {}", again.summary)?;
    if !again.not_again.is_empty() {
        let names: Vec<String> = again.not_again.iter().map(|s| format!("\"{s}\"")).collect();
        writeln!(out, "  not again (finished): {}", names.join(", "))?;
    }
    for branch in &again.branches {
        let what = match (branch.runs, &branch.at) {
            (false, _) => "succeeded, keeps its output".to_string(),
            (true, Some(at)) => format!("runs again from \"{at}\""),
            (true, None) => "runs again".to_string(),
        };
        writeln!(
            out,
            "  \"{}\" branch {}: {what}",
            branch.parallel,
            branch.branch + 1
        )?;
    }
    for map in &again.iterations {
        let shown: Vec<String> = map.rerun.iter().take(20).map(u64::to_string).collect();
        writeln!(
            out,
            "  \"{}\": iterations {}{} run again, {} keep their output",
            map.map,
            if shown.is_empty() {
                "none".to_string()
            } else {
                shown.join(", ")
            },
            if map.rerun.len() > 20 { ", …" } else { "" },
            map.kept
        )?;
    }
    Ok(())
}

/// How to redrive the execution: the deployer command and the AWS CLI's.
pub fn redrive_commands(deployer: &str, aws_cli: &str) -> String {
    format!(
        "\nNothing was redriven. Redrive it (the same execution goes on) with:\n  {deployer}\nor:\n  \
         {aws_cli}\n"
    )
}

/// How a finished execution ended: its status, then its output or its error and cause.
pub fn outcome(
    status: &str,
    output: Option<&str>,
    error: Option<&str>,
    cause: Option<&str>,
) -> String {
    let mut out = format!("Resumed execution {status}\n");
    if let Some(output) = output {
        let value = serde_json::from_str(output).unwrap_or(Value::String(output.to_string()));
        out.push_str(&format!("Output:\n{}\n", indent(&pretty(&value), 2)));
    }
    for (label, text) in [("error", error), ("cause", cause)] {
        if let Some(text) = text {
            out.push_str(&format!("  {label}: {text}\n"));
        }
    }
    out
}

/// Progress of a followed execution on standard error: a spinner naming the current state on
/// a terminal, one plain line per state entered otherwise.
pub struct Progress {
    spinner: Option<ProgressBar>,
    console: Console,
}

impl Progress {
    /// Starts showing progress of `execution`.
    pub fn new(console: &Console, execution: &str) -> Progress {
        console.note(format!("Following {execution}"));
        let spinner = (console.terminal && !console.quiet).then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress {
            spinner,
            console: *console,
        }
    }

    /// A state was entered.
    pub fn entered(&self, state: &str) {
        let line = format!("  entered {}", self.console.paint(state, Paint::Bold));
        match &self.spinner {
            Some(bar) => {
                bar.println(&line);
                bar.set_message(state.to_string());
            }
            None => self.console.note(line),
        }
    }

    /// The execution ended.
    pub fn finish(self) {
        if let Some(bar) = self.spinner {
            bar.finish_and_clear();
        }
    }
}
