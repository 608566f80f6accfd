//! The whole emulated account: every Region of the partition with its VPC
//! resources, and the global IAM roles, users and access keys. Operations mutate it through `Table`s,
//! which remember what changed so that the control plane can persist it.

use crate::ec2::types::*;
use crate::ecs::EcsState;
use crate::elb::ElbState;
use crate::error::ApiError;
use crate::iam::{AccessKey, Role, User};
use crate::ipam::{Ipv6Ipam, PublicPool, SubnetIpam};
use crate::net::Ipv4Cidr;
use crate::regions::{self, RegionInfo};
use crate::table::{Change, Commit, Drain, Fingerprint, FixedRows, Load, Record, Rollback, Table};
use crate::time::Millis;
use crate::undo::{UndoCell, UndoMap};
use std::collections::BTreeMap;

pub struct World {
    pub account_id: String,
    regions: BTreeMap<&'static str, Region>,
    pub roles: Table<Role>,
    pub users: Table<User>,
    /// Access keys of the users and of the root.
    pub access_keys: Table<AccessKey>,
    pub rng: fastrand::Rng,
    /// Regions handed out mutably since the last drain: only these can hold
    /// changes, so a drain need not visit all 34.
    touched: std::collections::BTreeSet<&'static str>,
}

/// One Region of the account.
pub struct Region {
    pub info: &'static RegionInfo,
    pub account_id: String,
    pub rng: fastrand::Rng,
    pub meta: Table<RegionMeta>,
    pub vpcs: Table<Vpc>,
    pub subnets: Table<Subnet>,
    pub internet_gateways: Table<InternetGateway>,
    pub egress_only_gateways: Table<EgressOnlyInternetGateway>,
    pub addresses: Table<Address>,
    pub nat_gateways: Table<NatGateway>,
    pub route_tables: Table<RouteTable>,
    pub security_groups: Table<SecurityGroup>,
    pub network_acls: Table<NetworkAcl>,
    pub dhcp_options: Table<DhcpOptions>,
    pub vpc_endpoints: Table<VpcEndpoint>,
    pub enis: Table<NetworkInterface>,
    pub prefix_lists: Table<crate::ec2::prefix_list::PrefixList>,
    pub peerings: Table<crate::ec2::peering::VpcPeeringConnection>,
    pub cidr_reservations: Table<crate::ec2::cidr_reservation::SubnetCidrReservation>,
    pub client_tokens: Table<crate::ec2::idempotency::ClientToken>,
    pub ecs: EcsState,
    pub elb: ElbState,
    // Derived state, rebuilt on load; undoable like the tables (`undo`).
    pub(crate) ipam: UndoMap<String, SubnetIpam>,
    pub(crate) ipam6: UndoMap<String, Ipv6Ipam>,
    pub(crate) public_pool: UndoCell<Option<PublicPool>>,
}

impl Region {
    fn new(info: &'static RegionInfo, account_id: &str, seed: u64) -> Self {
        Region {
            info,
            account_id: account_id.to_string(),
            rng: fastrand::Rng::with_seed(seed),
            meta: Table::default(),
            vpcs: Table::default(),
            subnets: Table::default(),
            internet_gateways: Table::default(),
            egress_only_gateways: Table::default(),
            addresses: Table::default(),
            nat_gateways: Table::default(),
            route_tables: Table::default(),
            security_groups: Table::default(),
            network_acls: Table::default(),
            dhcp_options: Table::default(),
            vpc_endpoints: Table::default(),
            enis: Table::default(),
            prefix_lists: Table::default(),
            peerings: Table::default(),
            cidr_reservations: Table::default(),
            client_tokens: Table::default(),
            ecs: EcsState::default(),
            elb: ElbState::default(),
            ipam: UndoMap::default(),
            ipam6: UndoMap::default(),
            public_pool: UndoCell::default(),
        }
    }

