//! The end checks of a sweep run, each a named `Finding`: what the profile promises (no lost
//! acknowledged write, no duplicate, acknowledged in send order …) and what any healed cluster
//! owes (groups caught up with nothing skipped, full ISRs, settled sends, no broken invariant).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{PARTITIONS, SeedRun, TOPIC};
use crate::event::{AllowedBy, EventKind};
use crate::group::{GroupEvent, GroupInvariant};
use crate::ids::{BrokerId, RecordId};
use crate::ledger::Outcome;
use crate::sim::Sim;

/// Something a sweep run's end checks found. A finding with `allowed_by` is expected under the
/// run's configuration (a loss under acks=1); any other fails the seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Finding {
    /// The cluster refused a command the generator meant to be valid.
    CommandRefused {
        /// When it was applied (simulated ms).
        at_ms: u64,
        /// The command, as Rust prints it.
        command: String,
        /// Why it was refused.
        error: String,
    },
    /// Acknowledged (or committed) records vanished from every replica.
    LostAcknowledgedWrites {
        /// How many.
        count: u64,
        /// The setting that allows it, if any.
        allowed_by: Option<AllowedBy>,
    },
    /// An invariant broke (`count` times; the first one described).
    InvariantViolated {
        /// The invariant's name (`ReplicasAgreeBelowHighWatermark` …).
        invariant: String,
        /// How many violations of it the run emitted.
        count: u64,
        /// When the first one happened (simulated ms).
        first_at_ms: u64,
        /// The first one, in words.
        detail: String,
        /// The setting that allows it, if any.
        allowed_by: Option<AllowedBy>,
    },
    /// A group was not Stable with every partition owned and read to the high watermark.
    GroupNotCaughtUp {
        /// The group.
        group: String,
        /// Its state at the end.
        state: String,
    },
    /// A group skipped committed records or never processed some (at-least-once broken).
    GroupMissedRecords {
        /// The group.
        group: String,
        /// Which records, in words.
        detail: String,
    },
    /// Records produced after healing were not acknowledged.
    WritesAfterHealingNotAcknowledged {
        /// How many of the last `PARTITIONS` records were not.
        count: u32,
    },
    /// A partition's ISR was not every broker after healing.
    IsrNotFull {
        /// The partition (`orders-1`).
        partition: String,
        /// Its ISR at the end.
        isr: Vec<u32>,
    },
    /// Sends were still neither acknowledged nor failed at the end.
    UnsettledSends {
        /// How many.
        count: u64,
    },
    /// An idempotent producer's records were acknowledged at offsets out of send order.
    AcknowledgedOutOfOrder {
        /// The partition.
        partition: String,
    },
    /// Records were committed more than once although the producer is idempotent.
    DuplicatesWithIdempotence {
        /// How many.
        count: u64,
    },
}

impl Finding {
    /// The check's name (`lost_acknowledged_writes` …), as JSON reports tag it.
    pub fn check(&self) -> &'static str {
        match self {
            Finding::CommandRefused { .. } => "command_refused",
            Finding::LostAcknowledgedWrites { .. } => "lost_acknowledged_writes",
            Finding::InvariantViolated { .. } => "invariant_violated",
            Finding::GroupNotCaughtUp { .. } => "group_not_caught_up",
            Finding::GroupMissedRecords { .. } => "group_missed_records",
            Finding::WritesAfterHealingNotAcknowledged { .. } => {
                "writes_after_healing_not_acknowledged"
            }
            Finding::IsrNotFull { .. } => "isr_not_full",
            Finding::UnsettledSends { .. } => "unsettled_sends",
            Finding::AcknowledgedOutOfOrder { .. } => "acknowledged_out_of_order",
            Finding::DuplicatesWithIdempotence { .. } => "duplicates_with_idempotence",
        }
    }

    /// The setting under which this finding is expected, if any.
    pub fn allowed_by(&self) -> Option<AllowedBy> {
        match self {
            Finding::LostAcknowledgedWrites { allowed_by, .. }
            | Finding::InvariantViolated { allowed_by, .. } => *allowed_by,
            _ => None,
        }
    }

    /// Whether it fails the seed (it is not allowed by the configuration).
    pub fn fails(&self) -> bool {
        self.allowed_by().is_none()
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::CommandRefused {
                at_ms,
                command,
                error,
            } => write!(f, "at {at_ms} ms the cluster refused {command}: {error}"),
            Finding::LostAcknowledgedWrites { count, .. } => {
                write!(f, "{count} acknowledged writes lost")
            }
            Finding::InvariantViolated {
                invariant,
                count,
                first_at_ms,
                detail,
                ..
            } => write!(
                f,
                "{invariant} broken {count} times, first at {first_at_ms} ms: {detail}"
            ),
            Finding::GroupNotCaughtUp { group, state } => write!(
                f,
                "group {group} did not catch up after healing (state {state})"
            ),
            Finding::GroupMissedRecords { detail, .. } => f.write_str(detail),
            Finding::WritesAfterHealingNotAcknowledged { count } => {
                write!(f, "{count} writes after healing were not acknowledged")
            }
            Finding::IsrNotFull { partition, isr } => {
                write!(f, "{partition}'s ISR is {isr:?} after healing")
            }
            Finding::UnsettledSends { count } => write!(f, "{count} sends never settled"),
            Finding::AcknowledgedOutOfOrder { partition } => {
                write!(f, "{partition}: acknowledged out of send order")
            }
            Finding::DuplicatesWithIdempotence { count } => {
                write!(f, "{count} duplicates with enable.idempotence=true")
            }
        }?;
        match self.allowed_by() {
            Some(allowed) => write!(f, " (allowed by {})", allowed.label()),
            None => Ok(()),
        }
    }
}

