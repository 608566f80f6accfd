//! The path of one flow from an ENI (N40, N71, N72): to a named service over
//! TCP 443 (`trace`: DNS through the Route 53 Resolver, interface endpoint
//! private DNS or DNS64 first), or to an address over any protocol and port
//! (`trace_to`: another ENI of the VPC, the internet). On the way: the
//! source's security-group egress, the subnet's network ACL in both
//! directions (stateless), the route table (longest prefix: local, internet
//! gateway, egress-only gateway, NAT gateway with its own subnet and ACL,
//! gateway endpoints via prefix lists), and at a destination ENI of the VPC
//! its subnet's ACL and its security groups' ingress. The load balancer's
//! health checks, task-to-task traffic and the data plane's packets are the
//! same decisions.

use super::endpoints::Destination;
use crate::ec2::types::*;
use crate::net::{Ipv4Cidr, Ipv6Cidr};
use crate::world::Region;
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where traffic starts: the task ENI (or, for a planned task, the ENI it would get).
#[derive(Clone)]
pub struct Source<'a> {
    pub region: &'a Region,
    pub vpc: &'a Vpc,
    pub subnet: &'a Subnet,
    pub groups: Vec<String>,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
    pub public_ipv4: Option<Ipv4Addr>,
    pub ipv6_only: bool,
}

/// One step of a path, naming the resource it went through.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hop {
    pub step: &'static str,
    pub resource: String,
    pub note: String,
}

/// The first hop that is missing and the change that would fix it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Blocked {
    pub hop: Hop,
    pub fix: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PathResult {
    /// The address the task connects to.
    pub address: String,
    /// Empty unless traced with `Detail::Full`.
    pub hops: Vec<Hop>,
    /// Whether the path is blocked; with `Detail::Verdict` the hop and fix
    /// are left empty.
    pub blocked: Option<Blocked>,
}

/// How much a trace writes down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every hop, and the blocked hop with its fix (N43's explanation).
    Full,
    /// Only whether and where the path is blocked: the launch check runs for
    /// every task, and each hop's note is a `format!` it would never show.
    Verdict,
}

/// The hops of a trace as they are found, written only with `Detail::Full`.
struct Trail {
    detail: Detail,
    hops: Vec<Hop>,
}

impl Trail {
    fn hop(&mut self, h: impl FnOnce() -> Hop) {
        if self.detail == Detail::Full {
            self.hops.push(h());
        }
    }

    fn block(&self, b: impl FnOnce() -> Blocked) -> Blocked {
        match self.detail {
            Detail::Full => b(),
            Detail::Verdict => Blocked {
                hop: hop("", String::new(), String::new()),
                fix: String::new(),
            },
        }
    }

    fn blocked(self, addr: IpAddr, b: impl FnOnce() -> Blocked) -> PathResult {
        let b = self.block(b);
        self.end(addr, Some(b))
    }

    fn end(self, addr: IpAddr, blocked: Option<Blocked>) -> PathResult {
        PathResult {
            address: addr.to_string(),
            hops: self.hops,
            blocked,
        }
    }
}

/// An IP protocol a flow uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    /// ICMP, or ICMPv6 for IPv6 addresses.
    Icmp,
}

/// A flow's protocol and destination port (for ICMP, the message type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    pub protocol: Protocol,
    pub port: i32,
}

impl Flow {
    /// What a task's platform traffic to AWS services is (N40).
    pub const HTTPS: Flow = Flow {
        protocol: Protocol::Tcp,
        port: 443,
    };

    pub fn tcp(port: i32) -> Flow {
        Flow {
            protocol: Protocol::Tcp,
            port,
        }
    }

    /// `TCP`, `UDP`, `ICMP`.
    pub fn name(&self) -> &'static str {
        match self.protocol {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Icmp => "ICMP",
        }
    }

    /// `TCP 443`, `ICMP` (as in a hop's note).
    fn describe(&self) -> String {
        match self.protocol {
            Protocol::Icmp => "ICMP".into(),
            _ => format!("{} {}", self.name(), self.port),
        }
    }

    /// Does a rule's protocol (`-1`, a name or a number) cover this flow?
    fn protocol_matches(&self, p: &str, v6: bool) -> bool {
        match (self.protocol, p) {
            (_, "-1") => true,
            (Protocol::Tcp, "tcp" | "6") => true,
            (Protocol::Udp, "udp" | "17") => true,
            (Protocol::Icmp, "icmp" | "1") => !v6,
            (Protocol::Icmp, "icmpv6" | "58") => v6,
            _ => false,
        }
    }

    /// The reply's "ports" through a stateless ACL: the source's ephemeral
    /// range for TCP and UDP, the echo reply type for ICMP.
    fn reply_ports(&self) -> &'static [i32] {
        match self.protocol {
            Protocol::Icmp => &[0],
            _ => &EPHEMERAL,
        }
    }
}

/// Return traffic reaches the task's ephemeral ports; Linux picks them from
/// 32768–60999, so an ACL must admit both ends of that range.
const EPHEMERAL: [i32; 2] = [32768, 60999];

fn hop(step: &'static str, resource: impl Into<String>, note: impl Into<String>) -> Hop {
    Hop {
        step,
        resource: resource.into(),
        note: note.into(),
    }
}

fn ip_in_v4(c: &Ipv4Cidr, ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v) if c.contains(v))
}

fn ip_in_v6(c: &Ipv6Cidr, ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v) if c.contains(v))
}

/// Is `ip` in a prefix list (AWS- or customer-managed, current version)?
fn in_prefix_list(r: &Region, pl: &str, ip: IpAddr) -> bool {
    r.prefix_list_match(pl, ip).is_some()
}

