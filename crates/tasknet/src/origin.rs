//! Web pages may not drive tasknet. Any page a developer opens can send a
//! form POST or an `<img>` GET to 127.0.0.1:4566; a browser marks such
//! requests with `Origin` (POSTs, CORS requests) or at least
//! `Sec-Fetch-Site` (every request of a current browser), and SDKs and the
//! CLI send neither. So a request from a page is served only when its origin
//! is allowed: tasknet's own origin (a web console served by tasknet), or
//! one given with `--allow-origin` (as LocalStack's
//! EXTRA_CORS_ALLOWED_ORIGINS).

use hyper::header::{HeaderMap, HeaderValue};
use std::net::SocketAddr;

pub struct Origins {
    any: bool,
    /// Lower case, without a trailing slash.
    allowed: Vec<String>,
}

/// What a request's origin headers allow.
#[derive(Debug, PartialEq, Eq)]
pub enum Access<'a> {
    /// Not from a web page, or from one of tasknet's own pages.
    Plain,
    /// From an allowed page of another origin: answer with CORS headers
    /// for this origin.
    Cors(&'a str),
    /// Refused, with this message.
    Refused(String),
}

impl Origins {
    /// tasknet's own origins for `listen`, plus `extra` (`*` for any).
    pub fn new(listen: SocketAddr, extra: &[String]) -> Result<Self, String> {
        let port = listen.port();
        let mut hosts = vec![listen.to_string()];
        let ip = listen.ip();
        if ip.is_loopback() || ip.is_unspecified() {
            for h in ["localhost", "127.0.0.1", "[::1]"] {
                hosts.push(format!("{h}:{port}"));
            }
        }
        let mut allowed = Vec::new();
        for h in hosts {
            // Browsers leave the default port out of an origin.
            if port == 80 {
                allowed.push(format!("http://{}", h.trim_end_matches(":80")));
            }
            allowed.push(format!("http://{h}"));
        }
        let mut any = false;
        for o in extra.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
            if o == "*" {
                any = true;
                continue;
            }
            let norm = normalize(o);
            let host = norm
                .strip_prefix("http://")
                .or_else(|| norm.strip_prefix("https://"));
            if !host.is_some_and(|h| !h.is_empty() && !h.contains('/')) {
                return Err(format!(
                    "--allow-origin {o}: an origin is scheme://host[:port], such as http://localhost:3000, or *"
                ));
            }
            allowed.push(norm);
        }
        Ok(Origins { any, allowed })
    }

    fn allows(&self, origin: &str) -> bool {
        let o = normalize(origin);
        self.any || self.allowed.contains(&o)
    }

    /// Judge a request by its `Origin` and `Sec-Fetch-Site` headers.
    pub fn check<'a>(&self, origin: Option<&'a str>, fetch_site: Option<&str>) -> Access<'a> {
        if let Some(o) = origin {
            return if self.allows(o) {
                Access::Cors(o)
            } else {
                Access::Refused(format!(
                    "Requests from origin {o} are not allowed; start tasknet with --allow-origin {o} to allow them."
                ))
            };
        }
        // An <img>, <script> or link from another site's page: no Origin,
        // but the browser says where it came from.
        match fetch_site.map(str::trim) {
            Some(s)
                if !self.any
                    && (s.eq_ignore_ascii_case("cross-site")
                        || s.eq_ignore_ascii_case("same-site")) =>
            {
                Access::Refused(format!(
                    "Requests from web pages of other sites (Sec-Fetch-Site: {s}) are not allowed; to allow the pages of an origin, start tasknet with --allow-origin ORIGIN."
                ))
            }
            _ => Access::Plain,
        }
    }
}

fn normalize(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The headers of an answer to an allowed cross-origin request.
pub fn add_cors_headers(h: &mut HeaderMap, origin: &str) {
    h.insert("access-control-allow-origin", value(origin));
    h.append("vary", HeaderValue::from_static("Origin"));
    h.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("x-amzn-requestid"),
    );
}

