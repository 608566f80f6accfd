//! The committer thread: the one owner of the store. It commits batches in
//! sequence order, many in one transaction (group commit), reports how far
//! the durable state reaches, and publishes what each commit made durable
//! on the change feed.
//!
//! When a commit fails (a full or read-only disk, an I/O error) nothing of
//! that batch or any later one is durable. The committer then refuses
//! batches until the control plane has put the world back to what the store
//! holds (`Command::Reload`) and a trial write succeeds (`Command::Probe`).

use crate::Committed;
use model::table::Change;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use store::{Row, Store, Write};
use tokio::sync::oneshot::Sender;
use tokio::sync::{broadcast, watch};

/// How far the durable state reaches, and whether writing is failing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Durable {
    /// Every batch up to this one is durable.
    pub seq: u64,
    /// Why writes fail, while they do.
    pub failed: Option<Arc<str>>,
}

pub(crate) struct Batch {
    pub seq: u64,
    /// Batches of an earlier generation (before a reload) are dropped.
    pub generation: u64,
    pub writes: Vec<Write>,
    /// The same changes, typed, for the feed.
    pub changes: Vec<Change>,
}

pub(crate) enum Command {
    Batch(Batch),
    /// Forget queued batches and read the durable state back; later batches
    /// carry `generation`.
    Reload {
        generation: u64,
        reply: Sender<Result<Vec<Row>, String>>,
    },
    /// Try a small write; on success, accept batches again.
    Probe {
        reply: Sender<Result<(), String>>,
    },
}

pub(crate) fn run(
    mut store: Box<dyn Store>,
    rx: Receiver<Command>,
    durable: watch::Sender<Durable>,
    feed: broadcast::Sender<Arc<Committed>>,
) {
    let mut generation = 0u64;
    // Batches that arrived ahead of an earlier one still being encoded.
    let mut early: std::collections::BTreeMap<u64, Batch> = Default::default();
    let mut next = 1 + durable.borrow().seq;
    let failing = |d: &watch::Sender<Durable>| d.borrow().failed.is_some();
    // Commands other than batches, handled in arrival order once the
    // batches queued before them are committed.
    let mut later: std::collections::VecDeque<Command> = Default::default();
    loop {
        // Wait for the next batch in order (or another command), then take
        // everything else already queued: one transaction for all of it is
        // the group commit that lets one fsync serve many requests.
        if !early.contains_key(&next) && later.is_empty() {
            let Ok(cmd) = rx.recv() else { break };
            later.push_back(cmd);
        }
        while let Ok(cmd) = rx.try_recv() {
            later.push_back(cmd);
        }
        while let Some(cmd) = later.pop_front() {
            match cmd {
                Command::Batch(b) => {
                    if b.generation == generation && !failing(&durable) {
                        early.insert(b.seq, b);
                    }
                }
                other => {
                    // Commit what is ready first: a reload or probe acts
                    // on the store as it stands after the earlier batches.
                    later.push_front(other);
                    break;
                }
            }
        }
        if !early.contains_key(&next) {
            match later.pop_front() {
                Some(Command::Reload {
                    generation: g,
                    reply,
                }) => {
                    generation = g;
                    early.clear();
                    next = durable.borrow().seq + 1;
                    let _ = reply.send(store.load().map_err(|e| e.to_string()));
                }
                Some(Command::Probe { reply }) => {
                    let r = store.probe().map_err(|e| e.to_string());
                    if r.is_ok() {
                        durable.send_modify(|d| d.failed = None);
                    }
                    let _ = reply.send(r);
                }
                Some(Command::Batch(b)) => later.push_front(Command::Batch(b)),
                None => {}
            }
            continue;
        }
        // Everything ready in sequence order, as one transaction.
        let mut writes = Vec::new();
        let mut changes = Vec::new();
        while writes.len() < 50_000 {
            match early.remove(&next) {
                Some(b) => {
                    writes.extend(b.writes);
                    changes.extend(b.changes);
                    next += 1;
                }
                None => break,
            }
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
                // Nobody listening is fine.
                let _ = feed.send(Arc::new(Committed::Changes { seq: last, changes }));
            }
            Err(e) => {
                let reason: Arc<str> = format!("cannot write the state: {e}").into();
                tracing::error!(error = %e, "commit failed; writes are refused until the store can be written again");
                early.clear();
                durable.send_modify(|d| d.failed = Some(reason));
            }
        }
    }
}
