//! Pause and resume on events: a resumer (`deployer up`), a small workflow that starts a job
//! (the demo's `start_job` function) and pauses on the printed pause task, and the job's
//! completion event that resumes it.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

use super::narrate::{command_line, result};
use super::sfn::{exit_output, finished, history, succeeded_output};
use super::{sdk_error, Demo};

/// The resumer's name suffix (its stack is `sfn-resume-Jobs`).
pub const JOBS_SUFFIX: &str = "Jobs";
/// The workflow that starts a job and waits for it (also the name of its role).
pub const WORKFLOW: &str = "sfn-resume-demo-jobs";
/// The `start_job` function.
const FUNCTION: &str = "sfn-resume-demo-start-job";
/// The completion events the resumer waits for.
const SOURCE: &str = "sfn-resume.demo";
const DETAIL_TYPE: &str = "JobCompleted";
const PATH_IN_WORKFLOW: &str = "$.jobId";
const PATH_IN_EVENT: &str = "$.detail.jobId";
const LAMBDA_BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/// The deployed resumer.
#[derive(Debug, Clone)]
pub struct Resumer {
    /// Its token table.
    pub table: String,
    /// The table's ARN.
    pub table_arn: String,
}

/// The paused workflow.
#[derive(Debug, Clone)]
pub struct Paused {
    /// Its execution.
    pub execution: String,
    /// The job it waits for.
    pub job_id: String,
}

impl Demo {
    /// `deployer up --name-suffix Jobs …`.
    pub async fn jobs_up(&self) -> Result<Resumer, String> {
        let pattern = json!({"source": [SOURCE], "detail-type": [DETAIL_TYPE]}).to_string();
        let report = self
            .deployer
            .json(&[
                "up",
                "--name-suffix",
                JOBS_SUFFIX,
                "--event-pattern",
                &pattern,
                "--path-to-id-pause-task",
                PATH_IN_WORKFLOW,
                "--path-to-id-workflow",
                PATH_IN_EVENT,
                "--removal-policy",
                "destroy",
                "--yes",
            ])
            .await?;
        let output = |key: &str| {
            report["outputs"]
                .as_array()
                .and_then(|all| all.iter().find(|o| o["key"] == key))
                .and_then(|o| o["value"].as_str())
                .map(str::to_string)
                .ok_or_else(|| format!("`deployer up` reported no {key} output: {report}"))
        };
        let resumer = Resumer {
            table: output("TableName")?,
            table_arn: output("TableArn")?,
        };
        result(&format!(
            "{} {}: table {}, resume machine {}",
            report["result"].as_str().unwrap_or("?"),
            report["stack"].as_str().unwrap_or("?"),
            resumer.table,
            output("ResumeMachineArn")?
        ));
        Ok(resumer)
    }

    /// Prints the pause task, creates the workflow (start_job, then the pause task) and starts
    /// it; waits until its token is stored under the job's id.
    pub async fn start_paused_job(&self, resumer: &Resumer) -> Result<Paused, String> {
        let printed = self
            .deployer
            .run(&[
                "task",
                "--name-suffix",
                JOBS_SUFFIX,
                "--path-to-id-pause-task",
                PATH_IN_WORKFLOW,
                "--next",
                "Done",
            ])
            .await?;
        let pause: Value = serde_json::from_str(&printed)
            .map_err(|e| format!("`deployer task` printed no JSON ({e}): {printed}"))?;
        result(&format!(
            "a {} state pausing on {} (printed above)",
            pause["Type"], pause["Branches"][0]["States"]["Pause"]["Resource"]
        ));
        let role = self.workflow_role().await?;
        let function = self.start_job_function(&role).await?;
        self.allow_workflow(resumer, &function).await?;
        let definition = json!({
            "Comment": "Starts a job, then waits for its completion event (sfn-resume demo)",
            "StartAt": "StartJob",
            "States": {
                "StartJob": {"Type": "Task", "Resource": function, "Next": "WaitForJob"},
                "WaitForJob": pause,
                "Done": {"Type": "Succeed"}
            }
        });
        let workflow = self.workflow(&role, &definition.to_string()).await?;
        command_line(&format!(
            "aws stepfunctions start-execution --state-machine-arn {workflow} --input '{{}}'"
        ));
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let execution = sfn
            .start_execution()
            .state_machine_arn(&workflow)
            .input("{}")
            .send()
            .await
            .map_err(|e| format!("StartExecution: {}", sdk_error(&e)))?
            .execution_arn
            .clone();
        let job_id = self.job_id(&execution).await?;
        result(&format!("StartJob returned jobId {job_id}"));
        command_line(&format!(
            "aws dynamodb get-item --table-name {} --key '{{\"id\": {{\"S\": \"{job_id}\"}}}}'",
            resumer.table
        ));
        let token = poll(self.limit, || self.token(resumer, &job_id)).await?;
        let Some(token) = token.flatten() else {
            return Err(format!(
                "no task token was stored under {job_id} in {}",
                resumer.table
            ));
        };
        let described = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .map_err(|e| format!("DescribeExecution: {}", sdk_error(&e)))?;
        if described.status != ExecutionStatus::Running {
            return Err(format!(
                "the workflow should wait for the event; it is {}",
                described.status
            ));
        }
        result(&format!(
            "token {}… stored; the workflow is RUNNING (paused)",
            token.chars().take(16).collect::<String>()
        ));
        Ok(Paused { execution, job_id })
    }

