//! Multipart uploads on the wire: CreateMultipartUpload, UploadPart (and UploadPartCopy),
//! CompleteMultipartUpload, AbortMultipartUpload, ListParts and ListMultipartUploads.

use std::time::SystemTime;

use http::StatusCode;

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::xml::XmlWriter;
use crate::protocol::{iso8601, rest_xml, Response};
use crate::request::AwsRequest;
use crate::services::store::Store;

use super::api::{copy_source, described, empty, owner, stored, with_header, NAMESPACE};
use super::chunked::read_payload;
use super::listing::{max_param, ListParams};
use super::model::{etag, Change, State};
use super::uploads::{part_number, Part, Upload, UploadQuery};
use super::xml_in;

/// CreateMultipartUpload (`POST /bucket/key?uploads`): keeps the object's headers and
/// metadata for the completion.
pub fn create(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    let described = described(request);
    let upload = Upload {
        id: uuid::Uuid::new_v4().simple().to_string(),
        key: key.to_string(),
        initiated: SystemTime::now(),
        content_type: described.content_type,
        headers: described.headers,
        metadata: described.metadata,
        parts: Default::default(),
    };
    let id = upload.id.clone();
    store.write(cloud, |s| {
        s.bucket(bucket)?;
        Ok(Change::CreateUpload(bucket.to_string(), upload))
    })?;
    let mut w = XmlWriter::with_declaration();
    w.open_ns("InitiateMultipartUploadResult", NAMESPACE)
        .elem("Bucket", bucket)
        .elem("Key", key)
        .elem("UploadId", &id)
        .close("InitiateMultipartUploadResult");
    let mut reply = rest_xml::ok(StatusCode::OK, w.finish());
    if let Some(algorithm) = request.header("x-amz-checksum-algorithm") {
        reply = with_header(reply, "x-amz-checksum-algorithm", algorithm);
    }
    Ok(reply)
}

/// UploadPart (`PUT ?partNumber=N&uploadId=U`, the body possibly `aws-chunked`) and
/// UploadPartCopy (the same with `x-amz-copy-source`).
pub fn upload_part(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    let number = part_number(&request.query_param("partNumber").unwrap_or_default())?;
    let id = request.query_param("uploadId").unwrap_or_default();
    if request.header("x-amz-copy-source").is_some() {
        return upload_part_copy(store, cloud, request, (bucket, key, &id), number);
    }
    let payload = read_payload(request)?;
    let part = Part {
        etag: etag(&payload.body),
        body: payload.body,
        last_modified: SystemTime::now(),
    };
    let tag = part.etag.clone();
    store.write(cloud, |s| {
        s.upload(bucket, key, &id)?;
        Ok(Change::PutPart(
            bucket.to_string(),
            id.clone(),
            number,
            part,
        ))
    })?;
    Ok(stored(&tag, &payload.checksums))
}

/// UploadPartCopy: a part cut from an existing object (`x-amz-copy-source-range`, or whole).
fn upload_part_copy(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    (bucket, key, id): (&str, &str, &str),
    number: u32,
) -> AwsResult<Response> {
    let (from_bucket, from_key) = copy_source(request)?;
    let range = request.header("x-amz-copy-source-range");
    let part = store.write_with(cloud, |s| {
        s.upload(bucket, key, id)?;
        let source = &s.object(&from_bucket, &from_key)?.body;
        let body = match range {
            Some(range) => {
                let (first, last) = copy_range(range, source.len())?;
                source.slice(first..=last)
            }
            None => source.clone(),
        };
        let part = Part {
            etag: etag(&body),
            body,
            last_modified: SystemTime::now(),
        };
        let change = Change::PutPart(bucket.to_string(), id.to_string(), number, part.clone());
        Ok((change, part))
    })?;
    let mut w = XmlWriter::with_declaration();
    w.open_ns("CopyPartResult", NAMESPACE)
        .elem("LastModified", &iso8601(part.last_modified))
        .elem("ETag", &part.etag)
        .close("CopyPartResult");
    Ok(rest_xml::ok(StatusCode::OK, w.finish()))
}

