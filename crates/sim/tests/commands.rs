#![cfg(not(target_arch = "wasm32"))]
//! Property tests over the public command API: arbitrary streams of commands, nonsense included,
//! interleaved with time advances. Nothing panics; a refused command changes nothing observable;
//! refusals carry the right `CommandError`; after healing everything no unallowed invariant
//! violation shows up; and the same stream on the same seed gives the same events.
//! Consumer commands take part too (nonsense group ids, subscriptions and configurations, unknown
//! consumer ids, consumers in link commands), with a model of their refusals.
//! `PROPTEST_CASES=N` widens the search (default 64 cases); the generator's seed is fixed so that
//! a default run is repeatable, `PROPTEST_RNG_SEED=N` explores other streams.

use kafka_sim::assignor::AssignmentStrategy;
use kafka_sim::ids::CommandId;
use kafka_sim::ledger::{LedgerCounts, LedgerRecord};
use kafka_sim::topic::TopicInfo;
use kafka_sim::view::{GroupView, PartitionView};
use kafka_sim::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const MAX_BROKERS: u32 = 64;
/// Steps and events one generated run may take (typical runs stay below a tenth of this).
const STEP_BUDGET: u64 = 3_000_000;
const EVENT_BUDGET: usize = 1_000_000;
/// Steps at one simulated instant that count as a livelock (time must move on).
const LIVELOCK_STEPS: u64 = 100_000;

fn demo(brokers: u32) -> SimConfig {
    SimConfig {
        brokers,
        ..SimConfig::demo_timing()
    }
}

/// A demo-timing cluster of `brokers` brokers, registered and unfenced.
fn ready(brokers: u32) -> Sim {
    let mut sim = Sim::new(demo(brokers), 7).expect("valid config");
    sim.advance_ms(2_000);
    sim.drain_events().for_each(drop);
    sim
}

fn create(name: &str, partitions: u32, rf: u32, config: TopicConfig) -> Command {
    Command::CreateTopic {
        name: name.into(),
        partitions,
        replication_factor: rf,
        config,
    }
}

fn topic(name: &str) -> Command {
    create(name, 1, 1, TopicConfig::default())
}