    /// Puts the job's completion event; checks the workflow succeeds with the event's detail
    /// and the token item is gone.
    pub async fn complete_job(&self, resumer: &Resumer, paused: &Paused) -> Result<(), String> {
        let detail = json!({"jobId": paused.job_id, "rows": 42});
        let entry =
            json!([{"Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": detail.to_string()}]);
        command_line(&format!("aws events put-events --entries '{entry}'"));
        let events = aws_sdk_eventbridge::Client::new(&self.config);
        let put = events
            .put_events()
            .entries(
                PutEventsRequestEntry::builder()
                    .source(SOURCE)
                    .detail_type(DETAIL_TYPE)
                    .detail(detail.to_string())
                    .build(),
            )
            .send()
            .await
            .map_err(|e| format!("PutEvents: {}", sdk_error(&e)))?;
        if put.failed_entry_count() != 0 {
            return Err(format!(
                "EventBridge refused the event: {:?}",
                put.entries()
            ));
        }
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let ended = finished(&sfn, &paused.execution, self.limit).await?;
        command_line(&format!(
            "aws stepfunctions describe-execution --execution-arn {}",
            paused.execution
        ));
        let output = succeeded_output(&ended, "the workflow")?;
        if output["resumeEvent"] != detail {
            return Err(format!(
                "the workflow should go on with the event's detail {detail} at $.resumeEvent; \
                 its output is {output}"
            ));
        }
        result(&format!("SUCCEEDED with output {output}"));
        let gone = poll(self.limit, || async {
            Ok(self.token(resumer, &paused.job_id).await?.is_none())
        })
        .await?;
        if gone != Some(true) {
            return Err(format!(
                "the token item {} is still in {}",
                paused.job_id, resumer.table
            ));
        }
        result(&format!(
            "the token item is gone from {} (the resume machine deleted it)",
            resumer.table
        ));
        Ok(())
    }

    /// Deletes the workflow, its function and role, then the resumer (`deployer down`).
    pub async fn jobs_down(&self) -> Result<(), String> {
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let lambda = aws_sdk_lambda::Client::new(&self.config);
        let iam = aws_sdk_iam::Client::new(&self.config);
        let machines = sfn
            .list_state_machines()
            .send()
            .await
            .map_err(|e| format!("ListStateMachines: {}", sdk_error(&e)))?;
        if let Some(machine) = machines
            .state_machines()
            .iter()
            .find(|m| m.name() == WORKFLOW)
        {
            command_line(&format!(
                "aws stepfunctions delete-state-machine --state-machine-arn {}",
                machine.state_machine_arn()
            ));
            sfn.delete_state_machine()
                .state_machine_arn(machine.state_machine_arn())
                .send()
                .await
                .map_err(|e| format!("DeleteStateMachine: {}", sdk_error(&e)))?;
        }
        command_line(&format!(
            "aws lambda delete-function --function-name {FUNCTION}"
        ));
        ignore_missing(
            lambda
                .delete_function()
                .function_name(FUNCTION)
                .send()
                .await,
        )?;
        command_line(&format!(
            "aws iam delete-role-policy --role-name {WORKFLOW} --policy-name jobs && aws iam \
             detach-role-policy --role-name {WORKFLOW} --policy-arn {LAMBDA_BASIC} && aws iam \
             delete-role --role-name {WORKFLOW}"
        ));
        ignore_missing(
            iam.delete_role_policy()
                .role_name(WORKFLOW)
                .policy_name("jobs")
                .send()
                .await,
        )?;
        ignore_missing(
            iam.detach_role_policy()
                .role_name(WORKFLOW)
                .policy_arn(LAMBDA_BASIC)
                .send()
                .await,
        )?;
        ignore_missing(iam.delete_role().role_name(WORKFLOW).send().await)?;
        self.deployer
            .run(&["down", "--name-suffix", JOBS_SUFFIX, "--yes"])
            .await?;
        Ok(())
    }

