//! The free variables of an expression (for validation by the host).

use std::collections::BTreeSet;

use crate::ast::{Kind, Node};

fn collect(node: &Node, used: &mut BTreeSet<String>, bound: &mut BTreeSet<String>) {
    match &node.kind {
        Kind::Var(v) if !v.is_empty() && v != "$" => {
            used.insert(v.clone());
        }
        Kind::Bind(name, _) => {
            bound.insert(name.clone());
        }
        Kind::Lambda(def) => bound.extend(def.params.iter().cloned()),
        _ => {}
    }
    bound.extend(node.focus.iter().cloned());
    bound.extend(node.index.iter().cloned());
    for s in &node.stages {
        if let crate::ast::Stage::Index(i) = s {
            bound.insert(i.clone());
        }
    }
    for c in node.children() {
        collect(c, used, bound);
    }
}

/// Variables referenced and never bound inside the expression, without built-in function names.
pub(crate) fn free_variables(node: &Node) -> Vec<String> {
    let mut used = BTreeSet::new();
    let mut bound = BTreeSet::new();
    collect(node, &mut used, &mut bound);
    let aws = crate::Options {
        aws_functions: true,
        ..Default::default()
    };
    used.into_iter()
        .filter(|v| !bound.contains(v))
        .filter(|v| {
            crate::functions::builtin(v, &aws).is_none()
                && crate::functions::builtin(v, &crate::Options::default()).is_none()
        })
        .collect()
}
