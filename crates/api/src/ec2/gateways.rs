//! Internet gateways, egress-only internet gateways, Elastic IPs and NAT gateways.

use super::{id_list, id_opt, id_req, ok_return, read, write, Idempotency, Page, Result};
use crate::params::Params;
use crate::xml::Xml;
use crate::Call;
use model::ec2::err::{self, Kind};
use model::ec2::types::*;
use model::ec2::{self as mec2};
use model::Region;
use std::net::Ipv4Addr;

/// An EC2 IPv4 address parameter (`privateIpAddress`, `publicIp`).
fn ipv4(p: &Params, key: &str, wire: &str) -> Result<Option<Ipv4Addr>> {
    match p.get(key) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            err::invalid_value(format!(
                "Value ({v}) for parameter {wire} is invalid. Invalid IPv4 address."
            ))
        }),
    }
}

/// The EC2 "not emulated" error for a parameter tasknet does not model.
fn unsupported(what: &str) -> model::ApiError {
    err::invalid_param(format!("tasknet does not emulate {what}."))
}

// ---- internet gateways ----

pub(crate) fn igw_xml(x: &mut Xml, r: &Region, g: &InternetGateway) {
    // AWS reports `available` for an attached internet gateway (API reference
    // example; Terraform waits for exactly that value), although the botocore
    // enum only knows attaching|attached|detaching|detached.
    x.list("attachmentSet", g.vpc_id.iter(), |x, v| {
        x.el("state", "available").el("vpcId", v);
    })
    .el("internetGatewayId", &g.id)
    .el("ownerId", &r.account_id)
    .tag_set(&g.tags);
}

