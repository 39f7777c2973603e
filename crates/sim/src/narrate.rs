//! Narration: each [`Event`] as one plain English sentence in Kafka's words, for log and CLI.

use crate::config::{Acks, CleanupPolicy};
use crate::error::KafkaError;
use crate::event::{AllowedBy, Cause, ElectionKind, Event, EventKind, Invariant, LossCause};
use crate::ids::{BrokerId, NodeId, Offset, RecordId, TopicId, TopicPartition};
use crate::ledger::{Outcome, Value};
use crate::sim::Sim;

mod consumer_groups;

/// Whether the event is per-record traffic (sends, produce requests, appends, high-watermark
/// moves): thousands a second under load, left out where a reader wants the story.
pub fn is_chatter(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::RecordsAppended { .. }
            | EventKind::HighWatermarkAdvanced { .. }
            | EventKind::ProduceRequestSent { .. }
            | EventKind::RecordSent { .. }
    )
}

/// The sentence for `event`, with names, keys and values looked up in `sim` (the run that emitted
/// it, now or later). It starts in lower case without a final period. User-typed text (topic
/// names, keys, values) appears verbatim in double quotes: render it as text, never as HTML.
pub fn sentence(event: &Event, sim: &Sim) -> String {
    let tpn = |tp: TopicPartition| sim.tp_name(tp);
    let records = |n: u32| plural(u64::from(n), "record");
    let cause = event.cause;
    match &event.kind {
        EventKind::ConsumerAdded { .. }
        | EventKind::ConsumerStopped { .. }
        | EventKind::ConsumerCrashed { .. }
        | EventKind::ConsumerFailed { .. }
        | EventKind::ConsumerRestarted { .. }
        | EventKind::CoordinatorFound { .. }
        | EventKind::CoordinatorLost { .. }
        | EventKind::Group { .. }
        | EventKind::JoinGroupSent { .. }
        | EventKind::PartitionsAssigned { .. }
        | EventKind::PartitionsRevoked { .. }
        | EventKind::PositionInitialized { .. }
        | EventKind::RecordsProcessed { .. }
        | EventKind::RecordsSkipped { .. }
        | EventKind::OffsetsCommitted { .. }
        | EventKind::OffsetCommitFailed { .. }
        | EventKind::PollTimeoutExpired { .. } => consumer_groups::sentence(&event.kind, sim),
        EventKind::TopicCreated {
            name,
            partitions,
            replication_factor,
            ..
        } => format!(
            "topic \"{name}\" was created with {} and replication factor {replication_factor}",
            plural(u64::from(*partitions), "partition")
        ),
        EventKind::PartitionsAdded { topic, from, to } => format!(
            "topic {} grew from {from} to {to} partitions, so keyed records may now hash to a different partition than before",
            topic_name(sim, *topic)
        ),
        EventKind::TopicConfigChanged { topic } => topic_config(sim, *topic),
        EventKind::BrokerStarted { broker } => format!(
            "broker {broker} started and asks the controller to register it (a restarted broker keeps the log on its disk)"
        ),
        EventKind::BrokerKilled { broker } => format!(
            "broker {broker} was killed: its in-flight requests and in-memory state are gone, its log on disk stays"
        ),
        EventKind::BrokerRegistered {
            broker,
            broker_epoch,
        } => format!(
            "the controller registered broker {broker} with broker epoch {broker_epoch}; it stays fenced until it has caught up with the metadata log"
        ),
        EventKind::BrokerUnfenced { broker } => format!(
            "the controller unfenced broker {broker}: it caught up with the metadata, so it may lead partitions and rejoin ISRs"
        ),
        EventKind::BrokerFenced { broker, silent_ms } => format!(
            "broker {broker} missed heartbeats for {} (broker.session.timeout.ms is {}), so the controller fenced it: it leaves every ISR and loses the leadership of its partitions",
            seconds(*silent_ms),
            seconds(sim.config().broker.broker_session_timeout_ms)
        ),
        EventKind::LeaderElected {
            tp,
            leader,
            previous,
            leader_epoch,
            election,
            isr,
        } => {
            let name = tpn(*tp);
            let isr_s = broker_list(isr);
            let why = election_reason(cause, *previous, *election);
            match (election, leader, previous) {
                (ElectionKind::Initial, Some(l), _) => format!(
                    "{name} starts with broker {l} as leader (leader epoch {leader_epoch}) and the ISR {isr_s}"
                ),
                (ElectionKind::Initial, None, _) => {
                    format!(
                        "{name} was created without a leader: none of its replicas is available"
                    )
                }
                (_, None, _) => {
                    let guard = if sim.catalog().unclean_election_enabled(tp.topic) {
                        ""
                    } else {
                        "; unclean.leader.election.enable=false keeps out-of-sync replicas from taking over"
                    };
                    format!(
                        "{name} is offline (leader epoch {leader_epoch}){why}: no replica of the ISR {isr_s} is available to lead{guard}"
                    )
                }
                (ElectionKind::Unclean, Some(l), p) => format!(
                    "unclean election: {name}'s leader {} (leader epoch {leader_epoch}), but broker {l} was not in the ISR; unclean.leader.election.enable=true allowed it, so records it lacks are lost and the ISR restarts as {isr_s}",
                    moved(*p, *l)
                ),
                (ElectionKind::Preferred, Some(l), p) => format!(
                    "{name}'s leader {} (leader epoch {leader_epoch}), back on its preferred replica{why}",
                    moved(*p, *l)
                ),
                (ElectionKind::Clean, Some(l), None) => format!(
                    "{name} is back online: broker {l} became leader (leader epoch {leader_epoch}), elected from the ISR {isr_s}{why}"
                ),
                (ElectionKind::Clean, Some(l), p) => format!(
                    "{name}'s leader {} (leader epoch {leader_epoch}), elected from the ISR {isr_s}{why}",
                    moved(*p, *l)
                ),
            }
        }
        EventKind::IsrShrunk { tp, removed, isr } => {
            let who = brokers_phrase(removed);
            let why = match broker_to_controller(cause) {
                Some(b) if removed.contains(&b) => format!(
                    "broker {b} restarted and registered again, so it must catch up before it rejoins"
                ),
                Some(l) => format!(
                    "{who} fell behind for more than replica.lag.time.max.ms ({}), so leader broker {l} removed {}",
                    seconds(sim.config().broker.replica_lag_time_max_ms),
                    if removed.len() == 1 { "it" } else { "them" }
                ),
                None if controller_timer(cause) => format!("the controller fenced {who}"),
                None => format!("{who} left it"),
            };
            format!(
                "the ISR of {} shrank to {}: {why}",
                tpn(*tp),
                broker_list(isr)
            )
        }
        EventKind::IsrExpanded { tp, added, isr } => format!(
            "the ISR of {} grew to {}: {} caught up with the leader's log up to its high watermark",
            tpn(*tp),
            broker_list(isr),
            brokers_phrase(added)
        ),
        EventKind::RecordsAppended {
            tp,
            broker,
            base_offset,
            count,
            as_leader,
        } => {
            let (n, at) = (records(*count), offsets(*base_offset, *count));
            let them = if *count == 1 { "it" } else { "them" };
            let leo = base_offset.0 + u64::from(*count);
            if *as_leader {
                format!(
                    "leader broker {broker} appended {n} from a producer to {} at {at} (log end offset now {leo})",
                    tpn(*tp)
                )
            } else {
                format!(
                    "follower broker {broker} fetched {n} of {} from the leader and appended {them} at {at} (log end offset now {leo})",
                    tpn(*tp)
                )
            }
        }
        EventKind::HighWatermarkAdvanced {
            tp,
            broker,
            high_watermark,
        } => format!(
            "the high watermark of {} advanced to {high_watermark} on leader broker {broker}: every ISR replica has the records below offset {high_watermark}, so they are committed and consumers can read them",
            tpn(*tp)
        ),
        EventKind::LogTruncated {
            tp,
            broker,
            to_offset,
            removed,
        } => {
            let leader = match cause {
                Cause::Message {
                    from: NodeId::Broker(l),
                    ..
                } => format!(", broker {l}"),
                _ => String::new(),
            };
            format!(
                "broker {broker} truncated {} to offset {to_offset} ({} removed) to match the new leader{leader}: its log had diverged after a leader change",
                tpn(*tp),
                plural(*removed, "record")
            )
        }
        EventKind::RecordsDeleted {
            tp,
            broker,
            removed,
            log_start_offset,
            compaction,
        } => {
            let (what, how) = if *compaction {
                ("log compaction", "it keeps only the latest record per key")
            } else {
                (
                    "retention",
                    "they were older or larger than retention.ms / retention.bytes allow",
                )
            };
            format!(
                "{what} removed {} from broker {broker}'s replica of {} ({how}); the log start offset is now {log_start_offset}",
                plural(*removed, "record"),
                tpn(*tp)
            )
        }
        EventKind::RecordLost {
            record,
            tp,
            offset,
            cause: loss,
        } => {
            let outcome = sim.ledger().get(*record).map(|r| r.outcome);
            let status = match outcome {
                Some(Outcome::Acked { .. }) => "acknowledged",
                _ => "committed",
            };
            let allowed = match (outcome, loss) {
                (
                    Some(Outcome::Acked {
                        acks: Acks::One, ..
                    }),
                    _,
                ) => allowed_by(AllowedBy::Acks1),
                (
                    Some(Outcome::Acked {
                        acks: Acks::Zero, ..
                    }),
                    _,
                ) => allowed_by(AllowedBy::Acks0),
                (_, LossCause::TruncatedAfterUncleanElection) => {
                    allowed_by(AllowedBy::UncleanLeaderElection)
                }
                (_, LossCause::Truncated) => {
                    "with acks=all and clean elections this should not happen"
                }
            };
            format!(
                "record lost: {} at {} offset {offset} was {status}, but the last replica holding it truncated it; {allowed}",
                record_phrase(sim, *record),
                tpn(*tp)
            )
        }
        EventKind::RecordSent {
            producer,
            record,
            tp,
            keyed,
        } => {
            let how = if *keyed {
                ""
            } else {
                " (no key, so the partitioner chose the partition)"
            };
            format!(
                "producer {producer} sent {} to {}{how}",
                record_phrase(sim, *record),
                tpn(*tp)
            )
        }
        EventKind::ProduceRequestSent {
            producer,
            tp,
            leader,
            count,
            attempt,
        } => {
            let retry = if *attempt > 1 {
                format!(" (attempt {attempt})")
            } else {
                String::new()
            };
            format!(
                "producer {producer} sent a batch of {} for {} to its leader, broker {leader}{retry}",
                records(*count),
                tpn(*tp)
            )
        }
        EventKind::ProduceAcked {
            producer,
            tp,
            base_offset,
            count,
            acks,
        } => {
            let n = records(*count);
            let at = base_offset.map_or(String::new(), |b| format!(" at {}", offsets(b, *count)));
            match acks {
                Acks::Zero => format!(
                    "producer {producer} counts its batch of {n} for {} as delivered with acks=0: it does not wait for any answer",
                    tpn(*tp)
                ),
                Acks::One => format!(
                    "producer {producer}'s batch of {n} for {} was acknowledged{at} with acks=1: the leader appended it, but followers may not have it yet",
                    tpn(*tp)
                ),
                Acks::All => format!(
                    "producer {producer}'s batch of {n} for {} was acknowledged{at} with acks=all: it is below the high watermark, on every replica in the ISR",
                    tpn(*tp)
                ),
            }
        }
        EventKind::ProduceFailed {
            producer,
            tp,
            count,
            error,
        }
        | EventKind::ProduceRetrying {
            producer,
            tp,
            count,
            error,
        } => {
            let (n, reason) = (records(*count), error_reason(*error, sim, *tp));
            if matches!(event.kind, EventKind::ProduceFailed { .. }) {
                format!(
                    "producer {producer} gave up on {n} for {} with {error}: {reason}",
                    tpn(*tp)
                )
            } else {
                format!(
                    "producer {producer} will retry {n} for {} after {error}: {reason}",
                    tpn(*tp)
                )
            }
        }
        EventKind::LinkCut { from, to } => {
            format!(
                "{} was cut: messages that way are dropped",
                link(*from, *to)
            )
        }
        EventKind::LinkHealed { from, to } => format!("{} was restored", link(*from, *to)),
        EventKind::LinkSlowed {
            from,
            to,
            extra_ms: 0,
        } => {
            format!("{} is back to its normal latency", link(*from, *to))
        }
        EventKind::LinkSlowed { from, to, extra_ms } => format!(
            "{} is slower: messages take {} longer",
            link(*from, *to),
            seconds(*extra_ms)
        ),
        EventKind::ProducerAdded { producer } => {
            format!("producer {producer} was added to the cluster's clients")
        }
        EventKind::InvariantViolated {
            invariant,
            detail,
            allowed_by: allowed,
        } => {
            let rule = match invariant {
                Invariant::OffsetsContiguous => "offsets increase by one without gaps",
                Invariant::HighWatermarkAtMostLogEnd => {
                    "the high watermark never passes the log end offset"
                }
                Invariant::ReplicasAgreeBelowHighWatermark => {
                    "replicas hold the same records below the high watermark"
                }
                Invariant::NoAckedRecordLost => "an acknowledged record is never lost",
                Invariant::SingleOwnerPerGeneration => {
                    "within a generation, a partition has one owner in a group"
                }
                Invariant::ProcessesOnlyOwnedPartitions => {
                    "a consumer processes only partitions it owns"
                }
                Invariant::PositionsMonotonic => "a consumer's position only moves forward",
            };
            let verdict = match allowed {
                Some(a) => allowed_by(*a),
                None => "no setting allows this, so it is a bug in the simulator",
            };
            format!("guarantee broken ({rule}): {detail}; {verdict}")
        }
    }
}

