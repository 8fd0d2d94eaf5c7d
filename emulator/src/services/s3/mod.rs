//! S3 over restXml: buckets and objects, path-style (`/bucket/key`) and virtual-hosted
//! (`bucket.localhost`, `bucket.s3.…`) addressing, `aws-chunked` and multipart uploads. Object
//! bodies (and parts) are kept in memory and journaled with their writes.

mod api;
mod chunked;
mod listing;
pub mod model;
mod multipart;
pub mod objects;
mod tagging;
pub mod uploads;
mod xml_in;

#[cfg(test)]
mod fuzz;

use std::sync::{Arc, Weak};

use bytes::Bytes;

use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::Response;
use crate::request::AwsRequest;
use crate::services::store::Store;

/// S3's state.
#[derive(Debug)]
pub struct S3 {
    pub(crate) store: Store<model::State>,
}

impl S3 {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        S3 {
            store: Store::new("s3"),
        }
    }

    /// Creates a bucket in `region`, as CreateBucket does (for CloudFormation's providers).
    pub fn create_bucket(&self, cloud: &Cloud, name: &str, region: &str) -> Result<(), AwsError> {
        let constraint = (region != "us-east-1").then_some(region);
        self.store
            .write_if(cloud, |state| state.create_bucket(name, region, constraint))
    }

    /// Deletes an empty bucket, as DeleteBucket does (for CloudFormation's providers).
    pub fn delete_bucket(&self, cloud: &Cloud, name: &str) -> Result<(), AwsError> {
        self.store.write(cloud, |state| state.delete_bucket(name))
    }

    /// An object's bytes (for Lambda code and CloudFormation artifacts): `NoSuchBucket` or
    /// `NoSuchKey` when absent.
    pub fn get_object(&self, bucket: &str, key: &str) -> Result<Bytes, AwsError> {
        self.store
            .read(|state| Ok(state.object(bucket, key)?.body.clone()))
    }
}

/// Serves one request.
pub async fn handle(cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    api::serve(&cloud.s3.store, cloud, &request)
}
