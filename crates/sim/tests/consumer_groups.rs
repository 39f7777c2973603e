//! Consumers and consumer groups in a running cluster — the seed document's scenarios, with demo
//! timing (`session.timeout.ms` 6 s, `heartbeat.interval.ms` 1 s, `group.initial.rebalance.delay.ms`
//! 1 s, `offsets.topic.num.partitions` 3).
//!
//! Every expectation is derived by hand from Kafka's rules (kafka-semantics.md §3 and §5), not read
//! back from the code under test. Member order: dynamic member ids are `{client.id}-{n}` with
//! `client.id = consumer-{group}-{consumer id + 1}`, so members sort by consumer id while there
//! are fewer than ten of them (`RangeAssignor` sorts by member id, `MemberInfo.compareTo`).

mod support;

use kafka_sim::config::CommitMode;
use kafka_sim::group::{GroupEvent, RebalanceReason, RemovalReason};
use kafka_sim::*;
use support::*;

const SESSION_TIMEOUT_MS: u64 = 6_000;
const HEARTBEAT_INTERVAL_MS: u64 = 1_000;

fn cluster(partitions: u32, seed: u64) -> TestCluster {
    TestCluster::new(3, seed).topic("orders", partitions, 3, TopicConfig::default())
}

/// Demo-timing consumer settings with these changes.
fn consumer_config(f: impl FnOnce(&mut ConsumerConfig)) -> Option<ConsumerConfig> {
    let mut c = SimConfig::demo_timing().consumer;
    f(&mut c);
    Some(c)
}

fn assert_no_unallowed_violations(t: &TestCluster) {
    let v = t.unallowed_violations();
    assert!(v.is_empty(), "unallowed violations: {v:#?}");
}

/// Every committed record of `topic` processed by `group` exactly `times` times (`None`: ≥ 1).
fn assert_processed(t: &TestCluster, group: &str, topic: &str, times: Option<u8>) {
    let records = t.committed_records(topic);
    assert!(!records.is_empty());
    for r in records {
        let n = t.sim.ledger().times_processed(group, r);
        match times {
            Some(times) => assert_eq!(n, times, "group {group}: record {r:?} processed {n} times"),
            None => assert!(n >= 1, "group {group}: record {r:?} never processed"),
        }
    }
}

/// How many records of `consumer` were processed, summed from its RecordsProcessed events
/// after event index `since`.
fn processed_by(t: &TestCluster, consumer: u32, since: usize) -> u64 {
    t.events[since..]
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::RecordsProcessed {
                consumer: c, count, ..
            } if c.0 == consumer => Some(u64::from(count)),
            _ => None,
        })
        .sum()
}

fn member_ids(t: &TestCluster, group: &str) -> Vec<(u32, String)> {
    t.group(group)
        .members
        .iter()
        .map(|m| (m.consumer.0, m.member_id.clone()))
        .collect()
}

fn rebalances(t: &TestCluster, group: &str, since: usize) -> Vec<(u64, RebalanceReason)> {
    t.group_events(group, since)
        .into_iter()
        .filter_map(|(at, e)| match e {
            GroupEvent::RebalanceStarted { reason, .. } => Some((at, reason)),
            _ => None,
        })
        .collect()
}

fn index_of_last_event(t: &TestCluster) -> usize {
    t.events.len()
}

// ---- assignment shapes -------------------------------------------------------------------------

/// 6 partitions, 2 consumers, `range`: q = 6 / 2 = 3, x = 0, so the first member in member-id
/// order takes partitions 0–2 and the second 3–5 (`RangeAssignor`).
#[test]
fn more_partitions_than_consumers_range_gives_three_each() {
    let mut t = cluster(6, 11);
    let a = t.consumer("billing", &["orders"], None);
    let b = t.consumer("billing", &["orders"], None);
    t.run_for_ms(5_000);
    let ids = member_ids(&t, "billing");
    assert!(ids[0].1 < ids[1].1, "member ids sort by consumer: {ids:?}");
    let g = t.group("billing");
    assert_eq!(
        (g.state.as_str(), g.generation, g.assignor.as_deref()),
        ("Stable", 1, Some("range"))
    );
    assert_eq!(
        t.assignment("billing"),
        vec![
            (a, tps(&["orders-0", "orders-1", "orders-2"])),
            (b, tps(&["orders-3", "orders-4", "orders-5"])),
        ]
    );
    assert_no_unallowed_violations(&t);
}

