//! The control plane. It owns the world, runs each request as one transaction
//! against it, and answers only after the transaction's changes are durable.
//!
//! Writes: under the world lock the operation runs; if it fails, everything
//! it changed is rolled back (a request is all or nothing). Its changed
//! records are drained and queued to a single committer thread
//! (`committer`); the lock is released and the request waits until the
//! committer reports its batch durable. The committer groups every queued
//! batch into one SQLite transaction (group commit), so one fsync serves many
//! requests, and then publishes the batch on the change feed (`subscribe`),
//! in commit order, for whatever acts on committed state.
//!
//! Reads: run under a shared lock, and also wait until everything they could
//! have observed is durable, so no client ever sees state that a crash could
//! take back.
//!
//! When the store cannot be written (full or read-only disk), writes are
//! refused with a retryable 503 and change nothing; the world is put back to
//! what the store holds, reads go on, health says `degraded`, and the
//! `store` job tries a write every few seconds until one succeeds
//! (`recover`).
//!
//! The world lock is tokio's fair (first come, first served) lock: requests
//! and reconciler batches take turns in arrival order, and a request waiting
//! for it leaves its runtime thread free. With the standard lock the
//! reconciler, still running when it let go, usually took it straight back,
//! and requests queued behind several of its batches (RunTask p99 at 5,000/s
//! offered: 13-24 ms with it, 8-9 ms without).

mod committer;
pub mod jobs;
mod reconcile;

use committer::{Batch, Command, Durable};
use jobs::{Faults, Health};
use model::cloud::Cloud;
use model::ecs::Lifecycle;
use model::elb::ElbTiming;
use model::table::Change;
use model::{ApiError, Millis, World};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store::{SqliteStore, Store, StoreError, Write};
use tokio::sync::{broadcast, watch};

/// Tuning of the control plane, from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub account_id: String,
    pub default_region: String,
    /// How long each task lifecycle phase takes (N20).
    pub lifecycle: Lifecycle,
    /// How fast ELB time runs (health checks, draining, the service
    /// scheduler's AWS seconds): `ElbTiming::for_lifecycle` unless set.
    pub elb: ElbTiming,
}

/// What the change feed carries, in commit order.
#[derive(Debug)]
pub enum Committed {
    /// Batches up to `seq` are durable; these are their changes, in order.
    Changes { seq: u64, changes: Vec<Change> },
    /// The world was put back to what the store holds (after a failed
    /// write): whatever a follower derived must be derived again.
    Reloaded,
}

struct Queue {
    /// Sequence number of the last batch handed to the committer.
    submitted: u64,
    /// Bumped at each reload; older batches are dropped.
    generation: u64,
    tx: Option<std::sync::mpsc::Sender<Command>>,
}

pub struct Control {
    /// Every account's world. Fair: see the module comment.
    world: tokio::sync::RwLock<Cloud>,
    queue: Mutex<Queue>,
    durable: watch::Receiver<Durable>,
    committer: Mutex<Option<JoinHandle<()>>>,
    feed: broadcast::Sender<Arc<Committed>>,
    /// Problems of the store and of background jobs (`/_tasknet/health`).
    pub health: Arc<Health>,
    /// Faults tests inject into background jobs (`--fault-injection`).
    pub faults: Faults,
    pub settings: Settings,
    /// Wakes the reconciler before its next poll (`wake_reconciler`).
    reconciler_wake: tokio::sync::Notify,
    /// When the reconciler looks next (ms since the epoch; `i64::MAX`
    /// while it is looking): a write that makes something due earlier
    /// wakes it (`apply`), so a task run with a phase of 0 ms does not
    /// wait for the next poll.
    reconciler_next: std::sync::atomic::AtomicI64,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("corrupt state: {0}")]
    Corrupt(String),
}

pub fn now() -> Millis {
    Millis(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    )
}

