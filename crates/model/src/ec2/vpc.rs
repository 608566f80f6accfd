//! VPCs: creation with their main route table, default security group and
//! default network ACL; CIDR blocks; DNS attributes; the default VPC of a fresh
//! Region.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::{bool_str, Filterable};
use crate::ids;
use crate::net::{is_restricted_vpc_v4, Ipv4Cidr, Ipv6Cidr};
use crate::time::Millis;
use crate::world::Region;
use std::net::Ipv4Addr;

#[derive(Debug, Default, Clone)]
pub struct CreateVpc {
    pub cidr_block: Option<String>,
    pub amazon_provided_ipv6: bool,
    pub ipv6_cidr_block: Option<String>,
    pub ipv6_pool: Option<String>,
    pub instance_tenancy: Option<String>,
    pub tags: Vec<Tag>,
}

/// The IPv4 blocks, and the IPv6 blocks, a VPC may have (AWS default quotas).
pub const MAX_CIDRS: usize = 5;

pub(crate) fn parse_vpc_cidr(param: &str, s: &str) -> Result<Ipv4Cidr> {
    let c: Ipv4Cidr = s.parse().map_err(|_| err::invalid_cidr(param, s))?;
    if c.prefix_len() < 16 || c.prefix_len() > 28 || is_restricted_vpc_v4(&c) {
        return Err(ApiError::new(
            "InvalidVpc.Range",
            format!("The CIDR '{s}' is invalid."),
        ));
    }
    Ok(c)
}

impl Region {
    /// A fresh Region: default DHCP options and the default VPC.
    pub fn bootstrap(&mut self, now: Millis) {
        let dopt_id = self.create_default_dhcp_options();
        self.meta.insert(RegionMeta {
            region: self.info.name.to_string(),
            default_dhcp_options_id: dopt_id,
        });
        self.create_default_vpc(now);
    }

    /// The default VPC: 172.31.0.0/16 with DNS hostnames, a /20 default subnet
    /// per AZ that maps public IPs, an attached internet gateway and a default
    /// route to it. Returns the VPC id.
    pub fn create_default_vpc(&mut self, now: Millis) -> String {
        let cidr = Ipv4Cidr::new(Ipv4Addr::new(172, 31, 0, 0), 16).expect("static CIDR");
        let vpc_id = self.insert_vpc(cidr, None, "default", true, Vec::new(), now);
        if let Some(v) = self.vpcs.get_mut(&vpc_id) {
            v.enable_dns_hostnames = true;
        }
        let igw_id = ids::resource_id(&mut self.rng, "igw");
        self.internet_gateways.insert(InternetGateway {
            id: igw_id.clone(),
            region: self.info.name.to_string(),
            vpc_id: Some(vpc_id.clone()),
            tags: Vec::new(),
        });
        let main = self
            .vpcs
            .get(&vpc_id)
            .map(|v| v.main_route_table_id.clone())
            .unwrap_or_default();
        if let Some(rt) = self.route_tables.get_mut(&main) {
            rt.routes.push(Route {
                dest: RouteDest::V4(Ipv4Cidr::new(Ipv4Addr::UNSPECIFIED, 0).expect("static")),
                target: RouteTarget::InternetGateway(igw_id),
                origin: "CreateRoute".into(),
            });
        }
        let zones = self.info.zones;
        for (i, z) in zones.iter().enumerate() {
            let c = Ipv4Cidr::new(Ipv4Addr::new(172, 31, (i as u8) * 16, 0), 20).expect("static");
            let id = self.insert_subnet(&vpc_id, z.name, Some(c), Vec::new(), now);
            if let Some(s) = self.subnets.get_mut(&id) {
                s.default_for_az = true;
                s.map_public_ip_on_launch = true;
            }
        }
        vpc_id
    }

