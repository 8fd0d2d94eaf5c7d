//! String functions, JSON stringification and JavaScript number formatting.

use std::cmp::Ordering;

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::{arg, Def};
use crate::value::{Func, Value};

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
    ("base64encode", "<s-:s>", 1, f_base64encode),
    ("base64decode", "<s-:s>", 1, f_base64decode),
    ("encodeUrlComponent", "<s-:s>", 1, f_encode_url_component),
    ("encodeUrl", "<s-:s>", 1, f_encode_url),
    ("decodeUrlComponent", "<s-:s>", 1, f_decode_url_component),
    ("decodeUrl", "<s-:s>", 1, f_decode_url),
];

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
    let padding: String = pad.chars().cycle().take(n as usize).collect();
    Ok(Value::string(if width > 0.0 {
        s + &padding
    } else {
        padding + &s
    }))
}

/// One regex match as jsonata's matcher functions report it (offsets in characters).
pub(crate) struct Match {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub groups: Vec<Option<String>>,
    pub byte_start: usize,
    pub byte_end: usize,
}

/// The matches of `re` in `s`, at most `limit`, with JavaScript's global-regex iteration
/// (a later empty match is error D1004).
pub(crate) fn regex_matches(
    re: &regex::Regex,
    s: &str,
    limit: Option<usize>,
) -> Result<Vec<Match>, Error> {
    let mut out = Vec::new();
    let mut from = 0;
    let char_index = |b: usize| s[..b].chars().count();
    loop {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        if !out.is_empty() && from >= s.len() {
            break;
        }
        let Some(c) = re.captures_at(s, from) else {
            break;
        };
        let m = c.get(0).expect("group 0");
        if !out.is_empty() && m.as_str().is_empty() {
            return Err(err(
                "D1004",
                "Regular expression matches zero length string",
            ));
        }
        out.push(Match {
            text: m.as_str().to_string(),
            start: char_index(m.start()),
            end: char_index(m.end()),
            groups: c
                .iter()
                .skip(1)
                .map(|g| g.map(|g| g.as_str().to_string()))
                .collect(),
            byte_start: m.start(),
            byte_end: m.end(),
        });
        if m.end() == m.start() {
            // JavaScript would find the same empty match again.
            if m.end() >= s.len() {
                break;
            }
            from = m.end();
            if let Some(next) = re.captures_at(s, from) {
                if next
                    .get(0)
                    .is_some_and(|n| n.as_str().is_empty() && n.start() == from)
                {
                    if limit.is_some_and(|l| out.len() >= l) {
                        break;
                    }
                    return Err(err(
                        "D1004",
                        "Regular expression matches zero length string",
                    ));
                }
            }
        } else {
            from = m.end();
        }
    }
    Ok(out)
}

fn match_object(m: &Match, with_index: bool) -> Value {
    let mut o = indexmap::IndexMap::new();
    o.insert("match".to_string(), Value::str(&m.text));
    if with_index {
        o.insert("index".to_string(), Value::Num(m.start as f64));
    } else {
        o.insert("start".to_string(), Value::Num(m.start as f64));
        o.insert("end".to_string(), Value::Num(m.end as f64));
    }
    o.insert(
        "groups".to_string(),
        Value::array(
            m.groups
                .iter()
                .map(|g| g.as_deref().map(Value::str).unwrap_or(Value::str("")))
                .collect(),
        ),
    );
    Value::object(o)
}

/// A regex applied as a function: the first match object, or undefined.
pub(crate) fn regex_match_object(re: &regex::Regex, s: &str, _from: usize) -> Value {
    match regex_matches(re, s, Some(1)) {
        Ok(ms) if !ms.is_empty() => match_object(&ms[0], false),
        _ => Value::Undefined,
    }
}

