//! Retention and compaction rules (kafka-semantics.md §6): segment-granular deletion by size and
//! by time, never at or above the HW, followers following the leader's log start offset,
//! compaction keeping the latest record per key below the active segment, tombstones kept for
//! `delete.retention.ms`, keyless records refused on compacted topics.
//!
//! Every record here is 13 bytes: 7 bytes of record overhead + a 3-byte key + a 3-byte value (a
//! tombstone has no value: 10 bytes). With `segment.bytes` = 39 a segment holds three records:
//! 13 + 13 + 13 = 39 fits, a fourth would make 52 > 39 and rolls a new segment.

mod support;

use kafka_sim::ledger::Outcome;
use kafka_sim::view::ReplicaView;
use kafka_sim::*;
use support::*;

const TOPIC: &str = "events";

/// Three brokers, demo timing, retention checked every `check_ms`.
fn cluster(check_ms: u64, seed: u64) -> TestCluster {
    let mut config = SimConfig::demo_timing();
    config.brokers = 3;
    config.broker.log_retention_check_interval_ms = check_ms;
    TestCluster::with_config(config, seed)
}

/// RF 3, three 13-byte records per segment, no retention unless a test sets one.
fn base_config(min_isr: u32) -> TopicConfig {
    TopicConfig {
        min_insync_replicas: Some(min_isr),
        segment_bytes: 39,
        retention_ms: -1,
        retention_bytes: -1,
        ..TopicConfig::default()
    }
}

/// Sends one record to partition 0; `value: None` is a tombstone.
fn send(t: &mut TestCluster, key: &str, value: Option<&str>) {
    t.apply(Command::Produce {
        producer: 0,
        topic: TOPIC.into(),
        key: Some(key.into()),
        value: value.map(Into::into),
        partition: Some(0),
    });
}

/// Sends records `from..to` with keys `k00, k01, …` and values `v00, v01, …` (13 bytes each).
fn send_range(t: &mut TestCluster, from: u32, to: u32) {
    for i in from..to {
        send(t, &format!("k{i:02}"), Some(&format!("v{i:02}")));
    }
}

fn offsets(r: &ReplicaView) -> Vec<u64> {
    r.records.iter().map(|(o, _, _)| o.0).collect()
}

/// `(removed, log_start_offset, compaction)` of every `RecordsDeleted` event of `broker`.
fn deletions(t: &TestCluster, broker: BrokerId) -> Vec<(u64, Offset, bool)> {
    t.events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::RecordsDeleted {
                broker: b,
                removed,
                log_start_offset,
                compaction,
                ..
            } if b == broker => Some((removed, log_start_offset, compaction)),
            _ => None,
        })
        .collect()
}

/// Times of the `RecordsDeleted` events of `broker`.
fn deletion_times(t: &TestCluster, broker: BrokerId) -> Vec<u64> {
    t.events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::RecordsDeleted { broker: b, .. } if b == broker => Some(e.at.0),
            _ => None,
        })
        .collect()
}

/// Which ledger records (by creation order) retention or compaction removed.
fn deleted_records(t: &TestCluster) -> Vec<usize> {
    t.sim
        .ledger()
        .records()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.deleted)
        .map(|(i, _)| i)
        .collect()
}

/// Every replica has log start offset `lso`, LEO `leo`, HW `hw` and exactly the records at `left`.
fn assert_replicas(t: &TestCluster, lso: u64, leo: u64, hw: u64, left: &[u64]) {
    for r in t.view(TOPIC, 0).replicas {
        assert_eq!(
            (r.log_start_offset, r.log_end_offset, r.high_watermark),
            (Offset(lso), Offset(leo), Offset(hw)),
            "log start offset, LEO, HW of the replica on broker {}",
            r.broker
        );
        assert_eq!(offsets(&r), left, "records on broker {}", r.broker);
    }
}