fn config_key(r: Result<CommandId, CommandError>) -> String {
    match r {
        Err(CommandError::InvalidConfig(e)) => e.key,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

fn node_ref(n: NodeId) -> NodeRef {
    match n {
        NodeId::Controller => NodeRef::Controller,
        NodeId::Broker(b) => NodeRef::Broker(b.0),
        NodeId::Producer(p) => NodeRef::Producer(p.0),
        NodeId::Consumer(c) => NodeRef::Consumer(c.0),
    }
}

/// Everything observable from outside, for comparing before and after a refused command.
#[derive(Debug, PartialEq)]
struct Snapshot {
    now: SimTime,
    steps: u64,
    topics: Vec<TopicInfo>,
    partitions: Vec<Option<PartitionView>>,
    counts: LedgerCounts,
    records: Vec<LedgerRecord>,
    brokers: Vec<(BrokerId, bool, bool)>,
    cut: Vec<(NodeId, NodeId)>,
    slowed: Vec<((NodeId, NodeId), u64)>,
    pending_sends: usize,
    groups: Vec<GroupView>,
    consumers: Vec<(ConsumerId, bool)>,
}

impl Snapshot {
    fn of(sim: &Sim) -> Snapshot {
        let topics = sim.catalog().topics().to_vec();
        let partitions = topics
            .iter()
            .flat_map(|t| sim.partitions_of(&t.name))
            .map(|tp| sim.partition_view(tp))
            .collect();
        Snapshot {
            now: sim.now(),
            steps: sim.steps(),
            topics,
            partitions,
            counts: sim.ledger().counts(),
            records: sim.ledger().records().to_vec(),
            brokers: sim
                .broker_ids()
                .into_iter()
                .map(|b| (b, sim.broker_alive(b), sim.broker_fenced(b)))
                .collect(),
            cut: sim.cut_links(),
            slowed: sim.slowed_links(),
            pending_sends: sim.pending_sends(),
            groups: sim.group_views(),
            consumers: sim
                .consumer_ids()
                .into_iter()
                .map(|c| (c, sim.consumer_alive(c)))
                .collect(),
        }
    }
}

/// Whether `err` is one of the refusals `command` can legitimately get.
fn error_fits(command: &Command, err: &CommandError) -> bool {
    use CommandError as E;
    match command {
        Command::CreateTopic { .. } => matches!(
            err,
            E::InvalidTopicName { .. }
                | E::TopicAlreadyExists { .. }
                | E::InvalidPartitions { .. }
                | E::InvalidReplicationFactor { .. }
                | E::InvalidConfig(_)
        ),
        Command::AddPartitions { .. } => matches!(
            err,
            E::UnknownTopic { .. }
                | E::InvalidPartitions { .. }
                | E::InvalidReplicationFactor { .. }
        ),
        Command::AlterTopicConfig { .. } => {
            matches!(err, E::UnknownTopic { .. } | E::InvalidConfig(_))
        }
        Command::Produce { .. } => matches!(
            err,
            E::UnknownProducer { .. }
                | E::UnknownTopic { .. }
                | E::UnknownPartition { .. }
                | E::KeylessRecordOnCompactedTopic { .. }
        ),
        Command::ProduceMany { .. } => matches!(
            err,
            E::UnknownProducer { .. }
                | E::UnknownTopic { .. }
                | E::OutOfRange { .. }
                | E::KeylessRecordOnCompactedTopic { .. }
        ),
        Command::AddProducer { .. } => matches!(err, E::InvalidConfig(_)),
        Command::SetAcks { .. } => matches!(err, E::UnknownProducer { .. } | E::InvalidConfig(_)),
        Command::KillBroker { .. } => {
            matches!(err, E::UnknownBroker { .. } | E::BrokerNotRunning { .. })
        }
        Command::RestartBroker { .. } => {
            matches!(
                err,
                E::UnknownBroker { .. } | E::BrokerAlreadyRunning { .. }
            )
        }
        Command::AddBroker => matches!(err, E::TooManyBrokers { limit: MAX_BROKERS }),
        Command::CutLink { .. } | Command::HealLink { .. } => matches!(
            err,
            E::UnknownBroker { .. }
                | E::UnknownProducer { .. }
                | E::UnknownConsumer { .. }
                | E::InvalidLink
        ),
        Command::SlowLink { .. } => matches!(
            err,
            E::UnknownBroker { .. }
                | E::UnknownProducer { .. }
                | E::UnknownConsumer { .. }
                | E::InvalidLink
                | E::OutOfRange { .. }
        ),
        Command::IsolateBroker { .. } | Command::ReconnectBroker { .. } => {
            matches!(err, E::UnknownBroker { .. })
        }
        Command::ElectPreferredLeaders => false,
        Command::AddConsumer { .. } => matches!(
            err,
            E::InvalidGroupId { .. }
                | E::NoTopics
                | E::UnknownTopic { .. }
                | E::InvalidConfig(_)
                | E::OutOfRange { .. }
                | E::NoBrokersAvailable
        ),
        Command::StopConsumer { .. } | Command::CrashConsumer { .. } => {
            matches!(
                err,
                E::UnknownConsumer { .. } | E::ConsumerNotRunning { .. }
            )
        }
        Command::RestartConsumer { .. } => {
            matches!(
                err,
                E::UnknownConsumer { .. } | E::ConsumerAlreadyRunning { .. }
            )
        }
    }
}

/// A small independent model of some refusals: `Some(expected)` when the outcome is known.
fn expected_outcome(sim: &Sim, command: &Command) -> Option<Result<(), CommandError>> {
    let brokers = sim.broker_ids().len() as u32;
    let known = |b: u32| b >= 1 && b <= brokers;
    let alive = |b: u32| sim.broker_alive(BrokerId(b));
    Some(match command {
        Command::KillBroker { broker: b } if !known(*b) => {
            Err(CommandError::UnknownBroker { broker: *b })
        }
        Command::KillBroker { broker: b } if !alive(*b) => {
            Err(CommandError::BrokerNotRunning { broker: *b })
        }
        Command::KillBroker { .. } => Ok(()),
        Command::RestartBroker { broker: b } if !known(*b) => {
            Err(CommandError::UnknownBroker { broker: *b })
        }
        Command::RestartBroker { broker: b } if alive(*b) => {
            Err(CommandError::BrokerAlreadyRunning { broker: *b })
        }
        Command::RestartBroker { .. } => Ok(()),
        Command::IsolateBroker { broker: b } | Command::ReconnectBroker { broker: b } => {
            if known(*b) {
                Ok(())
            } else {
                Err(CommandError::UnknownBroker { broker: *b })
            }
        }
        Command::AddBroker if brokers >= MAX_BROKERS => {
            Err(CommandError::TooManyBrokers { limit: MAX_BROKERS })
        }
        Command::AddBroker => Ok(()),
        Command::ElectPreferredLeaders => Ok(()),
        Command::StopConsumer { consumer: c } | Command::CrashConsumer { consumer: c } => {
            match consumer_running(sim, *c) {
                None => Err(CommandError::UnknownConsumer { consumer: *c }),
                Some(false) => Err(CommandError::ConsumerNotRunning { consumer: *c }),
                Some(true) => Ok(()),
            }
        }
        Command::RestartConsumer { consumer: c } => match consumer_running(sim, *c) {
            None => Err(CommandError::UnknownConsumer { consumer: *c }),
            Some(true) => Err(CommandError::ConsumerAlreadyRunning { consumer: *c }),
            Some(false) => Ok(()),
        },
        Command::CutLink { from, to } | Command::HealLink { from, to } => {
            link_refusal(sim, *from, *to).map_or(Ok(()), Err)
        }
        Command::SlowLink { from, to, extra_ms } => match link_refusal(sim, *from, *to) {
            Some(e) => Err(e),
            None if *extra_ms > 3_600_000 => Err(CommandError::OutOfRange {
                what: "extra_ms".into(),
                value: *extra_ms,
                max: 3_600_000,
            }),
            None => Ok(()),
        },
        Command::AddConsumer { group, topics, .. } => {
            // `group.id`: 1 to 255 characters; then the subscription; the configuration is
            // checked by `add_consumer_config_fits`.
            if group.is_empty() || group.chars().count() > 255 {
                return Some(Err(CommandError::InvalidGroupId {
                    group: group.clone(),
                }));
            }
            if topics.is_empty() {
                return Some(Err(CommandError::NoTopics));
            }
            if let Some(t) = topics.iter().find(|t| sim.catalog().id(t).is_none()) {
                return Some(Err(CommandError::UnknownTopic { topic: t.clone() }));
            }
            return None;
        }
        Command::CreateTopic { name, .. } => {
            let valid = !name.is_empty()
                && name.len() <= 249
                && name != "."
                && name != ".."
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if valid {
                return None;
            }
            Err(CommandError::InvalidTopicName {
                topic: name.clone(),
            })
        }
        _ => return None,
    })
}

/// Whether consumer `c` runs, as its group's view says (`None`: no such consumer). The view, not
/// `Sim::consumer_alive`, which misses a graceful stop that completes after the batch in hand
/// (see `consumer_alive_follows_a_deferred_stop`).
fn consumer_running(sim: &Sim, c: u32) -> Option<bool> {
    sim.group_views()
        .iter()
        .flat_map(|g| g.members.iter())
        .find(|m| m.consumer.0 == c)
        .map(|m| m.alive)
}

/// The refusal a link command between `from` and `to` gets, if any: an unknown node (`from`
/// first), then a link from a node to itself.
fn link_refusal(sim: &Sim, from: NodeRef, to: NodeRef) -> Option<CommandError> {
    let unknown = |n: NodeRef| match n {
        NodeRef::Controller => None,
        NodeRef::Broker(b) => (b == 0 || b as usize > sim.broker_ids().len())
            .then_some(CommandError::UnknownBroker { broker: b }),
        NodeRef::Producer(p) => (p as usize >= sim.producer_ids().len())
            .then_some(CommandError::UnknownProducer { producer: p }),
        NodeRef::Consumer(c) => (c as usize >= sim.consumer_ids().len())
            .then_some(CommandError::UnknownConsumer { consumer: c }),
    };
    unknown(from)
        .or_else(|| unknown(to))
        .or_else(|| (from == to).then_some(CommandError::InvalidLink))
}

/// Consumer configuration keys whose value Kafka's client refuses (`ConsumerConfig`'s validators
/// and `AbstractCoordinator`'s heartbeat check), and those the simulation may refuse besides
/// (its documented upper limits, and zeros it does not run with). Kafka accepts 0 for
/// `auto.commit.interval.ms`, `request.timeout.ms`, `retry.backoff.ms` and
/// `heartbeat.interval.ms` (`consumer_config_accepts_what_kafka_accepts`).
fn consumer_config_keys(c: &ConsumerConfig) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut kafka = Vec::new();
    let mut simulation = Vec::new();
    if c.max_poll_records == 0 {
        kafka.push("max.poll.records");
    }
    if c.max_poll_interval_ms == 0 {
        kafka.push("max.poll.interval.ms");
    }
    if c.heartbeat_interval_ms >= c.session_timeout_ms {
        kafka.push("heartbeat.interval.ms");
    }
    if c.partition_assignment_strategy.is_empty() {
        kafka.push("partition.assignment.strategy");
    }
    // Kafka's INT configs stop at i32::MAX.
    for (key, v) in [
        ("session.timeout.ms", c.session_timeout_ms),
        ("heartbeat.interval.ms", c.heartbeat_interval_ms),
        ("max.poll.interval.ms", c.max_poll_interval_ms),
        ("request.timeout.ms", c.request_timeout_ms),
        ("auto.commit.interval.ms", c.auto_commit_interval_ms),
        ("fetch.max.wait.ms", c.fetch_max_wait_ms),
        ("max.poll.records", u64::from(c.max_poll_records)),
    ] {
        if v > i32::MAX as u64 {
            kafka.push(key);
        }
    }
    for (key, v, max) in [
        ("max.poll.records", u64::from(c.max_poll_records), 100_000),
        ("fetch.max.wait.ms", c.fetch_max_wait_ms, 3_600_000),
        ("session.timeout.ms", c.session_timeout_ms, 3_600_000),
        ("max.poll.interval.ms", c.max_poll_interval_ms, 86_400_000),
        ("request.timeout.ms", c.request_timeout_ms, 3_600_000),
        (
            "auto.commit.interval.ms",
            c.auto_commit_interval_ms,
            86_400_000,
        ),
        (
            "processing.ms.per.record",
            c.processing_ms_per_record,
            3_600_000,
        ),
    ] {
        if v > max {
            simulation.push(key);
        }
    }
    for (key, v) in [
        ("auto.commit.interval.ms", c.auto_commit_interval_ms),
        ("session.timeout.ms", c.session_timeout_ms),
        ("heartbeat.interval.ms", c.heartbeat_interval_ms),
        ("request.timeout.ms", c.request_timeout_ms),
        ("retry.backoff.ms", c.retry_backoff_ms),
    ] {
        if v == 0 {
            simulation.push(key);
        }
    }
    (kafka, simulation)
}

/// Checks an `AddConsumer` outcome against the configuration model (the group id and topics
/// are `expected_outcome`'s).
fn add_consumer_config_fits(
    sim_before: &Sim,
    command: &Command,
    result: &Result<CommandId, CommandError>,
) -> Result<(), TestCaseError> {
    let Command::AddConsumer { config, .. } = command else {
        return Ok(());
    };
    if expected_outcome(sim_before, command).is_some() {
        return Ok(()); // refused before the configuration is looked at
    }
    let config = config
        .clone()
        .unwrap_or_else(|| sim_before.config().consumer.clone());
    let (kafka, simulation) = consumer_config_keys(&config);
    match result {
        Err(CommandError::InvalidConfig(e)) => prop_assert!(
            kafka.contains(&e.key.as_str()) || simulation.contains(&e.key.as_str()),
            "{:?} refused for {} = {}, which Kafka accepts and the simulation supports",
            command,
            e.key,
            e.value
        ),
        _ if !kafka.is_empty() => {
            return Err(TestCaseError::fail(format!(
                "{command:?} gave {result:?}; Kafka refuses {kafka:?}"
            )));
        }
        Ok(_) => {}
        Err(e) => prop_assert!(
            matches!(
                e,
                CommandError::NoBrokersAvailable | CommandError::OutOfRange { .. }
            ),
            "{:?} refused with {:?}",
            command,
            e
        ),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Apply(Command),
    Advance(u64),
    /// `AddBroker` until refused: up to and past the broker limit.
    AddBrokersPastLimit,
}

fn topic_name() -> impl Strategy<Value = String> {
    prop_oneof![
        24 => prop::sample::select(vec!["orders", "t-1", "a.b_c", "Orders"]).prop_map(String::from),
        1 => Just(String::new()),
        2 => prop::sample::select(vec![".", "..", "has space", "slash/x", "ünï", "tab\t", "a:b", "\0"])
            .prop_map(String::from),
        1 => Just("x".repeat(249)),
        1 => Just("x".repeat(250)),
        1 => Just("y".repeat(300)),
        1 => "[a-z._-]{1,6}",
        1 => any::<String>(),
    ]
}

/// A topic name for commands on existing topics: mostly `orders`, sometimes anything.
fn target_topic() -> impl Strategy<Value = String> {
    prop_oneof![6 => Just("orders".to_string()), 3 => topic_name()]
}

fn partitions() -> impl Strategy<Value = u32> {
    prop_oneof![
        12 => 1u32..=6,
        2 => Just(0u32),
        1 => Just(10_001u32),
        1 => Just(1_000_000_000u32),
        1 => Just(u32::MAX),
    ]
}

fn replication_factor() -> impl Strategy<Value = u32> {
    prop_oneof![
        12 => 1u32..=3,
        2 => Just(0u32),
        2 => 4u32..=5,
        1 => Just(64u32),
        1 => Just(999u32),
        1 => Just(u32::MAX),
    ]
}

fn broker_id() -> impl Strategy<Value = u32> {
    prop_oneof![
        10 => 1u32..=5,
        1 => Just(0u32),
        1 => Just(64u32),
        1 => Just(65u32),
        1 => Just(999u32),
        1 => Just(u32::MAX),
    ]
}

fn producer_id() -> impl Strategy<Value = u32> {
    prop_oneof![16 => Just(0u32), 4 => 1u32..=3, 1 => Just(999u32), 1 => Just(u32::MAX)]
}

fn consumer_id() -> impl Strategy<Value = u32> {
    prop_oneof![12 => 0u32..=3, 2 => 4u32..=8, 1 => Just(999u32), 1 => Just(u32::MAX)]
}

fn node() -> impl Strategy<Value = NodeRef> {
    prop_oneof![
        1 => Just(NodeRef::Controller),
        4 => broker_id().prop_map(NodeRef::Broker),
        2 => producer_id().prop_map(NodeRef::Producer),
        2 => consumer_id().prop_map(NodeRef::Consumer),
    ]
}

fn group_id() -> impl Strategy<Value = String> {
    prop_oneof![
        16 => prop::sample::select(vec!["billing", "audit", "Billing"]).prop_map(String::from),
        1 => Just(String::new()),
        1 => Just("g".repeat(255)),
        1 => Just("g".repeat(256)),
        // 255 characters but 510 bytes: a valid group.id.
        1 => Just("ü".repeat(255)),
        1 => Just("ü".repeat(256)),
        1 => Just("x".repeat(100_000)),
        1 => any::<String>(),
    ]
}

fn subscription() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        12 => Just(vec!["orders".to_string()]),
        3 => prop::collection::vec(target_topic(), 0..=3),
        1 => Just(Vec::new()),
        1 => Just(vec!["orders".to_string(), "orders".to_string()]),
        1 => Just(vec!["orders".to_string(), "t-1".to_string()]),
        1 => Just(vec!["__consumer_offsets".to_string()]),
    ]
}

