//! The state machine operations: Create/Describe/Update/Delete/List StateMachine, versions,
//! aliases, tags and ValidateStateMachineDefinition. Each reads its input, checks it as Step
//! Functions does, and (for writes) journals one [`Change`] under the state lock.

use std::sync::Arc;

use asl::validate::{self, Severity};
use serde_json::{json, Map, Value};

use super::machines::MachineUpdate;
use super::model::{Alias, Change, MachineType, NewMachine, Revision, Route, State, StateMachine};
use super::names::{self, Qualifier};
use super::pagination;
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::json::Input;
use crate::protocol::validation::{constraint, constraint_hidden, rule};
use crate::request::RequestContext;

/// The most tags a resource may have.
pub const MAX_TAGS: usize = 50;

/// Now, in epoch seconds with milliseconds.
pub(crate) fn now() -> f64 {
    crate::protocol::epoch_seconds(std::time::SystemTime::now())
}

pub(crate) fn new_revision_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `StateMachineDoesNotExist` for `arn`.
pub(crate) fn machine_does_not_exist(arn: &str) -> AwsError {
    AwsError::new(
        "StateMachineDoesNotExist",
        format!("State Machine Does Not Exist: '{arn}'"),
    )
}

fn resource_not_found(arn: &str) -> AwsError {
    AwsError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

/// The machine with this unqualified ARN.
pub(crate) fn find_machine<'a>(state: &'a State, arn: &str) -> AwsResult<&'a StateMachine> {
    state
        .machines
        .get(arn)
        .ok_or_else(|| machine_does_not_exist(arn))
}

/// Checks a definition as CreateStateMachine does: `InvalidDefinition` with AWS's message.
pub(crate) fn check_definition(definition: &str) -> AwsResult<()> {
    let diagnostics = validate::validate_json(definition);
    match validate::invalid_definition_message(&diagnostics) {
        Some(message) => Err(AwsError::new("InvalidDefinition", message)),
        None => Ok(()),
    }
}

fn machine_type(value: Option<&str>) -> AwsResult<MachineType> {
    let name = value.unwrap_or("STANDARD");
    MachineType::parse(name)
        .ok_or_else(|| constraint("type", name, &rule::one_of(&MachineType::NAMES)))
}

fn logging(config: Option<&Map<String, Value>>) -> AwsResult<Value> {
    let Some(config) = config else {
        return Ok(json!({"level": "OFF", "includeExecutionData": false}));
    };
    let level = config.get("level").and_then(Value::as_str).unwrap_or("OFF");
    if !["ALL", "ERROR", "FATAL", "OFF"].contains(&level) {
        return Err(constraint(
            "loggingConfiguration.level",
            level,
            &rule::one_of(&["ALL", "ERROR", "FATAL", "OFF"]),
        ));
    }
    let destinations = config
        .get("destinations")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if level != "OFF" && destinations == 0 {
        return Err(AwsError::new(
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Must specify exactly one Log Destination if logging level is not OFF.",
        ));
    }
    let mut out = Map::new();
    out.insert("level".into(), json!(level));
    out.insert(
        "includeExecutionData".into(),
        json!(config
            .get("includeExecutionData")
            .and_then(Value::as_bool)
            .unwrap_or(false)),
    );
    if destinations > 0 {
        out.insert("destinations".into(), config["destinations"].clone());
    }
    Ok(Value::Object(out))
}

fn tracing(config: Option<&Map<String, Value>>) -> Value {
    let enabled = config
        .and_then(|c| c.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    json!({ "enabled": enabled })
}

fn tags(list: Option<&Vec<Value>>) -> AwsResult<Vec<(String, String)>> {
    let mut tags = Vec::new();
    for tag in list.into_iter().flatten() {
        let key = tag.get("key").and_then(Value::as_str).unwrap_or_default();
        let value = tag.get("value").and_then(Value::as_str).unwrap_or_default();
        if key.is_empty() || key.len() > 128 || value.len() > 256 {
            return Err(AwsError::validation(format!(
                "Invalid tag: the key must have 1 to 128 characters and the value at most 256 (key '{key}')"
            )));
        }
        set_tag(&mut tags, key, value);
    }
    Ok(tags)
}

fn set_tag(tags: &mut Vec<(String, String)>, key: &str, value: &str) {
    match tags.iter_mut().find(|(k, _)| k == key) {
        Some(existing) => existing.1 = value.to_string(),
        None => tags.push((key.to_string(), value.to_string())),
    }
}

fn check_tag_count(tags: &[(String, String)], arn: &str) -> AwsResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(AwsError::new(
            "TooManyTags",
            format!("Too many tags: a resource has at most {MAX_TAGS} tags ({arn})"),
        ));
    }
    Ok(())
}

