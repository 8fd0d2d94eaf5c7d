//! The workflow role's grant: an inline policy that lets the pause task write its token.

use serde_json::json;

use super::{error_code, Aws};
use crate::error::{CliError, CliResult};

/// The role name of a role given by name or ARN (`arn:aws:iam::1:role/path/name` → `name`).
pub fn role_name(role: &str) -> CliResult<String> {
    let name = match role.strip_prefix("arn:") {
        Some(_) => match role.split_once(":role/") {
            Some((_, path)) => path.rsplit('/').next().unwrap_or_default(),
            None => "",
        },
        None => role,
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if valid {
        Ok(name.to_string())
    } else {
        Err(CliError::usage(format!(
            "--workflow-role '{role}' is not an IAM role name or role ARN (e.g. MyWorkflowRole or \
             arn:aws:iam::123456789012:role/MyWorkflowRole)"
        )))
    }
}

/// Checks that the role exists, before anything is created.
pub async fn require_role(aws: &Aws, role: &str) -> CliResult {
    match aws.iam().get_role().role_name(role).send().await {
        Ok(_) => Ok(()),
        Err(err) if error_code(&err) == Some("NoSuchEntity") => Err(CliError::usage(format!(
            "--workflow-role: there is no IAM role named '{role}' in this account; give the \
             role your workflow runs as"
        ))),
        Err(err) => Err(aws.error("IAM GetRole", err)),
    }
}

/// The name of the inline policy a resumer's grant is stored under.
pub fn policy_name(stack: &str) -> String {
    format!("{stack}-pause-task")
}

/// The grant the pause task needs (partials/pause_task.tera): write its token, read and
/// consume a marker or a dead token on this table, and probe another pause's token.
pub fn pause_policy(table_arn: &str) -> serde_json::Value {
    json!({
        "Version": "2012-10-17",
        "Statement": crate::snippets::grant_statements(json!(table_arn)),
    })
}

/// Puts the inline policy of [`pause_policy`] on the workflow role.
pub async fn grant_pause(aws: &Aws, role: &str, stack: &str, table_arn: &str) -> CliResult {
    let document = pause_policy(table_arn);
    aws.iam()
        .put_role_policy()
        .role_name(role)
        .policy_name(policy_name(stack))
        .policy_document(document.to_string())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws.error("IAM PutRolePolicy", e))
}

/// Removes the grant; a grant or role already gone is fine.
pub async fn revoke(aws: &Aws, role: &str, stack: &str) -> CliResult<bool> {
    match aws
        .iam()
        .delete_role_policy()
        .role_name(role)
        .policy_name(policy_name(stack))
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(err) if error_code(&err) == Some("NoSuchEntity") => Ok(false),
        Err(err) => Err(aws.error("IAM DeleteRolePolicy", err)),
    }
}

#[cfg(test)]
mod tests {
    use super::role_name;

    #[test]
    fn roles_by_name_or_arn() {
        assert_eq!(role_name("Workflow").unwrap(), "Workflow");
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/service/Workflow").unwrap(),
            "Workflow"
        );
        assert!(role_name("arn:aws:iam::123456789012:user/bob").is_err());
        assert!(role_name("bad role").is_err());
    }
}
