//! Resources an earlier `deployer down` kept (removal policy `retain`) that a new stack of the
//! same suffix would collide with: found before anything is created, and checked, so that the
//! new stack adopts them (an IMPORT change set) or, where that cannot work, the clash is a clear
//! stop (exit 2) instead of a rollback.

use aws_sdk_dynamodb::types::{AttributeDefinition, KeySchemaElement, KeyType};

use super::stack::ResourceImport;
use super::{error_code, error_message, Aws};
use crate::error::CliResult;

/// A kept resource: what it is, how the new stack adopts it, what stands in the way (if
/// anything), and the command that deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// What it is, e.g. `the DynamoDB table sfn-resume-orders`.
    pub what: String,
    /// The import that adopts it into the new stack.
    pub import: ResourceImport,
    /// Why it cannot be adopted, when it cannot.
    pub obstacle: Option<Obstacle>,
    /// The AWS CLI command that deletes it.
    pub delete_command: String,
}

/// Why a kept resource cannot be adopted, and what clears the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obstacle {
    /// Why, e.g. `its key is orderId (S, HASH), not …`.
    pub why: String,
    /// The fix: a command, or what to change.
    pub fix: String,
}

/// The kept table (keyed by `key`, a string) and log group of a resumer, where they exist,
/// each checked for adoption: the table's key must be what the template declares, and neither
/// may belong to a stack.
pub async fn find(aws: &Aws, table: &str, key: &str, log_group: &str) -> CliResult<Vec<Leftover>> {
    let mut found = Vec::new();
    match aws
        .dynamodb()
        .describe_table()
        .table_name(table)
        .send()
        .await
    {
        Ok(out) => {
            let delete_command = format!("aws dynamodb delete-table --table-name {table}");
            let obstacle = out
                .table()
                .and_then(|t| key_problem(t.key_schema(), t.attribute_definitions(), key))
                .map(|why| Obstacle {
                    why,
                    fix: format!(
                        "{delete_command}   (its items go with it; or keep it and deploy under \
                         another --name-suffix)"
                    ),
                });
            found.push(Leftover {
                what: format!("the DynamoDB table {table}"),
                import: ResourceImport {
                    logical_id: "Table".into(),
                    resource_type: "AWS::DynamoDB::Table".into(),
                    identifier: "TableName",
                    name: table.to_string(),
                },
                obstacle,
                delete_command,
            });
        }
        Err(err) if error_code(&err) == Some("ResourceNotFoundException") => {}
        Err(err) => return Err(aws.error("DynamoDB DescribeTable", err)),
    }
    let groups = aws
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(log_group)
        .send()
        .await
        .map_err(|e| aws.error("CloudWatch Logs DescribeLogGroups", e))?;
    if groups
        .log_groups()
        .iter()
        .any(|g| g.log_group_name() == Some(log_group))
    {
        found.push(Leftover {
            what: format!("the log group {log_group}"),
            import: ResourceImport {
                logical_id: "LogGroup".into(),
                resource_type: "AWS::Logs::LogGroup".into(),
                identifier: "LogGroupName",
                name: log_group.to_string(),
            },
            obstacle: None,
            delete_command: format!("aws logs delete-log-group --log-group-name {log_group}"),
        });
    }
    for leftover in &mut found {
        if let Some(owner) = owner(aws, &leftover.import).await? {
            leftover.obstacle = Some(Obstacle {
                why: format!("it belongs to the stack {owner}"),
                fix: format!(
                    "take {} out of the stack {owner} (give it DeletionPolicy Retain, then \
                     remove it from that stack's template), or deploy under another \
                     --name-suffix",
                    leftover.what
                ),
            });
        }
    }
    Ok(found)
}

/// Why a table keyed otherwise than by the string partition key `key` alone cannot serve.
fn key_problem(
    schema: &[KeySchemaElement],
    attributes: &[AttributeDefinition],
    key: &str,
) -> Option<String> {
    let keyed = matches!(schema, [only] if only.attribute_name() == key && *only.key_type() == KeyType::Hash);
    let string = attributes
        .iter()
        .any(|a| a.attribute_name() == key && a.attribute_type().as_str() == "S");
    if keyed && string {
        return None;
    }
    let shown: Vec<String> = schema
        .iter()
        .map(|k| {
            let kind = attributes
                .iter()
                .find(|a| a.attribute_name() == k.attribute_name())
                .map_or("?", |a| a.attribute_type().as_str());
            format!("{} ({kind}, {})", k.attribute_name(), k.key_type().as_str())
        })
        .collect();
    Some(format!(
        "its key is {}, not the partition key {key} (S) the resumer's template declares",
        shown.join(" + ")
    ))
}

/// The stack that holds this resource, if one does (DescribeStackResources by physical id; a
/// deleted stack's kept resources are no one's).
async fn owner(aws: &Aws, import: &ResourceImport) -> CliResult<Option<String>> {
    match aws
        .cloudformation()
        .describe_stack_resources()
        .physical_resource_id(&import.name)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .stack_resources()
            .iter()
            .find(|r| {
                r.physical_resource_id() == Some(import.name.as_str())
                    && r.resource_type() == Some(import.resource_type.as_str())
                    && !r
                        .resource_status()
                        .is_some_and(|s| s.as_str().starts_with("DELETE_"))
            })
            .and_then(|r| r.stack_name())
            .map(str::to_string)),
        Err(err) if error_message(&err).is_some_and(|m| m.contains("does not exist")) => Ok(None),
        Err(err) => Err(aws.error("DescribeStackResources", err)),
    }
}