fn version_description(input: Input<'_>, member: &str) -> AwsResult<Option<String>> {
    let description = input.opt_str(member)?;
    if description.is_some_and(|d| d.chars().count() > 256) {
        return Err(constraint_hidden(member, &rule::max_length(256)));
    }
    Ok(description.map(str::to_string))
}

/// CreateStateMachine.
pub fn create_state_machine(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> AwsResult<Value> {
    let new = new_machine(ctx, input)?;
    let arn = new.arn.clone();
    let created = cloud.states.create_machine(cloud, new)?;
    let mut reply = json!({"stateMachineArn": arn, "creationDate": created.creation_date});
    if let Some(version_arn) = created.version_arn {
        reply["stateMachineVersionArn"] = json!(version_arn);
    }
    Ok(reply)
}

/// A CreateStateMachine input (or a state machine's CloudFormation properties, put in its
/// shape) read and checked into a new machine of `ctx`'s region.
pub fn new_machine(ctx: &RequestContext, input: Input<'_>) -> AwsResult<NewMachine> {
    let name = input.str("name")?;
    let definition = input.str("definition")?;
    let role_arn = input.str("roleArn")?;
    names::check_name(name)?;
    names::check_role_arn(role_arn)?;
    let machine_type = machine_type(input.opt_str("type")?)?;
    check_definition(definition)?;
    let logging = logging(input.opt_object("loggingConfiguration")?)?;
    let tracing = tracing(input.opt_object("tracingConfiguration")?);
    let tags = tags(input.opt_array("tags")?)?;
    let publish_version = input.opt_bool("publish")?.unwrap_or(false);
    let description = version_description(input, "versionDescription")?;
    if description.is_some() && !publish_version {
        return Err(AwsError::validation(
            "Version description can only be set when publish is true",
        ));
    }
    let arn = ctx.arn("states", &format!("stateMachine:{name}"));
    check_tag_count(&tags, &arn)?;
    Ok(NewMachine {
        arn,
        name: name.to_string(),
        machine_type,
        revision: Revision {
            definition: definition.to_string(),
            role_arn: role_arn.to_string(),
            logging,
            tracing,
            revision_id: new_revision_id(),
            update_date: now(),
        },
        tags,
        publish: publish_version.then_some(description),
    })
}

fn describe_revision(revision: &Revision) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("definition".into(), json!(revision.definition));
    out.insert("roleArn".into(), json!(revision.role_arn));
    out.insert("loggingConfiguration".into(), revision.logging.clone());
    out.insert("tracingConfiguration".into(), revision.tracing.clone());
    out.insert("revisionId".into(), json!(revision.revision_id));
    out
}

/// DescribeStateMachine (of a state machine or one of its versions).
pub fn describe_state_machine(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("stateMachineArn")?;
    let arn = names::parse_machine_arn(given)?;
    let state = cloud.states.store.reader();
    let machine = state
        .machines
        .get(&arn.arn)
        .ok_or_else(|| machine_does_not_exist(given))?;
    let (revision, creation_date, description) = match &arn.qualifier {
        None => (&machine.current, machine.creation_date, None),
        Some(Qualifier::Version(n)) => {
            let version = machine
                .versions
                .get(n)
                .ok_or_else(|| machine_does_not_exist(given))?;
            (
                &version.revision,
                version.creation_date,
                version.description.as_deref(),
            )
        }
        Some(Qualifier::Alias(_)) => {
            return Err(names::invalid_arn(format!(
                "Use DescribeStateMachineAlias for an alias ARN: {given}"
            )))
        }
    };
    let mut out = describe_revision(revision);
    out.insert("stateMachineArn".into(), json!(given));
    out.insert("name".into(), json!(machine.name));
    out.insert("status".into(), json!("ACTIVE"));
    out.insert("type".into(), json!(machine.machine_type));
    out.insert("creationDate".into(), json!(creation_date));
    if let Some(description) = description {
        out.insert("description".into(), json!(description));
    }
    Ok(Value::Object(out))
}

