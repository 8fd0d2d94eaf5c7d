//! S3's wire protocol (restXml): which operation a method, path, host and query name; reading
//! headers and XML bodies; writing XML replies, object headers and errors.

use std::collections::BTreeMap;
use std::time::SystemTime;

use base64::Engine;
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::xml::XmlWriter;
use crate::protocol::{iso8601, rest_xml, Response};
use crate::request::{percent_decode, AwsRequest};
use crate::services::store::Store;

use super::chunked::read_payload;
use super::listing::ListParams;
use super::model::{etag, Change, ListQuery, Listing, Object, State};
use super::objects::{CopyDirectives, Described, Read};
use super::{multipart, tagging, xml_in};

/// The XML namespace of S3's documents.
pub(super) const NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// The canonical user id of the account (S3's `Owner`).
const OWNER_ID: &str = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";

/// Sub-resources (`?name`) this emulator does not implement: asking for one is answered
/// `NotImplemented` rather than mistaken for a plain GET or PUT.
const UNSUPPORTED: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "cors",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "torrent",
    "versioning",
    "versions",
    "website",
];

/// Serves one S3 request.
pub fn serve(store: &Store<State>, cloud: &Cloud, request: &AwsRequest) -> Response {
    let (bucket, key) = target(request);
    let result = match (&bucket, &key) {
        (None, _) => match request.method {
            Method::GET => list_buckets(store),
            _ => Err(method_not_allowed()),
        },
        (Some(bucket), None) => bucket_operation(store, cloud, request, bucket),
        (Some(bucket), Some(key)) => object_operation(store, cloud, request, bucket, key),
    };
    result.unwrap_or_else(|err| {
        let resource = match (&bucket, &key) {
            (Some(b), Some(k)) => format!("/{b}/{k}"),
            (Some(b), None) => format!("/{b}"),
            _ => "/".to_string(),
        };
        rest_xml::error(&err, Some(&resource), &request.ctx.request_id)
    })
}

/// The bucket and key a request addresses: from a virtual host (`bucket.localhost`,
/// `bucket.s3.<region>.amazonaws.com`) and the path, or from the path alone (`/bucket/key`).
fn target(request: &AwsRequest) -> (Option<String>, Option<String>) {
    let path = request.path.strip_prefix('/').unwrap_or(&request.path);
    let nonempty = |s: String| Some(s).filter(|s| !s.is_empty());
    let host = request.header("host").unwrap_or_default();
    match virtual_host_bucket(host) {
        Some(bucket) => (Some(bucket), nonempty(percent_decode(path))),
        None => {
            let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
            (
                nonempty(percent_decode(bucket)),
                nonempty(percent_decode(key)),
            )
        }
    }
}

/// `bucket.localhost[:port]` or `bucket.s3.<anything>` name a bucket; other hosts do not.
fn virtual_host_bucket(host: &str) -> Option<String> {
    let host = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    let bucket = host
        .strip_suffix(".localhost")
        .or_else(|| host.find(".s3.").map(|at| &host[..at]))?;
    Some(bucket.to_string()).filter(|b| !b.is_empty())
}

/// The sub-resource a request names, if it is one this emulator lacks.
fn unsupported_subresource(request: &AwsRequest) -> AwsResult<()> {
    match request
        .query_params()
        .into_iter()
        .find(|(name, _)| UNSUPPORTED.contains(&name.as_str()))
    {
        Some((name, _)) => Err(AwsError::new(
            "NotImplemented",
            format!("The emulator does not implement the '{name}' sub-resource"),
        )
        .with_status(StatusCode::NOT_IMPLEMENTED)),
        None => Ok(()),
    }
}

fn has_param(request: &AwsRequest, name: &str) -> bool {
    request.query_params().iter().any(|(k, _)| k == name)
}