fn strategies() -> impl Strategy<Value = Vec<AssignmentStrategy>> {
    prop_oneof![
        8 => prop::sample::select(AssignmentStrategy::ALL.to_vec()).prop_map(|s| vec![s]),
        2 => Just(vec![AssignmentStrategy::Range, AssignmentStrategy::CooperativeSticky]),
        1 => Just(vec![AssignmentStrategy::CooperativeSticky, AssignmentStrategy::Sticky]),
        1 => Just(Vec::new()),
        1 => Just(vec![AssignmentStrategy::Sticky; 3]),
    ]
}

fn commit_mode() -> impl Strategy<Value = CommitMode> {
    prop::sample::select(vec![
        CommitMode::Auto,
        CommitMode::SyncAfterProcessing,
        CommitMode::AsyncAfterProcessing,
        CommitMode::BeforeProcessing,
    ])
}

fn consumer_config() -> impl Strategy<Value = ConsumerConfig> {
    let timing = prop_oneof![
        // (session.timeout.ms, heartbeat.interval.ms)
        8 => Just((6_000u64, 1_000u64)),
        1 => Just((6_000, 6_000)),
        1 => Just((6_000, 10_000)),
        // Below group.min.session.timeout.ms / above group.max.session.timeout.ms: the
        // coordinator refuses the join (INVALID_SESSION_TIMEOUT).
        1 => Just((1_000, 100)),
        1 => Just((2_000_000, 1_000)),
        1 => Just((0, 0)),
        1 => Just((6_000, 0)),
        1 => Just((u64::MAX, 1_000)),
    ];
    let sensible = (
        strategies(),
        commit_mode(),
        prop::sample::select(vec![
            AutoOffsetReset::Earliest,
            AutoOffsetReset::Latest,
            AutoOffsetReset::None,
        ]),
        prop_oneof![4 => Just(0u64), 2 => 1u64..=20, 1 => Just(1_000u64)],
        prop::sample::select(vec![1u32, 5, 500]),
        prop::option::weighted(0.15, Just("static".to_string())),
        timing,
    )
        .prop_map(
            |(strategy, commit, reset, processing, max_poll, instance, (session, heartbeat))| {
                ConsumerConfig {
                    partition_assignment_strategy: strategy,
                    commit,
                    auto_offset_reset: reset,
                    processing_ms_per_record: processing,
                    max_poll_records: max_poll,
                    group_instance_id: instance,
                    session_timeout_ms: session,
                    heartbeat_interval_ms: heartbeat,
                    ..ConsumerConfig::demo_timing()
                }
            },
        );
    let odd = |values: Vec<u64>| prop::sample::select(values);
    let nonsense = (
        odd(vec![0, 1, 100_000, 100_001, u32::MAX as u64]),
        odd(vec![0, 1, 500, 3_600_000, 3_600_001, u64::MAX]),
        odd(vec![0, 1, 30_000, 86_400_000, 86_400_001, u64::MAX]),
        odd(vec![0, 1, 5_000, 3_600_000, 3_600_001, u64::MAX]),
        odd(vec![0, 1, 2_000, 86_400_000, 86_400_001, u64::MAX]),
        odd(vec![0, 1, 100, u64::MAX]),
        odd(vec![0, 3_600_000, 3_600_001, u64::MAX]),
    )
        .prop_map(
            |(max_poll, fetch_wait, poll_interval, request, auto_commit, backoff, processing)| {
                ConsumerConfig {
                    max_poll_records: max_poll as u32,
                    fetch_max_wait_ms: fetch_wait,
                    max_poll_interval_ms: poll_interval,
                    request_timeout_ms: request,
                    auto_commit_interval_ms: auto_commit,
                    retry_backoff_ms: backoff,
                    processing_ms_per_record: processing,
                    ..ConsumerConfig::demo_timing()
                }
            },
        );
    prop_oneof![6 => sensible, 1 => nonsense]
}

fn consumer_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        6 => (
            group_id(),
            subscription(),
            prop::option::weighted(0.6, consumer_config()),
        )
            .prop_map(|(group, topics, config)| Command::AddConsumer { group, topics, config }),
        3 => consumer_id().prop_map(|consumer| Command::StopConsumer { consumer }),
        3 => consumer_id().prop_map(|consumer| Command::CrashConsumer { consumer }),
        4 => consumer_id().prop_map(|consumer| Command::RestartConsumer { consumer }),
    ]
}

fn acks() -> impl Strategy<Value = Acks> {
    prop::sample::select(vec![Acks::Zero, Acks::One, Acks::All])
}

