//! Choice rules: comparisons, And/Or/Not, and the JSONata `Condition` (kept, not evaluated).

use serde_json::{Map, Value};

use super::error::ParseError;
use super::fields::{kind_of, Fields, Writer};

/// One rule of a Choice state (top level, with `Next`) or one operand of And/Or/Not (no `Next`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    /// The test.
    pub condition: Condition,
    /// `Next` (top-level rules only).
    pub next: Option<String>,
    /// `Comment`.
    pub comment: Option<String>,
    /// Fields this model does not know, kept verbatim.
    pub extra: Map<String, Value>,
}

/// What a rule tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `And`: every rule matches.
    And(Vec<ChoiceRule>),
    /// `Or`: some rule matches.
    Or(Vec<ChoiceRule>),
    /// `Not`: the rule does not match.
    Not(Box<ChoiceRule>),
    /// `Variable` compared with an operator.
    Compare(Comparison),
    /// JSONata `Condition`, as written: an expression (`{% … %}`) or a literal boolean.
    Jsonata(Value),
}

/// `Variable` + one comparison operator + its operand.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `Variable`: the path to the value tested.
    pub variable: String,
    /// The operator.
    pub operator: Operator,
    /// The operand as written (a literal, a path for `…Path` operators, a boolean for `Is…`).
    pub operand: Value,
}

/// What a comparison operator expects as operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    String,
    Number,
    Boolean,
    Path,
}

macro_rules! operators {
    ($($name:ident => $operand:ident),* $(,)?) => {
        /// Every comparison operator of the JSONPath query language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Operator { $($name),* }

        impl Operator {
            /// All operators, in documentation order.
            pub const ALL: &'static [Operator] = &[$(Operator::$name),*];

            /// The field name, e.g. `StringEquals`.
            pub fn name(self) -> &'static str {
                match self { $(Operator::$name => stringify!($name)),* }
            }

            fn operand(self) -> Operand {
                match self { $(Operator::$name => Operand::$operand),* }
            }
        }
    };
}

operators! {
    StringEquals => String, StringEqualsPath => Path,
    StringLessThan => String, StringLessThanPath => Path,
    StringGreaterThan => String, StringGreaterThanPath => Path,
    StringLessThanEquals => String, StringLessThanEqualsPath => Path,
    StringGreaterThanEquals => String, StringGreaterThanEqualsPath => Path,
    StringMatches => String,
    NumericEquals => Number, NumericEqualsPath => Path,
    NumericLessThan => Number, NumericLessThanPath => Path,
    NumericGreaterThan => Number, NumericGreaterThanPath => Path,
    NumericLessThanEquals => Number, NumericLessThanEqualsPath => Path,
    NumericGreaterThanEquals => Number, NumericGreaterThanEqualsPath => Path,
    BooleanEquals => Boolean, BooleanEqualsPath => Path,
    TimestampEquals => String, TimestampEqualsPath => Path,
    TimestampLessThan => String, TimestampLessThanPath => Path,
    TimestampGreaterThan => String, TimestampGreaterThanPath => Path,
    TimestampLessThanEquals => String, TimestampLessThanEqualsPath => Path,
    TimestampGreaterThanEquals => String, TimestampGreaterThanEqualsPath => Path,
    IsNull => Boolean, IsPresent => Boolean, IsNumeric => Boolean,
    IsString => Boolean, IsBoolean => Boolean, IsTimestamp => Boolean,
}

impl Operator {
    /// Looks an operator up by its field name.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// True for the `…Path` operators, whose operand is a path into the input.
    pub fn takes_path(self) -> bool {
        self.operand() == Operand::Path
    }
}

