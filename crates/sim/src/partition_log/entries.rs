//! How a replica's log stores its entries: 8 bytes each (record id and leader epoch), offsets
//! kept as runs of consecutive offsets instead of one per entry.
//!
//! A log's offsets are consecutive except where compaction removed records (or a follower copied
//! a compacted leader), so one run — the index and offset of its first entry — usually covers the
//! whole log. Entries come out as [`LogEntry`] values.

use crate::chunked_vec::ChunkedVec;
use crate::ids::{LeaderEpoch, Offset, RecordId};
use crate::partition_log::LogEntry;

/// One stored entry; its offset comes from the run it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stored {
    /// The record's ledger index.
    pub(crate) record: u32,
    epoch: u32,
}

impl Stored {
    /// How `entry` is stored (its offset goes to the runs).
    #[inline(always)]
    fn of(entry: &LogEntry) -> Stored {
        Stored {
            record: entry.record().0 as u32,
            epoch: entry.leader_epoch.0,
        }
    }
}

/// Stored entries per shared chunk: 64 × 8 bytes, small because every replica's newest chunk is
/// copied once after each time-travel checkpoint.
const CHUNK_SHIFT: u32 = 6;

/// A log's entries, oldest first.
#[derive(Clone, Debug, Default)]
pub(crate) struct EntryStore {
    /// In chunks shared with time-travel checkpoints until written.
    stored: ChunkedVec<Stored, CHUNK_SHIFT>,
    /// Runs of consecutive offsets, by the index of their first entry: (index, offset). Empty
    /// exactly when `stored` is.
    runs: Vec<(usize, Offset)>,
}

