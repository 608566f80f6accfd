//! Security groups and their rules (CIDR, IPv6 CIDR, prefix list, referenced
//! group), each rule with its own `sgr-` id.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::{Filter, Filterable};
use crate::ids;
use crate::net::{Ipv4Cidr, Ipv6Cidr};
use crate::world::Region;

/// The most rules per direction per group (AWS default quota).
pub const MAX_RULES: usize = 60;

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
                let cidr: Ipv4Cidr = c.parse().map_err(|_| err::invalid_cidr("cidrIp", c))?;
                peers.push((SgPeer::V4(cidr), d.clone()));
            }
            for (c, d) in &p.ipv6 {
                let cidr: Ipv6Cidr = c.parse().map_err(|_| err::invalid_cidr("cidrIpv6", c))?;
                peers.push((SgPeer::V6(cidr), d.clone()));
            }
            for (pl, d) in &p.prefix_lists {
                self.prefix_list(pl).map_err(|_| {
                    ApiError::new(
                        "InvalidPrefixListID.NotFound",
                        format!("The prefix list ID '{pl}' does not exist"),
                    )
                })?;
                peers.push((SgPeer::PrefixList(pl.clone()), d.clone()));
            }
            for (gid, uid, d) in &p.groups {
                let other = self.security_group(gid)?;
                if other.vpc_id != sg.vpc_id {
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
        let count = sg.rules.iter().filter(|r| r.egress == egress).count() + new.len();
        if count > MAX_RULES {
            return Err(ApiError::new(
                "RulesPerSecurityGroupLimitExceeded",
                "The maximum number of rules per security group has been reached.",
            ));
        }
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
