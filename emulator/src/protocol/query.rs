//! awsQuery: a form (`Action=…&Version=…&…`) in the body of a POST (or in the query string of a
//! GET); the reply is `<{Action}Response><{Action}Result>…</{Action}Result><ResponseMetadata>…`
//! and errors are `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.
//! Lists arrive flattened as `Name.member.1`, `Name.member.2`, … and structures as
//! `Name.member.1.Key`.

use std::collections::BTreeMap;
use std::future::Future;

use http::StatusCode;

use super::validation::{self, rule, Shown};
use super::xml::XmlWriter;
use super::{response, Response};
use crate::error::{AwsError, AwsResult};
use crate::request::AwsRequest;

/// The decoded form parameters of an awsQuery request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    /// The parameters of a request: the query string, then the form body.
    pub fn from_request(request: &AwsRequest) -> AwsResult<Params> {
        let mut values = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(request.query.as_bytes()) {
            values.insert(k.into_owned(), v.into_owned());
        }
        if !request.body.is_empty() {
            let text = std::str::from_utf8(&request.body).map_err(|_| {
                AwsError::new(
                    "MalformedQueryString",
                    "The request body is not UTF-8 form data",
                )
            })?;
            for (k, v) in form_urlencoded::parse(text.as_bytes()) {
                values.insert(k.into_owned(), v.into_owned());
            }
        }
        Ok(Params { values })
    }

    /// Parameters from pairs (for tests and internal calls).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Params {
        Params {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A required parameter, or AWS's `ValidationError` naming it.
    pub fn required(&self, name: &str) -> AwsResult<&str> {
        self.get(name).ok_or_else(|| {
            AwsError::new(
                "ValidationError",
                validation::message(&super::json::lower_first(name), Shown::Null, rule::NOT_NULL),
            )
        })
    }

    /// The members of a flattened list `prefix.member.N` (N from 1, in order), as values.
    pub fn list(&self, prefix: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for n in 1.. {
            match self.get(&format!("{prefix}.member.{n}")) {
                Some(v) => out.push(v),
                None => break,
            }
        }
        out
    }

    /// The entries of a map `prefix.entry.N.key` / `prefix.entry.N.value` (N from 1, in order).
    pub fn map(&self, prefix: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for n in 1.. {
            match self.get(&format!("{prefix}.entry.{n}.key")) {
                Some(key) => {
                    let value = self.get(&format!("{prefix}.entry.{n}.value"));
                    out.insert(key.to_string(), value.unwrap_or_default().to_string());
                }
                None => break,
            }
        }
        out
    }

    /// The members of a flattened list of structures `prefix.member.N.Field`: for each N (from
    /// 1, while any field is present) the fields under it.
    pub fn struct_list(&self, prefix: &str) -> Vec<Params> {
        let mut out = Vec::new();
        for n in 1.. {
            let head = format!("{prefix}.member.{n}.");
            let fields: BTreeMap<String, String> = self
                .values
                .range(head.clone()..)
                .take_while(|(k, _)| k.starts_with(&head))
                .map(|(k, v)| (k[head.len()..].to_string(), v.clone()))
                .collect();
            if fields.is_empty() {
                break;
            }
            out.push(Params { values: fields });
        }
        out
    }
}

/// Serves one awsQuery request: reads `Action`, calls `operation` with the parameters, and wraps
/// its result XML (the inside of `<{Action}Result>`, or `None` for operations without one).
pub async fn serve<F, Fut>(request: AwsRequest, namespace: &str, operation: F) -> Response
where
    F: FnOnce(String, Params) -> Fut,
    Fut: Future<Output = AwsResult<Option<String>>>,
{
    let request_id = request.ctx.request_id.clone();
    let parsed = Params::from_request(&request).and_then(|params| {
        let action = params
            .get("Action")
            .ok_or_else(|| {
                AwsError::new(
                    "MissingAction",
                    "The request must contain the parameter Action",
                )
            })?
            .to_string();
        Ok((action, params))
    });
    let (action, result) = match parsed {
        Ok((action, params)) => {
            let result = operation(action.clone(), params).await;
            (action, result)
        }
        Err(err) => (String::new(), Err(err)),
    };
    match result {
        Ok(inner) => ok(namespace, &action, inner.as_deref(), &request_id),
        Err(err) => error(namespace, &err, &request_id),
    }
}

/// A 200 reply: `<{action}Response xmlns=…>[<{action}Result>…</…>]<ResponseMetadata>…`.
pub fn ok(namespace: &str, action: &str, result: Option<&str>, request_id: &str) -> Response {
    let mut w = XmlWriter::new();
    let root = format!("{action}Response");
    w.open_ns(&root, namespace);
    if let Some(result) = result {
        let tag = format!("{action}Result");
        w.open(&tag).raw(result).close(&tag);
    }
    w.open("ResponseMetadata")
        .elem("RequestId", request_id)
        .close("ResponseMetadata")
        .close(&root);
    response(StatusCode::OK, "text/xml", w.finish())
}

/// An error reply in awsQuery's shape.
pub fn error(namespace: &str, err: &AwsError, request_id: &str) -> Response {
    let mut w = XmlWriter::new();
    w.open_ns("ErrorResponse", namespace)
        .open("Error")
        .elem(
            "Type",
            if err.is_server_fault() {
                "Receiver"
            } else {
                "Sender"
            },
        )
        .elem("Code", &err.code)
        .elem("Message", &err.message)
        .close("Error")
        .elem("RequestId", request_id)
        .close("ErrorResponse");
    response(err.status, "text/xml", w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_lists_and_structures() {
        let p = Params::from_pairs([
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
            ("Tags.member.2.Key", "b"),
            ("Names.member.1", "x"),
            ("Names.member.2", "y"),
            ("Names.member.4", "skipped: 3 is missing"),
        ]);
        assert_eq!(p.list("Names"), vec!["x", "y"]);
        let tags = p.struct_list("Tags");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].get("Value"), Some("1"));
        assert_eq!(tags[1].get("Key"), Some("b"));
        assert_eq!(p.required("Missing").unwrap_err().code, "ValidationError");
    }
}
