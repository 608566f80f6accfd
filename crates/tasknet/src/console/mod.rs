//! The web console (issue 15): `GET /_tasknet/console` draws one VPC of one
//! Region — Availability Zones as columns, subnets with their route tables'
//! default routes, gateways and endpoints, every task as a chip, load
//! balancers with their targets' health — live from the change feed, and
//! for a selected task its N43 explanation with the path drawn on the map.
//!
//! Everything is served by `tasknet serve` itself: the page, its script and
//! styles are embedded in the binary (`assets/`, no build step, nothing
//! from a CDN), and the page reads the JSON view models under
//! `/_tasknet/console/api/` (`api.rs`, documented in `docs/console.md`) and
//! follows `/_tasknet/console/api/events` (`events.rs`). A browser's plain
//! `GET /` is redirected here (`root_redirect`).
//!
//! All of it is GET: the page changes nothing.

pub mod api;
pub mod events;

use crate::admin::{json, HttpResponse};
use ::api::Api;
use bytes::Bytes;
use http_body_util::Full;
use model::ApiError;
use serde::Serialize;
use serde_json::json as j;

/// The console's path under `/_tasknet/`.
pub const PATH: &str = "console";
/// Where the event stream is, under `/_tasknet/`.
pub const EVENTS_PATH: &str = "console/api/events";

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// The embedded files, by their path under `/_tasknet/console/`.
const ASSETS: &[Asset] = &[
    Asset {
        path: "assets/console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("assets/console.js"),
    },
    Asset {
        path: "assets/console.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("assets/console.css"),
    },
    Asset {
        path: "assets/favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("assets/favicon.svg"),
    },
];

const PAGE: &[u8] = include_bytes!("assets/index.html");

