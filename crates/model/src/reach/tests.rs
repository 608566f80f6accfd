//! Unit tests of the reachability engine, one hop type at a time.

use super::*;
use crate::ec2::endpoint::CreateEndpoint;
use crate::ec2::nacl::NaclEntryArgs;
use crate::ec2::route_table::{RouteDestArgs, RouteTargetArgs};
use crate::ec2::security_group::IpPermission;
use crate::ec2::subnet::{CreateSubnet, SubnetAttr};
use crate::ec2::vpc::CreateVpc;
use crate::time::Millis;
use crate::world::World;

const NOW: Millis = Millis(1_700_000_000_000);

/// `super::explain`, checking on every launch these tests build that the
/// reconciler's verdict-only check agrees with the explanation (N41).
fn explain(launch: &Launch) -> Explanation {
    let e = super::explain(launch);
    assert_eq!(
        launch_verdict(launch),
        e.stopped_reason,
        "launch_verdict and explain disagree"
    );
    e
}
const ACCT: &str = "123456789012";
const ECR_IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1";

struct Net {
    vpc: String,
    public: String,
    private: String,
    private_b: String,
    private_rt: String,
    sg: String,
}

fn world() -> World {
    World::new(ACCT, 3, NOW)
}

fn r(w: &mut World) -> &mut Region {
    w.region_mut("us-east-1").unwrap()
}

