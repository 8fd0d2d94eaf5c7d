//! Template text to a JSON object: JSON when the body starts with `{`, YAML otherwise (with the
//! short-form tags turned into their long forms by [`super::tags`]). Syntax errors carry the
//! parser's line and column, in CloudFormation's words.

use serde_json::{Map, Value};

use super::error::{Result, TemplateError};
use super::tags;

/// Parses a template body (JSON or YAML) into its top-level object.
pub fn parse_body(body: &str) -> Result<Map<String, Value>> {
    if body.trim().is_empty() {
        return Err(TemplateError::format(
            "At least one Resources member must be defined.",
        ));
    }
    let (value, syntax) = if body.trim_start().starts_with('{') {
        (parse_json(body)?, "JSON")
    } else {
        (parse_yaml(body)?, "YAML")
    };
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(TemplateError::format(format!("{syntax} not well-formed."))),
    }
}

fn parse_json(body: &str) -> Result<Value> {
    serde_json::from_str(body).map_err(|err| {
        TemplateError::format(format!(
            "JSON not well-formed. (line {}, column {})",
            err.line(),
            err.column()
        ))
    })
}

fn parse_yaml(body: &str) -> Result<Value> {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(body).map_err(|err| match err.location() {
            Some(at) => TemplateError::format(format!(
                "YAML not well-formed. (line {}, column {})",
                at.line(),
                at.column()
            )),
            None => TemplateError::format("YAML not well-formed."),
        })?;
    tags::to_json(yaml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_and_yaml_give_the_same_object() {
        let from_json = parse_body(r#"{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}"#).unwrap();
        let from_yaml = parse_body("Resources:\n  B:\n    Type: AWS::S3::Bucket\n").unwrap();
        assert_eq!(from_json, from_yaml);
        assert_eq!(
            Value::Object(from_yaml),
            json!({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}})
        );
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let err = parse_body("{\n  \"Resources\": {\n    \"B\": [1,,]\n  }\n}").unwrap_err();
        assert_eq!(
            err.message,
            "Template format error: JSON not well-formed. (line 3, column 13)"
        );
        assert_eq!(err.code(), "ValidationError");
    }

    #[test]
    fn yaml_errors_carry_line_and_column() {
        let err = parse_body("Resources:\n  B:\n    Type: [a\n  C: b\n").unwrap_err();
        assert!(
            err.message
                .starts_with("Template format error: YAML not well-formed. (line "),
            "{}",
            err.message
        );
        let dup = parse_body("Resources:\n  B: 1\n  B: 2\n").unwrap_err();
        assert_eq!(
            dup.message,
            "Template format error: YAML not well-formed. (line 2, column 3)"
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_rejected() {
        assert_eq!(
            parse_body("- a\n- b\n").unwrap_err().message,
            "Template format error: YAML not well-formed."
        );
        assert_eq!(
            parse_body("   ").unwrap_err().message,
            "Template format error: At least one Resources member must be defined."
        );
    }
}
