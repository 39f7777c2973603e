//! The invariants panel's props: each `InvariantViolated` event with the guarantee's name and
//! the configuration that allows it.

use std::rc::Rc;

use kafka_sim::{AllowedBy, EventKind, SimTime};

use crate::store::Run;

/// The short name of a configuration that allows a broken guarantee.
pub fn allowed_by_label(a: Option<AllowedBy>) -> &'static str {
    a.map_or("nothing: a simulator bug", AllowedBy::label)
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
                invariant: invariant.name(),
                allowed_by: allowed_by_label(*allowed_by),
                expected: allowed_by.is_some(),
                text: entry.text(run.sim()),
            }),
            _ => None,
        })
        .collect()
}
