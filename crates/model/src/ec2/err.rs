//! EC2 error codes and their AWS texts, written once. Sources:
//! `docs/reference/ec2-iam-error-texts.md`.

use crate::error::ApiError;

/// Kinds of EC2 ids, with their `…NotFound` code and message wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Vpc,
    Subnet,
    InternetGateway,
    EgressOnlyInternetGateway,
    Allocation,
    Association,
    NatGateway,
    RouteTable,
    RouteTableAssociation,
    SecurityGroup,
    SecurityGroupRule,
    NetworkAcl,
    NetworkAclAssociation,
    DhcpOptions,
    VpcEndpoint,
    NetworkInterface,
    PrefixList,
    VpcCidrAssociation,
    SubnetCidrAssociation,
    Instance,
    AttachmentId,
    VpcPeeringConnection,
    SubnetCidrReservation,
}

impl Kind {
    /// The id prefix of the kind (`vpc` for `vpc-0a1b…`), for the kinds
    /// whose ids tasknet checks for shape.
    pub fn prefix(self) -> Option<&'static str> {
        use Kind::*;
        Some(match self {
            Vpc => "vpc",
            Subnet => "subnet",
            InternetGateway => "igw",
            EgressOnlyInternetGateway => "eigw",
            Allocation => "eipalloc",
            NatGateway => "nat",
            RouteTable => "rtb",
            SecurityGroup => "sg",
            SecurityGroupRule => "sgr",
            NetworkAcl => "acl",
            DhcpOptions => "dopt",
            VpcEndpoint => "vpce",
            NetworkInterface => "eni",
            PrefixList => "pl",
            VpcPeeringConnection => "pcx",
            SubnetCidrReservation => "scr",
            Instance => "i",
            _ => return None,
        })
    }

    /// How the newer EC2 texts name the kind (`The security group ID 'x' is
    /// malformed`).
    fn noun(self) -> &'static str {
        use Kind::*;
        match self {
            Vpc => "vpc",
            Subnet => "subnet",
            InternetGateway => "internet gateway",
            EgressOnlyInternetGateway => "egress-only internet gateway",
            Allocation => "allocation",
            NatGateway => "NAT gateway",
            RouteTable => "route table",
            SecurityGroup => "security group",
            SecurityGroupRule => "security group rule",
            NetworkAcl => "network ACL",
            DhcpOptions => "DHCP options",
            VpcEndpoint => "VPC endpoint",
            NetworkInterface => "network interface",
            PrefixList => "prefix list",
            VpcPeeringConnection => "VPC peering connection",
            SubnetCidrReservation => "subnet CIDR reservation",
            Instance => "instance",
            _ => "resource",
        }
    }

    /// The `…Malformed` code of the kind.
    fn malformed_code(self) -> &'static str {
        use Kind::*;
        match self {
            Vpc => "InvalidVpcID.Malformed",
            Subnet => "InvalidSubnetID.Malformed",
            SecurityGroup => "InvalidGroupId.Malformed",
            SecurityGroupRule => "InvalidSecurityGroupRuleId.Malformed",
            NetworkInterface => "InvalidNetworkInterfaceId.Malformed",
            RouteTable => "InvalidRouteTableId.Malformed",
            InternetGateway => "InvalidInternetGatewayId.Malformed",
            EgressOnlyInternetGateway => "InvalidEgressOnlyInternetGatewayId.Malformed",
            NetworkAcl => "InvalidNetworkAclId.Malformed",
            Allocation => "InvalidAllocationID.Malformed",
            NatGateway => "NatGatewayMalformed",
            VpcEndpoint => "InvalidVpcEndpointId.Malformed",
            DhcpOptions => "InvalidDhcpOptionsId.Malformed",
            PrefixList => "InvalidPrefixListId.Malformed",
            VpcPeeringConnection => "InvalidVpcPeeringConnectionId.Malformed",
            SubnetCidrReservation => "InvalidSubnetCidrReservationId.Malformed",
            Instance => "InvalidInstanceID.Malformed",
            _ => "InvalidParameterValue",
        }
    }
}

/// Is `id` shaped like an id of `kind` (`<prefix>-` and 8 or 17 hex digits)?
/// Kinds without a checked shape always are.
pub fn well_formed(kind: Kind, id: &str) -> bool {
    match kind.prefix() {
        Some(p) => crate::ids::is_well_formed(id, p),
        None => true,
    }
}

