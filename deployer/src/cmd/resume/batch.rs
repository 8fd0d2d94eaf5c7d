//! `deployer resume --state-machine ARN --status S [--since D] [--error E] [--max N]
//! [--concurrency K]`: every matching execution of one machine (ListExecutions, every page),
//! each planned as `deployer resume <ARN>` would plan it ([`one::prepare`], K at a time), the
//! plans grouped by failed state and error, then (with `--start`) each resumed
//! ([`one::resume`], at most K in flight; the copy's saves one at a time, the starts and
//! redrives concurrently), and a final table.
//!
//! Safe to run again after Ctrl-C or a crash: whether an execution was resumed is read from
//! Step Functions each time (see [`one::resume`]), so a second run skips what the first one
//! started and resumes the rest. The first Ctrl-C starts nothing more and lets the resumes in
//! flight finish; the second exits at once.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use futures::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::one::{self, Prepared, Readiness, Request, Resumed, Shared};
use super::report::{plan_flags, shell_quote};
use super::{checked_flags, live, to_pretty};
use crate::aws::sfn::arn::{ExecutionArn, MachineArn};
use crate::aws::sfn::list::{self, Listed};
use crate::aws::sfn::{self};
use crate::aws::Aws;
use crate::cli::{GlobalArgs, ResumeArgs};
use crate::error::{CliError, CliResult};
use crate::input::parse_duration;
use crate::interrupt;
use crate::strategy;
use crate::ui;
use crate::ui::batch::{Counts, Group, Progress, Row};
use crate::ui::console::Console;

/// Which executions a batch takes, from the flags (checked before any call).
#[derive(Debug)]
struct Selection {
    status: &'static str,
    stopped_since: Option<f64>,
    error: Option<String>,
    max: Option<usize>,
    concurrency: usize,
}

impl Selection {
    fn from_args(args: &ResumeArgs) -> CliResult<Selection> {
        let status = args.status.ok_or_else(|| {
            CliError::usage("--state-machine needs --status FAILED, TIMED_OUT or ABORTED")
        })?;
        let stopped_since = match args.since.as_deref() {
            Some(text) => {
                let back = parse_duration(text, "--since")?;
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                Some(now - back.as_secs_f64())
            }
            None => None,
        };
        if args.max == Some(0) {
            return Err(CliError::usage("--max must be at least 1"));
        }
        Ok(Selection {
            status: status.as_str(),
            stopped_since,
            error: args.error.clone(),
            max: args.max.map(|n| n as usize),
            concurrency: args.concurrency.max(1) as usize,
        })
    }
}

/// Where one execution of the batch stands.
#[derive(Debug)]
enum Outcome {
    /// Planned, not resumed (yet).
    Planned(Box<Prepared>),
    /// Resumed by this run.
    Resumed(Resumed),
    /// Refused, with the reason (bad input for it: nothing was changed).
    Refused(String),
    /// Resumed before (by an earlier run or someone else).
    AlreadyResumed(String),
    /// Could not be read, or its resume could not be started: why.
    FailedToStart(String),
    /// Beyond `--max`.
    Left,
    /// Not started because of Ctrl-C.
    Interrupted,
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Planned(_) => "planned",
            Outcome::Resumed(_) => "resumed",
            Outcome::Refused(_) => "refused",
            Outcome::AlreadyResumed(_) => "already resumed",
            Outcome::FailedToStart(_) => "failed to start",
            Outcome::Left => "left (--max)",
            Outcome::Interrupted => "interrupted",
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Refused(why) | Outcome::AlreadyResumed(why) | Outcome::FailedToStart(why) => {
                Some(why)
            }
            _ => None,
        }
    }
}

/// One execution of the batch.
#[derive(Debug)]
struct Item {
    listed: Listed,
    error: Option<String>,
    failed_state: Option<String>,
    strategy: Option<strategy::Choice>,
    outcome: Outcome,
}

