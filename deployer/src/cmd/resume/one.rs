//! One execution's resumption, the same for `deployer resume <ARN>` and for every execution of
//! a batch: [`prepare`] reads the execution and decides how to resume it (nothing changes),
//! [`save`] / [`start_copy`] / [`redrive()`] do it, and [`resume`] does all of it at once.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use asl::model::Definition;
use asl::resume::ResumePlan;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;

use super::{guard, make_plan, parse_definition, plan_options};
use crate::aws::sfn::arn::{copy_name, ExecutionArn};
use crate::aws::sfn::redrive::{self, Redrive};
use crate::aws::sfn::resumes::{self, resumed_name, root_of};
use crate::aws::sfn::{self, copy, Copy, Saved, Watch};
use crate::aws::trust::{self, Trust};
use crate::aws::Aws;
use crate::cli::{ResumeArgs, Strategy};
use crate::error::{CliError, CliResult};
use crate::strategy::{self, Choice, Chosen};

/// Statuses of executions that can be resumed.
const RESUMABLE: [&str; 3] = ["FAILED", "TIMED_OUT", "ABORTED"];

/// What the user asked for, the same for every execution of a run.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The flags.
    pub args: &'a ResumeArgs,
    /// `--definition-file` with an ARN: the corrected definition, read once.
    pub fixed: Option<&'a Definition>,
}

/// What the resumes of one run share: one lock around saving the copy (UpdateStateMachine
/// and its published version must not interleave with another resume's, or a version could
/// carry another execution's plan) with the copies saved so far (checked once, then only
/// updated), and what was learnt once about machines and roles.
#[derive(Debug, Default)]
pub struct Shared {
    copy_saves: tokio::sync::Mutex<HashSet<String>>,
    machines: Mutex<HashMap<String, Machine>>,
    trusted: Mutex<HashSet<String>>,
}

/// What a resume needs to know about the machine an execution ran.
#[derive(Debug, Clone)]
struct Machine {
    name: String,
    kind: String,
    is_copy: bool,
}

impl Shared {
    async fn machine(&self, aws: &Aws, arn: &str) -> CliResult<Machine> {
        if let Some(known) = self.machines.lock().ok().and_then(|m| m.get(arn).cloned()) {
            return Ok(known);
        }
        let described = sfn::describe_machine(aws, arn).await?;
        let machine = Machine {
            name: described.name().to_string(),
            kind: described.r#type().as_str().to_string(),
            is_copy: copy::is_copy(aws, arn).await?,
        };
        if let Ok(mut machines) = self.machines.lock() {
            machines.insert(arn.to_string(), machine.clone());
        }
        Ok(machine)
    }
}

/// An execution read, planned and decided on, before anything changes.
#[derive(Debug)]
pub struct Prepared {
    /// The execution.
    pub arn: ExecutionArn,
    /// Its error, as DescribeExecution gives it.
    pub error: Option<String>,
    /// The strategy chosen, and why.
    pub choice: Choice,
    /// The plan: always for a copy; for a redrive, unless the planner could not read the
    /// execution (`plan_problem` says why: Redrive does not need it).
    pub plan: Option<ResumePlan>,
    /// Why there is no plan.
    pub plan_problem: Option<String>,
    /// The copy to save, for a copy.
    pub copy: Option<Copy>,
    /// How many times the execution was redriven already.
    pub redrive_count: i32,
    /// Where following the resumed run begins.
    pub watch: Watch,
    /// What the user should know.
    pub warnings: Vec<String>,
}

impl Prepared {
    /// The state that failed, when known.
    pub fn failed_state(&self) -> Option<&str> {
        self.plan.as_ref().map(|p| p.failed_state.as_str())
    }
}

/// The outcome of reading an execution.
#[derive(Debug)]
pub enum Readiness {
    /// It can be resumed as planned.
    Ready(Box<Prepared>),
    /// It was resumed already (a resume of it is running or succeeded, or it was redriven
    /// and is running or succeeded): why.
    AlreadyResumed(String),
}

