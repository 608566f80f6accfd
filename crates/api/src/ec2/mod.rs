//! The EC2 query protocol: action dispatch, shared helpers (Region access,
//! DryRun, pagination), and one module per resource family.

mod actions;
mod endpoints;
mod enis;
mod gateways;
mod peering;
mod prefix_lists;
mod routes;
mod security;
mod tags;
mod vpcs;

use crate::envelope::{ec2_error, ec2_ok};
use crate::params::Params;
use crate::{Call, Response};
use model::ec2::err::{self, Kind};
use model::{ApiError, Millis, Region};

pub type Result<T = String> = std::result::Result<T, ApiError>;

pub async fn handle(call: &Call<'_>, action: &str, p: &Params) -> Response {
    let rid = call.request_id.clone();
    if let Some(name) = p.malformed_name() {
        let e = ApiError::new(
            "UnknownParameter",
            format!("The parameter {name} is not recognized"),
        );
        return ec2_error(&e, rid);
    }
    let result = match p.flag("DryRun") {
        Err(e) => Err(e),
        Ok(true) if implemented(action) => Err(ApiError::new(
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        )
        .with_status(412)),
        Ok(_) => run(call, action, p).await,
    };
    match result {
        Ok(inner) => ec2_ok(action, &inner, rid),
        Err(e) => ec2_error(&e, rid),
    }
}

macro_rules! actions {
    ($($name:literal => $f:path),* $(,)?) => {
        fn implemented(action: &str) -> bool {
            matches!(action, $($name)|*)
        }
        async fn run(call: &Call<'_>, action: &str, p: &Params) -> Result {
            match action {
                $($name => $f(call, p).await,)*
                _ if actions::exists(action) => Err(ApiError::new(
                    "UnsupportedOperation",
                    format!("tasknet does not implement the EC2 action {action}; it emulates VPC networking for ECS on Fargate."),
                )),
                _ => Err(ApiError::new(
                    "InvalidAction",
                    format!("The action {action} is not valid for this web service."),
                )),
            }
        }
    };
}

