//! Retention and compaction, run by each broker every `log.retention.check.interval.ms` on every
//! replica it hosts.
//!
//! Deletion mirrors `UnifiedLog#deleteOldSegments`: whole segments only, oldest first, never the
//! active segment, never at or above the high watermark; by size (`retention.bytes`) then by time
//! (`retention.ms` against the segment's largest timestamp). Compaction mirrors `LogCleaner`:
//! below the active segment, keep the latest record per key; tombstones are dropped
//! `delete.retention.ms` after they were first kept.
//!
//! Simplified: the cleaner runs on the retention schedule, ignores `min.cleanable.dirty.ratio`, and
//! the tombstone horizon counts from the tombstone's timestamp; a segment compaction empties stays
//! (empty) until retention deletes it, where Kafka's cleaner would merge it into its neighbour; the
//! active segment is never deleted, where Kafka rolls a new empty one first when it qualifies too.

use std::collections::BTreeMap;

use crate::broker::Broker;
use crate::event::EventKind;
use crate::ids::Offset;
use crate::ledger::{KeyId, Value};
use crate::node::Ctx;
use crate::partition_log::Segment;
use crate::time::SimTime;

/// One retention and compaction pass over every replica of `broker`.
pub(crate) fn run(broker: &mut Broker, ctx: &mut Ctx<'_>) {
    let me = broker.id;
    for replica in broker.replicas.values_mut() {
        let tp = replica.tp;
        let Some(topic) = ctx.catalog.get(tp.topic) else {
            continue;
        };
        let config = topic.config.clone();
        let log = &mut replica.log;
        if config.cleanup_policy.deletes() {
            let start_before = log.log_start_offset();
            let count = segments_to_delete(
                log.segments(),
                log.high_watermark(),
                ctx.now,
                config.retention_bytes,
                config.retention_ms,
            );
            let removed = log.delete_oldest_segments(count);
            for e in &removed {
                ctx.ledger.on_deleted(e.record());
            }
            let log_start_offset = log.log_start_offset();
            // Deleting a segment that compaction emptied removes no record but moves the log start.
            if !removed.is_empty() || log_start_offset != start_before {
                ctx.emit(EventKind::RecordsDeleted {
                    tp,
                    broker: me,
                    removed: removed.len() as u64,
                    log_start_offset,
                    compaction: false,
                });
            }
        }
        if config.cleanup_policy.compacts() {
            let Some(end) = cleanable_end(log.segments(), log.high_watermark()) else {
                continue;
            };
            // The latest offset per key in the cleanable range.
            let mut latest: BTreeMap<KeyId, u64> = BTreeMap::new();
            for e in log.entries().take_while(|e| e.offset < end) {
                if let Some(key) = ctx.ledger.key(e.record()) {
                    latest.insert(key, e.offset.0);
                }
            }
            let now = ctx.now;
            let ledger = &*ctx.ledger;
            let compacted = log.retain_below(
                end,
                |e| {
                    let Some(key) = ledger.key(e.record()) else {
                        return true;
                    };
                    let is_latest = latest.get(&key) == Some(&e.offset.0);
                    let tombstone_expired = ledger.stored_value(e.record())
                        == Some(&Value::Tombstone)
                        && now.since(ledger.size_and_timestamp(e.record()).1)
                            >= config.delete_retention_ms;
                    is_latest && !tombstone_expired
                },
                ledger,
            );
            for e in &compacted {
                ctx.ledger.on_deleted(e.record());
            }
            if !compacted.is_empty() {
                let log_start_offset = log.log_start_offset();
                let removed = compacted.len() as u64;
                ctx.emit(EventKind::RecordsDeleted {
                    tp,
                    broker: me,
                    removed,
                    log_start_offset,
                    compaction: true,
                });
            }
        }
    }
}

/// How many of the oldest segments retention deletes (`UnifiedLog#deleteOldSegments`, size pass
/// then time pass; each stops at the first segment that does not qualify).
///
/// A segment is deletable only if all its offsets are below the HW, i.e. its successor starts at
/// or below the HW; the active (last) segment has no successor and is never deleted.
fn segments_to_delete(
    segments: &[Segment],
    hw: Offset,
    now: SimTime,
    retention_bytes: i64,
    retention_ms: i64,
) -> usize {
    let deletable = |i: usize| {
        segments
            .get(i + 1)
            .is_some_and(|next| next.base_offset <= hw)
    };
    let mut count = 0;
    let size: u64 = segments.iter().map(|s| s.size_bytes).sum();
    // Size: only when the log is at least retention.bytes; then while excess − segment ≥ 0
    // (an empty segment left by compaction goes too and does not stop the pass).
    if let Ok(limit) = u64::try_from(retention_bytes)
        && size >= limit
    {
        let mut excess = size - limit;
        while deletable(count) && excess >= segments[count].size_bytes {
            excess -= segments[count].size_bytes;
            count += 1;
        }
    }
    // Time: while now − the segment's largest timestamp > retention.ms (−1 keeps forever).
    if let Ok(limit) = u64::try_from(retention_ms) {
        while deletable(count) && now.since(segments[count].max_timestamp) > limit {
            count += 1;
        }
    }
    count
}

