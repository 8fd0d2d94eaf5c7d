//! The context object (`$$`): facts about the execution, the state being run, the task token
//! and the Map item, built only when a path or template asks for it.

use serde_json::{json, Map, Value};

/// What the context object says about the execution (fixed for its whole run).
#[derive(Debug, Clone)]
pub(crate) struct ExecutionInfo {
    pub execution_arn: String,
    pub name: String,
    pub role_arn: String,
    pub input: Value,
    pub start_time: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub redrive_count: u64,
}

/// The context object as one state sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StateContext<'a> {
    pub execution: &'a ExecutionInfo,
    pub state_name: &'a str,
    pub entered_time: &'a str,
    /// `$$.State.RetryCount`, on Task, Parallel and Map states.
    pub retry_count: Option<u64>,
    pub task_token: Option<&'a str>,
    /// `$$.Map.Item` (index, value), while a Map state selects an item's input.
    pub map_item: Option<(usize, &'a Value)>,
}

/// How much of the context object an expression reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Need {
    /// Nothing (no `$$`).
    Nothing,
    /// Everything but `$$.Execution.Input`, which may be large.
    WithoutInput,
    /// Everything.
    Everything,
}

/// What the `$$` references in `text` read.
pub(crate) fn need_of(text: &str) -> Need {
    const WITHOUT_INPUT: &[&str] = &[
        ".Map",
        ".State",
        ".Task",
        ".Execution.Id",
        ".Execution.Name",
        ".Execution.StartTime",
        ".Execution.RoleArn",
        ".Execution.RedriveCount",
    ];
    let mut need = Need::Nothing;
    for (at, _) in text.match_indices("$$") {
        let rest = &text[at + 2..];
        if WITHOUT_INPUT.iter().any(|p| rest.starts_with(p)) {
            need = need.max(Need::WithoutInput);
        } else {
            return Need::Everything;
        }
    }
    need
}

impl StateContext<'_> {
    /// The `$$` document, with as much as `need` asks for.
    pub fn document(self, need: Need) -> Value {
        if need == Need::Nothing {
            return Value::Null;
        }
        let e = self.execution;
        let mut root = Map::new();
        let input = match need {
            Need::Everything => e.input.clone(),
            _ => Value::Null,
        };
        root.insert(
            "Execution".into(),
            json!({
                "Id": e.execution_arn,
                "Input": input,
                "StartTime": e.start_time,
                "Name": e.name,
                "RoleArn": e.role_arn,
                "RedriveCount": e.redrive_count,
            }),
        );
        root.insert(
            "StateMachine".into(),
            json!({"Id": e.state_machine_arn, "Name": e.state_machine_name}),
        );
        let mut state = Map::new();
        state.insert("Name".into(), Value::from(self.state_name));
        state.insert("EnteredTime".into(), Value::from(self.entered_time));
        if let Some(count) = self.retry_count {
            state.insert("RetryCount".into(), Value::from(count));
        }
        root.insert("State".into(), Value::Object(state));
        if let Some(token) = self.task_token {
            root.insert("Task".into(), json!({ "Token": token }));
        }
        if let Some((index, value)) = self.map_item {
            root.insert(
                "Map".into(),
                json!({"Item": {"Index": index, "Value": value}}),
            );
        }
        Value::Object(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_context_object() {
        let exec = ExecutionInfo {
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:sm:run".into(),
            name: "run".into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            input: json!({"a": 1}),
            start_time: "2024-01-01T00:00:00.000Z".into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm".into(),
            state_machine_name: "sm".into(),
            redrive_count: 0,
        };
        let item = json!("x");
        let ctx = StateContext {
            execution: &exec,
            state_name: "S",
            entered_time: "2024-01-01T00:00:01.000Z",
            retry_count: Some(2),
            task_token: Some("tok"),
            map_item: Some((3, &item)),
        };
        let v = ctx.document(Need::Everything);
        assert_eq!(v["Execution"]["Input"], json!({"a": 1}));
        assert_eq!(v["Execution"]["RedriveCount"], json!(0));
        assert_eq!(v["StateMachine"]["Name"], json!("sm"));
        assert_eq!(
            v["State"],
            json!({"Name": "S", "EnteredTime": "2024-01-01T00:00:01.000Z", "RetryCount": 2})
        );
        assert_eq!(v["Task"]["Token"], json!("tok"));
        assert_eq!(v["Map"]["Item"], json!({"Index": 3, "Value": "x"}));
        assert_eq!(
            ctx.document(Need::WithoutInput)["Execution"]["Input"],
            Value::Null
        );
        assert_eq!(ctx.document(Need::Nothing), Value::Null);
    }

    #[test]
    fn finds_what_expressions_read() {
        assert_eq!(need_of("$.a"), Need::Nothing);
        assert_eq!(need_of("$$.Map.Item.Value"), Need::WithoutInput);
        assert_eq!(
            need_of("States.Format('{}', $$.State.Name)"),
            Need::WithoutInput
        );
        assert_eq!(need_of("$$.Execution.Input.x"), Need::Everything);
        assert_eq!(need_of("$$.Execution"), Need::Everything);
        assert_eq!(need_of("$$"), Need::Everything);
    }
}
