//! What the charts plot: one sample per simulated second of produce throughput (records sent and
//! acknowledged, from the ledger's counts), under-replicated and offline partitions (from the
//! partition views), and per consumer group its total lag (from `Sim::group_views`) and the
//! records it processed (from the ledger's consumption counts).
//!
//! Samples are keyed by simulated time and kept for [`HISTORY`] seconds, so that time travel can
//! show the history up to the moment it goes to: a seek back drops the samples after the target
//! and goes on from the last one kept; a jump forward that was not played through starts a new
//! run of samples at the target, leaving a gap the charts mark as not sampled. A throughput is
//! only ever the difference of two of the core's counts exactly [`SAMPLE_MS`] apart.

use std::collections::VecDeque;
use std::rc::Rc;

use kafka_sim::{Sim, SimTime};

/// Simulated milliseconds between samples.
pub const SAMPLE_MS: u64 = 1_000;
/// Samples the charts draw (two simulated minutes).
pub const SAMPLES: usize = 120;
/// Samples kept for seeking back (one simulated hour).
pub const HISTORY: usize = 3_600;

/// One group's numbers in a sample.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSample {
    /// The `group.id`.
    pub group: Rc<str>,
    /// Sum of the lag column.
    pub lag: u64,
    /// Distinct records it processed since the previous sample (the ledger's `processed`).
    pub consumed: u64,
}

/// One simulated second.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// End of the second.
    pub at: SimTime,
    /// Records producers created in it.
    pub sent: u64,
    /// Records acknowledged in it.
    pub acked: u64,
    /// Partitions whose ISR is smaller than their replica set.
    pub under_replicated: u32,
    /// Partitions without a leader.
    pub offline: u32,
    /// Consumer groups.
    pub groups: Vec<GroupSample>,
}

/// The core's running counts at one moment, which throughputs are differences of.
#[derive(Clone, Debug, Default)]
struct Totals {
    sent: u64,
    acked: u64,
    /// Each group's processed count.
    processed: Vec<(Rc<str>, u64)>,
}

impl Totals {
    fn of(sim: &Sim) -> Totals {
        let counts = sim.ledger().counts();
        Totals {
            sent: counts.sent,
            acked: counts.acked,
            processed: sim
                .group_views()
                .iter()
                .map(|g| {
                    let processed = sim.ledger().consumption_counts(&g.group).processed;
                    (Rc::from(g.group.as_str()), processed)
                })
                .collect(),
        }
    }

    fn processed(&self, group: &str) -> Option<u64> {
        self.processed
            .iter()
            .find(|(g, _)| **g == *group)
            .map(|(_, n)| *n)
    }
}

/// The sampled series of a run.
#[derive(Clone, Debug)]
pub struct ChartSeries {
    /// Oldest first, at most [`HISTORY`], all at or before `base_at`.
    samples: VecDeque<Sample>,
    /// The totals at each sample (parallel to `samples`).
    totals: VecDeque<Totals>,
    /// The totals at `base_at`, which the next sample counts from.
    base: Totals,
    /// The last sample's time, or the moment a new run of samples started.
    base_at: SimTime,
}

impl ChartSeries {
    /// Series that take their first sample one period after `now`.
    pub fn new(sim: &Sim) -> ChartSeries {
        ChartSeries {
            samples: VecDeque::new(),
            totals: VecDeque::new(),
            base: Totals::of(sim),
            base_at: sim.now(),
        }
    }

    /// When the next sample is due.
    pub fn next_at(&self) -> SimTime {
        self.base_at.plus_ms(SAMPLE_MS)
    }

    /// The latest moment the series speaks of: its last sample, or where a new run of samples
    /// started after a jump (the charts' right edge).
    pub fn head(&self) -> SimTime {
        self.base_at
    }

    /// The samples kept, oldest first.
    pub fn samples(&self) -> &VecDeque<Sample> {
        &self.samples
    }

    /// The samples the charts draw: those of the last [`SAMPLES`] seconds up to [`Self::head`].
    pub fn window(&self) -> impl Iterator<Item = &Sample> + Clone {
        let span = SAMPLE_MS * (SAMPLES as u64 - 1);
        let from = self.base_at.0.saturating_sub(span);
        let skip = self.samples.partition_point(|s| s.at.0 < from);
        self.samples.range(skip..)
    }

