//! Encodings: `$base64encode`, `$base64decode` and the URL encode/decode functions.

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::{arg, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[
    ("base64encode", "<s-:s>", 1, f_base64encode),
    ("base64decode", "<s-:s>", 1, f_base64decode),
    ("encodeUrlComponent", "<s-:s>", 1, f_encode_url_component),
    ("encodeUrl", "<s-:s>", 1, f_encode_url),
    ("decodeUrlComponent", "<s-:s>", 1, f_decode_url_component),
    ("decodeUrl", "<s-:s>", 1, f_decode_url),
];

fn s_arg(args: &[Value], i: usize) -> Option<String> {
    arg(args, i).as_str().map(str::to_string)
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