/// End (exclusive) of the range compaction may clean: the active segment's base offset, capped at
/// the HW (the last stable offset without transactions). `None` for a log without segments.
fn cleanable_end(segments: &[Segment], hw: Offset) -> Option<Offset> {
    segments.last().map(|active| active.base_offset.min(hw))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Segments of `(base, size, max_timestamp)`.
    fn segs(spec: &[(u64, u64, u64)]) -> Vec<Segment> {
        spec.iter()
            .map(|&(base, size, ts)| Segment {
                base_offset: Offset(base),
                size_bytes: size,
                max_timestamp: SimTime(ts),
                first_timestamp: SimTime(ts),
            })
            .collect()
    }

    #[test]
    fn size_retention_deletes_whole_segments_while_the_excess_covers_them() {
        // 39 + 39 + 39 + 13 = 130 bytes.
        let s = segs(&[(0, 39, 0), (3, 39, 0), (6, 39, 0), (9, 13, 0)]);
        let at = |limit| segments_to_delete(&s, Offset(10), SimTime(0), limit, -1);
        assert_eq!(at(-1), 0, "no size limit");
        assert_eq!(at(200), 0, "under the limit");
        assert_eq!(at(100), 0, "excess 30 < 39");
        assert_eq!(at(91), 1, "excess 39: exactly one segment");
        assert_eq!(at(52), 2, "excess 78 = 39 + 39");
        assert_eq!(at(0), 3, "everything but the active segment");
    }

    #[test]
    fn an_empty_segment_left_by_compaction_does_not_stop_size_retention() {
        // Compaction emptied [0,3); 0 + 39 + 39 + 13 = 91 bytes, limit 50: excess 41.
        let s = segs(&[(0, 0, 0), (3, 39, 0), (6, 39, 0), (9, 13, 0)]);
        assert_eq!(
            segments_to_delete(&s, Offset(10), SimTime(0), 50, -1),
            2,
            "41 − 0 − 39 = 2 ≥ 0, then 2 < 39"
        );
    }

    #[test]
    fn retention_never_deletes_a_segment_reaching_the_high_watermark() {
        let s = segs(&[(0, 39, 0), (3, 39, 0), (6, 39, 0), (9, 13, 0)]);
        // HW 5: [0,3) is below it, [3,6) is not (its successor starts at 6 > 5).
        assert_eq!(segments_to_delete(&s, Offset(5), SimTime(0), 0, -1), 1);
        assert_eq!(segments_to_delete(&s, Offset(2), SimTime(0), 0, -1), 0);
        assert_eq!(segments_to_delete(&s, Offset(6), SimTime(9_999), -1, 0), 2);
    }

    #[test]
    fn time_retention_deletes_segments_strictly_older_than_retention_ms() {
        let s = segs(&[(0, 39, 1_000), (3, 39, 5_000), (6, 13, 0)]);
        let at = |now| segments_to_delete(&s, Offset(7), SimTime(now), -1, 10_000);
        assert_eq!(at(11_000), 0, "exactly retention.ms old is kept");
        assert_eq!(at(11_001), 1);
        assert_eq!(at(15_001), 2);
        assert_eq!(at(1_000_000), 2, "the active segment stays");
        // Each pass stops at the first segment that does not qualify.
        let s = segs(&[(0, 39, 9_000), (3, 39, 1_000), (6, 13, 0)]);
        assert_eq!(
            segments_to_delete(&s, Offset(7), SimTime(15_000), -1, 10_000),
            0
        );
    }

    #[test]
    fn compaction_ends_at_the_active_segment_capped_at_the_high_watermark() {
        let s = segs(&[(0, 39, 0), (3, 39, 0), (6, 13, 0)]);
        assert_eq!(cleanable_end(&s, Offset(7)), Some(Offset(6)));
        assert_eq!(cleanable_end(&s, Offset(4)), Some(Offset(4)));
        assert_eq!(cleanable_end(&[], Offset(0)), None);
    }
}
