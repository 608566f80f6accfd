//! Load balancers: validation (names, scheme, IP address type, subnets and
//! zones, security groups; N52 for dual-stack), the node ENIs ELB creates
//! in each enabled subnet (requester-managed, visible and protected in
//! EC2), DNS names and hosted zone ids as AWS forms them, and the state
//! derived from the creation time.

use super::types::*;
use super::{err, one_of, ElbTiming, NameProblem, Paging};
use crate::ec2::eni::{NewEni, ELB_OWNER};
use crate::ec2::types::{EniAttachment, EniOwner, Tag};
use crate::ids;
use crate::time::Millis;
use crate::world::Region;
use crate::Result;
use std::net::Ipv4Addr;

pub const TYPES: &[&str] = &["application", "network", "gateway"];
pub const SCHEMES: &[&str] = &["internet-facing", "internal"];
pub const IP_TYPES: &[&str] = &["ipv4", "dualstack", "dualstack-without-public-ipv4"];

/// A subnet given in `SubnetMappings`.
#[derive(Debug, Clone, Default)]
pub struct SubnetMapping {
    pub subnet_id: String,
    pub allocation_id: Option<String>,
    pub private_ipv4: Option<String>,
    pub ipv6: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateLoadBalancer {
    pub name: String,
    pub lb_type: Option<String>,
    pub scheme: Option<String>,
    pub subnets: Vec<String>,
    pub subnet_mappings: Vec<SubnetMapping>,
    /// `None`: not given (ALB: the VPC's default group; NLB: none).
    pub security_groups: Option<Vec<String>>,
    pub ip_address_type: Option<String>,
    pub tags: Vec<Tag>,
}

/// Which load balancers DescribeLoadBalancers returns.
#[derive(Debug, Clone, Default)]
pub struct DescribeLoadBalancers {
    pub arns: Vec<String>,
    pub names: Vec<String>,
    pub paging: Paging,
}

/// The Route 53 hosted zone of load balancers' DNS names, per Region and
/// type (AWS's published table, see services-elbv2.md §4.1).
pub fn hosted_zone(region: &str, t: LbType) -> &'static str {
    let (alb, nlb) = match region {
        "us-east-1" => ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
        "us-east-2" => ("Z3AADJGX6KTTL2", "ZLMOA37VPKANP"),
        "us-west-1" => ("Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"),
        "us-west-2" => ("Z1H1FL5HABSF5", "Z18D5FSROUN65G"),
        "eu-west-1" => ("Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"),
        "eu-west-2" => ("ZHURV8PSTC4K8", "ZD4D7Y8KGAS4G"),
        "eu-west-3" => ("Z3Q77PNBQS71R4", "Z1CMS0P5QUZ6D5"),
        "eu-central-1" => ("Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"),
        "eu-north-1" => ("Z23TAZ6LKFMNIO", "Z1UDT6IFJ4EJM"),
        "eu-south-1" => ("Z3ULH7SSC9OV64", "Z23146JA1KNAFP"),
        "ap-northeast-1" => ("Z14GRHDCWA56QT", "Z31USIVHYNEOWT"),
        "ap-northeast-2" => ("ZWKZPGTI48KDX", "ZIBE1TIR4HY56"),
        "ap-northeast-3" => ("Z5LXEXXYW11ES", "Z1GWIQ4HH19I5X"),
        "ap-south-1" => ("ZP97RAFLXTNZK", "ZVDDRBQ08TROA"),
        "ap-southeast-1" => ("Z1LMS91P8CMLE5", "ZKVM4W9LS7TM"),
        "ap-southeast-2" => ("Z1GM3OXH4ZPM65", "ZCT6FZBF4DROD"),
        "ap-southeast-3" => ("Z08888821HLRG5A9ZRTER", "Z01971771FYVNCOVWJU1G"),
        "ap-east-1" => ("Z3DQVH9N71FHZ0", "Z12Y7K3UBGUAD1"),
        "ca-central-1" => ("ZQSVJUPU6J1EY", "Z2EPGBW3API2WT"),
        "sa-east-1" => ("Z2P70J7HTTTPLU", "ZTK26PT1VY4CU"),
        "me-south-1" => ("ZS929ML54UICD", "Z3QSRYVP46NYYV"),
        "af-south-1" => ("Z268VQBMOI5EKX", "Z203XCE67M25HM"),
        // Regions missing from the captured table: us-east-1's zones.
        _ => ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
    };
    match t {
        LbType::Application => alb,
        LbType::Network => nlb,
    }
}

