//! The data plane (N70–N73): every running task gets a real network
//! namespace whose packets obey the emulated VPC.
//!
//! The control plane never calls the data plane under the world lock. A
//! supervised job (`run`) follows the change feed: after each committed
//! batch (and every few seconds regardless) it reads the world, computes the
//! desired state (`Desired`: which VPC fabrics and task namespaces must
//! exist and how they are configured) and hands it to a backend, which makes
//! the host match it, idempotently (level-triggered, like a Kubernetes
//! controller). What the backend reports back goes into the task lifecycle
//! through ordinary control-plane writes: a namespace is up
//! (`World::task_network_ready`), could not be plumbed
//! (`task_network_failed`), or is gone (`task_network_released`).
//!
//! Backends: `none` (nothing on the host; the control plane behaves as it
//! always did) and `linux` (namespaces, veths, routes, nftables; root only).

pub mod desired;
pub mod firewall;
pub mod linux;
pub mod metadata;
pub mod none;

pub use desired::{Desired, TaskKey, TaskSpec, VpcSpec};

use control::jobs::Job;
use control::Control;
use model::ecs::types::TaskStatus;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a task may wait for its network before it is stopped.
pub const NETWORK_DEADLINE_MS: i64 = 30_000;

/// What a backend did with one desired state.
#[derive(Debug, Default)]
pub struct Applied {
    /// Tasks whose namespace is up and configured as desired.
    pub up: BTreeSet<String>,
    /// Tasks whose namespace could not be set up, with why.
    pub failed: Vec<(String, String)>,
    /// Problems that are not one task's (a fabric, the firewall).
    pub errors: Vec<String>,
}

/// A data-plane backend. `apply` blocks (it runs on a blocking thread);
/// it must be idempotent and tolerate what already exists or is already
/// gone.
pub trait DataPlane: Send + Sync + 'static {
    /// `linux` or `none`.
    fn mode(&self) -> &'static str;
    /// Make the host match `desired`.
    fn apply(&self, desired: &Desired) -> Applied;
    /// Remove everything this backend created (clean shutdown).
    fn clear(&self);
}

/// Which backend to run, from `--dataplane auto|linux|none`, and why.
/// `instance` names this tasknet (its data directory).
pub fn choose(requested: &str, instance: &str) -> Result<(Arc<dyn DataPlane>, String), String> {
    match requested {
        "none" => Ok((Arc::new(none::NoDataPlane), "--dataplane none".into())),
        "linux" => {
            linux::available()?;
            Ok((
                Arc::new(linux::Linux::new(instance)),
                "--dataplane linux".into(),
            ))
        }
        "auto" => match linux::available() {
            Ok(()) => Ok((
                Arc::new(linux::Linux::new(instance)),
                "auto: running as root on Linux with nft and ip available".into(),
            )),
            Err(why) => Ok((Arc::new(none::NoDataPlane), format!("auto: {why}"))),
        },
        other => Err(format!("--dataplane {other}: expected auto, linux or none")),
    }
}

/// The data plane's state for `/_tasknet/health`.
pub struct Status {
    pub mode: &'static str,
    /// Why this mode was chosen.
    pub reason: String,
    in_sync: AtomicBool,
    tasks: AtomicUsize,
    last_error: Mutex<Option<String>>,
}

impl Status {
    pub fn new(mode: &'static str, reason: String) -> Self {
        Status {
            mode,
            reason,
            // `none` is trivially in sync; `linux` once it has applied.
            in_sync: AtomicBool::new(mode == "none"),
            tasks: AtomicUsize::new(0),
            last_error: Mutex::new(None),
        }
    }

    pub fn in_sync(&self) -> bool {
        self.in_sync.load(Ordering::SeqCst)
    }

    pub fn json(&self) -> serde_json::Value {
        let err = self
            .last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        serde_json::json!({
            "mode": self.mode,
            "reason": self.reason,
            "inSync": self.in_sync(),
            "tasks": self.tasks.load(Ordering::SeqCst),
            "lastError": err,
        })
    }
}

