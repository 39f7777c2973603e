//! The classic consumer-group coordinator: the broker side of the JoinGroup / SyncGroup rebalance
//! protocol, as a pure, deterministic, sans-IO state machine ([`ClassicGroup`]).
//!
//! Mirrors Apache Kafka's `group-coordinator` module: `classic/ClassicGroup.java` (membership,
//! `selectProtocol`, `validateOffsetCommit`), `classic/ClassicGroupState.java` ([`GroupState`]),
//! `classic/ClassicGroupMember.java` ([`ClassicGroupMember`]) and the classic part of
//! `GroupMetadataManager.java` (`classicGroupJoin`, `completeClassicGroupJoin`,
//! `classicGroupSync`, `classicGroupHeartbeat`, `classicGroupLeave`, `prepareRebalance`,
//! `tryCompleteInitialRebalanceElseSchedule`, `expireClassicGroupMemberHeartbeat`,
//! `expirePendingSync`), plus `OffsetMetadataManager.commitOffset`'s validation.
//! kafka-semantics.md §5.1–5.4 summarises the rules.
//!
//! One rebalance, as the coordinator sees it:
//!
//! ```text
//!  member A            member B                coordinator (ClassicGroup)
//!  JoinGroup(id="") ─────────────────────────▶ MEMBER_ID_REQUIRED, id "a-1" (KIP-394)
//!  JoinGroup("a-1") ─────────────────────────▶ Empty → PreparingRebalance; A parked, leader
//!                      JoinGroup(...) ───────▶ B parked          (initial delay 3 s, extended)
//!                                              join phase done: generation + 1, protocol voted,
//!  ◀──── JoinGroup resp (leader: all members)  → CompletingRebalance
//!                      ◀──── JoinGroup resp (follower: no members)
//!                      SyncGroup() ──────────▶ B parked until the leader's SyncGroup
//!  SyncGroup(assignment) ────────────────────▶ GroupMetadata record to __consumer_offsets
//!                                              record committed: assignment installed → Stable
//!  ◀──── SyncGroup resp ◀──── SyncGroup resp   heartbeats now answered normally
//! ```
//!
//! Hosting it: the broker leading `__consumer_offsets` partition `abs(groupId.hashCode) % 50`
//! keeps one `ClassicGroup` per group id (created on the first JoinGroup, Kafka's
//! `getOrMaybeCreateClassicGroup`). It gives every JoinGroup, SyncGroup, Heartbeat, LeaveGroup
//! and OffsetCommit a fresh [`RequestId`] (remembering which client and correlation it belongs
//! to) and calls the matching method with the current [`SimTime`]. From each [`Output`] it sends
//! `responses` (possibly answers to requests parked earlier), sets a timer per
//! [`TimerRequest`] (replacing the live timer with the same key, as `Agenda::set_timer` does),
//! cancels each key in `cancel`, records `events`, and appends each of `writes` to the group's
//! `__consumer_offsets` partition, reporting the outcome with
//! [`ClassicGroup::on_write_complete`]. When a timer fires it calls [`ClassicGroup::on_timer`]
//! with that key; a stale key is ignored. When the broker loses leadership of the partition it
//! calls [`ClassicGroup::unload`] and drops the group; when it gains it, it rebuilds each group
//! from its latest record with [`ClassicGroup::load`]. Requests for groups it does not host are
//! the host's to answer with `NOT_COORDINATOR`.
//!
//! Member ids are deterministic: `{client_id}-{n}` (static members: `{group.instance.id}-{n}`),
//! where n counts the ids this group has handed out, from 1 (a loaded group goes on from the
//! largest n among its recorded members). Kafka appends a random UUID
//! (`ClassicGroup.generateMemberId`); a counter keeps runs reproducible and still unique. Member
//! iteration order is Kafka's: the coordinator's `members` `HashMap` is emulated (see
//! `member.rs`), so the leader's member list, leader fail-over and protocol votes match Kafka.
//!
//! Persistence (`GroupMetadataManager.storeGroup` / `newGroupMetadataRecord`): the group asks
//! the host to append a [`GroupMetadataValue`] record ([`Output::writes`]) when the leader's
//! SyncGroup installs an assignment, when a restarted static member takes over its slot in Stable,
//! and when the group becomes Empty. The leader's assignment is installed (→ Stable, SyncGroups
//! answered) and the static member's JoinGroup answered only once the host reports the record
//! committed ([`ClassicGroup::on_write_complete`]); a failed write resets the assignment and
//! rebalances (or reverts the static member), as Kafka's `appendFuture` callbacks do. A new
//! coordinator rebuilds the group from the latest record with [`ClassicGroup::load`]
//! (`replay(GroupMetadataKey, GroupMetadataValue)` + `onLoaded`): Stable with the recorded members,
//! leader, generation and assignment (Empty without members), every member's session timer
//! started afresh — members that find the new coordinator just keep heartbeating.
//!
//! Simplified: the protocol type is always `consumer` and metadata is structured, not bytes;
//! JoinGroup ≥ v9 semantics (member id required, `skip_assignment`); a LeaveGroup names one
//! member; offsets are validated, not stored; `Dead` is reached only by [`ClassicGroup::unload`]
//! (no deletion, no offset expiry, no tombstones); a parked JoinGroup or SyncGroup that the same
//! member replaces with a newer one is never answered, as in Kafka. No KIP-848 groups.

