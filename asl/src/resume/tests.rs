//! Planner tests on the real AWS fixture and on histories built event by event.

use serde_json::{json, Value};

use super::*;
use crate::model::Condition;

/// Builds a history the way Step Functions writes one: ids in order, payloads as JSON text.
struct Recorder {
    events: Vec<Value>,
}

impl Recorder {
    fn new(input: Value) -> Self {
        let mut r = Recorder { events: Vec::new() };
        r.event(
            0,
            "ExecutionStarted",
            "executionStartedEventDetails",
            json!({"input": input.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
        );
        r
    }

    fn event(&mut self, prev: i64, event_type: &str, details_key: &str, details: Value) -> i64 {
        let id = self.events.len() as i64 + 1;
        let mut e = json!({"timestamp": 1700000000.0 + id as f64, "type": event_type, "id": id, "previousEventId": prev});
        if !details_key.is_empty() {
            e[details_key] = details;
        }
        self.events.push(e);
        id
    }

    fn bare(&mut self, prev: i64, event_type: &str) -> i64 {
        self.event(prev, event_type, "", Value::Null)
    }

    fn entered(&mut self, prev: i64, kind: &str, name: &str, input: &Value) -> i64 {
        self.event(
            prev,
            &format!("{kind}StateEntered"),
            "stateEnteredEventDetails",
            json!({"name": name, "input": input.to_string()}),
        )
    }

    fn exited(&mut self, prev: i64, kind: &str, name: &str, output: &Value) -> i64 {
        self.event(
            prev,
            &format!("{kind}StateExited"),
            "stateExitedEventDetails",
            json!({"name": name, "output": output.to_string()}),
        )
    }

    /// A Pass state that ran and exited with `output`.
    fn pass(&mut self, prev: i64, name: &str, input: &Value, output: &Value) -> i64 {
        let e = self.entered(prev, "Pass", name, input);
        self.exited(e, "Pass", name, output)
    }

    /// A task that was scheduled and failed: returns the TaskFailed id.
    fn failed_task(&mut self, prev: i64, name: &str, input: &Value, error: &str) -> i64 {
        let e = self.entered(prev, "Task", name, input);
        let s = self.event(e, "TaskScheduled", "taskScheduledEventDetails", json!({"resource": "invoke", "resourceType": "lambda", "region": "us-east-1", "parameters": "{}"}));
        let st = self.bare(s, "TaskStarted");
        self.event(st, "TaskFailed", "taskFailedEventDetails", json!({"error": error, "cause": "boom", "resource": "invoke", "resourceType": "lambda"}))
    }

    fn fail(&mut self, prev: i64, error: &str) -> History {
        self.event(
            prev,
            "ExecutionFailed",
            "executionFailedEventDetails",
            json!({"error": error, "cause": "boom"}),
        );
        self.history()
    }

    fn history(&self) -> History {
        History::from_json(&json!({"events": self.events}).to_string()).unwrap()
    }
}

fn definition(value: Value) -> Definition {
    Definition::from_value(&value).unwrap()
}

fn plan_default(def: &Definition, history: &History) -> ResumePlan {
    let plan = plan(def, history, &PlanOptions::default()).unwrap();
    check_rewritten(&plan);
    plan
}

/// The rewritten definition passes our validator; when SFN_REWRITTEN_DIR is set (as .ci/run
/// does), it is also written there so a third-party validator (statelint) checks it.
fn check_rewritten(plan: &ResumePlan) {
    let diagnostics = crate::validate::validate(&plan.definition);
    assert!(
        crate::validate::is_valid(&diagnostics),
        "the rewritten definition is invalid: {diagnostics:?}"
    );
    let Ok(dir) = std::env::var("SFN_REWRITTEN_DIR") else {
        return;
    };
    let test = std::thread::current()
        .name()
        .unwrap_or("plan")
        .replace("::", "-");
    std::fs::create_dir_all(&dir).unwrap();
    let path = std::path::Path::new(&dir).join(format!(
        "{test}-{}.json",
        plan.resume_state.replace(' ', "_")
    ));
    std::fs::write(path, plan.definition.to_value().to_string()).unwrap();
}

/// The entry the plan adds at the head of `machine`: (execution name tested, resume input,
/// where the input Pass goes, the Choice's default).
fn entry_of(machine: &Machine) -> (String, Value, String, String) {
    let state = &machine.states[machine.start_at.as_str()];
    let StateKind::Choice(choice) = &state.kind else {
        panic!("start state {} is not a Choice", machine.start_at)
    };
    assert_eq!(choice.choices.len(), 1);
    let rule = &choice.choices[0];
    let Condition::Compare(c) = &rule.condition else {
        panic!("not a comparison: {:?}", rule.condition)
    };
    assert_eq!(c.variable, "$$.Execution.Name", "the test reads no data");
    assert_eq!(c.operator.name(), "StringEquals");
    let pass = &machine.states[rule.next.as_deref().unwrap()];
    let StateKind::Pass(p) = &pass.kind else {
        panic!("the Choice does not go to a Pass")
    };
    (
        c.operand.as_str().unwrap().to_string(),
        p.result.clone().unwrap(),
        pass.next.clone().unwrap(),
        choice.default.clone().unwrap(),
    )
}

fn shared_fixture(name: &str) -> Option<String> {
    testkit::shared::read(
        &format!("fixtures/{name}"),
        "the plan of the recorded execution",
    )
}

fn fixture_pair() -> Option<(Definition, String)> {
    let def = shared_fixture("resume-from-state-example.asl.json")?;
    let history = shared_fixture("resume-from-state-example.history.json")?;
    Some((Definition::from_json(&def).unwrap(), history))
}

#[test]
fn real_aws_history_resumes_at_parallel_2() {
    let Some((def, history)) = fixture_pair() else {
        return;
    };
    let history = History::from_json(&history).unwrap();
    let plan = plan_default(&def, &history);
    assert_eq!(plan.status, ExecutionStatus::Failed);
    assert_eq!(plan.failed_state, "Parallel Step 2, Process 2");
    assert_eq!(plan.error.as_deref(), Some("Lambda.Unknown"));
    assert_eq!(plan.resume_state, "Parallel 2");
    assert_eq!(
        plan.resume_input,
        json!({"Message":"Your message here","output":[{"Message":"Your message here"},{"Message":"Your message here"}]})
    );
    assert_eq!(plan.skipped_states, vec!["Parallel"]);
    assert_eq!(plan.start_state, "GoToState");
    assert_eq!(plan.definition.start_at, "GoToState");
    assert_eq!(
        entry_of(&plan.definition),
        (
            DEFAULT_EXECUTION_NAME.into(),
            plan.resume_input.clone(),
            "Parallel 2".into(),
            "Parallel".into()
        )
    );
    assert_eq!(
        plan.execution_input,
        json!({"Message": "Your message here"}),
        "$$.Execution.Input stays the original input"
    );
    // Both branches of Parallel 2 resume at their first state: the Parallel itself is unchanged.
    assert_eq!(
        plan.definition.states["Parallel 2"],
        def.states["Parallel 2"]
    );
    let marks: Vec<(&str, Mark)> = plan
        .tree
        .iter()
        .map(|n| (n.name.as_str(), n.mark))
        .collect();
    assert_eq!(
        marks,
        vec![
            ("Parallel", Mark::Skipped),
            ("Parallel Step 1, Process 1", Mark::Skipped),
            ("Parallel Step 1, Process 2", Mark::Skipped),
            ("Parallel 2", Mark::Failed),
            ("Parallel Step 2, Process 1", Mark::Aborted),
            ("Parallel Step 2, Process 2", Mark::Failed),
            ("Final Processing", Mark::NotReached),
        ]
    );
    assert!(plan
        .tree
        .iter()
        .any(|n| n.name == "Parallel 2" && n.resume_point));
}

#[test]
fn reverse_order_and_multi_page_histories_give_the_same_plan() {
    let Some((def, history)) = fixture_pair() else {
        return;
    };
    let one: Value = serde_json::from_str(&history).unwrap();
    let mut events = one["events"].as_array().unwrap().clone();
    events.reverse();
    let pages = json!([{"events": events[..10], "nextToken": "t"}, {"events": events[10..]}]);
    let a = plan_default(&def, &History::from_json(&history).unwrap());
    let b = plan_default(&def, &History::from_json(&pages.to_string()).unwrap());
    assert_eq!(a.resume_state, b.resume_state);
    assert_eq!(a.resume_input, b.resume_input);
    assert_eq!(a.definition, b.definition);
}

#[test]
fn from_state_and_patch() {
    let Some((def, history)) = fixture_pair() else {
        return;
    };
    let history = History::from_json(&history).unwrap();
    let options = PlanOptions {
        from_state: Some("Parallel".into()),
        patch: Some(json!({"foo": "bar", "Message": null})),
        ..PlanOptions::default()
    };
    let plan = plan(&def, &history, &options).unwrap();
    check_rewritten(&plan);
    assert_eq!(plan.resume_state, "Parallel");
    assert_eq!(plan.recorded_input, json!({"Message": "Your message here"}));
    assert_eq!(plan.resume_input, json!({"foo": "bar"}));
    assert!(plan.skipped_states.is_empty());
    assert_eq!(entry_of(&plan.definition).2, "Parallel");
}

fn two_branch_definition() -> Definition {
    definition(json!({
        "StartAt": "Prep",
        "States": {
            "Prep": {"Type": "Pass", "Next": "P"},
            "P": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "A1", "States": {
                    "A1": {"Type": "Pass", "Next": "A2"},
                    "A2": {"Type": "Pass", "End": true}}},
                {"StartAt": "B1", "States": {
                    "B1": {"Type": "Pass", "Next": "B2"},
                    "B2": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}
            ]},
            "Done": {"Type": "Succeed"}
        }
    }))
}

