//! `deployer render`: print a CloudFormation template.

use crate::cli::{DemoRenderArgs, ResumerArgs};
use crate::error::CliResult;
use crate::render::{demo_template, resumer_template, DemoArtifacts};

/// Prints the demo stack's template.
pub fn demo(args: &DemoRenderArgs) -> CliResult {
    let template = demo_template(&DemoArtifacts {
        bucket: args.artifact_bucket.clone(),
        first_key: args.first_key.clone(),
        second_key: args.second_key.clone(),
        start_job_key: args.start_job_key.clone(),
    })?;
    print!("{template}");
    Ok(())
}

/// Prints a resumer stack's template.
pub fn resumer(args: &ResumerArgs) -> CliResult {
    let resumer = super::task::entry(args)?.validate()?;
    print!("{}", resumer_template(&resumer)?);
    Ok(())
}
