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
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("state directory {0}: {1}")]
    Dir(String, std::io::Error),
    #[error("the state in {0} was written by another tasknet version (schema {1}); use a fresh --data-dir")]
    Schema(String, i64),
    #[error("cannot start the checkpointer thread: {0}")]
    Thread(std::io::Error),
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
    fn get_meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
}

/// 3: an append-only log of record versions. 4: a task is two records, its
/// launch (`ecs-launch`, written once) and its state (`ecs-task`).
const SCHEMA_VERSION: i64 = 4;

/// How often the WAL is folded back into the database. Under full load a
/// tenth of a second writes about 10 MB of WAL; shorter rounds mean smaller
/// bursts of database writes competing with the writer's WAL syncs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// The checkpointer's passes per round, at most, and the pass time that
/// counts as caught up (the writer's last pass takes about that long).
const MAX_PASSES: usize = 6;
const QUICK_PASS: Duration = Duration::from_millis(2);
/// The WAL file is cut back to this size when it starts over, so one burst
/// does not keep disk space; below it, frames overwrite allocated blocks.
const WAL_SIZE_LIMIT: i64 = 64 << 20;

/// Superseded versions deleted per commit beyond twice the commit's own
/// writes, once garbage is older than the lag; more when the backlog grows.
const GC_PER_COMMIT: usize = 64;
/// How many superseded versions wait before they are collected (a few MB).
const GC_LAG: usize = 8192;
/// A WAL this large means the checkpointer fell far behind (a slow disk, a
/// starved thread): the writer then checkpoints itself, stalling requests
/// once rather than letting the WAL grow without bound.
const WAL_VALVE: u64 = 256 << 20;
/// Commits between the writer's looks at the WAL's size.
const WAL_VALVE_EVERY: u64 = 256;

type Key = (String, String, u64);

pub struct SqliteStore {
    conn: Connection,
    /// The log position of each live record's latest version.
    latest: HashMap<Key, i64>,
    /// Log positions no longer needed. Collected lowest first: they sit on
    /// the oldest pages, so each page is rewritten about once, and a tombstone
    /// (always later than the version it buries) is never deleted first.
    garbage: BTreeSet<i64>,
    next_v: i64,
    /// Set by the checkpointer when the writer is to make the round's last
    /// pass; see `Checkpointer`.
    last_pass: Arc<AtomicBool>,
    gc_lag: usize,
    /// None for an in-memory database (no WAL).
    checkpointer: Option<Checkpointer>,
    /// The WAL file, and the size at which the writer checkpoints itself.
    wal: Option<(PathBuf, u64)>,
    commits: u64,
}

/// Folds the WAL back into the database on its own thread and connection,
/// so the writer never waits for the bulk of it: a checkpoint copies and
/// syncs megabytes, which on the writer stalled every request for 60-100 ms
/// once a second.
///
/// PASSIVE checkpoints never block the writer, but the WAL starts over from
/// its first frame only when a write transaction begins with every frame
/// copied, which a busy writer almost never allows. So each round makes
/// passes until one is quick (each copies what the writer added during the
/// last) and writes the copied pages back to disk. The writer then makes
/// the round's last pass right after its next commit: it copies a few frames
/// and syncs the database, about a millisecond, and the writer's following
/// commit starts the WAL over.
///
/// The checkpointer runs at normal priority. At idle priority (SCHED_IDLE)
/// the closed-loop RunTask p99 was about a millisecond lower, but at 4,000
/// RunTask/s offered the p99 rose from 7 to 9-29 ms: a pass holds SQLite's
/// WAL read lock 0 exclusively while it copies pages, and the writer backs
/// off and sleeps while a descheduled checkpointer holds it.
struct Checkpointer {
    /// Dropped to stop the thread.
    stop: Option<Sender<()>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path, last_pass: Arc<AtomicBool>) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        // A checkpoint syncs as its own connection is told to.
        conn.pragma_update(None, "synchronous", "FULL")?;
        let db_file = std::fs::File::open(path)
            .map_err(|e| StoreError::Dir(path.display().to_string(), e))?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let handle = std::thread::Builder::new()
            .name("checkpointer".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
                    if let Err(e) = checkpoint_round(&conn, &db_file, &last_pass) {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            })
            .map_err(StoreError::Thread)?;
        Ok(Checkpointer {
            stop: Some(stop),
            handle: Some(handle),
        })
    }
}