/// Retention deletes, it does not lose: no loss counted, no invariant broken.
fn assert_nothing_lost(t: &TestCluster) {
    assert_eq!(t.sim.ledger().counts().lost, 0);
    assert!(t.violations().is_empty(), "{:?}", t.violations());
}

/// `retention.bytes` deletes whole segments, oldest first, while `size − retention.bytes −
/// segment.size ≥ 0`; nothing goes until a whole non-active segment fits in the excess, the log
/// start offset moves to the next segment's base, and the active segment is never deleted.
/// (UnifiedLog#deleteRetentionSizeBreachedSegments, kafka-semantics.md §6.2)
#[test]
fn size_retention_deletes_whole_segments_and_never_the_active_one() {
    let config = TopicConfig {
        retention_bytes: 100,
        ..base_config(2)
    };
    let mut t = cluster(1_000, 11).topic(TOPIC, 1, 3, config.clone());
    let leader = t.leader(TOPIC, 0).expect("leader");

    send_range(&mut t, 0, 10);
    t.run_for_ms(3_000);
    // Segments [0,1,2] [3,4,5] [6,7,8] [9] = 39+39+39+13 = 130 bytes; excess 130 − 100 = 30 is
    // less than the oldest segment's 39 bytes: nothing is deleted.
    assert_replicas(&t, 0, 10, 10, &(0..10).collect::<Vec<_>>());
    assert!(deletions(&t, leader).is_empty());

    send_range(&mut t, 10, 11);
    t.run_for_ms(3_000);
    // 143 bytes, excess 43: the oldest segment goes (43 − 39 = 4), the next does not (4 < 39).
    assert_replicas(&t, 3, 11, 11, &(3..11).collect::<Vec<_>>());
    assert_eq!(deletions(&t, leader), vec![(3, Offset(3), false)]);

    t.apply(Command::AlterTopicConfig {
        topic: TOPIC.into(),
        config: TopicConfig {
            retention_bytes: 0,
            ..config
        },
    });
    t.run_for_ms(5_000);
    // retention.bytes = 0: excess = all 104 bytes; [3,4,5] and [6,7,8] go (104 − 39 − 39 = 26),
    // the active segment [9,10] (26 bytes) stays although it is over the limit too.
    assert_replicas(&t, 9, 11, 11, &[9, 10]);
    assert_eq!(
        deletions(&t, leader),
        vec![(3, Offset(3), false), (6, Offset(9), false)]
    );
    assert_eq!(deleted_records(&t), (0..9).collect::<Vec<_>>());
    assert_eq!(t.acked(), 11);
    assert_nothing_lost(&t);
}

