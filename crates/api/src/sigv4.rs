//! SigV4 verification (`tasknet serve --verify-signatures`): the
//! `Authorization: AWS4-HMAC-SHA256 …` header and presigned `X-Amz-*` query
//! parameters, checked the way AWS documents it (canonical request, string
//! to sign, signing key chain). Failures are `SigError`s, which each
//! protocol words with its service's own code (`SigError::to_api`); the
//! codes and texts are AWS's as collected in docs/reference/wire-errors.md §3.
//!
//! Which key signed, and whether it exists, is route.rs's business; this
//! module only parses and checks.

use crate::protocol::Protocol;
use crate::Request;
use hmac::{Hmac, KeyInit, Mac};
use model::ApiError;
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far a request's time may be from tasknet's clock.
const SKEW_SECS: i64 = 15 * 60;
/// The longest `X-Amz-Expires` (a week).
const MAX_EXPIRES_SECS: i64 = 7 * 24 * 3600;

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// Why a request's signature is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    /// No `Authorization` header and no presigned `X-Amz-Algorithm`.
    Missing,
    /// The signature's parts are malformed or missing (the text says which).
    Incomplete(String),
    /// The access key is unknown (or inactive).
    UnknownKey,
    /// The signature is not the one the secret gives (or its scope is wrong).
    Mismatch(String),
    /// The request's time is too far in the past (or a presigned URL expired).
    Expired(String),
    /// The request's time is too far in the future.
    NotYetCurrent(String),
}

impl SigError {
    pub fn mismatch() -> SigError {
        SigError::Mismatch(MISMATCH.to_string())
    }

    /// The error in `p`'s words: each service has its own codes and
    /// statuses for the same failure (docs/reference/wire-errors.md §3.1).
    pub fn to_api(&self, p: Protocol) -> ApiError {
        const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
        let (code, status, message): (&'static str, u16, String) = match (self, p) {
            (SigError::Missing, Protocol::Ec2) => (
                "MissingParameter",
                400,
                "The request must contain the parameter AWSAccessKeyId".into(),
            ),
            (SigError::Missing, Protocol::Json) => (
                "MissingAuthenticationTokenException",
                400,
                "Missing Authentication Token".into(),
            ),
            (SigError::Missing, Protocol::Query(_)) => (
                "MissingAuthenticationToken",
                403,
                "Request is missing Authentication Token".into(),
            ),
            (SigError::Incomplete(m), Protocol::Json) => {
                ("IncompleteSignatureException", 400, m.clone())
            }
            (SigError::Incomplete(m), _) => ("IncompleteSignature", 400, m.clone()),
            (SigError::UnknownKey, Protocol::Ec2) => (
                "AuthFailure",
                401,
                "AWS was not able to validate the provided access credentials".into(),
            ),
            (SigError::UnknownKey, Protocol::Json) => {
                ("UnrecognizedClientException", 400, INVALID_TOKEN.into())
            }
            (SigError::UnknownKey, Protocol::Query(_)) => {
                ("InvalidClientTokenId", 403, INVALID_TOKEN.into())
            }
            // EC2 says the same for a request from the past and the future.
            (SigError::Expired(_) | SigError::NotYetCurrent(_), Protocol::Ec2) => {
                ("RequestExpired", 400, "Request has expired.".into())
            }
            (
                SigError::Mismatch(m) | SigError::Expired(m) | SigError::NotYetCurrent(m),
                Protocol::Json,
            ) => ("InvalidSignatureException", 400, m.clone()),
            (SigError::Mismatch(m) | SigError::Expired(m) | SigError::NotYetCurrent(m), _) => {
                ("SignatureDoesNotMatch", 403, m.clone())
            }
        };
        ApiError::new(code, message).with_status(status)
    }
}

/// What a signed request says about its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub access_key: String,
    /// The credential scope: `<date>/<region>/<service>/<terminator>`.
    pub scope_date: String,
    pub region: String,
    pub service: String,
    pub terminator: String,
    /// The request's time, `YYYYMMDDTHHMMSSZ` (`X-Amz-Date`, or `Date`).
    pub timestamp: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
    /// Signed in the query string (a presigned URL), not the header.
    pub presigned: bool,
    /// A presigned request's `X-Amz-Expires`, in seconds.
    pub expires: Option<i64>,
}

