//! A classic group's members: [`ClassicGroupMember`], the protocols they join with, and the
//! membership bookkeeping of `ClassicGroup.java` (`add`, `remove`, `replaceStaticMember`,
//! `maybeElectNewJoinedLeader`, `hasAllMembersJoined`, `selectProtocol`, `supportsProtocols`,
//! `validateMember`, pending join and sync members).
//!
//! Mirrors `org.apache.kafka.coordinator.group.classic.ClassicGroupMember` and the member half of
//! `ClassicGroup`. Kafka keeps members in a `HashMap<String, ClassicGroupMember>`, and its
//! iteration order decides the leader's member list, the next leader when the leader leaves, and
//! ties in the protocol vote. [`Members`] reproduces that order as `java_order::JavaHashSet`
//! does (bucket `spread(hash) & (capacity - 1)`, then insertion order; the table doubles past
//! 0.75 × capacity and never shrinks); it keeps its own copy because `JavaHashSet` is not `Clone`.

use crate::vec_map::{VecMap, VecSet};

use serde::{Deserialize, Serialize};

use super::{GroupError, GroupMetadataMember, MemberId, RequestId};
use crate::assignor::java_order::{hash_map_order, string_hash_code};
use crate::assignor::{Subscription, TopicPartitionName};

/// A consumer's metadata for one protocol (`ConsumerProtocolSubscription`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerProtocolSubscription {
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Partitions the member owns now (cooperative and sticky assignors).
    #[serde(default)]
    pub owned_partitions: Vec<TopicPartitionName>,
    /// Generation of `owned_partitions`; `None` when the member sends none.
    #[serde(default)]
    pub generation_id: Option<i32>,
}

impl ConsumerProtocolSubscription {
    /// A subscription to `topics`, owning nothing.
    pub fn new<T: Into<String>>(topics: impl IntoIterator<Item = T>) -> Self {
        ConsumerProtocolSubscription {
            topics: topics.into_iter().map(Into::into).collect(),
            owned_partitions: Vec::new(),
            generation_id: None,
        }
    }

    /// This metadata as the assignors take it, for `member_id`.
    pub fn to_subscription(
        &self,
        member_id: &MemberId,
        group_instance_id: Option<&str>,
    ) -> Subscription {
        Subscription {
            member_id: member_id.0.clone(),
            group_instance_id: group_instance_id.map(str::to_string),
            topics: self.topics.clone(),
            owned_partitions: self.owned_partitions.clone(),
            generation: self.generation_id,
        }
    }
}

/// One JoinGroup protocol (`JoinGroupRequestProtocol`): an assignor name and its metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupRequestProtocol {
    /// The assignor's name, e.g. `range` or `cooperative-sticky`.
    pub name: String,
    /// The member's metadata for it.
    pub metadata: ConsumerProtocolSubscription,
}

impl JoinGroupRequestProtocol {
    /// The protocol `name` with `metadata`.
    pub fn new(name: impl Into<String>, metadata: ConsumerProtocolSubscription) -> Self {
        JoinGroupRequestProtocol {
            name: name.into(),
            metadata,
        }
    }
}

/// A member of a classic group (`ClassicGroupMember`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassicGroupMember {
    /// The id the coordinator gave it.
    pub member_id: MemberId,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The client's `client.id`.
    pub client_id: String,
    /// The member's `max.poll.interval.ms`.
    pub rebalance_timeout_ms: u64,
    /// The member's `session.timeout.ms`.
    pub session_timeout_ms: u64,
    /// Supported protocols, most preferred first.
    pub protocols: Vec<JoinGroupRequestProtocol>,
    /// The member's partitions in the current generation.
    pub assignment: Vec<TopicPartitionName>,
    /// The parked JoinGroup (`awaitingJoinFuture`).
    pub(super) awaiting_join: Option<RequestId>,
    /// The parked SyncGroup (`awaitingSyncFuture`).
    pub(super) awaiting_sync: Option<RequestId>,
    /// Added in the current join phase (`isNew`): it may be expired while awaiting join.
    pub(super) is_new: bool,
    /// Insertion sequence in the emulated `HashMap`.
    sequence: u64,
}

