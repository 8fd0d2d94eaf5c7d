//! The front door with real SDK clients: routing by credential scope, AWS error shapes.

#[tokio::test]
async fn an_unsigned_request_without_a_target_is_refused_with_403() {
    let emulator = testkit::aws::emulator().await;
    let reply = reqwest_like_get(&emulator.endpoint()).await;
    assert!(reply.starts_with("HTTP/1.1 403"), "{reply}");
    assert!(
        reply.contains("MissingAuthenticationTokenException"),
        "{reply}"
    );
    emulator.shutdown().await;
}

/// A bare HTTP GET over a TCP socket (no client library needed for one request).
async fn reqwest_like_get(endpoint: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn sts_answers_through_the_sdk_with_region_from_the_scope() {
    let emulator = testkit::aws::emulator().await;
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&testkit::aws::sdk_config(&emulator.endpoint()))
            .region(aws_config::Region::new("eu-west-3"))
            .build(),
    );
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:root"));
    // Errors come back in awsQuery's XML shape, which the SDK parses into its code.
    let err = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/none")
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    let text = format!("{:?}", err.into_service_error());
    assert!(text.contains("AccessDenied"), "{text}");
    emulator.shutdown().await;
}
