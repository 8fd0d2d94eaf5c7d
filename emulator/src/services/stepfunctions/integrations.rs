//! Task integrations: the [`TaskInvoker`] through which Task states call Lambda, DynamoDB,
//! EventBridge, CloudWatch Logs and Step Functions itself, with parameters, results and error
//! names mapped as AWS maps them.
//!
//! | resource | calls | errors |
//! | --- | --- | --- |
//! | `arn:aws:lambda:…:function:f` | `lambda::invoke`, result = the payload | `errorType` (cause: the payload), `Lambda.Unknown`, `Lambda.<Code>` |
//! | `arn:aws:states:::lambda:invoke` | `lambda::invoke`, result = `{ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}` | same |
//! | `arn:aws:states:::dynamodb:getItem` (putItem, deleteItem, updateItem) | `dynamodb::call` | `DynamoDB.<Code>` |
//! | `arn:aws:states:::aws-sdk:<service>:<action>` | dynamodb, sfn, eventbridge, cloudwatchlogs `call` | `<Service>.<Code>Exception` (`DynamoDb.…`, `Sfn.…`) |
//! | `arn:aws:states:::states:startExecution` (`.sync`, `.sync:2`) | [`nested`](super::nested) | `States.TaskFailed` (cause: the child's DescribeExecution), `Sfn.<Code>Exception` |
//! | `arn:aws:states:::events:putEvents` | `events::call` PutEvents | `EventBridge.FailedEntry`, `EventBridge.<Code>` |
//!
//! `.waitForTaskToken` works with each: the token reaches the service inside the parameters
//! (`$$.Task.Token`), and the engine waits for SendTaskSuccess/Failure.

use std::sync::{Arc, Weak};

use asl::engine::{TaskFailure, TaskInvoker, TaskRequest};
use futures::future::BoxFuture;
use serde_json::{json, Map, Value};

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::request::{RequestContext, DEFAULT_REGION};
use crate::services::lambda::{self, InvocationType};
use crate::services::{dynamodb, events, logs};

/// The error of a task whose resource this emulator does not integrate.
pub const UNSUPPORTED_ERROR: &str = "States.TaskFailed";

/// The optimized DynamoDB actions (`arn:aws:states:::dynamodb:<action>`).
const DYNAMODB_OPTIMIZED: &[&str] = &["getItem", "putItem", "deleteItem", "updateItem"];

/// The Task invoker of the emulator: calls the services of the [`Cloud`].
#[derive(Debug)]
pub struct Integrations {
    cloud: Weak<Cloud>,
}

impl Integrations {
    /// An invoker calling the services of `cloud`.
    pub fn new(cloud: Weak<Cloud>) -> Self {
        Integrations { cloud }
    }
}

impl TaskInvoker for Integrations {
    fn invoke(&self, request: TaskRequest) -> BoxFuture<'static, Result<Value, TaskFailure>> {
        let cloud = self.cloud.clone();
        Box::pin(async move {
            let Some(cloud) = cloud.upgrade() else {
                return Err(TaskFailure::new(
                    "States.Runtime",
                    "The emulator is shutting down",
                ));
            };
            dispatch(&cloud, request).await
        })
    }
}

/// What a Task resource calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A bare Lambda function ARN.
    LambdaFunction(String),
    /// `arn:aws:states:::lambda:invoke`.
    LambdaInvoke,
    /// An optimized DynamoDB action (`getItem`, …).
    DynamoDb(String),
    /// `arn:aws:states:::events:putEvents`.
    PutEvents,
    /// `arn:aws:states:::states:startExecution` (`.sync`, `.sync:2`): a nested workflow.
    StartExecution(super::nested::Wait),
    /// `arn:aws:states:::aws-sdk:<service>:<action>`.
    AwsSdk {
        /// The SDK service name (`dynamodb`, `sfn`, …).
        service: String,
        /// The action in camelCase (`putItem`).
        action: String,
    },
}