    /// Insert a VPC with its main route table, default SG and default NACL.
    pub(crate) fn insert_vpc(
        &mut self,
        cidr: Ipv4Cidr,
        ipv6: Option<Ipv6Assoc>,
        tenancy: &str,
        is_default: bool,
        tags: Vec<Tag>,
        now: Millis,
    ) -> String {
        let id = ids::resource_id(&mut self.rng, "vpc");
        let region = self.info.name.to_string();
        let dhcp = self
            .meta()
            .map(|m| m.default_dhcp_options_id.clone())
            .unwrap_or_else(|| "default".into());
        let rt_id = ids::resource_id(&mut self.rng, "rtb");
        let sg_id = ids::resource_id(&mut self.rng, "sg");
        let acl_id = ids::resource_id(&mut self.rng, "acl");
        let mut routes = vec![Route {
            dest: RouteDest::V4(cidr),
            target: RouteTarget::Local,
            origin: "CreateRouteTable".into(),
        }];
        if let Some(b) = &ipv6 {
            routes.push(Route {
                dest: RouteDest::V6(b.cidr),
                target: RouteTarget::Local,
                origin: "CreateRouteTable".into(),
            });
        }
        let main_assoc = ids::resource_id(&mut self.rng, "rtbassoc");
        self.route_tables.insert(RouteTable {
            id: rt_id.clone(),
            region: region.clone(),
            vpc_id: id.clone(),
            routes,
            associations: vec![RouteTableAssoc {
                id: main_assoc,
                main: true,
                subnet_id: None,
                gateway_id: None,
            }],
            tags: Vec::new(),
        });
        let has_v6 = ipv6.is_some();
        let assoc_id = ids::resource_id(&mut self.rng, "vpc-cidr-assoc");
        self.vpcs.insert(Vpc {
            id: id.clone(),
            region: region.clone(),
            cidr_blocks: vec![CidrAssoc {
                association_id: assoc_id,
                cidr,
            }],
            ipv6_blocks: ipv6.into_iter().collect(),
            dhcp_options_id: dhcp,
            instance_tenancy: tenancy.to_string(),
            is_default,
            enable_dns_support: true,
            enable_dns_hostnames: is_default,
            enable_network_address_usage_metrics: false,
            main_route_table_id: rt_id,
            default_security_group_id: sg_id.clone(),
            default_network_acl_id: acl_id.clone(),
            tags,
            created: now,
        });
        self.insert_default_security_group(&id, &sg_id, has_v6);
        self.insert_network_acl(&id, &acl_id, true, has_v6, Vec::new());
        id
    }

    pub fn create_vpc(&mut self, req: CreateVpc, now: Millis) -> Result<String> {
        let cidr_s = req
            .cidr_block
            .as_deref()
            .ok_or_else(|| err::missing("CidrBlock"))?;
        let cidr = parse_vpc_cidr("cidrBlock", cidr_s)?;
        let tenancy = req.instance_tenancy.as_deref().unwrap_or("default");
        if !matches!(tenancy, "default" | "dedicated") {
            return Err(err::invalid_value(format!(
                "Value ({tenancy}) for parameter instanceTenancy is invalid."
            )));
        }
        if req.amazon_provided_ipv6 && req.ipv6_cidr_block.is_some() {
            return Err(err::combination(
                "The parameter ipv6CidrBlock cannot be used with the parameter amazonProvidedIpv6CidrBlock",
            ));
        }
        let ipv6 = if req.amazon_provided_ipv6 {
            Some(self.amazon_ipv6_block()?)
        } else if let Some(s) = &req.ipv6_cidr_block {
            if req.ipv6_pool.is_none() {
                return Err(err::missing("Ipv6Pool"));
            }
            Some(self.given_ipv6_block(s, req.ipv6_pool.as_deref().unwrap_or_default())?)
        } else {
            None
        };
        Ok(self.insert_vpc(cidr, ipv6, tenancy, false, req.tags, now))
    }

    /// A fresh Amazon-provided /56 from the Region's pool, unique in the account.
    fn amazon_ipv6_block(&mut self) -> Result<Ipv6Assoc> {
        let pool: Ipv6Cidr = self
            .info
            .vpc_v6_pool
            .parse()
            .map_err(|_| ApiError::new("InternalError", "bad IPv6 pool").with_status(500))?;
        let bits = 56 - pool.prefix_len();
        for _ in 0..64 {
            let idx = if bits >= 64 {
                self.rng.u64(..) as u128
            } else {
                self.rng.u64(..(1u64 << bits)) as u128
            };
            let Some(c) = pool.subnet(56, idx) else {
                continue;
            };
            let taken = self
                .vpcs
                .iter()
                .any(|v| v.ipv6_blocks.iter().any(|b| b.cidr.overlaps(&c)));
            if !taken {
                return Ok(Ipv6Assoc {
                    association_id: ids::resource_id(&mut self.rng, "vpc-cidr-assoc"),
                    cidr: c,
                    pool: "Amazon".into(),
                    network_border_group: self.info.name.into(),
                });
            }
        }
        Err(ApiError::new(
            "InsufficientCidrBlocks",
            "There are not enough free cidr blocks in the specified Amazon-provided IPv6 pool.",
        ))
    }

