//! `tasknet-load`: a load generator for RunTask and DescribeTasks against any
//! ECS endpoint (tasknet, or anything else speaking the ECS API), and for
//! ELBv2 DescribeTargetHealth.
//!
//! It prepares a cluster, a Fargate task definition and a VPC with one large
//! subnet, then drives the chosen operation over N keep-alive connections for
//! a fixed time and prints requests per second and latency percentiles.
//!
//!     tasknet-load --endpoint http://127.0.0.1:4566 --op run-task --connections 16 --seconds 10
//!
//! `--op describe-target-health` prepares an ALB with `--target-groups`
//! groups (one listener: the default action and one rule per further
//! group) and `--targets-per-group` task-like ENIs registered in each,
//! waits until they are healthy, then asks DescribeTargetHealth of each
//! group in turn (every answer traces every target's health-check path).
//!
//! Without `--rate` each connection sends its next request as soon as the
//! last is answered (closed loop: the figure is the server's capacity, and
//! latency there is mostly queueing). With `--rate R` requests are offered
//! at R per second in all, spread over the connections, and each latency is
//! measured from when its request was due, not when it was sent, so a slow
//! answer that delays the requests behind it counts against them too (no
//! coordinated omission).
//!
//! `--op service-scale` and `--op describe-services` measure ECS services
//! behind an ALB (services.rs); `--op dataplane` the Linux data plane
//! (dataplane.rs: launch latency, rule changes, throughput, teardown).
//!
//! `--op slow-clients` and `--op big-bodies` are abuse modes instead (see
//! abuse.rs): they report how the server holds up, not its throughput.

mod abuse;
mod dataplane;
mod services;
mod setup;

use bytes::Bytes;
use clap::Parser;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tasknet::client::Client;

#[derive(Parser, Clone)]
#[command(
    name = "tasknet-load",
    about = "Drive RunTask / DescribeTasks load and print throughput and latency"
)]
struct Args {
    /// Endpoint URL (http only).
    #[arg(long, default_value = "http://127.0.0.1:4566")]
    endpoint: String,
    /// `run-task`, `describe-tasks` or `describe-target-health` (load),
    /// `slow-clients` or `big-bodies` (abuse).
    #[arg(long, default_value = "run-task", value_parser = ["run-task", "describe-tasks", "describe-target-health", "describe-services", "service-scale", "dataplane", "slow-clients", "big-bodies"])]
    op: String,
    /// `service-scale`: the desired count the service is scaled to;
    /// `dataplane`: how many tasks run at once.
    #[arg(long, default_value_t = 500)]
    tasks: usize,
    /// `describe-services`: how many services.
    #[arg(long, default_value_t = 100)]
    services: usize,
    /// `describe-services`: tasks (and targets) of each service.
    #[arg(long, default_value_t = 50)]
    tasks_per_service: usize,
    /// `describe-target-health`: how many target groups.
    #[arg(long, default_value_t = 100)]
    target_groups: usize,
    /// `describe-target-health`: targets registered in each group.
    #[arg(long, default_value_t = 50)]
    targets_per_group: usize,
    /// Concurrent connections (default 16; 48 for big-bodies, 500 for
    /// slow-clients).
    #[arg(long)]
    connections: Option<usize>,
    /// How long to drive load (for slow-clients: how long to keep the
    /// connections open).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// big-bodies: the size of each body.
    #[arg(long, default_value_t = 15_000_000)]
    body_bytes: usize,
    /// slow-clients: milliseconds between the bytes of a request head.
    #[arg(long, default_value_t = 1000)]
    slow_interval_ms: u64,
    /// Abuse modes: seconds to wait after the abuse before the last RSS
    /// sample (the server may give memory back a little later).
    #[arg(long, default_value_t = 3)]
    settle_seconds: u64,
    /// Abuse modes: the server's process id, to read its RSS from
    /// /proc/PID/status when its /_tasknet/stats has none.
    #[arg(long)]
    pid: Option<u32>,
    /// Warm-up before measuring.
    #[arg(long, default_value_t = 2)]
    warmup_seconds: u64,
    /// Offer this many requests per second in all (open loop); 0 sends as
    /// fast as answers come back (closed loop).
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Region to use (sent in the SigV4 credential scope).
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

struct Conn {
    client: Client,
    region: String,
}

impl Conn {
    async fn open(endpoint: &str, region: &str) -> Result<Conn, String> {
        Ok(Conn {
            client: Client::connect(endpoint).await?,
            region: region.to_string(),
        })
    }