/// 3 partitions, 4 consumers, `range`: q = 0, x = 3, so members 0–2 get one partition each and
/// the fourth gets nothing: it stays in the group, idle, as a hot standby.
#[test]
fn more_consumers_than_partitions_leaves_one_idle() {
    let mut t = cluster(3, 12);
    for _ in 0..4 {
        t.consumer("billing", &["orders"], None);
    }
    t.produce_to("orders", 0, 3);
    t.run_for_ms(6_000);
    let g = t.group("billing");
    assert_eq!((g.state.as_str(), g.generation), ("Stable", 1));
    assert_eq!(
        t.assignment("billing"),
        vec![
            (0, tps(&["orders-0"])),
            (1, tps(&["orders-1"])),
            (2, tps(&["orders-2"])),
            (3, tps(&[])),
        ]
    );
    // The idle member is a member of generation 1 all the same.
    assert_eq!(g.members[3].generation, 1);
    assert_eq!(g.members[3].client_state, "polling");
    assert_eq!(processed_by(&t, 3, 0), 0);
    assert_eq!(processed_by(&t, 0, 0), 3);
    assert_no_unallowed_violations(&t);
}

/// 3 partitions, 3 consumers: one partition each.
#[test]
fn perfect_match_one_partition_each() {
    let mut t = cluster(3, 13);
    for _ in 0..3 {
        t.consumer("billing", &["orders"], None);
    }
    t.run_for_ms(5_000);
    assert_eq!(
        t.assignment("billing"),
        vec![
            (0, tps(&["orders-0"])),
            (1, tps(&["orders-1"])),
            (2, tps(&["orders-2"])),
        ]
    );
    assert_no_unallowed_violations(&t);
}

/// Two groups read the same topic independently: each gets every record, each splits the
/// partitions among its own members. With `commitSync()` after processing and no failure, every
/// committed record is processed exactly once per group.
#[test]
fn several_groups_each_read_everything_exactly_once() {
    let mut t = cluster(6, 14);
    let sync = consumer_config(|c| {
        c.commit = CommitMode::SyncAfterProcessing;
        c.processing_ms_per_record = 5;
    });
    for _ in 0..3 {
        t.consumer("analytics", &["orders"], sync.clone());
    }
    for _ in 0..2 {
        t.consumer("email", &["orders"], sync.clone());
    }
    t.produce_every("orders", "customer_", 60, 0);
    t.run_for_ms(4_000);
    t.produce_every("orders", "late_", 60, 50);
    t.run_for_ms(10_000);

    assert_eq!(
        t.assignment("analytics"),
        vec![
            (0, tps(&["orders-0", "orders-1"])),
            (1, tps(&["orders-2", "orders-3"])),
            (2, tps(&["orders-4", "orders-5"])),
        ]
    );
    assert_eq!(
        t.assignment("email"),
        vec![
            (3, tps(&["orders-0", "orders-1", "orders-2"])),
            (4, tps(&["orders-3", "orders-4", "orders-5"])),
        ]
    );
    let committed = t.committed_records("orders").len() as u64;
    assert_eq!(committed, 120);
    for group in ["analytics", "email"] {
        assert_processed(&t, group, "orders", Some(1));
        let c = t.sim.ledger().consumption_counts(group);
        assert_eq!((c.processed, c.deliveries), (120, 120), "{group}");
        assert_eq!((c.redelivered, c.skipped), (0, 0), "{group}");
        // Everything read and committed: lag 0 everywhere.
        for (tp, committed, end, lag) in t.lag(group) {
            assert_eq!((committed, lag), (Some(end), Some(0)), "{group} {tp}");
        }
    }
    assert_no_unallowed_violations(&t);
}

// ---- failures ----------------------------------------------------------------------------------

/// Two consumers share `orders` (6 partitions: A has 0–2, B has 3–5) while records keep flowing.
/// Returns the cluster with both consuming steadily.
fn two_consumers_under_load(seed: u64, config: Option<ConsumerConfig>) -> TestCluster {
    let mut t = cluster(6, seed);
    t.consumer("billing", &["orders"], config.clone());
    t.consumer("billing", &["orders"], config);
    t.produce_every("orders", "warmup_", 30, 0);
    t.run_for_ms(3_000);
    t.produce_every("orders", "flow_", 40, 50);
    assert_eq!(
        t.assignment("billing"),
        vec![
            (0, tps(&["orders-0", "orders-1", "orders-2"])),
            (1, tps(&["orders-3", "orders-4", "orders-5"])),
        ]
    );
    t
}