/// The unqualified machine ARN of an operation that does not take versions or aliases.
fn unqualified(given: &str) -> AwsResult<String> {
    names::parse_machine_arn(given)?.unqualified().ok_or_else(|| {
        AwsError::validation(format!(
            "This operation takes an unqualified state machine ARN, not a version or alias ARN: {given}"
        ))
    })
}

/// UpdateStateMachine.
pub fn update_state_machine(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let arn = unqualified(input.str("stateMachineArn")?)?;
    let update = machine_update(input)?;
    let updated = cloud.states.update_machine(cloud, &arn, update)?;
    let mut reply = json!({"updateDate": updated.update_date, "revisionId": updated.revision_id});
    if let Some(version_arn) = updated.version_arn {
        reply["stateMachineVersionArn"] = json!(version_arn);
    }
    Ok(reply)
}

/// An UpdateStateMachine input (or a state machine's changed CloudFormation properties, put
/// in its shape) read and checked: at least one thing to change.
pub fn machine_update(input: Input<'_>) -> AwsResult<MachineUpdate> {
    let definition = input.opt_str("definition")?;
    let role_arn = input.opt_str("roleArn")?;
    let logging_given = input.opt_object("loggingConfiguration")?;
    let tracing_given = input.opt_object("tracingConfiguration")?;
    let publish_version = input.opt_bool("publish")?.unwrap_or(false);
    let description = version_description(input, "versionDescription")?;
    if definition.is_none()
        && role_arn.is_none()
        && logging_given.is_none()
        && tracing_given.is_none()
        && !publish_version
    {
        return Err(AwsError::new(
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
        ));
    }
    if description.is_some() && !publish_version {
        return Err(AwsError::validation(
            "Version description can only be set when publish is true",
        ));
    }
    if let Some(role_arn) = role_arn {
        names::check_role_arn(role_arn)?;
    }
    if let Some(definition) = definition {
        check_definition(definition)?;
    }
    Ok(MachineUpdate {
        definition: definition.map(str::to_string),
        role_arn: role_arn.map(str::to_string),
        logging: logging_given.map(|c| logging(Some(c))).transpose()?,
        tracing: tracing_given.map(|c| tracing(Some(c))),
        publish: publish_version.then_some(description),
    })
}

/// DeleteStateMachine (its versions and aliases go with it; executions stay readable).
pub fn delete_state_machine(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let arn = unqualified(input.str("stateMachineArn")?)?;
    cloud.states.delete_machine(cloud, &arn)?;
    Ok(json!({}))
}

