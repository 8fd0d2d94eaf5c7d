//! The emulated account: every service's state, and the journal that persists it.
//!
//! Services reach each other through the [`Cloud`] (a Step Functions task calls DynamoDB, an
//! EventBridge rule starts an execution); those that call others at their own initiative hold a
//! `Weak<Cloud>` given at construction.

use std::sync::{Arc, Weak};

use serde::Serialize;
use serde_json::Value;

use crate::error::AwsResult;
use crate::journal::{Compacted, Journal, Record, SnapshotWriter};
use crate::services::{
    cloudformation, dynamodb, events, iam, lambda, logs, registry, s3, stepfunctions,
};

/// All the services' state.
pub struct Cloud {
    journal: Option<Journal>,
    /// Step Functions.
    pub states: stepfunctions::StepFunctions,
    /// Lambda.
    pub lambda: lambda::Lambda,
    /// DynamoDB.
    pub dynamodb: dynamodb::DynamoDb,
    /// EventBridge.
    pub events: events::EventBridge,
    /// IAM.
    pub iam: iam::Iam,
    /// S3.
    pub s3: s3::S3,
    /// CloudWatch Logs.
    pub logs: logs::Logs,
    /// CloudFormation.
    pub cloudformation: cloudformation::CloudFormation,
}

impl std::fmt::Debug for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cloud")
            .field("persistent", &self.journal.is_some())
            .finish_non_exhaustive()
    }
}

impl Cloud {
    /// A new account, persisted to `journal` when there is one.
    pub fn new(journal: Option<Journal>) -> Arc<Cloud> {
        Arc::new_cyclic(|cloud: &Weak<Cloud>| Cloud {
            journal,
            states: stepfunctions::StepFunctions::new(cloud.clone()),
            lambda: lambda::Lambda::new(cloud.clone()),
            dynamodb: dynamodb::DynamoDb::new(cloud.clone()),
            events: events::EventBridge::new(cloud.clone()),
            iam: iam::Iam::new(cloud.clone()),
            s3: s3::S3::new(cloud.clone()),
            logs: logs::Logs::new(cloud.clone()),
            cloudformation: cloudformation::CloudFormation::new(cloud.clone()),
        })
    }

    /// Records a change in the journal (nothing when the state is in memory only). Call it
    /// before applying the change and replying, while holding the lock that orders changes.
    pub fn record(&self, service: &str, change: &impl Serialize) -> AwsResult<()> {
        match &self.journal {
            Some(journal) => journal.append(service, change),
            None => Ok(()),
        }
    }

    /// True when changes are journaled (`--state-dir`).
    pub fn is_persistent(&self) -> bool {
        self.journal.is_some()
    }

    /// Applies journaled changes, oldest first, compacts the journal when its snapshot is
    /// smaller, then lets services pick up where they were (executions that were running
    /// continue).
    pub fn replay(&self, records: Vec<Record>) -> Result<(), String> {
        let count = records.len();
        for (n, record) in records.into_iter().enumerate() {
            let result = match registry::find(&record.service).and_then(|s| s.store) {
                Some(store) => store(self).replay(record.change),
                None => Err(format!("unknown service '{}'", record.service)),
            };
            result.map_err(|e| format!("journal record {}: {e}", n + 1))?;
        }
        self.compact(count);
        self.states.after_replay(self);
        self.cloudformation.after_replay(self)
    }

    /// Rewrites the journal as a snapshot of the replayed state, when that is smaller. A
    /// compaction that fails leaves the journal as it was, with a warning: it only saves
    /// space and start time.
    fn compact(&self, records: usize) {
        let Some(journal) = &self.journal else {
            return;
        };
        let snapshot = |out: &mut SnapshotWriter| {
            self.each_snapshot_record(&mut |service, change| out.record(service, change))
        };
        match journal.compact(records, snapshot) {
            Ok(Some(Compacted { before, after })) => eprintln!(
                "emulator: compacted the state journal: {} records ({} bytes) became {} ({} bytes)",
                before.0, before.1, after.0, after.1
            ),
            Ok(None) => {}
            Err(e) => eprintln!("emulator: warning: {e}; the journal stays as it was"),
        }
    }

    /// The records that rebuild the current state of every service, as compaction writes
    /// them (what a restart on a compacted journal replays).
    pub fn snapshot(&self) -> Result<Vec<Record>, String> {
        let mut records = Vec::new();
        self.each_snapshot_record(&mut |service, change| {
            records.push(Record::new(service, change));
            Ok(())
        })?;
        Ok(records)
    }

    /// Hands `f` each service's snapshot changes, service by service in registry order.
    fn each_snapshot_record(
        &self,
        f: &mut dyn FnMut(&str, Value) -> Result<(), String>,
    ) -> Result<(), String> {
        for service in registry::REGISTRY {
            if let Some(store) = service.store {
                store(self).snapshot(&mut |change| f(service.signing_name, change))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::JOURNAL_FILE;

    /// A journal written before lines carried a format version replays as it did.
    #[test]
    fn a_journal_of_version_less_lines_replays() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (journal, _) = Journal::open(dir.path()).unwrap();
            let cloud = Cloud::new(Some(journal));
            cloud
                .s3
                .create_bucket(&cloud, "old-bucket", "eu-west-1")
                .unwrap();
        }
        let path = dir.path().join(JOURNAL_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        let old = text.replace("{\"v\":1,", "{");
        assert_ne!(old, text);
        std::fs::write(&path, old).unwrap();
        let (journal, records) = Journal::open(dir.path()).unwrap();
        assert!(records.iter().all(|r| r.version == 0));
        let cloud = Cloud::new(Some(journal));
        cloud.replay(records).unwrap();
        cloud.s3.delete_bucket(&cloud, "old-bucket").unwrap();
        let err = cloud.s3.delete_bucket(&cloud, "old-bucket").unwrap_err();
        assert_eq!(err.code, "NoSuchBucket");
    }
}
