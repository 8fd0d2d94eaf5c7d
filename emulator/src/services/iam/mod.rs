//! IAM: roles (trust policy, inline and attached policies, tags) and customer managed
//! policies, over awsQuery. Stored faithfully, never enforced: every request is allowed.

mod api;
pub mod model;

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsResult;
use crate::protocol::query;
use crate::protocol::Response;
use crate::request::AwsRequest;

pub use model::{ManagedPolicy, Role, Tag};

/// The XML namespace of IAM's replies.
pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// IAM's state (global: IAM has no region).
#[derive(Debug, Default)]
pub struct Iam {
    state: Mutex<model::State>,
}

impl Iam {
    /// Empty state.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        Iam::default()
    }

    /// A role by name or ARN, with its trust policy (for services that check who may assume
    /// it).
    pub fn role(&self, name_or_arn: &str) -> Option<Role> {
        self.lock().find_role(name_or_arn).cloned()
    }

    /// Applies a journaled change.
    pub fn replay(&self, change: Value) -> Result<(), String> {
        let change: model::Change = serde_json::from_value(change).map_err(|e| e.to_string())?;
        self.lock().apply(change);
        Ok(())
    }

    /// Reads the state.
    fn read<T>(&self, f: impl FnOnce(&model::State) -> AwsResult<T>) -> AwsResult<T> {
        f(&self.lock())
    }

    /// Makes a change: `f` decides it from the current state (or refuses), then it is
    /// journaled and applied under the same lock.
    fn write(
        &self,
        cloud: &Cloud,
        f: impl FnOnce(&model::State) -> AwsResult<model::Change>,
    ) -> AwsResult<()> {
        self.write_with(cloud, |state| f(state).map(|change| (change, ())))
    }

    /// [`Iam::write`] for a change that also hands something back (the entity it created).
    fn write_with<T>(
        &self,
        cloud: &Cloud,
        f: impl FnOnce(&model::State) -> AwsResult<(model::Change, T)>,
    ) -> AwsResult<T> {
        let mut state = self.lock();
        let (change, out) = f(&state)?;
        cloud.record("iam", &change)?;
        state.apply(change);
        Ok(out)
    }

    fn lock(&self) -> MutexGuard<'_, model::State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Serves one request.
pub async fn handle(cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    query::serve(request, NAMESPACE, |action, params| async move {
        api::call(&cloud.iam, cloud, &action, &params)
    })
    .await
}
