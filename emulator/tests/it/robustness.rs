//! Hostile requests and definitions: none may take the process down. Each test sends the
//! offending request, checks the AWS error it gets, then checks the emulator still serves.

use aws_sdk_sfn::types::ExecutionStatus;
use emulator::Emulator;
use serde_json::{json, Value};
use testkit::aws::{create_machine, execution_end, history, sfn_client, start_execution};

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
    sfn_client(emulator)
        .list_state_machines()
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
    let sfn = sfn_client(&emulator);
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
    let machine = create_machine(&sfn, "nester", definition).await;
    let execution = start_execution(&sfn, &machine, json!({"n": 0, "d": 0})).await;
    let described = execution_end(&sfn, &execution, 30).await;
    assert_eq!(described.status, ExecutionStatus::Failed, "{described:?}");
    assert_eq!(described.error(), Some("States.Runtime"), "{described:?}");
    assert!(
        described.cause().unwrap_or_default().contains("nest"),
        "{described:?}"
    );
    still_serves(&emulator).await;
    emulator.shutdown().await;
}

/// A loop that counts `$n` up from 0 by one a round: while `$n` is below `below` its Choice
/// goes to `then` (Add, another round, or Done), otherwise to `otherwise`.
fn counter(below: u64, then: &str, otherwise: &str) -> Value {
    json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Add"},
        "Add": {"Type": "Pass", "Assign": {"n.$": "States.MathAdd($n, 1)"}, "Next": "Again?"},
        "Again?": {"Type": "Choice", "Default": otherwise, "Choices": [
            {"Variable": "$n", "NumericLessThan": below, "Next": then}]},
        "Done": {"Type": "Succeed"}
    }})
}

/// An endless loop ends at AWS's 25,000-event quota: event #25,000 is `ExecutionFailed`, as AWS
/// records it, and a loop that ends in time is not cut short. (A loop of Pass and Choice states
/// never waits; it once kept its task, so that nothing could end it.)
#[tokio::test(flavor = "multi_thread")]
async fn an_endless_loop_fails_at_the_25000th_event() {
    let emulator = testkit::aws::emulator().await;
    let sfn = sfn_client(&emulator);
    let run = |name: &'static str, definition: Value| {
        let sfn = sfn.clone();
        async move {
            let arn = create_machine(&sfn, name, definition).await;
            let execution = start_execution(&sfn, &arn, json!({})).await;
            execution_end(&sfn, &execution, 60).await
        }
    };
    // Each round enters and exits two states: four events. The loop has no way out (its
    // Choice goes back to Add by default), and never waits: the full history must end it.
    let endless = run("endless", counter(0, "Done", "Add")).await;
    assert_eq!(endless.status, ExecutionStatus::Failed);
    assert_eq!(endless.error(), Some("States.Runtime"));
    assert_eq!(
        endless.cause(),
        Some("The execution reached the maximum number of history events (25000).")
    );
    let events = history(&sfn, &endless.execution_arn).await;
    assert_eq!(events.len(), 25_000);
    assert_eq!(
        events.last().map(|e| e.r#type().as_str()),
        Some("ExecutionFailed")
    );

    // 6,000 rounds: 24,006 events, within the quota.
    let within = run("within", counter(6_000, "Add", "Done")).await;
    assert_eq!(within.status, ExecutionStatus::Succeeded, "{within:?}");
    still_serves(&emulator).await;
}
