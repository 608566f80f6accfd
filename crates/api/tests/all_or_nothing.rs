//! A request that fails leaves the state exactly as it was. Random sequences
//! of EC2 and ECS requests (many of them failing: bad CIDRs, overlaps,
//! dependencies, limits, unknown ids) go through the real wire path into a
//! real control plane; around every request that fails, the whole world (every
//! record and all derived state: address allocators, the task schedule,
//! placement counts, client tokens) is compared before and after.

use api::{Api, Request};
use control::{Control, Settings};
use model::ecs::Lifecycle;
use proptest::prelude::*;
use std::sync::Arc;
use store::SqliteStore;

const ACCOUNT: &str = "123456789012";

/// One request, with references to earlier results by index (taken modulo
/// what exists when it runs).
#[derive(Debug, Clone)]
enum Op {
    CreateVpc(u8),
    CreateSubnet {
        vpc: usize,
        block: u8,
    },
    DeleteVpc(usize),
    DeleteSubnet(usize),
    CreateSecurityGroup {
        vpc: usize,
        name: u8,
    },
    Authorize {
        sg: usize,
        port: i32,
    },
    CreateTags {
        resource: usize,
        n: usize,
    },
    CreateEni {
        subnet: usize,
        ips: u8,
    },
    AllocateAddress,
    CreateCluster(u8),
    RegisterTaskDefinition {
        bad: bool,
    },
    RunTask {
        subnet: usize,
        count: u8,
        public: bool,
    },
    StopTask(usize),
    TagResource {
        target: usize,
        n: usize,
    },
    PutAccountSetting {
        value: u8,
    },
    DeleteCluster(u8),
    CreateRouteTable {
        vpc: usize,
        token: u8,
        tagged: bool,
    },
    CreatePrefixList {
        max: u8,
        entries: u8,
    },
    ModifyPrefixList {
        pl: usize,
        add: u8,
        version: u8,
    },
    CreatePeering {
        a: usize,
        b: usize,
    },
    Peering {
        pcx: usize,
        act: u8,
    },
    Reserve {
        subnet: usize,
        block: u8,
        prefix: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..6).prop_map(Op::CreateVpc),
        (any::<usize>(), 0u8..8).prop_map(|(vpc, block)| Op::CreateSubnet { vpc, block }),
        any::<usize>().prop_map(Op::DeleteVpc),
        any::<usize>().prop_map(Op::DeleteSubnet),
        (any::<usize>(), 0u8..3).prop_map(|(vpc, name)| Op::CreateSecurityGroup { vpc, name }),
        (any::<usize>(), -2i32..70000).prop_map(|(sg, port)| Op::Authorize { sg, port }),
        (any::<usize>(), 0usize..60).prop_map(|(resource, n)| Op::CreateTags { resource, n }),
        (any::<usize>(), 0u8..20).prop_map(|(subnet, ips)| Op::CreateEni { subnet, ips }),
        Just(Op::AllocateAddress),
        (0u8..3).prop_map(Op::CreateCluster),
        any::<bool>().prop_map(|bad| Op::RegisterTaskDefinition { bad }),
        (any::<usize>(), 0u8..12, any::<bool>()).prop_map(|(subnet, count, public)| Op::RunTask {
            subnet,
            count,
            public
        }),
        any::<usize>().prop_map(Op::StopTask),
        (any::<usize>(), 40usize..56).prop_map(|(target, n)| Op::TagResource { target, n }),
        (0u8..3).prop_map(|value| Op::PutAccountSetting { value }),
        (0u8..3).prop_map(Op::DeleteCluster),
        (any::<usize>(), 0u8..3, any::<bool>())
            .prop_map(|(vpc, token, tagged)| { Op::CreateRouteTable { vpc, token, tagged } }),
        (0u8..4, 0u8..5).prop_map(|(max, entries)| Op::CreatePrefixList { max, entries }),
        (any::<usize>(), 0u8..4, 0u8..4).prop_map(|(pl, add, version)| Op::ModifyPrefixList {
            pl,
            add,
            version
        }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::CreatePeering { a, b }),
        (any::<usize>(), 0u8..3).prop_map(|(pcx, act)| Op::Peering { pcx, act }),
        (any::<usize>(), 0u8..20, any::<bool>()).prop_map(|(subnet, block, prefix)| Op::Reserve {
            subnet,
            block,
            prefix
        }),
    ]
}

/// Ids that successful requests returned.
#[derive(Default)]
struct Known {
    vpcs: Vec<String>,
    subnets: Vec<String>,
    sgs: Vec<String>,
    tasks: Vec<String>,
    clusters: Vec<String>,
    prefix_lists: Vec<String>,
    peerings: Vec<String>,
}

