//! The classic group coordinator (`kafka_sim::group`) driven directly through its public API:
//! join and sync rounds, generations, liveness timers, static membership, commit validation and
//! protocol votes (kafka-semantics.md §5.1–5.4). Every test names the Kafka code it checks, in
//! `group-coordinator/src/main/java/org/apache/kafka/coordinator/group/`.
//!
//! The [`Harness`] plays the host broker: it hands out request ids, keeps the timers the group
//! asks for (fired in `(at, scheduling order)`, as the simulator's agenda does), stores the
//! GroupMetadata records the group writes (reporting each committed at once unless told to hold
//! them), and after every input checks that each state change is legal, `validate()` holds, no
//! timer key is both set and cancelled, and no request is answered twice.

use std::collections::BTreeMap;

use kafka_sim::SimTime;
use kafka_sim::assignor::TopicPartitionName;
use kafka_sim::assignor::java_order::hash_map_order;
use kafka_sim::group::*;
use kafka_sim::ids::Offset;

const SESSION_MS: u64 = 10_000;
const REBALANCE_MS: u64 = 30_000;
const DELAY_MS: u64 = 3_000;
/// When the first generation completes if a second member joins at t=0: every member added during
/// the initial delay extends it once more (`newMemberAdded`), so 3 s + 3 s.
const FIRST_GENERATION_AT: u64 = 2 * DELAY_MS;

struct Harness {
    group: ClassicGroup,
    now: SimTime,
    next_request: u64,
    next_seq: u64,
    timers: BTreeMap<GroupTimerKey, (SimTime, u64)>,
    responses: BTreeMap<RequestId, GroupResponse>,
    /// Events since the last `clear_events`.
    events: Vec<GroupEvent>,
    /// The state the events so far lead to (checks that transitions chain).
    state: GroupState,
    /// Report GroupMetadata writes committed as soon as they are asked for.
    auto_store: bool,
    /// Writes asked for and not reported yet (when `auto_store` is off).
    held: Vec<GroupMetadataWrite>,
    /// The latest committed GroupMetadata record, as a new coordinator would load it.
    stored: Option<GroupMetadataValue>,
}

impl Harness {
    fn new() -> Self {
        Harness::with_config(GroupConfig::default())
    }

    fn with_config(config: GroupConfig) -> Self {
        Harness {
            group: ClassicGroup::new("billing", config),
            now: SimTime::ZERO,
            next_request: 0,
            next_seq: 0,
            timers: BTreeMap::new(),
            responses: BTreeMap::new(),
            events: Vec::new(),
            state: GroupState::Empty,
            auto_store: true,
            held: Vec::new(),
            stored: None,
        }
    }

    /// A new coordinator: the group rebuilt from the latest committed GroupMetadata record at
    /// `at`, with no timers, responses or events carried over.
    fn reload(&self, at: u64) -> Harness {
        let value = self.stored.clone().expect("a stored GroupMetadata record");
        let (group, out) =
            ClassicGroup::load("billing", self.group.config().clone(), &value, SimTime(at));
        let mut h = Harness {
            group,
            now: SimTime(at),
            next_request: self.next_request,
            next_seq: 0,
            timers: BTreeMap::new(),
            responses: BTreeMap::new(),
            events: Vec::new(),
            state: if value.members.is_empty() {
                GroupState::Empty
            } else {
                GroupState::Stable
            },
            auto_store: true,
            held: Vec::new(),
            stored: Some(value),
        };
        h.apply(out);
        h
    }

    /// Reports the held write `write` (committed when `error` is `None`).
    fn complete_write(&mut self, write: WriteId, error: Option<GroupError>) {
        let i = self
            .held
            .iter()
            .position(|w| w.write == write)
            .expect("a held write");
        let held = self.held.remove(i);
        if error.is_none() {
            self.stored = Some(held.value);
        }
        let out = self.group.on_write_complete(self.now, write, error);
        self.apply(out);
    }

    /// Forgets the events so far (a test's setup).
    fn clear_events(&mut self) {
        self.events.clear();
    }

    fn request_id(&mut self) -> RequestId {
        self.next_request += 1;
        RequestId(self.next_request)
    }

    /// Applies one output as a host would, checking the coordinator's promises.
    fn apply(&mut self, out: Output) {
        for key in &out.cancel {
            assert!(
                out.timers.iter().all(|t| t.key != *key),
                "{key:?} set and cancelled"
            );
            self.timers.remove(key);
        }
        for timer in out.timers {
            assert!(timer.at >= self.now, "{timer:?} is in the past");
            self.next_seq += 1;
            self.timers.insert(timer.key, (timer.at, self.next_seq));
        }
        for (request, response) in out.responses {
            let previous = self.responses.insert(request, response);
            assert!(previous.is_none(), "{request:?} answered twice");
        }
        for event in &out.events {
            if let GroupEvent::GroupStateChanged { from, to } = event {
                assert!(
                    from.can_transition_to(*to),
                    "illegal transition {from} -> {to}"
                );
                assert_eq!(*from, self.state, "transition chain");
                self.state = *to;
            }
        }
        assert_eq!(self.state, self.group.state());
        self.events.extend(out.events);
        if let Err(why) = self.group.validate() {
            panic!("invalid group at {}: {why}", self.now);
        }
        self.held.extend(out.writes);
        while self.auto_store && !self.held.is_empty() {
            let write = self.held[0].write;
            self.complete_write(write, None);
        }
    }

    /// Fires every timer due at or before `until`, then sets the clock to `until`.
    fn advance_to(&mut self, until: u64) {
        let until = SimTime(until);
        assert!(until >= self.now, "time goes forward only");
        while let Some((key, (at, _))) = self
            .timers
            .iter()
            .filter(|(_, (at, _))| *at <= until)
            .min_by_key(|(_, (at, seq))| (*at, *seq))
            .map(|(k, v)| (k.clone(), *v))
        {
            self.timers.remove(&key);
            self.now = at;
            let out = self.group.on_timer(at, key);
            self.apply(out);
        }
        self.now = until;
    }

