//! Links, addresses and routes of a fabric (the VPC router) and of a task
//! (its ENI), as `ip` commands run in one `ip -batch` per namespace.
//!
//! The task ENI is a veth pair: `eth0` in the task (the ENI's MAC, the
//! subnet prefix, MTU per N18, default routes via the subnet's router) and
//! `eni-…` in the fabric, which routes the task's /32 and /128 to it and
//! answers ARP for every on-link address (proxy ARP), so that all of the
//! task's traffic crosses the fabric, where the VPC's rules apply.

use super::netns;
use crate::desired::{
    nat64_part, nat64_sources, nat_sources, uplink, uplink6, PeerLink, TaskSpec, Via, VpcSpec,
    RESOLVER6,
};
use crate::firewall::IGW;

/// The VPC router's documented IPv6 link-local address.
pub const ROUTER6: &str = "fe80:ec2::1";
/// The Route 53 Resolver's link-local IPv4 address.
pub const RESOLVER_LL: &str = "169.254.169.253";

/// Create (or bring up to date) a VPC's fabric namespace, its link to the
/// internet namespace `inet`, its subnets' routing tables and the
/// addresses of its interface endpoints (`old`: what it was made as, whose
/// endpoint addresses go if they are no longer wanted).
pub fn ensure_fabric(v: &VpcSpec, old: Option<&VpcSpec>, inet: &str) -> Result<(), String> {
    netns::add(&v.netns)?;
    netns::sysctls(
        &v.netns,
        &[
            ("net/ipv4/ip_forward", "1"),
            ("net/ipv6/conf/all/forwarding", "1"),
            ("net/ipv4/conf/all/rp_filter", "0"),
            ("net/ipv4/conf/default/rp_filter", "0"),
            // Every ENI link inherits these: it answers ARP for the whole
            // subnet at once.
            ("net/ipv4/conf/default/proxy_arp", "1"),
            ("net/ipv6/conf/default/accept_dad", "0"),
        ],
    )?;
    let mut lines = vec!["link set lo up".to_string()];
    for s in v.subnets.values() {
        if let Some((net, _)) = s.cidr4 {
            let router = std::net::Ipv4Addr::from(u32::from(net) + 1);
            lines.push(format!("addr replace {router}/32 dev lo"));
        }
    }
    if let Some(dns) = v.dns {
        lines.push(format!("addr replace {dns}/32 dev lo"));
    }
    lines.push(format!("addr replace {RESOLVER_LL}/32 dev lo"));
    lines.push(format!("addr replace {RESOLVER6}/128 dev lo"));
    // The task metadata endpoint (N61, linux/tmds.rs).
    lines.push(format!(
        "addr replace {}/32 dev lo",
        crate::metadata::ADDRESS
    ));
    // Interface endpoints' network interfaces (linux/vpce.rs answers there).
    for e in &v.endpoint_enis {
        lines.extend(e.ip.map(|ip| format!("addr replace {ip}/32 dev lo")));
        lines.extend(
            e.ip6
                .map(|ip| format!("addr replace {ip}/128 dev lo nodad")),
        );
    }
    netns::ip_batch(Some(&v.netns), &lines)?;
    // Those of endpoints gone (already gone is fine).
    let gone: Vec<String> = old
        .map(|o| o.endpoint_enis.as_slice())
        .unwrap_or_default()
        .iter()
        .flat_map(|e| {
            let v4 =
                e.ip.filter(|ip| !v.endpoint_enis.iter().any(|n| n.ip == Some(*ip)))
                    .map(|ip| format!("addr del {ip}/32 dev lo"));
            let v6 = e
                .ip6
                .filter(|ip| !v.endpoint_enis.iter().any(|n| n.ip6 == Some(*ip)))
                .map(|ip| format!("addr del {ip}/128 dev lo"));
            v4.into_iter().chain(v6)
        })
        .collect();
    for l in gone {
        let _ = netns::ip_batch(Some(&v.netns), &[l]);
    }
    // The internet gateway's link (MTU 1500: N18).
    let (fab, net, up) = uplink(&v.netns);
    if netns::ip(Some(&v.netns), &["-o", "link", "show", IGW]).is_err() {
        // A link left from this fabric's previous life would clash.
        let _ = netns::ip(Some(inet), &["link", "del", &up]);
        netns::ip(
            Some(inet),
            &[
                "link", "add", &up, "mtu", "1500", "type", "veth", "peer", "name", IGW, "mtu",
                "1500", "netns", &v.netns,
            ],
        )?;
    }
    let (fab6, net6) = uplink6(&v.netns);
    let mut lines = vec![
        format!("addr replace {fab}/30 dev {IGW}"),
        format!("addr replace {fab6}/64 dev {IGW} nodad"),
        format!("link set {IGW} up"),
    ];
    if !nat64_sources(v).is_empty() {
        // NAT64's translator link (`nat64.rs`): it takes what the subnets
        // route to 64:ff9b::/96 and the replies to NAT64 sources, and what
        // it sends leaves by the internet gateway (by a table of its own:
        // the main table has no way out).
        let nat64 = crate::firewall::NAT64;
        if netns::ip(Some(&v.netns), &["-o", "link", "show", nat64]).is_err() {
            netns::ip(
                Some(&v.netns),
                &["tuntap", "add", "dev", nat64, "mode", "tun"],
            )?;
        }
        let table = super::nat64::TABLE;
        lines.push(format!("link set {nat64} mtu 9001 up"));
        lines.push(format!(
            "route replace {} dev {nat64}",
            super::nat64::SOURCES
        ));
        lines.push(format!(
            "route replace default via {net} dev {IGW} table {table}"
        ));
        let rules = netns::ip(Some(&v.netns), &["rule", "show", "pref", "900"]).unwrap_or_default();
        if !rules.contains(&format!("lookup {table}")) {
            lines.push(format!("rule add pref 900 iif {nat64} lookup {table}"));
        }
    }
    netns::ip_batch(Some(&v.netns), &lines)?;
    let mut lines = vec![
        format!("addr replace {net}/30 dev {up}"),
        format!("addr replace {net6}/64 dev {up} nodad"),
        format!("link set {up} up"),
    ];
    // The internet reaches the VPC's IPv6 blocks (global addresses, no
    // translation) through this fabric.
    for c in &v.cidrs6 {
        lines.push(format!("route replace {c} via {fab6} dev {up}"));
    }
    netns::ip_batch(Some(inet), &lines)?;
    // Links to peered VPCs' fabrics (before the routes that use them).
    for p in &v.peers {
        ensure_peer_link(&v.netns, p)?;
    }
    for p in old.map(|o| o.peers.as_slice()).unwrap_or_default() {
        if !v.peers.iter().any(|n| n.link == p.link) {
            let _ = netns::ip(Some(&v.netns), &["link", "del", &p.link]);
        }
    }
    // The link a peering route goes through (none: the peer has no fabric).
    let over = |via: &Via| match via {
        Via::Peering(pcx) => v.peers.iter().find(|p| p.pcx == *pcx),
        _ => None,
    };
    // Each subnet's route table, as a policy-routing table: its local
    // routes fall through (`throw`) to the host routes of the VPC's ENIs.
    let mut lines = Vec::new();
    for s in v.subnets.values() {
        lines.push(format!("route flush table {}", s.table));
        for (dest, via) in &s.routes {
            lines.push(match (via, over(via)) {
                (Via::Local, _) => format!("route add throw {dest} table {}", s.table),
                (Via::Internet | Via::Nat(_) | Via::Gateway, _) => {
                    format!("route add {dest} via {net} dev {IGW} table {}", s.table)
                }
                (Via::Peering(_), Some(p)) => format!(
                    "route add {dest} via {} dev {} table {}",
                    p.v4().1,
                    p.link,
                    s.table
                ),
                _ => format!("route add blackhole {dest} table {}", s.table),
            });
        }
    }
    netns::ip_batch(Some(&v.netns), &lines)?;
    // The same for IPv6, selected by source: a subnet's IPv6 block.
    let mut lines = Vec::new();
    let rules = if v.subnets.values().any(|s| s.cidr6.is_some()) {
        netns::ip(Some(&v.netns), &["-6", "rule", "show", "pref", "1000"]).unwrap_or_default()
    } else {
        String::new()
    };
    for s in v.subnets.values() {
        let Some((net, len)) = s.cidr6 else {
            continue;
        };
        lines.push(format!("route flush table {}", s.table));
        if !rules.contains(&format!("from {net}/{len} lookup {}", s.table)) {
            lines.push(format!(
                "rule add pref 1000 from {net}/{len} lookup {}",
                s.table
            ));
        }
        for (dest, via) in &s.routes6 {
            let nat64 = match via {
                Via::Nat64(_) => nat64_part(dest),
                _ => None,
            };
            match (via, nat64, over(via)) {
                (Via::Local, _, _) => {
                    lines.push(format!("route add throw {dest} table {}", s.table))
                }
                (Via::Internet | Via::EgressOnly, _, _) => lines.push(format!(
                    "route add {dest} via {net6} dev {IGW} table {}",
                    s.table
                )),
                (Via::Peering(_), _, Some(p)) => lines.push(format!(
                    "route add {dest} via {} dev {} table {}",
                    p.v6().1,
                    p.link,
                    s.table
                )),
                // NAT64: its prefix goes to the fabric's translator; any
                // other IPv6 to the NAT gateway goes nowhere.
                (Via::Nat64(_), Some(part), _) => {
                    if part != *dest {
                        lines.push(format!("route add blackhole {dest} table {}", s.table));
                    }
                    lines.push(format!(
                        "route add {part} dev {} table {}",
                        crate::firewall::NAT64,
                        s.table
                    ));
                }
                _ => lines.push(format!("route add blackhole {dest} table {}", s.table)),
            }
        }
    }
    netns::ip6_batch(Some(&v.netns), &lines)?;
    // The internet answers a NAT gateway's Elastic IP through this fabric.
    let mut lines = Vec::new();
    for (_, eip) in nat_sources(v).into_iter().chain(nat64_sources(v)) {
        let line = format!("route replace {eip}/32 via {fab} dev {up}");
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    netns::ip_batch(Some(inet), &lines)
}

/// The veth pair of a peering connection between fabric `fabric` and its
/// peer's (made by whichever of the two comes first, the peer's namespace
/// with it if need be), this end's addresses on it.
fn ensure_peer_link(fabric: &str, p: &PeerLink) -> Result<(), String> {
    let own = |side: &PeerLink| {
        let ((a4, _), (a6, _)) = (side.v4(), side.v6());
        vec![
            format!("addr replace {a4}/30 dev {}", side.link),
            format!("addr replace {a6}/64 dev {} nodad", side.link),
            format!("link set {} up", side.link),
        ]
    };
    if netns::ip(Some(fabric), &["-o", "link", "show", &p.link]).is_err() {
        netns::add(&p.peer_fabric)?;
        // A link left from the peer's earlier life would clash.
        let _ = netns::ip(Some(&p.peer_fabric), &["link", "del", &p.link]);
        // Peering carries jumbo frames within a Region (N18).
        netns::ip(
            Some(fabric),
            &[
                "link",
                "add",
                &p.link,
                "mtu",
                "9001",
                "type",
                "veth",
                "peer",
                "name",
                &p.link,
                "mtu",
                "9001",
                "netns",
                &p.peer_fabric,
            ],
        )?;
        let far = PeerLink {
            side: 3 - p.side,
            ..p.clone()
        };
        netns::ip_batch(Some(&p.peer_fabric), &own(&far))?;
    }
    netns::ip_batch(Some(fabric), &own(p))
}

/// Remove a fabric and its internet-gateway link (at once: the kernel
/// would take its time with a veth of a deleted namespace).
pub fn remove_fabric(name: &str, inet: &str) -> Result<(), String> {
    let (_, _, up) = uplink(name);
    if netns::exists(inet) {
        let _ = netns::ip(Some(inet), &["link", "del", &up]);
    }
    netns::del(name)
}

/// The files the task sees in /etc (N16, N17).
fn etc_files(t: &TaskSpec) -> Vec<(&'static str, String)> {
    let mut resolv = String::new();
    for n in &t.nameservers {
        resolv.push_str(&format!("nameserver {n}\n"));
    }
    if !t.search.is_empty() {
        resolv.push_str(&format!("search {}\n", t.search.join(" ")));
    }
    let mut hosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n".to_string();
    if let Some((ip, _, _)) = t.ipv4 {
        hosts.push_str(&format!("{ip} {}\n", t.hostname));
    } else if let Some((ip, _)) = t.ipv6 {
        hosts.push_str(&format!("{ip} {}\n", t.hostname));
    }
    let mut files = vec![
        ("resolv.conf", resolv),
        ("hosts", hosts),
        ("hostname", format!("{}\n", t.hostname)),
    ];
    // The trust store: tasknet's CA, which signs what its internet and
    // endpoints present on 443 (`tls.rs`); OpenSSL's own configuration
    // stays the host's.
    files.extend(super::tls::trust_files());
    files
}

/// The fabric side: the veth pair (its peer created straight in the task's
/// namespace as `eth0`), the host routes to the task's addresses.
fn fabric_lines(t: &TaskSpec) -> Vec<String> {
    let mut l = vec![format!(
        "link add {link} mtu {mtu} type veth peer name eth0 mtu {mtu} address {mac} netns {ns}",
        link = t.link,
        mtu = t.mtu,
        mac = t.mac,
        ns = t.netns
    )];
    // Proxy ARP answers at once (the default delays up to 0.8 s).
    l.push(format!(
        "ntable change name arp_cache dev {} proxy_delay 0",
        t.link
    ));
    l.push(format!("link set {} up", t.link));
    if let Some((ip, _, _)) = t.ipv4 {
        l.push(format!("route replace {ip}/32 dev {}", t.link));
    }
    // What the task sends is routed by its subnet's route table.
    l.push(format!(
        "rule add pref 1000 iif {} lookup {}",
        t.link, t.table
    ));
    if let Some(ll) = t.metadata_link {
        l.push(format!("route replace {ll}/32 dev {}", t.link));
    }
    if let Some((ip, _)) = t.ipv6 {
        l.push(format!("addr replace {ROUTER6}/64 dev {} nodad", t.link));
        l.push(format!("route replace {ip}/128 dev {}", t.link));
    }
    l
}

/// The task side: addresses with the subnet prefix, routes via the router,
/// the instance metadata service blackholed (as on Fargate).
fn task_lines(t: &TaskSpec) -> Vec<String> {
    let mut l = vec!["link set lo up".to_string()];
    if let Some((ip, len, _)) = t.ipv4 {
        l.push(format!("addr add {ip}/{len} dev eth0"));
    }
    if let Some((ip, len)) = t.ipv6 {
        // No prefix route: every neighbour of the /64 is reached through the
        // router, as the subnet route below says.
        l.push(format!("addr add {ip}/{len} dev eth0 nodad noprefixroute"));
    }
    l.push("link set eth0 up".into());
    if let Some((_, _, gw)) = t.ipv4 {
        l.push(format!("route add default via {gw} dev eth0"));
    }
    if let Some((ip, len)) = t.ipv6 {
        let net = ipv6_network(ip, len);
        l.push(format!("route add {net}/{len} via {ROUTER6} dev eth0"));
        l.push(format!("route add default via {ROUTER6} dev eth0"));
    }
    // An IPv6-only task reaches the metadata endpoint over IPv4 from its
    // link-local address, as on Fargate.
    if let Some(ll) = t.metadata_link {
        l.push(format!("addr add {ll}/32 dev eth0 scope link"));
        l.push(format!(
            "route add {}/32 dev eth0 src {ll}",
            crate::metadata::ADDRESS
        ));
    }
    l.push("route add blackhole 169.254.169.254/32".into());
    l.push("route add blackhole fd00:ec2::254/128".into());
    l
}

fn ipv6_network(ip: std::net::Ipv6Addr, len: u8) -> std::net::Ipv6Addr {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len as u32)
    };
    std::net::Ipv6Addr::from(u128::from(ip) & mask)
}