impl ClassicGroupMember {
    /// A member that is not yet in a group.
    pub(super) fn new(
        member_id: MemberId,
        request: &super::JoinGroupRequest,
        awaiting_join: Option<RequestId>,
    ) -> Self {
        ClassicGroupMember {
            member_id,
            group_instance_id: request.group_instance_id.clone(),
            client_id: request.client_id.clone(),
            rebalance_timeout_ms: request.rebalance_timeout_ms,
            session_timeout_ms: request.session_timeout_ms,
            protocols: request.protocols.clone(),
            assignment: Vec::new(),
            awaiting_join,
            awaiting_sync: None,
            is_new: false,
            sequence: 0,
        }
    }

    /// A member rebuilt from a GroupMetadata record (`GroupMetadataManager.replay`): it supports
    /// only the group's protocol, with the metadata recorded for it.
    pub(super) fn loaded(recorded: &GroupMetadataMember, protocol_name: &str) -> Self {
        ClassicGroupMember {
            member_id: recorded.member_id.clone(),
            group_instance_id: recorded.group_instance_id.clone(),
            client_id: recorded.client_id.clone(),
            rebalance_timeout_ms: recorded.rebalance_timeout_ms,
            session_timeout_ms: recorded.session_timeout_ms,
            protocols: vec![JoinGroupRequestProtocol::new(
                protocol_name,
                recorded.subscription.clone(),
            )],
            assignment: recorded.assignment.clone(),
            awaiting_join: None,
            awaiting_sync: None,
            is_new: false,
            sequence: 0,
        }
    }

    /// Whether it has a `group.instance.id`.
    pub fn is_static_member(&self) -> bool {
        self.group_instance_id.is_some()
    }

    /// Whether its JoinGroup is parked.
    pub fn is_awaiting_join(&self) -> bool {
        self.awaiting_join.is_some()
    }

    /// Whether its SyncGroup is parked.
    pub fn is_awaiting_sync(&self) -> bool {
        self.awaiting_sync.is_some()
    }

    /// `hasSatisfiedHeartbeat`: an existing member with a parked join or sync counts as alive;
    /// a new member does not, so a new member's abandoned JoinGroup can expire.
    pub(super) fn has_satisfied_heartbeat(&self) -> bool {
        !self.is_new && (self.is_awaiting_join() || self.is_awaiting_sync())
    }

    /// `matches`: the same protocols, metadata included.
    pub(super) fn matches(&self, protocols: &[JoinGroupRequestProtocol]) -> bool {
        self.protocols == protocols
    }

    /// `vote`: the first of its protocols, by preference, that is a candidate.
    fn vote(&self, candidates: &VecSet<&str>) -> Option<&str> {
        self.protocols
            .iter()
            .map(|p| p.name.as_str())
            .find(|name| candidates.contains(name))
    }

    /// The metadata it sent for `protocol_name`.
    pub fn metadata(&self, protocol_name: &str) -> Option<&ConsumerProtocolSubscription> {
        self.protocols
            .iter()
            .find(|p| p.name == protocol_name)
            .map(|p| &p.metadata)
    }

    fn protocol_names(&self) -> VecSet<&str> {
        crate::sort::set_of(self.protocols.iter().map(|p| p.name.as_str()))
    }
}

/// `HashMap.hash`: the hash code with its high half folded into the low half.
fn spread(member_id: &MemberId) -> usize {
    let h = string_hash_code(&member_id.0) as u32;
    (h ^ (h >> 16)) as usize
}

/// The members of one group and the bookkeeping around them.
#[derive(Clone, Debug)]
pub(super) struct Members {
    /// Always in Kafka's iteration order.
    members: Vec<ClassicGroupMember>,
    capacity: usize,
    threshold: usize,
    next_sequence: u64,
    /// `staticMembers`: group.instance.id → member id.
    static_members: VecMap<String, MemberId>,
    /// `pendingJoinMembers`: ids handed out with MEMBER_ID_REQUIRED, not yet joined.
    pending_join: VecSet<MemberId>,
    /// `pendingSyncMembers`: members of this generation that have not sent SyncGroup.
    pending_sync: VecSet<MemberId>,
    /// `supportedProtocols`: protocol name → how many members support it.
    supported_protocols: VecMap<String, usize>,
    leader: Option<MemberId>,
}

