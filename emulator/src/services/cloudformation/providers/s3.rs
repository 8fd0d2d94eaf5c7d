//! `AWS::S3::Bucket`: `Ref` is the bucket's name; `Arn`, `DomainName`, `RegionalDomainName`,
//! `WebsiteURL` attributes.

use serde_json::{json, Map, Value};

use super::{service_failure, text, Context, Provided, ProviderResult};

const SERVICE: &str = "S3";

/// CreateBucket (the name generated in lower case when not given).
pub fn create(cx: &Context<'_>, properties: &Map<String, Value>) -> ProviderResult<Provided> {
    let name = match text(properties, "BucketName") {
        Some(name) => name.to_string(),
        None => cx.generated_name(63).to_lowercase(),
    };
    let region = &cx.ctx.region;
    cx.cloud
        .s3
        .create_bucket(cx.cloud, &name, region)
        .map_err(|e| service_failure(SERVICE, &e))?;
    Ok(Provided {
        physical_id: name.clone(),
        attributes: [
            ("Arn".to_string(), json!(format!("arn:aws:s3:::{name}"))),
            (
                "DomainName".to_string(),
                json!(format!("{name}.s3.amazonaws.com")),
            ),
            (
                "RegionalDomainName".to_string(),
                json!(format!("{name}.s3.{region}.amazonaws.com")),
            ),
            (
                "WebsiteURL".to_string(),
                json!(format!("http://{name}.s3-website-{region}.amazonaws.com")),
            ),
        ]
        .into(),
    })
}

/// DeleteBucket (it must be empty, as on AWS).
pub fn delete(cx: &Context<'_>, name: &str) -> ProviderResult<()> {
    match cx.cloud.s3.delete_bucket(cx.cloud, name) {
        Err(err) if err.code != "NoSuchBucket" => Err(service_failure(SERVICE, &err)),
        _ => Ok(()),
    }
}
