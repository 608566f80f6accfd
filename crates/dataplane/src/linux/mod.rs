//! The `linux` backend: a fabric namespace per VPC (the VPC router), a
//! namespace per task (`tasknet-<task-id>`) whose `eth0` is its ENI, one
//! concern per file: `netns` (namespaces and entering them), `link`
//! (links, addresses, routes), `exec` (`tasknet exec`), `dns` (the VPC
//! resolver), `tmds` (the task metadata endpoint), `internet`, `tls`
//! (HTTPS for the internet and endpoints), `vpce` (interface endpoints),
//! `nft`.
//!
//! The backend remembers what it made (`State`); `apply` compares that with
//! the desired state and changes only the difference. At the first apply
//! every `tasknet-*` namespace this tasknet (its data directory) left
//! behind, or that no running tasknet owns, is removed and what the store
//! wants is made afresh (processes a crashed tasknet's tasks ran do not
//! survive it); every `VERIFY` after, the host is checked again: unwanted
//! namespaces go, wanted ones that vanished are made again.

pub mod dns;
pub mod exec;
pub mod internet;
pub mod link;
pub mod nat64;
pub mod netns;
pub mod nft;
pub mod tls;
pub mod tmds;
pub mod vpce;

use crate::desired::{TaskSpec, VpcSpec, FABRIC_PREFIX, PREFIX};
use crate::{Applied, DataPlane, Desired};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// tasknet's own internet: `tasknet-internet-<4 hex of the instance>`.
pub const INTERNET_PREFIX: &str = "tasknet-internet-";

/// How often the host itself is checked against what the backend thinks it made.
const VERIFY: Duration = Duration::from_secs(30);

/// Can the linux backend run here? `Err` says why not.
pub fn available() -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Err("not Linux".into());
    }
    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("not running as root".into());
    }
    for (bin, arg) in [("nft", "--version"), ("ip", "-V")] {
        match std::process::Command::new(bin)
            .arg(arg)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
        {
            Ok(s) if s.success() => {}
            _ => return Err(format!("`{bin}` is not installed")),
        }
    }
    Ok(())
}

#[derive(Default)]
struct State {
    /// The internet namespace's name.
    inet: String,
    resolvers: BTreeMap<String, dns::Resolver>,
    /// Each fabric's metadata endpoint (N61).
    endpoints: BTreeMap<String, tmds::Endpoint>,
    /// Each fabric's interface-endpoint listeners.
    vpce: BTreeMap<String, vpce::Server>,
    /// Each fabric's NAT64 translator, while a subnet routes NAT64.
    nat64: BTreeMap<String, nat64::Translator>,
    started: bool,
    verified: Option<Instant>,
    fabrics: BTreeMap<String, VpcSpec>,
    /// The ruleset last loaded into each fabric.
    firewalls: BTreeMap<String, String>,
    tasks: BTreeMap<String, TaskSpec>,
}

pub struct Linux {
    state: Mutex<State>,
}

impl Linux {
    /// `instance` names this tasknet (its data directory): namespaces that
    /// another running tasknet made are left alone.
    pub fn new(instance: &str) -> Self {
        netns::set_instance(instance);
        let inet = format!(
            "{INTERNET_PREFIX}{:04x}",
            model::services::fnv(instance) & 0xffff
        );
        Linux {
            state: Mutex::new(State {
                inet,
                ..State::default()
            }),
        }
    }
}

/// Do two specs need the same plumbing (lifecycle phase aside)?
fn same_plumbing(a: &TaskSpec, b: &TaskSpec) -> bool {
    a.netns == b.netns
        && a.fabric == b.fabric
        && a.link == b.link
        && a.mac == b.mac
        && a.mtu == b.mtu
        && a.ipv4 == b.ipv4
        && a.ipv6 == b.ipv6
        && a.public_ip == b.public_ip
        && a.table == b.table
        && a.nameservers == b.nameservers
        && a.search == b.search
        && a.metadata_link == b.metadata_link
}

impl State {
    /// Look at the host: forget what vanished (it is made again), remove
    /// every namespace of ours that is not wanted. The first time, remove
    /// everything of ours: it is all made afresh.
    fn verify(&mut self, d: &Desired, errors: &mut Vec<String>) {
        // Another tasknet's (running) namespaces are not ours to judge.
        let host: Vec<String> = netns::list(PREFIX)
            .into_iter()
            .filter(|n| !netns::owned_by_another(n))
            .collect();
        let first = !self.started;
        self.started = true;
        self.verified = Some(Instant::now());
        if first {
            for n in host.iter().filter(|n| !n.starts_with(FABRIC_PREFIX)) {
                tracing::info!(netns = %n, "removing a namespace left from before");
                if let Err(e) = netns::del(n) {
                    errors.push(e);
                }
            }
            for n in host.iter().filter(|n| n.starts_with(FABRIC_PREFIX)) {
                if let Err(e) = netns::del(n) {
                    errors.push(e);
                }
            }
            return;
        }
        self.tasks.retain(|_, t| netns::exists(&t.netns));
        self.fabrics.retain(|n, _| netns::exists(n));
        let fabrics = &self.fabrics;
        self.firewalls.retain(|n, _| fabrics.contains_key(n));
        self.resolvers.retain(|n, _| fabrics.contains_key(n));
        self.endpoints.retain(|n, _| fabrics.contains_key(n));
        self.vpce.retain(|n, _| fabrics.contains_key(n));
        self.nat64.retain(|n, _| fabrics.contains_key(n));
        for n in &host {
            let ours = *n == self.inet
                || self.fabrics.contains_key(n)
                || d.vpcs.contains_key(n)
                || self.tasks.values().any(|t| &t.netns == n);
            if !ours {
                tracing::info!(netns = %n, "removing a namespace tasknet does not want");
                if let Err(e) = netns::del(n) {
                    errors.push(e);
                }
            }
        }
    }

