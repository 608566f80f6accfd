//! Many requests share one commit (group commit): a regression here cut
//! RunTask throughput to a third, each request paying its own fsync.

use control::{Control, Settings};
use model::ec2::vpc::CreateVpc;
use model::ecs::Lifecycle;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use store::{Row, SqliteStore, Store, StoreError, Write};

/// A real store that counts its commits and makes each one slow, as an
/// fsync is, so that requests queue behind it.
struct Counting {
    inner: SqliteStore,
    commits: Arc<AtomicUsize>,
}

impl Store for Counting {
    fn load(&mut self) -> Result<Vec<Row>, StoreError> {
        self.inner.load()
    }
    fn commit(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        self.commits.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(5));
        self.inner.commit(writes)
    }
    fn get_meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner.get_meta(key)
    }
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.inner.set_meta(key, value)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_share_commits() {
    let commits = Arc::new(AtomicUsize::new(0));
    let store = Counting {
        inner: SqliteStore::in_memory().unwrap(),
        commits: commits.clone(),
    };
    let settings = Settings {
        account_id: "123456789012".into(),
        default_region: "us-east-1".into(),
        lifecycle: Lifecycle::fast(),
        elb: model::elb::ElbTiming::fast(),
    };
    let c = Arc::new(Control::start(Box::new(store), settings).unwrap());
    let before = commits.load(Ordering::SeqCst);
    let writes: Vec<_> = (0..64)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                c.write("123456789012", move |w, now| {
                    w.region_mut("us-east-1")?.create_vpc(
                        CreateVpc {
                            cidr_block: Some(format!("10.{i}.0.0/16")),
                            ..Default::default()
                        },
                        now,
                    )
                })
                .await
            })
        })
        .collect();
    for w in writes {
        w.await.unwrap().unwrap();
    }
    let used = commits.load(Ordering::SeqCst) - before;
    assert!(used < 32, "64 concurrent writes took {used} commits");
    c.shutdown();
}
