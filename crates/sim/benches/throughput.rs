//! Throughput of the core in simulated records per second (run with `cargo bench -p kafka-sim`).
//!
//! `core`: the [`ProduceConsume`] workload — keyed produce → replicate with RF 3 on 3 brokers ×
//! 12 partitions, acks=all, alone and with one group of three consumers reading everything
//! (commit after processing). The core issues' budget is ≥ 5 M records/s end to end.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kafka_sim::murmur2::partition_for_key;
use kafka_sim::workload::ProduceConsume;
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

/// Keyed produce → replicate (RF 3, 12 partitions, acks=all), with `groups` groups of three
/// consumers reading everything and committing after processing (0: no consumers).
fn produce_consume(c: &mut Criterion) {
    const RECORDS: u32 = 200_000;
    let mut group = c.benchmark_group("core");
    group.throughput(Throughput::Elements(u64::from(RECORDS)));
    group.sample_size(10);
    for (groups, name) in [
        (
            0,
            "keyed produce -> replicate, RF 3, 12 partitions, acks=all",
        ),
        (
            1,
            "keyed produce -> replicate -> one group of 3 consumers, commit after processing",
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || ProduceConsume::new(groups, 3),
                |mut w| {
                    w.run(RECORDS);
                    assert_eq!(w.sim.ledger().counts().acked, u64::from(RECORDS));
                    w
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, keyed_partitioning, produce_consume);
criterion_main!(benches);
