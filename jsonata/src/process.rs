//! Turns the raw tree into the evaluated form: paths of steps, stages, tuple bindings and the
//! ancestry slots of the parent operator `%` (the post-processing of jsonata-js).

use std::sync::Arc;

use crate::ast::{Kind, LambdaDef, Node, SortTerm, Stage, TransformDef};
use crate::error::{err, Error};

/// A parent-operator slot: the label it reads and how many steps up it still has to go.
#[derive(Debug, Clone)]
struct Slot {
    label: usize,
    level: usize,
}

#[derive(Default)]
pub(crate) struct Processor {
    slots: Vec<Slot>,
}

fn path_of(node: Node) -> Node {
    if matches!(node.kind, Kind::Path(_)) {
        return node;
    }
    let pos = node.pos;
    Node::new(Kind::Path(vec![node]), pos)
}

fn steps_mut(node: &mut Node) -> &mut Vec<Node> {
    match &mut node.kind {
        Kind::Path(steps) => steps,
        _ => unreachable!("path_of made a path"),
    }
}

impl Processor {
    /// Error S0217 if the root still seeks a parent (nothing above it to be the parent of).
    pub(crate) fn check_root(&self, root: &Node) -> Result<(), Error> {
        let unresolved = matches!(root.kind, Kind::Parent(_))
            || root.seeking_parent.iter().any(|s| self.slots[*s].level > 0);
        if unresolved {
            return Err(err(
                "S0217",
                "The object representing the 'parent' cannot be derived from this expression",
            )
            .at(root.pos));
        }
        Ok(())
    }

    /// The final label of each slot (index = slot id).
    pub(crate) fn labels(&self) -> Vec<usize> {
        self.slots.iter().map(|s| s.label).collect()
    }

    fn push_ancestry(result: &mut Node, value: &Node) {
        result
            .seeking_parent
            .extend(value.seeking_parent.iter().copied());
        if let Kind::Parent(slot) = value.kind {
            result.seeking_parent.push(slot);
        }
    }

    fn seek_parent(&mut self, node: &mut Node, slot: usize) -> Result<(), Error> {
        match &mut node.kind {
            Kind::Name(_) | Kind::Wildcard => {
                self.slots[slot].level -= 1;
                if self.slots[slot].level == 0 {
                    if let Some(anc) = node.ancestor {
                        self.slots[slot].label = self.slots[anc].label;
                    }
                    node.ancestor = Some(slot);
                    node.tuple = true;
                }
            }
            Kind::Parent(_) => self.slots[slot].level += 1,
            Kind::Block(items) => {
                if let Some(last) = items.last_mut() {
                    self.seek_parent(last, slot)?;
                    node.tuple = true;
                }
            }
            Kind::Path(steps) => {
                let mut index = steps.len();
                while index > 0 {
                    index -= 1;
                    self.seek_parent(&mut steps[index], slot)?;
                    if self.slots[slot].level == 0 {
                        break;
                    }
                }
                node.tuple = true;
            }
            _ => {
                return Err(err(
                    "S0217",
                    "The object representing the 'parent' cannot be derived from this expression",
                )
                .at(node.pos))
            }
        }
        Ok(())
    }

    fn resolve_ancestry(&mut self, path: &mut Node) -> Result<(), Error> {
        let mut pending = Vec::new();
        {
            let steps = steps_mut(path);
            let last = steps.last().expect("paths have steps");
            let mut slots = last.seeking_parent.clone();
            if let Kind::Parent(s) = last.kind {
                slots.push(s);
            }
            for slot in slots {
                let mut index = steps.len() as isize - 2;
                while self.slots[slot].level > 0 {
                    if index < 0 {
                        pending.push(slot);
                        break;
                    }
                    let mut i = index as usize;
                    index -= 1;
                    while index >= 0
                        && steps[i].focus.is_some()
                        && steps[index as usize].focus.is_some()
                    {
                        i = index as usize;
                        index -= 1;
                    }
                    self.seek_parent(&mut steps[i], slot)?;
                }
            }
        }
        path.seeking_parent.extend(pending);
        Ok(())
    }

    /// Processes one node (consumes the raw form).
    pub(crate) fn process(&mut self, node: Node) -> Result<Node, Error> {
        crate::stack::grown(|| self.process_node(node))
    }