    fn auth(&self, service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=load/20260101/{}/{service}/aws4_request, SignedHeaders=host, Signature=0",
            self.region
        )
    }

    /// One ECS JSON call; returns (status, body).
    async fn ecs(&mut self, op: &str, body: &str) -> Result<(u16, Bytes), String> {
        let headers = [
            ("content-type", "application/x-amz-json-1.1".to_string()),
            (
                "x-amz-target",
                format!("AmazonEC2ContainerServiceV20141113.{op}"),
            ),
            ("authorization", self.auth("ecs")),
        ];
        self.client
            .send("POST", "/", &headers, body.as_bytes().to_vec())
            .await
    }

    /// One EC2 query call.
    async fn ec2(&mut self, form: &str) -> Result<(u16, Bytes), String> {
        let headers = [
            (
                "content-type",
                "application/x-www-form-urlencoded".to_string(),
            ),
            ("authorization", self.auth("ec2")),
        ];
        self.client
            .send(
                "POST",
                "/",
                &headers,
                format!("{form}&Version=2016-11-15").into_bytes(),
            )
            .await
    }
}

impl Conn {
    /// One ELBv2 query call.
    async fn elb(&mut self, form: &str) -> Result<(u16, Bytes), String> {
        let headers = [
            (
                "content-type",
                "application/x-www-form-urlencoded".to_string(),
            ),
            ("authorization", self.auth("elasticloadbalancing")),
        ];
        self.client
            .send(
                "POST",
                "/",
                &headers,
                format!("{form}&Version=2015-12-01").into_bytes(),
            )
            .await
    }

    /// The call a worker repeats.
    async fn call(&mut self, op: &str, body: &str) -> Result<(u16, Bytes), String> {
        // (DescribeServices is an ECS call like RunTask.)
        if op == "DescribeTargetHealth" {
            self.elb(body).await
        } else {
            self.ecs(op, body).await
        }
    }
}

fn xml_values(body: &[u8], tag: &str) -> Vec<String> {
    let s = String::from_utf8_lossy(body);
    let open = format!("<{tag}>");
    s.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split('<').next().map(str::to_string))
        .collect()
}

