//! IAM's wire protocol (awsQuery): reading each action's parameters with the model's
//! constraints, and writing its `…Result` XML. Policy documents go out URL-encoded, as AWS
//! sends them.

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::iso8601;
use crate::protocol::pagination::OffsetToken;
use crate::protocol::query::Params;
use crate::protocol::xml::XmlWriter;

use super::model::{
    merge_tags, Change, ManagedPolicy, NewPolicy, NewRole, Role, State, Tag, DEFAULT_VERSION_ID,
};
use crate::protocol::validation::{self, rule, Shown};
use crate::services::store::Store;

const ROLE_NAME: Constraint = Constraint::text(1, 64, Some(r"[\w+=,.@-]+"));
const POLICY_NAME: Constraint = Constraint::text(1, 128, Some(r"[\w+=,.@-]+"));
const ROLE_PATH: Constraint = Constraint::text(1, 512, Some(r"(/)|(/[\x21-\x7E]+/)"));
const POLICY_PATH: Constraint = Constraint::text(1, 512, Some(r"((/[A-Za-z0-9\.,\+@=_-]+)*)/"));
const DOCUMENT: Constraint = Constraint::text(1, 131_072, Some(r"[\x09\x0A\x0D\x20-\u{00FF}]+"));
const DESCRIPTION: Constraint = Constraint::text(0, 1000, None);
const ARN: Constraint = Constraint::text(20, 2048, None);
const TAG_KEY: Constraint = Constraint::text(1, 128, Some(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"));
const TAG_VALUE: Constraint = Constraint::text(0, 256, None);
const MARKER: Constraint = Constraint::text(1, 320, None);

/// Runs one action and returns the inside of its `…Result` element.
pub fn call(
    iam: &Store<State>,
    cloud: &Cloud,
    action: &str,
    p: &Params,
) -> AwsResult<Option<String>> {
    match action {
        "CreateRole" => {
            let new = NewRole {
                path: ROLE_PATH.opt(p, "Path")?.unwrap_or("/").to_string(),
                name: ROLE_NAME.req(p, "RoleName")?.to_string(),
                assume_role_policy_document: DOCUMENT
                    .req(p, "AssumeRolePolicyDocument")?
                    .to_string(),
                description: DESCRIPTION.opt(p, "Description")?.map(str::to_string),
                max_session_duration: max_session_duration(p)?,
                tags: tags(p, "Tags")?,
            };
            let role = iam.write_with(cloud, |s| {
                let role = s.create_role(new)?;
                Ok((Change::PutRole(role.clone()), role))
            })?;
            Ok(Some(role_element(&role, true)))
        }
        "GetRole" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            iam.read(|s| Ok(Some(role_element(s.role(name)?, true))))
        }
        "DeleteRole" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            iam.write(cloud, |s| s.delete_role(name))?;
            Ok(None)
        }
        "ListRoles" => {
            let prefix = ROLE_PATH.opt(p, "PathPrefix")?.unwrap_or("/");
            iam.read(|s| {
                let roles = s.roles(prefix);
                let (page, marker) = page(roles, |r| r.name.to_lowercase(), p)?;
                let mut w = XmlWriter::new();
                w.open("Roles");
                for role in page {
                    w.open("member")
                        .raw(&role_fields(role, false))
                        .close("member");
                }
                w.close("Roles");
                Ok(Some(with_marker(w, marker)))
            })
        }
        "UpdateAssumeRolePolicy" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let document = DOCUMENT.req(p, "PolicyDocument")?;
            super::model::check_policy_document(document)?;
            iam.write(cloud, |s| {
                s.update_role(name, |role| {
                    role.assume_role_policy_document = document.to_string();
                    Ok(())
                })
            })?;
            Ok(None)
        }
        "UpdateRole" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let description = DESCRIPTION.opt(p, "Description")?;
            let duration = max_session_duration(p)?;
            iam.write(cloud, |s| {
                s.update_role(name, |role| {
                    if let Some(description) = description {
                        role.description = Some(description.to_string());
                    }
                    if let Some(duration) = duration {
                        role.max_session_duration = duration;
                    }
                    Ok(())
                })
            })?;
            Ok(Some(String::new()))
        }
        "TagRole" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let new = tags(p, "Tags")?;
            iam.write(cloud, |s| {
                s.update_role(name, |role| merge_tags(&mut role.tags, new))
            })?;
            Ok(None)
        }
        "UntagRole" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let keys = p.list("TagKeys");
            iam.write(cloud, |s| {
                s.update_role(name, |role| {
                    role.tags.retain(|t| !keys.contains(&t.key.as_str()));
                    Ok(())
                })
            })?;
            Ok(None)
        }
        "ListRoleTags" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            iam.read(|s| {
                let tags: Vec<&Tag> = s.role(name)?.tags.iter().collect();
                let (page, marker) = page(tags, |t| t.key.clone(), p)?;
                let mut w = XmlWriter::new();
                write_tags(&mut w, page.into_iter());
                Ok(Some(with_marker(w, marker)))
            })
        }
        "PutRolePolicy" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let policy = POLICY_NAME.req(p, "PolicyName")?;
            let document = DOCUMENT.req(p, "PolicyDocument")?;
            iam.write(cloud, |s| s.put_role_policy(name, policy, document))?;
            Ok(None)
        }
        "GetRolePolicy" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let policy = POLICY_NAME.req(p, "PolicyName")?;
            iam.read(|s| {
                let document = s.role_policy(name, policy)?;
                let mut w = XmlWriter::new();
                w.elem("RoleName", &s.role(name)?.name)
                    .elem("PolicyName", policy)
                    .elem("PolicyDocument", &url_encode(document));
                Ok(Some(w.finish()))
            })
        }
        "DeleteRolePolicy" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let policy = POLICY_NAME.req(p, "PolicyName")?;
            iam.write(cloud, |s| s.delete_role_policy(name, policy))?;
            Ok(None)
        }
        "ListRolePolicies" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            iam.read(|s| {
                let names: Vec<&String> = s.role(name)?.inline_policies.keys().collect();
                let (page, marker) = page(names, |n| n.to_string(), p)?;
                let mut w = XmlWriter::new();
                w.open("PolicyNames");
                for name in page {
                    w.elem("member", name);
                }
                w.close("PolicyNames");
                Ok(Some(with_marker(w, marker)))
            })
        }
        "AttachRolePolicy" | "DetachRolePolicy" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let arn = ARN.req(p, "PolicyArn")?;
            iam.write(cloud, |s| match action {
                "AttachRolePolicy" => s.attach_role_policy(name, arn),
                _ => s.detach_role_policy(name, arn),
            })?;
            Ok(None)
        }
        "ListAttachedRolePolicies" => {
            let name = ROLE_NAME.req(p, "RoleName")?;
            let prefix = POLICY_PATH.opt(p, "PathPrefix")?.unwrap_or("/");
            iam.read(|s| {
                let attached: Vec<&String> = s
                    .role(name)?
                    .attached_policies
                    .iter()
                    .filter(|arn| policy_path(arn).starts_with(prefix))
                    .collect();
                let (page, marker) = page(attached, |a| a.to_string(), p)?;
                let mut w = XmlWriter::new();
                w.open("AttachedPolicies");
                for arn in page {
                    w.open("member")
                        .elem("PolicyName", policy_name(arn))
                        .elem("PolicyArn", arn)
                        .close("member");
                }
                w.close("AttachedPolicies");
                Ok(Some(with_marker(w, marker)))
            })
        }
        "CreatePolicy" => {
            let new = NewPolicy {
                path: POLICY_PATH.opt(p, "Path")?.unwrap_or("/").to_string(),
                name: POLICY_NAME.req(p, "PolicyName")?.to_string(),
                document: DOCUMENT.req(p, "PolicyDocument")?.to_string(),
                description: DESCRIPTION.opt(p, "Description")?.map(str::to_string),
                tags: tags(p, "Tags")?,
            };
            let policy = iam.write_with(cloud, |s| {
                let policy = s.create_policy(new)?;
                Ok((Change::PutPolicy(policy.clone()), policy))
            })?;
            Ok(Some(policy_element(&policy, 0)))
        }
        "GetPolicy" => {
            let arn = ARN.req(p, "PolicyArn")?;
            iam.read(|s| {
                let policy = s.policy(arn)?;
                Ok(Some(policy_element(policy, s.attachment_count(arn))))
            })
        }
        "DeletePolicy" => {
            let arn = ARN.req(p, "PolicyArn")?;
            iam.write(cloud, |s| s.delete_policy(arn))?;
            Ok(None)
        }
        "ListPolicies" => list_policies(iam, p),
        "GetPolicyVersion" => {
            let arn = ARN.req(p, "PolicyArn")?;
            let version = p.required("VersionId")?;
            iam.read(|s| {
                let policy = s.policy(arn)?;
                if version != DEFAULT_VERSION_ID {
                    return Err(super::model::no_such_entity(format!(
                        "Policy {arn} version {version} does not exist or is not attachable."
                    )));
                }
                let mut w = XmlWriter::new();
                w.open("PolicyVersion")
                    .elem("Document", &url_encode(&policy.document))
                    .elem("VersionId", DEFAULT_VERSION_ID)
                    .elem("IsDefaultVersion", "true")
                    .elem("CreateDate", &iso8601(policy.created))
                    .close("PolicyVersion");
                Ok(Some(w.finish()))
            })
        }
        other => Err(AwsError::new(
            "InvalidAction",
            format!("Could not find operation {other} for version 2010-05-08"),
        )),
    }
}

