//! Number formatting and parsing with XPath picture strings: `$formatNumber`, `$formatInteger`,
//! `$parseInteger`, and `$formatBase`.

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::numeric::round_half_even;
use crate::functions::{arg, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("formatBase", "<n-n?:s>", 2, f_format_base),
    ("formatInteger", "<n-s:s>", 2, f_format_integer),
    ("parseInteger", "<s-s:n>", 2, f_parse_integer),
    ("formatNumber", "<n-so?:s>", 3, f_format_number),
];

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
const DECADES: [&str; 9] = [
    "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred",
];
const MAGNITUDES: [&str; 4] = ["Thousand", "Million", "Billion", "Trillion"];

/// A number in English words (title case), as jsonata-js spells it.
pub(crate) fn number_to_words(value: f64, ordinal: bool) -> String {
    fn lookup(num: f64, prev: bool, ord: bool) -> String {
        if num <= 19.0 {
            let n = num as usize;
            format!(
                "{}{}",
                if prev { " and " } else { "" },
                if ord { ORDINALS[n] } else { FEW[n] }
            )
        } else if num < 100.0 {
            let tens = (num / 10.0).floor() as usize;
            let rem = num % 10.0;
            let mut w = format!("{}{}", if prev { " and " } else { "" }, DECADES[tens - 2]);
            if rem > 0.0 {
                w = format!("{w}-{}", lookup(rem, false, ord));
            } else if ord {
                w.pop();
                w.push_str("ieth");
            }
            w
        } else if num < 1000.0 {
            let hundreds = (num / 100.0).floor() as usize;
            let rem = num % 100.0;
            let mut w = format!("{}{} Hundred", if prev { ", " } else { "" }, FEW[hundreds]);
            if rem > 0.0 {
                w.push_str(&lookup(rem, true, ord));
            } else if ord {
                w.push_str("th");
            }
            w
        } else {
            let mut mag = (num.log10() / 3.0).floor() as usize;
            if mag > MAGNITUDES.len() {
                mag = MAGNITUDES.len();
            }
            let factor = 10f64.powi(mag as i32 * 3);
            let mant = (num / factor).floor();
            let rem = num - mant * factor;
            let mut w = format!(
                "{}{} {}",
                if prev { ", " } else { "" },
                lookup(mant, false, false),
                MAGNITUDES[mag - 1]
            );
            if rem > 0.0 {
                w.push_str(&lookup(rem, true, ord));
            } else if ord {
                w.push_str("th");
            }
            w
        }
    }
    lookup(value, false, ordinal)
}

fn word_value(word: &str) -> Option<f64> {
    for (i, w) in FEW.iter().enumerate() {
        if w.eq_ignore_ascii_case(word) || ORDINALS[i].eq_ignore_ascii_case(word) {
            return Some(i as f64);
        }
    }
    for (i, w) in DECADES.iter().enumerate() {
        let l = w.to_lowercase();
        let ieth = format!("{}ieth", &l[..l.len() - 1]);
        if l == word || ieth == word {
            return Some(((i + 2) * 10) as f64);
        }
    }
    if word == "hundredth" {
        return Some(100.0);
    }
    for (i, w) in MAGNITUDES.iter().enumerate() {
        let l = w.to_lowercase();
        if l == word || format!("{l}th") == word {
            return Some(10f64.powi((i as i32 + 1) * 3));
        }
    }
    None
}

fn words_to_number(text: &str) -> f64 {
    let text = text.to_lowercase();
    let splitter = regex::Regex::new(r",\s|\sand\s|[\s\\-]").expect("static regex");
    let mut segs: Vec<f64> = vec![0.0];
    for part in splitter.split(&text) {
        let Some(value) = word_value(part) else {
            continue;
        };
        if value < 100.0 {
            let mut top = segs.pop().unwrap_or(0.0);
            if top >= 1000.0 {
                segs.push(top);
                top = 0.0;
            }
            segs.push(top + value);
        } else {
            let top = segs.pop().unwrap_or(0.0);
            segs.push(top * value);
        }
    }
    segs.iter().sum()
}

const ROMAN: [(u64, &str); 13] = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
];

fn to_roman(mut v: u64) -> String {
    let mut s = String::new();
    for (n, r) in ROMAN {
        while v >= n {
            s.push_str(r);
            v -= n;
        }
    }
    s
}