/// `bytes=first-last` within an object of `size` bytes, as UploadPartCopy reads it.
fn copy_range(range: &str, size: usize) -> AwsResult<(usize, usize)> {
    let (first, last) = range
        .trim()
        .strip_prefix("bytes=")
        .and_then(|spec| spec.split_once('-'))
        .and_then(|(f, l)| Some((f.parse::<usize>().ok()?, l.parse::<usize>().ok()?)))
        .ok_or_else(|| {
            AwsError::new(
                "InvalidArgument",
                "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
            )
        })?;
    if first > last || last >= size {
        return Err(AwsError::new(
            "InvalidArgument",
            format!("Range specified is not valid for source object of size: {size}"),
        ));
    }
    Ok((first, last))
}

/// CompleteMultipartUpload (`POST ?uploadId=U` with the parts listed in XML).
pub fn complete(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    let id = request.query_param("uploadId").unwrap_or_default();
    let document = xml_in::parse(&read_payload(request)?.body)?;
    let listed = document
        .children("Part")
        .map(|part| {
            let number = part
                .child_text("PartNumber")
                .and_then(|n| n.trim().parse::<u32>().ok())
                .ok_or_else(xml_in::malformed)?;
            let tag = part.child_text("ETag").unwrap_or_default().trim();
            Ok((number, tag.to_string()))
        })
        .collect::<AwsResult<Vec<_>>>()?;
    let if_none_match = request.header("if-none-match");
    let tag = store.write_with(cloud, |s| {
        let completion = s.complete_upload(bucket, key, &id, &listed)?;
        s.check_write_condition(bucket, key, if_none_match)?;
        let tag = completion.etag.clone();
        Ok((Change::CompleteUpload(bucket.to_string(), completion), tag))
    })?;
    let host = request.header("host").unwrap_or("localhost");
    let mut w = XmlWriter::with_declaration();
    w.open_ns("CompleteMultipartUploadResult", NAMESPACE)
        .elem("Location", &format!("http://{host}{}", request.path))
        .elem("Bucket", bucket)
        .elem("Key", key)
        .elem("ETag", &tag)
        .close("CompleteMultipartUploadResult");
    Ok(rest_xml::ok(StatusCode::OK, w.finish()))
}

