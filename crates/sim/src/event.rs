//! Events: typed, past-tense facts about what the simulated cluster did, each with the simulated
//! time and its cause. The page draws them and `narrate` explains them.

use serde::{Deserialize, Serialize};

use crate::config::Acks;
use crate::config::AutoOffsetReset;
use crate::error::KafkaError;
use crate::group::{GroupError, GroupEvent};
use crate::ids::{
    BrokerId, CommandId, ConsumerId, EventId, LeaderEpoch, NodeId, Offset, ProducerId, RecordId,
    TopicId, TopicPartition,
};
use crate::time::SimTime;

/// Why something happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Cause {
    /// A user command.
    Command {
        /// Which one.
        id: CommandId,
    },
    /// A timer of a node (heartbeat, session timeout, ISR check, linger, retry …).
    Timer {
        /// The node whose timer fired.
        node: NodeId,
    },
    /// A message arriving at a node.
    Message {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
    },
}

/// How a leader was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ElectionKind {
    /// First partition creation.
    Initial,
    /// From the ISR (`ONLINE` in Kafka's PartitionChangeBuilder).
    Clean,
    /// Outside the ISR because `unclean.leader.election.enable` allowed it.
    Unclean,
    /// Back to the preferred (first) replica.
    Preferred,
}

/// A guarantee the checker watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Invariant {
    /// A leader assigns offsets with no gaps; every replica's offsets only increase (gaps appear
    /// only where compaction removed records, as in Kafka).
    OffsetsContiguous,
    /// HW ≤ LEO on every replica.
    HighWatermarkAtMostLogEnd,
    /// Replicas hold the same record at every offset below their high watermarks.
    ReplicasAgreeBelowHighWatermark,
    /// An acknowledged record stays on at least one replica.
    NoAckedRecordLost,
    /// Within one generation of a group, no partition is owned by two consumers.
    SingleOwnerPerGeneration,
    /// A consumer processes only partitions it owns (not after revoking them).
    ProcessesOnlyOwnedPartitions,
    /// Within a generation, a consumer's position on a partition only moves forward.
    PositionsMonotonic,
}

impl Invariant {
    /// The guarantee's name, as the checker and the page show it.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::OffsetsContiguous => "OffsetsContiguous",
            Invariant::HighWatermarkAtMostLogEnd => "HighWatermarkAtMostLogEnd",
            Invariant::ReplicasAgreeBelowHighWatermark => "ReplicasAgreeBelowHighWatermark",
            Invariant::NoAckedRecordLost => "NoAckedRecordLost",
            Invariant::SingleOwnerPerGeneration => "SingleOwnerPerGeneration",
            Invariant::ProcessesOnlyOwnedPartitions => "ProcessesOnlyOwnedPartitions",
            Invariant::PositionsMonotonic => "PositionsMonotonic",
        }
    }
}

/// The configuration that makes a broken guarantee expected rather than a bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AllowedBy {
    /// `acks=0`: no acknowledgement is waited for.
    Acks0,
    /// `acks=1`: acknowledged after the leader's append only.
    Acks1,
    /// `unclean.leader.election.enable=true` elected a replica outside the ISR.
    UncleanLeaderElection,
}

impl AllowedBy {
    /// The setting in Kafka's words: `acks=1`, `unclean.leader.election.enable=true` …
    pub fn label(self) -> &'static str {
        match self {
            AllowedBy::Acks0 => "acks=0",
            AllowedBy::Acks1 => "acks=1",
            AllowedBy::UncleanLeaderElection => "unclean.leader.election.enable=true",
        }
    }
}

/// Why a record was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossCause {
    /// The last replica holding it truncated it after a leader change.
    Truncated,
    /// The last replica holding it truncated it after an unclean leader election.
    TruncatedAfterUncleanElection,
}

