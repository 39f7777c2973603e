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
                    records: r
                        .log
                        .last_entries(window)
                        .map(|e| (e.offset, e.leader_epoch, e.record()))
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
    /// What the client is doing: "joining", "syncing", "polling", "processing", "stopped" …
    pub client_state: String,
    /// The generation the member last joined (-1 before its first join).
    pub generation: i32,
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

pub(crate) fn group_views(
    sim: &crate::sim::Sim,
    consumers: &[crate::consumer::Consumer],
    brokers: &[Broker],
) -> Vec<GroupView> {
    use crate::vec_map::{VecMap, VecSet};
    let mut by_group: VecMap<&str, Vec<&crate::consumer::Consumer>> = VecMap::new();
    for c in consumers {
        by_group.entry(&c.group).or_default().push(c);
    }
    let catalog = sim.catalog();
    by_group
        .into_iter()
        .map(|(group, members)| {
            let coordinator =
                crate::group_coordinator::coordinator_of(catalog, |tp| sim.leader_of(tp), group);
            let host = coordinator
                .and_then(|b| brokers.get(b.0 as usize - 1))
                .filter(|b| b.alive);
            let hosted = host.and_then(|b| b.coordinator.group(group));
            let committed = host.and_then(|b| b.coordinator.committed(group));
            let topics: VecSet<&str> = crate::sort::set_of(
                members
                    .iter()
                    .flat_map(|c| c.topics.iter().map(String::as_str)),
            );
            let lag = topics
                .into_iter()
                .flat_map(|t| sim.partitions_of(t))
                .map(|tp| {
                    let log_end_offset = sim
                        .leader_of(tp)
                        .and_then(|l| brokers.get(l.0 as usize - 1))
                        .and_then(|b| b.replicas.get(&tp))
                        .map(|r| r.log.high_watermark())
                        .unwrap_or_default();
                    let committed = committed.and_then(|c| c.get(&tp)).copied();
                    let owner = members.iter().find(|c| c.alive && c.assigned.contains(&tp));
                    LagRow {
                        tp,
                        committed,
                        log_end_offset,
                        lag: committed.map(|c| log_end_offset.0.saturating_sub(c.0)),
                        position: owner.and_then(|c| c.position(tp)),
                        owner: owner.map(|c| c.id),
                    }
                })
                .collect();
            GroupView {
                group: group.to_string(),
                state: hosted.map_or("Unknown", |g| g.state().name()).to_string(),
                generation: hosted.map_or(-1, |g| g.generation_id().0),
                assignor: hosted.and_then(|g| g.protocol_name().map(str::to_string)),
                coordinator,
                members: members
                    .iter()
                    .map(|c| GroupMemberView {
                        consumer: c.id,
                        member_id: c
                            .member_id
                            .as_ref()
                            .map(|m| m.0.clone())
                            .unwrap_or_default(),
                        alive: c.alive,
                        client_state: c.client_state().to_string(),
                        generation: c.generation(),
                        assigned: c.assigned.iter().copied().collect(),
                    })
                    .collect(),
                lag,
            }
        })
        .collect()
}
