//! EventBridge's wire format (awsJson 1.1, `AWSEvents.<Operation>`): reading each operation's
//! input with the service model's constraints, and writing its output.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::buses::{NewBus, Published};
use super::checks::{check_length, check_name, BUS_NAME_PATTERN, NAME_PATTERN};
use super::model::{
    Bus, InputTransformer, Resource, RetryPolicy, Rule, RuleState, Target, DEFAULT_BUS,
};
use super::rules::{invalid_pattern, NewRule};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::json::{lower_first, missing, strings, wrong_type, Input};
use crate::protocol::pagination::{self, OffsetToken};
use crate::protocol::validation::{constraint, rule};
use crate::protocol::{epoch_seconds, iso8601};
use crate::request::{RequestContext, ACCOUNT_ID};
use event_pattern::Pattern;

/// Event times must fall before the year 10000 (`10000-01-01T00:00:00Z`).
const MAX_EVENT_TIME_SECONDS: u64 = 253_402_300_800;
/// Fields TestEventPattern requires in its event.
const REQUIRED_EVENT_FIELDS: &[&str] = &[
    "id",
    "account",
    "source",
    "time",
    "region",
    "resources",
    "detail-type",
];

/// Runs one operation.
pub fn dispatch(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    operation: &str,
    input: &Map<String, Value>,
) -> AwsResult<Value> {
    let input = Input(input);
    match operation {
        "PutRule" => put_rule(cloud, ctx, input),
        "DescribeRule" => describe_rule(cloud, ctx, input),
        "DeleteRule" => delete_rule(cloud, ctx, input),
        "ListRules" => list_rules(cloud, ctx, input),
        "EnableRule" => set_rule_state(cloud, ctx, input, RuleState::Enabled),
        "DisableRule" => set_rule_state(cloud, ctx, input, RuleState::Disabled),
        "PutTargets" => put_targets(cloud, ctx, input),
        "RemoveTargets" => remove_targets(cloud, ctx, input),
        "ListTargetsByRule" => list_targets_by_rule(cloud, ctx, input),
        "ListRuleNamesByTarget" => list_rule_names_by_target(cloud, ctx, input),
        "PutEvents" => put_events(cloud, ctx, input),
        "TestEventPattern" => test_event_pattern(input),
        "CreateEventBus" => create_event_bus(cloud, ctx, input),
        "DeleteEventBus" => delete_event_bus(cloud, ctx, input),
        "DescribeEventBus" => describe_event_bus(cloud, ctx, input),
        "ListEventBuses" => list_event_buses(cloud, ctx, input),
        "TagResource" => tag_resource(cloud, input),
        "UntagResource" => untag_resource(cloud, input),
        "ListTagsForResource" => list_tags_for_resource(cloud, input),
        other => Err(AwsError::unknown_operation(other)),
    }
}

// ---------------------------------------------------------------------------------------------
// Rules

fn put_rule(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let arn = cloud
        .events
        .put_rule(cloud, &ctx.region, new_rule(input)?)?;
    Ok(json!({ "RuleArn": arn }))
}

/// A PutRule input (or a rule's CloudFormation properties, which have its shape) read and
/// checked against the model.
pub(crate) fn new_rule(input: Input) -> AwsResult<NewRule> {
    Ok(NewRule {
        name: rule_name(input, "Name")?,
        bus: bus_name(input)?,
        event_pattern: input.opt_str("EventPattern")?.map(str::to_string),
        schedule_expression: input.opt_str("ScheduleExpression")?.map(str::to_string),
        state: input.opt_str("State")?.map(str::to_string),
        description: input.opt_str("Description")?.map(str::to_string),
        role_arn: input.opt_str("RoleArn")?.map(str::to_string),
        tags: tag_list(input)?,
    })
}

fn describe_rule(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let name = rule_name(input, "Name")?;
    let bus = bus_name(input)?;
    cloud.events.read(&ctx.region, |region| {
        let mut out = rule_json(region.rule(&bus, &name)?);
        out.insert("CreatedBy".into(), json!(ACCOUNT_ID));
        Ok(Value::Object(out))
    })
}

fn delete_rule(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let name = rule_name(input, "Name")?;
    let bus = bus_name(input)?;
    cloud.events.delete_rule(cloud, &ctx.region, &bus, &name)?;
    Ok(json!({}))
}

