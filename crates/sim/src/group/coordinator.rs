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
//! `expireClassicGroupMemberHeartbeat`, `expirePendingSync`, `onUnloaded`, the GroupMetadata
//! writes' `appendFuture` callbacks, and loading (`replay(GroupMetadataKey, GroupMetadataValue)`
//! with `onLoaded`); the session-timeout range check of `GroupCoordinatorService.joinGroup`; and
//! the session refresh of `OffsetMetadataManager.commitOffset`.

use crate::vec_map::VecMap;

use super::member::{ClassicGroupMember, JoinGroupRequestProtocol};
use super::state::{ClassicGroup, Ctx, PendingWrite, TimerPayload};
use super::{
    GenerationId, GroupConfig, GroupError, GroupEvent, GroupMetadataValue, GroupResponse,
    GroupState, GroupTimerKey, HeartbeatRequest, JoinGroupRequest, JoinGroupResponse,
    LeaveGroupRequest, MemberId, Output, RebalanceReason, RemovalReason, RequestId,
    SyncGroupRequest, SyncGroupResponse, WriteId,
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
                    // The assignment is installed once its GroupMetadata record is committed.
                    let assignment = self.full_assignment(sync.assignments);
                    let by_member: VecMap<&MemberId, &Vec<_>> =
                        crate::sort::map_of(assignment.iter().map(|(m, p)| (m, p)));
                    let value = self.metadata_value(|m| {
                        by_member
                            .get(&m.member_id)
                            .map(|p| p.to_vec())
                            .unwrap_or_default()
                    });
                    let generation_id = self.generation_id;
                    let pending = PendingWrite::Assignment {
                        generation_id,
                        assignment,
                    };
                    self.store(&mut cx, value, pending);
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

    /// The host's report on a GroupMetadata write: committed (`error` = `None`) or failed (Kafka
    /// maps the append error: `NOT_COORDINATOR` when leadership moved,
    /// `COORDINATOR_NOT_AVAILABLE` for too few in-sync replicas or a timeout). Runs the write's
    /// `appendFuture` callback; an unknown or already reported write does nothing.
    pub fn on_write_complete(
        &mut self,
        now: SimTime,
        write: WriteId,
        error: Option<GroupError>,
    ) -> Output {
        let mut cx = Ctx::new(now);
        let Some(pending) = self.pending_writes.remove(&write) else {
            return cx.out;
        };
        match pending {
            PendingWrite::Assignment {
                generation_id,
                assignment,
            } => {
                // A member may have joined or left meanwhile: then the write is stale.
                if self.state != CompletingRebalance || generation_id != self.generation_id {
                    return cx.out;
                }
                match error {
                    None => self.install_assignment(&mut cx, assignment),
                    Some(error) => {
                        // resetAndPropagateAssignmentWithError
                        for member_id in self.members.ids() {
                            if let Some(member) = self.members.get_mut(&member_id) {
                                member.assignment.clear();
                            }
                            self.complete_sync_future(&mut cx, &member_id, Some(error), true);
                        }
                        let reason = RebalanceReason::AssignmentNotStored { error };
                        self.maybe_prepare_rebalance_or_complete_join(&mut cx, reason);
                    }
                }
            }
            PendingWrite::StaticMember {
                group_instance_id,
                old_member_id,
                new_member_id,
                old_protocols,
                old_rebalance_timeout_ms,
                old_session_timeout_ms,
                leader,
            } => match error {
                None => {
                    // JoinGroup v9+ (KIP-814): a static leader gets the members and skips
                    // assigning.
                    if self.members.has_member(&new_member_id) {
                        let is_leader = self.members.is_leader(&new_member_id);
                        let response = self.join_response(&new_member_id, is_leader, is_leader);
                        self.complete_join_future(&mut cx, &new_member_id, response);
                    }
                }
                Some(error) => {
                    let old = OldStaticMember {
                        member_id: old_member_id,
                        protocols: old_protocols,
                        rebalance_timeout_ms: old_rebalance_timeout_ms,
                        session_timeout_ms: old_session_timeout_ms,
                    };
                    let instance = group_instance_id.as_str();
                    self.revert_static_member(
                        &mut cx,
                        instance,
                        &new_member_id,
                        old,
                        leader,
                        error,
                    );
                }
            },
            PendingWrite::Empty => {} // Kafka only warns: nobody is waiting for it.
        }
        cx.out
    }

    /// A group rebuilt from its latest GroupMetadata record by a new coordinator
    /// (`GroupMetadataManager.replay(GroupMetadataKey, GroupMetadataValue)` + `onLoaded`): Stable
    /// with the recorded members (re-added in the record's order, into a fresh emulated
    /// `HashMap`), leader, protocol, generation and assignments, each member supporting only the
    /// group's protocol; Empty if the record has no members. Every member's session timer starts
    /// now (`rescheduleClassicGroupMemberHeartbeat`), so members that keep heartbeating stay.
    /// (Kafka's `onLoaded` also rebalances a group above `group.max.size`, which here cannot
    /// change between coordinators.)
    pub fn load(
        group_id: impl Into<String>,
        config: GroupConfig,
        value: &GroupMetadataValue,
        now: SimTime,
    ) -> (ClassicGroup, Output) {
        let mut group = ClassicGroup::new(group_id, config);
        let mut cx = Ctx::new(now);
        group.generation_id = value.generation_id;
        group.protocol_name = value.protocol_name.clone();
        group.state_timestamp = value.current_state_timestamp;
        let protocol = value.protocol_name.as_deref().unwrap_or_default();
        for recorded in &value.members {
            if !group.members.has_member(&recorded.member_id) {
                group
                    .members
                    .add(ClassicGroupMember::loaded(recorded, protocol));
            }
            // Ids handed out from here on follow the recorded ones (`{prefix}-{n}`).
            let n = recorded
                .member_id
                .as_str()
                .rsplit_once('-')
                .and_then(|(_, n)| n.parse::<u64>().ok());
            group.member_ids_generated = group.member_ids_generated.max(n.unwrap_or(0));
        }
        if let Some(leader) = &value.leader {
            group.members.set_leader(leader);
        }
        group.state = if group.members.is_empty() {
            Empty
        } else {
            Stable
        };
        let members = group.members.ids();
        for member_id in &members {
            group.reschedule_heartbeat(&mut cx, member_id);
        }
        cx.emit(GroupEvent::Loaded {
            generation_id: group.generation_id,
            state: group.state,
            leader: group.members.leader().cloned(),
            members,
        });
        (group, cx.out)
    }

    /// The coordinator moved away (`onUnloaded`, after the runtime failed the writes in flight
    /// with `NOT_COORDINATOR`): Dead; parked JoinGroups (PreparingRebalance, or a restarted
    /// static member's waiting for its write) or SyncGroups (CompletingRebalance, Stable) are
    /// answered `NOT_COORDINATOR`, timers dropped.
    pub fn unload(&mut self, now: SimTime) -> Output {
        let mut cx = Ctx::new(now);
        for pending in std::mem::take(&mut self.pending_writes).into_values() {
            if let PendingWrite::StaticMember {
                new_member_id,
                leader,
                ..
            } = pending
            {
                let error = GroupError::NotCoordinator;
                self.fail_static_join(&mut cx, &new_member_id, leader, error);
            }
        }
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
        let leader = self.members.leader().cloned();
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
                // The new member id is stored first; its JoinGroup is answered once committed.
                let value = self.metadata_value(|m| m.assignment.clone());
                let pending = PendingWrite::StaticMember {
                    group_instance_id: instance.to_string(),
                    old_member_id: old.member_id.clone(),
                    new_member_id: new_member_id.clone(),
                    old_protocols: old.protocols.clone(),
                    old_rebalance_timeout_ms: old.rebalance_timeout_ms,
                    old_session_timeout_ms: old.session_timeout_ms,
                    leader,
                };
                self.store(cx, value, pending);
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
            // The empty generation is stored (a failure only matters if the coordinator moves
            // before the next rebalance: the previous record comes back, its members expire).
            let value = self.metadata_value(|_| Vec::new());
            self.store(cx, value, PendingWrite::Empty);
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

    // ---- GroupMetadata writes ----------------------------------------------------------------

    /// A restarted static member's write failed: the old member id comes back with its old
    /// protocols and timeouts, and the new member's JoinGroup gets the error (Kafka's
    /// `appendFuture` callback in `updateStaticMemberThenRebalanceOrCompleteJoin`).
    fn revert_static_member(
        &mut self,
        cx: &mut Ctx,
        instance: &str,
        new_member_id: &MemberId,
        old: OldStaticMember,
        leader: Option<MemberId>,
        error: GroupError,
    ) {
        let parked = self
            .members
            .get_mut(new_member_id)
            .and_then(|m| m.awaiting_join.take());
        if self.members.static_member_id(instance) == Some(new_member_id) {
            self.members.set_member(
                new_member_id,
                old.protocols,
                old.rebalance_timeout_ms,
                old.session_timeout_ms,
                None,
            );
            self.members
                .replace_static_member(instance, new_member_id, old.member_id.clone());
            self.cancel(cx, GroupTimerKey::heartbeat(new_member_id));
            self.reschedule_heartbeat(cx, &old.member_id);
        }
        if let Some(parked) = parked {
            let response = self.static_join_error(leader, error);
            cx.respond(parked, GroupResponse::JoinGroup(response));
        }
    }

    /// Answers a restarted static member's JoinGroup, still waiting for its write, with `error`.
    fn fail_static_join(
        &mut self,
        cx: &mut Ctx,
        new_member_id: &MemberId,
        leader: Option<MemberId>,
        error: GroupError,
    ) {
        let parked = self
            .members
            .get_mut(new_member_id)
            .and_then(|m| m.awaiting_join.take());
        if let Some(parked) = parked {
            let response = self.static_join_error(leader, error);
            cx.respond(parked, GroupResponse::JoinGroup(response));
        }
    }

    /// The JoinGroup error of a failed static member write: no member id, the current
    /// generation and protocol, the leader from before the replacement.
    fn static_join_error(&self, leader: Option<MemberId>, error: GroupError) -> JoinGroupResponse {
        JoinGroupResponse {
            error: Some(error),
            generation_id: self.generation_id,
            protocol_name: self.protocol_name.clone(),
            leader,
            skip_assignment: false,
            member_id: None,
            members: Vec::new(),
        }
    }
}

/// What a restarted static member replaced, to put back if its write fails.
struct OldStaticMember {
    member_id: MemberId,
    protocols: Vec<JoinGroupRequestProtocol>,
    rebalance_timeout_ms: u64,
    session_timeout_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignor::TopicPartitionName;
    use crate::assignor::java_order::hash_map_order;
    use crate::group::{ConsumerProtocolSubscription, GroupMetadataMember, GroupMetadataWrite};

    const SESSION_MS: u64 = 10_000;

    fn join(client: &str, member_id: Option<MemberId>) -> JoinGroupRequest {
        let subscription = ConsumerProtocolSubscription::new(["orders"]);
        JoinGroupRequest {
            member_id,
            group_instance_id: None,
            client_id: client.to_string(),
            session_timeout_ms: SESSION_MS,
            rebalance_timeout_ms: 30_000,
            protocols: vec![
                JoinGroupRequestProtocol::new("range", subscription.clone()),
                JoinGroupRequestProtocol::new("roundrobin", subscription),
            ],
        }
    }

    /// `n` members join at t=0; the initial delay ends; the leader assigns orders-i to the i-th
    /// member; its record is reported committed at t=7000. Returns the group and the record.
    fn stable(n: usize) -> (ClassicGroup, GroupMetadataValue) {
        let mut group = ClassicGroup::new("billing", GroupConfig::default());
        let mut request = 0;
        let mut next = || {
            request += 1;
            RequestId(request)
        };
        for i in 0..n {
            let out = group.join_group(SimTime(0), next(), join(&format!("c{i}"), None));
            let Some((_, GroupResponse::JoinGroup(r))) = out.responses.first() else {
                panic!("MEMBER_ID_REQUIRED expected");
            };
            let id = r.member_id.clone();
            group.join_group(SimTime(0), next(), join(&format!("c{i}"), id));
        }
        let mut at = 0;
        while group.state() == PreparingRebalance {
            at += 3_000;
            group.on_timer(SimTime(at), GroupTimerKey::InitialRebalanceDelay);
        }
        assert_eq!(group.state(), CompletingRebalance);
        let ids = group.members.ids();
        let assignments = (0..)
            .zip(&ids)
            .map(|(p, id)| (id.clone(), vec![TopicPartitionName::new("orders", p)]))
            .collect();
        let leader = group.leader().cloned().expect("a leader");
        let sync = SyncGroupRequest {
            member_id: leader,
            group_instance_id: None,
            generation_id: group.generation_id(),
            protocol_name: None,
            assignments,
        };
        let out = group.sync_group(SimTime(at), next(), sync);
        assert_eq!(group.state(), CompletingRebalance, "waits for its record");
        let [GroupMetadataWrite { write, value }] = out.writes.as_slice() else {
            panic!("one GroupMetadata write: {:?}", out.writes);
        };
        group.on_write_complete(SimTime(7_000), *write, None);
        assert_eq!(group.state(), Stable);
        (group, value.clone())
    }

    /// Reloaded from the record written when the assignment was installed, the group is Stable
    /// with the same members (in the same order), leader, protocol, generation and assignment;
    /// each member supports only the chosen protocol, and each session timer runs from the load.
    #[test]
    fn a_reloaded_group_is_the_group_that_was_stored() {
        let (before, record) = stable(5);
        // Written while CompletingRebalance (entered at 6 s); Stable once committed (7 s).
        let now = GroupMetadataValue {
            current_state_timestamp: SimTime(6_000),
            ..before.to_metadata()
        };
        assert_eq!(record, now);
        let (after, out) =
            ClassicGroup::load("billing", GroupConfig::default(), &record, SimTime(50_000));
        assert_eq!(after.state(), Stable);
        assert_eq!(after.generation_id(), before.generation_id());
        assert_eq!(after.leader(), before.leader());
        assert_eq!(after.protocol_name(), Some("range"));
        let members = |g: &ClassicGroup| -> Vec<(MemberId, Vec<TopicPartitionName>)> {
            g.members()
                .map(|m| (m.member_id.clone(), m.assignment.clone()))
                .collect()
        };
        assert_eq!(members(&after), members(&before));
        for m in after.members() {
            let names: Vec<&str> = m.protocols.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, ["range"]);
            let key = GroupTimerKey::heartbeat(&m.member_id);
            assert_eq!(
                after.timer_deadline(&key),
                Some(SimTime(50_000 + SESSION_MS))
            );
        }
        assert_eq!(out.timers.len(), 5);
        assert!(after.validate().is_ok());
        // The next generated id follows the recorded ones.
        assert_eq!(after.member_ids_generated, 5);

        // Four members heartbeat to the new coordinator; the fifth never does and is removed at
        // its session timeout, counted from the load; the group rebalances.
        let mut group = after;
        let ids = group.members.ids();
        let (silent, talking) = ids.split_last().expect("members");
        for (i, id) in talking.iter().enumerate() {
            let beat = HeartbeatRequest {
                member_id: id.clone(),
                group_instance_id: None,
                generation_id: GenerationId(1),
            };
            let out = group.heartbeat(SimTime(55_000), RequestId(100 + i as u64), beat);
            assert_eq!(out.responses[0].1, GroupResponse::Heartbeat { error: None });
        }
        let deadline = SimTime(50_000 + SESSION_MS);
        for id in talking {
            let out = group.on_timer(deadline, GroupTimerKey::heartbeat(id));
            assert!(
                out.events.is_empty(),
                "{id} heartbeated: its old deadline is stale"
            );
        }
        let out = group.on_timer(deadline, GroupTimerKey::heartbeat(silent));
        assert!(out.events.contains(&GroupEvent::MemberRemoved {
            member_id: silent.clone(),
            reason: RemovalReason::SessionTimeout,
        }));
        assert_eq!(group.state(), PreparingRebalance);
        assert_eq!(group.members().count(), 4);
    }

    /// Kafka replays a record into a fresh `HashMap`, inserting its members in the record's
    /// order: the loaded iteration order is that map's, even when the coordinator that wrote it
    /// had grown its table (here 14 members filled it past 12, then 4 left).
    #[test]
    fn a_reloaded_group_iterates_its_members_as_a_fresh_hash_map_would() {
        let (mut group, _) = stable(14);
        let mut at = 8_000;
        for id in group.members.ids().into_iter().take(4) {
            at += 1;
            let leave = LeaveGroupRequest {
                member_id: Some(id),
                group_instance_id: None,
            };
            group.leave_group(SimTime(at), RequestId(1_000 + at), leave);
        }
        let record = group.to_metadata();
        let recorded: Vec<&str> = record
            .members
            .iter()
            .map(|m| m.member_id.as_str())
            .collect();
        assert_eq!(recorded.len(), 10);
        let (loaded, _) =
            ClassicGroup::load("billing", GroupConfig::default(), &record, SimTime(at));
        let order: Vec<&str> = loaded.members().map(|m| m.member_id.as_str()).collect();
        let expected: Vec<&str> = hash_map_order(&recorded, None)
            .into_iter()
            .map(|i| recorded[i])
            .collect();
        assert_eq!(order, expected);
    }

    /// A record without members (the group became Empty) loads an Empty group at the recorded
    /// generation, without timers.
    #[test]
    fn an_empty_record_loads_an_empty_group() {
        let record = GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation_id: GenerationId(4),
            protocol_name: None,
            leader: None,
            current_state_timestamp: SimTime(9),
            members: Vec::<GroupMetadataMember>::new(),
        };
        let (group, out) =
            ClassicGroup::load("billing", GroupConfig::default(), &record, SimTime(10));
        assert_eq!(
            (group.state(), group.generation_id(), group.leader()),
            (Empty, GenerationId(4), None)
        );
        assert!(out.timers.is_empty());
        assert!(group.validate().is_ok());
    }
}