    /// Tear down the tasks no longer wanted (or wanted differently) and
    /// plumb the ones wanted and not there yet; returns the ids plumbed.
    fn sync_tasks(&mut self, d: &Desired, inet: &str, out: &mut Applied) -> Vec<String> {
        let gone: Vec<TaskSpec> = self
            .tasks
            .values()
            .filter(|t| !d.tasks.get(&t.key.id).is_some_and(|w| same_plumbing(t, w)))
            .cloned()
            .collect();
        for t in gone {
            match link::unplumb_task(&t, inet) {
                Ok(()) => {
                    self.tasks.remove(&t.key.id);
                }
                Err(e) => out.errors.push(format!("task {}: teardown: {e}", t.key.id)),
            }
        }
        let mut plumbed = Vec::new();
        for (id, t) in &d.tasks {
            if let Some(have) = self.tasks.get_mut(id) {
                *have = t.clone();
                continue;
            }
            if !self.fabrics.contains_key(&t.fabric) {
                out.failed
                    .push((id.clone(), format!("the VPC fabric {} is not up", t.fabric)));
                continue;
            }
            let t0 = Instant::now();
            let r = match &d.inject_failure {
                Some(f) => Err(f.clone()),
                None => link::plumb_task(t, inet),
            };
            match r {
                Ok(()) => {
                    tracing::debug!(task = %id, micros = t0.elapsed().as_micros() as u64, "task network up");
                    self.tasks.insert(id.clone(), t.clone());
                    plumbed.push(id.clone());
                }
                Err(e) => {
                    tracing::warn!(task = %id, error = %e, "cannot plumb the task's network");
                    out.failed.push((id.clone(), e));
                }
            }
        }
        plumbed
    }
}

