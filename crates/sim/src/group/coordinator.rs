//! The coordinator's handlers for a [`ClassicGroup`]: JoinGroup, SyncGroup, Heartbeat,
//! LeaveGroup, OffsetCommit validation, the timers, and unloading.
//!
//! Mirrors the classic half of `GroupMetadataManager.java`: `classicGroupJoinToClassicGroup`
//! (`acceptJoiningMember`, `classicGroupJoinNewMember`, `classicGroupJoinNewStaticMember`,
//! `classicGroupJoinNewDynamicMember`, `classicGroupJoinExistingMember`,
//! `addMemberThenRebalanceOrCompleteJoin`, `updateStaticMemberThenRebalanceOrCompleteJoin`),
//! `maybePrepareRebalanceOrCompleteJoin`, `prepareRebalance`, `maybeCompleteJoinPhase`,
//! `tryCompleteInitialRebalanceElseSchedule`, `completeClassicGroupJoin` (with
//! `ClassicGroup.initNextGeneration`), `classicGroupSyncToClassicGroup`,
//! `classicGroupHeartbeatToClassicGroup`, `classicGroupLeaveToClassicGroup`,
//! `expireClassicGroupMemberHeartbeat`, `expirePendingSync` and `onUnloaded`; the
//! session-timeout range check of `GroupCoordinatorService.joinGroup`; and the session refresh
//! of `OffsetMetadataManager.commitOffset`.

use super::member::ClassicGroupMember;
use super::state::{ClassicGroup, Ctx, TimerPayload};
use super::{
    GenerationId, GroupError, GroupEvent, GroupResponse, GroupState, GroupTimerKey,
    HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, MemberId, Output,
    RebalanceReason, RemovalReason, RequestId, SyncGroupRequest, SyncGroupResponse,
};
use crate::time::SimTime;

use GroupState::{CompletingRebalance, Dead, Empty, PreparingRebalance, Stable};

impl ClassicGroup {
    /// Handles a JoinGroup (`GroupCoordinatorService.joinGroup` + `classicGroupJoin`).
    pub fn join_group(&mut self, now: SimTime, req: RequestId, join: JoinGroupRequest) -> Output {
        let mut cx = Ctx::new(now);
        let session = join.session_timeout_ms;
        if session < self.config.group_min_session_timeout_ms
            || session > self.config.group_max_session_timeout_ms
        {
            cx.join_error(req, GroupError::InvalidSessionTimeout, join.member_id);
        } else if !self.accept_joining_member(join.member_id.as_ref()) {
            if let Some(id) = &join.member_id {
                self.remove_member(&mut cx, id, RemovalReason::GroupMaxSizeReached);
            }
            cx.join_error(req, GroupError::GroupMaxSizeReached, None);
        } else if let Some(error) = self.join_precheck(&join) {
            cx.join_error(req, error, join.member_id);
        } else if join.member_id.is_none() {
            self.join_new_member(&mut cx, req, join);
        } else {
            self.join_existing_member(&mut cx, req, join);
        }
        cx.out
    }

    /// Handles a SyncGroup (`classicGroupSyncToClassicGroup`): followers wait for the leader.
    pub fn sync_group(&mut self, now: SimTime, req: RequestId, sync: SyncGroupRequest) -> Output {
        let mut cx = Ctx::new(now);
        if let Err(error) = self.validate_sync_group(&sync) {
            cx.sync_error(req, error);
            return cx.out;
        }
        let member_id = sync.member_id;
        match self.state {
            PreparingRebalance => cx.sync_error(req, GroupError::RebalanceInProgress),
            CompletingRebalance => {
                if let Some(member) = self.members.get_mut(&member_id) {
                    member.awaiting_sync = Some(req);
                }
                self.remove_pending_sync_member(&mut cx, &member_id);
                if self.members.is_leader(&member_id) {
                    self.install_assignment(&mut cx, sync.assignments);
                }
            }
            Stable => {
                self.remove_pending_sync_member(&mut cx, &member_id);
                let assignment = self.members.get(&member_id).map(|m| m.assignment.clone());
                let response = SyncGroupResponse {
                    error: None,
                    protocol_name: self.protocol_name.clone(),
                    assignment: assignment.unwrap_or_default(),
                };
                cx.respond(req, GroupResponse::SyncGroup(response));
            }
            Empty | Dead => unreachable!("validate_sync_group rejects {}", self.state),
        }
        cx.out
    }

