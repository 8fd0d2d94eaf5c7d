//! CloudWatch Logs' wire protocol (awsJson 1.1): reading each operation's members with the
//! model's constraints, and writing its JSON output. Timestamps are milliseconds.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::json::{lower_first, missing, Input};
use crate::protocol::pagination::OffsetToken;
use crate::protocol::validation::{self, rule, Shown};
use crate::request::RequestContext;
use crate::services::store::Store;

use super::model::{
    check_group_name, invalid, matches, parse_pattern, Change, Event, GroupId, LogGroup, LogStream,
    NewGroup, State,
};

/// Events older than this are rejected by PutLogEvents (14 days).
const TOO_OLD_MS: i64 = 14 * 24 * 3600 * 1000;
/// Events further ahead than this are rejected by PutLogEvents (2 hours).
const TOO_NEW_MS: i64 = 2 * 3600 * 1000;

/// Runs one operation.
pub fn call(
    store: &Store<State>,
    cloud: &Cloud,
    ctx: &RequestContext,
    operation: &str,
    input: &Map<String, Value>,
) -> AwsResult<Value> {
    let input = Input(input);
    let empty = || Ok(json!({}));
    match operation {
        "CreateLogGroup" => {
            cloud.logs.create_group(cloud, new_group(ctx, input)?)?;
            empty()
        }
        "DeleteLogGroup" => {
            let id = group_id(ctx, group_name(&input, "logGroupName")?);
            cloud.logs.delete_group(cloud, &id)?;
            empty()
        }
        "DescribeLogGroups" => describe_log_groups(store, ctx, &input),
        "PutRetentionPolicy" => {
            let id = group_id(ctx, group_name(&input, "logGroupName")?);
            cloud
                .logs
                .set_retention(cloud, &id, Some(retention_days(input)?))?;
            empty()
        }
        "DeleteRetentionPolicy" => {
            let id = group_id(ctx, group_name(&input, "logGroupName")?);
            cloud.logs.set_retention(cloud, &id, None)?;
            empty()
        }
        "CreateLogStream" => {
            let id = group_id(ctx, group_name(&input, "logGroupName")?);
            let stream = LogStream {
                name: stream_name(input.str("logStreamName")?)?.to_string(),
                created: now_ms(),
                ..LogStream::default()
            };
            store.write(cloud, |s| s.create_stream(id, stream))?;
            empty()
        }
        "DeleteLogStream" => {
            let id = group_id(ctx, group_name(&input, "logGroupName")?);
            let name = input.str("logStreamName")?;
            store.write(cloud, |s| {
                s.stream(&id, name)
                    .map(|_| Change::DeleteStream(id.clone(), name.to_string()))
            })?;
            empty()
        }
        "DescribeLogStreams" => describe_log_streams(store, ctx, &input),
        "PutLogEvents" => put_log_events(store, cloud, ctx, &input),
        "GetLogEvents" => get_log_events(store, ctx, &input),
        "FilterLogEvents" => filter_log_events(store, ctx, &input),
        "TagResource" | "TagLogGroup" => {
            let id = match operation {
                "TagResource" => group_of_arn(input.str("resourceArn")?)?,
                _ => group_id(ctx, group_name(&input, "logGroupName")?),
            };
            let tags = string_map(&input, "tags")?;
            store.write(cloud, |s| {
                s.group(&id).map(|_| Change::Tag(id.clone(), tags))
            })?;
            empty()
        }
        "UntagResource" | "UntagLogGroup" => {
            let (id, member) = match operation {
                "UntagResource" => (group_of_arn(input.str("resourceArn")?)?, "tagKeys"),
                _ => (group_id(ctx, group_name(&input, "logGroupName")?), "tags"),
            };
            let keys = string_list(&input, member)?;
            store.write(cloud, |s| {
                s.group(&id).map(|_| Change::Untag(id.clone(), keys))
            })?;
            empty()
        }
        "ListTagsForResource" | "ListTagsLogGroup" => {
            let id = match operation {
                "ListTagsForResource" => group_of_arn(input.str("resourceArn")?)?,
                _ => group_id(ctx, group_name(&input, "logGroupName")?),
            };
            store.read(|s| Ok(json!({ "tags": s.group(&id)?.tags })))
        }
        other => Err(AwsError::unknown_operation(other)),
    }
}

