//! The CloudFormation template language, with no HTTP and no other service: parsing (JSON and
//! YAML with short-form tags), validation as ValidateTemplate / CreateChangeSet do it (with AWS's
//! messages), parameters, conditions, intrinsic functions, the dependency graph between resources
//! and the facts of GetTemplateSummary.
//!
//! The stack engine uses it in this order:
//! 1. [`Template::parse`] (ValidateTemplate's checks), [`Template::summary`],
//!    [`Template::check_capabilities`];
//! 2. [`Instance::new`] with the stack's [`Pseudo`] parameters and the parameter values given:
//!    parameters resolved, conditions evaluated, the resources that exist and their
//!    [`DependencyGraph`] ([`DependencyGraph::creation_waves`], [`DependencyGraph::deletion_waves`]);
//! 3. per resource, once its dependencies exist, [`Instance::properties`] with the engine's
//!    [`ResourceValues`] (physical ids and attributes) and [`Exports`];
//! 4. [`Instance::outputs`] at the end.

mod cidr;
mod conditions;
mod declarations;
mod error;
mod graph;
mod instance;
mod intrinsics;
mod params;
mod parse;
mod pseudo;
mod refs;
mod sections;
mod sub;
mod summary;
mod tags;
mod validate;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;

pub use cidr::cidr;
pub use declarations::{Output, Parameter, ParameterKind, Resource, Template};
pub use error::{ErrorKind, Result, TemplateError};
pub use graph::DependencyGraph;
pub use instance::{Instance, OutputValue};
pub use intrinsics::{Evaluator, Exports, KnownResources, NoExports, NoResources, ResourceValues};
pub use params::{ParameterValue, ParameterValues};
pub use pseudo::Pseudo;
pub use summary::{
    RequiredCapabilities, TemplateSummary, CAPABILITY_AUTO_EXPAND, CAPABILITY_IAM,
    CAPABILITY_NAMED_IAM,
};

impl Template {
    /// Parses and validates a template body (JSON or YAML), as ValidateTemplate does.
    pub fn parse(body: &str) -> Result<Template> {
        let template = sections::read(parse::parse_body(body)?)?;
        validate::check(&template)?;
        Ok(template)
    }
}
