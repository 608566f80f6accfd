//! Durable state. The control plane persists records, each identified by
//! (kind, region, seq), through the `Store` trait; `SqliteStore` is the
//! embedded default (SQLite in WAL mode, `synchronous=FULL`, so a commit
//! survives power loss). A batch is one transaction: the control plane groups
//! the changes of many requests into one commit and answers them only after
//! it returns.
//!
//! The SQLite table is a log: every change appends a row (a new version, or a
//! tombstone) at the end, so a commit writes a few contiguous pages instead of
//! one page per updated record; a task's lifecycle rewrites its record several
//! times within a second. Superseded versions are deleted a little at a time
//! in later commits (oldest first, which keeps the deletes clustered too).

use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("state directory {0}: {1}")]
    Dir(String, std::io::Error),
    #[error("the state in {0} was written by another tasknet version (schema {1}); use a fresh --data-dir")]
    Schema(String, i64),
}

/// One live record as loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: String,
    pub region: String,
    pub seq: u64,
    pub body: Vec<u8>,
}

/// One write, applied in order within a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Delete every row (a reset).
    Wipe,
    Put {
        kind: &'static str,
        region: String,
        seq: u64,
        body: Vec<u8>,
    },
    Delete {
        kind: &'static str,
        region: String,
        seq: u64,
    },
}

/// The seam where a server database could stand in for SQLite.
pub trait Store: Send {
    /// Every live record, ordered by (kind, region, seq).
    fn load(&mut self) -> Result<Vec<Row>, StoreError>;
    /// Apply all writes atomically and durably.
    fn commit(&mut self, writes: &[Write]) -> Result<(), StoreError>;
    /// Housekeeping between commits (SQLite: fold the WAL back into the database).
    fn maintain(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    fn get_meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
}

/// 3: an append-only log of record versions.
const SCHEMA_VERSION: i64 = 3;

/// How often the WAL is checkpointed. Checkpointing on the writer's own
/// connection completes (there is no other writer), so the WAL restarts small.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Superseded versions deleted per commit, at least; more when the backlog grows.
const GC_PER_COMMIT: usize = 64;

type Key = (String, String, u64);

pub struct SqliteStore {
    conn: Connection,
    last_checkpoint: Instant,
    /// The log position of each live record's latest version.
    latest: HashMap<Key, i64>,
    /// Log positions no longer needed. Collected lowest first: they sit on
    /// the oldest pages, so each page is rewritten about once, and a tombstone
    /// (always later than the version it buries) is never deleted first.
    garbage: BTreeSet<i64>,
    next_v: i64,
}

impl SqliteStore {
    /// Open (creating if needed) `<dir>/tasknet.db`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Dir(dir.display().to_string(), e))?;
        let path = dir.join("tasknet.db");
        let conn = Connection::open(&path)?;
        Self::init(conn, &path.display().to_string())
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, ":memory:")
    }

    fn init(conn: Connection, name: &str) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS log (
                 v      INTEGER PRIMARY KEY,
                 kind   TEXT NOT NULL,
                 region TEXT NOT NULL,
                 seq    INTEGER NOT NULL,
                 body   BLOB
             );",
        )?;
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match version.and_then(|v| v.parse::<i64>().ok()) {
            Some(v) if v != SCHEMA_VERSION => return Err(StoreError::Schema(name.to_string(), v)),
            Some(_) => {}
            None => {
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )?;
            }
        }
        Ok(SqliteStore {
            conn,
            last_checkpoint: Instant::now(),
            latest: HashMap::new(),
            garbage: BTreeSet::new(),
            next_v: 1,
        })
    }
}

