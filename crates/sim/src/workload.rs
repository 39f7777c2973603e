//! Reference workloads shared by the benchmarks, the examples and the wasm builds, so every
//! figure in the notes measures the same thing.
//!
//! [`ProduceConsume`]: 3 brokers, topic `orders` with 12 partitions, RF 3 and
//! `min.insync.replicas` 2; keyed records (1000 keys, 100-byte values) produced with acks=all and
//! replicated, and `groups` consumer groups of `consumers_per_group` consumers reading everything
//! and committing after processing.

use crate::command::Command;
use crate::config::{AutoOffsetReset, CommitMode, ConsumerConfig, SimConfig, TopicConfig};
use crate::sim::Sim;

/// The produce → replicate → consume workload, set up and ready to measure.
pub struct ProduceConsume {
    /// The cluster, with its groups Stable.
    pub sim: Sim,
    /// The group ids.
    pub groups: Vec<String>,
}

impl ProduceConsume {
    /// Builds the cluster and its groups (Kafka's default timing) and runs until the groups are Stable.
    pub fn new(groups: usize, consumers_per_group: usize) -> ProduceConsume {
        let mut sim = Sim::new(SimConfig::default(), 1).expect("default config is valid");
        sim.advance_ms(5_000);
        let config = TopicConfig {
            min_insync_replicas: Some(2),
            ..TopicConfig::default()
        };
        let create = Command::CreateTopic {
            name: "orders".into(),
            partitions: 12,
            replication_factor: 3,
            config,
        };
        sim.apply(create).expect("topic");
        sim.advance_ms(1_000);
        let consumer = ConsumerConfig {
            commit: CommitMode::SyncAfterProcessing,
            auto_offset_reset: AutoOffsetReset::Earliest,
            ..ConsumerConfig::default()
        };
        let names: Vec<String> = (0..groups).map(|g| format!("group-{g}")).collect();
        for name in &names {
            for _ in 0..consumers_per_group {
                let add = Command::AddConsumer {
                    group: name.clone(),
                    topics: vec!["orders".into()],
                    config: Some(consumer.clone()),
                };
                sim.apply(add).expect("consumer");
            }
        }
        // group.initial.rebalance.delay.ms (3 s) and the join/sync round trips.
        sim.advance_ms(10_000);
        sim.drain_events().for_each(drop);
        ProduceConsume { sim, groups: names }
    }

    /// Produces `records` keyed records and runs until all are acknowledged and every group has
    /// processed all of them.
    pub fn run(&mut self, records: u32) {
        let produce = Command::ProduceMany {
            producer: 0,
            topic: "orders".into(),
            count: records,
            keys: 1000,
            value_bytes: 100,
        };
        self.sim.apply(produce).expect("produce");
        let target = u64::from(records);
        loop {
            self.sim.advance_ms(100);
            self.sim.drain_events().for_each(drop);
            let done = self.sim.pending_sends() == 0
                && self
                    .groups
                    .iter()
                    .all(|g| self.sim.ledger().consumption_counts(g).processed >= target);
            if done {
                break;
            }
        }
    }
}
