//! Whether Step Functions may assume a role for a given state machine: the role's trust policy
//! (IAM GetRole's AssumeRolePolicyDocument) evaluated for `sts:AssumeRole` by
//! `states.amazonaws.com` with `aws:SourceArn` = the machine and `aws:SourceAccount` = its
//! account, before the resumed copy is created.

use serde_json::Value;

use super::{error_code, Aws};
use crate::error::CliResult;

/// What the trust policy says about the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// An Allow statement matches and no Deny does.
    Allowed,
    /// Step Functions cannot assume the role for this machine; why.
    Denied(String),
    /// The policy has conditions this check does not evaluate, or could not be read; why.
    Unknown(String),
}

/// Who asks to assume the role.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The state machine that will run as the role (`aws:SourceArn`).
    pub source_arn: &'a str,
    /// Its account (`aws:SourceAccount`).
    pub source_account: &'a str,
    /// Its region (the regional principal `states.<region>.amazonaws.com`).
    pub region: &'a str,
}

/// Reads the role's trust policy (IAM GetRole) and evaluates it for `request`. A role that
/// cannot be read is `Unknown`, not an error: the check only advises.
pub async fn check(aws: &Aws, role_arn: &str, request: Request<'_>) -> CliResult<Trust> {
    let name = match super::iam::role_name(role_arn) {
        Ok(name) => name,
        Err(_) => return Ok(Trust::Unknown(format!("'{role_arn}' is not a role ARN"))),
    };
    match aws.iam().get_role().role_name(&name).send().await {
        Ok(out) => {
            let document = out
                .role()
                .and_then(|r| r.assume_role_policy_document())
                .unwrap_or_default();
            Ok(evaluate(document, request))
        }
        Err(err) if error_code(&err) == Some("NoSuchEntity") => {
            Ok(Trust::Denied(format!("the role '{name}' does not exist")))
        }
        Err(err) => Ok(Trust::Unknown(format!(
            "could not read the role's trust policy ({})",
            aws.error("IAM GetRole", err)
        ))),
    }
}

/// Evaluates a trust policy (JSON, or URL-encoded JSON as IAM returns it) for `request`.
pub fn evaluate(document: &str, request: Request<'_>) -> Trust {
    let text = if document.trim_start().starts_with('{') {
        document.to_string()
    } else {
        // IAM returns policy documents URL-encoded.
        percent_encoding::percent_decode_str(document)
            .decode_utf8_lossy()
            .into_owned()
    };
    let Ok(policy) = serde_json::from_str::<Value>(&text) else {
        return Trust::Unknown("the trust policy is not JSON".to_string());
    };
    let statements = match &policy["Statement"] {
        Value::Array(list) => list.iter().collect(),
        single @ Value::Object(_) => vec![single],
        _ => Vec::new(),
    };
    let mut allowed = false;
    let mut unknown = None;
    let mut refusals = Vec::new();
    for statement in statements {
        if !applies(statement, request) {
            continue;
        }
        let deny = statement["Effect"] == "Deny";
        match conditions_hold(&statement["Condition"], request) {
            Holds::Yes if deny => {
                return Trust::Denied("a Deny statement of the trust policy matches".to_string())
            }
            Holds::Yes => allowed = true,
            Holds::No(_) if deny => {}
            Holds::No(why) => refusals.push(why),
            Holds::Unknown(why) => unknown = Some(why),
        }
    }
    match (allowed, unknown, refusals.first()) {
        (_, Some(why), _) => Trust::Unknown(why),
        (true, None, _) => Trust::Allowed,
        (false, None, Some(why)) => Trust::Denied(why.clone()),
        (false, None, None) => {
            Trust::Denied("no statement lets states.amazonaws.com call sts:AssumeRole".to_string())
        }
    }
}

/// Whether a statement is about Step Functions assuming the role.
fn applies(statement: &Value, request: Request<'_>) -> bool {
    let regional = format!("states.{}.amazonaws.com", request.region);
    let principal = &statement["Principal"];
    let by_states = principal == "*"
        || values(&principal["AWS"]).contains(&"*")
        || values(&principal["Service"])
            .iter()
            .any(|s| *s == "states.amazonaws.com" || *s == regional);
    let assumes = values(&statement["Action"]).iter().any(|a| {
        matches!(
            a.to_ascii_lowercase().as_str(),
            "sts:assumerole" | "sts:*" | "*"
        )
    });
    by_states && assumes
}

enum Holds {
    Yes,
    No(String),
    Unknown(String),
}

