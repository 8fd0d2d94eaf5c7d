//! Function signatures (`<s-n?:s>`): parsing and argument validation, as jsonata-js does it.

use crate::error::{err, Error};
use crate::value::Value;

#[derive(Debug, Clone)]
struct Param {
    regex: String,
    kind: char,
    context: bool,
    context_regex: Option<String>,
    subtype: Option<String>,
}

/// A parsed signature.
#[derive(Debug, Clone)]
pub(crate) struct Signature {
    params: Vec<Param>,
    regex: regex::Regex,
    context_regexes: Vec<Option<regex::Regex>>,
}

impl Signature {
    /// Whether a parameter may take the context value when its argument is left out (`-`).
    pub(crate) fn takes_context(&self) -> bool {
        self.params.iter().any(|p| p.context)
    }
}

fn symbol(v: &Value) -> char {
    match v {
        Value::Func(_) => 'f',
        Value::Str(_) => 's',
        Value::Num(_) => 'n',
        Value::Bool(_) => 'b',
        Value::Null => 'l',
        Value::Array(..) => 'a',
        Value::Object(_) => 'o',
        Value::Undefined => 'm',
    }
}

fn closing(s: &[char], start: usize, open: char, close: char) -> usize {
    let mut depth = 1;
    let mut i = start;
    while i + 1 < s.len() {
        i += 1;
        if s[i] == open {
            depth += 1;
        } else if s[i] == close {
            depth -= 1;
            if depth == 0 {
                break;
            }
        }
    }
    i
}

impl Signature {
    /// Parses `<...>`.
    pub(crate) fn parse(sig: &str) -> Result<Signature, Error> {
        let s: Vec<char> = sig.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut pos = 1;
        let new = |regex: String, kind: char| Param {
            regex,
            kind,
            context: false,
            context_regex: None,
            subtype: None,
        };
        while pos < s.len() {
            let c = s[pos];
            if c == ':' {
                break;
            }
            match c {
                's' | 'n' | 'b' | 'l' | 'o' => params.push(new(format!("[{c}m]"), c)),
                'a' => params.push(new("[asnblfom]".into(), 'a')),
                'f' => params.push(new("f".into(), 'f')),
                'j' => params.push(new("[asnblom]".into(), 'j')),
                'x' => params.push(new("[asnblfom]".into(), 'x')),
                '-' => {
                    if let Some(p) = params.last_mut() {
                        p.context = true;
                        p.context_regex = Some(p.regex.clone());
                        p.regex.push('?');
                    }
                }
                '?' | '+' => {
                    if let Some(p) = params.last_mut() {
                        p.regex.push(c);
                    }
                }
                '(' => {
                    let end = closing(&s, pos, '(', ')');
                    let choice: String = s[pos + 1..end].iter().collect();
                    if choice.contains('<') {
                        return Err(err(
                            "S0402",
                            "Choice groups containing parameterized types are not supported",
                        ));
                    }
                    params.push(new(format!("[{choice}m]"), '('));
                    pos = end;
                }
                '<' => {
                    let end = closing(&s, pos, '<', '>');
                    match params.last_mut() {
                        Some(p) if p.kind == 'a' || p.kind == 'f' => {
                            p.subtype = Some(s[pos + 1..end].iter().collect());
                        }
                        _ => {
                            return Err(err(
                                "S0401",
                                "Type parameters can only be applied to functions and arrays",
                            ))
                        }
                    }
                    pos = end;
                }
                _ => {}
            }
            pos += 1;
        }
        let pattern = format!(
            "^{}$",
            params
                .iter()
                .map(|p| format!("({})", p.regex))
                .collect::<String>()
        );
        let regex = crate::pattern::compile(&pattern).map_err(|e| err("S0401", e.to_string()))?;
        let context_regexes = params
            .iter()
            .map(|p| {
                p.context_regex
                    .as_ref()
                    .and_then(|r| crate::pattern::compile(&format!("^{r}$")).ok())
            })
            .collect();
        Ok(Signature {
            params,
            regex,
            context_regexes,
        })
    }

    /// Checks `args` and returns them as the function receives them (context inserted, singletons
    /// wrapped as arrays where an array is expected).
    pub(crate) fn validate(&self, args: &[Value], context: &Value) -> Result<Vec<Value>, Error> {
        let supplied: String = args.iter().map(symbol).collect();
        let Some(caps) = self.regex.captures(&supplied) else {
            return Err(self.validation_error(args, &supplied));
        };
        let mut out = Vec::new();
        let mut idx = 0;
        for (i, p) in self.params.iter().enumerate() {
            let m = caps.get(i + 1).map(|m| m.as_str()).unwrap_or("");
            if m.is_empty() {
                if p.context {
                    let ct = symbol(context).to_string();
                    if self.context_regexes[i]
                        .as_ref()
                        .is_some_and(|r| r.is_match(&ct))
                    {
                        out.push(context.clone());
                    } else {
                        return Err(err(
                            "T0411",
                            format!(
                                "Context value is not a compatible type with argument {}",
                                idx + 1
                            ),
                        ));
                    }
                } else {
                    out.push(args.get(idx).cloned().unwrap_or(Value::Undefined));
                    idx += 1;
                }
                continue;
            }
            for single in m.chars() {
                let arg = args.get(idx).cloned().unwrap_or(Value::Undefined);
                if p.kind == 'a' {
                    if single == 'm' {
                        out.push(Value::Undefined);
                    } else {
                        if let Some(sub) = &p.subtype {
                            let want = sub.chars().next().unwrap_or('x');
                            let ok = if single != 'a' {
                                m == sub.as_str()
                            } else {
                                let items = arg.members();
                                items.is_empty() || {
                                    let t = symbol(&items[0]);
                                    t == want && items.iter().all(|v| symbol(v) == t)
                                }
                            };
                            if !ok {
                                return Err(err(
                                    "T0412",
                                    format!(
                                        "Argument {} of function must be an array of {}",
                                        idx + 1,
                                        type_word(want)
                                    ),
                                ));
                            }
                        }
                        out.push(if single == 'a' {
                            arg
                        } else {
                            Value::array(vec![arg])
                        });
                    }
                } else {
                    out.push(arg);
                }
                idx += 1;
            }
        }
        Ok(out)
    }

    fn validation_error(&self, args: &[Value], supplied: &str) -> Error {
        let mut partial = String::from("^");
        let mut good = 0;
        for p in &self.params {
            partial.push_str(&p.regex);
            match crate::pattern::compile(&partial)
                .ok()
                .and_then(|r| r.find(supplied).map(|m| m.end()))
            {
                Some(end) => good = end,
                None => break,
            }
        }
        let _ = args;
        err(
            "T0410",
            format!(
                "Argument {} of function does not match function signature",
                good + 1
            ),
        )
    }
}

fn type_word(c: char) -> &'static str {
    match c {
        'a' => "arrays",
        'b' => "booleans",
        'f' => "functions",
        'n' => "numbers",
        'o' => "objects",
        's' => "strings",
        _ => "values",
    }
}
