//! Durable state. The control plane persists records, each identified by
//! (kind, region, seq), through the `Store` trait; `SqliteStore` is the
//! embedded default (SQLite in WAL mode, `synchronous=FULL`, so a commit
//! survives power loss). A batch is one transaction: the control plane groups
//! the changes of many requests into one commit and answers them only after
//! it returns.
//!
//! The SQLite tables are logs: every change appends a row (a new version, or
//! a tombstone) at the end, so a commit writes a few contiguous pages instead
//! of one page per updated record. Versions live in two generations, because
//! most are superseded within moments (a task's lifecycle rewrites its record
//! several times a second) while a few stay current for hours:
//! - `young_<n>` tables take the short-lived versions, a new table every
//!   `EPOCH_LEN` versions. Once a young table is `EPOCH_LAG` versions old,
//!   the few versions in it that are still current are copied into `log`
//!   (a little per commit) and the table is dropped. Dropping frees its pages
//!   without writing them; deleting its rows one by one rewrote every page.
//! - `log` takes versions that are expected to last (`Write::Put::lasting`)
//!   and the survivors copied from young tables. Superseded versions in it
//!   are deleted a little at a time in later commits, oldest first.

use rusqlite::{params, Connection, OptionalExtension};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
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
    #[error("the state in {0} was written by a newer tasknet (store schema {1}; this one reads up to {SCHEMA_VERSION}); use that release or a fresh --data-dir")]
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
        /// A hint that this version will stay current for long (a finished
        /// task): it goes to `log` at once instead of being copied there
        /// later. Either way is correct.
        lasting: bool,
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
/// launch (`ecs-launch`, written once) and its state (`ecs-task`). 5: young
/// tables for short-lived versions. 6: every body starts with its record's
/// format version (a varint); a schema-5 store is upgraded in place when it
/// is opened, its bodies becoming version 1 (`upgrade_5_to_6`). Stores older
/// than 5 were never released.
pub const SCHEMA_VERSION: i64 = 6;

/// How often the WAL is folded back into the database. Under full load this
/// is about 20 MB of WAL. Shorter rounds mean smaller bursts of database
/// writes competing with the writer's WAL syncs, longer ones fewer writes in
/// all: a page rewritten several times within a round is copied once. Since
/// young tables cut the pages written per task, 300 ms beat 100 ms (RunTask
/// p99 with 16 connections 4.5-4.9 ms against 4.9-5.9; at 4,000 and 5,000
/// RunTask/s offered no worse).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(300);
/// The checkpointer's passes before each write-back, at most, and the pass
/// (or write-back) time that counts as caught up (the writer's last pass
/// takes about that long).
const MAX_PASSES: usize = 6;
const QUICK_PASS: Duration = Duration::from_millis(2);
/// Write-backs per round, at most; see `checkpoint_round`.
const MAX_WRITE_BACKS: usize = 4;
/// The WAL file is cut back to this size when it starts over, so one burst
/// does not keep disk space; below it, frames overwrite allocated blocks.
const WAL_SIZE_LIMIT: i64 = 64 << 20;

/// Superseded versions deleted from `log` (and survivors copied out of young
/// tables) per commit beyond twice the commit's own writes; more when the
/// backlog grows.
const GC_PER_COMMIT: usize = 64;
/// How many superseded versions in `log` wait before they are collected.
const GC_LAG: usize = 8192;
/// Versions per young table. Dropping a table frees its pages without
/// writing them but reads each one: about 1.5 ms for 8,192 versions, all in
/// one commit, so tables are kept small.
const EPOCH_LEN: u64 = 4096;
/// A young table is emptied once this many versions were written after it;
/// by then nearly every version in it is superseded (at full load this is a
/// quarter of a second, several task lifecycle steps).
const EPOCH_LAG: u64 = 16384;
/// A WAL this large means the checkpointer fell far behind (a slow disk, a
/// starved thread): the writer then checkpoints itself, stalling requests
/// once rather than letting the WAL grow without bound.
const WAL_VALVE: u64 = 256 << 20;
/// Commits between the writer's looks at the WAL's size.
const WAL_VALVE_EVERY: u64 = 256;