fn list_rules(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let prefix = match input.opt_str("NamePrefix")? {
        Some(_) => rule_name(input, "NamePrefix")?,
        None => String::new(),
    };
    let bus = bus_name(input)?;
    let rules: Vec<Value> = cloud.events.read(&ctx.region, |region| {
        Ok(region
            .bus(&bus)?
            .rules
            .values()
            .filter(|r| r.name.starts_with(&prefix))
            .map(|r| Value::Object(rule_json(r)))
            .collect())
    })?;
    let (page, next) = paginate(rules, input)?;
    Ok(with_token(json!({ "Rules": page }), next))
}

fn set_rule_state(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input,
    state: RuleState,
) -> AwsResult<Value> {
    let name = rule_name(input, "Name")?;
    let bus = bus_name(input)?;
    cloud
        .events
        .set_rule_state(cloud, &ctx.region, &bus, &name, state)?;
    Ok(json!({}))
}

fn rule_json(rule: &Rule) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("Name".into(), json!(rule.name));
    out.insert("Arn".into(), json!(rule.arn));
    put_opt(&mut out, "EventPattern", &rule.event_pattern);
    put_opt(&mut out, "ScheduleExpression", &rule.schedule_expression);
    out.insert("State".into(), json!(rule.state.as_str()));
    put_opt(&mut out, "Description", &rule.description);
    put_opt(&mut out, "RoleArn", &rule.role_arn);
    out.insert("EventBusName".into(), json!(rule.bus));
    out
}

// ---------------------------------------------------------------------------------------------
// Targets

fn put_targets(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let rule = rule_name(input, "Rule")?;
    let bus = bus_name(input)?;
    let targets = parse_targets(list(input, "Targets", 1, 100)?)?;
    cloud
        .events
        .put_targets(cloud, &ctx.region, &bus, &rule, targets)?;
    Ok(json!({"FailedEntryCount": 0, "FailedEntries": []}))
}

fn remove_targets(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let rule = rule_name(input, "Rule")?;
    let bus = bus_name(input)?;
    let ids = strings("Ids", list(input, "Ids", 1, 100)?)?;
    cloud
        .events
        .remove_targets(cloud, &ctx.region, &bus, &rule, ids)?;
    Ok(json!({"FailedEntryCount": 0, "FailedEntries": []}))
}

fn list_targets_by_rule(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input,
) -> AwsResult<Value> {
    let rule = rule_name(input, "Rule")?;
    let bus = bus_name(input)?;
    let targets: Vec<Value> = cloud.events.read(&ctx.region, |region| {
        Ok(region
            .rule(&bus, &rule)?
            .targets
            .iter()
            .map(target_json)
            .collect())
    })?;
    let (page, next) = paginate(targets, input)?;
    Ok(with_token(json!({ "Targets": page }), next))
}

fn list_rule_names_by_target(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input,
) -> AwsResult<Value> {
    let arn = input.str("TargetArn")?.to_string();
    let bus = bus_name(input)?;
    let names: Vec<Value> = cloud.events.read(&ctx.region, |region| {
        Ok(region
            .bus(&bus)?
            .rules
            .values()
            .filter(|r| r.targets.iter().any(|t| t.arn == arn))
            .map(|r| json!(r.name))
            .collect())
    })?;
    let (page, next) = paginate(names, input)?;
    Ok(with_token(json!({ "RuleNames": page }), next))
}

/// The members of `Targets`, in the API's shape (PutTargets' input, and the `Targets` of an
/// `AWS::Events::Rule`), each checked against the model.
pub(crate) fn parse_targets(items: &[Value]) -> AwsResult<Vec<Target>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| target(item, i + 1))
        .collect()
}

/// One member of `Targets` (`position` counts from 1, as AWS's messages do).
fn target(item: &Value, position: usize) -> AwsResult<Target> {
    let Value::Object(map) = item else {
        return Err(wrong_type("Targets", "a list of objects", item));
    };
    let member = |name: &str| format!("targets.{position}.member.{}", lower_first(name));
    let t = Input(map);
    let id = t.str("Id")?;
    check_name(&member("Id"), id, NAME_PATTERN, 64)?;
    let arn = t.str("Arn")?;
    check_length(&member("Arn"), arn, 1, 1600)?;
    let input_transformer = match t.opt_object("InputTransformer")? {
        Some(transformer) => Some(input_transformer(Input(transformer))?),
        None => None,
    };
    let retry_policy = match t.opt_object("RetryPolicy")? {
        Some(policy) => Some(retry_policy(Input(policy), &member("RetryPolicy"))?),
        None => None,
    };
    let dead_letter_arn = match t.opt_object("DeadLetterConfig")? {
        Some(config) => Input(config).opt_str("Arn")?.map(str::to_string),
        None => None,
    };
    let input = t.opt_str("Input")?;
    if let Some(text) = input {
        check_length(&member("Input"), text, 0, 8192)?;
    }
    let input_path = t.opt_str("InputPath")?;
    if let Some(path) = input_path {
        check_length(&member("InputPath"), path, 0, 256)?;
    }
    Ok(Target {
        id: id.to_string(),
        arn: arn.to_string(),
        role_arn: t.opt_str("RoleArn")?.map(str::to_string),
        input: input.map(str::to_string),
        input_path: input_path.map(str::to_string),
        input_transformer,
        retry_policy,
        dead_letter_arn,
    })
}