/// The store rows of one change: a record's fixed row (if written) before
/// its main row.
fn to_writes(c: &Change, out: &mut Vec<Write>) {
    match c {
        Change::Wipe => out.push(Write::Wipe),
        Change::Put {
            kind,
            region,
            seq,
            body,
        } => {
            for row in body.rows(kind) {
                out.push(Write::Put {
                    kind: row.kind,
                    region: region.clone(),
                    seq: *seq,
                    body: row.bytes,
                    lasting: row.lasting,
                });
            }
        }
        Change::Delete {
            kind, region, seq, ..
        } => out.push(Write::Delete {
            kind,
            region: region.clone(),
            seq: *seq,
        }),
    }
}

/// The store writes of drained changes, as the committer commits them.
pub fn to_store(changes: &[Change]) -> Vec<Write> {
    let mut out = Vec::with_capacity(changes.len() + 1);
    for c in changes {
        to_writes(c, &mut out);
    }
    out
}

/// Writes cannot be made durable right now; nothing was changed.
fn unavailable(reason: &str) -> ApiError {
    ApiError::unavailable(format!(
        "tasknet cannot write its state right now ({reason}); the request was not applied. Retry later."
    ))
}

impl Control {
    /// Open the state in `data_dir` (created fresh if empty) and start the committer.
    pub fn open(data_dir: &Path, settings: Settings) -> Result<Self, StartError> {
        Self::start(Box::new(SqliteStore::open(data_dir)?), settings)
    }

    /// Start on any store (tests use an in-memory SQLite). A store that
    /// loads but cannot be written starts degraded: reads are served.
    pub fn start(mut store: Box<dyn Store>, settings: Settings) -> Result<Self, StartError> {
        let now = now();
        let seed = fastrand_seed();
        let rows = store.load()?;
        let mut world = if rows.is_empty() {
            tracing::info!("fresh state: creating every Region's default VPC");
            Cloud::new(&settings.account_id, seed, now)
        } else {
            let n = rows.len();
            let w = Cloud::load(
                &settings.account_id,
                seed,
                now,
                rows.into_iter().map(|r| (r.kind, r.region, r.seq, r.body)),
            )
            .map_err(StartError::Corrupt)?;
            tracing::info!(records = n, "state restored");
            w
        };
        let initial = to_store(&world.drain_changes());
        if !initial.is_empty() {
            store.commit(&initial)?;
        }
        let mut failed = None;
        match store.get_meta("account_id") {
            Ok(Some(prev)) if prev == settings.account_id => {}
            Ok(prev) => {
                if let Some(prev) = prev {
                    tracing::warn!(previous = %prev, now = %settings.account_id, "default account id changed; the stored default account's ARNs and owner ids now use the new one");
                }
                if let Err(e) = store.set_meta("account_id", &settings.account_id) {
                    failed = Some(e.to_string());
                }
            }
            Err(e) => failed = Some(e.to_string()),
        }
        if failed.is_none() {
            // A trial write: a store that cannot take one starts degraded.
            if let Err(e) = store.probe() {
                failed = Some(e.to_string());
            }
        }
        let health = Arc::new(Health::default());
        let durable = Durable {
            seq: 0,
            failed: failed.map(|e| {
                let reason = format!("cannot write the state: {e}");
                tracing::error!(%reason, "starting read-only");
                health.degraded(
                    "store",
                    format!("{reason}; reads are served, writes refused"),
                );
                Arc::from(reason)
            }),
        };

        let (tx, rx) = std::sync::mpsc::channel::<Command>();
        let (dtx, drx) = watch::channel(durable);
        let (feed, _) = broadcast::channel(1024);
        let feed_tx = feed.clone();
        let handle = std::thread::Builder::new()
            .name("committer".into())
            .spawn(move || committer::run(store, rx, dtx, feed_tx))
            .map_err(|e| StartError::Corrupt(format!("cannot start committer: {e}")))?;
        Ok(Control {
            world: tokio::sync::RwLock::new(world),
            queue: Mutex::new(Queue {
                submitted: 0,
                generation: 0,
                tx: Some(tx),
            }),
            durable: drx,
            committer: Mutex::new(Some(handle)),
            feed,
            health,
            faults: Faults::default(),
            settings,
            reconciler_wake: tokio::sync::Notify::new(),
            reconciler_next: std::sync::atomic::AtomicI64::new(i64::MAX),
        })
    }

