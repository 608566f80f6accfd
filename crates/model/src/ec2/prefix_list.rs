//! Customer-managed prefix lists: named sets of CIDRs of one address family,
//! versioned (every change of the entries is a new version, and an old version
//! can be restored), usable as the destination of routes and the peer of
//! security-group rules. A list weighs its maximum number of entries in the
//! rules quota of a security group. The AWS-managed lists (S3, DynamoDB) live
//! in `services` and share the `pl-` namespace.

use super::err::{self, Kind};
use super::types::{RouteDest, SgPeer, Tag};
use crate::error::{ApiError, Result};
use crate::filter::Filterable;
use crate::ids;
use crate::net::{Cidr, Ipv4Cidr, Ipv6Cidr};
use crate::table::Record;
use crate::time::Millis;
use crate::world::Region;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Most entries a list may be sized for (AWS quota).
pub const MAX_ENTRIES_LIMIT: i64 = 1000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixListEntry {
    pub cidr: Cidr,
    pub description: Option<String>,
}

/// The entries of one version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrefixListVersion {
    pub version: u64,
    pub entries: Vec<PrefixListEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrefixList {
    pub id: String,
    pub region: String,
    pub name: String,
    /// `IPv4` or `IPv6`.
    pub address_family: String,
    pub max_entries: u32,
    pub version: u64,
    /// Every version, oldest first; the last is `version`.
    pub versions: Vec<PrefixListVersion>,
    /// `create-complete`, `modify-complete`, `restore-complete`.
    pub state: String,
    pub tags: Vec<Tag>,
    pub created: Millis,
}

impl crate::codec::Versioned for PrefixList {}
impl Record for PrefixList {
    const KIND: &'static str = "prefix-list";
    fn id(&self) -> &str {
        &self.id
    }
    fn region(&self) -> &str {
        &self.region
    }
}

impl PrefixList {
    pub fn entries(&self) -> &[PrefixListEntry] {
        self.versions
            .iter()
            .find(|v| v.version == self.version)
            .map(|v| v.entries.as_slice())
            .unwrap_or(&[])
    }

    pub fn arn(&self, account: &str) -> String {
        format!(
            "arn:aws:ec2:{}:{account}:prefix-list/{}",
            self.region, self.id
        )
    }

    fn ipv6(&self) -> bool {
        self.address_family == "IPv6"
    }
}

/// An entry as the wire gives it.
#[derive(Clone, Debug, Default)]
pub struct EntryArgs {
    pub cidr: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct CreatePrefixList {
    pub name: Option<String>,
    pub address_family: Option<String>,
    pub max_entries: Option<i64>,
    pub entries: Vec<EntryArgs>,
    pub tags: Vec<Tag>,
}

#[derive(Clone, Debug, Default)]
pub struct ModifyPrefixList {
    pub current_version: Option<i64>,
    pub name: Option<String>,
    pub add: Vec<EntryArgs>,
    pub remove: Vec<String>,
    pub max_entries: Option<i64>,
}

/// `InvalidPrefixListID.NotFound` as the managed-prefix-list calls word it
/// (GetManagedPrefixListEntries, CAP).
pub fn list_not_found(id: &str) -> ApiError {
    ApiError::new(
        "InvalidPrefixListID.NotFound",
        format!("The prefix list ({id}) does not exist."),
    )
}

fn modification(msg: String) -> ApiError {
    ApiError::new("InvalidPrefixListModification", msg)
}

fn check_name(name: &str) -> Result<()> {
    // CAP (live AWS, floci-io/floci#2273): the trailing dot is part of each prefix.
    if ["com.amazonaws.", "com.amazon.", "com.aws."]
        .iter()
        .any(|p| name.starts_with(p))
    {
        return Err(err::invalid_value(
            "The prefix list name cannot begin with (com.amazonaws., com.amazon., com.aws.).",
        ));
    }
    if name.chars().count() > 255 {
        return Err(err::invalid_value(format!(
            "Value ({name}) for parameter prefixListName is invalid. The name can be up to 255 characters long."
        )));
    }
    Ok(())
}

fn check_max(max: i64) -> Result<u32> {
    if !(1..=MAX_ENTRIES_LIMIT).contains(&max) {
        // CAP: aws-samples/update-aws-ip-ranges#1.
        return Err(err::invalid_value(
            "Must specify a max size between 1 and 1000",
        ));
    }
    Ok(max as u32)
}

/// Parse an entry's CIDR (host bits are dropped, as EC2 does for every other
/// CIDR it documents) in the list's family.
fn parse_entry_cidr(s: &str, ipv6: bool) -> Result<Cidr> {
    let bad = || {
        err::invalid_value(format!(
            "Value ({s}) for parameter cidr is invalid. This is not a valid CIDR block."
        ))
    };
    if s.contains(':') {
        let c: Ipv6Cidr = s.parse().map_err(|_| bad())?;
        if !ipv6 {
            return Err(err::invalid_value(format!(
                "The CIDR ({s}) does not match the address family (IPv4) of the prefix list."
            )));
        }
        Ok(Cidr::V6(c))
    } else {
        let c: Ipv4Cidr = s.parse().map_err(|_| bad())?;
        if ipv6 {
            return Err(err::invalid_value(format!(
                "The CIDR ({s}) does not match the address family (IPv6) of the prefix list."
            )));
        }
        Ok(Cidr::V4(c))
    }
}

fn too_many(count: usize, max: u32) -> ApiError {
    err::invalid_value(format!(
        "The prefix list would have {count} entries, more than its maximum of {max} entries."
    ))
}

impl Region {
    /// A customer-managed list of this Region.
    pub fn customer_prefix_list(&self, id: &str) -> Result<&PrefixList> {
        if let Some(l) = self.prefix_lists.get(id) {
            return Ok(l);
        }
        if self.prefix_list(id).is_ok() {
            return Err(modification(format!(
                "The prefix list {id} is managed by AWS and cannot be changed."
            )));
        }
        Err(list_not_found(id))
    }

