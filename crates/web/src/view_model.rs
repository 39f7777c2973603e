//! Pure functions from the run to the components' props: small, comparable values, so that a
//! component whose props did not change skips its render. Everything here is read from the core's
//! views, the ledger and the events; nothing is re-derived from Kafka's rules.

use std::rc::Rc;

use kafka_sim::ledger::{Outcome, Value};
use kafka_sim::view::{GroupView, PartitionView, ReplicaRole};
use kafka_sim::{Acks, AllowedBy, BrokerId, EventKind, Invariant, NodeId, RecordId, Sim, SimTime};
use kafka_sim::{Offset, TopicPartition};

use crate::store::{Run, Selection};

/// Records drawn per lane.
pub const LANE_WINDOW: usize = 40;
/// Key colours of the palette (Okabe–Ito without black); keyless records get their own grey.
pub const KEY_COLOURS: u8 = 7;

/// A replica's state as the page draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// The committed leader.
    Leader,
    /// A follower in the ISR.
    InSync,
    /// A follower outside the ISR.
    OutOfSync,
    /// Its broker is down or has not applied the partition's metadata.
    Offline,
}

impl ReplicaState {
    /// CSS modifier and test hook.
    pub fn class(self) -> &'static str {
        match self {
            ReplicaState::Leader => "leader",
            ReplicaState::InSync => "in-sync",
            ReplicaState::OutOfSync => "out-of-sync",
            ReplicaState::Offline => "offline",
        }
    }
    /// Words for screen readers and tooltips.
    pub fn label(self) -> &'static str {
        match self {
            ReplicaState::Leader => "leader",
            ReplicaState::InSync => "in-sync follower",
            ReplicaState::OutOfSync => "out-of-sync follower",
            ReplicaState::Offline => "offline replica",
        }
    }
}

fn replica_state(v: &PartitionView, broker: BrokerId) -> ReplicaState {
    if v.leader == Some(broker) {
        ReplicaState::Leader
    } else if v
        .replica(broker)
        .is_none_or(|r| r.role == ReplicaRole::Offline)
    {
        ReplicaState::Offline
    } else if v.isr.contains(&broker) {
        ReplicaState::InSync
    } else {
        ReplicaState::OutOfSync
    }
}

/// One replica's progress, drawn under its lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaMark {
    /// Its broker.
    pub broker: u32,
    /// Its state.
    pub state: ReplicaState,
    /// Its log end offset.
    pub log_end_offset: u64,
}

/// One record cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellView {
    /// Offset in the partition.
    pub offset: u64,
    /// Leader epoch it was written in.
    pub leader_epoch: u32,
    /// The ledger's id.
    pub record: u64,
    /// Palette index of its key (`KEY_COLOURS` for no key).
    pub colour: u8,
    /// Its key, as text.
    pub key: Option<Rc<str>>,
    /// Below the high watermark.
    pub committed: bool,
}

/// One consumer group's place in a partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMark {
    /// The `group.id`.
    pub group: Rc<str>,
    /// Its committed offset.
    pub committed: Option<u64>,
    /// Its consumer's position.
    pub position: Option<u64>,
}

/// One partition lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneView {
    /// Which partition.
    pub tp: TopicPartition,
    /// `orders-0`.
    pub name: Rc<str>,
    /// `orders`.
    pub topic: Rc<str>,
    /// Committed leader.
    pub leader: Option<u32>,
    /// Committed leader epoch.
    pub leader_epoch: u32,
    /// Committed ISR.
    pub isr: Vec<u32>,
    /// Whose log the cells show (the leader's, else the longest surviving replica's).
    pub shown_broker: Option<u32>,
    /// Log start offset of the shown log.
    pub log_start_offset: u64,
    /// High watermark of the shown log.
    pub high_watermark: u64,
    /// Log end offset of the shown log.
    pub log_end_offset: u64,
    /// Each assigned replica.
    pub replicas: Vec<ReplicaMark>,
    /// The last records of the shown log.
    pub cells: Vec<CellView>,
    /// Consumer groups reading it.
    pub groups: Vec<GroupMark>,
}

impl LaneView {
    /// The offset of the first drawn cell (or the log end when the window is empty).
    pub fn first_offset(&self) -> u64 {
        self.cells.first().map_or(self.log_end_offset, |c| c.offset)
    }
}

