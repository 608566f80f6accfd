//! The VPC resolver (N16, N17): a small DNS server in each fabric on UDP 53
//! at VPC base+2 and 169.254.169.253. It answers A queries for the VPC's
//! private names (`ip-a-b-c-d.ec2.internal`), interface endpoints' private
//! DNS names (their ENI's address), AWS endpoint names (their emulated
//! public address) and any other public name (an address in tasknet's own
//! internet); with `enableDnsSupport` off it answers nothing.

use super::netns;
use crate::desired::VpcSpec;
use std::net::{Ipv4Addr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// What a fabric's resolver knows; swapped at each apply.
#[derive(Default, Clone)]
pub struct Zone {
    pub region: String,
    pub dns_support: bool,
    pub cidrs: Vec<String>,
    /// Endpoint names and their addresses by zone (`VpcSpec::endpoint_names`).
    pub endpoints: Vec<(String, Vec<(String, Ipv4Addr)>)>,
    /// The VPC's subnets (CIDR, zone).
    pub zones: Vec<(String, String)>,
}

impl Zone {
    pub fn of(v: &VpcSpec) -> Zone {
        Zone {
            region: v.region.clone(),
            dns_support: v.dns_support,
            cidrs: v.cidrs.clone(),
            endpoints: v.endpoint_names.clone(),
            zones: v.zones.clone(),
        }
    }

    /// The zone of the subnet an address of the VPC is in.
    fn zone_of(&self, ip: Ipv4Addr) -> Option<&str> {
        self.zones.iter().find_map(|(c, z)| {
            c.parse::<model::net::Ipv4Cidr>()
                .is_ok_and(|c| c.contains(ip))
                .then_some(z.as_str())
        })
    }

    /// The A record of `name` asked by `from`, if any: an interface
    /// endpoint's name gives its interface in the asker's zone, else its
    /// first (as the reachability engine picks).
    pub fn resolve(&self, name: &str, from: Option<Ipv4Addr>) -> Option<Ipv4Addr> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        for (n, ips) in &self.endpoints {
            let hit = match n.strip_prefix("*.") {
                Some(suffix) => name.ends_with(&format!(".{suffix}")),
                None => name == *n,
            };
            if hit {
                let zone = from.and_then(|f| self.zone_of(f));
                return ips
                    .iter()
                    .find(|(z, _)| Some(z.as_str()) == zone)
                    .or(ips.first())
                    .map(|(_, ip)| *ip);
            }
        }
        let first = name.split('.').next().unwrap_or("");
        if name.ends_with(".internal") {
            let ip: Ipv4Addr = first.strip_prefix("ip-")?.replace('-', ".").parse().ok()?;
            let inside = self.cidrs.iter().any(|c| {
                c.parse::<model::net::Ipv4Cidr>()
                    .is_ok_and(|c| c.contains(ip))
            });
            return inside.then_some(ip);
        }
        if name.ends_with(".amazonaws.com")
            || name.ends_with(".api.aws")
            || name.ends_with(".on.aws")
        {
            let info = model::regions::REGIONS
                .iter()
                .find(|r| name.split('.').any(|l| l == r.name))
                .or_else(|| model::regions::find(&self.region))?;
            let layers = model::reach::endpoints::ecr_layers(info, false);
            if layers.host == name {
                return Some(layers.ipv4);
            }
            return Some(model::services::endpoint_address(info, &name));
        }
        Some(model::reach::endpoints::public_registry(&name).ipv4)
    }
}

/// A running resolver; dropping the handle's flag stops it.
pub struct Resolver {
    pub zone: Arc<RwLock<Zone>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Resolver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Start a resolver inside fabric `fabric`, on UDP 53 of each of `addrs`
/// (one socket per address, so that every reply comes from the address
/// the query went to, as resolvers check).
pub fn start(fabric: &str, zone: Zone, addrs: Vec<Ipv4Addr>) -> Result<Resolver, String> {
    let zone = Arc::new(RwLock::new(zone));
    let stop = Arc::new(AtomicBool::new(false));
    for a in addrs {
        let sock = netns::run_in(fabric, move || UdpSocket::bind((a, 53)))?
            .map_err(|e| format!("resolver: cannot bind {a}:53: {e}"))?;
        let _ = sock.set_read_timeout(Some(std::time::Duration::from_millis(500)));
        let (z, s) = (zone.clone(), stop.clone());
        std::thread::Builder::new()
            .name(format!("dns {a}"))
            .spawn(move || {
                let mut buf = [0u8; 512];
                while !s.load(Ordering::SeqCst) {
                    let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                        continue;
                    };
                    let zone = z.read().map(|z| z.clone()).unwrap_or_default();
                    let from = match peer.ip() {
                        std::net::IpAddr::V4(a) => Some(a),
                        std::net::IpAddr::V6(_) => None,
                    };
                    if let Some(reply) = answer(&zone, &buf[..n], from) {
                        let _ = sock.send_to(&reply, peer);
                    }
                }
            })
            .map_err(|e| e.to_string())?;
    }
    Ok(Resolver { zone, stop })
}

/// The reply to one query (`None`: stay silent).
fn answer(zone: &Zone, q: &[u8], from: Option<Ipv4Addr>) -> Option<Vec<u8>> {
    if q.len() < 12 || !zone.dns_support {
        return None;
    }
    // The question: labels, then type and class.
    let mut i = 12;
    let mut labels = Vec::new();
    while i < q.len() && q[i] != 0 {
        let l = q[i] as usize;
        labels.push(String::from_utf8_lossy(q.get(i + 1..i + 1 + l)?).into_owned());
        i += 1 + l;
    }
    let qend = i + 5;
    let qtype = u16::from_be_bytes([*q.get(i + 1)?, *q.get(i + 2)?]);
    let name = labels.join(".");
    let ip = zone.resolve(&name, from);
    let mut r = Vec::with_capacity(qend + 16);
    r.extend_from_slice(&q[..2]);
    let rd = q[2] & 1;
    let rcode = if ip.is_none() { 3 } else { 0 }; // NXDOMAIN
    r.push(0x80 | 0x04 | rd); // QR, AA, RD
    r.push(0x80 | rcode); // RA
    let answers = u16::from(ip.is_some() && qtype == 1);
    r.extend_from_slice(&[0, 1]);
    r.extend_from_slice(&answers.to_be_bytes());
    r.extend_from_slice(&[0, 0, 0, 0]);
    r.extend_from_slice(q.get(12..qend)?);
    if let (Some(ip), 1) = (ip, answers) {
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        r.extend_from_slice(&ip.octets());
    }
    Some(r)
}
