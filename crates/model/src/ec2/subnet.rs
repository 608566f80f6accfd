//! Subnets: IPv4 /16–/28 inside the VPC, IPv6 /64s, IPv6-only (`Ipv6Native`)
//! subnets, launch attributes, and `AvailableIpAddressCount` from IPAM.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::{bool_str, Filterable};
use crate::ids;
use crate::ipam::{Ipv6Ipam, SubnetIpam};
use crate::net::{Ipv4Cidr, Ipv6Cidr};
use crate::time::Millis;
use crate::world::Region;

#[derive(Debug, Default, Clone)]
pub struct CreateSubnet {
    pub vpc_id: String,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
    pub availability_zone: Option<String>,
    pub availability_zone_id: Option<String>,
    pub ipv6_native: bool,
    pub tags: Vec<Tag>,
}

impl Region {
    pub fn subnet(&self, id: &str) -> Result<&Subnet> {
        self.subnets
            .get(id)
            .ok_or_else(|| err::not_found(Kind::Subnet, id))
    }

    /// `AvailableIpAddressCount` (N11): usable addresses not held by any ENI.
    pub fn available_ip_count(&self, subnet_id: &str) -> u64 {
        self.ipam.get(subnet_id).map(|i| i.available()).unwrap_or(0)
    }

    pub(crate) fn insert_subnet(
        &mut self,
        vpc_id: &str,
        az: &str,
        cidr: Option<Ipv4Cidr>,
        ipv6: Vec<Ipv6Assoc>,
        now: Millis,
    ) -> String {
        let id = ids::resource_id(&mut self.rng, "subnet");
        let az_id = self
            .info
            .zone(az)
            .map(|z| z.id)
            .unwrap_or_default()
            .to_string();
        self.subnets.insert(Subnet {
            id: id.clone(),
            region: self.info.name.to_string(),
            vpc_id: vpc_id.to_string(),
            availability_zone: az.to_string(),
            availability_zone_id: az_id,
            cidr,
            ipv6_blocks: ipv6,
            map_public_ip_on_launch: false,
            assign_ipv6_address_on_creation: false,
            ipv6_native: false,
            enable_dns64: false,
            hostname_type: "ip-name".into(),
            enable_resource_name_dns_a_record: false,
            enable_resource_name_dns_aaaa_record: false,
            default_for_az: false,
            tags: Vec::new(),
            created: now,
        });
        if let Some(c) = cidr {
            self.ipam.insert(id.clone(), SubnetIpam::new(c));
        }
        self.ipam6.insert(id.clone(), Ipv6Ipam::default());
        // Every subnet is associated with its VPC's default network ACL.
        let acl = self
            .vpcs
            .get(vpc_id)
            .map(|v| v.default_network_acl_id.clone())
            .unwrap_or_default();
        let assoc = ids::resource_id(&mut self.rng, "aclassoc");
        if let Some(a) = self.network_acls.get_mut(&acl) {
            a.associations.push(NaclAssoc {
                id: assoc,
                subnet_id: id.clone(),
            });
        }
        id
    }

    pub fn create_subnet(&mut self, req: CreateSubnet, now: Millis) -> Result<String> {
        // An IPv6-only subnet needs its IPv6 block first, then no IPv4 one
        // (AWS checks in this order, before anything else).
        if req.ipv6_native && req.ipv6_cidr_block.is_none() {
            return Err(ApiError::new(
                "MissingParameter",
                "Either 'ipv6CidrBlock' or 'ipv6IpamPoolId' should be provided.",
            ));
        }
        if req.ipv6_native && req.cidr_block.is_some() {
            return Err(err::combination(
                "When specifying ipv4 parameters, cidrBlock or ipv4IpamPoolId, you cannot set ipv6Native to true.",
            ));
        }
        let vpc = self.vpc(&req.vpc_id)?.clone();
        let az = self.pick_zone(
            req.availability_zone.as_deref(),
            req.availability_zone_id.as_deref(),
        )?;
        let cidr = match &req.cidr_block {
            Some(s) => Some(self.check_subnet_cidr(&vpc, s)?),
            None if req.ipv6_native => None,
            None => return Err(err::missing("cidrBlock")),
        };
        let ipv6 = match &req.ipv6_cidr_block {
            Some(s) => vec![self.check_subnet_ipv6(&vpc, s)?],
            None => Vec::new(),
        };
        let id = self.insert_subnet(&vpc.id, az, cidr, ipv6, now);
        if let Some(s) = self.subnets.get_mut(&id) {
            s.tags = req.tags;
            if req.ipv6_native {
                s.ipv6_native = true;
                s.assign_ipv6_address_on_creation = true;
                s.hostname_type = "resource-name".into();
                s.enable_resource_name_dns_aaaa_record = false;
            }
        }
        Ok(id)
    }

