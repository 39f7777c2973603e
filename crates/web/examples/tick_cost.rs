//! Native cost of the store's per-frame work (the core plus the page's bookkeeping, no
//! rendering) at the browser bench's load. Run by hand, never timed in tests:
//!
//! `cargo run --release -p kafka-playground --example tick_cost`
use std::time::Instant;

use kafka_playground::StartParams;
use kafka_playground::store::Run;

fn main() {
    let p = StartParams::from_query(
        "brokers=6&topics=3&partitions=12&rf=3&rate=2000&speed=1&keys=many&groups=3",
    );
    let mut run = Run::new(&p).expect("the bench cluster builds");
    let mut times: Vec<f64> = (0..3_600)
        .map(|_| {
            let t = Instant::now();
            run.tick(1000.0 / 60.0, 1.0);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((p / 100.0) * times.len() as f64) as usize];
    println!(
        "3600 frames (60 s at 60 fps, {} records): p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        run.sim().ledger().counts().sent,
        pct(50.0),
        pct(95.0),
        pct(99.0),
        times[times.len() - 1]
    );
    // What grows with the run: the core keeps every record (no retention in the example).
    let m = run.sim().memory_stats();
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "core memory: ledger {:.1} MiB ({} records × {} B), logs {:.1} MiB ({} entries × {} B), checker {:.1} MiB, consumption {:.1} MiB; page log {} events",
        mib(m.ledger_capacity * m.ledger_record_bytes as u64),
        m.records,
        m.ledger_record_bytes,
        mib(m.log_capacity * m.log_entry_bytes as u64),
        m.log_entries,
        m.log_entry_bytes,
        mib(m.checker_bytes),
        mib(m.consumption_bytes),
        run.log.len(),
    );
}
