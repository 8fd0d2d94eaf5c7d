//! Multipart uploads' state and rules: an upload in progress holds its parts until it is
//! completed into an object (parts in ascending order, ETags matching, all but the last at
//! least 5 MiB) or aborted.

use std::collections::BTreeMap;
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::error::{AwsError, AwsResult};

use super::chunked::hex;
use super::model::{base64_bytes, common_prefix, Bucket, Object, State};

/// The smallest a part may be, except the last one.
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;

/// The highest part number.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    /// Its id.
    pub id: String,
    /// The key the object will have.
    pub key: String,
    /// When it was created.
    pub initiated: SystemTime,
    /// The object's `Content-Type`.
    pub content_type: String,
    /// The object's other standard headers (as [`Object::headers`]).
    pub headers: BTreeMap<String, String>,
    /// The object's user metadata (as [`Object::metadata`]).
    pub metadata: BTreeMap<String, String>,
    /// The parts uploaded so far, by number (journaled one by one, not with the upload).
    #[serde(skip)]
    pub parts: BTreeMap<u32, Part>,
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// The bytes.
    #[serde(with = "base64_bytes")]
    pub body: Bytes,
    /// The quoted hex MD5 of the bytes.
    pub etag: String,
    /// When it was uploaded.
    pub last_modified: SystemTime,
}

/// An upload completed into an object: which parts, in order, make it up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Completion {
    /// The upload's id.
    pub upload_id: String,
    /// The part numbers, ascending.
    pub parts: Vec<u32>,
    /// The object's ETag (`"<md5 of the parts' MD5s>-<count>"`).
    pub etag: String,
    /// When it was completed.
    pub last_modified: SystemTime,
}

/// What ListMultipartUploads found.
#[derive(Debug, Default)]
pub struct UploadListing<'a> {
    /// Uploads, by key then initiation.
    pub uploads: Vec<&'a Upload>,
    /// Common prefixes (rolled up at the delimiter), in order.
    pub common_prefixes: Vec<String>,
    /// True when there is more.
    pub truncated: bool,
    /// The last key (or common prefix) and upload id returned: the next page's markers.
    pub last: Option<(String, Option<String>)>,
}

/// What ListMultipartUploads asks for.
#[derive(Debug, Default, Clone)]
pub struct UploadQuery<'a> {
    /// Only keys starting with this.
    pub prefix: &'a str,
    /// Roll keys up at the first occurrence of this after the prefix.
    pub delimiter: Option<&'a str>,
    /// Only uploads after this key (or, with `upload_id_marker`, after that upload of it).
    pub key_marker: Option<&'a str>,
    /// With `key_marker`: the upload of that key to resume after.
    pub upload_id_marker: Option<&'a str>,
    /// At most this many uploads and common prefixes together.
    pub max_uploads: usize,
}

impl State {
    /// An upload in progress of `key` in `bucket`, or `NoSuchBucket` / `NoSuchUpload`.
    pub fn upload(&self, bucket: &str, key: &str, id: &str) -> AwsResult<&Upload> {
        self.bucket(bucket)?
            .uploads
            .get(id)
            .filter(|upload| upload.key == key)
            .ok_or_else(no_such_upload)
    }

