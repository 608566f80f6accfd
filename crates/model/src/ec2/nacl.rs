//! Network ACLs: ordered, stateless entries per direction and subnet associations.

use super::err::{self, Kind};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::filter::{bool_str, Filterable};
use crate::ids;
use crate::net::{Ipv4Cidr, Ipv6Cidr};
use crate::world::Region;

/// CreateNetworkAclEntry / ReplaceNetworkAclEntry arguments as given.
#[derive(Debug, Default, Clone)]
pub struct NaclEntryArgs {
    pub rule_number: Option<i32>,
    pub protocol: Option<String>,
    pub rule_action: Option<String>,
    pub egress: bool,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
    pub icmp_type: Option<i32>,
    pub icmp_code: Option<i32>,
    pub port_from: Option<i32>,
    pub port_to: Option<i32>,
}

fn entry(
    rule: i32,
    egress: bool,
    action: &str,
    cidr: Option<Ipv4Cidr>,
    v6: Option<Ipv6Cidr>,
) -> NaclEntry {
    NaclEntry {
        rule_number: rule,
        egress,
        protocol: "-1".into(),
        action: action.into(),
        cidr,
        ipv6_cidr: v6,
        icmp: None,
        port_range: None,
    }
}

/// The IPv6 entries AWS adds to a default ACL once the VPC has IPv6.
pub(crate) fn add_default_ipv6_entries(a: &mut NetworkAcl) {
    let all6: Ipv6Cidr = "::/0".parse().expect("static");
    for egress in [false, true] {
        if !a
            .entries
            .iter()
            .any(|e| e.egress == egress && e.rule_number == 101)
        {
            a.entries
                .push(entry(101, egress, "allow", None, Some(all6)));
        }
        if !a
            .entries
            .iter()
            .any(|e| e.egress == egress && e.rule_number == 32768)
        {
            a.entries
                .push(entry(32768, egress, "deny", None, Some(all6)));
        }
    }
}

/// Protocol names or numbers → the number string AWS shows; `-1` for all.
pub fn nacl_protocol(p: &str) -> Result<String> {
    Ok(match p.to_ascii_lowercase().as_str() {
        "-1" | "all" => "-1".into(),
        "tcp" | "6" => "6".into(),
        "udp" | "17" => "17".into(),
        "icmp" | "1" => "1".into(),
        "icmpv6" | "58" => "58".into(),
        n => match n.parse::<u8>() {
            Ok(v) => v.to_string(),
            Err(_) => {
                return Err(err::invalid_value(format!(
                    "Value ({p}) for parameter protocol is invalid."
                )))
            }
        },
    })
}

impl Region {
    pub fn network_acl(&self, id: &str) -> Result<&NetworkAcl> {
        self.network_acls
            .get(id)
            .ok_or_else(|| err::not_found(Kind::NetworkAcl, id))
    }

    pub(crate) fn insert_network_acl(
        &mut self,
        vpc_id: &str,
        id: &str,
        is_default: bool,
        v6: bool,
        tags: Vec<Tag>,
    ) {
        let all4: Ipv4Cidr = "0.0.0.0/0".parse().expect("static");
        let all6: Ipv6Cidr = "::/0".parse().expect("static");
        let mut entries = Vec::new();
        for egress in [false, true] {
            if is_default {
                entries.push(entry(100, egress, "allow", Some(all4), None));
            }
            entries.push(entry(32767, egress, "deny", Some(all4), None));
            if v6 && !is_default {
                entries.push(entry(32768, egress, "deny", None, Some(all6)));
            }
        }
        let mut acl = NetworkAcl {
            id: id.to_string(),
            region: self.info.name.to_string(),
            vpc_id: vpc_id.to_string(),
            is_default,
            entries,
            associations: Vec::new(),
            tags,
        };
        if v6 && is_default {
            add_default_ipv6_entries(&mut acl);
        }
        self.network_acls.insert(acl);
    }

    pub fn create_network_acl(&mut self, vpc_id: &str, tags: Vec<Tag>) -> Result<String> {
        let v6 = !self.vpc(vpc_id)?.ipv6_blocks.is_empty();
        let id = ids::resource_id(&mut self.rng, "acl");
        self.insert_network_acl(vpc_id, &id, false, v6, tags);
        Ok(id)
    }