impl Default for Members {
    fn default() -> Self {
        Members {
            members: Vec::new(),
            capacity: 16,
            threshold: 12,
            next_sequence: 0,
            static_members: VecMap::new(),
            pending_join: VecSet::new(),
            pending_sync: VecSet::new(),
            supported_protocols: VecMap::new(),
            leader: None,
        }
    }
}

impl Members {
    pub(super) fn len(&self) -> usize {
        self.members.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members in Kafka's iteration order.
    pub(super) fn iter(&self) -> std::slice::Iter<'_, ClassicGroupMember> {
        self.members.iter()
    }

    /// The member ids in Kafka's iteration order.
    pub(super) fn ids(&self) -> Vec<MemberId> {
        self.members.iter().map(|m| m.member_id.clone()).collect()
    }

    pub(super) fn get(&self, member_id: &MemberId) -> Option<&ClassicGroupMember> {
        self.members.iter().find(|m| m.member_id == *member_id)
    }

    pub(super) fn get_mut(&mut self, member_id: &MemberId) -> Option<&mut ClassicGroupMember> {
        self.members.iter_mut().find(|m| m.member_id == *member_id)
    }

    pub(super) fn has_member(&self, member_id: &MemberId) -> bool {
        self.get(member_id).is_some()
    }

    pub(super) fn leader(&self) -> Option<&MemberId> {
        self.leader.as_ref()
    }

    pub(super) fn is_leader(&self, member_id: &MemberId) -> bool {
        self.leader.as_ref() == Some(member_id)
    }

    /// Makes `member_id` the leader (a loaded group's recorded leader), if it is a member.
    pub(super) fn set_leader(&mut self, member_id: &MemberId) {
        if self.has_member(member_id) {
            self.leader = Some(member_id.clone());
        }
    }

    pub(super) fn static_member_id(&self, group_instance_id: &str) -> Option<&MemberId> {
        self.static_members.get(group_instance_id)
    }

    pub(super) fn is_pending_member(&self, member_id: &MemberId) -> bool {
        self.pending_join.contains(member_id)
    }

    pub(super) fn add_pending_member(&mut self, member_id: MemberId) {
        debug_assert!(
            !self.has_member(&member_id),
            "{member_id} is already a member"
        );
        self.pending_join.insert(member_id);
    }

    pub(super) fn add_pending_sync(&mut self, member_id: MemberId) {
        self.pending_sync.insert(member_id);
    }

    pub(super) fn remove_pending_sync(&mut self, member_id: &MemberId) {
        self.pending_sync.remove(member_id);
    }

    pub(super) fn clear_pending_sync(&mut self) {
        self.pending_sync.clear();
    }

    pub(super) fn pending_sync(&self) -> &VecSet<MemberId> {
        &self.pending_sync
    }

    /// `numAwaitingJoinResponse`.
    pub(super) fn awaiting_join_count(&self) -> usize {
        self.members.iter().filter(|m| m.is_awaiting_join()).count()
    }

    /// `hasAllMembersJoined`: every member's JoinGroup is parked and no pending member remains.
    pub(super) fn has_all_members_joined(&self) -> bool {
        self.members
            .iter()
            .all(ClassicGroupMember::is_awaiting_join)
            && self.pending_join.is_empty()
    }

