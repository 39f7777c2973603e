//! Narration: each event becomes one plain sentence with the facts a learner needs (brokers,
//! partition, leader epoch, ISR, offsets) and the reason, in Kafka's words.

mod support;

use std::collections::BTreeSet;

use kafka_sim::event::ElectionKind;
use kafka_sim::narrate::{cause_phrase, seconds, sentence};
use kafka_sim::*;
use support::*;

/// The sentences of every event matching `f`.
fn said(t: &TestCluster, f: impl Fn(&EventKind) -> bool) -> Vec<String> {
    t.events
        .iter()
        .filter(|e| f(&e.kind))
        .map(|e| sentence(e, &t.sim))
        .collect()
}

/// The first sentence matching `f`; without one, fails showing the whole narrated run.
fn first(t: &TestCluster, f: impl Fn(&EventKind) -> bool) -> String {
    said(t, f).into_iter().next().unwrap_or_else(|| {
        let log: Vec<String> = t.events.iter().map(|e| sentence(e, &t.sim)).collect();
        panic!("no such event in:\n{}", log.join("\n"))
    })
}

fn assert_has(s: &str, parts: &[&str]) {
    for p in parts {
        assert!(s.contains(p), "{s:?} lacks {p:?}");
    }
}

fn followers(t: &TestCluster, leader: BrokerId) -> Vec<BrokerId> {
    let assignment = t.view("orders", 0).assignment;
    assignment.into_iter().filter(|b| *b != leader).collect()
}

fn cut_both_ways(t: &mut TestCluster, a: BrokerId, b: BrokerId, heal: bool) {
    for (from, to) in [(a, b), (b, a)] {
        let (from, to) = (NodeRef::Broker(from.0), NodeRef::Broker(to.0));
        t.apply(if heal {
            Command::HealLink { from, to }
        } else {
            Command::CutLink { from, to }
        });
    }
}

#[test]
fn seconds_have_one_decimal() {
    assert_eq!(seconds(3_000), "3.0 s");
    assert_eq!(seconds(1_250), "1.3 s");
    assert_eq!(seconds(49), "0.0 s");
    assert_eq!(seconds(30_000), "30.0 s");
    let cause = event::Cause::Message {
        from: NodeId::Broker(BrokerId(1)),
        to: NodeId::Controller,
    };
    assert_eq!(
        cause_phrase(&cause),
        "a message from broker 1 to the controller"
    );
}

/// A dead leader: fenced after broker.session.timeout.ms, a clean election from the ISR, and the
/// ISR growing again once it is back.
#[test]
fn fencing_and_clean_failover_say_who_why_and_the_epoch() {
    let mut t = TestCluster::new(3, 4).topic("orders", 1, 3, topic_config(2, false));
    t.produce_to("orders", 0, 5);
    t.run_for_ms(1_000);
    let old = t.leader("orders", 0).expect("leader");
    t.apply(Command::KillBroker { broker: old.0 });
    t.run_for_ms(5_000);
    let new = t.leader("orders", 0).expect("new leader");
    let view = t.view("orders", 0);

    let fenced = first(
        &t,
        |k| matches!(k, EventKind::BrokerFenced { broker, .. } if *broker == old),
    );
    assert_has(
        &fenced,
        &[
            &format!("broker {old} missed heartbeats for "),
            "broker.session.timeout.ms is 3.0 s",
            "the controller fenced it",
        ],
    );
    let elected = first(
        &t,
        |k| matches!(k, EventKind::LeaderElected { previous: Some(p), .. } if *p == old),
    );
    let isr: Vec<String> = view.isr.iter().map(|b| b.to_string()).collect();
    assert_has(
        &elected,
        &[
            &format!("orders-0's leader moved from broker {old} to broker {new}"),
            &format!("(leader epoch {})", view.leader_epoch),
            &format!("elected from the ISR [{}]", isr.join(", ")),
            &format!("after the controller fenced broker {old}"),
        ],
    );
    let killed = first(&t, |k| matches!(k, EventKind::BrokerKilled { .. }));
    assert_has(&killed, &[&format!("broker {old} was killed")]);

    t.apply(Command::RestartBroker { broker: old.0 });
    t.run_for_ms(10_000);
    let expanded = first(&t, |k| matches!(k, EventKind::IsrExpanded { .. }));
    assert_has(
        &expanded,
        &[
            "the ISR of orders-0 grew to [",
            &format!("broker {old} caught up"),
            "high watermark",
        ],
    );
    let registered = said(
        &t,
        |k| matches!(k, EventKind::BrokerRegistered { broker, .. } if *broker == old),
    );
    assert_has(
        registered.last().expect("re-registered"),
        &["broker epoch", "fenced"],
    );
}

