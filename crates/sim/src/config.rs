//! Configuration in Kafka's own names and defaults (serde keys are Kafka's dotted config keys),
//! plus a "demo timing" profile that shortens timeouts enough to watch failover happen. In JSON
//! (read by `scenario::decode`) every struct takes absent keys from its `Default` and refuses
//! unknown ones; `acks` also reads `-1`, `cleanup.policy` also `delete,compact`.

use serde::Serialize;

mod consumer;
pub use consumer::{AutoOffsetReset, CommitMode, ConsumerConfig};

use crate::error::ConfigError;

/// The producer's `acks` setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Acks {
    /// `acks=0`: fire and forget; the broker sends no response.
    #[serde(rename = "0")]
    Zero,
    /// `acks=1`: the leader answers after its local append.
    #[serde(rename = "1")]
    One,
    /// `acks=all` (`-1`): the leader answers once the record is below the high watermark.
    #[serde(rename = "all")]
    All,
}

impl Acks {
    /// Kafka's spelling of the value.
    pub fn as_str(self) -> &'static str {
        match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        }
    }
}

/// How a producer places records without a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeylessPartitioner {
    /// Kafka ≥ 3.3's built-in sticky partitioner (KIP-794): stay on one partition until
    /// `batch.size` bytes were produced to it, then switch at random.
    Sticky,
    /// Round-robin over the available partitions, one record each (Kafka < 2.4's default, and the
    /// behaviour introductory material usually describes).
    RoundRobin,
}

/// `cleanup.policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum CleanupPolicy {
    /// Delete old segments by time and size.
    #[serde(rename = "delete")]
    Delete,
    /// Keep the latest record per key.
    #[serde(rename = "compact")]
    Compact,
    /// Both.
    #[serde(rename = "compact,delete")]
    CompactDelete,
}

impl CleanupPolicy {
    /// Whether old segments are deleted by `retention.ms` / `retention.bytes`.
    pub fn deletes(self) -> bool {
        matches!(self, CleanupPolicy::Delete | CleanupPolicy::CompactDelete)
    }
    /// Whether the log cleaner compacts the log.
    pub fn compacts(self) -> bool {
        matches!(self, CleanupPolicy::Compact | CleanupPolicy::CompactDelete)
    }
}

/// Latency of the simulated network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NetworkConfig {
    /// One-way latency of every link, in ms.
    pub latency_ms: u64,
    /// Extra latency drawn uniformly from `0..=jitter_ms` per message (links stay FIFO).
    pub jitter_ms: u64,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            latency_ms: 1,
            jitter_ms: 1,
        }
    }
}

/// Broker and controller settings (Kafka's broker configs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokerConfig {
    /// How often a broker heartbeats to the controller.
    #[serde(rename = "broker.heartbeat.interval.ms")]
    pub broker_heartbeat_interval_ms: u64,
    /// How long without a heartbeat before the controller fences a broker.
    #[serde(rename = "broker.session.timeout.ms")]
    pub broker_session_timeout_ms: u64,
    /// How long a follower may lag before the leader drops it from the ISR.
    #[serde(rename = "replica.lag.time.max.ms")]
    pub replica_lag_time_max_ms: u64,
    /// How long a leader holds a follower's fetch when there is no new data.
    #[serde(rename = "replica.fetch.wait.max.ms")]
    pub replica_fetch_wait_max_ms: u64,
    /// Back-off of a follower after a failed fetch.
    #[serde(rename = "replica.fetch.backoff.ms")]
    pub replica_fetch_backoff_ms: u64,
    /// Default `min.insync.replicas` for topics that do not set it.
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,
    /// Default `unclean.leader.election.enable` for topics that do not set it.
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    /// Whether the controller moves leadership back to preferred replicas periodically.
    #[serde(rename = "auto.leader.rebalance.enable")]
    pub auto_leader_rebalance_enable: bool,
    /// Period of the preferred-leader check, in seconds (Kafka's unit for this key).
    #[serde(rename = "leader.imbalance.check.interval.seconds")]
    pub leader_imbalance_check_interval_seconds: u64,
    /// How often retention runs on every log.
    #[serde(rename = "log.retention.check.interval.ms")]
    pub log_retention_check_interval_ms: u64,
    /// Partitions of `__consumer_offsets` (a group's coordinator leads partition
    /// `abs(groupId.hashCode()) % offsets.topic.num.partitions`).
    #[serde(rename = "offsets.topic.num.partitions")]
    pub offsets_topic_num_partitions: u32,
    /// Replication factor of `__consumer_offsets` (capped at the brokers alive when it is created).
    #[serde(rename = "offsets.topic.replication.factor")]
    pub offsets_topic_replication_factor: u32,
    /// How long an offset commit may wait for `__consumer_offsets` replication.
    #[serde(rename = "offsets.commit.timeout.ms")]
    pub offsets_commit_timeout_ms: u64,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            broker_heartbeat_interval_ms: 2_000,
            broker_session_timeout_ms: 9_000,
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_backoff_ms: 1_000,
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval_seconds: 300,
            log_retention_check_interval_ms: 300_000,
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            offsets_commit_timeout_ms: 5_000,
        }
    }
}

