//! S3's state and behaviour: buckets (global names, each in a region) holding objects with
//! their bytes, ETag and metadata; listing with prefixes, delimiters and markers.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::SystemTime;

use bytes::Bytes;
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::error::{AwsError, AwsResult};
use crate::services::store::Journaled;

use super::uploads::{apply_completion, Completion, Part, Upload};

/// One bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bucket {
    /// The name.
    pub name: String,
    /// The region it lives in.
    pub region: String,
    /// When it was created.
    pub created: SystemTime,
    /// Its tag set (`None` until PutBucketTagging).
    pub tags: Option<Vec<(String, String)>>,
    /// Its objects, by key.
    #[serde(skip)]
    pub objects: BTreeMap<String, Object>,
    /// Its multipart uploads in progress, by upload id.
    #[serde(skip)]
    pub uploads: BTreeMap<String, Upload>,
}

/// One object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Object {
    /// The bytes.
    #[serde(with = "base64_bytes")]
    pub body: Bytes,
    /// The quoted hex MD5 of the bytes.
    pub etag: String,
    /// When it was written.
    pub last_modified: SystemTime,
    /// `Content-Type` (`binary/octet-stream` when the client sent none, as on AWS).
    pub content_type: String,
    /// The other standard headers kept with the object (`Cache-Control`, `Content-Encoding`,
    /// `Content-Disposition`, `Content-Language`, `Expires`), lower-case names.
    pub headers: BTreeMap<String, String>,
    /// User metadata (`x-amz-meta-*`), names without the prefix, lower case.
    pub metadata: BTreeMap<String, String>,
    /// Its tag set, in the order given (none in journals from before object tagging).
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

/// A journaled change. Object bodies travel in the journal (base64), so one journal line is
/// one acknowledged write: nothing to keep in step with files beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Change {
    /// A bucket created.
    CreateBucket(Bucket),
    /// A bucket deleted.
    DeleteBucket(String),
    /// A bucket's tag set replaced (`None` deletes it).
    PutBucketTags(String, Option<Vec<(String, String)>>),
    /// An object written.
    PutObject(String, String, Object),
    /// An object's tag set replaced (bucket, key, tags; empty deletes them).
    PutObjectTags(String, String, Vec<(String, String)>),
    /// Objects deleted from a bucket.
    DeleteObjects(String, Vec<String>),
    /// A multipart upload started in a bucket.
    CreateUpload(String, Upload),
    /// A part uploaded (bucket, upload id, part number), replacing any of the same number.
    PutPart(String, String, u32, Part),
    /// A multipart upload aborted (bucket, upload id): its parts are gone.
    AbortUpload(String, String),
    /// A multipart upload completed into its object.
    CompleteUpload(String, Completion),
}

/// Every bucket.
#[derive(Debug, Default)]
pub struct State {
    buckets: BTreeMap<String, Bucket>,
}

/// What a listing found.
#[derive(Debug, Default)]
pub struct Listing<'a> {
    /// Objects, in key order.
    pub objects: Vec<(&'a String, &'a Object)>,
    /// Common prefixes (rolled up at the delimiter), in order.
    pub common_prefixes: Vec<String>,
    /// True when there is more after `last`.
    pub truncated: bool,
    /// The last key or common prefix returned.
    pub last: Option<String>,
}

/// What to list.
#[derive(Debug, Default, Clone)]
pub struct ListQuery<'a> {
    /// Only keys starting with this.
    pub prefix: &'a str,
    /// Roll keys up at the first occurrence of this after the prefix.
    pub delimiter: Option<&'a str>,
    /// Only what comes after this key or common prefix.
    pub after: Option<&'a str>,
    /// At most this many keys and common prefixes together.
    pub max_keys: usize,
}

impl Journaled for State {
    type Change = Change;

    fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::CreateBucket(bucket) => {
                self.buckets.insert(bucket.name.clone(), bucket);
            }
            Change::DeleteBucket(name) => {
                self.buckets.remove(&name);
            }
            Change::PutBucketTags(name, tags) => {
                if let Some(bucket) = self.buckets.get_mut(&name) {
                    bucket.tags = tags;
                }
            }
            Change::PutObject(name, key, object) => {
                if let Some(bucket) = self.buckets.get_mut(&name) {
                    bucket.objects.insert(key, object);
                }
            }
            Change::PutObjectTags(name, key, tags) => {
                if let Some(object) = self
                    .buckets
                    .get_mut(&name)
                    .and_then(|b| b.objects.get_mut(&key))
                {
                    object.tags = tags;
                }
            }
            Change::DeleteObjects(name, keys) => {
                if let Some(bucket) = self.buckets.get_mut(&name) {
                    for key in keys {
                        bucket.objects.remove(&key);
                    }
                }
            }
            Change::CreateUpload(name, upload) => {
                if let Some(bucket) = self.buckets.get_mut(&name) {
                    bucket.uploads.insert(upload.id.clone(), upload);
                }
            }
            Change::PutPart(name, id, number, part) => {
                let upload = self
                    .buckets
                    .get_mut(&name)
                    .and_then(|b| b.uploads.get_mut(&id));
                if let Some(upload) = upload {
                    upload.parts.insert(number, part);
                }
            }
            Change::AbortUpload(name, id) => {
                if let Some(bucket) = self.buckets.get_mut(&name) {
                    bucket.uploads.remove(&id);
                }
            }
            Change::CompleteUpload(name, completion) => {
                if let Some(bucket) = self.buckets.get_mut(&name) {
                    apply_completion(bucket, completion);
                }
            }
        }
        Ok(())
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Change)) {
        for bucket in self.buckets.values() {
            emit(Change::CreateBucket(Bucket {
                objects: BTreeMap::new(),
                uploads: BTreeMap::new(),
                ..bucket.clone()
            }));
            for (key, object) in &bucket.objects {
                emit(Change::PutObject(
                    bucket.name.clone(),
                    key.clone(),
                    object.clone(),
                ));
            }
            for upload in bucket.uploads.values() {
                emit(Change::CreateUpload(
                    bucket.name.clone(),
                    Upload {
                        parts: BTreeMap::new(),
                        ..upload.clone()
                    },
                ));
                for (number, part) in &upload.parts {
                    emit(Change::PutPart(
                        bucket.name.clone(),
                        upload.id.clone(),
                        *number,
                        part.clone(),
                    ));
                }
            }
        }
    }
}

impl State {
    /// A bucket, or `NoSuchBucket`.
    pub fn bucket(&self, name: &str) -> AwsResult<&Bucket> {
        self.buckets.get(name).ok_or_else(|| no_such_bucket(name))
    }

    /// Every bucket, by name.
    pub fn buckets(&self) -> impl Iterator<Item = &Bucket> {
        self.buckets.values()
    }

    /// An object, or `NoSuchBucket` / `NoSuchKey`.
    pub fn object(&self, bucket: &str, key: &str) -> AwsResult<&Object> {
        self.bucket(bucket)?
            .objects
            .get(key)
            .ok_or_else(|| no_such_key(key))
    }

    /// The change that creates a bucket in `region` (the one the request was sent to) with an
    /// optional location constraint, checked as AWS checks it.
    pub fn create_bucket(
        &self,
        name: &str,
        region: &str,
        constraint: Option<&str>,
    ) -> AwsResult<Option<Change>> {
        check_bucket_name(name)?;
        let location = match constraint {
            Some("us-east-1") => {
                return Err(AwsError::new(
                    "InvalidLocationConstraint",
                    "The specified location-constraint is not valid",
                ))
            }
            Some(wanted) if region != "us-east-1" && wanted != region => {
                return Err(AwsError::new(
                    "IllegalLocationConstraintException",
                    format!("The {wanted} location constraint is incompatible for the region specific endpoint this request was sent to."),
                ))
            }
            Some(wanted) => wanted,
            None if region != "us-east-1" => {
                return Err(AwsError::new(
                    "IllegalLocationConstraintException",
                    "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
                ))
            }
            None => region,
        };
        if self.buckets.contains_key(name) {
            // In us-east-1, re-creating a bucket you own succeeds (AWS's legacy behaviour).
            if location == "us-east-1" {
                return Ok(None);
            }
            return Err(AwsError::new(
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .with_status(StatusCode::CONFLICT));
        }
        Ok(Some(Change::CreateBucket(Bucket {
            name: name.to_string(),
            region: location.to_string(),
            created: SystemTime::now(),
            tags: None,
            objects: BTreeMap::new(),
            uploads: BTreeMap::new(),
        })))
    }

    /// The change that deletes an empty bucket.
    pub fn delete_bucket(&self, name: &str) -> AwsResult<Change> {
        if !self.bucket(name)?.objects.is_empty() {
            return Err(AwsError::new(
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
            )
            .with_status(StatusCode::CONFLICT));
        }
        Ok(Change::DeleteBucket(name.to_string()))
    }

    /// Lists a bucket's keys in order, rolling them up at the delimiter.
    pub fn list<'a>(&'a self, bucket: &str, query: &ListQuery<'_>) -> AwsResult<Listing<'a>> {
        let bucket = self.bucket(bucket)?;
        let start = match query.after {
            Some(after) if after > query.prefix => Bound::Excluded(after.to_string()),
            _ => Bound::Included(query.prefix.to_string()),
        };
        let mut listing = Listing::default();
        let mut count = 0;
        for (key, object) in bucket.objects.range((start, Bound::Unbounded)) {
            if !key.starts_with(query.prefix) {
                break;
            }
            let rollup = query
                .delimiter
                .and_then(|d| common_prefix(key, query.prefix, d));
            if let Some(rollup) = &rollup {
                let seen = listing.common_prefixes.last() == Some(rollup)
                    || query.after == Some(rollup.as_str());
                if seen {
                    continue;
                }
            }
            if count == query.max_keys {
                listing.truncated = true;
                break;
            }
            count += 1;
            match rollup {
                Some(rollup) => {
                    listing.last = Some(rollup.clone());
                    listing.common_prefixes.push(rollup);
                }
                None => {
                    listing.last = Some(key.clone());
                    listing.objects.push((key, object));
                }
            }
        }
        Ok(listing)
    }
}

/// The common prefix a key rolls up into: the prefix and the key up to and including the first
/// delimiter after it.
pub(super) fn common_prefix(key: &str, prefix: &str, delimiter: &str) -> Option<String> {
    if delimiter.is_empty() {
        return None;
    }
    let rest = &key[prefix.len()..];
    rest.find(delimiter)
        .map(|at| key[..prefix.len() + at + delimiter.len()].to_string())
}

/// Bucket naming rules: 3 to 63 characters of lower-case letters, digits, dots and hyphens,
/// starting and ending with a letter or digit, no `..`, not an IP address.
pub fn check_bucket_name(name: &str) -> AwsResult<()> {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-';
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ip_like = name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok());
    let valid = (3..=63).contains(&bytes.len())
        && bytes.iter().all(allowed)
        && edge(bytes.first())
        && edge(bytes.last())
        && !name.contains("..")
        && !ip_like;
    if valid {
        Ok(())
    } else {
        Err(AwsError::new(
            "InvalidBucketName",
            "The specified bucket is not valid.",
        ))
    }
}

