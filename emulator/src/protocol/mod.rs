//! The four AWS wire protocols: how each reads an operation's input and writes its output and
//! errors. Services use these helpers; none of them knows a service.
//!
//! - [`json`]: awsJson 1.0/1.1 (`X-Amz-Target`): Step Functions, DynamoDB, EventBridge, Logs.
//! - [`query`]: awsQuery (form `Action`, XML replies): IAM, STS, CloudFormation.
//! - [`rest_json`]: restJson1 (method + path): Lambda.
//! - [`rest_xml`]: restXml (method + path, XML): S3.
//! - [`pagination`]: paging List operations by offset, and the tokens that carry it.
//! - [`validation`]: AWS's constraint-violation messages, for every protocol.
//! - [`wire_enum`](mod@wire_enum): enums whose members travel as the model's strings.

pub mod json;
pub mod pagination;
pub mod query;
pub mod rest_json;
pub mod rest_xml;
pub mod validation;
pub mod wire_enum;
pub mod xml;

use bytes::Bytes;

/// A response ready to be sent.
pub type Response = http::Response<Bytes>;

/// A response with a status, a content type and a body.
pub fn response(status: http::StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response {
    let mut response = http::Response::new(body.into());
    *response.status_mut() = status;
    if let Ok(value) = http::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    response
}

/// Now, in milliseconds since the Unix epoch (what the services record as creation and event
/// times).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// Seconds since the Unix epoch with millisecond precision, as the JSON protocols send
/// timestamps.
pub fn epoch_seconds(time: std::time::SystemTime) -> f64 {
    let since = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (since.as_millis() as f64) / 1000.0
}

/// ISO 8601 with milliseconds in UTC (`2026-11-24T03:55:43.123Z`), as the XML protocols send
/// timestamps.
pub fn iso8601(time: std::time::SystemTime) -> String {
    let since = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs() as i64;
    let millis = since.subsec_millis();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The calendar date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_in_both_wire_forms() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(iso8601(t), "2023-11-14T22:13:20.123Z");
        assert_eq!(epoch_seconds(t), 1_700_000_000.123);
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&iso8601(leap)[..10], "2000-02-29");
    }
}
