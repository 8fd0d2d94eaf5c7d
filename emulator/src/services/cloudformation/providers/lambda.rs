//! `AWS::Lambda::Function` (code from `S3Bucket`/`S3Key` or inline `ZipFile`; `Ref` is the
//! function's name, `Arn` attribute) and `AWS::Lambda::Permission` (a statement of the
//! function's resource policy, whose id is the physical id).

use std::io::Write as _;

use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::{service_failure, text, Context, Provided, ProviderResult};
use crate::error::{AwsError, AwsResult};
use crate::protocol::json::Input;
use crate::services::lambda::model::{self, Code, FunctionRef};
use crate::services::lambda::{api, package};

const SERVICE: &str = "Lambda";

/// CreateFunction.
pub fn create_function(
    cx: &Context<'_>,
    properties: &Map<String, Value>,
) -> ProviderResult<Provided> {
    for key in ["Code", "Role"] {
        if !properties.contains_key(key) {
            return Err(cx.missing(key));
        }
    }
    let name = match text(properties, "FunctionName") {
        Some(name) => name.to_string(),
        None => cx.generated_name(64),
    };
    let created = (|| -> AwsResult<Provided> {
        let reference = FunctionRef::parse(&name, &cx.ctx.region, None)?;
        let settings = api::settings(&Input(properties))?;
        model::check_runtime(settings.runtime.as_deref())?;
        let code = code(cx, properties)?;
        let tags = super::tags_map(properties)
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect();
        cx.cloud.lambda.write(
            cx.cloud,
            |s| s.create(&reference, settings, code, tags),
            |s| Ok(function_provided(&s.function(&reference)?.latest)),
        )
    })();
    created.map_err(|e| service_failure(SERVICE, &e))
}

/// UpdateFunctionConfiguration and UpdateFunctionCode in one.
pub fn update_function(
    cx: &Context<'_>,
    current: &Provided,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    let updated = (|| -> AwsResult<Provided> {
        let reference = FunctionRef::parse(&current.physical_id, &cx.ctx.region, None)?;
        let settings = api::settings(&Input(new))?;
        let code = code(cx, new)?;
        cx.cloud.lambda.write(
            cx.cloud,
            |s| s.update(&reference, settings, Some(code), None),
            |s| Ok(function_provided(&s.function(&reference)?.latest)),
        )
    })();
    updated.map_err(|e| service_failure(SERVICE, &e))
}

/// DeleteFunction.
pub fn delete_function(cx: &Context<'_>, name: &str) -> ProviderResult<()> {
    let deleted = FunctionRef::parse(name, &cx.ctx.region, None).and_then(|reference| {
        cx.cloud
            .lambda
            .write(cx.cloud, |s| s.delete(&reference), |_| Ok(()))
    });
    match deleted {
        Err(err) if err.code != "ResourceNotFoundException" => Err(service_failure(SERVICE, &err)),
        _ => Ok(()),
    }
}

/// AddPermission with a generated statement id.
pub fn create_permission(
    cx: &Context<'_>,
    properties: &Map<String, Value>,
) -> ProviderResult<Provided> {
    for key in ["Action", "FunctionName", "Principal"] {
        if !properties.contains_key(key) {
            return Err(cx.missing(key));
        }
    }
    let sid = cx.generated_name(100);
    let added = (|| -> AwsResult<()> {
        let reference = function_of(cx, properties)?;
        let mut members = properties.clone();
        members.insert("StatementId".into(), json!(sid));
        let statement = api::statement(&Input(&members), &reference.qualified_arn())?;
        cx.cloud.lambda.write(
            cx.cloud,
            |s| {
                s.version(&reference)?;
                s.add_permission(&reference, statement, None)
            },
            |_| Ok(()),
        )
    })();
    added.map_err(|e| service_failure(SERVICE, &e))?;
    Ok(Provided {
        physical_id: sid,
        attributes: Default::default(),
    })
}

/// RemovePermission.
pub fn delete_permission(
    cx: &Context<'_>,
    sid: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    let removed = function_of(cx, properties).and_then(|reference| {
        cx.cloud.lambda.write(
            cx.cloud,
            |s| s.remove_permission(&reference, sid, None),
            |_| Ok(()),
        )
    });
    match removed {
        Err(err) if err.code != "ResourceNotFoundException" => Err(service_failure(SERVICE, &err)),
        _ => Ok(()),
    }
}

fn function_of(cx: &Context<'_>, properties: &Map<String, Value>) -> AwsResult<FunctionRef> {
    FunctionRef::parse(
        text(properties, "FunctionName").unwrap_or_default(),
        &cx.ctx.region,
        None,
    )
}

/// The package: the object `S3Bucket`/`S3Key` names, or `ZipFile` zipped as the handler file.
fn code(cx: &Context<'_>, properties: &Map<String, Value>) -> AwsResult<Code> {
    let code = properties.get("Code").cloned().unwrap_or_default();
    let zip = match (
        code.get("ZipFile").and_then(Value::as_str),
        code.get("S3Bucket").and_then(Value::as_str),
        code.get("S3Key").and_then(Value::as_str),
    ) {
        (Some(source), _, _) => inline_zip(source)?,
        (None, Some(bucket), Some(key)) => api::code_from_s3(cx.cloud, bucket, key)?,
        _ => return Err(model::invalid("Please provide a source for function code.")),
    };
    package::check(&zip)?;
    Ok(Code(zip))
}

/// Inline source zipped as an executable `bootstrap` (the only handler the OS-only runtimes run).
fn inline_zip(source: &str) -> AwsResult<Bytes> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    let written = zip
        .start_file("bootstrap", options)
        .map_err(|e| AwsError::internal(e.to_string()))
        .and_then(|()| {
            zip.write_all(source.as_bytes())
                .map_err(|e| AwsError::internal(e.to_string()))
        });
    written?;
    let cursor = zip
        .finish()
        .map_err(|e| AwsError::internal(e.to_string()))?;
    Ok(Bytes::from(cursor.into_inner()))
}

fn function_provided(config: &model::FunctionConfig) -> Provided {
    Provided {
        physical_id: config.name.clone(),
        attributes: [("Arn".to_string(), json!(config.arn))].into(),
    }
}