mod coordinator;
mod member;
mod state;

pub use self::member::{
    ClassicGroupMember, ConsumerProtocolSubscription, JoinGroupRequestProtocol,
};
pub use self::state::{ClassicGroup, GroupState};

use crate::vec_map::VecMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::assignor::TopicPartitionName;
use crate::ids::Offset;
use crate::time::SimTime;

/// The group coordinator's configuration (`GroupCoordinatorConfig`), keyed by Kafka's names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupConfig {
    /// How long the first rebalance of an empty group waits for more members (and again after
    /// each newcomer, bounded by the rebalance timeout).
    #[serde(rename = "group.initial.rebalance.delay.ms")]
    pub group_initial_rebalance_delay_ms: u64,
    /// Smallest `session.timeout.ms` a member may ask for.
    #[serde(rename = "group.min.session.timeout.ms")]
    pub group_min_session_timeout_ms: u64,
    /// Largest `session.timeout.ms` a member may ask for.
    #[serde(rename = "group.max.session.timeout.ms")]
    pub group_max_session_timeout_ms: u64,
    /// Most members a group may have.
    #[serde(rename = "group.max.size")]
    pub group_max_size: u32,
    /// How long a new member's parked JoinGroup may wait before it is dropped. Not a Kafka
    /// config: `GroupCoordinatorConfig.CLASSIC_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS` (5 minutes).
    pub new_member_join_timeout_ms: u64,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            group_initial_rebalance_delay_ms: 3_000,
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            group_max_size: i32::MAX as u32,
            new_member_join_timeout_ms: 300_000,
        }
    }
}

/// A member id handed out by the coordinator.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemberId(pub String);

impl MemberId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for MemberId {
    fn from(s: &str) -> Self {
        MemberId(s.to_string())
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A group generation (`generationId`): 0 for a new group, +1 per completed join phase.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct GenerationId(pub i32);

impl GenerationId {
    /// Kafka's "no generation" (-1), sent by standalone consumers and in error responses.
    pub const NONE: GenerationId = GenerationId(-1);
}

impl fmt::Display for GenerationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The host's handle for one request; a response names the request it answers.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct RequestId(pub u64);

/// The group's handle for one GroupMetadata write; the host reports its completion with it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct WriteId(pub u64);

macro_rules! group_errors {
    ($($variant:ident = $code:literal, $retriable:literal, $name:literal, $doc:literal;)*) => {
        /// An error the coordinator answers with: Kafka's protocol error (to merge into
        /// `KafkaError` later).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum GroupError {
            $(#[doc = $doc] $variant,)*
        }

        impl GroupError {
            /// Kafka's numeric error code.
            pub fn code(self) -> i16 {
                match self { $(GroupError::$variant => $code,)* }
            }
            /// Whether a client retries after this error.
            pub fn is_retriable(self) -> bool {
                match self { $(GroupError::$variant => $retriable,)* }
            }
            /// Kafka's name of the error, e.g. `ILLEGAL_GENERATION`.
            pub fn name(self) -> &'static str {
                match self { $(GroupError::$variant => $name,)* }
            }
            /// Kafka's description of the error.
            pub fn description(self) -> &'static str {
                match self { $(GroupError::$variant => $doc,)* }
            }
        }
    };
}

