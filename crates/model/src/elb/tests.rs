//! Unit tests of Elastic Load Balancing v2: validation texts, node ENIs,
//! DNS names, and target health as a function of security groups, network
//! ACLs and time.

use super::listener::{ActionArgs, ConditionArgs, CreateListener, CreateRule, ForwardArgs};
use super::load_balancer::{CreateLoadBalancer, DescribeLoadBalancers};
use super::target_group::{CreateTargetGroup, HealthCheckArgs};
use super::targets::TargetSpec;
use super::*;
use crate::ec2::eni::NewEni;
use crate::ec2::nacl::NaclEntryArgs;
use crate::ec2::route_table::{RouteDestArgs, RouteTargetArgs};
use crate::ec2::security_group::IpPermission;
use crate::ec2::subnet::CreateSubnet;
use crate::ec2::types::EniOwner;
use crate::ec2::vpc::CreateVpc;
use crate::time::Millis;
use crate::world::{Region, World};
use crate::ApiError;

const NOW: Millis = Millis(1_700_000_000_000);
const ACCT: &str = "123456789012";
const T: ElbTiming = ElbTiming::fast();

struct Lab {
    w: World,
    vpc: String,
    pub_a: String,
    pub_b: String,
    priv_a: String,
    priv_b: String,
    priv_c: String,
    alb_sg: String,
    task_sg: String,
}

impl Lab {
    fn r(&mut self) -> &mut Region {
        self.w.region_mut("us-east-1").unwrap()
    }
    fn ro(&self) -> &Region {
        self.w.region("us-east-1").unwrap()
    }
}

fn perm(port: i32, cidr: Option<&str>, group: Option<&str>) -> IpPermission {
    IpPermission {
        ip_protocol: "tcp".into(),
        from_port: Some(port),
        to_port: Some(port),
        ipv4: cidr
            .map(|c| vec![(c.to_string(), None)])
            .unwrap_or_default(),
        ipv6: Vec::new(),
        prefix_lists: Vec::new(),
        groups: group
            .map(|g| vec![(g.to_string(), None, None)])
            .unwrap_or_default(),
    }
}

