//! Lambda's restJson1 wire protocol: routes under `/2015-03-31/functions…` and
//! `/2017-03-31/tags/…`, reading inputs and writing FunctionConfiguration and friends.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::invoke::{self, Call};
use super::model::{self, Code, FunctionConfig, FunctionRef, Settings, State, LATEST};
use super::{package, InvocationType};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::json::{self, parse_body, wrong_type, Input};
use crate::protocol::pagination::OffsetToken;
use crate::protocol::validation::{constraint, rule};
use crate::protocol::{rest_json, Response};
use crate::request::AwsRequest;

/// The largest CreateFunction / UpdateFunctionCode request AWS accepts.
const MAX_CODE_REQUEST_BYTES: usize = 70_167_211;

/// ListFunctions' page size when MaxItems is absent.
const DEFAULT_PAGE: usize = 50;

/// Serves one request.
pub async fn handle(cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    match route(cloud, &request).await {
        Ok(reply) => reply,
        Err(err) => rest_json::error(&err),
    }
}

async fn route(cloud: &Arc<Cloud>, request: &AwsRequest) -> AwsResult<Response> {
    let segments = request.path_segments();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = &request.method;
    let region = &request.ctx.region;
    let qualifier = request.query_param("Qualifier");
    let function = |name: &str| FunctionRef::parse(name, region, qualifier.as_deref());
    match (method, segments.as_slice()) {
        (&Method::POST, ["2015-03-31", "functions"]) => create(cloud, request),
        (&Method::GET, ["2015-03-31", "functions"]) => list(cloud, request),
        (&Method::GET, ["2015-03-31", "functions", name]) => get(cloud, &function(name)?),
        (&Method::DELETE, ["2015-03-31", "functions", name]) => {
            let reference = function(name)?;
            cloud
                .lambda
                .write(cloud, |s| s.delete(&reference), |_| Ok(()))?;
            Ok(rest_json::empty(StatusCode::NO_CONTENT))
        }
        (&Method::GET, ["2015-03-31", "functions", name, "configuration"]) => {
            let reference = function(name)?;
            cloud.lambda.read(|s| {
                let (config, _) = s.version(&reference)?;
                Ok(rest_json::ok(StatusCode::OK, &configuration(config)))
            })
        }
        (&Method::PUT, ["2015-03-31", "functions", name, "configuration"]) => {
            update_configuration(cloud, request, &function(name)?)
        }
        (&Method::PUT, ["2015-03-31", "functions", name, "code"]) => {
            update_code(cloud, request, &function(name)?)
        }
        (&Method::POST, ["2015-03-31", "functions", name, "invocations"]) => {
            invocation(cloud, request, function(name)?).await
        }
        (&Method::POST, ["2015-03-31", "functions", name, "policy"]) => {
            add_permission(cloud, request, &function(name)?)
        }
        (&Method::GET, ["2015-03-31", "functions", name, "policy"]) => {
            get_policy(cloud, &function(name)?)
        }
        (&Method::DELETE, ["2015-03-31", "functions", name, "policy", sid]) => {
            let reference = function(name)?;
            let revision = request.query_param("RevisionId");
            cloud.lambda.write(
                cloud,
                |s| s.remove_permission(&reference, sid, revision.as_deref()),
                |_| Ok(()),
            )?;
            Ok(rest_json::empty(StatusCode::NO_CONTENT))
        }
        (&Method::POST, ["2015-03-31", "functions", name, "versions"]) => {
            publish(cloud, request, &function(name)?)
        }
        (&Method::GET, ["2015-03-31", "functions", name, "versions"]) => {
            list_versions(cloud, request, &FunctionRef::parse(name, region, None)?)
        }
        (_, ["2017-03-31", "tags", arn]) => tags(cloud, request, arn),
        _ => Err(
            AwsError::unknown_operation(&format!("{method} {}", request.path))
                .with_status(StatusCode::NOT_FOUND),
        ),
    }
}

fn body(request: &AwsRequest) -> AwsResult<Map<String, Value>> {
    parse_body(&request.body)
}