group_errors! {
    CoordinatorNotAvailable = 15, true, "COORDINATOR_NOT_AVAILABLE", "The coordinator is not available.";
    NotCoordinator = 16, true, "NOT_COORDINATOR", "This is not the correct coordinator.";
    IllegalGeneration = 22, false, "ILLEGAL_GENERATION", "Specified group generation id is not valid.";
    InconsistentGroupProtocol = 23, false, "INCONSISTENT_GROUP_PROTOCOL", "The group member's supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list.";
    UnknownMemberId = 25, false, "UNKNOWN_MEMBER_ID", "The coordinator is not aware of this member.";
    InvalidSessionTimeout = 26, false, "INVALID_SESSION_TIMEOUT", "The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms).";
    RebalanceInProgress = 27, false, "REBALANCE_IN_PROGRESS", "The group is rebalancing, so a rejoin is needed.";
    MemberIdRequired = 79, false, "MEMBER_ID_REQUIRED", "The group member needs to have a valid member id before actually entering a consumer group.";
    GroupMaxSizeReached = 81, false, "GROUP_MAX_SIZE_REACHED", "The consumer group has reached its max size.";
    FencedInstanceId = 82, false, "FENCED_INSTANCE_ID", "The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id.";
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::error::Error for GroupError {}

/// A JoinGroup request (`JoinGroupRequestData`); the group id is the host's routing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupRequest {
    /// The id the coordinator gave this member, or `None` (Kafka's empty `UNKNOWN_MEMBER_ID`).
    pub member_id: Option<MemberId>,
    /// `group.instance.id` of a static member (KIP-345).
    pub group_instance_id: Option<String>,
    /// The client's `client.id`, the prefix of a generated member id.
    pub client_id: String,
    /// `session.timeout.ms`: how long the coordinator waits for a heartbeat.
    pub session_timeout_ms: u64,
    /// `max.poll.interval.ms`: how long a rebalance waits for this member to rejoin and sync.
    pub rebalance_timeout_ms: u64,
    /// Supported assignors with their metadata, most preferred first.
    pub protocols: Vec<JoinGroupRequestProtocol>,
}

/// A SyncGroup request (`SyncGroupRequestData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroupRequest {
    /// The member.
    pub member_id: MemberId,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The generation the member joined.
    pub generation_id: GenerationId,
    /// The protocol the member believes was chosen, if it says (checked for consistency).
    pub protocol_name: Option<String>,
    /// The leader's assignment, member by member; followers send none.
    pub assignments: Vec<(MemberId, Vec<TopicPartitionName>)>,
}

/// A Heartbeat request (`HeartbeatRequestData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    /// The member.
    pub member_id: MemberId,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The member's generation.
    pub generation_id: GenerationId,
}

/// A LeaveGroup request for one member (`LeaveGroupRequestData.MemberIdentity`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveGroupRequest {
    /// The member; `None` with an instance id removes that static member (admin removal).
    pub member_id: Option<MemberId>,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
}

/// An OffsetCommit request (`OffsetCommitRequestData`), validated but not stored here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetCommitRequest {
    /// The committing member; `None` for a standalone consumer or admin client.
    pub member_id: Option<MemberId>,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The member's generation; [`GenerationId::NONE`] outside group management.
    pub generation_id: GenerationId,
    /// Partition → next offset to consume.
    pub offsets: Vec<(TopicPartitionName, Offset)>,
}

/// One member as the leader's JoinGroup response lists it (`JoinGroupResponseMember`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupResponseMember {
    /// The member.
    pub member_id: MemberId,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The member's metadata for the chosen protocol.
    pub metadata: ConsumerProtocolSubscription,
}

impl JoinGroupResponseMember {
    /// This member as the assignors take it.
    pub fn to_subscription(&self) -> crate::assignor::Subscription {
        let group_instance_id = self.group_instance_id.as_deref();
        self.metadata
            .to_subscription(&self.member_id, group_instance_id)
    }
}

/// A JoinGroup response (`JoinGroupResponseData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupResponse {
    /// `None` on success.
    pub error: Option<GroupError>,
    /// The generation joined ([`GenerationId::NONE`] on error).
    pub generation_id: GenerationId,
    /// The chosen protocol (assignor).
    pub protocol_name: Option<String>,
    /// The group leader.
    pub leader: Option<MemberId>,
    /// True when the leader must not re-run the assignor (a static leader rejoined, KIP-814).
    pub skip_assignment: bool,
    /// The member's id (the new one with `MEMBER_ID_REQUIRED`; `None` when unknown).
    pub member_id: Option<MemberId>,
    /// Every member's metadata, in Kafka's member order, for the leader only.
    pub members: Vec<JoinGroupResponseMember>,
}

impl JoinGroupResponse {
    /// An error response naming `member_id`.
    pub fn error(error: GroupError, member_id: Option<MemberId>) -> Self {
        JoinGroupResponse {
            error: Some(error),
            generation_id: GenerationId::NONE,
            protocol_name: None,
            leader: None,
            skip_assignment: false,
            member_id,
            members: Vec::new(),
        }
    }
}

