//! The desired state of the host, computed from the world: which VPC
//! fabrics and task namespaces must exist, and how each is configured. A
//! pure function of the model (`Desired::from_cloud`), so that an unchanged
//! world gives an unchanged desired state.

use model::cloud::Cloud;
use model::ecs::types::{Task, TaskStatus};
use model::world::Region;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The Route 53 Resolver's IPv6 address (Nitro), for IPv6-only tasks.
pub const RESOLVER6: &str = "fd00:ec2::253";

/// Names every tasknet namespace starts with; anything else is not ours.
pub const PREFIX: &str = "tasknet-";
/// Fabric (per-VPC router) namespaces: `tasknet-vpc-…`.
pub const FABRIC_PREFIX: &str = "tasknet-vpc-";

/// A task in the world: which account and Region it lives in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskKey {
    pub account: String,
    pub region: String,
    pub id: String,
}

/// A task's namespace and its ENI (N16–N18, N70).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    pub key: TaskKey,
    pub status: TaskStatus,
    /// Waiting in PROVISIONING for the data plane (attachment PRECREATED).
    pub waiting: bool,
    /// `tasknet-<task-id>`.
    pub netns: String,
    /// The VPC fabric namespace it hangs off.
    pub fabric: String,
    pub eni_id: String,
    /// The fabric side of its veth (`eni-` + 11 hex of the ENI id).
    pub link: String,
    pub mac: String,
    pub mtu: u32,
    pub subnet_id: String,
    /// (address, subnet prefix length, gateway = subnet base+1).
    pub ipv4: Option<(Ipv4Addr, u8, Ipv4Addr)>,
    /// (address, subnet prefix length).
    pub ipv6: Option<(Ipv6Addr, u8)>,
    /// Its public IPv4 (N12), translated 1:1 at the internet gateway.
    pub public_ip: Option<Ipv4Addr>,
    /// Its subnet's routing table in the fabric.
    pub table: u32,
    /// The resolv.conf view (N17: DHCP options at launch).
    pub nameservers: Vec<String>,
    pub search: Vec<String>,
    pub hostname: String,
    /// An IPv6-only task's link-local IPv4 address for the metadata
    /// endpoint (N61), which is reached over IPv4 as on Fargate.
    pub metadata_link: Option<Ipv4Addr>,
    /// A task with IPv6: the IPv4 address its NAT64 traffic has between
    /// the fabric's translator and the NAT gateway's translation
    /// (`linux/nat64.rs`), unique in its fabric.
    pub nat64_source: Option<Ipv4Addr>,
}

/// Where a subnet's route table sends an IPv4 destination (N72).
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    /// Within the VPC: the fabric's host routes.
    Local,
    /// Out of the internet gateway (1:1 NAT to public IPs).
    Internet,
    /// Through a public NAT gateway: out of the internet gateway, the
    /// source translated to the NAT gateway's Elastic IP (N72).
    Nat(Ipv4Addr),
    /// Through a gateway endpoint (S3, DynamoDB; a prefix-list route): to
    /// the service in tasknet's internet by the fabric's own link, the
    /// source translated to the fabric's uplink address (the internet has
    /// no route back to private addresses).
    Gateway,
    /// IPv6 out of an egress-only internet gateway: out, and replies back,
    /// but nothing from the internet opens a connection.
    EgressOnly,
    /// IPv6 to a public NAT gateway: what falls in 64:ff9b::/96 is
    /// translated to IPv4 from the NAT gateway's Elastic IP (NAT64, N14);
    /// the rest of the destination is dropped, as NAT gateways translate
    /// no other IPv6.
    Nat64(Ipv4Addr),
    /// Over a VPC peering connection (by id) to the peer VPC's fabric, when
    /// that fabric exists (the peer VPC has tasks); else dropped, as nobody
    /// there answers.
    Peering(String),
    /// Dropped: a blackhole route, or a target tasknet does not plumb yet.
    Blackhole,
}

/// A subnet that has tasks: its router address lives in the fabric, and
/// its route table is the fabric's policy-routing table `table`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubnetSpec {
    pub id: String,
    pub cidr4: Option<(Ipv4Addr, u8)>,
    pub cidr6: Option<(Ipv6Addr, u8)>,
    pub table: u32,
    /// IPv4 routes: (destination CIDR, where to).
    pub routes: Vec<(String, Via)>,
    /// IPv6 routes: `Local`, `Internet`, `EgressOnly`, `Nat64` or
    /// `Blackhole`.
    pub routes6: Vec<(String, Via)>,
}

