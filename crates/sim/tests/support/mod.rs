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

// ---- consumer-group helpers (tests/consumer_groups.rs) -------------------------------------

impl TestCluster {
    /// Prints every event except the replication chatter, one narrated line each (debugging).
    pub fn narrate(&self) {
        for e in &self.events {
            if !matches!(
                e.kind,
                EventKind::RecordsAppended { .. }
                    | EventKind::HighWatermarkAdvanced { .. }
                    | EventKind::RecordSent { .. }
                    | EventKind::ProduceRequestSent { .. }
                    | EventKind::ProduceAcked { .. }
            ) {
                println!(
                    "{:>6} {}",
                    e.at.0,
                    kafka_sim::narrate::sentence(e, &self.sim)
                );
            }
        }
    }

    /// Advances 1 ms at a time until `done` holds (true) or `max_ms` pass (false).
    pub fn run_until(&mut self, max_ms: u64, done: impl Fn(&TestCluster) -> bool) -> bool {
        for _ in 0..max_ms {
            if done(self) {
                return true;
            }
            self.run_for_ms(1);
        }
        done(self)
    }

    /// Produces `count` keyed records (`{prefix}{i}`) to `topic`, one every `every_ms`.
    pub fn produce_every(&mut self, topic: &str, prefix: &str, count: u32, every_ms: u64) {
        for i in 0..count {
            self.produce(topic, &format!("{prefix}{i}"), "v");
            self.run_for_ms(every_ms);
        }
    }

    /// The records of `topic` that reached a leader's high watermark (what a group must read).
    pub fn committed_records(&self, topic: &str) -> Vec<RecordId> {
        let Some(topic) = self.sim.catalog().id(topic) else {
            return Vec::new();
        };
        self.sim
            .ledger()
            .records()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.tp.topic == topic && r.committed && !r.is_internal())
            .map(|(i, _)| RecordId(i as u64))
            .collect()
    }

    /// A member's client state ("polling", "processing", "stopped" …).
    pub fn client_state(&self, group: &str, consumer: u32) -> String {
        self.group(group)
            .members
            .iter()
            .find(|m| m.consumer.0 == consumer)
            .map(|m| m.client_state.clone())
            .unwrap_or_default()
    }

    /// The partitions a consumer owns, as `topic-p` names.
    pub fn owned(&self, group: &str, consumer: u32) -> Vec<String> {
        self.assignment(group)
            .into_iter()
            .find(|(c, _)| *c == consumer)
            .map(|(_, p)| p)
            .unwrap_or_default()
    }

    /// The coordinator's events for `group`, with their times, from event index `since` on.
    pub fn group_events(
        &self,
        group: &str,
        since: usize,
    ) -> Vec<(u64, kafka_sim::group::GroupEvent)> {
        self.events[since.min(self.events.len())..]
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Group {
                    group: g, event, ..
                } if g == group => Some((e.at.0, event.clone())),
                _ => None,
            })
            .collect()
    }

    /// The group's lag rows as (`topic-p`, committed, log end offset, lag).
    pub fn lag(&self, group: &str) -> Vec<(String, Option<u64>, u64, Option<u64>)> {
        self.group(group)
            .lag
            .iter()
            .map(|r| {
                (
                    self.sim.tp_name(r.tp),
                    r.committed.map(|o| o.0),
                    r.log_end_offset.0,
                    r.lag,
                )
            })
            .collect()
    }
}

/// `["orders-0", …]` as owned strings.
pub fn tps(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Consumer-group helpers for the property tests and sweeps (appended).
// ---------------------------------------------------------------------------------------------

/// The last `n` events that are not per-record chatter of `events`, one narrated line each (`time cause: sentence`).
pub fn narrated_tail(sim: &Sim, events: &[Event], n: usize) -> String {
    let interesting: Vec<&Event> = events
        .iter()
        .filter(|e| !kafka_sim::narrate::is_chatter(&e.kind))
        .collect();
    let from = interesting.len().saturating_sub(n);
    interesting[from..]
        .iter()
        .map(|e| {
            format!(
                "{:>9} ms  {}\n",
                e.at.0,
                kafka_sim::narrate::sentence(e, sim)
            )
        })
        .collect()
}

/// Every broken guarantee that no configuration allows: `InvariantViolated` without
/// `allowed_by`, and the group coordinator's own invariant events.
pub fn unallowed_group_violations(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::InvariantViolated {
                    allowed_by: None,
                    ..
                } | EventKind::Group {
                    event: kafka_sim::group::GroupEvent::InvariantViolated { .. },
                    ..
                }
            )
        })
        .collect()
}

// Whether `group` processed every committed record of `topic` at least once and skipped none:
// the sweep's check, shared by the property tests.
#[allow(unused_imports)] // not every test file that includes `support` uses it
pub use kafka_sim::sweep::processed_every_committed_record;

impl TestCluster {
    /// Applies `c` and collects the events it emitted at once.
    pub fn apply_now(&mut self, c: Command) {
        self.apply(c);
        self.events.extend(self.sim.drain_events());
    }
}

impl TestCluster {
    /// Whether `group` consumed everything committed so far (the sweep's check: Stable, members
    /// idle in `poll()`, every partition owned and read to the high watermark).
    pub fn group_caught_up(&self, group: &str) -> bool {
        kafka_sim::sweep::group_caught_up(&self.sim, group)
    }

    /// Consumers whose process runs (`running`) or not, as their groups' views say.
    pub fn consumers_running(&self, running: bool) -> Vec<u32> {
        kafka_sim::sweep::consumers_running(&self.sim, running)
    }
}
