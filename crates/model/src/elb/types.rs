//! The Elastic Load Balancing v2 records as tasknet stores them. Field names
//! follow the ELBv2 API; what can be derived (a load balancer's state, DNS
//! name and hosted zone, a target group's load balancers, target health) is
//! computed when described, not stored.

use crate::ec2::types::Tag;
use crate::table::Record;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

macro_rules! record {
    ($t:ty, $kind:literal, $id:ident) => {
        impl crate::codec::Versioned for $t {}
        impl Record for $t {
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.$id
            }
            fn region(&self) -> &str {
                &self.region
            }
        }
    };
}

/// `application` or `network`: what decides protocols, ARNs, DNS names
/// and the shape of health checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LbType {
    Application,
    Network,
}

impl LbType {
    /// The API's `Type`.
    pub fn as_str(self) -> &'static str {
        match self {
            LbType::Application => "application",
            LbType::Network => "network",
        }
    }
    /// The ARN and ENI-description segment: `app` or `net`.
    pub fn short(self) -> &'static str {
        match self {
            LbType::Application => "app",
            LbType::Network => "net",
        }
    }
}

/// One enabled subnet of a load balancer: its node there is the ENI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbSubnet {
    pub subnet_id: String,
    pub availability_zone: String,
    pub eni_id: String,
    /// A private IPv4 address asked for in `SubnetMappings` (NLB).
    pub private_ipv4: Option<std::net::Ipv4Addr>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub arn: String,
    pub region: String,
    pub name: String,
    /// The 16 hex digits ending the ARN.
    pub lb_id: String,
    pub lb_type: LbType,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub vpc_id: String,
    /// `ipv4`, `dualstack` or `dualstack-without-public-ipv4`.
    pub ip_address_type: String,
    pub subnets: Vec<LbSubnet>,
    /// Empty for a Network Load Balancer created without security groups.
    pub security_groups: Vec<String>,
    /// The part of the DNS name after the name: decimal digits (ALB) or
    /// the 16 hex digits of the id (NLB).
    pub dns_label: String,
    /// Attributes set away from their defaults, in the order first set.
    pub attributes: Vec<(String, String)>,
    pub tags: Vec<Tag>,
    pub created: Millis,
}
record!(LoadBalancer, "elb-lb", arn);

/// A target group's health check settings (defaults per protocol, see
/// `target_group::health_defaults`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub enabled: bool,
    pub protocol: Option<String>,
    /// `traffic-port` or a port number.
    pub port: String,
    pub path: Option<String>,
    pub interval_seconds: i32,
    pub timeout_seconds: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
    pub matcher_http: Option<String>,
    pub matcher_grpc: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetGroup {
    pub arn: String,
    pub region: String,
    pub name: String,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: String,
    pub protocol: Option<String>,
    pub protocol_version: Option<String>,
    pub port: Option<i32>,
    pub vpc_id: Option<String>,
    /// `ipv4` or `ipv6` (lambda groups have none).
    pub ip_address_type: Option<String>,
    pub health: HealthCheck,
    /// Attributes set away from their defaults.
    pub attributes: Vec<(String, String)>,
    pub tags: Vec<Tag>,
    pub created: Millis,
}
record!(TargetGroup, "elb-tg", arn);

/// `forward` to one group or several with weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    /// (target group ARN, weight); a plain `TargetGroupArn` is weight 1.
    pub groups: Vec<(String, Option<i32>)>,
    /// (enabled, duration seconds), when given.
    pub stickiness: Option<(bool, Option<i32>)>,
    /// Given as `TargetGroupArn` rather than `ForwardConfig`.
    pub plain: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub status_code: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedResponse {
    pub status_code: String,
    pub content_type: Option<String>,
    pub message_body: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionKind {
    Forward(Forward),
    Redirect(Redirect),
    FixedResponse(FixedResponse),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub order: Option<i32>,
    pub kind: ActionKind,
}

impl Action {
    /// The API's `Type`.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ActionKind::Forward(_) => "forward",
            ActionKind::Redirect(_) => "redirect",
            ActionKind::FixedResponse(_) => "fixed-response",
        }
    }
    /// The target groups this action forwards to.
    pub fn target_groups(&self) -> impl Iterator<Item = &str> {
        let groups: &[(String, Option<i32>)] = match &self.kind {
            ActionKind::Forward(f) => &f.groups,
            _ => &[],
        };
        groups.iter().map(|(a, _)| a.as_str())
    }
}

/// A rule condition. `host-header` and `path-pattern` keep their values in
/// `values` whether given as `Values` or in their `…Config`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// `host-header`, `path-pattern`, `http-header`, `http-request-method`,
    /// `query-string` or `source-ip`.
    pub field: String,
    pub values: Vec<String>,
    /// `http-header`: the header name.
    pub header_name: Option<String>,
    /// `query-string`: (key, value) pairs.
    pub query: Vec<(Option<String>, String)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Listener {
    pub arn: String,
    pub region: String,
    pub load_balancer_arn: String,
    pub port: i32,
    pub protocol: String,
    pub ssl_policy: Option<String>,
    /// Certificate ARNs; the first is the default certificate.
    pub certificates: Vec<String>,
    pub alpn_policy: Vec<String>,
    pub default_actions: Vec<Action>,
    /// The id ending the ARN of the listener's default rule.
    pub default_rule_id: String,
    pub default_rule_tags: Vec<Tag>,
    pub tags: Vec<Tag>,
    pub created: Millis,
    /// When the default actions were last set: a target group they
    /// forward to is in use from then on (health checks start).
    pub actions_set: Millis,
}
record!(Listener, "elb-listener", arn);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListenerRule {
    pub arn: String,
    pub region: String,
    pub listener_arn: String,
    pub priority: i32,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    pub tags: Vec<Tag>,
    /// When the actions were last set (see `Listener::actions_set`).
    pub actions_set: Millis,
}
record!(ListenerRule, "elb-rule", arn);

/// One registration of a target with a target group: the id is
/// `<target group ARN>|<target id>|<port>`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Target {
    pub key: String,
    pub region: String,
    pub target_group_arn: String,
    /// An IP address, instance id, Lambda function ARN or ALB ARN.
    pub target_id: String,
    /// `None` for Lambda targets.
    pub port: Option<i32>,
    /// The target's Availability Zone: found from its subnet for an
    /// address in the VPC, as given (`all` or a zone) for one outside.
    pub availability_zone: Option<String>,
    /// Whether the zone was given in the request (addresses outside the VPC).
    pub zone_given: bool,
    pub registered: Millis,
    /// The ENI that held the address when it was registered: health checks
    /// use it while it still holds the address (checked on every read), so
    /// they need not search the Region's ENIs for each target.
    pub eni_hint: Option<String>,
    /// Set by DeregisterTargets: the target drains until then, and is
    /// gone afterwards (`draining` / `Target.DeregistrationInProgress`).
    pub drain_until: Option<Millis>,
}
record!(Target, "elb-target", key);

impl Target {
    pub fn key(group: &str, id: &str, port: Option<i32>) -> String {
        match port {
            Some(p) => format!("{group}|{id}|{p}"),
            None => format!("{group}|{id}|"),
        }
    }
    /// Still registered or draining at `now`.
    pub fn present(&self, now: Millis) -> bool {
        self.drain_until.is_none_or(|d| now < d)
    }
}