/// `Ok` for an id of the right shape, else the kind's `…Malformed` error as
/// the request parameters get it.
pub fn check_id(kind: Kind, id: &str) -> Result<(), ApiError> {
    if well_formed(kind, id) {
        Ok(())
    } else {
        Err(malformed(kind, id))
    }
}

pub fn not_found(kind: Kind, id: &str) -> ApiError {
    use Kind::*;
    let (code, msg) = match kind {
        Vpc => (
            "InvalidVpcID.NotFound",
            format!("The vpc ID '{id}' does not exist"),
        ),
        Subnet => (
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{id}' does not exist"),
        ),
        InternetGateway => (
            "InvalidInternetGatewayID.NotFound",
            format!("The internetGateway ID '{id}' does not exist"),
        ),
        EgressOnlyInternetGateway => (
            "InvalidEgressOnlyInternetGatewayId.NotFound",
            format!("The egressOnlyInternetGateway ID '{id}' does not exist"),
        ),
        Allocation => (
            "InvalidAllocationID.NotFound",
            format!("The allocation ID '{id}' does not exist"),
        ),
        Association => (
            "InvalidAssociationID.NotFound",
            format!("The association ID '{id}' does not exist"),
        ),
        NatGateway => (
            "NatGatewayNotFound",
            format!("NAT gateway {id} was not found"),
        ),
        RouteTable => (
            "InvalidRouteTableID.NotFound",
            format!("The routeTable ID '{id}' does not exist"),
        ),
        RouteTableAssociation => (
            "InvalidAssociationID.NotFound",
            format!("The association ID '{id}' does not exist"),
        ),
        SecurityGroup => (
            "InvalidGroup.NotFound",
            format!("The security group '{id}' does not exist"),
        ),
        SecurityGroupRule => (
            "InvalidSecurityGroupRuleId.NotFound",
            format!("The security group rule ID '{id}' does not exist"),
        ),
        NetworkAcl => (
            "InvalidNetworkAclID.NotFound",
            format!("The networkAcl ID '{id}' does not exist"),
        ),
        NetworkAclAssociation => (
            "InvalidAssociationID.NotFound",
            format!("The association ID '{id}' does not exist"),
        ),
        DhcpOptions => (
            "InvalidDhcpOptionID.NotFound",
            format!("The dhcpOptions ID '{id}' does not exist"),
        ),
        VpcEndpoint => (
            "InvalidVpcEndpointId.NotFound",
            format!("The Vpc Endpoint Id '{id}' does not exist"),
        ),
        NetworkInterface => (
            "InvalidNetworkInterfaceID.NotFound",
            format!("The networkInterface ID '{id}' does not exist"),
        ),
        PrefixList => (
            "InvalidPrefixListID.NotFound",
            format!("The prefix list ID '{id}' does not exist"),
        ),
        VpcCidrAssociation => (
            "InvalidVpcCidrBlockAssociationID.NotFound",
            format!("The vpc CIDR block association ID '{id}' does not exist"),
        ),
        SubnetCidrAssociation => (
            "InvalidSubnetCidrBlockAssociationID.NotFound",
            format!("The subnet CIDR block with association ID '{id}' does not exist"),
        ),
        Instance => (
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{id}' does not exist"),
        ),
        AttachmentId => (
            "InvalidAttachmentID.NotFound",
            format!("The attachment ID '{id}' does not exist"),
        ),
        VpcPeeringConnection => (
            "InvalidVpcPeeringConnectionID.NotFound",
            format!("The vpcPeeringConnection ID '{id}' does not exist"),
        ),
        SubnetCidrReservation => (
            "InvalidSubnetCidrReservationID.NotFound",
            format!("The subnet CIDR reservation ID '{id}' does not exist"),
        ),
    };
    ApiError::new(code, msg)
}

/// The `…Malformed` error for an id that cannot be of the expected kind, as
/// EC2 words it for an id given as a parameter:
/// `Invalid id: "foo" (expecting "sg-...")`.
pub fn malformed(kind: Kind, id: &str) -> ApiError {
    let prefix = kind.prefix().unwrap_or("a valid id");
    ApiError::new(
        kind.malformed_code(),
        format!("Invalid id: \"{id}\" (expecting \"{prefix}-...\")"),
    )
}