/// The palette index of a key id.
fn colour_of(key: Option<kafka_sim::ledger::KeyId>) -> u8 {
    key.map_or(KEY_COLOURS, |k| (k.0 % u32::from(KEY_COLOURS)) as u8)
}

fn key_text(sim: &Sim, key: Option<kafka_sim::ledger::KeyId>) -> Option<Rc<str>> {
    key.map(|k| Rc::from(String::from_utf8_lossy(sim.ledger().keys.bytes(k)).as_ref()))
}

/// Every partition of every topic with its last `window` records, in topic then partition order.
pub fn partition_views(sim: &Sim, window: usize) -> Vec<PartitionView> {
    sim.catalog()
        .topics()
        .iter()
        .flat_map(|t| sim.partitions_of(&t.name))
        .filter_map(|tp| sim.partition_view_tail(tp, window))
        .collect()
}

/// The lane of one partition.
pub fn lane(sim: &Sim, v: &PartitionView, groups: &[GroupView]) -> LaneView {
    let shown = v.leader.and_then(|l| v.replica(l)).or_else(|| {
        v.replicas
            .iter()
            .filter(|r| r.role != ReplicaRole::Offline)
            .max_by_key(|r| r.log_end_offset)
    });
    let ledger = sim.ledger();
    let (cells, lso, hw, leo) = match shown {
        Some(r) => {
            let cells = r
                .records
                .iter()
                .map(|(offset, epoch, record)| {
                    let key = ledger.get(*record).and_then(|l| l.key);
                    CellView {
                        offset: offset.0,
                        leader_epoch: epoch.0,
                        record: record.0,
                        colour: colour_of(key),
                        key: key_text(sim, key),
                        committed: *offset < r.high_watermark,
                    }
                })
                .collect();
            (
                cells,
                r.log_start_offset.0,
                r.high_watermark.0,
                r.log_end_offset.0,
            )
        }
        None => (Vec::new(), 0, 0, 0),
    };
    let group_marks = groups
        .iter()
        .filter_map(|g| {
            let row = g.lag.iter().find(|row| row.tp == v.tp)?;
            Some(GroupMark {
                group: g.group.as_str().into(),
                committed: row.committed.map(|o| o.0),
                position: row.position.map(|o| o.0),
            })
        })
        .collect();
    LaneView {
        tp: v.tp,
        name: sim.tp_name(v.tp).into(),
        topic: sim
            .catalog()
            .get(v.tp.topic)
            .map_or("", |t| t.name.as_str())
            .into(),
        leader: v.leader.map(|b| b.0),
        leader_epoch: v.leader_epoch.0,
        isr: v.isr.iter().map(|b| b.0).collect(),
        shown_broker: shown.map(|r| r.broker.0),
        log_start_offset: lso,
        high_watermark: hw,
        log_end_offset: leo,
        replicas: v
            .assignment
            .iter()
            .map(|b| ReplicaMark {
                broker: b.0,
                state: replica_state(v, *b),
                log_end_offset: v.replica(*b).map_or(0, |r| r.log_end_offset.0),
            })
            .collect(),
        cells,
        groups: group_marks,
    }
}

/// One replica chip on a broker card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaChip {
    /// The partition.
    pub tp: TopicPartition,
    /// `orders-0`.
    pub name: Rc<str>,
    /// The replica's state.
    pub state: ReplicaState,
}

/// One broker's card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerCard {
    /// Its id.
    pub id: u32,
    /// Whether its process runs.
    pub alive: bool,
    /// Whether the controller fenced it (or has not registered it yet).
    pub fenced: bool,
    /// Whether every link to and from it is cut.
    pub isolated: bool,
    /// Whether any link to or from it has extra latency.
    pub slowed: bool,
    /// Its replicas.
    pub chips: Vec<ReplicaChip>,
}

/// The cluster panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterView {
    /// The brokers.
    pub brokers: Vec<BrokerCard>,
    /// Cut links (one way each).
    pub cut_links: usize,
}

