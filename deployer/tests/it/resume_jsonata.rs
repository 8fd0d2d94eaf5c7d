//! `deployer resume` of a JSONata workflow with variables, a Parallel and a Map, live against
//! the emulator: the resumed copy is JSONata too, the variables in scope come back from the
//! history, the branch that succeeded and the Map items that succeeded are not called again.

use serde_json::json;

use crate::common;
use crate::scenario_world::{resumed_output, Faults, World};

/// A JSONata workflow with variables: `Prepare` assigns them, `Fanout` runs the `audit`
/// function beside a Map calling `work` on the items 1, 2, 3 one at a time, `Finish` reads
/// the variables.
fn definition(audit: &str, work: &str) -> serde_json::Value {
    json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Prepare",
        "States": {
            "Prepare": {
                "Type": "Pass",
                "Assign": {"orderId": "{% $states.input.order %}", "factor": 3},
                "Output": {"items": [1, 2, 3]},
                "Next": "Fanout"
            },
            "Fanout": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Audit", "States": {"Audit": {
                        "Type": "Task",
                        "Resource": audit,
                        "Arguments": {"order": "{% $orderId %}"},
                        "Output": "audited",
                        "End": true
                    }}},
                    {"StartAt": "Each", "States": {"Each": {
                        "Type": "Map",
                        "Items": "{% $states.input.items %}",
                        "MaxConcurrency": 1,
                        "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
                            "Type": "Task",
                            "Resource": work,
                            "Arguments": {"n": "{% $states.input %}", "f": "{% $factor %}"},
                            "Output": "{% $states.result.n * $states.result.f %}",
                            "End": true
                        }}},
                        "End": true
                    }}}
                ],
                "Assign": {"results": "{% $states.result %}"},
                "Next": "Finish"
            },
            "Finish": {
                "Type": "Pass",
                "Output": "{% {'order': $orderId, 'results': $results} %}",
                "End": true
            }
        }
    })
}

/// Item 2 fails the first time, as an outage would.
const FLAKY: Faults<'static> = Faults {
    need_foo: false,
    fail_once_on: Some(r#""n":2"#),
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jsonata_workflow_with_variables_resumes_without_repeating_what_succeeded() {
    let world = World::start().await;
    let (audit, audit_calls) = world.function("audit", Faults::default()).await;
    let (work, work_calls) = world.function("work", FLAKY).await;
    let definition = definition(&audit, &work);
    let machine = world.machine("jsonata-vars", &definition, false).await;
    let failed = world.run(&machine, json!({"order": "A-1"})).await;
    assert_eq!(audit_calls.settled_count().await, 1);
    assert_eq!(work_calls.settled_count().await, 2);

    let report = world.resume_and_wait(&failed, &[]).await;
    assert_eq!(report["resumed"]["status"], "SUCCEEDED", "{report}");
    assert_eq!(
        resumed_output(&report),
        json!({"order": "A-1", "results": ["audited", [3, 6, 9]]})
    );
    assert_eq!(report["variables"]["orderId"], "A-1", "{report}");
    assert_eq!(report["variables"]["factor"], 3);
    assert_eq!(
        audit_calls.settled_count().await,
        1,
        "the audit branch kept its output"
    );
    let calls = work_calls.events();
    // One at a time: item 1 succeeded, item 2 failed, item 3 never started; 2 and 3 run now.
    let items: Vec<&serde_json::Value> = calls.iter().map(|c| &c["n"]).collect();
    assert_eq!(
        items,
        [1, 2, 2, 3],
        "item 1 was not called again: {calls:?}"
    );
    assert_eq!(
        report["definition"]["QueryLanguage"], "JSONata",
        "the copy is JSONata too"
    );
}

/// The same workflow redriven in place (`auto`: nothing asked that Redrive cannot do): the
/// variables and the audit branch's output are kept; the failed branch runs again from its
/// start, so its Map calls every item again, as the plan says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jsonata_workflow_with_variables_is_redriven_in_place() {
    let world = World::start().await;
    let (audit, audit_calls) = world.function("audit", Faults::default()).await;
    let (work, work_calls) = world.function("work", FLAKY).await;
    let machine = world
        .machine("jsonata-redrive", &definition(&audit, &work), false)
        .await;
    let failed = world.run(&machine, json!({"order": "B-2"})).await;
    assert_eq!(work_calls.settled_count().await, 2);

    let out = world
        .deployer(&["resume", &failed, "--start", "--wait", "--output", "json"])
        .await;
    let report = common::json(&out);
    assert_eq!(report["strategy"]["chosen"], "redrive", "{report}");
    let (status, output) = world.ended(&failed).await;
    assert_eq!(status, aws_sdk_sfn::types::ExecutionStatus::Succeeded);
    assert_eq!(
        output,
        Some(json!({"order": "B-2", "results": ["audited", [3, 6, 9]]}))
    );
    assert_eq!(
        audit_calls.settled_count().await,
        1,
        "the audit branch is kept"
    );
    let items: Vec<serde_json::Value> =
        work_calls.events().iter().map(|c| c["n"].clone()).collect();
    assert_eq!(
        items,
        [1, 2, 1, 2, 3],
        "the failed branch ran again from its start"
    );
}
