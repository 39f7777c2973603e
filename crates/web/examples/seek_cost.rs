//! Native cost of time travel in the page's store: a 10-minute session recorded through the
//! `Timeline`, then seeks to random moments (restore a checkpoint, replay up to the moment).
//! Run by hand, never timed in tests:
//!
//! `cargo run --release -p kafka-playground --example seek_cost [-- QUERY]`
//!
//! QUERY defaults to the running example; the browser bench's cluster is
//! `brokers=6&topics=3&partitions=12&rf=3&rate=2000&keys=many&groups=3`.
// Wall-clock time and a counting allocator are what this example measures; the core never sees them.
#![allow(clippy::disallowed_types)]

use std::time::Instant;

use kafka_playground::StartParams;

#[path = "../../sim/examples/support/counting_allocator.rs"]
mod counting_allocator;
use kafka_playground::store::Run;
use kafka_sim::SimTime;

const SESSION_MS: u64 = 600_000;

fn main() {
    let query = std::env::args().nth(1).unwrap_or_default();
    let p = StartParams::from_query(&query);
    let t = Instant::now();
    let mut run = Run::new(&p).expect("the cluster builds");
    // The session as the page plays it: 1 s of simulated time per call.
    while run.sim().now().0 < SESSION_MS {
        run.advance(1_000);
    }
    let record_s = t.elapsed().as_secs_f64();
    let end = run.timeline.end();
    println!(
        "{query:?}: recorded {} s of simulated time in {record_s:.1} s ({} records, {} commands, {} load settings)",
        end.0 / 1000,
        run.sim().ledger().counts().sent,
        run.timeline.commands().len(),
        run.timeline.load_settings().len(),
    );
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "checkpoints: {} every {} ms, holding {:.1} MiB of record chunks the present does not; \
         heap in use (live run and checkpoints): {:.1} MiB",
        run.timeline.checkpoint_count(),
        run.timeline.checkpoint_every_ms(),
        mib(run.timeline.checkpoint_bytes()),
        mib(counting_allocator::held() as u64),
    );
    // Random moments (xorshift), then the worst cases: just before a checkpoint, and the end.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut targets: Vec<u64> = (0..40)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % end.0
        })
        .collect();
    let every = run.timeline.checkpoint_every_ms();
    targets.extend([
        every - 1,
        end.0 / 2 / every * every + every - 1,
        end.0,
        0,
        end.0 - 1,
    ]);
    let mut times: Vec<f64> = targets
        .iter()
        .map(|at| {
            let t = Instant::now();
            run.seek(SimTime(*at));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((p / 100.0) * (times.len() - 1) as f64) as usize];
    println!(
        "{} seeks: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        times.len(),
        pct(50.0),
        pct(95.0),
        times[times.len() - 1]
    );
}
