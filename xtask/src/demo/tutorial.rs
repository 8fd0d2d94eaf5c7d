//! The resume-from-any-state tutorial: deploy, fail in "Parallel 2", resume, succeed.

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::Value;

use super::narrate::{command_line, result};
use super::sfn::{count, entered, finished, history, succeeded_output};
use super::{sdk_error, Demo};

/// The tutorial's start input (demo/inputs/start.json).
pub const START_INPUT: &str = include_str!("../../../demo/inputs/start.json");
/// The fix: the merge patch that adds what the second function needs
/// (demo/inputs/resume-patch.json).
pub const RESUME_PATCH: &str = include_str!("../../../demo/inputs/resume-patch.json");

/// The top-level state that fails, and the states before it that must not run again.
const FAILS_IN: &str = "Parallel 2";
const NOT_AGAIN: [&str; 3] = [
    "Parallel",
    "Parallel Step 1, Process 1",
    "Parallel Step 1, Process 2",
];

/// What `deployer demo up` deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    /// ResumeFromStateExample.
    pub machine: String,
    /// The job workflow, ResumeOnEventExample.
    pub jobs: String,
}

impl Demo {
    /// `deployer demo up`; both state machines' ARNs.
    pub async fn demo_up(&self) -> Result<Deployed, String> {
        // As the user would type it: relative to the workspace, where the deployer runs.
        let lambda_dir = self
            .lambda_dir
            .strip_prefix(&self.deployer.dir)
            .unwrap_or(&self.lambda_dir)
            .to_string_lossy()
            .into_owned();
        let mut args = vec!["demo", "up", "--yes"];
        if lambda_dir != "target/lambda" {
            args.extend(["--lambda-dir", lambda_dir.as_str()]);
        }
        let report = self.deployer.json(&args).await?;
        let arn = |key: &str| {
            report[key]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("`deployer demo up` printed no {key}: {report}"))
        };
        let deployed = Deployed {
            machine: arn("stateMachineArn")?,
            jobs: arn("jobStateMachineArn")?,
        };
        result(&format!(
            "{} {}, {} {}",
            report["result"].as_str().unwrap_or("?"),
            report["stack"],
            report["resumer"]["result"].as_str().unwrap_or("?"),
            report["resumer"]["stack"]
        ));
        result(&format!("state machine {}", deployed.machine));
        result(&format!("job workflow {}", deployed.jobs));
        Ok(deployed)
    }

    /// Starts the tutorial's run and checks it fails in "Parallel 2" for want of `foo`; the
    /// failed execution's ARN.
    pub async fn failing_run(&self, machine: &str) -> Result<String, String> {
        let input = START_INPUT.trim();
        command_line(&format!(
            "aws stepfunctions start-execution --state-machine-arn {machine} --input '{input}'"
        ));
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let started = sfn
            .start_execution()
            .state_machine_arn(machine)
            .input(input)
            .send()
            .await
            .map_err(|e| format!("StartExecution: {}", sdk_error(&e)))?;
        let arn = started.execution_arn().to_string();
        result(&format!("executionArn {arn}"));
        let ended = finished(&sfn, &arn, self.limit).await?;
        command_line(&format!(
            "aws stepfunctions get-execution-history --execution-arn {arn}"
        ));
        if ended.status != ExecutionStatus::Failed {
            return Err(format!(
                "the execution should have FAILED, it ended {}",
                ended.status
            ));
        }
        let events = history(&sfn, &arn).await?;
        let states = entered(&events);
        let failed_parallel = count(&events, HistoryEventType::ParallelStateFailed);
        let last_top = states
            .iter()
            .rev()
            .find(|s| *s == "Parallel" || *s == FAILS_IN || *s == "Final Processing");
        if last_top.map(String::as_str) != Some(FAILS_IN) || failed_parallel != 1 {
            return Err(format!(
                "the execution should have failed in \"{FAILS_IN}\"; it entered {states:?} \
                 ({failed_parallel} ParallelStateFailed events)"
            ));
        }
        result(&format!(
            "FAILED in \"{FAILS_IN}\" ({} events): {}: {}",
            events.len(),
            ended.error().unwrap_or("no error"),
            ended.cause().unwrap_or("no cause")
        ));
        Ok(arn)
    }

    /// `deployer resume <arn> --patch '{"foo":"bar"}' --start --wait`; the ARN of the execution
    /// it started.
    pub async fn resume(&self, failed: &str) -> Result<String, String> {
        let patch = serde_json::from_str::<Value>(RESUME_PATCH)
            .map_err(|e| format!("demo/inputs/resume-patch.json: {e}"))?
            .to_string();
        let report = self
            .deployer
            .json(&["resume", failed, "--patch", &patch, "--start", "--wait"])
            .await?;
        let started = report["resumed"]["executionArn"]
            .as_str()
            .filter(|arn| arn.contains("-with-GoToState"))
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "`deployer resume` printed no execution of the -with-GoToState copy: {report}"
                )
            })?;
        result(&format!("started {started}"));
        Ok(started)
    }

    /// The resumed execution succeeded, never entered the states before "Parallel 2", and ran
    /// the second function with `foo`.
    pub async fn check_resumed(&self, arn: &str) -> Result<(), String> {
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let ended = finished(&sfn, arn, self.limit).await?;
        command_line(&format!(
            "aws stepfunctions get-execution-history --execution-arn {arn}"
        ));
        let output = succeeded_output(&ended, "the resumed execution")?;
        let events = history(&sfn, arn).await?;
        let states = entered(&events);
        if let Some(again) = NOT_AGAIN.iter().find(|s| states.iter().any(|e| e == *s)) {
            return Err(format!(
                "the resumed execution ran \"{again}\" again (it entered {states:?})"
            ));
        }
        // "Parallel 2" itself, or its once-only copy when a branch had succeeded before.
        let resumed_at = |s: &String| {
            s == FAILS_IN
                || s.strip_prefix(FAILS_IN)
                    .is_some_and(|rest| rest.starts_with(asl::resume::COPY_MARK))
        };
        if !states.iter().any(resumed_at) || !states.iter().any(|s| s == "Final Processing") {
            return Err(format!(
                "the resumed execution should run \"{FAILS_IN}\" and \"Final Processing\"; it \
                 entered {states:?}"
            ));
        }
        let lambdas = count(&events, HistoryEventType::LambdaFunctionScheduled)
            + count(&events, HistoryEventType::TaskScheduled);
        result(&format!(
            "SUCCEEDED; states entered: {}",
            states.join(" → ")
        ));
        result(&format!(
            "{lambdas} Lambda calls (\"Parallel\" and its 2 calls were skipped); output {}",
            compact(&output)
        ));
        Ok(())
    }
}

fn compact(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_tutorial_inputs_are_json() {
        let start: Value = serde_json::from_str(START_INPUT).unwrap();
        assert_eq!(start, json!({"Message": "Your message here"}));
        let patch: Value = serde_json::from_str(RESUME_PATCH).unwrap();
        assert_eq!(patch, json!({"foo": "bar"}));
    }
}