impl SubnetSpec {
    /// Its IPv4 CIDR, as nft and ip write it.
    pub fn v4(&self) -> Option<String> {
        self.cidr4.map(|(n, l)| format!("{n}/{l}"))
    }
    /// Its IPv6 CIDR.
    pub fn v6(&self) -> Option<String> {
        self.cidr6.map(|(n, l)| format!("{n}/{l}"))
    }
    /// The Elastic IP its first IPv4 NAT-gateway route leaves from.
    fn nat4(&self) -> Option<Ipv4Addr> {
        self.routes.iter().find_map(|(_, via)| match via {
            Via::Nat(eip) => Some(*eip),
            _ => None,
        })
    }
    /// The Elastic IP its NAT64 leaves from, if a route of it translates.
    fn nat64(&self) -> Option<Ipv4Addr> {
        self.routes6.iter().find_map(|(d, via)| match via {
            Via::Nat64(eip) if nat64_part(d).is_some() => Some(*eip),
            _ => None,
        })
    }
    /// The destinations it sends to a gateway endpoint.
    fn gateway_dests(&self) -> Vec<String> {
        self.routes
            .iter()
            .filter(|(_, via)| *via == Via::Gateway)
            .map(|(d, _)| d.clone())
            .collect()
    }
}

/// The policy-routing table of a subnet in its fabric (stable per subnet).
pub fn subnet_table(subnet_id: &str) -> u32 {
    1000 + (fnv(subnet_id) % 60_000) as u32
}

/// A VPC that has tasks: its fabric namespace (the VPC router).
#[derive(Debug, Clone, PartialEq)]
pub struct VpcSpec {
    pub netns: String,
    pub account: String,
    pub region: String,
    pub vpc_id: String,
    /// The Amazon DNS server, VPC base+2.
    pub dns: Option<Ipv4Addr>,
    pub subnets: BTreeMap<String, SubnetSpec>,
    /// The VPC's CIDR blocks (routes to them stay in the VPC).
    pub cidrs: Vec<String>,
    /// Its IPv6 blocks (the internet routes them back to the fabric).
    pub cidrs6: Vec<String>,
    /// `enableDnsSupport`: without it the resolver answers nothing.
    pub dns_support: bool,
    /// Interface endpoints with private DNS: (name, `*.` for a wildcard,
    /// the addresses of its network interfaces by Availability Zone).
    pub endpoint_names: Vec<(String, Vec<EndpointAddress>)>,
    /// The VPC's subnets' CIDRs (IPv4 and IPv6), zones and whether DNS64
    /// is on: the resolver answers an endpoint name with the interface in
    /// the asker's zone, and synthesizes AAAA records for DNS64 subnets.
    pub zones: Vec<(String, String, bool)>,
    /// The network interfaces of its available interface endpoints: the
    /// fabric holds their addresses and answers on 443 (N70).
    pub endpoint_enis: Vec<EndpointEni>,
    /// Its links to the fabrics of the VPCs it is peered with.
    pub peers: Vec<PeerLink>,
    /// Its available public NAT gateways: (Elastic IP, the NAT gateway's
    /// subnet), whose network ACL what they carry crosses.
    pub nat_gateways: Vec<(Ipv4Addr, String)>,
}

/// Traffic of a subnet that leaves by a NAT gateway in another subnet
/// crosses that subnet's network ACL (in from the task, out to the
/// internet, and back), as the reachability engine checks.
#[derive(Debug, Clone, PartialEq)]
pub struct NatCrossing {
    /// The NAT gateway's subnet.
    pub nat_subnet: String,
    pub eip: Ipv4Addr,
    /// Whether it is the source's own subnet (then only the internet leg
    /// crosses its ACL, which the source's ACL chains already check).
    pub same_subnet: bool,
    /// The source subnet's IPv4 CIDR, when it leaves by this NAT gateway
    /// over IPv4, and the destinations it sends to a gateway endpoint
    /// instead.
    pub cidr4: Option<String>,
    pub gateway_dests: Vec<String>,
    /// The source subnet's IPv6 CIDR, when it leaves by it over NAT64.
    pub cidr6: Option<String>,
}

/// A VPC peering connection on the wire: a veth pair between the two
/// fabrics, named alike at both ends, with a link-local /30 (and fe80::1,
/// fe80::2) that the subnets' peering routes go through.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerLink {
    pub pcx: String,
    pub peer_fabric: String,
    /// `pcx-` + 11 hex of the connection id, in both fabrics.
    pub link: String,
    /// This end (1 or 2: the fabric whose name sorts first is 1).
    pub side: u8,
    /// The /30's base (169.254.0.0/17, picked by the connection id).
    pub base: Ipv4Addr,
}

