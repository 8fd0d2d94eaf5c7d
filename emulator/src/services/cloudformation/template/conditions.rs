//! Evaluates the `Conditions` block: each condition once, after the conditions it names.

use std::collections::BTreeMap;

use super::declarations::Template;
use super::error::{Result, TemplateError};
use super::intrinsics::{Evaluator, NoExports, NoResources};
use super::params::ParameterValues;
use super::pseudo::Pseudo;
use super::refs;

/// The value of every condition of `template`.
pub fn evaluate(
    template: &Template,
    pseudo: &Pseudo,
    parameters: &ParameterValues,
) -> Result<BTreeMap<String, bool>> {
    let mut values = BTreeMap::new();
    for name in template.conditions.keys() {
        resolve(
            template,
            pseudo,
            parameters,
            name,
            &mut values,
            &mut Vec::new(),
        )?;
    }
    Ok(values)
}

fn resolve(
    template: &Template,
    pseudo: &Pseudo,
    parameters: &ParameterValues,
    name: &str,
    values: &mut BTreeMap<String, bool>,
    path: &mut Vec<String>,
) -> Result<bool> {
    if let Some(value) = values.get(name) {
        return Ok(*value);
    }
    if path.iter().any(|n| n == name) {
        path.push(name.to_string());
        return Err(TemplateError::template(format!(
            "Found circular condition dependency: [{}]",
            path.join(", ")
        )));
    }
    let expression = template.conditions.get(name).ok_or_else(|| {
        TemplateError::format(format!(
            "Unresolved condition dependencies [{name}] in the Conditions block of the template"
        ))
    })?;
    let mut named = Vec::new();
    refs::condition_names(expression, &mut named);
    path.push(name.to_string());
    for other in &named {
        resolve(template, pseudo, parameters, other, values, path)?;
    }
    path.pop();
    let value = Evaluator {
        template,
        pseudo,
        parameters,
        conditions: values,
        resources: &NoResources,
        exports: &NoExports,
        block: "Conditions",
    }
    .truth(expression, "Fn::Equals")?;
    values.insert(name.to_string(), value);
    Ok(value)
}
