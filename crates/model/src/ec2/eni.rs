//! Elastic network interfaces: user ENIs and the requester-managed ones that NAT
//! gateways, interface endpoints and Fargate tasks get. Every private address of
//! the account lives on an ENI, so IPAM state follows the ENIs.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::{bool_str, Filterable};
use crate::ids;
use crate::ipam::{ClaimError, Ipv6Ipam};
use crate::net::Ipv6Cidr;
use crate::time::Millis;
use crate::world::Region;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The most private IPv4 addresses an ENI may hold (no instance type bounds it).
pub const MAX_PRIVATE_IPS: usize = 50;
pub const MAX_GROUPS: usize = 5;

/// Everything needed to create an ENI.
#[derive(Debug, Clone)]
pub struct NewEni {
    pub subnet_id: String,
    pub description: String,
    pub interface_type: String,
    pub owner: EniOwner,
    /// Empty: the VPC's default security group.
    pub groups: Vec<String>,
    pub private_ip: Option<Ipv4Addr>,
    pub secondary_ips: Vec<Ipv4Addr>,
    pub secondary_count: usize,
    /// `None`: follow the subnet's `AssignIpv6AddressOnCreation`.
    pub ipv6_count: Option<usize>,
    pub ipv6_addresses: Vec<Ipv6Addr>,
    /// Auto-assign a public IPv4 from the Region pool (Fargate `assignPublicIp`).
    pub public_ip: bool,
    pub attachment: Option<EniAttachment>,
    pub tags: Vec<Tag>,
}

impl NewEni {
    pub fn new(subnet_id: &str, owner: EniOwner) -> Self {
        NewEni {
            subnet_id: subnet_id.to_string(),
            description: String::new(),
            interface_type: "interface".into(),
            owner,
            groups: Vec::new(),
            private_ip: None,
            secondary_ips: Vec::new(),
            secondary_count: 0,
            ipv6_count: None,
            ipv6_addresses: Vec::new(),
            public_ip: false,
            attachment: None,
            tags: Vec::new(),
        }
    }
}

impl Region {
    pub fn eni(&self, id: &str) -> Result<&NetworkInterface> {
        self.enis
            .get(id)
            .ok_or_else(|| err::not_found(Kind::NetworkInterface, id))
    }

    /// Check security groups for an ENI in `vpc_id`; empty means the default group.
    pub fn resolve_groups(
        &self,
        vpc_id: &str,
        subnet_id: &str,
        groups: &[String],
    ) -> Result<Vec<String>> {
        if groups.is_empty() {
            return Ok(self.vpc(vpc_id)?.default_security_group_id.clone()).map(|g| vec![g]);
        }
        if groups.len() > MAX_GROUPS {
            return Err(ApiError::new(
                "SecurityGroupsPerInterfaceLimitExceeded",
                "The maximum number of security groups per interface has been reached.",
            ));
        }
        let mut out: Vec<String> = Vec::new();
        for g in groups {
            let sg = self.security_group(g)?;
            if sg.vpc_id != vpc_id {
                return Err(err::invalid_param(format!(
                    "Security group {g} and subnet {subnet_id} belong to different networks."
                )));
            }
            if !out.contains(g) {
                out.push(g.clone());
            }
        }
        Ok(out)
    }

