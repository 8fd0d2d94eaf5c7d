//! Number formatting and parsing with XPath picture strings: `$formatNumber`, `$formatInteger`,
//! `$parseInteger`, and `$formatBase`.

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::integer_picture::{
    analyse_integer_picture, format_integer_with, parse_integer_with, regular_interval,
};
use crate::functions::numeric::round_half_even;
use crate::functions::{arg, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("formatBase", "<n-n?:s>", 2, f_format_base),
    ("formatInteger", "<n-s:s>", 2, f_format_integer),
    ("parseInteger", "<s-s:n>", 2, f_parse_integer),
    ("formatNumber", "<n-so?:s>", 3, f_format_number),
];

fn f_format_integer(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Value::Num(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let picture = arg(args, 1).as_str().unwrap_or_default().to_string();
    let f = analyse_integer_picture(&picture)?;
    Ok(Value::string(format_integer_with(n.floor(), &f)?))
}

fn f_parse_integer(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = arg(args, 0).as_str().map(str::to_string) else {
        return Ok(Value::Undefined);
    };
    let picture = arg(args, 1).as_str().unwrap_or_default().to_string();
    let f = analyse_integer_picture(&picture)?;
    Ok(Value::Num(parse_integer_with(&s, &f)?))
}

fn f_format_base(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Value::Num(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let n = round_half_even(n, 0);
    let radix = arg(args, 1).as_num().unwrap_or(10.0);
    if !(2.0..=36.0).contains(&radix) {
        return Err(err("D3100", format!("The radix of the formatBase function must be between 2 and 36.  It was given {radix}")));
    }
    let radix = radix as u128;
    let neg = n < 0.0;
    let mut v = n.abs() as u128;
    let mut digits = Vec::new();
    if v == 0 {
        digits.push('0');
    }
    while v > 0 {
        digits.push(std::char::from_digit((v % radix) as u32, radix as u32).unwrap_or('0'));
        v /= radix;
    }
    if neg {
        digits.push('-');
    }
    Ok(Value::string(digits.into_iter().rev().collect()))
}

/// The decimal-format properties of `$formatNumber`.
struct Props {
    decimal: char,
    grouping: char,
    exponent: char,
    minus: String,
    percent: char,
    per_mille: char,
    zero: char,
    digit: char,
    pattern: char,
}

struct Parts {
    prefix: String,
    suffix: String,
    active: String,
    mantissa: String,
    exponent: Option<String>,
    integer: String,
    fraction: String,
    picture: String,
}

#[derive(Clone)]
struct Pic {
    int_groups: Vec<usize>,
    regular: usize,
    min_int: usize,
    scaling: usize,
    prefix: String,
    frac_groups: Vec<usize>,
    min_frac: usize,
    max_frac: usize,
    min_exp: usize,
    suffix: String,
    picture: String,
}

fn f_format_number(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Value::Num(value) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let picture = arg(args, 1).as_str().unwrap_or_default().to_string();
    let mut p = Props {
        decimal: '.',
        grouping: ',',
        exponent: 'e',
        minus: "-".into(),
        percent: '%',
        per_mille: '\u{2030}',
        zero: '0',
        digit: '#',
        pattern: ';',
    };
    if let Value::Object(o) = arg(args, 2) {
        for (k, v) in o.borrow().iter() {
            let Some(s) = v.as_str() else { continue };
            let c = s.chars().next().unwrap_or(' ');
            match k.as_str() {
                "decimal-separator" => p.decimal = c,
                "grouping-separator" => p.grouping = c,
                "exponent-separator" => p.exponent = c,
                "minus-sign" => p.minus = s.to_string(),
                "percent" => p.percent = c,
                "per-mille" => p.per_mille = c,
                "zero-digit" => p.zero = c,
                "digit" => p.digit = c,
                "pattern-separator" => p.pattern = c,
                _ => {}
            }
        }
    }
    Ok(Value::string(format_number(value, &picture, &p)?))
}

fn format_number(value: f64, picture: &str, p: &Props) -> Result<String, Error> {
    let family: Vec<char> = (0..10)
        .filter_map(|i| char::from_u32(p.zero as u32 + i))
        .collect();
    let is_digit = |c: char| family.contains(&c);
    let active = |c: char| {
        is_digit(c)
            || c == p.decimal
            || c == p.exponent
            || c == p.grouping
            || c == p.digit
            || c == p.pattern
    };
    let subs: Vec<&str> = picture.split(p.pattern).collect();
    if subs.len() > 2 {
        return Err(err(
            "D3080",
            "The format-number picture string must not contain more than one pattern separator",
        ));
    }
    let split = |sub: &str| -> Parts {
        let chars: Vec<char> = sub.chars().collect();
        let first = chars
            .iter()
            .position(|c| active(*c) && *c != p.exponent)
            .unwrap_or(0);
        let last = chars
            .iter()
            .rposition(|c| active(*c) && *c != p.exponent)
            .map(|i| i + 1)
            .unwrap_or(chars.len());
        let prefix: String = chars[..first].iter().collect();
        let suffix: String = if last >= first {
            chars[last..].iter().collect()
        } else {
            String::new()
        };
        let active_part: String = if last > first {
            chars[first..last].iter().collect()
        } else {
            String::new()
        };
        let ap: Vec<char> = active_part.chars().collect();
        let (mantissa, exponent) = match ap.iter().position(|c| *c == p.exponent) {
            Some(i) => (
                ap[..i].iter().collect::<String>(),
                Some(ap[i + 1..].iter().collect::<String>()),
            ),
            None => (active_part.clone(), None),
        };
        let mc: Vec<char> = mantissa.chars().collect();
        let (integer, fraction) = match mc.iter().position(|c| *c == p.decimal) {
            Some(i) => (mc[..i].iter().collect(), mc[i + 1..].iter().collect()),
            None => (mantissa.clone(), suffix.clone()),
        };
        let fraction = if mc.contains(&p.decimal) {
            fraction
        } else {
            String::new()
        };
        Parts {
            prefix,
            suffix,
            active: active_part,
            mantissa,
            exponent,
            integer,
            fraction,
            picture: sub.to_string(),
        }
    };
    let parts: Vec<Parts> = subs.iter().map(|s| split(s)).collect();
    for part in &parts {
        let sub = &part.picture;
        let count = |c: char| sub.chars().filter(|x| *x == c).count();
        let sc: Vec<char> = sub.chars().collect();
        let dpos = sc.iter().position(|c| *c == p.decimal);
        // jsonata-js runs every check and reports the last one that failed.
        let checks = [
            (count(p.decimal) > 1, "D3081"),
            (count(p.percent) > 1, "D3082"),
            (count(p.per_mille) > 1, "D3083"),
            (count(p.percent) > 0 && count(p.per_mille) > 0, "D3084"),
            (
                !part.mantissa.chars().any(|c| is_digit(c) || c == p.digit),
                "D3085",
            ),
            (part.active.chars().any(|c| !active(c)), "D3086"),
            (
                dpos.is_some_and(|d| {
                    (d > 0 && sc[d - 1] == p.grouping) || sc.get(d + 1) == Some(&p.grouping)
                }),
                "D3087",
            ),
            (
                dpos.is_none() && part.integer.ends_with(p.grouping),
                "D3088",
            ),
            (sub.contains(&format!("{0}{0}", p.grouping)), "D3089"),
            (
                part.integer
                    .find(p.digit)
                    .is_some_and(|i| part.integer[..i].chars().any(is_digit)),
                "D3090",
            ),
            (
                part.fraction
                    .rfind(p.digit)
                    .is_some_and(|i| part.fraction[i..].chars().any(is_digit)),
                "D3091",
            ),
            (
                part.exponent.as_ref().is_some_and(|e| !e.is_empty())
                    && (count(p.percent) > 0 || count(p.per_mille) > 0),
                "D3092",
            ),
            (
                part.exponent
                    .as_ref()
                    .is_some_and(|e| e.is_empty() || e.chars().any(|c| !is_digit(c))),
                "D3093",
            ),
        ];
        let code = checks.iter().rev().find(|c| c.0).map(|c| c.1);
        if let Some(code) = code {
            return Err(err(code, "Invalid picture string for formatNumber"));
        }
    }
    let analyse = |part: &Parts| -> Pic {
        let positions = |s: &str, to_left: bool| -> Vec<usize> {
            let chars: Vec<char> = s.chars().collect();
            let mut out = Vec::new();
            for (i, c) in chars.iter().enumerate() {
                if *c == p.grouping {
                    let side: Vec<char> = if to_left {
                        chars[..i].to_vec()
                    } else {
                        chars[i..].to_vec()
                    };
                    out.push(
                        side.iter()
                            .filter(|c| is_digit(**c) || **c == p.digit)
                            .count(),
                    );
                }
            }
            out
        };
        let int_groups = positions(&part.integer, false);
        let regular = regular_interval(&int_groups);
        let frac_groups = positions(&part.fraction, true);
        let mut min_int = part.integer.chars().filter(|c| is_digit(*c)).count();
        let scaling = min_int;
        let mut min_frac = part.fraction.chars().filter(|c| is_digit(*c)).count();
        let mut max_frac = part
            .fraction
            .chars()
            .filter(|c| is_digit(*c) || *c == p.digit)
            .count();
        let exp_present = part.exponent.is_some();
        if min_int == 0 && max_frac == 0 {
            if exp_present {
                min_frac = 1;
                max_frac = 1;
            } else {
                min_int = 1;
            }
        }
        if exp_present && min_int == 0 && part.integer.contains(p.digit) {
            min_int = 1;
        }
        if min_int == 0 && min_frac == 0 {
            min_frac = 1;
        }
        let min_exp = part
            .exponent
            .as_ref()
            .map(|e| e.chars().filter(|c| is_digit(*c)).count())
            .unwrap_or(0);
        Pic {
            int_groups,
            regular,
            min_int,
            scaling,
            prefix: part.prefix.clone(),
            frac_groups,
            min_frac,
            max_frac,
            min_exp,
            suffix: part.suffix.clone(),
            picture: part.picture.clone(),
        }
    };
    let mut pics: Vec<Pic> = parts.iter().map(analyse).collect();
    if pics.len() == 1 {
        let mut neg = pics[0].clone();
        neg.prefix = format!("{}{}", p.minus, neg.prefix);
        pics.push(neg);
    }
    let pic = if value >= 0.0 { &pics[0] } else { &pics[1] };
    let adjusted = if pic.picture.contains(p.percent) {
        value * 100.0
    } else if pic.picture.contains(p.per_mille) {
        value * 1000.0
    } else {
        value
    };
    let (mantissa, exponent) = if pic.min_exp == 0 {
        (adjusted, None)
    } else {
        let max_m = 10f64.powi(pic.scaling as i32);
        let min_m = 10f64.powi(pic.scaling as i32 - 1);
        let mut m = adjusted.abs();
        let mut e = 0i32;
        if m != 0.0 {
            while m < min_m {
                m *= 10.0;
                e -= 1;
            }
            while m > max_m {
                m /= 10.0;
                e += 1;
            }
        }
        (m, Some(e))
    };
    let rounded = round_half_even(mantissa, pic.max_frac as i32);
    let to_family = |s: String| -> String {
        if p.zero == '0' {
            s
        } else {
            s.chars()
                .map(|c| {
                    if c.is_ascii_digit() {
                        family[(c as u32 - 0x30) as usize]
                    } else {
                        c
                    }
                })
                .collect()
        }
    };
    let fixed = |v: f64, dp: usize| to_family(format!("{:.*}", dp, v.abs()));
    let mut s: Vec<char> = fixed(rounded, pic.max_frac)
        .replace('.', &p.decimal.to_string())
        .chars()
        .collect();
    if !s.contains(&p.decimal) {
        s.push(p.decimal);
    }
    while s.first() == Some(&p.zero) {
        s.remove(0);
    }
    while s.last() == Some(&p.zero) {
        s.pop();
    }
    let dpos = s.iter().position(|c| *c == p.decimal).unwrap_or(s.len());
    let pad_left = pic.min_int.saturating_sub(dpos);
    let frac_len = s.len().saturating_sub(dpos + 1);
    let pad_right = pic.min_frac.saturating_sub(frac_len);
    let mut v: Vec<char> = std::iter::repeat_n(p.zero, pad_left).collect();
    v.extend(s);
    v.extend(std::iter::repeat_n(p.zero, pad_right));
    let mut dpos = v.iter().position(|c| *c == p.decimal).unwrap_or(v.len());
    if let Some(groups) = dpos.saturating_sub(1).checked_div(pic.regular) {
        for g in 1..=groups {
            v.insert(dpos - g * pic.regular, p.grouping);
        }
    } else {
        for pos in &pic.int_groups {
            if *pos <= dpos {
                v.insert(dpos - pos, p.grouping);
                dpos += 1;
            }
        }
    }
    let dpos = v.iter().position(|c| *c == p.decimal).unwrap_or(v.len());
    for pos in &pic.frac_groups {
        let at = pos + dpos + 1;
        if at <= v.len() {
            v.insert(at, p.grouping);
        }
    }
    let dpos = v.iter().position(|c| *c == p.decimal).unwrap_or(v.len());
    if pic.min_frac == 0 && dpos + 1 == v.len() {
        v.pop();
    }
    let mut out: String = v.into_iter().collect();
    if let Some(e) = exponent {
        let mut se = fixed(e as f64, 0);
        let pad = pic.min_exp.saturating_sub(se.chars().count());
        se = p.zero.to_string().repeat(pad) + &se;
        out = format!(
            "{out}{}{}{se}",
            p.exponent,
            if e < 0 { p.minus.as_str() } else { "" }
        );
    }
    Ok(format!("{}{out}{}", pic.prefix, pic.suffix))
}
