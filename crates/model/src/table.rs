//! A table of records that remembers what changed, so that the control plane
//! can persist exactly the records a request touched.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A persisted resource: one row in the store, keyed by (`KIND`, id).
/// Records are shared (`Arc`) with the changes drained from their table and
/// copied only if changed again before those are encoded.
pub trait Record: crate::codec::Versioned + Clone + Send + Sync + 'static {
    const KIND: &'static str;
    fn id(&self) -> &str;
    /// The Region the record lives in (`""` for global records such as IAM roles).
    fn region(&self) -> &str;
    /// Restore fields that are not persisted (derived keys) after loading.
    fn after_load(&mut self) {}
    /// Kind of a second row holding what never changes after creation
    /// (`None`: the record is one row). That row is written when the record
    /// is inserted, not when it is changed.
    const FIXED_KIND: Option<&'static str> = None;
    /// The second row's bytes, with `FIXED_KIND`.
    fn encode_fixed(&self) -> Option<Vec<u8>> {
        None
    }
    /// Restore the second row's part after loading the main row.
    fn attach_fixed(&mut self, _fixed: &[u8]) -> Result<(), String> {
        Ok(())
    }
    /// Whether this version is likely to stay current for a long time (a
    /// finished task): the store then files it with the long-lived rows at
    /// once, instead of copying it there once it has outlived the versions
    /// that are superseded within moments. Only a hint; either way is correct.
    fn lasting(&self) -> bool {
        false
    }
}

/// A changed record, encoded when `encode` is called: the control plane
/// encodes after it has released the world lock.
#[derive(Clone)]
pub struct Body {
    rec: Arc<dyn Encode>,
    /// Whether the record's fixed row (`Record::FIXED_KIND`) is written too.
    with_fixed: bool,
}

trait Encode: Send + Sync {
    fn as_any(&self) -> &dyn std::any::Any;
    fn encode(&self) -> Vec<u8>;
    fn encode_fixed(&self) -> Option<(&'static str, Vec<u8>)>;
    fn lasting(&self) -> bool;
}

impl<T: Record> Encode for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn encode(&self) -> Vec<u8> {
        crate::codec::encode_versioned(self)
    }
    fn encode_fixed(&self) -> Option<(&'static str, Vec<u8>)> {
        Some((T::FIXED_KIND?, Record::encode_fixed(self)?))
    }
    fn lasting(&self) -> bool {
        Record::lasting(self)
    }
}

/// One store row of a changed record.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedRow {
    pub kind: &'static str,
    pub bytes: Vec<u8>,
    /// `Record::lasting`; a fixed row always is.
    pub lasting: bool,
}

impl Body {
    /// The record, if it is a `T` (consumers of the change feed look at
    /// the records of the kinds they follow).
    pub fn get<T: Record>(&self) -> Option<&T> {
        self.rec.as_any().downcast_ref()
    }
    /// The main row's bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.rec.encode()
    }
    /// The fixed row's kind and bytes, when it is to be written.
    pub fn encode_fixed(&self) -> Option<(&'static str, Vec<u8>)> {
        if self.with_fixed {
            self.rec.encode_fixed()
        } else {
            None
        }
    }
    /// The rows to store for a record of `kind`: its fixed row first, if
    /// written, then its main row.
    pub fn rows(&self, kind: &'static str) -> Vec<EncodedRow> {
        let mut rows: Vec<_> = self
            .encode_fixed()
            .into_iter()
            .map(|(kind, bytes)| EncodedRow {
                kind,
                bytes,
                lasting: true,
            })
            .collect();
        rows.push(EncodedRow {
            kind,
            bytes: self.encode(),
            lasting: self.rec.lasting(),
        });
        rows
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Body({} bytes, fixed row: {})",
            self.encode().len(),
            self.with_fixed
        )
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        self.encode() == other.encode() && self.encode_fixed() == other.encode_fixed()
    }
}

/// One persisted change, in the order the store must apply it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Forget everything (a reset); always first in its batch.
    Wipe,
    /// A record is stored under (kind, region, seq): creation order within a
    /// table, so that a table's recently created (hot) records share pages.
    Put {
        kind: &'static str,
        region: String,
        seq: u64,
        body: Body,
    },
    /// A record is gone; `body` is the record as it was (for the change
    /// feed; the store needs only the key).
    Delete {
        kind: &'static str,
        region: String,
        seq: u64,
        body: Body,
    },
}

