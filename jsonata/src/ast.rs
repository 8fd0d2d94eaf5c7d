//! The compiled form of an expression: the tree the parser builds and the evaluator walks.

use std::sync::Arc;

use crate::signature::Signature;

/// A binary operator that evaluates both sides as values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Concat,
    And,
    Or,
    In,
    Range,
}

/// One term of an order-by clause.
#[derive(Debug, Clone)]
pub(crate) struct SortTerm {
    pub descending: bool,
    pub expr: Node,
}

/// A stage applied to a step's results: a filter or an index (`#$i`) binding.
#[derive(Debug, Clone)]
pub(crate) enum Stage {
    Filter(Node),
    Index(String),
}

/// A lambda's definition (shared by every closure made from it).
#[derive(Debug)]
pub(crate) struct LambdaDef {
    pub params: Vec<String>,
    pub signature: Option<Signature>,
    pub body: Node,
}

/// A transform `| pattern | update, delete |`.
#[derive(Debug, Clone)]
pub(crate) struct TransformDef {
    pub pattern: Node,
    pub update: Node,
    pub delete: Option<Node>,
}

/// The kinds of nodes.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Regex(Arc<regex::Regex>),
    Name(String),
    Var(String),
    Wildcard,
    Descendant,
    /// `%`: the slot index (resolved to a label after parsing).
    Parent(usize),
    Path(Vec<Node>),
    Neg(Box<Node>),
    Array(Vec<Node>),
    Object(Vec<(Node, Node)>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Bind(String, Box<Node>),
    Apply(Box<Node>, Box<Node>),
    Condition(Box<Node>, Box<Node>, Option<Box<Node>>),
    /// `??`: the left side if it exists, else the right.
    Coalesce(Box<Node>, Box<Node>),
    /// `?:`: the left side if it is truthy, else the right.
    Elvis(Box<Node>, Box<Node>),
    Block(Vec<Node>),
    Lambda(Arc<LambdaDef>),
    Call {
        proc: Box<Node>,
        args: Vec<Node>,
        partial: bool,
    },
    /// `?` inside a partial application.
    Placeholder,
    Sort(Vec<SortTerm>),
    Transform(Arc<TransformDef>),
    // Raw forms, only between parsing and processing.
    RawDot(Box<Node>, Box<Node>),
    RawFilter(Box<Node>, Box<Node>),
    RawGroup(Box<Node>, Vec<(Node, Node)>),
    RawSort(Box<Node>, Vec<SortTerm>),
    RawFocus(Box<Node>, String),
    RawIndex(Box<Node>, String),
}

/// A node with the annotations the path evaluator uses.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub pos: usize,
    pub keep_array: bool,
    /// On a path: keep a singleton result as an array.
    pub keep_singleton_array: bool,
    /// Predicates on a non-step node.
    pub predicate: Vec<Stage>,
    /// Predicates and index bindings on a step.
    pub stages: Vec<Stage>,
    pub group: Option<Vec<(Node, Node)>>,
    pub focus: Option<String>,
    pub index: Option<String>,
    pub tuple: bool,
    pub consarray: bool,
    /// On a step: the label under which its input is kept for `%`.
    pub ancestor: Option<usize>,
    pub seeking_parent: Vec<usize>,
    /// On a lambda body: a tail call to be run by the trampoline.
    pub thunk: bool,
    /// The height of the tree below this node (bounded, so walks cannot exhaust the stack).
    pub height: usize,
}

impl Node {
    pub(crate) fn new(kind: Kind, pos: usize) -> Node {
        let mut n = Node {
            kind,
            pos,
            keep_array: false,
            keep_singleton_array: false,
            predicate: Vec::new(),
            stages: Vec::new(),
            group: None,
            focus: None,
            index: None,
            tuple: false,
            consarray: false,
            ancestor: None,
            seeking_parent: Vec::new(),
            thunk: false,
            height: 1,
        };
        n.height = 1 + n.children().iter().map(|c| c.height).max().unwrap_or(0);
        n
    }
}

