//! The endpoints Fargate tasks talk to, per Region: AWS service endpoints
//! (IPv4, and dual-stack where AWS offers it), the S3 bucket ECR layers come
//! from, and the public registries. Every address here is emulated: AWS
//! endpoints come from the Region's `service_v4_pool` (`services.rs`), public
//! registries from a fixed table; they exist only in tasknet's world.

use crate::regions::RegionInfo;
use crate::services;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Where a host lives and how it can be reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub host: String,
    /// The VPC endpoint service (`ecr.api`, `logs`, `s3`…) that can stand in
    /// for the public endpoint, when the host is an AWS endpoint of the task's Region.
    pub endpoint_service: Option<&'static str>,
    /// The AWS-managed prefix list that covers it (S3), for gateway endpoints.
    pub prefix_list: Option<String>,
    pub ipv4: Ipv4Addr,
    /// Present when the public endpoint is dual-stack.
    pub ipv6: Option<Ipv6Addr>,
    /// For an IPv4-only ECR host: the dual-stack image URI that would reach
    /// the same repository over IPv6 (what `explain` suggests to IPv6-only
    /// tasks, N40).
    pub dual_stack_uri: Option<String>,
}

/// The emulated IPv6 address of a dual-stack AWS endpoint host (the VPC
/// resolver answers AAAA queries with it).
pub fn v6_for(info: &RegionInfo, host: &str) -> Ipv6Addr {
    let pool: crate::net::Ipv6Cidr = info
        .vpc_v6_pool
        .parse()
        .unwrap_or_else(|_| "2600:1f00::/32".parse().expect("static"));
    // The last /64 of the Region's pool hosts emulated AWS endpoints.
    let base =
        pool.base() | ((1u128 << (128 - pool.prefix_len() as u32)) - 1) & !((1u128 << 64) - 1);
    Ipv6Addr::from(base | (services::fnv(host) as u128 & 0xffff_ffff_ffff) | 0x10)
}

/// An AWS service endpoint host of `region` reached over IPv4 (and IPv6 when `dual`).
pub fn aws(info: &RegionInfo, host: String, service: &'static str, dual: bool) -> Destination {
    Destination {
        ipv4: services::endpoint_address(info, &host),
        ipv6: dual.then(|| v6_for(info, &host)),
        endpoint_service: Some(service),
        prefix_list: None,
        dual_stack_uri: None,
        host,
    }
}

/// The ECR API host a task uses for the registry auth token. The image URI
/// decides (N40): a dual-stack image URI (`<acct>.dkr-ecr.<region>.on.aws`)
/// uses the dual-stack API `ecr.<region>.api.aws`; a classic one
/// (`<acct>.dkr.ecr.<region>.amazonaws.com`) the IPv4-only
/// `api.ecr.<region>.amazonaws.com`. ECR's dual-stack endpoints take no
/// PrivateLink traffic, so only the IPv4 ones have interface endpoints
/// (docs/reference/ecr-dual-stack.md).
pub fn ecr_api(info: &RegionInfo, dual_stack: bool) -> Destination {
    if dual_stack {
        let mut d = aws(info, format!("ecr.{}.api.aws", info.name), "ecr.api", true);
        d.endpoint_service = None;
        d
    } else {
        aws(
            info,
            format!("api.ecr.{}.amazonaws.com", info.name),
            "ecr.api",
            false,
        )
    }
}

/// The ECR registry host of an image: `<acct>.dkr-ecr.<region>.on.aws`
/// (dual-stack) or `<acct>.dkr.ecr.<region>.amazonaws.com` (IPv4 only).
pub fn ecr_registry(
    info: &RegionInfo,
    account: &str,
    same_region: bool,
    dual_stack: bool,
) -> Destination {
    if dual_stack {
        let mut d = aws(
            info,
            format!("{account}.dkr-ecr.{}.on.aws", info.name),
            "ecr.dkr",
            true,
        );
        d.endpoint_service = None;
        d
    } else {
        let mut d = aws(
            info,
            format!("{account}.dkr.ecr.{}.amazonaws.com", info.name),
            "ecr.dkr",
            false,
        );
        if !same_region {
            d.endpoint_service = None;
        }
        d
    }
}

