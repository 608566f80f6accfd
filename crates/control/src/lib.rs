//! The control plane. It owns the world, runs each request as one transaction
//! against it, and answers only after the transaction's changes are durable.
//!
//! Writes: under the world lock the operation runs and its changed records are
//! drained and queued to a single committer thread; the lock is released and the
//! request waits until the committer reports its batch durable. The committer
//! groups every queued batch into one SQLite transaction (group commit), so one
//! fsync serves many requests.
//!
//! Reads: run under a shared lock, and also wait until everything they could
//! have observed is durable, so no client ever sees state that a crash could
//! take back.
//!
//! The world lock is tokio's fair (first come, first served) lock: requests
//! and reconciler batches take turns in arrival order, and a request waiting
//! for it leaves its runtime thread free. With the standard lock the
//! reconciler, still running when it let go, usually took it straight back,
//! and requests queued behind several of its batches (RunTask p99 at 5,000/s
//! offered: 13-24 ms with it, 8-9 ms without).

use model::cloud::Cloud;
use model::ecs::Lifecycle;
use model::table::Change;
use model::{ApiError, Millis, World};
use std::path::Path;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};
use store::{SqliteStore, Store, StoreError, Write};
use tokio::sync::watch;

/// Tuning of the control plane, from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub account_id: String,
    pub default_region: String,
    /// How long each task lifecycle phase takes (N20).
    pub lifecycle: Lifecycle,
}

/// Progress of the committer: batches durable so far, and whether it failed.
#[derive(Debug, Clone, Copy, Default)]
struct Durable {
    seq: u64,
    failed: bool,
}

struct Batch {
    seq: u64,
    writes: Vec<Write>,
}

struct Queue {
    /// Sequence number of the last batch handed to the committer.
    submitted: u64,
    tx: Option<std::sync::mpsc::Sender<Batch>>,
}

pub struct Control {
    /// Every account's world. Fair: see the module comment.
    world: tokio::sync::RwLock<Cloud>,
    queue: Mutex<Queue>,
    durable: watch::Receiver<Durable>,
    committer: Mutex<Option<JoinHandle<()>>>,
    pub settings: Settings,
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
fn to_writes(c: Change, out: &mut Vec<Write>) {
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
                    seq,
                    body: row.bytes,
                    lasting: row.lasting,
                });
            }
        }
        Change::Delete { kind, region, seq } => out.push(Write::Delete { kind, region, seq }),
    }
}

/// The store writes of drained changes, as the committer commits them.
pub fn to_store(changes: Vec<Change>) -> Vec<Write> {
    let mut out = Vec::with_capacity(changes.len() + 1);
    for c in changes {
        to_writes(c, &mut out);
    }
    out
}

fn persist_failed() -> ApiError {
    ApiError::new(
        "ServiceUnavailable",
        "tasknet could not persist its state; see its log.",
    )
    .with_status(503)
}

impl Control {
    /// Open the state in `data_dir` (created fresh if empty) and start the committer.
    pub fn open(data_dir: &Path, settings: Settings) -> Result<Self, StartError> {
        Self::start(Box::new(SqliteStore::open(data_dir)?), settings)
    }

    /// Start on any store (tests use an in-memory SQLite).
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
        let initial = to_store(world.drain_changes());
        if !initial.is_empty() {
            store.commit(&initial)?;
        }
        if let Some(prev) = store.get_meta("account_id")? {
            if prev != settings.account_id {
                tracing::warn!(previous = %prev, now = %settings.account_id, "account id changed; ARNs and owner ids now use the new one");
            }
        }
        store.set_meta("account_id", &settings.account_id)?;

