//! Regions, Availability Zones, account attributes, VPCs and subnets.

use super::{id_req, ok_return, read, write, Page, Result};
use crate::params::Params;
use crate::xml::Xml;
use crate::Call;
use model::ec2::cidr_reservation::{CreateReservation, SubnetCidrReservation};
use model::ec2::err::{self, Kind};
use model::ec2::subnet::{CreateSubnet, SubnetAttr};
use model::ec2::types::*;
use model::ec2::vpc::CreateVpc;
use model::ec2::{self as mec2};
use model::filter::{self as mfilter, wildcard, Filter};
use model::regions::{RegionInfo, REGIONS};
use model::Region;

fn filter_ok(
    filters: &[Filter],
    known: &[&str],
    get: impl Fn(&str) -> Vec<String>,
) -> Result<bool> {
    for f in filters {
        if !known.contains(&f.name.as_str()) {
            return Err(err::invalid_value(format!(
                "The filter '{}' is invalid",
                f.name
            )));
        }
    }
    Ok(filters.iter().all(|f| {
        let vals = get(&f.name);
        f.values.iter().any(|p| vals.iter().any(|v| wildcard(p, v)))
    }))
}

fn opt_in(r: &RegionInfo) -> &'static str {
    if r.opt_in_required {
        "opted-in"
    } else {
        "opt-in-not-required"
    }
}

pub async fn describe_regions(_call: &Call<'_>, p: &Params) -> Result {
    let names = p.list("RegionName");
    let filters = p.filters();
    for n in &names {
        if model::regions::find(n).is_none() {
            return Err(err::invalid_value(format!("Invalid region: {n}")));
        }
    }
    let mut x = Xml::new();
    x.start("regionInfo");
    for r in REGIONS {
        if !names.is_empty() && !names.iter().any(|n| n == r.name) {
            continue;
        }
        let endpoint = format!("ec2.{}.amazonaws.com", r.name);
        let ok = filter_ok(
            &filters,
            &["endpoint", "region-name", "opt-in-status"],
            |n| match n {
                "endpoint" => vec![endpoint.clone()],
                "region-name" => vec![r.name.to_string()],
                _ => vec![opt_in(r).to_string()],
            },
        )?;
        if ok {
            x.wrap("item", |x| {
                x.el("regionName", r.name)
                    .el("regionEndpoint", &endpoint)
                    .el("optInStatus", opt_in(r));
            });
        }
    }
    x.end("regionInfo");
    Ok(x.into_string())
}

pub async fn describe_availability_zones(call: &Call<'_>, p: &Params) -> Result {
    let info = model::regions::find(&call.region)
        .ok_or_else(|| err::invalid_value(format!("Invalid region: {}", call.region)))?;
    let names = p.list("ZoneName");
    let ids = p.list("ZoneId");
    for n in &names {
        if info.zone(n).is_none() {
            return Err(err::invalid_value(format!(
                "Invalid availability zone: [{n}]"
            )));
        }
    }
    for i in &ids {
        if info.zone_by_id(i).is_none() {
            return Err(err::invalid_value(format!(
                "Invalid availability zone ID: [{i}]"
            )));
        }
    }
    let filters = p.filters();
    let group = format!("{}-zg-1", info.name);
    let long = format!("{} 1", info.long_name);
    let known = [
        "group-long-name",
        "group-name",
        "message",
        "opt-in-status",
        "parent-zone-id",
        "parent-zone-name",
        "region-name",
        "state",
        "zone-id",
        "zone-name",
        "zone-type",
        "network-border-group",
    ];
    let mut x = Xml::new();
    x.start("availabilityZoneInfo");
    for z in info.zones {
        if (!names.is_empty() || !ids.is_empty())
            && !names.iter().any(|n| n == z.name)
            && !ids.iter().any(|i| i == z.id)
        {
            continue;
        }
        let ok = filter_ok(&filters, &known, |n| match n {
            "group-long-name" => vec![long.clone()],
            "group-name" => vec![group.clone()],
            "opt-in-status" => vec!["opt-in-not-required".into()],
            "region-name" | "network-border-group" => vec![info.name.to_string()],
            "state" => vec!["available".into()],
            "zone-id" => vec![z.id.to_string()],
            "zone-name" => vec![z.name.to_string()],
            "zone-type" => vec!["availability-zone".into()],
            _ => vec![],
        })?;
        if ok {
            x.wrap("item", |x| {
                x.el("zoneName", z.name)
                    .el("zoneState", "available")
                    .el("regionName", info.name)
                    .el("zoneId", z.id)
                    .el("groupName", &group)
                    .el("networkBorderGroup", info.name)
                    .el("zoneType", "availability-zone")
                    .el("groupLongName", &long)
                    .el("optInStatus", "opt-in-not-required")
                    .list("messageSet", Vec::<()>::new(), |_, _| {});
            });
        }
    }
    x.end("availabilityZoneInfo");
    Ok(x.into_string())
}