/// Every check on a finished run, in a fixed order.
pub(super) fn check(run: &SeedRun) -> Vec<Finding> {
    let sim = &run.sim;
    let mut findings: Vec<Finding> = run
        .refused
        .iter()
        .map(|(timed, error)| Finding::CommandRefused {
            at_ms: timed.at.0,
            command: format!("{:?}", timed.command),
            error: error.to_string(),
        })
        .collect();
    let counts = sim.ledger().counts();
    if counts.lost > 0 {
        findings.push(Finding::LostAcknowledgedWrites {
            count: counts.lost,
            allowed_by: run.profile.allows_loss(),
        });
    }
    findings.extend(violations(run));
    for group in &run.groups {
        if !group_caught_up(sim, group) {
            let state = sim.group_views().into_iter().find(|g| g.group == *group);
            findings.push(Finding::GroupNotCaughtUp {
                group: (*group).into(),
                state: state.map_or_else(|| "missing".into(), |g| g.state),
            });
        }
        if let Err(detail) = processed_every_committed_record(sim, group, TOPIC) {
            findings.push(Finding::GroupMissedRecords {
                group: (*group).into(),
                detail,
            });
        }
    }
    findings.extend(healed_cluster(sim));
    if run.profile.idempotent() {
        findings.extend(idempotence(sim));
    }
    findings
}

/// The run's invariant violations, one finding per (invariant, allowed_by), in first-seen order.
fn violations(run: &SeedRun) -> Vec<Finding> {
    let mut by_invariant: Vec<Finding> = Vec::new();
    for event in &run.violations {
        let (invariant, detail, allowed) = match &event.kind {
            EventKind::InvariantViolated {
                invariant,
                detail,
                allowed_by,
            } => (invariant.name(), detail, *allowed_by),
            EventKind::Group {
                event: GroupEvent::InvariantViolated { invariant, detail },
                ..
            } => (group_invariant_name(*invariant), detail, None),
            _ => continue,
        };
        let seen = by_invariant.iter_mut().find(|f| {
            matches!(f, Finding::InvariantViolated { invariant: i, allowed_by: a, .. }
                if i == invariant && *a == allowed)
        });
        match seen {
            Some(Finding::InvariantViolated { count, .. }) => *count += 1,
            _ => by_invariant.push(Finding::InvariantViolated {
                invariant: invariant.into(),
                count: 1,
                first_at_ms: event.at.0,
                detail: detail.clone(),
                allowed_by: allowed,
            }),
        }
    }
    by_invariant
}

/// The coordinator's own invariants, named apart from the client-side ones.
fn group_invariant_name(invariant: GroupInvariant) -> &'static str {
    match invariant {
        GroupInvariant::SingleOwnerPerGeneration => "SingleOwnerPerGeneration (coordinator)",
    }
}

