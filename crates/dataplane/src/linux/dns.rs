//! The VPC resolver (N16, N17): a small DNS server in each fabric on UDP 53
//! at VPC base+2, 169.254.169.253 and fd00:ec2::253. It answers A and AAAA
//! queries for the VPC's private names (`ip-a-b-c-d.ec2.internal`),
//! interface endpoints' private DNS names (their ENI's addresses), AWS
//! endpoint names (their emulated public addresses; AAAA for dual-stack
//! names) and any other public name (an address in tasknet's own
//! internet), with DNS64 answers for subnets that enable it; with
//! `enableDnsSupport` off it answers nothing.

use super::netns;
use crate::desired::VpcSpec;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// What a fabric's resolver knows; swapped at each apply.
#[derive(Default, Clone)]
pub struct Zone {
    pub region: String,
    pub dns_support: bool,
    pub cidrs: Vec<String>,
    /// Endpoint names and their addresses by zone (`VpcSpec::endpoint_names`).
    pub endpoints: Vec<(String, Vec<crate::desired::EndpointAddress>)>,
    /// The VPC's subnets (CIDR, zone, DNS64).
    pub zones: Vec<(String, String, bool)>,
}

/// A name's records: `None` in both is a name that exists with no
/// address of that family (an empty answer, not NXDOMAIN).
#[derive(Debug, Default, PartialEq)]
pub struct Records {
    pub a: Option<Ipv4Addr>,
    pub aaaa: Option<Ipv6Addr>,
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

    /// The subnet (zone, DNS64) of an address of the VPC.
    fn subnet_of(&self, ip: IpAddr) -> Option<(&str, bool)> {
        self.zones.iter().find_map(|(c, z, dns64)| {
            let inside = match ip {
                IpAddr::V4(a) => c
                    .parse::<model::net::Ipv4Cidr>()
                    .is_ok_and(|c| c.contains(a)),
                IpAddr::V6(a) => c
                    .parse::<model::net::Ipv6Cidr>()
                    .is_ok_and(|c| c.contains(a)),
            };
            inside.then_some((z.as_str(), *dns64))
        })
    }

    /// The records of `name` asked by `from` (`None`: NXDOMAIN). An
    /// interface endpoint's name gives its interface in the asker's zone,
    /// else its first (as the reachability engine picks); an asker in a
    /// DNS64 subnet gets `64:ff9b::/96` + the IPv4 address where a name
    /// has no IPv6 of its own.
    pub fn resolve(&self, name: &str, from: Option<IpAddr>) -> Option<Records> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let subnet = from.and_then(|f| self.subnet_of(f));
        let mut rec = self.records(&name, subnet.map(|s| s.0))?;
        if let (None, Some(a), Some((_, true))) = (rec.aaaa, rec.a, subnet) {
            rec.aaaa = Some(model::net::nat64_address(a));
        }
        Some(rec)
    }

    fn records(&self, name: &str, zone: Option<&str>) -> Option<Records> {
        for (n, ips) in &self.endpoints {
            let hit = match n.strip_prefix("*.") {
                Some(suffix) => name.ends_with(&format!(".{suffix}")),
                None => name == *n,
            };
            if hit {
                let (_, a, aaaa) = ips
                    .iter()
                    .find(|(z, _, _)| Some(z.as_str()) == zone)
                    .or(ips.first())?;
                return Some(Records { a: *a, aaaa: *aaaa });
            }
        }
        let first = name.split('.').next().unwrap_or("");
        if name.ends_with(".internal") {
            let ip: Ipv4Addr = first.strip_prefix("ip-")?.replace('-', ".").parse().ok()?;
            let inside = self.cidrs.iter().any(|c| {
                c.parse::<model::net::Ipv4Cidr>()
                    .is_ok_and(|c| c.contains(ip))
            });
            return inside.then_some(Records {
                a: Some(ip),
                aaaa: None,
            });
        }
        if name.ends_with(".amazonaws.com")
            || name.ends_with(".api.aws")
            || name.ends_with(".on.aws")
        {
            let info = model::regions::REGIONS
                .iter()
                .find(|r| name.split('.').any(|l| l == r.name))
                .or_else(|| model::regions::find(&self.region))?;
            for dual in [false, true] {
                let layers = model::reach::endpoints::ecr_layers(info, dual);
                if layers.host == name {
                    return Some(Records {
                        a: Some(layers.ipv4),
                        aaaa: layers.ipv6,
                    });
                }
            }
            // Dual-stack endpoint names (`…api.aws`, `…on.aws`, `….dualstack.…`).
            let dual = !name.ends_with(".amazonaws.com") || name.contains(".dualstack.");
            return Some(Records {
                a: Some(model::services::endpoint_address(info, name)),
                aaaa: dual.then(|| model::reach::endpoints::v6_for(info, name)),
            });
        }
        let d = model::reach::endpoints::public_registry(name);
        Some(Records {
            a: Some(d.ipv4),
            aaaa: d.ipv6,
        })
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
pub fn start(fabric: &str, zone: Zone, addrs: Vec<IpAddr>) -> Result<Resolver, String> {
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
                    if let Some(reply) = answer(&zone, &buf[..n], Some(peer.ip())) {
                        let _ = sock.send_to(&reply, peer);
                    }
                }
            })
            .map_err(|e| e.to_string())?;
    }
    Ok(Resolver { zone, stop })
}

