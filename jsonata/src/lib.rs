//! A JSONata evaluator with the semantics of the reference implementation (jsonata-js 2.x),
//! plus, behind [`Options::aws_functions`], the functions AWS Step Functions adds
//! (`$partition`, `$range`, `$hash`, `$random(seed)`, `$uuid`, `$parse`) and without the one
//! it removes (`$eval`).
//!
//! ```
//! use jsonata::{Bindings, Expression};
//! let e = Expression::parse("$sum(items.price) * $rate").unwrap();
//! let mut b = Bindings::default();
//! b.insert("rate", serde_json::json!(2));
//! let out = e.evaluate(&serde_json::json!({"items": [{"price": 1}, {"price": 2}]}), &b).unwrap();
//! assert_eq!(out, Some(serde_json::json!(6)));
//! ```
//!
//! As Step Functions evaluates (2.0.6 grammar, AWS's function set):
//!
//! ```
//! use jsonata::{Bindings, Expression, Options};
//! let aws = Options { aws_functions: true, ..Options::default() };
//! let e = Expression::parse_with("$partition($states.input.items, 2)", &aws).unwrap();
//! assert_eq!(e.variables(), vec!["states".to_string()]);
//! let mut b = Bindings::default();
//! b.insert("states", serde_json::json!({"input": {"items": [1, 2, 3]}}));
//! let out = e.evaluate_with(None, &b, &aws).unwrap();
//! assert_eq!(out, Some(serde_json::json!([[1, 2], [3]])));
//! assert_eq!(Expression::parse_with("$x ?? 1", &aws).unwrap_err().code, "S0211");
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

mod ast;
mod aws;
mod env;
mod error;
mod eval;
mod functions;
mod hash;
mod lexer;
mod parser;
mod pattern;
mod process;
mod signature;
mod stack;
mod value;
mod variables;

pub use error::Error;
pub use hash::hex_digest;

use value::{Func, Value};

/// A compiled expression: parse once, evaluate many times (from any thread).
#[derive(Clone, Debug)]
pub struct Expression {
    ast: Arc<ast::Node>,
    /// The variable names it references: only those bindings are converted per evaluation
    /// (`None` when it calls `$eval`, whose expression may reference any).
    referenced: Option<Arc<std::collections::BTreeSet<String>>>,
    /// Whether it may read its input: when not, the input is not converted per evaluation
    /// (an ItemSelector over a large Map input reads only `$states.context`).
    reads_input: bool,
}

/// A host function: receives its arguments as JSON (undefined as `null`), returns `None` for undefined.
pub type NativeFunction =
    Arc<dyn Fn(&[serde_json::Value]) -> Result<Option<serde_json::Value>, Error> + Send + Sync>;

/// Variable bindings and extra functions for one evaluation.
#[derive(Clone, Default)]
pub struct Bindings {
    vars: HashMap<String, Arc<serde_json::Value>>,
    functions: HashMap<String, (Option<String>, NativeFunction)>,
}

impl std::fmt::Debug for Bindings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bindings")
            .field("vars", &self.vars)
            .field("functions", &self.functions.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Bindings {
    /// Binds `$name` (give the name without `$`).
    pub fn insert(&mut self, name: impl Into<String>, value: serde_json::Value) {
        self.vars.insert(name.into(), Arc::new(value));
    }

    /// Binds `$name` to a shared value: many evaluations can bind one large document (say, an
    /// execution's context) without copying it. Only what an expression reads is converted.
    pub fn insert_shared(&mut self, name: impl Into<String>, value: Arc<serde_json::Value>) {
        self.vars.insert(name.into(), value);
    }

    /// Registers `$name` as a host function; `signature` (e.g. `"<s-n?:s>"`) validates and
    /// completes its arguments as for the built-in functions.
    pub fn insert_function(
        &mut self,
        name: impl Into<String>,
        signature: Option<&str>,
        f: NativeFunction,
    ) {
        self.functions
            .insert(name.into(), (signature.map(str::to_string), f));
    }

    /// The bound value of `$name`, if any.
    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.vars.get(name).map(|v| v.as_ref())
    }
}

/// Limits on one evaluation.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The deepest nesting of evaluation (recursion) before error `U1001`. The default, 500,
    /// fits a 2 MiB thread (test and async-runtime threads); a higher one needs more stack.
    pub max_depth: usize,
    /// The longest an evaluation may run before error `U1001`.
    pub max_time: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 500,
            max_time: Duration::from_secs(10),
        }
    }
}

