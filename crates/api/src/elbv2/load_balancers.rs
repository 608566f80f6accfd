//! CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer,
//! SetSecurityGroups, SetSubnets, SetIpAddressType, DescribeAccountLimits.

use super::*;
use model::elb::load_balancer::{CreateLoadBalancer, DescribeLoadBalancers, SubnetMapping};

/// One `LoadBalancer` structure.
pub(crate) fn lb_xml(x: &mut Xml, r: &Region, lb: &LoadBalancer, timing: &ElbTiming, now: Millis) {
    x.el("LoadBalancerArn", &lb.arn)
        .el("DNSName", lb.dns_name())
        .el("CanonicalHostedZoneId", lb.hosted_zone_id())
        .el("CreatedTime", time(lb.created))
        .el("LoadBalancerName", &lb.name)
        .el("Scheme", &lb.scheme)
        .el("VpcId", &lb.vpc_id)
        .wrap("State", |x| {
            x.el("Code", lb.state(timing, now));
        })
        .el("Type", lb.lb_type.as_str());
    zones_xml(x, r, lb);
    if lb.lb_type == LbType::Application || !lb.security_groups.is_empty() {
        string_members(x, "SecurityGroups", &lb.security_groups);
    }
    x.el("IpAddressType", &lb.ip_address_type);
    if lb.lb_type == LbType::Network && !lb.security_groups.is_empty() {
        x.el("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "on");
    }
}

/// `AvailabilityZones`: an NLB shows the addresses asked for and, when
/// dual-stack, its nodes' IPv6 addresses; an ALB shows none.
fn zones_xml(x: &mut Xml, r: &Region, lb: &LoadBalancer) {
    x.members("AvailabilityZones", &lb.subnets, |x, s| {
        x.el("ZoneName", &s.availability_zone)
            .el("SubnetId", &s.subnet_id);
        let v6 = r
            .enis
            .get(&s.eni_id)
            .and_then(|e| e.ipv6_addresses.first().copied());
        let addresses: Vec<(Option<String>, Option<String>)> = match lb.lb_type {
            LbType::Network if s.private_ipv4.is_some() || (lb.is_dualstack() && v6.is_some()) => {
                vec![(
                    s.private_ipv4.map(|i| i.to_string()),
                    v6.filter(|_| lb.is_dualstack()).map(|i| i.to_string()),
                )]
            }
            _ => Vec::new(),
        };
        x.members("LoadBalancerAddresses", &addresses, |x, (v4, v6)| {
            x.opt("PrivateIPv4Address", v4.as_ref())
                .opt("IPv6Address", v6.as_ref());
        });
    });
}

fn subnet_mappings(p: &Params) -> Vec<SubnetMapping> {
    structs(p, "SubnetMappings")
        .iter()
        .map(|m| SubnetMapping {
            subnet_id: m.get("SubnetId").unwrap_or_default().to_string(),
            allocation_id: opt(m, "AllocationId"),
            private_ipv4: opt(m, "PrivateIPv4Address"),
            ipv6: opt(m, "IPv6Address"),
        })
        .collect()
}

pub async fn create_load_balancer(call: &Call<'_>, p: &Params) -> Result {
    let req = CreateLoadBalancer {
        name: req(p, "Name")?,
        lb_type: opt(p, "Type"),
        scheme: opt(p, "Scheme"),
        subnets: list(p, "Subnets"),
        subnet_mappings: subnet_mappings(p),
        security_groups: opt_list(p, "SecurityGroups"),
        ip_address_type: opt(p, "IpAddressType"),
        tags: tags(p, "Tags")?,
    };
    if opt(p, "CustomerOwnedIpv4Pool").is_some() {
        return Err(err::validation(
            "Customer-owned address pools (Outposts) are not supported by tasknet",
        ));
    }
    let timing = timing(call);
    write(call, move |r, now| {
        let arn = r.create_load_balancer(req, now)?;
        let lb = r.load_balancer(&arn)?;
        let mut x = Xml::new();
        x.members("LoadBalancers", [lb], |x, lb| {
            lb_xml(x, r, lb, &timing, now)
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_load_balancers(call: &Call<'_>, p: &Params) -> Result {
    let req = DescribeLoadBalancers {
        arns: list(p, "LoadBalancerArns"),
        names: list(p, "Names"),
        paging: paging(p)?,
    };
    let timing = timing(call);
    read(call, move |r, now| {
        let (page, next) = r.describe_load_balancers(&req)?;
        let mut x = Xml::new();
        x.members("LoadBalancers", page, |x, lb| {
            lb_xml(x, r, lb, &timing, now)
        });
        x.opt("NextMarker", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_load_balancer(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "LoadBalancerArn")?;
    write(call, move |r, _| {
        r.delete_load_balancer(&arn).map(|_| String::new())
    })
    .await
}

pub async fn set_security_groups(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "LoadBalancerArn")?;
    let groups = req_list(p, "SecurityGroups")?;
    write(call, move |r, _| {
        let groups = r.set_load_balancer_security_groups(&arn, &groups)?;
        let lb = r.load_balancer(&arn)?;
        let mut x = Xml::new();
        string_members(&mut x, "SecurityGroupIds", &groups);
        if lb.lb_type == LbType::Network && !groups.is_empty() {
            x.el("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "on");
        }
        Ok(x.into_string())
    })
    .await
}

pub async fn set_subnets(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "LoadBalancerArn")?;
    let subnets = list(p, "Subnets");
    let mappings = subnet_mappings(p);
    let ip_type = opt(p, "IpAddressType");
    write(call, move |r, now| {
        let lb = r.set_load_balancer_subnets(&arn, &subnets, &mappings, ip_type.as_deref(), now)?;
        let mut x = Xml::new();
        zones_xml(&mut x, r, &lb);
        x.el("IpAddressType", &lb.ip_address_type);
        Ok(x.into_string())
    })
    .await
}

pub async fn set_ip_address_type(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "LoadBalancerArn")?;
    let ip_type = req(p, "IpAddressType")?;
    write(call, move |r, now| {
        let t = r.set_load_balancer_ip_type(&arn, &ip_type, now)?;
        let mut x = Xml::new();
        x.el("IpAddressType", t);
        Ok(x.into_string())
    })
    .await
}

/// AWS's default quotas (DescribeAccountLimits names them so).
const LIMITS: &[(&str, &str)] = &[
    ("application-load-balancers", "50"),
    ("condition-values-per-alb-rule", "5"),
    ("condition-wildcards-per-alb-rule", "5"),
    ("gateway-load-balancers", "100"),
    ("gateway-load-balancers-per-vpc", "100"),
    ("geneve-target-groups", "100"),
    ("listeners-per-application-load-balancer", "50"),
    ("listeners-per-network-load-balancer", "50"),
    ("network-load-balancer-enis-per-vpc", "1200"),
    ("network-load-balancers", "50"),
    ("rules-per-application-load-balancer", "100"),
    ("target-groups", "3000"),
    ("target-groups-per-action-on-application-load-balancer", "5"),
    ("target-groups-per-action-on-network-load-balancer", "1"),
    ("target-groups-per-application-load-balancer", "100"),
    ("targets-per-application-load-balancer", "1000"),
    (
        "targets-per-availability-zone-per-gateway-load-balancer",
        "300",
    ),
    (
        "targets-per-availability-zone-per-network-load-balancer",
        "500",
    ),
    ("targets-per-network-load-balancer", "3000"),
];

pub async fn describe_account_limits(_call: &Call<'_>, p: &Params) -> Result {
    let paging = paging(p)?;
    let items: Vec<(u64, &(&str, &str))> = LIMITS
        .iter()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l))
        .collect();
    let (page, next) = paging.apply(items)?;
    let mut x = Xml::new();
    x.members("Limits", page, |x, (name, max)| {
        x.el("Name", name).el("Max", max);
    });
    x.opt("NextMarker", next);
    Ok(x.into_string())
}
