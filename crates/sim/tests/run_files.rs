//! A run as a file: a session recorded through a `Timeline` (commands, load-generator settings,
//! time passing) exports to scenario JSON that replays to the identical event stream, and every
//! malformed file is refused with an error that names the problem.
#![cfg(not(target_arch = "wasm32"))]

use kafka_sim::scenario::load_generator::{LoadSetting, MAX_LOAD_RATE};
use kafka_sim::scenario::{MAX_RUN_MS, Story};
use kafka_sim::timeline::Timeline;
use kafka_sim::*;
use proptest::prelude::*;

/// One thing a page user does.
#[derive(Clone, Debug)]
enum Op {
    Wait(u64),
    Produce(u8),
    Kill(u32),
    Restart(u32),
    Crash(u32),
    RestartConsumer(u32),
    Load { rate: u32, keys: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u64..3_000).prop_map(Op::Wait),
        2 => any::<u8>().prop_map(Op::Produce),
        1 => (1u32..=3).prop_map(Op::Kill),
        1 => (1u32..=3).prop_map(Op::Restart),
        1 => (0u32..3).prop_map(Op::Crash),
        1 => (0u32..3).prop_map(Op::RestartConsumer),
        1 => (prop_oneof![Just(0u32), 1u32..50, Just(2_000)], prop_oneof![Just(0u32), Just(5), Just(500)])
            .prop_map(|(rate, keys)| Op::Load { rate, keys }),
    ]
}

fn command(op: &Op) -> Option<Command> {
    Some(match op {
        Op::Produce(k) => Command::Produce {
            producer: 0,
            topic: "orders".into(),
            key: Some(format!("customer_{}", k % 20)),
            value: Some("order".into()),
            partition: None,
        },
        Op::Kill(b) => Command::KillBroker { broker: *b },
        Op::Restart(b) => Command::RestartBroker { broker: *b },
        Op::Crash(c) => Command::CrashConsumer { consumer: *c },
        Op::RestartConsumer(c) => Command::RestartConsumer { consumer: *c },
        Op::Wait(_) | Op::Load { .. } => return None,
    })
}

/// Records a session as the page does: every action through the timeline, the events drained
/// as they come. Returns the timeline and every event of the run.
fn record(seed: u64, ops: &[Op]) -> (Timeline, Vec<Event>) {
    let mut t = Timeline::new(SimConfig::demo_timing(), seed).unwrap();
    let mut events = Vec::new();
    t.advance_to(SimTime(1_500));
    t.apply(Command::CreateTopic {
        name: "orders".into(),
        partitions: 3,
        replication_factor: 3,
        config: TopicConfig::default(),
    })
    .unwrap();
    for _ in 0..3 {
        t.apply(Command::AddConsumer {
            group: "analytics".into(),
            topics: vec!["orders".into()],
            config: None,
        })
        .unwrap();
    }
    for op in ops {
        match op {
            Op::Wait(ms) => {
                // In frame-sized pieces, as the page advances.
                let end = t.now().plus_ms(*ms);
                while t.now() < end {
                    let next = t.now().plus_ms(17).min(end);
                    t.advance_to(next);
                    events.extend(t.drain_events());
                }
            }
            Op::Load { rate, keys } => t.set_load(LoadSetting {
                at: SimTime::ZERO,
                rate: *rate,
                keys: *keys,
                topics: vec!["orders".into()],
                producer: 0,
            }),
            other => {
                let _ = t.apply(command(other).expect("a command")); // refusals are not logged
            }
        }
        events.extend(t.drain_events());
    }
    let end = t.now().plus_ms(2_000);
    t.advance_to(end);
    events.extend(t.drain_events());
    (t, events)
}