fn bucket_operation(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
) -> AwsResult<Response> {
    unsupported_subresource(request)?;
    let tagging = has_param(request, "tagging");
    match request.method {
        Method::PUT if tagging => tagging::put_bucket(store, cloud, request, bucket),
        Method::PUT => create_bucket(store, cloud, request, bucket),
        Method::GET if tagging => tagging::get_bucket(store, bucket),
        Method::GET if has_param(request, "uploads") => {
            multipart::list_uploads(store, request, bucket)
        }
        Method::GET if has_param(request, "location") => get_bucket_location(store, bucket),
        Method::GET => list_objects(store, request, bucket),
        Method::HEAD => store.read(|s| {
            let region = s.bucket(bucket)?.region.clone();
            Ok(with_header(
                empty(StatusCode::OK),
                "x-amz-bucket-region",
                &region,
            ))
        }),
        Method::DELETE if tagging => {
            store.write(cloud, |s| {
                s.bucket(bucket)?;
                Ok(Change::PutBucketTags(bucket.to_string(), None))
            })?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        Method::DELETE => {
            store.write(cloud, |s| s.delete_bucket(bucket))?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        Method::POST if has_param(request, "delete") => {
            delete_objects(store, cloud, request, bucket)
        }
        _ => Err(method_not_allowed()),
    }
}

fn object_operation(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    unsupported_subresource(request)?;
    if has_param(request, "tagging") {
        return tagging::object_operation(store, cloud, request, bucket, key);
    }
    let upload = has_param(request, "uploadId");
    if !upload && has_param(request, "partNumber") {
        return Err(AwsError::new(
            "NotImplemented",
            "The emulator does not implement reading an object by part number",
        )
        .with_status(StatusCode::NOT_IMPLEMENTED));
    }
    match request.method {
        Method::POST if has_param(request, "uploads") => {
            multipart::create(store, cloud, request, bucket, key)
        }
        Method::POST if upload => multipart::complete(store, cloud, request, bucket, key),
        Method::PUT if upload => multipart::upload_part(store, cloud, request, bucket, key),
        Method::GET if upload => multipart::list_parts(store, request, bucket, key),
        Method::DELETE if upload => multipart::abort(store, cloud, request, bucket, key),
        Method::PUT if request.header("x-amz-copy-source").is_some() => {
            copy_object(store, cloud, request, bucket, key)
        }
        Method::PUT => put_object(store, cloud, request, bucket, key),
        Method::GET => store.read(|s| object_response(s.object(bucket, key)?, request, false)),
        Method::HEAD => store.read(|s| object_response(s.object(bucket, key)?, request, true)),
        Method::DELETE => {
            store.write(cloud, |s| {
                s.bucket(bucket)?;
                Ok(Change::DeleteObjects(
                    bucket.to_string(),
                    vec![key.to_string()],
                ))
            })?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Err(method_not_allowed()),
    }
}

fn list_buckets(store: &Store<State>) -> AwsResult<Response> {
    let mut w = XmlWriter::with_declaration();
    w.open_ns("ListAllMyBucketsResult", NAMESPACE);
    owner(&mut w);
    w.open("Buckets");
    store.read(|s| {
        for bucket in s.buckets() {
            w.open("Bucket")
                .elem("Name", &bucket.name)
                .elem("CreationDate", &iso8601(bucket.created))
                .elem("BucketRegion", &bucket.region)
                .close("Bucket");
        }
        Ok(())
    })?;
    w.close("Buckets").close("ListAllMyBucketsResult");
    Ok(rest_xml::ok(StatusCode::OK, w.finish()))
}

fn create_bucket(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
) -> AwsResult<Response> {
    let constraint = if request.body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        xml_in::parse(&request.body)?
            .child_text("LocationConstraint")
            .map(str::to_string)
    };
    let region = request.ctx.region.as_str();
    store.write_if(cloud, |s| {
        s.create_bucket(bucket, region, constraint.as_deref())
    })?;
    Ok(with_header(
        empty(StatusCode::OK),
        "location",
        &format!("/{bucket}"),
    ))
}

fn get_bucket_location(store: &Store<State>, bucket: &str) -> AwsResult<Response> {
    let region = store.read(|s| Ok(s.bucket(bucket)?.region.clone()))?;
    let mut w = XmlWriter::with_declaration();
    if region == "us-east-1" {
        // us-east-1 is the empty constraint, sent as an empty element (as AWS does).
        w.raw(&format!("<LocationConstraint xmlns=\"{NAMESPACE}\"/>"));
    } else {
        w.open_ns("LocationConstraint", NAMESPACE)
            .raw(&quick_xml::escape::escape(region.as_str()))
            .close("LocationConstraint");
    }
    Ok(rest_xml::ok(StatusCode::OK, w.finish()))
}

/// ListObjectsV2 (`list-type=2`) and ListObjects (v1, markers).
fn list_objects(store: &Store<State>, request: &AwsRequest, bucket: &str) -> AwsResult<Response> {
    let param = |name: &str| request.query_param(name);
    let v2 = param("list-type").as_deref() == Some("2");
    let list = ListParams::of(request, "max-keys")?;
    let encode = |text: &str| list.encode(text);
    let token = param("continuation-token");
    let after = match (&token, v2) {
        (Some(token), true) => Some(decode_token(token)?),
        (None, true) => param("start-after"),
        (_, false) => param("marker"),
    };
    let fetch_owner = param("fetch-owner").as_deref() == Some("true");
    let query = ListQuery {
        prefix: &list.prefix,
        delimiter: list.delimiter.as_deref(),
        after: after.as_deref(),
        max_keys: list.max,
    };
    let xml = store.read(|s| {
        let listing = s.list(bucket, &query)?;
        let mut w = XmlWriter::with_declaration();
        w.open_ns("ListBucketResult", NAMESPACE)
            .elem("Name", bucket)
            .elem("Prefix", &encode(&list.prefix));
        if !v2 {
            w.elem("Marker", &encode(after.as_deref().unwrap_or_default()));
            if listing.truncated && list.delimiter.is_some() {
                w.opt_elem("NextMarker", listing.last.as_deref().map(encode).as_deref());
            }
        }
        list.echo(&mut w, "MaxKeys");
        if v2 {
            w.elem(
                "KeyCount",
                &(listing.objects.len() + listing.common_prefixes.len()).to_string(),
            );
        }
        w.elem("IsTruncated", &listing.truncated.to_string());
        if v2 {
            w.opt_elem("ContinuationToken", token.as_deref());
            if listing.truncated {
                w.opt_elem(
                    "NextContinuationToken",
                    listing.last.as_deref().map(encode_token).as_deref(),
                );
            }
            if token.is_none() {
                w.opt_elem("StartAfter", after.as_deref().map(encode).as_deref());
            }
        }
        write_contents(&mut w, &listing, fetch_owner || !v2, &list);
        list.common_prefixes(&mut w, &listing.common_prefixes);
        w.close("ListBucketResult");
        Ok(w.finish())
    })?;
    Ok(rest_xml::ok(StatusCode::OK, xml))
}

/// Writes a page's `Contents`, one element an object.
fn write_contents(w: &mut XmlWriter, listing: &Listing<'_>, with_owner: bool, list: &ListParams) {
    for (key, object) in &listing.objects {
        w.open("Contents")
            .elem("Key", &list.encode(key))
            .elem("LastModified", &iso8601(object.last_modified))
            .elem("ETag", &object.etag)
            .elem("Size", &object.body.len().to_string());
        if with_owner {
            owner(w);
        }
        w.elem("StorageClass", "STANDARD").close("Contents");
    }
}

/// The bucket owner (`Owner` with the account's canonical id).
pub(super) fn owner(w: &mut XmlWriter) {
    w.open("Owner").elem("ID", OWNER_ID).close("Owner");
}

/// Continuation tokens are opaque to clients: the last key or prefix returned, in base64.
fn encode_token(last: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(last)
}

fn decode_token(token: &str) -> AwsResult<String> {
    base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            AwsError::new(
                "InvalidArgument",
                "The continuation token provided is incorrect",
            )
        })
}

