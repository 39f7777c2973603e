//! `kafka-sim-bench [--records N] [--groups G] [--repeat R]`: times the core budget's workload
//! natively R times (a fresh cluster each time) and prints one JSON object with every run's
//! records/s, their median and the core's bytes per retained record. `./dev bench` runs it; the
//! criterion bench (`cargo bench -p kafka-sim -- core`) measures the same workload.

// Wall-clock time is what this binary measures; the core itself never reads a clock.
#![allow(clippy::disallowed_types)]

use kafka_sim_bench::Workload;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let (mut records, mut groups, mut repeat) = (200_000u32, 1u32, 5u32);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u32>().ok());
        let slot = match flag.as_str() {
            "--records" => &mut records,
            "--groups" => &mut groups,
            "--repeat" => &mut repeat,
            _ => {
                eprintln!("usage: kafka-sim-bench [--records N] [--groups G] [--repeat R]");
                return ExitCode::from(2);
            }
        };
        match value {
            Some(v) if v > 0 => *slot = v,
            _ => {
                eprintln!("{flag} needs a positive whole number");
                return ExitCode::from(2);
            }
        }
    }
    let mut rates = Vec::new();
    let mut bytes_per_record = 0.0;
    for _ in 0..repeat {
        let mut w = Workload::new(groups);
        let started = Instant::now();
        let acked = w.run(records);
        let secs = started.elapsed().as_secs_f64();
        if acked != f64::from(records) || w.processed() != f64::from(records) {
            eprintln!(
                "the workload did not finish: {acked} acknowledged, {} processed",
                w.processed()
            );
            return ExitCode::FAILURE;
        }
        rates.push(f64::from(records) / secs);
        bytes_per_record = w.bytes_per_record();
    }
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let runs: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
    println!(
        "{{\"records\":{records},\"groups\":{groups},\"records_per_sec\":{median:.0},\"runs\":[{}],\"bytes_per_record\":{bytes_per_record:.1}}}",
        runs.join(",")
    );
    ExitCode::SUCCESS
}
