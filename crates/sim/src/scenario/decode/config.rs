//! Reading the configuration (see `crate::config` for the keys). Every struct here takes its
//! missing keys from its `Default` and refuses unknown ones, as its serde attributes said
//! (`#[serde(default, deny_unknown_fields)]`).

use serde_json::Value;

use super::{DecodeError, Fields, FromJson, unit_variant};
use crate::assignor::AssignmentStrategy;
use crate::config::{
    Acks, AutoOffsetReset, BrokerConfig, CleanupPolicy, CommitMode, ConsumerConfig,
    KeylessPartitioner, NetworkConfig, ProducerConfig, SimConfig, TopicConfig,
};
use crate::group::GroupConfig;

impl FromJson for SimConfig {
    fn from_json(v: &Value) -> Result<SimConfig, DecodeError> {
        let f = Fields::of(v, "struct SimConfig")?.only(&[
            "brokers",
            "network",
            "broker",
            "producer",
            "consumer",
            "group_coordinator",
        ])?;
        let d = SimConfig::default();
        Ok(SimConfig {
            brokers: f.or("brokers", d.brokers)?,
            network: f.or("network", d.network)?,
            broker: f.or("broker", d.broker)?,
            producer: f.or("producer", d.producer)?,
            consumer: f.or("consumer", d.consumer)?,
            group_coordinator: f.or("group_coordinator", d.group_coordinator)?,
        })
    }
}

impl FromJson for NetworkConfig {
    fn from_json(v: &Value) -> Result<NetworkConfig, DecodeError> {
        let f = Fields::of(v, "struct NetworkConfig")?.only(&["latency_ms", "jitter_ms"])?;
        let d = NetworkConfig::default();
        Ok(NetworkConfig {
            latency_ms: f.or("latency_ms", d.latency_ms)?,
            jitter_ms: f.or("jitter_ms", d.jitter_ms)?,
        })
    }
}

impl FromJson for BrokerConfig {
    fn from_json(v: &Value) -> Result<BrokerConfig, DecodeError> {
        let f = Fields::of(v, "struct BrokerConfig")?.only(&[
            "broker.heartbeat.interval.ms",
            "broker.session.timeout.ms",
            "replica.lag.time.max.ms",
            "replica.fetch.wait.max.ms",
            "replica.fetch.backoff.ms",
            "min.insync.replicas",
            "unclean.leader.election.enable",
            "auto.leader.rebalance.enable",
            "leader.imbalance.check.interval.seconds",
            "log.retention.check.interval.ms",
            "offsets.topic.num.partitions",
            "offsets.topic.replication.factor",
            "offsets.commit.timeout.ms",
        ])?;
        let d = BrokerConfig::default();
        Ok(BrokerConfig {
            broker_heartbeat_interval_ms: f.or(
                "broker.heartbeat.interval.ms",
                d.broker_heartbeat_interval_ms,
            )?,
            broker_session_timeout_ms: f
                .or("broker.session.timeout.ms", d.broker_session_timeout_ms)?,
            replica_lag_time_max_ms: f.or("replica.lag.time.max.ms", d.replica_lag_time_max_ms)?,
            replica_fetch_wait_max_ms: f
                .or("replica.fetch.wait.max.ms", d.replica_fetch_wait_max_ms)?,
            replica_fetch_backoff_ms: f
                .or("replica.fetch.backoff.ms", d.replica_fetch_backoff_ms)?,
            min_insync_replicas: f.or("min.insync.replicas", d.min_insync_replicas)?,
            unclean_leader_election_enable: f.or(
                "unclean.leader.election.enable",
                d.unclean_leader_election_enable,
            )?,
            auto_leader_rebalance_enable: f.or(
                "auto.leader.rebalance.enable",
                d.auto_leader_rebalance_enable,
            )?,
            leader_imbalance_check_interval_seconds: f.or(
                "leader.imbalance.check.interval.seconds",
                d.leader_imbalance_check_interval_seconds,
            )?,
            log_retention_check_interval_ms: f.or(
                "log.retention.check.interval.ms",
                d.log_retention_check_interval_ms,
            )?,
            offsets_topic_num_partitions: f.or(
                "offsets.topic.num.partitions",
                d.offsets_topic_num_partitions,
            )?,
            offsets_topic_replication_factor: f.or(
                "offsets.topic.replication.factor",
                d.offsets_topic_replication_factor,
            )?,
            offsets_commit_timeout_ms: f
                .or("offsets.commit.timeout.ms", d.offsets_commit_timeout_ms)?,
        })
    }
}

