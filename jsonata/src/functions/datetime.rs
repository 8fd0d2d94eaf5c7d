//! Date and time functions with XPath picture strings: `$now`, `$millis`, `$fromMillis`,
//! `$toMillis`. All times are UTC plus an optional `±HHMM` offset.

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::integer_picture::{
    analyse_integer_picture, format_integer_with, parse_integer_with, Case, IntegerFormat, Primary,
};
use crate::functions::{arg, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("millis", "<:n>", 0, f_millis),
    ("now", "<s?s?:s>", 2, f_now),
    ("fromMillis", "<n-s?s?:s>", 3, f_from_millis),
    ("toMillis", "<s-s?:n>", 2, f_to_millis),
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 8] = [
    "",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const DAY_MS: f64 = 86_400_000.0;

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12; out-of-range months roll over).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = y + (m - 1).div_euclid(12);
    let m = (m - 1).rem_euclid(12) + 1;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `Date.UTC(...)` with a zero-based month.
fn utc_millis(y: f64, m0: f64, d: f64, h: f64, mi: f64, s: f64, ms: f64) -> f64 {
    let days = days_from_civil(y as i64, m0 as i64 + 1, 1) as f64 + d - 1.0;
    days * DAY_MS + h * 3_600_000.0 + mi * 60_000.0 + s * 1000.0 + ms
}

/// A UTC instant broken into fields.
struct DateTime {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
    days: i64,
}

impl DateTime {
    fn from_millis(ms: f64) -> DateTime {
        let ms = ms.floor() as i64;
        let days = ms.div_euclid(86_400_000);
        let rem = ms.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        DateTime {
            year,
            month,
            day,
            hour: rem / 3_600_000,
            minute: rem / 60_000 % 60,
            second: rem / 1000 % 60,
            milli: rem % 1000,
            days,
        }
    }

    /// ISO day of week, Monday = 1 .. Sunday = 7.
    fn weekday_of(days: i64) -> i64 {
        (days + 3).rem_euclid(7) + 1
    }

    fn day_of_year(&self) -> i64 {
        self.days - days_from_civil(self.year, 1, 1) + 1
    }

    /// The Thursday of this date's ISO week (it decides the week's year and month).
    fn thursday(&self) -> DateTime {
        let wd = Self::weekday_of(self.days);
        DateTime::from_millis((self.days - wd + 4) as f64 * DAY_MS)
    }

