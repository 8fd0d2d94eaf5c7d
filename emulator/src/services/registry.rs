//! The services this emulator answers, in one table: each one's SigV4 signing name, the
//! protocol its requests are read in (with its `X-Amz-Target` prefix or XML namespace), the
//! function that serves an operation, and its journaled store (replayed on start, snapshotted
//! by compaction).
//!
//! Adding a service is one [`Registration`] in [`REGISTRY`] (and its state in
//! [`Cloud`]): the front door, routing and replay all read this table.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use super::store::Persisted;
use super::{cloudformation, dynamodb, events, lambda, logs, s3, stepfunctions, sts};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::json::{self, JsonVersion};
use crate::protocol::query::{self, Params};
use crate::protocol::Response;
use crate::request::{AwsRequest, RequestContext};

/// Runs one awsJson operation (by name) on its JSON input.
pub type JsonCall = for<'a> fn(
    &'a Arc<Cloud>,
    RequestContext,
    String,
    Map<String, Value>,
) -> BoxFuture<'a, AwsResult<Value>>;

/// Runs one awsQuery action on its parameters: the inside of its `…Result` element.
pub type QueryCall = for<'a> fn(
    &'a Arc<Cloud>,
    RequestContext,
    String,
    Params,
) -> BoxFuture<'a, AwsResult<Option<String>>>;

/// Serves one request of a REST protocol (the service routes by method and path).
pub type RestCall = for<'a> fn(&'a Arc<Cloud>, AwsRequest) -> BoxFuture<'a, Response>;

/// A service's journaled store in the account (what replay and compaction work on).
pub type StoreOf = fn(&Cloud) -> &dyn Persisted;

/// How a service's requests are read and its replies written.
#[derive(Clone, Copy)]
pub enum Protocol {
    /// awsJson: the operation in `X-Amz-Target` (`<target_prefix>.<Operation>`), JSON in and
    /// out.
    AwsJson {
        /// The prefix of `X-Amz-Target` (`DynamoDB_20120810`).
        target_prefix: &'static str,
        /// The JSON protocol version (the content type).
        version: JsonVersion,
        /// The operations.
        call: JsonCall,
    },
    /// awsQuery: the form's `Action`, XML replies in `namespace`.
    AwsQuery {
        /// The XML namespace of the replies.
        namespace: &'static str,
        /// The actions.
        call: QueryCall,
    },
    /// restJson1 or restXml: the service reads method, path and body itself.
    Rest(RestCall),
}

/// One service.
#[derive(Clone, Copy)]
pub struct Registration {
    /// The SigV4 signing name (the service in the credential scope).
    pub signing_name: &'static str,
    /// How its requests are read.
    pub protocol: Protocol,
    /// Its journaled store; `None` for a service without state.
    pub store: Option<StoreOf>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("signing_name", &self.signing_name)
            .finish_non_exhaustive()
    }
}

