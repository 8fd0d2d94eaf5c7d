//! `AWS::Logs::LogGroup`: `Ref` is the group's name; `Arn` is `arn:…:log-group:<name>:*`.

use serde_json::{json, Map, Value};

use super::{
    gone_is_fine, input, service_failure, tags_map, text, Context, Provided, ProviderResult,
};
use crate::services::logs;

const SERVICE: &str = "CloudWatchLogs";

/// CreateLogGroup, then PutRetentionPolicy when `RetentionInDays` is given.
pub async fn create(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<Provided> {
    let name = match text(properties, "LogGroupName") {
        Some(name) => name.to_string(),
        None => cx.generated_name(512),
    };
    let tags = tags_map(properties);
    let create = input([
        ("logGroupName", json!(name)),
        (
            "kmsKeyId",
            properties.get("KmsKeyId").cloned().unwrap_or(Value::Null),
        ),
        (
            "tags",
            if tags.is_empty() {
                Value::Null
            } else {
                Value::Object(tags)
            },
        ),
    ]);
    call(cx, "CreateLogGroup", create).await?;
    let provided = provided(cx, &name);
    if let Err(failure) = retention(cx, &name, properties).await {
        let _ = delete(cx, &name).await;
        return Err(failure);
    }
    Ok(provided)
}

/// Applies `RetentionInDays` (removing the policy when it is gone).
pub async fn update(
    cx: &Context<'_>,
    current: &Provided,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    retention(cx, &current.physical_id, new).await?;
    Ok(current.clone())
}

/// The log group named `name` as it is (DescribeLogGroups), for an import; `None` when there
/// is none.
pub async fn read(cx: &Context<'_>, name: &str) -> ProviderResult<Option<Provided>> {
    let reply = logs::call(
        cx.cloud,
        &cx.call_ctx("logs"),
        "DescribeLogGroups",
        input([("logGroupNamePrefix", json!(name))]),
    )
    .await
    .map_err(|e| service_failure(SERVICE, &e))?;
    let found = reply["logGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|g| g["logGroupName"].as_str() == Some(name));
    Ok(found.then(|| provided(cx, name)))
}

/// DeleteLogGroup.
pub async fn delete(cx: &Context<'_>, name: &str) -> ProviderResult<()> {
    let result = logs::call(
        cx.cloud,
        &cx.call_ctx("logs"),
        "DeleteLogGroup",
        input([("logGroupName", json!(name))]),
    )
    .await;
    gone_is_fine(SERVICE, result)
}

async fn retention(
    cx: &Context<'_>,
    name: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    match properties.get("RetentionInDays") {
        Some(days) => {
            let days = days
                .as_i64()
                .or_else(|| days.as_str().and_then(|d| d.parse().ok()))
                .map_or(days.clone(), |d| json!(d));
            call(
                cx,
                "PutRetentionPolicy",
                input([("logGroupName", json!(name)), ("retentionInDays", days)]),
            )
            .await
        }
        None => {
            call(
                cx,
                "DeleteRetentionPolicy",
                input([("logGroupName", json!(name))]),
            )
            .await
        }
    }
}

async fn call(
    cx: &Context<'_>,
    operation: &str,
    request: Map<String, Value>,
) -> ProviderResult<()> {
    logs::call(cx.cloud, &cx.call_ctx("logs"), operation, request)
        .await
        .map(|_| ())
        .map_err(|e| service_failure(SERVICE, &e))
}

fn provided(cx: &Context<'_>, name: &str) -> Provided {
    Provided {
        physical_id: name.to_string(),
        attributes: [(
            "Arn".to_string(),
            json!(cx.ctx.arn("logs", &format!("log-group:{name}:*"))),
        )]
        .into(),
    }
}
