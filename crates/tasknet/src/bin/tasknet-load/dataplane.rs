//! `--op dataplane`: the Linux data plane's figures (issue 13). Run it as
//! root on the same host as a server started with `--dataplane linux` and
//! the lifecycle phases at zero, so that what is measured is the plumbing:
//!
//! ```sh
//! tasknet serve --dataplane linux --provisioning-ms 0 --pending-ms 0 --activating-ms 0
//! tasknet-load --op dataplane --rate 20 --seconds 10 --tasks 1000
//! ```
//!
//! 1. RunTask → RUNNING latency while launching `--rate` tasks a second
//!    for `--seconds` (each launch on its own connection, polled every 2 ms).
//! 2. A security group change reaching packets: task B connects to task A
//!    in a loop; the rule is revoked; the first refused attempt is timed.
//! 3. Task-to-task TCP throughput through the fabric (iperf3, if installed).
//! 4. `--tasks` tasks running at once; then all stopped, and what is left
//!    of theirs on the host is counted (namespaces of the tasks, the fabric).

use super::setup::{cluster_and_task_definition, public_vpc, security_group};
use super::{must, percentile, Conn};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CLUSTER: &str = "tasknet-dp";

struct World {
    vpc: String,
    subnet: String,
    sg: String,
}

async fn setup(c: &mut Conn) -> Result<World, String> {
    let (vpc, subnets) = public_vpc(c, "10.90.0.0/16", &[("10.90.0.0/17", "")]).await?;
    let subnet = subnets.into_iter().next().ok_or("no subnet")?;
    let sg = security_group(c, &vpc, "dp").await?;
    must(
        c.ec2(&ingress("Authorize", &sg)).await,
        "AuthorizeSecurityGroupIngress",
    )
    .await?;
    cluster_and_task_definition(c, CLUSTER, "dp", None).await?;
    Ok(World { vpc, subnet, sg })
}

/// TCP 5000–5300 from the VPC: the probes' and iperf3's ports.
fn ingress(verb: &str, sg: &str) -> String {
    format!(
        "Action={verb}SecurityGroupIngress&GroupId={sg}&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=5000&IpPermissions.1.ToPort=5300&IpPermissions.1.IpRanges.1.CidrIp=10.90.0.0%2F16"
    )
}

fn run_body(w: &World, count: usize) -> String {
    json!({
        "cluster": CLUSTER, "taskDefinition": "dp", "launchType": "FARGATE", "count": count,
        "networkConfiguration": {"awsvpcConfiguration": {
            "subnets": [w.subnet], "securityGroups": [w.sg], "assignPublicIp": "ENABLED"}},
    })
    .to_string()
}

