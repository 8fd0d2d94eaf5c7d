//! State machines deployer made outside CloudFormation (the copies `deployer resume` creates),
//! found by their tags and deleted.

use super::Aws;
use crate::error::CliResult;
use crate::stacks::{KIND_TAG, MANAGED_BY};

/// The ARNs of the region's state machines tagged managed-by=deployer and deployer:kind=`kind`.
pub async fn tagged(aws: &Aws, kind: &str) -> CliResult<Vec<String>> {
    let sfn = aws.sfn();
    let mut found = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = sfn
            .list_state_machines()
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| aws.error("Step Functions ListStateMachines", e))?;
        for machine in page.state_machines() {
            let arn = machine.state_machine_arn();
            let tags = sfn
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| aws.error("Step Functions ListTagsForResource", e))?;
            let has = |key: &str, value: &str| {
                tags.tags()
                    .iter()
                    .any(|t| t.key() == Some(key) && t.value() == Some(value))
            };
            if has(MANAGED_BY.0, MANAGED_BY.1) && has(KIND_TAG, kind) {
                found.push(arn.to_string());
            }
        }
        match page.next_token() {
            Some(token) => next = Some(token.to_string()),
            None => return Ok(found),
        }
    }
}

/// Deletes the state machine `arn`.
pub async fn delete(aws: &Aws, arn: &str) -> CliResult {
    aws.sfn()
        .delete_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .map_err(|e| aws.error("Step Functions DeleteStateMachine", e))?;
    Ok(())
}