    /// Does a prefix list (AWS- or customer-managed) of this id exist?
    pub fn prefix_list_exists(&self, id: &str) -> bool {
        self.prefix_lists.contains(id) || self.prefix_list(id).is_ok()
    }

    /// The CIDRs of a prefix list now (a customer list's current version).
    pub fn prefix_list_cidrs(&self, id: &str) -> Option<Vec<Cidr>> {
        if let Some(l) = self.prefix_lists.get(id) {
            return Some(l.entries().iter().map(|e| e.cidr).collect());
        }
        self.prefix_list(id)
            .ok()
            .map(|p| p.cidrs.into_iter().map(Cidr::V4).collect())
    }

    /// The longest prefix of a list's entry holding `ip`, if any.
    pub fn prefix_list_match(&self, id: &str, ip: IpAddr) -> Option<u8> {
        self.prefix_list_cidrs(id)?
            .iter()
            .filter(|c| match (c, ip) {
                (Cidr::V4(c), IpAddr::V4(v)) => c.contains(v),
                (Cidr::V6(c), IpAddr::V6(v)) => c.contains(v),
                _ => false,
            })
            .map(|c| c.prefix_len())
            .max()
    }

    /// What a reference to the list weighs in a quota: its maximum size
    /// (AWS-managed lists of gateway endpoints weigh 1).
    pub fn prefix_list_weight(&self, id: &str) -> usize {
        self.prefix_lists
            .get(id)
            .map(|l| l.max_entries as usize)
            .unwrap_or(1)
    }

    pub fn create_prefix_list(&mut self, req: CreatePrefixList, now: Millis) -> Result<String> {
        let name = req
            .name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| err::missing("PrefixListName"))?;
        check_name(&name)?;
        let family = req
            .address_family
            .ok_or_else(|| err::missing("AddressFamily"))?;
        if family != "IPv4" && family != "IPv6" {
            return Err(err::invalid_value(format!(
                "Value ({family}) for parameter addressFamily is invalid. Valid values are IPv4 and IPv6."
            )));
        }
        let max = check_max(req.max_entries.ok_or_else(|| err::missing("MaxEntries"))?)?;
        let mut entries: Vec<PrefixListEntry> = Vec::new();
        for e in &req.entries {
            let cidr = parse_entry_cidr(&e.cidr, family == "IPv6")?;
            if entries.iter().any(|x| x.cidr == cidr) {
                return Err(duplicate(&e.cidr, e.description.as_deref()));
            }
            entries.push(PrefixListEntry {
                cidr,
                description: e.description.clone(),
            });
        }
        if entries.len() > max as usize {
            return Err(too_many(entries.len(), max));
        }
        let id = ids::resource_id(&mut self.rng, "pl");
        self.prefix_lists.insert(PrefixList {
            id: id.clone(),
            region: self.info.name.to_string(),
            name,
            address_family: family,
            max_entries: max,
            version: 1,
            versions: vec![PrefixListVersion {
                version: 1,
                entries,
            }],
            state: "create-complete".into(),
            tags: req.tags,
            created: now,
        });
        Ok(id)
    }