#[test]
fn failed_branch_resumes_at_its_failed_state_and_the_other_returns_its_output() {
    let def = two_branch_definition();
    let input = json!({"n": 1});
    let mut r = Recorder::new(input.clone());
    let prep = r.pass(0, "Prep", &input, &input);
    let p = r.entered(prep, "Parallel", "P", &input);
    let started = r.bare(p, "ParallelStateStarted");
    let a1 = r.pass(started, "A1", &input, &json!({"a": 1}));
    let b1 = r.pass(started, "B1", &input, &json!({"b": 1}));
    let a2 = r.pass(a1, "A2", &json!({"a": 1}), &json!({"a": 2}));
    let failed = r.failed_task(b1, "B2", &json!({"b": 1}), "Lambda.Unknown");
    let _ = a2;
    let pf = r.bare(failed, "ParallelStateFailed");
    let history = r.fail(pf, "Lambda.Unknown");

    let options = PlanOptions {
        patch: Some(json!({"foo": true})),
        ..PlanOptions::default()
    };
    let plan = plan(&def, &history, &options).unwrap();
    check_rewritten(&plan);
    assert_eq!(plan.failed_state, "B2");
    assert_eq!(plan.resume_state, "P");
    assert_eq!(plan.resume_input, json!({"n": 1, "foo": true}));
    assert_eq!(plan.skipped_states, vec!["Prep", "A1", "A2", "B1"]);
    assert_eq!(
        plan.branches,
        vec![
            BranchPlan::ReturnRecordedOutput {
                parallel: "P".into(),
                branch: 0,
                output: json!({"a": 2})
            },
            BranchPlan::ResumeAt {
                parallel: "P".into(),
                branch: 1,
                state: "B2".into(),
                input: Some(json!({"b": 1, "foo": true}))
            },
        ]
    );
    // "P" itself is unchanged (later passes of a loop run it as written); the entry goes to a
    // once-only copy with the shortcuts.
    assert_eq!(plan.definition.states["P"], def.states["P"]);
    let (_, input, target, default) = entry_of(&plan.definition);
    assert_eq!((target.as_str(), default.as_str()), ("P (resumed)", "Prep"));
    assert_eq!(input, json!({"n": 1, "foo": true}));
    let copy = &plan.definition.states["P (resumed)"];
    assert_eq!(copy.next.as_deref(), Some("Done"));
    let StateKind::Parallel(p) = &copy.kind else {
        panic!()
    };
    let only = &p.branches[0];
    assert_eq!(
        only.states.len(),
        1,
        "the succeeded branch only returns its output"
    );
    let StateKind::Pass(pass) = &only.states[only.start_at.as_str()].kind else {
        panic!()
    };
    assert_eq!(pass.result, Some(json!({"a": 2})));
    let failed = &p.branches[1];
    let first = &failed.states[failed.start_at.as_str()];
    let StateKind::Pass(pass) = &first.kind else {
        panic!()
    };
    assert_eq!(pass.result, Some(json!({"b": 1, "foo": true})));
    assert_eq!(first.next.as_deref(), Some("B2 (resumed)"));
    assert!(
        !failed.states.contains_key("B1 (resumed)"),
        "unreachable states are dropped"
    );
    assert_eq!(plan.failure, Failure::Uncaught);
}