impl DataPlane for Linux {
    fn mode(&self) -> &'static str {
        "linux"
    }

    fn apply(&self, d: &Desired) -> Applied {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Applied::default();
        if !st.started || st.verified.is_none_or(|t| t.elapsed() > VERIFY) {
            st.verify(d, &mut out.errors);
        }
        let inet = st.inet.clone();
        if !d.vpcs.is_empty() {
            if let Err(e) = internet::ensure(&inet) {
                out.errors.push(format!("internet: {e}"));
            }
        }
        // Fabrics that are new or changed (a subnet gained tasks).
        for (name, v) in &d.vpcs {
            if st.fabrics.get(name) == Some(v) {
                continue;
            }
            match link::ensure_fabric(v, st.fabrics.get(name), &inet) {
                Ok(()) => {
                    st.fabrics.insert(name.clone(), v.clone());
                }
                Err(e) => {
                    st.fabrics.remove(name);
                    st.firewalls.remove(name);
                    out.errors.push(format!("fabric of {}: {e}", v.vpc_id));
                }
            }
        }
        // Each fabric's resolver, with what it must know now.
        for (name, v) in &d.vpcs {
            if !st.fabrics.contains_key(name) {
                continue;
            }
            let zone = dns::Zone::of(v);
            match st.resolvers.get(name) {
                Some(r) => {
                    if let Ok(mut z) = r.zone.write() {
                        *z = zone;
                    }
                }
                None => match dns::start(
                    name,
                    zone,
                    v.dns
                        .map(std::net::IpAddr::V4)
                        .into_iter()
                        .chain(
                            [link::RESOLVER_LL, crate::desired::RESOLVER6]
                                .iter()
                                .filter_map(|a| a.parse().ok()),
                        )
                        .collect(),
                ) {
                    Ok(r) => {
                        st.resolvers.insert(name.clone(), r);
                    }
                    Err(e) => out.errors.push(format!("resolver of {}: {e}", v.vpc_id)),
                },
            }
        }
        // Each fabric's interface endpoints.
        for (name, v) in &d.vpcs {
            if !st.fabrics.contains_key(name) {
                continue;
            }
            if !st.vpce.contains_key(name) {
                match vpce::Server::start() {
                    Ok(s) => {
                        st.vpce.insert(name.clone(), s);
                    }
                    Err(e) => out.errors.push(format!("endpoints of {}: {e}", v.vpc_id)),
                }
            }
            if let Some(Err(e)) = st.vpce.get(name).map(|s| s.sync(name, &v.endpoint_enis)) {
                out.errors.push(format!("endpoints of {}: {e}", v.vpc_id));
            }
        }
        // Each fabric's NAT64 translator, while a subnet of it routes NAT64.
        for (name, v) in &d.vpcs {
            if !st.fabrics.contains_key(name) || crate::desired::nat64_sources(v).is_empty() {
                st.nat64.remove(name);
                continue;
            }
            if !st.nat64.contains_key(name) {
                match nat64::Translator::start(name) {
                    Ok(t) => {
                        st.nat64.insert(name.clone(), t);
                    }
                    Err(e) => out.errors.push(format!("NAT64 of {}: {e}", v.vpc_id)),
                }
            }
            if let Some(t) = st.nat64.get(name) {
                t.sync(&crate::desired::nat64_tasks(d.tasks.values(), name));
            }
        }
        // Each fabric's metadata endpoint, with its tasks' documents now.
        for name in d.vpcs.keys() {
            if !st.fabrics.contains_key(name) {
                continue;
            }
            let docs = d.metadata.get(name).cloned().unwrap_or_default();
            match st.endpoints.get(name) {
                Some(e) => {
                    if let Ok(mut t) = e.tasks.write() {
                        *t = std::sync::Arc::new(docs);
                    }
                }
                None => match tmds::start(name, docs) {
                    Ok(e) => {
                        st.endpoints.insert(name.clone(), e);
                    }
                    Err(e) => out.errors.push(format!("metadata endpoint of {name}: {e}")),
                },
            }
        }
        // Firewalls, while the tasks are plumbed: a task whose link the
        // loaded table does not name yet sends and receives nothing
        // (`firewall.rs`, set `links`), so the two need not wait for each
        // other, and a task is reported up only once its rules are loaded.
        let loads: Vec<(String, Option<String>, String)> = d
            .firewalls
            .iter()
            .filter(|(name, rules)| {
                st.fabrics.contains_key(*name) && st.firewalls.get(*name) != Some(*rules)
            })
            .map(|(name, rules)| (name.clone(), st.firewalls.get(name).cloned(), rules.clone()))
            .collect();
        let (results, plumbed) = std::thread::scope(|s| {
            let loader = s.spawn(|| {
                loads
                    .iter()
                    .map(|(name, old, rules)| {
                        let t0 = Instant::now();
                        (nft::load(name, old.as_deref(), rules), t0.elapsed())
                    })
                    .collect::<Vec<_>>()
            });
            let plumbed = st.sync_tasks(d, &inet, &mut out);
            let results = loader.join().unwrap_or_else(|_| {
                loads
                    .iter()
                    .map(|_| (Err("the nft loader panicked".to_string()), Duration::ZERO))
                    .collect()
            });
            (results, plumbed)
        });
        for ((name, _, rules), (r, took)) in loads.into_iter().zip(results) {
            match r {
                Ok(()) => {
                    tracing::debug!(fabric = %name, micros = took.as_micros() as u64, "firewall loaded");
                    st.firewalls.insert(name, rules);
                }
                Err(e) => {
                    st.firewalls.remove(&name);
                    out.errors.push(format!("firewall of {name}: {e}"));
                    // Its new tasks are plumbed but have no rules: not up.
                    let bare: Vec<String> = plumbed
                        .iter()
                        .filter(|id| st.tasks.get(*id).is_some_and(|t| t.fabric == name))
                        .cloned()
                        .collect();
                    for id in &bare {
                        if let Some(t) = st.tasks.remove(id) {
                            let _ = link::unplumb_task(&t, &inet);
                        }
                        out.failed.push((
                            id.clone(),
                            format!("the firewall of the VPC fabric {name} could not be loaded"),
                        ));
                    }
                }
            }
        }
        // Fabrics without tasks.
        let idle: Vec<String> = st
            .fabrics
            .keys()
            .filter(|n| !d.vpcs.contains_key(*n))
            .cloned()
            .collect();
        for n in idle {
            st.resolvers.remove(&n);
            st.endpoints.remove(&n);
            st.vpce.remove(&n);
            st.nat64.remove(&n);
            match link::remove_fabric(&n, &inet) {
                Ok(()) => {
                    st.fabrics.remove(&n);
                    st.firewalls.remove(&n);
                }
                Err(e) => out.errors.push(format!("fabric {n}: {e}")),
            }
        }
        out.up = st.tasks.keys().cloned().collect();
        out
    }

    fn clear(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let tasks: Vec<TaskSpec> = st.tasks.values().cloned().collect();
        let inet = st.inet.clone();
        for t in tasks {
            let _ = link::unplumb_task(&t, &inet);
        }
        st.resolvers.clear();
        st.endpoints.clear();
        st.vpce.clear();
        st.nat64.clear();
        st.tasks.clear();
        // Whatever else is ours, fabrics last.
        let mut host: Vec<String> = netns::list(PREFIX)
            .into_iter()
            .filter(|n| !netns::owned_by_another(n))
            .collect();
        host.sort_by_key(|n| n.starts_with(FABRIC_PREFIX));
        for n in host {
            let _ = netns::del(&n);
        }
        st.fabrics.clear();
        st.firewalls.clear();
    }
}
