//! STS over awsQuery: GetCallerIdentity (always the account's root) and AssumeRole (fake
//! temporary credentials for a role that exists in IAM; trust policies are not evaluated).

use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::iso8601;
use crate::protocol::query::Params;
use crate::protocol::validation::{self, rule, Shown};
use crate::protocol::xml::XmlWriter;
use crate::request::ACCOUNT_ID;
use crate::services::iam::model::{new_id, random_base32};

/// The XML namespace of STS's replies.
pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Runs one STS action: the inside of its `…Result` element.
pub fn call(cloud: &Cloud, action: &str, params: &Params) -> AwsResult<Option<String>> {
    match action {
        "GetCallerIdentity" => Ok(Some(caller_identity())),
        "AssumeRole" => assume_role(cloud, params).map(Some),
        other => Err(AwsError::new(
            "InvalidAction",
            format!("Could not find operation {other} for version 2011-06-15"),
        )),
    }
}

/// Every caller is the account's root user.
fn caller_identity() -> String {
    let mut w = XmlWriter::new();
    w.elem("UserId", ACCOUNT_ID)
        .elem("Account", ACCOUNT_ID)
        .elem("Arn", &format!("arn:aws:iam::{ACCOUNT_ID}:root"));
    w.finish()
}

fn assume_role(cloud: &Cloud, p: &Params) -> AwsResult<String> {
    let role_arn = p.required("RoleArn")?;
    let session = p.required("RoleSessionName")?;
    check_session_name(session)?;
    let duration = match p.get("DurationSeconds") {
        None => 3600,
        Some(text) => duration_seconds(text)?,
    };
    let role = cloud.iam.role(role_arn).filter(|_| role_arn.starts_with("arn:")).ok_or_else(|| {
        AwsError::new(
            "AccessDenied",
            format!(
                "User: arn:aws:iam::{ACCOUNT_ID}:root is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
            ),
        )
        .with_status(StatusCode::FORBIDDEN)
    })?;
    if duration > role.max_session_duration {
        return Err(AwsError::new(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    let expiration = SystemTime::now() + Duration::from_secs(duration.unsigned_abs());
    let mut w = XmlWriter::new();
    w.open("Credentials")
        .elem("AccessKeyId", &new_id("ASIA")[..20])
        .elem("SecretAccessKey", &random_base32(40, ""))
        .elem("SessionToken", &random_base32(356, "FwoGZXIvYXdzE"))
        .elem("Expiration", &iso8601(expiration))
        .close("Credentials")
        .open("AssumedRoleUser")
        .elem("AssumedRoleId", &format!("{}:{session}", role.id))
        .elem(
            "Arn",
            &format!(
                "arn:aws:sts::{ACCOUNT_ID}:assumed-role/{}/{session}",
                role.name
            ),
        )
        .close("AssumedRoleUser")
        .elem("PackedPolicySize", "0");
    Ok(w.finish())
}

/// `RoleSessionName`: 2 to 64 characters of `[\w+=,.@-]`.
fn check_session_name(session: &str) -> AwsResult<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if (2..=64).contains(&session.len()) && session.chars().all(allowed) {
        return Ok(());
    }
    Err(AwsError::new(
        "ValidationError",
        validation::message(
            "roleSessionName",
            Shown::Value(session),
            &format!(
                "{} and length between 2 and 64",
                rule::pattern("[\\w+=,.@-]*")
            ),
        ),
    ))
}

/// `DurationSeconds`: 900 to 43200.
fn duration_seconds(text: &str) -> AwsResult<i64> {
    match text.parse::<i64>() {
        Ok(n) if (900..=43_200).contains(&n) => Ok(n),
        Ok(n) if n < 900 => Err(AwsError::new(
            "ValidationError",
            validation::message(
                "durationSeconds",
                Shown::Value(&n.to_string()),
                &rule::min_value(900),
            ),
        )),
        _ => Err(AwsError::new(
            "ValidationError",
            validation::message(
                "durationSeconds",
                Shown::Value(text),
                &rule::max_value(43_200),
            ),
        )),
    }
}