        let (tx, rx) = std::sync::mpsc::channel::<Batch>();
        let (dtx, drx) = watch::channel(Durable::default());
        let handle = std::thread::Builder::new()
            .name("committer".into())
            .spawn(move || committer(store, rx, dtx))
            .map_err(|e| StartError::Corrupt(format!("cannot start committer: {e}")))?;
        Ok(Control {
            world: tokio::sync::RwLock::new(world),
            queue: Mutex::new(Queue {
                submitted: 0,
                tx: Some(tx),
            }),
            durable: drx,
            committer: Mutex::new(Some(handle)),
            settings,
        })
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
            let result = f(&mut w, now());
            if result.is_err() {
                // All or nothing: a failed operation leaves no trace.
                w.rollback();
            }
            let changes = w.drain_changes();
            // The batch's place in the commit order is taken under the lock,
            // so batch order is mutation order.
            let seq = (!changes.is_empty()).then(|| self.reserve());
            (result, changes, seq)
        };
        // Encoded after the lock is released. Nothing may await between the
        // reservation and the send: a cancelled request would leave a gap
        // that the committer waits for forever.
        if let Some(seq) = seq {
            self.submit(seq, to_store(changes))?;
        }
        Ok((result, seq))
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
            let seq = self
                .queue
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .submitted;
            (r, seq)
        };
        self.wait_durable(seq).await?;
        Ok(r)
    }

    /// The next batch's sequence number. Called with the world write lock held.
    fn reserve(&self) -> u64 {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.submitted += 1;
        q.submitted
    }

    /// Hand batch `seq` to the committer, which commits batches in sequence
    /// order whatever order they arrive in.
    fn submit(&self, seq: u64, writes: Vec<Write>) -> Result<(), ApiError> {
        let q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        match &q.tx {
            Some(tx) if tx.send(Batch { seq, writes }).is_ok() => Ok(()),
            _ => Err(persist_failed()),
        }
    }

    async fn wait_durable(&self, seq: u64) -> Result<(), ApiError> {
        let d = *self.durable.borrow();
        if d.seq >= seq {
            return Ok(());
        }
        if d.failed {
            return Err(persist_failed());
        }
        let mut rx = self.durable.clone();
        let ok = match rx.wait_for(|d| d.seq >= seq || d.failed).await {
            Ok(d) => d.seq >= seq,
            Err(_) => false,
        };
        if ok {
            Ok(())
        } else {
            Err(persist_failed())
        }
    }

    /// Drive task lifecycles (N20) forever. Due transitions are applied in
    /// small transactions so that API requests get the world lock between
    /// them; the reconciler waits for its own commits only to keep at most
    /// `IN_FLIGHT` of them queued (the commit queue keeps them in order).
    pub async fn reconcile(self: std::sync::Arc<Self>) {
        // Batches small enough that lock holds and commits stay short, and
        // large enough that the lifecycle keeps pace with the request load
        // (tasknet-load reports the overdue transitions after a run).
        const BATCH: usize = 32;
        // At most this many reconciler batches in the commit queue: commits
        // stay small, so requests queued behind them are answered quickly.
        const IN_FLIGHT: usize = 2;
        let lc = self.settings.lifecycle;
        let mut last_sweep = now();
        let mut in_flight: std::collections::VecDeque<u64> = std::collections::VecDeque::new();
        loop {
            if in_flight.len() >= IN_FLIGHT {
                let Some(seq) = in_flight.pop_front() else {
                    continue;
                };
                if let Err(e) = self.wait_durable(seq).await {
                    tracing::error!(error = %e, "reconciler stopped");
                    return;
                }
            }
            let sweep = now().0 - last_sweep.0 > 10_000;
            if sweep {
                last_sweep = now();
            }
            let t0 = std::time::Instant::now();
            let r = self
                .apply(move |w, now| {
                    let moved = w.advance_tasks(now, &lc, BATCH);
                    if sweep {
                        w.sweep(now);
                    }
                    Ok((moved >= BATCH, w.next_due()))
                })
                .await;
            tracing::trace!(micros = t0.elapsed().as_micros() as u64, "reconcile batch");
            let (more, next) = match r {
                Ok((Ok(x), seq)) => {
                    in_flight.extend(seq);
                    x
                }
                Ok((Err(e), _)) | Err(e) => {
                    tracing::error!(error = %e, "reconciler stopped");
                    return;
                }
            };
            if more {
                tokio::task::yield_now().await;
                continue;
            }
            let t = now();
            let wait = match next {
                Some(due) if due <= t => 1,
                Some(due) => (due.0 - t.0).clamp(1, 25),
                None => 25,
            };
            tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
        }
    }

    /// Stop accepting writes, let the committer flush, and wait for it.
    pub fn shutdown(&self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).tx = None;
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

/// The committer thread: take every queued batch, commit them as one
/// transaction, then report the highest sequence number durable.
fn committer(
    mut store: Box<dyn Store>,
    rx: std::sync::mpsc::Receiver<Batch>,
    durable: watch::Sender<Durable>,
) {
    let mut failed = false;
    // Batches that arrived ahead of an earlier one still being encoded.
    let mut early: std::collections::BTreeMap<u64, Vec<Write>> = Default::default();
    let mut next = 1 + durable.borrow().seq;
    loop {
        if !early.contains_key(&next) {
            match rx.recv() {
                Ok(b) => early.insert(b.seq, b.writes),
                Err(_) => break,
            };
        }
        while let Ok(b) = rx.try_recv() {
            early.insert(b.seq, b.writes);
        }
        // Everything ready in sequence order, as one transaction.
        let first = next;
        let mut writes = Vec::new();
        while writes.len() < 50_000 {
            match early.remove(&next) {
                Some(w) => {
                    writes.extend(w);
                    next += 1;
                }
                None => break,
            }
        }
        if next == first || failed {
            continue;
        }
        let last = next - 1;
        let started = std::time::Instant::now();
        match store.commit(&writes) {
            Ok(()) => {
                tracing::debug!(
                    rows = writes.len(),
                    micros = started.elapsed().as_micros() as u64,
                    "committed"
                );
                durable.send_modify(|d| d.seq = last);
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed; refusing further writes");
                failed = true;
                durable.send_modify(|d| d.failed = true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            account_id: "123456789012".into(),
            default_region: "us-east-1".into(),
            lifecycle: Lifecycle::fast(),
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
