//! Commands: what a user (the page, the CLI, a scenario) asks the simulated cluster to do.
//! `Sim::apply` validates each one and returns a typed error for anything invalid.

use serde::Serialize;

use crate::config::{Acks, ConsumerConfig, ProducerConfig, TopicConfig};
use crate::time::SimTime;

/// A node named in a link command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRef {
    /// The controller.
    Controller,
    /// A broker by id.
    Broker(u32),
    /// A producer by id.
    Producer(u32),
    /// A consumer by id.
    Consumer(u32),
}

/// A user command. Names are imperative; their effects show up as events.
///
/// In JSON (`{"type": "kill_broker", "broker": 1}`, read by `scenario::decode`) unknown fields
/// are refused; absent `producer` and `keys` are 0, absent options `None`, an absent
/// `create_topic` config is the default one, and an absent `value_bytes` is 16.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Create a topic; replicas are placed as Kafka places them without racks.
    CreateTopic {
        name: String,
        partitions: u32,
        replication_factor: u32,
        config: TopicConfig,
    },
    /// Grow a topic to `partitions` partitions (keys then hash to different partitions).
    AddPartitions { topic: String, partitions: u32 },
    /// Replace a topic's configuration.
    AlterTopicConfig { topic: String, config: TopicConfig },
    /// Send one record. `key: None` is a keyless record; `value: None` is a tombstone.
    Produce {
        producer: u32,
        topic: String,
        key: Option<String>,
        value: Option<String>,
        /// An explicit partition overrides the partitioner, as `ProducerRecord.partition` does.
        partition: Option<u32>,
    },
    /// Send `count` records at once: keys `key-0 … key-(keys-1)` in turn (no key if `keys` is 0),
    /// values of `value_bytes` bytes.
    ProduceMany {
        producer: u32,
        topic: String,
        count: u32,
        keys: u32,
        value_bytes: u32,
    },
    /// Add a producer client (with its own configuration, or the default one).
    AddProducer { config: Option<ProducerConfig> },
    /// Change a producer's `acks`.
    SetAcks { producer: u32, acks: Acks },
    /// Kill a broker's process: in-flight messages and volatile state are lost, the log stays.
    KillBroker { broker: u32 },
    /// Restart a killed broker: it registers again, catches up, truncates as needed.
    RestartBroker { broker: u32 },
    /// Add a new, empty broker to the cluster.
    AddBroker,
    /// Drop messages from `from` to `to` (one way).
    CutLink { from: NodeRef, to: NodeRef },
    /// Restore the link from `from` to `to`.
    HealLink { from: NodeRef, to: NodeRef },
    /// Cut every link of a broker, both ways (a network partition around it).
    IsolateBroker { broker: u32 },
    /// Heal every link of a broker.
    ReconnectBroker { broker: u32 },
    /// Add latency to the link from `from` to `to` (a slow follower); 0 restores it.
    SlowLink {
        from: NodeRef,
        to: NodeRef,
        extra_ms: u64,
    },
    /// Move leadership back to the preferred replica wherever it is in the ISR.
    ElectPreferredLeaders,
    /// Start a consumer in group `group` subscribed to `topics` (with its own configuration, or
    /// the default one). The first consumer creates `__consumer_offsets`.
    AddConsumer {
        group: String,
        topics: Vec<String>,
        config: Option<ConsumerConfig>,
    },
    /// Close a consumer gracefully: finish the batch, commit as it commits, send LeaveGroup.
    StopConsumer { consumer: u32 },
    /// Kill a consumer's process: no commit, no LeaveGroup; its group notices after `session.timeout.ms`.
    CrashConsumer { consumer: u32 },
    /// Start a stopped or crashed consumer again (same group, subscription and configuration).
    RestartConsumer { consumer: u32 },
}

/// A command scheduled at a simulated time (a scenario line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimedCommand {
    /// When to apply it.
    pub at: SimTime,
    /// What to apply.
    pub command: Command,
}