/// ListPolicies: `Scope` (All, AWS, Local) and `OnlyAttached`; the emulator lists customer
/// managed policies only (it knows no AWS managed policy's document).
fn list_policies(iam: &Store<State>, p: &Params) -> AwsResult<Option<String>> {
    let scope = p.get("Scope").unwrap_or("All");
    if !["All", "AWS", "Local"].contains(&scope) {
        return Err(validation(
            "scope",
            Shown::Value(scope),
            &rule::one_of(&["All", "AWS", "Local"]),
        ));
    }
    let only_attached = p.get("OnlyAttached") == Some("true");
    let prefix = POLICY_PATH.opt(p, "PathPrefix")?.unwrap_or("/");
    iam.read(|s| {
        let policies: Vec<(&ManagedPolicy, usize)> = s
            .policies(prefix)
            .into_iter()
            .filter(|_| scope != "AWS")
            .map(|policy| (policy, s.attachment_count(&policy.arn)))
            .filter(|(_, count)| !only_attached || *count > 0)
            .collect();
        let (page, marker) = page(policies, |(policy, _)| policy.arn.clone(), p)?;
        let mut w = XmlWriter::new();
        w.open("Policies");
        for (policy, count) in page {
            w.open("member")
                .raw(&policy_fields(policy, count, false))
                .close("member");
        }
        w.close("Policies");
        Ok(Some(with_marker(w, marker)))
    })
}