fn topic_config() -> impl Strategy<Value = TopicConfig> {
    let min_isr = prop_oneof![3 => Just(None), 1 => Just(Some(0u32)), 3 => (1u32..=4).prop_map(Some), 1 => Just(Some(u32::MAX))];
    let unclean = prop::option::of(any::<bool>());
    let retention_ms =
        prop::sample::select(vec![i64::MIN, -2, -1, 0, 1, 5_000, 604_800_000, i64::MAX]);
    let retention_bytes = prop::sample::select(vec![i64::MIN, -2, -1, 0, 1, 100, i64::MAX]);
    let policy = prop::sample::select(vec![
        CleanupPolicy::Delete,
        CleanupPolicy::Compact,
        CleanupPolicy::CompactDelete,
    ]);
    let segment_bytes = prop::sample::select(vec![0u64, 1, 13, 14, 100, 1_073_741_824, u64::MAX]);
    let segment_ms = prop::sample::select(vec![0u64, 1, 1_000, 604_800_000, u64::MAX]);
    let delete_retention_ms = prop::sample::select(vec![0u64, 1_000, 86_400_000, u64::MAX]);
    prop_oneof![
        4 => Just(TopicConfig::default()),
        2 => (
            prop::option::of(1u32..=3),
            prop::option::of(any::<bool>()),
            prop::sample::select(vec![CleanupPolicy::Delete, CleanupPolicy::Compact, CleanupPolicy::CompactDelete]),
            prop::sample::select(vec![-1i64, 0, 1, 5_000, 60_000]),
            prop::sample::select(vec![-1i64, 0, 100, 10_000]),
            prop::sample::select(vec![14u64, 100, 1_000, 1_073_741_824]),
            prop::sample::select(vec![1u64, 1_000, 604_800_000]),
        )
            .prop_map(|(m, u, p, rm, rb, sb, sm)| TopicConfig {
                min_insync_replicas: m,
                unclean_leader_election_enable: u,
                cleanup_policy: p,
                retention_ms: rm,
                retention_bytes: rb,
                segment_bytes: sb,
                segment_ms: sm,
                ..TopicConfig::default()
            }),
        2 => (
            min_isr,
            unclean,
            retention_ms,
            retention_bytes,
            policy,
            segment_bytes,
            segment_ms,
            delete_retention_ms,
        )
            .prop_map(|(m, u, rm, rb, p, sb, sm, dr)| TopicConfig {
                min_insync_replicas: m,
                unclean_leader_election_enable: u,
                retention_ms: rm,
                retention_bytes: rb,
                cleanup_policy: p,
                segment_bytes: sb,
                segment_ms: sm,
                delete_retention_ms: dr,
            }),
    ]
}

fn producer_config() -> impl Strategy<Value = ProducerConfig> {
    (
        (acks(), any::<bool>()),
        prop::sample::select(vec![0u64, 1, 100, 16_384, u64::MAX]),
        prop::sample::select(vec![0u64, 5, 1_000, u64::MAX]),
        prop::sample::select(vec![0u64, 1, 5_000, 30_000, u64::MAX]),
        prop::sample::select(vec![0u64, 1, 20_000, 120_000, u64::MAX]),
        prop::sample::select(vec![0u32, 1, 3, i32::MAX as u32, u32::MAX]),
        prop::sample::select(vec![0u64, 1, 100, u64::MAX]),
        prop::sample::select(vec![0u32, 1, 5, 6, u32::MAX]),
        prop::sample::select(vec![
            KeylessPartitioner::Sticky,
            KeylessPartitioner::RoundRobin,
        ]),
    )
        .prop_map(
            |((a, idem), bs, linger, rt, dt, retries, backoff, inflight, kp)| ProducerConfig {
                acks: a,
                enable_idempotence: idem,
                batch_size: bs,
                linger_ms: linger,
                request_timeout_ms: rt,
                delivery_timeout_ms: dt,
                // A request timeout below the network latency with unlimited retries is a legal
                // retry storm (every request times out, is retried 1 ms later and appended again)
                // that only costs time: bound it.
                retries: if rt < 100 { retries.min(5) } else { retries },
                retry_backoff_ms: backoff,
                max_in_flight_requests_per_connection: inflight,
                keyless_partitioner: kp,
            },
        )
}

fn short_string() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[a-z0-9]{0,8}", 1 => any::<String>(), 1 => Just("v".repeat(100_000))]
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        8 => (topic_name(), partitions(), replication_factor(), topic_config()).prop_map(
            |(name, partitions, replication_factor, config)| Command::CreateTopic {
                name,
                partitions,
                replication_factor,
                config,
            }
        ),
        2 => (target_topic(), partitions())
            .prop_map(|(topic, partitions)| Command::AddPartitions { topic, partitions }),
        2 => (target_topic(), topic_config())
            .prop_map(|(topic, config)| Command::AlterTopicConfig { topic, config }),
        12 => (
            producer_id(),
            target_topic(),
            prop::option::weighted(0.7, short_string()),
            prop::option::weighted(0.8, short_string()),
            prop_oneof![4 => Just(None), 3 => (0u32..=7).prop_map(Some), 1 => Just(Some(u32::MAX))],
        )
            .prop_map(|(producer, topic, key, value, partition)| Command::Produce {
                producer,
                topic,
                key,
                value,
                partition,
            }),
        8 => (
            producer_id(),
            target_topic(),
            prop_oneof![8 => 0u32..=40, 1 => Just(10_000_001u32), 1 => Just(u32::MAX)],
            prop_oneof![
                12 => 0u32..=5,
                2 => Just(100u32),
                1 => Just(10_000_001u32),
                1 => Just(u32::MAX),
            ],
            prop_oneof![6 => 0u32..=100, 1 => Just(1_000_000u32), 1 => Just(1_000_001u32), 1 => Just(u32::MAX)],
        )
            .prop_map(|(producer, topic, count, keys, value_bytes)| Command::ProduceMany {
                producer,
                topic,
                count,
                keys,
                value_bytes,
            }),
        3 => prop::option::of(producer_config()).prop_map(|config| Command::AddProducer { config }),
        2 => (producer_id(), acks()).prop_map(|(producer, acks)| Command::SetAcks { producer, acks }),
        4 => broker_id().prop_map(|broker| Command::KillBroker { broker }),
        4 => broker_id().prop_map(|broker| Command::RestartBroker { broker }),
        1 => Just(Command::AddBroker),
        3 => (node(), node()).prop_map(|(from, to)| Command::CutLink { from, to }),
        2 => (node(), node()).prop_map(|(from, to)| Command::HealLink { from, to }),
        2 => (
            node(),
            node(),
            prop_oneof![6 => 0u64..=500, 1 => Just(3_600_000u64), 1 => Just(3_600_001u64), 1 => Just(u64::MAX)],
        )
            .prop_map(|(from, to, extra_ms)| Command::SlowLink { from, to, extra_ms }),
        2 => broker_id().prop_map(|broker| Command::IsolateBroker { broker }),
        2 => broker_id().prop_map(|broker| Command::ReconnectBroker { broker }),
        1 => Just(Command::ElectPreferredLeaders),
        16 => consumer_command(),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        100 => command().prop_map(Op::Apply),
        40 => prop_oneof![1 => Just(0u64), 4 => 0u64..=20_000].prop_map(Op::Advance),
        1 => Just(Op::AddBrokersPastLimit),
    ]
}

#[derive(Clone, Debug)]
struct Scenario {
    seed: u64,
    brokers: u32,
    warm_up: bool,
    /// Topics created up front (so that produce commands usually have somewhere to go).
    topics: Vec<Command>,
    /// Consumers added after the topics (so that consumer commands usually have a target).
    consumers: Vec<Command>,
    ops: Vec<Op>,
}

/// A topic that a cluster of `brokers` brokers accepts (unless its random config is invalid).
fn sensible_topic(name: &'static str, brokers: u32) -> impl Strategy<Value = Command> {
    (1u32..=4, 1u32..=brokers.min(3), topic_config()).prop_map(
        move |(partitions, replication_factor, config)| Command::CreateTopic {
            name: name.into(),
            partitions,
            replication_factor,
            config,
        },
    )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (1u32..=4)
        .prop_flat_map(|brokers| {
            (
                any::<u64>(),
                Just(brokers),
                prop::bool::weighted(0.9),
                prop::option::weighted(0.8, sensible_topic("orders", brokers)),
                prop::option::weighted(0.3, sensible_topic("t-1", brokers)),
                prop::collection::vec(sensible_consumer(), 0..=3),
                prop::collection::vec(op(), 0..50),
            )
        })
        .prop_map(
            |(seed, brokers, warm_up, orders, other, consumers, ops)| Scenario {
                seed,
                brokers,
                warm_up,
                topics: orders.into_iter().chain(other).collect(),
                consumers,
                ops,
            },
        )
}

/// A consumer of `orders` in one of two groups (its random configuration may still be refused).
fn sensible_consumer() -> impl Strategy<Value = Command> {
    (
        prop::sample::select(vec!["billing", "audit"]),
        prop::option::weighted(0.7, consumer_config()),
    )
        .prop_map(|(group, config)| Command::AddConsumer {
            group: group.into(),
            topics: vec!["orders".into()],
            config,
        })
}

// ---------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------

struct Run {
    sim: Sim,
    events: Vec<Event>,
    commands: Vec<Command>,
    results: Vec<Result<CommandId, CommandError>>,
}

impl Run {
    fn start(s: &Scenario) -> Run {
        let mut sim = Sim::new(demo(s.brokers), s.seed).expect("valid config");
        if s.warm_up {
            sim.advance_ms(2_000);
        }
        let events = sim.drain_events().collect();
        Run {
            sim,
            events,
            commands: Vec::new(),
            results: Vec::new(),
        }
    }

