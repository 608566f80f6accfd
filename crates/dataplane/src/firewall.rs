//! Security groups and network ACLs as one nftables table per VPC fabric
//! (N71): a pure function of the model, so an unchanged world gives an
//! unchanged ruleset (and the backend applies nothing).
//!
//! ```text
//! table inet vpc {
//!   set sg_<id>_v4/_v6   member ENI addresses of groups that rules reference
//!   set links            the ENI links it has rules for, and igw0
//!   map eni_out/eni_in   fabric link name : jump to its groups' chain
//!   chain forward        policy drop: a link not in `links` drops (a task
//!                        plumbed before its rules are loaded), jump nacl (stateless, every packet
//!                        crossing subnets), ct established/related accept,
//!                        the source ENI's egress chain, the destination
//!                        ENI's ingress chain, accept
//!   chain out_g<hash>    per set of security groups: the union of their
//!                        egress rules, return on a match, else drop
//!   chain in_g<hash>     their ingress rules: accept on a match, else drop
//!   chain nacl_out_/in_<subnet>  the subnet's ACL entries by rule number: first match wins
//!   chain input/output   traffic to and from interface endpoints' addresses
//!                        (the fabric answers for them): ACLs both ways,
//!                        the sender's egress chain, the endpoint's
//!                        ingress chain
//!   chain nat_acl        NAT and NAT64 traffic crossing into a NAT
//!                        gateway's subnet: its ACL both ways, every packet
//!   chain nat_edge_in/_out  the NAT gateway's subnet's ACL at its Elastic
//!                        IP, to and from the internet
//! }
//! ```
//!
//! Other traffic to the fabric's own addresses (the router, the resolver,
//! the metadata endpoint) never meets these rules, as on AWS, where SGs and
//! ACLs cannot block the Route 53 Resolver.

use model::ec2::types::{NaclEntry, NetworkAcl, NetworkInterface, SgPeer, SgRule};
use model::world::Region;
use std::collections::BTreeSet;
use std::fmt::Write;

/// An ENI plumbed into the fabric, and the fabric link that carries it
/// (for an ENI the fabric answers for itself, a name for its chains).
pub struct Port<'a> {
    pub link: &'a str,
    pub eni: &'a NetworkInterface,
}

/// The ENIs of a fabric: tasks' behind their links (`forwarded`), and
/// interface endpoints' whose addresses the fabric holds (`local`).
pub struct Ports<'a> {
    pub forwarded: &'a [Port<'a>],
    pub local: &'a [Port<'a>],
}

/// How traffic leaves a fabric for tasknet's internet other than by a
/// task's own public IP.
pub struct Exits<'a> {
    /// Subnets routed through a NAT gateway: (CIDR, its Elastic IP).
    pub nat: &'a [(String, std::net::Ipv4Addr)],
    /// Subnets routed through a gateway endpoint: (CIDR, the destinations).
    pub gateway: &'a [(String, Vec<String>)],
    /// The fabric's own address on that link (gateway-endpoint traffic
    /// leaves with it).
    pub uplink: std::net::Ipv4Addr,
    /// Subnets' IPv6 blocks routed to an internet gateway (`true`: open to
    /// connections from the internet) or only an egress-only one.
    pub internet6: &'a [(String, bool)],
    /// The NAT64 sources of tasks whose subnets route NAT64, with the
    /// Elastic IP each is translated to (`linux/nat64.rs`).
    pub nat64: &'a [(std::net::Ipv4Addr, std::net::Ipv4Addr)],
    /// The links to peered VPCs' fabrics: what crosses them is checked at
    /// each end's own ENIs.
    pub peerings: &'a [String],
    /// The NAT gateways' subnets that subnets' NAT traffic crosses.
    pub nat_crossings: &'a [crate::desired::NatCrossing],
}

/// The fabric's link to tasknet's own internet (the internet gateway).
pub const IGW: &str = "igw0";
/// The fabric's NAT64 translator's link (`linux/nat64.rs`).
pub const NAT64: &str = "nat64";

fn ident(id: &str) -> String {
    id.replace('-', "_")
}

