//! Fuzzes the scenario format: any text through `Scenario::from_json`. Whatever parses must
//! survive `to_json` and parse back to the same scenario, then run briefly (at most 20 simulated
//! seconds) without a panic and without breaking a guarantee its settings do not allow.
//! The shipped scenarios (`www/scenarios/`) make a good seed corpus.
#![no_main]

use kafka_sim::{Scenario, SimTime};
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/sim/tests/support/fuzz_check.rs"]
mod fuzz_check;

/// How far a parsed scenario is run.
const RUN_MS: u64 = 20_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::from_json(text) else {
        return;
    };
    let again = Scenario::from_json(&scenario.to_json())
        .unwrap_or_else(|e| panic!("to_json wrote what from_json refuses: {e}\n{text}"));
    assert_eq!(again, scenario, "the JSON round trip changed the scenario");
    let until = scenario.end().min(SimTime(RUN_MS));
    let (mut sim, _refused) = scenario
        .run(Some(until))
        .unwrap_or_else(|e| panic!("a parsed scenario does not start: {e}\n{text}"));
    let violations: Vec<_> = sim
        .drain_events()
        .filter(fuzz_check::is_violation)
        .collect();
    if let Err(problem) = fuzz_check::check_scenario_run(&scenario, &violations) {
        panic!("{problem}\nscenario:\n{text}");
    }
});