    /// The role the workflow and its function run as (Step Functions and Lambda may assume
    /// it); its ARN.
    async fn workflow_role(&self) -> Result<String, String> {
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": ["states.amazonaws.com", "lambda.amazonaws.com"]},
                "Action": "sts:AssumeRole"
            }]
        });
        command_line(&format!(
            "aws iam create-role --role-name {WORKFLOW} --assume-role-policy-document \
             '{trust}' && aws iam attach-role-policy --role-name {WORKFLOW} --policy-arn \
             {LAMBDA_BASIC}"
        ));
        let iam = aws_sdk_iam::Client::new(&self.config);
        let arn = match iam
            .create_role()
            .role_name(WORKFLOW)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
        {
            Ok(created) => created.role().map(|r| r.arn().to_string()),
            Err(e) if e.code() == Some("EntityAlreadyExists") => iam
                .get_role()
                .role_name(WORKFLOW)
                .send()
                .await
                .map_err(|e| format!("GetRole: {}", sdk_error(&e)))?
                .role()
                .map(|r| r.arn().to_string()),
            Err(e) => return Err(format!("CreateRole: {}", sdk_error(&e))),
        }
        .ok_or("CreateRole returned no role")?;
        iam.attach_role_policy()
            .role_name(WORKFLOW)
            .policy_arn(LAMBDA_BASIC)
            .send()
            .await
            .map_err(|e| format!("AttachRolePolicy: {}", sdk_error(&e)))?;
        Ok(arn)
    }

    /// Lets the role invoke the function and store tokens in the resumer's table (what
    /// `deployer up --workflow-role` would grant for the table).
    async fn allow_workflow(&self, resumer: &Resumer, function: &str) -> Result<(), String> {
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function},
                {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"], "Resource": resumer.table_arn},
                {"Effect": "Allow", "Action": "states:SendTaskHeartbeat", "Resource": "*"}
            ]
        });
        command_line(&format!(
            "aws iam put-role-policy --role-name {WORKFLOW} --policy-name jobs \
             --policy-document '{policy}'"
        ));
        aws_sdk_iam::Client::new(&self.config)
            .put_role_policy()
            .role_name(WORKFLOW)
            .policy_name("jobs")
            .policy_document(policy.to_string())
            .send()
            .await
            .map_err(|e| format!("PutRolePolicy: {}", sdk_error(&e)))?;
        Ok(())
    }

    /// Creates (or updates) the start_job function from `start_job.zip`; its ARN.
    async fn start_job_function(&self, role: &str) -> Result<String, String> {
        let zip = self.lambda_dir.join("start_job.zip");
        command_line(&format!(
            "aws lambda create-function --function-name {FUNCTION} --runtime provided.al2023 \
             --handler bootstrap --architectures x86_64 --role {role} --zip-file fileb://{}",
            zip.display()
        ));
        let code = std::fs::read(&zip).map_err(|e| {
            format!(
                "cannot read {} ({e}): run `cargo xtask lambdas`",
                zip.display()
            )
        })?;
        let lambda = aws_sdk_lambda::Client::new(&self.config);
        // A role created a moment ago may not be assumable yet on AWS: retry a while.
        let created = retry_while(
            |e: &aws_sdk_lambda::operation::create_function::CreateFunctionError| {
                e.code() == Some("InvalidParameterValueException")
            },
            || {
                lambda
                    .create_function()
                    .function_name(FUNCTION)
                    .runtime(Runtime::Providedal2023)
                    .handler("bootstrap")
                    .role(role)
                    .code(
                        FunctionCode::builder()
                            .zip_file(Blob::new(code.clone()))
                            .build(),
                    )
                    .send()
            },
        )
        .await;
        let arn = match created {
            Ok(created) => created.function_arn().map(str::to_string),
            Err(e) if e.code() == Some("ResourceConflictException") => lambda
                .update_function_code()
                .function_name(FUNCTION)
                .zip_file(Blob::new(code))
                .send()
                .await
                .map_err(|e| format!("UpdateFunctionCode: {}", sdk_error(&e)))?
                .function_arn()
                .map(str::to_string),
            Err(e) => return Err(format!("CreateFunction: {}", sdk_error(&e))),
        };
        let arn = arn.ok_or("CreateFunction returned no FunctionArn")?;
        wait_active(&lambda, self.limit).await?;
        result(&format!("function {arn}"));
        Ok(arn)
    }

    /// Creates (or updates) the workflow; its ARN.
    async fn workflow(&self, role: &str, definition: &str) -> Result<String, String> {
        command_line(&format!(
            "aws stepfunctions create-state-machine --name {WORKFLOW} --role-arn {role} \
             --definition '{definition}'"
        ));
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let created = retry_while(
            |e: &aws_sdk_sfn::operation::create_state_machine::CreateStateMachineError| {
                e.code() == Some("AccessDeniedException")
            },
            || {
                sfn.create_state_machine()
                    .name(WORKFLOW)
                    .role_arn(role)
                    .definition(definition)
                    .send()
            },
        )
        .await;
        let arn = match created {
            Ok(created) => created.state_machine_arn().to_string(),
            Err(e) if e.code() == Some("StateMachineAlreadyExists") => {
                let machines = sfn
                    .list_state_machines()
                    .send()
                    .await
                    .map_err(|e| format!("ListStateMachines: {}", sdk_error(&e)))?;
                let arn = machines
                    .state_machines()
                    .iter()
                    .find(|m| m.name() == WORKFLOW)
                    .map(|m| m.state_machine_arn().to_string())
                    .ok_or("StateMachineAlreadyExists, yet it is not listed")?;
                sfn.update_state_machine()
                    .state_machine_arn(&arn)
                    .role_arn(role)
                    .definition(definition)
                    .send()
                    .await
                    .map_err(|e| format!("UpdateStateMachine: {}", sdk_error(&e)))?;
                arn
            }
            Err(e) => return Err(format!("CreateStateMachine: {}", sdk_error(&e))),
        };
        result(&format!("stateMachineArn {arn}"));
        Ok(arn)
    }

    /// The job id StartJob returned (from the execution's history).
    async fn job_id(&self, execution: &str) -> Result<String, String> {
        let sfn = aws_sdk_sfn::Client::new(&self.config);
        let found = poll(self.limit, || async {
            let events = history(&sfn, execution).await?;
            Ok(exit_output(&events, "StartJob"))
        })
        .await?
        .flatten()
        .ok_or("StartJob did not finish")?;
        let output: Value = serde_json::from_str(&found)
            .map_err(|e| format!("StartJob's output is not JSON ({e}): {found}"))?;
        output["jobId"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("StartJob returned no jobId: {output}"))
    }

    /// The token stored under `id`, if any (`Some(None)`: no item; polled until an item).
    async fn token(&self, resumer: &Resumer, id: &str) -> Result<Option<String>, String> {
        let item = aws_sdk_dynamodb::Client::new(&self.config)
            .get_item()
            .table_name(&resumer.table)
            .key("id", AttributeValue::S(id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| format!("GetItem: {}", sdk_error(&e)))?;
        Ok(item
            .item()
            .and_then(|i| i.get("token"))
            .and_then(|t| t.as_s().ok())
            .cloned())
    }
}