/// A dual-stack VPC: public subnets in 1a and 1b behind an internet
/// gateway, private subnets in 1a, 1b and 1c; an ALB security group open
/// on 80 and a task security group admitting the ALB's group on 8080.
fn lab() -> Lab {
    let mut w = World::new(ACCT, 7, NOW);
    let r = w.region_mut("us-east-1").unwrap();
    let vpc = r
        .create_vpc(
            CreateVpc {
                cidr_block: Some("10.0.0.0/16".into()),
                amazon_provided_ipv6: true,
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let block = r.vpc(&vpc).unwrap().ipv6_blocks[0].cidr;
    let mut sub = |cidr: &str, i: u128, az: &str| {
        r.create_subnet(
            CreateSubnet {
                vpc_id: vpc.clone(),
                cidr_block: Some(cidr.into()),
                ipv6_cidr_block: Some(block.subnet(64, i).unwrap().to_string()),
                availability_zone: Some(az.into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap()
    };
    let pub_a = sub("10.0.0.0/24", 1, "us-east-1a");
    let pub_b = sub("10.0.1.0/24", 2, "us-east-1b");
    let priv_a = sub("10.0.10.0/24", 10, "us-east-1a");
    let priv_b = sub("10.0.11.0/24", 11, "us-east-1b");
    let priv_c = sub("10.0.12.0/24", 12, "us-east-1c");
    let igw = r.create_internet_gateway(Vec::new());
    r.attach_internet_gateway(&igw, &vpc).unwrap();
    let rt = r.create_route_table(&vpc, Vec::new()).unwrap();
    r.create_route(
        &rt,
        &RouteDestArgs {
            cidr: Some("0.0.0.0/0".into()),
            ..Default::default()
        },
        &RouteTargetArgs {
            gateway_id: Some(igw),
            ..Default::default()
        },
    )
    .unwrap();
    r.associate_route_table(&rt, Some(&pub_a), None).unwrap();
    r.associate_route_table(&rt, Some(&pub_b), None).unwrap();
    let alb_sg = r
        .create_security_group("alb", "alb", Some(&vpc), Vec::new())
        .unwrap();
    r.authorize(
        &alb_sg,
        false,
        &[perm(80, Some("0.0.0.0/0"), None)],
        Vec::new(),
    )
    .unwrap();
    let task_sg = r
        .create_security_group("task", "task", Some(&vpc), Vec::new())
        .unwrap();
    r.authorize(
        &task_sg,
        false,
        &[perm(8080, None, Some(&alb_sg))],
        Vec::new(),
    )
    .unwrap();
    Lab {
        w,
        vpc,
        pub_a,
        pub_b,
        priv_a,
        priv_b,
        priv_c,
        alb_sg,
        task_sg,
    }
}

fn alb_req(l: &Lab, name: &str) -> CreateLoadBalancer {
    CreateLoadBalancer {
        name: name.into(),
        subnets: vec![l.pub_a.clone(), l.pub_b.clone()],
        security_groups: Some(vec![l.alb_sg.clone()]),
        ..Default::default()
    }
}

fn alb(l: &mut Lab) -> String {
    let req = alb_req(l, "web");
    l.r().create_load_balancer(req, NOW).unwrap()
}

fn tg_req(l: &Lab, name: &str) -> CreateTargetGroup {
    CreateTargetGroup {
        name: name.into(),
        protocol: Some("HTTP".into()),
        port: Some(8080),
        vpc_id: Some(l.vpc.clone()),
        target_type: Some("ip".into()),
        ..Default::default()
    }
}

fn forward(tg: &str) -> ActionArgs {
    ActionArgs {
        kind: Some("forward".into()),
        target_group_arn: Some(tg.into()),
        ..Default::default()
    }
}

fn listener(l: &mut Lab, lb: &str, tg: &str, at: Millis) -> String {
    l.r()
        .create_listener(
            CreateListener {
                load_balancer_arn: lb.into(),
                protocol: Some("HTTP".into()),
                port: Some(80),
                default_actions: vec![forward(tg)],
                ..Default::default()
            },
            at,
        )
        .unwrap()
}

/// A user ENI (a stand-in for a task) in `subnet` with `group`.
fn target_eni(l: &mut Lab, subnet: &str, group: &str) -> String {
    let mut n = NewEni::new(subnet, EniOwner::User);
    n.groups = vec![group.to_string()];
    let r = l.r();
    let id = r.create_eni(n, NOW).unwrap();
    r.eni(&id).unwrap().primary_ip().unwrap().to_string()
}

fn spec(ip: &str, port: i32) -> TargetSpec {
    TargetSpec {
        id: ip.into(),
        port: Some(port),
        availability_zone: None,
    }
}

fn health(l: &Lab, tg: &str, at: Millis) -> Vec<(String, &'static str, Option<&'static str>)> {
    l.ro()
        .describe_target_health(tg, &[], &T, at)
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.health.state, d.health.reason))
        .collect()
}

fn code_msg(e: ApiError) -> (String, String) {
    (e.code.to_string(), e.message)
}

#[test]
fn load_balancer_validation_texts() {
    let mut l = lab();
    let mut req = alb_req(&l, "a-name-that-is-far-too-long-for-elb");
    let e = l.r().create_load_balancer(req.clone(), NOW).unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "ValidationError".into(),
            "The load balancer name 'a-name-that-is-far-too-long-for-elb' cannot be longer than '32' characters".into()
        )
    );
    req.name = "web".into();
    req.subnets = vec![l.pub_a.clone()];
    let e = l.r().create_load_balancer(req.clone(), NOW).unwrap_err();
    assert_eq!(
        e.message,
        "At least two subnets in two different Availability Zones must be specified"
    );
    req.subnets = vec![l.pub_a.clone(), l.priv_a.clone()];
    let e = l.r().create_load_balancer(req.clone(), NOW).unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "InvalidConfigurationRequest".into(),
            "A load balancer cannot be attached to multiple subnets in the same Availability Zone"
                .into()
        )
    );
    req.subnets = vec![l.pub_a.clone(), "subnet-0123456789abcdef0".into()];
    let e = l.r().create_load_balancer(req.clone(), NOW).unwrap_err();
    assert_eq!(
        code_msg(e),
        ("SubnetNotFound".into(), "InvalidSubnetID.NotFound".into())
    );
    req.subnets = vec![l.pub_a.clone(), l.pub_b.clone()];
    req.security_groups = Some(vec!["sg-0123456789abcdef0".into()]);
    let e = l.r().create_load_balancer(req.clone(), NOW).unwrap_err();
    assert_eq!(e.code, "InvalidSecurityGroup");
    assert!(e
        .message
        .starts_with("The security group 'sg-0123456789abcdef0' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidGroup.NotFound; Request ID: "));
    let default_sg = l
        .ro()
        .vpcs
        .iter()
        .find(|v| v.is_default)
        .unwrap()
        .default_security_group_id
        .clone();
    req.security_groups = Some(vec![default_sg.clone()]);
    let e = l.r().create_load_balancer(req.clone(), NOW).unwrap_err();
    assert_eq!(
        e.message,
        format!(
            "Security group '{default_sg}' does not belong to VPC '{}'",
            l.vpc
        )
    );
    req.name = "internal-web".into();
    req.security_groups = None;
    let e = l.r().create_load_balancer(req.clone(), NOW).unwrap_err();
    assert_eq!(
        e.message,
        "The load balancer name 'internal-web' cannot begin with 'internal-'"
    );
    // Same name, same settings: the same load balancer; other settings: refused.
    let arn = alb(&mut l);
    assert_eq!(alb(&mut l), arn);
    let mut other = alb_req(&l, "web");
    other.scheme = Some("internal".into());
    let e = l.r().create_load_balancer(other, NOW).unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "DuplicateLoadBalancerName".into(),
            "A load balancer with the same name 'web' exists, but with different settings".into()
        )
    );
}

