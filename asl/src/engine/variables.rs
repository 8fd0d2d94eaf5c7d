//! Workflow variables (`Assign`, `$name`): the scope of one line of work and AWS's limits.
//!
//! The top-level states of an execution share one scope. A Parallel branch or a Map iteration
//! runs in a scope of its own that reads every variable of the scopes around it; what it assigns
//! stays inside and is gone when the branch or iteration ends (the Parallel or Map state's own
//! `Assign` sets the outer scope, on exit). A state's expressions read the variables as they
//! were when the state was entered: its assignments take effect when it exits.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::error::Failure;
use crate::path;

/// The largest value one variable may hold, in bytes of JSON text (256 KiB).
pub(crate) const MAX_VARIABLE_BYTES: usize = 256 * 1024;
/// The most one `Assign` may set at once, in bytes of JSON text (256 KiB).
pub(crate) const MAX_ASSIGN_BYTES: usize = 256 * 1024;
/// The most all the variables of a scope may hold, in bytes of JSON text (10 MiB).
pub(crate) const MAX_SCOPE_BYTES: usize = 10 * 1024 * 1024;

/// The error AWS raises when an assignment goes over a limit.
pub(crate) const STATES_DATA_LIMIT_EXCEEDED: &str = super::error::STATES_DATA_LIMIT_EXCEEDED;

/// The variables one line of work sees. Cheap to clone (a state keeps a clone of the scope it
/// was entered with); an assignment copies only what is shared.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// Every variable of the enclosing scopes, read-only.
    outer: Option<Arc<Map<String, Value>>>,
    /// What this scope assigned.
    own: Arc<Map<String, Value>>,
}

impl path::Variables for Scope {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.own
            .get(name)
            .or_else(|| self.outer.as_deref().and_then(|outer| outer.get(name)))
    }
}

impl Scope {
    /// The scope of a Parallel branch or Map iteration started from this one: it reads every
    /// variable visible here. Clone it for each branch or iteration (clones share the view).
    pub fn nested(&self) -> Scope {
        if self.own.is_empty() {
            return Scope {
                outer: self.outer.clone(),
                own: Arc::default(),
            };
        }
        let mut all = self.outer.as_deref().cloned().unwrap_or_default();
        for (name, value) in self.own.iter() {
            all.insert(name.clone(), value.clone());
        }
        Scope {
            outer: Some(Arc::new(all)),
            own: Arc::default(),
        }
    }

    /// A top-level scope holding `values` (an execution taken up from its history).
    pub fn with(values: Map<String, Value>) -> Scope {
        Scope {
            outer: None,
            own: Arc::new(values),
        }
    }

    /// Sets the variables a state assigned, checking AWS's size limits first (nothing is set
    /// when one is exceeded).
    pub fn assign(&mut self, values: Map<String, Value>) -> Result<(), Failure> {
        self.check(&values)?;
        let own = Arc::make_mut(&mut self.own);
        for (name, value) in values {
            own.insert(name, value);
        }
        Ok(())
    }

    /// Checks an assignment against AWS's size limits without making it.
    pub fn check(&self, values: &Map<String, Value>) -> Result<(), Failure> {
        check_sizes(values, &self.own)
    }
}

/// Checks one assignment against the per-variable, per-assignment and per-scope limits.
fn check_sizes(values: &Map<String, Value>, current: &Map<String, Value>) -> Result<(), Failure> {
    let mut assigned = 0usize;
    for (name, value) in values {
        let size = value.to_string().len();
        if size > MAX_VARIABLE_BYTES {
            return Err(Failure::runtime_named(
                STATES_DATA_LIMIT_EXCEEDED,
                format!(
                    "The variable '{name}' has a size of {size} bytes, which exceeds the maximum \
                     of {MAX_VARIABLE_BYTES} bytes for one variable."
                ),
            ));
        }
        assigned += size;
    }
    if assigned > MAX_ASSIGN_BYTES {
        return Err(Failure::runtime_named(
            STATES_DATA_LIMIT_EXCEEDED,
            format!(
                "The variables assigned by the state have a size of {assigned} bytes, which \
                 exceeds the maximum of {MAX_ASSIGN_BYTES} bytes for one Assign."
            ),
        ));
    }
    let kept: usize = current
        .iter()
        .filter(|(name, _)| !values.contains_key(*name))
        .map(|(_, value)| value.to_string().len())
        .sum();
    if kept + assigned > MAX_SCOPE_BYTES {
        return Err(Failure::runtime_named(
            STATES_DATA_LIMIT_EXCEEDED,
            format!(
                "The variables of the execution would have a size of {} bytes, which exceeds \
                 the maximum of {MAX_SCOPE_BYTES} bytes.",
                kept + assigned
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::Variables;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn inner_scopes_read_outer_variables_and_keep_their_own() {
        let mut top = Scope::default();
        top.assign(map(json!({"a": 1, "b": 2}))).unwrap();
        let mut inner = top.nested();
        assert_eq!(inner.variable("a"), Some(&json!(1)));
        inner.assign(map(json!({"a": 10, "c": 3}))).unwrap();
        assert_eq!(
            inner.variable("a"),
            Some(&json!(10)),
            "shadows the outer one"
        );
        assert_eq!(inner.variable("b"), Some(&json!(2)));
        let deeper = inner.nested();
        assert_eq!(deeper.variable("c"), Some(&json!(3)));
        assert_eq!(
            top.variable("a"),
            Some(&json!(1)),
            "the outer scope is untouched"
        );
        assert_eq!(top.variable("c"), None);
    }

    #[test]
    fn limits_refuse_the_whole_assignment() {
        let mut scope = Scope::default();
        let big = "x".repeat(MAX_VARIABLE_BYTES);
        let err = scope.assign(map(json!({"ok": 1, "big": big}))).unwrap_err();
        assert_eq!(err.error.as_deref(), Some(STATES_DATA_LIMIT_EXCEEDED));
        assert!(err.cause.unwrap().contains("'big'"));
        assert_eq!(scope.variable("ok"), None, "nothing was set");
        let half = "x".repeat(MAX_ASSIGN_BYTES / 2);
        let err = scope
            .assign(map(json!({"a": half.clone(), "b": half})))
            .unwrap_err();
        assert!(err.cause.unwrap().contains("for one Assign"));
    }
}