/// Every service this emulator answers.
pub const REGISTRY: &[Registration] = &[
    Registration {
        signing_name: "states",
        protocol: Protocol::AwsJson {
            target_prefix: "AWSStepFunctions",
            version: JsonVersion::V1_0,
            call: |cloud, ctx, op, input| {
                Box::pin(async move { stepfunctions::call(cloud, &ctx, &op, input).await })
            },
        },
        store: Some(|cloud| &cloud.states.store),
    },
    Registration {
        signing_name: "lambda",
        protocol: Protocol::Rest(|cloud, request| Box::pin(lambda::handle(cloud, request))),
        store: Some(|cloud| &cloud.lambda.store),
    },
    Registration {
        signing_name: "dynamodb",
        protocol: Protocol::AwsJson {
            target_prefix: "DynamoDB_20120810",
            version: JsonVersion::V1_0,
            call: |cloud, ctx, op, input| {
                Box::pin(async move { dynamodb::call(cloud, &ctx, &op, input).await })
            },
        },
        store: Some(|cloud| &cloud.dynamodb.store),
    },
    Registration {
        signing_name: "events",
        protocol: Protocol::AwsJson {
            target_prefix: "AWSEvents",
            version: JsonVersion::V1_1,
            call: |cloud, ctx, op, input| {
                Box::pin(async move { events::call(cloud, &ctx, &op, input).await })
            },
        },
        store: Some(|cloud| &cloud.events.store),
    },
    Registration {
        signing_name: "iam",
        protocol: Protocol::AwsQuery {
            namespace: super::iam::NAMESPACE,
            call: |cloud, _ctx, action, params| {
                Box::pin(async move { cloud.iam.call(cloud, &action, &params) })
            },
        },
        store: Some(|cloud| &cloud.iam.store),
    },
    Registration {
        signing_name: "s3",
        protocol: Protocol::Rest(|cloud, request| Box::pin(s3::handle(cloud, request))),
        store: Some(|cloud| &cloud.s3.store),
    },
    Registration {
        signing_name: "sts",
        protocol: Protocol::AwsQuery {
            namespace: sts::NAMESPACE,
            call: |cloud, _ctx, action, params| {
                Box::pin(async move { sts::call(cloud, &action, &params) })
            },
        },
        store: None,
    },
    Registration {
        signing_name: "logs",
        protocol: Protocol::AwsJson {
            target_prefix: "Logs_20140328",
            version: JsonVersion::V1_1,
            call: |cloud, ctx, op, input| {
                Box::pin(async move { logs::call(cloud, &ctx, &op, input).await })
            },
        },
        store: Some(|cloud| &cloud.logs.store),
    },
    Registration {
        signing_name: "cloudformation",
        protocol: Protocol::AwsQuery {
            namespace: cloudformation::NAMESPACE,
            call: |cloud, ctx, action, params| {
                Box::pin(async move { cloudformation::call(cloud, &ctx, &action, &params) })
            },
        },
        store: Some(|cloud| &cloud.cloudformation.store),
    },
];

/// The registration of a signing name.
pub fn find(signing_name: &str) -> Option<&'static Registration> {
    REGISTRY.iter().find(|r| r.signing_name == signing_name)
}

/// The signing name of the awsJson service whose `X-Amz-Target` starts with `target_prefix`.
pub fn by_target_prefix(prefix: &str) -> Option<&'static str> {
    REGISTRY.iter().find_map(|r| match r.protocol {
        Protocol::AwsJson { target_prefix, .. } if target_prefix == prefix => Some(r.signing_name),
        _ => None,
    })
}

/// Sends a request to the service its credential scope names, in that service's protocol.
pub async fn dispatch(cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    let Some(service) = find(&request.ctx.service) else {
        let names: Vec<&str> = REGISTRY.iter().map(|r| r.signing_name).collect();
        let err = AwsError::new(
            "UnknownServiceException",
            format!(
                "This emulator does not emulate the service '{}'; it answers {}",
                request.ctx.service,
                names.join(", ")
            ),
        );
        return json::error(JsonVersion::V1_0, &err);
    };
    match service.protocol {
        Protocol::AwsJson {
            target_prefix,
            version,
            call,
        } => {
            json::serve(request, target_prefix, version, |ctx, op, input| {
                call(cloud, ctx, op, input)
            })
            .await
        }
        Protocol::AwsQuery { namespace, call } => {
            let ctx = request.ctx.clone();
            query::serve(request, namespace, |action, params| {
                call(cloud, ctx, action, params)
            })
            .await
        }
        Protocol::Rest(call) => call(cloud, request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_target_prefixes_are_unique() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|r| r.signing_name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len());
        assert_eq!(by_target_prefix("DynamoDB_20120810"), Some("dynamodb"));
        assert_eq!(by_target_prefix("AWSStepFunctions"), Some("states"));
        assert_eq!(by_target_prefix("Nope"), None);
        assert!(find("sts").is_some_and(|s| s.store.is_none()));
    }
}