    /// Handles a Heartbeat (`classicGroupHeartbeatToClassicGroup`).
    pub fn heartbeat(&mut self, now: SimTime, req: RequestId, beat: HeartbeatRequest) -> Output {
        let mut cx = Ctx::new(now);
        let instance = beat.group_instance_id.as_deref();
        let error = if self.state == Dead {
            Some(GroupError::CoordinatorNotAvailable)
        } else if let Err(error) = self
            .members
            .validate_member(Some(&beat.member_id), instance)
        {
            Some(error)
        } else if beat.generation_id != self.generation_id {
            Some(GroupError::IllegalGeneration)
        } else {
            match self.state {
                Empty | Dead => Some(GroupError::UnknownMemberId),
                PreparingRebalance | CompletingRebalance | Stable => {
                    self.reschedule_heartbeat(&mut cx, &beat.member_id);
                    (self.state == PreparingRebalance).then_some(GroupError::RebalanceInProgress)
                }
            }
        };
        cx.respond(req, GroupResponse::Heartbeat { error });
        cx.out
    }

    /// Handles a LeaveGroup for one member (`classicGroupLeaveToClassicGroup`).
    pub fn leave_group(
        &mut self,
        now: SimTime,
        req: RequestId,
        leave: LeaveGroupRequest,
    ) -> Output {
        let mut cx = Ctx::new(now);
        let instance = leave.group_instance_id.as_deref();
        let result = match &leave.member_id {
            _ if self.state == Dead => Err(GroupError::CoordinatorNotAvailable),
            Some(member_id) if self.members.is_pending_member(member_id) => {
                self.members.remove(member_id);
                self.cancel(&mut cx, GroupTimerKey::heartbeat(member_id));
                Ok(member_id.clone())
            }
            Some(member_id) => self
                .members
                .validate_member(Some(member_id), instance)
                .map(|()| {
                    self.remove_member(&mut cx, member_id, RemovalReason::LeaveGroup);
                    member_id.clone()
                }),
            // Administrative removal by group.instance.id.
            None => match instance
                .and_then(|i| self.members.static_member_id(i))
                .cloned()
            {
                Some(member_id) => {
                    self.remove_member(&mut cx, &member_id, RemovalReason::LeaveGroup);
                    Ok(member_id)
                }
                None => Err(GroupError::UnknownMemberId),
            },
        };
        if let Ok(member_id) = &result {
            let reason = RebalanceReason::MemberLeft {
                member_id: member_id.clone(),
            };
            match self.state {
                Stable | CompletingRebalance => {
                    self.maybe_prepare_rebalance_or_complete_join(&mut cx, reason);
                }
                PreparingRebalance => self.maybe_complete_join_phase(&mut cx),
                Empty | Dead => {}
            }
        }
        cx.respond(
            req,
            GroupResponse::LeaveGroup {
                error: result.err(),
            },
        );
        cx.out
    }

    /// Fires the timer `key`; a key that is not live (cancelled or replaced) does nothing.
    pub fn on_timer(&mut self, now: SimTime, key: GroupTimerKey) -> Output {
        let mut cx = Ctx::new(now);
        match self.timers.get(&key) {
            Some(&(at, _)) if at <= now => {}
            _ => return cx.out, // not live, or an earlier firing of a timer since replaced
        }
        let Some((_, payload)) = self.timers.remove(&key) else {
            return cx.out;
        };
        match (key, payload) {
            (GroupTimerKey::Heartbeat { member_id }, _) => {
                self.expire_heartbeat(&mut cx, &member_id);
            }
            (GroupTimerKey::Join, _) => self.complete_join(&mut cx),
            (
                _,
                TimerPayload::InitialDelay {
                    delay_ms,
                    remaining_ms,
                },
            ) => {
                self.try_complete_initial_rebalance(&mut cx, delay_ms, remaining_ms);
            }
            (_, TimerPayload::Sync { generation_id }) => {
                self.expire_pending_sync(&mut cx, generation_id);
            }
            (_, TimerPayload::None) => {} // the other keys always carry a payload
        }
        cx.out
    }

