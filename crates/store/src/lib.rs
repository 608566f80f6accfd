//! Durable state. The control plane persists records as (kind, id, seq, body)
//! rows through the `Store` trait; `SqliteStore` is the embedded default
//! (SQLite in WAL mode, `synchronous=FULL`, so a commit survives power loss).
//! A batch is one transaction: the control plane groups the changes of many
//! requests into one commit and answers them only after it returns.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("state directory {0}: {1}")]
    Dir(String, std::io::Error),
    #[error("the state in {0} was written by a newer tasknet (schema {1})")]
    Schema(String, i64),
}

/// One row as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: String,
    pub id: String,
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
        id: String,
        seq: u64,
        body: Vec<u8>,
    },
    Delete {
        kind: &'static str,
        id: String,
    },
}

/// The seam where a server database could stand in for SQLite.
pub trait Store: Send {
    fn load(&mut self) -> Result<Vec<Row>, StoreError>;
    /// Apply all writes atomically and durably.
    fn commit(&mut self, writes: &[Write]) -> Result<(), StoreError>;
    fn get_meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
}

const SCHEMA_VERSION: i64 = 1;

pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Open (creating if needed) `<dir>/tasknet.db`. WAL checkpoints run on a
    /// background connection so that commits never wait for them.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Dir(dir.display().to_string(), e))?;
        let path = dir.join("tasknet.db");
        let conn = Connection::open(&path)?;
        let store = Self::init(conn, &path.display().to_string())?;
        store.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let ck = Connection::open(&path)?;
        std::thread::Builder::new()
            .name("checkpointer".into())
            .spawn(move || checkpointer(ck))
            .map_err(|e| StoreError::Dir(path.display().to_string(), e))?;
        Ok(store)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, ":memory:")
    }

    fn init(conn: Connection, name: &str) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS records (
                 kind TEXT NOT NULL,
                 id   TEXT NOT NULL,
                 seq  INTEGER NOT NULL,
                 body BLOB NOT NULL,
                 PRIMARY KEY (kind, id)
             );",
        )?;
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match version.and_then(|v| v.parse::<i64>().ok()) {
            Some(v) if v > SCHEMA_VERSION => return Err(StoreError::Schema(name.to_string(), v)),
            Some(_) => {}
            None => {
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )?;
            }
        }
        Ok(SqliteStore { conn })
    }
}

/// Fold the WAL back into the database once a second without blocking
/// writers (PASSIVE); truncate it when it has grown large. Ends when the
/// database can no longer be opened for checkpointing (process exit).
fn checkpointer(conn: Connection) {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
        let mode = match std::fs::metadata(format!("{}-wal", conn.path().unwrap_or_default())) {
            Ok(m) if m.len() > 256 * 1024 * 1024 => "TRUNCATE",
            _ => "PASSIVE",
        };
        if let Err(e) = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

impl Store for SqliteStore {
    fn load(&mut self) -> Result<Vec<Row>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT kind, id, seq, body FROM records ORDER BY seq, kind, id")?;
        let rows = st
            .query_map([], |r| {
                Ok(Row {
                    kind: r.get(0)?,
                    id: r.get(1)?,
                    seq: r.get::<_, i64>(2)? as u64,
                    body: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn commit(&mut self, writes: &[Write]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO records (kind, id, seq, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
            )?;
            let mut del = tx.prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")?;
            for w in writes {
                match w {
                    Write::Wipe => {
                        tx.execute("DELETE FROM records", [])?;
                    }
                    Write::Put {
                        kind,
                        id,
                        seq,
                        body,
                    } => {
                        put.execute(params![kind, id, *seq as i64, body])?;
                    }
                    Write::Delete { kind, id } => {
                        del.execute(params![kind, id])?;
                    }
                }
            }
        }
        tx.commit()?;
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

    fn put(kind: &'static str, id: &str, seq: u64, body: &str) -> Write {
        Write::Put {
            kind,
            id: id.into(),
            seq,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn commit_load_delete_wipe() {
        let mut s = SqliteStore::in_memory().unwrap();
        s.commit(&[put("vpc", "vpc-1", 2, "a"), put("vpc", "vpc-2", 1, "b")])
            .unwrap();
        s.commit(&[put("vpc", "vpc-1", 2, "a2")]).unwrap();
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].id, "vpc-2");
        assert_eq!(rows[1].body, b"a2");
        s.commit(&[Write::Delete {
            kind: "vpc",
            id: "vpc-2".into(),
        }])
        .unwrap();
        assert_eq!(s.load().unwrap().len(), 1);
        s.commit(&[Write::Wipe, put("sg", "sg-1", 1, "c")]).unwrap();
        let rows = s.load().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, "sg");
    }

    #[test]
    fn survives_reopen() {
        let dir = std::env::temp_dir().join(format!("tasknet-store-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let mut s = SqliteStore::open(&dir).unwrap();
            s.commit(&[put("vpc", "vpc-1", 1, "x")]).unwrap();
            s.set_meta("account", "123").unwrap();
        }
        let mut s = SqliteStore::open(&dir).unwrap();
        assert_eq!(s.load().unwrap().len(), 1);
        assert_eq!(s.get_meta("account").unwrap().as_deref(), Some("123"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
