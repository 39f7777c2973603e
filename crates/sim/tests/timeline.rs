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
