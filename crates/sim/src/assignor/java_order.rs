//! The three pieces of Java semantics that decide Kafka's assignor tie-breaks: `String.compareTo`,
//! `String.hashCode` (and `TopicPartition.hashCode`), and the iteration order of a
//! `java.util.HashMap` / `HashSet`.
//!
//! Mirrors `java.lang.String` and `java.util.HashMap` (JDK 8+): bucket index
//! `(h ^ (h >>> 16)) & (capacity - 1)`, buckets visited in ascending order, entries of one bucket in
//! insertion order; the table starts at 16 buckets (or `tableSizeFor(n)` for `new HashMap<>(n)`),
//! doubles when the size exceeds 0.75 × capacity, and also doubles when one bucket's chain reaches
//! nine entries while the table is smaller than 64. A resize keeps the relative order of the
//! entries of each bucket, so the order is a pure function of (bucket at the current capacity,
//! insertion sequence).
//!
//! Simplified: a bucket that the JDK would turn into a red-black tree (nine or more colliding
//! entries with at least 64 buckets) is still iterated in insertion order; the JDK may move the
//! tree's root to the front. Nothing here allocates per entry beyond one `Vec`, and no `std`
//! hash container is used, so the emulation is itself deterministic.

use std::cmp::Ordering;

/// Java's `String.compareTo`: lexicographic over UTF-16 code units, then shorter first.
pub fn compare_strings(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Java's `String.hashCode`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, int32 wrap.
pub fn string_hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// Kafka's `TopicPartition.hashCode`: `31 * (31 + partition) + topic.hashCode()`, int32 wrap.
pub fn topic_partition_hash_code(topic_hash: i32, partition: u32) -> i32 {
    // Kafka partitions are non-negative Java ints; the cast only wraps for impossible ids.
    31i32
        .wrapping_add(partition as i32)
        .wrapping_mul(31)
        .wrapping_add(topic_hash)
}

/// `HashMap.hash`: the key's hash code with its high half folded into the low half.
fn spread(hash: i32) -> u32 {
    let h = hash as u32;
    h ^ (h >> 16)
}

/// `HashMap.tableSizeFor`: the smallest power of two ≥ `n` (at least 1, at most 2^30).
fn table_size_for(n: usize) -> usize {
    n.clamp(1, 1 << 30).next_power_of_two()
}

/// `(int) (capacity * 0.75f)`, the resize threshold Java computes for small tables.
fn threshold_for(capacity: usize) -> usize {
    capacity / 4 * 3 + (capacity % 4) * 3 / 4
}

/// Longest chain a bucket may reach before `treeifyBin` runs (`TREEIFY_THRESHOLD + 1` entries).
const TREEIFY_CHAIN: usize = 9;
/// Below this many buckets, `treeifyBin` resizes the table instead of building a tree.
const MIN_TREEIFY_CAPACITY: usize = 64;

struct Entry<T> {
    value: T,
    hash: i32,
    sequence: u64,
}

/// A `java.util.HashSet` (equivalently the key set of a `HashMap`) that remembers enough to
/// reproduce the JDK's iteration order; lookups are linear, which suits the assignors' small sets.
pub struct JavaHashSet<T> {
    entries: Vec<Entry<T>>,
    capacity: usize,
    threshold: usize,
    next_sequence: u64,
}

impl<T: PartialEq> Default for JavaHashSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: PartialEq> JavaHashSet<T> {
    /// `new HashSet<>()`: 16 buckets, resized past 12 entries.
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            capacity: 16,
            threshold: 12,
            next_sequence: 0,
        }
    }

    /// `new HashMap<>(initialCapacity)`: `tableSizeFor(initialCapacity)` buckets.
    pub fn with_initial_capacity(initial_capacity: usize) -> Self {
        let capacity = table_size_for(initial_capacity);
        Self {
            entries: Vec::new(),
            capacity,
            threshold: threshold_for(capacity),
            next_sequence: 0,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the set holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Current number of buckets.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// True when `value` is in the set.
    pub fn contains(&self, value: &T) -> bool {
        self.entries.iter().any(|e| e.value == *value)
    }

    fn bucket(&self, hash: i32) -> usize {
        (spread(hash) as usize) & (self.capacity - 1)
    }

    fn grow(&mut self) {
        let old = self.capacity;
        if old >= 1 << 30 {
            return;
        }
        self.capacity = old * 2;
        // Java doubles the threshold once the table has 16 buckets, else recomputes it.
        self.threshold = if old >= 16 {
            self.threshold * 2
        } else {
            threshold_for(self.capacity)
        };
    }

    /// `add(value)` with `value.hashCode() == hash`; returns false (and keeps the old position)
    /// when an equal value is already present.
    pub fn insert(&mut self, value: T, hash: i32) -> bool {
        if self.contains(&value) {
            return false;
        }
        let bucket = self.bucket(hash);
        let chain_before = self
            .entries
            .iter()
            .filter(|e| self.bucket(e.hash) == bucket)
            .count();
        self.entries.push(Entry {
            value,
            hash,
            sequence: self.next_sequence,
        });
        self.next_sequence += 1;
        // putVal: a chain that now has nine nodes asks treeifyBin, which resizes small tables.
        if chain_before + 1 >= TREEIFY_CHAIN && self.capacity < MIN_TREEIFY_CAPACITY {
            self.grow();
        }
        if self.entries.len() > self.threshold {
            self.grow();
        }
        true
    }

    /// `remove(value)`; returns true when it was present.
    pub fn remove(&mut self, value: &T) -> bool {
        match self.entries.iter().position(|e| e.value == *value) {
            Some(index) => {
                self.entries.remove(index);
                true
            }
            None => false,
        }
    }

    /// The values in the order the JDK's iterator returns them.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        let mut order: Vec<&Entry<T>> = self.entries.iter().collect();
        crate::sort::sort_by_key(&mut order, |e| (self.bucket(e.hash), e.sequence));
        order.into_iter().map(|e| &e.value)
    }

    /// `iterator().next()`: the first value in iteration order.
    pub fn first(&self) -> Option<&T> {
        self.entries
            .iter()
            .min_by_key(|e| (self.bucket(e.hash), e.sequence))
            .map(|e| &e.value)
    }
}