    /// Create an ENI, taking every address it needs or none at all.
    pub fn create_eni(&mut self, n: NewEni, now: Millis) -> Result<String> {
        let subnet = self.subnet(&n.subnet_id)?.clone();
        let groups = self.resolve_groups(&subnet.vpc_id, &subnet.id, &n.groups)?;
        if 1 + n.secondary_ips.len() + n.secondary_count > MAX_PRIVATE_IPS {
            return Err(ApiError::new(
                "PrivateIpAddressLimitExceeded",
                "Number of private addresses will exceed limit.",
            ));
        }
        let want_v6 = match n.ipv6_count {
            Some(c) => c,
            None if n.ipv6_addresses.is_empty() && subnet.assign_ipv6_address_on_creation => 1,
            None => 0,
        };
        if (want_v6 > 0 || !n.ipv6_addresses.is_empty()) && subnet.ipv6_blocks.is_empty() {
            return Err(err::invalid_param(format!(
                "You specified an IPv6 address or count but subnet {} has no IPv6 CIDR block.",
                subnet.id
            )));
        }
        if subnet.cidr.is_none()
            && (n.private_ip.is_some() || !n.secondary_ips.is_empty() || n.secondary_count > 0)
        {
            return Err(err::invalid_param(format!(
                "Subnet {} is an IPv6-only subnet and does not support IPv4 addresses.",
                subnet.id
            )));
        }
        // IPv4: primary plus secondaries, rolled back on any failure.
        let mut taken: Vec<Ipv4Addr> = Vec::new();
        let result = self.take_v4(&subnet, &n, &mut taken);
        if let Err(e) = result {
            self.give_back_v4(&subnet.id, &taken);
            return Err(e);
        }
        let mut taken6: Vec<Ipv6Addr> = Vec::new();
        if let Err(e) = self.take_v6(&subnet, &n.ipv6_addresses, want_v6, &mut taken6) {
            self.give_back_v4(&subnet.id, &taken);
            self.give_back_v6(&subnet.id, &taken6);
            return Err(e);
        }
        let mut private_ips: Vec<PrivateIp> = taken
            .iter()
            .enumerate()
            .map(|(i, ip)| PrivateIp {
                ip: *ip,
                primary: i == 0,
                association: None,
            })
            .collect();
        if n.public_ip {
            if let Some(first) = private_ips.first_mut() {
                match self.public_pool().allocate() {
                    Some(p) => {
                        first.association = Some(EniAssociation {
                            public_ip: p,
                            allocation_id: None,
                            association_id: None,
                        })
                    }
                    None => {
                        self.give_back_v4(&subnet.id, &taken);
                        self.give_back_v6(&subnet.id, &taken6);
                        return Err(ApiError::new(
                            "AddressLimitExceeded",
                            "The maximum number of addresses has been reached.",
                        ));
                    }
                }
            }
        }
        let id = ids::resource_id(&mut self.rng, "eni");
        let mac = ids::mac(&mut self.rng);
        self.enis.insert(NetworkInterface {
            id: id.clone(),
            region: self.info.name.to_string(),
            vpc_id: subnet.vpc_id.clone(),
            subnet_id: subnet.id.clone(),
            availability_zone: subnet.availability_zone.clone(),
            description: n.description,
            interface_type: n.interface_type,
            mac,
            private_ips,
            ipv6_addresses: taken6,
            groups,
            source_dest_check: true,
            owner: n.owner,
            attachment: n.attachment,
            tags: n.tags,
            created: now,
        });
        Ok(id)
    }

    /// The IPv4 addresses of a new ENI: the named ones first (so that an
    /// address chosen automatically never takes one the request names), then
    /// an automatic primary if none was named, then the automatic secondaries.
    /// `taken` ends primary first.
    fn take_v4(&mut self, subnet: &Subnet, n: &NewEni, taken: &mut Vec<Ipv4Addr>) -> Result<()> {
        let Some(cidr) = self.ipam.get(&subnet.id).map(|i| i.cidr()) else {
            return Ok(()); // IPv6-only subnet
        };
        if let Some(ip) = n.private_ip {
            if !cidr.contains(ip) {
                return Err(err::invalid_param(format!(
                    "Address {ip} does not fall within the subnet's address range"
                )));
            }
            self.claim_v4(&subnet.id, ip)?;
            taken.push(ip);
        }
        for ip in &n.secondary_ips {
            self.claim_v4(&subnet.id, *ip)?;
            taken.push(*ip);
        }
        if n.private_ip.is_none() {
            let ip = self.alloc_v4(&subnet.id)?;
            taken.insert(0, ip);
        }
        for _ in 0..n.secondary_count {
            let ip = self.alloc_v4(&subnet.id)?;
            taken.push(ip);
        }
        Ok(())
    }

    fn claim_v4(&mut self, subnet: &str, ip: Ipv4Addr) -> Result<()> {
        let Some(ipam) = self.ipam.get_mut(subnet) else {
            return Err(err::invalid_param(format!(
                "Subnet {subnet} is an IPv6-only subnet and does not support IPv4 addresses."
            )));
        };
        ipam.claim(ip).map_err(|e| match e {
            ClaimError::InUse => err::address_in_use(),
            ClaimError::Reserved | ClaimError::OutOfRange => err::invalid_param(format!(
                "Address {ip} does not fall within the subnet's address range"
            )),
        })
    }

