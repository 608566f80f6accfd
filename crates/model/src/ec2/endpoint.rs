//! VPC endpoints: Gateway endpoints (S3, DynamoDB) that add prefix-list routes,
//! Interface endpoints that create one requester-managed ENI per subnet, and
//! the AWS-managed prefix lists.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::Filterable;
use crate::ids;
use crate::services::{self, AwsService, ManagedPrefixList};
use crate::time::Millis;
use crate::world::Region;

pub const DEFAULT_POLICY: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;

#[derive(Debug, Default, Clone)]
pub struct CreateEndpoint {
    pub vpc_id: String,
    pub service_name: String,
    pub endpoint_type: Option<String>,
    pub policy_document: Option<String>,
    pub route_table_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub private_dns_enabled: Option<bool>,
    pub ip_address_type: Option<String>,
    pub dns_record_ip_type: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone)]
pub struct ModifyEndpoint {
    pub add_route_tables: Vec<String>,
    pub remove_route_tables: Vec<String>,
    pub add_subnets: Vec<String>,
    pub remove_subnets: Vec<String>,
    pub add_groups: Vec<String>,
    pub remove_groups: Vec<String>,
    pub private_dns_enabled: Option<bool>,
    pub policy_document: Option<String>,
    pub reset_policy: bool,
}

impl Region {
    pub fn vpc_endpoint(&self, id: &str) -> Result<&VpcEndpoint> {
        self.vpc_endpoints
            .get(id)
            .ok_or_else(|| err::not_found(Kind::VpcEndpoint, id))
    }

    pub fn managed_prefix_lists(&self) -> Vec<ManagedPrefixList> {
        services::managed_prefix_lists(self.info)
    }