    /// A write outside the API made a transition due now (the data plane
    /// reporting a task's network up): the reconciler looks at once instead
    /// of at its next poll.
    pub fn wake_reconciler(&self) {
        self.reconciler_wake.notify_one();
    }

    /// Wake the reconciler if `due` comes before its next look.
    fn wake_reconciler_by(&self, due: Option<Millis>) {
        use std::sync::atomic::Ordering;
        let Some(due) = due else {
            return;
        };
        if due.0 < self.reconciler_next.fetch_min(due.0, Ordering::SeqCst) {
            self.reconciler_wake.notify_one();
        }
    }

    /// The reconciler's next look (`i64::MAX`: looking now).
    pub(crate) fn set_reconciler_next(&self, at: i64) {
        self.reconciler_next
            .store(at, std::sync::atomic::Ordering::SeqCst);
    }

    /// Committed changes, in commit order, from now on. A follower that
    /// lags more than 1,024 batches behind gets `RecvError::Lagged` and must
    /// derive its view from the world again, as after `Committed::Reloaded`.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Committed>> {
        self.feed.subscribe()
    }

    /// Why writes are refused, if they are.
    pub fn write_refused(&self) -> Option<Arc<str>> {
        self.durable.borrow().failed.clone()
    }

    /// Run a mutating operation in `account` as one transaction; answer
    /// once it is durable. An operation that fails changes nothing: every
    /// change it made is rolled back.
    pub async fn write<R>(
        &self,
        account: &str,
        f: impl FnOnce(&mut World, Millis) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        self.write_cloud(move |c, now| f(c.account_mut(account, now), now))
            .await
    }

    /// `write` over every account (admin operations such as reset).
    pub async fn write_cloud<R>(
        &self,
        f: impl FnOnce(&mut Cloud, Millis) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let (result, seq) = self.apply(f).await?;
        if let Some(seq) = seq {
            self.wait_durable(seq).await?;
        }
        result
    }

    /// Run an operation under the world lock and queue its changes for the
    /// committer, without waiting for them to be durable. Returns the
    /// operation's result and the batch sequence number, if anything changed.
    async fn apply<R>(
        &self,
        f: impl FnOnce(&mut Cloud, Millis) -> Result<R, ApiError>,
    ) -> Result<(Result<R, ApiError>, Option<u64>), ApiError> {
        let (result, changes, seq) = {
            let mut w = self.world.write().await;
            if let Some(reason) = self.write_refused() {
                return Err(unavailable(&reason));
            }
            // A panic in an operation is a bug, but it must not leave the
            // world half changed for the next operation to persist: it is
            // caught here (under the lock) and treated as a failure.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut w, now())))
                .unwrap_or_else(|p| {
                    let what = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    tracing::error!(panic = %what, "an operation panicked; its changes are rolled back");
                    Err(ApiError::new(
                        "InternalFailure",
                        "An internal error has occurred: tasknet failed while handling this request; nothing was changed.",
                    )
                    .with_status(500))
                });
            if result.is_err() {
                // All or nothing: a failed operation leaves no trace.
                w.rollback();
            }
            let changes = w.drain_changes();
            if !changes.is_empty() {
                self.wake_reconciler_by(w.next_due());
            }
            // The batch's place in the commit order is taken under the lock,
            // so batch order is mutation order.
            let seq = (!changes.is_empty()).then(|| self.reserve());
            (result, changes, seq)
        };
        // Encoded after the lock is released. Nothing may await between the
        // reservation and the send: a cancelled request would leave a gap
        // that the committer waits for forever.
        if let Some((seq, generation)) = seq {
            let writes = to_store(&changes);
            self.send(Command::Batch(Batch {
                seq,
                generation,
                writes,
                changes,
            }))?;
            return Ok((result, Some(seq)));
        }
        Ok((result, None))
    }

    /// Run a read-only operation in `account`; answer once everything it
    /// saw is durable. An account never seen before is created first (its
    /// default VPCs are what a read sees).
    pub async fn read<R>(&self, account: &str, f: impl FnOnce(&World) -> R) -> Result<R, ApiError> {
        let exists = self.world.read().await.account(account).is_some();
        if !exists {
            self.write(account, |_, _| Ok(())).await?;
        }
        self.read_cloud(move |c| match c.account(account) {
            Some(w) => Ok(f(w)),
            None => Err(ApiError::new("InternalFailure", "the account vanished").with_status(500)),
        })
        .await?
    }

    /// `read` over every account (admin views).
    pub async fn read_cloud<R>(&self, f: impl FnOnce(&Cloud) -> R) -> Result<R, ApiError> {
        let (r, seq) = {
            let w = self.world.read().await;
            let r = f(&w);
            let seq = self.lock_queue().submitted;
            (r, seq)
        };
        self.wait_durable(seq).await?;
        Ok(r)
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next batch's (sequence number, generation). Called with the
    /// world write lock held.
    fn reserve(&self) -> (u64, u64) {
        let mut q = self.lock_queue();
        q.submitted += 1;
        (q.submitted, q.generation)
    }

    /// Hand a command to the committer (which commits batches in sequence
    /// order whatever order they arrive in).
    fn send(&self, cmd: Command) -> Result<(), ApiError> {
        let q = self.lock_queue();
        match &q.tx {
            Some(tx) if tx.send(cmd).is_ok() => Ok(()),
            _ => Err(unavailable("tasknet is shutting down")),
        }
    }

    async fn wait_durable(&self, seq: u64) -> Result<(), ApiError> {
        let mut rx = self.durable.clone();
        let d = match rx.wait_for(|d| d.seq >= seq || d.failed.is_some()).await {
            Ok(d) => d.clone(),
            Err(_) => return Err(unavailable("tasknet is shutting down")),
        };
        match d.failed {
            _ if d.seq >= seq => Ok(()),
            Some(reason) => Err(unavailable(&reason)),
            None => Ok(()),
        }
    }

    /// Put the world back to what the store holds after a failed write:
    /// under the world lock, the committer forgets queued batches and reads
    /// the store back, and the world is loaded from it.
    async fn reload(&self) -> Result<(), String> {
        let mut w = self.world.write().await;
        let generation = {
            let mut q = self.lock_queue();
            q.generation += 1;
            q.generation
        };
        let (reply, rows) = tokio::sync::oneshot::channel();
        self.send(Command::Reload { generation, reply })
            .map_err(|e| e.message)?;
        // The committer answers after one read of the store.
        let rows = rows
            .await
            .map_err(|_| "the committer stopped".to_string())??;
        let fresh = Cloud::load(
            &self.settings.account_id,
            fastrand_seed(),
            now(),
            rows.into_iter().map(|r| (r.kind, r.region, r.seq, r.body)),
        )?;
        // Anything the load had to add (a Region the store never held)
        // stays pending and goes with the next write.
        *w = fresh;
        self.lock_queue().submitted = self.durable.borrow().seq;
        let _ = self.feed.send(Arc::new(Committed::Reloaded));
        Ok(())
    }

    /// A trial write through the committer.
    async fn probe(&self) -> Result<(), String> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.send(Command::Probe { reply }).map_err(|e| e.message)?;
        rx.await.map_err(|_| "the committer stopped".to_string())?
    }

    /// The `store` job: when writes fail, reload the world from the store
    /// and try a write every few seconds until one works.
    pub async fn recover(self: Arc<Self>, job: jobs::Job) -> Result<(), String> {
        let mut rx = self.durable.clone();
        loop {
            let reason = match rx.wait_for(|d| d.failed.is_some()).await {
                Ok(d) => d.failed.clone().unwrap_or_else(|| "".into()),
                Err(_) => return Ok(()),
            };
            self.health.degraded(
                job.name,
                format!("{reason}; reads are served, writes refused"),
            );
            self.reload().await?;
            let mut wait = Duration::from_millis(250);
            loop {
                tokio::time::sleep(wait).await;
                match self.probe().await {
                    Ok(()) => break,
                    Err(e) => {
                        tracing::debug!(error = %e, "the store still cannot be written");
                        wait = (wait * 2).min(Duration::from_secs(2));
                    }
                }
            }
            tracing::info!("the store can be written again; accepting writes");
            job.ok();
        }
    }

    /// Start the background jobs (the task lifecycle, the store's recovery)
    /// under supervision. Abort the handles to stop them.
    pub fn start_jobs(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        let c = self.clone();
        let reconciler = jobs::supervise("reconciler", self.health.clone(), move |job| {
            Box::pin(c.clone().reconcile(job))
        });
        let c = self.clone();
        let store = jobs::supervise("store", self.health.clone(), move |job| {
            Box::pin(c.clone().recover(job))
        });
        vec![reconciler, store]
    }

    /// Stop accepting writes, let the committer flush, and wait for it.
    pub fn shutdown(&self) {
        self.lock_queue().tx = None;
        if let Some(h) = self
            .committer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = h.join();
        }
    }
}

