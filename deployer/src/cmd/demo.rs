//! `deployer demo up | down`: the tutorial's ResumeFromState stack with its Lambda code, and the
//! resumer its job workflow pauses on.

use std::path::Path;

use aws_sdk_cloudformation::types::Stack;
use serde_json::{json, Value};

use crate::aws::artifacts::{self, content_key, default_bucket};
use crate::aws::stack::{describe, tag};
use crate::aws::{iam, machines, Aws};
use crate::cli::{DemoDownArgs, DemoUpArgs, GlobalArgs};
use crate::demo::{
    jobs_resumer, EVENT_DETAIL_TYPE, EVENT_SOURCE, JOBS_SUFFIX, PAUSE_STATE, TUTORIAL_JOB,
};
use crate::error::{CliError, CliResult};
use crate::operation::{check_approval, confirm_delete, delete, deploy, Approval, Deployment};
use crate::render::{demo_template, DemoArtifacts};
use crate::resumer::STACK_PREFIX;
use crate::stacks::{self, ARTIFACT_BUCKET_TAG, DEMO_STACK, RESUMED_COPY};
use crate::ui::console::Console;
use crate::ui::stack::outputs_table;

use super::down::remove;
use super::up::up_one;

/// Where the demo's packages go in the artifact bucket.
const PREFIX: &str = "sfn-resume-demo/";
/// The packages the demo stack needs, by function.
const FUNCTIONS: [&str; 3] = ["first", "second", "start_job"];

