//! Adopting kept resources into a new stack: CloudFormation imports them with a template that
//! holds only them (an import may not create anything else, nor add outputs), then a normal
//! change set adds the rest. This module cuts the template down and plans the rest.

use serde_yaml::{Mapping, Value};

use crate::aws::stack::{PlannedChange, ResourceImport};
use crate::error::{CliError, CliResult};

/// The template with only the resources to import (their DeletionPolicy kept) and no
/// outputs; the other sections stay as they are.
pub fn import_template(template: &str, imports: &[ResourceImport]) -> CliResult<String> {
    let mut document = parse(template)?;
    let root = document
        .as_mapping_mut()
        .ok_or_else(|| unreadable("it is not a mapping"))?;
    root.remove("Outputs");
    let resources = root
        .get_mut("Resources")
        .and_then(Value::as_mapping_mut)
        .ok_or_else(|| unreadable("it has no Resources"))?;
    let mut kept = Mapping::new();
    for import in imports {
        let resource = resources
            .get(import.logical_id.as_str())
            .ok_or_else(|| unreadable(&format!("it has no resource {}", import.logical_id)))?;
        if resource.get("DeletionPolicy").is_none() {
            return Err(unreadable(&format!(
                "{} has no DeletionPolicy, which an import needs",
                import.logical_id
            )));
        }
        kept.insert(Value::from(import.logical_id.as_str()), resource.clone());
    }
    *resources = kept;
    serde_yaml::to_string(&document).map_err(|e| unreadable(&e.to_string()))
}

/// The resources of the template that the import leaves out, as the `Add` rows of the plan,
/// in template order.
pub fn rest(template: &str, imports: &[ResourceImport]) -> CliResult<Vec<PlannedChange>> {
    let document = parse(template)?;
    let resources = document
        .get("Resources")
        .and_then(Value::as_mapping)
        .ok_or_else(|| unreadable("it has no Resources"))?;
    Ok(resources
        .iter()
        .filter_map(|(id, resource)| {
            let id = id.as_str()?;
            (!imports.iter().any(|i| i.logical_id == id)).then(|| PlannedChange {
                action: "Add".into(),
                logical_id: id.to_string(),
                resource_type: resource
                    .get("Type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                replacement: None,
                properties: Vec::new(),
            })
        })
        .collect())
}

fn parse(template: &str) -> CliResult<Value> {
    // YAML is a superset of JSON, and short-form tags (`!Ref`) read as tagged values.
    serde_yaml::from_str(template).map_err(|e| unreadable(&e.to_string()))
}

fn unreadable(why: &str) -> CliError {
    CliError::Failed(format!(
        "cannot make the import template from the rendered template: {why}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Retain\n    Properties:\n      TableName: t\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Arn: !GetAtt Table.Arn\nOutputs:\n  Name:\n    Value: !Ref Table\n";

    fn table() -> ResourceImport {
        ResourceImport {
            logical_id: "Table".into(),
            resource_type: "AWS::DynamoDB::Table".into(),
            identifier: "TableName",
            name: "t".into(),
        }
    }

    #[test]
    fn the_import_template_holds_only_the_imported_resources_and_no_outputs() {
        let reduced: Value =
            serde_yaml::from_str(&import_template(TEMPLATE, &[table()]).unwrap()).unwrap();
        let resources = reduced["Resources"].as_mapping().unwrap();
        assert_eq!(resources.len(), 1);
        assert_eq!(reduced["Resources"]["Table"]["DeletionPolicy"], "Retain");
        assert!(reduced.get("Outputs").is_none());
    }

    #[test]
    fn the_rest_is_added_in_template_order() {
        let rows = rest(TEMPLATE, &[table()]).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].action.as_str(), rows[0].logical_id.as_str()),
            ("Add", "Role")
        );
        assert_eq!(rows[0].resource_type, "AWS::IAM::Role");
    }

    #[test]
    fn a_resource_without_deletion_policy_cannot_be_imported() {
        let template = TEMPLATE.replace("    DeletionPolicy: Retain\n", "");
        let err = import_template(&template, &[table()]).unwrap_err();
        assert!(
            err.to_string().contains("Table has no DeletionPolicy"),
            "{err}"
        );
    }
}