    fn given_ipv6_block(&mut self, s: &str, pool: &str) -> Result<Ipv6Assoc> {
        let c: Ipv6Cidr = s
            .parse()
            .map_err(|_| err::invalid_cidr("ipv6CidrBlock", s))?;
        if c.prefix_len() < 44 || c.prefix_len() > 60 || !c.prefix_len().is_multiple_of(4) {
            return Err(ApiError::new(
                "InvalidVpc.Range",
                format!("The CIDR '{s}' is invalid."),
            ));
        }
        if self
            .vpcs
            .iter()
            .any(|v| v.ipv6_blocks.iter().any(|b| b.cidr.overlaps(&c)))
        {
            return Err(ApiError::new(
                "InvalidVpc.Range",
                format!("The CIDR '{c}' conflicts with another VPC CIDR block."),
            ));
        }
        Ok(Ipv6Assoc {
            association_id: ids::resource_id(&mut self.rng, "vpc-cidr-assoc"),
            cidr: c,
            pool: pool.to_string(),
            network_border_group: self.info.name.into(),
        })
    }

    pub fn vpc(&self, id: &str) -> Result<&Vpc> {
        self.vpcs
            .get(id)
            .ok_or_else(|| err::not_found(Kind::Vpc, id))
    }

    pub fn delete_vpc(&mut self, id: &str) -> Result<()> {
        let vpc = self.vpc(id)?.clone();
        let dep = || {
            err::dependency(format!(
                "The vpc '{id}' has dependencies and cannot be deleted."
            ))
        };
        if self.subnets.iter().any(|s| s.vpc_id == id)
            || self
                .internet_gateways
                .iter()
                .any(|g| g.vpc_id.as_deref() == Some(id))
            || self.egress_only_gateways.iter().any(|g| g.vpc_id == id)
            || self.enis.iter().any(|e| e.vpc_id == id)
            || self
                .vpc_endpoints
                .iter()
                .any(|e| e.vpc_id == id && e.state != "deleted")
            || self
                .nat_gateways
                .iter()
                .any(|n| n.vpc_id == id && n.state != "deleted")
            || self
                .route_tables
                .iter()
                .any(|r| r.vpc_id == id && r.id != vpc.main_route_table_id)
            || self
                .network_acls
                .iter()
                .any(|a| a.vpc_id == id && a.id != vpc.default_network_acl_id)
            || self
                .security_groups
                .iter()
                .any(|g| g.vpc_id == id && g.id != vpc.default_security_group_id)
            || self
                .peerings
                .iter()
                .any(|p| p.is_live() && p.peer_of(id).is_some())
        {
            return Err(dep());
        }
        self.route_tables.remove(&vpc.main_route_table_id);
        self.network_acls.remove(&vpc.default_network_acl_id);
        self.security_groups.remove(&vpc.default_security_group_id);
        self.vpcs.remove(id);
        Ok(())
    }

    pub fn modify_vpc_attribute(&mut self, id: &str, attr: &str, value: bool) -> Result<()> {
        let v = self.vpc(id)?;
        if attr == "enableDnsHostnames" && value && !v.enable_dns_support {
            return Err(err::invalid_param(
                "Cannot enable DNS hostnames without DNS support enabled.".to_string(),
            ));
        }
        let v = self
            .vpcs
            .get_mut(id)
            .ok_or_else(|| err::not_found(Kind::Vpc, id))?;
        match attr {
            "enableDnsSupport" => v.enable_dns_support = value,
            "enableDnsHostnames" => v.enable_dns_hostnames = value,
            "enableNetworkAddressUsageMetrics" => v.enable_network_address_usage_metrics = value,
            _ => {
                return Err(err::invalid_value(format!(
                    "Value ({attr}) for parameter attribute is invalid."
                )))
            }
        }
        Ok(())
    }

    /// ModifyVpcTenancy: only to `default`.
    pub fn modify_vpc_tenancy(&mut self, id: &str, tenancy: &str) -> Result<()> {
        self.vpc(id)?;
        match tenancy {
            "default" => {}
            "dedicated" | "host" => {
                return Err(ApiError::new(
                    "UnsupportedTenancy",
                    format!("The tenancy value {tenancy} is not supported."),
                ))
            }
            _ => {
                return Err(err::invalid_value(format!(
                    "Value ({tenancy}) for parameter instanceTenancy is invalid."
                )))
            }
        }
        if let Some(v) = self.vpcs.get_mut(id) {
            v.instance_tenancy = tenancy.to_string();
        }
        Ok(())
    }