/// Finds what a resource ARN calls; resources this emulator does not integrate (and `.sync`
/// jobs) are a failure that says so.
pub fn target(resource: &str) -> Result<Target, TaskFailure> {
    let unsupported = |why: &str| {
        TaskFailure::new(
            UNSUPPORTED_ERROR,
            format!(
                "The emulator does not integrate the resource '{resource}'{why}. It supports Lambda function ARNs, \
                 arn:aws:states:::lambda:invoke, arn:aws:states:::dynamodb:getItem|putItem|deleteItem|updateItem, \
                 arn:aws:states:::events:putEvents, arn:aws:states:::states:startExecution(.sync, .sync:2) and arn:aws:states:::aws-sdk:dynamodb|sfn|eventbridge|cloudwatchlogs:<action>, \
                 each also with .waitForTaskToken"
            ),
        )
    };
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    if parts.len() == 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" {
        return Ok(Target::LambdaFunction(resource.to_string()));
    }
    let Some(tail) = resource
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":states:::"))
        .map(|(_, tail)| tail)
    else {
        return Err(unsupported(""));
    };
    if let Some(wait) = super::nested::Wait::of(tail) {
        return Ok(Target::StartExecution(wait));
    }
    if tail.contains(".sync") {
        return Err(unsupported(
            " (.sync jobs other than states:startExecution are not run)",
        ));
    }
    let tail = tail.strip_suffix(".waitForTaskToken").unwrap_or(tail);
    let target = match tail.split(':').collect::<Vec<_>>().as_slice() {
        ["lambda", "invoke"] => Target::LambdaInvoke,
        ["dynamodb", action] if DYNAMODB_OPTIMIZED.contains(action) => {
            Target::DynamoDb(action.to_string())
        }
        ["events", "putEvents"] => Target::PutEvents,
        ["aws-sdk", service, action] if sdk_service(service).is_some() && !action.is_empty() => {
            Target::AwsSdk {
                service: service.to_string(),
                action: action.to_string(),
            }
        }
        _ => return Err(unsupported("")),
    };
    Ok(target)
}

/// The PascalCase name errors of an aws-sdk service carry (`dynamodb` → `DynamoDb`).
pub fn sdk_service(service: &str) -> Option<&'static str> {
    match service {
        "dynamodb" => Some("DynamoDb"),
        "sfn" => Some("Sfn"),
        "eventbridge" => Some("EventBridge"),
        "cloudwatchlogs" => Some("CloudWatchLogs"),
        _ => None,
    }
}

/// `putItem` → `PutItem`.
pub fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Renames every object key of `value`, recursively.
fn rename_keys(value: Value, rename: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (rename(&k), rename_keys(v, rename)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| rename_keys(v, rename)).collect())
        }
        other => other,
    }
}

/// aws-sdk parameters (PascalCase) as the Step Functions JSON API spells them (camelCase);
/// `input`/`output` given as JSON values become the JSON text the API takes.
pub fn sfn_parameters(parameters: Value) -> Map<String, Value> {
    let renamed = rename_keys(parameters, &crate::protocol::json::lower_first);
    let mut map = match renamed {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for member in ["input", "output"] {
        if let Some(value) = map.get_mut(member) {
            if !value.is_string() && !value.is_null() {
                *value = Value::String(value.to_string());
            }
        }
    }
    map
}

/// A Step Functions API result as aws-sdk integrations return it (PascalCase keys).
pub fn sfn_result(result: Value) -> Value {
    rename_keys(result, &pascal)
}

/// The failure an aws-sdk integration reports for a service error:
/// `<Service>.<Code>` with the code ending in `Exception`, as AWS names them, and the cause as
/// the AWS Java SDK v2 words it, the attempt count included (AWS makes one attempt).
pub fn sdk_failure(service: &str, err: &AwsError, request_id: &str) -> TaskFailure {
    let code = if err.code.ends_with("Exception") {
        err.code.clone()
    } else {
        format!("{}Exception", err.code)
    };
    TaskFailure::new(
        format!("{service}.{code}"),
        format!(
            "{} (Service: {service}, Status Code: {}, Request ID: {request_id}) (SDK Attempt Count: 1)",
            err.message,
            err.status.as_u16()
        ),
    )
}

/// The failure an optimized integration (`DynamoDB`, `Lambda`, `EventBridge`) reports for a
/// service error: `<Prefix>.<Code>`, with the cause worded like the AWS Java SDK's.
pub fn optimized_failure(
    prefix: &str,
    service_id: &str,
    err: &AwsError,
    request_id: &str,
) -> TaskFailure {
    TaskFailure::new(
        format!("{prefix}.{}", err.code),
        format!(
            "{} (Service: {service_id}; Status Code: {}; Error Code: {}; Request ID: {request_id}; Proxy: null)",
            err.message,
            err.status.as_u16(),
            err.code
        ),
    )
}

/// The failure of a Lambda function that returned an error: its `errorType`, with the whole
/// payload as the cause; `Lambda.Unknown` when the payload names no error type.
pub fn function_failure(payload: &[u8]) -> TaskFailure {
    let text = String::from_utf8_lossy(payload).into_owned();
    let error_type = serde_json::from_slice::<Value>(payload).ok().and_then(|v| {
        v.get("errorType")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    match error_type {
        Some(error) => TaskFailure::new(error, text),
        None => TaskFailure::new(
            "Lambda.Unknown",
            "The cause could not be determined because Lambda did not return an error type.",
        ),
    }
}

/// A Lambda payload as a JSON value (text that is not JSON stays a string; none is `null`).
fn payload_value(payload: &[u8]) -> Value {
    if payload.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(payload)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()))
}

/// The result of `arn:aws:states:::lambda:invoke`.
pub fn lambda_invoke_result(invocation: &lambda::Invocation, request_id: &str) -> Value {
    let status = invocation.status_code;
    let payload = if status == 200 {
        payload_value(&invocation.payload)
    } else {
        Value::String(String::from_utf8_lossy(&invocation.payload).into_owned())
    };
    let length = invocation.payload.len().to_string();
    let headers = [
        ("Connection", "keep-alive"),
        ("Content-Length", length.as_str()),
        ("Content-Type", "application/json"),
        (
            "X-Amz-Executed-Version",
            invocation.executed_version.as_str(),
        ),
        ("x-amzn-Remapped-Content-Length", "0"),
        ("x-amzn-RequestId", request_id),
    ];
    let all: Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!([v])))
        .collect();
    let plain: Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut result = json!({
        "Payload": payload,
        "SdkHttpMetadata": {"AllHttpHeaders": all, "HttpHeaders": plain, "HttpStatusCode": status},
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": status,
    });
    if status == 200 {
        result["ExecutedVersion"] = json!(invocation.executed_version);
    }
    result
}

