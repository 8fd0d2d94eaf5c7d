//! EventBridge's state: event buses, their rules and the rules' targets, per region. Every write
//! is a [`Change`], journaled and then applied with [`State::apply`] (which replay uses too).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{AwsError, AwsResult};
use crate::protocol::wire_enum::wire_enum;
use crate::request::ACCOUNT_ID;
use crate::services::store::Journaled;
use event_pattern::Pattern;

wire_enum! {
    /// `RuleState`.
    pub enum RuleState {
        Enabled = "ENABLED",
        Disabled = "DISABLED",
        EnabledWithAllCloudtrailManagementEvents = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
    }
}

/// The bus every region has.
pub const DEFAULT_BUS: &str = "default";

/// Every region's buses.
#[derive(Debug, Default)]
pub struct State {
    regions: HashMap<String, Region>,
}

/// One region's buses, by name; `default` always exists.
#[derive(Debug)]
pub struct Region {
    /// The buses.
    pub buses: BTreeMap<String, Bus>,
}

/// An event bus and its rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bus {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Its description.
    pub description: Option<String>,
    /// Creation time, milliseconds since the epoch.
    pub created_ms: u64,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Its rules, by name.
    #[serde(default)]
    pub rules: BTreeMap<String, Rule>,
}

/// A rule: what it matches and where matching events go.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    /// Its name.
    pub name: String,
    /// The bus it belongs to.
    pub bus: String,
    /// Its ARN.
    pub arn: String,
    /// The event pattern, as the user wrote it.
    pub event_pattern: Option<String>,
    /// The schedule expression.
    pub schedule_expression: Option<String>,
    /// `State`.
    pub state: RuleState,
    /// Its description.
    pub description: Option<String>,
    /// The role EventBridge assumes for targets.
    pub role_arn: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Its targets, in the order they were added.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// The compiled pattern (rebuilt from `event_pattern` when applied).
    #[serde(skip)]
    pub pattern: Option<Arc<Pattern>>,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.bus == other.bus
            && self.event_pattern == other.event_pattern
            && self.schedule_expression == other.schedule_expression
            && self.state == other.state
            && self.description == other.description
            && self.role_arn == other.role_arn
            && self.tags == other.tags
            && self.targets == other.targets
    }
}

impl Rule {
    /// Whether matching events are delivered.
    pub fn is_enabled(&self) -> bool {
        self.state != RuleState::Disabled
    }

    /// Whether `event` matches this rule's pattern (a schedule-only rule matches no event).
    pub fn matches(&self, event: &Value) -> bool {
        self.pattern.as_ref().is_some_and(|p| p.matches(event))
    }
}

/// A rule's target, as PutTargets stored it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Its id, unique within the rule.
    pub id: String,
    /// The ARN of the resource events go to.
    pub arn: String,
    /// The role EventBridge assumes to reach it.
    pub role_arn: Option<String>,
    /// Constant JSON text sent instead of the event.
    pub input: Option<String>,
    /// JSONPath selecting the part of the event to send.
    pub input_path: Option<String>,
    /// The transformer shaping what is sent.
    pub input_transformer: Option<InputTransformer>,
    /// How failed deliveries are retried.
    pub retry_policy: Option<RetryPolicy>,
    /// Where undeliverable events would go (stored, not used).
    pub dead_letter_arn: Option<String>,
}

/// `InputTransformer`: paths into the event, and a template using them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputTransformer {
    /// Placeholder name → JSONPath, in the user's order.
    pub paths: Vec<(String, String)>,
    /// The template with `<name>` placeholders.
    pub template: String,
}

/// `RetryPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// `MaximumRetryAttempts` (0 to 185).
    pub maximum_retry_attempts: Option<u32>,
    /// `MaximumEventAgeInSeconds` (60 to 86400).
    pub maximum_event_age_seconds: Option<u32>,
}

/// A resource tags can be put on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resource {
    /// An event bus.
    Bus {
        /// The bus.
        bus: String,
    },
    /// A rule.
    Rule {
        /// Its bus.
        bus: String,
        /// Its name.
        name: String,
    },
}