/// Producer client settings (Kafka's producer configs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProducerConfig {
    /// `acks`.
    pub acks: Acks,
    /// Producer id + sequence numbers so that a retry never duplicates a record.
    #[serde(rename = "enable.idempotence")]
    pub enable_idempotence: bool,
    /// Bytes per partition batch before it is sent (and the sticky partitioner switches).
    #[serde(rename = "batch.size")]
    pub batch_size: u64,
    /// How long a non-full batch waits for more records.
    #[serde(rename = "linger.ms")]
    pub linger_ms: u64,
    /// How long the producer waits for a response before retrying.
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,
    /// Upper bound on the time from send to success or failure.
    #[serde(rename = "delivery.timeout.ms")]
    pub delivery_timeout_ms: u64,
    /// How many times a failed request is retried.
    pub retries: u32,
    /// Back-off before a retry.
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
    /// Requests in flight per partition (Kafka counts per connection).
    #[serde(rename = "max.in.flight.requests.per.connection")]
    pub max_in_flight_requests_per_connection: u32,
    /// Placement of records without a key.
    pub keyless_partitioner: KeylessPartitioner,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            acks: Acks::All,
            enable_idempotence: true,
            batch_size: 16_384,
            linger_ms: 0,
            request_timeout_ms: 30_000,
            delivery_timeout_ms: 120_000,
            retries: i32::MAX as u32,
            retry_backoff_ms: 100,
            max_in_flight_requests_per_connection: 5,
            keyless_partitioner: KeylessPartitioner::Sticky,
        }
    }
}

/// Per-topic configuration; unset values fall back to the broker defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicConfig {
    /// `min.insync.replicas` (broker default when unset).
    #[serde(
        rename = "min.insync.replicas",
        skip_serializing_if = "Option::is_none"
    )]
    pub min_insync_replicas: Option<u32>,
    /// `unclean.leader.election.enable` (broker default when unset).
    #[serde(
        rename = "unclean.leader.election.enable",
        skip_serializing_if = "Option::is_none"
    )]
    pub unclean_leader_election_enable: Option<bool>,
    /// `retention.ms`; −1 keeps records forever.
    #[serde(rename = "retention.ms")]
    pub retention_ms: i64,
    /// `retention.bytes`; −1 means no size limit.
    #[serde(rename = "retention.bytes")]
    pub retention_bytes: i64,
    /// `cleanup.policy`.
    #[serde(rename = "cleanup.policy")]
    pub cleanup_policy: CleanupPolicy,
    /// `segment.bytes`: a new segment is rolled when the active one would exceed it.
    #[serde(rename = "segment.bytes")]
    pub segment_bytes: u64,
    /// `segment.ms`: a new segment is rolled when the active one is older than this.
    #[serde(rename = "segment.ms")]
    pub segment_ms: u64,
    /// `delete.retention.ms`: how long compaction keeps tombstones.
    #[serde(rename = "delete.retention.ms")]
    pub delete_retention_ms: u64,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            min_insync_replicas: None,
            unclean_leader_election_enable: None,
            retention_ms: 604_800_000,
            retention_bytes: -1,
            cleanup_policy: CleanupPolicy::Delete,
            segment_bytes: 1_073_741_824,
            segment_ms: 604_800_000,
            delete_retention_ms: 86_400_000,
        }
    }
}