impl Store for SqliteStore {
    fn load(&mut self) -> Result<Vec<Row>, StoreError> {
        let mut live: HashMap<Key, (i64, Vec<u8>)> = HashMap::new();
        self.garbage.clear();
        let mut max_v = 0;
        {
            let mut st = self
                .conn
                .prepare("SELECT v, kind, region, seq, body FROM log ORDER BY v")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let v: i64 = r.get(0)?;
                let key: Key = (r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64);
                let body: Option<Vec<u8>> = r.get(4)?;
                max_v = max_v.max(v);
                let old = match body {
                    Some(b) => live.insert(key, (v, b)),
                    None => {
                        let old = live.remove(&key);
                        self.garbage.insert(v);
                        old
                    }
                };
                if let Some((old_v, _)) = old {
                    self.garbage.insert(old_v);
                }
            }
        }
        self.next_v = max_v + 1;
        self.latest = live.iter().map(|(k, (v, _))| (k.clone(), *v)).collect();
        let mut out: Vec<Row> = live
            .into_iter()
            .map(|((kind, region, seq), (_, body))| Row {
                kind,
                region,
                seq,
                body,
            })
            .collect();
        out.sort_by(|a, b| (&a.kind, &a.region, a.seq).cmp(&(&b.kind, &b.region, b.seq)));
        Ok(out)
    }

    fn commit(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO log (v, kind, region, seq, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for w in writes {
                match w {
                    Write::Wipe => {
                        tx.execute("DELETE FROM log", [])?;
                        self.latest.clear();
                        self.garbage.clear();
                    }
                    Write::Put {
                        kind,
                        region,
                        seq,
                        body,
                    } => {
                        let v = self.next_v;
                        self.next_v += 1;
                        put.execute(params![v, kind, region, *seq as i64, body])?;
                        if let Some(old) = self
                            .latest
                            .insert((kind.to_string(), region.clone(), *seq), v)
                        {
                            self.garbage.insert(old);
                        }
                    }
                    Write::Delete { kind, region, seq } => {
                        let v = self.next_v;
                        self.next_v += 1;
                        put.execute(params![
                            v,
                            kind,
                            region,
                            *seq as i64,
                            Option::<Vec<u8>>::None
                        ])?;
                        if let Some(old) =
                            self.latest
                                .remove(&(kind.to_string(), region.clone(), *seq))
                        {
                            self.garbage.insert(old);
                        }
                        self.garbage.insert(v);
                    }
                }
            }
            // Collect at least as much garbage as this commit made, plus a
            // share of any backlog, so the log stays about as big as the state.
            let n = GC_PER_COMMIT
                .max(writes.len() + self.garbage.len() / 64)
                .min(self.garbage.len());
            let mut del = tx.prepare_cached("DELETE FROM log WHERE v = ?1")?;
            for _ in 0..n {
                let Some(v) = self.garbage.pop_first() else {
                    break;
                };
                del.execute(params![v])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn maintain(&mut self) -> Result<(), StoreError> {
        if self.last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
            self.last_checkpoint = Instant::now();
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    fn get_meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(kind: &'static str, seq: u64, body: &str) -> Write {
        Write::Put {
            kind,
            region: "us-east-1".into(),
            seq,
            body: body.as_bytes().to_vec(),
        }
    }

    fn log_len(s: &SqliteStore) -> i64 {
        s.conn
            .query_row("SELECT count(*) FROM log", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn commit_load_delete_wipe() {
        let mut s = SqliteStore::in_memory().unwrap();
        s.commit(&[put("vpc", 2, "a"), put("vpc", 1, "b")]).unwrap();
        s.commit(&[put("vpc", 2, "a2")]).unwrap();
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].seq, rows[1].seq), (1, 2));
        assert_eq!(rows[1].body, b"a2");
        s.commit(&[Write::Delete {
            kind: "vpc",
            region: "us-east-1".into(),
            seq: 1,
        }])
        .unwrap();
        assert_eq!(s.load().unwrap().len(), 1);
        s.commit(&[Write::Wipe, put("sg", 1, "c")]).unwrap();
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, "sg");
        s.maintain().unwrap();
    }

    #[test]
    fn superseded_versions_are_collected() {
        let mut s = SqliteStore::in_memory().unwrap();
        for round in 0..50 {
            let writes: Vec<Write> = (0..20)
                .map(|seq| put("task", seq, &format!("r{round}")))
                .collect();
            s.commit(&writes).unwrap();
        }
        // 20 live records; garbage is collected as fast as it is made.
        assert!(
            log_len(&s) <= 20 + 2 * GC_PER_COMMIT as i64,
            "{}",
            log_len(&s)
        );
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 20);
        assert!(rows.iter().all(|r| r.body == b"r49"));
        // Deletes leave tombstones that are collected after what they bury.
        let dels: Vec<Write> = (0..20)
            .map(|seq| Write::Delete {
                kind: "task",
                region: "us-east-1".into(),
                seq,
            })
            .collect();
        s.commit(&dels).unwrap();
        for _ in 0..5 {
            s.commit(&[put("other", 1, "x")]).unwrap();
        }
        assert!(s.load().unwrap().iter().all(|r| r.kind == "other"));
        assert!(log_len(&s) <= 2, "{}", log_len(&s));
    }

    #[test]
    fn survives_reopen_and_resumes_collection() {
        let dir = std::env::temp_dir().join(format!("tasknet-store-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let mut s = SqliteStore::open(&dir).unwrap();
            s.commit(&[put("vpc", 1, "x")]).unwrap();
            s.commit(&[put("vpc", 1, "y"), put("vpc", 2, "z")]).unwrap();
            s.set_meta("account", "123").unwrap();
        }
        let mut s = SqliteStore::open(&dir).unwrap();
        let rows = s.load().unwrap();
        assert_eq!(
            rows.iter().map(|r| r.body.clone()).collect::<Vec<_>>(),
            [b"y".to_vec(), b"z".to_vec()]
        );
        assert_eq!(s.get_meta("account").unwrap().as_deref(), Some("123"));
        s.commit(&[put("vpc", 3, "w")]).unwrap();
        assert_eq!(s.load().unwrap().len(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