fn input_transformer(t: Input) -> AwsResult<InputTransformer> {
    let template = t.str("InputTemplate")?;
    check_length("InputTemplate", template, 1, 8192)?;
    let paths = match t.opt_object("InputPathsMap")? {
        Some(map) if map.len() > 100 => {
            return Err(AwsError::validation(
                "InputPathsMap can have as many as 100 key-value pairs.",
            ))
        }
        Some(map) => map
            .iter()
            .map(|(key, path)| match path {
                Value::String(path) => Ok((key.clone(), path.clone())),
                other => Err(wrong_type("InputPathsMap", "a map of strings", other)),
            })
            .collect::<AwsResult<Vec<_>>>()?,
        None => Vec::new(),
    };
    Ok(InputTransformer {
        paths,
        template: template.to_string(),
    })
}

fn retry_policy(p: Input, member: &str) -> AwsResult<RetryPolicy> {
    let attempts = bounded_int(p, "MaximumRetryAttempts", member, 0, 185)?;
    let age = bounded_int(p, "MaximumEventAgeInSeconds", member, 60, 86_400)?;
    Ok(RetryPolicy {
        maximum_retry_attempts: attempts,
        maximum_event_age_seconds: age,
    })
}

fn target_json(t: &Target) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), json!(t.id));
    out.insert("Arn".into(), json!(t.arn));
    put_opt(&mut out, "RoleArn", &t.role_arn);
    put_opt(&mut out, "Input", &t.input);
    put_opt(&mut out, "InputPath", &t.input_path);
    if let Some(transformer) = &t.input_transformer {
        let mut it = Map::new();
        if !transformer.paths.is_empty() {
            let paths: Map<String, Value> = transformer
                .paths
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            it.insert("InputPathsMap".into(), Value::Object(paths));
        }
        it.insert("InputTemplate".into(), json!(transformer.template));
        out.insert("InputTransformer".into(), Value::Object(it));
    }
    if let Some(policy) = &t.retry_policy {
        let mut p = Map::new();
        if let Some(n) = policy.maximum_retry_attempts {
            p.insert("MaximumRetryAttempts".into(), json!(n));
        }
        if let Some(n) = policy.maximum_event_age_seconds {
            p.insert("MaximumEventAgeInSeconds".into(), json!(n));
        }
        out.insert("RetryPolicy".into(), Value::Object(p));
    }
    if let Some(arn) = &t.dead_letter_arn {
        out.insert("DeadLetterConfig".into(), json!({ "Arn": arn }));
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------------
// Events

fn put_events(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let entries = list(input, "Entries", 1, 10)?;
    let ingestion = SystemTime::now();
    let mut read = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Object(entry) = entry else {
            return Err(wrong_type("Entries", "a list of objects", entry));
        };
        read.push(event(ctx, Input(entry), ingestion)?);
    }
    let ingestion_time = event_time(ingestion);
    let results: Vec<Value> = read
        .into_iter()
        .map(|entry| {
            let published =
                entry.map(|event| cloud.events.publish(&ctx.region, &event, &ingestion_time));
            match published {
                Err((code, message)) => json!({"ErrorCode": code, "ErrorMessage": message}),
                Ok(Ok(id)) => json!({ "EventId": id }),
                Ok(Err(e)) => json!({"ErrorCode": e.code, "ErrorMessage": e.message}),
            }
        })
        .collect();
    let failed = results
        .iter()
        .filter(|r| r.get("ErrorCode").is_some())
        .count();
    Ok(json!({"FailedEntryCount": failed, "Entries": results}))
}

