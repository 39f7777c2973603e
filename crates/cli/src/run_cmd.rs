//! `kafka-sim run SCENARIO.json [--seed S] [--until MS]`: runs a scenario headless and prints the
//! JSON report (records produced / acked / committed / lost with causes, elections, ISR changes,
//! invariant violations, final offsets per replica).

use std::path::PathBuf;

use clap::Args;
use kafka_sim::SimTime;
use kafka_sim::report::RunReport;
use kafka_sim::scenario::Scenario;

/// Arguments of `kafka-sim run`.
#[derive(Args)]
pub struct RunArgs {
    /// The scenario file (format: README, "Scenario files"; examples in www/scenarios/).
    scenario: PathBuf,
    /// Overrides the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Stops at this simulated time (ms) instead of the scenario's end.
    #[arg(long)]
    until: Option<u64>,
}

/// Runs the scenario and prints the report as JSON.
pub fn run(args: &RunArgs) -> Result<(), String> {
    let bytes = std::fs::read(&args.scenario)
        .map_err(|e| format!("cannot read {}: {e}", args.scenario.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{} is not UTF-8", args.scenario.display()))?;
    let mut scenario =
        Scenario::from_json(&text).map_err(|e| format!("{}: {e}", args.scenario.display()))?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let (mut sim, refused) = scenario
        .run(args.until.map(SimTime))
        .map_err(|e| e.to_string())?;
    let events: Vec<_> = sim.drain_events().collect();
    let report = RunReport::new(&sim, &events, refused);
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| format!("cannot print the report: {e}"))?;
    crate::print_line(&json)
}
