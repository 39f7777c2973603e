//! Runs the core benchmark's workload once and prints records/s and memory per record:
//! keyed produce → replicate (RF 3, 3 brokers × 12 partitions, acks=all) → one group of three
//! consumers reading everything, committing after processing.
//!
//! Memory per retained record is given twice: from the core's own capacities
//! (`Sim::memory_stats`), and as measured by a counting global allocator (the examples' own,
//! `support/counting_allocator.rs`; the core never installs one) — the heap the run left held,
//! over the records it retained.
//!
//! `cargo run --profile bench -p kafka-sim --example produce_replicate -- [RECORDS] [GROUPS]`

// Wall-clock time is what this example measures; the core itself never reads a clock.
#![allow(clippy::disallowed_types)]

use kafka_sim::workload::ProduceConsume;
use std::time::Instant;

#[path = "support/counting_allocator.rs"]
mod counting_allocator;

fn main() {
    let mut args = std::env::args().skip(1);
    let records: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let groups: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut w = ProduceConsume::new(groups, 3);
    let steps_before = w.sim.steps();
    let held_before = counting_allocator::held();
    let started = Instant::now();
    w.run(records);
    let secs = started.elapsed().as_secs_f64();
    let held_after = counting_allocator::held();
    let sim = &w.sim;
    let counts = sim.ledger().counts();
    assert_eq!(counts.acked, u64::from(records));
    let stats = sim.memory_stats();
    println!("records        {records} (consumed by {groups} group(s) of 3)");
    println!("acked          {}", counts.acked);
    for g in &w.groups {
        let c = sim.ledger().consumption_counts(g);
        println!(
            "{g:<14} processed {} (redelivered {}, skipped {})",
            c.processed, c.redelivered, c.skipped
        );
    }
    println!("wall           {secs:.3} s");
    println!("records/s      {:.0}", f64::from(records) / secs);
    println!("steps          {}", sim.steps() - steps_before);
    println!(
        "bytes/record   {:.1} from capacities (ledger {} B, {} replica log entries × {} B, checker history {} B, consumption tallies {} B in all)",
        stats.bytes_per_record(),
        stats.ledger_record_bytes,
        stats.log_entries,
        stats.log_entry_bytes,
        stats.checker_bytes,
        stats.consumption_bytes,
    );
    println!(
        "heap/record    {:.1} measured (heap held after the run less before, over {} records retained)",
        held_after.saturating_sub(held_before) as f64 / f64::from(records),
        records
    );
}
