//! One replica's log of a partition: entries with offset and leader epoch, the log start offset,
//! the log end offset (LEO), the high watermark (HW) and the leader-epoch cache.
//!
//! Mirrors the parts of `kafka.log.UnifiedLog` the simulation needs. Record payloads (key, value),
//! sizes and CreateTime timestamps are immutable and identical on every replica, so an entry refers
//! to its record in the ledger by id instead of copying them (a stored entry is 8 bytes, see
//! `entries`: a long run keeps millions); segments keep the sums retention needs, and the few
//! operations that recompute them ask a [`RecordMeta`] (the ledger) for sizes and timestamps.
//!
//! ```text
//!   log_start_offset      high_watermark        log_end_offset
//!         |  committed entries  |  uncommitted entries  |   (next append)
//! ```

use serde::{Deserialize, Serialize};

use crate::ids::{LeaderEpoch, Offset, RecordId};
use crate::leader_epoch_cache::LeaderEpochCache;
use crate::time::SimTime;

mod entries;
pub use entries::Entries;
use entries::EntryStore;

/// One record in a replica's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Its offset.
    pub offset: Offset,
    /// The leader epoch it was written in.
    pub leader_epoch: LeaderEpoch,
    /// The produced record's ledger index (see [`LogEntry::record`]).
    record: u32,
}

impl LogEntry {
    /// An entry for `record` at `offset`, written in `leader_epoch`. Record ids fit 32 bits: the
    /// ledger refuses to grow past `u32::MAX` records (long before that memory runs out).
    pub fn new(offset: Offset, leader_epoch: LeaderEpoch, record: RecordId) -> LogEntry {
        debug_assert!(record.0 <= u64::from(u32::MAX), "record ids fit 32 bits");
        LogEntry {
            offset,
            leader_epoch,
            record: record.0 as u32,
        }
    }
    /// The produced record (payload, size and timestamp in the ledger).
    pub fn record(&self) -> RecordId {
        RecordId(u64::from(self.record))
    }
}

/// Where a log finds its records' sizes and CreateTime timestamps (the ledger), which entries do
/// not copy.
pub trait RecordMeta {
    /// The record's size in bytes (estimated as Kafka's record format would) and its timestamp.
    fn size_and_timestamp(&self, record: RecordId) -> (u32, SimTime);
}

/// A segment: retention deletes whole segments, never the active (last) one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Offset of the first entry that went into the segment.
    pub base_offset: Offset,
    /// Bytes in the segment.
    pub size_bytes: u64,
    /// Largest record timestamp in the segment.
    pub max_timestamp: SimTime,
    /// Timestamp of the first record (for `segment.ms` rolling).
    pub first_timestamp: SimTime,
}

/// A replica's log.
#[derive(Clone, Debug, Default)]
pub struct PartitionLog {
    entries: EntryStore,
    log_start_offset: Offset,
    log_end_offset: Offset,
    high_watermark: Offset,
    epochs: LeaderEpochCache,
    segments: Vec<Segment>,
}

