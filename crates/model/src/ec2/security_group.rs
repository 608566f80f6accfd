//! Security groups and their rules (CIDR, IPv6 CIDR, prefix list, referenced
//! group), each rule with its own `sgr-` id.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::{Filter, Filterable};
use crate::ids;
use crate::world::Region;

/// The most rules per direction per group (AWS default quota), counted
/// for IPv4 and IPv6 apart: a CIDR rule counts for its family, a referenced
/// group for both, a prefix list for both with its maximum size.
pub const MAX_RULES: usize = 60;

/// A rule's CIDR: an address part that cannot be read is `CIDR block … is
/// malformed` (CAP); an impossible prefix length is the generic CIDR text.
/// Host bits are dropped (EC2 canonicalises rule CIDRs, botocore model).
fn rule_cidr<C: std::str::FromStr>(c: &str, param: &str) -> Result<C> {
    let addr_ok = match c.split_once('/') {
        Some((a, _)) => a.parse::<std::net::IpAddr>().is_ok(),
        None => false,
    };
    if !addr_ok {
        return Err(err::malformed_rule_cidr(c));
    }
    c.parse().map_err(|_| err::invalid_cidr(param, c))
}

/// A change of one rule (ModifySecurityGroupRules).
#[derive(Debug, Default, Clone)]
pub struct RuleUpdate {
    pub rule_id: String,
    pub ip_protocol: Option<String>,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidr_ipv4: Option<String>,
    pub cidr_ipv6: Option<String>,
    pub prefix_list_id: Option<String>,
    pub referenced_group_id: Option<String>,
    pub description: Option<String>,
}

/// One `IpPermissions.N` entry as the wire gives it.
#[derive(Debug, Default, Clone)]
pub struct IpPermission {
    pub ip_protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub ipv4: Vec<(String, Option<String>)>,
    pub ipv6: Vec<(String, Option<String>)>,
    pub prefix_lists: Vec<(String, Option<String>)>,
    /// (group id, user id, description)
    pub groups: Vec<(String, Option<String>, Option<String>)>,
}

/// `tcp`/`6` → `tcp`, `-1`/`all` → `-1`, other numbers stay numbers.
pub fn normalize_protocol(p: &str) -> Result<String> {
    let lower = p.to_ascii_lowercase();
    let out = match lower.as_str() {
        "-1" | "all" => "-1",
        "tcp" | "6" => "tcp",
        "udp" | "17" => "udp",
        "icmp" | "1" => "icmp",
        "icmpv6" | "58" => "icmpv6",
        n => match n.parse::<u8>() {
            Ok(_) => return Ok(n.to_string()),
            Err(_) => {
                return Err(err::invalid_param(format!(
                    "Invalid value '{p}' for IP protocol. Unknown protocol."
                )))
            }
        },
    };
    Ok(out.to_string())
}

impl SgRule {
    /// How AWS names a rule in InvalidPermission.Duplicate.
    fn describe_for_duplicate(&self) -> String {
        let peer = match &self.peer {
            SgPeer::V4(c) => c.to_string(),
            SgPeer::V6(c) => c.to_string(),
            SgPeer::PrefixList(p) => p.clone(),
            SgPeer::Group { group_id, .. } => group_id.clone(),
        };
        match self.protocol.as_str() {
            "-1" => format!("peer: {peer}, ALL, ALLOW"),
            "tcp" | "udp" => format!(
                "peer: {peer}, {}, from port: {}, to port: {}, ALLOW",
                self.protocol.to_uppercase(),
                self.from_port,
                self.to_port
            ),
            "icmp" | "icmpv6" => {
                let t = if self.from_port == -1 {
                    "ALL".to_string()
                } else {
                    self.from_port.to_string()
                };
                let c = if self.to_port == -1 {
                    "ALL".to_string()
                } else {
                    self.to_port.to_string()
                };
                format!(
                    "peer: {peer}, {}, type: {t}, code: {c}, ALLOW",
                    self.protocol.to_uppercase()
                )
            }
            n => format!("peer: {peer}, protocol: {n}, ALLOW"),
        }
    }

    fn same_rule(&self, o: &SgRule) -> bool {
        self.egress == o.egress
            && self.protocol == o.protocol
            && self.from_port == o.from_port
            && self.to_port == o.to_port
            && self.peer == o.peer
    }

    pub fn arn(&self, region: &str, account: &str) -> String {
        format!(
            "arn:aws:ec2:{region}:{account}:security-group-rule/{}",
            self.id
        )
    }
}

