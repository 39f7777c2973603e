//! Producer rules: retries with and without idempotence, min.insync.replicas and the HW, key
//! routing (murmur2) and what adding partitions does to it, keyless partitioners, preferred leaders.

mod support;

use kafka_sim::ledger::Outcome;
use kafka_sim::murmur2::partition_for_key;
use kafka_sim::*;
use support::*;

/// Cuts the leader → producer link so the produce response is lost, then heals it before the
/// producer's retry: the record was appended once already.
fn lose_first_response(t: &mut TestCluster) {
    let leader = t.leader("orders", 0).expect("leader");
    t.apply(Command::CutLink {
        from: NodeRef::Broker(leader.0),
        to: NodeRef::Producer(0),
    });
    t.produce_to("orders", 0, 1);
    t.run_for_ms(2_000); // appended and committed; the response was dropped
    t.apply(Command::HealLink {
        from: NodeRef::Broker(leader.0),
        to: NodeRef::Producer(0),
    });
    t.run_for_ms(t.sim.config().producer.request_timeout_ms + 2_000); // timeout, retry, answer
}

/// enable.idempotence=true: the leader recognises the retried batch by producer id and sequence
/// and answers with the original offset instead of appending it again.
#[test]
fn idempotent_retry_after_a_lost_response_does_not_duplicate() {
    let mut t = TestCluster::new(3, 21).topic("orders", 1, 3, topic_config(2, false));
    lose_first_response(&mut t);
    assert!(t.any(|k| matches!(
        k,
        EventKind::ProduceRetrying {
            error: KafkaError::RequestTimedOut,
            ..
        }
    )));
    assert_eq!(t.view("orders", 0).high_watermark(), Some(Offset(1)));
    assert_eq!(
        t.outcomes(),
        vec![Outcome::Acked {
            offset: Some(Offset(0)),
            acks: Acks::All
        }]
    );
    assert_eq!(t.sim.ledger().counts().duplicates, 0);
}

/// Without idempotence the same retry appends the record a second time: a duplicate the ledger
/// reports (Jepsen's "duplicate"), committed at offsets 0 and 1.
#[test]
fn retry_without_idempotence_duplicates_the_record() {
    let mut config = SimConfig::demo_timing();
    config.producer.enable_idempotence = false;
    let mut t = TestCluster::with_config(config, 21).topic("orders", 1, 3, topic_config(2, false));
    lose_first_response(&mut t);
    assert_eq!(t.view("orders", 0).high_watermark(), Some(Offset(2)));
    assert_eq!(t.sim.ledger().counts().duplicates, 1);
    assert_eq!(
        t.outcomes(),
        vec![Outcome::Acked {
            offset: Some(Offset(1)),
            acks: Acks::All
        }]
    );
}

/// While the ISR is smaller than min.insync.replicas the HW does not move even for acks=1 writes,
/// which are still appended and acknowledged (KAFKA-15583, Kafka ≥ 3.7).
#[test]
fn high_watermark_is_held_while_isr_is_below_min_insync() {
    let mut t = TestCluster::new(3, 22).topic("orders", 1, 3, topic_config(2, false));
    t.apply(Command::SetAcks {
        producer: 0,
        acks: Acks::One,
    });
    t.produce_to("orders", 0, 2);
    t.run_for_ms(1_000);
    assert_eq!(t.high_watermark("orders", 0), Offset(2));
    let leader = t.leader("orders", 0).expect("leader");
    for b in t.view("orders", 0).assignment {
        if b != leader {
            t.apply(Command::KillBroker { broker: b.0 });
        }
    }
    t.run_for_ms(10_000);
    assert_eq!(t.isr("orders", 0), vec![leader.0]);
    t.produce_to("orders", 0, 3);
    t.run_for_ms(1_000);
    assert_eq!(t.acked(), 5, "acks=1 does not look at min.insync.replicas");
    let v = t.view("orders", 0);
    assert_eq!(
        v.replica(leader).expect("leader replica").log_end_offset,
        Offset(5)
    );
    assert_eq!(
        v.high_watermark(),
        Some(Offset(2)),
        "HW frozen below min ISR"
    );
}

/// Keyed records go to toPositive(murmur2(key)) % partitions, in order, as the Java client does.
#[test]
fn keyed_records_land_in_their_murmur2_partition_in_order() {
    let mut t = TestCluster::new(3, 23).topic("orders", 6, 3, topic_config(1, false));
    for v in ["a", "b", "c"] {
        t.produce("orders", "customer_42", v);
    }
    t.run_for_ms(1_000);
    let want = partition_for_key(b"customer_42", 6);
    let records = t.sim.ledger().records();
    assert!(records.iter().all(|r| r.tp.partition == want));
    let offsets: Vec<_> = records
        .iter()
        .map(|r| match r.outcome {
            Outcome::Acked { offset, .. } => offset,
            other => panic!("not acked: {other:?}"),
        })
        .collect();
    assert_eq!(
        offsets,
        vec![Some(Offset(0)), Some(Offset(1)), Some(Offset(2))]
    );
}

