//! Checks on a run: what a scenario's goal asks the learner to achieve, and what a preset's test
//! expects to see (an anomaly, or its absence in the guarded twin). A [`Watch`] follows the events
//! as they come and answers each [`Check`] against the run so far — live on the page, at the end
//! in tests.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::event::{AllowedBy, ElectionKind, Event, EventKind};
use crate::group::GroupEvent;
use crate::ids::TopicPartition;
use crate::sim::Sim;

/// One thing to check on a run. Partitions are named as Kafka prints them (`orders-0`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// Between `min` and `max` (inclusive) acknowledged records were lost.
    AckedRecordsLost {
        /// At least this many.
        #[serde(default)]
        min: u64,
        /// At most this many, if set.
        #[serde(default)]
        max: Option<u64>,
    },
    /// The partition's leader changed (after its first election).
    LeaderChanged {
        /// The partition, e.g. `orders-0`.
        partition: String,
    },
    /// An unclean leader election happened.
    UncleanElection,
    /// A produce failed for good with this error (e.g. `NotEnoughReplicas`).
    ProduceFailed {
        /// The error.
        error: KafkaError,
    },
    /// At least `min` records were acknowledged.
    RecordsAcked {
        /// At least this many.
        min: u64,
    },
    /// The group processed every record committed to the topics it reads, at least once.
    GroupProcessedEverything {
        /// The group.
        group: String,
    },
    /// The group processed between `min` and `max` records again (at-least-once duplicates).
    GroupRedelivered {
        /// The group.
        group: String,
        /// At least this many.
        #[serde(default)]
        min: u64,
        /// At most this many, if set.
        #[serde(default)]
        max: Option<u64>,
    },
    /// The group skipped between `min` and `max` committed records (at-most-once losses).
    GroupSkipped {
        /// The group.
        group: String,
        /// At least this many.
        #[serde(default)]
        min: u64,
        /// At most this many, if set.
        #[serde(default)]
        max: Option<u64>,
    },
    /// The group completed at least `min` generations (rebalances).
    GroupRebalanced {
        /// The group.
        group: String,
        /// At least this many.
        min: u32,
    },
    /// The group is Stable with a live member that owns no partition.
    IdleConsumer {
        /// The group.
        group: String,
    },
    /// A guarantee broke, and `allowed_by` is the configuration that allowed it.
    ViolationAllowedBy {
        /// The configuration.
        allowed_by: AllowedBy,
    },
    /// No guarantee broke without a configuration that allows it.
    NoUnallowedViolation,
    /// Retention (or compaction, if `compaction` is true) removed records of the partition.
    RecordsDeleted {
        /// The partition.
        partition: String,
        /// Only count compaction (true) or only retention by time/size (false); either if unset.
        #[serde(default)]
        compaction: Option<bool>,
    },
    /// Every check holds.
    All {
        /// The checks.
        checks: Vec<Check>,
    },
}

/// Follows a run's events and answers [`Check`]s.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    leader_changes: BTreeSet<TopicPartition>,
    unclean: bool,
    produce_errors: BTreeSet<KafkaError>,
    allowed: BTreeSet<String>,
    unallowed: u64,
    generations: Vec<(String, u32)>,
    deleted: BTreeSet<(TopicPartition, bool)>,
}

impl Watch {
    /// A watch that has seen nothing.
    pub fn new() -> Watch {
        Watch::default()
    }

    /// Takes one event into account.
    pub fn observe(&mut self, event: &Event) {
        match &event.kind {
            EventKind::LeaderElected { tp, election, .. } => {
                if *election != ElectionKind::Initial {
                    self.leader_changes.insert(*tp);
                }
                self.unclean |= *election == ElectionKind::Unclean;
            }
            EventKind::ProduceFailed { error, .. } => {
                self.produce_errors.insert(*error);
            }
            EventKind::InvariantViolated { allowed_by, .. } => match allowed_by {
                Some(a) => {
                    self.allowed.insert(format!("{a:?}"));
                }
                None => self.unallowed += 1,
            },
            EventKind::Group {
                group,
                event: GroupEvent::GenerationCompleted { .. },
                ..
            } => match self.generations.iter_mut().find(|(g, _)| g == group) {
                Some((_, n)) => *n += 1,
                None => self.generations.push((group.clone(), 1)),
            },
            EventKind::RecordsDeleted { tp, compaction, .. } => {
                self.deleted.insert((*tp, *compaction));
            }
            _ => {}
        }
    }