/// Runs the batch resume of the executions of `machine`.
pub async fn run(
    args: &ResumeArgs,
    machine: &str,
    global: &GlobalArgs,
    console: &Console,
) -> CliResult {
    let selection = Selection::from_args(args)?;
    let machine = MachineArn::parse(machine)?;
    let fixed = checked_flags(args)?;
    let aws = live::connect(global, &machine.region, console).await?;
    let described = sfn::describe_machine(&aws, &machine.arn).await?;
    if described.r#type().as_str() == "EXPRESS" {
        return Err(CliError::usage(format!(
            "{} is an EXPRESS state machine: Step Functions keeps no execution history for \
             it, so there is nothing to resume from; nothing was changed",
            machine.arn
        )));
    }
    let clock = Instant::now();
    let listed = list::executions(
        &aws,
        &machine.arn,
        selection.status,
        selection.stopped_since,
    )
    .await?;
    console.note(format!(
        "{} {} execution(s) of {}{}",
        listed.len(),
        selection.status,
        machine.arn,
        args.since
            .as_deref()
            .map(|s| format!(" stopped in the last {s}"))
            .unwrap_or_default()
    ));

    let shared = Shared::default();
    let request = Request {
        args,
        fixed: fixed.as_ref(),
    };
    let progress = Progress::new(console, "planning", listed.len());
    let mut items: Vec<Item> = stream::iter(listed)
        .map(|listed| plan_one(&aws, &shared, request, &selection, listed, &progress))
        .buffered(selection.concurrency)
        .filter_map(|item| async { item })
        .collect()
        .await;
    progress.finish();
    select(&mut items, selection.max);

    let planned = clock.elapsed();
    let start = args.start && !args.dry_run;
    if start {
        resume_all(&aws, &shared, args, &selection, console, &mut items).await;
    }
    let timing = Timing {
        planning: planned.as_secs_f64(),
        resuming: (clock.elapsed() - planned).as_secs_f64(),
    };
    report(args, &machine, &selection, console, &items, start, timing)
}

/// How long each phase took, in seconds.
#[derive(Debug, Clone, Copy)]
struct Timing {
    /// Listing and planning.
    planning: f64,
    /// Resuming.
    resuming: f64,
}

/// Reads and plans one listed execution; `None` when it is not selected (`--error`).
async fn plan_one(
    aws: &Aws,
    shared: &Shared,
    request: Request<'_>,
    selection: &Selection,
    listed: Listed,
    progress: &Progress,
) -> Option<Item> {
    let mut item = Item {
        error: None,
        failed_state: None,
        strategy: None,
        outcome: Outcome::Left,
        listed,
    };
    let described = match sfn::describe_execution(aws, &item.listed.arn).await {
        Ok(described) => described,
        Err(err) => {
            item.outcome = Outcome::FailedToStart(err.to_string());
            return Some(item);
        }
    };
    item.error = described.error().map(str::to_string);
    if selection
        .error
        .as_deref()
        .is_some_and(|want| item.error.as_deref() != Some(want))
    {
        progress.tick_quietly(&item.listed.name);
        return None;
    }
    let prepared = match ExecutionArn::parse(&item.listed.arn) {
        Ok(arn) => one::prepare(aws, shared, request, &arn, described).await,
        Err(err) => Err(err),
    };
    item.outcome = match prepared {
        Ok(Readiness::Ready(prepared)) => {
            item.failed_state = prepared.failed_state().map(str::to_string);
            item.strategy = Some(prepared.choice.clone());
            Outcome::Planned(prepared)
        }
        Ok(Readiness::AlreadyResumed(why)) => Outcome::AlreadyResumed(why),
        Err(err @ CliError::Usage(_)) => Outcome::Refused(err.to_string()),
        Err(err) => Outcome::FailedToStart(err.to_string()),
    };
    progress.tick_quietly(&format!("{}: {}", item.listed.name, item.outcome.label()));
    Some(item)
}