/// Does a security-group rule admit the flow with `peer` (an address, or an
/// ENI carrying `peer_groups`)?
fn sg_rule_admits(
    r: &Region,
    rule: &SgRule,
    peer: IpAddr,
    peer_groups: &[String],
    flow: Flow,
) -> bool {
    if !flow.protocol_matches(&rule.protocol, peer.is_ipv6()) {
        return false;
    }
    let ports_ok = match flow.protocol {
        _ if rule.protocol == "-1" => true,
        // ICMP rules carry the type in FromPort (-1: every type).
        Protocol::Icmp => rule.from_port == -1 || rule.from_port == flow.port,
        _ => flow.port >= rule.from_port && flow.port <= rule.to_port,
    };
    if !ports_ok {
        return false;
    }
    match &rule.peer {
        SgPeer::V4(c) => ip_in_v4(c, peer),
        SgPeer::V6(c) => ip_in_v6(c, peer),
        SgPeer::PrefixList(p) => in_prefix_list(r, p, peer),
        SgPeer::Group { group_id, .. } => peer_groups.iter().any(|g| g == group_id),
    }
}

/// The first group (and rule) of `groups` admitting the traffic, if any.
fn groups_admit(
    r: &Region,
    groups: &[String],
    egress: bool,
    peer: IpAddr,
    peer_groups: &[String],
    flow: Flow,
) -> Option<(String, String)> {
    for g in groups {
        let Some(sg) = r.security_groups.get(g) else {
            continue;
        };
        if let Some(rule) = sg
            .rules
            .iter()
            .find(|x| x.egress == egress && sg_rule_admits(r, x, peer, peer_groups, flow))
        {
            return Some((g.clone(), rule.id.clone()));
        }
    }
    None
}

/// A network ACL's decision for a packet of `protocol` to `port` (ICMP: of
/// that type) with `peer`: (allowed, rule number; 0 for the final `*` deny).
pub fn nacl_decision(
    acl: &NetworkAcl,
    egress: bool,
    peer: IpAddr,
    protocol: Protocol,
    port: i32,
) -> (bool, i32) {
    let flow = Flow { protocol, port };
    let mut entries: Vec<&NaclEntry> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    for e in entries {
        let fam = match (&e.cidr, &e.ipv6_cidr) {
            (Some(c), _) => ip_in_v4(c, peer),
            (_, Some(c)) => ip_in_v6(c, peer),
            _ => false,
        };
        if !fam || !flow.protocol_matches(&e.protocol, peer.is_ipv6()) {
            continue;
        }
        if e.protocol != "-1" {
            match protocol {
                Protocol::Icmp => {
                    if let Some((t, _)) = e.icmp {
                        if t != -1 && t != port {
                            continue;
                        }
                    }
                }
                _ => {
                    if let Some((f, t)) = e.port_range {
                        if port < f || port > t {
                            continue;
                        }
                    }
                }
            }
        }
        return (e.action == "allow", e.rule_number);
    }
    (false, 0)
}

/// Check a subnet's ACL for one direction; `Err` is the blocked hop.
#[allow(clippy::too_many_arguments)]
fn acl_check(
    r: &Region,
    subnet: &str,
    egress: bool,
    peer: IpAddr,
    protocol: Protocol,
    ports: &[i32],
    what: &str,
    trail: &mut Trail,
) -> Result<(), Blocked> {
    let step = if egress {
        "network-acl-out"
    } else {
        "network-acl-in"
    };
    let Some(acl) = r.network_acl_for_subnet(subnet) else {
        trail.hop(|| hop(step, subnet, "no network ACL"));
        return Ok(());
    };
    let flow = |port| Flow { protocol, port };
    for p in ports {
        let (ok, rule) = nacl_decision(acl, egress, peer, protocol, *p);
        if !ok {
            return Err(trail.block(|| {
                let dir = if egress { "outbound" } else { "inbound" };
                let rule_s = if rule == 0 {
                    "no matching rule".to_string()
                } else {
                    format!("rule {rule}")
                };
                let what_port = match protocol {
                    Protocol::Icmp => "ICMP".to_string(),
                    _ => format!("{} port {p}", flow(*p).name()),
                };
                let range = match (protocol, ports.len()) {
                    (Protocol::Icmp, _) => "ICMP".to_string(),
                    (_, n) if n > 1 => format!("{} 32768-60999", flow(*p).name()),
                    _ => flow(*p).describe(),
                };
                Blocked {
                    hop: hop(step, &acl.id, format!("{what}: {dir} {what_port} with {peer} is denied ({rule_s})")),
                    fix: format!(
                        "Add an {dir} allow entry to network ACL {} for {range} {} {peer} numbered below {}.",
                        acl.id,
                        if egress { "to" } else { "from" },
                        if rule == 0 { 32767 } else { rule }
                    ),
                }
            }));
        }
    }
    trail.hop(|| hop(step, &acl.id, format!("{what}: allowed")));
    Ok(())
}

/// The route a destination takes: longest prefix wins; prefix-list routes
/// match through their CIDRs.
pub fn route_for<'a>(r: &Region, rt: &'a RouteTable, ip: IpAddr) -> Option<&'a Route> {
    let mut best: Option<(u8, &Route)> = None;
    for route in &rt.routes {
        let len = match (&route.dest, ip) {
            (RouteDest::V4(c), IpAddr::V4(v)) if c.contains(v) => Some(c.prefix_len()),
            (RouteDest::V6(c), IpAddr::V6(v)) if c.contains(v) => Some(c.prefix_len()),
            (RouteDest::PrefixList(p), _) => r.prefix_list_match(p, ip),
            _ => None,
        };
        if let Some(l) = len {
            let better = match best {
                None => true,
                Some((bl, br)) => {
                    l > bl
                        || (l == bl
                            && route.target == RouteTarget::Local
                            && br.target != RouteTarget::Local)
                }
            };
            if better {
                best = Some((l, route));
            }
        }
    }
    best.map(|b| b.1)
}

