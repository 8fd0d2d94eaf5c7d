//! Lambda through the real SDK: function CRUD and AWS's errors, and invocations of `#!/bin/sh`
//! bootstraps that time out, exit, or print (the demo crate's tests run real lambda_runtime
//! functions end to end).

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder;
use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, InvocationType, LogType, Runtime};
use base64::Engine as _;
use serde_json::Value;
use testkit::aws::Refusal;

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-role";

fn client(emulator: &emulator::Emulator) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()))
}

/// CreateFunction of `name` on `runtime` running as [`ROLE`] from the package `zip`, to send
/// as is or with a handler, timeout and so on.
fn function(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    runtime: Runtime,
    zip: Vec<u8>,
) -> CreateFunctionFluentBuilder {
    lambda
        .create_function()
        .function_name(name)
        .runtime(runtime)
        .role(ROLE)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
}

async fn create(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    bootstrap: &str,
    timeout: i32,
) -> aws_sdk_lambda::operation::create_function::CreateFunctionOutput {
    let zip = testkit::package::bootstrap(bootstrap.as_bytes());
    function(lambda, name, Runtime::Providedal2023, zip)
        .handler("bootstrap")
        .timeout(timeout)
        .send()
        .await
        .expect("the function is created")
}

/// The JSON payload an invocation returned.
fn payload(out: &InvokeOutput) -> Value {
    serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap()
}

/// A JSON string payload of `len` letters between its two quotes.
fn string_payload(len: usize) -> Blob {
    let mut json = b"\"".to_vec();
    json.extend(std::iter::repeat_n(b'a', len));
    json.push(b'"');
    Blob::new(json)
}