    fn fragment(&self, component: char) -> Option<f64> {
        Some(match component {
            'Y' => self.year as f64,
            'M' => self.month as f64,
            'D' => self.day as f64,
            'd' => self.day_of_year() as f64,
            'F' => Self::weekday_of(self.days) as f64,
            'W' => ((self.thursday().day_of_year() - 1) / 7 + 1) as f64,
            'X' => self.thursday().year as f64,
            'w' => ((self.thursday().day - 1) / 7 + 1) as f64,
            'x' => self.thursday().month as f64,
            'H' => self.hour as f64,
            'h' => {
                let h = self.hour % 12;
                if h == 0 {
                    12.0
                } else {
                    h as f64
                }
            }
            'P' => {
                if self.hour >= 12 {
                    1.0
                } else {
                    0.0
                }
            }
            'm' => self.minute as f64,
            's' => self.second as f64,
            'f' => self.milli as f64,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
struct Marker {
    component: char,
    pres1: String,
    pres2: Option<char>,
    names: Option<Case>,
    width_min: Option<usize>,
    width_max: Option<usize>,
    integer: Option<IntegerFormat>,
    /// For the year: keep this many low digits (`None` = all).
    year_digits: Option<usize>,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Marker(Marker),
}

fn default_presentation(c: char) -> Option<&'static str> {
    Some(match c {
        'Y' | 'M' | 'D' | 'd' | 'W' | 'w' | 'X' | 'x' | 'H' | 'h' | 'f' => "1",
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => return None,
    })
}

fn analyse_picture(picture: &str) -> Result<Vec<Part>, Error> {
    let chars: Vec<char> = picture.chars().collect();
    let mut parts = Vec::new();
    let add_literal = |parts: &mut Vec<Part>, s: &[char]| {
        if !s.is_empty() {
            parts.push(Part::Literal(
                s.iter().collect::<String>().replace("]]", "]"),
            ));
        }
    };
    let (mut start, mut pos) = (0, 0);
    while pos < chars.len() {
        if chars[pos] == '[' {
            if chars.get(pos + 1) == Some(&'[') {
                add_literal(&mut parts, &chars[start..pos]);
                parts.push(Part::Literal("[".into()));
                pos += 2;
                start = pos;
                continue;
            }
            add_literal(&mut parts, &chars[start..pos]);
            start = pos;
            let Some(close) = chars[start..]
                .iter()
                .position(|c| *c == ']')
                .map(|i| i + start)
            else {
                return Err(err(
                    "D3135",
                    "No matching closing bracket ']' in date/time picture string",
                ));
            };
            pos = close;
            let marker: String = chars[start + 1..pos]
                .iter()
                .filter(|c| !c.is_whitespace())
                .collect();
            parts.push(Part::Marker(analyse_marker(&marker)?));
            start = pos + 1;
        }
        pos += 1;
    }
    add_literal(&mut parts, &chars[start.min(chars.len())..]);
    Ok(parts)
}

fn analyse_marker(marker: &str) -> Result<Marker, Error> {
    let mc: Vec<char> = marker.chars().collect();
    let component = mc.first().copied().unwrap_or(' ');
    let mut m = Marker {
        component,
        pres1: String::new(),
        pres2: None,
        names: None,
        width_min: None,
        width_max: None,
        integer: None,
        year_digits: None,
    };
    let pres: String = match marker.rfind(',') {
        Some(comma) => {
            let width = &marker[comma + 1..];
            let parse = |w: &str| {
                if w == "*" || w.is_empty() {
                    None
                } else {
                    // A width is at most a few digits; bound it so padding stays small.
                    w.parse::<usize>().ok().map(|w| w.min(64))
                }
            };
            match width.find('-') {
                Some(d) => {
                    m.width_min = parse(&width[..d]);
                    m.width_max = parse(&width[d + 1..]);
                }
                None => m.width_min = parse(width),
            }
            marker[component.len_utf8()..comma].to_string()
        }
        None => marker[component.len_utf8().min(marker.len())..].to_string(),
    };
    let pc: Vec<char> = pres.chars().collect();
    if pc.len() == 1 {
        m.pres1 = pres.clone();
    } else if pc.len() > 1 {
        let last = pc[pc.len() - 1];
        if "atco".contains(last) {
            m.pres2 = Some(last);
            m.pres1 = pc[..pc.len() - 1].iter().collect();
        } else {
            m.pres1 = pres.clone();
        }
    } else {
        match default_presentation(component) {
            Some(p) => m.pres1 = p.to_string(),
            None => {
                return Err(err(
                    "D3132",
                    format!("Unknown component specifier {component} in date/time picture string"),
                ))
            }
        }
    }
    if default_presentation(component).is_none() {
        return Err(err(
            "D3132",
            format!("Unknown component specifier {component} in date/time picture string"),
        ));
    }
    if m.pres1.starts_with('n') {
        m.names = Some(Case::Lower);
    } else if m.pres1.starts_with('N') {
        m.names = Some(if m.pres1.chars().nth(1) == Some('n') {
            Case::Title
        } else {
            Case::Upper
        });
    } else if "YMDdFWwXxHhmsf".contains(component) {
        let mut pattern = m.pres1.clone();
        if let Some(p2) = m.pres2 {
            pattern.push(';');
            pattern.push(p2);
        }
        let mut f = analyse_integer_picture(&pattern)?;
        if let Some(min) = m.width_min {
            if f.mandatory_digits < min {
                f.mandatory_digits = min;
            }
        }
        if component == 'Y' {
            if let Some(max) = m.width_max {
                m.year_digits = Some(max);
                f.mandatory_digits = max;
            } else {
                let w = f.mandatory_digits + f.optional_digits;
                if w >= 2 {
                    m.year_digits = Some(w);
                }
            }
        }
        m.integer = Some(f);
    }
    if component == 'Z' || component == 'z' {
        m.integer = Some(analyse_integer_picture(&m.pres1)?);
    }
    Ok(m)
}

fn apply_case(s: &str, case: Case) -> String {
    match case {
        Case::Upper => s.to_uppercase(),
        Case::Lower => s.to_lowercase(),
        Case::Title => s.to_string(),
    }
}

fn format_marker(dt: &DateTime, m: &Marker, off_h: i64, off_m: i64) -> Result<String, Error> {
    let c = m.component;
    if "YMDdFWwXxHhms".contains(c) {
        let mut v = dt.fragment(c).unwrap_or(0.0);
        if c == 'Y' {
            if let Some(n) = m.year_digits {
                v %= 10f64.powi(n as i32);
            }
        }
        if let Some(case) = m.names {
            let name = match c {
                'M' | 'x' => MONTHS[(v as usize).saturating_sub(1) % 12],
                'F' => DAYS[(v as usize) % 8],
                _ => return Err(err("D3133", format!("The 'name' modifier can only be applied to months and days in the date/time picture string, not {c}"))),
            };
            let mut s = apply_case(name, case);
            if let Some(max) = m.width_max {
                s = s.chars().take(max).collect();
            }
            return Ok(s);
        }
        return format_integer_with(
            v,
            m.integer
                .as_ref()
                .expect("integer components have a format"),
        );
    }
    match c {
        'f' => format_integer_with(dt.milli as f64, m.integer.as_ref().expect("f has a format")),
        'Z' | 'z' => {
            let f = m.integer.as_ref().expect("Z has a format");
            let offset = off_h * 100 + off_m;
            let mut s = if f.regular.is_some() {
                format_integer_with(offset as f64, f)?
            } else {
                match f.mandatory_digits {
                    1 | 2 => {
                        let mut s = format_integer_with(off_h as f64, f)?;
                        if off_m != 0 {
                            s.push(':');
                            s.push_str(&format!("{:02}", off_m));
                        }
                        s
                    }
                    3 | 4 => format_integer_with(offset as f64, f)?,
                    n => return Err(err("D3134", format!("The timezone integer format specifier cannot have more than four digits: {n}"))),
                }
            };
            if offset >= 0 {
                s = format!("+{s}");
            }
            if c == 'z' {
                s = format!("GMT{s}");
            }
            if offset == 0 && m.pres2 == Some('t') {
                s = "Z".into();
            }
            Ok(s)
        }
        'P' => {
            let s = if dt.hour >= 12 { "pm" } else { "am" };
            Ok(if m.names == Some(Case::Upper) {
                s.to_uppercase()
            } else {
                s.to_string()
            })
        }
        'C' | 'E' => Ok("ISO".into()),
        _ => Ok(String::new()),
    }
}

/// Formats epoch millis under a picture (default ISO 8601) and a `±HHMM` timezone.
pub(crate) fn format_datetime(
    millis: f64,
    picture: Option<&str>,
    timezone: Option<&str>,
) -> Result<String, Error> {
    let (mut off_h, mut off_m) = (0, 0);
    if let Some(tz) = timezone {
        let digits: String = tz
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '+' || *c == '-')
            .collect();
        let offset: i64 = digits.parse().unwrap_or(0);
        off_h = offset.div_euclid(100);
        off_m = offset % 100;
    }
    let parts = analyse_picture(
        picture.unwrap_or("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"),
    )?;
    let dt = DateTime::from_millis(millis + ((60 * off_h + off_m) * 60_000) as f64);
    let mut out = String::new();
    for p in &parts {
        match p {
            Part::Literal(s) => out.push_str(s),
            Part::Marker(m) => out.push_str(&format_marker(&dt, m, off_h, off_m)?),
        }
    }
    Ok(out)
}

fn f_millis(ev: &mut Evaluator, _: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(Value::Num(ev.now_ms))
}

fn f_now(ev: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let pic = arg(args, 0).as_str().map(str::to_string);
    let tz = arg(args, 1).as_str().map(str::to_string);
    Ok(Value::string(format_datetime(
        ev.now_ms,
        pic.as_deref(),
        tz.as_deref(),
    )?))
}

fn f_from_millis(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Value::Num(ms) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let pic = arg(args, 1).as_str().map(str::to_string);
    let tz = arg(args, 2).as_str().map(str::to_string);
    Ok(Value::string(format_datetime(
        ms,
        pic.as_deref(),
        tz.as_deref(),
    )?))
}

/// Parses an ISO 8601 timestamp as `$toMillis` accepts it without a picture.
pub(crate) fn parse_iso(s: &str) -> Option<f64> {
    let re = regex::Regex::new(r"^(\d{4})(?:-([01]\d))?(?:-([0-3]\d))?(?:T([0-2]\d):([0-5]\d):([0-5]\d))?(?:\.(\d+))?([+-][0-2]\d:?[0-5]\d|Z)?$").ok()?;
    let c = re.captures(s)?;
    let num = |i: usize, d: f64| {
        c.get(i)
            .and_then(|m| m.as_str().parse::<f64>().ok())
            .unwrap_or(d)
    };
    let frac = c.get(7).map(|m| {
        let d: String = m.as_str().chars().chain("000".chars()).take(3).collect();
        d.parse::<f64>().unwrap_or(0.0)
    });
    let mut ms = utc_millis(
        num(1, 1970.0),
        num(2, 1.0) - 1.0,
        num(3, 1.0),
        num(4, 0.0),
        num(5, 0.0),
        num(6, 0.0),
        frac.unwrap_or(0.0),
    );
    if let Some(tz) = c.get(8).map(|m| m.as_str()).filter(|t| *t != "Z") {
        let sign = if tz.starts_with('-') { -1.0 } else { 1.0 };
        let digits: String = tz.chars().filter(|c| c.is_ascii_digit()).collect();
        let h: f64 = digits[..2].parse().unwrap_or(0.0);
        let m: f64 = digits[2..].parse().unwrap_or(0.0);
        ms -= sign * (h * 60.0 + m) * 60_000.0;
    }
    Some(ms)
}

fn word_alternatives() -> String {
    let mut words: Vec<String> = Vec::new();
    for w in [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ] {
        words.push(w.into());
    }
    for w in [
        "zeroth",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
    ] {
        words.push(w.into());
    }
    for w in [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred",
    ] {
        words.push(w.into());
        words.push(format!("{}ieth", &w[..w.len() - 1]));
    }
    words.push("hundredth".into());
    for w in ["thousand", "million", "billion", "trillion"] {
        words.push(w.into());
        words.push(format!("{w}th"));
    }
    words.push("and".into());
    words.push(r"[\-, ]".into());
    format!("(?:{})+", words.join("|"))
}

fn integer_regex(f: &IntegerFormat) -> Result<String, Error> {
    Ok(match &f.primary {
        Primary::Letters => if f.case == Case::Upper { "[A-Z]+" } else { "[a-z]+" }.to_string(),
        Primary::Roman => if f.case == Case::Upper { "[MDCLXVI]+" } else { "[mdclxvi]+" }.to_string(),
        Primary::Words => word_alternatives(),
        Primary::Decimal => {
            let mut r = format!("[0-9]{{{},}}", f.mandatory_digits.max(1));
            if f.ordinal {
                r.push_str("(?:th|st|nd|rd)");
            }
            r
        }
        Primary::Sequence(t) => return Err(err("D3130", format!("Formatting or parsing an integer as a sequence starting with {t} is not supported by this implementation"))),
    })
}

/// Turns a marker's matched text into its component value.
type MarkerParser = Box<dyn Fn(&str) -> Parsed>;

/// What a matched marker contributes.
enum Parsed {
    Skip,
    Value(char, f64),
}

fn marker_regex(m: &Marker) -> Result<(String, MarkerParser), Error> {
    let c = m.component;
    if c == 'Z' || c == 'z' {
        let f = m.integer.clone().expect("Z has a format");
        let sep = f.regular.map(|r| r.1);
        let mut r = String::new();
        if c == 'z' {
            r.push_str("GMT");
        }
        r.push_str("[-+][0-9]+");
        if let Some(s) = sep {
            r.push_str(&regex::escape(&s.to_string()));
            r.push_str("[0-9]+");
        }
        let parse = move |v: &str| {
            let v = if c == 'z' { &v[3.min(v.len())..] } else { v };
            let (h, mi): (f64, f64) = match sep.and_then(|s| v.find(s).map(|i| (i, s))) {
                Some((i, s)) => (
                    v[..i].parse().unwrap_or(0.0),
                    v[i + s.len_utf8()..].parse().unwrap_or(0.0),
                ),
                None => {
                    if v.len() - 1 <= 2 {
                        (v.parse().unwrap_or(0.0), 0.0)
                    } else {
                        (v[..3].parse().unwrap_or(0.0), v[3..].parse().unwrap_or(0.0))
                    }
                }
            };
            Parsed::Value('Z', h * 60.0 + if h < 0.0 { -mi } else { mi })
        };
        return Ok((r, Box::new(parse)));
    }
    if c == 'f' {
        return Ok((
            "[0-9]+".into(),
            Box::new(|v: &str| {
                let d: String = v.chars().chain("000".chars()).take(3).collect();
                Parsed::Value('f', d.parse().unwrap_or(0.0))
            }),
        ));
    }
    if let Some(f) = m.integer.clone() {
        let r = integer_regex(&f)?;
        return Ok((
            r,
            Box::new(move |v: &str| match parse_integer_with(v, &f) {
                Ok(n) if !n.is_nan() => Parsed::Value(c, n),
                _ => Parsed::Skip,
            }),
        ));
    }
    let mut lookup: Vec<(String, f64)> = Vec::new();
    let cut = |s: &str| match m.width_max {
        Some(max) => s.chars().take(max).collect(),
        None => s.to_string(),
    };
    match c {
        'M' | 'x' => MONTHS.iter().enumerate().for_each(|(i, n)| lookup.push((cut(n), (i + 1) as f64))),
        'F' => DAYS.iter().enumerate().skip(1).for_each(|(i, n)| lookup.push((cut(n), i as f64))),
        'P' => lookup.extend([("am".into(), 0.0), ("AM".into(), 0.0), ("pm".into(), 1.0), ("PM".into(), 1.0)]),
        _ => return Err(err("D3133", format!("The 'name' modifier can only be applied to months and days in the date/time picture string, not {c}"))),
    }
    Ok((
        "[a-zA-Z]+".into(),
        Box::new(move |v: &str| match lookup.iter().find(|(k, _)| k == v) {
            Some((_, n)) => Parsed::Value(c, *n),
            None => Parsed::Skip,
        }),
    ))
}

/// Parses `text` under a date/time picture; `None` if it does not match.
pub(crate) fn parse_datetime(text: &str, picture: &str, now_ms: f64) -> Result<Option<f64>, Error> {
    let parts = analyse_picture(picture)?;
    let mut regex = String::from("(?i)^");
    let mut parsers: Vec<Option<MarkerParser>> = Vec::new();
    for p in &parts {
        match p {
            Part::Literal(s) => {
                regex.push_str(&format!("({})", regex::escape(s)));
                parsers.push(None);
            }
            Part::Marker(m) => {
                let (r, parse) = marker_regex(m)?;
                regex.push_str(&format!("({r})"));
                parsers.push(Some(parse));
            }
        }
    }
    regex.push('$');
    let re = crate::pattern::compile(&regex).map_err(|e| err("D3136", e.to_string()))?;
    let Some(caps) = re.captures(text) else {
        return Ok(None);
    };
    let mut comp: std::collections::HashMap<char, f64> = std::collections::HashMap::new();
    for (i, p) in parsers.iter().enumerate() {
        if let (Some(p), Some(m)) = (p, caps.get(i + 1)) {
            if let Parsed::Value(c, v) = p(m.as_str()) {
                comp.insert(c, v);
            }
        }
    }
    if comp.is_empty() {
        return Ok(None);
    }
    let mask_of = |order: &str, comp: &std::collections::HashMap<char, f64>| {
        order
            .chars()
            .fold(0u32, |m, c| (m << 1) | comp.contains_key(&c) as u32)
    };
    let is_type = |t: u32, mask: u32| (!t & mask) == 0 && (t & mask) != 0;
    let dmask = mask_of("YXMxWwdD", &comp);
    let date_a = is_type(161, dmask);
    let date_b = !date_a && is_type(130, dmask);
    let date_c = is_type(84, dmask);
    let date_d = !date_c && is_type(72, dmask);
    let tmask = mask_of("PHhmsf", &comp);
    let time_a = is_type(23, tmask);
    let time_b = !time_a && is_type(47, tmask);
    let date_comps = if date_b {
        "YD"
    } else if date_c {
        "XxwF"
    } else if date_d {
        "XWF"
    } else {
        "YMD"
    };
    let time_comps = if time_b { "Phmsf" } else { "Hmsf" };
    let now = DateTime::from_millis(now_ms);
    let (mut started, mut ended) = (false, false);
    for c in date_comps.chars().chain(time_comps.chars()) {
        match comp.entry(c) {
            std::collections::hash_map::Entry::Occupied(_) => {
                started = true;
                if ended {
                    return Err(err("D3136", "The date/time picture string is missing specifiers required to parse the timestamp"));
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                if started {
                    slot.insert(if "MDd".contains(c) { 1.0 } else { 0.0 });
                    ended = true;
                } else {
                    slot.insert(now.fragment(c).unwrap_or(0.0));
                }
            }
        }
    }
    if date_c || date_d {
        return Err(err(
            "D3136",
            "The date/time picture string is missing specifiers required to parse the timestamp",
        ));
    }
    let g = |c: char| comp.get(&c).copied().unwrap_or(0.0);
    let mut month0 = if g('M') > 0.0 { g('M') - 1.0 } else { 0.0 };
    let mut day = g('D');
    if date_b {
        let d = DateTime::from_millis(
            utc_millis(g('Y'), 0.0, 1.0, 0.0, 0.0, 0.0, 0.0) + (g('d') - 1.0) * DAY_MS,
        );
        month0 = (d.month - 1) as f64;
        day = d.day as f64;
    }
    let mut hour = g('H');
    if time_b {
        hour = if g('h') == 12.0 { 0.0 } else { g('h') };
        if g('P') == 1.0 {
            hour += 12.0;
        }
    }
    let mut ms = utc_millis(g('Y'), month0, day, hour, g('m'), g('s'), g('f'));
    if let Some(z) = comp.get(&'Z') {
        ms -= z * 60_000.0;
    }
    Ok(Some(ms))
}

fn f_to_millis(ev: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Some(s) = arg(args, 0).as_str().map(str::to_string) else {
        return Ok(Value::Undefined);
    };
    match arg(args, 1).as_str() {
        None => match parse_iso(&s) {
            Some(ms) => Ok(Value::Num(ms)),
            None => Err(err(
                "D3110",
                format!("The timestamp {s} is not a valid ISO 8601 format"),
            )),
        },
        Some(pic) => Ok(parse_datetime(&s, pic, ev.now_ms)?
            .map(Value::Num)
            .unwrap_or(Value::Undefined)),
    }
}
