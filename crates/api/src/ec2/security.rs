//! Security groups, their rules, and network ACLs.

use super::{id_req, ok_return, read, write, Idempotency, Page, Result};
use crate::params::Params;
use crate::xml::Xml;
use crate::Call;
use model::ec2::err::{self, Kind};
use model::ec2::nacl::NaclEntryArgs;
use model::ec2::security_group::{grouped_permissions, IpPermission, RuleUpdate};
use model::ec2::types::*;
use model::ec2::{self as mec2};
use model::Region;

// ---------------------------------------------------------------------------
// Security groups
// ---------------------------------------------------------------------------

fn sg_arn(r: &Region, id: &str) -> String {
    format!(
        "arn:aws:ec2:{}:{}:security-group/{id}",
        r.info.name, r.account_id
    )
}

/// Protocols whose rules carry ports (ICMP: type and code) in `IpPermission`.
fn has_ports(protocol: &str) -> bool {
    matches!(protocol, "tcp" | "udp" | "icmp" | "icmpv6")
}

fn permissions_xml(x: &mut Xml, r: &Region, vpc: &str, tag: &str, rules: &[SgRule], egress: bool) {
    x.list(
        tag,
        grouped_permissions(rules, egress),
        |x, (proto, from, to, rs)| {
            x.el("ipProtocol", &proto);
            if has_ports(&proto) {
                x.el("fromPort", from).el("toPort", to);
            }
            x.list(
                "groups",
                rs.iter().filter_map(|r| match &r.peer {
                    SgPeer::Group { group_id, user_id } => Some((r, group_id, user_id)),
                    _ => None,
                }),
                |x, (rule, gid, uid)| {
                    x.opt("description", rule.description.as_ref())
                        .el("userId", uid)
                        .el("groupId", gid);
                    // A group of a peered VPC names its VPC and the peering.
                    let other = r.security_groups.get(gid).map(|g| g.vpc_id.as_str());
                    if let Some(o) = other.filter(|o| *o != vpc) {
                        let pcx = r
                            .active_peerings(vpc)
                            .find(|(_, peer)| *peer == o)
                            .map(|(p, _)| p.id.clone());
                        x.el("vpcId", o);
                        if let Some(p) = pcx {
                            x.el("vpcPeeringConnectionId", p)
                                .el("peeringStatus", "active");
                        }
                    }
                },
            );
            x.list(
                "ipRanges",
                rs.iter().filter_map(|r| match &r.peer {
                    SgPeer::V4(c) => Some((r, c)),
                    _ => None,
                }),
                |x, (r, c)| {
                    x.el("cidrIp", c).opt("description", r.description.as_ref());
                },
            );
            x.list(
                "ipv6Ranges",
                rs.iter().filter_map(|r| match &r.peer {
                    SgPeer::V6(c) => Some((r, c)),
                    _ => None,
                }),
                |x, (r, c)| {
                    x.el("cidrIpv6", c)
                        .opt("description", r.description.as_ref());
                },
            );
            x.list(
                "prefixListIds",
                rs.iter().filter_map(|r| match &r.peer {
                    SgPeer::PrefixList(p) => Some((r, p)),
                    _ => None,
                }),
                |x, (r, p)| {
                    x.el("prefixListId", p)
                        .opt("description", r.description.as_ref());
                },
            );
        },
    );
}

pub(crate) fn security_group_xml(x: &mut Xml, r: &Region, g: &SecurityGroup) {
    x.el("ownerId", &r.account_id)
        .el("groupId", &g.id)
        .el("groupName", &g.name)
        .el("groupDescription", &g.description);
    permissions_xml(x, r, &g.vpc_id, "ipPermissions", &g.rules, false);
    permissions_xml(x, r, &g.vpc_id, "ipPermissionsEgress", &g.rules, true);
    x.el("vpcId", &g.vpc_id)
        .el("securityGroupArn", sg_arn(r, &g.id))
        .tag_set(&g.tags);
}

/// One `SecurityGroupRule` (Authorize responses, DescribeSecurityGroupRules).
fn rule_xml(x: &mut Xml, r: &Region, g: &SecurityGroup, rule: &SgRule) {
    rule_common_xml(x, &g.id, rule, Some(&r.account_id));
    x.opt("description", rule.description.as_ref())
        .tag_set(&rule.tags)
        .el("securityGroupRuleArn", rule.arn(r.info.name, &r.account_id));
}