    fn process_node(&mut self, node: Node) -> Result<Node, Error> {
        let keep_array = node.keep_array;
        let pos = node.pos;
        let mut result = match node.kind {
            Kind::RawDot(lhs, rhs) => {
                let lstep = self.process(*lhs)?;
                let lparent = if let Kind::Parent(s) = lstep.kind {
                    Some(s)
                } else {
                    None
                };
                let mut result = path_of(lstep);
                if let Some(s) = lparent {
                    result.seeking_parent = vec![s];
                }
                let rest = self.process(*rhs)?;
                match rest.kind {
                    Kind::Path(more) => steps_mut(&mut result).extend(more),
                    _ => {
                        let mut rest = rest;
                        if !rest.predicate.is_empty() {
                            rest.stages = std::mem::take(&mut rest.predicate);
                        }
                        steps_mut(&mut result).push(rest);
                    }
                }
                let steps = steps_mut(&mut result);
                for step in steps.iter_mut() {
                    match &step.kind {
                        Kind::Num(_) | Kind::Bool(_) | Kind::Null => return Err(err(
                            "S0213",
                            "The literal value cannot be used as a step within a path expression",
                        )
                        .at(step.pos)),
                        Kind::Str(s) => step.kind = Kind::Name(s.clone()),
                        _ => {}
                    }
                }
                let keep = steps.iter().any(|s| s.keep_array);
                if let Some(first) = steps.first_mut() {
                    if matches!(first.kind, Kind::Array(_)) {
                        first.consarray = true;
                    }
                }
                if let Some(last) = steps.last_mut() {
                    if matches!(last.kind, Kind::Array(_)) {
                        last.consarray = true;
                    }
                }
                if keep {
                    result.keep_singleton_array = true;
                }
                self.resolve_ancestry(&mut result)?;
                result
            }
            Kind::RawFilter(lhs, rhs) => {
                let mut result = self.process(*lhs)?;
                let predicate = self.process(*rhs)?;
                let is_path = matches!(result.kind, Kind::Path(_));
                let step: &mut Node = if is_path {
                    steps_mut(&mut result).last_mut().expect("steps")
                } else {
                    &mut result
                };
                if step.group.is_some() {
                    return Err(err(
                        "S0209",
                        "A predicate cannot follow a grouping expression in a step",
                    )
                    .at(pos));
                }
                if !predicate.seeking_parent.is_empty() {
                    for &slot in &predicate.seeking_parent {
                        if self.slots[slot].level == 1 {
                            self.seek_parent(step, slot)?;
                        } else {
                            self.slots[slot].level -= 1;
                        }
                    }
                    Self::push_ancestry(step, &predicate);
                }
                if is_path {
                    step.stages.push(Stage::Filter(predicate));
                } else {
                    step.predicate.push(Stage::Filter(predicate));
                }
                result
            }
            Kind::RawGroup(lhs, pairs) => {
                let mut result = self.process(*lhs)?;
                if result.group.is_some() {
                    return Err(
                        err("S0210", "Each step can only have one grouping expression").at(pos),
                    );
                }
                let mut out = Vec::new();
                for (k, v) in pairs {
                    out.push((self.process(k)?, self.process(v)?));
                }
                result.group = Some(out);
                result
            }
            Kind::RawSort(lhs, terms) => {
                let result = self.process(*lhs)?;
                let mut result = path_of(result);
                let mut sort_step = Node::new(Kind::Null, pos);
                let mut out = Vec::new();
                for t in terms {
                    let e = self.process(t.expr)?;
                    Self::push_ancestry(&mut sort_step, &e);
                    out.push(SortTerm {
                        descending: t.descending,
                        expr: e,
                    });
                }
                sort_step.kind = Kind::Sort(out);
                steps_mut(&mut result).push(sort_step);
                self.resolve_ancestry(&mut result)?;
                result
            }
            Kind::RawFocus(lhs, name) => {
                let mut result = self.process(*lhs)?;
                let is_path = matches!(result.kind, Kind::Path(_));
                let step: &mut Node = if is_path {
                    steps_mut(&mut result).last_mut().expect("steps")
                } else {
                    &mut result
                };
                if !step.stages.is_empty() || !step.predicate.is_empty() {
                    return Err(err(
                        "S0215",
                        "A context variable binding must precede any predicates on a step",
                    )
                    .at(pos));
                }
                if matches!(step.kind, Kind::Sort(_)) {
                    return Err(err(
                        "S0216",
                        "A context variable binding must precede the 'order-by' clause on a step",
                    )
                    .at(pos));
                }
                if keep_array {
                    step.keep_array = true;
                }
                step.focus = Some(name);
                step.tuple = true;
                result
            }
            Kind::RawIndex(lhs, name) => {
                let result = self.process(*lhs)?;
                let mut result = if matches!(result.kind, Kind::Path(_)) {
                    result
                } else {
                    let mut r = result;
                    if !r.predicate.is_empty() {
                        r.stages = std::mem::take(&mut r.predicate);
                    }
                    path_of(r)
                };
                let step = steps_mut(&mut result).last_mut().expect("steps");
                if step.stages.is_empty() {
                    step.index = Some(name);
                } else {
                    step.stages.push(Stage::Index(name));
                }
                step.tuple = true;
                result
            }
            Kind::Apply(l, r) => {
                let l = self.process(*l)?;
                let r = self.process(*r)?;
                let mut n = Node::new(Kind::Null, pos);
                n.keep_array = l.keep_array || r.keep_array;
                n.kind = Kind::Apply(Box::new(l), Box::new(r));
                n
            }
            Kind::Binary(op, l, r) => {
                let l = self.process(*l)?;
                let r = self.process(*r)?;
                let mut n = Node::new(Kind::Null, pos);
                Self::push_ancestry(&mut n, &l);
                Self::push_ancestry(&mut n, &r);
                n.kind = Kind::Binary(op, Box::new(l), Box::new(r));
                n
            }
            Kind::Bind(name, rhs) => {
                let r = self.process(*rhs)?;
                let mut n = Node::new(Kind::Null, pos);
                Self::push_ancestry(&mut n, &r);
                n.kind = Kind::Bind(name, Box::new(r));
                n
            }
            Kind::Array(items) => {
                let mut n = Node::new(Kind::Null, pos);
                let mut out = Vec::new();
                for i in items {
                    let v = self.process(i)?;
                    Self::push_ancestry(&mut n, &v);
                    out.push(v);
                }
                n.kind = Kind::Array(out);
                n
            }
            Kind::Object(pairs) => {
                let mut n = Node::new(Kind::Null, pos);
                let mut out = Vec::new();
                for (k, v) in pairs {
                    let k = self.process(k)?;
                    Self::push_ancestry(&mut n, &k);
                    let v = self.process(v)?;
                    Self::push_ancestry(&mut n, &v);
                    out.push((k, v));
                }
                n.kind = Kind::Object(out);
                n
            }
            Kind::Neg(e) => {
                let e = self.process(*e)?;
                if let Kind::Num(v) = e.kind {
                    let mut e = e;
                    e.kind = Kind::Num(-v);
                    e
                } else {
                    let mut n = Node::new(Kind::Null, pos);
                    Self::push_ancestry(&mut n, &e);
                    n.kind = Kind::Neg(Box::new(e));
                    n
                }
            }
            Kind::Call {
                proc,
                args,
                partial,
            } => {
                let mut n = Node::new(Kind::Null, pos);
                let mut out = Vec::new();
                for a in args {
                    let a = self.process(a)?;
                    Self::push_ancestry(&mut n, &a);
                    out.push(a);
                }
                let proc = self.process(*proc)?;
                n.kind = Kind::Call {
                    proc: Box::new(proc),
                    args: out,
                    partial,
                };
                n
            }
            Kind::Lambda(def) => {
                let def = Arc::try_unwrap(def).unwrap_or_else(|a| LambdaDef {
                    params: a.params.clone(),
                    signature: a.signature.clone(),
                    body: a.body.clone(),
                });
                let body = tail_call_optimize(self.process(def.body)?);
                Node::new(
                    Kind::Lambda(Arc::new(LambdaDef {
                        params: def.params,
                        signature: def.signature,
                        body,
                    })),
                    pos,
                )
            }
            Kind::Condition(c, t, e) => {
                let mut n = Node::new(Kind::Null, pos);
                let c = self.process(*c)?;
                Self::push_ancestry(&mut n, &c);
                let t = self.process(*t)?;
                Self::push_ancestry(&mut n, &t);
                let e = match e {
                    Some(e) => {
                        let e = self.process(*e)?;
                        Self::push_ancestry(&mut n, &e);
                        Some(Box::new(e))
                    }
                    None => None,
                };
                n.kind = Kind::Condition(Box::new(c), Box::new(t), e);
                n
            }
            Kind::Coalesce(l, r) => {
                let (l, r, n) = self.pair(*l, *r, pos)?;
                Node {
                    kind: Kind::Coalesce(l, r),
                    ..n
                }
            }
            Kind::Elvis(l, r) => {
                let (l, r, n) = self.pair(*l, *r, pos)?;
                Node {
                    kind: Kind::Elvis(l, r),
                    ..n
                }
            }
            Kind::Transform(def) => {
                let def = Arc::try_unwrap(def).unwrap_or_else(|a| (*a).clone());
                let pattern = self.process(def.pattern)?;
                let update = self.process(def.update)?;
                let delete = match def.delete {
                    Some(d) => Some(self.process(d)?),
                    None => None,
                };
                Node::new(
                    Kind::Transform(Arc::new(TransformDef {
                        pattern,
                        update,
                        delete,
                    })),
                    pos,
                )
            }
            Kind::Block(items) => {
                let mut n = Node::new(Kind::Null, pos);
                let mut out = Vec::new();
                for i in items {
                    let p = self.process(i)?;
                    Self::push_ancestry(&mut n, &p);
                    if p.consarray || matches!(&p.kind, Kind::Path(s) if s[0].consarray) {
                        n.consarray = true;
                    }
                    out.push(p);
                }
                n.kind = Kind::Block(out);
                n
            }
            Kind::Name(name) => {
                let mut step = Node::new(Kind::Name(name), pos);
                step.keep_array = keep_array;
                let mut p = Node::new(Kind::Path(vec![step]), pos);
                p.keep_singleton_array = keep_array;
                p
            }
            Kind::Parent(_) => {
                let id = self.slots.len();
                self.slots.push(Slot {
                    label: id,
                    level: 1,
                });
                Node::new(Kind::Parent(id), pos)
            }
            other => Node::new(other, pos),
        };
        if keep_array {
            result.keep_array = true;
        }
        Ok(result)
    }