fn put_object(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    let payload = read_payload(request)?;
    let described = described(request);
    let object = Object {
        etag: etag(&payload.body),
        body: payload.body,
        last_modified: SystemTime::now(),
        content_type: described.content_type,
        headers: described.headers,
        metadata: described.metadata,
        tags: tagging::from_header(request)?,
    };
    let tag = object.etag.clone();
    let if_none_match = request.header("if-none-match");
    store.write(cloud, |s| s.put_object(bucket, key, object, if_none_match))?;
    Ok(stored(&tag, &payload.checksums))
}

/// The reply to a stored body (PutObject, UploadPart): its ETag and the checksums it carried.
pub(super) fn stored(etag: &str, checksums: &[(String, String)]) -> Response {
    let mut reply = with_header(empty(StatusCode::OK), "etag", etag);
    for (name, value) in checksums {
        reply = with_header(reply, name, value);
    }
    reply
}

fn copy_object(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    let (from_bucket, from_key) = copy_source(request)?;
    let replace = |directive: &str| request.header(directive) == Some("REPLACE");
    let directives = CopyDirectives {
        metadata: replace("x-amz-metadata-directive").then(|| described(request)),
        tags: match replace("x-amz-tagging-directive") {
            true => Some(tagging::from_header(request)?),
            false => None,
        },
    };
    let copied = store.write_with(cloud, |s| {
        s.copy_object((bucket, key), (&from_bucket, &from_key), directives)
    })?;
    let mut w = XmlWriter::with_declaration();
    w.open_ns("CopyObjectResult", NAMESPACE)
        .elem("LastModified", &iso8601(copied.last_modified))
        .elem("ETag", &copied.etag)
        .close("CopyObjectResult");
    Ok(rest_xml::ok(StatusCode::OK, w.finish()))
}

