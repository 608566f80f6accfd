//! Which AWS protocol a request is addressed to, decided from its head alone
//! (method, path, query string, headers), so that errors raised before the
//! body is read or the request is routed — body too large, timeouts, refused
//! origins, panics — come back in the envelope the caller's SDK parses.
//!
//! The error codes of those early errors are chosen here too, one function
//! each, so that a protocol's choice can be changed in one place.

use crate::envelope;
use crate::route::credential_scope;
use crate::Response;
use model::ApiError;

pub const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
pub const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
pub const ELBV2_NS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// EC2 query: `<Response><Errors><Error>…</Errors><RequestID>`.
    Ec2,
    /// awsJson1_1: `{"__type": code, "message": text}`.
    Json,
    /// awsQuery with the service's XML namespace (empty for a service
    /// tasknet does not know, as route.rs answers those).
    Query(&'static str),
}

/// The protocol of a request, from its query string and headers. `header`
/// looks a header up by its lower-case name.
///
/// Order: an `X-Amz-Target` or awsJson content type means JSON; else the
/// SigV4 credential scope (header, or presigned `X-Amz-Credential`) names
/// the service; else the `Version` query parameter; else EC2, which is what
/// route.rs assumes for unsigned requests without a version. A `Version`
/// sent only in a form body is not seen here (the body is not read yet).
pub fn detect<'a>(query: &str, header: impl Fn(&str) -> Option<&'a str>) -> Protocol {
    if header("x-amz-target").is_some() || header("content-type").is_some_and(is_aws_json) {
        return Protocol::Json;
    }
    let presigned = query_param(query, "X-Amz-Credential");
    let scope = credential_scope(header("authorization"), presigned.as_deref());
    let version = query_param(query, "Version");
    for_query(
        scope.as_ref().map(|s| s.service.as_str()),
        version.as_deref(),
    )
}

/// The protocol of a query-style request whose credential-scope service
/// and `Version` parameter are known.
pub fn for_query(service: Option<&str>, version: Option<&str>) -> Protocol {
    match (service, version) {
        (Some(s), _) => by_service(s),
        (None, Some("2010-05-08")) => Protocol::Query(IAM_NS),
        (None, Some("2011-06-15")) => Protocol::Query(STS_NS),
        (None, Some("2015-12-01")) => Protocol::Query(ELBV2_NS),
        (None, _) => Protocol::Ec2,
    }
}

fn by_service(service: &str) -> Protocol {
    match service {
        "ec2" => Protocol::Ec2,
        "ecs" => Protocol::Json,
        "iam" => Protocol::Query(IAM_NS),
        "sts" => Protocol::Query(STS_NS),
        "elasticloadbalancing" => Protocol::Query(ELBV2_NS),
        _ => Protocol::Query(""),
    }
}

/// `application/x-amz-json-1.1` (or 1.0), any case, parameters allowed.
fn is_aws_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/x-amz-json-1.1")
        || media.eq_ignore_ascii_case("application/x-amz-json-1.0")
}

fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `e` in the envelope of `p`.
pub fn error(p: Protocol, e: &ApiError, request_id: String) -> Response {
    match p {
        Protocol::Ec2 => envelope::ec2_error(e, request_id),
        Protocol::Json => envelope::json_error(e, request_id),
        Protocol::Query(ns) => envelope::query_error(ns, e, request_id),
    }
}

/// A query request without `Action` (wording as EC2's `MissingParameter`;
/// docs/reference/wire-errors.md).
pub fn missing_action() -> ApiError {
    ApiError::new(
        "MissingAction",
        "The request must contain the parameter Action",
    )
}

/// A method other than GET or POST on the AWS endpoint (EC2's
/// `InvalidHttpRequest` wording; docs/reference/wire-errors.md).
pub fn bad_method(method: &str) -> ApiError {
    ApiError::new(
        "InvalidHttpRequest",
        format!("The HTTP request is invalid. Reason: Unsupported HTTP method {method}"),
    )
}

/// A body over the per-request limit: 413.
pub fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        "RequestEntityTooLarge",
        format!("Request body is too large: the limit is {limit} bytes."),
    )
    .with_status(413)
}

/// The body did not arrive in time: 408.
pub fn body_timeout(secs: u64) -> ApiError {
    ApiError::new(
        "RequestTimeout",
        format!("The request body was not received within {secs} seconds."),
    )
    .with_status(408)
}

/// A temporary refusal the SDKs retry (503): botocore and the other SDKs
/// retry 503 whatever the code. Each envelope gives it its service's own
/// server-error code (`ApiError::unavailable`).
pub fn unavailable(message: impl Into<String>) -> ApiError {
    ApiError::unavailable(message)
}

/// A request refused for where it came from (a web page's origin): 403.
pub fn access_denied(p: Protocol, message: impl Into<String>) -> ApiError {
    let code = match p {
        // EC2's own code for a refused caller.
        Protocol::Ec2 => "UnauthorizedOperation",
        Protocol::Json => "AccessDeniedException",
        Protocol::Query(_) => "AccessDenied",
    };
    ApiError::new(code, message).with_status(403)
}

