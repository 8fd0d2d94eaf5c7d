//! Regex matching with JavaScript's global-regex iteration, custom matcher functions, and
//! `$replace`'s `$n` substitution.

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::arg;
use crate::value::{Func, Value};

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

pub(crate) fn match_object(m: &Match, with_index: bool) -> Value {
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
pub(crate) fn regex_match_object(re: &regex::Regex, s: &str) -> Value {
    match regex_matches(re, s, Some(1)) {
        Ok(ms) if !ms.is_empty() => match_object(&ms[0], false),
        _ => Value::Undefined,
    }
}

pub(crate) fn regex_of(v: &Value) -> Option<std::sync::Arc<regex::Regex>> {
    match v {
        Value::Func(f) => match f.as_ref() {
            Func::Regex(r) => Some(r.clone()),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn limit_arg(args: &[Value], i: usize) -> Option<usize> {
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
pub(crate) fn find_matches(
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

/// Expands `$0`, `$1`, `$$` in a replacement string, as jsonata-js does.
pub(crate) fn substitute(replacement: &str, m: &Match) -> String {
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