#[test]
fn catch_into_a_fail_state_blames_the_state_that_threw() {
    let def = definition(json!({
        "StartAt": "First",
        "States": {
            "First": {"Type": "Pass", "Next": "Work"},
            "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Ok",
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]},
            "Ok": {"Type": "Succeed"},
            "Failed": {"Type": "Fail", "Error": "WorkFailed", "Cause": "see Work"}
        }
    }));
    let input = json!({"x": 1});
    let mut r = Recorder::new(input.clone());
    let first = r.pass(0, "First", &input, &json!({"x": 2}));
    let failed = r.failed_task(first, "Work", &json!({"x": 2}), "Boom");
    let exited = r.exited(
        failed,
        "Task",
        "Work",
        &json!({"Error": "Boom", "Cause": "boom"}),
    );
    let fail = r.entered(exited, "Fail", "Failed", &json!({"Error": "Boom"}));
    let history = r.fail(fail, "WorkFailed");
    let plan = plan_default(&def, &history);
    assert_eq!(plan.failed_state, "Work");
    assert_eq!(plan.resume_state, "Work");
    assert_eq!(plan.error.as_deref(), Some("WorkFailed"));
    assert_eq!(plan.resume_input, json!({"x": 2}));
    assert_eq!(plan.skipped_states, vec!["First"]);
}

