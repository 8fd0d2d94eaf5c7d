//! Numeric functions and aggregates.

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::{arg, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("number", "<(nsb)-:n>", 1, f_number),
    ("floor", "<n-:n>", 1, f_floor),
    ("ceil", "<n-:n>", 1, f_ceil),
    ("round", "<n-n?:n>", 2, f_round),
    ("abs", "<n-:n>", 1, f_abs),
    ("sqrt", "<n-:n>", 1, f_sqrt),
    ("power", "<n-n:n>", 2, f_power),
    ("random", "<:n>", 0, f_random),
    ("sum", "<a<n>:n>", 1, f_sum),
    ("max", "<a<n>:n>", 1, f_max),
    ("min", "<a<n>:n>", 1, f_min),
    ("average", "<a<n>:n>", 1, f_average),
];

fn unary(args: &[Value], f: impl Fn(f64) -> f64) -> Result<Value, Error> {
    Ok(match arg(args, 0) {
        Value::Num(n) => Value::Num(f(n)),
        _ => Value::Undefined,
    })
}

/// Parses a string as `$number` does (JSON numbers, and 0x/0o/0b integers).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let json_like = {
        let b = t.as_bytes();
        let mut i = 0;
        if i < b.len() && b[i] == b'-' {
            i += 1;
        }
        let ds = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let mut ok = i > ds;
        if ok && i < b.len() && b[i] == b'.' {
            i += 1;
            let fs = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            ok = i > fs;
        }
        if ok && i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let es = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            ok = i > es;
        }
        ok && i == b.len()
    };
    if json_like {
        return t.parse::<f64>().ok().filter(|n| n.is_finite());
    }
    let radix = |p: &str, r: u32| {
        t.strip_prefix(p)
            .and_then(|d| i64::from_str_radix(d, r).ok())
            .map(|n| n as f64)
    };
    radix("0x", 16)
        .or_else(|| radix("0X", 16))
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0O", 8))
        .or_else(|| radix("0b", 2))
        .or_else(|| radix("0B", 2))
}

fn f_number(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    match arg(args, 0) {
        Value::Undefined => Ok(Value::Undefined),
        Value::Num(n) => Ok(Value::Num(n)),
        Value::Bool(b) => Ok(Value::Num(if b { 1.0 } else { 0.0 })),
        Value::Str(s) => match parse_number(&s) {
            Some(n) => Ok(Value::Num(n)),
            None => Err(err(
                "D3030",
                format!("Unable to cast value to a number: {s}"),
            )),
        },
        v => Err(err(
            "D3030",
            format!("Unable to cast value to a number: {v:?}"),
        )),
    }
}

fn f_floor(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    unary(args, f64::floor)
}

fn f_ceil(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    unary(args, f64::ceil)
}

fn f_abs(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    unary(args, f64::abs)
}

fn f_sqrt(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    match arg(args, 0) {
        Value::Num(n) if n < 0.0 => Err(err(
            "D3060",
            format!("The sqrt function cannot be applied to a negative number: {n}"),
        )),
        Value::Num(n) => Ok(Value::Num(n.sqrt())),
        _ => Ok(Value::Undefined),
    }
}

fn f_power(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let (Value::Num(b), Value::Num(e)) = (arg(args, 0), arg(args, 1)) else {
        return Ok(Value::Undefined);
    };
    let r = b.powf(e);
    if !r.is_finite() {
        return Err(err("D3061", format!("The power function has resulted in a value that cannot be represented as a JSON number: base={b}, exponent={e}")));
    }
    Ok(Value::Num(r))
}

/// Shifts the decimal point of `n` by `places` through its decimal text (no binary error).
fn shift(n: f64, places: i32) -> f64 {
    let s = crate::functions::string::js_num(n);
    let (m, e) = match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (s, 0),
    };
    format!("{m}e{}", e + places).parse().unwrap_or(n)
}

/// Rounds half to even at `precision` decimal places.
pub(crate) fn round_half_even(n: f64, precision: i32) -> f64 {
    let x = if precision != 0 {
        shift(n, precision)
    } else {
        n
    };
    let mut r = (x + 0.5).floor();
    if (r - x).abs() == 0.5 && (r % 2.0).abs() == 1.0 {
        r -= 1.0;
    }
    let r = if precision != 0 {
        shift(r, -precision)
    } else {
        r
    };
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn f_round(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Value::Num(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let p = arg(args, 1).as_num().unwrap_or(0.0) as i32;
    Ok(Value::Num(round_half_even(n, p)))
}

fn f_random(_: &mut Evaluator, _: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(Value::Num(crate::aws::random_unit(None)))
}

fn nums(args: &[Value]) -> Option<Vec<f64>> {
    let v = arg(args, 0);
    if v.is_undefined() {
        return None;
    }
    Some(v.members().iter().filter_map(Value::as_num).collect())
}

fn f_sum(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(nums(args)
        .map(|n| Value::Num(n.iter().sum()))
        .unwrap_or(Value::Undefined))
}

fn f_max(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(match nums(args) {
        Some(n) if !n.is_empty() => Value::Num(n.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        _ => Value::Undefined,
    })
}

fn f_min(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(match nums(args) {
        Some(n) if !n.is_empty() => Value::Num(n.iter().copied().fold(f64::INFINITY, f64::min)),
        _ => Value::Undefined,
    })
}

fn f_average(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(match nums(args) {
        Some(n) if !n.is_empty() => Value::Num(n.iter().sum::<f64>() / n.len() as f64),
        _ => Value::Undefined,
    })
}
