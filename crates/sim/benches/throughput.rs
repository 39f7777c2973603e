//! Throughput of the core in simulated records per second (run with `cargo bench -p kafka-sim`).
//!
//! `produce_replicate`: keyed produce → replicate with RF 3 on 3 brokers × 12 partitions,
//! acks=all, until every record is acknowledged — the budget in the core issue is ≥ 5 M records/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kafka_sim::murmur2::partition_for_key;
use kafka_sim::{Command, Sim, SimConfig, TopicConfig};
use std::hint::black_box;

fn keyed_partitioning(c: &mut Criterion) {
    let keys: Vec<Vec<u8>> = (0..10_000)
        .map(|i| format!("customer_{i}").into_bytes())
        .collect();
    let mut group = c.benchmark_group("partitioner");
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("murmur2 key -> partition (12 partitions)", |b| {
        b.iter(|| {
            keys.iter()
                .map(|k| u64::from(partition_for_key(black_box(k), 12)))
                .sum::<u64>()
        })
    });
    group.finish();
}

/// A cluster of 3 brokers with `orders` (12 partitions, RF 3, min.insync.replicas 2), ready.
fn cluster() -> Sim {
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
    sim
}

fn produce_replicate(c: &mut Criterion) {
    const RECORDS: u32 = 200_000;
    let mut group = c.benchmark_group("core");
    group.throughput(Throughput::Elements(u64::from(RECORDS)));
    group.sample_size(10);
    group.bench_function(
        "keyed produce -> replicate, RF 3, 12 partitions, acks=all",
        |b| {
            b.iter_batched(
                cluster,
                |mut sim| {
                    let produce = Command::ProduceMany {
                        producer: 0,
                        topic: "orders".into(),
                        count: RECORDS,
                        keys: 1000,
                        value_bytes: 100,
                    };
                    sim.apply(produce).expect("produce");
                    while sim.pending_sends() > 0 {
                        sim.advance_ms(100);
                        sim.drain_events().for_each(drop);
                    }
                    assert_eq!(sim.ledger().counts().acked, u64::from(RECORDS));
                    sim
                },
                criterion::BatchSize::LargeInput,
            )
        },
    );
    group.finish();
}

criterion_group!(benches, keyed_partitioning, produce_replicate);
criterion_main!(benches);