/// B crashes mid-batch (no LeaveGroup). The coordinator only notices when `session.timeout.ms`
/// passes without a heartbeat: until then B's partitions belong to nobody alive and pile up lag.
/// Then the group rebalances, A takes them over from B's last committed offsets, and no committed
/// record is missed. With `commitSync()` after each poll's processing, what is redelivered is
/// exactly what B processed after its last commit: part of one poll (≤ `max.poll.records`).
/// Reference: `GroupMetadataManager.expireClassicGroupMemberHeartbeat`.
#[test]
fn crashed_consumer_partitions_taken_over_after_session_timeout_nothing_missed() {
    const MAX_POLL_RECORDS: u32 = 5;
    const PROCESSING_MS: u64 = 150;
    let config = consumer_config(|c| {
        c.commit = CommitMode::SyncAfterProcessing;
        c.processing_ms_per_record = PROCESSING_MS;
        c.max_poll_records = MAX_POLL_RECORDS;
    });
    // B gets ~10 records/s and processes ~6.7/s: it falls behind, so its polls are full.
    let mut t = two_consumers_under_load(21, config);
    // Wait for B to start a batch.
    assert!(t.run_until(5_000, |t| t.client_state("billing", 1) != "processing"));
    assert!(t.run_until(5_000, |t| t.client_state("billing", 1) == "processing"));
    // Crash B one and a half records into the batch: one record done, not committed.
    t.run_for_ms(PROCESSING_MS * 3 / 2);
    let last_commit_of_b = t
        .events
        .iter()
        .rposition(
            |e| matches!(e.kind, EventKind::OffsetsCommitted { consumer, .. } if consumer.0 == 1),
        )
        .expect("B committed before");
    let uncommitted_by_b = processed_by(&t, 1, last_commit_of_b);
    let crash_at = t.sim.now().0;
    let since = index_of_last_event(&t);
    t.apply_now(Command::CrashConsumer { consumer: 1 });
    let after_crash = index_of_last_event(&t);
    // The crash finished part of the batch: those records count as processed, uncommitted.
    let uncommitted_by_b = uncommitted_by_b + processed_by(&t, 1, since);
    assert_eq!(uncommitted_by_b, 1);

    // B's last heartbeat left at most heartbeat.interval.ms before the crash, so its session
    // cannot expire before crash + session.timeout.ms − heartbeat.interval.ms.
    t.produce_every("orders", "gap_", 45, 100);
    assert!(t.sim.now().0 < crash_at + SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS);
    assert_eq!(rebalances(&t, "billing", after_crash), vec![]);
    assert_eq!(
        t.owned("billing", 0),
        tps(&["orders-0", "orders-1", "orders-2"])
    );
    assert_eq!(t.group("billing").state, "Stable");
    // Nobody reads B's partitions now: their committed offsets lag behind the log end.
    let lag: u64 = t.lag("billing")[3..].iter().map(|r| r.3.unwrap_or(0)).sum();
    assert!(
        lag >= 10,
        "B's partitions pile up lag during the gap: {lag}"
    );

    t.run_for_ms(2_500);
    let removed: Vec<u64> = t
        .group_events("billing", after_crash)
        .into_iter()
        .filter_map(|(at, e)| match e {
            GroupEvent::MemberRemoved {
                reason: RemovalReason::SessionTimeout,
                ..
            } => Some(at),
            _ => None,
        })
        .collect();
    assert_eq!(removed.len(), 1, "B removed once, by the session timeout");
    assert!(removed[0] >= crash_at + SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS);
    assert!(removed[0] <= crash_at + SESSION_TIMEOUT_MS + 200);
    t.run_for_ms(30_000);
    let g = t.group("billing");
    assert_eq!((g.state.as_str(), g.generation), ("Stable", 2));
    assert_eq!(
        t.owned("billing", 0),
        tps(&[
            "orders-0", "orders-1", "orders-2", "orders-3", "orders-4", "orders-5"
        ])
    );
    assert_processed(&t, "billing", "orders", None);
    let c = t.sim.ledger().consumption_counts("billing");
    assert_eq!(c.processed, t.committed_records("orders").len() as u64);
    if c.redelivered != uncommitted_by_b {
        t.narrate();
    }
    assert_eq!(c.redelivered, uncommitted_by_b);
    assert_eq!(c.skipped, 0);
    assert_no_unallowed_violations(&t);
}

/// The same crash with `enable.auto.commit=true` and an `auto.commit.interval.ms` far longer than
/// B lived: B never committed, so A restarts B's partitions from `auto.offset.reset=earliest` and
/// redelivers every record B had processed — the at-least-once duplicates real Kafka gives.
#[test]
fn crash_with_auto_commit_redelivers_what_was_processed_since_the_last_auto_commit() {
    let config = consumer_config(|c| {
        c.commit = CommitMode::Auto;
        c.auto_commit_interval_ms = 120_000;
        c.processing_ms_per_record = 2;
    });
    let mut t = two_consumers_under_load(22, config);
    assert!(
        !t.any(|k| matches!(k, EventKind::OffsetsCommitted { consumer, .. } if consumer.0 == 1))
    );
    t.apply_now(Command::CrashConsumer { consumer: 1 });
    let processed_by_b = processed_by(&t, 1, 0);
    assert!(processed_by_b > 10);
    t.run_for_ms(SESSION_TIMEOUT_MS + 5_000);
    assert_eq!(
        t.owned("billing", 0),
        tps(&[
            "orders-0", "orders-1", "orders-2", "orders-3", "orders-4", "orders-5"
        ])
    );
    assert_processed(&t, "billing", "orders", None);
    let c = t.sim.ledger().consumption_counts("billing");
    assert_eq!(c.redelivered, processed_by_b);
    assert_eq!(c.skipped, 0);
    assert_no_unallowed_violations(&t);
}

