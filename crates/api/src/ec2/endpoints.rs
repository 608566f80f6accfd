//! DHCP options sets, VPC endpoints and endpoint services.

use super::{id_list, id_req, ok_return, read, write, Idempotency, Page, Result};
use crate::params::Params;
use crate::xml::Xml;
use crate::Call;
use model::ec2::endpoint::{CreateEndpoint, ModifyEndpoint};
use model::ec2::err::{self, Kind};
use model::ec2::types::*;
use model::ec2::{self as mec2};
use model::filter::{wildcard, Filter};
use model::services::{self, AwsService};
use model::{ApiError, Region};

/// `InvalidParameterValue` for a filter name not in `known`.
pub(crate) fn check_filters(filters: &[Filter], known: &[&str]) -> Result<()> {
    for f in filters {
        if !known.contains(&f.name.as_str()) {
            return Err(err::invalid_value(format!(
                "The filter '{}' is invalid",
                f.name
            )));
        }
    }
    Ok(())
}

/// Every filter needs one value matching one of the item's values.
pub(crate) fn filters_match(filters: &[Filter], get: impl Fn(&str) -> Vec<String>) -> bool {
    filters.iter().all(|f| {
        let vals = get(&f.name);
        f.values.iter().any(|p| vals.iter().any(|v| wildcard(p, v)))
    })
}

/// Number items 1.. for `Page` (their order is stable).
pub(crate) fn numbered<T>(items: impl IntoIterator<Item = T>) -> Vec<(u64, T)> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, t)| (i as u64 + 1, t))
        .collect()
}

// ---------------------------------------------------------------------------
// DHCP options
// ---------------------------------------------------------------------------

fn dhcp_xml(x: &mut Xml, r: &Region, d: &DhcpOptions) {
    x.el("dhcpOptionsId", &d.id)
        .list("dhcpConfigurationSet", &d.configurations, |x, (k, vals)| {
            x.el("key", k).list("valueSet", vals, |x, v| {
                x.el("value", v);
            });
        })
        .el("ownerId", &r.account_id)
        .tag_set(&d.tags);
}