/// What triggered an event, as a short phrase ("command #3", "a timer of broker 2",
/// "a message from broker 1 to the controller"), for a log's "why" column.
pub fn cause_phrase(cause: &Cause) -> String {
    match cause {
        Cause::Command { id } => format!("command #{id}"),
        Cause::Timer { node: n } => format!("a timer of {}", node(*n)),
        Cause::Message { from, to } => format!("a message from {} to {}", node(*from), node(*to)),
    }
}

/// Milliseconds as seconds with one decimal: `3000` → `3.0 s`.
pub fn seconds(ms: u64) -> String {
    let tenths = ms.saturating_add(50) / 100;
    format!("{}.{} s", tenths / 10, tenths % 10)
}

/// Why a leader changed, read from the event's cause (empty when it tells nothing more).
fn election_reason(cause: Cause, previous: Option<BrokerId>, kind: ElectionKind) -> String {
    let from_broker = broker_to_controller(cause);
    match (kind, previous) {
        (ElectionKind::Preferred, _) if matches!(cause, Cause::Command { .. }) => {
            " because a preferred leader election was requested".to_string()
        }
        (ElectionKind::Preferred, _) => {
            " because auto.leader.rebalance.enable moves leadership back".to_string()
        }
        (_, Some(p)) if controller_timer(cause) => {
            format!(" after the controller fenced broker {p}")
        }
        (_, Some(p)) if from_broker == Some(p) => {
            format!(" after broker {p} restarted and registered again")
        }
        (_, None) => {
            from_broker.map_or(String::new(), |b| format!(" after broker {b} was unfenced"))
        }
        _ => String::new(),
    }
}

