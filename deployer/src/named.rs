//! Replacements CloudFormation cannot carry out: a resource whose template gives it a name
//! (TableName, LogGroupName, …) cannot be replaced, since the new one would need the name the old
//! one still holds. The plan warns before asking instead of letting the update roll back.

use serde_yaml::Value;

use crate::aws::stack::PlannedChange;

/// The property that names a resource of each type deployer's templates use.
const NAME_PROPERTIES: &[(&str, &str)] = &[
    ("AWS::DynamoDB::Table", "TableName"),
    ("AWS::Logs::LogGroup", "LogGroupName"),
    ("AWS::StepFunctions::StateMachine", "StateMachineName"),
    ("AWS::IAM::Role", "RoleName"),
    ("AWS::Lambda::Function", "FunctionName"),
    ("AWS::S3::Bucket", "BucketName"),
    ("AWS::Events::Rule", "Name"),
];

/// One warning per planned replacement of a resource the template names.
pub fn replacement_warnings(template: &str, changes: &[PlannedChange]) -> Vec<String> {
    // YAML is a superset of JSON, and short-form tags (`!Ref`) read as tagged values.
    let Ok(template) = serde_yaml::from_str::<Value>(template) else {
        return Vec::new();
    };
    changes
        .iter()
        .filter(|c| c.action == "Modify" && c.replacement.as_deref() == Some("True"))
        .filter_map(|c| {
            let (_, property) = NAME_PROPERTIES
                .iter()
                .find(|(kind, _)| *kind == c.resource_type)?;
            template
                .get("Resources")?
                .get(c.logical_id.as_str())?
                .get("Properties")?
                .get(*property)?;
            Some(format!(
                "{} ({}) would be replaced, but its {property} is fixed by the template: \
                 CloudFormation cannot create the new one while the old one holds the name, so \
                 the update would fail and roll back (changing: {}). Deploy the change under a \
                 new name suffix instead, or delete the stack first (`deployer down`)",
                c.logical_id,
                c.resource_type,
                if c.properties.is_empty() {
                    "unknown properties".to_string()
                } else {
                    c.properties.join(", ")
                }
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::replacement_warnings;
    use crate::aws::stack::PlannedChange;

    fn change(logical_id: &str, kind: &str, replacement: &str) -> PlannedChange {
        PlannedChange {
            action: "Modify".into(),
            logical_id: logical_id.into(),
            resource_type: kind.into(),
            replacement: Some(replacement.into()),
            properties: vec!["KeySchema".into()],
        }
    }

    const TEMPLATE: &str = "Resources:\n  Named:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: t\n  Anonymous:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n";

    #[test]
    fn only_named_resources_that_are_replaced_are_warned_about() {
        let changes = [
            change("Named", "AWS::DynamoDB::Table", "True"),
            change("Anonymous", "AWS::DynamoDB::Table", "True"),
        ];
        let warnings = replacement_warnings(TEMPLATE, &changes);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0]
            .starts_with("Named (AWS::DynamoDB::Table) would be replaced, but its TableName"));
        assert!(warnings[0].contains("KeySchema"));
        let in_place = [change("Named", "AWS::DynamoDB::Table", "False")];
        assert!(replacement_warnings(TEMPLATE, &in_place).is_empty());
    }
}