/// A SyncGroup response (`SyncGroupResponseData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroupResponse {
    /// `None` on success.
    pub error: Option<GroupError>,
    /// The chosen protocol, on success.
    pub protocol_name: Option<String>,
    /// The member's partitions.
    pub assignment: Vec<TopicPartitionName>,
}

/// A response to one request.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum GroupResponse {
    /// JoinGroup's answer, possibly long after the request (the join phase parks it).
    JoinGroup(JoinGroupResponse),
    /// SyncGroup's answer; followers wait for the leader's assignment.
    SyncGroup(SyncGroupResponse),
    /// Heartbeat's answer; `REBALANCE_IN_PROGRESS` asks the member to rejoin.
    Heartbeat { error: Option<GroupError> },
    /// LeaveGroup's answer (group-level and member-level errors merged).
    LeaveGroup { error: Option<GroupError> },
    /// OffsetCommit's answer; `offsets` are the accepted ones, for the host to store.
    OffsetCommit {
        error: Option<GroupError>,
        offsets: Vec<(TopicPartitionName, Offset)>,
    },
}

/// What a coordinator timer guards; at most one timer per key is live (Kafka's timer keys).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum GroupTimerKey {
    /// `classicGroupHeartbeatKey`: the member's session (or a new member's join timeout).
    Heartbeat {
        /// The member (or pending member) id.
        member_id: MemberId,
    },
    /// `classicGroupJoinKey` during an empty group's first rebalance: the initial delay.
    InitialRebalanceDelay,
    /// `classicGroupJoinKey` otherwise: the join phase ends after the rebalance timeout.
    Join,
    /// `classicGroupSyncKey`: members that have not sent SyncGroup by now are removed.
    Sync,
}

impl GroupTimerKey {
    /// The session timer of `member_id`.
    pub fn heartbeat(member_id: &MemberId) -> Self {
        GroupTimerKey::Heartbeat {
            member_id: member_id.clone(),
        }
    }
}

/// A timer to set: fire `key` at `at`, replacing the live timer with the same key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerRequest {
    /// What the timer guards.
    pub key: GroupTimerKey,
    /// When it fires.
    pub at: SimTime,
}

/// Why a rebalance started (Kafka's `prepareRebalance` reason, typed).
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum RebalanceReason {
    /// A new member joined.
    NewMember { member_id: MemberId },
    /// A member rejoined with different protocols or metadata.
    MemberMetadataChanged { member_id: MemberId },
    /// The leader rejoined (it may want a new assignment for unchanged metadata).
    LeaderRejoined { member_id: MemberId },
    /// A static member was replaced while the assignment could no longer match it.
    StaticMemberReplaced { member_id: MemberId },
    /// A member left with LeaveGroup.
    MemberLeft { member_id: MemberId },
    /// A member missed its session timeout.
    SessionTimeout { member_id: MemberId },
    /// Members did not send SyncGroup within the rebalance timeout.
    SyncTimeout { members: Vec<MemberId> },
    /// The leader's assignment could not be written to `__consumer_offsets`.
    AssignmentNotStored { error: GroupError },
}

/// Why a member left the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RemovalReason {
    /// No heartbeat (nor join or sync) within `session.timeout.ms`.
    SessionTimeout,
    /// The member sent LeaveGroup.
    LeaveGroup,
    /// The member did not rejoin within the rebalance timeout.
    RebalanceTimeout,
    /// The member did not send SyncGroup within the rebalance timeout.
    SyncTimeout,
    /// The member rejoined a full group and lost its place (`GROUP_MAX_SIZE_REACHED`).
    GroupMaxSizeReached,
}

/// A guarantee the coordinator checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupInvariant {
    /// Within a generation no partition is assigned to two members.
    SingleOwnerPerGeneration,
}