    pub fn name(&self) -> &'static str {
        self.info.name
    }

    pub fn meta(&self) -> Option<&RegionMeta> {
        self.meta.get(self.info.name)
    }

    fn drain_changes(&mut self, out: &mut Vec<Change>) {
        self.visit_tables(&mut Drain(out));
        self.commit_derived();
    }

    /// Keep this transaction's changes (they stay pending for the drain).
    fn commit(&mut self) {
        self.visit_tables(&mut Commit);
        self.commit_derived();
    }

    fn fingerprint_into(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(out, "region {}", self.info.name);
        self.read_tables(&mut Fingerprint(out));
        let _ = writeln!(
            out,
            "ipam {:?}\nipam6 {:?}\npublic {:?}",
            self.ipam.sorted(),
            self.ipam6.sorted(),
            self.public_pool.get()
        );
        self.ecs.fingerprint_into(out);
        self.elb.fingerprint_into(out);
    }

    /// Keep this transaction's changes to the derived state (the tables
    /// commit as they are drained).
    fn commit_derived(&mut self) {
        self.ipam.commit();
        self.ipam6.commit();
        self.public_pool.commit();
        self.ecs.commit_derived();
        self.elb.commit_derived();
    }

    /// Undo every change since the last commit: records and derived state.
    fn rollback(&mut self) {
        self.visit_tables(&mut Rollback);
        self.ecs.rollback_derived();
        self.elb.rollback_derived();
        self.ipam.rollback();
        self.ipam6.rollback();
        self.public_pool.rollback();
    }

    /// The Region's public IPv4 pool, created on first use.
    pub(crate) fn public_pool(&mut self) -> &mut PublicPool {
        let cidr: Ipv4Cidr = self.info.ec2_v4_pool.parse().unwrap_or_else(|_| {
            Ipv4Cidr::new(std::net::Ipv4Addr::new(198, 18, 0, 0), 15).expect("static CIDR")
        });
        self.public_pool
            .get_mut()
            .get_or_insert_with(|| PublicPool::new(cidr))
    }

    /// Rebuild address allocators from the subnets, ENIs and Elastic IPs.
    fn rebuild_derived(&mut self) {
        self.ipam.reset();
        self.ipam6.reset();
        self.public_pool.reset(None);
        for s in self.subnets.iter() {
            if let Some(c) = s.cidr {
                self.ipam.insert(s.id.clone(), SubnetIpam::new(c));
            }
            self.ipam6.insert(s.id.clone(), Ipv6Ipam::default());
        }
        let mut claims4 = Vec::new();
        let mut claims6 = Vec::new();
        let mut public = Vec::new();
        for e in self.enis.iter() {
            for p in &e.private_ips {
                claims4.push((e.subnet_id.clone(), p.ip));
                if let Some(a) = &p.association {
                    if a.allocation_id.is_none() {
                        public.push(a.public_ip);
                    }
                }
            }
            for ip in &e.ipv6_addresses {
                claims6.push((e.subnet_id.clone(), *ip));
            }
        }
        for a in self.addresses.iter() {
            public.push(a.public_ip);
        }
        for (s, ip) in claims4 {
            if let Some(i) = self.ipam.get_mut(&s) {
                let _ = i.claim(ip);
            }
        }
        for (s, ip) in claims6 {
            let cidr = self.subnets.get(&s).and_then(|s| {
                s.ipv6_blocks
                    .iter()
                    .find(|b| b.cidr.contains(ip))
                    .map(|b| b.cidr)
            });
            if let (Some(c), Some(i)) = (cidr, self.ipam6.get_mut(&s)) {
                let _ = i.claim(&c, ip);
            }
        }
        for ip in public {
            self.public_pool().claim(ip);
        }
        let held: Vec<_> = self.cidr_reservations.iter().cloned().collect();
        for r in &held {
            self.hold_reservation(r);
        }
        self.ecs.rebuild_derived();
        self.elb.rebuild_derived();
    }
}

// Every table of a Region and of the account, in the order their changes
// go to the store: registering a record kind is adding its table here.
crate::tables!(Region {
    meta, vpcs, dhcp_options, subnets, internet_gateways, egress_only_gateways,
    addresses, route_tables, security_groups, network_acls, enis, nat_gateways,
    vpc_endpoints, prefix_lists, peerings, cidr_reservations, client_tokens,
    ecs.clusters, ecs.task_definitions, ecs.settings, ecs.tasks, ecs.services,
    elb.load_balancers, elb.target_groups, elb.listeners, elb.rules, elb.targets,
});
crate::tables!(World {
    roles,
    users,
    access_keys
});

/// The kinds of every record's fixed row (`Record::FIXED_KIND`), loaded
/// before the records that join them.
const FIXED_KINDS: [Option<&str>; 1] = [<crate::ecs::types::Task as Record>::FIXED_KIND];

impl World {
    /// A fresh account: every Region with its default VPC and friends.
    /// The bootstrap is committed (no rollback undoes it) and waits to be
    /// drained.
    pub fn new(account_id: &str, seed: u64, now: Millis) -> Self {
        let mut w = World::empty(account_id, seed);
        for r in w.regions.values_mut() {
            r.bootstrap(now);
            r.commit();
        }
        w
    }

