//! Runs the core benchmark's workload once and prints records/s and memory per record:
//! keyed produce → replicate (RF 3, 3 brokers × 12 partitions, acks=all) → one group of three
//! consumers reading everything, committing after processing.
//!
//! Memory per retained record is given twice: from the core's own capacities
//! (`Sim::memory_stats`), and as measured by a counting global allocator (this example's only:
//! the core never installs one) — the heap the run left held, over the records it retained.
//!
//! `cargo run --profile bench -p kafka-sim --example produce_replicate -- [RECORDS] [GROUPS]`

// Wall-clock time is what this example measures; the core itself never reads a clock.
#![allow(clippy::disallowed_types)]

use kafka_sim::workload::ProduceConsume;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

/// Bytes allocated and not yet freed.
static HELD: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` with the caller's layout; the counter only observes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from this allocator (hence `System`) with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; `new_size` is the caller's, valid for `System` too.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            HELD.fetch_add(new_size, Ordering::Relaxed);
            HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let mut args = std::env::args().skip(1);
    let records: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let groups: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut w = ProduceConsume::new(groups, 3);
    let steps_before = w.sim.steps();
    let held_before = HELD.load(Ordering::Relaxed);
    let started = Instant::now();
    w.run(records);
    let secs = started.elapsed().as_secs_f64();
    let held_after = HELD.load(Ordering::Relaxed);
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
