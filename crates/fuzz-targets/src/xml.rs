//! Just enough XML to check tasknet's answers: well-formedness (what any
//! SDK's parser needs) and reading an element's text for the fixtures.

/// Elements nest and close, attribute values are quoted, every `&` starts
/// a known entity or a character reference, and every character is one
/// XML 1.0 allows: what botocore's parser (expat) accepts.
pub fn well_formed(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    if let Some(c) = s.chars().find(|&c| !allowed(c)) {
        return Err(format!(
            "character U+{:04X} is not allowed in XML",
            c as u32
        ));
    }
    while i < b.len() {
        match b[i] {
            b'<' if b[i..].starts_with(b"<?") => {
                let end = find(b, i, b"?>").ok_or("an unclosed <?")?;
                i = end + 2;
            }
            b'<' if b[i..].starts_with(b"</") => {
                let end = find(b, i, b">").ok_or("an unclosed end tag")?;
                let name = s[i + 2..end].trim_end();
                match stack.pop() {
                    Some(open) if open == name => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
                i = end + 1;
            }
            b'<' => {
                let end = find(b, i, b">").ok_or("an unclosed start tag")?;
                let tag = &s[i + 1..end];
                let (tag, empty) = match tag.strip_suffix('/') {
                    Some(t) => (t, true),
                    None => (tag, false),
                };
                let name_end = tag
                    .find(|c: char| c.is_ascii_whitespace())
                    .unwrap_or(tag.len());
                let name = &tag[..name_end];
                if !is_name(name) {
                    return Err(format!("bad element name {name:?}"));
                }
                attributes(&tag[name_end..])?;
                if stack.is_empty() {
                    roots += 1;
                }
                if !empty {
                    stack.push(name);
                }
                i = end + 1;
            }
            b'&' => {
                let end = find(b, i, b";").ok_or("an unterminated entity")?;
                entity(&s[i + 1..end])?;
                i = end + 1;
            }
            b'>' if stack.is_empty() => return Err("text outside the root".into()),
            c if stack.is_empty() && !c.is_ascii_whitespace() => {
                return Err("text outside the root".into())
            }
            _ => i += 1,
        }
    }
    match (stack.last(), roots) {
        (Some(open), _) => Err(format!("<{open}> is never closed")),
        (None, 1) => Ok(()),
        (None, n) => Err(format!("{n} root elements")),
    }
}

fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_name(n: &str) -> bool {
    let mut cs = n.chars();
    cs.next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && cs.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
}

fn attributes(mut rest: &str) -> Result<(), String> {
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(());
        }
        let (name, after) = rest.split_once('=').ok_or("an attribute without =")?;
        if !is_name(name.trim()) {
            return Err(format!("bad attribute name {name:?}"));
        }
        let after = after.trim_start();
        let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'');
        let quote = quote.ok_or("an unquoted attribute value")?;
        let close = after[1..]
            .find(quote)
            .ok_or("an unclosed attribute value")?;
        let value = &after[1..1 + close];
        if value.contains('<') {
            return Err("< in an attribute value".into());
        }
        rest = &after[close + 2..];
    }
}

fn entity(e: &str) -> Result<(), String> {
    let ok = match e {
        "amp" | "lt" | "gt" | "quot" | "apos" => true,
        _ => {
            let n = if let Some(h) = e.strip_prefix("#x") {
                u32::from_str_radix(h, 16).ok()
            } else if let Some(d) = e.strip_prefix('#') {
                d.parse().ok()
            } else {
                None
            };
            n.and_then(char::from_u32).is_some_and(allowed)
        }
    };
    ok.then_some(()).ok_or_else(|| format!("bad entity &{e};"))
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The text of the first `<tag>…</tag>`.
pub fn first(s: &str, tag: &str) -> Option<String> {
    all(s, tag).into_iter().next()
}

/// The texts of every `<tag>…</tag>`, in order.
pub fn all(s: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(j) = rest.find(&close) else { break };
        out.push(rest[..j].to_string());
        rest = &rest[j + close.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_tasknet_shapes_and_refuses_broken_ones() {
        assert!(well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<A xmlns=\"x\"><b>1 &amp; 2 &#x41;</b><c/></A>").is_ok());
        for bad in [
            "<A><b></A>",
            "<A>1 & 2</A>",
            "<A>a</A><B/>",
            "<A>\u{1}</A>",
            "<A x=1/>",
            "<A>&#0;</A>",
            "<A>",
            "text",
        ] {
            assert!(well_formed(bad).is_err(), "{bad}");
        }
        assert_eq!(all("<a>1</a><b/><a>2</a>", "a"), ["1", "2"]);
    }
}
