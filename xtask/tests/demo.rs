//! The demo's flow on the in-process emulator, with the real deployer binary and the real
//! Lambda packages: every step, then the teardown, which must leave nothing behind.

use aws_sdk_sfn::types::ExecutionStatus;
use xtask::demo::{built_by_the_tests, Demo};

#[test]
fn the_demo_deploys_fails_in_parallel_2_pauses_resumes_on_the_event_and_tears_down() {
    let built =
        built_by_the_tests(&xtask::workspace::root()).expect("the lambdas and the deployer build");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let emulator = emulator::start(emulator::Config::ephemeral())
            .await
            .expect("the emulator starts");
        let demo = Demo::local(&built, &emulator.endpoint());
        let sfn = aws_sdk_sfn::Client::new(&demo.config);

        let deployed = demo.demo_up().await.expect("deployer demo up");
        let machine = &deployed.machine;
        assert!(
            machine.ends_with(":stateMachine:ResumeFromStateExample"),
            "{machine}"
        );
        assert!(
            deployed
                .jobs
                .ends_with(":stateMachine:ResumeOnEventExample"),
            "{}",
            deployed.jobs
        );
        let failed = demo.failing_run(machine).await.expect("the run fails");
        let described = sfn
            .describe_execution()
            .execution_arn(&failed)
            .send()
            .await
            .unwrap();
        assert_eq!(described.status, ExecutionStatus::Failed);
        assert_eq!(described.error(), Some(demo::MISSING_FOO));

        let resumed = demo
            .resume(&failed)
            .await
            .expect("deployer resume --start --wait");
        demo.check_resumed(&resumed)
            .await
            .expect("the copy succeeds without running \"Parallel\" again");

        // Deploying again with the same packages changes nothing.
        assert_eq!(demo.demo_up().await.expect("demo up again"), deployed);

        let paused = demo
            .start_job_workflow(&deployed.jobs)
            .await
            .expect("the job workflow pauses");
        assert!(paused.job_id.starts_with("job-"), "{}", paused.job_id);
        demo.complete_job(&paused)
            .await
            .expect("the event resumes the workflow");

        demo.teardown().await.expect("the teardown");
        let cfn = aws_sdk_cloudformation::Client::new(&demo.config);
        let left: Vec<String> = cfn
            .list_stacks()
            .send()
            .await
            .unwrap()
            .stack_summaries()
            .iter()
            .filter(|s| {
                s.stack_status()
                    .is_some_and(|st| st.as_str() != "DELETE_COMPLETE")
            })
            .filter_map(|s| s.stack_name().map(str::to_string))
            .collect();
        assert!(left.is_empty(), "stacks left: {left:?}");
        let machines = sfn.list_state_machines().send().await.unwrap();
        assert!(
            machines.state_machines().is_empty(),
            "{:?}",
            machines.state_machines()
        );
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&demo.config)
                .force_path_style(true)
                .build(),
        );
        assert!(s3.list_buckets().send().await.unwrap().buckets().is_empty());
        emulator.shutdown().await;
    });
}
