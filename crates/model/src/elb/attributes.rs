//! Load balancer and target group attributes: the documented keys with
//! their defaults (botocore's `LoadBalancerAttribute` and
//! `TargetGroupAttribute` documentation), what values each takes, and the
//! ones tasknet acts on (`deletion_protection.enabled`,
//! `load_balancing.cross_zone.enabled`,
//! `deregistration_delay.timeout_seconds`).

use super::err;
use super::types::*;
use crate::world::Region;
use crate::Result;

/// What values an attribute takes.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    /// An integer in a range.
    Int(i64, i64),
    OneOf(&'static [&'static str]),
    Text,
    /// `off` or an integer in a range.
    OffOrInt(i64, i64),
}

type Spec = (&'static str, &'static str, Kind);

const B: Kind = Kind::Bool;
const T: Kind = Kind::Text;

/// Every load balancer's attributes.
const LB_COMMON: &[Spec] = &[
    ("access_logs.s3.enabled", "false", B),
    ("access_logs.s3.bucket", "", T),
    ("access_logs.s3.prefix", "", T),
    ("deletion_protection.enabled", "false", B),
    ("zonal_shift.config.enabled", "false", B),
];

const ALB_ONLY: &[Spec] = &[
    ("load_balancing.cross_zone.enabled", "true", B),
    ("idle_timeout.timeout_seconds", "60", Kind::Int(1, 4000)),
    ("client_keep_alive.seconds", "3600", Kind::Int(60, 604_800)),
    ("connection_logs.s3.enabled", "false", B),
    ("connection_logs.s3.bucket", "", T),
    ("connection_logs.s3.prefix", "", T),
    ("health_check_logs.s3.enabled", "false", B),
    ("health_check_logs.s3.bucket", "", T),
    ("health_check_logs.s3.prefix", "", T),
    (
        "routing.http.desync_mitigation_mode",
        "defensive",
        Kind::OneOf(&["monitor", "defensive", "strictest"]),
    ),
    (
        "routing.http.drop_invalid_header_fields.enabled",
        "false",
        B,
    ),
    ("routing.http.preserve_host_header.enabled", "false", B),
    (
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
        "false",
        B,
    ),
    ("routing.http.xff_client_port.enabled", "false", B),
    (
        "routing.http.xff_header_processing.mode",
        "append",
        Kind::OneOf(&["append", "preserve", "remove"]),
    ),
    ("routing.http2.enabled", "true", B),
    ("waf.fail_open.enabled", "false", B),
];

const NLB_ONLY: &[Spec] = &[
    ("load_balancing.cross_zone.enabled", "false", B),
    (
        "dns_record.client_routing_policy",
        "any_availability_zone",
        Kind::OneOf(&[
            "availability_zone_affinity",
            "partial_availability_zone_affinity",
            "any_availability_zone",
        ]),
    ),
];

/// Every target group's attributes (but Lambda's).
const TG_COMMON: &[Spec] = &[
    (
        "deregistration_delay.timeout_seconds",
        "300",
        Kind::Int(0, 3600),
    ),
    ("stickiness.enabled", "false", B),
    (
        "load_balancing.cross_zone.enabled",
        "use_load_balancer_configuration",
        Kind::OneOf(&["true", "false", "use_load_balancer_configuration"]),
    ),
    (
        "target_group_health.dns_failover.minimum_healthy_targets.count",
        "1",
        Kind::OffOrInt(1, 1_000_000),
    ),
    (
        "target_group_health.dns_failover.minimum_healthy_targets.percentage",
        "off",
        Kind::OffOrInt(1, 100),
    ),
    (
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
        "1",
        Kind::Int(1, 1_000_000),
    ),
    (
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
        "off",
        Kind::OffOrInt(1, 100),
    ),
];

