//! VPC peering connections between two VPCs of the Region and account: a
//! request is pending until the accepter accepts (active) or rejects it;
//! either side deletes it. Routes may target an active connection (`pcx-`),
//! security-group rules may name groups of the peer VPC, and flows follow
//! the connection into the peer VPC (`reach::path`).

use super::err::{self, Kind};
use super::types::{Tag, Vpc};
use crate::error::{ApiError, Result};
use crate::filter::Filterable;
use crate::ids;
use crate::table::Record;
use crate::time::Millis;
use crate::world::Region;
use serde::{Deserialize, Serialize};

/// How long a request may wait for acceptance (AWS: 7 days).
const EXPIRY_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a deleted, rejected or failed connection stays describable.
const KEEP_ENDED_MS: i64 = 2 * 3600 * 1000;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VpcPeeringConnection {
    pub id: String,
    pub region: String,
    pub requester_vpc: String,
    pub accepter_vpc: String,
    /// `pending-acceptance`, `active`, `rejected`, `deleted`, `failed`, `expired`.
    pub status: String,
    pub message: String,
    pub created: Millis,
    pub expiration: Option<Millis>,
    /// When it was deleted, rejected or failed.
    pub ended: Option<Millis>,
    pub tags: Vec<Tag>,
}

impl crate::codec::Versioned for VpcPeeringConnection {}
impl Record for VpcPeeringConnection {
    const KIND: &'static str = "pcx";
    fn id(&self) -> &str {
        &self.id
    }
    fn region(&self) -> &str {
        &self.region
    }
}

impl VpcPeeringConnection {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
    /// Pending or active: it still joins its VPCs.
    pub fn is_live(&self) -> bool {
        self.status == "active" || self.status == "pending-acceptance"
    }
    /// The other VPC, seen from `vpc`.
    pub fn peer_of(&self, vpc: &str) -> Option<&str> {
        if self.requester_vpc == vpc {
            Some(&self.accepter_vpc)
        } else if self.accepter_vpc == vpc {
            Some(&self.requester_vpc)
        } else {
            None
        }
    }
    fn joins(&self, a: &str, b: &str) -> bool {
        (self.requester_vpc == a && self.accepter_vpc == b)
            || (self.requester_vpc == b && self.accepter_vpc == a)
    }
}

/// CAP (hashicorp/terraform#7465, ekristen/aws-nuke#723), no final period.
fn bad_transition(id: &str, from: &str, to: &str) -> ApiError {
    ApiError::new(
        "InvalidStateTransition",
        format!("Invalid state transition for {id}, attempted to transition from {from} to {to}"),
    )
}

fn overlaps(a: &Vpc, b: &Vpc) -> bool {
    a.cidr_blocks
        .iter()
        .any(|x| b.cidr_blocks.iter().any(|y| x.cidr.overlaps(&y.cidr)))
        || a.ipv6_blocks
            .iter()
            .any(|x| b.ipv6_blocks.iter().any(|y| x.cidr.overlaps(&y.cidr)))
}

impl Region {
    pub fn peering(&self, id: &str) -> Result<&VpcPeeringConnection> {
        self.peerings
            .get(id)
            .ok_or_else(|| err::not_found(Kind::VpcPeeringConnection, id))
    }