fn from_roman(s: &str) -> f64 {
    let mut total = 0.0;
    let mut max = 1.0;
    for c in s.to_uppercase().chars().rev() {
        let v = match c {
            'M' => 1000.0,
            'D' => 500.0,
            'C' => 100.0,
            'L' => 50.0,
            'X' => 10.0,
            'V' => 5.0,
            'I' => 1.0,
            _ => 0.0,
        };
        if v < max {
            total -= v;
        } else {
            max = v;
            total += v;
        }
    }
    total
}

fn to_letters(mut v: u64, a: char) -> String {
    let mut out = Vec::new();
    while v > 0 {
        out.push(char::from_u32(((v - 1) % 26) as u32 + a as u32).unwrap_or('?'));
        v = (v - 1) / 26;
    }
    out.iter().rev().collect()
}

fn from_letters(s: &str, a: char) -> f64 {
    let chars: Vec<char> = s.chars().collect();
    let mut total = 0.0;
    for (i, c) in chars.iter().rev().enumerate() {
        total += ((*c as u32) as f64 - a as u32 as f64 + 1.0) * 26f64.powi(i as i32);
    }
    total
}

/// Letter case of names and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Upper,
    Lower,
    Title,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Primary {
    Decimal,
    Letters,
    Roman,
    Words,
    Sequence(String),
}

/// An analysed integer picture (`#,##0;o`, `w`, `I` ...).
#[derive(Debug, Clone)]
pub(crate) struct IntegerFormat {
    pub primary: Primary,
    pub case: Case,
    pub ordinal: bool,
    pub zero_code: u32,
    pub mandatory_digits: usize,
    pub optional_digits: usize,
    /// Regular grouping: (interval, separator).
    pub regular: Option<(usize, char)>,
    /// Irregular grouping: (position from the right, separator).
    pub separators: Vec<(usize, char)>,
}