    /// A free address of the subnet for automatic assignment, outside its
    /// CIDR reservations.
    fn alloc_v4(&mut self, subnet: &str) -> Result<Ipv4Addr> {
        let reserved: Vec<crate::net::Ipv4Cidr> = self
            .subnet_reservations(subnet)
            .filter_map(|r| match r.cidr {
                crate::net::Cidr::V4(c) => Some(c),
                _ => None,
            })
            .collect();
        let Some(ipam) = self.ipam.get_mut(subnet) else {
            return Err(err::insufficient_addresses());
        };
        let mut skipped = Vec::new();
        let found = loop {
            match ipam.allocate() {
                Some(ip) if reserved.iter().any(|c| c.contains(ip)) => skipped.push(ip),
                other => break other,
            }
        };
        for ip in skipped {
            ipam.release(ip);
        }
        found.ok_or_else(err::insufficient_addresses)
    }

    fn take_v6(
        &mut self,
        subnet: &Subnet,
        given: &[Ipv6Addr],
        count: usize,
        taken: &mut Vec<Ipv6Addr>,
    ) -> Result<()> {
        let Some(block) = subnet.ipv6_cidr() else {
            return Ok(());
        };
        let ipam = self
            .ipam6
            .get_or_insert_with(subnet.id.clone(), Ipv6Ipam::default);
        for ip in given {
            ipam.claim(&block, *ip).map_err(|e| match e {
                ClaimError::InUse => err::address_in_use(),
                _ => err::invalid_param(format!(
                    "Address {ip} does not fall within the subnet's address range"
                )),
            })?;
            taken.push(*ip);
        }
        let reserved: Vec<Ipv6Cidr> = self
            .cidr_reservations
            .iter()
            .filter(|r| r.subnet_id == subnet.id)
            .filter_map(|r| match r.cidr {
                crate::net::Cidr::V6(c) => Some(c),
                _ => None,
            })
            .collect();
        let ipam = self
            .ipam6
            .get_or_insert_with(subnet.id.clone(), Ipv6Ipam::default);
        for _ in 0..count {
            let mut tries = 0;
            let ip = loop {
                let ip = ipam
                    .allocate(&block, &mut self.rng)
                    .ok_or_else(err::insufficient_addresses)?;
                if !reserved.iter().any(|c| c.contains(ip)) {
                    break ip;
                }
                ipam.release(ip);
                tries += 1;
                if tries > 64 {
                    return Err(err::insufficient_addresses());
                }
            };
            taken.push(ip);
        }
        Ok(())
    }

    fn give_back_v4(&mut self, subnet_id: &str, ips: &[Ipv4Addr]) {
        if let Some(i) = self.ipam.get_mut(subnet_id) {
            for ip in ips {
                i.release(*ip);
            }
        }
    }

    fn give_back_v6(&mut self, subnet_id: &str, ips: &[Ipv6Addr]) {
        if let Some(i) = self.ipam6.get_mut(subnet_id) {
            for ip in ips {
                i.release(*ip);
            }
        }
    }