    /// The coordinator moved away (`onUnloaded`): Dead; parked JoinGroups (PreparingRebalance)
    /// or SyncGroups (CompletingRebalance, Stable) are answered `NOT_COORDINATOR`, timers dropped.
    pub fn unload(&mut self, now: SimTime) -> Output {
        let mut cx = Ctx::new(now);
        self.transition_to(&mut cx, Dead);
        for id in self.members.ids() {
            if self.previous_state == PreparingRebalance {
                let response =
                    JoinGroupResponse::error(GroupError::NotCoordinator, Some(id.clone()));
                self.complete_join_future(&mut cx, &id, response);
            } else {
                self.complete_sync_future(&mut cx, &id, Some(GroupError::NotCoordinator), false);
            }
        }
        for key in self.timers.keys().cloned().collect::<Vec<_>>() {
            self.cancel(&mut cx, key);
        }
        cx.out
    }

    // ---- JoinGroup -------------------------------------------------------------------------

    /// `acceptJoiningMember`: `group.max.size` counts parked joins while PreparingRebalance and
    /// members otherwise; a member already in the join phase is always accepted.
    fn accept_joining_member(&self, member_id: Option<&MemberId>) -> bool {
        let max = self.config.group_max_size as usize;
        let member = member_id.and_then(|id| self.members.get(id));
        match self.state {
            Empty | Dead => true,
            PreparingRebalance => {
                member.is_some_and(ClassicGroupMember::is_awaiting_join)
                    || self.members.awaiting_join_count() < max
            }
            CompletingRebalance | Stable => member.is_some() || self.members.len() < max,
        }
    }

    /// The checks both join paths start with: Dead, then `supportsProtocols`.
    fn join_precheck(&self, join: &JoinGroupRequest) -> Option<GroupError> {
        if self.state == Dead {
            Some(GroupError::CoordinatorNotAvailable)
        } else if !self
            .members
            .supports_protocols(self.state == Empty, &join.protocols)
        {
            Some(GroupError::InconsistentGroupProtocol)
        } else {
            None
        }
    }

    /// `classicGroupJoinNewMember`: a static member takes over or joins; a dynamic one is told
    /// MEMBER_ID_REQUIRED with its new id (KIP-394) and becomes a pending member.
    fn join_new_member(&mut self, cx: &mut Ctx, req: RequestId, join: JoinGroupRequest) {
        self.member_ids_generated += 1;
        let prefix = join.group_instance_id.as_deref().unwrap_or(&join.client_id);
        let new_member_id = MemberId(format!("{prefix}-{}", self.member_ids_generated));
        if let Some(instance) = join.group_instance_id.clone() {
            match self.members.static_member_id(&instance).cloned() {
                Some(old) => {
                    self.update_static_member(cx, req, join, &instance, old, new_member_id)
                }
                None => self.add_member_then_rebalance(cx, req, join, new_member_id),
            }
        } else {
            self.members.add_pending_member(new_member_id.clone());
            let key = GroupTimerKey::heartbeat(&new_member_id);
            self.schedule(cx, key, join.session_timeout_ms, TimerPayload::None);
            cx.join_error(req, GroupError::MemberIdRequired, Some(new_member_id));
        }
    }