    fn join(&mut self, join: JoinGroupRequest) -> RequestId {
        let request = self.request_id();
        let out = self.group.join_group(self.now, request, join);
        self.apply(out);
        request
    }

    /// A new dynamic member: MEMBER_ID_REQUIRED, then the JoinGroup with its id (parked).
    fn new_member(&mut self, client: &str, protocols: &[&str]) -> (MemberId, RequestId) {
        self.try_new_member(client, protocols)
            .expect("MEMBER_ID_REQUIRED with an id")
    }

    fn try_new_member(
        &mut self,
        client: &str,
        protocols: &[&str],
    ) -> Option<(MemberId, RequestId)> {
        let first = self.join(join_request(client, None, None, protocols));
        let response = self.join_response(first);
        if response.error != Some(GroupError::MemberIdRequired) {
            return None;
        }
        let member_id = response.member_id.clone()?;
        let second = self.join(join_request(client, Some(&member_id), None, protocols));
        Some((member_id, second))
    }

    fn rejoin(&mut self, member_id: &MemberId) -> RequestId {
        let member = self.group.member(member_id).expect("a member").clone();
        let names: Vec<&str> = member.protocols.iter().map(|p| p.name.as_str()).collect();
        let instance = member.group_instance_id.as_deref();
        self.join(join_request(
            &member.client_id,
            Some(member_id),
            instance,
            &names,
        ))
    }

    fn sync(
        &mut self,
        member_id: &MemberId,
        assignments: Vec<(MemberId, Vec<TopicPartitionName>)>,
    ) -> RequestId {
        let request = self.request_id();
        let sync = SyncGroupRequest {
            member_id: member_id.clone(),
            group_instance_id: self.instance_of(member_id),
            generation_id: self.group.generation_id(),
            protocol_name: None,
            assignments,
        };
        let out = self.group.sync_group(self.now, request, sync);
        self.apply(out);
        request
    }

    fn heartbeat(
        &mut self,
        member_id: &MemberId,
        generation_id: GenerationId,
    ) -> Option<GroupError> {
        let request = self.request_id();
        let heartbeat = HeartbeatRequest {
            member_id: member_id.clone(),
            group_instance_id: self.instance_of(member_id),
            generation_id,
        };
        let out = self.group.heartbeat(self.now, request, heartbeat);
        self.apply(out);
        match &self.responses[&request] {
            GroupResponse::Heartbeat { error } => *error,
            other => panic!("not a heartbeat response: {other:?}"),
        }
    }

    fn leave(&mut self, member_id: &MemberId) -> Option<GroupError> {
        let request = self.request_id();
        let leave = LeaveGroupRequest {
            member_id: Some(member_id.clone()),
            group_instance_id: self.instance_of(member_id),
        };
        let out = self.group.leave_group(self.now, request, leave);
        self.apply(out);
        match &self.responses[&request] {
            GroupResponse::LeaveGroup { error } => *error,
            other => panic!("not a leave response: {other:?}"),
        }
    }

    fn commit(&mut self, member_id: &MemberId, generation_id: GenerationId) -> GroupResponse {
        let request = self.request_id();
        let commit = OffsetCommitRequest {
            member_id: Some(member_id.clone()),
            group_instance_id: self.instance_of(member_id),
            generation_id,
            offsets: vec![(tp(0), Offset(42))],
        };
        let out = self.group.commit_offsets(self.now, request, commit);
        self.apply(out);
        self.responses[&request].clone()
    }

    /// Advances to `until`, `members` heartbeating every 3 s with the group's generation.
    fn run_with_heartbeats(&mut self, until: u64, members: &[&MemberId]) {
        while self.now.0 + 3_000 <= until {
            let next = self.now.0 + 3_000;
            self.advance_to(next);
            for member_id in members {
                let generation_id = self.group.generation_id();
                self.heartbeat(member_id, generation_id);
            }
        }
        self.advance_to(until);
    }

    fn instance_of(&self, member_id: &MemberId) -> Option<String> {
        self.group
            .member(member_id)
            .and_then(|m| m.group_instance_id.clone())
    }

    fn join_response(&self, request: RequestId) -> &JoinGroupResponse {
        match self.responses.get(&request) {
            Some(GroupResponse::JoinGroup(response)) => response,
            other => panic!("no JoinGroup response for {request:?}: {other:?}"),
        }
    }

    fn sync_response(&self, request: RequestId) -> &SyncGroupResponse {
        match self.responses.get(&request) {
            Some(GroupResponse::SyncGroup(response)) => response,
            other => panic!("no SyncGroup response for {request:?}: {other:?}"),
        }
    }

    fn removed(&self) -> Vec<(MemberId, RemovalReason)> {
        let removals = self.events.iter().filter_map(|e| match e {
            GroupEvent::MemberRemoved { member_id, reason } => Some((member_id.clone(), *reason)),
            _ => None,
        });
        removals.collect()
    }

    fn rebalances(&self) -> Vec<RebalanceReason> {
        let starts = self.events.iter().filter_map(|e| match e {
            GroupEvent::RebalanceStarted { reason, .. } => Some(reason.clone()),
            _ => None,
        });
        starts.collect()
    }
}

fn tp(partition: u32) -> TopicPartitionName {
    TopicPartitionName::new("orders", partition)
}

fn join_request(
    client: &str,
    member_id: Option<&MemberId>,
    instance: Option<&str>,
    protocols: &[&str],
) -> JoinGroupRequest {
    let subscription = ConsumerProtocolSubscription::new(["orders"]);
    JoinGroupRequest {
        member_id: member_id.cloned(),
        group_instance_id: instance.map(str::to_string),
        client_id: client.to_string(),
        session_timeout_ms: SESSION_MS,
        rebalance_timeout_ms: REBALANCE_MS,
        protocols: protocols
            .iter()
            .map(|name| JoinGroupRequestProtocol::new(*name, subscription.clone()))
            .collect(),
    }
}

