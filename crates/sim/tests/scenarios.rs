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
    // Idempotent producers keep send order: acknowledged offsets rise with the record id.
    let ledger = sim.ledger();
    let mut last_offset = std::collections::BTreeMap::new();
    for r in ledger.records() {
        if let Outcome::Acked {
            offset: Some(o),
            acks: Acks::All,
        } = r.outcome
        {
            let prev = last_offset.insert(r.tp, o);
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
