//! Checks on a run: what a scenario's goal asks the learner to achieve, and what a preset's test
//! expects to see (an anomaly, or its absence in the guarded twin). A [`Watch`] follows the events
//! as they come and answers each [`Check`] against the run so far — live on the page, at the end
//! in tests.

use crate::vec_map::{VecMap, VecSet};

use serde::Serialize;

use crate::error::KafkaError;
use crate::event::{AllowedBy, ElectionKind, Event, EventKind};
use crate::group::GroupEvent;
use crate::ids::{BrokerId, Offset, RecordId, TopicPartition};
use crate::sim::Sim;

/// One thing to check on a run. Partitions are named as Kafka prints them (`orders-0`). In JSON
/// (`{"type": "leader_is", …}`, read by `scenario::decode`) an absent `min` is 0 and absent
/// options are `None`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Check {
    /// Between `min` and `max` (inclusive) acknowledged records were lost.
    AckedRecordsLost {
        /// At least this many.
        min: u64,
        /// At most this many, if set.
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
    /// A produce request was answered with this retriable error and the producer retried it
    /// (e.g. `NotEnoughReplicas` while the ISR is smaller than `min.insync.replicas`).
    ProduceRetried {
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
        min: u64,
        /// At most this many, if set.
        max: Option<u64>,
    },
    /// The group skipped between `min` and `max` committed records (at-most-once losses).
    GroupSkipped {
        /// The group.
        group: String,
        /// At least this many.
        min: u64,
        /// At most this many, if set.
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
        compaction: Option<bool>,
    },
    /// The partition was left without a leader (offline) at some point after its creation: no
    /// replica of its ISR could take over and no unclean election was allowed.
    PartitionOffline {
        /// The partition.
        partition: String,
    },
    /// The partition's ISR shrank to `size` replicas or fewer at some point.
    IsrShrunk {
        /// The partition.
        partition: String,
        /// At most this many replicas were left in the ISR.
        size: u32,
    },
    /// The partition is led by `broker` now.
    LeaderIs {
        /// The partition.
        partition: String,
        /// The broker.
        broker: u32,
    },
    /// The controller fenced a broker (this one, if set) after its heartbeats stopped.
    BrokerFenced {
        /// Only this broker, if set.
        broker: Option<u32>,
    },
    /// Every record sent with `key` to the partition's topic went to this partition (and there
    /// was at least one): a keyed record's partition is `murmur2(key) % partitions`.
    KeyOnPartition {
        /// The key, as typed.
        key: String,
        /// The partition.
        partition: String,
    },
    /// Between `min` and `max` records (with this key, if set) are in the leader's log below its
    /// high watermark: what a consumer can read now, after retention and compaction (none while
    /// the partition has no leader).
    PartitionRecords {
        /// The partition.
        partition: String,
        /// Only records with this key, if set.
        key: Option<String>,
        /// At least this many.
        min: u64,
        /// At most this many, if set.
        max: Option<u64>,
    },
    /// The group is Stable and its running members own these numbers of partitions, largest
    /// first (`[3, 3]`; `[1, 1, 1, 0]` has an idle member).
    GroupAssignment {
        /// The group.
        group: String,
        /// Partitions per running member, largest first.
        sizes: Vec<u32>,
    },
    /// The group processed at least `min` records (with this key, if set) and processed them, the
    /// first time, in the order they were sent. Kafka keeps order within a partition only.
    ProcessedInSendOrder {
        /// The group.
        group: String,
        /// Only records with this key, if set.
        key: Option<String>,
        /// At least this many records.
        min: u64,
    },
    /// Every check holds.
    All {
        /// The checks.
        checks: Vec<Check>,
    },
    /// The check does not hold.
    Not {
        /// The check.
        check: Box<Check>,
    },
}

/// Follows a run's events and answers [`Check`]s.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    leader_changes: VecSet<TopicPartition>,
    unclean: bool,
    produce_errors: VecSet<KafkaError>,
    retried_errors: VecSet<KafkaError>,
    allowed: VecSet<String>,
    unallowed: u64,
    generations: Vec<(String, u32)>,
    deleted: VecSet<(TopicPartition, bool)>,
    offline: VecSet<TopicPartition>,
    smallest_isr: VecMap<TopicPartition, usize>,
    fenced: VecSet<BrokerId>,
    /// Group names, indexed by `processed`'s first field.
    groups: Vec<String>,
    /// Every processed batch in order: (group, partition, first offset, count).
    processed: Vec<(u32, TopicPartition, Offset, u32)>,
}