/// Everything a `Sim` is built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SimConfig {
    /// Number of brokers at start (ids 1..=brokers).
    pub brokers: u32,
    /// The simulated network.
    pub network: NetworkConfig,
    /// Broker and controller settings.
    pub broker: BrokerConfig,
    /// Settings of producers created without their own.
    pub producer: ProducerConfig,
    /// Settings of consumers created without their own.
    pub consumer: ConsumerConfig,
    /// The group coordinator's settings (`group.*` broker configs).
    pub group_coordinator: crate::group::GroupConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            brokers: 3,
            network: NetworkConfig::default(),
            broker: BrokerConfig::default(),
            producer: ProducerConfig::default(),
            consumer: ConsumerConfig::default(),
            group_coordinator: crate::group::GroupConfig::default(),
        }
    }
}

impl SimConfig {
    /// Kafka's defaults (3 brokers).
    pub fn kafka_defaults() -> SimConfig {
        SimConfig::default()
    }

    /// Kafka's defaults with timeouts shortened so that failover and ISR changes can be watched:
    /// fencing after 3 s, ISR shrink after 5 s, preferred-leader check every 30 s.
    pub fn demo_timing() -> SimConfig {
        let d = SimConfig::default();
        SimConfig {
            network: NetworkConfig {
                latency_ms: 20,
                jitter_ms: 10,
            },
            broker: BrokerConfig {
                broker_heartbeat_interval_ms: 1_000,
                broker_session_timeout_ms: 3_000,
                replica_lag_time_max_ms: 5_000,
                leader_imbalance_check_interval_seconds: 30,
                log_retention_check_interval_ms: 5_000,
                offsets_topic_num_partitions: 3,
                ..d.broker
            },
            consumer: ConsumerConfig::demo_timing(),
            group_coordinator: crate::group::GroupConfig {
                group_initial_rebalance_delay_ms: 1_000,
                ..crate::group::GroupConfig::default()
            },
            producer: ProducerConfig {
                request_timeout_ms: 5_000,
                delivery_timeout_ms: 20_000,
                ..d.producer
            },
            ..d
        }
    }

