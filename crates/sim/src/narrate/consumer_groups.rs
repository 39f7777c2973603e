//! Sentences for consumer and consumer-group events.

use crate::config::AutoOffsetReset;
use crate::event::EventKind;
use crate::group::{GroupError, GroupEvent, RebalanceReason, RemovalReason};
use crate::ids::TopicPartition;
use crate::sim::Sim;

use super::{plural, seconds};

/// The sentence for a consumer or group event (empty for the other kinds, which `narrate` handles).
pub(super) fn sentence(kind: &EventKind, sim: &Sim) -> String {
    let tpn = |tp: TopicPartition| sim.tp_name(tp);
    let list = |tps: &[TopicPartition]| -> String {
        if tps.is_empty() {
            "no partition".to_string()
        } else {
            tps.iter().map(|tp| tpn(*tp)).collect::<Vec<_>>().join(", ")
        }
    };
    // Each consumer's own settings (they may differ from the run's default).
    let c = |id: crate::ids::ConsumerId| sim.consumer_config(id).unwrap_or(&sim.config().consumer);
    match kind {
        EventKind::ConsumerAdded {
            consumer,
            group,
            topics,
        } => format!(
            "consumer {consumer} started in group \"{group}\", subscribed to {}",
            topics
                .iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        EventKind::ConsumerStopped { consumer } if c(*consumer).group_instance_id.is_some() => {
            format!(
                "consumer {consumer} closed: it committed what it had processed (if it commits); as a static member (group.instance.id) it sends no LeaveGroup, so its partitions wait for it until session.timeout.ms ({})",
                seconds(c(*consumer).session_timeout_ms)
            )
        }
        EventKind::ConsumerStopped { consumer } => format!(
            "consumer {consumer} closed: it committed what it had processed (if it commits) and sent LeaveGroup, so its group rebalances at once"
        ),
        EventKind::ConsumerCrashed { consumer } => format!(
            "consumer {consumer} crashed: no commit, no LeaveGroup; its coordinator will only notice when session.timeout.ms ({}) passes without a heartbeat",
            seconds(c(*consumer).session_timeout_ms)
        ),
        EventKind::ConsumerRestarted { consumer } => {
            format!("consumer {consumer} started again and rejoins its group")
        }
        EventKind::ConsumerFailed { consumer, reason } => {
            format!("consumer {consumer} stopped on an error: {reason}")
        }
        EventKind::CoordinatorFound {
            consumer,
            group,
            broker,
            offsets_partition,
        } => format!(
            "consumer {consumer} found the coordinator of group \"{group}\": broker {broker}, leader of __consumer_offsets-{offsets_partition} (abs(hashCode(\"{group}\")) % offsets.topic.num.partitions)"
        ),
        EventKind::CoordinatorLost {
            consumer,
            group,
            broker,
        } => format!(
            "consumer {consumer} lost the coordinator of group \"{group}\" (broker {broker} did not answer or is no longer coordinator) and looks it up again"
        ),
        EventKind::Group {
            group,
            broker,
            event,
        } => group_event(group, *broker, event),
        EventKind::JoinGroupSent {
            consumer,
            group,
            generation,
        } if *generation < 0 => {
            format!("consumer {consumer} sent JoinGroup to join group \"{group}\"")
        }
        EventKind::JoinGroupSent {
            consumer,
            group,
            generation,
        } => format!(
            "consumer {consumer} sent JoinGroup to rejoin group \"{group}\" (it was in generation {generation})"
        ),
        EventKind::PartitionsAssigned {
            consumer,
            group,
            generation,
            added,
            assigned,
        } => {
            let now = if assigned.is_empty() {
                "nothing: it stays idle (more consumers than partitions)".to_string()
            } else {
                list(assigned)
            };
            let new = if added.is_empty() || added.len() == assigned.len() {
                String::new()
            } else {
                format!(" (new: {})", list(added))
            };
            format!(
                "consumer {consumer} of group \"{group}\" owns {now}{new} in generation {generation}"
            )
        }
        EventKind::PartitionsRevoked {
            consumer,
            group,
            revoked,
            lost: false,
        } => format!(
            "consumer {consumer} of group \"{group}\" gave up {} for the rebalance",
            list(revoked)
        ),
        EventKind::PartitionsRevoked {
            consumer,
            group,
            revoked,
            lost: true,
        } => format!(
            "consumer {consumer} lost {}: group \"{group}\" no longer counts it as a member (its session expired or its generation is old)",
            list(revoked)
        ),
        EventKind::PositionInitialized {
            consumer,
            tp,
            offset,
            reset: None,
        } => format!(
            "consumer {consumer} resumes {} at offset {offset}, its group's committed offset",
            tpn(*tp)
        ),
        EventKind::PositionInitialized {
            consumer,
            tp,
            offset,
            reset: Some(r),
        } => {
            let (name, what) = match r {
                AutoOffsetReset::Earliest => ("earliest", "the log start"),
                AutoOffsetReset::Latest => {
                    ("latest", "the high watermark: older records are not read")
                }
                AutoOffsetReset::None => ("none", "nowhere"),
            };
            format!(
                "consumer {consumer} starts {} at offset {offset}: its group has no committed offset there (or it is no longer in the log), so auto.offset.reset={name} picks {what}",
                tpn(*tp)
            )
        }
        EventKind::RecordsProcessed {
            consumer,
            group,
            tp,
            first_offset,
            count,
            redelivered,
        } => {
            let last = first_offset.0 + u64::from(*count).saturating_sub(1);
            let again = if *redelivered > 0 {
                format!(
                    "; {} of them group \"{group}\" had already processed (duplicates)",
                    redelivered
                )
            } else {
                String::new()
            };
            format!(
                "consumer {consumer} processed {} of {} (offsets {first_offset} to {last}){again}",
                plural(u64::from(*count), "record"),
                tpn(*tp)
            )
        }
        EventKind::RecordsSkipped {
            group,
            tp,
            from,
            to,
            count,
        } => format!(
            "group \"{group}\" skipped {} of {} between offsets {from} and {to}: its position moved past them before anyone processed them",
            plural(*count, "record"),
            tpn(*tp)
        ),
        EventKind::OffsetsCommitted {
            consumer,
            group,
            offsets,
        } => {
            let parts: Vec<String> = offsets
                .iter()
                .map(|(tp, o)| format!("{} at {o}", tpn(*tp)))
                .collect();
            format!(
                "consumer {consumer} committed group \"{group}\"'s offsets: {} (stored in __consumer_offsets)",
                parts.join(", ")
            )
        }
        EventKind::OffsetCommitFailed {
            consumer,
            group,
            error,
        } => format!(
            "consumer {consumer}'s offset commit for group \"{group}\" failed with {error}: {}",
            commit_error(*error)
        ),
        EventKind::PollTimeoutExpired { consumer, group } => format!(
            "consumer {consumer} did not call poll() within max.poll.interval.ms ({}), so it left group \"{group}\"",
            seconds(c(*consumer).max_poll_interval_ms)
        ),
        _ => String::new(),
    }
}

fn commit_error(error: GroupError) -> &'static str {
    match error {
        GroupError::IllegalGeneration | GroupError::UnknownMemberId => {
            "the group moved on without it, so the records it processed will be processed again by their new owner"
        }
        GroupError::RebalanceInProgress => "the group is rebalancing; the commit is dropped",
        GroupError::NotCoordinator | GroupError::CoordinatorNotAvailable => {
            "the coordinator moved or could not replicate the commit"
        }
        _ => "the coordinator refused it",
    }
}

