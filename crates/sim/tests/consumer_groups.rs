//! Consumers and consumer groups in a running cluster — the seed document's scenarios, with demo
//! timing (`session.timeout.ms` 6 s, `heartbeat.interval.ms` 1 s, `group.initial.rebalance.delay.ms`
//! 1 s, `offsets.topic.num.partitions` 3).
//!
//! Every expectation is derived by hand from Kafka's rules (kafka-semantics.md §3 and §5), not read
//! back from the code under test. Member order: dynamic member ids are `{client.id}-{n}` with
//! `client.id = consumer-{group}-{consumer id + 1}`, so members sort by consumer id while there
//! are fewer than ten of them (`RangeAssignor` sorts by member id, `MemberInfo.compareTo`).

mod support;

use kafka_sim::assignor::AssignmentStrategy;
use kafka_sim::config::CommitMode;
use kafka_sim::group::{GroupEvent, GroupState, RebalanceReason, RemovalReason};
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

/// Walks the clients' own view of ownership (PartitionsAssigned, PartitionsRevoked, crashes and
/// stops) and returns the first moment two consumers of `group` both believed they owned a
/// partition, if any.
fn first_double_ownership(t: &TestCluster, group: &str) -> Option<(u64, String, u32, u32)> {
    use std::collections::{BTreeMap, BTreeSet};
    let members: BTreeSet<u32> = t
        .group(group)
        .members
        .iter()
        .map(|m| m.consumer.0)
        .collect();
    let mut owned: BTreeMap<u32, BTreeSet<TopicPartition>> = BTreeMap::new();
    for e in &t.events {
        match &e.kind {
            EventKind::PartitionsAssigned {
                consumer, assigned, ..
            } if members.contains(&consumer.0) => {
                owned.insert(consumer.0, assigned.iter().copied().collect());
            }
            EventKind::PartitionsRevoked {
                consumer, revoked, ..
            } => {
                if let Some(o) = owned.get_mut(&consumer.0) {
                    o.retain(|tp| !revoked.contains(tp));
                }
            }
            EventKind::ConsumerCrashed { consumer } | EventKind::ConsumerStopped { consumer } => {
                owned.remove(&consumer.0);
            }
            _ => continue,
        }
        for (a, pa) in &owned {
            for (b, pb) in owned.range(a + 1..) {
                if let Some(tp) = pa.intersection(pb).next() {
                    return Some((e.at.0, t.sim.tp_name(*tp), *a, *b));
                }
            }
        }
    }
    None
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

// ---- rebalance protocols -----------------------------------------------------------------------

/// The PartitionsRevoked events after event index `since`, as (consumer, revoked names, lost).
fn revocations(t: &TestCluster, since: usize) -> Vec<(u32, Vec<String>, bool)> {
    t.events[since..]
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PartitionsRevoked {
                consumer,
                revoked,
                lost,
                ..
            } => Some((
                consumer.0,
                revoked.iter().map(|tp| t.sim.tp_name(*tp)).collect(),
                *lost,
            )),
            _ => None,
        })
        .collect()
}

fn generations_completed(t: &TestCluster, group: &str, since: usize) -> Vec<i32> {
    t.group_events(group, since)
        .into_iter()
        .filter_map(|(_, e)| match e {
            GroupEvent::GenerationCompleted { generation_id, .. } => Some(generation_id.0),
            _ => None,
        })
        .collect()
}