    /// `classicGroupJoinExistingMember`.
    fn join_existing_member(&mut self, cx: &mut Ctx, req: RequestId, join: JoinGroupRequest) {
        let member_id = join
            .member_id
            .clone()
            .expect("join_group routes only known ids here");
        if self.members.is_pending_member(&member_id) {
            if join.group_instance_id.is_some() {
                // Kafka throws IllegalStateException: a pending member is never static.
                cx.join_error(req, GroupError::UnknownMemberId, Some(member_id));
                return;
            }
            return self.add_member_then_rebalance(cx, req, join, member_id);
        }
        if let Err(error) = self
            .members
            .validate_member(Some(&member_id), join.group_instance_id.as_deref())
        {
            cx.join_error(req, error, Some(member_id));
            return;
        }
        let matches = self
            .members
            .get(&member_id)
            .is_some_and(|m| m.matches(&join.protocols));
        let is_leader = self.members.is_leader(&member_id);
        let changed = RebalanceReason::MemberMetadataChanged {
            member_id: member_id.clone(),
        };
        match self.state {
            PreparingRebalance => self.update_member_then_rebalance(cx, req, &join, changed),
            CompletingRebalance if matches => {
                // Same metadata (a lost response?): answer with the current generation at once.
                let response = self.join_response(&member_id, is_leader, false);
                cx.respond(req, GroupResponse::JoinGroup(response));
            }
            CompletingRebalance => self.update_member_then_rebalance(cx, req, &join, changed),
            Stable if is_leader => {
                let reason = RebalanceReason::LeaderRejoined {
                    member_id: member_id.clone(),
                };
                self.update_member_then_rebalance(cx, req, &join, reason);
            }
            Stable if !matches => self.update_member_then_rebalance(cx, req, &join, changed),
            Stable => {
                let response = self.join_response(&member_id, false, false);
                cx.respond(req, GroupResponse::JoinGroup(response));
            }
            Empty | Dead => {
                cx.join_error(req, GroupError::UnknownMemberId, Some(member_id));
            }
        }
    }

    /// `updateMemberThenRebalanceOrCompleteJoin`.
    fn update_member_then_rebalance(
        &mut self,
        cx: &mut Ctx,
        req: RequestId,
        join: &JoinGroupRequest,
        reason: RebalanceReason,
    ) {
        let member_id = join
            .member_id
            .clone()
            .expect("only existing members are updated");
        self.members.update_member(&member_id, join, Some(req));
        self.maybe_prepare_rebalance_or_complete_join(cx, reason);
    }

    /// `addMemberThenRebalanceOrCompleteJoin`: the JoinGroup is parked; a new member gets the
    /// new-member join timeout instead of its session timeout, since it cannot heartbeat yet.
    fn add_member_then_rebalance(
        &mut self,
        cx: &mut Ctx,
        req: RequestId,
        join: JoinGroupRequest,
        member_id: MemberId,
    ) {
        let mut member = ClassicGroupMember::new(member_id.clone(), &join, Some(req));
        member.is_new = true;
        if self.state == PreparingRebalance && self.previous_state == Empty {
            self.new_member_added = true;
        }
        self.members.add(member);
        cx.emit(GroupEvent::MemberJoined {
            member_id: member_id.clone(),
            group_instance_id: join.group_instance_id,
            client_id: join.client_id,
        });
        let key = GroupTimerKey::heartbeat(&member_id);
        self.schedule(
            cx,
            key,
            self.config.new_member_join_timeout_ms,
            TimerPayload::None,
        );
        self.maybe_prepare_rebalance_or_complete_join(cx, RebalanceReason::NewMember { member_id });
    }

    /// `updateStaticMemberThenRebalanceOrCompleteJoin`: the restarted static member takes over
    /// the old slot; in Stable, if the protocol vote would not change, without a rebalance.
    fn update_static_member(
        &mut self,
        cx: &mut Ctx,
        req: RequestId,
        join: JoinGroupRequest,
        instance: &str,
        old_member_id: MemberId,
        new_member_id: MemberId,
    ) {
        let Some(old) =
            self.members
                .replace_static_member(instance, &old_member_id, new_member_id.clone())
        else {
            return;
        };
        // Fence whatever the old incarnation still has parked.
        if let Some(parked) = old.awaiting_join {
            cx.join_error(
                parked,
                GroupError::FencedInstanceId,
                Some(old_member_id.clone()),
            );
        }
        if let Some(parked) = old.awaiting_sync {
            cx.sync_error(parked, GroupError::FencedInstanceId);
        }
        self.cancel(cx, GroupTimerKey::heartbeat(&old_member_id));
        self.reschedule_heartbeat(cx, &new_member_id);
        cx.emit(GroupEvent::StaticMemberReplaced {
            group_instance_id: instance.to_string(),
            old_member_id,
            new_member_id: new_member_id.clone(),
        });
        self.members.update_member(&new_member_id, &join, Some(req));
        let reason = RebalanceReason::StaticMemberReplaced {
            member_id: new_member_id.clone(),
        };
        match self.state {
            Stable if self.members.select_protocol() == self.protocol_name => {
                // JoinGroup v9+ (KIP-814): a static leader gets the members and skips assigning.
                let is_leader = self.members.is_leader(&new_member_id);
                let response = self.join_response(&new_member_id, is_leader, is_leader);
                self.complete_join_future(cx, &new_member_id, response);
            }
            Stable => self.maybe_prepare_rebalance_or_complete_join(cx, reason),
            // The leader may already be assigning for the old id: start over.
            CompletingRebalance => self.prepare_rebalance(cx, reason),
            PreparingRebalance | Empty | Dead => self.maybe_complete_join_phase(cx),
        }
    }

