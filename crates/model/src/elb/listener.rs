//! Listeners and rules: protocols per load balancer type, certificates,
//! actions (forward to one group or weighted groups, redirect,
//! fixed-response) with the checks that tie a target group to a load
//! balancer (same VPC, compatible protocols, N52 for `ipv6` groups, one
//! load balancer per group), and rule priorities and conditions.

use super::types::*;
use super::{err, one_of, Paging};
use crate::ec2::types::Tag;
use crate::ids;
use crate::time::Millis;
use crate::world::Region;
use crate::Result;

pub const ACTION_TYPES: &[&str] = &[
    "forward",
    "authenticate-oidc",
    "authenticate-cognito",
    "redirect",
    "fixed-response",
    "jwt-validation",
];
pub const CONDITION_FIELDS: &[&str] = &[
    "http-header",
    "http-request-method",
    "host-header",
    "path-pattern",
    "query-string",
    "source-ip",
];
const ALB_PROTOCOLS: &[&str] = &["HTTP", "HTTPS"];
/// In the order AWS lists them (captured text).
const NLB_PROTOCOLS: &[&str] = &["UDP", "TCP", "TCP_UDP", "TLS"];
const MAX_LISTENERS: usize = 50;
const MAX_RULES: usize = 100;
const MAX_CONDITION_VALUES: usize = 5;
const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-2016-08";

#[derive(Debug, Clone, Default)]
pub struct ForwardArgs {
    /// (target group ARN, weight).
    pub groups: Vec<(Option<String>, Option<i32>)>,
    /// (enabled, duration seconds).
    pub stickiness: Option<(Option<bool>, Option<i32>)>,
}