/// `retention.ms` deletes a segment once `now − its largest record timestamp > retention.ms`,
/// oldest first, checked every `log.retention.check.interval.ms`; the active segment stays.
/// (UnifiedLog#deleteRetentionMsBreachedSegments, kafka-semantics.md §6.2)
#[test]
fn time_retention_deletes_a_segment_once_its_newest_record_is_older_than_retention_ms() {
    let config = TopicConfig {
        retention_ms: 10_000,
        ..base_config(2)
    };
    let mut t = cluster(1_000, 12).topic(TOPIC, 1, 3, config);
    let leader = t.leader(TOPIC, 0).expect("leader");
    let t0 = t.sim.now().0;

    send_range(&mut t, 0, 3); // segment [0,1,2], newest timestamp t0
    t.run_for_ms(4_000);
    send_range(&mut t, 3, 6); // segment [3,4,5], newest timestamp t0 + 4000
    t.run_for_ms(4_000);
    send_range(&mut t, 6, 7); // active segment [6], timestamp t0 + 8000
    t.run_for_ms(1_900); // t0 + 9900: t0 is 9.9 s old, not more than 10 s
    assert_replicas(&t, 0, 7, 7, &(0..7).collect::<Vec<_>>());

    // The first check after t0 + 10000 (checks are 1 s apart) deletes [0,1,2].
    t.run_for_ms(2_100); // t0 + 12000
    assert_replicas(&t, 3, 7, 7, &(3..7).collect::<Vec<_>>());
    let at = deletion_times(&t, leader);
    assert_eq!(at.len(), 1);
    assert!(
        t0 + 10_000 < at[0] && at[0] <= t0 + 11_000,
        "deleted at {at:?}"
    );

    t.run_for_ms(2_000); // t0 + 14000: t0 + 4000 is exactly 10 s old, not more
    assert_replicas(&t, 3, 7, 7, &(3..7).collect::<Vec<_>>());

    t.run_for_ms(2_000); // t0 + 16000
    assert_replicas(&t, 6, 7, 7, &[6]);
    let at = deletion_times(&t, leader);
    assert_eq!(at.len(), 2);
    assert!(
        t0 + 14_000 < at[1] && at[1] <= t0 + 15_000,
        "deleted at {at:?}"
    );

    // [6] is older than retention.ms from t0 + 18000 on, but it is the active segment.
    t.run_for_ms(20_000);
    assert_replicas(&t, 6, 7, 7, &[6]);
    assert_eq!(
        deletions(&t, leader),
        vec![(3, Offset(3), false), (3, Offset(6), false)]
    );
    assert_eq!(deleted_records(&t), (0..6).collect::<Vec<_>>());
    assert_nothing_lost(&t);
}

/// A segment is deletable only if all its offsets are below the HW (its successor starts at or
/// below the HW): records in the log but not committed are never deleted, whatever the limits.
/// Here `min.insync.replicas` = 3 and a cut-off follower hold the HW while acks=1 records are
/// appended above it. (UnifiedLog#deletableSegments, kafka-semantics.md §6.2)
#[test]
fn retention_never_deletes_at_or_above_the_high_watermark() {
    let config = TopicConfig {
        retention_bytes: 0, // delete everything deletable
        ..base_config(3)
    };
    let mut t = cluster(1_000, 13).topic(TOPIC, 1, 3, config);
    let leader = t.leader(TOPIC, 0).expect("leader");
    let cut = t
        .view(TOPIC, 0)
        .assignment
        .into_iter()
        .find(|b| *b != leader)
        .expect("follower");

    send_range(&mut t, 0, 3); // acks=all, ISR of 3: committed, HW 3
    t.run_for_ms(2_000);
    // One segment [0,1,2]: the active one, not deletable.
    assert_replicas(&t, 0, 3, 3, &[0, 1, 2]);

    t.apply(Command::SetAcks {
        producer: 0,
        acks: Acks::One,
    });
    for (from, to) in [(cut, leader), (leader, cut)] {
        t.apply(Command::CutLink {
            from: NodeRef::Broker(from.0),
            to: NodeRef::Broker(to.0),
        });
    }
    send_range(&mut t, 3, 10); // acks=1: appended and acknowledged, not committed
    t.run_for_ms(10_000); // the ISR shrinks to 2 < min.insync.replicas 3: the HW stays at 3
    assert_eq!(t.isr(TOPIC, 0).len(), 2);
    let view = t.view(TOPIC, 0);
    for r in &view.replicas {
        if r.broker == cut {
            // Cut off: its log is unchanged.
            assert_eq!(
                (r.log_start_offset, r.log_end_offset),
                (Offset(0), Offset(3))
            );
            assert_eq!(offsets(r), vec![0, 1, 2]);
        } else {
            // Segments [0,1,2] [3,4,5] [6,7,8] [9], HW 3: only [0,1,2] has its successor's base
            // (3) at or below the HW; [3,4,5] would need HW ≥ 6.
            assert_eq!(
                (r.log_start_offset, r.log_end_offset, r.high_watermark),
                (Offset(3), Offset(10), Offset(3)),
                "broker {}",
                r.broker
            );
            assert_eq!(offsets(r), (3..10).collect::<Vec<_>>());
        }
    }
    assert_eq!(deletions(&t, leader), vec![(3, Offset(3), false)]);
    assert_eq!(deleted_records(&t), vec![0, 1, 2]);

    // Healed, the follower catches up from 3, the ISR and the HW reach 3 and 10, and
    // [3,4,5] [6,7,8] go too ([9] is the active segment).
    for (from, to) in [(cut, leader), (leader, cut)] {
        t.apply(Command::HealLink {
            from: NodeRef::Broker(from.0),
            to: NodeRef::Broker(to.0),
        });
    }
    // (Its fetch lost in the cut is retried after replica.socket.timeout.ms, 30 s.)
    t.run_for_ms(40_000);
    assert_eq!(t.isr(TOPIC, 0).len(), 3);
    assert_replicas(&t, 9, 10, 10, &[9]);
    assert_eq!(
        deletions(&t, leader),
        vec![(3, Offset(3), false), (6, Offset(9), false)]
    );
    assert_eq!(deleted_records(&t), (0..9).collect::<Vec<_>>());
    assert_eq!(t.acked(), 10);
    assert_nothing_lost(&t);
}