/// Does this subnet route 0.0.0.0/0 to an attached internet gateway?
fn public_subnet(r: &Region, subnet: &str) -> Option<String> {
    let rt = r.route_table_for_subnet(subnet)?;
    let route = route_for(r, rt, IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)))?;
    match &route.target {
        RouteTarget::InternetGateway(g) if r.route_state(rt, route) == "active" => Some(g.clone()),
        _ => None,
    }
}

/// An interface endpoint of the VPC answering for the destination's host.
fn private_dns_endpoint<'a>(src: &Source<'a>, dest: &Destination) -> Option<&'a VpcEndpoint> {
    let svc = dest.endpoint_service?;
    let name = format!("com.amazonaws.{}.{svc}", src.region.info.name);
    src.region.vpc_endpoints.iter().find(|e| {
        e.vpc_id == src.vpc.id
            && e.endpoint_type == "Interface"
            && e.private_dns_enabled
            && e.service_name == name
            && e.state == "available"
    })
}

/// Trace TCP 443 from the source to the destination.
pub fn trace(src: &Source, dest: &Destination, detail: Detail) -> PathResult {
    let r = src.region;
    let mut trail = Trail {
        detail,
        hops: Vec::new(),
    };

    // DNS: the Route 53 Resolver answers only with enableDnsSupport.
    if !src.vpc.enable_dns_support {
        let addr = IpAddr::V4(dest.ipv4);
        return trail.blocked(addr, || Blocked {
            hop: hop("dns", &src.vpc.id, format!("DNS resolution is disabled in {}; {} cannot be resolved", src.vpc.id, dest.host)),
            fix: format!("Enable DNS resolution: aws ec2 modify-vpc-attribute --vpc-id {} --enable-dns-support", src.vpc.id),
        });
    }
    let endpoint = private_dns_endpoint(src, dest);
    // Pick the address the task connects to.
    let mut addr: IpAddr;
    let mut endpoint_eni: Option<&NetworkInterface> = None;
    if let Some(ep) = endpoint {
        let enis: Vec<&NetworkInterface> = ep
            .network_interface_ids
            .iter()
            .filter_map(|e| r.enis.get(e))
            .collect();
        let eni = enis
            .iter()
            .find(|e| e.availability_zone == src.subnet.availability_zone)
            .or(enis.first())
            .copied();
        let Some(eni) = eni else {
            return trail.blocked(IpAddr::V4(dest.ipv4), || Blocked {
                hop: hop(
                    "dns",
                    &ep.id,
                    "the interface endpoint has no network interfaces",
                ),
                fix: format!(
                    "Add a subnet to {} with aws ec2 modify-vpc-endpoint --add-subnet-ids",
                    ep.id
                ),
            });
        };
        endpoint_eni = Some(eni);
        if src.ipv6_only {
            match eni.ipv6_addresses.first() {
                Some(v6) => addr = IpAddr::V6(*v6),
                None => {
                    return trail.blocked(IpAddr::V4(eni.primary_ip().unwrap_or(dest.ipv4)), || Blocked {
                        hop: hop("dns", &ep.id, format!("interface endpoint {} is IPv4-only; an IPv6-only task cannot use it", ep.id)),
                        fix: format!("Recreate {} with --ip-address-type dualstack (the service {} supports it) in dual-stack subnets.", ep.id, ep.service_name),
                    })
                }
            }
        } else {
            addr = IpAddr::V4(eni.primary_ip().unwrap_or(dest.ipv4));
        }
        let cross = if eni.availability_zone != src.subnet.availability_zone {
            " (in another Availability Zone)"
        } else {
            ""
        };
        trail.hop(|| {
            hop(
                "dns",
                &ep.id,
                format!(
                    "{} → {addr}, interface endpoint {} network interface {}{cross}",
                    dest.host, ep.id, eni.id
                ),
            )
        });
    } else if src.ipv6_only {
        match dest.ipv6 {
            Some(v6) => {
                addr = IpAddr::V6(v6);
                trail.hop(|| {
                    hop(
                        "dns",
                        &src.vpc.id,
                        format!("{} → {addr} (public, dual-stack)", dest.host),
                    )
                });
            }
            None if src.subnet.enable_dns64 => {
                let synth = crate::net::nat64_address(dest.ipv4);
                addr = IpAddr::V6(synth);
                trail.hop(|| {
                    hop(
                        "dns64",
                        &src.subnet.id,
                        format!(
                            "{} has only IPv4 {}; DNS64 answers {addr}",
                            dest.host, dest.ipv4
                        ),
                    )
                });
            }
            None => {
                return trail.blocked(IpAddr::V4(dest.ipv4), || Blocked {
                    hop: hop("dns64", &src.subnet.id, format!("{} has no IPv6 address and DNS64 is off in {}", dest.host, src.subnet.id)),
                    fix: format!(
                        "Enable DNS64 on {} (aws ec2 modify-subnet-attribute --subnet-id {} --enable-dns64) and route 64:ff9b::/96 to a NAT gateway in a public subnet (NAT64){}",
                        src.subnet.id,
                        src.subnet.id,
                        match (&dest.dual_stack_uri, dest.endpoint_service) {
                            // ECR's dual-stack endpoints take no PrivateLink traffic.
                            (Some(uri), _) => format!(", or use the dual-stack image URI {uri}"),
                            (None, Some(s)) if !s.starts_with("ecr.") => format!(", or add a dual-stack interface endpoint for {s}"),
                            _ => String::new(),
                        }
                    ),
                });
            }
        }
    } else {
        addr = IpAddr::V4(dest.ipv4);
        trail.hop(|| {
            hop(
                "dns",
                &src.vpc.id,
                format!("{} → {addr} (public)", dest.host),
            )
        });
    }
    let source_ip: IpAddr = match (addr, src.ipv4, src.ipv6) {
        (IpAddr::V6(_), _, Some(v6)) => IpAddr::V6(v6),
        (IpAddr::V4(_), Some(v4), _) => IpAddr::V4(v4),
        _ => {
            addr = IpAddr::V4(dest.ipv4);
            return trail.blocked(addr, || Blocked {
                hop: hop(
                    "network-interface",
                    &src.subnet.id,
                    "the task has no address of the destination's family",
                ),
                fix: "Give the subnet an IPv4 CIDR block or use dual-stack endpoints.".into(),
            });
        }
    };
    let to = Target {
        label: dest.host.clone(),
        dest: Some(dest),
        eni: endpoint_eni,
        who: "task",
    };
    onward(src, addr, source_ip, &to, Flow::HTTPS, trail)
}

