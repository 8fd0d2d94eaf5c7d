//! CloudWatch Logs with the real SDK client: log groups with retention and tags, streams,
//! events in and out (GetLogEvents tokens, FilterLogEvents term patterns), AWS's error codes,
//! and persistence.

use aws_sdk_cloudwatchlogs::operation::get_log_events::builders::GetLogEventsFluentBuilder;
use aws_sdk_cloudwatchlogs::operation::put_log_events::builders::PutLogEventsFluentBuilder;
use aws_sdk_cloudwatchlogs::operation::put_retention_policy::builders::PutRetentionPolicyFluentBuilder;
use aws_sdk_cloudwatchlogs::types::{InputLogEvent, OrderBy};
use aws_sdk_cloudwatchlogs::Client;
use testkit::aws::Refusal;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn event(timestamp: i64, message: &str) -> InputLogEvent {
    InputLogEvent::builder()
        .timestamp(timestamp)
        .message(message)
        .build()
        .unwrap()
}

fn client(emulator: &emulator::Emulator) -> Client {
    Client::new(&testkit::aws::sdk_config(&emulator.endpoint()))
}

async fn start() -> (emulator::Emulator, Client) {
    let emulator = testkit::aws::emulator().await;
    let logs = client(&emulator);
    (emulator, logs)
}

/// Creates the log group `group`.
async fn create_group(logs: &Client, group: &str) {
    logs.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateLogGroup {group}: {e:?}"));
}

/// Creates the log streams `streams` in `group`.
async fn create_streams(logs: &Client, group: &str, streams: &[&str]) {
    for stream in streams {
        let create = logs.create_log_stream().log_group_name(group);
        let created = create.log_stream_name(*stream).send().await;
        created.unwrap_or_else(|e| panic!("CreateLogStream {group}/{stream}: {e:?}"));
    }
}

/// PutRetentionPolicy of `days` on `group`.
fn retention(logs: &Client, group: &str, days: i32) -> PutRetentionPolicyFluentBuilder {
    logs.put_retention_policy()
        .log_group_name(group)
        .retention_in_days(days)
}

/// PutLogEvents of `events` to `group`/`stream`.
fn put_events(
    logs: &Client,
    group: &str,
    stream: &str,
    events: &[InputLogEvent],
) -> PutLogEventsFluentBuilder {
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .set_log_events(Some(events.to_vec()))
}

/// GetLogEvents of `group`/`stream`, to send as is or with a start, limit or token.
fn get_events(logs: &Client, group: &str, stream: &str) -> GetLogEventsFluentBuilder {
    logs.get_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
}

