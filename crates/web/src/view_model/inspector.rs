//! The inspector's props: label/value rows for a record (from the ledger and the log), a
//! partition (from its view) or a broker.

use std::rc::Rc;

use kafka_sim::ledger::Outcome;
use kafka_sim::{BrokerId, NodeId, Offset, RecordId, Sim, TopicPartition};

use super::{
    GroupCard, GroupsView, LANE_WINDOW, consumer_config_rows, key_text, partition_views,
    replica_state, value_text,
};
use crate::store::Selection;

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

/// The inspector's content for `selection`, if it still exists. Groups and consumers are read
/// from `groups` (refreshed a few times a second), not from the core every frame.
pub fn inspector(sim: &Sim, selection: &Selection, groups: &GroupsView) -> Option<InspectorView> {
    let row = |label: &'static str, value: String| (label, Rc::<str>::from(value));
    match *selection {
        Selection::Group(ref group) => {
            let card = groups.card(group)?;
            let mut rows = group_rows(card);
            if let Some(m) = card.members.first() {
                rows.extend(consumer_config_rows(sim, m.consumer));
            }
            Some(InspectorView {
                title: format!("group {}", card.group).into(),
                rows,
            })
        }
        Selection::Consumer(consumer) => {
            let (card, m) = groups.member(consumer)?;
            let mut rows = vec![
                row("group", card.group.to_string()),
                row(
                    "member id",
                    if m.member_id.is_empty() {
                        "none yet (not joined)".into()
                    } else {
                        m.member_id.to_string()
                    },
                ),
                row(
                    "process",
                    if m.alive { "running" } else { m.status() }.to_string(),
                ),
                row("client state", m.status().to_string()),
                row("generation", m.generation.to_string()),
                row("owns", partitions_text(&m.partitions)),
            ];
            for l in card.lag.iter().filter(|l| l.owner == Some(consumer)) {
                rows.push(row(
                    "position",
                    format!(
                        "{}: next offset {}, committed {}",
                        l.name,
                        opt(l.position),
                        opt(l.committed)
                    ),
                ));
            }
            rows.extend(consumer_config_rows(sim, consumer));
            Some(InspectorView {
                title: format!("consumer {consumer}").into(),
                rows,
            })
        }
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

fn opt(v: Option<u64>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

fn partitions_text(p: &[Rc<str>]) -> String {
    if p.is_empty() {
        "no partitions".into()
    } else {
        p.iter().map(|n| n.as_ref()).collect::<Vec<_>>().join(", ")
    }
}

/// A group's rows: its state as its coordinator sees it, its members and what it consumed.
fn group_rows(g: &GroupCard) -> Vec<(&'static str, Rc<str>)> {
    let row = |label: &'static str, value: String| (label, Rc::<str>::from(value));
    let mut rows = vec![
        row("state", g.state.to_string()),
        row("generation", g.generation.to_string()),
        row(
            "assignor",
            g.assignor.as_deref().unwrap_or("none chosen yet").into(),
        ),
        row(
            "coordinator",
            g.coordinator.map_or(
                "none (its __consumer_offsets partition has no leader)".into(),
                |b| format!("broker {b} (leads the group's __consumer_offsets partition)"),
            ),
        ),
        row(
            "topics",
            g.topics
                .iter()
                .map(|t| t.as_ref())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        row("total lag", format!("{} records", g.total_lag)),
        row("processed", g.counts.processed.to_string()),
        row("redelivered", g.counts.redelivered.to_string()),
        row("skipped", g.counts.skipped.to_string()),
    ];
    for m in &g.members {
        rows.push(row(
            "member",
            format!(
                "{}: {}, {}",
                m.label(),
                m.status(),
                partitions_text(&m.partitions)
            ),
        ));
    }
    rows
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
        row("value", value_text(&r.value, sim)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::lane;
    use crate::view_model::tests::{example, produce};

    #[test]
    fn inspector_shows_a_records_key_value_and_outcome() {
        let mut sim = example();
        produce(&mut sim, "<b>k</b>", "v1");
        sim.advance_ms(1_000);
        let views = partition_views(&sim, LANE_WINDOW);
        let (v, cell) = views
            .iter()
            .find_map(|v| {
                let l = lane(&sim, v, &GroupsView::default(), None);
                l.cells.first().cloned().map(|c| (v.tp, c))
            })
            .expect("the record is in some lane");
        let view = inspector(
            &sim,
            &Selection::Record {
                tp: v,
                offset: Offset(cell.offset),
                record: RecordId(cell.record),
            },
            &GroupsView::default(),
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
