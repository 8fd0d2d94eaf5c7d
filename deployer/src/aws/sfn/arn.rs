//! Execution ARNs, checked before any call, and the name and ARN of the resumed copy.

use crate::error::{CliError, CliResult};

/// What the resumed copy's name ends with.
pub const COPY_SUFFIX: &str = "-with-GoToState";
/// Step Functions' longest state machine name.
const MAX_NAME: usize = 80;
/// Step Functions' longest ARN.
const MAX_ARN: usize = 256;

/// A standard workflow execution's ARN:
/// `arn:<partition>:states:<region>:<account>:execution:<machine>:<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionArn {
    /// The ARN as given.
    pub arn: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// The execution's region.
    pub region: String,
    /// The execution's account.
    pub account: String,
    /// The state machine's name.
    pub machine: String,
}

impl ExecutionArn {
    /// Checks an ARN given on the command line; the message says what was expected.
    pub fn parse(text: &str) -> CliResult<ExecutionArn> {
        let text = text.trim();
        let example = "arn:aws:states:us-east-1:123456789012:execution:MyStateMachine:my-execution";
        let bad = |why: &str| {
            CliError::usage(format!(
                "'{text}' is not a Step Functions execution ARN: {why} (expected e.g. {example}; \
                 list failed executions with `aws stepfunctions list-executions \
                 --state-machine-arn ARN --status-filter FAILED`)"
            ))
        };
        let parts = checked_parts(text, bad)?;
        let machine = match (parts[5], &parts[6..]) {
            ("execution", [machine, _name] | [machine, _, _name]) => *machine,
            ("execution", _) => return Err(bad("it does not end with <machine>:<name>")),
            ("stateMachine", _) => {
                return Err(bad(
                    "it names a state machine; give the ARN of one of its failed executions",
                ))
            }
            ("express", _) => {
                return Err(CliError::usage(format!(
                    "'{text}' is an Express workflow execution: Step Functions keeps no \
                     execution history for Express workflows, so there is nothing to resume from"
                )))
            }
            (other, _) => return Err(bad(&format!("it names a '{other}', not an execution"))),
        };
        if machine.contains('/') {
            return Err(CliError::usage(format!(
                "'{text}' is a child execution of a Distributed Map run; resume the parent \
                 execution instead"
            )));
        }
        if parts[6..]
            .iter()
            .any(|p| p.is_empty() || p.len() > MAX_NAME)
        {
            return Err(bad("a name in it is empty or longer than 80 characters"));
        }
        Ok(ExecutionArn {
            arn: text.to_string(),
            partition: parts[1].to_string(),
            region: parts[3].to_string(),
            account: parts[4].to_string(),
            machine: machine.to_string(),
        })
    }

    /// The ARN of a state machine of this execution's region and account.
    pub fn machine_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:states:{}:{}:stateMachine:{name}",
            self.partition, self.region, self.account
        )
    }
}

/// A state machine's ARN, `arn:<partition>:states:<region>:<account>:stateMachine:<name>`
/// (or a version's or alias's, with `:<qualifier>`), as `--state-machine` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineArn {
    /// The ARN as given.
    pub arn: String,
    /// The machine's region.
    pub region: String,
}

impl MachineArn {
    /// Checks an ARN given on the command line; the message says what was expected.
    pub fn parse(text: &str) -> CliResult<MachineArn> {
        let text = text.trim();
        let example = "arn:aws:states:us-east-1:123456789012:stateMachine:MyStateMachine";
        let bad = |why: &str| {
            CliError::usage(format!(
                "'{text}' is not a Step Functions state machine ARN: {why} (expected e.g. \
                 {example}; list them with `aws stepfunctions list-state-machines`)"
            ))
        };
        let parts = checked_parts(text, bad)?;
        match (parts[5], parts.len()) {
            ("stateMachine", 7 | 8) if parts[6..].iter().all(|p| !p.is_empty()) => {}
            ("stateMachine", _) => return Err(bad("it does not end with stateMachine:<name>")),
            ("execution" | "express", _) => {
                return Err(bad(
                    "it names an execution; give its state machine's ARN, or resume that one \
                     execution with `deployer resume EXECUTION_ARN`",
                ))
            }
            (other, _) => return Err(bad(&format!("it names a '{other}', not a state machine"))),
        }
        Ok(MachineArn {
            arn: text.to_string(),
            region: parts[3].to_string(),
        })
    }
}

