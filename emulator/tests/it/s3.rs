//! S3 with the real SDK client (path style): buckets, objects with metadata, ranges and
//! conditions, streamed `aws-chunked` uploads, multi-megabyte bodies, listings with delimiters
//! and pages, AWS's error codes and statuses, virtual-hosted addressing, and persistence.

use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CommonPrefix, CreateBucketConfiguration, Delete, Object,
    ObjectIdentifier, Tag, Tagging,
};
use aws_sdk_s3::Client;
use testkit::aws::Refusal;

fn client_in(endpoint: &str, region: &'static str) -> Client {
    let config = aws_sdk_s3::config::Builder::from(&testkit::aws::sdk_config(endpoint))
        .region(aws_config::Region::new(region))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

fn client(emulator: &emulator::Emulator) -> Client {
    client_in(&emulator.endpoint(), "us-east-1")
}

async fn start() -> (emulator::Emulator, Client) {
    let emulator = testkit::aws::emulator().await;
    let client = client(&emulator);
    (emulator, client)
}

/// PutObject of `body` at `bucket`/`key`.
fn put_static(s3: &Client, bucket: &str, key: &str, body: &'static [u8]) -> PutObjectFluentBuilder {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(body))
}

/// The keys of a listing's objects, in its order.
fn keys(objects: &[Object]) -> Vec<&str> {
    objects.iter().map(|o| o.key().unwrap()).collect()
}

/// The prefixes a listing rolled up, in its order.
pub(crate) fn prefixes(rolled: &[CommonPrefix]) -> Vec<&str> {
    rolled.iter().map(|p| p.prefix().unwrap()).collect()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// A tag set of `pairs`, in their order.
fn tagging(pairs: &[(&str, &str)]) -> Tagging {
    let tags = pairs.iter().map(|(k, v)| tag(k, v)).collect();
    Tagging::builder().set_tag_set(Some(tags)).build().unwrap()
}

/// The tags of the object `bucket`/`key`, as (key, value) pairs in their order.
async fn object_tags(s3: &Client, bucket: &str, key: &str) -> Vec<(String, String)> {
    let got = s3.get_object_tagging().bucket(bucket).key(key).send().await;
    got.unwrap()
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

fn md5_etag(body: &[u8]) -> String {
    use md5::{Digest, Md5};
    let hex: String = Md5::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"{hex}\"")
}

async fn body_of(s3: &Client, bucket: &str, key: &str) -> Vec<u8> {
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    object.body.collect().await.unwrap().into_bytes().to_vec()
}

#[tokio::test]
async fn buckets_are_created_located_listed_and_deleted() {
    let (emulator, s3) = start().await;
    s3.create_bucket().bucket("code").send().await.unwrap();
    // Re-creating a bucket you own in us-east-1 succeeds (AWS's legacy behaviour) …
    s3.create_bucket().bucket("code").send().await.unwrap();
    s3.head_bucket().bucket("code").send().await.unwrap();
    let location = s3
        .get_bucket_location()
        .bucket("code")
        .send()
        .await
        .unwrap();
    // us-east-1 is the empty constraint: an empty element on the wire, as AWS sends it.
    let constraint = location
        .location_constraint()
        .map(BucketLocationConstraint::as_str);
    assert_eq!(constraint.unwrap_or_default(), "");

    // … but elsewhere it is BucketAlreadyOwnedByYou.
    let paris = client_in(&emulator.endpoint(), "eu-west-3");
    let in_paris = || {
        paris
            .create_bucket()
            .bucket("artifacts-paris")
            .create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::EuWest3)
                    .build(),
            )
            .send()
    };
    in_paris().await.unwrap();
    in_paris()
        .await
        .assert_error("BucketAlreadyOwnedByYou", 409);
    let location = s3
        .get_bucket_location()
        .bucket("artifacts-paris")
        .send()
        .await
        .unwrap();
    assert_eq!(
        location.location_constraint(),
        Some(&BucketLocationConstraint::EuWest3)
    );
    paris
        .create_bucket()
        .bucket("no-constraint")
        .send()
        .await
        .assert_error("IllegalLocationConstraintException", 400);

    let listed = s3.list_buckets().send().await.unwrap();
    let names: Vec<_> = listed.buckets().iter().map(|b| b.name().unwrap()).collect();
    assert_eq!(names, ["artifacts-paris", "code"]);
    assert!(listed.buckets()[0].creation_date().is_some());

    for bad in ["UPPER", "ab", "has_underscore", "-dash"] {
        let err = s3.create_bucket().bucket(bad).send().await.unwrap_err();
        assert_eq!(
            testkit::aws::code_status(&err),
            ("InvalidBucketName".into(), 400),
            "{bad}"
        );
    }
    put_static(&s3, "code", "k", b"x").send().await.unwrap();
    s3.delete_bucket()
        .bucket("code")
        .send()
        .await
        .assert_error("BucketNotEmpty", 409);
    s3.delete_object()
        .bucket("code")
        .key("k")
        .send()
        .await
        .unwrap();
    s3.delete_bucket().bucket("code").send().await.unwrap();
    s3.head_bucket()
        .bucket("code")
        .send()
        .await
        .assert_error_status(404);
    s3.delete_bucket()
        .bucket("code")
        .send()
        .await
        .assert_error("NoSuchBucket", 404);
    emulator.shutdown().await;
}