    /// CreateDefaultSubnet: a /20 of the default VPC (the first free one) in
    /// the zone, default for it and mapping public IPs; or, `ipv6_native`,
    /// an IPv6-only subnet with the first free /64 of the default VPC.
    pub fn create_default_subnet(
        &mut self,
        zone: Option<&str>,
        zone_id: Option<&str>,
        ipv6_native: bool,
        now: Millis,
    ) -> Result<String> {
        if zone.is_some() && zone_id.is_some() {
            return Err(err::combination(
                "The parameter availabilityZone cannot be used with the parameter availabilityZoneId",
            ));
        }
        if zone.is_none() && zone_id.is_none() {
            return Err(err::missing("availabilityZone"));
        }
        let vpc = self
            .vpcs
            .iter()
            .find(|v| v.is_default)
            .cloned()
            .ok_or_else(|| {
                ApiError::new("DefaultVpcDoesNotExist", "No default VPC for this user")
            })?;
        let az = self.pick_zone(zone, zone_id)?;
        if let Some(s) = self
            .subnets
            .iter()
            .find(|s| s.vpc_id == vpc.id && s.default_for_az && s.availability_zone == az)
        {
            return Err(ApiError::new(
                "DefaultSubnetAlreadyExistsInAvailabilityZone",
                format!(
                    "A Default Subnet already exists in this availability zone ({az}). ({})",
                    s.id
                ),
            ));
        }
        let taken: Vec<Subnet> = self
            .subnets
            .iter()
            .filter(|s| s.vpc_id == vpc.id)
            .cloned()
            .collect();
        let id = if ipv6_native {
            let block = vpc.ipv6_blocks.first().cloned().ok_or_else(|| {
                err::invalid_param(format!(
                    "The default VPC {} has no IPv6 CIDR block for an IPv6-only default subnet.",
                    vpc.id
                ))
            })?;
            let free = (0..256u128)
                .filter_map(|i| block.cidr.subnet(64, i))
                .find(|c| {
                    !taken
                        .iter()
                        .any(|s| s.ipv6_blocks.iter().any(|b| b.cidr.overlaps(c)))
                })
                .ok_or_else(|| {
                    ApiError::new(
                        "InvalidSubnet.Conflict",
                        format!("The default VPC {} has no free IPv6 /64 block.", vpc.id),
                    )
                })?;
            let assoc = Ipv6Assoc {
                association_id: ids::resource_id(&mut self.rng, "subnet-cidr-assoc"),
                cidr: free,
                pool: block.pool.clone(),
                network_border_group: block.network_border_group.clone(),
            };
            let id = self.insert_subnet(&vpc.id, az, None, vec![assoc], now);
            if let Some(s) = self.subnets.get_mut(&id) {
                s.ipv6_native = true;
                s.assign_ipv6_address_on_creation = true;
                s.hostname_type = "resource-name".into();
            }
            id
        } else {
            let base = vpc
                .primary_cidr()
                .ok_or_else(|| err::missing("cidrBlock"))?;
            let free = (0..(1u32 << (20 - base.prefix_len().min(20))))
                .filter_map(|i| base.subnet_v4(20, i))
                .find(|c| !taken.iter().any(|s| s.cidr.is_some_and(|x| x.overlaps(c))))
                .ok_or_else(|| {
                    ApiError::new(
                        "InvalidSubnet.Conflict",
                        format!("The default VPC {} has no free /20 block.", vpc.id),
                    )
                })?;
            let id = self.insert_subnet(&vpc.id, az, Some(free), Vec::new(), now);
            if let Some(s) = self.subnets.get_mut(&id) {
                s.map_public_ip_on_launch = true;
            }
            id
        };
        if let Some(s) = self.subnets.get_mut(&id) {
            s.default_for_az = true;
        }
        Ok(id)
    }