/// `cooperative-sticky` (KIP-429). Two members share 6 partitions: the fresh sticky assignment
/// hands them out round-robin in member-id order, so A = [0, 2, 4], B = [1, 3, 5]. A third member C
/// joins: minQuota = maxQuota = 2, so A keeps its first two [0, 2] and gives up 4, B keeps [1, 3]
/// and gives up 5, and C is to get [4, 5]. Cooperatively, round one takes 4 and 5 away from A and B
/// without giving them to C yet (they are still owned); A and B revoke only those and rejoin;
/// round two gives them to C. Nobody else stops consuming.
/// Reference: `AbstractStickyAssignor` (`ConstrainedAssignmentBuilder`),
/// `CooperativeStickyAssignor.adjustAssignment`, `ConsumerCoordinator.onJoinComplete`.
#[test]
fn cooperative_sticky_revokes_only_moved_partitions_in_two_rounds() {
    let coop = consumer_config(|c| {
        c.partition_assignment_strategy = vec![AssignmentStrategy::CooperativeSticky];
    });
    let mut t = cluster(6, 31);
    t.consumer("billing", &["orders"], coop.clone());
    t.consumer("billing", &["orders"], coop.clone());
    t.produce_every("orders", "k", 30, 0);
    t.run_for_ms(5_000);
    assert_eq!(
        t.group("billing").assignor.as_deref(),
        Some("cooperative-sticky")
    );
    assert_eq!(
        t.assignment("billing"),
        vec![
            (0, tps(&["orders-0", "orders-2", "orders-4"])),
            (1, tps(&["orders-1", "orders-3", "orders-5"])),
        ]
    );
    let generation = t.group("billing").generation;
    let since = index_of_last_event(&t);
    t.consumer("billing", &["orders"], coop);
    t.run_for_ms(8_000);
    assert_eq!(
        t.assignment("billing"),
        vec![
            (0, tps(&["orders-0", "orders-2"])),
            (1, tps(&["orders-1", "orders-3"])),
            (2, tps(&["orders-4", "orders-5"])),
        ]
    );
    let mut revoked = revocations(&t, since);
    revoked.sort();
    assert_eq!(
        revoked,
        vec![
            (0, tps(&["orders-4"]), false),
            (1, tps(&["orders-5"]), false),
        ]
    );
    assert_eq!(
        generations_completed(&t, "billing", since),
        vec![generation + 1, generation + 2]
    );
    assert_eq!(t.group("billing").state, "Stable");
    assert_no_unallowed_violations(&t);
}

/// `range` is eager: when C joins, A and B revoke everything they own before rejoining, and one
/// rebalance gives the new ranges: 6 / 3 = 2 each, in member-id order.
/// Reference: `ConsumerCoordinator.onJoinPrepare` (EAGER revokes all).
#[test]
fn eager_range_revokes_everything_in_one_round() {
    let range = consumer_config(|c| {
        c.partition_assignment_strategy = vec![AssignmentStrategy::Range];
    });
    let mut t = cluster(6, 32);
    t.consumer("billing", &["orders"], range.clone());
    t.consumer("billing", &["orders"], range.clone());
    t.produce_every("orders", "k", 30, 0);
    t.run_for_ms(5_000);
    let generation = t.group("billing").generation;
    let since = index_of_last_event(&t);
    t.consumer("billing", &["orders"], range);
    t.run_for_ms(8_000);
    let mut revoked = revocations(&t, since);
    revoked.sort();
    assert_eq!(
        revoked,
        vec![
            (0, tps(&["orders-0", "orders-1", "orders-2"]), false),
            (1, tps(&["orders-3", "orders-4", "orders-5"]), false),
        ]
    );
    assert_eq!(
        generations_completed(&t, "billing", since),
        vec![generation + 1]
    );
    assert_eq!(
        t.assignment("billing"),
        vec![
            (0, tps(&["orders-0", "orders-1"])),
            (1, tps(&["orders-2", "orders-3"])),
            (2, tps(&["orders-4", "orders-5"])),
        ]
    );
    assert_no_unallowed_violations(&t);
}

// ---- coordinator, restarts, static members, poll timeout ---------------------------------------