/// `commitSync()` right after `poll()`, before processing: B commits a batch, crashes in the
/// middle of it, and A starts after the batch. The records B never got to are skipped for good
/// (at-most-once): the ledger counts them, and nothing is redelivered.
#[test]
fn commit_before_processing_and_crash_mid_batch_skips_records() {
    let config = consumer_config(|c| {
        c.commit = CommitMode::BeforeProcessing;
        c.processing_ms_per_record = 100;
        c.max_poll_records = 10;
    });
    let mut t = two_consumers_under_load(23, config);
    assert!(t.run_until(5_000, |t| t.client_state("billing", 1) != "processing"));
    assert!(t.run_until(5_000, |t| t.client_state("billing", 1) == "processing"));
    t.run_for_ms(150); // one record of the batch done, the second half-way
    t.apply_now(Command::CrashConsumer { consumer: 1 });
    t.run_for_ms(SESSION_TIMEOUT_MS + 8_000);
    // By hand: per partition of B, its last committed offset minus the offset after the last
    // record it processed.
    let b_parts: Vec<TopicPartition> = (3..6).map(|p| t.tp("orders", p)).collect();
    let mut expected_skipped = 0;
    for tp in b_parts {
        let committed = t.events.iter().rev().find_map(|e| match &e.kind {
            EventKind::OffsetsCommitted {
                consumer, offsets, ..
            } if consumer.0 == 1 => offsets.iter().find(|(p, _)| *p == tp).map(|(_, o)| o.0),
            _ => None,
        });
        let processed_to = t.events.iter().rev().find_map(|e| match &e.kind {
            EventKind::RecordsProcessed {
                consumer,
                tp: p,
                first_offset,
                count,
                ..
            } if consumer.0 == 1 && *p == tp => Some(first_offset.0 + u64::from(*count)),
            _ => None,
        });
        expected_skipped +=
            committed.unwrap_or(0) - processed_to.unwrap_or(0).min(committed.unwrap_or(0));
    }
    let c = t.sim.ledger().consumption_counts("billing");
    t.narrate();
    println!(
        "{expected_skipped} {:?}",
        t.sim.ledger().consumption_counts("billing")
    );
    assert!(expected_skipped > 0);
    assert_eq!(c.skipped, expected_skipped);
    assert_eq!(c.redelivered, 0);
    assert_eq!(
        c.processed + c.skipped,
        t.committed_records("orders").len() as u64
    );
    assert_no_unallowed_violations(&t);
}

/// `close()` sends LeaveGroup: the group rebalances at once, not after `session.timeout.ms`, and
/// with `commitSync()` after processing nothing is read twice.
/// Reference: `AbstractCoordinator.maybeLeaveGroup`, `classicGroupLeave`.
#[test]
fn graceful_stop_rebalances_at_once_without_duplicates() {
    let config = consumer_config(|c| {
        c.commit = CommitMode::SyncAfterProcessing;
        c.processing_ms_per_record = 20;
        c.max_poll_records = 5;
    });
    let mut t = two_consumers_under_load(24, config);
    let stop_at = t.sim.now().0;
    let since = index_of_last_event(&t);
    t.apply_now(Command::StopConsumer { consumer: 1 });
    t.produce_every("orders", "after_", 20, 50);
    let r = rebalances(&t, "billing", since);
    assert_eq!(r.len(), 1);
    assert!(matches!(r[0].1, RebalanceReason::MemberLeft { .. }));
    assert!(
        r[0].0 < stop_at + 1_000,
        "rebalance at {} after a stop at {stop_at}",
        r[0].0
    );
    t.run_for_ms(5_000);
    assert_eq!(
        t.owned("billing", 0),
        tps(&[
            "orders-0", "orders-1", "orders-2", "orders-3", "orders-4", "orders-5"
        ])
    );
    assert_processed(&t, "billing", "orders", Some(1));
    let c = t.sim.ledger().consumption_counts("billing");
    assert_eq!((c.redelivered, c.skipped), (0, 0));
    assert_no_unallowed_violations(&t);
}
