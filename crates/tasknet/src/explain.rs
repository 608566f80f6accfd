//! `tasknet explain`: ask a running tasknet why a task can or cannot reach
//! what it needs (N43), and print it as a table (or JSON).

use serde_json::Value;
use std::fmt::Write;
use tasknet::client::Client;

#[derive(clap::Args)]
pub struct ExplainArgs {
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
    /// Task ARN or id to explain.
    #[arg(
        long,
        conflicts_with_all = ["plan", "service"],
        required_unless_present_any = ["plan", "service"]
    )]
    pub task: Option<String>,
    /// Service name or ARN: each of its targets' health and every load
    /// balancer node's health check, hop by hop (N51).
    #[arg(long, conflicts_with = "plan")]
    pub service: Option<String>,
    /// A RunTask-shaped JSON file (taskDefinition as a name/ARN or an inline
    /// RegisterTaskDefinition body, networkConfiguration, platformVersion, cluster).
    #[arg(long)]
    pub plan: Option<std::path::PathBuf>,
    /// Region (default: from the task ARN, else the server's default).
    #[arg(long)]
    pub region: Option<String>,
    /// Trace one flow from the task to this address instead (another
    /// task, an endpoint, the internet): the hop verdict (N71, N72).
    #[arg(long, requires = "task")]
    pub to: Option<String>,
    /// Destination port of the `--to` flow.
    #[arg(long, requires = "to")]
    pub port: Option<u16>,
    /// Protocol of the `--to` flow.
    #[arg(long, requires = "to", default_value = "tcp", value_parser = ["tcp", "udp", "icmp"])]
    pub protocol: String,
    /// Print the raw JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ExplainArgs) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let v = rt.block_on(fetch(&args))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else if args.to.is_some() {
        print!("{}", render_flow(&v));
    } else if args.service.is_some() {
        print!("{}", render_service(&v));
    } else if let Some(subnets) = v.get("subnets").and_then(Value::as_array) {
        for e in subnets {
            print!("{}", render(e));
            println!();
        }
    } else {
        print!("{}", render(&v));
    }
    Ok(())
}

async fn fetch(args: &ExplainArgs) -> Result<Value, String> {
    let mut c = Client::connect(&args.endpoint).await?;
    let region = args
        .region
        .as_ref()
        .map(|r| format!("&region={}", enc(r)))
        .unwrap_or_default();
    let (status, body) = match (&args.task, &args.plan) {
        _ if args.service.is_some() => {
            let path = format!(
                "/_tasknet/explain?cluster={}&service={}{region}",
                enc(&args.cluster),
                enc(args.service.as_deref().unwrap_or_default())
            );
            c.send("GET", &path, &[], Vec::new()).await?
        }
        (Some(task), _) => {
            let flow = match &args.to {
                Some(to) => format!(
                    "&to={}&protocol={}{}",
                    enc(to),
                    args.protocol,
                    args.port.map(|p| format!("&port={p}")).unwrap_or_default()
                ),
                None => String::new(),
            };
            let path = format!(
                "/_tasknet/explain?cluster={}&task={}{region}{flow}",
                enc(&args.cluster),
                enc(task)
            );
            c.send("GET", &path, &[], Vec::new()).await?
        }
        (None, Some(file)) => {
            let body = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
            let path = format!("/_tasknet/explain?x=1{region}");
            c.send(
                "POST",
                &path,
                &[("content-type", "application/json".to_string())],
                body,
            )
            .await?
        }
        (None, None) => return Err("give --task or --plan".into()),
    };
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
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// A human table of one explanation.
pub fn render(e: &Value) -> String {
    let mut out = String::new();
    let net = &e["network"];
    let title = match e.get("task_arn").and_then(Value::as_str) {
        Some(a) => format!("Task {a}"),
        None => "Planned task".to_string(),
    };
    let _ = writeln!(
        out,
        "{title} ({}, platform version {})",
        s(e, "region"),
        s(e, "platform_version")
    );
    let public = net
        .get("public_ipv4")
        .and_then(Value::as_str)
        .map(|p| format!("public IPv4 {p}"))
        .unwrap_or_else(|| "no public IPv4".into());
    let addrs: Vec<String> = [("IPv4", "private_ipv4"), ("IPv6", "ipv6")]
        .iter()
        .filter_map(|(l, k)| {
            net.get(*k)
                .and_then(Value::as_str)
                .map(|a| format!("{l} {a}"))
        })
        .collect();
    let groups: Vec<&str> = net["security_groups"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Network: {} {} ({}), {} task: {}, {public}, security groups {}",
        s(net, "vpc_id"),
        s(net, "subnet_id"),
        s(net, "availability_zone"),
        s(net, "mode"),
        if addrs.is_empty() {
            "no address".to_string()
        } else {
            addrs.join(", ")
        },
        groups.join(", ")
    );
    if let Some(t) = e.get("task") {
        let _ = writeln!(
            out,
            "Task state: {} (desired {})",
            s(t, "lastStatus"),
            s(t, "desiredStatus")
        );
    }
    match e.get("stopped_reason").and_then(Value::as_str) {
        Some(r) => {
            let _ = writeln!(out, "Outcome: FAILS TO START\n  {r}");
        }
        None => {
            let _ = writeln!(out, "Outcome: starts");
        }
    }
    if let Some(b) = e.get("blocked").filter(|b| !b.is_null()) {
        write_blocked(&mut out, b, "  ");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<36} {:<18} {:<20} {:<46} STATUS",
        "TRAFFIC", "ENI", "ROLE", "DESTINATION"
    );
    for v in e["verdicts"].as_array().cloned().unwrap_or_default() {
        let mut traffic = s(&v, "traffic").to_string();
        if let Some(c) = v.get("container").and_then(Value::as_str) {
            traffic = format!("{traffic} [{c}]");
        }
        let dest = match (
            v.get("destination").and_then(Value::as_str),
            v.get("address").and_then(Value::as_str),
        ) {
            (Some(d), Some(a)) => format!("{d} ({a})"),
            (Some(d), None) => d.to_string(),
            _ => s(&v, "subject").to_string(),
        };
        let _ = writeln!(
            out,
            "{traffic:<36} {:<18} {:<20} {dest:<46} {}",
            s(&v, "eni"),
            s(&v, "role"),
            s(&v, "status")
        );
        let hops: Vec<String> = v["path"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|h| format!("{} {}", s(h, "step"), s(h, "resource")))
                    .collect()
            })
            .unwrap_or_default();
        if !hops.is_empty() {
            let _ = writeln!(out, "    path: {}", hops.join(" → "));
        }
        if let Some(b) = v.get("blocked").filter(|b| !b.is_null()) {
            write_blocked(&mut out, b, "    ");
        }
    }
    out
}