#[tokio::test]
async fn objects_keep_their_bytes_type_and_metadata() {
    let (emulator, s3) = start().await;
    s3.create_bucket().bucket("data").send().await.unwrap();
    let body = b"hello, emulated world".to_vec();
    let put = s3
        .put_object()
        .bucket("data")
        .key("dir/a b+c.txt")
        .body(ByteStream::from(body.clone()))
        .content_type("text/plain")
        .metadata("owner", "team-a")
        .cache_control("max-age=60")
        .send()
        .await
        .unwrap();
    assert_eq!(put.e_tag(), Some(md5_etag(&body).as_str()));

    let got = s3
        .get_object()
        .bucket("data")
        .key("dir/a b+c.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("text/plain"));
    assert_eq!(got.e_tag(), Some(md5_etag(&body).as_str()));
    assert_eq!(got.content_length(), Some(body.len() as i64));
    assert_eq!(got.cache_control(), Some("max-age=60"));
    assert_eq!(
        got.metadata().unwrap().get("owner").map(String::as_str),
        Some("team-a")
    );
    assert!(got.last_modified().is_some());
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        body.as_slice()
    );

    let head = s3
        .head_object()
        .bucket("data")
        .key("dir/a b+c.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(body.len() as i64));
    assert_eq!(head.e_tag(), Some(md5_etag(&body).as_str()));

    let part = s3
        .get_object()
        .bucket("data")
        .key("dir/a b+c.txt")
        .range("bytes=7-14")
        .send()
        .await
        .unwrap();
    assert_eq!(part.content_range(), Some("bytes 7-14/21"));
    assert_eq!(
        part.body.collect().await.unwrap().into_bytes().as_ref(),
        b"emulated"
    );
    s3.get_object()
        .bucket("data")
        .key("dir/a b+c.txt")
        .range("bytes=100-")
        .send()
        .await
        .assert_error("InvalidRange", 416);
    s3.get_object()
        .bucket("data")
        .key("dir/a b+c.txt")
        .if_none_match(md5_etag(&body))
        .send()
        .await
        .assert_error_status(304);
    s3.get_object()
        .bucket("data")
        .key("dir/a b+c.txt")
        .if_match("\"0000\"")
        .send()
        .await
        .assert_error("PreconditionFailed", 412);

    // The accessor Lambda and CloudFormation use.
    let bytes = emulator
        .cloud()
        .s3
        .get_object("data", "dir/a b+c.txt")
        .unwrap();
    assert_eq!(bytes.as_ref(), body.as_slice());
    let err = emulator.cloud().s3.get_object("data", "nope").unwrap_err();
    assert_eq!((err.code.as_str(), err.status.as_u16()), ("NoSuchKey", 404));
    let err = emulator.cloud().s3.get_object("nobucket", "k").unwrap_err();
    assert_eq!(err.code, "NoSuchBucket");

    let err = s3
        .get_object()
        .bucket("data")
        .key("missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(testkit::aws::code_status(&err), ("NoSuchKey".into(), 404));
    assert!(err.into_service_error().is_no_such_key());
    s3.head_object()
        .bucket("data")
        .key("missing")
        .send()
        .await
        .assert_error_status(404);
    put_static(&s3, "nobucket", "k", b"x")
        .send()
        .await
        .assert_error("NoSuchBucket", 404);

    // Copy, then delete one and many.
    let copied = s3
        .copy_object()
        .bucket("data")
        .key("copy.txt")
        .copy_source("data/dir/a%20b%2Bc.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        copied.copy_object_result().unwrap().e_tag(),
        Some(md5_etag(&body).as_str())
    );
    assert_eq!(body_of(&s3, "data", "copy.txt").await, body);
    s3.copy_object()
        .bucket("data")
        .key("copy.txt")
        .copy_source("data/copy.txt")
        .send()
        .await
        .assert_error_code("InvalidRequest");
    s3.copy_object()
        .bucket("data")
        .key("x")
        .copy_source("data/none")
        .send()
        .await
        .assert_error("NoSuchKey", 404);
    s3.delete_object()
        .bucket("data")
        .key("copy.txt")
        .send()
        .await
        .unwrap();
    let objects = ["dir/a b+c.txt", "never-existed"]
        .iter()
        .map(|k| ObjectIdentifier::builder().key(*k).build().unwrap())
        .collect();
    let deleted = s3
        .delete_objects()
        .bucket("data")
        .delete(
            Delete::builder()
                .set_objects(Some(objects))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.deleted().len(), 2);
    let listed = s3.list_objects_v2().bucket("data").send().await.unwrap();
    assert_eq!(listed.key_count(), Some(0));
    emulator.shutdown().await;
}

#[tokio::test]
async fn streamed_and_multi_megabyte_uploads_arrive_whole() {
    let (emulator, s3) = start().await;
    s3.create_bucket().bucket("big").send().await.unwrap();
    let body: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blob.bin");
    std::fs::write(&path, &body).unwrap();
    // A file body streams: the SDK sends it aws-chunked with a trailing checksum.
    let put = s3
        .put_object()
        .bucket("big")
        .key("streamed.bin")
        .body(ByteStream::from_path(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(put.e_tag(), Some(md5_etag(&body).as_str()));
    assert_eq!(body_of(&s3, "big", "streamed.bin").await, body);
    // An in-memory body of the same size.
    s3.put_object()
        .bucket("big")
        .key("memory.bin")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .unwrap();
    let got = emulator.cloud().s3.get_object("big", "memory.bin").unwrap();
    assert_eq!(got.len(), body.len());
    assert!(got.as_ref() == body.as_slice());
    emulator.shutdown().await;
}

#[tokio::test]
async fn raw_aws_chunked_bodies_are_decoded_and_checked() {
    let emulator = testkit::aws::emulator().await;
    let s3 = client(&emulator);
    s3.create_bucket().bucket("raw").send().await.unwrap();
    let chunked = "5;chunk-signature=aa\r\nhello\r\n6;chunk-signature=bb\r\n world\r\n0;chunk-signature=cc\r\n\r\n";
    let headers = "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\nContent-Encoding: aws-chunked\r\nx-amz-decoded-content-length: 11\r\n";
    let reply = put_raw(&emulator, "/raw/signed.txt", headers, chunked).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert_eq!(body_of(&s3, "raw", "signed.txt").await, b"hello world");

    // Unsigned with a trailing CRC32 of "abc".
    let trailer = "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n";
    let headers = "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\r\nContent-Encoding: aws-chunked\r\nx-amz-trailer: x-amz-checksum-crc32\r\nx-amz-decoded-content-length: 3\r\n";
    let reply = put_raw(&emulator, "/raw/trailer.txt", headers, trailer).await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert_eq!(body_of(&s3, "raw", "trailer.txt").await, b"abc");

    let bad_crc = "3\r\nabd\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n";
    let reply = put_raw(&emulator, "/raw/bad.txt", headers, bad_crc).await;
    assert!(
        reply.starts_with("HTTP/1.1 400") && reply.contains("<Code>BadDigest</Code>"),
        "{reply}"
    );
    let wrong_length = headers.replace("length: 3", "length: 4");
    let reply = put_raw(&emulator, "/raw/bad.txt", &wrong_length, trailer).await;
    assert!(reply.contains("<Code>IncompleteBody</Code>"), "{reply}");
    let reply = put_raw(&emulator, "/raw/bad.txt", headers, "zz\r\n").await;
    assert!(reply.contains("<Code>IncompleteBody</Code>"), "{reply}");
    let err = s3
        .head_object()
        .bucket("raw")
        .key("bad.txt")
        .send()
        .await
        .unwrap_err();
    assert_eq!(testkit::aws::code_status(&err).1, 404, "nothing was stored");

    // Content-MD5 and x-amz-content-sha256 are checked.
    let md5 = "Content-MD5: XrY7u+Ae7tCTyyK7j1rNww==\r\n"; // MD5 of "hello world"
    let reply = put_raw(&emulator, "/raw/md5.txt", md5, "hello world").await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let reply = put_raw(&emulator, "/raw/md5.txt", md5, "hello there").await;
    assert!(reply.contains("<Code>BadDigest</Code>"), "{reply}");
    let reply = put_raw(&emulator, "/raw/md5.txt", "Content-MD5: nope\r\n", "x").await;
    assert!(reply.contains("<Code>InvalidDigest</Code>"), "{reply}");
    let sha = format!("x-amz-content-sha256: {}\r\n", "0".repeat(64));
    let reply = put_raw(&emulator, "/raw/sha.txt", &sha, "x").await;
    assert!(
        reply.contains("<Code>XAmzContentSHA256Mismatch</Code>"),
        "{reply}"
    );

    // Virtual-hosted style: the bucket is in the Host header.
    let reply = raw(&emulator, "GET", "/signed.txt", "raw.localhost", "", "").await;
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.ends_with("hello world"),
        "{reply}"
    );
    let reply = raw(
        &emulator,
        "GET",
        "/?list-type=2",
        "raw.s3.us-east-1.amazonaws.com",
        "",
        "",
    )
    .await;
    assert!(reply.contains("<Key>signed.txt</Key>"), "{reply}");
    emulator.shutdown().await;
}

/// A [`raw`] PUT of `body` to `path` on the loopback address.
async fn put_raw(emulator: &emulator::Emulator, path: &str, headers: &str, body: &str) -> String {
    raw(emulator, "PUT", path, "127.0.0.1", headers, body).await
}

/// One signed-looking HTTP request over a socket (the emulator routes by the credential
/// scope and checks no signature), returning the whole reply.
async fn raw(
    emulator: &emulator::Emulator,
    method: &str,
    path: &str,
    host: &str,
    headers: &str,
    body: &str,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}:{}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        emulator.addr().port(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn listings_roll_up_at_delimiters_and_page() {
    let (emulator, s3) = start().await;
    s3.create_bucket().bucket("tree").send().await.unwrap();
    let tree = [
        "a.txt",
        "logs/2024/1",
        "logs/2024/2",
        "logs/2025/1",
        "logs/top",
        "src/lib.rs",
        "src/main.rs",
        "z.txt",
    ];
    for key in tree {
        put_static(&s3, "tree", key, b"12345").send().await.unwrap();
    }
    let top = s3
        .list_objects_v2()
        .bucket("tree")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    assert_eq!(keys(top.contents()), ["a.txt", "z.txt"]);
    assert_eq!(prefixes(top.common_prefixes()), ["logs/", "src/"]);
    assert_eq!(top.key_count(), Some(4));
    assert_eq!(top.contents()[0].size(), Some(5));
    assert_eq!(top.contents()[0].e_tag(), Some(md5_etag(b"12345").as_str()));

    let logs = s3
        .list_objects_v2()
        .bucket("tree")
        .prefix("logs/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    assert_eq!(keys(logs.contents()), ["logs/top"]);
    assert_eq!(
        prefixes(logs.common_prefixes()),
        ["logs/2024/", "logs/2025/"]
    );

    // Pages of two with the delimiter: every key or prefix exactly once, in order.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket("tree")
            .delimiter("/")
            .max_keys(2)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        seen.extend(keys(page.contents()).into_iter().map(String::from));
        seen.extend(
            prefixes(page.common_prefixes())
                .into_iter()
                .map(String::from),
        );
        match page.next_continuation_token() {
            Some(next) => {
                assert_eq!(page.is_truncated(), Some(true));
                token = Some(next.to_string());
            }
            None => break,
        }
    }
    assert_eq!(pages, 2);
    seen.sort();
    assert_eq!(seen, ["a.txt", "logs/", "src/", "z.txt"]);

    // The SDK's paginator, without delimiter, three keys a page.
    let all: Vec<String> = s3
        .list_objects_v2()
        .bucket("tree")
        .max_keys(3)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flat_map(|page| {
            let page = page.unwrap();
            keys(page.contents())
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(all, tree);

    let after = s3
        .list_objects_v2()
        .bucket("tree")
        .start_after("logs/top")
        .send()
        .await
        .unwrap();
    assert_eq!(
        keys(after.contents()),
        ["src/lib.rs", "src/main.rs", "z.txt"]
    );

    // ListObjects (v1) with a marker.
    let v1 = s3
        .list_objects()
        .bucket("tree")
        .marker("src/lib.rs")
        .max_keys(1)
        .send()
        .await
        .unwrap();
    assert_eq!(keys(v1.contents()), ["src/main.rs"]);
    assert_eq!(v1.is_truncated(), Some(true));

    s3.list_objects_v2()
        .bucket("none")
        .send()
        .await
        .assert_error("NoSuchBucket", 404);
    s3.list_objects_v2()
        .bucket("tree")
        .continuation_token("not base64!")
        .send()
        .await
        .assert_error("InvalidArgument", 400);
    emulator.shutdown().await;
}

#[tokio::test]
async fn bucket_tags_are_kept_and_removed() {
    let (emulator, s3) = start().await;
    s3.create_bucket().bucket("tagged").send().await.unwrap();
    s3.get_bucket_tagging()
        .bucket("tagged")
        .send()
        .await
        .assert_error("NoSuchTagSet", 404);
    s3.put_bucket_tagging()
        .bucket("tagged")
        .tagging(tagging(&[("env", "dev"), ("app", "sfn & co")]))
        .send()
        .await
        .unwrap();
    let tags = s3
        .get_bucket_tagging()
        .bucket("tagged")
        .send()
        .await
        .unwrap();
    let pairs: Vec<_> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert_eq!(pairs, [("env", "dev"), ("app", "sfn & co")]);
    s3.put_bucket_tagging()
        .bucket("tagged")
        .tagging(tagging(&[("a", "1"), ("a", "2")]))
        .send()
        .await
        .assert_error("InvalidTag", 400);
    s3.delete_bucket_tagging()
        .bucket("tagged")
        .send()
        .await
        .unwrap();
    s3.get_bucket_tagging()
        .bucket("tagged")
        .send()
        .await
        .assert_error_code("NoSuchTagSet");
    s3.get_bucket_versioning()
        .bucket("tagged")
        .send()
        .await
        .assert_error("NotImplemented", 501);
    emulator.shutdown().await;
}

#[tokio::test]
async fn object_tags_come_with_put_object_and_the_tagging_calls() {
    let (emulator, s3) = start().await;
    s3.create_bucket().bucket("otags").send().await.unwrap();
    s3.put_object()
        .bucket("otags")
        .key("a.txt")
        .body(b"x".to_vec().into())
        .tagging("env=dev&team=a%20b")
        .send()
        .await
        .unwrap();
    assert_eq!(
        object_tags(&s3, "otags", "a.txt").await,
        [("env".into(), "dev".into()), ("team".into(), "a b".into())]
    );
    let head = s3
        .head_object()
        .bucket("otags")
        .key("a.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.tag_count(), Some(2));

    s3.put_object_tagging()
        .bucket("otags")
        .key("a.txt")
        .tagging(tagging(&[("only", "one")]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        object_tags(&s3, "otags", "a.txt").await,
        [("only".into(), "one".into())]
    );

    let eleven = (0..11).fold(Tagging::builder(), |b, n| {
        b.tag_set(tag(&format!("k{n}"), "v"))
    });
    s3.put_object_tagging()
        .bucket("otags")
        .key("a.txt")
        .tagging(eleven.build().unwrap())
        .send()
        .await
        .assert_error("InvalidTag", 400);
    s3.put_object()
        .bucket("otags")
        .key("b.txt")
        .body(b"y".to_vec().into())
        .tagging("k=1&k=2")
        .send()
        .await
        .assert_error("InvalidTag", 400);
    s3.get_object_tagging()
        .bucket("otags")
        .key("missing")
        .send()
        .await
        .assert_error("NoSuchKey", 404);

    s3.delete_object_tagging()
        .bucket("otags")
        .key("a.txt")
        .send()
        .await
        .unwrap();
    assert!(object_tags(&s3, "otags", "a.txt").await.is_empty());
    let head = s3
        .head_object()
        .bucket("otags")
        .key("a.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.tag_count(), None);
    emulator.shutdown().await;
}

#[tokio::test]
async fn buckets_and_objects_survive_a_restart() {
    let state = testkit::aws::StateDir::new();
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 256) as u8).collect();
    let emulator = state.start().await;
    let s3 = client(&emulator);
    s3.create_bucket().bucket("kept").send().await.unwrap();
    s3.put_object()
        .bucket("kept")
        .key("code.zip")
        .content_type("application/zip")
        .metadata("sha", "abc")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .unwrap();
    put_static(&s3, "kept", "gone", b"x").send().await.unwrap();
    s3.delete_object()
        .bucket("kept")
        .key("gone")
        .send()
        .await
        .unwrap();
    s3.create_bucket().bucket("dropped").send().await.unwrap();
    s3.delete_bucket().bucket("dropped").send().await.unwrap();
    emulator.shutdown().await;

    let emulator = state.start().await;
    let s3 = client(&emulator);
    let got = s3
        .get_object()
        .bucket("kept")
        .key("code.zip")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("application/zip"));
    assert_eq!(
        got.metadata().unwrap().get("sha").map(String::as_str),
        Some("abc")
    );
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        body.as_slice()
    );
    let listed = s3.list_objects_v2().bucket("kept").send().await.unwrap();
    assert_eq!(listed.key_count(), Some(1));
    let buckets = s3.list_buckets().send().await.unwrap();
    assert_eq!(buckets.buckets().len(), 1);
    emulator.shutdown().await;
}
