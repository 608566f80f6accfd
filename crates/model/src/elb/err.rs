//! Elastic Load Balancing v2 error codes and their texts, written once.
//! Sources and which texts are AWS's own (captured) and which are chosen:
//! `docs/reference/elbv2-error-texts.md`. ELBv2 texts carry no trailing
//! period unless the capture shows one.

use crate::error::ApiError;

fn e(code: &'static str, msg: impl Into<String>) -> ApiError {
    ApiError::new(code, msg)
}

pub fn validation(msg: impl Into<String>) -> ApiError {
    e("ValidationError", msg)
}

pub fn config(msg: impl Into<String>) -> ApiError {
    e("InvalidConfigurationRequest", msg)
}

// ---- parameter validation (AWS's Coral wording, as IAM and STS use it) ----

/// A required member is missing.
pub fn missing(member: &str) -> ApiError {
    validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    ))
}

/// A value outside an enum.
pub fn not_in_enum(value: &str, member: &str, set: &[&str]) -> ApiError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        set.join(", ")
    ))
}

/// A number outside its range.
pub fn out_of_range(value: i64, member: &str, min: i64, max: i64) -> ApiError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value {}",
        if value < min {
            format!("greater than or equal to {min}")
        } else {
            format!("less than or equal to {max}")
        }
    ))
}

/// A value that is not a number where one is expected.
pub fn not_a_number(value: &str, member: &str) -> ApiError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must be a number"
    ))
}

/// `PageSize` outside 1–400.
pub fn page_size(value: i64) -> ApiError {
    out_of_range(value, "pageSize", 1, 400)
}

pub fn invalid_marker() -> ApiError {
    validation("Invalid marker")
}

// ---- not found (captured) ----

pub fn load_balancer_not_found() -> ApiError {
    e(
        "LoadBalancerNotFound",
        "One or more load balancers not found",
    )
}

pub fn target_group_not_found() -> ApiError {
    e("TargetGroupNotFound", "One or more target groups not found")
}

pub fn listener_not_found() -> ApiError {
    e("ListenerNotFound", "One or more listeners not found")
}

/// Chosen, by analogy with the other three.
pub fn rule_not_found() -> ApiError {
    e("RuleNotFound", "One or more rules not found")
}

/// ELBv2 passes EC2's error code on as the message (captured).
pub fn subnet_not_found() -> ApiError {
    e("SubnetNotFound", "InvalidSubnetID.NotFound")
}

/// Chosen, by analogy with the security group text.
pub fn subnet_malformed(id: &str) -> ApiError {
    validation(format!("Subnet ID '{id}' is not valid"))
}

/// ELBv2 wraps EC2's answer, with EC2's request id (captured).
pub fn security_group_not_found(id: &str, ec2_request_id: &str) -> ApiError {
    e(
        "InvalidSecurityGroup",
        format!("The security group '{id}' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidGroup.NotFound; Request ID: {ec2_request_id}; Proxy: null)"),
    )
}

pub fn security_group_malformed(id: &str) -> ApiError {
    validation(format!("Security group '{id}' is not valid"))
}

pub fn security_group_other_vpc(id: &str, vpc: &str) -> ApiError {
    config(format!(
        "Security group '{id}' does not belong to VPC '{vpc}'"
    ))
}

// ---- names ----

pub fn lb_name_too_long(name: &str) -> ApiError {
    validation(format!(
        "The load balancer name '{name}' cannot be longer than '32' characters"
    ))
}

pub fn lb_name_characters(name: &str) -> ApiError {
    validation(format!(
        "The load balancer name '{name}' can only contain characters that are alphanumeric characters or hyphens(-)"
    ))
}

pub fn lb_name_hyphen(name: &str) -> ApiError {
    validation(format!(
        "The load balancer name '{name}' cannot begin or end with a hyphen"
    ))
}

pub fn lb_name_internal(name: &str) -> ApiError {
    validation(format!(
        "The load balancer name '{name}' cannot begin with 'internal-'"
    ))
}

pub fn tg_name_too_long(name: &str) -> ApiError {
    validation(format!(
        "Target group name '{name}' cannot be longer than '32' characters"
    ))
}

pub fn tg_name_characters(name: &str) -> ApiError {
    validation(format!(
        "Target group name '{name}' can only contain characters that are alphanumeric characters or hyphens(-)"
    ))
}