/// A follower that stops fetching leaves the ISR after replica.lag.time.max.ms.
#[test]
fn isr_shrink_names_the_lagging_follower_and_replica_lag_time_max_ms() {
    let mut t = TestCluster::new(3, 2).topic("orders", 1, 3, topic_config(1, false));
    let leader = t.leader("orders", 0).expect("leader");
    let follower = followers(&t, leader)[0];
    t.apply(Command::CutLink {
        from: NodeRef::Broker(follower.0),
        to: NodeRef::Broker(leader.0),
    });
    t.produce_to("orders", 0, 3);
    t.run_for_ms(8_000);
    let shrunk = first(&t, |k| matches!(k, EventKind::IsrShrunk { .. }));
    let isr = t.view("orders", 0).isr;
    let isr: Vec<String> = isr.iter().map(|b| b.to_string()).collect();
    assert_has(
        &shrunk,
        &[
            &format!("the ISR of orders-0 shrank to [{}]", isr.join(", ")),
            &format!("broker {follower} fell behind for more than replica.lag.time.max.ms (5.0 s)"),
            &format!("leader broker {leader}"),
        ],
    );
    let cut = first(&t, |k| matches!(k, EventKind::LinkCut { .. }));
    assert_has(
        &cut,
        &[&format!(
            "from broker {follower} to broker {leader} was cut"
        )],
    );
}

/// acks=1: acknowledged records only the old leader had are truncated on its return and lost.
#[test]
fn truncation_and_acks_1_loss_are_explained() {
    let mut t = TestCluster::new(3, 5).topic("orders", 1, 3, topic_config(1, false));
    t.apply(Command::SetAcks {
        producer: 0,
        acks: Acks::One,
    });
    let leader = t.leader("orders", 0).expect("leader");
    for b in followers(&t, leader) {
        cut_both_ways(&mut t, b, leader, false);
    }
    t.produce_to("orders", 0, 3);
    t.run_for_ms(500);
    t.apply(Command::KillBroker { broker: leader.0 });
    for b in followers(&t, leader) {
        cut_both_ways(&mut t, b, leader, true);
    }
    t.run_for_ms(5_000);
    let new = t.leader("orders", 0).expect("new leader");
    t.produce_to("orders", 0, 2);
    t.run_for_ms(1_000);
    t.apply(Command::RestartBroker { broker: leader.0 });
    t.run_for_ms(10_000);

    let acked = first(&t, |k| matches!(k, EventKind::ProduceAcked { .. }));
    assert_has(
        &acked,
        &["acknowledged at offset", "acks=1", "the leader appended it"],
    );
    let truncated = first(&t, |k| matches!(k, EventKind::LogTruncated { .. }));
    assert_has(
        &truncated,
        &[
            &format!("broker {leader} truncated orders-0 to offset 0 (3 records removed)"),
            &format!("to match the new leader, broker {new}"),
        ],
    );
    let lost = said(&t, |k| matches!(k, EventKind::RecordLost { .. }));
    assert_eq!(lost.len(), 3);
    assert_has(
        &lost[0],
        &[
            "record lost: record 0 (key \"k0\", value \"v0\") at orders-0 offset 0",
            "was acknowledged",
            "allowed by acks=1",
        ],
    );
    let violated = first(&t, |k| matches!(k, EventKind::InvariantViolated { .. }));
    assert_has(
        &violated,
        &["acknowledged record is never lost", "allowed by acks=1"],
    );
}