#[test]
fn nodes_are_protected_requester_managed_enis_that_go_with_the_load_balancer() {
    let mut l = lab();
    let arn = alb(&mut l);
    let lb = l.ro().load_balancer(&arn).unwrap().clone();
    assert_eq!(lb.subnets.len(), 2);
    let id = &lb.lb_id;
    for s in &lb.subnets {
        let e = l.ro().eni(&s.eni_id).unwrap();
        assert_eq!(e.description, format!("ELB app/web/{id}"));
        assert_eq!(e.interface_type, "interface");
        assert!(e.requester_managed());
        assert_eq!(l.ro().eni_requester_id(e), Some("amazon-elb"));
        assert_eq!(e.groups, vec![l.alb_sg.clone()]);
        assert!(
            e.public_association().is_some(),
            "internet-facing: a public IPv4"
        );
        assert!(e.ipv6_addresses.is_empty());
        let att = e.attachment.clone().unwrap();
        assert!(att.id.starts_with("eni-attach-"));
        assert_eq!(att.instance_owner_id.as_deref(), Some("amazon-elb"));
    }
    let eni = lb.subnets[0].eni_id.clone();
    let e = l.r().delete_network_interface(&eni).unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "InvalidParameterValue".into(),
            format!("Network interface '{eni}' is currently in use.")
        )
    );
    let att = l.ro().eni(&eni).unwrap().attachment.clone().unwrap().id;
    let e = l.r().detach_network_interface(&att).unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "OperationNotPermitted".into(),
            "You are not allowed to manage 'eni-attach' attachments.".into()
        )
    );
    l.r().delete_load_balancer(&arn).unwrap();
    assert!(l.ro().enis.get(&eni).is_none());
    // Deleting again (or anything unknown) succeeds.
    l.r().delete_load_balancer(&arn).unwrap();
}