/// A record's key: (kind, Region) as numbers from `Names`, and its seq.
/// Integers, so that looking a key up neither allocates nor hashes strings.
type Key = (u32, u32, u64);

/// Kind and Region names by number.
#[derive(Default)]
struct Names {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    fn key(&mut self, kind: &str, region: &str, seq: u64) -> Key {
        (self.id(kind), self.id(region), seq)
    }
}

/// The table holding a version: `log`, or the young table numbered so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    Log,
    Young(u64),
}

fn young_table(id: u64) -> String {
    format!("young_{id}")
}

fn table_of(home: Home) -> String {
    match home {
        Home::Log => "log".to_string(),
        Home::Young(id) => young_table(id),
    }
}

const LOG_INSERT: &str = "INSERT INTO log (v, kind, region, seq, body) VALUES (?1, ?2, ?3, ?4, ?5)";

fn insert_sql(table: &str) -> String {
    format!("INSERT INTO {table} (v, kind, region, seq, body) VALUES (?1, ?2, ?3, ?4, ?5)")
}

fn create_table_sql(name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {name} (
             v      INTEGER PRIMARY KEY,
             kind   TEXT NOT NULL,
             region TEXT NOT NULL,
             seq    INTEGER NOT NULL,
             body   BLOB
         )"
    )
}

/// A record's latest version.
#[derive(Debug, Clone, Copy)]
struct Latest {
    v: i64,
    home: Home,
    /// Some version of the record is, or may still be, in `log`; deleting
    /// the record then takes a tombstone in `log`, which is collected only
    /// after every older version there. A record only ever in young tables
    /// takes its tombstone in the current young table, dropped no earlier
    /// than the versions it buries.
    in_log: bool,
}

/// A young table.
struct Epoch {
    id: u64,
    /// First log position written into it.
    start: i64,
    /// The first position after it; `None` while it is being written.
    end: Option<i64>,
    /// Its versions that are still current, to be copied into `log`.
    live: BTreeMap<i64, Key>,
    /// The statement appending to it, built once rather than per row.
    insert_sql: String,
}

impl Epoch {
    fn new(id: u64, start: i64, end: Option<i64>) -> Self {
        Epoch {
            id,
            start,
            end,
            live: BTreeMap::new(),
            insert_sql: insert_sql(&young_table(id)),
        }
    }
}

/// What the store knows about the rows in its tables.
#[derive(Default)]
struct Index {
    names: Names,
    latest: FxHashMap<Key, Latest>,
    /// Positions in `log` no longer needed. Collected lowest first: they sit
    /// on the oldest pages, so each page is rewritten about once, and a
    /// tombstone (always later than the versions it buries) is never
    /// deleted first.
    garbage: BTreeSet<i64>,
    /// Young tables, oldest first.
    epochs: VecDeque<Epoch>,
    next_v: i64,
    next_epoch: u64,
}

impl Index {
    fn take_v(&mut self) -> i64 {
        let v = self.next_v;
        self.next_v += 1;
        v
    }

    /// The young table being written, starting a new one when there is none
    /// or it holds `len` versions.
    fn current_epoch(&mut self, conn: &Connection, len: u64) -> Result<u64, rusqlite::Error> {
        if let Some(e) = self.epochs.back_mut() {
            if e.end.is_none() {
                if ((self.next_v - e.start) as u64) < len {
                    return Ok(e.id);
                }
                e.end = Some(self.next_v);
            }
        }
        let id = self.next_epoch.max(1);
        self.next_epoch = id + 1;
        conn.execute_batch(&create_table_sql(&young_table(id)))?;
        self.epochs.push_back(Epoch::new(id, self.next_v, None));
        Ok(id)
    }

