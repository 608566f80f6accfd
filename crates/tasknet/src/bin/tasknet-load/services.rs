//! ECS services behind an ALB, for the issue 12 figures:
//!
//! - `--op service-scale`: one service of `--tasks` tasks (default 500)
//!   registered in an `ip` target group, scaled from 0; prints how long it
//!   takes until the rollout is COMPLETED, every task runs and every target
//!   is healthy.
//! - `--op describe-services`: `--services` services (default 100) of
//!   `--tasks-per-service` tasks (default 50) each, one target group each
//!   (5,000 targets), all steady; then DescribeServices is driven like the
//!   other load ops, and a sequential DescribeTargetHealth sample is printed.

use super::setup::{alb_and_task_groups, cluster_and_task_definition, public_vpc};
use super::{must, xml_value, xml_values, Conn};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// What every service shares: a VPC whose subnets route to an internet
/// gateway (tasks get public addresses to reach their image), an ALB in two
/// of them, security groups, a cluster and a task definition.
struct Base {
    vpc: String,
    subnets: Vec<String>,
    task_sg: String,
    listener: String,
}

async fn base(c: &mut Conn) -> Result<Base, String> {
    let x = |b: &bytes::Bytes, tag: &str| xml_value(b, tag).ok_or(format!("no {tag}"));
    let (vpc, subnets) = public_vpc(
        c,
        "10.201.0.0/16",
        &[
            ("10.201.0.0/24", "a"),
            ("10.201.1.0/24", "b"),
            ("10.201.64.0/18", "a"),
            ("10.201.128.0/18", "b"),
        ],
    )
    .await?;
    let (alb_sg, task_sg) = alb_and_task_groups(c, &vpc).await?;
    let lb = x(
        &must(
            c.elb(&format!(
                "Action=CreateLoadBalancer&Name=tasknet-svc&Subnets.member.1={}&Subnets.member.2={}&SecurityGroups.member.1={alb_sg}",
                subnets[0], subnets[1]
            ))
            .await,
            "CreateLoadBalancer",
        )
        .await?,
        "LoadBalancerArn",
    )?;
    let tg0 = target_group(c, &vpc, 0).await?;
    let listener = x(
        &must(
            c.elb(&format!(
                "Action=CreateListener&LoadBalancerArn={lb}&Protocol=HTTP&Port=80&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn={tg0}"
            ))
            .await,
            "CreateListener",
        )
        .await?,
        "ListenerArn",
    )?;
    cluster_and_task_definition(c, "tasknet-svc", "svc", Some(8080)).await?;
    Ok(Base {
        vpc,
        subnets,
        task_sg,
        listener,
    })
}

async fn target_group(c: &mut Conn, vpc: &str, i: usize) -> Result<String, String> {
    let b = c
        .elb(&format!(
            "Action=CreateTargetGroup&Name=svc-{i}&Protocol=HTTP&Port=8080&VpcId={vpc}&TargetType=ip"
        ))
        .await;
    xml_value(&must(b, "CreateTargetGroup").await?, "TargetGroupArn")
        .ok_or_else(|| "no TargetGroupArn".to_string())
}

/// The target group of service `i` (0 is the listener's default; the others
/// get a path rule so the load balancer uses them).
async fn group_for(c: &mut Conn, b: &Base, i: usize) -> Result<String, String> {
    if i == 0 {
        let out = must(
            c.elb("Action=DescribeTargetGroups&Names.member.1=svc-0")
                .await,
            "DescribeTargetGroups",
        )
        .await?;
        return xml_value(&out, "TargetGroupArn").ok_or_else(|| "no TargetGroupArn".into());
    }
    let tg = target_group(c, &b.vpc, i).await?;
    must(
        c.elb(&format!(
            "Action=CreateRule&ListenerArn={}&Priority={i}&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=%2F{i}%2F*&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn={tg}",
            b.listener
        ))
        .await,
        "CreateRule",
    )
    .await?;
    Ok(tg)
}

async fn create_service(
    c: &mut Conn,
    b: &Base,
    name: &str,
    tg: &str,
    count: usize,
) -> Result<(), String> {
    let body = json!({
        "cluster": "tasknet-svc",
        "serviceName": name,
        "taskDefinition": "svc",
        "desiredCount": count,
        "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {
            "subnets": [b.subnets[2], b.subnets[3]],
            "securityGroups": [b.task_sg],
            "assignPublicIp": "ENABLED",
        }},
        "loadBalancers": [{"targetGroupArn": tg, "containerName": "app", "containerPort": 8080}],
    });
    must(
        c.ecs("CreateService", &body.to_string()).await,
        "CreateService",
    )
    .await?;
    Ok(())
}

