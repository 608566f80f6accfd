//! Elastic Load Balancing v2 for ECS on Fargate (N50–N53): Application and
//! Network Load Balancers with their nodes' ENIs, target groups, listeners
//! and rules, target registrations, and target health derived from the
//! network, not from a timer.
//!
//! Everything lives in `ElbState` (`Region::elb`): five tables and one
//! derived index, registered once in `world.rs`.
//!
//! # State and health are computed on read
//!
//! Nothing here reads a clock or writes on a read. A load balancer is
//! `provisioning` until `created + ElbTiming::provisioning_ms`, then
//! `active`. A target's health is a function of its registration, the
//! target group's settings, the load balancers using the group, the
//! network and `now` (see `targets.rs`): `initial` while registration and
//! the first checks run (their length is AWS's health-check intervals
//! scaled by `ElbTiming::ms_per_second`), then `healthy` when every load
//! balancer node that checks it reaches the target's address on the
//! health-check port through the node's security groups, both subnets'
//! network ACLs and the target's security groups
//! (`Region::trace_flow`), else `unhealthy`; `draining` for the
//! deregistration delay after DeregisterTargets, then gone.
//!
//! # The model API for the ECS service scheduler (N50–N52)
//!
//! ```text
//! // N50: a service's target group must exist, be of type ip, and be used by a load balancer.
//! Region::target_group(&self, arn: &str) -> Result<&TargetGroup>
//! Region::target_group_load_balancers(&self, tg_arn: &str) -> Vec<String>   // empty: no associated LB
//! // N51: register / deregister a task's address on its container port.
//! Region::register_ip_target(&mut self, tg_arn: &str, ip: IpAddr, port: i32, now: Millis) -> Result<()>
//! Region::deregister_ip_target(&mut self, tg_arn: &str, ip: IpAddr, port: i32,
//!                              timing: &ElbTiming, now: Millis) -> Result<Option<Millis>>  // when draining ends
//! // The target's health as DescribeTargetHealth reports it, and why (for `tasknet explain --service`).
//! Region::target_health(&self, tg_arn: &str, target_id: &str, port: i32,
//!                       timing: &ElbTiming, now: Millis) -> Result<TargetHealthDescription>
//! Region::explain_target_health(&self, tg_arn: &str, target_id: &str, port: i32,
//!                               timing: &ElbTiming, now: Millis) -> Result<HealthExplanation>
//! // What a VPC or subnet holds.
//! Region::load_balancers_in_vpc(&self, vpc_id: &str) -> Vec<&LoadBalancer>
//! Region::target_groups_in_vpc(&self, vpc_id: &str) -> Vec<&TargetGroup>
//! Region::load_balancers_in_subnet(&self, subnet_id: &str) -> Vec<&LoadBalancer>
//! Region::target_groups_in_subnet(&self, subnet_id: &str) -> Vec<&TargetGroup>  // with targets there
//! ```
//!
//! N52 is enforced where AWS enforces it: a dual-stack load balancer needs
//! dual-stack subnets (`load_balancer.rs`), an `ipv6` target group takes
//! only `ip` targets and only IPv6 addresses and can be used only by a
//! dual-stack load balancer (`target_group.rs`, `targets.rs`,
//! `listener.rs`).

pub mod attributes;
pub mod err;
pub mod listener;
pub mod load_balancer;
pub mod tags;
pub mod target_group;
pub mod targets;
pub mod types;

#[cfg(test)]
mod tests;

use crate::table::Table;
use crate::undo::UndoMap;
use std::collections::BTreeSet;
use types::*;

pub use targets::{HealthExplanation, TargetHealth, TargetHealthDescription};

/// How fast ELB time runs. The control plane picks it with the task
/// lifecycle (`--lifecycle fast|realistic`) and passes it in; the model
/// never reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElbTiming {
    /// How long a new load balancer stays `provisioning`.
    pub provisioning_ms: i64,
    /// How long a new registration shows `Elb.RegistrationInProgress`.
    pub registration_ms: i64,
    /// Milliseconds of tasknet time per second of AWS time: health-check
    /// intervals and the deregistration delay are AWS seconds scaled by it.
    pub ms_per_second: i64,
}

impl ElbTiming {
    /// Sub-second health transitions: the default 30 s interval takes 300 ms.
    pub const fn fast() -> Self {
        ElbTiming {
            provisioning_ms: 300,
            registration_ms: 20,
            ms_per_second: 10,
        }
    }
    /// AWS's real intervals; provisioning about as long as a real ALB's.
    pub const fn realistic() -> Self {
        ElbTiming {
            provisioning_ms: 150_000,
            registration_ms: 1_000,
            ms_per_second: 1_000,
        }
    }
    /// The ELB timing that goes with a task lifecycle: `--lifecycle
    /// realistic` (phases of seconds) gives AWS's intervals, the fast
    /// default sub-second ones.
    pub fn for_lifecycle(lc: &crate::ecs::Lifecycle) -> Self {
        if lc.provisioning_ms + lc.pending_ms + lc.activating_ms >= 1_000 {
            ElbTiming::realistic()
        } else {
            ElbTiming::fast()
        }
    }
    /// AWS seconds as tasknet milliseconds.
    pub fn scaled(&self, seconds: i64) -> i64 {
        seconds.saturating_mul(self.ms_per_second)
    }
}

impl Default for ElbTiming {
    fn default() -> Self {
        ElbTiming::fast()
    }
}