/// What a flow goes to: a named service (`dest`) or a bare address, and the
/// ENI of the VPC that answers there, if one does.
struct Target<'a> {
    /// The name or address, for notes.
    label: String,
    dest: Option<&'a Destination>,
    eni: Option<&'a NetworkInterface>,
    /// What the source is called in notes ("task", "source").
    who: &'static str,
}

/// The ENI of `vpc` holding `addr`, if any.
fn eni_at<'a>(r: &'a Region, vpc: &str, addr: IpAddr) -> Option<&'a NetworkInterface> {
    r.enis.iter().find(|e| {
        e.vpc_id == vpc
            && match addr {
                IpAddr::V4(v) => e.private_ips.iter().any(|p| p.ip == v),
                IpAddr::V6(v) => e.ipv6_addresses.contains(&v),
            }
    })
}

/// The ENI at `addr` in a VPC peered (actively) with the source's.
fn peer_eni_at<'a>(src: &Source<'a>, addr: IpAddr) -> Option<&'a NetworkInterface> {
    let r = src.region;
    r.active_peerings(&src.vpc.id)
        .find_map(|(_, peer)| eni_at(r, peer, addr))
}

/// Trace a flow from the source to an address (no name resolution): another
/// ENI of the VPC (a task, an endpoint, a load balancer node), or a place
/// beyond the VPC's gateways.
pub fn trace_to(src: &Source, addr: IpAddr, flow: Flow, detail: Detail) -> PathResult {
    trace_to_eni(
        src,
        addr,
        eni_at(src.region, &src.vpc.id, addr),
        flow,
        detail,
    )
}

/// `trace_to` when the caller already knows the ENI of the VPC holding the
/// address (a load balancer's registered target): no search through every
/// ENI of the Region, which is what health checks of thousands of targets
/// cannot afford.
pub fn trace_to_eni(
    src: &Source,
    addr: IpAddr,
    eni: Option<&NetworkInterface>,
    flow: Flow,
    detail: Detail,
) -> PathResult {
    let trail = Trail {
        detail,
        hops: Vec::new(),
    };
    let source_ip: IpAddr = match (addr, src.ipv4, src.ipv6) {
        (IpAddr::V6(_), _, Some(v6)) => IpAddr::V6(v6),
        (IpAddr::V4(_), Some(v4), _) => IpAddr::V4(v4),
        _ => {
            return trail.blocked(addr, || Blocked {
                hop: hop(
                    "network-interface",
                    &src.subnet.id,
                    format!(
                        "the source has no {} address",
                        if addr.is_ipv6() { "IPv6" } else { "IPv4" }
                    ),
                ),
                fix:
                    "Give the source an address of the destination's family (a dual-stack subnet)."
                        .into(),
            })
        }
    };
    let to = Target {
        label: addr.to_string(),
        dest: None,
        eni: eni.or_else(|| peer_eni_at(src, addr)),
        who: "source",
    };
    onward(src, addr, source_ip, &to, flow, trail)
}

/// The `--ip-permissions` of a rule admitting the flow to or from `cidr`.
fn permission(flow: Flow, cidr: &str) -> String {
    let ranges = if cidr.contains(':') {
        format!("Ipv6Ranges=[{{CidrIpv6={cidr}}}]")
    } else {
        format!("IpRanges=[{{CidrIp={cidr}}}]")
    };
    match flow.protocol {
        Protocol::Icmp => format!(
            "IpProtocol={},FromPort=-1,ToPort=-1,{ranges}",
            if cidr.contains(':') { "icmpv6" } else { "icmp" }
        ),
        p => format!(
            "IpProtocol={},FromPort={},ToPort={},{ranges}",
            if p == Protocol::Udp { "udp" } else { "tcp" },
            flow.port,
            flow.port
        ),
    }
}

