//! The report of a finished run (what `kafka-sim run` prints): record counts from the ledger, lost
//! records with their causes, leader elections, ISR changes, invariant violations, refused
//! commands, the final log start offset / high watermark / log end offset of every replica, and
//! every consumer group's state, lag and consumption (processed, redelivered, skipped).

use serde::{Deserialize, Serialize};

use crate::event::{AllowedBy, ElectionKind, Event, EventKind, Invariant, LossCause};
use crate::group::GroupEvent;
use crate::ids::{BrokerId, ConsumerId, LeaderEpoch, Offset, RecordId};
use crate::ledger::{ConsumptionCounts, LedgerCounts, Outcome};
use crate::scenario::RefusedCommand;
use crate::sim::Sim;
use crate::time::SimTime;
use crate::view::ReplicaRole;

/// A record that was acknowledged or committed and is gone from every replica.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostRecord {
    /// The record.
    pub record: RecordId,
    /// `orders-1`.
    pub partition: String,
    /// Its key, as UTF-8 (lossy), if any.
    pub key: Option<String>,
    /// The offset it had been acknowledged at, if the producer learned it.
    pub acked_offset: Option<Offset>,
    /// The producer's `acks`, if it was acknowledged.
    pub acks: Option<String>,
    /// How it was lost.
    pub cause: LossCause,
}

/// A leader change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionReport {
    /// When.
    pub at: SimTime,
    /// `orders-1`.
    pub partition: String,
    /// The new leader (`None`: offline).
    pub leader: Option<BrokerId>,
    /// The previous leader.
    pub previous: Option<BrokerId>,
    /// The new leader epoch.
    pub leader_epoch: LeaderEpoch,
    /// How it was chosen.
    pub election: ElectionKind,
}

/// An ISR shrink or expansion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsrChange {
    /// When.
    pub at: SimTime,
    /// `orders-1`.
    pub partition: String,
    /// Brokers that left or joined.
    pub brokers: Vec<BrokerId>,
    /// The ISR after the change.
    pub isr: Vec<BrokerId>,
}

/// A broken guarantee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationReport {
    /// When.
    pub at: SimTime,
    /// Which guarantee.
    pub invariant: Invariant,
    /// What was seen.
    pub detail: String,
    /// The configuration that allows it, if any (none: a bug in the simulator).
    pub allowed_by: Option<AllowedBy>,
}

/// One replica at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaReport {
    /// The broker.
    pub broker: BrokerId,
    /// Its role.
    pub role: ReplicaRole,
    /// First offset kept.
    pub log_start_offset: Offset,
    /// High watermark.
    pub high_watermark: Offset,
    /// Log end offset.
    pub log_end_offset: Offset,
}

/// One partition at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionReport {
    /// `orders-1`.
    pub partition: String,
    /// Leader, if any.
    pub leader: Option<BrokerId>,
    /// Leader epoch.
    pub leader_epoch: LeaderEpoch,
    /// In-sync replicas.
    pub isr: Vec<BrokerId>,
    /// Every replica.
    pub replicas: Vec<ReplicaReport>,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// The seed.
    pub seed: u64,
    /// Simulated time at the end.
    pub ended_at: SimTime,
    /// Ledger totals.
    pub records: LedgerCounts,
    /// Lost records with causes.
    pub lost_records: Vec<LostRecord>,
    /// Leader elections.
    pub leader_elections: Vec<ElectionReport>,
    /// ISR shrinks.
    pub isr_shrinks: Vec<IsrChange>,
    /// ISR expansions.
    pub isr_expansions: Vec<IsrChange>,
    /// Broken guarantees.
    pub invariant_violations: Vec<ViolationReport>,
    /// Commands the cluster refused.
    pub refused_commands: Vec<RefusedCommand>,
    /// Final state of every partition.
    pub partitions: Vec<PartitionReport>,
    /// Every consumer group: final state, lag, and what it did with the records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupReport>,
}

/// One consumer group at the end of a run, as `kafka-consumer-groups --describe` would show it,
/// plus the ledger's tally of what the group processed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupReport {
    /// The `group.id`.
    pub group: String,
    /// Final group state.
    pub state: String,
    /// Final generation.
    pub generation: i32,
    /// The assignor in use.
    pub assignor: Option<String>,
    /// The coordinator's broker.
    pub coordinator: Option<BrokerId>,
    /// Generations completed during the run (rebalances).
    pub rebalances: u32,
    /// What the group did with the records.
    pub consumption: ConsumptionCounts,
    /// Each member: consumer id, alive, partitions.
    pub members: Vec<GroupMemberReport>,
    /// Per partition: committed offset, log end offset (HW), lag.
    pub lag: Vec<LagReport>,
}

/// One member of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberReport {
    /// The consumer id.
    pub consumer: ConsumerId,
    /// Whether its process runs.
    pub alive: bool,
    /// Its partitions (`orders-0` …).
    pub partitions: Vec<String>,
}