/// The group's coordinator is the leader of `__consumer_offsets` partition
/// `abs("analytics".hashCode()) % 3`: "analytics".hashCode() = −1693017210 (Java `String.hashCode`,
/// computed by hand with 32-bit wrap), 1693017210 % 3 = 0. Killing that broker moves the partition's
/// leadership to another replica, which loads the partition: the committed offsets and the
/// GroupMetadata record written when generation 1's assignment was installed. The group is Stable
/// there in generation 1 with the same members, leader and assignment, every member's session
/// starting at the load. The members mark their coordinator unknown when the dead broker's
/// connections close, find the new one, and keep heartbeating with their member id and
/// generation: no JoinGroup, no new generation, no partition changes hands. With commitSync after
/// processing nothing is skipped or processed twice.
/// Reference: `GroupCoordinatorService.partitionFor`; `CoordinatorRuntime` loading on election;
/// `GroupMetadataManager.replay(GroupMetadataKey, GroupMetadataValue)` and `onLoaded`
/// (`rescheduleClassicGroupMemberHeartbeat`); `AbstractCoordinator.markCoordinatorUnknown`.
#[test]
fn coordinator_failover_keeps_the_group_and_its_committed_offsets() {
    let config = consumer_config(|c| {
        c.commit = CommitMode::SyncAfterProcessing;
        c.processing_ms_per_record = 10;
    });
    let mut t = cluster(6, 41);
    for _ in 0..2 {
        t.consumer("analytics", &["orders"], config.clone());
    }
    t.produce_every("orders", "a", 30, 0);
    t.run_for_ms(4_000);
    t.produce_every("orders", "b", 20, 100);
    let old = t.leader("__consumer_offsets", 0).expect("a leader");
    let before = t.group("analytics");
    assert_eq!(
        (before.state.as_str(), before.coordinator, before.generation),
        ("Stable", Some(old), 1)
    );
    let ids_before = member_ids(&t, "analytics");
    let assignment_before = t.assignment("analytics");
    assert_eq!(
        assignment_before,
        vec![
            (0, tps(&["orders-0", "orders-1", "orders-2"])),
            (1, tps(&["orders-3", "orders-4", "orders-5"])),
        ]
    );
    let since = index_of_last_event(&t);
    t.apply_now(Command::KillBroker { broker: old.0 });
    t.produce_every("orders", "c", 100, 100);
    t.run_for_ms(15_000);

    let new = t.leader("__consumer_offsets", 0).expect("a new leader");
    assert_ne!(new, old);
    // The new leader loaded the group from its GroupMetadata record.
    let loaded: Vec<(BrokerId, i32, GroupState, usize)> = t.events[since..]
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Group {
                broker,
                event:
                    GroupEvent::Loaded {
                        generation_id,
                        state,
                        members,
                        ..
                    },
                ..
            } => Some((*broker, generation_id.0, *state, members.len())),
            _ => None,
        })
        .collect();
    assert_eq!(loaded, vec![(new, 1, GroupState::Stable, 2)]);
    // Each member marks its coordinator unknown at once (the dead broker's connections close)
    // and looks it up again until it finds the new leader. (Until the controller fences the dead
    // broker, metadata still names it: a lookup may find it, fail to connect, and back off —
    // `reconnect.backoff.ms` — as a real client does.)
    let killed_at = t.events[since].at.0;
    for consumer in 0..2 {
        let lost = t.events[since..].iter().find(
            |e| matches!(e.kind, EventKind::CoordinatorLost { consumer: c, .. } if c.0 == consumer),
        );
        assert!(lost.is_some_and(|e| e.at.0 < killed_at + 500), "{lost:?}");
        let found: Vec<BrokerId> = t.events[since..]
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::CoordinatorFound {
                    consumer: c,
                    broker,
                    offsets_partition,
                    ..
                } if c.0 == consumer => {
                    assert_eq!(offsets_partition, 0);
                    Some(broker)
                }
                _ => None,
            })
            .collect();
        assert_eq!(found.last(), Some(&new), "consumer {consumer}: {found:?}");
        assert!(found.iter().all(|b| *b == new || *b == old));
    }
    // No rebalance: nobody rejoins, no generation completes, no partition is revoked or assigned,
    // the members keep their ids.
    assert!(rebalances(&t, "analytics", since).is_empty());
    assert!(generations_completed(&t, "analytics", since).is_empty());
    let churn = t.events[since..].iter().find(|e| {
        matches!(
            e.kind,
            EventKind::JoinGroupSent { .. }
                | EventKind::PartitionsRevoked { .. }
                | EventKind::PartitionsAssigned { .. }
        )
    });
    assert!(churn.is_none(), "{churn:?}");
    let g = t.group("analytics");
    assert_eq!(
        (g.state.as_str(), g.coordinator, g.generation),
        ("Stable", Some(new), 1)
    );
    assert_eq!(member_ids(&t, "analytics"), ids_before);
    assert_eq!(t.assignment("analytics"), assignment_before);
    // The members heartbeat to the new coordinator and commit there.
    for consumer in 0..2 {
        let committed = t.events[since..].iter().any(|e| {
            matches!(e.kind, EventKind::OffsetsCommitted { consumer: c, .. } if c.0 == consumer)
                && e.at.0 > killed_at + 6_000
        });
        assert!(
            committed,
            "consumer {consumer} commits to the new coordinator"
        );
    }
    // Everything produced was processed exactly once: nothing skipped, nothing redelivered.
    assert_processed(&t, "analytics", "orders", Some(1));
    let counts = t.sim.ledger().consumption_counts("analytics");
    assert_eq!((counts.skipped, counts.redelivered), (0, 0));
    assert_eq!(first_double_ownership(&t, "analytics"), None);
    assert_no_unallowed_violations(&t);
}

