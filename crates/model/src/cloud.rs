//! Every account tasknet emulates. The default account (`--account-id`) always
//! exists; another account springs into being, as a fresh account with every
//! Region's default VPC, the first time a request acts in it (a request
//! whose access key id is a 12-digit number acts in that account, as in
//! LocalStack). Accounts share nothing: each is its own `World`.
//!
//! In the store, a record of the default account is kept under its Region's
//! name and a record of another account under `<account>:<region>` (global
//! records: `<account>:`), so a data directory written before accounts
//! existed is the default account's as it stands.

use crate::ecs::Lifecycle;
use crate::iam::{AccessKey, User};
use crate::table::Change;
use crate::time::Millis;
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};

/// A persisted row: (kind, scope, seq, body).
type StoredRow = (String, String, u64, Vec<u8>);

pub struct Cloud {
    default_account: String,
    accounts: BTreeMap<String, World>,
    rng: fastrand::Rng,
    /// Accounts handed out mutably since the last drain.
    touched: BTreeSet<String>,
    /// Everything was wiped (a reset) since the last drain.
    wiped: bool,
}

/// An access key with its account and its user (`None`: the account root).
pub struct KeyOwner<'a> {
    pub account: &'a str,
    pub key: &'a AccessKey,
    pub user: Option<&'a User>,
}

/// Is `s` an AWS account id (12 digits)?
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The store scope of an account's records in `region` (see the module comment).
fn scope(default_account: &str, account: &str, region: &str) -> String {
    if account == default_account {
        region.to_string()
    } else {
        format!("{account}:{region}")
    }
}

