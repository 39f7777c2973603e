//! Shared by the native and wasm32 golden tests: run the fixed scenario, hash its events.

use kafka_sim::Scenario;
use sha2::{Digest, Sha256};

/// The committed hash.
pub const GOLDEN: &str =
    include_str!("../../../../tests/fixtures/golden/acks-1-leader-failover.sha256");
const SCENARIO: &str = include_str!("../../../../www/scenarios/acks-1-leader-failover.json");

/// SHA-256 of the scenario's events as JSON, one per line, in hex.
pub fn event_hash() -> String {
    let scenario = Scenario::from_json(SCENARIO).expect("the shipped scenario parses");
    let (mut sim, _) = scenario.run(None).expect("runs");
    let mut hasher = Sha256::new();
    for event in sim.drain_events() {
        hasher.update(
            serde_json::to_string(&event)
                .expect("events serialize")
                .as_bytes(),
        );
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