impl Resource {
    /// The region and resource an EventBridge ARN names (`event-bus/<name>`, `rule/<name>`,
    /// `rule/<bus>/<name>`), or `ValidationException`.
    pub fn from_arn(arn: &str) -> AwsResult<(String, Resource)> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let resource = match parts.as_slice() {
            ["arn", _, "events", region, _, resource] => resource
                .split_once('/')
                .and_then(|(kind, rest)| match (kind, rest.split_once('/')) {
                    ("event-bus", _) => Some(Resource::Bus {
                        bus: rest.to_string(),
                    }),
                    ("rule", None) => Some(Resource::Rule {
                        bus: DEFAULT_BUS.to_string(),
                        name: rest.to_string(),
                    }),
                    ("rule", Some((bus, name))) => Some(Resource::Rule {
                        bus: bus.to_string(),
                        name: name.to_string(),
                    }),
                    _ => None,
                })
                .map(|r| (region.to_string(), r)),
            _ => None,
        };
        resource.ok_or_else(|| AwsError::validation(format!("Provided ARN {arn} is not valid.")))
    }
}

/// One acknowledged write, as journaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// A rule created or replaced (its targets and tags kept, `rule.tags` added).
    PutRule {
        /// The region.
        region: String,
        /// The rule, without targets.
        rule: Rule,
    },
    /// A rule deleted.
    DeleteRule {
        /// The region.
        region: String,
        /// Its bus.
        bus: String,
        /// Its name.
        name: String,
    },
    /// A rule enabled or disabled.
    SetRuleState {
        /// The region.
        region: String,
        /// Its bus.
        bus: String,
        /// Its name.
        name: String,
        /// `ENABLED` or `DISABLED`.
        state: RuleState,
    },
    /// Targets added or replaced (by id).
    PutTargets {
        /// The region.
        region: String,
        /// The rule's bus.
        bus: String,
        /// The rule.
        rule: String,
        /// The targets.
        targets: Vec<Target>,
    },
    /// Targets removed.
    RemoveTargets {
        /// The region.
        region: String,
        /// The rule's bus.
        bus: String,
        /// The rule.
        rule: String,
        /// The target ids.
        ids: Vec<String>,
    },
    /// A bus created.
    CreateBus {
        /// The region.
        region: String,
        /// The bus, without rules.
        bus: Bus,
    },
    /// A bus deleted, with its rules.
    DeleteBus {
        /// The region.
        region: String,
        /// Its name.
        name: String,
    },
    /// Tags added or overwritten.
    Tag {
        /// The region.
        region: String,
        /// The tagged resource.
        resource: Resource,
        /// The tags.
        tags: BTreeMap<String, String>,
    },
    /// Tags removed.
    Untag {
        /// The region.
        region: String,
        /// The tagged resource.
        resource: Resource,
        /// The tag keys.
        keys: Vec<String>,
    },
}

/// The ARN of a bus.
pub fn bus_arn(region: &str, bus: &str) -> String {
    format!("arn:aws:events:{region}:{ACCOUNT_ID}:event-bus/{bus}")
}

/// The ARN of a rule: `rule/<name>` on the default bus, `rule/<bus>/<name>` elsewhere.
pub fn rule_arn(region: &str, bus: &str, name: &str) -> String {
    if bus == DEFAULT_BUS {
        format!("arn:aws:events:{region}:{ACCOUNT_ID}:rule/{name}")
    } else {
        format!("arn:aws:events:{region}:{ACCOUNT_ID}:rule/{bus}/{name}")
    }
}

/// `ResourceNotFoundException` for a bus.
pub fn no_bus(bus: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        format!("Event bus {bus} does not exist."),
    )
}

/// `ResourceNotFoundException` for a rule.
pub fn no_rule(bus: &str, name: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        format!("Rule {name} does not exist on EventBus {bus}."),
    )
}

impl Region {
    fn new(region: &str, now_ms: u64) -> Region {
        let default = Bus {
            name: DEFAULT_BUS.to_string(),
            arn: bus_arn(region, DEFAULT_BUS),
            description: None,
            created_ms: now_ms,
            tags: BTreeMap::new(),
            rules: BTreeMap::new(),
        };
        Region {
            buses: BTreeMap::from([(DEFAULT_BUS.to_string(), default)]),
        }
    }

