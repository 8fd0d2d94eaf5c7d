//! STS with the real SDK client: the caller's identity and AssumeRole on roles IAM holds.
use testkit::aws::Refusal;

#[tokio::test]
async fn the_caller_is_the_accounts_root() {
    let emulator = testkit::aws::emulator().await;
    let sts = aws_sdk_sts::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:root"));
    assert_eq!(me.user_id(), Some("123456789012"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn assume_role_gives_temporary_credentials_for_an_existing_role() {
    let emulator = testkit::aws::emulator().await;
    let config = testkit::aws::sdk_config(&emulator.endpoint());
    let iam = aws_sdk_iam::Client::new(&config);
    let sts = aws_sdk_sts::Client::new(&config);
    let role = iam
        .create_role()
        .role_name("deployer")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap()
        .role
        .unwrap();

    let assumed = sts
        .assume_role()
        .role_arn(role.arn())
        .role_session_name("ci-run")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let user = assumed.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::123456789012:assumed-role/deployer/ci-run"
    );
    assert_eq!(user.assumed_role_id(), format!("{}:ci-run", role.role_id()));
    let credentials = assumed.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    assert_eq!(credentials.access_key_id().len(), 20);
    assert_eq!(credentials.secret_access_key().len(), 40);
    assert!(!credentials.session_token().is_empty());
    let left = credentials.expiration().secs() - now_secs();
    assert!((850..=905).contains(&left), "expires in {left} s");

    sts.assume_role()
        .role_arn("arn:aws:iam::123456789012:role/nobody")
        .role_session_name("s1")
        .send()
        .await
        .assert_error("AccessDenied", 403);
    sts.assume_role()
        .role_arn(role.arn())
        .role_session_name("bad session name")
        .send()
        .await
        .assert_error("ValidationError", 400);
    sts.assume_role()
        .role_arn(role.arn())
        .role_session_name("s1")
        .duration_seconds(60)
        .send()
        .await
        .assert_error_code("ValidationError");
    // Longer than the role's MaxSessionDuration (3600 by default).
    sts.assume_role()
        .role_arn(role.arn())
        .role_session_name("s1")
        .duration_seconds(7200)
        .send()
        .await
        .assert_error_code("ValidationError");
    emulator.shutdown().await;
}

/// Now in seconds since the epoch.
fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
