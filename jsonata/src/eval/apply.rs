//! Function application: calls, partial application, the tail-call trampoline, `~>` and transforms.

use std::rc::Rc;

use super::{Ctx, Evaluator};
use crate::ast::{Kind, Node, TransformDef};
use crate::env::{self, Env};
use crate::error::{err, Error};
use crate::functions;
use crate::value::{Func, Value};

impl Evaluator<'_> {
    pub(super) fn apply_expr(
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

    pub(super) fn call(
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
            if let Some(n) = self.variable_without_dollar(proc, env) {
                return Err(err(
                    "T1005",
                    format!("Attempted to invoke a non-function. Did you mean ${n}?"),
                )
                .at(pos)
                .with_token(n));
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

    pub(super) fn partial(
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
            if let Some(n) = self.variable_without_dollar(proc, env) {
                return Err(err(
                    "T1007",
                    format!("Attempted to partially apply a non-function. Did you mean ${n}?"),
                )
                .at(pos));
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

    /// The name a call's undefined callee `proc` would have as a variable, when it is a path whose
    /// first step names a bound variable: the caller forgot the `$`.
    fn variable_without_dollar(&mut self, proc: &Node, env: &Env) -> Option<String> {
        let Kind::Path(steps) = &proc.kind else {
            return None;
        };
        let Kind::Name(n) = &steps[0].kind else {
            return None;
        };
        (!env.lookup(n).is_undefined() || self.binding(n).is_some()).then(|| n.clone())
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
        check_nesting(&result)?;
        Ok(result)
    }

    pub(super) fn apply_inner(
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
                    Some(s) => Ok(functions::matching::regex_match_object(re, &s)),
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

    pub(super) fn transform(
        &mut self,
        def: &TransformDef,
        obj: Value,
        env: &Env,
    ) -> Result<Value, Error> {
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

/// Results of the constructs that can nest values deeper (constructors, function results) are
/// bounded, so converting or dropping them cannot exhaust the stack.
pub(super) fn check_nesting(v: &Value) -> Result<(), Error> {
    if matches!(v, Value::Array(..) | Value::Object(_))
        && crate::value::nests_deeper_than(v, crate::value::MAX_VALUE_DEPTH)
    {
        return Err(err(
            "U1001",
            format!(
                "The result nests arrays and objects deeper than {}",
                crate::value::MAX_VALUE_DEPTH
            ),
        ));
    }
    Ok(())
}

pub(super) fn proc_name(proc: &Node) -> String {
    match &proc.kind {
        Kind::Path(steps) => match &steps[0].kind {
            Kind::Name(n) => n.clone(),
            _ => String::new(),
        },
        Kind::Var(v) => v.clone(),
        _ => String::new(),
    }
}