    /// ModifyManagedPrefixList: removals first, then additions (so one call
    /// can change an entry's description); a change of the entries is a new
    /// version. Returns the list as it was (the response shows the version
    /// being modified, with `modify-in-progress`).
    pub fn modify_prefix_list(&mut self, id: &str, m: ModifyPrefixList) -> Result<PrefixList> {
        let list = self.customer_prefix_list(id)?.clone();
        if let Some(v) = m.current_version {
            if v != list.version as i64 {
                // CAP: hashicorp/terraform-provider-aws#43528.
                return Err(ApiError::new(
                    "PrefixListVersionMismatch",
                    "The prefix list has the incorrect version number.",
                ));
            }
        }
        let changes_entries = !m.add.is_empty() || !m.remove.is_empty();
        if changes_entries && m.max_entries.is_some() {
            // CAP: hashicorp/terraform-provider-aws#26034.
            return Err(err::combination(
                "You cannot modify the entries and the maximum entries for the prefix list in the same request.",
            ));
        }
        if let Some(n) = &m.name {
            check_name(n)?;
        }
        let ipv6 = list.ipv6();
        let mut entries = list.entries().to_vec();
        for r in &m.remove {
            let cidr = parse_entry_cidr(r, ipv6)?;
            let Some(pos) = entries.iter().position(|e| e.cidr == cidr) else {
                return Err(modification(format!(
                    "The CIDR ({r}) does not exist in the prefix list."
                )));
            };
            entries.remove(pos);
        }
        for a in &m.add {
            let cidr = parse_entry_cidr(&a.cidr, ipv6)?;
            if entries.iter().any(|e| e.cidr == cidr) {
                return Err(duplicate(&a.cidr, a.description.as_deref()));
            }
            entries.push(PrefixListEntry {
                cidr,
                description: a.description.clone(),
            });
        }
        let max = match m.max_entries {
            Some(x) => check_max(x)?,
            None => list.max_entries,
        };
        if entries.len() > max as usize {
            return Err(too_many(entries.len(), max));
        }
        if max > list.max_entries {
            self.check_weight(id, max as usize - list.max_entries as usize)?;
        }
        let l = self
            .prefix_lists
            .get_mut(id)
            .ok_or_else(|| list_not_found(id))?;
        if let Some(n) = m.name {
            l.name = n;
        }
        l.max_entries = max;
        if changes_entries {
            l.version += 1;
            l.versions.push(PrefixListVersion {
                version: l.version,
                entries,
            });
        }
        l.state = "modify-complete".into();
        Ok(list)
    }

    /// Growing a list referenced by security groups must keep each group
    /// within its rules quota.
    fn check_weight(&self, id: &str, extra: usize) -> Result<()> {
        for g in self.security_groups.iter() {
            for egress in [false, true] {
                let refs = g
                    .rules
                    .iter()
                    .filter(|r| r.egress == egress)
                    .filter(|r| matches!(&r.peer, SgPeer::PrefixList(p) if p == id))
                    .count();
                if refs == 0 {
                    continue;
                }
                let (v4, v6) = self.rule_weights(g.rules.iter().filter(|r| r.egress == egress));
                if v4.max(v6) + refs * extra > super::security_group::MAX_RULES {
                    return Err(err::rules_limit());
                }
            }
        }
        Ok(())
    }

    /// RestoreManagedPrefixListVersion: a new version with the entries of
    /// `previous`. Returns the list as it was.
    pub fn restore_prefix_list(
        &mut self,
        id: &str,
        previous: i64,
        current: i64,
    ) -> Result<PrefixList> {
        let list = self.customer_prefix_list(id)?.clone();
        if current != list.version as i64 {
            return Err(ApiError::new(
                "PrefixListVersionMismatch",
                "The prefix list has the incorrect version number.",
            ));
        }
        let Some(old) = list
            .versions
            .iter()
            .find(|v| v.version as i64 == previous && previous < current)
        else {
            return Err(err::invalid_value(format!(
                "The specified value for previousVersion is not valid. The value must be an earlier version of prefix list {id}."
            )));
        };
        if old.entries.len() > list.max_entries as usize {
            return Err(too_many(old.entries.len(), list.max_entries));
        }
        let entries = old.entries.clone();
        if let Some(l) = self.prefix_lists.get_mut(id) {
            l.version += 1;
            l.versions.push(PrefixListVersion {
                version: l.version,
                entries,
            });
            l.state = "restore-complete".into();
        }
        Ok(list)
    }

    /// The security groups and route tables that refer to a list.
    pub fn prefix_list_associations(&self, id: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .security_groups
            .iter()
            .filter(|g| {
                g.rules
                    .iter()
                    .any(|r| matches!(&r.peer, SgPeer::PrefixList(p) if p == id))
            })
            .map(|g| g.id.clone())
            .collect();
        out.extend(
            self.route_tables
                .iter()
                .filter(|t| {
                    t.routes
                        .iter()
                        .any(|r| matches!(&r.dest, RouteDest::PrefixList(p) if p == id))
                })
                .map(|t| t.id.clone()),
        );
        out
    }