impl EntryStore {
    /// Bytes per stored entry.
    pub const ENTRY_BYTES: usize = std::mem::size_of::<Stored>();

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.stored.len()
    }

    /// Calls `f` with the address and bytes of each chunk (see `ChunkedVec`).
    pub fn for_each_chunk(&self, f: &mut dyn FnMut(usize, u64)) {
        self.stored.for_each_chunk(f);
    }

    /// Allocated entry slots.
    pub fn capacity(&self) -> usize {
        self.stored.capacity()
    }

    /// The run that entry `i` belongs to (`i` < len).
    fn run_of(&self, i: usize) -> usize {
        self.runs.partition_point(|(start, _)| *start <= i) - 1
    }

    /// The offset of entry `i` (`i` < len).
    fn offset_at(&self, i: usize) -> Offset {
        let (start, offset) = self.runs[self.run_of(i)];
        Offset(offset.0 + (i - start) as u64)
    }

    /// The offset of the last entry.
    fn last_offset(&self) -> Option<Offset> {
        let &(start, offset) = self.runs.last()?;
        Some(Offset(offset.0 + (self.stored.len() - 1 - start) as u64))
    }

    /// Entry `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<LogEntry> {
        let s = self.stored.get(i)?;
        let record = RecordId(u64::from(s.record));
        Some(LogEntry::new(
            self.offset_at(i),
            LeaderEpoch(s.epoch),
            record,
        ))
    }

    /// Appends an entry whose offset is above every stored one.
    #[inline(always)]
    pub fn push(&mut self, entry: LogEntry) {
        self.continue_or_start_run(entry.offset);
        self.stored.push(Stored::of(&entry));
    }

    /// Appends entries whose offsets rise above every stored one, a run of consecutive offsets
    /// at a time.
    pub fn extend(&mut self, entries: &[LogEntry]) {
        let mut rest = entries;
        while let Some(first) = rest.first() {
            let consecutive = rest
                .windows(2)
                .take_while(|w| w[1].offset.0 == w[0].offset.0 + 1)
                .count();
            let (run, later) = rest.split_at(consecutive + 1);
            self.continue_or_start_run(first.offset);
            self.stored.extend_mapped(run, Stored::of);
            rest = later;
        }
    }

    /// Appends `records` at consecutive offsets from `base` (above every stored one), all
    /// written in `epoch`: a leader's append of a produce batch.
    pub fn extend_run(&mut self, base: Offset, epoch: LeaderEpoch, records: &[RecordId]) {
        if records.is_empty() {
            return;
        }
        self.continue_or_start_run(base);
        self.stored.extend_mapped(records, |r| Stored {
            record: r.0 as u32,
            epoch: epoch.0,
        });
    }

    /// Starts a new run at `offset` unless it follows the last entry's offset.
    #[inline(always)]
    fn continue_or_start_run(&mut self, offset: Offset) {
        if self.last_offset().is_none_or(|last| offset.0 != last.0 + 1) {
            self.runs.push((self.stored.len(), offset));
        }
    }

    /// Index of the first entry with offset ≥ `offset` (len if none).
    pub fn index_of(&self, offset: Offset) -> usize {
        let k = self.runs.partition_point(|(_, o)| *o <= offset);
        if k == 0 {
            return 0;
        }
        let (start, first) = self.runs[k - 1];
        let end = self.runs.get(k).map_or(self.stored.len(), |(s, _)| *s);
        // Past the run's last entry, the next entry at or above `offset` starts the next run.
        let into = offset.0 - first.0;
        if into >= (end - start) as u64 {
            end
        } else {
            start + into as usize
        }
    }

    /// Entries from index `i` on.
    pub fn iter_from(&self, i: usize) -> Entries<'_> {
        let i = i.min(self.stored.len());
        let mut entries = Entries {
            store: self,
            i,
            chunk: &[],
            run: 0,
            run_end: 0,
            base: 0,
        };
        if i < self.stored.len() {
            entries.enter_run(self.run_of(i));
        }
        entries
    }

    /// Up to `max` entries from index `i` on, a run at a time (a fetch copies thousands).
    pub fn read(&self, i: usize, max: usize) -> Vec<LogEntry> {
        let end = self.stored.len().min(i.saturating_add(max));
        let mut out = Vec::with_capacity(end.saturating_sub(i));
        let mut at = i;
        while at < end {
            let run = self.run_of(at);
            let (start, first) = self.runs[run];
            let run_end = self.runs.get(run + 1).map_or(end, |(s, _)| (*s).min(end));
            let base = first.0.wrapping_sub(start as u64);
            // One `extend` per chunk slice: a slice's exact length lets it write without a
            // capacity check per entry (a flattened iterator would not).
            for slice in self.stored.slices(at, run_end) {
                let from = base.wrapping_add(at as u64);
                out.extend(slice.iter().enumerate().map(|(k, s)| {
                    let offset = Offset(from.wrapping_add(k as u64));
                    LogEntry::new(offset, LeaderEpoch(s.epoch), RecordId(u64::from(s.record)))
                }));
                at += slice.len();
            }
            debug_assert_eq!(at, run_end);
        }
        out
    }

    /// Removes the entries from index `i` on; returns them.
    pub fn split_off(&mut self, i: usize) -> Vec<LogEntry> {
        let removed = self.iter_from(i).collect();
        self.stored.truncate(i);
        self.runs.retain(|(start, _)| *start < i);
        removed
    }

    /// Removes the entries before index `i`; returns them.
    pub fn drain_front(&mut self, i: usize) -> Vec<LogEntry> {
        let i = i.min(self.stored.len());
        let removed: Vec<LogEntry> = self.iter_from(0).take(i).collect();
        if i == self.stored.len() {
            self.stored.clear();
            self.runs.clear();
            return removed;
        }
        let k = self.run_of(i);
        let first = (0, self.offset_at(i));
        let rest = self.runs[k + 1..].iter().map(|(start, o)| (start - i, *o));
        self.runs = std::iter::once(first).chain(rest).collect();
        self.stored.drop_front(i);
        removed
    }

    /// Keeps the entries for which `keep` is true; returns the others. The entries before the
    /// first removed one stay as they are (their chunks stay shared with checkpoints).
    pub fn retain(&mut self, mut keep: impl FnMut(usize, &LogEntry) -> bool) -> Vec<LogEntry> {
        let all: Vec<LogEntry> = self.iter_from(0).collect();
        let kept: Vec<bool> = all.iter().enumerate().map(|(i, e)| keep(i, e)).collect();
        let Some(first) = kept.iter().position(|k| !k) else {
            return Vec::new();
        };
        self.split_off(first);
        let mut removed = Vec::new();
        for (e, k) in all.into_iter().zip(kept).skip(first) {
            if k {
                self.push(e);
            } else {
                removed.push(e);
            }
        }
        removed
    }
}

/// Entries of a log (its `EntryStore`) from some index on, oldest first.
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    store: &'a EntryStore,
    i: usize,
    /// The stored entries from `i` on that lie in one chunk (refilled as it runs out).
    chunk: &'a [Stored],
    /// The run entry `i` belongs to, the index where it ends, and its first offset less its first
    /// index (so an entry's offset is `base + index`).
    run: usize,
    run_end: usize,
    base: u64,
}

impl Entries<'_> {
    /// Takes the next stored entries that lie in one chunk and one run, so that `next` needs no
    /// other check per entry.
    #[inline(never)]
    fn refill(&mut self) {
        if self.i >= self.run_end && self.i < self.store.stored.len() {
            self.enter_run(self.run + 1);
        }
        let chunk = self.store.stored.slice_from(self.i);
        self.chunk = &chunk[..chunk.len().min(self.run_end.saturating_sub(self.i))];
    }

    fn enter_run(&mut self, run: usize) {
        let (start, first) = self.store.runs[run];
        self.run = run;
        self.run_end = self
            .store
            .runs
            .get(run + 1)
            .map_or(self.store.stored.len(), |(s, _)| *s);
        self.base = first.0.wrapping_sub(start as u64);
    }
}

