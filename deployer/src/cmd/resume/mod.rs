//! `deployer resume`: plan the resumption of a failed execution, offline on saved files, or
//! live by ARN (`live`): redrive it or create the resumed copy, and start and follow it; or
//! many executions of one state machine at once (`batch`).

mod batch;
mod guard;
mod live;
mod one;
mod report;

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
    if let Some(machine) = &args.state_machine {
        return super::block_on(batch::run(args, machine, global, console));
    }
    match (
        &args.execution_arn,
        &args.history_file,
        &args.definition_file,
    ) {
        (Some(_), Some(_), _) => Err(CliError::usage(
            "give either an execution ARN or --history-file/--definition-file, not both \
             (with an ARN, --definition-file alone is a corrected definition to resume with)",
        )),
        (Some(arn), None, _) => super::block_on(live::run(args, arn, global, console)),
        (None, Some(history_file), Some(definition_file)) => {
            offline(args, history_file, definition_file, console)
        }
        _ => Err(CliError::usage(
            "say which execution to resume: its ARN, --state-machine ARN --status FAILED (many \
             at once), or --history-file FILE --definition-file FILE (see `deployer resume \
             --help`)",
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
    if args.strategy == crate::cli::Strategy::Redrive {
        return Err(CliError::usage(
            "--strategy redrive needs the execution's ARN: a plan on saved files can only \
             describe a copy",
        ));
    }
    let history_text = read_file(history_file, "--history-file")?;
    let history = History::from_json(&history_text).map_err(|e| {
        CliError::usage(format!("--history-file '{}': {e}", history_file.display()))
    })?;
    guard::complete(&history, history_text.contains("\"nextToken\"")).map_err(|why| {
        CliError::usage(format!(
            "--history-file '{}': {why}",
            history_file.display()
        ))
    })?;
    let definition = read_definition(definition_file)?;
    let options = plan_options(args, None, None)?;
    let plan = make_plan(&definition, &history, &options)?;
    plan.warnings
        .iter()
        .for_each(|warning| console.warn(warning.clone()));
    if console.json() {
        println!("{}", to_pretty(&plan_json(&plan)));
    } else {
        print!("{}", ui::plan::render(&plan));
    }
    Ok(())
}

/// What a live resume (one execution or a batch) checks before it connects to AWS: the
/// strategy flags, the plan's flags, and the corrected definition (`--definition-file`), read
/// and parsed, which it returns.
fn checked_flags(args: &ResumeArgs) -> CliResult<Option<Definition>> {
    crate::strategy::check_flags(args).map_err(CliError::usage)?;
    let fixed = args
        .definition_file
        .as_deref()
        .map(read_definition)
        .transpose()?;
    plan_options(args, None, None)?;
    Ok(fixed)
}

/// Reads and parses a `--definition-file`.
fn read_definition(path: &std::path::Path) -> CliResult<Definition> {
    let text = read_file(path, "--definition-file")?;
    parse_definition(&text).map_err(|message| {
        CliError::usage(format!("--definition-file '{}': {message}", path.display()))
    })
}

/// The planner's options from the user's flags.
fn plan_options(
    args: &ResumeArgs,
    execution_name: Option<String>,
    ran: Option<Definition>,
) -> CliResult<PlanOptions> {
    Ok(PlanOptions {
        from_state: args.from_state.clone(),
        patch: args
            .patch
            .as_deref()
            .map(|p| parse_patch(p, "--patch"))
            .transpose()?,
        patch_execution_input: args
            .patch_execution_input
            .as_deref()
            .map(|p| parse_patch(p, "--patch-execution-input"))
            .transpose()?,
        execution_name,
        timeout_seconds: args.timeout_seconds,
        ran,
    })
}

/// The plan, or why there is none (bad input).
fn make_plan(
    definition: &Definition,
    history: &History,
    options: &PlanOptions,
) -> CliResult<ResumePlan> {
    let plan = plan(definition, history, options).map_err(|e| CliError::usage(e.to_string()))?;
    let diagnostics = asl::validate::validate(&plan.definition);
    if let Some(message) = asl::validate::invalid_definition_message(&diagnostics) {
        return Err(CliError::usage(format!(
            "the rewritten definition would be refused by CreateStateMachine: {message}; \
             nothing was created"
        )));
    }
    Ok(plan)
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

/// The plan as one JSON document for scripts: the original execution apart (`original`), the
/// lists as arrays.
fn plan_json(plan: &ResumePlan) -> Value {
    let mut value = serde_json::to_value(plan).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        for moved in ["status", "error", "cause"] {
            fields.shift_remove(moved);
        }
    }
    value["original"] = json!({
        "status": plan.status.as_str(),
        "failedState": plan.failed_state,
        "error": plan.error,
        "cause": plan.cause,
    });
    value["dryRun"] = json!(true);
    value
}

fn to_pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}