impl LoadBalancer {
    /// The DNS name as AWS forms it: `name-123456789.<region>.elb.amazonaws.com`
    /// for an ALB, `name-<id>.elb.<region>.amazonaws.com` for an NLB, with
    /// `internal-` in front for internal ones. The name keeps its case.
    pub fn dns_name(&self) -> String {
        let internal = if self.scheme == "internal" {
            "internal-"
        } else {
            ""
        };
        match self.lb_type {
            LbType::Application => format!(
                "{internal}{}-{}.{}.elb.amazonaws.com",
                self.name, self.dns_label, self.region
            ),
            LbType::Network => format!(
                "{internal}{}-{}.elb.{}.amazonaws.com",
                self.name, self.dns_label, self.region
            ),
        }
    }

    pub fn hosted_zone_id(&self) -> &'static str {
        hosted_zone(&self.region, self.lb_type)
    }

    /// `provisioning` for `timing.provisioning_ms` after creation, then
    /// `active`: derived, never written.
    pub fn state(&self, timing: &ElbTiming, now: Millis) -> &'static str {
        if now < self.active_at(timing) {
            "provisioning"
        } else {
            "active"
        }
    }

    pub fn active_at(&self, timing: &ElbTiming) -> Millis {
        self.created.plus_ms(timing.provisioning_ms)
    }

    pub fn is_dualstack(&self) -> bool {
        self.ip_address_type != "ipv4"
    }

    pub fn zones(&self) -> impl Iterator<Item = &str> {
        self.subnets.iter().map(|s| s.availability_zone.as_str())
    }

    /// `ELB app/<name>/<id>`, the description of its node ENIs.
    fn eni_description(&self) -> String {
        format!("ELB {}/{}/{}", self.lb_type.short(), self.name, self.lb_id)
    }
}

/// A subnet resolved and checked for a load balancer.
struct Placed {
    subnet_id: String,
    zone: String,
    private_ipv4: Option<Ipv4Addr>,
}

impl Region {
    pub fn load_balancer(&self, arn: &str) -> Result<&LoadBalancer> {
        self.elb
            .load_balancers
            .get(arn)
            .ok_or_else(err::load_balancer_not_found)
    }

    pub fn load_balancers_in_vpc(&self, vpc_id: &str) -> Vec<&LoadBalancer> {
        self.elb
            .load_balancers
            .iter()
            .filter(|l| l.vpc_id == vpc_id)
            .collect()
    }

    pub fn load_balancers_in_subnet(&self, subnet_id: &str) -> Vec<&LoadBalancer> {
        self.elb
            .load_balancers
            .iter()
            .filter(|l| l.subnets.iter().any(|s| s.subnet_id == subnet_id))
            .collect()
    }

