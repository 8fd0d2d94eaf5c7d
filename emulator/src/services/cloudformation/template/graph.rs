//! The dependency graph between resources: implicit dependencies (`Ref`, `Fn::GetAtt`, `Fn::Sub`
//! in the fields that can hold them) and explicit ones (`DependsOn`); creation in waves of
//! independent resources, deletion in the reverse order.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{Result, TemplateError};
use super::model::{Resource, Template};
use super::refs::{self, Reference};

/// The resource-level fields that can hold intrinsic functions.
pub const REFERENCING_FIELDS: &[&str] = &[
    "Properties",
    "Metadata",
    "UpdatePolicy",
    "CreationPolicy",
    "DeletionPolicy",
    "UpdateReplacePolicy",
];

/// Every reference in a resource's fields that can hold intrinsic functions. With `live`
/// conditions, only the taken branches of `Fn::If`.
pub fn resource_references(
    resource: &Resource,
    live: Option<&BTreeMap<String, bool>>,
) -> Result<Vec<Reference>> {
    let mut out = Vec::new();
    for field in REFERENCING_FIELDS {
        if let Some(value) = resource.definition.get(*field) {
            refs::collect(value, live, &mut out)?;
        }
    }
    Ok(out)
}

/// The resource a reference points to, if it points to one of `template`'s resources
/// (`${Res.Attr}` in `Fn::Sub` points to `Res`).
pub fn referenced_resource<'a>(template: &Template, reference: &'a Reference) -> Option<&'a str> {
    let name = match reference {
        Reference::Ref(name) | Reference::GetAtt(name) => name.as_str(),
        Reference::SubVariable(name) => match template.resource(name) {
            Some(_) => name.as_str(),
            None => name.split_once('.').map_or(name.as_str(), |(res, _)| res),
        },
        Reference::If(_) => return None,
    };
    template.resource(name).map(|_| name)
}

/// Which resources each resource depends on, and the order they can be created in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyGraph {
    /// The resources, in template order.
    nodes: Vec<String>,
    /// Resource → the resources it depends on.
    dependencies: BTreeMap<String, BTreeSet<String>>,
}

impl DependencyGraph {
    /// The graph of `template`'s resources. With `live` conditions, resources whose `Condition`
    /// is false are left out and only the taken branches of `Fn::If` count. Fails with
    /// `Circular dependency between resources: [A, B]` when there is a cycle.
    pub fn build(template: &Template, live: Option<&BTreeMap<String, bool>>) -> Result<Self> {
        let included = |r: &Resource| match (&r.condition, live) {
            (Some(condition), Some(live)) => live.get(condition).copied().unwrap_or(false),
            _ => true,
        };
        let mut nodes = Vec::new();
        let mut dependencies = BTreeMap::new();
        for resource in template.resources.iter().filter(|r| included(r)) {
            let mut deps = BTreeSet::new();
            for reference in resource_references(resource, live)? {
                if let Some(target) = referenced_resource(template, &reference) {
                    deps.insert(target.to_string());
                }
            }
            deps.extend(resource.depends_on.iter().cloned());
            nodes.push(resource.logical_id.clone());
            dependencies.insert(resource.logical_id.clone(), deps);
        }
        // Dependencies on resources left out (condition false) are not edges of this graph.
        let known: BTreeSet<String> = nodes.iter().cloned().collect();
        for deps in dependencies.values_mut() {
            deps.retain(|d| known.contains(d));
        }
        let graph = DependencyGraph {
            nodes,
            dependencies,
        };
        let cycle = graph.cycle();
        if !cycle.is_empty() {
            return Err(TemplateError::validation(format!(
                "Circular dependency between resources: [{}]",
                cycle.join(", ")
            )));
        }
        Ok(graph)
    }

    /// The resources in the graph, in template order.
    pub fn resources(&self) -> &[String] {
        &self.nodes
    }

    /// The resources `logical_id` depends on (directly).
    pub fn dependencies(&self, logical_id: &str) -> impl Iterator<Item = &str> {
        self.dependencies
            .get(logical_id)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// The resources that depend on `logical_id` (directly), in template order.
    pub fn dependents<'a>(&'a self, logical_id: &'a str) -> impl Iterator<Item = &'a str> {
        self.nodes
            .iter()
            .filter(move |n| self.dependencies[*n].contains(logical_id))
            .map(String::as_str)
    }

    /// Creation order in waves: every resource comes after all it depends on, and the resources
    /// of one wave are independent of each other (they can be created concurrently).
    pub fn creation_waves(&self) -> Vec<Vec<String>> {
        self.waves(|node, done| self.dependencies[node].iter().all(|d| done.contains(d)))
    }

    /// Deletion order in waves: every resource comes after all that depend on it.
    pub fn deletion_waves(&self) -> Vec<Vec<String>> {
        self.waves(|node, done| self.dependents(node).all(|d| done.contains(d)))
    }

    fn waves(&self, ready: impl Fn(&str, &BTreeSet<String>) -> bool) -> Vec<Vec<String>> {
        let mut done = BTreeSet::new();
        let mut waves = Vec::new();
        while done.len() < self.nodes.len() {
            let wave: Vec<String> = self
                .nodes
                .iter()
                .filter(|n| !done.contains(*n) && ready(n, &done))
                .cloned()
                .collect();
            if wave.is_empty() {
                break; // a cycle; `build` refuses those
            }
            done.extend(wave.iter().cloned());
            waves.push(wave);
        }
        waves
    }

    /// The resources on or between cycles, in template order (empty when acyclic): what is left
    /// after repeatedly removing resources with no dependencies or no dependents left.
    fn cycle(&self) -> Vec<String> {
        let mut left: BTreeSet<&str> = self.nodes.iter().map(String::as_str).collect();
        loop {
            let removable: Vec<&str> = left
                .iter()
                .copied()
                .filter(|n| {
                    let no_deps = !self.dependencies[*n]
                        .iter()
                        .any(|d| left.contains(d.as_str()));
                    let no_dependents = !left.iter().any(|m| self.dependencies[*m].contains(*n));
                    no_deps || no_dependents
                })
                .collect();
            if removable.is_empty() {
                break;
            }
            for n in removable {
                left.remove(n);
            }
        }
        self.nodes
            .iter()
            .filter(|n| left.contains(n.as_str()))
            .cloned()
            .collect()
    }
}
