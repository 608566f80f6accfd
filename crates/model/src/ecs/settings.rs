//! ECS account settings: per-principal values, account defaults, and the
//! effective value a principal gets (own setting, else account default, else
//! AWS's default). N13 reads `dualStackIPv6` through `effective`.

use super::err;
use super::types::AccountSetting;
use crate::error::Result;
use crate::world::Region;

/// (name, AWS default, allowed values)
pub const SETTINGS: &[(&str, &str, &[&str])] = &[
    ("serviceLongArnFormat", "enabled", &["enabled", "disabled"]),
    ("taskLongArnFormat", "enabled", &["enabled", "disabled"]),
    (
        "containerInstanceLongArnFormat",
        "enabled",
        &["enabled", "disabled"],
    ),
    ("awsvpcTrunking", "disabled", &["enabled", "disabled"]),
    (
        "containerInsights",
        "disabled",
        &["enabled", "disabled", "enhanced"],
    ),
    ("dualStackIPv6", "disabled", &["enabled", "disabled"]),
    ("fargateFIPSMode", "disabled", &["enabled", "disabled"]),
    ("tagResourceAuthorization", "on", &["on", "off"]),
    ("fargateTaskRetirementWaitPeriod", "7", &["0", "7", "14"]),
    ("guardDutyActivate", "off", &["on", "off"]),
    (
        "defaultLogDriverMode",
        "non-blocking",
        &["blocking", "non-blocking"],
    ),
    ("fargateEventWindows", "disabled", &["enabled", "disabled"]),
];

pub fn root_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

fn check(name: &str, value: Option<&str>) -> Result<()> {
    let Some((_, _, allowed)) = SETTINGS.iter().find(|(n, _, _)| *n == name) else {
        return Err(err::invalid_parameter(format!(
            "name should be one of [{}]",
            SETTINGS.iter().map(|s| s.0).collect::<Vec<_>>().join(",")
        )));
    };
    if let Some(v) = value {
        if !allowed.contains(&v) {
            return Err(err::invalid_parameter("Invalid setting 'value'"));
        }
    }
    if name == "guardDutyActivate" && value.is_some() {
        return Err(err::invalid_parameter(
            "guardDutyActivate can only be changed through Amazon GuardDuty.",
        ));
    }
    Ok(())
}

fn check_principal(p: &str) -> Result<()> {
    let ok = p.starts_with("arn:aws:iam::")
        && (p.ends_with(":root") || p.contains(":user/") || p.contains(":role/"));
    if ok {
        Ok(())
    } else {
        Err(err::invalid_parameter(format!(
            "Invalid principalArn: {p}. Specify the ARN of an IAM user, IAM role or the root user."
        )))
    }
}

/// One setting as the API reports it: (name, value, principal ARN, type).
#[derive(Debug, Clone, PartialEq)]
pub struct SettingView {
    pub name: String,
    pub value: String,
    pub principal_arn: String,
    /// `user` (set through the API) or `aws_managed`.
    pub kind: &'static str,
}

impl Region {
    /// PutAccountSetting for `principal` (the caller unless given). The root
    /// user's setting is the account default: "If you change the root user
    /// account setting, the default settings are reset for users and roles
    /// that do not have specified individual account settings" (AWS API
    /// reference), so it is stored as the default, not beside it.
    pub fn put_account_setting(
        &mut self,
        name: &str,
        value: &str,
        principal: &str,
    ) -> Result<SettingView> {
        check(name, Some(value))?;
        check_principal(principal)?;
        if principal == root_arn(&self.account_id) {
            // A root setting stored apart by an older build would shadow the default.
            self.ecs
                .settings
                .remove(&AccountSetting::key_of(name, Some(principal)));
            self.store_setting(name, value, None);
        } else {
            self.store_setting(name, value, Some(principal));
        }
        Ok(SettingView {
            name: name.into(),
            value: value.into(),
            principal_arn: principal.into(),
            kind: "user",
        })
    }

    /// PutAccountSettingDefault: the account-wide default.
    pub fn put_account_setting_default(&mut self, name: &str, value: &str) -> Result<SettingView> {
        check(name, Some(value))?;
        self.store_setting(name, value, None);
        Ok(SettingView {
            name: name.into(),
            value: value.into(),
            principal_arn: root_arn(&self.account_id),
            kind: "user",
        })
    }

    fn store_setting(&mut self, name: &str, value: &str, principal: Option<&str>) {
        self.ecs.settings.insert(AccountSetting {
            region: self.info.name.to_string(),
            name: name.to_string(),
            value: value.to_string(),
            principal: principal.map(str::to_string),
            key: AccountSetting::key_of(name, principal),
        });
    }

    pub fn delete_account_setting(&mut self, name: &str, principal: &str) -> Result<SettingView> {
        check(name, None)?;
        let root = root_arn(&self.account_id);
        // Deleting the root's own setting is how the account default is removed too.
        let key = AccountSetting::key_of(name, Some(principal));
        let removed = self.ecs.settings.remove(&key).or_else(|| {
            (principal == root)
                .then(|| {
                    self.ecs
                        .settings
                        .remove(&AccountSetting::key_of(name, None))
                })
                .flatten()
        });
        let Some(s) = removed else {
            return Err(err::invalid_parameter(format!(
                "The setting '{name}' is not set for the principal {principal}."
            )));
        };
        Ok(SettingView {
            name: s.name.clone(),
            value: s.value.clone(),
            principal_arn: principal.to_string(),
            kind: "user",
        })
    }

