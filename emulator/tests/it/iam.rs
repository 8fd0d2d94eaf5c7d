//! IAM with the real SDK client: roles, trust policies that round trip byte for byte, inline
//! and managed policies, tags, pagination, AWS's error codes and statuses, and persistence.

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use emulator::request::percent_decode;
use testkit::aws::Refusal;

/// A trust policy with the spacing and line breaks a user writes, which must come back as is.
const TRUST: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"states.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\", \"Condition\": {\"ArnLike\": {\"aws:SourceArn\": \"arn:aws:states:us-east-1:123456789012:stateMachine:a+b c\"}}}]\n}";

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem"],"Resource":"*"}]}"#;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn client_of(emulator: &emulator::Emulator) -> Client {
    Client::new(&testkit::aws::sdk_config(&emulator.endpoint()))
}

async fn client() -> (emulator::Emulator, Client) {
    let emulator = testkit::aws::emulator().await;
    let client = client_of(&emulator);
    (emulator, client)
}

/// CreateRole of `name` trusting [`TRUST`], to send as is or with more.
fn trusting_role(
    iam: &Client,
    name: &str,
) -> aws_sdk_iam::operation::create_role::builders::CreateRoleFluentBuilder {
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(TRUST)
}

/// The role `name`, as GetRole returns it.
async fn role(iam: &Client, name: &str) -> aws_sdk_iam::types::Role {
    let got = iam.get_role().role_name(name).send().await.unwrap();
    got.role.unwrap()
}

/// PutRolePolicy of the inline policy `name` of `role`.
fn inline_policy(
    iam: &Client,
    role: &str,
    name: &str,
    document: impl Into<String>,
) -> aws_sdk_iam::operation::put_role_policy::builders::PutRolePolicyFluentBuilder {
    iam.put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(document)
}

/// AttachRolePolicy of `policy` to `role`.
fn attach(
    iam: &Client,
    role: &str,
    policy: impl Into<String>,
) -> aws_sdk_iam::operation::attach_role_policy::builders::AttachRolePolicyFluentBuilder {
    iam.attach_role_policy().role_name(role).policy_arn(policy)
}

#[tokio::test]
async fn a_role_round_trips_with_its_trust_policy_exactly() {
    let (emulator, iam) = client().await;
    let created = trusting_role(&iam, "Worker")
        .path("/service/")
        .description("runs the workflow")
        .max_session_duration(7200)
        .tags(tag("team", "core"))
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(created.role_name(), "Worker");
    assert_eq!(created.path(), "/service/");
    assert_eq!(
        created.arn(),
        "arn:aws:iam::123456789012:role/service/Worker"
    );
    assert!(created.role_id().starts_with("AROA") && created.role_id().len() == 21);
    assert_eq!(created.max_session_duration(), Some(7200));

    let got = role(&iam, "Worker").await;
    assert_eq!(got.role_id(), created.role_id());
    assert_eq!(got.description(), Some("runs the workflow"));
    let encoded = got.assume_role_policy_document().unwrap();
    assert!(
        encoded.starts_with("%7B%0A"),
        "IAM sends documents URL-encoded: {encoded}"
    );
    assert_eq!(percent_decode(encoded), TRUST);
    assert_eq!(got.tags()[0].key(), "team");

    // The accessor other services use, by name and by ARN.
    let stored = emulator.cloud().iam.role(created.arn()).unwrap();
    assert_eq!(stored.assume_role_policy_document, TRUST);
    assert_eq!(emulator.cloud().iam.role("worker").unwrap().name, "Worker");
    assert!(emulator.cloud().iam.role("nobody").is_none());

    let new_trust = r#"{"Version":"2012-10-17","Statement":[]}"#;
    iam.update_assume_role_policy()
        .role_name("Worker")
        .policy_document(new_trust)
        .send()
        .await
        .unwrap();
    iam.update_role()
        .role_name("Worker")
        .description("changed")
        .max_session_duration(3600)
        .send()
        .await
        .unwrap();
    let got = role(&iam, "Worker").await;
    assert_eq!(
        percent_decode(got.assume_role_policy_document().unwrap()),
        new_trust
    );
    assert_eq!(got.description(), Some("changed"));
    assert_eq!(got.max_session_duration(), Some(3600));

    iam.delete_role().role_name("Worker").send().await.unwrap();
    let err = iam.get_role().role_name("Worker").send().await.unwrap_err();
    assert_eq!(
        testkit::aws::code_status(&err),
        ("NoSuchEntity".into(), 404)
    );
    assert!(err.into_service_error().is_no_such_entity_exception());
    emulator.shutdown().await;
}

