//! Global invariant checks that observe the replicas as they change (TigerBeetle's state checker):
//! every replica must hold, below its high watermark, the same records as every other replica.
//!
//! The checker keeps each partition's committed history (offset → record); a replica whose
//! committed prefix disagrees with it breaks `ReplicasAgreeBelowHighWatermark` — expected only after
//! an unclean leader election.

use std::collections::{BTreeMap, BTreeSet};

use crate::event::{AllowedBy, EventKind, Invariant};
use crate::ids::{BrokerId, RecordId, TopicPartition};
use crate::node::Ctx;
use crate::replication::Replica;

/// Marks an offset the history has not seen (a gap left by retention or compaction).
const UNKNOWN: RecordId = RecordId(u64::MAX);

/// State of the global checks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Checker {
    history: BTreeMap<TopicPartition, Vec<RecordId>>,
    unclean: BTreeSet<TopicPartition>,
}

impl Checker {
    /// Bytes allocated for the committed histories.
    pub fn allocated_bytes(&self) -> usize {
        self.history
            .values()
            .map(|h| h.capacity() * std::mem::size_of::<RecordId>())
            .sum()
    }

    /// Remembers that `tp` had an unclean election (its later disagreements are allowed).
    pub fn note_unclean_election(&mut self, tp: TopicPartition) {
        self.unclean.insert(tp);
    }
}

/// Whether `tp` ever had an unclean leader election.
pub(crate) fn had_unclean_election(ctx: &Ctx<'_>, tp: TopicPartition) -> bool {
    ctx.checker.unclean.contains(&tp)
}

/// Compares the replica's newly committed entries with the partition's history.
pub(crate) fn check_agreement(ctx: &mut Ctx<'_>, broker: BrokerId, replica: &mut Replica) {
    let hw = replica.log.high_watermark();
    if replica.agreed_upto >= hw {
        return;
    }
    let tp = replica.tp;
    let history = ctx.checker.history.entry(tp).or_default();
    let mut first_mismatch = None;
    for e in replica.log.entries_from(replica.agreed_upto) {
        if e.offset >= hw {
            break;
        }
        let i = e.offset.0 as usize;
        if history.len() <= i {
            history.resize(i, UNKNOWN);
            history.push(e.record);
        } else if history[i] == UNKNOWN {
            history[i] = e.record;
        } else if history[i] != e.record {
            first_mismatch.get_or_insert((e.offset, history[i], e.record));
            history[i] = e.record; // report each divergence once
        }
    }
    replica.agreed_upto = hw;
    if let Some((offset, had, has)) = first_mismatch {
        let allowed_by = ctx
            .checker
            .unclean
            .contains(&tp)
            .then_some(AllowedBy::UncleanLeaderElection);
        let detail = format!(
            "{} on broker {broker} holds record {has} at offset {offset}, below its high watermark, where record {had} was committed",
            ctx.catalog.tp_name(tp)
        );
        ctx.emit(EventKind::InvariantViolated {
            invariant: Invariant::ReplicasAgreeBelowHighWatermark,
            detail,
            allowed_by,
        });
    }
}