    /// DeleteManagedPrefixList; a list still referenced stays (chosen text).
    /// Returns the deleted list.
    pub fn delete_prefix_list(&mut self, id: &str) -> Result<PrefixList> {
        let list = self.customer_prefix_list(id)?.clone();
        if !self.prefix_list_associations(id).is_empty() {
            return Err(err::dependency(format!(
                "The prefixList '{id}' has dependencies and cannot be deleted."
            )));
        }
        self.prefix_lists.remove(id);
        Ok(list)
    }

    /// The entries of a version (`None`: the current one).
    pub fn prefix_list_entries(
        &self,
        id: &str,
        version: Option<i64>,
    ) -> Result<Vec<PrefixListEntry>> {
        let Some(l) = self.prefix_lists.get(id) else {
            return self
                .prefix_list(id)
                .map(|p| {
                    p.cidrs
                        .into_iter()
                        .map(|c| PrefixListEntry {
                            cidr: Cidr::V4(c),
                            description: None,
                        })
                        .collect()
                })
                .map_err(|_| list_not_found(id));
        };
        let v = version.unwrap_or(l.version as i64);
        l.versions
            .iter()
            .find(|x| x.version as i64 == v)
            .map(|x| x.entries.clone())
            .ok_or_else(|| {
                err::invalid_value(format!(
                    "The specified value for targetVersion is not valid. Version {v} of prefix list {id} does not exist."
                ))
            })
    }
}

/// CAP (hashicorp/terraform-provider-aws#29204): the CIDR as given.
fn duplicate(cidr: &str, description: Option<&str>) -> ApiError {
    modification(format!(
        "An entry with the CIDR ({cidr}) and description ({}) already exists.",
        description.unwrap_or("")
    ))
}

impl Filterable for PrefixList {
    const FILTERS: &'static [&'static str] = &["owner-id", "prefix-list-id", "prefix-list-name"];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[("prefix-list-id", Kind::PrefixList)];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        match name {
            "owner-id" => out.push(cx.account_id.clone()),
            "prefix-list-id" => out.push(self.id.clone()),
            "prefix-list-name" => out.push(self.name.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::security_group::IpPermission;
    use crate::world::World;

    fn perm(cidr: Option<String>, pl: Option<&str>) -> IpPermission {
        IpPermission {
            ip_protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            ipv4: cidr.map(|c| vec![(c, None)]).unwrap_or_default(),
            prefix_lists: pl.map(|p| vec![(p.to_string(), None)]).unwrap_or_default(),
            ..Default::default()
        }
    }

    #[test]
    fn a_list_weighs_its_maximum_size_in_the_rules_quota() {
        let mut w = World::new("123456789012", 1, Millis(0));
        let r = w.region_mut("us-east-1").unwrap();
        let vpc = r.vpcs.iter().next().unwrap().id.clone();
        let sg = r
            .create_security_group("web", "web", Some(&vpc), Vec::new())
            .unwrap();
        let pl = r
            .create_prefix_list(
                CreatePrefixList {
                    name: Some("corp".into()),
                    address_family: Some("IPv4".into()),
                    max_entries: Some(40),
                    ..Default::default()
                },
                Millis(0),
            )
            .unwrap();
        r.authorize(&sg, false, &[perm(None, Some(&pl))], Vec::new())
            .unwrap();
        for i in 0..20 {
            r.authorize(
                &sg,
                false,
                &[perm(Some(format!("10.{i}.0.0/16")), None)],
                Vec::new(),
            )
            .unwrap();
        }
        // 40 + 20 = 60 IPv4 rules: the next one is over.
        let e = r
            .authorize(
                &sg,
                false,
                &[perm(Some("10.99.0.0/16".into()), None)],
                Vec::new(),
            )
            .unwrap_err();
        assert_eq!(e.code, "RulesPerSecurityGroupLimitExceeded");
        // Growing the list would push the group over too.
        let grow = ModifyPrefixList {
            max_entries: Some(41),
            ..Default::default()
        };
        assert_eq!(
            r.modify_prefix_list(&pl, grow).unwrap_err().code,
            "RulesPerSecurityGroupLimitExceeded"
        );
        // Entries and size cannot change together; a stale version is refused.
        let both = ModifyPrefixList {
            max_entries: Some(10),
            add: vec![EntryArgs {
                cidr: "10.0.0.0/8".into(),
                description: None,
            }],
            ..Default::default()
        };
        assert_eq!(
            r.modify_prefix_list(&pl, both).unwrap_err().code,
            "InvalidParameterCombination"
        );
        let stale = ModifyPrefixList {
            current_version: Some(7),
            ..Default::default()
        };
        assert_eq!(
            r.modify_prefix_list(&pl, stale).unwrap_err().code,
            "PrefixListVersionMismatch"
        );
    }
}