    /// A requester-managed ENI for a NAT gateway or an interface endpoint.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_managed_eni(
        &mut self,
        subnet_id: &str,
        description: String,
        interface_type: &str,
        owner: EniOwner,
        groups: Vec<String>,
        private_ip: Option<Ipv4Addr>,
        ipv6: bool,
        now: Millis,
    ) -> Result<String> {
        let mut n = NewEni::new(subnet_id, owner);
        n.description = description;
        n.interface_type = interface_type.to_string();
        n.groups = groups;
        n.private_ip = private_ip;
        n.ipv6_count = Some(usize::from(ipv6));
        n.attachment = Some(EniAttachment {
            id: ids::resource_id(&mut self.rng, "ela-attach"),
            device_index: 1,
            network_card_index: 0,
            instance_id: None,
            instance_owner_id: Some(managed_owner_account(self.info.name).to_string()),
            status: "attached".into(),
            attach_time: now,
            delete_on_termination: false,
        });
        self.create_eni(n, now)
    }

    /// Delete an ENI record and return all its addresses.
    pub(crate) fn remove_eni(&mut self, id: &str) {
        // What is needed, not the whole ENI: copying it cost a reconciler
        // step more than the step itself.
        let Some(e) = self.enis.get(id) else {
            return;
        };
        let subnet = e.subnet_id.clone();
        let v4: Vec<Ipv4Addr> = e.private_ips.iter().map(|p| p.ip).collect();
        let v6 = e.ipv6_addresses.clone();
        let public: Vec<Ipv4Addr> = e
            .private_ips
            .iter()
            .filter(|p| p.association.is_some())
            .map(|p| p.ip)
            .collect();
        for ip in public {
            self.detach_public_ip(id, ip);
        }
        self.give_back_v4(&subnet, &v4);
        self.give_back_v6(&subnet, &v6);
        self.enis.remove(id);
    }

    /// Refuse user changes to requester-managed ENIs (N19 for Fargate).
    fn check_user_managed(&self, eni: &NetworkInterface) -> Result<()> {
        match eni.owner {
            EniOwner::User => Ok(()),
            EniOwner::Fargate { .. } => Err(err::fargate_eni_not_permitted()),
            EniOwner::LoadBalancer(_) => Err(err::elb_eni_not_permitted()),
            _ => Err(err::managed_eni_not_permitted()),
        }
    }

    pub fn delete_network_interface(&mut self, id: &str) -> Result<()> {
        let e = self.eni(id)?;
        // AWS answers a delete of a load balancer node's ENI with its
        // in-use error (it is attached), not a permission error.
        if matches!(e.owner, EniOwner::LoadBalancer(_)) {
            return Err(err::eni_in_use(id));
        }
        self.check_user_managed(e)?;
        if e.attachment.is_some() {
            return Err(err::eni_in_use(id));
        }
        self.remove_eni(id);
        Ok(())
    }

    pub fn attach_network_interface(&mut self, id: &str, instance_id: &str) -> Result<String> {
        let e = self.eni(id)?;
        self.check_user_managed(e)?;
        if e.attachment.is_some() {
            return Err(ApiError::new(
                "InvalidNetworkInterface.InUse",
                format!("Interface: [{id}] in use."),
            ));
        }
        // tasknet emulates no EC2 instances, so no instance id can exist.
        Err(err::not_found(Kind::Instance, instance_id))
    }

    pub fn detach_network_interface(&mut self, attachment_id: &str) -> Result<()> {
        let e = self
            .enis
            .iter()
            .find(|e| e.attachment.as_ref().is_some_and(|a| a.id == attachment_id))
            .ok_or_else(|| err::not_found(Kind::AttachmentId, attachment_id))?;
        self.check_user_managed(e)?;
        let id = e.id.clone();
        if let Some(e) = self.enis.get_mut(&id) {
            e.attachment = None;
        }
        Ok(())
    }

    pub fn modify_network_interface(&mut self, id: &str, m: ModifyEni) -> Result<()> {
        let e = self.eni(id)?.clone();
        self.check_user_managed(&e)?;
        let groups = match &m.groups {
            Some(g) if g.is_empty() => return Err(err::missing("SecurityGroupId")),
            Some(g) => Some(self.resolve_groups(&e.vpc_id, &e.subnet_id, g)?),
            None => None,
        };
        if m.delete_on_termination.is_some() && e.attachment.is_none() {
            return Err(err::invalid_param(format!(
                "Network interface {id} is not attached."
            )));
        }
        let e = self
            .enis
            .get_mut(id)
            .ok_or_else(|| err::not_found(Kind::NetworkInterface, id))?;
        if let Some(d) = m.description {
            e.description = d;
        }
        if let Some(s) = m.source_dest_check {
            e.source_dest_check = s;
        }
        if let Some(g) = groups {
            e.groups = g;
        }
        if let (Some(d), Some(a)) = (m.delete_on_termination, e.attachment.as_mut()) {
            a.delete_on_termination = d;
        }
        Ok(())
    }

    /// AssignPrivateIpAddresses; returns the addresses added.
    pub fn assign_private_ips(
        &mut self,
        id: &str,
        ips: &[Ipv4Addr],
        count: usize,
        allow_reassign: bool,
    ) -> Result<Vec<Ipv4Addr>> {
        let e = self.eni(id)?.clone();
        self.check_user_managed(&e)?;
        if ips.is_empty() && count == 0 {
            return Err(err::missing(
                "PrivateIpAddress or SecondaryPrivateIpAddressCount",
            ));
        }
        if e.private_ips.len() + ips.len() + count > MAX_PRIVATE_IPS {
            return Err(ApiError::new(
                "PrivateIpAddressLimitExceeded",
                "Number of private addresses will exceed limit.",
            ));
        }
        let subnet = self.subnet(&e.subnet_id)?.clone();
        // Check everything first so that nothing moves unless all of it succeeds.
        // Reassignment moves a secondary address from another ENI of the subnet.
        let ipam = self.ipam.get(&subnet.id).ok_or_else(|| {
            err::invalid_param(format!(
                "Subnet {} is an IPv6-only subnet and does not support IPv4 addresses.",
                subnet.id
            ))
        })?;
        let mut moved: Vec<(String, Ipv4Addr)> = Vec::new();
        let mut fresh = 0usize;
        for (i, ip) in ips.iter().enumerate() {
            if ips[..i].contains(ip) {
                return Err(err::address_in_use());
            }
            let holder = self
                .enis
                .iter()
                .find(|o| o.subnet_id == e.subnet_id && o.private_ips.iter().any(|p| p.ip == *ip));
            match holder {
                Some(o)
                    if allow_reassign
                        && o.id != id
                        && o.private_ips.iter().any(|p| p.ip == *ip && !p.primary) =>
                {
                    moved.push((o.id.clone(), *ip))
                }
                Some(_) => return Err(err::address_in_use()),
                None if !ipam.cidr().contains(*ip) || ipam.is_reserved(*ip) => {
                    return Err(err::invalid_param(format!(
                        "Address {ip} does not fall within the subnet's address range"
                    )))
                }
                None if ipam.in_use(*ip) => return Err(err::address_in_use()),
                None => fresh += 1,
            }
        }
        if (ipam.available() as usize) < fresh + count {
            return Err(err::insufficient_addresses());
        }
        for (h, ip) in &moved {
            self.detach_public_ip(h, *ip);
            if let Some(o) = self.enis.get_mut(h) {
                o.private_ips.retain(|p| p.ip != *ip);
            }
            self.give_back_v4(&e.subnet_id, &[*ip]);
        }
        let req = NewEni {
            private_ip: None,
            secondary_ips: ips.to_vec(),
            secondary_count: count,
            ..NewEni::new(&e.subnet_id, EniOwner::User)
        };
        let mut taken = Vec::new();
        // take_v4 always takes a primary; take secondaries only.
        let r = self.take_secondaries(&subnet, &req, &mut taken);
        if let Err(x) = r {
            self.give_back_v4(&subnet.id, &taken);
            return Err(x);
        }
        if let Some(e) = self.enis.get_mut(id) {
            e.private_ips.extend(taken.iter().map(|ip| PrivateIp {
                ip: *ip,
                primary: false,
                association: None,
            }));
        }
        Ok(taken)
    }

    fn take_secondaries(
        &mut self,
        subnet: &Subnet,
        n: &NewEni,
        taken: &mut Vec<Ipv4Addr>,
    ) -> Result<()> {
        let ipam = self.ipam.get_mut(&subnet.id).ok_or_else(|| {
            err::invalid_param(format!(
                "Subnet {} is an IPv6-only subnet and does not support IPv4 addresses.",
                subnet.id
            ))
        })?;
        for ip in &n.secondary_ips {
            ipam.claim(*ip).map_err(|e| match e {
                ClaimError::InUse => err::address_in_use(),
                _ => err::invalid_param(format!(
                    "Address {ip} does not fall within the subnet's address range"
                )),
            })?;
            taken.push(*ip);
        }
        for _ in 0..n.secondary_count {
            let ip = self.alloc_v4(&subnet.id)?;
            taken.push(ip);
        }
        Ok(())
    }

    pub fn unassign_private_ips(&mut self, id: &str, ips: &[Ipv4Addr]) -> Result<()> {
        let e = self.eni(id)?.clone();
        self.check_user_managed(&e)?;
        for ip in ips {
            match e.private_ips.iter().find(|p| p.ip == *ip) {
                None => {
                    return Err(err::invalid_param(format!(
                        "Some of the specified addresses are not assigned to interface {id}"
                    )))
                }
                Some(p) if p.primary => {
                    return Err(err::invalid_param(format!(
                        "The primary private IP address {ip} of network interface {id} cannot be unassigned."
                    )))
                }
                _ => {}
            }
        }
        for ip in ips {
            self.detach_public_ip(id, *ip);
        }
        if let Some(e) = self.enis.get_mut(id) {
            e.private_ips.retain(|p| !ips.contains(&p.ip));
        }
        self.give_back_v4(&e.subnet_id, ips);
        Ok(())
    }

    pub fn assign_ipv6(
        &mut self,
        id: &str,
        ips: &[Ipv6Addr],
        count: usize,
    ) -> Result<Vec<Ipv6Addr>> {
        let e = self.eni(id)?.clone();
        self.check_user_managed(&e)?;
        if ips.is_empty() && count == 0 {
            return Err(err::missing("Ipv6Addresses or Ipv6AddressCount"));
        }
        let subnet = self.subnet(&e.subnet_id)?.clone();
        if subnet.ipv6_blocks.is_empty() {
            return Err(err::invalid_param(format!(
                "You specified an IPv6 address or count but subnet {} has no IPv6 CIDR block.",
                subnet.id
            )));
        }
        let mut taken = Vec::new();
        if let Err(x) = self.take_v6(&subnet, ips, count, &mut taken) {
            self.give_back_v6(&subnet.id, &taken);
            return Err(x);
        }
        if let Some(e) = self.enis.get_mut(id) {
            e.ipv6_addresses.extend(taken.iter().copied());
        }
        Ok(taken)
    }

    pub fn unassign_ipv6(&mut self, id: &str, ips: &[Ipv6Addr]) -> Result<Vec<Ipv6Addr>> {
        let e = self.eni(id)?.clone();
        self.check_user_managed(&e)?;
        if let Some(ip) = ips.iter().find(|ip| !e.ipv6_addresses.contains(ip)) {
            return Err(err::invalid_param(format!(
                "The IPv6 address {ip} is not assigned to network interface {id}."
            )));
        }
        if let Some(e) = self.enis.get_mut(id) {
            e.ipv6_addresses.retain(|x| !ips.contains(x));
        }
        self.give_back_v6(&e.subnet_id, ips);
        Ok(ips.to_vec())
    }

    /// The ENI's private DNS name (N16): `ip-a-b-c-d.<suffix>`, or for an
    /// IPv6-only ENI the resource-name form `<eni-id>.<suffix>`.
    pub fn eni_private_dns_name(&self, e: &NetworkInterface) -> String {
        let suffix = self.info.private_dns_suffix();
        match e.primary_ip() {
            Some(ip) => format!("ip-{}.{suffix}", ip.to_string().replace('.', "-")),
            None => format!("{}.{suffix}", e.id),
        }
    }

    pub fn eni_requester_id(&self, e: &NetworkInterface) -> Option<&'static str> {
        match e.owner {
            EniOwner::User => None,
            EniOwner::LoadBalancer(_) => Some(ELB_OWNER),
            _ => Some(managed_owner_account(self.info.name)),
        }
    }

    /// Who owns the public IPv4 on an ENI: the account for an Elastic IP,
    /// `amazon-elb` on a load balancer node, else `amazon`.
    pub fn eni_ip_owner(&self, e: &NetworkInterface, a: &EniAssociation) -> String {
        match (&a.allocation_id, &e.owner) {
            (Some(_), _) => self.account_id.clone(),
            (None, EniOwner::LoadBalancer(_)) => ELB_OWNER.to_string(),
            (None, _) => "amazon".to_string(),
        }
    }

    /// The public DNS name EC2 shows for an ENI's public IPv4: none on a
    /// load balancer node (2025 capture: `"PublicDnsName": ""`).
    pub fn eni_public_dns_name(&self, e: &NetworkInterface, a: &EniAssociation) -> String {
        match e.owner {
            EniOwner::LoadBalancer(_) => String::new(),
            _ => self.info.public_dns_name(a.public_ip),
        }
    }
}