impl Region {
    pub fn security_group(&self, id: &str) -> Result<&SecurityGroup> {
        self.security_groups
            .get(id)
            .ok_or_else(|| err::not_found(Kind::SecurityGroup, id))
    }

    /// A group named `name` in the default VPC (the EC2 `GroupName` lookup).
    pub fn security_group_by_name(&self, name: &str) -> Result<&SecurityGroup> {
        let vpc = self.vpcs.iter().find(|v| v.is_default).ok_or_else(|| {
            ApiError::new(
                "VPCIdNotSpecified",
                "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
            )
        })?;
        self.security_groups
            .iter()
            .find(|g| g.vpc_id == vpc.id && g.name == name)
            .ok_or_else(|| {
                ApiError::new(
                    "InvalidGroup.NotFound",
                    format!(
                        "The security group '{name}' does not exist in default VPC '{}'",
                        vpc.id
                    ),
                )
            })
    }

    fn allow_all_egress(&mut self, v6: bool) -> Vec<SgRule> {
        let mut rules = vec![SgRule {
            id: ids::resource_id(&mut self.rng, "sgr"),
            egress: true,
            protocol: "-1".into(),
            from_port: -1,
            to_port: -1,
            peer: SgPeer::V4("0.0.0.0/0".parse().expect("static")),
            description: None,
            tags: Vec::new(),
        }];
        if v6 {
            rules.push(SgRule {
                id: ids::resource_id(&mut self.rng, "sgr"),
                egress: true,
                protocol: "-1".into(),
                from_port: -1,
                to_port: -1,
                peer: SgPeer::V6("::/0".parse().expect("static")),
                description: None,
                tags: Vec::new(),
            });
        }
        rules
    }

    /// The VPC's `default` group: all traffic from itself, all traffic out.
    pub(crate) fn insert_default_security_group(&mut self, vpc_id: &str, sg_id: &str, v6: bool) {
        let mut rules = vec![SgRule {
            id: ids::resource_id(&mut self.rng, "sgr"),
            egress: false,
            protocol: "-1".into(),
            from_port: -1,
            to_port: -1,
            peer: SgPeer::Group {
                group_id: sg_id.to_string(),
                user_id: self.account_id.clone(),
            },
            description: None,
            tags: Vec::new(),
        }];
        rules.extend(self.allow_all_egress(v6));
        self.security_groups.insert(SecurityGroup {
            id: sg_id.to_string(),
            region: self.info.name.to_string(),
            vpc_id: vpc_id.to_string(),
            name: "default".into(),
            description: "default VPC security group".into(),
            rules,
            tags: Vec::new(),
        });
    }

