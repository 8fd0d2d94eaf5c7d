//! A resume plan, as text for people.

use std::fmt::Write;

use asl::resume::{BranchPlan, Failure, MapPlan, Mark, ResumePlan};
use serde_json::Value;

/// Renders the plan: what failed, where it resumes, with which input, what is skipped, the
/// marked tree of states, and the rewritten definition.
pub fn render(plan: &ResumePlan) -> String {
    let mut out = summary(plan);
    let _ = write_details(&mut out, plan);
    out
}

/// What failed, where it resumes, with which input, and what is skipped.
pub fn summary(plan: &ResumePlan) -> String {
    let mut out = failure(plan);
    let _ = write_resume_point(&mut out, plan);
    out
}

/// What failed: the state, error and cause, how the failure ended the execution, and the
/// timeout that expired.
pub fn failure(plan: &ResumePlan) -> String {
    let mut out = String::new();
    let _ = write_failure(&mut out, plan);
    out
}

fn write_failure(out: &mut String, plan: &ResumePlan) -> std::fmt::Result {
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
    match &plan.failure {
        Failure::Caught { handlers } => writeln!(
            out,
            "  its error was caught; the handler then ran {} before the execution failed",
            quoted_list(handlers)
        )?,
        Failure::FailState { before } => writeln!(
            out,
            "  a Fail state reached by the workflow's own flow{}: resuming there fails again",
            before
                .as_ref()
                .map(|b| format!(" after \"{b}\""))
                .unwrap_or_default()
        )?,
        Failure::Uncaught | Failure::InProgress => {}
    }
    if let Some(timeout) = &plan.timeout {
        writeln!(
            out,
            "  timeout that expired: {} ({}){}",
            timeout.expired,
            timeout
                .budget_seconds
                .map(|s| format!("TimeoutSeconds {s}"))
                .unwrap_or_else(|| "no TimeoutSeconds in the definition".to_string()),
            timeout
                .new_seconds
                .map(|s| format!("; the copy gets {s}"))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}

fn write_resume_point(out: &mut String, plan: &ResumePlan) -> std::fmt::Result {
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
    for map in &plan.iterations {
        writeln!(out, "  {}", describe_map(map))?;
    }
    if !plan.variables.is_empty() {
        let names: Vec<String> = plan.variables.keys().map(|k| format!("${k}")).collect();
        writeln!(
            out,
            "Variables restored before it runs: {}",
            names.join(", ")
        )?;
    }
    writeln!(
        out,
        "Execution input ($$.Execution.Input): {}",
        plan.execution_input
    )?;
    if !plan.definition_changes.is_empty() {
        writeln!(out, "Definition changes (states matched by name):")?;
        for change in &plan.definition_changes {
            writeln!(out, "  {change}")?;
        }
    }
    Ok(())
}

fn quoted_list(names: &[String]) -> String {
    if names.is_empty() {
        return "no state".to_string();
    }
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_map(map: &MapPlan) -> String {
    format!(
        "\"{}\": {} of {} iterations run again ({}), {} return their recorded output",
        map.map,
        map.rerun.len(),
        map.items
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".to_string()),
        if map.rerun.is_empty() {
            "none".to_string()
        } else {
            let shown: Vec<String> = map.rerun.iter().take(20).map(u64::to_string).collect();
            format!(
                "items {}{}",
                shown.join(", "),
                if map.rerun.len() > 20 { ", …" } else { "" }
            )
        },
        map.skipped.len()
    )
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
        "Dry run: nothing was created. The resumed execution would be started as \"{}\" \
         with the original execution input.",
        plan.execution_name
    )?;
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
