//! SigV4 scope parsing and protocol detection from a request's head
//! (`api::route::credential_scope`, `api::protocol::detect`), and the
//! signature parser and verifier (`api::sigv4`). An input is one request in
//! the text form of `request.rs`.

use crate::request;
use api::protocol::{self, Protocol};
use api::route::credential_scope;
use api::sigv4::{self, SigError};
use api::Request;

/// 20150830T123600Z, the AWS test suite's time; inputs made from its
/// vectors are current then.
const SUITE_NOW: i64 = 1_440_938_160;
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

pub fn run(data: &[u8]) {
    let req = request::parse(request::split(data)[0]);
    let header = |name: &str| req.header(name);
    let presigned = query_param(&req.query, "X-Amz-Credential");

    let from_header = credential_scope(req.header("authorization"), None);
    let from_query = credential_scope(None, presigned.as_deref());
    for s in from_header.iter().chain(&from_query) {
        for part in [&s.access_key, &s.region, &s.service] {
            assert!(!part.contains('/'), "a scope part holds a slash: {s:?}");
        }
    }

    let p = protocol::detect(&req.query, header);
    let json = req.header("x-amz-target").is_some()
        || req.header("content-type").is_some_and(|ct| {
            let media = ct.split(';').next().unwrap_or("").trim();
            media.eq_ignore_ascii_case("application/x-amz-json-1.1")
                || media.eq_ignore_ascii_case("application/x-amz-json-1.0")
        });
    // Else the scope's service decides, from the header or a presigned URL.
    let service =
        credential_scope(req.header("authorization"), presigned.as_deref()).map(|s| s.service);
    assert_eq!(
        p == Protocol::Json,
        json || service.as_deref() == Some("ecs"),
        "{p:?}"
    );

    match sigv4::parse(&req) {
        Ok(Some(signed)) => {
            if !signed.presigned {
                // Routing and verification read the same scope from the
                // header: a request is routed to the service it is signed for.
                let scope = from_header
                    .as_ref()
                    .map(|s| (&s.access_key, &s.region, &s.service));
                if signed.terminator == "aws4_request" {
                    assert_eq!(
                        scope,
                        Some((&signed.access_key, &signed.region, &signed.service)),
                        "credential_scope and sigv4::parse disagree"
                    );
                }
            }
            for now in [SUITE_NOW, control::now().0 / 1000] {
                for service in [None, Some("ecs")] {
                    if let Err(e) = sigv4::verify(&req, &signed, SECRET, now, service) {
                        refusal(&e);
                    }
                }
            }
        }
        Ok(None) => {
            assert!(req.header("authorization").is_none());
        }
        Err(e) => refusal(&e),
    }
    roundtrip(&req);
}

/// A refusal is a client error in every protocol's words.
fn refusal(e: &SigError) {
    for p in [
        Protocol::Ec2,
        Protocol::Json,
        Protocol::Query(protocol::IAM_NS),
        Protocol::Query(protocol::STS_NS),
        Protocol::Query(protocol::ELBV2_NS),
        Protocol::Query(""),
    ] {
        let a = e.to_api(p);
        assert!(
            (400..500).contains(&a.status),
            "{e:?} in {p:?}: {}",
            a.status
        );
        assert!(!a.code.is_empty());
    }
}

/// Whatever the request, once signed the way a client signs it, verifies.
fn roundtrip(req: &Request) {
    let mut r = Request {
        method: req.method.clone(),
        path: req.path.clone(),
        // A presigned request's own parameters would make it signed twice.
        query: req
            .query
            .split('&')
            .filter(|pair| {
                let name = form_urlencoded::parse(pair.as_bytes())
                    .next()
                    .map(|(k, _)| k.to_ascii_lowercase())
                    .unwrap_or_default();
                !name.starts_with("x-amz-")
            })
            .collect::<Vec<_>>()
            .join("&"),
        headers: req
            .headers
            .iter()
            .filter(|(k, _)| k != "x-amz-content-sha256" && k != "date")
            .cloned()
            .collect(),
        body: req.body.clone(),
    };
    // sign() keeps a Host header that is there; it must be there once.
    let hosts = r.headers.iter().filter(|(k, _)| k == "host").count();
    if hosts > 1 {
        return;
    }
    let now = control::now().0 / 1000;
    sigv4::sign(&mut r, "AKIDEXAMPLE", SECRET, "us-east-1", "ec2", now);
    let signed = match sigv4::parse(&r) {
        Ok(Some(s)) => s,
        other => panic!("a request signed by sigv4::sign does not parse: {other:?}"),
    };
    if let Err(e) = sigv4::verify(&r, &signed, SECRET, now, None) {
        panic!("a request signed by sigv4::sign does not verify: {e:?}");
    }
}

fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