    /// Takes the sample due now (call with the clock at [`ChartSeries::next_at`]; at any other
    /// moment the second would not be one second, so a new run of samples starts there instead).
    pub fn sample(&mut self, sim: &Sim) {
        if sim.now() != self.next_at() {
            self.restart(sim);
            return;
        }
        let totals = Totals::of(sim);
        let (mut under_replicated, mut offline) = (0, 0);
        for topic in sim.catalog().user_topics() {
            for tp in sim.partitions_of(&topic.name) {
                if let Some(v) = sim.partition_view_tail(tp, 0) {
                    under_replicated += u32::from(v.isr.len() < v.assignment.len());
                    offline += u32::from(v.leader.is_none());
                }
            }
        }
        let groups = sim
            .group_views()
            .iter()
            .map(|g| {
                let (name, processed) = totals
                    .processed
                    .iter()
                    .find(|(n, _)| **n == *g.group)
                    .cloned()
                    .unwrap_or_else(|| (g.group.as_str().into(), 0));
                // A group new since the last sample processed everything it has in this second.
                let before = self.base.processed(&name).unwrap_or(0);
                GroupSample {
                    group: name,
                    lag: g.lag.iter().filter_map(|r| r.lag).sum(),
                    consumed: processed.saturating_sub(before),
                }
            })
            .collect();
        if self.samples.len() == HISTORY {
            self.samples.pop_front();
            self.totals.pop_front();
        }
        self.samples.push_back(Sample {
            at: sim.now(),
            sent: totals.sent - self.base.sent,
            acked: totals.acked - self.base.acked,
            under_replicated,
            offline,
            groups,
        });
        self.totals.push_back(totals.clone());
        self.base = totals;
        self.base_at = sim.now();
    }

    /// Starts a new run of samples at `sim`'s moment (after a jump that was not sampled).
    pub fn restart(&mut self, sim: &Sim) {
        self.base = Totals::of(sim);
        self.base_at = sim.now();
    }

    /// After the run went forward to `sim`'s moment without sampling on the way: a new run of
    /// samples, unless the next sample is still due.
    pub fn jumped_forward(&mut self, sim: &Sim) {
        if sim.now() >= self.next_at() {
            self.restart(sim);
        }
    }

    /// After the run went back to `sim`'s moment: forgets the samples after it and counts on
    /// from the last one kept when that is less than a period before (the core's counts there
    /// are the same, the run being deterministic), else starts a new run of samples there.
    pub fn went_back(&mut self, sim: &Sim) {
        let to = sim.now();
        if self.base_at <= to {
            return;
        }
        let keep = self.samples.partition_point(|s| s.at <= to);
        self.samples.truncate(keep);
        self.totals.truncate(keep);
        match (self.samples.back(), self.totals.back()) {
            (Some(last), Some(totals)) if last.at.plus_ms(SAMPLE_MS) > to => {
                self.base = totals.clone();
                self.base_at = last.at;
            }
            _ => self.restart(sim),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::tests::{example, produce};
    use kafka_sim::Command;

    #[test]
    fn counts_sends_per_second_and_sees_a_dead_broker_as_under_replication() {
        let mut sim = example();
        let mut series = ChartSeries::new(&sim);
        for i in 0..7 {
            produce(&mut sim, &format!("k{i}"), "v");
        }
        sim.advance_to(series.next_at());
        series.sample(&sim);
        let s = series.samples().back().expect("one sample");
        assert_eq!(s.sent, 7);
        assert_eq!(
            s.acked, 7,
            "acks=all records are acknowledged within a second"
        );
        assert_eq!((s.under_replicated, s.offline), (0, 0));

        sim.apply(Command::KillBroker { broker: 2 })
            .expect("broker 2 runs");
        // Demo timing fences a silent broker after 3 s; sample until then and a bit more.
        for _ in 0..5 {
            sim.advance_to(series.next_at());
            series.sample(&sim);
        }
        let s = series.samples().back().expect("samples");
        assert_eq!(s.sent, 0);
        assert_eq!(
            s.under_replicated, 3,
            "every partition had a replica on broker 2"
        );
        assert_eq!(series.samples().len(), 6);
    }

    #[test]
    fn consume_throughput_is_the_ledgers_processed_count_per_second() {
        let mut sim = example();
        let mut series = ChartSeries::new(&sim);
        let mut processed_before = sim.ledger().consumption_counts("analytics").processed;
        for i in 0..12 {
            produce(&mut sim, &format!("k{i}"), "v");
            sim.advance_to(series.next_at());
            series.sample(&sim);
            let processed = sim.ledger().consumption_counts("analytics").processed;
            let s = series.samples().back().expect("a sample");
            let g = s
                .groups
                .iter()
                .find(|g| &*g.group == "analytics")
                .expect("analytics is sampled");
            assert_eq!(g.consumed, processed - processed_before, "second {i}");
            processed_before = processed;
            let lag: u64 = sim
                .group_views()
                .iter()
                .find(|v| v.group == "analytics")
                .map(|v| v.lag.iter().filter_map(|r| r.lag).sum())
                .expect("view");
            assert_eq!(g.lag, lag);
        }
        let total: u64 = series
            .samples()
            .iter()
            .flat_map(|s| s.groups.iter().filter(|g| &*g.group == "analytics"))
            .map(|g| g.consumed)
            .sum();
        assert_eq!(total, 12, "analytics processed every record once");
    }
}