/// Plumb a task: namespace, /etc view, ENI veth, addresses, routes. On
/// failure whatever was made is removed again.
pub fn plumb_task(t: &TaskSpec, inet: &str) -> Result<(), String> {
    let r = (|| {
        // A leftover of an earlier attempt would make `link add` fail.
        if netns::exists(&t.netns) {
            unplumb_task(t, inet)?;
        }
        netns::add(&t.netns)?;
        netns::write_etc(&t.netns, &etc_files(t))?;
        if let Err(e) = netns::ip_batch(Some(&t.fabric), &fabric_lines(t)) {
            if !e.contains("File exists") {
                return Err(e);
            }
            // A stale fabric link or rule of this ENI: replace them.
            let _ = netns::ip(Some(&t.fabric), &["link", "del", &t.link]);
            let _ = netns::ip(Some(&t.fabric), &["rule", "del", "iif", &t.link]);
            netns::ip_batch(Some(&t.fabric), &fabric_lines(t))?;
        }
        // The task's side, and (at the same time) the internet's route
        // to the task's public IPv4 through its fabric.
        std::thread::scope(|s| {
            let public = s.spawn(|| match t.public_ip {
                Some(p) => {
                    let (fab, _, up) = uplink(&t.fabric);
                    netns::ip(
                        Some(inet),
                        &[
                            "route",
                            "replace",
                            &format!("{p}/32"),
                            "via",
                            &fab.to_string(),
                            "dev",
                            &up,
                        ],
                    )
                    .map(|_| ())
                }
                None => Ok(()),
            });
            let own = netns::ip_batch(Some(&t.netns), &task_lines(t));
            let public = public
                .join()
                .unwrap_or_else(|_| Err("the route thread panicked".into()));
            own.and(public)
        })?;
        Ok(())
    })();
    if r.is_err() {
        let _ = unplumb_task(t, inet);
    }
    r
}

/// Tear a task's network down: its processes, its ENI link (the veth pair
/// and the fabric's routes to it go together), its namespace and /etc view.
/// Whatever is already gone is fine.
pub fn unplumb_task(t: &TaskSpec, inet: &str) -> Result<(), String> {
    if netns::exists(&t.fabric) {
        if let Err(e) = netns::ip(Some(&t.fabric), &["link", "del", &t.link]) {
            if !e.contains("Cannot find device") {
                return Err(e);
            }
        }
        while netns::ip(Some(&t.fabric), &["rule", "del", "iif", &t.link]).is_ok() {}
    }
    if let (Some(p), true) = (t.public_ip, netns::exists(inet)) {
        let _ = netns::ip(Some(inet), &["route", "del", &format!("{p}/32")]);
    }
    netns::del(&t.netns)
}
