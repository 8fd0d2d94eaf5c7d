//! The artifact bucket: the account's default bucket name, creating it (tagged, so `demo down`
//! knows it may delete it), content-addressed uploads, and emptying it again.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier, Tag, Tagging,
};
use sha2::{Digest, Sha256};

use super::{error_code, Aws};
use crate::error::{CliError, CliResult};
use crate::stacks::MANAGED_BY;

/// The region's default artifact bucket of `account`.
pub fn default_bucket(account: &str, region: &str) -> String {
    format!("sfn-resume-artifacts-{account}-{region}")
}

/// The account the credentials belong to (STS GetCallerIdentity).
pub async fn account_id(aws: &Aws) -> CliResult<String> {
    let identity = aws
        .sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| aws.error("STS GetCallerIdentity", e))?;
    identity
        .account()
        .map(str::to_string)
        .ok_or_else(|| CliError::Failed("STS GetCallerIdentity returned no account".into()))
}

/// Makes sure `bucket` exists: creates it (tagged managed-by=deployer) when it does not.
/// Returns whether it was created.
pub async fn ensure_bucket(aws: &Aws, bucket: &str) -> CliResult<bool> {
    let s3 = aws.s3();
    match s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => return Ok(false),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {}
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => {
            return Err(CliError::usage(format!(
                "the bucket {bucket} exists but these credentials may not use it (another \
                 account's?): choose another with --artifact-bucket"
            )))
        }
        Err(e) => return Err(aws.error("S3 HeadBucket", e)),
    }
    let mut create = s3.create_bucket().bucket(bucket);
    if aws.region() != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(aws.region()))
                .build(),
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(e) if error_code(&e) == Some("BucketAlreadyOwnedByYou") => return Ok(false),
        Err(e) => return Err(aws.error("S3 CreateBucket", e)),
    }
    let tag = Tag::builder()
        .key(MANAGED_BY.0)
        .value(MANAGED_BY.1)
        .build()
        .map_err(|e| CliError::Failed(format!("S3 PutBucketTagging: {e}")))?;
    let tagging = Tagging::builder()
        .tag_set(tag)
        .build()
        .map_err(|e| CliError::Failed(format!("S3 PutBucketTagging: {e}")))?;
    s3.put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| aws.error("S3 PutBucketTagging", e))?;
    Ok(true)
}

/// The key a package is stored under: `<prefix><name>-<first 12 hex digits of its SHA-256>.zip`,
/// so new code gets a new key and CloudFormation sees the change.
pub fn content_key(prefix: &str, name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{name}-{short}.zip")
}

/// Uploads `bytes` under `key` unless the object is already there (keys are content
/// addresses). Returns whether it uploaded.
pub async fn upload(aws: &Aws, bucket: &str, key: &str, bytes: Vec<u8>) -> CliResult<bool> {
    let s3 = aws.s3();
    if s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .is_ok()
    {
        return Ok(false);
    }
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| aws.error(&format!("S3 PutObject s3://{bucket}/{key}"), e))?;
    Ok(true)
}

/// Whether deployer created `bucket` (it carries the managed-by=deployer tag). A missing bucket
/// is not.
pub async fn is_owned(aws: &Aws, bucket: &str) -> CliResult<bool> {
    match aws.s3().get_bucket_tagging().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .any(|t| t.key() == MANAGED_BY.0 && t.value() == MANAGED_BY.1)),
        Err(e) if matches!(error_code(&e), Some("NoSuchTagSet" | "NoSuchBucket")) => Ok(false),
        Err(e) => Err(aws.error("S3 GetBucketTagging", e)),
    }
}

/// Deletes every object under `prefix` (all of them for ""); returns how many. A missing
/// bucket has none.
pub async fn delete_objects(aws: &Aws, bucket: &str, prefix: &str) -> CliResult<usize> {
    let s3 = aws.s3();
    let mut deleted = 0;
    loop {
        let page = match s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
        {
            Ok(page) => page,
            Err(e) if error_code(&e) == Some("NoSuchBucket") => return Ok(deleted),
            Err(e) => return Err(aws.error("S3 ListObjectsV2", e)),
        };
        let keys: Vec<ObjectIdentifier> = page
            .contents()
            .iter()
            .filter_map(|o| {
                ObjectIdentifier::builder()
                    .set_key(o.key.clone())
                    .build()
                    .ok()
            })
            .collect();
        if keys.is_empty() {
            return Ok(deleted);
        }
        deleted += keys.len();
        let batch = Delete::builder()
            .set_objects(Some(keys))
            .quiet(true)
            .build()
            .map_err(|e| CliError::Failed(format!("S3 DeleteObjects: {e}")))?;
        s3.delete_objects()
            .bucket(bucket)
            .delete(batch)
            .send()
            .await
            .map_err(|e| aws.error("S3 DeleteObjects", e))?;
    }
}

/// Deletes the (empty) bucket.
pub async fn delete_bucket(aws: &Aws, bucket: &str) -> CliResult {
    aws.s3()
        .delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| aws.error(&format!("S3 DeleteBucket {bucket}"), e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_content() {
        let a = content_key("demo/", "first", b"one");
        assert!(a.starts_with("demo/first-") && a.ends_with(".zip"), "{a}");
        assert_eq!(a.len(), "demo/first-".len() + 12 + ".zip".len());
        assert_eq!(a, content_key("demo/", "first", b"one"));
        assert_ne!(a, content_key("demo/", "first", b"two"));
    }

    #[test]
    fn the_default_bucket_names_account_and_region() {
        assert_eq!(
            default_bucket("123456789012", "eu-west-1"),
            "sfn-resume-artifacts-123456789012-eu-west-1"
        );
    }
}