    /// Subnets for a load balancer: each exists, all in one VPC, one per
    /// zone, enough zones for the type, the address families it needs.
    fn elb_place(
        &self,
        t: LbType,
        scheme: &str,
        ip_type: &str,
        subnets: &[String],
        mappings: &[SubnetMapping],
    ) -> Result<(String, Vec<Placed>)> {
        if !subnets.is_empty() && !mappings.is_empty() {
            return Err(err::subnets_and_mappings());
        }
        let mut wanted: Vec<(String, Option<Ipv4Addr>)> =
            subnets.iter().map(|s| (s.clone(), None)).collect();
        for m in mappings {
            if m.allocation_id.is_some() {
                return Err(err::mapping_unsupported("Elastic IP allocations"));
            }
            if m.ipv6.is_some() {
                return Err(err::mapping_unsupported("IPv6 addresses"));
            }
            let ip = match &m.private_ipv4 {
                None => None,
                Some(_) if t == LbType::Application => {
                    return Err(err::private_ip_mapping("Network Load Balancers"))
                }
                Some(_) if scheme != "internal" => {
                    return Err(err::private_ip_mapping("internal load balancers"))
                }
                Some(v) => Some(v.parse::<Ipv4Addr>().map_err(|_| {
                    err::validation(format!("The private IPv4 address '{v}' is not valid"))
                })?),
            };
            wanted.push((m.subnet_id.clone(), ip));
        }
        if wanted.is_empty() {
            return Err(match t {
                LbType::Application => err::alb_two_zones(),
                LbType::Network => err::one_subnet_required(),
            });
        }
        let mut vpc: Option<String> = None;
        let mut out: Vec<Placed> = Vec::new();
        for (id, ip) in &wanted {
            if !ids::is_well_formed(id, "subnet") {
                return Err(err::subnet_malformed(id));
            }
            let s = self.subnets.get(id).ok_or_else(err::subnet_not_found)?;
            match &vpc {
                None => vpc = Some(s.vpc_id.clone()),
                Some(v) if *v != s.vpc_id => return Err(err::subnets_in_different_vpcs()),
                Some(_) => {}
            }
            if out.iter().any(|p| p.subnet_id == *id) {
                continue;
            }
            if out.iter().any(|p| p.zone == s.availability_zone) {
                return Err(err::same_zone());
            }
            if s.cidr.is_none() {
                return Err(err::subnet_needs_ipv4(id));
            }
            if let (Some(ip), Some(c)) = (ip, s.cidr) {
                if !c.contains(*ip) {
                    return Err(err::config(format!(
                        "The private IPv4 address '{ip}' is not in the range of subnet '{id}'"
                    )));
                }
            }
            out.push(Placed {
                subnet_id: id.clone(),
                zone: s.availability_zone.clone(),
                private_ipv4: *ip,
            });
        }
        if t == LbType::Application && out.len() < 2 {
            return Err(err::alb_two_zones());
        }
        // N52: a dual-stack load balancer needs dual-stack subnets.
        if ip_type != "ipv4" {
            let all_v6 = out.iter().all(|p| {
                self.subnets
                    .get(&p.subnet_id)
                    .is_some_and(|s| !s.ipv6_blocks.is_empty())
            });
            if !all_v6 {
                return Err(err::subnets_need_ipv6());
            }
        }
        Ok((vpc.unwrap_or_default(), out))
    }

    /// Security groups for a load balancer in `vpc` (ALB: the default
    /// group when none are given; NLB: none).
    fn lb_groups(&mut self, t: LbType, vpc: &str, given: Option<&[String]>) -> Result<Vec<String>> {
        let given = match given {
            None if t == LbType::Application => {
                return Ok(vec![self.vpc(vpc)?.default_security_group_id.clone()])
            }
            None => return Ok(Vec::new()),
            Some(g) => g,
        };
        if given.len() > crate::ec2::eni::MAX_GROUPS {
            return Err(err::too_many_security_groups());
        }
        let mut out: Vec<String> = Vec::new();
        for g in given {
            if !ids::is_well_formed(g, "sg") {
                return Err(err::security_group_malformed(g));
            }
            let Some(sg) = self.security_groups.get(g) else {
                let rid = ids::uuid(&mut self.rng);
                return Err(err::security_group_not_found(g, &rid));
            };
            if sg.vpc_id != vpc {
                return Err(err::security_group_other_vpc(g, vpc));
            }
            if !out.contains(g) {
                out.push(g.clone());
            }
        }
        Ok(out)
    }

