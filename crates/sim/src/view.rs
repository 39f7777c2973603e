//! Read-only views for rendering and tests: what a partition looks like right now, from the
//! controller's committed state and each replica's log. No Kafka logic is needed to draw them.

use serde::{Deserialize, Serialize};

use crate::broker::Broker;
use crate::controller::Controller;
use crate::ids::{BrokerId, ConsumerId, LeaderEpoch, Offset, RecordId, TopicPartition};
use crate::replication::Role;

/// A replica's role as its broker sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplicaRole {
    /// Leading the partition.
    Leader,
    /// Fetching from the leader.
    Follower,
    /// The broker is down or has not applied metadata for it.
    Offline,
}

/// One replica of a partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaView {
    /// The broker holding it.
    pub broker: BrokerId,
    /// Its role.
    pub role: ReplicaRole,
    /// First offset still in its log.
    pub log_start_offset: Offset,
    /// Its high watermark.
    pub high_watermark: Offset,
    /// Its log end offset.
    pub log_end_offset: Offset,
    /// The records in its log, by offset (for drawing lanes); only the last ones for a windowed view.
    pub records: Vec<(Offset, LeaderEpoch, RecordId)>,
}

/// A partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionView {
    /// Which partition.
    pub tp: TopicPartition,
    /// The committed leader, if any.
    pub leader: Option<BrokerId>,
    /// The committed leader epoch.
    pub leader_epoch: LeaderEpoch,
    /// The committed ISR.
    pub isr: Vec<BrokerId>,
    /// Replica assignment (first = preferred leader).
    pub assignment: Vec<BrokerId>,
    /// Each assigned replica's log state.
    pub replicas: Vec<ReplicaView>,
}

impl PartitionView {
    /// The view of the replica on `broker`.
    pub fn replica(&self, broker: BrokerId) -> Option<&ReplicaView> {
        self.replicas.iter().find(|r| r.broker == broker)
    }
    /// The leader's high watermark (what consumers may read up to), if there is a leader.
    pub fn high_watermark(&self) -> Option<Offset> {
        self.leader
            .and_then(|l| self.replica(l))
            .map(|r| r.high_watermark)
    }
}

pub(crate) fn partition_view(
    controller: &Controller,
    brokers: &[Broker],
    tp: TopicPartition,
    window: usize,
) -> Option<PartitionView> {
    let reg = controller.partitions.get(&tp)?;
    let replicas = reg
        .replicas
        .iter()
        .map(|b| {
            let replica = brokers
                .get(b.0 as usize - 1)
                .and_then(|broker| broker.replicas.get(&tp));
            match replica {
                Some(r) => ReplicaView {
                    broker: *b,
                    role: match r.role {
                        Role::Leader(_) => ReplicaRole::Leader,
                        Role::Follower(_) => ReplicaRole::Follower,
                        Role::Offline => ReplicaRole::Offline,
                    },
                    log_start_offset: r.log.log_start_offset(),
                    high_watermark: r.log.high_watermark(),
                    log_end_offset: r.log.log_end_offset(),
                    records: r.log.entries()[r.log.entries().len().saturating_sub(window)..]
                        .iter()
                        .map(|e| (e.offset, e.leader_epoch, e.record))
                        .collect(),
                },
                None => ReplicaView {
                    broker: *b,
                    role: ReplicaRole::Offline,
                    log_start_offset: Offset(0),
                    high_watermark: Offset(0),
                    log_end_offset: Offset(0),
                    records: Vec::new(),
                },
            }
        })
        .collect();
    Some(PartitionView {
        tp,
        leader: reg.leader,
        leader_epoch: reg.leader_epoch,
        isr: reg.isr.clone(),
        assignment: reg.replicas.clone(),
        replicas,
    })
}

/// A consumer group as `kafka-consumer-groups --describe --state --members` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    /// The `group.id`.
    pub group: String,
    /// The coordinator's group state: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead.
    pub state: String,
    /// The generation id.
    pub generation: i32,
    /// The chosen assignor (`range`, `roundrobin`, `sticky`, `cooperative-sticky`), once chosen.
    pub assignor: Option<String>,
    /// The broker hosting the group's coordinator, if any broker leads its `__consumer_offsets` partition.
    pub coordinator: Option<BrokerId>,
    /// The group's consumers, as clients see themselves.
    pub members: Vec<GroupMemberView>,
    /// One row per partition of the subscribed topics.
    pub lag: Vec<LagRow>,
}

/// One consumer of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberView {
    /// The consumer client.
    pub consumer: ConsumerId,
    /// Its member id at the coordinator (empty before its first join).
    pub member_id: String,
    /// Whether its process runs (false after a crash or a stop).
    pub alive: bool,
    /// What the client is doing: "joining", "syncing", "stable", "stopped" …
    pub client_state: String,
    /// Partitions it owns now, sorted.
    pub assigned: Vec<TopicPartition>,
}

/// One row of the lag table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LagRow {
    /// The partition.
    pub tp: TopicPartition,
    /// The group's committed offset (`CURRENT-OFFSET`), if any.
    pub committed: Option<Offset>,
    /// The partition's high watermark (`LOG-END-OFFSET` as consumers see it).
    pub log_end_offset: Offset,
    /// `LOG-END-OFFSET − CURRENT-OFFSET`, if there is a committed offset.
    pub lag: Option<u64>,
    /// The owning consumer's fetch position, if a member owns it.
    pub position: Option<Offset>,
    /// The owning consumer, if any.
    pub owner: Option<ConsumerId>,
}