/// Partition i to member i; followers sync first, the leader last.
fn sync_all(h: &mut Harness, members: &[MemberId]) -> Vec<RequestId> {
    let leader = h.group.leader().expect("a leader").clone();
    let assignments: Vec<_> = (0..)
        .zip(members)
        .map(|(i, m)| (m.clone(), vec![tp(i)]))
        .collect();
    let mut requests: Vec<RequestId> = members
        .iter()
        .filter(|m| **m != leader)
        .map(|m| h.sync(m, Vec::new()))
        .collect();
    requests.push(h.sync(&leader, assignments));
    requests
}

/// `n` ≥ 2 dynamic members join at t=0; generation 1 completes at 6 s and becomes Stable.
fn stable_group(n: usize) -> (Harness, Vec<MemberId>) {
    let mut h = Harness::new();
    let members: Vec<MemberId> = (1..=n)
        .map(|i| h.new_member(&format!("c{i}"), &["range"]).0)
        .collect();
    h.advance_to(FIRST_GENERATION_AT);
    sync_all(&mut h, &members);
    assert_eq!(h.group.state(), GroupState::Stable);
    h.clear_events();
    (h, members)
}

/// The first JoinGroup of an empty group is parked for `group.initial.rebalance.delay.ms`, then
/// generation 1 completes with the joiner as leader.
/// Reference: GroupMetadataManager#prepareRebalance (initial delay) and
/// #tryCompleteInitialRebalanceElseSchedule.
#[test]
fn first_join_waits_for_the_initial_rebalance_delay() {
    let mut h = Harness::new();
    let (member, join) = h.new_member("c1", &["range"]);
    assert_eq!(h.group.state(), GroupState::PreparingRebalance);
    h.advance_to(DELAY_MS - 1);
    assert!(!h.responses.contains_key(&join));
    h.advance_to(DELAY_MS);
    let response = h.join_response(join);
    assert_eq!(response.error, None);
    assert_eq!(response.generation_id, GenerationId(1));
    assert_eq!(response.leader.as_ref(), Some(&member));
    assert_eq!(response.protocol_name.as_deref(), Some("range"));
    assert_eq!(h.group.state(), GroupState::CompletingRebalance);
}

/// A new member joining during the initial delay extends it by another delay (bounded by the
/// rebalance timeout), so both join the same first generation.
/// Reference: GroupMetadataManager#addMemberThenRebalanceOrCompleteJoin (newMemberAdded) and
/// #tryCompleteInitialRebalanceElseSchedule.
#[test]
fn a_member_joining_during_the_initial_delay_extends_it() {
    let mut h = Harness::new();
    let (_, first) = h.new_member("c1", &["range"]);
    h.advance_to(1_000);
    let (_, second) = h.new_member("c2", &["range"]);
    h.advance_to(2 * DELAY_MS - 1);
    assert!(!h.responses.contains_key(&first));
    h.advance_to(2 * DELAY_MS);
    assert_eq!(h.join_response(first).generation_id, GenerationId(1));
    assert_eq!(h.join_response(second).generation_id, GenerationId(1));
}

/// A dynamic member's first JoinGroup (no member id) is answered MEMBER_ID_REQUIRED at once with
/// a generated id (`client_id-n`); it is only a pending member until it rejoins with the id.
/// Reference: KIP-394; GroupMetadataManager#classicGroupJoinNewDynamicMember.
#[test]
fn a_new_dynamic_member_is_first_told_member_id_required() {
    let mut h = Harness::new();
    let request = h.join(join_request("c1", None, None, &["range"]));
    let response = h.join_response(request);
    assert_eq!(response.error, Some(GroupError::MemberIdRequired));
    assert_eq!(response.member_id, Some(MemberId::from("c1-1")));
    assert_eq!(h.group.state(), GroupState::Empty);
    assert_eq!(h.group.members().count(), 0);
    let pending = GroupTimerKey::heartbeat(&MemberId::from("c1-1"));
    assert_eq!(h.group.timer_deadline(&pending), Some(SimTime(SESSION_MS)));
}

/// Only the leader's JoinGroup response carries the members' subscriptions, in the iteration
/// order of Kafka's members `HashMap`; followers get an empty list and the leader's id.
/// Reference: GroupMetadataManager#completeClassicGroupJoin and
/// ClassicGroup#currentClassicGroupMembers.
#[test]
fn the_leader_gets_every_subscription_and_followers_get_none() {
    let mut h = Harness::new();
    let (leader, leader_join) = h.new_member("c1", &["range"]);
    let (follower, follower_join) = h.new_member("c2", &["range"]);
    h.advance_to(FIRST_GENERATION_AT);
    let to_leader = h.join_response(leader_join);
    let listed: Vec<&str> = to_leader
        .members
        .iter()
        .map(|m| m.member_id.as_str())
        .collect();
    let ids = [leader.as_str(), follower.as_str()];
    let kafka_order: Vec<&str> = hash_map_order(&ids, None)
        .into_iter()
        .map(|i| ids[i])
        .collect();
    assert_eq!(listed, kafka_order);
    assert_eq!(
        to_leader.members[0].metadata.topics,
        vec!["orders".to_string()]
    );
    let to_follower = h.join_response(follower_join);
    assert!(to_follower.members.is_empty());
    assert_eq!(to_follower.leader.as_ref(), Some(&leader));
}

/// Each completed join phase bumps the generation by one.
/// Reference: ClassicGroup#initNextGeneration.
#[test]
fn each_completed_join_phase_increments_the_generation() {
    let (mut h, members) = stable_group(2);
    assert_eq!(h.group.generation_id(), GenerationId(1));
    let first = h.rejoin(&members[0]);
    let second = h.rejoin(&members[1]);
    assert_eq!(h.join_response(first).generation_id, GenerationId(2));
    assert_eq!(h.join_response(second).generation_id, GenerationId(2));
}

/// While the group prepares a rebalance, a heartbeat of the current generation is answered
/// REBALANCE_IN_PROGRESS, telling the member to rejoin.
/// Reference: GroupMetadataManager#classicGroupHeartbeatToClassicGroup.
#[test]
fn a_heartbeat_during_a_rebalance_gets_rebalance_in_progress() {
    let (mut h, members) = stable_group(2);
    assert_eq!(h.heartbeat(&members[1], GenerationId(1)), None);
    h.new_member("c3", &["range"]);
    assert_eq!(h.group.state(), GroupState::PreparingRebalance);
    assert_eq!(
        h.heartbeat(&members[1], GenerationId(1)),
        Some(GroupError::RebalanceInProgress)
    );
}