/// The GroupMetadata records of a group (generation, member count, whether compaction removed
/// the record from a replica), in the order they were written.
fn group_metadata_records(t: &TestCluster, group: &str) -> Vec<(i32, usize, bool)> {
    t.sim
        .ledger()
        .records()
        .iter()
        .filter_map(|r| match &r.value {
            kafka_sim::ledger::Value::GroupMetadata(g) if &*g.group == group => {
                Some((g.value.generation_id.0, g.value.members.len(), r.deleted))
            }
            _ => None,
        })
        .collect()
}

/// `__consumer_offsets` is compacted by record key, and a group's GroupMetadata records share one
/// key, distinct from its offset keys. With tiny segments (1000 bytes) and commits after every
/// batch, the cleaner removes the superseded offset commits and generation 1's record (generation
/// 2 replaced it when a third consumer joined), and keeps generation 2's record, which was written
/// when its assignment was installed. A new coordinator loaded from the compacted partition
/// therefore knows the group: Stable in generation 2 with its three members, no rebalance.
/// Reference: `LogCleaner` (latest record per key); `GroupCoordinatorRecordHelpers`
/// (`GroupMetadataKey` vs `OffsetCommitKey`); `GroupMetadataManager.replay`.
#[test]
fn the_group_metadata_record_survives_compaction_and_a_new_coordinator_loads_it() {
    let config = consumer_config(|c| {
        c.commit = CommitMode::SyncAfterProcessing;
        c.processing_ms_per_record = 10;
    });
    let mut t = cluster(6, 43);
    for _ in 0..2 {
        t.consumer("analytics", &["orders"], config.clone());
    }
    t.apply_now(Command::AlterTopicConfig {
        topic: "__consumer_offsets".into(),
        config: TopicConfig {
            cleanup_policy: CleanupPolicy::Compact,
            segment_bytes: 1_000,
            ..TopicConfig::default()
        },
    });
    t.produce_every("orders", "a", 30, 50);
    t.run_for_ms(6_000);
    t.consumer("analytics", &["orders"], config.clone());
    t.produce_every("orders", "b", 200, 100);
    t.run_for_ms(30_000);
    assert_eq!(
        (
            t.group("analytics").state.as_str(),
            t.group("analytics").generation
        ),
        ("Stable", 2)
    );
    let records = group_metadata_records(&t, "analytics");
    assert_eq!(
        records,
        vec![(1, 2, true), (2, 3, false)],
        "generation 1's record compacted away, generation 2's kept"
    );
    let offsets_tp = t.tp("__consumer_offsets", 0);
    let compacted = t.events.iter().any(|e| {
        matches!(e.kind, EventKind::RecordsDeleted { tp, compaction: true, .. } if tp == offsets_tp)
    });
    assert!(compacted, "the cleaner ran on __consumer_offsets-0");
    // Offset commits written after generation 2's record were compacted too: the cleaner went
    // past it and kept it.
    let ledger = t.sim.ledger();
    let stored_at = ledger
        .records()
        .iter()
        .rev()
        .find(|r| matches!(&r.value, kafka_sim::ledger::Value::GroupMetadata(_)))
        .and_then(|r| r.committed_offset)
        .expect("committed");
    let cleaned_after = ledger.records().iter().any(|r| {
        matches!(r.value, kafka_sim::ledger::Value::OffsetCommit(_))
            && r.deleted
            && r.committed_offset > Some(stored_at)
    });
    assert!(
        cleaned_after,
        "compaction cleaned past the GroupMetadata record at {stored_at}"
    );

    let old = t.leader("__consumer_offsets", 0).expect("a leader");
    let ids_before = member_ids(&t, "analytics");
    let assignment_before = t.assignment("analytics");
    let since = index_of_last_event(&t);
    t.apply_now(Command::KillBroker { broker: old.0 });
    t.run_for_ms(15_000);
    let loaded: Vec<(i32, GroupState, usize)> = t
        .group_events("analytics", since)
        .into_iter()
        .filter_map(|(_, e)| match e {
            GroupEvent::Loaded {
                generation_id,
                state,
                members,
                ..
            } => Some((generation_id.0, state, members.len())),
            _ => None,
        })
        .collect();
    assert_eq!(loaded, vec![(2, GroupState::Stable, 3)]);
    assert!(rebalances(&t, "analytics", since).is_empty());
    let g = t.group("analytics");
    assert_ne!(g.coordinator, Some(old));
    assert_eq!((g.state.as_str(), g.generation), ("Stable", 2));
    assert_eq!(member_ids(&t, "analytics"), ids_before);
    assert_eq!(t.assignment("analytics"), assignment_before);
    assert_no_unallowed_violations(&t);
}

