//! IPv6-only task networking.

use crate::ec2::types::Subnet;
use crate::ecs::err;
use crate::error::Result;
use crate::regions::RegionInfo;

/// N14/N15: a task whose subnets are IPv6-only (`Ipv6Native`) needs Linux,
/// platform 1.4.0 or later, a Region that supports it, and no ECS Exec.
/// Returns whether the task is IPv6-only.
pub fn check(
    subnets: &[&Subnet],
    windows: bool,
    version: &str,
    region: &RegionInfo,
    exec: bool,
) -> Result<bool> {
    let native = subnets.iter().filter(|s| s.ipv6_native).count();
    if native == 0 {
        return Ok(false);
    }
    if native != subnets.len() {
        return Err(err::invalid_parameter(
            "Subnets must all be IPv6-only or all have an IPv4 CIDR block.",
        ));
    }
    if windows {
        return Err(err::invalid_parameter(
            "IPv6-only subnets are not supported on Windows.",
        ));
    }
    if !super::platform::version_at_least(version, "1.4.0") {
        return Err(err::invalid_parameter(
            "IPv6-only subnets require platform version 1.4.0 or later.",
        ));
    }
    if !region.supports_ipv6_only_tasks() {
        return Err(err::invalid_parameter(
            "IPv6-only subnets are not supported in this Region.",
        ));
    }
    if exec {
        return Err(err::invalid_parameter(
            "ECS Exec is not supported in an IPv6-only configuration.",
        ));
    }
    Ok(true)
}
