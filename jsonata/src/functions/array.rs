//! Array functions.

use std::rc::Rc;

use crate::error::Error;
use crate::eval::{Ctx, Evaluator};
use crate::functions::{arg, Def};
use crate::value::{deep_equal, Flags, Value};

pub(crate) const FUNCTIONS: &[Def] = &[
    ("count", "<a:n>", 1, f_count),
    ("append", "<xx:a>", 2, f_append),
    ("reverse", "<a:a>", 1, f_reverse),
    ("shuffle", "<a:a>", 1, f_shuffle),
    ("distinct", "<x:x>", 1, f_distinct),
    ("zip", "<a+>", 1, f_zip),
];

fn f_count(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(Value::Num(arg(args, 0).members().len() as f64))
}

fn f_append(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let (a, b) = (arg(args, 0), arg(args, 1));
    if a.is_undefined() {
        return Ok(b);
    }
    if b.is_undefined() {
        return Ok(a);
    }
    let mut items = a.members();
    items.extend(b.members());
    Ok(Value::array(items))
}

fn f_reverse(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(reordered(arg(args, 0), |items| items.reverse()))
}

fn f_shuffle(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(reordered(arg(args, 0), |items| {
        for i in (1..items.len()).rev() {
            let j = (crate::aws::random_unit(None) * (i + 1) as f64) as usize;
            items.swap(i, j.min(i));
        }
    }))
}

/// `$reverse` and `$shuffle`: the members of `v` put in a new order by `order`; `v` itself when
/// it has fewer than two (undefined stays undefined).
fn reordered(v: Value, order: impl FnOnce(&mut Vec<Value>)) -> Value {
    if v.is_undefined() {
        return Value::Undefined;
    }
    let mut items = v.members();
    if items.len() <= 1 {
        return v;
    }
    order(&mut items);
    Value::array(items)
}

fn f_distinct(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let v = arg(args, 0);
    let Value::Array(items, _) = &v else {
        return Ok(v);
    };
    if items.len() <= 1 {
        return Ok(v);
    }
    let mut out: Vec<Value> = Vec::new();
    for item in items.iter() {
        if !out.iter().any(|o| deep_equal(o, item)) {
            out.push(item.clone());
        }
    }
    Ok(Value::Array(
        Rc::new(out),
        Flags {
            sequence: v.is_sequence(),
            ..Flags::PLAIN
        },
    ))
}

fn f_zip(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let arrays: Vec<Vec<Value>> = args.iter().map(|a| a.members()).collect();
    let n = arrays.iter().map(|a| a.len()).min().unwrap_or(0);
    Ok(Value::array(
        (0..n)
            .map(|i| Value::array(arrays.iter().map(|a| a[i].clone()).collect()))
            .collect(),
    ))
}