/// Reads the execution `described` (its DescribeExecution) and decides: refuses (bad input)
/// what cannot be resumed or what the forced strategy cannot do, reports what was resumed
/// already, and otherwise plans. Changes nothing.
pub async fn prepare(
    aws: &Aws,
    shared: &Shared,
    request: Request<'_>,
    arn: &ExecutionArn,
    described: DescribeExecutionOutput,
) -> CliResult<Readiness> {
    let args = request.args;
    let status = described.status().as_str();
    let redrive = Redrive::of(&described);
    if let Some(why) = guard::redriven(status, redrive.count) {
        return Ok(Readiness::AlreadyResumed(why));
    }
    if !RESUMABLE.contains(&status) {
        if let (Strategy::Redrive, redrive::Eligibility::NotRedrivable(reason)) =
            (args.strategy, &redrive.eligibility)
        {
            return Err(CliError::usage(format!(
                "--strategy redrive is impossible for {}: Step Functions will not redrive it: \
                 \"{reason}\" (redriveStatusReason); nothing was changed",
                arn.arn
            )));
        }
        return Err(CliError::usage(format!(
            "the execution {} is {status}: nothing to resume (only a FAILED, TIMED_OUT or \
             ABORTED execution can be resumed)",
            arn.arn
        )));
    }
    let machine_arn = described.state_machine_arn().to_string();
    let machine = shared.machine(aws, &machine_arn).await?;
    guard::standard(&machine.kind, &arn.arn)?;
    let ran = sfn::machine_for_execution(aws, &arn.arn).await?;
    let definition = parse_definition(ran.definition()).map_err(|message| {
        CliError::Failed(format!(
            "the definition the execution ran cannot be read: {message}"
        ))
    })?;
    let history = sfn::history(aws, &arn.arn).await?;
    guard::complete(&history, false)
        .map_err(|why| CliError::usage(format!("GetExecutionHistory of {}: {why}", arn.arn)))?;

    // Resuming a resumed run continues in the same copy, under the original's name.
    let name = described.name().unwrap_or_default();
    let (copy_name, copy_arn, root) = if machine.is_copy {
        (machine.name.clone(), machine_arn.clone(), root_of(name))
    } else {
        let copy = copy_name(&arn.machine);
        let copy_arn = arn.machine_arn(&copy);
        (copy, copy_arn, name)
    };
    let (earlier, next) = resumes::earlier(aws, &copy_arn, root).await?;
    if let Some(why) = guard::already_resumed(&earlier, args.force) {
        return Ok(Readiness::AlreadyResumed(why));
    }
    let mut warnings = Vec::new();
    let unfinished = earlier
        .last()
        .filter(|e| e.arn != arn.arn && e.status.as_str() != "SUCCEEDED");
    if let Some(last) = unfinished {
        warnings.push(format!(
            "an earlier resume of this execution, {}, is {}: to go on from where it \
             stopped, resume that one instead",
            last.arn,
            last.status.as_str()
        ));
    }

    let (plan_definition, ran_definition) = match request.fixed {
        Some(fixed) => (fixed.clone(), Some(definition)),
        None => (definition, None),
    };
    let options = plan_options(args, Some(resumed_name(root, next)), ran_definition)?;
    let planned = make_plan(&plan_definition, &history, &options);
    let failure = planned.as_ref().ok().map(|p| &p.failure);
    let flags = strategy::copy_only_flags(args);
    let choice = strategy::choose(args.strategy, &flags, &redrive.eligibility, failure)
        .map_err(|why| CliError::usage(format!("{}: {why}", arn.arn)))?;
    let (plan, plan_problem) = match (planned, choice.chosen) {
        (Ok(plan), _) => (Some(plan), None),
        (Err(problem), Chosen::Redrive) => (None, Some(problem.to_string())),
        (Err(problem), Chosen::Copy) => return Err(problem),
    };
    if let Some(plan) = &plan {
        warnings.extend(plan.warnings.iter().cloned());
    }
    let copy = match (&plan, choice.chosen) {
        (Some(plan), Chosen::Copy) => Some(Copy {
            arn: copy_arn,
            name: copy_name,
            definition: plan.definition.to_value().to_string(),
            role_arn: ran.role_arn().to_string(),
            logging: ran.logging_configuration().cloned(),
            tracing: ran.tracing_configuration().cloned(),
            source_arn: machine_arn,
            resumes: arn.arn.clone(),
        }),
        _ => None,
    };
    let watch = match choice.chosen {
        Chosen::Redrive => Watch {
            after_event: history.events.last().map_or(0, |e| e.id),
            redrive_count: redrive.count + 1,
        },
        Chosen::Copy => Watch::default(),
    };
    Ok(Readiness::Ready(Box::new(Prepared {
        arn: arn.clone(),
        error: described.error().map(str::to_string),
        choice,
        plan,
        plan_problem,
        copy,
        redrive_count: redrive.count,
        watch,
        warnings,
    })))
}

/// Saves the copy of a copy resume (checking the role's trust policy first, once per role and
/// run): creates or updates it and publishes this resume's version, one save at a time.
pub async fn save(
    aws: &Aws,
    shared: &Shared,
    args: &ResumeArgs,
    copy: &Copy,
    warn: &(dyn Fn(String) + Sync),
) -> CliResult<Saved> {
    check_trust(aws, shared, args, copy, warn).await?;
    let mut saved_before = shared.copy_saves.lock().await;
    if saved_before.contains(&copy.arn) {
        return copy::update_copy(aws, copy).await;
    }
    let saved = sfn::save_copy(aws, copy).await?;
    saved_before.insert(copy.arn.clone());
    Ok(saved)
}