/// The cluster panel from the broker states, links and partition views.
pub fn cluster(sim: &Sim, partitions: &[PartitionView]) -> ClusterView {
    let cut = sim.cut_links();
    let slowed = sim.slowed_links();
    let brokers = sim
        .broker_states()
        .into_iter()
        .map(|(id, alive, fenced)| {
            let me = NodeId::Broker(id);
            let chips = partitions
                .iter()
                .filter(|v| v.assignment.contains(&id))
                .map(|v| ReplicaChip {
                    tp: v.tp,
                    name: sim.tp_name(v.tp).into(),
                    state: replica_state(v, id),
                })
                .collect();
            BrokerCard {
                id: id.0,
                alive,
                fenced,
                isolated: cut.contains(&(me, NodeId::Controller))
                    && cut.contains(&(NodeId::Controller, me)),
                slowed: slowed
                    .iter()
                    .any(|((from, to), extra)| *extra > 0 && (*from == me || *to == me)),
                chips,
            }
        })
        .collect();
    ClusterView {
        brokers,
        cut_links: cut.len(),
    }
}

/// The commands that slow every link between `broker` and the other brokers both ways by
/// `extra_ms` (0 restores them): it then fetches, and is answered, late.
pub fn slow_follower_commands(sim: &Sim, broker: u32, extra_ms: u64) -> Vec<kafka_sim::Command> {
    use kafka_sim::{Command, NodeRef};
    sim.broker_ids()
        .into_iter()
        .filter(|b| b.0 != broker)
        .flat_map(|b| {
            [
                Command::SlowLink {
                    from: NodeRef::Broker(b.0),
                    to: NodeRef::Broker(broker),
                    extra_ms,
                },
                Command::SlowLink {
                    from: NodeRef::Broker(broker),
                    to: NodeRef::Broker(b.0),
                    extra_ms,
                },
            ]
        })
        .collect()
}

/// A record's value as text.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Synthetic { len } => format!("({len} generated bytes)"),
        Value::Tombstone => "null (a tombstone)".to_string(),
    }
}

/// How a send ended, for the producer panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendStatus {
    /// Waiting for the leader's answer.
    Pending,
    /// Acknowledged.
    Acked {
        /// Offset the leader assigned (unknown with acks=0).
        offset: Option<u64>,
        /// The producer's acks.
        acks: Acks,
    },
    /// Failed for good.
    Failed(String),
}

/// One of the user's sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendRow {
    /// The ledger's id.
    pub record: u64,
    /// Its key.
    pub key: Option<Rc<str>>,
    /// Its value.
    pub value: Rc<str>,
    /// `orders-1`.
    pub tp_name: Rc<str>,
    /// The partition the producer chose.
    pub partition: u32,
    /// Partitions of the topic.
    pub partitions: u32,
    /// Ack or error.
    pub status: SendStatus,
    /// Below a high watermark.
    pub committed: bool,
    /// Lost after being acknowledged or committed.
    pub lost: bool,
}

/// The user's sends, newest first, with their outcome from the ledger.
pub fn sends(run: &Run) -> Vec<SendRow> {
    let sim = &run.sim;
    run.sends
        .iter()
        .rev()
        .filter_map(|s| {
            let r = sim.ledger().get(s.record)?;
            let partitions = sim.catalog().get(s.tp.topic).map_or(0, |t| t.partitions);
            Some(SendRow {
                record: s.record.0,
                key: key_text(sim, r.key),
                value: value_text(&r.value).into(),
                tp_name: sim.tp_name(s.tp).into(),
                partition: s.tp.partition,
                partitions,
                status: match r.outcome {
                    Outcome::Pending => SendStatus::Pending,
                    Outcome::Acked { offset, acks } => SendStatus::Acked {
                        offset: offset.map(|o| o.0),
                        acks,
                    },
                    Outcome::Failed(e) => SendStatus::Failed(e.to_string()),
                },
                committed: r.committed,
                lost: r.lost.is_some(),
            })
        })
        .collect()
}

/// The short name of a configuration that allows a broken guarantee.
pub fn allowed_by_label(a: Option<AllowedBy>) -> &'static str {
    match a {
        Some(AllowedBy::Acks0) => "acks=0",
        Some(AllowedBy::Acks1) => "acks=1",
        Some(AllowedBy::UncleanLeaderElection) => "unclean.leader.election.enable=true",
        None => "nothing: a simulator bug",
    }
}

/// One alarm of the invariants panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmRow {
    /// Event id.
    pub id: u64,
    /// When.
    pub at: SimTime,
    /// The guarantee's name.
    pub invariant: &'static str,
    /// What allows it.
    pub allowed_by: &'static str,
    /// Whether a configuration allows it (expected) or not (a bug).
    pub expected: bool,
    /// The sentence.
    pub text: Rc<str>,
}