    /// Checks every value; the first bad one is returned with its Kafka key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let b = &self.broker;
        if self.brokers == 0 || self.brokers > 64 {
            return Err(ConfigError::new(
                "brokers",
                self.brokers,
                "must be between 1 and 64",
            ));
        }
        positive(
            "broker.heartbeat.interval.ms",
            b.broker_heartbeat_interval_ms,
        )?;
        if b.broker_session_timeout_ms <= b.broker_heartbeat_interval_ms {
            return Err(ConfigError::new(
                "broker.session.timeout.ms",
                b.broker_session_timeout_ms,
                "must be greater than broker.heartbeat.interval.ms",
            ));
        }
        positive("replica.lag.time.max.ms", b.replica_lag_time_max_ms)?;
        positive("replica.fetch.backoff.ms", b.replica_fetch_backoff_ms)?;
        positive("min.insync.replicas", u64::from(b.min_insync_replicas))?;
        positive(
            "leader.imbalance.check.interval.seconds",
            b.leader_imbalance_check_interval_seconds,
        )?;
        positive(
            "log.retention.check.interval.ms",
            b.log_retention_check_interval_ms,
        )?;
        if self.network.latency_ms == 0 {
            // Every message takes time: with zero latency two nodes could talk forever in one instant.
            return Err(ConfigError::new(
                "network.latency_ms",
                0,
                "must be at least 1",
            ));
        }
        if self.network.latency_ms > 60_000 || self.network.jitter_ms > 60_000 {
            return Err(ConfigError::new(
                "network.latency_ms",
                self.network.latency_ms,
                "at most 60000 ms",
            ));
        }
        positive(
            "offsets.topic.num.partitions",
            u64::from(b.offsets_topic_num_partitions),
        )?;
        if b.offsets_topic_num_partitions > 1_000 {
            return Err(ConfigError::new(
                "offsets.topic.num.partitions",
                b.offsets_topic_num_partitions,
                "at most 1000",
            ));
        }
        positive(
            "offsets.topic.replication.factor",
            u64::from(b.offsets_topic_replication_factor),
        )?;
        positive("offsets.commit.timeout.ms", b.offsets_commit_timeout_ms)?;
        self.producer.validate()?;
        self.consumer.validate()
    }
}

impl ProducerConfig {
    /// Checks every value; the first bad one is returned with its Kafka key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        positive("request.timeout.ms", self.request_timeout_ms)?;
        positive(
            "max.in.flight.requests.per.connection",
            u64::from(self.max_in_flight_requests_per_connection),
        )?;
        if self.delivery_timeout_ms < self.linger_ms.saturating_add(self.request_timeout_ms) {
            // Kafka rejects this combination at construction (KafkaProducer#configureDeliveryTimeout).
            return Err(ConfigError::new(
                "delivery.timeout.ms",
                self.delivery_timeout_ms,
                "must be at least linger.ms + request.timeout.ms",
            ));
        }
        if self.enable_idempotence {
            if self.acks != Acks::All {
                return Err(ConfigError::new(
                    "acks",
                    self.acks.as_str(),
                    "must be all when enable.idempotence=true",
                ));
            }
            if self.max_in_flight_requests_per_connection > 5 {
                return Err(ConfigError::new(
                    "max.in.flight.requests.per.connection",
                    self.max_in_flight_requests_per_connection,
                    "must be at most 5 when enable.idempotence=true",
                ));
            }
            if self.retries == 0 {
                return Err(ConfigError::new(
                    "retries",
                    0,
                    "must be greater than 0 when enable.idempotence=true",
                ));
            }
        }
        Ok(())
    }
}

impl TopicConfig {
    /// Checks every value against the topic's replication factor.
    pub fn validate(&self, replication_factor: u32) -> Result<(), ConfigError> {
        if let Some(m) = self.min_insync_replicas {
            positive("min.insync.replicas", u64::from(m))?;
            // Kafka accepts min.insync.replicas > RF at creation; acks=all writes then always fail
            // with NOT_ENOUGH_REPLICAS. We accept it too, and the error shows up on produce.
            let _ = replication_factor;
        }
        if self.retention_ms < -1 {
            return Err(ConfigError::new(
                "retention.ms",
                self.retention_ms,
                "must be -1 or at least 0",
            ));
        }
        if self.retention_bytes < -1 {
            return Err(ConfigError::new(
                "retention.bytes",
                self.retention_bytes,
                "must be -1 or at least 0",
            ));
        }
        if self.segment_bytes < 14 {
            // LogConfig's minimum is the size of a record batch header.
            return Err(ConfigError::new(
                "segment.bytes",
                self.segment_bytes,
                "must be at least 14",
            ));
        }
        positive("segment.ms", self.segment_ms)?;
        Ok(())
    }
}

fn positive(key: &'static str, value: u64) -> Result<(), ConfigError> {
    if value == 0 {
        Err(ConfigError::new(key, value, "must be at least 1"))
    } else {
        Ok(())
    }
}
