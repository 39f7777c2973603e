//! Messages between nodes, named after Kafka's APIs. Each travels in an `Envelope` through the
//! simulated network.

use crate::config::Acks;
use crate::error::KafkaError;
use crate::group::{GroupError, GroupResponse};
use crate::group_coordinator::GroupRequest;
use crate::ids::{BrokerId, LeaderEpoch, NodeId, Offset, ProducerId, RecordId, TopicPartition};
use crate::metadata::{MetadataImage, PartitionRegistration};
use crate::partition_log::LogEntry;

/// A message in flight, with the incarnations of its ends: a restarted node never receives what
/// was sent to, or by, its previous incarnation.
#[derive(Clone, Debug)]
pub(crate) struct Envelope {
    pub from: NodeId,
    pub to: NodeId,
    pub from_incarnation: u32,
    pub to_incarnation: u32,
    pub message: Message,
}

/// One batch of records in a ProduceRequest (their sizes and timestamps are in the ledger).
#[derive(Clone, Debug)]
pub(crate) struct ProduceBatch {
    pub records: Vec<RecordId>,
    /// Idempotent producer: first sequence number of the batch.
    pub base_sequence: Option<u32>,
    /// Idempotent producer: its epoch, bumped after a batch failed with its sequence unresolved.
    pub producer_epoch: u16,
    /// How long the leader may hold an acks=all request waiting for replication (ProduceRequest's
    /// `timeoutMs`, the producer's `request.timeout.ms`).
    pub timeout_ms: u64,
}

/// The answer to a follower's fetch.
#[derive(Clone, Debug)]
pub(crate) enum FetchResult {
    Records {
        entries: Vec<LogEntry>,
        high_watermark: Offset,
        log_start_offset: Offset,
    },
    /// KIP-320/595: the follower's log diverged; the leader's end offset for its epoch.
    Diverging {
        epoch: LeaderEpoch,
        end_offset: Offset,
    },
    /// The fetch offset is below the leader's log start offset.
    OffsetOutOfRange { log_start_offset: Offset },
    /// The follower backs off whatever the error; the code is kept for traces.
    #[allow(dead_code)]
    Error(KafkaError),
}

#[derive(Clone, Debug)]
pub(crate) enum Message {
    BrokerRegistrationRequest,
    BrokerRegistrationResponse {
        broker_epoch: u64,
        image: Box<MetadataImage>,
    },
    BrokerHeartbeatRequest {
        broker_epoch: u64,
        metadata_offset: u64,
    },
    BrokerHeartbeatResponse {
        image: Option<Box<MetadataImage>>,
    },
    /// A committed metadata change pushed to brokers and clients.
    MetadataUpdate {
        offset: u64,
        partition_counts: Vec<u32>,
        partitions: Vec<PartitionRegistration>,
    },
    MetadataRequest,
    MetadataResponse {
        image: Box<MetadataImage>,
    },
    AlterPartitionRequest {
        tp: TopicPartition,
        leader_epoch: LeaderEpoch,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        tp: TopicPartition,
        result: Result<PartitionRegistration, KafkaError>,
    },
    ProduceRequest {
        request: u64,
        tp: TopicPartition,
        acks: Acks,
        producer: ProducerId,
        batch: std::rc::Rc<ProduceBatch>,
    },
    ProduceResponse {
        request: u64,
        tp: TopicPartition,
        result: Result<Offset, KafkaError>,
    },
    FetchRequest {
        tp: TopicPartition,
        fetch_offset: Offset,
        last_fetched_epoch: Option<LeaderEpoch>,
        current_leader_epoch: LeaderEpoch,
        session: u64,
    },
    FetchResponse {
        tp: TopicPartition,
        session: u64,
        result: FetchResult,
    },
    /// The TCP connection from the sender's process closed: it died (or refused a connection).
    /// Clients fail what they had in flight to it at once instead of waiting for a timeout.
    ConnectionClosed,
    /// A consumer's request to its group coordinator.
    GroupRequest {
        group: std::rc::Rc<str>,
        correlation: u64,
        request: GroupRequest,
    },
    /// The coordinator's answer.
    GroupResponse {
        correlation: u64,
        /// Which hosting of the group answered (a group re-created on another coordinator starts
        /// its generations again; the invariant checker tells them apart by this).
        incarnation: u32,
        response: GroupResponse,
    },
    /// The coordinator's answer to an OffsetFetch: each partition's committed offset, if any.
    OffsetFetchResponse {
        correlation: u64,
        error: Option<GroupError>,
        offsets: Vec<(TopicPartition, Option<Offset>)>,
    },
    /// A consumer reads a partition from its leader, below the high watermark.
    ConsumerFetchRequest {
        tp: TopicPartition,
        fetch_offset: Offset,
        /// `max.partition.fetch.bytes`: at least one record is returned whatever its size.
        max_bytes: u32,
        /// `fetch.max.wait.ms`: how long the leader may hold the fetch when there is nothing to read.
        max_wait_ms: u64,
        correlation: u64,
    },
    ConsumerFetchResponse {
        tp: TopicPartition,
        correlation: u64,
        result: ConsumerFetchResult,
    },
    /// `ListOffsets` for `auto.offset.reset`: the log start (earliest) or the high watermark (latest).
    ListOffsetsRequest {
        tp: TopicPartition,
        earliest: bool,
        correlation: u64,
    },
    ListOffsetsResponse {
        tp: TopicPartition,
        correlation: u64,
        result: Result<Offset, KafkaError>,
    },
}

/// The answer to a consumer's fetch.
#[derive(Clone, Debug)]
pub(crate) enum ConsumerFetchResult {
    /// Records from the fetch offset, below the high watermark (maybe none).
    Records(Vec<(Offset, RecordId)>),
    /// The fetch offset is outside the log: below its start or past its end.
    OffsetOutOfRange,
    /// Not the leader (`NOT_LEADER_OR_FOLLOWER`): refresh metadata and retry.
    NotLeader,
}