/// From the source's security groups on: egress, the route, and what the
/// route leads to.
fn onward(
    src: &Source,
    addr: IpAddr,
    source_ip: IpAddr,
    to: &Target,
    flow: Flow,
    mut trail: Trail,
) -> PathResult {
    let r = src.region;
    let what = flow.describe();
    let who = to.who;
    // Security-group egress (stateful: replies need no rule). An ENI
    // without security groups (a Network Load Balancer created without
    // them) is not filtered.
    let peer_groups: Vec<String> = to.eni.map(|e| e.groups.clone()).unwrap_or_default();
    if src.groups.is_empty() {
        trail.hop(|| {
            hop(
                "security-group-egress",
                src.subnet.id.clone(),
                format!("the {who} has no security groups: {what} to {addr} is not filtered"),
            )
        });
    } else {
        match groups_admit(r, &src.groups, true, addr, &peer_groups, flow) {
            Some((g, rule)) => trail.hop(|| {
                hop(
                    "security-group-egress",
                    g,
                    format!("rule {rule} allows {what} to {addr}"),
                )
            }),
            None => {
                return trail.blocked(addr, || Blocked {
                    hop: hop(
                        "security-group-egress",
                        src.groups.join(","),
                        format!(
                            "no egress rule of the {who}'s security groups allows {what} to {addr}"
                        ),
                    ),
                    fix: format!(
                        "aws ec2 authorize-security-group-egress --group-id {} --ip-permissions {}",
                        src.groups.first().cloned().unwrap_or_default(),
                        permission(flow, if addr.is_ipv6() { "::/0" } else { "0.0.0.0/0" })
                    ),
                })
            }
        }
    }
    // Route.
    let Some(rt) = r.route_table_for_subnet(&src.subnet.id) else {
        return trail.blocked(addr, || Blocked {
            hop: hop("route", &src.subnet.id, "no route table"),
            fix: "Associate a route table.".into(),
        });
    };
    let route = route_for(r, rt, addr);
    let Some(route) = route else {
        return trail.blocked(addr, || Blocked {
            hop: hop("route", &rt.id, format!("no route to {addr}")),
            fix: no_route_fix(src, to.dest, rt),
        });
    };
    if r.route_state(rt, route) != "active" {
        return trail.blocked(addr, || Blocked {
            hop: hop(
                "route",
                &rt.id,
                format!(
                    "{} → {} is a blackhole",
                    route.dest.describe(),
                    target_name(&route.target)
                ),
            ),
            fix: format!(
                "Replace the blackhole route {} in {} with a working target.",
                route.dest.describe(),
                rt.id
            ),
        });
    }
    trail.hop(|| {
        hop(
            "route",
            &rt.id,
            format!("{} → {}", route.dest.describe(), target_name(&route.target)),
        )
    });
    // The IPv4 address a NAT64 destination embeds.
    let embedded = match addr {
        IpAddr::V6(v) => crate::net::nat64_embedded(v),
        IpAddr::V4(_) => None,
    };
    if embedded.is_some() && !matches!(route.target, RouteTarget::NatGateway(_)) {
        return trail.blocked(addr, || Blocked {
            hop: hop(
                "route",
                &rt.id,
                format!("{addr} is a DNS64 address; only a NAT gateway (NAT64) can translate it"),
            ),
            fix: format!(
                "Add a route 64:ff9b::/96 to a NAT gateway in a public subnet in {}.",
                rt.id
            ),
        });
    }
    // The internet routes only public addresses: a private one sent to a
    // gateway (after NAT64, for an address that embeds one) goes nowhere.
    let beyond = embedded.map(IpAddr::V4).unwrap_or(addr);
    let gateway = matches!(
        route.target,
        RouteTarget::InternetGateway(_)
            | RouteTarget::EgressOnlyInternetGateway(_)
            | RouteTarget::NatGateway(_)
    );
    if gateway && !internet_routable(beyond) {
        return trail.blocked(addr, || Blocked {
            hop: hop(
                "route",
                &rt.id,
                format!("{beyond} is a private address; the internet does not route it"),
            ),
            fix: format!(
                "Reach {beyond} over a VPC peering connection (a route to it in {}), or use its public address.",
                rt.id
            ),
        });
    }
    let subnet_label = format!("{who} subnet");
    match &route.target {
        RouteTarget::Local => return local(src, addr, source_ip, to, flow, trail),
        RouteTarget::InternetGateway(g) => {
            if addr.is_ipv4() && src.public_ipv4.is_none() {
                return trail.blocked(addr, || Blocked {
                    hop: hop("internet-gateway", g, format!("the {who} has no public IPv4 address, so the internet gateway drops its traffic")),
                    fix: if who == "task" {
                        "Run the task with assignPublicIp=ENABLED, or route 0.0.0.0/0 to a NAT gateway in a public subnet.".into()
                    } else {
                        "Give the source a public IPv4 address (an Elastic IP), or route 0.0.0.0/0 to a NAT gateway in a public subnet.".into()
                    },
                });
            }
            if let Err(b) = acl_pair(r, &src.subnet.id, addr, flow, &subnet_label, &mut trail) {
                return trail.end(addr, Some(b));
            }
            let via = match src.public_ipv4 {
                // A planned task: the address is only known once the ENI exists.
                Some(p) if addr.is_ipv4() && p.is_unspecified() => {
                    "as the public IP assigned at launch".into()
                }
                Some(p) if addr.is_ipv4() => format!("as public IP {p}"),
                _ => "over IPv6".into(),
            };
            trail.hop(|| hop("internet-gateway", g, format!("to the internet {via}")));
        }
        RouteTarget::EgressOnlyInternetGateway(g) => {
            if let Err(b) = acl_pair(r, &src.subnet.id, addr, flow, &subnet_label, &mut trail) {
                return trail.end(addr, Some(b));
            }
            trail.hop(|| {
                hop(
                    "egress-only-internet-gateway",
                    g,
                    "outbound IPv6 to the internet",
                )
            });
        }
        RouteTarget::NatGateway(n) => {
            if let Err(b) = acl_pair(r, &src.subnet.id, addr, flow, &subnet_label, &mut trail) {
                return trail.end(addr, Some(b));
            }
            let Some(nat) = r.nat_gateways.get(n) else {
                return trail.blocked(addr, || Blocked {
                    hop: hop("nat-gateway", n, "not found"),
                    fix: "Replace the route.".into(),
                });
            };
            if nat.connectivity_type != "public" {
                return trail.blocked(addr, || Blocked {
                    hop: hop(
                        "nat-gateway",
                        n,
                        "a private NAT gateway cannot reach the internet",
                    ),
                    fix: "Use a public NAT gateway (with an Elastic IP) in a public subnet.".into(),
                });
            }
            let nat_ip = nat.private_ip.map(IpAddr::V4).unwrap_or(source_ip);
            // Source → NAT crosses into the NAT's subnet; NAT → internet leaves it.
            if nat.subnet_id != src.subnet.id {
                let from = format!("NAT subnet from {who}");
                let reply = format!("NAT subnet reply to {who}");
                for (egress, ports, what) in [
                    (false, &[flow.port][..], from.as_str()),
                    (true, flow.reply_ports(), reply.as_str()),
                ] {
                    match acl_check(
                        r,
                        &nat.subnet_id,
                        egress,
                        source_ip,
                        flow.protocol,
                        ports,
                        what,
                        &mut trail,
                    ) {
                        Ok(()) => {}
                        Err(b) => return trail.end(addr, Some(b)),
                    }
                }
            }
            let out_addr = beyond;
            if out_addr.is_ipv6() {
                return trail.blocked(addr, || Blocked {
                    hop: hop(
                        "nat-gateway",
                        n,
                        "NAT gateways translate IPv6 only from 64:ff9b::/96 (NAT64)",
                    ),
                    fix: "Route ::/0 to an egress-only internet gateway for IPv6 destinations."
                        .into(),
                });
            }
            let Some(igw) = public_subnet(r, &nat.subnet_id) else {
                return trail.blocked(addr, || Blocked {
                    hop: hop("nat-gateway", n, format!("the NAT gateway sits in {}, which has no route 0.0.0.0/0 to an internet gateway", nat.subnet_id)),
                    fix: format!("Create the NAT gateway in a public subnet, or route 0.0.0.0/0 of {}'s route table to the VPC's internet gateway.", nat.subnet_id),
                });
            };
            if let Err(b) = acl_pair(r, &nat.subnet_id, out_addr, flow, "NAT subnet", &mut trail) {
                return trail.end(addr, Some(b));
            }
            let v64 = if out_addr != addr { " (NAT64)" } else { "" };
            trail.hop(|| {
                hop(
                    "nat-gateway",
                    n,
                    format!(
                        "translates {source_ip} to {}{v64}",
                        nat.public_ip
                            .map(|p| p.to_string())
                            .unwrap_or_else(|| nat_ip.to_string())
                    ),
                )
            });
            trail.hop(|| hop("internet-gateway", igw, "to the internet"));
        }
        RouteTarget::VpcEndpoint(v) => {
            let ep = r.vpc_endpoints.get(v);
            if ep.is_some_and(|e| e.endpoint_type == "Gateway") {
                if let Err(b) = acl_pair(r, &src.subnet.id, addr, flow, &subnet_label, &mut trail) {
                    return trail.end(addr, Some(b));
                }
                trail.hop(|| {
                    hop(
                        "gateway-endpoint",
                        v,
                        format!("{} reached privately", to.label),
                    )
                });
            } else {
                return trail.blocked(addr, || Blocked {
                    hop: hop(
                        "route",
                        v,
                        "a Gateway Load Balancer endpoint (appliance) tasknet does not emulate",
                    ),
                    fix: "Route the destination to an internet or NAT gateway.".into(),
                });
            }
        }
        RouteTarget::VpcPeeringConnection(p) => {
            return peered(src, addr, source_ip, to, flow, p, trail);
        }
        RouteTarget::NetworkInterface(e) => {
            return trail.blocked(addr, || Blocked {
                hop: hop(
                    "route",
                    e,
                    "a route to a network interface (an appliance tasknet does not emulate)",
                ),
                fix: "Route the destination to an internet or NAT gateway.".into(),
            });
        }
    }
    match to.dest {
        Some(d) => trail.hop(|| hop("service", d.host.clone(), format!("{addr}:443"))),
        None => trail.hop(|| hop("destination", addr.to_string(), what.clone())),
    }
    trail.end(addr, None)
}

