//! What S3's listings read and write alike: the page size (`max-keys`, `max-parts`,
//! `max-uploads`), and for the key listings (ListObjects, ListObjectsV2, ListMultipartUploads)
//! the prefix, delimiter and key encoding they are asked for, echoed in their pages with the
//! common prefixes found.

use crate::error::{AwsError, AwsResult};
use crate::protocol::xml::XmlWriter;
use crate::request::{percent_encode, AwsRequest};

/// A page size (`max-keys`, `max-parts`, `max-uploads`): 1000 when absent, at most 1000.
pub(super) fn max_param(request: &AwsRequest, name: &str) -> AwsResult<usize> {
    match request.query_param(name) {
        None => Ok(1000),
        Some(text) => text.parse::<usize>().map(|n| n.min(1000)).map_err(|_| {
            AwsError::new(
                "InvalidArgument",
                format!("Provided {name} not an integer or within integer range"),
            )
        }),
    }
}

/// The parameters every key listing takes: `prefix`, `delimiter`, its page size and
/// `encoding-type`.
#[derive(Debug)]
pub(super) struct ListParams {
    /// Only keys that start with it are listed (empty: all).
    pub(super) prefix: String,
    /// Keys holding it after the prefix are rolled up into common prefixes (an empty one is
    /// none).
    pub(super) delimiter: Option<String>,
    /// The most keys (or uploads) a page holds.
    pub(super) max: usize,
    /// `encoding-type=url` was asked for: keys are written percent-encoded (keeping `/`), and
    /// `EncodingType` is echoed.
    url: bool,
}

impl ListParams {
    /// The request's parameters, the page size read from `max_name` (`max-keys`,
    /// `max-uploads`); an encoding other than `url` is refused as S3 refuses it.
    pub(super) fn of(request: &AwsRequest, max_name: &str) -> AwsResult<ListParams> {
        let max = max_param(request, max_name)?;
        let url = match request.query_param("encoding-type").as_deref() {
            None => false,
            Some("url") => true,
            Some(_) => {
                return Err(AwsError::new(
                    "InvalidArgument",
                    "Invalid Encoding Method specified in Request",
                ))
            }
        };
        Ok(ListParams {
            prefix: request.query_param("prefix").unwrap_or_default(),
            delimiter: request.query_param("delimiter").filter(|d| !d.is_empty()),
            max,
            url,
        })
    }

    /// A key (or prefix, marker, delimiter) as the listing writes it.
    pub(super) fn encode(&self, text: &str) -> String {
        if self.url {
            percent_encode(text, b"/")
        } else {
            text.to_string()
        }
    }

    /// Writes `Delimiter`, the page size (as `max_element`: `MaxKeys`, `MaxUploads`) and
    /// `EncodingType`, in that order, as the pages echo them.
    pub(super) fn echo(&self, w: &mut XmlWriter, max_element: &str) {
        let delimiter = self.delimiter.as_deref().map(|d| self.encode(d));
        w.opt_elem("Delimiter", delimiter.as_deref())
            .elem(max_element, &self.max.to_string());
        if self.url {
            w.elem("EncodingType", "url");
        }
    }

    /// Writes a page's `CommonPrefixes`, one element a prefix.
    pub(super) fn common_prefixes(&self, w: &mut XmlWriter, prefixes: &[String]) {
        for prefix in prefixes {
            w.open("CommonPrefixes")
                .elem("Prefix", &self.encode(prefix))
                .close("CommonPrefixes");
        }
    }
}
