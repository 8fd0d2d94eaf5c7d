//! A small XML writer for the XML protocols' replies: elements with escaped text, nothing more.

use quick_xml::escape::escape;

/// Builds an XML document as text.
#[derive(Debug, Default, Clone)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// An empty document with the XML declaration.
    pub fn with_declaration() -> Self {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        }
    }

    /// An empty fragment.
    pub fn new() -> Self {
        XmlWriter::default()
    }

    /// Opens `<name>`.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Opens `<name xmlns="namespace">`.
    pub fn open_ns(&mut self, name: &str, namespace: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(&escape(namespace));
        self.out.push_str("\">");
        self
    }

    /// Closes `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>`, the text escaped.
    pub fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name)
    }

    /// `<name>text</name>` when there is a text; nothing otherwise.
    pub fn opt_elem(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.elem(name, text);
        }
        self
    }

    /// Appends an already-written fragment.
    pub fn raw(&mut self, fragment: &str) -> &mut Self {
        self.out.push_str(fragment);
        self
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        let mut w = XmlWriter::new();
        w.open_ns("A", "urn:x").elem("B", "<&\"'>").close("A");
        assert_eq!(
            w.finish(),
            "<A xmlns=\"urn:x\"><B>&lt;&amp;&quot;&apos;&gt;</B></A>"
        );
    }
}
