//! Higher-order functions: `$map`, `$filter`, `$single`, `$reduce`, `$sift`, `$each`, `$sort`.

use indexmap::IndexMap;

use crate::error::{err, Error};
use crate::eval::{merge_sort, Ctx, Evaluator};
use crate::functions::{arg, boolean, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("map", "<af>", 2, f_map),
    ("filter", "<af>", 2, f_filter),
    ("single", "<af?>", 2, f_single),
    ("reduce", "<afj?:j>", 3, f_reduce),
    ("sift", "<o-f?:o>", 2, f_sift),
    ("each", "<o-f:a>", 2, f_each),
    ("sort", "<af?:a>", 2, f_sort),
];

fn f_map(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let arr = arg(args, 0);
    if arr.is_undefined() {
        return Ok(Value::Undefined);
    }
    let f = arg(args, 1);
    let items = arr.members();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let r = ev.apply_hof(&f, [item.clone(), Value::Num(i as f64), arr.clone()], ctx)?;
        if !r.is_undefined() {
            out.push(r);
        }
    }
    Ok(Value::seq(out))
}

fn f_filter(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let arr = arg(args, 0);
    if arr.is_undefined() {
        return Ok(Value::Undefined);
    }
    let f = arg(args, 1);
    let mut out = Vec::new();
    for (i, item) in arr.members().iter().enumerate() {
        let r = ev.apply_hof(&f, [item.clone(), Value::Num(i as f64), arr.clone()], ctx)?;
        if boolean(&r) == Some(true) {
            out.push(item.clone());
        }
    }
    Ok(Value::seq(out))
}

fn f_single(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let arr = arg(args, 0);
    if arr.is_undefined() {
        return Ok(Value::Undefined);
    }
    let f = arg(args, 1);
    let mut found: Option<Value> = None;
    for (i, item) in arr.members().iter().enumerate() {
        let ok = if f.is_undefined() {
            true
        } else {
            boolean(&ev.apply_hof(&f, [item.clone(), Value::Num(i as f64), arr.clone()], ctx)?)
                == Some(true)
        };
        if ok {
            if found.is_some() {
                return Err(err("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more."));
            }
            found = Some(item.clone());
        }
    }
    found.ok_or_else(|| {
        err(
            "D3139",
            "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        )
    })
}

fn f_reduce(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let seq = arg(args, 0);
    if seq.is_undefined() {
        return Ok(Value::Undefined);
    }
    let f = arg(args, 1);
    let arity = Evaluator::arity(&f);
    if arity < 2 {
        return Err(err(
            "D3050",
            "The second argument of reduce function must be a function with at least two arguments",
        ));
    }
    let items = seq.members();
    let init = arg(args, 2);
    let (mut acc, start) = if init.is_undefined() && !items.is_empty() {
        (items[0].clone(), 1)
    } else {
        (init, 0)
    };
    for (i, item) in items.iter().enumerate().skip(start) {
        let mut a = vec![acc, item.clone()];
        if arity >= 3 {
            a.push(Value::Num(i as f64));
        }
        if arity >= 4 {
            a.push(seq.clone());
        }
        acc = ev.apply(&f, a, ctx.input, ctx.env)?;
    }
    Ok(acc)
}

/// The object argument of `$sift` and `$each`, and a copy of its entries (the function they
/// apply may change the object), or `None` when the argument is not an object.
fn object_and_entries(value: Value) -> Option<(Value, Vec<(String, Value)>)> {
    let Value::Object(o) = &value else {
        return None;
    };
    let entries = o
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some((value, entries))
}

fn f_sift(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let Some((obj, entries)) = object_and_entries(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    let f = arg(args, 1);
    let mut out = IndexMap::new();
    for (k, v) in entries {
        let r = ev.apply_hof(&f, [v.clone(), Value::string(k.clone()), obj.clone()], ctx)?;
        if boolean(&r) == Some(true) {
            out.insert(k, v);
        }
    }
    Ok(if out.is_empty() {
        Value::Undefined
    } else {
        Value::object(out)
    })
}

fn f_each(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let Some((obj, entries)) = object_and_entries(arg(args, 0)) else {
        return Ok(Value::Undefined);
    };
    let f = arg(args, 1);
    let mut out = Vec::new();
    for (k, v) in entries {
        let r = ev.apply_hof(&f, [v, Value::string(k), obj.clone()], ctx)?;
        if !r.is_undefined() {
            out.push(r);
        }
    }
    Ok(Value::seq(out))
}

fn f_sort(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let arr = arg(args, 0);
    if arr.is_undefined() {
        return Ok(Value::Undefined);
    }
    let items = arr.members();
    if items.len() <= 1 {
        return Ok(arr);
    }
    let f = arg(args, 1);
    if f.is_undefined() {
        let all_num = items.iter().all(|v| matches!(v, Value::Num(_)));
        let all_str = items.iter().all(|v| matches!(v, Value::Str(_)));
        if !all_num && !all_str {
            return Err(err("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function"));
        }
        let sorted = merge_sort(items, &|a: &Value, b: &Value| {
            Ok(match (a, b) {
                (Value::Num(x), Value::Num(y)) => x > y,
                (Value::Str(x), Value::Str(y)) => {
                    crate::functions::string::js_cmp(x, y) == std::cmp::Ordering::Greater
                }
                _ => false,
            })
        })?;
        return Ok(Value::array(sorted));
    }
    // The comparator needs the evaluator; sort with a fallible insertion of errors.
    let cell = std::cell::RefCell::new(&mut *ev);
    let sorted = merge_sort(items, &|a: &Value, b: &Value| {
        let mut ev = cell.borrow_mut();
        let r = ev.apply(&f, vec![a.clone(), b.clone()], ctx.input, ctx.env)?;
        Ok(boolean(&r) == Some(true))
    })?;
    Ok(Value::array(sorted))
}
