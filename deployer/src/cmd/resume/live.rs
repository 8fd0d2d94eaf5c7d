//! `deployer resume <EXECUTION_ARN>`: read the failed execution, refuse what cannot be resumed
//! (or was resumed already), choose the strategy, then either redrive the execution itself or
//! check the role's trust policy, create or update `<machine>-with-GoToState` with a version
//! for this resume, and optionally start that version under the resumed execution's name; and
//! follow the resumed run.

use serde_json::{json, Value};

use super::one::{self, Prepared, Readiness, Request, Shared};
use super::report::{decision_json, Commands};
use super::{checked_flags, to_pretty};
use crate::aws::sfn::arn::ExecutionArn;
use crate::aws::sfn::{self, Watch};
use crate::aws::Aws;
use crate::cli::{GlobalArgs, ResumeArgs};
use crate::error::{CliError, CliResult};
use crate::strategy::{runs_again, Chosen};
use crate::ui;
use crate::ui::console::Console;

/// Runs the live resume of the execution `arn`.
pub async fn run(
    args: &ResumeArgs,
    arn: &str,
    global: &GlobalArgs,
    console: &Console,
) -> CliResult {
    let arn = ExecutionArn::parse(arn)?;
    let fixed = checked_flags(args)?;
    let aws = connect(global, &arn.region, console).await?;
    let shared = Shared::default();
    let request = Request {
        args,
        fixed: fixed.as_ref(),
    };
    let described = sfn::describe_execution(&aws, &arn.arn).await?;
    let prepared = match one::prepare(&aws, &shared, request, &arn, described).await? {
        Readiness::Ready(prepared) => *prepared,
        Readiness::AlreadyResumed(why) => return Err(CliError::usage(why)),
    };
    prepared
        .warnings
        .iter()
        .for_each(|warning| console.warn(warning));
    match prepared.choice.chosen {
        Chosen::Copy => copy(&aws, &shared, args, console, &prepared).await,
        Chosen::Redrive => redrive(&aws, args, console, &prepared).await,
    }
}

/// Credentials and region; the region is `region` (the resource's) unless one was given.
pub(super) async fn connect(
    global: &GlobalArgs,
    region: &str,
    console: &Console,
) -> CliResult<Aws> {
    let mut global = global.clone();
    if global.region.is_none() {
        global.region = Some(region.to_string());
    }
    let aws = Aws::connect(&global).await?;
    if aws.region() == region {
        return Ok(aws);
    }
    console.detail(format!(
        "using the region {region} of the ARN (not {})",
        aws.region()
    ));
    Ok(aws.in_region(region))
}

/// The strategy's lines of the text report.
fn strategy_text(prepared: &Prepared) -> String {
    let again = prepared
        .plan
        .as_ref()
        .map(|plan| runs_again(plan, prepared.choice.chosen));
    ui::resume::strategy(
        &prepared.choice,
        again.as_ref(),
        prepared.plan_problem.as_deref(),
    )
}

/// The copy: saved (a version for this resume), started with `--start`, followed with
/// `--wait`.
async fn copy(
    aws: &Aws,
    shared: &Shared,
    args: &ResumeArgs,
    console: &Console,
    prepared: &Prepared,
) -> CliResult {
    let (Some(plan), Some(copy)) = (&prepared.plan, &prepared.copy) else {
        return Err(CliError::Failed("a copy resume without a plan".to_string()));
    };
    let arn = &prepared.arn;
    if args.dry_run {
        let commands = Commands::new(args, arn, aws, &format!("{}:<version>", copy.arn), plan);
        if console.json() {
            println!("{}", to_pretty(&commands.json(prepared, copy, None)));
        } else {
            print!("{}", ui::plan::render(plan));
            print!("{}", strategy_text(prepared));
            println!(
                "Resuming would create or update the state machine {} and publish a version",
                copy.arn
            );
        }
        return Ok(());
    }
    let saved = one::save(aws, shared, args, copy, &|w| console.warn(w)).await?;
    console.note(format!(
        "State machine {}: {} (version {})",
        saved.action, copy.arn, saved.version_arn
    ));
    let commands = Commands::new(args, arn, aws, &saved.version_arn, plan);
    let mut report = commands.json(prepared, copy, Some(&saved));
    if !console.json() {
        print!(
            "{}{}",
            ui::resume::render(&commands.text(plan, copy, &saved)),
            strategy_text(prepared)
        );
    }
    if !args.start {
        return finish(console, &report);
    }
    let started = one::start_copy(aws, plan, &saved).await?;
    report["resumed"] =
        json!({"executionArn": started, "name": plan.execution_name, "status": "RUNNING"});
    say_started(console, &started);
    if !args.wait {
        return finish(console, &report);
    }
    follow(aws, console, &started, prepared.watch, report).await
}

/// The redrive: printed as a command without `--start`, done with it, followed with `--wait`.
async fn redrive(
    aws: &Aws,
    args: &ResumeArgs,
    console: &Console,
    prepared: &Prepared,
) -> CliResult {
    let arn = &prepared.arn;
    let commands = Commands::redrive(arn, aws);
    let mut report = decision_json(prepared);
    report["dryRun"] = json!(args.dry_run);
    report["startCommand"] = json!(commands.aws_cli);
    report["resumeCommand"] = json!(commands.deployer);
    if !console.json() {
        match &prepared.plan {
            Some(plan) => print!("{}", ui::plan::failure(plan)),
            None => println!("Execution {}", arn.arn),
        }
        print!("{}", strategy_text(prepared));
        if args.dry_run {
            println!("\nDry run: nothing was redriven.");
        } else if !args.start {
            print!(
                "{}",
                ui::resume::redrive_commands(&commands.deployer, &commands.aws_cli)
            );
        }
    }
    if !args.start {
        return finish(console, &report);
    }
    let date = one::redrive(aws, prepared).await?;
    report["resumed"] = json!({
        "executionArn": arn.arn,
        "status": "RUNNING",
        "redriveCount": prepared.watch.redrive_count,
        "redriveDate": date,
    });
    say_started(console, &format!("{} (redriven)", arn.arn));
    if !args.wait {
        return finish(console, &report);
    }
    follow(aws, console, &arn.arn, prepared.watch, report).await
}

fn say_started(console: &Console, what: &str) {
    if console.json() {
        console.note(format!("Started {what}"));
    } else {
        println!("\nStarted: {what}");
    }
}

/// Prints the JSON report (text was printed as it went).
fn finish(console: &Console, report: &Value) -> CliResult {
    if console.json() {
        println!("{}", to_pretty(report));
    }
    Ok(())
}

/// Follows the resumed execution to its end; exit status 1 unless it succeeded.
async fn follow(
    aws: &Aws,
    console: &Console,
    execution: &str,
    watch: Watch,
    mut report: Value,
) -> CliResult {
    let progress = ui::resume::Progress::new(console, execution);
    let ended = sfn::follow(aws, execution, watch, |state| progress.entered(state)).await;
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
