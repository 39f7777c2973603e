//! A classic group's state: [`GroupState`] with its legal transitions, and the group-level half
//! of [`ClassicGroup`] (fields, `transitionTo`, member validation, futures and timers).
//!
//! Mirrors `org.apache.kafka.coordinator.group.classic.ClassicGroupState` (per-state actions and
//! the `validPreviousStates` table, here [`GroupState::can_transition_to`]) and the group-level
//! parts of `ClassicGroup.java` (`transitionTo`, `validateOffsetCommit`,
//! `currentClassicGroupMembers`, `completeJoinFuture`, `completeSyncFuture`) and of
//! `GroupMetadataManager` (`validateSyncGroup`, `removePendingSyncMember`,
//! `rescheduleClassicGroupMemberHeartbeat`). The request handlers are in `coordinator.rs`.
//!
//! Kafka completes a parked request's future; here the answer goes to [`Output::responses`] under
//! the [`RequestId`] the host gave the request. Kafka's `timer.schedule(key, …)` becomes a
//! [`TimerRequest`]; the group remembers its live timers and ignores any other firing.

use crate::vec_map::VecMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::member::{ClassicGroupMember, JoinGroupRequestProtocol, Members};
use super::{
    GenerationId, GroupConfig, GroupError, GroupEvent, GroupInvariant, GroupMetadataMember,
    GroupMetadataValue, GroupMetadataWrite, GroupResponse, GroupTimerKey, JoinGroupResponse,
    JoinGroupResponseMember, MemberId, OffsetCommitRequest, Output, RemovalReason, RequestId,
    SyncGroupRequest, SyncGroupResponse, TimerRequest, WriteId,
};
use crate::assignor::TopicPartitionName;
use crate::time::SimTime;

use GroupState::{CompletingRebalance, Dead, Empty, PreparingRebalance, Stable};

/// The state of a classic consumer group (`ClassicGroupState`).
///
/// - **Empty** — no members; offsets are kept. Actions: JoinGroup from new members is answered
///   normally; SyncGroup, Heartbeat, LeaveGroup and member OffsetCommits get
///   `UNKNOWN_MEMBER_ID` (commits with generation -1 and no member id are accepted).
///   Transitions: a new member joins → PreparingRebalance; unloaded or expired → Dead.
/// - **PreparingRebalance** — collecting JoinGroups. Actions: Heartbeat and SyncGroup get
///   `REBALANCE_IN_PROGRESS`; LeaveGroup removes the member; JoinGroups are parked until every
///   expected member has joined; commits from the previous generation are allowed.
///   Transitions: join phase complete with members → CompletingRebalance; everyone gone →
///   Empty; unloaded → Dead.
/// - **CompletingRebalance** — waiting for the leader's assignment. Actions: Heartbeat is
///   answered normally; OffsetCommit gets `REBALANCE_IN_PROGRESS`; followers' SyncGroups are
///   parked until the leader's arrives. Transitions: the leader's SyncGroup → Stable; a new
///   member, changed metadata, a LeaveGroup or a member failure → PreparingRebalance;
///   unloaded → Dead.
/// - **Stable** — normal operation. Actions: heartbeats answered normally; SyncGroup returns
///   the current assignment; a follower rejoining with unchanged metadata gets the current
///   generation; commits from the current generation are allowed. Transitions: member failure,
///   LeaveGroup, the leader's JoinGroup, a follower's JoinGroup with new metadata →
///   PreparingRebalance; unloaded → Dead.
/// - **Dead** — the group is being removed (e.g. its partition moved to another broker).
///   Actions: every request gets `COORDINATOR_NOT_AVAILABLE`. Transitions: none (Dead → Dead is
///   allowed, as in Kafka).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GroupState {
    /// No members.
    Empty,
    /// Collecting JoinGroups for the next generation.
    PreparingRebalance,
    /// Waiting for the leader's SyncGroup.
    CompletingRebalance,
    /// Assignment installed; normal operation.
    Stable,
    /// Being removed.
    Dead,
}

impl GroupState {
    /// Every state, in declaration order.
    pub const ALL: [GroupState; 5] = [
        GroupState::Empty,
        GroupState::PreparingRebalance,
        GroupState::CompletingRebalance,
        GroupState::Stable,
        GroupState::Dead,
    ];

