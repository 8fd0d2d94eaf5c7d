//! `deployer resume` on the failures users really have, live against the emulator, with Lambda
//! functions that record every call: what ran again, how the resumed run ended and with which
//! output, and what is refused (exit 2, nothing created or started).
//!
//! One test per class of issue 13's "Why", then the cases that worked before.

use aws_sdk_sfn::types::ExecutionStatus;

use crate::common;
use serde_json::{json, Value};

use crate::scenario_world::{assert_refused, resumed_output, Faults, World};

const BROKEN: Faults<'static> = Faults {
    need_foo: true,
    fail_once_on: None,
};
const FINE: Faults<'static> = Faults {
    need_foo: false,
    fail_once_on: None,
};

fn flaky(pattern: &str) -> Faults<'_> {
    Faults {
        need_foo: false,
        fail_once_on: Some(pattern),
    }
}

fn task(resource: &str, next: Option<&str>) -> Value {
    let mut state = json!({"Type": "Task", "Resource": resource});
    match next {
        Some(next) => state["Next"] = json!(next),
        None => state["End"] = json!(true),
    }
    state
}

/// Why: "A Catch whose handler runs a state before the Fail: the plan resumes at the Fail".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_handler_chain_resumes_at_the_state_that_threw() {
    let world = World::start().await;
    let (work, work_calls) = world.function("work", BROKEN).await;
    let (notify, notify_calls) = world.function("notify", FINE).await;
    let mut work_state = task(&work, Some("Done"));
    work_state["Catch"] =
        json!([{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify"}]);
    let definition = json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": "ready", "ResultPath": "$.prepared", "Next": "Work"},
        "Work": work_state,
        "Notify": task(&notify, Some("Log")),
        "Log": {"Type": "Pass", "Next": "Failed"},
        "Failed": {"Type": "Fail", "Error": "WorkFailed"},
        "Done": {"Type": "Succeed"}
    }});
    let machine = world.machine("caught", &definition, false).await;
    let failed = world.run(&machine, json!({"order": 1})).await;
    assert_eq!((work_calls.count(), notify_calls.count()), (1, 1));

    let report = world
        .resume_and_wait(&failed, &["--patch", r#"{"foo": "bar"}"#])
        .await;
    assert_eq!(report["failedState"], "Work");
    assert_eq!(report["resumeState"], "Work");
    assert_eq!(
        report["failure"],
        json!({"kind": "caught", "handlers": ["Notify", "Log", "Failed"]})
    );
    assert_eq!(report["original"]["error"], "WorkFailed");
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
    assert_eq!(work_calls.count(), 2, "the state that threw ran again");
    assert_eq!(notify_calls.count(), 1, "the handler did not run again");
    assert_eq!(
        resumed_output(&report),
        json!({"order": 1, "prepared": "ready", "foo": "bar"})
    );
}

/// Why (item 1): a Fail reached by normal control flow is named as such, with the state to
/// resume from instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fail_state_reached_by_a_choice_is_named_and_the_state_before_it_proposed() {
    let world = World::start().await;
    let definition = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$.ok", "BooleanEquals": true, "Next": "Done"}], "Default": "Rejected"},
        "Rejected": {"Type": "Fail", "Error": "Rejected"},
        "Done": {"Type": "Succeed"}
    }});
    let machine = world.machine("choice", &definition, false).await;
    let failed = world.run(&machine, json!({"ok": false})).await;

    let plan = world.resume(&failed, &["--dry-run"]).await;
    assert_eq!(plan["failedState"], "Rejected");
    assert_eq!(
        plan["failure"],
        json!({"kind": "failState", "before": "Check"})
    );
    let warnings = plan["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().contains(
            "resuming there fails again; resume from the state before it with --from-state 'Check'"
        )),
        "{warnings:?}"
    );
    // Following the advice with a fixed input succeeds.
    let report = world
        .resume_and_wait(
            &failed,
            &["--from-state", "Check", "--patch", r#"{"ok": true}"#],
        )
        .await;
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
}

