//! `deployer resume <EXECUTION_ARN>`: read the failed execution, check the role's trust policy,
//! create (or update) `<machine>-with-GoToState`, and optionally start and follow it.

use asl::resume::ResumePlan;
use serde_json::{json, Value};

use super::{parse_definition, plan_for, plan_json, start_input, to_pretty};
use crate::aws::sfn::arn::{copy_name, ExecutionArn};
use crate::aws::sfn::{self, Copy};
use crate::aws::trust::{self, Trust};
use crate::aws::Aws;
use crate::cli::{GlobalArgs, ResumeArgs};
use crate::error::{CliError, CliResult};
use crate::input::parse_patch;
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
    if let Some(patch) = &args.patch {
        parse_patch(patch)?;
    }
    let aws = Aws::connect(global).await?;
    let aws = if aws.region() == arn.region {
        aws
    } else {
        console.detail(format!(
            "using the execution's region {} (not {})",
            arn.region,
            aws.region()
        ));
        aws.in_region(&arn.region)
    };

    let execution = sfn::describe_execution(&aws, &arn.arn).await?;
    let status = execution.status().as_str();
    if !RESUMABLE.contains(&status) {
        return Err(CliError::usage(format!(
            "the execution {} is {status}: nothing to resume (only a FAILED, TIMED_OUT or \
             ABORTED execution can be resumed)",
            arn.arn
        )));
    }
    let machine = sfn::machine_for_execution(&aws, &arn.arn).await?;
    let definition = parse_definition(machine.definition()).map_err(|message| {
        CliError::Failed(format!(
            "the definition the execution ran cannot be read: {message}"
        ))
    })?;
    let history = sfn::history(&aws, &arn.arn).await?;
    let plan = plan_for(args, &definition, &history)?;

    let name = copy_name(&arn.machine);
    let copy = Copy {
        arn: arn.machine_arn(&name),
        name,
        definition: plan.definition.to_value().to_string(),
        role_arn: machine.role_arn().to_string(),
        logging: machine.logging_configuration().cloned(),
        tracing: machine.tracing_configuration().cloned(),
        source_arn: machine.state_machine_arn().to_string(),
    };
    let commands = Commands::new(args, &arn, &aws, &copy.arn, &plan);
    if args.dry_run {
        return print_report(console, &plan, &copy, &commands, None);
    }

    check_trust(&aws, console, args, &arn, &copy).await?;
    let saved = sfn::save_copy(&aws, &copy).await?;
    console.note(format!("State machine {}: {}", saved.as_str(), copy.arn));
    if !args.start {
        return print_report(console, &plan, &copy, &commands, Some(saved.as_str()));
    }
    if !console.json() {
        print!(
            "{}",
            ui::resume::render(&commands.report(&plan, &copy, saved.as_str()))
        );
    }
    let started = sfn::start(&aws, &copy.arn, &commands.start_input).await?;
    if console.json() {
        console.note(format!("Started {started}"));
    }
    let mut report = commands.json(&plan, &copy, Some(saved.as_str()));
    report["executionArn"] = json!(started);
    if !console.json() {
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
    report["status"] = json!(status);
    for (key, value) in [
        ("output", ended.output()),
        ("error", ended.error()),
        ("cause", ended.cause()),
    ] {
        if let Some(value) = value {
            report[key] = json!(value);
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

/// Prints the plan and the copy without starting it (text or JSON).
fn print_report(
    console: &Console,
    plan: &ResumePlan,
    copy: &Copy,
    commands: &Commands,
    saved: Option<&str>,
) -> CliResult {
    if console.json() {
        println!("{}", to_pretty(&commands.json(plan, copy, saved)));
    } else if saved.is_none() {
        print!("{}", ui::plan::render(plan));
        println!(
            "Resuming would create or update the state machine {}",
            copy.arn
        );
    } else {
        print!(
            "{}",
            ui::resume::render(&commands.report(plan, copy, saved.unwrap_or_default()))
        );
    }
    Ok(())
}

/// The input that starts the copy at the resume point, and the commands that do it.
struct Commands {
    start_input: Value,
    aws_cli: String,
    deployer: String,
}

impl Commands {
    fn new(
        args: &ResumeArgs,
        arn: &ExecutionArn,
        aws: &Aws,
        copy: &str,
        plan: &ResumePlan,
    ) -> Self {
        let start_input = start_input(&plan.resume_input);
        let mut aws_cli = format!(
            "aws stepfunctions start-execution --region {} --state-machine-arn {} --input {}",
            arn.region,
            shell_quote(copy),
            shell_quote(&start_input.to_string())
        );
        if let Some(endpoint) = aws.endpoint() {
            aws_cli.push_str(&format!(" --endpoint-url {}", shell_quote(endpoint)));
        }
        let mut deployer = format!("deployer resume {}", shell_quote(&arn.arn));
        if let Some(state) = &args.from_state {
            deployer.push_str(&format!(" --from-state {}", shell_quote(state)));
        }
        if let Some(patch) = &args.patch {
            deployer.push_str(&format!(" --patch {}", shell_quote(patch)));
        }
        deployer.push_str(" --start");
        Commands {
            start_input,
            aws_cli,
            deployer,
        }
    }

    fn report<'a>(
        &'a self,
        plan: &'a ResumePlan,
        copy: &'a Copy,
        action: &'a str,
    ) -> ui::resume::Report<'a> {
        ui::resume::Report {
            plan,
            machine_arn: &copy.arn,
            action,
            start_input: &self.start_input,
            start_command: &self.aws_cli,
            resume_command: &self.deployer,
        }
    }

    /// The plan and the copy as one JSON document; `saved` is `None` on a dry run.
    fn json(&self, plan: &ResumePlan, copy: &Copy, saved: Option<&str>) -> Value {
        let mut value = plan_json(plan);
        value["dryRun"] = json!(saved.is_none());
        value["stateMachineArn"] = json!(copy.arn);
        value["sourceStateMachineArn"] = json!(copy.source_arn);
        if let Some(saved) = saved {
            value["action"] = json!(saved);
        }
        value["startCommand"] = json!(self.aws_cli);
        value["resumeCommand"] = json!(self.deployer);
        value
    }
}

/// `text` as one POSIX shell word.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn shell_words() {
        assert_eq!(
            shell_quote("arn:aws:states:us-east-1:1:stateMachine:m"),
            "arn:aws:states:us-east-1:1:stateMachine:m"
        );
        assert_eq!(shell_quote(r#"{"a":"it's"}"#), r#"'{"a":"it'\''s"}'"#);
        assert_eq!(shell_quote(""), "''");
    }
}