/// A CreateLogGroup input (or a log group's properties, put in its shape) read and checked.
pub(crate) fn new_group(ctx: &RequestContext, input: Input<'_>) -> AwsResult<NewGroup> {
    Ok(NewGroup {
        id: group_id(ctx, group_name(&input, "logGroupName")?),
        kms_key_id: input.opt_str("kmsKeyId")?.map(str::to_string),
        tags: string_map(&input, "tags")?,
    })
}

/// PutRetentionPolicy's `retentionInDays` (required, a number).
pub(crate) fn retention_days(input: Input<'_>) -> AwsResult<i64> {
    input
        .opt_i64("retentionInDays")?
        .ok_or_else(|| missing("retentionInDays"))
}

fn describe_log_groups(
    store: &Store<State>,
    ctx: &RequestContext,
    input: &Input<'_>,
) -> AwsResult<Value> {
    let prefix = input.opt_str("logGroupNamePrefix")?;
    let pattern = input.opt_str("logGroupNamePattern")?;
    if prefix.is_some() && pattern.is_some() {
        return Err(invalid(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
                .into(),
        ));
    }
    let limit = limit(input, 50)?;
    let start = offset(input)?;
    store.read(|s| {
        let groups: Vec<&LogGroup> = s
            .groups(&ctx.region)
            .filter(|g| prefix.is_none_or(|p| g.name.starts_with(p)))
            .filter(|g| pattern.is_none_or(|p| g.name.to_lowercase().contains(&p.to_lowercase())))
            .collect();
        let page: Vec<Value> = groups
            .iter()
            .skip(start)
            .take(limit)
            .map(|g| {
                let arn = ctx.arn("logs", &format!("log-group:{}", g.name));
                let stored: usize = g
                    .streams
                    .values()
                    .flat_map(|s| &s.events)
                    .map(|e| e.message.len())
                    .sum();
                let mut out = json!({
                    "logGroupName": g.name,
                    "creationTime": g.created,
                    "metricFilterCount": 0,
                    "arn": format!("{arn}:*"),
                    "logGroupArn": arn,
                    "storedBytes": stored,
                    "logGroupClass": "STANDARD",
                });
                if let Some(days) = g.retention_days {
                    out["retentionInDays"] = json!(days);
                }
                if let Some(key) = &g.kms_key_id {
                    out["kmsKeyId"] = json!(key);
                }
                out
            })
            .collect();
        Ok(with_token(
            json!({ "logGroups": page }),
            start + limit,
            groups.len(),
        ))
    })
}

fn describe_log_streams(
    store: &Store<State>,
    ctx: &RequestContext,
    input: &Input<'_>,
) -> AwsResult<Value> {
    let id = identified_group(ctx, input)?;
    let prefix = input.opt_str("logStreamNamePrefix")?;
    let by_time = match input.opt_str("orderBy")? {
        None | Some("LogStreamName") => false,
        Some("LastEventTime") => true,
        Some(other) => {
            return Err(invalid(validation::message(
                "orderBy",
                Shown::Value(other),
                &rule::one_of(&["LogStreamName", "LastEventTime"]),
            )))
        }
    };
    if by_time && prefix.is_some() {
        return Err(invalid(
            "Cannot order by LastEventTime with a logStreamNamePrefix.".into(),
        ));
    }
    let descending = input.opt_bool("descending")?.unwrap_or(false);
    let limit = limit(input, 50)?;
    let start = offset(input)?;
    store.read(|s| {
        let mut streams: Vec<&LogStream> = s
            .group(&id)?
            .streams
            .values()
            .filter(|st| prefix.is_none_or(|p| st.name.starts_with(p)))
            .collect();
        if by_time {
            streams.sort_by_key(|st| st.events.last().map(|e| e.timestamp));
        }
        if descending {
            streams.reverse();
        }
        let page: Vec<Value> = streams
            .iter()
            .skip(start)
            .take(limit)
            .map(|st| {
                let mut out = json!({
                    "logStreamName": st.name,
                    "creationTime": st.created,
                    "arn": ctx.arn("logs", &format!("log-group:{}:log-stream:{}", id.name, st.name)),
                    "storedBytes": 0,
                });
                if let (Some(first), Some(last)) = (st.events.first(), st.events.last()) {
                    out["firstEventTimestamp"] = json!(first.timestamp);
                    out["lastEventTimestamp"] = json!(last.timestamp);
                }
                if let Some(ingestion) = st.last_ingestion {
                    out["lastIngestionTime"] = json!(ingestion);
                    out["uploadSequenceToken"] = json!(sequence_token(st.events.len()));
                }
                out
            })
            .collect();
        Ok(with_token(json!({ "logStreams": page }), start + limit, streams.len()))
    })
}

