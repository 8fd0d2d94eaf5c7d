//! Choice rules: every comparison operator of the JSONPath query language, And/Or/Not, the
//! `Is…` type tests, timestamps and `StringMatches` wildcards.

use std::cmp::Ordering;

use serde_json::Value;

use super::error::Failure;
use super::io::Io;
use super::timestamp;
use crate::model::{ChoiceRule, Comparison, Condition, Operator};

/// Evaluates a rule against a Choice state's (effective) input.
pub(crate) fn matches(rule: &ChoiceRule, input: &Value, io: &Io<'_>) -> Result<bool, Failure> {
    match &rule.condition {
        Condition::And(rules) => {
            for r in rules {
                if !matches(r, input, io)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(rules) => {
            for r in rules {
                if matches(r, input, io)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(rule) => Ok(!matches(rule, input, io)?),
        Condition::Compare(c) => compare(c, input, io),
        Condition::Jsonata(_) => Err(Failure::runtime(
            "The field 'Condition' is only supported for the 'JSONata' QueryLanguage",
        )),
    }
}

fn invalid_path(path: &str) -> Failure {
    Failure::runtime(format!(
        "Invalid path '{path}': The choice state's condition path references an invalid value."
    ))
}

fn compare(c: &Comparison, input: &Value, io: &Io<'_>) -> Result<bool, Failure> {
    use Operator::*;
    let variable = io.select(&c.variable, input).ok();
    let flag = c.operand.as_bool().unwrap_or(false);
    let test = |predicate: fn(&Value) -> bool| -> Result<bool, Failure> {
        Ok(variable.as_deref().is_some_and(predicate) == flag)
    };
    match c.operator {
        IsPresent => return Ok(variable.is_some() == flag),
        IsNull => return test(Value::is_null),
        IsNumeric => return test(Value::is_number),
        IsString => return test(Value::is_string),
        IsBoolean => return test(Value::is_boolean),
        IsTimestamp => {
            return test(|v| v.as_str().and_then(timestamp::parse).is_some());
        }
        _ => {}
    }
    let variable = variable.ok_or_else(|| invalid_path(&c.variable))?;
    let operand = if c.operator.takes_path() {
        let path = c.operand.as_str().unwrap_or_default().to_string();
        io.select(&path, input)
            .map_err(|_| invalid_path(&path))?
            .into_owned()
    } else {
        c.operand.clone()
    };
    let (a, b) = (variable.as_ref(), &operand);
    let ordered = |expected: &[Ordering], ordering: Option<Ordering>| {
        ordering.is_some_and(|o| expected.contains(&o))
    };
    let lt = [Ordering::Less];
    let le = [Ordering::Less, Ordering::Equal];
    let eq = [Ordering::Equal];
    let ge = [Ordering::Greater, Ordering::Equal];
    let gt = [Ordering::Greater];
    Ok(match c.operator {
        StringEquals | StringEqualsPath => ordered(&eq, strings(a, b)),
        StringLessThan | StringLessThanPath => ordered(&lt, strings(a, b)),
        StringLessThanEquals | StringLessThanEqualsPath => ordered(&le, strings(a, b)),
        StringGreaterThan | StringGreaterThanPath => ordered(&gt, strings(a, b)),
        StringGreaterThanEquals | StringGreaterThanEqualsPath => ordered(&ge, strings(a, b)),
        StringMatches => match (a.as_str(), b.as_str()) {
            (Some(text), Some(pattern)) => wildcard_match(pattern, text),
            _ => false,
        },
        NumericEquals | NumericEqualsPath => ordered(&eq, numbers(a, b)),
        NumericLessThan | NumericLessThanPath => ordered(&lt, numbers(a, b)),
        NumericLessThanEquals | NumericLessThanEqualsPath => ordered(&le, numbers(a, b)),
        NumericGreaterThan | NumericGreaterThanPath => ordered(&gt, numbers(a, b)),
        NumericGreaterThanEquals | NumericGreaterThanEqualsPath => ordered(&ge, numbers(a, b)),
        BooleanEquals | BooleanEqualsPath => match (a, b) {
            (Value::Bool(x), Value::Bool(y)) => x == y,
            _ => false,
        },
        TimestampEquals | TimestampEqualsPath => ordered(&eq, timestamps(a, b)),
        TimestampLessThan | TimestampLessThanPath => ordered(&lt, timestamps(a, b)),
        TimestampLessThanEquals | TimestampLessThanEqualsPath => ordered(&le, timestamps(a, b)),
        TimestampGreaterThan | TimestampGreaterThanPath => ordered(&gt, timestamps(a, b)),
        TimestampGreaterThanEquals | TimestampGreaterThanEqualsPath => {
            ordered(&ge, timestamps(a, b))
        }
        IsPresent | IsNull | IsNumeric | IsString | IsBoolean | IsTimestamp => false,
    })
}

fn strings(a: &Value, b: &Value) -> Option<Ordering> {
    Some(a.as_str()?.cmp(b.as_str()?))
}

fn numbers(a: &Value, b: &Value) -> Option<Ordering> {
    let (Value::Number(x), Value::Number(y)) = (a, b) else {
        return None;
    };
    match (x.as_i64(), y.as_i64()) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
    }
}

fn timestamps(a: &Value, b: &Value) -> Option<Ordering> {
    let x = timestamp::parse(a.as_str()?)?;
    let y = timestamp::parse(b.as_str()?)?;
    Some(x.cmp(&y))
}

/// `StringMatches`: `*` matches any run of characters; `\*` is a literal star and `\\` a
/// literal backslash.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    #[derive(PartialEq)]
    enum Token {
        Star,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => tokens.push(Token::Char(escaped)),
                None => tokens.push(Token::Char('\\')),
            },
            '*' => tokens.push(Token::Star),
            other => tokens.push(Token::Char(other)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Greedy matching with backtracking to the last star.
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|token| *token == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compiled::CompiledMachine;
    use crate::engine::context::{ExecutionInfo, StateContext};
    use crate::engine::variables::Scope;
    use serde_json::json;

    #[test]
    fn wildcards_and_escapes() {
        assert!(wildcard_match("log-*.txt", "log-2024.txt"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "aXbYbc"));
        assert!(!wildcard_match("a*b", "aXc"));
        assert!(wildcard_match(r"a\*", "a*"));
        assert!(!wildcard_match(r"a\*", "ab"));
        assert!(wildcard_match(r"a\\b", r"a\b"));
    }

    fn eval(rule: serde_json::Value, input: serde_json::Value) -> Result<bool, Failure> {
        let mut rule = rule;
        rule["Next"] = json!("X");
        let def = crate::model::Machine::from_value(&json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [rule]}, "X": {"Type": "Succeed"}}}))
        .unwrap();
        let crate::model::StateKind::Choice(choice) = &def.states["C"].kind else {
            unreachable!()
        };
        let exec = ExecutionInfo {
            execution_arn: "a".into(),
            name: "n".into(),
            role_arn: "r".into(),
            input: json!({}),
            start_time: "t".into(),
            state_machine_arn: "s".into(),
            state_machine_name: "s".into(),
            redrive_count: 0,
        };
        let compiled = CompiledMachine::compile(def.clone());
        let scope = Scope::default();
        let io = Io {
            compiled: &compiled,
            variables: &scope,
            context: StateContext {
                execution: &exec,
                state_name: "C",
                entered_time: "t",
                retry_count: None,
                task_token: None,
                map_item: None,
            },
        };
        matches(&choice.choices[0], &input, &io)
    }

    #[test]
    fn operators_follow_aws() {
        let v = |x| json!({ "v": x, "w": 2 });
        assert!(eval(
            json!({"Variable": "$.v", "NumericEquals": 1}),
            v(json!(1.0))
        )
        .unwrap());
        assert!(!eval(
            json!({"Variable": "$.v", "NumericEquals": 1}),
            v(json!("1"))
        )
        .unwrap());
        assert!(eval(
            json!({"Variable": "$.v", "NumericLessThanPath": "$.w"}),
            v(json!(1))
        )
        .unwrap());
        assert!(eval(
            json!({"Variable": "$.v", "StringGreaterThan": "a"}),
            v(json!("b"))
        )
        .unwrap());
        assert!(!eval(
            json!({"Variable": "$.v", "BooleanEquals": true}),
            v(json!(null))
        )
        .unwrap());
        assert!(eval(json!({"Variable": "$.v", "IsNull": true}), v(json!(null))).unwrap());
        assert!(eval(
            json!({"Variable": "$.nope", "IsPresent": false}),
            v(json!(1))
        )
        .unwrap());
        assert!(!eval(json!({"Variable": "$.nope", "IsNull": true}), v(json!(1))).unwrap());
        assert!(eval(
            json!({"Variable": "$.v", "IsTimestamp": true}),
            v(json!("2016-03-14T01:59:00Z"))
        )
        .unwrap());
        assert!(eval(
            json!({"Variable": "$.v", "TimestampLessThan": "2016-03-14T01:59:01Z"}),
            v(json!("2016-03-14T01:59:00Z"))
        )
        .unwrap());
        assert!(eval(
            json!({"Variable": "$.v", "StringMatches": "ab*"}),
            v(json!("abc"))
        )
        .unwrap());
        assert!(eval(
            json!({"Not": {"Variable": "$.v", "IsString": true}}),
            v(json!(1))
        )
        .unwrap());
        assert!(eval(json!({"And": [{"Variable": "$.v", "IsNumeric": true}, {"Variable": "$.v", "NumericGreaterThan": 0}]}), v(json!(1))).unwrap());
        assert!(eval(json!({"Or": [{"Variable": "$.v", "IsString": true}, {"Variable": "$.v", "IsBoolean": true}]}), v(json!(true))).unwrap());
        let missing = eval(
            json!({"Variable": "$.nope", "StringEquals": "x"}),
            v(json!(1)),
        )
        .unwrap_err();
        assert_eq!(missing.error.as_deref(), Some("States.Runtime"));
    }
}