/// Iteration order of a `HashMap<String, _>` whose keys were `put` in the order given: the
/// indices into `keys`, first visited first. A repeated key keeps its first position, as `put`
/// on an existing key does. `initial_capacity` is `None` for `new HashMap<>()`.
pub fn hash_map_order<S: AsRef<str>>(keys: &[S], initial_capacity: Option<usize>) -> Vec<usize> {
    let mut set = match initial_capacity {
        Some(n) => JavaHashSet::with_initial_capacity(n),
        None => JavaHashSet::new(),
    };
    let mut seen = crate::vec_map::VecSet::new();
    for (index, key) in keys.iter().enumerate() {
        let key = key.as_ref();
        if seen.insert(key) {
            // Distinct keys, so the set's own equality check (on indices) never merges two.
            set.insert(index, string_hash_code(key));
        }
    }
    set.iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_codes_match_the_jvm() {
        // Values from kafka-semantics.md §1.4 and the JDK documentation.
        assert_eq!(string_hash_code(""), 0);
        assert_eq!(string_hash_code("a"), 97);
        assert_eq!(string_hash_code("polygenelubricants"), i32::MIN);
        assert_eq!(string_hash_code("consumer1"), -421_004_549);
        // A supplementary character hashes as its two surrogate code units.
        assert_eq!(string_hash_code("\u{1F600}"), 0xD83D * 31 + 0xDE00);
        assert_eq!(
            topic_partition_hash_code(string_hash_code("t"), 0),
            31 * 31 + 116
        );
    }

    #[test]
    fn compare_is_utf16_code_unit_order() {
        assert_eq!(compare_strings("a", "b"), Ordering::Less);
        assert_eq!(compare_strings("a", "ab"), Ordering::Less);
        assert_eq!(compare_strings("B", "a"), Ordering::Less);
        // U+FF5E sorts after U+1F600 in UTF-8/code points, but before its surrogates in UTF-16.
        assert_eq!(compare_strings("\u{FF5E}", "\u{1F600}"), Ordering::Greater);
        assert!("\u{FF5E}" < "\u{1F600}");
    }

    #[test]
    fn consumers_one_to_three_iterate_in_reverse() {
        // kafka-semantics.md §3.5: consumer3, consumer2, consumer1 (buckets 10, 11, 12 of 16).
        let keys = ["consumer1", "consumer2", "consumer3"];
        assert_eq!(hash_map_order(&keys, None), vec![2, 1, 0]);
    }

    #[test]
    fn a_small_initial_capacity_changes_the_order() {
        // new HashMap<>(3) has 4 buckets: consumer1 (0), consumer0 (1), consumer2 (3), as
        // recorded by the JVM for the rack-aware tests; the default map gives 2, 1, 0.
        let keys = ["consumer0", "consumer1", "consumer2"];
        assert_eq!(hash_map_order(&keys, Some(3)), vec![1, 0, 2]);
        assert_eq!(hash_map_order(&keys, None), vec![2, 1, 0]);
    }

    #[test]
    fn growing_past_twelve_entries_rehashes_to_thirty_two_buckets() {
        let keys: Vec<String> = (1..=13).map(|i| format!("c{i:02}")).collect();
        let mut set = JavaHashSet::new();
        for (i, k) in keys.iter().enumerate() {
            set.insert(i, string_hash_code(k));
            assert_eq!(set.capacity(), if i < 12 { 16 } else { 32 });
        }
        let order = hash_map_order(&keys, None);
        let buckets: Vec<u32> = order
            .iter()
            .map(|&i| spread(string_hash_code(&keys[i])) & 31)
            .collect();
        assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    }

    #[test]
    fn removal_and_reinsertion_moves_an_entry_to_the_end_of_its_bucket() {
        // "Aa" and "BB" share a hash code, so they share a bucket.
        assert_eq!(string_hash_code("Aa"), string_hash_code("BB"));
        let mut set = JavaHashSet::new();
        set.insert("Aa", string_hash_code("Aa"));
        set.insert("BB", string_hash_code("BB"));
        assert_eq!(set.first(), Some(&"Aa"));
        set.remove(&"Aa");
        set.insert("Aa", string_hash_code("Aa"));
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), vec!["BB", "Aa"]);
        assert!(!set.insert("BB", string_hash_code("BB")));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn thresholds_match_the_jdk() {
        assert_eq!(threshold_for(1), 0);
        assert_eq!(threshold_for(2), 1);
        assert_eq!(threshold_for(4), 3);
        assert_eq!(threshold_for(16), 12);
        assert_eq!(table_size_for(0), 1);
        assert_eq!(table_size_for(3), 4);
        assert_eq!(table_size_for(17), 32);
    }
}