/// `NoSuchBucket` (404).
pub fn no_such_bucket(name: &str) -> AwsError {
    AwsError::new(
        "NoSuchBucket",
        format!("The specified bucket does not exist: {name}"),
    )
    .with_status(StatusCode::NOT_FOUND)
}

/// `NoSuchKey` (404).
pub fn no_such_key(key: &str) -> AwsError {
    AwsError::new(
        "NoSuchKey",
        format!("The specified key does not exist: {key}"),
    )
    .with_status(StatusCode::NOT_FOUND)
}

/// The quoted hex MD5 of a body: its ETag.
pub fn etag(body: &[u8]) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(body);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Object and part bodies as base64 text in the journal.
pub(super) mod base64_bytes {
    use base64::Engine;
    use bytes::Bytes;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Bytes::from)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_with(keys: &[&str]) -> State {
        let mut state = State::default();
        let change = state
            .create_bucket("bkt", "us-east-1", None)
            .unwrap()
            .unwrap();
        state.apply(change).unwrap();
        for key in keys {
            let object = Object {
                body: Bytes::from_static(b"x"),
                etag: etag(b"x"),
                last_modified: SystemTime::now(),
                content_type: "text/plain".into(),
                headers: BTreeMap::new(),
                metadata: BTreeMap::new(),
                tags: Vec::new(),
            };
            state
                .apply(Change::PutObject("bkt".into(), key.to_string(), object))
                .unwrap();
        }
        state
    }

    fn names(listing: &Listing<'_>) -> (Vec<String>, Vec<String>) {
        (
            listing.objects.iter().map(|(k, _)| k.to_string()).collect(),
            listing.common_prefixes.clone(),
        )
    }

    #[test]
    fn listing_rolls_up_at_the_delimiter_and_resumes_after_a_prefix() {
        let state = state_with(&["a/1", "a/2", "b", "c/x/1", "c/y", "d"]);
        let mut query = ListQuery {
            delimiter: Some("/"),
            max_keys: 2,
            ..ListQuery::default()
        };
        let first = state.list("bkt", &query).unwrap();
        assert_eq!(names(&first), (vec!["b".into()], vec!["a/".into()]));
        assert!(first.truncated);
        let last = first.last.clone().unwrap();
        query.after = Some(&last);
        let second = state.list("bkt", &query).unwrap();
        assert_eq!(names(&second), (vec!["d".into()], vec!["c/".into()]));
        assert!(!second.truncated);
        let inside = ListQuery {
            prefix: "c/",
            delimiter: Some("/"),
            max_keys: 10,
            ..ListQuery::default()
        };
        let listing = state.list("bkt", &inside).unwrap();
        assert_eq!(names(&listing), (vec!["c/y".into()], vec!["c/x/".into()]));
    }

    #[test]
    fn bucket_names_follow_the_rules() {
        for good in ["abc", "my-bucket.v2", "a1b"] {
            assert!(check_bucket_name(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "Upper",
            "-start",
            "end-",
            "a..b",
            "192.168.1.1",
            "under_score",
        ] {
            assert_eq!(
                check_bucket_name(bad).unwrap_err().code,
                "InvalidBucketName"
            );
        }
    }

    #[test]
    fn location_constraints_are_checked_like_aws() {
        let state = State::default();
        let err = state.create_bucket("abc", "eu-west-1", None).unwrap_err();
        assert_eq!(err.code, "IllegalLocationConstraintException");
        let err = state
            .create_bucket("abc", "us-east-1", Some("us-east-1"))
            .unwrap_err();
        assert_eq!(err.code, "InvalidLocationConstraint");
        let err = state
            .create_bucket("abc", "eu-west-1", Some("eu-west-2"))
            .unwrap_err();
        assert_eq!(err.code, "IllegalLocationConstraintException");
        assert!(state
            .create_bucket("abc", "us-east-1", Some("eu-west-2"))
            .is_ok());
    }
}