/// `tcp dport 80-90`, `icmp type 8`, `meta l4proto 47`, or nothing (all).
fn proto_match(protocol: &str, from: i32, to: i32, v6: bool) -> Option<String> {
    let ports = |p: &str| {
        if from < 0 || (from == 0 && to == 65535) {
            format!("meta l4proto {p}")
        } else if from == to {
            format!("{p} dport {from}")
        } else {
            format!("{p} dport {from}-{to}")
        }
    };
    Some(match protocol {
        "-1" | "all" => String::new(),
        "tcp" | "6" => ports("tcp"),
        "udp" | "17" => ports("udp"),
        "icmp" | "1" if !v6 => match (from, to) {
            (t, _) if t < 0 => "meta l4proto icmp".into(),
            (t, c) if c < 0 => format!("icmp type {t}"),
            (t, c) => format!("icmp type {t} icmp code {c}"),
        },
        "icmpv6" | "58" if v6 => match (from, to) {
            (t, _) if t < 0 => "meta l4proto ipv6-icmp".into(),
            (t, c) if c < 0 => format!("icmpv6 type {t}"),
            (t, c) => format!("icmpv6 type {t} icmpv6 code {c}"),
        },
        "icmp" | "1" | "icmpv6" | "58" => return None,
        n if n.parse::<u8>().is_ok() => format!("meta l4proto {n}"),
        _ => return None,
    })
}