/// Records in creation order (`seq`), with an id index and a dirty set.
/// The maps hash with Fx, not SipHash: a task is looked up about 17 times
/// over its lifecycle, and ids are ours or AWS-shaped (no flooding concern
/// for a local emulator).
#[derive(Debug, Clone)]
pub struct Table<T> {
    rows: BTreeMap<u64, Arc<T>>,
    index: FxHashMap<String, u64>,
    next_seq: u64,
    /// Sequence numbers of changed records (no id copy per mutation).
    dirty: FxHashSet<u64>,
    /// Of those, records inserted since the last drain: their fixed row
    /// (`Record::FIXED_KIND`) is written too.
    inserted: FxHashSet<u64>,
    /// Removed records, with their (region, seq).
    deleted: Vec<(String, u64, Arc<T>)>,
    /// Each record touched since the last commit, as it was before (`None`:
    /// it did not exist), so that a failed request can be undone.
    journal: FxHashMap<u64, Option<Arc<T>>>,
    /// `next_seq` at the last commit.
    committed_next_seq: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: BTreeMap::new(),
            index: FxHashMap::default(),
            next_seq: 1,
            dirty: FxHashSet::default(),
            inserted: FxHashSet::default(),
            deleted: Vec::new(),
            journal: FxHashMap::default(),
            committed_next_seq: 1,
        }
    }
}

impl<T: Record> Table<T> {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }
    pub fn get(&self, id: &str) -> Option<&T> {
        self.index
            .get(id)
            .and_then(|s| self.rows.get(s))
            .map(|r| &**r)
    }
    /// Keep the record at `seq` as it is now, unless it was kept already
    /// since the last commit.
    fn keep(&mut self, seq: u64) {
        if !self.journal.contains_key(&seq) {
            self.journal.insert(seq, self.rows.get(&seq).cloned());
        }
    }
    /// Mutable access marks the record dirty.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        let seq = *self.index.get(id)?;
        self.keep(seq);
        self.dirty.insert(seq);
        self.rows.get_mut(&seq).map(Arc::make_mut)
    }
    pub fn insert(&mut self, rec: T) {
        let seq = match self.index.get(rec.id()) {
            Some(seq) => *seq,
            None => {
                let seq = self.next_seq;
                self.next_seq += 1;
                self.index.insert(rec.id().to_string(), seq);
                seq
            }
        };
        self.keep(seq);
        self.rows.insert(seq, Arc::new(rec));
        self.dirty.insert(seq);
        self.inserted.insert(seq);
    }
    /// Remove a record; it is handed back shared, not copied (a drained
    /// change may still hold it).
    pub fn remove(&mut self, id: &str) -> Option<Arc<T>> {
        let seq = *self.index.get(id)?;
        self.keep(seq);
        self.index.remove(id);
        self.dirty.remove(&seq);
        self.inserted.remove(&seq);
        let rec = self.rows.remove(&seq)?;
        self.deleted
            .push((rec.region().to_string(), seq, rec.clone()));
        Some(rec)
    }
    /// Records in creation order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.rows.values().map(|r| &**r)
    }
    /// Records with their sequence numbers (stable pagination positions).
    pub fn iter_seq(&self) -> impl DoubleEndedIterator<Item = (u64, &T)> {
        self.rows.iter().map(|(s, r)| (*s, &**r))
    }
    /// Records from sequence number `from` on.
    pub fn iter_from(&self, from: u64) -> impl Iterator<Item = (u64, &T)> {
        self.rows.range(from..).map(|(s, r)| (*s, &**r))
    }
    /// Change every record for which `pick` holds with `f` (only those are
    /// copied and marked dirty).
    pub fn update_where(&mut self, pick: impl Fn(&T) -> bool, mut f: impl FnMut(&mut T)) {
        let seqs: Vec<u64> = self
            .rows
            .iter()
            .filter(|(_, r)| pick(r))
            .map(|(s, _)| *s)
            .collect();
        for seq in seqs {
            self.keep(seq);
            self.dirty.insert(seq);
            if let Some(r) = self.rows.get_mut(&seq) {
                f(Arc::make_mut(r));
            }
        }
    }
    pub fn seq_of(&self, id: &str) -> Option<u64> {
        self.index.get(id).copied()
    }

    /// Restore a persisted record without marking it dirty.
    pub fn load(&mut self, seq: u64, rec: T) {
        let id = rec.id().to_string();
        self.next_seq = self.next_seq.max(seq + 1);
        if let Some(old) = self.index.insert(id, seq) {
            self.rows.remove(&old);
        }
        self.rows.insert(seq, Arc::new(rec));
        self.committed_next_seq = self.next_seq;
    }

    /// Keep the changes made since the last commit (they can no longer be
    /// rolled back).
    pub fn commit(&mut self) {
        self.journal.clear();
        self.committed_next_seq = self.next_seq;
    }

    /// Put every record touched since the last commit back as it was, and
    /// forget those changes.
    pub fn rollback(&mut self) {
        for (seq, before) in std::mem::take(&mut self.journal) {
            if let Some(now) = self.rows.remove(&seq) {
                if self.index.get(now.id()) == Some(&seq) {
                    self.index.remove(now.id());
                }
            }
            self.dirty.remove(&seq);
            self.inserted.remove(&seq);
            self.deleted.retain(|(_, s, _)| *s != seq);
            if let Some(rec) = before {
                self.index.insert(rec.id().to_string(), seq);
                self.rows.insert(seq, rec);
            }
        }
        self.next_seq = self.committed_next_seq;
    }

    /// Move pending changes into `out`; this commits them.
    pub fn drain_changes(&mut self, out: &mut Vec<Change>) {
        self.commit();
        for (region, seq, rec) in self.deleted.drain(..) {
            let body = Body {
                rec,
                with_fixed: false,
            };
            if let Some(kind) = T::FIXED_KIND {
                out.push(Change::Delete {
                    kind,
                    region: region.clone(),
                    seq,
                    body: body.clone(),
                });
            }
            out.push(Change::Delete {
                kind: T::KIND,
                region,
                seq,
                body,
            });
        }
        for seq in self.dirty.drain() {
            if let Some(rec) = self.rows.get(&seq) {
                out.push(Change::Put {
                    kind: T::KIND,
                    region: rec.region().to_string(),
                    seq,
                    body: Body {
                        rec: rec.clone(),
                        with_fixed: self.inserted.remove(&seq),
                    },
                });
            }
        }
        self.inserted.clear();
    }

    pub fn has_changes(&self) -> bool {
        !self.dirty.is_empty() || !self.deleted.is_empty()
    }
}