pub async fn describe_account_attributes(call: &Call<'_>, p: &Params) -> Result {
    let wanted = p.list("AttributeName");
    read(call, move |r| {
        let default_vpc = r
            .vpcs
            .iter()
            .find(|v| v.is_default)
            .map(|v| v.id.clone())
            .unwrap_or_else(|| "none".into());
        let attrs: Vec<(&str, Vec<String>)> = vec![
            ("supported-platforms", vec!["VPC".into()]),
            ("default-vpc", vec![default_vpc]),
            ("max-instances", vec!["20".into()]),
            ("vpc-max-security-groups-per-interface", vec!["5".into()]),
            ("max-elastic-ips", vec!["5".into()]),
            ("vpc-max-elastic-ips", vec!["5".into()]),
        ];
        let mut x = Xml::new();
        x.list(
            "accountAttributeSet",
            attrs
                .iter()
                .filter(|(n, _)| wanted.is_empty() || wanted.iter().any(|w| w == n)),
            |x, (n, vals)| {
                x.el("attributeName", n)
                    .list("attributeValueSet", vals, |x, v| {
                        x.el("attributeValue", v);
                    });
            },
        );
        Ok(x.into_string())
    })
    .await
}

pub(crate) fn vpc_xml(x: &mut Xml, r: &Region, v: &Vpc) {
    x.el("vpcId", &v.id)
        .el("ownerId", &r.account_id)
        .el("state", "available")
        .opt("cidrBlock", v.primary_cidr())
        .list("cidrBlockAssociationSet", &v.cidr_blocks, |x, b| {
            x.el("cidrBlock", b.cidr)
                .el("associationId", &b.association_id)
                .wrap("cidrBlockState", |x| {
                    x.el("state", "associated");
                });
        });
    x.list("ipv6CidrBlockAssociationSet", &v.ipv6_blocks, |x, b| {
        ipv6_assoc_xml(x, b, true)
    });
    x.el("dhcpOptionsId", &v.dhcp_options_id)
        .el("instanceTenancy", &v.instance_tenancy)
        .b("isDefault", v.is_default)
        .tag_set(&v.tags);
}

fn ipv6_assoc_xml(x: &mut Xml, b: &Ipv6Assoc, vpc: bool) {
    x.el("ipv6CidrBlock", b.cidr)
        .el("associationId", &b.association_id)
        .wrap("ipv6CidrBlockState", |x| {
            x.el("state", "associated");
        });
    if vpc {
        x.el("networkBorderGroup", &b.network_border_group)
            .el("ipv6Pool", &b.pool);
    }
    x.el("ipv6AddressAttribute", "public").el(
        "ipSource",
        if b.pool == "Amazon" {
            "amazon"
        } else {
            "byoip"
        },
    );
}

fn tags(p: &Params, rt: &str) -> Result<Vec<Tag>> {
    p.tag_specs(rt)
}

pub async fn create_vpc(call: &Call<'_>, p: &Params) -> Result {
    if p.get("Ipv4IpamPoolId").is_some() || p.get("Ipv6IpamPoolId").is_some() {
        return Err(err::invalid_param(
            "tasknet does not emulate IPAM pools; give CidrBlock instead.".to_string(),
        ));
    }
    let req = CreateVpc {
        cidr_block: p.string("CidrBlock"),
        amazon_provided_ipv6: p.flag("AmazonProvidedIpv6CidrBlock")?,
        ipv6_cidr_block: p.string("Ipv6CidrBlock"),
        ipv6_pool: p.string("Ipv6Pool"),
        instance_tenancy: p.string("InstanceTenancy"),
        tags: tags(p, "vpc")?,
    };
    write(call, move |r, now| {
        let id = r.create_vpc(req, now)?;
        let mut x = Xml::new();
        x.wrap("vpc", |x| vpc_xml(x, r, r.vpc(&id).expect("just created")));
        Ok(x.into_string())
    })
    .await
}