    fn pick_zone(&mut self, name: Option<&str>, zone_id: Option<&str>) -> Result<&'static str> {
        let all = || {
            self.info
                .zones
                .iter()
                .map(|z| z.name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(n) = name {
            return self.info.zone(n).map(|z| z.name).ok_or_else(|| {
                err::invalid_value(format!(
                    "Value ({n}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
                    all()
                ))
            });
        }
        if let Some(i) = zone_id {
            return self.info.zone_by_id(i).map(|z| z.name).ok_or_else(|| {
                err::invalid_value(format!(
                    "Value ({i}) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zones: {}.",
                    all()
                ))
            });
        }
        let i = self.rng.usize(..self.info.zones.len());
        Ok(self.info.zones[i].name)
    }

    fn check_subnet_cidr(&self, vpc: &Vpc, s: &str) -> Result<Ipv4Cidr> {
        let c: Ipv4Cidr = s.parse().map_err(|_| err::invalid_cidr("cidrBlock", s))?;
        let in_vpc = vpc.cidr_blocks.iter().any(|b| b.cidr.contains_cidr(&c));
        if !in_vpc || c.prefix_len() < 16 || c.prefix_len() > 28 {
            return Err(ApiError::new(
                "InvalidSubnet.Range",
                format!("The CIDR '{s}' is invalid."),
            ));
        }
        let clash = self
            .subnets
            .iter()
            .any(|o| o.vpc_id == vpc.id && o.cidr.is_some_and(|oc| oc.overlaps(&c)));
        if clash {
            return Err(ApiError::new(
                "InvalidSubnet.Conflict",
                format!("The CIDR '{s}' conflicts with another subnet"),
            ));
        }
        Ok(c)
    }

    fn check_subnet_ipv6(&mut self, vpc: &Vpc, s: &str) -> Result<Ipv6Assoc> {
        let c: Ipv6Cidr = s
            .parse()
            .map_err(|_| err::invalid_cidr("ipv6CidrBlock", s))?;
        let Some(parent) = vpc.ipv6_blocks.iter().find(|b| b.cidr.contains_cidr(&c)) else {
            return Err(ApiError::new(
                "InvalidSubnet.Range",
                format!("The CIDR '{s}' is invalid."),
            ));
        };
        // A subnet's IPv6 block is a /44 to /64 in steps of 4, up to the
        // whole block of the VPC.
        if !(44..=64).contains(&c.prefix_len()) || !c.prefix_len().is_multiple_of(4) {
            return Err(ApiError::new(
                "InvalidSubnet.Range",
                format!("The CIDR '{s}' is invalid."),
            ));
        }
        let clash = self
            .subnets
            .iter()
            .any(|o| o.vpc_id == vpc.id && o.ipv6_blocks.iter().any(|b| b.cidr.overlaps(&c)));
        if clash {
            return Err(ApiError::new(
                "InvalidSubnet.Conflict",
                format!("The CIDR '{s}' conflicts with another subnet"),
            ));
        }
        Ok(Ipv6Assoc {
            association_id: ids::resource_id(&mut self.rng, "subnet-cidr-assoc"),
            cidr: c,
            pool: parent.pool.clone(),
            network_border_group: parent.network_border_group.clone(),
        })
    }

    pub fn delete_subnet(&mut self, id: &str) -> Result<()> {
        self.subnet(id)?;
        let busy = self.enis.iter().any(|e| e.subnet_id == id)
            || self
                .nat_gateways
                .iter()
                .any(|n| n.subnet_id == id && n.state != "deleted")
            || self
                .vpc_endpoints
                .iter()
                .any(|e| e.subnet_ids.iter().any(|s| s == id));
        if busy {
            return Err(err::dependency(format!(
                "The subnet '{id}' has dependencies and cannot be deleted."
            )));
        }
        let reservations: Vec<String> =
            self.subnet_reservations(id).map(|r| r.id.clone()).collect();
        for r in reservations {
            self.cidr_reservations.remove(&r);
        }
        self.subnets.remove(id);
        self.ipam.remove(id);
        self.ipam6.remove(id);
        self.route_tables.update_where(
            |rt| {
                rt.associations
                    .iter()
                    .any(|a| a.subnet_id.as_deref() == Some(id))
            },
            |rt| {
                rt.associations
                    .retain(|a| a.subnet_id.as_deref() != Some(id))
            },
        );
        self.network_acls.update_where(
            |a| a.associations.iter().any(|x| x.subnet_id == id),
            |a| a.associations.retain(|x| x.subnet_id != id),
        );
        Ok(())
    }

    /// ModifySubnetAttribute: one attribute per call, as AWS requires.
    pub fn modify_subnet_attribute(&mut self, id: &str, attr: SubnetAttr) -> Result<()> {
        let s = self.subnet(id)?.clone();
        match &attr {
            SubnetAttr::AssignIpv6AddressOnCreation(true)
            | SubnetAttr::EnableResourceNameDnsAaaa(true)
                if s.ipv6_blocks.is_empty() =>
            {
                return Err(err::invalid_param(format!(
                    "Subnet {id} does not have an associated IPv6 CIDR block."
                )))
            }
            SubnetAttr::AssignIpv6AddressOnCreation(false) if s.ipv6_native => {
                return Err(err::invalid_param(
                    "You cannot disable IPv6 address assignment on an IPv6-only subnet."
                        .to_string(),
                ))
            }
            SubnetAttr::MapPublicIpOnLaunch(true) if s.ipv6_native => {
                return Err(err::invalid_param(
                    "You cannot enable public IPv4 address assignment on an IPv6-only subnet."
                        .to_string(),
                ))
            }
            SubnetAttr::HostnameType(t) if t != "ip-name" && t != "resource-name" => {
                return Err(err::invalid_value(format!(
                    "Value ({t}) for parameter privateDnsHostnameTypeOnLaunch is invalid."
                )))
            }
            SubnetAttr::HostnameType(t) if t == "ip-name" && s.ipv6_native => {
                return Err(err::invalid_param(
                    "The ip-name hostname type is not supported for IPv6-only subnets.".to_string(),
                ))
            }
            SubnetAttr::EnableResourceNameDnsA(true) if s.ipv6_native => {
                return Err(err::invalid_param(
                    "You cannot enable DNS A records on an IPv6-only subnet.".to_string(),
                ))
            }
            _ => {}
        }
        let s = self
            .subnets
            .get_mut(id)
            .ok_or_else(|| err::not_found(Kind::Subnet, id))?;
        match attr {
            SubnetAttr::MapPublicIpOnLaunch(v) => s.map_public_ip_on_launch = v,
            SubnetAttr::AssignIpv6AddressOnCreation(v) => s.assign_ipv6_address_on_creation = v,
            SubnetAttr::EnableDns64(v) => s.enable_dns64 = v,
            SubnetAttr::HostnameType(t) => s.hostname_type = t,
            SubnetAttr::EnableResourceNameDnsA(v) => s.enable_resource_name_dns_a_record = v,
            SubnetAttr::EnableResourceNameDnsAaaa(v) => s.enable_resource_name_dns_aaaa_record = v,
        }
        Ok(())
    }

    /// AssociateSubnetCidrBlock (IPv6). Returns the new association.
    pub fn associate_subnet_ipv6(&mut self, id: &str, cidr: &str) -> Result<Ipv6Assoc> {
        let s = self.subnet(id)?.clone();
        let vpc = self.vpc(&s.vpc_id)?.clone();
        if !s.ipv6_blocks.is_empty() {
            return Err(ApiError::new(
                "CidrLimitExceeded",
                format!("This subnet {id} has met its maximum number of allowed CIDRs: 1"),
            ));
        }
        let b = self.check_subnet_ipv6(&vpc, cidr)?;
        if let Some(s) = self.subnets.get_mut(id) {
            s.ipv6_blocks.push(b.clone());
        }
        Ok(b)
    }

    /// DisassociateSubnetCidrBlock. Returns (subnet id, removed block).
    pub fn disassociate_subnet_ipv6(&mut self, assoc_id: &str) -> Result<(String, Ipv6Assoc)> {
        let s = self
            .subnets
            .iter()
            .find(|s| s.ipv6_blocks.iter().any(|b| b.association_id == assoc_id))
            .cloned()
            .ok_or_else(|| err::not_found(Kind::SubnetCidrAssociation, assoc_id))?;
        if s.ipv6_native {
            return Err(err::invalid_param(format!(
                "The subnet CIDR block with association ID {assoc_id} may not be disassociated from an IPv6-only subnet."
            )));
        }
        let in_use = self
            .enis
            .iter()
            .any(|e| e.subnet_id == s.id && !e.ipv6_addresses.is_empty());
        if in_use {
            return Err(err::dependency(format!(
                "The subnet CIDR block with association ID {assoc_id} may not be disassociated. It has dependencies."
            )));
        }
        let mut removed = None;
        if let Some(sub) = self.subnets.get_mut(&s.id) {
            if let Some(pos) = sub
                .ipv6_blocks
                .iter()
                .position(|b| b.association_id == assoc_id)
            {
                removed = Some(sub.ipv6_blocks.remove(pos));
            }
            sub.assign_ipv6_address_on_creation = false;
        }
        removed
            .map(|b| (s.id.clone(), b))
            .ok_or_else(|| err::not_found(Kind::SubnetCidrAssociation, assoc_id))
    }

    /// The route table that governs a subnet: its explicit association, else the main table.
    pub fn route_table_for_subnet(&self, subnet_id: &str) -> Option<&RouteTable> {
        let s = self.subnets.get(subnet_id)?;
        self.route_tables
            .iter()
            .find(|rt| {
                rt.associations
                    .iter()
                    .any(|a| a.subnet_id.as_deref() == Some(subnet_id))
            })
            .or_else(|| {
                self.vpcs
                    .get(&s.vpc_id)
                    .and_then(|v| self.route_tables.get(&v.main_route_table_id))
            })
    }

    pub fn network_acl_for_subnet(&self, subnet_id: &str) -> Option<&NetworkAcl> {
        self.network_acls
            .iter()
            .find(|a| a.associations.iter().any(|x| x.subnet_id == subnet_id))
    }
}

#[derive(Debug, Clone)]
pub enum SubnetAttr {
    MapPublicIpOnLaunch(bool),
    AssignIpv6AddressOnCreation(bool),
    EnableDns64(bool),
    HostnameType(String),
    EnableResourceNameDnsA(bool),
    EnableResourceNameDnsAaaa(bool),
}

impl Subnet {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:ec2:{}:{account}:subnet/{}", self.region, self.id)
    }
}

