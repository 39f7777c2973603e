//! Errors: `ConfigError` and `CommandError` for what a user asked that cannot be done, and
//! `KafkaError` for what the simulated cluster answers (Kafka's own error names and codes).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A configuration value that Kafka would reject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigError {
    /// The Kafka config key, e.g. `min.insync.replicas`.
    pub key: String,
    /// The rejected value, as text.
    pub value: String,
    /// Why it is rejected.
    pub reason: String,
}

impl ConfigError {
    /// A rejected `key = value` with its reason.
    pub fn new(key: &str, value: impl fmt::Display, reason: &str) -> ConfigError {
        ConfigError {
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} = {}: {}", self.key, self.value, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// Why `Sim::apply` refused a command. A refused command changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "error")]
pub enum CommandError {
    /// No topic has this name.
    UnknownTopic {
        /// The name asked for.
        topic: String,
    },
    /// A topic with this name exists already.
    TopicAlreadyExists {
        /// The name asked for.
        topic: String,
    },
    /// Topic names are 1–249 characters of `[a-zA-Z0-9._-]`, and not `.` or `..`.
    InvalidTopicName {
        /// The name asked for.
        topic: String,
    },
    /// The topic has no such partition.
    UnknownPartition {
        /// The topic.
        topic: String,
        /// The partition asked for.
        partition: u32,
    },
    /// A topic needs at least one partition (and at most 10000 here).
    InvalidPartitions {
        /// The count asked for.
        partitions: u32,
    },
    /// The replication factor is zero or larger than the number of live brokers.
    InvalidReplicationFactor {
        /// The factor asked for.
        replication_factor: u32,
        /// Brokers registered and unfenced at the controller.
        available_brokers: u32,
    },
    /// No broker has this id.
    UnknownBroker {
        /// The id asked for.
        broker: u32,
    },
    /// The broker is already stopped.
    BrokerNotRunning {
        /// The broker.
        broker: u32,
    },
    /// The broker is already running.
    BrokerAlreadyRunning {
        /// The broker.
        broker: u32,
    },
    /// No producer has this id.
    UnknownProducer {
        /// The id asked for.
        producer: u32,
    },
    /// The broker count limit of the simulation is reached.
    TooManyBrokers {
        /// The limit.
        limit: u32,
    },
    /// A link from a node to itself.
    InvalidLink,
    /// A configuration value was rejected.
    InvalidConfig(ConfigError),
    /// A compacted topic only accepts keyed records (Kafka: InvalidRecordException).
    KeylessRecordOnCompactedTopic {
        /// The topic.
        topic: String,
    },
    /// No consumer has this id.
    UnknownConsumer {
        /// The id asked for.
        consumer: u32,
    },
    /// The consumer is already stopped or crashed.
    ConsumerNotRunning {
        /// The consumer.
        consumer: u32,
    },
    /// The consumer is running.
    ConsumerAlreadyRunning {
        /// The consumer.
        consumer: u32,
    },
    /// A `group.id` must be 1 to 255 characters.
    InvalidGroupId {
        /// The id given.
        group: String,
    },
    /// A consumer must subscribe to at least one topic.
    NoTopics,
    /// No broker is registered yet, so `__consumer_offsets` cannot be created.
    NoBrokersAvailable,
    /// A count or size is out of the range the simulation supports.
    OutOfRange {
        /// What was out of range.
        what: String,
        /// The value given.
        value: u64,
        /// The largest value accepted.
        max: u64,
    },
}

impl From<ConfigError> for CommandError {
    fn from(e: ConfigError) -> Self {
        CommandError::InvalidConfig(e)
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CommandError::*;
        match self {
            UnknownTopic { topic } => write!(f, "unknown topic {topic:?}"),
            TopicAlreadyExists { topic } => write!(f, "topic {topic:?} already exists"),
            InvalidTopicName { topic } => {
                write!(
                    f,
                    "invalid topic name {topic:?}: use 1-249 characters of a-z A-Z 0-9 . _ -"
                )
            }
            UnknownPartition { topic, partition } => {
                write!(f, "topic {topic:?} has no partition {partition}")
            }
            InvalidPartitions { partitions } => write!(
                f,
                "invalid partition count {partitions}: must be 1 to 10000"
            ),
            InvalidReplicationFactor {
                replication_factor,
                available_brokers,
            } => write!(
                f,
                "replication factor {replication_factor} is invalid with {available_brokers} available brokers"
            ),
            UnknownBroker { broker } => write!(f, "no broker {broker}"),
            BrokerNotRunning { broker } => write!(f, "broker {broker} is not running"),
            BrokerAlreadyRunning { broker } => write!(f, "broker {broker} is already running"),
            UnknownProducer { producer } => write!(f, "no producer {producer}"),
            TooManyBrokers { limit } => {
                write!(f, "the simulation supports at most {limit} brokers")
            }
            InvalidLink => write!(f, "a link needs two different nodes"),
            InvalidConfig(e) => e.fmt(f),
            KeylessRecordOnCompactedTopic { topic } => {
                write!(
                    f,
                    "compacted topic {topic:?} cannot accept a record without a key"
                )
            }
            UnknownConsumer { consumer } => write!(f, "no consumer {consumer}"),
            ConsumerNotRunning { consumer } => write!(f, "consumer {consumer} is not running"),
            ConsumerAlreadyRunning { consumer } => {
                write!(f, "consumer {consumer} is already running")
            }
            InvalidGroupId { group } => {
                write!(f, "invalid group.id {group:?}: use 1-255 characters")
            }
            NoTopics => write!(f, "a consumer must subscribe to at least one topic"),
            NoBrokersAvailable => write!(
                f,
                "no broker is available yet to host __consumer_offsets (wait for registration)"
            ),
            OutOfRange { what, value, max } => {
                write!(f, "{what} = {value} is out of range (max {max})")
            }
        }
    }
}

impl std::error::Error for CommandError {}

macro_rules! kafka_errors {
    ($($variant:ident = $code:literal, $retriable:literal, $name:literal, $doc:literal;)*) => {
        /// An error the simulated cluster answers with: Kafka's protocol error, with its code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum KafkaError {
            $(#[doc = $doc] $variant,)*
        }

        impl KafkaError {
            /// Kafka's numeric error code.
            pub fn code(self) -> i16 {
                match self { $(KafkaError::$variant => $code,)* }
            }
            /// Whether a client retries after this error.
            pub fn is_retriable(self) -> bool {
                match self { $(KafkaError::$variant => $retriable,)* }
            }
            /// Kafka's name of the error, e.g. `NOT_ENOUGH_REPLICAS`.
            pub fn name(self) -> &'static str {
                match self { $(KafkaError::$variant => $name,)* }
            }
            /// Kafka's description of the error.
            pub fn description(self) -> &'static str {
                match self { $(KafkaError::$variant => $doc,)* }
            }
        }
    };
}