fn put_log_events(
    store: &Store<State>,
    cloud: &Cloud,
    ctx: &RequestContext,
    input: &Input<'_>,
) -> AwsResult<Value> {
    let id = group_id(ctx, group_name(input, "logGroupName")?);
    let stream = input.str("logStreamName")?;
    let raw = input
        .opt_array("logEvents")?
        .ok_or_else(|| missing("logEvents"))?;
    if raw.is_empty() || raw.len() > 10_000 {
        return Err(invalid(validation::message(
            "logEvents",
            Shown::Hidden,
            &format!(
                "Member must have length between 1 and 10000 (it has {})",
                raw.len()
            ),
        )));
    }
    let now = now_ms();
    let mut events = Vec::with_capacity(raw.len());
    for value in raw {
        let event = Input(
            value
                .as_object()
                .ok_or_else(|| invalid("Each log event must be an object".into()))?,
        );
        let timestamp = event
            .opt_i64("timestamp")?
            .ok_or_else(|| missing("timestamp"))?;
        let message = event.str("message")?.to_string();
        if events
            .last()
            .is_some_and(|e: &Event| e.timestamp > timestamp)
        {
            return Err(invalid(
                "Log events in a single PutLogEvents request must be in chronological order."
                    .into(),
            ));
        }
        events.push(Event {
            timestamp,
            message,
            ingestion_time: now,
        });
    }
    let retention = store.read(|s| Ok(s.group(&id)?.retention_days))?;
    let expired_before = retention.map(|days| now - days * 24 * 3600 * 1000);
    let too_old = events.iter().rposition(|e| e.timestamp < now - TOO_OLD_MS);
    let expired = expired_before.and_then(|t| events.iter().rposition(|e| e.timestamp < t));
    let too_new = events.iter().position(|e| e.timestamp > now + TOO_NEW_MS);
    let first_kept = too_old.max(expired).map_or(0, |i| i + 1);
    let end_kept = too_new.unwrap_or(events.len()).max(first_kept);
    let kept: Vec<Event> = events[first_kept..end_kept].to_vec();
    let count = store.write_with(cloud, |s| {
        let total = s.stream(&id, stream)?.events.len() + kept.len();
        Ok((
            Change::PutEvents(id.clone(), stream.to_string(), kept, now),
            total,
        ))
    })?;
    let mut out = json!({ "nextSequenceToken": sequence_token(count) });
    let mut rejected = Map::new();
    if let Some(i) = too_new {
        rejected.insert("tooNewLogEventStartIndex".into(), json!(i));
    }
    if let Some(i) = too_old {
        rejected.insert("tooOldLogEventEndIndex".into(), json!(i));
    }
    if let Some(i) = expired {
        rejected.insert("expiredLogEventEndIndex".into(), json!(i));
    }
    if !rejected.is_empty() {
        out["rejectedLogEventsInfo"] = Value::Object(rejected);
    }
    Ok(out)
}