    /// The statement appending a version to `home`.
    fn insert_sql(&self, home: Home) -> std::borrow::Cow<'_, str> {
        let Home::Young(id) = home else {
            return LOG_INSERT.into();
        };
        match self.epochs.iter().rev().find(|e| e.id == id) {
            Some(e) => e.insert_sql.as_str().into(),
            None => insert_sql(&young_table(id)).into(),
        }
    }

    /// A record's version is no longer its latest.
    fn superseded(&mut self, old: Latest) {
        match old.home {
            Home::Log => {
                self.garbage.insert(old.v);
            }
            Home::Young(id) => {
                if let Some(e) = self.epochs.iter_mut().find(|e| e.id == id) {
                    e.live.remove(&old.v);
                }
            }
        }
    }

    /// Record `key`'s new latest version, written at `v` in `home`.
    fn set_latest(&mut self, key: Key, v: i64, home: Home) {
        let prev = self.latest.get(&key).copied();
        let in_log = home == Home::Log || prev.is_some_and(|p| p.in_log);
        if let Some(p) = prev {
            self.superseded(p);
        }
        if let Home::Young(id) = home {
            if let Some(e) = self.epochs.iter_mut().rev().find(|e| e.id == id) {
                e.live.insert(v, key);
            }
        }
        self.latest.insert(key, Latest { v, home, in_log });
    }
}

pub struct SqliteStore {
    conn: Connection,
    index: Index,
    /// Set by the checkpointer when the writer is to make the round's last
    /// pass; see `Checkpointer`.
    last_pass: Arc<AtomicBool>,
    gc_lag: usize,
    epoch_len: u64,
    epoch_lag: u64,
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
/// last) and writes the copied pages back to disk, paced so that the
/// writer's WAL syncs get the disk in between; then passes and writes back
/// again what the writer added meanwhile, until little was left. The writer
/// then makes the round's last pass right after its next commit: it copies
/// a few frames and syncs the database, about half a millisecond, and the
/// writer's following commit starts the WAL over.
///
/// The checkpointer runs at nice 10 (`lower_cpu_priority`), not at idle
/// priority: at SCHED_IDLE the closed-loop RunTask p99 was about a
/// millisecond lower, but at 4,000 RunTask/s offered the p99 rose from 7 to
/// 9-29 ms: a pass holds SQLite's WAL read lock 0 exclusively while it
/// copies pages, and the writer backs off and sleeps while a descheduled
/// checkpointer holds it.
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
                lower_cpu_priority();
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

/// Run the calling thread at nice 10: a round's passes copy pages for
/// 15-25 ms of CPU at full load, and on two cores they took that time from
/// the writer and the request threads. Alternated runs against nice 0:
/// RunTask at 4,000/s offered p99 3.0-3.4 ms against 4.2-5.5 (4 of 4),
/// closed loop p99.9 6.5-8.0 ms against 8.1-8.6 (6 of 6), p99 lower in 4 of
/// 6 and level in 2. Not idle priority: see `Checkpointer`. Failing to
/// lower it only costs latency.
fn lower_cpu_priority() {
    // SAFETY: plain syscalls on the calling thread; no memory is passed.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
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
    for _ in 0..MAX_WRITE_BACKS {
        for _ in 0..MAX_PASSES {
            let t = Instant::now();
            pass()?;
            if t.elapsed() < QUICK_PASS {
                break;
            }
        }
        // A pass that stops short of the WAL's end leaves the pages it
        // copied unsynced, for the pass that reaches the end to sync them
        // all; write them back now so that sync, on the writer, is short.
        // The writer went on committing meanwhile: pass again and write
        // those pages back too, until little was left to write.
        if write_back(db_file) < QUICK_PASS {
            break;
        }
    }
    last_pass.store(true, Ordering::Release);
    tracing::trace!(micros = started.elapsed().as_micros() as u64, "checkpoint");
    Ok(())
}

/// Write the file's dirty pages back, a slice at a time, and return how
/// long the disk was busy with them. Each slice is waited for, and after a
/// slice that went to disk the disk is left alone as long again, so that
/// the writer's WAL syncs never queue behind more than one slice: at full
/// load the writer's commits during a round's write-back took p50 0.9 ms
/// and p90 1.6 ms in 1 MB slices back to back, and 0.36 / 0.65 ms paced
/// (0.28 / 0.49 ms outside rounds). Not a durability point: SQLite's own
/// sync in the last pass is.
fn write_back(f: &std::fs::File) -> Duration {
    use std::os::fd::AsRawFd;
    const SLICE: i64 = 256 << 10;
    // A slice with nothing dirty returns in microseconds.
    const WENT_TO_DISK: Duration = Duration::from_micros(100);
    let len = f.metadata().map(|m| m.len() as i64).unwrap_or(0);
    let mut busy = Duration::ZERO;
    let mut off = 0;
    while off < len {
        let t = Instant::now();
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
            return busy;
        }
        let took = t.elapsed();
        if took > WENT_TO_DISK {
            busy += took;
            std::thread::sleep(took);
        }
        off += SLICE;
    }
    busy
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

