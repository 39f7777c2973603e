//! The producer panel's props: producer 0's settings, the topics, the load generator and the
//! user's sends with their outcome from the ledger.

use std::rc::Rc;

use kafka_sim::Acks;
use kafka_sim::ledger::Outcome;

use super::{key_text, value_text};
use crate::store::Run;

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
    let sim = run.sim();
    run.sends
        .iter()
        .rev()
        .filter_map(|s| {
            let r = sim.ledger().get(s.record)?;
            let partitions = sim.catalog().get(s.tp.topic).map_or(0, |t| t.partitions);
            Some(SendRow {
                record: s.record.0,
                key: key_text(sim, r.key),
                value: value_text(&r.value, sim).into(),
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
    let sim = run.sim();
    ProducerView {
        acks: sim
            .producer_config(kafka_sim::ProducerId(0))
            .map_or(sim.config().producer.acks, |c| c.acks),
        keyless_partitioner: match sim.config().producer.keyless_partitioner {
            kafka_sim::KeylessPartitioner::Sticky => "sticky (KIP-794)",
            kafka_sim::KeylessPartitioner::RoundRobin => "round-robin",
        },
        topics: sim
            .catalog()
            .user_topics()
            .map(|t| (Rc::from(t.name.as_str()), t.partitions))
            .collect(),
        sends: sends(run),
        rate: run.load().rate(),
        key_mix: run.load().key_mix(),
    }
}
