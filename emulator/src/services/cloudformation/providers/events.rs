//! `AWS::Events::Rule`: PutRule then PutTargets. `Ref` is the rule's name (on the default bus;
//! `<bus>|<name>` on another); `Arn` attribute.

use serde_json::{json, Map, Value};

use super::{
    document, gone_is_fine, service_failure, text, undone_on_failure, Context, Provided,
    ProviderResult,
};
use crate::error::AwsError;
use crate::protocol::json::Input;
use crate::services::events::api::{bus_name, new_rule, parse_targets};

const SERVICE: &str = "EventBridge";

/// PutRule, then PutTargets.
pub async fn create(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<Provided> {
    let name = match text(properties, "Name") {
        Some(name) => name.to_string(),
        None => cx.generated_name(64),
    };
    let arn = put(cx, &name, properties)?;
    undone_on_failure(put_targets(cx, &name, properties), || {
        delete_rule(cx, &name, properties)
    })?;
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
    let arn = put(cx, name, new)?;
    let kept = target_ids(new);
    let gone: Vec<String> = target_ids(old)
        .into_iter()
        .filter(|id| !kept.contains(id))
        .collect();
    if !gone.is_empty() {
        cx.cloud
            .events
            .remove_targets(cx.cloud, region(cx), &bus(new)?, name, gone)
            .map_err(failure)?;
    }
    put_targets(cx, name, new)?;
    Ok(provided(name, new, arn))
}

/// RemoveTargets, then DeleteRule.
pub async fn delete(
    cx: &Context<'_>,
    physical_id: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    delete_rule(cx, rule_name(physical_id), properties)
}

fn delete_rule(
    cx: &Context<'_>,
    name: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    let bus = bus(properties)?;
    let ids = target_ids(properties);
    if !ids.is_empty() {
        gone_is_fine(
            SERVICE,
            cx.cloud
                .events
                .remove_targets(cx.cloud, region(cx), &bus, name, ids),
        )?;
    }
    gone_is_fine(
        SERVICE,
        cx.cloud
            .events
            .delete_rule(cx.cloud, region(cx), &bus, name),
    )
}

/// The PutRule members a rule's properties carry under the same names.
const RULE_MEMBERS: &[&str] = &[
    "ScheduleExpression",
    "State",
    "Description",
    "RoleArn",
    "EventBusName",
];

/// PutRule with the rule's properties (the API's members, under the same names), read by the
/// API's reader; returns its ARN.
fn put(cx: &Context<'_>, name: &str, properties: &Map<String, Value>) -> ProviderResult<Value> {
    let mut request = Map::new();
    request.insert("Name".into(), json!(name));
    for member in RULE_MEMBERS {
        if let Some(value) = properties.get(*member) {
            request.insert(member.to_string(), value.clone());
        }
    }
    if let Some(pattern) = properties.get("EventPattern") {
        request.insert("EventPattern".into(), json!(document(pattern)));
    }
    let rule = new_rule(Input(&request)).map_err(failure)?;
    let arn = cx
        .cloud
        .events
        .put_rule(cx.cloud, region(cx), rule)
        .map_err(failure)?;
    Ok(json!(arn))
}

/// PutTargets with the rule's `Targets` (in the API's shape), when it has any.
fn put_targets(
    cx: &Context<'_>,
    name: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    let Some(Value::Array(items)) = properties.get("Targets") else {
        return Ok(());
    };
    if items.is_empty() {
        return Ok(());
    }
    let targets = parse_targets(items).map_err(failure)?;
    cx.cloud
        .events
        .put_targets(cx.cloud, region(cx), &bus(properties)?, name, targets)
        .map_err(failure)
}

/// The rule's bus, read from `EventBusName` as the API reads it.
fn bus(properties: &Map<String, Value>) -> ProviderResult<String> {
    bus_name(Input(properties)).map_err(failure)
}

fn failure(err: AwsError) -> String {
    service_failure(SERVICE, &err)
}

fn region<'a>(cx: &'a Context<'_>) -> &'a str {
    &cx.ctx.region
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