/// Groups an ALB uses (HTTP, HTTPS).
const TG_HTTP: &[Spec] = &[
    (
        "stickiness.type",
        "lb_cookie",
        Kind::OneOf(&["lb_cookie", "app_cookie"]),
    ),
    (
        "load_balancing.algorithm.type",
        "round_robin",
        Kind::OneOf(&[
            "round_robin",
            "least_outstanding_requests",
            "weighted_random",
        ]),
    ),
    (
        "load_balancing.algorithm.anomaly_mitigation",
        "off",
        Kind::OneOf(&["on", "off"]),
    ),
    ("slow_start.duration_seconds", "0", Kind::Int(0, 900)),
    ("stickiness.app_cookie.cookie_name", "", T),
    (
        "stickiness.app_cookie.duration_seconds",
        "86400",
        Kind::Int(1, 604_800),
    ),
    (
        "stickiness.lb_cookie.duration_seconds",
        "86400",
        Kind::Int(1, 604_800),
    ),
];

/// Groups an NLB uses (TCP, TLS, UDP, TCP_UDP).
const TG_NETWORK: &[Spec] = &[
    ("stickiness.type", "source_ip", Kind::OneOf(&["source_ip"])),
    (
        "deregistration_delay.connection_termination.enabled",
        "false",
        B,
    ),
    ("proxy_protocol_v2.enabled", "false", B),
    (
        "target_health_state.unhealthy.connection_termination.enabled",
        "true",
        B,
    ),
    (
        "target_health_state.unhealthy.draining_interval_seconds",
        "0",
        Kind::Int(0, 360_000),
    ),
];

const TG_LAMBDA: &[Spec] = &[("lambda.multi_value_headers.enabled", "false", B)];

fn lb_specs(lb: &LoadBalancer) -> impl Iterator<Item = &'static Spec> {
    let own = match lb.lb_type {
        LbType::Application => ALB_ONLY,
        LbType::Network => NLB_ONLY,
    };
    LB_COMMON.iter().chain(own.iter())
}

fn tg_specs(tg: &TargetGroup) -> Vec<&'static Spec> {
    if tg.target_type == "lambda" {
        return TG_LAMBDA.iter().collect();
    }
    let own = match tg.protocol.as_deref() {
        Some("HTTP" | "HTTPS") => TG_HTTP,
        _ => TG_NETWORK,
    };
    TG_COMMON.iter().chain(own.iter()).collect()
}

/// A load balancer's attribute `key`, or its default.
pub fn lb_attribute<'a>(lb: &'a LoadBalancer, key: &str) -> Option<&'a str> {
    if let Some((_, v)) = lb.attributes.iter().find(|(k, _)| k == key) {
        return Some(v);
    }
    if key == "ipv6.deny_all_igw_traffic" {
        return Some(if lb.scheme == "internal" {
            "true"
        } else {
            "false"
        });
    }
    lb_specs(lb).find(|(k, ..)| *k == key).map(|(_, d, _)| *d)
}

/// Every attribute of a load balancer, with defaults.
pub fn lb_attributes(lb: &LoadBalancer) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = lb_specs(lb)
        .map(|(k, _, _)| (k.to_string(), lb_attribute(lb, k).unwrap_or("").to_string()))
        .collect();
    out.push((
        "ipv6.deny_all_igw_traffic".into(),
        lb_attribute(lb, "ipv6.deny_all_igw_traffic")
            .unwrap_or("false")
            .into(),
    ));
    out
}

/// A target group's attribute `key`, or its default.
pub fn tg_attribute<'a>(tg: &'a TargetGroup, key: &str) -> Option<&'a str> {
    if let Some((_, v)) = tg.attributes.iter().find(|(k, _)| k == key) {
        return Some(v);
    }
    if key == "preserve_client_ip.enabled" {
        return Some(preserve_client_ip_default(tg));
    }
    tg_specs(tg)
        .into_iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, d, _)| *d)
}

/// NLB groups: on for instance targets, off for ip targets of TCP and TLS.
fn preserve_client_ip_default(tg: &TargetGroup) -> &'static str {
    match (tg.target_type.as_str(), tg.protocol.as_deref()) {
        ("ip", Some("TCP" | "TLS")) => "false",
        _ => "true",
    }
}

