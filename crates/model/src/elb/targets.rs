//! Target registration (RegisterTargets, DeregisterTargets with AWS's
//! checks) and target health, computed on read from the network.
//!
//! # Health semantics
//!
//! A target's health checks start when it is registered, its group is
//! used by a listener or rule and the load balancer is active, whichever
//! is last. For `ElbTiming::registration_ms` it is `initial` /
//! `Elb.RegistrationInProgress`; then `initial` /
//! `Elb.InitialHealthChecking` until the first verdict: an ALB marks a
//! new target healthy after one passed check (ALB guide: "it must pass one
//! health check to be considered healthy"), an NLB after
//! `HealthyThresholdCount` checks; a failing target turns unhealthy after
//! `UnhealthyThresholdCount` checks. Check intervals are AWS seconds
//! scaled by `ElbTiming::ms_per_second`. After that the state follows the
//! network as it is now: tasknet does not record when a rule changed, so
//! a revoked rule makes a healthy target unhealthy at once.
//!
//! A check passes when every load balancer node that checks the target
//! reaches its address on the health-check port over TCP
//! (`Region::trace_flow`): the node's security groups, the node subnet's
//! and the target subnet's network ACLs (both ways), the routes and the
//! target's security groups. Which nodes check: cross-zone load balancing
//! decides. Every node of an ALB (always cross-zone) checks every target;
//! an NLB node checks only targets in its own zone unless
//! `load_balancing.cross_zone.enabled` is on (on the load balancer, or
//! overridden on the group). A target in a zone the load balancer does not
//! use is `unused` / `Target.NotInUse`. A blocked check is `Target.Timeout`
//! ("Request timed out") on an ALB — security groups and ACLs drop
//! packets, they do not refuse them — and `Target.FailedHealthChecks` on
//! an NLB, which reports only that reason. tasknet cannot know what an
//! application answers, so `Target.ResponseCodeMismatch` never occurs.

use super::attributes::{deregistration_delay, lb_attribute, tg_attribute};
use super::types::*;
use super::{err, ElbTiming};
use crate::reach::path::{Detail, Flow, PathResult};
use crate::time::Millis;
use crate::world::Region;
use crate::Result;
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr};

/// The most targets a group holds (AWS's quota).
pub const MAX_TARGETS: usize = 1000;

/// A target as given to RegisterTargets, DeregisterTargets and
/// DescribeTargetHealth.
#[derive(Debug, Clone, Default)]
pub struct TargetSpec {
    pub id: String,
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
}

/// `TargetHealth`: the state, and the reason and description unless healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetHealth {
    pub state: &'static str,
    pub reason: Option<&'static str>,
    pub description: Option<&'static str>,
}

impl TargetHealth {
    fn new(state: &'static str, reason: &'static str, description: &'static str) -> Self {
        TargetHealth {
            state,
            reason: Some(reason),
            description: Some(description),
        }
    }
    fn healthy() -> Self {
        TargetHealth {
            state: "healthy",
            reason: None,
            description: None,
        }
    }
    fn registering() -> Self {
        Self::new(
            "initial",
            "Elb.RegistrationInProgress",
            "Target registration is in progress",
        )
    }
    fn initial_checks() -> Self {
        Self::new(
            "initial",
            "Elb.InitialHealthChecking",
            "Initial health checks in progress",
        )
    }
    fn not_registered() -> Self {
        Self::new(
            "unused",
            "Target.NotRegistered",
            "Target is not registered to the target group",
        )
    }
}

/// One entry of DescribeTargetHealth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetHealthDescription {
    pub id: String,
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
    pub health_check_port: Option<String>,
    pub health: TargetHealth,
}

/// One node's health check of a target, hop by hop.
#[derive(Debug, Clone, Serialize)]
pub struct NodeCheck {
    pub load_balancer_arn: String,
    pub node_eni: String,
    pub availability_zone: String,
    pub path: PathResult,
}

/// Why a target has its health (`tasknet explain --service`).
#[derive(Debug, Clone, Serialize)]
pub struct HealthExplanation {
    pub target: TargetHealthDescription,
    /// The nodes that check the target and what each check meets; empty
    /// when no check runs (unused, draining, disabled).
    pub checks: Vec<NodeCheck>,
}