/// A member that stops heartbeating is still a member until `session.timeout.ms` has passed.
/// Reference: GroupMetadataManager#rescheduleClassicGroupMemberHeartbeat.
#[test]
fn a_silent_member_stays_until_its_session_times_out() {
    let (mut h, members) = stable_group(2);
    let deadline = FIRST_GENERATION_AT + SESSION_MS; // sessions restart with the assignment
    h.run_with_heartbeats(deadline - 1, &[&members[0]]);
    assert_eq!(h.group.state(), GroupState::Stable);
    assert_eq!(h.group.members().count(), 2);
    assert!(h.removed().is_empty());
}

/// A member that misses its session timeout is removed and the group rebalances.
/// Reference: GroupMetadataManager#expireClassicGroupMemberHeartbeat and
/// #removeMemberAndUpdateClassicGroup.
#[test]
fn session_timeout_removes_a_crashed_member_and_rebalances() {
    let (mut h, members) = stable_group(2);
    h.run_with_heartbeats(FIRST_GENERATION_AT + SESSION_MS, &[&members[0]]);
    assert_eq!(
        h.removed(),
        vec![(members[1].clone(), RemovalReason::SessionTimeout)]
    );
    let reason = RebalanceReason::SessionTimeout {
        member_id: members[1].clone(),
    };
    assert_eq!(h.rebalances(), vec![reason]);
    assert_eq!(h.group.state(), GroupState::PreparingRebalance);
}

/// LeaveGroup removes the member and starts a rebalance in the same step, without waiting for
/// any timeout.
/// Reference: GroupMetadataManager#classicGroupLeaveToClassicGroup.
#[test]
fn leave_group_triggers_an_immediate_rebalance() {
    let (mut h, members) = stable_group(2);
    h.advance_to(10_000);
    assert_eq!(h.leave(&members[1]), None);
    assert_eq!(
        h.removed(),
        vec![(members[1].clone(), RemovalReason::LeaveGroup)]
    );
    assert_eq!(h.group.state(), GroupState::PreparingRebalance);
    let join_deadline = h.group.timer_deadline(&GroupTimerKey::Join);
    assert_eq!(join_deadline, Some(SimTime(10_000 + REBALANCE_MS)));
}

/// Outside the initial rebalance, the join phase completes as soon as every member has rejoined,
/// long before the rebalance timeout.
/// Reference: GroupMetadataManager#maybeCompleteJoinPhase.
#[test]
fn the_join_phase_completes_as_soon_as_all_members_rejoin() {
    let (mut h, members) = stable_group(2);
    h.advance_to(10_000);
    let first = h.rejoin(&members[0]);
    assert!(h.group.timer_deadline(&GroupTimerKey::Join).is_some());
    h.advance_to(10_100);
    let second = h.rejoin(&members[1]);
    assert_eq!(h.join_response(first).generation_id, GenerationId(2));
    assert_eq!(h.join_response(second).generation_id, GenerationId(2));
    assert_eq!(h.group.timer_deadline(&GroupTimerKey::Join), None);
    assert_eq!(h.group.state(), GroupState::CompletingRebalance);
}

/// A dynamic member that does not rejoin within the rebalance timeout (max of the members'
/// `max.poll.interval.ms`) is removed when the join phase completes, even if it heartbeats.
/// Reference: GroupMetadataManager#completeClassicGroupJoin (notYetRejoinedDynamicMembers).
#[test]
fn a_member_that_does_not_rejoin_within_the_rebalance_timeout_is_removed() {
    let (mut h, members) = stable_group(2);
    h.advance_to(10_000);
    let rejoined = h.rejoin(&members[0]);
    h.run_with_heartbeats(10_000 + REBALANCE_MS - 1, &[&members[1]]);
    assert_eq!(h.group.state(), GroupState::PreparingRebalance);
    h.advance_to(10_000 + REBALANCE_MS);
    assert_eq!(
        h.removed(),
        vec![(members[1].clone(), RemovalReason::RebalanceTimeout)]
    );
    let response = h.join_response(rejoined);
    assert_eq!(response.generation_id, GenerationId(2));
    assert_eq!(response.members.len(), 1);
}

/// Members that do not send SyncGroup within the rebalance timeout after the join phase are
/// removed (here the heartbeating leader), parked SyncGroups get REBALANCE_IN_PROGRESS, and the
/// group rebalances.
/// Reference: GroupMetadataManager#schedulePendingSync and #expirePendingSync.
#[test]
fn members_that_never_sync_are_removed_at_the_sync_timeout() {
    let mut h = Harness::new();
    let (leader, _) = h.new_member("c1", &["range"]);
    let (follower, _) = h.new_member("c2", &["range"]);
    h.advance_to(FIRST_GENERATION_AT);
    h.clear_events();
    let parked = h.sync(&follower, Vec::new());
    h.run_with_heartbeats(FIRST_GENERATION_AT + REBALANCE_MS - 1, &[&leader]);
    assert_eq!(h.group.state(), GroupState::CompletingRebalance);
    assert!(!h.responses.contains_key(&parked));
    h.advance_to(FIRST_GENERATION_AT + REBALANCE_MS);
    assert_eq!(
        h.removed(),
        vec![(leader.clone(), RemovalReason::SyncTimeout)]
    );
    assert_eq!(
        h.sync_response(parked).error,
        Some(GroupError::RebalanceInProgress)
    );
    assert_eq!(
        h.rebalances(),
        vec![RebalanceReason::SyncTimeout {
            members: vec![leader]
        }]
    );
}

