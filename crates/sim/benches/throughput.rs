//! Throughput of the core's hot paths, in simulated records per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kafka_sim::murmur2::partition_for_key;
use std::hint::black_box;

fn keyed_partitioning(c: &mut Criterion) {
    let keys: Vec<Vec<u8>> = (0..10_000)
        .map(|i| format!("customer_{i}").into_bytes())
        .collect();
    let mut group = c.benchmark_group("partitioner");
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("murmur2 key -> partition (12 partitions)", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for key in &keys {
                sum += u64::from(partition_for_key(black_box(key), 12));
            }
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, keyed_partitioning);
criterion_main!(benches);