/// ListStateMachines (of the request's region, by name).
pub fn list_state_machines(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> AwsResult<Value> {
    let size = pagination::page_size(input.opt_i64("maxResults")?, 100)?;
    let prefix = ctx.arn("states", "stateMachine:");
    let items: Vec<Value> = {
        let state = cloud.states.store.reader();
        let mut machines: Vec<&StateMachine> = state
            .machines
            .values()
            .filter(|m| m.arn.starts_with(&prefix))
            .collect();
        machines.sort_by(|a, b| a.name.cmp(&b.name));
        machines
            .into_iter()
            .map(|m| {
                json!({"stateMachineArn": m.arn, "name": m.name, "type": m.machine_type, "creationDate": m.creation_date})
            })
            .collect()
    };
    pagination::reply(items, size, input.opt_str("nextToken")?, "stateMachines")
}

/// One page of what the machine a request's `stateMachineArn` names lists (`entries`: its
/// versions or its aliases), under `member`.
fn machine_listing(
    cloud: &Arc<Cloud>,
    input: Input<'_>,
    member: &str,
    entries: impl FnOnce(&StateMachine) -> Vec<Value>,
) -> AwsResult<Value> {
    let arn = unqualified(input.str("stateMachineArn")?)?;
    let size = pagination::page_size(input.opt_i64("maxResults")?, 100)?;
    let items = {
        let state = cloud.states.store.reader();
        entries(find_machine(&state, &arn)?)
    };
    pagination::reply(items, size, input.opt_str("nextToken")?, member)
}

/// PublishStateMachineVersion.
pub fn publish_state_machine_version(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let arn = unqualified(input.str("stateMachineArn")?)?;
    let revision_id = input.opt_str("revisionId")?;
    let description = version_description(input, "description")?;
    let now = now();
    let mut state = cloud.states.store.writer(cloud);
    let mut machine = find_machine(&state, &arn)?.clone();
    if let Some(revision_id) = revision_id {
        if revision_id != machine.current.revision_id {
            return Err(AwsError::new(
                "ConflictException",
                format!(
                    "Failed to publish the State Machine version for revision {revision_id}. The current State Machine revision is {}.",
                    machine.current.revision_id
                ),
            ));
        }
    }
    let version_arn = machine.publish(description, now);
    let number = machine.version_of(&version_arn).unwrap_or_default();
    let creation_date = machine.versions[&number].creation_date;
    state.commit(Change::Machine(Box::new(machine)))?;
    Ok(json!({"creationDate": creation_date, "stateMachineVersionArn": version_arn}))
}

/// ListStateMachineVersions (newest first).
pub fn list_state_machine_versions(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    machine_listing(cloud, input, "stateMachineVersions", |machine| {
        machine
            .versions
            .values()
            .rev()
            .map(|v| json!({"stateMachineVersionArn": machine.version_arn(v.number), "creationDate": v.creation_date}))
            .collect()
    })
}

/// DeleteStateMachineVersion (refused while an alias routes to it).
pub fn delete_state_machine_version(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("stateMachineVersionArn")?;
    let arn = names::parse_machine_arn(given)?;
    let Some(Qualifier::Version(number)) = arn.qualifier else {
        return Err(AwsError::validation(format!(
            "Invalid version ARN: {given}"
        )));
    };
    let mut state = cloud.states.store.writer(cloud);
    let Some(machine) = state.machines.get(&arn.arn) else {
        return Ok(json!({}));
    };
    let mut machine = machine.clone();
    let users: Vec<String> = machine
        .aliases
        .values()
        .filter(|a| a.routing.iter().any(|r| r.version_arn == given))
        .map(|a| machine.alias_arn(&a.name))
        .collect();
    if !users.is_empty() {
        return Err(AwsError::new(
            "ConflictException",
            format!(
                "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
                users.join(", ")
            ),
        ));
    }
    if machine.versions.remove(&number).is_some() {
        state.commit(Change::Machine(Box::new(machine)))?;
    }
    Ok(json!({}))
}

/// Reads a routing configuration: one or two versions of one machine, weights adding up to
/// 100. Returns the machine's ARN with the routes.
fn routing(state: &State, list: &[Value]) -> AwsResult<(String, Vec<Route>)> {
    if list.is_empty() || list.len() > 2 {
        return Err(constraint_hidden(
            "routingConfiguration",
            "Member must have length less than or equal to 2 and greater than or equal to 1",
        ));
    }
    let mut routes: Vec<Route> = Vec::new();
    let mut machine_arn: Option<String> = None;
    for item in list {
        let version_arn = item
            .get("stateMachineVersionArn")
            .and_then(Value::as_str)
            .ok_or_else(|| crate::protocol::json::missing("stateMachineVersionArn"))?;
        let weight = item
            .get("weight")
            .and_then(Value::as_u64)
            .filter(|w| *w <= 100)
            .ok_or_else(|| {
                AwsError::validation("Routing weights must be integers from 0 to 100")
            })?;
        let arn = names::parse_machine_arn(version_arn)?;
        if !matches!(arn.qualifier, Some(Qualifier::Version(_))) {
            return Err(names::invalid_arn(format!(
                "Routing configurations name version ARNs: {version_arn}"
            )));
        }
        if machine_arn.as_ref().is_some_and(|m| *m != arn.arn) {
            return Err(AwsError::validation(
                "Routing configuration versions must belong to the same state machine",
            ));
        }
        let known = state
            .machines
            .get(&arn.arn)
            .and_then(|m| m.version_of(version_arn));
        if known.is_none() {
            return Err(resource_not_found(version_arn));
        }
        if routes.iter().any(|r| r.version_arn == version_arn) {
            return Err(AwsError::validation(
                "Routing configuration must contain distinct state machine versions",
            ));
        }
        machine_arn = Some(arn.arn);
        routes.push(Route {
            version_arn: version_arn.to_string(),
            weight,
        });
    }
    if routes.iter().map(|r| r.weight).sum::<u64>() != 100 {
        return Err(AwsError::validation(
            "Sum of routing configuration weights must equal 100",
        ));
    }
    Ok((machine_arn.unwrap_or_default(), routes))
}

fn routing_json(routes: &[Route]) -> Value {
    routes
        .iter()
        .map(|r| json!({"stateMachineVersionArn": r.version_arn, "weight": r.weight}))
        .collect()
}

/// CreateStateMachineAlias.
pub fn create_state_machine_alias(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let name = input.str("name")?;
    names::check_alias_name(name)?;
    let description = version_description(input, "description")?;
    let list = input
        .opt_array("routingConfiguration")?
        .ok_or_else(|| crate::protocol::json::missing("routingConfiguration"))?;
    let now = now();
    let mut state = cloud.states.store.writer(cloud);
    let (machine_arn, routes) = routing(&state, list)?;
    let mut machine = find_machine(&state, &machine_arn)?.clone();
    let alias_arn = machine.alias_arn(name);
    if let Some(existing) = machine.aliases.get(name) {
        if existing.routing == routes && existing.description == description {
            return Ok(
                json!({"stateMachineAliasArn": alias_arn, "creationDate": existing.creation_date}),
            );
        }
        return Err(AwsError::new(
            "ConflictException",
            format!("Alias {alias_arn} already exists with a different configuration"),
        ));
    }
    machine.aliases.insert(
        name.to_string(),
        Alias {
            name: name.to_string(),
            description,
            routing: routes,
            creation_date: now,
            update_date: now,
        },
    );
    state.commit(Change::Machine(Box::new(machine)))?;
    Ok(json!({"stateMachineAliasArn": alias_arn, "creationDate": now}))
}

/// The machine ARN and alias name of an alias ARN.
fn alias_arn(given: &str) -> AwsResult<(String, String)> {
    let arn = names::parse_machine_arn(given)?;
    match arn.qualifier {
        Some(Qualifier::Alias(name)) => Ok((arn.arn, name)),
        _ => Err(names::invalid_arn(format!("Invalid alias ARN: {given}"))),
    }
}

/// A copy of the machine `machine_arn` to change its alias `name` (of the alias ARN `given`):
/// `ResourceNotFound` when either is missing.
fn alias_owner(
    state: &State,
    machine_arn: &str,
    name: &str,
    given: &str,
) -> AwsResult<StateMachine> {
    state
        .machines
        .get(machine_arn)
        .filter(|m| m.aliases.contains_key(name))
        .cloned()
        .ok_or_else(|| resource_not_found(given))
}

/// DescribeStateMachineAlias.
pub fn describe_state_machine_alias(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("stateMachineAliasArn")?;
    let (machine_arn, name) = alias_arn(given)?;
    let state = cloud.states.store.reader();
    let alias = state
        .machines
        .get(&machine_arn)
        .and_then(|m| m.aliases.get(&name))
        .ok_or_else(|| resource_not_found(given))?;
    let mut reply = json!({
        "stateMachineAliasArn": given,
        "name": alias.name,
        "routingConfiguration": routing_json(&alias.routing),
        "creationDate": alias.creation_date,
        "updateDate": alias.update_date,
    });
    if let Some(description) = &alias.description {
        reply["description"] = json!(description);
    }
    Ok(reply)
}

/// UpdateStateMachineAlias.
pub fn update_state_machine_alias(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("stateMachineAliasArn")?;
    let (machine_arn, name) = alias_arn(given)?;
    let description = version_description(input, "description")?;
    let list = input.opt_array("routingConfiguration")?;
    if description.is_none() && list.is_none() {
        return Err(AwsError::validation(
            "Either the description or the routing configuration must be specified",
        ));
    }
    let now = now();
    let mut state = cloud.states.store.writer(cloud);
    let routes = match list {
        Some(list) => {
            let (owner, routes) = routing(&state, list)?;
            if owner != machine_arn {
                return Err(AwsError::validation(
                    "Routing configuration versions must belong to the alias' state machine",
                ));
            }
            Some(routes)
        }
        None => None,
    };
    let mut machine = alias_owner(&state, &machine_arn, &name, given)?;
    if let Some(alias) = machine.aliases.get_mut(&name) {
        if let Some(routes) = routes {
            alias.routing = routes;
        }
        if description.is_some() {
            alias.description = description;
        }
        alias.update_date = now;
    }
    state.commit(Change::Machine(Box::new(machine)))?;
    Ok(json!({ "updateDate": now }))
}

/// DeleteStateMachineAlias.
pub fn delete_state_machine_alias(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("stateMachineAliasArn")?;
    let (machine_arn, name) = alias_arn(given)?;
    let mut state = cloud.states.store.writer(cloud);
    let mut machine = alias_owner(&state, &machine_arn, &name, given)?;
    machine.aliases.remove(&name);
    state.commit(Change::Machine(Box::new(machine)))?;
    Ok(json!({}))
}

/// ListStateMachineAliases.
pub fn list_state_machine_aliases(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    machine_listing(cloud, input, "stateMachineAliases", |machine| {
        machine
            .aliases
            .values()
            .map(|a| json!({"stateMachineAliasArn": machine.alias_arn(&a.name), "creationDate": a.creation_date}))
            .collect()
    })
}

/// ValidateStateMachineDefinition: `OK` or `FAIL`, with the diagnostics of `asl::validate`.
pub fn validate_state_machine_definition(input: Input<'_>) -> AwsResult<Value> {
    let definition = input.str("definition")?;
    machine_type(input.opt_str("type")?)?;
    let with_warnings = match input.opt_str("severity")?.unwrap_or("ERROR") {
        "ERROR" => false,
        "WARNING" => true,
        other => {
            return Err(constraint(
                "severity",
                other,
                &rule::one_of(&["ERROR", "WARNING"]),
            ))
        }
    };
    let max = match input.opt_i64("maxResults")? {
        None | Some(0) => 100,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return Err(constraint(
                "maxResults",
                &n.to_string(),
                &rule::max_value(100),
            ))
        }
    };
    let diagnostics = validate::validate_json(definition);
    let result = if validate::is_valid(&diagnostics) {
        "OK"
    } else {
        "FAIL"
    };
    let shown: Vec<&validate::Diagnostic> = diagnostics
        .iter()
        .filter(|d| with_warnings || d.severity == Severity::Error)
        .collect();
    let truncated = shown.len() > max;
    let list: Vec<Value> = shown
        .into_iter()
        .take(max)
        .map(|d| {
            let mut item =
                json!({"severity": d.severity.as_str(), "code": d.code, "message": d.message});
            if !d.location.is_empty() {
                item["location"] = json!(d.location);
            }
            item
        })
        .collect();
    Ok(json!({"result": result, "diagnostics": list, "truncated": truncated}))
}