/// A follower raises its log start offset to the leader's (sent with every fetch response) and
/// drops what lies below it, without waiting for its own retention check.
/// (ReplicaFetcherThread#processPartitionData → maybeIncrementLogStartOffset, kafka-semantics.md §4.2)
#[test]
fn followers_follow_the_leaders_log_start_offset() {
    let config = TopicConfig {
        retention_bytes: 0,
        ..base_config(2)
    };
    // Checks every 10 s: at 10 s, 20 s, … on brokers started at 0.
    let mut t = cluster(10_000, 14).topic(TOPIC, 1, 3, config);
    let leader = t.leader(TOPIC, 0).expect("leader");
    let follower = t
        .view(TOPIC, 0)
        .assignment
        .into_iter()
        .find(|b| *b != leader)
        .expect("follower");
    assert_eq!(t.sim.now(), SimTime(3_000));
    // Restarted at 7 s, the follower checks at 17 s, 27 s, …: 7 s after the leader.
    t.apply(Command::KillBroker { broker: follower.0 });
    t.run_for_ms(4_000);
    t.apply(Command::RestartBroker { broker: follower.0 });
    t.run_for_ms(1_000); // 8 s
    send_range(&mut t, 0, 10); // segments [0,1,2] [3,4,5] [6,7,8] [9]
    t.run_for_ms(1_500); // 9.5 s
    assert_replicas(&t, 0, 10, 10, &(0..10).collect::<Vec<_>>());

    t.run_for_ms(2_000); // 11.5 s: the leader's check at 10 s deleted everything below 9
    assert_eq!(deletions(&t, leader), vec![(9, Offset(9), false)]);
    assert_replicas(&t, 9, 10, 10, &[9]);
    assert!(
        deletions(&t, follower).is_empty(),
        "the follower's own check (17 s) has not run: it followed the leader"
    );
    assert_eq!(deleted_records(&t), (0..9).collect::<Vec<_>>());

    // Its own retention then cuts the same segments as the leader's: [9] holds 13 bytes, so 10
    // and 11 fill it to 39 and 12 rolls [12,13,14] on every replica.
    send_range(&mut t, 10, 15);
    t.run_for_ms(5_000); // 16.5 s
    assert_replicas(&t, 9, 15, 15, &(9..15).collect::<Vec<_>>());
    t.run_for_ms(4_500); // 21 s: the follower checked at 17 s, the leader at 20 s
    assert_eq!(deletions(&t, follower), vec![(3, Offset(12), false)]);
    assert_eq!(
        deletions(&t, leader),
        vec![(9, Offset(9), false), (3, Offset(12), false)]
    );
    assert_replicas(&t, 12, 15, 15, &[12, 13, 14]);
    assert_nothing_lost(&t);
}