    /// One node ENI in a subnet, as ELB creates it: requester-managed by
    /// `amazon-elb`, attached, with the load balancer's security groups,
    /// a public IPv4 when internet-facing (not for
    /// `dualstack-without-public-ipv4`), an IPv6 address when dual-stack.
    fn create_node_eni(&mut self, lb: &LoadBalancer, p: &Placed, now: Millis) -> Result<String> {
        let mut n = NewEni::new(&p.subnet_id, EniOwner::LoadBalancer(lb.arn.clone()));
        n.description = lb.eni_description();
        n.interface_type = match lb.lb_type {
            LbType::Application => "interface".into(),
            LbType::Network => "network_load_balancer".into(),
        };
        n.groups = lb.security_groups.clone();
        n.private_ip = p.private_ipv4;
        n.ipv6_count = Some(usize::from(lb.is_dualstack()));
        n.public_ip =
            lb.scheme == "internet-facing" && lb.ip_address_type != "dualstack-without-public-ipv4";
        n.attachment = Some(EniAttachment {
            id: ids::resource_id(&mut self.rng, "eni-attach"),
            device_index: 1,
            network_card_index: 0,
            instance_id: None,
            instance_owner_id: Some(ELB_OWNER.to_string()),
            status: "attached".into(),
            attach_time: now,
            delete_on_termination: false,
        });
        let id = self.create_eni(n, now).map_err(|e| {
            if e.code == "InsufficientFreeAddressesInSubnet" {
                err::subnet_full()
            } else {
                e
            }
        })?;
        // An NLB without security groups has none on its nodes either
        // (create_eni would have given the VPC's default group).
        if lb.security_groups.is_empty() {
            if let Some(e) = self.enis.get_mut(&id) {
                e.groups.clear();
            }
        }
        Ok(id)
    }

    fn same_settings(
        lb: &LoadBalancer,
        t: LbType,
        scheme: &str,
        ip: &str,
        subnets: &[Placed],
        groups: &[String],
    ) -> bool {
        let mut a: Vec<&str> = lb.subnets.iter().map(|s| s.subnet_id.as_str()).collect();
        let mut b: Vec<&str> = subnets.iter().map(|s| s.subnet_id.as_str()).collect();
        a.sort_unstable();
        b.sort_unstable();
        let mut ga = lb.security_groups.clone();
        let mut gb = groups.to_vec();
        ga.sort_unstable();
        gb.sort_unstable();
        lb.lb_type == t && lb.scheme == scheme && lb.ip_address_type == ip && a == b && ga == gb
    }

    /// CreateLoadBalancer; an identical request returns the existing one.
    pub fn create_load_balancer(&mut self, req: CreateLoadBalancer, now: Millis) -> Result<String> {
        let name = req.name.as_str();
        match super::check_name(name) {
            Err(NameProblem::TooLong) => return Err(err::lb_name_too_long(name)),
            Err(NameProblem::Characters) => return Err(err::lb_name_characters(name)),
            Err(NameProblem::Hyphen) => return Err(err::lb_name_hyphen(name)),
            Ok(()) => {}
        }
        if name.starts_with("internal-") {
            return Err(err::lb_name_internal(name));
        }
        let t = match req.lb_type.as_deref().unwrap_or("application") {
            "application" => LbType::Application,
            "network" => LbType::Network,
            "gateway" => return Err(err::gateway_unsupported()),
            other => return Err(err::not_in_enum(other, "type", TYPES)),
        };
        let scheme = req.scheme.as_deref().unwrap_or("internet-facing");
        one_of(scheme, "scheme", SCHEMES)?;
        let ip_type = req.ip_address_type.as_deref().unwrap_or("ipv4");
        one_of(ip_type, "ipAddressType", IP_TYPES)?;
        check_without_public(t, scheme, ip_type)?;
        let (vpc, placed) =
            self.elb_place(t, scheme, ip_type, &req.subnets, &req.subnet_mappings)?;
        let groups = self.lb_groups(t, &vpc, req.security_groups.as_deref())?;
        if let Some(lb) = self.elb.load_balancers.iter().find(|l| l.name == name) {
            if Self::same_settings(lb, t, scheme, ip_type, &placed, &groups) {
                return Ok(lb.arn.clone());
            }
            return Err(err::duplicate_load_balancer(name));
        }
        super::tags::check_new_tags(&req.tags)?;
        let lb_id = ids::hex(&mut self.rng, 16);
        let dns_label = match t {
            LbType::Application => self.rng.u32(100_000_000..2_147_483_647).to_string(),
            LbType::Network => lb_id.clone(),
        };
        let arn = format!(
            "{}loadbalancer/{}/{name}/{lb_id}",
            super::arn_prefix(self.info.name, &self.account_id),
            t.short()
        );
        let mut lb = LoadBalancer {
            arn: arn.clone(),
            region: self.info.name.to_string(),
            name: name.to_string(),
            lb_id,
            lb_type: t,
            scheme: scheme.to_string(),
            vpc_id: vpc,
            ip_address_type: ip_type.to_string(),
            subnets: Vec::new(),
            security_groups: groups,
            dns_label,
            attributes: Vec::new(),
            tags: req.tags,
            created: now,
        };
        for p in &placed {
            let eni_id = self.create_node_eni(&lb, p, now)?;
            lb.subnets.push(LbSubnet {
                subnet_id: p.subnet_id.clone(),
                availability_zone: p.zone.clone(),
                eni_id,
                private_ipv4: p.private_ipv4,
            });
        }
        self.elb.load_balancers.insert(lb);
        Ok(arn)
    }

