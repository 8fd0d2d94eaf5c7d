//! Rules and their targets as typed operations: PutRule, DeleteRule, PutTargets and
//! RemoveTargets with their checks. The API ([`api`](super::api)) and CloudFormation's
//! `AWS::Events::Rule` both call them.

use std::collections::BTreeMap;

use event_pattern::Pattern;

use super::checks::check_length;
use super::model::{rule_arn, Change, Rule, RuleState, Target, DEFAULT_BUS};
use super::{targets, EventBridge};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::validation::{constraint, rule};

/// Most targets one rule may have.
const MAX_TARGETS_PER_RULE: usize = 5;

/// A PutRule request: the rule's name and bus (already checked as names), and its members.
#[derive(Debug, Clone, Default)]
pub struct NewRule {
    /// `Name`.
    pub name: String,
    /// The bus's name.
    pub bus: String,
    /// `EventPattern`, as written.
    pub event_pattern: Option<String>,
    /// `ScheduleExpression`.
    pub schedule_expression: Option<String>,
    /// `State` (`ENABLED` when absent).
    pub state: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `RoleArn`.
    pub role_arn: Option<String>,
    /// `Tags`.
    pub tags: BTreeMap<String, String>,
}

impl NewRule {
    /// The rule of `region`, checked as PutRule checks it: the members' lengths and state, a
    /// pattern or a schedule, a pattern that parses, a valid schedule on the default bus only.
    fn into_rule(self, region: &str) -> AwsResult<Rule> {
        let lengths = [
            ("eventPattern", &self.event_pattern, 0, 4096),
            ("scheduleExpression", &self.schedule_expression, 0, 256),
            ("description", &self.description, 0, 512),
            ("roleArn", &self.role_arn, 1, 1600),
        ];
        for (member, value, min, max) in lengths {
            if let Some(value) = value {
                check_length(member, value, min, max)?;
            }
        }
        let state = match self.state {
            None => RuleState::Enabled,
            Some(text) => RuleState::parse(&text).ok_or_else(|| {
                constraint("State", &text, &rule::one_of(&RuleState::spellings()))
            })?,
        };
        if self.event_pattern.is_none() && self.schedule_expression.is_none() {
            return Err(AwsError::validation(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            ));
        }
        if let Some(pattern) = &self.event_pattern {
            invalid_pattern(Pattern::parse(pattern))?;
        }
        if let Some(schedule) = &self.schedule_expression {
            if self.bus != DEFAULT_BUS {
                return Err(AwsError::validation(
                    "ScheduleExpression is supported only on the default event bus.",
                ));
            }
            if !valid_schedule(schedule) {
                return Err(AwsError::validation(
                    "Parameter ScheduleExpression is not valid.",
                ));
            }
        }
        Ok(Rule {
            arn: rule_arn(region, &self.bus, &self.name),
            name: self.name,
            bus: self.bus,
            event_pattern: self.event_pattern,
            schedule_expression: self.schedule_expression,
            state,
            description: self.description,
            role_arn: self.role_arn,
            tags: self.tags,
            targets: Vec::new(),
            pattern: None,
        })
    }
}

impl EventBridge {
    /// PutRule: creates the rule, or replaces it keeping its targets; returns its ARN.
    pub fn put_rule(&self, cloud: &Cloud, region: &str, rule: NewRule) -> AwsResult<String> {
        let rule = rule.into_rule(region)?;
        let arn = rule.arn.clone();
        self.write(cloud, region, |state| {
            state.bus(&rule.bus)?;
            let change = Change::PutRule {
                region: region.to_string(),
                rule,
            };
            Ok((Some(change), ()))
        })?;
        Ok(arn)
    }

