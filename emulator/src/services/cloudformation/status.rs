//! CloudFormation's statuses and kinds, as the service model names them, and the rules that
//! depend on them alone.

use crate::protocol::wire_enum::wire_enum;

wire_enum! {
    /// `StackStatus`.
    pub enum StackStatus {
        CreateInProgress = "CREATE_IN_PROGRESS",
        CreateFailed = "CREATE_FAILED",
        CreateComplete = "CREATE_COMPLETE",
        RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackFailed = "ROLLBACK_FAILED",
        RollbackComplete = "ROLLBACK_COMPLETE",
        DeleteInProgress = "DELETE_IN_PROGRESS",
        DeleteFailed = "DELETE_FAILED",
        DeleteComplete = "DELETE_COMPLETE",
        UpdateInProgress = "UPDATE_IN_PROGRESS",
        UpdateCompleteCleanupInProgress = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        UpdateComplete = "UPDATE_COMPLETE",
        UpdateFailed = "UPDATE_FAILED",
        UpdateRollbackInProgress = "UPDATE_ROLLBACK_IN_PROGRESS",
        UpdateRollbackFailed = "UPDATE_ROLLBACK_FAILED",
        UpdateRollbackCompleteCleanupInProgress = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        UpdateRollbackComplete = "UPDATE_ROLLBACK_COMPLETE",
        ReviewInProgress = "REVIEW_IN_PROGRESS",
        ImportInProgress = "IMPORT_IN_PROGRESS",
        ImportComplete = "IMPORT_COMPLETE",
        ImportRollbackInProgress = "IMPORT_ROLLBACK_IN_PROGRESS",
        ImportRollbackFailed = "IMPORT_ROLLBACK_FAILED",
        ImportRollbackComplete = "IMPORT_ROLLBACK_COMPLETE",
    }
}

impl StackStatus {
    /// True while an operation runs on the stack (`…_IN_PROGRESS`, review aside).
    pub fn is_busy(self) -> bool {
        self.as_str().ends_with("_IN_PROGRESS") && self != StackStatus::ReviewInProgress
    }

    /// True once the stack is deleted (it is still listed, by id).
    pub fn is_deleted(self) -> bool {
        self == StackStatus::DeleteComplete
    }

    /// True when the last operation succeeded and the stack can be updated.
    pub fn is_updatable(self) -> bool {
        matches!(
            self,
            StackStatus::CreateComplete
                | StackStatus::UpdateComplete
                | StackStatus::UpdateRollbackComplete
                | StackStatus::ImportComplete
        )
    }

    /// True when the operation that brought the stack here did what its change set asked.
    pub fn is_success(self) -> bool {
        matches!(
            self,
            StackStatus::CreateComplete | StackStatus::UpdateComplete | StackStatus::ImportComplete
        )
    }

    /// The status a busy stack takes when a restart cuts its operation off.
    pub fn interrupted(self) -> StackStatus {
        match self {
            StackStatus::CreateInProgress => StackStatus::CreateFailed,
            StackStatus::RollbackInProgress => StackStatus::RollbackFailed,
            StackStatus::DeleteInProgress => StackStatus::DeleteFailed,
            StackStatus::ImportInProgress | StackStatus::ImportRollbackInProgress => {
                StackStatus::ImportRollbackFailed
            }
            _ => StackStatus::UpdateRollbackFailed,
        }
    }
}

wire_enum! {
    /// `ResourceStatus` (the members this emulator sets).
    pub enum ResourceStatus {
        CreateInProgress = "CREATE_IN_PROGRESS",
        CreateFailed = "CREATE_FAILED",
        CreateComplete = "CREATE_COMPLETE",
        DeleteInProgress = "DELETE_IN_PROGRESS",
        DeleteFailed = "DELETE_FAILED",
        DeleteComplete = "DELETE_COMPLETE",
        DeleteSkipped = "DELETE_SKIPPED",
        UpdateInProgress = "UPDATE_IN_PROGRESS",
        UpdateFailed = "UPDATE_FAILED",
        UpdateComplete = "UPDATE_COMPLETE",
        ImportFailed = "IMPORT_FAILED",
        ImportComplete = "IMPORT_COMPLETE",
        ImportInProgress = "IMPORT_IN_PROGRESS",
        ImportRollbackInProgress = "IMPORT_ROLLBACK_IN_PROGRESS",
        ImportRollbackFailed = "IMPORT_ROLLBACK_FAILED",
        ImportRollbackComplete = "IMPORT_ROLLBACK_COMPLETE",
    }
}

impl ResourceStatus {
    /// The status a resource in progress takes when a restart cuts its operation off (`None`
    /// when it was not in progress).
    pub fn interrupted(self) -> Option<ResourceStatus> {
        Some(match self {
            ResourceStatus::CreateInProgress => ResourceStatus::CreateFailed,
            ResourceStatus::DeleteInProgress => ResourceStatus::DeleteFailed,
            ResourceStatus::UpdateInProgress => ResourceStatus::UpdateFailed,
            ResourceStatus::ImportInProgress => ResourceStatus::ImportFailed,
            ResourceStatus::ImportRollbackInProgress => ResourceStatus::ImportRollbackFailed,
            _ => return None,
        })
    }

    /// True for the deletion statuses (their events carry no properties).
    pub fn is_deletion(self) -> bool {
        self.as_str().starts_with("DELETE")
    }
}

wire_enum! {
    /// A change set's `Status`.
    pub enum ChangeSetStatus {
        CreatePending = "CREATE_PENDING",
        CreateInProgress = "CREATE_IN_PROGRESS",
        CreateComplete = "CREATE_COMPLETE",
        DeletePending = "DELETE_PENDING",
        DeleteInProgress = "DELETE_IN_PROGRESS",
        DeleteComplete = "DELETE_COMPLETE",
        DeleteFailed = "DELETE_FAILED",
        Failed = "FAILED",
    }
}

wire_enum! {
    /// A change set's `ExecutionStatus`.
    pub enum ExecutionStatus {
        Unavailable = "UNAVAILABLE",
        Available = "AVAILABLE",
        ExecuteInProgress = "EXECUTE_IN_PROGRESS",
        ExecuteComplete = "EXECUTE_COMPLETE",
        ExecuteFailed = "EXECUTE_FAILED",
        Obsolete = "OBSOLETE",
    }
}

wire_enum! {
    /// `ChangeSetType`.
    pub enum ChangeSetType {
        Create = "CREATE",
        Update = "UPDATE",
        Import = "IMPORT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stack_status_of_the_model_is_spelled_as_the_model_does() {
        assert_eq!(StackStatus::ALL.len(), 23);
        for status in StackStatus::ALL {
            assert_eq!(StackStatus::parse(status.as_str()), Some(*status));
        }
    }

    #[test]
    fn a_busy_stack_cut_off_by_a_restart_fails_and_review_is_not_busy() {
        assert!(!StackStatus::ReviewInProgress.is_busy());
        for status in StackStatus::ALL.iter().filter(|s| s.is_busy()) {
            assert!(
                status.interrupted().as_str().ends_with("_FAILED"),
                "{status}"
            );
        }
        assert_eq!(
            ResourceStatus::ImportInProgress.interrupted(),
            Some(ResourceStatus::ImportFailed)
        );
        assert_eq!(ResourceStatus::CreateComplete.interrupted(), None);
    }
}