fn arns_of(body: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    v["tasks"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["taskArn"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The tasks' (arn, lastStatus, private IPv4), 100 at a time.
async fn describe(c: &mut Conn, arns: &[String]) -> Result<Vec<(String, String, String)>, String> {
    let mut out = Vec::new();
    for chunk in arns.chunks(100) {
        let body = json!({"cluster": CLUSTER, "tasks": chunk}).to_string();
        let b = must(c.ecs("DescribeTasks", &body).await, "DescribeTasks").await?;
        let v: Value = serde_json::from_slice(&b).map_err(|e| e.to_string())?;
        for t in v["tasks"].as_array().into_iter().flatten() {
            let ip = t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
                .as_str()
                .unwrap_or("")
                .to_string();
            out.push((
                t["taskArn"].as_str().unwrap_or("").to_string(),
                t["lastStatus"].as_str().unwrap_or("").to_string(),
                ip,
            ));
        }
    }
    Ok(out)
}

async fn wait_all(
    c: &mut Conn,
    arns: &[String],
    status: &str,
    limit: Duration,
) -> Result<Vec<(String, String, String)>, String> {
    let t0 = Instant::now();
    loop {
        let d = describe(c, arns).await?;
        if d.len() == arns.len() && d.iter().all(|t| t.1 == status) {
            return Ok(d);
        }
        if t0.elapsed() > limit {
            let n = d.iter().filter(|t| t.1 == status).count();
            return Err(format!(
                "only {n} of {} tasks {status} after {limit:?}",
                arns.len()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn id_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn netns_exists(name: &str) -> bool {
    std::path::Path::new("/run/netns").join(name).exists()
}

/// Namespaces under /run/netns whose names start with `prefix`.
fn netns_count(prefix: &str) -> usize {
    std::fs::read_dir("/run/netns")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
                .count()
        })
        .unwrap_or(0)
}

async fn stop_all(c: &mut Conn, arns: &[String]) -> Result<(), String> {
    for a in arns {
        let body = json!({"cluster": CLUSTER, "task": a}).to_string();
        must(c.ecs("StopTask", &body).await, "StopTask").await?;
    }
    Ok(())
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Launch latency (part 1).
async fn launches(
    endpoint: &str,
    region: &str,
    w: &World,
    rate: f64,
    seconds: u64,
) -> Result<Vec<String>, String> {
    let body = run_body(w, 1);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let every = Duration::from_secs_f64(1.0 / rate);
    let n = (rate * seconds as f64).round() as usize;
    let start = Instant::now();
    for i in 0..n {
        let at = start + every * i as u32;
        tokio::time::sleep_until(at.into()).await;
        let (tx, body, endpoint, region) = (
            tx.clone(),
            body.clone(),
            endpoint.to_string(),
            region.to_string(),
        );
        tokio::spawn(async move {
            let r: Result<(String, u64, bool), String> = async {
                let mut c = Conn::open(&endpoint, &region).await?;
                let t0 = Instant::now();
                let b = must(c.ecs("RunTask", &body).await, "RunTask").await?;
                let arn = arns_of(&b).pop().ok_or("RunTask placed no task")?;
                loop {
                    let d = describe(&mut c, std::slice::from_ref(&arn)).await?;
                    if d.first().is_some_and(|t| t.1 == "RUNNING") {
                        let us = t0.elapsed().as_micros() as u64;
                        return Ok((
                            arn.clone(),
                            us,
                            netns_exists(&format!("tasknet-{}", id_of(&arn))),
                        ));
                    }
                    if d.first()
                        .is_some_and(|t| t.1 == "STOPPED" || t.1 == "DEPROVISIONING")
                    {
                        return Err(format!("task {arn} stopped before it ran"));
                    }
                    if t0.elapsed() > Duration::from_secs(30) {
                        return Err(format!("task {arn} not RUNNING in 30 s"));
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
            .await;
            let _ = tx.send(r);
        });
    }
    drop(tx);
    let mut lat = Vec::new();
    let mut arns = Vec::new();
    let mut errors = Vec::new();
    let mut with_ns = 0;
    while let Some(r) = rx.recv().await {
        match r {
            Ok((arn, us, ns)) => {
                lat.push(us);
                arns.push(arn);
                with_ns += usize::from(ns);
            }
            Err(e) => errors.push(e),
        }
    }
    lat.sort_unstable();
    println!(
        "RunTask -> RUNNING at {rate}/s for {seconds} s: {} tasks, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; namespace up at RUNNING: {with_ns}/{}; errors {}",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.9),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0) as f64 / 1000.0,
        lat.len(),
        errors.len()
    );
    if let Some(e) = errors.first() {
        println!("  first error: {e}");
    }
    Ok(arns)
}

/// A command in a task's namespace.
fn in_task(task_arn: &str, argv: &[&str]) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &format!("tasknet-{}", id_of(task_arn))]);
    c.args(argv);
    c
}

/// Part 2: how long a revoked rule takes to stop new connections.
async fn rule_change(
    c: &mut Conn,
    w: &World,
    a: &(String, String, String),
    b: &(String, String, String),
) -> Result<(), String> {
    let server = r#"
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5001)); s.listen(128)
while True:
    c, _ = s.accept(); c.close()
"#;
    let probe = format!(
        r#"
import socket, time, sys
end = time.time() + 20
while time.time() < end:
    t = time.time()
    try:
        socket.create_connection(("{ip}", 5001), timeout=0.05).close()
    except OSError:
        print(t); sys.exit(0)
    time.sleep(0.001)
sys.exit(1)
"#,
        ip = a.2
    );
    let mut srv = in_task(&a.0, &["python3", "-c", server])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("python3 in the task: {e}"))?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let probe = in_task(&b.0, &["python3", "-c", &probe])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("python3 in the task: {e}"))?;
    // Let it connect a while first: the rule is open.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t0 = now_secs();
    must(
        c.ec2(&ingress("Revoke", &w.sg)).await,
        "RevokeSecurityGroupIngress",
    )
    .await?;
    let out = tokio::task::spawn_blocking(move || probe.wait_with_output())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let _ = srv.kill();
    let _ = srv.wait();
    let first_refused: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| "the probe saw no connection refused within 20 s".to_string())?;
    println!(
        "security group rule revoked -> first new connection dropped: {:.1} ms",
        (first_refused - t0) * 1000.0
    );
    must(
        c.ec2(&ingress("Authorize", &w.sg)).await,
        "AuthorizeSecurityGroupIngress",
    )
    .await?;
    Ok(())
}