fn max_session_duration(p: &Params) -> AwsResult<Option<i64>> {
    integer(p, "MaxSessionDuration", 3600, 43_200)
}

/// An optional integer parameter within `min..=max`.
fn integer(p: &Params, member: &str, min: i64, max: i64) -> AwsResult<Option<i64>> {
    let Some(text) = p.get(member) else {
        return Ok(None);
    };
    let value: i64 = text.parse().map_err(|_| {
        validation(
            &lower_first(member),
            Shown::Value(text),
            "Member must be a number",
        )
    })?;
    if value < min {
        return Err(validation(
            &lower_first(member),
            Shown::Value(&value.to_string()),
            &rule::min_value(min),
        ));
    }
    if value > max {
        return Err(validation(
            &lower_first(member),
            Shown::Value(&value.to_string()),
            &rule::max_value(max),
        ));
    }
    Ok(Some(value))
}

/// The tags of a `Tags.member.N.Key/Value` list.
fn tags(p: &Params, member: &str) -> AwsResult<Vec<Tag>> {
    p.struct_list(member)
        .iter()
        .map(|t| {
            Ok(Tag {
                key: TAG_KEY.req(t, "Key")?.to_string(),
                value: TAG_VALUE.opt(t, "Value")?.unwrap_or_default().to_string(),
            })
        })
        .collect()
}