/// The answer to an allowed preflight (`OPTIONS` with
/// `Access-Control-Request-Method`): 204 with what the page may send.
/// `add_cors_headers` adds the origin afterwards.
pub fn preflight(
    request_headers: Option<&str>,
    private_network: bool,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    let mut b = hyper::Response::builder()
        .status(204)
        .header("access-control-allow-methods", "GET, POST")
        .header("access-control-max-age", "600")
        .header(
            "vary",
            "Access-Control-Request-Method, Access-Control-Request-Headers",
        );
    if let Some(h) = request_headers {
        b = b.header("access-control-allow-headers", value(h));
    }
    // Chrome asks before a public page may reach a loopback address.
    if private_network {
        b = b.header("access-control-allow-private-network", "true");
    }
    b.body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap_or_else(|_| hyper::Response::new(http_body_util::Full::new(bytes::Bytes::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(listen: &str, extra: &[&str]) -> Origins {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        Origins::new(listen.parse().unwrap(), &extra).unwrap()
    }

    #[test]
    fn own_origins_on_loopback() {
        let o = origins("127.0.0.1:4566", &[]);
        for ok in [
            "http://127.0.0.1:4566",
            "http://localhost:4566",
            "http://LOCALHOST:4566/",
            "http://[::1]:4566",
        ] {
            assert_eq!(o.check(Some(ok), None), Access::Cors(ok), "{ok}");
        }
        for bad in [
            "http://localhost:3000",
            "https://localhost:4566",
            "http://evil.example",
            "null",
        ] {
            assert!(
                matches!(o.check(Some(bad), None), Access::Refused(_)),
                "{bad}"
            );
        }
    }

    #[test]
    fn own_origin_elsewhere_and_default_port() {
        let o = origins("10.1.2.3:4566", &[]);
        assert!(matches!(
            o.check(Some("http://10.1.2.3:4566"), None),
            Access::Cors(_)
        ));
        assert!(matches!(
            o.check(Some("http://localhost:4566"), None),
            Access::Refused(_)
        ));
        let o = origins("0.0.0.0:80", &[]);
        assert!(matches!(
            o.check(Some("http://localhost"), None),
            Access::Cors(_)
        ));
        assert!(matches!(
            o.check(Some("http://127.0.0.1:80"), None),
            Access::Cors(_)
        ));
    }

    #[test]
    fn extra_origins_and_any() {
        let o = origins(
            "127.0.0.1:4566",
            &["http://localhost:3000/", " https://app.example "],
        );
        assert!(matches!(
            o.check(Some("http://localhost:3000"), None),
            Access::Cors(_)
        ));
        assert!(matches!(
            o.check(Some("https://app.example"), None),
            Access::Cors(_)
        ));
        let o = origins("127.0.0.1:4566", &["*"]);
        assert!(matches!(o.check(Some("null"), None), Access::Cors(_)));
        assert_eq!(o.check(None, Some("cross-site")), Access::Plain);
        let bad: Vec<String> = vec!["localhost:3000".into()];
        assert!(Origins::new("127.0.0.1:4566".parse().unwrap(), &bad).is_err());
        let bad: Vec<String> = vec!["http://x/path".into()];
        assert!(Origins::new("127.0.0.1:4566".parse().unwrap(), &bad).is_err());
    }

    #[test]
    fn sec_fetch_site_without_origin() {
        let o = origins("127.0.0.1:4566", &[]);
        assert_eq!(o.check(None, None), Access::Plain);
        assert_eq!(o.check(None, Some("none")), Access::Plain);
        assert_eq!(o.check(None, Some("same-origin")), Access::Plain);
        assert!(matches!(
            o.check(None, Some("cross-site")),
            Access::Refused(_)
        ));
        assert!(matches!(
            o.check(None, Some("same-site")),
            Access::Refused(_)
        ));
    }

    #[test]
    fn refusal_names_the_flag() {
        let o = origins("127.0.0.1:4566", &[]);
        let Access::Refused(m) = o.check(Some("http://evil.example"), None) else {
            panic!("not refused")
        };
        assert_eq!(
            m,
            "Requests from origin http://evil.example are not allowed; start tasknet with --allow-origin http://evil.example to allow them."
        );
    }
}