/// The signature a request carries: `None` if it carries none.
pub fn parse(req: &Request) -> Result<Option<Signed>, SigError> {
    let query = decoded_query(&req.query);
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match (req.header("authorization"), param("X-Amz-Algorithm")) {
        (Some(_), Some(_)) => Err(SigError::Mismatch(
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
                .into(),
        )),
        (Some(auth), None) => parse_header(req, auth).map(Some),
        (None, Some(alg)) => parse_presigned(alg, param).map(Some),
        (None, None) => Ok(None),
    }
}

fn parse_header(req: &Request, auth: &str) -> Result<Signed, SigError> {
    let auth = auth.trim();
    let (alg, rest) = auth.split_once(' ').unwrap_or((auth, ""));
    if alg != ALGORITHM {
        return Err(SigError::Incomplete(format!(
            "Unsupported AWS 'algorithm': {alg}"
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for (k, v) in components(rest) {
        let Some(v) = v else {
            return Err(SigError::Incomplete(format!(
                "'{k}' not a valid key=value pair (missing equal-sign) in Authorization header: '{auth}'."
            )));
        };
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed_headers = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let date = req.header("x-amz-date").map(str::to_string).or_else(|| {
        req.header("date")
            .map(|d| http_date_to_basic(d).unwrap_or(d.to_string()))
    });
    let mut missing = Vec::new();
    if credential.is_none() {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none() {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    if signed_headers.is_none() {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if date.is_none() {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    }
    let (Some(credential), Some(signed_headers), Some(signature), Some(date)) =
        (credential, signed_headers, signature, date)
    else {
        return Err(SigError::Incomplete(format!(
            "{} Authorization={auth}",
            missing.join(" ")
        )));
    };
    signed(credential, signed_headers, signature, date, None).map(|s| Signed {
        presigned: false,
        ..s
    })
}

/// The `key=value` components of an Authorization header after its
/// algorithm, trimmed (`None`: a component without `=`).
fn components(rest: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    rest.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (part, None),
        })
}

/// The `Credential` component of an Authorization header, read exactly as
/// `parse` reads it (the last one wins), so that a request is routed by
/// the scope its signature is checked against (route::credential_scope).
pub fn header_credential(auth: &str) -> Option<&str> {
    let (_, rest) = auth.trim().split_once(' ')?;
    components(rest)
        .filter_map(|(k, v)| if k == "Credential" { v } else { None })
        .last()
}

fn parse_presigned<'a>(
    alg: &str,
    param: impl Fn(&str) -> Option<&'a str>,
) -> Result<Signed, SigError> {
    if alg != ALGORITHM {
        return Err(SigError::Incomplete(format!(
            "Unsupported AWS 'algorithm': {alg}"
        )));
    }
    let names = [
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
        "X-Amz-Date",
    ];
    let missing: Vec<String> = names
        .iter()
        .filter(|n| param(n).is_none())
        .map(|n| format!("AWS query-string parameters must include '{n}'."))
        .collect();
    if !missing.is_empty() {
        return Err(SigError::Incomplete(format!(
            "{} Re-examine the query-string parameters.",
            missing.join(" ")
        )));
    }
    let get = |n| param(n).unwrap_or_default();
    let expires = match param("X-Amz-Expires") {
        None => None,
        Some(e) => match e.parse::<i64>() {
            Ok(s) if (1..=MAX_EXPIRES_SECS).contains(&s) => Some(s),
            _ => {
                return Err(SigError::Incomplete(format!(
                    "X-Amz-Expires must be a whole number of seconds from 1 to {MAX_EXPIRES_SECS}, not '{e}'."
                )))
            }
        },
    };
    signed(
        get("X-Amz-Credential"),
        get("X-Amz-SignedHeaders"),
        get("X-Amz-Signature"),
        get("X-Amz-Date").to_string(),
        expires,
    )
    .map(|s| Signed {
        presigned: true,
        ..s
    })
}

fn signed(
    credential: &str,
    signed_headers: &str,
    signature: &str,
    timestamp: String,
    expires: Option<i64>,
) -> Result<Signed, SigError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, terminator] = parts[..] else {
        return Err(SigError::Incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )));
    };
    Ok(Signed {
        access_key: key.to_string(),
        scope_date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        terminator: terminator.to_string(),
        timestamp,
        signed_headers: signed_headers.split(';').map(str::to_string).collect(),
        signature: signature.to_string(),
        presigned: expires.is_some(),
        expires,
    })
}

/// Check `s` against the request with the key's secret, at `now` (epoch
/// seconds). `service` is the service the request was routed to, when
/// the scope must name it (an `X-Amz-Target` names ECS).
pub fn verify(
    req: &Request,
    s: &Signed,
    secret: &str,
    now: i64,
    service: Option<&str>,
) -> Result<(), SigError> {
    if s.terminator != "aws4_request" {
        return Err(SigError::Mismatch(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
            s.terminator
        )));
    }
    if let Some(want) = service.filter(|w| *w != s.service) {
        return Err(SigError::Mismatch(format!(
            "Credential should be scoped to correct service: '{want}'. "
        )));
    }
    // IAM is a global service signed in us-east-1 (the trailing space is AWS's).
    if s.service == "iam" && s.region != "us-east-1" {
        return Err(SigError::Mismatch(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            s.region
        )));
    }
    let Some(t) = parse_basic(&s.timestamp) else {
        return Err(SigError::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            s.timestamp
        )));
    };
    if s.timestamp[..8] != s.scope_date {
        return Err(SigError::Mismatch(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
            s.scope_date,
            &s.timestamp[..8],
            s.timestamp
        )));
    }
    check_time(&s.timestamp, t, now, s.expires)?;
    if !s.signed_headers.iter().any(|h| h == "host") {
        return Err(SigError::Mismatch(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    let payload = hex(&Sha256::digest(&req.body));
    // A client may say what it hashed; it must be what arrived.
    if req
        .header("x-amz-content-sha256")
        .is_some_and(|h| h != payload)
    {
        return Err(SigError::mismatch());
    }
    let creq = canonical_request(req, s, &payload);
    let expected = signature(secret, s, &creq);
    if constant_time_eq(expected.as_bytes(), s.signature.as_bytes()) {
        Ok(())
    } else {
        Err(SigError::mismatch())
    }
}

/// The 15-minute window around now; a presigned request also ends
/// `X-Amz-Expires` seconds after its time.
fn check_time(ts: &str, t: i64, now: i64, expires: Option<i64>) -> Result<(), SigError> {
    if t > now + SKEW_SECS {
        return Err(SigError::NotYetCurrent(format!(
            "Signature not yet current: {ts} is still later than {} ({} + 15 min.)",
            basic(now + SKEW_SECS),
            basic(now)
        )));
    }
    match expires {
        None if t < now - SKEW_SECS => Err(SigError::Expired(format!(
            "Signature expired: {ts} is now earlier than {} ({} - 15 min.)",
            basic(now - SKEW_SECS),
            basic(now)
        ))),
        Some(e) if now > t + e => Err(SigError::Expired(format!(
            "Signature expired: {ts} is now earlier than {} ({} - {e} sec.)",
            basic(now - e),
            basic(now)
        ))),
        _ => Ok(()),
    }
}

/// The canonical request (AWS's "Create a canonical request"): method,
/// URI, query, headers, signed header names and payload hash.
pub fn canonical_request(req: &Request, s: &Signed, payload_hash: &str) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(&req.method);
    out.push('\n');
    out.push_str(&canonical_uri(&req.path));
    out.push('\n');
    out.push_str(&canonical_query(&req.query, s.presigned));
    out.push('\n');
    for name in &s.signed_headers {
        out.push_str(name);
        out.push(':');
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| collapse_spaces(v))
            .collect();
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&s.signed_headers.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    out
}

/// The signature the secret gives for the canonical request.
pub fn signature(secret: &str, s: &Signed, creq: &str) -> String {
    let scope = format!(
        "{}/{}/{}/{}",
        s.scope_date, s.region, s.service, s.terminator
    );
    let to_sign = format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        s.timestamp,
        hex(&Sha256::digest(creq.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), s.scope_date.as_bytes());
    for part in [&s.region, &s.service, &s.terminator] {
        key = hmac(&key, part.as_bytes());
    }
    hex(&hmac(&key, to_sign.as_bytes()))
}

/// Sign `req` as a client would (for tests and tools): sets `Host` (if
/// missing), `X-Amz-Date` and `Authorization`, signing `host;x-amz-date`.
pub fn sign(
    req: &mut Request,
    access_key: &str,
    secret: &str,
    region: &str,
    service: &str,
    now: i64,
) {
    let timestamp = basic(now);
    if req.header("host").is_none() {
        req.headers.push(("host".into(), "localhost".into()));
    }
    req.headers
        .retain(|(k, _)| k != "x-amz-date" && k != "authorization");
    req.headers.push(("x-amz-date".into(), timestamp.clone()));
    let s = Signed {
        access_key: access_key.into(),
        scope_date: timestamp[..8].into(),
        region: region.into(),
        service: service.into(),
        terminator: "aws4_request".into(),
        timestamp,
        signed_headers: vec!["host".into(), "x-amz-date".into()],
        signature: String::new(),
        presigned: false,
        expires: None,
    };
    let creq = canonical_request(req, &s, &hex(&Sha256::digest(&req.body)));
    let auth = format!(
        "{ALGORITHM} Credential={access_key}/{}/{region}/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature={}",
        s.scope_date,
        signature(secret, &s, &creq)
    );
    req.headers.push(("authorization".into(), auth));
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn hex(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(HEX[(x >> 4) as usize] as char);
        s.push(HEX[(x & 15) as usize] as char);
    }
    s
}

/// Compares without stopping at the first difference, so the time taken
/// says nothing about how much of a guessed signature was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Non-S3 services encode the (already encoded) path again, after removing
/// dot segments: each `%` of the request line becomes `%25`.
fn canonical_uri(path: &str) -> String {
    let mut segs: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    let normalized = format!("/{}", segs.join("/"));
    let mut out = String::with_capacity(normalized.len());
    for b in normalized.bytes() {
        if b == b'/' {
            out.push('/');
        } else {
            encode_byte(&mut out, b);
        }
    }
    out
}

/// Names and values decoded and encoded again with AWS's unreserved set,
/// sorted by name then value; a presigned request's own signature is not
/// part of what it signs.
fn canonical_query(query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = raw_pairs(query)
        .filter(|(k, _)| !(presigned && k == b"X-Amz-Signature"))
        .map(|(k, v)| (encode(&k), encode(&v)))
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// `name=value` pairs of a query string, percent-decoded (a `+` stays a
/// `+`: SigV4 clients encode spaces as `%20`).
fn raw_pairs(query: &str) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn decoded_query(query: &str) -> Vec<(String, String)> {
    raw_pairs(query)
        .map(|(k, v)| {
            (
                String::from_utf8_lossy(&k).into_owned(),
                String::from_utf8_lossy(&v).into_owned(),
            )
        })
        .collect()
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hexval = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hexval(b[i + 1]), hexval(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn encode(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for &x in b {
        encode_byte(&mut out, x);
    }
    out
}

fn encode_byte(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
        out.push(b as char);
    } else {
        out.push('%');
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
}

/// Trimmed, with inner runs of spaces as one.
fn collapse_spaces(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for w in v.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// `YYYYMMDDTHHMMSSZ` as epoch seconds.
fn parse_basic(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// Epoch seconds as `YYYYMMDDTHHMMSSZ`.
pub fn basic(secs: i64) -> String {
    let iso = model::Millis(secs * 1000).iso8601(); // 2024-03-25T08:44:20.000Z
    iso[..19].replace(['-', ':'], "") + "Z"
}

/// An HTTP `Date` (IMF-fixdate, `Sun, 30 Aug 2015 12:36:00 GMT`) as
/// `YYYYMMDDTHHMMSSZ`.
fn http_date_to_basic(d: &str) -> Option<String> {
    let parts: Vec<&str> = d.split_whitespace().collect();
    let [_, day, mon, year, time, "GMT"] = parts[..] else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| *x == mon)? + 1;
    let day: u32 = day.parse().ok()?;
    let year: u32 = year.parse().ok()?;
    let t = time.replace(':', "");
    (t.len() == 6 && t.bytes().all(|c| c.is_ascii_digit()))
        .then(|| format!("{year:04}{m:02}{day:02}T{t}Z"))
}

/// Howard Hinnant's civil-to-days conversion.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{IAM_NS, STS_NS};

    const KEY: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const STAMP: &str = "20150830T123600Z";

    fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn now() -> i64 {
        parse_basic(STAMP).unwrap()
    }

    /// A request of the AWS SigV4 test suite (aws-sig-v4-test-suite, the
    /// `service` service in us-east-1 at 20150830T123600Z), with its
    /// published signature.
    fn suite_case(
        method: &str,
        target: &str,
        extra: &[(&str, &str)],
        body: &str,
        signed: &str,
        signature: &str,
    ) -> Request {
        let mut headers = vec![("Host", "example.amazonaws.com"), ("X-Amz-Date", STAMP)];
        headers.extend_from_slice(extra);
        let auth = format!("{ALGORITHM} Credential={KEY}/20150830/us-east-1/service/aws4_request, SignedHeaders={signed}, Signature={signature}");
        headers.push(("Authorization", &auth));
        request(method, target, &headers, body)
    }

    #[test]
    fn aws_test_suite_vectors_verify() {
        let unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let cases: Vec<(&str, Request)> = vec![
            (
                "get-vanilla",
                suite_case(
                    "GET",
                    "/",
                    &[],
                    "",
                    "host;x-amz-date",
                    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
                ),
            ),
            (
                "post-vanilla",
                suite_case(
                    "POST",
                    "/",
                    &[],
                    "",
                    "host;x-amz-date",
                    "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
                ),
            ),
            (
                "post-vanilla-query",
                suite_case(
                    "POST",
                    "/?Param1=value1",
                    &[],
                    "",
                    "host;x-amz-date",
                    "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
                ),
            ),
            (
                "get-vanilla-query-order-key-case",
                suite_case(
                    "GET",
                    "/?Param2=value2&Param1=value1",
                    &[],
                    "",
                    "host;x-amz-date",
                    "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
                ),
            ),
            (
                "get-vanilla-query-order-value",
                suite_case(
                    "GET",
                    "/?Param1=value2&Param1=Value1",
                    &[],
                    "",
                    "host;x-amz-date",
                    "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
                ),
            ),
            (
                "get-vanilla-query-unreserved",
                suite_case(
                    "GET",
                    &format!("/?{unreserved}={unreserved}"),
                    &[],
                    "",
                    "host;x-amz-date",
                    "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
                ),
            ),
            (
                "get-header-value-trim",
                suite_case(
                    "GET",
                    "/",
                    &[("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
                    "",
                    "host;my-header1;my-header2;x-amz-date",
                    "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
                ),
            ),
            (
                "post-x-www-form-urlencoded",
                suite_case(
                    "POST",
                    "/",
                    &[("Content-Type", "application/x-www-form-urlencoded")],
                    "Param1=value1",
                    "content-type;host;x-amz-date",
                    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
                ),
            ),
        ];
        for (name, req) in cases {
            let s = parse(&req).unwrap().unwrap();
            assert_eq!(s.access_key, KEY);
            assert_eq!(verify(&req, &s, SECRET, now(), None), Ok(()), "{name}");
            assert_eq!(
                verify(&req, &s, "wrong", now(), None),
                Err(SigError::mismatch()),
                "{name}"
            );
        }
    }

    /// A presigned STS GetCallerIdentity URL, as botocore 1.43.11's
    /// SigV4QueryAuth signs it (same key and time, expires 900).
    fn presigned() -> Request {
        request(
            "GET",
            "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=e8d7e61248a0d11a99b5981a6802d73250938b6d2c6f32f9a6b8a331d25ef4b1",
            &[("Host", "sts.amazonaws.com")],
            "",
        )
    }

    #[test]
    fn presigned_urls_verify_until_they_expire() {
        let req = presigned();
        let s = parse(&req).unwrap().unwrap();
        assert!(s.presigned);
        assert_eq!((s.service.as_str(), s.expires), ("sts", Some(900)));
        assert_eq!(verify(&req, &s, SECRET, now() + 900, None), Ok(()));
        let e = verify(&req, &s, SECRET, now() + 901, None).unwrap_err();
        assert_eq!(
            e,
            SigError::Expired("Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 900 sec.)".into())
        );
        let tampered = Request {
            query: req.query.replace("GetCallerIdentity", "GetSessionToken"),
            ..presigned()
        };
        assert_eq!(
            verify(&tampered, &s, SECRET, now(), None),
            Err(SigError::mismatch())
        );
    }

    #[test]
    fn time_window_is_fifteen_minutes() {
        let req = suite_case(
            "GET",
            "/",
            &[],
            "",
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        );
        let s = parse(&req).unwrap().unwrap();
        assert_eq!(verify(&req, &s, SECRET, now() + 900, None), Ok(()));
        assert_eq!(verify(&req, &s, SECRET, now() - 900, None), Ok(()));
        assert_eq!(
            verify(&req, &s, SECRET, now() + 901, None),
            Err(SigError::Expired("Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)".into()))
        );
        assert!(matches!(
            verify(&req, &s, SECRET, now() - 901, None),
            Err(SigError::NotYetCurrent(m)) if m.starts_with("Signature not yet current: 20150830T123600Z is still later than")
        ));
    }

    #[test]
    fn a_body_that_is_not_what_was_signed_fails() {
        let mut req = suite_case(
            "POST",
            "/",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "Param1=value1",
            "content-type;host;x-amz-date",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        );
        let s = parse(&req).unwrap().unwrap();
        req.body = b"Param1=value2".to_vec();
        assert_eq!(
            verify(&req, &s, SECRET, now(), None),
            Err(SigError::mismatch())
        );
        // A content hash header must match the body that arrived.
        req.body = b"Param1=value1".to_vec();
        req.headers
            .push(("x-amz-content-sha256".into(), "0".repeat(64)));
        assert_eq!(
            verify(&req, &s, SECRET, now(), None),
            Err(SigError::mismatch())
        );
    }

    #[test]
    fn scope_checks() {
        let req = suite_case(
            "GET",
            "/",
            &[],
            "",
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        );
        let s = parse(&req).unwrap().unwrap();
        assert_eq!(
            verify(&req, &s, SECRET, now(), Some("ecs")),
            Err(SigError::Mismatch(
                "Credential should be scoped to correct service: 'ecs'. ".into()
            ))
        );
        let iam = Signed {
            service: "iam".into(),
            region: "eu-west-1".into(),
            ..s.clone()
        };
        assert_eq!(
            verify(&req, &iam, SECRET, now(), None),
            Err(SigError::Mismatch(
                "Credential should be scoped to a valid region, not 'eu-west-1'. ".into()
            ))
        );
        let day = Signed {
            scope_date: "20150831".into(),
            ..s
        };
        assert_eq!(
            verify(&req, &day, SECRET, now(), None),
            Err(SigError::Mismatch("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'.".into()))
        );
    }

    #[test]
    fn malformed_signatures_are_incomplete() {
        let r = |auth: &str, date: bool| {
            let mut h = vec![("Host", "h"), ("Authorization", auth)];
            if date {
                h.push(("X-Amz-Date", STAMP));
            }
            parse(&request("POST", "/", &h, ""))
        };
        assert_eq!(
            r("AWS4-HMAC-SHA256 Credential=ABCDEF", true),
            Err(SigError::Incomplete("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=ABCDEF".into()))
        );
        assert!(matches!(
            r("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=00", false),
            Err(SigError::Incomplete(m)) if m.starts_with("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        ));
        assert_eq!(
            r("AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=00", true),
            Err(SigError::Incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c'".into()))
        );
        assert!(
            matches!(r("AWS AKID:sig", true), Err(SigError::Incomplete(m)) if m.contains("Unsupported AWS 'algorithm'"))
        );
        // Presigned, with parameters missing.
        let q = request(
            "GET",
            "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb%2Fc%2Fd%2Fe",
            &[],
            "",
        );
        assert_eq!(
            parse(&q),
            Err(SigError::Incomplete("AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.".into()))
        );
        // Both forms at once.
        let both = request(
            "GET",
            "/?X-Amz-Algorithm=AWS4-HMAC-SHA256",
            &[("Authorization", "AWS4-HMAC-SHA256 x")],
            "",
        );
        assert!(matches!(parse(&both), Err(SigError::Mismatch(m)) if m.starts_with("Found both")));
        // No signature at all.
        assert_eq!(parse(&request("POST", "/", &[("Host", "h")], "")), Ok(None));
    }

    #[test]
    fn a_date_header_stands_in_for_x_amz_date() {
        let h = [
            ("Host", "h"),
            ("Date", "Sun, 30 Aug 2015 12:36:00 GMT"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=a/20150830/us-east-1/ec2/aws4_request, SignedHeaders=date;host, Signature=00"),
        ];
        let s = parse(&request("GET", "/", &h, "")).unwrap().unwrap();
        assert_eq!(s.timestamp, STAMP);
    }

    #[test]
    fn each_protocol_has_its_own_codes() {
        let code = |e: &SigError, p| {
            let a = e.to_api(p);
            (a.code.to_string(), a.status)
        };
        let (ec2, json, iam, sts) = (
            Protocol::Ec2,
            Protocol::Json,
            Protocol::Query(IAM_NS),
            Protocol::Query(STS_NS),
        );
        let unknown = SigError::UnknownKey;
        assert_eq!(code(&unknown, ec2), ("AuthFailure".into(), 401));
        assert_eq!(
            code(&unknown, json),
            ("UnrecognizedClientException".into(), 400)
        );
        assert_eq!(code(&unknown, iam), ("InvalidClientTokenId".into(), 403));
        let bad = SigError::mismatch();
        assert_eq!(code(&bad, ec2), ("SignatureDoesNotMatch".into(), 403));
        assert_eq!(code(&bad, json), ("InvalidSignatureException".into(), 400));
        assert_eq!(code(&bad, sts), ("SignatureDoesNotMatch".into(), 403));
        let missing = SigError::Missing;
        assert_eq!(code(&missing, ec2), ("MissingParameter".into(), 400));
        assert_eq!(
            code(&missing, json),
            ("MissingAuthenticationTokenException".into(), 400)
        );
        assert_eq!(
            code(&missing, sts),
            ("MissingAuthenticationToken".into(), 403)
        );
        let inc = SigError::Incomplete("x".into());
        assert_eq!(
            code(&inc, json),
            ("IncompleteSignatureException".into(), 400)
        );
        assert_eq!(code(&inc, iam), ("IncompleteSignature".into(), 400));
        let old = SigError::Expired("x".into());
        assert_eq!(code(&old, ec2), ("RequestExpired".into(), 400));
        assert_eq!(code(&old, json), ("InvalidSignatureException".into(), 400));
        assert_eq!(code(&old, iam), ("SignatureDoesNotMatch".into(), 403));
    }

    #[test]
    fn canonical_parts() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a/./b/../c"), "/a/c");
        // Encoded twice: the `%` of `%20` is itself encoded.
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
        assert_eq!(canonical_query("b=2&a=1&a=0&c", false), "a=0&a=1&b=2&c=");
        assert_eq!(
            canonical_query("k=a%2Fb&k2=a/b&sp=a%20b", false),
            "k=a%2Fb&k2=a%2Fb&sp=a%20b"
        );
        assert_eq!(canonical_query("X-Amz-Signature=1&a=1", true), "a=1");
        assert_eq!(collapse_spaces("  a   b  c "), "a b c");
        assert_eq!(
            basic(parse_basic("20240229T235959Z").unwrap()),
            "20240229T235959Z"
        );
        assert_eq!(parse_basic("2024-02-29T23:59:59Z"), None);
        assert_eq!(parse_basic("20241329T000000Z"), None);
        assert_eq!(percent_decode("%4"), b"%4");
        assert_eq!(percent_decode("%zz%41"), b"%zzA");
    }
}