#[test]
fn a_runtime_error_in_a_pass_state_blames_that_state() {
    let def = definition(json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"v.$": "$.missing"}, "End": true}
        }
    }));
    let input = json!({"k": "v"});
    let mut r = Recorder::new(input.clone());
    let a = r.pass(0, "A", &input, &input);
    let b = r.entered(a, "Pass", "B", &input);
    let history = r.fail(b, "States.Runtime");
    let plan = plan_default(&def, &history);
    assert_eq!(
        (plan.failed_state.as_str(), plan.resume_state.as_str()),
        ("B", "B")
    );
    assert_eq!(plan.error.as_deref(), Some("States.Runtime"));
    assert_eq!(plan.skipped_states, vec!["A"]);
}

fn waiting_definition() -> Definition {
    definition(json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "Wait"},
            "Wait": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken", "Next": "Z"},
            "Z": {"Type": "Succeed"}
        }
    }))
}

#[test]
fn timed_out_and_aborted_executions_resume_at_the_state_in_progress() {
    for (terminal, details_key, status) in [
        (
            "ExecutionTimedOut",
            "executionTimedOutEventDetails",
            ExecutionStatus::TimedOut,
        ),
        (
            "ExecutionAborted",
            "executionAbortedEventDetails",
            ExecutionStatus::Aborted,
        ),
    ] {
        let input = json!({"id": "42"});
        let mut r = Recorder::new(input.clone());
        let a = r.pass(0, "A", &input, &input);
        let w = r.entered(a, "Task", "Wait", &input);
        let s = r.event(
            w,
            "TaskScheduled",
            "taskScheduledEventDetails",
            json!({"resource": "putItem.waitForTaskToken"}),
        );
        let started = r.bare(s, "TaskStarted");
        r.event(
            started,
            terminal,
            details_key,
            json!({"error": "States.Timeout"}),
        );
        let plan = plan_default(&waiting_definition(), &r.history());
        assert_eq!(plan.status, status);
        assert_eq!(plan.failed_state, "Wait");
        assert_eq!(plan.resume_state, "Wait");
        assert_eq!(plan.skipped_states, vec!["A"]);
        let marks: Vec<Mark> = plan.tree.iter().map(|n| n.mark).collect();
        assert_eq!(marks, vec![Mark::Skipped, Mark::Failed, Mark::NotReached]);
    }
}