/// The S3 bucket ECR serves image layers from; covered by the S3 prefix
/// list. Images of a dual-stack URI get their layers from S3's dual-stack
/// name (IPv4 and IPv6); classic images from the regional name, IPv4 only.
pub fn ecr_layers(info: &RegionInfo, dual_stack: bool) -> Destination {
    let pl = services::managed_prefix_lists(info)
        .into_iter()
        .find(|p| p.name.ends_with(".s3"));
    let host = if dual_stack {
        format!(
            "prod-{0}-starport-layer-bucket.s3.dualstack.{0}.amazonaws.com",
            info.name
        )
    } else {
        format!(
            "prod-{0}-starport-layer-bucket.s3.{0}.amazonaws.com",
            info.name
        )
    };
    let ipv4 = pl
        .as_ref()
        .and_then(|p| p.cidrs.first())
        .and_then(|c| c.nth(1 + services::fnv(&host) % (c.size().saturating_sub(2).max(1))))
        .unwrap_or_else(|| services::endpoint_address(info, &host));
    Destination {
        ipv6: dual_stack.then(|| v6_for(info, &host)),
        endpoint_service: Some("s3"),
        prefix_list: pl.map(|p| p.id),
        dual_stack_uri: None,
        ipv4,
        host,
    }
}

/// The dual-stack URI of a classic ECR image
/// (`<acct>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` →
/// `<acct>.dkr-ecr.<region>.on.aws/<repo>:<tag>`).
pub fn ecr_dual_stack_uri(image: &ImageRef) -> Option<String> {
    let (acct, region) = image.ecr.as_ref()?;
    if image.ecr_dual_stack {
        return None;
    }
    let sep = if image.reference.starts_with("sha256:") {
        '@'
    } else {
        ':'
    };
    Some(format!(
        "{acct}.dkr-ecr.{region}.on.aws/{}{sep}{}",
        image.repository, image.reference
    ))
}

/// Public registries outside AWS: (registry host, host serving its layers).
const PUBLIC_REGISTRIES: &[(&str, &str)] = &[
    ("registry-1.docker.io", "production.cloudflare.docker.com"),
    ("public.ecr.aws", "d2glxqk2uabbnd.cloudfront.net"),
    ("ghcr.io", "pkg-containers.githubusercontent.com"),
    ("quay.io", "cdn01.quay.io"),
];

/// Emulated addresses of well-known internet hosts: (host, IPv4, IPv6).
const INTERNET_HOSTS: &[(&str, [u8; 4], Option<&str>)] = &[
    ("registry-1.docker.io", [34, 205, 13, 154], None),
    (
        "production.cloudflare.docker.com",
        [104, 16, 101, 215],
        None,
    ),
    (
        "public.ecr.aws",
        [99, 83, 145, 10],
        Some("2600:9000:2000::1"),
    ),
    (
        "d2glxqk2uabbnd.cloudfront.net",
        [18, 160, 10, 20],
        Some("2600:9000:2001::1"),
    ),
    ("ghcr.io", [140, 82, 112, 34], None),
    (
        "pkg-containers.githubusercontent.com",
        [185, 199, 108, 154],
        None,
    ),
    ("quay.io", [3, 214, 10, 150], Some("2600:1f18:483:cf02::1")),
    (
        "cdn01.quay.io",
        [13, 225, 63, 12],
        Some("2600:9000:2002::1"),
    ),
];

/// A host outside AWS (a registry or its layer store) with its emulated
/// addresses. Unknown hosts get a stable address in the documentation range
/// 203.0.113.0/24.
pub fn public_registry(host: &str) -> Destination {
    let (ipv4, ipv6) = match INTERNET_HOSTS.iter().find(|r| r.0 == host) {
        Some((_, v4, v6)) => (Ipv4Addr::from(*v4), v6.and_then(|s| s.parse().ok())),
        None => (
            Ipv4Addr::new(203, 0, 113, (services::fnv(host) % 250) as u8 + 2),
            None,
        ),
    };
    Destination {
        host: host.to_string(),
        endpoint_service: None,
        prefix_list: None,
        ipv4,
        ipv6,
        dual_stack_uri: None,
    }
}

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRef {
    /// The host a client talks to (`registry-1.docker.io` for Docker Hub).
    pub registry: String,
    /// Repository path (`library/nginx`).
    pub repository: String,
    /// Tag or digest (`latest`, `sha256:…`).
    pub reference: String,
    /// The fully qualified reference containerd resolves (`docker.io/library/nginx:latest`).
    pub full: String,
    /// For ECR: (account, region).
    pub ecr: Option<(String, String)>,
    /// An ECR image named by its dual-stack URI (`…dkr-ecr.<region>.on.aws`).
    pub ecr_dual_stack: bool,
}

