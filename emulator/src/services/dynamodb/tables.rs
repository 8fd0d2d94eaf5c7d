//! Table operations as typed methods, with their rules: CreateTable, UpdateTable, DeleteTable,
//! UpdateTimeToLive and reading a table. The API ([`api`](super::api)) and CloudFormation's
//! `AWS::DynamoDB::Table` both call them; each runs under the store's lock, and `then` (or
//! `before`) reads the table there.

use super::model::{Change, State, Table, TableDef, TimeToLive};
use super::DynamoDb;
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};

impl DynamoDb {
    /// CreateTable: the table `def`, new and empty (refused when the name is taken).
    pub fn create_table<T>(
        &self,
        cloud: &Cloud,
        region: &str,
        def: TableDef,
        then: impl FnOnce(&Table) -> T,
    ) -> AwsResult<T> {
        let mut state = self.store.writer(cloud);
        let name = def.name.clone();
        if state.has_table(region, &name) {
            return Err(AwsError::new(
                "ResourceInUseException",
                format!("Table already exists: {name}"),
            ));
        }
        state.commit(Change::DefineTable {
            region: region.to_string(),
            table: Box::new(def),
        })?;
        Ok(then(state.table(region, &name)?))
    }

    /// UpdateTable: `edit` changes the table's definition (and checks what it asks).
    pub fn update_table<T>(
        &self,
        cloud: &Cloud,
        region: &str,
        name: &str,
        edit: impl FnOnce(&mut TableDef) -> AwsResult<()>,
        then: impl FnOnce(&Table) -> T,
    ) -> AwsResult<T> {
        let mut state = self.store.writer(cloud);
        let mut def = existing_table(&state, region, name)?.def.clone();
        edit(&mut def)?;
        state.commit(Change::DefineTable {
            region: region.to_string(),
            table: Box::new(def),
        })?;
        Ok(then(existing_table(&state, region, name)?))
    }

    /// DeleteTable, refused while deletion protection is on; `before` reads the table as it
    /// was.
    pub fn delete_table<T>(
        &self,
        cloud: &Cloud,
        region: &str,
        name: &str,
        before: impl FnOnce(&Table) -> T,
    ) -> AwsResult<T> {
        let mut state = self.store.writer(cloud);
        let table = existing_table(&state, region, name)?;
        if table.def.deletion_protection {
            return Err(AwsError::validation(
                "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
            ));
        }
        let out = before(table);
        state.commit(Change::DeleteTable {
            region: region.to_string(),
            name: name.to_string(),
        })?;
        Ok(out)
    }

    /// UpdateTimeToLive: turns expiry on (when it is off) or off (when it is on, on the same
    /// attribute).
    pub fn set_time_to_live(
        &self,
        cloud: &Cloud,
        region: &str,
        name: &str,
        ttl: TimeToLive,
    ) -> AwsResult<()> {
        let mut state = self.store.writer(cloud);
        let mut def = existing_table(&state, region, name)?.def.clone();
        match (&def.ttl, ttl.enabled) {
            (Some(current), true) if current.enabled => {
                return Err(AwsError::validation("TimeToLive is already enabled"))
            }
            (Some(current), false) if current.enabled && current.attribute != ttl.attribute => {
                return Err(AwsError::validation(format!(
                    "TimeToLive is active on a different AttributeName: current AttributeName is {}",
                    current.attribute
                )))
            }
            (None, false) => return Err(AwsError::validation("TimeToLive is already disabled")),
            (Some(current), false) if !current.enabled => {
                return Err(AwsError::validation("TimeToLive is already disabled"))
            }
            _ => {}
        }
        def.ttl = Some(ttl);
        state.commit(Change::DefineTable {
            region: region.to_string(),
            table: Box::new(def),
        })
    }

    /// Reads the table `name` of `region`.
    pub fn with_table<T>(
        &self,
        region: &str,
        name: &str,
        read: impl FnOnce(&Table) -> T,
    ) -> AwsResult<T> {
        let state = self.store.reader();
        Ok(read(existing_table(&state, region, name)?))
    }
}

/// The table `name` of `region`, or `ResourceNotFoundException` as the table operations word
/// it.
pub fn existing_table<'a>(state: &'a State, region: &str, name: &str) -> AwsResult<&'a Table> {
    state.table(region, name).map_err(|_| no_table(name))
}

/// `ResourceNotFoundException` as the table operations word it.
fn no_table(name: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        format!("Requested resource not found: Table: {name} not found"),
    )
}