#[tokio::test]
async fn bad_roles_get_aws_error_codes() {
    let (emulator, iam) = client().await;
    let create = |name: &str, doc: &str| {
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(doc)
            .send()
    };
    create("r1", TRUST).await.unwrap();
    create("R1", TRUST)
        .await
        .assert_error("EntityAlreadyExists", 409);
    create("r2", "{not json")
        .await
        .assert_error("MalformedPolicyDocument", 400);
    create("r2", "[1]")
        .await
        .assert_error_code("MalformedPolicyDocument");
    let err = create("bad name!", TRUST).await.unwrap_err();
    assert_eq!(
        testkit::aws::code_status(&err),
        ("ValidationError".into(), 400)
    );
    assert!(err.message().unwrap().contains("roleName"), "{err:?}");
    trusting_role(&iam, "r3")
        .path("no-slashes")
        .send()
        .await
        .assert_error_code("ValidationError");
    trusting_role(&iam, "r3")
        .max_session_duration(100)
        .send()
        .await
        .assert_error_code("ValidationError");
    iam.update_assume_role_policy()
        .role_name("r1")
        .policy_document("nope")
        .send()
        .await
        .assert_error_code("MalformedPolicyDocument");
    iam.delete_role()
        .role_name("ghost")
        .send()
        .await
        .assert_error("NoSuchEntity", 404);
    iam.update_role()
        .role_name("ghost")
        .send()
        .await
        .assert_error_code("NoSuchEntity");
    emulator.shutdown().await;
}

#[tokio::test]
async fn inline_and_managed_policies() {
    let (emulator, iam) = client().await;
    trusting_role(&iam, "app").send().await.unwrap();
    inline_policy(&iam, "app", "table", POLICY)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_role_policy()
        .role_name("app")
        .policy_name("table")
        .send()
        .await
        .unwrap();
    assert_eq!(got.role_name(), "app");
    assert_eq!(percent_decode(got.policy_document()), POLICY);
    let names = iam
        .list_role_policies()
        .role_name("app")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["table"]);
    inline_policy(&iam, "app", "bad", "{")
        .send()
        .await
        .assert_error_code("MalformedPolicyDocument");
    iam.get_role_policy()
        .role_name("app")
        .policy_name("missing")
        .send()
        .await
        .assert_error("NoSuchEntity", 404);
    let huge = format!(
        r#"{{"Version":"2012-10-17","Sid":"{}"}}"#,
        "x".repeat(11_000)
    );
    inline_policy(&iam, "app", "huge", huge)
        .send()
        .await
        .assert_error("LimitExceeded", 409);

    // Managed policies.
    let policy = iam
        .create_policy()
        .policy_name("shared")
        .path("/team/")
        .policy_document(POLICY)
        .description("for all")
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    let arn = policy.arn().unwrap().to_string();
    assert_eq!(arn, "arn:aws:iam::123456789012:policy/team/shared");
    assert!(policy.policy_id().unwrap().starts_with("ANPA"));
    assert_eq!(policy.default_version_id(), Some("v1"));
    iam.create_policy()
        .policy_name("shared")
        .path("/team/")
        .policy_document(POLICY)
        .send()
        .await
        .assert_error("EntityAlreadyExists", 409);
    let version = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .unwrap()
        .policy_version
        .unwrap();
    assert_eq!(percent_decode(version.document().unwrap()), POLICY);
    assert!(version.is_default_version());

    let aws_managed = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
    for policy_arn in [arn.as_str(), aws_managed] {
        attach(&iam, "app", policy_arn).send().await.unwrap();
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name("app")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = attached
        .attached_policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["shared", "AWSLambdaBasicExecutionRole"]);
    let got = iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(got.attachment_count(), Some(1));
    assert_eq!(got.description(), Some("for all"));
    let listed = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .only_attached(true)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.policies().len(), 1);
    assert_eq!(listed.policies()[0].arn(), Some(arn.as_str()));

    iam.delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .assert_error("DeleteConflict", 409);
    iam.delete_role()
        .role_name("app")
        .send()
        .await
        .assert_error("DeleteConflict", 409);
    attach(&iam, "app", "arn:aws:iam::123456789012:policy/none")
        .send()
        .await
        .assert_error("NoSuchEntity", 404);
    attach(&iam, "app", "not-an-arn-at-all-really")
        .send()
        .await
        .assert_error("InvalidInput", 400);

    for policy_arn in [arn.as_str(), aws_managed] {
        iam.detach_role_policy()
            .role_name("app")
            .policy_arn(policy_arn)
            .send()
            .await
            .unwrap();
    }
    iam.delete_role_policy()
        .role_name("app")
        .policy_name("table")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("app").send().await.unwrap();
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
    iam.get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .assert_error("NoSuchEntity", 404);
    emulator.shutdown().await;
}

