//! Reading request bodies within limits: a per-request size limit, a time
//! limit for the whole body, and a global budget of body bytes held in
//! memory across all connections, reserved as the body arrives (for a body
//! of known length, the rest of it once it is past a small prefix).

use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

pub struct BodyLimits {
    pub max_bytes: u64,
    pub timeout: Duration,
    pub budget_wait: Duration,
}

/// The first bytes of every body never wait for the budget (they still
/// count in it). Requests from SDKs are a few KiB, so a burst of large
/// bodies that fills the budget does not hold up ordinary calls; what this
/// lets past the budget is at most this much per connection, the size of
/// hyper's read buffer (serve.rs) that every connection may hold anyway.
pub const UNBUDGETED_PREFIX: u64 = 64 * 1024;

/// The global budget of body bytes in memory.
pub struct BodyBudget {
    total: u64,
    in_flight: AtomicU64,
    /// Woken when bytes are released.
    room: Notify,
    /// The most bytes in flight since the last look (memory.rs).
    peak: AtomicU64,
}

/// Bytes held for one request's body; given back when dropped.
pub struct Reservation<'a> {
    budget: &'a BodyBudget,
    bytes: u64,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.budget
                .in_flight
                .fetch_sub(self.bytes, Ordering::SeqCst);
            self.budget.room.notify_waiters();
        }
    }
}

impl BodyBudget {
    pub fn new(total: u64) -> Self {
        BodyBudget {
            total,
            in_flight: AtomicU64::new(0),
            room: Notify::new(),
            peak: AtomicU64::new(0),
        }
    }

    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The peak in flight since the last call, if nothing is in flight now.
    pub fn take_peak_if_drained(&self) -> Option<u64> {
        (self.in_flight() == 0).then(|| self.peak.swap(0, Ordering::Relaxed))
    }

    fn try_take(&self, n: u64) -> bool {
        self.in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                (cur + n <= self.total).then_some(cur + n)
            })
            .is_ok()
    }

    /// Take `n` bytes into `r`, waiting until `until` for room; or, with
    /// `force`, at once whatever the room.
    async fn take(&self, r: &mut Reservation<'_>, n: u64, force: bool, until: Instant) -> bool {
        if force {
            self.in_flight.fetch_add(n, Ordering::SeqCst);
        } else {
            loop {
                // Registered before the check, so a release in between is
                // not missed.
                let room = self.room.notified();
                tokio::pin!(room);
                room.as_mut().enable();
                if self.try_take(n) {
                    break;
                }
                if tokio::time::timeout_at(until, room).await.is_err() {
                    return false;
                }
            }
        }
        r.bytes += n;
        self.peak.fetch_max(self.in_flight(), Ordering::Relaxed);
        true
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Over the per-request limit.
    TooLarge,
    /// Not all there within the body timeout.
    Timeout,
    /// No room in the global budget within the wait.
    Busy,
    /// The client broke off (or sent a malformed chunked body).
    Broken,
}

/// Read the whole body, reserving budget for each chunk before keeping it.
pub async fn read<'a>(
    mut body: Incoming,
    limits: &BodyLimits,
    budget: &'a BodyBudget,
) -> Result<(Vec<u8>, Reservation<'a>), BodyError> {
    let deadline = Instant::now() + limits.timeout;
    let mut wait_left = limits.budget_wait;
    let declared = body.size_hint().exact();
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return Err(BodyError::TooLarge);
    }
    let mut held = Reservation { budget, bytes: 0 };
    // Grown as bytes arrive, not sized by Content-Length up front: glibc
    // hands out 1 MB blocks from memory already touched, so a buffer sized
    // for a body that has not arrived (or never will) costs its full size.
    let mut buf = Vec::new();
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(f))) => f,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let n = data.len() as u64;
        if buf.len() as u64 + n > limits.max_bytes {
            return Err(BodyError::TooLarge);
        }
        let after = buf.len() as u64 + n;
        let (want, force) = if after <= UNBUDGETED_PREFIX {
            (n, true)
        } else {
            // Past the prefix, a body of known length reserves all the rest
            // of it at once. Reserving chunk by chunk, large bodies arriving
            // together each held part of the budget while waiting for more,
            // none could finish, and most ended in 503 after the wait (56 of
            // 400 1 MB bodies answered, against all of them this way).
            let target = declared.map_or(after, |d| d.max(after));
            (target.saturating_sub(held.bytes), false)
        };
        if want > 0 {
            let started = Instant::now();
            let until = deadline.min(started + wait_left);
            if !budget.take(&mut held, want, force, until).await {
                return Err(if until == deadline {
                    BodyError::Timeout
                } else {
                    BodyError::Busy
                });
            }
            wait_left = wait_left.saturating_sub(started.elapsed());
        }
        buf.extend_from_slice(&data);
    }
    Ok((buf, held))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[tokio::test]
    async fn budget_counts_bytes_in_flight() {
        let b = BodyBudget::new(1000);
        let mut r = Reservation {
            budget: &b,
            bytes: 0,
        };
        assert!(b.take(&mut r, 600, false, far()).await);
        assert_eq!(b.in_flight(), 600);
        assert!(!b.try_take(500));
        assert_eq!(b.take_peak_if_drained(), None);
        drop(r);
        assert_eq!(b.in_flight(), 0);
        assert_eq!(b.take_peak_if_drained(), Some(600));
        assert_eq!(b.take_peak_if_drained(), Some(0));
    }

    #[tokio::test]
    async fn forced_bytes_count_but_never_wait() {
        let b = BodyBudget::new(1000);
        let mut big = Reservation {
            budget: &b,
            bytes: 0,
        };
        assert!(b.take(&mut big, 1000, false, far()).await);
        let mut small = Reservation {
            budget: &b,
            bytes: 0,
        };
        assert!(b.take(&mut small, 100, true, far()).await);
        assert_eq!(b.in_flight(), 1100);
        let soon = Instant::now() + Duration::from_millis(20);
        let mut other = Reservation {
            budget: &b,
            bytes: 0,
        };
        assert!(!b.take(&mut other, 1, false, soon).await);
        drop(small);
        drop(big);
        assert_eq!(b.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_waiter_gets_room_when_it_is_released() {
        let b = std::sync::Arc::new(BodyBudget::new(1000));
        let b2 = b.clone();
        let holder = tokio::spawn(async move {
            let mut r = Reservation {
                budget: &b2,
                bytes: 0,
            };
            assert!(b2.take(&mut r, 1000, false, far()).await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        let mut r = Reservation {
            budget: &b,
            bytes: 0,
        };
        assert!(b.take(&mut r, 500, false, far()).await);
        holder.await.unwrap();
        assert_eq!(b.in_flight(), 500);
    }
}
