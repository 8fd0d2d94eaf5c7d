//! The front door's parsers never panic, whatever arrives: routing headers, awsQuery forms, JSON
//! bodies (nested without bound too), percent-escapes; every protocol's services answer random
//! operations with random members without panicking or failing on the server's side; and the
//! server keeps answering with AWS-shaped errors after a stream of malformed requests to every
//! service.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use emulator::protocol::{json, query::Params};
use emulator::request::{percent_decode, AwsRequest, RequestContext};
use emulator::routing::route;
use emulator::services::registry::dispatch;
use emulator::Cloud;
use proptest::prelude::*;
use serde_json::Value;

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
    #![proptest_config(testkit::fuzz::config(testkit::fuzz::DEFAULT_CASES))]

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

    #[test]
    fn deeply_nested_json_bodies_never_panic(depth in 1usize..100_000, open in proptest::sample::select(vec!["[", "{\"a\":"])) {
        let body = open.repeat(depth);
        prop_assert!(json::parse_body(body.as_bytes()).is_err());
    }

    #[test]
    fn random_requests_to_every_protocol_never_panic(request in protocol_request()) {
        let (service, method, path, query, body) = request;
        let (runtime, cloud) = shared_cloud();
        let described = format!("{service} {method} {path}?{query} {}", String::from_utf8_lossy(&body));
        let response = runtime.block_on(dispatch(cloud, protocol_request_of(&service, &method, path, query, body)));
        prop_assert!(response.status().as_u16() < 500, "{described}: {}", response.status());
    }
}

/// One emulated account and the runtime its work runs on, shared by every case of the
/// front-door property (state builds up across cases, as it would on a real server).
fn shared_cloud() -> &'static (tokio::runtime::Runtime, Arc<Cloud>) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, Arc<Cloud>)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let cloud = runtime.block_on(async { Cloud::new(None) });
        (runtime, cloud)
    })
}

/// Member names the services read, so random bodies reach past the first check.
const MEMBERS: &[&str] = &[
    "name",
    "definition",
    "roleArn",
    "stateMachineArn",
    "executionArn",
    "input",
    "taskToken",
    "output",
    "maxResults",
    "nextToken",
    "tags",
    "type",
    "TableName",
    "Item",
    "Key",
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ConditionExpression",
    "UpdateExpression",
    "KeyConditionExpression",
    "ExpressionAttributeValues",
    "ExpressionAttributeNames",
    "S",
    "N",
    "L",
    "M",
    "AttributeName",
    "AttributeType",
    "KeyType",
    "Limit",
    "ExclusiveStartKey",
    "FunctionName",
    "Runtime",
    "Role",
    "Handler",
    "Code",
    "ZipFile",
];

/// Random JSON: scalars of every kind, arrays and objects keyed by [`MEMBERS`].
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-zA-Z0-9:/ *{}$.#-]{0,12}".prop_map(Value::String),
        Just(Value::String(
            "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}".into()
        )),
        Just(Value::String(
            "arn:aws:states:us-east-1:123456789012:stateMachine:m".into()
        )),
        Just(Value::String("arn:aws:iam::123456789012:role/r".into())),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(MEMBERS), inner), 0..5).prop_map(
                |kvs| Value::Object(kvs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            ),
        ]
    })
}

/// awsJson operations, with their service's signing name and target prefix.
const JSON_OPERATIONS: &[(&str, &str, &str)] = &[
    ("states", "AWSStepFunctions", "CreateStateMachine"),
    ("states", "AWSStepFunctions", "StartExecution"),
    ("states", "AWSStepFunctions", "StartSyncExecution"),
    ("states", "AWSStepFunctions", "DescribeExecution"),
    ("states", "AWSStepFunctions", "GetExecutionHistory"),
    ("states", "AWSStepFunctions", "SendTaskSuccess"),
    (
        "states",
        "AWSStepFunctions",
        "ValidateStateMachineDefinition",
    ),
    ("states", "AWSStepFunctions", "TestState"),
    ("states", "AWSStepFunctions", "ListExecutions"),
    ("states", "AWSStepFunctions", "UpdateStateMachine"),
    ("states", "AWSStepFunctions", "RedriveExecution"),
    ("dynamodb", "DynamoDB_20120810", "CreateTable"),
    ("dynamodb", "DynamoDB_20120810", "PutItem"),
    ("dynamodb", "DynamoDB_20120810", "GetItem"),
    ("dynamodb", "DynamoDB_20120810", "UpdateItem"),
    ("dynamodb", "DynamoDB_20120810", "Query"),
    ("dynamodb", "DynamoDB_20120810", "Scan"),
    ("dynamodb", "DynamoDB_20120810", "DeleteItem"),
];

/// awsQuery actions, with their service's signing name.
const QUERY_ACTIONS: &[(&str, &str)] = &[
    ("iam", "CreateRole"),
    ("iam", "PutRolePolicy"),
    ("iam", "GetRole"),
    ("iam", "ListRoles"),
    ("iam", "DeleteRole"),
    ("cloudformation", "CreateStack"),
    ("cloudformation", "CreateChangeSet"),
    ("cloudformation", "DescribeStacks"),
    ("cloudformation", "DescribeChangeSet"),
    ("cloudformation", "GetTemplateSummary"),
    ("cloudformation", "DeleteStack"),
];