    /// Applies one command, checking properties 2 and 3 on a refusal.
    fn apply(&mut self, command: Command) -> Result<(), TestCaseError> {
        self.events.extend(self.sim.drain_events());
        let before = Snapshot::of(&self.sim);
        let twin = self.sim.clone();
        let expected = expected_outcome(&self.sim, &command);
        let result = self.sim.apply(command.clone());
        add_consumer_config_fits(&twin, &command, &result)?;
        match (&result, expected) {
            (Ok(_), Some(Err(e))) => {
                return Err(TestCaseError::fail(format!(
                    "{command:?} was accepted, expected {e:?}"
                )));
            }
            (Err(e), Some(Ok(()))) => {
                return Err(TestCaseError::fail(format!(
                    "{command:?} was refused with {e:?}, expected acceptance"
                )));
            }
            (Err(e), Some(Err(want))) => prop_assert_eq!(e, &want, "{:?}", command),
            _ => {}
        }
        if let Err(e) = &result {
            prop_assert!(
                error_fits(&command, e),
                "{:?} refused with unrelated {:?}",
                command,
                e
            );
            let after = Snapshot::of(&self.sim);
            prop_assert!(
                before == after,
                "refused {:?} ({:?}) changed state",
                command,
                e
            );
            let new_events: Vec<Event> = self.sim.drain_events().collect();
            prop_assert!(
                new_events.is_empty(),
                "refused {:?} emitted {:?}",
                command,
                new_events
            );
            // Nothing hidden changed either (the RNG, timers, messages in flight): a copy taken
            // before the refusal and one taken after go on to do exactly the same.
            let (mut was, mut is) = (twin, self.sim.clone());
            was.advance_ms(1_000);
            is.advance_ms(1_000);
            prop_assert!(
                was.drain_events().eq(is.drain_events()),
                "refused {:?} ({:?}) changed what happens next",
                command,
                e
            );
        }
        self.commands.push(command);
        self.results.push(result);
        Ok(())
    }

    /// `advance_ms`, one step at a time so that a runaway (a livelock at one instant, an event
    /// flood) fails the case instead of exhausting memory.
    fn advance(&mut self, ms: u64) -> Result<(), TestCaseError> {
        let until = self.sim.now().plus_ms(ms);
        let (mut instant, mut steps_at_instant) = (self.sim.now(), 0u64);
        while self.sim.next_due().is_some_and(|t| t <= until) {
            self.sim.step();
            if self.sim.now() == instant {
                steps_at_instant += 1;
                prop_assert!(
                    steps_at_instant <= LIVELOCK_STEPS,
                    "livelock: {} steps at {} without time moving",
                    steps_at_instant,
                    instant
                );
            } else {
                (instant, steps_at_instant) = (self.sim.now(), 0);
            }
            if self.sim.steps().is_multiple_of(4_096) {
                self.events.extend(self.sim.drain_events());
                prop_assert!(
                    self.sim.steps() <= STEP_BUDGET && self.events.len() <= EVENT_BUDGET,
                    "runaway: {} steps, {} events by {}",
                    self.sim.steps(),
                    self.events.len(),
                    self.sim.now()
                );
            }
        }
        self.sim.advance_to(until);
        self.events.extend(self.sim.drain_events());
        Ok(())
    }

    fn play(s: &Scenario) -> Result<Run, TestCaseError> {
        let mut run = Run::start(s);
        for c in s.topics.iter().chain(&s.consumers) {
            run.apply(c.clone())?;
        }
        for op in &s.ops {
            match op {
                Op::Apply(c) => run.apply(c.clone())?,
                Op::Advance(ms) => run.advance(*ms)?,
                Op::AddBrokersPastLimit => {
                    while (run.sim.broker_ids().len() as u32) < MAX_BROKERS {
                        run.apply(Command::AddBroker)?;
                        prop_assert!(run.results.last().is_some_and(|r| r.is_ok()));
                    }
                    run.apply(Command::AddBroker)?;
                    prop_assert_eq!(
                        run.results.last(),
                        Some(&Err(CommandError::TooManyBrokers { limit: MAX_BROKERS }))
                    );
                }
            }
        }
        Ok(run)
    }

    /// Restarts every dead broker and stopped consumer, heals every link and slowed link, then
    /// runs 60 s.
    fn heal_and_settle(&mut self) -> Result<(), TestCaseError> {
        let first = self.results.len();
        for b in self.sim.broker_ids() {
            if !self.sim.broker_alive(b) {
                self.apply(Command::RestartBroker { broker: b.0 })?;
            }
        }
        for c in self.sim.consumer_ids() {
            if consumer_running(&self.sim, c.0) == Some(false) {
                self.apply(Command::RestartConsumer { consumer: c.0 })?;
            }
        }
        for b in self.sim.broker_ids() {
            self.apply(Command::ReconnectBroker { broker: b.0 })?;
        }
        for (from, to) in self.sim.cut_links() {
            self.apply(Command::HealLink {
                from: node_ref(from),
                to: node_ref(to),
            })?;
        }
        for ((from, to), _) in self.sim.slowed_links() {
            self.apply(Command::SlowLink {
                from: node_ref(from),
                to: node_ref(to),
                extra_ms: 0,
            })?;
        }
        let refused: Vec<_> = self.results[first..]
            .iter()
            .filter(|r| r.is_err())
            .collect();
        prop_assert!(refused.is_empty(), "healing refused: {:?}", refused);
        prop_assert!(
            self.sim.cut_links().is_empty(),
            "{:?}",
            self.sim.cut_links()
        );
        self.advance(60_000)
    }
}

fn unallowed_violations(events: &[Event]) -> Vec<&Event> {
    events
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

/// A fixed generator seed unless `PROPTEST_RNG_SEED` asks for another one.
fn rng_seed() -> proptest::test_runner::RngSeed {
    if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        ProptestConfig::default().rng_seed
    } else {
        proptest::test_runner::RngSeed::Fixed(0x636f_6d6d_616e_6473)
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        rng_seed: rng_seed(),
        ..ProptestConfig::default()
    })]

    /// Properties 1–5 over one generated stream (run twice for determinism).
    #[test]
    fn arbitrary_command_streams(s in scenario()) {
        let mut first = Run::play(&s)?;
        first.heal_and_settle()?;
        let bad = unallowed_violations(&first.events);
        prop_assert!(
            bad.is_empty(),
            "{} unallowed invariant violations, first: {:?}",
            bad.len(),
            bad.first()
        );

        let mut second = Run::play(&s)?;
        second.heal_and_settle()?;
        prop_assert_eq!(&first.results, &second.results);
        prop_assert!(first.events == second.events, "same seed and stream, different events");
        prop_assert_eq!(first.sim.ledger().counts(), second.sim.ledger().counts());
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases() * 4,
        failure_persistence: None,
        rng_seed: rng_seed(),
        ..ProptestConfig::default()
    })]

    /// Every command reads back from the JSON it writes (scenario files, share links and the JS
    /// API all go through it): the hand-written reader and the derived writer agree.
    #[test]
    fn commands_read_back_from_their_json(c in command()) {
        let json = serde_json::to_value(&c).expect("a command serializes");
        let back: Command = serde_json::from_value(json.clone())
            .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(back, c);
    }
}

// ---------------------------------------------------------------------------------------------
// Targeted refusals
// ---------------------------------------------------------------------------------------------

#[test]
fn replication_factor_larger_than_the_cluster_is_refused() {
    let mut sim = ready(3);
    assert_eq!(
        sim.apply(create("orders", 3, 4, TopicConfig::default())),
        Err(CommandError::InvalidReplicationFactor {
            replication_factor: 4,
            available_brokers: 3
        })
    );
    assert_eq!(
        sim.apply(create("orders", 3, 0, TopicConfig::default())),
        Err(CommandError::InvalidReplicationFactor {
            replication_factor: 0,
            available_brokers: 3
        })
    );
    assert!(
        sim.apply(create("orders", 3, 3, TopicConfig::default()))
            .is_ok()
    );
}

#[test]
fn replication_factor_counts_only_registered_brokers() {
    // At time 0 no broker has registered with the controller yet.
    let mut sim = Sim::new(demo(3), 1).unwrap();
    assert_eq!(
        sim.apply(topic("orders")),
        Err(CommandError::InvalidReplicationFactor {
            replication_factor: 1,
            available_brokers: 0
        })
    );
}

