//! The rendered demo stack, deployed by change set into the in-process emulator: its state
//! machine is the tutorial's ResumeFromStateExample (shared/fixtures) with this stack's functions,
//! and its job workflow pauses on the demo resumer's pause task.

use crate::common;

use aws_sdk_cloudformation::types::StackStatus;
use deployer::demo::jobs_resumer;
use deployer::render::{demo_template, pause_task, DemoArtifacts, PauseOptions};
use serde_json::Value;

use common::{deploy, output};
use testkit::aws::sdk_config;

fn fixture_definition() -> Option<Value> {
    let text = testkit::shared::read(
        "fixtures/resume-from-state-example.asl.json",
        "the comparison with the recorded definition",
    )?;
    Some(serde_json::from_str(&text).unwrap())
}

/// Replaces every Lambda ARN `Resource` by FIRST or SECOND (which function it names).
fn normalize(value: &mut Value, first: &str, second: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), &*v) {
                    ("Resource", Value::String(arn))
                        if arn.contains("FirstLambda") || arn == first =>
                    {
                        *v = "FIRST".into()
                    }
                    ("Resource", Value::String(arn))
                        if arn.contains("SecondLambda") || arn == second =>
                    {
                        *v = "SECOND".into()
                    }
                    _ => normalize(v, first, second),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| normalize(v, first, second)),
        _ => {}
    }
}

#[tokio::test]
async fn the_demo_stack_deploys_the_tutorials_state_machine() {
    let emulator = emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts");
    let config = sdk_config(&emulator.endpoint());
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket("artifacts").send().await.unwrap();
    for key in ["demo/first.zip", "demo/second.zip", "demo/start_job.zip"] {
        s3.put_object()
            .bucket("artifacts")
            .key(key)
            .body(testkit::package::bootstrap(b"#!/bin/sh\nexit 1\n").into())
            .send()
            .await
            .unwrap();
    }
    let template = demo_template(&DemoArtifacts {
        bucket: "artifacts".into(),
        first_key: "demo/first.zip".into(),
        second_key: "demo/second.zip".into(),
        start_job_key: "demo/start_job.zip".into(),
    })
    .unwrap();
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let stack = deploy(&cfn, "ResumeFromState", &template).await;
    assert_eq!(
        stack.stack_status(),
        Some(&StackStatus::CreateComplete),
        "{:?}",
        stack.stack_status_reason()
    );
    let first = output(&stack, "FirstLambdaArn");
    let second = output(&stack, "SecondLambdaArn");
    assert!(first.contains(":function:"), "{first}");
    let sfn = aws_sdk_sfn::Client::new(&config);
    let machine = sfn
        .describe_state_machine()
        .state_machine_arn(output(&stack, "StateMachineArn"))
        .send()
        .await
        .unwrap();
    assert_eq!(machine.name(), "ResumeFromStateExample");
    let mut deployed: Value = serde_json::from_str(machine.definition()).unwrap();
    assert!(deployed.to_string().contains(&first) && deployed.to_string().contains(&second));
    normalize(&mut deployed, &first, &second);
    if let Some(mut recorded) = fixture_definition() {
        normalize(&mut recorded, "", "");
        assert_eq!(deployed, recorded);
    } else {
        assert_eq!(deployed["StartAt"], "Parallel");
        assert_eq!(deployed["States"]["Final Processing"]["Resource"], "FIRST");
    }

    // The job workflow: StartJob, then the pause task `deployer task` prints for the demo's
    // resumer, then Done.
    let jobs = sfn
        .describe_state_machine()
        .state_machine_arn(output(&stack, "JobStateMachineArn"))
        .send()
        .await
        .unwrap();
    assert_eq!(jobs.name(), "ResumeOnEventExample");
    assert_eq!(jobs.role_arn(), output(&stack, "JobRoleArn"));
    let definition: Value = serde_json::from_str(jobs.definition()).unwrap();
    assert_eq!(definition["StartAt"], "StartJob");
    let start_job = definition["States"]["StartJob"]["Resource"]
        .as_str()
        .unwrap();
    assert!(
        start_job.contains(":function:") && start_job.contains("StartJobLambda"),
        "{start_job}"
    );
    assert_eq!(definition["States"]["StartJob"]["Next"], "WaitForJob");
    let pause = pause_task(
        &jobs_resumer().unwrap().pause,
        &PauseOptions {
            next: Some("Done".into()),
            ..PauseOptions::default()
        },
    )
    .unwrap();
    assert_eq!(definition["States"]["WaitForJob"], pause);
    assert_eq!(definition["States"]["Done"]["Type"], "Succeed");
    emulator.shutdown().await;
}