/// What happened. Field names are Kafka's concepts (`tp` is a topic partition); each variant's doc
/// says what the event means.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EventKind {
    /// A topic was created.
    TopicCreated {
        topic: TopicId,
        name: String,
        partitions: u32,
        replication_factor: u32,
    },
    /// Partitions were added to a topic (keyed records now route differently).
    PartitionsAdded { topic: TopicId, from: u32, to: u32 },
    /// A topic's configuration changed.
    TopicConfigChanged { topic: TopicId },
    /// A broker process started (or restarted; its log survived).
    BrokerStarted { broker: BrokerId },
    /// A broker process was killed; in-flight messages and volatile state are gone.
    BrokerKilled { broker: BrokerId },
    /// The controller registered a broker (it starts fenced).
    BrokerRegistered { broker: BrokerId, broker_epoch: u64 },
    /// The controller unfenced a broker that caught up with the metadata.
    BrokerUnfenced { broker: BrokerId },
    /// The controller fenced a broker whose heartbeats stopped for `broker.session.timeout.ms`.
    BrokerFenced { broker: BrokerId, silent_ms: u64 },
    /// A partition got a leader (or lost it: `leader: None`).
    LeaderElected {
        tp: TopicPartition,
        leader: Option<BrokerId>,
        previous: Option<BrokerId>,
        leader_epoch: LeaderEpoch,
        election: ElectionKind,
        isr: Vec<BrokerId>,
    },
    /// The controller committed a smaller ISR.
    IsrShrunk {
        tp: TopicPartition,
        removed: Vec<BrokerId>,
        isr: Vec<BrokerId>,
    },
    /// The controller committed a larger ISR.
    IsrExpanded {
        tp: TopicPartition,
        added: Vec<BrokerId>,
        isr: Vec<BrokerId>,
    },
    /// A replica appended records (as leader from a producer, or as follower from a fetch).
    RecordsAppended {
        tp: TopicPartition,
        broker: BrokerId,
        base_offset: Offset,
        count: u32,
        as_leader: bool,
    },
    /// A leader's high watermark moved forward.
    HighWatermarkAdvanced {
        tp: TopicPartition,
        broker: BrokerId,
        high_watermark: Offset,
    },
    /// A replica truncated its log to `to_offset` (KIP-101: to the leader's end offset of its epoch).
    LogTruncated {
        tp: TopicPartition,
        broker: BrokerId,
        to_offset: Offset,
        removed: u64,
    },
    /// Retention or compaction removed records; the log start offset may have moved.
    RecordsDeleted {
        tp: TopicPartition,
        broker: BrokerId,
        removed: u64,
        log_start_offset: Offset,
        compaction: bool,
    },
    /// An acknowledged or committed record is gone from every replica.
    RecordLost {
        record: RecordId,
        tp: TopicPartition,
        offset: Offset,
        cause: LossCause,
    },
    /// A producer created a record from a single `Produce` command (the ledger follows it from
    /// here; bulk sends only emit batch events).
    RecordSent {
        producer: ProducerId,
        record: RecordId,
        tp: TopicPartition,
        keyed: bool,
    },
    /// A producer sent a batch.
    ProduceRequestSent {
        producer: ProducerId,
        tp: TopicPartition,
        leader: BrokerId,
        count: u32,
        attempt: u32,
    },
    /// A producer's batch was acknowledged.
    ProduceAcked {
        producer: ProducerId,
        tp: TopicPartition,
        base_offset: Option<Offset>,
        count: u32,
        acks: Acks,
    },
    /// A producer's batch failed for good.
    ProduceFailed {
        producer: ProducerId,
        tp: TopicPartition,
        count: u32,
        error: KafkaError,
    },
    /// A producer will retry a batch after a retriable error.
    ProduceRetrying {
        producer: ProducerId,
        tp: TopicPartition,
        count: u32,
        error: KafkaError,
    },
    /// A link was cut.
    LinkCut { from: NodeId, to: NodeId },
    /// A link was healed.
    LinkHealed { from: NodeId, to: NodeId },
    /// A link got extra latency (0: back to normal).
    LinkSlowed {
        from: NodeId,
        to: NodeId,
        extra_ms: u64,
    },
    /// A producer client was added.
    ProducerAdded { producer: ProducerId },
    /// A consumer client was added to a group.
    ConsumerAdded {
        consumer: ConsumerId,
        group: String,
        topics: Vec<String>,
    },
    /// A consumer closed: it committed (if it commits) and sent LeaveGroup.
    ConsumerStopped { consumer: ConsumerId },
    /// A consumer's process died: no LeaveGroup; the coordinator notices after `session.timeout.ms`.
    ConsumerCrashed { consumer: ConsumerId },
    /// A consumer gave up for good (a fatal error, as an application would stop on the exception).
    ConsumerFailed {
        consumer: ConsumerId,
        reason: String,
    },
    /// A stopped or crashed consumer started again (a new member unless static).
    ConsumerRestarted { consumer: ConsumerId },
    /// A consumer found its group's coordinator: the leader of the group's `__consumer_offsets` partition.
    CoordinatorFound {
        consumer: ConsumerId,
        group: String,
        broker: BrokerId,
        offsets_partition: u32,
    },
    /// A consumer lost its coordinator (no answer, or NOT_COORDINATOR) and will look again.
    CoordinatorLost {
        consumer: ConsumerId,
        group: String,
        broker: BrokerId,
    },
    /// Something happened in a group, as its coordinator saw it.
    Group {
        group: String,
        broker: BrokerId,
        event: GroupEvent,
    },
    /// A consumer sent JoinGroup (it must rejoin: first join, rebalance, or error).
    JoinGroupSent {
        consumer: ConsumerId,
        group: String,
        generation: i32,
    },
    /// A consumer took on partitions after SyncGroup; `assigned` is everything it owns now.
    PartitionsAssigned {
        consumer: ConsumerId,
        group: String,
        generation: i32,
        added: Vec<TopicPartition>,
        assigned: Vec<TopicPartition>,
    },
    /// A consumer gave up partitions: revoked in a rebalance, or `lost` (its membership was gone).
    PartitionsRevoked {
        consumer: ConsumerId,
        group: String,
        revoked: Vec<TopicPartition>,
        lost: bool,
    },
    /// A consumer's position on a partition was set: from the group's committed offset, or by
    /// `auto.offset.reset` when there was none (or it was out of range).
    PositionInitialized {
        consumer: ConsumerId,
        tp: TopicPartition,
        offset: Offset,
        reset: Option<AutoOffsetReset>,
    },
    /// A consumer processed records of one partition (`redelivered` of them this group had processed before).
    RecordsProcessed {
        consumer: ConsumerId,
        group: String,
        tp: TopicPartition,
        first_offset: Offset,
        count: u32,
        redelivered: u32,
    },
    /// A group's position moved past committed records it never processed (at-most-once, a reset).
    RecordsSkipped {
        group: String,
        tp: TopicPartition,
        from: Offset,
        to: Offset,
        count: u64,
    },
    /// The coordinator accepted a consumer's offsets (replicated in `__consumer_offsets`).
    OffsetsCommitted {
        consumer: ConsumerId,
        group: String,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// An offset commit failed.
    OffsetCommitFailed {
        consumer: ConsumerId,
        group: String,
        error: GroupError,
    },
    /// A consumer did not poll within `max.poll.interval.ms` and left its group.
    PollTimeoutExpired { consumer: ConsumerId, group: String },
    /// A guarantee broke; `allowed_by` names the configuration that permits it, if any.
    InvariantViolated {
        invariant: Invariant,
        detail: String,
        allowed_by: Option<AllowedBy>,
    },
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Sequence number, from 0.
    pub id: EventId,
    /// Simulated time.
    pub at: SimTime,
    /// What caused it.
    pub cause: Cause,
    /// What happened.
    pub kind: EventKind,
}