/// One PutEvents entry ready to publish, or the entry's error code and message.
type Entry = Result<Published, (&'static str, String)>;

fn event(ctx: &RequestContext, entry: Input, ingestion: SystemTime) -> AwsResult<Entry> {
    let required = |member: &str| -> AwsResult<Option<String>> {
        Ok(entry
            .opt_str(member)?
            .filter(|s| !s.is_empty())
            .map(str::to_string))
    };
    let refuse = |member: &str| {
        Ok(Err((
            "InvalidArgument",
            format!("Parameter {member} is not valid. Reason: {member} is a required argument."),
        )))
    };
    let Some(source) = required("Source")? else {
        return refuse("Source");
    };
    let Some(detail_type) = required("DetailType")? else {
        return refuse("DetailType");
    };
    let Some(detail) = required("Detail")? else {
        return refuse("Detail");
    };
    let detail = match serde_json::from_str::<Value>(&detail) {
        Ok(detail @ Value::Object(_)) => detail,
        _ => return Ok(Err(("MalformedDetail", "Detail is malformed.".to_string()))),
    };
    let bus = match entry.opt_str("EventBusName")? {
        Some(name) => bus_from_name_or_arn(name),
        None => DEFAULT_BUS.to_string(),
    };
    let resources = match entry.opt_array("Resources")? {
        Some(items) => items.clone(),
        None => Vec::new(),
    };
    if let Some(bad) = resources.iter().find(|r| !r.is_string()) {
        return Err(wrong_type("Resources", "a list of strings", bad));
    }
    let time = match entry.get("Time") {
        None => ingestion,
        Some(time @ Value::Number(n)) => n
            .as_f64()
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .filter(|since| since.as_secs() < MAX_EVENT_TIME_SECONDS)
            .map(|since| UNIX_EPOCH + since)
            .ok_or_else(|| wrong_type("Time", "a timestamp from 1970 to 9999", time))?,
        Some(other) => return Err(wrong_type("Time", "a timestamp", other)),
    };
    let envelope = json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT_ID,
        "time": event_time(time),
        "region": ctx.region,
        "resources": resources,
        "detail": detail,
    });
    Ok(Ok(Published { bus, envelope }))
}

/// An event's time as events carry it: ISO 8601 to the second, in UTC (`2024-01-02T03:04:05Z`).
fn event_time(time: SystemTime) -> String {
    let full = iso8601(time);
    format!("{}Z", &full[..19])
}

fn test_event_pattern(input: Input) -> AwsResult<Value> {
    let pattern = input.str("EventPattern")?;
    let event = input.str("Event")?;
    let pattern = invalid_pattern(Pattern::parse(pattern))?;
    let event: Value = serde_json::from_str(event)
        .map_err(|e| AwsError::validation(format!("Parameter Event is not valid. Reason: {e}")))?;
    let Value::Object(fields) = &event else {
        return Err(AwsError::validation(
            "Parameter Event is not valid. Reason: the event must be a JSON object.",
        ));
    };
    if let Some(absent) = REQUIRED_EVENT_FIELDS
        .iter()
        .find(|f| !fields.contains_key(**f))
    {
        return Err(AwsError::validation(format!(
            "Parameter Event is not valid. Reason: Provided Event is missing the required field '{absent}'."
        )));
    }
    Ok(json!({ "Result": pattern.matches(&event) }))
}

// ---------------------------------------------------------------------------------------------
// Event buses

fn create_event_bus(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let name = input.str("Name")?;
    check_name("name", name, BUS_NAME_PATTERN, 256)?;
    let new = NewBus {
        name: name.to_string(),
        event_source: input.opt_str("EventSourceName")?.map(str::to_string),
        description: bounded(input, "Description", 0, 512)?,
        tags: tag_list(input)?,
    };
    let bus = cloud.events.create_bus(cloud, &ctx.region, new)?;
    let mut reply = json!({ "EventBusArn": bus.arn });
    if let Some(description) = &bus.description {
        reply["Description"] = json!(description);
    }
    Ok(reply)
}

fn delete_event_bus(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let name = input.str("Name")?;
    check_name("name", name, BUS_NAME_PATTERN, 256)?;
    cloud.events.delete_bus(cloud, &ctx.region, name)?;
    Ok(json!({}))
}

fn describe_event_bus(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let name = match input.opt_str("Name")? {
        Some(name) => bus_from_name_or_arn(name),
        None => DEFAULT_BUS.to_string(),
    };
    cloud
        .events
        .read(&ctx.region, |region| Ok(bus_json(region.bus(&name)?)))
}

