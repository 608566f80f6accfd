//! The admin endpoints under `/_tasknet/`: health and reset for test harnesses,
//! the task metadata document (N61) and `explain` (N43).

use api::Api;
use bytes::Bytes;
use http_body_util::Full;
use model::ApiError;
use serde_json::{json, Value};

pub type HttpResponse = hyper::Response<Full<Bytes>>;

pub fn json(status: u16, v: Value) -> HttpResponse {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(v.to_string())))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

pub fn error(e: &ApiError) -> HttpResponse {
    json(e.status, json!({"__type": e.code, "message": e.message}))
}

fn not_found(msg: impl Into<String>) -> HttpResponse {
    json(404, json!({"__type": "NotFound", "message": msg.into()}))
}

fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The data plane's state, for health (set once by `serve`).
pub static DATAPLANE: std::sync::OnceLock<std::sync::Arc<dataplane::Status>> =
    std::sync::OnceLock::new();

/// Whether `POST /_tasknet/faults` is served (`--fault-injection`).
pub static FAULT_INJECTION: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// `GET /_tasknet/health`: `ok`, or `degraded` with each problem (a store
/// that cannot be written, a background job that failed and is restarting).
/// Served with 200 either way: a degraded tasknet still answers.
fn health(api: &Api) -> HttpResponse {
    let problems = api.control.health.problems();
    let status = if problems.is_empty() {
        "ok"
    } else {
        "degraded"
    };
    json(
        200,
        json!({
            "status": status,
            "writable": api.control.write_refused().is_none(),
            "problems": problems,
            "dataplane": DATAPLANE.get().map(|d| d.json()),
        }),
    )
}

/// `POST /_tasknet/faults {"job": "reconciler", "fault": "error"|"panic"}`.
fn inject_fault(api: &Api, body: &[u8]) -> HttpResponse {
    if !FAULT_INJECTION.load(std::sync::atomic::Ordering::Relaxed) {
        return not_found("fault injection is off (start tasknet with --fault-injection)");
    }
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let job = v.get("job").and_then(Value::as_str);
    let fault = v
        .get("fault")
        .and_then(Value::as_str)
        .and_then(control::jobs::Fault::parse);
    match (job, fault) {
        (Some(job), Some(f)) => {
            api.control.faults.inject(job, f);
            json(200, json!({"injected": {"job": job, "fault": v["fault"]}}))
        }
        _ => error(&ApiError::new(
            "ValidationException",
            "The body must be {\"job\": <name>, \"fault\": \"error\"|\"panic\"}.",
        )),
    }
}

/// The HTTP server's own figures, for `/_tasknet/stats`.
pub struct HttpStats {
    pub connections: usize,
    pub body_bytes_in_flight: u64,
}