    /// Whether the group may go from `self` to `next`: `self` is one of `next`'s valid previous
    /// states in `ClassicGroupState`'s static table.
    pub fn can_transition_to(self, next: GroupState) -> bool {
        use GroupState::*;
        match next {
            Empty => matches!(self, PreparingRebalance),
            PreparingRebalance => matches!(self, Stable | CompletingRebalance | Empty),
            CompletingRebalance => matches!(self, PreparingRebalance),
            Stable => matches!(self, CompletingRebalance),
            Dead => matches!(
                self,
                Stable | PreparingRebalance | CompletingRebalance | Empty | Dead
            ),
        }
    }

    /// `ClassicGroup.canRebalance`: whether a rebalance may start from here.
    pub fn can_rebalance(self) -> bool {
        self.can_transition_to(GroupState::PreparingRebalance)
    }

    /// Kafka's name of the state, e.g. `PreparingRebalance`.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

impl fmt::Display for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a live timer carries besides its key (Kafka's closure arguments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TimerPayload {
    None,
    /// `tryCompleteInitialRebalanceElseSchedule(delayMs, remainingMs)`.
    InitialDelay {
        delay_ms: u64,
        remaining_ms: u64,
    },
    /// `expirePendingSync(generationId)`.
    Sync {
        generation_id: GenerationId,
    },
}

/// What a GroupMetadata write in flight does when it completes (Kafka's `appendFuture`
/// callbacks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum PendingWrite {
    /// `classicGroupSyncToClassicGroup`: install `assignment` and go Stable if the group is still
    /// CompletingRebalance in `generation_id`; on failure reset it and rebalance.
    Assignment {
        generation_id: GenerationId,
        assignment: Vec<(MemberId, Vec<TopicPartitionName>)>,
    },
    /// `updateStaticMemberThenRebalanceOrCompleteJoin` in Stable: answer the new member's
    /// JoinGroup; on failure put the old member back.
    StaticMember {
        group_instance_id: String,
        old_member_id: MemberId,
        new_member_id: MemberId,
        old_protocols: Vec<JoinGroupRequestProtocol>,
        old_rebalance_timeout_ms: u64,
        old_session_timeout_ms: u64,
        leader: Option<MemberId>,
    },
    /// `completeClassicGroupJoin` for a group that became Empty: nothing to do (Kafka warns).
    Empty,
}

/// One input's time and output.
pub(super) struct Ctx {
    pub(super) now: SimTime,
    pub(super) out: Output,
}

/// One classic consumer group at its coordinator: a pure state machine driven by requests and
/// timers (`ClassicGroup` + the classic handlers of `GroupMetadataManager`).
///
/// # Example
///
/// ```
/// use kafka_sim::SimTime;
/// use kafka_sim::group::*;
///
/// let mut group = ClassicGroup::new("billing", GroupConfig::default());
/// let subscription = ConsumerProtocolSubscription::new(["orders"]);
/// let mut join = JoinGroupRequest {
///     member_id: None,
///     group_instance_id: None,
///     client_id: "c1".into(),
///     session_timeout_ms: 45_000,
///     rebalance_timeout_ms: 300_000,
///     protocols: vec![JoinGroupRequestProtocol::new("range", subscription)],
/// };
/// // KIP-394: the first JoinGroup only fetches a member id.
/// let out = group.join_group(SimTime(0), RequestId(1), join.clone());
/// let GroupResponse::JoinGroup(response) = &out.responses[0].1 else { unreachable!() };
/// assert_eq!(response.error, Some(GroupError::MemberIdRequired));
/// join.member_id = response.member_id.clone();
/// // The real JoinGroup is parked for the initial rebalance delay.
/// let out = group.join_group(SimTime(10), RequestId(2), join);
/// assert!(out.responses.is_empty());
/// assert_eq!(group.state(), GroupState::PreparingRebalance);
/// let out = group.on_timer(SimTime(3_010), GroupTimerKey::InitialRebalanceDelay);
/// let GroupResponse::JoinGroup(response) = &out.responses[0].1 else { unreachable!() };
/// assert_eq!((out.responses[0].0, response.generation_id), (RequestId(2), GenerationId(1)));
/// assert_eq!(group.state(), GroupState::CompletingRebalance);
/// ```
#[derive(Clone, Debug)]
pub struct ClassicGroup {
    pub(super) group_id: String,
    pub(super) config: GroupConfig,
    pub(super) state: GroupState,
    pub(super) previous_state: GroupState,
    pub(super) state_timestamp: SimTime,
    pub(super) generation_id: GenerationId,
    pub(super) protocol_name: Option<String>,
    pub(super) members: Members,
    /// `newMemberAdded`: a member joined during the initial delay, so the delay is extended.
    pub(super) new_member_added: bool,
    /// Member ids handed out so far (the deterministic stand-in for Kafka's UUIDs).
    pub(super) member_ids_generated: u64,
    pub(super) timers: VecMap<GroupTimerKey, (SimTime, TimerPayload)>,
    /// GroupMetadata writes the host has not reported on yet.
    pub(super) pending_writes: VecMap<WriteId, PendingWrite>,
    pub(super) writes_issued: u64,
}