/// A restarted static member (same `group.instance.id`, no member id) takes over its slot under
/// a new member id without a rebalance: same generation, same assignment; the old id is fenced.
/// Reference: KIP-345; GroupMetadataManager#updateStaticMemberThenRebalanceOrCompleteJoin and
/// ClassicGroup#replaceStaticMember.
#[test]
fn a_restarted_static_member_takes_over_its_slot_without_a_rebalance() {
    let mut h = Harness::new();
    h.join(join_request("c1", None, Some("i1"), &["range"]));
    h.join(join_request("c2", None, Some("i2"), &["range"]));
    h.advance_to(FIRST_GENERATION_AT);
    let members: Vec<MemberId> = ["i1-1", "i2-2"].map(MemberId::from).to_vec();
    sync_all(&mut h, &members);
    h.advance_to(10_000);
    h.clear_events();
    let restart = h.join(join_request("c2", None, Some("i2"), &["range"]));
    let response = h.join_response(restart).clone();
    let new_id = response.member_id.clone().expect("a new id");
    assert_eq!(
        (response.error, response.generation_id),
        (None, GenerationId(1))
    );
    assert_eq!(new_id, MemberId::from("i2-3"));
    assert!(h.rebalances().is_empty());
    assert_eq!(h.group.state(), GroupState::Stable);
    let sync = h.sync(&new_id, Vec::new());
    assert_eq!(h.sync_response(sync).assignment, vec![tp(1)]);
    let request = h.request_id();
    let stale = HeartbeatRequest {
        member_id: members[1].clone(),
        group_instance_id: Some("i2".into()),
        generation_id: GenerationId(1),
    };
    let out = h.group.heartbeat(h.now, request, stale);
    h.apply(out);
    let fenced = Some(GroupError::FencedInstanceId);
    assert_eq!(
        h.responses[&request],
        GroupResponse::Heartbeat { error: fenced }
    );
}

/// An OffsetCommit from an older generation is rejected with ILLEGAL_GENERATION; one from the
/// current generation is accepted.
/// Reference: ClassicGroup#validateOffsetCommit.
#[test]
fn a_commit_from_a_stale_generation_is_rejected_with_illegal_generation() {
    let (mut h, members) = stable_group(2);
    h.rejoin(&members[0]);
    h.rejoin(&members[1]);
    sync_all(&mut h, &members);
    assert_eq!(h.group.generation_id(), GenerationId(2));
    let stale = h.commit(&members[1], GenerationId(1));
    let rejected = GroupResponse::OffsetCommit {
        error: Some(GroupError::IllegalGeneration),
        offsets: Vec::new(),
    };
    assert_eq!(stale, rejected);
    let current = h.commit(&members[1], GenerationId(2));
    let accepted = GroupResponse::OffsetCommit {
        error: None,
        offsets: vec![(tp(0), Offset(42))],
    };
    assert_eq!(current, accepted);
}

/// Each member votes for its most preferred protocol; the most votes win.
/// Reference: ClassicGroup#selectProtocol and ClassicGroupMember#vote.
#[test]
fn the_protocol_is_chosen_by_member_votes() {
    let mut h = Harness::new();
    let (_, join) = h.new_member("c1", &["range", "roundrobin"]);
    h.new_member("c2", &["roundrobin", "range"]);
    h.new_member("c3", &["roundrobin", "range"]);
    h.advance_to(FIRST_GENERATION_AT);
    assert_eq!(
        h.join_response(join).protocol_name.as_deref(),
        Some("roundrobin")
    );
}

/// Only protocols every member supports are candidates, whatever the preferences.
/// Reference: ClassicGroup#candidateProtocols.
#[test]
fn only_protocols_every_member_supports_can_win_the_vote() {
    let mut h = Harness::new();
    let (_, join) = h.new_member("c1", &["roundrobin", "range"]);
    h.new_member("c2", &["range"]);
    h.advance_to(FIRST_GENERATION_AT);
    assert_eq!(
        h.join_response(join).protocol_name.as_deref(),
        Some("range")
    );
}

/// A session timeout outside `group.min/max.session.timeout.ms` is refused at once.
/// Reference: GroupCoordinatorService#joinGroup.
#[test]
fn a_session_timeout_outside_the_broker_range_is_rejected() {
    let mut h = Harness::new();
    let mut join = join_request("c1", None, None, &["range"]);
    join.session_timeout_ms = 5_999;
    let request = h.join(join);
    assert_eq!(
        h.join_response(request).error,
        Some(GroupError::InvalidSessionTimeout)
    );
    assert_eq!(h.group.state(), GroupState::Empty);
}

/// The coordinator checks the leader's assignment when installing it: a partition given to two
/// members of one generation is reported.
/// Reference: style.md §6.6 pair assertions (Kafka's own leader never produces this).
#[test]
fn a_partition_assigned_twice_is_reported_as_an_invariant_violation() {
    let mut h = Harness::new();
    let (leader, _) = h.new_member("c1", &["range"]);
    let (follower, _) = h.new_member("c2", &["range"]);
    h.advance_to(FIRST_GENERATION_AT);
    h.sync(
        &leader,
        vec![
            (leader.clone(), vec![tp(0)]),
            (follower.clone(), vec![tp(0)]),
        ],
    );
    let violations = h.events.iter().filter(|e| {
        let invariant = GroupInvariant::SingleOwnerPerGeneration;
        matches!(e, GroupEvent::InvariantViolated { invariant: i, .. } if *i == invariant)
    });
    assert_eq!(violations.count(), 1);
}

/// `can_transition_to` is Kafka's valid-previous-states table.
/// Reference: ClassicGroupState (static initializer).
#[test]
fn can_transition_to_is_kafkas_valid_previous_states_table() {
    use GroupState::*;
    let valid_previous: [(GroupState, &[GroupState]); 5] = [
        (Empty, &[PreparingRebalance]),
        (PreparingRebalance, &[Stable, CompletingRebalance, Empty]),
        (CompletingRebalance, &[PreparingRebalance]),
        (Stable, &[CompletingRebalance]),
        (
            Dead,
            &[Stable, PreparingRebalance, CompletingRebalance, Empty, Dead],
        ),
    ];
    for (to, previous) in valid_previous {
        for from in GroupState::ALL {
            assert_eq!(
                from.can_transition_to(to),
                previous.contains(&from),
                "{from} -> {to}"
            );
        }
    }
}

