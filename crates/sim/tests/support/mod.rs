//! A small scenario DSL over `Sim` so tests read like a runbook.
#![allow(dead_code)]

use kafka_sim::ledger::Outcome;
use kafka_sim::view::PartitionView;
use kafka_sim::*;

pub struct TestCluster {
    pub sim: Sim,
    pub events: Vec<Event>,
}

impl TestCluster {
    /// `brokers` brokers with demo timing, registered and unfenced.
    pub fn new(brokers: u32, seed: u64) -> TestCluster {
        let mut config = SimConfig::demo_timing();
        config.brokers = brokers;
        TestCluster::with_config(config, seed)
    }

    pub fn with_config(config: SimConfig, seed: u64) -> TestCluster {
        let mut t = TestCluster {
            sim: Sim::new(config, seed).expect("valid config"),
            events: Vec::new(),
        };
        t.run_for_ms(2_000);
        t
    }

    pub fn topic(
        mut self,
        name: &str,
        partitions: u32,
        rf: u32,
        config: TopicConfig,
    ) -> TestCluster {
        self.sim
            .apply(Command::CreateTopic {
                name: name.into(),
                partitions,
                replication_factor: rf,
                config,
            })
            .expect("create topic");
        self.run_for_ms(1_000);
        self
    }

    pub fn apply(&mut self, c: Command) {
        self.sim.apply(c).expect("command accepted");
    }

    pub fn run_for_ms(&mut self, ms: u64) {
        self.sim.advance_ms(ms);
        self.events.extend(self.sim.drain_events());
    }

    pub fn produce(&mut self, topic: &str, key: &str, value: &str) {
        self.apply(Command::Produce {
            producer: 0,
            topic: topic.into(),
            key: Some(key.into()),
            value: Some(value.into()),
            partition: None,
        });
    }

    pub fn produce_to(&mut self, topic: &str, partition: u32, n: u32) {
        for i in 0..n {
            self.apply(Command::Produce {
                producer: 0,
                topic: topic.into(),
                key: Some(format!("k{i}")),
                value: Some(format!("v{i}")),
                partition: Some(partition),
            });
        }
    }

    pub fn tp(&self, topic: &str, partition: u32) -> TopicPartition {
        self.sim.partitions_of(topic)[partition as usize]
    }

    pub fn view(&self, topic: &str, partition: u32) -> PartitionView {
        self.sim
            .partition_view(self.tp(topic, partition))
            .expect("partition exists")
    }

    pub fn leader(&self, topic: &str, partition: u32) -> Option<BrokerId> {
        self.view(topic, partition).leader
    }

    pub fn isr(&self, topic: &str, partition: u32) -> Vec<u32> {
        let mut isr: Vec<u32> = self
            .view(topic, partition)
            .isr
            .iter()
            .map(|b| b.0)
            .collect();
        isr.sort();
        isr
    }

    pub fn high_watermark(&self, topic: &str, partition: u32) -> Offset {
        self.view(topic, partition)
            .high_watermark()
            .expect("has a leader")
    }

    pub fn acked(&self) -> u64 {
        self.sim.ledger().counts().acked
    }

    pub fn outcomes(&self) -> Vec<Outcome> {
        self.sim
            .ledger()
            .records()
            .iter()
            .map(|r| r.outcome)
            .collect()
    }

    pub fn violations(&self) -> Vec<&Event> {
        self.events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::InvariantViolated { .. }))
            .collect()
    }

    pub fn unallowed_violations(&self) -> Vec<&Event> {
        self.events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::InvariantViolated {
                        allowed_by: None,
                        ..
                    }
                )
            })
            .collect()
    }

    pub fn any(&self, f: impl Fn(&EventKind) -> bool) -> bool {
        self.events.iter().any(|e| f(&e.kind))
    }
}

pub fn topic_config(min_isr: u32, unclean: bool) -> TopicConfig {
    TopicConfig {
        min_insync_replicas: Some(min_isr),
        unclean_leader_election_enable: Some(unclean),
        ..TopicConfig::default()
    }
}

impl TestCluster {
    /// Adds a consumer to `group` subscribed to `topics` with `config` (or the run's default).
    pub fn consumer(
        &mut self,
        group: &str,
        topics: &[&str],
        config: Option<ConsumerConfig>,
    ) -> u32 {
        let id = self.sim.consumer_ids().len() as u32;
        self.apply(Command::AddConsumer {
            group: group.into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            config,
        });
        id
    }

    /// The group's view (state, members, lag).
    pub fn group(&self, group: &str) -> kafka_sim::view::GroupView {
        self.sim
            .group_views()
            .into_iter()
            .find(|g| g.group == group)
            .expect("group exists")
    }

    /// Each member's partitions as `topic-p` names, by consumer id.
    pub fn assignment(&self, group: &str) -> Vec<(u32, Vec<String>)> {
        self.group(group)
            .members
            .iter()
            .map(|m| {
                (
                    m.consumer.0,
                    m.assigned.iter().map(|tp| self.sim.tp_name(*tp)).collect(),
                )
            })
            .collect()
    }
}