#[derive(Default)]
pub struct ElbState {
    pub load_balancers: Table<LoadBalancer>,
    pub target_groups: Table<TargetGroup>,
    pub listeners: Table<Listener>,
    pub rules: Table<ListenerRule>,
    pub targets: Table<Target>,
    /// Derived: target group ARN → keys of its target records, so that
    /// DescribeTargetHealth reads one group without scanning every target.
    pub(crate) by_group: UndoMap<String, BTreeSet<String>>,
}

impl ElbState {
    pub(crate) fn fingerprint_into(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(out, "elb targets by group {:?}", self.by_group.sorted());
    }

    pub(crate) fn commit_derived(&mut self) {
        self.by_group.commit();
    }

    pub(crate) fn rollback_derived(&mut self) {
        self.by_group.rollback();
    }

    pub(crate) fn rebuild_derived(&mut self) {
        self.by_group.reset();
        for t in self.targets.iter() {
            self.by_group
                .get_or_insert_with(t.target_group_arn.clone(), BTreeSet::new)
                .insert(t.key.clone());
        }
        self.by_group.commit();
    }

    /// Keep a target record and the index together.
    pub(crate) fn insert_target(&mut self, t: Target) {
        self.by_group
            .get_or_insert_with(t.target_group_arn.clone(), BTreeSet::new)
            .insert(t.key.clone());
        self.targets.insert(t);
    }

    pub(crate) fn remove_target(&mut self, key: &str) {
        let Some(t) = self.targets.remove(key) else {
            return;
        };
        let empty = match self.by_group.get_mut(t.target_group_arn.as_str()) {
            Some(set) => {
                set.remove(key);
                set.is_empty()
            }
            None => false,
        };
        if empty {
            self.by_group.remove(t.target_group_arn.as_str());
        }
    }

    /// A group's target records in registration order.
    pub fn targets_of(&self, tg_arn: &str) -> Vec<&Target> {
        let Some(keys) = self.by_group.get(tg_arn) else {
            return Vec::new();
        };
        let mut v: Vec<(u64, &Target)> = keys
            .iter()
            .filter_map(|k| Some((self.targets.seq_of(k)?, self.targets.get(k)?)))
            .collect();
        v.sort_unstable_by_key(|(s, _)| *s);
        v.into_iter().map(|(_, t)| t).collect()
    }
}

/// The ARN prefix of this service in a Region.
pub(crate) fn arn_prefix(region: &str, account: &str) -> String {
    format!("arn:aws:elasticloadbalancing:{region}:{account}:")
}

/// What an ELBv2 ARN names, for the tag actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    LoadBalancer,
    TargetGroup,
    Listener,
    Rule,
}

impl ResourceKind {
    pub fn of(arn: &str) -> Option<ResourceKind> {
        let rest = arn.strip_prefix("arn:aws:elasticloadbalancing:")?;
        let resource = rest.splitn(3, ':').nth(2)?;
        if resource.starts_with("loadbalancer/") {
            Some(ResourceKind::LoadBalancer)
        } else if resource.starts_with("targetgroup/") {
            Some(ResourceKind::TargetGroup)
        } else if resource.starts_with("listener-rule/") {
            Some(ResourceKind::Rule)
        } else if resource.starts_with("listener/") {
            Some(ResourceKind::Listener)
        } else {
            None
        }
    }
}

/// LB and target group names: 1–32 alphanumerics and hyphens, not
/// beginning or ending with a hyphen (LBs also not with `internal-`).
pub(crate) enum NameProblem {
    TooLong,
    Characters,
    Hyphen,
}

pub(crate) fn check_name(name: &str) -> Result<(), NameProblem> {
    if name.len() > 32 {
        return Err(NameProblem::TooLong);
    }
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(NameProblem::Characters);
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(NameProblem::Hyphen);
    }
    Ok(())
}

/// Which of a set of strings `v` is, or the enum error.
pub(crate) fn one_of(v: &str, member: &str, set: &[&str]) -> crate::Result<()> {
    if set.contains(&v) {
        Ok(())
    } else {
        Err(err::not_in_enum(v, member, set))
    }
}

/// `PageSize` / `Marker` paging over records in creation order.
#[derive(Debug, Clone, Default)]
pub struct Paging {
    pub page_size: Option<i64>,
    pub marker: Option<String>,
}

impl Paging {
    /// One page of `(seq, item)` pairs in sequence order, and the marker
    /// of the next page.
    pub fn apply<T>(&self, items: Vec<(u64, T)>) -> crate::Result<(Vec<T>, Option<String>)> {
        let size = match self.page_size {
            Some(n) if !(1..=400).contains(&n) => return Err(err::page_size(n)),
            Some(n) => n as usize,
            None => 400,
        };
        let after = match &self.marker {
            None => None,
            Some(m) => Some(decode_marker(m).ok_or_else(err::invalid_marker)?),
        };
        let mut it = items
            .into_iter()
            .filter(|(s, _)| after.is_none_or(|a| *s > a))
            .peekable();
        let mut out = Vec::new();
        while let Some((s, t)) = it.next() {
            out.push(t);
            if out.len() >= size {
                return Ok((out, it.peek().map(|_| encode_marker(s))));
            }
        }
        Ok((out, None))
    }
}

fn encode_marker(seq: u64) -> String {
    format!("tn{:016x}", seq ^ 0x3c3c_3c3c_3c3c_3c3c)
}

fn decode_marker(m: &str) -> Option<u64> {
    let h = m.strip_prefix("tn")?;
    (h.len() == 16).then_some(())?;
    u64::from_str_radix(h, 16)
        .ok()
        .map(|v| v ^ 0x3c3c_3c3c_3c3c_3c3c)
}
