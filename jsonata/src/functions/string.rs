//! String functions, JSON stringification and JavaScript number formatting.

use std::cmp::Ordering;

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::matching::{find_matches, limit_arg, match_object, substitute};
use crate::functions::{arg, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("string", "<x-b?:s>", 1, f_string),
    ("substring", "<s-nn?:s>", 3, f_substring),
    ("substringBefore", "<s-s:s>", 2, f_substring_before),
    ("substringAfter", "<s-s:s>", 2, f_substring_after),
    ("lowercase", "<s-:s>", 1, f_lowercase),
    ("uppercase", "<s-:s>", 1, f_uppercase),
    ("length", "<s-:n>", 1, f_length),
    ("trim", "<s-:s>", 1, f_trim),
    ("pad", "<s-ns?:s>", 3, f_pad),
    ("match", "<s-f<s:o>n?:a<o>>", 3, f_match),
    ("contains", "<s-(sf):b>", 2, f_contains),
    ("replace", "<s-(sf)(sf)n?:s>", 4, f_replace),
    ("split", "<s-(sf)n?:a<s>>", 3, f_split),
    ("join", "<a<s>s?:s>", 2, f_join),
];

/// The longest string a function builds on request (`$pad` widths): 16 Mi characters.
pub(crate) const MAX_STRING: usize = 16 << 20;

/// String ordering as JavaScript compares strings (UTF-16 code units).
pub(crate) fn js_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A number as JavaScript's `Number.prototype.toString()` writes it.
pub(crate) fn js_num(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n == 0.0 {
        return "0".into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let e = format!("{:e}", n.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let point = exp + 1;
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let m = if k == 1 {
            digits.clone()
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        let x = point - 1;
        format!("{m}e{}{}", if x < 0 { "-" } else { "+" }, x.abs())
    };
    format!("{sign}{body}")
}

/// `Number(n.toPrecision(15))`.
pub(crate) fn precision15(n: f64) -> f64 {
    if n.fract() == 0.0 {
        return n;
    }
    format!("{n:.14e}").parse().unwrap_or(n)
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(v: &Value, pretty: bool, indent: usize, out: &mut String) {
    let nl = |out: &mut String, level: usize| {
        if pretty {
            out.push('\n');
            out.push_str(&"  ".repeat(level));
        }
    };
    match v {
        Value::Undefined | Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => out.push_str(&js_num(precision15(*n))),
        Value::Str(s) => json_string(s, out),
        Value::Func(_) => out.push_str("\"\""),
        Value::Array(a, _) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, indent + 1);
                write_json(item, pretty, indent + 1, out);
            }
            nl(out, indent);
            out.push(']');
        }
        Value::Object(o) => {
            let o = o.borrow();
            let entries: Vec<_> = o.iter().filter(|(_, v)| !v.is_undefined()).collect();
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, indent + 1);
                json_string(k, out);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write_json(item, pretty, indent + 1, out);
            }
            nl(out, indent);
            out.push('}');
        }
    }
}

/// `fn.string`: strings unchanged, functions `""`, the rest as JSON (numbers to 15 digits).
pub(crate) fn stringify(v: &Value, pretty: bool) -> Result<String, Error> {
    Ok(match v {
        Value::Str(s) => s.to_string(),
        Value::Func(_) => String::new(),
        Value::Num(n) if !n.is_finite() => {
            return Err(err(
                "D3001",
                "Attempting to invoke string function on Infinity or NaN",
            ))
        }
        Value::Num(n) => js_num(precision15(*n)),
        Value::Array(a, f) if f.outer_wrapper && !a.is_empty() => stringify(&a[0], pretty)?,
        v => {
            if has_infinite(v) {
                return Err(err("D1001", "Number out of range"));
            }
            let mut s = String::new();
            write_json(v, pretty, 0, &mut s);
            s
        }
    })
}

fn has_infinite(v: &Value) -> bool {
    match v {
        Value::Num(n) => !n.is_finite(),
        Value::Array(a, _) => a.iter().any(has_infinite),
        Value::Object(o) => o.borrow().values().any(has_infinite),
        _ => false,
    }
}

fn s_arg(args: &[Value], i: usize) -> Option<String> {
    args.get(i).and_then(|v| v.as_str().map(str::to_string))
}

fn f_string(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let v = arg(args, 0);
    if v.is_undefined() {
        return Ok(Value::Undefined);
    }
    let pretty = matches!(arg(args, 1), Value::Bool(true));
    Ok(Value::string(stringify(&v, pretty)?))
}

/// `Array.prototype.slice` index rules (negative from the end, clamped).
fn slice_index(i: f64, len: usize) -> usize {
    let len_f = len as f64;
    let i = if i.is_nan() { 0.0 } else { i.trunc() };
    if i < 0.0 {
        (len_f + i).max(0.0) as usize
    } else {
        i.min(len_f) as usize
    }
}

fn f_substring(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as f64;
    let mut start = arg(args, 1).as_num().unwrap_or(0.0);
    if len + start < 0.0 {
        start = 0.0;
    }
    let from = slice_index(start, chars.len());
    let out: String = match arg(args, 2).as_num() {
        Some(l) => {
            if l <= 0.0 {
                return Ok(Value::str(""));
            }
            let end = if start >= 0.0 {
                start + l
            } else {
                len + start + l
            };
            let to = slice_index(end, chars.len());
            if to <= from {
                String::new()
            } else {
                chars[from..to].iter().collect()
            }
        }
        None => chars[from..].iter().collect(),
    };
    Ok(Value::string(out))
}

fn f_substring_before(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let Some(c) = s_arg(args, 1) else {
        return Ok(Value::string(s));
    };
    Ok(Value::string(match s.find(&c) {
        Some(i) => s[..i].to_string(),
        None => s,
    }))
}

