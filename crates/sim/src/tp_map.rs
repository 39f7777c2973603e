//! `TpMap`: a map keyed by topic partition for the per-record paths (a producer's accumulator
//! queues, a broker's replicas).
//!
//! It iterates in `(topic, partition)` order exactly as the `BTreeMap` it replaces, so the run's
//! order of events does not change, but finds an entry by indexing with the topic and partition
//! numbers instead of searching a tree: a lookup happens several times per record, an insertion
//! once per partition. Entries are never removed.

use crate::ids::TopicPartition;

/// Marks a partition without an entry in `TpMap::index`.
const ABSENT: u32 = u32::MAX;

/// A map from topic partition to `V`, iterated in key order.
#[derive(Clone, Debug)]
pub(crate) struct TpMap<V> {
    /// The entries, sorted by key.
    entries: Vec<(TopicPartition, V)>,
    /// Position in `entries` by topic, then partition (`ABSENT` when there is none).
    index: Vec<Vec<u32>>,
}

impl<V> Default for TpMap<V> {
    fn default() -> Self {
        TpMap {
            entries: Vec::new(),
            index: Vec::new(),
        }
    }
}

impl<V> TpMap<V> {
    #[inline]
    fn position(&self, tp: &TopicPartition) -> Option<usize> {
        let at = *self
            .index
            .get(tp.topic.0 as usize)?
            .get(tp.partition as usize)?;
        (at != ABSENT).then_some(at as usize)
    }

    /// The entry of `tp`.
    #[inline]
    pub fn get(&self, tp: &TopicPartition) -> Option<&V> {
        self.position(tp).map(|i| &self.entries[i].1)
    }

    /// The entry of `tp`, mutably.
    #[inline]
    pub fn get_mut(&mut self, tp: &TopicPartition) -> Option<&mut V> {
        self.position(tp).map(|i| &mut self.entries[i].1)
    }

    /// The entry of `tp`, inserting `make()` first if there is none.
    #[inline]
    pub fn get_or_insert_with(&mut self, tp: TopicPartition, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.position(&tp) {
            Some(i) => i,
            None => self.insert_new(tp, make()),
        };
        &mut self.entries[i].1
    }

    /// Inserts an entry for a key that has none; returns its position.
    #[cold]
    fn insert_new(&mut self, tp: TopicPartition, value: V) -> usize {
        let at = self.entries.partition_point(|(k, _)| *k < tp);
        self.entries.insert(at, (tp, value));
        let (topic, partition) = (tp.topic.0 as usize, tp.partition as usize);
        if self.index.len() <= topic {
            self.index.resize_with(topic + 1, Vec::new);
        }
        if self.index[topic].len() <= partition {
            self.index[topic].resize(partition + 1, ABSENT);
        }
        // Entries after the new one moved up by one.
        for (i, (k, _)) in self.entries.iter().enumerate().skip(at) {
            self.index[k.topic.0 as usize][k.partition as usize] = i as u32;
        }
        at
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &TopicPartition> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The entries' values, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The entries' values, mutably, in key order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&TopicPartition, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<V: Default> TpMap<V> {
    /// The entry of `tp`, inserting a default one first if there is none.
    #[inline]
    pub fn get_or_default(&mut self, tp: TopicPartition) -> &mut V {
        self.get_or_insert_with(tp, V::default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TopicId;
    use std::collections::BTreeMap;

    fn tp(topic: u32, partition: u32) -> TopicPartition {
        TopicPartition {
            topic: TopicId(topic),
            partition,
        }
    }

    #[test]
    fn iterates_in_key_order_and_finds_what_a_btree_map_finds() {
        let mut map = TpMap::default();
        let mut reference = BTreeMap::new();
        for (t, p) in [
            (1, 3),
            (0, 7),
            (1, 0),
            (0, 0),
            (2, 1),
            (0, 7),
            (1, 3),
            (0, 2),
        ] {
            *map.get_or_default(tp(t, p)) += 1;
            *reference.entry(tp(t, p)).or_insert(0) += 1;
        }
        let got: Vec<(TopicPartition, i32)> = map.iter().map(|(k, v)| (*k, *v)).collect();
        let want: Vec<(TopicPartition, i32)> = reference.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(got, want);
        for t in 0..4 {
            for p in 0..9 {
                assert_eq!(map.get(&tp(t, p)), reference.get(&tp(t, p)), "{t}-{p}");
            }
        }
        *map.get_mut(&tp(2, 1)).expect("present") = 10;
        assert_eq!(map.values().copied().max(), Some(10));
    }
}
