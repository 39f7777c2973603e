//! Replication rules: HW advance, HW held under min.insync.replicas, ISR shrink and expand,
//! leader failover, truncation, NotEnoughReplicas, acks=1 and unclean-election loss.

mod support;

use kafka_sim::ledger::Outcome;
use kafka_sim::*;
use support::*;

/// The leader advances the HW to the smallest LEO in the ISR once followers fetched;
/// acks=all records are acknowledged only then. (Partition#maybeIncrementLeaderHW)
#[test]
fn high_watermark_advances_when_the_isr_has_the_records() {
    let mut t = TestCluster::new(3, 1).topic("orders", 1, 3, topic_config(2, false));
    t.produce_to("orders", 0, 5);
    t.run_for_ms(2_000);
    assert_eq!(t.high_watermark("orders", 0), Offset(5));
    for r in t.view("orders", 0).replicas {
        assert_eq!(
            r.log_end_offset,
            Offset(5),
            "replica on broker {} caught up",
            r.broker
        );
    }
    assert_eq!(t.acked(), 5);
    assert_eq!(t.sim.ledger().counts().committed, 5);
    assert!(t.violations().is_empty(), "{:?}", t.violations());
}

/// A follower that stops fetching leaves the ISR after replica.lag.time.max.ms and the HW moves on
/// without it; it rejoins once it has caught up. (Partition#maybeShrinkIsr, #maybeExpandIsr)
#[test]
fn isr_shrinks_for_a_stuck_follower_and_expands_when_it_catches_up() {
    let mut t = TestCluster::new(3, 2).topic("orders", 1, 3, topic_config(1, false));
    let leader = t.leader("orders", 0).expect("leader");
    let follower = t
        .view("orders", 0)
        .assignment
        .into_iter()
        .find(|b| *b != leader)
        .expect("follower");
    t.apply(Command::CutLink {
        from: NodeRef::Broker(follower.0),
        to: NodeRef::Broker(leader.0),
    });
    t.produce_to("orders", 0, 3);
    t.run_for_ms(t.sim.config().broker.replica_lag_time_max_ms + 3_000);
    assert!(
        !t.isr("orders", 0).contains(&follower.0),
        "isr {:?}",
        t.isr("orders", 0)
    );
    assert!(t.any(|k| matches!(k, EventKind::IsrShrunk { .. })));
    assert_eq!(t.high_watermark("orders", 0), Offset(3));
    t.apply(Command::HealLink {
        from: NodeRef::Broker(follower.0),
        to: NodeRef::Broker(leader.0),
    });
    t.run_for_ms(40_000);
    assert_eq!(t.isr("orders", 0), vec![1, 2, 3]);
    assert!(t.any(|k| matches!(k, EventKind::IsrExpanded { .. })));
    assert!(t.unallowed_violations().is_empty());
}

/// With ISR below min.insync.replicas, acks=all produce fails with NOT_ENOUGH_REPLICAS and the HW
/// does not move (KAFKA-15583).
#[test]
fn not_enough_replicas_when_isr_is_below_min_insync() {
    let mut t = TestCluster::new(3, 3).topic("orders", 1, 3, topic_config(2, false));
    let leader = t.leader("orders", 0).expect("leader");
    for b in t.view("orders", 0).assignment {
        if b != leader {
            t.apply(Command::KillBroker { broker: b.0 });
        }
    }
    t.run_for_ms(10_000); // fenced, removed from the ISR
    assert_eq!(t.isr("orders", 0), vec![leader.0]);
    t.produce_to("orders", 0, 1);
    t.run_for_ms(1_000);
    assert!(t.any(|k| matches!(
        k,
        EventKind::ProduceRetrying {
            error: KafkaError::NotEnoughReplicas,
            ..
        }
    )));
    t.run_for_ms(30_000);
    assert!(
        matches!(
            t.outcomes()[0],
            Outcome::Failed(KafkaError::DeliveryTimeout)
        ),
        "{:?}",
        t.outcomes()
    );
    assert_eq!(t.acked(), 0);
}