/// AbortMultipartUpload (`DELETE ?uploadId=U`): the upload and its parts are gone.
pub fn abort(
    store: &Store<State>,
    cloud: &Cloud,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    let id = request.query_param("uploadId").unwrap_or_default();
    store.write(cloud, |s| {
        s.upload(bucket, key, &id)?;
        Ok(Change::AbortUpload(bucket.to_string(), id.clone()))
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// ListParts (`GET ?uploadId=U`), by part number, paged with `part-number-marker`.
pub fn list_parts(
    store: &Store<State>,
    request: &AwsRequest,
    bucket: &str,
    key: &str,
) -> AwsResult<Response> {
    let id = request.query_param("uploadId").unwrap_or_default();
    let max_parts = max_param(request, "max-parts")?;
    let marker = match request.query_param("part-number-marker") {
        None => 0,
        Some(text) => text.parse::<u32>().map_err(|_| {
            AwsError::new(
                "InvalidArgument",
                "Provided part-number-marker not an integer or within integer range",
            )
        })?,
    };
    let xml = store.read(|s| {
        let upload = s.upload(bucket, key, &id)?;
        let mut after = upload.parts.range(marker.saturating_add(1)..);
        let page: Vec<_> = after.by_ref().take(max_parts).collect();
        let truncated = after.next().is_some();
        let mut w = XmlWriter::with_declaration();
        w.open_ns("ListPartsResult", NAMESPACE)
            .elem("Bucket", bucket)
            .elem("Key", key)
            .elem("UploadId", &id)
            .elem("PartNumberMarker", &marker.to_string());
        if let Some((last, _)) = page.last() {
            w.elem("NextPartNumberMarker", &last.to_string());
        }
        w.elem("MaxParts", &max_parts.to_string())
            .elem("IsTruncated", &truncated.to_string());
        for (number, part) in page {
            w.open("Part")
                .elem("PartNumber", &number.to_string())
                .elem("LastModified", &iso8601(part.last_modified))
                .elem("ETag", &part.etag)
                .elem("Size", &part.body.len().to_string())
                .close("Part");
        }
        initiator(&mut w);
        owner(&mut w);
        w.elem("StorageClass", "STANDARD").close("ListPartsResult");
        Ok(w.finish())
    })?;
    Ok(rest_xml::ok(StatusCode::OK, xml))
}

/// ListMultipartUploads (`GET /bucket?uploads`): uploads in progress by key then initiation,
/// with prefixes, delimiters and key / upload-id markers.
pub fn list_uploads(
    store: &Store<State>,
    request: &AwsRequest,
    bucket: &str,
) -> AwsResult<Response> {
    let param = |name: &str| request.query_param(name);
    let key_marker = param("key-marker").filter(|m| !m.is_empty());
    let upload_id_marker = param("upload-id-marker").filter(|m| !m.is_empty());
    let list = ListParams::of(request, "max-uploads")?;
    let encode = |text: &str| list.encode(text);
    let query = UploadQuery {
        prefix: &list.prefix,
        delimiter: list.delimiter.as_deref(),
        key_marker: key_marker.as_deref(),
        upload_id_marker: upload_id_marker.as_deref(),
        max_uploads: list.max,
    };
    let xml = store.read(|s| {
        let listing = s.list_uploads(bucket, &query)?;
        let mut w = XmlWriter::with_declaration();
        w.open_ns("ListMultipartUploadsResult", NAMESPACE)
            .elem("Bucket", bucket)
            .elem(
                "KeyMarker",
                &encode(key_marker.as_deref().unwrap_or_default()),
            )
            .elem(
                "UploadIdMarker",
                upload_id_marker.as_deref().unwrap_or_default(),
            );
        let (next_key, next_id) = listing.last.clone().unwrap_or_default();
        w.elem("NextKeyMarker", &encode(&next_key))
            .elem("NextUploadIdMarker", next_id.as_deref().unwrap_or_default())
            .elem("Prefix", &encode(&list.prefix));
        list.echo(&mut w, "MaxUploads");
        w.elem("IsTruncated", &listing.truncated.to_string());
        for upload in &listing.uploads {
            w.open("Upload")
                .elem("Key", &encode(&upload.key))
                .elem("UploadId", &upload.id);
            initiator(&mut w);
            owner(&mut w);
            w.elem("StorageClass", "STANDARD")
                .elem("Initiated", &iso8601(upload.initiated))
                .close("Upload");
        }
        list.common_prefixes(&mut w, &listing.common_prefixes);
        w.close("ListMultipartUploadsResult");
        Ok(w.finish())
    })?;
    Ok(rest_xml::ok(StatusCode::OK, xml))
}

/// The `Initiator` of an upload: the account's root user.
fn initiator(w: &mut XmlWriter) {
    w.open("Initiator")
        .elem(
            "ID",
            &format!("arn:aws:iam::{}:root", crate::request::ACCOUNT_ID),
        )
        .elem("DisplayName", "emulator")
        .close("Initiator");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_ranges_must_lie_inside_the_source() {
        assert_eq!(copy_range("bytes=0-9", 10).unwrap(), (0, 9));
        assert_eq!(copy_range("bytes=3-3", 10).unwrap(), (3, 3));
        for bad in ["bytes=0-10", "bytes=5-4", "bytes=-3", "items=0-1"] {
            assert_eq!(copy_range(bad, 10).unwrap_err().code, "InvalidArgument");
        }
    }
}
