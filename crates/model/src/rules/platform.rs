//! Fargate platform versions and what each supports.

use crate::ecs::err;
use crate::ecs::types::TaskDefinition;
use crate::error::Result;

pub const LINUX_LATEST: &str = "1.4.0";
pub const WINDOWS_LATEST: &str = "1.0.0";

/// N7: resolve a requested platform version; responses always carry the
/// resolved version, never `LATEST`.
pub fn resolve(requested: Option<&str>, windows: bool) -> Result<&'static str> {
    let r = requested.unwrap_or("LATEST");
    let known: &[&'static str] = if windows {
        &["1.0.0"]
    } else {
        &["1.3.0", "1.4.0"]
    };
    if r == "LATEST" {
        return Ok(if windows {
            WINDOWS_LATEST
        } else {
            LINUX_LATEST
        });
    }
    known
        .iter()
        .copied()
        .find(|k| *k == r)
        .ok_or_else(err::platform_unknown)
}

/// N7: features a platform version lacks (EFS volumes and configurable
/// ephemeral storage need Linux 1.4.0).
pub fn check_task_definition(version: &str, td: &TaskDefinition) -> Result<()> {
    if version == "1.3.0" {
        // EFS volumes, configurable ephemeral storage and more than 4 vCPU.
        let big = td
            .cpu
            .as_deref()
            .and_then(|c| c.parse::<i64>().ok())
            .is_some_and(|c| c > 4096);
        if td.efs_volumes || td.ephemeral_storage.is_some() || big {
            return Err(err::platform_incompatible());
        }
    }
    Ok(())
}

/// N18: task ENI MTU.
pub fn task_eni_mtu(version: &str, windows: bool) -> u32 {
    if windows || version != "1.3.0" {
        9001
    } else {
        1500
    }
}

/// N13: platforms that give tasks an IPv6 address in dual-stack subnets.
pub fn supports_dual_stack(version: &str, windows: bool) -> bool {
    if windows {
        version == "1.0.0"
    } else {
        version_at_least(version, "1.4.0")
    }
}

/// N30: on Linux PV 1.3.0 and earlier, ECR authorization and secrets travel
/// over the Fargate-owned ENI rather than the task ENI.
pub fn uses_fargate_owned_eni(version: &str, windows: bool) -> bool {
    !windows && !version_at_least(version, "1.4.0")
}

pub fn version_at_least(v: &str, min: &str) -> bool {
    let parse = |s: &str| {
        s.split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    parse(v) >= parse(min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n7_resolution() {
        assert_eq!(resolve(None, false).unwrap(), "1.4.0");
        assert_eq!(resolve(Some("LATEST"), true).unwrap(), "1.0.0");
        assert_eq!(resolve(Some("1.3.0"), false).unwrap(), "1.3.0");
        assert_eq!(
            resolve(Some("1.4.0"), true).unwrap_err().code,
            "PlatformUnknownException"
        );
        assert_eq!(
            resolve(Some("9.9.9"), false).unwrap_err().code,
            "PlatformUnknownException"
        );
    }

    #[test]
    fn n18_and_n13() {
        assert_eq!(task_eni_mtu("1.4.0", false), 9001);
        assert_eq!(task_eni_mtu("1.3.0", false), 1500);
        assert_eq!(task_eni_mtu("1.0.0", true), 9001);
        assert!(supports_dual_stack("1.4.0", false));
        assert!(!supports_dual_stack("1.3.0", false));
        assert!(uses_fargate_owned_eni("1.3.0", false));
        assert!(!uses_fargate_owned_eni("1.4.0", false));
    }
}
