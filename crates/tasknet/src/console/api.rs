//! The console's view models: what the page (and any script) reads from
//! `/_tasknet/console/api/…`, built from the model under the world's read
//! lock as plain owned structs and serialized after the lock is released.
//! The JSON shapes are documented in `docs/console.md`; field names are
//! camelCase like the AWS JSON APIs.
//!
//! Everything here is a pure function of a `Region` (or the `Cloud`) and
//! `now`, so the unit tests build a world and look.

use model::ec2::types::{NetworkInterface, RouteDest, RouteTable, RouteTarget, Subnet, Tag, Vpc};
use model::ecs::types::Task;
use model::elb::ElbTiming;
use model::world::Region;
use model::Millis;
use serde::Serialize;

fn name_of(tags: &[Tag]) -> Option<String> {
    tags.iter()
        .find(|t| t.key == "Name")
        .map(|t| t.value.clone())
}

// ---------------------------------------------------------------------------
// Accounts and Regions
// ---------------------------------------------------------------------------

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AccountsView {
    pub default_account: String,
    pub default_region: String,
    pub accounts: Vec<AccountView>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: String,
    pub is_default: bool,
    /// Regions with something besides their default VPC, or with tasks.
    pub busy_regions: Vec<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RegionsView {
    pub account: String,
    pub regions: Vec<RegionSummary>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RegionSummary {
    pub name: String,
    pub vpcs: usize,
    pub tasks: usize,
    pub load_balancers: usize,
}

pub fn region_summary(r: &Region) -> RegionSummary {
    RegionSummary {
        name: r.name().to_string(),
        vpcs: r.vpcs.len(),
        tasks: r.ecs.tasks.len(),
        load_balancers: r.elb.load_balancers.len(),
    }
}

/// A Region someone has used: more than the default VPC, or tasks or
/// load balancers.
pub fn is_busy(r: &Region) -> bool {
    r.vpcs.len() > 1 || !r.ecs.tasks.is_empty() || !r.elb.load_balancers.is_empty()
}

// ---------------------------------------------------------------------------
// VPC list
// ---------------------------------------------------------------------------

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct VpcsView {
    pub account: String,
    pub region: String,
    pub vpcs: Vec<VpcSummary>,
    /// The VPC the page opens when none is chosen: the one with the most
    /// tasks, else the newest that is not the default VPC, else the default.
    pub suggested: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct VpcSummary {
    pub id: String,
    pub name: Option<String>,
    pub cidrs: Vec<String>,
    pub is_default: bool,
    pub subnets: usize,
    pub tasks: usize,
}

pub fn vpcs_view(r: &Region) -> VpcsView {
    let mut tasks: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for t in r.ecs.tasks.iter() {
        *tasks.entry(t.network.vpc_id.as_str()).or_default() += 1;
    }
    let mut subnets: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for s in r.subnets.iter() {
        *subnets.entry(s.vpc_id.as_str()).or_default() += 1;
    }
    let vpcs: Vec<VpcSummary> = r
        .vpcs
        .iter()
        .map(|v| VpcSummary {
            id: v.id.clone(),
            name: name_of(&v.tags),
            cidrs: v.cidr_blocks.iter().map(|c| c.cidr.to_string()).collect(),
            is_default: v.is_default,
            subnets: subnets.get(v.id.as_str()).copied().unwrap_or(0),
            tasks: tasks.get(v.id.as_str()).copied().unwrap_or(0),
        })
        .collect();
    let suggested = vpcs
        .iter()
        .filter(|v| v.tasks > 0)
        .max_by_key(|v| v.tasks)
        .or_else(|| vpcs.iter().rev().find(|v| !v.is_default))
        .or_else(|| vpcs.first())
        .map(|v| v.id.clone());
    VpcsView {
        account: r.account_id.clone(),
        region: r.name().to_string(),
        vpcs,
        suggested,
    }
}

// ---------------------------------------------------------------------------
// One VPC: the map's view model
// ---------------------------------------------------------------------------

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct VpcView {
    pub account: String,
    pub region: String,
    pub vpc: VpcHeader,
    /// Availability Zones with subnets of this VPC, in zone order: the
    /// map's columns.
    pub zones: Vec<ZoneView>,
    pub subnets: Vec<SubnetView>,
    pub route_tables: Vec<RouteTableView>,
    pub internet_gateways: Vec<GatewayView>,
    pub egress_only_gateways: Vec<GatewayView>,
    pub nat_gateways: Vec<NatView>,
    pub endpoints: Vec<EndpointView>,
    pub security_groups: Vec<SecurityGroupView>,
    pub network_acls: Vec<NetworkAclView>,
    pub tasks: Vec<TaskChip>,
    #[serde(flatten)]
    pub elb: ElbView,
    /// ECS services of this VPC (see `services`).
    pub services: Vec<ServiceView>,
    /// Time the server took to build this view, in milliseconds.
    pub build_ms: f64,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct VpcHeader {
    pub id: String,
    pub name: Option<String>,
    pub cidrs: Vec<String>,
    pub ipv6_cidrs: Vec<String>,
    pub is_default: bool,
    pub dns_support: bool,
    pub dns_hostnames: bool,
    pub main_route_table_id: String,
    pub default_security_group_id: String,
    pub default_network_acl_id: String,
    pub dhcp_options_id: String,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ZoneView {
    pub name: String,
    pub id: String,
    /// Subnet ids in this zone, in creation order.
    pub subnets: Vec<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SubnetView {
    pub id: String,
    pub name: Option<String>,
    pub zone: String,
    pub cidr: Option<String>,
    pub ipv6_cidrs: Vec<String>,
    /// Free IPv4 addresses (`AvailableIpAddressCount`); `None` for IPv6-only.
    pub free: Option<u64>,
    /// Usable IPv4 addresses (the block less AWS's five).
    pub size: Option<u64>,
    /// `public` (a default route to an internet gateway), `private` or
    /// `ipv6-only`.
    pub kind: &'static str,
    pub map_public_ip_on_launch: bool,
    pub dns64: bool,
    pub route_table_id: Option<String>,
    /// The route table is the VPC's main table (no explicit association).
    pub main_route_table: bool,
    /// Where `0.0.0.0/0` and `::/0` go (and prefix-list routes of gateway
    /// endpoints): the map's arrows out of the subnet.
    pub default_routes: Vec<RouteView>,
    pub network_acl_id: Option<String>,
    /// Load balancer node ENIs and NAT gateways in this subnet.
    pub nat_gateways: Vec<String>,
    pub load_balancer_nodes: Vec<LbNodeView>,
    /// Other ENIs of the subnet that are not tasks' (endpoints, users').
    pub other_enis: usize,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RouteView {
    pub destination: String,
    /// The target's id (`local` for the local route).
    pub target: String,
    /// `local`, `internet-gateway`, `egress-only-internet-gateway`,
    /// `nat-gateway`, `vpc-endpoint`, `network-interface`,
    /// `vpc-peering-connection`.
    pub target_kind: &'static str,
    /// `active` or `blackhole`.
    pub state: &'static str,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableView {
    pub id: String,
    pub name: Option<String>,
    pub main: bool,
    pub subnets: Vec<String>,
    pub routes: Vec<RouteView>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct GatewayView {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NatView {
    pub id: String,
    pub name: Option<String>,
    pub subnet_id: String,
    pub state: String,
    pub connectivity: String,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    pub id: String,
    pub service: String,
    /// `Interface` or `Gateway`.
    pub endpoint_type: String,
    pub state: String,
    pub private_dns: bool,
    pub subnets: Vec<String>,
    pub route_tables: Vec<String>,
    pub security_groups: Vec<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub ingress_rules: usize,
    pub egress_rules: usize,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct NetworkAclView {
    pub id: String,
    pub is_default: bool,
    pub subnets: Vec<String>,
}

/// A task on the map.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskChip {
    pub id: String,
    pub arn: String,
    pub cluster: String,
    pub task_definition: String,
    pub group: String,
    /// The ECS service that started the task (`group` `service:<name>`).
    pub service: Option<String>,
    pub last_status: &'static str,
    pub desired_status: String,
    /// Increases with every change of the task: a client keeps the chip
    /// with the highest version.
    pub version: u64,
    pub subnet_id: String,
    pub zone: String,
    pub eni_id: Option<String>,
    pub private_ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub public_ipv4: Option<String>,
    pub security_groups: Vec<String>,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    pub created_at: i64,
}

pub fn task_chip(account: &str, t: &Task) -> TaskChip {
    let a = &t.attachment;
    let live = a.status != "DELETED";
    TaskChip {
        id: t.id.clone(),
        arn: t.arn(account),
        cluster: t.cluster.clone(),
        task_definition: t.task_definition.clone(),
        group: t.group.clone(),
        service: t.group.strip_prefix("service:").map(str::to_string),
        last_status: t.last_status.as_str(),
        desired_status: t.desired_status.clone(),
        version: t.version,
        subnet_id: t.network.subnet_id.clone(),
        zone: t.availability_zone.clone(),
        eni_id: a.eni_id.clone().filter(|_| live),
        private_ipv4: a.private_ipv4.clone(),
        ipv6: a.ipv6.clone(),
        public_ipv4: a.public_ipv4.clone(),
        security_groups: t.network.security_groups.clone(),
        stop_code: t.stop_code.clone(),
        stopped_reason: t.stopped_reason.clone(),
        created_at: t.created_at.0,
    }
}

/// The load balancers of a VPC, their listeners, and the target groups
/// with their targets' health (derived from the network at `now`).
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ElbView {
    pub load_balancers: Vec<LoadBalancerView>,
    pub target_groups: Vec<TargetGroupView>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerView {
    pub arn: String,
    pub name: String,
    /// `application` or `network`.
    pub lb_type: &'static str,
    pub scheme: String,
    pub ip_address_type: String,
    /// `provisioning` or `active`.
    pub state: &'static str,
    pub dns_name: String,
    pub security_groups: Vec<String>,
    pub nodes: Vec<LbNodeView>,
    pub listeners: Vec<ListenerView>,
}

#[derive(Serialize, Debug, PartialEq, Clone)]
#[serde(rename_all = "camelCase")]
pub struct LbNodeView {
    pub load_balancer: String,
    pub subnet_id: String,
    pub zone: String,
    pub eni_id: String,
    pub private_ipv4: Option<String>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListenerView {
    pub arn: String,
    pub protocol: String,
    pub port: i32,
    /// Target groups the listener (its default actions and its rules)
    /// forwards to.
    pub target_groups: Vec<String>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupView {
    pub arn: String,
    pub name: String,
    pub target_type: String,
    pub protocol: Option<String>,
    pub port: Option<i32>,
    pub load_balancers: Vec<String>,
    pub targets: Vec<TargetView>,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TargetView {
    pub id: String,
    pub port: Option<i32>,
    pub zone: Option<String>,
    /// `initial`, `healthy`, `unhealthy`, `unused`, `draining`,
    /// `unavailable`.
    pub state: &'static str,
    pub reason: Option<&'static str>,
    pub description: Option<&'static str>,
    /// The task holding the target's address, when one does.
    pub task_id: Option<String>,
}

/// An ECS service whose tasks run in the VPC: the page draws its name,
/// status, counts and target groups, and marks its tasks.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceView {
    pub arn: String,
    pub name: String,
    pub cluster: String,
    pub status: String,
    pub desired_count: i64,
    pub running_count: i64,
    pub pending_count: i64,
    pub task_definition: String,
    pub subnets: Vec<String>,
    pub target_groups: Vec<String>,
}

/// The services (not INACTIVE) whose deployments launch tasks into
/// subnets of `vpc_id`, by cluster and name.
pub fn services_in_vpc(r: &Region, vpc_id: &str) -> Vec<ServiceView> {
    let in_vpc = |id: &String| r.subnets.get(id).is_some_and(|s| s.vpc_id == vpc_id);
    let mut out: Vec<ServiceView> = r
        .ecs
        .services
        .iter()
        .filter(|s| s.status != "INACTIVE")
        .filter(|s| {
            s.deployments
                .iter()
                .filter_map(|d| d.network.as_ref())
                .any(|n| n.subnets.iter().any(in_vpc))
        })
        .map(|s| {
            let (running_count, pending_count) = r.service_counts(s, None);
            let primary = s.primary();
            ServiceView {
                arn: s.arn(&r.account_id),
                name: s.name.clone(),
                cluster: s.cluster.clone(),
                status: s.status.clone(),
                desired_count: s.desired_count,
                running_count,
                pending_count,
                task_definition: primary
                    .map(|d| d.task_definition.clone())
                    .unwrap_or_default(),
                subnets: primary
                    .and_then(|d| d.network.as_ref())
                    .map(|n| n.subnets.clone())
                    .unwrap_or_default(),
                target_groups: s
                    .load_balancers
                    .iter()
                    .map(|l| l.target_group_arn.clone())
                    .collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    out
}

fn route_view(r: &Region, rt: &RouteTable, route: &model::ec2::types::Route) -> RouteView {
    let (target, kind) = match &route.target {
        RouteTarget::Local => ("local".to_string(), "local"),
        RouteTarget::InternetGateway(g) => (g.clone(), "internet-gateway"),
        RouteTarget::EgressOnlyInternetGateway(g) => (g.clone(), "egress-only-internet-gateway"),
        RouteTarget::NatGateway(g) => (g.clone(), "nat-gateway"),
        RouteTarget::VpcEndpoint(g) => (g.clone(), "vpc-endpoint"),
        RouteTarget::NetworkInterface(g) => (g.clone(), "network-interface"),
        RouteTarget::VpcPeeringConnection(g) => (g.clone(), "vpc-peering-connection"),
    };
    RouteView {
        destination: route.dest.describe(),
        target,
        target_kind: kind,
        state: r.route_state(rt, route),
    }
}

/// The routes that lead out of the VPC by default: `0.0.0.0/0`, `::/0`
/// and prefix-list routes (gateway endpoints).
fn is_default_route(d: &RouteDest) -> bool {
    match d {
        RouteDest::V4(c) => c.to_string() == "0.0.0.0/0",
        RouteDest::V6(c) => c.to_string() == "::/0",
        RouteDest::PrefixList(_) => true,
    }
}

fn usable(s: &Subnet) -> Option<u64> {
    s.cidr
        .map(|c| (1u64 << (32 - u32::from(c.prefix_len()).min(32))).saturating_sub(5))
}

fn subnet_kind(s: &Subnet, routes: &[RouteView]) -> &'static str {
    if s.ipv6_native {
        "ipv6-only"
    } else if routes.iter().any(|r| {
        r.destination == "0.0.0.0/0" && r.target_kind == "internet-gateway" && r.state == "active"
    }) {
        "public"
    } else {
        "private"
    }
}

fn header(v: &Vpc) -> VpcHeader {
    VpcHeader {
        id: v.id.clone(),
        name: name_of(&v.tags),
        cidrs: v.cidr_blocks.iter().map(|c| c.cidr.to_string()).collect(),
        ipv6_cidrs: v.ipv6_blocks.iter().map(|c| c.cidr.to_string()).collect(),
        is_default: v.is_default,
        dns_support: v.enable_dns_support,
        dns_hostnames: v.enable_dns_hostnames,
        main_route_table_id: v.main_route_table_id.clone(),
        default_security_group_id: v.default_security_group_id.clone(),
        default_network_acl_id: v.default_network_acl_id.clone(),
        dhcp_options_id: v.dhcp_options_id.clone(),
    }
}

/// The whole map of one VPC. `None` if there is no such VPC.
pub fn vpc_view(r: &Region, vpc_id: &str, timing: &ElbTiming, now: Millis) -> Option<VpcView> {
    let started = std::time::Instant::now();
    let vpc = r.vpcs.get(vpc_id)?;
    let account = r.account_id.as_str();
    let subnets: Vec<&Subnet> = r.subnets.iter().filter(|s| s.vpc_id == vpc_id).collect();
    let tables: Vec<&RouteTable> = r
        .route_tables
        .iter()
        .filter(|t| t.vpc_id == vpc_id)
        .collect();
    let main_rt = tables.iter().find(|t| t.is_main()).copied();
    let explicit = |sid: &str| {
        tables
            .iter()
            .find(|t| {
                t.associations
                    .iter()
                    .any(|a| a.subnet_id.as_deref() == Some(sid))
            })
            .copied()
    };
    let acls: Vec<_> = r
        .network_acls
        .iter()
        .filter(|a| a.vpc_id == vpc_id)
        .collect();
    let elb = elb_view(r, vpc_id, timing, now);
    let mut lb_nodes: std::collections::HashMap<&str, Vec<LbNodeView>> =
        std::collections::HashMap::new();
    for lb in &elb.load_balancers {
        for n in &lb.nodes {
            lb_nodes
                .entry(n.subnet_id.as_str())
                .or_default()
                .push(n.clone());
        }
    }
    let mut other_enis: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for e in r.enis.iter().filter(|e| e.vpc_id == vpc_id) {
        if !matches!(
            e.owner,
            model::ec2::types::EniOwner::Fargate { .. }
                | model::ec2::types::EniOwner::LoadBalancer(_)
                | model::ec2::types::EniOwner::NatGateway(_)
        ) {
            *other_enis.entry(e.subnet_id.as_str()).or_default() += 1;
        }
    }
    let nats: Vec<NatView> = r
        .nat_gateways
        .iter()
        .filter(|n| n.vpc_id == vpc_id && n.state != "deleted")
        .map(|n| NatView {
            id: n.id.clone(),
            name: name_of(&n.tags),
            subnet_id: n.subnet_id.clone(),
            state: n.state.clone(),
            connectivity: n.connectivity_type.clone(),
            private_ip: n.private_ip.map(|x| x.to_string()),
            public_ip: n.public_ip.map(|x| x.to_string()),
        })
        .collect();
    let mut subnet_views = Vec::with_capacity(subnets.len());
    for s in &subnets {
        let rt = explicit(&s.id).or(main_rt);
        let default_routes: Vec<RouteView> = rt
            .map(|t| {
                t.routes
                    .iter()
                    .filter(|x| is_default_route(&x.dest))
                    .map(|x| route_view(r, t, x))
                    .collect()
            })
            .unwrap_or_default();
        subnet_views.push(SubnetView {
            id: s.id.clone(),
            name: name_of(&s.tags),
            zone: s.availability_zone.clone(),
            cidr: s.cidr.map(|c| c.to_string()),
            ipv6_cidrs: s.ipv6_blocks.iter().map(|b| b.cidr.to_string()).collect(),
            free: s.cidr.map(|_| r.available_ip_count(&s.id)),
            size: usable(s),
            kind: subnet_kind(s, &default_routes),
            map_public_ip_on_launch: s.map_public_ip_on_launch,
            dns64: s.enable_dns64,
            route_table_id: rt.map(|t| t.id.clone()),
            main_route_table: explicit(&s.id).is_none(),
            default_routes,
            network_acl_id: acls
                .iter()
                .find(|a| a.associations.iter().any(|x| x.subnet_id == s.id))
                .map(|a| a.id.clone()),
            nat_gateways: nats
                .iter()
                .filter(|n| n.subnet_id == s.id)
                .map(|n| n.id.clone())
                .collect(),
            load_balancer_nodes: lb_nodes.remove(s.id.as_str()).unwrap_or_default(),
            other_enis: other_enis.get(s.id.as_str()).copied().unwrap_or(0),
        });
    }
    let mut zones: Vec<ZoneView> = Vec::new();
    for s in &subnets {
        match zones.iter_mut().find(|z| z.name == s.availability_zone) {
            Some(z) => z.subnets.push(s.id.clone()),
            None => zones.push(ZoneView {
                name: s.availability_zone.clone(),
                id: s.availability_zone_id.clone(),
                subnets: vec![s.id.clone()],
            }),
        }
    }
    zones.sort_by(|a, b| a.name.cmp(&b.name));
    let route_tables = tables
        .iter()
        .map(|t| RouteTableView {
            id: t.id.clone(),
            name: name_of(&t.tags),
            main: t.is_main(),
            subnets: {
                let mut v: Vec<String> = t
                    .associations
                    .iter()
                    .filter_map(|a| a.subnet_id.clone())
                    .collect();
                if t.is_main() {
                    // The main table also governs every subnet without an
                    // explicit association.
                    for s in &subnets {
                        if explicit(&s.id).is_none() && !v.contains(&s.id) {
                            v.push(s.id.clone());
                        }
                    }
                }
                v
            },
            routes: t.routes.iter().map(|x| route_view(r, t, x)).collect(),
        })
        .collect();
    let mut tasks: Vec<TaskChip> = r
        .ecs
        .tasks
        .iter()
        .filter(|t| t.network.vpc_id == vpc_id)
        .map(|t| task_chip(account, t))
        .collect();
    tasks.sort_by_key(|t| t.created_at);
    let mut view = VpcView {
        account: account.to_string(),
        region: r.name().to_string(),
        vpc: header(vpc),
        zones,
        subnets: subnet_views,
        route_tables,
        internet_gateways: r
            .internet_gateways
            .iter()
            .filter(|g| g.vpc_id.as_deref() == Some(vpc_id))
            .map(|g| GatewayView {
                id: g.id.clone(),
                name: name_of(&g.tags),
            })
            .collect(),
        egress_only_gateways: r
            .egress_only_gateways
            .iter()
            .filter(|g| g.vpc_id == vpc_id)
            .map(|g| GatewayView {
                id: g.id.clone(),
                name: name_of(&g.tags),
            })
            .collect(),
        nat_gateways: nats,
        endpoints: r
            .vpc_endpoints
            .iter()
            .filter(|e| e.vpc_id == vpc_id)
            .map(|e| EndpointView {
                id: e.id.clone(),
                service: e.service_name.clone(),
                endpoint_type: e.endpoint_type.clone(),
                state: e.state.clone(),
                private_dns: e.private_dns_enabled,
                subnets: e.subnet_ids.clone(),
                route_tables: e.route_table_ids.clone(),
                security_groups: e.security_group_ids.clone(),
            })
            .collect(),
        security_groups: r
            .security_groups
            .iter()
            .filter(|g| g.vpc_id == vpc_id)
            .map(|g| SecurityGroupView {
                id: g.id.clone(),
                name: g.name.clone(),
                description: g.description.clone(),
                ingress_rules: g.rules.iter().filter(|x| !x.egress).count(),
                egress_rules: g.rules.iter().filter(|x| x.egress).count(),
            })
            .collect(),
        network_acls: acls
            .iter()
            .map(|a| NetworkAclView {
                id: a.id.clone(),
                is_default: a.is_default,
                subnets: a.associations.iter().map(|x| x.subnet_id.clone()).collect(),
            })
            .collect(),
        tasks,
        elb,
        services: services_in_vpc(r, vpc_id),
        build_ms: 0.0,
    };
    view.build_ms = started.elapsed().as_secs_f64() * 1000.0;
    Some(view)
}

/// Load balancers and target groups of a VPC with target health at `now`
/// (health is derived on read, so it is computed for every view).
pub fn elb_view(r: &Region, vpc_id: &str, timing: &ElbTiming, now: Millis) -> ElbView {
    // Which task holds an address, to link targets to chips.
    let mut holder: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for t in r.ecs.tasks.iter().filter(|t| t.network.vpc_id == vpc_id) {
        if t.attachment.status == "DELETED" {
            continue;
        }
        for ip in [&t.attachment.private_ipv4, &t.attachment.ipv6]
            .into_iter()
            .flatten()
        {
            holder.insert(ip.as_str(), t.id.as_str());
        }
    }
    let load_balancers = r
        .load_balancers_in_vpc(vpc_id)
        .into_iter()
        .map(|lb| {
            let listeners = r
                .elb
                .listeners
                .iter()
                .filter(|l| l.load_balancer_arn == lb.arn)
                .map(|l| {
                    let mut groups: Vec<String> = Vec::new();
                    let actions = l.default_actions.iter().chain(
                        r.elb
                            .rules
                            .iter()
                            .filter(|x| x.listener_arn == l.arn)
                            .flat_map(|x| x.actions.iter()),
                    );
                    for a in actions {
                        for g in a.target_groups() {
                            if !groups.iter().any(|x| x == g) {
                                groups.push(g.to_string());
                            }
                        }
                    }
                    ListenerView {
                        arn: l.arn.clone(),
                        protocol: l.protocol.clone(),
                        port: l.port,
                        target_groups: groups,
                    }
                })
                .collect();
            LoadBalancerView {
                arn: lb.arn.clone(),
                name: lb.name.clone(),
                lb_type: lb.lb_type.as_str(),
                scheme: lb.scheme.clone(),
                ip_address_type: lb.ip_address_type.clone(),
                state: lb.state(timing, now),
                dns_name: lb.dns_name(),
                security_groups: lb.security_groups.clone(),
                nodes: lb
                    .subnets
                    .iter()
                    .map(|s| LbNodeView {
                        load_balancer: lb.arn.clone(),
                        subnet_id: s.subnet_id.clone(),
                        zone: s.availability_zone.clone(),
                        eni_id: s.eni_id.clone(),
                        private_ipv4: r
                            .enis
                            .get(&s.eni_id)
                            .and_then(NetworkInterface::primary_ip)
                            .map(|x| x.to_string()),
                    })
                    .collect(),
                listeners,
            }
        })
        .collect();
    let target_groups = r
        .target_groups_in_vpc(vpc_id)
        .into_iter()
        .map(|tg| TargetGroupView {
            arn: tg.arn.clone(),
            name: tg.name.clone(),
            target_type: tg.target_type.clone(),
            protocol: tg.protocol.clone(),
            port: tg.port,
            load_balancers: r.target_group_load_balancers(&tg.arn),
            targets: r
                .describe_target_health(&tg.arn, &[], timing, now)
                .unwrap_or_default()
                .into_iter()
                .map(|d| TargetView {
                    task_id: holder.get(d.id.as_str()).map(|x| x.to_string()),
                    id: d.id,
                    port: d.port,
                    zone: d.availability_zone,
                    state: d.health.state,
                    reason: d.health.reason,
                    description: d.health.description,
                })
                .collect(),
        })
        .collect();
    ElbView {
        load_balancers,
        target_groups,
    }
}

// ---------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// `vpc`, `subnet`, `security-group`, `network-interface`, `task`,
    /// `route-table`, `internet-gateway`, `egress-only-internet-gateway`,
    /// `nat-gateway`, `vpc-endpoint`, `network-acl`, `load-balancer`,
    /// `target-group`.
    pub kind: &'static str,
    pub id: String,
    pub region: String,
    pub vpc_id: Option<String>,
    /// A line for people: name, CIDR, address, status.
    pub label: String,
    /// For a task: its ARN (the page selects it).
    pub task_arn: Option<String>,
}

/// How a query string is matched against an id.
fn matches(id: &str, q: &str) -> bool {
    id.to_ascii_lowercase().contains(q)
}

/// Everything in `r` whose id (or task ARN, or address) matches `q`
/// (lower case), at most `limit` hits; exact matches first.
pub fn search_region(r: &Region, q: &str, limit: usize, out: &mut Vec<SearchHit>) {
    let region = r.name().to_string();
    let account = r.account_id.as_str();
    // A task ARN names its id after the last '/'.
    let task_q = if q.starts_with("arn:aws:ecs:") && q.contains(":task/") {
        q.rsplit('/').next().unwrap_or(q)
    } else {
        q
    };
    macro_rules! hit {
        ($kind:expr, $id:expr, $vpc:expr, $label:expr) => {{
            if out.len() >= limit {
                return;
            }
            out.push(SearchHit {
                kind: $kind,
                id: $id.to_string(),
                region: region.clone(),
                vpc_id: $vpc,
                label: $label,
                task_arn: None,
            });
        }};
    }
    for t in r.ecs.tasks.iter() {
        let arn = t.arn(account);
        if matches(&t.id, task_q) || arn.to_ascii_lowercase() == q {
            if out.len() >= limit {
                return;
            }
            out.push(SearchHit {
                kind: "task",
                id: t.id.clone(),
                region: region.clone(),
                vpc_id: Some(t.network.vpc_id.clone()),
                label: format!(
                    "{} {} {}",
                    t.task_definition,
                    t.last_status.as_str(),
                    t.attachment.private_ipv4.as_deref().unwrap_or("")
                )
                .trim_end()
                .to_string(),
                task_arn: Some(arn),
            });
        }
    }
    for v in r.vpcs.iter().filter(|v| matches(&v.id, q)) {
        let cidr = v.primary_cidr().map(|c| c.to_string()).unwrap_or_default();
        hit!("vpc", v.id, Some(v.id.clone()), labelled(&v.tags, cidr));
    }
    for s in r.subnets.iter().filter(|s| matches(&s.id, q)) {
        let cidr = s
            .cidr
            .map(|c| c.to_string())
            .unwrap_or_else(|| "IPv6-only".into());
        hit!(
            "subnet",
            s.id,
            Some(s.vpc_id.clone()),
            labelled(&s.tags, format!("{cidr} {}", s.availability_zone))
        );
    }
    for g in r.security_groups.iter().filter(|g| matches(&g.id, q)) {
        hit!(
            "security-group",
            g.id,
            Some(g.vpc_id.clone()),
            g.name.clone()
        );
    }
    for e in r.enis.iter() {
        let by_addr = e.private_ips.iter().any(|p| p.ip.to_string() == q)
            || e.ipv6_addresses.iter().any(|p| p.to_string() == q);
        if matches(&e.id, q) || by_addr {
            let ip = e.primary_ip().map(|x| x.to_string()).unwrap_or_default();
            hit!(
                "network-interface",
                e.id,
                Some(e.vpc_id.clone()),
                format!("{ip} {}", e.description).trim().to_string()
            );
        }
    }
    for t in r.route_tables.iter().filter(|t| matches(&t.id, q)) {
        hit!(
            "route-table",
            t.id,
            Some(t.vpc_id.clone()),
            labelled(&t.tags, if t.is_main() { "main" } else { "" }.into())
        );
    }
    for g in r.internet_gateways.iter().filter(|g| matches(&g.id, q)) {
        hit!(
            "internet-gateway",
            g.id,
            g.vpc_id.clone(),
            labelled(&g.tags, String::new())
        );
    }
    for g in r.egress_only_gateways.iter().filter(|g| matches(&g.id, q)) {
        hit!(
            "egress-only-internet-gateway",
            g.id,
            Some(g.vpc_id.clone()),
            labelled(&g.tags, String::new())
        );
    }
    for n in r.nat_gateways.iter().filter(|n| matches(&n.id, q)) {
        hit!(
            "nat-gateway",
            n.id,
            Some(n.vpc_id.clone()),
            labelled(&n.tags, n.state.clone())
        );
    }
    for e in r.vpc_endpoints.iter().filter(|e| matches(&e.id, q)) {
        hit!(
            "vpc-endpoint",
            e.id,
            Some(e.vpc_id.clone()),
            e.service_name.clone()
        );
    }
    for a in r.network_acls.iter().filter(|a| matches(&a.id, q)) {
        hit!(
            "network-acl",
            a.id,
            Some(a.vpc_id.clone()),
            labelled(&a.tags, if a.is_default { "default" } else { "" }.into())
        );
    }
    for lb in r.elb.load_balancers.iter() {
        if matches(&lb.arn, q) || lb.name.to_ascii_lowercase() == q {
            hit!(
                "load-balancer",
                lb.arn,
                Some(lb.vpc_id.clone()),
                lb.name.clone()
            );
        }
    }
    for tg in r.elb.target_groups.iter() {
        if matches(&tg.arn, q) || tg.name.to_ascii_lowercase() == q {
            hit!("target-group", tg.arn, tg.vpc_id.clone(), tg.name.clone());
        }
    }
}

fn labelled(tags: &[Tag], rest: String) -> String {
    match name_of(tags) {
        Some(n) if rest.is_empty() => n,
        Some(n) => format!("{n} · {rest}"),
        None => rest,
    }
}

/// Exact id matches first, then the rest in the order found.
pub fn rank(hits: &mut [SearchHit], q: &str) {
    hits.sort_by_key(|h| {
        let exact = h.id.to_ascii_lowercase() == q
            || h.task_arn
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
                == Some(q);
        !exact
    });
}

// ---------------------------------------------------------------------------
// One resource, for the details panel
// ---------------------------------------------------------------------------

/// The stored record of any resource with this id (the model's own
/// fields, as tasknet keeps them), with its kind and VPC. Derived values
/// the page shows next to it (free addresses, route states) are in the
/// VPC view.
pub fn resource(r: &Region, id: &str) -> Option<(&'static str, Option<String>, serde_json::Value)> {
    fn v<T: Serialize>(x: &T) -> serde_json::Value {
        serde_json::to_value(x).unwrap_or(serde_json::Value::Null)
    }
    if let Some(x) = r.vpcs.get(id) {
        return Some(("vpc", Some(x.id.clone()), v(x)));
    }
    if let Some(x) = r.subnets.get(id) {
        let mut j = v(x);
        j["availableIpAddressCount"] = serde_json::json!(r.available_ip_count(id));
        return Some(("subnet", Some(x.vpc_id.clone()), j));
    }
    if let Some(x) = r.security_groups.get(id) {
        return Some(("security-group", Some(x.vpc_id.clone()), v(x)));
    }
    if let Some(x) = r.enis.get(id) {
        return Some(("network-interface", Some(x.vpc_id.clone()), v(x)));
    }
    if let Some(x) = r.route_tables.get(id) {
        let mut j = v(x);
        j["routeStates"] = serde_json::json!(x
            .routes
            .iter()
            .map(|rt| route_view(r, x, rt))
            .collect::<Vec<_>>());
        return Some(("route-table", Some(x.vpc_id.clone()), j));
    }
    if let Some(x) = r.internet_gateways.get(id) {
        return Some(("internet-gateway", x.vpc_id.clone(), v(x)));
    }
    if let Some(x) = r.egress_only_gateways.get(id) {
        return Some(("egress-only-internet-gateway", Some(x.vpc_id.clone()), v(x)));
    }
    if let Some(x) = r.nat_gateways.get(id) {
        return Some(("nat-gateway", Some(x.vpc_id.clone()), v(x)));
    }
    if let Some(x) = r.vpc_endpoints.get(id) {
        return Some(("vpc-endpoint", Some(x.vpc_id.clone()), v(x)));
    }
    if let Some(x) = r.network_acls.get(id) {
        return Some(("network-acl", Some(x.vpc_id.clone()), v(x)));
    }
    if let Some(x) = r.elb.load_balancers.get(id) {
        return Some(("load-balancer", Some(x.vpc_id.clone()), v(x)));
    }
    if let Some(x) = r.elb.target_groups.get(id) {
        return Some(("target-group", x.vpc_id.clone(), v(x)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::World;

    const ACCOUNT: &str = "123456789012";

    fn world() -> World {
        World::new(ACCOUNT, 7, Millis(1_000))
    }

    #[test]
    fn the_default_vpc_is_a_map_of_public_subnets_in_every_zone() {
        let w = world();
        let r = w.region("us-east-1").unwrap();
        let vpcs = vpcs_view(r);
        assert_eq!(vpcs.vpcs.len(), 1);
        let id = vpcs.suggested.clone().unwrap();
        let v = vpc_view(r, &id, &ElbTiming::fast(), Millis(2_000)).unwrap();
        assert!(v.vpc.is_default);
        assert_eq!(v.vpc.cidrs, vec!["172.31.0.0/16"]);
        assert_eq!(
            v.zones.len(),
            v.subnets.len(),
            "one default subnet per zone"
        );
        for s in &v.subnets {
            assert_eq!(s.kind, "public", "{s:?}");
            assert_eq!(s.free, Some(4091), "a /20 less AWS's five");
            assert_eq!(s.size, Some(4091));
            assert!(s.main_route_table);
            let d = &s.default_routes[0];
            assert_eq!(
                (d.destination.as_str(), d.target_kind, d.state),
                ("0.0.0.0/0", "internet-gateway", "active")
            );
            assert!(d.target.starts_with("igw-"));
        }
        assert_eq!(v.internet_gateways.len(), 1);
        assert!(v.tasks.is_empty() && v.services.is_empty());
        let json = serde_json::to_value(&v).unwrap();
        for key in [
            "vpc",
            "zones",
            "subnets",
            "routeTables",
            "internetGateways",
            "natGateways",
            "endpoints",
            "tasks",
            "loadBalancers",
            "targetGroups",
            "services",
            "buildMs",
        ] {
            assert!(json.get(key).is_some(), "{key} missing");
        }
    }

    #[test]
    fn private_ipv6_only_and_blackhole_routes() {
        let mut w = world();
        let r = w.region_mut("us-east-1").unwrap();
        let vpc = r
            .create_vpc(
                model::ec2::vpc::CreateVpc {
                    cidr_block: Some("10.0.0.0/16".into()),
                    amazon_provided_ipv6: true,
                    ..Default::default()
                },
                Millis(1),
            )
            .unwrap();
        let priv_ = r
            .create_subnet(
                model::ec2::subnet::CreateSubnet {
                    vpc_id: vpc.clone(),
                    cidr_block: Some("10.0.1.0/24".into()),
                    availability_zone: Some("us-east-1b".into()),
                    ..Default::default()
                },
                Millis(1),
            )
            .unwrap();
        let v6block = r.vpcs.get(&vpc).unwrap().ipv6_blocks[0].cidr;
        let v6 = r
            .create_subnet(
                model::ec2::subnet::CreateSubnet {
                    vpc_id: vpc.clone(),
                    ipv6_cidr_block: Some(format!(
                        "{}/64",
                        std::net::Ipv6Addr::from(v6block.base())
                    )),
                    ipv6_native: true,
                    availability_zone: Some("us-east-1a".into()),
                    ..Default::default()
                },
                Millis(1),
            )
            .unwrap();
        // A route to an internet gateway that is then detached: blackhole.
        let igw = r.create_internet_gateway(Vec::new());
        r.attach_internet_gateway(&igw, &vpc).unwrap();
        let main = r.vpcs.get(&vpc).unwrap().main_route_table_id.clone();
        r.create_route(
            &main,
            &model::ec2::route_table::RouteDestArgs {
                cidr: Some("0.0.0.0/0".into()),
                ..Default::default()
            },
            &model::ec2::route_table::RouteTargetArgs {
                gateway_id: Some(igw.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        r.detach_internet_gateway(&igw, &vpc).unwrap();
        let v = vpc_view(r, &vpc, &ElbTiming::fast(), Millis(2)).unwrap();
        let by_id = |id: &str| v.subnets.iter().find(|s| s.id == id).unwrap();
        assert_eq!(by_id(&priv_).kind, "private");
        assert_eq!(by_id(&priv_).default_routes[0].state, "blackhole");
        assert_eq!(by_id(&v6).kind, "ipv6-only");
        assert_eq!(by_id(&v6).free, None);
        // Zones are columns in zone order, whatever the creation order.
        let zones: Vec<&str> = v.zones.iter().map(|z| z.name.as_str()).collect();
        assert_eq!(zones, ["us-east-1a", "us-east-1b"]);
        assert!(v.internet_gateways.is_empty(), "detached");
    }

    #[test]
    fn search_finds_ids_by_part_and_exact_first() {
        let w = world();
        let r = w.region("us-east-1").unwrap();
        let subnet = r.subnets.iter().next().unwrap().id.clone();
        let mut hits = Vec::new();
        search_region(r, &subnet.to_ascii_lowercase(), 50, &mut hits);
        rank(&mut hits, &subnet);
        assert_eq!(hits[0].kind, "subnet");
        assert_eq!(hits[0].id, subnet);
        let mut hits = Vec::new();
        search_region(r, "sg-", 50, &mut hits);
        assert!(!hits.is_empty() && hits.iter().all(|h| h.kind == "security-group"));
        let mut hits = Vec::new();
        search_region(r, "vpc-", 1, &mut hits);
        assert_eq!(hits.len(), 1, "the limit holds");
        let (kind, vpc, _) = resource(r, &subnet).unwrap();
        assert_eq!(kind, "subnet");
        assert!(vpc.unwrap().starts_with("vpc-"));
        assert!(resource(r, "subnet-nope").is_none());
    }

    #[test]
    fn services_extension_point_is_empty_until_the_model_has_services() {
        let w = world();
        let r = w.region("us-east-1").unwrap();
        let vpc = r.vpcs.iter().next().unwrap().id.clone();
        assert!(services_in_vpc(r, &vpc).is_empty());
        let s = ServiceView {
            arn: "arn:aws:ecs:us-east-1:123456789012:service/demo/web".into(),
            name: "web".into(),
            cluster: "demo".into(),
            status: "ACTIVE".into(),
            desired_count: 2,
            running_count: 1,
            pending_count: 1,
            task_definition: "web:1".into(),
            subnets: vec![],
            target_groups: vec![],
        };
        let j = serde_json::to_value(&s).unwrap();
        assert_eq!(j["desiredCount"], 2);
        assert_eq!(j["taskDefinition"], "web:1");
    }
}