/// A consumer reads 5, 7 and 3 records of orders-0/1/2 and commits them, then stops. While it is
/// away 4 more records go to orders-0 and 2 to orders-2. Lag = HW − committed: 9 − 5 = 4,
/// 7 − 7 = 0, 5 − 3 = 2. Restarted, it resumes at the committed offsets 5, 7, 3 and reads only the
/// 6 new records.
#[test]
fn restarted_consumer_resumes_from_committed_offsets_and_lag_is_hw_minus_committed() {
    let config = consumer_config(|c| c.commit = CommitMode::SyncAfterProcessing);
    let mut t = cluster(3, 42);
    let c = t.consumer("billing", &["orders"], config);
    t.produce_to("orders", 0, 5);
    t.produce_to("orders", 1, 7);
    t.produce_to("orders", 2, 3);
    t.run_for_ms(5_000);
    t.apply_now(Command::StopConsumer { consumer: c });
    t.run_for_ms(1_000);
    assert_eq!(t.group("billing").state, "Empty");
    t.produce_to("orders", 0, 4);
    t.produce_to("orders", 2, 2);
    t.run_for_ms(2_000);
    assert_eq!(
        t.lag("billing"),
        vec![
            ("orders-0".to_string(), Some(5), 9, Some(4)),
            ("orders-1".to_string(), Some(7), 7, Some(0)),
            ("orders-2".to_string(), Some(3), 5, Some(2)),
        ]
    );
    let since = index_of_last_event(&t);
    t.apply_now(Command::RestartConsumer { consumer: c });
    t.run_for_ms(5_000);
    let mut positions: Vec<(String, u64, Option<kafka_sim::config::AutoOffsetReset>)> = t.events
        [since..]
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::PositionInitialized {
                tp, offset, reset, ..
            } => Some((t.sim.tp_name(tp), offset.0, reset)),
            _ => None,
        })
        .collect();
    positions.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        positions,
        vec![
            ("orders-0".to_string(), 5, None),
            ("orders-1".to_string(), 7, None),
            ("orders-2".to_string(), 3, None),
        ]
    );
    assert_eq!(processed_by(&t, c, since), 6);
    let counts = t.sim.ledger().consumption_counts("billing");
    assert_eq!(
        (counts.processed, counts.redelivered, counts.skipped),
        (21, 0, 0)
    );
    assert_eq!(
        t.lag("billing"),
        vec![
            ("orders-0".to_string(), Some(9), 9, Some(0)),
            ("orders-1".to_string(), Some(7), 7, Some(0)),
            ("orders-2".to_string(), Some(5), 5, Some(0)),
        ]
    );
    assert_no_unallowed_violations(&t);
}

/// Static membership (KIP-345): members with `group.instance.id` send no LeaveGroup, and a
/// restarted one that rejoins within `session.timeout.ms` takes over its old slot under a new
/// member id — no rebalance, same partitions. Range orders static members by instance id
/// (`inst-0` < `inst-1`), so the assignment is the same as before the restart.
/// Reference: `GroupMetadataManager.updateStaticMemberThenRebalanceOrCompleteJoin`.
#[test]
fn static_member_restart_within_session_timeout_keeps_partitions_without_rebalance() {
    let config = consumer_config(|c| {
        c.group_instance_id = Some("inst".into());
        c.commit = CommitMode::SyncAfterProcessing;
    });
    let mut t = cluster(6, 43);
    t.consumer("billing", &["orders"], config.clone());
    t.consumer("billing", &["orders"], config);
    t.produce_every("orders", "k", 30, 0);
    t.run_for_ms(5_000);
    let before = t.assignment("billing");
    assert_eq!(
        before,
        vec![
            (0, tps(&["orders-0", "orders-1", "orders-2"])),
            (1, tps(&["orders-3", "orders-4", "orders-5"])),
        ]
    );
    let generation = t.group("billing").generation;
    let since = index_of_last_event(&t);
    t.apply_now(Command::CrashConsumer { consumer: 1 });
    t.run_for_ms(2_000);
    t.produce_every("orders", "during", 10, 50);
    t.apply_now(Command::RestartConsumer { consumer: 1 });
    t.run_for_ms(SESSION_TIMEOUT_MS + 4_000);
    let replaced: Vec<String> = t
        .group_events("billing", since)
        .into_iter()
        .filter_map(|(_, e)| match e {
            GroupEvent::StaticMemberReplaced {
                group_instance_id, ..
            } => Some(group_instance_id),
            _ => None,
        })
        .collect();
    assert_eq!(replaced, vec!["inst-1".to_string()]);
    assert_eq!(rebalances(&t, "billing", since), vec![]);
    let g = t.group("billing");
    assert_eq!((g.state.as_str(), g.generation), ("Stable", generation));
    assert_eq!(t.assignment("billing"), before);
    assert_processed(&t, "billing", "orders", Some(1));
    assert_no_unallowed_violations(&t);
}