/// What every target of a group shares when its health is computed.
struct Group<'a> {
    tg: &'a TargetGroup,
    lbs: Vec<&'a LoadBalancer>,
    /// When the group started to be used (the earliest listener or rule
    /// forwarding to it) and its load balancers were all active.
    checks_from: Option<Millis>,
    /// Addresses of the load balancers' nodes (`Target.IpUnusable`).
    node_ips: Vec<IpAddr>,
}

/// RFC 1918 and RFC 6598 ranges: allowed for ip targets outside the VPC.
fn private_range(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    o[0] == 10
        || (o[0] == 172 && (16..32).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || (o[0] == 100 && (64..128).contains(&o[1]))
}

fn is_instance_id(id: &str) -> bool {
    crate::ids::is_well_formed(id, "i")
}

impl Region {
    fn elb_group<'a>(&'a self, tg: &'a TargetGroup, timing: &ElbTiming) -> Group<'a> {
        let uses = self.target_group_uses(&tg.arn);
        let mut lbs: Vec<&LoadBalancer> = Vec::new();
        for (_, arn) in &uses {
            if let Some(lb) = self.elb.load_balancers.get(arn) {
                if !lbs.iter().any(|l| l.arn == lb.arn) {
                    lbs.push(lb);
                }
            }
        }
        let used_since = uses.iter().map(|(t, _)| *t).min();
        let active = lbs.iter().map(|l| l.active_at(timing)).max();
        let checks_from = used_since.map(|u| active.map_or(u, |a| u.max(a)));
        let node_ips = lbs
            .iter()
            .flat_map(|l| l.subnets.iter())
            .filter_map(|s| self.enis.get(&s.eni_id))
            .flat_map(|e| {
                e.private_ips
                    .iter()
                    .map(|p| IpAddr::V4(p.ip))
                    .chain(e.ipv6_addresses.iter().map(|v| IpAddr::V6(*v)))
            })
            .collect();
        Group {
            tg,
            lbs,
            checks_from,
            node_ips,
        }
    }

    /// Where a target's health checks are sent.
    fn health_check_port(tg: &TargetGroup, t: &Target) -> Option<String> {
        if tg.target_type == "lambda" {
            return None;
        }
        match tg.health.port.as_str() {
            "traffic-port" => t.port.map(|p| p.to_string()),
            p => Some(p.to_string()),
        }
    }

    /// The nodes that check a target: every node with cross-zone load
    /// balancing, else those in the target's zone.
    fn checking_nodes<'a>(
        &self,
        g: &Group<'a>,
        t: &Target,
    ) -> Vec<(&'a LoadBalancer, &'a LbSubnet)> {
        let mut out = Vec::new();
        for lb in &g.lbs {
            let cross = match tg_attribute(g.tg, "load_balancing.cross_zone.enabled") {
                Some("true") => true,
                Some("false") => false,
                _ => lb_attribute(lb, "load_balancing.cross_zone.enabled") == Some("true"),
            };
            let zone = t.availability_zone.as_deref();
            for s in &lb.subnets {
                if cross || zone.is_none_or(|z| z == "all" || z == s.availability_zone) {
                    out.push((*lb, s));
                }
            }
        }
        out
    }

    /// Run the checks of a target: whether all pass, and each node's path
    /// (written with `Detail::Full`).
    fn run_checks(
        &self,
        g: &Group,
        t: &Target,
        timing: &ElbTiming,
        now: Millis,
        detail: Detail,
    ) -> (bool, Vec<NodeCheck>) {
        let mut checks = Vec::new();
        match g.tg.target_type.as_str() {
            "lambda" => (true, checks),
            "alb" => {
                // An ALB target answers when it is active and listens on the port.
                let ok = self.elb.load_balancers.get(&t.target_id).is_some_and(|a| {
                    a.state(timing, now) == "active"
                        && self
                            .elb
                            .listeners
                            .iter()
                            .any(|l| l.load_balancer_arn == a.arn && Some(l.port) == t.port)
                });
                (ok, checks)
            }
            _ => {
                let (Ok(ip), Some(port)) = (
                    t.target_id.parse::<IpAddr>(),
                    Self::health_check_port(g.tg, t).and_then(|p| p.parse::<i32>().ok()),
                ) else {
                    return (false, checks);
                };
                let mut ok = true;
                for (lb, node) in self.checking_nodes(g, t) {
                    let Some(path) = self.trace_flow_hinted(
                        &node.eni_id,
                        ip,
                        t.eni_hint.as_deref(),
                        Flow::tcp(port),
                        detail,
                    ) else {
                        continue;
                    };
                    let blocked = path.blocked.is_some();
                    ok &= !blocked;
                    if detail == Detail::Full {
                        checks.push(NodeCheck {
                            load_balancer_arn: lb.arn.clone(),
                            node_eni: node.eni_id.clone(),
                            availability_zone: node.availability_zone.clone(),
                            path,
                        });
                    } else if blocked {
                        // The verdict is known: no need to trace the other nodes.
                        break;
                    }
                }
                (ok, checks)
            }
        }
    }

    /// A registered (or draining) target's health at `now`.
    fn health_of(
        &self,
        g: &Group,
        t: &Target,
        timing: &ElbTiming,
        now: Millis,
        detail: Detail,
    ) -> (TargetHealth, Vec<NodeCheck>) {
        if t.drain_until.is_some() {
            return (
                TargetHealth::new(
                    "draining",
                    "Target.DeregistrationInProgress",
                    "Target deregistration is in progress",
                ),
                Vec::new(),
            );
        }
        let Some(from) = g.checks_from else {
            return (
                TargetHealth::new(
                    "unused",
                    "Target.NotInUse",
                    "Target group is not configured to receive traffic from the load balancer",
                ),
                Vec::new(),
            );
        };
        if !g.tg.health.enabled {
            return (
                TargetHealth::new(
                    "unavailable",
                    "Target.HealthCheckDisabled",
                    "Health checks are disabled",
                ),
                Vec::new(),
            );
        }
        if let Some(z) = t.availability_zone.as_deref() {
            if z != "all" && !g.lbs.iter().any(|l| l.zones().any(|x| x == z)) {
                return (
                    TargetHealth::new(
                        "unused",
                        "Target.NotInUse",
                        "Target is in an Availability Zone that is not enabled for the load balancer",
                    ),
                    Vec::new(),
                );
            }
        }
        if let Ok(ip) = t.target_id.parse::<IpAddr>() {
            if g.node_ips.contains(&ip) {
                return (
                    TargetHealth::new(
                        "unused",
                        "Target.IpUnusable",
                        "The IP address cannot be used as a target, as it is in use by a load balancer",
                    ),
                    Vec::new(),
                );
            }
        }
        let elapsed = now.0 - from.max(t.registered).0;
        if elapsed < timing.registration_ms {
            // No check has run yet; an explanation still shows what the
            // first ones will meet.
            let checks = match detail {
                Detail::Full => self.run_checks(g, t, timing, now, detail).1,
                Detail::Verdict => Vec::new(),
            };
            return (TargetHealth::registering(), checks);
        }
        let (ok, checks) = self.run_checks(g, t, timing, now, detail);
        let interval = timing.scaled(g.tg.health.interval_seconds as i64);
        let network = g.lbs.iter().all(|l| l.lb_type == LbType::Network);
        let checks_needed = match (ok, network) {
            // ALB guide: a new target "must pass one health check".
            (true, false) => 1,
            (true, true) => g.tg.health.healthy_threshold as i64,
            (false, _) => g.tg.health.unhealthy_threshold as i64,
        };
        if elapsed < timing.registration_ms + interval * checks_needed {
            return (TargetHealth::initial_checks(), checks);
        }
        let health = match (ok, network) {
            (true, _) => TargetHealth::healthy(),
            (false, false) => TargetHealth::new("unhealthy", "Target.Timeout", "Request timed out"),
            (false, true) => TargetHealth::new(
                "unhealthy",
                "Target.FailedHealthChecks",
                "Health checks failed",
            ),
        };
        (health, checks)
    }

    fn elb_describe_target(
        &self,
        g: &Group,
        t: &Target,
        timing: &ElbTiming,
        now: Millis,
        detail: Detail,
    ) -> (TargetHealthDescription, Vec<NodeCheck>) {
        let (health, checks) = self.health_of(g, t, timing, now, detail);
        (
            TargetHealthDescription {
                id: t.target_id.clone(),
                port: t.port,
                availability_zone: t.availability_zone.clone(),
                health_check_port: Self::health_check_port(g.tg, t),
                health,
            },
            checks,
        )
    }

    /// The present registrations matching a spec (any port when none is given).
    fn elb_matching<'a>(
        &'a self,
        tg: &TargetGroup,
        spec: &TargetSpec,
        now: Millis,
    ) -> Vec<&'a Target> {
        self.elb
            .targets_of(&tg.arn)
            .into_iter()
            .filter(|t| {
                t.present(now)
                    && t.target_id == spec.id
                    && spec.port.is_none_or(|p| t.port == Some(p))
            })
            .collect()
    }

    /// DescribeTargetHealth: every registered and draining target of the
    /// group, or the given ones (`unused` / `Target.NotRegistered` for
    /// one that is not registered).
    pub fn describe_target_health(
        &self,
        tg_arn: &str,
        specs: &[TargetSpec],
        timing: &ElbTiming,
        now: Millis,
    ) -> Result<Vec<TargetHealthDescription>> {
        let tg = self.target_group(tg_arn)?;
        let g = self.elb_group(tg, timing);
        if specs.is_empty() {
            return Ok(self
                .elb
                .targets_of(tg_arn)
                .into_iter()
                .filter(|t| t.present(now))
                .map(|t| {
                    self.elb_describe_target(&g, t, timing, now, Detail::Verdict)
                        .0
                })
                .collect());
        }
        if tg.target_type == "instance" {
            let missing: Vec<String> = specs
                .iter()
                .filter(|s| self.elb_matching(tg, s, now).is_empty())
                .map(|s| s.id.clone())
                .collect();
            if !missing.is_empty() {
                return Err(err::instances_missing(&missing));
            }
        }
        let mut out = Vec::new();
        for s in specs {
            let found = self.elb_matching(tg, s, now);
            if found.is_empty() {
                out.push(TargetHealthDescription {
                    id: s.id.clone(),
                    port: s.port.or(tg.port),
                    availability_zone: s.availability_zone.clone(),
                    health_check_port: None,
                    health: TargetHealth::not_registered(),
                });
            }
            for t in found {
                out.push(
                    self.elb_describe_target(&g, t, timing, now, Detail::Verdict)
                        .0,
                );
            }
        }
        Ok(out)
    }

    /// The health of one target of a group, as DescribeTargetHealth
    /// reports it (for the ECS service scheduler).
    pub fn target_health(
        &self,
        tg_arn: &str,
        target_id: &str,
        port: i32,
        timing: &ElbTiming,
        now: Millis,
    ) -> Result<TargetHealthDescription> {
        let spec = TargetSpec {
            id: target_id.to_string(),
            port: Some(port),
            availability_zone: None,
        };
        self.describe_target_health(tg_arn, &[spec], timing, now)?
            .into_iter()
            .next()
            .ok_or_else(err::target_group_not_found)
    }

    /// A target's health with every node's check written out hop by hop
    /// (N43's explanation, for `tasknet explain --service`).
    pub fn explain_target_health(
        &self,
        tg_arn: &str,
        target_id: &str,
        port: i32,
        timing: &ElbTiming,
        now: Millis,
    ) -> Result<HealthExplanation> {
        let tg = self.target_group(tg_arn)?;
        let g = self.elb_group(tg, timing);
        let spec = TargetSpec {
            id: target_id.to_string(),
            port: Some(port),
            availability_zone: None,
        };
        match self.elb_matching(tg, &spec, now).first() {
            Some(t) => {
                let (target, checks) = self.elb_describe_target(&g, t, timing, now, Detail::Full);
                Ok(HealthExplanation { target, checks })
            }
            None => {
                // Not registered (yet): the checks it would meet once it is,
                // so that a task about to be registered is explained too.
                let zone = self.check_ip_target(tg, &spec).ok();
                let checks = match zone {
                    Some((availability_zone, zone_given, eni_hint)) => {
                        let prospective = Target {
                            key: String::new(),
                            region: self.info.name.to_string(),
                            target_group_arn: tg.arn.clone(),
                            target_id: target_id.to_string(),
                            port: Some(port),
                            availability_zone,
                            zone_given,
                            registered: now,
                            eni_hint,
                            drain_until: None,
                        };
                        self.run_checks(&g, &prospective, timing, now, Detail::Full)
                            .1
                    }
                    None => Vec::new(),
                };
                Ok(HealthExplanation {
                    target: TargetHealthDescription {
                        id: target_id.to_string(),
                        port: Some(port),
                        availability_zone: None,
                        health_check_port: None,
                        health: TargetHealth::not_registered(),
                    },
                    checks,
                })
            }
        }
    }

    /// Check one target for a group; returns (zone, zone given, ENI hint).
    fn elb_check_target(
        &self,
        tg: &TargetGroup,
        s: &TargetSpec,
    ) -> Result<(Option<String>, bool, Option<String>)> {
        match tg.target_type.as_str() {
            "ip" => self.check_ip_target(tg, s),
            "instance" => {
                // tasknet emulates no EC2 instances, so none can exist.
                if is_instance_id(&s.id) {
                    Err(err::instances_missing(std::slice::from_ref(&s.id)))
                } else {
                    Err(err::instance_id_invalid(&s.id))
                }
            }
            "lambda" => {
                let prefix = format!("arn:aws:lambda:{}:", self.info.name);
                if !s.id.starts_with(&prefix) || !s.id.contains(":function:") {
                    return Err(err::lambda_target(&s.id));
                }
                Ok((None, false, None))
            }
            _ => {
                // alb: an ALB of this account and Region.
                match self.elb.load_balancers.get(&s.id) {
                    Some(a) if a.lb_type == LbType::Application => {
                        Ok((Some("all".into()), false, None))
                    }
                    _ => Err(err::alb_target(&s.id)),
                }
            }
        }
    }

    /// An ip target: of the group's family; in a subnet of the VPC (zone
    /// found from it, and not to be overridden), or in a private range
    /// with a zone given (`all` or a zone of the Region).
    fn check_ip_target(
        &self,
        tg: &TargetGroup,
        s: &TargetSpec,
    ) -> Result<(Option<String>, bool, Option<String>)> {
        let ip: IpAddr = s.id.parse().map_err(|_| err::ip_invalid(&s.id))?;
        let family = tg.ip_address_type.as_deref().unwrap_or("ipv4");
        if (family == "ipv6") != ip.is_ipv6() {
            return Err(err::ip_family(&s.id, family));
        }
        let vpc = tg.vpc_id.as_deref().unwrap_or("");
        let subnet = self.subnets.iter().find(|sub| {
            sub.vpc_id == vpc
                && match ip {
                    IpAddr::V4(v) => sub.cidr.is_some_and(|c| c.contains(v)),
                    IpAddr::V6(v) => sub.ipv6_blocks.iter().any(|b| b.cidr.contains(v)),
                }
        });
        if let Some(sub) = subnet {
            if let Some(z) = &s.availability_zone {
                if *z != sub.availability_zone {
                    return Err(err::az_override(&s.id, z, &sub.availability_zone));
                }
            }
            let hint = self.eni_with_address(vpc, ip).map(|e| e.id.clone());
            return Ok((Some(sub.availability_zone.clone()), false, hint));
        }
        let IpAddr::V4(v4) = ip else {
            return Err(err::ipv6_outside_vpc(&s.id));
        };
        if !private_range(v4) {
            return Err(err::ip_public(&s.id));
        }
        match s.availability_zone.as_deref() {
            None => Err(err::az_required(&s.id)),
            Some("all") => Ok((Some("all".into()), true, None)),
            Some(z) if self.info.zone(z).is_some() => Ok((Some(z.to_string()), true, None)),
            Some(z) => Err(err::az_unknown(z)),
        }
    }

    /// Forget registrations of a group that finished draining (reads
    /// already skip them; this keeps the table from growing).
    fn purge_drained(&mut self, tg_arn: &str, now: Millis) {
        let gone: Vec<String> = self
            .elb
            .targets_of(tg_arn)
            .into_iter()
            .filter(|t| !t.present(now))
            .map(|t| t.key.clone())
            .collect();
        for k in gone {
            self.elb.remove_target(&k);
        }
    }

    /// RegisterTargets: all checked first, then registered. Registering a
    /// registered target changes nothing; a draining one is registered
    /// anew.
    pub fn register_targets(
        &mut self,
        tg_arn: &str,
        specs: &[TargetSpec],
        now: Millis,
    ) -> Result<()> {
        let tg = self.target_group(tg_arn)?.clone();
        if specs.is_empty() {
            return Err(err::missing("targets"));
        }
        let mut checked = Vec::new();
        for s in specs {
            let port = match tg.target_type.as_str() {
                "lambda" => None,
                _ => Some(
                    s.port
                        .or(tg.port)
                        .ok_or_else(|| err::port_required(&s.id))?,
                ),
            };
            if let Some(p) = port {
                if !(1..=65535).contains(&p) {
                    return Err(err::out_of_range(p as i64, "port", 1, 65535));
                }
            }
            let (zone, given, hint) = self.elb_check_target(&tg, s)?;
            checked.push((s, port, zone, given, hint));
        }
        self.purge_drained(tg_arn, now);
        if tg.target_type == "lambda" {
            let others = self
                .elb
                .targets_of(tg_arn)
                .iter()
                .any(|t| !specs.iter().any(|s| s.id == t.target_id));
            if others || specs.len() > 1 {
                return Err(err::lambda_one_target());
            }
        }
        let mut count = self.elb.by_group.get(tg_arn).map_or(0, |s| s.len());
        for (s, port, zone, given, hint) in checked {
            let key = Target::key(tg_arn, &s.id, port);
            match self.elb.targets.get(&key) {
                Some(t) if t.drain_until.is_none() => continue,
                Some(_) => {}
                None => count += 1,
            }
            if count > MAX_TARGETS {
                return Err(err::too_many_targets());
            }
            self.elb.insert_target(Target {
                key,
                region: self.info.name.to_string(),
                target_group_arn: tg_arn.to_string(),
                target_id: s.id.clone(),
                port,
                availability_zone: zone,
                zone_given: given,
                registered: now,
                eni_hint: hint,
                drain_until: None,
            });
        }
        Ok(())
    }

    /// DeregisterTargets: registered targets drain for the group's
    /// `deregistration_delay.timeout_seconds` (scaled by `timing`) while
    /// the group is in use, else go at once. Unknown targets are ignored
    /// (DOC). Returns when the last of them is gone.
    pub fn deregister_targets(
        &mut self,
        tg_arn: &str,
        specs: &[TargetSpec],
        timing: &ElbTiming,
        now: Millis,
    ) -> Result<Option<Millis>> {
        let tg = self.target_group(tg_arn)?.clone();
        if specs.is_empty() {
            return Err(err::missing("targets"));
        }
        let in_use = !self.target_group_uses(tg_arn).is_empty();
        let until = now.plus_ms(timing.scaled(deregistration_delay(&tg)));
        let mut last: Option<Millis> = None;
        for s in specs {
            let port = match tg.target_type.as_str() {
                "lambda" => None,
                _ => s.port.or(tg.port),
            };
            let key = Target::key(tg_arn, &s.id, port);
            let Some(t) = self.elb.targets.get(&key) else {
                continue;
            };
            if !t.present(now) || t.drain_until.is_some() {
                last = last.max(t.drain_until);
                continue;
            }
            if in_use && until > now {
                if let Some(t) = self.elb.targets.get_mut(&key) {
                    t.drain_until = Some(until);
                }
                last = last.max(Some(until));
            } else {
                self.elb.remove_target(&key);
                last = last.max(Some(now));
            }
        }
        self.purge_drained(tg_arn, now);
        Ok(last)
    }

    /// N51: ECS registers a task's address on its container port.
    pub fn register_ip_target(
        &mut self,
        tg_arn: &str,
        ip: IpAddr,
        port: i32,
        now: Millis,
    ) -> Result<()> {
        let spec = TargetSpec {
            id: ip.to_string(),
            port: Some(port),
            availability_zone: None,
        };
        self.register_targets(tg_arn, &[spec], now)
    }

    /// N51: and deregisters it when the task stops; returns when the
    /// target has drained (the task stays DEACTIVATING until then).
    pub fn deregister_ip_target(
        &mut self,
        tg_arn: &str,
        ip: IpAddr,
        port: i32,
        timing: &ElbTiming,
        now: Millis,
    ) -> Result<Option<Millis>> {
        let spec = TargetSpec {
            id: ip.to_string(),
            port: Some(port),
            availability_zone: None,
        };
        self.deregister_targets(tg_arn, &[spec], timing, now)
    }
}