impl Filterable for Subnet {
    const FILTERS: &'static [&'static str] = &[
        "availability-zone",
        "availabilityZone",
        "availability-zone-id",
        "availabilityZoneId",
        "available-ip-address-count",
        "cidr-block",
        "cidr",
        "cidrBlock",
        "default-for-az",
        "defaultForAz",
        "enable-dns64",
        "ipv6-cidr-block-association.ipv6-cidr-block",
        "ipv6-cidr-block-association.association-id",
        "ipv6-cidr-block-association.state",
        "ipv6-native",
        "map-public-ip-on-launch",
        "owner-id",
        "private-dns-name-options-on-launch.hostname-type",
        "private-dns-name-options-on-launch.enable-resource-name-dns-a-record",
        "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record",
        "state",
        "subnet-arn",
        "subnet-id",
        "vpc-id",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] =
        &[("subnet-id", Kind::Subnet), ("vpc-id", Kind::Vpc)];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        match name {
            "availability-zone" | "availabilityZone" => out.push(self.availability_zone.clone()),
            "availability-zone-id" | "availabilityZoneId" => {
                out.push(self.availability_zone_id.clone())
            }
            "available-ip-address-count" => out.push(cx.available_ip_count(&self.id).to_string()),
            "cidr-block" | "cidr" | "cidrBlock" => out.extend(self.cidr.map(|c| c.to_string())),
            "default-for-az" | "defaultForAz" => out.push(bool_str(self.default_for_az)),
            "enable-dns64" => out.push(bool_str(self.enable_dns64)),
            "ipv6-cidr-block-association.ipv6-cidr-block" => {
                out.extend(self.ipv6_blocks.iter().map(|b| b.cidr.to_string()))
            }
            "ipv6-cidr-block-association.association-id" => {
                out.extend(self.ipv6_blocks.iter().map(|b| b.association_id.clone()))
            }
            "ipv6-cidr-block-association.state" => {
                out.extend(self.ipv6_blocks.iter().map(|_| "associated".into()))
            }
            "ipv6-native" => out.push(bool_str(self.ipv6_native)),
            "map-public-ip-on-launch" => out.push(bool_str(self.map_public_ip_on_launch)),
            "owner-id" => out.push(cx.account_id.clone()),
            "private-dns-name-options-on-launch.hostname-type" => {
                out.push(self.hostname_type.clone())
            }
            "private-dns-name-options-on-launch.enable-resource-name-dns-a-record" => {
                out.push(bool_str(self.enable_resource_name_dns_a_record))
            }
            "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record" => {
                out.push(bool_str(self.enable_resource_name_dns_aaaa_record))
            }
            "state" => out.push("available".into()),
            "subnet-arn" => out.push(self.arn(&cx.account_id)),
            "subnet-id" => out.push(self.id.clone()),
            "vpc-id" => out.push(self.vpc_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