actions! {
    "DescribeRegions" => vpcs::describe_regions,
    "DescribeAvailabilityZones" => vpcs::describe_availability_zones,
    "DescribeAccountAttributes" => vpcs::describe_account_attributes,
    "CreateVpc" => vpcs::create_vpc,
    "DescribeVpcs" => vpcs::describe_vpcs,
    "DeleteVpc" => vpcs::delete_vpc,
    "ModifyVpcAttribute" => vpcs::modify_vpc_attribute,
    "DescribeVpcAttribute" => vpcs::describe_vpc_attribute,
    "AssociateVpcCidrBlock" => vpcs::associate_vpc_cidr_block,
    "DisassociateVpcCidrBlock" => vpcs::disassociate_vpc_cidr_block,
    "CreateDefaultVpc" => vpcs::create_default_vpc,
    "CreateSubnet" => vpcs::create_subnet,
    "DescribeSubnets" => vpcs::describe_subnets,
    "DeleteSubnet" => vpcs::delete_subnet,
    "ModifySubnetAttribute" => vpcs::modify_subnet_attribute,
    "AssociateSubnetCidrBlock" => vpcs::associate_subnet_cidr_block,
    "DisassociateSubnetCidrBlock" => vpcs::disassociate_subnet_cidr_block,
    "CreateInternetGateway" => gateways::create_internet_gateway,
    "DescribeInternetGateways" => gateways::describe_internet_gateways,
    "DeleteInternetGateway" => gateways::delete_internet_gateway,
    "AttachInternetGateway" => gateways::attach_internet_gateway,
    "DetachInternetGateway" => gateways::detach_internet_gateway,
    "CreateEgressOnlyInternetGateway" => gateways::create_egress_only_internet_gateway,
    "DescribeEgressOnlyInternetGateways" => gateways::describe_egress_only_internet_gateways,
    "DeleteEgressOnlyInternetGateway" => gateways::delete_egress_only_internet_gateway,
    "AllocateAddress" => gateways::allocate_address,
    "DescribeAddresses" => gateways::describe_addresses,
    "ReleaseAddress" => gateways::release_address,
    "AssociateAddress" => gateways::associate_address,
    "DisassociateAddress" => gateways::disassociate_address,
    "CreateNatGateway" => gateways::create_nat_gateway,
    "DescribeNatGateways" => gateways::describe_nat_gateways,
    "DeleteNatGateway" => gateways::delete_nat_gateway,
    "CreateRouteTable" => routes::create_route_table,
    "DescribeRouteTables" => routes::describe_route_tables,
    "DeleteRouteTable" => routes::delete_route_table,
    "CreateRoute" => routes::create_route,
    "ReplaceRoute" => routes::replace_route,
    "DeleteRoute" => routes::delete_route,
    "AssociateRouteTable" => routes::associate_route_table,
    "DisassociateRouteTable" => routes::disassociate_route_table,
    "ReplaceRouteTableAssociation" => routes::replace_route_table_association,
    "CreateSecurityGroup" => security::create_security_group,
    "DescribeSecurityGroups" => security::describe_security_groups,
    "DeleteSecurityGroup" => security::delete_security_group,
    "AuthorizeSecurityGroupIngress" => security::authorize_ingress,
    "AuthorizeSecurityGroupEgress" => security::authorize_egress,
    "RevokeSecurityGroupIngress" => security::revoke_ingress,
    "RevokeSecurityGroupEgress" => security::revoke_egress,
    "DescribeSecurityGroupRules" => security::describe_security_group_rules,
    "CreateNetworkAcl" => security::create_network_acl,
    "DescribeNetworkAcls" => security::describe_network_acls,
    "DeleteNetworkAcl" => security::delete_network_acl,
    "CreateNetworkAclEntry" => security::create_network_acl_entry,
    "ReplaceNetworkAclEntry" => security::replace_network_acl_entry,
    "DeleteNetworkAclEntry" => security::delete_network_acl_entry,
    "ReplaceNetworkAclAssociation" => security::replace_network_acl_association,
    "CreateDhcpOptions" => endpoints::create_dhcp_options,
    "DescribeDhcpOptions" => endpoints::describe_dhcp_options,
    "DeleteDhcpOptions" => endpoints::delete_dhcp_options,
    "AssociateDhcpOptions" => endpoints::associate_dhcp_options,
    "CreateVpcEndpoint" => endpoints::create_vpc_endpoint,
    "DescribeVpcEndpoints" => endpoints::describe_vpc_endpoints,
    "ModifyVpcEndpoint" => endpoints::modify_vpc_endpoint,
    "DeleteVpcEndpoints" => endpoints::delete_vpc_endpoints,
    "DescribeVpcEndpointServices" => endpoints::describe_vpc_endpoint_services,
    "DescribePrefixLists" => prefix_lists::describe_prefix_lists,
    "DescribeManagedPrefixLists" => prefix_lists::describe_managed_prefix_lists,
    "GetManagedPrefixListEntries" => prefix_lists::get_managed_prefix_list_entries,
    "CreateManagedPrefixList" => prefix_lists::create_managed_prefix_list,
    "ModifyManagedPrefixList" => prefix_lists::modify_managed_prefix_list,
    "DeleteManagedPrefixList" => prefix_lists::delete_managed_prefix_list,
    "RestoreManagedPrefixListVersion" => prefix_lists::restore_managed_prefix_list_version,
    "GetManagedPrefixListAssociations" => prefix_lists::get_managed_prefix_list_associations,
    "CreateVpcPeeringConnection" => peering::create_vpc_peering_connection,
    "AcceptVpcPeeringConnection" => peering::accept_vpc_peering_connection,
    "RejectVpcPeeringConnection" => peering::reject_vpc_peering_connection,
    "DeleteVpcPeeringConnection" => peering::delete_vpc_peering_connection,
    "DescribeVpcPeeringConnections" => peering::describe_vpc_peering_connections,
    "ModifySecurityGroupRules" => security::modify_security_group_rules,
    "UpdateSecurityGroupRuleDescriptionsIngress" => security::update_descriptions_ingress,
    "UpdateSecurityGroupRuleDescriptionsEgress" => security::update_descriptions_egress,
    "CreateDefaultSubnet" => vpcs::create_default_subnet,
    "CreateSubnetCidrReservation" => vpcs::create_subnet_cidr_reservation,
    "DeleteSubnetCidrReservation" => vpcs::delete_subnet_cidr_reservation,
    "GetSubnetCidrReservations" => vpcs::get_subnet_cidr_reservations,
    "ModifyVpcTenancy" => vpcs::modify_vpc_tenancy,
    "CreateNetworkInterface" => enis::create_network_interface,
    "DescribeNetworkInterfaces" => enis::describe_network_interfaces,
    "DeleteNetworkInterface" => enis::delete_network_interface,
    "AttachNetworkInterface" => enis::attach_network_interface,
    "DetachNetworkInterface" => enis::detach_network_interface,
    "ModifyNetworkInterfaceAttribute" => enis::modify_network_interface_attribute,
    "DescribeNetworkInterfaceAttribute" => enis::describe_network_interface_attribute,
    "AssignPrivateIpAddresses" => enis::assign_private_ip_addresses,
    "UnassignPrivateIpAddresses" => enis::unassign_private_ip_addresses,
    "AssignIpv6Addresses" => enis::assign_ipv6_addresses,
    "UnassignIpv6Addresses" => enis::unassign_ipv6_addresses,
    "CreateTags" => tags::create_tags,
    "DeleteTags" => tags::delete_tags,
    "DescribeTags" => tags::describe_tags,
}