/// SplitMix64: a tiny seeded generator for the random walk below.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// One random input: joins (new, static, re-), syncs (with random, possibly overlapping
/// assignments), heartbeats and commits (current or stale generation), leaves, the passing of
/// time, GroupMetadata writes held and then committed or failed, rarely an unload, and rarely a
/// new coordinator reloading the group from its latest stored record.
fn random_step(h: &mut Harness, rng: &mut Rng, known: &mut Vec<MemberId>) {
    let pick =
        |rng: &mut Rng, known: &[MemberId]| known[rng.below(known.len() as u64) as usize].clone();
    let generation = GenerationId(h.group.generation_id().0 - rng.below(2) as i32);
    let orders: [&[&str]; 3] = [
        &["range", "roundrobin"],
        &["roundrobin", "range"],
        &["roundrobin"],
    ];
    match rng.below(24) {
        0..=1 => {
            let client = format!("c{}", rng.below(3));
            let protocols = orders[rng.below(3) as usize];
            known.extend(h.try_new_member(&client, protocols).map(|(id, _)| id));
        }
        2 => {
            let instance = format!("i{}", rng.below(2));
            h.join(join_request("s", None, Some(&instance), orders[0]));
            let instance = Some(instance);
            let joined = h.group.members().find(|m| m.group_instance_id == instance);
            known.extend(joined.map(|m| m.member_id.clone()));
        }
        3..=5 if !known.is_empty() => {
            let id = pick(rng, known);
            if let Some(member) = h.group.member(&id).cloned() {
                let instance = member.group_instance_id.as_deref();
                let protocols = orders[rng.below(2) as usize]; // sometimes new metadata
                h.join(join_request(
                    &member.client_id,
                    Some(&id),
                    instance,
                    protocols,
                ));
            }
        }
        6..=9 if !known.is_empty() => {
            let leader = h.group.leader().cloned().filter(|_| rng.below(2) == 0);
            let id = leader.unwrap_or_else(|| pick(rng, known));
            let members: Vec<MemberId> = h.group.members().map(|m| m.member_id.clone()).collect();
            let assignments = members
                .into_iter()
                .map(|m| (m, vec![tp(rng.below(8) as u32)]))
                .collect();
            h.sync(&id, assignments);
        }
        10..=11 if !known.is_empty() => {
            let id = pick(rng, known);
            h.heartbeat(&id, generation);
        }
        12..=13 => {
            let members: Vec<MemberId> = h.group.members().map(|m| m.member_id.clone()).collect();
            for id in members.iter().filter(|_| rng.below(4) != 0) {
                h.heartbeat(id, h.group.generation_id());
            }
        }
        14 if !known.is_empty() => {
            let id = pick(rng, known);
            h.leave(&id);
        }
        15 if !known.is_empty() => {
            let id = pick(rng, known);
            h.commit(&id, generation);
        }
        16 if rng.below(50) == 0 => {
            let out = h.group.unload(h.now);
            h.apply(out);
        }
        // A new coordinator takes over from the latest committed record.
        17 if rng.below(10) == 0 && h.stored.is_some() => *h = h.reload(h.now.0),
        // GroupMetadata writes: held for a while, then committed or failed, in any order.
        18 => {
            h.auto_store = !h.auto_store;
            while h.auto_store && !h.held.is_empty() {
                let write = h.held[0].write;
                h.complete_write(write, None);
            }
        }
        19 if !h.held.is_empty() => {
            let write = h.held[rng.below(h.held.len() as u64) as usize].write;
            let errors = [
                None,
                Some(GroupError::CoordinatorNotAvailable),
                Some(GroupError::NotCoordinator),
            ];
            h.complete_write(write, errors[rng.below(3) as usize]);
        }
        _ => {
            let step = if rng.below(10) == 0 { 40_000 } else { 4_000 };
            let until = h.now.0 + rng.below(step);
            h.advance_to(until);
        }
    }
}

/// Random input sequences never drive the group through a transition `can_transition_to`
/// forbids, never break `validate()`, and never answer a request twice (checked by the harness
/// after every input).
/// Reference: ClassicGroup#transitionTo (assertValidTransition).
#[test]
fn random_inputs_never_make_an_illegal_transition() {
    let mut transitions = 0;
    for seed in 0..300 {
        let mut h = Harness::new();
        let mut rng = Rng(seed);
        let mut known = Vec::new();
        for _ in 0..300 {
            random_step(&mut h, &mut rng, &mut known);
        }
        let changes = h
            .events
            .iter()
            .filter(|e| matches!(e, GroupEvent::GroupStateChanged { .. }));
        transitions += changes.count();
    }
    assert!(
        transitions > 5_000,
        "the walk explored only {transitions} transitions"
    );
}

/// A group at `group.max.size` refuses a further member with GROUP_MAX_SIZE_REACHED.
/// Reference: GroupMetadataManager#acceptJoiningMember.
#[test]
fn a_full_group_refuses_another_member() {
    let config = GroupConfig {
        group_max_size: 1,
        ..GroupConfig::default()
    };
    let mut h = Harness::with_config(config);
    h.new_member("c1", &["range"]);
    let second = h.join(join_request("c2", None, None, &["range"]));
    assert_eq!(
        h.join_response(second).error,
        Some(GroupError::GroupMaxSizeReached)
    );
    assert_eq!(h.group.members().count(), 1);
}

// ---- GroupMetadata records: storing and reloading ----------------------------------------------