/// GetLogEvents: tokens are `f/<position>` (forward from) and `b/<position>` (backward to) in
/// the stream's events within the time range; at the end, the token given comes back.
fn get_log_events(
    store: &Store<State>,
    ctx: &RequestContext,
    input: &Input<'_>,
) -> AwsResult<Value> {
    let id = identified_group(ctx, input)?;
    let name = input.str("logStreamName")?;
    let (start_time, end_time) = (input.opt_i64("startTime")?, input.opt_i64("endTime")?);
    let limit = limit(input, 10_000)?;
    let from_head = input.opt_bool("startFromHead")?.unwrap_or(false);
    let token = input.opt_str("nextToken")?;
    store.read(|s| {
        let events: Vec<&Event> = s
            .stream(&id, name)?
            .events
            .iter()
            .filter(|e| in_range(e.timestamp, start_time, end_time))
            .collect();
        let bad_token = || invalid("The specified nextToken is invalid.".into());
        let (forward, at) = match token {
            Some(token) => {
                let (direction, position) = token.split_once('/').ok_or_else(bad_token)?;
                let position: usize = position.parse().map_err(|_| bad_token())?;
                match direction {
                    "f" => (true, position.min(events.len())),
                    "b" => (false, position.min(events.len())),
                    _ => return Err(bad_token()),
                }
            }
            None if from_head => (true, 0),
            None => (false, events.len()),
        };
        let (first, last) = if forward {
            (at, (at + limit).min(events.len()))
        } else {
            (at.saturating_sub(limit), at)
        };
        let page: Vec<Value> = events[first..last]
            .iter()
            .map(|e| json!({ "timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time }))
            .collect();
        Ok(json!({
            "events": page,
            "nextForwardToken": format!("f/{last}"),
            "nextBackwardToken": format!("b/{first}"),
        }))
    })
}

fn filter_log_events(
    store: &Store<State>,
    ctx: &RequestContext,
    input: &Input<'_>,
) -> AwsResult<Value> {
    let id = identified_group(ctx, input)?;
    let names = match input.opt_array("logStreamNames")? {
        Some(_) => Some(string_list(input, "logStreamNames")?),
        None => None,
    };
    let prefix = input.opt_str("logStreamNamePrefix")?;
    if names.is_some() && prefix.is_some() {
        return Err(invalid(
            "You cannot specify both logStreamNames and logStreamNamePrefix.".into(),
        ));
    }
    let pattern = input.opt_str("filterPattern")?.unwrap_or_default();
    let terms = parse_pattern(pattern).ok_or_else(|| {
        invalid("The emulator evaluates filter patterns of terms only (not JSON or space-delimited patterns).".into())
    })?;
    let (start_time, end_time) = (input.opt_i64("startTime")?, input.opt_i64("endTime")?);
    let limit = limit(input, 10_000)?;
    let start = offset(input)?;
    store.read(|s| {
        let group = s.group(&id)?;
        let streams: Vec<(usize, &LogStream)> = group
            .streams
            .values()
            .enumerate()
            .filter(|(_, st)| names.as_ref().is_none_or(|n| n.contains(&st.name)))
            .filter(|(_, st)| prefix.is_none_or(|p| st.name.starts_with(p)))
            .collect();
        let mut found: Vec<(usize, &LogStream, usize, &Event)> = streams
            .iter()
            .flat_map(|(n, st)| {
                st.events
                    .iter()
                    .enumerate()
                    .map(move |(i, e)| (*n, *st, i, e))
            })
            .filter(|(_, _, _, e)| {
                in_range(e.timestamp, start_time, end_time) && matches(&terms, &e.message)
            })
            .collect();
        found.sort_by_key(|(n, _, i, e)| (e.timestamp, *n, *i));
        let page: Vec<Value> = found
            .iter()
            .skip(start)
            .take(limit)
            .map(|(n, st, i, e)| {
                json!({
                    "logStreamName": st.name,
                    "timestamp": e.timestamp,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time,
                    "eventId": format!("{:020}{n:06}{i:010}", e.timestamp),
                })
            })
            .collect();
        let searched: Vec<Value> = streams
            .iter()
            .map(|(_, st)| json!({ "logStreamName": st.name, "searchedCompletely": true }))
            .collect();
        Ok(with_token(
            json!({ "events": page, "searchedLogStreams": searched }),
            start + limit,
            found.len(),
        ))
    })
}

fn in_range(timestamp: i64, start: Option<i64>, end: Option<i64>) -> bool {
    start.is_none_or(|s| timestamp >= s) && end.is_none_or(|e| timestamp <= e)
}

/// Adds `nextToken` when the list goes on past `next`.
fn with_token(mut out: Value, next: usize, total: usize) -> Value {
    if next < total {
        out["nextToken"] = json!(TOKENS.encode(next));
    }
    out
}

/// CloudWatch Logs' list tokens: the position, base64-encoded.
const TOKENS: OffsetToken = OffsetToken("");

/// Where a page starts: the position in `nextToken` (0 without one).
fn offset(input: &Input<'_>) -> AwsResult<usize> {
    match input.opt_str("nextToken")? {
        None => Ok(0),
        Some(token) => TOKENS
            .decode(token)
            .ok_or_else(|| invalid("The specified nextToken is invalid.".into())),
    }
}

/// `limit`, 1 to `max` (the default).
fn limit(input: &Input<'_>, max: usize) -> AwsResult<usize> {
    match input.opt_i64("limit")? {
        None => Ok(max),
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        Some(n) => Err(invalid(validation::message(
            "limit",
            Shown::Value(&n.to_string()),
            &rule::value_between(1, max),
        ))),
    }
}

fn sequence_token(count: usize) -> String {
    format!("{count:056}")
}

fn group_id(ctx: &RequestContext, name: &str) -> GroupId {
    GroupId {
        region: ctx.region.clone(),
        name: name.to_string(),
    }
}

/// `logGroupName` or `logGroupIdentifier` (a name or an ARN): exactly one.
fn identified_group(ctx: &RequestContext, input: &Input<'_>) -> AwsResult<GroupId> {
    match (
        input.opt_str("logGroupName")?,
        input.opt_str("logGroupIdentifier")?,
    ) {
        (Some(_), Some(_)) => Err(invalid(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.".into(),
        )),
        (Some(_), None) => Ok(group_id(ctx, group_name(input, "logGroupName")?)),
        (None, Some(id)) if id.starts_with("arn:") => group_of_arn(id),
        (None, Some(_)) => Ok(group_id(ctx, group_name(input, "logGroupIdentifier")?)),
        (None, None) => Err(invalid(
            "Should provide either logGroupName or logGroupIdentifier.".into(),
        )),
    }
}

/// `arn:aws:logs:<region>:<account>:log-group:<name>[:*]` → the group.
fn group_of_arn(arn: &str) -> AwsResult<GroupId> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "logs", region, _, "log-group", rest] => Ok(GroupId {
            region: region.to_string(),
            name: rest.trim_end_matches(":*").to_string(),
        }),
        _ => Err(invalid(format!("Invalid ARN: {arn}"))),
    }
}

