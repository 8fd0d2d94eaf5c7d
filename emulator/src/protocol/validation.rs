//! AWS's constraint violations, worded in one place: `1 validation error detected: Value 'x'
//! at 'member' failed to satisfy constraint: Member must …`. Every check takes the member
//! first, then the value, then the rule; the rules' wordings are the functions of [`rule`].

use crate::error::AwsError;

/// How the offending value appears in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown<'a> {
    /// `Value 'x' at …`.
    Value(&'a str),
    /// `Value at …` (AWS leaves out values that are too long or secret).
    Hidden,
    /// `Value null at …` (a required member is missing).
    Null,
}

/// The message of one violated constraint, with AWS's preamble.
pub fn message(member: &str, value: Shown<'_>, rule: &str) -> String {
    let value = match value {
        Shown::Value(value) => format!("Value '{value}' "),
        Shown::Hidden => "Value ".to_string(),
        Shown::Null => "Value null ".to_string(),
    };
    format!(
        "1 validation error detected: {value}at '{member}' failed to satisfy constraint: {rule}"
    )
}

/// `ValidationException` for `value` of `member` breaking `rule`.
pub fn constraint(member: &str, value: &str, rule: &str) -> AwsError {
    AwsError::validation(message(member, Shown::Value(value), rule))
}

/// `ValidationException` for `member` breaking `rule`, its value left out.
pub fn constraint_hidden(member: &str, rule: &str) -> AwsError {
    AwsError::validation(message(member, Shown::Hidden, rule))
}

/// The wording of each kind of constraint in the service models.
pub mod rule {
    /// `Member must satisfy enum value set: [A, B]`.
    pub fn one_of(values: &[&str]) -> String {
        format!(
            "Member must satisfy enum value set: [{}]",
            values.join(", ")
        )
    }

    /// `Member must satisfy regular expression pattern: …`.
    pub fn pattern(pattern: &str) -> String {
        format!("Member must satisfy regular expression pattern: {pattern}")
    }

    /// `Member must have length less than or equal to N`.
    pub fn max_length(max: impl std::fmt::Display) -> String {
        format!("Member must have length less than or equal to {max}")
    }

    /// `Member must have length greater than or equal to N`.
    pub fn min_length(min: impl std::fmt::Display) -> String {
        format!("Member must have length greater than or equal to {min}")
    }

    /// `Member must have value less than or equal to N`.
    pub fn max_value(max: impl std::fmt::Display) -> String {
        format!("Member must have value less than or equal to {max}")
    }

    /// `Member must have value greater than or equal to N`.
    pub fn min_value(min: impl std::fmt::Display) -> String {
        format!("Member must have value greater than or equal to {min}")
    }

    /// `Member must have value between A and B`.
    pub fn value_between(min: impl std::fmt::Display, max: impl std::fmt::Display) -> String {
        format!("Member must have value between {min} and {max}")
    }

    /// `Member must not be null`.
    pub const NOT_NULL: &str = "Member must not be null";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_aws_writes_them() {
        assert_eq!(
            constraint("type", "X", &rule::one_of(&["STANDARD", "EXPRESS"])).message,
            "1 validation error detected: Value 'X' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
        );
        assert_eq!(
            constraint_hidden("name", &rule::max_length(80)).message,
            "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"
        );
        assert_eq!(
            message("x", Shown::Null, rule::NOT_NULL),
            "1 validation error detected: Value null at 'x' failed to satisfy constraint: Member must not be null"
        );
    }
}
