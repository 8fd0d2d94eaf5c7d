//! `deployer resume <EXECUTION_ARN>`: read the failed execution, refuse what cannot be resumed
//! (or was resumed already), check the role's trust policy, create or update
//! `<machine>-with-GoToState` with a version for this resume, and optionally start that
//! version under the resumed execution's name and follow it.

use asl::resume::ResumePlan;
use serde_json::{json, Value};

use super::report::Commands;
use super::{guard, make_plan, parse_definition, plan_options, read_definition, to_pretty};
use crate::aws::sfn::arn::{copy_name, ExecutionArn};
use crate::aws::sfn::resumes::{self, resumed_name, root_of};
use crate::aws::sfn::{self, copy, Copy, Saved};
use crate::aws::trust::{self, Trust};
use crate::aws::Aws;
use crate::cli::{GlobalArgs, ResumeArgs};
use crate::error::{CliError, CliResult};
use crate::ui;
use crate::ui::console::Console;

/// Statuses of executions that can be resumed.
const RESUMABLE: [&str; 3] = ["FAILED", "TIMED_OUT", "ABORTED"];

/// Runs the live resume of the execution `arn`.
pub async fn run(
    args: &ResumeArgs,
    arn: &str,
    global: &GlobalArgs,
    console: &Console,
) -> CliResult {
    let arn = ExecutionArn::parse(arn)?;
    let fixed = args
        .definition_file
        .as_deref()
        .map(read_definition)
        .transpose()?;
    plan_options(args, None, None)?;
    let aws = connect(global, &arn, console).await?;

    let execution = sfn::describe_execution(&aws, &arn.arn).await?;
    let status = execution.status().as_str();
    if !RESUMABLE.contains(&status) {
        return Err(CliError::usage(format!(
            "the execution {} is {status}: nothing to resume (only a FAILED, TIMED_OUT or \
             ABORTED execution can be resumed)",
            arn.arn
        )));
    }
    let machine_arn = execution.state_machine_arn().to_string();
    let described = sfn::describe_machine(&aws, &machine_arn).await?;
    guard::standard(described.r#type().as_str(), &arn.arn)?;
    let ran = sfn::machine_for_execution(&aws, &arn.arn).await?;
    let definition = parse_definition(ran.definition()).map_err(|message| {
        CliError::Failed(format!(
            "the definition the execution ran cannot be read: {message}"
        ))
    })?;
    let history = sfn::history(&aws, &arn.arn).await?;
    guard::complete(&history, false)
        .map_err(|why| CliError::usage(format!("GetExecutionHistory of {}: {why}", arn.arn)))?;

    // Resuming a resumed run continues in the same copy, under the original's name.
    let own_copy = copy::is_copy(&aws, &machine_arn).await?;
    let (name, copy_arn) = if own_copy {
        (described.name().to_string(), machine_arn.clone())
    } else {
        let name = copy_name(&arn.machine);
        let copy_arn = arn.machine_arn(&name);
        (name, copy_arn)
    };
    let root = if own_copy {
        root_of(execution.name().unwrap_or_default())
    } else {
        execution.name().unwrap_or_default()
    };
    let (earlier, next) = resumes::earlier(&aws, &copy_arn, root).await?;
    guard::not_resumed(&earlier, args.force)?;
    if let Some(last) = earlier.last().filter(|e| e.arn != arn.arn) {
        if last.status.as_str() != "SUCCEEDED" {
            console.warn(format!(
                "an earlier resume of this execution, {}, is {}: to go on from where it \
                 stopped, resume that one instead",
                last.arn,
                last.status.as_str()
            ));
        }
    }

    let (plan_definition, ran_definition) = match fixed {
        Some(fixed) => (fixed, Some(definition)),
        None => (definition, None),
    };
    let options = plan_options(args, Some(resumed_name(root, next)), ran_definition)?;
    let plan = make_plan(&plan_definition, &history, &options)?;
    plan.warnings
        .iter()
        .for_each(|warning| console.warn(warning.clone()));

    let copy = Copy {
        arn: copy_arn,
        name,
        definition: plan.definition.to_value().to_string(),
        role_arn: ran.role_arn().to_string(),
        logging: ran.logging_configuration().cloned(),
        tracing: ran.tracing_configuration().cloned(),
        source_arn: machine_arn,
        resumes: arn.arn.clone(),
    };
    if args.dry_run {
        let commands = Commands::new(args, &arn, &aws, &format!("{}:<version>", copy.arn), &plan);
        if console.json() {
            println!("{}", to_pretty(&commands.json(&plan, &copy, None)));
        } else {
            print!("{}", ui::plan::render(&plan));
            println!(
                "Resuming would create or update the state machine {} and publish a version",
                copy.arn
            );
        }
        return Ok(());
    }

    check_trust(&aws, console, args, &arn, &copy).await?;
    let saved = sfn::save_copy(&aws, &copy).await?;
    console.note(format!(
        "State machine {}: {} (version {})",
        saved.action, copy.arn, saved.version_arn
    ));
    let commands = Commands::new(args, &arn, &aws, &saved.version_arn, &plan);
    let mut report = commands.json(&plan, &copy, Some(&saved));
    if !console.json() {
        print!(
            "{}",
            ui::resume::render(&commands.text(&plan, &copy, &saved))
        );
    }
    if !args.start {
        if console.json() {
            println!("{}", to_pretty(&report));
        }
        return Ok(());
    }
    let started = start(&aws, &plan, &saved).await?;
    report["resumed"] =
        json!({"executionArn": started, "name": plan.execution_name, "status": "RUNNING"});
    if console.json() {
        console.note(format!("Started {started}"));
    } else {
        println!("\nStarted: {started}");
    }
    if !args.wait {
        if console.json() {
            println!("{}", to_pretty(&report));
        }
        return Ok(());
    }
    follow(&aws, console, &started, report).await
}

/// Credentials and region; the region is the execution's unless one was given.
async fn connect(global: &GlobalArgs, arn: &ExecutionArn, console: &Console) -> CliResult<Aws> {
    let mut global = global.clone();
    if global.region.is_none() {
        global.region = Some(arn.region.clone());
    }
    let aws = Aws::connect(&global).await?;
    if aws.region() == arn.region {
        return Ok(aws);
    }
    console.detail(format!(
        "using the execution's region {} (not {})",
        arn.region,
        aws.region()
    ));
    Ok(aws.in_region(&arn.region))
}

/// Starts this resume's version; the execution that name starts must be ours (a resume
/// started at the same time under the same name would have won, and nothing else is started).
async fn start(aws: &Aws, plan: &ResumePlan, saved: &Saved) -> CliResult<String> {
    let started = sfn::start(
        aws,
        &saved.version_arn,
        &plan.execution_name,
        &plan.execution_input,
    )
    .await?;
    let described = sfn::describe_execution(aws, &started).await?;
    match described.state_machine_version_arn() {
        Some(version) if version != saved.version_arn => Err(CliError::usage(format!(
            "{started} was already started by another resume (from {version}): it was not \
             started again; follow it, or resume again when it has ended"
        ))),
        _ => Ok(started),
    }
}

/// Checks that Step Functions may assume the role for the copy: a definite "no" stops here
/// (nothing is created: the copy could not run, and the fix is in the trust policy) unless
/// --ignore-trust-policy; a policy this check cannot judge is a warning.
async fn check_trust(
    aws: &Aws,
    console: &Console,
    args: &ResumeArgs,
    arn: &ExecutionArn,
    copy: &Copy,
) -> CliResult {
    let request = trust::Request {
        source_arn: &copy.arn,
        source_account: &arn.account,
        region: &arn.region,
    };
    let problem = match trust::check(aws, &copy.role_arn, request).await? {
        Trust::Allowed => return Ok(()),
        Trust::Unknown(why) => {
            console.warn(format!(
                "could not confirm that the role {} lets Step Functions run {}: {why}",
                copy.role_arn, copy.name
            ));
            return Ok(());
        }
        Trust::Denied(why) => format!(
            "the trust policy of the role {} does not let Step Functions assume it for the \
             copy {}: {why}",
            copy.role_arn, copy.arn
        ),
    };
    if args.ignore_trust_policy {
        console.warn(format!("{problem} (going on: --ignore-trust-policy)"));
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "{problem}. Nothing was created. Let the copy assume the role (e.g. add {} to the \
             policy's aws:SourceArn condition) and resume again, or pass \
             --ignore-trust-policy",
            copy.arn
        )))
    }
}

/// Follows the started execution to its end; exit status 1 unless it succeeded.
async fn follow(aws: &Aws, console: &Console, execution: &str, mut report: Value) -> CliResult {
    let progress = ui::resume::Progress::new(console, execution);
    let ended = sfn::follow(aws, execution, |state| progress.entered(state)).await;
    progress.finish();
    let ended = ended?;
    let status = ended.status().as_str();
    report["resumed"]["status"] = json!(status);
    for (key, value) in [
        ("output", ended.output()),
        ("error", ended.error()),
        ("cause", ended.cause()),
    ] {
        if let Some(value) = value {
            report["resumed"][key] = json!(value);
        }
    }
    if console.json() {
        println!("{}", to_pretty(&report));
    } else {
        print!(
            "\n{}",
            ui::resume::outcome(status, ended.output(), ended.error(), ended.cause())
        );
    }
    if status == "SUCCEEDED" {
        Ok(())
    } else {
        Err(CliError::Failed(format!(
            "the resumed execution {execution} is {status}"
        )))
    }
}
