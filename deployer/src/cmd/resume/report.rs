//! What a live resume reports: the commands that start the resumed execution, and the JSON
//! document for scripts.

use asl::resume::ResumePlan;
use serde_json::{json, Value};

use super::plan_json;
use crate::aws::sfn::arn::ExecutionArn;
use crate::aws::sfn::{Copy, Saved};
use crate::aws::Aws;
use crate::cli::ResumeArgs;
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
        let mut deployer = format!("deployer resume {}", shell_quote(&arn.arn));
        let flags = [
            ("--from-state", &args.from_state),
            ("--patch", &args.patch),
            ("--patch-execution-input", &args.patch_execution_input),
        ];
        for (flag, value) in flags {
            if let Some(value) = value {
                deployer.push_str(&format!(" {flag} {}", shell_quote(value)));
            }
        }
        if let Some(seconds) = args.timeout_seconds {
            deployer.push_str(&format!(" --timeout-seconds {seconds}"));
        }
        if let Some(file) = &args.definition_file {
            deployer.push_str(&format!(
                " --definition-file {}",
                shell_quote(&file.display().to_string())
            ));
        }
        deployer.push_str(" --start");
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
    pub fn json(&self, plan: &ResumePlan, copy: &Copy, saved: Option<&Saved>) -> Value {
        let mut value = plan_json(plan);
        value["original"]["executionArn"] = json!(copy.resumes);
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
