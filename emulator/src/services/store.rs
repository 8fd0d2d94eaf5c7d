//! The state of a journaled service behind its lock: reads, and writes that are decided,
//! journaled and applied under the same lock (so the journal's order is the state's order).

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::AwsResult;

/// A service state that changes only through journaled changes.
pub trait Journaled: Default {
    /// One change, as journaled.
    type Change: Serialize + DeserializeOwned;

    /// Applies a change (on a live write and on replay alike).
    fn apply(&mut self, change: Self::Change);
}

/// A service's state and the name it journals under.
#[derive(Debug, Default)]
pub struct Store<S> {
    service: &'static str,
    state: Mutex<S>,
}

impl<S: Journaled> Store<S> {
    /// Empty state journaled as `service`.
    pub fn new(service: &'static str) -> Self {
        Store {
            service,
            state: Mutex::new(S::default()),
        }
    }

    /// Reads the state.
    pub fn read<T>(&self, f: impl FnOnce(&S) -> AwsResult<T>) -> AwsResult<T> {
        f(&self.lock())
    }

    /// Makes a change: `f` decides it from the current state (or refuses), then it is
    /// journaled and applied under the same lock.
    pub fn write(
        &self,
        cloud: &Cloud,
        f: impl FnOnce(&S) -> AwsResult<S::Change>,
    ) -> AwsResult<()> {
        self.write_with(cloud, |state| f(state).map(|change| (change, ())))
    }

    /// [`Store::write`] for a request that may turn out to change nothing (`None`).
    pub fn write_if(
        &self,
        cloud: &Cloud,
        f: impl FnOnce(&S) -> AwsResult<Option<S::Change>>,
    ) -> AwsResult<()> {
        let mut state = self.lock();
        if let Some(change) = f(&state)? {
            cloud.record(self.service, &change)?;
            state.apply(change);
        }
        Ok(())
    }

    /// [`Store::write`] for a change that also hands something back (what it created).
    pub fn write_with<T>(
        &self,
        cloud: &Cloud,
        f: impl FnOnce(&S) -> AwsResult<(S::Change, T)>,
    ) -> AwsResult<T> {
        let mut state = self.lock();
        let (change, out) = f(&state)?;
        cloud.record(self.service, &change)?;
        state.apply(change);
        Ok(out)
    }

    /// Applies a journaled change.
    pub fn replay(&self, change: Value) -> Result<(), String> {
        let change: S::Change = serde_json::from_value(change).map_err(|e| e.to_string())?;
        self.lock().apply(change);
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, S> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
