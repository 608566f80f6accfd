//! Elastic network interfaces: user ENIs and the requester-managed ones of NAT
//! gateways, interface endpoints and Fargate tasks.

use super::{id_list, id_req, ok_return, read, write, Idempotency, Page, Result};
use crate::params::Params;
use crate::xml::Xml;
use crate::Call;
use model::ec2::eni::{ModifyEni, NewEni};
use model::ec2::err::{self, Kind};
use model::ec2::types::*;
use model::ec2::{self as mec2};
use model::Region;
use std::net::{Ipv4Addr, Ipv6Addr};

fn association_xml(x: &mut Xml, r: &Region, e: &NetworkInterface, a: &EniAssociation) {
    x.wrap("association", |x| {
        x.opt("allocationId", a.allocation_id.as_ref())
            .opt("associationId", a.association_id.as_ref())
            .el("ipOwnerId", r.eni_ip_owner(e, a))
            .el("publicDnsName", r.eni_public_dns_name(e, a))
            .el("publicIp", a.public_ip);
    });
}

fn attachment_xml(x: &mut Xml, a: &EniAttachment) {
    x.wrap("attachment", |x| {
        x.el("attachTime", a.attach_time.iso8601())
            .el("attachmentId", &a.id)
            .b("deleteOnTermination", a.delete_on_termination)
            .el("deviceIndex", a.device_index)
            .el("networkCardIndex", a.network_card_index)
            .opt("instanceId", a.instance_id.as_ref())
            .opt("instanceOwnerId", a.instance_owner_id.as_ref())
            .el("status", &a.status);
    });
}

fn groups_xml(x: &mut Xml, r: &Region, groups: &[String]) {
    x.list("groupSet", groups, |x, g| {
        x.el("groupId", g)
            .opt("groupName", r.security_groups.get(g).map(|s| &s.name));
    });
}

pub(crate) fn eni_xml(x: &mut Xml, r: &Region, e: &NetworkInterface) {
    let dns = r.eni_private_dns_name(e);
    if let Some(a) = e.public_association() {
        association_xml(x, r, e, a);
    }
    if let Some(a) = &e.attachment {
        attachment_xml(x, a);
    }
    x.el("availabilityZone", &e.availability_zone);
    if let Some(z) = r.info.zone(&e.availability_zone) {
        x.el("availabilityZoneId", z.id);
    }
    x.el("description", &e.description);
    groups_xml(x, r, &e.groups);
    x.el("interfaceType", &e.interface_type)
        .list("ipv6AddressesSet", &e.ipv6_addresses, |x, a| {
            x.el("ipv6Address", a).b("isPrimaryIpv6", false);
        })
        .el("macAddress", &e.mac)
        .el("networkInterfaceId", &e.id)
        .el("ownerId", &r.account_id)
        .el("privateDnsName", &dns)
        .opt("privateIpAddress", e.primary_ip())
        .list("privateIpAddressesSet", &e.private_ips, |x, p| {
            if let Some(a) = &p.association {
                association_xml(x, r, e, a);
            }
            let name = format!(
                "ip-{}.{}",
                p.ip.to_string().replace('.', "-"),
                r.info.private_dns_suffix()
            );
            x.b("primary", p.primary)
                .el("privateDnsName", name)
                .el("privateIpAddress", p.ip);
        })
        .opt("requesterId", r.eni_requester_id(e))
        .b("requesterManaged", e.requester_managed())
        .b("sourceDestCheck", e.source_dest_check)
        .el("status", e.status())
        .el("subnetId", &e.subnet_id)
        .tag_set(&e.tags)
        .el("vpcId", &e.vpc_id);
}

fn parse_v4(v: &str, param: &str) -> Result<Ipv4Addr> {
    v.parse().map_err(|_| {
        err::invalid_value(format!(
            "Value ({v}) for parameter {param} is invalid. Invalid IPv4 address."
        ))
    })
}