pub async fn create_dhcp_options(call: &Call<'_>, p: &Params) -> Result {
    let configs: Vec<(String, Vec<String>)> = p
        .structs("DhcpConfiguration")
        .into_iter()
        .map(|c| {
            (
                c.get("Key").unwrap_or_default().to_string(),
                c.list("Value"),
            )
        })
        .collect();
    let tags = p.tag_specs("dhcp-options")?;
    write(call, move |r, _| {
        let id = r.create_dhcp_options(configs, tags)?;
        let mut x = Xml::new();
        x.wrap("dhcpOptions", |x| {
            dhcp_xml(x, r, r.dhcp_options.get(&id).expect("just created"))
        });
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_dhcp_options(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("DhcpOptionsId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "dhcpOptionsIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(&r.dhcp_options, r, &ids, &filters, Kind::DhcpOptions)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("dhcpOptionsSet", items, |x, d| dhcp_xml(x, r, d));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_dhcp_options(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "DhcpOptionsId", Kind::DhcpOptions)?;
    write(call, move |r, _| {
        r.delete_dhcp_options(&id).map(|_| ok_return())
    })
    .await
}

pub async fn associate_dhcp_options(call: &Call<'_>, p: &Params) -> Result {
    let id = p.req("DhcpOptionsId")?.to_string();
    if id != "default" {
        err::check_id(Kind::DhcpOptions, &id)?;
    }
    let vpc = id_req(p, "VpcId", Kind::Vpc)?;
    write(call, move |r, _| {
        r.associate_dhcp_options(&id, &vpc).map(|_| ok_return())
    })
    .await
}

// ---------------------------------------------------------------------------
// VPC endpoints
// ---------------------------------------------------------------------------

/// A Route 53-style hosted zone id (`Z` + 13 characters), stable per `seed`.
fn hosted_zone_id(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::from("Z");
    for i in 0..13 {
        let h = services::fnv(&format!("{seed}/{i}"));
        out.push(ALPHABET[(h % ALPHABET.len() as u64) as usize] as char);
    }
    out
}

/// The public hosted zone of the Region's `*.vpce.amazonaws.com` names.
fn vpce_hosted_zone(region: &str) -> String {
    match region {
        "us-east-1" => "Z7HUB22UULQXV".to_string(),
        _ => hosted_zone_id(&format!("vpce/{region}")),
    }
}

fn endpoint_xml(x: &mut Xml, r: &Region, e: &VpcEndpoint) {
    let interface = e.endpoint_type == "Interface";
    x.el("vpcEndpointId", &e.id)
        .el("vpcEndpointType", &e.endpoint_type)
        .el("vpcId", &e.vpc_id)
        .el("serviceName", &e.service_name)
        .el("state", &e.state)
        .opt("policyDocument", e.policy_document.as_ref())
        .str_list("routeTableIdSet", &e.route_table_ids)
        .str_list("subnetIdSet", &e.subnet_ids)
        .list("groupSet", &e.security_group_ids, |x, g| {
            x.el("groupId", g)
                .opt("groupName", r.security_groups.get(g).map(|s| &s.name));
        });
    if interface {
        x.el("ipAddressType", &e.ip_address_type)
            .wrap("dnsOptions", |x| {
                x.el("dnsRecordIpType", &e.dns_record_ip_type);
            });
    }
    let entries = r.endpoint_dns_entries(e);
    let private = services::by_name(r.info.name, &e.service_name)
        .and_then(|s| s.private_dns_name(r.info.name));
    x.b("privateDnsEnabled", e.private_dns_enabled)
        .b("requesterManaged", false)
        .str_list("networkInterfaceIdSet", &e.network_interface_ids)
        .list("dnsEntrySet", entries, |x, name| {
            let zone = if e.private_dns_enabled && private.as_deref() == Some(name.as_str()) {
                hosted_zone_id(&format!("private/{}/{}", e.vpc_id, name))
            } else {
                vpce_hosted_zone(r.info.name)
            };
            x.el("dnsName", &name).el("hostedZoneId", zone);
        })
        .el("creationTimestamp", e.created.iso8601())
        .tag_set(&e.tags)
        .el("ownerId", &r.account_id)
        .el("serviceRegion", r.info.name);
}

pub async fn create_vpc_endpoint(call: &Call<'_>, p: &Params) -> Result {
    if p.has_prefix("SubnetConfiguration")
        || p.get("ServiceNetworkArn").is_some()
        || p.get("ResourceConfigurationArn").is_some()
    {
        return Err(err::invalid_param(
            "tasknet emulates endpoints to AWS services only; SubnetConfigurations, service networks and resource configurations are not supported.".to_string(),
        ));
    }
    if let Some(sr) = p.get("ServiceRegion") {
        if sr != call.region {
            return Err(err::invalid_param(format!(
                "tasknet does not emulate cross-Region endpoints; ServiceRegion must be {}.",
                call.region
            )));
        }
    }
    let req = CreateEndpoint {
        vpc_id: id_req(p, "VpcId", Kind::Vpc)?,
        service_name: p.req("ServiceName")?.to_string(),
        endpoint_type: p.string("VpcEndpointType"),
        policy_document: p.string("PolicyDocument"),
        route_table_ids: id_list(p, "RouteTableId", Kind::RouteTable)?,
        subnet_ids: id_list(p, "SubnetId", Kind::Subnet)?,
        security_group_ids: id_list(p, "SecurityGroupId", Kind::SecurityGroup)?,
        private_dns_enabled: p.bool("PrivateDnsEnabled")?,
        ip_address_type: p.string("IpAddressType"),
        dns_record_ip_type: p.string("DnsOptions.DnsRecordIpType"),
        tags: p.tag_specs("vpc-endpoint")?,
    };
    let token = p.string("ClientToken");
    let idem = Idempotency::of(p, "CreateVpcEndpoint");
    write(call, move |r, now| {
        let id = Idempotency::run(
            &idem,
            r,
            now,
            |r, id| r.vpc_endpoints.contains(id),
            |r| r.create_vpc_endpoint(req, now),
        )?;
        let mut x = Xml::new();
        x.wrap("vpcEndpoint", |x| {
            endpoint_xml(x, r, r.vpc_endpoint(&id).expect("just created"))
        });
        x.opt("clientToken", token);
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_vpc_endpoints(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("VpcEndpointId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "vpcEndpointIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(&r.vpc_endpoints, r, &ids, &filters, Kind::VpcEndpoint)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("vpcEndpointSet", items, |x, e| endpoint_xml(x, r, e));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn modify_vpc_endpoint(call: &Call<'_>, p: &Params) -> Result {
    if p.has_prefix("SubnetConfiguration")
        || p.get("IpAddressType").is_some()
        || p.has_prefix("DnsOptions")
    {
        return Err(err::invalid_param(
            "tasknet cannot change the IP address type, DNS options or subnet configurations of an endpoint.".to_string(),
        ));
    }
    let id = id_req(p, "VpcEndpointId", Kind::VpcEndpoint)?;
    let m = ModifyEndpoint {
        add_route_tables: id_list(p, "AddRouteTableId", Kind::RouteTable)?,
        remove_route_tables: id_list(p, "RemoveRouteTableId", Kind::RouteTable)?,
        add_subnets: id_list(p, "AddSubnetId", Kind::Subnet)?,
        remove_subnets: id_list(p, "RemoveSubnetId", Kind::Subnet)?,
        add_groups: id_list(p, "AddSecurityGroupId", Kind::SecurityGroup)?,
        remove_groups: id_list(p, "RemoveSecurityGroupId", Kind::SecurityGroup)?,
        private_dns_enabled: p.bool("PrivateDnsEnabled")?,
        policy_document: p.string("PolicyDocument"),
        reset_policy: p.flag("ResetPolicy")?,
    };
    write(call, move |r, now| {
        r.modify_vpc_endpoint(&id, m, now).map(|_| ok_return())
    })
    .await
}

pub async fn delete_vpc_endpoints(call: &Call<'_>, p: &Params) -> Result {
    let ids = id_list(p, "VpcEndpointId", Kind::VpcEndpoint)?;
    if ids.is_empty() {
        return Err(err::missing("VpcEndpointId"));
    }
    write(call, move |r, _| {
        let failed = r.delete_vpc_endpoints(&ids);
        let mut x = Xml::new();
        x.list("unsuccessful", failed, |x, (id, e): (String, ApiError)| {
            x.wrap("error", |x| {
                x.el("code", &e.code).el("message", &e.message);
            })
            .el("resourceId", id);
        });
        Ok(x.into_string())
    })
    .await
}

// ---------------------------------------------------------------------------
// Endpoint services
// ---------------------------------------------------------------------------

/// One `ServiceDetail`: a service with one endpoint type.
struct ServiceDetail {
    svc: &'static AwsService,
    kind: &'static str,
}

impl ServiceDetail {
    fn private_dns(&self, region: &str) -> Option<String> {
        if self.kind == "Interface" {
            self.svc.private_dns_name(region)
        } else {
            None
        }
    }

    fn base_dns_name(&self, region: &str) -> String {
        if self.kind == "Gateway" {
            format!("{}.{region}.amazonaws.com", self.svc.short)
        } else {
            self.svc.vpce_base_dns_name(region)
        }
    }

    fn ip_types(&self) -> Vec<&'static str> {
        if self.kind == "Interface" && self.svc.interface_ipv6 {
            vec!["ipv4", "ipv6"]
        } else {
            vec!["ipv4"]
        }
    }
}

/// Every (service, type) of the Region, ordered by service name.
fn service_details() -> Vec<ServiceDetail> {
    let mut all: Vec<&'static AwsService> = services::SERVICES.iter().collect();
    all.sort_by_key(|s| s.short);
    let mut out = Vec::new();
    for svc in all {
        if svc.gateway {
            out.push(ServiceDetail {
                svc,
                kind: "Gateway",
            });
        }
        if svc.interface {
            out.push(ServiceDetail {
                svc,
                kind: "Interface",
            });
        }
    }
    out
}

fn service_detail_xml(x: &mut Xml, info: &model::regions::RegionInfo, d: &ServiceDetail) {
    let region = info.name;
    let private = d.private_dns(region);
    x.el("serviceName", d.svc.name(region))
        .el("serviceId", d.svc.service_id(region, d.kind))
        .list("serviceType", [d.kind], |x, k| {
            x.el("serviceType", k);
        })
        .el("serviceRegion", region)
        .str_list("availabilityZoneIdSet", info.zones.iter().map(|z| z.id))
        .str_list("availabilityZoneSet", info.zones.iter().map(|z| z.name))
        .el("owner", "amazon")
        .str_list("baseEndpointDnsNameSet", [d.base_dns_name(region)])
        .opt("privateDnsName", private.as_ref())
        .list("privateDnsNameSet", private.iter(), |x, n| {
            x.el("privateDnsName", n);
        })
        .b("vpcEndpointPolicySupported", true)
        .b("acceptanceRequired", false)
        .b("managesVpcEndpoints", false)
        .el("payerResponsibility", "ServiceOwner")
        .tag_set(&[]);
    if private.is_some() {
        x.el("privateDnsNameVerificationState", "verified");
    }
    x.str_list("supportedIpAddressTypeSet", d.ip_types());
}

pub async fn describe_vpc_endpoint_services(call: &Call<'_>, p: &Params) -> Result {
    let names = p.list("ServiceName");
    let regions = p.list("ServiceRegion");
    let filters = p.filters();
    check_filters(
        &filters,
        &[
            "service-name",
            "service-type",
            "service-region",
            "owner",
            "supported-ip-address-types",
        ],
    )?;
    let page = Page::from(p, false, "serviceNames", 5, 1000)?;
    read(call, move |r| {
        let region = r.info.name;
        for n in &names {
            if services::by_name(region, n).is_none() {
                return Err(ApiError::new(
                    "InvalidServiceName",
                    format!("The Vpc Endpoint Service '{n}' does not exist"),
                ));
            }
        }
        let in_region = regions.is_empty() || regions.iter().any(|x| x == region);
        let details: Vec<ServiceDetail> = service_details()
            .into_iter()
            .filter(|d| in_region && (names.is_empty() || names.contains(&d.svc.name(region))))
            .filter(|d| {
                filters_match(&filters, |f| match f {
                    "service-name" => vec![d.svc.name(region)],
                    "service-type" => vec![d.kind.to_string()],
                    "service-region" => vec![region.to_string()],
                    "owner" => vec!["amazon".to_string()],
                    _ => d.ip_types().into_iter().map(str::to_string).collect(),
                })
            })
            .collect();
        let (items, next) = page.apply(numbered(details));
        let mut names_out: Vec<String> = Vec::new();
        for d in &items {
            let n = d.svc.name(region);
            if !names_out.contains(&n) {
                names_out.push(n);
            }
        }
        let mut x = Xml::new();
        x.str_list("serviceNameSet", &names_out);
        x.list("serviceDetailSet", &items, |x, d| {
            service_detail_xml(x, r.info, d)
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}
