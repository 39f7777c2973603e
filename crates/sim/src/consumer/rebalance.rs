//! The consumer's side of the classic rebalance protocol and its heartbeat thread:
//! `AbstractCoordinator.joinGroupIfNeeded` / `ConsumerCoordinator.onJoinPrepare` (auto-commit,
//! eager revocation, lost partitions), JoinGroup with KIP-394's member id round trip,
//! `onLeaderElected` (the leader runs the assignor), SyncGroup and `onJoinComplete` (cooperative
//! revocation and the follow-up rebalance), the error handling shared by group responses, and
//! `AbstractCoordinator.HeartbeatThread` (heartbeats, coordinator lookup, the
//! `max.poll.interval.ms` check).

use crate::vec_map::VecSet;

use crate::agenda::TimerKey;
use crate::assignor::{AssignmentStrategy, Assignor, TopicPartitionName};
use crate::config::CommitMode;
use crate::event::{EventKind, Invariant};
use crate::group::{
    ConsumerProtocolSubscription, GenerationId, GroupError, GroupResponse, HeartbeatRequest,
    JoinGroupRequest, JoinGroupRequestProtocol, JoinGroupResponse, LeaveGroupRequest, MemberId,
    SyncGroupRequest, SyncGroupResponse,
};
use crate::group_coordinator::GroupRequest;
use crate::ids::{NodeId, TopicPartition};
use crate::node::Ctx;

use super::{App, Consumer, MemberState, Pending};

impl Consumer {
    // ---- the rebalance protocol ---------------------------------------------------------------

    /// `joinGroupIfNeeded`: `onJoinPrepare` (auto-commit, eager revocation), then JoinGroup.
    pub(super) fn join_if_needed(&mut self, ctx: &mut Ctx<'_>) {
        if matches!(
            self.state,
            MemberState::PreparingJoin | MemberState::Joining | MemberState::Syncing
        ) {
            return;
        }
        self.rejoin_needed = false;
        self.assignment_snapshot = None;
        // onJoinPrepare: with auto-commit, commit what was consumed before rejoining (retrying
        // within the rebalance timeout); only a member of a stable generation can.
        let committing = self.config.commit == CommitMode::Auto
            && self.state == MemberState::Stable
            && self.commit(ctx, Some(self.config.max_poll_interval_ms));
        if self.generation == GenerationId::NONE || self.member_id.is_none() {
            // The heartbeat thread (or a response) reset the generation: whatever is still owned
            // is lost, not revoked, whatever the protocol.
            self.revoke_all(ctx, true);
        } else if !self.config.cooperative() {
            self.revoke_all(ctx, false);
        }
        if committing {
            self.state = MemberState::PreparingJoin;
        } else {
            self.send_join(ctx);
        }
    }

    pub(super) fn send_join(&mut self, ctx: &mut Ctx<'_>) {
        let owned: Vec<TopicPartitionName> = self
            .assigned
            .iter()
            .map(|tp| self.tp_name(ctx, *tp))
            .collect();
        let generation = (self.generation.0 >= 0).then_some(self.generation.0);
        // The eager StickyAssignor sends its last assignment and generation as userData
        // (`StickyAssignor.subscriptionUserData`), kept across the revocation of onJoinPrepare;
        // the other assignors read the currently owned partitions.
        let sticky: (Vec<TopicPartitionName>, Option<i32>) = match &self.sticky_user_data {
            Some((tps, g)) => (
                tps.iter().map(|tp| self.tp_name(ctx, *tp)).collect(),
                Some(*g),
            ),
            None => (Vec::new(), None),
        };
        let protocols = self
            .config
            .partition_assignment_strategy
            .iter()
            .map(|s| {
                let (owned_partitions, generation_id) = if *s == AssignmentStrategy::Sticky {
                    sticky.clone()
                } else {
                    (owned.clone(), generation)
                };
                let metadata = ConsumerProtocolSubscription {
                    topics: self.topics.clone(),
                    owned_partitions,
                    generation_id,
                };
                JoinGroupRequestProtocol::new(s.name(), metadata)
            })
            .collect();
        let join = JoinGroupRequest {
            member_id: self.member_id.clone(),
            group_instance_id: self.group_instance_id.clone(),
            client_id: self.client_id.clone(),
            session_timeout_ms: self.config.session_timeout_ms,
            rebalance_timeout_ms: self.config.max_poll_interval_ms,
            protocols,
        };
        if self.send_group(ctx, GroupRequest::Join(join), Pending::Join) {
            self.state = MemberState::Joining;
            ctx.emit(EventKind::JoinGroupSent {
                consumer: self.id,
                group: self.group.to_string(),
                generation: self.generation.0,
            });
        } else {
            self.state = MemberState::Unjoined;
            self.rejoin_needed = true;
        }
    }

