//! `deployer resume`: plan the resumption of a failed execution.

use asl::history::History;
use asl::model::Definition;
use asl::resume::{plan, PlanOptions, ResumePlan};
use serde_json::{json, Value};

use crate::cli::{OutputFormat, ResumeArgs};
use crate::error::{CliError, CliResult};
use crate::input::{parse_json, parse_patch, read_file};
use crate::ui;

/// Runs `deployer resume`.
pub fn run(args: &ResumeArgs, output: OutputFormat) -> CliResult {
    let (Some(history_file), Some(definition_file)) = (&args.history_file, &args.definition_file)
    else {
        return Err(match &args.execution_arn {
            Some(_) => CliError::usage(
                "resuming a live execution by ARN is not available in this version yet; save \
                 its history and definition and plan offline with --history-file and \
                 --definition-file (see `deployer resume --help`)",
            ),
            None => CliError::usage(
                "say which execution to resume: --history-file FILE --definition-file FILE \
                 (see `deployer resume --help`)",
            ),
        });
    };
    if args.execution_arn.is_some() {
        return Err(CliError::usage(
            "give either an execution ARN or --history-file/--definition-file, not both",
        ));
    }
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
    let patch = args.patch.as_deref().map(parse_patch).transpose()?;
    let options = PlanOptions {
        from_state: args.from_state.clone(),
        patch,
    };
    let plan = plan(&definition, &history, &options).map_err(|e| CliError::usage(e.to_string()))?;
    match output {
        OutputFormat::Json => println!("{}", to_pretty(&plan_json(&plan))),
        OutputFormat::Text => print!("{}", ui::plan::render(&plan)),
    }
    Ok(())
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
