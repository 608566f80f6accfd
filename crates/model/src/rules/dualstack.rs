//! Dual-stack task ENIs.

use crate::ec2::types::{Subnet, Vpc};

/// N13: a task ENI gets an IPv6 address besides IPv4 when the launching
/// principal's effective `dualStackIPv6` setting is `enabled`, the VPC and the
/// subnet have IPv6 blocks, the subnet assigns IPv6 on creation, and the
/// platform supports it. Otherwise the task is IPv4-only and nothing errors.
pub fn task_gets_ipv6(
    setting_enabled: bool,
    vpc: &Vpc,
    subnet: &Subnet,
    platform_ok: bool,
) -> bool {
    setting_enabled
        && platform_ok
        && !vpc.ipv6_blocks.is_empty()
        && !subnet.ipv6_blocks.is_empty()
        && subnet.assign_ipv6_address_on_creation
        && subnet.cidr.is_some()
}
