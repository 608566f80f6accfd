//! Route tables: main table, local routes, explicit associations and routes to
//! internet gateways, egress-only gateways, NAT gateways, ENIs, VPC endpoints
//! and prefix lists. A route whose target is gone shows as `blackhole`.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::{bool_str, Filterable};
use crate::ids;
use crate::net::{Ipv4Cidr, Ipv6Cidr};
use crate::world::Region;

/// The target fields CreateRoute/ReplaceRoute accept.
#[derive(Debug, Default, Clone)]
pub struct RouteTargetArgs {
    pub gateway_id: Option<String>,
    pub egress_only_internet_gateway_id: Option<String>,
    pub nat_gateway_id: Option<String>,
    pub network_interface_id: Option<String>,
    pub vpc_endpoint_id: Option<String>,
    pub vpc_peering_connection_id: Option<String>,
    /// Targets tasknet does not model (transit gateway, instance, ...).
    pub unsupported: Option<(String, String)>,
}

#[derive(Debug, Default, Clone)]
pub struct RouteDestArgs {
    pub cidr: Option<String>,
    pub ipv6_cidr: Option<String>,
    pub prefix_list_id: Option<String>,
}

impl RouteDest {
    pub fn describe(&self) -> String {
        match self {
            RouteDest::V4(c) => c.to_string(),
            RouteDest::V6(c) => c.to_string(),
            RouteDest::PrefixList(p) => p.clone(),
        }
    }
}

impl Region {
    pub fn route_table(&self, id: &str) -> Result<&RouteTable> {
        self.route_tables
            .get(id)
            .ok_or_else(|| err::not_found(Kind::RouteTable, id))
    }

    pub fn create_route_table(&mut self, vpc_id: &str, tags: Vec<Tag>) -> Result<String> {
        let vpc = self.vpc(vpc_id)?.clone();
        let id = ids::resource_id(&mut self.rng, "rtb");
        let mut routes: Vec<Route> = vpc
            .cidr_blocks
            .iter()
            .map(|b| Route {
                dest: RouteDest::V4(b.cidr),
                target: RouteTarget::Local,
                origin: "CreateRouteTable".into(),
            })
            .collect();
        routes.extend(vpc.ipv6_blocks.iter().map(|b| Route {
            dest: RouteDest::V6(b.cidr),
            target: RouteTarget::Local,
            origin: "CreateRouteTable".into(),
        }));
        self.route_tables.insert(RouteTable {
            id: id.clone(),
            region: self.info.name.to_string(),
            vpc_id: vpc_id.to_string(),
            routes,
            associations: Vec::new(),
            tags,
        });
        Ok(id)
    }

    pub fn delete_route_table(&mut self, id: &str) -> Result<()> {
        let rt = self.route_table(id)?;
        let used_by_endpoint = self
            .vpc_endpoints
            .iter()
            .any(|e| e.route_table_ids.iter().any(|r| r == id));
        if !rt.associations.is_empty() || used_by_endpoint {
            return Err(err::dependency(format!(
                "The routeTable '{id}' has dependencies and cannot be deleted."
            )));
        }
        self.route_tables.remove(id);
        Ok(())
    }

