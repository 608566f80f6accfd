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
    };
    ApiError::new(code, msg)
}

/// The `…Malformed` error for an id that cannot be of the expected kind.
pub fn malformed(kind: Kind, id: &str) -> ApiError {
    use Kind::*;
    let (code, prefix) = match kind {
        Vpc => ("InvalidVpcID.Malformed", "vpc-..."),
        Subnet => ("InvalidSubnetID.Malformed", "subnet-..."),
        SecurityGroup => ("InvalidGroupId.Malformed", "sg-..."),
        NetworkInterface => ("InvalidNetworkInterfaceId.Malformed", "eni-..."),
        RouteTable => ("InvalidRouteTableId.Malformed", "rtb-..."),
        InternetGateway => ("InvalidInternetGatewayId.Malformed", "igw-..."),
        EgressOnlyInternetGateway => ("InvalidEgressOnlyInternetGatewayId.Malformed", "eigw-..."),
        NetworkAcl => ("InvalidNetworkAclID.Malformed", "acl-..."),
        Allocation => ("InvalidAllocationID.Malformed", "eipalloc-..."),
        VpcEndpoint => ("InvalidVpcEndpointId.Malformed", "vpce-..."),
        DhcpOptions => ("InvalidDhcpOptionsId.Malformed", "dopt-..."),
        _ => ("InvalidParameterValue", "a valid id"),
    };
    ApiError::new(
        code,
        format!("Invalid id: \"{id}\" (expecting \"{prefix}\")"),
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