/// VPC 10.0.0.0/16 with DNS hostnames: a public subnet (route to an IGW) and
/// two private subnets (no default route) sharing a route table.
fn net(r: &mut Region) -> Net {
    let vpc = r
        .create_vpc(
            CreateVpc {
                cidr_block: Some("10.0.0.0/16".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    r.modify_vpc_attribute(&vpc, "enableDnsHostnames", true)
        .unwrap();
    let sub = |r: &mut Region, cidr: &str, az: &str| {
        r.create_subnet(
            CreateSubnet {
                vpc_id: vpc.clone(),
                cidr_block: Some(cidr.into()),
                availability_zone: Some(az.into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap()
    };
    let public = sub(r, "10.0.0.0/24", "us-east-1a");
    let private = sub(r, "10.0.1.0/24", "us-east-1a");
    let private_b = sub(r, "10.0.2.0/24", "us-east-1b");
    let igw = r.create_internet_gateway(Vec::new());
    r.attach_internet_gateway(&igw, &vpc).unwrap();
    let public_rt = r.create_route_table(&vpc, Vec::new()).unwrap();
    r.create_route(
        &public_rt,
        &dest("0.0.0.0/0"),
        &RouteTargetArgs {
            gateway_id: Some(igw),
            ..Default::default()
        },
    )
    .unwrap();
    r.associate_route_table(&public_rt, Some(&public), None)
        .unwrap();
    let private_rt = r.create_route_table(&vpc, Vec::new()).unwrap();
    r.associate_route_table(&private_rt, Some(&private), None)
        .unwrap();
    r.associate_route_table(&private_rt, Some(&private_b), None)
        .unwrap();
    let sg = r.vpc(&vpc).unwrap().default_security_group_id.clone();
    Net {
        vpc,
        public,
        private,
        private_b,
        private_rt,
        sg,
    }
}

fn dest(c: &str) -> RouteDestArgs {
    RouteDestArgs {
        cidr: Some(c.into()),
        ..Default::default()
    }
}

fn taskdef(r: &mut Region, extra: serde_json::Value) -> String {
    let mut container = serde_json::json!({"name": "app", "image": ECR_IMAGE});
    if let (Some(c), Some(e)) = (container.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    let td = serde_json::json!({
        "family": "app", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512", "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "containerDefinitions": [container],
    });
    r.register_task_definition(&td, "arn:aws:iam::123456789012:root", NOW)
        .unwrap()
}

fn explain_in(
    r: &Region,
    td: &str,
    subnet: &str,
    groups: &[String],
    public: bool,
    version: &str,
) -> Explanation {
    let td = r.ecs.task_definitions.get(td).unwrap();
    let source = r
        .launch_source(subnet, groups, None, None, None, public, false, false)
        .unwrap();
    explain(&Launch {
        source,
        td,
        platform_version: version,
        task_arn: None,
        dual_stack: false,
    })
}

fn verdict(e: &Explanation, t: Traffic) -> &Verdict {
    e.verdicts
        .iter()
        .find(|v| v.kind == t)
        .unwrap_or_else(|| panic!("no verdict for {t:?}"))
}

fn steps(v: &Verdict) -> Vec<&'static str> {
    v.path.iter().map(|h| h.step).collect()
}

fn add_nat(r: &mut Region, subnet: &str, rt: &str) -> String {
    let alloc = r.allocate_address(None, Vec::new()).unwrap();
    let nat = r
        .create_nat_gateway(subnet, Some(&alloc), None, None, Vec::new(), NOW)
        .unwrap();
    r.create_route(
        rt,
        &dest("0.0.0.0/0"),
        &RouteTargetArgs {
            nat_gateway_id: Some(nat.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    nat
}

fn add_interface_endpoint(r: &mut Region, n: &Net, svc: &str, groups: Vec<String>) -> String {
    r.create_vpc_endpoint(
        CreateEndpoint {
            vpc_id: n.vpc.clone(),
            service_name: format!("com.amazonaws.us-east-1.{svc}"),
            endpoint_type: Some("Interface".into()),
            subnet_ids: vec![n.private.clone()],
            security_group_ids: groups,
            ..Default::default()
        },
        NOW,
    )
    .unwrap()
}

#[test]
fn internet_gateway_needs_a_public_ip() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    let e = explain_in(
        r,
        &td,
        &n.public,
        std::slice::from_ref(&n.sg),
        true,
        "1.4.0",
    );
    assert_eq!(e.outcome, "starts");
    let auth = verdict(&e, Traffic::EcrAuthorization);
    assert_eq!(
        steps(auth),
        [
            "dns",
            "security-group-egress",
            "route",
            "network-acl-out",
            "network-acl-in",
            "internet-gateway",
            "service"
        ]
    );
    let e = explain_in(
        r,
        &td,
        &n.public,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    assert_eq!(e.outcome, "fails");
    let auth = verdict(&e, Traffic::EcrAuthorization);
    assert_eq!(auth.blocked.as_ref().unwrap().hop.step, "internet-gateway");
    assert!(auth
        .blocked
        .as_ref()
        .unwrap()
        .fix
        .contains("assignPublicIp=ENABLED"));
    let reason = e.stopped_reason.unwrap();
    assert!(reason.starts_with("ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR"));
    assert!(reason.contains("Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp "));
    assert!(reason.ends_with(":443: i/o timeout"));
}

#[test]
fn private_subnet_without_nat_has_no_route() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    let auth = verdict(&e, Traffic::EcrAuthorization);
    let b = auth.blocked.as_ref().unwrap();
    assert_eq!(b.hop.step, "route");
    assert_eq!(b.hop.resource, n.private_rt);
    assert!(
        b.fix.contains("NAT gateway") && b.fix.contains("ecr.api"),
        "{}",
        b.fix
    );
}

#[test]
fn nat_gateway_must_sit_in_a_public_subnet() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    add_nat(r, &n.public, &n.private_rt.clone());
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    assert_eq!(e.outcome, "starts", "{:#?}", e.verdicts);
    assert!(steps(verdict(&e, Traffic::ImageLayers)).contains(&"nat-gateway"));

    let mut w = world();
    let r = self::r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    add_nat(r, &n.private_b, &n.private_rt.clone());
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    let b = verdict(&e, Traffic::EcrAuthorization)
        .blocked
        .clone()
        .unwrap();
    assert_eq!(b.hop.step, "nat-gateway");
    assert!(b
        .hop
        .note
        .contains("no route 0.0.0.0/0 to an internet gateway"));
}

#[test]
fn ecr_endpoints_without_s3_gateway_fail_at_layers() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    add_interface_endpoint(r, &n, "ecr.api", Vec::new());
    add_interface_endpoint(r, &n, "ecr.dkr", Vec::new());
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    assert_eq!(verdict(&e, Traffic::EcrAuthorization).status, "reachable");
    assert_eq!(verdict(&e, Traffic::ImageManifest).status, "reachable");
    assert!(steps(verdict(&e, Traffic::ImageManifest)).contains(&"endpoint-security-group"));
    let layers = verdict(&e, Traffic::ImageLayers);
    assert_eq!(layers.status, "unreachable");
    assert!(layers
        .blocked
        .as_ref()
        .unwrap()
        .fix
        .contains("S3 gateway endpoint"));
    let reason = e.stopped_reason.clone().unwrap();
    assert!(reason.starts_with(&format!(
        "CannotPullContainerError: The task cannot pull {ECR_IMAGE} from the registry {ECR_IMAGE}."
    )));
    assert!(reason
        .contains("Get https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/"));

    r.create_vpc_endpoint(
        CreateEndpoint {
            vpc_id: n.vpc.clone(),
            service_name: "com.amazonaws.us-east-1.s3".into(),
            endpoint_type: Some("Gateway".into()),
            route_table_ids: vec![n.private_rt.clone()],
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    assert_eq!(e.outcome, "starts");
    assert!(steps(verdict(&e, Traffic::ImageLayers)).contains(&"gateway-endpoint"));
}

#[test]
fn endpoint_security_group_must_admit_443() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    let closed = r
        .create_security_group("closed", "no ingress", Some(&n.vpc), Vec::new())
        .unwrap();
    add_interface_endpoint(r, &n, "ecr.api", vec![closed.clone()]);
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    let b = verdict(&e, Traffic::EcrAuthorization)
        .blocked
        .clone()
        .unwrap();
    assert_eq!(b.hop.step, "endpoint-security-group");
    assert!(b.fix.contains(&closed) && b.fix.contains("--port 443"));
    r.authorize(
        &closed,
        false,
        &[IpPermission {
            ip_protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            ipv4: vec![("10.0.0.0/16".into(), None)],
            ..Default::default()
        }],
        Vec::new(),
    )
    .unwrap();
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    assert_eq!(verdict(&e, Traffic::EcrAuthorization).status, "reachable");
}

#[test]
fn task_egress_revoked_blocks_everything() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    let sg = r
        .create_security_group("task", "task", Some(&n.vpc), Vec::new())
        .unwrap();
    r.revoke(
        &sg,
        true,
        &[IpPermission {
            ip_protocol: "-1".into(),
            ipv4: vec![("0.0.0.0/0".into(), None)],
            ..Default::default()
        }],
        &[],
    )
    .unwrap();
    let e = explain_in(r, &td, &n.public, std::slice::from_ref(&sg), true, "1.4.0");
    let b = verdict(&e, Traffic::EcrAuthorization)
        .blocked
        .clone()
        .unwrap();
    assert_eq!(b.hop.step, "security-group-egress");
    assert!(b.fix.starts_with(&format!(
        "aws ec2 authorize-security-group-egress --group-id {sg}"
    )));
}

#[test]
fn network_acl_is_stateless_in_both_directions() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    let acl = r.create_network_acl(&n.vpc, Vec::new()).unwrap();
    let assoc = r
        .network_acl_for_subnet(&n.public)
        .unwrap()
        .associations
        .iter()
        .find(|a| a.subnet_id == n.public)
        .unwrap()
        .id
        .clone();
    r.replace_network_acl_association(&assoc, &acl).unwrap();
    let allow = |rule: i32, egress: bool, from: i32, to: i32| NaclEntryArgs {
        rule_number: Some(rule),
        protocol: Some("6".into()),
        rule_action: Some("allow".into()),
        egress,
        cidr_block: Some("0.0.0.0/0".into()),
        port_from: Some(from),
        port_to: Some(to),
        ..Default::default()
    };
    // Nothing allowed: outbound denied by the default rule.
    let e = explain_in(
        r,
        &td,
        &n.public,
        std::slice::from_ref(&n.sg),
        true,
        "1.4.0",
    );
    let b = verdict(&e, Traffic::EcrAuthorization)
        .blocked
        .clone()
        .unwrap();
    assert_eq!(
        (b.hop.step, b.hop.resource.as_str()),
        ("network-acl-out", acl.as_str())
    );
    // Outbound 443 allowed, replies not: blocked inbound.
    r.create_network_acl_entry(&acl, &allow(100, true, 443, 443))
        .unwrap();
    let e = explain_in(
        r,
        &td,
        &n.public,
        std::slice::from_ref(&n.sg),
        true,
        "1.4.0",
    );
    let b = verdict(&e, Traffic::EcrAuthorization)
        .blocked
        .clone()
        .unwrap();
    assert_eq!(b.hop.step, "network-acl-in");
    assert!(b.fix.contains("32768-60999"));
    // Replies on the ephemeral range: open.
    r.create_network_acl_entry(&acl, &allow(100, false, 1024, 65535))
        .unwrap();
    let e = explain_in(
        r,
        &td,
        &n.public,
        std::slice::from_ref(&n.sg),
        true,
        "1.4.0",
    );
    assert_eq!(e.outcome, "starts");
    // A deny placed before the allow wins (ordered evaluation).
    r.create_network_acl_entry(
        &acl,
        &NaclEntryArgs {
            rule_action: Some("deny".into()),
            ..allow(50, true, 400, 500)
        },
    )
    .unwrap();
    let e = explain_in(
        r,
        &td,
        &n.public,
        std::slice::from_ref(&n.sg),
        true,
        "1.4.0",
    );
    assert!(verdict(&e, Traffic::EcrAuthorization)
        .blocked
        .as_ref()
        .unwrap()
        .hop
        .note
        .contains("rule 50"));
}

#[test]
fn platform_1_3_0_uses_the_fargate_owned_eni_for_auth_and_secrets() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(
        r,
        serde_json::json!({"secrets": [{"name": "DB", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}]}),
    );
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.3.0",
    );
    let auth = verdict(&e, Traffic::EcrAuthorization);
    assert_eq!((auth.eni, auth.status), ("Fargate-owned ENI", "reachable"));
    assert_eq!(
        verdict(&e, Traffic::SecretsManager).eni,
        "Fargate-owned ENI"
    );
    let manifest = verdict(&e, Traffic::ImageManifest);
    assert_eq!((manifest.eni, manifest.status), ("task ENI", "unreachable"));
    assert!(e.stopped_reason.unwrap().starts_with("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1: failed to do request: Head \"https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/app/manifests/1\""));
    // The same VPC on 1.4.0 fails earlier, at registry auth (N42).
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    assert!(e
        .stopped_reason
        .unwrap()
        .contains("The task cannot pull registry auth from Amazon ECR"));
}

#[test]
fn secrets_and_logs_reasons() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(
        r,
        serde_json::json!({
            "image": "nginx",
            "secrets": [{"name": "P", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/p"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1"}},
        }),
    );
    let e = explain_in(
        r,
        &td,
        &n.private,
        std::slice::from_ref(&n.sg),
        false,
        "1.4.0",
    );
    assert!(e.stopped_reason.clone().unwrap().starts_with("ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secrets from ssm"));
    let logs = verdict(&e, Traffic::LogDriver);
    assert_eq!(logs.role, "task execution role");
    assert_eq!(logs.stopped_reason.as_deref(), Some("ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon CloudWatch log group defined in the task definition. There is a connection issue between the task and Amazon CloudWatch. Check your network configuration. : signal: killed"));
    let docker = verdict(&e, Traffic::ImageManifest);
    assert_eq!(docker.destination.as_deref(), Some("registry-1.docker.io"));
    assert!(docker.stopped_reason.as_ref().unwrap().contains("failed to resolve ref docker.io/library/nginx:latest: failed to do request: Head \"https://registry-1.docker.io/v2/library/nginx/manifests/latest\": dial tcp 34.205.13.154:443: i/o timeout"));
    assert_eq!(verdict(&e, Traffic::Application).status, "not evaluated");
}

#[test]
fn dns_support_off_blocks_resolution() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    r.modify_vpc_attribute(&n.vpc, "enableDnsHostnames", false)
        .unwrap();
    r.modify_vpc_attribute(&n.vpc, "enableDnsSupport", false)
        .unwrap();
    let e = explain_in(
        r,
        &td,
        &n.public,
        std::slice::from_ref(&n.sg),
        true,
        "1.4.0",
    );
    let b = verdict(&e, Traffic::EcrAuthorization)
        .blocked
        .clone()
        .unwrap();
    assert_eq!(b.hop.step, "dns");
    assert!(b.fix.contains("--enable-dns-support"));
}

#[test]
fn ipv6_only_needs_dns64_and_nat64_for_ipv4_only_services() {
    let mut w = world();
    let r = r(&mut w);
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
    let s6 = |i| block.subnet(64, i).unwrap().to_string();
    let public = r
        .create_subnet(
            CreateSubnet {
                vpc_id: vpc.clone(),
                cidr_block: Some("10.0.0.0/24".into()),
                ipv6_cidr_block: Some(s6(1)),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let only = r
        .create_subnet(
            CreateSubnet {
                vpc_id: vpc.clone(),
                ipv6_native: true,
                ipv6_cidr_block: Some(s6(2)),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let igw = r.create_internet_gateway(Vec::new());
    r.attach_internet_gateway(&igw, &vpc).unwrap();
    let eigw = r.create_egress_only_gateway(&vpc, Vec::new()).unwrap();
    let public_rt = r.create_route_table(&vpc, Vec::new()).unwrap();
    r.create_route(
        &public_rt,
        &dest("0.0.0.0/0"),
        &RouteTargetArgs {
            gateway_id: Some(igw),
            ..Default::default()
        },
    )
    .unwrap();
    r.associate_route_table(&public_rt, Some(&public), None)
        .unwrap();
    let rt = r.create_route_table(&vpc, Vec::new()).unwrap();
    r.associate_route_table(&rt, Some(&only), None).unwrap();
    r.create_route(
        &rt,
        &RouteDestArgs {
            ipv6_cidr: Some("::/0".into()),
            ..Default::default()
        },
        &RouteTargetArgs {
            egress_only_internet_gateway_id: Some(eigw),
            ..Default::default()
        },
    )
    .unwrap();
    let sg = r.vpc(&vpc).unwrap().default_security_group_id.clone();
    let secrets = serde_json::json!([{"name": "S", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s"}]);
    let classic = taskdef(r, serde_json::json!({"secrets": secrets}));
    let dual = taskdef(
        r,
        serde_json::json!({"secrets": secrets, "image": "123456789012.dkr-ecr.us-east-1.on.aws/app:1"}),
    );
    let run = |r: &Region, td: &str| {
        let td = r.ecs.task_definitions.get(td).unwrap();
        let source = r
            .launch_source(
                &only,
                std::slice::from_ref(&sg),
                None,
                None,
                None,
                false,
                false,
                true,
            )
            .unwrap();
        explain(&Launch {
            source,
            td,
            platform_version: "1.4.0",
            task_arn: None,
            dual_stack: false,
        })
    };
    // A classic ECR image URI names IPv4-only hosts (N40): without DNS64 an
    // IPv6-only task gets no auth token, and explain names the dual-stack URI.
    let e = run(r, &classic);
    let auth = verdict(&e, Traffic::EcrAuthorization);
    assert_eq!(
        auth.destination.as_deref(),
        Some("api.ecr.us-east-1.amazonaws.com")
    );
    let b = auth.blocked.as_ref().unwrap();
    assert_eq!(b.hop.step, "dns64");
    assert!(
        b.fix
            .contains("use the dual-stack image URI 123456789012.dkr-ecr.us-east-1.on.aws/app:1"),
        "{}",
        b.fix
    );
    assert!(
        !b.fix.contains("interface endpoint"),
        "ECR has no dual-stack ones: {}",
        b.fix
    );
    assert!(e
        .stopped_reason
        .as_deref()
        .unwrap()
        .starts_with("ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR"));
    // The dual-stack URI reaches ECR (API, registry, S3 layers) over IPv6
    // through the egress-only gateway.
    let e = run(r, &dual);
    for t in [
        Traffic::EcrAuthorization,
        Traffic::ImageManifest,
        Traffic::ImageLayers,
    ] {
        assert_eq!(
            verdict(&e, t).status,
            "reachable",
            "{t:?}: {:#?}",
            verdict(&e, t)
        );
    }
    let auth = verdict(&e, Traffic::EcrAuthorization);
    assert_eq!(auth.destination.as_deref(), Some("ecr.us-east-1.api.aws"));
    assert_eq!(
        verdict(&e, Traffic::ImageManifest).destination.as_deref(),
        Some("123456789012.dkr-ecr.us-east-1.on.aws")
    );
    // Secrets Manager is IPv4-only: DNS64 is off.
    let sm = verdict(&e, Traffic::SecretsManager);
    assert_eq!(sm.blocked.as_ref().unwrap().hop.step, "dns64");
    r.modify_subnet_attribute(&only, SubnetAttr::EnableDns64(true))
        .unwrap();
    let e = run(r, &dual);
    let sm = verdict(&e, Traffic::SecretsManager);
    assert!(
        sm.blocked
            .as_ref()
            .unwrap()
            .hop
            .note
            .contains("DNS64 address"),
        "{sm:#?}"
    );
    // NAT64 through a public NAT gateway.
    let alloc = r.allocate_address(None, Vec::new()).unwrap();
    let nat = r
        .create_nat_gateway(&public, Some(&alloc), None, None, Vec::new(), NOW)
        .unwrap();
    r.create_route(
        &rt,
        &RouteDestArgs {
            ipv6_cidr: Some("64:ff9b::/96".into()),
            ..Default::default()
        },
        &RouteTargetArgs {
            nat_gateway_id: Some(nat),
            ..Default::default()
        },
    )
    .unwrap();
    let e = run(r, &dual);
    assert_eq!(e.outcome, "starts", "{:#?}", e.verdicts);
    assert!(verdict(&e, Traffic::SecretsManager)
        .path
        .iter()
        .any(|h| h.note.contains("NAT64")));
    assert_eq!(e.network.mode, "IPv6-only");
    // With DNS64 and NAT64 the classic URI works too, through the NAT gateway.
    let e = run(r, &classic);
    assert_eq!(e.outcome, "starts", "{:#?}", e.verdicts);
    assert!(verdict(&e, Traffic::ImageLayers)
        .path
        .iter()
        .any(|h| h.note.contains("NAT64")));
}

#[test]
fn dual_stack_tasks_still_need_an_ipv4_default_route() {
    let mut w = world();
    let r = r(&mut w);
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
    let sub = r
        .create_subnet(
            CreateSubnet {
                vpc_id: vpc.clone(),
                cidr_block: Some("10.0.0.0/24".into()),
                ipv6_cidr_block: Some(block.subnet(64, 1).unwrap().to_string()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let igw = r.create_internet_gateway(Vec::new());
    r.attach_internet_gateway(&igw, &vpc).unwrap();
    let rt = r.create_route_table(&vpc, Vec::new()).unwrap();
    r.associate_route_table(&rt, Some(&sub), None).unwrap();
    r.create_route(
        &rt,
        &RouteDestArgs {
            ipv6_cidr: Some("::/0".into()),
            ..Default::default()
        },
        &RouteTargetArgs {
            gateway_id: Some(igw),
            ..Default::default()
        },
    )
    .unwrap();
    let sg = r.vpc(&vpc).unwrap().default_security_group_id.clone();
    let td = taskdef(r, serde_json::json!({}));
    let tdr = r.ecs.task_definitions.get(&td).unwrap();
    let source = r
        .launch_source(
            &sub,
            std::slice::from_ref(&sg),
            None,
            None,
            None,
            true,
            true,
            false,
        )
        .unwrap();
    let e = explain(&Launch {
        source,
        td: tdr,
        platform_version: "1.4.0",
        task_arn: None,
        dual_stack: true,
    });
    assert_eq!(e.network.mode, "dual-stack");
    let b = verdict(&e, Traffic::EcrAuthorization)
        .blocked
        .clone()
        .unwrap();
    assert_eq!(b.hop.step, "route");
    assert!(b.hop.note.contains("no route to"));
}

#[test]
fn planned_public_ip_is_named_not_printed_as_unspecified() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let td = taskdef(r, serde_json::json!({}));
    // A plan: the public IP does not exist yet.
    let e = explain_in(
        r,
        &td,
        &n.public,
        std::slice::from_ref(&n.sg),
        true,
        "1.4.0",
    );
    let igw = verdict(&e, Traffic::EcrAuthorization)
        .path
        .iter()
        .find(|h| h.step == "internet-gateway")
        .unwrap();
    assert_eq!(
        igw.note,
        "to the internet as the public IP assigned at launch"
    );
    assert!(!format!("{e:?}").contains("0.0.0.0\""));
    // A launched task: its real public IP.
    let tdr = r.ecs.task_definitions.get(&td).unwrap();
    let public = std::net::Ipv4Addr::new(3, 80, 0, 7);
    let source = r
        .launch_source(
            &n.public,
            std::slice::from_ref(&n.sg),
            None,
            None,
            Some(public),
            false,
            false,
            false,
        )
        .unwrap();
    let e = explain(&Launch {
        source,
        td: tdr,
        platform_version: "1.4.0",
        task_arn: None,
        dual_stack: false,
    });
    let igw = verdict(&e, Traffic::EcrAuthorization)
        .path
        .iter()
        .find(|h| h.step == "internet-gateway")
        .unwrap();
    assert_eq!(igw.note, "to the internet as public IP 3.80.0.7");
}

#[test]
fn plan_in_a_full_subnet_fails_at_the_network_interface() {
    let mut w = world();
    let (n, full, td) = {
        let r = r(&mut w);
        let n = net(r);
        let full = r
            .create_subnet(
                CreateSubnet {
                    vpc_id: n.vpc.clone(),
                    cidr_block: Some("10.0.7.0/28".into()),
                    availability_zone: Some("us-east-1a".into()),
                    ..Default::default()
                },
                NOW,
            )
            .unwrap();
        while r.available_ip_count(&full) > 0 {
            r.create_eni(
                crate::ec2::eni::NewEni::new(&full, crate::ec2::types::EniOwner::User),
                NOW,
            )
            .unwrap();
        }
        let td = taskdef(r, serde_json::json!({}));
        (n, full, td)
    };
    w.create_cluster(
        "us-east-1",
        crate::ecs::cluster::CreateCluster {
            name: Some("c1".into()),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    let req = crate::ecs::task::RunTask {
        cluster: Some("c1".into()),
        task_definition: td,
        launch_type: Some("FARGATE".into()),
        network: Some(crate::rules::awsvpc::AwsVpcConfig {
            subnets: vec![full.clone(), n.private.clone()],
            ..Default::default()
        }),
        principal: format!("arn:aws:iam::{ACCT}:root"),
        ..Default::default()
    };
    let plans = w.explain_plan("us-east-1", &req, None).unwrap();
    let e = plans.iter().find(|e| e.network.subnet_id == full).unwrap();
    assert_eq!(e.outcome, "fails");
    assert_eq!(
        e.stopped_reason.as_deref(),
        Some(format!("Unexpected EC2 error while attempting to Create Network Interface in subnet '{full}': InsufficientFreeAddressesInSubnet").as_str())
    );
    let b = e.blocked.as_ref().unwrap();
    assert_eq!(
        (b.hop.step, b.hop.resource.as_str()),
        ("network-interface", full.as_str())
    );
    assert!(b.fix.contains(&full));
    assert_eq!(e.network.private_ipv4, None);
    assert!(e
        .verdicts
        .iter()
        .all(|v| v.status == "not evaluated" && v.path.is_empty()));
    // The other subnet is explained as usual (no route: ECR auth fails).
    let other = plans
        .iter()
        .find(|e| e.network.subnet_id == n.private)
        .unwrap();
    assert!(other.blocked.is_none());
    assert_eq!(
        verdict(other, Traffic::EcrAuthorization)
            .blocked
            .as_ref()
            .unwrap()
            .hop
            .step,
        "route"
    );
}

// ---- flows from an ENI to an address (trace_flow) ----

fn eni(r: &mut Region, subnet: &str, groups: Vec<String>) -> String {
    let mut n = crate::ec2::eni::NewEni::new(subnet, crate::ec2::types::EniOwner::User);
    n.groups = groups;
    r.create_eni(n, NOW).unwrap()
}

fn ip_of(r: &Region, eni: &str) -> std::net::IpAddr {
    std::net::IpAddr::V4(r.enis.get(eni).unwrap().primary_ip().unwrap())
}

fn group(r: &mut Region, vpc: &str, name: &str) -> String {
    r.create_security_group(name, "flow test", Some(vpc), Vec::new())
        .unwrap()
}

fn admit(
    r: &mut Region,
    sg: &str,
    proto: &str,
    port: i32,
    from_group: Option<&str>,
    cidr: Option<&str>,
) {
    r.authorize(
        sg,
        false,
        &[IpPermission {
            ip_protocol: proto.into(),
            from_port: Some(port),
            to_port: Some(port),
            ipv4: cidr
                .map(|c| vec![(c.to_string(), None)])
                .unwrap_or_default(),
            groups: from_group
                .map(|g| vec![(g.to_string(), None, None)])
                .unwrap_or_default(),
            ..Default::default()
        }],
        Vec::new(),
    )
    .unwrap();
}

fn flow(r: &Region, from: &str, to: std::net::IpAddr, f: path::Flow) -> path::PathResult {
    let full = r.trace_flow(from, to, f, Detail::Full).unwrap();
    let quick = r.trace_flow(from, to, f, Detail::Verdict).unwrap();
    assert_eq!(
        full.blocked.is_some(),
        quick.blocked.is_some(),
        "both details agree"
    );
    full
}

#[test]
fn task_to_task_follows_the_destination_security_group() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let web = group(r, &n.vpc, "web");
    let db = group(r, &n.vpc, "db");
    let a = eni(r, &n.private, vec![web.clone()]);
    let b = eni(r, &n.private_b, vec![db.clone()]);
    let to_b = ip_of(r, &b);
    // New groups allow all egress but no ingress: blocked at b's groups.
    let res = flow(r, &a, to_b, path::Flow::tcp(5432));
    let blk = res.blocked.unwrap();
    assert_eq!(blk.hop.step, "security-group-ingress");
    assert!(
        blk.hop.note.contains("do not admit TCP 5432"),
        "{}",
        blk.hop.note
    );
    assert!(
        blk.fix.contains(&format!(
            "--group-id {db} --protocol tcp --port 5432 --source-group {web}"
        )),
        "{}",
        blk.fix
    );
    // Admit members of `web`: open, through both subnets' (default) ACLs.
    admit(r, &db, "tcp", 5432, Some(&web), None);
    let res = flow(r, &a, to_b, path::Flow::tcp(5432));
    assert!(res.blocked.is_none(), "{:?}", res.blocked);
    let steps: Vec<_> = res.hops.iter().map(|h| h.step).collect();
    assert_eq!(
        steps,
        [
            "security-group-egress",
            "route",
            "network-acl-out",
            "network-acl-in",
            "security-group-ingress",
            "network-acl-out",
            "network-acl-in",
            "network-interface"
        ]
    );
    // Another port, or UDP, stays blocked; ICMP needs its own rule.
    assert!(flow(r, &a, to_b, path::Flow::tcp(5433)).blocked.is_some());
    let udp = path::Flow {
        protocol: path::Protocol::Udp,
        port: 5432,
    };
    assert!(flow(r, &a, to_b, udp).blocked.is_some());
    let ping = path::Flow {
        protocol: path::Protocol::Icmp,
        port: 8,
    };
    assert!(flow(r, &a, to_b, ping).blocked.is_some());
    admit(r, &db, "icmp", -1, None, Some("10.0.0.0/16"));
    assert!(flow(r, &a, to_b, ping).blocked.is_none());
    // Nobody at an address of the VPC: nothing answers.
    let nobody = std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 2, 200));
    let blk = flow(r, &a, nobody, path::Flow::tcp(80)).blocked.unwrap();
    assert_eq!(blk.hop.step, "network-interface");
}

#[test]
fn flows_between_subnets_meet_both_acls_statelessly() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let a = eni(r, &n.private, vec![n.sg.clone()]);
    let b = eni(r, &n.private_b, vec![n.sg.clone()]);
    let to_b = ip_of(r, &b);
    // The default group admits its own members.
    assert!(flow(r, &a, to_b, path::Flow::tcp(8080)).blocked.is_none());
    // b's subnet gets an ACL that admits 8080 in but no replies out.
    let acl = r.create_network_acl(&n.vpc, Vec::new()).unwrap();
    let assoc = r
        .network_acl_for_subnet(&n.private_b)
        .unwrap()
        .associations
        .iter()
        .find(|x| x.subnet_id == n.private_b)
        .unwrap()
        .id
        .clone();
    r.replace_network_acl_association(&assoc, &acl).unwrap();
    let entry = |rule, egress, from, to| NaclEntryArgs {
        rule_number: Some(rule),
        protocol: Some("6".into()),
        rule_action: Some("allow".into()),
        egress,
        cidr_block: Some("10.0.0.0/16".into()),
        port_from: Some(from),
        port_to: Some(to),
        ..Default::default()
    };
    r.create_network_acl_entry(&acl, &entry(100, false, 8080, 8080))
        .unwrap();
    let blk = flow(r, &a, to_b, path::Flow::tcp(8080)).blocked.unwrap();
    assert_eq!(
        (blk.hop.step, blk.hop.resource.as_str()),
        ("network-acl-out", acl.as_str())
    );
    assert!(blk.fix.contains("TCP 32768-60999"), "{}", blk.fix);
    r.create_network_acl_entry(&acl, &entry(110, true, 1024, 65535))
        .unwrap();
    assert!(flow(r, &a, to_b, path::Flow::tcp(8080)).blocked.is_none());
    // Same subnet: no ACL is crossed.
    let c = eni(r, &n.private_b, vec![n.sg.clone()]);
    let res = flow(r, &b, ip_of(r, &c), path::Flow::tcp(9999));
    assert!(res.blocked.is_none());
    assert!(!res.hops.iter().any(|h| h.step.starts_with("network-acl")));
}

#[test]
fn flows_to_the_internet_need_a_public_address_or_a_nat_gateway() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let out = std::net::IpAddr::V4(std::net::Ipv4Addr::new(93, 184, 215, 14));
    let public = eni(r, &n.public, vec![n.sg.clone()]);
    let blk = flow(r, &public, out, path::Flow::tcp(443)).blocked.unwrap();
    assert_eq!(blk.hop.step, "internet-gateway");
    let private = eni(r, &n.private, vec![n.sg.clone()]);
    let blk = flow(r, &private, out, path::Flow::tcp(80)).blocked.unwrap();
    assert_eq!(blk.hop.step, "route");
    add_nat(r, &n.public, &n.private_rt);
    let res = flow(r, &private, out, path::Flow::tcp(80));
    assert!(res.blocked.is_none(), "{:?}", res.blocked);
    assert_eq!(res.hops.last().unwrap().note, "TCP 80");
}

// ---- customer-managed prefix lists and VPC peering ----

fn prefix_list(r: &mut Region, cidrs: &[&str]) -> String {
    use crate::ec2::prefix_list::{CreatePrefixList, EntryArgs};
    r.create_prefix_list(
        CreatePrefixList {
            name: Some("corp".into()),
            address_family: Some("IPv4".into()),
            max_entries: Some(5),
            entries: cidrs
                .iter()
                .map(|c| EntryArgs {
                    cidr: c.to_string(),
                    description: None,
                })
                .collect(),
            tags: Vec::new(),
        },
        NOW,
    )
    .unwrap()
}

#[test]
fn security_group_rules_follow_a_customer_prefix_list() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let web = group(r, &n.vpc, "web");
    let db = group(r, &n.vpc, "db");
    let a = eni(r, &n.private, vec![web]);
    let b = eni(r, &n.private_b, vec![db.clone()]);
    let (from_a, to_b) = (ip_of(r, &a), ip_of(r, &b));
    // The list holds a's /24: b's group admits it through the list.
    let pl = prefix_list(r, &["10.0.1.0/24"]);
    r.authorize(
        &db,
        false,
        &[IpPermission {
            ip_protocol: "tcp".into(),
            from_port: Some(5432),
            to_port: Some(5432),
            prefix_lists: vec![(pl.clone(), None)],
            ..Default::default()
        }],
        Vec::new(),
    )
    .unwrap();
    let res = flow(r, &a, to_b, path::Flow::tcp(5432));
    assert!(res.blocked.is_none(), "{:?}", res.blocked);
    let ingress = res
        .hops
        .iter()
        .find(|h| h.step == "security-group-ingress")
        .unwrap();
    assert_eq!(ingress.resource, db);
    // A new version without that block closes it again: the engine reads the
    // list's current version.
    r.modify_prefix_list(
        &pl,
        crate::ec2::prefix_list::ModifyPrefixList {
            remove: vec!["10.0.1.0/24".into()],
            add: vec![crate::ec2::prefix_list::EntryArgs {
                cidr: "10.0.9.0/24".into(),
                description: None,
            }],
            ..Default::default()
        },
    )
    .unwrap();
    let blk = flow(r, &a, to_b, path::Flow::tcp(5432)).blocked.unwrap();
    assert_eq!(blk.hop.step, "security-group-ingress");
    assert!(blk
        .hop
        .note
        .contains(&format!("do not admit TCP 5432 from {from_a}")));
    // Restoring version 1 opens it once more.
    r.restore_prefix_list(&pl, 1, 2).unwrap();
    assert!(flow(r, &a, to_b, path::Flow::tcp(5432)).blocked.is_none());
}

#[test]
fn routes_to_a_customer_prefix_list_match_its_entries() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let nat = add_nat(r, &n.public, &n.private_rt);
    // Only the list's destinations leave through the NAT gateway.
    r.delete_route(&n.private_rt, &dest("0.0.0.0/0")).unwrap();
    let pl = prefix_list(r, &["93.184.215.0/24"]);
    r.create_route(
        &n.private_rt,
        &RouteDestArgs {
            prefix_list_id: Some(pl.clone()),
            ..Default::default()
        },
        &RouteTargetArgs {
            nat_gateway_id: Some(nat.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let src = eni(r, &n.private, vec![n.sg.clone()]);
    let listed = std::net::IpAddr::V4(std::net::Ipv4Addr::new(93, 184, 215, 14));
    let res = flow(r, &src, listed, path::Flow::tcp(443));
    assert!(res.blocked.is_none(), "{:?}", res.blocked);
    let route = res.hops.iter().find(|h| h.step == "route").unwrap();
    assert_eq!(route.note, format!("{pl} → {nat}"));
    let other = std::net::IpAddr::V4(std::net::Ipv4Addr::new(1, 1, 1, 1));
    let blk = flow(r, &src, other, path::Flow::tcp(443)).blocked.unwrap();
    assert_eq!(blk.hop.step, "route");
    assert!(blk.hop.note.contains("no route to 1.1.1.1"));
    // The list cannot go while the route uses it.
    assert_eq!(
        r.delete_prefix_list(&pl).unwrap_err().code,
        "DependencyViolation"
    );
    assert_eq!(r.prefix_list_associations(&pl), vec![n.private_rt]);
}

/// A second VPC 10.1.0.0/16 with one subnet (its main route table).
fn second_vpc(r: &mut Region) -> (String, String, String) {
    let vpc = r
        .create_vpc(
            CreateVpc {
                cidr_block: Some("10.1.0.0/16".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let subnet = r
        .create_subnet(
            CreateSubnet {
                vpc_id: vpc.clone(),
                cidr_block: Some("10.1.1.0/24".into()),
                availability_zone: Some("us-east-1a".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap();
    let rt = r.vpc(&vpc).unwrap().main_route_table_id.clone();
    (vpc, subnet, rt)
}

fn pcx_route(r: &mut Region, rt: &str, cidr: &str, pcx: &str) {
    r.create_route(
        rt,
        &dest(cidr),
        &RouteTargetArgs {
            vpc_peering_connection_id: Some(pcx.into()),
            ..Default::default()
        },
    )
    .unwrap();
}

#[test]
fn flows_follow_an_active_peering_connection_into_the_peer_vpc() {
    let mut w = world();
    let r = r(&mut w);
    let n = net(r);
    let (peer_vpc, peer_subnet, peer_rt) = second_vpc(r);
    let app = group(r, &n.vpc, "app");
    let db = group(r, &peer_vpc, "db");
    let a = eni(r, &n.private, vec![app.clone()]);
    let b = eni(r, &peer_subnet, vec![db.clone()]);
    let to_b = ip_of(r, &b);
    let tcp = path::Flow::tcp(5432);
    // No route to the other VPC: its private address sent to the NAT
    // gateway, or from a public subnet to the internet gateway, goes
    // nowhere (the internet routes no private address).
    let blk = flow(r, &a, to_b, tcp).blocked.unwrap();
    assert_eq!(blk.hop.step, "route");
    let p = eni(r, &n.public, vec![app.clone()]);
    let blk = flow(r, &p, to_b, tcp).blocked.unwrap();
    assert_eq!(blk.hop.step, "route");
    assert!(
        blk.hop.note.contains("is a private address"),
        "{}",
        blk.hop.note
    );
    // A pending connection: the route may name it, but it is a blackhole.
    let pcx = r
        .create_peering(&n.vpc, &peer_vpc, Vec::new(), NOW)
        .unwrap();
    pcx_route(r, &n.private_rt, "10.1.0.0/16", &pcx);
    let blk = flow(r, &a, to_b, tcp).blocked.unwrap();
    assert!(blk.hop.note.ends_with("is a blackhole"), "{}", blk.hop.note);
    // Naming a group of the peer VPC needs the connection to be active.
    let cross = IpPermission {
        ip_protocol: "tcp".into(),
        from_port: Some(5432),
        to_port: Some(5432),
        groups: vec![(app.clone(), None, None)],
        ..Default::default()
    };
    assert!(r
        .authorize(&db, false, std::slice::from_ref(&cross), Vec::new())
        .is_err());
    r.accept_peering(&pcx, NOW).unwrap();
    // Active, but the peer subnet has no way back.
    let blk = flow(r, &a, to_b, tcp).blocked.unwrap();
    assert_eq!(
        (blk.hop.step, blk.hop.resource.as_str()),
        ("route-back", peer_rt.as_str())
    );
    assert!(
        blk.fix.contains(&format!(
            "--route-table-id {peer_rt} --destination-cidr-block 10.0.0.0/16 --vpc-peering-connection-id {pcx}"
        )),
        "{}",
        blk.fix
    );
    pcx_route(r, &peer_rt, "10.0.0.0/16", &pcx);
    // Now the destination's groups decide; a rule naming the source's group
    // across the peering admits it.
    let blk = flow(r, &a, to_b, tcp).blocked.unwrap();
    assert_eq!(blk.hop.step, "security-group-ingress");
    r.authorize(&db, false, &[cross], Vec::new()).unwrap();
    let res = flow(r, &a, to_b, tcp);
    assert!(res.blocked.is_none(), "{:?}", res.blocked);
    let steps: Vec<_> = res.hops.iter().map(|h| h.step).collect();
    assert_eq!(
        steps,
        [
            "security-group-egress",
            "route",
            "vpc-peering",
            "network-acl-out",
            "network-acl-in",
            "security-group-ingress",
            "network-acl-out",
            "network-acl-in",
            "network-interface"
        ]
    );
    // Nobody at an address of the peer VPC; nothing beyond it (peering is
    // not transitive).
    let nobody = std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 1, 1, 200));
    let blk = flow(r, &a, nobody, tcp).blocked.unwrap();
    assert_eq!(
        (blk.hop.step, blk.hop.resource.as_str()),
        ("network-interface", peer_vpc.as_str())
    );
    pcx_route(r, &n.private_rt, "10.9.0.0/16", &pcx);
    let beyond = std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 9, 0, 5));
    let blk = flow(r, &a, beyond, tcp).blocked.unwrap();
    assert_eq!(blk.hop.step, "vpc-peering");
    // Deleting the connection turns both routes into blackholes.
    r.delete_peering(&pcx, NOW).unwrap();
    let blk = flow(r, &a, to_b, tcp).blocked.unwrap();
    assert!(blk.hop.note.ends_with("is a blackhole"), "{}", blk.hop.note);
}