impl ClassicGroup {
    /// An Empty group at generation 0.
    pub fn new(group_id: impl Into<String>, config: GroupConfig) -> Self {
        ClassicGroup {
            group_id: group_id.into(),
            config,
            state: Empty,
            previous_state: Dead,
            state_timestamp: SimTime::ZERO,
            generation_id: GenerationId(0),
            protocol_name: None,
            members: Members::default(),
            new_member_added: false,
            member_ids_generated: 0,
            timers: VecMap::new(),
            pending_writes: VecMap::new(),
            writes_issued: 0,
        }
    }

    /// The group id.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }

    /// The coordinator configuration.
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The current state.
    pub fn state(&self) -> GroupState {
        self.state
    }

    /// When the group entered its current state (`currentStateTimestamp`).
    pub fn state_timestamp(&self) -> SimTime {
        self.state_timestamp
    }

    /// The current generation.
    pub fn generation_id(&self) -> GenerationId {
        self.generation_id
    }

    /// The protocol (assignor) chosen for the current generation.
    pub fn protocol_name(&self) -> Option<&str> {
        self.protocol_name.as_deref()
    }

    /// The leader.
    pub fn leader(&self) -> Option<&MemberId> {
        self.members.leader()
    }

    /// The members, in Kafka's iteration order.
    pub fn members(&self) -> impl Iterator<Item = &ClassicGroupMember> {
        self.members.iter()
    }

    /// One member.
    pub fn member(&self, member_id: &MemberId) -> Option<&ClassicGroupMember> {
        self.members.get(member_id)
    }

    /// When the timer `key` fires, if it is live.
    pub fn timer_deadline(&self, key: &GroupTimerKey) -> Option<SimTime> {
        self.timers.get(key).map(|(at, _)| *at)
    }

    /// GroupMetadata writes asked for and not yet reported complete.
    pub fn pending_writes(&self) -> usize {
        self.pending_writes.len()
    }

    /// The group as a GroupMetadata record would store it now (`newGroupMetadataRecord` with
    /// the members' current assignments).
    pub fn to_metadata(&self) -> GroupMetadataValue {
        self.metadata_value(|m| m.assignment.clone())
    }

    /// Checks the group's local invariants: no members when Empty and some when
    /// CompletingRebalance or Stable; a leader exactly when there are members; parked JoinGroups
    /// only while PreparingRebalance (or, in Stable, a restarted static member's while its
    /// GroupMetadata write is pending) and parked SyncGroups only while CompletingRebalance.
    pub fn validate(&self) -> Result<(), String> {
        self.members.validate()?;
        if self.state == Empty && !self.members.is_empty() {
            return Err(format!("Empty with {} members", self.members.len()));
        }
        if matches!(self.state, CompletingRebalance | Stable) && self.members.is_empty() {
            return Err(format!("{} without members", self.state));
        }
        // A restarted static member's JoinGroup waits in Stable for its GroupMetadata write.
        let storing: Vec<&MemberId> = self
            .pending_writes
            .values()
            .filter_map(|w| match w {
                PendingWrite::StaticMember { new_member_id, .. } => Some(new_member_id),
                _ => None,
            })
            .collect();
        let awaiting_join = self
            .members
            .iter()
            .filter(|m| m.is_awaiting_join())
            .filter(|m| !(self.state == Stable && storing.contains(&&m.member_id)))
            .count();
        if matches!(self.state, CompletingRebalance | Stable) && awaiting_join > 0 {
            return Err(format!(
                "{awaiting_join} parked JoinGroups in {}",
                self.state
            ));
        }
        let awaiting_sync = self.members.iter().filter(|m| m.is_awaiting_sync()).count();
        if self.state != CompletingRebalance && awaiting_sync > 0 {
            return Err(format!(
                "{awaiting_sync} parked SyncGroups in {}",
                self.state
            ));
        }
        Ok(())
    }

