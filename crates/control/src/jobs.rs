//! Background work as supervised jobs, and the health they report.
//!
//! A job is a loop (the reconciler, the store's recovery, later the service
//! scheduler and the data plane). If it fails or panics, the supervisor
//! logs it, marks the job degraded in `/_tasknet/health` with the reason,
//! and starts it again after a back-off (0.1 s doubling to 30 s). A job
//! marks itself healthy again (`Job::ok`) once it makes progress.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What is wrong with a part of tasknet.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub component: String,
    pub reason: String,
    /// Milliseconds since the epoch.
    pub since: i64,
    /// Restarts of a failing job so far.
    pub restarts: u32,
}

/// The health of every component: healthy unless it reported a problem.
#[derive(Default)]
pub struct Health {
    problems: Mutex<BTreeMap<String, Problem>>,
}

impl Health {
    pub fn degraded(&self, component: &str, reason: impl Into<String>) {
        let reason = reason.into();
        let mut p = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        match p.get_mut(component) {
            Some(x) => x.reason = reason,
            None => {
                p.insert(
                    component.to_string(),
                    Problem {
                        component: component.to_string(),
                        reason,
                        since: crate::now().0,
                        restarts: 0,
                    },
                );
            }
        }
    }

    fn restarted(&self, component: &str, reason: String) -> u32 {
        self.degraded(component, reason);
        let mut p = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        match p.get_mut(component) {
            Some(x) => {
                x.restarts += 1;
                x.restarts
            }
            None => 0,
        }
    }

    pub fn ok(&self, component: &str) {
        let mut p = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        if p.remove(component).is_some() {
            tracing::info!(component, "healthy again");
        }
    }

    /// The current problems, by component.
    pub fn problems(&self) -> Vec<Problem> {
        let p = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        p.values().cloned().collect()
    }
}

/// A fault a test asks a job to suffer (`--fault-injection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The job's next iteration returns an error.
    Error,
    /// The job's next iteration panics.
    Panic,
}

impl Fault {
    pub fn parse(s: &str) -> Option<Fault> {
        match s {
            "error" => Some(Fault::Error),
            "panic" => Some(Fault::Panic),
            _ => None,
        }
    }
}

/// Faults waiting to be suffered, by job name.
#[derive(Default)]
pub struct Faults {
    pending: Mutex<BTreeMap<String, Fault>>,
}

impl Faults {
    pub fn inject(&self, job: &str, f: Fault) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.insert(job.to_string(), f);
    }

    /// Suffer a pending fault of `job`, if any: an error to return, or a panic.
    pub fn check(&self, job: &str) -> Result<(), String> {
        let f = {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            p.remove(job)
        };
        match f {
            None => Ok(()),
            Some(Fault::Error) => Err("injected fault".to_string()),
            Some(Fault::Panic) => panic!("injected panic in job {job}"),
        }
    }
}

/// A job's view of its own supervision.
#[derive(Clone)]
pub struct Job {
    pub name: &'static str,
    health: Arc<Health>,
}

impl Job {
    /// The job is making progress: clear any problem it had.
    pub fn ok(&self) {
        self.health.ok(self.name);
    }
}

pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Aborts the task when dropped, so that stopping a supervisor stops its job.
struct AbortOnDrop(tokio::task::JoinHandle<Result<(), String>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_string()
    }
}

/// Run `start()` as a job named `name` until it returns `Ok`, restarting
/// it after each failure or panic. Abort the returned handle to stop it.
pub fn supervise(
    name: &'static str,
    health: Arc<Health>,
    start: impl Fn(Job) -> JobFuture + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        const FIRST: Duration = Duration::from_millis(100);
        const MAX: Duration = Duration::from_secs(30);
        let mut backoff = FIRST;
        loop {
            let job = Job {
                name,
                health: health.clone(),
            };
            let started = std::time::Instant::now();
            let mut task = AbortOnDrop(tokio::spawn(start(job)));
            let reason = match (&mut task.0).await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e,
                Err(e) if e.is_panic() => format!("panicked: {}", panic_text(e.into_panic())),
                // Cancelled: tasknet is shutting down.
                Err(_) => return,
            };
            if started.elapsed() > Duration::from_secs(60) {
                backoff = FIRST;
            }
            let restarts = health.restarted(name, format!("{reason}; restarting"));
            tracing::error!(job = name, error = %reason, restarts, retry_in_ms = backoff.as_millis() as u64, "background job failed; restarting it");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_failing_or_panicking_job_is_restarted_and_reported() {
        let health = Arc::new(Health::default());
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        let h = supervise("demo", health.clone(), move |job| {
            let n = r.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                match n {
                    0 => Err("boom".to_string()),
                    1 => panic!("kaboom"),
                    _ => {
                        job.ok();
                        Ok(())
                    }
                }
            })
        });
        // Seen degraded after the first failure.
        let mut seen = Vec::new();
        for _ in 0..200 {
            for p in health.problems() {
                if !seen.contains(&p.reason) {
                    seen.push(p.reason.clone());
                }
            }
            if h.is_finished() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        h.await.unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert!(seen.iter().any(|r| r.contains("boom")), "{seen:?}");
        assert!(
            seen.iter().any(|r| r.contains("panicked: kaboom")),
            "{seen:?}"
        );
        assert!(health.problems().is_empty(), "healthy once it ran well");
    }
}