pub fn parse_image(image: &str) -> ImageRef {
    let (name, reference, sep) = match image.split_once('@') {
        Some((n, d)) => (n.to_string(), d.to_string(), '@'),
        None => {
            let last = image.rsplit('/').next().unwrap_or(image);
            match last.rsplit_once(':') {
                Some((_, tag)) => (
                    image[..image.len() - tag.len() - 1].to_string(),
                    tag.to_string(),
                    ':',
                ),
                None => (image.to_string(), "latest".to_string(), ':'),
            }
        }
    };
    let first = name.split('/').next().unwrap_or("");
    let has_host =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let (host, repo) = if has_host {
        (first.to_string(), name[first.len() + 1..].to_string())
    } else if name.contains('/') {
        ("docker.io".to_string(), name.clone())
    } else {
        ("docker.io".to_string(), format!("library/{name}"))
    };
    let registry = if host == "docker.io" || host == "index.docker.io" {
        "registry-1.docker.io".to_string()
    } else {
        host.clone()
    };
    let parts: Vec<&str> = host.split('.').collect();
    let (ecr, ecr_dual_stack) = if host.contains(".dkr.ecr.") && host.ends_with(".amazonaws.com") {
        // <acct>.dkr.ecr.<region>.amazonaws.com
        (
            (parts.len() >= 6).then(|| (parts[0].to_string(), parts[3].to_string())),
            false,
        )
    } else if parts.len() == 5 && parts[1] == "dkr-ecr" && host.ends_with(".on.aws") {
        // <acct>.dkr-ecr.<region>.on.aws
        (Some((parts[0].to_string(), parts[2].to_string())), true)
    } else {
        (None, false)
    };
    let full = format!("{host}/{repo}{sep}{reference}");
    ImageRef {
        registry,
        repository: repo,
        reference,
        full,
        ecr,
        ecr_dual_stack,
    }
}

/// The layer host of a public registry.
pub fn layer_host(registry: &str) -> Option<&'static str> {
    PUBLIC_REGISTRIES
        .iter()
        .find(|r| r.0 == registry)
        .map(|r| r.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        let i = parse_image("nginx");
        assert_eq!(i.full, "docker.io/library/nginx:latest");
        assert_eq!(i.registry, "registry-1.docker.io");
        let i = parse_image("tryretool/backend:2.110.5");
        assert_eq!(i.full, "docker.io/tryretool/backend:2.110.5");
        let i = parse_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web:1.2");
        assert_eq!(i.ecr, Some(("123456789012".into(), "us-east-1".into())));
        assert_eq!(i.repository, "app/web");
        assert_eq!(i.reference, "1.2");
        assert!(!i.ecr_dual_stack);
        assert_eq!(
            ecr_dual_stack_uri(&i).as_deref(),
            Some("123456789012.dkr-ecr.us-east-1.on.aws/app/web:1.2")
        );
        let d = parse_image("123456789012.dkr-ecr.eu-west-1.on.aws/app/web:1.2");
        assert_eq!(d.ecr, Some(("123456789012".into(), "eu-west-1".into())));
        assert!(d.ecr_dual_stack);
        assert_eq!(d.registry, "123456789012.dkr-ecr.eu-west-1.on.aws");
        assert_eq!(ecr_dual_stack_uri(&d), None);
        let i = parse_image("public.ecr.aws/nginx/nginx@sha256:abc");
        assert_eq!(i.registry, "public.ecr.aws");
        assert_eq!(i.reference, "sha256:abc");
        let i = parse_image("localhost:5000/x");
        assert_eq!(i.registry, "localhost:5000");
    }

    #[test]
    fn addresses_are_stable_and_in_pools() {
        let us = crate::regions::find("us-east-1").unwrap();
        let a = ecr_api(us, false);
        assert_eq!(a, ecr_api(us, false));
        let layers = ecr_layers(us, false);
        let pl = services::managed_prefix_lists(us);
        assert!(pl[0].cidrs[0].contains(layers.ipv4));
        assert_eq!(
            public_registry("registry-1.docker.io").ipv4,
            Ipv4Addr::new(34, 205, 13, 154)
        );
    }
}
