//! The ledger's packed record slot: what a [`LedgerRecord`](super::LedgerRecord) says, in one
//! 64-byte cache line.

use std::collections::BTreeMap;

use crate::config::Acks;
use crate::error::KafkaError;
use crate::event::LossCause;
use crate::ids::{Offset, ProducerId, RecordId, TopicPartition};
use crate::time::SimTime;

/// `Slot::value` with this bit set is an index into `Ledger::values`; without it, a synthetic
/// value's length.
pub(super) const STORED_VALUE: u32 = 1 << 31;
/// `Slot::key` of a record without a key.
pub(super) const NO_KEY: u32 = u32::MAX;
/// An offset field of a `Slot` that holds no offset.
pub(super) const NO_OFFSET: u32 = u32::MAX;
/// An offset field of a `Slot` whose offset is `BIG_OFFSET` or more: it is in `Ledger::big_offsets`.
pub(super) const BIG_OFFSET: u32 = u32::MAX - 1;
/// `Slot::flags`: the record has an idempotent producer's epoch and sequence.
pub(super) const HAS_SEQUENCE: u8 = 1;
/// `Slot::flags`: retention or compaction removed it.
pub(super) const DELETED: u8 = 1 << 1;
/// `Slot::flags`: an `__consumer_offsets` record (offset commit, group metadata).
pub(super) const INTERNAL: u8 = 1 << 2;
/// `Slot::flags`: lost, `LossCause::Truncated`.
pub(super) const LOST_TRUNCATED: u8 = 1 << 3;
/// `Slot::flags`: lost, `LossCause::TruncatedAfterUncleanElection`.
pub(super) const LOST_UNCLEAN: u8 = 1 << 4;

/// The producer's view of a send, packed (the acknowledged offset is kept apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    Pending,
    Acked(Acks),
    Failed(KafkaError),
}

/// Which offset of a record a `Slot` field holds (the key of `Ledger::big_offsets`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum OffsetField {
    Acked,
    Committed,
}

/// What the ledger keeps of one record: a [`LedgerRecord`] packed into one 64-byte cache line
/// instead of 128 bytes (sentinels instead of `Option`s, flags instead of `bool`s, 32-bit key,
/// value and offset handles), since a long run keeps millions of them: the first touch of fresh
/// memory is what a bulk produce pays most for, and each record's slot is visited again, cold, at
/// every step of its way (sequence, replica appends, commit, acknowledgement, consumer fetch).
#[derive(Clone, Debug)]
#[repr(align(64))]
pub(super) struct Slot {
    pub(super) timestamp: SimTime,
    pub(super) replicated_to: u64,
    /// The offset in the producer's acknowledgement, `NO_OFFSET` or `BIG_OFFSET`.
    pub(super) acked_offset: u32,
    /// The offset at which it was first committed, `NO_OFFSET` or `BIG_OFFSET`.
    pub(super) committed_offset: u32,
    pub(super) tp: TopicPartition,
    pub(super) producer: ProducerId,
    /// `KeyId`, or `NO_KEY`.
    pub(super) key: u32,
    /// A synthetic value's length, or `STORED_VALUE` | index into `Ledger::values`.
    pub(super) value: u32,
    pub(super) size_bytes: u32,
    pub(super) sequence: u32,
    pub(super) sequence_epoch: u16,
    pub(super) replicas_holding: u16,
    pub(super) leader_appends: u16,
    pub(super) answer: Answer,
    pub(super) flags: u8,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 64);

/// Big offsets of `Slot`s, by record and field.
pub(super) type BigOffsets = BTreeMap<(RecordId, OffsetField), u64>;

/// The offset a `Slot` field holds.
#[inline]
pub(super) fn read_offset(
    big: &BigOffsets,
    id: RecordId,
    field: OffsetField,
    raw: u32,
) -> Option<Offset> {
    match raw {
        NO_OFFSET => None,
        BIG_OFFSET => read_big_offset(big, id, field),
        small => Some(Offset(u64::from(small))),
    }
}

#[cold]
fn read_big_offset(big: &BigOffsets, id: RecordId, field: OffsetField) -> Option<Offset> {
    big.get(&(id, field)).map(|o| Offset(*o))
}

/// What a `Slot` field holds for `offset` (a big one goes to `big`).
#[inline]
pub(super) fn write_offset(
    big: &mut BigOffsets,
    id: RecordId,
    field: OffsetField,
    offset: Option<Offset>,
) -> u32 {
    match offset {
        None => NO_OFFSET,
        Some(o) if o.0 < u64::from(BIG_OFFSET) => o.0 as u32,
        Some(o) => write_big_offset(big, id, field, o),
    }
}

#[cold]
fn write_big_offset(big: &mut BigOffsets, id: RecordId, field: OffsetField, o: Offset) -> u32 {
    big.insert((id, field), o.0);
    BIG_OFFSET
}

impl Slot {
    pub(super) fn is_internal(&self) -> bool {
        self.flags & INTERNAL != 0
    }
    pub(super) fn is_acked(&self) -> bool {
        matches!(self.answer, Answer::Acked(_))
    }
    pub(super) fn lost(&self) -> Option<LossCause> {
        if self.flags & LOST_UNCLEAN != 0 {
            Some(LossCause::TruncatedAfterUncleanElection)
        } else if self.flags & LOST_TRUNCATED != 0 {
            Some(LossCause::Truncated)
        } else {
            None
        }
    }
}