/// A consumer whose processing of one poll takes longer than `max.poll.interval.ms` is taken for
/// stuck: its heartbeat thread sends LeaveGroup (`maybeLeaveGroup("consumer poll timeout has
/// expired")`), the group rebalances without it, and the other member takes its partitions.
#[test]
fn poll_interval_exceeded_member_leaves_and_group_rebalances() {
    let slow = consumer_config(|c| {
        c.processing_ms_per_record = 2_000;
        c.max_poll_records = 10;
        c.max_poll_interval_ms = 10_000;
    });
    let mut t = cluster(6, 44);
    t.consumer("billing", &["orders"], None);
    let s = t.consumer("billing", &["orders"], slow);
    t.produce_every("orders", "k", 60, 0);
    t.run_for_ms(4_000);
    assert_eq!(
        t.owned("billing", s),
        tps(&["orders-3", "orders-4", "orders-5"])
    );
    assert_eq!(t.client_state("billing", s), "processing");
    let since = index_of_last_event(&t);
    t.run_for_ms(12_000);
    let expired: Vec<u64> = t.events[since..]
        .iter()
        .filter(
            |e| matches!(e.kind, EventKind::PollTimeoutExpired { consumer, .. } if consumer.0 == s),
        )
        .map(|e| e.at.0)
        .collect();
    assert_eq!(expired.len(), 1);
    let r = rebalances(&t, "billing", since);
    assert!(
        matches!(r.first(), Some((at, RebalanceReason::MemberLeft { .. })) if *at < expired[0] + 200),
        "{r:?}"
    );
    assert!(
        t.group_events("billing", since)
            .iter()
            .any(|(_, e)| matches!(
                e,
                GroupEvent::MemberRemoved {
                    reason: RemovalReason::LeaveGroup,
                    ..
                }
            ))
    );
    assert_eq!(
        t.owned("billing", 0),
        tps(&[
            "orders-0", "orders-1", "orders-2", "orders-3", "orders-4", "orders-5"
        ])
    );
    assert_no_unallowed_violations(&t);
}

// ---- regressions -------------------------------------------------------------------------------

/// Partitions added to a subscribed topic: only the leader, whose `assignmentSnapshot` no longer
/// matches the metadata, rejoins (`ConsumerCoordinator.rejoinNeededOrPending`); the follower hears
/// of the rebalance from its next heartbeat. The new partitions are then shared out.
#[test]
fn added_partitions_make_the_leader_rebalance() {
    let mut t = cluster(3, 51);
    t.consumer("billing", &["orders"], None);
    t.consumer("billing", &["orders"], None);
    t.run_for_ms(4_000);
    let since = index_of_last_event(&t);
    t.apply_now(Command::AddPartitions {
        topic: "orders".into(),
        partitions: 6,
    });
    t.run_for_ms(5_000);
    let r = rebalances(&t, "billing", since);
    assert_eq!(r.len(), 1, "{r:?}");
    let leader = t
        .group_events("billing", 0)
        .into_iter()
        .find_map(|(_, e)| match e {
            GroupEvent::GenerationCompleted { leader, .. } => Some(leader),
            _ => None,
        });
    assert_eq!(
        r[0].1,
        RebalanceReason::LeaderRejoined {
            member_id: leader.expect("a leader")
        }
    );
    assert_eq!(
        t.assignment("billing"),
        vec![
            (0, tps(&["orders-0", "orders-1", "orders-2"])),
            (1, tps(&["orders-3", "orders-4", "orders-5"])),
        ]
    );
    assert_no_unallowed_violations(&t);
}