/// The fields `SecurityGroupRule` and `RevokedSecurityGroupRule` share; the
/// former names a referenced group with its owner (`owner` given).
fn rule_common_xml(x: &mut Xml, group: &str, rule: &SgRule, owner: Option<&str>) {
    x.el("securityGroupRuleId", &rule.id);
    x.el("groupId", group);
    if let Some(o) = owner {
        x.el("groupOwnerId", o);
    }
    x.b("isEgress", rule.egress)
        .el("ipProtocol", &rule.protocol)
        .el("fromPort", rule.from_port)
        .el("toPort", rule.to_port);
    match (&rule.peer, owner) {
        (SgPeer::V4(c), _) => {
            x.el("cidrIpv4", c);
        }
        (SgPeer::V6(c), _) => {
            x.el("cidrIpv6", c);
        }
        (SgPeer::PrefixList(p), _) => {
            x.el("prefixListId", p);
        }
        (SgPeer::Group { group_id, user_id }, Some(_)) => {
            x.wrap("referencedGroupInfo", |x| {
                x.el("groupId", group_id).el("userId", user_id);
            });
        }
        (SgPeer::Group { group_id, .. }, None) => {
            x.el("referencedGroupId", group_id);
        }
    }
}

/// A revoked rule as `RevokedSecurityGroupRule`.
fn revoked_rule_xml(x: &mut Xml, g: &str, rule: &SgRule) {
    rule_common_xml(x, g, rule, None);

    x.opt("description", rule.description.as_ref());
}

/// A group given by id or, for the default VPC, by name.
enum GroupRef {
    Id(String),
    Name(String),
}

impl GroupRef {
    fn from(p: &Params, id_key: &str, name_key: &str) -> Option<GroupRef> {
        match (p.get(id_key), p.get(name_key)) {
            (Some(id), _) if !id.is_empty() => Some(GroupRef::Id(id.to_string())),
            (_, Some(n)) if !n.is_empty() => Some(GroupRef::Name(n.to_string())),
            _ => None,
        }
    }

    fn resolve(&self, r: &Region) -> Result<String> {
        match self {
            GroupRef::Id(id) => {
                err::check_id(Kind::SecurityGroup, id)?;
                Ok(r.security_group(id)?.id.clone())
            }
            GroupRef::Name(n) => Ok(r.security_group_by_name(n)?.id.clone()),
        }
    }
}

/// `IpPermissions.N` as given on the wire, groups not yet resolved.
struct WirePermission {
    perm: IpPermission,
    groups: Vec<(GroupRef, Option<String>, Option<String>)>,
}

fn desc(p: &Params) -> Option<String> {
    p.string("Description")
}

fn wire_permissions(p: &Params) -> Result<Vec<WirePermission>> {
    let mut out = Vec::new();
    for s in p.structs("IpPermissions") {
        let mut perm = IpPermission {
            ip_protocol: s.get("IpProtocol").unwrap_or_default().to_string(),
            from_port: s.i32("FromPort")?,
            to_port: s.i32("ToPort")?,
            ..Default::default()
        };
        for r in s.structs("IpRanges") {
            perm.ipv4
                .push((r.get("CidrIp").unwrap_or_default().to_string(), desc(&r)));
        }
        for r in s.structs("Ipv6Ranges") {
            perm.ipv6
                .push((r.get("CidrIpv6").unwrap_or_default().to_string(), desc(&r)));
        }
        for r in s.structs("PrefixListIds") {
            perm.prefix_lists.push((
                r.get("PrefixListId").unwrap_or_default().to_string(),
                desc(&r),
            ));
        }
        let mut groups = Vec::new();
        for g in s.structs("Groups") {
            let gref = GroupRef::from(&g, "GroupId", "GroupName")
                .ok_or_else(|| err::missing("groupId"))?;
            groups.push((gref, g.string("UserId"), desc(&g)));
        }
        out.push(WirePermission { perm, groups });
    }
    // The legacy top-level form: one permission from CidrIp / SourceSecurityGroupName.
    let cidr = p.string("CidrIp");
    let source = p.string("SourceSecurityGroupName");
    if p.get("IpProtocol").is_some() || cidr.is_some() || source.is_some() {
        let mut perm = IpPermission {
            ip_protocol: p.get("IpProtocol").unwrap_or("-1").to_string(),
            from_port: p.i32("FromPort")?,
            to_port: p.i32("ToPort")?,
            ..Default::default()
        };
        if let Some(c) = cidr {
            perm.ipv4.push((c, None));
        }
        let groups = source
            .map(|n| {
                (
                    GroupRef::Name(n),
                    p.string("SourceSecurityGroupOwnerId"),
                    None,
                )
            })
            .into_iter()
            .collect();
        out.push(WirePermission { perm, groups });
    }
    Ok(out)
}