/// Adding partitions changes the modulus: a key may move to another partition afterwards.
#[test]
fn adding_partitions_reroutes_keys() {
    let mut t = TestCluster::new(3, 24).topic("orders", 3, 3, topic_config(1, false));
    // "0" → 2 with 3 partitions, 8 with 12 (kafka-semantics.md §1.3).
    t.produce("orders", "0", "before");
    t.run_for_ms(1_000);
    t.apply(Command::AddPartitions {
        topic: "orders".into(),
        partitions: 12,
    });
    t.run_for_ms(1_000);
    t.produce("orders", "0", "after");
    t.run_for_ms(1_000);
    let parts: Vec<u32> = t
        .sim
        .ledger()
        .records()
        .iter()
        .map(|r| r.tp.partition)
        .collect();
    assert_eq!(parts, vec![2, 8]);
    assert!(t.any(|k| matches!(
        k,
        EventKind::PartitionsAdded {
            from: 3,
            to: 12,
            ..
        }
    )));
    assert_eq!(t.acked(), 2);
}

/// Round-robin sends keyless records to partitions 0, 1, 2, 0, … while all have leaders.
#[test]
fn round_robin_cycles_over_partitions() {
    let mut config = SimConfig::demo_timing();
    config.producer.keyless_partitioner = KeylessPartitioner::RoundRobin;
    let mut t = TestCluster::with_config(config, 25).topic("events", 3, 3, topic_config(1, false));
    t.apply(Command::ProduceMany {
        producer: 0,
        topic: "events".into(),
        count: 7,
        keys: 0,
        value_bytes: 8,
    });
    t.run_for_ms(1_000);
    let parts: Vec<u32> = t
        .sim
        .ledger()
        .records()
        .iter()
        .map(|r| r.tp.partition)
        .collect();
    assert_eq!(parts, vec![0, 1, 2, 0, 1, 2, 0]);
}

/// The sticky partitioner keeps keyless records on one partition until batch.size bytes were
/// produced to it (KIP-794), then moves on.
#[test]
fn sticky_partitioner_switches_after_batch_size_bytes() {
    let mut config = SimConfig::demo_timing();
    config.producer.batch_size = 100;
    let mut t = TestCluster::with_config(config, 26).topic("events", 3, 3, topic_config(1, false));
    // Each record is 7 + 0 (no key) + 18 = 25 bytes: four records make 100 bytes.
    t.apply(Command::ProduceMany {
        producer: 0,
        topic: "events".into(),
        count: 12,
        keys: 0,
        value_bytes: 18,
    });
    let parts: Vec<u32> = t
        .sim
        .ledger()
        .records()
        .iter()
        .map(|r| r.tp.partition)
        .collect();
    for chunk in parts.chunks(4) {
        assert!(
            chunk.iter().all(|p| *p == chunk[0]),
            "runs of four: {parts:?}"
        );
    }
}

/// The preferred-leader election moves leadership back to the first replica once it is in the ISR.
#[test]
fn preferred_leader_election_restores_the_first_replica() {
    let mut t = TestCluster::new(3, 27).topic("orders", 1, 3, topic_config(1, false));
    let preferred = t.view("orders", 0).assignment[0];
    t.apply(Command::KillBroker {
        broker: preferred.0,
    });
    t.run_for_ms(5_000);
    assert_ne!(t.leader("orders", 0), Some(preferred));
    t.apply(Command::RestartBroker {
        broker: preferred.0,
    });
    t.run_for_ms(5_000);
    assert_ne!(
        t.leader("orders", 0),
        Some(preferred),
        "a returning broker does not take leadership back by itself"
    );
    t.apply(Command::ElectPreferredLeaders);
    t.run_for_ms(1_000);
    assert_eq!(t.leader("orders", 0), Some(preferred));
    assert!(t.any(|k| matches!(
        k,
        EventKind::LeaderElected {
            election: event::ElectionKind::Preferred,
            ..
        }
    )));
}

/// With auto.leader.rebalance.enable the controller does the same by itself every
/// leader.imbalance.check.interval.seconds.
#[test]
fn auto_leader_rebalance_restores_the_first_replica() {
    let mut t = TestCluster::new(3, 28).topic("orders", 1, 3, topic_config(1, false));
    let preferred = t.view("orders", 0).assignment[0];
    t.apply(Command::KillBroker {
        broker: preferred.0,
    });
    t.run_for_ms(5_000);
    t.apply(Command::RestartBroker {
        broker: preferred.0,
    });
    t.run_for_ms(
        t.sim
            .config()
            .broker
            .leader_imbalance_check_interval_seconds
            * 1_000
            + 1_000,
    );
    assert_eq!(t.leader("orders", 0), Some(preferred));
}

