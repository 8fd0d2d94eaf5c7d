//! The link from an original execution to its resumed executions: the resumed execution's
//! name is derived from the original's (`<name>-resume-<n>`), so every earlier resume can be
//! found by name, and StartExecution itself refuses a second start under the same name.

use aws_sdk_sfn::types::ExecutionStatus;

use super::super::Aws;
use super::find_execution;
use crate::error::CliResult;

/// What the resumed execution names end with before their number.
const RESUME_MARK: &str = "-resume-";
/// Step Functions' longest execution name.
const MAX_NAME: usize = 80;

/// An earlier resume of the same original execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    /// Its execution ARN.
    pub arn: String,
    /// Its status.
    pub status: ExecutionStatus,
}

/// The name of the `n`th resume of the execution named `root` (within 80 characters: a long
/// root is cut and a hash of it added, so different roots keep different names).
pub fn resumed_name(root: &str, n: u32) -> String {
    let suffix = format!("{RESUME_MARK}{n}");
    let full = format!("{root}{suffix}");
    if full.len() <= MAX_NAME {
        return full;
    }
    let hash = format!("{:08x}", super::arn::fnv1a(root.as_bytes()));
    let mut cut = MAX_NAME - suffix.len() - hash.len() - 1;
    while !root.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{hash}{suffix}", &root[..cut])
}

/// The original execution's name behind a resumed execution's name (itself otherwise).
pub fn root_of(name: &str) -> &str {
    match name.rfind(RESUME_MARK) {
        Some(at)
            if !name[at + RESUME_MARK.len()..].is_empty()
                && name[at + RESUME_MARK.len()..]
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
        {
            &name[..at]
        }
        _ => name,
    }
}

/// The earlier resumes of the execution named `root`, as executions of `copy_arn` (the copy's
/// unqualified ARN), oldest first, and the number the next one gets.
pub async fn earlier(aws: &Aws, copy_arn: &str, root: &str) -> CliResult<(Vec<Earlier>, u32)> {
    let base = copy_arn.replacen(":stateMachine:", ":execution:", 1);
    let mut found = Vec::new();
    let mut n = 1;
    loop {
        let arn = format!("{base}:{}", resumed_name(root, n));
        match find_execution(aws, &arn).await? {
            Some(execution) => found.push(Earlier {
                arn,
                status: execution.status().clone(),
            }),
            None => return Ok((found, n)),
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumed_names_are_derived_from_the_original_and_fit() {
        assert_eq!(resumed_name("run-7", 1), "run-7-resume-1");
        assert_eq!(root_of("run-7-resume-12"), "run-7");
        assert_eq!(root_of("run-7"), "run-7");
        assert_eq!(root_of("a-resume-"), "a-resume-");
        let long = "x".repeat(80);
        let name = resumed_name(&long, 3);
        assert_eq!(name.len(), 80);
        assert!(name.ends_with("-resume-3"));
        assert_eq!(resumed_name(root_of(&name), 4).len(), 80);
        assert_ne!(name, resumed_name(&"x".repeat(79), 3));
    }
}
