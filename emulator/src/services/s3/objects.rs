//! How S3 decides object writes and reads: conditional writes (`If-None-Match: *`), copies
//! (CopyObject's directives and its copy-to-itself rule), conditional reads (`If-Match`,
//! `If-None-Match`) and byte ranges. The API ([`api`](super::api)) reads the headers and
//! writes the replies; these methods decide.

use std::collections::BTreeMap;
use std::time::SystemTime;

use http::StatusCode;

use super::model::{Change, Object, State};
use crate::error::{AwsError, AwsResult};

/// What an object is written with besides its bytes: PutObject's, CreateMultipartUpload's and
/// a replacing CopyObject's headers.
#[derive(Debug, Clone)]
pub struct Described {
    /// `Content-Type` (`binary/octet-stream` when the client sent none, as on AWS).
    pub content_type: String,
    /// The standard headers the object keeps, lower-case names.
    pub headers: BTreeMap<String, String>,
    /// User metadata (`x-amz-meta-*`), names without the prefix, lower case.
    pub metadata: BTreeMap<String, String>,
}

/// What CopyObject replaces on the copy (`x-amz-metadata-directive: REPLACE` and
/// `x-amz-tagging-directive: REPLACE`); `None` keeps the source's.
#[derive(Debug, Default)]
pub struct CopyDirectives {
    /// The new content type, standard headers and user metadata.
    pub metadata: Option<Described>,
    /// The new tag set.
    pub tags: Option<Vec<(String, String)>>,
}

/// What a GetObject or HeadObject returns of an object, its conditions met.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// `If-None-Match` matched: 304, no body.
    NotModified,
    /// The whole object: 200.
    Whole,
    /// Bytes `start..=end` of it: 206.
    Range {
        /// The first byte.
        start: usize,
        /// The last byte (inclusive).
        end: usize,
    },
}

impl State {
    /// A write's `If-None-Match`: `*` refuses to write over an existing object
    /// (`PreconditionFailed`). PutObject and CompleteMultipartUpload check it.
    pub fn check_write_condition(
        &self,
        bucket: &str,
        key: &str,
        if_none_match: Option<&str>,
    ) -> AwsResult<()> {
        let exists = self.bucket(bucket)?.objects.contains_key(key);
        if exists && if_none_match == Some("*") {
            return Err(precondition_failed());
        }
        Ok(())
    }

    /// The change PutObject makes, its condition checked.
    pub fn put_object(
        &self,
        bucket: &str,
        key: &str,
        object: Object,
        if_none_match: Option<&str>,
    ) -> AwsResult<Change> {
        self.check_write_condition(bucket, key, if_none_match)?;
        Ok(Change::PutObject(
            bucket.to_string(),
            key.to_string(),
            object,
        ))
    }

    /// CopyObject: the copy of `from` written at `to` (now modified), and its change. Copying
    /// an object onto itself must replace its metadata (`InvalidRequest` otherwise).
    pub fn copy_object(
        &self,
        (bucket, key): (&str, &str),
        (from_bucket, from_key): (&str, &str),
        directives: CopyDirectives,
    ) -> AwsResult<(Change, Object)> {
        self.bucket(bucket)?;
        let original = self.object(from_bucket, from_key)?;
        if (from_bucket, from_key) == (bucket, key) && directives.metadata.is_none() {
            return Err(AwsError::new(
                "InvalidRequest",
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
            ));
        }
        let mut object = original.clone();
        object.last_modified = SystemTime::now();
        if let Some(described) = directives.metadata {
            object.content_type = described.content_type;
            object.headers = described.headers;
            object.metadata = described.metadata;
        }
        if let Some(tags) = directives.tags {
            object.tags = tags;
        }
        let change = Change::PutObject(bucket.to_string(), key.to_string(), object.clone());
        Ok((change, object))
    }
}

impl Object {
    /// What a read with these conditions and `Range` gets: `PreconditionFailed` when
    /// `If-Match` names another ETag, [`Read::NotModified`] when `If-None-Match` names this
    /// one, else the whole object or the range (`InvalidRange` past the end; a range S3
    /// ignores reads the whole).
    pub fn read(
        &self,
        if_match: Option<&str>,
        if_none_match: Option<&str>,
        range: Option<&str>,
    ) -> AwsResult<Read> {
        if if_match.is_some_and(|wanted| !etag_matches(wanted, &self.etag)) {
            return Err(precondition_failed());
        }
        if if_none_match.is_some_and(|w| etag_matches(w, &self.etag)) {
            return Ok(Read::NotModified);
        }
        match range
            .and_then(|r| parse_range(r, self.body.len()))
            .transpose()?
        {
            Some((start, end)) => Ok(Read::Range { start, end }),
            None => Ok(Read::Whole),
        }
    }
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` within `size`; `None` for what S3 ignores (other
/// units, several ranges, bad syntax), `InvalidRange` for a range past the end.
fn parse_range(header: &str, size: usize) -> Option<AwsResult<(usize, usize)>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (start, end) = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n: usize = suffix.parse().ok()?;
            (size.saturating_sub(n), size.checked_sub(1)?)
        }
        (start, "") => (start.parse().ok()?, size.saturating_sub(1)),
        (start, end) => {
            let (start, end): (usize, usize) = (start.parse().ok()?, end.parse().ok()?);
            if end < start {
                return None;
            }
            (start, end.min(size.saturating_sub(1)))
        }
    };
    if start >= size {
        return Some(Err(AwsError::new(
            "InvalidRange",
            "The requested range is not satisfiable",
        )
        .with_status(StatusCode::RANGE_NOT_SATISFIABLE)));
    }
    Some(Ok((start, end)))
}

/// Whether an `If-Match`/`If-None-Match` list (`*`, quoted or bare ETags) names `etag`.
fn etag_matches(condition: &str, etag: &str) -> bool {
    condition
        .split(',')
        .map(str::trim)
        .any(|c| c == "*" || c == etag || c.trim_matches('"') == etag.trim_matches('"'))
}

/// `PreconditionFailed` (412).
fn precondition_failed() -> AwsError {
    AwsError::new(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
    )
    .with_status(StatusCode::PRECONDITION_FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_like_s3() {
        assert_eq!(parse_range("bytes=0-4", 10).unwrap().unwrap(), (0, 4));
        assert_eq!(parse_range("bytes=5-", 10).unwrap().unwrap(), (5, 9));
        assert_eq!(parse_range("bytes=-3", 10).unwrap().unwrap(), (7, 9));
        assert_eq!(parse_range("bytes=8-100", 10).unwrap().unwrap(), (8, 9));
        assert_eq!(
            parse_range("bytes=10-", 10).unwrap().unwrap_err().code,
            "InvalidRange"
        );
        assert!(parse_range("bytes=0-1,3-4", 10).is_none());
        assert!(parse_range("items=0-1", 10).is_none());
    }
}
