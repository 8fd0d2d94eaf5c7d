//! Tag sets of buckets and objects: PutBucketTagging / GetBucketTagging, PutObjectTagging /
//! GetObjectTagging / DeleteObjectTagging, and the `x-amz-tagging` header of PutObject (with
//! `x-amz-tagging-count` on GetObject and HeadObject), checked as S3 checks them.

use http::StatusCode;

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::xml::XmlWriter;
use crate::protocol::{rest_xml, Response};
use crate::request::AwsRequest;
use crate::services::store::Store;

use super::api::{empty, NAMESPACE};
use super::chunked::read_payload;
use super::model::{Change, State};
use super::xml_in;

/// A tag set: keys and values in the order given.
pub type Tags = Vec<(String, String)>;

/// The most tags an object carries.
const MAX_OBJECT_TAGS: usize = 10;
/// The most tags a bucket carries.
const MAX_BUCKET_TAGS: usize = 50;
/// The longest tag key and value, in characters.
const MAX_KEY_CHARS: usize = 128;
const MAX_VALUE_CHARS: usize = 256;

fn invalid_tag(message: &str) -> AwsError {
    AwsError::new("InvalidTag", message)
}

/// Checks a tag set: unique keys, their lengths, and at most `max` tags (`what` names the
/// owner in the message: `Object`, `Bucket`).
fn checked(tags: Tags, max: usize, what: &str) -> AwsResult<Tags> {
    for (n, (key, value)) in tags.iter().enumerate() {
        if tags[..n].iter().any(|(k, _)| k == key) {
            return Err(invalid_tag(
                "Cannot provide multiple Tags with the same key",
            ));
        }
        if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
            return Err(invalid_tag("The TagKey you have provided is invalid"));
        }
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(invalid_tag("The TagValue you have provided is invalid"));
        }
    }
    if tags.len() > max {
        return Err(invalid_tag(&format!(
            "{what} tags cannot be greater than {max}"
        )));
    }
    Ok(tags)
}

/// The tag set of a `<Tagging><TagSet><Tag>…` request body.
fn from_body(request: &AwsRequest, max: usize, what: &str) -> AwsResult<Tags> {
    let document = xml_in::parse(&read_payload(request)?.body)?;
    let tags = document
        .child("TagSet")
        .into_iter()
        .flat_map(|t| t.children("Tag"))
        .map(|tag| {
            (
                tag.child_text("Key").unwrap_or_default().to_string(),
                tag.child_text("Value").unwrap_or_default().to_string(),
            )
        })
        .collect();
    checked(tags, max, what)
}

/// The tags of PutObject's `x-amz-tagging` header (URL query form: `k1=v1&k2=v2`), none
/// without it.
pub fn from_header(request: &AwsRequest) -> AwsResult<Tags> {
    let Some(header) = request.header("x-amz-tagging") else {
        return Ok(Tags::new());
    };
    let tags = form_urlencoded::parse(header.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    checked(tags, MAX_OBJECT_TAGS, "Object")
}

/// A `<Tagging>` reply with `tags`.
fn reply(tags: &[(String, String)]) -> Response {
    let mut w = XmlWriter::with_declaration();
    w.open_ns("Tagging", NAMESPACE).open("TagSet");
    for (key, value) in tags {
        w.open("Tag")
            .elem("Key", key)
            .elem("Value", value)
            .close("Tag");
    }
    w.close("TagSet").close("Tagging");
    rest_xml::ok(StatusCode::OK, w.finish())
}

/// PutBucketTagging.
pub fn put_bucket(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
) -> AwsResult<Response> {
    let tags = from_body(request, MAX_BUCKET_TAGS, "Bucket")?;
    store.write(cloud, |s| {
        s.bucket(bucket)?;
        Ok(Change::PutBucketTags(bucket.to_string(), Some(tags)))
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// GetBucketTagging: `NoSuchTagSet` for a bucket without one.
pub fn get_bucket(store: &Store<State>, bucket: &str) -> AwsResult<Response> {
    let tags = store.read(|s| {
        s.bucket(bucket)?.tags.clone().ok_or_else(|| {
            AwsError::new("NoSuchTagSet", "The TagSet does not exist")
                .with_status(StatusCode::NOT_FOUND)
        })
    })?;
    Ok(reply(&tags))
}

/// PutObjectTagging (`tags: Some`) and DeleteObjectTagging (`None`).
fn set_object(
    store: &Store<State>,
    cloud: &Cloud,
    bucket: &str,
    key: &str,
    tags: Tags,
    status: StatusCode,
) -> AwsResult<Response> {
    store.write(cloud, |s| {
        s.object(bucket, key)?;
        Ok(Change::PutObjectTags(
            bucket.to_string(),
            key.to_string(),
            tags,
        ))
    })?;
    Ok(empty(status))
}

/// The object tagging operations (`?tagging` on an object): Put, Get, Delete.
pub fn object_operation(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    match request.method {
        http::Method::PUT => {
            let tags = from_body(request, MAX_OBJECT_TAGS, "Object")?;
            set_object(store, cloud, bucket, key, tags, StatusCode::OK)
        }
        http::Method::GET => {
            let tags = store.read(|s| Ok(s.object(bucket, key)?.tags.clone()))?;
            Ok(reply(&tags))
        }
        http::Method::DELETE => set_object(
            store,
            cloud,
            bucket,
            key,
            Tags::new(),
            StatusCode::NO_CONTENT,
        ),
        _ => Err(super::api::method_not_allowed()),
    }
}