pub fn tg_name_hyphen(name: &str) -> ApiError {
    validation(format!(
        "Target group name '{name}' cannot begin or end with a hyphen"
    ))
}

pub fn duplicate_load_balancer(name: &str) -> ApiError {
    e(
        "DuplicateLoadBalancerName",
        format!("A load balancer with the same name '{name}' exists, but with different settings"),
    )
}

pub fn duplicate_target_group(name: &str) -> ApiError {
    e(
        "DuplicateTargetGroupName",
        format!("A target group with the same name '{name}' exists, but with different settings"),
    )
}

// ---- load balancers: subnets, zones, addresses ----

pub fn alb_two_zones() -> ApiError {
    validation("At least two subnets in two different Availability Zones must be specified")
}

pub fn one_subnet_required() -> ApiError {
    validation("At least one subnet must be specified")
}

pub fn subnets_and_mappings() -> ApiError {
    validation("You can specify subnets or subnet mappings, but not both")
}

pub fn same_zone() -> ApiError {
    config("A load balancer cannot be attached to multiple subnets in the same Availability Zone")
}

pub fn subnets_in_different_vpcs() -> ApiError {
    config("The subnets must all belong to the same VPC")
}

/// N52: a dual-stack load balancer needs dual-stack subnets.
pub fn subnets_need_ipv6() -> ApiError {
    config("You must specify subnets with an associated IPv6 CIDR block.")
}

pub fn subnet_needs_ipv4(subnet: &str) -> ApiError {
    e(
        "InvalidSubnet",
        format!("Subnet '{subnet}' has no IPv4 CIDR block; the load balancer needs an IPv4 address in it"),
    )
}

/// The model's documentation text.
pub fn subnet_full() -> ApiError {
    e(
        "InvalidSubnet",
        "The specified subnet is out of available addresses.",
    )
}

pub fn dualstack_without_public(reason: &str) -> ApiError {
    validation(format!(
        "IP address type 'dualstack-without-public-ipv4' {reason}"
    ))
}

pub fn nlb_security_groups_added() -> ApiError {
    config("You cannot add security groups to a Network Load Balancer that was created without security groups")
}

pub fn security_groups_required() -> ApiError {
    validation("At least one security group must be specified for an Application Load Balancer")
}

pub fn too_many_security_groups() -> ApiError {
    config("A load balancer can have at most 5 security groups")
}

pub fn mapping_unsupported(what: &str) -> ApiError {
    validation(format!(
        "Subnet mappings with {what} are not supported by tasknet"
    ))
}

pub fn private_ip_mapping(reason: &str) -> ApiError {
    config(format!(
        "A private IPv4 address can be specified only for {reason}"
    ))
}

pub fn deletion_protected(arn: &str) -> ApiError {
    e(
        "OperationNotPermitted",
        format!("Load balancer '{arn}' cannot be deleted because deletion protection is enabled"),
    )
}

pub fn gateway_unsupported() -> ApiError {
    validation("Gateway Load Balancers are not supported by tasknet")
}

// ---- attributes ----

pub fn lb_attribute_unknown(key: &str) -> ApiError {
    validation(format!(
        "Load balancer attribute key '{key}' is not recognized"
    ))
}

pub fn tg_attribute_unknown(key: &str) -> ApiError {
    validation(format!(
        "Target group attribute key '{key}' is not recognized"
    ))
}

pub fn attribute_value(key: &str, value: &str, expected: &str) -> ApiError {
    validation(format!(
        "Attribute '{key}' has an invalid value '{value}': it must be {expected}"
    ))
}

pub fn cross_zone_alb() -> ApiError {
    config("Cross-zone load balancing cannot be disabled for Application Load Balancers")
}

// ---- target groups ----

pub fn tg_needs(member: &str, target_type: &str) -> ApiError {
    validation(format!(
        "A {member} must be specified for a target group with target type '{target_type}'"
    ))
}

pub fn lambda_no(member: &str) -> ApiError {
    validation(format!(
        "A {member} cannot be specified for target groups with target type 'lambda'"
    ))
}

pub fn vpc_not_found(vpc: &str) -> ApiError {
    validation(format!("The VPC ID '{vpc}' is not found"))
}

/// The ALB guide's own sentence.
pub fn ipv6_needs_ip_targets() -> ApiError {
    validation("IPv6 target groups only support IP type targets")
}

pub fn health_check_interval_timeout() -> ApiError {
    validation("Health check interval must be greater than the timeout.")
}

