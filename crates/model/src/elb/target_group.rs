//! Target groups: target types, protocols, IP address types (N52: `ipv6`
//! only for `ip` targets), health check settings with AWS's defaults per
//! protocol, and which load balancers use a group (N50).

use super::types::*;
use super::{err, one_of, NameProblem, Paging};
use crate::ec2::types::Tag;
use crate::ids;
use crate::time::Millis;
use crate::world::Region;
use crate::Result;

pub const TARGET_TYPES: &[&str] = &["instance", "ip", "lambda", "alb"];
pub const PROTOCOLS: &[&str] = &[
    "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC",
];
pub const IP_TYPES: &[&str] = &["ipv4", "ipv6"];
pub const PROTOCOL_VERSIONS: &[&str] = &["HTTP1", "HTTP2", "GRPC"];

/// Health check settings as given (CreateTargetGroup, ModifyTargetGroup).
#[derive(Debug, Clone, Default)]
pub struct HealthCheckArgs {
    pub enabled: Option<bool>,
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub path: Option<String>,
    pub interval_seconds: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub healthy_threshold: Option<i32>,
    pub unhealthy_threshold: Option<i32>,
    pub matcher_http: Option<String>,
    pub matcher_grpc: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateTargetGroup {
    pub name: String,
    pub protocol: Option<String>,
    pub protocol_version: Option<String>,
    pub port: Option<i32>,
    pub vpc_id: Option<String>,
    pub target_type: Option<String>,
    pub ip_address_type: Option<String>,
    pub health: HealthCheckArgs,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default)]
pub struct DescribeTargetGroups {
    pub load_balancer_arn: Option<String>,
    pub arns: Vec<String>,
    pub names: Vec<String>,
    pub paging: Paging,
}

fn is_http(p: Option<&str>) -> bool {
    matches!(p, Some("HTTP" | "HTTPS"))
}

/// AWS's defaults for a group of this protocol and target type (ALB and
/// NLB guides, "Health checks for your target groups"), before the given
/// settings are applied.
pub fn health_defaults(
    target_type: &str,
    protocol: Option<&str>,
    protocol_version: Option<&str>,
    hc_protocol: Option<&str>,
) -> HealthCheck {
    let grpc = protocol_version == Some("GRPC");
    if target_type == "lambda" {
        return HealthCheck {
            enabled: false,
            protocol: None,
            port: String::new(),
            path: Some("/".into()),
            interval_seconds: 35,
            timeout_seconds: 30,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            matcher_http: Some("200".into()),
            matcher_grpc: None,
        };
    }
    if is_http(protocol) {
        let hc = hc_protocol.unwrap_or(protocol.unwrap_or("HTTP"));
        return HealthCheck {
            enabled: true,
            protocol: Some(hc.to_string()),
            port: "traffic-port".into(),
            path: Some(if grpc { "/AWS.ALB/healthcheck" } else { "/" }.into()),
            interval_seconds: 30,
            timeout_seconds: 5,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            matcher_http: (!grpc).then(|| "200".into()),
            matcher_grpc: grpc.then(|| "12".into()),
        };
    }
    // Network groups: TCP checks unless HTTP(S) is asked for; ALB-type
    // targets are checked over HTTP.
    let default_hc = if target_type == "alb" { "HTTP" } else { "TCP" };
    let hc = hc_protocol.unwrap_or(default_hc);
    let http = is_http(Some(hc));
    HealthCheck {
        enabled: true,
        protocol: Some(hc.to_string()),
        port: "traffic-port".into(),
        path: http.then(|| "/".into()),
        interval_seconds: 30,
        timeout_seconds: match hc {
            "HTTP" => 6,
            _ => 10,
        },
        healthy_threshold: 5,
        unhealthy_threshold: 2,
        matcher_http: http.then(|| "200-399".into()),
        matcher_grpc: None,
    }
}

