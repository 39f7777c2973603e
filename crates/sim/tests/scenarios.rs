//! The scenario files shipped under `www/scenarios/` run headless and show what they claim: the
//! acks=1 twin loses its acknowledged writes, the acks=all twin loses none and keeps order.
#![cfg(not(target_arch = "wasm32"))]

use kafka_sim::ledger::Outcome;
use kafka_sim::report::RunReport;
use kafka_sim::*;

fn run(name: &str) -> RunReport {
    let path = format!("{}/../../www/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let scenario = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (mut sim, refused) = scenario.run(None).expect("runs");
    assert!(refused.is_empty(), "{name}: refused {refused:?}");
    let events: Vec<Event> = sim.drain_events().collect();
    // Idempotent producers keep send order: each producer's acknowledged offsets on a partition
    // rise with the record id (records lost to an unclean election excepted: their offsets are
    // reused by the new leader).
    let ledger = sim.ledger();
    let mut last_offset = std::collections::BTreeMap::new();
    for r in ledger.records().iter().filter(|r| r.lost.is_none()) {
        if let Outcome::Acked {
            offset: Some(o),
            acks: Acks::All,
        } = r.outcome
        {
            let prev = last_offset.insert((r.producer, r.tp), o);
            assert!(
                prev.is_none_or(|p| p < o),
                "{name}: {} acked out of order",
                sim.tp_name(r.tp)
            );
        }
    }
    RunReport::new(&sim, &events, refused)
}

#[test]
fn acks_1_leader_failover_loses_three_acknowledged_writes() {
    let r = run("acks-1-leader-failover.json");
    assert_eq!((r.records.sent, r.records.acked, r.records.lost), (5, 5, 3));
    let keys: Vec<_> = r
        .lost_records
        .iter()
        .map(|l| l.key.clone().unwrap_or_default())
        .collect();
    assert_eq!(keys, ["customer_0", "customer_1", "customer_2"]);
    assert!(
        r.lost_records
            .iter()
            .all(|l| l.acks.as_deref() == Some("1"))
    );
    assert_eq!(r.invariant_violations.len(), 3);
    assert!(
        r.invariant_violations
            .iter()
            .all(|v| v.allowed_by == Some(AllowedBy::Acks1))
    );
}

#[test]
fn acks_all_twin_loses_nothing_and_acknowledges_everything() {
    let r = run("acks-all-leader-failover.json");
    assert_eq!(
        (
            r.records.sent,
            r.records.acked,
            r.records.committed,
            r.records.lost
        ),
        (5, 5, 5, 0)
    );
    assert!(
        r.invariant_violations.is_empty(),
        "{:?}",
        r.invariant_violations
    );
    let p0 = &r.partitions[0];
    assert!(
        p0.replicas
            .iter()
            .all(|x| x.high_watermark == Offset(5) && x.log_end_offset == Offset(5))
    );
}

fn load(name: &str) -> Scenario {
    let path = format!("{}/../../www/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_preset_shows_what_it_expects_and_its_twin_points_back() {
    for name in shipped() {
        let scenario = load(&name);
        assert!(!scenario.title.is_empty(), "{name}: a preset has a title");
        assert!(
            !scenario.steps.is_empty(),
            "{name}: a preset tells its story in steps"
        );
        assert!(scenario.goal.is_some(), "{name}: a preset has a goal");
        assert!(
            !scenario.expect.is_empty(),
            "{name}: a preset says what it shows"
        );
        let (mut sim, _) = scenario.run(None).expect("runs");
        let mut watch = kafka_sim::goal::Watch::new();
        for e in sim.drain_events() {
            watch.observe(&e);
        }
        for check in &scenario.expect {
            assert!(watch.holds(check, &sim), "{name}: expected {check:?}");
        }
        if let Some(twin) = &scenario.twin {
            let other = load(&format!("{twin}.json"));
            assert_eq!(
                other.twin.as_deref(),
                name.strip_suffix(".json"),
                "{name}'s twin {twin} names it back"
            );
        }
    }
}

fn shipped() -> Vec<String> {
    let dir = format!("{}/../../www/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("www/scenarios")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_shipped_scenario_parses_and_runs_without_unallowed_violations() {
    let dir = format!("{}/../../www/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("www/scenarios")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 2);
    for name in names {
        let r = run(&name);
        assert!(
            r.invariant_violations
                .iter()
                .all(|v| v.allowed_by.is_some()),
            "{name}: {:?}",
            r.invariant_violations
        );
    }
}

/// Runs `scenario` with `actions` added (what a learner would do on the page) and answers its goal.
fn goal_reached(scenario: &Scenario, actions: &[TimedCommand]) -> bool {
    let mut scenario = scenario.clone();
    scenario.commands.extend(actions.iter().cloned());
    let (mut sim, refused) = scenario.run(None).expect("runs");
    assert!(refused.is_empty(), "refused {refused:?}");
    let mut watch = kafka_sim::goal::Watch::new();
    for e in sim.drain_events() {
        watch.observe(&e);
    }
    let goal = scenario.goal.as_ref().expect("a preset has a goal");
    watch.holds(&goal.check, &sim)
}

/// What a learner does for each preset's goal (nothing for goals that ask to watch the run).
fn learner_actions(name: &str) -> Vec<TimedCommand> {
    let produce = |at: u64, topic: &str, key: &str, value: Option<&str>| serde_json::json!({"at": at, "command": {"type": "produce", "topic": topic, "key": key, "value": value}});
    let cmd =
        |at: u64, command: serde_json::Value| serde_json::json!({"at": at, "command": command});
    let actions = match name {
        "events-are-kept" => vec![produce(9_000, "orders", "customer_7", Some("my order"))],
        "brokers-share-the-work" => {
            vec![cmd(
                9_000,
                serde_json::json!({"type": "kill_broker", "broker": 4}),
            )]
        }
        "topics-and-partitions" => vec![
            cmd(
                8_000,
                serde_json::json!({"type": "add_partitions", "topic": "orders", "partitions": 6}),
            ),
            produce(9_000, "orders", "customer_1", Some("order 99")),
        ],
        "ordering-within-a-partition" => vec![
            produce(9_000, "orders", "customer_1", Some("order 7")),
            produce(9_001, "orders", "customer_1", Some("order 8")),
        ],
        "keys-versus-keyless" => vec![produce(8_000, "clicks", "customer_2", Some("view"))],
        "group-more-partitions-than-consumers" | "e-commerce-order-flow" => {
            let group = if name.starts_with("group") {
                "payments"
            } else {
                "analytics"
            };
            vec![cmd(
                8_000,
                serde_json::json!({"type": "add_consumer", "group": group, "topics": ["orders"]}),
            )]
        }
        "group-more-consumers-than-partitions" => {
            vec![cmd(
                8_000,
                serde_json::json!({"type": "stop_consumer", "consumer": 1}),
            )]
        }
        "group-perfect-match" => vec![cmd(
            8_000,
            serde_json::json!({"type": "add_partitions", "topic": "orders", "partitions": 6}),
        )],
        "several-groups-one-topic" => vec![cmd(
            9_000,
            serde_json::json!({"type": "add_consumer", "group": "email", "topics": ["orders"]}),
        )],
        "consumer-failover" => {
            vec![cmd(
                20_000,
                serde_json::json!({"type": "restart_consumer", "consumer": 1}),
            )]
        }
        "broker-failover" => {
            vec![cmd(
                20_000,
                serde_json::json!({"type": "elect_preferred_leaders"}),
            )]
        }
        "min-isr-outage" => {
            vec![cmd(
                15_000,
                serde_json::json!({"type": "restart_broker", "broker": 3}),
            )]
        }
        "min-isr-enough-replicas" => vec![
            cmd(
                15_000,
                serde_json::json!({"type": "kill_broker", "broker": 1}),
            ),
            produce(20_000, "orders", "customer_6", Some("order 8")),
        ],
        "retention-deletes-old-segments" => {
            vec![cmd(
                22_000,
                serde_json::json!({"type": "restart_consumer", "consumer": 0}),
            )]
        }
        "compaction-keeps-last-value" => vec![produce(30_000, "addresses", "customer_3", None)],
        _ => vec![],
    };
    actions
        .into_iter()
        .map(|a| serde_json::from_value(a).expect("a timed command"))
        .collect()
}

#[test]
fn every_goal_is_reached_by_the_action_it_asks_for_and_not_without_it() {
    for name in shipped() {
        let scenario = load(&name);
        let stem = name.strip_suffix(".json").expect("json");
        let actions = learner_actions(stem);
        let without = goal_reached(&scenario, &[]);
        if actions.is_empty() {
            assert!(without, "{stem}: the run shows what its goal asks to watch");
        } else {
            assert!(!without, "{stem}: the goal waits for the learner");
            assert!(
                goal_reached(&scenario, &actions),
                "{stem}: the action reaches the goal"
            );
        }
    }
}

#[test]
fn presets_cover_the_walk_through_and_fit_in_a_minute() {
    let names = shipped();
    assert!(names.len() >= 16, "{names:?}");
    for name in names {
        let scenario = load(&name);
        assert!(
            scenario.end() <= SimTime(60_000),
            "{name}: ends by one minute of simulated time"
        );
        assert_eq!(scenario.timing, kafka_sim::scenario::Timing::Demo, "{name}");
    }
}