    pub(super) fn on_group_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        pending: Pending,
        incarnation: u32,
        response: GroupResponse,
    ) {
        if !self.alive {
            return;
        }
        match (pending, response) {
            (Pending::Join, GroupResponse::JoinGroup(r)) => {
                self.on_join_response(ctx, from, incarnation, r)
            }
            (Pending::Sync, GroupResponse::SyncGroup(r)) => self.on_sync_response(ctx, from, r),
            (Pending::Heartbeat, GroupResponse::Heartbeat { error }) => {
                self.heartbeat_in_flight = false;
                if let Some(e) = error {
                    self.on_group_error(ctx, from, e);
                }
            }
            (Pending::Leave, _) => {}
            (Pending::Commit { sync, offsets }, GroupResponse::OffsetCommit { error, .. }) => {
                self.on_commit_response(ctx, from, sync, offsets, error)
            }
            _ => {}
        }
    }

    pub(super) fn on_join_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        incarnation: u32,
        r: JoinGroupResponse,
    ) {
        if self.state != MemberState::Joining {
            return;
        }
        match r.error {
            Some(GroupError::MemberIdRequired) => {
                // KIP-394: rejoin at once with the id the coordinator gave.
                self.member_id = r.member_id;
                self.send_join(ctx);
            }
            Some(
                e @ (GroupError::InconsistentGroupProtocol
                | GroupError::InvalidSessionTimeout
                | GroupError::GroupMaxSizeReached
                | GroupError::FencedInstanceId),
            ) => {
                let reason = format!("JoinGroup failed with {}: {}", e.name(), e.description());
                ctx.emit(EventKind::ConsumerFailed {
                    consumer: self.id,
                    reason,
                });
                self.state = MemberState::Unjoined;
                self.leave_and_stop(ctx);
            }
            Some(e) => {
                self.state = MemberState::Unjoined;
                self.on_group_error(ctx, from, e);
            }
            None => {
                self.generation = r.generation_id;
                self.incarnation = incarnation;
                self.member_id = r.member_id.clone();
                let is_leader = r.leader.is_some() && r.leader == r.member_id;
                let assignments = if is_leader && !r.skip_assignment {
                    self.assign_as_leader(ctx, &r)
                } else {
                    Vec::new()
                };
                let Some(member_id) = self.member_id.clone() else {
                    self.state = MemberState::Unjoined;
                    return;
                };
                let sync = SyncGroupRequest {
                    member_id,
                    group_instance_id: self.group_instance_id.clone(),
                    generation_id: self.generation,
                    protocol_name: r.protocol_name.clone(),
                    assignments,
                };
                if self.send_group(ctx, GroupRequest::Sync(sync), Pending::Sync) {
                    self.state = MemberState::Syncing;
                } else {
                    self.state = MemberState::Unjoined;
                }
            }
        }
    }

    /// `onLeaderElected`: run the chosen assignor over every member's subscription.
    pub(super) fn assign_as_leader(
        &mut self,
        ctx: &mut Ctx<'_>,
        r: &JoinGroupResponse,
    ) -> Vec<(MemberId, Vec<TopicPartitionName>)> {
        let strategy = r
            .protocol_name
            .as_deref()
            .and_then(|n| n.parse::<AssignmentStrategy>().ok())
            .unwrap_or(self.config.partition_assignment_strategy[0]);
        let subscriptions: Vec<_> = r.members.iter().map(|m| m.to_subscription()).collect();
        let group_subscription: VecSet<&String> =
            crate::sort::set_of(subscriptions.iter().flat_map(|s| s.topics.iter()));
        let topics = self.partition_counts_of(ctx, group_subscription.into_iter());
        self.assignment_snapshot = Some(topics.clone());
        let assignor = match &mut self.assignor {
            Some(a) if a.strategy() == strategy => a,
            slot => slot.insert(Assignor::new(strategy)),
        };
        match assignor.assign(&topics, &subscriptions) {
            Ok(a) => r
                .members
                .iter()
                .map(|m| {
                    let parts = a.partitions(m.member_id.as_str()).to_vec();
                    (m.member_id.clone(), parts)
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    pub(super) fn on_sync_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        r: SyncGroupResponse,
    ) {
        if self.state != MemberState::Syncing {
            return;
        }
        if let Some(e) = r.error {
            self.state = MemberState::Unjoined;
            self.on_group_error(ctx, from, e);
            return;
        }
        let new: VecSet<TopicPartition> =
            crate::sort::set_of(r.assignment.iter().filter_map(|n| {
                ctx.catalog.id(&n.topic).map(|topic| TopicPartition {
                    topic,
                    partition: n.partition,
                })
            }));
        self.state = MemberState::Stable;
        self.set_heartbeat_timer(ctx);
        if !matches!(self.app, App::Polling) {
            // The SyncGroup answer completes the rebalance (generation, heartbeats), but the
            // assignment callbacks run in the application thread, inside its next poll()
            // (`onJoinComplete` from `joinGroupIfNeeded`): a batch being processed finishes with
            // the partitions it was polled from.
            self.pending_assignment = Some(new);
            return;
        }
        self.apply_assignment(ctx, new);
    }

    /// `onJoinComplete`: the new assignment takes effect — cooperative members give up only
    /// what moved (and rejoin so it can be handed over), eager ones own exactly the new set.
    pub(super) fn apply_assignment(&mut self, ctx: &mut Ctx<'_>, new: VecSet<TopicPartition>) {
        // `StickyAssignor.onAssignment`: remembered for the next JoinGroup's userData.
        self.sticky_user_data = Some((new.iter().copied().collect(), self.generation.0));
        // Cooperative: give up only what moved, then rejoin so it can be handed over.
        let revoked: Vec<TopicPartition> = self.assigned.difference(&new).copied().collect();
        if !revoked.is_empty() {
            self.revoke(ctx, &revoked, false);
            if self.config.cooperative() {
                self.rejoin_needed = true;
            }
        }
        let added: Vec<TopicPartition> = new.difference(&self.assigned).copied().collect();
        self.assigned = new;
        for tp in &added {
            self.partitions.entry(*tp).or_default();
        }
        let group = self.group.clone();
        for tp in self.assigned.clone() {
            let generation = (self.incarnation, self.generation.0);
            if let Some(other) = crate::invariants::note_owner(ctx, &group, generation, tp, self.id)
            {
                let detail = format!(
                    "group {group} generation {}: consumers {other} and {} both own {}",
                    self.generation,
                    self.id,
                    ctx.catalog.tp_name(tp)
                );
                ctx.emit(EventKind::InvariantViolated {
                    invariant: Invariant::SingleOwnerPerGeneration,
                    detail,
                    allowed_by: None,
                });
            }
        }
        ctx.emit(EventKind::PartitionsAssigned {
            consumer: self.id,
            group: self.group.to_string(),
            generation: self.generation.0,
            added,
            assigned: self.assigned.iter().copied().collect(),
        });
        if matches!(self.app, App::Polling) {
            self.poll(ctx);
        }
    }

    /// Gives up `partitions`: positions and buffered records are dropped.
    pub(super) fn revoke(&mut self, ctx: &mut Ctx<'_>, partitions: &[TopicPartition], lost: bool) {
        for tp in partitions {
            self.assigned.remove(tp);
            if let Some(p) = self.partitions.remove(tp)
                && let Some((c, _)) = p.fetching
            {
                self.in_flight.remove(&c);
                ctx.cancel_timer(TimerKey::ConsumerRequestTimeout {
                    consumer: self.id,
                    correlation: c,
                });
            }
        }
        self.completed.retain(|tp| !partitions.contains(tp));
        ctx.emit(EventKind::PartitionsRevoked {
            consumer: self.id,
            group: self.group.to_string(),
            revoked: partitions.to_vec(),
            lost,
        });
    }

    pub(super) fn revoke_all(&mut self, ctx: &mut Ctx<'_>, lost: bool) {
        self.pending_assignment = None;
        let all: Vec<TopicPartition> = self.assigned.iter().copied().collect();
        if !all.is_empty() {
            self.revoke(ctx, &all, lost);
        }
        self.partitions.clear();
        self.completed.clear();
    }

    /// The errors every group response may carry (`AbstractCoordinator`'s handlers).
    pub(super) fn on_group_error(&mut self, ctx: &mut Ctx<'_>, from: NodeId, error: GroupError) {
        match error {
            GroupError::NotCoordinator | GroupError::CoordinatorNotAvailable => {
                if self.coordinator.map(NodeId::Broker) == Some(from) {
                    self.coordinator_lost(ctx);
                }
                self.rejoin_needed |= self.state != MemberState::Stable;
            }
            GroupError::RebalanceInProgress => self.rejoin_needed = true,
            GroupError::UnknownMemberId | GroupError::IllegalGeneration => {
                // resetGenerationOnResponseError + requestRejoin. The partitions are given up as
                // lost by the application thread at its next poll (onJoinPrepare), not here:
                // records it is processing were handed to it while it owned them.
                if error == GroupError::UnknownMemberId {
                    self.member_id = None;
                }
                self.generation = GenerationId::NONE;
                self.state = MemberState::Unjoined;
                self.rejoin_needed = true;
                // An assignment still waiting for the next poll belonged to that generation.
                self.pending_assignment = None;
            }
            GroupError::FencedInstanceId => {
                // Fatal: another instance with this group.instance.id took over (KIP-345).
                let reason = format!("{}: {}", error.name(), error.description());
                ctx.emit(EventKind::ConsumerFailed {
                    consumer: self.id,
                    reason,
                });
                self.revoke_all(ctx, true);
                self.leave_and_stop(ctx);
                return;
            }
            _ => self.rejoin_needed = true,
        }
        if matches!(self.app, App::Polling) {
            self.wake_after(ctx, self.config.retry_backoff_ms);
        }
    }

    // ---- the heartbeat thread -----------------------------------------------------------------

    pub(super) fn set_heartbeat_timer(&mut self, ctx: &mut Ctx<'_>) {
        ctx.set_timer(
            TimerKey::ConsumerHeartbeat(self.id),
            // heartbeat.interval.ms=0 is legal; the thread still spends a millisecond per beat.
            self.config.heartbeat_interval_ms.max(1),
        );
    }

    /// Every `heartbeat.interval.ms` (`AbstractCoordinator.HeartbeatThread`): look the
    /// coordinator up if it is unknown, leave if the application has not polled within
    /// `max.poll.interval.ms`, else heartbeat while Stable.
    pub(super) fn heartbeat_tick(&mut self, ctx: &mut Ctx<'_>) {
        self.set_heartbeat_timer(ctx);
        if self.coordinator.is_none() && self.state != MemberState::Unjoined {
            // The heartbeat thread's lookupCoordinator(), even while the application is busy.
            self.ensure_coordinator(ctx);
        }
        if self.state != MemberState::Stable {
            return;
        }
        let busy = !matches!(self.app, App::Polling);
        if busy && ctx.now.since(self.last_poll) > self.config.max_poll_interval_ms {
            // `maybeLeaveGroup("consumer poll timeout has expired")`: a dynamic member sends
            // LeaveGroup; a static one sends nothing and is removed at its session timeout
            // (KIP-345). Either way it forgets its generation and rejoins at its next poll.
            ctx.emit(EventKind::PollTimeoutExpired {
                consumer: self.id,
                group: self.group.to_string(),
            });
            if let Some(member_id) = self.member_id.clone()
                && self.group_instance_id.is_none()
            {
                let leave = LeaveGroupRequest {
                    member_id: Some(member_id),
                    group_instance_id: None,
                };
                self.send_group(ctx, GroupRequest::Leave(leave), Pending::Leave);
            }
            self.member_id = None;
            self.generation = GenerationId::NONE;
            self.state = MemberState::Unjoined;
            self.rejoin_needed = true;
            self.pending_assignment = None;
            return;
        }
        if self.heartbeat_in_flight {
            return;
        }
        let Some(member_id) = self.member_id.clone() else {
            return;
        };
        let beat = HeartbeatRequest {
            member_id,
            group_instance_id: self.group_instance_id.clone(),
            generation_id: self.generation,
        };
        if self.send_group(ctx, GroupRequest::Heartbeat(beat), Pending::Heartbeat) {
            self.heartbeat_in_flight = true;
        }
    }
}