#[test]
fn duplicate_topic_is_refused() {
    let mut sim = ready(3);
    sim.apply(topic("orders")).unwrap();
    assert_eq!(
        sim.apply(create("orders", 5, 2, TopicConfig::default())),
        Err(CommandError::TopicAlreadyExists {
            topic: "orders".into()
        })
    );
    // Names are case-sensitive.
    assert!(sim.apply(topic("Orders")).is_ok());
}

#[test]
fn invalid_topic_names_are_refused() {
    let mut sim = ready(3);
    let long = "x".repeat(250);
    let very_long = "y".repeat(300);
    for name in [
        "",
        ".",
        "..",
        "has space",
        "slash/x",
        "ünï",
        "a:b",
        &long,
        &very_long,
    ] {
        assert_eq!(
            sim.apply(topic(name)),
            Err(CommandError::InvalidTopicName { topic: name.into() }),
            "{name:?}"
        );
    }
    for name in ["...", "a.b_c-D9", &"x".repeat(249)] {
        assert!(sim.apply(topic(name)).is_ok(), "{name:?}");
    }
}

#[test]
fn partition_counts_out_of_range_are_refused() {
    let mut sim = ready(3);
    for partitions in [0, 10_001, 1_000_000_000, u32::MAX] {
        assert_eq!(
            sim.apply(create("orders", partitions, 1, TopicConfig::default())),
            Err(CommandError::InvalidPartitions { partitions })
        );
    }
}

#[test]
fn add_partitions_must_grow_an_existing_topic() {
    let mut sim = ready(3);
    assert_eq!(
        sim.apply(Command::AddPartitions {
            topic: "nope".into(),
            partitions: 4
        }),
        Err(CommandError::UnknownTopic {
            topic: "nope".into()
        })
    );
    sim.apply(create("orders", 3, 2, TopicConfig::default()))
        .unwrap();
    for partitions in [0, 2, 3, 10_001, 1_000_000_000] {
        assert_eq!(
            sim.apply(Command::AddPartitions {
                topic: "orders".into(),
                partitions
            }),
            Err(CommandError::InvalidPartitions { partitions })
        );
    }
    sim.apply(Command::AddPartitions {
        topic: "orders".into(),
        partitions: 5,
    })
    .unwrap();
    assert_eq!(sim.partitions_of("orders").len(), 5);
    // With two brokers down the RF 2 topic cannot grow.
    sim.apply(Command::KillBroker { broker: 1 }).unwrap();
    sim.apply(Command::KillBroker { broker: 2 }).unwrap();
    sim.advance_ms(10_000);
    assert_eq!(
        sim.apply(Command::AddPartitions {
            topic: "orders".into(),
            partitions: 6
        }),
        Err(CommandError::InvalidReplicationFactor {
            replication_factor: 2,
            available_brokers: 1
        })
    );
}

#[test]
fn invalid_topic_configs_are_refused() {
    let mut sim = ready(3);
    let d = TopicConfig::default;
    let cases = [
        (
            TopicConfig {
                min_insync_replicas: Some(0),
                ..d()
            },
            "min.insync.replicas",
        ),
        (
            TopicConfig {
                retention_ms: -2,
                ..d()
            },
            "retention.ms",
        ),
        (
            TopicConfig {
                retention_bytes: i64::MIN,
                ..d()
            },
            "retention.bytes",
        ),
        (
            TopicConfig {
                segment_bytes: 1,
                ..d()
            },
            "segment.bytes",
        ),
        (
            TopicConfig {
                segment_bytes: 13,
                ..d()
            },
            "segment.bytes",
        ),
        (
            TopicConfig {
                segment_ms: 0,
                ..d()
            },
            "segment.ms",
        ),
    ];
    sim.apply(topic("orders")).unwrap();
    for (config, key) in cases {
        assert_eq!(
            config_key(sim.apply(create("t", 1, 1, config.clone()))),
            key
        );
        assert_eq!(
            config_key(sim.apply(Command::AlterTopicConfig {
                topic: "orders".into(),
                config
            })),
            key
        );
    }
    assert_eq!(
        sim.apply(Command::AlterTopicConfig {
            topic: "nope".into(),
            config: d()
        }),
        Err(CommandError::UnknownTopic {
            topic: "nope".into()
        })
    );
    // Kafka accepts min.insync.replicas above the replication factor, and -1 for "no limit".
    let lenient = TopicConfig {
        min_insync_replicas: Some(5),
        retention_ms: -1,
        retention_bytes: -1,
        segment_bytes: 14,
        ..d()
    };
    assert!(sim.apply(create("t", 1, 1, lenient)).is_ok());
}

#[test]
fn broker_lifecycle_refusals() {
    let mut sim = ready(3);
    sim.apply(Command::KillBroker { broker: 2 }).unwrap();
    assert_eq!(
        sim.apply(Command::KillBroker { broker: 2 }),
        Err(CommandError::BrokerNotRunning { broker: 2 })
    );
    assert_eq!(
        sim.apply(Command::RestartBroker { broker: 3 }),
        Err(CommandError::BrokerAlreadyRunning { broker: 3 })
    );
    sim.apply(Command::RestartBroker { broker: 2 }).unwrap();
    for broker in [0, 4, 999, u32::MAX] {
        for c in [
            Command::KillBroker { broker },
            Command::RestartBroker { broker },
            Command::IsolateBroker { broker },
            Command::ReconnectBroker { broker },
        ] {
            assert_eq!(
                sim.apply(c.clone()),
                Err(CommandError::UnknownBroker { broker }),
                "{c:?}"
            );
        }
    }
}

#[test]
fn add_broker_stops_at_the_limit() {
    let mut sim = ready(3);
    for i in 4..=MAX_BROKERS {
        sim.apply(Command::AddBroker).unwrap();
        assert_eq!(sim.broker_ids().last(), Some(&BrokerId(i)));
    }
    assert_eq!(
        sim.apply(Command::AddBroker),
        Err(CommandError::TooManyBrokers { limit: MAX_BROKERS })
    );
    assert_eq!(sim.broker_ids().len(), MAX_BROKERS as usize);
}

#[test]
fn producer_refusals() {
    let mut sim = ready(3);
    sim.apply(create("orders", 2, 3, TopicConfig::default()))
        .unwrap();
    sim.apply(create(
        "compacted",
        1,
        3,
        TopicConfig {
            cleanup_policy: CleanupPolicy::Compact,
            ..TopicConfig::default()
        },
    ))
    .unwrap();
    let produce =
        |producer: u32, topic: &str, key: Option<&str>, partition: Option<u32>| Command::Produce {
            producer,
            topic: topic.into(),
            key: key.map(String::from),
            value: Some("v".into()),
            partition,
        };
    assert_eq!(
        sim.apply(produce(1, "orders", Some("k"), None)),
        Err(CommandError::UnknownProducer { producer: 1 })
    );
    assert_eq!(
        sim.apply(produce(0, "nope", Some("k"), None)),
        Err(CommandError::UnknownTopic {
            topic: "nope".into()
        })
    );
    assert_eq!(
        sim.apply(produce(0, "orders", Some("k"), Some(2))),
        Err(CommandError::UnknownPartition {
            topic: "orders".into(),
            partition: 2
        })
    );
    assert_eq!(
        sim.apply(produce(0, "compacted", None, None)),
        Err(CommandError::KeylessRecordOnCompactedTopic {
            topic: "compacted".into()
        })
    );
    let many = |count: u32, keys: u32, value_bytes: u32| Command::ProduceMany {
        producer: 0,
        topic: "orders".into(),
        count,
        keys,
        value_bytes,
    };
    assert_eq!(
        sim.apply(many(10_000_001, 0, 16)),
        Err(CommandError::OutOfRange {
            what: "count".into(),
            value: 10_000_001,
            max: 10_000_000
        })
    );
    assert_eq!(
        sim.apply(many(1, 0, 1_000_001)),
        Err(CommandError::OutOfRange {
            what: "value_bytes".into(),
            value: 1_000_001,
            max: 1_000_000
        })
    );
    assert!(sim.apply(many(3, 2, 1_000_000)).is_ok());
    // The default producer is idempotent: acks=1 turns idempotence off instead of being refused.
    assert!(
        sim.apply(Command::SetAcks {
            producer: 0,
            acks: Acks::One
        })
        .is_ok()
    );
    assert_eq!(
        sim.apply(Command::SetAcks {
            producer: 999,
            acks: Acks::All
        }),
        Err(CommandError::UnknownProducer { producer: 999 })
    );
    let idempotent_acks_1 = ProducerConfig {
        acks: Acks::One,
        enable_idempotence: true,
        ..ProducerConfig::default()
    };
    assert_eq!(
        config_key(sim.apply(Command::AddProducer {
            config: Some(idempotent_acks_1)
        })),
        "acks"
    );
    let too_short = ProducerConfig {
        linger_ms: 10,
        request_timeout_ms: 30_000,
        delivery_timeout_ms: 30_000,
        ..ProducerConfig::default()
    };
    assert_eq!(
        config_key(sim.apply(Command::AddProducer {
            config: Some(too_short)
        })),
        "delivery.timeout.ms"
    );
}