pub fn health_check_protocol(protocol: &str, tg_protocol: &str) -> ApiError {
    validation(format!(
        "Health check protocol '{protocol}' is not supported for target groups with the protocol '{tg_protocol}'"
    ))
}

pub fn health_check_port(port: &str) -> ApiError {
    validation(format!(
        "Health check port '{port}' must be 'traffic-port' or a number from 1 to 65535"
    ))
}

pub fn health_check_disabled(target_type: &str) -> ApiError {
    config(format!(
        "Health checks cannot be disabled for target groups with target type '{target_type}'"
    ))
}

pub fn matcher(code: &str) -> ApiError {
    validation(format!(
        "Health check matcher HTTP code '{code}' must be a value from 200 to 499, a list of values or a range"
    ))
}

pub fn path_not_allowed(protocol: &str) -> ApiError {
    validation(format!(
        "A health check path cannot be specified for the health check protocol '{protocol}'"
    ))
}

pub fn tg_protocol_for_type(protocol: &str, target_type: &str) -> ApiError {
    validation(format!(
        "The protocol '{protocol}' is not supported for target groups with target type '{target_type}'"
    ))
}

pub fn target_group_in_use(arn: &str) -> ApiError {
    e(
        "ResourceInUse",
        format!("Target group '{arn}' is currently in use by a listener or a rule"),
    )
}

// ---- targets ----

pub fn ip_invalid(id: &str) -> ApiError {
    validation(format!("The IP address '{id}' is not a valid IP address"))
}

pub fn ip_family(ip: &str, tg_type: &str) -> ApiError {
    e(
        "InvalidTarget",
        format!("The IP address '{ip}' is not a valid target for a target group with IP address type '{tg_type}'"),
    )
}

pub fn az_required(ip: &str) -> ApiError {
    validation(format!(
        "The Availability Zone is required for IP address '{ip}' because it is not in the VPC"
    ))
}

pub fn az_override(ip: &str, given: &str, zone: &str) -> ApiError {
    validation(format!(
        "The IP address '{ip}' is within the VPC, and cannot have its Availability Zone overridden to '{given}' from '{zone}'"
    ))
}

pub fn az_unknown(zone: &str) -> ApiError {
    validation(format!(
        "The Availability Zone '{zone}' is not valid: give 'all' or a zone of this Region"
    ))
}

pub fn ip_public(ip: &str) -> ApiError {
    e(
        "InvalidTarget",
        format!("The IP address '{ip}' is publicly routable: only addresses in the VPC, RFC 1918 ranges and 100.64.0.0/10 can be registered"),
    )
}

pub fn ipv6_outside_vpc(ip: &str) -> ApiError {
    e(
        "InvalidTarget",
        format!("The IPv6 address '{ip}' is not in a subnet of the target group's VPC"),
    )
}

pub fn instance_id_invalid(id: &str) -> ApiError {
    validation(format!("Instance ID '{id}' is not valid"))
}

pub fn instances_missing(ids: &[String]) -> ApiError {
    let list: Vec<String> = ids.iter().map(|i| format!("'{i}'")).collect();
    e(
        "InvalidTarget",
        format!("The following instances do not exist: {}", list.join(", ")),
    )
}

pub fn lambda_target(id: &str) -> ApiError {
    validation(format!("Target '{id}' is not a valid Lambda function ARN"))
}

pub fn lambda_one_target() -> ApiError {
    e(
        "TooManyTargets",
        "A target group with target type 'lambda' can have only one target",
    )
}

pub fn alb_target(id: &str) -> ApiError {
    e(
        "InvalidTarget",
        format!("Target '{id}' is not an Application Load Balancer of this account and Region"),
    )
}

pub fn port_required(id: &str) -> ApiError {
    validation(format!(
        "A port must be specified for target '{id}' because the target group has no port"
    ))
}

pub fn too_many_targets() -> ApiError {
    e(
        "TooManyTargets",
        "You've reached the limit on the number of targets.",
    )
}

// ---- listeners and rules ----

pub fn listener_protocol(protocol: &str, allowed: &str) -> ApiError {
    validation(format!(
        "Listener protocol '{protocol}' must be one of '{allowed}'"
    ))
}

pub fn certificate_required(protocol: &str) -> ApiError {
    validation(format!(
        "A certificate must be specified for {protocol} listeners"
    ))
}

