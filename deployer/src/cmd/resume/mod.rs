//! `deployer resume`: plan the resumption of a failed execution, offline on saved files, or
//! live by ARN (`live`): create the resumed copy, and start and follow it.

mod live;

use asl::history::History;
use asl::model::Definition;
use asl::resume::{plan, PlanOptions, ResumePlan};
use serde_json::{json, Value};

use crate::cli::{GlobalArgs, ResumeArgs};
use crate::error::{CliError, CliResult};
use crate::input::{parse_json, parse_patch, read_file};
use crate::ui;
use crate::ui::console::Console;

/// Runs `deployer resume`.
pub fn run(args: &ResumeArgs, global: &GlobalArgs, console: &Console) -> CliResult {
    match (
        &args.execution_arn,
        &args.history_file,
        &args.definition_file,
    ) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(CliError::usage(
            "give either an execution ARN or --history-file/--definition-file, not both",
        )),
        (Some(arn), None, None) => super::block_on(live::run(args, arn, global, console)),
        (None, Some(history_file), Some(definition_file)) => {
            offline(args, history_file, definition_file, console)
        }
        _ => Err(CliError::usage(
            "say which execution to resume: its ARN, or --history-file FILE \
             --definition-file FILE (see `deployer resume --help`)",
        )),
    }
}

/// Plans on saved files: prints the plan, creates nothing.
fn offline(
    args: &ResumeArgs,
    history_file: &std::path::Path,
    definition_file: &std::path::Path,
    console: &Console,
) -> CliResult {
    let history_text = read_file(history_file, "--history-file")?;
    let history = History::from_json(&history_text).map_err(|e| {
        CliError::usage(format!("--history-file '{}': {e}", history_file.display()))
    })?;
    let definition_text = read_file(definition_file, "--definition-file")?;
    let definition = parse_definition(&definition_text).map_err(|message| {
        CliError::usage(format!(
            "--definition-file '{}': {message}",
            definition_file.display()
        ))
    })?;
    let plan = plan_for(args, &definition, &history)?;
    if console.json() {
        println!("{}", to_pretty(&plan_json(&plan)));
    } else {
        print!("{}", ui::plan::render(&plan));
    }
    Ok(())
}

/// The plan with the user's --from-state and --patch.
fn plan_for(
    args: &ResumeArgs,
    definition: &Definition,
    history: &History,
) -> CliResult<ResumePlan> {
    let options = PlanOptions {
        from_state: args.from_state.clone(),
        patch: args.patch.as_deref().map(parse_patch).transpose()?,
    };
    plan(definition, history, &options).map_err(|e| CliError::usage(e.to_string()))
}

/// Reads a definition file: the ASL itself, or the output of DescribeStateMachine /
/// DescribeStateMachineForExecution (whose `definition` member holds the ASL as text).
fn parse_definition(text: &str) -> Result<Definition, String> {
    let value = parse_json(text, "the file").map_err(|e| e.to_string())?;
    let asl = match value.get("definition") {
        Some(Value::String(inner)) if value.get("States").is_none() => serde_json::from_str(inner)
            .map_err(|e| format!("its 'definition' is not valid JSON: {e}"))?,
        _ => value,
    };
    Definition::from_value(&asl).map_err(|e| format!("not a valid state machine definition: {e}"))
}

/// The plan as one JSON document for scripts.
fn plan_json(plan: &ResumePlan) -> Value {
    let mut value = serde_json::to_value(plan).unwrap_or(Value::Null);
    value["startInput"] = start_input(&plan.resume_input);
    value["dryRun"] = json!(true);
    value
}

/// The input that makes the rewritten machine resume: the resume input with `resuming: true`.
pub fn start_input(resume_input: &Value) -> Value {
    let mut input = match resume_input {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    input.insert("resuming".to_string(), Value::Bool(true));
    Value::Object(input)
}

fn to_pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}