pub fn tg_attributes(tg: &TargetGroup) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = tg_specs(tg)
        .into_iter()
        .map(|(k, _, _)| (k.to_string(), tg_attribute(tg, k).unwrap_or("").to_string()))
        .collect();
    if tg.target_type != "lambda" && !matches!(tg.protocol.as_deref(), Some("HTTP" | "HTTPS")) {
        out.push((
            "preserve_client_ip.enabled".into(),
            tg_attribute(tg, "preserve_client_ip.enabled")
                .unwrap_or("true")
                .into(),
        ));
    }
    out
}

/// The deregistration delay in AWS seconds (0 for Lambda groups).
pub fn deregistration_delay(tg: &TargetGroup) -> i64 {
    tg_attribute(tg, "deregistration_delay.timeout_seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn check_value(key: &str, value: &str, kind: Kind) -> Result<()> {
    let ok = match kind {
        Kind::Bool => matches!(value, "true" | "false"),
        Kind::Int(lo, hi) => value.parse::<i64>().is_ok_and(|n| (lo..=hi).contains(&n)),
        Kind::OffOrInt(lo, hi) => {
            value == "off" || value.parse::<i64>().is_ok_and(|n| (lo..=hi).contains(&n))
        }
        Kind::OneOf(set) => set.contains(&value),
        Kind::Text => true,
    };
    if ok {
        return Ok(());
    }
    let expected = match kind {
        Kind::Bool => "true or false".to_string(),
        Kind::Int(lo, hi) => format!("an integer from {lo} to {hi}"),
        Kind::OffOrInt(lo, hi) => format!("off or an integer from {lo} to {hi}"),
        Kind::OneOf(set) => format!("one of {}", set.join(", ")),
        Kind::Text => String::new(),
    };
    Err(err::attribute_value(key, value, &expected))
}

fn set(list: &mut Vec<(String, String)>, key: &str, value: &str) {
    match list.iter_mut().find(|(k, _)| k == key) {
        Some(x) => x.1 = value.to_string(),
        None => list.push((key.to_string(), value.to_string())),
    }
}

impl Region {
    /// ModifyLoadBalancerAttributes: all or nothing; returns every attribute.
    pub fn modify_load_balancer_attributes(
        &mut self,
        arn: &str,
        attrs: &[(String, String)],
    ) -> Result<Vec<(String, String)>> {
        let lb = self.load_balancer(arn)?.clone();
        for (k, v) in attrs {
            if k == "ipv6.deny_all_igw_traffic" {
                check_value(k, v, Kind::Bool)?;
                continue;
            }
            let (_, _, kind) = lb_specs(&lb)
                .find(|(x, ..)| x == k)
                .ok_or_else(|| err::lb_attribute_unknown(k))?;
            check_value(k, v, *kind)?;
            if k == "load_balancing.cross_zone.enabled"
                && lb.lb_type == LbType::Application
                && v == "false"
            {
                return Err(err::cross_zone_alb());
            }
        }
        let lb = self
            .elb
            .load_balancers
            .get_mut(arn)
            .ok_or_else(err::load_balancer_not_found)?;
        for (k, v) in attrs {
            set(&mut lb.attributes, k, v);
        }
        Ok(lb_attributes(lb))
    }

    /// ModifyTargetGroupAttributes: all or nothing; returns every attribute.
    pub fn modify_target_group_attributes(
        &mut self,
        arn: &str,
        attrs: &[(String, String)],
    ) -> Result<Vec<(String, String)>> {
        let tg = self.target_group(arn)?.clone();
        let specs = tg_specs(&tg);
        for (k, v) in attrs {
            if k == "preserve_client_ip.enabled"
                && !matches!(tg.protocol.as_deref(), Some("HTTP" | "HTTPS"))
                && tg.target_type != "lambda"
            {
                check_value(k, v, Kind::Bool)?;
                continue;
            }
            let (_, _, kind) = specs
                .iter()
                .find(|(x, ..)| x == k)
                .ok_or_else(|| err::tg_attribute_unknown(k))?;
            check_value(k, v, *kind)?;
        }
        let tg = self
            .elb
            .target_groups
            .get_mut(arn)
            .ok_or_else(err::target_group_not_found)?;
        for (k, v) in attrs {
            set(&mut tg.attributes, k, v);
        }
        Ok(tg_attributes(tg))
    }
}