/// Whether every condition of a statement holds for the request.
fn conditions_hold(conditions: &Value, request: Request<'_>) -> Holds {
    let Some(operators) = conditions.as_object() else {
        return Holds::Yes;
    };
    for (operator, keys) in operators {
        let Some(keys) = keys.as_object() else {
            return Holds::Unknown(format!("the condition {operator} is not an object"));
        };
        for (key, expected) in keys {
            let actual = match key.to_ascii_lowercase().as_str() {
                "aws:sourcearn" => request.source_arn,
                "aws:sourceaccount" => request.source_account,
                _ => {
                    return Holds::Unknown(format!(
                        "the trust policy has a condition on {key}, which this check does not \
                         evaluate"
                    ))
                }
            };
            let expected = values(expected);
            let Some(matched) = compare(operator, &expected, actual) else {
                return Holds::Unknown(format!(
                    "the trust policy uses the condition operator {operator}, which this check \
                     does not evaluate"
                ));
            };
            if !matched {
                return Holds::No(format!(
                    "its condition {operator} {key} = {} does not match the copy's {actual}",
                    expected.join(" | ")
                ));
            }
        }
    }
    Holds::Yes
}

/// Compares `actual` with a condition's values; `None` for operators not evaluated here.
fn compare(operator: &str, expected: &[&str], actual: &str) -> Option<bool> {
    let base = operator.strip_suffix("IfExists").unwrap_or(operator);
    let any = |f: &dyn Fn(&str) -> bool| expected.iter().any(|e| f(e));
    Some(match base {
        "StringEquals" | "ArnEquals" => any(&|e| e == actual),
        "StringEqualsIgnoreCase" => any(&|e| e.eq_ignore_ascii_case(actual)),
        "StringLike" | "ArnLike" => any(&|e| glob(e, actual)),
        "StringNotEquals" | "ArnNotEquals" => !any(&|e| e == actual),
        "StringNotLike" | "ArnNotLike" => !any(&|e| glob(e, actual)),
        _ => return None,
    })
}

/// IAM's `*` (any run of characters) and `?` (one character) match.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A policy value that is one string or a list of strings.
fn values(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COPY: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:orders-with-GoToState";
    const REQUEST: Request<'static> = Request {
        source_arn: COPY,
        source_account: "123456789012",
        region: "us-east-1",
    };

    fn policy(condition: Value) -> String {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }]
        })
        .to_string()
    }

    #[test]
    fn the_plain_step_functions_trust_policy_allows_the_copy() {
        assert_eq!(evaluate(&policy(Value::Null), REQUEST), Trust::Allowed);
        let account =
            policy(serde_json::json!({"StringEquals": {"aws:SourceAccount": "123456789012"}}));
        assert_eq!(evaluate(&account, REQUEST), Trust::Allowed);
        let like = policy(serde_json::json!({"ArnLike": {"aws:SourceArn":
            "arn:aws:states:us-east-1:123456789012:stateMachine:*"}}));
        assert_eq!(evaluate(&like, REQUEST), Trust::Allowed);
    }

    #[test]
    fn a_source_arn_naming_the_original_machine_denies_the_copy() {
        let exact = policy(serde_json::json!({"ArnEquals": {"aws:SourceArn":
            "arn:aws:states:us-east-1:123456789012:stateMachine:orders"}}));
        let Trust::Denied(why) = evaluate(&exact, REQUEST) else {
            panic!("expected a denial");
        };
        assert!(why.contains("stateMachine:orders"), "{why}");
        let other_account =
            policy(serde_json::json!({"StringEquals": {"aws:SourceAccount": "999999999999"}}));
        assert!(matches!(
            evaluate(&other_account, REQUEST),
            Trust::Denied(_)
        ));
    }

    #[test]
    fn other_principals_and_url_encoding() {
        let lambda = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":["sts:AssumeRole"]}}"#;
        assert!(matches!(evaluate(lambda, REQUEST), Trust::Denied(_)));
        let encoded = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22states.us-east-1.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
        assert_eq!(evaluate(encoded, REQUEST), Trust::Allowed);
    }

    #[test]
    fn conditions_not_evaluated_are_unknown_and_deny_wins() {
        let org = policy(serde_json::json!({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}));
        assert!(matches!(evaluate(&org, REQUEST), Trust::Unknown(_)));
        let deny = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":"*","Action":"sts:*"}]}"#;
        assert!(matches!(evaluate(deny, REQUEST), Trust::Denied(_)));
    }

    #[test]
    fn globs() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(glob("*", ""));
        assert!(!glob("arn:*:x", "arn:y"));
    }
}
