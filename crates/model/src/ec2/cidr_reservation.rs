//! Subnet CIDR reservations: ranges of a subnet that automatic address
//! assignment leaves alone. An `explicit` reservation keeps its addresses for
//! addresses a user names; a `prefix` one is held for prefix delegation, so
//! its addresses leave `AvailableIpAddressCount` at once (tasknet emulates no
//! prefix delegation: they stay held).

use super::err::{self, Kind};
use super::types::Tag;
use crate::error::Result;
use crate::filter::Filterable;
use crate::ids;
use crate::net::{Cidr, Ipv4Cidr, Ipv6Cidr};
use crate::table::Record;
use crate::world::Region;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubnetCidrReservation {
    pub id: String,
    pub region: String,
    pub subnet_id: String,
    pub cidr: Cidr,
    /// `prefix` or `explicit`.
    pub reservation_type: String,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

impl crate::codec::Versioned for SubnetCidrReservation {}
impl Record for SubnetCidrReservation {
    const KIND: &'static str = "scr";
    fn id(&self) -> &str {
        &self.id
    }
    fn region(&self) -> &str {
        &self.region
    }
}

impl SubnetCidrReservation {
    pub fn is_prefix(&self) -> bool {
        self.reservation_type == "prefix"
    }
}

#[derive(Clone, Debug, Default)]
pub struct CreateReservation {
    pub subnet_id: String,
    pub cidr: String,
    pub reservation_type: String,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

/// Every address of a (small enough) IPv4 block.
fn addresses(c: &Ipv4Cidr) -> impl Iterator<Item = Ipv4Addr> {
    let base = c.base() as u64;
    (0..c.size()).map(move |i| Ipv4Addr::from((base + i) as u32))
}

impl Region {
    pub fn create_cidr_reservation(&mut self, req: CreateReservation) -> Result<String> {
        let subnet = self.subnet(&req.subnet_id)?.clone();
        if req.reservation_type != "prefix" && req.reservation_type != "explicit" {
            return Err(err::invalid_value(format!(
                "Value ({}) for parameter reservationType is invalid. Valid values are prefix and explicit.",
                req.reservation_type
            )));
        }
        let bad = || err::invalid_cidr("cidr", &req.cidr);
        let outside = || {
            err::invalid_value(format!(
                "The CIDR {} is not within the CIDR ranges of subnet {}.",
                req.cidr, subnet.id
            ))
        };
        let cidr = if req.cidr.contains(':') {
            let c: Ipv6Cidr = req.cidr.parse().map_err(|_| bad())?;
            if !subnet.ipv6_blocks.iter().any(|b| b.cidr.contains_cidr(&c)) {
                return Err(outside());
            }
            Cidr::V6(c)
        } else {
            let c: Ipv4Cidr = req.cidr.parse().map_err(|_| bad())?;
            if !subnet.cidr.is_some_and(|s| s.contains_cidr(&c)) {
                return Err(outside());
            }
            Cidr::V4(c)
        };
        let clash = self.cidr_reservations.iter().any(|r| {
            r.subnet_id == subnet.id
                && match (&r.cidr, &cidr) {
                    (Cidr::V4(a), Cidr::V4(b)) => a.overlaps(b),
                    (Cidr::V6(a), Cidr::V6(b)) => a.overlaps(b),
                    _ => false,
                }
        });
        if clash {
            return Err(err::invalid_value(format!(
                "The CIDR {} overlaps with an existing CIDR reservation of subnet {}.",
                req.cidr, subnet.id
            )));
        }
        // Addresses held by network interfaces cannot be reserved.
        let used = self.enis.iter().any(|e| {
            e.subnet_id == subnet.id
                && match &cidr {
                    Cidr::V4(c) => e.private_ips.iter().any(|p| c.contains(p.ip)),
                    Cidr::V6(c) => e.ipv6_addresses.iter().any(|a| c.contains(*a)),
                }
        });
        if used {
            return Err(err::invalid_value(format!(
                "The CIDR {} contains addresses in use in subnet {}.",
                req.cidr, subnet.id
            )));
        }
        let id = ids::resource_id(&mut self.rng, "scr");
        let r = SubnetCidrReservation {
            id: id.clone(),
            region: self.info.name.to_string(),
            subnet_id: subnet.id.clone(),
            cidr,
            reservation_type: req.reservation_type,
            description: req.description,
            tags: req.tags,
        };
        self.hold_reservation(&r);
        self.cidr_reservations.insert(r);
        Ok(id)
    }

    /// A prefix reservation's IPv4 addresses leave the subnet's pool.
    pub(crate) fn hold_reservation(&mut self, r: &SubnetCidrReservation) {
        if let (true, Cidr::V4(c)) = (r.is_prefix(), &r.cidr) {
            if let Some(ipam) = self.ipam.get_mut(&r.subnet_id) {
                for ip in addresses(c) {
                    let _ = ipam.claim(ip);
                }
            }
        }
    }

    pub fn delete_cidr_reservation(&mut self, id: &str) -> Result<SubnetCidrReservation> {
        let r = self
            .cidr_reservations
            .get(id)
            .cloned()
            .ok_or_else(|| err::not_found(Kind::SubnetCidrReservation, id))?;
        if let (true, Cidr::V4(c)) = (r.is_prefix(), &r.cidr) {
            if let Some(ipam) = self.ipam.get_mut(&r.subnet_id) {
                for ip in addresses(c) {
                    if !ipam.is_reserved(ip) {
                        ipam.release(ip);
                    }
                }
            }
        }
        self.cidr_reservations.remove(id);
        Ok(r)
    }

    /// The reservations of a subnet, creation order.
    pub fn subnet_reservations<'a>(
        &'a self,
        subnet: &'a str,
    ) -> impl Iterator<Item = &'a SubnetCidrReservation> + 'a {
        self.cidr_reservations
            .iter()
            .filter(move |r| r.subnet_id == subnet)
    }
}

impl Filterable for SubnetCidrReservation {
    const FILTERS: &'static [&'static str] = &["reservationType", "subnet-id"];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[("subnet-id", Kind::Subnet)];
    fn field(&self, name: &str, _: &Region, out: &mut Vec<String>) {
        match name {
            "reservationType" => out.push(self.reservation_type.clone()),
            "subnet-id" => out.push(self.subnet_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