fn regex_of(v: &Value) -> Option<std::sync::Arc<regex::Regex>> {
    match v {
        Value::Func(f) => match f.as_ref() {
            Func::Regex(r) => Some(r.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn limit_arg(args: &[Value], i: usize) -> Option<usize> {
    arg(args, i)
        .as_num()
        .map(|n| if n < 0.0 { 0 } else { n as usize })
}

fn byte_of_char(s: &str, chars: usize) -> usize {
    s.char_indices()
        .nth(chars)
        .map(|(b, _)| b)
        .unwrap_or(s.len())
}

/// The matches of `pattern` (a regex, or a custom matcher function returning jsonata's match
/// objects with a `next` function) in `s`, at most `limit`.
fn find_matches(
    ev: &mut Evaluator,
    ctx: &Ctx,
    pattern: &Value,
    s: &str,
    limit: Option<usize>,
) -> Result<Vec<Match>, Error> {
    if let Some(re) = regex_of(pattern) {
        return regex_matches(&re, s, limit);
    }
    let bad = || {
        err("T1010", "The matcher function argument passed to function split does not return the correct object structure")
    };
    let mut out = Vec::new();
    let mut r = ev.apply(pattern, vec![Value::str(s)], ctx.input, ctx.env)?;
    while limit.is_none_or(|l| out.len() < l) {
        let Value::Object(o) = &r else {
            if r.is_undefined() {
                break;
            }
            return Err(bad());
        };
        let (text, start, end, groups, next) = {
            let o = o.borrow();
            let text = o.get("match").and_then(|v| v.as_str().map(str::to_string));
            let start = o.get("start").and_then(Value::as_num);
            let end = o.get("end").and_then(Value::as_num);
            let groups = o.get("groups").cloned();
            (text, start, end, groups, o.get("next").cloned())
        };
        let (Some(text), Some(start), Some(end), Some(groups @ Value::Array(..))) =
            (text, start, end, groups)
        else {
            return Err(bad());
        };
        let (start, end) = (start.max(0.0) as usize, end.max(0.0) as usize);
        out.push(Match {
            text,
            start,
            end,
            groups: groups
                .members()
                .iter()
                .map(|g| g.as_str().map(str::to_string))
                .collect(),
            byte_start: byte_of_char(s, start),
            byte_end: byte_of_char(s, end.max(start)),
        });
        match next {
            Some(f) if f.is_function() => r = ev.apply(&f, Vec::new(), ctx.input, ctx.env)?,
            _ => break,
        }
    }
    Ok(out)
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

/// Expands `$0`, `$1`, `$$` in a replacement string, as jsonata-js does.
fn substitute(replacement: &str, m: &Match) -> String {
    let r: Vec<char> = replacement.chars().collect();
    let mut out = String::new();
    let mut pos = 0;
    let ngroups = m.groups.len();
    while pos < r.len() {
        let Some(idx) = r[pos..].iter().position(|c| *c == '$').map(|i| i + pos) else {
            break;
        };
        out.extend(&r[pos..idx]);
        pos = idx + 1;
        let next = r.get(pos).copied();
        if next == Some('$') {
            out.push('$');
            pos += 1;
        } else if next == Some('0') {
            out.push_str(&m.text);
            pos += 1;
        } else {
            let max_digits = if ngroups == 0 {
                1
            } else {
                (ngroups as f64).log10().floor() as usize + 1
            };
            let take = |n: usize| -> Option<usize> {
                let s: String = r[pos..(pos + n).min(r.len())]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                s.parse().ok()
            };
            let mut index = take(max_digits);
            if max_digits > 1 && index.is_some_and(|i| i > ngroups) {
                index = take(max_digits - 1);
            }
            match index {
                Some(i) => {
                    if ngroups > 0 && i >= 1 {
                        if let Some(Some(g)) = m.groups.get(i - 1) {
                            out.push_str(g);
                        }
                    }
                    pos += i.to_string().len();
                }
                None => out.push('$'),
            }
        }
    }
    if pos < r.len() {
        out.extend(&r[pos..]);
    }
    out
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

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn f_base64encode(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    // btoa works on Latin-1 code units; jsonata passes the string through.
    let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    Ok(Value::string(out))
}

fn f_base64decode(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = s_arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = String::new();
    for c in s.bytes() {
        let Some(v) = B64.iter().position(|b| *b == c) else {
            continue;
        };
        bits = (bits << 6) | v as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(((bits >> n) & 0xff) as u8 as char);
        }
    }
    Ok(Value::string(out))
}

fn encode(s: &str, keep: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn decode(s: &str, reserved: &str) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return Err(err("D3140", format!("Malformed URL passed to decode: {s}")));
            };
            if b < 0x80 && reserved.contains(b as char) {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(b);
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| err("D3140", format!("Malformed URL passed to decode: {s}")))
}

fn f_encode_url_component(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(s_arg(args, 0)
        .map(|s| Value::string(encode(&s, "-_.!~*'()")))
        .unwrap_or(Value::Undefined))
}

fn f_encode_url(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(s_arg(args, 0)
        .map(|s| Value::string(encode(&s, "-_.!~*'();/?:@&=+$,#")))
        .unwrap_or(Value::Undefined))
}

fn f_decode_url_component(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    match s_arg(args, 0) {
        Some(s) => Ok(Value::string(decode(&s, "")?)),
        None => Ok(Value::Undefined),
    }
}

fn f_decode_url(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    match s_arg(args, 0) {
        Some(s) => Ok(Value::string(decode(&s, ";/?:@&=+$,#")?)),
        None => Ok(Value::Undefined),
    }
}