const DECIMAL_GROUPS: [u32; 37] = [
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The common interval of grouping positions, if they are regular.
fn regular_interval(positions: &[usize]) -> usize {
    if positions.is_empty() {
        return 0;
    }
    let factor = positions.iter().copied().reduce(gcd).unwrap_or(0);
    if factor == 0 {
        return 0;
    }
    for i in 1..=positions.len() {
        if !positions.contains(&(i * factor)) {
            return 0;
        }
    }
    factor
}

/// Analyses an integer picture.
pub(crate) fn analyse_integer_picture(picture: &str) -> Result<IntegerFormat, Error> {
    let mut f = IntegerFormat {
        primary: Primary::Decimal,
        case: Case::Lower,
        ordinal: false,
        zero_code: 0x30,
        mandatory_digits: 0,
        optional_digits: 0,
        regular: None,
        separators: Vec::new(),
    };
    let primary = match picture.rfind(';') {
        Some(i) => {
            if picture[i + 1..].starts_with('o') {
                f.ordinal = true;
            }
            &picture[..i]
        }
        None => picture,
    };
    match primary {
        "A" | "a" => {
            f.primary = Primary::Letters;
            f.case = if primary == "A" {
                Case::Upper
            } else {
                Case::Lower
            };
        }
        "I" | "i" => {
            f.primary = Primary::Roman;
            f.case = if primary == "I" {
                Case::Upper
            } else {
                Case::Lower
            };
        }
        "W" => {
            f.primary = Primary::Words;
            f.case = Case::Upper;
        }
        "Ww" => {
            f.primary = Primary::Words;
            f.case = Case::Title;
        }
        "w" => f.primary = Primary::Words,
        _ => {
            let mut zero: Option<u32> = None;
            let mut position = 0;
            let mut seps: Vec<(usize, char)> = Vec::new();
            for c in primary.chars().rev() {
                let cp = c as u32;
                if let Some(g) = DECIMAL_GROUPS.iter().find(|g| cp >= **g && cp <= **g + 9) {
                    f.mandatory_digits += 1;
                    position += 1;
                    match zero {
                        None => zero = Some(*g),
                        Some(z) if z != *g => return Err(err("D3131", "A decimal digit pattern must not mix digits from different decimal digit families")),
                        _ => {}
                    }
                } else if c == '#' {
                    position += 1;
                    f.optional_digits += 1;
                } else {
                    seps.push((position, c));
                }
            }
            if f.mandatory_digits > 0 {
                f.zero_code = zero.unwrap_or(0x30);
                let same_char = seps.iter().all(|s| s.1 == seps[0].1);
                let positions: Vec<usize> = seps.iter().map(|s| s.0).collect();
                let interval = if same_char {
                    regular_interval(&positions)
                } else {
                    0
                };
                if interval > 0 {
                    f.regular = Some((interval, seps[0].1));
                } else {
                    f.separators = seps;
                }
            } else {
                f.primary = Primary::Sequence(primary.to_string());
            }
        }
    }
    Ok(f)
}

/// Formats an integer under an analysed picture.
pub(crate) fn format_integer_with(value: f64, f: &IntegerFormat) -> Result<String, Error> {
    let negative = value < 0.0;
    let v = value.abs();
    let mut s = match &f.primary {
        Primary::Letters => to_letters(v as u64, if f.case == Case::Upper { 'A' } else { 'a' }),
        Primary::Roman => {
            let r = to_roman(v as u64);
            if f.case == Case::Upper {
                r.to_uppercase()
            } else {
                r
            }
        }
        Primary::Words => {
            let w = number_to_words(v, f.ordinal);
            match f.case {
                Case::Upper => w.to_uppercase(),
                Case::Lower => w.to_lowercase(),
                Case::Title => w,
            }
        }
        Primary::Decimal => {
            let mut digits = crate::functions::string::js_num(v);
            let pad = f.mandatory_digits.saturating_sub(digits.chars().count());
            digits = "0".repeat(pad) + &digits;
            if f.zero_code != 0x30 {
                digits = digits.chars().map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - 0x30 + f.zero_code).unwrap_or(c) } else { c }).collect();
            }
            let mut chars: Vec<char> = digits.chars().collect();
            if let Some((interval, sep)) = f.regular {
                let n = (chars.len().saturating_sub(1)) / interval;
                for i in (1..=n).rev() {
                    let pos = chars.len() - i * interval;
                    chars.insert(pos, sep);
                }
            } else {
                for (pos, sep) in f.separators.iter().rev() {
                    if *pos <= chars.len() {
                        let at = chars.len() - pos;
                        chars.insert(at, *sep);
                    }
                }
            }
            let mut out: String = chars.iter().collect();
            if f.ordinal {
                let last = chars.last().copied().unwrap_or('0');
                let prev = if chars.len() > 1 { chars[chars.len() - 2] } else { ' ' };
                let suffix = match last {
                    '1' if prev != '1' => "st",
                    '2' if prev != '1' => "nd",
                    '3' if prev != '1' => "rd",
                    _ => "th",
                };
                out.push_str(suffix);
            }
            out
        }
        Primary::Sequence(tok) => return Err(err("D3130", format!("Formatting or parsing an integer as a sequence starting with {tok} is not supported by this implementation"))),
    };
    if negative {
        s = format!("-{s}");
    }
    Ok(s)
}

/// Parses text formatted under an analysed integer picture.
pub(crate) fn parse_integer_with(text: &str, f: &IntegerFormat) -> Result<f64, Error> {
    Ok(match &f.primary {
        Primary::Letters => from_letters(text, if f.case == Case::Upper { 'A' } else { 'a' }),
        Primary::Roman => from_roman(text),
        Primary::Words => words_to_number(text),
        Primary::Decimal => {
            let mut digits: String = text.to_string();
            if f.ordinal {
                let n = digits.chars().count();
                digits = digits.chars().take(n.saturating_sub(2)).collect();
            }
            let seps: Vec<char> = match f.regular {
                Some((_, c)) => vec![c],
                None => f.separators.iter().map(|s| s.1).collect(),
            };
            let digits: String = digits
                .chars()
                .filter(|c| !seps.contains(c))
                .map(|c| if f.zero_code != 0x30 { char::from_u32(c as u32 + 0x30 - f.zero_code).unwrap_or(c) } else { c })
                .collect();
            digits.parse::<f64>().unwrap_or(f64::NAN)
        }
        Primary::Sequence(tok) => return Err(err("D3130", format!("Formatting or parsing an integer as a sequence starting with {tok} is not supported by this implementation"))),
    })
}

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
