//! Document paths over items: reading, writing and removing at a path, and sets of paths
//! (projections, the attributes an update touched) with DynamoDB's overlap rules.

use std::collections::BTreeMap;

use super::ast::{Path, PathElem};
use crate::services::dynamodb::value::{AttributeValue, Item};

/// The value at `path`, if the item has one there.
pub fn get<'a>(item: &'a Item, path: &Path) -> Option<&'a AttributeValue> {
    let (first, rest) = path.0.split_first()?;
    let PathElem::Name(name) = first else {
        return None;
    };
    let mut value = item.get(name)?;
    for elem in rest {
        value = match (elem, value) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Why a path cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPath;

/// The container holding the last step of `path`, which must exist.
fn parent_mut<'a, 'p>(
    item: &'a mut Item,
    path: &'p Path,
) -> Result<(&'a mut AttributeValue, &'p PathElem), InvalidPath> {
    let elems = &path.0;
    let (last, middle) = match elems.split_last() {
        Some((last, before)) if !before.is_empty() => (last, before),
        _ => return Err(InvalidPath),
    };
    let PathElem::Name(first) = &middle[0] else {
        return Err(InvalidPath);
    };
    let mut value = item.get_mut(first).ok_or(InvalidPath)?;
    for elem in &middle[1..] {
        value = match (elem, value) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get_mut(n).ok_or(InvalidPath)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(*i).ok_or(InvalidPath)?,
            _ => return Err(InvalidPath),
        };
    }
    Ok((value, last))
}

/// Writes `value` at `path`. Every container on the way must exist; an index past the end of a
/// list appends.
pub fn set(item: &mut Item, path: &Path, value: AttributeValue) -> Result<(), InvalidPath> {
    if let [PathElem::Name(name)] = path.0.as_slice() {
        item.insert(name.clone(), value);
        return Ok(());
    }
    match parent_mut(item, path)? {
        (AttributeValue::M(m), PathElem::Name(n)) => {
            m.insert(n.clone(), value);
        }
        (AttributeValue::L(l), PathElem::Index(i)) => match l.get_mut(*i) {
            Some(slot) => *slot = value,
            None => l.push(value),
        },
        _ => return Err(InvalidPath),
    }
    Ok(())
}

/// Removes what is at `path` (nothing there is fine, a missing container is not).
pub fn remove(item: &mut Item, path: &Path) -> Result<(), InvalidPath> {
    if let [PathElem::Name(name)] = path.0.as_slice() {
        item.remove(name);
        return Ok(());
    }
    match parent_mut(item, path)? {
        (AttributeValue::M(m), PathElem::Name(n)) => {
            m.remove(n);
        }
        (AttributeValue::L(l), PathElem::Index(i)) => {
            if *i < l.len() {
                l.remove(*i);
            }
        }
        _ => return Err(InvalidPath),
    }
    Ok(())
}

/// A set of document paths, as a tree; no path may be a prefix of another.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathSet {
    root: BTreeMap<PathElem, Node>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A path ends here (kept for messages).
    Leaf(Path),
    /// Paths continue below.
    Inner(BTreeMap<PathElem, Node>),
}

impl Node {
    fn any_path(&self) -> Option<&Path> {
        match self {
            Node::Leaf(p) => Some(p),
            Node::Inner(children) => children.values().find_map(Node::any_path),
        }
    }
}

impl PathSet {
    /// Adds a path; two paths where one contains the other (or that treat the same attribute as
    /// both a map and a list) are refused with DynamoDB's message.
    pub fn insert(&mut self, path: &Path) -> Result<(), String> {
        let overlap = |one: &Path| {
            format!(
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {one}, path two: {path}"
            )
        };
        let conflict = |one: &Path| {
            format!(
                "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {one}, path two: {path}"
            )
        };
        let mut level = &mut self.root;
        let Some((last, inner)) = path.0.split_last() else {
            return Ok(());
        };
        for elem in inner {
            if let Some(existing) = kind_conflict(level, elem, path) {
                return Err(conflict(&existing));
            }
            let node = level
                .entry(elem.clone())
                .or_insert_with(|| Node::Inner(BTreeMap::new()));
            match node {
                Node::Leaf(existing) => return Err(overlap(existing)),
                Node::Inner(children) => level = children,
            }
        }
        if let Some(existing) = kind_conflict(level, last, path) {
            return Err(conflict(&existing));
        }
        if let Some(existing) = level.get(last) {
            let existing = existing.any_path().cloned().unwrap_or_else(|| path.clone());
            return Err(overlap(&existing));
        }
        level.insert(last.clone(), Node::Leaf(path.clone()));
        Ok(())
    }