/// Killing the leader: after broker.session.timeout.ms the controller fences it and elects the
/// first ISR replica; the epoch goes up and no acknowledged record is lost. Back, the old leader
/// rejoins as a follower and catches up.
#[test]
fn leader_failover_keeps_every_acknowledged_record() {
    let mut t = TestCluster::new(3, 4).topic("orders", 1, 3, topic_config(2, false));
    t.produce_to("orders", 0, 10);
    t.run_for_ms(1_000);
    let old = t.leader("orders", 0).expect("leader");
    let epoch = t.view("orders", 0).leader_epoch;
    t.apply(Command::KillBroker { broker: old.0 });
    t.run_for_ms(1_000);
    assert_eq!(
        t.leader("orders", 0),
        Some(old),
        "not fenced before the session timeout"
    );
    t.run_for_ms(t.sim.config().broker.broker_session_timeout_ms + 1_000);
    let new = t.leader("orders", 0).expect("new leader");
    assert_ne!(new, old);
    assert!(t.view("orders", 0).leader_epoch > epoch);
    assert!(t.any(|k| matches!(k, EventKind::BrokerFenced { .. })));
    t.produce_to("orders", 0, 5);
    t.run_for_ms(2_000);
    t.apply(Command::RestartBroker { broker: old.0 });
    t.run_for_ms(10_000);
    assert_eq!(t.isr("orders", 0), vec![1, 2, 3]);
    assert_eq!(t.acked(), 15);
    assert_eq!(t.sim.ledger().counts().lost, 0);
    assert!(
        t.unallowed_violations().is_empty(),
        "{:?}",
        t.unallowed_violations()
    );
}

/// acks=1: the leader acknowledges before replication; if it dies before followers fetch, a new
/// leader is elected without the records and the old leader truncates them on return (KIP-101).
/// The ledger reports the acknowledged records as lost, allowed by acks=1.
#[test]
fn acks_1_loses_acknowledged_records_on_leader_failover() {
    let mut t = TestCluster::new(3, 5).topic("orders", 1, 3, topic_config(1, false));
    t.apply(Command::SetAcks {
        producer: 0,
        acks: Acks::One,
    });
    let leader = t.leader("orders", 0).expect("leader");
    // Followers cannot fetch (both directions, so parked fetches are not answered either):
    // records stay only on the leader.
    for b in t.view("orders", 0).assignment {
        if b != leader {
            t.apply(Command::CutLink {
                from: NodeRef::Broker(b.0),
                to: NodeRef::Broker(leader.0),
            });
            t.apply(Command::CutLink {
                from: NodeRef::Broker(leader.0),
                to: NodeRef::Broker(b.0),
            });
        }
    }
    t.produce_to("orders", 0, 3);
    t.run_for_ms(500);
    assert_eq!(
        t.acked(),
        3,
        "acks=1 acknowledges after the leader's append"
    );
    t.apply(Command::KillBroker { broker: leader.0 });
    for b in t.view("orders", 0).assignment {
        if b != leader {
            t.apply(Command::HealLink {
                from: NodeRef::Broker(b.0),
                to: NodeRef::Broker(leader.0),
            });
            t.apply(Command::HealLink {
                from: NodeRef::Broker(leader.0),
                to: NodeRef::Broker(b.0),
            });
        }
    }
    t.run_for_ms(5_000);
    assert!(t.leader("orders", 0).is_some_and(|l| l != leader));
    t.produce_to("orders", 0, 2); // new leader writes at the same offsets
    t.run_for_ms(1_000);
    t.apply(Command::RestartBroker { broker: leader.0 });
    t.run_for_ms(10_000);
    assert!(t.any(|k| matches!(k, EventKind::LogTruncated { .. })));
    assert_eq!(t.sim.ledger().counts().lost, 3);
    let lost: Vec<_> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::InvariantViolated {
                invariant: Invariant::NoAckedRecordLost,
                allowed_by,
                ..
            } => Some(*allowed_by),
            _ => None,
        })
        .collect();
    assert_eq!(lost, vec![Some(AllowedBy::Acks1); 3]);
    assert!(
        t.unallowed_violations().is_empty(),
        "{:?}",
        t.unallowed_violations()
    );
}

