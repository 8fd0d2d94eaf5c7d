//! The dependency graph between resources: implicit dependencies (`Ref`, `Fn::GetAtt`, `Fn::Sub`
//! in the fields that can hold them) and explicit ones (`DependsOn`); creation in waves of
//! independent resources, deletion in the reverse order.

use std::collections::{BTreeMap, BTreeSet};

use super::declarations::{Resource, Template};
use super::error::{Result, TemplateError};
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
    /// Resource → the resources that depend on it.
    dependents: BTreeMap<String, BTreeSet<String>>,
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
        let mut dependents: BTreeMap<String, BTreeSet<String>> =
            nodes.iter().map(|n| (n.clone(), BTreeSet::new())).collect();
        for (node, deps) in &dependencies {
            for dep in deps {
                dependents
                    .entry(dep.clone())
                    .or_default()
                    .insert(node.clone());
            }
        }
        let graph = DependencyGraph {
            nodes,
            dependencies,
            dependents,
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

    /// The resources that depend on `logical_id` (directly).
    pub fn dependents(&self, logical_id: &str) -> impl Iterator<Item = &str> {
        self.dependents
            .get(logical_id)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Creation order in waves: every resource comes after all it depends on, and the resources
    /// of one wave are independent of each other (they can be created concurrently).
    pub fn creation_waves(&self) -> Vec<Vec<String>> {
        self.waves(&self.dependencies, &self.dependents)
    }

    /// Deletion order in waves: every resource comes after all that depend on it.
    pub fn deletion_waves(&self) -> Vec<Vec<String>> {
        self.waves(&self.dependents, &self.dependencies)
    }

    /// Layers of `nodes`: a node is ready once everything in `before[node]` is done; `after` is
    /// the reverse relation. Each wave keeps template order.
    fn waves(
        &self,
        before: &BTreeMap<String, BTreeSet<String>>,
        after: &BTreeMap<String, BTreeSet<String>>,
    ) -> Vec<Vec<String>> {
        let mut waiting: BTreeMap<&str, usize> = self
            .nodes
            .iter()
            .map(|n| (n.as_str(), before[n].len()))
            .collect();
        let mut waves = Vec::new();
        loop {
            let wave: Vec<String> = self
                .nodes
                .iter()
                .filter(|n| waiting.get(n.as_str()) == Some(&0))
                .cloned()
                .collect();
            if wave.is_empty() {
                break; // done, or a cycle (which `build` refuses)
            }
            for node in &wave {
                waiting.remove(node.as_str());
                for next in &after[node] {
                    if let Some(count) = waiting.get_mut(next.as_str()) {
                        *count -= 1;
                    }
                }
            }
            waves.push(wave);
        }
        waves
    }

    /// The resources on or between cycles, in template order (empty when acyclic): what is left
    /// after repeatedly removing resources with no dependencies or no dependents left.
    fn cycle(&self) -> Vec<String> {
        let mut deps: BTreeMap<&str, usize> = self
            .nodes
            .iter()
            .map(|n| (n.as_str(), self.dependencies[n].len()))
            .collect();
        let mut users: BTreeMap<&str, usize> = self
            .nodes
            .iter()
            .map(|n| (n.as_str(), self.dependents[n].len()))
            .collect();
        let mut queue: Vec<&str> = self
            .nodes
            .iter()
            .map(String::as_str)
            .filter(|n| deps[n] == 0 || users[n] == 0)
            .collect();
        let mut removed = BTreeSet::new();
        while let Some(node) = queue.pop() {
            if !removed.insert(node) {
                continue;
            }
            for user in &self.dependents[node] {
                let count = deps.get_mut(user.as_str()).map(|c| {
                    *c -= 1;
                    *c
                });
                if count == Some(0) {
                    queue.push(user);
                }
            }
            for dep in &self.dependencies[node] {
                let count = users.get_mut(dep.as_str()).map(|c| {
                    *c -= 1;
                    *c
                });
                if count == Some(0) {
                    queue.push(dep);
                }
            }
        }
        self.nodes
            .iter()
            .filter(|n| !removed.contains(n.as_str()))
            .cloned()
            .collect()
    }
}