/// The alarms, newest first.
pub fn alarms(run: &Run) -> Vec<AlarmRow> {
    run.alarms
        .iter()
        .rev()
        .filter_map(|entry| match &entry.event.kind {
            EventKind::InvariantViolated {
                invariant,
                allowed_by,
                ..
            } => Some(AlarmRow {
                id: entry.event.id.0,
                at: entry.event.at,
                invariant: invariant_name(*invariant),
                allowed_by: allowed_by_label(*allowed_by),
                expected: allowed_by.is_some(),
                text: entry.text(&run.sim),
            }),
            _ => None,
        })
        .collect()
}

fn invariant_name(i: Invariant) -> &'static str {
    match i {
        Invariant::OffsetsContiguous => "OffsetsContiguous",
        Invariant::HighWatermarkAtMostLogEnd => "HighWatermarkAtMostLogEnd",
        Invariant::ReplicasAgreeBelowHighWatermark => "ReplicasAgreeBelowHighWatermark",
        Invariant::NoAckedRecordLost => "NoAckedRecordLost",
    }
}

/// The inspector: a title and label/value rows. Values may hold user text; render them as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectorView {
    /// What is inspected.
    pub title: Rc<str>,
    /// Label, value.
    pub rows: Vec<(&'static str, Rc<str>)>,
}

fn brokers_text(b: &[BrokerId]) -> String {
    let ids: Vec<String> = b.iter().map(|b| b.to_string()).collect();
    format!("[{}]", ids.join(", "))
}

/// The inspector's content for `selection`, if it still exists.
pub fn inspector(sim: &Sim, selection: Selection) -> Option<InspectorView> {
    let row = |label: &'static str, value: String| (label, Rc::<str>::from(value));
    match selection {
        Selection::Record { tp, offset, record } => record_rows(sim, tp, offset, record),
        Selection::Partition(tp) => {
            let v = sim.partition_view_tail(tp, 0)?;
            let topic = sim.catalog().get(tp.topic)?;
            let mut rows = vec![
                row(
                    "leader",
                    v.leader
                        .map_or("none (offline)".into(), |b| format!("broker {b}")),
                ),
                row("leader epoch", v.leader_epoch.to_string()),
                row("replicas", brokers_text(&v.assignment)),
                row("ISR", brokers_text(&v.isr)),
                row(
                    "min.insync.replicas",
                    sim.catalog().effective_min_isr(tp.topic).to_string(),
                ),
                row(
                    "unclean.leader.election.enable",
                    sim.catalog().unclean_election_enabled(tp.topic).to_string(),
                ),
                row("replication factor", topic.replication_factor.to_string()),
            ];
            for r in &v.replicas {
                rows.push(row(
                    "replica",
                    format!(
                        "broker {}: {}, log start {}, HW {}, LEO {}",
                        r.broker,
                        replica_state(&v, r.broker).label(),
                        r.log_start_offset,
                        r.high_watermark,
                        r.log_end_offset
                    ),
                ));
            }
            Some(InspectorView {
                title: format!("partition {}", sim.tp_name(tp)).into(),
                rows,
            })
        }
        Selection::Broker(id) => {
            let (_, alive, fenced) = sim.broker_states().into_iter().find(|(b, ..)| *b == id)?;
            let (mut leads, mut follows) = (Vec::new(), Vec::new());
            for v in partition_views(sim, 0) {
                if v.leader == Some(id) {
                    leads.push(sim.tp_name(v.tp));
                } else if v.assignment.contains(&id) {
                    follows.push(sim.tp_name(v.tp));
                }
            }
            let me = NodeId::Broker(id);
            let cut: Vec<String> = sim
                .cut_links()
                .into_iter()
                .filter(|(f, _)| *f == me)
                .map(|(_, t)| t.to_string())
                .collect();
            let slow: Vec<String> = sim
                .slowed_links()
                .into_iter()
                .filter(|((f, t), _)| *f == me || *t == me)
                .map(|((f, t), ms)| format!("{f} → {t} +{ms} ms"))
                .collect();
            let none = |v: Vec<String>| {
                if v.is_empty() {
                    "none".to_string()
                } else {
                    v.join(", ")
                }
            };
            Some(InspectorView {
                title: format!("broker {id}").into(),
                rows: vec![
                    row("process", if alive { "running" } else { "killed" }.into()),
                    row(
                        "controller",
                        if fenced { "fenced" } else { "unfenced" }.into(),
                    ),
                    row("leads", none(leads)),
                    row("follows", none(follows)),
                    row("links cut from it", none(cut)),
                    row("slow links", none(slow)),
                ],
            })
        }
    }
}