/// Something done to each table of a state, whatever its record type: the
/// bookkeeping every table shares (drain, commit, rollback, load) is
/// written once, and a state lists its tables once (`visit_tables`).
pub trait TableVisitor {
    fn visit<T: Record>(&mut self, t: &mut Table<T>);
}

/// The same, reading.
pub trait TableReader {
    fn read<T: Record>(&mut self, t: &Table<T>);
}

/// Move each table's pending changes into the vector (this commits them).
pub struct Drain<'a>(pub &'a mut Vec<Change>);
impl TableVisitor for Drain<'_> {
    fn visit<T: Record>(&mut self, t: &mut Table<T>) {
        t.drain_changes(self.0)
    }
}

/// Keep each table's changes (they stay pending for the drain).
pub struct Commit;
impl TableVisitor for Commit {
    fn visit<T: Record>(&mut self, t: &mut Table<T>) {
        t.commit()
    }
}

/// Undo each table's changes since the last commit.
pub struct Rollback;
impl TableVisitor for Rollback {
    fn visit<T: Record>(&mut self, t: &mut Table<T>) {
        t.rollback()
    }
}

/// Fixed rows (`Record::FIXED_KIND`) by (kind, scope, seq), waiting for the
/// records that join them.
pub type FixedRows = std::collections::HashMap<(String, String, u64), Vec<u8>>;

/// Load one stored row into the table of its kind, joining its fixed row.
pub struct Load<'a> {
    pub kind: &'a str,
    pub scope: &'a str,
    pub seq: u64,
    pub body: &'a [u8],
    pub fixed: &'a mut FixedRows,
    /// Set once a table of the row's kind took it.
    pub result: Option<Result<(), String>>,
}

impl Load<'_> {
    fn load<T: Record>(&mut self, t: &mut Table<T>) -> Result<(), String> {
        let mut rec: T = crate::codec::decode_versioned(self.body)?;
        if let Some(kind) = T::FIXED_KIND {
            let key = (kind.to_string(), self.scope.to_string(), self.seq);
            let body = self
                .fixed
                .remove(&key)
                .ok_or_else(|| format!("its {kind} row is missing"))?;
            rec.attach_fixed(&body)
                .map_err(|e| format!("its {kind} row: {e}"))?;
        }
        rec.after_load();
        t.load(self.seq, rec);
        Ok(())
    }
}

impl TableVisitor for Load<'_> {
    fn visit<T: Record>(&mut self, t: &mut Table<T>) {
        if self.result.is_none() && self.kind == T::KIND {
            self.result = Some(self.load(t));
        }
    }
}

