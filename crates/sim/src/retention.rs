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
//! the tombstone horizon counts from the tombstone's timestamp.

use std::collections::BTreeMap;

use crate::broker::Broker;
use crate::event::EventKind;
use crate::ledger::{KeyId, Value};
use crate::node::Ctx;

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
        let mut removed = Vec::new();
        if config.cleanup_policy.deletes() {
            let hw = log.high_watermark();
            let segments = log.segments();
            // A segment is deletable only if its successor starts at or below the HW.
            let deletable = |i: usize| {
                segments
                    .get(i + 1)
                    .is_some_and(|next| next.base_offset <= hw)
            };
            let mut count = 0;
            if config.retention_bytes >= 0 {
                let mut excess = log
                    .size_bytes()
                    .saturating_sub(config.retention_bytes as u64);
                while deletable(count)
                    && excess >= segments[count].size_bytes
                    && segments[count].size_bytes > 0
                {
                    excess -= segments[count].size_bytes;
                    count += 1;
                }
            }
            if config.retention_ms >= 0 {
                while deletable(count)
                    && ctx.now.since(segments[count].max_timestamp) > config.retention_ms as u64
                {
                    count += 1;
                }
            }
            removed.extend(log.delete_oldest_segments(count));
        }
        let deleted = removed.len() as u64;
        for e in &removed {
            ctx.ledger.on_deleted(e.record);
        }
        if deleted > 0 {
            let log_start_offset = log.log_start_offset();
            ctx.emit(EventKind::RecordsDeleted {
                tp,
                broker: me,
                removed: deleted,
                log_start_offset,
                compaction: false,
            });
        }
        if config.cleanup_policy.compacts() {
            let Some(active) = log.segments().last().map(|s| s.base_offset) else {
                continue;
            };
            let end = active.min(log.high_watermark());
            // The latest offset per key in the cleanable range.
            let mut latest: BTreeMap<KeyId, u64> = BTreeMap::new();
            for e in log.entries().iter().take_while(|e| e.offset < end) {
                if let Some(key) = ctx.ledger.get(e.record).and_then(|r| r.key) {
                    latest.insert(key, e.offset.0);
                }
            }
            let now = ctx.now;
            let ledger = &*ctx.ledger;
            let compacted = log.retain_below(end, |e| {
                let Some(r) = ledger.get(e.record) else {
                    return true;
                };
                let Some(key) = r.key else { return true };
                let is_latest = latest.get(&key) == Some(&e.offset.0);
                let tombstone_expired = r.value == Value::Tombstone
                    && now.since(r.timestamp) >= config.delete_retention_ms;
                is_latest && !tombstone_expired
            });
            for e in &compacted {
                ctx.ledger.on_deleted(e.record);
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
