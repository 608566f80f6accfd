//! The Regions of the `aws` partition and their Availability Zones.

mod catalog;

pub use catalog::REGIONS;

/// One Region of the `aws` partition.
#[derive(Debug)]
pub struct RegionInfo {
    pub name: &'static str,
    /// AWS's display name, e.g. `US East (N. Virginia)`.
    pub long_name: &'static str,
    /// Regions launched since 2019 must be opted into; tasknet reports them opted-in.
    pub opt_in_required: bool,
    pub zones: &'static [ZoneInfo],
    /// Where emulated public IPv4 addresses (EIPs, task public IPs) come from.
    pub ec2_v4_pool: &'static str,
    /// Where Amazon-provided VPC IPv6 /56 blocks come from.
    pub vpc_v6_pool: &'static str,
    /// Where emulated AWS service endpoint addresses come from.
    pub service_v4_pool: &'static str,
}

#[derive(Debug)]
pub struct ZoneInfo {
    pub name: &'static str,
    pub id: &'static str,
}

pub fn find(name: &str) -> Option<&'static RegionInfo> {
    REGIONS.iter().find(|r| r.name == name)
}

impl RegionInfo {
    pub fn zone(&self, name: &str) -> Option<&'static ZoneInfo> {
        self.zones.iter().find(|z| z.name == name)
    }
    pub fn zone_by_id(&self, id: &str) -> Option<&'static ZoneInfo> {
        self.zones.iter().find(|z| z.id == id)
    }
    /// The DNS suffix of private names: `ec2.internal` in us-east-1,
    /// `<region>.compute.internal` elsewhere (N16).
    pub fn private_dns_suffix(&self) -> String {
        if self.name == "us-east-1" {
            "ec2.internal".to_string()
        } else {
            format!("{}.compute.internal", self.name)
        }
    }
    /// The public DNS name of a public IPv4 address (N12).
    pub fn public_dns_name(&self, ip: std::net::Ipv4Addr) -> String {
        let dashed = ip.to_string().replace('.', "-");
        if self.name == "us-east-1" {
            format!("ec2-{dashed}.compute-1.amazonaws.com")
        } else {
            format!("ec2-{dashed}.{}.compute.amazonaws.com", self.name)
        }
    }
    /// N15: Regions where Fargate supports IPv6-only subnets.
    pub fn supports_ipv6_only_tasks(&self) -> bool {
        const N15: &[&str] = &[
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "af-south-1",
            "ap-east-1",
            "ap-south-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-south-1",
            "ap-northeast-3",
            "ap-northeast-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
            "ca-central-1",
            "ca-west-1",
            "cn-north-1",
            "cn-northwest-1",
            "eu-central-1",
            "eu-west-2",
            "eu-south-1",
            "eu-west-3",
            "eu-south-2",
            "il-central-1",
            "me-south-1",
            "me-central-1",
            "sa-east-1",
            "us-gov-east-1",
            "us-gov-west-1",
        ];
        N15.contains(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Ipv4Cidr, Ipv6Cidr};
    use std::collections::HashSet;

    #[test]
    fn catalog_is_consistent() {
        assert!(REGIONS.len() >= 30);
        let mut names = HashSet::new();
        for r in REGIONS {
            assert!(names.insert(r.name));
            assert!(r.zones.len() >= 2, "{}", r.name);
            let mut ids = HashSet::new();
            for z in r.zones {
                assert!(z.name.starts_with(r.name), "{}", z.name);
                assert!(ids.insert(z.id), "{}", z.id);
            }
            let v4: Ipv4Cidr = r.ec2_v4_pool.parse().unwrap();
            let svc: Ipv4Cidr = r.service_v4_pool.parse().unwrap();
            assert!(!v4.overlaps(&svc), "{}", r.name);
            assert!(v4.prefix_len() >= 10 && v4.prefix_len() <= 16);
            let _: Ipv6Cidr = r.vpc_v6_pool.parse().unwrap();
        }
        assert_eq!(
            find("us-east-1").unwrap().private_dns_suffix(),
            "ec2.internal"
        );
        assert_eq!(
            find("eu-west-1").unwrap().private_dns_suffix(),
            "eu-west-1.compute.internal"
        );
    }
}
