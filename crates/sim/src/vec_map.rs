//! `VecMap` and `VecSet`: sorted-vector maps and sets for the core's small, bounded collections
//! (per broker, per partition, per member, per group).
//!
//! They iterate in key order exactly as the `BTreeMap`/`BTreeSet` they replace, so a run's event
//! order does not change. Why: each `BTreeMap<K, V>` type compiles its own copy of the tree's
//! insert, remove (with rebalancing), clone and drop code, about 3-6 KB of wasm per key/value
//! type; the page shipped some 60 of them. Here keys and values live in two vectors, so the
//! search is compiled once per key type (shared by every value type) and the rest is `Vec`'s
//! code. Insertion and removal move the tail of the vectors, which suits the sizes these maps
//! hold (tens to hundreds of entries), not large or per-record collections.

use std::borrow::Borrow;
use std::fmt;
use std::iter::Zip;
use std::ops::{Bound, RangeBounds};
use std::slice;

/// Where `key` is in the sorted `keys`: `Ok(position)` or `Err(insertion point)`.
#[inline]
fn search<K: Borrow<Q>, Q: Ord + ?Sized>(keys: &[K], key: &Q) -> Result<usize, usize> {
    keys.binary_search_by(|k| k.borrow().cmp(key))
}

/// The positions of the sorted `keys` within `range`.
fn span<K: Borrow<Q>, Q: Ord + ?Sized>(keys: &[K], range: &impl RangeBounds<Q>) -> (usize, usize) {
    let start = match range.start_bound() {
        Bound::Included(k) => search(keys, k).unwrap_or_else(|i| i),
        Bound::Excluded(k) => search(keys, k).map_or_else(|i| i, |i| i + 1),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(k) => search(keys, k).map_or_else(|i| i, |i| i + 1),
        Bound::Excluded(k) => search(keys, k).unwrap_or_else(|i| i),
        Bound::Unbounded => keys.len(),
    };
    (start, end.max(start))
}

/// A map sorted by key, iterated in key order (as `BTreeMap`).
#[derive(Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    /// The keys, sorted and unique.
    keys: Vec<K>,
    /// `values[i]` belongs to `keys[i]`.
    values: Vec<V>,
}