/// awsQuery member names and values.
const QUERY_PIECES: &[&str] = &[
    "RoleName",
    "AssumeRolePolicyDocument",
    "PolicyName",
    "PolicyDocument",
    "StackName",
    "ChangeSetName",
    "ChangeSetType",
    "TemplateBody",
    "Parameters.member.1.ParameterKey",
    "Parameters.member.1.ParameterValue",
    "Tags.member.1.Key",
    "Capabilities.member.1",
    "r",
    "s",
    "CREATE",
    "UPDATE",
    "CAPABILITY_IAM",
    "{}",
    "Resources%3A%0A%20%20B%3A%20%7BType%3A%20AWS%3A%3AS3%3A%3ABucket%7D",
    "%7B%22Resources%22%3A%7B%7D%7D",
    "%zz",
    "",
    "1",
];

/// restJson (Lambda) and restXml (S3) methods and paths.
const REST_METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD"];
const LAMBDA_PATHS: &[&str] = &[
    "/2015-03-31/functions",
    "/2015-03-31/functions/",
    "/2015-03-31/functions/f",
    "/2015-03-31/functions/f/invocations",
    "/2015-03-31/functions/f/code",
    "/2015-03-31/functions/f/policy",
    "/2015-03-31/functions/%zz",
    "/2099-01-01/functions",
];
const S3_PATHS: &[(&str, &str)] = &[
    ("/", ""),
    ("/b", ""),
    ("/b", "location"),
    ("/b", "delete"),
    ("/b", "tagging"),
    ("/b", "list-type=2&max-keys=x"),
    ("/b/k", ""),
    ("/b/k", "tagging"),
    ("/b/k", "uploads"),
    ("/b/k", "uploadId=u&partNumber=1"),
    ("/b/k", "uploadId=u"),
    ("/b/%zz/..", ""),
];
/// S3 request bodies.
const S3_BODIES: &[&str] = &[
    "",
    "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>",
    "<Delete><Object><Key>k</Key></Object></Delete>",
    "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>",
    "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
    "<Delete><Object>",
    "data",
];

type ProtocolRequest = (String, String, String, String, Vec<u8>);

/// A request to one of the protocols: (signing name, method or target, path, query, body).
fn protocol_request() -> impl Strategy<Value = ProtocolRequest> {
    let json = (
        proptest::sample::select(JSON_OPERATIONS),
        json_value(),
        any::<bool>(),
    )
        .prop_map(|((service, prefix, op), body, garbage)| {
            let body = if garbage {
                body.to_string().into_bytes().into_iter().rev().collect()
            } else {
                body.to_string().into_bytes()
            };
            (
                service.to_string(),
                format!("{prefix}.{op}"),
                "/".to_string(),
                String::new(),
                body,
            )
        });
    let query = (
        proptest::sample::select(QUERY_ACTIONS),
        proptest::collection::vec(
            (
                proptest::sample::select(QUERY_PIECES),
                proptest::sample::select(QUERY_PIECES),
            ),
            0..6,
        ),
    )
        .prop_map(|((service, action), pairs)| {
            let mut form = format!("Action={action}&Version=2010-05-08");
            for (k, v) in pairs {
                form.push_str(&format!("&{k}={v}"));
            }
            (
                service.to_string(),
                "POST".to_string(),
                "/".to_string(),
                String::new(),
                form.into_bytes(),
            )
        });
    let lambda = (
        proptest::sample::select(REST_METHODS),
        proptest::sample::select(LAMBDA_PATHS),
        json_value(),
    )
        .prop_map(|(method, path, body)| {
            (
                "lambda".to_string(),
                method.to_string(),
                path.to_string(),
                String::new(),
                body.to_string().into_bytes(),
            )
        });
    let s3 = (
        proptest::sample::select(REST_METHODS),
        proptest::sample::select(S3_PATHS),
        proptest::sample::select(S3_BODIES),
    )
        .prop_map(|(method, (path, query), body)| {
            (
                "s3".to_string(),
                method.to_string(),
                path.to_string(),
                query.to_string(),
                body.as_bytes().to_vec(),
            )
        });
    prop_oneof![json, query, lambda, s3]
}

/// The request as the front door hands it to a service: awsJson with its target header,
/// awsQuery as a form, REST as it came.
fn protocol_request_of(
    service: &str,
    method: &str,
    path: String,
    query: String,
    body: Vec<u8>,
) -> AwsRequest {
    let mut headers = http::HeaderMap::new();
    let method = match method.split_once('.') {
        Some(_) => {
            if let Ok(target) = http::HeaderValue::from_str(method) {
                headers.insert("x-amz-target", target);
            }
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/x-amz-json-1.0"),
            );
            http::Method::POST
        }
        None => http::Method::from_bytes(method.as_bytes()).unwrap_or(http::Method::POST),
    };
    if service == "iam" || service == "cloudformation" {
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
    }
    AwsRequest {
        method,
        path,
        query,
        headers,
        body: Bytes::from(body),
        ctx: RequestContext::internal(service, "us-east-1"),
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