/// `compact,delete` applies both: compaction keeps the latest record per key, and size retention
/// keeps bounding the log, also past a segment that compaction emptied (its 0 bytes fit in any
/// excess). (kafka-semantics.md §6.2, §6.3)
#[test]
fn compact_delete_compacts_and_still_deletes_by_size() {
    let config = TopicConfig {
        cleanup_policy: CleanupPolicy::CompactDelete,
        retention_bytes: 60,
        ..base_config(2)
    };
    let mut t = cluster(1_000, 19).topic(TOPIC, 1, 3, config);
    let leader = t.leader(TOPIC, 0).expect("leader");
    // offset: 0   1   2  | 3   4   5  | 6
    // key:    k-a k-b k-c| k-a k-b k-c| k-d   (active segment from 6)
    for (i, key) in ["k-a", "k-b", "k-c", "k-a", "k-b", "k-c", "k-d"]
        .iter()
        .enumerate()
    {
        send(&mut t, key, Some(&format!("v{i:02}")));
    }
    t.run_for_ms(3_000);
    // 39 + 39 + 13 = 91 bytes: excess 31 < 39, nothing deleted by size. Compaction below 6 drops
    // 0, 1, 2 (superseded by 3, 4, 5): [0,1,2] is now empty, the log 0 + 39 + 13 = 52 bytes.
    assert_replicas(&t, 0, 7, 7, &[3, 4, 5, 6]);
    assert_eq!(deleted_records(&t), vec![0, 1, 2]);

    // 7…12 (new keys): [6,7,8] [9,10,11] [12] → 0 + 39 + 39 + 39 + 13 = 130 bytes, excess 70:
    // the empty segment (70 − 0), then [3,4,5] (70 − 39 = 31); [6,7,8] does not fit in 31.
    for (i, key) in ["k-e", "k-f", "k-g", "k-h", "k-i", "k-j"]
        .iter()
        .enumerate()
    {
        send(&mut t, key, Some(&format!("v{:02}", i + 7)));
    }
    t.run_for_ms(3_000);
    assert_replicas(&t, 6, 13, 13, &(6..13).collect::<Vec<_>>());
    assert_eq!(deleted_records(&t), (0..6).collect::<Vec<_>>());
    let leader_deletions = deletions(&t, leader);
    let by_compaction: u64 = leader_deletions.iter().filter(|d| d.2).map(|d| d.0).sum();
    let by_retention: u64 = leader_deletions.iter().filter(|d| !d.2).map(|d| d.0).sum();
    assert_eq!(
        (by_compaction, by_retention),
        (3, 3),
        "{leader_deletions:?}"
    );
    assert_nothing_lost(&t);
}

