//! What the charts plot: one sample per simulated second of produce throughput (records sent and
//! acknowledged, from the ledger's counts), under-replicated and offline partitions (from the
//! partition views), and per consumer group its total lag (from `Sim::group_views`) and the
//! records it processed (from the ledger's consumption counts). The last [`SAMPLES`] samples are
//! kept.

use std::collections::VecDeque;
use std::rc::Rc;

use kafka_sim::ledger::LedgerCounts;
use kafka_sim::{Sim, SimTime};

/// Simulated milliseconds between samples.
pub const SAMPLE_MS: u64 = 1_000;
/// Samples kept (two simulated minutes).
pub const SAMPLES: usize = 120;

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

/// The sampled series of a run.
#[derive(Clone, Debug)]
pub struct ChartSeries {
    samples: VecDeque<Sample>,
    last_counts: LedgerCounts,
    /// Each group's processed count at the previous sample.
    last_processed: Vec<(Rc<str>, u64)>,
    next_at: SimTime,
}

impl ChartSeries {
    /// Series that take their first sample one period after `now`.
    pub fn new(sim: &Sim) -> ChartSeries {
        ChartSeries {
            samples: VecDeque::with_capacity(SAMPLES),
            last_counts: sim.ledger().counts(),
            last_processed: sim
                .group_views()
                .iter()
                .map(|g| {
                    let processed = sim.ledger().consumption_counts(&g.group).processed;
                    (Rc::from(g.group.as_str()), processed)
                })
                .collect(),
            next_at: sim.now().plus_ms(SAMPLE_MS),
        }
    }

    /// When the next sample is due.
    pub fn next_at(&self) -> SimTime {
        self.next_at
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> &VecDeque<Sample> {
        &self.samples
    }

    /// Takes the sample due now (call with the clock at [`ChartSeries::next_at`]).
    pub fn sample(&mut self, sim: &Sim) {
        let counts = sim.ledger().counts();
        let (mut under_replicated, mut offline) = (0, 0);
        for topic in sim.catalog().user_topics() {
            for tp in sim.partitions_of(&topic.name) {
                if let Some(v) = sim.partition_view_tail(tp, 0) {
                    under_replicated += u32::from(v.isr.len() < v.assignment.len());
                    offline += u32::from(v.leader.is_none());
                }
            }
        }
        let mut groups = Vec::new();
        for g in sim.group_views() {
            let processed = sim.ledger().consumption_counts(&g.group).processed;
            let (name, consumed) = match self
                .last_processed
                .iter_mut()
                .find(|(n, _)| **n == *g.group)
            {
                Some((name, last)) => (
                    name.clone(),
                    processed.saturating_sub(std::mem::replace(last, processed)),
                ),
                None => {
                    let name: Rc<str> = g.group.as_str().into();
                    self.last_processed.push((name.clone(), processed));
                    (name, processed)
                }
            };
            let lag = g.lag.iter().filter_map(|r| r.lag).sum();
            groups.push(GroupSample {
                group: name,
                lag,
                consumed,
            });
        }
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample {
            at: sim.now(),
            sent: counts.sent - self.last_counts.sent,
            acked: counts.acked - self.last_counts.acked,
            under_replicated,
            offline,
            groups,
        });
        self.last_counts = counts;
        self.next_at = self.next_at.plus_ms(SAMPLE_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page_params::StartParams;
    use kafka_sim::Command;

    #[test]
    fn counts_sends_per_second_and_sees_a_dead_broker_as_under_replication() {
        let mut sim = crate::running_example::build(&StartParams::default()).expect("example");
        let mut series = ChartSeries::new(&sim);
        for i in 0..7 {
            sim.apply(Command::Produce {
                producer: 0,
                topic: "orders".into(),
                key: Some(format!("k{i}")),
                value: Some("v".into()),
                partition: None,
            })
            .expect("produce is valid");
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
        let mut sim = crate::running_example::build(&StartParams::default()).expect("example");
        let mut series = ChartSeries::new(&sim);
        let mut processed_before = sim.ledger().consumption_counts("analytics").processed;
        for i in 0..12 {
            sim.apply(Command::Produce {
                producer: 0,
                topic: "orders".into(),
                key: Some(format!("k{i}")),
                value: Some("v".into()),
                partition: None,
            })
            .expect("produce is valid");
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
