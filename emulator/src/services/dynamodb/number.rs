//! DynamoDB numbers: exact decimals of up to 38 significant digits, with magnitudes from 1E-130
//! to 9.99…E+125. They compare and add exactly (never through `f64`), and print in plain
//! notation without trailing zeros, as DynamoDB returns them.

use std::cmp::Ordering;

use crate::error::AwsError;

/// The most significant digits a number may have.
const MAX_DIGITS: usize = 38;
/// The largest adjusted exponent (position of the leading digit): 9.9…E+125.
const MAX_ADJUSTED: i64 = 126;
/// The smallest adjusted exponent: 1E-130.
const MIN_ADJUSTED: i64 = -129;

/// An exact decimal: `(-1)^negative × digits × 10^exponent`, normalized (no leading or trailing
/// zero digits; zero has no digits), so equal numbers are equal structurally.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Number {
    /// Zero.
    pub fn zero() -> Number {
        Number {
            negative: false,
            digits: Vec::new(),
            exponent: 0,
        }
    }

    /// Parses DynamoDB's number syntax (`-12.50`, `1e3`, `.5`), checking precision and range.
    pub fn parse(text: &str) -> Result<Number, AwsError> {
        let invalid = || AwsError::validation("A value provided cannot be converted into a number");
        let bytes = text.trim().as_bytes();
        let (negative, rest) = match bytes.first() {
            Some(b'-') => (true, &bytes[1..]),
            Some(b'+') => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let (mantissa, exp_part) = match rest.iter().position(|b| *b == b'e' || *b == b'E') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.iter().position(|b| *b == b'.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, &[][..]),
        };
        if int_part.len() + frac_part.len() == 0
            || !int_part.iter().chain(frac_part).all(u8::is_ascii_digit)
        {
            return Err(invalid());
        }
        let mut exponent: i64 = match exp_part {
            None => 0,
            Some(e) => {
                let digits = e
                    .strip_prefix(b"-")
                    .or_else(|| e.strip_prefix(b"+"))
                    .unwrap_or(e);
                if digits.is_empty() || digits.len() > 6 || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(invalid());
                }
                let magnitude: i64 = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(invalid)?;
                if e.first() == Some(&b'-') {
                    -magnitude
                } else {
                    magnitude
                }
            }
        };
        exponent -= frac_part.len() as i64;
        let digits = int_part.iter().chain(frac_part).map(|b| b - b'0').collect();
        Number::from_parts(negative, digits, exponent)
    }

    /// Builds and normalizes a number, checking DynamoDB's precision and range.
    fn from_parts(negative: bool, digits: Vec<u8>, exponent: i64) -> Result<Number, AwsError> {
        let n = Number::normalized(negative, digits, exponent);
        if n.digits.is_empty() {
            return Ok(n);
        }
        if n.digits.len() > MAX_DIGITS {
            return Err(AwsError::validation(
                "Attempting to store more than 38 significant digits in a Number",
            ));
        }
        let adjusted = n.adjusted();
        if adjusted > MAX_ADJUSTED {
            return Err(AwsError::validation(
                "Number overflow. Attempting to store a number with magnitude larger than supported range",
            ));
        }
        if adjusted < MIN_ADJUSTED {
            return Err(AwsError::validation(
                "Number underflow. Attempting to store a number with magnitude smaller than supported range",
            ));
        }
        Ok(n)
    }

    fn normalized(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Number {
        let leading = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Number::zero();
        }
        Number {
            negative,
            digits,
            exponent,
        }
    }

    /// The power of ten just above the leading digit.
    fn adjusted(&self) -> i64 {
        self.digits.len() as i64 + self.exponent
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The number of significant digits (for item sizes).
    pub fn significant_digits(&self) -> usize {
        self.digits.len()
    }

    /// `self + other`, exactly; fails like DynamoDB when the result does not fit.
    pub fn add(&self, other: &Number) -> Result<Number, AwsError> {
        if self.is_zero() {
            return Ok(other.clone());
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        let exponent = self.exponent.min(other.exponent);
        let a = self.aligned(exponent);
        let b = other.aligned(exponent);
        if self.negative == other.negative {
            return Number::from_parts(self.negative, add_digits(&a, &b), exponent);
        }
        match compare_digits(&a, &b) {
            Ordering::Equal => Ok(Number::zero()),
            Ordering::Greater => Number::from_parts(self.negative, sub_digits(&a, &b), exponent),
            Ordering::Less => Number::from_parts(other.negative, sub_digits(&b, &a), exponent),
        }
    }

    /// `self - other`, exactly.
    pub fn sub(&self, other: &Number) -> Result<Number, AwsError> {
        self.add(&other.negated())
    }

    fn negated(&self) -> Number {
        Number {
            negative: !self.negative && !self.is_zero(),
            ..self.clone()
        }
    }

    /// The digits scaled to `exponent` (which is at most `self.exponent`).
    fn aligned(&self, exponent: i64) -> Vec<u8> {
        let zeros = (self.exponent - exponent) as usize;
        let mut digits = self.digits.clone();
        digits.extend(std::iter::repeat_n(0, zeros));
        digits
    }

    fn cmp_magnitude(&self, other: &Number) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        self.adjusted()
            .cmp(&other.adjusted())
            .then_with(|| self.digits.cmp(&other.digits))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        let sign = |n: &Number| match (n.is_zero(), n.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal if self.negative => other.cmp_magnitude(self),
            Ordering::Equal => self.cmp_magnitude(other),
            unequal => unequal,
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        let digit = |d: &u8| char::from(b'0' + d);
        let len = self.digits.len() as i64;
        if self.exponent >= 0 {
            out.extend(self.digits.iter().map(digit));
            out.extend(std::iter::repeat_n('0', self.exponent as usize));
        } else if -self.exponent < len {
            let point = (len + self.exponent) as usize;
            out.extend(self.digits[..point].iter().map(digit));
            out.push('.');
            out.extend(self.digits[point..].iter().map(digit));
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-self.exponent - len) as usize));
            out.extend(self.digits.iter().map(digit));
        }
        f.write_str(&out)
    }
}

