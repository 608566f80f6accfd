//! The `reconciler` job: drives task lifecycles (N20) forever.

use crate::jobs::Job;
use crate::{now, Control};
use std::sync::Arc;
use std::time::Duration;

impl Control {
    /// Due transitions are applied in small transactions so that API
    /// requests get the world lock between them; the reconciler waits for
    /// its own commits only to keep at most `IN_FLIGHT` of them queued (the
    /// commit queue keeps them in order). While the store cannot be written
    /// it waits: the `store` job reports that.
    pub async fn reconcile(self: Arc<Self>, job: Job) -> Result<(), String> {
        // Batches small enough that lock holds and commits stay short, and
        // large enough that the lifecycle keeps pace with the request load
        // (tasknet-load reports the overdue transitions after a run).
        const BATCH: usize = 32;
        // At most this many reconciler batches in the commit queue: commits
        // stay small, so requests queued behind them are answered quickly.
        const IN_FLIGHT: usize = 2;
        let lc = self.settings.lifecycle;
        let elb = self.settings.elb;
        let mut last_sweep = now();
        let mut in_flight: std::collections::VecDeque<u64> = std::collections::VecDeque::new();
        let mut healthy = false;
        loop {
            self.faults.check(job.name)?;
            if self.write_refused().is_some() {
                in_flight.clear();
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            if in_flight.len() >= IN_FLIGHT {
                if let Some(seq) = in_flight.pop_front() {
                    // A failed commit is the store job's to report.
                    let _ = self.wait_durable(seq).await;
                }
            }
            let sweep = now().0 - last_sweep.0 > 10_000;
            if sweep {
                last_sweep = now();
            }
            let t0 = std::time::Instant::now();
            let r = self
                .apply(move |w, now| {
                    let mut moved = w.advance_tasks(now, &lc, BATCH);
                    // Services look at their tasks after the tasks moved.
                    moved += w.run_services(now, &lc, &elb, BATCH.saturating_sub(moved).max(1));
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
                // Refused: the store cannot be written; wait above.
                Err(_) => continue,
                Ok((Err(e), _)) => return Err(format!("{}: {}", e.code, e.message)),
            };
            if !healthy {
                job.ok();
                healthy = true;
            }
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
            self.set_reconciler_next(t.0 + wait);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                _ = self.reconciler_wake.notified() => {}
            }
            self.set_reconciler_next(i64::MAX);
        }
    }
}
