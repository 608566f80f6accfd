//! The AWS services a VPC can reach through endpoints, per Region: their VPC
//! endpoint service names and types, private DNS names, and the emulated
//! addresses of their public endpoints and prefix lists. Addresses come from the
//! Region's `service_v4_pool` and live only in tasknet's world:
//! first half → the S3 prefix list, third quarter → DynamoDB, last quarter →
//! one address per public endpoint host.

use crate::net::Ipv4Cidr;
use crate::regions::RegionInfo;
use std::net::Ipv4Addr;

#[derive(Debug)]
pub struct AwsService {
    /// The part after `com.amazonaws.<region>.`, e.g. `ecr.api`.
    pub short: &'static str,
    pub interface: bool,
    pub gateway: bool,
    /// Private DNS name of the interface endpoint, `{region}` substituted.
    pub private_dns: Option<&'static str>,
    /// Whether the interface endpoint can be dual-stack. ECR has no dual-stack
    /// interface endpoints (N40); the others follow AWS's IPv6 service list.
    pub interface_ipv6: bool,
}

const fn svc(short: &'static str, dns: &'static str, ipv6: bool) -> AwsService {
    AwsService {
        short,
        interface: true,
        gateway: false,
        private_dns: Some(dns),
        interface_ipv6: ipv6,
    }
}

pub static SERVICES: &[AwsService] = &[
    AwsService {
        short: "dynamodb",
        interface: true,
        gateway: true,
        private_dns: None,
        interface_ipv6: true,
    },
    svc("ec2", "ec2.{region}.amazonaws.com", true),
    svc("ec2messages", "ec2messages.{region}.amazonaws.com", true),
    svc("ecr.api", "api.ecr.{region}.amazonaws.com", false),
    svc("ecr.dkr", "*.dkr.ecr.{region}.amazonaws.com", false),
    svc("ecs", "ecs.{region}.amazonaws.com", true),
    svc("ecs-agent", "ecs-a.{region}.amazonaws.com", true),
    svc("ecs-telemetry", "ecs-t.{region}.amazonaws.com", true),
    svc(
        "elasticfilesystem",
        "elasticfilesystem.{region}.amazonaws.com",
        true,
    ),
    svc(
        "elasticloadbalancing",
        "elasticloadbalancing.{region}.amazonaws.com",
        true,
    ),
    svc("events", "events.{region}.amazonaws.com", true),
    svc("kms", "kms.{region}.amazonaws.com", true),
    svc("lambda", "lambda.{region}.amazonaws.com", true),
    svc("logs", "logs.{region}.amazonaws.com", true),
    svc("monitoring", "monitoring.{region}.amazonaws.com", true),
    AwsService {
        short: "s3",
        interface: true,
        gateway: true,
        private_dns: Some("*.s3.{region}.amazonaws.com"),
        interface_ipv6: true,
    },
    svc(
        "secretsmanager",
        "secretsmanager.{region}.amazonaws.com",
        true,
    ),
    svc("sns", "sns.{region}.amazonaws.com", true),
    svc("sqs", "sqs.{region}.amazonaws.com", true),
    svc("ssm", "ssm.{region}.amazonaws.com", true),
    svc("ssmmessages", "ssmmessages.{region}.amazonaws.com", true),
    svc("sts", "sts.{region}.amazonaws.com", true),
    svc("xray", "xray.{region}.amazonaws.com", true),
];

pub fn find(short: &str) -> Option<&'static AwsService> {
    SERVICES.iter().find(|s| s.short == short)
}

/// `com.amazonaws.us-east-1.ecr.api` → the service, if it is of this Region.
pub fn by_name(region: &str, name: &str) -> Option<&'static AwsService> {
    let short = name
        .strip_prefix("com.amazonaws.")?
        .strip_prefix(region)?
        .strip_prefix('.')?;
    find(short)
}

impl AwsService {
    pub fn name(&self, region: &str) -> String {
        format!("com.amazonaws.{region}.{}", self.short)
    }
    pub fn private_dns_name(&self, region: &str) -> Option<String> {
        self.private_dns.map(|d| d.replace("{region}", region))
    }
    /// The label of the service in `*.vpce.amazonaws.com` names: the private
    /// DNS host without its Region suffix and wildcard (`api.ecr`, `dkr.ecr`,
    /// `ecs-a`), or the short name when the service has no private DNS name.
    pub fn vpce_dns_label(&self) -> &'static str {
        match self.private_dns {
            Some(d) => {
                let host = d.strip_prefix("*.").unwrap_or(d);
                host.split_once(".{region}.")
                    .map(|x| x.0)
                    .unwrap_or(self.short)
            }
            None => self.short,
        }
    }
    /// `api.ecr.us-east-1.vpce.amazonaws.com`: the base DNS name of the
    /// interface endpoint service (its endpoints' names end in it).
    pub fn vpce_base_dns_name(&self, region: &str) -> String {
        format!("{}.{region}.vpce.amazonaws.com", self.vpce_dns_label())
    }
    /// A stable `vpce-svc-` id per (Region, service, type).
    pub fn service_id(&self, region: &str, kind: &str) -> String {
        format!(
            "vpce-svc-{:017x}",
            fnv(&format!("{region}/{}/{kind}", self.short)) >> 4
        )
    }
}