/// The entries of a [`VecMap`] in key order.
pub type Iter<'a, K, V> = Zip<slice::Iter<'a, K>, slice::Iter<'a, V>>;
/// The entries of a [`VecMap`] in key order, values mutable.
pub type IterMut<'a, K, V> = Zip<slice::Iter<'a, K>, slice::IterMut<'a, V>>;
/// The entries of a [`VecMap`] in key order, by value.
pub type IntoIter<K, V> = Zip<std::vec::IntoIter<K>, std::vec::IntoIter<V>>;

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V> VecMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        VecMap {
            keys: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.values.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.keys.iter().zip(self.values.iter())
    }

    /// The entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.keys.iter().zip(self.values.iter_mut())
    }

    /// The keys in order.
    pub fn keys(&self) -> slice::Iter<'_, K> {
        self.keys.iter()
    }

    /// The values in key order.
    pub fn values(&self) -> slice::Iter<'_, V> {
        self.values.iter()
    }

    /// The values in key order, mutable.
    pub fn values_mut(&mut self) -> slice::IterMut<'_, V> {
        self.values.iter_mut()
    }

    /// The keys in order, by value.
    pub fn into_keys(self) -> std::vec::IntoIter<K> {
        self.keys.into_iter()
    }

    /// The values in key order, by value.
    pub fn into_values(self) -> std::vec::IntoIter<V> {
        self.values.into_iter()
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        Some((self.keys.first()?, self.values.first()?))
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        Some((self.keys.last()?, self.values.last()?))
    }

    /// Removes and returns the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        if self.keys.is_empty() {
            return None;
        }
        Some((self.keys.remove(0), self.values.remove(0)))
    }

    /// Removes and returns the entry with the largest key.
    pub fn pop_last(&mut self) -> Option<(K, V)> {
        Some((self.keys.pop()?, self.values.pop()?))
    }

    /// Keeps the entries for which `keep` is true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        let mut write = 0;
        for read in 0..self.keys.len() {
            if keep(&self.keys[read], &mut self.values[read]) {
                self.keys.swap(write, read);
                self.values.swap(write, read);
                write += 1;
            }
        }
        self.keys.truncate(write);
        self.values.truncate(write);
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// The value of `key`.
    #[inline]
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        search(&self.keys, key).ok().map(|i| &self.values[i])
    }

    /// The stored key and value of `key`.
    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        search(&self.keys, key)
            .ok()
            .map(|i| (&self.keys[i], &self.values[i]))
    }

    /// The value of `key`, mutably.
    #[inline]
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        search(&self.keys, key).ok().map(|i| &mut self.values[i])
    }

    /// Whether `key` has a value.
    #[inline]
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        search(&self.keys, key).is_ok()
    }

    /// Sets the value of `key`, returning the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match search(&self.keys, &key) {
            Ok(i) => Some(std::mem::replace(&mut self.values[i], value)),
            Err(i) => {
                self.keys.insert(i, key);
                self.values.insert(i, value);
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`, returning the stored key and its value.
    pub fn remove_entry<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        let i = search(&self.keys, key).ok()?;
        Some((self.keys.remove(i), self.values.remove(i)))
    }

    /// The place of `key` in the map, to read, insert or update its value.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let at = search(&self.keys, &key);
        Entry { map: self, key, at }
    }

    /// The entries whose keys are in `range`, in key order.
    pub fn range<Q: Ord + ?Sized>(&self, range: impl RangeBounds<Q>) -> Iter<'_, K, V>
    where
        K: Borrow<Q>,
    {
        let (start, end) = span(&self.keys, &range);
        self.keys[start..end]
            .iter()
            .zip(self.values[start..end].iter())
    }

    /// The entries whose keys are in `range`, in key order, values mutable.
    pub fn range_mut<Q: Ord + ?Sized>(&mut self, range: impl RangeBounds<Q>) -> IterMut<'_, K, V>
    where
        K: Borrow<Q>,
    {
        let (start, end) = span(&self.keys, &range);
        self.keys[start..end]
            .iter()
            .zip(self.values[start..end].iter_mut())
    }
}

/// A key's place in a [`VecMap`]: found (`at` is `Ok`) or where it would go (`Err`).
pub struct Entry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    key: K,
    at: Result<usize, usize>,
}

impl<'a, K, V> Entry<'a, K, V> {
    /// The entry's key.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The value, inserting `make()` first if there is none.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let i = match self.at {
            Ok(i) => i,
            Err(i) => {
                self.map.keys.insert(i, self.key);
                self.map.values.insert(i, make());
                i
            }
        };
        &mut self.map.values[i]
    }

    /// The value, inserting `value` first if there is none.
    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    /// The value, inserting the default first if there is none.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// Calls `f` on the value if there is one.
    pub fn and_modify(self, f: impl FnOnce(&mut V)) -> Self {
        if let Ok(i) = self.at {
            f(&mut self.map.values[i]);
        }
        self
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (k, v) in entries {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    /// The map of `entries`, as `BTreeMap` collects it (a later duplicate key wins).
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut map = VecMap::new();
        map.extend(entries);
        map
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.keys.into_iter().zip(self.values)
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut VecMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for the key in VecMap")
    }
}

/// Written as a map in key order, as `BTreeMap` writes itself.
impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for VecMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Read from a map, as `BTreeMap` reads itself (a later duplicate key wins).
impl<'de, K: Ord + serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::Deserialize<'de>
    for VecMap<K, V>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: Ord + serde::Deserialize<'de>, V: serde::Deserialize<'de>>
            serde::de::Visitor<'de> for Visit<K, V>
        {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut map = VecMap::new();
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// A set sorted by value, iterated in order (as `BTreeSet`).
#[derive(Clone, PartialEq, Eq)]
pub struct VecSet<T> {
    /// The items, sorted and unique.
    items: Vec<T>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T> VecSet<T> {
    /// An empty set.
    pub const fn new() -> Self {
        VecSet { items: Vec::new() }
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the set has no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// The items in order.
    pub fn iter(&self) -> slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The items in order, as a slice.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// The smallest item.
    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }

    /// The largest item.
    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }

    /// Removes and returns the smallest item.
    pub fn pop_first(&mut self) -> Option<T> {
        if self.items.is_empty() {
            return None;
        }
        Some(self.items.remove(0))
    }

    /// Removes and returns the largest item.
    pub fn pop_last(&mut self) -> Option<T> {
        self.items.pop()
    }

    /// Keeps the items for which `keep` is true, in order.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }
}

impl<T: Ord> VecSet<T> {
    /// Whether `item` is in the set.
    #[inline]
    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        search(&self.items, item).is_ok()
    }

    /// The stored item equal to `item`.
    pub fn get<Q: Ord + ?Sized>(&self, item: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
    {
        search(&self.items, item).ok().map(|i| &self.items[i])
    }

    /// Adds `item`; false if it was already there (the stored one is kept, as `BTreeSet` does).
    pub fn insert(&mut self, item: T) -> bool {
        match search(&self.items, &item) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, item);
                true
            }
        }
    }

    /// Removes `item`; false if it was not there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, item: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.take(item).is_some()
    }

    /// Removes and returns the stored item equal to `item`.
    pub fn take<Q: Ord + ?Sized>(&mut self, item: &Q) -> Option<T>
    where
        T: Borrow<Q>,
    {
        let i = search(&self.items, item).ok()?;
        Some(self.items.remove(i))
    }

    /// The items in `range`, in order.
    pub fn range<Q: Ord + ?Sized>(&self, range: impl RangeBounds<Q>) -> slice::Iter<'_, T>
    where
        T: Borrow<Q>,
    {
        let (start, end) = span(&self.items, &range);
        self.items[start..end].iter()
    }

    /// The items of `self` not in `other`, in order.
    pub fn difference<'a>(&'a self, other: &'a VecSet<T>) -> impl Iterator<Item = &'a T> + 'a {
        self.items.iter().filter(move |t| !other.contains(*t))
    }

    /// The items in both sets, in order.
    pub fn intersection<'a>(&'a self, other: &'a VecSet<T>) -> impl Iterator<Item = &'a T> + 'a {
        self.items.iter().filter(move |t| other.contains(*t))
    }

    /// Whether every item of `self` is in `other`.
    pub fn is_subset(&self, other: &VecSet<T>) -> bool {
        self.items.iter().all(|t| other.contains(t))
    }

    /// Whether the sets share no item.
    pub fn is_disjoint(&self, other: &VecSet<T>) -> bool {
        !self.items.iter().any(|t| other.contains(t))
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for t in items {
            self.insert(t);
        }
    }
}

impl<'a, T: Ord + Copy + 'a> Extend<&'a T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, items: I) {
        self.extend(items.into_iter().copied());
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    /// The set of `items`, as `BTreeSet` collects it (the first of equal items is kept).
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut set = VecSet::new();
        set.extend(items);
        set
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A small deterministic sequence of keys with repeats, to compare against `BTreeMap`.
    fn keys() -> Vec<u32> {
        let mut x = 7u32;
        (0..200)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) % 37
            })
            .collect()
    }

    #[test]
    fn map_matches_btree_map_under_inserts_and_removes() {
        let mut ours = VecMap::new();
        let mut std = BTreeMap::new();
        for (n, k) in keys().into_iter().enumerate() {
            if n % 3 == 2 {
                assert_eq!(ours.remove(&k), std.remove(&k));
            } else {
                assert_eq!(ours.insert(k, n), std.insert(k, n));
            }
            *ours.entry(k / 2).or_default() += 1;
            *std.entry(k / 2).or_default() += 1;
            assert_eq!(ours.get(&k), std.get(&k));
        }
        assert!(ours.iter().eq(std.iter()));
        assert!(ours.range(5..20).eq(std.range(5..20)));
        assert!(ours.range(..=9).eq(std.range(..=9)));
        assert!(ours.range(30..).eq(std.range(30..)));
        assert_eq!(ours.first_key_value(), std.first_key_value());
        assert_eq!(ours.last_key_value(), std.last_key_value());
        ours.retain(|k, v| (k + *v as u32).is_multiple_of(2));
        std.retain(|k, v| (k + *v as u32).is_multiple_of(2));
        assert!(ours.iter().eq(std.iter()));
        assert_eq!(format!("{ours:?}"), format!("{std:?}"));
        let collected: VecMap<u32, usize> = keys().into_iter().zip(0..).collect();
        let std_collected: BTreeMap<u32, usize> = keys().into_iter().zip(0..).collect();
        assert!(collected.into_iter().eq(std_collected));
    }

    #[test]
    fn set_matches_btree_set_under_inserts_and_removes() {
        let mut ours = VecSet::new();
        let mut std = BTreeSet::new();
        for (n, k) in keys().into_iter().enumerate() {
            if n % 4 == 3 {
                assert_eq!(ours.remove(&k), std.remove(&k));
            } else {
                assert_eq!(ours.insert(k), std.insert(k));
            }
            assert_eq!(ours.contains(&(k + 1)), std.contains(&(k + 1)));
        }
        assert!(ours.iter().eq(std.iter()));
        assert!(ours.range(3..=11).eq(std.range(3..=11)));
        let other: VecSet<u32> = (0..20).collect();
        let std_other: BTreeSet<u32> = (0..20).collect();
        assert!(ours.difference(&other).eq(std.difference(&std_other)));
        assert_eq!(format!("{ours:?}"), format!("{std:?}"));
    }

    #[test]
    fn range_with_bounds_out_of_order_is_empty_not_a_panic() {
        let map: VecMap<u32, ()> = (0..10).map(|k| (k, ())).collect();
        // BTreeMap panics on start > end; callers never pass one, and an empty span is harmless.
        assert_eq!(
            map.range((Bound::Excluded(5), Bound::Excluded(5))).count(),
            0
        );
    }
}