    fn pair(
        &mut self,
        l: Node,
        r: Node,
        pos: usize,
    ) -> Result<(Box<Node>, Box<Node>, Node), Error> {
        let mut n = Node::new(Kind::Null, pos);
        let l = self.process(l)?;
        Self::push_ancestry(&mut n, &l);
        let r = self.process(r)?;
        Self::push_ancestry(&mut n, &r);
        Ok((Box::new(l), Box::new(r), n))
    }
}

/// Marks calls in tail position of a lambda body so the trampoline runs them.
fn tail_call_optimize(mut node: Node) -> Node {
    match node.kind {
        Kind::Call { partial: false, .. } if node.predicate.is_empty() => {
            let pos = node.pos;
            let mut thunk = Node::new(
                Kind::Lambda(Arc::new(LambdaDef {
                    params: Vec::new(),
                    signature: None,
                    body: node,
                })),
                pos,
            );
            thunk.thunk = true;
            thunk
        }
        Kind::Condition(c, t, e) => {
            node.kind = Kind::Condition(
                c,
                Box::new(tail_call_optimize(*t)),
                e.map(|e| Box::new(tail_call_optimize(*e))),
            );
            node
        }
        Kind::Block(mut items) => {
            if let Some(last) = items.pop() {
                items.push(tail_call_optimize(last));
            }
            node.kind = Kind::Block(items);
            node
        }
        _ => node,
    }
}

/// Replaces slot ids by their final labels (parent slots that resolved to the same step share one).
pub(crate) fn relabel(node: &mut Node, labels: &[usize]) {
    node.walk_mut(&mut |n| {
        if let Kind::Parent(slot) = n.kind {
            n.kind = Kind::Parent(labels[slot]);
        }
        if let Some(a) = n.ancestor {
            n.ancestor = Some(labels[a]);
        }
    });
}
