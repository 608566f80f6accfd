//! VPC peering connections within the Region and the account.

use super::{id_req, ok_return, read, write, Page, Result};
use crate::params::Params;
use crate::xml::Xml;
use crate::Call;
use model::ec2::err::{self, Kind};
use model::ec2::peering::VpcPeeringConnection;
use model::ec2::{self as mec2};
use model::Region;

fn vpc_info_xml(x: &mut Xml, r: &Region, vpc: &str, with_cidrs: bool, active: bool) {
    if let Some(v) = r.vpcs.get(vpc).filter(|_| with_cidrs) {
        x.opt("cidrBlock", v.primary_cidr())
            .list("cidrBlockSet", &v.cidr_blocks, |x, b| {
                x.el("cidrBlock", b.cidr);
            })
            .list("ipv6CidrBlockSet", &v.ipv6_blocks, |x, b| {
                x.el("ipv6CidrBlock", b.cidr);
            });
    }
    x.el("ownerId", &r.account_id);
    if active {
        x.wrap("peeringOptions", |x| {
            x.b("allowDnsResolutionFromRemoteVpc", false)
                .b("allowEgressFromLocalClassicLinkToRemoteVpc", false)
                .b("allowEgressFromLocalVpcToRemoteClassicLink", false);
        });
    }
    x.el("vpcId", vpc).el("region", r.info.name);
}

/// `status` overrides the stored status (what Create and Accept report).
fn peering_xml(x: &mut Xml, r: &Region, p: &VpcPeeringConnection, status: Option<(&str, &str)>) {
    let active = p.is_active();
    let (code, message) = status.unwrap_or((&p.status, &p.message));
    x.wrap("accepterVpcInfo", |x| {
        vpc_info_xml(x, r, &p.accepter_vpc, active, active)
    })
    .opt("expirationTime", p.expiration.map(|e| e.iso8601()))
    .wrap("requesterVpcInfo", |x| {
        vpc_info_xml(x, r, &p.requester_vpc, true, active)
    })
    .wrap("status", |x| {
        x.el("code", code).el("message", message);
    })
    .tag_set(&p.tags)
    .el("vpcPeeringConnectionId", &p.id);
}

pub async fn create_vpc_peering_connection(call: &Call<'_>, p: &Params) -> Result {
    let vpc = id_req(p, "VpcId", Kind::Vpc)?;
    let peer = id_req(p, "PeerVpcId", Kind::Vpc)?;
    let owner = p.string("PeerOwnerId").filter(|s| !s.is_empty());
    let region = p.string("PeerRegion").filter(|s| !s.is_empty());
    let tags = p.tag_specs("vpc-peering-connection")?;
    let here = call.region.clone();
    write(call, move |r, now| {
        if owner.as_deref().is_some_and(|o| o != r.account_id) {
            return Err(err::invalid_param(
                "tasknet does not emulate VPC peering across accounts; give a VPC of this account."
                    .to_string(),
            ));
        }
        if region.as_deref().is_some_and(|g| g != here) {
            return Err(err::invalid_param(format!(
                "tasknet does not emulate VPC peering across Regions; PeerRegion must be {here}."
            )));
        }
        let id = r.create_peering(&vpc, &peer, tags, now)?;
        let pcx = r.peering(&id)?;
        let initiating = format!("Initiating Request to {}", r.account_id);
        let status = (pcx.status == "pending-acceptance")
            .then_some(("initiating-request", initiating.as_str()));
        let mut x = Xml::new();
        x.wrap("vpcPeeringConnection", |x| peering_xml(x, r, pcx, status));
        Ok(x.into_string())
    })
    .await
}

pub async fn accept_vpc_peering_connection(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "VpcPeeringConnectionId", Kind::VpcPeeringConnection)?;
    write(call, move |r, now| {
        r.accept_peering(&id, now)?;
        let pcx = r.peering(&id)?;
        let mut x = Xml::new();
        x.wrap("vpcPeeringConnection", |x| {
            peering_xml(x, r, pcx, Some(("provisioning", "Provisioning")))
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn reject_vpc_peering_connection(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "VpcPeeringConnectionId", Kind::VpcPeeringConnection)?;
    write(call, move |r, now| {
        r.reject_peering(&id, now).map(|_| ok_return())
    })
    .await
}

pub async fn delete_vpc_peering_connection(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "VpcPeeringConnectionId", Kind::VpcPeeringConnection)?;
    write(call, move |r, now| {
        r.delete_peering(&id, now).map(|_| ok_return())
    })
    .await
}

pub async fn describe_vpc_peering_connections(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("VpcPeeringConnectionId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "vpcPeeringConnectionIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(&r.peerings, r, &ids, &filters, Kind::VpcPeeringConnection)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("vpcPeeringConnectionSet", items, |x, pcx| {
            peering_xml(x, r, pcx, None)
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}
