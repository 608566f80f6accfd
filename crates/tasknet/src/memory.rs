//! The process's memory: RSS for `/_tasknet/stats`, and giving memory back
//! to the system after a burst of large request bodies.

use crate::body::BodyBudget;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// (VmRSS, VmHWM) in bytes, from /proc/self/status; None where there is
/// no such file.
pub fn rss() -> (Option<u64>, Option<u64>) {
    let Ok(s) = std::fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    (status_kb(&s, "VmRSS:"), status_kb(&s, "VmHWM:"))
}

fn status_kb(status: &str, key: &str) -> Option<u64> {
    let v = status.lines().find_map(|l| l.strip_prefix(key))?;
    let kb: u64 = v.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kb * 1024)
}

/// A burst with at least this much body in flight at once is worth a trim.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_AFTER_BODY_PEAK: u64 = 4 * 1024 * 1024;

/// So is one with this many connections open at once (each holds buffers).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_AFTER_CONNECTION_PEAK: usize = 256;

/// glibc keeps freed memory in its arenas (the freed bodies, the parameters
/// and responses built from them, closed connections' buffers), so after a
/// burst RSS stays near the burst's peak. Once the body budget has drained
/// (or most of a connection burst has gone), `malloc_trim` hands the free
/// pages back. Checked once a second, and only after a large burst: a trim
/// walks every arena under its lock, which ordinary traffic should not pay
/// for.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub async fn trim_after_bursts(budget: Arc<BodyBudget>, connections: Arc<Gauge>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let bodies = budget
            .take_peak_if_drained()
            .is_some_and(|peak| peak >= TRIM_AFTER_BODY_PEAK);
        let conns = connections.take_peak_if_mostly_gone(TRIM_AFTER_CONNECTION_PEAK);
        if bodies || conns {
            let before = rss().0;
            let started = std::time::Instant::now();
            // SAFETY: malloc_trim only walks glibc's own arenas.
            let _ = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
            tracing::debug!(
                took_us = started.elapsed().as_micros() as u64,
                rss_before = before,
                rss_after = rss().0,
                "gave free memory back after a burst"
            );
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub async fn trim_after_bursts(_budget: Arc<BodyBudget>, _connections: Arc<Gauge>) {}

/// A count of things open now (connections) and its high-water mark.
#[derive(Default)]
pub struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    pub fn get(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    /// Counts one until the guard is dropped (also when a task panics).
    pub fn open(&self) -> GaugeGuard<'_> {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(n, Ordering::Relaxed);
        GaugeGuard(self)
    }

    /// True once, when the high-water mark was at least `min` and at most
    /// a quarter of it is still open; the mark then starts over from now.
    #[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
    fn take_peak_if_mostly_gone(&self, min: usize) -> bool {
        let (now, peak) = (self.get(), self.peak.load(Ordering::Relaxed));
        let gone = peak >= min && now * 4 <= peak;
        if gone {
            self.peak.store(now, Ordering::Relaxed);
        }
        gone
    }
}

pub struct GaugeGuard<'a>(&'a Gauge);

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let s = "Name:\ttasknet\nVmHWM:\t  541284 kB\nVmRSS:\t  135464 kB\n";
        assert_eq!(status_kb(s, "VmRSS:"), Some(135464 * 1024));
        assert_eq!(status_kb(s, "VmHWM:"), Some(541284 * 1024));
        assert_eq!(status_kb(s, "VmSwap:"), None);
    }

    #[test]
    fn gauge_peak() {
        let g = Gauge::default();
        let guards: Vec<_> = (0..8).map(|_| g.open()).collect();
        assert_eq!(g.get(), 8);
        assert!(!g.take_peak_if_mostly_gone(4));
        drop(guards);
        assert_eq!(g.get(), 0);
        assert!(g.take_peak_if_mostly_gone(4));
        assert!(!g.take_peak_if_mostly_gone(4));
        let _one = g.open();
        assert!(!g.take_peak_if_mostly_gone(4));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_own_rss() {
        let (rss, peak) = rss();
        assert!(rss.is_some_and(|r| r > 0));
        assert!(peak >= rss);
    }
}