/// Unclean leader election: the only ISR member dies, an out-of-sync replica is elected because
/// the topic allows it, and committed, acknowledged records are lost.
#[test]
fn unclean_election_loses_committed_records() {
    let mut t = TestCluster::new(3, 6).topic("orders", 1, 3, topic_config(1, true));
    let leader = t.leader("orders", 0).expect("leader");
    let others: Vec<BrokerId> = t
        .view("orders", 0)
        .assignment
        .into_iter()
        .filter(|b| *b != leader)
        .collect();
    for b in &others {
        t.apply(Command::KillBroker { broker: b.0 });
    }
    t.run_for_ms(10_000); // ISR shrinks to the leader alone
    t.produce_to("orders", 0, 4); // acks=all with min.insync.replicas=1: acknowledged by the leader alone
    t.run_for_ms(1_000);
    assert_eq!(t.acked(), 4);
    t.apply(Command::KillBroker { broker: leader.0 });
    for b in &others {
        t.apply(Command::RestartBroker { broker: b.0 });
    }
    t.run_for_ms(10_000);
    assert!(t.any(|k| matches!(
        k,
        EventKind::LeaderElected {
            election: event::ElectionKind::Unclean,
            ..
        }
    )));
    t.produce_to("orders", 0, 1);
    t.run_for_ms(1_000);
    t.apply(Command::RestartBroker { broker: leader.0 });
    t.run_for_ms(10_000);
    assert_eq!(t.sim.ledger().counts().lost, 4);
    assert!(t.violations().iter().all(|e| matches!(
        e.kind,
        EventKind::InvariantViolated {
            allowed_by: Some(AllowedBy::UncleanLeaderElection),
            ..
        }
    )));
    assert!(!t.violations().is_empty());
    // The new leader wrote other records at offsets the old one had committed: the checker
    // sees the replicas disagree below the high watermark.
    assert!(t.violations().iter().any(|e| matches!(
        e.kind,
        EventKind::InvariantViolated {
            invariant: Invariant::ReplicasAgreeBelowHighWatermark,
            ..
        }
    )));
}

/// A slowed follower (extra latency on its link to the leader larger than replica.lag.time.max.ms)
/// falls out of the ISR even though it keeps fetching; removing the delay lets it back in.
#[test]
fn slow_follower_leaves_the_isr_and_returns_when_fast_again() {
    let mut t = TestCluster::new(3, 7).topic("orders", 1, 3, topic_config(1, false));
    let leader = t.leader("orders", 0).expect("leader");
    let follower = t
        .view("orders", 0)
        .assignment
        .into_iter()
        .find(|b| *b != leader)
        .expect("follower");
    let lag = t.sim.config().broker.replica_lag_time_max_ms;
    t.apply(Command::SlowLink {
        from: NodeRef::Broker(leader.0),
        to: NodeRef::Broker(follower.0),
        extra_ms: lag * 2,
    });
    for _ in 0..20 {
        t.produce_to("orders", 0, 1);
        t.run_for_ms(500);
    }
    t.run_for_ms(lag);
    assert!(
        !t.isr("orders", 0).contains(&follower.0),
        "isr {:?}",
        t.isr("orders", 0)
    );
    t.apply(Command::SlowLink {
        from: NodeRef::Broker(leader.0),
        to: NodeRef::Broker(follower.0),
        extra_ms: 0,
    });
    t.run_for_ms(lag * 4 + 40_000);
    assert!(
        t.isr("orders", 0).contains(&follower.0),
        "isr {:?}",
        t.isr("orders", 0)
    );
    assert!(t.unallowed_violations().is_empty());
}