    /// A bus, or `ResourceNotFoundException`.
    pub fn bus(&self, bus: &str) -> AwsResult<&Bus> {
        self.buses.get(bus).ok_or_else(|| no_bus(bus))
    }

    /// A rule, or `ResourceNotFoundException`.
    pub fn rule(&self, bus: &str, name: &str) -> AwsResult<&Rule> {
        self.bus(bus)?
            .rules
            .get(name)
            .ok_or_else(|| no_rule(bus, name))
    }

    /// The tags of a resource, or `ResourceNotFoundException`.
    pub fn tags(&self, resource: &Resource) -> AwsResult<&BTreeMap<String, String>> {
        match resource {
            Resource::Bus { bus } => Ok(&self.bus(bus)?.tags),
            Resource::Rule { bus, name } => Ok(&self.rule(bus, name)?.tags),
        }
    }

    fn tags_mut(&mut self, resource: &Resource) -> Result<&mut BTreeMap<String, String>, String> {
        match resource {
            Resource::Bus { bus } => self.buses.get_mut(bus).map(|b| &mut b.tags),
            Resource::Rule { bus, name } => self
                .buses
                .get_mut(bus)
                .and_then(|b| b.rules.get_mut(name))
                .map(|r| &mut r.tags),
        }
        .ok_or_else(|| format!("no resource {resource:?}"))
    }

    fn rule_mut(&mut self, bus: &str, name: &str) -> Result<&mut Rule, String> {
        self.buses
            .get_mut(bus)
            .and_then(|b| b.rules.get_mut(name))
            .ok_or_else(|| format!("no rule {name} on bus {bus}"))
    }

    fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::PutRule { rule, .. } => {
                let bus = self
                    .buses
                    .get_mut(&rule.bus)
                    .ok_or_else(|| format!("no bus {}", rule.bus))?;
                let pattern = match &rule.event_pattern {
                    Some(text) => Some(Arc::new(Pattern::parse(text).map_err(|e| e.to_string())?)),
                    None => None,
                };
                let previous = bus.rules.remove(&rule.name);
                let (targets, mut tags) = previous.map(|p| (p.targets, p.tags)).unwrap_or_default();
                tags.extend(rule.tags.clone());
                bus.rules.insert(
                    rule.name.clone(),
                    Rule {
                        targets,
                        tags,
                        pattern,
                        ..rule
                    },
                );
            }
            Change::DeleteRule { bus, name, .. } => {
                if let Some(bus) = self.buses.get_mut(&bus) {
                    bus.rules.remove(&name);
                }
            }
            Change::SetRuleState {
                bus, name, state, ..
            } => self.rule_mut(&bus, &name)?.state = state,
            Change::PutTargets {
                bus, rule, targets, ..
            } => {
                let rule = self.rule_mut(&bus, &rule)?;
                for target in targets {
                    match rule.targets.iter_mut().find(|t| t.id == target.id) {
                        Some(existing) => *existing = target,
                        None => rule.targets.push(target),
                    }
                }
            }
            Change::RemoveTargets { bus, rule, ids, .. } => {
                self.rule_mut(&bus, &rule)?
                    .targets
                    .retain(|t| !ids.contains(&t.id));
            }
            Change::CreateBus { bus, .. } => {
                self.buses.insert(bus.name.clone(), bus);
            }
            Change::DeleteBus { name, .. } => {
                self.buses.remove(&name);
            }
            Change::Tag { resource, tags, .. } => self.tags_mut(&resource)?.extend(tags),
            Change::Untag { resource, keys, .. } => {
                let tags = self.tags_mut(&resource)?;
                keys.iter().for_each(|k| {
                    tags.remove(k);
                });
            }
        }
        Ok(())
    }
}

impl Change {
    fn region(&self) -> &str {
        match self {
            Change::PutRule { region, .. }
            | Change::DeleteRule { region, .. }
            | Change::SetRuleState { region, .. }
            | Change::PutTargets { region, .. }
            | Change::RemoveTargets { region, .. }
            | Change::CreateBus { region, .. }
            | Change::DeleteBus { region, .. }
            | Change::Tag { region, .. }
            | Change::Untag { region, .. } => region,
        }
    }
}