    /// Whether `check` holds for the run so far.
    pub fn holds(&self, check: &Check, sim: &Sim) -> bool {
        let in_range = |n: u64, min: u64, max: Option<u64>| n >= min && max.is_none_or(|m| n <= m);
        let tp = |name: &str| parse_partition(sim, name);
        match check {
            Check::AckedRecordsLost { min, max } => {
                let lost = sim
                    .ledger()
                    .records()
                    .iter()
                    .filter(|r| {
                        !r.is_internal()
                            && r.lost.is_some()
                            && matches!(r.outcome, crate::ledger::Outcome::Acked { .. })
                    })
                    .count() as u64;
                in_range(lost, *min, *max)
            }
            Check::LeaderChanged { partition } => {
                tp(partition).is_some_and(|tp| self.leader_changes.contains(&tp))
            }
            Check::UncleanElection => self.unclean,
            Check::ProduceFailed { error } => self.produce_errors.contains(error),
            Check::RecordsAcked { min } => sim.ledger().counts().acked >= *min,
            Check::GroupProcessedEverything { group } => processed_everything(sim, group),
            Check::GroupRedelivered { group, min, max } => in_range(
                sim.ledger().consumption_counts(group).redelivered,
                *min,
                *max,
            ),
            Check::GroupSkipped { group, min, max } => {
                in_range(sim.ledger().consumption_counts(group).skipped, *min, *max)
            }
            Check::GroupRebalanced { group, min } => self
                .generations
                .iter()
                .find(|(g, _)| g == group)
                .is_some_and(|(_, n)| n >= min),
            Check::IdleConsumer { group } => sim.group_views().iter().any(|g| {
                g.group == *group
                    && g.state == "Stable"
                    && g.members
                        .iter()
                        .any(|m| m.alive && m.client_state != "joining" && m.assigned.is_empty())
            }),
            Check::ViolationAllowedBy { allowed_by } => {
                self.allowed.contains(&format!("{allowed_by:?}"))
            }
            Check::NoUnallowedViolation => self.unallowed == 0,
            Check::RecordsDeleted {
                partition,
                compaction,
            } => tp(partition).is_some_and(|tp| {
                self.deleted
                    .iter()
                    .any(|(t, c)| *t == tp && compaction.is_none_or(|want| want == *c))
            }),
            Check::All { checks } => checks.iter().all(|c| self.holds(c, sim)),
        }
    }
}

/// `orders-0` → the partition, if the topic and partition exist.
fn parse_partition(sim: &Sim, name: &str) -> Option<TopicPartition> {
    let (topic, partition) = name.rsplit_once('-')?;
    let partition: u32 = partition.parse().ok()?;
    sim.partitions_of(topic)
        .into_iter()
        .find(|tp| tp.partition == partition)
}

/// Whether every record below each partition's high watermark, of every topic the group reads,
/// was processed by the group (records removed by retention excepted).
fn processed_everything(sim: &Sim, group: &str) -> bool {
    let Some(view) = sim.group_views().into_iter().find(|g| g.group == group) else {
        return false;
    };
    let topics: BTreeSet<_> = view.lag.iter().map(|r| r.tp.topic).collect();
    sim.ledger().records().iter().enumerate().all(|(i, r)| {
        !topics.contains(&r.tp.topic)
            || !r.committed
            || r.deleted
            || r.lost.is_some()
            || sim
                .ledger()
                .times_processed(group, crate::ids::RecordId(i as u64))
                > 0
    })
}