/// A human view of one flow's verdict (`--to`).
pub fn render_flow(v: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Flow {} {} → {} port {} from task {} ({})",
        s(v, "protocol"),
        s(v, "from"),
        s(v, "to"),
        v["port"],
        s(v, "task_arn"),
        s(v, "network_interface")
    );
    let _ = writeln!(out, "Verdict: {}", s(v, "status").to_uppercase());
    for h in v["path"].as_array().cloned().unwrap_or_default() {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            s(&h, "step"),
            s(&h, "resource"),
            s(&h, "note")
        );
    }
    if let Some(b) = v.get("blocked").filter(|b| !b.is_null()) {
        write_blocked(&mut out, b, "  ");
    }
    out
}

/// A human view of a service's targets (`--service`).
pub fn render_service(v: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Service {} ({})", s(v, "service_arn"), s(v, "status"));
    let targets = v["targets"].as_array().cloned().unwrap_or_default();
    if targets.is_empty() {
        let _ = writeln!(out, "  no targets registered");
    }
    for t in targets {
        let e = &t["explanation"];
        let target = &e["target"];
        let health = &target["health"];
        let _ = writeln!(
            out,
            "Target {}:{} in {} (task {}, {})",
            s(target, "id"),
            target["port"],
            s(&t, "target_group_arn"),
            s(&t, "task_arn"),
            s(&t, "last_status")
        );
        let mut state = s(health, "state").to_string();
        if let Some(r) = health.get("reason").and_then(Value::as_str) {
            let _ = write!(state, " ({r}: {})", s(health, "description"));
        }
        let _ = writeln!(out, "  health: {state}");
        for c in e["checks"].as_array().cloned().unwrap_or_default() {
            let path = &c["path"];
            let verdict = if path.get("blocked").is_some_and(|b| !b.is_null()) {
                "BLOCKED"
            } else {
                "passes"
            };
            let _ = writeln!(
                out,
                "  check from {} ({}, {}): {verdict}",
                s(&c, "node_eni"),
                s(&c, "availability_zone"),
                s(&c, "load_balancer_arn")
            );
            for h in path["hops"].as_array().cloned().unwrap_or_default() {
                let _ = writeln!(
                    out,
                    "    {} {}: {}",
                    s(&h, "step"),
                    s(&h, "resource"),
                    s(&h, "note")
                );
            }
            if let Some(b) = path.get("blocked").filter(|b| !b.is_null()) {
                write_blocked(&mut out, b, "    ");
            }
        }
    }
    out
}

/// The first missing hop of a path and its fix, indented.
fn write_blocked(out: &mut String, b: &Value, indent: &str) {
    let h = &b["hop"];
    let _ = writeln!(
        out,
        "{indent}missing: {} {}: {}",
        s(h, "step"),
        s(h, "resource"),
        s(h, "note")
    );
    let _ = writeln!(out, "{indent}fix: {}", s(b, "fix"));
}