    pub fn delete_network_acl(&mut self, id: &str) -> Result<()> {
        let a = self.network_acl(id)?;
        if a.is_default {
            return Err(err::invalid_value(format!(
                "cannot delete default network ACL {id}"
            )));
        }
        if !a.associations.is_empty() {
            return Err(err::dependency(format!(
                "The networkAcl '{id}' has dependencies and cannot be deleted."
            )));
        }
        self.network_acls.remove(id);
        Ok(())
    }

    fn build_entry(&self, a: &NaclEntryArgs) -> Result<NaclEntry> {
        let rule = a.rule_number.ok_or_else(|| err::missing("ruleNumber"))?;
        if !(1..=32766).contains(&rule) {
            return Err(err::invalid_value(format!(
                "Value ({rule}) for parameter ruleNumber is invalid. Expecting a value between 1 and 32766."
            )));
        }
        let protocol = nacl_protocol(
            a.protocol
                .as_deref()
                .ok_or_else(|| err::missing("protocol"))?,
        )?;
        let action = a
            .rule_action
            .as_deref()
            .ok_or_else(|| err::missing("ruleAction"))?
            .to_ascii_lowercase();
        if action != "allow" && action != "deny" {
            return Err(err::invalid_value(format!(
                "Value ({action}) for parameter ruleAction is invalid."
            )));
        }
        let (cidr, ipv6) = match (&a.cidr_block, &a.ipv6_cidr_block) {
            (Some(c), None) => (
                Some(
                    c.parse::<Ipv4Cidr>()
                        .map_err(|_| err::invalid_cidr("cidrBlock", c))?,
                ),
                None,
            ),
            (None, Some(c)) => (
                None,
                Some(
                    c.parse::<Ipv6Cidr>()
                        .map_err(|_| err::invalid_cidr("ipv6CidrBlock", c))?,
                ),
            ),
            (None, None) => return Err(err::missing("cidrBlock or ipv6CidrBlock")),
            (Some(_), Some(_)) => {
                return Err(err::combination(
                    "The parameter cidrBlock cannot be used with the parameter ipv6CidrBlock",
                ))
            }
        };
        let port_range = match protocol.as_str() {
            "6" | "17" => {
                let (Some(f), Some(t)) = (a.port_from, a.port_to) else {
                    return Err(err::missing("portRange"));
                };
                if !(0..=65535).contains(&f) || !(0..=65535).contains(&t) || f > t {
                    return Err(err::invalid_value(format!(
                        "Value ({f}-{t}) for parameter portRange is invalid."
                    )));
                }
                Some((f, t))
            }
            _ => None,
        };
        let icmp = match protocol.as_str() {
            "1" | "58" => {
                let (Some(t), Some(c)) = (a.icmp_type, a.icmp_code) else {
                    return Err(err::missing("icmpTypeCode"));
                };
                Some((t, c))
            }
            _ => None,
        };
        Ok(NaclEntry {
            rule_number: rule,
            egress: a.egress,
            protocol,
            action,
            cidr,
            ipv6_cidr: ipv6,
            icmp,
            port_range,
        })
    }

    pub fn create_network_acl_entry(&mut self, acl_id: &str, a: &NaclEntryArgs) -> Result<()> {
        let acl = self.network_acl(acl_id)?;
        let e = self.build_entry(a)?;
        if acl
            .entries
            .iter()
            .any(|x| x.egress == e.egress && x.rule_number == e.rule_number)
        {
            return Err(ApiError::new(
                "NetworkAclEntryAlreadyExists",
                format!(
                    "The network acl entry identified by {} already exists.",
                    e.rule_number
                ),
            ));
        }
        if let Some(x) = self.network_acls.get_mut(acl_id) {
            x.entries.push(e);
        }
        Ok(())
    }

    pub fn replace_network_acl_entry(&mut self, acl_id: &str, a: &NaclEntryArgs) -> Result<()> {
        let acl = self.network_acl(acl_id)?;
        let e = self.build_entry(a)?;
        let Some(pos) = acl
            .entries
            .iter()
            .position(|x| x.egress == e.egress && x.rule_number == e.rule_number)
        else {
            return Err(entry_not_found(acl_id, e.egress, e.rule_number));
        };
        if let Some(x) = self.network_acls.get_mut(acl_id) {
            x.entries[pos] = e;
        }
        Ok(())
    }

    pub fn delete_network_acl_entry(
        &mut self,
        acl_id: &str,
        rule: i32,
        egress: bool,
    ) -> Result<()> {
        let acl = self.network_acl(acl_id)?;
        let Some(pos) = acl
            .entries
            .iter()
            .position(|x| x.egress == egress && x.rule_number == rule)
        else {
            return Err(entry_not_found(acl_id, egress, rule));
        };
        if rule >= 32767 {
            return Err(err::invalid_value(format!(
                "Value ({rule}) for parameter ruleNumber is invalid. Expecting a value between 1 and 32766."
            )));
        }
        if let Some(x) = self.network_acls.get_mut(acl_id) {
            x.entries.remove(pos);
        }
        Ok(())
    }

