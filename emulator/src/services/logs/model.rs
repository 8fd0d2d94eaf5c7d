//! CloudWatch Logs' state and behaviour: log groups per region, their streams, and the events
//! in each stream kept in timestamp order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{AwsError, AwsResult};
use crate::protocol::validation::{self, rule, Shown};
use crate::services::store::Journaled;

/// The retention periods AWS accepts, in days.
pub const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// One log group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogGroup {
    /// The name.
    pub name: String,
    /// Creation time, milliseconds since the epoch.
    pub created: i64,
    /// Days events are kept (`None`: forever).
    pub retention_days: Option<i64>,
    /// The KMS key, when one was given.
    pub kms_key_id: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Streams, by name.
    pub streams: BTreeMap<String, LogStream>,
}

/// A CreateLogGroup request, checked: the group, its KMS key and its tags.
#[derive(Debug, Clone)]
pub struct NewGroup {
    /// The group (its name checked).
    pub id: GroupId,
    /// `kmsKeyId`.
    pub kms_key_id: Option<String>,
    /// `tags`.
    pub tags: BTreeMap<String, String>,
}

/// One log stream.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogStream {
    /// The name.
    pub name: String,
    /// Creation time, milliseconds since the epoch.
    pub created: i64,
    /// The events, in timestamp order (ties in arrival order).
    pub events: Vec<Event>,
    /// When events last arrived.
    pub last_ingestion: Option<i64>,
}

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened, milliseconds since the epoch.
    pub timestamp: i64,
    /// The message.
    pub message: String,
    /// When it arrived.
    pub ingestion_time: i64,
}

/// Where a log group lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupId {
    /// The region.
    pub region: String,
    /// The name.
    pub name: String,
}

/// A journaled change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Change {
    /// A log group created (empty).
    CreateGroup(GroupId, LogGroup),
    /// A log group deleted with everything in it.
    DeleteGroup(GroupId),
    /// Retention set (`None` removes it).
    SetRetention(GroupId, Option<i64>),
    /// A stream created.
    CreateStream(GroupId, LogStream),
    /// A stream deleted.
    DeleteStream(GroupId, String),
    /// Events added to a stream at an ingestion time.
    PutEvents(GroupId, String, Vec<Event>, i64),
    /// Tags added or replaced.
    Tag(GroupId, BTreeMap<String, String>),
    /// Tags removed.
    Untag(GroupId, Vec<String>),
}

/// Every region's log groups.
#[derive(Debug, Default)]
pub struct State {
    regions: BTreeMap<String, BTreeMap<String, LogGroup>>,
}

impl Journaled for State {
    type Change = Change;

    fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::CreateGroup(id, group) => {
                self.regions
                    .entry(id.region)
                    .or_default()
                    .insert(id.name, group);
            }
            Change::DeleteGroup(id) => {
                if let Some(groups) = self.regions.get_mut(&id.region) {
                    groups.remove(&id.name);
                }
            }
            Change::SetRetention(id, days) => {
                if let Some(group) = self.group_mut(&id) {
                    group.retention_days = days;
                }
            }
            Change::CreateStream(id, stream) => {
                if let Some(group) = self.group_mut(&id) {
                    group.streams.insert(stream.name.clone(), stream);
                }
            }
            Change::DeleteStream(id, name) => {
                if let Some(group) = self.group_mut(&id) {
                    group.streams.remove(&name);
                }
            }
            Change::PutEvents(id, name, events, ingestion) => {
                let stream = self.group_mut(&id).and_then(|g| g.streams.get_mut(&name));
                if let Some(stream) = stream {
                    for event in events {
                        let at = stream
                            .events
                            .partition_point(|e| e.timestamp <= event.timestamp);
                        stream.events.insert(at, event);
                    }
                    stream.last_ingestion = Some(ingestion);
                }
            }
            Change::Tag(id, tags) => {
                if let Some(group) = self.group_mut(&id) {
                    group.tags.extend(tags);
                }
            }
            Change::Untag(id, keys) => {
                if let Some(group) = self.group_mut(&id) {
                    for key in keys {
                        group.tags.remove(&key);
                    }
                }
            }
        }
        Ok(())
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Change)) {
        for (region, groups) in &self.regions {
            for group in groups.values() {
                let id = GroupId {
                    region: region.clone(),
                    name: group.name.clone(),
                };
                emit(Change::CreateGroup(id, group.clone()));
            }
        }
    }
}

impl State {
    fn group_mut(&mut self, id: &GroupId) -> Option<&mut LogGroup> {
        self.regions.get_mut(&id.region)?.get_mut(&id.name)
    }

    /// A log group, or `ResourceNotFoundException`.
    pub fn group(&self, id: &GroupId) -> AwsResult<&LogGroup> {
        self.regions
            .get(&id.region)
            .and_then(|groups| groups.get(&id.name))
            .ok_or_else(|| not_found("The specified log group does not exist."))
    }

    /// A stream of a log group, or `ResourceNotFoundException`.
    pub fn stream(&self, id: &GroupId, name: &str) -> AwsResult<&LogStream> {
        self.group(id)?
            .streams
            .get(name)
            .ok_or_else(|| not_found("The specified log stream does not exist."))
    }

    /// The log groups of a region, by name.
    pub fn groups(&self, region: &str) -> impl Iterator<Item = &LogGroup> {
        self.regions
            .get(region)
            .into_iter()
            .flat_map(|g| g.values())
    }

    /// The change that creates a log group.
    pub fn create_group(&self, id: GroupId, group: LogGroup) -> AwsResult<Change> {
        if self.group(&id).is_ok() {
            return Err(AwsError::new(
                "ResourceAlreadyExistsException",
                "The specified log group already exists",
            ));
        }
        Ok(Change::CreateGroup(id, group))
    }