/// Unclean election: an out-of-sync replica leads and committed records are lost.
#[test]
fn unclean_election_says_the_leader_was_not_in_the_isr() {
    let mut t = TestCluster::new(3, 6).topic("orders", 1, 3, topic_config(1, true));
    let leader = t.leader("orders", 0).expect("leader");
    let others = followers(&t, leader);
    for b in &others {
        t.apply(Command::KillBroker { broker: b.0 });
    }
    t.run_for_ms(10_000);
    t.produce_to("orders", 0, 4);
    t.run_for_ms(1_000);
    t.apply(Command::KillBroker { broker: leader.0 });
    for b in &others {
        t.apply(Command::RestartBroker { broker: b.0 });
    }
    t.run_for_ms(10_000);
    let new = t.leader("orders", 0).expect("unclean leader");
    t.produce_to("orders", 0, 1);
    t.run_for_ms(1_000);
    t.apply(Command::RestartBroker { broker: leader.0 });
    t.run_for_ms(10_000);

    let unclean = first(&t, |k| {
        matches!(
            k,
            EventKind::LeaderElected {
                election: ElectionKind::Unclean,
                ..
            }
        )
    });
    assert_has(
        &unclean,
        &[
            "unclean election: orders-0's leader",
            &format!("broker {new} was not in the ISR"),
            "unclean.leader.election.enable=true",
            "records it lacks are lost",
        ],
    );
    let lost = first(&t, |k| matches!(k, EventKind::RecordLost { .. }));
    assert_has(
        &lost,
        &[
            "record lost",
            "allowed by unclean.leader.election.enable=true",
        ],
    );
}

/// The last ISR member dies and unclean election is off: the partition goes offline.
#[test]
fn offline_partition_says_why_no_one_leads() {
    let mut t = TestCluster::new(3, 8).topic("orders", 1, 3, topic_config(1, false));
    let leader = t.leader("orders", 0).expect("leader");
    for b in followers(&t, leader) {
        t.apply(Command::KillBroker { broker: b.0 });
    }
    t.run_for_ms(10_000);
    t.apply(Command::KillBroker { broker: leader.0 });
    t.run_for_ms(5_000);
    let offline = first(&t, |k| {
        matches!(k, EventKind::LeaderElected { leader: None, .. })
    });
    assert_has(
        &offline,
        &[
            "orders-0 is offline (leader epoch 1)",
            &format!("after the controller fenced broker {leader}"),
            &format!("no replica of the ISR [{leader}] is available"),
            "unclean.leader.election.enable=false",
        ],
    );
}

/// Leadership goes back to the preferred (first assigned) replica on request.
#[test]
fn preferred_election_says_back_on_the_preferred_replica() {
    let mut t = TestCluster::new(3, 9).topic("orders", 1, 3, topic_config(1, false));
    let preferred = t.view("orders", 0).assignment[0];
    assert_eq!(t.leader("orders", 0), Some(preferred));
    t.apply(Command::KillBroker {
        broker: preferred.0,
    });
    t.run_for_ms(5_000);
    let interim = t.leader("orders", 0).expect("failover");
    t.apply(Command::RestartBroker {
        broker: preferred.0,
    });
    t.run_for_ms(10_000);
    t.apply(Command::ElectPreferredLeaders);
    t.run_for_ms(1_000);
    let back = first(&t, |k| {
        matches!(
            k,
            EventKind::LeaderElected {
                election: ElectionKind::Preferred,
                ..
            }
        )
    });
    assert_has(
        &back,
        &[
            &format!("orders-0's leader moved from broker {interim} to broker {preferred}"),
            "back on its preferred replica because a preferred leader election was requested",
        ],
    );
}

/// Too few in-sync replicas for acks=all: the retry names min.insync.replicas.
#[test]
fn not_enough_replicas_names_min_insync_replicas() {
    let mut t = TestCluster::new(3, 3).topic("orders", 1, 3, topic_config(2, false));
    let leader = t.leader("orders", 0).expect("leader");
    for b in followers(&t, leader) {
        t.apply(Command::KillBroker { broker: b.0 });
    }
    t.run_for_ms(10_000);
    t.produce_to("orders", 0, 1);
    t.run_for_ms(1_000);
    let retry = first(&t, |k| matches!(k, EventKind::ProduceRetrying { .. }));
    assert_has(
        &retry,
        &[
            "producer 0 will retry 1 record for orders-0 after NOT_ENOUGH_REPLICAS",
            "min.insync.replicas=2",
        ],
    );
    t.run_for_ms(30_000);
    let failed = first(&t, |k| matches!(k, EventKind::ProduceFailed { .. }));
    assert_has(
        &failed,
        &["gave up", "DELIVERY_TIMEOUT", "delivery.timeout.ms"],
    );
}