    pub fn create_security_group(
        &mut self,
        name: &str,
        description: &str,
        vpc_id: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<String> {
        let vpc_id = match vpc_id {
            Some(v) => self.vpc(v)?.id.clone(),
            None => self
                .vpcs
                .iter()
                .find(|v| v.is_default)
                .map(|v| v.id.clone())
                .ok_or_else(|| {
                    ApiError::new("VPCIdNotSpecified", "No default VPC for this user")
                })?,
        };
        if name.is_empty() {
            return Err(err::missing("GroupName"));
        }
        if description.is_empty() {
            return Err(err::missing("GroupDescription"));
        }
        if name.len() > 255 || description.len() > 255 {
            return Err(err::invalid_param(
                "Invalid security group name or description: length must be at most 255 characters.".to_string(),
            ));
        }
        if name.starts_with("sg-") {
            return Err(err::invalid_value(
                "Group names may not be in the format sg-*".to_string(),
            ));
        }
        if self
            .security_groups
            .iter()
            .any(|g| g.vpc_id == vpc_id && g.name == name)
        {
            return Err(ApiError::new(
                "InvalidGroup.Duplicate",
                format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
            ));
        }
        let v6 = self
            .vpcs
            .get(&vpc_id)
            .is_some_and(|v| !v.ipv6_blocks.is_empty());
        let id = ids::resource_id(&mut self.rng, "sg");
        let rules = self.allow_all_egress(v6);
        self.security_groups.insert(SecurityGroup {
            id: id.clone(),
            region: self.info.name.to_string(),
            vpc_id,
            name: name.to_string(),
            description: description.to_string(),
            rules,
            tags,
        });
        Ok(id)
    }

    pub fn delete_security_group(&mut self, id: &str) -> Result<()> {
        let g = self.security_group(id)?;
        if g.name == "default" {
            return Err(ApiError::new(
                "CannotDelete",
                format!(
                    "the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"
                ),
            ));
        }
        let in_use = self.enis.iter().any(|e| e.groups.iter().any(|x| x == id))
            || self
                .vpc_endpoints
                .iter()
                .any(|e| e.security_group_ids.iter().any(|x| x == id))
            || self.security_groups.iter().any(|o| {
                o.id != id
                    && o.rules.iter().any(
                        |r| matches!(&r.peer, SgPeer::Group { group_id, .. } if group_id == id),
                    )
            });
        if in_use {
            return Err(err::dependency(format!(
                "resource {id} has a dependent object"
            )));
        }
        self.security_groups.remove(id);
        Ok(())
    }

    /// Expand wire permissions into single rules, validating each.
    fn expand(
        &mut self,
        sg: &SecurityGroup,
        egress: bool,
        perms: &[IpPermission],
        tags: &[Tag],
    ) -> Result<Vec<SgRule>> {
        let mut out = Vec::new();
        for p in perms {
            if p.ip_protocol.is_empty() {
                return Err(err::missing("IpPermissions.IpProtocol"));
            }
            let proto = normalize_protocol(&p.ip_protocol)?;
            let (from, to) = match proto.as_str() {
                "tcp" | "udp" => {
                    let (Some(f), Some(t)) = (p.from_port, p.to_port) else {
                        return Err(err::invalid_param(
                            "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.",
                        ));
                    };
                    if !(0..=65535).contains(&f) || !(0..=65535).contains(&t) || f > t {
                        return Err(err::invalid_param(format!(
                            "Invalid value '{f}-{t}' for portRange. Must be within 0-65535 with fromPort <= toPort."
                        )));
                    }
                    (f, t)
                }
                "icmp" | "icmpv6" => (p.from_port.unwrap_or(-1), p.to_port.unwrap_or(-1)),
                _ => (-1, -1),
            };
            let mut peers: Vec<(SgPeer, Option<String>)> = Vec::new();
            for (c, d) in &p.ipv4 {
                peers.push((SgPeer::V4(rule_cidr(c, "cidrIp")?), d.clone()));
            }
            for (c, d) in &p.ipv6 {
                peers.push((SgPeer::V6(rule_cidr(c, "cidrIpv6")?), d.clone()));
            }
            for (pl, d) in &p.prefix_lists {
                err::check_id(Kind::PrefixList, pl)?;
                if !self.prefix_list_exists(pl) {
                    return Err(ApiError::new(
                        "InvalidPrefixListID.NotFound",
                        format!("The prefix list ID '{pl}' does not exist"),
                    ));
                }
                peers.push((SgPeer::PrefixList(pl.clone()), d.clone()));
            }
            for (gid, uid, d) in &p.groups {
                err::check_id(Kind::SecurityGroup, gid)?;
                let other = self.security_group(gid)?;
                // A group of a peered VPC may be named across the peering.
                if other.vpc_id != sg.vpc_id && !self.peered(&other.vpc_id, &sg.vpc_id) {
                    return Err(err::invalid_param(format!(
                        "You have specified two resources that belong to different networks. ({gid}, {})",
                        sg.id
                    )));
                }
                let user_id = uid.clone().unwrap_or_else(|| self.account_id.clone());
                peers.push((
                    SgPeer::Group {
                        group_id: gid.clone(),
                        user_id,
                    },
                    d.clone(),
                ));
            }
            if peers.is_empty() {
                return Err(err::missing(
                    "IpPermissions.IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs",
                ));
            }
            for (peer, description) in peers {
                out.push(SgRule {
                    id: ids::resource_id(&mut self.rng, "sgr"),
                    egress,
                    protocol: proto.clone(),
                    from_port: from,
                    to_port: to,
                    peer,
                    description,
                    tags: tags.to_vec(),
                });
            }
        }
        Ok(out)
    }

    /// AuthorizeSecurityGroupIngress/Egress. Returns the new rules.
    pub fn authorize(
        &mut self,
        id: &str,
        egress: bool,
        perms: &[IpPermission],
        tags: Vec<Tag>,
    ) -> Result<Vec<SgRule>> {
        let sg = self.security_group(id)?.clone();
        let new = self.expand(&sg, egress, perms, &tags)?;
        for (i, r) in new.iter().enumerate() {
            let dup =
                sg.rules.iter().any(|o| o.same_rule(r)) || new[..i].iter().any(|o| o.same_rule(r));
            if dup {
                return Err(ApiError::new(
                    "InvalidPermission.Duplicate",
                    format!(
                        "the specified rule \"{}\" already exists",
                        r.describe_for_duplicate()
                    ),
                ));
            }
        }
        self.check_rules_quota(sg.rules.iter().chain(new.iter()), egress)?;
        if let Some(g) = self.security_groups.get_mut(id) {
            g.rules.extend(new.iter().cloned());
        }
        Ok(new)
    }

    /// RevokeSecurityGroupIngress/Egress by permission or by rule id.
    pub fn revoke(
        &mut self,
        id: &str,
        egress: bool,
        perms: &[IpPermission],
        rule_ids: &[String],
    ) -> Result<Vec<SgRule>> {
        let sg = self.security_group(id)?.clone();
        let mut remove: Vec<String> = Vec::new();
        for rid in rule_ids {
            match sg.rules.iter().find(|r| r.id == *rid && r.egress == egress) {
                Some(r) => remove.push(r.id.clone()),
                None => return Err(err::not_found(Kind::SecurityGroupRule, rid)),
            }
        }
        let wanted = self.expand(&sg, egress, perms, &[])?;
        for w in &wanted {
            match sg.rules.iter().find(|r| r.same_rule(w)) {
                Some(r) => remove.push(r.id.clone()),
                None => {
                    return Err(ApiError::new(
                        "InvalidPermission.NotFound",
                        "The specified rule does not exist in this security group.",
                    ))
                }
            }
        }
        if remove.is_empty() {
            return Err(err::missing("IpPermissions or SecurityGroupRuleIds"));
        }
        let removed: Vec<SgRule> = sg
            .rules
            .iter()
            .filter(|r| remove.contains(&r.id))
            .cloned()
            .collect();
        if let Some(g) = self.security_groups.get_mut(id) {
            g.rules.retain(|r| !remove.contains(&r.id));
        }
        Ok(removed)
    }

    /// What rules weigh in the quota: (IPv4, IPv6).
    pub fn rule_weights<'a>(&self, rules: impl Iterator<Item = &'a SgRule>) -> (usize, usize) {
        let (mut v4, mut v6) = (0, 0);
        for r in rules {
            match &r.peer {
                SgPeer::V4(_) => v4 += 1,
                SgPeer::V6(_) => v6 += 1,
                SgPeer::Group { .. } => {
                    v4 += 1;
                    v6 += 1;
                }
                SgPeer::PrefixList(p) => {
                    let w = self.prefix_list_weight(p);
                    v4 += w;
                    v6 += w;
                }
            }
        }
        (v4, v6)
    }