/// Compaction keeps, below the active segment, only the latest record of each key; offsets are
/// never renumbered (gaps appear) and the log start offset stays; the active segment is left
/// alone, even when it holds newer records of a key. (LogCleaner, kafka-semantics.md §6.3)
#[test]
fn compaction_keeps_the_latest_record_per_key_below_the_active_segment() {
    let config = TopicConfig {
        cleanup_policy: CleanupPolicy::Compact,
        ..base_config(2)
    };
    let mut t = cluster(1_000, 15).topic(TOPIC, 1, 3, config);
    let leader = t.leader(TOPIC, 0).expect("leader");
    // offset: 0   1   2  | 3   4   5  | 6   7
    // key:    k-a k-b k-c| k-a k-d k-a| k-b k-c   (active segment from 6)
    for (i, key) in ["k-a", "k-b", "k-c", "k-a", "k-d", "k-a", "k-b", "k-c"]
        .iter()
        .enumerate()
    {
        send(&mut t, key, Some(&format!("v{i:02}")));
    }
    t.run_for_ms(3_000);
    // Below 6: latest k-a is 5, k-b 1, k-c 2, k-d 4 → 0 and 3 go. 1 and 2 stay: their newer
    // records (6, 7) are in the active segment, which compaction does not read.
    assert_replicas(&t, 0, 8, 8, &[1, 2, 4, 5, 6, 7]);
    assert_eq!(deleted_records(&t), vec![0, 3]);
    let removed: u64 = deletions(&t, leader).iter().map(|d| d.0).sum();
    assert_eq!(removed, 2);

    // 8 fills [6,7,8]; 9 rolls a new active segment, so [6,7,8] becomes cleanable.
    send(&mut t, "k-d", Some("v08"));
    send(&mut t, "k-e", Some("v09"));
    t.run_for_ms(3_000);
    // Below 9: latest k-a 5, k-b 6, k-c 7, k-d 8 → 1, 2 and 4 go.
    assert_replicas(&t, 0, 10, 10, &[5, 6, 7, 8, 9]);
    assert_eq!(deleted_records(&t), vec![0, 1, 2, 3, 4]);
    let leader_deletions = deletions(&t, leader);
    assert!(
        leader_deletions
            .iter()
            .all(|&(_, lso, compaction)| compaction && lso == Offset(0)),
        "{leader_deletions:?}"
    );
    assert_eq!(leader_deletions.iter().map(|d| d.0).sum::<u64>(), 5);
    assert_nothing_lost(&t);
}

/// Compaction cleans only below the HW (the last stable offset): with the HW held by a cut-off
/// follower, superseded records above it stay. (LogCleanerManager#cleanableOffsets)
#[test]
fn compaction_never_cleans_at_or_above_the_high_watermark() {
    let config = TopicConfig {
        cleanup_policy: CleanupPolicy::Compact,
        ..base_config(3)
    };
    let mut t = cluster(1_000, 16).topic(TOPIC, 1, 3, config);
    let leader = t.leader(TOPIC, 0).expect("leader");
    let cut = t
        .view(TOPIC, 0)
        .assignment
        .into_iter()
        .find(|b| *b != leader)
        .expect("follower");
    send(&mut t, "k-a", Some("v00"));
    send(&mut t, "k-a", Some("v01"));
    t.run_for_ms(2_000); // committed: HW 2
    t.apply(Command::SetAcks {
        producer: 0,
        acks: Acks::One,
    });
    for (from, to) in [(cut, leader), (leader, cut)] {
        t.apply(Command::CutLink {
            from: NodeRef::Broker(from.0),
            to: NodeRef::Broker(to.0),
        });
    }
    // offset: 0   1   2  | 3   4   5  | 6
    // key:    k-a k-a k-a| k-a k-a k-a| k-a   (HW 2, active segment from 6)
    for i in 2..7 {
        send(&mut t, "k-a", Some(&format!("v{i:02}")));
    }
    t.run_for_ms(10_000);
    // Cleanable range: below min(active base 6, HW 2) = 2. Latest k-a below 2 is 1 → 0 goes;
    // 1 stays although 2…6 supersede it, and 2…5 stay although they are below the active segment.
    for r in t.view(TOPIC, 0).replicas {
        if r.broker == cut {
            assert_eq!(offsets(&r), vec![0, 1]);
        } else {
            assert_eq!(r.high_watermark, Offset(2), "broker {}", r.broker);
            assert_eq!(offsets(&r), vec![1, 2, 3, 4, 5, 6], "broker {}", r.broker);
        }
    }
    assert_eq!(deleted_records(&t), vec![0]);
    assert_nothing_lost(&t);
}

