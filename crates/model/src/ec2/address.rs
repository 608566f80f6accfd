//! Elastic IP addresses and NAT gateways (which hold one).

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::Filterable;
use crate::ids;
use crate::time::Millis;
use crate::world::Region;
use std::net::Ipv4Addr;

/// What AWS answers when a user touches a NAT gateway's address association.
fn auth_failure() -> ApiError {
    ApiError::new(
        "AuthFailure",
        "You do not have permission to access the specified resource.",
    )
}

impl Region {
    pub fn address(&self, alloc: &str) -> Result<&Address> {
        self.addresses
            .get(alloc)
            .ok_or_else(|| err::not_found(Kind::Allocation, alloc))
    }

    pub fn allocate_address(
        &mut self,
        border_group: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<String> {
        if let Some(g) = border_group {
            if g != self.info.name {
                return Err(err::invalid_param(format!(
                    "The network border group '{g}' is not valid for this region."
                )));
            }
        }
        let ip = self.public_pool().allocate().ok_or_else(|| {
            ApiError::new(
                "AddressLimitExceeded",
                "The maximum number of addresses has been reached.",
            )
        })?;
        let id = ids::resource_id(&mut self.rng, "eipalloc");
        self.addresses.insert(Address {
            allocation_id: id.clone(),
            region: self.info.name.to_string(),
            public_ip: ip,
            association: None,
            network_border_group: self.info.name.to_string(),
            tags,
        });
        Ok(id)
    }

    /// The allocation id behind a public IP given as `PublicIp`.
    pub fn allocation_for_ip(&self, ip: &str) -> Result<String> {
        self.addresses
            .iter()
            .find(|a| a.public_ip.to_string() == ip)
            .map(|a| a.allocation_id.clone())
            .ok_or_else(|| {
                ApiError::new(
                    "InvalidAddress.NotFound",
                    format!("Address '{ip}' not found."),
                )
            })
    }

    pub fn release_address(&mut self, alloc: &str) -> Result<()> {
        let a = self.address(alloc)?;
        if a.association.is_some() {
            return Err(err::public_address_in_use(&a.public_ip.to_string()));
        }
        let ip = a.public_ip;
        self.addresses.remove(alloc);
        self.public_pool().release(ip);
        Ok(())
    }

    /// AssociateAddress to an ENI. Returns the association id.
    pub fn associate_address(
        &mut self,
        alloc: &str,
        eni_id: &str,
        private_ip: Option<Ipv4Addr>,
        allow_reassociation: bool,
    ) -> Result<String> {
        let a = self.address(alloc)?.clone();
        let eni = self.eni(eni_id)?.clone();
        if matches!(eni.owner, EniOwner::Fargate { .. }) {
            return Err(err::fargate_eni_not_permitted());
        }
        // NAT gateway and endpoint ENIs get their addresses from their owner only.
        if matches!(
            eni.owner,
            EniOwner::NatGateway(_) | EniOwner::VpcEndpoint(_)
        ) {
            return Err(auth_failure());
        }
        let ip = match private_ip {
            Some(ip) => {
                if !eni.private_ips.iter().any(|p| p.ip == ip) {
                    return Err(err::invalid_param(format!(
                        "The specified private IP address {ip} is not associated with the network interface {eni_id}."
                    )));
                }
                ip
            }
            None => eni.primary_ip().ok_or_else(|| {
                err::invalid_param(format!(
                    "Network interface {eni_id} has no private IPv4 address."
                ))
            })?,
        };
        if !self
            .internet_gateways
            .iter()
            .any(|g| g.vpc_id.as_deref() == Some(eni.vpc_id.as_str()))
        {
            return Err(ApiError::new(
                "Gateway.NotAttached",
                format!(
                    "Network {} is not attached to any internet gateway",
                    eni.vpc_id
                ),
            ));
        }
        if a.association.is_some() && !allow_reassociation {
            return Err(ApiError::new(
                "Resource.AlreadyAssociated",
                format!(
                    "resource {alloc} is already associated with associate-id {}",
                    a.association
                        .as_ref()
                        .map(|x| x.association_id.as_str())
                        .unwrap_or("")
                ),
            ));
        }
        if let Some(old) = &a.association {
            // A NAT gateway's Elastic IP cannot be moved away, even with AllowReassociation.
            if self
                .enis
                .get(&old.network_interface_id)
                .is_some_and(|e| matches!(e.owner, EniOwner::NatGateway(_)))
            {
                return Err(auth_failure());
            }
            self.detach_public_ip(&old.network_interface_id, old.private_ip);
        }
        // An auto-assigned public IP on that private IP is released in favour of the EIP.
        self.detach_public_ip(eni_id, ip);
        Ok(self.bind_address(alloc, a.public_ip, eni_id, ip))
    }

    /// Record an Elastic IP association on both the address and the ENI's
    /// private IP. Returns the association id.
    fn bind_address(
        &mut self,
        alloc: &str,
        public_ip: Ipv4Addr,
        eni_id: &str,
        ip: Ipv4Addr,
    ) -> String {
        let assoc_id = ids::resource_id(&mut self.rng, "eipassoc");
        if let Some(e) = self.enis.get_mut(eni_id) {
            if let Some(p) = e.private_ips.iter_mut().find(|p| p.ip == ip) {
                p.association = Some(EniAssociation {
                    public_ip,
                    allocation_id: Some(alloc.to_string()),
                    association_id: Some(assoc_id.clone()),
                });
            }
        }
        if let Some(x) = self.addresses.get_mut(alloc) {
            x.association = Some(AddressAssoc {
                association_id: assoc_id.clone(),
                network_interface_id: eni_id.to_string(),
                private_ip: ip,
            });
        }
        assoc_id
    }

    /// Remove whatever public IP sits on `eni`/`ip`, returning an auto-assigned one to the pool.
    pub(crate) fn detach_public_ip(&mut self, eni_id: &str, ip: Ipv4Addr) {
        let mut freed = None;
        if let Some(e) = self.enis.get_mut(eni_id) {
            if let Some(p) = e.private_ips.iter_mut().find(|p| p.ip == ip) {
                if let Some(assoc) = p.association.take() {
                    match assoc.allocation_id {
                        None => freed = Some(assoc.public_ip),
                        Some(alloc) => {
                            if let Some(a) = self.addresses.get_mut(&alloc) {
                                a.association = None;
                            }
                        }
                    }
                }
            }
        }
        if let Some(p) = freed {
            self.public_pool().release(p);
        }
    }

    pub fn disassociate_address(&mut self, assoc_id: &str) -> Result<()> {
        let a = self
            .addresses
            .iter()
            .find(|a| {
                a.association
                    .as_ref()
                    .is_some_and(|x| x.association_id == assoc_id)
            })
            .cloned()
            .ok_or_else(|| err::not_found(Kind::Association, assoc_id))?;
        let assoc = a
            .association
            .clone()
            .ok_or_else(|| err::not_found(Kind::Association, assoc_id))?;
        if let Some(e) = self.enis.get(&assoc.network_interface_id) {
            if matches!(e.owner, EniOwner::NatGateway(_)) {
                return Err(auth_failure());
            }
        }
        self.detach_public_ip(&assoc.network_interface_id, assoc.private_ip);
        Ok(())
    }

    // ---- NAT gateways ----

    pub fn nat_gateway(&self, id: &str) -> Result<&NatGateway> {
        self.nat_gateways
            .get(id)
            .ok_or_else(|| err::not_found(Kind::NatGateway, id))
    }

    pub fn create_nat_gateway(
        &mut self,
        subnet_id: &str,
        alloc: Option<&str>,
        connectivity: Option<&str>,
        private_ip: Option<Ipv4Addr>,
        tags: Vec<Tag>,
        now: Millis,
    ) -> Result<String> {
        let subnet = self.subnet(subnet_id)?.clone();
        let connectivity = connectivity.unwrap_or("public");
        if connectivity != "public" && connectivity != "private" {
            return Err(err::invalid_value(format!(
                "Value ({connectivity}) for parameter ConnectivityType is invalid."
            )));
        }
        if subnet.cidr.is_none() {
            return Err(err::invalid_param(format!(
                "NAT gateways are not supported in IPv6-only subnet {subnet_id}."
            )));
        }
        let alloc = match (connectivity, alloc) {
            ("public", None) => return Err(err::missing("AllocationId")),
            ("private", Some(_)) => {
                return Err(err::combination(
                    "AllocationId cannot be specified for a private NAT gateway.",
                ))
            }
            (_, a) => a,
        };
        if let Some(a) = alloc {
            let addr = self.address(a)?;
            if addr.association.is_some() {
                return Err(ApiError::new(
                    "Resource.AlreadyAssociated",
                    format!("Elastic IP address [{a}] is already associated"),
                ));
            }
        }
        let id = ids::resource_id(&mut self.rng, "nat");
        let igw_attached = self
            .internet_gateways
            .iter()
            .any(|g| g.vpc_id.as_deref() == Some(subnet.vpc_id.as_str()));
        let mut nat = NatGateway {
            id: id.clone(),
            region: self.info.name.to_string(),
            vpc_id: subnet.vpc_id.clone(),
            subnet_id: subnet_id.to_string(),
            connectivity_type: connectivity.to_string(),
            state: "available".into(),
            network_interface_id: None,
            private_ip: None,
            allocation_id: alloc.map(str::to_string),
            association_id: None,
            public_ip: None,
            failure: None,
            created: now,
            deleted: None,
            tags,
        };
        if connectivity == "public" && !igw_attached {
            // AWS creates the gateway, then fails it.
            nat.state = "failed".into();
            nat.failure = Some((
                "Gateway.NotAttached".into(),
                format!("Network {} has no Internet gateway attached", subnet.vpc_id),
            ));
            self.nat_gateways.insert(nat);
            return Ok(id);
        }
        let eni_id = self.create_managed_eni(
            subnet_id,
            format!("Interface for NAT Gateway {id}"),
            "nat_gateway",
            EniOwner::NatGateway(id.clone()),
            Vec::new(),
            private_ip,
            false,
            now,
        )?;
        let ip = self.enis.get(&eni_id).and_then(|e| e.primary_ip());
        nat.network_interface_id = Some(eni_id.clone());
        nat.private_ip = ip;
        self.nat_gateways.insert(nat);
        if let Some(a) = alloc {
            let assoc = self.associate_address_to_managed(a, &eni_id)?;
            if let Some(n) = self.nat_gateways.get_mut(&id) {
                n.association_id = Some(assoc.0);
                n.public_ip = Some(assoc.1);
            }
        }
        Ok(id)
    }

    fn associate_address_to_managed(
        &mut self,
        alloc: &str,
        eni_id: &str,
    ) -> Result<(String, Ipv4Addr)> {
        let a = self.address(alloc)?.clone();
        let ip = self
            .eni(eni_id)?
            .primary_ip()
            .ok_or_else(|| err::not_found(Kind::NetworkInterface, eni_id))?;
        Ok((
            self.bind_address(alloc, a.public_ip, eni_id, ip),
            a.public_ip,
        ))
    }

    pub fn delete_nat_gateway(&mut self, id: &str, now: Millis) -> Result<()> {
        let n = self.nat_gateway(id)?.clone();
        if n.state == "deleted" {
            return Err(err::invalid_param(format!(
                "NAT gateway {id} is already deleted."
            )));
        }
        if let Some(eni) = &n.network_interface_id {
            if let Some(ip) = n.private_ip {
                self.detach_public_ip(eni, ip);
            }
            self.remove_eni(eni);
        }
        if let Some(x) = self.nat_gateways.get_mut(id) {
            x.state = "deleted".into();
            x.deleted = Some(now);
        }
        Ok(())
    }

    /// Deleted NAT gateways stay visible for an hour, as on AWS.
    pub fn expire_deleted_nat_gateways(&mut self, now: Millis) {
        let old: Vec<String> = self
            .nat_gateways
            .iter()
            .filter(|n| n.deleted.is_some_and(|d| now.0 - d.0 > 3_600_000))
            .map(|n| n.id.clone())
            .collect();
        for id in old {
            self.nat_gateways.remove(&id);
        }
    }
}

impl Filterable for Address {
    const FILTERS: &'static [&'static str] = &[
        "allocation-id",
        "association-id",
        "domain",
        "instance-id",
        "network-border-group",
        "network-interface-id",
        "network-interface-owner-id",
        "private-ip-address",
        "public-ip",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("allocation-id", Kind::Allocation),
        ("network-interface-id", Kind::NetworkInterface),
    ];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        let a = self.association.as_ref();
        match name {
            "allocation-id" => out.push(self.allocation_id.clone()),
            "association-id" => out.extend(a.map(|x| x.association_id.clone())),
            "domain" => out.push("vpc".into()),
            "network-border-group" => out.push(self.network_border_group.clone()),
            "network-interface-id" => out.extend(a.map(|x| x.network_interface_id.clone())),
            "network-interface-owner-id" => out.extend(a.map(|_| cx.account_id.clone())),
            "private-ip-address" => out.extend(a.map(|x| x.private_ip.to_string())),
            "public-ip" => out.push(self.public_ip.to_string()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

impl Filterable for NatGateway {
    const FILTERS: &'static [&'static str] = &["nat-gateway-id", "state", "subnet-id", "vpc-id"];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("nat-gateway-id", Kind::NatGateway),
        ("subnet-id", Kind::Subnet),
        ("vpc-id", Kind::Vpc),
    ];
    fn field(&self, name: &str, _: &Region, out: &mut Vec<String>) {
        match name {
            "nat-gateway-id" => out.push(self.id.clone()),
            "state" => out.push(self.state.clone()),
            "subnet-id" => out.push(self.subnet_id.clone()),
            "vpc-id" => out.push(self.vpc_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