pub async fn create_internet_gateway(call: &Call<'_>, p: &Params) -> Result {
    let tags = p.tag_specs("internet-gateway")?;
    write(call, move |r, _| {
        let id = r.create_internet_gateway(tags);
        let mut x = Xml::new();
        x.wrap("internetGateway", |x| {
            igw_xml(x, r, r.internet_gateways.get(&id).expect("just created"))
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_internet_gateways(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("InternetGatewayId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "internetGatewayIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(
            &r.internet_gateways,
            r,
            &ids,
            &filters,
            Kind::InternetGateway,
        )?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("internetGatewaySet", items, |x, g| igw_xml(x, r, g));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_internet_gateway(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "InternetGatewayId", Kind::InternetGateway)?;
    write(call, move |r, _| {
        r.delete_internet_gateway(&id).map(|_| ok_return())
    })
    .await
}

/// AttachInternetGateway and DetachInternetGateway name a malformed VPC id
/// `InvalidVpcId.Malformed`.
fn gateway_vpc(p: &Params) -> Result<String> {
    let vpc = p.req("VpcId")?.to_string();
    if !err::well_formed(Kind::Vpc, &vpc) {
        return Err(err::malformed_vpc_id(&vpc, false));
    }
    Ok(vpc)
}

pub async fn attach_internet_gateway(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "InternetGatewayId", Kind::InternetGateway)?;
    let vpc = gateway_vpc(p)?;
    write(call, move |r, _| {
        r.attach_internet_gateway(&id, &vpc).map(|_| ok_return())
    })
    .await
}

pub async fn detach_internet_gateway(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "InternetGatewayId", Kind::InternetGateway)?;
    let vpc = gateway_vpc(p)?;
    write(call, move |r, _| {
        r.detach_internet_gateway(&id, &vpc).map(|_| ok_return())
    })
    .await
}

// ---- egress-only internet gateways ----

fn eigw_xml(x: &mut Xml, g: &EgressOnlyInternetGateway) {
    x.list("attachmentSet", [&g.vpc_id], |x, v| {
        x.el("state", "attached").el("vpcId", v);
    })
    .el("egressOnlyInternetGatewayId", &g.id)
    .tag_set(&g.tags);
}

pub async fn create_egress_only_internet_gateway(call: &Call<'_>, p: &Params) -> Result {
    let vpc = id_req(p, "VpcId", Kind::Vpc)?;
    let tags = p.tag_specs("egress-only-internet-gateway")?;
    let token = p.string("ClientToken");
    let idem = Idempotency::of(p, "CreateEgressOnlyInternetGateway");
    write(call, move |r, now| {
        let id = Idempotency::run(
            &idem,
            r,
            now,
            |r, id| r.egress_only_gateways.contains(id),
            |r| r.create_egress_only_gateway(&vpc, tags),
        )?;
        let mut x = Xml::new();
        x.opt("clientToken", token.as_deref());
        x.wrap("egressOnlyInternetGateway", |x| {
            eigw_xml(x, r.egress_only_gateway(&id).expect("just created"))
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_egress_only_internet_gateways(call: &Call<'_>, p: &Params) -> Result {
    let ids = id_list(
        p,
        "EgressOnlyInternetGatewayId",
        Kind::EgressOnlyInternetGateway,
    )?;
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "egressOnlyInternetGatewayIds", 5, 255)?;
    read(call, move |r| {
        // AWS answers unknown egress-only gateway ids with an empty list, not an error.
        let items: Vec<_> = mec2::describe(
            &r.egress_only_gateways,
            r,
            &[],
            &filters,
            Kind::EgressOnlyInternetGateway,
        )?
        .into_iter()
        .filter(|(_, g)| ids.is_empty() || ids.contains(&g.id))
        .collect();
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("egressOnlyInternetGatewaySet", items, eigw_xml);
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_egress_only_internet_gateway(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(
        p,
        "EgressOnlyInternetGatewayId",
        Kind::EgressOnlyInternetGateway,
    )?;
    write(call, move |r, _| {
        r.delete_egress_only_gateway(&id)?;
        let mut x = Xml::new();
        x.b("returnCode", true);
        Ok(x.into_string())
    })
    .await
}

// ---- Elastic IP addresses ----

fn address_xml(x: &mut Xml, r: &Region, a: &Address) {
    x.el("publicIp", a.public_ip)
        .el("allocationId", &a.allocation_id)
        .el("domain", "vpc");
    if let Some(s) = &a.association {
        x.el("associationId", &s.association_id)
            .el("networkInterfaceId", &s.network_interface_id)
            .el("networkInterfaceOwnerId", &r.account_id)
            .el("privateIpAddress", s.private_ip);
        if let Some(sub) = r.enis.get(&s.network_interface_id).map(|e| &e.subnet_id) {
            x.el("subnetId", sub);
        }
    }
    x.tag_set(&a.tags)
        .el("publicIpv4Pool", "amazon")
        .el("networkBorderGroup", &a.network_border_group);
}

pub async fn allocate_address(call: &Call<'_>, p: &Params) -> Result {
    if let Some(d) = p.get("Domain") {
        if d != "vpc" && d != "standard" {
            return Err(err::invalid_value(format!(
                "Value ({d}) for parameter domain is invalid."
            )));
        }
    }
    if p.get("Address").is_some() {
        return Err(unsupported(
            "bring-your-own-IP addresses; allocate without Address",
        ));
    }
    if p.get("PublicIpv4Pool").is_some_and(|v| v != "amazon") {
        return Err(unsupported("public IPv4 pools other than 'amazon'"));
    }
    if p.get("CustomerOwnedIpv4Pool").is_some() || p.get("IpamPoolId").is_some() {
        return Err(unsupported("customer-owned or IPAM address pools"));
    }
    let border = p.string("NetworkBorderGroup");
    let tags = p.tag_specs("elastic-ip")?;
    write(call, move |r, _| {
        let id = r.allocate_address(border.as_deref(), tags)?;
        let a = r.address(&id)?;
        let mut x = Xml::new();
        x.el("publicIp", a.public_ip)
            .el("allocationId", &a.allocation_id)
            .el("publicIpv4Pool", "amazon")
            .el("networkBorderGroup", &a.network_border_group)
            .el("domain", "vpc");
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_addresses(call: &Call<'_>, p: &Params) -> Result {
    let ips = p.list("PublicIp");
    let allocs = p.list("AllocationId");
    let filters = p.filters();
    read(call, move |r| {
        let mut wanted = allocs.clone();
        for ip in &ips {
            wanted.push(r.allocation_for_ip(ip)?);
        }
        let items = mec2::describe(&r.addresses, r, &wanted, &filters, Kind::Allocation)?;
        let mut x = Xml::new();
        x.list("addressesSet", items, |x, (_, a)| address_xml(x, r, a));
        Ok(x.into_string())
    })
    .await
}

/// The allocation id named by `AllocationId`, else by `PublicIp`.
fn allocation_param(r: &Region, alloc: &Option<String>, ip: &Option<String>) -> Result<String> {
    match (alloc, ip) {
        (Some(a), _) => Ok(a.clone()),
        (None, Some(ip)) => r.allocation_for_ip(ip),
        (None, None) => Err(err::missing("allocationId")),
    }
}

pub async fn release_address(call: &Call<'_>, p: &Params) -> Result {
    let alloc = id_opt(p, "AllocationId", Kind::Allocation)?;
    let ip = p.string("PublicIp").filter(|s| !s.is_empty());
    write(call, move |r, _| {
        let id = allocation_param(r, &alloc, &ip)?;
        r.release_address(&id).map(|_| ok_return())
    })
    .await
}

pub async fn associate_address(call: &Call<'_>, p: &Params) -> Result {
    let alloc = id_opt(p, "AllocationId", Kind::Allocation)?;
    let ip = p.string("PublicIp").filter(|s| !s.is_empty());
    let instance = id_opt(p, "InstanceId", Kind::Instance)?;
    let eni = id_opt(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    let private_ip = ipv4(p, "PrivateIpAddress", "privateIpAddress")?;
    let reassoc = p.flag("AllowReassociation")?;
    write(call, move |r, _| {
        let id = allocation_param(r, &alloc, &ip)?;
        let eni = match (eni, instance) {
            (Some(e), _) => e,
            // tasknet's world holds no EC2 instances.
            (None, Some(i)) => return Err(err::not_found(Kind::Instance, &i)),
            (None, None) => return Err(err::missing("networkInterfaceId")),
        };
        let assoc = r.associate_address(&id, &eni, private_ip, reassoc)?;
        let mut x = Xml::new();
        x.el("associationId", assoc);
        Ok(x.into_string())
    })
    .await
}

pub async fn disassociate_address(call: &Call<'_>, p: &Params) -> Result {
    let assoc = p.string("AssociationId").filter(|s| !s.is_empty());
    let ip = p.string("PublicIp").filter(|s| !s.is_empty());
    write(call, move |r, _| {
        let assoc = match (assoc, ip) {
            (Some(a), _) => a,
            (None, Some(ip)) => {
                let id = r.allocation_for_ip(&ip)?;
                match r.address(&id)?.association.as_ref() {
                    Some(a) => a.association_id.clone(),
                    // Nothing to disassociate.
                    None => return Ok(ok_return()),
                }
            }
            (None, None) => return Err(err::missing("associationId")),
        };
        r.disassociate_address(&assoc).map(|_| ok_return())
    })
    .await
}

// ---- NAT gateways ----

/// `pending` is how CreateNatGateway reports a gateway, whatever it becomes.
fn nat_xml(x: &mut Xml, r: &Region, n: &NatGateway, creating: bool) {
    let state = if creating {
        "pending"
    } else {
        n.state.as_str()
    };
    x.el("createTime", n.created.iso8601());
    if !creating {
        x.opt("deleteTime", n.deleted.map(|d| d.iso8601()));
        if let Some((code, msg)) = &n.failure {
            x.el("failureCode", code).el("failureMessage", msg);
        }
    }
    let failed = n.state == "failed" && !creating;
    let has_address = n.allocation_id.is_some() || n.network_interface_id.is_some();
    x.list("natGatewayAddressSet", has_address.then_some(()), |x, _| {
        x.opt("allocationId", n.allocation_id.as_deref())
            .opt("networkInterfaceId", n.network_interface_id.as_deref())
            .opt("privateIp", n.private_ip)
            .opt("publicIp", n.public_ip);
        if n.state == "available" {
            x.opt("associationId", n.association_id.as_deref());
        }
        x.b("isPrimary", true);
        if failed {
            if let Some((_, msg)) = &n.failure {
                x.el("failureMessage", msg);
            }
        }
        let status = match (failed, creating, n.allocation_id.is_some()) {
            (true, _, _) => "failed",
            (_, true, true) => "associating",
            (_, true, false) => "assigning",
            _ => "succeeded",
        };
        x.el("status", status);
        if let Some(s) = r.subnets.get(&n.subnet_id) {
            x.el("availabilityZone", &s.availability_zone)
                .el("availabilityZoneId", &s.availability_zone_id);
        }
    })
    .el("natGatewayId", &n.id)
    .el("state", state)
    .el("subnetId", &n.subnet_id)
    .el("vpcId", &n.vpc_id)
    .tag_set(&n.tags)
    .el("connectivityType", &n.connectivity_type)
    .el("availabilityMode", "zonal");
}

pub async fn create_nat_gateway(call: &Call<'_>, p: &Params) -> Result {
    if p.get("AvailabilityMode").is_some_and(|m| m == "regional")
        || p.has_prefix("AvailabilityZoneAddress")
    {
        return Err(unsupported("regional NAT gateways; give SubnetId"));
    }
    if p.has_prefix("SecondaryAllocationId")
        || p.has_prefix("SecondaryPrivateIpAddress")
        || p.get("SecondaryPrivateIpAddressCount").is_some()
    {
        return Err(unsupported("secondary NAT gateway addresses"));
    }
    let subnet = id_req(p, "SubnetId", Kind::Subnet)?;
    let alloc = id_opt(p, "AllocationId", Kind::Allocation)?;
    let connectivity = p.string("ConnectivityType");
    let private_ip = ipv4(p, "PrivateIpAddress", "privateIpAddress")?;
    let tags = p.tag_specs("natgateway")?;
    let token = p.string("ClientToken");
    let idem = Idempotency::of(p, "CreateNatGateway");
    write(call, move |r, now| {
        r.expire_deleted_nat_gateways(now);
        let id = Idempotency::run(
            &idem,
            r,
            now,
            |r, id| r.nat_gateways.contains(id),
            |r| {
                r.create_nat_gateway(
                    &subnet,
                    alloc.as_deref(),
                    connectivity.as_deref(),
                    private_ip,
                    tags,
                    now,
                )
            },
        )?;
        let mut x = Xml::new();
        x.opt("clientToken", token.as_deref());
        x.wrap("natGateway", |x| {
            nat_xml(x, r, r.nat_gateway(&id).expect("just created"), true)
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_nat_gateways(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("NatGatewayId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "natGatewayIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(&r.nat_gateways, r, &ids, &filters, Kind::NatGateway)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("natGatewaySet", items, |x, n| nat_xml(x, r, n, false));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_nat_gateway(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NatGatewayId", Kind::NatGateway)?;
    write(call, move |r, now| {
        r.expire_deleted_nat_gateways(now);
        r.delete_nat_gateway(&id, now)?;
        let mut x = Xml::new();
        x.el("natGatewayId", &id);
        Ok(x.into_string())
    })
    .await
}