#[tokio::test]
async fn attaching_more_than_ten_policies_exceeds_the_quota() {
    let (emulator, iam) = client().await;
    trusting_role(&iam, "busy").send().await.unwrap();
    for n in 0..10 {
        attach(&iam, "busy", format!("arn:aws:iam::aws:policy/P{n}"))
            .send()
            .await
            .unwrap();
    }
    attach(&iam, "busy", "arn:aws:iam::aws:policy/P10")
        .send()
        .await
        .assert_error("LimitExceeded", 409);
    emulator.shutdown().await;
}

#[tokio::test]
async fn roles_are_listed_by_path_in_pages_and_tagged() {
    let (emulator, iam) = client().await;
    for (name, path) in [("a", "/x/"), ("b", "/x/"), ("c", "/x/"), ("d", "/y/")] {
        trusting_role(&iam, name).path(path).send().await.unwrap();
    }
    let first = iam
        .list_roles()
        .path_prefix("/x/")
        .max_items(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = first.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(first.is_truncated());
    assert_eq!(
        percent_decode(first.roles()[0].assume_role_policy_document().unwrap()),
        TRUST
    );
    let second = iam
        .list_roles()
        .path_prefix("/x/")
        .max_items(2)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    let names: Vec<_> = second.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(names, ["c"]);
    assert!(!second.is_truncated());
    assert_eq!(iam.list_roles().send().await.unwrap().roles().len(), 4);
    iam.list_roles()
        .max_items(0)
        .send()
        .await
        .assert_error_code("ValidationError");
    let err = iam.list_roles().marker("c").send().await.unwrap_err();
    assert_eq!(
        testkit::aws::code_status(&err).0,
        "ValidationError",
        "a marker of no page of ours"
    );

    iam.tag_role()
        .role_name("a")
        .tags(tag("k1", "v1"))
        .tags(tag("k2", "v2"))
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("a")
        .tags(tag("k1", "new"))
        .send()
        .await
        .unwrap();
    iam.untag_role()
        .role_name("a")
        .tag_keys("k2")
        .send()
        .await
        .unwrap();
    let tags = iam.list_role_tags().role_name("a").send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(
        (tags.tags()[0].key(), tags.tags()[0].value()),
        ("k1", "new")
    );
    let too_many: Vec<Tag> = (0..51).map(|n| tag(&format!("t{n}"), "v")).collect();
    iam.tag_role()
        .role_name("a")
        .set_tags(Some(too_many))
        .send()
        .await
        .assert_error("LimitExceeded", 409);
    iam.list_role_tags()
        .role_name("zz")
        .send()
        .await
        .assert_error_code("NoSuchEntity");
    emulator.shutdown().await;
}

#[tokio::test]
async fn roles_and_policies_survive_a_restart() {
    let state = testkit::aws::StateDir::new();
    let emulator = state.start().await;
    let iam = client_of(&emulator);
    let role_id = trusting_role(&iam, "kept")
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .role_id
        .clone();
    inline_policy(&iam, "kept", "inline", POLICY)
        .send()
        .await
        .unwrap();
    let arn = iam
        .create_policy()
        .policy_name("managed")
        .policy_document(POLICY)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    attach(&iam, "kept", &arn).send().await.unwrap();
    trusting_role(&iam, "gone").send().await.unwrap();
    iam.delete_role().role_name("gone").send().await.unwrap();
    emulator.shutdown().await;

    let emulator = state.start().await;
    let iam = client_of(&emulator);
    let kept = role(&iam, "kept").await;
    assert_eq!(kept.role_id(), role_id);
    assert_eq!(
        percent_decode(kept.assume_role_policy_document().unwrap()),
        TRUST
    );
    let inline = iam
        .get_role_policy()
        .role_name("kept")
        .policy_name("inline")
        .send()
        .await
        .unwrap();
    assert_eq!(percent_decode(inline.policy_document()), POLICY);
    let attached = iam
        .list_attached_role_policies()
        .role_name("kept")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(arn.as_str())
    );
    iam.get_role()
        .role_name("gone")
        .send()
        .await
        .assert_error_code("NoSuchEntity");
    emulator.shutdown().await;
}