    fn check_rules_quota<'a>(
        &self,
        rules: impl Iterator<Item = &'a SgRule>,
        egress: bool,
    ) -> Result<()> {
        let (v4, v6) = self.rule_weights(rules.filter(|r| r.egress == egress));
        if v4 > MAX_RULES || v6 > MAX_RULES {
            return Err(err::rules_limit());
        }
        Ok(())
    }

    /// ModifySecurityGroupRules: each named rule of the group gets a new
    /// definition (protocol, ports, one peer, description); its id and
    /// direction stay.
    pub fn modify_security_group_rules(&mut self, id: &str, updates: &[RuleUpdate]) -> Result<()> {
        let sg = self.security_group(id)?.clone();
        if updates.is_empty() {
            return Err(err::missing("SecurityGroupRules"));
        }
        let mut rules = sg.rules.clone();
        for u in updates {
            err::check_id(Kind::SecurityGroupRule, &u.rule_id)?;
            let Some(pos) = rules.iter().position(|r| r.id == u.rule_id) else {
                return Err(err::not_found(Kind::SecurityGroupRule, &u.rule_id));
            };
            let old = rules[pos].clone();
            let mut perm = IpPermission {
                ip_protocol: u.ip_protocol.clone().unwrap_or_default(),
                from_port: u.from_port,
                to_port: u.to_port,
                ..Default::default()
            };
            let d = u.description.clone();
            let peers = [
                u.cidr_ipv4.is_some(),
                u.cidr_ipv6.is_some(),
                u.prefix_list_id.is_some(),
                u.referenced_group_id.is_some(),
            ];
            if peers.iter().filter(|x| **x).count() > 1 {
                return Err(err::combination(
                    "Only one of cidrIpv4, cidrIpv6, prefixListId or referencedGroupId may be specified.",
                ));
            }
            if let Some(c) = &u.cidr_ipv4 {
                perm.ipv4.push((c.clone(), d.clone()));
            }
            if let Some(c) = &u.cidr_ipv6 {
                perm.ipv6.push((c.clone(), d.clone()));
            }
            if let Some(p) = &u.prefix_list_id {
                perm.prefix_lists.push((p.clone(), d.clone()));
            }
            if let Some(g) = &u.referenced_group_id {
                perm.groups.push((g.clone(), None, d.clone()));
            }
            let mut new = self.expand(&sg, old.egress, &[perm], &old.tags)?;
            let Some(mut rule) = new.pop() else {
                return Err(err::missing("SecurityGroupRule"));
            };
            rule.id = old.id.clone();
            if rules.iter().any(|r| r.id != rule.id && r.same_rule(&rule)) {
                return Err(ApiError::new(
                    "InvalidPermission.Duplicate",
                    format!(
                        "the specified rule \"{}\" already exists",
                        rule.describe_for_duplicate()
                    ),
                ));
            }
            rules[pos] = rule;
        }
        for egress in [false, true] {
            self.check_rules_quota(rules.iter(), egress)?;
        }
        if let Some(g) = self.security_groups.get_mut(id) {
            g.rules = rules;
        }
        Ok(())
    }

    /// UpdateSecurityGroupRuleDescriptionsIngress/Egress: by permission (the
    /// description of each peer) or by rule id. A rule that does not exist is
    /// `InvalidPermission.NotFound`, as for a revoke.
    pub fn update_rule_descriptions(
        &mut self,
        id: &str,
        egress: bool,
        perms: &[IpPermission],
        by_id: &[(String, Option<String>)],
    ) -> Result<()> {
        let sg = self.security_group(id)?.clone();
        if perms.is_empty() && by_id.is_empty() {
            return Err(err::missing(
                "IpPermissions or SecurityGroupRuleDescriptions",
            ));
        }
        let mut rules = sg.rules.clone();
        for (rid, d) in by_id {
            err::check_id(Kind::SecurityGroupRule, rid)?;
            match rules
                .iter_mut()
                .find(|r| r.id == *rid && r.egress == egress)
            {
                Some(r) => r.description = d.clone(),
                None => return Err(err::not_found(Kind::SecurityGroupRule, rid)),
            }
        }
        for w in self.expand(&sg, egress, perms, &[])? {
            match rules.iter_mut().find(|r| r.same_rule(&w)) {
                Some(r) => r.description = w.description,
                None => {
                    return Err(ApiError::new(
                        "InvalidPermission.NotFound",
                        "The specified rule does not exist in this security group.",
                    ))
                }
            }
        }
        if let Some(g) = self.security_groups.get_mut(id) {
            g.rules = rules;
        }
        Ok(())
    }

    /// DescribeSecurityGroupRules.
    pub fn describe_security_group_rules(
        &self,
        ids: &[String],
        filters: &[Filter],
    ) -> Result<Vec<(&SecurityGroup, &SgRule)>> {
        for f in filters {
            let known = matches!(
                f.name.as_str(),
                "group-id" | "security-group-rule-id" | "tag-key" | "tag-value"
            ) || f.name.starts_with("tag:");
            if !known {
                return Err(err::invalid_value(format!(
                    "The filter '{}' is invalid",
                    f.name
                )));
            }
            let kind = match f.name.as_str() {
                "group-id" => Some(Kind::SecurityGroup),
                "security-group-rule-id" => Some(Kind::SecurityGroupRule),
                _ => None,
            };
            if let Some(k) = kind {
                crate::filter::check_id_values(f, k, |v| err::malformed_named(k, v))?;
            }
        }
        for id in ids {
            err::check_id(Kind::SecurityGroupRule, id)?;
        }
        for id in ids {
            if !self
                .security_groups
                .iter()
                .any(|g| g.rules.iter().any(|r| r.id == *id))
            {
                return Err(err::not_found(Kind::SecurityGroupRule, id));
            }
        }
        let mut out = Vec::new();
        for g in self.security_groups.iter() {
            for r in &g.rules {
                if !ids.is_empty() && !ids.contains(&r.id) {
                    continue;
                }
                let ok = filters.iter().all(|f| {
                    let vals: Vec<String> = match f.name.as_str() {
                        "group-id" => vec![g.id.clone()],
                        "security-group-rule-id" => vec![r.id.clone()],
                        "tag-key" => r.tags.iter().map(|t| t.key.clone()).collect(),
                        "tag-value" => r.tags.iter().map(|t| t.value.clone()).collect(),
                        n => {
                            let k = &n[4..];
                            r.tags
                                .iter()
                                .filter(|t| t.key == k)
                                .map(|t| t.value.clone())
                                .collect()
                        }
                    };
                    f.values
                        .iter()
                        .any(|p| vals.iter().any(|v| crate::filter::wildcard(p, v)))
                });
                if ok {
                    out.push((g, r));
                }
            }
        }
        Ok(out)
    }
}