/// A log group name member: 1 to 512 of `[.-_/#A-Za-z0-9]`.
fn group_name<'a>(input: &Input<'a>, member: &str) -> AwsResult<&'a str> {
    let name = input.str(member)?;
    check_group_name(&lower_first(member), name)?;
    Ok(name)
}

/// A log stream name: 1 to 512 characters, no `:` or `*`.
fn stream_name(name: &str) -> AwsResult<&str> {
    if (1..=512).contains(&name.len()) && !name.contains([':', '*']) {
        Ok(name)
    } else {
        Err(invalid(validation::message(
            "logStreamName",
            Shown::Value(name),
            &rule::pattern("[^:*]*"),
        )))
    }
}

fn string_map(input: &Input<'_>, member: &str) -> AwsResult<BTreeMap<String, String>> {
    let Some(map) = input.opt_object(member)? else {
        return Ok(BTreeMap::new());
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(invalid(format!("The value of tag '{k}' must be a string"))),
        })
        .collect()
}

fn string_list(input: &Input<'_>, member: &str) -> AwsResult<Vec<String>> {
    input
        .opt_array(member)?
        .ok_or_else(|| missing(member))?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| invalid(format!("Every member of '{member}' must be a string")))
        })
        .collect()
}

/// Now, in milliseconds since the epoch, as Logs' timestamps (signed) are.
pub(super) fn now_ms() -> i64 {
    crate::protocol::now_ms() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_their_group() {
        let id = group_of_arn("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x:*").unwrap();
        assert_eq!(
            (id.region.as_str(), id.name.as_str()),
            ("eu-west-1", "/aws/x")
        );
        assert_eq!(
            group_of_arn("arn:aws:s3:::b").unwrap_err().code,
            "InvalidParameterException"
        );
    }
}
