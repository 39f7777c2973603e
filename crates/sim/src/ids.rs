//! Identifiers and offset-like numbers as newtypes, so an offset is never mixed up with a count.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! newtype {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

newtype!(
    /// A broker's `node.id` (1-based, as in Kafka's usual examples).
    BrokerId(u32)
);
newtype!(
    /// Dense index of a topic, in creation order.
    TopicId(u32)
);
newtype!(
    /// A record's position in a partition log.
    Offset(u64)
);
newtype!(
    /// The leader epoch of a partition: bumped on every leader change.
    LeaderEpoch(u32)
);
newtype!(
    /// A producer client of the simulation (its index; also its idempotent producer id).
    ProducerId(u32)
);
newtype!(
    /// A consumer client of the simulation (its index, from 0).
    ConsumerId(u32)
);
newtype!(
    /// A produced record, followed by the ledger from send to commit or loss.
    RecordId(u64)
);
newtype!(
    /// The id `Sim::apply` gives each accepted command.
    CommandId(u64)
);
newtype!(
    /// The sequence number of an emitted event.
    EventId(u64)
);

impl Offset {
    /// The next offset.
    pub fn next(self) -> Offset {
        Offset(self.0 + 1)
    }
}

/// A partition of a topic, by topic index; `Sim::tp_name` renders it as Kafka does (`orders-1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    /// The topic.
    pub topic: TopicId,
    /// The partition number within the topic.
    pub partition: u32,
}

/// A node of the simulated network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id")]
pub enum NodeId {
    /// The active KRaft controller.
    Controller,
    /// A broker.
    Broker(BrokerId),
    /// A producer client.
    Producer(ProducerId),
    /// A consumer client.
    Consumer(ConsumerId),
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Controller => write!(f, "controller"),
            NodeId::Broker(b) => write!(f, "broker {b}"),
            NodeId::Producer(p) => write!(f, "producer {p}"),
            NodeId::Consumer(c) => write!(f, "consumer {c}"),
        }
    }
}