    /// DescribeLoadBalancers: by ARNs or names (any unknown one fails the
    /// call), or all, in creation order.
    pub fn describe_load_balancers(
        &self,
        req: &DescribeLoadBalancers,
    ) -> Result<(Vec<&LoadBalancer>, Option<String>)> {
        if !req.arns.is_empty() && !req.names.is_empty() {
            return Err(err::validation(
                "Load balancer names and load balancer ARNs cannot be specified at the same time",
            ));
        }
        let t = &self.elb.load_balancers;
        let items: Vec<(u64, &LoadBalancer)> = if !req.arns.is_empty() {
            let mut v = Vec::new();
            for a in &req.arns {
                let seq = t.seq_of(a).ok_or_else(err::load_balancer_not_found)?;
                if let Some(lb) = t.get(a) {
                    v.push((seq, lb));
                }
            }
            v.sort_by_key(|(s, _)| *s);
            v.dedup_by_key(|(s, _)| *s);
            v
        } else if !req.names.is_empty() {
            let v: Vec<(u64, &LoadBalancer)> = t
                .iter_seq()
                .filter(|(_, l)| req.names.contains(&l.name))
                .collect();
            if req
                .names
                .iter()
                .any(|n| !v.iter().any(|(_, l)| l.name == *n))
            {
                return Err(err::load_balancer_not_found());
            }
            v
        } else {
            t.iter_seq().collect()
        };
        req.paging.apply(items)
    }

    /// DeleteLoadBalancer: its listeners and rules go, and its node ENIs.
    /// An unknown ARN succeeds (DOC).
    pub fn delete_load_balancer(&mut self, arn: &str) -> Result<()> {
        let Some(lb) = self.elb.load_balancers.get(arn) else {
            return Ok(());
        };
        if super::attributes::lb_attribute(lb, "deletion_protection.enabled") == Some("true") {
            return Err(err::deletion_protected(arn));
        }
        let enis: Vec<String> = lb.subnets.iter().map(|s| s.eni_id.clone()).collect();
        let listeners: Vec<String> = self
            .elb
            .listeners
            .iter()
            .filter(|l| l.load_balancer_arn == arn)
            .map(|l| l.arn.clone())
            .collect();
        for l in &listeners {
            self.remove_listener(l);
        }
        for e in &enis {
            self.remove_eni(e);
        }
        self.elb.load_balancers.remove(arn);
        Ok(())
    }

    /// SetSecurityGroups: the load balancer's and its nodes'.
    pub fn set_load_balancer_security_groups(
        &mut self,
        arn: &str,
        groups: &[String],
    ) -> Result<Vec<String>> {
        let lb = self.load_balancer(arn)?.clone();
        if lb.lb_type == LbType::Network && lb.security_groups.is_empty() && !groups.is_empty() {
            return Err(err::nlb_security_groups_added());
        }
        if groups.is_empty() && lb.lb_type == LbType::Application {
            return Err(err::security_groups_required());
        }
        let groups = if groups.is_empty() {
            Vec::new()
        } else {
            self.lb_groups(lb.lb_type, &lb.vpc_id, Some(groups))?
        };
        for s in &lb.subnets {
            if let Some(e) = self.enis.get_mut(&s.eni_id) {
                e.groups = groups.clone();
            }
        }
        if let Some(l) = self.elb.load_balancers.get_mut(arn) {
            l.security_groups = groups.clone();
        }
        Ok(groups)
    }