    /// Open (creating if needed) `<dir>/tasknet.db`. The state is private:
    /// a new directory is made 0700 and the database files are 0600 (SQLite
    /// gives the WAL and shared-memory files the database file's mode).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let dir_err = |e| StoreError::Dir(dir.display().to_string(), e);
        private_dir(dir).map_err(dir_err)?;
        let path = dir.join("tasknet.db");
        private_files(dir).map_err(dir_err)?;
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

    fn init(mut conn: Connection, name: &str) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // No automatic checkpoints: the `Checkpointer` thread does the bulk,
        // the writer only each round's short last pass (and `wal_valve`).
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )?;
        conn.execute_batch(&create_table_sql("log"))?;
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match version.and_then(|v| v.parse::<i64>().ok()) {
            Some(v) if !(5..=SCHEMA_VERSION).contains(&v) => {
                return Err(StoreError::Schema(name.to_string(), v))
            }
            Some(5) => upgrade_5_to_6(&mut conn)?,
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
            index: Index {
                next_v: 1,
                next_epoch: 1,
                ..Index::default()
            },
            last_pass: Arc::new(AtomicBool::new(false)),
            gc_lag: GC_LAG,
            epoch_len: EPOCH_LEN,
            epoch_lag: EPOCH_LAG,
            checkpointer: None,
            wal: None,
            commits: 0,
        })
    }
}

/// Make `dir` (and its parents) if missing, the state directory itself 0700.
/// An existing directory is left as it is, with a warning if others can
/// read it.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if dir.is_dir() {
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                dir = %dir.display(),
                mode = format!("{:o}", mode & 0o777),
                "the state directory is open to other users; its files are not"
            );
        }
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

/// The database files 0600, created so if missing (SQLite then creates the
/// WAL and shared-memory files with the same mode), tightened if an earlier
/// release left them readable by others.
fn private_files(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let db = dir.join("tasknet.db");
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&db)?;
    for name in ["tasknet.db", "tasknet.db-wal", "tasknet.db-shm"] {
        let p = dir.join(name);
        if let Ok(m) = std::fs::metadata(&p) {
            if m.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

/// Schema 5 to 6: every body gains its record's format version. Bodies of
/// schema 5 were written before records had versions: they are version 1
/// (the varint `0x01`). One transaction: a crash leaves schema 5 intact.
fn upgrade_5_to_6(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let tables: Vec<String> = {
        let mut st = tx.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND (name = 'log' OR name GLOB 'young_*')",
        )?;
        let names = st.query_map([], |r| r.get::<_, String>(0))?;
        names.collect::<Result<_, _>>()?
    };
    for t in &tables {
        // In Rust, not SQL: `||` would turn the blobs into text.
        let rows: Vec<(i64, Vec<u8>)> = {
            let mut st = tx.prepare(&format!("SELECT v, body FROM {t} WHERE body IS NOT NULL"))?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut put = tx.prepare(&format!("UPDATE {t} SET body = ?1 WHERE v = ?2"))?;
        for (v, body) in rows {
            let mut versioned = Vec::with_capacity(body.len() + 1);
            versioned.push(1u8);
            versioned.extend_from_slice(&body);
            put.execute(params![versioned, v])?;
        }
    }
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?1)",
        params![SCHEMA_VERSION.to_string()],
    )?;
    tx.commit()?;
    tracing::info!(
        tables = tables.len(),
        "upgraded the store from schema 5 to {SCHEMA_VERSION}"
    );
    Ok(())
}

