//! IAM's state and behaviour: roles with their trust policy, inline and attached policies, and
//! customer managed policies. IAM is global (no region) and is stored, not enforced.

use std::collections::BTreeMap;
use std::time::SystemTime;

use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::error::{AwsError, AwsResult};
use crate::request::ACCOUNT_ID;
use crate::services::store::Journaled;

/// Most managed policies one role may have attached (AWS's default quota).
pub const MAX_ATTACHED_POLICIES: usize = 10;

/// Most bytes of inline policies one role may hold, all documents together (AWS's quota).
pub const MAX_INLINE_POLICY_BYTES: usize = 10_240;

/// Most tags one role or policy may carry.
pub const MAX_TAGS: usize = 50;

/// One IAM role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// The path (`/` or `/a/b/`).
    pub path: String,
    /// The name, unique in the account (case-insensitively, as on AWS).
    pub name: String,
    /// The stable id (`AROA…`).
    pub id: String,
    /// `arn:aws:iam::<account>:role<path><name>`.
    pub arn: String,
    /// When it was created.
    pub created: SystemTime,
    /// The trust policy, exactly as the client sent it (decoded from the form).
    pub assume_role_policy_document: String,
    /// The description.
    pub description: Option<String>,
    /// The longest session AssumeRole may grant, in seconds.
    pub max_session_duration: i64,
    /// Tags, in the order they were added.
    pub tags: Vec<Tag>,
    /// Inline policies by name: their documents, exactly as sent.
    pub inline_policies: BTreeMap<String, String>,
    /// The ARNs of the managed policies attached, in attachment order.
    pub attached_policies: Vec<String>,
}

/// A customer managed policy (one version, `v1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    /// The name.
    pub name: String,
    /// The stable id (`ANPA…`).
    pub id: String,
    /// `arn:aws:iam::<account>:policy<path><name>`.
    pub arn: String,
    /// The path.
    pub path: String,
    /// The description.
    pub description: Option<String>,
    /// The document, exactly as sent.
    pub document: String,
    /// When it was created (and last updated: it has one version).
    pub created: SystemTime,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// The version id of a managed policy's only version.
pub const DEFAULT_VERSION_ID: &str = "v1";

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// A journaled change: the whole new entity, or its removal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Change {
    /// A role created or changed.
    PutRole(Role),
    /// A role deleted (by name).
    DeleteRole(String),
    /// A managed policy created or changed.
    PutPolicy(ManagedPolicy),
    /// A managed policy deleted (by ARN).
    DeletePolicy(String),
}

/// Every role and managed policy of the account.
#[derive(Debug, Default)]
pub struct State {
    roles: BTreeMap<String, Role>,
    policies: BTreeMap<String, ManagedPolicy>,
}

impl Journaled for State {
    type Change = Change;

    fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::PutRole(role) => {
                self.roles.insert(role.name.to_lowercase(), role);
            }
            Change::DeleteRole(name) => {
                self.roles.remove(&name.to_lowercase());
            }
            Change::PutPolicy(policy) => {
                self.policies.insert(policy.arn.clone(), policy);
            }
            Change::DeletePolicy(arn) => {
                self.policies.remove(&arn);
            }
        }
        Ok(())
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Change)) {
        self.roles
            .values()
            .for_each(|r| emit(Change::PutRole(r.clone())));
        self.policies
            .values()
            .for_each(|p| emit(Change::PutPolicy(p.clone())));
    }
}

impl State {
    /// A role by name, or `NoSuchEntity`.
    pub fn role(&self, name: &str) -> AwsResult<&Role> {
        self.roles
            .get(&name.to_lowercase())
            .ok_or_else(|| no_such_entity(format!("The role with name {name} cannot be found.")))
    }

    /// A role by name or ARN.
    pub fn find_role(&self, name_or_arn: &str) -> Option<&Role> {
        match name_or_arn.strip_prefix("arn:") {
            Some(_) => self.roles.values().find(|r| r.arn == name_or_arn),
            None => self.roles.get(&name_or_arn.to_lowercase()),
        }
    }

    /// Roles whose path starts with `path_prefix`, by name.
    pub fn roles(&self, path_prefix: &str) -> Vec<&Role> {
        self.roles
            .values()
            .filter(|r| r.path.starts_with(path_prefix))
            .collect()
    }

    /// The role CreateRole makes, or why it cannot be created.
    pub fn create_role(&self, new: NewRole) -> AwsResult<Role> {
        if self.roles.contains_key(&new.name.to_lowercase()) {
            return Err(already_exists(format!(
                "Role with name {} already exists.",
                new.name
            )));
        }
        check_policy_document(&new.assume_role_policy_document)?;
        check_tag_count(new.tags.len())?;
        Ok(Role {
            arn: format!("arn:aws:iam::{ACCOUNT_ID}:role{}{}", new.path, new.name),
            id: new_id("AROA"),
            created: SystemTime::now(),
            path: new.path,
            name: new.name,
            assume_role_policy_document: new.assume_role_policy_document,
            description: new.description,
            max_session_duration: new.max_session_duration.unwrap_or(3600),
            tags: new.tags,
            inline_policies: BTreeMap::new(),
            attached_policies: Vec::new(),
        })
    }