/// The `dataplane` job: follow the change feed and keep the host in step
/// with the world. Resyncs every `RESYNC` even without changes, so that
/// whatever happened to the host behind tasknet's back is repaired.
pub async fn run(
    control: Arc<Control>,
    dp: Arc<dyn DataPlane>,
    status: Arc<Status>,
    job: Job,
) -> Result<(), String> {
    const RESYNC: Duration = Duration::from_secs(5);
    let mut feed = control.subscribe();
    let lc = control.settings.lifecycle;
    loop {
        control.faults.check(job.name)?;
        let t0 = std::time::Instant::now();
        let mut desired = control
            .read_cloud(Desired::from_cloud)
            .await
            .map_err(|e| e.message)?;
        if desired.tasks.values().any(|t| t.waiting) {
            desired.inject_failure = control.faults.check("dataplane-plumb").err();
        }
        let d = Arc::new(desired);
        let (dp2, d2) = (dp.clone(), d.clone());
        let t1 = std::time::Instant::now();
        let applied = tokio::task::spawn_blocking(move || dp2.apply(&d2))
            .await
            .map_err(|e| format!("the data plane's apply failed: {e}"))?;
        tracing::debug!(
            desired_us = (t1 - t0).as_micros() as u64,
            apply_us = t1.elapsed().as_micros() as u64,
            tasks = d.tasks.len(),
            "data-plane pass"
        );
        // Report to the lifecycle what it waits for.
        let mut ready = Vec::new();
        let mut failed = Vec::new();
        let mut released = Vec::new();
        for t in d.tasks.values() {
            if t.status != TaskStatus::Provisioning || !t.waiting {
                continue;
            }
            if applied.up.contains(&t.key.id) {
                ready.push(t.key.clone());
            } else if let Some((_, why)) = applied.failed.iter().find(|(id, _)| *id == t.key.id) {
                failed.push((t.key.clone(), why.clone()));
            }
        }
        for k in &d.releasing {
            if !applied.up.contains(&k.id) {
                released.push(k.clone());
            }
        }
        if !ready.is_empty() || !failed.is_empty() || !released.is_empty() {
            let r = control
                .write_cloud(move |c, now| {
                    for k in &ready {
                        c.account_mut(&k.account, now)
                            .task_network_ready(&k.region, &k.id, now, &lc);
                    }
                    for (k, why) in &failed {
                        c.account_mut(&k.account, now)
                            .task_network_failed(&k.region, &k.id, why, now, &lc);
                    }
                    for k in &released {
                        c.account_mut(&k.account, now)
                            .task_network_released(&k.region, &k.id, now, &lc);
                    }
                    Ok(())
                })
                .await;
            match r {
                // The lifecycle moves on at once, not at the reconciler's next poll.
                Ok(_) => control.wake_reconciler(),
                // The store cannot be written: the store job reports it; the
                // reports are made again at the next pass.
                Err(e) => tracing::debug!(error = %e.message, "data plane reports not written"),
            }
        }
        let mut problems: Vec<String> = applied.errors.clone();
        problems.extend(
            applied
                .failed
                .iter()
                .map(|(id, why)| format!("task {id}: {why}")),
        );
        status.tasks.store(applied.up.len(), Ordering::SeqCst);
        status.in_sync.store(problems.is_empty(), Ordering::SeqCst);
        *status.last_error.lock().unwrap_or_else(|e| e.into_inner()) = problems.first().cloned();
        if problems.is_empty() {
            job.ok();
        } else {
            control
                .health
                .degraded(job.name, format!("out of sync: {}", problems.join("; ")));
        }
        // Wait for the next committed change (or the resync), then take
        // every change already queued: one pass covers them all.
        tokio::select! {
            r = feed.recv() => {
                if let Err(tokio::sync::broadcast::error::RecvError::Closed) = r {
                    return Ok(());
                }
            }
            _ = tokio::time::sleep(RESYNC) => {}
        }
        while let Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) =
            feed.try_recv()
        {}
    }
}

/// The id in a task's metadata endpoint URI (`/v4/<id>`): the task id and a
/// 10-digit suffix, as Fargate's look (aws-behavior §1.4).
pub fn metadata_endpoint_id(t: &model::ecs::types::Task) -> String {
    let first = t.containers.first().map(|c| c.name.as_str()).unwrap_or("");
    format!("{}-{}", t.id, model::ecs::lifecycle::runtime_suffix(first))
}

/// The id in a task's credentials URI (`/v2/credentials/<uuid>`): a UUID
/// derived from the task id, stable across restarts.
pub fn credentials_id(t: &model::ecs::types::Task) -> String {
    let a = model::services::fnv(&format!("credentials/{}", t.id));
    let b = model::services::fnv(&format!("{}/credentials", t.id));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}