#[test]
fn a_failed_map_is_rerun_as_a_whole() {
    let def = definition(json!({
        "StartAt": "Load",
        "States": {
            "Load": {"Type": "Pass", "Result": [1, 2], "ResultPath": "$.items", "Next": "Each"},
            "Each": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                     "ItemProcessor": {"StartAt": "Item", "States": {
                         "Item": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}
        }
    }));
    let input = json!({});
    let mut r = Recorder::new(input.clone());
    let load = r.pass(0, "Load", &input, &json!({"items": [1, 2]}));
    let m = r.entered(load, "Map", "Each", &json!({"items": [1, 2]}));
    let ms = r.event(
        m,
        "MapStateStarted",
        "mapStateStartedEventDetails",
        json!({"length": 2}),
    );
    let it = r.event(
        ms,
        "MapIterationStarted",
        "mapIterationStartedEventDetails",
        json!({"index": 0, "name": "Each"}),
    );
    let failed = r.failed_task(it, "Item", &json!(1), "Boom");
    let itf = r.event(
        failed,
        "MapIterationFailed",
        "mapIterationFailedEventDetails",
        json!({"index": 0, "name": "Each"}),
    );
    let mf = r.bare(itf, "MapStateFailed");
    let history = r.fail(mf, "Boom");
    let plan = plan_default(&def, &history);
    assert_eq!(plan.failed_state, "Item");
    assert_eq!(plan.resume_state, "Each");
    assert_eq!(plan.resume_input, json!({"items": [1, 2]}));
    assert!(plan.branches.is_empty());
    assert_eq!(
        entry_of(&plan.definition).2,
        "Each",
        "no iteration succeeded: no copy"
    );
    assert_eq!(
        plan.iterations,
        vec![MapPlan {
            map: "Each".into(),
            items: Some(2),
            skipped: vec![],
            rerun: vec![0, 1]
        }]
    );
}

#[test]
fn nested_parallel_inside_a_parallel() {
    let def = definition(json!({
        "StartAt": "Outer",
        "States": {
            "Outer": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}},
                {"StartAt": "Inner", "States": {
                    "Inner": {"Type": "Parallel", "End": true, "Branches": [
                        {"StartAt": "Q1", "States": {"Q1": {"Type": "Pass", "End": true}}},
                        {"StartAt": "Q2a", "States": {
                            "Q2a": {"Type": "Pass", "Next": "Q2b"},
                            "Q2b": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}
                    ]}}}
            ]}
        }
    }));
    let input = json!({"v": 0});
    let mut r = Recorder::new(input.clone());
    let outer = r.entered(0, "Parallel", "Outer", &input);
    let os = r.bare(outer, "ParallelStateStarted");
    r.pass(os, "X", &input, &json!({"x": true}));
    let inner = r.entered(os, "Parallel", "Inner", &input);
    let is = r.bare(inner, "ParallelStateStarted");
    r.pass(is, "Q1", &input, &json!({"q1": true}));
    let q2a = r.pass(is, "Q2a", &input, &json!({"q2a": true}));
    let failed = r.failed_task(q2a, "Q2b", &json!({"q2a": true}), "Boom");
    let inf = r.bare(failed, "ParallelStateFailed");
    let outf = r.bare(inf, "ParallelStateFailed");
    let history = r.fail(outf, "Boom");

    let plan = plan_default(&def, &history);
    assert_eq!(plan.failed_state, "Q2b");
    assert_eq!(plan.resume_state, "Outer");
    assert_eq!(plan.skipped_states, vec!["X", "Q1", "Q2a"]);
    assert_eq!(
        plan.branches,
        vec![
            BranchPlan::ReturnRecordedOutput {
                parallel: "Outer".into(),
                branch: 0,
                output: json!({"x": true})
            },
            BranchPlan::ReturnRecordedOutput {
                parallel: "Inner".into(),
                branch: 0,
                output: json!({"q1": true})
            },
            BranchPlan::ResumeAt {
                parallel: "Inner".into(),
                branch: 1,
                state: "Q2b".into(),
                input: Some(json!({"q2a": true}))
            },
            BranchPlan::ResumeAt {
                parallel: "Outer".into(),
                branch: 1,
                state: "Inner".into(),
                input: None
            },
        ]
    );
    let marks: Vec<(&str, Mark)> = plan
        .tree
        .iter()
        .map(|n| (n.name.as_str(), n.mark))
        .collect();
    assert_eq!(
        marks,
        vec![
            ("Outer", Mark::Failed),
            ("X", Mark::Skipped),
            ("Inner", Mark::Failed),
            ("Q1", Mark::Skipped),
            ("Q2a", Mark::Skipped),
            ("Q2b", Mark::Failed),
        ]
    );
}

