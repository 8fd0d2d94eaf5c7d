//! One incoming request, with what routing found out about it: the service and region from the
//! SigV4 credential scope, and a request id.

use bytes::Bytes;
use http::{HeaderMap, Method};

/// The account every resource belongs to.
pub const ACCOUNT_ID: &str = "123456789012";

/// The region used when a request names none.
pub const DEFAULT_REGION: &str = "us-east-1";

/// An HTTP request addressed to one AWS service.
#[derive(Debug, Clone)]
pub struct AwsRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path, percent-encoded as sent (e.g. `/2015-03-31/functions/f/invocations`).
    pub path: String,
    /// The raw query string (without `?`), possibly empty.
    pub query: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// Who the request is for and where.
    pub ctx: RequestContext,
}

/// The parts of a request every operation needs.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The signing name of the service (`states`, `dynamodb`, `events`, `lambda`, `iam`, `s3`,
    /// `sts`, `logs`, `cloudformation`).
    pub service: String,
    /// The region from the credential scope.
    pub region: String,
    /// The request id returned in `x-amzn-RequestId` and in error bodies.
    pub request_id: String,
}

impl RequestContext {
    /// A context for a call made inside the emulator (a Step Functions task, an EventBridge
    /// target) rather than over HTTP.
    pub fn internal(service: &str, region: &str) -> Self {
        RequestContext {
            service: service.to_string(),
            region: region.to_string(),
            request_id: new_request_id(),
        }
    }

    /// The account id.
    pub fn account(&self) -> &'static str {
        ACCOUNT_ID
    }

    /// An ARN in this request's region and account:
    /// `arn:aws:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!("arn:aws:{service}:{}:{ACCOUNT_ID}:{resource}", self.region)
    }
}

impl AwsRequest {
    /// The query string's parameters, percent-decoded, in order.
    pub fn query_params(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path split into percent-decoded segments (`/a/b%20c` → `["a", "b c"]`).
    pub fn path_segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect()
    }
}

/// Decodes `%XX` escapes (and leaves everything else, `+` included, as it is).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - _ . ~`)
/// and those in `keep`.
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) || keep.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A new request id (a UUID, as AWS uses).
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_what_is_not_an_escape() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("a+b%2Fc"), "a+b/c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%E2%9C%93"), "✓");
    }
}