impl Watch {
    /// A watch that has seen nothing.
    pub fn new() -> Watch {
        Watch::default()
    }

    /// Takes one event into account.
    pub fn observe(&mut self, event: &Event) {
        match &event.kind {
            EventKind::LeaderElected {
                tp,
                election,
                leader,
                isr,
                ..
            } => {
                if *election != ElectionKind::Initial {
                    self.leader_changes.insert(*tp);
                }
                self.unclean |= *election == ElectionKind::Unclean;
                if leader.is_none() {
                    self.offline.insert(*tp);
                }
                self.note_isr(*tp, isr.len());
            }
            EventKind::IsrShrunk { tp, isr, .. } => self.note_isr(*tp, isr.len()),
            EventKind::BrokerFenced { broker, .. } => {
                self.fenced.insert(*broker);
            }
            EventKind::RecordsProcessed {
                group,
                tp,
                first_offset,
                count,
                ..
            } => {
                let g = match self.groups.iter().position(|g| g == group) {
                    Some(g) => g,
                    None => {
                        self.groups.push(group.clone());
                        self.groups.len() - 1
                    }
                };
                self.processed.push((g as u32, *tp, *first_offset, *count));
            }
            EventKind::ProduceFailed { error, .. } => {
                self.produce_errors.insert(*error);
            }
            EventKind::ProduceRetrying { error, .. } => {
                self.retried_errors.insert(*error);
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

    fn note_isr(&mut self, tp: TopicPartition, size: usize) {
        let smallest = self.smallest_isr.entry(tp).or_insert(size);
        *smallest = (*smallest).min(size);
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
            Check::ProduceRetried { error } => self.retried_errors.contains(error),
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
            Check::PartitionOffline { partition } => {
                tp(partition).is_some_and(|tp| self.offline.contains(&tp))
            }
            Check::IsrShrunk { partition, size } => tp(partition)
                .and_then(|tp| self.smallest_isr.get(&tp))
                .is_some_and(|n| *n <= *size as usize),
            Check::LeaderIs { partition, broker } => {
                tp(partition).is_some_and(|tp| sim.leader_of(tp) == Some(BrokerId(*broker)))
            }
            Check::BrokerFenced { broker } => match broker {
                Some(b) => self.fenced.contains(&BrokerId(*b)),
                None => !self.fenced.is_empty(),
            },
            Check::KeyOnPartition { key, partition } => {
                tp(partition).is_some_and(|tp| key_on_partition(sim, key.as_bytes(), tp))
            }
            Check::PartitionRecords {
                partition,
                key,
                min,
                max,
            } => tp(partition).is_some_and(|tp| {
                let n = readable_records(sim, tp, key.as_deref().map(str::as_bytes));
                in_range(n, *min, *max)
            }),
            Check::GroupAssignment { group, sizes } => sim.group_views().iter().any(|g| {
                let mut owned: Vec<u32> = g
                    .members
                    .iter()
                    .filter(|m| m.alive)
                    .map(|m| m.assigned.len() as u32)
                    .collect();
                crate::sort::sort_by(&mut owned, |a, b| b.cmp(a));
                g.group == *group && g.state == "Stable" && owned == *sizes
            }),
            Check::ProcessedInSendOrder { group, key, min } => {
                self.processed_in_send_order(sim, group, key.as_deref(), *min)
            }
            Check::All { checks } => checks.iter().all(|c| self.holds(c, sim)),
            Check::Not { check } => !self.holds(check, sim),
        }
    }

    /// Whether `group` first processed at least `min` records (of `key`) in send order.
    fn processed_in_send_order(&self, sim: &Sim, group: &str, key: Option<&str>, min: u64) -> bool {
        let Some(g) = self.groups.iter().position(|n| n == group) else {
            return min == 0;
        };
        let ledger = sim.ledger();
        let at: std::collections::BTreeMap<(TopicPartition, Offset), RecordId> =
            crate::sort::map_of(
                ledger
                    .records()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| Some(((r.tp, r.committed_offset?), RecordId(i as u64)))),
            );
        // Ids arrive in increasing order until the first one out of order ends the check, so
        // each insertion lands at the end of the vector.
        let mut seen = VecSet::new();
        let mut last = None;
        let mut count = 0u64;
        for (_, tp, first, n) in self.processed.iter().filter(|p| p.0 == g as u32) {
            for offset in first.0..first.0 + u64::from(*n) {
                let Some(&id) = at.get(&(*tp, Offset(offset))) else {
                    continue;
                };
                let matches = key.is_none_or(|k| has_key(sim, id, k.as_bytes()));
                if !matches || !seen.insert(id) {
                    continue;
                }
                if last.is_some_and(|l| l > id) {
                    return false;
                }
                last = Some(id);
                count += 1;
            }
        }
        count >= min
    }
}

/// Whether record `id` has exactly this key.
fn has_key(sim: &Sim, id: RecordId, key: &[u8]) -> bool {
    let ledger = sim.ledger();
    ledger
        .get(id)
        .and_then(|r| r.key)
        .is_some_and(|k| ledger.keys.bytes(k) == key)
}

/// Whether every record sent with `key` to `tp`'s topic went to `tp`, and there is one.
fn key_on_partition(sim: &Sim, key: &[u8], tp: TopicPartition) -> bool {
    let ledger = sim.ledger();
    let mut any = false;
    for (i, r) in ledger.records().iter().enumerate() {
        if r.tp.topic == tp.topic && has_key(sim, RecordId(i as u64), key) {
            if r.tp != tp {
                return false;
            }
            any = true;
        }
    }
    any
}

/// Records (with `key`, if set) in the leader's log of `tp` below its high watermark.
fn readable_records(sim: &Sim, tp: TopicPartition, key: Option<&[u8]>) -> u64 {
    let Some(view) = sim.partition_view(tp) else {
        return 0;
    };
    let Some(leader) = view.leader.and_then(|l| view.replica(l)) else {
        return 0;
    };
    leader
        .records
        .iter()
        .filter(|(offset, _, id)| {
            *offset < leader.high_watermark && key.is_none_or(|k| has_key(sim, *id, k))
        })
        .count() as u64
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
    let topics: VecSet<_> = crate::sort::set_of(view.lag.iter().map(|r| r.tp.topic));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    /// Runs a demo-timing scenario made of `commands` until `until_ms` and watches every event.
    fn run(config: &str, commands: &str, until_ms: u64) -> (Watch, Sim) {
        let text = format!(
            r#"{{"version":1,"seed":7,"timing":"demo","config":{config},"until_ms":{until_ms},"commands":[{commands}]}}"#
        );
        let scenario = Scenario::from_json(&text).expect("a scenario");
        let (mut sim, refused) = scenario.run(None).expect("runs");
        assert!(refused.is_empty(), "{refused:?}");
        let mut watch = Watch::new();
        for e in sim.drain_events() {
            watch.observe(&e);
        }
        (watch, sim)
    }

    fn check(json: &str) -> Check {
        serde_json::from_str(json).expect("a check")
    }

    const TOPIC: &str = r#"{"at":1000,"command":{"type":"create_topic","name":"orders","partitions":3,"replication_factor":3,"config":{"min.insync.replicas":2}}}"#;

    fn produce(at: u64, key: &str, value: &str) -> String {
        format!(
            r#"{{"at":{at},"command":{{"type":"produce","topic":"orders","key":"{key}","value":"{value}"}}}}"#
        )
    }

    #[test]
    fn keys_and_records_are_read_from_the_ledger_and_the_leader_log() {
        // murmur2 with 3 partitions: customer_1 → 1, customer_4 → 0.
        let commands = [
            TOPIC.to_string(),
            produce(2000, "customer_1", "order 1"),
            produce(2100, "customer_4", "order 2"),
            produce(2200, "customer_1", "order 3"),
        ]
        .join(",");
        let (w, sim) = run("{}", &commands, 4000);
        let holds = |json: &str| w.holds(&check(json), &sim);
        assert!(holds(
            r#"{"type":"key_on_partition","key":"customer_1","partition":"orders-1"}"#
        ));
        assert!(!holds(
            r#"{"type":"key_on_partition","key":"customer_1","partition":"orders-0"}"#
        ));
        assert!(!holds(
            r#"{"type":"key_on_partition","key":"customer_9","partition":"orders-1"}"#
        ));
        assert!(holds(
            r#"{"type":"partition_records","partition":"orders-1","min":2,"max":2}"#
        ));
        assert!(holds(
            r#"{"type":"partition_records","partition":"orders-1","key":"customer_4","max":0}"#
        ));
        assert!(holds(
            r#"{"type":"partition_records","partition":"orders-0","key":"customer_4","min":1,"max":1}"#
        ));
        assert!(!holds(
            r#"{"type":"partition_records","partition":"orders-7","max":5}"#
        ));
        assert!(holds(
            r#"{"type":"not","check":{"type":"partition_records","partition":"orders-2","min":1}}"#
        ));
        assert!(!holds(
            r#"{"type":"not","check":{"type":"records_acked","min":3}}"#
        ));
    }

    #[test]
    fn fencing_isr_leaders_refusals_and_offline_partitions_are_remembered() {
        // orders-0 has replicas [2, 3, 1]. Brokers 1 and 3 die: broker 2 is left alone in the ISR
        // and refuses acks=all writes below min.insync.replicas=2; then broker 2 dies too.
        let kill = |at: u64, b: u32| {
            format!(r#"{{"at":{at},"command":{{"type":"kill_broker","broker":{b}}}}}"#)
        };
        let before = [
            TOPIC.to_string(),
            kill(2000, 1),
            kill(2000, 3),
            produce(6000, "customer_4", "order 1"),
        ]
        .join(",");
        let (w, sim) = run("{}", &before, 8000);
        let holds = |json: &str| w.holds(&check(json), &sim);
        assert!(holds(r#"{"type":"broker_fenced","broker":1}"#));
        assert!(!holds(r#"{"type":"broker_fenced","broker":2}"#));
        assert!(holds(r#"{"type":"broker_fenced"}"#));
        assert!(holds(
            r#"{"type":"isr_shrunk","partition":"orders-0","size":1}"#
        ));
        assert!(!holds(
            r#"{"type":"isr_shrunk","partition":"orders-0","size":0}"#
        ));
        assert!(holds(
            r#"{"type":"leader_is","partition":"orders-0","broker":2}"#
        ));
        assert!(!holds(
            r#"{"type":"leader_is","partition":"orders-0","broker":1}"#
        ));
        assert!(holds(
            r#"{"type":"produce_retried","error":"NotEnoughReplicas"}"#
        ));
        assert!(!holds(
            r#"{"type":"produce_retried","error":"NotLeaderOrFollower"}"#
        ));
        assert!(!holds(
            r#"{"type":"partition_offline","partition":"orders-0"}"#
        ));

        let after = [before, kill(8000, 2)].join(",");
        let (w, sim) = run("{}", &after, 12000);
        assert!(w.holds(
            &check(r#"{"type":"partition_offline","partition":"orders-0"}"#),
            &sim
        ));
        assert!(w.holds(
            &check(r#"{"type":"partition_records","partition":"orders-0","max":0}"#),
            &sim
        ));
    }

    #[test]
    fn group_assignment_and_processing_order() {
        // One consumer owns all three partitions; a burst interleaves customer_1 (orders-1) and
        // customer_4 (orders-0). Fetches come back per partition, so the consumer keeps each
        // key's order but not the order across keys.
        let consumer = r#"{"at":1000,"command":{"type":"add_consumer","group":"payments","topics":["orders"]}}"#;
        let commands = [
            TOPIC.to_string(),
            consumer.to_string(),
            produce(5000, "customer_1", "order 1"),
            produce(5002, "customer_4", "order 2"),
            produce(5004, "customer_1", "order 3"),
            produce(5006, "customer_4", "order 4"),
            produce(5008, "customer_1", "order 5"),
        ]
        .join(",");
        let config = r#"{"consumer":{"processing.ms.per.record":100}}"#;
        let (w, sim) = run(config, &commands, 9000);
        let holds = |json: &str| w.holds(&check(json), &sim);
        assert!(holds(
            r#"{"type":"group_assignment","group":"payments","sizes":[3]}"#
        ));
        assert!(!holds(
            r#"{"type":"group_assignment","group":"payments","sizes":[2,1]}"#
        ));
        assert!(!holds(
            r#"{"type":"group_assignment","group":"nobody","sizes":[]}"#
        ));
        assert!(holds(
            r#"{"type":"processed_in_send_order","group":"payments","key":"customer_1","min":3}"#
        ));
        assert!(!holds(
            r#"{"type":"processed_in_send_order","group":"payments","key":"customer_1","min":4}"#
        ));
        assert!(holds(
            r#"{"type":"processed_in_send_order","group":"payments","key":"customer_4","min":2}"#
        ));
        assert!(!holds(
            r#"{"type":"processed_in_send_order","group":"payments"}"#
        ));
        assert!(!holds(
            r#"{"type":"processed_in_send_order","group":"nobody","min":1}"#
        ));
    }

    #[test]
    fn checks_round_trip_through_json() {
        let c = check(
            r#"{"type":"not","check":{"type":"all","checks":[{"type":"partition_records","partition":"orders-0","key":"customer_1","min":1},{"type":"broker_fenced"}]}}"#,
        );
        let back: Check = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        assert!(
            serde_json::from_str::<Check>(r#"{"type":"leader_is","partition":"orders-0"}"#)
                .is_err()
        );
    }
}
