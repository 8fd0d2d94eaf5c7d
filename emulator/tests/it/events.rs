//! EventBridge through the real SDK client: rules, targets, PutEvents, TestEventPattern, buses,
//! tags, delivery attempts and persistence.

use std::time::Duration;
use testkit::aws::Refusal;

use aws_sdk_eventbridge::types::builders::PutEventsRequestEntryBuilder;
use aws_sdk_eventbridge::types::{
    DeadLetterConfig, InputTransformer, PutEventsRequestEntry, RetryPolicy, RuleState, Tag, Target,
};
use aws_sdk_eventbridge::Client;
use emulator::Emulator;
use serde_json::{json, Value};

const SFN_ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:resume";
const LAMBDA_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:on-event";

fn client(emulator: &Emulator) -> Client {
    Client::new(&testkit::aws::sdk_config(&emulator.endpoint()))
}

fn target(id: &str, arn: &str) -> Target {
    Target::builder().id(id).arn(arn).build().unwrap()
}

/// A target `id` for `arn` that is sent the event's detail only.
fn detail_target(id: &str, arn: &str) -> Target {
    Target::builder()
        .id(id)
        .arn(arn)
        .input_path("$.detail")
        .build()
        .unwrap()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// The pattern of the rule `paid` on the bus `orders`.
const PAID: &str = r#"{"detail-type": ["Paid"]}"#;

/// PutRule of the rule `name` matching `pattern` (on the default bus unless told otherwise).
fn pattern_rule(
    eb: &Client,
    name: &str,
    pattern: &str,
) -> aws_sdk_eventbridge::operation::put_rule::builders::PutRuleFluentBuilder {
    eb.put_rule().name(name).event_pattern(pattern)
}

/// PutRule of the rule `paid` matching [`PAID`] on the bus `orders`.
fn paid_rule(
    eb: &Client,
) -> aws_sdk_eventbridge::operation::put_rule::builders::PutRuleFluentBuilder {
    pattern_rule(eb, "paid", PAID).event_bus_name("orders")
}

fn entry_builder(source: &str, detail: &str) -> PutEventsRequestEntryBuilder {
    PutEventsRequestEntry::builder()
        .source(source)
        .detail_type("Job Finished")
        .detail(detail)
}

fn entry(source: &str, detail: &str) -> PutEventsRequestEntry {
    entry_builder(source, detail).build()
}

#[tokio::test]
async fn rule_lifecycle() {
    let emulator = testkit::aws::emulator().await;
    let eb = client(&emulator);
    let pattern = r#"{"source": ["jobs"], "detail": {"state": ["done"]}}"#;
    let put = pattern_rule(&eb, "job-done", pattern)
        .description("jobs that finished")
        .role_arn("arn:aws:iam::123456789012:role/events")
        .tags(tag("team", "ops"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        put.rule_arn(),
        Some("arn:aws:events:us-east-1:123456789012:rule/job-done")
    );
    let rule = eb.describe_rule().name("job-done").send().await.unwrap();
    assert_eq!(rule.name(), Some("job-done"));
    assert_eq!(rule.event_pattern(), Some(pattern));
    assert_eq!(rule.state(), Some(&RuleState::Enabled));
    assert_eq!(rule.description(), Some("jobs that finished"));
    assert_eq!(
        rule.role_arn(),
        Some("arn:aws:iam::123456789012:role/events")
    );
    assert_eq!(rule.event_bus_name(), Some("default"));
    assert_eq!(rule.created_by(), Some("123456789012"));

    eb.disable_rule().name("job-done").send().await.unwrap();
    let rule = eb.describe_rule().name("job-done").send().await.unwrap();
    assert_eq!(rule.state(), Some(&RuleState::Disabled));
    eb.enable_rule().name("job-done").send().await.unwrap();
    let rule = eb.describe_rule().name("job-done").send().await.unwrap();
    assert_eq!(rule.state(), Some(&RuleState::Enabled));

    // Schedule rules and paging through ListRules.
    for name in ["job-a", "job-b", "other"] {
        eb.put_rule()
            .name(name)
            .schedule_expression("rate(5 minutes)")
            .send()
            .await
            .unwrap();
    }
    let first = eb
        .list_rules()
        .name_prefix("job")
        .limit(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = first.rules().iter().filter_map(|r| r.name()).collect();
    assert_eq!(names, ["job-a", "job-b"]);
    let token = first.next_token().expect("a second page");
    let second = eb
        .list_rules()
        .name_prefix("job")
        .limit(2)
        .next_token(token)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = second.rules().iter().filter_map(|r| r.name()).collect();
    assert_eq!(names, ["job-done"]);
    assert_eq!(second.next_token(), None);
    assert_eq!(second.rules()[0].event_pattern(), Some(pattern));

    // Rules on a custom bus have the bus in their ARN; schedules stay on the default bus.
    eb.create_event_bus().name("orders").send().await.unwrap();
    let put = paid_rule(&eb).send().await.unwrap();
    assert_eq!(
        put.rule_arn(),
        Some("arn:aws:events:us-east-1:123456789012:rule/orders/paid")
    );
    eb.put_rule()
        .name("tick")
        .event_bus_name("orders")
        .schedule_expression("rate(1 minute)")
        .send()
        .await
        .assert_error_message(
            "ValidationException",
            "ScheduleExpression is supported only on the default event bus.",
        );
    eb.describe_rule()
        .name("paid")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");

    // Bad requests.
    eb.put_rule()
        .name("nothing")
        .send()
        .await
        .assert_error_message(
            "ValidationException",
            "Parameter(s) EventPattern or ScheduleExpression must be specified.",
        );
    let (code, message) = pattern_rule(&eb, "bad name", pattern)
        .send()
        .await
        .error_code_message();
    assert_eq!(code, "ValidationException");
    assert!(message.contains("regular expression pattern"), "{message}");
    pattern_rule(&eb, "r", pattern)
        .event_bus_name("missing")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");

    // Delete, twice (the second is a no-op, as on AWS).
    eb.delete_rule().name("job-done").send().await.unwrap();
    eb.delete_rule().name("job-done").send().await.unwrap();
    eb.describe_rule()
        .name("job-done")
        .send()
        .await
        .assert_error_message(
            "ResourceNotFoundException",
            "Rule job-done does not exist on EventBus default.",
        );
    emulator.shutdown().await;
}

#[tokio::test]
async fn targets_are_stored_listed_and_block_rule_deletion() {
    let emulator = testkit::aws::emulator().await;
    let eb = client(&emulator);
    pattern_rule(&eb, "resume", r#"{"source": ["jobs"]}"#)
        .send()
        .await
        .unwrap();
    let transformer = InputTransformer::builder()
        .input_paths_map("id", "$.detail.id")
        .input_template(r#"{"job": <id>}"#)
        .build()
        .unwrap();
    let sfn = Target::builder()
        .id("sfn")
        .arn(SFN_ARN)
        .role_arn("arn:aws:iam::123456789012:role/events-start")
        .input_transformer(transformer)
        .retry_policy(
            RetryPolicy::builder()
                .maximum_retry_attempts(3)
                .maximum_event_age_in_seconds(120)
                .build(),
        )
        .dead_letter_config(
            DeadLetterConfig::builder()
                .arn("arn:aws:sqs:us-east-1:123456789012:dlq")
                .build(),
        )
        .build()
        .unwrap();
    let lambda = detail_target("fn", LAMBDA_ARN);
    let put = eb
        .put_targets()
        .rule("resume")
        .targets(sfn)
        .targets(lambda)
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count(), 0);
    assert!(put.failed_entries().is_empty());

    let targets = targets_of(&eb, "resume").await;
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0].id(), "sfn");
    assert_eq!(targets[0].arn(), SFN_ARN);
    assert_eq!(
        targets[0].role_arn(),
        Some("arn:aws:iam::123456789012:role/events-start")
    );
    let it = targets[0].input_transformer().unwrap();
    assert_eq!(it.input_template(), r#"{"job": <id>}"#);
    assert_eq!(
        it.input_paths_map().unwrap().get("id").map(String::as_str),
        Some("$.detail.id")
    );
    let retry = targets[0].retry_policy().unwrap();
    assert_eq!(retry.maximum_retry_attempts(), Some(3));
    assert_eq!(retry.maximum_event_age_in_seconds(), Some(120));
    assert_eq!(
        targets[0].dead_letter_config().and_then(|d| d.arn()),
        Some("arn:aws:sqs:us-east-1:123456789012:dlq")
    );
    assert_eq!(targets[1].input_path(), Some("$.detail"));

    let names = eb
        .list_rule_names_by_target()
        .target_arn(SFN_ARN)
        .send()
        .await
        .unwrap();
    assert_eq!(names.rule_names(), ["resume"]);

    // Targets the emulator cannot deliver to, and bad shaping, are refused.
    let (code, message) = eb
        .put_targets()
        .rule("resume")
        .targets(target("q", "arn:aws:sqs:us-east-1:123456789012:queue"))
        .send()
        .await
        .error_code_message();
    assert_eq!(code, "ValidationException");
    assert!(
        message.contains("Step Functions state machines"),
        "{message}"
    );
    let (code, message) = eb
        .put_targets()
        .rule("resume")
        .targets(
            Target::builder()
                .id("both")
                .arn(SFN_ARN)
                .input("{}")
                .input_path("$.detail")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .error_code_message();
    assert_eq!(code, "ValidationException");
    assert!(message.contains("only one of Input"), "{message}");
    eb.put_targets()
        .rule("missing")
        .targets(target("t", SFN_ARN))
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");

    // A rule with targets cannot be deleted.
    eb.delete_rule()
        .name("resume")
        .send()
        .await
        .assert_error_message(
            "ValidationException",
            "Rule can't be deleted since it has targets.",
        );
    let removed = eb
        .remove_targets()
        .rule("resume")
        .ids("sfn")
        .ids("fn")
        .send()
        .await
        .unwrap();
    assert_eq!(removed.failed_entry_count(), 0);
    assert!(targets_of(&eb, "resume").await.is_empty());
    eb.delete_rule().name("resume").send().await.unwrap();
    emulator.shutdown().await;
}

#[tokio::test]
async fn put_events_accepts_entries_and_reports_bad_ones() {
    let emulator = testkit::aws::emulator().await;
    let eb = client(&emulator);
    let reply = eb
        .put_events()
        .entries(entry("jobs", r#"{"id": "job-1"}"#))
        .entries(
            PutEventsRequestEntry::builder()
                .detail_type("Job Finished")
                .detail("{}")
                .build(),
        )
        .entries(entry("jobs", "not json"))
        .entries(entry("jobs", "[1, 2]"))
        .entries(entry_builder("jobs", "{}").event_bus_name("nope").build())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.failed_entry_count(), 4);
    let entries = reply.entries();
    assert_eq!(entries.len(), 5);
    let id = entries[0].event_id().expect("an event id");
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(entries[0].error_code(), None);
    assert_eq!(entries[1].error_code(), Some("InvalidArgument"));
    assert_eq!(
        entries[1].error_message(),
        Some("Parameter Source is not valid. Reason: Source is a required argument.")
    );
    assert_eq!(entries[2].error_code(), Some("MalformedDetail"));
    assert_eq!(entries[2].error_message(), Some("Detail is malformed."));
    assert_eq!(entries[3].error_code(), Some("MalformedDetail"));
    assert_eq!(entries[4].error_code(), Some("ResourceNotFoundException"));
    assert_eq!(
        entries[4].error_message(),
        Some("Event bus nope does not exist.")
    );

    let mut too_many = eb.put_events();
    for _ in 0..11 {
        too_many = too_many.entries(entry("jobs", "{}"));
    }
    let (code, message) = too_many.send().await.error_code_message();
    assert_eq!(code, "ValidationException");
    assert!(message.contains("less than or equal to 10"), "{message}");
    emulator.shutdown().await;
}

/// The targets of the rule `rule` on the default bus.
async fn targets_of(eb: &Client, rule: &str) -> Vec<Target> {
    let listed = eb.list_targets_by_rule().rule(rule).send().await.unwrap();
    listed.targets().to_vec()
}

/// Waits (up to 2 s) until the delivery log holds `n` attempts.
async fn attempts(
    emulator: &Emulator,
    n: usize,
) -> Vec<emulator::services::events::targets::Attempt> {
    let log = testkit::eventually(2, || async {
        let log = emulator.cloud().events.deliveries();
        (log.len() >= n).then_some(log)
    })
    .await;
    log.unwrap_or_else(|| {
        panic!(
            "expected {n} delivery attempts, got {:?}",
            emulator.cloud().events.deliveries()
        )
    })
}

#[tokio::test]
async fn matching_events_are_delivered_to_each_target_with_shaped_input() {
    let emulator = testkit::aws::emulator().await;
    let eb = client(&emulator);
    let done = r#"{"source": ["jobs"], "detail": {"state": ["done"]}}"#;
    pattern_rule(&eb, "done", done).send().await.unwrap();
    pattern_rule(&eb, "disabled", r#"{"source": ["jobs"]}"#)
        .state(RuleState::Disabled)
        .send()
        .await
        .unwrap();
    let transformer = InputTransformer::builder()
        .input_paths_map("id", "$.detail.id")
        .input_template(r#"{"job": <id>, "rule": "<aws.events.rule-name>"}"#)
        .build()
        .unwrap();
    eb.put_targets()
        .rule("done")
        .targets(
            Target::builder()
                .id("sfn")
                .arn(SFN_ARN)
                .input_transformer(transformer)
                .build()
                .unwrap(),
        )
        .targets(target("fn", LAMBDA_ARN))
        .send()
        .await
        .unwrap();
    eb.put_targets()
        .rule("disabled")
        .targets(target("never", SFN_ARN))
        .send()
        .await
        .unwrap();
    let reply = eb
        .put_events()
        .entries(
            entry_builder("jobs", r#"{"id": "job-9", "state": "done"}"#)
                .resources("arn:r")
                .build(),
        )
        .entries(entry("jobs", r#"{"id": "job-10", "state": "running"}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.failed_entry_count(), 0);
    let event_id = reply.entries()[0].event_id().unwrap().to_string();

    let log = attempts(&emulator, 2).await;
    // Give a stray third delivery (which would be a bug) the chance to show up.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log_after = emulator.cloud().events.deliveries();
    assert_eq!(log_after.len(), 2, "{log_after:?}");
    let sfn = log
        .iter()
        .find(|a| a.target_id == "sfn")
        .expect("the state machine target");
    assert_eq!(sfn.target_arn, SFN_ARN);
    assert_eq!(sfn.event_id, event_id);
    assert_eq!(
        sfn.rule_arn,
        "arn:aws:events:us-east-1:123456789012:rule/done"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&sfn.input).unwrap(),
        json!({"job": "job-9", "rule": "done"})
    );
    let lambda = log
        .iter()
        .find(|a| a.target_id == "fn")
        .expect("the Lambda target");
    let event: Value = serde_json::from_str(&lambda.input).unwrap();
    assert_eq!(event["version"], "0");
    assert_eq!(event["id"], event_id.as_str());
    assert_eq!(event["detail-type"], "Job Finished");
    assert_eq!(event["source"], "jobs");
    assert_eq!(event["account"], "123456789012");
    assert_eq!(event["region"], "us-east-1");
    assert_eq!(event["resources"], json!(["arn:r"]));
    assert_eq!(event["detail"], json!({"id": "job-9", "state": "done"}));
    let time = event["time"].as_str().unwrap();
    assert_eq!(time.len(), 20, "{time}");
    assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn test_event_pattern_answers_for_each_operator() {
    let emulator = testkit::aws::emulator().await;
    let eb = client(&emulator);
    let event = json!({
        "id": "1", "account": "123456789012", "source": "jobs", "time": "2024-01-01T00:00:00Z",
        "region": "us-east-1", "resources": [], "detail-type": "Job Finished",
        "detail": {"state": "Done", "count": 7, "ip": "10.1.2.3", "file": "a/b/report.PNG", "tags": ["x", "y"]}
    })
    .to_string();
    let cases = [
        (r#"{"source": ["jobs"]}"#, true),
        (r#"{"source": ["other"]}"#, false),
        (r#"{"detail": {"state": [{"prefix": "Do"}]}}"#, true),
        (
            r#"{"detail": {"state": [{"prefix": {"equals-ignore-case": "do"}}]}}"#,
            true,
        ),
        (r#"{"detail": {"file": [{"suffix": ".png"}]}}"#, false),
        (
            r#"{"detail": {"file": [{"suffix": {"equals-ignore-case": ".png"}}]}}"#,
            true,
        ),
        (
            r#"{"detail": {"state": [{"equals-ignore-case": "DONE"}]}}"#,
            true,
        ),
        (
            r#"{"detail": {"file": [{"wildcard": "a/*/report.*"}]}}"#,
            true,
        ),
        (
            r#"{"detail": {"state": [{"anything-but": ["Done", "Failed"]}]}}"#,
            false,
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"prefix": "Fa"}}]}}"#,
            true,
        ),
        (
            r#"{"detail": {"count": [{"numeric": [">", 5, "<=", 7]}]}}"#,
            true,
        ),
        (r#"{"detail": {"count": [{"numeric": ["<", 7]}]}}"#, false),
        (r#"{"detail": {"ip": [{"cidr": "10.1.0.0/16"}]}}"#, true),
        (r#"{"detail": {"missing": [{"exists": false}]}}"#, true),
        (r#"{"detail": {"state": [{"exists": false}]}}"#, false),
        (r#"{"detail": {"tags": ["y"]}}"#, true),
        (
            r#"{"$or": [{"source": ["nope"]}, {"detail": {"count": [7]}}]}"#,
            true,
        ),
    ];
    for (pattern, expected) in cases {
        let result = eb
            .test_event_pattern()
            .event_pattern(pattern)
            .event(&event)
            .send()
            .await
            .unwrap();
        assert_eq!(result.result(), expected, "{pattern}");
    }
    let (code, message) = eb
        .test_event_pattern()
        .event_pattern(r#"{"source": ["jobs"]}"#)
        .event(r#"{"source": "jobs"}"#)
        .send()
        .await
        .error_code_message();
    assert_eq!(code, "ValidationException");
    assert!(
        message.starts_with("Parameter Event is not valid."),
        "{message}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn invalid_patterns_are_refused_with_invalid_event_pattern_exception() {
    let emulator = testkit::aws::emulator().await;
    let eb = client(&emulator);
    let cases = [
        ("[1]", "Filter is not an object"),
        (
            r#"{"source": "jobs"}"#,
            "\"source\" must be an object or an array",
        ),
        (r#"{"source": []}"#, "Empty arrays are not allowed"),
        (
            r#"{"n": [{"numeric": [">", 5, "<", 1]}]}"#,
            "Bottom must be less than top",
        ),
        (
            r#"{"s": [{"regex": "x"}]}"#,
            "Unrecognized match type regex",
        ),
        (
            r#"{"s": [{"wildcard": "a**"}]}"#,
            "Consecutive wildcard characters at pos 2",
        ),
        (
            r#"{"s": [{"exists": 1}]}"#,
            "exists match pattern must be either true or false.",
        ),
    ];
    for (pattern, reason) in cases {
        let bad = pattern_rule(&eb, "bad", pattern).send().await;
        let (code, message) = bad.error_code_message();
        assert_eq!(code, "InvalidEventPatternException", "{pattern}");
        assert_eq!(
            message,
            format!("Event pattern is not valid. Reason: {reason}")
        );
        let test = eb.test_event_pattern().event_pattern(pattern).event("{}");
        let (code, _) = test.send().await.error_code_message();
        assert_eq!(code, "InvalidEventPatternException", "{pattern}");
    }
    let (code, _) = eb
        .describe_rule()
        .name("bad")
        .send()
        .await
        .error_code_message();
    assert_eq!(code, "ResourceNotFoundException", "nothing was stored");
    emulator.shutdown().await;
}

#[tokio::test]
async fn event_buses_and_tags() {
    let emulator = testkit::aws::emulator().await;
    let eb = client(&emulator);
    let default = eb.describe_event_bus().send().await.unwrap();
    assert_eq!(default.name(), Some("default"));
    assert_eq!(
        default.arn(),
        Some("arn:aws:events:us-east-1:123456789012:event-bus/default")
    );
    let created = eb
        .create_event_bus()
        .name("orders")
        .description("order events")
        .tags(tag("env", "test"))
        .send()
        .await
        .unwrap();
    let bus_arn = "arn:aws:events:us-east-1:123456789012:event-bus/orders";
    assert_eq!(created.event_bus_arn(), Some(bus_arn));
    eb.create_event_bus()
        .name("orders")
        .send()
        .await
        .assert_error_message(
            "ResourceAlreadyExistsException",
            "Event bus orders already exists.",
        );
    let described = eb.describe_event_bus().name(bus_arn).send().await.unwrap();
    assert_eq!(described.name(), Some("orders"));
    assert_eq!(described.description(), Some("order events"));
    assert!(described.creation_time().is_some());
    let listed = eb.list_event_buses().send().await.unwrap();
    let names: Vec<_> = listed
        .event_buses()
        .iter()
        .filter_map(|b| b.name())
        .collect();
    assert_eq!(names, ["default", "orders"]);

    let tags = eb
        .list_tags_for_resource()
        .resource_arn(bus_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].key(), "env");
    let rule_arn = paid_rule(&eb)
        .send()
        .await
        .unwrap()
        .rule_arn()
        .unwrap()
        .to_string();
    eb.tag_resource()
        .resource_arn(&rule_arn)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    eb.untag_resource()
        .resource_arn(&rule_arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap();
    let tags = eb
        .list_tags_for_resource()
        .resource_arn(&rule_arn)
        .send()
        .await
        .unwrap();
    let pairs: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, [("b", "2")]);
    eb.list_tags_for_resource()
        .resource_arn("arn:aws:events:us-east-1:123456789012:rule/none")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");

    eb.delete_event_bus()
        .name("default")
        .send()
        .await
        .assert_error_message("ValidationException", "Cannot delete event bus default.");
    eb.delete_event_bus().name("orders").send().await.unwrap();
    eb.describe_event_bus()
        .name("orders")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn rules_targets_and_buses_survive_a_restart() {
    let state = testkit::aws::StateDir::new();
    {
        let emulator = state.start().await;
        let eb = client(&emulator);
        eb.create_event_bus().name("orders").send().await.unwrap();
        paid_rule(&eb).tags(tag("k", "v")).send().await.unwrap();
        eb.put_targets()
            .rule("paid")
            .event_bus_name("orders")
            .targets(detail_target("sfn", SFN_ARN))
            .send()
            .await
            .unwrap();
        eb.disable_rule()
            .name("paid")
            .event_bus_name("orders")
            .send()
            .await
            .unwrap();
        pattern_rule(&eb, "gone", r#"{"source": ["x"]}"#)
            .send()
            .await
            .unwrap();
        eb.delete_rule().name("gone").send().await.unwrap();
        emulator.shutdown().await;
    }
    let emulator = state.start().await;
    let eb = client(&emulator);
    let rule = eb
        .describe_rule()
        .name("paid")
        .event_bus_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(rule.event_pattern(), Some(PAID));
    assert_eq!(rule.state(), Some(&RuleState::Disabled));
    let targets = eb
        .list_targets_by_rule()
        .rule("paid")
        .event_bus_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(targets.targets().len(), 1);
    assert_eq!(targets.targets()[0].input_path(), Some("$.detail"));
    let tags = eb
        .list_tags_for_resource()
        .resource_arn(rule.arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags()[0].value(), "v");
    eb.describe_rule()
        .name("gone")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");
    // The pattern was recompiled on replay: once enabled, the rule delivers to its target.
    eb.enable_rule()
        .name("paid")
        .event_bus_name("orders")
        .send()
        .await
        .unwrap();
    eb.put_events()
        .entries(
            PutEventsRequestEntry::builder()
                .event_bus_name("orders")
                .source("shop")
                .detail_type("Paid")
                .detail(r#"{"order": 1}"#)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let log = attempts(&emulator, 1).await;
    assert_eq!(log[0].target_arn, SFN_ARN);
    assert_eq!(log[0].input, r#"{"order":1}"#);
    emulator.shutdown().await;
}

/// End to end through Step Functions: a matching event starts an execution whose input is the
/// shaped event. Needs the Step Functions service, which is a placeholder on this branch.
#[tokio::test]
async fn a_matching_event_starts_a_state_machine_execution() {
    let emulator = testkit::aws::emulator().await;
    let config = testkit::aws::sdk_config(&emulator.endpoint());
    let sfn = aws_sdk_sfn::Client::new(&config);
    let eb = client(&emulator);
    let pass = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
    let arn = testkit::aws::create_machine(&sfn, "on-job", pass).await;
    pattern_rule(&eb, "jobs", r#"{"source": ["jobs"]}"#)
        .send()
        .await
        .unwrap();
    eb.put_targets()
        .rule("jobs")
        .targets(detail_target("sfn", &arn))
        .send()
        .await
        .unwrap();
    eb.put_events()
        .entries(entry("jobs", r#"{"id": "job-1"}"#))
        .send()
        .await
        .unwrap();
    let log = attempts(&emulator, 1).await;
    assert!(log[0].outcome.is_ok(), "{log:?}");
    let executions = sfn
        .list_executions()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    let execution = executions.executions().first().expect("an execution");
    let described = sfn
        .describe_execution()
        .execution_arn(execution.execution_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(described.input().unwrap()).unwrap(),
        json!({"id": "job-1"})
    );
    emulator.shutdown().await;
}
