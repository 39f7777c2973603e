//! Runs the core benchmark's workload once and prints records/s and the log memory per record:
//! keyed produce → replicate, RF 3, 3 brokers × 12 partitions, acks=all.
//!
//! `cargo run --profile bench -p kafka-sim --example produce_replicate -- [RECORDS]`

// Wall-clock time is what this example measures; the core itself never reads a clock.
#![allow(clippy::disallowed_types)]

use kafka_sim::{Command, Sim, SimConfig, TopicConfig};
use std::time::Instant;

fn main() {
    let records: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut sim = Sim::new(SimConfig::default(), 1).expect("default config is valid");
    sim.advance_ms(5_000);
    let config = TopicConfig {
        min_insync_replicas: Some(2),
        ..TopicConfig::default()
    };
    let create = Command::CreateTopic {
        name: "orders".into(),
        partitions: 12,
        replication_factor: 3,
        config,
    };
    sim.apply(create).expect("topic");
    sim.advance_ms(1_000);
    let started = Instant::now();
    let produce = Command::ProduceMany {
        producer: 0,
        topic: "orders".into(),
        count: records,
        keys: 1000,
        value_bytes: 100,
    };
    sim.apply(produce).expect("produce");
    while sim.pending_sends() > 0 {
        sim.advance_ms(100);
        sim.drain_events().for_each(drop);
    }
    let secs = started.elapsed().as_secs_f64();
    let counts = sim.ledger().counts();
    assert_eq!(counts.acked, u64::from(records));
    let stats = sim.memory_stats();
    println!("records        {records}");
    println!("acked          {}", counts.acked);
    println!("wall           {secs:.3} s");
    println!("records/s      {:.0}", f64::from(records) / secs);
    println!("steps          {}", sim.steps());
    println!(
        "bytes/record   {:.1} (ledger {} B, {} replica log entries × {} B, checker history {} B in all)",
        stats.bytes_per_record(),
        stats.ledger_record_bytes,
        stats.log_entries,
        stats.log_entry_bytes,
        stats.checker_bytes,
    );
}