/// A bug in tasknet (a handler panicked): 500.
pub fn internal_failure(p: Protocol) -> ApiError {
    let code = match p {
        Protocol::Json => "ServerException",
        // EC2's server error code.
        Protocol::Ec2 => "InternalError",
        Protocol::Query(_) => "InternalFailure",
    };
    ApiError::new(
        code,
        "An internal error has occurred: tasknet failed while handling this request; the log has the details under this request id.",
    )
    .with_status(500)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_with(query: &str, headers: &[(&str, &str)]) -> Protocol {
        detect(query, |name| {
            headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
        })
    }

    fn auth(service: &str) -> String {
        format!("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0")
    }

    #[test]
    fn unsigned_without_version_is_ec2() {
        assert_eq!(detect_with("", &[]), Protocol::Ec2);
        assert_eq!(detect_with("Action=DescribeVpcs", &[]), Protocol::Ec2);
        assert_eq!(detect_with("Version=1999-01-01", &[]), Protocol::Ec2);
        assert_eq!(
            detect_with("", &[("content-type", "application/x-www-form-urlencoded")]),
            Protocol::Ec2
        );
    }

    #[test]
    fn json_by_target_or_content_type() {
        assert_eq!(
            detect_with(
                "",
                &[(
                    "x-amz-target",
                    "AmazonEC2ContainerServiceV20141113.ListClusters"
                )]
            ),
            Protocol::Json
        );
        assert_eq!(
            detect_with(
                "",
                &[("content-type", "Application/X-Amz-Json-1.1; charset=utf-8")]
            ),
            Protocol::Json
        );
        assert_eq!(
            detect_with("", &[("content-type", "application/x-amz-json-1.0")]),
            Protocol::Json
        );
        // The target wins over a credential scope naming a query service.
        let a = auth("iam");
        assert_eq!(
            detect_with("", &[("authorization", &a), ("x-amz-target", "X.Y")]),
            Protocol::Json
        );
    }

    #[test]
    fn credential_scope_names_the_service() {
        for (service, want) in [
            ("ec2", Protocol::Ec2),
            ("ecs", Protocol::Json),
            ("iam", Protocol::Query(IAM_NS)),
            ("sts", Protocol::Query(STS_NS)),
            ("elasticloadbalancing", Protocol::Query(ELBV2_NS)),
            ("s3", Protocol::Query("")),
        ] {
            let a = auth(service);
            assert_eq!(detect_with("", &[("authorization", &a)]), want, "{service}");
        }
        // The scope wins over the version.
        let a = auth("sts");
        assert_eq!(
            detect_with("Version=2016-11-15", &[("authorization", &a)]),
            Protocol::Query(STS_NS)
        );
    }

    #[test]
    fn presigned_credential_names_the_service() {
        let q = "Action=GetCallerIdentity&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fsts%2Faws4_request";
        assert_eq!(detect_with(q, &[]), Protocol::Query(STS_NS));
        // A malformed scope falls back to the version.
        let q = "X-Amz-Credential=garbage&Version=2010-05-08";
        assert_eq!(detect_with(q, &[]), Protocol::Query(IAM_NS));
    }

    #[test]
    fn version_names_the_service() {
        assert_eq!(detect_with("Version=2016-11-15", &[]), Protocol::Ec2);
        assert_eq!(
            detect_with("Action=ListRoles&Version=2010-05-08", &[]),
            Protocol::Query(IAM_NS)
        );
        assert_eq!(
            detect_with("Version=2011-06-15", &[]),
            Protocol::Query(STS_NS)
        );
        assert_eq!(
            detect_with("Version=2015-12-01", &[]),
            Protocol::Query(ELBV2_NS)
        );
    }

    #[test]
    fn errors_render_in_each_envelope() {
        let e = too_large(10);
        let r = error(Protocol::Ec2, &e, "rid".into());
        let body = String::from_utf8(r.body).unwrap();
        assert_eq!(r.status, 413);
        assert!(body.contains("<Response><Errors><Error><Code>RequestEntityTooLarge</Code>"));
        assert!(body.contains("<RequestID>rid</RequestID>"));

        let r = error(Protocol::Json, &e, "rid".into());
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["__type"], "RequestEntityTooLarge");
        assert_eq!(r.content_type, "application/x-amz-json-1.1");

        let r = error(Protocol::Query(IAM_NS), &e, "rid".into());
        let body = String::from_utf8(r.body).unwrap();
        assert!(body.starts_with(&format!("<ErrorResponse xmlns=\"{IAM_NS}\">")));
        assert!(body.contains("<Type>Sender</Type>"));

        let r = error(Protocol::Query(STS_NS), &unavailable("busy"), "rid".into());
        assert_eq!(r.status, 503);
        assert!(String::from_utf8(r.body)
            .unwrap()
            .contains("<Type>Receiver</Type><Code>InternalFailure</Code>"));
    }

    #[test]
    fn codes_follow_the_protocol() {
        let busy = unavailable("x");
        let code = |p| {
            let r = error(p, &busy, "rid".into());
            String::from_utf8(r.body).unwrap()
        };
        assert!(code(Protocol::Json).contains("\"__type\":\"ServerException\""));
        assert!(code(Protocol::Ec2).contains("<Code>Unavailable</Code>"));
        assert!(code(Protocol::Query(IAM_NS)).contains("<Code>ServiceFailure</Code>"));
        assert_eq!(
            access_denied(Protocol::Ec2, "x").code,
            "UnauthorizedOperation"
        );
        assert_eq!(
            access_denied(Protocol::Json, "x").code,
            "AccessDeniedException"
        );
        assert_eq!(access_denied(Protocol::Query(IAM_NS), "x").status, 403);
        assert_eq!(internal_failure(Protocol::Ec2).code, "InternalError");
        assert_eq!(internal_failure(Protocol::Json).status, 500);
    }
}