    /// `rebalanceTimeoutMs`: the largest rebalance timeout of any member (0 without members).
    pub(super) fn rebalance_timeout_ms(&self) -> u64 {
        self.members
            .iter()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0)
    }

    /// `supportsProtocols`: an empty group takes any non-empty protocol list; otherwise one of
    /// `protocols` must be supported by every current member.
    pub(super) fn supports_protocols(
        &self,
        group_is_empty: bool,
        protocols: &[JoinGroupRequestProtocol],
    ) -> bool {
        if group_is_empty {
            return !protocols.is_empty();
        }
        protocols.iter().any(|p| {
            self.supported_protocols.get(&p.name).copied().unwrap_or(0) == self.members.len()
        })
    }

    /// `validateMember`: the instance id, if given, must map to `member_id`, which must exist.
    pub(super) fn validate_member(
        &self,
        member_id: Option<&MemberId>,
        group_instance_id: Option<&str>,
    ) -> Result<(), GroupError> {
        if let Some(instance) = group_instance_id {
            match self.static_member_id(instance) {
                None => return Err(GroupError::UnknownMemberId),
                Some(existing) if Some(existing) != member_id => {
                    return Err(GroupError::FencedInstanceId);
                }
                Some(_) => {}
            }
        }
        match member_id {
            Some(id) if self.has_member(id) => Ok(()),
            _ => Err(GroupError::UnknownMemberId),
        }
    }

    /// `add`: the first member becomes leader. The caller checked `supports_protocols`.
    pub(super) fn add(&mut self, mut member: ClassicGroupMember) {
        debug_assert!(
            !self.has_member(&member.member_id),
            "{} twice",
            member.member_id
        );
        if let Some(instance) = &member.group_instance_id {
            self.static_members
                .insert(instance.clone(), member.member_id.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(member.member_id.clone());
        }
        self.count_protocols(&member, true);
        self.pending_join.remove(&member.member_id);
        self.put(&mut member);
        self.members.push(member);
        self.restore_order();
    }

    /// `remove`: also forgets a pending member; a removed leader is replaced by the first
    /// remaining member in iteration order.
    pub(super) fn remove(&mut self, member_id: &MemberId) -> Option<ClassicGroupMember> {
        let removed = self
            .members
            .iter()
            .position(|m| m.member_id == *member_id)
            .map(|index| self.members.remove(index));
        if let Some(member) = &removed {
            self.count_protocols(member, false);
            if let Some(instance) = &member.group_instance_id {
                self.static_members.remove(instance);
            }
        }
        if self.is_leader(member_id) {
            self.leader = self.members.first().map(|m| m.member_id.clone());
        }
        self.pending_join.remove(member_id);
        self.pending_sync.remove(member_id);
        removed
    }

    /// `replaceStaticMember`: the old member leaves the map, a copy under `new_member_id` with
    /// the same settings and assignment enters it (awaiting nothing). Returns the old member.
    pub(super) fn replace_static_member(
        &mut self,
        group_instance_id: &str,
        old_member_id: &MemberId,
        new_member_id: MemberId,
    ) -> Option<ClassicGroupMember> {
        let index = self
            .members
            .iter()
            .position(|m| m.member_id == *old_member_id)?;
        let old = self.members.remove(index);
        let mut replacement = ClassicGroupMember {
            member_id: new_member_id.clone(),
            awaiting_join: None,
            awaiting_sync: None,
            is_new: false,
            ..old.clone()
        };
        self.put(&mut replacement);
        self.members.push(replacement);
        self.restore_order();
        if self.is_leader(old_member_id) {
            self.leader = Some(new_member_id.clone());
        }
        self.static_members
            .insert(group_instance_id.to_string(), new_member_id);
        Some(old)
    }

    /// `updateMember`: new protocols and timeouts, and the JoinGroup now parked (if any).
    pub(super) fn update_member(
        &mut self,
        member_id: &MemberId,
        request: &super::JoinGroupRequest,
        awaiting_join: Option<RequestId>,
    ) {
        self.set_member(
            member_id,
            request.protocols.clone(),
            request.rebalance_timeout_ms,
            request.session_timeout_ms,
            awaiting_join,
        );
    }

    /// `updateMember` with explicit values (also how a failed static member write reverts).
    pub(super) fn set_member(
        &mut self,
        member_id: &MemberId,
        protocols: Vec<JoinGroupRequestProtocol>,
        rebalance_timeout_ms: u64,
        session_timeout_ms: u64,
        awaiting_join: Option<RequestId>,
    ) {
        let Some(index) = self.members.iter().position(|m| m.member_id == *member_id) else {
            return;
        };
        let old = self.members[index].clone();
        self.count_protocols(&old, false);
        let member = &mut self.members[index];
        member.protocols = protocols;
        member.rebalance_timeout_ms = rebalance_timeout_ms;
        member.session_timeout_ms = session_timeout_ms;
        member.awaiting_join = awaiting_join;
        let updated = member.clone();
        self.count_protocols(&updated, true);
    }

    /// `maybeElectNewJoinedLeader`: keep a leader that rejoined, else make the first rejoined
    /// member leader; false when nobody rejoined (or there is no leader).
    pub(super) fn maybe_elect_new_joined_leader(&mut self) -> bool {
        let Some(leader) = self.leader.clone() else {
            return false;
        };
        if self
            .get(&leader)
            .is_some_and(ClassicGroupMember::is_awaiting_join)
        {
            return true;
        }
        match self.members.iter().find(|m| m.is_awaiting_join()) {
            Some(member) => {
                self.leader = Some(member.member_id.clone());
                true
            }
            None => false,
        }
    }

    /// `selectProtocol`: among the protocols every member supports, each member votes for its
    /// most preferred; most votes wins, ties going to the first in the iteration order of
    /// Kafka's `votesByProtocol` `HashMap` (`Stream.max` keeps the earlier of equals).
    pub(super) fn select_protocol(&self) -> Option<String> {
        let candidates: VecSet<&str> = crate::sort::set_of(
            self.supported_protocols
                .iter()
                .filter(|&(_, &count)| count == self.members.len())
                .map(|(name, _)| name.as_str()),
        );
        let mut names: Vec<&str> = Vec::new();
        let mut votes: Vec<usize> = Vec::new();
        for vote in self.members.iter().filter_map(|m| m.vote(&candidates)) {
            match names.iter().position(|n| *n == vote) {
                Some(i) => votes[i] += 1,
                None => {
                    names.push(vote);
                    votes.push(1);
                }
            }
        }
        let mut best: Option<usize> = None;
        for i in hash_map_order(&names, None) {
            if best.is_none_or(|b| votes[i] > votes[b]) {
                best = Some(i);
            }
        }
        best.map(|i| names[i].to_string())
    }

    /// Checks the bookkeeping: leader ∈ members ⇔ members ≠ ∅; static ids map to members;
    /// pending join ∩ members = ∅; pending sync ⊆ members is not required (Kafka may keep a
    /// replaced static member's id there).
    pub(super) fn validate(&self) -> Result<(), String> {
        match &self.leader {
            Some(leader) if !self.has_member(leader) => {
                return Err(format!("leader {leader} is not a member"));
            }
            None if !self.members.is_empty() => return Err("members but no leader".into()),
            _ => {}
        }
        for (instance, id) in &self.static_members {
            let ok = self
                .get(id)
                .is_some_and(|m| m.group_instance_id.as_deref() == Some(instance.as_str()));
            if !ok {
                return Err(format!("static member {instance} maps to non-member {id}"));
            }
        }
        if let Some(id) = self.pending_join.iter().find(|id| self.has_member(id)) {
            return Err(format!("{id} is both pending and a member"));
        }
        Ok(())
    }

    fn count_protocols(&mut self, member: &ClassicGroupMember, add: bool) {
        for name in member.protocol_names() {
            let count = self
                .supported_protocols
                .entry(name.to_string())
                .or_insert(0);
            *count = if add {
                *count + 1
            } else {
                count.saturating_sub(1)
            };
        }
        self.supported_protocols.retain(|_, count| *count > 0);
    }

    /// `HashMap.put` of a new key: a sequence number, then `putVal`'s resizes (a chain reaching
    /// nine entries doubles a table below 64 buckets; more than `threshold` entries double it).
    fn put(&mut self, member: &mut ClassicGroupMember) {
        member.sequence = self.next_sequence;
        self.next_sequence += 1;
        let bucket = spread(&member.member_id) & (self.capacity - 1);
        let chain_before = self
            .members
            .iter()
            .filter(|m| spread(&m.member_id) & (self.capacity - 1) == bucket)
            .count();
        if chain_before + 1 >= 9 && self.capacity < 64 {
            self.grow();
        }
        if self.members.len() + 1 > self.threshold {
            self.grow();
        }
    }

    fn grow(&mut self) {
        if self.capacity < 1 << 30 {
            self.capacity *= 2;
            self.threshold *= 2;
        }
    }

    fn restore_order(&mut self) {
        let mask = self.capacity - 1;
        crate::sort::sort_by_key(&mut self.members, |m| {
            (spread(&m.member_id) & mask, m.sequence)
        });
    }
}
