//! The front door's parsers never panic, whatever arrives: routing headers, awsQuery forms, JSON
//! bodies, percent-escapes; and the server keeps answering with AWS-shaped errors after a
//! stream of malformed requests to every service.

use bytes::Bytes;
use emulator::protocol::{json, query::Params};
use emulator::request::{percent_decode, AwsRequest, RequestContext};
use emulator::routing::route;
use proptest::prelude::*;

fn soup(max: usize) -> impl Strategy<Value = String> {
    let pieces = vec![
        "Credential=",
        "/",
        "aws4_request",
        "states",
        "s3",
        "%",
        "%2F",
        "%zz",
        "=",
        "&",
        ".member.",
        "1",
        "Action",
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\\",
        "AWS4-HMAC-SHA256 ",
        " ",
        "é",
        "\0",
    ];
    proptest::collection::vec(proptest::sample::select(pieces), 0..max).prop_map(|v| v.concat())
}

fn request(body: Vec<u8>, query: String) -> AwsRequest {
    AwsRequest {
        method: http::Method::POST,
        path: "/".into(),
        query,
        headers: http::HeaderMap::new(),
        body: Bytes::from(body),
        ctx: RequestContext::internal("iam", "us-east-1"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn routing_never_panics(auth in soup(30), query in soup(20), target in soup(8)) {
        let mut headers = http::HeaderMap::new();
        if let Ok(v) = http::HeaderValue::from_str(&auth) {
            headers.insert(http::header::AUTHORIZATION, v);
        }
        if let Ok(v) = http::HeaderValue::from_str(&target) {
            headers.insert("x-amz-target", v);
        }
        let _ = route(&headers, &query);
    }

    #[test]
    fn query_forms_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), query in soup(20)) {
        if let Ok(params) = Params::from_request(&request(body, query)) {
            let _ = params.list("Tags");
            let _ = params.struct_list("Tags");
        }
    }

    #[test]
    fn json_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), text in soup(30)) {
        let _ = json::parse_body(&body);
        let _ = json::parse_body(text.as_bytes());
    }

    #[test]
    fn percent_decoding_never_panics(text in soup(30)) {
        let _ = percent_decode(&text);
    }
}

/// Malformed requests to every service: each gets a 4xx with a body, and the server is still
/// there afterwards.
#[tokio::test]
async fn malformed_requests_get_client_errors_and_the_server_survives() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let emulator = testkit::aws::emulator().await;
    let addr = emulator.addr();
    let targets = [
        ("states", "AWSStepFunctions.StartExecution"),
        ("dynamodb", "DynamoDB_20120810.PutItem"),
        ("events", "AWSEvents.PutEvents"),
        ("logs", "Logs_20140328.CreateLogGroup"),
        ("iam", ""),
        ("sts", ""),
        ("lambda", ""),
        ("s3", ""),
        ("nosuchservice", ""),
    ];
    let bodies: [&[u8]; 5] = [b"{", b"[1,2]", b"\xff\xfe", b"Action=&&==%zz", b"{\"a\":"];
    for (service, target) in targets {
        for body in bodies {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let head = format!(
                "POST /bucket/key?x=%zz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
                 Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
                 X-Amz-Target: {target}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(body).await.unwrap();
            let mut reply = String::new();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            reply.push_str(&String::from_utf8_lossy(&raw));
            let status: u16 = reply
                .get(9..12)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("{service}: no status in {reply:?}"));
            assert!(
                (400..500).contains(&status),
                "{service} {target} {body:?}: expected a client error, got {reply}"
            );
            assert!(
                reply.to_ascii_lowercase().contains("x-amzn-requestid"),
                "{service}: {reply}"
            );
        }
    }
    let sts = aws_sdk_sts::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let _ = sts.get_caller_identity().send().await; // still answering (any answer)
    emulator.shutdown().await;
}