/// FNV-1a, for stable per-Region identifiers.
pub fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn pool(info: &RegionInfo) -> Ipv4Cidr {
    info.service_v4_pool
        .parse()
        .unwrap_or_else(|_| Ipv4Cidr::new(Ipv4Addr::new(198, 19, 0, 0), 16).expect("static"))
}

/// An AWS-managed prefix list (`com.amazonaws.<region>.s3` / `.dynamodb`).
#[derive(Debug, Clone)]
pub struct ManagedPrefixList {
    pub id: String,
    pub name: String,
    pub cidrs: Vec<Ipv4Cidr>,
}

pub fn managed_prefix_lists(info: &RegionInfo) -> Vec<ManagedPrefixList> {
    let p = pool(info);
    let len = p.prefix_len();
    let s3 = p.subnet_v4(len + 1, 0);
    let ddb = p.subnet_v4(len + 2, 2);
    let mk = |svc: &str, cidr: Option<Ipv4Cidr>| ManagedPrefixList {
        id: prefix_list_id(info.name, svc),
        name: format!("com.amazonaws.{}.{svc}", info.name),
        cidrs: cidr.into_iter().collect(),
    };
    vec![mk("s3", s3), mk("dynamodb", ddb)]
}

/// Real ids in us-east-1; stable hashed ids elsewhere.
pub fn prefix_list_id(region: &str, svc: &str) -> String {
    match (region, svc) {
        ("us-east-1", "s3") => "pl-63a5400a".into(),
        ("us-east-1", "dynamodb") => "pl-02cd2c6b".into(),
        _ => format!("pl-{:08x}", fnv(&format!("{region}/{svc}")) as u32),
    }
}

/// The emulated public address of an AWS endpoint host name (`api.ecr.us-east-1.amazonaws.com`).
pub fn endpoint_address(info: &RegionInfo, host: &str) -> Ipv4Addr {
    let p = pool(info);
    let quarter = p.size() / 4;
    let base = p.size() - quarter;
    let span = quarter.saturating_sub(2).max(1);
    let off = base + 1 + fnv(host) % span;
    p.nth(off).unwrap_or(p.network())
}

impl Ipv4Cidr {
    /// The `index`-th sub-block of length `len`.
    pub fn subnet_v4(&self, len: u8, index: u32) -> Option<Ipv4Cidr> {
        if len < self.prefix_len() || len > 32 {
            return None;
        }
        let bits = len - self.prefix_len();
        if bits < 32 && (index as u64) >> bits != 0 {
            return None;
        }
        let off = if len == 0 {
            0
        } else {
            (index as u64) << (32 - len as u32)
        };
        Ipv4Cidr::new(Ipv4Addr::from((self.base() as u64 + off) as u32), len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions;

    #[test]
    fn names_and_lists() {
        let us = regions::find("us-east-1").unwrap();
        assert_eq!(
            by_name("us-east-1", "com.amazonaws.us-east-1.ecr.dkr")
                .unwrap()
                .short,
            "ecr.dkr"
        );
        assert_eq!(
            find("ecr.dkr").unwrap().vpce_base_dns_name("us-east-1"),
            "dkr.ecr.us-east-1.vpce.amazonaws.com"
        );
        assert_eq!(find("ecr.api").unwrap().vpce_dns_label(), "api.ecr");
        assert_eq!(find("ecs-agent").unwrap().vpce_dns_label(), "ecs-a");
        assert_eq!(find("s3").unwrap().vpce_dns_label(), "s3");
        assert_eq!(find("dynamodb").unwrap().vpce_dns_label(), "dynamodb");
        assert!(by_name("us-east-1", "com.amazonaws.eu-west-1.ecr.dkr").is_none());
        let pls = managed_prefix_lists(us);
        assert_eq!(pls[0].id, "pl-63a5400a");
        let s3 = pls[0].cidrs[0];
        let ddb = pls[1].cidrs[0];
        assert!(!s3.overlaps(&ddb));
        let a = endpoint_address(us, "api.ecr.us-east-1.amazonaws.com");
        assert!(pool(us).contains(a) && !s3.contains(a) && !ddb.contains(a));
        for r in regions::REGIONS {
            let p = managed_prefix_lists(r);
            assert!(
                !p[0].cidrs.is_empty() && !p[1].cidrs.is_empty(),
                "{}",
                r.name
            );
        }
    }
}