    /// How an upload completes from the parts a client lists (number and ETag, in its
    /// order), checked as S3 checks them.
    pub fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        listed: &[(u32, String)],
    ) -> AwsResult<Completion> {
        let upload = self.upload(bucket, key, id)?;
        if listed.is_empty() {
            return Err(AwsError::new(
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
        if listed.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
            return Err(AwsError::new(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            ));
        }
        let mut parts = Vec::with_capacity(listed.len());
        for (number, etag) in listed {
            let part = upload
                .parts
                .get(number)
                .filter(|part| part.etag.trim_matches('"') == etag.trim_matches('"'))
                .ok_or_else(|| {
                    AwsError::new(
                        "InvalidPart",
                        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
                    )
                })?;
            parts.push(part);
        }
        let all_but_last = parts.split_last().map_or(&[][..], |(_, rest)| rest);
        if all_but_last.iter().any(|p| p.body.len() < MIN_PART_SIZE) {
            return Err(AwsError::new(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed object size.",
            ));
        }
        Ok(Completion {
            upload_id: id.to_string(),
            parts: listed.iter().map(|(n, _)| *n).collect(),
            etag: multipart_etag(&parts),
            last_modified: SystemTime::now(),
        })
    }

    /// A bucket's uploads in progress, by key then initiation, rolled up at the delimiter.
    pub fn list_uploads<'a>(
        &'a self,
        bucket: &str,
        query: &UploadQuery<'_>,
    ) -> AwsResult<UploadListing<'a>> {
        let mut uploads: Vec<&Upload> = self
            .bucket(bucket)?
            .uploads
            .values()
            .filter(|u| u.key.starts_with(query.prefix))
            .collect();
        uploads.sort_by(|a, b| (&a.key, a.initiated, &a.id).cmp(&(&b.key, b.initiated, &b.id)));
        let mut listing = UploadListing::default();
        let mut count = 0;
        let mut marker_passed = query.upload_id_marker.is_none();
        for upload in uploads {
            if let Some(marker) = query.key_marker {
                let key = upload.key.as_str();
                if key < marker || (key == marker && query.upload_id_marker.is_none()) {
                    continue;
                }
                if key == marker && !marker_passed {
                    marker_passed = query.upload_id_marker == Some(upload.id.as_str());
                    continue;
                }
            }
            let rollup = query
                .delimiter
                .and_then(|d| common_prefix(&upload.key, query.prefix, d));
            if let Some(rollup) = &rollup {
                let seen = listing.common_prefixes.last() == Some(rollup)
                    || query
                        .key_marker
                        .is_some_and(|m| m.starts_with(rollup.as_str()));
                if seen {
                    continue;
                }
            }
            if count == query.max_uploads {
                listing.truncated = true;
                break;
            }
            count += 1;
            match rollup {
                Some(rollup) => {
                    listing.last = Some((rollup.clone(), None));
                    listing.common_prefixes.push(rollup);
                }
                None => {
                    listing.last = Some((upload.key.clone(), Some(upload.id.clone())));
                    listing.uploads.push(upload);
                }
            }
        }
        Ok(listing)
    }
}

/// Applies a completion to its bucket: the listed parts, concatenated, become the object
/// (with the upload's content type and metadata), and the upload is gone.
pub fn apply_completion(bucket: &mut Bucket, completion: Completion) {
    let Some(upload) = bucket.uploads.remove(&completion.upload_id) else {
        return;
    };
    let parts: Vec<&Part> = completion
        .parts
        .iter()
        .filter_map(|n| upload.parts.get(n))
        .collect();
    let mut body = BytesMut::with_capacity(parts.iter().map(|p| p.body.len()).sum());
    for part in parts {
        body.extend_from_slice(&part.body);
    }
    let object = Object {
        body: body.freeze(),
        etag: completion.etag,
        last_modified: completion.last_modified,
        content_type: upload.content_type,
        headers: upload.headers,
        metadata: upload.metadata,
        tags: Vec::new(),
    };
    bucket.objects.insert(upload.key, object);
}

/// A multipart object's ETag: the hex MD5 of the parts' binary MD5s, a dash, the part count.
fn multipart_etag(parts: &[&Part]) -> String {
    let mut digests = Md5::new();
    for part in parts {
        let md5 = part.etag.trim_matches('"');
        let binary: Vec<u8> = (0..md5.len() / 2)
            .filter_map(|i| u8::from_str_radix(md5.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        digests.update(binary);
    }
    format!("\"{}-{}\"", hex(&digests.finalize()), parts.len())
}

/// A part number from a request: `InvalidArgument` unless it is 1 to 10000.
pub fn part_number(text: &str) -> AwsResult<u32> {
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            AwsError::new(
                "InvalidArgument",
                "Part number must be an integer between 1 and 10000, inclusive",
            )
        })
}

/// `NoSuchUpload` (404).
pub fn no_such_upload() -> AwsError {
    AwsError::new(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    )
    .with_status(StatusCode::NOT_FOUND)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::s3::model::etag;

    fn part(body: &[u8]) -> Part {
        Part {
            body: Bytes::copy_from_slice(body),
            etag: etag(body),
            last_modified: SystemTime::now(),
        }
    }

    #[test]
    fn the_multipart_etag_hashes_the_binary_part_digests() {
        // md5(md5("a") ‖ md5("b")), as S3 computes it.
        let (a, b) = (part(b"a"), part(b"b"));
        let mut expected = Md5::new();
        expected.update(Md5::digest(b"a"));
        expected.update(Md5::digest(b"b"));
        assert_eq!(
            multipart_etag(&[&a, &b]),
            format!("\"{}-2\"", hex(&expected.finalize()))
        );
    }

    #[test]
    fn part_numbers_run_from_1_to_10000() {
        assert_eq!(part_number("1").unwrap(), 1);
        assert_eq!(part_number("10000").unwrap(), 10_000);
        for bad in ["0", "10001", "-1", "x", ""] {
            assert_eq!(part_number(bad).unwrap_err().code, "InvalidArgument");
        }
    }
}
