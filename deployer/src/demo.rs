//! The demo's pause/resume part: the resumer that the demo's job workflow
//! (`ResumeOnEventExample`, in the demo stack) pauses on, with the names the tutorial types.

use serde_json::json;

use crate::error::CliResult;
use crate::resumer::{Resumer, ResumerEntry};

/// The resumer's name suffix: its stack and token table are `sfn-resume-DemoJobs`.
pub const JOBS_SUFFIX: &str = "DemoJobs";
/// The `source` of the job's completion events.
pub const EVENT_SOURCE: &str = "sfn-resume.demo";
/// The `detail-type` of the job's completion events.
pub const EVENT_DETAIL_TYPE: &str = "JobCompleted";
/// The job the tutorial names when it starts the job workflow.
pub const TUTORIAL_JOB: &str = "job-1";
/// Where the job workflow holds the job's id when it pauses (the start_job function puts it there).
const PATH_IN_WORKFLOW: &str = "$.jobId";
/// Where the completion event carries the job's id.
const PATH_IN_EVENT: &str = "$.detail.jobId";
/// The job workflow's pause state.
pub const PAUSE_STATE: &str = "WaitForJob";
/// The job workflow's state after the pause.
pub const AFTER_PAUSE: &str = "Done";

/// The resumer the job workflow pauses on, as `deployer up --name-suffix DemoJobs` would be
/// given it; `destroy`, so that `deployer demo down` leaves no table behind.
pub fn jobs_resumer() -> CliResult<Resumer> {
    ResumerEntry {
        name_suffix: JOBS_SUFFIX.to_string(),
        event_pattern: Some(
            json!({"source": [EVENT_SOURCE], "detail-type": [EVENT_DETAIL_TYPE]}).to_string(),
        ),
        path_to_id_pause_task: Some(PATH_IN_WORKFLOW.to_string()),
        path_to_id_workflow: Some(PATH_IN_EVENT.to_string()),
        removal_policy: Some("destroy".to_string()),
        ..ResumerEntry::default()
    }
    .validate()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jobs_resumer_is_valid_and_destroys_its_table() {
        let resumer = jobs_resumer().unwrap();
        assert_eq!(resumer.stack_name(), "sfn-resume-DemoJobs");
        assert_eq!(
            resumer.removal_policy,
            crate::resumer::RemovalPolicy::Destroy
        );
    }
}