    /// A successful JoinGroup response for the current generation.
    pub(super) fn join_response(
        &self,
        member_id: &MemberId,
        with_members: bool,
        skip_assignment: bool,
    ) -> JoinGroupResponse {
        JoinGroupResponse {
            error: None,
            generation_id: self.generation_id,
            protocol_name: self.protocol_name.clone(),
            leader: self.members.leader().cloned(),
            skip_assignment,
            member_id: Some(member_id.clone()),
            members: if with_members {
                self.current_members()
            } else {
                Vec::new()
            },
        }
    }

    /// `currentClassicGroupMembers`: every member's metadata for the chosen protocol.
    pub(super) fn current_members(&self) -> Vec<JoinGroupResponseMember> {
        let protocol = self.protocol_name.as_deref().unwrap_or_default();
        self.members
            .iter()
            .map(|m| JoinGroupResponseMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                metadata: m.metadata(protocol).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// `classicGroupSync`'s Empty check + `validateSyncGroup`.
    pub(super) fn validate_sync_group(&self, sync: &SyncGroupRequest) -> Result<(), GroupError> {
        match self.state {
            Empty => return Err(GroupError::UnknownMemberId),
            Dead => return Err(GroupError::CoordinatorNotAvailable),
            _ => {}
        }
        self.members
            .validate_member(Some(&sync.member_id), sync.group_instance_id.as_deref())?;
        if sync.generation_id != self.generation_id {
            return Err(GroupError::IllegalGeneration);
        }
        match (&sync.protocol_name, &self.protocol_name) {
            (Some(asked), Some(chosen)) if asked != chosen => {
                Err(GroupError::InconsistentGroupProtocol)
            }
            _ => Ok(()),
        }
    }

    /// `removePendingSyncMember`: the sync timer stops once every member has synced.
    pub(super) fn remove_pending_sync_member(&mut self, cx: &mut Ctx, member_id: &MemberId) {
        self.members.remove_pending_sync(member_id);
        if self.members.pending_sync().is_empty() {
            self.cancel(cx, GroupTimerKey::Sync);
        }
    }

    /// The leader's assignment as `classicGroupSyncToClassicGroup` stores it: one entry per
    /// member in member order (a member the leader left out gets nothing; entries for
    /// non-members are dropped).
    pub(super) fn full_assignment(
        &self,
        assignments: Vec<(MemberId, Vec<TopicPartitionName>)>,
    ) -> Vec<(MemberId, Vec<TopicPartitionName>)> {
        let mut given: VecMap<MemberId, Vec<TopicPartitionName>> = crate::sort::map_of(assignments);
        self.members
            .ids()
            .into_iter()
            .map(|id| {
                let partitions = given.remove(&id).unwrap_or_default();
                (id, partitions)
            })
            .collect()
    }

    /// `newGroupMetadataRecord`: the group with each member's metadata for the chosen protocol
    /// and the given assignment.
    pub(super) fn metadata_value(
        &self,
        assignment_of: impl Fn(&ClassicGroupMember) -> Vec<TopicPartitionName>,
    ) -> GroupMetadataValue {
        let protocol = self.protocol_name.as_deref().unwrap_or_default();
        GroupMetadataValue {
            protocol_type: "consumer".to_string(),
            generation_id: self.generation_id,
            protocol_name: self.protocol_name.clone(),
            leader: self.members.leader().cloned(),
            current_state_timestamp: self.state_timestamp,
            members: self
                .members
                .iter()
                .map(|m| GroupMetadataMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    session_timeout_ms: m.session_timeout_ms,
                    subscription: m.metadata(protocol).cloned().unwrap_or_default(),
                    assignment: assignment_of(m),
                })
                .collect(),
        }
    }

    /// `storeGroup`: asks the host to append `value`; `pending` runs when it reports back.
    pub(super) fn store(&mut self, cx: &mut Ctx, value: GroupMetadataValue, pending: PendingWrite) {
        self.writes_issued += 1;
        let write = WriteId(self.writes_issued);
        self.pending_writes.insert(write, pending);
        cx.out.writes.push(GroupMetadataWrite { write, value });
    }

    /// The leader's SyncGroup once its GroupMetadata record is committed:
    /// `setAndPropagateAssignment` + Stable; then the single-owner invariant is checked, as
    /// Kafka's leader never would break it.
    pub(super) fn install_assignment(
        &mut self,
        cx: &mut Ctx,
        assignments: Vec<(MemberId, Vec<TopicPartitionName>)>,
    ) {
        let mut given: VecMap<MemberId, Vec<TopicPartitionName>> = crate::sort::map_of(assignments);
        let mut installed = VecMap::new();
        for member_id in self.members.ids() {
            let partitions = given.remove(&member_id).unwrap_or_default();
            if let Some(member) = self.members.get_mut(&member_id) {
                member.assignment = partitions.clone();
            }
            installed.insert(member_id.clone(), partitions);
            self.complete_sync_future(cx, &member_id, None, true);
        }
        self.transition_to(cx, Stable);
        cx.emit(GroupEvent::AssignmentInstalled {
            generation_id: self.generation_id,
            assignment: installed.clone(),
        });
        let mut owners: VecMap<&TopicPartitionName, &MemberId> = VecMap::new();
        for (member_id, partitions) in &installed {
            for tp in partitions {
                if let Some(other) = owners.insert(tp, member_id) {
                    let detail = format!(
                        "{tp} assigned to both {other} and {member_id} in generation {} of group {}",
                        self.generation_id, self.group_id
                    );
                    let invariant = GroupInvariant::SingleOwnerPerGeneration;
                    cx.emit(GroupEvent::InvariantViolated { invariant, detail });
                }
            }
        }
    }

    /// Answers a parked SyncGroup (`completeSyncFuture` in `propagateAssignment`) and, when
    /// `refresh_session`, restarts the member's session as Kafka does after propagating.
    pub(super) fn complete_sync_future(
        &mut self,
        cx: &mut Ctx,
        member_id: &MemberId,
        error: Option<GroupError>,
        refresh_session: bool,
    ) {
        let Some(member) = self.members.get_mut(member_id) else {
            return;
        };
        let Some(parked) = member.awaiting_sync.take() else {
            return;
        };
        let response = SyncGroupResponse {
            error,
            protocol_name: if error.is_none() {
                self.protocol_name.clone()
            } else {
                None
            },
            assignment: member.assignment.clone(),
        };
        cx.respond(parked, GroupResponse::SyncGroup(response));
        if refresh_session {
            self.reschedule_heartbeat(cx, member_id);
        }
    }

    /// `rescheduleClassicGroupMemberHeartbeat` with the member's session timeout.
    pub(super) fn reschedule_heartbeat(&mut self, cx: &mut Ctx, member_id: &MemberId) {
        if let Some(timeout) = self.members.get(member_id).map(|m| m.session_timeout_ms) {
            let key = GroupTimerKey::heartbeat(member_id);
            self.schedule(cx, key, timeout, TimerPayload::None);
        }
    }

    // ---- Offsets -----------------------------------------------------------------------------

    /// Validates an OffsetCommit (`ClassicGroup.validateOffsetCommit`, non-transactional); an
    /// accepted commit from a member refreshes its session in Stable and PreparingRebalance.
    pub fn commit_offsets(
        &mut self,
        now: SimTime,
        req: RequestId,
        commit: OffsetCommitRequest,
    ) -> Output {
        let mut cx = Ctx::new(now);
        let result = self.validate_offset_commit(&commit);
        if let (Ok(()), Some(member_id)) = (&result, &commit.member_id)
            && matches!(self.state, Stable | PreparingRebalance)
        {
            self.reschedule_heartbeat(&mut cx, member_id);
        }
        let (error, offsets) = match result {
            Ok(()) => (None, commit.offsets),
            Err(error) => (Some(error), Vec::new()),
        };
        cx.respond(req, GroupResponse::OffsetCommit { error, offsets });
        cx.out
    }

    /// `ClassicGroup.validateOffsetCommit` for a non-transactional commit.
    pub(super) fn validate_offset_commit(
        &self,
        commit: &OffsetCommitRequest,
    ) -> Result<(), GroupError> {
        if self.state == Dead {
            return Err(GroupError::CoordinatorNotAvailable);
        }
        if commit.generation_id.0 < 0 && self.state == Empty {
            return Ok(()); // a standalone consumer or the admin client
        }
        let instance = commit.group_instance_id.as_deref();
        if commit.generation_id.0 >= 0 || commit.member_id.is_some() || instance.is_some() {
            self.members
                .validate_member(commit.member_id.as_ref(), instance)?;
            if commit.generation_id != self.generation_id {
                return Err(GroupError::IllegalGeneration);
            }
        } else if self.state != Empty {
            return Err(GroupError::UnknownMemberId);
        }
        if self.state == CompletingRebalance {
            return Err(GroupError::RebalanceInProgress);
        }
        Ok(())
    }

    // ---- Plumbing ----------------------------------------------------------------------------

    /// `ClassicGroup.transitionTo`.
    pub(super) fn transition_to(&mut self, cx: &mut Ctx, next: GroupState) {
        debug_assert!(
            self.state.can_transition_to(next),
            "{} -> {next:?}",
            self.state
        );
        let from = self.state;
        self.previous_state = from;
        self.state = next;
        self.state_timestamp = cx.now;
        cx.emit(GroupEvent::GroupStateChanged { from, to: next });
    }

    /// Removes a member (or pending member): its parked JoinGroup is answered
    /// UNKNOWN_MEMBER_ID, its session timer cancelled.
    pub(super) fn remove_member(
        &mut self,
        cx: &mut Ctx,
        member_id: &MemberId,
        reason: RemovalReason,
    ) {
        let response = JoinGroupResponse::error(GroupError::UnknownMemberId, None);
        self.complete_join_future(cx, member_id, response);
        self.cancel(cx, GroupTimerKey::heartbeat(member_id));
        if self.members.remove(member_id).is_some() {
            cx.emit(GroupEvent::MemberRemoved {
                member_id: member_id.clone(),
                reason,
            });
        }
    }

    /// `completeJoinFuture`: answers the member's parked JoinGroup, if any.
    pub(super) fn complete_join_future(
        &mut self,
        cx: &mut Ctx,
        member_id: &MemberId,
        response: JoinGroupResponse,
    ) {
        if let Some(parked) = self
            .members
            .get_mut(member_id)
            .and_then(|m| m.awaiting_join.take())
        {
            cx.respond(parked, GroupResponse::JoinGroup(response));
        }
    }

    /// Sets timer `key` to fire `after_ms` from now. Kafka's one `classicGroupJoinKey` is two
    /// keys here, so setting either cancels the other.
    pub(super) fn schedule(
        &mut self,
        cx: &mut Ctx,
        key: GroupTimerKey,
        after_ms: u64,
        payload: TimerPayload,
    ) {
        match key {
            GroupTimerKey::InitialRebalanceDelay => self.cancel(cx, GroupTimerKey::Join),
            GroupTimerKey::Join => self.cancel(cx, GroupTimerKey::InitialRebalanceDelay),
            _ => {}
        }
        let at = cx.now.plus_ms(after_ms);
        self.timers.insert(key.clone(), (at, payload));
        cx.out.cancel.retain(|k| *k != key);
        cx.out.timers.retain(|t| t.key != key);
        cx.out.timers.push(TimerRequest { key, at });
    }

    /// Cancels timer `key` if it is live.
    pub(super) fn cancel(&mut self, cx: &mut Ctx, key: GroupTimerKey) {
        if self.timers.remove(&key).is_some() {
            cx.out.timers.retain(|t| t.key != key);
            cx.out.cancel.push(key);
        }
    }
}

impl Ctx {
    pub(super) fn new(now: SimTime) -> Self {
        Ctx {
            now,
            out: Output::default(),
        }
    }

    pub(super) fn respond(&mut self, request: RequestId, response: GroupResponse) {
        self.out.responses.push((request, response));
    }

    pub(super) fn join_error(
        &mut self,
        req: RequestId,
        error: GroupError,
        member: Option<MemberId>,
    ) {
        let response = JoinGroupResponse::error(error, member);
        self.respond(req, GroupResponse::JoinGroup(response));
    }

    pub(super) fn sync_error(&mut self, req: RequestId, error: GroupError) {
        let response = SyncGroupResponse {
            error: Some(error),
            protocol_name: None,
            assignment: Vec::new(),
        };
        self.respond(req, GroupResponse::SyncGroup(response));
    }

    pub(super) fn emit(&mut self, event: GroupEvent) {
        self.out.events.push(event);
    }
}
