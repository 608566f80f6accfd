//! CreateTags / DeleteTags / DescribeTags across every taggable resource.

use super::err;
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::{wildcard, Filter};
use crate::world::Region;

/// The EC2 resource type of an id (`vpc-…` → `vpc`), as DescribeTags reports it.
pub fn resource_type(id: &str) -> Option<&'static str> {
    let prefix = id.rsplit_once('-').map(|x| x.0)?;
    Some(match prefix {
        "vpc" => "vpc",
        "subnet" => "subnet",
        "igw" => "internet-gateway",
        "eigw" => "egress-only-internet-gateway",
        "eipalloc" => "elastic-ip",
        "nat" => "natgateway",
        "rtb" => "route-table",
        "sg" => "security-group",
        "sgr" => "security-group-rule",
        "acl" => "network-acl",
        "dopt" => "dhcp-options",
        "vpce" => "vpc-endpoint",
        "eni" => "network-interface",
        "pl" => "prefix-list",
        "pcx" => "vpc-peering-connection",
        "scr" => "subnet-cidr-reservation",
        _ => return None,
    })
}

const MAX_TAGS: usize = 50;

impl Region {
    /// Mutable tags of any taggable resource.
    fn tags_mut(&mut self, id: &str) -> Option<&mut Vec<Tag>> {
        let t = resource_type(id)?;
        Some(match t {
            "vpc" => &mut self.vpcs.get_mut(id)?.tags,
            "subnet" => &mut self.subnets.get_mut(id)?.tags,
            "internet-gateway" => &mut self.internet_gateways.get_mut(id)?.tags,
            "egress-only-internet-gateway" => &mut self.egress_only_gateways.get_mut(id)?.tags,
            "elastic-ip" => &mut self.addresses.get_mut(id)?.tags,
            "natgateway" => &mut self.nat_gateways.get_mut(id)?.tags,
            "route-table" => &mut self.route_tables.get_mut(id)?.tags,
            "security-group" => &mut self.security_groups.get_mut(id)?.tags,
            "security-group-rule" => {
                let gid = self
                    .security_groups
                    .iter()
                    .find(|g| g.rules.iter().any(|r| r.id == id))?
                    .id
                    .clone();
                let g = self.security_groups.get_mut(&gid)?;
                &mut g.rules.iter_mut().find(|r| r.id == id)?.tags
            }
            "network-acl" => &mut self.network_acls.get_mut(id)?.tags,
            "dhcp-options" => &mut self.dhcp_options.get_mut(id)?.tags,
            "vpc-endpoint" => &mut self.vpc_endpoints.get_mut(id)?.tags,
            "network-interface" => &mut self.enis.get_mut(id)?.tags,
            "prefix-list" => &mut self.prefix_lists.get_mut(id)?.tags,
            "vpc-peering-connection" => &mut self.peerings.get_mut(id)?.tags,
            "subnet-cidr-reservation" => &mut self.cidr_reservations.get_mut(id)?.tags,
            _ => return None,
        })
    }

    fn exists(&self, id: &str) -> bool {
        match resource_type(id) {
            Some("vpc") => self.vpcs.contains(id),
            Some("subnet") => self.subnets.contains(id),
            Some("internet-gateway") => self.internet_gateways.contains(id),
            Some("egress-only-internet-gateway") => self.egress_only_gateways.contains(id),
            Some("elastic-ip") => self.addresses.contains(id),
            Some("natgateway") => self.nat_gateways.contains(id),
            Some("route-table") => self.route_tables.contains(id),
            Some("security-group") => self.security_groups.contains(id),
            Some("security-group-rule") => self
                .security_groups
                .iter()
                .any(|g| g.rules.iter().any(|r| r.id == id)),
            Some("network-acl") => self.network_acls.contains(id),
            Some("dhcp-options") => self.dhcp_options.contains(id),
            Some("vpc-endpoint") => self.vpc_endpoints.contains(id),
            Some("network-interface") => self.enis.contains(id),
            Some("prefix-list") => self.prefix_lists.contains(id),
            Some("vpc-peering-connection") => self.peerings.contains(id),
            Some("subnet-cidr-reservation") => self.cidr_reservations.contains(id),
            _ => false,
        }
    }