    /// The top-level attribute names the paths start with.
    pub fn attributes(&self) -> impl Iterator<Item = &str> {
        self.root.keys().filter_map(|e| match e {
            PathElem::Name(n) => Some(n.as_str()),
            PathElem::Index(_) => None,
        })
    }

    /// The part of `item` the paths select: maps keep the selected keys, lists the selected
    /// elements in index order; what the item lacks is left out.
    pub fn project(&self, item: &Item) -> Item {
        let mut out = Item::new();
        for (elem, node) in &self.root {
            if let (PathElem::Name(name), Some(value)) = (elem, item_get(item, elem)) {
                if let Some(projected) = project_value(value, node) {
                    out.insert(name.clone(), projected);
                }
            }
        }
        out
    }
}

/// The path `elem` conflicts with at `level`, when the steps already there are of the other
/// kind (map keys where `elem` is a list index, or the reverse): one of the paths there, or
/// `path` itself when none is complete yet.
fn kind_conflict(level: &BTreeMap<PathElem, Node>, elem: &PathElem, path: &Path) -> Option<Path> {
    let other = level.keys().next()?;
    (std::mem::discriminant(other) != std::mem::discriminant(elem)).then(|| {
        level
            .values()
            .find_map(Node::any_path)
            .cloned()
            .unwrap_or_else(|| path.clone())
    })
}

fn item_get<'a>(item: &'a Item, elem: &PathElem) -> Option<&'a AttributeValue> {
    match elem {
        PathElem::Name(n) => item.get(n),
        PathElem::Index(_) => None,
    }
}

fn project_value(value: &AttributeValue, node: &Node) -> Option<AttributeValue> {
    let children = match node {
        Node::Leaf(_) => return Some(value.clone()),
        Node::Inner(children) => children,
    };
    match value {
        AttributeValue::M(map) => {
            let mut out = Item::new();
            for (elem, child) in children {
                if let PathElem::Name(n) = elem {
                    if let Some(v) = map.get(n).and_then(|v| project_value(v, child)) {
                        out.insert(n.clone(), v);
                    }
                }
            }
            (!out.is_empty()).then_some(AttributeValue::M(out))
        }
        AttributeValue::L(list) => {
            let out: Vec<AttributeValue> = children
                .iter()
                .filter_map(|(elem, child)| match elem {
                    PathElem::Index(i) => list.get(*i).and_then(|v| project_value(v, child)),
                    PathElem::Name(_) => None,
                })
                .collect();
            (!out.is_empty()).then_some(AttributeValue::L(out))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::dynamodb::value::item_from_json;
    use serde_json::json;

    fn p(elems: &[PathElem]) -> Path {
        Path(elems.to_vec())
    }

    fn name(n: &str) -> PathElem {
        PathElem::Name(n.to_string())
    }

    fn item() -> Item {
        item_from_json(
            json!({"a": {"M": {"b": {"L": [{"S": "x"}, {"S": "y"}, {"S": "z"}]}, "c": {"N": "1"}}}, "d": {"S": "d"}})
                .as_object()
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn get_set_remove_nested() {
        let mut it = item();
        let path = p(&[name("a"), name("b"), PathElem::Index(1)]);
        assert_eq!(get(&it, &path), Some(&AttributeValue::S("y".into())));
        set(
            &mut it,
            &p(&[name("a"), name("b"), PathElem::Index(9)]),
            AttributeValue::Null,
        )
        .unwrap();
        assert!(
            matches!(get(&it, &p(&[name("a"), name("b")])), Some(AttributeValue::L(l)) if l.len() == 4)
        );
        remove(&mut it, &path).unwrap();
        assert_eq!(get(&it, &path), Some(&AttributeValue::S("z".into())));
        assert_eq!(
            set(
                &mut it,
                &p(&[name("nope"), name("x")]),
                AttributeValue::Null
            ),
            Err(InvalidPath)
        );
        assert_eq!(
            set(&mut it, &p(&[name("d"), name("x")]), AttributeValue::Null),
            Err(InvalidPath)
        );
    }

    #[test]
    fn projection_keeps_selected_parts() {
        let mut set = PathSet::default();
        set.insert(&p(&[name("a"), name("b"), PathElem::Index(2)]))
            .unwrap();
        set.insert(&p(&[name("a"), name("b"), PathElem::Index(0)]))
            .unwrap();
        set.insert(&p(&[name("missing")])).unwrap();
        let out = set.project(&item());
        let expected = item_from_json(
            json!({"a": {"M": {"b": {"L": [{"S": "x"}, {"S": "z"}]}}}})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(out, expected);
        assert!(set
            .insert(&p(&[name("a")]))
            .unwrap_err()
            .contains("overlap"));
        assert!(set
            .insert(&p(&[name("a"), name("b"), name("c")]))
            .unwrap_err()
            .contains("conflict"));
    }
}
