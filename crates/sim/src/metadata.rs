//! Cluster metadata as the KRaft controller commits it: one `PartitionRegistration` per partition
//! (replicas, ISR, leader, leader epoch, partition epoch) and the fenced state of each broker.
//!
//! Mirrors `PartitionRegistration` / `PartitionChangeRecord` of `org.apache.kafka.metadata`.

use serde::{Deserialize, Serialize};

use crate::vec_map::VecMap;

use crate::ids::{BrokerId, LeaderEpoch, TopicPartition};
use crate::time::SimTime;

/// The committed state of one partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionRegistration {
    /// The partition.
    pub tp: TopicPartition,
    /// Replica assignment; the first is the preferred leader.
    pub replicas: Vec<BrokerId>,
    /// In-sync replicas, in assignment order.
    pub isr: Vec<BrokerId>,
    /// The leader, or `None` when the partition is offline.
    pub leader: Option<BrokerId>,
    /// Bumped on every leader change.
    pub leader_epoch: LeaderEpoch,
    /// Bumped on every change of this registration.
    pub partition_epoch: u32,
}

/// A consistent snapshot of the metadata a broker or client needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataImage {
    /// Offset of the last metadata record included.
    pub offset: u64,
    /// Partition counts per topic, by topic id.
    pub partition_counts: Vec<u32>,
    /// Every partition.
    pub partitions: Vec<PartitionRegistration>,
}

/// A client's view of partition leaders: leader and the partition epoch it came with.
pub(crate) type ClientLeaders = VecMap<TopicPartition, (Option<BrokerId>, u32)>;

/// Merges a metadata update into a client's view (producers and consumers alike): partition
/// counts only grow, and a registration replaces the known one unless it is older (by partition
/// epoch) than a known leader. Returns the partitions whose leader changed.
pub(crate) fn merge_client_metadata(
    known_counts: &mut Vec<u32>,
    leaders: &mut ClientLeaders,
    counts: &[u32],
    partitions: &[PartitionRegistration],
) -> Vec<TopicPartition> {
    for (i, c) in counts.iter().enumerate() {
        if known_counts.len() <= i {
            known_counts.resize(i + 1, 0);
        }
        known_counts[i] = known_counts[i].max(*c);
    }
    let mut moved = Vec::new();
    for reg in partitions {
        let entry = leaders.entry(reg.tp).or_insert((None, 0));
        if reg.partition_epoch >= entry.1 || entry.0.is_none() {
            if entry.0 != reg.leader {
                moved.push(reg.tp);
            }
            *entry = (reg.leader, reg.partition_epoch);
        }
    }
    moved
}

/// Whether a client may ask the controller for metadata now — at most once per `backoff_ms` —
/// recording the request when it may.
pub(crate) fn metadata_request_due(
    requested_at: &mut Option<SimTime>,
    now: SimTime,
    backoff_ms: u64,
) -> bool {
    if requested_at.is_some_and(|t| now.since(t) < backoff_ms) {
        return false;
    }
    *requested_at = Some(now);
    true
}
