//! Which service a request is for: the service name in the SigV4 credential scope
//! (`Credential=AKID/<date>/<region>/<service>/aws4_request`, in the `Authorization` header or,
//! for presigned URLs, the `X-Amz-Credential` query parameter), and the region beside it.
//! Requests signed with Signature Version 2 (`Authorization: AWS AKID:…`, or a URL presigned
//! with `AWSAccessKeyId`, as the AWS CLI v1's `s3 presign` makes them) are S3's: no other
//! service takes SigV2. Unsigned requests are routed by their `X-Amz-Target` prefix when they
//! have one.

use http::HeaderMap;

use crate::request::DEFAULT_REGION;
use crate::services::registry;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The signing name of the service.
    pub service: String,
    /// The region.
    pub region: String,
}

/// Finds the service and region of a request, if it names them anywhere.
pub fn route(headers: &HeaderMap, query: &str) -> Option<Route> {
    let from_header = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(scope_in_authorization);
    let from_query = || {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "X-Amz-Credential")
            .and_then(|(_, v)| scope_in_credential(&v))
    };
    let from_target = || {
        headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .and_then(service_of_target)
            .map(|service| Route {
                service: service.to_string(),
                region: DEFAULT_REGION.to_string(),
            })
    };
    from_header
        .or_else(from_query)
        .or_else(|| sigv2(headers, query))
        .or_else(from_target)
}

/// S3 in the default region, for a request signed with Signature Version 2 (it names no
/// region).
fn sigv2(headers: &HeaderMap, query: &str) -> Option<Route> {
    let in_header = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS ") && v.contains(':'));
    let in_query = || form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "AWSAccessKeyId");
    (in_header || in_query()).then(|| Route {
        service: "s3".to_string(),
        region: DEFAULT_REGION.to_string(),
    })
}

/// The scope in `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
fn scope_in_authorization(authorization: &str) -> Option<Route> {
    let start = authorization.find("Credential=")? + "Credential=".len();
    let credential = authorization[start..]
        .split([',', ' '])
        .next()
        .unwrap_or_default();
    scope_in_credential(credential)
}

/// `AKID/20261124/us-east-1/states/aws4_request` → states in us-east-1.
fn scope_in_credential(credential: &str) -> Option<Route> {
    let parts: Vec<&str> = credential.split('/').collect();
    if parts.len() < 5 || parts[parts.len() - 1] != "aws4_request" {
        return None;
    }
    let n = parts.len();
    let (region, service) = (parts[n - 3], parts[n - 2]);
    if region.is_empty() || service.is_empty() {
        return None;
    }
    Some(Route {
        service: service.to_string(),
        region: region.to_string(),
    })
}

/// The service of an awsJson target prefix.
fn service_of_target(target: &str) -> Option<&'static str> {
    registry::by_target_prefix(target.split('.').next()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn routes_by_credential_scope() {
        let h = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/eu-west-3/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        )]);
        assert_eq!(
            route(&h, ""),
            Some(Route {
                service: "states".into(),
                region: "eu-west-3".into()
            })
        );
    }

    #[test]
    fn routes_presigned_urls_and_unsigned_targets() {
        let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261124%2Fus-west-2%2Fs3%2Faws4_request";
        assert_eq!(route(&HeaderMap::new(), q).unwrap().service, "s3");
        let h = headers(&[("x-amz-target", "DynamoDB_20120810.GetItem")]);
        assert_eq!(route(&h, "").unwrap().service, "dynamodb");
        assert_eq!(route(&HeaderMap::new(), ""), None);
        let bad = headers(&[("authorization", "AWS4-HMAC-SHA256 Credential=garbage")]);
        assert_eq!(route(&bad, ""), None);
    }

    #[test]
    fn signature_version_2_is_s3s() {
        let presigned = "AWSAccessKeyId=AKID&Signature=abc%3D&Expires=1893456000";
        let found = route(&HeaderMap::new(), presigned).unwrap();
        assert_eq!(
            (found.service.as_str(), found.region.as_str()),
            ("s3", "us-east-1")
        );
        let signed = headers(&[("authorization", "AWS AKID:c2lnbmF0dXJl")]);
        assert_eq!(route(&signed, "").unwrap().service, "s3");
        assert!(route(&headers(&[("authorization", "AWS garbage")]), "").is_none());
    }
}
