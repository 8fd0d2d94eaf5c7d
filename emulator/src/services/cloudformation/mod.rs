//! CloudFormation. For now only its pure core: the template language (parsing, validation,
//! intrinsic functions, the dependency graph, template summaries), with no HTTP and no other
//! service. The stack engine (change sets, stacks, resource providers) builds on it.

pub mod template;