/// A tombstone (keyed record with a null value) supersedes its key like any record but is kept
/// by compaction for `delete.retention.ms`, so that readers see the delete; then it is dropped
/// and the key disappears. (LogCleaner, KIP-534 delete horizon; kafka-semantics.md §6.3)
#[test]
fn tombstones_are_kept_for_delete_retention_ms_then_dropped() {
    let config = TopicConfig {
        cleanup_policy: CleanupPolicy::Compact,
        delete_retention_ms: 20_000,
        ..base_config(2)
    };
    let mut t = cluster(1_000, 17).topic(TOPIC, 1, 3, config);
    let leader = t.leader(TOPIC, 0).expect("leader");
    let t0 = t.sim.now().0;
    // offset: 0 k-a=v00 (13 B), 1 k-b=v01 (13 B), 2 k-a=null (7 + 3 = 10 B) → 36 bytes;
    // 3 k-c=v03 would make 49 > 39: it rolls the active segment [3].
    send(&mut t, "k-a", Some("v00"));
    send(&mut t, "k-b", Some("v01"));
    send(&mut t, "k-a", None);
    send(&mut t, "k-c", Some("v03"));
    t.run_for_ms(3_000);
    assert_eq!(
        t.sim.ledger().get(RecordId(2)).expect("record 2").value,
        kafka_sim::ledger::Value::Tombstone
    );
    // 0 is superseded by the tombstone at 2, which is kept.
    assert_replicas(&t, 0, 4, 4, &[1, 2, 3]);
    assert_eq!(deleted_records(&t), vec![0]);

    t.run_for_ms(t0 + 15_000 - t.sim.now().0); // t0 + 15 s: less than delete.retention.ms
    assert_replicas(&t, 0, 4, 4, &[1, 2, 3]);

    // Kept at the first cleaning (by t0 + ~1 s), the tombstone is past its horizon by
    // t0 + ~21 s and dropped at the next check.
    t.run_for_ms(t0 + 25_000 - t.sim.now().0);
    assert_replicas(&t, 0, 4, 4, &[1, 3]);
    assert_eq!(deleted_records(&t), vec![0, 2]);
    let leader_deletions = deletions(&t, leader);
    assert_eq!(leader_deletions.len(), 2, "{leader_deletions:?}");
    assert!(leader_deletions.iter().all(|d| *d == (1, Offset(0), true)));
    assert!(
        t.sim
            .ledger()
            .records()
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Acked { .. }))
    );
    assert_nothing_lost(&t);
}

/// A compacted topic only accepts keyed records: a keyless produce is refused before anything is
/// sent (Kafka: InvalidRecordException "Compacted topic cannot accept message without key").
/// (LogValidator#validateRecord, kafka-semantics.md §6.3)
#[test]
fn keyless_produce_to_a_compacted_topic_is_refused() {
    for policy in [CleanupPolicy::Compact, CleanupPolicy::CompactDelete] {
        let config = TopicConfig {
            cleanup_policy: policy,
            ..base_config(2)
        };
        let mut t = cluster(1_000, 18).topic(TOPIC, 1, 3, config);
        let refused = CommandError::KeylessRecordOnCompactedTopic {
            topic: TOPIC.into(),
        };
        let keyless = Command::Produce {
            producer: 0,
            topic: TOPIC.into(),
            key: None,
            value: Some("v00".into()),
            partition: None,
        };
        assert_eq!(t.sim.apply(keyless), Err(refused.clone()), "{policy:?}");
        let keyless_many = Command::ProduceMany {
            producer: 0,
            topic: TOPIC.into(),
            count: 3,
            keys: 0,
            value_bytes: 3,
        };
        assert_eq!(t.sim.apply(keyless_many), Err(refused), "{policy:?}");
        t.run_for_ms(2_000);
        assert_eq!(t.sim.ledger().counts().sent, 0);
        assert_replicas(&t, 0, 0, 0, &[]);
    }
    // The same record is accepted on a delete-policy topic.
    let mut t = cluster(1_000, 18).topic(TOPIC, 1, 3, base_config(2));
    t.apply(Command::Produce {
        producer: 0,
        topic: TOPIC.into(),
        key: None,
        value: Some("v00".into()),
        partition: None,
    });
    t.run_for_ms(2_000);
    assert_eq!(t.acked(), 1);
}