fn record_rows(
    sim: &Sim,
    tp: TopicPartition,
    offset: Offset,
    record: RecordId,
) -> Option<InspectorView> {
    let ledger = sim.ledger();
    let r = ledger.get(record)?;
    let row = |label: &'static str, value: String| (label, Rc::<str>::from(value));
    let key = key_text(sim, r.key);
    let outcome = match r.outcome {
        Outcome::Pending => "pending: no answer yet".to_string(),
        Outcome::Acked {
            offset: Some(o),
            acks,
        } => format!("acknowledged at offset {o} (acks={})", acks.as_str()),
        Outcome::Acked { offset: None, acks } => {
            format!("counted as delivered (acks={})", acks.as_str())
        }
        Outcome::Failed(e) => format!("failed: {e}"),
    };
    let mut rows = vec![
        row("partition", sim.tp_name(tp)),
        row("offset", offset.to_string()),
        row(
            "key",
            key.as_deref()
                .map_or("null (no key)".to_string(), |k| format!("\"{k}\"")),
        ),
        row("value", value_text(&r.value)),
        row("size", format!("{} bytes (estimated)", r.size_bytes)),
        row("sent at", r.timestamp.to_string()),
        row("producer", r.producer.to_string()),
        row("producer outcome", outcome),
        row(
            "committed",
            match r.committed_offset {
                Some(o) => format!("yes, below the high watermark at offset {o}"),
                None => "not yet".to_string(),
            },
        ),
        row("replicas holding it", r.replicas_holding.to_string()),
        row("replicated to", brokers_text(&ledger.replicated_to(record))),
    ];
    if let Some(epoch) = sim.partition_view_tail(tp, LANE_WINDOW).and_then(|v| {
        v.replicas
            .iter()
            .flat_map(|r| r.records.iter())
            .find(|(o, _, id)| *o == offset && *id == record)
            .map(|(_, e, _)| *e)
    }) {
        rows.insert(2, row("leader epoch", epoch.to_string()));
    }
    if let Some((epoch, seq)) = r.sequence {
        rows.push(row(
            "idempotence",
            format!("producer epoch {epoch}, sequence {seq}"),
        ));
    }
    if r.leader_appends > 1 {
        rows.push(row(
            "duplicate",
            format!("appended by leaders {} times", r.leader_appends),
        ));
    }
    if let Some(lost) = r.lost {
        rows.push(row("lost", format!("{lost:?}")));
    }
    if r.deleted {
        rows.push(row("deleted", "by retention or compaction".into()));
    }
    Some(InspectorView {
        title: format!("record {record}").into(),
        rows,
    })
}

/// The producer panel.
#[derive(Clone, Debug, PartialEq)]
pub struct ProducerView {
    /// Producer 0's `acks`.
    pub acks: Acks,
    /// How keyless records are placed (`sticky` or `round-robin`).
    pub keyless_partitioner: &'static str,
    /// Topics with their partition counts.
    pub topics: Vec<(Rc<str>, u32)>,
    /// The user's sends, newest first.
    pub sends: Vec<SendRow>,
    /// Load generator rate (records per simulated second).
    pub rate: f64,
    /// Load generator keys.
    pub key_mix: crate::page_params::KeyMix,
}