fn parse_v6(v: &str, param: &str) -> Result<Ipv6Addr> {
    v.parse().map_err(|_| {
        err::invalid_value(format!(
            "Value ({v}) for parameter {param} is invalid. Invalid IPv6 address."
        ))
    })
}

fn count(p: &Params, k: &str) -> Result<Option<usize>> {
    match p.int(k)? {
        None => Ok(None),
        Some(v) if v < 0 => Err(err::invalid_value(format!(
            "Value ({v}) for parameter {k} is invalid."
        ))),
        Some(v) => Ok(Some(v as usize)),
    }
}

pub async fn create_network_interface(call: &Call<'_>, p: &Params) -> Result {
    match p.get("InterfaceType") {
        None | Some("interface") => {}
        Some(t) => {
            return Err(err::invalid_param(format!(
            "tasknet emulates no EC2 instances; network interfaces of type {t} are not supported."
        )))
        }
    }
    if p.has_prefix("Ipv4Prefix")
        || p.has_prefix("Ipv6Prefix")
        || p.get("Ipv4PrefixCount").is_some()
        || p.get("Ipv6PrefixCount").is_some()
    {
        return Err(no_prefix_delegation());
    }
    let subnet = id_req(p, "SubnetId", Kind::Subnet)?;
    let mut n = NewEni::new(&subnet, EniOwner::User);
    n.description = p.string("Description").unwrap_or_default();
    n.groups = id_list(p, "SecurityGroupId", Kind::SecurityGroup)?;
    if let Some(ip) = p.get("PrivateIpAddress") {
        n.private_ip = Some(parse_v4(ip, "privateIpAddress")?);
    }
    let listed = p.structs("PrivateIpAddresses");
    // When no entry says whether it is the primary (and no PrivateIpAddress
    // names one), the first listed address is the primary.
    let mut primary_named = n.private_ip.is_some();
    for s in &listed {
        primary_named |= s.bool("Primary")?.is_some();
    }
    for (i, s) in listed.iter().enumerate() {
        let ip = parse_v4(
            s.get("PrivateIpAddress").unwrap_or_default(),
            "privateIpAddress",
        )?;
        if s.flag("Primary")? || (!primary_named && i == 0) {
            match n.private_ip {
                Some(x) if x != ip => {
                    return Err(err::invalid_param(format!(
                        "The primary IP address {x} conflicts with the primary address {ip} in PrivateIpAddresses."
                    )))
                }
                _ => n.private_ip = Some(ip),
            }
        } else if Some(ip) != n.private_ip && !n.secondary_ips.contains(&ip) {
            n.secondary_ips.push(ip);
        }
    }
    n.secondary_count = count(p, "SecondaryPrivateIpAddressCount")?.unwrap_or(0);
    n.ipv6_count = count(p, "Ipv6AddressCount")?;
    for s in p.structs("Ipv6Addresses") {
        n.ipv6_addresses.push(parse_v6(
            s.get("Ipv6Address").unwrap_or_default(),
            "ipv6Address",
        )?);
    }
    if n.ipv6_count.is_some() && !n.ipv6_addresses.is_empty() {
        return Err(err::combination(
            "The parameter ipv6AddressCount cannot be used with the parameter ipv6Addresses",
        ));
    }
    n.tags = p.tag_specs("network-interface")?;
    let token = p.string("ClientToken");
    let idem = Idempotency::of(p, "CreateNetworkInterface");
    write(call, move |r, now| {
        let id = Idempotency::run(
            &idem,
            r,
            now,
            |r, id| r.enis.contains(id),
            |r| r.create_eni(n, now),
        )?;
        let mut x = Xml::new();
        x.wrap("networkInterface", |x| {
            eni_xml(x, r, r.eni(&id).expect("just created"))
        });
        x.opt("clientToken", token);
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_network_interfaces(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("NetworkInterfaceId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "networkInterfaceIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(&r.enis, r, &ids, &filters, Kind::NetworkInterface)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("networkInterfaceSet", items, |x, e| eni_xml(x, r, e));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_network_interface(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    write(call, move |r, _| {
        r.delete_network_interface(&id).map(|_| ok_return())
    })
    .await
}

pub async fn attach_network_interface(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    let instance = id_req(p, "InstanceId", Kind::Instance)?;
    p.i32("DeviceIndex")?
        .ok_or_else(|| err::missing("deviceIndex"))?;
    write(call, move |r, _| {
        let attachment = r.attach_network_interface(&id, &instance)?;
        let mut x = Xml::new();
        x.el("attachmentId", attachment).el("networkCardIndex", 0);
        Ok(x.into_string())
    })
    .await
}

pub async fn detach_network_interface(call: &Call<'_>, p: &Params) -> Result {
    let id = p.req("AttachmentId")?.to_string();
    write(call, move |r, _| {
        r.detach_network_interface(&id).map(|_| ok_return())
    })
    .await
}

pub async fn modify_network_interface_attribute(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    let unsupported = ["AssociatePublicIpAddress", "EnablePrimaryIpv6"];
    if unsupported.iter().any(|k| p.get(k).is_some())
        || p.has_prefix("EnaSrdSpecification")
        || p.has_prefix("ConnectionTrackingSpecification")
        || p.has_prefix("AssociatedSubnetId")
    {
        return Err(err::invalid_param(
            "tasknet supports only description, sourceDestCheck, groupSet and attachment."
                .to_string(),
        ));
    }
    let mut m = ModifyEni::default();
    let mut given = Vec::new();
    if let Some(d) = p.string("Description.Value") {
        m.description = Some(d);
        given.push("description");
    }
    if let Some(v) = p.bool("SourceDestCheck.Value")? {
        m.source_dest_check = Some(v);
        given.push("sourceDestCheck");
    }
    if p.has_prefix("SecurityGroupId") {
        m.groups = Some(id_list(p, "SecurityGroupId", Kind::SecurityGroup)?);
        given.push("groupSet");
    }
    let attachment = p.string("Attachment.AttachmentId");
    if p.has_prefix("Attachment") {
        m.delete_on_termination = Some(
            p.bool("Attachment.DeleteOnTermination")?
                .ok_or_else(|| err::missing("attachment.deleteOnTermination"))?,
        );
        given.push("attachment");
    }
    match given.len() {
        0 => return Err(err::missing("attribute")),
        1 => {}
        _ => {
            return Err(err::combination(format!(
                "Fields for multiple attribute types specified: {}",
                given.join(", ")
            )))
        }
    }
    write(call, move |r, _| {
        if let Some(a) = &attachment {
            let e = r.eni(&id)?;
            if e.attachment.as_ref().is_none_or(|x| &x.id != a) {
                return Err(err::not_found(Kind::AttachmentId, a));
            }
        }
        r.modify_network_interface(&id, m).map(|_| ok_return())
    })
    .await
}

pub async fn describe_network_interface_attribute(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    let attr = p.req("Attribute")?.to_string();
    if !matches!(
        attr.as_str(),
        "description" | "groupSet" | "sourceDestCheck" | "attachment" | "associatePublicIpAddress"
    ) {
        return Err(err::invalid_value(format!(
            "Value ({attr}) for parameter attribute is invalid. Unknown attribute."
        )));
    }
    read(call, move |r| {
        let e = r.eni(&id)?;
        let mut x = Xml::new();
        x.el("networkInterfaceId", &e.id);
        match attr.as_str() {
            "description" => {
                x.wrap("description", |x| {
                    x.el("value", &e.description);
                });
            }
            "groupSet" => groups_xml(&mut x, r, &e.groups),
            "sourceDestCheck" => {
                x.wrap("sourceDestCheck", |x| {
                    x.b("value", e.source_dest_check);
                });
            }
            "attachment" => {
                if let Some(a) = &e.attachment {
                    attachment_xml(&mut x, a);
                }
            }
            _ => {
                let auto = e
                    .public_association()
                    .is_some_and(|a| a.allocation_id.is_none());
                x.b("associatePublicIpAddress", auto);
            }
        }
        Ok(x.into_string())
    })
    .await
}

pub async fn assign_private_ip_addresses(call: &Call<'_>, p: &Params) -> Result {
    if p.has_prefix("Ipv4Prefix") || p.get("Ipv4PrefixCount").is_some() {
        return Err(no_prefix_delegation());
    }
    let id = id_req(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    let ips = p
        .list("PrivateIpAddress")
        .iter()
        .map(|v| parse_v4(v, "privateIpAddress"))
        .collect::<Result<Vec<_>>>()?;
    let n = count(p, "SecondaryPrivateIpAddressCount")?.unwrap_or(0);
    let reassign = p.flag("AllowReassignment")?;
    write(call, move |r, _| {
        let added = r.assign_private_ips(&id, &ips, n, reassign)?;
        let mut x = Xml::new();
        x.el("networkInterfaceId", &id)
            .list("assignedPrivateIpAddressesSet", &added, |x, ip| {
                x.el("privateIpAddress", ip);
            })
            .list("assignedIpv4PrefixSet", Vec::<()>::new(), |_, _| {});
        Ok(x.into_string())
    })
    .await
}

pub async fn unassign_private_ip_addresses(call: &Call<'_>, p: &Params) -> Result {
    if p.has_prefix("Ipv4Prefix") {
        return Err(no_prefix_delegation());
    }
    let id = id_req(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    let ips = p
        .list("PrivateIpAddress")
        .iter()
        .map(|v| parse_v4(v, "privateIpAddress"))
        .collect::<Result<Vec<_>>>()?;
    if ips.is_empty() {
        return Err(err::missing("privateIpAddress"));
    }
    write(call, move |r, _| {
        r.unassign_private_ips(&id, &ips).map(|_| ok_return())
    })
    .await
}

pub async fn assign_ipv6_addresses(call: &Call<'_>, p: &Params) -> Result {
    if p.has_prefix("Ipv6Prefix") || p.get("Ipv6PrefixCount").is_some() {
        return Err(no_prefix_delegation());
    }
    let id = id_req(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    let ips = p
        .list("Ipv6Addresses")
        .iter()
        .map(|v| parse_v6(v, "ipv6Addresses"))
        .collect::<Result<Vec<_>>>()?;
    let n = count(p, "Ipv6AddressCount")?.unwrap_or(0);
    write(call, move |r, _| {
        let added = r.assign_ipv6(&id, &ips, n)?;
        let mut x = Xml::new();
        x.str_list("assignedIpv6Addresses", &added)
            .str_list("assignedIpv6PrefixSet", Vec::<String>::new())
            .el("networkInterfaceId", &id);
        Ok(x.into_string())
    })
    .await
}

pub async fn unassign_ipv6_addresses(call: &Call<'_>, p: &Params) -> Result {
    if p.has_prefix("Ipv6Prefix") {
        return Err(no_prefix_delegation());
    }
    let id = id_req(p, "NetworkInterfaceId", Kind::NetworkInterface)?;
    let ips = p
        .list("Ipv6Addresses")
        .iter()
        .map(|v| parse_v6(v, "ipv6Addresses"))
        .collect::<Result<Vec<_>>>()?;
    if ips.is_empty() {
        return Err(err::missing("ipv6Addresses"));
    }
    write(call, move |r, _| {
        let removed = r.unassign_ipv6(&id, &ips)?;
        let mut x = Xml::new();
        x.el("networkInterfaceId", &id)
            .str_list("unassignedIpv6Addresses", &removed)
            .str_list("unassignedIpv6PrefixSet", Vec::<String>::new());
        Ok(x.into_string())
    })
    .await
}

fn no_prefix_delegation() -> model::ApiError {
    err::invalid_param(
        "tasknet does not emulate prefix delegation on network interfaces.".to_string(),
    )
}
