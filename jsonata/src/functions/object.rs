//! Object functions and the value-type functions (`$type`, `$boolean`, `$exists`, `$error` ...).

use indexmap::IndexMap;

use crate::error::{err, Error};
use crate::eval::{append, lookup, Ctx, Evaluator};
use crate::functions::{arg, boolean, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("keys", "<x-:a<s>>", 1, f_keys),
    ("lookup", "<x-s:x>", 2, f_lookup),
    ("spread", "<x-:a<o>>", 1, f_spread),
    ("merge", "<a<o>:o>", 1, f_merge),
    ("type", "<x:s>", 1, f_type),
    ("error", "<s?:x>", 1, f_error),
    ("assert", "<bs?:x>", 2, f_assert),
    ("clone", "<(oa)-:o>", 1, f_clone),
    ("boolean", "<x-:b>", 1, f_boolean),
    ("not", "<x-:b>", 1, f_not),
    ("exists", "<x:b>", 1, f_exists),
];

/// A deep copy (objects are shared and mutable, so the transform operator works on a copy).
pub(crate) fn deep_clone(v: &Value) -> Value {
    match v {
        Value::Array(a, f) => {
            Value::Array(std::rc::Rc::new(a.iter().map(deep_clone).collect()), *f)
        }
        Value::Object(o) => Value::object(
            o.borrow()
                .iter()
                .map(|(k, v)| (k.clone(), deep_clone(v)))
                .collect(),
        ),
        v => v.clone(),
    }
}

fn keys_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(a, _) => a.iter().for_each(|m| keys_of(m, out)),
        Value::Object(o) => {
            for k in o.borrow().keys() {
                if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        _ => {}
    }
}

fn f_keys(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let mut out = Vec::new();
    keys_of(&arg(args, 0), &mut out);
    Ok(Value::seq(out.into_iter().map(Value::string).collect()))
}

fn f_lookup(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let key = arg(args, 1);
    Ok(lookup(&arg(args, 0), key.as_str().unwrap_or_default()))
}

fn spread(v: &Value) -> Value {
    match v {
        Value::Array(a, _) => {
            let mut r = Value::seq(Vec::new());
            for item in a.iter() {
                r = append(r, spread(item));
            }
            r
        }
        Value::Object(o) => Value::seq(
            o.borrow()
                .iter()
                .map(|(k, v)| Value::object(IndexMap::from([(k.clone(), v.clone())])))
                .collect(),
        ),
        v => v.clone(),
    }
}

fn f_spread(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(spread(&arg(args, 0)))
}

fn f_merge(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let v = arg(args, 0);
    if v.is_undefined() {
        return Ok(Value::Undefined);
    }
    let mut out = IndexMap::new();
    for m in v.members() {
        if let Value::Object(o) = m {
            for (k, v) in o.borrow().iter() {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::object(out))
}

fn f_type(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(arg(args, 0)
        .type_name()
        .map(Value::str)
        .unwrap_or(Value::Undefined))
}

fn f_error(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let msg = arg(args, 0)
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| "$error() function evaluated".into());
    Err(err("D3137", msg))
}

fn f_assert(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    match arg(args, 0) {
        Value::Bool(true) => Ok(Value::Undefined),
        Value::Bool(false) => {
            let msg = arg(args, 1)
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| "$assert() statement failed".into());
            Err(err("D3141", msg))
        }
        _ => Err(err(
            "T0410",
            "Argument 1 of function assert does not match function signature",
        )),
    }
}

fn f_clone(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(deep_clone(&arg(args, 0)))
}

fn f_boolean(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(boolean(&arg(args, 0))
        .map(Value::Bool)
        .unwrap_or(Value::Undefined))
}

fn f_not(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(boolean(&arg(args, 0))
        .map(|b| Value::Bool(!b))
        .unwrap_or(Value::Undefined))
}

fn f_exists(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(Value::Bool(!arg(args, 0).is_undefined()))
}