    /// The change that deletes a log group (with its streams).
    pub fn delete_group(&self, id: &GroupId) -> AwsResult<Change> {
        self.group(id).map(|_| Change::DeleteGroup(id.clone()))
    }

    /// The change that sets a log group's retention (`None`: events are kept forever), one of
    /// [`RETENTION_DAYS`].
    pub fn set_retention(&self, id: &GroupId, days: Option<i64>) -> AwsResult<Change> {
        if let Some(days) = days {
            check_retention(days)?;
        }
        self.group(id)
            .map(|_| Change::SetRetention(id.clone(), days))
    }

    /// The change that creates a stream.
    pub fn create_stream(&self, id: GroupId, stream: LogStream) -> AwsResult<Change> {
        if self.group(&id)?.streams.contains_key(&stream.name) {
            return Err(AwsError::new(
                "ResourceAlreadyExistsException",
                "The specified log stream already exists",
            ));
        }
        Ok(Change::CreateStream(id, stream))
    }
}

/// `ResourceNotFoundException` (400, as Logs sends it).
pub fn not_found(message: &str) -> AwsError {
    AwsError::new("ResourceNotFoundException", message)
}

/// Whether a message matches a filter pattern of terms: every plain term must occur, `-term`
/// must not, and of `?term`s at least one must; `"quoted phrases"` are one term. Matching is
/// by substring and case-sensitive (JSON and space-delimited patterns are refused earlier).
pub fn matches(pattern: &[Term], message: &str) -> bool {
    let mut any_optional = false;
    let mut optional_hit = false;
    for term in pattern {
        match term {
            Term::Required(t) if !message.contains(t.as_str()) => return false,
            Term::Excluded(t) if message.contains(t.as_str()) => return false,
            Term::Optional(t) => {
                any_optional = true;
                optional_hit |= message.contains(t.as_str());
            }
            _ => {}
        }
    }
    !any_optional || optional_hit
}

/// One term of a filter pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Must occur.
    Required(String),
    /// Must not occur (`-term`).
    Excluded(String),
    /// One of these must occur (`?term`).
    Optional(String),
}

/// Splits a filter pattern into terms; `None` for JSON (`{…}`) and space-delimited (`[…]`)
/// patterns, which the emulator does not evaluate.
pub fn parse_pattern(pattern: &str) -> Option<Vec<Term>> {
    let trimmed = pattern.trim();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return None;
    }
    let mut terms = Vec::new();
    let mut chars = trimmed.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let kind = match c {
            '-' | '?' => {
                chars.next();
                c
            }
            _ => ' ',
        };
        let mut text = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                text.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                text.push(c);
                chars.next();
            }
        }
        terms.push(match kind {
            '-' => Term::Excluded(text),
            '?' => Term::Optional(text),
            _ => Term::Required(text),
        });
    }
    Some(terms)
}

/// A log group name (`member` names it in the message): 1 to 512 of `[.-_/#A-Za-z0-9]`.
pub fn check_group_name(member: &str, name: &str) -> AwsResult<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/#".contains(c);
    if (1..=512).contains(&name.len()) && name.chars().all(allowed) {
        Ok(())
    } else {
        Err(invalid(validation::message(
            member,
            Shown::Value(name),
            &rule::pattern("[\\.\\-_/#A-Za-z0-9]+"),
        )))
    }
}

/// A retention of `days`: one of [`RETENTION_DAYS`].
pub fn check_retention(days: i64) -> AwsResult<()> {
    if RETENTION_DAYS.contains(&days) {
        Ok(())
    } else {
        Err(invalid(validation::message(
            "retentionInDays",
            Shown::Value(&days.to_string()),
            &format!("Member must satisfy enum value set: {RETENTION_DAYS:?}"),
        )))
    }
}

/// `InvalidParameterException`.
pub fn invalid(message: String) -> AwsError {
    AwsError::new("InvalidParameterException", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_patterns_of_terms() {
        let p = parse_pattern(r#"ERROR "disk full" -ignored"#).unwrap();
        assert!(matches(&p, "ERROR: disk full on /dev/sda"));
        assert!(!matches(&p, "ERROR: disk nearly full"));
        assert!(!matches(&p, "ERROR disk full (ignored)"));
        let p = parse_pattern("?WARN ?ERROR").unwrap();
        assert!(matches(&p, "a WARN b"));
        assert!(!matches(&p, "INFO only"));
        assert!(matches(&parse_pattern("").unwrap(), "anything"));
        assert!(parse_pattern("{ $.level = \"x\" }").is_none());
    }

    #[test]
    fn events_stay_in_timestamp_order() {
        let mut state = State::default();
        let id = GroupId {
            region: "us-east-1".into(),
            name: "g".into(),
        };
        state
            .apply(Change::CreateGroup(id.clone(), LogGroup::default()))
            .unwrap();
        let stream = LogStream {
            name: "s".into(),
            ..LogStream::default()
        };
        state
            .apply(Change::CreateStream(id.clone(), stream))
            .unwrap();
        let event = |t: i64, m: &str| Event {
            timestamp: t,
            message: m.into(),
            ingestion_time: 0,
        };
        for (events, ingested) in [
            (vec![event(5, "b"), event(9, "c")], 1),
            (vec![event(1, "a"), event(5, "b2")], 2),
        ] {
            let change = Change::PutEvents(id.clone(), "s".into(), events, ingested);
            state.apply(change).unwrap();
        }
        let messages: Vec<_> = state
            .stream(&id, "s")
            .unwrap()
            .events
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(messages, ["a", "b", "b2", "c"]);
    }
}