impl ChoiceRule {
    /// Parses a rule at `location`; `top_level` rules carry `Next`.
    pub(crate) fn parse(
        value: &Value,
        location: &str,
        top_level: bool,
    ) -> Result<Self, ParseError> {
        let mut f = Fields::new(value, location, "a Choice rule")?;
        let comment = f.string("Comment")?;
        let next = if top_level { f.string("Next")? } else { None };
        let mut found: Vec<Condition> = Vec::new();
        if let Some(rules) = f.array_of("And", |v, loc| ChoiceRule::parse(v, loc, false))? {
            found.push(Condition::And(rules));
        }
        if let Some(rules) = f.array_of("Or", |v, loc| ChoiceRule::parse(v, loc, false))? {
            found.push(Condition::Or(rules));
        }
        if let Some(rule) = f.value("Not") {
            let loc = format!("{location}/Not");
            found.push(Condition::Not(Box::new(ChoiceRule::parse(
                &rule, &loc, false,
            )?)));
        }
        match f.value("Condition") {
            None => {}
            Some(condition @ (Value::String(_) | Value::Bool(_))) => {
                found.push(Condition::Jsonata(condition));
            }
            Some(other) => {
                return Err(ParseError::new(
                    &format!("{location}/Condition"),
                    format!("must be a string or a boolean, found {}", kind_of(&other)),
                )
                .with_field("Condition"))
            }
        }
        let variable = f.string("Variable")?;
        let operators: Vec<Operator> = Operator::ALL
            .iter()
            .copied()
            .filter(|op| f.has(op.name()))
            .collect();
        if operators.len() > 1 {
            let names: Vec<&str> = operators.iter().map(|op| op.name()).collect();
            return Err(ParseError::new(
                location,
                format!(
                    "a Choice rule takes one comparison operator, found {}",
                    names.join(", ")
                ),
            ));
        }
        if let Some(&operator) = operators.first() {
            let operand = f.value(operator.name()).unwrap_or(Value::Null);
            check_operand(
                operator,
                &operand,
                &format!("{location}/{}", operator.name()),
            )?;
            let variable = variable.ok_or_else(|| {
                ParseError::new(
                    location,
                    format!("the comparison '{}' needs a 'Variable'", operator.name()),
                )
                .with_field("Variable")
            })?;
            found.push(Condition::Compare(Comparison {
                variable,
                operator,
                operand,
            }));
        } else if variable.is_some() {
            return Err(ParseError::new(
                location,
                "the rule has a 'Variable' but no comparison operator (such as StringEquals)",
            ));
        }
        let condition =
            match found.len() {
                1 => found.remove(0),
                0 => return Err(ParseError::new(
                    location,
                    "a Choice rule needs a comparison (Variable and an operator), And, Or or Not",
                )),
                _ => {
                    return Err(ParseError::new(
                        location,
                        "a Choice rule takes exactly one of: a comparison, And, Or, Not",
                    ))
                }
            };
        Ok(ChoiceRule {
            condition,
            next,
            comment,
            extra: f.rest(),
        })
    }

    /// Writes the rule back as JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::default();
        match &self.condition {
            Condition::And(rules) => {
                w.set(
                    "And",
                    Value::Array(rules.iter().map(Self::to_value).collect()),
                );
            }
            Condition::Or(rules) => {
                w.set(
                    "Or",
                    Value::Array(rules.iter().map(Self::to_value).collect()),
                );
            }
            Condition::Not(rule) => {
                w.set("Not", rule.to_value());
            }
            Condition::Compare(c) => {
                w.set("Variable", Value::String(c.variable.clone()))
                    .set(c.operator.name(), c.operand.clone());
            }
            Condition::Jsonata(condition) => {
                w.set("Condition", condition.clone());
            }
        }
        w.opt("Comment", self.comment.clone())
            .opt("Next", self.next.clone());
        w.finish(&self.extra)
    }

    /// Every rule nested in this one (And/Or/Not operands), depth first, this one included.
    pub fn all_rules(&self) -> Vec<&ChoiceRule> {
        let mut out = vec![self];
        match &self.condition {
            Condition::And(rules) | Condition::Or(rules) => {
                for r in rules {
                    out.extend(r.all_rules());
                }
            }
            Condition::Not(rule) => out.extend(rule.all_rules()),
            _ => {}
        }
        out
    }
}

fn check_operand(operator: Operator, operand: &Value, location: &str) -> Result<(), ParseError> {
    let ok = match operator.operand() {
        Operand::String | Operand::Path => operand.is_string(),
        Operand::Number => operand.is_number(),
        Operand::Boolean => operand.is_boolean(),
    };
    if ok {
        return Ok(());
    }
    let expected = match operator.operand() {
        Operand::String => "a string",
        Operand::Path => "a path (a string starting with $)",
        Operand::Number => "a number",
        Operand::Boolean => "true or false",
    };
    Err(ParseError::new(
        location,
        format!("must be {expected}, found {}", kind_of(operand)),
    )
    .with_field(operator.name()))
}
