//! Global invariant checks that observe the replicas as they change (TigerBeetle's state checker):
//! every replica must hold, below its high watermark, the same records as every other replica.
//!
//! The checker keeps each partition's committed history (offset → record); a replica whose
//! committed prefix disagrees with it breaks `ReplicasAgreeBelowHighWatermark` — expected only after
//! an unclean leader election.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::chunked_vec::ChunkedVec;
use crate::event::{AllowedBy, EventKind, Invariant};
use crate::ids::{BrokerId, ConsumerId, Offset, RecordId, TopicPartition};
use crate::node::Ctx;
use crate::replication::Replica;
use crate::vec_map::{VecMap, VecSet};

/// Marks an offset the history has not seen (a gap left by retention or compaction).
const UNKNOWN: u32 = u32::MAX;

/// State of the global checks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Checker {
    /// Record ids by offset, 32 bits each (see `LogEntry::new`): one slot per committed record.
    /// In chunks shared with time-travel checkpoints until written.
    history: VecMap<TopicPartition, ChunkedVec<u32, 6>>,
    unclean: VecSet<TopicPartition>,
    /// Owner of each partition per (group, incarnation, generation).
    owners: BTreeMap<(Rc<str>, u32, i32, TopicPartition), ConsumerId>,
    /// Per (group, partition): offsets below this were checked for skips.
    skip_checked: VecMap<(Rc<str>, TopicPartition), crate::ids::Offset>,
    group_incarnations: u32,
}

impl Checker {
    /// Bytes allocated for the committed histories.
    pub fn allocated_bytes(&self) -> usize {
        self.history
            .values()
            .map(|h| h.capacity() * std::mem::size_of::<u32>())
            .sum()
    }

    /// Calls `f` with the address and bytes of each chunk of the committed histories.
    pub(crate) fn for_each_chunk(&self, f: &mut dyn FnMut(usize, u64)) {
        for h in self.history.values() {
            h.for_each_chunk(f);
        }
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
    let mut entries = replica.log.entries_from(replica.agreed_upto);
    // A piece at a time: runs of entries at consecutive offsets, compared with the history's
    // slices in tight loops.
    while let Some((first, piece)) = entries.next_piece() {
        if first >= hw {
            break;
        }
        let below_hw = piece.len().min((hw.0 - first.0) as usize);
        let piece = &piece[..below_hw];
        let (mut i, mut k) = (first.0 as usize, 0);
        while k < piece.len() {
            if i >= history.len() {
                // Past the history's end: the rest is new.
                history.resize(i, UNKNOWN);
                history.extend_mapped(&piece[k..], |s| s.record);
                break;
            }
            // Read first: the other replicas usually agree, and a write may copy a chunk shared
            // with a time-travel checkpoint.
            let held = history.slice_from(i);
            let n = held.len().min(piece.len() - k);
            let differs = held[..n]
                .iter()
                .zip(&piece[k..k + n])
                .position(|(h, s)| *h != s.record);
            let Some(d) = differs else {
                (i, k) = (i + n, k + n);
                continue;
            };
            let (had, has) = (held[d], piece[k + d].record);
            if had != UNKNOWN {
                first_mismatch.get_or_insert((Offset((i + d) as u64), had, has));
            }
            // Fill a gap, or keep the newest (each divergence is reported once).
            *history.get_mut(i + d).expect("within the history") = has;
            (i, k) = (i + d + 1, k + d + 1);
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

impl Checker {
    /// A fresh number for a group newly hosted by a coordinator (generations restart with it).
    pub fn next_group_incarnation(&mut self) -> u32 {
        self.group_incarnations += 1;
        self.group_incarnations
    }
}

/// Records that `consumer` owns `tp` in (group, incarnation, generation); returns the other
/// consumer that already owned it in that generation, if any (a broken `SingleOwnerPerGeneration`).
pub(crate) fn note_owner(
    ctx: &mut Ctx<'_>,
    group: &Rc<str>,
    generation: (u32, i32),
    tp: TopicPartition,
    consumer: ConsumerId,
) -> Option<ConsumerId> {
    let key = (group.clone(), generation.0, generation.1, tp);
    match ctx.checker.owners.get(&key) {
        Some(other) if *other != consumer => Some(*other),
        Some(_) => None,
        None => {
            ctx.checker.owners.insert(key, consumer);
            None
        }
    }
}

/// A consumer of `group` starts reading `tp` at `position`: committed records between where the
/// group's reading of `tp` had got to and `position` that the group never processed are skipped.
/// Returns (from, to, count) when some were.
pub(crate) fn check_skips(
    ctx: &mut Ctx<'_>,
    group: &Rc<str>,
    tp: TopicPartition,
    position: crate::ids::Offset,
) -> Option<(crate::ids::Offset, crate::ids::Offset, u64)> {
    let key = (group.clone(), tp);
    let Some(&from) = ctx.checker.skip_checked.get(&key) else {
        // The group's first position on this partition: nothing before it was meant for it.
        ctx.checker.skip_checked.insert(key, position);
        return None;
    };
    if position <= from {
        return None;
    }
    ctx.checker.skip_checked.insert(key, position);
    let history = ctx.checker.history.get(&tp)?;
    let end = (position.0 as usize).min(history.len());
    let count = history
        .slices(from.0 as usize, end)
        .flatten()
        .filter(|r| {
            **r != UNKNOWN && ctx.ledger.times_processed(group, RecordId(u64::from(**r))) == 0
        })
        .count() as u64;
    (count > 0).then_some((from, position, count))
}