fn f_substring_after(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let Some(c) = s_arg(args, 1) else {
        return Ok(Value::string(s));
    };
    Ok(Value::string(match s.find(&c) {
        Some(i) => s[i + c.len()..].to_string(),
        None => s,
    }))
}

fn f_lowercase(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(s_arg(args, 0)
        .map(|s| Value::string(s.to_lowercase()))
        .unwrap_or(Value::Undefined))
}

fn f_uppercase(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(s_arg(args, 0)
        .map(|s| Value::string(s.to_uppercase()))
        .unwrap_or(Value::Undefined))
}

fn f_length(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(s_arg(args, 0)
        .map(|s| Value::Num(s.chars().count() as f64))
        .unwrap_or(Value::Undefined))
}

fn f_trim(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let mut out = String::new();
    let mut in_ws = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    let t = out.strip_prefix(' ').unwrap_or(&out);
    let t = t.strip_suffix(' ').unwrap_or(t);
    Ok(Value::str(t))
}

fn f_pad(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let width = arg(args, 1).as_num().unwrap_or(0.0);
    let pad = match s_arg(args, 2) {
        Some(p) if !p.is_empty() => p,
        _ => " ".to_string(),
    };
    let len = s.chars().count() as f64;
    let n = width.abs().trunc() - len;
    if n <= 0.0 {
        return Ok(Value::string(s));
    }
    if n > MAX_STRING as f64 {
        return Err(err("U1001", "The padded string would be too long"));
    }
    let padding: String = pad.chars().cycle().take(n as usize).collect();
    Ok(Value::string(if width > 0.0 {
        s + &padding
    } else {
        padding + &s
    }))
}

fn f_match(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    if arg(args, 2).as_num().is_some_and(|n| n < 0.0) {
        return Err(err(
            "D3040",
            "Third argument of match function must evaluate to a positive number",
        ));
    }
    let ms = find_matches(ev, ctx, &arg(args, 1), &s, limit_arg(args, 2))?;
    Ok(Value::seq(
        ms.iter().map(|m| match_object(m, true)).collect(),
    ))
}

fn f_contains(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let pat = arg(args, 1);
    if pat.is_undefined() {
        return Ok(Value::Undefined);
    }
    Ok(Value::Bool(match &pat {
        Value::Str(p) => s.contains(&**p),
        v => !find_matches(ev, ctx, v, &s, Some(1))?.is_empty(),
    }))
}

fn f_replace(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let pattern = arg(args, 1);
    let replacement = arg(args, 2);
    if pattern.as_str() == Some("") {
        return Err(err(
            "D3010",
            "Second argument of replace function cannot be an empty string",
        ));
    }
    if arg(args, 3).as_num().is_some_and(|n| n < 0.0) {
        return Err(err(
            "D3011",
            "Fourth argument of replace function must evaluate to a positive number",
        ));
    }
    let limit = limit_arg(args, 3);
    if let Value::Str(p) = &pattern {
        let rep = stringify(&replacement, false)?;
        let mut out = String::new();
        let mut rest = s.as_str();
        let mut count = 0;
        while let Some(i) = rest.find(&**p) {
            if limit.is_some_and(|l| count >= l) {
                break;
            }
            out.push_str(&rest[..i]);
            out.push_str(&rep);
            rest = &rest[i + p.len()..];
            count += 1;
        }
        out.push_str(rest);
        return Ok(Value::string(out));
    }
    let ms = find_matches(ev, ctx, &pattern, &s, limit)?;
    let mut out = String::new();
    let mut pos = 0;
    for m in &ms {
        out.push_str(&s[pos.min(m.byte_start)..m.byte_start]);
        match &replacement {
            Value::Str(r) => out.push_str(&substitute(r, m)),
            f if f.is_function() => {
                let r = ev.apply(f, vec![match_object(m, false)], ctx.input, ctx.env)?;
                match r {
                    Value::Str(r) => out.push_str(&r),
                    _ => {
                        return Err(err(
                            "D3012",
                            "Attempted to replace a matched string with a non-string value",
                        ))
                    }
                }
            }
            _ => {}
        }
        pos = m.byte_end;
    }
    out.push_str(&s[pos.min(s.len())..]);
    Ok(Value::string(out))
}

fn f_split(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    if arg(args, 2).as_num().is_some_and(|n| n < 0.0) {
        return Err(err(
            "D3020",
            "Third argument of split function must evaluate to a positive number",
        ));
    }
    let limit = arg(args, 2).as_num().map(|n| n.floor() as usize);
    let sep = arg(args, 1);
    let mut parts: Vec<String> = match &sep {
        Value::Str(p) if p.is_empty() => s.chars().map(|c| c.to_string()).collect(),
        Value::Str(p) => s.split(&**p).map(str::to_string).collect(),
        v => {
            let ms = find_matches(ev, ctx, v, &s, limit)?;
            let mut out = Vec::new();
            let mut pos = 0;
            for m in &ms {
                out.push(s[pos.min(m.byte_start)..m.byte_start].to_string());
                pos = m.byte_end;
            }
            if limit.is_none_or(|l| ms.len() < l) {
                out.push(s[pos.min(s.len())..].to_string());
            }
            out
        }
    };
    if let Some(l) = limit {
        parts.truncate(l);
    }
    Ok(Value::array(parts.into_iter().map(Value::string).collect()))
}

fn f_join(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let v = arg(args, 0);
    if v.is_undefined() {
        return Ok(Value::Undefined);
    }
    let sep = s_arg(args, 1).unwrap_or_default();
    let parts: Vec<String> = v
        .members()
        .iter()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect();
    Ok(Value::string(parts.join(&sep)))
}