/// `tasks/{id}/metadata` → the id (one non-empty path segment).
fn metadata_task_id(path: &str) -> Option<&str> {
    let id = path.strip_prefix("tasks/")?.strip_suffix("/metadata")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

pub async fn route(
    api: &Api,
    http: HttpStats,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> HttpResponse {
    if path == crate::console::PATH || path.starts_with("console/") {
        return crate::console::route(api, method, path, query).await;
    }
    if method == "GET" {
        if let Some(id) = metadata_task_id(path) {
            return task_metadata(api, id.to_string()).await;
        }
    }
    match (method, path) {
        ("GET", "health") => health(api),
        ("POST", "faults") => inject_fault(api, body),
        ("POST", "reset") => match api
            .control
            .write_cloud(|c, now| {
                c.reset(now);
                Ok(())
            })
            .await
        {
            Ok(()) => json(200, json!({"status": "reset"})),
            Err(e) => error(&e),
        },
        ("GET", "stats") => {
            let r = api
                .control
                .read_cloud(|c| {
                    let mut by_status = std::collections::BTreeMap::new();
                    let mut overdue = 0;
                    for w in c.accounts() {
                        let (s, o) = w.task_stats(control::now(), 1000);
                        for (k, v) in s {
                            *by_status.entry(k).or_insert(0) += v;
                        }
                        overdue += o;
                    }
                    json!({ "tasks": by_status, "overdueTransitions": overdue })
                })
                .await;
            match r {
                Ok(mut v) => {
                    v["connections"] = json!(http.connections);
                    v["bodyBytesInFlight"] = json!(http.body_bytes_in_flight);
                    let (rss, peak) = crate::memory::rss();
                    if let Some(r) = rss {
                        v["rssBytes"] = json!(r);
                    }
                    if let Some(p) = peak {
                        v["peakRssBytes"] = json!(p);
                    }
                    json(200, v)
                }
                Err(e) => error(&e),
            }
        }
        ("GET", "explain") => explain_task(api, query).await,
        ("GET", "exec") => crate::exec::resolve(api, query).await,
        ("POST", "explain") => explain_plan(api, query, body).await,
        _ => not_found(format!("no admin endpoint {method} /_tasknet/{path}")),
    }
}

/// `GET /_tasknet/tasks/{id}/metadata`: the task metadata document (N61).
async fn task_metadata(api: &Api, id: String) -> HttpResponse {
    let doc = api
        .control
        .read_cloud(move |c| {
            c.accounts().find_map(|w| {
                w.regions()
                    .find_map(|r| r.ecs.tasks.get(&id).map(|t| r.task_metadata(t)))
            })
        })
        .await;
    match doc {
        Ok(Some(d)) => json(200, d),
        Ok(None) => not_found("no such task"),
        Err(e) => error(&e),
    }
}

/// `GET /_tasknet/explain?cluster=…&task=…[&region=…]`: N43 for a launched task;
/// with `service=…` instead, each target of the service and why it has its
/// health (N51).
async fn explain_task(api: &Api, query: &str) -> HttpResponse {
    if let Some(service) = query_param(query, "service") {
        return explain_service(api, query, service).await;
    }
    let Some(task) = query_param(query, "task") else {
        return error(&model::ecs::err::invalid_parameter("task is required"));
    };
    let cluster = query_param(query, "cluster").unwrap_or_else(|| "default".into());
    // A task ARN names its Region and account.
    let arn_part = |i: usize| {
        task.strip_prefix("arn:aws:ecs:")
            .and_then(|r| r.split(':').nth(i))
            .map(str::to_string)
    };
    let region = query_param(query, "region")
        .or_else(|| arn_part(0))
        .unwrap_or_else(|| api.control.settings.default_region.clone());
    let account = query_param(query, "account")
        .or_else(|| arn_part(1))
        .unwrap_or_else(|| api.control.settings.account_id.clone());
    if !model::cloud::is_account_id(&account) {
        return error(&model::ecs::err::invalid_parameter(format!(
            "account {account} is not an AWS account id (12 digits)."
        )));
    }
    let flow = match flow_param(query) {
        Ok(f) => f,
        Err(e) => return error(&e),
    };
    let r = api
        .control
        .read(&account, move |w| -> Result<Value, ApiError> {
            let r = w.region(&region)?;
            let name = model::ecs::cluster::cluster_name(&cluster).to_string();
            r.ecs.clusters.get(&name).ok_or_else(model::ecs::err::cluster_not_found)?;
            let t = r.find_task(&name, &task).ok_or_else(model::ecs::task::task_not_found)?;
            if let Some((to, flow)) = flow {
                return explain_flow(r, t, to, flow);
            }
            let e = r.explain_task(t).ok_or_else(|| {
                model::ecs::err::invalid_parameter("The task's subnet or task definition no longer exists, so its network cannot be explained.")
            })?;
            Ok(with_task_state(serde_json::to_value(&e).unwrap_or_default(), t))
        })
        .await;
    match r {
        Ok(Ok(v)) => json(200, v),
        Ok(Err(e)) | Err(e) => error(&e),
    }
}

/// `GET /_tasknet/explain?cluster=…&service=…`: for every task of the
/// service and every target group it is registered in, the target's health
/// and each load balancer node's check hop by hop, the missing rule first.
async fn explain_service(api: &Api, query: &str, service: String) -> HttpResponse {
    let cluster = query_param(query, "cluster").unwrap_or_else(|| "default".into());
    let arn_part = |i: usize| {
        service
            .strip_prefix("arn:aws:ecs:")
            .and_then(|r| r.split(':').nth(i))
            .map(str::to_string)
    };
    let region = query_param(query, "region")
        .or_else(|| arn_part(0))
        .unwrap_or_else(|| api.control.settings.default_region.clone());
    let account = query_param(query, "account")
        .or_else(|| arn_part(1))
        .unwrap_or_else(|| api.control.settings.account_id.clone());
    if !model::cloud::is_account_id(&account) {
        return error(&model::ecs::err::invalid_parameter(format!(
            "account {account} is not an AWS account id (12 digits)."
        )));
    }
    let timing = api.control.settings.elb;
    let now = control::now();
    let r = api
        .control
        .read(&account, move |w| -> Result<Value, ApiError> {
            let r = w.region(&region)?;
            let name = model::ecs::cluster::cluster_name(&cluster).to_string();
            r.ecs
                .clusters
                .get(&name)
                .ok_or_else(model::ecs::err::cluster_not_found)?;
            let s = r
                .find_service(&name, &service)
                .ok_or_else(model::ecs::err::service_not_found)?;
            let mut targets = Vec::new();
            for t in r.service_tasks(s) {
                // A registered task is explained in the groups it is in; one
                // not registered yet in those it will be registered in.
                let groups = match s.registration(&t.id) {
                    Some(r) => &r.groups,
                    None if t.desired_status == "RUNNING" => &s.load_balancers,
                    None => continue,
                };
                for lb in groups {
                    let v6 = r
                        .target_group(&lb.target_group_arn)
                        .is_ok_and(|g| g.ip_address_type.as_deref() == Some("ipv6"));
                    let ip = if v6 {
                        &t.attachment.ipv6
                    } else {
                        &t.attachment.private_ipv4
                    };
                    let Some(ip) = ip else { continue };
                    let e = r.explain_target_health(
                        &lb.target_group_arn,
                        ip,
                        lb.container_port,
                        &timing,
                        now,
                    )?;
                    targets.push(json!({
                        "task_arn": t.arn(&r.account_id),
                        "last_status": t.last_status.as_str(),
                        "target_group_arn": lb.target_group_arn,
                        "explanation": e,
                    }));
                }
            }
            Ok(json!({
                "service_arn": s.arn(&r.account_id),
                "status": s.status,
                "targets": targets,
            }))
        })
        .await;
    match r {
        Ok(Ok(v)) => json(200, v),
        Ok(Err(e)) | Err(e) => error(&e),
    }
}

/// `to`, `port` and `protocol` of `GET /_tasknet/explain`: a flow from the
/// task to an address (N71, N72) instead of its needs.
fn flow_param(
    query: &str,
) -> Result<Option<(std::net::IpAddr, model::reach::path::Flow)>, ApiError> {
    use model::reach::path::{Flow, Protocol};
    let Some(to) = query_param(query, "to") else {
        return Ok(None);
    };
    let bad = |m: String| model::ecs::err::invalid_parameter(m);
    let addr: std::net::IpAddr = to
        .parse()
        .map_err(|_| bad(format!("to: {to} is not an IPv4 or IPv6 address.")))?;
    let protocol = match query_param(query, "protocol").as_deref().unwrap_or("tcp") {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "icmp" => Protocol::Icmp,
        p => return Err(bad(format!("protocol: {p} is not tcp, udp or icmp."))),
    };
    let port = match query_param(query, "port") {
        Some(p) => p
            .parse::<i32>()
            .ok()
            .filter(|p| (0..=65535).contains(p))
            .ok_or_else(|| bad(format!("port: {p} is not a port number.")))?,
        None if protocol == Protocol::Icmp => 8,
        None => return Err(bad("port is required with to (except for icmp).".into())),
    };
    Ok(Some((addr, Flow { protocol, port })))
}

/// The model's hop-by-hop verdict for one flow from a task's ENI.
fn explain_flow(
    r: &model::world::Region,
    t: &model::ecs::types::Task,
    to: std::net::IpAddr,
    flow: model::reach::path::Flow,
) -> Result<Value, ApiError> {
    let eni = t
        .attachment
        .eni_id
        .as_deref()
        .filter(|_| t.attachment.status != "DELETED")
        .ok_or_else(|| {
            model::ecs::err::invalid_parameter(
                "The task has no network interface (it is not running), so no flow from it can be traced.",
            )
        })?;
    let res = r
        .trace_flow(eni, to, flow, model::reach::path::Detail::Full)
        .ok_or_else(|| {
            model::ecs::err::invalid_parameter("The task's network interface is gone.")
        })?;
    let v = json!({
        "task_arn": t.arn(&r.account_id),
        "network_interface": eni,
        "from": t.attachment.private_ipv4.clone().or(t.attachment.ipv6.clone()),
        "to": to.to_string(),
        "protocol": flow.name(),
        "port": flow.port,
        "status": if res.blocked.is_some() { "unreachable" } else { "reachable" },
        "path": res.hops,
        "blocked": res.blocked,
    });
    Ok(with_task_state(v, t))
}

/// Add what actually happened to a launched task next to the verdicts.
fn with_task_state(mut v: Value, t: &model::ecs::types::Task) -> Value {
    v["task"] = json!({
        "lastStatus": t.last_status.as_str(),
        "desiredStatus": t.desired_status,
        "stopCode": t.stop_code,
        "stoppedReason": t.stopped_reason,
    });
    v
}

/// `POST /_tasknet/explain` with a RunTask-shaped body: N43 for a planned task.
async fn explain_plan(api: &Api, query: &str, body: &[u8]) -> HttpResponse {
    let input: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return error(&ApiError::new(
                "SerializationException",
                "The body must be a JSON object shaped like a RunTask request.",
            ))
        }
    };
    let region = query_param(query, "region")
        .or_else(|| {
            input
                .get("region")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| api.control.settings.default_region.clone());
    let account =
        query_param(query, "account").unwrap_or_else(|| api.control.settings.account_id.clone());
    if !model::cloud::is_account_id(&account) {
        return error(&model::ecs::err::invalid_parameter(format!(
            "account {account} is not an AWS account id (12 digits)."
        )));
    }
    let principal = model::ecs::settings::root_arn(&account);
    let req = match api::ecs::run_task_request(&input, principal) {
        Ok(r) => r,
        Err(e) => return error(&e),
    };
    let r = api
        .control
        .read(&account, move |w| -> Result<Value, ApiError> {
            let inline = input.get("taskDefinition").filter(|v| v.is_object());
            let plans = w.explain_plan(&region, &req, inline)?;
            Ok(json!({ "region": region, "subnets": plans }))
        })
        .await;
    match r {
        Ok(Ok(v)) => json(200, v),
        Ok(Err(e)) | Err(e) => error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::metadata_task_id;

    #[test]
    fn metadata_paths() {
        assert_eq!(metadata_task_id("tasks/abc/metadata"), Some("abc"));
        for odd in [
            "tasks/metadata",
            "tasks//metadata",
            "tasks/a/b/metadata",
            "tasks/",
            "tasks",
            "tasks/abc/metadata/",
            "tasks/abc/metadatas",
            "/metadata",
            "",
        ] {
            assert_eq!(metadata_task_id(odd), None, "{odd}");
        }
    }
}