/// The machine a taggable ARN names.
fn tagged_machine(given: &str) -> AwsResult<String> {
    names::parse_machine_arn(given)?
        .unqualified()
        .ok_or_else(|| {
            names::invalid_arn(format!(
                "Tags belong to the state machine, not to its versions or aliases: {given}"
            ))
        })
}

/// Changes the tags of the machine `arn` (read from the taggable ARN `given`) and journals it:
/// `ResourceNotFound` when there is no such machine.
fn retag(
    cloud: &Arc<Cloud>,
    arn: &str,
    given: &str,
    change: impl FnOnce(&mut Vec<(String, String)>) -> AwsResult<()>,
) -> AwsResult<Value> {
    let mut state = cloud.states.store.writer(cloud);
    let mut machine = state
        .machines
        .get(arn)
        .ok_or_else(|| resource_not_found(given))?
        .clone();
    change(&mut machine.tags)?;
    state.commit(Change::Machine(Box::new(machine)))?;
    Ok(json!({}))
}

/// TagResource.
pub fn tag_resource(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("resourceArn")?;
    let arn = tagged_machine(given)?;
    let new_tags = tags(Some(
        input
            .opt_array("tags")?
            .ok_or_else(|| crate::protocol::json::missing("tags"))?,
    ))?;
    retag(cloud, &arn, given, |tags| {
        for (key, value) in &new_tags {
            set_tag(tags, key, value);
        }
        check_tag_count(tags, given)
    })
}

/// UntagResource.
pub fn untag_resource(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("resourceArn")?;
    let arn = tagged_machine(given)?;
    let keys: Vec<&str> = input
        .opt_array("tagKeys")?
        .ok_or_else(|| crate::protocol::json::missing("tagKeys"))?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    retag(cloud, &arn, given, |tags| {
        tags.retain(|(k, _)| !keys.contains(&k.as_str()));
        Ok(())
    })
}

/// ListTagsForResource.
pub fn list_tags_for_resource(cloud: &Arc<Cloud>, input: Input<'_>) -> AwsResult<Value> {
    let given = input.str("resourceArn")?;
    let arn = tagged_machine(given)?;
    let state = cloud.states.store.reader();
    let machine = state
        .machines
        .get(&arn)
        .ok_or_else(|| resource_not_found(given))?;
    let tags: Vec<Value> = machine
        .tags
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    Ok(json!({ "tags": tags }))
}
