//! Which service and Region a request is for, and which protocol answers it.

use crate::envelope;
use crate::params::Params;
use crate::protocol::Protocol;
use crate::sigv4::{self, SigError};
use crate::{request_id, AuthConfig, Call, CallerUser, Request, Response};
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

/// The credential scope of a request, if it is signed. The header's
/// `Credential` is found as signature verification finds it
/// (`sigv4::header_credential`): once a search for the first
/// `Credential=` anywhere in the header (inside another component, say)
/// routed a request by another scope than the one its signature was
/// checked against (found by fuzzing, fuzz/regressions/sigv4_scope/).
pub fn credential_scope(auth: Option<&str>, presigned: Option<&str>) -> Option<Scope> {
    let cred = match (auth, presigned) {
        (Some(a), _) => sigv4::header_credential(a)?,
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

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    /// `arn:aws:iam::<account>:root` or `arn:aws:iam::<account>:user/<path><name>`.
    pub principal: String,
    /// The IAM user; `None`: the account root.
    pub user: Option<CallerUser>,
}

impl Identity {
    fn root(account: &str) -> Identity {
        Identity {
            account: account.to_string(),
            principal: model::ecs::settings::root_arn(account),
            user: None,
        }
    }
}

/// An access key tasknet knows: who it acts as, its secret, and whether
/// it may be used.
struct KnownKey {
    identity: Identity,
    secret: String,
    active: bool,
}

/// Could `id` be a key CreateAccessKey issued (`AKIA` + 16)? Only those are
/// looked up in the accounts, so other requests never wait for the world.
fn issued_shape(id: &str) -> bool {
    id.len() == 20
        && id.starts_with("AKIA")
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The configured root key, or a key created by CreateAccessKey in any account.
async fn known_key(
    control: &Control,
    auth: &AuthConfig,
    id: &str,
) -> Result<Option<KnownKey>, ApiError> {
    if let Some(k) = auth.root_key.as_ref().filter(|k| k.access_key_id == id) {
        return Ok(Some(KnownKey {
            identity: Identity::root(&control.settings.account_id),
            secret: k.secret_access_key.clone(),
            active: true,
        }));
    }
    if !issued_shape(id) {
        return Ok(None);
    }
    control
        .read_cloud(|c| {
            c.access_key(id).map(|o| KnownKey {
                identity: match o.user {
                    Some(u) => Identity {
                        account: o.account.to_string(),
                        principal: u.arn(o.account),
                        user: Some(CallerUser {
                            name: u.name.clone(),
                            id: u.user_id.clone(),
                        }),
                    },
                    None => Identity::root(o.account),
                },
                secret: o.key.secret.clone(),
                active: o.key.status == model::iam::KeyStatus::Active,
            })
        })
        .await
}

/// Who a request acts as, and whether it may act at all.
///
/// A key created by CreateAccessKey (or the configured root key) acts as
/// its owner, and an inactive one is refused, whether or not signatures
/// are verified. When they are not, any other key acts as the root of the
/// account it names when it is a 12-digit number (LocalStack's convention)
/// and of the default account otherwise. When they are, the request must
/// be signed with a known, active key and its signature must hold.
/// `scope` is the request's credential scope (header or presigned); `p`
/// the protocol whose codes a refusal uses; `service` the service the scope
/// must name, when routing decided it otherwise (`X-Amz-Target`).
async fn identity(
    control: &Control,
    auth: &AuthConfig,
    req: &Request,
    scope: Option<&Scope>,
    p: Protocol,
    service: Option<&str>,
) -> Result<Identity, ApiError> {
    let refuse = |e: SigError| e.to_api(p);
    if auth.verify_signatures {
        let signed = sigv4::parse(req)
            .map_err(refuse)?
            .ok_or_else(|| refuse(SigError::Missing))?;
        let key = known_key(control, auth, &signed.access_key)
            .await?
            .filter(|k| k.active)
            .ok_or_else(|| refuse(SigError::UnknownKey))?;
        let now = control::now().0.div_euclid(1000);
        sigv4::verify(req, &signed, &key.secret, now, service).map_err(refuse)?;
        return Ok(key.identity);
    }
    let Some(s) = scope else {
        return Ok(Identity::root(&control.settings.account_id));
    };
    match known_key(control, auth, &s.access_key).await? {
        Some(k) if k.active => Ok(k.identity),
        Some(_) => Err(refuse(SigError::UnknownKey)),
        None if model::cloud::is_account_id(&s.access_key) => Ok(Identity::root(&s.access_key)),
        None => Ok(Identity::root(&control.settings.account_id)),
    }
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

pub async fn dispatch(control: &Control, auth: &AuthConfig, req: Request) -> Response {
    let rid = request_id();
    let scope = credential_scope(req.header("authorization"), None);
    if let Some(target) = req.header("x-amz-target") {
        // An unknown target is answered before authentication, as AWS does.
        let Some(op) = target.strip_prefix(crate::ecs::TARGET_PREFIX) else {
            return crate::query::json_unknown_target(target, rid);
        };
        let region = scope
            .as_ref()
            .map(|s| s.region.clone())
            .unwrap_or_else(|| control.settings.default_region.clone());
        let who = match identity(
            control,
            auth,
            &req,
            scope.as_ref(),
            Protocol::Json,
            Some("ecs"),
        )
        .await
        {
            Ok(who) => who,
            Err(e) => return envelope::json_error(&e, rid),
        };
        let call = Call {
            control,
            account: who.account,
            principal: who.principal,
            user: who.user,
            region,
            request_id: rid,
        };
        return crate::ecs::handle(&call, op, &req.body).await;
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
    let p = crate::protocol::for_query(
        scope.as_ref().map(|s| s.service.as_str()),
        params.get("Version"),
    );
    let who = match identity(control, auth, &req, scope.as_ref(), p, None).await {
        Ok(who) => who,
        Err(e) => return crate::protocol::error(p, &e, rid),
    };
    let Some(action) = params.string("Action") else {
        return crate::protocol::error(p, &crate::protocol::missing_action(), rid);
    };
    let by_version = params.get("Version").and_then(service_by_version);
    let service = match (&scope, by_version) {
        (Some(s), _) => s.service.clone(),
        (None, Some(s)) => s.to_string(),
        (None, None) => "ec2".to_string(),
    };
    let region = scope
        .map(|s| s.region)
        .unwrap_or_else(|| control.settings.default_region.clone());
    let call = Call {
        control,
        account: who.account,
        principal: who.principal,
        user: who.user,
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

    #[test]
    fn scope_is_the_credential_component_signatures_are_checked_against() {
        let a = "AWS4-HMAC-SHA256 SignedHeaders=host;Credential=x, Credential=k/20150830/eu-west-1/sts/aws4_request, Signature=0";
        let s = credential_scope(Some(a), None).unwrap();
        assert_eq!(
            (s.region.as_str(), s.service.as_str()),
            ("eu-west-1", "sts")
        );
        let mut req = Request::default();
        req.headers.push(("authorization".into(), a.into()));
        req.headers
            .push(("x-amz-date".into(), "20150830T123600Z".into()));
        let signed = sigv4::parse(&req).unwrap().unwrap();
        assert_eq!((signed.region, signed.service), (s.region, s.service));
        // A space inside the credential is part of it, for both.
        let a = "AWS4-HMAC-SHA256 Credential=a b/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0";
        assert_eq!(credential_scope(Some(a), None).unwrap().access_key, "a b");
    }
}
