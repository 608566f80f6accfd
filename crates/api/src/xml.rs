//! A small XML writer for the EC2 query and awsQuery responses.

use model::ec2::types::Tag;
use std::fmt::{Display, Write};

#[derive(Default)]
pub struct Xml {
    buf: String,
}

/// Text as XML character data. A character XML 1.0 cannot carry at all,
/// not even as a reference (control characters other than tab, line feed
/// and carriage return; U+FFFE, U+FFFF), becomes U+FFFD: echoed into an
/// error message from a request's parameter, it made the whole answer
/// unreadable to the SDKs' XML parsers (found by fuzzing,
/// fuzz/regressions/routing/).
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

impl Xml {
    pub fn new() -> Self {
        Xml {
            buf: String::with_capacity(512),
        }
    }

    /// A writer with room for `n` bytes (large lists).
    pub fn with_capacity(n: usize) -> Self {
        Xml {
            buf: String::with_capacity(n),
        }
    }

    pub fn into_string(self) -> String {
        self.buf
    }

    pub fn start(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    pub fn end(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag>value</tag>`, escaped.
    pub fn el(&mut self, tag: &str, v: impl Display) -> &mut Self {
        self.start(tag);
        let mut s = String::new();
        let _ = write!(s, "{v}");
        escape_into(&mut self.buf, &s);
        self.end(tag)
    }

    pub fn opt<T: Display>(&mut self, tag: &str, v: Option<T>) -> &mut Self {
        if let Some(v) = v {
            self.el(tag, v);
        }
        self
    }

    pub fn b(&mut self, tag: &str, v: bool) -> &mut Self {
        self.el(tag, if v { "true" } else { "false" })
    }

    /// `<tag>…</tag>` around whatever `f` writes.
    pub fn wrap(&mut self, tag: &str, f: impl FnOnce(&mut Xml)) -> &mut Self {
        self.start(tag);
        f(self);
        self.end(tag)
    }

    /// An EC2 list: `<tag><item>…</item>…</tag>`.
    pub fn list<I: IntoIterator>(
        &mut self,
        tag: &str,
        items: I,
        mut f: impl FnMut(&mut Xml, I::Item),
    ) -> &mut Self {
        self.start(tag);
        for it in items {
            self.start("item");
            f(self, it);
            self.end("item");
        }
        self.end(tag)
    }

    /// A list of plain strings: `<tag><item>v</item>…</tag>`.
    pub fn str_list<S: Display>(
        &mut self,
        tag: &str,
        items: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        self.start(tag);
        for it in items {
            self.el("item", it);
        }
        self.end(tag)
    }

    /// An awsQuery list: `<tag><member>…</member>…</tag>`.
    pub fn members<I: IntoIterator>(
        &mut self,
        tag: &str,
        items: I,
        mut f: impl FnMut(&mut Xml, I::Item),
    ) -> &mut Self {
        self.start(tag);
        for it in items {
            self.start("member");
            f(self, it);
            self.end("member");
        }
        self.end(tag)
    }

    /// `<tagSet>` of EC2 tags.
    pub fn tag_set(&mut self, tags: &[Tag]) -> &mut Self {
        self.list("tagSet", tags, |x, t| {
            x.el("key", &t.key).el("value", &t.value);
        })
    }

    pub fn raw(&mut self, s: &str) -> &mut Self {
        self.buf.push_str(s);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn escapes_and_nests() {
        let mut x = Xml::new();
        x.wrap("a", |x| {
            x.el("b", "1 < 2 & 'q'");
            x.str_list("c", ["x"]);
        });
        assert_eq!(
            x.into_string(),
            "<a><b>1 &lt; 2 &amp; &apos;q&apos;</b><c><item>x</item></c></a>"
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        let mut out = String::new();
        escape_into(&mut out, "a\u{6}b\u{0}\tc\r\n\u{ffff}\u{7f}\u{1F600}");
        assert_eq!(out, "a\u{fffd}b\u{fffd}\tc\r\n\u{fffd}\u{7f}\u{1F600}");
    }
}