    /// The value `principal` gets for `name`: its own, else the account default, else AWS's.
    pub fn effective_setting(&self, name: &str, principal: &str) -> SettingView {
        if let Some(s) = self
            .ecs
            .settings
            .get(&AccountSetting::key_of(name, Some(principal)))
        {
            return SettingView {
                name: name.into(),
                value: s.value.clone(),
                principal_arn: principal.into(),
                kind: "user",
            };
        }
        if let Some(s) = self.ecs.settings.get(&AccountSetting::key_of(name, None)) {
            return SettingView {
                name: name.into(),
                value: s.value.clone(),
                principal_arn: root_arn(&self.account_id),
                kind: "user",
            };
        }
        let d = SETTINGS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|s| s.1)
            .unwrap_or("disabled");
        SettingView {
            name: name.into(),
            value: d.into(),
            principal_arn: root_arn(&self.account_id),
            kind: "aws_managed",
        }
    }

    /// ListAccountSettings: explicit settings of `principal` (and, for the root,
    /// the account defaults), or with `effective` every setting's effective value.
    pub fn list_account_settings(
        &self,
        name: Option<&str>,
        value: Option<&str>,
        principal: &str,
        effective: bool,
    ) -> Result<Vec<SettingView>> {
        if let Some(n) = name {
            check(n, None)?;
        }
        let root = root_arn(&self.account_id);
        let mut out = Vec::new();
        for (n, _, _) in SETTINGS {
            if name.is_some_and(|x| x != *n) {
                continue;
            }
            let view = if effective {
                Some(self.effective_setting(n, principal))
            } else if let Some(s) = self
                .ecs
                .settings
                .get(&AccountSetting::key_of(n, Some(principal)))
            {
                Some(SettingView {
                    name: (*n).into(),
                    value: s.value.clone(),
                    principal_arn: principal.into(),
                    kind: "user",
                })
            } else if principal == root {
                self.ecs
                    .settings
                    .get(&AccountSetting::key_of(n, None))
                    .map(|s| SettingView {
                        name: (*n).into(),
                        value: s.value.clone(),
                        principal_arn: root.clone(),
                        kind: "user",
                    })
            } else {
                None
            };
            if let Some(v) = view {
                if value.is_none_or(|x| x == v.value) {
                    out.push(v);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Millis;
    use crate::world::World;

    const ROOT: &str = "arn:aws:iam::123456789012:root";
    const ROLE: &str = "arn:aws:iam::123456789012:role/deployer";
    const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

    fn value(r: &Region, name: &str, principal: &str) -> (String, String, &'static str) {
        let v = r.effective_setting(name, principal);
        (v.value, v.principal_arn, v.kind)
    }

    #[test]
    fn the_root_users_setting_is_the_account_default() {
        let mut w = World::new("123456789012", 1, Millis(1_700_000_000_000));
        let r = w.region_mut("us-east-1").unwrap();
        let user = |v: &str, p: &str| (v.to_string(), p.to_string(), "user");
        r.put_account_setting_default("dualStackIPv6", "enabled")
            .unwrap();
        r.put_account_setting("dualStackIPv6", "enabled", ROLE)
            .unwrap();
        // the root changes its own setting: everyone without their own follows
        r.put_account_setting("dualStackIPv6", "disabled", ROOT)
            .unwrap();
        assert_eq!(value(r, "dualStackIPv6", ALICE), user("disabled", ROOT));
        assert_eq!(value(r, "dualStackIPv6", ROOT), user("disabled", ROOT));
        assert_eq!(value(r, "dualStackIPv6", ROLE), user("enabled", ROLE));
        // one setting of that name for the root, not an own one beside the default
        let listed = r
            .list_account_settings(Some("dualStackIPv6"), None, ROOT, false)
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].value, "disabled");
        // without PutAccountSettingDefault the root's setting is the default too
        r.put_account_setting("containerInsights", "enhanced", ROOT)
            .unwrap();
        assert_eq!(value(r, "containerInsights", ALICE), user("enhanced", ROOT));
        // deleting the root's setting disables it for all but explicit overrides
        let gone = r.delete_account_setting("dualStackIPv6", ROOT).unwrap();
        assert_eq!(gone.value, "disabled");
        for p in [ALICE, ROOT] {
            assert_eq!(
                value(r, "dualStackIPv6", p),
                ("disabled".to_string(), ROOT.to_string(), "aws_managed")
            );
        }
        assert_eq!(value(r, "dualStackIPv6", ROLE), user("enabled", ROLE));
    }

    #[test]
    fn an_older_root_setting_beside_the_default_is_replaced() {
        let mut w = World::new("123456789012", 1, Millis(1_700_000_000_000));
        let r = w.region_mut("us-east-1").unwrap();
        // what an older build stored: the root's own value apart from the default
        r.store_setting("dualStackIPv6", "disabled", Some(ROOT));
        r.put_account_setting("dualStackIPv6", "enabled", ROOT)
            .unwrap();
        assert_eq!(value(r, "dualStackIPv6", ROOT).0, "enabled");
        assert_eq!(value(r, "dualStackIPv6", ALICE).0, "enabled");
        assert_eq!(r.ecs.settings.iter().count(), 1);
    }
}