#[tokio::test]
async fn log_groups_with_retention_tags_and_pages() {
    let (emulator, logs) = start().await;
    for name in ["/aws/lambda/a", "/aws/lambda/b", "/aws/states/c"] {
        create_group(&logs, name).await;
    }
    logs.create_log_group()
        .log_group_name("/aws/lambda/a")
        .send()
        .await
        .assert_error("ResourceAlreadyExistsException", 400);
    logs.create_log_group()
        .log_group_name("bad name!")
        .send()
        .await
        .assert_error_code("InvalidParameterException");

    retention(&logs, "/aws/lambda/a", 14).send().await.unwrap();
    retention(&logs, "/aws/lambda/a", 2)
        .send()
        .await
        .assert_error_code("InvalidParameterException");
    retention(&logs, "/nope", 1)
        .send()
        .await
        .assert_error("ResourceNotFoundException", 400);

    let page = logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/")
        .limit(1)
        .send()
        .await
        .unwrap();
    let group = &page.log_groups()[0];
    assert_eq!(group.log_group_name(), Some("/aws/lambda/a"));
    assert_eq!(group.retention_in_days(), Some(14));
    assert_eq!(
        group.arn(),
        Some("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/a:*")
    );
    assert!(group.creation_time().unwrap() > now_ms() - 60_000);
    let next = logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/")
        .limit(1)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.log_groups()[0].log_group_name(), Some("/aws/lambda/b"));
    assert_eq!(next.log_groups()[0].retention_in_days(), None);
    assert!(next.next_token().is_none());
    let all = logs.describe_log_groups().send().await.unwrap();
    assert_eq!(all.log_groups().len(), 3);

    logs.delete_retention_policy()
        .log_group_name("/aws/lambda/a")
        .send()
        .await
        .unwrap();
    let arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/a";
    logs.tag_resource()
        .resource_arn(arn)
        .tags("team", "core")
        .tags("env", "dev")
        .send()
        .await
        .unwrap();
    logs.untag_resource()
        .resource_arn(arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
    assert_eq!(tags.tags().unwrap()["team"], "core");
    #[allow(deprecated)]
    let old = logs
        .list_tags_log_group()
        .log_group_name("/aws/lambda/a")
        .send()
        .await
        .unwrap();
    assert_eq!(old.tags().unwrap()["team"], "core");
    logs.list_tags_for_resource()
        .resource_arn("arn:aws:logs:us-east-1:123456789012:log-group:ghost")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");

    logs.delete_log_group()
        .log_group_name("/aws/lambda/a")
        .send()
        .await
        .unwrap();
    logs.delete_log_group()
        .log_group_name("/aws/lambda/a")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn events_go_in_and_come_out_in_order() {
    let (emulator, logs) = start().await;
    create_group(&logs, "app").await;
    create_streams(&logs, "app", &["web-1", "web-2", "worker"]).await;
    logs.create_log_stream()
        .log_group_name("app")
        .log_stream_name("web-1")
        .send()
        .await
        .assert_error_code("ResourceAlreadyExistsException");
    logs.create_log_stream()
        .log_group_name("nope")
        .log_stream_name("s")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");

    let t = now_ms() - 10_000;
    let web_1 = [
        event(t, "GET /index 200"),
        event(t + 2, "ERROR disk full"),
        event(t + 4, "GET /health 200"),
    ];
    put_events(&logs, "app", "web-1", &web_1)
        .send()
        .await
        .unwrap();
    let web_2 = [
        event(t + 1, "WARN slow request"),
        event(t + 3, "ERROR timeout"),
    ];
    let put = put_events(&logs, "app", "web-2", &web_2)
        .send()
        .await
        .unwrap();
    assert!(put.next_sequence_token().is_some());
    assert!(put.rejected_log_events_info().is_none());

    let backwards = [event(t + 9, "later"), event(t + 5, "earlier")];
    put_events(&logs, "app", "web-1", &backwards)
        .send()
        .await
        .assert_error_code("InvalidParameterException");
    put_events(&logs, "app", "ghost", &[event(t, "x")])
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");
    let worker = [
        event(t - 30 * 24 * 3600 * 1000, "ancient"),
        event(t, "fresh"),
    ];
    let old = put_events(&logs, "app", "worker", &worker)
        .send()
        .await
        .unwrap();
    assert_eq!(
        old.rejected_log_events_info()
            .unwrap()
            .too_old_log_event_end_index(),
        Some(0)
    );

    // GetLogEvents from the head, two at a time, following the forward token to the end.
    let mut messages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = get_events(&logs, "app", "web-1")
            .start_from_head(true)
            .limit(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        if page.events().is_empty() {
            assert_eq!(
                page.next_forward_token(),
                token.as_deref(),
                "the same token at the end"
            );
            break;
        }
        messages.extend(
            page.events()
                .iter()
                .map(|e| e.message().unwrap().to_string()),
        );
        token = page.next_forward_token().map(str::to_string);
    }
    assert_eq!(
        messages,
        ["GET /index 200", "ERROR disk full", "GET /health 200"]
    );
    // Without startFromHead: the latest events.
    let latest = get_events(&logs, "app", "web-1")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(latest.events()[0].message(), Some("GET /health 200"));
    assert_eq!(latest.events()[0].timestamp(), Some(t + 4));
    let worker = get_events(&logs, "app", "worker").send().await.unwrap();
    assert_eq!(worker.events().len(), 1, "the too-old event was rejected");

    // FilterLogEvents: interleaved across streams, by term pattern.
    let errors = logs
        .filter_log_events()
        .log_group_name("app")
        .filter_pattern("ERROR")
        .send()
        .await
        .unwrap();
    let found: Vec<_> = errors
        .events()
        .iter()
        .map(|e| (e.log_stream_name().unwrap(), e.message().unwrap()))
        .collect();
    assert_eq!(
        found,
        [("web-1", "ERROR disk full"), ("web-2", "ERROR timeout")]
    );
    let either = logs
        .filter_log_events()
        .log_group_name("app")
        .filter_pattern("?WARN ?timeout")
        .log_stream_name_prefix("web")
        .send()
        .await
        .unwrap();
    assert_eq!(either.events().len(), 2);
    let windowed = logs
        .filter_log_events()
        .log_group_name("app")
        .start_time(t + 1)
        .end_time(t + 2)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(windowed.events()[0].message(), Some("WARN slow request"));
    let rest = logs
        .filter_log_events()
        .log_group_name("app")
        .start_time(t + 1)
        .end_time(t + 2)
        .next_token(windowed.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.events()[0].message(), Some("ERROR disk full"));
    assert!(rest.next_token().is_none());
    logs.filter_log_events()
        .log_group_name("app")
        .filter_pattern("{ $.level = \"ERROR\" }")
        .send()
        .await
        .assert_error_code("InvalidParameterException");

    // DescribeLogStreams by last event time, newest first.
    let streams = logs
        .describe_log_streams()
        .log_group_name("app")
        .order_by(OrderBy::LastEventTime)
        .descending(true)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = streams
        .log_streams()
        .iter()
        .map(|s| s.log_stream_name().unwrap())
        .collect();
    assert_eq!(names, ["web-1", "web-2", "worker"]);
    assert_eq!(streams.log_streams()[0].last_event_timestamp(), Some(t + 4));
    assert_eq!(
        streams.log_streams()[0].arn(),
        Some("arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:web-1")
    );
    logs.describe_log_streams()
        .log_group_name("app")
        .order_by(OrderBy::LastEventTime)
        .log_stream_name_prefix("web")
        .send()
        .await
        .assert_error_code("InvalidParameterException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn logs_survive_a_restart_and_call_serves_other_services() {
    let state = testkit::aws::StateDir::new();
    let t = now_ms();
    let emulator = state.start().await;
    let logs = client(&emulator);
    logs.create_log_group()
        .log_group_name("kept")
        .tags("k", "v")
        .send()
        .await
        .unwrap();
    retention(&logs, "kept", 30).send().await.unwrap();
    create_streams(&logs, "kept", &["s"]).await;
    put_events(&logs, "kept", "s", &[event(t, "survives")])
        .send()
        .await
        .unwrap();
    create_group(&logs, "dropped").await;
    logs.delete_log_group()
        .log_group_name("dropped")
        .send()
        .await
        .unwrap();
    emulator.shutdown().await;

    let emulator = state.start().await;
    let logs = client(&emulator);
    let groups = logs.describe_log_groups().send().await.unwrap();
    assert_eq!(groups.log_groups().len(), 1);
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(30));
    let events = get_events(&logs, "kept", "s").send().await.unwrap();
    assert_eq!(events.events()[0].message(), Some("survives"));

    // The in-process contract other services use.
    let ctx = emulator::request::RequestContext::internal("logs", "us-east-1");
    let input = serde_json::json!({"logGroupName": "kept"});
    let tags = emulator::services::logs::call(
        emulator.cloud(),
        &ctx,
        "ListTagsLogGroup",
        input.as_object().unwrap().clone(),
    )
    .await
    .unwrap();
    assert_eq!(tags, serde_json::json!({"tags": {"k": "v"}}));
    emulator.shutdown().await;
}