    fn empty(account_id: &str, seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let regions = regions::REGIONS
            .iter()
            .map(|info| (info.name, Region::new(info, account_id, rng.u64(..))))
            .collect();
        World {
            account_id: account_id.to_string(),
            regions,
            roles: Table::default(),
            users: Table::default(),
            access_keys: Table::default(),
            rng,
            touched: regions::REGIONS.iter().map(|r| r.name).collect(),
        }
    }

    /// Rebuild a world from persisted rows `(kind, region, seq, body)`; Regions never
    /// bootstrapped before get their defaults.
    pub fn load(
        account_id: &str,
        seed: u64,
        now: Millis,
        rows: impl IntoIterator<Item = (String, String, u64, Vec<u8>)>,
    ) -> Result<Self, String> {
        let mut w = World::empty(account_id, seed);
        // Fixed rows (`Record::FIXED_KIND`) first, to join their records.
        let (fixed, main): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .partition(|(kind, ..)| FIXED_KINDS.contains(&Some(kind.as_str())));
        let mut fixed: FixedRows = fixed
            .into_iter()
            .map(|(kind, region, seq, body)| ((kind, region, seq), body))
            .collect();
        for (kind, region, seq, body) in main {
            w.load_row(&kind, &region, seq, &body, &mut fixed)
                .map_err(|e| format!("record {kind} #{seq} of {region}: {e}"))?;
        }
        for r in w.regions.values_mut() {
            r.rebuild_derived();
            if r.meta().is_none() {
                r.bootstrap(now);
            }
            r.commit();
        }
        Ok(w)
    }

    fn load_row(
        &mut self,
        kind: &str,
        region: &str,
        seq: u64,
        body: &[u8],
        fixed: &mut FixedRows,
    ) -> Result<(), String> {
        let mut load = Load {
            kind,
            scope: region,
            seq,
            body,
            fixed,
            result: None,
        };
        match self.regions.get_mut(region) {
            Some(r) => r.visit_tables(&mut load),
            None => self.visit_tables(&mut load),
        }
        load.result
            .unwrap_or_else(|| Err(format!("unknown record kind {kind} in scope {region:?}")))
    }

    pub fn region(&self, name: &str) -> Result<&Region, ApiError> {
        self.regions.get(name).ok_or_else(|| unknown_region(name))
    }

    pub fn region_mut(&mut self, name: &str) -> Result<&mut Region, ApiError> {
        let r = self
            .regions
            .get_mut(name)
            .ok_or_else(|| unknown_region(name))?;
        self.touched.insert(r.info.name);
        Ok(r)
    }

    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    pub fn regions_mut(&mut self) -> impl Iterator<Item = &mut Region> {
        self.touched.extend(self.regions.keys().copied());
        self.regions.values_mut()
    }

    /// Everything changed since the last call, in the order the store
    /// applies it (record scopes are Region names). Draining commits.
    pub fn drain_changes(&mut self) -> Vec<Change> {
        let mut out = Vec::new();
        self.drain_changes_into(&mut out);
        out
    }

    pub fn drain_changes_into(&mut self, out: &mut Vec<Change>) {
        self.visit_tables(&mut Drain(out));
        for name in std::mem::take(&mut self.touched) {
            if let Some(r) = self.regions.get_mut(name) {
                r.drain_changes(out);
            }
        }
    }

    /// Undo every change since the last commit (a failed request). Changes
    /// committed but not yet drained stay, to be drained.
    pub fn rollback(&mut self) {
        self.visit_tables(&mut Rollback);
        for name in &self.touched {
            if let Some(r) = self.regions.get_mut(name) {
                r.rollback();
            }
        }
    }

    /// Every record, in creation order per table, and all derived state, as
    /// text: equal for equal worlds (see `Cloud::fingerprint`).
    pub fn fingerprint_into(&self, out: &mut String) {
        self.read_tables(&mut Fingerprint(out));
        for r in self.regions.values() {
            r.fingerprint_into(out);
        }
    }
}

/// Requests for a Region outside the partition get the AWS answer for an
/// unknown endpoint region.
fn unknown_region(name: &str) -> ApiError {
    ApiError::new(
        "InvalidClientTokenId",
        format!("The security token included in the request is invalid (unknown region '{name}')."),
    )
    .with_status(403)
}