    /// The change that deletes a role: it must have no policies left.
    pub fn delete_role(&self, name: &str) -> AwsResult<Change> {
        let role = self.role(name)?;
        if !role.inline_policies.is_empty() {
            return Err(delete_conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !role.attached_policies.is_empty() {
            return Err(delete_conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        Ok(Change::DeleteRole(role.name.clone()))
    }

    /// The change that edits a role in place (`edit` may refuse).
    pub fn update_role(
        &self,
        name: &str,
        edit: impl FnOnce(&mut Role) -> AwsResult<()>,
    ) -> AwsResult<Change> {
        let mut role = self.role(name)?.clone();
        edit(&mut role)?;
        Ok(Change::PutRole(role))
    }

    /// The change that attaches a managed policy (customer managed, or any AWS managed ARN).
    pub fn attach_role_policy(&self, name: &str, policy_arn: &str) -> AwsResult<Change> {
        check_policy_arn(policy_arn)?;
        if !is_aws_managed(policy_arn) && !self.policies.contains_key(policy_arn) {
            return Err(no_such_policy(policy_arn));
        }
        self.update_role(name, |role| {
            if role.attached_policies.iter().any(|a| a == policy_arn) {
                return Ok(());
            }
            if role.attached_policies.len() >= MAX_ATTACHED_POLICIES {
                return Err(limit_exceeded(format!(
                    "Cannot exceed quota for PoliciesPerRole: {MAX_ATTACHED_POLICIES}"
                )));
            }
            role.attached_policies.push(policy_arn.to_string());
            Ok(())
        })
    }

    /// The change that detaches a managed policy.
    pub fn detach_role_policy(&self, name: &str, policy_arn: &str) -> AwsResult<Change> {
        check_policy_arn(policy_arn)?;
        self.update_role(name, |role| {
            let before = role.attached_policies.len();
            role.attached_policies.retain(|a| a != policy_arn);
            if role.attached_policies.len() == before {
                return Err(no_such_entity(format!(
                    "Policy {policy_arn} was not found."
                )));
            }
            Ok(())
        })
    }

    /// The change that adds or replaces an inline policy.
    pub fn put_role_policy(&self, name: &str, policy: &str, document: &str) -> AwsResult<Change> {
        check_policy_document(document)?;
        self.update_role(name, |role| {
            role.inline_policies
                .insert(policy.to_string(), document.to_string());
            let total: usize = role.inline_policies.values().map(String::len).sum();
            if total > MAX_INLINE_POLICY_BYTES {
                return Err(limit_exceeded(format!(
                    "Maximum policy size of {MAX_INLINE_POLICY_BYTES} bytes exceeded for role {}",
                    role.name
                )));
            }
            Ok(())
        })
    }

    /// The change that removes an inline policy.
    pub fn delete_role_policy(&self, name: &str, policy: &str) -> AwsResult<Change> {
        self.update_role(name, |role| {
            role.inline_policies
                .remove(policy)
                .map(|_| ())
                .ok_or_else(|| no_such_role_policy(policy))
        })
    }

    /// An inline policy's document.
    pub fn role_policy(&self, name: &str, policy: &str) -> AwsResult<&str> {
        self.role(name)?
            .inline_policies
            .get(policy)
            .map(String::as_str)
            .ok_or_else(|| no_such_role_policy(policy))
    }

    /// A managed policy by ARN.
    pub fn policy(&self, arn: &str) -> AwsResult<&ManagedPolicy> {
        check_policy_arn(arn)?;
        self.policies.get(arn).ok_or_else(|| no_such_policy(arn))
    }

    /// Managed policies whose path starts with `path_prefix`, by ARN.
    pub fn policies(&self, path_prefix: &str) -> Vec<&ManagedPolicy> {
        self.policies
            .values()
            .filter(|p| p.path.starts_with(path_prefix))
            .collect()
    }

    /// How many roles have this managed policy attached.
    pub fn attachment_count(&self, arn: &str) -> usize {
        self.roles
            .values()
            .filter(|r| r.attached_policies.iter().any(|a| a == arn))
            .count()
    }

    /// The managed policy CreatePolicy makes, or why it cannot be created.
    pub fn create_policy(&self, new: NewPolicy) -> AwsResult<ManagedPolicy> {
        let arn = format!("arn:aws:iam::{ACCOUNT_ID}:policy{}{}", new.path, new.name);
        if self.policies.contains_key(&arn) {
            return Err(already_exists(format!(
                "A policy called {} already exists. Duplicate names are not allowed.",
                new.name
            )));
        }
        check_policy_document(&new.document)?;
        check_tag_count(new.tags.len())?;
        Ok(ManagedPolicy {
            arn,
            id: new_id("ANPA"),
            name: new.name,
            path: new.path,
            description: new.description,
            document: new.document,
            created: SystemTime::now(),
            tags: new.tags,
        })
    }

    /// The change that deletes a managed policy: it must be attached to nothing.
    pub fn delete_policy(&self, arn: &str) -> AwsResult<Change> {
        let policy = self.policy(arn)?;
        if self.attachment_count(arn) > 0 {
            return Err(delete_conflict(
                "Cannot delete a policy attached to entities.",
            ));
        }
        Ok(Change::DeletePolicy(policy.arn.clone()))
    }
}

/// What CreateRole asks for.
#[derive(Debug, Clone)]
pub struct NewRole {
    /// The path.
    pub path: String,
    /// The name.
    pub name: String,
    /// The trust policy.
    pub assume_role_policy_document: String,
    /// The description.
    pub description: Option<String>,
    /// The longest session, in seconds (default 3600).
    pub max_session_duration: Option<i64>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// What CreatePolicy asks for.
#[derive(Debug, Clone)]
pub struct NewPolicy {
    /// The path.
    pub path: String,
    /// The name.
    pub name: String,
    /// The document.
    pub document: String,
    /// The description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// Adds tags to a list, replacing the values of keys already there.
pub fn merge_tags(tags: &mut Vec<Tag>, new: Vec<Tag>) -> AwsResult<()> {
    for tag in new {
        match tags.iter_mut().find(|t| t.key == tag.key) {
            Some(old) => old.value = tag.value,
            None => tags.push(tag),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(limit_exceeded(format!(
            "The number of tags has reached the maximum limit of {MAX_TAGS}."
        )));
    }
    Ok(())
}

/// A policy document must be a JSON object, or AWS answers `MalformedPolicyDocument`.
pub fn check_policy_document(document: &str) -> AwsResult<()> {
    match serde_json::from_str::<serde_json::Value>(document) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(AwsError::new(
            "MalformedPolicyDocument",
            "Syntax errors in policy.",
        )),
        Err(_) => Err(AwsError::new(
            "MalformedPolicyDocument",
            "This policy contains invalid Json",
        )),
    }
}

/// True for AWS managed policies (`arn:aws:iam::aws:policy/…`), which every account can attach.
fn is_aws_managed(arn: &str) -> bool {
    arn.starts_with("arn:aws:iam::aws:policy/")
}

fn check_policy_arn(arn: &str) -> AwsResult<()> {
    let valid = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":policy/"))
        .is_some_and(|(account, name)| !account.is_empty() && !name.is_empty());
    if valid {
        Ok(())
    } else {
        Err(AwsError::new(
            "InvalidInput",
            format!("ARN {arn} is not valid."),
        ))
    }
}

fn check_tag_count(count: usize) -> AwsResult<()> {
    if count > MAX_TAGS {
        return Err(limit_exceeded(format!(
            "The number of tags has reached the maximum limit of {MAX_TAGS}."
        )));
    }
    Ok(())
}

/// `NoSuchEntity` (404).
pub fn no_such_entity(message: impl Into<String>) -> AwsError {
    AwsError::new("NoSuchEntity", message).with_status(StatusCode::NOT_FOUND)
}

fn no_such_policy(arn: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

fn no_such_role_policy(policy: &str) -> AwsError {
    no_such_entity(format!(
        "The role policy with name {policy} cannot be found."
    ))
}

fn already_exists(message: String) -> AwsError {
    AwsError::new("EntityAlreadyExists", message).with_status(StatusCode::CONFLICT)
}

fn delete_conflict(message: &str) -> AwsError {
    AwsError::new("DeleteConflict", message).with_status(StatusCode::CONFLICT)
}

fn limit_exceeded(message: String) -> AwsError {
    AwsError::new("LimitExceeded", message).with_status(StatusCode::CONFLICT)
}

/// A new unique id in AWS's form: a 4-letter prefix (`AROA`, `ANPA`, `ASIA`, …) and 17
/// characters of base32 (`A-Z`, `2-7`), 21 in all.
pub fn new_id(prefix: &str) -> String {
    random_base32(17, prefix)
}

/// `len` random base32 characters after `prefix`.
pub fn random_base32(len: usize, prefix: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::from(prefix);
    while out.len() < prefix.len() + len {
        for byte in uuid::Uuid::new_v4().as_bytes() {
            if out.len() == prefix.len() + len {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(byte % 32)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_role(name: &str) -> NewRole {
        NewRole {
            path: "/".into(),
            name: name.into(),
            assume_role_policy_document: "{}".into(),
            description: None,
            max_session_duration: None,
            tags: vec![],
        }
    }

    #[test]
    fn role_names_are_unique_case_insensitively() {
        let mut state = State::default();
        let role = state.create_role(new_role("Worker")).unwrap();
        state.apply(Change::PutRole(role)).unwrap();
        let err = state.create_role(new_role("worker")).unwrap_err();
        assert_eq!(err.code, "EntityAlreadyExists");
        assert_eq!(state.role("WORKER").unwrap().name, "Worker");
        let arn = state.role("Worker").unwrap().arn.clone();
        assert_eq!(arn, "arn:aws:iam::123456789012:role/Worker");
        assert_eq!(state.find_role(&arn).unwrap().name, "Worker");
    }

    #[test]
    fn ids_look_like_aws_ids() {
        let id = new_id("AROA");
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA"));
        assert!(id
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
    }
}
