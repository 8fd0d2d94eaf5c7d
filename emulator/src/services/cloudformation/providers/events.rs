//! `AWS::Events::Rule`: PutRule then PutTargets. `Ref` is the rule's name (on the default bus;
//! `<bus>|<name>` on another); `Arn` attribute.

use serde_json::{json, Map, Value};

use super::{
    document, gone_is_fine, input, service_failure, text, Context, Provided, ProviderResult,
};
use crate::services::events;

const SERVICE: &str = "EventBridge";

/// The PutRule members a rule's properties carry under the same names.
const RULE_MEMBERS: &[&str] = &[
    "ScheduleExpression",
    "State",
    "Description",
    "RoleArn",
    "EventBusName",
];

/// PutRule, then PutTargets.
pub async fn create(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<Provided> {
    let name = match text(properties, "Name") {
        Some(name) => name.to_string(),
        None => cx.generated_name(64),
    };
    let arn = put(cx, &name, properties).await?;
    if let Err(failure) = put_targets(cx, &name, properties).await {
        let _ = delete_rule(cx, &name, properties).await;
        return Err(failure);
    }
    Ok(provided(&name, properties, arn))
}

/// PutRule again, then the targets: those gone removed, the others put.
pub async fn update(
    cx: &Context<'_>,
    current: &Provided,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    let name = rule_name(&current.physical_id);
    let arn = put(cx, name, new).await?;
    let kept = target_ids(new);
    let gone: Vec<Value> = target_ids(old)
        .into_iter()
        .filter(|id| !kept.contains(id))
        .map(Value::String)
        .collect();
    if !gone.is_empty() {
        call(
            cx,
            "RemoveTargets",
            with_bus(
                new,
                input([("Rule", json!(name)), ("Ids", Value::Array(gone))]),
            ),
        )
        .await?;
    }
    put_targets(cx, name, new).await?;
    Ok(provided(name, new, arn))
}

/// RemoveTargets, then DeleteRule.
pub async fn delete(
    cx: &Context<'_>,
    physical_id: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    delete_rule(cx, rule_name(physical_id), properties).await
}

async fn delete_rule(
    cx: &Context<'_>,
    name: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    let ids: Vec<Value> = target_ids(properties)
        .into_iter()
        .map(Value::String)
        .collect();
    if !ids.is_empty() {
        let request = with_bus(
            properties,
            input([("Rule", json!(name)), ("Ids", Value::Array(ids))]),
        );
        gone_is_fine(
            SERVICE,
            events::call(cx.cloud, &cx.call_ctx("events"), "RemoveTargets", request).await,
        )?;
    }
    let request = with_bus(properties, input([("Name", json!(name))]));
    gone_is_fine(
        SERVICE,
        events::call(cx.cloud, &cx.call_ctx("events"), "DeleteRule", request).await,
    )
}

async fn put(
    cx: &Context<'_>,
    name: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<Value> {
    let mut request = input([("Name", json!(name))]);
    for member in RULE_MEMBERS {
        if let Some(value) = properties.get(*member) {
            request.insert(member.to_string(), value.clone());
        }
    }
    if let Some(pattern) = properties.get("EventPattern") {
        request.insert("EventPattern".into(), json!(document(pattern)));
    }
    let reply = call(cx, "PutRule", request).await?;
    Ok(reply.get("RuleArn").cloned().unwrap_or(Value::Null))
}

async fn put_targets(
    cx: &Context<'_>,
    name: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    let Some(Value::Array(targets)) = properties.get("Targets") else {
        return Ok(());
    };
    if targets.is_empty() {
        return Ok(());
    }
    let request = with_bus(
        properties,
        input([
            ("Rule", json!(name)),
            ("Targets", Value::Array(targets.clone())),
        ]),
    );
    let reply = call(cx, "PutTargets", request).await?;
    match reply.get("FailedEntries").and_then(Value::as_array).and_then(|f| f.first()) {
        Some(failed) => Err(format!(
            "Resource handler returned message: \"{}\" (RequestToken: {}, HandlerErrorCode: InvalidRequest)",
            failed.get("ErrorMessage").and_then(Value::as_str).unwrap_or("PutTargets failed"),
            uuid::Uuid::new_v4()
        )),
        None => Ok(()),
    }
}

fn with_bus(
    properties: &Map<String, Value>,
    mut request: Map<String, Value>,
) -> Map<String, Value> {
    if let Some(bus) = properties.get("EventBusName") {
        request.insert("EventBusName".into(), bus.clone());
    }
    request
}

fn target_ids(properties: &Map<String, Value>) -> Vec<String> {
    properties
        .get("Targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("Id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The rule's name in a physical id (`<bus>|<name>` for a rule on another bus).
fn rule_name(physical_id: &str) -> &str {
    physical_id
        .rsplit_once('|')
        .map_or(physical_id, |(_, name)| name)
}

async fn call(
    cx: &Context<'_>,
    operation: &str,
    request: Map<String, Value>,
) -> ProviderResult<Value> {
    events::call(cx.cloud, &cx.call_ctx("events"), operation, request)
        .await
        .map_err(|e| service_failure(SERVICE, &e))
}

fn provided(name: &str, properties: &Map<String, Value>, arn: Value) -> Provided {
    let physical_id = match text(properties, "EventBusName") {
        Some(bus) if bus != "default" => format!("{bus}|{name}"),
        _ => name.to_string(),
    };
    Provided {
        physical_id,
        attributes: [("Arn".to_string(), arn)].into(),
    }
}