    /// SetSubnets (and SetIpAddressType): nodes stay in the subnets kept,
    /// go from the ones left and are created in the new ones. A change of
    /// IP address type replaces every node (tasknet's simplification: new
    /// ENIs, new private addresses). Returns the load balancer.
    pub fn set_load_balancer_subnets(
        &mut self,
        arn: &str,
        subnets: &[String],
        mappings: &[SubnetMapping],
        ip_type: Option<&str>,
        now: Millis,
    ) -> Result<LoadBalancer> {
        let lb = self.load_balancer(arn)?.clone();
        let ip_type = ip_type.unwrap_or(&lb.ip_address_type).to_string();
        one_of(&ip_type, "ipAddressType", IP_TYPES)?;
        check_without_public(lb.lb_type, &lb.scheme, &ip_type)?;
        let (vpc, placed) = self.elb_place(lb.lb_type, &lb.scheme, &ip_type, subnets, mappings)?;
        if vpc != lb.vpc_id {
            return Err(err::subnets_in_different_vpcs());
        }
        let retype = ip_type != lb.ip_address_type;
        // N52: ipv6 target groups need a dual-stack load balancer.
        if retype && ip_type == "ipv4" {
            let v6 = self
                .target_groups_of_load_balancer(arn)
                .iter()
                .any(|tg| tg.ip_address_type.as_deref() == Some("ipv6"));
            if v6 {
                return Err(err::ipv6_group_on_ipv4_lb());
            }
        }
        let kept = |subnet: &str| !retype && placed.iter().any(|p| p.subnet_id == subnet);
        for old in &lb.subnets {
            if !kept(&old.subnet_id) {
                self.remove_eni(&old.eni_id);
            }
        }
        let mut next = lb.clone();
        next.ip_address_type = ip_type;
        next.subnets = Vec::new();
        for p in &placed {
            match lb.subnets.iter().find(|o| o.subnet_id == p.subnet_id) {
                Some(o) if kept(&o.subnet_id) => next.subnets.push(o.clone()),
                _ => {
                    let eni_id = self.create_node_eni(&next, p, now)?;
                    next.subnets.push(LbSubnet {
                        subnet_id: p.subnet_id.clone(),
                        availability_zone: p.zone.clone(),
                        eni_id,
                        private_ipv4: p.private_ipv4,
                    });
                }
            }
        }
        self.elb.load_balancers.insert(next.clone());
        Ok(next)
    }

    /// SetIpAddressType: SetSubnets with the same subnets and a new type.
    pub fn set_load_balancer_ip_type(
        &mut self,
        arn: &str,
        ip_type: &str,
        now: Millis,
    ) -> Result<String> {
        let lb = self.load_balancer(arn)?;
        let mappings: Vec<SubnetMapping> = lb
            .subnets
            .iter()
            .map(|s| SubnetMapping {
                subnet_id: s.subnet_id.clone(),
                private_ipv4: s.private_ipv4.map(|ip| ip.to_string()),
                ..Default::default()
            })
            .collect();
        self.set_load_balancer_subnets(arn, &[], &mappings, Some(ip_type), now)
            .map(|lb| lb.ip_address_type)
    }
}

/// `dualstack-without-public-ipv4` is for internet-facing ALBs only.
fn check_without_public(t: LbType, scheme: &str, ip_type: &str) -> Result<()> {
    if ip_type != "dualstack-without-public-ipv4" {
        return Ok(());
    }
    if t == LbType::Network {
        return Err(err::dualstack_without_public(
            "is supported only by Application Load Balancers",
        ));
    }
    if scheme == "internal" {
        return Err(err::dualstack_without_public(
            "is supported only by internet-facing load balancers",
        ));
    }
    Ok(())
}