/// The broker whose message to the controller caused the event.
fn broker_to_controller(cause: Cause) -> Option<BrokerId> {
    match cause {
        Cause::Message {
            from: NodeId::Broker(b),
            to: NodeId::Controller,
        } => Some(b),
        _ => None,
    }
}

/// Whether a controller timer (a broker session expiring, the rebalance check) caused the event.
fn controller_timer(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::Timer {
            node: NodeId::Controller
        }
    )
}

/// `the network link from broker 1 to the controller`.
fn link(from: NodeId, to: NodeId) -> String {
    format!("the network link from {} to {}", node(from), node(to))
}

/// `broker 2`, `producer 0`, `the controller`.
fn node(n: NodeId) -> String {
    match n {
        NodeId::Controller => "the controller".to_string(),
        other => other.to_string(),
    }
}

/// "moved from broker 2 to broker 3", or "went to broker 3" without a previous leader.
fn moved(previous: Option<BrokerId>, leader: BrokerId) -> String {
    match previous {
        Some(p) => format!("moved from broker {p} to broker {leader}"),
        None => format!("went to broker {leader}"),
    }
}

/// The configuration that made a broken guarantee expected.
fn allowed_by(a: AllowedBy) -> &'static str {
    match a {
        AllowedBy::Acks0 => "allowed by acks=0: the producer never waits for an answer",
        AllowedBy::Acks1 => {
            "allowed by acks=1: the leader acknowledged before any follower had a copy"
        }
        AllowedBy::UncleanLeaderElection => {
            "allowed by unclean.leader.election.enable=true: a replica outside the ISR became leader"
        }
    }
}