/// The page's policy: its own script, styles and connections only; no
/// frames, no inline script (names and tags from the API are text).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn file(content_type: &'static str, body: &'static [u8]) -> HttpResponse {
    hyper::Response::builder()
        .status(200)
        .header("content-type", content_type)
        .header("cache-control", "no-cache")
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", CSP)
        .header("referrer-policy", "no-referrer")
        .body(Full::new(Bytes::from_static(body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

fn redirect(to: &str) -> HttpResponse {
    hyper::Response::builder()
        .status(303)
        .header("location", to)
        .header("cache-control", "no-cache")
        .body(Full::new(Bytes::new()))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

/// A browser's plain `GET /` (no query, asking for HTML, unsigned) goes to
/// the console; the AWS APIs never send such a request.
pub fn root_redirect(
    method: &hyper::Method,
    path: &str,
    query: &str,
    header: impl Fn(&str) -> Option<String>,
) -> Option<HttpResponse> {
    let html = header("accept").is_some_and(|a| a.contains("text/html"));
    let plain = header("authorization").is_none() && header("x-amz-target").is_none();
    (*method == hyper::Method::GET && path == "/" && query.is_empty() && html && plain)
        .then(|| redirect("/_tasknet/console"))
}

fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new("ValidationException", msg.into()).with_status(400)
}

fn bad(msg: impl Into<String>) -> HttpResponse {
    crate::admin::error(&invalid(msg))
}

fn not_found(msg: impl Into<String>) -> HttpResponse {
    json(404, j!({"__type": "NotFound", "message": msg.into()}))
}

/// A view model as JSON, with how long the server took in `Server-Timing`.
fn view<T: Serialize>(v: &T, started: std::time::Instant) -> HttpResponse {
    let body = serde_json::to_vec(v).unwrap_or_default();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    hyper::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .header("server-timing", format!("vm;dur={ms:.2}"))
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

/// Account and Region of a request: `account` (default: tasknet's
/// default account) and `region` (default: `--region`), both checked.
fn account_region(api: &Api, query: &str) -> Result<(String, String), ApiError> {
    let account =
        query_param(query, "account").unwrap_or_else(|| api.control.settings.account_id.clone());
    if !model::cloud::is_account_id(&account) {
        return Err(invalid(format!(
            "account {account} is not an AWS account id (12 digits)."
        )));
    }
    let region =
        query_param(query, "region").unwrap_or_else(|| api.control.settings.default_region.clone());
    if model::regions::find(&region).is_none() {
        return Err(invalid(format!(
            "region {region} is not a Region of the aws partition."
        )));
    }
    Ok((account, region))
}

/// The stream's scope from its query (`vpc` is required).
pub fn events_scope(api: &Api, query: &str) -> Result<events::Scope, ApiError> {
    let (account, region) = account_region(api, query)?;
    let vpc = query_param(query, "vpc").ok_or_else(|| invalid("vpc is required."))?;
    Ok(events::Scope {
        account,
        region,
        vpc,
    })
}

/// `GET /_tasknet/console…` (everything but the event stream). `path` is
/// the part after `/_tasknet/`.
pub async fn route(api: &Api, method: &str, path: &str, query: &str) -> HttpResponse {
    if method != "GET" && method != "HEAD" {
        return json(
            405,
            j!({"__type": "MethodNotAllowed", "message": format!("the console serves GET only, not {method}")}),
        );
    }
    let rest = path
        .strip_prefix(PATH)
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or("");
    if rest.is_empty() || rest == "index.html" {
        return file("text/html; charset=utf-8", PAGE);
    }
    if let Some(a) = ASSETS.iter().find(|a| a.path == rest) {
        return file(a.content_type, a.body);
    }
    let started = std::time::Instant::now();
    match rest.strip_prefix("api/") {
        Some("accounts") => accounts(api, started).await,
        Some("regions") => regions(api, query, started).await,
        Some("vpcs") => vpcs(api, query, started).await,
        Some("vpc") => vpc(api, query, started).await,
        Some("task") => task(api, query, started).await,
        Some("resource") => resource(api, query, started).await,
        Some("search") => search(api, query, started).await,
        _ => not_found(format!("no console page or API /_tasknet/{path}")),
    }
}

async fn accounts(api: &Api, started: std::time::Instant) -> HttpResponse {
    let default_region = api.control.settings.default_region.clone();
    let r = api
        .control
        .read_cloud(move |c| api::AccountsView {
            default_account: c.default_account().to_string(),
            default_region,
            accounts: c
                .accounts()
                .map(|w| api::AccountView {
                    id: w.account_id.clone(),
                    is_default: w.account_id == c.default_account(),
                    busy_regions: w
                        .regions()
                        .filter(|r| api::is_busy(r))
                        .map(|r| r.name().to_string())
                        .collect(),
                })
                .collect(),
        })
        .await;
    match r {
        Ok(v) => view(&v, started),
        Err(e) => crate::admin::error(&e),
    }
}

async fn regions(api: &Api, query: &str, started: std::time::Instant) -> HttpResponse {
    let (account, _) = match account_region(api, query) {
        Ok(x) => x,
        Err(e) => return crate::admin::error(&e),
    };
    let a = account.clone();
    let r = api
        .control
        .read_cloud(move |c| {
            c.account(&a).map(|w| api::RegionsView {
                account: a.clone(),
                regions: w.regions().map(api::region_summary).collect(),
            })
        })
        .await;
    match r {
        Ok(Some(v)) => view(&v, started),
        Ok(None) => not_found(format!("no account {account} (it has made no request yet)")),
        Err(e) => crate::admin::error(&e),
    }
}

/// Run `f` on one Region of one account, under the world's read lock.
async fn in_region<R: Send + 'static>(
    api: &Api,
    account: &str,
    region: &str,
    f: impl FnOnce(&model::world::Region) -> R + Send,
) -> Result<Option<R>, ApiError> {
    let (a, rg) = (account.to_string(), region.to_string());
    api.control
        .read_cloud(move |c| c.account(&a).and_then(|w| w.region(&rg).ok()).map(f))
        .await
}

fn no_account(account: &str) -> HttpResponse {
    not_found(format!("no account {account} (it has made no request yet)"))
}

async fn vpcs(api: &Api, query: &str, started: std::time::Instant) -> HttpResponse {
    let (account, region) = match account_region(api, query) {
        Ok(x) => x,
        Err(e) => return crate::admin::error(&e),
    };
    match in_region(api, &account, &region, api::vpcs_view).await {
        Ok(Some(v)) => view(&v, started),
        Ok(None) => no_account(&account),
        Err(e) => crate::admin::error(&e),
    }
}

async fn vpc(api: &Api, query: &str, started: std::time::Instant) -> HttpResponse {
    let (account, region) = match account_region(api, query) {
        Ok(x) => x,
        Err(e) => return crate::admin::error(&e),
    };
    let Some(id) = query_param(query, "vpc") else {
        return bad("vpc is required.");
    };
    let timing = api.control.settings.elb;
    let vid = id.clone();
    let r = in_region(api, &account, &region, move |r| {
        api::vpc_view(r, &vid, &timing, control::now())
    })
    .await;
    match r {
        Ok(Some(Some(v))) => view(&v, started),
        Ok(Some(None)) => not_found(format!("no VPC {id} in {region}")),
        Ok(None) => no_account(&account),
        Err(e) => crate::admin::error(&e),
    }
}

/// `api/task?task=<ARN or id>`: the task's chip, its containers, and its
/// N43 explanation (as `GET /_tasknet/explain` gives it).
async fn task(api: &Api, query: &str, started: std::time::Instant) -> HttpResponse {
    let Some(task) = query_param(query, "task") else {
        return bad("task is required (an ARN or an id).");
    };
    // A task ARN names its Region and account.
    let arn_part = |i: usize| {
        task.strip_prefix("arn:aws:ecs:")
            .and_then(|r| r.split(':').nth(i))
            .map(str::to_string)
    };
    let mut q = query.to_string();
    for (name, i) in [("region", 0), ("account", 1)] {
        if query_param(query, name).is_none() {
            if let Some(v) = arn_part(i) {
                q.push_str(&format!("&{name}={v}"));
            }
        }
    }
    let (account, region) = match account_region(api, &q) {
        Ok(x) => x,
        Err(e) => return crate::admin::error(&e),
    };
    let id = task.rsplit('/').next().unwrap_or(&task).to_string();
    let acct = account.clone();
    let r = in_region(api, &account, &region, move |r| {
        let t = r.ecs.tasks.get(&id)?;
        let explanation = r.explain_task(t);
        Some(j!({
            "task": api::task_chip(&acct, t),
            "containers": t.containers.iter().map(|c| j!({
                "name": c.name,
                "image": c.image,
                "lastStatus": c.last_status,
                "exitCode": c.exit_code,
                "reason": c.reason,
            })).collect::<Vec<_>>(),
            "vpcId": t.network.vpc_id,
            "explanation": explanation,
            "explainError": if explanation_missing(r, t) {
                Some("The task's subnet or task definition no longer exists, so its network cannot be explained.")
            } else { None },
        }))
    })
    .await;
    match r {
        Ok(Some(Some(v))) => view(&v, started),
        Ok(Some(None)) => not_found(format!("no task {task} in {region}")),
        Ok(None) => no_account(&account),
        Err(e) => crate::admin::error(&e),
    }
}

fn explanation_missing(r: &model::world::Region, t: &model::ecs::types::Task) -> bool {
    r.ecs.task_definitions.get(&t.task_definition).is_none()
        || r.subnets.get(&t.network.subnet_id).is_none()
}

/// `api/resource?id=…`: any resource's record by id, for the details panel.
async fn resource(api: &Api, query: &str, started: std::time::Instant) -> HttpResponse {
    let (account, region) = match account_region(api, query) {
        Ok(x) => x,
        Err(e) => return crate::admin::error(&e),
    };
    let Some(id) = query_param(query, "id") else {
        return bad("id is required.");
    };
    let rid = id.clone();
    let r = in_region(api, &account, &region, move |r| {
        api::resource(r, &rid).map(|(kind, vpc, record)| {
            j!({"kind": kind, "id": rid, "region": r.name(), "vpcId": vpc, "record": record})
        })
    })
    .await;
    match r {
        Ok(Some(Some(v))) => view(&v, started),
        Ok(Some(None)) => not_found(format!("no resource {id} in {region}")),
        Ok(None) => no_account(&account),
        Err(e) => crate::admin::error(&e),
    }
}

/// `api/search?q=…`: ids (or parts of ids, task ARNs, addresses) across
/// every Region of the account, the chosen Region first.
async fn search(api: &Api, query: &str, started: std::time::Instant) -> HttpResponse {
    let (account, region) = match account_region(api, query) {
        Ok(x) => x,
        Err(e) => return crate::admin::error(&e),
    };
    let Some(q) = query_param(query, "q").map(|q| q.trim().to_ascii_lowercase()) else {
        return bad("q is required.");
    };
    if q.len() < 3 {
        return view(&j!({"query": q, "hits": []}), started);
    }
    const LIMIT: usize = 50;
    let (a, qq) = (account.clone(), q.clone());
    let r = api
        .control
        .read_cloud(move |c| {
            let mut hits = Vec::new();
            if let Some(w) = c.account(&a) {
                let first = w.region(&region).ok().into_iter();
                let others = w.regions().filter(|r| r.name() != region);
                for r in first.chain(others) {
                    api::search_region(r, &qq, LIMIT, &mut hits);
                    if hits.len() >= LIMIT {
                        break;
                    }
                }
            }
            api::rank(&mut hits, &qq);
            hits
        })
        .await;
    match r {
        Ok(hits) => view(&j!({"query": q, "account": account, "hits": hits}), started),
        Err(e) => crate::admin::error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_browsers_plain_get_of_root_is_redirected() {
        let hdr = |accept: &'static str, auth: bool| {
            move |name: &str| match name {
                "accept" => Some(accept.to_string()),
                "authorization" if auth => Some("AWS4-HMAC-SHA256 …".to_string()),
                _ => None,
            }
        };
        let browser = "text/html,application/xhtml+xml,*/*;q=0.8";
        let r = root_redirect(&hyper::Method::GET, "/", "", hdr(browser, false)).unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/_tasknet/console");
        assert!(root_redirect(
            &hyper::Method::GET,
            "/",
            "Action=DescribeVpcs",
            hdr(browser, false)
        )
        .is_none());
        assert!(root_redirect(&hyper::Method::GET, "/", "", hdr("*/*", false)).is_none());
        assert!(root_redirect(&hyper::Method::GET, "/", "", hdr(browser, true)).is_none());
        assert!(root_redirect(&hyper::Method::POST, "/", "", hdr(browser, false)).is_none());
        assert!(root_redirect(&hyper::Method::GET, "/x", "", hdr(browser, false)).is_none());
    }

    #[test]
    fn assets_are_embedded_and_typed() {
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{}", a.path);
        }
        let page = std::str::from_utf8(PAGE).unwrap();
        for a in ASSETS {
            assert!(page.contains(a.path), "the page loads {}", a.path);
        }
        // No third-party origins: everything is served from here.
        assert!(!page.contains("http://") && !page.contains("https://"));
    }
}