/// The nft lines of one security-group rule (one per address family it
/// covers), ending in `verdict`.
fn sg_rule_lines(
    r: &Region,
    rule: &SgRule,
    verdict: &str,
    sets: &mut BTreeSet<String>,
) -> Vec<String> {
    let dir = if rule.egress { "daddr" } else { "saddr" };
    let mut peers: Vec<(bool, String)> = Vec::new();
    match &rule.peer {
        SgPeer::V4(c) if c.prefix_len() == 0 => peers.push((false, "meta nfproto ipv4".into())),
        SgPeer::V4(c) => peers.push((false, format!("ip {dir} {c}"))),
        SgPeer::V6(c) if c.prefix_len() == 0 => peers.push((true, "meta nfproto ipv6".into())),
        SgPeer::V6(c) => peers.push((true, format!("ip6 {dir} {c}"))),
        SgPeer::PrefixList(p) => {
            if let Ok(pl) = r.prefix_list(p) {
                let cidrs: Vec<String> = pl.cidrs.iter().map(|c| c.to_string()).collect();
                if !cidrs.is_empty() {
                    peers.push((false, format!("ip {dir} {{ {} }}", cidrs.join(", "))));
                }
            }
        }
        SgPeer::Group { group_id, .. } => {
            let s = format!("sg_{}", ident(group_id.trim_start_matches("sg-")));
            sets.insert(group_id.clone());
            peers.push((false, format!("ip {dir} @{s}_v4")));
            peers.push((true, format!("ip6 {dir} @{s}_v6")));
        }
    }
    peers
        .into_iter()
        .filter_map(|(v6, peer)| {
            let p = proto_match(&rule.protocol, rule.from_port, rule.to_port, v6)?;
            Some(
                [peer.as_str(), p.as_str(), verdict]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect()
}

/// The nft line of one ACL entry: `ip daddr C tcp dport 80 return`.
fn nacl_line(e: &NaclEntry) -> Option<String> {
    let dir = if e.egress { "daddr" } else { "saddr" };
    let (v6, peer) = match (&e.cidr, &e.ipv6_cidr) {
        (Some(c), _) if c.prefix_len() == 0 => (false, "meta nfproto ipv4".to_string()),
        (Some(c), _) => (false, format!("ip {dir} {c}")),
        (_, Some(c)) if c.prefix_len() == 0 => (true, "meta nfproto ipv6".to_string()),
        (_, Some(c)) => (true, format!("ip6 {dir} {c}")),
        _ => return None,
    };
    let (from, to) = match e.protocol.as_str() {
        "1" | "58" => e.icmp.unwrap_or((-1, -1)),
        _ => e.port_range.unwrap_or((-1, -1)),
    };
    let p = proto_match(&e.protocol, from, to, v6)?;
    let verdict = if e.action == "allow" {
        "return"
    } else {
        "drop"
    };
    Some(
        [peer.as_str(), p.as_str(), verdict]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn nacl_chain(out: &mut String, name: &str, acl: Option<&NetworkAcl>, egress: bool) {
    let _ = writeln!(out, "  chain {name} {{");
    if let Some(acl) = acl {
        let mut entries: Vec<&NaclEntry> =
            acl.entries.iter().filter(|e| e.egress == egress).collect();
        entries.sort_by_key(|e| e.rule_number);
        for e in entries {
            if let Some(l) = nacl_line(e) {
                let _ = writeln!(out, "    {l}");
            }
        }
        let _ = writeln!(out, "    drop");
    }
    let _ = writeln!(out, "  }}");
}

/// One set or map (`what`: `set NAME` / `map NAME`) on one line, its
/// elements inline: the shape `linux/nft.rs` reads back to find what a
/// new table only adds.
fn declare(out: &mut String, what: &str, ty: &str, elems: &[String]) {
    let _ = write!(out, "  {what} {{ type {ty};");
    if !elems.is_empty() {
        let _ = write!(out, " elements = {{ {} }};", elems.join(", "));
    }
    let _ = writeln!(out, " }}");
}

/// The `inet vpc` table of a fabric whose ENIs are `ports`; `subnets` are
/// the subnets that have them (id, IPv4 CIDR, IPv6 CIDR); `exits` the
/// subnets that leave by a NAT gateway or a gateway endpoint.
pub fn ruleset(
    r: &Region,
    ports: &Ports,
    subnets: &[(String, Option<String>, Option<String>)],
    exits: &Exits,
) -> String {
    let nat = exits.nat;
    let mut sets: BTreeSet<String> = BTreeSet::new();
    let mut chains = String::new();
    let mut outs = Vec::new();
    let mut ins = Vec::new();
    let mut local_ins = Vec::new();
    // One pair of chains per set of security groups, shared by every ENI
    // that has that set (tasks of one service share theirs): the table
    // grows by map elements, not chains, as tasks come.
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    for (local, p) in ports
        .forwarded
        .iter()
        .map(|p| (false, p))
        .chain(ports.local.iter().map(|p| (true, p)))
    {
        let mut groups: Vec<&String> = p.eni.groups.iter().collect();
        groups.sort();
        groups.dedup();
        let key: Vec<&str> = groups.iter().map(|g| g.as_str()).collect();
        let name = format!("g{:016x}", model::services::fnv(&key.join(",")));
        for (egress, chain, verdict) in [
            (true, format!("out_{name}"), "return"),
            (false, format!("in_{name}"), "accept"),
        ] {
            if emitted.insert(chain.clone()) {
                let _ = writeln!(chains, "  chain {chain} {{");
                for g in &groups {
                    let Some(sg) = r.security_groups.get(g.as_str()) else {
                        continue;
                    };
                    for rule in sg.rules.iter().filter(|x| x.egress == egress) {
                        for l in sg_rule_lines(r, rule, verdict, &mut sets) {
                            let _ = writeln!(chains, "    {l}");
                        }
                    }
                }
                let _ = writeln!(chains, "    drop\n  }}");
            }
            if local {
                // An endpoint sends nothing of its own: only its ingress
                // chain is used, by address.
                if !egress {
                    let v4 = p.eni.primary_ip().map(std::net::IpAddr::V4);
                    let v6 = p
                        .eni
                        .ipv6_addresses
                        .first()
                        .map(|a| std::net::IpAddr::V6(*a));
                    for ip in v4.into_iter().chain(v6) {
                        local_ins.push((ip, chain.clone()));
                    }
                }
            } else if egress {
                outs.push(format!("\"{}\" : jump {chain}", p.link));
            } else {
                ins.push(format!("\"{}\" : jump {chain}", p.link));
            }
        }
    }
    let mut nacl = String::from("  chain nacl {\n");
    for (id, v4, v6) in subnets {
        let acl = r.network_acl_for_subnet(id);
        let n = ident(id.trim_start_matches("subnet-"));
        for (fam, cidr) in [("ip", v4), ("ip6", v6)] {
            if let Some(c) = cidr {
                let _ = writeln!(
                    nacl,
                    "    {fam} saddr {c} {fam} daddr != {c} jump nacl_out_{n}"
                );
                let _ = writeln!(
                    nacl,
                    "    {fam} daddr {c} {fam} saddr != {c} jump nacl_in_{n}"
                );
            }
        }
        nacl_chain(&mut chains, &format!("nacl_out_{n}"), acl, true);
        nacl_chain(&mut chains, &format!("nacl_in_{n}"), acl, false);
    }
    nacl.push_str("  }\n");

    let mut out = String::from("table inet vpc {\n");
    for g in &sets {
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for e in r.enis.iter().filter(|e| e.groups.iter().any(|x| x == g)) {
            v4.extend(e.private_ips.iter().map(|p| p.ip.to_string()));
            v6.extend(e.ipv6_addresses.iter().map(|a| a.to_string()));
        }
        let s = format!("sg_{}", ident(g.trim_start_matches("sg-")));
        for (suffix, ty, elems) in [("v4", "ipv4_addr", v4), ("v6", "ipv6_addr", v6)] {
            declare(
                &mut out,
                &format!("set {s}_{suffix}"),
                &format!("{ty}; flags interval"),
                &elems,
            );
        }
    }
    // The links whose rules this table knows: a task plumbed before the
    // table that has its rules is loaded sends and receives nothing.
    let mut links: Vec<String> = vec![format!("\"{IGW}\"")];
    links.extend(ports.forwarded.iter().map(|p| format!("\"{}\"", p.link)));
    links.extend(exits.peerings.iter().map(|l| format!("\"{l}\"")));
    let nat64 = !exits.nat64.is_empty();
    if nat64 {
        links.push(format!("\"{NAT64}\""));
    }
    declare(&mut out, "set links", "ifname", &links);
    declare(&mut out, "map eni_out", "ifname : verdict", &outs);
    declare(&mut out, "map eni_in", "ifname : verdict", &ins);
    // The internet gateway (N72): 1:1 NAT between each ENI's private and
    // public IPv4; an address without a public one goes nowhere. Named
    // maps and sets, so that a task that comes only adds elements.
    let pairs: Vec<(String, String)> = ports
        .forwarded
        .iter()
        .filter_map(|p| {
            let pub_ip = p.eni.public_association()?.public_ip;
            Some((p.eni.primary_ip()?.to_string(), pub_ip.to_string()))
        })
        .collect();
    let privs: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
    let dnat: Vec<String> = pairs.iter().map(|(a, b)| format!("{b} : {a}")).collect();
    let snat: Vec<String> = pairs.iter().map(|(a, b)| format!("{a} : {b}")).collect();
    declare(&mut out, "set public_sources", "ipv4_addr", &privs);
    declare(
        &mut out,
        "map public_to_private",
        "ipv4_addr : ipv4_addr",
        &dnat,
    );
    declare(
        &mut out,
        "map private_to_public",
        "ipv4_addr : ipv4_addr",
        &snat,
    );
    let nat64_snat: Vec<String> = exits
        .nat64
        .iter()
        .map(|(src, eip)| format!("{src} : {eip}"))
        .collect();
    declare(
        &mut out,
        "map nat64_snat",
        "ipv4_addr : ipv4_addr",
        &nat64_snat,
    );
    // NAT traffic of a subnet whose NAT gateway sits in another crosses
    // that subnet's ACL: in from the source, and the replies out to it
    // (IPv4 NAT by `igw0`, NAT64 by the translator's link). Its leg to the
    // internet is checked at the Elastic IP (`nat_edge_*`).
    let mut nat_acl = String::new();
    let mut edges: Vec<(std::net::Ipv4Addr, String)> = Vec::new();
    for c in exits.nat_crossings {
        let n = ident(c.nat_subnet.trim_start_matches("subnet-"));
        if !edges.iter().any(|(e, _)| *e == c.eip) {
            edges.push((c.eip, n.clone()));
        }
        if c.same_subnet {
            continue;
        }
        if let Some(src) = &c.cidr4 {
            let (to, from) = if c.gateway_dests.is_empty() {
                (String::new(), String::new())
            } else {
                let d = c.gateway_dests.join(", ");
                (
                    format!(" ip daddr != {{ {d} }}"),
                    format!(" ip saddr != {{ {d} }}"),
                )
            };
            let _ = writeln!(
                nat_acl,
                "    oifname \"{IGW}\" ip saddr {src}{to} jump nacl_in_{n}\n    iifname \"{IGW}\" ip daddr {src}{from} jump nacl_out_{n}"
            );
        }
        if let (Some(src6), true) = (&c.cidr6, nat64) {
            let _ = writeln!(
                nat_acl,
                "    oifname \"{NAT64}\" ip6 saddr {src6} jump nacl_in_{n}\n    iifname \"{NAT64}\" ip6 daddr {src6} jump nacl_out_{n}"
            );
        }
    }
    let _ = write!(
        out,
        "  chain forward {{\n    type filter hook forward priority filter; policy drop;\n    iifname != @links drop\n    oifname != @links drop\n    jump nacl\n{}    ct state established,related accept\n    ct state invalid drop\n",
        if nat_acl.is_empty() { "" } else { "    jump nat_acl\n" }
    );
    if !nat_acl.is_empty() {
        let _ = writeln!(chains, "  chain nat_acl {{\n{nat_acl}  }}");
    }
    if nat64 {
        // The translator's IPv4 side: out to the internet only (the task's
        // rules were checked on its IPv6 side), its SYNs' MSS fitted to
        // the internet gateway's MTU; nothing from the internet opens one.
        let _ = writeln!(
            out,
            "    iifname \"{IGW}\" oifname \"{NAT64}\" drop\n    iifname \"{NAT64}\" tcp flags syn tcp option maxseg size set rt mtu\n    iifname \"{NAT64}\" oifname != \"{IGW}\" drop\n    iifname \"{NAT64}\" meta nfproto ipv4 accept"
        );
    }
    if !edges.is_empty() {
        let (mut to, mut from) = (String::new(), String::new());
        for (eip, n) in &edges {
            let _ = writeln!(to, "    oifname \"{IGW}\" ip saddr {eip} jump nacl_out_{n}");
            let _ = writeln!(
                from,
                "    iifname \"{IGW}\" ip daddr {eip} jump nacl_in_{n}"
            );
        }
        // After the source translation, before it is undone.
        let _ = writeln!(
            chains,
            "  chain nat_edge_out {{\n    type filter hook postrouting priority 150; policy accept;\n{to}  }}\n  chain nat_edge_in {{\n    type filter hook prerouting priority -150; policy accept;\n{from}  }}"
        );
    }
    // IPv6 from the internet opens connections only to subnets with an
    // internet gateway route (an egress-only gateway lets replies in only).
    let open6: Vec<&str> = exits
        .internet6
        .iter()
        .filter(|(_, open)| *open)
        .map(|(c, _)| c.as_str())
        .collect();
    if open6.is_empty() {
        let _ = writeln!(out, "    iifname \"{IGW}\" meta nfproto ipv6 drop");
    } else {
        let _ = writeln!(
            out,
            "    iifname \"{IGW}\" ip6 daddr != {{ {} }} drop",
            open6.join(", ")
        );
    }
    out.push_str("    iifname vmap @eni_out\n    oifname vmap @eni_in\n");
    // IPv6 out of the gateways (no translation: the addresses are global).
    if !exits.internet6.is_empty() {
        let all6: Vec<&str> = exits.internet6.iter().map(|(c, _)| c.as_str()).collect();
        let _ = writeln!(
            out,
            "    oifname \"{IGW}\" ip6 saddr {{ {} }} accept",
            all6.join(", ")
        );
    }
    // What a gateway endpoint carries may leave (to its prefix list).
    for (cidr, dests) in exits.gateway {
        let _ = writeln!(
            out,
            "    oifname \"{IGW}\" ip saddr {cidr} ip daddr {{ {} }} accept",
            dests.join(", ")
        );
    }
    // What a NAT gateway translates may leave (its subnet routes there).
    if !nat.is_empty() {
        let cidrs: Vec<&str> = nat.iter().map(|(c, _)| c.as_str()).collect();
        let _ = writeln!(
            out,
            "    oifname \"{IGW}\" ip saddr {{ {} }} accept",
            cidrs.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "    oifname \"{IGW}\" ip saddr != @public_sources drop\n    oifname \"{IGW}\" meta nfproto ipv6 drop\n    accept\n  }}"
    );
    let _ = writeln!(
        out,
        "  chain igw_in {{\n    type nat hook prerouting priority dstnat; policy accept;\n    iifname \"{IGW}\" dnat ip to ip daddr map @public_to_private\n  }}"
    );
    // Gateway endpoints first (their routes are the more specific), then
    // NAT gateways: a subnet that routes through one leaves by its address
    // even where a task has a public IP of its own.
    let _ = writeln!(
        out,
        "  chain igw_out {{\n    type nat hook postrouting priority srcnat; policy accept;"
    );
    for (cidr, dests) in exits.gateway {
        let _ = writeln!(
            out,
            "    oifname \"{IGW}\" ip saddr {cidr} ip daddr {{ {} }} snat ip to {}",
            dests.join(", "),
            exits.uplink
        );
    }
    for (cidr, eip) in nat {
        let _ = writeln!(
            out,
            "    oifname \"{IGW}\" ip saddr {cidr} snat ip to {eip}"
        );
    }
    if nat64 {
        let _ = writeln!(
            out,
            "    oifname \"{IGW}\" snat ip to ip saddr map @nat64_snat"
        );
    }
    let _ = writeln!(
        out,
        "    oifname \"{IGW}\" snat ip to ip saddr map @private_to_public\n  }}"
    );
    if !local_ins.is_empty() {
        // Interface endpoints: the fabric holds their addresses, so their
        // traffic is the fabric's input and output, checked as forwarded
        // traffic is (ACLs both ways, the sender's egress rules, the
        // endpoint's ingress rules; replies by conntrack).
        let (mut input, mut verdicts, mut output) = (Vec::new(), Vec::new(), Vec::new());
        for (fam, v6) in [("ip", false), ("ip6", true)] {
            let of: Vec<&(std::net::IpAddr, String)> = local_ins
                .iter()
                .filter(|(ip, _)| ip.is_ipv6() == v6)
                .collect();
            if of.is_empty() {
                continue;
            }
            let addrs: Vec<String> = of.iter().map(|(ip, _)| ip.to_string()).collect();
            let map: Vec<String> = of
                .iter()
                .map(|(ip, c)| format!("{ip} : jump {c}"))
                .collect();
            input.push(format!(
                "    {fam} daddr {{ {} }} jump to_endpoint\n",
                addrs.join(", ")
            ));
            verdicts.push(format!("    {fam} daddr vmap {{ {} }}\n", map.join(", ")));
            output.push(format!(
                "    {fam} saddr {{ {} }} jump nacl\n",
                addrs.join(", ")
            ));
        }
        let _ = writeln!(
            out,
            "  chain input {{\n    type filter hook input priority filter; policy accept;\n{}  }}",
            input.concat()
        );
        let _ = writeln!(
            out,
            "  chain to_endpoint {{\n    iifname != @links drop\n    jump nacl\n    ct state established,related accept\n    ct state invalid drop\n    iifname vmap @eni_out\n{}    drop\n  }}",
            verdicts.concat()
        );
        let _ = writeln!(
            out,
            "  chain output {{\n    type filter hook output priority filter; policy accept;\n{}  }}",
            output.concat()
        );
    }
    out.push_str(&nacl);
    out.push_str(&chains);
    out.push_str("}\n");
    out
}
