//! Seed sweeps: random command streams with faults over many seeds, through the library's
//! generator and end checks (`kafka_sim::sweep`, which `kafka-sim sweep` runs too). In the guarded
//! configuration (acks=all, RF 3, min.insync.replicas 2, unclean election off, at most one broker
//! down at a time) no acknowledged write is ever lost, every invariant holds, and once healed each
//! consumer group has processed every committed record and skipped none.
//! `KAFKA_SIM_SEEDS=N` widens it; `KAFKA_SIM_SEED=N` runs seed N alone.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use kafka_sim::ledger::LedgerCounts;
use kafka_sim::rng::SimRng;
use kafka_sim::sweep::{Finding, Profile, SeedOutcome, SeedRun, SweepPlan, SweepReport, sweep};
use kafka_sim::*;
use support::*;

/// Operations per seed in the default sweep (the CLI's default is 1,000).
const OPS: u32 = 120;

/// The seeds to sweep: `KAFKA_SIM_SEED=N` alone, else `0..KAFKA_SIM_SEEDS` (default 60).
fn seeds() -> std::ops::Range<u64> {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    match var("KAFKA_SIM_SEED") {
        Some(seed) => seed..seed + 1,
        None => 0..var("KAFKA_SIM_SEEDS").unwrap_or(60),
    }
}

/// Fails with the seed's findings and the end of its story, narrated.
fn explain_failure(profile: Profile, outcome: &SeedOutcome) -> ! {
    let run = SeedRun::run_keeping_events(profile, outcome.seed, outcome.ops);
    let findings: Vec<String> = outcome.findings.iter().map(ToString::to_string).collect();
    panic!(
        "seed {}: {findings:#?}\n{}\nreplay with: kafka-sim sweep --config {} --replay {} --ops {}",
        outcome.seed,
        narrated_tail(&run.sim, &run.events, 60),
        profile.name(),
        outcome.seed,
        outcome.ops
    );
}

#[test]
fn guarded_configuration_never_loses_an_acknowledged_write() {
    let (mut kills, mut consumer_faults, mut acked) = (0, 0, 0);
    for seed in seeds() {
        let run = SeedRun::run(Profile::Guarded, seed, OPS);
        let outcome = run.outcome();
        if !outcome.findings.is_empty() {
            explain_failure(Profile::Guarded, &outcome);
        }
        for c in &run.commands {
            match c.command {
                Command::KillBroker { .. } => kills += 1,
                Command::CrashConsumer { .. } | Command::StopConsumer { .. } => {
                    consumer_faults += 1
                }
                _ => {}
            }
        }
        acked += outcome.records.acked;
    }
    // The sweep is only worth its name if the faults happened and records got through.
    if seeds().count() >= 10 {
        assert!(kills >= 10, "only {kills} broker kills");
        assert!(
            consumer_faults >= 10,
            "only {consumer_faults} consumer faults"
        );
        assert!(
            acked >= 100 * seeds().count() as u64 / 4,
            "only {acked} acks"
        );
    }
}

#[test]
fn same_seed_same_commands_same_events() {
    let a = SeedRun::run_keeping_events(Profile::Guarded, 7, 80);
    let b = SeedRun::run_keeping_events(Profile::Guarded, 7, 80);
    assert_eq!(a.commands, b.commands);
    assert_eq!(a.events, b.events);
    let c = SeedRun::run_keeping_events(Profile::Guarded, 8, 80);
    assert_ne!(a.events, c.events, "different seeds should differ");
}

/// A sweep run written out as a scenario (what `kafka-sim sweep --replay S --export F` writes)
/// is the same run when `Scenario::run` plays it from its JSON.
#[test]
fn a_sweep_run_exported_as_a_scenario_replays_event_for_event() {
    let run = SeedRun::run_keeping_events(Profile::Acks1, 11, 40);
    let scenario = Scenario::from_json(&run.scenario().to_json()).expect("exported scenario");
    let (mut sim, refused) = scenario.run(None).expect("runs");
    assert!(refused.is_empty(), "{refused:?}");
    let events: Vec<Event> = sim.drain_events().collect();
    assert_eq!(events.len(), run.events.len());
    assert!(events == run.events, "the replay's events differ");
    assert_eq!(sim.ledger().counts(), run.sim.ledger().counts());
}

/// Under acks=1 the same operations lose acknowledged writes (a leader dies before its
/// followers fetched them): the sweep finds them, says acks=1 allows them, and fails no seed.
#[test]
fn acks_1_sweep_finds_lost_writes_and_allows_them() {
    let plan = SweepPlan {
        profile: Profile::Acks1,
        seeds: 0..12,
        ops: 150,
        strict: false,
    };
    let report = sweep(&plan, |_| {});
    assert!(report.passed(), "{:#?}", report.failures);
    assert!(report.records.lost > 0, "no loss in 12 seeds: {report:#?}");
    assert!(report.seeds_with_loss > 0);
    let first = report.smallest_seed_with_loss.expect("a seed lost a write");
    let lost = &report.violations["NoAckedRecordLost"];
    assert_eq!(lost.allowed, lost.count, "{lost:?}");
    assert_eq!(lost.allowed_by, Some(AllowedBy::Acks1));
    // The seed named first really loses a write, and nothing that acks=1 does not allow.
    let outcome = SeedRun::run(Profile::Acks1, first, 150).outcome();
    assert!(outcome.records.lost > 0);
    assert!(outcome.findings.iter().any(|f| matches!(
        f,
        Finding::LostAcknowledgedWrites {
            allowed_by: Some(AllowedBy::Acks1),
            ..
        }
    )));
    assert!(!outcome.failed(), "{:#?}", outcome.findings);
}