/// acks=0: the producer does not wait — every record counts as sent-and-acknowledged at once,
/// with no offset, even when the leader is unreachable and nothing is written.
#[test]
fn acks_0_acknowledges_without_waiting_or_knowing_the_offset() {
    let mut config = SimConfig::demo_timing();
    config.producer.acks = Acks::Zero;
    config.producer.enable_idempotence = false;
    let mut t = TestCluster::with_config(config, 29).topic("orders", 1, 3, topic_config(2, false));
    let leader = t.leader("orders", 0).expect("leader");
    t.apply(Command::CutLink {
        from: NodeRef::Producer(0),
        to: NodeRef::Broker(leader.0),
    });
    t.produce_to("orders", 0, 2);
    assert_eq!(
        t.outcomes(),
        vec![
            Outcome::Acked {
                offset: None,
                acks: Acks::Zero
            };
            2
        ],
        "acknowledged at once"
    );
    t.run_for_ms(5_000);
    assert_eq!(
        t.view("orders", 0).high_watermark(),
        Some(Offset(0)),
        "nothing was written"
    );
    assert!(
        t.sim
            .ledger()
            .records()
            .iter()
            .all(|r| r.replicas_holding == 0)
    );
}

/// The ledger says which replicas got each record.
#[test]
fn ledger_records_which_replicas_hold_a_record() {
    let mut t = TestCluster::new(3, 30).topic("orders", 1, 2, topic_config(1, false));
    t.produce_to("orders", 0, 1);
    t.run_for_ms(2_000);
    let mut want = t.view("orders", 0).assignment.clone();
    want.sort();
    assert_eq!(t.sim.ledger().replicated_to(RecordId(0)), want);
    let record = t.sim.ledger().get(RecordId(0)).expect("record 0");
    assert_eq!(record.replicas_holding, 2);
}

/// Killing a broker closes its connections: a produce waiting there for replication fails at
/// once with NETWORK_EXCEPTION and is retried, instead of waiting for `request.timeout.ms`; a
/// merely isolated leader, whose connections stay open, is only given up on by the timeout.
#[test]
fn a_killed_leader_fails_in_flight_produces_at_once_an_isolated_one_by_timeout() {
    for kill in [true, false] {
        let mut t = TestCluster::new(3, 4).topic("orders", 1, 3, topic_config(2, false));
        let leader = t.leader("orders", 0).expect("leader");
        // Followers stop fetching, so an acks=all produce waits at the leader.
        for b in t.sim.broker_ids() {
            if b != leader {
                t.apply(Command::CutLink {
                    from: NodeRef::Broker(b.0),
                    to: NodeRef::Broker(leader.0),
                });
            }
        }
        t.produce_to("orders", 0, 1);
        t.run_for_ms(200);
        let at = t.sim.now();
        t.apply(if kill {
            Command::KillBroker { broker: leader.0 }
        } else {
            Command::IsolateBroker { broker: leader.0 }
        });
        t.run_for_ms(1_000);
        let retried_within_a_second = t.events.iter().any(|e| {
            e.at >= at
                && matches!(
                    e.kind,
                    EventKind::ProduceRetrying {
                        error: KafkaError::NetworkException,
                        ..
                    }
                )
        });
        assert_eq!(retried_within_a_second, kill, "kill = {kill}");
        let timeout = t.sim.config().producer.request_timeout_ms;
        t.run_for_ms(timeout);
        if !kill {
            assert!(t.any(|k| matches!(
                k,
                EventKind::ProduceRetrying {
                    error: KafkaError::RequestTimedOut,
                    ..
                }
            )));
        }
    }
}

/// A min.insync.replicas outage: writes to several partitions are refused with
/// NOT_ENOUGH_REPLICAS until their delivery timeout; every one of them then fails — none stays
/// pending (a failed idempotent batch must not stall the others behind an epoch bump).
#[test]
fn refused_writes_all_fail_by_the_delivery_timeout_and_none_stalls() {
    let mut t = TestCluster::new(3, 7).topic("orders", 3, 3, topic_config(2, false));
    t.apply(Command::KillBroker { broker: 1 });
    t.apply(Command::KillBroker { broker: 3 });
    t.run_for_ms(5_000);
    for i in 0..3 {
        t.produce("orders", &format!("customer_{}", 6 + i), "order");
        t.run_for_ms(300);
    }
    for _ in 0..3 {
        t.produce_to("orders", 0, 1);
        t.run_for_ms(300);
    }
    let delivery = t.sim.config().producer.delivery_timeout_ms;
    t.run_for_ms(delivery + 10_000);
    assert_eq!(t.sim.pending_sends(), 0, "every send is resolved");
    let failed = t
        .outcomes()
        .iter()
        .filter(|o| matches!(o, kafka_sim::ledger::Outcome::Failed(_)))
        .count();
    assert_eq!(failed, 6);
}
