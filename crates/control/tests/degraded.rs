//! When the store cannot be written, writes are refused and change nothing,
//! reads go on, health says why, and tasknet recovers by itself once the
//! store can be written again. (`tests/e2e/test_full_disk.py` does the same
//! with a real full filesystem.)

use control::{Control, Settings};
use model::ec2::vpc::CreateVpc;
use model::ecs::Lifecycle;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::{Row, SqliteStore, Store, StoreError, Write};

/// A real store whose writes can be made to fail, like a full disk.
struct Flaky {
    inner: SqliteStore,
    full: Arc<AtomicBool>,
}

fn disk_full() -> StoreError {
    StoreError::Dir(
        "test".into(),
        std::io::Error::new(std::io::ErrorKind::StorageFull, "database or disk is full"),
    )
}

impl Store for Flaky {
    fn load(&mut self) -> Result<Vec<Row>, StoreError> {
        self.inner.load()
    }
    fn commit(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        if self.full.load(Ordering::SeqCst) {
            return Err(disk_full());
        }
        self.inner.commit(writes)
    }
    fn get_meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner.get_meta(key)
    }
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        if self.full.load(Ordering::SeqCst) {
            return Err(disk_full());
        }
        self.inner.set_meta(key, value)
    }
}

const ACCOUNT: &str = "123456789012";

fn settings() -> Settings {
    Settings {
        account_id: ACCOUNT.into(),
        default_region: "us-east-1".into(),
        lifecycle: Lifecycle::fast(),
        elb: model::elb::ElbTiming::fast(),
    }
}

async fn create_vpc(c: &Control, cidr: &str) -> Result<String, model::ApiError> {
    let cidr = cidr.to_string();
    c.write(ACCOUNT, move |w, now| {
        w.region_mut("us-east-1")?.create_vpc(
            CreateVpc {
                cidr_block: Some(cidr),
                ..Default::default()
            },
            now,
        )
    })
    .await
}

async fn vpc_count(c: &Control) -> usize {
    c.read(ACCOUNT, |w| w.region("us-east-1").unwrap().vpcs.len())
        .await
        .expect("reads are served")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_refuses_writes_serves_reads_and_recovers() {
    let full = Arc::new(AtomicBool::new(false));
    let store = Flaky {
        inner: SqliteStore::in_memory().unwrap(),
        full: full.clone(),
    };
    let c = Arc::new(Control::start(Box::new(store), settings()).unwrap());
    let jobs = c.start_jobs();
    create_vpc(&c, "10.1.0.0/16").await.unwrap();
    assert_eq!(vpc_count(&c).await, 2);
    let before = c.read_cloud(|w| w.fingerprint()).await.unwrap();

    full.store(true, Ordering::SeqCst);
    // The write that meets the full disk fails, retryably, and is not kept.
    let e = create_vpc(&c, "10.2.0.0/16").await.unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("ServiceUnavailable", 503));
    assert!(
        e.message.contains("database or disk is full"),
        "{}",
        e.message
    );
    // Health says so, and the world is back to what the store holds.
    let mut degraded = false;
    for _ in 0..200 {
        let p = c.health.problems();
        if p.iter()
            .any(|p| p.component == "store" && p.reason.contains("disk is full"))
        {
            degraded = true;
            if c.read_cloud(|w| w.fingerprint()).await.unwrap() == before {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        degraded,
        "health reports the store: {:?}",
        c.health.problems()
    );
    assert_eq!(c.read_cloud(|w| w.fingerprint()).await.unwrap(), before);
    assert_eq!(
        vpc_count(&c).await,
        2,
        "reads are served; the refused VPC is not there"
    );
    // Later writes are refused at once, changing nothing.
    let e = create_vpc(&c, "10.3.0.0/16").await.unwrap_err();
    assert_eq!(e.status, 503);
    assert_eq!(c.read_cloud(|w| w.fingerprint()).await.unwrap(), before);

    // Space comes back: tasknet recovers by itself.
    full.store(false, Ordering::SeqCst);
    let mut recovered = false;
    for _ in 0..500 {
        if c.write_refused().is_none() && c.health.problems().is_empty() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(recovered, "recovered: {:?}", c.health.problems());
    create_vpc(&c, "10.4.0.0/16").await.unwrap();
    assert_eq!(vpc_count(&c).await, 3);
    for j in jobs {
        j.abort();
    }
    c.shutdown();
}

#[tokio::test]
async fn a_store_that_cannot_be_written_at_start_serves_reads() {
    let full = Arc::new(AtomicBool::new(false));
    let mut inner = SqliteStore::in_memory().unwrap();
    // State from an earlier run.
    let rows = {
        let mut c = model::cloud::Cloud::new(ACCOUNT, 1, model::Millis(0));
        control::to_store(&c.drain_changes())
    };
    inner.commit(&rows).unwrap();
    inner.set_meta("account_id", ACCOUNT).unwrap();
    full.store(true, Ordering::SeqCst);
    let c = Control::start(Box::new(Flaky { inner, full }), settings()).unwrap();
    assert!(c.write_refused().is_some());
    assert_eq!(vpc_count(&c).await, 1, "the default VPC is read");
    let e = create_vpc(&c, "10.9.0.0/16").await.unwrap_err();
    assert_eq!(e.status, 503);
    assert!(c.health.problems().iter().any(|p| p.component == "store"));
    c.shutdown();
}