/// Append one version (or, with no body, a tombstone) to `home`.
fn insert(
    conn: &Connection,
    ix: &Index,
    home: Home,
    v: i64,
    (kind, region, seq): (&str, &str, u64),
    body: Option<&Vec<u8>>,
) -> Result<(), rusqlite::Error> {
    let mut put = conn.prepare_cached(&ix.insert_sql(home))?;
    put.execute(params![v, kind, region, seq as i64, body])?;
    Ok(())
}

/// Copy up to `budget` current versions out of young tables that are `lag`
/// versions old into `log`, oldest first, and drop each table once nothing
/// in it is current.
fn empty_old_epochs(
    conn: &Connection,
    ix: &mut Index,
    lag: u64,
    mut budget: usize,
) -> Result<(), rusqlite::Error> {
    let horizon = ix.next_v - lag as i64;
    while let Some(e) = ix.epochs.front_mut() {
        match e.end {
            Some(end) if end <= horizon => {}
            _ => break,
        }
        if !e.live.is_empty() {
            let mut copy = conn.prepare_cached(&format!(
                "INSERT INTO log SELECT v, kind, region, seq, body FROM {} WHERE v = ?1",
                young_table(e.id)
            ))?;
            while budget > 0 {
                let Some((v, key)) = e.live.pop_first() else {
                    break;
                };
                copy.execute([v])?;
                if let Some(l) = ix.latest.get_mut(&key) {
                    l.home = Home::Log;
                    l.in_log = true;
                }
                budget -= 1;
            }
        }
        if !e.live.is_empty() {
            break;
        }
        conn.execute_batch(&format!("DROP TABLE {}", young_table(e.id)))?;
        ix.epochs.pop_front();
    }
    Ok(())
}