/// Whether a service's rollout is done with `count` tasks running.
fn steady(s: &Value, count: usize) -> bool {
    s["runningCount"] == json!(count)
        && s["deployments"].as_array().is_some_and(|d| d.len() == 1)
        && s["deployments"][0]["rolloutState"] == "COMPLETED"
}

async fn healthy(c: &mut Conn, tg: &str, count: usize) -> Result<bool, String> {
    let b = must(
        c.elb(&format!("Action=DescribeTargetHealth&TargetGroupArn={tg}"))
            .await,
        "DescribeTargetHealth",
    )
    .await?;
    let states = xml_values(&b, "State");
    Ok(states.len() == count && states.iter().all(|s| s == "healthy"))
}

async fn describe(c: &mut Conn, names: &[String]) -> Result<Vec<Value>, String> {
    let body = json!({"cluster": "tasknet-svc", "services": names});
    let out = must(
        c.ecs("DescribeServices", &body.to_string()).await,
        "DescribeServices",
    )
    .await?;
    let v: Value = serde_json::from_slice(&out).map_err(|e| e.to_string())?;
    Ok(v["services"].as_array().cloned().unwrap_or_default())
}

/// `--op service-scale`.
pub async fn scale(c: &mut Conn, tasks: usize) -> Result<(), String> {
    let b = base(c).await?;
    let tg = group_for(c, &b, 0).await?;
    create_service(c, &b, "scale", &tg, 0).await?;
    let t0 = Instant::now();
    let body = json!({"cluster": "tasknet-svc", "service": "scale", "desiredCount": tasks});
    must(
        c.ecs("UpdateService", &body.to_string()).await,
        "UpdateService",
    )
    .await?;
    let names = vec!["scale".to_string()];
    let mut running_at = None;
    loop {
        let s = describe(c, &names).await?;
        if running_at.is_none() && s.first().is_some_and(|s| s["runningCount"] == json!(tasks)) {
            running_at = Some(t0.elapsed());
        }
        if s.first().is_some_and(|s| steady(s, tasks)) && healthy(c, &tg, tasks).await? {
            break;
        }
        if t0.elapsed() > Duration::from_secs(120) {
            return Err(format!(
                "the service did not settle with {tasks} tasks in 120 s"
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done = t0.elapsed();
    println!(
        "service scaled 0 -> {tasks}: all running in {:.2} s; rollout COMPLETED with every target healthy in {:.2} s",
        running_at.unwrap_or(done).as_secs_f64(),
        done.as_secs_f64()
    );
    Ok(())
}

/// `--op describe-services`: prepares the services and returns one
/// DescribeServices body per service.
pub async fn prepare(c: &mut Conn, services: usize, per: usize) -> Result<Vec<String>, String> {
    let t0 = Instant::now();
    let b = base(c).await?;
    let mut names = Vec::new();
    let mut tgs = Vec::new();
    for i in 0..services {
        let tg = group_for(c, &b, i).await?;
        let name = format!("svc-{i}");
        create_service(c, &b, &name, &tg, per).await?;
        names.push(name);
        tgs.push(tg);
    }
    loop {
        let mut all = true;
        for chunk in names.chunks(10) {
            let s = describe(c, chunk).await?;
            all &= s.len() == chunk.len() && s.iter().all(|s| steady(s, per));
        }
        if all {
            break;
        }
        if t0.elapsed() > Duration::from_secs(600) {
            return Err("the services did not settle in 600 s".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for tg in &tgs {
        while !healthy(c, tg, per).await? {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    println!(
        "prepared {services} services of {per} tasks each ({} targets, all healthy) in {:.1} s",
        services * per,
        t0.elapsed().as_secs_f64()
    );
    // DescribeTargetHealth of each group in turn, one connection.
    let mut lat = Vec::new();
    for i in 0..1000 {
        let t = Instant::now();
        let tg = &tgs[i % tgs.len()];
        must(
            c.elb(&format!("Action=DescribeTargetHealth&TargetGroupArn={tg}"))
                .await,
            "DescribeTargetHealth",
        )
        .await?;
        lat.push(t.elapsed().as_micros() as u64);
    }
    lat.sort_unstable();
    println!(
        "DescribeTargetHealth ({per} targets per group, one connection, 1000 calls): p50 {:.2} ms, p99 {:.2} ms",
        super::percentile(&lat, 0.5),
        super::percentile(&lat, 0.99)
    );
    Ok(names
        .iter()
        .map(|n| json!({"cluster": "tasknet-svc", "services": [n]}).to_string())
        .collect())
}