    // ---- Rebalance ---------------------------------------------------------------------------

    /// `maybePrepareRebalanceOrCompleteJoin`.
    fn maybe_prepare_rebalance_or_complete_join(&mut self, cx: &mut Ctx, reason: RebalanceReason) {
        if self.state.can_rebalance() {
            self.prepare_rebalance(cx, reason);
        } else {
            self.maybe_complete_join_phase(cx);
        }
    }

    /// `prepareRebalance`: parked syncs get REBALANCE_IN_PROGRESS; from Empty the initial delay
    /// starts, otherwise the join phase ends when all have rejoined or at the rebalance timeout.
    fn prepare_rebalance(&mut self, cx: &mut Ctx, reason: RebalanceReason) {
        if self.state == CompletingRebalance {
            for member_id in self.members.ids() {
                if let Some(member) = self.members.get_mut(&member_id) {
                    member.assignment.clear();
                }
                self.complete_sync_future(
                    cx,
                    &member_id,
                    Some(GroupError::RebalanceInProgress),
                    true,
                );
            }
        }
        self.members.clear_pending_sync();
        self.cancel(cx, GroupTimerKey::Sync);
        let initial = self.state == Empty;
        if initial {
            let delay_ms = self.config.group_initial_rebalance_delay_ms;
            let remaining_ms = self.members.rebalance_timeout_ms().saturating_sub(delay_ms);
            let payload = TimerPayload::InitialDelay {
                delay_ms,
                remaining_ms,
            };
            self.schedule(cx, GroupTimerKey::InitialRebalanceDelay, delay_ms, payload);
        }
        self.transition_to(cx, PreparingRebalance);
        cx.emit(GroupEvent::RebalanceStarted {
            generation_id: self.generation_id,
            reason,
        });
        if !initial {
            if self.members.has_all_members_joined() {
                self.complete_join(cx);
            } else {
                let timeout = self.members.rebalance_timeout_ms();
                self.schedule(cx, GroupTimerKey::Join, timeout, TimerPayload::None);
            }
        }
    }

    /// `maybeCompleteJoinPhase`: not during the initial delay, and only once all have joined.
    fn maybe_complete_join_phase(&mut self, cx: &mut Ctx) {
        if self.state == PreparingRebalance
            && self.previous_state != Empty
            && self.members.has_all_members_joined()
        {
            self.complete_join(cx);
        }
    }

    /// `tryCompleteInitialRebalanceElseSchedule`: wait again while newcomers keep arriving and
    /// the rebalance timeout allows it.
    fn try_complete_initial_rebalance(&mut self, cx: &mut Ctx, delay_ms: u64, remaining_ms: u64) {
        if self.new_member_added && remaining_ms != 0 {
            self.new_member_added = false;
            let new_delay_ms = self
                .config
                .group_initial_rebalance_delay_ms
                .min(remaining_ms);
            let new_remaining_ms = remaining_ms.saturating_sub(delay_ms);
            let payload = TimerPayload::InitialDelay {
                delay_ms: new_delay_ms,
                remaining_ms: new_remaining_ms,
            };
            self.schedule(
                cx,
                GroupTimerKey::InitialRebalanceDelay,
                new_delay_ms,
                payload,
            );
        } else {
            self.complete_join(cx);
        }
    }