pub fn certificate_not_allowed(protocol: &str) -> ApiError {
    validation(format!(
        "A certificate cannot be specified for {protocol} listeners"
    ))
}

pub fn certificate_not_found(arn: &str) -> ApiError {
    e(
        "CertificateNotFound",
        format!("Certificate '{arn}' not found"),
    )
}

pub fn ssl_policy_not_found(name: &str) -> ApiError {
    e(
        "SSLPolicyNotFound",
        format!("SSL policy '{name}' not found"),
    )
}

pub fn duplicate_listener(lb_arn: &str) -> ApiError {
    e(
        "DuplicateListener",
        format!("A listener already exists on this port for this load balancer '{lb_arn}'"),
    )
}

pub fn incompatible_protocols(listener: &str, tg_protocol: &str) -> ApiError {
    e(
        "IncompatibleProtocols",
        format!("Listener protocol '{listener}' is not supported with a target group with the protocol '{tg_protocol}'"),
    )
}

pub fn incompatible_target_type(listener: &str, target_type: &str) -> ApiError {
    e(
        "IncompatibleProtocols",
        format!("Listener protocol '{listener}' is not supported with a target group with the target-type '{target_type}'"),
    )
}

pub fn grpc_needs_https(listener: &str) -> ApiError {
    e(
        "InvalidLoadBalancerAction",
        format!("Listener protocol '{listener}' is not supported with a target group with the protocol-version 'GRPC'"),
    )
}

/// N52.
pub fn ipv6_group_on_ipv4_lb() -> ApiError {
    config("You cannot associate an IPv6 target group with a load balancer that has an 'ipv4' IP address type")
}

pub fn target_group_other_vpc(tg: &str) -> ApiError {
    config(format!(
        "The target group '{tg}' is not in the same VPC as the load balancer"
    ))
}

pub fn target_group_other_lb(tg: &str) -> ApiError {
    e(
        "TargetGroupAssociationLimit",
        format!("The following target groups cannot be associated with more than one load balancer: {tg}"),
    )
}

pub fn action_invalid(msg: impl Into<String>) -> ApiError {
    e("InvalidLoadBalancerAction", msg)
}

pub fn one_forward_group(kind: &str) -> ApiError {
    action_invalid(format!(
        "A forward action on a {kind} can have only one target group"
    ))
}

pub fn too_many_actions() -> ApiError {
    e(
        "TooManyActions",
        "You've reached the limit on the number of actions per rule.",
    )
}

pub fn network_actions() -> ApiError {
    action_invalid("Network Load Balancer listeners support only forward actions")
}

/// The model's documentation text.
pub fn too_many_listeners() -> ApiError {
    e(
        "TooManyListeners",
        "You've reached the limit on the number of listeners per load balancer.",
    )
}

/// The model's documentation text.
pub fn too_many_rules() -> ApiError {
    e(
        "TooManyRules",
        "You've reached the limit on the number of rules per load balancer.",
    )
}

pub fn priority_in_use(p: i32) -> ApiError {
    e(
        "PriorityInUse",
        format!("Priority '{p}' is currently in use"),
    )
}

pub fn rules_need_alb() -> ApiError {
    e(
        "UnsupportedProtocol",
        "Rules can be created only for listeners of Application Load Balancers",
    )
}

pub fn condition_field(field: &str) -> ApiError {
    validation(format!(
        "Condition field '{field}' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'"
    ))
}

pub fn condition_values(field: &str) -> ApiError {
    validation(format!(
        "A condition of field '{field}' must have at least one value"
    ))
}

pub fn conditions_required() -> ApiError {
    validation("A rule must have at least one condition")
}

pub fn too_many_condition_values() -> ApiError {
    validation("A rule can have at most 5 condition values")
}

pub fn default_rule(arn: &str, what: &str) -> ApiError {
    e(
        "OperationNotPermitted",
        format!("The default rule '{arn}' cannot be {what}"),
    )
}

// ---- tags ----

pub fn duplicate_tag_keys(key: &str) -> ApiError {
    e(
        "DuplicateTagKeys",
        format!("Tag key '{key}' is specified more than once"),
    )
}

pub fn too_many_tags() -> ApiError {
    e(
        "TooManyTags",
        "You've reached the limit on the number of tags for this resource.",
    )
}

pub fn resource_arn(arn: &str) -> ApiError {
    validation(format!("'{arn}' is not a valid resource ARN"))
}