#[tokio::test]
async fn functions_are_created_read_listed_updated_and_deleted() {
    let emulator = testkit::aws::emulator().await;
    let lambda = client(&emulator);
    let zip = testkit::package::bootstrap("#!/bin/sh\nexit 0\n".as_bytes());
    let created = create(&lambda, "crud", "#!/bin/sh\nexit 0\n", 3).await;
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:crud";
    assert_eq!(created.function_arn(), Some(arn));
    assert_eq!(created.timeout(), Some(3));
    assert_eq!(created.memory_size(), Some(128));
    assert_eq!(created.version(), Some("$LATEST"));
    assert_eq!(created.code_size(), zip.len() as i64);
    let sha = base64::engine::general_purpose::STANDARD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(&zip));
    assert_eq!(created.code_sha256(), Some(sha.as_str()));
    assert_eq!(created.state().map(|s| s.as_str()), Some("Active"));
    assert_eq!(
        created.last_update_status().map(|s| s.as_str()),
        Some("Successful")
    );

    // By name, ARN, partial ARN and with the $LATEST qualifier.
    for name in ["crud", arn, "123456789012:function:crud", "crud:$LATEST"] {
        let got = lambda
            .get_function()
            .function_name(name)
            .send()
            .await
            .unwrap();
        assert_eq!(got.configuration().unwrap().function_name(), Some("crud"));
    }

    let err = function(&lambda, "crud", Runtime::Providedal2, zip.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        testkit::aws::code_status(&err),
        ("ResourceConflictException".into(), 409)
    );
    assert_eq!(err.message(), Some("Function already exist: crud"));

    let updated = lambda
        .update_function_configuration()
        .function_name("crud")
        .timeout(10)
        .memory_size(256)
        .environment(Environment::builder().variables("STAGE", "test").build())
        .send()
        .await
        .unwrap();
    assert_eq!(updated.timeout(), Some(10));
    assert_eq!(updated.memory_size(), Some(256));
    assert_ne!(updated.revision_id(), created.revision_id());
    let config = lambda
        .get_function_configuration()
        .function_name("crud")
        .send()
        .await
        .unwrap();
    assert_eq!(
        config.environment().unwrap().variables().unwrap()["STAGE"],
        "test"
    );

    let new_zip = testkit::package::bootstrap("#!/bin/sh\nexit 1\n".as_bytes());
    let recoded = lambda
        .update_function_code()
        .function_name(arn)
        .zip_file(Blob::new(new_zip.clone()))
        .send()
        .await
        .unwrap();
    assert_ne!(recoded.code_sha256(), created.code_sha256());
    assert_eq!(recoded.code_size(), new_zip.len() as i64);
    assert_eq!(recoded.timeout(), Some(10), "the configuration is kept");

    let published = lambda
        .publish_version()
        .function_name("crud")
        .send()
        .await
        .unwrap();
    assert_eq!(published.version(), Some("1"));
    assert_eq!(published.function_arn(), Some(format!("{arn}:1").as_str()));

    create(&lambda, "crud-2", "#!/bin/sh\nexit 0\n", 3).await;
    let page = lambda.list_functions().max_items(1).send().await.unwrap();
    assert_eq!(page.functions().len(), 1);
    assert_eq!(page.functions()[0].function_name(), Some("crud"));
    let next = page.next_marker().expect("a second page").to_string();
    let page = lambda.list_functions().marker(next).send().await.unwrap();
    assert_eq!(page.functions()[0].function_name(), Some("crud-2"));
    assert!(page.next_marker().is_none());
    let err = lambda
        .list_functions()
        .marker("crud-2")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("InvalidParameterValueException"),
        "a marker of no page of ours"
    );

    lambda
        .delete_function()
        .function_name("crud")
        .send()
        .await
        .unwrap();
    let err = lambda
        .get_function()
        .function_name("crud")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        testkit::aws::code_status(&err),
        ("ResourceNotFoundException".into(), 404)
    );
    assert_eq!(
        err.message(),
        Some(format!("Function not found: {arn}").as_str())
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn tags_and_permissions_are_stored() {
    let emulator = testkit::aws::emulator().await;
    let lambda = client(&emulator);
    let arn = create(&lambda, "tagged", "#!/bin/sh\n", 3)
        .await
        .function_arn()
        .unwrap()
        .to_string();
    lambda
        .tag_resource()
        .resource(&arn)
        .tags("team", "a")
        .tags("cost", "b")
        .send()
        .await
        .unwrap();
    lambda
        .untag_resource()
        .resource(&arn)
        .tag_keys("cost")
        .send()
        .await
        .unwrap();
    let tags = lambda.list_tags().resource(&arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
    assert_eq!(tags.tags().unwrap()["team"], "a");

    lambda
        .get_policy()
        .function_name("tagged")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");
    let added = lambda
        .add_permission()
        .function_name("tagged")
        .statement_id("events")
        .action("lambda:InvokeFunction")
        .principal("events.amazonaws.com")
        .source_arn("arn:aws:events:us-east-1:123456789012:rule/r")
        .send()
        .await
        .unwrap();
    let statement: Value = serde_json::from_str(added.statement().unwrap()).unwrap();
    assert_eq!(statement["Principal"]["Service"], "events.amazonaws.com");
    assert_eq!(
        statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        "arn:aws:events:us-east-1:123456789012:rule/r"
    );
    lambda
        .add_permission()
        .function_name("tagged")
        .statement_id("events")
        .action("lambda:InvokeFunction")
        .principal("events.amazonaws.com")
        .send()
        .await
        .assert_error_code("ResourceConflictException");
    let policy = lambda
        .get_policy()
        .function_name("tagged")
        .send()
        .await
        .unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Sid"], "events");
    assert_eq!(policy["Statement"][0]["Resource"], arn);
    lambda
        .remove_permission()
        .function_name("tagged")
        .statement_id("events")
        .send()
        .await
        .unwrap();
    lambda
        .remove_permission()
        .function_name("tagged")
        .statement_id("events")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn bad_functions_are_refused() {
    let emulator = testkit::aws::emulator().await;
    let lambda = client(&emulator);
    let script = || testkit::package::bootstrap("#!/bin/sh\n".as_bytes());
    let err = function(&lambda, "java", Runtime::Java21, script())
        .handler("app.handler")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        testkit::aws::code_status(&err),
        ("InvalidParameterValueException".into(), 400)
    );
    let message = err.message().unwrap();
    assert!(
        message.contains("java21") && message.contains("provided.al2023"),
        "{message}"
    );

    let no_bootstrap = testkit::package::zip(&[testkit::package::Entry {
        name: "main.py",
        mode: 0o644,
        content: b"print()",
    }]);
    let err = function(
        &lambda,
        "nobootstrap",
        Runtime::Providedal2023,
        no_bootstrap,
    )
    .send()
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
    assert!(err.message().unwrap().contains("bootstrap"));

    function(&lambda, "timeout", Runtime::Providedal2023, script())
        .timeout(0)
        .send()
        .await
        .assert_error_code("ValidationException");

    let err = lambda
        .invoke()
        .function_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(testkit::aws::code_status(&err).1, 404);
    assert_eq!(
        err.message(),
        Some("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_function_that_runs_too_long_times_out_like_on_aws() {
    let emulator = testkit::aws::emulator().await;
    let lambda = client(&emulator);
    create(&lambda, "sleeper", "#!/bin/sh\nsleep 30\n", 1).await;
    let started = std::time::Instant::now();
    let out = lambda
        .invoke()
        .function_name("sleeper")
        .payload(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let payload = payload(&out);
    let message = payload["errorMessage"].as_str().unwrap();
    let request_id = out.request_id().unwrap();
    assert!(
        message.ends_with(&format!("{request_id} Task timed out after 1.00 seconds")),
        "{message}"
    );
    assert!(
        message.starts_with("20") && message.contains('T'),
        "{message}"
    );
    let stats = emulator.cloud().lambda.sandbox_stats(
        "arn:aws:lambda:us-east-1:123456789012:function:sleeper",
        "$LATEST",
    );
    assert_eq!(stats.idle, 0, "a timed-out sandbox is not reused");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_bootstrap_that_exits_is_a_runtime_exit_error_with_its_output_in_the_tail() {
    let emulator = testkit::aws::emulator().await;
    let lambda = client(&emulator);
    create(
        &lambda,
        "exits",
        "#!/bin/sh\necho \"hello from $AWS_LAMBDA_FUNCTION_NAME in $AWS_REGION\"\necho \"endpoint $AWS_ENDPOINT_URL\" >&2\nexit 3\n",
        3,
    )
    .await;
    let out = lambda
        .invoke()
        .function_name("exits")
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    assert_eq!(out.executed_version(), Some("$LATEST"));
    let request_id = out.request_id().unwrap().to_string();
    let payload = payload(&out);
    assert_eq!(payload["errorType"], "Runtime.ExitError");
    assert_eq!(
        payload["errorMessage"],
        format!("RequestId: {request_id} Error: Runtime exited with error: exit status 3")
    );
    let log = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(
        log.starts_with(&format!("START RequestId: {request_id}")),
        "{log}"
    );
    assert!(log.contains("hello from exits in us-east-1"), "{log}");
    let endpoint = format!("endpoint {}", emulator.endpoint());
    assert!(
        log.contains(&endpoint),
        "functions reach the emulator: {log}"
    );
    assert!(
        log.contains(&format!("REPORT RequestId: {request_id}")),
        "{log}"
    );
    // The same log, a line an event, in CloudWatch Logs as AWS names it.
    let logs = aws_sdk_cloudwatchlogs::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let streams = logs
        .describe_log_streams()
        .log_group_name("/aws/lambda/exits")
        .send()
        .await
        .expect("the function's log group");
    let stream = streams.log_streams()[0]
        .log_stream_name()
        .unwrap()
        .to_string();
    assert!(stream.contains("/[$LATEST]"), "{stream}");
    let events = logs
        .get_log_events()
        .log_group_name("/aws/lambda/exits")
        .log_stream_name(&stream)
        .start_from_head(true)
        .send()
        .await
        .unwrap();
    let messages: Vec<&str> = events.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(
        messages.first().copied(),
        Some(format!("START RequestId: {request_id} Version: $LATEST").as_str())
    );
    assert!(
        messages.contains(&"hello from exits in us-east-1"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with(&format!("REPORT RequestId: {request_id}"))),
        "{messages:?}"
    );

    let dry = lambda
        .invoke()
        .function_name("exits")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code(), 204);
    let event = lambda
        .invoke()
        .function_name("exits")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(b"{\"a\":1}".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(event.status_code(), 202);
    emulator.shutdown().await;
}

#[tokio::test]
async fn oversized_payloads_are_refused_with_413() {
    let emulator = testkit::aws::emulator().await;
    let lambda = client(&emulator);
    create(&lambda, "big", "#!/bin/sh\nexit 0\n", 3).await;
    let invoke = || lambda.invoke().function_name("big");
    invoke()
        .payload(string_payload(6 * 1024 * 1024))
        .send()
        .await
        .assert_error("RequestTooLargeException", 413);
    invoke()
        .invocation_type(InvocationType::Event)
        .payload(string_payload(256 * 1024))
        .send()
        .await
        .assert_error("RequestTooLargeException", 413);
    invoke()
        .payload(Blob::new(b"{not json".to_vec()))
        .send()
        .await
        .assert_error_code("InvalidRequestContentException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn functions_and_their_code_survive_a_restart() {
    let state = testkit::aws::StateDir::new();
    let first = state.start().await;
    let lambda = client(&first);
    let created = create(&lambda, "kept", "#!/bin/sh\nexit 7\n", 3).await;
    lambda
        .tag_resource()
        .resource(created.function_arn().unwrap())
        .tags("k", "v")
        .send()
        .await
        .unwrap();
    lambda
        .update_function_configuration()
        .function_name("kept")
        .timeout(5)
        .send()
        .await
        .unwrap();
    create(&lambda, "dropped", "#!/bin/sh\n", 3).await;
    lambda
        .delete_function()
        .function_name("dropped")
        .send()
        .await
        .unwrap();
    first.shutdown().await;

    let second = state.start().await;
    let lambda = client(&second);
    let got = lambda
        .get_function()
        .function_name("kept")
        .send()
        .await
        .unwrap();
    let configuration = got.configuration().unwrap();
    assert_eq!(configuration.code_sha256(), created.code_sha256());
    assert_eq!(configuration.timeout(), Some(5));
    assert_eq!(got.tags().unwrap()["k"], "v");
    lambda
        .get_function()
        .function_name("dropped")
        .send()
        .await
        .assert_error_code("ResourceNotFoundException");
    // The code came back too: it still runs (and exits 7).
    let out = lambda.invoke().function_name("kept").send().await.unwrap();
    let payload = payload(&out);
    assert!(
        payload["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("exit status 7"),
        "{payload}"
    );
    second.shutdown().await;
}
