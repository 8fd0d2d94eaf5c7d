//! What GetTemplateSummary and ValidateTemplate report about a template: its parameters,
//! resource types, and the capabilities it requires (with AWS's `CapabilitiesReason`).

use serde_json::Value;

use super::declarations::{Parameter, Template};
use super::error::{Result, TemplateError};

/// `CAPABILITY_IAM`.
pub const CAPABILITY_IAM: &str = "CAPABILITY_IAM";
/// `CAPABILITY_NAMED_IAM`.
pub const CAPABILITY_NAMED_IAM: &str = "CAPABILITY_NAMED_IAM";
/// `CAPABILITY_AUTO_EXPAND`.
pub const CAPABILITY_AUTO_EXPAND: &str = "CAPABILITY_AUTO_EXPAND";

/// IAM resource types that require `CAPABILITY_IAM`, with the property that, when set, gives
/// the resource a custom name and so requires `CAPABILITY_NAMED_IAM`.
const IAM_TYPES: &[(&str, Option<&str>)] = &[
    ("AWS::IAM::AccessKey", None),
    ("AWS::IAM::Group", Some("GroupName")),
    ("AWS::IAM::GroupPolicy", None),
    ("AWS::IAM::InstanceProfile", Some("InstanceProfileName")),
    ("AWS::IAM::ManagedPolicy", Some("ManagedPolicyName")),
    ("AWS::IAM::Policy", None),
    ("AWS::IAM::Role", Some("RoleName")),
    ("AWS::IAM::RolePolicy", None),
    ("AWS::IAM::User", Some("UserName")),
    ("AWS::IAM::UserPolicy", None),
    ("AWS::IAM::UserToGroupAddition", None),
];

/// The capabilities a template requires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequiredCapabilities {
    /// `CAPABILITY_IAM` or `CAPABILITY_NAMED_IAM` (the latter implies the former), then
    /// `CAPABILITY_AUTO_EXPAND` when the template declares transforms.
    pub capabilities: Vec<String>,
    /// `The following resource(s) require capabilities: [AWS::IAM::Role]`, when IAM is required.
    pub reason: Option<String>,
}

/// The facts of GetTemplateSummary.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSummary {
    /// `Description`.
    pub description: Option<String>,
    /// `Version`: the template format version (`2010-09-09` when the template names none).
    pub version: String,
    /// The parameter declarations, in template order.
    pub parameters: Vec<Parameter>,
    /// The distinct resource types, in the order they first appear.
    pub resource_types: Vec<String>,
    /// `ResourceIdentifierSummaries`: each resource type with its logical ids.
    pub resources_by_type: Vec<(String, Vec<String>)>,
    /// `Capabilities` and `CapabilitiesReason`.
    pub required: RequiredCapabilities,
    /// `DeclaredTransforms`.
    pub declared_transforms: Vec<String>,
    /// The top-level `Metadata`.
    pub metadata: Option<Value>,
}

impl Template {
    /// The capabilities this template requires, as GetTemplateSummary reports them.
    pub fn required_capabilities(&self) -> RequiredCapabilities {
        let mut named = false;
        let mut types: Vec<&str> = Vec::new();
        for resource in &self.resources {
            let Some((_, name_property)) =
                IAM_TYPES.iter().find(|(t, _)| *t == resource.resource_type)
            else {
                continue;
            };
            if let Some(property) = name_property {
                named |= resource.properties.contains_key(*property);
            }
            if !types.contains(&resource.resource_type.as_str()) {
                types.push(&resource.resource_type);
            }
        }
        types.sort_unstable();
        let mut required = RequiredCapabilities::default();
        if !types.is_empty() {
            let iam = if named {
                CAPABILITY_NAMED_IAM
            } else {
                CAPABILITY_IAM
            };
            required.capabilities.push(iam.to_string());
            required.reason = Some(format!(
                "The following resource(s) require capabilities: [{}]",
                types.join(", ")
            ));
        }
        if !self.transforms.is_empty() {
            required
                .capabilities
                .push(CAPABILITY_AUTO_EXPAND.to_string());
        }
        required
    }

    /// Checks the capabilities acknowledged (`Capabilities` of CreateChangeSet / CreateStack)
    /// against those required: `InsufficientCapabilitiesException`,
    /// `Requires capabilities : [CAPABILITY_IAM]`, when one is missing.
    pub fn check_capabilities(&self, given: &[String]) -> Result<()> {
        let has = |c: &str| given.iter().any(|g| g == c);
        let missing: Vec<String> = self
            .required_capabilities()
            .capabilities
            .into_iter()
            .filter(|c| match c.as_str() {
                CAPABILITY_IAM => !has(CAPABILITY_IAM) && !has(CAPABILITY_NAMED_IAM),
                other => !has(other),
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(TemplateError::capabilities(&missing))
        }
    }

    /// The facts GetTemplateSummary (and, in part, ValidateTemplate) returns.
    pub fn summary(&self) -> TemplateSummary {
        let mut resources_by_type: Vec<(String, Vec<String>)> = Vec::new();
        for resource in &self.resources {
            match resources_by_type
                .iter_mut()
                .find(|(t, _)| *t == resource.resource_type)
            {
                Some((_, ids)) => ids.push(resource.logical_id.clone()),
                None => resources_by_type.push((
                    resource.resource_type.clone(),
                    vec![resource.logical_id.clone()],
                )),
            }
        }
        TemplateSummary {
            description: self.description.clone(),
            version: self
                .format_version
                .clone()
                .unwrap_or_else(|| "2010-09-09".to_string()),
            parameters: self.parameters.clone(),
            resource_types: resources_by_type.iter().map(|(t, _)| t.clone()).collect(),
            resources_by_type,
            required: self.required_capabilities(),
            declared_transforms: self.transforms.clone(),
            metadata: self.metadata.clone(),
        }
    }
}
