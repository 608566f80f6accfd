//! Which service and Region a request is for, and which protocol answers it.

use crate::envelope;
use crate::params::Params;
use crate::{request_id, Call, Request, Response};
use control::Control;
use model::ApiError;

/// A SigV4 credential scope
/// (`Credential=AKID/20240101/us-east-1/ec2/aws4_request`), found in the
/// `Authorization` header or a presigned `X-Amz-Credential` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

/// The credential scope of a request, if it is signed.
pub fn credential_scope(auth: Option<&str>, presigned: Option<&str>) -> Option<Scope> {
    let cred = match (auth, presigned) {
        (Some(a), _) => a.split("Credential=").nth(1)?.split([',', ' ']).next()?,
        (None, Some(c)) => c,
        _ => return None,
    };
    let mut parts = cred.split('/');
    let access_key = parts.next()?.to_string();
    let _date = parts.next()?;
    let region = parts.next()?.to_string();
    let service = parts.next()?.to_string();
    (parts.next()? == "aws4_request" && parts.next().is_none()).then_some(Scope {
        access_key,
        region,
        service,
    })
}

/// Who a request acts as: the account its access key id names when that is
/// a 12-digit number (LocalStack's convention), else the default account;
/// as that account's root.
fn identity(control: &Control, scope: Option<&Scope>) -> (String, String) {
    let account = match scope {
        Some(s) if model::cloud::is_account_id(&s.access_key) => s.access_key.clone(),
        _ => control.settings.account_id.clone(),
    };
    let principal = model::ecs::settings::root_arn(&account);
    (account, principal)
}

/// The service a query-protocol request is for, by its API version.
fn service_by_version(version: &str) -> Option<&'static str> {
    match version {
        "2016-11-15" => Some("ec2"),
        "2010-05-08" => Some("iam"),
        "2011-06-15" => Some("sts"),
        "2015-12-01" => Some("elasticloadbalancing"),
        _ => None,
    }
}

pub async fn dispatch(control: &Control, req: Request) -> Response {
    let rid = request_id();
    let scope = credential_scope(req.header("authorization"), None);
    if let Some(target) = req.header("x-amz-target") {
        let region = scope
            .as_ref()
            .map(|s| s.region.clone())
            .unwrap_or_else(|| control.settings.default_region.clone());
        let (account, principal) = identity(control, scope.as_ref());
        let call = Call {
            control,
            account,
            principal,
            region,
            request_id: rid,
        };
        return match target.strip_prefix(crate::ecs::TARGET_PREFIX) {
            Some(op) => crate::ecs::handle(&call, op, &req.body).await,
            None => crate::query::json_unknown_target(target, call.request_id),
        };
    }
    if req.method != "POST" && req.method != "GET" {
        let p = crate::protocol::detect(&req.query, |h| req.header(h));
        return crate::protocol::error(p, &crate::protocol::bad_method(&req.method), rid);
    }
    let mut params = Params::parse(req.query.as_bytes());
    if !req.body.is_empty() {
        params.merge(Params::parse(&req.body));
    }
    let scope = scope.or_else(|| credential_scope(None, params.get("X-Amz-Credential")));
    let Some(action) = params.string("Action") else {
        let service = scope.as_ref().map(|s| s.service.as_str());
        let p = crate::protocol::for_query(service, params.get("Version"));
        return crate::protocol::error(p, &crate::protocol::missing_action(), rid);
    };
    let by_version = params.get("Version").and_then(service_by_version);
    let service = match (&scope, by_version) {
        (Some(s), _) => s.service.clone(),
        (None, Some(s)) => s.to_string(),
        (None, None) => "ec2".to_string(),
    };
    let (account, principal) = identity(control, scope.as_ref());
    let region = scope
        .map(|s| s.region)
        .unwrap_or_else(|| control.settings.default_region.clone());
    let call = Call {
        control,
        account,
        principal,
        region,
        request_id: rid,
    };
    match service.as_str() {
        "ec2" => crate::ec2::handle(&call, &action, &params).await,
        "iam" | "sts" => crate::query::handle(&call, &service, &action, &params).await,
        "elasticloadbalancing" => crate::elbv2::handle(&call, &action, &params).await,
        other => {
            let e = ApiError::new(
                "InvalidAction",
                format!("tasknet does not emulate the service '{other}' (action {action})."),
            );
            envelope::query_error("", &e, call.request_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn scope_from_header() {
        let a = "AWS4-HMAC-SHA256 Credential=test/20240101/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=abc";
        let s = credential_scope(Some(a), None).unwrap();
        assert_eq!(
            (s.access_key.as_str(), s.service.as_str(), s.region.as_str()),
            ("test", "ec2", "eu-west-1")
        );
        let s = credential_scope(None, Some("k/20240101/us-east-1/sts/aws4_request")).unwrap();
        assert_eq!(
            (s.service.as_str(), s.region.as_str()),
            ("sts", "us-east-1")
        );
        assert_eq!(
            credential_scope(None, Some("k/20240101/us-east-1/sts/aws4_request/extra")),
            None
        );
        assert_eq!(credential_scope(Some("garbage"), None), None);
    }
}
