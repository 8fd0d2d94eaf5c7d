//! ISO 8601 timestamps as Step Functions reads and writes them: RFC 3339 date-times with an
//! uppercase `T` and either `Z` or a numeric offset (`2016-03-14T01:59:00Z`,
//! `2016-03-14T01:59:00.123456789+02:00`), and UTC output with milliseconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An instant as nanoseconds since the Unix epoch (negative before 1970).
pub(crate) type EpochNanos = i128;

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// Parses an RFC 3339 date-time; `None` when the text is not one (wrong shape, out-of-range
/// field, missing zone).
pub(crate) fn parse(text: &str) -> Option<EpochNanos> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos: i128 = 0;
    if let Some((&b'.', fraction)) = rest.split_first() {
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 || len > 9 {
            return None;
        }
        nanos = digits(&fraction[..len])? as i128 * 10i128.pow(9 - len as u32);
        rest = &fraction[len..];
    }
    let offset_secs: i128 = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2])?;
            let m = digits(&[*m1, *m2])?;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) as i128;
            if *sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day) as i128;
    let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i128 - offset_secs;
    Some(secs * NANOS_PER_SEC + nanos)
}

/// An instant as `SystemTime`.
pub(crate) fn to_system_time(nanos: EpochNanos) -> SystemTime {
    if nanos >= 0 {
        UNIX_EPOCH + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    } else {
        UNIX_EPOCH - Duration::from_nanos(u64::try_from(-nanos).unwrap_or(u64::MAX))
    }
}

/// Formats a time in UTC with milliseconds, as the context object shows it
/// (`2024-01-31T12:00:00.123Z`).
pub(crate) fn format(time: SystemTime) -> String {
    let millis: i128 = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i128,
        Err(e) => -(e.duration().as_millis() as i128),
    };
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400) as i64;
    let day_secs = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        day_secs / 3600,
        (day_secs / 60) % 60,
        day_secs % 60
    )
}

/// Seconds since the epoch with millisecond precision, as GetExecutionHistory's JSON protocol
/// carries event timestamps.
pub(crate) fn epoch_seconds(time: SystemTime) -> f64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as f64 / 1000.0,
        Err(e) => -(e.duration().as_millis() as f64) / 1000.0,
    }
}

fn digits(bytes: &[u8]) -> Option<i64> {
    bytes.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_with_zone_fraction_and_offset() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("1970-01-01T00:00:01.5Z"), Some(1_500_000_000));
        assert_eq!(parse("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            parse("2016-03-05T21:29:29.243167252Z"),
            Some(1_457_213_369 * NANOS_PER_SEC + 243_167_252)
        );
        assert!(parse("2012-10-09T19:00:56Z") > parse("2012-10-09T19:00:55Z"));
    }

    #[test]
    fn rejects_what_aws_rejects() {
        for bad in [
            "2016-12-05T21:29:29",
            "05-12-2016T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "2016-02-30T00:00:00Z",
            "2023-02-24 12:15:56.832957",
            "2016-12-05t21:29:29Z",
            "2016-12-05T21:29:29.Z",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_utc_with_millis_and_round_trips() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(format(t), "2023-11-14T22:13:20.123Z");
        assert_eq!(to_system_time(parse(&format(t)).unwrap()), t);
        assert_eq!(epoch_seconds(t), 1_700_000_000.123);
    }
}