/// The leader's SyncGroup asks the host to write the generation's GroupMetadata record; until the
/// host reports it committed the group stays CompletingRebalance and no SyncGroup is answered
/// (heartbeats still are). Then the assignment is installed: Stable, every SyncGroup answered.
/// The record holds the generation, protocol, leader and each member with its subscription and
/// assignment, in the group's member order.
/// Reference: GroupMetadataManager#classicGroupSyncToClassicGroup (appendFuture),
/// GroupCoordinatorRecordHelpers#newGroupMetadataRecord.
#[test]
fn the_assignment_is_installed_only_once_its_record_is_committed() {
    let mut h = Harness::new();
    h.auto_store = false;
    let (a, _) = h.new_member("c1", &["range"]);
    let (b, _) = h.new_member("c2", &["range"]);
    h.advance_to(FIRST_GENERATION_AT);
    let requests = sync_all(&mut h, &[a.clone(), b.clone()]);
    assert_eq!(h.group.state(), GroupState::CompletingRebalance);
    assert!(requests.iter().all(|r| !h.responses.contains_key(r)));
    assert_eq!(h.held.len(), 1);
    let write = h.held[0].clone();
    let record = &write.value;
    assert_eq!(
        (
            record.generation_id,
            record.protocol_name.as_deref(),
            record.leader.as_ref(),
            record.protocol_type.as_str()
        ),
        (GenerationId(1), Some("range"), Some(&a), "consumer")
    );
    let recorded: Vec<(MemberId, Vec<TopicPartitionName>)> = record
        .members
        .iter()
        .map(|m| (m.member_id.clone(), m.assignment.clone()))
        .collect();
    let in_group_order: Vec<MemberId> = h.group.members().map(|m| m.member_id.clone()).collect();
    let expected: Vec<(MemberId, Vec<TopicPartitionName>)> = in_group_order
        .into_iter()
        .map(|m| {
            let partitions = if m == a { vec![tp(0)] } else { vec![tp(1)] };
            (m, partitions)
        })
        .collect();
    assert_eq!(recorded, expected);
    assert!(record.members.iter().all(|m| {
        m.subscription.topics == ["orders"]
            && (m.session_timeout_ms, m.rebalance_timeout_ms) == (SESSION_MS, REBALANCE_MS)
    }));
    assert_eq!(h.heartbeat(&b, GenerationId(1)), None);
    h.advance_to(FIRST_GENERATION_AT + 40);
    h.complete_write(write.write, None);
    assert_eq!(h.group.state(), GroupState::Stable);
    assert_eq!(h.sync_response(requests[0]).assignment, vec![tp(1)]);
    assert_eq!(h.sync_response(requests[1]).assignment, vec![tp(0)]);
}

/// A write that fails (here COORDINATOR_NOT_AVAILABLE: too few in-sync replicas for
/// `__consumer_offsets`) resets the assignment, answers every parked SyncGroup with the error and
/// starts a rebalance; the group never became Stable.
/// Reference: classicGroupSyncToClassicGroup's appendFuture (resetAndPropagateAssignmentWithError,
/// maybePrepareRebalanceOrCompleteJoin); GroupMetaManagerHelper#appendGroupMetadataErrorToResponseError.
#[test]
fn a_failed_assignment_write_answers_the_syncs_with_its_error_and_rebalances() {
    let mut h = Harness::new();
    h.auto_store = false;
    let (a, _) = h.new_member("c1", &["range"]);
    let (b, _) = h.new_member("c2", &["range"]);
    h.advance_to(FIRST_GENERATION_AT);
    h.clear_events();
    let requests = sync_all(&mut h, &[a.clone(), b]);
    let write = h.held[0].write;
    h.complete_write(write, Some(GroupError::CoordinatorNotAvailable));
    for r in requests {
        let response = h.sync_response(r);
        assert_eq!(
            (response.error, response.assignment.is_empty()),
            (Some(GroupError::CoordinatorNotAvailable), true)
        );
    }
    assert_eq!(h.group.state(), GroupState::PreparingRebalance);
    assert!(h.group.members().all(|m| m.assignment.is_empty()));
    assert_eq!(
        h.rebalances(),
        vec![RebalanceReason::AssignmentNotStored {
            error: GroupError::CoordinatorNotAvailable
        }]
    );
    assert!(
        !h.events
            .iter()
            .any(|e| matches!(e, GroupEvent::AssignmentInstalled { .. }))
    );
}

/// A new coordinator loads the group from its latest record: Stable, same generation, leader,
/// members and assignments. Members that keep heartbeating stay as they were — no rebalance, no
/// removal — their commits for the generation are accepted and a SyncGroup returns the stored
/// assignment.
/// Reference: GroupMetadataManager#replay(GroupMetadataKey, GroupMetadataValue) and #onLoaded.
#[test]
fn a_reloaded_group_keeps_members_that_keep_heartbeating() {
    let (h, members) = stable_group(3);
    let assignment = |h: &Harness| -> Vec<(MemberId, Vec<TopicPartitionName>)> {
        h.group
            .members()
            .map(|m| (m.member_id.clone(), m.assignment.clone()))
            .collect()
    };
    let before = assignment(&h);
    let leader = h.group.leader().cloned();
    let mut h = h.reload(20_000);
    assert_eq!(
        h.events,
        vec![GroupEvent::Loaded {
            generation_id: GenerationId(1),
            state: GroupState::Stable,
            leader: leader.clone(),
            members: before.iter().map(|(m, _)| m.clone()).collect(),
        }]
    );
    let all: Vec<&MemberId> = members.iter().collect();
    h.run_with_heartbeats(80_000, &all);
    assert_eq!(
        (h.group.state(), h.group.generation_id()),
        (GroupState::Stable, GenerationId(1))
    );
    assert_eq!(h.group.leader().cloned(), leader);
    assert_eq!(assignment(&h), before);
    assert!(h.rebalances().is_empty() && h.removed().is_empty());
    let accepted = GroupResponse::OffsetCommit {
        error: None,
        offsets: vec![(tp(0), Offset(42))],
    };
    assert_eq!(h.commit(&members[1], GenerationId(1)), accepted);
    let sync = h.sync(&members[2], Vec::new());
    assert_eq!(h.sync_response(sync).assignment, vec![tp(2)]);
}