/// The events of a scenario run straight through.
fn replay(scenario: &Scenario) -> Vec<Event> {
    let (mut sim, refused) = scenario.run(None).expect("runs");
    assert!(refused.is_empty(), "logged commands replay: {refused:?}");
    sim.drain_events().collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x7275_6e73),
        ..ProptestConfig::default()
    })]

    /// run → JSON → run gives the identical event stream, and the JSON reads back equal.
    #[test]
    fn a_recorded_run_round_trips_through_json(seed in 1u64..1_000, ops in proptest::collection::vec(op(), 1..30)) {
        let (t, live) = record(seed, &ops);
        let exported = t.to_scenario("round trip");
        let json = exported.to_json();
        let imported = Scenario::from_json(&json).expect("its own export reads back");
        prop_assert_eq!(&imported, &exported);
        let replayed = replay(&imported);
        prop_assert_eq!(replayed.len(), live.len());
        prop_assert!(replayed == live, "event streams differ");
    }
}

#[test]
fn a_busy_load_generator_is_a_few_lines_not_a_command_per_record() {
    let ops = [
        Op::Load {
            rate: 2_000,
            keys: 500,
        },
        Op::Wait(10_000),
    ];
    let (t, live) = record(7, &ops);
    let sent = t.sim().ledger().counts().sent;
    assert!(sent >= 19_990, "2,000 records/s for 10 s: {sent}");
    let scenario = t.to_scenario("");
    assert_eq!(scenario.load_generator.len(), 1);
    assert_eq!(scenario.commands.len(), 4, "topic and three consumers");
    assert!(scenario.to_json().len() < 8_000);
    assert!(replay(&scenario) == live);
}

#[test]
fn a_goal_is_watched_live_and_after_seeking_back() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../www/scenarios/acks-1-leader-failover.json"
    ))
    .unwrap();
    let scenario = Scenario::from_json(&text).unwrap();
    let mut t = Timeline::from_scenario(&scenario).unwrap();
    assert_eq!(t.now(), SimTime::ZERO);
    assert_eq!(t.goal_holds(), Some(false));
    t.seek(SimTime(25_000));
    assert_eq!(t.goal_holds(), Some(true), "leader moved, writes lost");
    t.seek(SimTime(2_000));
    assert_eq!(t.goal_holds(), Some(false), "back before the failure");
    t.advance_to(SimTime(25_000));
    assert_eq!(t.goal_holds(), Some(true));
    // The story travels with the run.
    let again = t.to_scenario("");
    assert_eq!(again.goal, scenario.goal);
    assert_eq!(again.steps, scenario.steps);
    assert_eq!(again.title, scenario.title);
    let no_story = Timeline::new(SimConfig::default(), 1).unwrap();
    assert_eq!(no_story.goal_holds(), None);
    assert_eq!(no_story.story(), &Story::default());
}

#[test]
fn a_preset_replays_to_the_state_of_a_straight_run() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../www/scenarios/broker-failover.json"
    ))
    .unwrap();
    let scenario = Scenario::from_json(&text).unwrap();
    let mut t = Timeline::from_scenario(&scenario).unwrap();
    for at in [29_000, 3_000, 17_000, 0, 22_470] {
        t.seek(SimTime(at));
        let (straight, _) = scenario.run(Some(SimTime(at))).unwrap();
        assert_eq!(
            t.sim().ledger().records(),
            straight.ledger().records(),
            "at {at}"
        );
        assert_eq!(t.sim().group_views(), straight.group_views(), "at {at}");
        assert_eq!(t.sim().steps(), straight.steps(), "at {at}");
    }
}

#[test]
fn step_takes_one_item_or_one_due_record_at_a_time() {
    let mut t = Timeline::new(SimConfig::demo_timing(), 3).unwrap();
    t.advance_to(SimTime(1_500));
    t.apply(Command::CreateTopic {
        name: "orders".into(),
        partitions: 1,
        replication_factor: 1,
        config: TopicConfig::default(),
    })
    .unwrap();
    t.set_load(LoadSetting {
        at: SimTime::ZERO,
        rate: 10,
        keys: 0,
        topics: vec!["orders".into()],
        producer: 0,
    });
    let mut stepped = t.clone();
    while stepped.now() < SimTime(4_000) {
        assert!(stepped.step());
    }
    t.advance_to(stepped.now());
    // Stepping may stop inside an instant; finish it on both sides before comparing.
    stepped.advance_to(stepped.now());
    assert_eq!(t.sim().ledger().records(), stepped.sim().ledger().records());
    assert_eq!(t.sim().steps(), stepped.sim().steps());
    assert_eq!(t.sim().ledger().counts().sent, 25);
}

