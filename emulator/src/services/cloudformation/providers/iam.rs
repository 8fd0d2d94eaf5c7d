//! `AWS::IAM::Role` (with inline `Policies` and `ManagedPolicyArns`; `Ref` is the role's name,
//! `Arn` and `RoleId` attributes) and `AWS::IAM::Policy` (an inline policy put on each of its
//! `Roles`).

use serde_json::{Map, Value};

use super::{
    document, service_failure, text, undone_on_failure, Context, Provided, ProviderResult,
};
use crate::protocol::query::Params;

const SERVICE: &str = "Iam";

/// CreateRole, then its inline and managed policies.
pub fn create_role(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<Provided> {
    let Some(trust) = properties.get("AssumeRolePolicyDocument") else {
        return Err(cx.missing("AssumeRolePolicyDocument"));
    };
    let name = match text(properties, "RoleName") {
        Some(name) => name.to_string(),
        None => cx.generated_name(64),
    };
    let trust = document(trust);
    let duration = properties.get("MaxSessionDuration").map(scalar);
    let mut pairs = vec![
        ("RoleName", name.as_str()),
        ("AssumeRolePolicyDocument", trust.as_str()),
    ];
    if let Some(path) = text(properties, "Path") {
        pairs.push(("Path", path));
    }
    if let Some(description) = text(properties, "Description") {
        pairs.push(("Description", description));
    }
    if let Some(duration) = &duration {
        pairs.push(("MaxSessionDuration", duration));
    }
    let tags = tag_pairs(properties);
    for (key, value) in &tags {
        pairs.push((key.as_str(), value.as_str()));
    }
    call(cx, "CreateRole", &pairs)?;
    let attach = sync_policies(cx, &name, &Map::new(), properties);
    undone_on_failure(attach, || delete_role(cx, &name))?;
    role_provided(cx, &name)
}

/// Updates a role in place: trust policy, description, session duration, policies.
pub fn update_role(
    cx: &Context<'_>,
    current: &Provided,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    let name = current.physical_id.as_str();
    if let Some(trust) = new.get("AssumeRolePolicyDocument") {
        let trust = document(trust);
        call(
            cx,
            "UpdateAssumeRolePolicy",
            &[("RoleName", name), ("PolicyDocument", &trust)],
        )?;
    }
    let duration = new.get("MaxSessionDuration").map(scalar);
    let mut pairs = vec![
        ("RoleName", name),
        ("Description", text(new, "Description").unwrap_or("")),
    ];
    if let Some(duration) = &duration {
        pairs.push(("MaxSessionDuration", duration));
    }
    call(cx, "UpdateRole", &pairs)?;
    sync_policies(cx, name, old, new)?;
    role_provided(cx, name)
}

/// Removes the role's policies, then DeleteRole.
pub fn delete_role(cx: &Context<'_>, name: &str) -> ProviderResult<()> {
    let Some(role) = cx.cloud.iam.role(name) else {
        return Ok(());
    };
    for policy in role.inline_policies.keys() {
        call(
            cx,
            "DeleteRolePolicy",
            &[("RoleName", name), ("PolicyName", policy)],
        )?;
    }
    for arn in &role.attached_policies {
        call(
            cx,
            "DetachRolePolicy",
            &[("RoleName", name), ("PolicyArn", arn)],
        )?;
    }
    call(cx, "DeleteRole", &[("RoleName", name)])
}

/// PutRolePolicy on each role of `Roles`.
pub fn create_policy(
    cx: &Context<'_>,
    properties: &Map<String, Value>,
) -> ProviderResult<Provided> {
    for key in ["PolicyName", "PolicyDocument"] {
        if !properties.contains_key(key) {
            return Err(cx.missing(key));
        }
    }
    put_policy(cx, properties)?;
    Ok(Provided {
        physical_id: format!(
            "{}-{}",
            &cx.stack_name[..cx.stack_name.len().min(20)],
            super::random_suffix(12)
        ),
        attributes: Default::default(),
    })
}

/// The policy removed from the roles it left, and put on the others.
pub fn update_policy(
    cx: &Context<'_>,
    current: &Provided,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> ProviderResult<Provided> {
    delete_policy(cx, &current.physical_id, old)?;
    put_policy(cx, new)?;
    Ok(current.clone())
}

/// DeleteRolePolicy on each role of `Roles`.
pub fn delete_policy(
    cx: &Context<'_>,
    _physical_id: &str,
    properties: &Map<String, Value>,
) -> ProviderResult<()> {
    let name = text(properties, "PolicyName").unwrap_or_default();
    for role in strings(properties, "Roles") {
        match call(
            cx,
            "DeleteRolePolicy",
            &[("RoleName", &role), ("PolicyName", name)],
        ) {
            Ok(()) => {}
            Err(_)
                if cx
                    .cloud
                    .iam
                    .role(&role)
                    .is_none_or(|r| !r.inline_policies.contains_key(name)) => {}
            Err(failure) => return Err(failure),
        }
    }
    Ok(())
}

fn put_policy(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<()> {
    let name = text(properties, "PolicyName").unwrap_or_default();
    let doc = properties
        .get("PolicyDocument")
        .map(document)
        .unwrap_or_default();
    for role in strings(properties, "Roles") {
        call(
            cx,
            "PutRolePolicy",
            &[
                ("RoleName", &role),
                ("PolicyName", name),
                ("PolicyDocument", &doc),
            ],
        )?;
    }
    Ok(())
}

/// Puts the inline policies of `new` (removing those only in `old`) and attaches its managed
/// policies (detaching those only in `old`).
fn sync_policies(
    cx: &Context<'_>,
    role: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> ProviderResult<()> {
    let inline = |props: &Map<String, Value>| -> Vec<(String, String)> {
        props
            .get("Policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some((
                    p.get("PolicyName")?.as_str()?.to_string(),
                    document(p.get("PolicyDocument")?),
                ))
            })
            .collect()
    };
    let wanted = inline(new);
    for (name, _) in inline(old) {
        if !wanted.iter().any(|(n, _)| *n == name) {
            call(
                cx,
                "DeleteRolePolicy",
                &[("RoleName", role), ("PolicyName", &name)],
            )?;
        }
    }
    for (name, doc) in &wanted {
        call(
            cx,
            "PutRolePolicy",
            &[
                ("RoleName", role),
                ("PolicyName", name),
                ("PolicyDocument", doc),
            ],
        )?;
    }
    let managed = strings(new, "ManagedPolicyArns");
    for arn in strings(old, "ManagedPolicyArns") {
        if !managed.contains(&arn) {
            call(
                cx,
                "DetachRolePolicy",
                &[("RoleName", role), ("PolicyArn", &arn)],
            )?;
        }
    }
    for arn in &managed {
        call(
            cx,
            "AttachRolePolicy",
            &[("RoleName", role), ("PolicyArn", arn)],
        )?;
    }
    Ok(())
}

fn role_provided(cx: &Context<'_>, name: &str) -> ProviderResult<Provided> {
    let role = cx
        .cloud
        .iam
        .role(name)
        .ok_or_else(|| format!("Role {name} disappeared while it was being created"))?;
    Ok(Provided {
        physical_id: role.name.clone(),
        attributes: [
            ("Arn".to_string(), Value::String(role.arn.clone())),
            ("RoleId".to_string(), Value::String(role.id.clone())),
        ]
        .into(),
    })
}

/// `Tags.member.N.Key` / `.Value` pairs.
fn tag_pairs(properties: &Map<String, Value>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let tags = properties
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (n, tag) in tags.enumerate() {
        for field in ["Key", "Value"] {
            if let Some(value) = tag.get(field) {
                pairs.push((format!("Tags.member.{}.{field}", n + 1), scalar(value)));
            }
        }
    }
    pairs
}

fn strings(properties: &Map<String, Value>, key: &str) -> Vec<String> {
    properties
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(scalar)
        .collect()
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn call(cx: &Context<'_>, action: &str, pairs: &[(&str, &str)]) -> ProviderResult<()> {
    let params = Params::from_pairs(pairs.iter().copied());
    cx.cloud
        .iam
        .call(cx.cloud, action, &params)
        .map(|_| ())
        .map_err(|e| service_failure(SERVICE, &e))
}