    fn parse_dest(&self, d: &RouteDestArgs) -> Result<RouteDest> {
        let given = [
            d.cidr.is_some(),
            d.ipv6_cidr.is_some(),
            d.prefix_list_id.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if given == 0 {
            return Err(err::missing(
                "destinationCidrBlock or destinationIpv6CidrBlock",
            ));
        }
        if given > 1 {
            return Err(err::combination(
                "Only one of destinationCidrBlock, destinationIpv6CidrBlock or destinationPrefixListId may be specified.",
            ));
        }
        if let Some(s) = &d.cidr {
            let c: Ipv4Cidr = s
                .parse()
                .map_err(|_| err::invalid_cidr("destinationCidrBlock", s))?;
            return Ok(RouteDest::V4(c));
        }
        if let Some(s) = &d.ipv6_cidr {
            let c: Ipv6Cidr = s
                .parse()
                .map_err(|_| err::invalid_cidr("destinationIpv6CidrBlock", s))?;
            return Ok(RouteDest::V6(c));
        }
        let pl = d.prefix_list_id.clone().unwrap_or_default();
        err::check_id(Kind::PrefixList, &pl)?;
        if !self.prefix_list_exists(&pl) {
            return Err(err::not_found(Kind::PrefixList, &pl));
        }
        Ok(RouteDest::PrefixList(pl))
    }

    fn parse_target(
        &self,
        rt: &RouteTable,
        t: &RouteTargetArgs,
        dest: &RouteDest,
    ) -> Result<RouteTarget> {
        if let Some((param, _)) = &t.unsupported {
            return Err(err::invalid_param(format!(
                "tasknet does not emulate the route target {param}; supported targets are internet gateways, egress-only internet gateways, NAT gateways, network interfaces, VPC endpoints and VPC peering connections."
            )));
        }
        let given = [
            t.gateway_id.is_some(),
            t.egress_only_internet_gateway_id.is_some(),
            t.nat_gateway_id.is_some(),
            t.network_interface_id.is_some(),
            t.vpc_endpoint_id.is_some(),
            t.vpc_peering_connection_id.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if given != 1 {
            return Err(err::combination(
                "The request must contain exactly one of gatewayId, egressOnlyInternetGatewayId, natGatewayId, networkInterfaceId, vpcEndpointId or vpcPeeringConnectionId",
            ));
        }
        let gw_not_found = |id: &str| {
            ApiError::new(
                "InvalidGatewayID.NotFound",
                format!("The gateway ID '{id}' does not exist"),
            )
        };
        let different = |what: &str, id: &str| {
            err::invalid_value(format!(
                "route table {} and {what} {id} belong to different networks",
                rt.id
            ))
        };
        if let Some(g) = &t.gateway_id {
            if g.starts_with("vpce-") {
                return Err(err::invalid_param(format!(
                    "Route table {} cannot target gateway endpoint {g} directly; gateway endpoint routes are managed by the endpoint (ModifyVpcEndpoint)",
                    rt.id
                )));
            }
            let igw = self
                .internet_gateways
                .get(g)
                .ok_or_else(|| gw_not_found(g))?;
            if igw.vpc_id.as_deref() != Some(rt.vpc_id.as_str()) {
                return Err(different("network gateway", g));
            }
            return Ok(RouteTarget::InternetGateway(g.clone()));
        }
        if let Some(g) = &t.egress_only_internet_gateway_id {
            err::check_id(Kind::EgressOnlyInternetGateway, g)?;
            let e = self
                .egress_only_gateways
                .get(g)
                .ok_or_else(|| gw_not_found(g))?;
            if e.vpc_id != rt.vpc_id {
                return Err(different("network gateway", g));
            }
            if !matches!(dest, RouteDest::V6(_)) {
                return Err(err::invalid_param(
                    "Egress-only internet gateways can only be used as a target for IPv6 destinations.".to_string(),
                ));
            }
            return Ok(RouteTarget::EgressOnlyInternetGateway(g.clone()));
        }
        if let Some(n) = &t.nat_gateway_id {
            err::check_id(Kind::NatGateway, n)?;
            let nat = self
                .nat_gateways
                .get(n)
                .filter(|x| x.state != "deleted")
                .ok_or_else(|| gw_not_found(n))?;
            if nat.vpc_id != rt.vpc_id {
                return Err(different("NAT gateway", n));
            }
            return Ok(RouteTarget::NatGateway(n.clone()));
        }
        if let Some(p) = &t.vpc_peering_connection_id {
            err::check_id(Kind::VpcPeeringConnection, p)?;
            let pcx = self
                .peerings
                .get(p)
                .filter(|x| x.is_live())
                .ok_or_else(|| err::not_found(Kind::VpcPeeringConnection, p))?;
            if pcx.peer_of(&rt.vpc_id).is_none() {
                return Err(different("VPC peering connection", p));
            }
            return Ok(RouteTarget::VpcPeeringConnection(p.clone()));
        }
        if let Some(e) = &t.network_interface_id {
            err::check_id(Kind::NetworkInterface, e)?;
            let eni = self.eni(e)?;
            if eni.vpc_id != rt.vpc_id {
                return Err(different("network interface", e));
            }
            return Ok(RouteTarget::NetworkInterface(e.clone()));
        }
        let v = t.vpc_endpoint_id.clone().unwrap_or_default();
        err::check_id(Kind::VpcEndpoint, &v)?;
        let ep = self.vpc_endpoint(&v)?;
        if ep.endpoint_type != "GatewayLoadBalancer" {
            return Err(err::invalid_param(format!(
                "Route target {v} is not a Gateway Load Balancer endpoint."
            )));
        }
        Ok(RouteTarget::VpcEndpoint(v))
    }

    pub fn create_route(
        &mut self,
        rt_id: &str,
        d: &RouteDestArgs,
        t: &RouteTargetArgs,
    ) -> Result<()> {
        let rt = self.route_table(rt_id)?.clone();
        let dest = self.parse_dest(d)?;
        let target = self.parse_target(&rt, t, &dest)?;
        if rt.routes.iter().any(|r| r.dest == dest) {
            return Err(ApiError::new(
                "RouteAlreadyExists",
                format!(
                    "The route identified by {} already exists.",
                    dest.describe()
                ),
            ));
        }
        if let Some(r) = self.route_tables.get_mut(rt_id) {
            r.routes.push(Route {
                dest,
                target,
                origin: "CreateRoute".into(),
            });
        }
        Ok(())
    }

    pub fn replace_route(
        &mut self,
        rt_id: &str,
        d: &RouteDestArgs,
        t: &RouteTargetArgs,
    ) -> Result<()> {
        let rt = self.route_table(rt_id)?.clone();
        let dest = self.parse_dest(d)?;
        let Some(pos) = rt.routes.iter().position(|r| r.dest == dest) else {
            return Err(err::invalid_value(format!(
                "There is no route defined for '{}' in the route table. Use CreateRoute instead.",
                dest.describe()
            )));
        };
        self.check_route_mutable(&rt, &rt.routes[pos])?;
        let target = self.parse_target(&rt, t, &dest)?;
        if let Some(r) = self.route_tables.get_mut(rt_id) {
            r.routes[pos].target = target;
            r.routes[pos].origin = "CreateRoute".into();
        }
        Ok(())
    }

    pub fn delete_route(&mut self, rt_id: &str, d: &RouteDestArgs) -> Result<()> {
        let rt = self.route_table(rt_id)?.clone();
        let dest = self.parse_dest(d)?;
        let Some(pos) = rt.routes.iter().position(|r| r.dest == dest) else {
            let what = match &dest {
                RouteDest::V4(_) => "destination-cidr-block",
                RouteDest::V6(_) => "destination-ipv6-cidr-block",
                RouteDest::PrefixList(_) => "destination-prefix-list-id",
            };
            return Err(ApiError::new(
                "InvalidRoute.NotFound",
                format!(
                    "no route with {what} {} in route table {rt_id}",
                    dest.describe()
                ),
            ));
        };
        self.check_route_mutable(&rt, &rt.routes[pos])?;
        if let Some(r) = self.route_tables.get_mut(rt_id) {
            r.routes.remove(pos);
        }
        Ok(())
    }

    fn check_route_mutable(&self, rt: &RouteTable, r: &Route) -> Result<()> {
        match &r.target {
            RouteTarget::Local => Err(err::invalid_value(format!(
                "cannot remove local route {} in route table {}",
                r.dest.describe(),
                rt.id
            ))),
            RouteTarget::VpcEndpoint(v) if self.vpc_endpoints.get(v).is_some_and(|e| e.endpoint_type == "Gateway") => {
                Err(err::invalid_param(format!(
                    "Route {} in route table {} is managed by VPC endpoint {v}; modify the endpoint instead.",
                    r.dest.describe(),
                    rt.id
                )))
            }
            _ => Ok(()),
        }
    }

    /// `active` or `blackhole` (target deleted, detached or failed).
    pub fn route_state(&self, rt: &RouteTable, r: &Route) -> &'static str {
        let ok = match &r.target {
            RouteTarget::Local => true,
            RouteTarget::InternetGateway(g) => self
                .internet_gateways
                .get(g)
                .is_some_and(|x| x.vpc_id.as_deref() == Some(rt.vpc_id.as_str())),
            RouteTarget::EgressOnlyInternetGateway(g) => self.egress_only_gateways.contains(g),
            RouteTarget::NatGateway(n) => self
                .nat_gateways
                .get(n)
                .is_some_and(|x| x.state == "available"),
            RouteTarget::NetworkInterface(e) => self.enis.contains(e),
            RouteTarget::VpcEndpoint(v) => self.vpc_endpoints.contains(v),
            RouteTarget::VpcPeeringConnection(p) => {
                self.peerings.get(p).is_some_and(|x| x.is_active())
            }
        };
        if ok {
            "active"
        } else {
            "blackhole"
        }
    }

    /// AssociateRouteTable with a subnet or a gateway. Returns the association id.
    pub fn associate_route_table(
        &mut self,
        rt_id: &str,
        subnet_id: Option<&str>,
        gateway_id: Option<&str>,
    ) -> Result<String> {
        let rt = self.route_table(rt_id)?.clone();
        let assoc_id = ids::resource_id(&mut self.rng, "rtbassoc");
        match (subnet_id, gateway_id) {
            (Some(s), None) => {
                let sub = self.subnet(s)?;
                if sub.vpc_id != rt.vpc_id {
                    return Err(err::invalid_value(format!(
                        "Route table {rt_id} and subnet {s} belong to different networks"
                    )));
                }
                let existing = self.route_tables.iter().any(|t| {
                    t.associations
                        .iter()
                        .any(|a| a.subnet_id.as_deref() == Some(s))
                });
                if existing {
                    return Err(ApiError::new(
                        "Resource.AlreadyAssociated",
                        format!("the specified association for route table {rt_id} conflicts with an existing association"),
                    ));
                }
                if let Some(t) = self.route_tables.get_mut(rt_id) {
                    t.associations.push(RouteTableAssoc {
                        id: assoc_id.clone(),
                        main: false,
                        subnet_id: Some(s.into()),
                        gateway_id: None,
                    });
                }
            }
            (None, Some(g)) => {
                let attached = self.internet_gateways.get(g).map(|x| x.vpc_id.clone());
                match attached {
                    None => return Err(err::not_found(Kind::InternetGateway, g)),
                    Some(v) if v.as_deref() != Some(rt.vpc_id.as_str()) => {
                        return Err(err::invalid_value(format!(
                            "route table {rt_id} and network gateway {g} belong to different networks"
                        )))
                    }
                    _ => {}
                }
                let existing = self.route_tables.iter().any(|t| {
                    t.associations
                        .iter()
                        .any(|a| a.gateway_id.as_deref() == Some(g))
                });
                if existing {
                    return Err(ApiError::new(
                        "Resource.AlreadyAssociated",
                        format!("the specified association for route table {rt_id} conflicts with an existing association"),
                    ));
                }
                if let Some(t) = self.route_tables.get_mut(rt_id) {
                    t.associations.push(RouteTableAssoc {
                        id: assoc_id.clone(),
                        main: false,
                        subnet_id: None,
                        gateway_id: Some(g.into()),
                    });
                }
            }
            (None, None) => return Err(err::missing("subnetId or gatewayId")),
            (Some(_), Some(_)) => {
                return Err(err::combination(
                    "The parameter subnetId cannot be used with the parameter gatewayId",
                ))
            }
        }
        Ok(assoc_id)
    }

    fn find_rt_assoc(&self, assoc_id: &str) -> Result<(String, RouteTableAssoc)> {
        self.route_tables
            .iter()
            .find_map(|t| {
                t.associations
                    .iter()
                    .find(|a| a.id == assoc_id)
                    .map(|a| (t.id.clone(), a.clone()))
            })
            .ok_or_else(|| err::not_found(Kind::RouteTableAssociation, assoc_id))
    }

    pub fn disassociate_route_table(&mut self, assoc_id: &str) -> Result<()> {
        let (rt_id, a) = self.find_rt_assoc(assoc_id)?;
        if a.main {
            return Err(err::invalid_value(format!(
                "cannot disassociate the main route table association {assoc_id}"
            )));
        }
        if let Some(t) = self.route_tables.get_mut(&rt_id) {
            t.associations.retain(|x| x.id != assoc_id);
        }
        Ok(())
    }

    /// ReplaceRouteTableAssociation. Replacing the main association makes the
    /// new table the VPC's main route table. Returns the new association id.
    pub fn replace_route_table_association(
        &mut self,
        assoc_id: &str,
        rt_id: &str,
    ) -> Result<String> {
        let (old_rt, a) = self.find_rt_assoc(assoc_id)?;
        let new_rt = self.route_table(rt_id)?.clone();
        let old_vpc = self.route_table(&old_rt)?.vpc_id.clone();
        if new_rt.vpc_id != old_vpc {
            return Err(err::invalid_value(format!(
                "Route table {rt_id} belongs to a different network than association {assoc_id}"
            )));
        }
        let new_id = ids::resource_id(&mut self.rng, "rtbassoc");
        if let Some(t) = self.route_tables.get_mut(&old_rt) {
            t.associations.retain(|x| x.id != assoc_id);
        }
        if let Some(t) = self.route_tables.get_mut(rt_id) {
            t.associations.push(RouteTableAssoc {
                id: new_id.clone(),
                ..a.clone()
            });
        }
        if a.main {
            if let Some(v) = self.vpcs.get_mut(&old_vpc) {
                v.main_route_table_id = rt_id.to_string();
            }
        }
        Ok(new_id)
    }
}

impl Filterable for RouteTable {
    const FILTERS: &'static [&'static str] = &[
        "association.route-table-association-id",
        "association.route-table-id",
        "association.subnet-id",
        "association.gateway-id",
        "association.main",
        "owner-id",
        "route-table-id",
        "route.destination-cidr-block",
        "route.destination-ipv6-cidr-block",
        "route.destination-prefix-list-id",
        "route.egress-only-internet-gateway-id",
        "route.gateway-id",
        "route.nat-gateway-id",
        "route.network-interface-id",
        "route.origin",
        "route.state",
        "route.vpc-peering-connection-id",
        "route.transit-gateway-id",
        "vpc-id",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("association.route-table-id", Kind::RouteTable),
        ("association.subnet-id", Kind::Subnet),
        ("route-table-id", Kind::RouteTable),
        ("route.destination-prefix-list-id", Kind::PrefixList),
        (
            "route.egress-only-internet-gateway-id",
            Kind::EgressOnlyInternetGateway,
        ),
        ("route.nat-gateway-id", Kind::NatGateway),
        ("route.network-interface-id", Kind::NetworkInterface),
        (
            "route.vpc-peering-connection-id",
            Kind::VpcPeeringConnection,
        ),
        ("vpc-id", Kind::Vpc),
    ];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        let routes = self.routes.iter();
        match name {
            "association.route-table-association-id" => {
                out.extend(self.associations.iter().map(|a| a.id.clone()))
            }
            "association.route-table-id" => {
                out.extend(self.associations.iter().map(|_| self.id.clone()))
            }
            "association.subnet-id" => {
                out.extend(self.associations.iter().filter_map(|a| a.subnet_id.clone()))
            }
            "association.gateway-id" => out.extend(
                self.associations
                    .iter()
                    .filter_map(|a| a.gateway_id.clone()),
            ),
            "association.main" => {
                out.push(bool_str(self.is_main()));
            }
            "owner-id" => out.push(cx.account_id.clone()),
            "route-table-id" => out.push(self.id.clone()),
            "route.destination-cidr-block" => out.extend(routes.filter_map(|r| match &r.dest {
                RouteDest::V4(c) => Some(c.to_string()),
                _ => None,
            })),
            "route.destination-ipv6-cidr-block" => {
                out.extend(routes.filter_map(|r| match &r.dest {
                    RouteDest::V6(c) => Some(c.to_string()),
                    _ => None,
                }))
            }
            "route.destination-prefix-list-id" => {
                out.extend(routes.filter_map(|r| match &r.dest {
                    RouteDest::PrefixList(p) => Some(p.clone()),
                    _ => None,
                }))
            }
            "route.egress-only-internet-gateway-id" => {
                out.extend(routes.filter_map(|r| match &r.target {
                    RouteTarget::EgressOnlyInternetGateway(g) => Some(g.clone()),
                    _ => None,
                }))
            }
            "route.gateway-id" => out.extend(routes.filter_map(|r| match &r.target {
                RouteTarget::InternetGateway(g) | RouteTarget::VpcEndpoint(g) => Some(g.clone()),
                RouteTarget::Local => Some("local".into()),
                _ => None,
            })),
            "route.nat-gateway-id" => out.extend(routes.filter_map(|r| match &r.target {
                RouteTarget::NatGateway(g) => Some(g.clone()),
                _ => None,
            })),
            "route.network-interface-id" => out.extend(routes.filter_map(|r| match &r.target {
                RouteTarget::NetworkInterface(g) => Some(g.clone()),
                _ => None,
            })),
            "route.vpc-peering-connection-id" => {
                out.extend(routes.filter_map(|r| match &r.target {
                    RouteTarget::VpcPeeringConnection(p) => Some(p.clone()),
                    _ => None,
                }))
            }
            "route.origin" => out.extend(routes.map(|r| r.origin.clone())),
            "route.state" => out.extend(routes.map(|r| cx.route_state(self, r).to_string())),
            "vpc-id" => out.push(self.vpc_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Format 2 only added a route target: rows written as format 1 load.
    #[test]
    fn route_tables_of_format_1_still_load() {
        let rt = RouteTable {
            id: "rtb-0123456789abcdef0".into(),
            region: "us-east-1".into(),
            vpc_id: "vpc-0123456789abcdef0".into(),
            routes: vec![Route {
                dest: RouteDest::V4("10.0.0.0/16".parse().unwrap()),
                target: RouteTarget::Local,
                origin: "CreateRouteTable".into(),
            }],
            associations: Vec::new(),
            tags: Vec::new(),
        };
        let mut v1 = vec![1u8];
        v1.extend(crate::codec::encode(&rt));
        let back: RouteTable = crate::codec::decode_versioned(&v1).unwrap();
        assert_eq!((back.id.as_str(), back.routes.len()), (rt.id.as_str(), 1));
        assert_eq!(crate::codec::encode_versioned(&rt)[0], 2);
    }
}
