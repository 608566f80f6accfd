//! awsQuery services: IAM roles, service-linked roles, users and access
//! keys; STS GetCallerIdentity.
//! Also the awsJson1_1 entry point until a JSON service claims the target.

use crate::envelope::{json_error, query_error, query_ok};
use crate::params::Params;
use crate::xml::Xml;
use crate::{Call, Response};
use model::iam::{AccessKey, CreateRole, CreateUser, KeyStatus, Role, User};
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

fn user_xml(x: &mut Xml, u: &User, account: &str) {
    x.el("Path", &u.path)
        .el("UserName", &u.name)
        .el("UserId", &u.user_id)
        .el("Arn", u.arn(account))
        .el("CreateDate", iam_time(u.created));
    if !u.tags.is_empty() {
        x.members("Tags", &u.tags, |x, (k, v)| {
            x.el("Key", k).el("Value", v);
        });
    }
}

/// An access key's metadata; with its secret only when it is created. A
/// root key names no user.
fn key_xml(x: &mut Xml, k: &AccessKey, with_secret: bool) {
    x.opt("UserName", k.user.as_ref())
        .el("AccessKeyId", &k.id)
        .el("Status", k.status.as_str());
    if with_secret {
        x.el("SecretAccessKey", &k.secret);
    }
    x.el("CreateDate", iam_time(k.created));
}

/// IAM's `Marker` / `MaxItems` paging: the marker is the name (or id) of
/// the next page's first item.
struct Paging {
    marker: Option<String>,
    max: usize,
}

impl Paging {
    fn of(p: &Params) -> Result<Paging, ApiError> {
        let max = p.int("MaxItems")?.unwrap_or(100);
        if !(1..=1000).contains(&max) {
            return Err(validation(format!("1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000")));
        }
        Ok(Paging {
            marker: p.string("Marker"),
            max: max as usize,
        })
    }

    /// This page of `items`, and the marker of the next if there is one.
    fn page<'a, T>(
        &self,
        items: &[&'a T],
        name: impl Fn(&T) -> &str,
    ) -> Result<(Vec<&'a T>, Option<String>), ApiError> {
        let start = match &self.marker {
            Some(m) => items
                .iter()
                .position(|r| name(r) == m)
                .ok_or_else(|| validation("Invalid Marker.".to_string()))?,
            None => 0,
        };
        let page: Vec<&T> = items.iter().skip(start).take(self.max).copied().collect();
        let next = items.get(start + page.len()).map(|r| name(r).to_string());
        Ok((page, next))
    }
}

/// Whose access keys an operation acts on: `UserName`, else the caller
/// (`None`: the root, as AWS does for root credentials).
fn key_owner(call: &Call<'_>, p: &Params) -> Option<String> {
    p.string("UserName")
        .or_else(|| call.user.as_ref().map(|u| u.name.clone()))
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
            // The root's user id is the account id; a user's is its AIDA id.
            let user_id = call.user.as_ref().map_or(&call.account, |u| &u.id);
            let mut x = Xml::new();
            x.el("Arn", &call.principal)
                .el("UserId", user_id)
                .el("Account", &call.account);
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
            let paging = Paging::of(p)?;
            call
                .read(move |w| {
                    let roles: Vec<&Role> = w.roles.iter().filter(|r| r.path.starts_with(&prefix)).collect();
                    let (page, next) = paging.page(&roles, |r| &r.name)?;
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
        "CreateUser" => {
            let req = CreateUser {
                name: required(p, "UserName", "userName")?.to_string(),
                path: p.string("Path"),
                tags: query_tags(p),
            };
            call.write(move |w, now| {
                let u = w.create_user(req, now)?;
                let mut x = Xml::new();
                x.wrap("User", |x| user_xml(x, u, &account));
                Ok(x.into_string())
            })
            .await
        }
        "GetUser" => {
            let name = p.string("UserName").or_else(|| call.user.as_ref().map(|u| u.name.clone()));
            let principal = call.principal.clone();
            call.read(move |w| {
                let mut x = Xml::new();
                match name {
                    Some(name) => {
                        let u = w.user(&name)?;
                        x.wrap("User", |x| user_xml(x, u, &account));
                    }
                    // The root, as AWS describes it: its id is the account's.
                    None => {
                        x.wrap("User", |x| {
                            x.el("UserId", &account).el("Arn", &principal);
                        });
                    }
                }
                Ok(x.into_string())
            })
            .await?
        }
        "ListUsers" => {
            let prefix = p.string("PathPrefix").unwrap_or_else(|| "/".into());
            let paging = Paging::of(p)?;
            call.read(move |w| {
                let users: Vec<&User> = w.users.iter().filter(|u| u.path.starts_with(&prefix)).collect();
                let (page, next) = paging.page(&users, |u| &u.name)?;
                let mut x = Xml::new();
                x.members("Users", page, |x, u| user_xml(x, u, &account));
                x.b("IsTruncated", next.is_some());
                x.opt("Marker", next);
                Ok(x.into_string())
            })
            .await?
        }
        "DeleteUser" => {
            let name = required(p, "UserName", "userName")?.to_string();
            call.write(move |w, _| w.delete_user(&name).map(|_| String::new())).await
        }
        "CreateAccessKey" => {
            let owner = key_owner(call, p);
            call.write(move |w, now| {
                let k = w.create_access_key(owner.as_deref(), now)?;
                let mut x = Xml::new();
                x.wrap("AccessKey", |x| key_xml(x, k, true));
                Ok(x.into_string())
            })
            .await
        }
        "ListAccessKeys" => {
            let owner = key_owner(call, p);
            let paging = Paging::of(p)?;
            call.read(move |w| {
                let keys = w.access_keys_of(owner.as_deref())?;
                let (page, next) = paging.page(&keys, |k| &k.id)?;
                let mut x = Xml::new();
                x.members("AccessKeyMetadata", page, |x, k| key_xml(x, k, false));
                x.b("IsTruncated", next.is_some());
                x.opt("Marker", next);
                Ok(x.into_string())
            })
            .await?
        }
        "UpdateAccessKey" => {
            let owner = key_owner(call, p);
            let id = required(p, "AccessKeyId", "accessKeyId")?.to_string();
            let status = KeyStatus::parse(required(p, "Status", "status")?)?;
            call.write(move |w, _| {
                w.update_access_key(owner.as_deref(), &id, status)
                    .map(|_| String::new())
            })
            .await
        }
        "DeleteAccessKey" => {
            let owner = key_owner(call, p);
            let id = required(p, "AccessKeyId", "accessKeyId")?.to_string();
            call.write(move |w, _| {
                w.delete_access_key(owner.as_deref(), &id)
                    .map(|_| String::new())
            })
            .await
        }
        _ => Err(ApiError::new(
            "InvalidAction",
            format!("The action {action} is not valid for this web service (tasknet emulates IAM roles, service-linked roles, users and access keys)."),
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
