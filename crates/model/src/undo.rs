//! Derived state that can be put back as it was when a request fails.
//!
//! A request is all-or-nothing: when an operation returns an error, every
//! record it touched is restored (`Table` keeps each record's pre-image) and
//! so is the derived state it changed: address allocators, the task
//! schedule, placement counts, client tokens. These containers remember what
//! changed since the last `commit` so that `rollback` restores exactly that,
//! in time proportional to the change rather than to the Region.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeSet;
use std::hash::Hash;

/// A hash map that keeps each entry's value from before its first change
/// since the last `commit`.
#[derive(Debug, Clone)]
pub struct UndoMap<K, V> {
    map: FxHashMap<K, V>,
    /// Pre-images: `None` when the key was absent.
    saved: FxHashMap<K, Option<V>>,
}

impl<K, V> Default for UndoMap<K, V> {
    fn default() -> Self {
        UndoMap {
            map: FxHashMap::default(),
            saved: FxHashMap::default(),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> UndoMap<K, V> {
    fn save(&mut self, k: &K) {
        if !self.saved.contains_key(k) {
            self.saved.insert(k.clone(), self.map.get(k).cloned());
        }
    }

    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(k)
    }

    pub fn contains_key<Q>(&self, k: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.contains_key(k)
    }

    /// Mutable access to an existing entry (its pre-image is kept).
    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if !self.map.contains_key(k) {
            return None;
        }
        if !self.saved.contains_key(k) {
            self.saved.insert(k.to_owned(), self.map.get(k).cloned());
        }
        self.map.get_mut(k)
    }

    /// Mutable access, inserting `f()` when absent.
    pub fn get_or_insert_with(&mut self, k: K, f: impl FnOnce() -> V) -> &mut V {
        self.save(&k);
        self.map.entry(k).or_insert_with(f)
    }

    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.save(&k);
        self.map.insert(k, v)
    }

    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if !self.map.contains_key(k) {
            return None;
        }
        if !self.saved.contains_key(k) {
            self.saved.insert(k.to_owned(), self.map.get(k).cloned());
        }
        self.map.remove(k)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The entries in key order (for comparisons in tests).
    pub fn sorted(&self) -> Vec<(&K, &V)>
    where
        K: Ord,
    {
        let mut v: Vec<_> = self.map.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Empty it, as state rebuilt from scratch (not undoable).
    pub fn reset(&mut self) {
        self.map.clear();
        self.saved.clear();
    }

    /// Keep the changes.
    pub fn commit(&mut self) {
        self.saved.clear();
    }

    /// Put every changed entry back as it was at the last `commit`.
    pub fn rollback(&mut self) {
        for (k, v) in self.saved.drain() {
            match v {
                Some(v) => {
                    self.map.insert(k, v);
                }
                None => {
                    self.map.remove(&k);
                }
            }
        }
    }
}

/// An ordered set that logs its changes since the last `commit`.
#[derive(Debug, Clone)]
pub struct UndoSet<T> {
    set: BTreeSet<T>,
    /// (element, whether the change inserted it), in order.
    log: Vec<(T, bool)>,
}

impl<T> Default for UndoSet<T> {
    fn default() -> Self {
        UndoSet {
            set: BTreeSet::new(),
            log: Vec::new(),
        }
    }
}

impl<T: Ord + Clone> UndoSet<T> {
    pub fn insert(&mut self, v: T) -> bool {
        let added = self.set.insert(v.clone());
        if added {
            self.log.push((v, true));
        }
        added
    }

    pub fn remove(&mut self, v: &T) -> bool {
        let removed = self.set.remove(v);
        if removed {
            self.log.push((v.clone(), false));
        }
        removed
    }

    pub fn first(&self) -> Option<&T> {
        self.set.first()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.set.iter()
    }

    pub fn range<R: std::ops::RangeBounds<T>>(&self, r: R) -> impl Iterator<Item = &T> {
        self.set.range(r)
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Empty it, as state rebuilt from scratch (not undoable).
    pub fn reset(&mut self) {
        self.set.clear();
        self.log.clear();
    }

    pub fn commit(&mut self) {
        self.log.clear();
    }

    /// Undo the logged changes, newest first.
    pub fn rollback(&mut self) {
        while let Some((v, inserted)) = self.log.pop() {
            if inserted {
                self.set.remove(&v);
            } else {
                self.set.insert(v);
            }
        }
    }
}

/// One value that keeps its pre-image from before its first change since
/// the last `commit`.
#[derive(Debug, Clone, Default)]
pub struct UndoCell<T> {
    value: T,
    saved: Option<T>,
}

impl<T: Clone> UndoCell<T> {
    pub fn get(&self) -> &T {
        &self.value
    }