    /// The active connections of a VPC, with the peer VPC of each.
    pub fn active_peerings<'a>(
        &'a self,
        vpc: &'a str,
    ) -> impl Iterator<Item = (&'a VpcPeeringConnection, &'a str)> + 'a {
        self.peerings
            .iter()
            .filter(|p| p.is_active())
            .filter_map(move |p| p.peer_of(vpc).map(|peer| (p, peer)))
    }

    /// Are two VPCs joined by an active connection?
    pub fn peered(&self, a: &str, b: &str) -> bool {
        self.peerings.iter().any(|p| p.is_active() && p.joins(a, b))
    }

    /// Forget connections that ended long ago.
    pub fn expire_peerings(&mut self, now: Millis) {
        let old: Vec<String> = self
            .peerings
            .iter()
            .filter(|p| p.ended.is_some_and(|e| now.0 - e.0 > KEEP_ENDED_MS))
            .map(|p| p.id.clone())
            .collect();
        for id in old {
            self.peerings.remove(&id);
        }
    }

    /// CreateVpcPeeringConnection within the Region and account. A request
    /// between two VPCs already joined (pending or active, same direction)
    /// answers with that connection; overlapping CIDRs make it `failed`.
    pub fn create_peering(
        &mut self,
        vpc_id: &str,
        peer_vpc_id: &str,
        tags: Vec<Tag>,
        now: Millis,
    ) -> Result<String> {
        self.expire_peerings(now);
        let vpc = self.vpc(vpc_id)?.clone();
        let peer = self.vpc(peer_vpc_id)?.clone();
        if vpc.id == peer.id {
            return Err(err::invalid_value(format!(
                "Value ({peer_vpc_id}) for parameter peerVpcId is invalid. A VPC cannot be peered with itself."
            )));
        }
        if let Some(p) = self
            .peerings
            .iter()
            .find(|p| p.is_live() && p.requester_vpc == vpc.id && p.accepter_vpc == peer.id)
        {
            return Ok(p.id.clone());
        }
        let id = ids::resource_id(&mut self.rng, "pcx");
        let acct = self.account_id.clone();
        let failed = overlaps(&vpc, &peer);
        self.peerings.insert(VpcPeeringConnection {
            id: id.clone(),
            region: self.info.name.to_string(),
            requester_vpc: vpc.id,
            accepter_vpc: peer.id,
            status: if failed {
                "failed".into()
            } else {
                "pending-acceptance".into()
            },
            message: if failed {
                "Overlapping CIDR range".into()
            } else {
                format!("Pending Acceptance by {acct}")
            },
            created: now,
            expiration: (!failed).then(|| now.plus_ms(EXPIRY_MS)),
            ended: failed.then_some(now),
            tags,
        });
        Ok(id)
    }

    pub fn accept_peering(&mut self, id: &str, now: Millis) -> Result<()> {
        self.expire_peerings(now);
        let p = self.peering(id)?.clone();
        let status =
            if p.status == "pending-acceptance" && p.expiration.is_some_and(|e| now.0 > e.0) {
                "expired"
            } else {
                p.status.as_str()
            };
        if status != "pending-acceptance" {
            return Err(bad_transition(id, status, "provisioning"));
        }
        if self
            .peerings
            .iter()
            .any(|o| o.id != p.id && o.is_active() && o.joins(&p.requester_vpc, &p.accepter_vpc))
        {
            // CAP: hashicorp/terraform-provider-aws#44315.
            return Err(ApiError::new(
                "VpcPeeringConnectionAlreadyExists",
                format!("The vpc peering connection identified by {id} already exists."),
            ));
        }
        if let Some(x) = self.peerings.get_mut(id) {
            x.status = "active".into();
            x.message = "Active".into();
            x.expiration = None;
        }
        Ok(())
    }

    pub fn reject_peering(&mut self, id: &str, now: Millis) -> Result<()> {
        let p = self.peering(id)?.clone();
        if p.status != "pending-acceptance" {
            return Err(bad_transition(id, &p.status, "rejected"));
        }
        let acct = self.account_id.clone();
        if let Some(x) = self.peerings.get_mut(id) {
            x.status = "rejected".into();
            x.message = format!("Rejected by {acct}");
            x.expiration = None;
            x.ended = Some(now);
        }
        Ok(())
    }

    pub fn delete_peering(&mut self, id: &str, now: Millis) -> Result<()> {
        let p = self.peering(id)?.clone();
        if !p.is_live() {
            return Err(bad_transition(id, &p.status, "deleting"));
        }
        let acct = self.account_id.clone();
        if let Some(x) = self.peerings.get_mut(id) {
            x.status = "deleted".into();
            x.message = format!("Deleted by {acct}");
            x.expiration = None;
            x.ended = Some(now);
        }
        Ok(())
    }
}

impl Filterable for VpcPeeringConnection {
    const FILTERS: &'static [&'static str] = &[
        "accepter-vpc-info.cidr-block",
        "accepter-vpc-info.owner-id",
        "accepter-vpc-info.vpc-id",
        "expiration-time",
        "requester-vpc-info.cidr-block",
        "requester-vpc-info.owner-id",
        "requester-vpc-info.vpc-id",
        "status-code",
        "status-message",
        "vpc-peering-connection-id",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("accepter-vpc-info.vpc-id", Kind::Vpc),
        ("requester-vpc-info.vpc-id", Kind::Vpc),
        ("vpc-peering-connection-id", Kind::VpcPeeringConnection),
    ];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        let cidrs = |vpc: &str, out: &mut Vec<String>| {
            if let Some(v) = cx.vpcs.get(vpc) {
                out.extend(v.cidr_blocks.iter().map(|b| b.cidr.to_string()));
            }
        };
        match name {
            "accepter-vpc-info.cidr-block" => cidrs(&self.accepter_vpc, out),
            "requester-vpc-info.cidr-block" => cidrs(&self.requester_vpc, out),
            "accepter-vpc-info.owner-id" | "requester-vpc-info.owner-id" => {
                out.push(cx.account_id.clone())
            }
            "accepter-vpc-info.vpc-id" => out.push(self.accepter_vpc.clone()),
            "requester-vpc-info.vpc-id" => out.push(self.requester_vpc.clone()),
            "expiration-time" => out.extend(self.expiration.map(|e| e.iso8601())),
            "status-code" => out.push(self.status.clone()),
            "status-message" => out.push(self.message.clone()),
            "vpc-peering-connection-id" => out.push(self.id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
