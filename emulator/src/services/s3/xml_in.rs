//! Reading the small XML documents S3 requests carry (`CreateBucketConfiguration`, `Delete`,
//! `Tagging`) into a tree of elements, namespaces ignored.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::{AwsError, AwsResult};

/// One element: its local name, its text, and its child elements.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Element {
    /// The local name (without a namespace prefix).
    pub name: String,
    /// The text directly inside it, entities resolved.
    pub text: String,
    /// The child elements, in order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// S3's `MalformedXML` (400).
pub fn malformed() -> AwsError {
    AwsError::new(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
}

/// The deepest nesting of elements a request document may have (S3's documents nest a few
/// levels; a deeper one is refused before its tree could outgrow a stack when walked).
pub const MAX_DEPTH: usize = 32;

/// Parses a document into its root element; `MalformedXML` when it is not XML or nests more
/// than [`MAX_DEPTH`] elements deep.
pub fn parse(body: &[u8]) -> AwsResult<Element> {
    let text = std::str::from_utf8(body).map_err(|_| malformed())?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        match reader.read_event().map_err(|_| malformed())? {
            Event::Start(_) if stack.len() > MAX_DEPTH => return Err(malformed()),
            Event::Start(start) => stack.push(Element {
                name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
                ..Element::default()
            }),
            Event::Empty(empty) => {
                let element = Element {
                    name: String::from_utf8_lossy(empty.local_name().as_ref()).into_owned(),
                    ..Element::default()
                };
                stack
                    .last_mut()
                    .ok_or_else(malformed)?
                    .children
                    .push(element);
            }
            Event::End(_) => {
                let done = stack.pop().ok_or_else(malformed)?;
                stack.last_mut().ok_or_else(malformed)?.children.push(done);
            }
            Event::Text(t) => {
                let piece = t.decode().map_err(|_| malformed())?;
                stack
                    .last_mut()
                    .ok_or_else(malformed)?
                    .text
                    .push_str(&piece);
            }
            Event::CData(c) => {
                let piece = c.decode().map_err(|_| malformed())?;
                stack
                    .last_mut()
                    .ok_or_else(malformed)?
                    .text
                    .push_str(&piece);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|_| malformed())? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|_| malformed())?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(malformed)?
                            .to_string()
                    }
                };
                stack
                    .last_mut()
                    .ok_or_else(malformed)?
                    .text
                    .push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack
        .pop()
        .filter(|_| stack.is_empty())
        .ok_or_else(malformed)?;
    match document.children.len() {
        1 => Ok(document.children.remove(0)),
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_elements_with_entities() {
        let doc = br#"<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a&amp;b&#x20;c</Key></Object><Object><Key>d</Key></Object><Quiet>true</Quiet></Delete>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Delete");
        let keys: Vec<_> = root
            .children("Object")
            .map(|o| o.child_text("Key").unwrap())
            .collect();
        assert_eq!(keys, ["a&b c", "d"]);
        assert_eq!(root.child_text("Quiet"), Some("true"));
        assert_eq!(parse(b"<a><b></a>").unwrap_err().code, "MalformedXML");
        assert_eq!(parse(b"").unwrap_err().code, "MalformedXML");
        let deep = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert!(parse(deep(MAX_DEPTH).as_bytes()).is_ok());
        let err = parse(deep(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert_eq!(err.code, "MalformedXML");
    }
}