    pub fn get_mut(&mut self) -> &mut T {
        if self.saved.is_none() {
            self.saved = Some(self.value.clone());
        }
        &mut self.value
    }

    /// Replace it, as state rebuilt from scratch (not undoable).
    pub fn reset(&mut self, v: T) {
        self.value = v;
        self.saved = None;
    }

    pub fn commit(&mut self) {
        self.saved = None;
    }

    pub fn rollback(&mut self) {
        if let Some(v) = self.saved.take() {
            self.value = v;
        }
    }
}

/// A set of `u128` split into shards that are copied on write, so that an
/// `UndoMap` can keep a pre-image of a large set by copying one shard.
#[derive(Clone, Default)]
pub struct ShardedSet {
    shards: Vec<std::sync::Arc<FxHashSet<u128>>>,
}

const SHARDS: usize = 64;

/// Sorted, so that equal sets print alike whatever their history.
impl std::fmt::Debug for ShardedSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut all: Vec<u128> = self.shards.iter().flat_map(|s| s.iter().copied()).collect();
        all.sort_unstable();
        f.debug_set().entries(all).finish()
    }
}

impl ShardedSet {
    fn shard(v: u128) -> usize {
        // Interface ids are random: their low bits spread evenly.
        (v as usize) % SHARDS
    }

    pub fn contains(&self, v: u128) -> bool {
        self.shards
            .get(Self::shard(v))
            .is_some_and(|s| s.contains(&v))
    }

    pub fn insert(&mut self, v: u128) -> bool {
        if self.shards.is_empty() {
            self.shards = vec![Default::default(); SHARDS];
        }
        std::sync::Arc::make_mut(&mut self.shards[Self::shard(v)]).insert(v)
    }

    pub fn remove(&mut self, v: u128) -> bool {
        if !self.contains(v) {
            return false;
        }
        std::sync::Arc::make_mut(&mut self.shards[Self::shard(v)]).remove(&v)
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_rolls_back_inserts_changes_and_removals() {
        let mut m: UndoMap<String, u32> = UndoMap::default();
        m.insert("a".into(), 1);
        m.insert("b".into(), 2);
        m.commit();
        *m.get_mut(&"a".to_string()).unwrap() += 10;
        *m.get_mut(&"a".to_string()).unwrap() += 10;
        m.remove(&"b".to_string());
        m.insert("c".into(), 3);
        *m.get_or_insert_with("d".into(), || 0) += 4;
        m.rollback();
        let mut all: Vec<_> = m.iter().map(|(k, v)| (k.clone(), *v)).collect();
        all.sort();
        assert_eq!(all, [("a".to_string(), 1), ("b".to_string(), 2)]);
        // After a commit the changes stay.
        m.insert("e".into(), 5);
        m.commit();
        m.rollback();
        assert_eq!(m.get("e"), Some(&5));
    }

    #[test]
    fn set_rolls_back_in_reverse_order() {
        let mut s: UndoSet<u32> = UndoSet::default();
        s.insert(1);
        s.insert(2);
        s.commit();
        s.remove(&1);
        s.insert(1);
        s.insert(3);
        s.remove(&2);
        s.rollback();
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn sharded_set_copies_one_shard_on_write() {
        let mut a = ShardedSet::default();
        for v in 0..1000u128 {
            a.insert(v);
        }
        let b = a.clone();
        a.insert(5000);
        a.remove(7);
        assert!(b.contains(7) && !b.contains(5000));
        assert!(!a.contains(7) && a.contains(5000));
        assert_eq!(a.len(), 1000);
        let shared = a
            .shards
            .iter()
            .zip(&b.shards)
            .filter(|(x, y)| std::sync::Arc::ptr_eq(x, y))
            .count();
        assert!(shared >= SHARDS - 2, "only the changed shards are copied");
    }
}