    pub fn vpc_attribute(&self, id: &str, attr: &str) -> Result<bool> {
        let v = self.vpc(id)?;
        Ok(match attr {
            "enableDnsSupport" => v.enable_dns_support,
            "enableDnsHostnames" => v.enable_dns_hostnames,
            "enableNetworkAddressUsageMetrics" => v.enable_network_address_usage_metrics,
            _ => {
                return Err(err::invalid_value(format!(
                    "Value ({attr}) for parameter attribute is invalid. Unknown attribute."
                )))
            }
        })
    }

    /// AssociateVpcCidrBlock. Returns the association id.
    pub fn associate_vpc_cidr(
        &mut self,
        id: &str,
        cidr: Option<&str>,
        amazon_ipv6: bool,
        ipv6_cidr: Option<&str>,
        ipv6_pool: Option<&str>,
    ) -> Result<String> {
        let vpc = self.vpc(id)?.clone();
        if let Some(s) = cidr {
            let c = parse_vpc_cidr("cidrBlock", s)?;
            if vpc.cidr_blocks.iter().any(|b| b.cidr.overlaps(&c)) {
                return Err(ApiError::new(
                    "InvalidVpc.Range",
                    format!("The CIDR '{c}' conflicts with another subnet"),
                ));
            }
            if vpc.cidr_blocks.len() >= MAX_CIDRS {
                return Err(err::cidr_limit(id, MAX_CIDRS));
            }
            let primary = vpc.primary_cidr();
            if let Some(p) = primary {
                if !same_rfc1918_family(&p, &c) {
                    return Err(ApiError::new(
                        "InvalidVpc.Range",
                        format!("The CIDR '{c}' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR."),
                    ));
                }
            }
            let assoc = CidrAssoc {
                association_id: ids::resource_id(&mut self.rng, "vpc-cidr-assoc"),
                cidr: c,
            };
            let aid = assoc.association_id.clone();
            if let Some(v) = self.vpcs.get_mut(id) {
                v.cidr_blocks.push(assoc);
            }
            self.add_local_route(id, RouteDest::V4(c));
            return Ok(aid);
        }
        if vpc.ipv6_blocks.len() >= MAX_CIDRS {
            return Err(err::cidr_limit(id, MAX_CIDRS));
        }
        let block = if amazon_ipv6 {
            self.amazon_ipv6_block()?
        } else if let Some(s) = ipv6_cidr {
            self.given_ipv6_block(s, ipv6_pool.unwrap_or_default())?
        } else {
            return Err(err::missing("CidrBlock"));
        };
        let aid = block.association_id.clone();
        let c = block.cidr;
        if let Some(v) = self.vpcs.get_mut(id) {
            v.ipv6_blocks.push(block);
        }
        self.add_local_route(id, RouteDest::V6(c));
        // AWS adds IPv6 allow rules to the default network ACL.
        let acl = vpc.default_network_acl_id.clone();
        if let Some(a) = self.network_acls.get_mut(&acl) {
            super::nacl::add_default_ipv6_entries(a);
        }
        Ok(aid)
    }

    fn add_local_route(&mut self, vpc_id: &str, dest: RouteDest) {
        self.route_tables.update_where(
            |rt| rt.vpc_id == vpc_id,
            |rt| {
                rt.routes.push(Route {
                    dest: dest.clone(),
                    target: RouteTarget::Local,
                    origin: "CreateRouteTable".into(),
                })
            },
        );
    }