impl PeerLink {
    fn of(pcx: &str, fabric: &str, peer_fabric: &str) -> PeerLink {
        let hex = pcx.strip_prefix("pcx-").unwrap_or(pcx);
        let base = u32::from(Ipv4Addr::new(169, 254, 0, 0)) + (fnv(pcx) % (1 << 13)) as u32 * 4;
        PeerLink {
            pcx: pcx.to_string(),
            peer_fabric: peer_fabric.to_string(),
            link: format!("pcx-{}", &hex[..hex.len().min(11)]),
            side: if fabric < peer_fabric { 1 } else { 2 },
            base: Ipv4Addr::from(base),
        }
    }
    /// (this end's, the peer end's) IPv4 address on the link.
    pub fn v4(&self) -> (Ipv4Addr, Ipv4Addr) {
        let b = u32::from(self.base);
        let (me, peer) = (u32::from(self.side), u32::from(3 - self.side));
        (Ipv4Addr::from(b + me), Ipv4Addr::from(b + peer))
    }
    /// (this end's, the peer end's) IPv6 link-local address on the link.
    pub fn v6(&self) -> (Ipv6Addr, Ipv6Addr) {
        let ll = |n: u8| Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(n));
        (ll(self.side), ll(3 - self.side))
    }
}

/// Where an interface endpoint's network interface answers: (zone, IPv4,
/// IPv6 of a dual-stack endpoint).
pub type EndpointAddress = (String, Option<Ipv4Addr>, Option<Ipv6Addr>);

/// An interface endpoint's network interface, answered by the fabric.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointEni {
    pub eni_id: String,
    pub ip: Option<Ipv4Addr>,
    /// A dual-stack or IPv6 endpoint's interface's IPv6 address.
    pub ip6: Option<Ipv6Addr>,
    pub subnet_id: String,
    /// `com.amazonaws.<region>.<service>`.
    pub service: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Desired {
    /// By fabric namespace name.
    pub vpcs: BTreeMap<String, VpcSpec>,
    /// By task id.
    pub tasks: BTreeMap<String, TaskSpec>,
    /// Tasks in DEPROVISIONING: their namespace must go, and the lifecycle
    /// waits to hear that it has.
    pub releasing: Vec<TaskKey>,
    /// Each fabric's nftables table (`firewall::ruleset`), by fabric name.
    pub firewalls: BTreeMap<String, String>,
    /// What each fabric's metadata endpoint answers (N61), by fabric name.
    pub metadata: BTreeMap<String, Vec<crate::metadata::TaskMetadata>>,
    /// A fault a test injected (`POST /_tasknet/faults` with job
    /// `dataplane-plumb`): the tasks plumbed in this pass fail with it.
    pub inject_failure: Option<String>,
}

fn fnv(s: &str) -> u64 {
    model::services::fnv(s)
}

/// `tasknet-vpc-<17 hex>-<4 hex of account and Region>`: VPC ids are
/// random per account, so two accounts' VPCs never share a fabric.
pub fn fabric_name(account: &str, region: &str, vpc_id: &str) -> String {
    let tail = vpc_id.strip_prefix("vpc-").unwrap_or(vpc_id);
    format!(
        "{FABRIC_PREFIX}{tail}-{:04x}",
        fnv(&format!("{account}/{region}")) & 0xffff
    )
}

pub fn task_netns(task_id: &str) -> String {
    format!("{PREFIX}{task_id}")
}

/// The fabric-side link of an ENI (IFNAMSIZ allows 15 characters).
pub fn link_name(eni_id: &str) -> String {
    let hex = eni_id.strip_prefix("eni-").unwrap_or(eni_id);
    format!("eni-{}", &hex[..hex.len().min(11)])
}

/// Is a task in a phase where its namespace exists (ENI plumbed, PROVISIONING
/// through STOPPING)?
fn has_network(t: &Task) -> bool {
    t.attachment.eni_id.is_some()
        && t.attachment.status != "DELETED"
        && t.last_status >= TaskStatus::Provisioning
        && t.last_status <= TaskStatus::Stopping
}

/// The private DNS names of a VPC's interface endpoints and the addresses
/// each answers with (its network interfaces', in order, by zone), as the
/// reachability engine picks them (`reach::path`).
fn endpoint_names(r: &Region, vpc: &str) -> Vec<(String, Vec<EndpointAddress>)> {
    let mut out = Vec::new();
    for e in r.vpc_endpoints.iter() {
        if e.vpc_id != vpc
            || e.endpoint_type != "Interface"
            || !e.private_dns_enabled
            || e.state != "available"
        {
            continue;
        }
        let Some(svc) = model::services::by_name(r.name(), &e.service_name) else {
            continue;
        };
        let Some(name) = svc.private_dns_name(r.name()) else {
            continue;
        };
        let ips: Vec<EndpointAddress> = e
            .network_interface_ids
            .iter()
            .filter_map(|id| r.enis.get(id))
            .map(|eni| {
                (
                    eni.availability_zone.clone(),
                    eni.primary_ip(),
                    eni.ipv6_addresses.first().copied(),
                )
            })
            .collect();
        if !ips.is_empty() {
            out.push((name, ips));
        }
    }
    out.sort();
    out
}

