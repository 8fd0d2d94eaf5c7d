//! Paths: steps, stages, predicates, tuple streams (`@`, `#`, `%`), grouping and order-by.

use std::rc::Rc;

use indexmap::IndexMap;

use super::{append, Evaluator};
use crate::ast::{Kind, Node, SortTerm, Stage};
use crate::env::{self, Env};
use crate::error::{err, Error};
use crate::functions::{self, boolean};
use crate::value::{Flags, Value};

pub(super) fn seq_or_single(items: Vec<Value>) -> Value {
    Value::seq(items)
}

pub(super) fn frame_from_tuple(env: &Env, tuple: &Value) -> Env {
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

pub(super) fn new_tuple(entries: Vec<(String, Value)>) -> Value {
    Value::object(entries.into_iter().collect())
}

impl Evaluator<'_> {
    pub(super) fn path(
        &mut self,
        node: &Node,
        steps: &[Node],
        input: &Value,
        env: &Env,
    ) -> Result<Value, Error> {
        let (start, mut input_seq, mut result) = match self.raw_prefix(node, steps, env) {
            Some((k, v)) => {
                let seq = match &v {
                    Value::Array(a, _) => a.as_ref().clone(),
                    Value::Undefined => Vec::new(),
                    v => vec![v.clone()],
                };
                (k, seq, v)
            }
            None => {
                let seq = match input {
                    Value::Array(a, _) if !matches!(steps[0].kind, Kind::Var(_)) => {
                        a.as_ref().clone()
                    }
                    v => vec![v.clone()],
                };
                (0, seq, Value::Undefined)
            }
        };
        let input_flags = input.flags();
        let mut tuples: Option<Vec<Value>> = None;
        let mut tuple_stream = Value::Undefined;
        let mut is_tuple = false;
        for (i, step) in steps.iter().enumerate().skip(start) {
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

    /// A path that starts `$binding.name.name...` reads the binding's JSON directly, converting
    /// only the value it reaches (not the whole of, say, `$states`). Returns how many steps it
    /// took and the value; `None` where the general evaluation is needed.
    pub(super) fn raw_prefix(
        &mut self,
        node: &Node,
        steps: &[Node],
        env: &Env,
    ) -> Option<(usize, Value)> {
        let simple = |s: &Node| {
            s.stages.is_empty()
                && s.predicate.is_empty()
                && s.group.is_none()
                && s.focus.is_none()
                && s.index.is_none()
                && !s.tuple
                && !s.keep_array
                && !s.consarray
                && s.ancestor.is_none()
        };
        if node.keep_singleton_array || node.group.is_some() || node.tuple || steps.len() < 2 {
            return None;
        }
        let Kind::Var(name) = &steps[0].kind else {
            return None;
        };
        if !simple(&steps[0])
            || self.converted.contains_key(name)
            || !env.lookup(name).is_undefined()
        {
            return None;
        }
        let mut cur: &serde_json::Value = self.raw.get(name.as_str())?;
        let mut k = 1;
        while k < steps.len() && simple(&steps[k]) {
            let (Kind::Name(field), serde_json::Value::Object(o)) = (&steps[k].kind, cur) else {
                break;
            };
            k += 1;
            match o.get(field) {
                Some(v) => {
                    cur = v;
                    if v.is_array() {
                        break;
                    }
                }
                None => return Some((steps.len(), Value::Undefined)),
            }
        }
        (k > 1).then(|| (k, Value::from_json(cur)))
    }

    pub(super) fn step(
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

    pub(super) fn stages(
        &mut self,
        stages: &[Stage],
        input: Value,
        env: &Env,
    ) -> Result<Value, Error> {
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

    pub(super) fn tuple_step(
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

    pub(super) fn group(
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

    pub(super) fn sort(&mut self, node: &Node, input: &Value, env: &Env) -> Result<Value, Error> {
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
}

pub(super) fn reduce_tuples(data: &Value) -> IndexMap<String, Value> {
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
pub(super) fn sort_swap(
    terms: &[SortTerm],
    a: &[Value],
    b: &[Value],
    pos: usize,
) -> Result<bool, Error> {
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

pub(super) fn flatten_into(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(a, _) => a.iter().for_each(|x| flatten_into(x, out)),
        v => out.push(v.clone()),
    }
}

pub(super) fn wildcard(input: &Value) -> Value {
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

pub(super) fn descendants(v: &Value, out: &mut Vec<Value>) {
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
