//! The core budget's workload ([`kafka_sim::workload::ProduceConsume`]) behind one small API, so the
//! native binary and the wasm module (run in Node and headless Chromium by
//! `tests/e2e/bench/budgets.mjs`) measure exactly the same thing. Timing is the caller's: the core
//! has no clock, so natively the binary times [`Workload::run`] and in wasm JavaScript does.

use kafka_sim::workload::ProduceConsume;

/// Consumers per group in the budget's workload ("one group of three consumers").
pub const CONSUMERS_PER_GROUP: usize = 3;

/// The workload, set up (cluster and Stable groups) and ready to time.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
pub struct Workload {
    inner: ProduceConsume,
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
impl Workload {
    /// Sets up 3 brokers, `orders` (12 partitions, RF 3, min.insync.replicas 2) and `groups`
    /// groups of three consumers; not part of the timed run.
    #[cfg_attr(
        target_arch = "wasm32",
        wasm_bindgen::prelude::wasm_bindgen(constructor)
    )]
    pub fn new(groups: u32) -> Workload {
        Workload {
            inner: ProduceConsume::new(groups as usize, CONSUMERS_PER_GROUP),
        }
    }

    /// Produces `records` keyed records with acks=all and runs until every one is acknowledged
    /// and processed by every group; returns how many were acknowledged.
    pub fn run(&mut self, records: u32) -> f64 {
        self.inner.run(records);
        self.inner.sim.ledger().counts().acked as f64
    }

    /// Records processed by the emptiest group (equals the records sent once `run` returns).
    pub fn processed(&self) -> f64 {
        let ledger = self.inner.sim.ledger();
        self.inner
            .groups
            .iter()
            .map(|g| ledger.consumption_counts(g).processed)
            .min()
            .unwrap_or(0) as f64
    }

    /// Bytes of core memory per retained record (ledger, replica logs, checker, tallies).
    #[cfg_attr(
        target_arch = "wasm32",
        wasm_bindgen::prelude::wasm_bindgen(js_name = bytesPerRecord)
    )]
    pub fn bytes_per_record(&self) -> f64 {
        self.inner.sim.memory_stats().bytes_per_record()
    }
}
