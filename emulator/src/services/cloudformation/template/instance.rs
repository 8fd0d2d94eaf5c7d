//! A template instantiated for one stack: parameters resolved, conditions evaluated, the
//! resources that exist under those conditions and their dependency graph. The stack engine
//! resolves each resource's properties from it once the resources it depends on exist.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::conditions;
use super::declarations::{Output, Template};
use super::error::{Result, TemplateError};
use super::graph::{self, DependencyGraph};
use super::intrinsics::{Evaluator, Exports, NoExports, NoResources, ResourceValues};
use super::params::ParameterValues;
use super::pseudo::Pseudo;
use super::refs;
use super::sections::scalar_text;

/// One output's evaluated value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputValue {
    /// `OutputKey`.
    pub key: String,
    /// `OutputValue`.
    pub value: String,
    /// `Description`.
    pub description: Option<String>,
    /// `ExportName`, when the output is exported.
    pub export_name: Option<String>,
}

/// A template with its parameters, conditions and dependency graph fixed for one stack.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    template: Template,
    pseudo: Pseudo,
    parameters: ParameterValues,
    conditions: BTreeMap<String, bool>,
    graph: DependencyGraph,
}

impl Instance {
    /// Instantiates `template` for a stack: resolves the parameters `given` (name → value),
    /// evaluates the conditions, and checks that no resource or output that exists refers to
    /// one that does not (`Unresolved resource dependencies`) and that there is no cycle.
    pub fn new(
        template: Template,
        pseudo: Pseudo,
        given: &BTreeMap<String, String>,
    ) -> Result<Self> {
        let parameters = ParameterValues::resolve(&template, given)?;
        let conditions = conditions::evaluate(&template, &pseudo, &parameters)?;
        let graph = DependencyGraph::build(&template, Some(&conditions))?;
        let instance = Instance {
            template,
            pseudo,
            parameters,
            conditions,
            graph,
        };
        instance.check_live_references()?;
        Ok(instance)
    }

    fn check_live_references(&self) -> Result<()> {
        let live = Some(&self.conditions);
        let mut unresolved = Vec::new();
        let mut note = |name: &str| {
            if !unresolved.iter().any(|n| n == name) {
                unresolved.push(name.to_string());
            }
        };
        for id in self.graph.resources() {
            let Some(resource) = self.template.resource(id) else {
                continue;
            };
            for reference in graph::resource_references(resource, live)? {
                if let Some(target) = graph::referenced_resource(&self.template, &reference) {
                    if !self.is_active(target) {
                        note(target);
                    }
                }
            }
            for target in &resource.depends_on {
                if !self.is_active(target) {
                    note(target);
                }
            }
        }
        if !unresolved.is_empty() {
            return Err(TemplateError::unresolved(&unresolved, "Resources"));
        }
        let mut unresolved = Vec::new();
        for output in self.active_outputs() {
            let mut references = Vec::new();
            refs::collect(&output.value, live, &mut references)?;
            for reference in references {
                if let Some(target) = graph::referenced_resource(&self.template, &reference) {
                    if !self.is_active(target) && !unresolved.iter().any(|n| n == target) {
                        unresolved.push(target.to_string());
                    }
                }
            }
        }
        if !unresolved.is_empty() {
            return Err(TemplateError::unresolved(&unresolved, "Outputs"));
        }
        Ok(())
    }

    /// The template.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The pseudo parameters.
    pub fn pseudo(&self) -> &Pseudo {
        &self.pseudo
    }

    /// The parameter values.
    pub fn parameters(&self) -> &ParameterValues {
        &self.parameters
    }

    /// The value of every condition.
    pub fn conditions(&self) -> &BTreeMap<String, bool> {
        &self.conditions
    }

    /// The dependency graph of the resources that exist (their `Condition` holds): creation
    /// and deletion waves.
    pub fn graph(&self) -> &DependencyGraph {
        &self.graph
    }

    /// True when the resource exists in this stack (declared, and its `Condition` holds).
    pub fn is_active(&self, logical_id: &str) -> bool {
        self.graph.resources().iter().any(|id| id == logical_id)
    }

    fn active_outputs(&self) -> impl Iterator<Item = &Output> {
        self.template.outputs.iter().filter(|o| {
            o.condition
                .as_ref()
                .is_none_or(|c| self.conditions.get(c).copied().unwrap_or(false))
        })
    }

    /// An evaluator for `block` (`Resources`, `Outputs`) with these resource values and exports.
    pub fn evaluator<'a>(
        &'a self,
        resources: &'a dyn ResourceValues,
        exports: &'a dyn Exports,
        block: &'a str,
    ) -> Evaluator<'a> {
        Evaluator {
            template: &self.template,
            pseudo: &self.pseudo,
            parameters: &self.parameters,
            conditions: &self.conditions,
            resources,
            exports,
            block,
        }
    }

    /// A resource's `Properties` with every intrinsic function resolved (properties that are
    /// `AWS::NoValue` removed). The resources it depends on must exist in `resources`.
    pub fn properties(
        &self,
        logical_id: &str,
        resources: &dyn ResourceValues,
        exports: &dyn Exports,
    ) -> Result<Map<String, Value>> {
        let resource = self
            .template
            .resource(logical_id)
            .filter(|_| self.is_active(logical_id))
            .ok_or_else(|| TemplateError::unresolved(&[logical_id.to_string()], "Resources"))?;
        let evaluator = self.evaluator(resources, exports, "Resources");
        match evaluator.evaluate(&Value::Object(resource.properties.clone()))? {
            Some(Value::Object(properties)) => Ok(properties),
            _ => Ok(Map::new()),
        }
    }

    /// A resource's `DeletionPolicy` or `UpdateReplacePolicy` (`field`), evaluated (it may use
    /// `Fn::If` or a parameter); `None` when absent.
    pub fn policy(&self, logical_id: &str, field: &str) -> Result<Option<String>> {
        let Some(value) = self
            .template
            .resource(logical_id)
            .and_then(|r| r.definition.get(field))
        else {
            return Ok(None);
        };
        let evaluator = self.evaluator(&NoResources, &NoExports, "Resources");
        Ok(evaluator.evaluate(value)?.as_ref().and_then(scalar_text))
    }

    /// The outputs whose `Condition` holds, evaluated, in template order.
    pub fn outputs(
        &self,
        resources: &dyn ResourceValues,
        exports: &dyn Exports,
    ) -> Result<Vec<OutputValue>> {
        let evaluator = self.evaluator(resources, exports, "Outputs");
        let text = |value: &Value| -> Result<Option<String>> {
            match evaluator.evaluate(value)? {
                None => Ok(None),
                Some(Value::Array(_)) => Err(TemplateError::validation(
                    "The Value field of every Outputs member must evaluate to a String and not a List.",
                )),
                Some(Value::Object(_)) => Err(TemplateError::validation(
                    "The Value field of every Outputs member must evaluate to a String and not a Map.",
                )),
                Some(scalar) => Ok(scalar_text(&scalar)),
            }
        };
        let mut values = Vec::new();
        for output in self.active_outputs() {
            let Some(value) = text(&output.value)? else {
                continue;
            };
            values.push(OutputValue {
                key: output.name.clone(),
                value,
                description: output
                    .description
                    .as_ref()
                    .map(&text)
                    .transpose()?
                    .flatten(),
                export_name: output
                    .export_name
                    .as_ref()
                    .map(&text)
                    .transpose()?
                    .flatten(),
            });
        }
        Ok(values)
    }
}
