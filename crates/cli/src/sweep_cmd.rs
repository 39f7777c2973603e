//! `kafka-sim sweep --seeds N --ops M`: runs N seeds of M random operations each (faults
//! included) through `kafka_sim::sweep` and reports what the end checks found: records produced,
//! acknowledged and lost, invariant violations by name, failed checks, and the smallest failing
//! seed with the command that replays it. Exit code 1 when a seed fails, 2 on bad arguments.
//!
//! `--replay S` runs one seed and tells its story (every event but the replication chatter,
//! narrated); `--export FILE` writes that run as a scenario for `kafka-sim run`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use kafka_sim::sweep::{Profile, SeedOutcome, SeedRun, SweepPlan, SweepReport, sweep};
use serde::Serialize;

/// Arguments of `kafka-sim sweep`.
#[derive(Args)]
pub struct SweepArgs {
    /// How many seeds to run (at least 1).
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// Random operations per seed (produce, kill/restart a broker, cut links, crash consumers …).
    #[arg(long, default_value_t = 1_000)]
    ops: u32,
    /// The first seed; seeds run from here upwards.
    #[arg(long, default_value_t = 0)]
    seed_start: u64,
    /// The cluster: `guarded` (acks=all, min.insync.replicas=2: must lose nothing) or `acks1`
    /// (the same with acks=1: losses are found, and allowed).
    #[arg(long, default_value = "guarded")]
    config: Profile,
    /// Fail seeds on findings the config allows too (with acks1: find the seeds that lose a
    /// write).
    #[arg(long)]
    strict: bool,
    /// Print the report as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// Run this one seed and print its narrated events and findings.
    #[arg(long, value_name = "SEED", conflicts_with_all = ["seeds", "seed_start"])]
    replay: Option<u64>,
    /// With --replay: write the run as a scenario file that `kafka-sim run FILE` replays.
    #[arg(long, value_name = "FILE", requires = "replay")]
    export: Option<PathBuf>,
    /// Print a progress line to stderr every N seeds.
    #[arg(long, value_name = "N")]
    progress: Option<u64>,
}

/// The JSON output: the library's report plus what only the command line knows.
#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    report: &'a SweepReport,
    passed: bool,
    /// Wall-clock time of the sweep (varies from run to run, unlike everything else).
    wall_ms: u128,
    /// The command that replays the smallest failing seed.
    replay: Option<String>,
}

/// Runs the sweep (or one seed); `Ok(true)` when every seed passed.
pub fn run(args: &SweepArgs) -> Result<bool, String> {
    if let Some(seed) = args.replay {
        return replay(args, seed);
    }
    if args.seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    let seeds = args
        .seed_start
        .checked_add(args.seeds)
        .map(|end| args.seed_start..end)
        .ok_or("--seed-start + --seeds is past the last seed (2^64 - 1)")?;
    let plan = SweepPlan {
        profile: args.config,
        seeds,
        ops: args.ops,
        strict: args.strict,
    };
    let started = Instant::now();
    let mut done = 0u64;
    let report = sweep(&plan, |outcome| {
        done += 1;
        if outcome.fails(args.strict) {
            eprintln!(
                "seed {} failed: {}",
                outcome.seed,
                first_failure(outcome, args.strict)
            );
        }
        if args
            .progress
            .is_some_and(|every| every > 0 && done.is_multiple_of(every))
        {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{done}/{} seeds in {secs:.1} s", args.seeds);
        }
    });
    let wall_ms = started.elapsed().as_millis();
    let replay = report
        .smallest_failing_seed
        .map(|seed| replay_command(&report, seed));
    let text = if args.json {
        let json = JsonReport {
            report: &report,
            passed: report.passed(),
            wall_ms,
            replay,
        };
        serde_json::to_string_pretty(&json).map_err(|e| format!("cannot print the report: {e}"))?
    } else {
        summary(&report, wall_ms)
    };
    crate::print_line(text.trim_end())?;
    Ok(report.passed())
}