fn group_event(group: &str, broker: crate::ids::BrokerId, event: &GroupEvent) -> String {
    match event {
        GroupEvent::RebalanceStarted {
            generation_id,
            reason,
        } => {
            let why = match reason {
                RebalanceReason::NewMember { member_id } => format!("member {member_id} joined"),
                RebalanceReason::MemberMetadataChanged { member_id } => {
                    format!("member {member_id} changed its subscription")
                }
                RebalanceReason::LeaderRejoined { member_id } => {
                    format!("the leader {member_id} rejoined")
                }
                RebalanceReason::StaticMemberReplaced { member_id } => {
                    format!("static member {member_id} was replaced")
                }
                RebalanceReason::MemberLeft { member_id } => format!("member {member_id} left"),
                RebalanceReason::SessionTimeout { member_id } => {
                    format!("member {member_id} sent no heartbeat for its session timeout")
                }
                RebalanceReason::AssignmentNotStored { error } => format!(
                    "the leader's assignment could not be written to __consumer_offsets ({error})"
                ),
                RebalanceReason::SyncTimeout { members } => format!(
                    "{} did not send SyncGroup in time",
                    members
                        .iter()
                        .map(|m| m.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            format!(
                "group \"{group}\" (coordinator broker {broker}) starts a rebalance after generation {generation_id}: {why}"
            )
        }
        GroupEvent::GroupStateChanged { from, to } => {
            format!("group \"{group}\" went from {from} to {to}")
        }
        GroupEvent::MemberJoined { member_id, .. } => {
            format!("group \"{group}\" added member {member_id}")
        }
        GroupEvent::StaticMemberReplaced {
            group_instance_id,
            old_member_id,
            new_member_id,
        } => format!(
            "in group \"{group}\", static member \"{group_instance_id}\" came back as {new_member_id} (was {old_member_id}), keeping its partitions without a rebalance"
        ),
        GroupEvent::MemberRemoved { member_id, reason } => {
            let why = match reason {
                RemovalReason::SessionTimeout => {
                    "no heartbeat within its session.timeout.ms".to_string()
                }
                RemovalReason::LeaveGroup => "it sent LeaveGroup".to_string(),
                RemovalReason::RebalanceTimeout => {
                    "it did not rejoin within the rebalance timeout (max.poll.interval.ms)"
                        .to_string()
                }
                RemovalReason::SyncTimeout => "it did not send SyncGroup in time".to_string(),
                RemovalReason::GroupMaxSizeReached => "group.max.size was reached".to_string(),
            };
            format!("group \"{group}\" removed member {member_id}: {why}")
        }
        GroupEvent::GenerationCompleted {
            generation_id,
            leader,
            protocol_name,
            members,
        } => format!(
            "group \"{group}\" formed generation {generation_id} with {}; leader {leader} computes the assignment with {}",
            plural(members.len() as u64, "member"),
            protocol_name.as_deref().unwrap_or("no assignor")
        ),
        GroupEvent::AssignmentInstalled {
            generation_id,
            assignment,
        } => {
            let parts: Vec<String> = assignment
                .iter()
                .map(|(m, tps)| {
                    let t: Vec<String> = tps.iter().map(|tp| tp.to_string()).collect();
                    format!("{m} → [{}]", t.join(", "))
                })
                .collect();
            format!(
                "group \"{group}\" is Stable in generation {generation_id}: {}",
                parts.join("; ")
            )
        }
        GroupEvent::InvariantViolated { detail, .. } => {
            format!("group \"{group}\" broke a guarantee: {detail}")
        }
        GroupEvent::Loaded {
            generation_id,
            state,
            leader,
            members,
        } => match leader {
            Some(leader) if !members.is_empty() => format!(
                "broker {broker}, the new coordinator, loaded group \"{group}\" from __consumer_offsets: {state} in generation {generation_id} with {} (leader {leader}); its members keep their ids and partitions if they heartbeat within their session timeout",
                plural(members.len() as u64, "member")
            ),
            _ => format!(
                "broker {broker}, the new coordinator, loaded group \"{group}\" from __consumer_offsets: {state} after generation {generation_id}, with no members"
            ),
        },
    }
}