#[test]
fn link_refusals() {
    let mut sim = ready(3);
    for node in [
        NodeRef::Controller,
        NodeRef::Broker(1),
        NodeRef::Producer(0),
    ] {
        for c in [
            Command::CutLink {
                from: node,
                to: node,
            },
            Command::HealLink {
                from: node,
                to: node,
            },
            Command::SlowLink {
                from: node,
                to: node,
                extra_ms: 10,
            },
        ] {
            assert_eq!(sim.apply(c), Err(CommandError::InvalidLink));
        }
    }
    assert_eq!(
        sim.apply(Command::CutLink {
            from: NodeRef::Broker(999),
            to: NodeRef::Broker(1)
        }),
        Err(CommandError::UnknownBroker { broker: 999 })
    );
    assert_eq!(
        sim.apply(Command::CutLink {
            from: NodeRef::Broker(1),
            to: NodeRef::Producer(7)
        }),
        Err(CommandError::UnknownProducer { producer: 7 })
    );
    assert_eq!(
        sim.apply(Command::SlowLink {
            from: NodeRef::Broker(1),
            to: NodeRef::Broker(2),
            extra_ms: u64::MAX
        }),
        Err(CommandError::OutOfRange {
            what: "extra_ms".into(),
            value: u64::MAX,
            max: 3_600_000
        })
    );
    assert!(
        sim.apply(Command::SlowLink {
            from: NodeRef::Broker(1),
            to: NodeRef::Broker(2),
            extra_ms: 3_600_000
        })
        .is_ok()
    );
}

#[test]
fn refused_commands_leave_no_trace() {
    let mut sim = ready(3);
    sim.apply(create("orders", 2, 3, TopicConfig::default()))
        .unwrap();
    sim.apply(Command::ProduceMany {
        producer: 0,
        topic: "orders".into(),
        count: 10,
        keys: 3,
        value_bytes: 16,
    })
    .unwrap();
    sim.advance_ms(1_000);
    sim.drain_events().for_each(drop);
    let before = Snapshot::of(&sim);
    let refused = [
        create("orders", 1, 1, TopicConfig::default()),
        Command::KillBroker { broker: 0 },
        Command::RestartBroker { broker: 1 },
        Command::AddPartitions {
            topic: "orders".into(),
            partitions: 1,
        },
        Command::ProduceMany {
            producer: 0,
            topic: "orders".into(),
            count: u32::MAX,
            keys: 0,
            value_bytes: 1,
        },
    ];
    for c in refused {
        assert!(sim.apply(c).is_err());
        assert_eq!(sim.drain_events().count(), 0);
    }
    assert!(before == Snapshot::of(&sim));
    // Command ids count accepted commands only.
    assert_eq!(sim.apply(Command::ElectPreferredLeaders), Ok(CommandId(3)));
}