impl Cloud {
    /// A fresh installation: the default account, bootstrapped.
    pub fn new(default_account: &str, seed: u64, now: Millis) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut accounts = BTreeMap::new();
        accounts.insert(
            default_account.to_string(),
            World::new(default_account, rng.u64(..), now),
        );
        Cloud {
            default_account: default_account.to_string(),
            accounts,
            rng,
            touched: [default_account.to_string()].into(),
            wiped: false,
        }
    }

    /// Rebuild every account from persisted rows `(kind, scope, seq, body)`.
    pub fn load(
        default_account: &str,
        seed: u64,
        now: Millis,
        rows: impl IntoIterator<Item = StoredRow>,
    ) -> Result<Self, String> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut by_account: BTreeMap<String, Vec<StoredRow>> = BTreeMap::new();
        by_account.entry(default_account.to_string()).or_default();
        for (kind, scope, seq, body) in rows {
            let (account, region) = match scope.split_once(':') {
                Some((a, r)) if is_account_id(a) => (a.to_string(), r.to_string()),
                Some(_) => return Err(format!("record {kind} #{seq}: bad scope {scope:?}")),
                None => (default_account.to_string(), scope),
            };
            by_account
                .entry(account)
                .or_default()
                .push((kind, region, seq, body));
        }
        let mut accounts = BTreeMap::new();
        let mut touched = BTreeSet::new();
        for (account, rows) in by_account {
            let w = World::load(&account, rng.u64(..), now, rows)
                .map_err(|e| format!("account {account}: {e}"))?;
            touched.insert(account.clone());
            accounts.insert(account, w);
        }
        Ok(Cloud {
            default_account: default_account.to_string(),
            accounts,
            rng,
            touched,
            wiped: false,
        })
    }

    pub fn default_account(&self) -> &str {
        &self.default_account
    }

    /// An account's world, if it exists yet.
    pub fn account(&self, id: &str) -> Option<&World> {
        self.accounts.get(id)
    }

    /// An account's world, created fresh the first time.
    pub fn account_mut(&mut self, id: &str, now: Millis) -> &mut World {
        if !self.touched.contains(id) {
            self.touched.insert(id.to_string());
        }
        if !self.accounts.contains_key(id) {
            let w = World::new(id, self.rng.u64(..), now);
            self.accounts.insert(id.to_string(), w);
        }
        // Just inserted if it was missing.
        self.accounts
            .get_mut(id)
            .unwrap_or_else(|| unreachable!("account {id} was inserted"))
    }

    pub fn accounts(&self) -> impl Iterator<Item = &World> {
        self.accounts.values()
    }

    /// The access key `id` (created by CreateAccessKey), in whichever
    /// account holds it. A scan: accounts are few, and keys are looked up
    /// only for ids shaped like the ones tasknet issues.
    pub fn access_key(&self, id: &str) -> Option<KeyOwner<'_>> {
        self.accounts.iter().find_map(|(account, w)| {
            let key = w.access_keys.get(id)?;
            let user = match &key.user {
                Some(name) => Some(w.users.get(name)?),
                None => None,
            };
            Some(KeyOwner { account, key, user })
        })
    }

    /// Back to a fresh installation (`POST /_tasknet/reset`): every account
    /// but the default is gone, and the default is new.
    pub fn reset(&mut self, now: Millis) {
        let seed = self.rng.u64(..);
        *self = Cloud::new(&self.default_account.clone(), seed, now);
        self.wiped = true;
    }

    /// Everything changed since the last drain, in the order the store
    /// applies it, with each record's store scope. Draining commits the
    /// changes (they can no longer be rolled back).
    pub fn drain_changes(&mut self) -> Vec<Change> {
        let mut out = Vec::new();
        if std::mem::take(&mut self.wiped) {
            out.push(Change::Wipe);
        }
        for id in std::mem::take(&mut self.touched) {
            let Some(w) = self.accounts.get_mut(&id) else {
                continue;
            };
            let start = out.len();
            w.drain_changes_into(&mut out);
            if id != self.default_account {
                for c in &mut out[start..] {
                    match c {
                        Change::Put { region, .. } | Change::Delete { region, .. } => {
                            *region = scope(&self.default_account, &id, region);
                        }
                        Change::Wipe => {}
                    }
                }
            }
        }
        out
    }

    /// Undo every change since the last drain (a failed request).
    pub fn rollback(&mut self) {
        for id in std::mem::take(&mut self.touched) {
            if let Some(w) = self.accounts.get_mut(&id) {
                w.rollback();
            }
        }
    }

    /// Run the due services of every account (the service scheduler), at
    /// most `limit` in all.
    pub fn run_services(
        &mut self,
        now: Millis,
        lc: &Lifecycle,
        timing: &crate::elb::ElbTiming,
        limit: usize,
    ) -> usize {
        let due: Vec<String> = self
            .accounts
            .iter()
            .filter(|(_, w)| w.next_due().is_some_and(|d| d <= now))
            .map(|(id, _)| id.clone())
            .collect();
        let mut n = 0;
        for id in due {
            if n >= limit {
                break;
            }
            n += self
                .account_mut(&id, now)
                .run_services(now, lc, timing, limit - n);
        }
        n
    }

    /// Advance due task transitions in every account, at most `limit` in all.
    pub fn advance_tasks(&mut self, now: Millis, lc: &Lifecycle, limit: usize) -> usize {
        let due: Vec<String> = self
            .accounts
            .iter()
            .filter(|(_, w)| w.next_due().is_some_and(|d| d <= now))
            .map(|(id, _)| id.clone())
            .collect();
        let mut n = 0;
        for id in due {
            if n >= limit {
                break;
            }
            n += self.account_mut(&id, now).advance_tasks(now, lc, limit - n);
        }
        n
    }

    /// Periodic clean-up in every account (deleted NAT gateways expire).
    pub fn sweep(&mut self, now: Millis) {
        let ids: Vec<String> = self.accounts.keys().cloned().collect();
        for id in ids {
            for r in self.account_mut(&id, now).regions_mut() {
                r.expire_deleted_nat_gateways(now);
            }
        }
    }

    /// The earliest time any account needs the reconciler.
    pub fn next_due(&self) -> Option<Millis> {
        self.accounts.values().filter_map(World::next_due).min()
    }

    /// A dump of every record and all derived state, equal for equal
    /// worlds: tests compare it before and after a failed request.
    pub fn fingerprint(&self) -> String {
        let mut s = String::new();
        for (id, w) in &self.accounts {
            s.push_str(id);
            s.push('\n');
            w.fingerprint_into(&mut s);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vpc(w: &mut World, cidr: &str) -> String {
        w.region_mut("us-east-1")
            .unwrap()
            .create_vpc(
                crate::ec2::vpc::CreateVpc {
                    cidr_block: Some(cidr.into()),
                    ..Default::default()
                },
                Millis(0),
            )
            .unwrap()
    }

    #[test]
    fn accounts_are_stored_apart_and_load_back_apart() {
        let mut c = Cloud::new("123456789012", 1, Millis(0));
        let a = vpc(c.account_mut("123456789012", Millis(0)), "10.1.0.0/16");
        let b = vpc(c.account_mut("000000000001", Millis(0)), "10.2.0.0/16");
        let changes = c.drain_changes();
        let mut rows = Vec::new();
        for ch in changes {
            if let Change::Put {
                kind,
                region,
                seq,
                body,
            } = ch
            {
                assert!(
                    region.is_empty()
                        || !region.contains(':')
                        || region.starts_with("000000000001:")
                );
                for row in body.rows(kind) {
                    rows.push((row.kind.to_string(), region.clone(), seq, row.bytes));
                }
            }
        }
        let c2 = Cloud::load("123456789012", 2, Millis(0), rows).unwrap();
        let r1 = c2
            .account("123456789012")
            .unwrap()
            .region("us-east-1")
            .unwrap();
        let r2 = c2
            .account("000000000001")
            .unwrap()
            .region("us-east-1")
            .unwrap();
        assert!(r1.vpcs.contains(&a) && !r1.vpcs.contains(&b));
        assert!(r2.vpcs.contains(&b) && !r2.vpcs.contains(&a));
        assert_eq!(r2.vpcs.len(), 2, "its own default VPC and its VPC");
        assert_eq!(c2.fingerprint(), c.fingerprint());
    }

    #[test]
    fn access_keys_are_found_in_their_own_account() {
        let mut c = Cloud::new("123456789012", 1, Millis(0));
        let w = c.account_mut("111111111111", Millis(0));
        w.create_user(
            crate::iam::CreateUser {
                name: "u".into(),
                ..Default::default()
            },
            Millis(0),
        )
        .unwrap();
        let user_key = w
            .create_access_key(Some("u"), Millis(0))
            .unwrap()
            .id
            .clone();
        let root_key = c
            .account_mut("123456789012", Millis(0))
            .create_access_key(None, Millis(0))
            .unwrap()
            .id
            .clone();
        let o = c.access_key(&user_key).unwrap();
        assert_eq!(o.account, "111111111111");
        assert_eq!(o.user.map(|u| u.name.as_str()), Some("u"));
        let o = c.access_key(&root_key).unwrap();
        assert_eq!((o.account, o.user.is_none()), ("123456789012", true));
        assert!(c.access_key("AKIAAAAAAAAAAAAAAAAA").is_none());
    }

    #[test]
    fn rollback_forgets_a_failed_requests_changes() {
        let mut c = Cloud::new("123456789012", 1, Millis(0));
        c.drain_changes();
        let before = c.fingerprint();
        let w = c.account_mut("123456789012", Millis(0));
        vpc(w, "10.1.0.0/16");
        c.rollback();
        assert_eq!(c.fingerprint(), before);
        assert!(c.drain_changes().is_empty());
    }
}
