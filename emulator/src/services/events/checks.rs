//! The service model's constraints on EventBridge's members, with AWS's messages: what the
//! wire format and the typed operations both check.

use std::sync::OnceLock;

use regex::Regex;

use crate::error::AwsResult;
use crate::protocol::validation::{constraint, rule};

/// `RuleName` and `TargetId`.
pub const NAME_PATTERN: &str = r"[\.\-_A-Za-z0-9]+";
/// `EventBusName`.
pub const BUS_NAME_PATTERN: &str = r"[/\.\-_A-Za-z0-9]+";

/// A member's length within `min..=max` characters.
pub fn check_length(member: &str, value: &str, min: usize, max: usize) -> AwsResult<()> {
    let length = value.chars().count();
    if length < min {
        return Err(constraint(member, value, &rule::min_length(min)));
    }
    if length > max {
        return Err(constraint(member, value, &rule::max_length(max)));
    }
    Ok(())
}

/// A member's length within `1..=max` and its match of `pattern` ([`NAME_PATTERN`] or
/// [`BUS_NAME_PATTERN`]).
pub fn check_name(member: &str, value: &str, pattern: &str, max: usize) -> AwsResult<()> {
    check_length(member, value, 1, max)?;
    if !full_match(pattern, value) {
        return Err(constraint(member, value, &rule::pattern(pattern)));
    }
    Ok(())
}

/// Whether the whole of `value` matches one of the model's patterns.
fn full_match(pattern: &str, value: &str) -> bool {
    static NAME: OnceLock<Regex> = OnceLock::new();
    static BUS: OnceLock<Regex> = OnceLock::new();
    let cell = if pattern == NAME_PATTERN { &NAME } else { &BUS };
    cell.get_or_init(|| {
        Regex::new(&format!("^(?:{pattern})$")).expect("the service model's patterns are regexes")
    })
    .is_match(value)
}
