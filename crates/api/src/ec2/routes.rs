//! Route tables, routes and route table associations.

use super::{id_opt, id_req, ok_return, read, write, Idempotency, Page, Result};
use crate::params::Params;
use crate::xml::Xml;
use crate::Call;
use model::ec2::err::Kind;
use model::ec2::route_table::{RouteDestArgs, RouteTargetArgs};
use model::ec2::types::*;
use model::ec2::{self as mec2};
use model::Region;

fn route_xml(x: &mut Xml, r: &Region, rt: &RouteTable, route: &Route) {
    match &route.dest {
        RouteDest::V4(c) => x.el("destinationCidrBlock", c),
        RouteDest::V6(c) => x.el("destinationIpv6CidrBlock", c),
        RouteDest::PrefixList(p) => x.el("destinationPrefixListId", p),
    };
    match &route.target {
        RouteTarget::Local => x.el("gatewayId", "local"),
        RouteTarget::InternetGateway(g) | RouteTarget::VpcEndpoint(g) => x.el("gatewayId", g),
        RouteTarget::EgressOnlyInternetGateway(g) => x.el("egressOnlyInternetGatewayId", g),
        RouteTarget::NatGateway(n) => x.el("natGatewayId", n),
        RouteTarget::NetworkInterface(e) => x.el("networkInterfaceId", e),
        RouteTarget::VpcPeeringConnection(p) => x.el("vpcPeeringConnectionId", p),
    };
    x.el("state", r.route_state(rt, route))
        .el("origin", &route.origin);
}

fn assoc_xml(x: &mut Xml, rt: &RouteTable, a: &RouteTableAssoc) {
    x.b("main", a.main)
        .el("routeTableAssociationId", &a.id)
        .el("routeTableId", &rt.id)
        .opt("subnetId", a.subnet_id.as_deref())
        .opt("gatewayId", a.gateway_id.as_deref());
    associated(x);
}

fn associated(x: &mut Xml) {
    x.wrap("associationState", |x| {
        x.el("state", "associated");
    });
}

pub(crate) fn route_table_xml(x: &mut Xml, r: &Region, rt: &RouteTable) {
    x.el("routeTableId", &rt.id)
        .el("vpcId", &rt.vpc_id)
        .el("ownerId", &r.account_id)
        .list("routeSet", &rt.routes, |x, route| {
            route_xml(x, r, rt, route)
        })
        .list("associationSet", &rt.associations, |x, a| {
            assoc_xml(x, rt, a)
        })
        .list("propagatingVgwSet", Vec::<()>::new(), |_, _| {})
        .tag_set(&rt.tags);
}

fn dest_args(p: &Params) -> RouteDestArgs {
    RouteDestArgs {
        cidr: p.string("DestinationCidrBlock"),
        ipv6_cidr: p.string("DestinationIpv6CidrBlock"),
        prefix_list_id: p.string("DestinationPrefixListId"),
    }
}

/// Route targets tasknet does not model, by wire name (lowerCamel as AWS words them).
const UNSUPPORTED_TARGETS: &[(&str, &str)] = &[
    ("TransitGatewayId", "transitGatewayId"),
    ("InstanceId", "instanceId"),
    ("LocalGatewayId", "localGatewayId"),
    ("CarrierGatewayId", "carrierGatewayId"),
    ("CoreNetworkArn", "coreNetworkArn"),
    ("OdbNetworkArn", "odbNetworkArn"),
    ("LocalTarget", "localTarget"),
];

fn target_args(p: &Params) -> RouteTargetArgs {
    RouteTargetArgs {
        gateway_id: p.string("GatewayId"),
        egress_only_internet_gateway_id: p.string("EgressOnlyInternetGatewayId"),
        nat_gateway_id: p.string("NatGatewayId"),
        network_interface_id: p.string("NetworkInterfaceId"),
        vpc_endpoint_id: p.string("VpcEndpointId"),
        vpc_peering_connection_id: p.string("VpcPeeringConnectionId"),
        unsupported: UNSUPPORTED_TARGETS
            .iter()
            .find_map(|(k, wire)| p.get(k).map(|v| (wire.to_string(), v.to_string()))),
    }
}

pub async fn create_route_table(call: &Call<'_>, p: &Params) -> Result {
    let vpc = id_req(p, "VpcId", Kind::Vpc)?;
    let tags = p.tag_specs("route-table")?;
    let token = p.string("ClientToken");
    let idem = Idempotency::of(p, "CreateRouteTable");
    write(call, move |r, now| {
        let id = Idempotency::run(
            &idem,
            r,
            now,
            |r, id| r.route_tables.contains(id),
            |r| r.create_route_table(&vpc, tags),
        )?;
        let mut x = Xml::new();
        x.wrap("routeTable", |x| {
            route_table_xml(x, r, r.route_table(&id).expect("just created"))
        });
        x.opt("clientToken", token.as_deref());
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_route_tables(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("RouteTableId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "routeTableIds", 5, 100)?;
    read(call, move |r| {
        let items = mec2::describe(&r.route_tables, r, &ids, &filters, Kind::RouteTable)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("routeTableSet", items, |x, rt| route_table_xml(x, r, rt));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_route_table(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "RouteTableId", Kind::RouteTable)?;
    write(call, move |r, _| {
        r.delete_route_table(&id).map(|_| ok_return())
    })
    .await
}

pub async fn create_route(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "RouteTableId", Kind::RouteTable)?;
    let (d, t) = (dest_args(p), target_args(p));
    write(call, move |r, _| {
        r.create_route(&id, &d, &t).map(|_| ok_return())
    })
    .await
}

pub async fn replace_route(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "RouteTableId", Kind::RouteTable)?;
    let (d, t) = (dest_args(p), target_args(p));
    write(call, move |r, _| {
        r.replace_route(&id, &d, &t).map(|_| ok_return())
    })
    .await
}

pub async fn delete_route(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "RouteTableId", Kind::RouteTable)?;
    let d = dest_args(p);
    write(call, move |r, _| {
        r.delete_route(&id, &d).map(|_| ok_return())
    })
    .await
}

pub async fn associate_route_table(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "RouteTableId", Kind::RouteTable)?;
    if p.get("PublicIpv4Pool").is_some() {
        return Err(model::ec2::err::invalid_param(
            "tasknet does not emulate public IPv4 pool route table associations.".to_string(),
        ));
    }
    let subnet = id_opt(p, "SubnetId", Kind::Subnet)?;
    let gateway = p.string("GatewayId").filter(|s| !s.is_empty());
    write(call, move |r, _| {
        let assoc = r.associate_route_table(&id, subnet.as_deref(), gateway.as_deref())?;
        let mut x = Xml::new();
        x.el("associationId", assoc);
        associated(&mut x);
        Ok(x.into_string())
    })
    .await
}

pub async fn disassociate_route_table(call: &Call<'_>, p: &Params) -> Result {
    let assoc = p.req("AssociationId")?.to_string();
    write(call, move |r, _| {
        r.disassociate_route_table(&assoc).map(|_| ok_return())
    })
    .await
}

pub async fn replace_route_table_association(call: &Call<'_>, p: &Params) -> Result {
    let assoc = p.req("AssociationId")?.to_string();
    let id = id_req(p, "RouteTableId", Kind::RouteTable)?;
    write(call, move |r, _| {
        let new_id = r.replace_route_table_association(&assoc, &id)?;
        let mut x = Xml::new();
        x.el("newAssociationId", new_id);
        associated(&mut x);
        Ok(x.into_string())
    })
    .await
}
