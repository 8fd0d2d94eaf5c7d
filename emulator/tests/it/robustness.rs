//! Hostile requests and definitions: none may take the process down. Each test sends the
//! offending request, checks the AWS error it gets, then checks the emulator still serves.

use aws_sdk_sfn::types::ExecutionStatus;
use emulator::Emulator;
use serde_json::{json, Value};

/// A raw HTTP/1.1 request over TCP, signed with a credential scope for `service` (the
/// emulator routes by the scope and does not check signatures). Returns the whole reply.
async fn raw(emulator: &Emulator, service: &str, head: &str, extra: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = emulator.addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let header = format!(
        "{head} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         {extra}Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// The emulator still answers: a ListStateMachines call succeeds.
async fn still_serves(emulator: &Emulator) {
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    sfn.list_state_machines()
        .send()
        .await
        .expect("the emulator still serves");
}

#[tokio::test]
async fn a_deeply_nested_xml_body_is_malformed_xml() {
    let emulator = testkit::aws::emulator().await;
    let s3 = aws_sdk_s3::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    s3.create_bucket().bucket("deep").send().await.unwrap();
    let depth = 200_000;
    let mut body = "<Delete>".to_string();
    body.push_str(&"<a>".repeat(depth));
    body.push_str(&"</a>".repeat(depth));
    body.push_str("</Delete>");
    let reply = raw(&emulator, "s3", "POST /deep?delete", "", body.as_bytes()).await;
    assert!(
        reply.starts_with("HTTP/1.1 400"),
        "{}",
        &reply[..200.min(reply.len())]
    );
    assert!(reply.contains("<Code>MalformedXML</Code>"), "{reply}");
    s3.head_bucket().bucket("deep").send().await.unwrap();
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_deeply_nested_json_body_is_a_serialization_error() {
    let emulator = testkit::aws::emulator().await;
    let depth = 100_000;
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let reply = raw(
        &emulator,
        "dynamodb",
        "POST /",
        "X-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.0\r\n",
        body.as_bytes(),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("SerializationException"), "{reply}");
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

/// `{"a": {"a": … {"b.$": "$.d"} … }}`: a template that wraps its input `levels` deep.
fn wrapper(levels: usize) -> Value {
    let mut value = json!({"b.$": "$.d"});
    for _ in 0..levels {
        value = json!({ "a": value });
    }
    value
}

#[tokio::test]
async fn a_state_machine_that_nests_its_value_deeply_fails_and_the_process_serves() {
    let emulator = testkit::aws::emulator().await;
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    // Each round wraps the value 100 levels deeper; 100 rounds would make it 10,000 deep,
    // some 60 KB of JSON: well under the payload limit.
    let definition = json!({
        "StartAt": "Wrap",
        "States": {
            "Wrap": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.MathAdd($.n, 1)", "d": wrapper(100)},
                "Next": "More?"
            },
            "More?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericLessThan": 100, "Next": "Wrap"}],
                "Default": "Done"
            },
            "Done": {"Type": "Succeed"}
        }
    });
    let machine = sfn
        .create_state_machine()
        .name("nester")
        .definition(definition.to_string())
        .role_arn(testkit::aws::role_arn("sfn"))
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let execution = testkit::aws::start_execution(&sfn, &machine, json!({"n": 0, "d": 0})).await;
    let described = testkit::eventually(30, || async {
        let d = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .unwrap();
        (d.status != ExecutionStatus::Running).then_some(d)
    })
    .await
    .expect("the execution ends");
    assert_eq!(described.status, ExecutionStatus::Failed, "{described:?}");
    assert_eq!(described.error(), Some("States.Runtime"), "{described:?}");
    assert!(
        described.cause().unwrap_or_default().contains("nest"),
        "{described:?}"
    );
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

/// An endless loop ends at AWS's 25,000-event quota: event #25,000 is `ExecutionFailed`, as AWS
/// records it, and a loop that ends in time is not cut short. (A loop of Pass and Choice states
/// never waits; it once kept its task, so that nothing could end it.)
#[tokio::test(flavor = "multi_thread")]
async fn an_endless_loop_fails_at_the_25000th_event() {
    let emulator = testkit::aws::emulator().await;
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let machine = |rounds: u64| {
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Add"},
            "Add": {"Type": "Pass", "Assign": {"n.$": "States.MathAdd($n, 1)"}, "Next": "Again?"},
            "Again?": {"Type": "Choice", "Default": "Done", "Choices": [
                {"Variable": "$n", "NumericLessThan": rounds, "Next": "Add"}]},
            "Done": {"Type": "Succeed"}
        }})
        .to_string()
    };
    let run = |name: &'static str, definition: String| {
        let sfn = sfn.clone();
        async move {
            let arn = sfn
                .create_state_machine()
                .name(name)
                .definition(definition)
                .role_arn(testkit::aws::role_arn("sfn"))
                .send()
                .await
                .unwrap()
                .state_machine_arn;
            let execution = sfn
                .start_execution()
                .state_machine_arn(arn)
                .send()
                .await
                .unwrap()
                .execution_arn;
            testkit::eventually(60, || async {
                let d = sfn
                    .describe_execution()
                    .execution_arn(&execution)
                    .send()
                    .await
                    .unwrap();
                (d.status != ExecutionStatus::Running).then_some(d)
            })
            .await
            .expect("the execution ends")
        }
    };
    // Each round enters and exits two states: four events. The loop has no way out (its
    // Choice goes back to Add by default), and never waits: the full history must end it.
    let endless = json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Add"},
        "Add": {"Type": "Pass", "Assign": {"n.$": "States.MathAdd($n, 1)"}, "Next": "Again?"},
        "Again?": {"Type": "Choice", "Default": "Add", "Choices": [
            {"Variable": "$n", "NumericLessThan": 0, "Next": "Done"}]},
        "Done": {"Type": "Succeed"}
    }});
    let endless = run("endless", endless.to_string()).await;
    assert_eq!(endless.status, ExecutionStatus::Failed);
    assert_eq!(endless.error(), Some("States.Runtime"));
    assert_eq!(
        endless.cause(),
        Some("The execution reached the maximum number of history events (25000).")
    );
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let page = sfn
            .get_execution_history()
            .execution_arn(&endless.execution_arn)
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        events.extend(
            page.events()
                .iter()
                .map(|e| e.r#type().as_str().to_string()),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(events.len(), 25_000);
    assert_eq!(events.last().map(String::as_str), Some("ExecutionFailed"));

    // 6,000 rounds: 24,006 events, within the quota.
    let within = run("within", machine(6_000)).await;
    assert_eq!(within.status, ExecutionStatus::Succeeded, "{within:?}");
    still_serves(&emulator).await;
}
