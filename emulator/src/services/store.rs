//! The state of a journaled service behind its lock: reads, and writes that are decided,
//! journaled and applied under the same lock (so the journal's order is the state's order).
//!
//! Every service keeps its state in a [`Store`]. Simple writes go through [`Store::write`]
//! (decide one change, then it is journaled and applied); a request that makes several
//! changes, or reads while it writes, holds a [`Writer`] and [`Writer::commit`]s each change.

use std::ops::Deref;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};

/// A service state that changes only through journaled changes.
pub trait Journaled: Default {
    /// One change, as journaled.
    type Change: Serialize + DeserializeOwned;

    /// Applies a change (on a live write and on replay alike). An error means the change does
    /// not fit the state (a damaged journal on replay; a bug on a live write).
    fn apply(&mut self, change: Self::Change) -> Result<(), String>;

    /// The changes that rebuild this state from empty, each handed to `emit` in an order
    /// [`Journaled::apply`] accepts: what journal compaction writes in place of the history
    /// of changes that led here.
    fn snapshot(&self, emit: &mut dyn FnMut(Self::Change));
}

/// A service's state and the name it journals under.
#[derive(Debug)]
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

    /// The name this store journals under.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Reads the state.
    pub fn read<T>(&self, f: impl FnOnce(&S) -> AwsResult<T>) -> AwsResult<T> {
        f(&self.lock())
    }

    /// The state locked for reading, for a reader that looks at several parts of it (never
    /// held across an `.await`).
    pub fn reader(&self) -> Reader<'_, S> {
        Reader { state: self.lock() }
    }

    /// The state locked for a write that commits one or more changes (never held across an
    /// `.await`).
    pub fn writer<'a>(&'a self, cloud: &'a Cloud) -> Writer<'a, S> {
        Writer {
            service: self.service,
            cloud,
            state: self.lock(),
        }
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
        let mut writer = self.writer(cloud);
        if let Some(change) = f(&writer)? {
            writer.commit(change)?;
        }
        Ok(())
    }

    /// [`Store::write`] for a change that also hands something back (what it created).
    pub fn write_with<T>(
        &self,
        cloud: &Cloud,
        f: impl FnOnce(&S) -> AwsResult<(S::Change, T)>,
    ) -> AwsResult<T> {
        let mut writer = self.writer(cloud);
        let (change, out) = f(&writer)?;
        writer.commit(change)?;
        Ok(out)
    }

    /// Journals a change that is applied elsewhere (a history event a live execution already
    /// holds), without taking the lock.
    pub fn journal(&self, cloud: &Cloud, change: &S::Change) -> AwsResult<()> {
        cloud.record(self.service, change)
    }

    /// Runs `f` on the state for what is not journaled: what only lives in this process and
    /// is rebuilt on replay (a region's defaults created on first use). Never for a change.
    pub fn live<T>(&self, f: impl FnOnce(&mut S) -> T) -> T {
        f(&mut self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, S> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the journal needs of a service's store, whatever its state: replaying a journaled
/// change, and the snapshot compaction writes.
pub trait Persisted: Sync {
    /// Applies a journaled change.
    fn replay(&self, change: Value) -> Result<(), String>;

    /// Hands `emit` the changes that rebuild the current state, serialized as journaled.
    fn snapshot(&self, emit: &mut dyn FnMut(Value) -> Result<(), String>) -> Result<(), String>;
}

impl<S: Journaled + Send> Persisted for Store<S> {
    fn replay(&self, change: Value) -> Result<(), String> {
        let change: S::Change = serde_json::from_value(change)
            .map_err(|e| format!("not a {} change: {e}", self.service))?;
        self.lock().apply(change)
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Value) -> Result<(), String>) -> Result<(), String> {
        let state = self.lock();
        let mut outcome = Ok(());
        state.snapshot(&mut |change| {
            if outcome.is_ok() {
                outcome = serde_json::to_value(&change)
                    .map_err(|e| format!("cannot serialize a {} change: {e}", self.service))
                    .and_then(&mut *emit);
            }
        });
        outcome
    }
}

/// The state locked for reading.
pub struct Reader<'a, S> {
    state: MutexGuard<'a, S>,
}

impl<S> Deref for Reader<'_, S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.state
    }
}

/// The state locked for writing: reads see every change committed so far.
pub struct Writer<'a, S> {
    service: &'static str,
    cloud: &'a Cloud,
    state: MutexGuard<'a, S>,
}

impl<S: Journaled> Writer<'_, S> {
    /// Journals a change, then applies it: the one way journaled state changes while serving.
    pub fn commit(&mut self, change: S::Change) -> AwsResult<()> {
        self.cloud.record(self.service, &change)?;
        self.state.apply(change).map_err(AwsError::internal)
    }

    /// Journals a change without applying it, for a caller that applies its live equivalent
    /// itself with [`Writer::live`] (a started execution the engine already runs).
    pub fn journal(&self, change: &S::Change) -> AwsResult<()> {
        self.cloud.record(self.service, change)
    }

    /// The state for a change that is not journaled: what only lives in this process (running
    /// executions), rebuilt from the journal on replay.
    pub fn live(&mut self) -> &mut S {
        &mut self.state
    }
}

impl<S> Deref for Writer<'_, S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.state
    }
}