pub async fn create_default_vpc(call: &Call<'_>, _p: &Params) -> Result {
    write(call, move |r, now| {
        if let Some(v) = r.vpcs.iter().find(|v| v.is_default) {
            return Err(model::ApiError::new(
                "DefaultVpcAlreadyExists",
                format!(
                    "A Default VPC already exists for this account in this region. ({})",
                    v.id
                ),
            ));
        }
        let id = r.create_default_vpc(now);
        let mut x = Xml::new();
        x.wrap("vpc", |x| vpc_xml(x, r, r.vpc(&id).expect("just created")));
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_vpcs(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("VpcId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "vpcIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(&r.vpcs, r, &ids, &filters, Kind::Vpc)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("vpcSet", items, |x, v| vpc_xml(x, r, v));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_vpc(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "VpcId", Kind::Vpc)?;
    write(call, move |r, _| r.delete_vpc(&id).map(|_| ok_return())).await
}

/// Exactly one of the attribute structures, as AWS requires.
fn one_attribute(p: &Params, names: &[&str]) -> Result<(String, bool)> {
    let given: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| p.get(&format!("{n}.Value")).is_some())
        .collect();
    match given.as_slice() {
        [] => Err(err::missing("attribute")),
        [one] => Ok((lower(one), p.flag(&format!("{one}.Value"))?)),
        many => Err(err::combination(format!(
            "Fields for multiple attribute types specified: {}",
            many.iter().map(|m| lower(m)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn lower(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

pub async fn modify_vpc_attribute(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "VpcId", Kind::Vpc)?;
    let (attr, value) = one_attribute(
        p,
        &[
            "EnableDnsSupport",
            "EnableDnsHostnames",
            "EnableNetworkAddressUsageMetrics",
        ],
    )?;
    write(call, move |r, _| {
        r.modify_vpc_attribute(&id, &attr, value)
            .map(|_| ok_return())
    })
    .await
}

pub async fn describe_vpc_attribute(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "VpcId", Kind::Vpc)?;
    let attr = p.req("Attribute")?.to_string();
    read(call, move |r| {
        let v = r.vpc_attribute(&id, &attr)?;
        let mut x = Xml::new();
        x.el("vpcId", &id).wrap(&attr, |x| {
            x.b("value", v);
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn associate_vpc_cidr_block(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "VpcId", Kind::Vpc)?;
    let cidr = p.string("CidrBlock");
    let amazon = p.flag("AmazonProvidedIpv6CidrBlock")?;
    let v6 = p.string("Ipv6CidrBlock");
    let pool = p.string("Ipv6Pool");
    write(call, move |r, _| {
        let assoc =
            r.associate_vpc_cidr(&id, cidr.as_deref(), amazon, v6.as_deref(), pool.as_deref())?;
        let v = r.vpc(&id)?;
        let mut x = Xml::new();
        if let Some(b) = v.cidr_blocks.iter().find(|b| b.association_id == assoc) {
            x.wrap("cidrBlockAssociation", |x| {
                x.el("associationId", &b.association_id)
                    .el("cidrBlock", b.cidr)
                    .wrap("cidrBlockState", |x| {
                        x.el("state", "associating");
                    });
            });
        }
        if let Some(b) = v.ipv6_blocks.iter().find(|b| b.association_id == assoc) {
            x.wrap("ipv6CidrBlockAssociation", |x| ipv6_assoc_xml(x, b, true));
        }
        x.el("vpcId", &id);
        Ok(x.into_string())
    })
    .await
}

pub async fn disassociate_vpc_cidr_block(call: &Call<'_>, p: &Params) -> Result {
    let assoc = p.req("AssociationId")?.to_string();
    write(call, move |r, _| {
        let (vpc, block) = r.disassociate_vpc_cidr(&assoc)?;
        let mut x = Xml::new();
        match block {
            Ok(b) => {
                x.wrap("cidrBlockAssociation", |x| {
                    x.el("associationId", &b.association_id)
                        .el("cidrBlock", b.cidr)
                        .wrap("cidrBlockState", |x| {
                            x.el("state", "disassociating");
                        });
                });
            }
            Err(b) => {
                x.wrap("ipv6CidrBlockAssociation", |x| {
                    x.el("ipv6CidrBlock", b.cidr)
                        .el("associationId", &b.association_id)
                        .wrap("ipv6CidrBlockState", |x| {
                            x.el("state", "disassociating");
                        });
                });
            }
        }
        x.el("vpcId", vpc);
        Ok(x.into_string())
    })
    .await
}

pub(crate) fn subnet_xml(x: &mut Xml, r: &Region, s: &Subnet) {
    x.el("subnetId", &s.id)
        .el("subnetArn", s.arn(&r.account_id))
        .el("state", "available")
        .el("vpcId", &s.vpc_id)
        .el("ownerId", &r.account_id)
        .opt("cidrBlock", s.cidr)
        .el("availableIpAddressCount", r.available_ip_count(&s.id))
        .el("availabilityZone", &s.availability_zone)
        .el("availabilityZoneId", &s.availability_zone_id)
        .b("defaultForAz", s.default_for_az)
        .b("mapPublicIpOnLaunch", s.map_public_ip_on_launch)
        .b("mapCustomerOwnedIpOnLaunch", false)
        .b(
            "assignIpv6AddressOnCreation",
            s.assign_ipv6_address_on_creation,
        )
        .list("ipv6CidrBlockAssociationSet", &s.ipv6_blocks, |x, b| {
            ipv6_assoc_xml(x, b, false)
        })
        .b("enableDns64", s.enable_dns64)
        .b("ipv6Native", s.ipv6_native)
        .wrap("privateDnsNameOptionsOnLaunch", |x| {
            x.el("hostnameType", &s.hostname_type)
                .b(
                    "enableResourceNameDnsARecord",
                    s.enable_resource_name_dns_a_record,
                )
                .b(
                    "enableResourceNameDnsAAAARecord",
                    s.enable_resource_name_dns_aaaa_record,
                );
        })
        .wrap("blockPublicAccessStates", |x| {
            x.el("internetGatewayBlockMode", "off");
        })
        .tag_set(&s.tags);
}

pub async fn create_subnet(call: &Call<'_>, p: &Params) -> Result {
    if p.get("Ipv4IpamPoolId").is_some() || p.get("Ipv6IpamPoolId").is_some() {
        return Err(err::invalid_param(
            "tasknet does not emulate IPAM pools; give CidrBlock instead.".to_string(),
        ));
    }
    let req = CreateSubnet {
        vpc_id: id_req(p, "VpcId", Kind::Vpc)?,
        cidr_block: p.string("CidrBlock"),
        ipv6_cidr_block: p.string("Ipv6CidrBlock"),
        availability_zone: p.string("AvailabilityZone"),
        availability_zone_id: p.string("AvailabilityZoneId"),
        ipv6_native: p.flag("Ipv6Native")?,
        tags: tags(p, "subnet")?,
    };
    write(call, move |r, now| {
        let id = r.create_subnet(req, now)?;
        let mut x = Xml::new();
        x.wrap("subnet", |x| {
            subnet_xml(x, r, r.subnet(&id).expect("just created"))
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_subnets(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("SubnetId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "subnetIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(&r.subnets, r, &ids, &filters, Kind::Subnet)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("subnetSet", items, |x, s| subnet_xml(x, r, s));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_subnet(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "SubnetId", Kind::Subnet)?;
    write(call, move |r, _| r.delete_subnet(&id).map(|_| ok_return())).await
}

pub async fn modify_subnet_attribute(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "SubnetId", Kind::Subnet)?;
    let mut attrs = Vec::new();
    let b = |k: &str| p.bool(&format!("{k}.Value"));
    if let Some(v) = b("MapPublicIpOnLaunch")? {
        attrs.push(SubnetAttr::MapPublicIpOnLaunch(v));
    }
    if let Some(v) = b("AssignIpv6AddressOnCreation")? {
        attrs.push(SubnetAttr::AssignIpv6AddressOnCreation(v));
    }
    if let Some(v) = b("EnableDns64")? {
        attrs.push(SubnetAttr::EnableDns64(v));
    }
    if let Some(v) = p.string("PrivateDnsHostnameTypeOnLaunch") {
        attrs.push(SubnetAttr::HostnameType(v));
    }
    if let Some(v) = b("EnableResourceNameDnsARecordOnLaunch")? {
        attrs.push(SubnetAttr::EnableResourceNameDnsA(v));
    }
    if let Some(v) = b("EnableResourceNameDnsAAAARecordOnLaunch")? {
        attrs.push(SubnetAttr::EnableResourceNameDnsAaaa(v));
    }
    if b("MapCustomerOwnedIpOnLaunch")?.is_some() || p.get("EnableLniAtDeviceIndex").is_some() {
        return Err(err::invalid_param(
            "tasknet does not emulate Outposts subnet attributes.".to_string(),
        ));
    }
    let attr = match attrs.len() {
        0 => return Err(err::missing("attribute")),
        1 => attrs.remove(0),
        _ => {
            return Err(err::combination(
                "Fields for multiple attribute types specified.",
            ))
        }
    };
    write(call, move |r, _| {
        r.modify_subnet_attribute(&id, attr).map(|_| ok_return())
    })
    .await
}

pub async fn associate_subnet_cidr_block(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "SubnetId", Kind::Subnet)?;
    let cidr = p.req("Ipv6CidrBlock")?.to_string();
    write(call, move |r, _| {
        let b = r.associate_subnet_ipv6(&id, &cidr)?;
        let mut x = Xml::new();
        x.el("subnetId", &id).wrap("ipv6CidrBlockAssociation", |x| {
            x.el("ipv6CidrBlock", b.cidr)
                .el("associationId", &b.association_id)
                .wrap("ipv6CidrBlockState", |x| {
                    x.el("state", "associating");
                });
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn disassociate_subnet_cidr_block(call: &Call<'_>, p: &Params) -> Result {
    let assoc = p.req("AssociationId")?.to_string();
    write(call, move |r, _| {
        let (sid, b) = r.disassociate_subnet_ipv6(&assoc)?;
        let mut x = Xml::new();
        x.el("subnetId", sid).wrap("ipv6CidrBlockAssociation", |x| {
            x.el("ipv6CidrBlock", b.cidr)
                .el("associationId", &b.association_id)
                .wrap("ipv6CidrBlockState", |x| {
                    x.el("state", "disassociating");
                });
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn create_default_subnet(call: &Call<'_>, p: &Params) -> Result {
    let zone = p.string("AvailabilityZone").filter(|s| !s.is_empty());
    let zone_id = p.string("AvailabilityZoneId").filter(|s| !s.is_empty());
    let native = p.flag("Ipv6Native")?;
    write(call, move |r, now| {
        let id = r.create_default_subnet(zone.as_deref(), zone_id.as_deref(), native, now)?;
        let mut x = Xml::new();
        x.wrap("subnet", |x| {
            subnet_xml(x, r, r.subnet(&id).expect("just created"))
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn modify_vpc_tenancy(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "VpcId", Kind::Vpc)?;
    let tenancy = p.req("InstanceTenancy")?.to_string();
    write(call, move |r, _| {
        r.modify_vpc_tenancy(&id, &tenancy).map(|_| ok_return())
    })
    .await
}

fn reservation_xml(x: &mut Xml, r: &Region, c: &SubnetCidrReservation) {
    x.el("subnetCidrReservationId", &c.id)
        .el("subnetId", &c.subnet_id)
        .el("cidr", c.cidr)
        .el("reservationType", &c.reservation_type)
        .el("ownerId", &r.account_id)
        .opt("description", c.description.as_ref())
        .tag_set(&c.tags);
}

pub async fn create_subnet_cidr_reservation(call: &Call<'_>, p: &Params) -> Result {
    let req = CreateReservation {
        subnet_id: id_req(p, "SubnetId", Kind::Subnet)?,
        cidr: p.req("Cidr")?.to_string(),
        reservation_type: p.req("ReservationType")?.to_string(),
        description: p.string("Description"),
        tags: tags(p, "subnet-cidr-reservation")?,
    };
    write(call, move |r, _| {
        let id = r.create_cidr_reservation(req)?;
        let c = r.cidr_reservations.get(&id).expect("just created");
        let mut x = Xml::new();
        x.wrap("subnetCidrReservation", |x| reservation_xml(x, r, c));
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_subnet_cidr_reservation(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "SubnetCidrReservationId", Kind::SubnetCidrReservation)?;
    write(call, move |r, _| {
        let c = r.delete_cidr_reservation(&id)?;
        let mut x = Xml::new();
        x.wrap("deletedSubnetCidrReservation", |x| {
            reservation_xml(x, r, &c)
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn get_subnet_cidr_reservations(call: &Call<'_>, p: &Params) -> Result {
    let subnet = id_req(p, "SubnetId", Kind::Subnet)?;
    let filters = p.filters();
    mfilter::check_names::<SubnetCidrReservation>(&filters)?;
    let page = Page::from(p, false, "subnetId", 5, 1000)?;
    read(call, move |r| {
        r.subnet(&subnet)?;
        let all: Vec<(u64, &SubnetCidrReservation)> = r
            .cidr_reservations
            .iter_seq()
            .filter(|(_, c)| c.subnet_id == subnet)
            .filter(|(_, c)| mfilter::matches(*c, r, &filters))
            .collect();
        let (items, next) = page.apply(all);
        let v6 = |c: &&SubnetCidrReservation| matches!(c.cidr, model::net::Cidr::V6(_));
        let mut x = Xml::new();
        x.list(
            "subnetIpv4CidrReservationSet",
            items.iter().filter(|c| !v6(c)),
            |x, c| reservation_xml(x, r, c),
        )
        .list(
            "subnetIpv6CidrReservationSet",
            items.iter().filter(|c| v6(c)),
            |x, c| reservation_xml(x, r, c),
        );
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}