/// FunctionConfiguration.
fn configuration(config: &FunctionConfig) -> Value {
    let mut out = json!({
        "FunctionName": config.name,
        "FunctionArn": config.version_arn(),
        "Runtime": config.runtime,
        "Role": config.role,
        "CodeSize": config.code_size,
        "Description": config.description,
        "Timeout": config.timeout,
        "MemorySize": config.memory_size,
        "LastModified": config.last_modified,
        "CodeSha256": config.code_sha256,
        "Version": config.version,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": config.revision_id,
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": config.architectures,
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", config.name)},
    });
    if let Some(handler) = &config.handler {
        out["Handler"] = json!(handler);
    }
    if let Some(variables) = &config.environment {
        out["Environment"] = json!({ "Variables": variables });
    }
    out
}

fn string_map(input: &Input<'_>, member: &str) -> AwsResult<Option<BTreeMap<String, String>>> {
    let Some(object) = input.opt_object(member)? else {
        return Ok(None);
    };
    object
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            other => Err(wrong_type(&format!("{member}.{k}"), "a string", other)),
        })
        .collect::<AwsResult<_>>()
        .map(Some)
}

fn strings(input: &Input<'_>, member: &str) -> AwsResult<Option<Vec<String>>> {
    input
        .opt_array(member)?
        .map(|list| json::strings(member, list))
        .transpose()
}

/// The function settings of CreateFunction's members (also CloudFormation's property names).
pub fn settings(input: &Input<'_>) -> AwsResult<Settings> {
    let environment = match input.opt_object("Environment")? {
        Some(env) => Some(string_map(&Input(env), "Variables")?.unwrap_or_default()),
        None => None,
    };
    Ok(Settings {
        runtime: input.opt_str("Runtime")?.map(str::to_string),
        role: input.opt_str("Role")?.map(str::to_string),
        handler: input.opt_str("Handler")?.map(str::to_string),
        description: input.opt_str("Description")?.map(str::to_string),
        timeout: input.opt_i64("Timeout")?,
        memory_size: input.opt_i64("MemorySize")?,
        environment,
        architectures: strings(input, "Architectures")?,
    })
}

