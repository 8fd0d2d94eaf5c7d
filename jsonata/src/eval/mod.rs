//! The evaluator: walks the compiled tree with jsonata-js's sequence semantics.

use std::rc::Rc;
use std::time::Instant;

use crate::ast::{BinOp, Kind, Node, Stage};
use crate::env::{self, Env};
use crate::error::{err, Error};
use crate::functions::{self, boolean};
use crate::value::{Flags, Func, Value};

mod apply;
mod path;

use apply::check_nesting;
use path::{descendants, wildcard};
pub(crate) use path::{lookup, merge_sort};

/// What a native function sees besides its arguments.
pub(crate) struct Ctx<'a> {
    pub input: &'a Value,
    pub env: &'a Env,
}

/// One evaluation's state: limits, the clock and the caller's bindings.
pub(crate) struct Evaluator<'a> {
    /// The caller's variable bindings, still JSON: converted when first used.
    raw: std::collections::HashMap<&'a str, &'a serde_json::Value>,
    converted: std::collections::HashMap<String, Value>,
    depth: usize,
    max_depth: usize,
    deadline: Option<Instant>,
    ticks: u32,
    /// `$now()`/`$millis()`: fixed for the whole evaluation.
    pub(crate) now_ms: f64,
    pub(crate) options: crate::Options,
    /// Frames that `:=` bound into: cleared at the end, which breaks the reference cycles a
    /// recursive function makes with the frame that holds it.
    bound_frames: Vec<Env>,
}