fn error_of(json: &str) -> ScenarioError {
    Scenario::from_json(json).expect_err(json)
}

#[test]
fn malformed_files_each_name_their_problem() {
    let good = r#"{"version":1,"commands":[{"at":5,"command":{"type":"kill_broker","broker":2}}]}"#;
    assert!(Scenario::from_json(good).is_ok());

    // Truncated anywhere: a parse error, never a panic.
    for cut in 1..good.len() {
        assert!(
            matches!(error_of(&good[..cut]), ScenarioError::Parse(_)),
            "cut at {cut}"
        );
    }
    // A version this build does not read.
    assert_eq!(
        error_of(r#"{"version":7}"#),
        ScenarioError::UnsupportedVersion(7)
    );
    assert!(
        error_of(r#"{"version":0}"#)
            .to_string()
            .contains("version 0")
    );
    // An unknown command names itself.
    let e = error_of(r#"{"version":1,"commands":[{"at":0,"command":{"type":"delete_cluster"}}]}"#);
    assert!(e.to_string().contains("delete_cluster"), "{e}");
    // Numbers past u64, past the run's hour, past the load generator's rate.
    let e = error_of(r#"{"version":1,"seed":184467440737095516160}"#);
    assert!(matches!(e, ScenarioError::Parse(_)), "{e}");
    let e = error_of(r#"{"version":1,"commands":[{"at":1e300,"command":{"type":"add_broker"}}]}"#);
    assert!(matches!(e, ScenarioError::Parse(_)), "{e}");
    assert_eq!(
        error_of(
            r#"{"version":1,"commands":[{"at":0,"command":{"type":"add_broker"}},{"at":18446744073709551615,"command":{"type":"add_broker"}}]}"#
        ),
        ScenarioError::TooLarge {
            field: "commands[1].at".into(),
            value: u64::MAX,
            max: MAX_RUN_MS
        }
    );
    let e = error_of(r#"{"version":1,"until_ms":99999999999}"#);
    assert!(e.to_string().contains("until_ms is 99999999999"), "{e}");
    let e = error_of(
        r#"{"version":1,"load_generator":[{"at":0,"rate":4000000000,"topics":["orders"]}]}"#,
    );
    assert_eq!(
        e,
        ScenarioError::TooLarge {
            field: "load_generator[0].rate".into(),
            value: 4_000_000_000,
            max: MAX_LOAD_RATE.into()
        }
    );
    // Within every single limit, but an hour at 5,000 records/s is 18 million records.
    let e = error_of(
        r#"{"version":1,"until_ms":3600000,"load_generator":[{"at":0,"rate":5000,"topics":["orders"]}]}"#,
    );
    assert_eq!(
        e,
        ScenarioError::TooLarge {
            field: "records sent".into(),
            value: 18_000_000,
            max: kafka_sim::scenario::MAX_RECORDS
        }
    );
    let e = error_of(
        r#"{"version":1,"commands":[{"at":0,"command":{"type":"produce_many","topic":"t","count":3000000}}]}"#,
    );
    assert!(e.to_string().contains("records sent is 3000000"), "{e}");
    // Not a scenario at all.
    assert!(matches!(error_of(""), ScenarioError::Parse(_)));
    assert!(matches!(error_of("null"), ScenarioError::Parse(_)));
    assert!(matches!(
        error_of(r#"{"version":"1"}"#),
        ScenarioError::Parse(_)
    ));
    let e = error_of(r#"{"version":1,"load_generator":[{"at":0,"rate":4,"colour":"red"}]}"#);
    assert!(e.to_string().contains("colour"), "{e}");
}