fn list_event_buses(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input) -> AwsResult<Value> {
    let prefix = input.opt_str("NamePrefix")?.unwrap_or_default().to_string();
    let buses: Vec<Value> = cloud.events.read(&ctx.region, |region| {
        Ok(region
            .buses
            .values()
            .filter(|b| b.name.starts_with(&prefix))
            .map(bus_json)
            .collect())
    })?;
    let (page, next) = paginate(buses, input)?;
    Ok(with_token(json!({ "EventBuses": page }), next))
}

fn bus_json(bus: &Bus) -> Value {
    let created = epoch_seconds(UNIX_EPOCH + Duration::from_millis(bus.created_ms));
    let mut out = Map::new();
    out.insert("Name".into(), json!(bus.name));
    out.insert("Arn".into(), json!(bus.arn));
    put_opt(&mut out, "Description", &bus.description);
    out.insert("CreationTime".into(), json!(created));
    out.insert("LastModifiedTime".into(), json!(created));
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------------
// Tags

fn tag_resource(cloud: &Arc<Cloud>, input: Input) -> AwsResult<Value> {
    let (region, resource) = Resource::from_arn(input.str("ResourceARN")?)?;
    if input.get("Tags").is_none() {
        return Err(missing("Tags"));
    }
    let tags = tag_list(input)?;
    cloud.events.tag(cloud, &region, resource, tags)?;
    Ok(json!({}))
}

fn untag_resource(cloud: &Arc<Cloud>, input: Input) -> AwsResult<Value> {
    let (region, resource) = Resource::from_arn(input.str("ResourceARN")?)?;
    let keys = strings(
        "TagKeys",
        input
            .opt_array("TagKeys")?
            .ok_or_else(|| missing("TagKeys"))?,
    )?;
    cloud.events.untag(cloud, &region, resource, keys)?;
    Ok(json!({}))
}

fn list_tags_for_resource(cloud: &Arc<Cloud>, input: Input) -> AwsResult<Value> {
    let (region_name, resource) = Resource::from_arn(input.str("ResourceARN")?)?;
    cloud.events.read(&region_name, |region| {
        let tags: Vec<Value> = region
            .tags(&resource)?
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        Ok(json!({ "Tags": tags }))
    })
}

/// `Tags`: a list of `{Key, Value}`.
fn tag_list(input: Input) -> AwsResult<BTreeMap<String, String>> {
    let Some(items) = input.opt_array("Tags")? else {
        return Ok(BTreeMap::new());
    };
    items
        .iter()
        .map(|item| {
            let Value::Object(tag) = item else {
                return Err(wrong_type("Tags", "a list of objects", item));
            };
            let tag = Input(tag);
            let key = tag.str("Key")?;
            check_length("tags.member.key", key, 1, 128)?;
            let value = tag.str("Value")?;
            check_length("tags.member.value", value, 0, 256)?;
            Ok((key.to_string(), value.to_string()))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Input helpers

/// A required rule name (`Name`, `Rule`, `NamePrefix`), checked against the model.
fn rule_name(input: Input, member: &str) -> AwsResult<String> {
    let name = input.str(member)?;
    check_name(&lower_first(member), name, NAME_PATTERN, 64)?;
    Ok(name.to_string())
}

/// The bus an operation addresses: `EventBusName` (a name or an ARN), `default` when absent.
pub(crate) fn bus_name(input: Input) -> AwsResult<String> {
    match input.opt_str("EventBusName")? {
        Some(name) => {
            check_length("eventBusName", name, 1, 1600)?;
            Ok(bus_from_name_or_arn(name))
        }
        None => Ok(DEFAULT_BUS.to_string()),
    }
}

fn bus_from_name_or_arn(name: &str) -> String {
    match name.split_once(":event-bus/") {
        Some((_, bus)) if name.starts_with("arn:") => bus.to_string(),
        _ => name.to_string(),
    }
}

/// An optional string member with a length range.
fn bounded(input: Input, member: &str, min: usize, max: usize) -> AwsResult<Option<String>> {
    match input.opt_str(member)? {
        Some(value) => {
            check_length(&lower_first(member), value, min, max)?;
            Ok(Some(value.to_string()))
        }
        None => Ok(None),
    }
}

/// An optional integer member with a range (`at` is the structure it sits in, for the
/// message; empty at the top level).
fn bounded_int(input: Input, name: &str, at: &str, min: i64, max: i64) -> AwsResult<Option<u32>> {
    let Some(n) = input.opt_i64(name)? else {
        return Ok(None);
    };
    let path = match at {
        "" => lower_first(name),
        at => format!("{at}.{}", lower_first(name)),
    };
    if n < min {
        return Err(constraint(&path, &n.to_string(), &rule::min_value(min)));
    }
    if n > max {
        return Err(constraint(
            &path,
            &n.to_string(),
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    u32::try_from(n)
        .map(Some)
        .map_err(|_| AwsError::validation(format!("{path} is out of range")))
}

/// A required list member with a length range.
fn list<'a>(input: Input<'a>, member: &str, min: usize, max: usize) -> AwsResult<&'a Vec<Value>> {
    let items = input.opt_array(member)?.ok_or_else(|| missing(member))?;
    let at = lower_first(member);
    if items.len() < min {
        return Err(constraint(&at, "[]", &rule::min_length(min)));
    }
    if items.len() > max {
        return Err(constraint(
            &at,
            &format!("[{} entries]", items.len()),
            &rule::max_length(max),
        ));
    }
    Ok(items)
}

fn put_opt(out: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        out.insert(key.into(), json!(value));
    }
}

/// One page of `items` per `NextToken` and `Limit` (at most 100), and the token of the next.
fn paginate(items: Vec<Value>, input: Input) -> AwsResult<(Vec<Value>, Option<String>)> {
    let limit = bounded_int(input, "Limit", "", 1, 100)?.map_or(100, |n| n as usize);
    let start = match input.opt_str("NextToken")? {
        Some(token) => TOKENS
            .decode(token)
            .filter(|start| *start <= items.len())
            .ok_or_else(|| AwsError::validation("The NextToken provided is invalid."))?,
        None => 0,
    };
    let (page, next) = pagination::page(items, start, limit);
    Ok((page, next.map(|n| TOKENS.encode(n))))
}

/// EventBridge's page tokens.
const TOKENS: OffsetToken = OffsetToken("offset:");

fn with_token(mut reply: Value, next: Option<String>) -> Value {
    if let Some(token) = next {
        reply["NextToken"] = json!(token);
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_resources() {
        let (region, r) =
            Resource::from_arn("arn:aws:events:eu-west-1:123456789012:rule/orders/r1").unwrap();
        assert_eq!(region, "eu-west-1");
        assert_eq!(
            r,
            Resource::Rule {
                bus: "orders".into(),
                name: "r1".into()
            }
        );
        let (_, r) = Resource::from_arn("arn:aws:events:us-east-1:123456789012:rule/r1").unwrap();
        assert_eq!(
            r,
            Resource::Rule {
                bus: "default".into(),
                name: "r1".into()
            }
        );
        let (_, r) =
            Resource::from_arn("arn:aws:events:us-east-1:123456789012:event-bus/b").unwrap();
        assert_eq!(r, Resource::Bus { bus: "b".into() });
        assert_eq!(
            Resource::from_arn("arn:aws:sqs:us-east-1:1:q")
                .unwrap_err()
                .code,
            "ValidationException"
        );
        assert_eq!(
            bus_from_name_or_arn("arn:aws:events:us-east-1:123456789012:event-bus/b"),
            "b"
        );
    }

    #[test]
    fn event_times_are_iso_seconds_in_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(event_time(t), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn event_times_out_of_range_are_refused() {
        let ctx = RequestContext::internal("events", "us-east-1");
        for time in [json!(1e300), json!(-5), json!(f64::MAX)] {
            let entry = json!({"Source": "s", "DetailType": "d", "Detail": "{}", "Time": time});
            let entry = entry.as_object().unwrap();
            let err = event(&ctx, Input(entry), SystemTime::now()).unwrap_err();
            assert_eq!(err.code, "SerializationException", "{time}");
        }
        let entry = json!({"Source": "s", "DetailType": "d", "Detail": "{}", "Time": 1.7e9});
        let envelope = event(&ctx, Input(entry.as_object().unwrap()), SystemTime::now())
            .unwrap()
            .unwrap()
            .envelope;
        assert_eq!(envelope["time"], "2023-11-14T22:13:20Z");
    }

    #[test]
    fn tokens_round_trip() {
        assert_eq!(TOKENS.decode(&TOKENS.encode(42)), Some(42));
        assert_eq!(TOKENS.decode("garbage"), None);
    }
}