impl FromJson for ProducerConfig {
    fn from_json(v: &Value) -> Result<ProducerConfig, DecodeError> {
        let f = Fields::of(v, "struct ProducerConfig")?.only(&[
            "acks",
            "enable.idempotence",
            "batch.size",
            "linger.ms",
            "request.timeout.ms",
            "delivery.timeout.ms",
            "retries",
            "retry.backoff.ms",
            "max.in.flight.requests.per.connection",
            "keyless_partitioner",
        ])?;
        let d = ProducerConfig::default();
        Ok(ProducerConfig {
            acks: f.or("acks", d.acks)?,
            enable_idempotence: f.or("enable.idempotence", d.enable_idempotence)?,
            batch_size: f.or("batch.size", d.batch_size)?,
            linger_ms: f.or("linger.ms", d.linger_ms)?,
            request_timeout_ms: f.or("request.timeout.ms", d.request_timeout_ms)?,
            delivery_timeout_ms: f.or("delivery.timeout.ms", d.delivery_timeout_ms)?,
            retries: f.or("retries", d.retries)?,
            retry_backoff_ms: f.or("retry.backoff.ms", d.retry_backoff_ms)?,
            max_in_flight_requests_per_connection: f.or(
                "max.in.flight.requests.per.connection",
                d.max_in_flight_requests_per_connection,
            )?,
            keyless_partitioner: f.or("keyless_partitioner", d.keyless_partitioner)?,
        })
    }
}

impl FromJson for TopicConfig {
    fn from_json(v: &Value) -> Result<TopicConfig, DecodeError> {
        let f = Fields::of(v, "struct TopicConfig")?.only(&[
            "min.insync.replicas",
            "unclean.leader.election.enable",
            "retention.ms",
            "retention.bytes",
            "cleanup.policy",
            "segment.bytes",
            "segment.ms",
            "delete.retention.ms",
        ])?;
        let d = TopicConfig::default();
        Ok(TopicConfig {
            min_insync_replicas: f.or("min.insync.replicas", d.min_insync_replicas)?,
            unclean_leader_election_enable: f.or(
                "unclean.leader.election.enable",
                d.unclean_leader_election_enable,
            )?,
            retention_ms: f.or("retention.ms", d.retention_ms)?,
            retention_bytes: f.or("retention.bytes", d.retention_bytes)?,
            cleanup_policy: f.or("cleanup.policy", d.cleanup_policy)?,
            segment_bytes: f.or("segment.bytes", d.segment_bytes)?,
            segment_ms: f.or("segment.ms", d.segment_ms)?,
            delete_retention_ms: f.or("delete.retention.ms", d.delete_retention_ms)?,
        })
    }
}

impl FromJson for ConsumerConfig {
    fn from_json(v: &Value) -> Result<ConsumerConfig, DecodeError> {
        let f = Fields::of(v, "struct ConsumerConfig")?.only(&[
            "auto.offset.reset",
            "commit",
            "auto.commit.interval.ms",
            "max.poll.records",
            "fetch.min.bytes",
            "fetch.max.wait.ms",
            "session.timeout.ms",
            "heartbeat.interval.ms",
            "max.poll.interval.ms",
            "partition.assignment.strategy",
            "request.timeout.ms",
            "retry.backoff.ms",
            "group.instance.id",
            "processing.ms.per.record",
        ])?;
        let d = ConsumerConfig::default();
        Ok(ConsumerConfig {
            auto_offset_reset: f.or("auto.offset.reset", d.auto_offset_reset)?,
            commit: f.or("commit", d.commit)?,
            auto_commit_interval_ms: f.or("auto.commit.interval.ms", d.auto_commit_interval_ms)?,
            max_poll_records: f.or("max.poll.records", d.max_poll_records)?,
            fetch_min_bytes: f.or("fetch.min.bytes", d.fetch_min_bytes)?,
            fetch_max_wait_ms: f.or("fetch.max.wait.ms", d.fetch_max_wait_ms)?,
            session_timeout_ms: f.or("session.timeout.ms", d.session_timeout_ms)?,
            heartbeat_interval_ms: f.or("heartbeat.interval.ms", d.heartbeat_interval_ms)?,
            max_poll_interval_ms: f.or("max.poll.interval.ms", d.max_poll_interval_ms)?,
            partition_assignment_strategy: f.or(
                "partition.assignment.strategy",
                d.partition_assignment_strategy,
            )?,
            request_timeout_ms: f.or("request.timeout.ms", d.request_timeout_ms)?,
            retry_backoff_ms: f.or("retry.backoff.ms", d.retry_backoff_ms)?,
            group_instance_id: f.or("group.instance.id", d.group_instance_id)?,
            processing_ms_per_record: f
                .or("processing.ms.per.record", d.processing_ms_per_record)?,
        })
    }
}