#[derive(Debug, Clone, Default)]
pub struct RedirectArgs {
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub status_code: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FixedArgs {
    pub status_code: Option<String>,
    pub content_type: Option<String>,
    pub message_body: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ActionArgs {
    pub kind: Option<String>,
    pub order: Option<i32>,
    pub target_group_arn: Option<String>,
    pub forward: Option<ForwardArgs>,
    pub redirect: Option<RedirectArgs>,
    pub fixed: Option<FixedArgs>,
}

#[derive(Debug, Clone, Default)]
pub struct ConditionArgs {
    pub field: Option<String>,
    /// The legacy `Values`.
    pub values: Vec<String>,
    /// `Values` of the field's own `…Config`.
    pub config_values: Option<Vec<String>>,
    pub header_name: Option<String>,
    pub query: Vec<(Option<String>, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateListener {
    pub load_balancer_arn: String,
    pub protocol: Option<String>,
    pub port: Option<i32>,
    pub ssl_policy: Option<String>,
    pub certificates: Vec<String>,
    pub alpn_policy: Vec<String>,
    pub default_actions: Vec<ActionArgs>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default)]
pub struct ModifyListener {
    pub arn: String,
    pub protocol: Option<String>,
    pub port: Option<i32>,
    pub ssl_policy: Option<String>,
    pub certificates: Option<Vec<String>>,
    pub alpn_policy: Option<Vec<String>>,
    pub default_actions: Option<Vec<ActionArgs>>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateRule {
    pub listener_arn: String,
    pub priority: i32,
    pub conditions: Vec<ConditionArgs>,
    pub actions: Vec<ActionArgs>,
    pub tags: Vec<Tag>,
}

/// A rule as DescribeRules shows it: a stored rule, or a listener's
/// default rule.
#[derive(Debug, Clone)]
pub struct RuleView {
    pub arn: String,
    /// `None` for the default rule.
    pub priority: Option<i32>,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
}

impl Listener {
    /// The ARN of the listener's default rule.
    pub fn default_rule_arn(&self) -> String {
        format!(
            "{}/{}",
            self.arn.replacen(":listener/", ":listener-rule/", 1),
            self.default_rule_id
        )
    }
}

impl Region {
    pub fn listener(&self, arn: &str) -> Result<&Listener> {
        self.elb
            .listeners
            .get(arn)
            .ok_or_else(err::listener_not_found)
    }

    /// The load balancer a listener belongs to.
    fn listener_lb(&self, l: &Listener) -> Result<&LoadBalancer> {
        self.elb
            .load_balancers
            .get(&l.load_balancer_arn)
            .ok_or_else(err::listener_not_found)
    }

    /// Check a listener protocol for a load balancer type.
    fn check_listener_protocol(t: LbType, p: &str) -> Result<()> {
        one_of(p, "protocol", super::target_group::PROTOCOLS)?;
        let allowed = match t {
            LbType::Application => ALB_PROTOCOLS,
            LbType::Network => NLB_PROTOCOLS,
        };
        if !allowed.contains(&p) {
            return Err(err::listener_protocol(p, &allowed.join(", ")));
        }
        Ok(())
    }

    /// Certificates and SSL policy for a listener protocol.
    fn check_tls(
        protocol: &str,
        certificates: &[String],
        ssl_policy: Option<&str>,
    ) -> Result<Option<String>> {
        let secure = matches!(protocol, "HTTPS" | "TLS");
        if secure && certificates.is_empty() {
            return Err(err::certificate_required(protocol));
        }
        if !secure && !certificates.is_empty() {
            return Err(err::certificate_not_allowed(protocol));
        }
        if certificates.len() > 1 {
            return Err(err::validation(
                "You must specify exactly one default certificate",
            ));
        }
        for c in certificates {
            if !(c.starts_with("arn:aws:acm:") || c.starts_with("arn:aws:iam::")) {
                return Err(err::certificate_not_found(c));
            }
        }
        match (secure, ssl_policy) {
            (true, Some(p)) if !p.starts_with("ELBSecurityPolicy-") => {
                Err(err::ssl_policy_not_found(p))
            }
            (true, Some(p)) => Ok(Some(p.to_string())),
            (true, None) => Ok(Some(DEFAULT_SSL_POLICY.to_string())),
            (false, Some(_)) => Err(err::validation(format!(
                "An SSL policy cannot be specified for {protocol} listeners"
            ))),
            (false, None) => Ok(None),
        }
    }

    /// Can `lb`'s listener of `protocol` forward to `tg`?
    fn check_forward_target(&self, lb: &LoadBalancer, protocol: &str, tg_arn: &str) -> Result<()> {
        let tg = self.target_group(tg_arn)?;
        if let Some(v) = &tg.vpc_id {
            if *v != lb.vpc_id {
                return Err(err::target_group_other_vpc(tg_arn));
            }
        }
        let tgp = tg.protocol.as_deref().unwrap_or("");
        match lb.lb_type {
            LbType::Application => {
                if tg.target_type == "alb" {
                    return Err(err::incompatible_target_type(protocol, "alb"));
                }
                if tg.target_type != "lambda" && !matches!(tgp, "HTTP" | "HTTPS") {
                    return Err(err::incompatible_protocols(protocol, tgp));
                }
                if tg.protocol_version.as_deref() == Some("GRPC") && protocol != "HTTPS" {
                    return Err(err::grpc_needs_https(protocol));
                }
            }
            LbType::Network => {
                if tg.target_type == "lambda" {
                    return Err(err::incompatible_target_type(protocol, "lambda"));
                }
                if tg.target_type == "alb" && protocol != "TCP" {
                    return Err(err::incompatible_target_type(protocol, "ALB"));
                }
                let ok: &[&str] = match protocol {
                    "TCP" => &["TCP", "TCP_UDP"],
                    "TLS" => &["TCP", "TLS"],
                    "UDP" => &["UDP", "TCP_UDP"],
                    _ => &["TCP_UDP"],
                };
                if !ok.contains(&tgp) {
                    return Err(err::incompatible_protocols(protocol, tgp));
                }
            }
        }
        // N52: ipv6 groups only behind dual-stack load balancers.
        if tg.ip_address_type.as_deref() == Some("ipv6") && !lb.is_dualstack() {
            return Err(err::ipv6_group_on_ipv4_lb());
        }
        // A group serves one load balancer.
        if self
            .target_group_uses(tg_arn)
            .iter()
            .any(|(_, other)| *other != lb.arn)
        {
            return Err(err::target_group_other_lb(tg_arn));
        }
        Ok(())
    }

    /// Build and check a listener's or rule's actions.
    fn build_actions(
        &self,
        lb: &LoadBalancer,
        protocol: &str,
        args: &[ActionArgs],
        member: &str,
    ) -> Result<Vec<Action>> {
        if args.is_empty() {
            return Err(err::missing(member));
        }
        if args.len() > 1 {
            return Err(err::too_many_actions());
        }
        let mut out = Vec::new();
        for a in args {
            let kind = a.kind.as_deref().ok_or_else(|| err::missing("type"))?;
            one_of(kind, "type", ACTION_TYPES)?;
            if let Some(o) = a.order {
                if !(1..=50_000).contains(&o) {
                    return Err(err::out_of_range(o as i64, "order", 1, 50_000));
                }
            }
            if lb.lb_type == LbType::Network && kind != "forward" {
                return Err(err::network_actions());
            }
            let kind = match kind {
                "forward" => ActionKind::Forward(self.build_forward(lb, protocol, a)?),
                "redirect" => ActionKind::Redirect(build_redirect(a)?),
                "fixed-response" => ActionKind::FixedResponse(build_fixed(a)?),
                other => {
                    return Err(err::action_invalid(format!(
                        "'{other}' actions are not supported by tasknet"
                    )))
                }
            };
            out.push(Action {
                order: a.order,
                kind,
            });
        }
        Ok(out)
    }

    fn build_forward(&self, lb: &LoadBalancer, protocol: &str, a: &ActionArgs) -> Result<Forward> {
        let from_config: Vec<(Option<String>, Option<i32>)> = a
            .forward
            .as_ref()
            .map(|f| f.groups.clone())
            .unwrap_or_default();
        let (groups, plain) = match (&a.target_group_arn, from_config.is_empty()) {
            (Some(t), true) => (vec![(t.clone(), None)], true),
            (Some(t), false) => {
                let same = from_config.len() == 1 && from_config[0].0.as_deref() == Some(t);
                if !same {
                    return Err(err::action_invalid(
                        "A forward action cannot have both a target group ARN and a forward config with other target groups",
                    ));
                }
                (vec![(t.clone(), from_config[0].1)], false)
            }
            (None, false) => {
                let mut v = Vec::new();
                for (arn, w) in &from_config {
                    let arn = arn.clone().ok_or_else(|| err::missing("targetGroupArn"))?;
                    v.push((arn, *w));
                }
                (v, false)
            }
            (None, true) => {
                return Err(err::action_invalid(
                    "A forward action must have a target group ARN or a forward config",
                ))
            }
        };
        let max = match lb.lb_type {
            LbType::Application => 5,
            LbType::Network => 1,
        };
        if groups.len() > max {
            return Err(match lb.lb_type {
                LbType::Network => err::one_forward_group("Network Load Balancer"),
                LbType::Application => {
                    err::action_invalid("A forward action can have at most 5 target groups")
                }
            });
        }
        for (i, (arn, w)) in groups.iter().enumerate() {
            if groups[..i].iter().any(|(x, _)| x == arn) {
                return Err(err::action_invalid(format!(
                    "Target group '{arn}' is specified more than once in the forward action"
                )));
            }
            if let Some(w) = w {
                if !(0..=999).contains(w) {
                    return Err(err::out_of_range(*w as i64, "weight", 0, 999));
                }
            }
            self.check_forward_target(lb, protocol, arn)?;
        }
        let stickiness = match a.forward.as_ref().and_then(|f| f.stickiness) {
            Some((enabled, duration)) => {
                if let Some(d) = duration {
                    if !(1..=604_800).contains(&d) {
                        return Err(err::out_of_range(d as i64, "durationSeconds", 1, 604_800));
                    }
                }
                Some((enabled.unwrap_or(false), duration))
            }
            None => None,
        };
        Ok(Forward {
            groups,
            stickiness,
            plain,
        })
    }

    /// CreateListener; an identical listener on the port is returned.
    pub fn create_listener(&mut self, req: CreateListener, now: Millis) -> Result<String> {
        let lb = self.load_balancer(&req.load_balancer_arn)?.clone();
        let protocol = req
            .protocol
            .clone()
            .ok_or_else(|| err::missing("protocol"))?;
        Self::check_listener_protocol(lb.lb_type, &protocol)?;
        let port = req.port.ok_or_else(|| err::missing("port"))?;
        if !(1..=65535).contains(&port) {
            return Err(err::out_of_range(port as i64, "port", 1, 65535));
        }
        let ssl = Self::check_tls(&protocol, &req.certificates, req.ssl_policy.as_deref())?;
        if !req.alpn_policy.is_empty() && protocol != "TLS" {
            return Err(err::validation(
                "An ALPN policy can be specified only for TLS listeners",
            ));
        }
        let actions = self.build_actions(&lb, &protocol, &req.default_actions, "defaultActions")?;
        let same_lb: Vec<&Listener> = self
            .elb
            .listeners
            .iter()
            .filter(|l| l.load_balancer_arn == lb.arn)
            .collect();
        if let Some(l) = same_lb.iter().find(|l| l.port == port) {
            let same = l.protocol == protocol
                && l.default_actions == actions
                && l.certificates == req.certificates
                && l.ssl_policy == ssl;
            if same {
                return Ok(l.arn.clone());
            }
            return Err(err::duplicate_listener(&lb.arn));
        }
        if same_lb.len() >= MAX_LISTENERS {
            return Err(err::too_many_listeners());
        }
        super::tags::check_new_tags(&req.tags)?;
        let id = ids::hex(&mut self.rng, 16);
        let arn = format!(
            "{}listener/{}/{}/{}/{id}",
            super::arn_prefix(self.info.name, &self.account_id),
            lb.lb_type.short(),
            lb.name,
            lb.lb_id
        );
        let default_rule_id = ids::hex(&mut self.rng, 16);
        self.elb.listeners.insert(Listener {
            arn: arn.clone(),
            region: self.info.name.to_string(),
            load_balancer_arn: lb.arn.clone(),
            port,
            protocol,
            ssl_policy: ssl,
            certificates: req.certificates,
            alpn_policy: req.alpn_policy,
            default_actions: actions,
            default_rule_id,
            default_rule_tags: Vec::new(),
            tags: req.tags,
            created: now,
            actions_set: now,
        });
        Ok(arn)
    }

    /// ModifyListener: port, protocol, certificates, policies, default actions.
    pub fn modify_listener(&mut self, req: ModifyListener, now: Millis) -> Result<()> {
        let l = self.listener(&req.arn)?.clone();
        let lb = self.listener_lb(&l)?.clone();
        let protocol = req.protocol.clone().unwrap_or_else(|| l.protocol.clone());
        Self::check_listener_protocol(lb.lb_type, &protocol)?;
        let port = req.port.unwrap_or(l.port);
        if !(1..=65535).contains(&port) {
            return Err(err::out_of_range(port as i64, "port", 1, 65535));
        }
        let secure = matches!(protocol.as_str(), "HTTPS" | "TLS");
        // Going from a secure protocol to a plain one drops the certificates.
        let certificates = match &req.certificates {
            Some(c) => c.clone(),
            None if secure => l.certificates.clone(),
            None => Vec::new(),
        };
        let policy =
            req.ssl_policy
                .clone()
                .or_else(|| if secure { l.ssl_policy.clone() } else { None });
        let ssl = Self::check_tls(&protocol, &certificates, policy.as_deref())?;
        if port != l.port
            && self
                .elb
                .listeners
                .iter()
                .any(|o| o.load_balancer_arn == lb.arn && o.port == port && o.arn != l.arn)
        {
            return Err(err::duplicate_listener(&lb.arn));
        }
        let actions = match &req.default_actions {
            Some(a) => Some(self.build_actions(&lb, &protocol, a, "defaultActions")?),
            None => {
                // The protocol may have changed: the actions must still fit.
                for a in &l.default_actions {
                    for tg in a.target_groups() {
                        self.check_forward_target(&lb, &protocol, tg)?;
                    }
                }
                None
            }
        };
        let Some(m) = self.elb.listeners.get_mut(&req.arn) else {
            return Err(err::listener_not_found());
        };
        m.protocol = protocol;
        m.port = port;
        m.certificates = certificates;
        m.ssl_policy = ssl;
        if let Some(a) = req.alpn_policy {
            m.alpn_policy = a;
        }
        if let Some(a) = actions {
            if a != m.default_actions {
                m.actions_set = now;
            }
            m.default_actions = a;
        }
        Ok(())
    }

    /// Remove a listener and its rules (no checks).
    pub(crate) fn remove_listener(&mut self, arn: &str) {
        let rules: Vec<String> = self
            .elb
            .rules
            .iter()
            .filter(|r| r.listener_arn == arn)
            .map(|r| r.arn.clone())
            .collect();
        for r in rules {
            self.elb.rules.remove(&r);
        }
        self.elb.listeners.remove(arn);
    }

    pub fn delete_listener(&mut self, arn: &str) -> Result<()> {
        self.listener(arn)?;
        self.remove_listener(arn);
        Ok(())
    }

    /// DescribeListeners: of a load balancer, or by ARNs.
    pub fn describe_listeners(
        &self,
        lb_arn: Option<&str>,
        arns: &[String],
        paging: &Paging,
    ) -> Result<(Vec<&Listener>, Option<String>)> {
        let t = &self.elb.listeners;
        let items: Vec<(u64, &Listener)> =
            match (lb_arn, arns.is_empty()) {
                (Some(_), false) => return Err(err::validation(
                    "Listener ARNs and a load balancer ARN cannot be specified at the same time",
                )),
                (Some(lb), true) => {
                    self.load_balancer(lb)?;
                    t.iter_seq()
                        .filter(|(_, l)| l.load_balancer_arn == lb)
                        .collect()
                }
                (None, false) => {
                    let mut v = Vec::new();
                    for a in arns {
                        let seq = t.seq_of(a).ok_or_else(err::listener_not_found)?;
                        if let Some(l) = t.get(a) {
                            v.push((seq, l));
                        }
                    }
                    v.sort_by_key(|(s, _)| *s);
                    v.dedup_by_key(|(s, _)| *s);
                    v
                }
                (None, true) => {
                    return Err(err::validation(
                        "You must specify either listener ARNs or a load balancer ARN",
                    ))
                }
            };
        paging.apply(items)
    }

    // ---- rules ----

    fn build_conditions(args: &[ConditionArgs]) -> Result<Vec<Condition>> {
        if args.is_empty() {
            return Err(err::conditions_required());
        }
        let mut out = Vec::new();
        let mut count = 0usize;
        for c in args {
            let field = c.field.as_deref().ok_or_else(|| err::missing("field"))?;
            if !CONDITION_FIELDS.contains(&field) {
                return Err(err::condition_field(field));
            }
            let mut values = c.config_values.clone().unwrap_or_default();
            if values.is_empty() {
                values = c.values.clone();
            }
            let n = if field == "query-string" {
                c.query.len()
            } else {
                values.len()
            };
            if n == 0 {
                return Err(err::condition_values(field));
            }
            if field == "http-header" && c.header_name.as_deref().unwrap_or("").is_empty() {
                return Err(err::missing("httpHeaderName"));
            }
            if field == "source-ip" {
                for v in &values {
                    let ok = v.parse::<crate::net::Ipv4Cidr>().is_ok()
                        || v.parse::<crate::net::Ipv6Cidr>().is_ok();
                    if !ok {
                        return Err(err::validation(format!(
                            "The source IP '{v}' is not a valid CIDR block"
                        )));
                    }
                }
            }
            count += n;
            out.push(Condition {
                field: field.to_string(),
                values: if field == "query-string" {
                    Vec::new()
                } else {
                    values
                },
                header_name: (field == "http-header")
                    .then(|| c.header_name.clone())
                    .flatten(),
                query: if field == "query-string" {
                    c.query.clone()
                } else {
                    Vec::new()
                },
            });
        }
        if count > MAX_CONDITION_VALUES {
            return Err(err::too_many_condition_values());
        }
        Ok(out)
    }

    fn rule_listener(&self, listener_arn: &str) -> Result<(Listener, LoadBalancer)> {
        let l = self.listener(listener_arn)?.clone();
        let lb = self.listener_lb(&l)?.clone();
        if lb.lb_type != LbType::Application {
            return Err(err::rules_need_alb());
        }
        Ok((l, lb))
    }

    pub fn create_rule(&mut self, req: CreateRule, now: Millis) -> Result<String> {
        let (l, lb) = self.rule_listener(&req.listener_arn)?;
        if !(1..=50_000).contains(&req.priority) {
            return Err(err::out_of_range(
                req.priority as i64,
                "priority",
                1,
                50_000,
            ));
        }
        let conditions = Self::build_conditions(&req.conditions)?;
        let actions = self.build_actions(&lb, &l.protocol, &req.actions, "actions")?;
        let siblings: Vec<&ListenerRule> = self
            .elb
            .rules
            .iter()
            .filter(|r| r.listener_arn == l.arn)
            .collect();
        if siblings.iter().any(|r| r.priority == req.priority) {
            return Err(err::priority_in_use(req.priority));
        }
        if siblings.len() >= MAX_RULES {
            return Err(err::too_many_rules());
        }
        super::tags::check_new_tags(&req.tags)?;
        let arn = format!(
            "{}/{}",
            l.arn.replacen(":listener/", ":listener-rule/", 1),
            ids::hex(&mut self.rng, 16)
        );
        self.elb.rules.insert(ListenerRule {
            arn: arn.clone(),
            region: self.info.name.to_string(),
            listener_arn: l.arn.clone(),
            priority: req.priority,
            conditions,
            actions,
            tags: req.tags,
            actions_set: now,
        });
        Ok(arn)
    }

    /// The listener whose default rule `arn` is, if it is one.
    fn default_rule_owner(&self, arn: &str) -> Option<&Listener> {
        let (listener, _) = arn
            .replacen(":listener-rule/", ":listener/", 1)
            .rsplit_once('/')
            .map(|(l, id)| (l.to_string(), id.to_string()))?;
        self.elb
            .listeners
            .get(&listener)
            .filter(|l| l.default_rule_arn() == arn)
    }

    /// A rule or a default rule as DescribeRules shows it.
    pub fn rule_view(&self, arn: &str) -> Result<RuleView> {
        if let Some(r) = self.elb.rules.get(arn) {
            return Ok(RuleView {
                arn: r.arn.clone(),
                priority: Some(r.priority),
                conditions: r.conditions.clone(),
                actions: r.actions.clone(),
            });
        }
        let l = self
            .default_rule_owner(arn)
            .ok_or_else(err::rule_not_found)?;
        Ok(RuleView {
            arn: arn.to_string(),
            priority: None,
            conditions: Vec::new(),
            actions: l.default_actions.clone(),
        })
    }

    /// ModifyRule: conditions and actions; only the actions of a default rule.
    pub fn modify_rule(
        &mut self,
        arn: &str,
        conditions: Option<&[ConditionArgs]>,
        actions: Option<&[ActionArgs]>,
        now: Millis,
    ) -> Result<()> {
        if let Some(l) = self.default_rule_owner(arn) {
            if conditions.is_some() {
                return Err(err::default_rule(arn, "given conditions"));
            }
            let l = l.arn.clone();
            if let Some(a) = actions {
                return self.modify_listener(
                    ModifyListener {
                        arn: l,
                        default_actions: Some(a.to_vec()),
                        ..Default::default()
                    },
                    now,
                );
            }
            return Ok(());
        }
        let r = self
            .elb
            .rules
            .get(arn)
            .ok_or_else(err::rule_not_found)?
            .clone();
        let (l, lb) = self.rule_listener(&r.listener_arn)?;
        let conditions = conditions.map(Self::build_conditions).transpose()?;
        let actions = actions
            .map(|a| self.build_actions(&lb, &l.protocol, a, "actions"))
            .transpose()?;
        let Some(m) = self.elb.rules.get_mut(arn) else {
            return Err(err::rule_not_found());
        };
        if let Some(c) = conditions {
            m.conditions = c;
        }
        if let Some(a) = actions {
            if a != m.actions {
                m.actions_set = now;
            }
            m.actions = a;
        }
        Ok(())
    }

    pub fn delete_rule(&mut self, arn: &str) -> Result<()> {
        if self.default_rule_owner(arn).is_some() {
            return Err(err::default_rule(arn, "deleted"));
        }
        self.elb
            .rules
            .remove(arn)
            .map(|_| ())
            .ok_or_else(err::rule_not_found)
    }

    /// SetRulePriorities: all or nothing; returns the changed rules' ARNs.
    pub fn set_rule_priorities(&mut self, pairs: &[(String, i32)]) -> Result<Vec<String>> {
        for (arn, p) in pairs {
            if self.default_rule_owner(arn).is_some() {
                return Err(err::default_rule(arn, "given a priority"));
            }
            if !self.elb.rules.contains(arn) {
                return Err(err::rule_not_found());
            }
            if !(1..=50_000).contains(p) {
                return Err(err::out_of_range(*p as i64, "priority", 1, 50_000));
            }
        }
        // The priorities after the change must be unique per listener.
        for (arn, p) in pairs {
            let Some(r) = self.elb.rules.get(arn) else {
                continue;
            };
            let clash = self.elb.rules.iter().any(|o| {
                o.listener_arn == r.listener_arn && o.arn != *arn && {
                    let now = pairs
                        .iter()
                        .find(|(a, _)| *a == o.arn)
                        .map(|(_, q)| *q)
                        .unwrap_or(o.priority);
                    now == *p
                }
            }) || pairs
                .iter()
                .filter(|(a, q)| {
                    q == p
                        && self
                            .elb
                            .rules
                            .get(a)
                            .is_some_and(|x| x.listener_arn == r.listener_arn)
                })
                .count()
                > 1;
            if clash {
                return Err(err::priority_in_use(*p));
            }
        }
        for (arn, p) in pairs {
            if let Some(r) = self.elb.rules.get_mut(arn) {
                r.priority = *p;
            }
        }
        Ok(pairs.iter().map(|(a, _)| a.clone()).collect())
    }

    /// DescribeRules: of a listener (by priority, default last) or by ARNs.
    pub fn describe_rules(
        &self,
        listener_arn: Option<&str>,
        arns: &[String],
        paging: &Paging,
    ) -> Result<(Vec<RuleView>, Option<String>)> {
        let views: Vec<RuleView> = match (listener_arn, arns.is_empty()) {
            (Some(_), false) => {
                return Err(err::validation(
                    "Rule ARNs and a listener ARN cannot be specified at the same time",
                ))
            }
            (Some(la), true) => {
                let l = self.listener(la)?;
                let mut rules: Vec<&ListenerRule> = self
                    .elb
                    .rules
                    .iter()
                    .filter(|r| r.listener_arn == la)
                    .collect();
                rules.sort_by_key(|r| r.priority);
                let mut v: Vec<RuleView> = rules
                    .iter()
                    .map(|r| RuleView {
                        arn: r.arn.clone(),
                        priority: Some(r.priority),
                        conditions: r.conditions.clone(),
                        actions: r.actions.clone(),
                    })
                    .collect();
                v.push(RuleView {
                    arn: l.default_rule_arn(),
                    priority: None,
                    conditions: Vec::new(),
                    actions: l.default_actions.clone(),
                });
                v
            }
            (None, false) => {
                let mut v = Vec::new();
                for a in arns {
                    if !v.iter().any(|x: &RuleView| x.arn == *a) {
                        v.push(self.rule_view(a)?);
                    }
                }
                v
            }
            (None, true) => {
                return Err(err::validation(
                    "You must specify either listener ARN or rule ARNs",
                ))
            }
        };
        let items: Vec<(u64, RuleView)> = views
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i as u64 + 1, v))
            .collect();
        paging.apply(items)
    }

    /// The tags of a default rule live on its listener.
    pub(crate) fn default_rule_listener_arn(&self, arn: &str) -> Option<String> {
        self.default_rule_owner(arn).map(|l| l.arn.clone())
    }
}

fn build_redirect(a: &ActionArgs) -> Result<Redirect> {
    let r = a
        .redirect
        .clone()
        .ok_or_else(|| err::missing("redirectConfig"))?;
    let code = r.status_code.ok_or_else(|| err::missing("statusCode"))?;
    one_of(&code, "statusCode", &["HTTP_301", "HTTP_302"])?;
    if let Some(p) = &r.protocol {
        if !matches!(p.as_str(), "HTTP" | "HTTPS" | "#{protocol}") {
            return Err(err::action_invalid(format!(
                "The redirect protocol '{p}' must be HTTP, HTTPS or #{{protocol}}"
            )));
        }
    }
    Ok(Redirect {
        protocol: Some(r.protocol.unwrap_or_else(|| "#{protocol}".into())),
        port: Some(r.port.unwrap_or_else(|| "#{port}".into())),
        host: Some(r.host.unwrap_or_else(|| "#{host}".into())),
        path: Some(r.path.unwrap_or_else(|| "/#{path}".into())),
        query: Some(r.query.unwrap_or_else(|| "#{query}".into())),
        status_code: code,
    })
}

fn build_fixed(a: &ActionArgs) -> Result<FixedResponse> {
    let f = a
        .fixed
        .clone()
        .ok_or_else(|| err::missing("fixedResponseConfig"))?;
    let code = f.status_code.ok_or_else(|| err::missing("statusCode"))?;
    let ok = code.len() == 3
        && code.bytes().all(|b| b.is_ascii_digit())
        && matches!(code.as_bytes()[0], b'2' | b'4' | b'5');
    if !ok {
        return Err(err::validation(format!(
            "1 validation error detected: Value '{code}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$"
        )));
    }
    if let Some(t) = &f.content_type {
        const TYPES: &[&str] = &[
            "text/plain",
            "text/css",
            "text/html",
            "application/javascript",
            "application/json",
        ];
        one_of(t, "contentType", TYPES)?;
    }
    if f.message_body.as_ref().is_some_and(|b| b.len() > 1024) {
        return Err(err::validation(
            "1 validation error detected: Value at 'messageBody' failed to satisfy constraint: Member must have length less than or equal to 1024",
        ));
    }
    Ok(FixedResponse {
        status_code: code,
        content_type: f.content_type,
        message_body: f.message_body,
    })
}
