//! Reading request bodies within limits: a per-request size limit, a time
//! limit for the whole body, and a global budget of body bytes held in
//! memory across all connections, reserved as chunks arrive.

use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};
use tokio::time::Instant;

pub struct BodyLimits {
    pub max_bytes: u64,
    pub timeout: Duration,
    pub budget_wait: Duration,
}

/// The global budget: one semaphore permit per byte of body in memory.
pub struct BodyBudget {
    sem: Arc<Semaphore>,
    total: u64,
}

/// Bytes reserved for one request's body; released when dropped.
pub type Reservation = Option<OwnedSemaphorePermit>;

impl BodyBudget {
    pub fn new(total: u64) -> Self {
        let permits = usize::try_from(total)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        BodyBudget {
            sem: Arc::new(Semaphore::new(permits)),
            total: permits as u64,
        }
    }

    pub fn in_flight(&self) -> u64 {
        self.total - self.sem.available_permits() as u64
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
pub async fn read(
    mut body: Incoming,
    limits: &BodyLimits,
    budget: &BodyBudget,
) -> Result<(Vec<u8>, Reservation), BodyError> {
    let deadline = Instant::now() + limits.timeout;
    let mut wait_left = limits.budget_wait;
    let declared = body.size_hint().exact();
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return Err(BodyError::TooLarge);
    }
    // Grown as bytes arrive, not sized by Content-Length up front: glibc
    // hands out 1 MB blocks from memory already touched, so a buffer sized
    // for a body that has not arrived (or never will) costs its full size.
    let mut buf = Vec::new();
    let mut held: Reservation = None;
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
        if buf.len() as u64 + data.len() as u64 > limits.max_bytes {
            return Err(BodyError::TooLarge);
        }
        let n = u32::try_from(data.len()).map_err(|_| BodyError::TooLarge)?;
        let permit = match budget.sem.clone().try_acquire_many_owned(n) {
            Ok(p) => p,
            Err(TryAcquireError::Closed) => return Err(BodyError::Busy),
            Err(TryAcquireError::NoPermits) => {
                let started = Instant::now();
                let until = deadline.min(started + wait_left);
                let r =
                    tokio::time::timeout_at(until, budget.sem.clone().acquire_many_owned(n)).await;
                wait_left = wait_left.saturating_sub(started.elapsed());
                match r {
                    Ok(Ok(p)) => p,
                    Ok(Err(_)) => return Err(BodyError::Busy),
                    Err(_) if until == deadline => return Err(BodyError::Timeout),
                    Err(_) => return Err(BodyError::Busy),
                }
            }
        };
        match &mut held {
            Some(h) => h.merge(permit),
            None => held = Some(permit),
        }
        buf.extend_from_slice(&data);
    }
    Ok((buf, held))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_counts_bytes_in_flight() {
        let b = BodyBudget::new(1000);
        assert_eq!(b.in_flight(), 0);
        let p = b.sem.clone().try_acquire_many_owned(600).unwrap();
        assert_eq!(b.in_flight(), 600);
        assert!(b.sem.clone().try_acquire_many_owned(500).is_err());
        drop(p);
        assert_eq!(b.in_flight(), 0);
    }
}