fn resolve_permissions(r: &Region, wire: Vec<WirePermission>) -> Result<Vec<IpPermission>> {
    let mut out = Vec::new();
    for w in wire {
        let mut perm = w.perm;
        for (g, user, d) in w.groups {
            perm.groups.push((g.resolve(r)?, user, d));
        }
        out.push(perm);
    }
    Ok(out)
}

pub async fn create_security_group(call: &Call<'_>, p: &Params) -> Result {
    let name = p.string("GroupName").unwrap_or_default();
    let description = p.string("GroupDescription").unwrap_or_default();
    let vpc = p.string("VpcId");
    if let Some(v) = vpc.as_deref().filter(|v| !err::well_formed(Kind::Vpc, v)) {
        // CAP: CreateSecurityGroup words a malformed VPC id the newer way.
        return Err(err::malformed_vpc_id(v, true));
    }
    let tags = p.tag_specs("security-group")?;
    write(call, move |r, _| {
        let id = r.create_security_group(&name, &description, vpc.as_deref(), tags)?;
        let g = r.security_group(&id)?;
        let mut x = Xml::new();
        x.el("groupId", &id)
            .tag_set(&g.tags)
            .el("securityGroupArn", sg_arn(r, &id));
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_security_groups(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("GroupId");
    let names = p.list("GroupName");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty() || !names.is_empty(), "groupIds", 5, 1000)?;
    read(call, move |r| {
        let mut all = ids;
        for n in &names {
            let id = r.security_group_by_name(n)?.id.clone();
            if !all.contains(&id) {
                all.push(id);
            }
        }
        let items = mec2::describe(&r.security_groups, r, &all, &filters, Kind::SecurityGroup)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("securityGroupInfo", items, |x, g| {
            security_group_xml(x, r, g)
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_security_group(call: &Call<'_>, p: &Params) -> Result {
    let g = GroupRef::from(p, "GroupId", "GroupName").ok_or_else(|| err::missing("groupId"))?;
    write(call, move |r, _| {
        let id = g.resolve(r)?;
        r.delete_security_group(&id)?;
        let mut x = Xml::new();
        x.b("return", true).el("groupId", &id);
        Ok(x.into_string())
    })
    .await
}

async fn authorize(call: &Call<'_>, p: &Params, egress: bool) -> Result {
    let g = GroupRef::from(p, "GroupId", "GroupName").ok_or_else(|| err::missing("groupId"))?;
    let wire = wire_permissions(p)?;
    if wire.is_empty() {
        return Err(err::missing("ipPermissions"));
    }
    let tags = p.tag_specs("security-group-rule")?;
    write(call, move |r, _| {
        let id = g.resolve(r)?;
        let perms = resolve_permissions(r, wire)?;
        let rules = r.authorize(&id, egress, &perms, tags)?;
        let sg = r.security_group(&id)?;
        let mut x = Xml::new();
        x.b("return", true)
            .list("securityGroupRuleSet", &rules, |x, rule| {
                rule_xml(x, r, sg, rule)
            });
        Ok(x.into_string())
    })
    .await
}

pub async fn authorize_ingress(call: &Call<'_>, p: &Params) -> Result {
    authorize(call, p, false).await
}

pub async fn authorize_egress(call: &Call<'_>, p: &Params) -> Result {
    authorize(call, p, true).await
}

async fn revoke(call: &Call<'_>, p: &Params, egress: bool) -> Result {
    let g = GroupRef::from(p, "GroupId", "GroupName").ok_or_else(|| err::missing("groupId"))?;
    let wire = wire_permissions(p)?;
    let rule_ids = p.list("SecurityGroupRuleId");
    write(call, move |r, _| {
        let id = g.resolve(r)?;
        let perms = resolve_permissions(r, wire)?;
        let removed = r.revoke(&id, egress, &perms, &rule_ids)?;
        let mut x = Xml::new();
        x.b("return", true)
            .list("revokedSecurityGroupRuleSet", &removed, |x, rule| {
                revoked_rule_xml(x, &id, rule)
            });
        Ok(x.into_string())
    })
    .await
}

pub async fn revoke_ingress(call: &Call<'_>, p: &Params) -> Result {
    revoke(call, p, false).await
}

pub async fn revoke_egress(call: &Call<'_>, p: &Params) -> Result {
    revoke(call, p, true).await
}

pub async fn modify_security_group_rules(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "GroupId", Kind::SecurityGroup)?;
    let mut updates = Vec::new();
    for u in p.structs("SecurityGroupRule") {
        let rule = u.sub("SecurityGroupRule");
        updates.push(RuleUpdate {
            rule_id: u.req("SecurityGroupRuleId")?.to_string(),
            ip_protocol: rule.string("IpProtocol"),
            from_port: rule.i32("FromPort")?,
            to_port: rule.i32("ToPort")?,
            cidr_ipv4: rule.string("CidrIpv4"),
            cidr_ipv6: rule.string("CidrIpv6"),
            prefix_list_id: rule.string("PrefixListId"),
            referenced_group_id: rule.string("ReferencedGroupId"),
            description: rule.string("Description"),
        });
    }
    write(call, move |r, _| {
        r.modify_security_group_rules(&id, &updates)
            .map(|_| ok_return())
    })
    .await
}

async fn update_descriptions(call: &Call<'_>, p: &Params, egress: bool) -> Result {
    let g = GroupRef::from(p, "GroupId", "GroupName").ok_or_else(|| err::missing("groupId"))?;
    let wire = wire_permissions(p)?;
    let by_id: Vec<(String, Option<String>)> = p
        .structs("SecurityGroupRuleDescription")
        .into_iter()
        .map(|d| {
            (
                d.get("SecurityGroupRuleId").unwrap_or_default().to_string(),
                d.string("Description"),
            )
        })
        .collect();
    write(call, move |r, _| {
        let id = g.resolve(r)?;
        let perms = resolve_permissions(r, wire)?;
        r.update_rule_descriptions(&id, egress, &perms, &by_id)
            .map(|_| ok_return())
    })
    .await
}

pub async fn update_descriptions_ingress(call: &Call<'_>, p: &Params) -> Result {
    update_descriptions(call, p, false).await
}

pub async fn update_descriptions_egress(call: &Call<'_>, p: &Params) -> Result {
    update_descriptions(call, p, true).await
}

pub async fn describe_security_group_rules(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("SecurityGroupRuleId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "securityGroupRuleIds", 5, 1000)?;
    read(call, move |r| {
        let rules = r.describe_security_group_rules(&ids, &filters)?;
        let numbered: Vec<(u64, _)> = rules
            .into_iter()
            .enumerate()
            .map(|(i, x)| (i as u64 + 1, x))
            .collect();
        let (items, next) = page.apply(numbered);
        let mut x = Xml::new();
        x.list("securityGroupRuleSet", items, |x, (g, rule)| {
            rule_xml(x, r, g, rule)
        });
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

// ---------------------------------------------------------------------------
// Network ACLs
// ---------------------------------------------------------------------------

fn nacl_xml(x: &mut Xml, r: &Region, a: &NetworkAcl) {
    let mut entries: Vec<&NaclEntry> = a.entries.iter().collect();
    // AWS lists egress entries first, each direction by rule number.
    entries.sort_by_key(|e| (!e.egress, e.rule_number));
    x.list("associationSet", &a.associations, |x, s| {
        x.el("networkAclAssociationId", &s.id)
            .el("networkAclId", &a.id)
            .el("subnetId", &s.subnet_id);
    })
    .list("entrySet", entries, |x, e| {
        x.el("ruleNumber", e.rule_number)
            .el("protocol", &e.protocol)
            .el("ruleAction", &e.action)
            .b("egress", e.egress)
            .opt("cidrBlock", e.cidr)
            .opt("ipv6CidrBlock", e.ipv6_cidr);
        if let Some((t, c)) = e.icmp {
            x.wrap("icmpTypeCode", |x| {
                x.el("code", c).el("type", t);
            });
        }
        if let Some((f, t)) = e.port_range {
            x.wrap("portRange", |x| {
                x.el("from", f).el("to", t);
            });
        }
    })
    .b("default", a.is_default)
    .el("networkAclId", &a.id)
    .tag_set(&a.tags)
    .el("vpcId", &a.vpc_id)
    .el("ownerId", &r.account_id);
}

pub async fn create_network_acl(call: &Call<'_>, p: &Params) -> Result {
    let vpc = id_req(p, "VpcId", Kind::Vpc)?;
    let tags = p.tag_specs("network-acl")?;
    let token = p.string("ClientToken");
    let idem = Idempotency::of(p, "CreateNetworkAcl");
    write(call, move |r, now| {
        let id = Idempotency::run(
            &idem,
            r,
            now,
            |r, id| r.network_acls.contains(id),
            |r| r.create_network_acl(&vpc, tags),
        )?;
        let mut x = Xml::new();
        x.wrap("networkAcl", |x| {
            nacl_xml(x, r, r.network_acls.get(&id).expect("just created"))
        });
        x.opt("clientToken", token);
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_network_acls(call: &Call<'_>, p: &Params) -> Result {
    let ids = p.list("NetworkAclId");
    let filters = p.filters();
    let page = Page::from(p, !ids.is_empty(), "networkAclIds", 5, 1000)?;
    read(call, move |r| {
        let items = mec2::describe(&r.network_acls, r, &ids, &filters, Kind::NetworkAcl)?;
        let (items, next) = page.apply(items);
        let mut x = Xml::new();
        x.list("networkAclSet", items, |x, a| nacl_xml(x, r, a));
        x.opt("nextToken", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_network_acl(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NetworkAclId", Kind::NetworkAcl)?;
    write(call, move |r, _| {
        r.delete_network_acl(&id).map(|_| ok_return())
    })
    .await
}

fn entry_args(p: &Params) -> Result<NaclEntryArgs> {
    Ok(NaclEntryArgs {
        rule_number: p.i32("RuleNumber")?,
        protocol: p.string("Protocol"),
        rule_action: p.string("RuleAction"),
        egress: p.bool("Egress")?.ok_or_else(|| err::missing("egress"))?,
        cidr_block: p.string("CidrBlock"),
        ipv6_cidr_block: p.string("Ipv6CidrBlock"),
        icmp_type: p.i32("Icmp.Type")?,
        icmp_code: p.i32("Icmp.Code")?,
        port_from: p.i32("PortRange.From")?,
        port_to: p.i32("PortRange.To")?,
    })
}

pub async fn create_network_acl_entry(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NetworkAclId", Kind::NetworkAcl)?;
    let args = entry_args(p)?;
    write(call, move |r, _| {
        r.create_network_acl_entry(&id, &args).map(|_| ok_return())
    })
    .await
}

pub async fn replace_network_acl_entry(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NetworkAclId", Kind::NetworkAcl)?;
    let args = entry_args(p)?;
    write(call, move |r, _| {
        r.replace_network_acl_entry(&id, &args).map(|_| ok_return())
    })
    .await
}

pub async fn delete_network_acl_entry(call: &Call<'_>, p: &Params) -> Result {
    let id = id_req(p, "NetworkAclId", Kind::NetworkAcl)?;
    let rule = p
        .i32("RuleNumber")?
        .ok_or_else(|| err::missing("ruleNumber"))?;
    let egress = p.bool("Egress")?.ok_or_else(|| err::missing("egress"))?;
    write(call, move |r, _| {
        r.delete_network_acl_entry(&id, rule, egress)
            .map(|_| ok_return())
    })
    .await
}

pub async fn replace_network_acl_association(call: &Call<'_>, p: &Params) -> Result {
    let assoc = p.req("AssociationId")?.to_string();
    let acl = id_req(p, "NetworkAclId", Kind::NetworkAcl)?;
    write(call, move |r, _| {
        let new_id = r.replace_network_acl_association(&assoc, &acl)?;
        let mut x = Xml::new();
        x.el("newAssociationId", new_id);
        Ok(x.into_string())
    })
    .await
}