    /// `completeClassicGroupJoin`: dynamic members that did not rejoin are removed; then the
    /// next generation starts, every parked JoinGroup is answered (the leader's with all
    /// members' metadata) and the sync phase waits at most the rebalance timeout.
    fn complete_join(&mut self, cx: &mut Ctx) {
        self.cancel(cx, GroupTimerKey::Join);
        self.cancel(cx, GroupTimerKey::InitialRebalanceDelay);
        let not_rejoined: Vec<MemberId> = self
            .members
            .iter()
            .filter(|m| !m.is_awaiting_join() && !m.is_static_member())
            .map(|m| m.member_id.clone())
            .collect();
        for member_id in &not_rejoined {
            self.remove_member(cx, member_id, RemovalReason::RebalanceTimeout);
        }
        if self.state == Dead {
            return;
        }
        if !self.members.maybe_elect_new_joined_leader() && !self.members.is_empty() {
            // Only static members remain and none rejoined: wait for their session timeouts.
            let timeout = self.members.rebalance_timeout_ms();
            self.schedule(cx, GroupTimerKey::Join, timeout, TimerPayload::None);
            return;
        }
        // initNextGeneration
        self.generation_id = GenerationId(self.generation_id.0.saturating_add(1));
        if self.members.is_empty() {
            self.protocol_name = None;
            self.transition_to(cx, Empty);
            self.members.clear_pending_sync();
            return;
        }
        self.protocol_name = self.members.select_protocol();
        self.transition_to(cx, CompletingRebalance);
        self.members.clear_pending_sync();
        let leader = self
            .members
            .leader()
            .cloned()
            .expect("a non-empty group has a leader");
        let ids = self.members.ids();
        for member_id in &ids {
            let response = self.join_response(member_id, *member_id == leader, false);
            self.complete_join_future(cx, member_id, response);
            self.reschedule_heartbeat(cx, member_id);
            if let Some(member) = self.members.get_mut(member_id) {
                member.is_new = false;
            }
            self.members.add_pending_sync(member_id.clone());
        }
        let timeout = self.members.rebalance_timeout_ms();
        let payload = TimerPayload::Sync {
            generation_id: self.generation_id,
        };
        self.schedule(cx, GroupTimerKey::Sync, timeout, payload);
        cx.emit(GroupEvent::GenerationCompleted {
            generation_id: self.generation_id,
            leader,
            protocol_name: self.protocol_name.clone(),
            members: ids,
        });
    }

    // ---- Liveness ----------------------------------------------------------------------------

    /// `expireClassicGroupMemberHeartbeat`.
    fn expire_heartbeat(&mut self, cx: &mut Ctx, member_id: &MemberId) {
        if self.state == Dead {
            return;
        }
        if self.members.is_pending_member(member_id) {
            self.members.remove(member_id);
            if self.state == PreparingRebalance && self.members.has_all_members_joined() {
                self.complete_join(cx);
            }
            return;
        }
        if self
            .members
            .get(member_id)
            .is_none_or(ClassicGroupMember::has_satisfied_heartbeat)
        {
            return;
        }
        // removeMemberAndUpdateClassicGroup
        self.remove_member(cx, member_id, RemovalReason::SessionTimeout);
        match self.state {
            Stable | CompletingRebalance => {
                let reason = RebalanceReason::SessionTimeout {
                    member_id: member_id.clone(),
                };
                self.maybe_prepare_rebalance_or_complete_join(cx, reason);
            }
            PreparingRebalance if self.members.has_all_members_joined() => self.complete_join(cx),
            _ => {}
        }
    }

    /// `expirePendingSync`: members of this generation that never sent SyncGroup are removed
    /// and the group rebalances.
    fn expire_pending_sync(&mut self, cx: &mut Ctx, generation_id: GenerationId) {
        if generation_id != self.generation_id
            || !matches!(self.state, CompletingRebalance | Stable)
        {
            return;
        }
        let pending: Vec<MemberId> = self.members.pending_sync().iter().cloned().collect();
        if pending.is_empty() {
            return;
        }
        for member_id in &pending {
            self.remove_member(cx, member_id, RemovalReason::SyncTimeout);
        }
        self.prepare_rebalance(cx, RebalanceReason::SyncTimeout { members: pending });
    }
}