/// Kafka's error explained for a learner (falls back to Kafka's description).
fn error_reason(error: KafkaError, sim: &Sim, tp: TopicPartition) -> String {
    let min_isr = sim.catalog().effective_min_isr(tp.topic);
    match error {
        KafkaError::NotEnoughReplicas => {
            format!(
                "the ISR is smaller than min.insync.replicas={min_isr}, so the leader refused to append"
            )
        }
        KafkaError::NotEnoughReplicasAfterAppend => format!(
            "the leader appended it, but the ISR fell below min.insync.replicas={min_isr} before it was replicated"
        ),
        KafkaError::DuplicateSequenceNumber => {
            "the leader already has this batch from an earlier attempt, so the producer counts it as written"
                .to_string()
        }
        KafkaError::NotLeaderOrFollower => {
            "the broker asked is no longer the leader, so the producer refreshes its metadata"
                .into()
        }
        KafkaError::LeaderNotAvailable => "the partition has no leader right now".into(),
        KafkaError::RequestTimedOut => "no answer came within request.timeout.ms".into(),
        KafkaError::NetworkException => "the connection broke before an answer came".into(),
        KafkaError::DeliveryTimeout => "delivery.timeout.ms passed without success".into(),
        KafkaError::FencedLeaderEpoch => {
            "the request carried an older leader epoch than the broker's".into()
        }
        KafkaError::UnknownLeaderEpoch => {
            "the request carried a newer leader epoch than the broker knows".into()
        }
        // Kafka's own description for the rest (and for errors added later).
        _ => lower_first(error.description().trim_end_matches('.')),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A topic's current configuration, as in `kafka-configs --describe`.
fn topic_config(sim: &Sim, topic: TopicId) -> String {
    let catalog = sim.catalog();
    let Some(t) = catalog.get(topic) else {
        return format!("the configuration of {} changed", topic_name(sim, topic));
    };
    let policy = match t.config.cleanup_policy {
        CleanupPolicy::Delete => "delete",
        CleanupPolicy::Compact => "compact",
        CleanupPolicy::CompactDelete => "compact,delete",
    };
    format!(
        "the configuration of topic \"{}\" changed: min.insync.replicas={}, unclean.leader.election.enable={}, cleanup.policy={policy}, retention.ms={}, retention.bytes={}",
        t.name,
        catalog.effective_min_isr(topic),
        catalog.unclean_election_enabled(topic),
        t.config.retention_ms,
        t.config.retention_bytes
    )
}

fn topic_name(sim: &Sim, topic: TopicId) -> String {
    match sim.catalog().get(topic) {
        Some(t) => format!("\"{}\"", t.name),
        None => format!("#{topic}"),
    }
}

/// `record 12 (key "k0", value "v0")`, from the ledger.
fn record_phrase(sim: &Sim, id: RecordId) -> String {
    let ledger = sim.ledger();
    let Some(r) = ledger.get(id) else {
        return format!("record {id}");
    };
    let key = match r.key {
        Some(k) => format!("key \"{}\"", String::from_utf8_lossy(ledger.keys.bytes(k))),
        None => "no key".to_string(),
    };
    let value = value_phrase(&r.value, sim);

    format!("record {id} ({key}, {value})")
}

/// A record's value in words: `value "order 1"`, `a 16-byte value`, `a null value (a tombstone)`,
/// or what an internal `__consumer_offsets` record says. User-typed bytes appear verbatim in
/// double quotes: render them as text, never as HTML.
pub fn value_phrase(value: &Value, sim: &Sim) -> String {
    match value {
        Value::Bytes(b) => format!("value \"{}\"", String::from_utf8_lossy(b)),
        Value::Synthetic { len } => format!("a {len}-byte value"),
        Value::Tombstone => "a null value (a tombstone)".to_string(),
        Value::OffsetCommit(v) => format!(
            "group \"{}\"'s committed offset {} for {}",
            v.group,
            v.offset,
            sim.tp_name(v.tp)
        ),
        Value::GroupMetadata(g) => format!(
            "group \"{}\"'s membership in generation {}: {} member(s)",
            g.group,
            g.value.generation_id,
            g.value.members.len()
        ),
    }
}

/// `[1, 3]`, as Kafka prints an ISR.
fn broker_list(brokers: &[BrokerId]) -> String {
    let ids: Vec<String> = brokers.iter().map(|b| b.to_string()).collect();
    format!("[{}]", ids.join(", "))
}

/// `broker 3`, `brokers 2 and 3`, `brokers 1, 2 and 3`.
fn brokers_phrase(brokers: &[BrokerId]) -> String {
    let ids: Vec<String> = brokers.iter().map(|b| b.to_string()).collect();
    match ids.as_slice() {
        [] => "no broker".to_string(),
        [one] => format!("broker {one}"),
        [init @ .., last] => format!("brokers {} and {last}", init.join(", ")),
    }
}

/// `offset 4` or `offsets 4 to 6`.
fn offsets(base: Offset, count: u32) -> String {
    match count {
        0 | 1 => format!("offset {base}"),
        n => format!("offsets {base} to {}", base.0 + u64::from(n) - 1),
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