#[test]
fn reading_the_state_name_inside_a_renamed_copy_is_warned_about() {
    let def = definition(json!({
        "StartAt": "Outer",
        "States": {
            "Outer": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}},
                {"StartAt": "Y", "States": {"Y": {
                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"me.$": "$$.State.Name"}, "End": true}}}
            ]}
        }
    }));
    let input = json!({"v": 0});
    let mut r = Recorder::new(input.clone());
    let outer = r.entered(0, "Parallel", "Outer", &input);
    let started = r.bare(outer, "ParallelStateStarted");
    r.pass(started, "X", &input, &json!({"x": true}));
    let failed = r.failed_task(started, "Y", &input, "Boom");
    let parallel_failed = r.bare(failed, "ParallelStateFailed");
    let history = r.fail(parallel_failed, "Boom");

    let plan = plan_default(&def, &history);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("$$.State.Name") && w.contains("'Outer'") && w.contains(COPY_MARK)),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn a_taken_go_to_state_name_is_made_unique() {
    let def = definition(json!({
        "StartAt": "GoToState",
        "States": {
            "GoToState": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"v.$": "$.missing"}, "End": true}
        }
    }));
    let input = json!({});
    let mut r = Recorder::new(input.clone());
    let a = r.pass(0, "GoToState", &input, &input);
    let b = r.entered(a, "Pass", "B", &input);
    let plan = plan_default(&def, &r.fail(b, "States.Runtime"));
    assert_eq!(plan.start_state, "GoToState_2");
    assert_eq!(plan.definition.start_at, "GoToState_2");
    assert_eq!(entry_of(&plan.definition).3, "GoToState");
    assert_eq!(entry_of(&plan.definition).2, "B");
    assert!(plan.definition.states.contains_key("GoToState"));
}

#[test]
fn unknown_fields_survive_the_rewrite() {
    let def = definition(json!({
        "StartAt": "A",
        "Comment": "keep me",
        "X-Custom": {"a": 1},
        "States": {
            "A": {"Type": "Pass", "Next": "B", "SomethingNew": [1, 2]},
            "B": {"Type": "Pass", "End": true}
        }
    }));
    let input = json!({});
    let mut r = Recorder::new(input.clone());
    let a = r.pass(0, "A", &input, &input);
    let b = r.entered(a, "Pass", "B", &input);
    // Not kept for statelint: it rejects the unknown fields on purpose.
    let plan = plan(&def, &r.fail(b, "States.Runtime"), &PlanOptions::default()).unwrap();
    let written = plan.definition.to_value();
    assert_eq!(written["X-Custom"], json!({"a": 1}));
    assert_eq!(written["Comment"], json!("keep me"));
    assert_eq!(written["States"]["A"]["SomethingNew"], json!([1, 2]));
}

#[test]
fn refuses_executions_that_did_not_fail() {
    let def = waiting_definition();
    let input = json!({});
    let mut r = Recorder::new(input.clone());
    let a = r.pass(0, "A", &input, &input);
    let running = r.history();
    assert_eq!(
        plan(&def, &running, &PlanOptions::default()).unwrap_err(),
        PlanError::NotResumable { status: "RUNNING" }
    );
    r.event(
        a,
        "ExecutionSucceeded",
        "executionSucceededEventDetails",
        json!({"output": "{}"}),
    );
    let err = plan(&def, &r.history(), &PlanOptions::default()).unwrap_err();
    assert_eq!(
        err,
        PlanError::NotResumable {
            status: "SUCCEEDED"
        }
    );
    assert!(err.to_string().contains("SUCCEEDED, not FAILED"));
}

#[test]
fn refuses_bad_from_states_and_foreign_histories() {
    let def = two_branch_definition();
    let input = json!({});
    let mut r = Recorder::new(input.clone());
    let prep = r.pass(0, "Prep", &input, &input);
    let p = r.entered(prep, "Parallel", "P", &input);
    let history = r.fail(p, "States.Runtime");
    let with = |name: &str| PlanOptions {
        from_state: Some(name.into()),
        ..PlanOptions::default()
    };

    let err = plan(&def, &history, &with("prep")).unwrap_err();
    assert_eq!(
        err,
        PlanError::UnknownState {
            name: "prep".into(),
            suggestion: Some("Prep".into())
        }
    );
    assert!(err.to_string().contains("did you mean 'Prep'"));
    let err = plan(&def, &history, &with("B2")).unwrap_err();
    assert_eq!(
        err,
        PlanError::NotTopLevel {
            name: "B2".into(),
            top_level: "P".into()
        }
    );
    let err = plan(&def, &history, &with("Done")).unwrap_err();
    assert_eq!(
        err,
        PlanError::NeverEntered {
            name: "Done".into(),
            entered: vec!["Prep".into(), "P".into()]
        }
    );

    let other = waiting_definition();
    let err = plan(&other, &history, &PlanOptions::default()).unwrap_err();
    assert_eq!(
        err,
        PlanError::ForeignHistory {
            missing: vec!["Prep".into(), "P".into()]
        }
    );
}

