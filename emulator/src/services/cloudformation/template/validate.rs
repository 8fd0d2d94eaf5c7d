//! The cross-reference checks of ValidateTemplate: every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable,
//! `DependsOn` and condition name must resolve; conditions must not refer to resources; the
//! resources and the conditions must have no cycle.

use super::declarations::Template;
use super::error::{Result, TemplateError};
use super::graph::{self, DependencyGraph};
use super::pseudo::is_pseudo;
use super::refs::{self, Reference};

/// Checks the references of a template whose sections were read.
pub fn check(template: &Template) -> Result<()> {
    check_names(template)?;
    check_conditions(template)?;
    check_resources(template)?;
    check_outputs(template)?;
    DependencyGraph::build(template, None).map(|_| ())
}

fn check_names(template: &Template) -> Result<()> {
    let common: Vec<&str> = template
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .filter(|name| template.resource(name).is_some())
        .collect();
    if common.is_empty() {
        Ok(())
    } else {
        Err(TemplateError::template(format!(
            "all resources and parameters must have unique names. Common name(s):[{}]",
            common.join(", ")
        )))
    }
}

/// Pushes `name` once.
fn add(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

fn unresolved_conditions(names: &[String], block: &str) -> TemplateError {
    TemplateError::format(format!(
        "Unresolved condition dependencies [{}] in the {block} block of the template",
        names.join(", ")
    ))
}

fn check_conditions(template: &Template) -> Result<()> {
    let mut unknown_conditions = Vec::new();
    let mut resource_refs = Vec::new();
    for expression in template.conditions.values() {
        let mut names = Vec::new();
        refs::condition_names(expression, &mut names);
        for name in names {
            if !template.conditions.contains_key(&name) {
                add(&mut unknown_conditions, &name);
            }
        }
        let mut references = Vec::new();
        refs::collect(expression, None, &mut references)?;
        for reference in references {
            if let Reference::Ref(name) = reference {
                if !is_pseudo(&name) && template.parameter(&name).is_none() {
                    add(&mut resource_refs, &name);
                }
            }
        }
    }
    if !resource_refs.is_empty() {
        return Err(TemplateError::format(format!(
            "Unresolved dependencies [{}]. Cannot reference resources in the Conditions block of the template",
            resource_refs.join(", ")
        )));
    }
    if !unknown_conditions.is_empty() {
        return Err(unresolved_conditions(&unknown_conditions, "Conditions"));
    }
    // Cycles between conditions.
    for start in template.conditions.keys() {
        let mut path = vec![start.clone()];
        condition_cycle(template, start, &mut path)?;
    }
    Ok(())
}

fn condition_cycle(template: &Template, name: &str, path: &mut Vec<String>) -> Result<()> {
    let mut names = Vec::new();
    if let Some(expression) = template.conditions.get(name) {
        refs::condition_names(expression, &mut names);
    }
    for next in names {
        if let Some(at) = path.iter().position(|n| *n == next) {
            return Err(TemplateError::template(format!(
                "Found circular condition dependency: [{}]",
                path[at..].join(", ")
            )));
        }
        path.push(next.clone());
        condition_cycle(template, &next, path)?;
        path.pop();
    }
    Ok(())
}

/// Classifies the references of one block: unresolved names and unknown conditions are
/// collected; a `Fn::GetAtt` on an undeclared resource fails at once.
fn check_references(
    template: &Template,
    references: &[Reference],
    unresolved: &mut Vec<String>,
    conditions: &mut Vec<String>,
) -> Result<()> {
    let declared = |name: &str| {
        is_pseudo(name) || template.parameter(name).is_some() || template.resource(name).is_some()
    };
    for reference in references {
        match reference {
            Reference::Ref(name) if !declared(name) => add(unresolved, name),
            Reference::GetAtt(name) if template.resource(name).is_none() => {
                return Err(TemplateError::template(format!(
                    "instance of Fn::GetAtt references undefined resource {name}"
                )))
            }
            Reference::SubVariable(name)
                if !declared(name) && graph::referenced_resource(template, reference).is_none() =>
            {
                add(unresolved, name)
            }
            Reference::If(name) if !template.conditions.contains_key(name) => add(conditions, name),
            _ => {}
        }
    }
    Ok(())
}

fn check_resources(template: &Template) -> Result<()> {
    let mut unresolved = Vec::new();
    let mut conditions = Vec::new();
    for resource in &template.resources {
        if let Some(condition) = &resource.condition {
            if !template.conditions.contains_key(condition) {
                add(&mut conditions, condition);
            }
        }
        let references = graph::resource_references(resource, None)?;
        check_references(template, &references, &mut unresolved, &mut conditions)?;
        for target in &resource.depends_on {
            if template.resource(target).is_none() {
                add(&mut unresolved, target);
            }
        }
    }
    if !conditions.is_empty() {
        return Err(unresolved_conditions(&conditions, "Resources"));
    }
    if !unresolved.is_empty() {
        return Err(TemplateError::unresolved(&unresolved, "Resources"));
    }
    Ok(())
}

fn check_outputs(template: &Template) -> Result<()> {
    let mut unresolved = Vec::new();
    let mut conditions = Vec::new();
    for output in &template.outputs {
        if let Some(condition) = &output.condition {
            if !template.conditions.contains_key(condition) {
                add(&mut conditions, condition);
            }
        }
        let mut references = Vec::new();
        refs::collect(&output.value, None, &mut references)?;
        if let Some(name) = &output.export_name {
            refs::collect(name, None, &mut references)?;
        }
        check_references(template, &references, &mut unresolved, &mut conditions)?;
    }
    if !conditions.is_empty() {
        return Err(unresolved_conditions(&conditions, "Outputs"));
    }
    if !unresolved.is_empty() {
        return Err(TemplateError::unresolved(&unresolved, "Outputs"));
    }
    Ok(())
}