/// The new coordinator starts every loaded member's session at the load: one that never
/// heartbeats to it is removed `session.timeout.ms` later and the group rebalances.
/// Reference: GroupMetadataManager#onLoaded (rescheduleClassicGroupMemberHeartbeat) and
/// #expireClassicGroupMemberHeartbeat.
#[test]
fn a_reloaded_member_that_stays_silent_is_removed_after_its_session_timeout() {
    let (h, members) = stable_group(3);
    let mut h = h.reload(20_000);
    h.run_with_heartbeats(20_000 + SESSION_MS - 1, &[&members[0], &members[1]]);
    assert!(h.removed().is_empty());
    h.advance_to(20_000 + SESSION_MS);
    assert_eq!(
        h.removed(),
        vec![(members[2].clone(), RemovalReason::SessionTimeout)]
    );
    assert_eq!(
        h.rebalances(),
        vec![RebalanceReason::SessionTimeout {
            member_id: members[2].clone()
        }]
    );
    assert_eq!(h.group.state(), GroupState::PreparingRebalance);
}

/// When the last member leaves, the join phase completes without members: the group is Empty in
/// the next generation and stores that (no members, leader or protocol). A new coordinator loads
/// it Empty at that generation, and the next member to join starts the generation after it.
/// Reference: GroupMetadataManager#completeClassicGroupJoin (EMPTY: newGroupMetadataRecord) and
/// #replay.
#[test]
fn an_empty_group_is_stored_and_reloads_empty() {
    let (mut h, members) = stable_group(2);
    h.leave(&members[0]);
    h.leave(&members[1]);
    assert_eq!(
        (h.group.state(), h.group.generation_id()),
        (GroupState::Empty, GenerationId(2))
    );
    let stored = h.stored.clone().expect("stored");
    assert_eq!(
        (
            stored.generation_id,
            stored.members.len(),
            stored.leader.clone(),
            stored.protocol_name.clone()
        ),
        (GenerationId(2), 0, None, None)
    );
    let mut h = h.reload(30_000);
    assert_eq!(
        (h.group.state(), h.group.generation_id()),
        (GroupState::Empty, GenerationId(2))
    );
    assert_eq!(
        h.heartbeat(&members[0], GenerationId(2)),
        Some(GroupError::UnknownMemberId)
    );
    let (_, join) = h.new_member("c3", &["range"]);
    h.advance_to(30_000 + DELAY_MS);
    assert_eq!(h.join_response(join).generation_id, GenerationId(3));
}

/// A restarted static member's takeover in Stable is stored before its JoinGroup is answered. If
/// the write fails the old member id comes back (with its settings and assignment) and the
/// JoinGroup gets the error without a member id; a later takeover that is stored is answered, and
/// a new coordinator knows the new id.
/// Reference: GroupMetadataManager#updateStaticMemberThenRebalanceOrCompleteJoin (appendFuture).
#[test]
fn a_static_takeover_is_answered_once_stored_and_reverted_if_its_write_fails() {
    let mut h = Harness::new();
    h.join(join_request("c1", None, Some("i1"), &["range"]));
    h.join(join_request("c2", None, Some("i2"), &["range"]));
    h.advance_to(FIRST_GENERATION_AT);
    let members: Vec<MemberId> = ["i1-1", "i2-2"].map(MemberId::from).to_vec();
    sync_all(&mut h, &members);
    h.advance_to(10_000);
    h.clear_events();
    h.auto_store = false;
    let failed = h.join(join_request("c2", None, Some("i2"), &["range"]));
    assert!(!h.responses.contains_key(&failed));
    let write = h.held[0].clone();
    let ids: Vec<&str> = write
        .value
        .members
        .iter()
        .map(|m| m.member_id.as_str())
        .collect();
    assert!(ids.contains(&"i2-3") && !ids.contains(&"i2-2"), "{ids:?}");
    h.complete_write(write.write, Some(GroupError::CoordinatorNotAvailable));
    let response = h.join_response(failed).clone();
    assert_eq!(
        (response.error, response.member_id, response.generation_id),
        (
            Some(GroupError::CoordinatorNotAvailable),
            None,
            GenerationId(1)
        )
    );
    assert!(h.group.member(&MemberId::from("i2-3")).is_none());
    assert_eq!(
        h.group.member(&members[1]).map(|m| m.assignment.clone()),
        Some(vec![tp(1)])
    );
    assert_eq!(h.heartbeat(&members[1], GenerationId(1)), None);

    let stored = h.join(join_request("c2", None, Some("i2"), &["range"]));
    let write = h.held[0].write;
    h.complete_write(write, None);
    let new_id = MemberId::from("i2-4");
    let response = h.join_response(stored).clone();
    assert_eq!(
        (
            response.error,
            response.member_id.clone(),
            response.generation_id
        ),
        (None, Some(new_id.clone()), GenerationId(1))
    );
    assert!(h.rebalances().is_empty());
    let mut h = h.reload(12_000);
    assert_eq!(h.heartbeat(&new_id, GenerationId(1)), None);
    assert_eq!(
        h.group.member(&new_id).map(|m| m.assignment.clone()),
        Some(vec![tp(1)])
    );
}

/// A reloaded member supports only the group's protocol (the record keeps one subscription per
/// member): a follower that rejoins with its full protocol list no longer matches what the
/// coordinator knows, so the group rebalances, as Kafka's would after a coordinator move.
/// Reference: GroupMetadataManager#replay (supportedProtocols = the group's protocol only),
/// #classicGroupJoinExistingMember (`!member.matches(protocols)`).
#[test]
fn a_reloaded_follower_rejoining_with_all_its_protocols_triggers_a_rebalance() {
    let mut h = Harness::new();
    let (a, _) = h.new_member("c1", &["range", "roundrobin"]);
    let (b, _) = h.new_member("c2", &["range", "roundrobin"]);
    h.advance_to(FIRST_GENERATION_AT);
    sync_all(&mut h, &[a.clone(), b.clone()]);
    let follower = if h.group.leader() == Some(&a) { b } else { a };
    // Before the move, rejoining with unchanged metadata just returns the generation.
    let same = h.join(join_request(
        "c",
        Some(&follower),
        None,
        &["range", "roundrobin"],
    ));
    assert_eq!(h.join_response(same).generation_id, GenerationId(1));
    let mut h = h.reload(10_000);
    h.join(join_request(
        "c",
        Some(&follower),
        None,
        &["range", "roundrobin"],
    ));
    assert_eq!(
        h.rebalances(),
        vec![RebalanceReason::MemberMetadataChanged {
            member_id: follower
        }]
    );
}
