//! Pure functions from the run to the components' props: small, comparable values, so that a
//! component whose props did not change skips its render. Everything here is read from the core's
//! views, the ledger and the events; nothing is re-derived from Kafka's rules.
//!
//! This file: lanes and the cluster. `producer.rs`: the producer panel and the user's sends.
//! `ledger.rs`: alarms. `inspector.rs`: the details of a record, partition, broker, group or
//! consumer. `groups.rs`: the consumer groups (panel, lane markers).

mod groups;
mod inspector;
mod ledger;
mod producer;

pub use groups::{
    GROUP_COLOURS, GroupCard, GroupsView, LagLine, MemberRow, consumer_config_rows, groups,
};
pub use inspector::{InspectorView, inspector};
pub use ledger::{AlarmRow, alarms, allowed_by_label};
pub use producer::{ProducerView, SendRow, SendStatus, producer, sends};

use std::rc::Rc;

use kafka_sim::ledger::Value;
use kafka_sim::view::{PartitionView, ReplicaRole, ReplicaView};
use kafka_sim::{BrokerId, NodeId, Sim, TopicPartition};

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

pub(crate) fn replica_state(v: &PartitionView, broker: BrokerId) -> ReplicaState {
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
    /// Its palette index.
    pub colour: u8,
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
    /// The last records of the shown log (shared with the previous lane when unchanged, so the
    /// cells' component skips its render).
    pub cells: Rc<Vec<CellView>>,
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

pub(crate) fn key_text(sim: &Sim, key: Option<kafka_sim::ledger::KeyId>) -> Option<Rc<str>> {
    key.map(|k| Rc::from(String::from_utf8_lossy(sim.ledger().keys.bytes(k)).as_ref()))
}

/// Every partition of every topic with its last `window` records, in topic then partition order.
pub fn partition_views(sim: &Sim, window: usize) -> Vec<PartitionView> {
    sim.catalog()
        .user_topics()
        .flat_map(|t| sim.partitions_of(&t.name))
        .filter_map(|tp| sim.partition_view_tail(tp, window))
        .collect()
}

/// The replica whose log a lane shows: the leader's, else the longest surviving replica's.
fn shown_replica(v: &PartitionView) -> Option<&ReplicaView> {
    v.leader.and_then(|l| v.replica(l)).or_else(|| {
        v.replicas
            .iter()
            .filter(|r| r.role != ReplicaRole::Offline)
            .max_by_key(|r| r.log_end_offset)
    })
}

/// Whether `lane` still draws partition `v` (a view without records is enough): same leader,
/// epoch, ISR, shown log offsets and replica progress. Records only change when those do.
pub fn lane_is_current(lane: &LaneView, v: &PartitionView) -> bool {
    let shown = shown_replica(v);
    lane.tp == v.tp
        && lane.leader == v.leader.map(|b| b.0)
        && lane.leader_epoch == v.leader_epoch.0
        && lane.shown_broker == shown.map(|r| r.broker.0)
        && shown.is_none_or(|r| {
            lane.log_start_offset == r.log_start_offset.0
                && lane.high_watermark == r.high_watermark.0
                && lane.log_end_offset == r.log_end_offset.0
        })
        && lane.isr.len() == v.isr.len()
        && lane.isr.iter().zip(&v.isr).all(|(a, b)| *a == b.0)
        && lane.replicas.len() == v.assignment.len()
        && lane.replicas.iter().zip(&v.assignment).all(|(m, b)| {
            m.broker == b.0
                && m.state == replica_state(v, *b)
                && m.log_end_offset == v.replica(*b).map_or(0, |r| r.log_end_offset.0)
        })
}

/// The groups' committed offsets and positions on partition `tp`.
pub fn group_marks(tp: TopicPartition, groups: &GroupsView) -> Vec<GroupMark> {
    groups
        .groups
        .iter()
        .filter_map(|g| {
            let row = g.row(tp)?;
            Some(GroupMark {
                group: g.group.clone(),
                colour: g.colour,
                committed: row.committed,
                position: row.position,
            })
        })
        .collect()
}

/// The lane of one partition (`v` with its last records). Cells, names and keys of `previous`
/// (the same partition's last lane) are reused where the record is the same.
pub fn lane(
    sim: &Sim,
    v: &PartitionView,
    groups: &GroupsView,
    previous: Option<&LaneView>,
) -> LaneView {
    let previous = previous.filter(|p| p.tp == v.tp);
    let shown = shown_replica(v);
    let ledger = sim.ledger();
    let (cells, lso, hw, leo) = match shown {
        Some(r) => {
            let old = previous.map_or(&[][..], |p| &p.cells[..]);
            let mut at = 0;
            let cells: Vec<CellView> = r
                .records
                .iter()
                .map(|(offset, epoch, record)| {
                    while at < old.len() && old[at].offset < offset.0 {
                        at += 1;
                    }
                    let committed = *offset < r.high_watermark;
                    if let Some(c) = old.get(at).filter(|c| {
                        c.offset == offset.0 && c.record == record.0 && c.leader_epoch == epoch.0
                    }) {
                        return CellView {
                            committed,
                            ..c.clone()
                        };
                    }
                    let key = ledger.get(*record).and_then(|l| l.key);
                    CellView {
                        offset: offset.0,
                        leader_epoch: epoch.0,
                        record: record.0,
                        colour: colour_of(key),
                        key: key_text(sim, key),
                        committed,
                    }
                })
                .collect();
            let cells = match previous {
                Some(p) if *p.cells == cells => p.cells.clone(),
                _ => Rc::new(cells),
            };
            (
                cells,
                r.log_start_offset.0,
                r.high_watermark.0,
                r.log_end_offset.0,
            )
        }
        None => (Rc::new(Vec::new()), 0, 0, 0),
    };
    LaneView {
        tp: v.tp,
        name: previous.map_or_else(|| sim.tp_name(v.tp).into(), |p| p.name.clone()),
        topic: previous.map_or_else(
            || {
                sim.catalog()
                    .get(v.tp.topic)
                    .map_or("", |t| t.name.as_str())
                    .into()
            },
            |p| p.topic.clone(),
        ),
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
        groups: group_marks(v.tp, groups),
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

/// A record's value as text: user bytes as typed; anything else in the core's words.
pub fn value_text(value: &Value, sim: &Sim) -> String {
    match value {
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Synthetic { len } => format!("({len} generated bytes)"),
        Value::Tombstone => "null (a tombstone)".to_string(),
        other => kafka_sim::narrate::value_phrase(other, sim),
    }
}

#[cfg(test)]
/// Helpers for the page's tests (the running example, a send), shared with other modules' tests.
pub(crate) mod tests {
    use super::*;
    use crate::page_params::StartParams;
    use kafka_sim::Command;

    /// The page's running example (also used by the inspector's tests).
    pub(crate) fn example() -> Sim {
        crate::running_example::build(&StartParams::default()).expect("example")
    }

    /// Producer 0 sends `key`/`value` to `orders`.
    pub(crate) fn produce(sim: &mut Sim, key: &str, value: &str) {
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
        let lane = lane(&sim, &views[0], &GroupsView::default(), None);
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
        lane(sim, v, &GroupsView::default(), None).cells.len()
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
}