/// Calls `check` every 100 ms until it gives something truthy (`Some`, or `true` wrapped) or
/// `limit` passes; the last answer.
async fn poll<T, F, Fut>(limit: Duration, mut check: F) -> Result<Option<T>, String>
where
    T: Settled,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    loop {
        let answer = check().await?;
        if answer.settled() || start.elapsed() > limit {
            return Ok(Some(answer));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether a polled answer is final.
trait Settled {
    fn settled(&self) -> bool;
}

impl<T> Settled for Option<T> {
    fn settled(&self) -> bool {
        self.is_some()
    }
}

impl Settled for bool {
    fn settled(&self) -> bool {
        *self
    }
}

/// Retries `call` for up to 30 s while its error is one `transient` accepts.
async fn retry_while<T, E, R, F, Fut>(
    transient: impl Fn(&E) -> bool,
    mut call: F,
) -> Result<T, aws_sdk_lambda::error::SdkError<E, R>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, aws_sdk_lambda::error::SdkError<E, R>>>,
{
    let start = Instant::now();
    loop {
        match call().await {
            Err(e)
                if e.as_service_error().is_some_and(&transient)
                    && start.elapsed() < Duration::from_secs(30) =>
            {
                tokio::time::sleep(Duration::from_secs(2)).await
            }
            other => return other,
        }
    }
}

/// Waits until the function can be invoked (State Active).
async fn wait_active(lambda: &aws_sdk_lambda::Client, limit: Duration) -> Result<(), String> {
    let active = poll(limit, || async {
        let config = lambda
            .get_function_configuration()
            .function_name(FUNCTION)
            .send()
            .await
            .map_err(|e| format!("GetFunctionConfiguration: {}", sdk_error(&e)))?;
        Ok(config
            .state()
            .is_none_or(|s| s == &aws_sdk_lambda::types::State::Active))
    })
    .await?;
    match active {
        Some(true) => Ok(()),
        _ => Err(format!("{FUNCTION} did not become Active")),
    }
}

/// A deletion's result, with "it is not there" counting as done.
fn ignore_missing<T, E, R>(
    outcome: Result<T, aws_sdk_lambda::error::SdkError<E, R>>,
) -> Result<(), String>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match outcome {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.code(),
                Some("ResourceNotFoundException" | "NoSuchEntity" | "NoSuchEntityException")
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_error(&e)),
    }
}