/// Runs `deployer demo up`.
pub async fn up(args: &DemoUpArgs, global: &GlobalArgs, console: &Console) -> CliResult {
    let packages = read_packages(&args.lambda_dir)?;
    if let Some(bucket) = &args.artifact_bucket {
        validate_bucket(bucket)?;
    }
    let approval = Approval {
        preview: args.preview,
        yes: args.yes,
    };
    check_approval(console, approval, "deploy")?;
    let aws = Aws::connect(global).await?;
    let bucket = match &args.artifact_bucket {
        Some(bucket) => bucket.clone(),
        None => default_bucket(&artifacts::account_id(&aws).await?, aws.region()),
    };
    if artifacts::ensure_bucket(&aws, &bucket).await? {
        console.note(format!("created the artifact bucket {bucket}"));
    }
    let mut keys = Vec::new();
    for (name, bytes) in packages {
        let key = content_key(PREFIX, name, &bytes);
        let size = bytes.len();
        if artifacts::upload(&aws, &bucket, &key, bytes).await? {
            console.note(format!("uploaded s3://{bucket}/{key} ({size} bytes)"));
        } else {
            console.note(format!("s3://{bucket}/{key} is already there (same code)"));
        }
        keys.push(key);
    }
    let template = demo_template(&DemoArtifacts {
        bucket: bucket.clone(),
        first_key: keys[0].clone(),
        second_key: keys[1].clone(),
        start_job_key: keys[2].clone(),
    })?;
    let mut tags = stacks::tags("demo", None);
    tags.push((ARTIFACT_BUCKET_TAG.to_string(), bucket.clone()));
    let deployment = Deployment {
        stack: DEMO_STACK.to_string(),
        template,
        tags,
        artifact_bucket: Some(bucket.clone()),
        adopt: None,
    };
    let report = deploy(&aws, console, &deployment, approval)
        .await?
        .check()?;
    let output = |key: &str| {
        report
            .outputs
            .iter()
            .find(|o| o.key == key)
            .map(|o| o.value.clone())
    };
    // The resumer the job workflow pauses on, granting the workflow's role its table as
    // `deployer up --workflow-role` does (a preview of a new stack has no role yet).
    let role = output("JobRoleArn")
        .map(|arn| iam::role_name(&arn))
        .transpose()?;
    console.note(format!(
        "Now the resumer that ResumeOnEventExample's {PAUSE_STATE} state pauses on, as `deployer \
         up --name-suffix {JOBS_SUFFIX} --workflow-role {}` deploys it (its pause task is \
         already in the workflow):",
        role.as_deref().unwrap_or("<the job workflow's role>")
    ));
    let (resumer, resumer_report) = up_one(
        &aws,
        console,
        &jobs_resumer()?,
        role.as_ref().map(std::slice::from_ref),
        approval,
        false,
    )
    .await?;
    resumer_report.check()?;
    let machine = output("StateMachineArn");
    let jobs = output("JobStateMachineArn");
    if console.json() {
        let mut value = serde_json::to_value(&report).unwrap_or_default();
        value["artifactBucket"] = json!(bucket);
        value["packages"] = json!(keys);
        value["stateMachineArn"] = json!(machine);
        value["jobStateMachineArn"] = json!(jobs);
        value["resumer"] = resumer;
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else if let (Some(machine), Some(jobs)) = (machine, jobs) {
        console.result(format!("\n{}", outputs_table(&report.outputs)));
        console.result(next_commands(&machine, &jobs));
    }
    Ok(())
}

/// What to type next, for each part of the tutorial.
fn next_commands(machine: &str, jobs: &str) -> String {
    let table = format!("{STACK_PREFIX}{JOBS_SUFFIX}");
    // The event's detail is JSON inside JSON.
    let entries = format!(
        r#"'[{{"Source": "{EVENT_SOURCE}", "DetailType": "{EVENT_DETAIL_TYPE}", "Detail": "{{\"jobId\": \"{TUTORIAL_JOB}\"}}"}}]'"#
    );
    [
        String::new(),
        format!("State machine: {machine}"),
        "Run it (it fails in \"Parallel 2\": the second function needs $.foo):".to_string(),
        format!(
            "  aws stepfunctions start-execution --state-machine-arn {machine} --input \
             '{{\"Message\": \"Your message here\"}}'"
        ),
        String::new(),
        format!("Job workflow: {jobs}"),
        format!(
            "Start it on a job you name (it starts the job, then pauses in {PAUSE_STATE}; its \
             token waits in the table {table}), send the job's completion event, see it resume:"
        ),
        format!(
            "  E=$(aws stepfunctions start-execution --state-machine-arn {jobs} --input \
             '{{\"jobId\": \"{TUTORIAL_JOB}\"}}' --query executionArn --output text)"
        ),
        format!("  aws events put-events --entries {entries}"),
        "  aws stepfunctions describe-execution --execution-arn $E --query '[status,output]'"
            .to_string(),
        String::new(),
    ]
    .join("\n")
}

/// Runs `deployer demo down`.
pub async fn down(args: &DemoDownArgs, global: &GlobalArgs, console: &Console) -> CliResult {
    let approval = Approval {
        preview: false,
        yes: args.yes,
    };
    check_approval(console, approval, "delete")?;
    let aws = Aws::connect(global).await?;
    let stack = owned_stack(&aws, DEMO_STACK).await?;
    let resumer = owned_stack(&aws, &jobs_resumer()?.stack_name()).await?;
    let copies = machines::tagged(&aws, RESUMED_COPY).await?;
    let bucket = match stack.as_ref().and_then(|s| tag(s, ARTIFACT_BUCKET_TAG)) {
        Some(bucket) => bucket.to_string(),
        None => default_bucket(&artifacts::account_id(&aws).await?, aws.region()),
    };
    let mut doomed: Vec<String> = [&resumer, &stack]
        .into_iter()
        .flatten()
        .filter_map(|s| s.stack_name().map(str::to_string))
        .collect();
    doomed.extend(copies.iter().cloned());
    doomed.push(format!("the demo's packages in s3://{bucket}"));
    if !args.yes {
        confirm_delete(console, &doomed.join(", ")).await?;
    }
    // The resumer first: it takes back its grant on the job workflow's role, which the demo
    // stack deletes.
    let resumer_report = match &resumer {
        Some(resumer) => Some(remove(&aws, console, resumer).await?),
        None => None,
    };
    let report = match &stack {
        Some(stack) => Some(delete(&aws, console, stack).await?),
        None => {
            console.note(format!(
                "there is no {DEMO_STACK} stack in {}: nothing to delete there",
                aws.region()
            ));
            None
        }
    };
    for arn in &copies {
        machines::delete(&aws, arn).await?;
        console.note(format!("deleted the resumed copy {arn}"));
    }
    let (objects, owned) = remove_artifacts(&aws, console, &bucket).await?;
    if console.json() {
        let value: Value = json!({
            "stack": report,
            "resumer": resumer_report,
            "deletedStateMachines": copies,
            "artifactBucket": {"name": bucket, "objectsDeleted": objects, "bucketDeleted": owned},
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }
    Ok(())
}

/// The stack `name` if it exists; one deployer did not make is refused (exit 2).
async fn owned_stack(aws: &Aws, name: &str) -> CliResult<Option<Stack>> {
    let stack = describe(aws, &aws.cloudformation(), name).await?;
    if stack.as_ref().is_some_and(|s| !stacks::is_owned(s)) {
        return Err(CliError::usage(format!(
            "{name} was not made by deployer (it has no managed-by=deployer tag): delete it with \
             CloudFormation directly if you mean to"
        )));
    }
    Ok(stack)
}

/// Deletes the demo's packages from `bucket`, and the bucket itself when deployer created it
/// (its tag says so); how many objects went, and whether the bucket did.
pub async fn remove_artifacts(
    aws: &Aws,
    console: &Console,
    bucket: &str,
) -> CliResult<(usize, bool)> {
    let owned = artifacts::is_owned(aws, bucket).await?;
    let prefix = if owned { "" } else { PREFIX };
    let objects = artifacts::delete_objects(aws, bucket, prefix).await?;
    if objects > 0 {
        console.note(format!("deleted {objects} objects from s3://{bucket}"));
    }
    if owned {
        artifacts::delete_bucket(aws, bucket).await?;
        console.note(format!("deleted the artifact bucket {bucket}"));
    }
    Ok((objects, owned))
}

/// The packages `cargo xtask lambdas` wrote, read before anything is called.
fn read_packages(dir: &Path) -> CliResult<Vec<(&'static str, Vec<u8>)>> {
    FUNCTIONS
        .iter()
        .map(|name| {
            let path = dir.join(format!("{name}.zip"));
            std::fs::read(&path)
                .map(|bytes| (*name, bytes))
                .map_err(|e| {
                    CliError::usage(format!(
                    "cannot read the Lambda package {} ({e}): build the demo's functions first \
                     with `cargo xtask lambdas`, or point --lambda-dir at the directory holding \
                     first.zip, second.zip and start_job.zip",
                    path.display()
                ))
                })
        })
        .collect()
}

/// S3's bucket naming rules (3 to 63 lowercase letters, digits, dots and hyphens, starting
/// and ending with a letter or digit).
fn validate_bucket(bucket: &str) -> CliResult {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let valid = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge(bucket.chars().next())
        && edge(bucket.chars().last());
    if valid {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--artifact-bucket '{bucket}' is not a valid S3 bucket name: 3 to 63 lowercase \
             letters, digits, dots and hyphens, starting and ending with a letter or digit"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::validate_bucket;

    #[test]
    fn bucket_names_follow_s3s_rules() {
        assert!(validate_bucket("my-artifacts.2").is_ok());
        for bad in ["ab", "My-Bucket", "-start", "end-", "under_score"] {
            assert!(validate_bucket(bad).is_err(), "{bad}");
        }
    }
}