impl FromJson for GroupConfig {
    fn from_json(v: &Value) -> Result<GroupConfig, DecodeError> {
        let f = Fields::of(v, "struct GroupConfig")?.only(&[
            "group.initial.rebalance.delay.ms",
            "group.min.session.timeout.ms",
            "group.max.session.timeout.ms",
            "group.max.size",
            "new_member_join_timeout_ms",
        ])?;
        let d = GroupConfig::default();
        Ok(GroupConfig {
            group_initial_rebalance_delay_ms: f.or(
                "group.initial.rebalance.delay.ms",
                d.group_initial_rebalance_delay_ms,
            )?,
            group_min_session_timeout_ms: f.or(
                "group.min.session.timeout.ms",
                d.group_min_session_timeout_ms,
            )?,
            group_max_session_timeout_ms: f.or(
                "group.max.session.timeout.ms",
                d.group_max_session_timeout_ms,
            )?,
            group_max_size: f.or("group.max.size", d.group_max_size)?,
            new_member_join_timeout_ms: f
                .or("new_member_join_timeout_ms", d.new_member_join_timeout_ms)?,
        })
    }
}

impl FromJson for Acks {
    fn from_json(v: &Value) -> Result<Acks, DecodeError> {
        // `-1` is Kafka's other spelling of `all` (a serde alias before).
        unit_variant(
            v,
            &[
                ("0", Acks::Zero),
                ("1", Acks::One),
                ("all", Acks::All),
                ("-1", Acks::All),
            ],
        )
    }
}

impl FromJson for KeylessPartitioner {
    fn from_json(v: &Value) -> Result<KeylessPartitioner, DecodeError> {
        unit_variant(
            v,
            &[
                ("sticky", KeylessPartitioner::Sticky),
                ("round-robin", KeylessPartitioner::RoundRobin),
            ],
        )
    }
}

impl FromJson for CleanupPolicy {
    fn from_json(v: &Value) -> Result<CleanupPolicy, DecodeError> {
        unit_variant(
            v,
            &[
                ("delete", CleanupPolicy::Delete),
                ("compact", CleanupPolicy::Compact),
                ("compact,delete", CleanupPolicy::CompactDelete),
                ("delete,compact", CleanupPolicy::CompactDelete),
            ],
        )
    }
}

impl FromJson for AutoOffsetReset {
    fn from_json(v: &Value) -> Result<AutoOffsetReset, DecodeError> {
        unit_variant(
            v,
            &[
                ("earliest", AutoOffsetReset::Earliest),
                ("latest", AutoOffsetReset::Latest),
                ("none", AutoOffsetReset::None),
            ],
        )
    }
}

impl FromJson for CommitMode {
    fn from_json(v: &Value) -> Result<CommitMode, DecodeError> {
        unit_variant(
            v,
            &[
                ("auto", CommitMode::Auto),
                ("sync_after_processing", CommitMode::SyncAfterProcessing),
                ("async_after_processing", CommitMode::AsyncAfterProcessing),
                ("before_processing", CommitMode::BeforeProcessing),
            ],
        )
    }
}

impl FromJson for AssignmentStrategy {
    fn from_json(v: &Value) -> Result<AssignmentStrategy, DecodeError> {
        // Kafka's assignor names are the serialized names.
        let table = AssignmentStrategy::ALL.map(|s| (s.name(), s));
        unit_variant(v, &table)
    }
}