/// PutEvents entries from the optimized integration's parameters: a `Detail` given as a JSON
/// value is sent as its text.
pub fn put_events_input(parameters: &Value) -> Map<String, Value> {
    let mut entries = parameters
        .get("Entries")
        .cloned()
        .unwrap_or_else(|| json!([]));
    if let Some(list) = entries.as_array_mut() {
        for entry in list {
            if let Some(detail) = entry.get_mut("Detail") {
                if !detail.is_string() {
                    *detail = Value::String(detail.to_string());
                }
            }
        }
    }
    let mut input = Map::new();
    input.insert("Entries".into(), entries);
    input
}

/// `EventBridge.FailedEntry` when PutEvents reports failed entries.
pub fn put_events_outcome(result: Value) -> Result<Value, TaskFailure> {
    let failed = result
        .get("FailedEntryCount")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if failed > 0 {
        return Err(TaskFailure::new(
            "EventBridge.FailedEntry",
            result.to_string(),
        ));
    }
    Ok(result)
}

/// The object of parameters an API call takes.
fn object(parameters: Value) -> Map<String, Value> {
    match parameters {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The region of an execution ARN.
fn region_of(execution_arn: &str) -> String {
    execution_arn
        .split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION)
        .to_string()
}

async fn dispatch(cloud: &Arc<Cloud>, request: TaskRequest) -> Result<Value, TaskFailure> {
    let region = region_of(&request.execution_arn);
    match target(&request.resource)? {
        Target::LambdaFunction(arn) => {
            let ctx = RequestContext::internal("lambda", &region);
            let payload = bytes::Bytes::from(request.parameters.to_string());
            let invocation =
                invoke_lambda(cloud, &ctx, &arn, payload, InvocationType::RequestResponse).await?;
            Ok(payload_value(&invocation.payload))
        }
        Target::LambdaInvoke => lambda_invoke(cloud, &region, request.parameters).await,
        Target::DynamoDb(action) => {
            let ctx = RequestContext::internal("dynamodb", &region);
            dynamodb::call(cloud, &ctx, &pascal(&action), object(request.parameters))
                .await
                .map_err(|e| optimized_failure("DynamoDB", "AmazonDynamoDBv2", &e, &ctx.request_id))
        }
        Target::PutEvents => {
            let ctx = RequestContext::internal("events", &region);
            let input = put_events_input(&request.parameters);
            let result = events::call(cloud, &ctx, "PutEvents", input)
                .await
                .map_err(|e| {
                    optimized_failure("EventBridge", "AmazonEventBridge", &e, &ctx.request_id)
                })?;
            put_events_outcome(result)
        }
        Target::AwsSdk { service, action } => {
            aws_sdk(cloud, &region, &service, &action, request.parameters).await
        }
        Target::StartExecution(wait) => {
            super::nested::start_execution(cloud, &region, request.parameters, wait).await
        }
    }
}

async fn invoke_lambda(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    function: &str,
    payload: bytes::Bytes,
    invocation_type: InvocationType,
) -> Result<lambda::Invocation, TaskFailure> {
    let invocation = lambda::invoke(cloud, ctx, function, payload, invocation_type)
        .await
        .map_err(|e| optimized_failure("Lambda", "AWSLambda", &e, &ctx.request_id))?;
    if invocation.function_error.is_some() {
        return Err(function_failure(&invocation.payload));
    }
    Ok(invocation)
}

async fn lambda_invoke(
    cloud: &Arc<Cloud>,
    region: &str,
    parameters: Value,
) -> Result<Value, TaskFailure> {
    let ctx = RequestContext::internal("lambda", region);
    let Some(name) = parameters.get("FunctionName").and_then(Value::as_str) else {
        return Err(TaskFailure::new(
            "States.Runtime",
            "The parameters of arn:aws:states:::lambda:invoke must name the function in 'FunctionName'",
        ));
    };
    let function = match parameters.get("Qualifier").and_then(Value::as_str) {
        Some(qualifier) => format!("{name}:{qualifier}"),
        None => name.to_string(),
    };
    let invocation_type = match parameters.get("InvocationType").and_then(Value::as_str) {
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        _ => InvocationType::RequestResponse,
    };
    let payload = parameters
        .get("Payload")
        .map_or_else(|| "{}".to_string(), Value::to_string);
    let invocation = invoke_lambda(
        cloud,
        &ctx,
        &function,
        bytes::Bytes::from(payload),
        invocation_type,
    )
    .await?;
    Ok(lambda_invoke_result(&invocation, &ctx.request_id))
}

async fn aws_sdk(
    cloud: &Arc<Cloud>,
    region: &str,
    service: &str,
    action: &str,
    parameters: Value,
) -> Result<Value, TaskFailure> {
    let name = sdk_service(service).unwrap_or(service);
    let operation = pascal(action);
    let result = match service {
        "dynamodb" => {
            let ctx = RequestContext::internal("dynamodb", region);
            dynamodb::call(cloud, &ctx, &operation, object(parameters))
                .await
                .map_err(|e| sdk_failure(name, &e, &ctx.request_id))
        }
        "sfn" => {
            let ctx = RequestContext::internal("states", region);
            Box::pin(super::call(
                cloud,
                &ctx,
                &operation,
                sfn_parameters(parameters),
            ))
            .await
            .map(sfn_result)
            .map_err(|e| sdk_failure(name, &e, &ctx.request_id))
        }
        "eventbridge" => {
            let ctx = RequestContext::internal("events", region);
            events::call(cloud, &ctx, &operation, object(parameters))
                .await
                .map_err(|e| sdk_failure(name, &e, &ctx.request_id))
        }
        _ => {
            let ctx = RequestContext::internal("logs", region);
            logs::call(cloud, &ctx, &operation, object(parameters))
                .await
                .map_err(|e| sdk_failure(name, &e, &ctx.request_id))
        }
    }?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_name_their_integration() {
        assert_eq!(
            target("arn:aws:lambda:us-east-1:123456789012:function:f").unwrap(),
            Target::LambdaFunction("arn:aws:lambda:us-east-1:123456789012:function:f".into())
        );
        assert_eq!(
            target("arn:aws:states:::lambda:invoke.waitForTaskToken").unwrap(),
            Target::LambdaInvoke
        );
        assert_eq!(
            target("arn:aws:states:::dynamodb:putItem").unwrap(),
            Target::DynamoDb("putItem".into())
        );
        assert_eq!(
            target("arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken").unwrap(),
            Target::AwsSdk {
                service: "dynamodb".into(),
                action: "putItem".into()
            }
        );
        assert_eq!(
            target("arn:aws:states:::events:putEvents").unwrap(),
            Target::PutEvents
        );
        for unsupported in [
            "arn:aws:states:::dynamodb:query",
            "arn:aws:states:::aws-sdk:ec2:describeInstances",
            "arn:aws:states:::glue:startJobRun.sync",
            "arn:aws:states:us-east-1:123456789012:activity:a",
        ] {
            let failure = target(unsupported).unwrap_err();
            assert_eq!(failure.error, UNSUPPORTED_ERROR);
            assert!(failure.cause.unwrap().contains(unsupported));
        }
    }

    #[test]
    fn sfn_parameters_and_results_change_case_both_ways() {
        let params = json!({"TaskToken": "AQx", "Output": {"ok": true}, "Tags": [{"Key": "k", "Value": "v"}]});
        let mapped = sfn_parameters(params);
        assert_eq!(mapped["taskToken"], "AQx");
        assert_eq!(mapped["output"], "{\"ok\":true}");
        assert_eq!(mapped["tags"][0]["key"], "k");
        let result = sfn_result(json!({"executionArn": "a", "startDate": 1.5}));
        assert_eq!(result, json!({"ExecutionArn": "a", "StartDate": 1.5}));
    }

    #[test]
    fn errors_are_named_as_aws_names_them() {
        let err = AwsError::new(
            "ConditionalCheckFailedException",
            "The conditional request failed",
        );
        let sdk = sdk_failure("DynamoDb", &err, "req-1");
        assert_eq!(sdk.error, "DynamoDb.ConditionalCheckFailedException");
        assert_eq!(
            sdk.cause.as_deref(),
            Some("The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: req-1) (SDK Attempt Count: 1)")
        );
        let optimized = optimized_failure("DynamoDB", "AmazonDynamoDBv2", &err, "req-1");
        assert_eq!(optimized.error, "DynamoDB.ConditionalCheckFailedException");
        assert!(optimized
            .cause
            .unwrap()
            .contains("Error Code: ConditionalCheckFailedException"));
        let sfn = sdk_failure("Sfn", &AwsError::new("TaskDoesNotExist", "gone"), "r");
        assert_eq!(sfn.error, "Sfn.TaskDoesNotExistException");
    }

    #[test]
    fn function_errors_use_the_error_type_or_lambda_unknown() {
        let payload = br#"{"errorType":"KeyError","errorMessage":"'foo'"}"#;
        let failure = function_failure(payload);
        assert_eq!(failure.error, "KeyError");
        assert_eq!(
            failure.cause.as_deref(),
            Some(std::str::from_utf8(payload).unwrap())
        );
        // The recorded AWS history (shared/fixtures) shows this pair for a function error
        // without a type.
        let unknown = function_failure(b"");
        assert_eq!(unknown.error, "Lambda.Unknown");
        assert_eq!(
            unknown.cause.as_deref(),
            Some("The cause could not be determined because Lambda did not return an error type.")
        );
    }

    #[test]
    fn lambda_invoke_results_have_the_aws_shape() {
        let invocation = lambda::Invocation {
            status_code: 200,
            payload: bytes::Bytes::from_static(b"{\"a\":1}"),
            function_error: None,
            executed_version: "$LATEST".into(),
        };
        let result = lambda_invoke_result(&invocation, "rid");
        assert_eq!(result["Payload"], json!({"a": 1}));
        assert_eq!(result["StatusCode"], 200);
        assert_eq!(result["ExecutedVersion"], "$LATEST");
        assert_eq!(result["SdkResponseMetadata"]["RequestId"], "rid");
        assert_eq!(result["SdkHttpMetadata"]["HttpStatusCode"], 200);
        assert_eq!(
            result["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Executed-Version"],
            json!(["$LATEST"])
        );
    }

    #[test]
    fn put_events_sends_detail_as_text_and_fails_on_failed_entries() {
        let input = put_events_input(
            &json!({"Entries": [{"Detail": {"a": 1}, "Source": "s", "DetailType": "t"}]}),
        );
        assert_eq!(input["Entries"][0]["Detail"], "{\"a\":1}");
        assert!(
            put_events_outcome(json!({"FailedEntryCount": 0, "Entries": [{"EventId": "e"}]}))
                .is_ok()
        );
        let failed =
            put_events_outcome(json!({"FailedEntryCount": 1, "Entries": [{"ErrorCode": "X"}]}));
        assert_eq!(failed.unwrap_err().error, "EventBridge.FailedEntry");
    }
}