fn pick(v: &[String], i: usize, fallback: &str) -> String {
    if v.is_empty() {
        fallback.to_string()
    } else {
        v[i % v.len()].clone()
    }
}

fn ec2(params: &[(&str, String)]) -> Request {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("Version", "2016-11-15");
    for (k, v) in params {
        body.append_pair(k, v);
    }
    Request {
        method: "POST".into(),
        path: "/".into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: body.finish().into_bytes(),
        ..Default::default()
    }
}

fn ecs(op: &str, body: serde_json::Value) -> Request {
    Request {
        method: "POST".into(),
        path: "/".into(),
        headers: vec![
            (
                "x-amz-target".into(),
                format!("AmazonEC2ContainerServiceV20141113.{op}"),
            ),
            ("content-type".into(), "application/x-amz-json-1.1".into()),
        ],
        body: body.to_string().into_bytes(),
        ..Default::default()
    }
}

fn tags(n: usize) -> Vec<(String, String)> {
    (0..n).map(|i| (format!("k{i}"), format!("v{i}"))).collect()
}

fn request(op: &Op, k: &Known) -> Request {
    let cidrs = [
        "10.0.0.0/16",
        "10.1.0.0/16",
        "10.0.0.0/8",
        "bogus",
        "172.31.0.0/16",
        "10.2.0.0/28",
    ];
    let vpc = |i| pick(&k.vpcs, i, "vpc-0000000000000000a");
    match op {
        Op::CreateVpc(c) => ec2(&[
            ("Action", "CreateVpc".into()),
            ("CidrBlock", cidrs[*c as usize % cidrs.len()].into()),
        ]),
        Op::CreateSubnet { vpc: v, block } => ec2(&[
            ("Action", "CreateSubnet".into()),
            ("VpcId", vpc(*v)),
            ("CidrBlock", format!("10.{}.{}.0/24", block / 6, block)),
        ]),
        Op::DeleteVpc(v) => ec2(&[("Action", "DeleteVpc".into()), ("VpcId", vpc(*v))]),
        Op::DeleteSubnet(s) => ec2(&[
            ("Action", "DeleteSubnet".into()),
            ("SubnetId", pick(&k.subnets, *s, "subnet-0000000000000000a")),
        ]),
        Op::CreateSecurityGroup { vpc: v, name } => ec2(&[
            ("Action", "CreateSecurityGroup".into()),
            ("VpcId", vpc(*v)),
            ("GroupName", format!("g{name}")),
            ("GroupDescription", "d".into()),
        ]),
        Op::Authorize { sg, port } => ec2(&[
            ("Action", "AuthorizeSecurityGroupIngress".into()),
            ("GroupId", pick(&k.sgs, *sg, "sg-0000000000000000a")),
            ("IpPermissions.1.IpProtocol", "tcp".into()),
            ("IpPermissions.1.FromPort", port.to_string()),
            ("IpPermissions.1.ToPort", port.to_string()),
            ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/16".into()),
        ]),
        Op::CreateTags { resource, n } => {
            let all: Vec<String> = k
                .vpcs
                .iter()
                .chain(&k.subnets)
                .chain(&k.sgs)
                .cloned()
                .collect();
            let mut p = vec![
                ("Action", "CreateTags".to_string()),
                (
                    "ResourceId.1",
                    pick(&all, *resource, "vpc-0000000000000000a"),
                ),
            ];
            let t = tags(*n);
            let keys: Vec<String> = (1..=t.len()).map(|i| format!("Tag.{i}.Key")).collect();
            let vals: Vec<String> = (1..=t.len()).map(|i| format!("Tag.{i}.Value")).collect();
            for (i, (tk, tv)) in t.iter().enumerate() {
                p.push((keys[i].as_str(), tk.clone()));
                p.push((vals[i].as_str(), tv.clone()));
            }
            let owned: Vec<(String, String)> =
                p.into_iter().map(|(a, b)| (a.to_string(), b)).collect();
            let refs: Vec<(&str, String)> =
                owned.iter().map(|(a, b)| (a.as_str(), b.clone())).collect();
            ec2(&refs)
        }
        Op::CreateEni { subnet, ips } => ec2(&[
            ("Action", "CreateNetworkInterface".into()),
            (
                "SubnetId",
                pick(&k.subnets, *subnet, "subnet-0000000000000000a"),
            ),
            ("SecondaryPrivateIpAddressCount", ips.to_string()),
        ]),
        Op::AllocateAddress => ec2(&[
            ("Action", "AllocateAddress".into()),
            ("Domain", "vpc".into()),
        ]),
        Op::CreateCluster(n) => ecs(
            "CreateCluster",
            serde_json::json!({"clusterName": format!("c{n}")}),
        ),
        Op::RegisterTaskDefinition { bad } => ecs(
            "RegisterTaskDefinition",
            serde_json::json!({
                "family": "web",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": if *bad { "100" } else { "512" },
                "containerDefinitions": [{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest"}],
            }),
        ),
        Op::RunTask {
            subnet,
            count,
            public,
        } => ecs(
            "RunTask",
            serde_json::json!({
                "cluster": pick(&k.clusters, *subnet, "c0"),
                "taskDefinition": "web",
                "launchType": "FARGATE",
                "count": count,
                "networkConfiguration": {"awsvpcConfiguration": {
                    "subnets": [pick(&k.subnets, *subnet, "subnet-0000000000000000a")],
                    "assignPublicIp": if *public { "ENABLED" } else { "DISABLED" },
                }},
            }),
        ),
        Op::StopTask(t) => ecs(
            "StopTask",
            serde_json::json!({
                "cluster": pick(&k.clusters, *t, "c0"),
                "task": pick(&k.tasks, *t, "0123456789abcdef0123456789abcdef"),
            }),
        ),
        Op::TagResource { target, n } => {
            let arn = if k.tasks.is_empty() || target % 2 == 0 {
                format!(
                    "arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/{}",
                    pick(&k.clusters, *target, "c0")
                )
            } else {
                pick(&k.tasks, *target, "")
            };
            let t: Vec<serde_json::Value> = tags(*n)
                .into_iter()
                .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
                .collect();
            ecs(
                "TagResource",
                serde_json::json!({"resourceArn": arn, "tags": t}),
            )
        }
        Op::PutAccountSetting { value } => {
            let v = ["enabled", "disabled", "sometimes"][*value as usize % 3];
            ecs(
                "PutAccountSettingDefault",
                serde_json::json!({"name": "dualStackIPv6", "value": v}),
            )
        }
        Op::DeleteCluster(n) => ecs(
            "DeleteCluster",
            serde_json::json!({"cluster": format!("c{n}")}),
        ),
        Op::CreateRouteTable {
            vpc: v,
            token,
            tagged,
        } => {
            let mut p = vec![
                ("Action", "CreateRouteTable".to_string()),
                ("VpcId", vpc(*v)),
                ("ClientToken", format!("t{token}")),
            ];
            if *tagged {
                p.push(("TagSpecification.1.ResourceType", "route-table".into()));
                p.push(("TagSpecification.1.Tag.1.Key", "k".into()));
                p.push(("TagSpecification.1.Tag.1.Value", "v".into()));
            }
            ec2(&p)
        }
        Op::CreatePrefixList { max, entries } => {
            let mut p = vec![
                ("Action", "CreateManagedPrefixList".to_string()),
                ("PrefixListName", "pl".into()),
                ("AddressFamily", "IPv4".into()),
                ("MaxEntries", max.to_string()),
            ];
            let keys: Vec<String> = (1..=*entries).map(|i| format!("Entry.{i}.Cidr")).collect();
            for (i, key) in keys.iter().enumerate() {
                p.push((key.as_str(), format!("10.{}.0.0/16", i % 3)));
            }
            ec2(&p)
        }
        Op::ModifyPrefixList { pl, add, version } => ec2(&[
            ("Action", "ModifyManagedPrefixList".into()),
            (
                "PrefixListId",
                pick(&k.prefix_lists, *pl, "pl-0000000000000000a"),
            ),
            ("CurrentVersion", version.to_string()),
            ("AddEntry.1.Cidr", format!("192.168.{add}.0/24")),
        ]),
        Op::CreatePeering { a, b } => ec2(&[
            ("Action", "CreateVpcPeeringConnection".into()),
            ("VpcId", vpc(*a)),
            ("PeerVpcId", vpc(*b)),
        ]),
        Op::Peering { pcx, act } => ec2(&[
            (
                "Action",
                [
                    "AcceptVpcPeeringConnection",
                    "RejectVpcPeeringConnection",
                    "DeleteVpcPeeringConnection",
                ][*act as usize % 3]
                    .into(),
            ),
            (
                "VpcPeeringConnectionId",
                pick(&k.peerings, *pcx, "pcx-0000000000000000a"),
            ),
        ]),
        Op::Reserve {
            subnet,
            block,
            prefix,
        } => ec2(&[
            ("Action", "CreateSubnetCidrReservation".into()),
            (
                "SubnetId",
                pick(&k.subnets, *subnet, "subnet-0000000000000000a"),
            ),
            ("Cidr", format!("10.{}.{}.0/28", block / 6, block)),
            (
                "ReservationType",
                if *prefix { "prefix" } else { "explicit" }.into(),
            ),
        ]),
    }
}

/// Remember the ids a successful response names.
fn learn(op: &Op, body: &str, k: &mut Known) {
    let between = |tag: &str| -> Option<String> {
        let open = format!("<{tag}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find('<')? + start;
        Some(body[start..end].to_string())
    };
    match op {
        Op::CreateVpc(_) => k.vpcs.extend(between("vpcId")),
        Op::CreateSubnet { .. } => k.subnets.extend(between("subnetId")),
        Op::CreateSecurityGroup { .. } => k.sgs.extend(between("groupId")),
        Op::CreateCluster(n) => k.clusters.push(format!("c{n}")),
        Op::CreatePrefixList { .. } => k.prefix_lists.extend(between("prefixListId")),
        Op::CreatePeering { .. } => k.peerings.extend(between("vpcPeeringConnectionId")),
        Op::RunTask { .. } => {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
                for t in v["tasks"].as_array().into_iter().flatten() {
                    if let Some(a) = t["taskArn"].as_str() {
                        k.tasks.push(a.to_string());
                    }
                }
            }
        }
        _ => {}
    }
}

fn settings() -> Settings {
    Settings {
        account_id: ACCOUNT.into(),
        default_region: "us-east-1".into(),
        lifecycle: Lifecycle::fast(),
        elb: model::elb::ElbTiming::fast(),
    }
}

async fn fingerprint(c: &Control) -> String {
    c.read_cloud(|w| w.fingerprint()).await.unwrap()
}

/// Run `ops`; return how many failed (each checked to have changed nothing).
async fn run(ops: &[Op]) -> (usize, usize) {
    let control =
        Arc::new(Control::start(Box::new(SqliteStore::in_memory().unwrap()), settings()).unwrap());
    let api = Api::new(control.clone());
    let mut k = Known::default();
    let (mut failed, mut ok) = (0, 0);
    for (i, op) in ops.iter().enumerate() {
        let before = fingerprint(&control).await;
        let resp = api.handle(request(op, &k)).await;
        let body = String::from_utf8_lossy(&resp.body).into_owned();
        if std::env::var_os("SHOW_OPS").is_some() {
            eprintln!("{op:?} -> {} {}", resp.status, &body[..body.len().min(200)]);
        }
        if resp.status >= 400 {
            failed += 1;
            let after = fingerprint(&control).await;
            assert!(
                before == after,
                "request {i} {op:?} failed ({} {body}) but changed the world",
                resp.status
            );
        } else {
            ok += 1;
            learn(op, &body, &mut k);
        }
    }
    control.shutdown();
    (failed, ok)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn failed_requests_change_nothing(ops in proptest::collection::vec(op(), 10..60)) {
        runtime().block_on(run(&ops));
    }
}

/// The case that used to store its tags and then answer the limit error.
#[test]
fn tag_resource_over_the_limit_stores_nothing() {
    runtime().block_on(async {
        let ops = [
            Op::CreateCluster(0),
            Op::TagResource { target: 0, n: 40 },
            Op::TagResource { target: 0, n: 51 },
        ];
        let (failed, ok) = run(&ops).await;
        assert_eq!((failed, ok), (1, 2), "the 51-tag request is refused");
    });
}

/// A sequence with failures of every kind: the property has something to check.
#[test]
fn sequences_fail_often_enough_to_matter() {
    runtime().block_on(async {
        let ops = [
            Op::CreateVpc(0),
            Op::CreateVpc(0),
            Op::CreateVpc(3),
            Op::CreateSubnet { vpc: 0, block: 1 },
            Op::CreateSubnet { vpc: 0, block: 1 },
            Op::CreateSecurityGroup { vpc: 0, name: 0 },
            Op::CreateSecurityGroup { vpc: 0, name: 0 },
            Op::Authorize { sg: 0, port: 70000 },
            Op::DeleteVpc(0),
            Op::CreateTags { resource: 0, n: 51 },
            Op::CreateCluster(0),
            Op::RegisterTaskDefinition { bad: true },
            Op::RegisterTaskDefinition { bad: false },
            Op::RunTask {
                subnet: 0,
                count: 11,
                public: true,
            },
            Op::RunTask {
                subnet: 0,
                count: 3,
                public: true,
            },
            Op::PutAccountSetting { value: 2 },
        ];
        let (failed, ok) = run(&ops).await;
        assert!(failed >= 9 && ok >= 6, "failed {failed}, ok {ok}");
    });
}
