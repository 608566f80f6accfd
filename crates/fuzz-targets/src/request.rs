//! The text form of fuzzed HTTP requests, so that seeds are real requests
//! written out as they went over the wire and every kept input can be read:
//!
//! ```text
//! POST /?Action=DescribeVpcs
//! content-type: application/x-www-form-urlencoded
//! authorization: AWS4-HMAC-SHA256 Credential=…
//!
//! Version=2016-11-15&VpcId.1={vpc}
//! %%
//! GET /?Action=…              (a second request of the same input)
//! ```
//!
//! The first line is the method and the target (path, then `?query`); header
//! lines follow up to an empty line; the rest is the body. A line `%%`
//! separates requests of one input (for bugs that need state). Anything
//! parses: a byte string that is not a request becomes some request.

use api::Request;

/// The line between two requests of one input.
pub const SEPARATOR: &[u8] = b"\n%%\n";

/// At most this many requests are taken from one input (more would only
/// slow the fuzzer down).
pub const MAX_REQUESTS: usize = 8;

/// Split an input into its requests' texts.
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < MAX_REQUESTS - 1 {
        match find(rest, SEPARATOR) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One request from its text. Header names are lower-cased (as the server
/// hands them to the api); a trailing `\r` is dropped from the head's lines,
/// so captures with CRLF line ends parse too.
pub fn parse(text: &[u8]) -> Request {
    let mut lines = text.split_inclusive(|&b| b == b'\n');
    let mut consumed = 0;
    let mut next_line = |consumed: &mut usize| {
        lines.next().map(|l| {
            *consumed += l.len();
            let l = l.strip_suffix(b"\n").unwrap_or(l);
            l.strip_suffix(b"\r").unwrap_or(l)
        })
    };
    let first = next_line(&mut consumed).unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    let (method, target) = first.split_once(' ').unwrap_or((&first, ""));
    let target = target.trim();
    // An HTTP/1.1 request line ends with the version; captures may have it.
    let target = target
        .rsplit_once(' ')
        .filter(|(_, v)| v.starts_with("HTTP/"))
        .map_or(target, |(t, _)| t);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    while let Some(line) = next_line(&mut consumed) {
        if line.is_empty() {
            break;
        }
        let line = String::from_utf8_lossy(line);
        let (k, v) = line.split_once(':').unwrap_or((&line, ""));
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    Request {
        method: if method.is_empty() { "POST" } else { method }.to_string(),
        path: if path.is_empty() { "/" } else { path }.to_string(),
        query: query.to_string(),
        headers,
        body: text[consumed.min(text.len())..].to_vec(),
    }
}

/// The text of a request (the inverse of `parse`, for captured seeds and
/// for the mutator's output).
pub fn render(r: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(r.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(r.path.as_bytes());
    if !r.query.is_empty() {
        out.push(b'?');
        out.extend_from_slice(r.query.as_bytes());
    }
    out.push(b'\n');
    for (k, v) in &r.headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(&r.body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_head_and_body() {
        let r = parse(b"GET /a/b?Action=X&Version=1 HTTP/1.1\r\nContent-Type: text/plain\r\nX-Empty\r\n\r\nbody\nmore");
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/a/b");
        assert_eq!(r.query, "Action=X&Version=1");
        assert_eq!(
            r.headers,
            [
                ("content-type".to_string(), "text/plain".to_string()),
                ("x-empty".to_string(), String::new())
            ]
        );
        assert_eq!(r.body, b"body\nmore");
        let back = parse(&render(&r));
        assert_eq!(
            (back.method, back.path, back.query, back.headers, back.body),
            (r.method, r.path, r.query, r.headers, r.body)
        );
    }

    #[test]
    fn anything_is_a_request() {
        for junk in [&b""[..], b"\n", b"\xff\xfe", b"POST", b"a:b\n\n", b"\n\n\n"] {
            let r = parse(junk);
            assert!(!r.method.is_empty() && r.path.starts_with('/') || !r.path.is_empty());
        }
        assert_eq!(split(b"a\n%%\nb\n%%\n").len(), 3);
        assert_eq!(split(&b"x\n%%\n".repeat(20)).len(), MAX_REQUESTS);
    }
}