/// A required id parameter, refused as `…Malformed` when it cannot be an id
/// of `kind`.
pub(crate) fn id_req(p: &Params, key: &str, kind: Kind) -> Result<String> {
    let v = p.req(key)?.to_string();
    err::check_id(kind, &v)?;
    Ok(v)
}

/// An optional id parameter (empty counts as absent).
pub(crate) fn id_opt(p: &Params, key: &str, kind: Kind) -> Result<Option<String>> {
    match p.string(key).filter(|s| !s.is_empty()) {
        Some(v) => {
            err::check_id(kind, &v)?;
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

/// A list of ids (`prefix.N`), each checked for shape.
pub(crate) fn id_list(p: &Params, prefix: &str, kind: Kind) -> Result<Vec<String>> {
    let ids = p.list(prefix);
    for id in &ids {
        err::check_id(kind, id)?;
    }
    Ok(ids)
}

/// A request's `ClientToken` with a fingerprint of every other parameter:
/// a retry with the same token and parameters gets the first request's
/// resource, other parameters `IdempotentParameterMismatch`.
pub(crate) struct Idempotency {
    action: &'static str,
    token: String,
    fingerprint: String,
}

impl Idempotency {
    pub fn of(p: &Params, action: &'static str) -> Option<Idempotency> {
        let token = p.string("ClientToken").filter(|t| !t.is_empty())?;
        // FNV-1a over the parameters in name order.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (k, v) in p.iter() {
            if matches!(k, "ClientToken" | "DryRun" | "Action" | "Version") {
                continue;
            }
            for b in k.bytes().chain([0]).chain(v.bytes()).chain([0]) {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Some(Idempotency {
            action,
            token,
            fingerprint: format!("{h:016x}"),
        })
    }

    /// The resource of an earlier request with this token, or `create`'s
    /// (remembered under the token).
    pub fn run(
        this: &Option<Idempotency>,
        r: &mut Region,
        now: Millis,
        exists: impl Fn(&Region, &str) -> bool,
        create: impl FnOnce(&mut Region) -> Result<String>,
    ) -> Result<String> {
        let Some(t) = this else {
            return create(r);
        };
        if let Some(id) = r.replay_token(t.action, &t.token, &t.fingerprint, exists)? {
            return Ok(id);
        }
        let id = create(r)?;
        r.remember_token(t.action, &t.token, &t.fingerprint, &id, now);
        Ok(id)
    }
}

/// Run `f` on the request's Region under the shared lock.
pub(crate) async fn read<R: Send>(
    call: &Call<'_>,
    f: impl FnOnce(&Region) -> Result<R>,
) -> Result<R> {
    let region = call.region.clone();
    call.read(move |w| f(w.region(&region)?)).await?
}

/// Run `f` on the request's Region as one committed transaction.
pub(crate) async fn write<R>(
    call: &Call<'_>,
    f: impl FnOnce(&mut Region, Millis) -> Result<R>,
) -> Result<R> {
    let region = call.region.clone();
    call.write(move |w, now| f(w.region_mut(&region)?, now))
        .await
}

/// `MaxResults` / `NextToken` for a Describe call.
pub(crate) struct Page {
    max: Option<usize>,
    after: Option<u64>,
}

impl Page {
    /// `ids_param` names the id list that cannot be combined with MaxResults.
    pub fn from(p: &Params, ids_given: bool, ids_param: &str, min: i64, max: i64) -> Result<Page> {
        let m = p.int("MaxResults")?;
        if let Some(v) = m {
            if ids_given {
                return Err(model::ec2::err::combination(format!(
                    "The parameter {ids_param} cannot be used with the parameter maxResults"
                )));
            }
            if v < min {
                return Err(model::ec2::err::invalid_value(format!(
                    "Value ( {v} ) for parameter maxResults is invalid. Expecting a value greater than {min}."
                )));
            }
            if v > max {
                return Err(model::ec2::err::invalid_value(format!(
                    "Value ( {v} ) for parameter maxResults is invalid. Expecting a value smaller than or equal to {max}."
                )));
            }
        }
        let after = match p.get("NextToken") {
            None => None,
            Some(t) => Some(decode_token(t).ok_or_else(|| {
                model::ec2::err::invalid_value(format!(
                    "Value ( {t} ) for parameter NextToken is invalid. The token is invalid."
                ))
            })?),
        };
        Ok(Page {
            max: m.map(|v| v as usize),
            after,
        })
    }

    /// Cut one page out of `(seq, item)` pairs in sequence order.
    pub fn apply<T>(&self, items: Vec<(u64, T)>) -> (Vec<T>, Option<String>) {
        let mut it = items
            .into_iter()
            .filter(|(s, _)| self.after.is_none_or(|a| *s > a))
            .peekable();
        let mut out = Vec::new();
        while let Some((s, t)) = it.next() {
            out.push(t);
            if self.max.is_some_and(|m| out.len() >= m) {
                return (out, it.peek().map(|_| encode_token(s)));
            }
        }
        (out, None)
    }
}

fn encode_token(seq: u64) -> String {
    format!("tn{:016x}", seq ^ 0x5a5a_5a5a_5a5a_5a5a)
}

fn decode_token(t: &str) -> Option<u64> {
    let h = t.strip_prefix("tn")?;
    (h.len() == 16).then_some(())?;
    u64::from_str_radix(h, 16)
        .ok()
        .map(|v| v ^ 0x5a5a_5a5a_5a5a_5a5a)
}

/// `<return>true</return>`, the body of most mutating calls.
pub(crate) fn ok_return() -> String {
    "<return>true</return>".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_resume_after_token() {
        let p = Params::parse(b"MaxResults=5");
        let page = Page::from(&p, false, "vpcIds", 5, 1000).unwrap();
        let items: Vec<(u64, u64)> = (1..=12).map(|i| (i, i)).collect();
        let (a, t) = page.apply(items.clone());
        assert_eq!(a, [1, 2, 3, 4, 5]);
        let q = Params::parse(format!("MaxResults=5&NextToken={}", t.unwrap()).as_bytes());
        let (b, t2) = Page::from(&q, false, "vpcIds", 5, 1000)
            .unwrap()
            .apply(items.clone());
        assert_eq!(b, [6, 7, 8, 9, 10]);
        let q = Params::parse(format!("MaxResults=5&NextToken={}", t2.unwrap()).as_bytes());
        let (c, t3) = Page::from(&q, false, "vpcIds", 5, 1000)
            .unwrap()
            .apply(items);
        assert_eq!(c, [11, 12]);
        assert!(t3.is_none());
        assert!(Page::from(&Params::parse(b"MaxResults=4"), false, "x", 5, 1000).is_err());
        assert!(Page::from(&Params::parse(b"NextToken=bogus"), false, "x", 5, 1000).is_err());
        assert!(Page::from(&Params::parse(b"MaxResults=6"), true, "x", 5, 1000).is_err());
    }
}
