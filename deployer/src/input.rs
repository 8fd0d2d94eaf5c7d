//! Reading the user's files and JSON arguments, with messages that say what to fix.

use std::path::Path;

use serde_json::Value;

use crate::error::{CliError, CliResult};

/// Reads a file the user named with `flag`.
pub fn read_file(path: &Path, flag: &str) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read {flag} '{}': {}",
            path.display(),
            io_reason(&e)
        ))
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::InvalidData => "the file is not UTF-8 text".to_string(),
        _ => e.to_string(),
    }
}

/// Parses the JSON text given with `flag` (a file or an argument).
pub fn parse_json(text: &str, what: &str) -> CliResult<Value> {
    serde_json::from_str(text)
        .map_err(|e| CliError::usage(format!("{what} is not valid JSON: {e}")))
}

/// Parses a JSON merge patch (RFC 7386) given with `flag`: an object merges into the input
/// (`null` removes a member); any other JSON value replaces the input as a whole.
pub fn parse_patch(text: &str, flag: &str) -> CliResult<Value> {
    parse_json(text, flag).map_err(|e| {
        CliError::usage(format!(
            "{e}; a JSON merge patch is e.g. '{{\"foo\": \"bar\"}}' (or any JSON value, which \
             replaces the input)"
        ))
    })
}

/// Parses a duration given with `flag`: one or more `<number><unit>` with the units `s`, `m`,
/// `h` and `d` (`90s`, `30m`, `6h`, `2d`, `1h30m`); zero is refused.
pub fn parse_duration(text: &str, flag: &str) -> CliResult<std::time::Duration> {
    let bad = |why: &str| {
        CliError::usage(format!(
            "{flag} '{text}' is not a duration: {why} (e.g. 90s, 30m, 6h, 2d, 1h30m)"
        ))
    };
    let mut seconds: u64 = 0;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad(&format!("'{c}' is not a unit (s, m, h or d)"))),
        };
        if number.is_empty() {
            return Err(bad(&format!("a number must come before '{c}'")));
        }
        let n: u64 = number.parse().map_err(|_| bad("it is too long"))?;
        seconds = n
            .checked_mul(unit)
            .and_then(|part| seconds.checked_add(part))
            .ok_or_else(|| bad("it is too long"))?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(bad(&format!("'{number}' has no unit")));
    }
    if seconds == 0 {
        return Err(bad("it must be longer than zero"));
    }
    Ok(std::time::Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_in_seconds_minutes_hours_and_days() {
        for (text, seconds) in [("90s", 90), ("30m", 1800), ("6h", 21_600), ("2d", 172_800)] {
            assert_eq!(parse_duration(text, "--since").unwrap().as_secs(), seconds);
        }
        assert_eq!(parse_duration("1h30m", "--since").unwrap().as_secs(), 5400);
        for (text, says) in [
            ("6", "has no unit"),
            ("6x", "not a unit"),
            ("h", "number must come before"),
            ("0h", "longer than zero"),
            ("", "longer than zero"),
            ("99999999999999999999d", "too long"),
        ] {
            let err = parse_duration(text, "--since").unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains(says), "{text}: {err}");
        }
    }
}
