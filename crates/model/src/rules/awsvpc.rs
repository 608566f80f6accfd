//! The `awsvpc` network configuration of a task and the ENI it gets.

use crate::ec2::types::Subnet;
use crate::ecs::err;
use crate::error::Result;
use crate::world::Region;

/// `networkConfiguration.awsvpcConfiguration` as given.
#[derive(Debug, Clone, Default)]
pub struct AwsVpcConfig {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: Option<String>,
}

/// A checked configuration: subnets in one VPC, groups resolved.
#[derive(Debug, Clone)]
pub struct CheckedConfig {
    pub subnets: Vec<String>,
    pub vpc_id: String,
    pub security_groups: Vec<String>,
    pub assign_public_ip: bool,
}

/// N3: an awsvpc task definition needs a network configuration; others must not have one.
pub fn check_presence(network_mode: &str, given: bool) -> Result<()> {
    match (network_mode == "awsvpc", given) {
        (true, false) => Err(err::network_configuration_required()),
        (false, true) => Err(err::network_configuration_not_valid()),
        _ => Ok(()),
    }
}

pub const MAX_SUBNETS: usize = 16;
pub const MAX_SECURITY_GROUPS: usize = 5;

/// N4, N5, N6: subnets (1–16, known, one VPC), security groups (0–5, known, in
/// that VPC; none means the VPC's default group), `assignPublicIp`.
pub fn check_config(region: &Region, cfg: &AwsVpcConfig, fargate: bool) -> Result<CheckedConfig> {
    if cfg.subnets.is_empty() {
        return Err(err::invalid_parameter("subnets can not be empty."));
    }
    if cfg.subnets.len() > MAX_SUBNETS {
        return Err(err::invalid_parameter("subnets can have at most 16 items."));
    }
    if let Some(missing) = cfg.subnets.iter().find(|s| !region.subnets.contains(s)) {
        return Err(err::invalid_parameter(format!(
            "Error retrieving subnet information for [{}]: The subnet ID '{missing}' does not exist (ErrorCode: InvalidSubnetID.NotFound)",
            cfg.subnets.join(", ")
        )));
    }
    let subnets: Vec<&Subnet> = cfg
        .subnets
        .iter()
        .filter_map(|s| region.subnets.get(s))
        .collect();
    let vpc_id = subnets[0].vpc_id.clone();
    if subnets.iter().any(|s| s.vpc_id != vpc_id) {
        return Err(err::invalid_parameter(
            "Subnets must all belong to the same VPC.",
        ));
    }
    if cfg.security_groups.len() > MAX_SECURITY_GROUPS {
        return Err(err::invalid_parameter(
            "securityGroups can have at most 5 items.",
        ));
    }
    if let Some(missing) = cfg
        .security_groups
        .iter()
        .find(|g| !region.security_groups.contains(g))
    {
        return Err(err::invalid_parameter(format!(
            "Error retrieving security group information for [{}]: The security group '{missing}' does not exist (ErrorCode: InvalidGroup.NotFound)",
            cfg.security_groups.join(", ")
        )));
    }
    if let Some(other) = cfg.security_groups.iter().find(|g| {
        region
            .security_groups
            .get(g)
            .is_some_and(|sg| sg.vpc_id != vpc_id)
    }) {
        return Err(err::invalid_parameter(format!(
            "Security group {other} does not appear to belong to the same VPC as the input subnets."
        )));
    }
    let assign = match cfg.assign_public_ip.as_deref() {
        None | Some("DISABLED") => false,
        Some("ENABLED") => true,
        Some(v) => {
            return Err(err::invalid_parameter(format!(
                "Invalid value '{v}' for assignPublicIp. Valid values are ENABLED and DISABLED."
            )))
        }
    };
    if assign && !fargate {
        return Err(err::invalid_parameter(
            "Assign public IP is not supported for this launch type.",
        ));
    }
    let mut groups: Vec<String> = Vec::new();
    for g in &cfg.security_groups {
        if !groups.contains(g) {
            groups.push(g.clone());
        }
    }
    if groups.is_empty() {
        if let Some(v) = region.vpcs.get(&vpc_id) {
            groups.push(v.default_security_group_id.clone());
        }
    }
    let mut subnet_ids: Vec<String> = Vec::new();
    for s in &cfg.subnets {
        if !subnet_ids.contains(s) {
            subnet_ids.push(s.clone());
        }
    }
    Ok(CheckedConfig {
        subnets: subnet_ids,
        vpc_id,
        security_groups: groups,
        assign_public_ip: assign,
    })
}

/// N16: the task's hostname is the ENI's private DNS name when the VPC has both
/// DNS support and DNS hostnames (`dns_hostnames`); otherwise a random name.
pub fn task_hostname(
    dns_hostnames: bool,
    private_dns_name: &str,
    rng: &mut fastrand::Rng,
) -> String {
    if dns_hostnames {
        private_dns_name.to_string()
    } else {
        crate::ids::hex(rng, 12)
    }
}

/// N19: the description of a Fargate task ENI.
pub fn eni_description(region: &str, account: &str, attachment_id: &str) -> String {
    format!("arn:aws:ecs:{region}:{account}:attachment/{attachment_id}")
}