/// A past-tense fact about the group.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum GroupEvent {
    /// The group entered PreparingRebalance; `generation_id` is the one being left.
    RebalanceStarted {
        generation_id: GenerationId,
        reason: RebalanceReason,
    },
    /// The group changed state.
    GroupStateChanged { from: GroupState, to: GroupState },
    /// A member was added to the group.
    MemberJoined {
        member_id: MemberId,
        group_instance_id: Option<String>,
        client_id: String,
    },
    /// A restarted static member took over its old slot under a new member id.
    StaticMemberReplaced {
        group_instance_id: String,
        old_member_id: MemberId,
        new_member_id: MemberId,
    },
    /// A member was removed.
    MemberRemoved {
        member_id: MemberId,
        reason: RemovalReason,
    },
    /// A join phase completed: a new generation with its leader, protocol and members.
    GenerationCompleted {
        generation_id: GenerationId,
        leader: MemberId,
        protocol_name: Option<String>,
        members: Vec<MemberId>,
    },
    /// The leader's assignment was installed; the group is Stable.
    AssignmentInstalled {
        generation_id: GenerationId,
        assignment: VecMap<MemberId, Vec<TopicPartitionName>>,
    },
    /// A guarantee broke.
    InvariantViolated {
        invariant: GroupInvariant,
        detail: String,
    },
    /// A new coordinator rebuilt the group from its latest GroupMetadata record: Stable with
    /// `members` (in Kafka's order), or Empty without.
    Loaded {
        generation_id: GenerationId,
        state: GroupState,
        leader: Option<MemberId>,
        members: Vec<MemberId>,
    },
}

/// One member as a GroupMetadata record stores it (`GroupMetadataValue.MemberMetadata`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMetadataMember {
    /// The member id.
    pub member_id: MemberId,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The client's `client.id`.
    pub client_id: String,
    /// The member's `max.poll.interval.ms`.
    pub rebalance_timeout_ms: u64,
    /// The member's `session.timeout.ms`.
    pub session_timeout_ms: u64,
    /// Its metadata for the group's protocol (the only one a reloaded member supports).
    pub subscription: ConsumerProtocolSubscription,
    /// Its partitions.
    pub assignment: Vec<TopicPartitionName>,
}

/// A classic group's membership as a record of its `__consumer_offsets` partition
/// (`GroupMetadataValue`; the key, `GroupMetadataKey`, is the group id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMetadataValue {
    /// `protocolType`: always `consumer` here.
    pub protocol_type: String,
    /// The generation.
    pub generation_id: GenerationId,
    /// The chosen protocol (assignor); `None` for an Empty group.
    pub protocol_name: Option<String>,
    /// The leader; `None` for an Empty group.
    pub leader: Option<MemberId>,
    /// `currentStateTimestamp`: when the group entered the state it was in when written.
    pub current_state_timestamp: SimTime,
    /// The members, in the coordinator's iteration order (Kafka's `allMembers()`).
    pub members: Vec<GroupMetadataMember>,
}

impl GroupMetadataValue {
    /// Roughly its size in bytes as Kafka encodes it (strings, timeouts, subscriptions and
    /// assignments as `ConsumerProtocol` bytes).
    pub fn encoded_len(&self) -> u32 {
        let text = |s: &str| 2 + s.len();
        let partitions = |tps: &[TopicPartitionName]| {
            tps.iter().map(|tp| text(&tp.topic) + 8).sum::<usize>() + 4
        };
        let members: usize = self
            .members
            .iter()
            .map(|m| {
                text(m.member_id.as_str())
                    + m.group_instance_id.as_deref().map_or(2, text)
                    + text(&m.client_id)
                    + text("/127.0.0.1") // clientHost
                    + 8
                    + 4
                    + m.subscription.topics.iter().map(|t| text(t)).sum::<usize>()
                    + partitions(&m.subscription.owned_partitions)
                    + 4
                    + partitions(&m.assignment)
            })
            .sum();
        let header = text(&self.protocol_type)
            + 4
            + self.protocol_name.as_deref().map_or(2, text)
            + self.leader.as_ref().map_or(2, |l| text(l.as_str()))
            + 8
            + 4;
        u32::try_from(header + members).unwrap_or(u32::MAX)
    }
}

/// A GroupMetadata record the host must append to the group's `__consumer_offsets` partition
/// (acks=all); it reports the outcome with [`ClassicGroup::on_write_complete`] once the high
/// watermark passes the record or the append fails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMetadataWrite {
    /// The handle to report the outcome with.
    pub write: WriteId,
    /// The record's value.
    pub value: GroupMetadataValue,
}

/// Everything one input produced. No key is both in `timers` and in `cancel`, so the host may
/// apply them in any order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// Responses to send, in order.
    pub responses: Vec<(RequestId, GroupResponse)>,
    /// Timers to set (each replaces the live timer with its key).
    pub timers: Vec<TimerRequest>,
    /// Timers to cancel.
    pub cancel: Vec<GroupTimerKey>,
    /// What happened, in order.
    pub events: Vec<GroupEvent>,
    /// GroupMetadata records to append, in order.
    pub writes: Vec<GroupMetadataWrite>,
}