impl Journaled for State {
    type Change = Change;

    /// Applies a change: the one function both live writes and replay go through.
    fn apply(&mut self, change: Change) -> Result<(), String> {
        let region = change.region().to_string();
        self.region(&region).apply(change)
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Change)) {
        let mut regions: Vec<_> = self.regions.iter().collect();
        regions.sort_by_key(|(name, _)| *name);
        for (region, state) in regions {
            for bus in state.buses.values() {
                emit(Change::CreateBus {
                    region: region.clone(),
                    bus: Bus {
                        rules: BTreeMap::new(),
                        ..bus.clone()
                    },
                });
                for rule in bus.rules.values() {
                    emit(Change::PutRule {
                        region: region.clone(),
                        rule: rule.clone(),
                    });
                    emit(Change::PutTargets {
                        region: region.clone(),
                        bus: bus.name.clone(),
                        rule: rule.name.clone(),
                        targets: rule.targets.clone(),
                    });
                }
            }
        }
    }
}

impl State {
    /// A region's state, created (with its default bus) on first use.
    pub fn region(&mut self, region: &str) -> &mut Region {
        self.regions
            .entry(region.to_string())
            .or_insert_with(|| Region::new(region, crate::protocol::now_ms()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(bus: &str, name: &str, pattern: &str) -> Rule {
        Rule {
            name: name.to_string(),
            bus: bus.to_string(),
            arn: rule_arn("us-east-1", bus, name),
            event_pattern: Some(pattern.to_string()),
            schedule_expression: None,
            state: RuleState::Enabled,
            description: None,
            role_arn: None,
            tags: BTreeMap::new(),
            targets: Vec::new(),
            pattern: None,
        }
    }

    #[test]
    fn changes_replay_through_serde_to_the_same_state() {
        let target = Target {
            id: "t1".into(),
            arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
            role_arn: None,
            input: None,
            input_path: Some("$.detail".into()),
            input_transformer: None,
            retry_policy: Some(RetryPolicy {
                maximum_retry_attempts: Some(3),
                maximum_event_age_seconds: None,
            }),
            dead_letter_arn: None,
        };
        let changes = vec![
            Change::PutRule {
                region: "us-east-1".into(),
                rule: rule(DEFAULT_BUS, "r", r#"{"source": ["a"]}"#),
            },
            Change::PutTargets {
                region: "us-east-1".into(),
                bus: DEFAULT_BUS.into(),
                rule: "r".into(),
                targets: vec![target.clone()],
            },
            Change::SetRuleState {
                region: "us-east-1".into(),
                bus: DEFAULT_BUS.into(),
                name: "r".into(),
                state: RuleState::Disabled,
            },
        ];
        let mut live = State::default();
        let mut replayed = State::default();
        for change in changes {
            let text = serde_json::to_value(&change).unwrap();
            live.apply(change).unwrap();
            replayed
                .apply(serde_json::from_value(text).unwrap())
                .unwrap();
        }
        let a = live
            .region("us-east-1")
            .rule(DEFAULT_BUS, "r")
            .unwrap()
            .clone();
        let b = replayed
            .region("us-east-1")
            .rule(DEFAULT_BUS, "r")
            .unwrap()
            .clone();
        assert_eq!(a, b);
        assert_eq!(b.targets, vec![target]);
        assert!(!b.is_enabled());
        assert!(b.matches(&serde_json::json!({"source": "a"})));
    }

    #[test]
    fn arns_follow_aws() {
        assert_eq!(
            rule_arn("eu-west-1", "default", "r"),
            "arn:aws:events:eu-west-1:123456789012:rule/r"
        );
        assert_eq!(
            rule_arn("eu-west-1", "orders", "r"),
            "arn:aws:events:eu-west-1:123456789012:rule/orders/r"
        );
        assert_eq!(
            bus_arn("eu-west-1", "orders"),
            "arn:aws:events:eu-west-1:123456789012:event-bus/orders"
        );
    }
}
