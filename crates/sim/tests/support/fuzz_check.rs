//! The check the fuzz targets (`fuzz/fuzz_targets/`) run after every input, shared with the
//! regression tests of what they found (`tests/fuzz_regressions.rs`): a run may break only the
//! guarantees its own settings allow, and a group coordinator's invariants never.
//!
//! Kept free of any dependency but `kafka_sim`, so that the fuzz crate can include it by path.

use kafka_sim::group::GroupEvent;
use kafka_sim::{Acks, AllowedBy, Command, Event, EventKind, Scenario, SimConfig};

/// What the run's settings allow to break: acks=0 or acks=1 anywhere (default producer, an added
/// producer, `set_acks`), and unclean leader election anywhere (broker default or a topic).
pub fn allowances(config: &SimConfig, commands: &[Command]) -> Vec<AllowedBy> {
    let mut acks = vec![config.producer.acks];
    let mut unclean = config.broker.unclean_leader_election_enable;
    for command in commands {
        match command {
            Command::AddProducer { config: Some(c) } => acks.push(c.acks),
            Command::SetAcks { acks: a, .. } => acks.push(*a),
            Command::CreateTopic { config, .. } | Command::AlterTopicConfig { config, .. } => {
                unclean |= config.unclean_leader_election_enable == Some(true);
            }
            _ => {}
        }
    }
    let mut allowed = Vec::new();
    if acks.contains(&Acks::Zero) {
        allowed.push(AllowedBy::Acks0);
    }
    if acks.contains(&Acks::One) {
        allowed.push(AllowedBy::Acks1);
    }
    if unclean {
        allowed.push(AllowedBy::UncleanLeaderElection);
    }
    allowed
}

/// Whether `event` reports a broken guarantee.
pub fn is_violation(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::InvariantViolated { .. }
            | EventKind::Group {
                event: GroupEvent::InvariantViolated { .. },
                ..
            }
    )
}

/// The violations among `events` that `allowed` does not explain, described.
pub fn unexplained(events: &[Event], allowed: &[AllowedBy]) -> Vec<String> {
    events
        .iter()
        .filter(|e| match &e.kind {
            EventKind::InvariantViolated { allowed_by, .. } => {
                !allowed_by.is_some_and(|a| allowed.contains(&a))
            }
            _ => is_violation(e),
        })
        .map(|e| format!("at {} ms: {:?}", e.at.0, e.kind))
        .collect()
}

/// Checks a finished run of `scenario` whose events (or only its violations) are `events`.
pub fn check_scenario_run(scenario: &Scenario, events: &[Event]) -> Result<(), String> {
    let commands: Vec<Command> = scenario
        .commands
        .iter()
        .map(|c| c.command.clone())
        .collect();
    let bad = unexplained(events, &allowances(&scenario.config, &commands));
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("unallowed invariant violations: {bad:#?}"))
    }
}