/// The bucket and key `x-amz-copy-source` names (`/bucket/key` or `bucket/key`, encoded).
pub(super) fn copy_source(request: &AwsRequest) -> AwsResult<(String, String)> {
    let source = request.header("x-amz-copy-source").unwrap_or_default();
    let source = percent_decode(source.split('?').next().unwrap_or_default());
    source
        .trim_start_matches('/')
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        .map(|(b, k)| (b.to_string(), k.to_string()))
        .ok_or_else(|| {
            AwsError::new(
                "InvalidArgument",
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            )
        })
}

fn delete_objects(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
) -> AwsResult<Response> {
    let document = xml_in::parse(&read_payload(request)?.body)?;
    let keys: Vec<String> = document
        .children("Object")
        .map(|o| o.child_text("Key").unwrap_or_default().to_string())
        .collect();
    if keys.is_empty() || keys.len() > 1000 || keys.iter().any(String::is_empty) {
        return Err(xml_in::malformed());
    }
    let quiet = document.child_text("Quiet") == Some("true");
    store.write(cloud, |s| {
        s.bucket(bucket)?;
        Ok(Change::DeleteObjects(bucket.to_string(), keys.clone()))
    })?;
    let mut w = XmlWriter::with_declaration();
    w.open_ns("DeleteResult", NAMESPACE);
    if !quiet {
        for key in &keys {
            w.open("Deleted").elem("Key", key).close("Deleted");
        }
    }
    w.close("DeleteResult");
    Ok(rest_xml::ok(StatusCode::OK, w.finish()))
}

