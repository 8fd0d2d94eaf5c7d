//! The functions AWS Step Functions adds to JSONata: `$partition`, `$range`, `$hash`,
//! `$random` (with an optional seed), `$uuid`, `$parse`.

use std::cell::Cell;

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::{arg, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("partition", "<an:a>", 2, f_partition),
    ("range", "<nnn?:a>", 3, f_range),
    ("hash", "<ss?:s>", 2, f_hash),
    ("random", "<n?:n>", 1, f_random),
    ("uuid", "<:s>", 0, f_uuid),
    ("parse", "<s:j>", 1, f_parse),
];

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0) };
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in [0, 1): from `seed` deterministically, else from a per-thread generator.
pub(crate) fn random_unit(seed: Option<f64>) -> f64 {
    let bits = match seed {
        Some(s) => {
            let mut st = s.to_bits();
            splitmix(&mut st)
        }
        None => STATE.with(|c| {
            let mut st = c.get();
            if st == 0 {
                st = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
                    ^ (c as *const _ as u64);
            }
            let r = splitmix(&mut st);
            c.set(st);
            r
        }),
    };
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

fn f_partition(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let items = arg(args, 0).members();
    let size = arg(args, 1).as_num().unwrap_or(0.0);
    if size < 1.0 || size.fract() != 0.0 {
        return Err(err(
            "D3040",
            "The chunk size of $partition must be a positive integer",
        ));
    }
    Ok(Value::array(
        items
            .chunks(size as usize)
            .map(|c| Value::array(c.to_vec()))
            .collect(),
    ))
}

fn f_range(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let start = arg(args, 0).as_num().unwrap_or(0.0);
    let end = arg(args, 1).as_num().unwrap_or(0.0);
    let step = arg(args, 2).as_num().unwrap_or(1.0);
    if step == 0.0 {
        return Err(err("D3040", "The step of $range must not be zero"));
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x <= end) || (step < 0.0 && x >= end) {
        out.push(Value::Num(x));
        if out.len() > 1_000_000 {
            return Err(err("D2014", "The $range result is too large"));
        }
        x += step;
    }
    // A sequence, as AWS returns it: a single number is not wrapped in an array.
    Ok(Value::seq(out))
}

fn f_hash(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let data = arg(args, 0);
    let Some(s) = data.as_str() else {
        return Ok(Value::Undefined);
    };
    let algo = arg(args, 1).as_str().unwrap_or("SHA-256").to_string();
    match crate::hash::hex_digest(&algo, s.as_bytes()) {
        Some(h) => Ok(Value::string(h)),
        None => Err(err("D3141", format!("Unsupported hash algorithm: {algo}"))),
    }
}

fn f_random(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(Value::Num(random_unit(arg(args, 0).as_num())))
}

fn f_uuid(_: &mut Evaluator, _: &[Value], _: &Ctx) -> Result<Value, Error> {
    let mut b = [0u8; 16];
    for chunk in b.chunks_mut(4) {
        let r = (random_unit(None) * 4_294_967_296.0) as u32;
        chunk.copy_from_slice(&r.to_be_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(Value::string(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )))
}

fn f_parse(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let v = arg(args, 0);
    let Some(s) = v.as_str() else {
        return Ok(Value::Undefined);
    };
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(j) => Ok(Value::from_json(&j)),
        Err(e) => Err(err(
            "D3150",
            format!("Unable to parse the JSON string: {e}"),
        )),
    }
}
