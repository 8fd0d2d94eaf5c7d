//! restXml (S3): the operation is the method, path and query; replies are XML documents; errors
//! are `<Error><Code/><Message/><RequestId/></Error>`.

use http::StatusCode;

use super::xml::XmlWriter;
use super::{response, Response};
use crate::error::AwsError;

/// A reply with a status and an XML body.
pub fn ok(status: StatusCode, xml: String) -> Response {
    response(status, "application/xml", xml)
}

/// An error reply, with the resource the error is about when known.
pub fn error(err: &AwsError, resource: Option<&str>, request_id: &str) -> Response {
    let mut w = XmlWriter::with_declaration();
    w.open("Error")
        .elem("Code", &err.code)
        .elem("Message", &err.message)
        .opt_elem("Resource", resource)
        .elem("RequestId", request_id)
        .close("Error");
    response(err.status, "application/xml", w.finish())
}

/// The status to use for an empty success (`204 No Content`).
pub const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;
