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

/// Every variable name the expression references (bound inside it or not).
pub(crate) fn referenced(node: &Node) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    collect(node, &mut used, &mut BTreeSet::new());
    used
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

/// Whether evaluating `node` may read the input (`$` / `$$` at the top level): a name, a
/// wildcard or a descendant step relative to it, `$` outside a step, `$$`, a parent step, a
/// call of a built-in that takes the context for an argument left out (`takes_context`), or a
/// lambda whose signature takes it.
/// Conservative: it answers true whenever it cannot tell, so an input it says is not read can
/// be left unconverted.
pub(crate) fn reads_input(node: &Node, takes_context: &dyn Fn(&str) -> bool) -> bool {
    reads(node, false, takes_context)
}

/// `relative`: names here are relative to something else than the input (a later path step,
/// or a predicate's items).
fn reads(node: &Node, relative: bool, takes_context: &dyn Fn(&str) -> bool) -> bool {
    let direct = match &node.kind {
        Kind::Name(_) | Kind::Wildcard | Kind::Descendant => !relative,
        Kind::Var(v) => v == "$" || (v.is_empty() && !relative),
        Kind::Parent(_) => true,
        // A lambda that takes the context for a left-out argument reads where it is called.
        Kind::Lambda(def) => def.signature.as_ref().is_some_and(|s| s.takes_context()),
        Kind::Call { proc, .. } => {
            !relative && matches!(&proc.kind, Kind::Var(name) if takes_context(name))
        }
        _ => false,
    };
    if direct {
        return true;
    }
    // What filters or groups a node's values reads those values, not the input.
    let mut attached: Vec<*const Node> = Vec::new();
    for s in node.stages.iter().chain(node.predicate.iter()) {
        if let crate::ast::Stage::Filter(f) = s {
            attached.push(f);
        }
    }
    if let Some(g) = &node.group {
        g.iter()
            .for_each(|(k, v)| attached.extend([k as *const Node, v]));
    }
    let steps = match &node.kind {
        Kind::Path(steps) => steps.len(),
        _ => 0,
    };
    node.children().into_iter().enumerate().any(|(i, child)| {
        let later_step = i > 0 && i < steps;
        let inner = relative || later_step || attached.contains(&(child as *const Node));
        reads(child, inner, takes_context)
    })
}

#[cfg(test)]
mod tests {
    use crate::Expression;

    fn reads(source: &str) -> bool {
        Expression::parse(source).unwrap().reads_input
    }

    #[test]
    fn only_expressions_that_may_read_the_input_are_given_it() {
        for source in [
            "a",
            "a.b",
            "$",
            "$$.x",
            "*",
            "**.x",
            "$uppercase()",
            "$string()",
            "{'k': v}",
            "$states.items[$$.n = 1]",
            "$eval('a')",
            "λ($x, $y)<n-:n>{$x}(1)",
            "$count(a)",
        ] {
            assert!(reads(source), "{source} reads its input");
        }
        for source in [
            "1 + 2",
            "$states.context.Map.Item.Value",
            "$count($states.result)",
            "$states.items[value > 1].name",
            "$map($states.items, function($i){ $i.x })",
            "($x := 3; $x * $factor)",
            "{'n': $states.result.n * $states.result.f}",
        ] {
            assert!(!reads(source), "{source} does not read its input");
        }
    }
}