/// IAM's `Marker`s: opaque offsets into the sorted list.
const MARKERS: OffsetToken = OffsetToken("iam-page:");

/// One page of a list sorted by `key`: the items from `Marker` on, at most `MaxItems` (100
/// by default), and the marker of the next page when there is one.
fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    p: &Params,
) -> AwsResult<(Vec<T>, Option<String>)> {
    let max = integer(p, "MaxItems", 1, 1000)?.unwrap_or(100) as usize;
    let marker = MARKER.opt(p, "Marker")?;
    let mut items = items;
    items.sort_by_key(|i| key(i));
    MARKERS.page(items, marker, max, |_| {
        AwsError::new("ValidationError", "Invalid Marker.")
    })
}

/// Closes a list result with `IsTruncated` and `Marker`.
fn with_marker(mut w: XmlWriter, marker: Option<String>) -> String {
    w.elem(
        "IsTruncated",
        if marker.is_some() { "true" } else { "false" },
    )
    .opt_elem("Marker", marker.as_deref());
    w.finish()
}

/// `<Role>…</Role>`.
fn role_element(role: &Role, full: bool) -> String {
    let mut w = XmlWriter::new();
    w.open("Role").raw(&role_fields(role, full)).close("Role");
    w.finish()
}

/// A role's members; `full` adds what GetRole has and ListRoles has not (tags, last use).
fn role_fields(role: &Role, full: bool) -> String {
    let mut w = XmlWriter::new();
    w.elem("Path", &role.path)
        .elem("RoleName", &role.name)
        .elem("RoleId", &role.id)
        .elem("Arn", &role.arn)
        .elem("CreateDate", &iso8601(role.created))
        .elem(
            "AssumeRolePolicyDocument",
            &url_encode(&role.assume_role_policy_document),
        )
        .opt_elem("Description", role.description.as_deref())
        .elem("MaxSessionDuration", &role.max_session_duration.to_string());
    if full {
        if !role.tags.is_empty() {
            write_tags(&mut w, role.tags.iter());
        }
        w.raw("<RoleLastUsed/>");
    }
    w.finish()
}

/// `<Policy>…</Policy>`.
fn policy_element(policy: &ManagedPolicy, attachments: usize) -> String {
    let mut w = XmlWriter::new();
    w.open("Policy")
        .raw(&policy_fields(policy, attachments, true))
        .close("Policy");
    w.finish()
}

fn policy_fields(policy: &ManagedPolicy, attachments: usize, full: bool) -> String {
    let created = iso8601(policy.created);
    let mut w = XmlWriter::new();
    w.elem("PolicyName", &policy.name)
        .elem("PolicyId", &policy.id)
        .elem("Arn", &policy.arn)
        .elem("Path", &policy.path)
        .elem("DefaultVersionId", DEFAULT_VERSION_ID)
        .elem("AttachmentCount", &attachments.to_string())
        .elem("PermissionsBoundaryUsageCount", "0")
        .elem("IsAttachable", "true");
    if full {
        w.opt_elem("Description", policy.description.as_deref());
    }
    w.elem("CreateDate", &created).elem("UpdateDate", &created);
    if full && !policy.tags.is_empty() {
        write_tags(&mut w, policy.tags.iter());
    }
    w.finish()
}

fn write_tags<'a>(w: &mut XmlWriter, tags: impl Iterator<Item = &'a Tag>) {
    w.open("Tags");
    for tag in tags {
        w.open("member")
            .elem("Key", &tag.key)
            .elem("Value", &tag.value)
            .close("member");
    }
    w.close("Tags");
}

