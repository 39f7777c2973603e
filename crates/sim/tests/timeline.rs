//! Time travel: seeking backward and forward through a run gives exactly the state a straight
//! run has at that moment, and a run exported as a scenario replays to the same state.

use kafka_sim::timeline::Timeline;
use kafka_sim::*;

/// Everything observable, for comparing two runs at one moment.
#[derive(Debug, PartialEq)]
struct Snapshot {
    now: SimTime,
    steps: u64,
    records: Vec<kafka_sim::ledger::LedgerRecord>,
    partitions: Vec<Option<kafka_sim::view::PartitionView>>,
    groups: Vec<kafka_sim::view::GroupView>,
    brokers: Vec<(BrokerId, bool, bool)>,
}

fn snapshot(sim: &Sim) -> Snapshot {
    let partitions = sim
        .catalog()
        .topics()
        .iter()
        .flat_map(|t| sim.partitions_of(&t.name))
        .map(|tp| sim.partition_view(tp))
        .collect();
    Snapshot {
        now: sim.now(),
        steps: sim.steps(),
        records: sim.ledger().records().to_vec(),
        partitions,
        groups: sim.group_views(),
        brokers: sim.broker_states(),
    }
}

/// A small deterministic op generator (xorshift), so each seed gives a different session.
struct Ops(u64);
impl Ops {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A session like a page user's: a topic, a group, produce, kill and restart brokers, crash and
/// restart consumers, with time passing in between.
fn session(seed: u64) -> Timeline {
    let mut t = Timeline::with_checkpoint_every(SimConfig::demo_timing(), seed, 2_000).unwrap();
    t.advance_to(SimTime(1_500));
    t.apply(Command::CreateTopic {
        name: "orders".into(),
        partitions: 3,
        replication_factor: 3,
        config: TopicConfig::default(),
    })
    .unwrap();
    t.advance_to(SimTime(2_500));
    for _ in 0..3 {
        t.apply(Command::AddConsumer {
            group: "analytics".into(),
            topics: vec!["orders".into()],
            config: None,
        })
        .unwrap();
    }
    let mut ops = Ops(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    for _ in 0..40 {
        let now = t.now();
        t.advance_to(now.plus_ms(ops.below(1_500)));
        let cmd = match ops.below(10) {
            0 => Command::KillBroker {
                broker: 1 + ops.below(3) as u32,
            },
            1 => Command::RestartBroker {
                broker: 1 + ops.below(3) as u32,
            },
            2 => Command::CrashConsumer {
                consumer: ops.below(3) as u32,
            },
            3 => Command::RestartConsumer {
                consumer: ops.below(3) as u32,
            },
            _ => Command::Produce {
                producer: 0,
                topic: "orders".into(),
                key: Some(format!("customer_{}", ops.below(20))),
                value: Some("order".into()),
                partition: None,
            },
        };
        let _ = t.apply(cmd); // refusals (killing a dead broker …) are not logged
    }
    let end = t.now().plus_ms(10_000);
    t.advance_to(end);
    t
}

/// The same commands applied to a fresh `Sim` straight through, stopped at `at`.
fn straight(t: &Timeline, at: SimTime) -> Sim {
    let scenario = t.to_scenario("");
    let (sim, refused) = scenario.run(Some(at)).expect("runs");
    assert!(
        refused.is_empty(),
        "logged commands replay without refusal: {refused:?}"
    );
    sim
}

#[test]
fn seeking_anywhere_gives_the_state_of_a_straight_run() {
    for seed in 1..=6 {
        let mut t = session(seed);
        let end = t.now();
        assert!(
            t.checkpoint_count() > 3,
            "checkpoints are taken as time passes"
        );
        let mut ops = Ops(seed + 99);
        for _ in 0..6 {
            let at = SimTime(ops.below(end.0 + 1));
            t.seek(at);
            assert_eq!(
                snapshot(t.sim()),
                snapshot(&straight(&t, at)),
                "seed {seed}: seek to {at:?}"
            );
        }
        t.seek(end);
        assert_eq!(
            snapshot(t.sim()),
            snapshot(&straight(&t, end)),
            "seed {seed}: back at the end"
        );
    }
}

#[test]
fn acting_in_the_past_discards_the_future() {
    let mut t = session(3);
    let end = t.now();
    let before = t.commands().len();
    let middle = SimTime(end.0 / 2);
    t.seek(middle);
    let kept = t.commands().iter().filter(|c| c.at <= middle).count();
    assert!(kept < before, "the session has commands after its middle");
    t.apply(Command::AddBroker).unwrap();
    assert_eq!(
        t.commands().len(),
        kept + 1,
        "future commands were dropped, the new one logged"
    );
    assert_eq!(t.commands().last().map(|c| c.at), Some(middle));
    let later = middle.plus_ms(5_000);
    t.advance_to(later);
    assert_eq!(snapshot(t.sim()), snapshot(&straight(&t, later)));
}

#[test]
fn a_scenario_round_trips_through_a_timeline() {
    let t = session(5);
    let scenario = t.to_scenario("round trip");
    let json = serde_json::to_string(&scenario).unwrap();
    let parsed = Scenario::from_json(&json).unwrap();
    let mut again = Timeline::from_scenario(&parsed).unwrap();
    again.seek(t.now());
    assert_eq!(snapshot(again.sim()), snapshot(t.sim()));
}

/// A busy run: the load generator at 1,000 records/s over a topic with short retention and a
/// compacted one, a group reading both, a broker killed and restarted — so the ledger, every
/// replica's log and the checker's histories fill many shared chunks, drop old ones (retention),
/// rewrite them (compaction) and cut them back (truncation) while checkpoints hold earlier versions.
fn busy_session(seed: u64) -> Timeline {
    use kafka_sim::scenario::load_generator::LoadSetting;
    let mut t = Timeline::with_checkpoint_every(SimConfig::demo_timing(), seed, 1_000).unwrap();
    t.advance_to(SimTime(1_500));
    let short = TopicConfig {
        retention_ms: 4_000,
        segment_ms: 1_000,
        ..TopicConfig::default()
    };
    let compacted = TopicConfig {
        cleanup_policy: CleanupPolicy::Compact,
        segment_ms: 1_000,
        ..TopicConfig::default()
    };
    for (name, config) in [("orders", short), ("profiles", compacted)] {
        t.apply(Command::CreateTopic {
            name: name.into(),
            partitions: 2,
            replication_factor: 3,
            config,
        })
        .unwrap();
    }
    t.advance_to(SimTime(2_500));
    for _ in 0..2 {
        t.apply(Command::AddConsumer {
            group: "analytics".into(),
            topics: vec!["orders".into(), "profiles".into()],
            config: None,
        })
        .unwrap();
    }
    t.set_load(LoadSetting {
        at: t.now(),
        rate: 1_000,
        keys: 40,
        topics: vec!["orders".into(), "profiles".into()],
        producer: 0,
    });
    let kill_at = SimTime(9_000 + (seed % 3) * 1_000);
    t.advance_to(kill_at);
    t.apply(Command::KillBroker { broker: 2 }).unwrap();
    t.advance_to(kill_at.plus_ms(6_000));
    t.apply(Command::RestartBroker { broker: 2 }).unwrap();
    t.advance_to(SimTime(30_000));
    t
}

#[test]
fn checkpoints_keep_their_records_while_a_busy_run_writes_on() {
    for seed in 1..=2 {
        let mut t = busy_session(seed);
        let end = t.now();
        let produced = t.sim().ledger().counts().sent;
        assert!(
            produced > 20_000,
            "seed {seed}: a busy run ({produced} sent)"
        );
        // Retention dropped old entries of `orders`, compaction removed some of `profiles`.
        let view = |topic: &str| {
            let tp = t.sim().partitions_of(topic)[0];
            t.sim().partition_view(tp).unwrap().replicas[0].clone()
        };
        assert!(
            view("orders").log_start_offset.0 > 0,
            "seed {seed}: retention ran"
        );
        let profiles = view("profiles");
        let span = profiles.log_end_offset.0 - profiles.log_start_offset.0;
        assert!(
            (profiles.records.len() as u64) < span,
            "seed {seed}: compaction ran ({} entries over {span} offsets)",
            profiles.records.len()
        );
        let mut ops = Ops(seed + 7);
        // Backward and forward, each time from wherever the last seek left the run.
        for _ in 0..4 {
            let at = SimTime(ops.below(end.0 + 1));
            t.seek(at);
            let straight = straight(&t, at);
            assert_eq!(
                snapshot(t.sim()),
                snapshot(&straight),
                "seed {seed}: seek to {at:?}"
            );
            assert_eq!(
                t.sim().ledger().consumption_counts("analytics"),
                straight.ledger().consumption_counts("analytics"),
                "seed {seed}: the group's tallies at {at:?}"
            );
        }
    }
}