/// The report sums seeds: records, violations by invariant (allowed ones apart), failed checks
/// by name, and the smallest failing seed whatever order the seeds came in; a strict report
/// fails seeds on allowed findings too.
#[test]
fn a_report_counts_failing_seeds_and_names_the_smallest() {
    let records = |sent, lost| LedgerCounts {
        sent,
        acked: sent - 1,
        lost,
        ..LedgerCounts::default()
    };
    let violated = |invariant: &str, count, allowed_by| Finding::InvariantViolated {
        invariant: invariant.into(),
        count,
        first_at_ms: 5,
        detail: "d".into(),
        allowed_by,
    };
    let outcome = |seed, records, findings| SeedOutcome {
        seed,
        ops: 10,
        records,
        simulated_ms: 1_000,
        steps: 50,
        findings,
    };
    let plan = |strict| SweepPlan {
        profile: Profile::Acks1,
        seeds: 3..6,
        ops: 10,
        strict,
    };
    let mut report = SweepReport::new(&plan(false));
    let mut strict = SweepReport::new(&plan(true));
    let outcomes = [
        outcome(
            3,
            records(10, 2),
            vec![
                Finding::LostAcknowledgedWrites {
                    count: 2,
                    allowed_by: Some(AllowedBy::Acks1),
                },
                violated("NoAckedRecordLost", 2, Some(AllowedBy::Acks1)),
            ],
        ),
        outcome(
            5,
            records(20, 0),
            vec![
                violated("OffsetsContiguous", 3, None),
                Finding::IsrNotFull {
                    partition: "orders-1".into(),
                    isr: vec![1, 2],
                },
                Finding::IsrNotFull {
                    partition: "orders-2".into(),
                    isr: vec![1],
                },
            ],
        ),
        outcome(
            4,
            records(30, 1),
            vec![
                violated("OffsetsContiguous", 1, None),
                Finding::UnsettledSends { count: 1 },
            ],
        ),
    ];
    for o in outcomes {
        strict.add(o.clone());
        report.add(o);
    }
    assert_eq!(report.seeds, 3);
    assert_eq!(
        (
            report.records.sent,
            report.records.acked,
            report.records.lost
        ),
        (60, 57, 3)
    );
    assert_eq!((report.simulated_ms, report.steps), (3_000, 150));
    assert_eq!(
        (report.seeds_with_loss, report.smallest_seed_with_loss),
        (2, Some(3))
    );
    assert_eq!(
        (report.seeds_failed, report.smallest_failing_seed),
        (2, Some(4))
    );
    let lost = &report.violations["NoAckedRecordLost"];
    assert_eq!((lost.count, lost.allowed, lost.seeds), (2, 2, 1));
    let gaps = &report.violations["OffsetsContiguous"];
    assert_eq!((gaps.count, gaps.allowed, gaps.seeds), (4, 0, 2));
    let checks: Vec<(&str, u64)> = report
        .failed_checks
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        checks,
        [
            ("invariant_violated", 2),
            ("isr_not_full", 1),
            ("unsettled_sends", 1)
        ]
    );
    let kept: Vec<u64> = report.failures.iter().map(|o| o.seed).collect();
    assert_eq!(kept, [5, 4]);
    assert!(!report.passed());
    // Strict: the allowed loss of seed 3 fails it too.
    assert_eq!(
        (strict.seeds_failed, strict.smallest_failing_seed),
        (3, Some(3))
    );
    assert_eq!(strict.failed_checks["lost_acknowledged_writes"], 1);
    assert_eq!(strict.failed_checks["invariant_violated"], 3);
    assert_eq!(strict.violations, report.violations);
}

#[test]
fn acks_1_with_faults_only_loses_what_acks_1_allows() {
    for seed in 0..seeds().count() as u64 / 2 {
        let mut config = SimConfig::demo_timing();
        config.producer.acks = Acks::One;
        config.producer.enable_idempotence = false;
        let mut t =
            TestCluster::with_config(config, seed).topic("orders", 2, 3, topic_config(1, false));
        let mut choose = SimRng::new(seed);
        for i in 0..150 {
            t.produce("orders", &format!("k{}", i % 7), "v");
            if choose.below(15) == 0 {
                let b = 1 + choose.below(3) as u32;
                if t.sim.broker_alive(BrokerId(b)) {
                    t.apply(Command::KillBroker { broker: b });
                    t.run_for_ms(choose.range_inclusive(0, 5_000));
                    t.apply(Command::RestartBroker { broker: b });
                }
            }
            t.run_for_ms(choose.range_inclusive(1, 200));
        }
        t.run_for_ms(60_000);
        assert!(
            t.unallowed_violations().is_empty(),
            "seed {seed}: {:?}",
            t.unallowed_violations()
        );
    }
}