/// One round of the checkpointer; see `Checkpointer`.
fn checkpoint_round(
    conn: &Connection,
    db_file: &std::fs::File,
    last_pass: &AtomicBool,
) -> Result<(), rusqlite::Error> {
    let pass = || conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    let started = Instant::now();
    for _ in 0..MAX_PASSES {
        let t = Instant::now();
        pass()?;
        if t.elapsed() < QUICK_PASS {
            break;
        }
    }
    // A pass that stops short of the WAL's end leaves the pages it copied
    // unsynced, for the pass that reaches the end to sync them all; write
    // them back now so that sync, on the writer, is short.
    write_back(db_file);
    last_pass.store(true, Ordering::Release);
    tracing::trace!(micros = started.elapsed().as_micros() as u64, "checkpoint");
    Ok(())
}

/// Start writing the file's dirty pages back and wait for them, a slice at
/// a time, so the disk never holds a deep queue that the writer's WAL sync
/// would wait behind (one whole-file sync made commits take 5-15 ms). Not a
/// durability point: SQLite's own sync in the last pass is.
fn write_back(f: &std::fs::File) {
    use std::os::fd::AsRawFd;
    const SLICE: i64 = 1 << 20;
    let len = f.metadata().map(|m| m.len() as i64).unwrap_or(0);
    let mut off = 0;
    while off < len {
        // SAFETY: a syscall on an open file descriptor owned by `f`; it
        // touches no memory of ours.
        let r = unsafe {
            libc::sync_file_range(
                f.as_raw_fd(),
                off,
                SLICE,
                libc::SYNC_FILE_RANGE_WAIT_BEFORE
                    | libc::SYNC_FILE_RANGE_WRITE
                    | libc::SYNC_FILE_RANGE_WAIT_AFTER,
            )
        };
        if r != 0 {
            // Only slower: the last pass's sync does all the work then.
            return;
        }
        off += SLICE;
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl SqliteStore {
    /// Checkpoint on the writer if the checkpointer fell far behind.
    fn wal_valve(&self) -> Result<(), StoreError> {
        let Some((path, limit)) = &self.wal else {
            return Ok(());
        };
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len > *limit {
            let t = Instant::now();
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            tracing::warn!(
                wal_bytes = len,
                millis = t.elapsed().as_millis() as u64,
                "the checkpointer fell behind; the writer checkpointed the WAL itself"
            );
        }
        Ok(())
    }

    /// Open (creating if needed) `<dir>/tasknet.db`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Dir(dir.display().to_string(), e))?;
        let path = dir.join("tasknet.db");
        let conn = Connection::open(&path)?;
        let mut s = Self::init(conn, &path.display().to_string())?;
        s.checkpointer = Some(Checkpointer::start(&path, s.last_pass.clone())?);
        s.wal = Some((dir.join("tasknet.db-wal"), WAL_VALVE));
        Ok(s)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, ":memory:")
    }

    fn init(conn: Connection, name: &str) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // No automatic checkpoints: the `Checkpointer` thread does the bulk,
        // the writer only each round's short last pass (and `wal_valve`).
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
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
            latest: HashMap::new(),
            garbage: BTreeSet::new(),
            next_v: 1,
            last_pass: Arc::new(AtomicBool::new(false)),
            gc_lag: GC_LAG,
            checkpointer: None,
            wal: None,
            commits: 0,
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
            // Collect the oldest garbage once it is `gc_lag` versions
            // behind: by then nearly every version on its page is garbage
            // too, so each page is rewritten about once, where collecting
            // just-superseded versions dirtied a page per row. At least as
            // much as this commit made, plus a share of any backlog.
            let excess = self.garbage.len().saturating_sub(self.gc_lag);
            let n = excess.min(2 * writes.len() + excess / 64 + GC_PER_COMMIT);
            let mut del = tx.prepare_cached("DELETE FROM log WHERE v BETWEEN ?1 AND ?2")?;
            let mut run: Option<(i64, i64)> = None;
            for _ in 0..n {
                let Some(v) = self.garbage.pop_first() else {
                    break;
                };
                run = match run {
                    Some((lo, hi)) if hi + 1 == v => Some((lo, v)),
                    Some((lo, hi)) => {
                        del.execute(params![lo, hi])?;
                        Some((v, v))
                    }
                    None => Some((v, v)),
                };
            }
            if let Some((lo, hi)) = run {
                del.execute(params![lo, hi])?;
            }
        }
        tx.commit()?;
        if self.last_pass.swap(false, Ordering::Acquire) {
            // The checkpointer's round is done but for the frames since its
            // last pass; copying them lets the next commit start the WAL over.
            // The commit is durable already: a failed pass only delays that.
            let t = Instant::now();
            match self
                .conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            {
                Ok(()) => tracing::trace!(
                    micros = t.elapsed().as_micros() as u64,
                    "last checkpoint pass"
                ),
                Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
            }
        }
        self.commits += 1;
        if self.commits.is_multiple_of(WAL_VALVE_EVERY) {
            if let Err(e) = self.wal_valve() {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
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
    }

    #[test]
    fn superseded_versions_are_collected() {
        let mut s = SqliteStore::in_memory().unwrap();
        s.gc_lag = 100;
        for round in 0..50 {
            let writes: Vec<Write> = (0..20)
                .map(|seq| put("task", seq, &format!("r{round}")))
                .collect();
            s.commit(&writes).unwrap();
        }
        // 20 live records; garbage is collected as fast as it is made,
        // once it is `gc_lag` versions old.
        assert_eq!(log_len(&s), 20 + 100);
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 20);
        assert!(rows.iter().all(|r| r.body == b"r49"));
        // Deletes leave tombstones that are collected after what they bury.
        s.gc_lag = 0;
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
    fn wal_starts_over_while_the_writer_is_busy() {
        // Each time the WAL starts over, SQLite gives its header new salts
        // (bytes 16..24); without the checkpointer they would never change.
        fn salts(dir: &Path) -> Option<[u8; 8]> {
            use std::io::Read;
            let mut head = [0u8; 24];
            let mut f = std::fs::File::open(dir.join("tasknet.db-wal")).ok()?;
            f.read_exact(&mut head).ok()?;
            head[16..24].try_into().ok()
        }
        let dir = std::env::temp_dir().join(format!("tasknet-store-wal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let body = "x".repeat(600);
        let mut round = 0u64;
        let mut seen = std::collections::HashSet::new();
        {
            let mut s = SqliteStore::open(&dir).unwrap();
            let t = Instant::now();
            // Commit without pause, as under load, until the WAL has started
            // over a few times (within a generous limit for slow machines).
            while seen.len() < 4 && t.elapsed() < Duration::from_secs(30) {
                let writes: Vec<Write> = (0..20)
                    .map(|i| put("task", (round * 20 + i) % 2000, &format!("{round}{body}")))
                    .collect();
                s.commit(&writes).unwrap();
                round += 1;
                seen.extend(salts(&dir));
            }
            assert!(
                seen.len() >= 4,
                "the WAL started over {} times in {round} commits",
                seen.len().saturating_sub(1)
            );
        }
        let rows = SqliteStore::open(&dir).unwrap().load().unwrap();
        assert_eq!(rows.len(), 2000.min(round as usize * 20));
        let last = round - 1;
        let newest = rows
            .iter()
            .filter(|r| r.body.starts_with(format!("{last}x").as_bytes()))
            .count();
        assert_eq!(newest, 20, "the last commit's rows survive reopening");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn writer_checkpoints_when_the_checkpointer_falls_behind() {
        let dir = std::env::temp_dir().join(format!("tasknet-store-valve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let wal = dir.join("tasknet.db-wal");
        let body = "x".repeat(600);
        {
            let mut s = SqliteStore::open(&dir).unwrap();
            // A checkpointer that never gets the CPU.
            s.checkpointer = None;
            s.wal = Some((wal.clone(), 1 << 20));
            let mut largest = 0;
            for round in 0..(8 * WAL_VALVE_EVERY) {
                let writes: Vec<Write> =
                    (0..4).map(|i| put("task", round * 4 + i, &body)).collect();
                s.commit(&writes).unwrap();
                largest = largest.max(std::fs::metadata(&wal).unwrap().len());
            }
            // Each commit adds a few 4 KB frames; the WAL may pass the limit
            // by what WAL_VALVE_EVERY commits write, never much more.
            let bound = (1 << 20) + WAL_VALVE_EVERY * 5 * 4096;
            assert!(
                largest <= bound,
                "WAL grew to {largest} bytes (bound {bound})"
            );
            assert!(
                largest > 1 << 20,
                "the test must reach the limit ({largest} bytes)"
            );
        }
        let rows = SqliteStore::open(&dir).unwrap().load().unwrap();
        assert_eq!(rows.len(), 8 * WAL_VALVE_EVERY as usize * 4);
        let _ = std::fs::remove_dir_all(&dir);
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