/// Keeps the first `max` planned executions; the others are left for a later run.
fn select(items: &mut [Item], max: Option<usize>) {
    let Some(max) = max else { return };
    items
        .iter_mut()
        .filter(|item| matches!(item.outcome, Outcome::Planned(_)))
        .skip(max)
        .for_each(|item| item.outcome = Outcome::Left);
}

/// Resumes every planned execution, at most `concurrency` at once, until Ctrl-C.
async fn resume_all(
    aws: &Aws,
    shared: &Shared,
    args: &ResumeArgs,
    selection: &Selection,
    console: &Console,
    items: &mut [Item],
) {
    let seen = interrupt::install();
    tokio::spawn(async move {
        interrupt::after(seen + 1).await;
        eprintln!(
            "Interrupted again: exiting now; the resumes in flight may or may not have \
             started. Run the same command again: what was resumed is skipped."
        );
        std::process::exit(130);
    });
    let planned: Vec<usize> = (0..items.len())
        .filter(|&i| matches!(items[i].outcome, Outcome::Planned(_)))
        .collect();
    let progress = Progress::new(console, "resuming", planned.len());
    let warn = |warning: String| console.warn(warning);
    let items_ref = &*items;
    let done: Vec<(usize, Outcome)> = stream::iter(planned)
        .map(|i| {
            let progress = &progress;
            let warn = &warn;
            async move {
                let Outcome::Planned(prepared) = &items_ref[i].outcome else {
                    return (i, Outcome::Left);
                };
                if interrupt::count() > seen {
                    return (i, Outcome::Interrupted);
                }
                let outcome = match one::resume(aws, shared, args, prepared, warn).await {
                    Ok(resumed) => Outcome::Resumed(resumed),
                    Err(err) => Outcome::FailedToStart(err.to_string()),
                };
                let detail = match &outcome {
                    Outcome::Resumed(r) => format!("resumed as {}", r.execution_arn),
                    other => format!("{}: {}", other.label(), other.reason().unwrap_or("")),
                };
                progress.tick(&format!("{} {detail}", items_ref[i].listed.name));
                (i, outcome)
            }
        })
        .buffer_unordered(selection.concurrency)
        .collect()
        .await;
    progress.finish();
    if interrupt::count() > seen {
        console.warn(
            "interrupted: nothing more was started; run the same command again to resume the \
             rest (what was resumed is skipped)",
        );
    }
    for (i, outcome) in done {
        items[i].outcome = outcome;
    }
}

/// Prints the groups, the final table and the details (or the JSON report); exit status 1
/// when some resume failed to start or Ctrl-C stopped the run.
fn report(
    args: &ResumeArgs,
    machine: &MachineArn,
    selection: &Selection,
    console: &Console,
    items: &[Item],
    started: bool,
    timing: Timing,
) -> CliResult {
    let groups = groups(items);
    let counts = counts(items);
    let command = rerun_command(args, machine);
    if console.json() {
        let executions: Vec<Value> = items.iter().map(item_json).collect();
        let document = json!({
            "stateMachineArn": machine.arn,
            "status": selection.status,
            "since": args.since,
            "error": selection.error,
            "max": selection.max,
            "concurrency": selection.concurrency,
            "strategy": args.strategy.as_str(),
            "dryRun": !started,
            "matched": items.len(),
            "groups": groups,
            "counts": counts,
            "executions": executions,
            "seconds": {"planning": timing.planning, "resuming": timing.resuming},
            "resumeCommand": (!started).then_some(&command),
        });
        println!("{}", to_pretty(&document));
    } else {
        let rows: Vec<Row> = items.iter().map(row).collect();
        print!("{}", ui::batch::render(&groups, &counts, &rows, started));
        if !started {
            println!("\nNothing was changed. Resume them with:\n  {command}");
        } else {
            println!(
                "\n{} resumed in {:.1} s ({:.1} per second; listing and planning took {:.1} s)",
                counts.resumed,
                timing.resuming,
                counts.resumed as f64 / timing.resuming.max(0.001),
                timing.planning
            );
        }
    }
    if counts.failed_to_start > 0 || counts.interrupted > 0 {
        return Err(CliError::Failed(format!(
            "{} execution(s) failed to start and {} were not started (Ctrl-C); run the same \
             command again to resume them (what was resumed is skipped)",
            counts.failed_to_start, counts.interrupted
        )));
    }
    Ok(())
}