/// Why: "A Parallel inside a loop: every later pass returns the first pass's recorded branch
/// output".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_in_a_loop_takes_its_shortcut_once_and_later_passes_really_run() {
    let world = World::start().await;
    let (count, count_calls) = world.function("count", FINE).await;
    let (needs_foo, needs_foo_calls) = world.function("needs-foo", BROKEN).await;
    let definition = json!({"StartAt": "Round", "States": {
        "Round": {"Type": "Parallel", "ResultPath": "$.results", "Next": "Next round", "Branches": [
            {"StartAt": "Count", "States": {"Count": task(&count, None)}},
            {"StartAt": "Shape", "States": {
                "Shape": {"Type": "Pass", "Next": "Needs foo"},
                "Needs foo": task(&needs_foo, None)}}
        ]},
        "Next round": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.round.n, 1)"},
                       "ResultPath": "$.round", "Next": "Again"},
        "Again": {"Type": "Choice", "Choices": [
            {"Variable": "$.round.n", "NumericLessThan": 3, "Next": "Round"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}
    }});
    let machine = world.machine("rounds", &definition, false).await;
    let failed = world.run(&machine, json!({"round": {"n": 0}})).await;
    assert_eq!(needs_foo_calls.count(), 1);
    let counted_before = count_calls.settled_count().await;

    let report = world
        .resume_and_wait(&failed, &["--patch", r#"{"foo": "bar"}"#])
        .await;
    assert_eq!(report["resumeState"], "Round");
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
    let output = resumed_output(&report);
    assert_eq!(output["round"]["n"], 3);
    assert_eq!(
        output["results"][0]["round"]["n"], 2,
        "the last pass's own branch output, not the first pass's"
    );
    // Whether "Count" finished in the failed run is a race with the failing branch; the plan
    // says which happened: a branch that succeeded returns its recorded output (a shortcut that
    // replaces the first pass only), one that did not runs again in every pass.
    let shortcut = report["branches"]
        .to_string()
        .to_lowercase()
        .contains("recordedoutput");
    let expected = counted_before + if shortcut { 2 } else { 3 };
    assert_eq!(count_calls.count(), expected, "{report}");
    assert_eq!(
        needs_foo_calls.count(),
        4,
        "the failed branch in every pass"
    );
    let rounds: Vec<Value> = count_calls
        .events()
        .iter()
        .map(|e| e["round"]["n"].clone())
        .collect();
    assert_eq!(rounds.last(), Some(&json!(2)));
}

/// Why: "A resume point whose recorded input is not an object (an array after a Parallel, a
/// string, a number): it is replaced by {"resuming": true} and the data is lost".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_that_are_not_objects_reach_the_resume_point_exactly() {
    let world = World::start().await;
    for (name, make, expected) in [
        (
            "array",
            json!({"Type": "Parallel", "Next": "Use", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": true}}},
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": true}}}]}),
            json!(["a", 2]),
        ),
        (
            "string",
            json!({"Type": "Pass", "Result": "just text", "Next": "Use"}),
            json!("just text"),
        ),
        (
            "number",
            json!({"Type": "Pass", "Result": 42.5, "Next": "Use"}),
            json!(42.5),
        ),
    ] {
        let (use_it, calls) = world.function(&format!("use-{name}"), flaky(".")).await;
        let definition =
            json!({"StartAt": "Make", "States": {"Make": make, "Use": task(&use_it, None)}});
        let machine = world.machine(name, &definition, false).await;
        let failed = world.run(&machine, json!({"kept": true})).await;
        assert_eq!(
            world.ended(&failed).await.0,
            ExecutionStatus::Failed,
            "{name}"
        );
        let report = world.resume_and_wait(&failed, &[]).await;
        assert_eq!(report["resumeInput"], expected, "{name}");
        assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{name}: {report}");
        assert_eq!(resumed_output(&report), expected, "{name}");
        assert_eq!(
            calls.events(),
            vec![expected.clone(), expected],
            "{name}: the Lambda got exactly the data, twice (the outage, then the resume)"
        );
    }
}

/// Why: "$$.Execution.Input is replaced by the resume input…; resuming: true leaks into Lambda
/// payloads and final outputs".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_execution_input_stays_the_original_and_no_marker_leaks() {
    let world = World::start().await;
    let (charge, calls) = world.function("charge", flaky("order")).await;
    let mut charge_state = task(&charge, Some("Receipt"));
    charge_state["Parameters"] =
        json!({"order.$": "$$.Execution.Input.orderId", "amount.$": "$.amount"});
    let definition = json!({"StartAt": "Price", "States": {
        "Price": {"Type": "Pass", "Result": {"amount": 12}, "Next": "Charge"},
        "Charge": charge_state,
        "Receipt": {"Type": "Pass", "Parameters": {"charged.$": "$", "by.$": "$$.Execution.Name"}, "End": true}
    }});
    let machine = world.machine("orders", &definition, false).await;
    let failed = world.run(&machine, json!({"orderId": "o-1"})).await;

    let plan = world.resume(&failed, &["--dry-run"]).await;
    assert_eq!(plan["executionInput"], json!({"orderId": "o-1"}));
    assert!(
        plan["warnings"].to_string().contains("$$.Execution.Name"),
        "a copy cannot keep the execution's name: {}",
        plan["warnings"]
    );
    let report = world.resume_and_wait(&failed, &[]).await;
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
    let payload = calls.events().last().cloned().unwrap();
    assert_eq!(payload, json!({"order": "o-1", "amount": 12}));
    let output = resumed_output(&report);
    assert_eq!(output["charged"], json!({"order": "o-1", "amount": 12}));
    assert!(!output.to_string().contains("resuming"));

    // --patch-execution-input changes $$.Execution.Input on purpose.
    let (charge2, calls2) = world.function("charge2", flaky("o-2")).await;
    let mut again = definition.clone();
    again["States"]["Charge"]["Resource"] = json!(charge2);
    let machine2 = world.machine("orders2", &again, false).await;
    let failed2 = world.run(&machine2, json!({"orderId": "o-2"})).await;
    let report = world
        .resume_and_wait(
            &failed2,
            &["--patch-execution-input", r#"{"orderId": "o-3"}"#],
        )
        .await;
    assert_eq!(report["executionInput"], json!({"orderId": "o-3"}));
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
    assert_eq!(calls2.events().last().unwrap()["order"], "o-3");
}

/// Why: "A Map whose item 7 of 10 failed re-runs all 10 items (side effects repeated)".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_reruns_only_the_items_that_did_not_succeed() {
    let world = World::start().await;
    let (ship, calls) = world.function("ship", flaky(r#""n":7"#)).await;
    let items: Vec<Value> = (0..10).map(|n| json!({"n": n})).collect();
    let definition = json!({"StartAt": "Ship all", "States": {
        "Ship all": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": true,
                     "ItemProcessor": {"StartAt": "Ship", "States": {"Ship": task(&ship, None)}}}
    }});
    let machine = world.machine("shipping", &definition, false).await;
    let failed = world.run(&machine, json!({ "items": items })).await;
    assert_eq!(calls.count(), 8, "items 0 to 7, then the Map failed");

    let plan = world.resume(&failed, &["--dry-run"]).await;
    assert_eq!(
        plan["iterations"],
        json!([{"map": "Ship all", "items": 10, "skipped": [0, 1, 2, 3, 4, 5, 6], "rerun": [7, 8, 9]}])
    );
    let report = world.resume_and_wait(&failed, &[]).await;
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
    assert_eq!(
        resumed_output(&report),
        json!(items),
        "every item's output, in order"
    );
    let shipped: Vec<Value> = calls.events().iter().map(|e| e["n"].clone()).collect();
    assert_eq!(
        shipped,
        [0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 9].map(|n| json!(n)).to_vec(),
        "items 0-6 were not shipped again"
    );
}

/// Why: "TIMED_OUT: the copy keeps the TimeoutSeconds that just expired, so it times out
/// again; nothing says so".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_execution_says_which_timeout_expired_and_takes_a_new_one() {
    let world = World::start().await;
    let definition = json!({"StartAt": "First", "TimeoutSeconds": 1, "States": {
        "First": {"Type": "Pass", "Next": "Slow"},
        "Slow": {"Type": "Wait", "Seconds": 2, "End": true}
    }});
    let machine = world.machine("slow", &definition, false).await;
    let timed_out = world.run(&machine, json!({})).await;
    assert_eq!(world.ended(&timed_out).await.0, ExecutionStatus::TimedOut);

    let plan = world.resume(&timed_out, &["--dry-run"]).await;
    assert_eq!(plan["original"]["status"], "TIMED_OUT");
    assert_eq!(
        plan["timeout"],
        json!({"expired": "execution", "budgetSeconds": 1, "newSeconds": null})
    );
    assert!(plan["warnings"].to_string().contains("--timeout-seconds"));
    let report = world
        .resume_and_wait(&timed_out, &["--timeout-seconds", "30"])
        .await;
    assert_eq!(report["timeout"]["newSeconds"], 30);
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
}

/// Why: "The same execution resumed twice re-runs the resumed work although the first resume
/// succeeded"; and resuming the copy's own failed run stays in the same copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_twice_is_refused_once_a_resume_succeeded_or_runs() {
    let world = World::start().await;
    let (pay, calls) = world.function("pay", BROKEN).await;
    let definition = json!({"StartAt": "Pay", "States": {
        "Pay": task(&pay, Some("Settle")),
        "Settle": {"Type": "Wait", "Seconds": 1, "End": true}
    }});
    let machine = world.machine("payments", &definition, false).await;
    let failed = world.run(&machine, json!({"id": 1})).await;
    let copy = "arn:aws:states:us-east-1:123456789012:stateMachine:payments-with-GoToState";

    // A resume that fails again, then a resume of that resumed run: the same copy.
    let again = world.resume_and_wait(&failed, &[]).await;
    assert_eq!(again["resumed"]["status"], "FAILED");
    let resumed_run = again["resumed"]["executionArn"]
        .as_str()
        .unwrap()
        .to_string();
    let name = failed.rsplit(':').next().unwrap();
    assert!(
        resumed_run.ends_with(&format!(":payments-with-GoToState:{name}-resume-1")),
        "{resumed_run}"
    );
    let fixed = world
        .resume_and_wait(&resumed_run, &["--patch", r#"{"foo": 1}"#])
        .await;
    assert_eq!(
        fixed["stateMachineArn"], copy,
        "no -with-GoToState-with-GoToState"
    );
    assert_eq!(fixed["resumed"]["status"], "SUCCEEDED", "{fixed}");
    assert!(fixed["resumed"]["executionArn"]
        .as_str()
        .unwrap()
        .ends_with(&format!("{name}-resume-2")));
    assert_eq!(
        world.machines().await,
        ["payments", "payments-with-GoToState"]
    );
    let calls_after = calls.count();

    // The original again: its resume succeeded, so it is refused, nothing started.
    let executions = world.executions(copy).await;
    let out = world.deployer(&["resume", &failed, "--start"]).await;
    assert_refused(&out, "that resume SUCCEEDED");
    let out = world.deployer(&["resume", &resumed_run, "--start"]).await;
    assert_refused(&out, "that resume SUCCEEDED");
    assert_eq!(world.executions(copy).await, executions);
    assert_eq!(calls.count(), calls_after);

    // --force resumes anyway; while that resume runs, another is refused.
    let out = world
        .deployer(&[
            "resume",
            &failed,
            "--force",
            "--patch",
            r#"{"foo": 2}"#,
            "--start",
            "--output",
            "json",
        ])
        .await;
    let started = common::json(&out);
    let running = started["resumed"]["executionArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(running.ends_with(&format!("{name}-resume-3")), "{running}");
    let out = world
        .deployer(&["resume", &failed, "--force", "--start"])
        .await;
    assert_refused(&out, "is RUNNING");
    world.ended(&running).await;
}

/// Why: "An execution of an EXPRESS machine (when its ARN has the execution: form) yields a
/// STANDARD copy".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_express_machines_execution_is_refused_by_the_machines_type() {
    let world = World::start().await;
    let definition = json!({"StartAt": "Need", "States": {
        "Need": {"Type": "Pass", "Parameters": {"ok.$": "$.ok"}, "End": true}}});
    let machine = world.machine("quick", &definition, true).await;
    let started = world
        .sfn
        .start_execution()
        .state_machine_arn(&machine)
        .input("{}")
        .send()
        .await
        .expect("StartExecution");
    let arn = started.execution_arn().to_string();
    let out = world.deployer(&["resume", &arn, "--start"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    let said = common::stderr(&out);
    eprintln!("EXPRESS said: {said}");
    assert!(
        said.contains("is an execution of an EXPRESS state machine"),
        "{said}"
    );
    assert_eq!(world.machines().await, ["quick"], "nothing created");
}

/// Item 8: a corrected definition, matched by name; the plan lists what differs, and a
/// definition without the resume point is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_definition_resumes_and_one_without_the_resume_point_is_refused() {
    let world = World::start().await;
    let (check, calls) = world.function("check", BROKEN).await;
    let definition = json!({"StartAt": "Load", "States": {
        "Load": {"Type": "Pass", "Result": {"id": 5}, "Next": "Check"},
        "Check": task(&check, None)
    }});
    let machine = world.machine("checks", &definition, false).await;
    let failed = world.run(&machine, json!({})).await;
    let dir = tempfile::tempdir().unwrap();

    let mut fixed = definition.clone();
    fixed["States"]["Check"]["Parameters"] = json!({"id.$": "$.id", "foo": "fixed"});
    let fixed_file = dir.path().join("fixed.json");
    std::fs::write(&fixed_file, fixed.to_string()).unwrap();
    let report = world
        .resume_and_wait(
            &failed,
            &["--definition-file", fixed_file.to_str().unwrap()],
        )
        .await;
    assert_eq!(
        report["definitionChanges"],
        json!(["state 'Check': Parameters changed"])
    );
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
    assert_eq!(
        calls.events().last(),
        Some(&json!({"id": 5, "foo": "fixed"}))
    );

    let mut gone = definition.clone();
    gone["States"]["Load"]["Next"] = json!("Checked");
    gone["States"].as_object_mut().unwrap().remove("Check");
    gone["States"]["Checked"] = json!({"Type": "Succeed"});
    let gone_file = dir.path().join("gone.json");
    std::fs::write(&gone_file, gone.to_string()).unwrap();
    let machines = world.machines().await;
    let out = world
        .deployer(&[
            "resume",
            &failed,
            "--force",
            "--definition-file",
            gone_file.to_str().unwrap(),
            "--start",
        ])
        .await;
    assert_refused(&out, "has no state 'Check', the resume point");
    assert_eq!(world.machines().await, machines);
}

/// Cases that worked before and must keep working: a failed Task with a Retry exhausted, and
/// nested Parallels where only the failed innermost branch runs again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_exhausted_and_nested_parallels_resume_without_repeating_work() {
    let world = World::start().await;
    let (ok, ok_calls) = world.function("ok", FINE).await;
    let (bad, bad_calls) = world.function("bad", BROKEN).await;
    let mut bad_state = task(&bad, None);
    bad_state["Retry"] =
        json!([{"ErrorEquals": ["Broken"], "MaxAttempts": 1, "IntervalSeconds": 1}]);
    let definition = json!({"StartAt": "Outer", "States": {
        "Outer": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "Ok", "States": {"Ok": task(&ok, None)}},
            {"StartAt": "Inner", "States": {"Inner": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Wait a bit", "States": {
                    "Wait a bit": {"Type": "Wait", "Seconds": 1, "Next": "Bad"},
                    "Bad": bad_state}},
                {"StartAt": "Quick", "States": {"Quick": {"Type": "Pass", "Result": "q", "End": true}}}
            ]}}}
        ]}
    }});
    let machine = world.machine("nested", &definition, false).await;
    let failed = world.run(&machine, json!({"v": 1})).await;
    assert_eq!(bad_calls.count(), 2, "one try and one retry");
    assert_eq!(ok_calls.count(), 1);

    let report = world
        .resume_and_wait(&failed, &["--patch", r#"{"foo": true}"#])
        .await;
    assert_eq!(report["failedState"], "Bad");
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
    assert_eq!(
        ok_calls.count(),
        1,
        "the succeeded branch did not run again"
    );
    assert_eq!(bad_calls.count(), 3);
    let output = resumed_output(&report);
    assert_eq!(output, json!([{"v": 1}, [{"v": 1, "foo": true}, "q"]]));
    let entered = world
        .entered(report["resumed"]["executionArn"].as_str().unwrap())
        .await;
    assert!(
        !entered.iter().any(|s| s.starts_with("Wait a bit")),
        "the wait before the failed state is skipped: {entered:?}"
    );
}