/// A flow that stays in the VPC: the ENI at the address, its subnet's ACL
/// (when the subnets differ) and its security groups' ingress, and the
/// reply back through both ACLs.
fn local(
    src: &Source,
    addr: IpAddr,
    source_ip: IpAddr,
    to: &Target,
    flow: Flow,
    mut trail: Trail,
) -> PathResult {
    let r = src.region;
    let Some(eni) = to.eni else {
        let rt = r
            .route_table_for_subnet(&src.subnet.id)
            .map(|t| t.id.clone())
            .unwrap_or_default();
        return trail.blocked(addr, || match to.dest {
            Some(_) => Blocked {
                hop: hop(
                    "route",
                    &rt,
                    format!("{addr} is inside the VPC but no endpoint answers there"),
                ),
                fix: "Route the destination out of the VPC.".into(),
            },
            None => Blocked {
                hop: hop(
                    "network-interface",
                    &src.vpc.id,
                    format!(
                        "no network interface of {} has the address {addr}",
                        src.vpc.id
                    ),
                ),
                fix: format!(
                    "Use the private address of a running task or network interface of {}.",
                    src.vpc.id
                ),
            },
        });
    };
    let endpoint = match &eni.owner {
        EniOwner::VpcEndpoint(id) if to.dest.is_some() => Some(id.clone()),
        _ => None,
    };
    let who = to.who;
    let what = flow.describe();
    let crosses = eni.subnet_id != src.subnet.id;
    let (forward_out, forward_in, reply_out, reply_in) = match &endpoint {
        Some(_) => (
            "task subnet to endpoint".to_string(),
            "endpoint subnet from task".to_string(),
            "endpoint subnet reply".to_string(),
            "reply to task subnet".to_string(),
        ),
        None => (
            format!("{who} subnet to {}", eni.id),
            format!("{} subnet from {who}", eni.id),
            format!("{} subnet reply", eni.id),
            format!("reply to {who} subnet"),
        ),
    };
    if crosses {
        for (sub, egress, peer, label) in [
            (&src.subnet.id, true, addr, forward_out.as_str()),
            (&eni.subnet_id, false, source_ip, forward_in.as_str()),
        ] {
            if let Err(b) = acl_check(
                r,
                sub,
                egress,
                peer,
                flow.protocol,
                &[flow.port],
                label,
                &mut trail,
            ) {
                return trail.end(addr, Some(b));
            }
        }
    }
    // NAT gateways have no security groups.
    let guarded = !matches!(eni.owner, EniOwner::NatGateway(_));
    if guarded {
        let step = if endpoint.is_some() {
            "endpoint-security-group"
        } else {
            "security-group-ingress"
        };
        match groups_admit(r, &eni.groups, false, source_ip, &src.groups, flow) {
            Some((g, rule)) => trail.hop(|| {
                hop(
                    step,
                    g,
                    format!("rule {rule} admits {what} from {source_ip}"),
                )
            }),
            None => {
                let owner = endpoint.clone().unwrap_or_else(|| eni.id.clone());
                let cidr = match source_ip {
                    IpAddr::V4(_) => vpc_cidr_of(src),
                    IpAddr::V6(v) => format!("{v}/128"),
                };
                return trail.blocked(addr, || Blocked {
                    hop: hop(
                        step,
                        eni.groups.join(","),
                        format!(
                            "the security groups of {owner} do not admit {what} from {source_ip}"
                        ),
                    ),
                    fix: ingress_fix(eni, src, flow, &cidr, endpoint.is_some()),
                });
            }
        }
    }
    if crosses {
        for (sub, egress, peer, label) in [
            (&eni.subnet_id, true, source_ip, reply_out.as_str()),
            (&src.subnet.id, false, addr, reply_in.as_str()),
        ] {
            if let Err(b) = acl_check(
                r,
                sub,
                egress,
                peer,
                flow.protocol,
                flow.reply_ports(),
                label,
                &mut trail,
            ) {
                return trail.end(addr, Some(b));
            }
        }
    }
    match (&endpoint, to.dest) {
        (Some(_), Some(d)) => trail.hop(|| {
            hop(
                "endpoint",
                eni.id.clone(),
                format!("{} answers on {addr}", d.host),
            )
        }),
        _ => trail.hop(|| {
            hop(
                "network-interface",
                eni.id.clone(),
                format!("{what} reaches {addr}"),
            )
        }),
    }
    trail.end(addr, None)
}

