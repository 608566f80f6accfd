//! Internet gateways and egress-only internet gateways.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::Filterable;
use crate::ids;
use crate::world::Region;

impl Region {
    pub fn internet_gateway(&self, id: &str) -> Result<&InternetGateway> {
        self.internet_gateways
            .get(id)
            .ok_or_else(|| err::not_found(Kind::InternetGateway, id))
    }

    pub fn create_internet_gateway(&mut self, tags: Vec<Tag>) -> String {
        let id = ids::resource_id(&mut self.rng, "igw");
        self.internet_gateways.insert(InternetGateway {
            id: id.clone(),
            region: self.info.name.to_string(),
            vpc_id: None,
            tags,
        });
        id
    }

    pub fn delete_internet_gateway(&mut self, id: &str) -> Result<()> {
        if self.internet_gateway(id)?.vpc_id.is_some() {
            return Err(err::dependency(format!(
                "The internetGateway '{id}' has dependencies and cannot be deleted."
            )));
        }
        self.internet_gateways.remove(id);
        Ok(())
    }

    pub fn attach_internet_gateway(&mut self, id: &str, vpc_id: &str) -> Result<()> {
        let igw = self.internet_gateway(id)?;
        if let Some(v) = &igw.vpc_id {
            return Err(ApiError::new(
                "Resource.AlreadyAssociated",
                format!("resource {id} is already attached to network {v}"),
            ));
        }
        self.vpc(vpc_id)?;
        if self
            .internet_gateways
            .iter()
            .any(|g| g.vpc_id.as_deref() == Some(vpc_id))
        {
            return Err(err::invalid_value(format!(
                "Network {vpc_id} already has an internet gateway attached"
            )));
        }
        if let Some(g) = self.internet_gateways.get_mut(id) {
            g.vpc_id = Some(vpc_id.to_string());
        }
        Ok(())
    }

    pub fn detach_internet_gateway(&mut self, id: &str, vpc_id: &str) -> Result<()> {
        let igw = self.internet_gateway(id)?;
        self.vpc(vpc_id)?;
        if igw.vpc_id.as_deref() != Some(vpc_id) {
            return Err(ApiError::new(
                "Gateway.NotAttached",
                format!("resource {id} is not attached to network {vpc_id}"),
            ));
        }
        // Public addresses in the VPC need the gateway.
        let mapped = self
            .enis
            .iter()
            .any(|e| e.vpc_id == vpc_id && e.private_ips.iter().any(|p| p.association.is_some()));
        if mapped {
            return Err(err::dependency(format!(
                "Network {vpc_id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."
            )));
        }
        if let Some(g) = self.internet_gateways.get_mut(id) {
            g.vpc_id = None;
        }
        Ok(())
    }

    pub fn egress_only_gateway(&self, id: &str) -> Result<&EgressOnlyInternetGateway> {
        self.egress_only_gateways
            .get(id)
            .ok_or_else(|| err::not_found(Kind::EgressOnlyInternetGateway, id))
    }

    pub fn create_egress_only_gateway(&mut self, vpc_id: &str, tags: Vec<Tag>) -> Result<String> {
        self.vpc(vpc_id)?;
        let id = ids::resource_id(&mut self.rng, "eigw");
        self.egress_only_gateways.insert(EgressOnlyInternetGateway {
            id: id.clone(),
            region: self.info.name.to_string(),
            vpc_id: vpc_id.to_string(),
            tags,
        });
        Ok(id)
    }

    pub fn delete_egress_only_gateway(&mut self, id: &str) -> Result<()> {
        self.egress_only_gateway(id)?;
        self.egress_only_gateways.remove(id);
        Ok(())
    }
}

impl Filterable for InternetGateway {
    const FILTERS: &'static [&'static str] = &[
        "attachment.state",
        "attachment.vpc-id",
        "internet-gateway-id",
        "owner-id",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("attachment.vpc-id", Kind::Vpc),
        ("internet-gateway-id", Kind::InternetGateway),
    ];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        match name {
            "attachment.state" => out.extend(self.vpc_id.as_ref().map(|_| "available".to_string())),
            "attachment.vpc-id" => out.extend(self.vpc_id.clone()),
            "internet-gateway-id" => out.push(self.id.clone()),
            "owner-id" => out.push(cx.account_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

impl Filterable for EgressOnlyInternetGateway {
    const FILTERS: &'static [&'static str] = &[];
    fn field(&self, _: &str, _: &Region, _: &mut Vec<String>) {}
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