/// Part 3: iperf3 from task B to task A.
async fn throughput(
    a: &(String, String, String),
    b: &(String, String, String),
) -> Result<(), String> {
    if Command::new("iperf3").arg("--version").output().is_err() {
        println!("iperf3 is not installed: no throughput figure");
        return Ok(());
    }
    let mut srv = in_task(&a.0, &["iperf3", "-s", "-1", "-p", "5201"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = in_task(&b.0, &["iperf3", "-c", &a.2, "-p", "5201", "-t", "3", "-J"])
        .output()
        .map_err(|e| e.to_string())?;
    let _ = srv.wait();
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("iperf3: {e}"))?;
    let bps = v["end"]["sum_received"]["bits_per_second"]
        .as_f64()
        .ok_or("iperf3 gave no figure")?;
    println!(
        "task-to-task TCP through the fabric with rules loaded (iperf3, 3 s): {:.2} Gbit/s",
        bps / 1e9
    );
    Ok(())
}

/// `--op dataplane`.
pub async fn run(
    endpoint: &str,
    region: &str,
    rate: f64,
    seconds: u64,
    tasks: usize,
) -> Result<(), String> {
    let mut c = Conn::open(endpoint, region).await?;
    let w = setup(&mut c).await?;
    let fabric_prefix = format!("tasknet-vpc-{}", w.vpc.trim_start_matches("vpc-"));
    let launched = launches(endpoint, region, &w, rate, seconds).await?;
    stop_all(&mut c, &launched).await?;
    wait_all(&mut c, &launched, "STOPPED", Duration::from_secs(120)).await?;

    // Many at once.
    let t0 = Instant::now();
    let mut arns = Vec::new();
    while arns.len() < tasks {
        let n = (tasks - arns.len()).min(10);
        let b = must(c.ecs("RunTask", &run_body(&w, n)).await, "RunTask").await?;
        arns.extend(arns_of(&b));
    }
    let running = wait_all(&mut c, &arns, "RUNNING", Duration::from_secs(600)).await?;
    let with_ns = arns
        .iter()
        .filter(|a| netns_exists(&format!("tasknet-{}", id_of(a))))
        .count();
    println!(
        "{tasks} tasks RUNNING at once in {:.1} s; {with_ns} task namespaces on the host",
        t0.elapsed().as_secs_f64()
    );
    if running.len() >= 2 {
        let (a, b) = (&running[0], &running[1]);
        if let Err(e) = throughput(a, b).await {
            println!("throughput: {e}");
        }
        if let Err(e) = rule_change(&mut c, &w, a, b).await {
            println!("rule change: {e}");
        }
    }
    let t0 = Instant::now();
    stop_all(&mut c, &arns).await?;
    wait_all(&mut c, &arns, "STOPPED", Duration::from_secs(600)).await?;
    let stopped_in = t0.elapsed().as_secs_f64();
    // The fabric goes with the VPC's last task, at the data plane's next pass.
    let deadline = Instant::now() + Duration::from_secs(30);
    while netns_count(&fabric_prefix) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = arns
        .iter()
        .chain(&launched)
        .filter(|a| netns_exists(&format!("tasknet-{}", id_of(a))))
        .count();
    println!(
        "all {} stopped in {stopped_in:.1} s; left on the host: {left} task namespaces, {} fabric namespaces of the VPC",
        arns.len(),
        netns_count(&fabric_prefix)
    );
    Ok(())
}