/// The package a request gives (ZipFile, or S3Bucket + S3Key), checked.
fn code(cloud: &Cloud, request: &AwsRequest, input: &Input<'_>) -> AwsResult<Code> {
    if request.body.len() > MAX_CODE_REQUEST_BYTES {
        return Err(AwsError::new(
            "RequestEntityTooLargeException",
            format!("Request must be smaller than {MAX_CODE_REQUEST_BYTES} bytes for the CreateFunction operation"),
        )
        .with_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    if input.get("ImageUri").is_some() {
        return Err(model::invalid(
            "This emulator runs .zip packages on provided runtimes only, not container images",
        ));
    }
    let zip = match (
        input.opt_str("ZipFile")?,
        input.opt_str("S3Bucket")?,
        input.opt_str("S3Key")?,
    ) {
        (Some(zip), _, _) => base64::engine::general_purpose::STANDARD
            .decode(zip)
            .map(Bytes::from)
            .map_err(|_| {
                model::invalid("Could not unzip uploaded file. Please check your file, then try to upload again.")
            })?,
        (None, Some(bucket), Some(key)) => code_from_s3(cloud, bucket, key)?,
        _ => return Err(model::invalid("Please provide a source for function code.")),
    };
    package::check(&zip)?;
    Ok(Code(zip))
}

/// A package stored in S3 (`S3Bucket`/`S3Key`), as CreateFunction, UpdateFunctionCode and
/// CloudFormation read it, with Lambda's error when the object cannot be read.
pub fn code_from_s3(cloud: &Cloud, bucket: &str, key: &str) -> AwsResult<Bytes> {
    cloud.s3.get_object(bucket, key).map_err(|e| {
        model::invalid(format!(
            "Error occurred while GetObject. S3 Error Code: {}. S3 Error Message: {}",
            e.code, e.message
        ))
    })
}

fn create(cloud: &Cloud, request: &AwsRequest) -> AwsResult<Response> {
    let body = body(request)?;
    let input = Input(&body);
    let reference = FunctionRef::parse(input.str("FunctionName")?, &request.ctx.region, None)?;
    if reference.qualifier.is_some() {
        return Err(model::invalid(
            "Unqualified function name expected: a new function has no version yet",
        ));
    }
    if input.opt_str("PackageType")?.is_some_and(|p| p != "Zip") {
        return Err(model::invalid(
            "This emulator runs .zip packages on provided runtimes only, not container images",
        ));
    }
    let code_input = input
        .opt_object("Code")?
        .ok_or_else(|| crate::protocol::json::missing("Code"))?;
    let code = code(cloud, request, &Input(code_input))?;
    let settings = settings(&input)?;
    let tags = string_map(&input, "Tags")?.unwrap_or_default();
    let config = cloud.lambda.write(
        cloud,
        |s| s.create(&reference, settings, code, tags),
        |s| Ok(s.function(&reference)?.latest.clone()),
    )?;
    let config = if input.opt_bool("Publish")? == Some(true) {
        publish_version(cloud, &reference, None, None)?
    } else {
        config
    };
    Ok(rest_json::ok(StatusCode::CREATED, &configuration(&config)))
}

fn get(cloud: &Cloud, reference: &FunctionRef) -> AwsResult<Response> {
    cloud.lambda.read(|s| {
        let function = s.function(reference)?;
        let (config, _) = s.version(reference)?;
        let mut out = json!({
            "Configuration": configuration(config),
            "Code": {"RepositoryType": "S3"},
        });
        if !function.tags.is_empty() {
            out["Tags"] = json!(function.tags);
        }
        Ok(rest_json::ok(StatusCode::OK, &out))
    })
}

/// Lambda's `Marker`s: opaque offsets into the list.
const MARKERS: OffsetToken = OffsetToken("lambda-page:");

/// One page of `items` from the request's `Marker` on (at most `MaxItems`), with the next
/// marker.
fn page(items: Vec<Value>, request: &AwsRequest) -> AwsResult<(Vec<Value>, Option<String>)> {
    let max = match request.query_param("MaxItems") {
        None => DEFAULT_PAGE,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => {
                return Err(constraint(
                    "maxItems",
                    &text,
                    &rule::value_between(1, 10_000),
                ))
            }
        },
    };
    let marker = request.query_param("Marker");
    MARKERS.page(items, marker.as_deref(), max, |marker| {
        model::invalid(format!("Invalid marker: {marker}"))
    })
}

fn with_marker(mut out: Value, next: Option<String>) -> Value {
    if let Some(next) = next {
        out["NextMarker"] = json!(next);
    }
    out
}

fn list(cloud: &Cloud, request: &AwsRequest) -> AwsResult<Response> {
    let prefix = model::function_arn(&request.ctx.region, "");
    let all_versions = request.query_param("FunctionVersion").as_deref() == Some("ALL");
    let items = cloud.lambda.read(|s: &State| {
        Ok(s.functions
            .range(prefix.clone()..)
            .take_while(|(arn, _)| arn.starts_with(&prefix))
            .flat_map(|(_, f)| {
                let versions = f.versions.values().filter(|_| all_versions);
                std::iter::once(&f.latest)
                    .chain(versions.map(|p| &p.config))
                    .map(configuration)
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>())
    })?;
    let (functions, next) = page(items, request)?;
    let out = with_marker(json!({ "Functions": functions }), next);
    Ok(rest_json::ok(StatusCode::OK, &out))
}

fn list_versions(
    cloud: &Cloud,
    request: &AwsRequest,
    reference: &FunctionRef,
) -> AwsResult<Response> {
    let items = cloud.lambda.read(|s| {
        let function = s.function(reference)?;
        Ok(std::iter::once(&function.latest)
            .chain(function.versions.values().map(|p| &p.config))
            .map(configuration)
            .collect::<Vec<_>>())
    })?;
    let (versions, next) = page(items, request)?;
    let out = with_marker(json!({ "Versions": versions }), next);
    Ok(rest_json::ok(StatusCode::OK, &out))
}

fn unqualified(reference: &FunctionRef) -> AwsResult<()> {
    match reference.qualifier.as_deref() {
        None | Some(LATEST) => Ok(()),
        Some(_) => Err(model::invalid(
            "Only $LATEST can be updated: published versions are immutable",
        )),
    }
}

/// Updates `$LATEST` (its settings, and its code when given) and returns its configuration
/// after the update.
fn update_latest(
    cloud: &Cloud,
    reference: &FunctionRef,
    settings: Settings,
    code: Option<Code>,
    revision: Option<&str>,
) -> AwsResult<FunctionConfig> {
    cloud.lambda.write(
        cloud,
        |s| s.update(reference, settings, code, revision),
        |s| Ok(s.function(reference)?.latest.clone()),
    )
}

fn update_configuration(
    cloud: &Cloud,
    request: &AwsRequest,
    reference: &FunctionRef,
) -> AwsResult<Response> {
    unqualified(reference)?;
    let body = body(request)?;
    let input = Input(&body);
    let settings = settings(&input)?;
    let revision = input.opt_str("RevisionId")?;
    let config = update_latest(cloud, reference, settings, None, revision)?;
    Ok(rest_json::ok(StatusCode::OK, &configuration(&config)))
}

fn update_code(
    cloud: &Cloud,
    request: &AwsRequest,
    reference: &FunctionRef,
) -> AwsResult<Response> {
    unqualified(reference)?;
    let body = body(request)?;
    let input = Input(&body);
    let code = code(cloud, request, &input)?;
    let revision = input.opt_str("RevisionId")?;
    let settings = Settings {
        architectures: strings(&input, "Architectures")?,
        ..Settings::default()
    };
    if input.opt_bool("DryRun")? == Some(true) {
        let config = cloud.lambda.read(|s| {
            match s.update(reference, settings, Some(code), revision)? {
                model::Change::Update { config, .. } => Ok(*config),
                _ => Err(AwsError::internal("an update that is not one")),
            }
        })?;
        return Ok(rest_json::ok(StatusCode::OK, &configuration(&config)));
    }
    let config = update_latest(cloud, reference, settings, Some(code), revision)?;
    let config = if input.opt_bool("Publish")? == Some(true) {
        publish_version(cloud, reference, None, None)?
    } else {
        config
    };
    Ok(rest_json::ok(StatusCode::OK, &configuration(&config)))
}

/// Publishes `$LATEST` (or finds the version that already matches it).
fn publish_version(
    cloud: &Cloud,
    reference: &FunctionRef,
    code_sha256: Option<&str>,
    revision: Option<&str>,
) -> AwsResult<FunctionConfig> {
    let existing = cloud
        .lambda
        .read(|s| s.publish(reference, code_sha256, revision))?;
    let number = match existing {
        Err(number) => number,
        Ok(_) => cloud.lambda.write(
            cloud,
            |s| match s.publish(reference, code_sha256, revision)? {
                Ok(change) => Ok(change),
                Err(_) => Err(model::conflict("The function changed while publishing it")),
            },
            |s| {
                let function = s.function(reference)?;
                Ok(function.versions.keys().next_back().copied().unwrap_or(1))
            },
        )?,
    };
    let version = FunctionRef {
        qualifier: Some(number.to_string()),
        ..reference.clone()
    };
    cloud
        .lambda
        .read(|s| s.version(&version).map(|(c, _)| c.clone()))
}

fn publish(cloud: &Cloud, request: &AwsRequest, reference: &FunctionRef) -> AwsResult<Response> {
    let body = body(request)?;
    let input = Input(&body);
    let config = publish_version(
        cloud,
        reference,
        input.opt_str("CodeSha256")?,
        input.opt_str("RevisionId")?,
    )?;
    Ok(rest_json::ok(StatusCode::CREATED, &configuration(&config)))
}

async fn invocation(
    cloud: &Arc<Cloud>,
    request: &AwsRequest,
    function: FunctionRef,
) -> AwsResult<Response> {
    let invocation_type = match request.header("X-Amz-Invocation-Type") {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => {
            return Err(constraint(
                "invocationType",
                other,
                &rule::one_of(&["Event", "RequestResponse", "DryRun"]),
            ))
        }
    };
    let tail = match request.header("X-Amz-Log-Type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => {
            return Err(constraint(
                "logType",
                other,
                &rule::one_of(&["None", "Tail"]),
            ))
        }
    };
    let call = Call {
        function,
        payload: request.body.clone(),
        invocation_type,
        tail: tail && invocation_type == InvocationType::RequestResponse,
    };
    let reply = invoke::call(cloud, &request.ctx, call).await?;
    let invocation = reply.invocation;
    let status = StatusCode::from_u16(invocation.status_code).unwrap_or(StatusCode::OK);
    let mut response = crate::protocol::response(status, "application/json", invocation.payload);
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    if status == StatusCode::OK {
        set("X-Amz-Executed-Version", &invocation.executed_version);
    }
    if let Some(error) = &invocation.function_error {
        set("X-Amz-Function-Error", error);
    }
    if let Some(log) = &reply.log_result {
        set("X-Amz-Log-Result", log);
    }
    Ok(response)
}

/// The policy statement AddPermission stores.
/// The policy statement AddPermission adds for `resource`, from AddPermission's members.
pub fn statement(input: &Input<'_>, resource: &str) -> AwsResult<Value> {
    let sid = input.str("StatementId")?;
    let action = input.str("Action")?;
    let principal = input.str("Principal")?;
    let principal = if principal == "*" {
        json!("*")
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    } else if principal.starts_with("arn:") {
        json!({ "AWS": principal })
    } else {
        json!({ "Service": principal })
    };
    let mut conditions = Map::new();
    if let Some(arn) = input.opt_str("SourceArn")? {
        conditions.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    let mut equals = Map::new();
    if let Some(account) = input.opt_str("SourceAccount")? {
        equals.insert("AWS:SourceAccount".into(), json!(account));
    }
    if let Some(org) = input.opt_str("PrincipalOrgID")? {
        equals.insert("aws:PrincipalOrgID".into(), json!(org));
    }
    if let Some(token) = input.opt_str("EventSourceToken")? {
        equals.insert("lambda:EventSourceToken".into(), json!(token));
    }
    if let Some(auth) = input.opt_str("FunctionUrlAuthType")? {
        equals.insert("lambda:FunctionUrlAuthType".into(), json!(auth));
    }
    if !equals.is_empty() {
        conditions.insert("StringEquals".into(), Value::Object(equals));
    }
    let mut out = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
    });
    if !conditions.is_empty() {
        out["Condition"] = Value::Object(conditions);
    }
    Ok(out)
}

fn add_permission(
    cloud: &Cloud,
    request: &AwsRequest,
    reference: &FunctionRef,
) -> AwsResult<Response> {
    let body = body(request)?;
    let input = Input(&body);
    let statement = statement(&input, &reference.qualified_arn())?;
    let revision = input.opt_str("RevisionId")?;
    let text = statement.to_string();
    cloud.lambda.write(
        cloud,
        |s| {
            s.version(reference)?;
            s.add_permission(reference, statement, revision)
        },
        |_| Ok(()),
    )?;
    Ok(rest_json::ok(
        StatusCode::CREATED,
        &json!({ "Statement": text }),
    ))
}

fn get_policy(cloud: &Cloud, reference: &FunctionRef) -> AwsResult<Response> {
    cloud.lambda.read(|s| {
        let function = s.function(reference)?;
        if function.policy.is_empty() {
            return Err(AwsError::new(
                "ResourceNotFoundException",
                "The resource you requested does not exist.",
            )
            .with_status(StatusCode::NOT_FOUND));
        }
        let policy = json!({
            "Version": "2012-10-17",
            "Id": "default",
            "Statement": function.policy,
        });
        Ok(rest_json::ok(
            StatusCode::OK,
            &json!({ "Policy": policy.to_string(), "RevisionId": function.latest.revision_id }),
        ))
    })
}

fn tags(cloud: &Cloud, request: &AwsRequest, arn: &str) -> AwsResult<Response> {
    if !arn.starts_with("arn:") {
        return Err(constraint(
            "resource",
            arn,
            &rule::pattern("arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?"),
        ));
    }
    let reference = FunctionRef::parse(arn, &request.ctx.region, None)?;
    match request.method {
        Method::GET => cloud.lambda.read(|s| {
            let function = s.function(&reference)?;
            Ok(rest_json::ok(
                StatusCode::OK,
                &json!({ "Tags": function.tags }),
            ))
        }),
        Method::POST => {
            let body = body(request)?;
            let add = string_map(&Input(&body), "Tags")?
                .ok_or_else(|| crate::protocol::json::missing("Tags"))?;
            cloud
                .lambda
                .write(cloud, |s| s.retag(&reference, &add, &[]), |_| Ok(()))?;
            Ok(rest_json::empty(StatusCode::NO_CONTENT))
        }
        Method::DELETE => {
            let remove: Vec<String> = request
                .query_params()
                .into_iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v)
                .collect();
            cloud.lambda.write(
                cloud,
                |s| s.retag(&reference, &BTreeMap::new(), &remove),
                |_| Ok(()),
            )?;
            Ok(rest_json::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(AwsError::unknown_operation(&format!(
            "{} {}",
            request.method, request.path
        ))),
    }
}
