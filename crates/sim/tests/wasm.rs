//! A representative subset of the core's tests, run on wasm32 under Node (wasm-bindgen-test), so
//! the same code gives the same answers in the browser as natively.
#![cfg(target_arch = "wasm32")]

use kafka_sim::murmur2::{murmur2, partition_for_key};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn murmur2_matches_kafka_on_wasm32() {
    assert_eq!(murmur2(b"21"), -973_932_308);
    assert_eq!(murmur2(b"a-little-bit-long-string"), -985_981_536);
    assert_eq!(partition_for_key("日本語".as_bytes(), 12), 10);
}

/// The core's replication and failover run the same under wasm32: records are acknowledged once
/// replicated, and killing the leader elects a new one without losing them.
#[wasm_bindgen_test]
fn failover_keeps_acknowledged_records_on_wasm32() {
    use kafka_sim::*;
    let mut sim = Sim::new(SimConfig::demo_timing(), 11).expect("config");
    sim.advance_ms(2_000);
    let config = TopicConfig {
        min_insync_replicas: Some(2),
        ..TopicConfig::default()
    };
    sim.apply(Command::CreateTopic {
        name: "orders".into(),
        partitions: 1,
        replication_factor: 3,
        config,
    })
    .expect("create");
    sim.advance_ms(1_000);
    sim.apply(Command::ProduceMany {
        producer: 0,
        topic: "orders".into(),
        count: 50,
        keys: 5,
        value_bytes: 10,
    })
    .expect("produce");
    sim.advance_ms(2_000);
    assert_eq!(sim.ledger().counts().acked, 50);
    let tp = sim.partitions_of("orders")[0];
    let leader = sim
        .partition_view(tp)
        .and_then(|v| v.leader)
        .expect("leader");
    sim.apply(Command::KillBroker { broker: leader.0 })
        .expect("kill");
    sim.advance_ms(10_000);
    let view = sim.partition_view(tp).expect("view");
    assert!(view.leader.is_some_and(|l| l != leader));
    assert_eq!(view.high_watermark(), Some(Offset(50)));
    assert_eq!(sim.ledger().counts().lost, 0);
}

#[path = "support/golden.rs"]
mod golden_support;

/// The same event stream, bit for bit, as natively (the golden hash both are checked against).
#[wasm_bindgen_test]
fn event_stream_matches_the_golden_hash_on_wasm32() {
    assert_eq!(golden_support::event_hash(), golden_support::GOLDEN.trim());
}