/// A flow over a VPC peering connection: into the peer VPC and no further
/// (peering is not transitive), to the ENI at the address there, whose
/// subnet must route the replies back over the same connection; then as
/// within a VPC: both subnets' ACLs and the ENI's security groups, which may
/// name the source's groups across the peering.
fn peered(
    src: &Source,
    addr: IpAddr,
    source_ip: IpAddr,
    to: &Target,
    flow: Flow,
    pcx: &str,
    mut trail: Trail,
) -> PathResult {
    let r = src.region;
    let Some(peer_vpc) = r.peerings.get(pcx).and_then(|p| p.peer_of(&src.vpc.id)) else {
        return trail.blocked(addr, || Blocked {
            hop: hop(
                "vpc-peering",
                pcx,
                format!("{pcx} does not join {}", src.vpc.id),
            ),
            fix: "Replace the route with one to a peering connection of the VPC.".into(),
        });
    };
    let inside = r.vpcs.get(peer_vpc).is_some_and(|v| {
        v.cidr_blocks.iter().any(|b| ip_in_v4(&b.cidr, addr))
            || v.ipv6_blocks.iter().any(|b| ip_in_v6(&b.cidr, addr))
    });
    if !inside {
        return trail.blocked(addr, || Blocked {
            hop: hop(
                "vpc-peering",
                pcx,
                format!("{addr} is not in {peer_vpc}; a peering connection reaches only the peer VPC's own addresses"),
            ),
            fix: format!(
                "Route {addr} to a gateway of {} instead of {pcx}.",
                src.vpc.id
            ),
        });
    }
    let Some(eni) = to
        .eni
        .filter(|e| e.vpc_id == peer_vpc)
        .or_else(|| eni_at(r, peer_vpc, addr))
    else {
        return trail.blocked(addr, || Blocked {
            hop: hop(
                "network-interface",
                peer_vpc,
                format!("no network interface of {peer_vpc} has the address {addr}"),
            ),
            fix: format!(
                "Use the private address of a running task or network interface of {peer_vpc}."
            ),
        });
    };
    // Replies cross back over the same connection.
    let back = r.route_table_for_subnet(&eni.subnet_id);
    let returns = back.is_some_and(|rt| {
        route_for(r, rt, source_ip).is_some_and(|route| {
            matches!(&route.target, RouteTarget::VpcPeeringConnection(x) if x == pcx)
                && r.route_state(rt, route) == "active"
        })
    });
    let back_id = back.map(|t| t.id.clone()).unwrap_or_default();
    if !returns {
        return trail.blocked(addr, || {
            let (flag, cidr) = match source_ip {
                IpAddr::V4(_) => ("--destination-cidr-block", vpc_cidr_of(src)),
                IpAddr::V6(_) => (
                    "--destination-ipv6-cidr-block",
                    src.vpc
                        .ipv6_blocks
                        .first()
                        .map(|b| b.cidr.to_string())
                        .unwrap_or_else(|| "::/0".into()),
                ),
            };
            Blocked {
                hop: hop(
                    "route-back",
                    &back_id,
                    format!("{back_id} of {} has no route back to {source_ip} through {pcx}", eni.subnet_id),
                ),
                fix: format!(
                    "aws ec2 create-route --route-table-id {back_id} {flag} {cidr} --vpc-peering-connection-id {pcx}"
                ),
            }
        });
    }
    trail.hop(|| {
        hop(
            "vpc-peering",
            pcx,
            format!("to {peer_vpc}; replies return through {back_id}"),
        )
    });
    let into = Target {
        label: to.label.clone(),
        dest: to.dest,
        eni: Some(eni),
        who: to.who,
    };
    local(src, addr, source_ip, &into, flow, trail)
}

