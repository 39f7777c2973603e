//! A sweep's figures: one `SeedOutcome` per seed, summed into a `SweepReport` (records, invariant
//! violations by name, failed checks, the smallest failing seed).

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{Finding, Profile, SeedRun};
use crate::event::AllowedBy;
use crate::ledger::LedgerCounts;

/// How many failing seeds' outcomes a report keeps in full (the rest are only counted).
pub const KEPT_FAILURES: usize = 20;

/// What one seed's run did and what its end checks found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u64,
    /// Random operations before healing.
    pub ops: u32,
    /// The ledger's totals over the records producers sent.
    pub records: LedgerCounts,
    /// Simulated time the run took (ms).
    pub simulated_ms: u64,
    /// Scheduled items the `Sim` processed.
    pub steps: u64,
    /// What the end checks found, allowed or not.
    pub findings: Vec<Finding>,
}

impl SeedOutcome {
    /// The figures and end checks of a finished run.
    pub fn of(run: &SeedRun) -> SeedOutcome {
        SeedOutcome {
            seed: run.seed,
            ops: run.ops,
            records: run.sim.ledger().counts(),
            simulated_ms: run.sim.now().0,
            steps: run.sim.steps(),
            findings: run.findings(),
        }
    }

    /// Whether a finding the configuration does not allow fails this seed.
    pub fn failed(&self) -> bool {
        self.findings.iter().any(Finding::fails)
    }

    /// Whether this seed fails: on any finding when `strict`, else as [`SeedOutcome::failed`].
    pub fn fails(&self, strict: bool) -> bool {
        if strict {
            !self.findings.is_empty()
        } else {
            self.failed()
        }
    }
}

/// What to sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepPlan {
    /// The cluster every seed runs.
    pub profile: Profile,
    /// The seeds, run in order.
    pub seeds: Range<u64>,
    /// Random operations per seed.
    pub ops: u32,
    /// Whether findings the configuration allows (a loss under acks=1) fail a seed too: how to
    /// hunt for the smallest seed that shows an allowed anomaly.
    pub strict: bool,
}

/// How often one invariant broke over a sweep.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationTally {
    /// Violations emitted, over every seed.
    pub count: u64,
    /// Of those, the ones the configuration allows.
    pub allowed: u64,
    /// The setting that allowed them, if any did.
    pub allowed_by: Option<AllowedBy>,
    /// Seeds with at least one.
    pub seeds: u64,
}

/// A sweep's totals over its seeds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    /// The profile every seed ran.
    pub profile: Profile,
    /// Whether allowed findings failed seeds too.
    pub strict: bool,
    /// The first seed.
    pub seed_start: u64,
    /// Seeds run.
    pub seeds: u64,
    /// Random operations per seed.
    pub ops: u32,
    /// The ledgers' totals, summed (sent = produced).
    pub records: LedgerCounts,
    /// Simulated time, summed (ms).
    pub simulated_ms: u64,
    /// `Sim` steps, summed.
    pub steps: u64,
    /// Invariant violations by invariant name.
    pub violations: BTreeMap<String, ViolationTally>,
    /// Seeds that lost at least one acknowledged write.
    pub seeds_with_loss: u64,
    /// The smallest seed that lost an acknowledged write (allowed or not).
    pub smallest_seed_with_loss: Option<u64>,
    /// By check name, how many seeds failed it.
    pub failed_checks: BTreeMap<String, u64>,
    /// Seeds with a finding their configuration does not allow (with `strict`: any finding).
    pub seeds_failed: u64,
    /// The smallest of them.
    pub smallest_failing_seed: Option<u64>,
    /// The outcomes of the first `KEPT_FAILURES` failing seeds.
    pub failures: Vec<SeedOutcome>,
}

impl SweepReport {
    /// An empty report for `plan`.
    pub fn new(plan: &SweepPlan) -> SweepReport {
        SweepReport {
            profile: plan.profile,
            strict: plan.strict,
            seed_start: plan.seeds.start,
            seeds: 0,
            ops: plan.ops,
            records: LedgerCounts::default(),
            simulated_ms: 0,
            steps: 0,
            violations: BTreeMap::new(),
            seeds_with_loss: 0,
            smallest_seed_with_loss: None,
            failed_checks: BTreeMap::new(),
            seeds_failed: 0,
            smallest_failing_seed: None,
            failures: Vec::new(),
        }
    }

    /// Adds one seed's outcome.
    pub fn add(&mut self, outcome: SeedOutcome) {
        self.seeds += 1;
        let (r, o) = (&mut self.records, outcome.records);
        r.sent += o.sent;
        r.acked += o.acked;
        r.failed += o.failed;
        r.committed += o.committed;
        r.lost += o.lost;
        r.duplicates += o.duplicates;
        self.simulated_ms += outcome.simulated_ms;
        self.steps += outcome.steps;
        if o.lost > 0 {
            self.seeds_with_loss += 1;
            keep_smallest(&mut self.smallest_seed_with_loss, outcome.seed);
        }
        let mut failed_checks: Vec<&'static str> = Vec::new();
        for finding in &outcome.findings {
            if let Finding::InvariantViolated {
                invariant,
                count,
                allowed_by,
                ..
            } = finding
            {
                let tally = self.violations.entry(invariant.clone()).or_default();
                tally.count += count;
                if allowed_by.is_some() {
                    tally.allowed += count;
                    tally.allowed_by = *allowed_by;
                }
            }
            if (self.strict || finding.fails()) && !failed_checks.contains(&finding.check()) {
                failed_checks.push(finding.check());
            }
        }
        // A seed counts once per invariant, however many violations it had.
        let mut invariants: Vec<&str> = outcome
            .findings
            .iter()
            .filter_map(|f| match f {
                Finding::InvariantViolated { invariant, .. } => Some(invariant.as_str()),
                _ => None,
            })
            .collect();
        invariants.sort_unstable();
        invariants.dedup();
        for invariant in invariants {
            if let Some(tally) = self.violations.get_mut(invariant) {
                tally.seeds += 1;
            }
        }
        for check in failed_checks {
            *self.failed_checks.entry(check.into()).or_default() += 1;
        }
        if outcome.fails(self.strict) {
            self.seeds_failed += 1;
            keep_smallest(&mut self.smallest_failing_seed, outcome.seed);
            if self.failures.len() < KEPT_FAILURES {
                self.failures.push(outcome);
            }
        }
    }

    /// Whether every seed passed.
    pub fn passed(&self) -> bool {
        self.seeds_failed == 0
    }
}

fn keep_smallest(slot: &mut Option<u64>, seed: u64) {
    *slot = Some(slot.map_or(seed, |s| s.min(seed)));
}

/// Runs every seed of the plan in order, calling `on_seed` with each outcome as it is known (for
/// progress), and returns the totals.
pub fn sweep(plan: &SweepPlan, mut on_seed: impl FnMut(&SeedOutcome)) -> SweepReport {
    let mut report = SweepReport::new(plan);
    for seed in plan.seeds.clone() {
        let outcome = SeedRun::run(plan.profile, seed, plan.ops).outcome();
        on_seed(&outcome);
        report.add(outcome);
    }
    report
}
