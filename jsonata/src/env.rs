//! Variable scopes (frames that chain to their parent).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::value::Value;

/// A frame of bindings.
pub(crate) struct Frame {
    vars: RefCell<HashMap<String, Value>>,
    parent: Option<Env>,
}

/// A shared frame.
pub(crate) type Env = Rc<Frame>;

/// A new frame under `parent`.
pub(crate) fn child(parent: &Env) -> Env {
    Rc::new(Frame {
        vars: RefCell::new(HashMap::new()),
        parent: Some(parent.clone()),
    })
}

/// A root frame.
pub(crate) fn root() -> Env {
    Rc::new(Frame {
        vars: RefCell::new(HashMap::new()),
        parent: None,
    })
}

impl Frame {
    pub(crate) fn bind(&self, name: &str, value: Value) {
        self.vars.borrow_mut().insert(name.to_string(), value);
    }

    pub(crate) fn lookup(&self, name: &str) -> Value {
        let mut frame = self;
        loop {
            if let Some(v) = frame.vars.borrow().get(name) {
                return v.clone();
            }
            match &frame.parent {
                Some(p) => frame = p,
                None => return Value::Undefined,
            }
        }
    }
}

impl Frame {
    /// Drops this frame's bindings (breaks reference cycles through closures at the end).
    pub(crate) fn clear(&self) {
        self.vars.borrow_mut().clear();
    }
}
