//! The EC2 VPC resources as tasknet stores them. Field names follow the EC2 API;
//! values that can be derived (available address counts, route states, owner
//! ids) are computed when described, not stored.

use crate::net::{Ipv4Cidr, Ipv6Cidr};
use crate::table::Record;
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

macro_rules! record {
    ($t:ty, $kind:literal, $id:ident) => {
        impl crate::codec::Versioned for $t {}
        record!(@record $t, $kind, $id);
    };
    (@record $t:ty, $kind:literal, $id:ident) => {
        impl Record for $t {
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.$id
            }
            fn region(&self) -> &str {
                &self.region
            }
        }
    };
}

/// Per-Region bookkeeping that must survive restarts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegionMeta {
    pub region: String,
    /// The DHCP options set new VPCs get (`default` once it is deleted).
    pub default_dhcp_options_id: String,
}
record!(RegionMeta, "region", region);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CidrAssoc {
    pub association_id: String,
    pub cidr: Ipv4Cidr,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ipv6Assoc {
    pub association_id: String,
    pub cidr: Ipv6Cidr,
    /// `Amazon` for Amazon-provided blocks.
    pub pool: String,
    pub network_border_group: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vpc {
    pub id: String,
    pub region: String,
    /// The primary block is first.
    pub cidr_blocks: Vec<CidrAssoc>,
    pub ipv6_blocks: Vec<Ipv6Assoc>,
    /// A `dopt-` id or `default` (no options).
    pub dhcp_options_id: String,
    pub instance_tenancy: String,
    pub is_default: bool,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub enable_network_address_usage_metrics: bool,
    pub main_route_table_id: String,
    pub default_security_group_id: String,
    pub default_network_acl_id: String,
    pub tags: Vec<Tag>,
    pub created: Millis,
}
record!(Vpc, "vpc", id);

impl Vpc {
    pub fn primary_cidr(&self) -> Option<Ipv4Cidr> {
        self.cidr_blocks.first().map(|c| c.cidr)
    }
    /// The Amazon DNS server: primary CIDR base + 2.
    pub fn dns_server(&self) -> Option<Ipv4Addr> {
        self.primary_cidr().and_then(|c| c.nth(2))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Subnet {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub availability_zone_id: String,
    /// `None` for an IPv6-only (`Ipv6Native`) subnet.
    pub cidr: Option<Ipv4Cidr>,
    pub ipv6_blocks: Vec<Ipv6Assoc>,
    pub map_public_ip_on_launch: bool,
    pub assign_ipv6_address_on_creation: bool,
    pub ipv6_native: bool,
    pub enable_dns64: bool,
    /// `ip-name` or `resource-name`.
    pub hostname_type: String,
    pub enable_resource_name_dns_a_record: bool,
    pub enable_resource_name_dns_aaaa_record: bool,
    pub default_for_az: bool,
    pub tags: Vec<Tag>,
    pub created: Millis,
}
record!(Subnet, "subnet", id);

impl Subnet {
    pub fn ipv6_cidr(&self) -> Option<Ipv6Cidr> {
        self.ipv6_blocks.first().map(|b| b.cidr)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InternetGateway {
    pub id: String,
    pub region: String,
    pub vpc_id: Option<String>,
    pub tags: Vec<Tag>,
}
record!(InternetGateway, "igw", id);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EgressOnlyInternetGateway {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub tags: Vec<Tag>,
}
record!(EgressOnlyInternetGateway, "eigw", id);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AddressAssoc {
    pub association_id: String,
    pub network_interface_id: String,
    pub private_ip: Ipv4Addr,
}

/// An Elastic IP (domain `vpc`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Address {
    pub allocation_id: String,
    pub region: String,
    pub public_ip: Ipv4Addr,
    pub association: Option<AddressAssoc>,
    pub network_border_group: String,
    pub tags: Vec<Tag>,
}
record!(Address, "eip", allocation_id);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NatGateway {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub subnet_id: String,
    /// `public` or `private`.
    pub connectivity_type: String,
    /// `pending`, `available`, `deleting`, `deleted`, `failed`.
    pub state: String,
    pub network_interface_id: Option<String>,
    pub private_ip: Option<Ipv4Addr>,
    pub allocation_id: Option<String>,
    pub association_id: Option<String>,
    pub public_ip: Option<Ipv4Addr>,
    pub failure: Option<(String, String)>,
    pub created: Millis,
    pub deleted: Option<Millis>,
    pub tags: Vec<Tag>,
}
record!(NatGateway, "nat", id);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteDest {
    V4(Ipv4Cidr),
    V6(Ipv6Cidr),
    PrefixList(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteTarget {
    Local,
    InternetGateway(String),
    EgressOnlyInternetGateway(String),
    NatGateway(String),
    VpcEndpoint(String),
    NetworkInterface(String),
    /// New in route table format 2.
    VpcPeeringConnection(String),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Route {
    pub dest: RouteDest,
    pub target: RouteTarget,
    /// `CreateRouteTable` (local routes), `CreateRoute`.
    pub origin: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteTableAssoc {
    pub id: String,
    pub main: bool,
    pub subnet_id: Option<String>,
    pub gateway_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouteTable {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub routes: Vec<Route>,
    pub associations: Vec<RouteTableAssoc>,
    pub tags: Vec<Tag>,
}
record!(@record RouteTable, "rtb", id);

/// Format 2 added `RouteTarget::VpcPeeringConnection` after the other
/// variants, so a row of format 1 reads as it is.
impl crate::codec::Versioned for RouteTable {
    const VERSION: u32 = 2;
    fn upgrade(version: u32, body: &[u8]) -> Result<Self, String> {
        match version {
            1 => crate::codec::decode(body),
            v => Err(format!("route table format version {v} is unknown")),
        }
    }
}

impl RouteTable {
    pub fn is_main(&self) -> bool {
        self.associations.iter().any(|a| a.main)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SgPeer {
    V4(Ipv4Cidr),
    V6(Ipv6Cidr),
    PrefixList(String),
    Group { group_id: String, user_id: String },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SgRule {
    pub id: String,
    pub egress: bool,
    /// `-1`, `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number.
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub peer: SgPeer,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub name: String,
    pub description: String,
    pub rules: Vec<SgRule>,
    pub tags: Vec<Tag>,
}
record!(SecurityGroup, "sg", id);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NaclEntry {
    pub rule_number: i32,
    pub egress: bool,
    /// A protocol number as a string; `-1` for all.
    pub protocol: String,
    /// `allow` or `deny`.
    pub action: String,
    pub cidr: Option<Ipv4Cidr>,
    pub ipv6_cidr: Option<Ipv6Cidr>,
    /// (type, code)
    pub icmp: Option<(i32, i32)>,
    pub port_range: Option<(i32, i32)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NaclAssoc {
    pub id: String,
    pub subnet_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NetworkAcl {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub is_default: bool,
    pub entries: Vec<NaclEntry>,
    pub associations: Vec<NaclAssoc>,
    pub tags: Vec<Tag>,
}
record!(NetworkAcl, "acl", id);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DhcpOptions {
    pub id: String,
    pub region: String,
    /// (key, values) in the order given, e.g. (`domain-name-servers`, [`AmazonProvidedDNS`]).
    pub configurations: Vec<(String, Vec<String>)>,
    pub tags: Vec<Tag>,
}
record!(DhcpOptions, "dopt", id);

impl DhcpOptions {
    pub fn values(&self, key: &str) -> &[String] {
        self.configurations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VpcEndpoint {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub service_name: String,
    /// `Interface` or `Gateway`.
    pub endpoint_type: String,
    pub state: String,
    pub policy_document: Option<String>,
    pub route_table_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub private_dns_enabled: bool,
    pub network_interface_ids: Vec<String>,
    /// `ipv4`, `dualstack` or `ipv6`.
    pub ip_address_type: String,
    pub dns_record_ip_type: String,
    /// Random label used in the endpoint's own DNS names.
    pub dns_label: String,
    pub created: Millis,
    pub tags: Vec<Tag>,
}
record!(VpcEndpoint, "vpce", id);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EniAssociation {
    pub public_ip: Ipv4Addr,
    /// The EIP behind it, absent for an auto-assigned public IP.
    pub allocation_id: Option<String>,
    pub association_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrivateIp {
    pub ip: Ipv4Addr,
    pub primary: bool,
    pub association: Option<EniAssociation>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EniAttachment {
    pub id: String,
    pub device_index: i32,
    pub network_card_index: i32,
    pub instance_id: Option<String>,
    pub instance_owner_id: Option<String>,
    pub status: String,
    pub attach_time: Millis,
    pub delete_on_termination: bool,
}

/// Who manages an ENI. Anything but `User` is requester-managed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EniOwner {
    User,
    /// A Fargate task ENI (N19).
    Fargate {
        cluster: String,
        task_arn: String,
        attachment_id: String,
    },
    NatGateway(String),
    VpcEndpoint(String),
    /// A load balancer node's ENI: the load balancer's ARN. New in ENI
    /// format version 2 (added last, so version 1 rows decode unchanged).
    LoadBalancer(String),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NetworkInterface {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub availability_zone: String,
    pub description: String,
    /// `interface`, `nat_gateway`, `vpc_endpoint`, ...
    pub interface_type: String,
    pub mac: String,
    /// Primary first. Empty on an IPv6-only ENI.
    pub private_ips: Vec<PrivateIp>,
    pub ipv6_addresses: Vec<Ipv6Addr>,
    pub groups: Vec<String>,
    pub source_dest_check: bool,
    pub owner: EniOwner,
    pub attachment: Option<EniAttachment>,
    pub tags: Vec<Tag>,
    pub created: Millis,
}

// Version 2: `EniOwner::LoadBalancer`. A version 1 row has the same bytes
// (the new variant is last), so it decodes as it is; a tasknet that reads
// only version 1 refuses version 2 rows clearly instead of misreading an
// owner it does not know.
impl crate::codec::Versioned for NetworkInterface {
    const VERSION: u32 = 2;
    fn upgrade(version: u32, body: &[u8]) -> Result<Self, String> {
        match version {
            1 => crate::codec::decode(body),
            v => Err(format!("unknown ENI format version {v}")),
        }
    }
}
impl Record for NetworkInterface {
    const KIND: &'static str = "eni";
    fn id(&self) -> &str {
        &self.id
    }
    fn region(&self) -> &str {
        &self.region
    }
}

impl NetworkInterface {
    pub fn primary_ip(&self) -> Option<Ipv4Addr> {
        self.private_ips.iter().find(|p| p.primary).map(|p| p.ip)
    }
    pub fn public_association(&self) -> Option<&EniAssociation> {
        self.private_ips
            .iter()
            .find(|p| p.primary)
            .and_then(|p| p.association.as_ref())
    }
    pub fn requester_managed(&self) -> bool {
        self.owner != EniOwner::User
    }
    pub fn status(&self) -> &'static str {
        if self.attachment.is_some() {
            "in-use"
        } else {
            "available"
        }
    }
}