impl<'a> Entries<'a> {
    /// The next entries stored together at consecutive offsets (the rest of a chunk within a
    /// run), with the first one's offset: for passes that compare many entries at once.
    pub(crate) fn next_piece(&mut self) -> Option<(Offset, &'a [Stored])> {
        if self.chunk.is_empty() {
            self.refill();
        }
        if self.chunk.is_empty() {
            return None;
        }
        let first = Offset(self.base.wrapping_add(self.i as u64));
        let piece = std::mem::take(&mut self.chunk);
        self.i += piece.len();
        Some((first, piece))
    }
}

impl Iterator for Entries<'_> {
    type Item = LogEntry;

    #[inline]
    fn next(&mut self) -> Option<LogEntry> {
        if self.chunk.is_empty() {
            self.refill();
        }
        let (&s, rest) = self.chunk.split_first()?;
        self.chunk = rest;
        let offset = Offset(self.base.wrapping_add(self.i as u64));
        self.i += 1;
        let record = RecordId(u64::from(s.record));
        Some(LogEntry::new(offset, LeaderEpoch(s.epoch), record))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.store.stored.len() - self.i;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Entries<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(offset: u64) -> LogEntry {
        LogEntry::new(Offset(offset), LeaderEpoch(1), RecordId(offset + 100))
    }

    fn offsets(store: &EntryStore) -> Vec<u64> {
        store.iter_from(0).map(|e| e.offset.0).collect()
    }

    #[test]
    fn gaps_start_runs_and_offsets_come_back_as_appended() {
        let mut store = EntryStore::default();
        for o in [3, 4, 5, 9, 10, 20] {
            store.push(entry(o));
        }
        assert_eq!(store.runs.len(), 3);
        assert_eq!(offsets(&store), vec![3, 4, 5, 9, 10, 20]);
        assert_eq!(store.get(4), Some(entry(10)));
        // First entry at or above: exact, inside a gap, before everything, past the end.
        let found: Vec<usize> = [4, 7, 0, 21].map(|o| store.index_of(Offset(o))).to_vec();
        assert_eq!(found, vec![1, 3, 0, 6]);
        let tail: Vec<u64> = store.iter_from(2).map(|e| e.offset.0).collect();
        assert_eq!(tail, vec![5, 9, 10, 20]);
        let read: Vec<u64> = store.read(1, 4).iter().map(|e| e.offset.0).collect();
        assert_eq!(read, vec![4, 5, 9, 10], "a read crosses runs");
        assert_eq!(store.read(5, 10), vec![entry(20)]);
    }

    #[test]
    fn appending_many_at_once_stores_what_appending_one_by_one_does() {
        let offsets = [3, 4, 5, 9, 10, 20, 21, 22, 23, 40];
        let entries: Vec<LogEntry> = offsets.iter().map(|&o| entry(o)).collect();
        let mut one_by_one = EntryStore::default();
        for e in &entries {
            one_by_one.push(*e);
        }
        // In two calls, split inside a run: the second call continues the first's run.
        let mut at_once = EntryStore::default();
        at_once.extend(&entries[..7]);
        at_once.extend(&entries[7..]);
        assert_eq!(offsets_of(&at_once), offsets);
        assert_eq!(at_once.runs, one_by_one.runs);
        assert_eq!(at_once.read(0, 100), one_by_one.read(0, 100));
        // A leader's batch: consecutive offsets in one epoch, continuing the last run or not.
        let mut batch = EntryStore::default();
        let records = |from: u64, n: u64| {
            (from..from + n)
                .map(|o| RecordId(o + 100))
                .collect::<Vec<_>>()
        };
        batch.extend_run(Offset(3), LeaderEpoch(1), &records(3, 3));
        batch.extend_run(Offset(6), LeaderEpoch(1), &records(6, 2));
        batch.extend_run(Offset(30), LeaderEpoch(1), &records(30, 1));
        batch.extend_run(Offset(31), LeaderEpoch(1), &[]);
        assert_eq!(offsets_of(&batch), [3, 4, 5, 6, 7, 30]);
        assert_eq!(batch.runs, vec![(0, Offset(3)), (5, Offset(30))]);
        assert_eq!(batch.get(5), Some(entry(30)));
    }

    fn offsets_of(store: &EntryStore) -> Vec<u64> {
        offsets(store)
    }

    #[test]
    fn removing_at_either_end_or_in_the_middle_keeps_the_offsets() {
        let mut store = EntryStore::default();
        for o in [3, 4, 5, 9, 10, 20, 21] {
            store.push(entry(o));
        }
        let removed = store.split_off(5);
        assert_eq!(removed, vec![entry(20), entry(21)]);
        assert_eq!(store.drain_front(1), vec![entry(3)]);
        assert_eq!(offsets(&store), vec![4, 5, 9, 10]);
        let gone = store.retain(|_, e| e.offset.0 != 5);
        assert_eq!(gone, vec![entry(5)]);
        assert_eq!(offsets(&store), vec![4, 9, 10]);
        store.push(entry(11));
        assert_eq!(offsets(&store), vec![4, 9, 10, 11]);
        assert_eq!(store.drain_front(4).len(), 4);
        assert_eq!((store.len(), store.runs.len()), (0, 0));
    }
}