#[test]
fn dns_names_hosted_zones_and_state() {
    let mut l = lab();
    let arn = alb(&mut l);
    let lb = l.ro().load_balancer(&arn).unwrap().clone();
    let dns = lb.dns_name();
    assert!(
        dns.starts_with("web-") && dns.ends_with(".us-east-1.elb.amazonaws.com"),
        "{dns}"
    );
    assert!(lb.dns_label.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(lb.hosted_zone_id(), "Z35SXDOTRQ7X7K");
    assert_eq!(lb.state(&T, NOW), "provisioning");
    assert_eq!(lb.state(&T, NOW.plus_ms(T.provisioning_ms)), "active");
    let mut req = alb_req(&l, "inside");
    req.scheme = Some("internal".into());
    let arn = l.r().create_load_balancer(req, NOW).unwrap();
    let lb = l.ro().load_balancer(&arn).unwrap().clone();
    assert!(lb.dns_name().starts_with("internal-inside-"));
    assert!(lb.subnets.iter().all(|s| l
        .ro()
        .eni(&s.eni_id)
        .unwrap()
        .public_association()
        .is_none()));
    let nlb = CreateLoadBalancer {
        name: "Net".into(),
        lb_type: Some("network".into()),
        subnets: vec![l.pub_a.clone()],
        ..Default::default()
    };
    let arn = l.r().create_load_balancer(nlb, NOW).unwrap();
    let lb = l.ro().load_balancer(&arn).unwrap().clone();
    assert_eq!(
        lb.dns_name(),
        format!("Net-{}.elb.us-east-1.amazonaws.com", lb.lb_id)
    );
    assert_eq!(lb.hosted_zone_id(), "Z26RNL4JYFTOTI");
    assert!(lb.security_groups.is_empty());
    let e = l.ro().eni(&lb.subnets[0].eni_id).unwrap();
    assert!(e.groups.is_empty());
    assert_eq!(e.interface_type, "network_load_balancer");
    assert_eq!(e.description, format!("ELB net/Net/{}", lb.lb_id));
    assert_eq!(
        super::load_balancer::hosted_zone("eu-west-1", LbType::Application),
        "Z32O12XQLNTSW2"
    );
    let (page, next) = l
        .ro()
        .describe_load_balancers(&DescribeLoadBalancers {
            paging: Paging {
                page_size: Some(2),
                marker: None,
            },
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.len(), 2);
    let (rest, none) = l
        .ro()
        .describe_load_balancers(&DescribeLoadBalancers {
            paging: Paging {
                page_size: Some(2),
                marker: next,
            },
            ..Default::default()
        })
        .unwrap();
    assert_eq!((rest.len(), none), (1, None));
}

#[test]
fn dual_stack_rules_n52() {
    let mut l = lab();
    // Subnets without IPv6 refuse a dual-stack load balancer.
    let vpc4 = l
        .r()
        .create_vpc(
            CreateVpc {
                cidr_block: Some("10.1.0.0/16".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let mk = |r: &mut Region, c: &str, az: &str| {
        r.create_subnet(
            CreateSubnet {
                vpc_id: vpc4.clone(),
                cidr_block: Some(c.into()),
                availability_zone: Some(az.into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap()
    };
    let a = mk(l.r(), "10.1.0.0/24", "us-east-1a");
    let b = mk(l.r(), "10.1.1.0/24", "us-east-1b");
    let e = l
        .r()
        .create_load_balancer(
            CreateLoadBalancer {
                name: "v4only".into(),
                subnets: vec![a, b],
                ip_address_type: Some("dualstack".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "InvalidConfigurationRequest".into(),
            "You must specify subnets with an associated IPv6 CIDR block.".into()
        )
    );
    // ipv6 groups: ip targets only, IPv6 addresses only, dual-stack LBs only.
    let mut req = tg_req(&l, "six");
    req.ip_address_type = Some("ipv6".into());
    req.target_type = Some("instance".into());
    let e = l.r().create_target_group(req.clone(), NOW).unwrap_err();
    assert_eq!(e.message, "IPv6 target groups only support IP type targets");
    req.target_type = Some("ip".into());
    let tg = l.r().create_target_group(req, NOW).unwrap();
    let e = l
        .r()
        .register_targets(&tg, &[spec("10.0.10.9", 8080)], NOW)
        .unwrap_err();
    assert_eq!(e.code, "InvalidTarget");
    let lb4 = alb(&mut l);
    let e = l
        .r()
        .create_listener(
            CreateListener {
                load_balancer_arn: lb4.clone(),
                protocol: Some("HTTP".into()),
                port: Some(80),
                default_actions: vec![forward(&tg)],
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "You cannot associate an IPv6 target group with a load balancer that has an 'ipv4' IP address type"
    );
    // Dual-stack: every node gets an IPv6 address; the ipv6 group is accepted
    // and an IPv6 task address becomes healthy.
    l.r()
        .set_load_balancer_ip_type(&lb4, "dualstack", NOW)
        .unwrap();
    let lb = l.ro().load_balancer(&lb4).unwrap().clone();
    assert!(lb
        .subnets
        .iter()
        .all(|s| l.ro().eni(&s.eni_id).unwrap().ipv6_addresses.len() == 1));
    let tsg = l.task_sg.clone();
    l.r()
        .authorize(
            &tsg,
            false,
            &[IpPermission {
                ipv6: vec![("::/0".into(), None)],
                ..perm(8080, None, None)
            }],
            Vec::new(),
        )
        .unwrap();
    listener(&mut l, &lb4, &tg, NOW);
    let mut n = NewEni::new(&l.priv_a.clone(), EniOwner::User);
    n.groups = vec![l.task_sg.clone()];
    n.ipv6_count = Some(1);
    let eni = l.r().create_eni(n, NOW).unwrap();
    let v6 = l.ro().eni(&eni).unwrap().ipv6_addresses[0].to_string();
    l.r()
        .register_targets(&tg, &[spec(&v6, 8080)], NOW)
        .unwrap();
    let later = NOW.plus_ms(10_000);
    assert_eq!(health(&l, &tg, later), vec![(v6, "healthy", None)]);
    // Back to ipv4 while an ipv6 group is in use: refused.
    let e = l
        .r()
        .set_load_balancer_ip_type(&lb4, "ipv4", NOW)
        .unwrap_err();
    assert_eq!(e.code, "InvalidConfigurationRequest");
}

#[test]
fn target_group_defaults_and_texts() {
    let mut l = lab();
    let tg = {
        let q = tg_req(&l, "http");
        l.r().create_target_group(q, NOW)
    }
    .unwrap();
    let g = l.ro().target_group(&tg).unwrap().clone();
    assert_eq!(g.health.protocol.as_deref(), Some("HTTP"));
    assert_eq!(g.health.port, "traffic-port");
    assert_eq!(g.health.path.as_deref(), Some("/"));
    assert_eq!(
        (
            g.health.interval_seconds,
            g.health.timeout_seconds,
            g.health.healthy_threshold,
            g.health.unhealthy_threshold
        ),
        (30, 5, 5, 2)
    );
    assert_eq!(g.health.matcher_http.as_deref(), Some("200"));
    assert_eq!(g.protocol_version.as_deref(), Some("HTTP1"));
    assert_eq!(attributes::deregistration_delay(&g), 300);
    let mut tcp = tg_req(&l, "tcp");
    tcp.protocol = Some("TCP".into());
    let tg2 = l.r().create_target_group(tcp, NOW).unwrap();
    let g2 = l.ro().target_group(&tg2).unwrap().clone();
    assert_eq!(
        (
            g2.health.protocol.as_deref(),
            g2.health.timeout_seconds,
            g2.health.path.clone()
        ),
        (Some("TCP"), 10, None)
    );
    let e = {
        let q = tg_req(&l, "this-target-group-name-is-too-long");
        l.r().create_target_group(q, NOW)
    }
    .unwrap_err();
    assert_eq!(
        e.message,
        "Target group name 'this-target-group-name-is-too-long' cannot be longer than '32' characters"
    );
    let mut other = tg_req(&l, "http");
    other.port = Some(9090);
    let e = l.r().create_target_group(other, NOW).unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "DuplicateTargetGroupName".into(),
            "A target group with the same name 'http' exists, but with different settings".into()
        )
    );
    assert_eq!(
        {
            let q = tg_req(&l, "http");
            l.r().create_target_group(q, NOW)
        }
        .unwrap(),
        tg
    );
    let mut bad = tg_req(&l, "bad");
    bad.health = HealthCheckArgs {
        interval_seconds: Some(5),
        timeout_seconds: Some(5),
        ..Default::default()
    };
    let e = l.r().create_target_group(bad, NOW).unwrap_err();
    assert_eq!(
        e.message,
        "Health check interval must be greater than the timeout."
    );
    // In use: not deleted.
    let lb = alb(&mut l);
    listener(&mut l, &lb, &tg, NOW);
    assert_eq!(l.ro().target_group_load_balancers(&tg), vec![lb.clone()]);
    assert!(l.ro().target_group_load_balancers(&tg2).is_empty());
    let e = l.r().delete_target_group(&tg).unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "ResourceInUse".into(),
            format!("Target group '{tg}' is currently in use by a listener or a rule")
        )
    );
    l.r().delete_target_group(&tg2).unwrap();
    assert!(l.ro().target_group(&tg2).is_err());
}

#[test]
fn health_follows_security_groups_acls_and_time() {
    let mut l = lab();
    let lb = alb(&mut l);
    let tg = {
        let q = tg_req(&l, "app");
        l.r().create_target_group(q, NOW)
    }
    .unwrap();
    let (pa, pb, tsg) = (l.priv_a.clone(), l.priv_b.clone(), l.task_sg.clone());
    let ip_a = target_eni(&mut l, &pa, &tsg);
    let ip_b = target_eni(&mut l, &pb, &tsg);
    l.r()
        .register_targets(&tg, &[spec(&ip_a, 8080), spec(&ip_b, 8080)], NOW)
        .unwrap();
    assert_eq!(l.ro().target_groups_in_subnet(&pa).len(), 1);
    assert!(l.ro().target_groups_in_subnet(&l.priv_c).is_empty());
    assert_eq!(l.ro().load_balancers_in_subnet(&l.pub_a).len(), 1);
    assert_eq!(l.ro().load_balancers_in_vpc(&l.vpc).len(), 1);
    assert_eq!(l.ro().target_groups_in_vpc(&l.vpc).len(), 1);
    // No listener yet: unused.
    assert!(health(&l, &tg, NOW)
        .iter()
        .all(|(_, s, r)| *s == "unused" && *r == Some("Target.NotInUse")));
    listener(&mut l, &lb, &tg, NOW);
    // While the ALB provisions, registration is in progress; then the first
    // check runs (one interval) and both become healthy.
    let active = NOW.plus_ms(T.provisioning_ms);
    assert_eq!(
        health(&l, &tg, NOW)[0].2,
        Some("Elb.RegistrationInProgress")
    );
    assert_eq!(
        health(&l, &tg, active.plus_ms(T.registration_ms))[0].2,
        Some("Elb.InitialHealthChecking")
    );
    let healthy_at = active.plus_ms(T.registration_ms + T.scaled(30));
    assert!(health(&l, &tg, healthy_at)
        .iter()
        .all(|(_, s, r)| *s == "healthy" && r.is_none()));
    // The task group stops admitting the ALB's group: timeouts.
    let rule = l
        .ro()
        .security_group(&tsg)
        .unwrap()
        .rules
        .iter()
        .find(|r| !r.egress)
        .unwrap()
        .id
        .clone();
    l.r().revoke(&tsg, false, &[], &[rule]).unwrap();
    // Failing targets are unhealthy after UnhealthyThresholdCount (2) checks.
    assert_eq!(
        health(&l, &tg, healthy_at)[0].2,
        Some("Elb.InitialHealthChecking")
    );
    let healthy_at = active.plus_ms(T.registration_ms + T.scaled(60));
    assert!(health(&l, &tg, healthy_at)
        .iter()
        .all(|(_, s, r)| *s == "unhealthy" && *r == Some("Target.Timeout")));
    let d = &l
        .ro()
        .describe_target_health(&tg, &[], &T, healthy_at)
        .unwrap()[0];
    assert_eq!(d.health.description, Some("Request timed out"));
    assert_eq!(d.health_check_port.as_deref(), Some("8080"));
    assert_eq!(d.availability_zone.as_deref(), Some("us-east-1a"));
    let why = l
        .ro()
        .explain_target_health(&tg, &ip_a, 8080, &T, healthy_at)
        .unwrap();
    assert_eq!(why.checks.len(), 2, "both ALB nodes check (cross-zone)");
    let blocked = why.checks[0].path.blocked.clone().unwrap();
    assert_eq!(blocked.hop.step, "security-group-ingress");
    assert!(blocked.fix.contains("--source-group"), "{}", blocked.fix);
    // Put it back; then deny 8080 into the private subnet of 1b with its ACL.
    let (asg, vpc) = (l.alb_sg.clone(), l.vpc.clone());
    l.r()
        .authorize(&tsg, false, &[perm(8080, None, Some(&asg))], Vec::new())
        .unwrap();
    let acl = l.r().create_network_acl(&vpc, Vec::new()).unwrap();
    for egress in [false, true] {
        l.r()
            .create_network_acl_entry(
                &acl,
                &NaclEntryArgs {
                    rule_number: Some(100),
                    protocol: Some("-1".into()),
                    rule_action: Some("allow".into()),
                    egress,
                    cidr_block: Some("0.0.0.0/0".into()),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    l.r()
        .create_network_acl_entry(
            &acl,
            &NaclEntryArgs {
                rule_number: Some(50),
                protocol: Some("6".into()),
                rule_action: Some("deny".into()),
                egress: false,
                cidr_block: Some("10.0.0.0/16".into()),
                port_from: Some(8080),
                port_to: Some(8080),
                ..Default::default()
            },
        )
        .unwrap();
    let assoc = l
        .ro()
        .network_acls
        .iter()
        .flat_map(|a| a.associations.iter())
        .find(|a| a.subnet_id == pb)
        .unwrap()
        .id
        .clone();
    l.r().replace_network_acl_association(&assoc, &acl).unwrap();
    let h = health(&l, &tg, healthy_at);
    assert_eq!(h[0], (ip_a.clone(), "healthy", None));
    assert_eq!(h[1], (ip_b.clone(), "unhealthy", Some("Target.Timeout")));
    let why = l
        .ro()
        .explain_target_health(&tg, &ip_b, 8080, &T, healthy_at)
        .unwrap();
    assert_eq!(
        why.checks[0].path.blocked.as_ref().unwrap().hop.step,
        "network-acl-in"
    );
    // Deregister: draining for the (scaled) delay, then gone.
    l.r()
        .modify_target_group_attributes(
            &tg,
            &[("deregistration_delay.timeout_seconds".into(), "5".into())],
        )
        .unwrap();
    let until = l
        .r()
        .deregister_targets(&tg, &[spec(&ip_a, 8080)], &T, healthy_at)
        .unwrap();
    assert_eq!(until, Some(healthy_at.plus_ms(T.scaled(5))));
    let h = health(&l, &tg, healthy_at);
    assert_eq!(
        h[0],
        (
            ip_a.clone(),
            "draining",
            Some("Target.DeregistrationInProgress")
        )
    );
    let h = health(&l, &tg, healthy_at.plus_ms(T.scaled(5)));
    assert_eq!(h.len(), 1);
    let asked = l
        .ro()
        .describe_target_health(
            &tg,
            &[spec(&ip_a, 8080)],
            &T,
            healthy_at.plus_ms(T.scaled(5)),
        )
        .unwrap();
    assert_eq!(asked[0].health.state, "unused");
    assert_eq!(asked[0].health.reason, Some("Target.NotRegistered"));
    assert_eq!(
        asked[0].health.description,
        Some("Target is not registered to the target group")
    );
}

#[test]
fn network_load_balancers_check_from_their_zone_and_fail_health_checks() {
    let mut l = lab();
    let (pa, pb, pc, tsg) = (
        l.priv_a.clone(),
        l.priv_b.clone(),
        l.priv_c.clone(),
        l.task_sg.clone(),
    );
    let nlb = l
        .r()
        .create_load_balancer(
            CreateLoadBalancer {
                name: "net".into(),
                lb_type: Some("network".into()),
                scheme: Some("internal".into()),
                subnets: vec![pa.clone(), pb.clone()],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let mut req = tg_req(&l, "tcp");
    req.protocol = Some("TCP".into());
    let tg = l.r().create_target_group(req, NOW).unwrap();
    l.r()
        .create_listener(
            CreateListener {
                load_balancer_arn: nlb.clone(),
                protocol: Some("TCP".into()),
                port: Some(80),
                default_actions: vec![forward(&tg)],
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    // The NLB has no security groups: the task group must admit its nodes'
    // addresses. It admits only the subnet of 1a.
    let vpc = l.vpc.clone();
    let open = l
        .r()
        .create_security_group("open-a", "a", Some(&vpc), Vec::new())
        .unwrap();
    l.r()
        .authorize(
            &open,
            false,
            &[perm(8080, Some("10.0.10.0/24"), None)],
            Vec::new(),
        )
        .unwrap();
    let ip_a = target_eni(&mut l, &pa, &open);
    let ip_b = target_eni(&mut l, &pb, &open);
    let ip_c = target_eni(&mut l, &pc, &tsg);
    l.r()
        .register_targets(
            &tg,
            &[spec(&ip_a, 8080), spec(&ip_b, 8080), spec(&ip_c, 8080)],
            NOW,
        )
        .unwrap();
    let start = NOW.plus_ms(T.provisioning_ms + T.registration_ms);
    // Passing needs HealthyThresholdCount (5) checks on an NLB.
    let h = health(&l, &tg, start.plus_ms(T.scaled(30 * 4)));
    assert_eq!(h[0].1, "initial");
    let at = start.plus_ms(T.scaled(30 * 5));
    let h = health(&l, &tg, at);
    assert_eq!(h[0], (ip_a.clone(), "healthy", None));
    // 1b's target is checked by the 1b node only (no cross-zone), whose
    // address the group does not admit.
    assert_eq!(
        h[1],
        (ip_b.clone(), "unhealthy", Some("Target.FailedHealthChecks"))
    );
    assert_eq!(h[2], (ip_c.clone(), "unused", Some("Target.NotInUse")));
    let d = l.ro().describe_target_health(&tg, &[], &T, at).unwrap();
    assert_eq!(d[1].health.description, Some("Health checks failed"));
    assert_eq!(
        d[2].health.description,
        Some("Target is in an Availability Zone that is not enabled for the load balancer")
    );
    let why = l
        .ro()
        .explain_target_health(&tg, &ip_b, 8080, &T, at)
        .unwrap();
    assert_eq!(why.checks.len(), 1);
    assert_eq!(why.checks[0].availability_zone, "us-east-1b");
    // With cross-zone on, the 1a node checks 1b's target too — and still
    // fails from the 1b node.
    l.r()
        .modify_load_balancer_attributes(
            &nlb,
            &[("load_balancing.cross_zone.enabled".into(), "true".into())],
        )
        .unwrap();
    let why = l
        .ro()
        .explain_target_health(&tg, &ip_b, 8080, &T, at)
        .unwrap();
    assert_eq!(why.checks.len(), 2);
}

#[test]
fn register_targets_checks() {
    let mut l = lab();
    let tg = {
        let q = tg_req(&l, "app");
        l.r().create_target_group(q, NOW)
    }
    .unwrap();
    let e = l
        .r()
        .register_targets(&tg, &[spec("10.99.0.1", 80)], NOW)
        .unwrap_err();
    assert_eq!(
        e.message,
        "The Availability Zone is required for IP address '10.99.0.1' because it is not in the VPC"
    );
    l.r()
        .register_targets(
            &tg,
            &[TargetSpec {
                availability_zone: Some("all".into()),
                ..spec("10.99.0.1", 80)
            }],
            NOW,
        )
        .unwrap();
    let e = l
        .r()
        .register_targets(
            &tg,
            &[TargetSpec {
                availability_zone: Some("all".into()),
                ..spec("10.0.10.5", 80)
            }],
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "The IP address '10.0.10.5' is within the VPC, and cannot have its Availability Zone overridden to 'all' from 'us-east-1a'"
    );
    let e = l
        .r()
        .register_targets(&tg, &[spec("8.8.8.8", 80)], NOW)
        .unwrap_err();
    assert_eq!(e.code, "InvalidTarget");
    let mut inst = tg_req(&l, "inst");
    inst.target_type = None;
    let tgi = l.r().create_target_group(inst, NOW).unwrap();
    let e = l
        .r()
        .register_targets(&tgi, &[spec("i-0123456789abcdef0", 80)], NOW)
        .unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "InvalidTarget".into(),
            "The following instances do not exist: 'i-0123456789abcdef0'".into()
        )
    );
    let e = l
        .r()
        .register_targets(&tgi, &[spec("10.0.10.5", 80)], NOW)
        .unwrap_err();
    assert_eq!(e.message, "Instance ID '10.0.10.5' is not valid");
    // Registering twice changes nothing; the same IP on two ports is two targets.
    l.r()
        .register_targets(&tg, &[spec("10.0.10.5", 80), spec("10.0.10.5", 81)], NOW)
        .unwrap();
    l.r()
        .register_targets(&tg, &[spec("10.0.10.5", 80)], NOW.plus_ms(5))
        .unwrap();
    let all = l.ro().elb.targets_of(&tg);
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].registered, NOW);
}

#[test]
fn listeners_rules_and_priorities() {
    let mut l = lab();
    let lb = alb(&mut l);
    let tg = {
        let q = tg_req(&l, "a");
        l.r().create_target_group(q, NOW)
    }
    .unwrap();
    let tg2 = {
        let q = tg_req(&l, "b");
        l.r().create_target_group(q, NOW)
    }
    .unwrap();
    let ls = listener(&mut l, &lb, &tg, NOW);
    let e = l
        .r()
        .create_listener(
            CreateListener {
                load_balancer_arn: lb.clone(),
                protocol: Some("HTTP".into()),
                port: Some(80),
                default_actions: vec![forward(&tg2)],
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "DuplicateListener".into(),
            format!("A listener already exists on this port for this load balancer '{lb}'")
        )
    );
    let e = l
        .r()
        .create_listener(
            CreateListener {
                load_balancer_arn: lb.clone(),
                protocol: Some("HTTPS".into()),
                port: Some(443),
                default_actions: vec![forward(&tg2)],
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "A certificate must be specified for HTTPS listeners"
    );
    let e = l
        .r()
        .create_listener(
            CreateListener {
                load_balancer_arn: lb.clone(),
                protocol: Some("TCP".into()),
                port: Some(81),
                default_actions: vec![forward(&tg2)],
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "Listener protocol 'TCP' must be one of 'HTTP, HTTPS'"
    );
    let weighted = ActionArgs {
        kind: Some("forward".into()),
        forward: Some(ForwardArgs {
            groups: vec![(Some(tg.clone()), Some(80)), (Some(tg2.clone()), Some(20))],
            stickiness: None,
        }),
        ..Default::default()
    };
    let path = |p: &str| ConditionArgs {
        field: Some("path-pattern".into()),
        values: vec![p.into()],
        ..Default::default()
    };
    let r1 = l
        .r()
        .create_rule(
            CreateRule {
                listener_arn: ls.clone(),
                priority: 10,
                conditions: vec![path("/api/*")],
                actions: vec![weighted],
                tags: Vec::new(),
            },
            NOW,
        )
        .unwrap();
    let e = l
        .r()
        .create_rule(
            CreateRule {
                listener_arn: ls.clone(),
                priority: 10,
                conditions: vec![path("/b/*")],
                actions: vec![forward(&tg2)],
                tags: Vec::new(),
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        code_msg(e),
        (
            "PriorityInUse".into(),
            "Priority '10' is currently in use".into()
        )
    );
    let (rules, _) = l
        .ro()
        .describe_rules(Some(&ls), &[], &Paging::default())
        .unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].priority, Some(10));
    assert_eq!(rules[1].priority, None);
    let default_rule = rules[1].arn.clone();
    assert!(default_rule.contains(":listener-rule/app/web/"));
    assert_eq!(l.ro().rule_view(&default_rule).unwrap().actions.len(), 1);
    let e = l.r().delete_rule(&default_rule).unwrap_err();
    assert_eq!(e.code, "OperationNotPermitted");
    l.r().set_rule_priorities(&[(r1.clone(), 20)]).unwrap();
    assert_eq!(l.ro().elb.rules.get(&r1).unwrap().priority, 20);
    // tg2 is in use through the rule only.
    assert_eq!(l.ro().target_group_load_balancers(&tg2), vec![lb.clone()]);
    l.r().delete_rule(&r1).unwrap();
    assert!(l.ro().target_group_load_balancers(&tg2).is_empty());
    l.r().delete_listener(&ls).unwrap();
    assert_eq!(
        l.r().delete_listener(&ls).unwrap_err().message,
        "One or more listeners not found"
    );
}

#[test]
fn a_failed_request_leaves_nothing_behind_and_state_survives_a_reload() {
    let mut l = lab();
    let lb = alb(&mut l);
    let tg = {
        let q = tg_req(&l, "app");
        l.r().create_target_group(q, NOW)
    }
    .unwrap();
    listener(&mut l, &lb, &tg, NOW);
    let (pa, tsg) = (l.priv_a.clone(), l.task_sg.clone());
    let ip = target_eni(&mut l, &pa, &tsg);
    l.r()
        .register_targets(&tg, &[spec(&ip, 8080)], NOW)
        .unwrap();
    let rows: Vec<(String, String, u64, Vec<u8>)> =
        l.w.drain_changes()
            .into_iter()
            .flat_map(|c| match c {
                crate::table::Change::Put {
                    kind,
                    region,
                    seq,
                    body,
                } => body
                    .rows(kind)
                    .into_iter()
                    .map(|r| (r.kind.to_string(), region.clone(), seq, r.bytes))
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .collect();
    let before = {
        let mut s = String::new();
        l.w.fingerprint_into(&mut s);
        s
    };
    // Failed requests: rolled back whole.
    let mut req = alb_req(&l, "second");
    req.subnets = vec![l.pub_a.clone(), l.pub_b.clone(), l.priv_a.clone()];
    assert!(l.r().create_load_balancer(req, NOW).is_err());
    let e = l
        .r()
        .register_targets(&tg, &[spec(&ip, 8081), spec("8.8.8.8", 80)], NOW)
        .unwrap_err();
    assert_eq!(e.code, "InvalidTarget");
    l.w.rollback();
    let mut after = String::new();
    l.w.fingerprint_into(&mut after);
    assert_eq!(before, after);
    // Everything (and the derived index) comes back from the stored rows.
    let loaded = World::load(ACCT, 7, NOW, rows).unwrap();
    let mut again = String::new();
    loaded.fingerprint_into(&mut again);
    assert_eq!(before, again);
    let r = loaded.region("us-east-1").unwrap();
    assert_eq!(r.elb.targets_of(&tg).len(), 1);
    assert_eq!(
        r.describe_target_health(&tg, &[], &T, NOW.plus_ms(10_000))
            .unwrap()[0]
            .health
            .state,
        "healthy"
    );
}
