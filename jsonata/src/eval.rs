//! The evaluator: walks the compiled tree with jsonata-js's sequence semantics.

use std::rc::Rc;
use std::time::Instant;

use indexmap::IndexMap;

use crate::ast::{BinOp, Kind, Node, SortTerm, Stage, TransformDef};
use crate::env::{self, Env};
use crate::error::{err, Error};
use crate::functions::{self, boolean};
use crate::value::{Flags, Func, Value};

/// What a native function sees besides its arguments.
pub(crate) struct Ctx<'a> {
    pub input: &'a Value,
    pub env: &'a Env,
}

/// One evaluation's state: limits and the clock.
pub(crate) struct Evaluator {
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

fn seq_or_single(items: Vec<Value>) -> Value {
    Value::seq(items)
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

fn frame_from_tuple(env: &Env, tuple: &Value) -> Env {
    let frame = env::child(env);
    if let Value::Object(o) = tuple {
        for (k, v) in o.borrow().iter() {
            if k != "@" {
                frame.bind(k, v.clone());
            }
        }
    }
    frame
}

fn new_tuple(entries: Vec<(String, Value)>) -> Value {
    Value::object(entries.into_iter().collect())
}

impl Evaluator {
    pub(crate) fn new(limits: &crate::Limits, options: crate::Options) -> Evaluator {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0);
        Evaluator {
            depth: 0,
            max_depth: limits.max_depth,
            deadline: Instant::now().checked_add(limits.max_time),
            ticks: 0,
            now_ms: now,
            options,
            bound_frames: Vec::new(),
        }
    }

    /// Clears the frames bindings were made in (call once the result is converted).
    pub(crate) fn release(&mut self) {
        for f in self.bound_frames.drain(..) {
            f.clear();
        }
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
        if self.ticks % 64 == 0 {
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
                        functions::builtin(name, &self.options).unwrap_or(Value::Undefined)
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

    fn path(
        &mut self,
        node: &Node,
        steps: &[Node],
        input: &Value,
        env: &Env,
    ) -> Result<Value, Error> {
        let mut input_seq: Vec<Value> = match input {
            Value::Array(a, _) if !matches!(steps[0].kind, Kind::Var(_)) => a.as_ref().clone(),
            v => vec![v.clone()],
        };
        let input_flags = input.flags();
        let mut result = Value::Undefined;
        let mut tuples: Option<Vec<Value>> = None;
        let mut tuple_stream = Value::Undefined;
        let mut is_tuple = false;
        for (i, step) in steps.iter().enumerate() {
            if step.tuple {
                is_tuple = true;
            }
            if i == 0 && step.consarray {
                let inp = if input.is_array() {
                    Value::Array(Rc::new(input_seq.clone()), input_flags)
                } else {
                    Value::seq(input_seq.clone())
                };
                result = self.eval(step, &inp, env)?;
            } else if is_tuple {
                tuples = Some(self.tuple_step(step, &input_seq, tuples.take(), env)?);
            } else {
                result = self.step(step, &input_seq, env, i == steps.len() - 1)?;
            }
            if !is_tuple {
                let empty = match &result {
                    Value::Undefined => true,
                    Value::Array(a, _) => a.is_empty(),
                    _ => false,
                };
                if empty {
                    break;
                }
            }
            if step.focus.is_none() {
                input_seq = match &result {
                    Value::Array(a, _) => a.as_ref().clone(),
                    Value::Undefined => Vec::new(),
                    v => vec![v.clone()],
                };
            }
        }
        if is_tuple {
            let t = tuples.unwrap_or_default();
            tuple_stream = Value::Array(
                Rc::new(t.clone()),
                Flags {
                    tuple_stream: true,
                    ..Flags::SEQ
                },
            );
            if node.tuple {
                result = Value::Array(
                    Rc::new(t),
                    Flags {
                        tuple_stream: true,
                        ..Flags::SEQ
                    },
                );
            } else {
                result = Value::seq(t.iter().map(|t| t.tuple_get("@")).collect());
            }
        }
        if node.keep_singleton_array {
            result = match result {
                Value::Array(a, f) if f.cons && !f.sequence => Value::Array(
                    Rc::new(vec![Value::Array(a, f)]),
                    Flags {
                        keep_singleton: true,
                        ..Flags::SEQ
                    },
                ),
                Value::Array(a, f) => Value::Array(
                    a,
                    Flags {
                        keep_singleton: true,
                        ..f
                    },
                ),
                Value::Undefined => Value::Undefined,
                v => Value::Array(
                    Rc::new(vec![v]),
                    Flags {
                        keep_singleton: true,
                        ..Flags::SEQ
                    },
                ),
            };
        }
        if let Some(group) = &node.group {
            let source = if is_tuple { &tuple_stream } else { &result };
            result = self.group(group, source, env, node.pos)?;
        }
        Ok(result)
    }

    fn step(
        &mut self,
        step: &Node,
        input: &[Value],
        env: &Env,
        last: bool,
    ) -> Result<Value, Error> {
        if matches!(step.kind, Kind::Sort(_)) {
            let r = self.sort(step, &Value::seq(input.to_vec()), env)?;
            return self.stages(&step.stages, r, env);
        }
        let mut results = Vec::new();
        for item in input {
            let mut res = self.eval(step, item, env)?;
            for stage in &step.stages {
                if let Stage::Filter(p) = stage {
                    res = self.filter(p, &res, env)?;
                }
            }
            if !res.is_undefined() {
                results.push(res);
            }
        }
        if last && results.len() == 1 {
            if let Value::Array(_, f) = &results[0] {
                if !f.sequence {
                    return Ok(results.pop().unwrap_or(Value::Undefined));
                }
            }
        }
        let mut out = Vec::new();
        for r in results {
            match r {
                Value::Array(a, f) if !f.cons => out.extend(a.iter().cloned()),
                v => out.push(v),
            }
        }
        Ok(seq_or_single(out))
    }

    fn stages(&mut self, stages: &[Stage], input: Value, env: &Env) -> Result<Value, Error> {
        let mut result = input;
        for stage in stages {
            match stage {
                Stage::Filter(p) => result = self.filter(p, &result, env)?,
                Stage::Index(name) => {
                    if let Value::Array(a, _) = &result {
                        for (i, t) in a.iter().enumerate() {
                            if let Value::Object(o) = t {
                                o.borrow_mut().insert(name.clone(), Value::Num(i as f64));
                            }
                        }
                    }
                }
            }
        }
        Ok(result)
    }

    fn tuple_step(
        &mut self,
        step: &Node,
        input: &[Value],
        tuples: Option<Vec<Value>>,
        env: &Env,
    ) -> Result<Vec<Value>, Error> {
        if matches!(step.kind, Kind::Sort(_)) {
            let result = match tuples {
                Some(t) => self.sort(
                    step,
                    &Value::Array(
                        Rc::new(t),
                        Flags {
                            tuple_stream: true,
                            ..Flags::SEQ
                        },
                    ),
                    env,
                )?,
                None => {
                    let sorted = self.sort(step, &Value::seq(input.to_vec()), env)?;
                    let mut out = Vec::new();
                    for (i, v) in sorted.members().into_iter().enumerate() {
                        let mut entries = vec![("@".to_string(), v)];
                        if let Some(ix) = &step.index {
                            entries.push((ix.clone(), Value::Num(i as f64)));
                        }
                        out.push(new_tuple(entries));
                    }
                    Value::Array(
                        Rc::new(out),
                        Flags {
                            tuple_stream: true,
                            ..Flags::SEQ
                        },
                    )
                }
            };
            let r = self.stages(&step.stages, result, env)?;
            return Ok(r.members());
        }
        let tuples = tuples.unwrap_or_else(|| {
            input
                .iter()
                .map(|v| new_tuple(vec![("@".to_string(), v.clone())]))
                .collect()
        });
        let mut out = Vec::new();
        for tuple in &tuples {
            let step_env = frame_from_tuple(env, tuple);
            let context = tuple.tuple_get("@");
            let res = self.eval(step, &context, &step_env)?;
            if res.is_undefined() {
                continue;
            }
            let res_tuple = res.is_tuple_stream();
            let items = match &res {
                Value::Array(a, _) => a.as_ref().clone(),
                v => vec![v.clone()],
            };
            for (bb, item) in items.into_iter().enumerate() {
                let base = match tuple {
                    Value::Object(o) => o.borrow().clone(),
                    _ => IndexMap::new(),
                };
                let mut t = base;
                if res_tuple {
                    if let Value::Object(o) = &item {
                        for (k, v) in o.borrow().iter() {
                            t.insert(k.clone(), v.clone());
                        }
                    }
                } else {
                    if let Some(f) = &step.focus {
                        t.insert(f.clone(), item);
                        t.insert("@".to_string(), context.clone());
                    } else {
                        t.insert("@".to_string(), item);
                    }
                    if let Some(ix) = &step.index {
                        t.insert(ix.clone(), Value::Num(bb as f64));
                    }
                    if let Some(anc) = step.ancestor {
                        t.insert(format!("!{anc}"), context.clone());
                    }
                }
                out.push(Value::object(t));
            }
        }
        let r = self.stages(
            &step.stages,
            Value::Array(
                Rc::new(out),
                Flags {
                    tuple_stream: true,
                    ..Flags::SEQ
                },
            ),
            env,
        )?;
        Ok(r.members())
    }

    pub(crate) fn filter(&mut self, pred: &Node, input: &Value, env: &Env) -> Result<Value, Error> {
        let tuple_stream = input.is_tuple_stream();
        let items = input.members();
        let mut out = Vec::new();
        let flags = Flags {
            tuple_stream,
            ..Flags::SEQ
        };
        if let Kind::Num(n) = pred.kind {
            if pred.predicate.is_empty() && pred.group.is_none() {
                let mut index = n.floor();
                if index < 0.0 {
                    index += items.len() as f64;
                }
                if index >= 0.0 {
                    if let Some(item) = items.get(index as usize) {
                        if let Value::Array(..) = item {
                            return Ok(item.clone());
                        }
                        out.push(item.clone());
                    }
                }
                return Ok(Value::Array(Rc::new(out), flags));
            }
        }
        let len = items.len() as f64;
        for (index, item) in items.iter().enumerate() {
            let (context, env2) = if tuple_stream {
                (item.tuple_get("@"), frame_from_tuple(env, item))
            } else {
                (item.clone(), env.clone())
            };
            let res = self.eval(pred, &context, &env2)?;
            let nums: Option<Vec<f64>> = match &res {
                Value::Num(n) if n.is_finite() => Some(vec![*n]),
                Value::Array(a, _) if a.iter().all(|v| matches!(v, Value::Num(_))) => {
                    Some(a.iter().filter_map(|v| v.as_num()).collect())
                }
                _ => None,
            };
            if let Some(nums) = nums {
                for n in nums {
                    let mut ii = n.floor();
                    if ii < 0.0 {
                        ii += len;
                    }
                    if ii == index as f64 {
                        out.push(item.clone());
                    }
                }
            } else if boolean(&res) == Some(true) {
                out.push(item.clone());
            }
        }
        Ok(Value::Array(Rc::new(out), flags))
    }

    fn group(
        &mut self,
        pairs: &[(Node, Node)],
        input: &Value,
        env: &Env,
        pos: usize,
    ) -> Result<Value, Error> {
        let reduce = input.is_tuple_stream();
        let mut items = match input {
            Value::Array(a, _) => a.as_ref().clone(),
            v => vec![v.clone()],
        };
        if items.is_empty() {
            items.push(Value::Undefined);
        }
        let mut groups: IndexMap<String, (Value, usize)> = IndexMap::new();
        for item in &items {
            let env2 = if reduce {
                frame_from_tuple(env, item)
            } else {
                env.clone()
            };
            let ctx = if reduce {
                item.tuple_get("@")
            } else {
                item.clone()
            };
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = self.eval(k, &ctx, &env2)?;
                match key {
                    Value::Undefined => {}
                    Value::Str(s) => {
                        if let Some(entry) = groups.get_mut(&*s) {
                            if entry.1 != pi {
                                return Err(err(
                                    "D1009",
                                    format!("Multiple key definitions evaluate to same key: {s}"),
                                )
                                .at(pos));
                            }
                            entry.0 = append(
                                std::mem::replace(&mut entry.0, Value::Undefined),
                                item.clone(),
                            );
                        } else {
                            groups.insert(s.to_string(), (item.clone(), pi));
                        }
                    }
                    other => {
                        return Err(err(
                            "T1003",
                            format!(
                                "Key in object structure must evaluate to a string; got: {other:?}"
                            ),
                        )
                        .at(pos))
                    }
                }
            }
        }
        let mut result = IndexMap::new();
        for (key, (data, pi)) in groups {
            let (ctx, env2) = if reduce {
                let tuple = reduce_tuples(&data);
                let ctx = tuple.get("@").cloned().unwrap_or(Value::Undefined);
                let frame = env::child(env);
                for (k, v) in tuple {
                    if k != "@" {
                        frame.bind(&k, v);
                    }
                }
                (ctx, frame)
            } else {
                (data, env.clone())
            };
            let v = self.eval(&pairs[pi].1, &ctx, &env2)?;
            if !v.is_undefined() {
                result.insert(key, v);
            }
        }
        Ok(Value::object(result))
    }

    fn sort(&mut self, node: &Node, input: &Value, env: &Env) -> Result<Value, Error> {
        let Kind::Sort(terms) = &node.kind else {
            return Ok(input.clone());
        };
        let is_tuple = input.is_tuple_stream();
        let items = input.members();
        // Evaluate the keys once per item.
        let mut keyed = Vec::new();
        for item in items {
            let (ctx, env2) = if is_tuple {
                (item.tuple_get("@"), frame_from_tuple(env, &item))
            } else {
                (item.clone(), env.clone())
            };
            let mut keys = Vec::new();
            for t in terms {
                keys.push(self.eval(&t.expr, &ctx, &env2)?);
            }
            keyed.push((keys, item));
        }
        let cmp = |a: &(Vec<Value>, Value), b: &(Vec<Value>, Value)| -> Result<bool, Error> {
            sort_swap(terms, &a.0, &b.0, node.pos)
        };
        let sorted = merge_sort(keyed, &cmp)?;
        let out: Vec<Value> = sorted.into_iter().map(|(_, v)| v).collect();
        Ok(Value::Array(
            Rc::new(out),
            Flags {
                tuple_stream: is_tuple,
                ..Flags::SEQ
            },
        ))
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

    fn apply_expr(
        &mut self,
        l: &Node,
        r: &Node,
        input: &Value,
        env: &Env,
        pos: usize,
    ) -> Result<Value, Error> {
        let lhs = self.eval(l, input, env)?;
        if let Kind::Call {
            proc,
            args,
            partial: false,
        } = &r.kind
        {
            return self.call(proc, args, input, env, Some(lhs), r.pos);
        }
        let func = self.eval(r, input, env)?;
        if !func.is_function() {
            return Err(err(
                "T2006",
                "The right side of the function application operator ~> must be a function",
            )
            .at(pos));
        }
        if lhs.is_function() {
            return Ok(Value::Func(Rc::new(Func::Chain(lhs, func))));
        }
        self.apply(&func, vec![lhs], &Value::Undefined, env)
    }

    fn call(
        &mut self,
        proc: &Node,
        args: &[Node],
        input: &Value,
        env: &Env,
        applyto: Option<Value>,
        pos: usize,
    ) -> Result<Value, Error> {
        let f = self.eval(proc, input, env)?;
        let name = proc_name(proc);
        if f.is_undefined() {
            if let Kind::Path(steps) = &proc.kind {
                if let Kind::Name(n) = &steps[0].kind {
                    if !env.lookup(n).is_undefined()
                        || functions::builtin(n, &self.options).is_some()
                    {
                        return Err(err(
                            "T1005",
                            format!("Attempted to invoke a non-function. Did you mean ${n}?"),
                        )
                        .at(pos)
                        .with_token(n.clone()));
                    }
                }
            }
        }
        let mut vals = Vec::with_capacity(args.len() + 1);
        if let Some(a) = applyto {
            vals.push(a);
        }
        for a in args {
            vals.push(self.eval(a, input, env)?);
        }
        self.apply(&f, vals, input, env)
            .map_err(|e| e.at(pos).with_token(name))
    }

    fn partial(
        &mut self,
        proc: &Node,
        args: &[Node],
        input: &Value,
        env: &Env,
        pos: usize,
    ) -> Result<Value, Error> {
        let mut vals = Vec::new();
        for a in args {
            if matches!(a.kind, Kind::Placeholder) {
                vals.push(None);
            } else {
                vals.push(Some(self.eval(a, input, env)?));
            }
        }
        let f = self.eval(proc, input, env)?;
        if f.is_undefined() {
            if let Kind::Path(steps) = &proc.kind {
                if let Kind::Name(n) = &steps[0].kind {
                    if !env.lookup(n).is_undefined()
                        || functions::builtin(n, &self.options).is_some()
                    {
                        return Err(err(
                            "T1007",
                            format!(
                                "Attempted to partially apply a non-function. Did you mean ${n}?"
                            ),
                        )
                        .at(pos));
                    }
                }
            }
        }
        if !f.is_function() {
            return Err(err("T1008", "Attempted to partially apply a non-function").at(pos));
        }
        Ok(Value::Func(Rc::new(Func::Partial {
            func: f,
            args: vals,
        })))
    }

    /// Applies a function value to arguments (running tail calls to the end).
    pub(crate) fn apply(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        input: &Value,
        env: &Env,
    ) -> Result<Value, Error> {
        let mut result = self.apply_inner(f, args, input, env)?;
        while let Value::Func(func) = &result {
            let Func::Lambda {
                def,
                env: lenv,
                input: linput,
                thunk: true,
            } = func.as_ref()
            else {
                break;
            };
            let Kind::Call { proc, args, .. } = &def.body.kind else {
                break;
            };
            self.tick()?;
            let next = self.eval(proc, linput, lenv)?;
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(self.eval(a, linput, lenv)?);
            }
            let name = proc_name(proc);
            let pos = def.body.pos;
            result = self
                .apply_inner(&next, vals, input, env)
                .map_err(|e| e.at(pos).with_token(name))?;
        }
        Ok(result)
    }

    fn apply_inner(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        input: &Value,
        env: &Env,
    ) -> Result<Value, Error> {
        let Value::Func(func) = f else {
            return Err(err("T1006", "Attempted to invoke a non-function"));
        };
        match func.as_ref() {
            Func::Lambda {
                def,
                env: lenv,
                input: linput,
                ..
            } => {
                let args = match &def.signature {
                    Some(sig) => sig.validate(&args, input)?,
                    None => args,
                };
                let frame = env::child(lenv);
                for (i, p) in def.params.iter().enumerate() {
                    frame.bind(p, args.get(i).cloned().unwrap_or(Value::Undefined));
                }
                self.eval(&def.body, linput, &frame)
            }
            Func::Native { sig, imp, name, .. } => {
                let args = match sig {
                    Some(sig) => sig
                        .validate(&args, input)
                        .map_err(|e| e.with_token(*name))?,
                    None => args,
                };
                imp(self, &args, &Ctx { input, env })
            }
            Func::Host { sig, imp, name } => {
                let args = match sig {
                    Some(sig) => sig
                        .validate(&args, input)
                        .map_err(|e| e.with_token(name.clone()))?,
                    None => args,
                };
                let json: Vec<serde_json::Value> = args
                    .iter()
                    .map(|a| a.to_json().unwrap_or(serde_json::Value::Null))
                    .collect();
                Ok(imp(&json)?
                    .map(|v| Value::from_json(&v))
                    .unwrap_or(Value::Undefined))
            }
            Func::Partial { func, args: pargs } => {
                let mut supplied = args.into_iter();
                let mut full = Vec::new();
                for a in pargs {
                    match a {
                        Some(v) => full.push(v.clone()),
                        None => full.push(supplied.next().unwrap_or(Value::Undefined)),
                    }
                }
                self.apply_inner(func, full, input, env)
            }
            Func::Regex(re) => {
                let s = args.first().and_then(|a| a.as_str().map(str::to_string));
                match s {
                    Some(s) => Ok(functions::string::regex_match_object(re, &s, 0)),
                    None => Ok(Value::Undefined),
                }
            }
            Func::Chain(f1, f2) => {
                let mid = self.apply(f1, args, input, env)?;
                self.apply(f2, vec![mid], input, env)
            }
            Func::Transform { def, env: tenv } => {
                self.transform(def, args.first().cloned().unwrap_or(Value::Undefined), tenv)
            }
        }
    }

    fn transform(&mut self, def: &TransformDef, obj: Value, env: &Env) -> Result<Value, Error> {
        match &obj {
            Value::Undefined => return Ok(Value::Undefined),
            Value::Object(_) | Value::Array(..) => {}
            _ => {
                return Err(err(
                    "T0410",
                    "Argument 1 of function transform does not match function signature",
                ))
            }
        }
        let result = functions::object::deep_clone(&obj);
        let matches = self.eval(&def.pattern, &result, env)?;
        for m in matches.members() {
            let update = self.eval(&def.update, &m, env)?;
            match &update {
                Value::Undefined => {}
                Value::Object(u) => {
                    if let Value::Object(target) = &m {
                        let u = u.borrow().clone();
                        let mut t = target.borrow_mut();
                        for (k, v) in u {
                            t.insert(k, v);
                        }
                    }
                }
                _ => return Err(err("T2011", "The insert/update clause of the transform expression must evaluate to an object").at(def.update.pos)),
            }
            if let Some(del) = &def.delete {
                let d = self.eval(del, &m, env)?;
                if d.is_undefined() {
                    continue;
                }
                let keys = d.members();
                if !keys.iter().all(|k| matches!(k, Value::Str(_))) {
                    return Err(err("T2012", "The delete clause of the transform expression must evaluate to a string or array of strings").at(del.pos));
                }
                if let Value::Object(target) = &m {
                    let mut t = target.borrow_mut();
                    for k in keys {
                        if let Some(k) = k.as_str() {
                            t.shift_remove(k);
                        }
                    }
                }
            }
        }
        Ok(result)
    }

    /// The number of arguments a function value takes (for higher-order functions).
    pub(crate) fn arity(f: &Value) -> usize {
        match f {
            Value::Func(func) => match func.as_ref() {
                Func::Lambda { def, .. } => def.params.len(),
                Func::Native { arity, .. } => *arity,
                Func::Host { .. } => 1,
                Func::Partial { args, .. } => args.iter().filter(|a| a.is_none()).count(),
                Func::Regex(_) => 1,
                Func::Chain(a, _) => Self::arity(a),
                Func::Transform { .. } => 1,
            },
            _ => 0,
        }
    }

    /// Calls `f` with as many of `(value, index, array)` as it takes.
    pub(crate) fn apply_hof(
        &mut self,
        f: &Value,
        args: [Value; 3],
        ctx: &Ctx,
    ) -> Result<Value, Error> {
        let n = Self::arity(f).clamp(1, 3);
        let args: Vec<Value> = args.into_iter().take(n).collect();
        self.apply(f, args, ctx.input, ctx.env)
    }
}

fn proc_name(proc: &Node) -> String {
    match &proc.kind {
        Kind::Path(steps) => match &steps[0].kind {
            Kind::Name(n) => n.clone(),
            _ => String::new(),
        },
        Kind::Var(v) => v.clone(),
        _ => String::new(),
    }
}

fn reduce_tuples(data: &Value) -> IndexMap<String, Value> {
    match data {
        Value::Array(a, _) => {
            let mut result: IndexMap<String, Value> = match a.first() {
                Some(Value::Object(o)) => o.borrow().clone(),
                _ => IndexMap::new(),
            };
            for t in a.iter().skip(1) {
                if let Value::Object(o) = t {
                    for (k, v) in o.borrow().iter() {
                        let prev = result.shift_remove(k).unwrap_or(Value::Undefined);
                        result.insert(k.clone(), append(prev, v.clone()));
                    }
                }
            }
            result
        }
        Value::Object(o) => o.borrow().clone(),
        _ => IndexMap::new(),
    }
}

/// jsonata-js's sort comparator: true when `a` must come after `b`.
fn sort_swap(terms: &[SortTerm], a: &[Value], b: &[Value], pos: usize) -> Result<bool, Error> {
    let mut comp = 0;
    for (i, term) in terms.iter().enumerate() {
        if comp != 0 {
            break;
        }
        let (aa, bb) = (&a[i], &b[i]);
        if aa.is_undefined() {
            comp = if bb.is_undefined() { 0 } else { 1 };
            continue;
        }
        if bb.is_undefined() {
            comp = -1;
            continue;
        }
        let ok = |v: &Value| matches!(v, Value::Num(_) | Value::Str(_));
        if !ok(aa) || !ok(bb) {
            return Err(err("T2008", "The expressions within an order-by clause must evaluate to numeric or string values").at(pos));
        }
        comp = match (aa, bb) {
            (Value::Num(x), Value::Num(y)) => {
                if x == y {
                    0
                } else if x < y {
                    -1
                } else {
                    1
                }
            }
            (Value::Str(x), Value::Str(y)) => match functions::string::js_cmp(x, y) {
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Greater => 1,
            },
            _ => {
                return Err(err(
                    "T2007",
                    "Type mismatch within order-by clause. All values must be of the same type",
                )
                .at(pos))
            }
        };
        if comp == 0 {
            continue;
        }
        if term.descending {
            comp = -comp;
        }
    }
    Ok(comp == 1)
}

/// A stable merge sort with a fallible "swap" comparator (as jsonata-js's `$sort`).
pub(crate) fn merge_sort<T: Clone>(
    items: Vec<T>,
    swap: &dyn Fn(&T, &T) -> Result<bool, Error>,
) -> Result<Vec<T>, Error> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mid = items.len() / 2;
    let mut left = items;
    let right = left.split_off(mid);
    let left = merge_sort(left, swap)?;
    let right = merge_sort(right, swap)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if swap(&left[i], &right[j])? {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    Ok(out)
}

/// `fn.lookup`: a field of an object, mapped over arrays (flattening one level).
pub(crate) fn lookup(input: &Value, key: &str) -> Value {
    match input {
        Value::Array(a, _) => {
            let mut out = Vec::new();
            for item in a.iter() {
                match lookup(item, key) {
                    Value::Undefined => {}
                    Value::Array(inner, _) => out.extend(inner.iter().cloned()),
                    v => out.push(v),
                }
            }
            Value::seq(out)
        }
        Value::Object(o) => o.borrow().get(key).cloned().unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    }
}

fn flatten_into(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(a, _) => a.iter().for_each(|x| flatten_into(x, out)),
        v => out.push(v.clone()),
    }
}

fn wildcard(input: &Value) -> Value {
    let input = match input {
        Value::Array(a, f) if f.outer_wrapper && !a.is_empty() => a[0].clone(),
        v => v.clone(),
    };
    let mut out = Vec::new();
    let values: Vec<Value> = match &input {
        Value::Object(o) => o.borrow().values().cloned().collect(),
        Value::Array(a, _) => a.as_ref().clone(),
        _ => Vec::new(),
    };
    for v in values {
        match v {
            Value::Array(..) => flatten_into(&v, &mut out),
            v => out.push(v),
        }
    }
    Value::seq(out)
}

fn descendants(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(a, _) => a.iter().for_each(|m| descendants(m, out)),
        Value::Object(o) => {
            out.push(v.clone());
            for m in o.borrow().values() {
                descendants(m, out);
            }
        }
        v => out.push(v.clone()),
    }
}