/// Once healed: the writes after healing were acknowledged, every ISR is every broker, and every
/// send has settled.
fn healed_cluster(sim: &Sim) -> Vec<Finding> {
    let mut findings = Vec::new();
    let records: Vec<_> = sim
        .ledger()
        .records()
        .iter()
        .filter(|r| !r.is_internal())
        .collect();
    let last = &records[records.len().saturating_sub(PARTITIONS as usize)..];
    let unacked = last
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Acked { .. }))
        .count() as u32;
    if unacked > 0 {
        findings.push(Finding::WritesAfterHealingNotAcknowledged { count: unacked });
    }
    let brokers = sim.broker_ids();
    for tp in sim.partitions_of(TOPIC) {
        let mut isr: Vec<BrokerId> = sim.partition_view(tp).map(|v| v.isr).unwrap_or_default();
        isr.sort();
        if isr != brokers {
            findings.push(Finding::IsrNotFull {
                partition: sim.tp_name(tp),
                isr: isr.iter().map(|b| b.0).collect(),
            });
        }
    }
    let pending = sim.pending_sends() as u64;
    if pending > 0 {
        findings.push(Finding::UnsettledSends { count: pending });
    }
    findings
}

/// An idempotent producer keeps send order per partition (acknowledged offsets rise with the
/// record id, records being created in send order) and commits nothing twice.
fn idempotence(sim: &Sim) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut last = BTreeMap::new();
    let mut out_of_order = Vec::new();
    for r in sim.ledger().records().iter().filter(|r| !r.is_internal()) {
        if let Outcome::Acked {
            offset: Some(o), ..
        } = r.outcome
        {
            let prev = last.insert(r.tp, o);
            if prev.is_some_and(|p| p >= o) && !out_of_order.contains(&r.tp) {
                out_of_order.push(r.tp);
            }
        }
    }
    for tp in out_of_order {
        findings.push(Finding::AcknowledgedOutOfOrder {
            partition: sim.tp_name(tp),
        });
    }
    let duplicates = sim.ledger().counts().duplicates;
    if duplicates > 0 {
        findings.push(Finding::DuplicatesWithIdempotence { count: duplicates });
    }
    findings
}

/// Whether `group` is Stable, its running members are idle in `poll()`, and every partition is
/// owned by one of them whose position reached the high watermark: it consumed everything
/// committed so far. (Committed offsets may lag behind: a commit that failed during a rebalance
/// is only made up by the next one.)
pub fn group_caught_up(sim: &Sim, group: &str) -> bool {
    sim.group_views()
        .into_iter()
        .find(|g| g.group == group)
        .is_some_and(|g| {
            g.state == "Stable"
                && g.members
                    .iter()
                    .filter(|m| m.alive)
                    .all(|m| m.generation == g.generation && m.client_state == "polling")
                && g.lag
                    .iter()
                    .all(|row| row.owner.is_some() && row.position == Some(row.log_end_offset))
        })
}

/// Consumers whose process runs (`running`) or not, as their groups' views say.
pub fn consumers_running(sim: &Sim, running: bool) -> Vec<u32> {
    sim.group_views()
        .iter()
        .flat_map(|g| g.members.iter())
        .filter(|m| m.alive == running)
        .map(|m| m.consumer.0)
        .collect()
}

/// Checks that `group` processed every committed record of `topic` at least once and skipped
/// none (at-least-once delivery); the error names the first few records it never processed.
pub fn processed_every_committed_record(sim: &Sim, group: &str, topic: &str) -> Result<(), String> {
    let counts = sim.ledger().consumption_counts(group);
    if counts.skipped != 0 {
        return Err(format!(
            "group {group} skipped {} committed records: {counts:?}",
            counts.skipped
        ));
    }
    let Some(topic_id) = sim.catalog().id(topic) else {
        return Err(format!("no topic {topic}"));
    };
    let missed: Vec<String> = sim
        .ledger()
        .records()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.tp.topic == topic_id && r.committed && !r.is_internal())
        .filter(|(i, _)| sim.ledger().times_processed(group, RecordId(*i as u64)) == 0)
        .map(|(i, r)| {
            format!(
                "record {i} at {}@{}",
                sim.tp_name(r.tp),
                r.committed_offset.map_or(-1, |o| o.0 as i64)
            )
        })
        .collect();
    if missed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "group {group} never processed {} committed records of {topic} (first: {:?}); {counts:?}",
            missed.len(),
            &missed[..missed.len().min(5)]
        ))
    }
}
