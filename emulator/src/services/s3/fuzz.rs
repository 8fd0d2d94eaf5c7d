//! Fuzzing S3's request documents: whatever XML-like text arrives (unbalanced tags, entities,
//! namespaces, deep nesting, stray bytes), reading it never panics; it is a tree or
//! `MalformedXML`.

use proptest::prelude::*;

use super::xml_in::{parse, MAX_DEPTH};

/// Pieces of the documents S3 reads, so generated text gets past the first tag.
const PIECES: &[&str] = &[
    "<Delete>",
    "</Delete>",
    "<Object>",
    "</Object>",
    "<Key>",
    "</Key>",
    "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">",
    "</Tagging>",
    "<s3:Tag>",
    "</s3:Tag>",
    "<CreateBucketConfiguration>",
    "<LocationConstraint>eu-west-1</LocationConstraint>",
    "<a/>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<!-- c -->",
    "<![CDATA[x]]>",
    "<!DOCTYPE a [<!ENTITY e \"x\">]>",
    "&amp;",
    "&lt;",
    "&e;",
    "&#x41;",
    "&#xFFFFFFFF;",
    "&",
    "<",
    ">",
    "\"",
    "=",
    "k",
    " ",
    "é",
    "\u{0}",
];

fn soup(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(PIECES), 0..max).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(testkit::fuzz::config(testkit::fuzz::DEFAULT_CASES))]

    #[test]
    fn xml_documents_never_panic(text in soup(40), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(root) = parse(text.as_bytes()) {
            let _ = root.child("Object").and_then(|o| o.child_text("Key"));
            let _ = root.children("Tag").count();
        }
        let _ = parse(&bytes);
    }

    #[test]
    fn deep_documents_are_refused_never_panic(depth in 0usize..4 * MAX_DEPTH, close in any::<bool>()) {
        let mut text = "<a>".repeat(depth);
        if close {
            text.push_str(&"</a>".repeat(depth));
        }
        let parsed = parse(text.as_bytes());
        if depth > MAX_DEPTH {
            prop_assert!(parsed.is_err());
        }
    }
}