/// Apply and check the given health check settings for a group.
fn apply_health(
    h: &mut HealthCheck,
    a: &HealthCheckArgs,
    target_type: &str,
    protocol: Option<&str>,
    protocol_version: Option<&str>,
) -> Result<()> {
    if let Some(en) = a.enabled {
        if !en && target_type != "lambda" {
            return Err(err::health_check_disabled(target_type));
        }
        h.enabled = en;
    }
    if let Some(p) = &a.protocol {
        one_of(p, "healthCheckProtocol", PROTOCOLS)?;
        let allowed: &[&str] = if is_http(protocol) || matches!(target_type, "lambda" | "alb") {
            &["HTTP", "HTTPS"]
        } else {
            &["TCP", "HTTP", "HTTPS"]
        };
        if !allowed.contains(&p.as_str()) {
            return Err(err::health_check_protocol(p, protocol.unwrap_or("lambda")));
        }
        let was_http = is_http(h.protocol.as_deref());
        h.protocol = Some(p.clone());
        // Switching a network group's check to or from HTTP brings its path
        // and matcher (and timeout) with it.
        if !is_http(protocol) && target_type != "lambda" && was_http != is_http(Some(p)) {
            let d = health_defaults(target_type, protocol, protocol_version, Some(p));
            h.path = d.path;
            h.matcher_http = d.matcher_http;
            h.timeout_seconds = d.timeout_seconds;
        }
    }
    if let Some(port) = &a.port {
        let ok =
            port == "traffic-port" || port.parse::<i32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !ok {
            return Err(err::health_check_port(port));
        }
        h.port = port.clone();
    }
    if let Some(path) = &a.path {
        if !is_http(h.protocol.as_deref()) && target_type != "lambda" {
            return Err(err::path_not_allowed(h.protocol.as_deref().unwrap_or("")));
        }
        if !path.starts_with('/') || path.len() > 1024 {
            return Err(err::validation(format!(
                "Health check path '{path}' must begin with a '/' and be at most 1024 characters"
            )));
        }
        h.path = Some(path.clone());
    }
    let range = |v: Option<i32>, member: &str, lo: i64, hi: i64| -> Result<Option<i32>> {
        match v {
            Some(n) if !(lo..=hi).contains(&(n as i64)) => {
                Err(err::out_of_range(n as i64, member, lo, hi))
            }
            other => Ok(other),
        }
    };
    if let Some(n) = range(a.interval_seconds, "healthCheckIntervalSeconds", 5, 300)? {
        h.interval_seconds = n;
    }
    if let Some(n) = range(a.timeout_seconds, "healthCheckTimeoutSeconds", 2, 120)? {
        h.timeout_seconds = n;
    }
    if let Some(n) = range(a.healthy_threshold, "healthyThresholdCount", 2, 10)? {
        h.healthy_threshold = n;
    }
    if let Some(n) = range(a.unhealthy_threshold, "unhealthyThresholdCount", 2, 10)? {
        h.unhealthy_threshold = n;
    }
    if h.timeout_seconds >= h.interval_seconds {
        return Err(err::health_check_interval_timeout());
    }
    if let Some(m) = &a.matcher_http {
        if !matcher_ok(m, 200, 499) {
            return Err(err::matcher(m));
        }
        h.matcher_http = Some(m.clone());
    }
    if let Some(m) = &a.matcher_grpc {
        if !matcher_ok(m, 0, 99) {
            return Err(err::matcher(m));
        }
        h.matcher_grpc = Some(m.clone());
    }
    Ok(())
}

/// `200`, `200,202` or `200-299`, each code in [lo, hi].
fn matcher_ok(m: &str, lo: u32, hi: u32) -> bool {
    let code = |s: &str| {
        s.trim()
            .parse::<u32>()
            .is_ok_and(|n| (lo..=hi).contains(&n))
    };
    !m.is_empty()
        && m.split(',').all(|part| match part.split_once('-') {
            Some((a, b)) => code(a) && code(b),
            None => code(part),
        })
}

impl Region {
    pub fn target_group(&self, arn: &str) -> Result<&TargetGroup> {
        self.elb
            .target_groups
            .get(arn)
            .ok_or_else(err::target_group_not_found)
    }

    pub fn target_groups_in_vpc(&self, vpc_id: &str) -> Vec<&TargetGroup> {
        self.elb
            .target_groups
            .iter()
            .filter(|t| t.vpc_id.as_deref() == Some(vpc_id))
            .collect()
    }

