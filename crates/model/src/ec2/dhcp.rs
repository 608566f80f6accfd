//! DHCP options sets and their association with VPCs (what tasks snapshot at launch, N17).

use super::err::{self, Kind};
use super::types::*;
use crate::error::Result;
use crate::filter::Filterable;
use crate::ids;
use crate::world::Region;

const KEYS: &[&str] = &[
    "domain-name",
    "domain-name-servers",
    "ntp-servers",
    "netbios-name-servers",
    "netbios-node-type",
    "ipv6-address-preferred-lease-time",
];

/// The values AWS accepts per option: at most four name servers (IP
/// addresses or `AmazonProvidedDNS`), four IPv4 and four IPv6 NTP servers,
/// four NetBIOS name servers (IPv4), a node type of 1, 2, 4 or 8, one domain
/// name, a lease time of 140 to 2147483647 seconds.
fn check_values(k: &str, v: &[String]) -> Result<()> {
    let bad = |s: &str| err::invalid_value(format!("Value ({s}) for parameter {k} is invalid."));
    let at_most = |n: usize, what: &str| -> Result<()> {
        if v.len() > n {
            return Err(err::invalid_value(format!(
                "Value for parameter {k} is invalid. At most {n} {what} may be specified."
            )));
        }
        Ok(())
    };
    match k {
        "domain-name-servers" => {
            at_most(4, "servers")?;
            for s in v {
                if s != "AmazonProvidedDNS" && s.parse::<std::net::IpAddr>().is_err() {
                    return Err(bad(s));
                }
            }
        }
        "ntp-servers" => {
            for s in v {
                if s.parse::<std::net::IpAddr>().is_err() {
                    return Err(bad(s));
                }
            }
            let v6 = v.iter().filter(|s| s.contains(':')).count();
            if v.len() - v6 > 4 || v6 > 4 {
                return Err(err::invalid_value(format!(
                    "Value for parameter {k} is invalid. At most 4 IPv4 and 4 IPv6 servers may be specified."
                )));
            }
        }
        "netbios-name-servers" => {
            at_most(4, "servers")?;
            for s in v {
                if s.parse::<std::net::Ipv4Addr>().is_err() {
                    return Err(bad(s));
                }
            }
        }
        "netbios-node-type" => {
            at_most(1, "value")?;
            for s in v {
                if !matches!(s.as_str(), "1" | "2" | "4" | "8") {
                    return Err(bad(s));
                }
            }
        }
        "ipv6-address-preferred-lease-time" => {
            at_most(1, "value")?;
            for s in v {
                if !s
                    .parse::<u64>()
                    .is_ok_and(|n| (140..=2_147_483_647).contains(&n))
                {
                    return Err(bad(s));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

impl Region {
    pub fn dhcp_option_set(&self, id: &str) -> Result<&DhcpOptions> {
        self.dhcp_options
            .get(id)
            .ok_or_else(|| err::not_found(Kind::DhcpOptions, id))
    }

    pub(crate) fn create_default_dhcp_options(&mut self) -> String {
        let id = ids::resource_id(&mut self.rng, "dopt");
        self.dhcp_options.insert(DhcpOptions {
            id: id.clone(),
            region: self.info.name.to_string(),
            configurations: vec![
                ("domain-name".into(), vec![self.info.private_dns_suffix()]),
                (
                    "domain-name-servers".into(),
                    vec!["AmazonProvidedDNS".into()],
                ),
            ],
            tags: Vec::new(),
        });
        id
    }

    pub fn create_dhcp_options(
        &mut self,
        configs: Vec<(String, Vec<String>)>,
        tags: Vec<Tag>,
    ) -> Result<String> {
        if configs.is_empty() {
            return Err(err::missing("DhcpConfiguration"));
        }
        let mut merged: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in configs {
            if !KEYS.contains(&k.as_str()) {
                return Err(err::invalid_value(format!(
                    "Value ({k}) for parameter key is invalid. Unknown DHCP option"
                )));
            }
            if v.is_empty() {
                return Err(err::invalid_value(format!(
                    "Value for parameter {k} is missing"
                )));
            }
            match merged.iter_mut().find(|(mk, _)| *mk == k) {
                Some(e) => e.1.extend(v),
                None => merged.push((k, v)),
            }
        }
        for (k, v) in &merged {
            check_values(k, v)?;
        }
        let id = ids::resource_id(&mut self.rng, "dopt");
        self.dhcp_options.insert(DhcpOptions {
            id: id.clone(),
            region: self.info.name.to_string(),
            configurations: merged,
            tags,
        });
        Ok(id)
    }

    pub fn delete_dhcp_options(&mut self, id: &str) -> Result<()> {
        self.dhcp_option_set(id)?;
        if self.vpcs.iter().any(|v| v.dhcp_options_id == id) {
            return Err(err::dependency(format!(
                "The dhcpOptions '{id}' has dependencies and cannot be deleted."
            )));
        }
        self.dhcp_options.remove(id);
        let name = self.info.name;
        if self.meta().is_some_and(|m| m.default_dhcp_options_id == id) {
            if let Some(m) = self.meta.get_mut(name) {
                m.default_dhcp_options_id = "default".into();
            }
        }
        Ok(())
    }

    /// AssociateDhcpOptions; `default` means no options.
    pub fn associate_dhcp_options(&mut self, id: &str, vpc_id: &str) -> Result<()> {
        if id != "default" {
            self.dhcp_option_set(id)?;
        }
        self.vpc(vpc_id)?;
        if let Some(v) = self.vpcs.get_mut(vpc_id) {
            v.dhcp_options_id = id.to_string();
        }
        Ok(())
    }

    /// The DHCP configuration a VPC hands out now: (domain name servers, search list).
    /// `AmazonProvidedDNS` resolves to the VPC base + 2 (N17, N61).
    pub fn vpc_dhcp_view(&self, vpc: &Vpc) -> (Vec<String>, Vec<String>) {
        let dns = vpc.dns_server().map(|d| d.to_string());
        let Some(set) = self.dhcp_options.get(&vpc.dhcp_options_id) else {
            return (dns.into_iter().collect(), Vec::new());
        };
        let servers = set
            .values("domain-name-servers")
            .iter()
            .filter_map(|s| {
                if s == "AmazonProvidedDNS" {
                    dns.clone()
                } else {
                    Some(s.clone())
                }
            })
            .collect();
        let search = set
            .values("domain-name")
            .iter()
            .flat_map(|d| d.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect();
        (servers, search)
    }
}

impl Filterable for DhcpOptions {
    const FILTERS: &'static [&'static str] = &["dhcp-options-id", "key", "value", "owner-id"];
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[("dhcp-options-id", Kind::DhcpOptions)];
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>) {
        match name {
            "dhcp-options-id" => out.push(self.id.clone()),
            "key" => out.extend(self.configurations.iter().map(|(k, _)| k.clone())),
            "value" => out.extend(
                self.configurations
                    .iter()
                    .flat_map(|(_, v)| v.iter().cloned()),
            ),
            "owner-id" => out.push(cx.account_id.clone()),
            _ => {}
        }
    }
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