kafka_errors! {
    OffsetOutOfRange = 1, false, "OFFSET_OUT_OF_RANGE", "The requested offset is not within the range of offsets maintained by the server.";
    UnknownTopicOrPartition = 3, true, "UNKNOWN_TOPIC_OR_PARTITION", "This server does not host this topic-partition.";
    LeaderNotAvailable = 5, true, "LEADER_NOT_AVAILABLE", "There is no leader for this topic-partition as we are in the middle of a leadership election.";
    NotLeaderOrFollower = 6, true, "NOT_LEADER_OR_FOLLOWER", "For requests intended only for the leader, this error indicates that the broker is not the current leader.";
    RequestTimedOut = 7, true, "REQUEST_TIMED_OUT", "The request timed out.";
    NetworkException = 13, true, "NETWORK_EXCEPTION", "The server disconnected before a response was received.";
    NotEnoughReplicas = 19, true, "NOT_ENOUGH_REPLICAS", "Messages are rejected since there are fewer in-sync replicas than required.";
    NotEnoughReplicasAfterAppend = 20, true, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "Messages are written to the log, but to fewer in-sync replicas than required.";
    DuplicateSequenceNumber = 46, false, "DUPLICATE_SEQUENCE_NUMBER", "The broker received a duplicate sequence number (the batch was already written; the producer counts it as a success).";
    OutOfOrderSequenceNumber = 45, false, "OUT_OF_ORDER_SEQUENCE_NUMBER", "The broker received an out of order sequence number.";
    FencedLeaderEpoch = 74, true, "FENCED_LEADER_EPOCH", "The leader epoch in the request is older than the epoch on the broker.";
    UnknownLeaderEpoch = 75, true, "UNKNOWN_LEADER_EPOCH", "The leader epoch in the request is newer than the epoch on the broker.";
    InvalidRecord = 87, false, "INVALID_RECORD", "This record has failed the validation on broker and hence will be rejected.";
    DeliveryTimeout = -100, false, "DELIVERY_TIMEOUT", "Client-side: the record expired after delivery.timeout.ms without success (a TimeoutException in the Java client).";
}

impl fmt::Display for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