/// The same for a filter value or a VPC given to CreateSecurityGroup, in the
/// newer wording: `The security group ID 'foobar' is malformed`.
pub fn malformed_named(kind: Kind, id: &str) -> ApiError {
    ApiError::new(
        kind.malformed_code(),
        format!("The {} ID '{id}' is malformed", kind.noun()),
    )
}

/// AttachInternetGateway and CreateSecurityGroup name a malformed VPC id with
/// `InvalidVpcId.Malformed` (lower-case `d`), unlike the Describe calls.
pub fn malformed_vpc_id(id: &str, named: bool) -> ApiError {
    let mut e = if named {
        malformed_named(Kind::Vpc, id)
    } else {
        malformed(Kind::Vpc, id)
    };
    e.code = "InvalidVpcId.Malformed".into();
    e
}

/// A request that reuses a client token with different parameters.
pub fn idempotent_mismatch() -> ApiError {
    ApiError::new(
        "IdempotentParameterMismatch",
        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
    )
}

/// `CidrLimitExceeded` for a VPC (or subnet) at its quota of CIDR blocks.
pub fn cidr_limit(network: &str, max: usize) -> ApiError {
    ApiError::new(
        "CidrLimitExceeded",
        format!("This network {network} has met its maximum number of allowed CIDRs: {max}"),
    )
}

/// A security-group rule's CIDR whose address part cannot be read.
pub fn malformed_rule_cidr(cidr: &str) -> ApiError {
    invalid_value(format!("CIDR block {cidr} is malformed"))
}

/// `RulesPerSecurityGroupLimitExceeded`.
pub fn rules_limit() -> ApiError {
    ApiError::new(
        "RulesPerSecurityGroupLimitExceeded",
        "The maximum number of rules per security group has been reached.",
    )
}

pub fn dependency(msg: impl Into<String>) -> ApiError {
    ApiError::new("DependencyViolation", msg)
}

pub fn invalid_value(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterValue", msg)
}

pub fn invalid_param(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameter", msg)
}

pub fn combination(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterCombination", msg)
}

pub fn missing(param: &str) -> ApiError {
    ApiError::new(
        "MissingParameter",
        format!("The request must contain the parameter {param}"),
    )
}

pub fn invalid_cidr(param: &str, value: &str) -> ApiError {
    invalid_value(format!(
        "Value ({value}) for parameter {param} is invalid. This is not a valid CIDR block."
    ))
}

pub fn operation_not_permitted(msg: impl Into<String>) -> ApiError {
    ApiError::new("OperationNotPermitted", msg)
}

/// N19 (chosen): any detach/delete/modify of a Fargate task ENI.
pub fn fargate_eni_not_permitted() -> ApiError {
    operation_not_permitted("You are not allowed to manage 'eni-attach' attachments.")
}

/// Load balancer node ENIs: their attachments are `eni-attach-…` today
/// (2025 capture of an ALB ENI), and AWS's refusal names the attachment
/// prefix, so it reads as N19's text.
pub fn elb_eni_not_permitted() -> ApiError {
    fargate_eni_not_permitted()
}

/// DeleteNetworkInterface of an attached ENI (captured for a managed ENI:
/// openshift/installer#2498).
pub fn eni_in_use(id: &str) -> ApiError {
    invalid_value(format!("Network interface '{id}' is currently in use."))
}

/// Other requester-managed ENIs (NAT gateway, VPC endpoint), as AWS says for ELB ENIs.
pub fn managed_eni_not_permitted() -> ApiError {
    operation_not_permitted("You are not allowed to manage 'ela-attach' attachments.")
}

pub fn insufficient_addresses() -> ApiError {
    ApiError::new(
        "InsufficientFreeAddressesInSubnet",
        "The specified subnet does not have enough free addresses to satisfy the request.",
    )
}

/// CreateNetworkInterface / AssignPrivateIpAddresses with a taken address.
pub fn address_in_use() -> ApiError {
    ApiError::new(
        "InvalidIPAddress.InUse",
        "The specified address is already in use.",
    )
}

/// ReleaseAddress of an associated Elastic IP.
pub fn public_address_in_use(ip: &str) -> ApiError {
    ApiError::new("InvalidIPAddress.InUse", format!("Address {ip} is in use."))
}
