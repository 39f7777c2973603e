//! Cluster metadata as the KRaft controller commits it: one `PartitionRegistration` per partition
//! (replicas, ISR, leader, leader epoch, partition epoch) and the fenced state of each broker.
//!
//! Mirrors `PartitionRegistration` / `PartitionChangeRecord` of `org.apache.kafka.metadata`.

use serde::{Deserialize, Serialize};

use crate::ids::{BrokerId, LeaderEpoch, TopicPartition};

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
