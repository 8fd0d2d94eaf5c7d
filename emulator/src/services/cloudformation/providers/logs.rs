//! `AWS::Logs::LogGroup`: `Ref` is the group's name; `Arn` is `arn:…:log-group:<name>:*`.

use serde_json::{json, Map, Value};

use super::{
    gone_is_fine, input, service_failure, tags_map, text, undone_on_failure, Context, Provided,
    ProviderResult,
};
use crate::error::AwsError;
use crate::protocol::json::Input;
use crate::services::logs::model::GroupId;
use crate::services::logs::{new_group, retention_days};

const SERVICE: &str = "CloudWatchLogs";

/// CreateLogGroup, then PutRetentionPolicy when `RetentionInDays` is given: the properties
/// read by the Logs API's own readers.
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
    let new = new_group(&cx.ctx, Input(&create)).map_err(failure)?;
    cx.cloud.logs.create_group(cx.cloud, new).map_err(failure)?;
    let provided = provided(cx, &name);
    undone_on_failure(retention(cx, &name, properties), || delete(cx, &name))?;
    Ok(provided)
}

/// Applies `RetentionInDays` (removing the policy when it is gone).
pub async fn update(
    cx: &Context<'_>,
    current: &Provided,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    retention(cx, &current.physical_id, new)?;
    Ok(current.clone())
}

/// The log group named `name` as it is, for an import; `None` when there is none.
pub async fn read(cx: &Context<'_>, name: &str) -> ProviderResult<Option<Provided>> {
    Ok(cx
        .cloud
        .logs
        .has_group(&group(cx, name))
        .then(|| provided(cx, name)))
}

/// DeleteLogGroup.
pub fn delete(cx: &Context<'_>, name: &str) -> ProviderResult<()> {
    gone_is_fine(
        SERVICE,
        cx.cloud.logs.delete_group(cx.cloud, &group(cx, name)),
    )
}

/// PutRetentionPolicy with `RetentionInDays` (a number, or a number as text), or
/// DeleteRetentionPolicy when there is none.
fn retention(cx: &Context<'_>, name: &str, properties: &Map<String, Value>) -> ProviderResult<()> {
    let days = match properties.get("RetentionInDays") {
        None => None,
        Some(days) => {
            let days = days
                .as_i64()
                .or_else(|| days.as_str().and_then(|d| d.parse().ok()))
                .map_or(days.clone(), |d| json!(d));
            let request = input([("retentionInDays", days)]);
            Some(retention_days(Input(&request)).map_err(failure)?)
        }
    };
    cx.cloud
        .logs
        .set_retention(cx.cloud, &group(cx, name), days)
        .map_err(failure)
}

fn failure(err: AwsError) -> String {
    service_failure(SERVICE, &err)
}

/// The log group `name` of the stack's region.
fn group(cx: &Context<'_>, name: &str) -> GroupId {
    GroupId {
        region: cx.ctx.region.clone(),
        name: name.to_string(),
    }
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
