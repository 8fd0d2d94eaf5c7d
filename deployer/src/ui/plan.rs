//! A resume plan, as text for people.

use std::fmt::Write;

use asl::resume::{BranchPlan, Mark, ResumePlan};
use serde_json::Value;

use crate::cmd::resume::start_input;

/// Renders the plan: what failed, where it resumes, with which input, what is skipped, the
/// marked tree of states, and the rewritten definition.
pub fn render(plan: &ResumePlan) -> String {
    let mut out = summary(plan);
    let _ = write_details(&mut out, plan);
    out
}

/// What failed, where it resumes, with which input, and what is skipped.
pub fn summary(plan: &ResumePlan) -> String {
    let mut out = String::new();
    let _ = write_summary(&mut out, plan);
    out
}

fn write_summary(out: &mut String, plan: &ResumePlan) -> std::fmt::Result {
    writeln!(
        out,
        "Execution {} in state \"{}\"",
        plan.status.as_str(),
        plan.failed_state
    )?;
    writeln!(
        out,
        "  error: {}",
        plan.error.as_deref().unwrap_or("(none)")
    )?;
    writeln!(
        out,
        "  cause: {}",
        plan.cause.as_deref().unwrap_or("(none)")
    )?;
    writeln!(out)?;
    writeln!(out, "Resume at: \"{}\"", plan.resume_state)?;
    writeln!(out, "Its recorded input:")?;
    writeln!(out, "{}", indent(&pretty(&plan.recorded_input), 2))?;
    if plan.resume_input != plan.recorded_input {
        writeln!(out, "Resume input (patched):")?;
        writeln!(out, "{}", indent(&pretty(&plan.resume_input), 2))?;
    }
    if plan.skipped_states.is_empty() {
        writeln!(
            out,
            "Skipped: nothing (every state that ran will run again)"
        )?;
    } else {
        let names: Vec<String> = plan
            .skipped_states
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect();
        writeln!(
            out,
            "Skipped (finished, will not run again): {}",
            names.join(", ")
        )?;
    }
    for branch in &plan.branches {
        writeln!(out, "  {}", describe_branch(branch))?;
    }
    Ok(())
}

fn write_details(out: &mut String, plan: &ResumePlan) -> std::fmt::Result {
    writeln!(out)?;
    writeln!(out, "States:")?;
    for node in &plan.tree {
        let pad = "  ".repeat(node.depth + 1);
        let branch = node
            .branch
            .map(|b| format!("[branch {}] ", b + 1))
            .unwrap_or_default();
        let here = if node.resume_point {
            "   <- resume here"
        } else {
            ""
        };
        writeln!(
            out,
            "{pad}{} {branch}{} ({}): {}{here}",
            symbol(node.mark),
            node.name,
            node.state_type,
            node.mark.label()
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Rewritten definition (new start state \"{}\"):",
        plan.start_state
    )?;
    writeln!(out, "{}", pretty(&plan.definition.to_value()))?;
    writeln!(out)?;
    writeln!(
        out,
        "Dry run: nothing was created. Start the resumed copy with this input:"
    )?;
    writeln!(out, "  {}", start_input(&plan.resume_input))?;
    Ok(())
}

fn describe_branch(branch: &BranchPlan) -> String {
    match branch {
        BranchPlan::ReturnRecordedOutput {
            parallel, branch, ..
        } => format!(
            "\"{parallel}\" branch {}: succeeded before, returns its recorded output",
            branch + 1
        ),
        BranchPlan::ResumeAt {
            parallel,
            branch,
            state,
            input: None,
        } => format!(
            "\"{parallel}\" branch {}: runs from its first state \"{state}\"",
            branch + 1
        ),
        BranchPlan::ResumeAt {
            parallel,
            branch,
            state,
            input: Some(_),
        } => format!(
            "\"{parallel}\" branch {}: resumes at \"{state}\" with its recorded input",
            branch + 1
        ),
        BranchPlan::Restart { parallel, branch } => {
            format!(
                "\"{parallel}\" branch {}: runs again from its start",
                branch + 1
            )
        }
    }
}

fn symbol(mark: Mark) -> &'static str {
    match mark {
        Mark::Succeeded => "+",
        Mark::Failed => "x",
        Mark::Skipped => "=",
        Mark::Aborted => "!",
        Mark::NotReached => ".",
    }
}

pub(super) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

pub(super) fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