/// Every record as hex, in creation order per table (see `Cloud::fingerprint`).
pub struct Fingerprint<'a>(pub &'a mut String);
impl TableReader for Fingerprint<'_> {
    fn read<T: Record>(&mut self, t: &Table<T>) {
        use std::fmt::Write;
        for (seq, r) in t.iter_seq() {
            let _ = writeln!(
                self.0,
                "{} {seq} {}",
                T::KIND,
                hex(&crate::codec::encode(r))
            );
            if let Some(f) = r.encode_fixed() {
                let _ = writeln!(self.0, "  fixed {}", hex(&f));
            }
        }
    }
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// `visit_tables` and `read_tables` for a state from one list of its table
/// fields: registering a record kind is adding its table to the list.
#[macro_export]
macro_rules! tables {
    ($ty:ty { $($($field:ident).+),* $(,)? }) => {
        impl $ty {
            pub fn visit_tables(&mut self, v: &mut impl $crate::table::TableVisitor) {
                $( v.visit(&mut self.$($field).+); )*
            }
            pub fn read_tables(&self, v: &mut impl $crate::table::TableReader) {
                $( v.read(&self.$($field).+); )*
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct R {
        id: String,
        v: u32,
    }
    impl crate::codec::Versioned for R {}
    impl Record for R {
        const KIND: &'static str = "r";
        fn id(&self) -> &str {
            &self.id
        }
        fn region(&self) -> &str {
            ""
        }
    }

    #[test]
    fn tracks_puts_and_deletes_in_order() {
        let mut t = Table::default();
        t.insert(R {
            id: "b".into(),
            v: 1,
        });
        t.insert(R {
            id: "a".into(),
            v: 2,
        });
        let ids: Vec<_> = t.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids, ["b", "a"]);
        let mut out = vec![];
        t.drain_changes(&mut out);
        assert_eq!(out.len(), 2);
        assert!(!t.has_changes());
        t.get_mut("a").unwrap().v = 3;
        t.remove("b");
        out.clear();
        t.drain_changes(&mut out);
        assert!(matches!(
            &out[0],
            Change::Delete { kind: "r", seq: 1, body, .. } if body.get::<R>().is_some_and(|r| r.id == "b")
        ));
        assert!(matches!(&out[1], Change::Put { seq: 2, .. }));
    }

    fn r(id: &str, v: u32) -> R {
        R { id: id.into(), v }
    }

    fn contents(t: &Table<R>) -> Vec<(u64, String, u32)> {
        t.iter_seq().map(|(s, r)| (s, r.id.clone(), r.v)).collect()
    }

    #[test]
    fn rollback_restores_records_index_and_sequence() {
        let mut t = Table::default();
        t.insert(r("a", 1));
        t.insert(r("b", 2));
        t.insert(r("c", 3));
        t.drain_changes(&mut vec![]);
        let before = contents(&t);
        t.get_mut("a").unwrap().v = 10;
        t.get_mut("a").unwrap().v = 11;
        t.remove("b");
        t.insert(r("b", 20)); // same id again: a new seq
        t.insert(r("d", 4));
        t.update_where(|x| x.v == 3, |x| x.v = 30);
        t.remove("d");
        t.rollback();
        assert_eq!(contents(&t), before);
        assert!(!t.has_changes());
        assert_eq!(t.get("b").unwrap().v, 2);
        assert_eq!(t.seq_of("b"), Some(2));
        assert!(t.get("d").is_none());
        // The next record gets the sequence number it would have had.
        t.insert(r("e", 5));
        assert_eq!(t.seq_of("e"), Some(4));
        let mut out = vec![];
        t.drain_changes(&mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn committed_changes_survive_a_later_rollback() {
        let mut t = Table::default();
        t.insert(r("a", 1));
        t.drain_changes(&mut vec![]);
        t.get_mut("a").unwrap().v = 2;
        t.drain_changes(&mut vec![]);
        t.get_mut("a").unwrap().v = 3;
        t.rollback();
        assert_eq!(t.get("a").unwrap().v, 2);
    }

    #[test]
    fn load_restores_sequence() {
        let mut t = Table::default();
        t.load(
            7,
            R {
                id: "x".into(),
                v: 0,
            },
        );
        assert!(!t.has_changes());
        t.insert(R {
            id: "y".into(),
            v: 0,
        });
        assert_eq!(t.seq_of("y"), Some(8));
    }
}
