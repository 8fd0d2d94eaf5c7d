//! IAM: roles (trust policy, inline and attached policies, tags) and customer managed
//! policies, over awsQuery. Stored faithfully, never enforced: every request is allowed.

mod api;
pub mod model;

use std::sync::Weak;

use crate::cloud::Cloud;
use crate::protocol::query;
use crate::services::store::Store;

pub use model::{ManagedPolicy, Role, Tag};

/// The XML namespace of IAM's replies.
pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// IAM's state (global: IAM has no region).
#[derive(Debug)]
pub struct Iam {
    pub(crate) store: Store<model::State>,
}

impl Iam {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        Iam {
            store: Store::new("iam"),
        }
    }

    /// A role by name or ARN, with its trust policy (for services that check who may assume
    /// it).
    pub fn role(&self, name_or_arn: &str) -> Option<Role> {
        self.store
            .read(|state| Ok(state.find_role(name_or_arn).cloned()))
            .ok()
            .flatten()
    }

    /// Runs one IAM action with awsQuery parameters, exactly as the HTTP API does (for
    /// CloudFormation's providers): the inside of its `…Result` element.
    pub fn call(
        &self,
        cloud: &Cloud,
        action: &str,
        params: &query::Params,
    ) -> crate::error::AwsResult<Option<String>> {
        api::call(&self.store, cloud, action, params)
    }
}