fn assigning_definition(language: Option<&str>) -> Definition {
    let mut value = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1, "y": "s"}, "Next": "B"},
            "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}
        }
    });
    if let Some(language) = language {
        value["QueryLanguage"] = json!(language);
    }
    definition(value)
}

/// A history where A assigned variables (recorded as AWS does, JSON text per variable), then B
/// failed; `details` is A's assignedVariablesDetails.
fn assigning_history(assigned: Option<Value>, details: Option<Value>) -> History {
    let input = json!({"k": 1});
    let mut r = Recorder::new(input.clone());
    let a = r.entered(0, "Pass", "A", &input);
    let mut exited = json!({"name": "A", "output": input.to_string()});
    if let Some(assigned) = assigned {
        exited["assignedVariables"] = assigned;
    }
    if let Some(details) = details {
        exited["assignedVariablesDetails"] = details;
    }
    let a = r.event(a, "PassStateExited", "stateExitedEventDetails", exited);
    let failed = r.failed_task(a, "B", &input, "Boom");
    r.fail(failed, "Boom")
}

#[test]
fn variables_in_scope_are_restored_from_the_history_before_the_resume_point() {
    let def = assigning_definition(None);
    let history = assigning_history(
        Some(json!({"x": "1", "y": "\"s\""})),
        Some(json!({"truncated": false})),
    );
    let plan = plan_default(&def, &history);
    assert_eq!(plan.resume_state, "B");
    assert_eq!(
        plan.variables,
        json!({"x": 1, "y": "s"}).as_object().unwrap().clone()
    );
    let (_, _, target, _) = entry_of(&plan.definition);
    assert_eq!(target, "B");
    let entry = &plan.definition.states[RESUME_INPUT];
    assert_eq!(entry.extra["Assign"], json!({"x": 1, "y": "s"}));
}

#[test]
fn variables_the_history_cannot_give_are_refused() {
    let def = assigning_definition(None);
    let truncated = assigning_history(Some(json!({"x": "1"})), Some(json!({"truncated": true})));
    let err = plan(&def, &truncated, &PlanOptions::default()).unwrap_err();
    assert_eq!(err, PlanError::VariablesTruncated { state: "A".into() });
    assert!(err
        .to_string()
        .contains("assignedVariablesDetails.truncated"));
    let unrecorded = assigning_history(None, None);
    let err = plan(&def, &unrecorded, &PlanOptions::default()).unwrap_err();
    assert_eq!(err, PlanError::VariablesNotRecorded { state: "A".into() });
    assert!(err.to_string().contains("includeExecutionData"));
}

#[test]
fn a_jsonata_machine_is_rewritten_in_jsonata() {
    let def = assigning_definition(Some("JSONata"));
    let history = assigning_history(Some(json!({"x": "1", "y": "\"s\""})), None);
    let options = PlanOptions {
        execution_name: Some("run-1-resume-1".into()),
        ..PlanOptions::default()
    };
    let plan = plan(&def, &history, &options).unwrap();
    check_rewritten(&plan);
    let written = plan.definition.to_value();
    let entry = &written["States"][GO_TO_STATE];
    assert_eq!(
        entry["Choices"][0]["Condition"],
        json!("{% $states.context.Execution.Name = \"run-1-resume-1\" %}")
    );
    assert!(entry["Choices"][0].get("Variable").is_none());
    let input = &written["States"][RESUME_INPUT];
    assert_eq!(input["Output"], json!({"k": 1}));
    assert!(input.get("Result").is_none(), "JSONata has no Result");
    assert_eq!(input["Assign"], json!({"x": 1, "y": "s"}));
    assert_eq!(written["QueryLanguage"], "JSONata");
}

