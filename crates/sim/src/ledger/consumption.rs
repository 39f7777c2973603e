//! Per-group consumption tallies: which records each consumer group processed, how often.

use crate::chunked_vec::ChunkedVec;
use crate::ids::RecordId;
use crate::ledger::{ConsumptionCounts, Ledger};

#[derive(Clone, Debug, Default)]
pub(super) struct GroupConsumption {
    /// Times processed, by record id (saturating), shared with checkpoints until written.
    pub(super) processed: ChunkedVec<u8, 12, 0>,
    pub(super) counts: ConsumptionCounts,
}

impl Ledger {
    /// A consumer of `group` processed `records` (offset, id) in order; returns how many of them
    /// the group had processed before (one map lookup per batch, not per record).
    pub(crate) fn on_processed_batch(
        &mut self,
        group: &str,
        records: &[(crate::ids::Offset, RecordId)],
    ) -> u32 {
        let c = match self.consumption.get_mut(group) {
            Some(c) => c,
            None => self.consumption.entry(group.into()).or_default(),
        };
        let mut redelivered = 0u32;
        if let Some(last) = records.iter().map(|(_, id)| id.0 as usize).max() {
            c.processed.resize(last + 1, 0);
        }
        let counts = &mut c.counts;
        let ids = records.iter().map(|(_, id)| (id.0 as usize, ()));
        c.processed.update_each(ids, |(), count| {
            let before = *count;
            *count = before.saturating_add(1);
            if before == 0 {
                counts.processed += 1;
            } else {
                redelivered += 1;
            }
        });
        c.counts.deliveries += records.len() as u64;
        c.counts.redelivered += u64::from(redelivered);
        redelivered
    }

    /// How many times `group` processed record `id`.
    pub fn times_processed(&self, group: &str, id: RecordId) -> u8 {
        self.consumption
            .get(group)
            .and_then(|c| c.processed.get(id.0 as usize))
            .copied()
            .unwrap_or(0)
    }

    /// `group` moved past `count` committed records it never processed.
    pub(crate) fn on_skipped(&mut self, group: &str, count: u64) {
        let c = match self.consumption.get_mut(group) {
            Some(c) => c,
            None => self.consumption.entry(group.into()).or_default(),
        };
        c.counts.skipped += count;
    }

    /// What `group` did with the records so far.
    pub fn consumption_counts(&self, group: &str) -> ConsumptionCounts {
        self.consumption
            .get(group)
            .map(|c| c.counts)
            .unwrap_or_default()
    }

    /// Bytes held by the per-group consumption tallies.
    pub fn consumption_bytes(&self) -> usize {
        self.consumption
            .values()
            .map(|c| c.processed.capacity())
            .sum()
    }
}