/// A static member whose processing outlasts `max.poll.interval.ms` sends no LeaveGroup
/// (`AbstractCoordinator.maybeLeaveGroup` only does for dynamic members): the coordinator removes
/// it when its session times out.
#[test]
fn static_member_poll_timeout_sends_no_leave_group() {
    let slow = consumer_config(|c| {
        c.group_instance_id = Some("inst".into());
        c.processing_ms_per_record = 2_000;
        c.max_poll_records = 10;
        c.max_poll_interval_ms = 10_000;
    });
    let mut t = cluster(3, 52);
    t.consumer("billing", &["orders"], None);
    let s = t.consumer("billing", &["orders"], slow);
    t.produce_every("orders", "k", 30, 0);
    t.run_for_ms(30_000);
    assert!(
        t.any(|k| matches!(k, EventKind::PollTimeoutExpired { consumer, .. } if consumer.0 == s))
    );
    let removals: Vec<RemovalReason> = t
        .group_events("billing", 0)
        .into_iter()
        .filter_map(|(_, e)| match e {
            GroupEvent::MemberRemoved { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(removals, vec![RemovalReason::SessionTimeout]);
    assert_no_unallowed_violations(&t);
}

/// The link from a member to its coordinator slows down by 7 s while the member processes a long
/// poll: no heartbeat arrives for `session.timeout.ms`, the group drops it, and the late
/// heartbeat is answered UNKNOWN_MEMBER_ID while the application is still processing. The
/// partitions are lost, but the application finishes the records it already holds and gives the
/// partitions up at its next poll (`ConsumerCoordinator.onJoinPrepare`): Kafka's heartbeat thread
/// never revokes. Its commit after processing fails (`CommitFailedException`), so those records
/// are redelivered to their new owner.
#[test]
fn membership_lost_while_processing_gives_partitions_up_at_next_poll() {
    let config = consumer_config(|c| {
        c.commit = CommitMode::SyncAfterProcessing;
        c.processing_ms_per_record = 1_000;
        c.max_poll_records = 20;
        c.max_poll_interval_ms = 60_000;
        c.request_timeout_ms = 20_000;
    });
    let mut t = cluster(3, 53);
    t.consumer("billing", &["orders"], config.clone());
    let b = t.consumer("billing", &["orders"], config);
    t.produce_every("orders", "k", 60, 0);
    assert!(t.run_until(10_000, |t| t.client_state("billing", b) == "processing"));
    let coordinator = t.group("billing").coordinator.expect("a coordinator");
    let (from, to) = (NodeRef::Consumer(b), NodeRef::Broker(coordinator.0));
    t.apply_now(Command::SlowLink {
        from,
        to,
        extra_ms: 7_000,
    });
    t.run_for_ms(9_000);
    t.apply_now(Command::SlowLink {
        from,
        to,
        extra_ms: 0,
    });
    // Dropped by the group, told so, and still owning its partition while it processes.
    assert!(t.group_events("billing", 0).iter().any(|(_, e)| matches!(
        e,
        GroupEvent::MemberRemoved {
            reason: RemovalReason::SessionTimeout,
            ..
        }
    )));
    assert_eq!(t.group("billing").members[b as usize].generation, -1);
    assert_eq!(t.owned("billing", b), tps(&["orders-2"]));
    t.run_for_ms(60_000);
    let failed = t.any(|k| {
        matches!(k, EventKind::OffsetCommitFailed { consumer, error: kafka_sim::group::GroupError::UnknownMemberId, .. } if consumer.0 == b)
    });
    assert!(failed, "the commit after processing fails");
    assert!(
        revocations(&t, 0)
            .iter()
            .any(|(c, _, lost)| *c == b && *lost)
    );
    assert_processed(&t, "billing", "orders", None);
    assert_no_unallowed_violations(&t);
}

/// A member busy with a long poll holds up a rebalance: the join phase waits until it polls again
/// (at most the rebalance timeout, its `max.poll.interval.ms`), and the newcomer's JoinGroup waits
/// parked all that time — the client allows a JoinGroup the rebalance timeout plus 5 s
/// (`AbstractCoordinator.sendJoinGroupRequest`), so it does not give up on the coordinator.
#[test]
fn rebalance_waits_for_a_busy_member_and_the_joiner_waits_patiently() {
    let busy = consumer_config(|c| {
        c.processing_ms_per_record = 1_000;
        c.max_poll_records = 15;
    });
    let mut t = cluster(3, 54);
    let a = t.consumer("billing", &["orders"], busy);
    t.produce_to("orders", 0, 30);
    assert!(t.run_until(10_000, |t| t.client_state("billing", a) == "processing"));
    let started = t.sim.now().0;
    let since = index_of_last_event(&t);
    let b = t.consumer("billing", &["orders"], None);
    t.run_for_ms(25_000);
    let joins = t.events[since..]
        .iter()
        .filter(|e| matches!(e.kind, EventKind::JoinGroupSent { consumer, .. } if consumer.0 == b))
        .count();
    assert_eq!(
        joins, 2,
        "MEMBER_ID_REQUIRED, then one JoinGroup that waits"
    );
    assert!(!t.any(|k| matches!(k, EventKind::CoordinatorLost { .. })));
    let completed: Vec<u64> = t
        .group_events("billing", since)
        .into_iter()
        .filter_map(|(at, e)| matches!(e, GroupEvent::GenerationCompleted { .. }).then_some(at))
        .collect();
    assert_eq!(completed.len(), 1);
    assert!(
        completed[0] >= started + 15_000,
        "the join phase waited for the busy member"
    );
    assert_eq!(t.group("billing").state, "Stable");
    assert_no_unallowed_violations(&t);
}

/// With `offsets.topic.replication.factor=1`, killing the broker holding the group's
/// `__consumer_offsets` partition leaves the group without a coordinator until it returns. The
/// members cannot heartbeat or commit, but they keep fetching and processing the partitions they
/// own from the brokers still up (`KafkaConsumer.poll` fetches even while
/// `ConsumerCoordinator.poll` cannot find the coordinator).
#[test]
fn without_a_coordinator_members_keep_consuming_what_they_own() {
    let mut config = SimConfig::demo_timing();
    config.brokers = 3;
    config.broker.offsets_topic_replication_factor = 1;
    let mut t = TestCluster::with_config(config, 55).topic("orders", 3, 3, TopicConfig::default());
    t.consumer("analytics", &["orders"], None);
    t.produce_every("orders", "a", 10, 50);
    t.run_for_ms(5_000);
    // "analytics" → __consumer_offsets-0 (see coordinator_failover_keeps_the_group_and_its_committed_offsets).
    let coordinator = t.leader("__consumer_offsets", 0).expect("a leader");
    t.apply_now(Command::KillBroker {
        broker: coordinator.0,
    });
    t.run_for_ms(10_000);
    assert_eq!(
        t.leader("__consumer_offsets", 0),
        None,
        "the only replica is down"
    );
    let since = index_of_last_event(&t);
    t.produce_every("orders", "b", 30, 100);
    t.run_for_ms(5_000);
    assert_eq!(
        processed_by(&t, 0, since),
        30,
        "every new record was processed meanwhile"
    );
    assert_eq!(t.group("analytics").coordinator, None);
    // ...but nothing they do is committed.
    let commits = t.events[since..]
        .iter()
        .filter(|e| matches!(e.kind, EventKind::OffsetsCommitted { .. }))
        .count();
    assert_eq!(commits, 0);
    assert_no_unallowed_violations(&t);
}

/// A cooperative member busy processing a long batch when a rebalance moves one of its
/// partitions away: the SyncGroup answer completes the rebalance, but the revocation happens in
/// its next poll (`onJoinComplete` runs in the application thread), after the batch — so it never
/// processes a partition it no longer owns.
#[test]
fn a_busy_cooperative_member_gives_partitions_up_after_its_batch() {
    for seed in 1..=8 {
        let mut t = cluster(6, seed);
        let config = ConsumerConfig {
            partition_assignment_strategy: vec![
                kafka_sim::assignor::AssignmentStrategy::CooperativeSticky,
            ],
            processing_ms_per_record: 40,
            max_poll_records: 50,
            commit: CommitMode::SyncAfterProcessing,
            ..SimConfig::demo_timing().consumer
        };
        t.consumer("analytics", &["orders"], Some(config.clone()));
        t.run_for_ms(3_000);
        for i in 0..300 {
            t.produce("orders", &format!("customer_{i}"), "order");
        }
        t.run_for_ms(1_500); // consumer 0 is in the middle of long batches
        t.consumer("analytics", &["orders"], Some(config));
        t.run_for_ms(40_000);
        assert!(
            t.unallowed_violations().is_empty(),
            "seed {seed}: {:?}",
            t.unallowed_violations()
        );
        let revoked = t.any(|k| {
            matches!(
                k,
                EventKind::PartitionsRevoked {
                    consumer: ConsumerId(0),
                    lost: false,
                    ..
                }
            )
        });
        assert!(revoked, "seed {seed}: consumer 0 handed partitions over");
        let c = t.sim.ledger().consumption_counts("analytics");
        assert_eq!(c.processed, 300, "seed {seed}");
    }
}