    /// The groups with a registered address in a subnet (where a task of
    /// that subnet would be checked from).
    pub fn target_groups_in_subnet(&self, subnet_id: &str) -> Vec<&TargetGroup> {
        let Some(s) = self.subnets.get(subnet_id) else {
            return Vec::new();
        };
        let inside = |id: &str| match id.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(v)) => s.cidr.is_some_and(|c| c.contains(v)),
            Ok(std::net::IpAddr::V6(v)) => s.ipv6_blocks.iter().any(|b| b.cidr.contains(v)),
            Err(_) => false,
        };
        self.elb
            .target_groups
            .iter()
            .filter(|tg| {
                tg.vpc_id.as_deref() == Some(s.vpc_id.as_str())
                    && self
                        .elb
                        .targets_of(&tg.arn)
                        .iter()
                        .any(|t| inside(&t.target_id))
            })
            .collect()
    }

    /// Every (action set time, load balancer ARN) of listeners and rules
    /// forwarding to the group.
    pub(crate) fn target_group_uses(&self, tg_arn: &str) -> Vec<(Millis, &str)> {
        let mut out: Vec<(Millis, &str)> = Vec::new();
        for l in self.elb.listeners.iter() {
            if l.default_actions
                .iter()
                .any(|a| a.target_groups().any(|t| t == tg_arn))
            {
                out.push((l.actions_set, l.load_balancer_arn.as_str()));
            }
        }
        for r in self.elb.rules.iter() {
            if r.actions
                .iter()
                .any(|a| a.target_groups().any(|t| t == tg_arn))
            {
                if let Some(l) = self.elb.listeners.get(&r.listener_arn) {
                    out.push((r.actions_set, l.load_balancer_arn.as_str()));
                }
            }
        }
        out
    }

    /// N50: the load balancers whose listeners or rules forward to the
    /// group (`LoadBalancerArns`); empty means "does not have an
    /// associated load balancer".
    pub fn target_group_load_balancers(&self, tg_arn: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, lb) in self.target_group_uses(tg_arn) {
            if !out.iter().any(|x| x == lb) {
                out.push(lb.to_string());
            }
        }
        out
    }

    pub(crate) fn target_groups_of_load_balancer(&self, lb_arn: &str) -> Vec<&TargetGroup> {
        self.elb
            .target_groups
            .iter()
            .filter(|tg| {
                self.target_group_uses(&tg.arn)
                    .iter()
                    .any(|(_, lb)| *lb == lb_arn)
            })
            .collect()
    }

    /// CreateTargetGroup; an identical request returns the existing group.
    pub fn create_target_group(&mut self, req: CreateTargetGroup, now: Millis) -> Result<String> {
        let name = req.name.as_str();
        match super::check_name(name) {
            Err(NameProblem::TooLong) => return Err(err::tg_name_too_long(name)),
            Err(NameProblem::Characters) => return Err(err::tg_name_characters(name)),
            Err(NameProblem::Hyphen) => return Err(err::tg_name_hyphen(name)),
            Ok(()) => {}
        }
        let target_type = req.target_type.as_deref().unwrap_or("instance");
        one_of(target_type, "targetType", TARGET_TYPES)?;
        let lambda = target_type == "lambda";
        if lambda {
            for (given, what) in [
                (req.protocol.is_some(), "protocol"),
                (req.port.is_some(), "port"),
                (req.vpc_id.is_some(), "VPC ID"),
            ] {
                if given {
                    return Err(err::lambda_no(what));
                }
            }
        } else {
            for (given, what) in [
                (req.protocol.is_some(), "protocol"),
                (req.port.is_some(), "port"),
                (req.vpc_id.is_some(), "VPC ID"),
            ] {
                if !given {
                    return Err(err::tg_needs(what, target_type));
                }
            }
        }
        if let Some(p) = &req.protocol {
            one_of(p, "protocol", PROTOCOLS)?;
            if matches!(p.as_str(), "GENEVE") {
                return Err(err::gateway_unsupported());
            }
            if matches!(p.as_str(), "QUIC" | "TCP_QUIC") {
                return Err(err::tg_protocol_for_type(p, target_type));
            }
            if target_type == "alb" && p != "TCP" {
                return Err(err::tg_protocol_for_type(p, target_type));
            }
        }
        if let Some(port) = req.port {
            if !(1..=65535).contains(&port) {
                return Err(err::out_of_range(port as i64, "port", 1, 65535));
            }
        }
        if let Some(v) = &req.vpc_id {
            if !self.vpcs.contains(v) {
                return Err(err::vpc_not_found(v));
            }
        }
        let ip_type = if lambda {
            None
        } else {
            let t = req.ip_address_type.as_deref().unwrap_or("ipv4");
            one_of(t, "ipAddressType", IP_TYPES)?;
            // N52: ipv6 groups take ip targets only.
            if t == "ipv6" && target_type != "ip" {
                return Err(err::ipv6_needs_ip_targets());
            }
            Some(t.to_string())
        };
        let protocol_version = match (&req.protocol_version, is_http(req.protocol.as_deref())) {
            (Some(v), true) => {
                one_of(v, "protocolVersion", PROTOCOL_VERSIONS)?;
                Some(v.clone())
            }
            (Some(_), false) => {
                return Err(err::validation(
                    "A protocol version can be specified only for target groups with the protocol HTTP or HTTPS",
                ))
            }
            (None, true) => Some("HTTP1".into()),
            (None, false) => None,
        };
        let mut health = health_defaults(
            target_type,
            req.protocol.as_deref(),
            protocol_version.as_deref(),
            req.health.protocol.as_deref(),
        );
        apply_health(
            &mut health,
            &req.health,
            target_type,
            req.protocol.as_deref(),
            protocol_version.as_deref(),
        )?;
        if let Some(tg) = self.elb.target_groups.iter().find(|t| t.name == name) {
            let same = tg.target_type == target_type
                && tg.protocol == req.protocol
                && tg.port == req.port
                && tg.vpc_id == req.vpc_id
                && tg.ip_address_type == ip_type
                && tg.protocol_version == protocol_version
                && tg.health == health;
            if same {
                return Ok(tg.arn.clone());
            }
            return Err(err::duplicate_target_group(name));
        }
        super::tags::check_new_tags(&req.tags)?;
        let arn = format!(
            "{}targetgroup/{name}/{}",
            super::arn_prefix(self.info.name, &self.account_id),
            ids::hex(&mut self.rng, 16)
        );
        self.elb.target_groups.insert(TargetGroup {
            arn: arn.clone(),
            region: self.info.name.to_string(),
            name: name.to_string(),
            target_type: target_type.to_string(),
            protocol: req.protocol,
            protocol_version,
            port: req.port,
            vpc_id: req.vpc_id,
            ip_address_type: ip_type,
            health,
            attributes: Vec::new(),
            tags: req.tags,
            created: now,
        });
        Ok(arn)
    }

    /// ModifyTargetGroup: the health check settings.
    pub fn modify_target_group(&mut self, arn: &str, a: &HealthCheckArgs) -> Result<()> {
        let tg = self.target_group(arn)?;
        let mut h = tg.health.clone();
        apply_health(
            &mut h,
            a,
            &tg.target_type,
            tg.protocol.as_deref(),
            tg.protocol_version.as_deref(),
        )?;
        if let Some(tg) = self.elb.target_groups.get_mut(arn) {
            tg.health = h;
        }
        Ok(())
    }

    /// DeleteTargetGroup: refused while a listener or rule forwards to
    /// it; its registrations go with it. An unknown ARN succeeds.
    pub fn delete_target_group(&mut self, arn: &str) -> Result<()> {
        if !self.elb.target_groups.contains(arn) {
            return Ok(());
        }
        if !self.target_group_uses(arn).is_empty() {
            return Err(err::target_group_in_use(arn));
        }
        let keys: Vec<String> = self
            .elb
            .by_group
            .get(arn)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        for k in &keys {
            self.elb.remove_target(k);
        }
        self.elb.target_groups.remove(arn);
        Ok(())
    }

    /// DescribeTargetGroups: by load balancer, ARNs or names (any unknown
    /// one fails the call), or all, in creation order.
    pub fn describe_target_groups(
        &self,
        req: &DescribeTargetGroups,
    ) -> Result<(Vec<&TargetGroup>, Option<String>)> {
        let t = &self.elb.target_groups;
        let mut items: Vec<(u64, &TargetGroup)> = if !req.arns.is_empty() {
            let mut v = Vec::new();
            for a in &req.arns {
                let seq = t.seq_of(a).ok_or_else(err::target_group_not_found)?;
                if let Some(g) = t.get(a) {
                    v.push((seq, g));
                }
            }
            v.sort_by_key(|(s, _)| *s);
            v.dedup_by_key(|(s, _)| *s);
            v
        } else if !req.names.is_empty() {
            let v: Vec<(u64, &TargetGroup)> = t
                .iter_seq()
                .filter(|(_, g)| req.names.contains(&g.name))
                .collect();
            if req
                .names
                .iter()
                .any(|n| !v.iter().any(|(_, g)| g.name == *n))
            {
                return Err(err::target_group_not_found());
            }
            v
        } else {
            t.iter_seq().collect()
        };
        if let Some(lb) = &req.load_balancer_arn {
            self.load_balancer(lb)?;
            let used: Vec<&str> = self
                .target_groups_of_load_balancer(lb)
                .iter()
                .map(|g| g.arn.as_str())
                .collect();
            items.retain(|(_, g)| used.contains(&g.arn.as_str()));
        }
        req.paging.apply(items)
    }
}