/// `fn.append` of jsonata-js.
pub(crate) fn append(a: Value, b: Value) -> Value {
    if a.is_undefined() {
        return b;
    }
    if b.is_undefined() {
        return a;
    }
    let mut items = a.members();
    let flags = if a.is_array() { a.flags() } else { Flags::SEQ };
    match b {
        Value::Array(bb, _) => items.extend(bb.iter().cloned()),
        v => items.push(v),
    }
    Value::Array(
        Rc::new(items),
        Flags {
            cons: false,
            keep_singleton: false,
            outer_wrapper: false,
            ..flags
        },
    )
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(
        limits: &crate::Limits,
        options: crate::Options,
        raw: std::collections::HashMap<&'a str, &'a serde_json::Value>,
    ) -> Evaluator<'a> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0);
        Evaluator {
            raw,
            converted: std::collections::HashMap::new(),
            depth: 0,
            max_depth: limits.max_depth,
            deadline: Instant::now().checked_add(limits.max_time),
            ticks: 0,
            now_ms: now,
            options,
            bound_frames: Vec::new(),
        }
    }

    /// A caller's binding (converted once) or a built-in function.
    pub(crate) fn binding(&mut self, name: &str) -> Option<Value> {
        if let Some(v) = self.converted.get(name) {
            return Some(v.clone());
        }
        if let Some(raw) = self.raw.get(name) {
            let v = Value::from_json(raw);
            self.converted.insert(name.to_string(), v.clone());
            return Some(v);
        }
        functions::builtin(name, &self.options)
    }

    /// Clears the frames bindings were made in (call once the result is converted).
    pub(crate) fn release(&mut self) {
        for f in self.bound_frames.drain(..) {
            f.clear();
        }
        self.converted.clear();
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(err("U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."));
        }
        self.tick()
    }

    /// Checks the time limit (every so often).
    pub(crate) fn tick(&mut self) -> Result<(), Error> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(64) {
            if let Some(d) = self.deadline {
                if Instant::now() > d {
                    return Err(err(
                        "U1001",
                        "Expression evaluation timeout: Check for infinite loop",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Evaluates `node` against `input` in `env`.
    pub(crate) fn eval(&mut self, node: &Node, input: &Value, env: &Env) -> Result<Value, Error> {
        crate::stack::grown(|| self.eval_node(node, input, env))
    }

    fn eval_node(&mut self, node: &Node, input: &Value, env: &Env) -> Result<Value, Error> {
        self.enter()?;
        let mut result = self.eval_kind(node, input, env)?;
        for stage in &node.predicate {
            if let Stage::Filter(p) = stage {
                result = self.filter(p, &result, env)?;
            }
        }
        if !matches!(node.kind, Kind::Path(_)) {
            if let Some(group) = &node.group {
                result = self.group(group, &result, env, node.pos)?;
            }
        }
        self.depth -= 1;
        if matches!(node.kind, Kind::Array(_) | Kind::Object(_)) || node.group.is_some() {
            check_nesting(&result).map_err(|e| e.at(node.pos))?;
        }
        Ok(self.normalize(result, node.keep_array))
    }

    fn normalize(&self, result: Value, keep_array: bool) -> Value {
        match result {
            Value::Array(items, mut flags) if flags.sequence && !flags.tuple_stream => {
                if keep_array {
                    flags.keep_singleton = true;
                }
                if items.is_empty() {
                    Value::Undefined
                } else if items.len() == 1 && !flags.keep_singleton {
                    items[0].clone()
                } else {
                    Value::Array(items, flags)
                }
            }
            v => v,
        }
    }

    fn eval_kind(&mut self, node: &Node, input: &Value, env: &Env) -> Result<Value, Error> {
        Ok(match &node.kind {
            Kind::Path(steps) => self.path(node, steps, input, env)?,
            Kind::Str(s) => Value::str(s),
            Kind::Num(n) => Value::Num(*n),
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Null => Value::Null,
            Kind::Regex(r) => Value::Func(Rc::new(Func::Regex(r.clone()))),
            Kind::Name(name) => lookup(input, name),
            Kind::Var(name) => {
                if name.is_empty() {
                    match input {
                        Value::Array(a, f) if f.outer_wrapper => {
                            a.first().cloned().unwrap_or(Value::Undefined)
                        }
                        v => v.clone(),
                    }
                } else {
                    let v = env.lookup(name);
                    if v.is_undefined() {
                        self.binding(name).unwrap_or(Value::Undefined)
                    } else {
                        v
                    }
                }
            }
            Kind::Wildcard => wildcard(input),
            Kind::Descendant => {
                if input.is_undefined() {
                    Value::Undefined
                } else {
                    let mut out = Vec::new();
                    descendants(input, &mut out);
                    if out.len() == 1 {
                        out.pop().unwrap_or(Value::Undefined)
                    } else {
                        Value::seq(out)
                    }
                }
            }
            Kind::Parent(label) => env.lookup(&format!("!{label}")),
            Kind::Neg(e) => {
                let v = self.eval(e, input, env)?;
                match v {
                    Value::Undefined => Value::Undefined,
                    Value::Num(n) if n.is_finite() => Value::Num(-n),
                    _ => return Err(err("D1002", "Cannot negate a non-numeric value").at(node.pos)),
                }
            }
            Kind::Array(items) => {
                let mut out: Vec<Value> = Vec::new();
                for item in items {
                    let v = self.eval(item, input, env)?;
                    if v.is_undefined() {
                        continue;
                    }
                    if matches!(item.kind, Kind::Array(_)) {
                        out.push(v);
                    } else {
                        match v {
                            Value::Array(a, _) => out.extend(a.iter().cloned()),
                            v => out.push(v),
                        }
                    }
                }
                Value::Array(
                    Rc::new(out),
                    Flags {
                        cons: node.consarray,
                        ..Flags::PLAIN
                    },
                )
            }
            Kind::Object(pairs) => self.group(pairs, input, env, node.pos)?,
            Kind::Binary(op, l, r) => self
                .binary(*op, l, r, input, env)
                .map_err(|e| e.at(node.pos))?,
            Kind::Bind(name, rhs) => {
                let v = self.eval(rhs, input, env)?;
                env.bind(name, v.clone());
                if !self.bound_frames.last().is_some_and(|f| Rc::ptr_eq(f, env)) {
                    self.bound_frames.push(env.clone());
                }
                v
            }
            Kind::Apply(l, r) => self.apply_expr(l, r, input, env, node.pos)?,
            Kind::Condition(c, t, e) => {
                let cv = self.eval(c, input, env)?;
                if boolean(&cv) == Some(true) {
                    self.eval(t, input, env)?
                } else if let Some(e) = e {
                    self.eval(e, input, env)?
                } else {
                    Value::Undefined
                }
            }
            Kind::Coalesce(l, r) => {
                let v = self.eval(l, input, env)?;
                if v.is_undefined() {
                    self.eval(r, input, env)?
                } else {
                    v
                }
            }
            Kind::Elvis(l, r) => {
                let v = self.eval(l, input, env)?;
                if boolean(&v) == Some(true) {
                    v
                } else {
                    self.eval(r, input, env)?
                }
            }
            Kind::Block(items) => {
                let frame = env::child(env);
                let mut last = Value::Undefined;
                for item in items {
                    last = self.eval(item, input, &frame)?;
                }
                last
            }
            Kind::Lambda(def) => Value::Func(Rc::new(Func::Lambda {
                def: def.clone(),
                env: env.clone(),
                input: input.clone(),
                thunk: node.thunk,
            })),
            Kind::Call {
                proc,
                args,
                partial,
            } => {
                if *partial {
                    self.partial(proc, args, input, env, node.pos)?
                } else {
                    self.call(proc, args, input, env, None, node.pos)?
                }
            }
            Kind::Placeholder => Value::Undefined,
            Kind::Sort(_) => {
                let seq = match input {
                    Value::Array(..) => input.clone(),
                    v => Value::seq(vec![v.clone()]),
                };
                self.sort(node, &seq, env)?
            }
            Kind::Transform(def) => Value::Func(Rc::new(Func::Transform {
                def: def.clone(),
                env: env.clone(),
            })),
            Kind::RawDot(..)
            | Kind::RawFilter(..)
            | Kind::RawGroup(..)
            | Kind::RawSort(..)
            | Kind::RawFocus(..)
            | Kind::RawIndex(..) => return Err(err("S0201", "Syntax error").at(node.pos)),
        })
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &Node,
        r: &Node,
        input: &Value,
        env: &Env,
    ) -> Result<Value, Error> {
        let lhs = self.eval(l, input, env)?;
        if op == BinOp::And || op == BinOp::Or {
            let lb = boolean(&lhs) == Some(true);
            return Ok(Value::Bool(match op {
                BinOp::And => lb && boolean(&self.eval(r, input, env)?) == Some(true),
                _ => lb || boolean(&self.eval(r, input, env)?) == Some(true),
            }));
        }
        let rhs = self.eval(r, input, env)?;
        functions::operators::binary(op, &lhs, &rhs)
    }
}