/// Does the internet route this address (not private, shared, loopback,
/// link-local or unique-local)?
fn internet_routable(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => {
            let shared = u32::from(v) >> 22 == u32::from(Ipv4Addr::new(100, 64, 0, 0)) >> 22;
            !(v.is_private()
                || shared
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast())
        }
        IpAddr::V6(v) => {
            let seg = v.segments()[0];
            !(v.is_loopback()
                || v.is_unspecified()
                || seg & 0xfe00 == 0xfc00
                || seg & 0xffc0 == 0xfe80)
        }
    }
}

/// The command that admits the flow at the destination ENI: from the
/// source's security group for ENIs of the VPC, from the VPC's CIDR for an
/// interface endpoint (any task of the VPC may use it).
fn ingress_fix(
    eni: &NetworkInterface,
    src: &Source,
    flow: Flow,
    cidr: &str,
    endpoint: bool,
) -> String {
    let group = eni.groups.first().cloned().unwrap_or_default();
    match (flow.protocol, src.groups.first()) {
        (Protocol::Tcp, Some(sg)) if !endpoint => format!(
            "aws ec2 authorize-security-group-ingress --group-id {group} --protocol tcp --port {} --source-group {sg}",
            flow.port
        ),
        (Protocol::Tcp, _) => format!(
            "aws ec2 authorize-security-group-ingress --group-id {group} --protocol tcp --port {} --cidr {cidr}",
            flow.port
        ),
        _ => format!(
            "aws ec2 authorize-security-group-ingress --group-id {group} --ip-permissions {}",
            permission(flow, cidr)
        ),
    }
}

/// The flow out and its reply (to ephemeral ports) through a subnet's ACL.
fn acl_pair(
    r: &Region,
    subnet: &str,
    peer: IpAddr,
    flow: Flow,
    what: &str,
    trail: &mut Trail,
) -> Result<(), Blocked> {
    acl_check(
        r,
        subnet,
        true,
        peer,
        flow.protocol,
        &[flow.port],
        what,
        trail,
    )?;
    acl_check(
        r,
        subnet,
        false,
        peer,
        flow.protocol,
        flow.reply_ports(),
        what,
        trail,
    )
}

fn vpc_cidr_of(src: &Source) -> String {
    src.vpc
        .primary_cidr()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "0.0.0.0/0".into())
}

fn target_name(t: &RouteTarget) -> String {
    match t {
        RouteTarget::Local => "local".into(),
        RouteTarget::InternetGateway(x)
        | RouteTarget::EgressOnlyInternetGateway(x)
        | RouteTarget::NatGateway(x)
        | RouteTarget::VpcEndpoint(x)
        | RouteTarget::NetworkInterface(x)
        | RouteTarget::VpcPeeringConnection(x) => x.clone(),
    }
}

fn no_route_fix(src: &Source, dest: Option<&Destination>, rt: &RouteTable) -> String {
    let mut options = Vec::new();
    if src.ipv6_only {
        options.push(format!(
            "route ::/0 in {} to an internet gateway or egress-only internet gateway",
            rt.id
        ));
    } else {
        options.push(format!(
            "route 0.0.0.0/0 in {} to a NAT gateway in a public subnet",
            rt.id
        ));
        options.push("or to an internet gateway with assignPublicIp=ENABLED".into());
    }
    match (
        dest.and_then(|d| d.endpoint_service),
        dest.and_then(|d| d.prefix_list.as_ref()),
    ) {
        (Some("s3"), Some(_)) => options.push(format!(
            "or add an S3 gateway endpoint (com.amazonaws.{}.s3) on {}",
            src.region.info.name, rt.id
        )),
        (Some(s), _) => options.push(format!(
            "or create an interface endpoint com.amazonaws.{}.{s} with private DNS",
            src.region.info.name
        )),
        _ => {}
    }
    let mut s = options.join(", ");
    s.push('.');
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or(s)
}