/// The name in a policy ARN (after the last `/`).
fn policy_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The path in a policy ARN (`arn:aws:iam::aws:policy/service-role/X` → `/service-role/`).
fn policy_path(arn: &str) -> &str {
    match (arn.find(":policy/"), arn.rfind('/')) {
        (Some(start), Some(end)) => &arn[start + ":policy".len()..=end],
        _ => "/",
    }
}

/// Percent-encodes a policy document as IAM does in its replies (all but RFC 3986's
/// unreserved characters).
pub fn url_encode(text: &str) -> String {
    crate::request::percent_encode(text, b"")
}

/// A string member's constraints from the service model.
struct Constraint {
    min: usize,
    max: usize,
    pattern: Option<&'static str>,
}

impl Constraint {
    const fn text(min: usize, max: usize, pattern: Option<&'static str>) -> Self {
        Constraint { min, max, pattern }
    }

    /// A required member, checked.
    fn req<'a>(&self, p: &'a Params, member: &str) -> AwsResult<&'a str> {
        let value = p.required(member)?;
        self.check(member, value)?;
        Ok(value)
    }

    /// An optional member, checked when present.
    fn opt<'a>(&self, p: &'a Params, member: &str) -> AwsResult<Option<&'a str>> {
        match p.get(member) {
            Some(value) => self.check(member, value).map(|()| Some(value)),
            None => Ok(None),
        }
    }

    fn check(&self, member: &str, value: &str) -> AwsResult<()> {
        let field = lower_first(member);
        let length = value.chars().count();
        if length < self.min {
            return Err(validation(
                &field,
                Shown::Value(value),
                &rule::min_length(self.min),
            ));
        }
        if length > self.max {
            return Err(validation(
                &field,
                Shown::Hidden,
                &rule::max_length(self.max),
            ));
        }
        if let Some(pattern) = self.pattern {
            let matches = regex::Regex::new(&format!("^(?:{pattern})$"))
                .map(|re| re.is_match(value))
                .unwrap_or(true);
            if !matches {
                return Err(validation(
                    &field,
                    Shown::Value(value),
                    &rule::pattern(pattern),
                ));
            }
        }
        Ok(())
    }
}

fn lower_first(member: &str) -> String {
    crate::protocol::json::lower_first(member)
}

/// IAM's `ValidationError` (400) for one violated constraint.
fn validation(member: &str, value: Shown<'_>, rule: &str) -> AwsError {
    AwsError::new("ValidationError", validation::message(member, value, rule))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_encoded_like_aws() {
        assert_eq!(
            url_encode(r#"{"Action": "sts:AssumeRole"}"#),
            "%7B%22Action%22%3A%20%22sts%3AAssumeRole%22%7D"
        );
    }

    #[test]
    fn policy_arns_give_name_and_path() {
        let arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
        assert_eq!(policy_name(arn), "AWSLambdaBasicExecutionRole");
        assert_eq!(policy_path(arn), "/service-role/");
        assert_eq!(policy_path("arn:aws:iam::123456789012:policy/p"), "/");
    }

    #[test]
    fn every_pattern_compiles() {
        for c in [
            ROLE_NAME,
            POLICY_NAME,
            ROLE_PATH,
            POLICY_PATH,
            DOCUMENT,
            TAG_KEY,
        ] {
            let pattern = c.pattern.unwrap();
            assert!(regex::Regex::new(pattern).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn constraints_follow_the_model() {
        let p = Params::from_pairs([("RoleName", "bad name"), ("Path", "/ok/")]);
        let err = ROLE_NAME.req(&p, "RoleName").unwrap_err();
        assert_eq!(err.code, "ValidationError");
        assert!(err.message.contains("'roleName'"), "{}", err.message);
        assert_eq!(ROLE_PATH.opt(&p, "Path").unwrap(), Some("/ok/"));
        let bad_path = Params::from_pairs([("Path", "nope")]);
        assert!(ROLE_PATH.opt(&bad_path, "Path").is_err());
    }
}
