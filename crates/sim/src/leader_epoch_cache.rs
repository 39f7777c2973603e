//! The leader-epoch cache of one replica's log: `(epoch, start offset)` pairs, the first offset
//! written in each epoch. Followers use the leader's answer from it to find where their log
//! diverges after a leader change (KIP-101, KIP-279).
//!
//! Mirrors `LeaderEpochFileCache` (`assign`, `endOffsetFor`, `truncateFromEnd`).

use serde::{Deserialize, Serialize};

use crate::ids::{LeaderEpoch, Offset};

/// One entry: from `start_offset` on, records were written in `epoch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEntry {
    /// The leader epoch.
    pub epoch: LeaderEpoch,
    /// The first offset written in that epoch.
    pub start_offset: Offset,
}

/// Epoch → start offset history of a log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderEpochCache {
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    /// Records that `epoch` starts at `start_offset`, dropping any entry it makes inconsistent
    /// (an entry with a larger or equal epoch, or a start offset at or beyond this one).
    pub fn assign(&mut self, epoch: LeaderEpoch, start_offset: Offset) {
        if let Some(last) = self.entries.last()
            && last.epoch == epoch
            && last.start_offset <= start_offset
        {
            return;
        }
        self.entries
            .retain(|e| e.epoch < epoch && e.start_offset < start_offset);
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
    }

    /// The latest epoch, if any.
    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.entries.last().map(|e| e.epoch)
    }

    /// Kafka's `endOffsetFor(requested, logEndOffset)`: the largest epoch ≤ `requested` and the
    /// offset where it ended (the next epoch's start, or the LEO for the latest epoch).
    /// `None` when `requested` is above every known epoch… or the cache is empty (Kafka's (−1, −1)).
    pub fn end_offset_for(
        &self,
        requested: LeaderEpoch,
        log_end_offset: Offset,
    ) -> Option<(LeaderEpoch, Offset)> {
        let last = self.entries.last()?;
        if requested == last.epoch {
            return Some((requested, log_end_offset));
        }
        if requested > last.epoch {
            return None;
        }
        let first = self.entries[0];
        if requested < first.epoch {
            // Older than anything we know: Kafka answers (requested, first epoch's start offset).
            return Some((requested, first.start_offset));
        }
        // Largest epoch ≤ requested; it ends where the next entry starts.
        let i = self.entries.partition_point(|e| e.epoch <= requested);
        Some((self.entries[i - 1].epoch, self.entries[i].start_offset))
    }

    /// Drops entries that start at or after `end_offset` (the log was truncated to it).
    pub fn truncate_from_end(&mut self, end_offset: Offset) {
        self.entries.retain(|e| e.start_offset < end_offset);
    }

    /// Drops entries wholly before `start_offset`, keeping the one that covers it.
    pub fn truncate_from_start(&mut self, start_offset: Offset) {
        let covering = self
            .entries
            .partition_point(|e| e.start_offset <= start_offset);
        if covering > 1 {
            self.entries.drain(..covering - 1);
        }
        if let Some(first) = self.entries.first_mut()
            && first.start_offset < start_offset
        {
            first.start_offset = start_offset;
        }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(pairs: &[(u32, u64)]) -> LeaderEpochCache {
        let mut c = LeaderEpochCache::default();
        for &(e, o) in pairs {
            c.assign(LeaderEpoch(e), Offset(o));
        }
        c
    }

    fn ask(c: &LeaderEpochCache, epoch: u32, leo: u64) -> Option<(u32, u64)> {
        c.end_offset_for(LeaderEpoch(epoch), Offset(leo))
            .map(|(e, o)| (e.0, o.0))
    }

    /// Vectors from Kafka's LeaderEpochFileCacheTest (kafka-semantics.md §4.7).
    #[test]
    fn end_offset_for_matches_kafka() {
        let c = cache(&[(0, 10), (2, 13), (4, 17)]);
        assert_eq!(ask(&c, 1, 20), Some((0, 13)));
        assert_eq!(ask(&c, 2, 20), Some((2, 17)));
        assert_eq!(ask(&c, 3, 20), Some((2, 17)));
        assert_eq!(ask(&c, 4, 20), Some((4, 20)));
        assert_eq!(ask(&c, 5, 20), None);
        let c = cache(&[(5, 11), (6, 12), (7, 13)]);
        assert_eq!(ask(&c, 4, 20), Some((4, 11)));
        let c = cache(&[(1, 11), (2, 13), (3, 15)]);
        assert_eq!(ask(&c, 2, 17), Some((2, 15)));
        assert_eq!(ask(&LeaderEpochCache::default(), 0, 0), None);
    }

    #[test]
    fn assign_drops_inconsistent_entries_and_truncation_trims() {
        let mut c = cache(&[(1, 0), (2, 5), (3, 9)]);
        c.assign(LeaderEpoch(4), Offset(7)); // a new leader whose log ended at 7
        assert_eq!(
            c.entries()
                .iter()
                .map(|e| (e.epoch.0, e.start_offset.0))
                .collect::<Vec<_>>(),
            vec![(1, 0), (2, 5), (4, 7)]
        );
        c.truncate_from_end(Offset(5));
        assert_eq!(c.latest_epoch(), Some(LeaderEpoch(1)));
        let mut c = cache(&[(1, 0), (2, 5), (3, 9)]);
        c.truncate_from_start(Offset(6));
        assert_eq!(
            c.entries()[0],
            EpochEntry {
                epoch: LeaderEpoch(2),
                start_offset: Offset(6)
            }
        );
    }
}