/// One lag row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LagReport {
    /// The partition.
    pub partition: String,
    /// `CURRENT-OFFSET`.
    pub committed: Option<Offset>,
    /// `LOG-END-OFFSET` (the high watermark).
    pub log_end_offset: Offset,
    /// `LAG`.
    pub lag: Option<u64>,
}

impl RunReport {
    /// Builds the report from a finished run and all of its events.
    pub fn new(sim: &Sim, events: &[Event], refused_commands: Vec<RefusedCommand>) -> RunReport {
        let mut report = RunReport {
            seed: sim.seed(),
            ended_at: sim.now(),
            records: sim.ledger().counts(),
            lost_records: lost_records(sim),
            leader_elections: Vec::new(),
            isr_shrinks: Vec::new(),
            isr_expansions: Vec::new(),
            invariant_violations: Vec::new(),
            refused_commands,
            partitions: partitions(sim),
            groups: groups(sim, events),
        };
        for e in events {
            let at = e.at;
            match &e.kind {
                EventKind::LeaderElected {
                    tp,
                    leader,
                    previous,
                    leader_epoch,
                    election,
                    ..
                } => report.leader_elections.push(ElectionReport {
                    at,
                    partition: sim.tp_name(*tp),
                    leader: *leader,
                    previous: *previous,
                    leader_epoch: *leader_epoch,
                    election: *election,
                }),
                EventKind::IsrShrunk { tp, removed, isr } => report.isr_shrinks.push(IsrChange {
                    at,
                    partition: sim.tp_name(*tp),
                    brokers: removed.clone(),
                    isr: isr.clone(),
                }),
                EventKind::IsrExpanded { tp, added, isr } => {
                    report.isr_expansions.push(IsrChange {
                        at,
                        partition: sim.tp_name(*tp),
                        brokers: added.clone(),
                        isr: isr.clone(),
                    })
                }
                EventKind::InvariantViolated {
                    invariant,
                    detail,
                    allowed_by,
                } => report.invariant_violations.push(ViolationReport {
                    at,
                    invariant: *invariant,
                    detail: detail.clone(),
                    allowed_by: *allowed_by,
                }),
                _ => {}
            }
        }
        report
    }
}

fn lost_records(sim: &Sim) -> Vec<LostRecord> {
    let ledger = sim.ledger();
    ledger
        .records()
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let cause = r.lost?;
            let (acked_offset, acks) = match r.outcome {
                Outcome::Acked { offset, acks } => (offset, Some(acks.as_str().to_string())),
                _ => (None, None),
            };
            Some(LostRecord {
                record: RecordId(i as u64),
                partition: sim.tp_name(r.tp),
                key: r
                    .key
                    .map(|k| String::from_utf8_lossy(ledger.keys.bytes(k)).into_owned()),
                acked_offset,
                acks,
                cause,
            })
        })
        .collect()
}

fn groups(sim: &Sim, events: &[Event]) -> Vec<GroupReport> {
    sim.group_views()
        .into_iter()
        .map(|g| {
            let rebalances = events
                .iter()
                .filter(|e| {
                    matches!(&e.kind, EventKind::Group { group, event: GroupEvent::GenerationCompleted { .. }, .. } if *group == g.group)
                })
                .count() as u32;
            GroupReport {
                consumption: sim.ledger().consumption_counts(&g.group),
                rebalances,
                state: g.state,
                generation: g.generation,
                assignor: g.assignor,
                coordinator: g.coordinator,
                members: g
                    .members
                    .iter()
                    .map(|m| GroupMemberReport {
                        consumer: m.consumer,
                        alive: m.alive,
                        partitions: m.assigned.iter().map(|tp| sim.tp_name(*tp)).collect(),
                    })
                    .collect(),
                lag: g
                    .lag
                    .iter()
                    .map(|r| LagReport {
                        partition: sim.tp_name(r.tp),
                        committed: r.committed,
                        log_end_offset: r.log_end_offset,
                        lag: r.lag,
                    })
                    .collect(),
                group: g.group,
            }
        })
        .collect()
}

fn partitions(sim: &Sim) -> Vec<PartitionReport> {
    let mut out = Vec::new();
    for topic in sim.catalog().topics() {
        for tp in sim.partitions_of(&topic.name) {
            let Some(view) = sim.partition_view(tp) else {
                continue;
            };
            out.push(PartitionReport {
                partition: sim.tp_name(tp),
                leader: view.leader,
                leader_epoch: view.leader_epoch,
                isr: view.isr.clone(),
                replicas: view
                    .replicas
                    .iter()
                    .map(|r| ReplicaReport {
                        broker: r.broker,
                        role: r.role,
                        log_start_offset: r.log_start_offset,
                        high_watermark: r.high_watermark,
                        log_end_offset: r.log_end_offset,
                    })
                    .collect(),
            });
        }
    }
    out
}