/// The `:`-separated parts of a Step Functions ARN whose partition, service, region and
/// account are right (at least seven parts); `bad` words the refusal.
fn checked_parts(text: &str, bad: impl Fn(&str) -> CliError) -> CliResult<Vec<&str>> {
    if text.len() > MAX_ARN {
        return Err(bad(&format!("it is longer than {MAX_ARN} characters")));
    }
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() < 7 || parts[0] != "arn" || parts[1].is_empty() {
        return Err(bad("it does not start with arn:<partition>:states:"));
    }
    if parts[2] != "states" {
        return Err(bad(&format!("its service is '{}', not 'states'", parts[2])));
    }
    if parts[3].is_empty() {
        return Err(bad("it has no region"));
    }
    if parts[4].len() != 12 || !parts[4].bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("its account is not 12 digits"));
    }
    Ok(parts)
}

/// The resumed copy's name: `<machine>-with-GoToState`, or, when that is over 80 characters,
/// the machine's name cut short with a hash of the whole of it, so that the same machine always
/// gets the same copy and two long names sharing a prefix do not collide.
pub fn copy_name(machine: &str) -> String {
    let full = format!("{machine}{COPY_SUFFIX}");
    if full.len() <= MAX_NAME {
        return full;
    }
    let hash = format!("{:08x}", fnv1a(machine.as_bytes()));
    let keep = MAX_NAME - COPY_SUFFIX.len() - hash.len() - 1;
    let mut cut = keep;
    while !machine.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{hash}{COPY_SUFFIX}", &machine[..cut])
}

/// FNV-1a, 32 bits: stable across builds and platforms (unlike std's hasher).
pub(crate) fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_arns_of_machines_versions_and_aliases() {
        let arn =
            ExecutionArn::parse("arn:aws:states:eu-west-1:123456789012:execution:orders:run-1")
                .unwrap();
        assert_eq!(arn.region, "eu-west-1");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.machine, "orders");
        assert_eq!(
            arn.machine_arn("x"),
            "arn:aws:states:eu-west-1:123456789012:stateMachine:x"
        );
        let qualified = ExecutionArn::parse(
            "arn:aws:states:eu-west-1:123456789012:execution:orders:PROD:run-1",
        )
        .unwrap();
        assert_eq!(qualified.machine, "orders");
    }

    #[test]
    fn wrong_arns_say_what_was_expected() {
        for (arn, says) in [
            ("run-1", "does not start with"),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:f",
                "'lambda'",
            ),
            (
                "arn:aws:states:us-east-1:123456789012:stateMachine:orders",
                "names a state machine",
            ),
            (
                "arn:aws:states:us-east-1:123456789012:express:orders:r:u",
                "Express",
            ),
            (
                "arn:aws:states:us-east-1:1234:execution:orders:run",
                "12 digits",
            ),
            (
                "arn:aws:states::123456789012:execution:orders:run",
                "no region",
            ),
            (
                "arn:aws:states:us-east-1:123456789012:execution:orders",
                "<machine>:<name>",
            ),
            (
                "arn:aws:states:us-east-1:123456789012:execution:orders/map:child",
                "Distributed Map",
            ),
        ] {
            let err = ExecutionArn::parse(arn).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains(says), "{arn}: {err}");
        }
    }

    #[test]
    fn state_machine_arns_for_a_batch() {
        let arn =
            MachineArn::parse("arn:aws:states:eu-west-1:123456789012:stateMachine:orders").unwrap();
        assert_eq!(arn.region, "eu-west-1");
        for (text, says) in [
            (
                "arn:aws:states:eu-west-1:123456789012:execution:orders:run-1",
                "names an execution",
            ),
            (
                "arn:aws:states:eu-west-1:123456789012:stateMachine:",
                "stateMachine:<name>",
            ),
            (
                "arn:aws:lambda:eu-west-1:123456789012:function:f",
                "'lambda'",
            ),
            ("orders", "does not start with"),
        ] {
            let err = MachineArn::parse(text).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn copy_names_fit_in_80_characters_deterministically() {
        assert_eq!(copy_name("orders"), "orders-with-GoToState");
        let long = "m".repeat(80);
        let name = copy_name(&long);
        assert_eq!(name.len(), 80);
        assert!(name.ends_with(COPY_SUFFIX));
        assert_eq!(name, copy_name(&long));
        assert_ne!(name, copy_name(&format!("{}n", "m".repeat(79))));
    }
}