    /// An AWS-managed prefix list (customer-managed ones: `prefix_lists`).
    pub fn prefix_list(&self, id: &str) -> Result<ManagedPrefixList> {
        self.managed_prefix_lists()
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| {
                ApiError::new(
                    "InvalidPrefixListID.NotFound",
                    format!("The prefix list ID '{id}' does not exist"),
                )
            })
    }

    fn endpoint_service(&self, name: &str) -> Result<&'static AwsService> {
        services::by_name(self.info.name, name).ok_or_else(|| {
            ApiError::new(
                "InvalidServiceName",
                format!("The Vpc Endpoint Service '{name}' does not exist"),
            )
        })
    }

    pub fn create_vpc_endpoint(&mut self, req: CreateEndpoint, now: Millis) -> Result<String> {
        let vpc = self.vpc(&req.vpc_id)?.clone();
        let svc = self.endpoint_service(&req.service_name)?;
        let etype = req
            .endpoint_type
            .clone()
            .unwrap_or_else(|| "Gateway".into());
        let supported = match etype.as_str() {
            "Gateway" => svc.gateway,
            "Interface" => svc.interface,
            _ => false,
        };
        if !supported {
            return Err(err::invalid_param(format!(
                "The Vpc Endpoint Service '{}' does not support endpoint type '{etype}'.",
                req.service_name
            )));
        }
        let policy = match &req.policy_document {
            Some(p) => {
                check_policy(p)?;
                p.clone()
            }
            None => DEFAULT_POLICY.to_string(),
        };
        let id = ids::resource_id(&mut self.rng, "vpce");
        let mut ep = VpcEndpoint {
            id: id.clone(),
            region: self.info.name.to_string(),
            vpc_id: vpc.id.clone(),
            service_name: req.service_name.clone(),
            endpoint_type: etype.clone(),
            state: "available".into(),
            policy_document: Some(policy),
            route_table_ids: Vec::new(),
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            private_dns_enabled: false,
            network_interface_ids: Vec::new(),
            ip_address_type: "ipv4".into(),
            dns_record_ip_type: "ipv4".into(),
            dns_label: ids::hex(&mut self.rng, 8),
            created: now,
            tags: req.tags.clone(),
        };
        if etype == "Gateway" {
            if !req.subnet_ids.is_empty() || !req.security_group_ids.is_empty() {
                return Err(err::invalid_param(
                    "Subnets and security groups can only be specified for Interface endpoints."
                        .to_string(),
                ));
            }
            let rts = self.check_gateway_route_tables(&vpc.id, &req.route_table_ids, svc)?;
            self.vpc_endpoints.insert(ep);
            self.add_gateway_routes(&id, svc, &rts);
            if let Some(e) = self.vpc_endpoints.get_mut(&id) {
                e.route_table_ids = rts;
            }
            return Ok(id);
        }
        // Interface endpoint.
        if !req.route_table_ids.is_empty() {
            return Err(err::invalid_param(
                "Route tables can only be specified for Gateway endpoints.".to_string(),
            ));
        }
        let ip_type = req.ip_address_type.clone().unwrap_or_else(|| "ipv4".into());
        if !matches!(ip_type.as_str(), "ipv4" | "dualstack" | "ipv6") {
            return Err(err::invalid_value(format!(
                "Value ({ip_type}) for parameter IpAddressType is invalid."
            )));
        }
        if ip_type != "ipv4" && !svc.interface_ipv6 {
            return Err(err::invalid_param(format!(
                "The Vpc Endpoint Service '{}' does not support IP address type {ip_type}.",
                req.service_name
            )));
        }
        let private_dns = req.private_dns_enabled.unwrap_or(true);
        if private_dns {
            self.check_private_dns(&vpc, svc, None)?;
        }
        let subnets = self.check_endpoint_subnets(&vpc.id, &[], &req.subnet_ids, &ip_type)?;
        let groups = self.resolve_endpoint_groups(&vpc.id, &req.security_group_ids)?;
        ep.ip_address_type = ip_type.clone();
        ep.dns_record_ip_type =
            req.dns_record_ip_type
                .clone()
                .unwrap_or_else(|| match ip_type.as_str() {
                    "ipv6" => "ipv6".into(),
                    "dualstack" => "dualstack".into(),
                    _ => "ipv4".into(),
                });
        ep.private_dns_enabled = private_dns;
        ep.security_group_ids = groups.clone();
        self.vpc_endpoints.insert(ep);
        let mut enis = Vec::new();
        for s in &subnets {
            match self.endpoint_eni(&id, s, &groups, &ip_type, now) {
                Ok(e) => enis.push(e),
                Err(e) => {
                    for x in &enis {
                        self.remove_eni(x);
                    }
                    self.vpc_endpoints.remove(&id);
                    return Err(e);
                }
            }
        }
        if let Some(e) = self.vpc_endpoints.get_mut(&id) {
            e.subnet_ids = subnets;
            e.network_interface_ids = enis;
        }
        Ok(id)
    }

    fn endpoint_eni(
        &mut self,
        id: &str,
        subnet: &str,
        groups: &[String],
        ip_type: &str,
        now: Millis,
    ) -> Result<String> {
        self.create_managed_eni(
            subnet,
            format!("VPC Endpoint Interface {id}"),
            "vpc_endpoint",
            EniOwner::VpcEndpoint(id.to_string()),
            groups.to_vec(),
            None,
            ip_type != "ipv4",
            now,
        )
    }

    fn check_gateway_route_tables(
        &self,
        vpc_id: &str,
        rts: &[String],
        svc: &AwsService,
    ) -> Result<Vec<String>> {
        let pl = services::prefix_list_id(self.info.name, svc.short);
        let mut out: Vec<String> = Vec::new();
        for r in rts {
            let rt = self.route_table(r)?;
            if rt.vpc_id != vpc_id {
                return Err(err::invalid_param(format!(
                    "Route table {r} does not belong to VPC {vpc_id}."
                )));
            }
            if rt
                .routes
                .iter()
                .any(|x| x.dest == RouteDest::PrefixList(pl.clone()))
            {
                return Err(ApiError::new(
                    "RouteAlreadyExists",
                    format!(
                        "route table {r} already has a route with destination-prefix-list-id {pl}"
                    ),
                ));
            }
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
        Ok(out)
    }

    fn add_gateway_routes(&mut self, id: &str, svc: &AwsService, rts: &[String]) {
        let pl = services::prefix_list_id(self.info.name, svc.short);
        for r in rts {
            if let Some(t) = self.route_tables.get_mut(r) {
                t.routes.push(Route {
                    dest: RouteDest::PrefixList(pl.clone()),
                    target: RouteTarget::VpcEndpoint(id.to_string()),
                    origin: "CreateRoute".into(),
                });
            }
        }
    }

    fn remove_gateway_routes(&mut self, id: &str, rts: &[String]) {
        for r in rts {
            if let Some(t) = self.route_tables.get_mut(r) {
                t.routes
                    .retain(|x| x.target != RouteTarget::VpcEndpoint(id.to_string()));
            }
        }
    }

    fn check_private_dns(&self, vpc: &Vpc, svc: &AwsService, except: Option<&str>) -> Result<()> {
        if !(vpc.enable_dns_support && vpc.enable_dns_hostnames) {
            return Err(err::invalid_param(format!(
                "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {}",
                vpc.id
            )));
        }
        let name = svc.name(self.info.name);
        let conflict = self.vpc_endpoints.iter().any(|e| {
            e.vpc_id == vpc.id
                && e.service_name == name
                && e.private_dns_enabled
                && Some(e.id.as_str()) != except
        });
        if conflict {
            return Err(err::invalid_param(format!(
                "private-dns-enabled cannot be set because there is already a conflicting DNS domain for {} in the VPC {}",
                svc.private_dns_name(self.info.name).unwrap_or_default().trim_start_matches("*."),
                vpc.id
            )));
        }
        Ok(())
    }

    fn check_endpoint_subnets(
        &self,
        vpc_id: &str,
        existing: &[String],
        add: &[String],
        ip_type: &str,
    ) -> Result<Vec<String>> {
        let mut zones: Vec<String> = existing
            .iter()
            .filter_map(|s| self.subnets.get(s).map(|x| x.availability_zone.clone()))
            .collect();
        let mut out = Vec::new();
        for s in add {
            let sub = self.subnet(s)?;
            if sub.vpc_id != vpc_id {
                return Err(err::invalid_param(format!(
                    "The subnet ID '{s}' does not belong to VPC '{vpc_id}'."
                )));
            }
            if zones.contains(&sub.availability_zone) {
                return Err(ApiError::new(
                    "DuplicateSubnetsInSameZone",
                    format!("Found another VPC endpoint subnet in the availability zone of {s}"),
                ));
            }
            if ip_type != "ipv4" && sub.ipv6_blocks.is_empty() {
                return Err(err::invalid_param(format!(
                    "Subnet {s} does not have an IPv6 CIDR block, which IP address type {ip_type} requires."
                )));
            }
            if ip_type != "ipv6" && sub.cidr.is_none() {
                return Err(err::invalid_param(format!(
                    "Subnet {s} is IPv6-only and does not support IP address type {ip_type}."
                )));
            }
            zones.push(sub.availability_zone.clone());
            out.push(s.clone());
        }
        Ok(out)
    }

    fn resolve_endpoint_groups(&self, vpc_id: &str, groups: &[String]) -> Result<Vec<String>> {
        if groups.is_empty() {
            return Ok(vec![self.vpc(vpc_id)?.default_security_group_id.clone()]);
        }
        let mut out = Vec::new();
        for g in groups {
            let sg = self.security_group(g)?;
            if sg.vpc_id != vpc_id {
                return Err(err::invalid_param(format!(
                    "Security group {g} does not belong to VPC {vpc_id}."
                )));
            }
            out.push(g.clone());
        }
        Ok(out)
    }

    pub fn modify_vpc_endpoint(&mut self, id: &str, m: ModifyEndpoint, now: Millis) -> Result<()> {
        let ep = self.vpc_endpoint(id)?.clone();
        if let Some(p) = &m.policy_document {
            check_policy(p)?;
        }
        let vpc = self.vpc(&ep.vpc_id)?.clone();
        let svc = self.endpoint_service(&ep.service_name)?;
        if ep.endpoint_type == "Gateway" {
            if !m.add_subnets.is_empty()
                || !m.add_groups.is_empty()
                || m.private_dns_enabled.is_some()
            {
                return Err(err::invalid_param(
                    "Subnets, security groups and private DNS can only be modified on Interface endpoints.".to_string(),
                ));
            }
            let add = self.check_gateway_route_tables(&vpc.id, &m.add_route_tables, svc)?;
            for r in &m.remove_route_tables {
                if !ep.route_table_ids.contains(r) {
                    return Err(err::invalid_param(format!(
                        "Route table {r} is not associated with endpoint {id}."
                    )));
                }
            }
            self.remove_gateway_routes(id, &m.remove_route_tables);
            self.add_gateway_routes(id, svc, &add);
            if let Some(e) = self.vpc_endpoints.get_mut(id) {
                e.route_table_ids
                    .retain(|r| !m.remove_route_tables.contains(r));
                e.route_table_ids.extend(add);
            }
        } else {
            if !m.add_route_tables.is_empty() {
                return Err(err::invalid_param(
                    "Route tables can only be specified for Gateway endpoints.".to_string(),
                ));
            }
            if let Some(true) = m.private_dns_enabled {
                self.check_private_dns(&vpc, svc, Some(id))?;
            }
            let remaining: Vec<String> = ep
                .subnet_ids
                .iter()
                .filter(|s| !m.remove_subnets.contains(s))
                .cloned()
                .collect();
            let add = self.check_endpoint_subnets(
                &vpc.id,
                &remaining,
                &m.add_subnets,
                &ep.ip_address_type,
            )?;
            let mut groups: Vec<String> = ep
                .security_group_ids
                .iter()
                .filter(|g| !m.remove_groups.contains(g))
                .cloned()
                .collect();
            for g in self.resolve_endpoint_groups(&vpc.id, &m.add_groups)? {
                if !m.add_groups.is_empty() && !groups.contains(&g) {
                    groups.push(g);
                }
            }
            if groups.is_empty() {
                return Err(err::invalid_param(
                    "An Interface endpoint must have at least one security group.".to_string(),
                ));
            }
            // New subnets get new ENIs (all or none), then the ENIs of removed
            // subnets go away.
            let mut added = Vec::new();
            for s in &add {
                match self.endpoint_eni(id, s, &groups, &ep.ip_address_type, now) {
                    Ok(e) => added.push(e),
                    Err(e) => {
                        for x in &added {
                            self.remove_eni(x);
                        }
                        return Err(e);
                    }
                }
            }
            let mut enis = ep.network_interface_ids.clone();
            enis.retain(|e| {
                let gone = self
                    .enis
                    .get(e)
                    .is_none_or(|x| m.remove_subnets.contains(&x.subnet_id));
                !gone
            });
            for e in &ep.network_interface_ids {
                if !enis.contains(e) {
                    self.remove_eni(e);
                }
            }
            enis.extend(added);
            for e in &enis {
                if let Some(x) = self.enis.get_mut(e) {
                    x.groups = groups.clone();
                }
            }
            if let Some(e) = self.vpc_endpoints.get_mut(id) {
                e.subnet_ids = remaining.into_iter().chain(add).collect();
                e.network_interface_ids = enis;
                e.security_group_ids = groups;
                if let Some(p) = m.private_dns_enabled {
                    e.private_dns_enabled = p;
                }
            }
        }
        if let Some(e) = self.vpc_endpoints.get_mut(id) {
            if m.reset_policy {
                e.policy_document = Some(DEFAULT_POLICY.to_string());
            } else if let Some(p) = m.policy_document {
                e.policy_document = Some(p);
            }
        }
        Ok(())
    }

    /// DeleteVpcEndpoints: returns the ids that failed with their errors.
    pub fn delete_vpc_endpoints(&mut self, ids: &[String]) -> Vec<(String, ApiError)> {
        let mut failed = Vec::new();
        for id in ids {
            let Some(ep) = self.vpc_endpoints.get(id).cloned() else {
                failed.push((id.clone(), err::not_found(Kind::VpcEndpoint, id)));
                continue;
            };
            self.remove_gateway_routes(id, &ep.route_table_ids);
            for e in &ep.network_interface_ids {
                self.remove_eni(e);
            }
            self.vpc_endpoints.remove(id);
        }
        failed
    }

    /// The endpoint's DNS entries: regional, one per zone, then the private name.
    pub fn endpoint_dns_entries(&self, ep: &VpcEndpoint) -> Vec<String> {
        if ep.endpoint_type != "Interface" {
            return Vec::new();
        }
        let Some(svc) = services::by_name(self.info.name, &ep.service_name) else {
            return Vec::new();
        };
        let base = svc.vpce_base_dns_name(self.info.name);
        let mut out = vec![format!("{}-{}.{base}", ep.id, ep.dns_label)];
        for s in &ep.subnet_ids {
            if let Some(sub) = self.subnets.get(s) {
                out.push(format!(
                    "{}-{}-{}.{base}",
                    ep.id, ep.dns_label, sub.availability_zone
                ));
            }
        }
        if ep.private_dns_enabled {
            out.extend(svc.private_dns_name(self.info.name));
        }
        out
    }
}

fn check_policy(p: &str) -> Result<()> {
    serde_json::from_str::<serde_json::Value>(p)
        .map(|_| ())
        .map_err(|_| ApiError::new("InvalidPolicyDocument", "The policy document is malformed."))
}

impl Filterable for VpcEndpoint {
    const FILTERS: &'static [&'static str] = &[
        "ip-address-type",
        "service-name",
        "vpc-id",
        "vpc-endpoint-id",
        "vpc-endpoint-state",
        "vpc-endpoint-type",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("vpc-endpoint-id", Kind::VpcEndpoint),
        ("vpc-id", Kind::Vpc),
    ];
    fn field(&self, name: &str, _: &Region, out: &mut Vec<String>) {
        match name {
            "ip-address-type" => out.push(self.ip_address_type.clone()),
            "service-name" => out.push(self.service_name.clone()),
            "vpc-id" => out.push(self.vpc_id.clone()),
            "vpc-endpoint-id" => out.push(self.id.clone()),
            "vpc-endpoint-state" => out.push(self.state.clone()),
            "vpc-endpoint-type" => out.push(self.endpoint_type.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