    /// DeleteRule: nothing when there is no such rule; refused while it has targets.
    pub fn delete_rule(&self, cloud: &Cloud, region: &str, bus: &str, name: &str) -> AwsResult<()> {
        self.write(cloud, region, |state| {
            let Some(rule) = state.bus(bus)?.rules.get(name) else {
                return Ok((None, ()));
            };
            if !rule.targets.is_empty() {
                return Err(AwsError::validation(
                    "Rule can't be deleted since it has targets.",
                ));
            }
            let change = Change::DeleteRule {
                region: region.to_string(),
                bus: bus.to_string(),
                name: name.to_string(),
            };
            Ok((Some(change), ()))
        })
    }

    /// EnableRule and DisableRule: the rule must exist.
    pub fn set_rule_state(
        &self,
        cloud: &Cloud,
        region: &str,
        bus: &str,
        name: &str,
        rule_state: RuleState,
    ) -> AwsResult<()> {
        self.write(cloud, region, |state| {
            state.rule(bus, name)?;
            let change = Change::SetRuleState {
                region: region.to_string(),
                bus: bus.to_string(),
                name: name.to_string(),
                state: rule_state,
            };
            Ok((Some(change), ()))
        })
    }

    /// PutTargets: adds the targets, or replaces those with the same ids (at most
    /// [`MAX_TARGETS_PER_RULE`] in all), each checked for what its service needs.
    pub fn put_targets(
        &self,
        cloud: &Cloud,
        region: &str,
        bus: &str,
        rule: &str,
        targets: Vec<Target>,
    ) -> AwsResult<()> {
        for target in &targets {
            targets::validate(target).map_err(AwsError::validation)?;
        }
        self.write(cloud, region, |state| {
            let existing = &state.rule(bus, rule)?.targets;
            let added = targets
                .iter()
                .filter(|t| !existing.iter().any(|e| e.id == t.id))
                .count();
            if existing.len() + added > MAX_TARGETS_PER_RULE {
                return Err(AwsError::new(
                    "LimitExceededException",
                    "The requested resource exceeds the maximum number allowed.",
                ));
            }
            let change = Change::PutTargets {
                region: region.to_string(),
                bus: bus.to_string(),
                rule: rule.to_string(),
                targets,
            };
            Ok((Some(change), ()))
        })
    }

    /// RemoveTargets: the targets with these ids leave the rule.
    pub fn remove_targets(
        &self,
        cloud: &Cloud,
        region: &str,
        bus: &str,
        rule: &str,
        ids: Vec<String>,
    ) -> AwsResult<()> {
        self.write(cloud, region, |state| {
            state.rule(bus, rule)?;
            let change = Change::RemoveTargets {
                region: region.to_string(),
                bus: bus.to_string(),
                rule: rule.to_string(),
                ids,
            };
            Ok((Some(change), ()))
        })
    }
}

/// Turns a pattern error into `InvalidEventPatternException`.
pub fn invalid_pattern(parsed: Result<Pattern, event_pattern::PatternError>) -> AwsResult<Pattern> {
    parsed.map_err(|e| AwsError::new("InvalidEventPatternException", e.to_string()))
}

/// `rate(1 minute)`, `rate(5 hours)`, or `cron(…)` with six fields.
fn valid_schedule(expression: &str) -> bool {
    if let Some(body) = expression
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let mut parts = body.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        return match n.parse::<u32>() {
            Ok(1) => matches!(unit, "minute" | "hour" | "day"),
            Ok(n) if n > 1 => matches!(unit, "minutes" | "hours" | "days"),
            _ => false,
        };
    }
    expression
        .strip_prefix("cron(")
        .and_then(|r| r.strip_suffix(')'))
        .is_some_and(|body| body.split_whitespace().count() == 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert!(valid_schedule("rate(1 minute)"));
        assert!(valid_schedule("rate(5 hours)"));
        assert!(!valid_schedule("rate(1 minutes)"));
        assert!(!valid_schedule("rate(0 days)"));
        assert!(valid_schedule("cron(0 12 * * ? *)"));
        assert!(!valid_schedule("cron(0 12 * *)"));
        assert!(!valid_schedule("every day"));
    }
}