impl Store for SqliteStore {
    fn load(&mut self) -> Result<Vec<Row>, StoreError> {
        let mut ids: Vec<u64> = {
            let mut st = self.conn.prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'young_*'",
            )?;
            let names = st.query_map([], |r| r.get::<_, String>(0))?;
            let mut ids = Vec::new();
            for name in names {
                let name = name?;
                if let Some(id) = name.strip_prefix("young_").and_then(|n| n.parse().ok()) {
                    ids.push(id);
                }
            }
            ids
        };
        ids.sort_unstable();
        // Every row of every table, in log order. A version copied from a
        // young table to `log` is in both until the young table is dropped;
        // `log`'s copy sorts first and the other is skipped.
        type Stored = (i64, Home, Key, Option<Vec<u8>>);
        let mut all: Vec<Stored> = Vec::new();
        let mut names = Names::default();
        let mut ends: HashMap<u64, i64> = HashMap::new();
        let homes = std::iter::once(Home::Log).chain(ids.iter().map(|&id| Home::Young(id)));
        for home in homes {
            let mut st = self.conn.prepare(&format!(
                "SELECT v, kind, region, seq, body FROM {}",
                table_of(home)
            ))?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let v: i64 = r.get(0)?;
                let kind: String = r.get(1)?;
                let region: String = r.get(2)?;
                let key = names.key(&kind, &region, r.get::<_, i64>(3)? as u64);
                if let Home::Young(id) = home {
                    let end = ends.entry(id).or_insert(0);
                    *end = (*end).max(v + 1);
                }
                all.push((v, home, key, r.get(4)?));
            }
        }
        all.sort_by_key(|(v, home, _, _)| (*v, *home != Home::Log));
        all.dedup_by_key(|(v, _, _, _)| *v);

        let mut index = Index {
            next_v: all.last().map_or(1, |r| r.0 + 1),
            next_epoch: ids.last().map_or(1, |id| id + 1),
            names,
            epochs: ids
                .iter()
                .map(|&id| Epoch::new(id, 0, Some(ends.get(&id).copied().unwrap_or(0))))
                .collect(),
            ..Index::default()
        };
        let mut bodies: FxHashMap<Key, Vec<u8>> = FxHashMap::default();
        for (v, home, key, body) in all {
            match body {
                Some(b) => {
                    index.set_latest(key, v, home);
                    bodies.insert(key, b);
                }
                None => {
                    if let Some(old) = index.latest.remove(&key) {
                        index.superseded(old);
                    }
                    bodies.remove(&key);
                    if home == Home::Log {
                        index.garbage.insert(v);
                    }
                }
            }
        }
        let mut out: Vec<Row> = bodies
            .into_iter()
            .map(|((kind, region, seq), body)| Row {
                kind: index.names.name(kind).to_string(),
                region: index.names.name(region).to_string(),
                seq,
                body,
            })
            .collect();
        self.index = index;
        out.sort_by(|a, b| (&a.kind, &a.region, a.seq).cmp(&(&b.kind, &b.region, b.seq)));
        Ok(out)
    }

    fn commit(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        let started = Instant::now();
        let tx = self.conn.transaction()?;
        let ix = &mut self.index;
        for w in writes {
            match w {
                Write::Wipe => {
                    tx.execute("DELETE FROM log", [])?;
                    for e in ix.epochs.drain(..) {
                        tx.execute_batch(&format!("DROP TABLE {}", young_table(e.id)))?;
                    }
                    ix.latest.clear();
                    ix.garbage.clear();
                }
                Write::Put {
                    kind,
                    region,
                    seq,
                    body,
                    lasting,
                } => {
                    let home = if *lasting {
                        Home::Log
                    } else {
                        Home::Young(ix.current_epoch(&tx, self.epoch_len)?)
                    };
                    let v = ix.take_v();
                    insert(&tx, ix, home, v, (kind, region, *seq), Some(body))?;
                    let key = ix.names.key(kind, region, *seq);
                    ix.set_latest(key, v, home);
                }
                Write::Delete { kind, region, seq } => {
                    // Nothing stored, nothing to bury.
                    let key = ix.names.key(kind, region, *seq);
                    let Some(old) = ix.latest.remove(&key) else {
                        continue;
                    };
                    ix.superseded(old);
                    let home = if old.in_log {
                        Home::Log
                    } else {
                        Home::Young(ix.current_epoch(&tx, self.epoch_len)?)
                    };
                    let v = ix.take_v();
                    insert(&tx, ix, home, v, (kind, region, *seq), None)?;
                    if home == Home::Log {
                        ix.garbage.insert(v);
                    }
                }
            }
        }
        let budget = 2 * writes.len() + GC_PER_COMMIT;
        let inserted = started.elapsed();
        empty_old_epochs(&tx, ix, self.epoch_lag, budget)?;
        let young_done = started.elapsed();
        // Collect `log`'s oldest garbage once it is `gc_lag` versions behind:
        // by then nearly every version on its page is garbage too, so each
        // page is rewritten about once, where collecting just-superseded
        // versions dirtied a page per row. At least as much as this commit
        // made, plus a share of any backlog.
        let excess = ix.garbage.len().saturating_sub(self.gc_lag);
        let n = excess.min(budget + excess / 64);
        {
            let mut del = tx.prepare_cached("DELETE FROM log WHERE v BETWEEN ?1 AND ?2")?;
            let mut run: Option<(i64, i64)> = None;
            for _ in 0..n {
                let Some(v) = ix.garbage.pop_first() else {
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
        let collected = started.elapsed();
        tx.commit()?;
        // Where a commit's time went (a slow one is nearly always the sync:
        // the WAL write and its fdatasync, a device flush here).
        tracing::trace!(
            rows = writes.len(),
            insert_us = inserted.as_micros() as u64,
            young_us = (young_done - inserted).as_micros() as u64,
            gc_us = (collected - young_done).as_micros() as u64,
            sync_us = (started.elapsed() - collected).as_micros() as u64,
            "commit"
        );
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

    fn put_as(kind: &'static str, seq: u64, body: &str, lasting: bool) -> Write {
        Write::Put {
            kind,
            region: "us-east-1".into(),
            seq,
            body: body.as_bytes().to_vec(),
            lasting,
        }
    }

    fn put(kind: &'static str, seq: u64, body: &str) -> Write {
        put_as(kind, seq, body, false)
    }

    fn put_lasting(kind: &'static str, seq: u64, body: &str) -> Write {
        put_as(kind, seq, body, true)
    }

    fn delete(kind: &'static str, seq: u64) -> Write {
        Write::Delete {
            kind,
            region: "us-east-1".into(),
            seq,
        }
    }

    fn count(s: &SqliteStore, table: &str) -> i64 {
        s.conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    fn log_len(s: &SqliteStore) -> i64 {
        count(s, "log")
    }

    fn young_tables(s: &SqliteStore) -> Vec<String> {
        let mut st = s
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE name GLOB 'young_*'")
            .unwrap();
        let names = st.query_map([], |r| r.get(0)).unwrap();
        names.map(|n| n.unwrap()).collect()
    }

    /// Rows in every table.
    fn stored(s: &SqliteStore) -> i64 {
        log_len(s) + young_tables(s).iter().map(|t| count(s, t)).sum::<i64>()
    }

    /// A store with small young tables: 50 versions each, emptied 100
    /// versions later.
    fn small_epochs() -> SqliteStore {
        let mut s = SqliteStore::in_memory().unwrap();
        s.epoch_len = 50;
        s.epoch_lag = 100;
        s
    }

    /// Rewrite one filler record `n` times, one commit each: moves time
    /// on without leaving anything current behind (the filler's latest
    /// version is always in the newest young table).
    fn advance(s: &mut SqliteStore, n: usize) {
        for i in 0..n {
            s.commit(&[put("filler", 1, &format!("f{i}"))]).unwrap();
        }
    }

    fn body_of(rows: &[Row], kind: &str, seq: u64) -> Option<String> {
        rows.iter()
            .find(|r| r.kind == kind && r.seq == seq)
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
    }

    #[test]
    fn commit_load_delete_wipe() {
        let mut s = SqliteStore::in_memory().unwrap();
        s.commit(&[put("vpc", 2, "a"), put_lasting("vpc", 1, "b")])
            .unwrap();
        s.commit(&[put("vpc", 2, "a2")]).unwrap();
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].seq, rows[1].seq), (1, 2));
        assert_eq!(rows[1].body, b"a2");
        s.commit(&[delete("vpc", 1)]).unwrap();
        assert_eq!(s.load().unwrap().len(), 1);
        s.commit(&[Write::Wipe, put("sg", 1, "c")]).unwrap();
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, "sg");
        assert_eq!(young_tables(&s).len(), 1, "a wipe drops every young table");
    }

    #[test]
    fn lasting_versions_go_to_log_at_once() {
        let mut s = small_epochs();
        s.commit(&[put_lasting("task", 1, "stopped"), put("task", 2, "pending")])
            .unwrap();
        assert_eq!(log_len(&s), 1);
        assert_eq!(stored(&s), 2);
    }

    #[test]
    fn superseded_versions_in_log_are_collected() {
        let mut s = SqliteStore::in_memory().unwrap();
        s.gc_lag = 100;
        for round in 0..50 {
            let writes: Vec<Write> = (0..20)
                .map(|seq| put_lasting("task", seq, &format!("r{round}")))
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
        let dels: Vec<Write> = (0..20).map(|seq| delete("task", seq)).collect();
        s.commit(&dels).unwrap();
        for _ in 0..5 {
            s.commit(&[put_lasting("other", 1, "x")]).unwrap();
        }
        assert!(s.load().unwrap().iter().all(|r| r.kind == "other"));
        assert!(log_len(&s) <= 2, "{}", log_len(&s));
    }

    #[test]
    fn short_lived_versions_go_with_their_table() {
        let mut s = small_epochs();
        for round in 0..100 {
            let writes: Vec<Write> = (0..10)
                .map(|seq| put("task", seq, &format!("r{round}")))
                .collect();
            s.commit(&writes).unwrap();
        }
        // 1,000 versions written; every table older than the lag was
        // dropped, and nothing outlived it, so nothing was copied to `log`.
        assert_eq!(log_len(&s), 0);
        assert!(young_tables(&s).len() <= 4, "{:?}", young_tables(&s));
        assert!(stored(&s) <= 200, "{} rows stored", stored(&s));
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 10);
        assert!(rows.iter().all(|r| r.body == b"r99"));
        // Versions that stay current are copied to `log` once their table
        // is old enough, and stay loadable.
        advance(&mut s, 300);
        assert_eq!(log_len(&s), 10, "the ten tasks, not the filler");
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 11);
        assert_eq!(body_of(&rows, "task", 3).as_deref(), Some("r99"));
    }

    #[test]
    fn a_record_once_in_log_stays_deleted() {
        // Record 7 is copied to `log`, superseded by a young version (its
        // `log` row is garbage, not yet collected) and deleted. The young
        // tables holding its later versions are then dropped: the tombstone
        // must be in `log`, or the old row would come back.
        let mut s = small_epochs();
        s.gc_lag = 1_000_000;
        s.commit(&[put("eni", 7, "attached")]).unwrap();
        advance(&mut s, 200);
        assert_eq!(log_len(&s), 1, "eni 7 was copied to log");
        s.commit(&[put("eni", 7, "detaching")]).unwrap();
        s.commit(&[delete("eni", 7)]).unwrap();
        advance(&mut s, 300);
        let rows = s.load().unwrap();
        assert_eq!(body_of(&rows, "eni", 7), None);
        assert_eq!(rows.len(), 1);
        // A record only ever in young tables needs no tombstone in `log`.
        let before = log_len(&s);
        s.commit(&[put("eni", 8, "attached")]).unwrap();
        s.commit(&[delete("eni", 8)]).unwrap();
        advance(&mut s, 300);
        assert_eq!(body_of(&s.load().unwrap(), "eni", 8), None);
        assert_eq!(log_len(&s), before);
    }

    #[test]
    fn a_table_partly_copied_to_log_loads_each_record_once() {
        let mut s = small_epochs();
        s.epoch_len = 500;
        // 300 records written once, in one young table.
        let writes: Vec<Write> = (0..300)
            .map(|seq| put("task", seq, &format!("t{seq}")))
            .collect();
        s.commit(&writes).unwrap();
        // One small commit past the lag copies only part of them.
        advance(&mut s, 600);
        let copied = log_len(&s);
        assert!(copied > 0, "some records were copied");
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 301);
        assert_eq!(body_of(&rows, "task", 299).as_deref(), Some("t299"));
        // The reloaded index finishes the copy and drops the table.
        advance(&mut s, 600);
        assert_eq!(log_len(&s), 300);
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 301);
        assert_eq!(body_of(&rows, "task", 0).as_deref(), Some("t0"));
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