    /// DisassociateVpcCidrBlock. Returns (vpc id, block) for the response.
    pub fn disassociate_vpc_cidr(
        &mut self,
        assoc_id: &str,
    ) -> Result<(String, Result<CidrAssoc, Ipv6Assoc>)> {
        let vpc = self
            .vpcs
            .iter()
            .find(|v| {
                v.cidr_blocks.iter().any(|b| b.association_id == assoc_id)
                    || v.ipv6_blocks.iter().any(|b| b.association_id == assoc_id)
            })
            .cloned()
            .ok_or_else(|| err::not_found(Kind::VpcCidrAssociation, assoc_id))?;
        if let Some(pos) = vpc
            .cidr_blocks
            .iter()
            .position(|b| b.association_id == assoc_id)
        {
            let b = vpc.cidr_blocks[pos].clone();
            if pos == 0 {
                return Err(ApiError::new(
                    "OperationNotPermitted",
                    format!("The vpc CIDR block with association ID {assoc_id} may not be disassociated. It is the primary IPv4 CIDR block of the VPC"),
                ));
            }
            if self
                .subnets
                .iter()
                .any(|s| s.vpc_id == vpc.id && s.cidr.is_some_and(|c| b.cidr.contains_cidr(&c)))
            {
                return Err(err::dependency(format!(
                    "The vpc CIDR block with association ID {assoc_id} may not be disassociated. It has dependencies."
                )));
            }
            if let Some(v) = self.vpcs.get_mut(&vpc.id) {
                v.cidr_blocks.remove(pos);
            }
            self.remove_local_route(&vpc.id, &RouteDest::V4(b.cidr));
            return Ok((vpc.id, Ok(b)));
        }
        let pos = vpc
            .ipv6_blocks
            .iter()
            .position(|b| b.association_id == assoc_id)
            .unwrap_or(0);
        let b = vpc.ipv6_blocks[pos].clone();
        if self
            .subnets
            .iter()
            .any(|s| s.vpc_id == vpc.id && !s.ipv6_blocks.is_empty())
        {
            return Err(err::dependency(format!(
                "The vpc CIDR block with association ID {assoc_id} may not be disassociated. It has dependencies."
            )));
        }
        if let Some(v) = self.vpcs.get_mut(&vpc.id) {
            v.ipv6_blocks.remove(pos);
        }
        self.remove_local_route(&vpc.id, &RouteDest::V6(b.cidr));
        Ok((vpc.id, Err(b)))
    }

    fn remove_local_route(&mut self, vpc_id: &str, dest: &RouteDest) {
        let local = |r: &Route| r.target == RouteTarget::Local && r.dest == *dest;
        self.route_tables.update_where(
            |rt| rt.vpc_id == vpc_id && rt.routes.iter().any(local),
            |rt| rt.routes.retain(|r| !local(r)),
        );
    }
}

/// Secondary IPv4 blocks may not come from a different RFC 1918 range than
/// the primary block; publicly routable blocks are allowed.
fn same_rfc1918_family(primary: &Ipv4Cidr, c: &Ipv4Cidr) -> bool {
    let ranges: [Ipv4Cidr; 3] = [
        "10.0.0.0/8".parse().expect("static"),
        "172.16.0.0/12".parse().expect("static"),
        "192.168.0.0/16".parse().expect("static"),
    ];
    let fam = |x: &Ipv4Cidr| ranges.iter().position(|r| r.contains_cidr(x));
    match (fam(primary), fam(c)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

impl Filterable for Vpc {
    const FILTERS: &'static [&'static str] = &[
        "cidr",
        "cidr-block-association.cidr-block",
        "cidr-block-association.association-id",
        "cidr-block-association.state",
        "dhcp-options-id",
        "ipv6-cidr-block-association.ipv6-cidr-block",
        "ipv6-cidr-block-association.ipv6-pool",
        "ipv6-cidr-block-association.association-id",
        "ipv6-cidr-block-association.state",
        "is-default",
        "owner-id",
        "state",
        "vpc-id",
    ];
    // `dhcp-options-id` may be `default`, so it is no id filter.
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[("vpc-id", Kind::Vpc)];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        match name {
            "cidr" => out.extend(self.primary_cidr().map(|c| c.to_string())),
            "cidr-block-association.cidr-block" => {
                out.extend(self.cidr_blocks.iter().map(|b| b.cidr.to_string()))
            }
            "cidr-block-association.association-id" => {
                out.extend(self.cidr_blocks.iter().map(|b| b.association_id.clone()))
            }
            "cidr-block-association.state" => {
                out.extend(self.cidr_blocks.iter().map(|_| "associated".to_string()))
            }
            "ipv6-cidr-block-association.state" => {
                out.extend(self.ipv6_blocks.iter().map(|_| "associated".to_string()))
            }
            "dhcp-options-id" => out.push(self.dhcp_options_id.clone()),
            "ipv6-cidr-block-association.ipv6-cidr-block" => {
                out.extend(self.ipv6_blocks.iter().map(|b| b.cidr.to_string()))
            }
            "ipv6-cidr-block-association.ipv6-pool" => {
                out.extend(self.ipv6_blocks.iter().map(|b| b.pool.clone()))
            }
            "ipv6-cidr-block-association.association-id" => {
                out.extend(self.ipv6_blocks.iter().map(|b| b.association_id.clone()))
            }
            "is-default" => out.push(bool_str(self.is_default)),
            "owner-id" => out.push(cx.account_id.clone()),
            "state" => out.push("available".into()),
            "vpc-id" => out.push(self.id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
