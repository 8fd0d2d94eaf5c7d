//! Names and ARNs as Step Functions checks them: state machine, execution and alias names, role
//! ARNs, and the state machine ARNs (plain, version-qualified or alias-qualified) and execution
//! ARNs requests give.

use crate::error::{AwsError, AwsResult};

/// The longest state machine or execution name.
pub const MAX_NAME_CHARS: usize = 80;

/// `InvalidArn`, worded as Step Functions words it.
pub fn invalid_arn(detail: impl std::fmt::Display) -> AwsError {
    AwsError::new("InvalidArn", format!("Invalid Arn: '{detail}'"))
}

/// Checks a state machine or execution name: 1 to 80 characters, no white space, no brackets,
/// wildcards, special characters (`"#%\^|~`$&,;:/`) or control characters.
pub fn check_name(name: &str) -> AwsResult<()> {
    let bad = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
            || ('\u{7f}'..='\u{9f}').contains(&c)
    };
    let count = name.chars().count();
    if count == 0 || count > MAX_NAME_CHARS || name.chars().any(bad) {
        return Err(AwsError::new(
            "InvalidName",
            format!("Invalid Name: '{name}'"),
        ));
    }
    Ok(())
}

/// Checks an alias name: 1 to 80 of `[a-zA-Z0-9_.-]`, at least one of them not a digit (so
/// that it cannot be mistaken for a version number).
pub fn check_alias_name(name: &str) -> AwsResult<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c);
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name.chars().all(allowed)
        && !name.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(AwsError::new(
            "InvalidName",
            format!("Invalid Name: '{name}'"),
        ))
    }
}

/// Checks an IAM role ARN (`arn:aws:iam::123456789012:role/Name`).
pub fn check_role_arn(arn: &str) -> AwsResult<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|r| !r.is_empty());
    if ok {
        Ok(())
    } else {
        Err(invalid_arn(format!("Invalid Role Arn: {arn}")))
    }
}

/// A state machine ARN as a request gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineArn {
    /// The unqualified ARN.
    pub arn: String,
    /// The region.
    pub region: String,
    /// The state machine name.
    pub name: String,
    /// `:3` or `:alias`, when qualified.
    pub qualifier: Option<Qualifier>,
}

impl MachineArn {
    /// The unqualified ARN, when the ARN given named neither a version nor an alias.
    pub fn unqualified(self) -> Option<String> {
        self.qualifier.is_none().then_some(self.arn)
    }
}

/// What follows the name in a qualified state machine ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qualifier {
    /// A version number.
    Version(u64),
    /// An alias name.
    Alias(String),
}

/// The `arn:aws:states:<region>:<account>:<kind>:<rest>` parts of a Step Functions ARN.
fn split(arn: &str, kind: &str) -> AwsResult<(String, Vec<String>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7
        || parts[0] != "arn"
        || !parts[1].starts_with("aws")
        || parts[2] != "states"
        || parts[3].is_empty()
        || parts[4].is_empty()
    {
        return Err(invalid_arn(format!("Invalid Arn: {arn}")));
    }
    if parts[5] != kind {
        return Err(invalid_arn(format!(
            "Resource type not valid in this context: {}",
            parts[5]
        )));
    }
    let rest = parts[6..].iter().map(|s| s.to_string()).collect();
    Ok((parts[3].to_string(), rest))
}

/// Parses a state machine ARN, qualified by a version or an alias or not.
pub fn parse_machine_arn(arn: &str) -> AwsResult<MachineArn> {
    let (region, rest) = split(arn, "stateMachine")?;
    let (name, qualifier) = match rest.as_slice() {
        [name] => (name.clone(), None),
        [name, q] if !q.is_empty() => {
            let qualifier = match q.parse::<u64>() {
                Ok(n) => Qualifier::Version(n),
                Err(_) => Qualifier::Alias(q.clone()),
            };
            (name.clone(), Some(qualifier))
        }
        _ => return Err(invalid_arn(format!("Invalid Arn: {arn}"))),
    };
    if name.is_empty() {
        return Err(invalid_arn(format!("Invalid Arn: {arn}")));
    }
    let unqualified = match &qualifier {
        None => arn.to_string(),
        Some(_) => arn[..arn.rfind(':').unwrap_or(arn.len())].to_string(),
    };
    Ok(MachineArn {
        arn: unqualified,
        region,
        name,
        qualifier,
    })
}

/// Checks an execution ARN (`…:execution:<machine>:<name>`); returns its region.
pub fn check_execution_arn(arn: &str) -> AwsResult<String> {
    let (region, rest) = split(arn, "execution")?;
    match rest.as_slice() {
        [machine, name] if !machine.is_empty() && !name.is_empty() => Ok(region),
        _ => Err(invalid_arn(format!("Invalid Arn: {arn}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        assert!(check_name("my-machine_1.x").is_ok());
        for bad in ["", "a b", "a/b", "a:b", "a*b", "x\u{7}", &"n".repeat(81)] {
            assert_eq!(check_name(bad).unwrap_err().code, "InvalidName", "{bad:?}");
        }
        assert!(check_alias_name("prod").is_ok());
        assert!(check_alias_name("v1.2").is_ok());
        assert_eq!(check_alias_name("12").unwrap_err().code, "InvalidName");
        assert_eq!(check_alias_name("a b").unwrap_err().code, "InvalidName");
    }

    #[test]
    fn role_arns_must_name_a_role() {
        assert!(check_role_arn("arn:aws:iam::123456789012:role/r").is_ok());
        assert!(check_role_arn("arn:aws:iam::123456789012:role/path/r").is_ok());
        for bad in [
            "role",
            "arn:aws:iam::123:role/r",
            "arn:aws:iam::123456789012:user/u",
            "arn:aws:s3:::b",
        ] {
            assert_eq!(check_role_arn(bad).unwrap_err().code, "InvalidArn", "{bad}");
        }
    }

    #[test]
    fn machine_arns_with_and_without_qualifiers() {
        let base = "arn:aws:states:eu-west-1:123456789012:stateMachine:m";
        let plain = parse_machine_arn(base).unwrap();
        assert_eq!(
            (plain.region.as_str(), plain.name.as_str()),
            ("eu-west-1", "m")
        );
        assert_eq!(plain.qualifier, None);
        let version = parse_machine_arn(&format!("{base}:3")).unwrap();
        assert_eq!(version.arn, base);
        assert_eq!(version.qualifier, Some(Qualifier::Version(3)));
        let alias = parse_machine_arn(&format!("{base}:prod")).unwrap();
        assert_eq!(alias.qualifier, Some(Qualifier::Alias("prod".into())));
        let wrong = parse_machine_arn("arn:aws:states:eu-west-1:123456789012:execution:m:e");
        assert!(wrong.unwrap_err().message.contains("Resource type"));
        assert_eq!(parse_machine_arn("nope").unwrap_err().code, "InvalidArn");
        assert!(check_execution_arn("arn:aws:states:eu-west-1:123456789012:execution:m:e").is_ok());
        assert!(check_execution_arn(base).is_err());
    }
}