/// The requester, attachment owner and public-IP owner of load balancer
/// node ENIs (2025 DescribeNetworkInterfaces capture of an ALB ENI).
pub const ELB_OWNER: &str = "amazon-elb";

/// The AWS-owned account that requester-managed ENIs and their attachments
/// report. Real values differ per Region (aws-behavior §4.3).
pub fn managed_owner_account(region: &str) -> &'static str {
    match region {
        "us-east-1" => "578734482556",
        "eu-west-2" => "716531411939",
        "eu-central-1" => "628676013162",
        _ => "578734482556",
    }
}

#[derive(Debug, Default, Clone)]
pub struct ModifyEni {
    pub description: Option<String>,
    pub source_dest_check: Option<bool>,
    pub groups: Option<Vec<String>>,
    pub delete_on_termination: Option<bool>,
}

impl Filterable for NetworkInterface {
    const FILTERS: &'static [&'static str] = &[
        "addresses.private-ip-address",
        "addresses.primary",
        "addresses.association.public-ip",
        "addresses.association.owner-id",
        "association.association-id",
        "association.allocation-id",
        "association.ip-owner-id",
        "association.public-ip",
        "association.public-dns-name",
        "attachment.attachment-id",
        "attachment.attach-time",
        "attachment.delete-on-termination",
        "attachment.device-index",
        "attachment.instance-id",
        "attachment.instance-owner-id",
        "attachment.status",
        "availability-zone",
        "description",
        "group-id",
        "group-name",
        "ipv6-addresses.ipv6-address",
        "ipv6-address",
        "interface-type",
        "mac-address",
        "network-interface-id",
        "owner-id",
        "private-dns-name",
        "private-ip-address",
        "requester-id",
        "requester-managed",
        "source-dest-check",
        "status",
        "subnet-id",
        "vpc-id",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("group-id", Kind::SecurityGroup),
        ("network-interface-id", Kind::NetworkInterface),
        ("subnet-id", Kind::Subnet),
        ("vpc-id", Kind::Vpc),
    ];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        let assoc = self.public_association();
        let att = self.attachment.as_ref();
        match name {
            "addresses.private-ip-address" => {
                out.extend(self.private_ips.iter().map(|p| p.ip.to_string()))
            }
            "addresses.primary" => out.extend(self.private_ips.iter().map(|p| bool_str(p.primary))),
            "addresses.association.public-ip" => out.extend(
                self.private_ips
                    .iter()
                    .filter_map(|p| p.association.as_ref().map(|a| a.public_ip.to_string())),
            ),
            "addresses.association.owner-id" | "association.ip-owner-id" => {
                out.extend(assoc.map(|a| cx.eni_ip_owner(self, a)))
            }
            "association.association-id" => {
                out.extend(assoc.and_then(|a| a.association_id.clone()))
            }
            "association.allocation-id" => out.extend(assoc.and_then(|a| a.allocation_id.clone())),
            "association.public-ip" => out.extend(assoc.map(|a| a.public_ip.to_string())),
            "association.public-dns-name" => {
                out.extend(assoc.map(|a| cx.eni_public_dns_name(self, a)))
            }
            "attachment.attachment-id" => out.extend(att.map(|a| a.id.clone())),
            "attachment.attach-time" => out.extend(att.map(|a| a.attach_time.iso8601())),
            "attachment.delete-on-termination" => {
                out.extend(att.map(|a| bool_str(a.delete_on_termination)))
            }
            "attachment.device-index" => out.extend(att.map(|a| a.device_index.to_string())),
            "attachment.instance-id" => out.extend(att.and_then(|a| a.instance_id.clone())),
            "attachment.instance-owner-id" => {
                out.extend(att.and_then(|a| a.instance_owner_id.clone()))
            }
            "attachment.status" => out.extend(att.map(|a| a.status.clone())),
            "availability-zone" => out.push(self.availability_zone.clone()),
            "description" => out.push(self.description.clone()),
            "group-id" => out.extend(self.groups.iter().cloned()),
            "group-name" => out.extend(
                self.groups
                    .iter()
                    .filter_map(|g| cx.security_groups.get(g).map(|s| s.name.clone())),
            ),
            "ipv6-addresses.ipv6-address" | "ipv6-address" => {
                out.extend(self.ipv6_addresses.iter().map(|a| a.to_string()))
            }
            "interface-type" => out.push(self.interface_type.clone()),
            "mac-address" => out.push(self.mac.clone()),
            "network-interface-id" => out.push(self.id.clone()),
            "owner-id" => out.push(cx.account_id.clone()),
            "private-dns-name" => out.push(cx.eni_private_dns_name(self)),
            "private-ip-address" => out.extend(self.private_ips.iter().map(|p| p.ip.to_string())),
            "requester-id" => out.extend(cx.eni_requester_id(self).map(str::to_string)),
            "requester-managed" => out.push(bool_str(self.requester_managed())),
            "source-dest-check" => out.push(bool_str(self.source_dest_check)),
            "status" => out.push(self.status().into()),
            "subnet-id" => out.push(self.subnet_id.clone()),
            "vpc-id" => out.push(self.vpc_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
