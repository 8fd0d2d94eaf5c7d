//! S3 multipart uploads with the real SDK client (path style): a 3-part round trip with S3's
//! multipart ETag, the completion's errors (order, unknown parts, small parts, unknown
//! uploads), abort (and bucket deletion with uploads pending), ListParts and
//! ListMultipartUploads paging, UploadPartCopy, and an upload that survives a restart half-way.

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::create_multipart_upload::builders::CreateMultipartUploadFluentBuilder;
use aws_sdk_s3::operation::list_multipart_uploads::builders::ListMultipartUploadsFluentBuilder;
use aws_sdk_s3::operation::list_multipart_uploads::ListMultipartUploadsOutput;
use aws_sdk_s3::operation::list_parts::builders::ListPartsFluentBuilder;
use aws_sdk_s3::operation::upload_part_copy::builders::UploadPartCopyFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;
use md5::{Digest, Md5};
use testkit::aws::Refusal;

use crate::s3::prefixes;

const MIB: usize = 1024 * 1024;

fn client(endpoint: &str) -> Client {
    let config = aws_sdk_s3::config::Builder::from(&testkit::aws::sdk_config(endpoint))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

async fn start() -> (emulator::Emulator, Client) {
    let emulator = testkit::aws::emulator().await;
    let s3 = client(&emulator.endpoint());
    s3.create_bucket().bucket("uploads").send().await.unwrap();
    (emulator, s3)
}

/// `size` bytes of a pattern that differs per `seed`.
fn body(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// S3's multipart ETag: the MD5 of the parts' binary MD5s, a dash, the part count.
fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut digests = Md5::new();
    for part in parts {
        digests.update(Md5::digest(part));
    }
    format!("\"{}-{}\"", hex(&digests.finalize()), parts.len())
}

/// CreateMultipartUpload of `key` in the bucket `uploads`, to send as is or with more.
fn new_upload(s3: &Client, key: &str) -> CreateMultipartUploadFluentBuilder {
    s3.create_multipart_upload().bucket("uploads").key(key)
}

async fn create(s3: &Client, key: &str) -> String {
    new_upload(s3, key)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_string()
}

/// Uploads one part and returns its ETag.
async fn part(s3: &Client, key: &str, id: &str, number: i32, bytes: &[u8]) -> String {
    s3.upload_part()
        .bucket("uploads")
        .key(key)
        .upload_id(id)
        .part_number(number)
        .body(ByteStream::from(bytes.to_vec()))
        .send()
        .await
        .unwrap()
        .e_tag()
        .unwrap()
        .to_string()
}

fn parts(list: &[(i32, &str)]) -> CompletedMultipartUpload {
    let parts = list
        .iter()
        .map(|(n, tag)| CompletedPart::builder().part_number(*n).e_tag(*tag).build())
        .collect();
    CompletedMultipartUpload::builder()
        .set_parts(Some(parts))
        .build()
}

async fn complete(
    s3: &Client,
    key: &str,
    id: &str,
    list: &[(i32, &str)],
) -> Result<
    aws_sdk_s3::operation::complete_multipart_upload::CompleteMultipartUploadOutput,
    SdkError<aws_sdk_s3::operation::complete_multipart_upload::CompleteMultipartUploadError>,
> {
    s3.complete_multipart_upload()
        .bucket("uploads")
        .key(key)
        .upload_id(id)
        .multipart_upload(parts(list))
        .send()
        .await
}

/// ListParts of the upload `id` of `key`.
fn list_parts(s3: &Client, key: &str, id: &str) -> ListPartsFluentBuilder {
    s3.list_parts().bucket("uploads").key(key).upload_id(id)
}

/// ListMultipartUploads of the bucket `uploads`, to send as is or with a prefix or page.
fn list_uploads(s3: &Client) -> ListMultipartUploadsFluentBuilder {
    s3.list_multipart_uploads().bucket("uploads")
}

/// The (key, upload id) of each upload of a listing, in its order.
fn keys_and_ids(listed: &ListMultipartUploadsOutput) -> Vec<(&str, &str)> {
    listed
        .uploads()
        .iter()
        .map(|u| (u.key().unwrap(), u.upload_id().unwrap()))
        .collect()
}

/// Panics unless the bucket `uploads` has no upload in progress.
async fn assert_no_uploads(s3: &Client) {
    let uploads = list_uploads(s3).send().await.unwrap();
    assert!(uploads.uploads().is_empty());
}

/// UploadPartCopy of `uploads/source` as part `number` of the upload `id` of `copied`.
fn copy_part(s3: &Client, id: &str, number: i32) -> UploadPartCopyFluentBuilder {
    s3.upload_part_copy()
        .bucket("uploads")
        .key("copied")
        .upload_id(id)
        .part_number(number)
        .copy_source("uploads/source")
}

async fn body_of(s3: &Client, key: &str) -> (Vec<u8>, Option<String>) {
    let object = s3
        .get_object()
        .bucket("uploads")
        .key(key)
        .send()
        .await
        .unwrap();
    let tag = object.e_tag().map(str::to_string);
    let bytes = object.body.collect().await.unwrap().into_bytes().to_vec();
    (bytes, tag)
}

#[tokio::test]
async fn three_parts_complete_into_one_object_with_the_multipart_etag() {
    let (emulator, s3) = start().await;
    let created = new_upload(&s3, "big/file.bin")
        .content_type("application/x-thing")
        .metadata("origin", "test")
        .send()
        .await
        .unwrap();
    assert_eq!(created.bucket(), Some("uploads"));
    assert_eq!(created.key(), Some("big/file.bin"));
    let id = created.upload_id().unwrap();
    let (a, b, c) = (body(5 * MIB, 1), body(5 * MIB, 2), body(1024, 3));
    let tag_a = part(&s3, "big/file.bin", id, 1, &a).await;
    let tag_b = part(&s3, "big/file.bin", id, 2, &b).await;
    let tag_c = part(&s3, "big/file.bin", id, 3, &c).await;
    assert_eq!(tag_a, format!("\"{}\"", hex(&Md5::digest(&a))));
    assert_eq!(tag_c, format!("\"{}\"", hex(&Md5::digest(&c))));

    let done = complete(
        &s3,
        "big/file.bin",
        id,
        &[(1, &tag_a), (2, &tag_b), (3, &tag_c)],
    )
    .await
    .unwrap();
    let expected = multipart_etag(&[&a, &b, &c]);
    assert!(expected.ends_with("-3\""));
    assert_eq!(done.e_tag(), Some(expected.as_str()));
    assert_eq!(done.bucket(), Some("uploads"));
    assert_eq!(done.key(), Some("big/file.bin"));
    assert!(done.location().unwrap().ends_with("/uploads/big/file.bin"));

    let (got, tag) = body_of(&s3, "big/file.bin").await;
    assert_eq!(got.len(), 10 * MIB + 1024);
    assert_eq!(got, [a, b, c].concat());
    assert_eq!(tag.as_deref(), Some(expected.as_str()));
    let head = s3
        .head_object()
        .bucket("uploads")
        .key("big/file.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("application/x-thing"));
    assert_eq!(head.content_length(), Some((10 * MIB + 1024) as i64));
    assert_eq!(
        head.metadata().unwrap().get("origin").map(String::as_str),
        Some("test")
    );
    // The upload is gone once completed.
    list_parts(&s3, "big/file.bin", id)
        .send()
        .await
        .assert_error("NoSuchUpload", 404);
    assert_no_uploads(&s3).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn completion_checks_order_parts_and_sizes_like_s3() {
    let (emulator, s3) = start().await;
    let id = create(&s3, "k").await;
    let small = body(1024, 7);
    let big = body(5 * MIB, 8);
    let tag_small = part(&s3, "k", &id, 1, &small).await;
    let tag_big = part(&s3, "k", &id, 2, &big).await;
    let tag_last = part(&s3, "k", &id, 3, b"end").await;

    complete(&s3, "k", &id, &[(2, &tag_big), (1, &tag_small)])
        .await
        .assert_error("InvalidPartOrder", 400);
    complete(&s3, "k", &id, &[(2, &tag_big), (4, &tag_last)])
        .await
        .assert_error("InvalidPart", 400);
    complete(&s3, "k", &id, &[(2, &tag_small), (3, &tag_last)])
        .await
        .assert_error("InvalidPart", 400);
    // Part 1 is 1 KiB and not the last: too small.
    complete(&s3, "k", &id, &[(1, &tag_small), (2, &tag_big)])
        .await
        .assert_error("EntityTooSmall", 400);

    s3.upload_part()
        .bucket("uploads")
        .key("k")
        .upload_id(&id)
        .part_number(10_001)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .assert_error("InvalidArgument", 400);
    s3.upload_part()
        .bucket("uploads")
        .key("k")
        .upload_id("no-such-upload")
        .part_number(1)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .assert_error("NoSuchUpload", 404);
    // An upload id is only good for its own key.
    complete(&s3, "other-key", &id, &[(3, &tag_last)])
        .await
        .assert_error("NoSuchUpload", 404);
    s3.create_multipart_upload()
        .bucket("no-such-bucket")
        .key("k")
        .send()
        .await
        .assert_error("NoSuchBucket", 404);

    // After the failures the upload still completes, from a subset of its parts (re-uploading
    // part 3 replaces it).
    let tag_last = part(&s3, "k", &id, 3, b"final").await;
    let done = complete(&s3, "k", &id, &[(2, &tag_big), (3, &tag_last)])
        .await
        .unwrap();
    assert_eq!(
        done.e_tag(),
        Some(multipart_etag(&[&big, b"final"]).as_str())
    );
    let (got, _) = body_of(&s3, "k").await;
    assert_eq!(got, [big, b"final".to_vec()].concat());
    complete(&s3, "k", &id, &[(2, &tag_big), (3, &tag_last)])
        .await
        .assert_error("NoSuchUpload", 404);
    emulator.shutdown().await;
}

#[tokio::test]
async fn aborting_drops_the_upload_and_its_parts() {
    let (emulator, s3) = start().await;
    let id = create(&s3, "aborted").await;
    part(&s3, "aborted", &id, 1, b"some bytes").await;
    let abort = || {
        s3.abort_multipart_upload()
            .bucket("uploads")
            .key("aborted")
            .upload_id(&id)
            .send()
    };
    abort().await.unwrap();
    list_parts(&s3, "aborted", &id)
        .send()
        .await
        .assert_error("NoSuchUpload", 404);
    abort().await.assert_error("NoSuchUpload", 404);
    s3.head_object()
        .bucket("uploads")
        .key("aborted")
        .send()
        .await
        .assert_error_status(404);

    // As on AWS, uploads in progress do not keep a bucket from being deleted: they go with it.
    let pending = create(&s3, "pending").await;
    part(&s3, "pending", &pending, 1, b"bytes").await;
    s3.delete_bucket().bucket("uploads").send().await.unwrap();
    s3.create_bucket().bucket("uploads").send().await.unwrap();
    assert_no_uploads(&s3).await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn parts_and_uploads_are_listed_in_pages() {
    let (emulator, s3) = start().await;
    let id = create(&s3, "docs/a").await;
    for n in 1..=3 {
        part(&s3, "docs/a", &id, n, &body(100 * n as usize, n as u8)).await;
    }
    let first = list_parts(&s3, "docs/a", &id)
        .max_parts(2)
        .send()
        .await
        .unwrap();
    let numbers: Vec<_> = first.parts().iter().map(|p| p.part_number()).collect();
    assert_eq!(numbers, [Some(1), Some(2)]);
    assert_eq!(first.parts()[1].size(), Some(200));
    assert_eq!(
        first.parts()[1].e_tag(),
        Some(format!("\"{}\"", hex(&Md5::digest(body(200, 2)))).as_str())
    );
    assert_eq!(first.is_truncated(), Some(true));
    assert_eq!(first.next_part_number_marker(), Some("2"));
    assert_eq!(first.upload_id(), Some(id.as_str()));
    let rest = list_parts(&s3, "docs/a", &id)
        .part_number_marker("2")
        .send()
        .await
        .unwrap();
    let numbers: Vec<_> = rest.parts().iter().map(|p| p.part_number()).collect();
    assert_eq!(numbers, [Some(3)]);
    assert_eq!(rest.is_truncated(), Some(false));

    let second = create(&s3, "docs/a").await;
    let other = create(&s3, "docs/b").await;
    create(&s3, "elsewhere").await;
    let page = list_uploads(&s3)
        .prefix("docs/")
        .max_uploads(2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        keys_and_ids(&page),
        [("docs/a", id.as_str()), ("docs/a", second.as_str())]
    );
    assert_eq!(page.is_truncated(), Some(true));
    let next = list_uploads(&s3)
        .prefix("docs/")
        .key_marker(page.next_key_marker().unwrap())
        .upload_id_marker(page.next_upload_id_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(keys_and_ids(&next), [("docs/b", other.as_str())]);
    assert_eq!(next.is_truncated(), Some(false));
    let rolled = list_uploads(&s3).delimiter("/").send().await.unwrap();
    assert_eq!(prefixes(rolled.common_prefixes()), ["docs/"]);
    assert_eq!(rolled.uploads().len(), 1);
    assert_eq!(rolled.uploads()[0].key(), Some("elsewhere"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn parts_can_be_copied_from_existing_objects() {
    let (emulator, s3) = start().await;
    let source = body(6 * MIB, 9);
    s3.put_object()
        .bucket("uploads")
        .key("source")
        .body(ByteStream::from(source.clone()))
        .send()
        .await
        .unwrap();
    let id = create(&s3, "copied").await;
    let tag = |copied: aws_sdk_s3::operation::upload_part_copy::UploadPartCopyOutput| {
        copied
            .copy_part_result()
            .unwrap()
            .e_tag()
            .unwrap()
            .to_string()
    };
    let tag_1 = tag(copy_part(&s3, &id, 1).send().await.unwrap());
    let ranged = copy_part(&s3, &id, 2).copy_source_range("bytes=10-19");
    let tag_2 = tag(ranged.send().await.unwrap());
    copy_part(&s3, &id, 3)
        .copy_source_range(format!("bytes=0-{}", 6 * MIB))
        .send()
        .await
        .assert_error("InvalidArgument", 400);
    complete(&s3, "copied", &id, &[(1, &tag_1), (2, &tag_2)])
        .await
        .unwrap();
    let (got, _) = body_of(&s3, "copied").await;
    assert_eq!(got, [&source[..], &source[10..20]].concat());
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_upload_survives_a_restart_half_way() {
    let state = testkit::aws::StateDir::new();
    let (a, b) = (body(5 * MIB, 4), body(3000, 5));
    let emulator = state.start().await;
    let s3 = client(&emulator.endpoint());
    s3.create_bucket().bucket("uploads").send().await.unwrap();
    let id = new_upload(&s3, "resumed")
        .content_type("text/plain")
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_string();
    let tag_a = part(&s3, "resumed", &id, 1, &a).await;
    emulator.shutdown().await;

    let emulator = state.start().await;
    let s3 = client(&emulator.endpoint());
    let tag_b = part(&s3, "resumed", &id, 2, &b).await;
    let listed = list_parts(&s3, "resumed", &id).send().await.unwrap();
    let seen: Vec<_> = listed
        .parts()
        .iter()
        .map(|p| (p.part_number().unwrap(), p.size().unwrap()))
        .collect();
    assert_eq!(seen, [(1, 5 * MIB as i64), (2, 3000)]);
    let done = complete(&s3, "resumed", &id, &[(1, &tag_a), (2, &tag_b)])
        .await
        .unwrap();
    let expected = multipart_etag(&[&a, &b]);
    assert_eq!(done.e_tag(), Some(expected.as_str()));
    emulator.shutdown().await;

    // The completed object is there after another restart, and the upload is not.
    let emulator = state.start().await;
    let s3 = client(&emulator.endpoint());
    let (got, tag) = body_of(&s3, "resumed").await;
    assert_eq!(got, [a, b].concat());
    assert_eq!(tag.as_deref(), Some(expected.as_str()));
    assert_no_uploads(&s3).await;
    emulator.shutdown().await;
}