/// The producer panel's props.
pub fn producer(run: &Run) -> ProducerView {
    let sim = &run.sim;
    ProducerView {
        acks: run.producer_acks,
        keyless_partitioner: match sim.config().producer.keyless_partitioner {
            kafka_sim::KeylessPartitioner::Sticky => "sticky (KIP-794)",
            kafka_sim::KeylessPartitioner::RoundRobin => "round-robin",
        },
        topics: sim
            .catalog()
            .topics()
            .iter()
            .map(|t| (Rc::from(t.name.as_str()), t.partitions))
            .collect(),
        sends: sends(run),
        rate: run.load.rate(),
        key_mix: run.load.key_mix(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page_params::StartParams;
    use kafka_sim::Command;

    fn example() -> Sim {
        crate::running_example::build(&StartParams::default()).expect("example")
    }

    fn produce(sim: &mut Sim, key: &str, value: &str) {
        sim.apply(Command::Produce {
            producer: 0,
            topic: "orders".into(),
            key: Some(key.into()),
            value: Some(value.into()),
            partition: None,
        })
        .expect("valid produce");
    }

    #[test]
    fn a_lane_shows_the_leaders_records_in_order_with_committed_flags() {
        let mut sim = example();
        // tests/fixtures/vectors/murmur2.json: "NULL" with 3 partitions → partition 0.
        for v in ["a", "b", "c"] {
            produce(&mut sim, "NULL", v);
        }
        sim.advance_ms(2_000);
        let views = partition_views(&sim, LANE_WINDOW);
        let lane = lane(&sim, &views[0], &[]);
        assert_eq!(&*lane.name, "orders-0");
        assert_eq!(lane.shown_broker, lane.leader);
        let offsets: Vec<u64> = lane.cells.iter().map(|c| c.offset).collect();
        assert_eq!(offsets, vec![0, 1, 2]);
        assert!(lane.cells.iter().all(|c| c.committed));
        assert!(lane.cells.iter().all(|c| c.key.as_deref() == Some("NULL")));
        assert_eq!((lane.high_watermark, lane.log_end_offset), (3, 3));
        assert!(lane.replicas.iter().all(|r| r.log_end_offset == 3));
        assert!(views[1..].iter().all(|v| lane_len(&sim, v) == 0));
    }

    fn lane_len(sim: &Sim, v: &PartitionView) -> usize {
        lane(sim, v, &[]).cells.len()
    }

    #[test]
    fn a_killed_brokers_replicas_leave_the_isr_after_fencing() {
        let mut sim = example();
        sim.apply(Command::KillBroker { broker: 1 }).expect("runs");
        sim.advance_ms(5_000);
        let views = partition_views(&sim, LANE_WINDOW);
        let c = cluster(&sim, &views);
        let b1 = &c.brokers[0];
        assert!(!b1.alive && b1.fenced);
        assert!(
            b1.chips
                .iter()
                .all(|chip| chip.state == ReplicaState::Offline)
        );
        assert_eq!(
            b1.chips.len(),
            3,
            "RF 3 on 3 brokers: a replica of every partition"
        );
        for v in &views {
            assert_ne!(v.leader, Some(BrokerId(1)));
        }
    }

    #[test]
    fn isolate_and_slow_show_on_the_card() {
        let mut sim = example();
        sim.apply(Command::IsolateBroker { broker: 2 })
            .expect("valid");
        for c in slow_follower_commands(&sim, 3, 7_000) {
            sim.apply(c).expect("valid");
        }
        let c = cluster(&sim, &partition_views(&sim, LANE_WINDOW));
        assert!(c.brokers[1].isolated);
        assert!(!c.brokers[0].isolated);
        assert!(c.brokers[2].slowed);
        assert_eq!(slow_follower_commands(&sim, 3, 0).len(), 4);
    }

    #[test]
    fn inspector_shows_a_records_key_value_and_outcome() {
        let mut sim = example();
        produce(&mut sim, "<b>k</b>", "v1");
        sim.advance_ms(1_000);
        let views = partition_views(&sim, LANE_WINDOW);
        let (v, cell) = views
            .iter()
            .find_map(|v| {
                let l = lane(&sim, v, &[]);
                l.cells.first().cloned().map(|c| (v.tp, c))
            })
            .expect("the record is in some lane");
        let view = inspector(
            &sim,
            Selection::Record {
                tp: v,
                offset: Offset(cell.offset),
                record: RecordId(cell.record),
            },
        )
        .expect("record exists");
        let get = |l: &str| {
            view.rows
                .iter()
                .find(|(k, _)| *k == l)
                .map(|(_, v)| v.to_string())
        };
        assert_eq!(get("key").as_deref(), Some("\"<b>k</b>\""));
        assert_eq!(get("value").as_deref(), Some("v1"));
        assert!(get("producer outcome").is_some_and(|o| o.contains("acks=all")));
        assert!(get("leader epoch").is_some());
    }
}
