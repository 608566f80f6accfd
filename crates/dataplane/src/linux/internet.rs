//! tasknet's own sealed "internet" (N72): one namespace, reached only from
//! the fabrics' internet-gateway links, that takes every emulated public
//! address as its own (the AWS endpoint pools of every Region, IPv4 and
//! IPv6, the public registries, 203.0.113.0/24 for any other name the VPC
//! resolver answers) and answers HTTP on 80 and HTTPS (and plain HTTP) on 443 there. It has no link to the host: no
//! packet of a task ever reaches the host's real network.

use super::netns;
use std::net::TcpListener;

/// Public hosts with fixed emulated addresses (`reach::endpoints`).
const KNOWN_HOSTS: &[&str] = &[
    "registry-1.docker.io",
    "production.cloudflare.docker.com",
    "public.ecr.aws",
    "d2glxqk2uabbnd.cloudfront.net",
    "ghcr.io",
    "pkg-containers.githubusercontent.com",
    "quay.io",
    "cdn01.quay.io",
];

/// Create the internet namespace `name` and start its servers.
pub fn ensure(name: &str) -> Result<(), String> {
    let fresh = !netns::exists(name);
    netns::add(name)?;
    if !fresh {
        return Ok(());
    }
    netns::sysctls(
        name,
        &[
            ("net/ipv4/conf/all/rp_filter", "0"),
            ("net/ipv4/conf/default/rp_filter", "0"),
        ],
    )?;
    let mut lines = vec!["link set lo up".to_string()];
    // AnyIP: every address of these blocks is local here.
    for r in model::regions::REGIONS {
        lines.push(format!(
            "route replace local {} dev lo table local",
            r.service_v4_pool
        ));
    }
    lines.push("route replace local 203.0.113.0/24 dev lo table local".into());
    for h in KNOWN_HOSTS {
        let d = model::reach::endpoints::public_registry(h);
        lines.push(format!(
            "route replace local {}/32 dev lo table local",
            d.ipv4
        ));
        if let Some(v6) = d.ipv6 {
            lines.push(format!("route replace local {v6}/128 dev lo table local"));
        }
    }
    // Dual-stack AWS endpoints: the /64 of each Region's pool that
    // `reach::endpoints::v6_for` takes them from.
    for r in model::regions::REGIONS {
        let a = u128::from(model::reach::endpoints::v6_for(r, "any"));
        let net = std::net::Ipv6Addr::from(a & !((1u128 << 64) - 1));
        lines.push(format!("route replace local {net}/64 dev lo table local"));
    }
    netns::ip_batch(Some(name), &lines)?;
    for port in [80u16, 443] {
        // IPv4 and IPv6 (a v6 socket that takes v4-mapped connections too).
        let l = netns::run_in(name, move || TcpListener::bind(("::", port)))?
            .map_err(|e| format!("internet: cannot listen on {port}: {e}"))?;
        std::thread::Builder::new()
            .name(format!("internet:{port}"))
            .spawn(move || serve(l))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Answer every connection (HTTPS or HTTP, `tls::serve`) with a small
/// response naming the host and address asked for.
fn serve(l: TcpListener) {
    for conn in l.incoming() {
        let Ok(c) = conn else { continue };
        std::thread::spawn(move || super::tls::serve(c, "internet"));
    }
}