/// An ALB in two public subnets, `groups` ip target groups all used by its
/// listener, and `per_group` ENIs (standing in for tasks, admitting the
/// ALB's security group) registered in each; returns one
/// DescribeTargetHealth body per group once every target is healthy.
async fn prepare_elb(c: &mut Conn, groups: usize, per_group: usize) -> Result<Vec<String>, String> {
    let x = |b: &Bytes, tag: &str| xml_value(b, tag).ok_or(format!("no {tag}"));
    let (vpc, subnets) = setup::public_vpc(
        c,
        "10.200.0.0/16",
        &[
            ("10.200.0.0/24", "a"),
            ("10.200.1.0/24", "b"),
            ("10.200.64.0/18", "a"),
            ("10.200.128.0/18", "b"),
        ],
    )
    .await?;
    let (alb_sg, task_sg) = setup::alb_and_task_groups(c, &vpc).await?;
    let lb = must(
        c.elb(&format!(
            "Action=CreateLoadBalancer&Name=tasknet-load&Subnets.member.1={}&Subnets.member.2={}&SecurityGroups.member.1={alb_sg}",
            subnets[0], subnets[1]
        ))
        .await,
        "CreateLoadBalancer",
    )
    .await?;
    let lb = x(&lb, "LoadBalancerArn")?;
    let mut tgs = Vec::new();
    for i in 0..groups {
        let b = c
            .elb(&format!(
                "Action=CreateTargetGroup&Name=load-{i}&Protocol=HTTP&Port=8080&VpcId={vpc}&TargetType=ip"
            ))
            .await;
        tgs.push(x(&must(b, "CreateTargetGroup").await?, "TargetGroupArn")?);
    }
    let Some(first) = tgs.first() else {
        return Err("--target-groups must be at least 1".into());
    };
    let listener = must(
        c.elb(&format!(
            "Action=CreateListener&LoadBalancerArn={lb}&Protocol=HTTP&Port=80&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn={first}"
        ))
        .await,
        "CreateListener",
    )
    .await?;
    let listener = x(&listener, "ListenerArn")?;
    for (i, tg) in tgs.iter().enumerate().skip(1) {
        must(
            c.elb(&format!(
                "Action=CreateRule&ListenerArn={listener}&Priority={i}&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=%2F{i}%2F*&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn={tg}"
            ))
            .await,
            "CreateRule",
        )
        .await?;
    }
    for (i, tg) in tgs.iter().enumerate() {
        let mut form = format!("Action=RegisterTargets&TargetGroupArn={tg}");
        for n in 0..per_group {
            let subnet = &subnets[2 + (i * per_group + n) % 2];
            let eni = c
                .ec2(&format!(
                    "Action=CreateNetworkInterface&SubnetId={subnet}&SecurityGroupId.1={task_sg}"
                ))
                .await;
            let ip = x(
                &must(eni, "CreateNetworkInterface").await?,
                "privateIpAddress",
            )?;
            form.push_str(&format!(
                "&Targets.member.{k}.Id={ip}&Targets.member.{k}.Port=8080",
                k = n + 1
            ));
        }
        must(c.elb(&form).await, "RegisterTargets").await?;
    }
    let bodies: Vec<String> = tgs
        .iter()
        .map(|tg| format!("Action=DescribeTargetHealth&TargetGroupArn={tg}"))
        .collect();
    // Wait for the load balancer and the first health checks.
    for _ in 0..600 {
        let b = must(c.elb(&bodies[0]).await, "DescribeTargetHealth").await?;
        let states = xml_values(&b, "State");
        if states.len() == per_group && states.iter().all(|s| s == "healthy") {
            return Ok(bodies);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the targets did not become healthy within a minute".into())
}

fn xml_value(body: &[u8], tag: &str) -> Option<String> {
    let s = String::from_utf8_lossy(body);
    let open = format!("<{tag}>");
    let start = s.find(&open)? + open.len();
    let end = s[start..].find('<')? + start;
    Some(s[start..end].to_string())
}

async fn must(r: Result<(u16, Bytes), String>, what: &str) -> Result<Bytes, String> {
    match r {
        Ok((200, b)) => Ok(b),
        Ok((s, b)) => Err(format!("{what}: HTTP {s}: {}", String::from_utf8_lossy(&b))),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// Cluster, task definition, VPC and a /16 subnet; returns the RunTask body.
async fn prepare(c: &mut Conn) -> Result<String, String> {
    setup::cluster_and_task_definition(c, "tasknet-load", "tasknet-load", Some(80)).await?;
    let vpc = must(
        c.ec2("Action=CreateVpc&CidrBlock=10.200.0.0%2F16").await,
        "CreateVpc",
    )
    .await?;
    let vpc_id = xml_value(&vpc, "vpcId").ok_or("no vpcId")?;
    let sub = must(
        c.ec2(&format!(
            "Action=CreateSubnet&VpcId={vpc_id}&CidrBlock=10.200.0.0%2F16"
        ))
        .await,
        "CreateSubnet",
    )
    .await?;
    let subnet = xml_value(&sub, "subnetId").ok_or("no subnetId")?;
    Ok(format!(
        r#"{{"cluster":"tasknet-load","taskDefinition":"tasknet-load","launchType":"FARGATE","networkConfiguration":{{"awsvpcConfiguration":{{"subnets":["{subnet}"]}}}}}}"#
    ))
}

/// Hand out due times at `rate` per second, round robin over the
/// connections; a busy connection queues its due times and catches up.
fn pacer(rate: f64, conns: Vec<tokio::sync::mpsc::UnboundedSender<Instant>>, stop: &AtomicBool) {
    let every = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let mut n: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        let at = start + every * n;
        if let Some(wait) = at.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        if conns[n as usize % conns.len()].send(at).is_err() {
            return;
        }
        n = n.wrapping_add(1);
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

/// The RunTask or DescribeTasks body.
async fn ecs_body(args: &Args, setup: &mut Conn) -> Result<String, String> {
    let run_body = prepare(setup).await?;
    if args.op != "describe-tasks" {
        return Ok(run_body);
    }
    let out = must(setup.ecs("RunTask", &run_body).await, "RunTask").await?;
    let v: serde_json::Value = serde_json::from_slice(&out).map_err(|e| e.to_string())?;
    let arn = v["tasks"][0]["taskArn"]
        .as_str()
        .ok_or("RunTask returned no task")?
        .to_string();
    Ok(format!(r#"{{"cluster":"tasknet-load","tasks":["{arn}"]}}"#))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    if !(args.rate.is_finite() && args.rate >= 0.0) {
        return Err(format!(
            "--rate {}: a number of requests per second, 0 or more",
            args.rate
        ));
    }
    if args.op == "slow-clients" || args.op == "big-bodies" {
        let connections =
            args.connections
                .unwrap_or(if args.op == "big-bodies" { 48 } else { 500 });
        return abuse::run(abuse::Abuse {
            endpoint: args.endpoint.clone(),
            op: args.op.clone(),
            connections,
            seconds: args.seconds,
            body_bytes: args.body_bytes,
            slow_interval: Duration::from_millis(args.slow_interval_ms.max(1)),
            settle: Duration::from_secs(args.settle_seconds),
            pid: args.pid,
        })
        .await;
    }
    let connections = args.connections.unwrap_or(16);
    let addr = args.endpoint.clone();
    let mut setup = Conn::open(&addr, &args.region).await?;
    // One request body per call in turn (DescribeTargetHealth cycles
    // through the groups).
    if args.op == "service-scale" {
        return services::scale(&mut setup, args.tasks).await;
    }
    if args.op == "dataplane" {
        let rate = if args.rate > 0.0 { args.rate } else { 20.0 };
        return dataplane::run(&addr, &args.region, rate, args.seconds, args.tasks).await;
    }
    let bodies: Vec<String> = if args.op == "describe-services" {
        services::prepare(&mut setup, args.services, args.tasks_per_service).await?
    } else if args.op == "describe-target-health" {
        let t0 = Instant::now();
        let b = prepare_elb(&mut setup, args.target_groups, args.targets_per_group).await?;
        println!(
            "prepared {} target groups with {} healthy targets each in {:.1} s",
            args.target_groups,
            args.targets_per_group,
            t0.elapsed().as_secs_f64()
        );
        b
    } else {
        vec![ecs_body(&args, &mut setup).await?]
    };
    let op = match args.op.as_str() {
        "describe-tasks" => "DescribeTasks",
        "describe-target-health" => "DescribeTargetHealth",
        "describe-services" => "DescribeServices",
        _ => "RunTask",
    };
    let bodies = Arc::new(bodies);
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    let mut pace = Vec::new();
    for _ in 0..connections {
        let mut conn = Conn::open(&addr, &args.region).await?;
        let (bodies, measuring, stop, errors) = (
            bodies.clone(),
            measuring.clone(),
            stop.clone(),
            errors.clone(),
        );
        let mut due = if args.rate > 0.0 {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
            pace.push(tx);
            Some(rx)
        } else {
            None
        };
        workers.push(tokio::spawn(async move {
            let mut lat: Vec<u64> = Vec::with_capacity(200_000);
            let mut next = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let t0 = match &mut due {
                    Some(rx) => match rx.recv().await {
                        Some(at) => at,
                        None => break,
                    },
                    None => Instant::now(),
                };
                let body = &bodies[next % bodies.len()];
                next += 1;
                let r = conn.call(op, body).await;
                let us = t0.elapsed().as_micros() as u64;
                match r {
                    Ok((200, _)) => {
                        if measuring.load(Ordering::Relaxed) {
                            lat.push(us);
                        }
                    }
                    Ok((s, b)) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("{op}: HTTP {s}: {}", String::from_utf8_lossy(&b));
                        }
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("{op}: {e}");
                        break;
                    }
                }
            }
            lat
        }));
    }
    if !pace.is_empty() {
        let (rate, stop) = (args.rate, stop.clone());
        // A plain thread keeps time: its sleeps are precise to tens of
        // microseconds, where the async timer ticks by the millisecond.
        std::thread::spawn(move || pacer(rate, pace, &stop));
    }
    tokio::time::sleep(Duration::from_secs(args.warmup_seconds)).await;
    measuring.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<u64> = Vec::new();
    for w in workers {
        all.extend(w.await.map_err(|e| e.to_string())?);
    }
    all.sort_unstable();
    // Did the server's task lifecycle keep up with the load?
    let stats = match setup
        .client
        .send("GET", "/_tasknet/stats", &[], Vec::new())
        .await
    {
        Ok((200, b)) => String::from_utf8_lossy(&b).into_owned(),
        _ => "(no /_tasknet/stats: not a tasknet endpoint)".to_string(),
    };
    let offered = if args.rate > 0.0 {
        format!(" (offered {:.0} req/s)", args.rate)
    } else {
        String::new()
    };
    println!(
        "{op}: {} requests in {elapsed:.1} s over {} connections = {:.0} req/s{offered}; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms; errors {}",
        all.len(),
        connections,
        all.len() as f64 / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.90),
        percentile(&all, 0.99),
        percentile(&all, 0.999),
        percentile(&all, 1.0),
        errors.load(Ordering::Relaxed)
    );
    println!("server task stats after the run: {stats}");
    Ok(())
}
