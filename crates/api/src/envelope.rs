//! The three AWS error envelopes and the success wrappers around response bodies.

use crate::xml::escape_into;
use crate::Response;
use model::ApiError;

pub const EC2_NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// The code a protocol uses when the state cannot be written right now
/// (`ApiError::unavailable`): each service's own retryable server error.
/// SDKs retry HTTP 503 whatever the code; the code is what users read.
fn code_of<'a>(e: &'a ApiError, unavailable: &'a str) -> &'a str {
    if e.code == ApiError::UNAVAILABLE {
        unavailable
    } else {
        &e.code
    }
}

/// EC2 query error: `<Response><Errors><Error>…</Error></Errors><RequestID>`.
pub fn ec2_error(e: &ApiError, request_id: String) -> Response {
    let mut b =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>");
    // EC2's server error for an overloaded or unavailable service.
    escape_into(&mut b, code_of(e, "Unavailable"));
    b.push_str("</Code><Message>");
    escape_into(&mut b, &e.message);
    b.push_str("</Message></Error></Errors><RequestID>");
    b.push_str(&request_id);
    b.push_str("</RequestID></Response>");
    Response {
        status: e.status,
        content_type: "text/xml;charset=UTF-8",
        request_id,
        headers: Vec::new(),
        body: b.into_bytes(),
    }
}

/// EC2 query success: `<XResponse xmlns=…><requestId>…</requestId>{inner}</XResponse>`.
pub fn ec2_ok(action: &str, inner: &str, request_id: String) -> Response {
    let mut b = String::with_capacity(inner.len() + 160);
    b.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
    b.push_str(action);
    b.push_str("Response xmlns=\"");
    b.push_str(EC2_NS);
    b.push_str("\"><requestId>");
    b.push_str(&request_id);
    b.push_str("</requestId>");
    b.push_str(inner);
    b.push_str("</");
    b.push_str(action);
    b.push_str("Response>");
    Response {
        status: 200,
        content_type: "text/xml;charset=UTF-8",
        request_id,
        headers: Vec::new(),
        body: b.into_bytes(),
    }
}

/// awsQuery error (IAM, STS, ELBv2).
pub fn query_error(ns: &str, e: &ApiError, request_id: String) -> Response {
    // IAM's server fault is `ServiceFailure`; STS and ELBv2 use `InternalFailure`.
    let unavailable = if ns.contains("iam.amazonaws.com") {
        "ServiceFailure"
    } else {
        "InternalFailure"
    };
    let mut b = format!("<ErrorResponse xmlns=\"{ns}\"><Error><Type>");
    b.push_str(if e.is_server_fault() {
        "Receiver"
    } else {
        "Sender"
    });
    b.push_str("</Type><Code>");
    escape_into(&mut b, code_of(e, unavailable));
    b.push_str("</Code><Message>");
    escape_into(&mut b, &e.message);
    b.push_str("</Message></Error><RequestId>");
    b.push_str(&request_id);
    b.push_str("</RequestId></ErrorResponse>");
    Response {
        status: e.status,
        content_type: "text/xml",
        request_id,
        headers: Vec::new(),
        body: b.into_bytes(),
    }
}

/// awsQuery success: `<XResponse><XResult>{inner}</XResult><ResponseMetadata>…`.
pub fn query_ok(ns: &str, action: &str, inner: &str, request_id: String) -> Response {
    let result = if inner.is_empty() {
        String::new()
    } else {
        format!("<{action}Result>{inner}</{action}Result>")
    };
    let b = format!(
        "<{action}Response xmlns=\"{ns}\">{result}<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    );
    Response {
        status: 200,
        content_type: "text/xml",
        request_id,
        headers: Vec::new(),
        body: b.into_bytes(),
    }
}

/// Errors of AWS's JSON frontend (Coral) itself rather than of the service:
/// their text goes under a capital `Message` (wire-errors.md §1.1, research
/// notes; botocore reads either key).
const JSON_FRAMEWORK_ERRORS: &[&str] = &["SerializationException", "UnknownOperationException"];

/// awsJson1_1 error: `{"__type": code, "message": text}` (`Message` for the
/// frontend's own errors); no text at all when there is none (AWS's answer to
/// a body that is not JSON, or to an unknown operation).
pub fn json_error(e: &ApiError, request_id: String) -> Response {
    let key = if JSON_FRAMEWORK_ERRORS.contains(&e.code.as_ref()) {
        "Message"
    } else {
        "message"
    };
    // ECS models one server fault, `ServerException`.
    let mut body = serde_json::json!({ "__type": code_of(e, "ServerException") });
    if !e.message.is_empty() {
        body[key] = serde_json::json!(e.message);
    }
    Response {
        status: e.status,
        content_type: "application/x-amz-json-1.1",
        request_id,
        headers: Vec::new(),
        body: serde_json::to_vec(&body).unwrap_or_default(),
    }
}

pub fn json_ok(body: Vec<u8>, request_id: String) -> Response {
    Response {
        status: 200,
        content_type: "application/x-amz-json-1.1",
        request_id,
        headers: Vec::new(),
        body,
    }
}