    fn check_resources(&self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Err(err::missing("ResourceId"));
        }
        for id in ids {
            let shaped = id
                .rsplit_once('-')
                .is_some_and(|(p, _)| crate::ids::is_well_formed(id, p));
            if resource_type(id).is_none() || !shaped {
                // CAP: `aws ec2 create-tags --resources eipassoc-…` on AWS.
                return Err(ApiError::new(
                    "InvalidID",
                    format!("The ID '{id}' is not valid"),
                ));
            }
            if !self.exists(id) {
                let kind = match resource_type(id) {
                    Some("vpc") => err::Kind::Vpc,
                    Some("subnet") => err::Kind::Subnet,
                    Some("internet-gateway") => err::Kind::InternetGateway,
                    Some("egress-only-internet-gateway") => err::Kind::EgressOnlyInternetGateway,
                    Some("elastic-ip") => err::Kind::Allocation,
                    Some("natgateway") => err::Kind::NatGateway,
                    Some("route-table") => err::Kind::RouteTable,
                    Some("security-group") => err::Kind::SecurityGroup,
                    Some("security-group-rule") => err::Kind::SecurityGroupRule,
                    Some("network-acl") => err::Kind::NetworkAcl,
                    Some("dhcp-options") => err::Kind::DhcpOptions,
                    Some("vpc-endpoint") => err::Kind::VpcEndpoint,
                    Some("prefix-list") => err::Kind::PrefixList,
                    Some("vpc-peering-connection") => err::Kind::VpcPeeringConnection,
                    Some("subnet-cidr-reservation") => err::Kind::SubnetCidrReservation,
                    _ => err::Kind::NetworkInterface,
                };
                return Err(err::not_found(kind, id));
            }
        }
        Ok(())
    }

    pub fn create_tags(&mut self, ids: &[String], tags: &[Tag]) -> Result<()> {
        self.check_resources(ids)?;
        for t in tags {
            if t.key.starts_with("aws:") {
                return Err(err::invalid_param(
                    "Tag keys starting with 'aws:' are reserved for internal use".to_string(),
                ));
            }
            if t.key.is_empty() || t.key.chars().count() > 128 || t.value.chars().count() > 256 {
                return Err(err::invalid_param(format!(
                    "Tag key or value is invalid: '{}'",
                    t.key
                )));
            }
        }
        for id in ids {
            let current = self.tags_mut(id).map(|t| t.clone()).unwrap_or_default();
            let mut merged = current;
            for t in tags {
                match merged.iter_mut().find(|x| x.key == t.key) {
                    Some(x) => x.value = t.value.clone(),
                    None => merged.push(t.clone()),
                }
            }
            if merged.len() > MAX_TAGS {
                return Err(ApiError::new(
                    "TagLimitExceeded",
                    format!("The maximum number of Tags for a resource has been reached. ({id})"),
                ));
            }
        }
        for id in ids {
            if let Some(cur) = self.tags_mut(id) {
                for t in tags {
                    match cur.iter_mut().find(|x| x.key == t.key) {
                        Some(x) => x.value = t.value.clone(),
                        None => cur.push(t.clone()),
                    }
                }
            }
        }
        Ok(())
    }

    /// DeleteTags: a tag with no value removes the key whatever its value;
    /// aws:-prefixed tags are untouchable.
    pub fn delete_tags(&mut self, ids: &[String], tags: &[(String, Option<String>)]) -> Result<()> {
        self.check_resources(ids)?;
        for id in ids {
            if let Some(cur) = self.tags_mut(id) {
                if tags.is_empty() {
                    cur.retain(|t| t.key.starts_with("aws:"));
                } else {
                    cur.retain(|t| {
                        t.key.starts_with("aws:")
                            || !tags.iter().any(|(k, v)| {
                                *k == t.key && v.as_ref().is_none_or(|v| *v == t.value)
                            })
                    });
                }
            }
        }
        Ok(())
    }

    /// DescribeTags: (resource id, resource type, tag).
    pub fn describe_tags(&self, filters: &[Filter]) -> Result<Vec<(String, &'static str, Tag)>> {
        for f in filters {
            if !matches!(
                f.name.as_str(),
                "key" | "resource-id" | "resource-type" | "tag-key" | "tag-value" | "value"
            ) && !f.name.starts_with("tag:")
            {
                return Err(err::invalid_value(format!(
                    "The filter '{}' is invalid",
                    f.name
                )));
            }
        }
        let mut all: Vec<(String, Tag)> = Vec::new();
        macro_rules! collect {
            ($($t:ident).+, $id:ident) => {
                for r in self.$($t).+.iter() {
                    for t in &r.tags {
                        all.push((r.$id.clone(), t.clone()));
                    }
                }
            };
        }
        collect!(vpcs, id);
        collect!(subnets, id);
        collect!(internet_gateways, id);
        collect!(egress_only_gateways, id);
        collect!(addresses, allocation_id);
        collect!(nat_gateways, id);
        collect!(route_tables, id);
        collect!(security_groups, id);
        for g in self.security_groups.iter() {
            for r in &g.rules {
                for t in &r.tags {
                    all.push((r.id.clone(), t.clone()));
                }
            }
        }
        collect!(network_acls, id);
        collect!(dhcp_options, id);
        collect!(vpc_endpoints, id);
        collect!(enis, id);
        collect!(prefix_lists, id);
        collect!(peerings, id);
        collect!(cidr_reservations, id);
        let mut out = Vec::new();
        for (id, tag) in all {
            let rtype = resource_type(&id).unwrap_or("");
            let ok = filters.iter().all(|f| {
                let v: String = match f.name.as_str() {
                    "key" | "tag-key" => tag.key.clone(),
                    "value" | "tag-value" => tag.value.clone(),
                    "resource-id" => id.clone(),
                    "resource-type" => rtype.to_string(),
                    n => {
                        if n[4..] != tag.key {
                            return false;
                        }
                        tag.value.clone()
                    }
                };
                f.values.iter().any(|p| wildcard(p, &v))
            });
            if ok {
                out.push((id, rtype, tag));
            }
        }
        Ok(out)
    }
}