/// How to evaluate.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The AWS Step Functions function set: adds `$partition`, `$range`, `$hash`, `$random(seed)`,
    /// `$uuid`, `$parse`; removes `$eval` (calling it fails with `T1006`, as an unknown function).
    /// For [`Expression::parse_with`]: the jsonata 2.0.6 grammar AWS implements.
    pub aws_functions: bool,
    /// Depth and time limits.
    pub limits: Limits,
}

impl Expression {
    /// Parses once; errors carry a JSONata error code (e.g. "S0201") and position.
    pub fn parse(source: &str) -> Result<Expression, Error> {
        Expression::parse_with(source, &Options::default())
    }

    /// Parses under options: with [`Options::aws_functions`], the grammar of jsonata 2.0.6,
    /// the version AWS implements (`??` and `?:` came in 2.1 and are syntax errors there).
    pub fn parse_with(source: &str, options: &Options) -> Result<Expression, Error> {
        let mut parser = parser::Parser::new(source, options.aws_functions)?;
        let raw = parser.parse_all()?;
        let mut processor = process::Processor::default();
        let mut ast = processor.process(raw)?;
        processor.check_root(&ast)?;
        process::relabel(&mut ast, &processor.labels());
        let names = variables::referenced(&ast);
        let referenced = (!names.contains("eval")).then(|| Arc::new(names));
        // Either function set: an expression may be evaluated under other options.
        let reads_input = variables::reads_input(&ast, &|name| {
            functions::takes_context(name, false) || functions::takes_context(name, true)
        });
        Ok(Expression {
            ast: Arc::new(ast),
            referenced,
            reads_input,
        })
    }

    /// Evaluates against `input` ($ / $$) with variable bindings (name without `$`).
    /// Ok(None) = JSONata "undefined".
    pub fn evaluate(
        &self,
        input: &serde_json::Value,
        bindings: &Bindings,
    ) -> Result<Option<serde_json::Value>, Error> {
        self.evaluate_with(Some(input), bindings, &Options::default())
    }

    /// As [`Expression::evaluate`], under the given limits.
    pub fn evaluate_with_limits(
        &self,
        input: &serde_json::Value,
        bindings: &Bindings,
        limits: &Limits,
    ) -> Result<Option<serde_json::Value>, Error> {
        self.evaluate_with(
            Some(input),
            bindings,
            &Options {
                limits: limits.clone(),
                ..Options::default()
            },
        )
    }

    /// Evaluates with options; `input: None` is JSONata's undefined input.
    pub fn evaluate_with(
        &self,
        input: Option<&serde_json::Value>,
        bindings: &Bindings,
        options: &Options,
    ) -> Result<Option<serde_json::Value>, Error> {
        let wanted = |k: &str| self.referenced.as_ref().is_none_or(|r| r.contains(k));
        let raw = bindings
            .vars
            .iter()
            .filter(|(k, _)| wanted(k))
            .map(|(k, v)| (k.as_str(), v.as_ref()))
            .collect();
        let mut ev = eval::Evaluator::new(&options.limits, options.clone(), raw);
        let root = env::root();
        for (k, (sig, f)) in &bindings.functions {
            let sig = match sig {
                Some(s) => Some(Arc::new(signature::Signature::parse(s)?)),
                None => None,
            };
            root.bind(
                k,
                Value::Func(std::rc::Rc::new(Func::Host {
                    name: k.clone(),
                    sig,
                    imp: f.clone(),
                })),
            );
        }
        let mut input = match input {
            Some(json) if self.reads_input => Value::from_json(json),
            // Never read: any defined value stands for it.
            Some(_) => Value::Null,
            None => Value::Undefined,
        };
        root.bind("$", input.clone());
        if let Value::Array(a, f) = &input {
            if !f.sequence {
                input = Value::Array(
                    std::rc::Rc::new(vec![Value::Array(a.clone(), *f)]),
                    value::Flags {
                        outer_wrapper: true,
                        ..value::Flags::SEQ
                    },
                );
            }
        }
        let result = ev.eval(&self.ast, &input, &root).map(|v| v.to_json());
        ev.release();
        root.clear();
        result
    }

    pub(crate) fn root(&self) -> &ast::Node {
        &self.ast
    }

    /// The free variable names referenced (without `$`), for validation (unknown variables).
    pub fn variables(&self) -> Vec<String> {
        variables::free_variables(&self.ast)
    }
}
