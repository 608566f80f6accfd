//! awsQuery services: IAM roles and service-linked roles, STS GetCallerIdentity.
//! Also the awsJson1_1 entry point until a JSON service claims the target.

use crate::envelope::{json_error, query_error, query_ok};
use crate::params::Params;
use crate::xml::Xml;
use crate::{Call, Response};
use model::iam::{CreateRole, Role};
use model::ApiError;

const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// IAM sends policy documents URL-encoded.
fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// IAM timestamps: ISO 8601 without fractional seconds.
fn iam_time(m: model::Millis) -> String {
    let s = m.iso8601();
    format!("{}Z", &s[..19])
}

fn role_xml(x: &mut Xml, r: &Role, account: &str) {
    x.el("Path", &r.path)
        .el("RoleName", &r.name)
        .el("RoleId", &r.role_id)
        .el("Arn", r.arn(account))
        .el("CreateDate", iam_time(r.created))
        .el(
            "AssumeRolePolicyDocument",
            url_encode(&r.assume_role_policy),
        )
        .opt("Description", r.description.as_ref())
        .el("MaxSessionDuration", r.max_session_duration);
    if !r.tags.is_empty() {
        x.members("Tags", &r.tags, |x, (k, v)| {
            x.el("Key", k).el("Value", v);
        });
    }
    x.wrap("RoleLastUsed", |_| {});
}

fn query_tags(p: &Params) -> Vec<(String, String)> {
    p.sub("Tags")
        .structs("member")
        .into_iter()
        .map(|t| {
            (
                t.get("Key").unwrap_or_default().to_string(),
                t.get("Value").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn validation(msg: String) -> ApiError {
    ApiError::new("ValidationError", msg)
}

fn required<'a>(p: &'a Params, name: &str, member: &str) -> Result<&'a str, ApiError> {
    p.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
        validation(format!("1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"))
    })
}

pub async fn handle(call: &Call<'_>, service: &str, action: &str, p: &Params) -> Response {
    let (ns, result) = match service {
        "sts" => (STS_NS, sts(call, action).await),
        _ => (IAM_NS, iam(call, action, p).await),
    };
    match result {
        Ok(inner) => query_ok(ns, action, &inner, call.request_id.clone()),
        Err(e) => query_error(ns, &e, call.request_id.clone()),
    }
}

async fn sts(call: &Call<'_>, action: &str) -> Result<String, ApiError> {
    match action {
        "GetCallerIdentity" => {
            let acct = &call.account;
            let mut x = Xml::new();
            x.el("Arn", &call.principal)
                .el("UserId", acct)
                .el("Account", acct);
            Ok(x.into_string())
        }
        _ => Err(unknown_action(action)),
    }
}

fn unknown_action(action: &str) -> ApiError {
    ApiError::new(
        "InvalidAction",
        format!("The action {action} is not valid for this web service."),
    )
}

async fn iam(call: &Call<'_>, action: &str, p: &Params) -> Result<String, ApiError> {
    let account = call.account.clone();
    match action {
        "CreateRole" => {
            let req = CreateRole {
                name: required(p, "RoleName", "roleName")?.to_string(),
                path: p.string("Path"),
                assume_role_policy: required(p, "AssumeRolePolicyDocument", "assumeRolePolicyDocument")?.to_string(),
                description: p.string("Description"),
                max_session_duration: p.int("MaxSessionDuration")?,
                tags: query_tags(p),
            };
            call
                .write(move |w, now| {
                    let r = w.create_role(req, now)?;
                    let mut x = Xml::new();
                    x.wrap("Role", |x| role_xml(x, r, &account));
                    Ok(x.into_string())
                })
                .await
        }
        "GetRole" => {
            let name = required(p, "RoleName", "roleName")?.to_string();
            call
                .read(move |w| {
                    let r = w.role(&name)?;
                    let mut x = Xml::new();
                    x.wrap("Role", |x| role_xml(x, r, &account));
                    Ok(x.into_string())
                })
                .await?
        }
        "ListRoles" => {
            let prefix = p.string("PathPrefix").unwrap_or_else(|| "/".into());
            let max = p.int("MaxItems")?.unwrap_or(100);
            if !(1..=1000).contains(&max) {
                return Err(validation(format!("1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000")));
            }
            let marker = p.string("Marker");
            call
                .read(move |w| {
                    let roles: Vec<&Role> = w.roles.iter().filter(|r| r.path.starts_with(&prefix)).collect();
                    let start = match &marker {
                        Some(m) => roles.iter().position(|r| r.name == *m).ok_or_else(|| {
                            validation("Invalid Marker.".to_string())
                        })?,
                        None => 0,
                    };
                    let page: Vec<&&Role> = roles.iter().skip(start).take(max as usize).collect();
                    let next = roles.get(start + page.len()).map(|r| r.name.clone());
                    let mut x = Xml::new();
                    x.members("Roles", page, |x, r| role_xml(x, r, &account));
                    x.b("IsTruncated", next.is_some());
                    x.opt("Marker", next);
                    Ok(x.into_string())
                })
                .await?
        }
        "DeleteRole" => {
            let name = required(p, "RoleName", "roleName")?.to_string();
            call.write(move |w, _| w.delete_role(&name).map(|_| String::new())).await
        }
        "CreateServiceLinkedRole" => {
            let svc = required(p, "AWSServiceName", "aWSServiceName")?.to_string();
            let desc = p.string("Description");
            if p.get("CustomSuffix").is_some() && svc == "ecs.amazonaws.com" {
                return Err(ApiError::new(
                    "InvalidInput",
                    "Custom suffix is not allowed for ecs.amazonaws.com",
                ));
            }
            call
                .write(move |w, now| {
                    let r = w.create_service_linked_role(&svc, desc, now)?;
                    let mut x = Xml::new();
                    x.wrap("Role", |x| role_xml(x, r, &account));
                    Ok(x.into_string())
                })
                .await
        }
        "DeleteServiceLinkedRole" => {
            let name = required(p, "RoleName", "roleName")?.to_string();
            call
                .write(move |w, _| {
                    let id = w.delete_service_linked_role(&name)?;
                    let mut x = Xml::new();
                    x.el("DeletionTaskId", id);
                    Ok(x.into_string())
                })
                .await
        }
        "GetServiceLinkedRoleDeletionStatus" => {
            let id = required(p, "DeletionTaskId", "deletionTaskId")?;
            if !id.starts_with("task/aws-service-role/") {
                return Err(ApiError::new("NoSuchEntity", format!("Deletion task {id} cannot be found.")).with_status(404));
            }
            // Deletion completes at once in tasknet.
            let mut x = Xml::new();
            x.el("Status", "SUCCEEDED");
            Ok(x.into_string())
        }
        _ => Err(ApiError::new(
            "InvalidAction",
            format!("The action {action} is not valid for this web service (tasknet emulates IAM roles and service-linked roles)."),
        )),
    }
}

/// awsJson1_1 requests for a service tasknet does not emulate.
pub fn json_unknown_target(target: &str, rid: String) -> Response {
    let e = ApiError::new(
        "UnknownOperationException",
        format!("tasknet does not emulate the operation {target}."),
    );
    json_error(&e, rid)
}