/// `kafka-sim sweep --replay S`: one seed's story, findings and figures.
fn replay(args: &SweepArgs, seed: u64) -> Result<bool, String> {
    let run = SeedRun::run_keeping_events(args.config, seed, args.ops);
    if let Some(path) = &args.export {
        std::fs::write(path, run.scenario().to_json() + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let outcome = run.outcome();
    let text = if args.json {
        serde_json::to_string_pretty(&outcome)
            .map_err(|e| format!("cannot print the outcome: {e}"))?
    } else {
        let mut text = String::new();
        for event in run
            .events
            .iter()
            .filter(|e| !kafka_sim::narrate::is_chatter(&e.kind))
        {
            let sentence = kafka_sim::narrate::sentence(event, &run.sim);
            let _ = writeln!(text, "{:>9} ms  {sentence}", event.at.0);
        }
        let _ = writeln!(
            text,
            "\nseed {seed} ({}, {} operations): {}",
            args.config.name(),
            args.ops,
            records_line(&outcome.records)
        );
        findings_lines(&mut text, &outcome, "");
        text.push_str(if outcome.fails(args.strict) {
            "FAIL"
        } else {
            "PASS"
        });
        text
    };
    crate::print_line(text.trim_end())?;
    Ok(!outcome.fails(args.strict))
}

/// The human summary of a sweep.
fn summary(report: &SweepReport, wall_ms: u128) -> String {
    let mut s = String::new();
    let profile = report.profile;
    let last = report.seed_start + report.seeds - 1;
    let _ = writeln!(
        s,
        "sweep: {} seeds ({}..={last}) x {} operations, config {}\n  ({})",
        report.seeds,
        report.seed_start,
        report.ops,
        profile.name(),
        profile.describe()
    );
    let _ = writeln!(s, "records: {}", records_line(&report.records));
    let wall_s = wall_ms as f64 / 1000.0;
    let _ = writeln!(
        s,
        "simulated: {:.1} h in {} steps; wall {wall_s:.1} s ({:.2} seeds/s)",
        report.simulated_ms as f64 / 3_600_000.0,
        report.steps,
        report.seeds as f64 / wall_s.max(0.001)
    );
    if report.violations.is_empty() {
        s.push_str("invariant violations: none\n");
    } else {
        s.push_str("invariant violations:\n");
        for (name, tally) in &report.violations {
            let _ = write!(s, "  {name}: {} in {} seeds", tally.count, tally.seeds);
            if let Some(allowed_by) = tally.allowed_by {
                let _ = write!(s, " ({} allowed by {})", tally.allowed, allowed_by.label());
            }
            s.push('\n');
        }
    }
    if let Some(seed) = report.smallest_seed_with_loss {
        let allowed = profile
            .allows_loss()
            .map_or(String::new(), |a| format!(", allowed by {}", a.label()));
        let _ = writeln!(
            s,
            "lost acknowledged writes: {} in {} seeds{allowed}; first in seed {seed}: {}",
            report.records.lost,
            report.seeds_with_loss,
            replay_command(report, seed)
        );
    }
    if !report.failed_checks.is_empty() {
        let checks: Vec<String> = report
            .failed_checks
            .iter()
            .map(|(check, seeds)| format!("{check} in {seeds} seeds"))
            .collect();
        let _ = writeln!(s, "failed checks: {}", checks.join(", "));
    }
    let _ = writeln!(
        s,
        "seeds failed: {} of {}",
        report.seeds_failed, report.seeds
    );
    for outcome in &report.failures {
        let _ = writeln!(s, "  seed {}:", outcome.seed);
        findings_lines(&mut s, outcome, "    ");
    }
    if report.seeds_failed > report.failures.len() as u64 {
        let more = report.seeds_failed - report.failures.len() as u64;
        let _ = writeln!(
            s,
            "  … and {more} more (see --json, or narrow --seed-start/--seeds)"
        );
    }
    if let Some(seed) = report.smallest_failing_seed {
        let _ = writeln!(
            s,
            "smallest failing seed: {seed}; replay it with: {}",
            replay_command(report, seed)
        );
    }
    s.push_str(if report.passed() { "PASS" } else { "FAIL" });
    s
}

fn records_line(r: &kafka_sim::ledger::LedgerCounts) -> String {
    format!(
        "{} produced, {} acknowledged, {} failed, {} committed, {} lost, {} duplicates",
        r.sent, r.acked, r.failed, r.committed, r.lost, r.duplicates
    )
}

fn findings_lines(s: &mut String, outcome: &SeedOutcome, indent: &str) {
    for finding in &outcome.findings {
        let _ = writeln!(s, "{indent}- {finding}");
    }
}

fn first_failure(outcome: &SeedOutcome, strict: bool) -> String {
    outcome
        .findings
        .iter()
        .find(|f| strict || f.fails())
        .map_or_else(String::new, ToString::to_string)
}

/// The command line that replays `seed` of the sweep `report` describes.
fn replay_command(report: &SweepReport, seed: u64) -> String {
    format!(
        "kafka-sim sweep --config {} --replay {seed} --ops {}{}",
        report.profile.name(),
        report.ops,
        if report.strict { " --strict" } else { "" }
    )
}