impl Node {
    /// The direct sub-expressions, for read-only walks.
    pub(crate) fn children(&self) -> Vec<&Node> {
        let mut out: Vec<&Node> = Vec::new();
        match &self.kind {
            Kind::Path(v) | Kind::Array(v) | Kind::Block(v) => out.extend(v.iter()),
            Kind::Object(p) | Kind::RawGroup(_, p) => {
                p.iter().for_each(|(k, v)| out.extend([k, v]))
            }
            Kind::Neg(a) | Kind::Bind(_, a) | Kind::RawFocus(a, _) | Kind::RawIndex(a, _) => {
                out.push(a)
            }
            Kind::Binary(_, a, b)
            | Kind::Apply(a, b)
            | Kind::Coalesce(a, b)
            | Kind::Elvis(a, b)
            | Kind::RawDot(a, b)
            | Kind::RawFilter(a, b) => out.extend([&**a, &**b]),
            Kind::Condition(a, b, c) => {
                out.extend([&**a, &**b]);
                if let Some(c) = c {
                    out.push(c);
                }
            }
            Kind::Lambda(def) => out.push(&def.body),
            Kind::Call { proc, args, .. } => {
                out.push(proc);
                out.extend(args.iter());
            }
            Kind::Sort(terms) | Kind::RawSort(_, terms) => {
                out.extend(terms.iter().map(|t| &t.expr))
            }
            Kind::Transform(def) => {
                out.extend([&def.pattern, &def.update]);
                if let Some(d) = &def.delete {
                    out.push(d);
                }
            }
            _ => {}
        }
        if let Kind::RawGroup(a, _) | Kind::RawSort(a, _) = &self.kind {
            out.push(a);
        }
        for s in self.stages.iter().chain(self.predicate.iter()) {
            if let Stage::Filter(f) = s {
                out.push(f);
            }
        }
        if let Some(g) = &self.group {
            g.iter().for_each(|(k, v)| out.extend([k, v]));
        }
        out
    }

    /// Applies `f` to every node below (and including) this one, mutably.
    pub(crate) fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Node)) {
        f(self);
        match &mut self.kind {
            Kind::Path(v) | Kind::Array(v) | Kind::Block(v) => {
                v.iter_mut().for_each(|n| n.walk_mut(f))
            }
            Kind::Object(p) => p.iter_mut().for_each(|(k, v)| {
                k.walk_mut(f);
                v.walk_mut(f);
            }),
            Kind::Neg(a) | Kind::Bind(_, a) => a.walk_mut(f),
            Kind::Binary(_, a, b)
            | Kind::Apply(a, b)
            | Kind::Coalesce(a, b)
            | Kind::Elvis(a, b) => {
                a.walk_mut(f);
                b.walk_mut(f);
            }
            Kind::Condition(a, b, c) => {
                a.walk_mut(f);
                b.walk_mut(f);
                if let Some(c) = c {
                    c.walk_mut(f);
                }
            }
            Kind::Lambda(def) => {
                if let Some(def) = Arc::get_mut(def) {
                    def.body.walk_mut(f);
                }
            }
            Kind::Call { proc, args, .. } => {
                proc.walk_mut(f);
                args.iter_mut().for_each(|n| n.walk_mut(f));
            }
            Kind::Sort(terms) => terms.iter_mut().for_each(|t| t.expr.walk_mut(f)),
            Kind::Transform(def) => {
                if let Some(def) = Arc::get_mut(def) {
                    def.pattern.walk_mut(f);
                    def.update.walk_mut(f);
                    if let Some(d) = &mut def.delete {
                        d.walk_mut(f);
                    }
                }
            }
            _ => {}
        }
        for s in self.stages.iter_mut().chain(self.predicate.iter_mut()) {
            if let Stage::Filter(p) = s {
                p.walk_mut(f);
            }
        }
        if let Some(g) = &mut self.group {
            g.iter_mut().for_each(|(k, v)| {
                k.walk_mut(f);
                v.walk_mut(f);
            });
        }
    }
}