    /// ReplaceNetworkAclAssociation: move a subnet to another ACL of its VPC.
    pub fn replace_network_acl_association(
        &mut self,
        assoc_id: &str,
        acl_id: &str,
    ) -> Result<String> {
        let (old, subnet) = self
            .network_acls
            .iter()
            .find_map(|a| {
                a.associations
                    .iter()
                    .find(|x| x.id == assoc_id)
                    .map(|x| (a.id.clone(), x.subnet_id.clone()))
            })
            .ok_or_else(|| err::not_found(Kind::NetworkAclAssociation, assoc_id))?;
        let target = self.network_acl(acl_id)?;
        let subnet_vpc = self.subnet(&subnet)?.vpc_id.clone();
        if target.vpc_id != subnet_vpc {
            return Err(err::invalid_value(format!(
                "Network ACL {acl_id} and subnet {subnet} belong to different networks"
            )));
        }
        let new_id = ids::resource_id(&mut self.rng, "aclassoc");
        if let Some(a) = self.network_acls.get_mut(&old) {
            a.associations.retain(|x| x.id != assoc_id);
        }
        if let Some(a) = self.network_acls.get_mut(acl_id) {
            a.associations.push(NaclAssoc {
                id: new_id.clone(),
                subnet_id: subnet,
            });
        }
        Ok(new_id)
    }
}

fn entry_not_found(acl: &str, egress: bool, rule: i32) -> ApiError {
    let dir = if egress { "egress" } else { "ingress" };
    ApiError::new(
        "InvalidNetworkAclEntry.NotFound",
        format!("no {dir} entry with number {rule} in network acl {acl}"),
    )
}

impl Filterable for NetworkAcl {
    const FILTERS: &'static [&'static str] = &[
        "association.association-id",
        "association.network-acl-id",
        "association.subnet-id",
        "default",
        "entry.cidr",
        "entry.icmp.code",
        "entry.icmp.type",
        "entry.ipv6-cidr",
        "entry.port-range.from",
        "entry.port-range.to",
        "entry.protocol",
        "entry.rule-action",
        "entry.egress",
        "entry.rule-number",
        "network-acl-id",
        "owner-id",
        "vpc-id",
    ];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[
        ("association.network-acl-id", Kind::NetworkAcl),
        ("association.subnet-id", Kind::Subnet),
        ("network-acl-id", Kind::NetworkAcl),
        ("vpc-id", Kind::Vpc),
    ];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        let es = self.entries.iter();
        match name {
            "association.association-id" => {
                out.extend(self.associations.iter().map(|a| a.id.clone()))
            }
            "association.network-acl-id" => {
                out.extend(self.associations.iter().map(|_| self.id.clone()))
            }
            "association.subnet-id" => {
                out.extend(self.associations.iter().map(|a| a.subnet_id.clone()))
            }
            "default" => out.push(bool_str(self.is_default)),
            "entry.cidr" => out.extend(es.filter_map(|e| e.cidr.map(|c| c.to_string()))),
            "entry.icmp.code" => out.extend(es.filter_map(|e| e.icmp.map(|i| i.1.to_string()))),
            "entry.icmp.type" => out.extend(es.filter_map(|e| e.icmp.map(|i| i.0.to_string()))),
            "entry.ipv6-cidr" => out.extend(es.filter_map(|e| e.ipv6_cidr.map(|c| c.to_string()))),
            "entry.port-range.from" => {
                out.extend(es.filter_map(|e| e.port_range.map(|p| p.0.to_string())))
            }
            "entry.port-range.to" => {
                out.extend(es.filter_map(|e| e.port_range.map(|p| p.1.to_string())))
            }
            "entry.protocol" => out.extend(es.map(|e| e.protocol.clone())),
            "entry.rule-action" => out.extend(es.map(|e| e.action.clone())),
            "entry.egress" => out.extend(es.map(|e| bool_str(e.egress))),
            "entry.rule-number" => out.extend(es.map(|e| e.rule_number.to_string())),
            "network-acl-id" => out.push(self.id.clone()),
            "owner-id" => out.push(cx.account_id.clone()),
            "vpc-id" => out.push(self.vpc_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