fn fastrand_seed() -> u64 {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ (std::process::id() as u64).rotate_left(32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            account_id: "123456789012".into(),
            default_region: "us-east-1".into(),
            lifecycle: Lifecycle::fast(),
            elb: ElbTiming::fast(),
        }
    }

    #[tokio::test]
    async fn writes_are_durable_and_reads_see_them() {
        let c = Control::start(Box::new(SqliteStore::in_memory().unwrap()), settings()).unwrap();
        let id = c
            .write("123456789012", |w, now| {
                let r = w.region_mut("eu-west-1")?;
                r.create_vpc(
                    model::ec2::vpc::CreateVpc {
                        cidr_block: Some("10.0.0.0/16".into()),
                        ..Default::default()
                    },
                    now,
                )
            })
            .await
            .unwrap();
        let found = c
            .read("123456789012", |w| {
                w.region("eu-west-1")
                    .map(|r| r.vpcs.contains(&id))
                    .unwrap_or(false)
            })
            .await
            .unwrap();
        assert!(found);
        c.shutdown();
    }

    #[tokio::test]
    async fn an_operation_that_panics_changes_nothing() {
        let c = Control::start(Box::new(SqliteStore::in_memory().unwrap()), settings()).unwrap();
        let before = c.read_cloud(|w| w.fingerprint()).await.unwrap();
        let r: Result<String, ApiError> = c
            .write("123456789012", |w, now| {
                w.region_mut("eu-west-1")?.create_vpc(
                    model::ec2::vpc::CreateVpc {
                        cidr_block: Some("10.0.0.0/16".into()),
                        ..Default::default()
                    },
                    now,
                )?;
                panic!("a bug after a change");
            })
            .await;
        let e = r.unwrap_err();
        assert_eq!((e.code.as_ref(), e.status), ("InternalFailure", 500));
        assert_eq!(c.read_cloud(|w| w.fingerprint()).await.unwrap(), before);
        // The world lock is free and later writes work.
        c.write("123456789012", |w, now| {
            w.region_mut("eu-west-1")?.create_vpc(
                model::ec2::vpc::CreateVpc {
                    cidr_block: Some("10.1.0.0/16".into()),
                    ..Default::default()
                },
                now,
            )
        })
        .await
        .unwrap();
        c.shutdown();
    }

    #[tokio::test]
    async fn state_survives_restart() {
        let dir = std::env::temp_dir().join(format!("tasknet-control-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let id = {
            let c = Control::open(&dir, settings()).unwrap();
            let id = c
                .write("123456789012", |w, now| {
                    w.region_mut("us-east-1")?.create_vpc(
                        model::ec2::vpc::CreateVpc {
                            cidr_block: Some("10.9.0.0/16".into()),
                            ..Default::default()
                        },
                        now,
                    )
                })
                .await
                .unwrap();
            c.shutdown();
            id
        };
        let c = Control::open(&dir, settings()).unwrap();
        let n = c
            .read("123456789012", |w| {
                w.region("us-east-1").map(|r| r.vpcs.len()).unwrap_or(0)
            })
            .await
            .unwrap();
        assert_eq!(n, 2, "default VPC plus the one created");
        assert!(c
            .read("123456789012", |w| {
                w.region("us-east-1").unwrap().vpcs.contains(&id)
            })
            .await
            .unwrap());
        c.shutdown();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