#[test]
fn a_handler_chain_and_a_fail_reached_by_a_choice_are_told_apart() {
    let def = definition(json!({
        "StartAt": "Work",
        "States": {
            "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Check",
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Notify"}]},
            "Notify": {"Type": "Pass", "Next": "Failed"},
            "Failed": {"Type": "Fail", "Error": "WorkFailed"},
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$.ok", "BooleanEquals": true, "Next": "Done"}], "Default": "Failed"},
            "Done": {"Type": "Succeed"}
        }
    }));
    let input = json!({"ok": false});
    let mut r = Recorder::new(input.clone());
    let failed = r.failed_task(0, "Work", &input, "Boom");
    let exited = r.exited(failed, "Task", "Work", &json!({"Error": "Boom"}));
    let notify = r.pass(exited, "Notify", &input, &input);
    let fail = r.entered(notify, "Fail", "Failed", &input);
    let plan = plan_default(&def, &r.fail(fail, "WorkFailed"));
    assert_eq!(plan.failed_state, "Work");
    assert_eq!(
        plan.failure,
        Failure::Caught {
            handlers: vec!["Notify".into(), "Failed".into()]
        }
    );

    let mut r = Recorder::new(input.clone());
    let work = r.entered(0, "Task", "Work", &input);
    let done = r.event(
        work,
        "TaskSucceeded",
        "taskSucceededEventDetails",
        json!({"output": "{}"}),
    );
    let work = r.exited(done, "Task", "Work", &input);
    let check = r.pass(work, "Check", &input, &input);
    let fail = r.entered(check, "Fail", "Failed", &input);
    let plan = plan_default(&def, &r.fail(fail, "WorkFailed"));
    assert_eq!(plan.failed_state, "Failed");
    assert_eq!(
        plan.failure,
        Failure::FailState {
            before: Some("Check".into())
        }
    );
    assert!(plan
        .warnings
        .iter()
        .any(|w| w.contains("--from-state 'Check'")));
}

#[test]
fn a_state_timeout_gets_the_new_budget_and_without_one_a_warning() {
    let def = definition(json!({
        "StartAt": "Slow",
        "States": {"Slow": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                            "TimeoutSeconds": 5, "End": true}}
    }));
    let input = json!({});
    let mut r = Recorder::new(input.clone());
    let s = r.entered(0, "Task", "Slow", &input);
    let t = r.event(
        s,
        "TaskTimedOut",
        "taskTimedOutEventDetails",
        json!({"error": "States.Timeout"}),
    );
    let history = r.fail(t, "States.Timeout");
    let planned = plan_default(&def, &history);
    assert_eq!(
        planned.timeout,
        Some(TimeoutPlan {
            expired: "Slow".into(),
            budget_seconds: Some(5),
            new_seconds: None
        })
    );
    assert!(planned
        .warnings
        .iter()
        .any(|w| w.contains("--timeout-seconds")));
    let options = PlanOptions {
        timeout_seconds: Some(60),
        ..PlanOptions::default()
    };
    let plan = plan(&def, &history, &options).unwrap();
    let StateKind::Task(task) = &plan.definition.states["Slow"].kind else {
        panic!()
    };
    assert_eq!(task.timeout_seconds, Some(60));
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn resuming_a_resumed_run_keeps_one_entry() {
    let def = definition(json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"v.$": "$.missing"}, "End": true}
        }
    }));
    let input = json!({"n": 1});
    let mut r = Recorder::new(input.clone());
    let a = r.pass(0, "A", &input, &input);
    let b = r.entered(a, "Pass", "B", &input);
    let first = plan_default(&def, &r.fail(b, "States.Runtime"));
    // The copy's run: the entry, then B, then C fails.
    let mut r = Recorder::new(input.clone());
    let g = r.pass(0, GO_TO_STATE, &input, &input);
    let i = r.pass(g, RESUME_INPUT, &input, &input);
    let b = r.pass(i, "B", &input, &json!({"n": 2}));
    let c = r.entered(b, "Pass", "C", &json!({"n": 2}));
    let second = plan_default(&first.definition, &r.fail(c, "States.Runtime"));
    assert_eq!(second.resume_state, "C");
    assert_eq!(second.recorded_input, json!({"n": 2}));
    let entries = second
        .definition
        .states
        .values()
        .filter(|s| {
            s.comment
                .as_deref()
                .is_some_and(|c| c.starts_with(ENTRY_MARK))
        })
        .count();
    assert_eq!(entries, 1);
    assert_eq!(
        entry_of(&second.definition).3,
        "A",
        "started plainly: the original start"
    );
}
