//! `AWS::Events::Rule`: PutRule then PutTargets. `Ref` is the rule's name (on the default bus;
//! `<bus>|<name>` on another); `Arn` attribute.

use serde_json::{json, Map, Value};

use super::{document, gone_is_fine, service_failure, text, Context, Provided, ProviderResult};
use crate::services::events::api::parse_targets;
use crate::services::events::model::DEFAULT_BUS;
use crate::services::events::rules::NewRule;

const SERVICE: &str = "EventBridge";

/// PutRule, then PutTargets.
pub async fn create(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<Provided> {
    let name = match text(properties, "Name") {
        Some(name) => name.to_string(),
        None => cx.generated_name(64),
    };
    let arn = put(cx, &name, properties)?;
    if let Err(failure) = put_targets(cx, &name, properties) {
        let _ = delete_rule(cx, &name, properties);
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
    let arn = put(cx, name, new)?;
    let kept = target_ids(new);
    let gone: Vec<String> = target_ids(old)
        .into_iter()
        .filter(|id| !kept.contains(id))
        .collect();
    if !gone.is_empty() {
        cx.cloud
            .events
            .remove_targets(cx.cloud, region(cx), &bus(new), name, gone)
            .map_err(|e| service_failure(SERVICE, &e))?;
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
    let bus = bus(properties);
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

/// PutRule with the rule's properties (the API's members, under the same names); returns its
/// ARN.
fn put(cx: &Context<'_>, name: &str, properties: &Map<String, Value>) -> ProviderResult<Value> {
    let member = |key: &str| text(properties, key).map(str::to_string);
    let rule = NewRule {
        name: name.to_string(),
        bus: bus(properties),
        event_pattern: properties.get("EventPattern").map(document),
        schedule_expression: member("ScheduleExpression"),
        state: member("State"),
        description: member("Description"),
        role_arn: member("RoleArn"),
        tags: Default::default(),
    };
    let arn = cx
        .cloud
        .events
        .put_rule(cx.cloud, region(cx), rule)
        .map_err(|e| service_failure(SERVICE, &e))?;
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
    let targets = parse_targets(items).map_err(|e| service_failure(SERVICE, &e))?;
    cx.cloud
        .events
        .put_targets(cx.cloud, region(cx), &bus(properties), name, targets)
        .map_err(|e| service_failure(SERVICE, &e))
}

/// The rule's bus: `EventBusName` (a name or an ARN), `default` when absent.
fn bus(properties: &Map<String, Value>) -> String {
    match text(properties, "EventBusName") {
        Some(name) => match name.split_once(":event-bus/") {
            Some((_, bus)) if name.starts_with("arn:") => bus.to_string(),
            _ => name.to_string(),
        },
        None => DEFAULT_BUS.to_string(),
    }
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
