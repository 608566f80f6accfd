//! `tasknet exec --task T -- CMD…`: run a host command inside a running
//! task's network namespace (the Linux data plane), with the environment a
//! Fargate container gets for the metadata and credentials endpoints. The
//! server names the namespace and the environment (`GET /_tasknet/exec`);
//! the command runs here, so stdin, stdout, stderr and the exit status are
//! the caller's.

use crate::admin::{json, HttpResponse};
use api::Api;
use model::ApiError;
use serde_json::{json, Value};
use tasknet::client::Client;

#[derive(clap::Args)]
pub struct ExecArgs {
    /// The tasknet endpoint.
    #[arg(
        long,
        env = "TASKNET_ENDPOINT",
        default_value = "http://127.0.0.1:4566"
    )]
    pub endpoint: String,
    /// Cluster of the task.
    #[arg(long, default_value = "default")]
    pub cluster: String,
    /// Task ARN or id.
    #[arg(long)]
    pub task: String,
    /// Region (default: from the task ARN, else the server's default).
    #[arg(long)]
    pub region: Option<String>,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn run(args: ExecArgs) -> Result<i32, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let v = rt.block_on(async {
        let mut c = Client::connect(&args.endpoint).await?;
        let region = args
            .region
            .as_ref()
            .map(|r| format!("&region={}", enc(r)))
            .unwrap_or_default();
        let path = format!(
            "/_tasknet/exec?cluster={}&task={}{region}",
            enc(&args.cluster),
            enc(&args.task)
        );
        let (status, body) = c.send("GET", &path, &[], Vec::new()).await?;
        let v: Value = serde_json::from_slice(&body)
            .map_err(|_| format!("HTTP {status}: {}", String::from_utf8_lossy(&body)))?;
        if status != 200 {
            return Err(format!(
                "{}: {}",
                v["__type"].as_str().unwrap_or("error"),
                v["message"].as_str().unwrap_or("request failed")
            ));
        }
        Ok(v)
    })?;
    drop(rt);
    let netns = v["netns"].as_str().ok_or("the server named no namespace")?;
    let env: Vec<(String, String)> = v["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    dataplane::linux::exec::exec(netns, &env, &args.command)
}

fn error(e: &ApiError) -> HttpResponse {
    json(e.status, json!({"__type": e.code, "message": e.message}))
}

/// `GET /_tasknet/exec?cluster=…&task=…[&region=…]`: the namespace of a
/// running task and the environment its processes get.
pub async fn resolve(api: &Api, query: &str) -> HttpResponse {
    let param = |name: &str| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let on = crate::admin::DATAPLANE
        .get()
        .is_some_and(|d| d.mode != "none");
    if !on {
        return error(&ApiError::new(
            "DataPlaneUnavailable",
            "tasknet runs without a data plane (--dataplane none), so tasks have no namespace to run commands in.",
        ).with_status(409));
    }
    let Some(task) = param("task") else {
        return error(&model::ecs::err::invalid_parameter("task is required"));
    };
    let cluster = param("cluster").unwrap_or_else(|| "default".into());
    let arn_part = |i: usize| {
        task.strip_prefix("arn:aws:ecs:")
            .and_then(|r| r.split(':').nth(i))
            .map(str::to_string)
    };
    let region = param("region")
        .or_else(|| arn_part(0))
        .unwrap_or_else(|| api.control.settings.default_region.clone());
    let account = arn_part(1).unwrap_or_else(|| api.control.settings.account_id.clone());
    let r = api
        .control
        .read(&account, move |w| -> Result<Value, ApiError> {
            use model::ecs::types::TaskStatus;
            let r = w.region(&region)?;
            let name = model::ecs::cluster::cluster_name(&cluster).to_string();
            r.ecs
                .clusters
                .get(&name)
                .ok_or_else(model::ecs::err::cluster_not_found)?;
            let t = r
                .find_task(&name, &task)
                .ok_or_else(model::ecs::task::task_not_found)?;
            let up = t.attachment.status == "ATTACHED"
                && t.last_status >= TaskStatus::Pending
                && t.last_status <= TaskStatus::Stopping;
            if !up {
                return Err(ApiError::new(
                    "TaskNotRunning",
                    format!(
                        "The task is {}; it has a network namespace only from PENDING to STOPPING.",
                        t.last_status.as_str()
                    ),
                )
                .with_status(409));
            }
            Ok(json!({
                "netns": dataplane::desired::task_netns(&t.id),
                "lastStatus": t.last_status.as_str(),
                "env": task_env(r, t),
            }))
        })
        .await;
    match r {
        Ok(Ok(v)) => json(200, v),
        Ok(Err(e)) | Err(e) => error(&e),
    }
}

/// The environment a Fargate container gets (aws-behavior §1.4).
fn task_env(r: &model::world::Region, t: &model::ecs::types::Task) -> Value {
    let endpoint = dataplane::metadata_endpoint_id(t);
    let mut env = json!({
        "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
        "AWS_DEFAULT_REGION": r.name(),
        "AWS_REGION": r.name(),
        "ECS_CONTAINER_METADATA_URI_V4": format!("http://169.254.170.2/v4/{endpoint}"),
        "ECS_CONTAINER_METADATA_URI": format!("http://169.254.170.2/v3/{endpoint}"),
        "ECS_AGENT_URI": format!("http://169.254.170.2/api/{endpoint}"),
        // tasknet's own: the SDKs and requests bring their own CA bundles;
        // these point them at the task's trust store, which holds the CA
        // of tasknet's emulated internet (dataplane/src/linux/tls.rs).
        "AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt",
        "REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt",
    });
    if let Some(h) = t
        .attachment
        .hostname
        .as_ref()
        .or(t.attachment.private_dns_name.as_ref())
    {
        env["HOSTNAME"] = json!(h);
    }
    let has_role = r
        .ecs
        .task_definitions
        .get(&t.task_definition)
        .is_some_and(|d| d.task_role_arn.is_some());
    if has_role {
        env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] =
            json!(format!("/v2/credentials/{}", dataplane::credentials_id(t)));
    }
    env
}
