//! Fuzzes the core's command API: a configuration and a stream of timed commands, nonsense
//! included (a dead broker killed, a missing topic produced to, zero or too many partitions, huge
//! counts and sizes, unknown producers and consumers, links to oneself), applied to a `Sim` while
//! simulated time advances. Nothing may panic (the core's `debug_assert!`s are on), and every
//! broken invariant must be one the run's settings allow (`support/fuzz_check.rs`).
//!
//! Each input is a scenario (config, seed, timed commands), applied as `Scenario::run` applies
//! one; a failure prints it as JSON, ready to become a fixture in `crates/sim/tests/fixtures/fuzz/`.
#![no_main]

use arbitrary::Arbitrary;
use kafka_sim::scenario::Timing;
use kafka_sim::*;
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/sim/tests/support/fuzz_check.rs"]
mod fuzz_check;

/// Commands per input, and simulated time per input: enough for elections and rebalances,
/// small enough for many executions a second.
const MAX_COMMANDS: usize = 48;
const MAX_MS: u64 = 300_000;
/// Simulated time after the last command, for the cluster to settle.
const SETTLE_MS: u64 = 30_000;

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    setup: Setup,
    ops: Vec<Op>,
}

/// The cluster's configuration: demo timing or Kafka's defaults, with a few settings drawn.
#[derive(Arbitrary, Debug)]
struct Setup {
    kafka_timing: bool,
    brokers: u8,
    latency_ms: u8,
    jitter_ms: u8,
    min_insync_replicas: u8,
    unclean: bool,
    acks: AcksIn,
    idempotence: bool,
    linger_ms: u8,
    max_in_flight: u8,
    offsets_topic_partitions: u8,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum AcksIn {
    Zero,
    One,
    All,
}

impl AcksIn {
    fn acks(self) -> Acks {
        match self {
            AcksIn::Zero => Acks::Zero,
            AcksIn::One => Acks::One,
            AcksIn::All => Acks::All,
        }
    }
}

/// A count or size: usually small, sometimes past every limit (the core must refuse it).
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Count {
    Small(u8),
    Huge(u32),
}

impl Count {
    fn get(self, max_accepted: u32) -> u32 {
        match self {
            Count::Small(n) => u32::from(n),
            // Past the core's limit, so refused at once (an accepted huge count would only be
            // slow, not wrong).
            Count::Huge(n) => max_accepted.saturating_add(1).saturating_add(n % 1_000),
        }
    }
}

/// A name: one of a few, often an existing one, or any text.
#[derive(Arbitrary, Debug, Clone)]
enum Name {
    Known(u8),
    Any(String),
}

impl Name {
    fn get(&self) -> String {
        const KNOWN: [&str; 6] = [
            "orders",
            "audit",
            "",
            "a b",
            "__consumer_offsets",
            "x.y-z_9",
        ];
        match self {
            Name::Known(i) => KNOWN[usize::from(*i) % KNOWN.len()].to_string(),
            Name::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum NodeIn {
    Controller,
    Broker(u8),
    Producer(u8),
    Consumer(u8),
}

impl NodeIn {
    fn get(self) -> NodeRef {
        match self {
            NodeIn::Controller => NodeRef::Controller,
            NodeIn::Broker(b) => NodeRef::Broker(u32::from(b % 8)),
            NodeIn::Producer(p) => NodeRef::Producer(u32::from(p % 4)),
            NodeIn::Consumer(c) => NodeRef::Consumer(u32::from(c % 6)),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
struct TopicIn {
    min_insync_replicas: Option<u8>,
    unclean: Option<bool>,
    retention_ms: Option<i32>,
    retention_bytes: Option<i32>,
    cleanup: u8,
    segment_bytes: Option<u16>,
}

impl TopicIn {
    fn get(&self) -> TopicConfig {
        let d = TopicConfig::default();
        TopicConfig {
            min_insync_replicas: self.min_insync_replicas.map(u32::from),
            unclean_leader_election_enable: self.unclean,
            retention_ms: self.retention_ms.map_or(d.retention_ms, i64::from),
            retention_bytes: self.retention_bytes.map_or(d.retention_bytes, i64::from),
            cleanup_policy: [
                CleanupPolicy::Delete,
                CleanupPolicy::Compact,
                CleanupPolicy::CompactDelete,
            ][usize::from(self.cleanup % 3)],
            segment_bytes: self.segment_bytes.map_or(d.segment_bytes, u64::from),
            ..d
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
struct ConsumerIn {
    commit: u8,
    assignor: u8,
    max_poll_records: Count,
    session_timeout_ms: u16,
    heartbeat_interval_ms: u16,
    processing_ms_per_record: u8,
    static_member: Option<u8>,
}

impl ConsumerIn {
    fn get(&self) -> ConsumerConfig {
        let d = ConsumerConfig::demo_timing();
        ConsumerConfig {
            commit: [
                CommitMode::Auto,
                CommitMode::SyncAfterProcessing,
                CommitMode::AsyncAfterProcessing,
                CommitMode::BeforeProcessing,
            ][usize::from(self.commit % 4)],
            partition_assignment_strategy: vec![
                kafka_sim::assignor::AssignmentStrategy::ALL[usize::from(self.assignor % 4)],
            ],
            max_poll_records: self.max_poll_records.get(100_000),
            session_timeout_ms: u64::from(self.session_timeout_ms),
            heartbeat_interval_ms: u64::from(self.heartbeat_interval_ms),
            processing_ms_per_record: u64::from(self.processing_ms_per_record),
            group_instance_id: self.static_member.map(|i| format!("instance-{}", i % 4)),
            ..d
        }
    }
}

/// One command, `after_ms` after the previous one.
#[derive(Arbitrary, Debug)]
struct Op {
    after_ms: u16,
    command: CommandIn,
}

#[derive(Arbitrary, Debug)]
enum CommandIn {
    CreateTopic(Name, Count, u8, TopicIn),
    AddPartitions(Name, Count),
    AlterTopicConfig(Name, TopicIn),
    Produce(u8, Name, Option<String>, Option<String>, Option<Count>),
    ProduceMany(u8, Name, Count, Count, Count),
    AddProducer(Option<(AcksIn, bool, u8)>),
    SetAcks(u8, AcksIn),
    KillBroker(u8),
    RestartBroker(u8),
    AddBroker,
    CutLink(NodeIn, NodeIn),
    HealLink(NodeIn, NodeIn),
    IsolateBroker(u8),
    ReconnectBroker(u8),
    SlowLink(NodeIn, NodeIn, u32),
    ElectPreferredLeaders,
    AddConsumer(Name, Vec<Name>, Option<ConsumerIn>),
    StopConsumer(u8),
    CrashConsumer(u8),
    RestartConsumer(u8),
}

impl CommandIn {
    fn get(&self) -> Command {
        let broker = |b: &u8| u32::from(b % 8);
        match self {
            CommandIn::CreateTopic(name, partitions, rf, config) => Command::CreateTopic {
                name: name.get(),
                partitions: partitions.get(10_000),
                replication_factor: u32::from(*rf % 8),
                config: config.get(),
            },
            CommandIn::AddPartitions(topic, partitions) => Command::AddPartitions {
                topic: topic.get(),
                partitions: partitions.get(10_000),
            },
            CommandIn::AlterTopicConfig(topic, config) => Command::AlterTopicConfig {
                topic: topic.get(),
                config: config.get(),
            },
            CommandIn::Produce(producer, topic, key, value, partition) => Command::Produce {
                producer: u32::from(producer % 4),
                topic: topic.get(),
                key: key.clone(),
                value: value.clone(),
                partition: partition.map(|p| p.get(10_000)),
            },
            CommandIn::ProduceMany(producer, topic, count, keys, value_bytes) => {
                Command::ProduceMany {
                    producer: u32::from(producer % 4),
                    topic: topic.get(),
                    count: count.get(10_000_000),
                    keys: keys.get(10_000_000),
                    // Values up to the 1 MB limit (only their length is kept), or past it.
                    value_bytes: match value_bytes {
                        Count::Small(n) => u32::from(*n) * 4_096,
                        huge => huge.get(1_000_000),
                    },
                }
            }
            CommandIn::AddProducer(config) => Command::AddProducer {
                config: config.map(|(acks, idempotence, max_in_flight)| ProducerConfig {
                    acks: acks.acks(),
                    enable_idempotence: idempotence,
                    max_in_flight_requests_per_connection: u32::from(max_in_flight % 8),
                    ..ProducerConfig::default()
                }),
            },
            CommandIn::SetAcks(producer, acks) => Command::SetAcks {
                producer: u32::from(producer % 4),
                acks: acks.acks(),
            },
            CommandIn::KillBroker(b) => Command::KillBroker { broker: broker(b) },
            CommandIn::RestartBroker(b) => Command::RestartBroker { broker: broker(b) },
            CommandIn::AddBroker => Command::AddBroker,
            CommandIn::CutLink(from, to) => Command::CutLink {
                from: from.get(),
                to: to.get(),
            },
            CommandIn::HealLink(from, to) => Command::HealLink {
                from: from.get(),
                to: to.get(),
            },
            CommandIn::IsolateBroker(b) => Command::IsolateBroker { broker: broker(b) },
            CommandIn::ReconnectBroker(b) => Command::ReconnectBroker { broker: broker(b) },
            CommandIn::SlowLink(from, to, extra_ms) => Command::SlowLink {
                from: from.get(),
                to: to.get(),
                // Up to an hour is accepted; beyond is refused.
                extra_ms: u64::from(*extra_ms % 4_000_000),
            },
            CommandIn::ElectPreferredLeaders => Command::ElectPreferredLeaders,
            CommandIn::AddConsumer(group, topics, config) => Command::AddConsumer {
                group: group.get(),
                topics: topics.iter().take(4).map(Name::get).collect(),
                config: config.as_ref().map(ConsumerIn::get),
            },
            CommandIn::StopConsumer(c) => Command::StopConsumer {
                consumer: u32::from(c % 6),
            },
            CommandIn::CrashConsumer(c) => Command::CrashConsumer {
                consumer: u32::from(c % 6),
            },
            CommandIn::RestartConsumer(c) => Command::RestartConsumer {
                consumer: u32::from(c % 6),
            },
        }
    }
}

impl Input {
    /// The input as a scenario: configuration, seed, and commands at their times.
    fn scenario(&self) -> Scenario {
        let s = &self.setup;
        let mut config = if s.kafka_timing {
            SimConfig::kafka_defaults()
        } else {
            SimConfig::demo_timing()
        };
        // Mostly valid settings: the run, not `SimConfig::validate`, is what is fuzzed here
        // (the scenario target feeds it nonsense configurations).
        config.brokers = 1 + u32::from(s.brokers % 6);
        config.network.latency_ms = 1 + u64::from(s.latency_ms % 50);
        config.network.jitter_ms = u64::from(s.jitter_ms % 30);
        config.broker.min_insync_replicas = 1 + u32::from(s.min_insync_replicas % 3);
        config.broker.unclean_leader_election_enable = s.unclean;
        config.broker.offsets_topic_num_partitions = 1 + u32::from(s.offsets_topic_partitions % 5);
        config.producer.acks = s.acks.acks();
        config.producer.enable_idempotence = s.idempotence && config.producer.acks == Acks::All;
        config.producer.linger_ms = u64::from(s.linger_ms);
        config.producer.max_in_flight_requests_per_connection = 1 + u32::from(s.max_in_flight % 5);
        let mut at = 0u64;
        let commands = self
            .ops
            .iter()
            .take(MAX_COMMANDS)
            .map(|op| {
                at = (at + u64::from(op.after_ms)).min(MAX_MS);
                TimedCommand {
                    at: SimTime(at),
                    command: op.command.get(),
                }
            })
            .collect();
        Scenario {
            timing: if s.kafka_timing {
                Timing::Kafka
            } else {
                Timing::Demo
            },
            until_ms: Some(at + SETTLE_MS),
            commands,
            ..Scenario::new(config, self.seed)
        }
    }
}

fuzz_target!(|input: Input| {
    let scenario = input.scenario();
    let mut sim = Sim::new(scenario.config.clone(), scenario.seed)
        .unwrap_or_else(|e| panic!("the harness built an invalid configuration: {e}"));
    let mut violations = Vec::new();
    for timed in &scenario.commands {
        sim.advance_to(timed.at);
        // A refused command is a typed error: fine. Accepted or not, time goes on.
        let _ = sim.apply(timed.command.clone());
        violations.extend(sim.drain_events().filter(fuzz_check::is_violation));
    }
    sim.advance_to(SimTime(scenario.until_ms.unwrap_or_default()));
    violations.extend(sim.drain_events().filter(fuzz_check::is_violation));
    if let Err(problem) = fuzz_check::check_scenario_run(&scenario, &violations) {
        panic!("{problem}\nscenario:\n{}", scenario.to_json());
    }
});