fn compare_digits(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Adds two digit strings of the same length (most significant first).
fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let width = a.len().max(b.len());
    let mut out = Vec::with_capacity(width + 1);
    let mut carry = 0;
    for i in 0..width {
        let x = a.len().checked_sub(i + 1).map_or(0, |j| a[j]);
        let y = b.len().checked_sub(i + 1).map_or(0, |j| b[j]);
        let sum = x + y + carry;
        out.push(sum % 10);
        carry = sum / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out.reverse();
    out
}

/// `a - b` for digit strings with `a >= b` (compared as integers).
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i8;
    for i in 0..a.len() {
        let x = a[a.len() - 1 - i] as i8;
        let y = b.len().checked_sub(i + 1).map_or(0, |j| b[j]) as i8;
        let mut d = x - y - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out.push(d as u8);
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn parses_and_prints_canonically() {
        assert_eq!(n("1.50").to_string(), "1.5");
        assert_eq!(n("-0.00").to_string(), "0");
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n(".25").to_string(), "0.25");
        assert_eq!(n("-12.5E-3").to_string(), "-0.0125");
        assert_eq!(n("007").to_string(), "7");
        for bad in ["", "-", "1.2.3", "abc", "1e", "e5", "0x10", "1e-"] {
            assert!(Number::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn precision_and_range_are_checked() {
        assert!(Number::parse(&"9".repeat(38)).is_ok());
        assert!(Number::parse(&"9".repeat(39)).is_err());
        assert!(Number::parse("1e125").is_ok());
        assert!(Number::parse("1e126").is_err());
        assert!(Number::parse("1e-130").is_ok());
        assert!(Number::parse("1e-131").is_err());
        assert!(Number::parse(&format!("1{}", "0".repeat(100))).is_ok());
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(n("0.1").add(&n("0.2")).unwrap(), n("0.3"));
        assert_eq!(n("10").sub(&n("10.5")).unwrap(), n("-0.5"));
        assert_eq!(n("-3").add(&n("3")).unwrap(), Number::zero());
        let big = "9".repeat(38);
        assert_eq!(
            n(&big).sub(&n("1")).unwrap().to_string(),
            format!("{}8", "9".repeat(37))
        );
        assert!(n(&big).add(&n("1")).is_ok()); // 1E38: one significant digit
        assert!(n(&big).add(&n("0.1")).is_err());
    }

    #[test]
    fn ordering_is_numeric() {
        assert!(n("-10") < n("-9"));
        assert!(n("-0.5") < n("0"));
        assert!(n("9") < n("10"));
        assert!(n("0.09") < n("0.1"));
        assert!(n("1.5") > n("1.25"));
        assert_eq!(n("2.0").cmp(&n("2")), Ordering::Equal);
    }
}