/// GetObject and HeadObject: conditions, ranges, and the object's headers.
fn object_response(object: &Object, request: &AwsRequest, head: bool) -> AwsResult<Response> {
    let read = object.read(
        request.header("if-match"),
        request.header("if-none-match"),
        request.header("range"),
    )?;
    let size = object.body.len();
    let (status, body, range) = match read {
        Read::NotModified => {
            let reply = empty(StatusCode::NOT_MODIFIED);
            return Ok(with_header(reply, "etag", &object.etag));
        }
        Read::Whole => (StatusCode::OK, object.body.clone(), None),
        Read::Range { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            object.body.slice(start..=end),
            Some((start, end)),
        ),
    };
    let length = body.len();
    let mut reply = http::Response::new(if head { Bytes::new() } else { body });
    *reply.status_mut() = status;
    let mut headers: Vec<(String, String)> = vec![
        ("content-type".into(), object.content_type.clone()),
        ("content-length".into(), length.to_string()),
        ("etag".into(), object.etag.clone()),
        ("last-modified".into(), http_date(object.last_modified)),
        ("accept-ranges".into(), "bytes".into()),
    ];
    if !object.tags.is_empty() {
        headers.push(("x-amz-tagging-count".into(), object.tags.len().to_string()));
    }
    if let Some((start, end)) = range {
        headers.push((
            "content-range".into(),
            format!("bytes {start}-{end}/{size}"),
        ));
    }
    headers.extend(object.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    headers.extend(
        object
            .metadata
            .iter()
            .map(|(k, v)| (format!("x-amz-meta-{k}"), v.clone())),
    );
    for (param, value) in request.query_params() {
        if let Some(header) = param.strip_prefix("response-") {
            headers.push((header.to_string(), value));
        }
    }
    for (name, value) in headers {
        reply = with_header(reply, &name, &value);
    }
    Ok(reply)
}

/// What a request writes an object with: its content type, standard headers and metadata.
pub(super) fn described(request: &AwsRequest) -> Described {
    Described {
        content_type: request
            .header("content-type")
            .unwrap_or("binary/octet-stream")
            .to_string(),
        headers: stored_headers(request),
        metadata: metadata(request),
    }
}

/// The standard headers an object keeps (`aws-chunked` is a transfer detail, not kept).
fn stored_headers(request: &AwsRequest) -> BTreeMap<String, String> {
    let mut kept = BTreeMap::new();
    for name in [
        "cache-control",
        "content-disposition",
        "content-language",
        "expires",
    ] {
        if let Some(value) = request.header(name) {
            kept.insert(name.to_string(), value.to_string());
        }
    }
    let encoding: Vec<&str> = request
        .header("content-encoding")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty() && *e != "aws-chunked")
        .collect();
    if !encoding.is_empty() {
        kept.insert("content-encoding".to_string(), encoding.join(","));
    }
    kept
}

/// `x-amz-meta-*` headers, by name without the prefix.
fn metadata(request: &AwsRequest) -> BTreeMap<String, String> {
    request
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix("x-amz-meta-")?;
            Some((key.to_string(), value.to_str().ok()?.to_string()))
        })
        .collect()
}

/// An HTTP date (`Tue, 15 Nov 1994 08:12:31 GMT`), as `Last-Modified` carries.
fn http_date(time: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = iso8601(time); // 2026-11-24T03:55:43.123Z
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let weekday = DAYS[((secs / 86_400) % 7) as usize];
    let month = iso[5..7]
        .parse::<usize>()
        .map_or("Jan", |m| MONTHS[(m + 11) % 12]);
    format!(
        "{weekday}, {} {month} {} {} GMT",
        &iso[8..10],
        &iso[0..4],
        &iso[11..19]
    )
}

/// A reply without a body.
pub(super) fn empty(status: StatusCode) -> Response {
    let mut reply = http::Response::new(Bytes::new());
    *reply.status_mut() = status;
    reply
}

/// A reply with one more header (dropped when it is not a valid header).
pub(super) fn with_header(mut reply: Response, name: &str, value: &str) -> Response {
    if let (Ok(name), Ok(value)) = (
        http::HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        reply.headers_mut().insert(name, value);
    }
    reply
}

/// MethodNotAllowed.
pub(super) fn method_not_allowed() -> AwsError {
    AwsError::new(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )
    .with_status(StatusCode::METHOD_NOT_ALLOWED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn virtual_hosts_name_buckets() {
        assert_eq!(
            virtual_host_bucket("code.localhost:4566").as_deref(),
            Some("code")
        );
        assert_eq!(
            virtual_host_bucket("my.bucket.s3.us-east-1.amazonaws.com").as_deref(),
            Some("my.bucket")
        );
        assert_eq!(virtual_host_bucket("127.0.0.1:4566"), None);
        assert_eq!(virtual_host_bucket("localhost:4566"), None);
        assert_eq!(virtual_host_bucket("s3.amazonaws.com"), None);
    }

    #[test]
    fn http_dates() {
        let t = UNIX_EPOCH + Duration::from_secs(784_887_151);
        assert_eq!(http_date(t), "Tue, 15 Nov 1994 08:12:31 GMT");
    }
}