/// Starts this resume's version under the planned name; the execution that name starts must
/// be ours (a resume started at the same time under the same name would have won, and
/// nothing else is started).
pub async fn start_copy(aws: &Aws, plan: &ResumePlan, saved: &Saved) -> CliResult<String> {
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

/// Redrives the execution (its own ARN goes on); returns the redrive's date.
pub async fn redrive(aws: &Aws, prepared: &Prepared) -> CliResult<f64> {
    redrive::redrive(aws, &prepared.arn.arn, prepared.redrive_count).await
}

/// What a resume started.
#[derive(Debug, Clone, PartialEq)]
pub struct Resumed {
    /// The execution that now runs: the copy's new execution, or the redriven one itself.
    pub execution_arn: String,
    /// The copy's version it runs (copies only).
    pub version_arn: Option<String>,
}

/// Resumes a prepared execution: saves the copy and starts it, or redrives it.
///
/// Safe to repeat after a crash at any point, because what counts as "resumed" is only ever
/// read from Step Functions, never remembered by us:
/// - a copy resume is linked to its original by the started execution's name
///   (`<name>-resume-<n>`, [`resumes`]): a version published whose StartExecution never
///   happened leaves no execution of that name, so [`prepare`] finds no earlier resume and the
///   next run publishes another version and starts it (the unused version stays, harmless,
///   its description naming the execution);
/// - once StartExecution has happened, that name exists: the next run's [`prepare`] sees the
///   resume RUNNING or SUCCEEDED and counts it as resumed already. Should two runs still race
///   to the same name, Step Functions starts it once: a second StartExecution of a name in use
///   is refused (ExecutionAlreadyExists) or, with the very same version and input, answers
///   with the running execution, and [`start_copy`] then checks the execution runs our
///   version;
/// - a redrive is linked by the execution's own status and redriveCount: once redriven it is
///   RUNNING (then SUCCEEDED, or FAILED again), never listed as the same failure twice, and
///   the client token (one per redrive count) makes a repeated RedriveExecution of the same
///   attempt a no-op.
pub async fn resume(
    aws: &Aws,
    shared: &Shared,
    args: &ResumeArgs,
    prepared: &Prepared,
    warn: &(dyn Fn(String) + Sync),
) -> CliResult<Resumed> {
    match (&prepared.copy, &prepared.plan) {
        (Some(copy), Some(plan)) => {
            let saved = save(aws, shared, args, copy, warn).await?;
            Ok(Resumed {
                execution_arn: start_copy(aws, plan, &saved).await?,
                version_arn: Some(saved.version_arn),
            })
        }
        _ => {
            redrive(aws, prepared).await?;
            Ok(Resumed {
                execution_arn: prepared.arn.arn.clone(),
                version_arn: None,
            })
        }
    }
}

/// Checks that Step Functions may assume the role for the copy: a definite "no" stops here
/// (nothing is created: the copy could not run, and the fix is in the trust policy) unless
/// --ignore-trust-policy; a policy this check cannot judge is a warning. A role found fine
/// is not checked again in the same run.
async fn check_trust(
    aws: &Aws,
    shared: &Shared,
    args: &ResumeArgs,
    copy: &Copy,
    warn: &(dyn Fn(String) + Sync),
) -> CliResult {
    let known = |role: &str| shared.trusted.lock().is_ok_and(|t| t.contains(role));
    if known(&copy.role_arn) {
        return Ok(());
    }
    let arn = ExecutionArn::parse(&copy.resumes)?;
    let request = trust::Request {
        source_arn: &copy.arn,
        source_account: &arn.account,
        region: &arn.region,
    };
    let problem = match trust::check(aws, &copy.role_arn, request).await? {
        Trust::Allowed => None,
        Trust::Unknown(why) => {
            warn(format!(
                "could not confirm that the role {} lets Step Functions run {}: {why}",
                copy.role_arn, copy.name
            ));
            None
        }
        Trust::Denied(why) => Some(format!(
            "the trust policy of the role {} does not let Step Functions assume it for the \
             copy {}: {why}",
            copy.role_arn, copy.arn
        )),
    };
    match problem {
        Some(problem) if !args.ignore_trust_policy => Err(CliError::usage(format!(
            "{problem}. Nothing was created. Let the copy assume the role (e.g. add {} to the \
             policy's aws:SourceArn condition) and resume again, or pass \
             --ignore-trust-policy",
            copy.arn
        ))),
        problem => {
            if let Some(problem) = problem {
                warn(format!("{problem} (going on: --ignore-trust-policy)"));
            }
            if let Ok(mut trusted) = shared.trusted.lock() {
                trusted.insert(copy.role_arn.clone());
            }
            Ok(())
        }
    }
}