fn add_consumer(group: &str, topics: &[&str], config: Option<ConsumerConfig>) -> Command {
    Command::AddConsumer {
        group: group.into(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        config,
    }
}

#[test]
fn consumer_refusals() {
    let mut sim = ready(3);
    sim.apply(create("orders", 2, 3, TopicConfig::default()))
        .unwrap();
    for consumer in [0, 1, 999, u32::MAX] {
        for c in [
            Command::StopConsumer { consumer },
            Command::CrashConsumer { consumer },
            Command::RestartConsumer { consumer },
        ] {
            assert_eq!(
                sim.apply(c.clone()),
                Err(CommandError::UnknownConsumer { consumer }),
                "{c:?}"
            );
        }
    }
    for group in [String::new(), "g".repeat(256), "ü".repeat(256)] {
        assert_eq!(
            sim.apply(add_consumer(&group, &["orders"], None)),
            Err(CommandError::InvalidGroupId {
                group: group.clone()
            })
        );
    }
    assert_eq!(
        sim.apply(add_consumer("billing", &[], None)),
        Err(CommandError::NoTopics)
    );
    assert_eq!(
        sim.apply(add_consumer("billing", &["orders", "nope"], None)),
        Err(CommandError::UnknownTopic {
            topic: "nope".into()
        })
    );
    let d = ConsumerConfig::demo_timing;
    for (config, key) in [
        (
            ConsumerConfig {
                heartbeat_interval_ms: 6_000,
                session_timeout_ms: 6_000,
                ..d()
            },
            "heartbeat.interval.ms",
        ),
        (
            ConsumerConfig {
                max_poll_records: 0,
                ..d()
            },
            "max.poll.records",
        ),
        (
            ConsumerConfig {
                max_poll_interval_ms: 0,
                ..d()
            },
            "max.poll.interval.ms",
        ),
        (
            ConsumerConfig {
                partition_assignment_strategy: Vec::new(),
                ..d()
            },
            "partition.assignment.strategy",
        ),
        (
            ConsumerConfig {
                processing_ms_per_record: 3_600_001,
                ..d()
            },
            "processing.ms.per.record",
        ),
    ] {
        assert_eq!(
            config_key(sim.apply(add_consumer("billing", &["orders"], Some(config)))),
            key
        );
    }
    // 255 characters (510 bytes) is a valid group.id; the same topic twice is one subscription.
    let long = "ü".repeat(255);
    assert!(sim.apply(add_consumer(&long, &["orders"], None)).is_ok());
    assert!(
        sim.apply(add_consumer("billing", &["orders", "orders"], None))
            .is_ok()
    );
    sim.advance_ms(10_000);
    assert_eq!(
        sim.apply(Command::RestartConsumer { consumer: 1 }),
        Err(CommandError::ConsumerAlreadyRunning { consumer: 1 })
    );
    sim.apply(Command::CrashConsumer { consumer: 1 }).unwrap();
    for c in [
        Command::StopConsumer { consumer: 1 },
        Command::CrashConsumer { consumer: 1 },
    ] {
        assert_eq!(
            sim.apply(c),
            Err(CommandError::ConsumerNotRunning { consumer: 1 })
        );
    }
    sim.apply(Command::RestartConsumer { consumer: 1 }).unwrap();
    // Links to consumers.
    assert_eq!(
        sim.apply(Command::CutLink {
            from: NodeRef::Consumer(1),
            to: NodeRef::Consumer(1)
        }),
        Err(CommandError::InvalidLink)
    );
    assert_eq!(
        sim.apply(Command::CutLink {
            from: NodeRef::Consumer(7),
            to: NodeRef::Broker(999)
        }),
        Err(CommandError::UnknownConsumer { consumer: 7 })
    );
    assert_eq!(
        sim.apply(Command::SlowLink {
            from: NodeRef::Broker(1),
            to: NodeRef::Consumer(7),
            extra_ms: 10
        }),
        Err(CommandError::UnknownConsumer { consumer: 7 })
    );
    assert!(
        sim.apply(Command::CutLink {
            from: NodeRef::Consumer(0),
            to: NodeRef::Consumer(1)
        })
        .is_ok()
    );
}

#[test]
fn no_broker_yet_means_no_consumer() {
    // With every broker down (fenced) before the first consumer, `__consumer_offsets` cannot be
    // created.
    let mut fresh = Sim::new(demo(3), 1).unwrap();
    fresh.advance_ms(2_000);
    fresh.apply(topic("orders")).unwrap();
    for b in 1..=3 {
        fresh.apply(Command::KillBroker { broker: b }).unwrap();
    }
    fresh.advance_ms(10_000);
    assert_eq!(
        fresh.apply(add_consumer("billing", &["orders"], None)),
        Err(CommandError::NoBrokersAvailable)
    );
}

#[test]
fn refused_consumer_commands_leave_no_trace() {
    let mut sim = ready(3);
    sim.apply(create("orders", 2, 3, TopicConfig::default()))
        .unwrap();
    sim.apply(add_consumer("billing", &["orders"], None))
        .unwrap();
    sim.apply(Command::ProduceMany {
        producer: 0,
        topic: "orders".into(),
        count: 10,
        keys: 3,
        value_bytes: 16,
    })
    .unwrap();
    sim.advance_ms(10_000);
    sim.drain_events().for_each(drop);
    let before = Snapshot::of(&sim);
    let twin = sim.clone();
    let refused = [
        add_consumer("", &["orders"], None),
        add_consumer("billing", &[], None),
        add_consumer("billing", &["nope"], None),
        add_consumer(
            "billing",
            &["orders"],
            Some(ConsumerConfig {
                heartbeat_interval_ms: 10_000,
                ..ConsumerConfig::demo_timing()
            }),
        ),
        Command::StopConsumer { consumer: 5 },
        Command::RestartConsumer { consumer: 0 },
        Command::CutLink {
            from: NodeRef::Consumer(0),
            to: NodeRef::Consumer(0),
        },
        Command::HealLink {
            from: NodeRef::Consumer(3),
            to: NodeRef::Broker(1),
        },
    ];
    for c in refused {
        assert!(sim.apply(c.clone()).is_err(), "{c:?}");
        assert_eq!(sim.drain_events().count(), 0);
    }
    assert!(before == Snapshot::of(&sim));
    let (mut was, mut is) = (twin, sim);
    was.advance_ms(5_000);
    is.advance_ms(5_000);
    assert!(was.drain_events().eq(is.drain_events()));
}

/// Found while modelling the consumer commands. `Sim::consumer_alive` reads the simulator's
/// liveness table, which `StopConsumer` updates only when the consumer stops at once: a consumer
/// that is processing a batch finishes it first, then stops, and the table still says it runs.
/// `consumer_alive` then disagrees with the group view and with `apply` (which refuses
/// StopConsumer with ConsumerNotRunning and accepts RestartConsumer), and the network still
/// delivers messages and timers to the stopped consumer.
#[test]
fn consumer_alive_follows_a_deferred_stop() {
    let mut sim = ready(3);
    sim.apply(create("orders", 1, 3, TopicConfig::default()))
        .unwrap();
    let slow = ConsumerConfig {
        processing_ms_per_record: 20,
        max_poll_records: 50,
        ..ConsumerConfig::demo_timing()
    };
    sim.apply(add_consumer("billing", &["orders"], Some(slow)))
        .unwrap();
    sim.advance_ms(5_000);
    sim.apply(Command::ProduceMany {
        producer: 0,
        topic: "orders".into(),
        count: 200,
        keys: 10,
        value_bytes: 16,
    })
    .unwrap();
    sim.advance_ms(500);
    assert_eq!(sim.group_views()[0].members[0].client_state, "processing");
    sim.apply(Command::StopConsumer { consumer: 0 }).unwrap();
    sim.advance_ms(5_000);
    assert!(
        !sim.group_views()[0].members[0].alive,
        "stopped after the batch"
    );
    assert_eq!(
        sim.apply(Command::StopConsumer { consumer: 0 }),
        Err(CommandError::ConsumerNotRunning { consumer: 0 })
    );
    assert!(
        !sim.consumer_alive(ConsumerId(0)),
        "consumer_alive says the stopped consumer runs"
    );
}

/// Found while modelling the consumer configuration. Kafka's `ConsumerConfig` accepts 0 for
/// `auto.commit.interval.ms`, `request.timeout.ms` and `retry.backoff.ms` (`atLeast(0)`), and
/// `heartbeat.interval.ms` has no validator besides being below `session.timeout.ms`;
/// `ConsumerConfig::validate` refuses all four ("must be at least 1"). The producer accepts
/// `retry.backoff.ms = 0` and clamps it internally; the consumer could do the same.
#[test]
fn consumer_config_accepts_what_kafka_accepts() {
    let mut sim = ready(3);
    sim.apply(topic("orders")).unwrap();
    let d = ConsumerConfig::demo_timing;
    for config in [
        ConsumerConfig {
            auto_commit_interval_ms: 0,
            ..d()
        },
        ConsumerConfig {
            request_timeout_ms: 0,
            ..d()
        },
        ConsumerConfig {
            retry_backoff_ms: 0,
            ..d()
        },
        ConsumerConfig {
            heartbeat_interval_ms: 0,
            ..d()
        },
    ] {
        let result = sim.apply(add_consumer("billing", &["orders"], Some(config.clone())));
        assert!(result.is_ok(), "{result:?} for {config:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: bugs `arbitrary_command_streams` found, minimised
// ---------------------------------------------------------------------------------------------

/// Found by `arbitrary_command_streams` (fixed in b405e6d): a follower below a compaction gap on
/// its leader used to be stuck for ever, `PartitionLog::append` insisting on
/// `offset == log_end_offset` (`OffsetsContiguous` on every fetch, never back in the ISR).
#[test]
fn follower_catches_up_across_a_compaction_gap() {
    let mut sim = Sim::new(demo(2), 0).unwrap();
    sim.advance_ms(2_000);
    let compact = TopicConfig {
        cleanup_policy: CleanupPolicy::Compact,
        segment_bytes: 14, // one record per segment
        ..TopicConfig::default()
    };
    sim.apply(create("orders", 1, 2, compact)).unwrap();
    sim.advance_ms(1_000);
    let tp = sim.partitions_of("orders")[0];
    let v = sim.partition_view(tp).unwrap();
    let leader = v.leader.unwrap();
    let follower = *v.assignment.iter().find(|b| **b != leader).unwrap();
    sim.apply(Command::IsolateBroker { broker: follower.0 })
        .unwrap();
    // Three records with the same key: compaction on the leader removes offset 0.
    sim.apply(Command::ProduceMany {
        producer: 0,
        topic: "orders".into(),
        count: 3,
        keys: 1,
        value_bytes: 0,
    })
    .unwrap();
    sim.advance_ms(20_000);
    sim.apply(Command::ReconnectBroker { broker: follower.0 })
        .unwrap();
    sim.advance_ms(20_000);
    let violations: Vec<Event> = sim
        .drain_events()
        .filter(|e| matches!(e.kind, EventKind::InvariantViolated { .. }))
        .collect();
    assert!(
        violations.is_empty(),
        "{} violations, first: {:?}",
        violations.len(),
        violations.first()
    );
    let v = sim.partition_view(tp).unwrap();
    assert_eq!(v.replica(follower).unwrap().log_end_offset, Offset(3));
    assert!(v.isr.contains(&follower), "{v:?}");
}

/// Fixed in f0b7808. With `retry.backoff.ms = 0` (valid, as in Kafka), a record sent before the
/// producer knew the partition's leader made `Producer::drain` request metadata and set its
/// `RetryBackoff` timer 0 ms ahead, which drained again, for ever: simulated time stopped and
/// every round queued another `MetadataRequest` until memory ran out.
#[test]
fn zero_retry_backoff_does_not_stop_time() {
    let mut sim = ready(1);
    sim.apply(topic("orders")).unwrap();
    sim.apply(Command::AddProducer {
        config: Some(ProducerConfig {
            retry_backoff_ms: 0,
            ..ProducerConfig::default()
        }),
    })
    .unwrap();
    // Sent at once: producer 1 has no metadata for `orders` yet.
    sim.apply(Command::Produce {
        producer: 1,
        topic: "orders".into(),
        key: Some("k".into()),
        value: Some("v".into()),
        partition: None,
    })
    .unwrap();
    let start = sim.now();
    for _ in 0..100_000 {
        if sim.step().is_none() || sim.now() > start {
            break;
        }
    }
    assert!(
        sim.now() > start,
        "100000 steps without simulated time moving past {start}"
    );
}

/// Fixed in f0b7808. `ProduceMany.keys` was not range-checked and `Sim::execute` interned all
/// `keys` keys up front although `count` records use at most `count` of them:
/// `ProduceMany { count: 1, keys: u32::MAX }` was accepted and then interned 4.3 billion keys
/// (hours in a debug build, hundreds of GB).
#[test]
fn produce_many_with_a_huge_key_count_is_refused_or_cheap() {
    let (tx, rx) = std::sync::mpsc::channel();
    // On a thread, so that the test fails after a few seconds instead of exhausting memory.
    std::thread::spawn(move || {
        let mut sim = ready(1);
        sim.apply(topic("orders")).unwrap();
        let result = sim.apply(Command::ProduceMany {
            producer: 0,
            topic: "orders".into(),
            count: 1,
            keys: u32::MAX,
            value_bytes: 1,
        });
        let _ = tx.send((result, sim.ledger().counts().sent));
    });
    match rx.recv_timeout(std::time::Duration::from_secs(5)) {
        Ok((Err(CommandError::OutOfRange { what, .. }), 0)) => assert_eq!(what, "keys"),
        Ok((Ok(_), sent)) => assert_eq!(sent, 1),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(_) => panic!("ProduceMany {{ count: 1, keys: u32::MAX }} still running after 5 s"),
    }
}