/// The reply to one query (`None`: stay silent).
fn answer(zone: &Zone, q: &[u8], from: Option<IpAddr>) -> Option<Vec<u8>> {
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
    let rec = zone.resolve(&name, from);
    let data: Option<Vec<u8>> = match (&rec, qtype) {
        (Some(r), 1) => r.a.map(|a| a.octets().to_vec()),
        (Some(r), 28) => r.aaaa.map(|a| a.octets().to_vec()),
        _ => None,
    };
    let mut r = Vec::with_capacity(qend + 28);
    r.extend_from_slice(&q[..2]);
    let rd = q[2] & 1;
    let rcode = if rec.is_none() { 3 } else { 0 }; // NXDOMAIN
    r.push(0x80 | 0x04 | rd); // QR, AA, RD
    r.push(0x80 | rcode); // RA
    r.extend_from_slice(&[0, 1]);
    r.extend_from_slice(&u16::from(data.is_some()).to_be_bytes());
    r.extend_from_slice(&[0, 0, 0, 0]);
    r.extend_from_slice(q.get(12..qend)?);
    if let Some(d) = data {
        r.extend_from_slice(&[0xc0, 12]);
        r.extend_from_slice(&qtype.to_be_bytes());
        r.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
        r.extend_from_slice(&(d.len() as u16).to_be_bytes());
        r.extend_from_slice(&d);
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone {
            region: "us-east-1".into(),
            dns_support: true,
            cidrs: vec!["10.0.0.0/16".into()],
            endpoints: vec![(
                "logs.us-east-1.amazonaws.com".into(),
                vec![
                    ("us-east-1a".into(), Some(Ipv4Addr::new(10, 0, 1, 9)), None),
                    (
                        "us-east-1b".into(),
                        Some(Ipv4Addr::new(10, 0, 2, 9)),
                        Some("2600:1f18::9".parse().expect("v6")),
                    ),
                ],
            )],
            zones: vec![
                ("10.0.1.0/24".into(), "us-east-1a".into(), false),
                ("2600:1f18::/64".into(), "us-east-1b".into(), true),
            ],
        }
    }

    #[test]
    fn endpoint_names_answer_the_askers_zone() {
        let z = zone();
        let a = z.resolve(
            "logs.us-east-1.amazonaws.com",
            Some("10.0.1.5".parse().expect("ip")),
        );
        assert_eq!(
            a,
            Some(Records {
                a: Some(Ipv4Addr::new(10, 0, 1, 9)),
                aaaa: None
            })
        );
        let b = z.resolve(
            "LOGS.us-east-1.amazonaws.com.",
            Some("2600:1f18::5".parse().expect("ip")),
        );
        assert_eq!(
            b.and_then(|r| r.aaaa),
            Some("2600:1f18::9".parse().expect("v6"))
        );
    }

    #[test]
    fn dual_stack_names_have_aaaa_and_dns64_synthesizes_the_rest() {
        let z = zone();
        let v4_asker = Some("10.0.1.5".parse().expect("ip"));
        let v6_asker = Some("2600:1f18::5".parse().expect("ip"));
        // A dual-stack ECR API name has its own IPv6 address.
        let ecr = z
            .resolve("ecr.us-east-1.api.aws", v4_asker)
            .expect("exists");
        assert!(ecr.a.is_some() && ecr.aaaa.is_some());
        // An IPv4-only name: no AAAA, unless the asker's subnet has DNS64.
        let ssm = z
            .resolve("ssm.us-east-1.amazonaws.com", v4_asker)
            .expect("exists");
        assert_eq!(ssm.aaaa, None);
        let ssm64 = z
            .resolve("ssm.us-east-1.amazonaws.com", v6_asker)
            .expect("exists");
        let a = ssm64.a.expect("a");
        assert_eq!(ssm64.aaaa, Some(model::net::nat64_address(a)));
        // A private name outside the VPC does not exist.
        assert_eq!(z.resolve("ip-192-168-0-1.ec2.internal", v4_asker), None);
    }

    #[test]
    fn aaaa_queries_get_sixteen_bytes_and_empty_answers_are_not_nxdomain() {
        let z = zone();
        let query = |name: &str, qtype: u16| {
            let mut q = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
            for l in name.split('.') {
                q.push(l.len() as u8);
                q.extend_from_slice(l.as_bytes());
            }
            q.push(0);
            q.extend_from_slice(&qtype.to_be_bytes());
            q.extend_from_slice(&[0, 1]);
            answer(&z, &q, Some("10.0.1.5".parse().expect("ip"))).expect("a reply")
        };
        let r = query("ecr.us-east-1.api.aws", 28);
        assert_eq!(r[3] & 0xf, 0);
        assert_eq!(u16::from_be_bytes([r[6], r[7]]), 1);
        assert_eq!(&r[r.len() - 18..r.len() - 16], &[0, 16]);
        // No AAAA for an IPv4-only name: an answer with no records, NOERROR.
        let r = query("ssm.us-east-1.amazonaws.com", 28);
        assert_eq!((r[3] & 0xf, u16::from_be_bytes([r[6], r[7]])), (0, 0));
        // A name that does not exist: NXDOMAIN.
        let r = query("ip-192-168-0-1.ec2.internal", 1);
        assert_eq!(r[3] & 0xf, 3);
    }
}