/// Keys and values are quoted verbatim: no escaping, the UI renders them as text.
#[test]
fn user_text_is_quoted_verbatim() {
    let mut t = TestCluster::new(3, 7).topic("my.topic_1", 1, 3, topic_config(1, false));
    let (key, value) = ("<b>&\"k\"", "é 🚀 <script>alert(1)</script>");
    t.produce("my.topic_1", key, value);
    t.run_for_ms(1_000);
    let created = first(&t, |k| matches!(k, EventKind::TopicCreated { .. }));
    assert_has(
        &created,
        &["topic \"my.topic_1\" was created with 1 partition and replication factor 3"],
    );
    let sent = t
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::RecordSent { .. }))
        .expect("a single Produce emits RecordSent")
        .clone();
    assert_has(
        &sentence(&sent, &t.sim),
        &[&format!(
            "producer 0 sent record 0 (key \"{key}\", value \"{value}\") to my.topic_1-0"
        )],
    );
}

/// A long, busy run: every event narrates to one non-empty line, and most kinds appear.
#[test]
fn every_event_of_a_long_run_narrates() {
    let mut config = SimConfig::demo_timing();
    config.broker.log_retention_check_interval_ms = 1_000;
    let mut t = TestCluster::with_config(config, 11);
    let small = TopicConfig {
        retention_bytes: 200,
        segment_bytes: 100,
        ..topic_config(2, false)
    };
    let compacted = TopicConfig {
        cleanup_policy: CleanupPolicy::Compact,
        segment_bytes: 100,
        ..topic_config(1, false)
    };
    t = t
        .topic("orders", 3, 3, small)
        .topic("users", 1, 3, compacted);
    let script = [
        Command::AddProducer { config: None },
        Command::ProduceMany {
            producer: 0,
            topic: "orders".into(),
            count: 200,
            keys: 7,
            value_bytes: 16,
        },
        Command::Produce {
            producer: 1,
            topic: "users".into(),
            key: Some("u1".into()),
            value: None,
            partition: None,
        },
        Command::ProduceMany {
            producer: 1,
            topic: "users".into(),
            count: 50,
            keys: 3,
            value_bytes: 8,
        },
        Command::AddPartitions {
            topic: "orders".into(),
            partitions: 4,
        },
        Command::AlterTopicConfig {
            topic: "users".into(),
            config: topic_config(2, true),
        },
        Command::SlowLink {
            from: NodeRef::Broker(2),
            to: NodeRef::Broker(1),
            extra_ms: 500,
        },
        Command::IsolateBroker { broker: 3 },
        Command::ProduceMany {
            producer: 0,
            topic: "orders".into(),
            count: 50,
            keys: 0,
            value_bytes: 16,
        },
        Command::ReconnectBroker { broker: 3 },
        Command::SlowLink {
            from: NodeRef::Broker(2),
            to: NodeRef::Broker(1),
            extra_ms: 0,
        },
        Command::SetAcks {
            producer: 0,
            acks: Acks::Zero,
        },
        Command::KillBroker { broker: 1 },
        Command::ProduceMany {
            producer: 0,
            topic: "orders".into(),
            count: 20,
            keys: 2,
            value_bytes: 16,
        },
        Command::AddBroker,
        Command::RestartBroker { broker: 1 },
        Command::ElectPreferredLeaders,
        Command::ProduceMany {
            producer: 1,
            topic: "orders".into(),
            count: 30,
            keys: 5,
            value_bytes: 16,
        },
    ];
    for c in script {
        t.apply(c);
        t.run_for_ms(6_000);
    }
    t.run_for_ms(30_000);

    let mut kinds = BTreeSet::new();
    for e in &t.events {
        let s = sentence(e, &t.sim);
        assert!(!s.trim().is_empty(), "{e:?}");
        assert!(!s.contains('\n'), "{s:?}");
        assert!(!cause_phrase(&e.cause).is_empty());
        kinds.insert(kind_name(&e.kind));
    }
    assert!(kinds.len() >= 18, "only {} kinds: {kinds:?}", kinds.len());
}

/// The variant's name, e.g. `LeaderElected`.
fn kind_name(kind: &EventKind) -> String {
    let debug = format!("{kind:?}");
    debug
        .split([' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}