/// Rules grouped as DescribeSecurityGroups shows them: one `IpPermission` per
/// (protocol, from, to), each with its peers.
pub fn grouped_permissions(
    rules: &[SgRule],
    egress: bool,
) -> Vec<(String, i32, i32, Vec<&SgRule>)> {
    let mut out: Vec<(String, i32, i32, Vec<&SgRule>)> = Vec::new();
    for r in rules.iter().filter(|r| r.egress == egress) {
        match out
            .iter_mut()
            .find(|(p, f, t, _)| *p == r.protocol && *f == r.from_port && *t == r.to_port)
        {
            Some(e) => e.3.push(r),
            None => out.push((r.protocol.clone(), r.from_port, r.to_port, vec![r])),
        }
    }
    out
}

impl Filterable for SecurityGroup {
    const FILTERS: &'static [&'static str] = &[
        "description",
        "egress.ip-permission.cidr",
        "egress.ip-permission.from-port",
        "egress.ip-permission.group-id",
        "egress.ip-permission.group-name",
        "egress.ip-permission.ipv6-cidr",
        "egress.ip-permission.prefix-list-id",
        "egress.ip-permission.protocol",
        "egress.ip-permission.to-port",
        "egress.ip-permission.user-id",
        "group-id",
        "group-name",
        "ip-permission.cidr",
        "ip-permission.from-port",
        "ip-permission.group-id",
        "ip-permission.group-name",
        "ip-permission.ipv6-cidr",
        "ip-permission.prefix-list-id",
        "ip-permission.protocol",
        "ip-permission.to-port",
        "ip-permission.user-id",
        "owner-id",
        "vpc-id",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("egress.ip-permission.group-id", Kind::SecurityGroup),
        ("egress.ip-permission.prefix-list-id", Kind::PrefixList),
        ("group-id", Kind::SecurityGroup),
        ("ip-permission.group-id", Kind::SecurityGroup),
        ("ip-permission.prefix-list-id", Kind::PrefixList),
        ("vpc-id", Kind::Vpc),
    ];
    /// CAP (aws/aws-cli#7137): DescribeSecurityGroups answers a malformed
    /// `vpc-id` value with `InvalidParameterValue` naming only the filter.
    fn malformed_filter(name: &str, kind: Kind, value: &str) -> ApiError {
        if name == "vpc-id" {
            err::invalid_value(name)
        } else {
            err::malformed_named(kind, value)
        }
    }
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        let (egress, sub) = match name.strip_prefix("egress.ip-permission.") {
            Some(s) => (true, s),
            None => (false, name.strip_prefix("ip-permission.").unwrap_or("")),
        };
        if !sub.is_empty() {
            for r in self.rules.iter().filter(|r| r.egress == egress) {
                match (sub, &r.peer) {
                    ("cidr", SgPeer::V4(c)) => out.push(c.to_string()),
                    ("ipv6-cidr", SgPeer::V6(c)) => out.push(c.to_string()),
                    ("prefix-list-id", SgPeer::PrefixList(p)) => out.push(p.clone()),
                    ("group-id", SgPeer::Group { group_id, .. }) => out.push(group_id.clone()),
                    ("group-name", SgPeer::Group { group_id, .. }) => {
                        out.extend(cx.security_groups.get(group_id).map(|g| g.name.clone()))
                    }
                    ("user-id", SgPeer::Group { user_id, .. }) => out.push(user_id.clone()),
                    ("protocol", _) => out.push(r.protocol.clone()),
                    ("from-port", _) => out.push(r.from_port.to_string()),
                    ("to-port", _) => out.push(r.to_port.to_string()),
                    _ => {}
                }
            }
            return;
        }
        match name {
            "description" => out.push(self.description.clone()),
            "group-id" => out.push(self.id.clone()),
            "group-name" => out.push(self.name.clone()),
            "owner-id" => out.push(cx.account_id.clone()),
            "vpc-id" => out.push(self.vpc_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
