//! The declarations of a template, as [`super::validate`] reads them from the parsed body.

use serde_json::{Map, Value};

/// A parsed and validated template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The whole template as a JSON object (short-form YAML tags already in their long forms).
    pub body: Map<String, Value>,
    /// `AWSTemplateFormatVersion`, when given.
    pub format_version: Option<String>,
    /// `Description`, when given.
    pub description: Option<String>,
    /// The top-level `Metadata`, when given.
    pub metadata: Option<Value>,
    /// The macros named in `Transform` (a string or a list).
    pub transforms: Vec<String>,
    /// `Parameters`, in template order.
    pub parameters: Vec<Parameter>,
    /// `Mappings`: map name → top-level key → second-level key → value.
    pub mappings: Map<String, Value>,
    /// `Conditions`: condition name → condition expression.
    pub conditions: Map<String, Value>,
    /// `Resources`, in template order.
    pub resources: Vec<Resource>,
    /// `Outputs`, in template order.
    pub outputs: Vec<Output>,
}

impl Template {
    /// The resource with this logical id.
    pub fn resource(&self, logical_id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }

    /// The parameter with this name.
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

/// One entry of `Resources`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The logical id (the key in `Resources`).
    pub logical_id: String,
    /// `Type`, e.g. `AWS::S3::Bucket`.
    pub resource_type: String,
    /// `Properties`, unevaluated (empty when absent).
    pub properties: Map<String, Value>,
    /// `DependsOn`, as a list.
    pub depends_on: Vec<String>,
    /// `Condition`: the condition that decides whether the resource is created.
    pub condition: Option<String>,
    /// `DeletionPolicy` when it is a plain string (`Delete`, `Retain`, `Snapshot`, …).
    pub deletion_policy: Option<String>,
    /// `UpdateReplacePolicy` when it is a plain string.
    pub update_replace_policy: Option<String>,
    /// The whole declaration, for the fields this struct does not name (`Metadata`,
    /// `UpdatePolicy`, `CreationPolicy`, …).
    pub definition: Map<String, Value>,
}

/// What kind of value a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterKind {
    /// `String` and the AWS-specific and SSM types holding one value.
    String,
    /// `Number`: a string that must parse as a number.
    Number,
    /// `List<Number>`: comma-separated numbers.
    NumberList,
    /// `CommaDelimitedList`, `List<AWS::…>` and SSM list types: comma-separated strings.
    StringList,
}

impl ParameterKind {
    /// True when `Ref` gives a list rather than a string.
    pub fn is_list(self) -> bool {
        matches!(self, ParameterKind::NumberList | ParameterKind::StringList)
    }
}

/// One entry of `Parameters`.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The parameter's name.
    pub name: String,
    /// `Type` as written (`String`, `AWS::EC2::VPC::Id`, `AWS::SSM::Parameter::Value<String>`…).
    pub type_name: String,
    /// The kind of value `Type` means.
    pub kind: ParameterKind,
    /// `Default`, as a string (numbers and lists in the template are written out).
    pub default: Option<String>,
    /// `NoEcho`.
    pub no_echo: bool,
    /// `Description`.
    pub description: Option<String>,
    /// `AllowedValues`.
    pub allowed_values: Option<Vec<String>>,
    /// `AllowedPattern` (matched against the whole value).
    pub allowed_pattern: Option<String>,
    /// `MinLength`.
    pub min_length: Option<f64>,
    /// `MaxLength`.
    pub max_length: Option<f64>,
    /// `MinValue`.
    pub min_value: Option<f64>,
    /// `MaxValue`.
    pub max_value: Option<f64>,
    /// `ConstraintDescription`: replaces the constraint messages when given.
    pub constraint_description: Option<String>,
}

/// One entry of `Outputs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The output's key.
    pub name: String,
    /// `Value`, unevaluated.
    pub value: Value,
    /// `Description`, unevaluated.
    pub description: Option<Value>,
    /// `Condition`: the output exists only when it holds.
    pub condition: Option<String>,
    /// `Export.Name`, unevaluated.
    pub export_name: Option<Value>,
}