/// The plans grouped by failed state and error, in order of first appearance (executions
/// refused or resumed already were not planned: the table counts them).
fn groups(items: &[Item]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for item in items.iter().filter(|item| item.strategy.is_some()) {
        let failed_state = item.failed_state.clone().unwrap_or_else(|| "?".to_string());
        let error = item.error.clone().unwrap_or_else(|| "(none)".to_string());
        let at = match groups
            .iter()
            .position(|g| g.failed_state == failed_state && g.error == error)
        {
            Some(at) => at,
            None => {
                groups.push(Group {
                    failed_state,
                    error,
                    ..Group::default()
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        group.executions += 1;
        match item.strategy.as_ref().map(|c| c.chosen) {
            Some(strategy::Chosen::Redrive) => group.redrive += 1,
            _ => group.copy += 1,
        }
    }
    groups
}

fn counts(items: &[Item]) -> Counts {
    let mut counts = Counts::default();
    for item in items {
        let slot = match item.outcome {
            Outcome::Planned(_) => &mut counts.planned,
            Outcome::Resumed(_) => &mut counts.resumed,
            Outcome::Refused(_) => &mut counts.refused,
            Outcome::AlreadyResumed(_) => &mut counts.already_resumed,
            Outcome::FailedToStart(_) => &mut counts.failed_to_start,
            Outcome::Left => &mut counts.left,
            Outcome::Interrupted => &mut counts.interrupted,
        };
        *slot += 1;
    }
    counts
}

fn row(item: &Item) -> Row {
    let detail = match &item.outcome {
        Outcome::Resumed(resumed) => resumed.execution_arn.clone(),
        Outcome::Planned(_) => item
            .strategy
            .as_ref()
            .map(|c| c.chosen.as_str().to_string())
            .unwrap_or_default(),
        other => other.reason().unwrap_or_default().to_string(),
    };
    Row {
        name: item.listed.name.clone(),
        outcome: item.outcome.label(),
        detail,
    }
}

fn item_json(item: &Item) -> Value {
    let mut value = json!({
        "executionArn": item.listed.arn,
        "name": item.listed.name,
        "failedState": item.failed_state,
        "error": item.error,
        "strategy": item.strategy,
        "outcome": item.outcome.label(),
        "reason": item.outcome.reason(),
    });
    if let Outcome::Resumed(resumed) = &item.outcome {
        value["resumedExecutionArn"] = json!(resumed.execution_arn);
        value["stateMachineVersionArn"] = json!(resumed.version_arn);
    }
    value
}

/// The command that resumes what this run planned: the same selection, with `--start`.
fn rerun_command(args: &ResumeArgs, machine: &MachineArn) -> String {
    let mut command = format!(
        "deployer resume --state-machine {} --status {}",
        shell_quote(&machine.arn),
        args.status.map_or("FAILED", |s| s.as_str())
    );
    let selection = [
        ("--since", args.since.clone()),
        ("--error", args.error.clone()),
        ("--max", args.max.map(|n| n.to_string())),
    ];
    for (flag, value) in selection {
        if let Some(value) = value {
            command.push_str(&format!(" {flag} {}", shell_quote(&value)));
        }
    }
    command.push_str(&plan_flags(args));
    command.push_str(&format!(" --concurrency {} --start", args.concurrency));
    command
}
