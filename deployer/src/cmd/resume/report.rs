//! What a live resume reports: the commands that start the resumed execution, and the JSON
//! document for scripts.

use asl::resume::ResumePlan;
use serde_json::{json, Value};

use super::one::Prepared;
use super::plan_json;
use crate::aws::sfn::arn::ExecutionArn;
use crate::aws::sfn::{Copy, Saved};
use crate::aws::Aws;
use crate::cli::{ResumeArgs, Strategy};
use crate::strategy::runs_again;
use crate::ui;

/// The commands that start the resumed execution.
pub struct Commands {
    /// `aws stepfunctions start-execution …` of the version, name and input planned.
    pub aws_cli: String,
    /// `deployer resume … --start`.
    pub deployer: String,
}

impl Commands {
    /// The commands for `plan`; `version` is the published version (or, on a dry run, the
    /// copy's ARN with a placeholder).
    pub fn new(
        args: &ResumeArgs,
        arn: &ExecutionArn,
        aws: &Aws,
        version: &str,
        plan: &ResumePlan,
    ) -> Self {
        let mut aws_cli = format!(
            "aws stepfunctions start-execution --region {} --state-machine-arn {} --name {} \
             --input {}",
            arn.region,
            shell_quote(version),
            shell_quote(&plan.execution_name),
            shell_quote(&plan.execution_input.to_string())
        );
        if let Some(endpoint) = aws.endpoint() {
            aws_cli.push_str(&format!(" --endpoint-url {}", shell_quote(endpoint)));
        }
        let deployer = format!(
            "deployer resume {}{} --start",
            shell_quote(&arn.arn),
            plan_flags(args)
        );
        Commands { aws_cli, deployer }
    }

    /// The commands that redrive the execution.
    pub fn redrive(arn: &ExecutionArn, aws: &Aws) -> Self {
        let mut aws_cli = format!(
            "aws stepfunctions redrive-execution --region {} --execution-arn {}",
            arn.region,
            shell_quote(&arn.arn)
        );
        if let Some(endpoint) = aws.endpoint() {
            aws_cli.push_str(&format!(" --endpoint-url {}", shell_quote(endpoint)));
        }
        let deployer = format!(
            "deployer resume {} --strategy redrive --start",
            shell_quote(&arn.arn)
        );
        Commands { aws_cli, deployer }
    }

    /// The text report of a saved copy.
    pub fn text<'a>(
        &'a self,
        plan: &'a ResumePlan,
        copy: &'a Copy,
        saved: &'a Saved,
    ) -> ui::resume::Report<'a> {
        ui::resume::Report {
            plan,
            machine_arn: &copy.arn,
            version_arn: &saved.version_arn,
            action: saved.action,
            start_command: &self.aws_cli,
            resume_command: &self.deployer,
        }
    }

    /// The plan and the copy as one JSON document; `saved` is `None` on a dry run.
    pub fn json(&self, prepared: &Prepared, copy: &Copy, saved: Option<&Saved>) -> Value {
        let mut value = decision_json(prepared);
        value["dryRun"] = json!(saved.is_none());
        value["stateMachineArn"] = json!(copy.arn);
        value["sourceStateMachineArn"] = json!(copy.source_arn);
        if let Some(saved) = saved {
            value["action"] = json!(saved.action);
            value["stateMachineVersionArn"] = json!(saved.version_arn);
        }
        value["startCommand"] = json!(self.aws_cli);
        value["resumeCommand"] = json!(self.deployer);
        value
    }
}

/// The flags of `args` that shape a resume (` --patch '…'`, ` --strategy copy`, ` --force`,
/// …) as shell words, for the commands printed to run it again.
pub fn plan_flags(args: &ResumeArgs) -> String {
    let mut flags = String::new();
    let valued = [
        ("--from-state", args.from_state.clone()),
        ("--patch", args.patch.clone()),
        (
            "--patch-execution-input",
            args.patch_execution_input.clone(),
        ),
        (
            "--timeout-seconds",
            args.timeout_seconds.map(|n| n.to_string()),
        ),
        (
            "--definition-file",
            args.definition_file
                .as_ref()
                .map(|file| file.display().to_string()),
        ),
        (
            "--strategy",
            (args.strategy != Strategy::Auto).then(|| args.strategy.as_str().to_string()),
        ),
    ];
    for (flag, value) in valued {
        if let Some(value) = value {
            flags.push_str(&format!(" {flag} {}", shell_quote(&value)));
        }
    }
    for (flag, set) in [
        ("--force", args.force),
        ("--ignore-trust-policy", args.ignore_trust_policy),
    ] {
        if set {
            flags.push_str(&format!(" {flag}"));
        }
    }
    flags
}

/// The plan of `prepared` as JSON (when there is one), with the strategy chosen and why, and
/// what runs again: the part of the report both strategies share.
pub fn decision_json(prepared: &Prepared) -> Value {
    let mut value = match &prepared.plan {
        Some(plan) => plan_json(plan),
        None => json!({"original": {}, "planProblem": prepared.plan_problem}),
    };
    value["original"]["executionArn"] = json!(prepared.arn.arn);
    if prepared.plan.is_none() {
        value["original"]["error"] = json!(prepared.error);
    }
    value["strategy"] = json!(prepared.choice);
    value["runsAgain"] = json!(prepared
        .plan
        .as_ref()
        .map(|plan| runs_again(plan, prepared.choice.chosen)));
    value
}

/// `text` as one POSIX shell word.
pub fn shell_quote(text: &str) -> String {
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