/// The network interfaces of a VPC's available interface endpoints.
fn endpoint_enis(r: &Region, vpc: &str) -> Vec<EndpointEni> {
    let mut out = Vec::new();
    for e in r.vpc_endpoints.iter() {
        if e.vpc_id != vpc || e.endpoint_type != "Interface" || e.state != "available" {
            continue;
        }
        for eni in e
            .network_interface_ids
            .iter()
            .filter_map(|id| r.enis.get(id))
        {
            let (ip, ip6) = (eni.primary_ip(), eni.ipv6_addresses.first().copied());
            if ip.is_some() || ip6.is_some() {
                out.push(EndpointEni {
                    eni_id: eni.id.clone(),
                    ip,
                    ip6,
                    subnet_id: eni.subnet_id.clone(),
                    service: e.service_name.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.eni_id.cmp(&b.eni_id));
    out
}

/// A subnet's IPv4 (or, with `v6`, IPv6) routes as the fabric routes
/// them (a prefix-list route becomes one route per entry of the family).
fn subnet_routes(r: &Region, subnet: &str, v6: bool) -> Vec<(String, Via)> {
    use model::ec2::types::{RouteDest, RouteTarget};
    use model::net::Cidr;
    let Some(rt) = r.route_table_for_subnet(subnet) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for route in &rt.routes {
        let dests: Vec<Cidr> = match &route.dest {
            RouteDest::V4(c) if !v6 => vec![Cidr::V4(*c)],
            RouteDest::V6(c) if v6 => vec![Cidr::V6(*c)],
            RouteDest::V4(_) | RouteDest::V6(_) => continue,
            RouteDest::PrefixList(p) => r
                .prefix_list_cidrs(p)
                .unwrap_or_default()
                .into_iter()
                .filter(|c| matches!(c, Cidr::V6(_)) == v6)
                .collect(),
        };
        for c in dests {
            let via = match (&route.target, r.route_state(rt, route)) {
                (_, "blackhole") => Via::Blackhole,
                (RouteTarget::Local, _) => Via::Local,
                (RouteTarget::InternetGateway(_), _) => Via::Internet,
                (RouteTarget::EgressOnlyInternetGateway(_), _) if v6 => Via::EgressOnly,
                (RouteTarget::NatGateway(id), _) => match c {
                    Cidr::V4(c) => nat_via(r, id, &c).unwrap_or(Via::Blackhole),
                    Cidr::V6(_) => nat64_via(r, id).unwrap_or(Via::Blackhole),
                },
                (RouteTarget::VpcPeeringConnection(id), _) => Via::Peering(id.clone()),
                (RouteTarget::VpcEndpoint(id), _)
                    if r.vpc_endpoints
                        .get(id)
                        .is_some_and(|e| e.endpoint_type == "Gateway") =>
                {
                    Via::Gateway
                }
                _ => Via::Blackhole,
            };
            let dest = c.to_string();
            // A CIDR in both a prefix list and a route of its own: the
            // route table keeps the first, as `ip route add` would.
            if !out.iter().any(|(d, _)| *d == dest) {
                out.push((dest, via));
            }
        }
    }
    out
}

impl Desired {
    /// Everything every account's tasks need.
    pub fn from_cloud(c: &Cloud) -> Desired {
        let mut d = Desired::default();
        for w in c.accounts() {
            for r in w.regions() {
                if r.ecs.tasks.is_empty() {
                    continue;
                }
                d.add_region(&w.account_id, r);
            }
        }
        d
    }

    fn add_region(&mut self, account: &str, r: &Region) {
        let mut specs = Vec::new();
        for t in r.ecs.tasks.iter() {
            let key = TaskKey {
                account: account.to_string(),
                region: r.name().to_string(),
                id: t.id.clone(),
            };
            if t.last_status == TaskStatus::Deprovisioning {
                self.releasing.push(key);
                continue;
            }
            if !has_network(t) {
                continue;
            }
            if let Some(spec) = self.task_spec(r, t, key) {
                specs.push((spec, t));
            }
        }
        allocate(
            &mut specs,
            |t| t.ipv4.is_none() && t.ipv6.is_some(),
            &METADATA_LINKS,
            |t, a| t.metadata_link = Some(a),
        );
        allocate(
            &mut specs,
            |t| t.ipv6.is_some(),
            &NAT64_SOURCES,
            |t, a| t.nat64_source = Some(a),
        );
        for (spec, t) in specs {
            let sources = spec
                .ipv4
                .map(|(a, _, _)| IpAddr::V4(a))
                .into_iter()
                .chain(spec.ipv6.map(|(a, _)| IpAddr::V6(a)))
                .chain(spec.metadata_link.map(IpAddr::V4))
                .collect();
            self.metadata
                .entry(spec.fabric.clone())
                .or_default()
                .push(crate::metadata::TaskMetadata::of(r, t, sources));
            self.tasks.insert(spec.key.id.clone(), spec);
        }
        self.link_peers(account, r);
        // The firewall of each of this Region's fabrics, from its ENIs.
        let fabrics: Vec<&VpcSpec> = self
            .vpcs
            .values()
            .filter(|v| v.account == account && v.region == r.name())
            .collect();
        let mut firewalls = Vec::new();
        for v in fabrics {
            let ports: Vec<crate::firewall::Port> = self
                .tasks
                .values()
                .filter(|t| t.fabric == v.netns)
                .filter_map(|t| {
                    Some(crate::firewall::Port {
                        link: &t.link,
                        eni: r.enis.get(&t.eni_id)?,
                    })
                })
                .collect();
            let endpoint_links: Vec<(String, &EndpointEni)> = v
                .endpoint_enis
                .iter()
                .map(|e| (link_name(&e.eni_id), e))
                .collect();
            let local: Vec<crate::firewall::Port> = endpoint_links
                .iter()
                .filter_map(|(link, e)| {
                    Some(crate::firewall::Port {
                        link,
                        eni: r.enis.get(&e.eni_id)?,
                    })
                })
                .collect();
            // The ACLs of every subnet a flow may cross: the tasks' and
            // the endpoints'.
            let crossings = nat_crossings(v);
            let ids: BTreeSet<&str> = v
                .subnets
                .keys()
                .map(String::as_str)
                .chain(v.endpoint_enis.iter().map(|e| e.subnet_id.as_str()))
                .chain(crossings.iter().map(|c| c.nat_subnet.as_str()))
                .collect();
            let subnets: Vec<(String, Option<String>, Option<String>)> = ids
                .into_iter()
                .filter_map(|id| r.subnets.get(id))
                .map(|s| {
                    (
                        s.id.clone(),
                        s.cidr.map(|c| c.to_string()),
                        s.ipv6_cidr().map(|c| c.to_string()),
                    )
                })
                .collect();
            let (fab, _, _) = uplink(&v.netns);
            firewalls.push((
                v.netns.clone(),
                crate::firewall::ruleset(
                    r,
                    &crate::firewall::Ports {
                        forwarded: &ports,
                        local: &local,
                    },
                    &subnets,
                    &crate::firewall::Exits {
                        nat: &nat_sources(v),
                        gateway: &gateway_sources(v),
                        uplink: fab,
                        internet6: &internet6_sources(v),
                        nat64: &nat64_snat(v, self.tasks.values()),
                        peerings: &v.peers.iter().map(|p| p.link.clone()).collect::<Vec<_>>(),
                        nat_crossings: &crossings,
                    },
                ),
            ));
        }
        self.firewalls.extend(firewalls);
    }

    /// Link the fabrics of this Region's peered VPCs (both must have
    /// tasks); a peering route whose link is not there drops.
    fn link_peers(&mut self, account: &str, r: &Region) {
        let names: BTreeMap<String, String> = self
            .vpcs
            .values()
            .filter(|v| v.account == account && v.region == r.name())
            .map(|v| (v.vpc_id.clone(), v.netns.clone()))
            .collect();
        for (vpc, fabric) in &names {
            let peers: Vec<PeerLink> = r
                .active_peerings(vpc)
                .filter_map(|(p, peer)| Some(PeerLink::of(&p.id, fabric, names.get(peer)?)))
                .collect();
            let Some(v) = self.vpcs.get_mut(fabric) else {
                continue;
            };
            for s in v.subnets.values_mut() {
                for (_, via) in s.routes.iter_mut().chain(s.routes6.iter_mut()) {
                    if matches!(via, Via::Peering(p) if !peers.iter().any(|l| l.pcx == *p)) {
                        *via = Via::Blackhole;
                    }
                }
            }
            v.peers = peers;
        }
    }

    fn task_spec(&mut self, r: &Region, t: &Task, key: TaskKey) -> Option<TaskSpec> {
        let eni_id = t.attachment.eni_id.clone()?;
        let eni = r.enis.get(&eni_id)?;
        let subnet = r.subnets.get(&eni.subnet_id)?;
        let vpc = r.vpcs.get(&eni.vpc_id)?;
        let fabric = fabric_name(&key.account, &key.region, &vpc.id);
        let v = self.vpcs.entry(fabric.clone()).or_insert_with(|| VpcSpec {
            netns: fabric.clone(),
            account: key.account.clone(),
            region: key.region.clone(),
            vpc_id: vpc.id.clone(),
            dns: vpc.dns_server(),
            subnets: BTreeMap::new(),
            cidrs: vpc.cidr_blocks.iter().map(|c| c.cidr.to_string()).collect(),
            cidrs6: vpc.ipv6_blocks.iter().map(|c| c.cidr.to_string()).collect(),
            dns_support: vpc.enable_dns_support,
            endpoint_names: endpoint_names(r, &vpc.id),
            zones: r
                .subnets
                .iter()
                .filter(|s| s.vpc_id == vpc.id)
                .flat_map(|s| {
                    s.cidr
                        .map(|c| c.to_string())
                        .into_iter()
                        .chain(s.ipv6_cidr().map(|c| c.to_string()))
                        .map(|c| (c, s.availability_zone.clone(), s.enable_dns64))
                })
                .collect(),
            endpoint_enis: endpoint_enis(r, &vpc.id),
            peers: Vec::new(),
            nat_gateways: r
                .nat_gateways
                .iter()
                .filter(|n| n.vpc_id == vpc.id && n.state == "available")
                .filter_map(|n| Some((n.public_ip?, n.subnet_id.clone())))
                .collect(),
        });
        let cidr4 = subnet.cidr.map(|c| (c.network(), c.prefix_len()));
        let cidr6 = subnet
            .ipv6_cidr()
            .map(|c| (Ipv6Addr::from(c.base()), c.prefix_len()));
        v.subnets
            .entry(subnet.id.clone())
            .or_insert_with(|| SubnetSpec {
                id: subnet.id.clone(),
                cidr4,
                cidr6,
                table: subnet_table(&subnet.id),
                routes: subnet_routes(r, &subnet.id, false),
                routes6: subnet_routes(r, &subnet.id, true),
            });
        let ipv4 = match (eni.primary_ip(), subnet.cidr) {
            (Some(ip), Some(c)) => c.nth(1).map(|gw| (ip, c.prefix_len(), gw)),
            _ => None,
        };
        let ipv6 = match (eni.ipv6_addresses.first(), subnet.ipv6_cidr()) {
            (Some(ip), Some(c)) => Some((*ip, c.prefix_len())),
            _ => None,
        };
        // The Amazon DNS server as the task saw it at launch (N17: base+2),
        // at the address the task can reach: an IPv6-only task asks the
        // Route 53 Resolver at its IPv6 address.
        let vpc_dns = vpc.dns_server().map(|a| a.to_string());
        let amazon_dns = match ipv4 {
            Some(_) => vpc_dns.clone().unwrap_or_default(),
            None if ipv6.is_some() => RESOLVER6.to_string(),
            None => String::new(),
        };
        let mut nameservers: Vec<String> = t
            .network
            .dns_servers
            .iter()
            .map(|s| {
                if s == "AmazonProvidedDNS" || Some(s) == vpc_dns.as_ref() {
                    amazon_dns.clone()
                } else {
                    s.clone()
                }
            })
            .filter(|s| !s.is_empty())
            .collect();
        if nameservers.is_empty() && !amazon_dns.is_empty() {
            nameservers.push(amazon_dns);
        }
        Some(TaskSpec {
            status: t.last_status,
            waiting: t.last_status == TaskStatus::Provisioning
                && t.desired_status == "RUNNING"
                && t.attachment.status == "PRECREATED",
            netns: task_netns(&t.id),
            fabric,
            link: link_name(&eni_id),
            eni_id,
            mac: eni.mac.clone(),
            mtu: t.network.mtu.max(1280),
            public_ip: eni.public_association().map(|a| a.public_ip),
            table: subnet_table(&subnet.id),
            subnet_id: subnet.id.clone(),
            ipv4,
            ipv6,
            nameservers,
            search: t.network.search_list.clone(),
            hostname: t
                .attachment
                .hostname
                .clone()
                .or_else(|| t.attachment.private_dns_name.clone())
                .unwrap_or_else(|| format!("task-{}", &t.id[..t.id.len().min(8)])),
            metadata_link: None,
            nat64_source: None,
            key,
        })
    }
}

/// Where a route to NAT gateway `id` for `dest` leads: a public NAT gateway
/// that is available, has its Elastic IP, and whose own subnet routes the
/// whole of `dest` to an internet gateway, translates to that address;
/// anything else drops the packets (as the reachability engine says).
fn nat_via(r: &Region, id: &str, dest: &model::net::Ipv4Cidr) -> Option<Via> {
    use model::ec2::types::{RouteDest, RouteTarget};
    let nat = r.nat_gateways.get(id)?;
    if nat.state != "available" || nat.connectivity_type != "public" {
        return None;
    }
    let eip = nat.public_ip?;
    let rt = r.route_table_for_subnet(&nat.subnet_id)?;
    let onward = rt.routes.iter().any(|route| {
        matches!(route.target, RouteTarget::InternetGateway(_))
            && r.route_state(rt, route) != "blackhole"
            && matches!(&route.dest, RouteDest::V4(c) if c.contains_cidr(dest))
    });
    onward.then_some(Via::Nat(eip))
}

/// Where an IPv6 route to NAT gateway `id` leads: NAT64 from its Elastic
/// IP when it is a public NAT gateway that is available and whose own
/// subnet routes IPv4 to an internet gateway (as `reach::path` checks).
fn nat64_via(r: &Region, id: &str) -> Option<Via> {
    let any = "0.0.0.0/0".parse().ok()?;
    match nat_via(r, id, &any)? {
        Via::Nat(eip) => Some(Via::Nat64(eip)),
        _ => None,
    }
}

/// The part of IPv6 destination `dest` that NAT64 translates: the NAT64
/// prefix if `dest` holds it, `dest` itself if it lies inside it.
pub fn nat64_part(dest: &str) -> Option<String> {
    use model::net::{Ipv6Cidr, NAT64_PREFIX};
    let d: Ipv6Cidr = dest.parse().ok()?;
    if d.contains_cidr(&NAT64_PREFIX) {
        Some(NAT64_PREFIX.to_string())
    } else if NAT64_PREFIX.contains_cidr(&d) {
        Some(dest.to_string())
    } else {
        None
    }
}

/// The tasks of fabric `fabric` with a NAT64 source: (IPv6 address, NAT64
/// source), what the fabric's translator maps (`linux/nat64.rs`).
pub fn nat64_tasks<'a>(
    tasks: impl Iterator<Item = &'a TaskSpec>,
    fabric: &str,
) -> Vec<(Ipv6Addr, Ipv4Addr)> {
    tasks
        .filter(|t| t.fabric == fabric)
        .filter_map(|t| Some((t.ipv6?.0, t.nat64_source?)))
        .collect()
}

/// The subnets whose IPv6 routes go through NAT64: (subnet IPv6 CIDR, the
/// NAT gateway's Elastic IP).
pub fn nat64_sources(v: &VpcSpec) -> Vec<(String, Ipv4Addr)> {
    v.subnets
        .values()
        .filter_map(|s| Some((s.v6()?, s.nat64()?)))
        .collect()
}

/// What each subnet's NAT-gateway traffic crosses (`NatCrossing`).
pub fn nat_crossings(v: &VpcSpec) -> Vec<NatCrossing> {
    let mut out = Vec::new();
    for s in v.subnets.values() {
        let (nat4, nat64) = (s.nat4(), s.nat64());
        // One crossing per NAT gateway the subnet uses (IPv4, NAT64 or both).
        let eips = nat4.into_iter().chain(nat64.filter(|e| Some(*e) != nat4));
        for eip in eips {
            let Some((_, nat_subnet)) = v.nat_gateways.iter().find(|(e, _)| *e == eip) else {
                continue;
            };
            out.push(NatCrossing {
                nat_subnet: nat_subnet.clone(),
                eip,
                same_subnet: s.id == *nat_subnet,
                cidr4: s.v4().filter(|_| nat4 == Some(eip)),
                gateway_dests: s.gateway_dests(),
                cidr6: s.v6().filter(|_| nat64 == Some(eip)),
            });
        }
    }
    out
}

/// Each NAT64 source of a task in a subnet that routes NAT64, with the
/// Elastic IP the NAT gateway translates it to.
pub fn nat64_snat<'a>(
    v: &VpcSpec,
    tasks: impl Iterator<Item = &'a TaskSpec>,
) -> Vec<(Ipv4Addr, Ipv4Addr)> {
    tasks
        .filter(|t| t.fabric == v.netns)
        .filter_map(|t| Some((t.nat64_source?, v.subnets.get(&t.subnet_id)?.nat64()?)))
        .collect()
}

/// The subnets whose routes go through a NAT gateway: (subnet CIDR, the
/// NAT gateway's Elastic IP), for the fabric's source translation.
pub fn nat_sources(v: &VpcSpec) -> Vec<(String, Ipv4Addr)> {
    let mut out = Vec::new();
    for s in v.subnets.values() {
        let Some((net, len)) = s.cidr4 else {
            continue;
        };
        for (_, via) in &s.routes {
            if let Via::Nat(eip) = via {
                let e = (format!("{net}/{len}"), *eip);
                if !out.contains(&e) {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// The subnets whose routes go through a gateway endpoint: (subnet CIDR,
/// the destinations it sends there).
pub fn gateway_sources(v: &VpcSpec) -> Vec<(String, Vec<String>)> {
    v.subnets
        .values()
        .filter_map(|s| Some((s.v4()?, s.gateway_dests())))
        .filter(|(_, dests)| !dests.is_empty())
        .collect()
}

/// A fabric's link to the internet namespace: (fabric address, internet
/// address, the internet side's link name), from 100.64.0.0/10 (a /30 per
/// fabric, picked by the fabric's name).
pub fn uplink(fabric: &str) -> (Ipv4Addr, Ipv4Addr, String) {
    let h = fnv(fabric);
    let base = u32::from(Ipv4Addr::new(100, 64, 0, 0)) + ((h % (1 << 20)) as u32) * 4;
    (
        Ipv4Addr::from(base + 1),
        Ipv4Addr::from(base + 2),
        format!("up-{:011x}", h >> 20 & 0xfff_ffff_ffff),
    )
}

/// The IPv6 blocks of the subnets that route some IPv6 destination to an
/// internet gateway (`true`: the internet may open connections to them) or
/// only to an egress-only one (`false`).
pub fn internet6_sources(v: &VpcSpec) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for s in v.subnets.values() {
        let Some((net, len)) = s.cidr6 else {
            continue;
        };
        let igw = s.routes6.iter().any(|(_, via)| *via == Via::Internet);
        let eigw = s.routes6.iter().any(|(_, via)| *via == Via::EgressOnly);
        if igw || eigw {
            out.push((format!("{net}/{len}"), igw));
        }
    }
    out
}

/// A fabric's IPv6 on its link to the internet namespace: (fabric
/// address, internet address), in a unique-local /64 picked by the
/// fabric's name.
pub fn uplink6(fabric: &str) -> (Ipv6Addr, Ipv6Addr) {
    let h = fnv(fabric) as u128 & 0xff_ffff_ffff;
    let base = (0xfd7au128 << 112) | (h << 64);
    (Ipv6Addr::from(base | 1), Ipv6Addr::from(base | 2))
}

/// A block that per-task addresses are given from: its first address,
/// its size, and offsets in it that are never given.
struct Block {
    base: u32,
    size: u32,
    reserved: std::ops::Range<u32>,
}

/// Where IPv6-only tasks' link-local IPv4 addresses come from:
/// 169.254.128.0/17 but 169.254.169.0/24 and 169.254.170.0/24, which hold
/// the resolver, instance metadata and the task metadata endpoint.
const METADATA_LINKS: Block = Block {
    base: 0xa9fe_8000,
    size: 1 << 15,
    reserved: (41 << 8)..(43 << 8),
};

/// Where NAT64 sources come from (`TaskSpec::nat64_source`): 198.18.0.0/15,
/// which no VPC, internet or AWS address uses.
const NAT64_SOURCES: Block = Block {
    base: 0xc612_0000,
    size: 1 << 17,
    reserved: 0..0,
};

impl Block {
    /// The first offset from `start` on (wrapping; never the block's first
    /// or last address) that is neither `used` nor reserved.
    fn free(&self, start: u32, used: &BTreeSet<u32>) -> Option<u32> {
        let n = self.size - 2;
        (0..n)
            .map(|k| (start - 1 + k) % n + 1)
            .find(|off| !used.contains(off) && !self.reserved.contains(off))
    }
}

/// Give each task that `wants` one an address from `block` (base, size),
/// unique in its fabric: one picked by its ENI, the next free one on a
/// clash, the earlier-launched task keeping its own (so a task that comes
/// never moves one that runs). IPv6-only tasks' link-local addresses and
/// NAT64 sources come from here.
fn allocate(
    specs: &mut [(TaskSpec, &Task)],
    wants: impl Fn(&TaskSpec) -> bool,
    block: &Block,
    set: impl Fn(&mut TaskSpec, Ipv4Addr),
) {
    let mut order: Vec<usize> = (0..specs.len()).filter(|&i| wants(&specs[i].0)).collect();
    order.sort_by(|&a, &b| {
        (specs[a].1.created_at, &specs[a].0.key.id)
            .cmp(&(specs[b].1.created_at, &specs[b].0.key.id))
    });
    let mut taken: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for i in order {
        let used = taken.entry(specs[i].0.fabric.clone()).or_default();
        let start = (fnv(&specs[i].0.eni_id) % u64::from(block.size - 2)) as u32 + 1;
        if let Some(off) = block.free(start, used) {
            used.insert(off);
            set(&mut specs[i].0, Ipv4Addr::from(block.base + off));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_addresses_skip_the_metadata_and_resolver_blocks() {
        let links = &METADATA_LINKS;
        let at = |off: u32| Ipv4Addr::from(links.base + off);
        let none = BTreeSet::new();
        // Picked inside 169.254.169.0/24 or .170.0/24: moved past them.
        for start in [links.reserved.start, (42 << 8) + 2] {
            let off = links.free(start, &none).unwrap();
            assert_eq!(at(off), Ipv4Addr::new(169, 254, 171, 0));
        }
        let used: BTreeSet<u32> = [5, 6].into();
        assert_eq!(links.free(5, &used), Some(7));
        // The last address of the block wraps to the first usable one.
        let last = links.size - 2;
        assert_eq!(links.free(last, &[last].into()), Some(1));
        // Only metadata links skip those blocks.
        let start = links.reserved.start;
        assert_eq!(NAT64_SOURCES.free(start, &none), Some(start));
    }

    #[test]
    fn nat64_takes_the_well_known_prefix_out_of_a_route() {
        assert_eq!(nat64_part("64:ff9b::/96").as_deref(), Some("64:ff9b::/96"));
        assert_eq!(nat64_part("::/0").as_deref(), Some("64:ff9b::/96"));
        assert_eq!(
            nat64_part("64:ff9b::cb00:7100/120").as_deref(),
            Some("64:ff9b::cb00:7100/120")
        );
        assert_eq!(nat64_part("2600::/16"), None);
        assert_eq!(nat64_part("64:ff9b:1::/48"), None);
    }
}