impl PartitionLog {
    /// First offset still readable.
    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }
    /// Offset the next appended record gets (LEO).
    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }
    /// First offset not known to be replicated to the whole ISR (HW).
    pub fn high_watermark(&self) -> Offset {
        self.high_watermark
    }
    /// The leader-epoch cache.
    pub fn epochs(&self) -> &LeaderEpochCache {
        &self.epochs
    }
    /// Mutable leader-epoch cache (a new leader assigns its epoch's start offset).
    pub(crate) fn epochs_mut(&mut self) -> &mut LeaderEpochCache {
        &mut self.epochs
    }
    /// Entries still in the log, oldest first.
    pub fn entries(&self) -> Entries<'_> {
        self.entries.iter_from(0)
    }
    /// The last `count` entries (all if there are fewer), oldest first.
    pub fn last_entries(&self, count: usize) -> Entries<'_> {
        self.entries
            .iter_from(self.entries.len().saturating_sub(count))
    }
    /// How many entries the log holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether the log holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }
    /// Bytes per stored entry (record id and leader epoch; offsets are kept as runs).
    pub const ENTRY_BYTES: usize = EntryStore::ENTRY_BYTES;
    /// The segments, oldest first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
    /// Bytes in the log.
    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.size_bytes).sum()
    }

    /// Appends one entry at the LEO; `meta` is its record's size and timestamp. Returns false (and
    /// appends nothing) if its offset is not the LEO: offsets must stay contiguous, and the caller
    /// reports the violation.
    #[inline]
    pub fn append(&mut self, entry: LogEntry, meta: (u32, SimTime), segment: (u64, u64)) -> bool {
        if entry.offset != self.log_end_offset {
            return false;
        }
        self.push(entry, meta, segment);
        true
    }

    /// Appends a leader's produce batch at the LEO: `records` at consecutive offsets, written in
    /// `epoch`, with their sizes and timestamps (`metas`, one per record).
    pub fn append_batch(
        &mut self,
        epoch: LeaderEpoch,
        records: &[RecordId],
        metas: &[(u32, SimTime)],
        segment: (u64, u64),
    ) {
        let base = self.log_end_offset;
        let offsets = (base.0..).map(Offset);
        self.account_all(offsets.zip(metas).map(|(o, m)| (o, epoch, *m)), segment);
        self.entries.extend_run(base, epoch, records);
        self.log_end_offset = Offset(base.0 + records.len() as u64);
    }

    /// Appends entries fetched from the leader, with their sizes and timestamps (`metas`, one per
    /// entry). Each keeps the leader's offset, which may be beyond the LEO where the leader's log
    /// was compacted (offsets are never renumbered). Stops before the first entry whose offset
    /// would go backwards; returns how many it appended.
    pub fn append_fetched_all(
        &mut self,
        entries: &[LogEntry],
        metas: &[(u32, SimTime)],
        segment: (u64, u64),
    ) -> usize {
        let mut end = self.log_end_offset;
        let n = entries
            .iter()
            .take_while(|e| {
                let rises = e.offset >= end;
                end = e.offset.next();
                rises
            })
            .count();
        let Some(first) = entries[..n].first() else {
            return 0;
        };
        if self.entries.len() == 0 && self.log_start_offset == self.log_end_offset {
            // An empty log takes the leader's first offset as its start.
            self.log_start_offset = first.offset;
            self.high_watermark = self.high_watermark.max(first.offset);
        }
        let appended = entries[..n].iter().zip(metas);
        self.account_all(
            appended.map(|(e, m)| (e.offset, e.leader_epoch, *m)),
            segment,
        );
        self.entries.extend(&entries[..n]);
        self.log_end_offset = entries[n - 1].offset.next();
        n
    }

    /// Appends at the LEO; `segment` is the topic's (`segment.bytes`, `segment.ms`). Always
    /// inlined: it runs once per record per replica, and a call costs as much as its body.
    #[inline(always)]
    fn push(&mut self, entry: LogEntry, meta: (u32, SimTime), segment: (u64, u64)) {
        self.account(&entry, meta, segment);
        self.entries.push(entry);
        self.log_end_offset = entry.offset.next();
    }

    /// [`PartitionLog::account`] for many entries (offset, epoch, size and timestamp), with the
    /// latest epoch and the active segment held in locals between entries.
    #[inline(always)]
    fn account_all(
        &mut self,
        entries: impl Iterator<Item = (Offset, LeaderEpoch, (u32, SimTime))>,
        (segment_bytes, segment_ms): (u64, u64),
    ) {
        let mut latest = self.epochs.latest_epoch();
        let mut active = self.segments.pop();
        for (offset, epoch, (size, timestamp)) in entries {
            if latest.is_none_or(|e| e < epoch) {
                self.epochs.assign(epoch, offset);
                latest = Some(epoch);
            }
            let size = u64::from(size);
            let seg = match &mut active {
                Some(s)
                    if s.size_bytes == 0
                        || (s.size_bytes + size <= segment_bytes
                            && timestamp.since(s.first_timestamp) < segment_ms) =>
                {
                    s
                }
                _ => {
                    self.segments.extend(active.take());
                    active.insert(Segment {
                        base_offset: offset,
                        size_bytes: 0,
                        max_timestamp: timestamp,
                        first_timestamp: timestamp,
                    })
                }
            };
            if seg.size_bytes == 0 {
                seg.first_timestamp = timestamp;
            }
            seg.size_bytes += size;
            seg.max_timestamp = seg.max_timestamp.max(timestamp);
        }
        self.segments.extend(active);
    }

    /// Counts an entry about to be appended in the leader-epoch cache and the segments
    /// (rolling a new one when the active one is full or old).
    #[inline(always)]
    fn account(
        &mut self,
        entry: &LogEntry,
        (size, timestamp): (u32, SimTime),
        segment: (u64, u64),
    ) {
        let (segment_bytes, segment_ms) = segment;
        if self
            .epochs
            .latest_epoch()
            .is_none_or(|e| e < entry.leader_epoch)
        {
            self.epochs.assign(entry.leader_epoch, entry.offset);
        }
        let size = u64::from(size);
        let roll = match self.segments.last() {
            None => true,
            Some(s) => {
                s.size_bytes > 0
                    && (s.size_bytes + size > segment_bytes
                        || timestamp.since(s.first_timestamp) >= segment_ms)
            }
        };
        if roll {
            self.segments.push(Segment {
                base_offset: entry.offset,
                size_bytes: 0,
                max_timestamp: timestamp,
                first_timestamp: timestamp,
            });
        }
        let seg = self
            .segments
            .last_mut()
            .expect("a segment was just ensured");
        if seg.size_bytes == 0 {
            seg.first_timestamp = timestamp;
        }
        seg.size_bytes += size;
        seg.max_timestamp = seg.max_timestamp.max(timestamp);
    }

    /// Allocated entry slots.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// Calls `f` with the address and bytes of each chunk of entries (see `ChunkedVec`).
    pub(crate) fn for_each_chunk(&self, f: &mut dyn FnMut(usize, u64)) {
        self.entries.for_each_chunk(f);
    }

    /// Sets the HW, clamped to `[log_start_offset, log_end_offset]`; returns the value set.
    pub fn set_high_watermark(&mut self, hw: Offset) -> Offset {
        self.high_watermark = hw.clamp(self.log_start_offset, self.log_end_offset);
        self.high_watermark
    }

    /// Index of the first entry with offset ≥ `offset`.
    fn index_of(&self, offset: Offset) -> usize {
        self.entries.index_of(offset)
    }

    /// Entries from `from` on.
    pub fn entries_from(&self, from: Offset) -> Entries<'_> {
        self.entries.iter_from(self.index_of(from))
    }

    /// Up to `max` entries from `from` on.
    pub fn read(&self, from: Offset, max: usize) -> Vec<LogEntry> {
        self.entries.read(self.index_of(from), max)
    }

    /// The entry at `offset`, if present (compaction leaves gaps).
    pub fn get(&self, offset: Offset) -> Option<LogEntry> {
        let i = self.index_of(offset);
        self.entries.get(i).filter(|e| e.offset == offset)
    }

    /// Removes every entry at or above `offset`; returns them. The HW and epoch cache follow.
    pub fn truncate_to(&mut self, offset: Offset, meta: &impl RecordMeta) -> Vec<LogEntry> {
        if offset >= self.log_end_offset {
            // Nothing to remove, but an epoch that starts at the LEO without records (a leader
            // that wrote nothing) must go, or the follower keeps presenting it as its last epoch.
            self.epochs.truncate_from_end(self.log_end_offset);
            return Vec::new();
        }
        let offset = offset.max(self.log_start_offset);
        let i = self.index_of(offset);
        let removed = self.entries.split_off(i);
        self.log_end_offset = offset;
        self.high_watermark = self.high_watermark.min(offset);
        self.epochs.truncate_from_end(offset);
        // Rebuild the tail segment sizes from what is left (truncation is rare).
        self.segments.retain(|s| s.base_offset < offset);
        if let Some(last) = self.segments.last_mut() {
            let from = self.entries.index_of(last.base_offset);
            last.size_bytes = self
                .entries
                .iter_from(from)
                .map(|e| u64::from(meta.size_and_timestamp(e.record()).0))
                .sum();
        }
        removed
    }

    /// Removes everything and restarts the log at `offset` (a follower far behind a leader
    /// whose retention deleted what it needs); returns the removed entries.
    pub fn reset_to(&mut self, offset: Offset) -> Vec<LogEntry> {
        let removed = self.entries.split_off(0);
        self.segments.clear();
        self.epochs = LeaderEpochCache::default();
        self.log_start_offset = offset;
        self.log_end_offset = offset;
        self.high_watermark = offset;
        removed
    }

    /// Removes the oldest `count` segments (never the active one, never one whose successor
    /// starts above the HW) and moves the log start offset to the next segment's base; returns
    /// the removed entries.
    pub fn delete_oldest_segments(&mut self, count: usize) -> Vec<LogEntry> {
        let mut count = count.min(self.segments.len().saturating_sub(1));
        // Every deleted offset must be below the HW: the new first segment starts at or below it.
        while count > 0 && self.segments[count].base_offset > self.high_watermark {
            count -= 1;
        }
        if count == 0 {
            return Vec::new();
        }
        let new_start = self.segments[count].base_offset.max(self.log_start_offset);
        self.segments.drain(..count);
        let i = self.index_of(new_start);
        let removed = self.entries.drain_front(i);
        self.log_start_offset = new_start;
        self.epochs.truncate_from_start(new_start);
        removed
    }

    /// Raises the log start offset (a follower following its leader's); returns removed entries.
    pub fn advance_log_start_offset(
        &mut self,
        offset: Offset,
        meta: &impl RecordMeta,
    ) -> Vec<LogEntry> {
        if offset <= self.log_start_offset {
            return Vec::new();
        }
        let offset = offset.min(self.log_end_offset);
        // Drop the segments wholly below `offset`; the one containing it becomes the first.
        let keep = self
            .segments
            .partition_point(|s| s.base_offset <= offset)
            .saturating_sub(1);
        self.segments.drain(..keep);
        let i = self.index_of(offset);
        let removed = self.entries.drain_front(i);
        if let Some(first) = self.segments.first_mut() {
            // Only the removed entries that were in this segment count against its size.
            let trimmed: u64 = removed
                .iter()
                .filter(|e| e.offset >= first.base_offset)
                .map(|e| u64::from(meta.size_and_timestamp(e.record()).0))
                .sum();
            first.base_offset = first.base_offset.max(offset);
            first.size_bytes = first.size_bytes.saturating_sub(trimmed);
        }
        self.log_start_offset = offset;
        self.high_watermark = self.high_watermark.max(offset);
        self.epochs.truncate_from_start(offset);
        removed
    }

    /// Keeps only the entries for which `keep` is true among those below `end` (compaction);
    /// offsets are never renumbered and segment bases stay (gaps appear). Segment sizes and
    /// largest timestamps are recomputed from the surviving entries (an emptied segment keeps its
    /// base and timestamps). Returns the removed entries.
    pub fn retain_below(
        &mut self,
        end: Offset,
        mut keep: impl FnMut(&LogEntry) -> bool,
        meta: &impl RecordMeta,
    ) -> Vec<LogEntry> {
        let split = self.index_of(end);
        let removed = self.entries.retain(|i, e| i >= split || keep(e));
        if removed.is_empty() {
            return removed;
        }
        // Recompute segment sizes and largest timestamps from the surviving entries.
        let bases: Vec<Offset> = self.segments.iter().map(|s| s.base_offset).collect();
        let mut survivors: Vec<Option<(u64, SimTime)>> = vec![None; bases.len()];
        for e in self.entries.iter_from(0) {
            let s = bases.partition_point(|b| *b <= e.offset).saturating_sub(1);
            if let Some(slot) = survivors.get_mut(s) {
                let (entry_size, timestamp) = meta.size_and_timestamp(e.record());
                let (size, max_ts) = slot.get_or_insert((0, timestamp));
                *size += u64::from(entry_size);
                *max_ts = (*max_ts).max(timestamp);
            }
        }
        for (seg, survivor) in self.segments.iter_mut().zip(survivors) {
            match survivor {
                Some((size, max_ts)) => {
                    seg.size_bytes = size;
                    seg.max_timestamp = max_ts;
                }
                None => seg.size_bytes = 0,
            }
        }
        removed
    }

    /// The epoch of the last entry, or the cache's latest epoch.
    pub fn last_fetched_epoch(&self) -> Option<LeaderEpoch> {
        self.epochs.latest_epoch()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(offset: u64, epoch: u32) -> LogEntry {
        LogEntry::new(Offset(offset), LeaderEpoch(epoch), RecordId(offset))
    }

    /// Every test record is 10 bytes, sent at the time of its offset (its id is its offset).
    struct TenBytes;
    impl RecordMeta for TenBytes {
        fn size_and_timestamp(&self, record: RecordId) -> (u32, SimTime) {
            (10, SimTime(record.0))
        }
    }

    /// Appends the entry at `offset` with `segment.bytes` = `segment_bytes`.
    fn append(log: &mut PartitionLog, offset: u64, epoch: u32, segment_bytes: u64) -> bool {
        let meta = TenBytes.size_and_timestamp(RecordId(offset));
        log.append(entry(offset, epoch), meta, (segment_bytes, u64::MAX))
    }

    #[test]
    fn append_is_contiguous_and_truncation_moves_leo_hw_and_epochs() {
        let mut log = PartitionLog::default();
        for o in 0..5 {
            assert!(append(&mut log, o, if o < 3 { 1 } else { 2 }, 1 << 30));
        }
        assert!(!append(&mut log, 7, 2, 1 << 30), "a gap is refused");
        assert_eq!(log.log_end_offset(), Offset(5));
        log.set_high_watermark(Offset(4));
        let removed = log.truncate_to(Offset(3), &TenBytes);
        assert_eq!(removed.len(), 2);
        assert_eq!(
            (log.log_end_offset(), log.high_watermark()),
            (Offset(3), Offset(3))
        );
        assert_eq!(log.epochs().latest_epoch(), Some(LeaderEpoch(1)));
    }

    #[test]
    fn fetched_entries_keep_the_leaders_offsets_and_stop_where_offsets_go_back() {
        let mut log = PartitionLog::default();
        let fetched: Vec<LogEntry> = [5, 6, 9, 10, 8, 11].map(|o| entry(o, 1)).to_vec();
        let metas: Vec<(u32, SimTime)> = fetched
            .iter()
            .map(|e| TenBytes.size_and_timestamp(e.record()))
            .collect();
        let appended = log.append_fetched_all(&fetched, &metas, (1 << 30, u64::MAX));
        assert_eq!(appended, 4, "offset 8 after 10 goes back");
        assert_eq!(
            log.log_start_offset(),
            Offset(5),
            "an empty log starts at the first"
        );
        assert_eq!(log.log_end_offset(), Offset(11));
        let held: Vec<u64> = log.entries().map(|e| e.offset.0).collect();
        assert_eq!(held, vec![5, 6, 9, 10]);
        assert_eq!(log.size_bytes(), 40);
        assert_eq!(log.get(Offset(9)), Some(entry(9, 1)));
        assert_eq!(
            log.get(Offset(7)),
            None,
            "a gap left by the leader's compaction"
        );
        // Nothing rises above the LEO: nothing is appended.
        assert_eq!(
            log.append_fetched_all(&fetched[..1], &metas[..1], (1 << 30, u64::MAX)),
            0
        );
        assert_eq!(log.len(), 4);
    }

    #[test]
    fn batches_roll_segments_and_assign_epochs_as_single_appends_do() {
        // Entries 0..10 in epochs 1 then 2; 10-byte records sent at their offset's time.
        let epoch_of = |o: u64| if o < 6 { 1 } else { 2 };
        for segment in [(30, u64::MAX), (1 << 30, 4), (25, 3)] {
            let mut single = PartitionLog::default();
            for o in 0..10 {
                let meta = TenBytes.size_and_timestamp(RecordId(o));
                assert!(single.append(entry(o, epoch_of(o)), meta, segment));
            }
            let entries: Vec<LogEntry> = (0..10).map(|o| entry(o, epoch_of(o))).collect();
            let metas: Vec<(u32, SimTime)> = (0..10)
                .map(|o| TenBytes.size_and_timestamp(RecordId(o)))
                .collect();
            let mut fetched = PartitionLog::default();
            assert_eq!(
                fetched.append_fetched_all(&entries[..4], &metas[..4], segment),
                4
            );
            assert_eq!(
                fetched.append_fetched_all(&entries[4..], &metas[4..], segment),
                6
            );
            let mut led = PartitionLog::default();
            let records: Vec<RecordId> = (0..10).map(RecordId).collect();
            led.append_batch(LeaderEpoch(1), &records[..6], &metas[..6], segment);
            led.append_batch(LeaderEpoch(2), &records[6..], &metas[6..], segment);
            for other in [&fetched, &led] {
                assert_eq!(other.segments(), single.segments(), "{segment:?}");
                assert_eq!(other.epochs(), single.epochs());
                assert_eq!(other.log_end_offset(), Offset(10));
                assert!(other.entries().eq(single.entries()));
            }
            assert!(single.segments().len() > 1, "{segment:?} rolls");
        }
    }

    #[test]
    fn segments_roll_by_size_and_deletion_keeps_the_active_segment() {
        let mut log = PartitionLog::default();
        for o in 0..10 {
            append(&mut log, o, 0, 30); // three 10-byte records per segment
        }
        assert_eq!(log.segments().len(), 4);
        log.set_high_watermark(Offset(10));
        let removed = log.delete_oldest_segments(10);
        assert_eq!(removed.len(), 9);
        assert_eq!(log.log_start_offset(), Offset(9));
        assert_eq!(log.segments().len(), 1);
    }

    /// Ten 10-byte entries in segments of three: [0,1,2] [3,4,5] [6,7,8] [9].
    fn ten_entries() -> PartitionLog {
        let mut log = PartitionLog::default();
        for o in 0..10 {
            append(&mut log, o, 0, 30);
        }
        log
    }

    fn bases_and_sizes(log: &PartitionLog) -> Vec<(u64, u64)> {
        log.segments()
            .iter()
            .map(|s| (s.base_offset.0, s.size_bytes))
            .collect()
    }

    #[test]
    fn deletion_never_passes_the_high_watermark() {
        let mut log = ten_entries();
        log.set_high_watermark(Offset(4));
        // Asked for three segments, but [3,4,5] holds offsets at and above the HW (4).
        let removed = log.delete_oldest_segments(3);
        assert_eq!(removed.len(), 3);
        assert_eq!(
            (log.log_start_offset(), log.high_watermark()),
            (Offset(3), Offset(4))
        );
        assert_eq!(bases_and_sizes(&log), vec![(3, 30), (6, 30), (9, 10)]);
        assert!(
            log.delete_oldest_segments(1).is_empty(),
            "HW 4 < next base 6"
        );
    }

    #[test]
    fn following_a_log_start_offset_keeps_the_remaining_segment_sizes() {
        let mut log = ten_entries();
        log.set_high_watermark(Offset(10));
        // To a segment base: [6,7,8] and [9] stay whole (the removed 60 bytes were in [0..6)).
        let removed = log.advance_log_start_offset(Offset(6), &TenBytes);
        assert_eq!(removed.len(), 6);
        assert_eq!(bases_and_sizes(&log), vec![(6, 30), (9, 10)]);
        // Inside a segment: [6,7,8] loses only offset 6.
        log.advance_log_start_offset(Offset(7), &TenBytes);
        assert_eq!(bases_and_sizes(&log), vec![(7, 20), (9, 10)]);
        assert_eq!(log.size_bytes(), 30);
        // The active segment keeps rolling at segment.bytes: [9] + 10 + 11 = 30, 12 rolls.
        for o in 10..13 {
            append(&mut log, o, 0, 30);
        }
        assert_eq!(bases_and_sizes(&log), vec![(7, 20), (9, 30), (12, 10)]);
    }

    #[test]
    fn following_a_log_start_offset_at_the_leo_leaves_an_empty_segment_there() {
        let mut log = ten_entries();
        log.set_high_watermark(Offset(10));
        log.advance_log_start_offset(Offset(10), &TenBytes);
        assert_eq!(log.len(), 0);
        assert_eq!(bases_and_sizes(&log), vec![(10, 0)]);
        append(&mut log, 10, 0, 30);
        assert_eq!(bases_and_sizes(&log), vec![(10, 10)]);
    }

    #[test]
    fn compaction_keeps_offsets_and_bases_and_recomputes_sizes_and_timestamps() {
        let mut log = ten_entries();
        log.set_high_watermark(Offset(10));
        // Drop 0, 1, 2 (all of [0,1,2]), 5 and 7, below 9.
        let removed = log.retain_below(
            Offset(9),
            |e| ![0, 1, 2, 5, 7].contains(&e.offset.0),
            &TenBytes,
        );
        assert_eq!(
            removed.iter().map(|e| e.offset.0).collect::<Vec<_>>(),
            vec![0, 1, 2, 5, 7]
        );
        let left: Vec<u64> = log.entries().map(|e| e.offset.0).collect();
        assert_eq!(left, vec![3, 4, 6, 8, 9], "no renumbering: gaps");
        assert_eq!(
            bases_and_sizes(&log),
            vec![(0, 0), (3, 20), (6, 20), (9, 10)]
        );
        // Largest timestamps (entry timestamps equal offsets): [3,4] 4, [6,8] 8; the emptied
        // segment keeps its old one.
        let max_ts: Vec<u64> = log.segments().iter().map(|s| s.max_timestamp.0).collect();
        assert_eq!(max_ts, vec![2, 4, 8, 9]);
        assert_eq!(
            (log.log_start_offset(), log.log_end_offset()),
            (Offset(0), Offset(10))
        );
        assert_eq!(log.get(Offset(5)), None);
        assert_eq!(log.read(Offset(5), 2).len(), 2, "reads skip the gap");
    }
}
