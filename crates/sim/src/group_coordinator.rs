//! The group coordinator as a broker hosts it: routing consumers' group requests to the
//! [`ClassicGroup`] state machines of the groups whose `__consumer_offsets` partition this broker
//! leads, turning their outputs into messages, timers and events, and storing committed offsets
//! as records of `__consumer_offsets`, replicated like any other partition.
//!
//! Mirrors `GroupCoordinatorService` (routing by `partitionFor(groupId)`, NOT_COORDINATOR for
//! groups hosted elsewhere), `CoordinatorRuntime` (load on becoming leader of an offsets
//! partition, unload on losing it; a write completes once the high watermark passes it, fails
//! at once without enough in-sync replicas, after `offsets.commit.timeout.ms`, or when
//! leadership moves) and the replay half of `GroupMetadataManager` / `OffsetMetadataManager`
//! (`commitOffset`, `fetchOffsets`, replaying offset commit and group metadata records).
//!
//! Two kinds of records go to `__consumer_offsets`: offset commits (key `{group}\0{topic id}\0
//! {partition}`) and GroupMetadata records (key `{group}\0`, written when a generation's
//! assignment is installed, when a static member takes over its slot, and when the group becomes
//! Empty). Compaction keeps the latest of each key, so the latest membership survives. A broker
//! that becomes leader of an offsets partition replays it: the committed offsets, and each
//! group's latest GroupMetadata record into a Stable (or Empty) group whose members' sessions
//! start afresh — members that find the new coordinator keep heartbeating, without a rebalance.
//!
//! Simplified: FindCoordinator is answered from the client's metadata (the same answer a broker
//! gives: the leader of the group's partition); loading takes no time.

use crate::vec_map::VecMap;
use std::rc::Rc;

use crate::agenda::TimerKey;
use crate::assignor::TopicPartitionName;
use crate::assignor::java_order::string_hash_code;
use crate::broker::Broker;
use crate::config::Acks;
use crate::error::KafkaError;
use crate::event::{EventKind, Invariant};
use crate::group::{
    ClassicGroup, GroupError, GroupEvent, GroupInvariant, GroupMetadataValue, GroupMetadataWrite,
    GroupResponse, GroupTimerKey, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest,
    OffsetCommitRequest, Output, RequestId, SyncGroupRequest, WriteId,
};
use crate::ids::{BrokerId, ConsumerId, NodeId, Offset, ProducerId, RecordId, TopicPartition};
use crate::ledger::{GroupMetadataRecord, NewRecord, OffsetCommitValue, Outcome, Value};
use crate::message::Message;
use crate::node::Ctx;
use crate::partition_log::LogEntry;
use crate::replication::Role;

/// The internal topic holding committed offsets.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// The ledger's producer id for records the coordinator writes.
pub(crate) const COORDINATOR_PRODUCER: ProducerId = ProducerId(u32::MAX);

/// Size of one offset commit record in the log, roughly (key, value, record overhead).
const OFFSET_COMMIT_RECORD_BYTES: u32 = 64;
/// A group metadata record's size beyond its key and value (record overhead, versions).
const GROUP_METADATA_OVERHEAD_BYTES: u32 = 24;

/// The compaction key of a group's GroupMetadata records: distinct from its offset keys
/// (`{group}\0{topic id}\0{partition}`), so compaction keeps the latest of each.
fn group_metadata_key(group: &str) -> String {
    format!("{group}\u{0}")
}

/// `partitionFor(groupId)`: `Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions`.
pub fn offsets_partition(group: &str, partitions: u32) -> u32 {
    let h = string_hash_code(group);
    let abs = if h == i32::MIN { 0 } else { h.unsigned_abs() };
    abs % partitions.max(1)
}

/// A consumer's request to its group's coordinator.
#[derive(Clone, Debug)]
pub(crate) enum GroupRequest {
    Join(JoinGroupRequest),
    Sync(SyncGroupRequest),
    Heartbeat(HeartbeatRequest),
    Leave(LeaveGroupRequest),
    OffsetCommit(OffsetCommitRequest),
    /// Committed offsets of these partitions.
    OffsetFetch(Vec<TopicPartition>),
}

/// One hosted group.
#[derive(Clone, Debug)]
struct HostedGroup {
    group: ClassicGroup,
    offsets_tp: TopicPartition,
    incarnation: u32,
    /// Requests the state machine has not answered yet: request id → (consumer, correlation).
    waiting: VecMap<RequestId, (ConsumerId, u64)>,
}

/// What a coordinator write completes (`CoordinatorRuntime`'s deferred event).
#[derive(Clone, Debug)]
enum Completion {
    /// An OffsetCommit: the cache learns the offsets and the consumer is answered.
    OffsetCommit {
        consumer: ConsumerId,
        correlation: u64,
        accepted: Vec<(TopicPartitionName, Offset)>,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// A GroupMetadata write: the group's state machine runs its callback.
    GroupMetadata { write: WriteId },
}

/// Records appended to `__consumer_offsets`, waiting for the high watermark.
#[derive(Clone, Debug)]
struct PendingCommit {
    token: u64,
    offsets_tp: TopicPartition,
    required: Offset,
    group: Rc<str>,
    incarnation: u32,
    records: Vec<RecordId>,
    completion: Completion,
}

/// The coordinator state of one broker.
#[derive(Clone, Debug, Default)]
pub(crate) struct GroupCoordinator {
    groups: VecMap<Rc<str>, HostedGroup>,
    /// Committed offsets of the groups whose offsets partition this broker leads.
    offsets: VecMap<Rc<str>, VecMap<TopicPartition, Offset>>,
    pending_commits: Vec<PendingCommit>,
    /// Live group timers by token (the agenda fires `TimerKey::GroupTimer { token }`).
    timers: VecMap<u64, (Rc<str>, GroupTimerKey)>,
    next_token: u64,
    next_request: u64,
}

impl GroupCoordinator {
    /// A hosted group's state machine.
    pub fn group(&self, group: &str) -> Option<&ClassicGroup> {
        self.groups.get(group).map(|g| &g.group)
    }

    /// A group's committed offsets, if this broker hosts its offsets partition.
    pub fn committed(&self, group: &str) -> Option<&VecMap<TopicPartition, Offset>> {
        self.offsets.get(group)
    }

    fn token(&mut self) -> u64 {
        self.next_token += 1;
        self.next_token
    }
}

impl Broker {
    /// The offsets partition of `group`, if `__consumer_offsets` exists.
    fn offsets_tp(ctx: &Ctx<'_>, group: &str) -> Option<TopicPartition> {
        let topic = ctx.catalog.id(OFFSETS_TOPIC)?;
        let partitions = ctx.catalog.get(topic)?.partitions;
        Some(TopicPartition {
            topic,
            partition: offsets_partition(group, partitions),
        })
    }

    fn leads(&self, tp: TopicPartition) -> bool {
        self.replicas
            .get(&tp)
            .is_some_and(|r| matches!(r.role, Role::Leader(_)))
    }

    fn send_group_response(
        &self,
        ctx: &mut Ctx<'_>,
        consumer: ConsumerId,
        correlation: u64,
        incarnation: u32,
        response: GroupResponse,
    ) {
        let msg = Message::GroupResponse {
            correlation,
            incarnation,
            response,
        };
        ctx.send(NodeId::Broker(self.id), NodeId::Consumer(consumer), msg);
    }

    /// Handles a consumer's group request (`GroupCoordinatorService`'s entry points).
    pub(crate) fn on_group_request(
        &mut self,
        ctx: &mut Ctx<'_>,
        consumer: ConsumerId,
        group: Rc<str>,
        correlation: u64,
        request: GroupRequest,
    ) {
        let hosted = Self::offsets_tp(ctx, &group).filter(|tp| self.leads(*tp));
        let Some(offsets_tp) = hosted else {
            let error = GroupError::NotCoordinator;
            return self.reject(ctx, consumer, correlation, &request, error);
        };
        if let GroupRequest::OffsetFetch(partitions) = request {
            let committed = self.coordinator.offsets.get(&group);
            let offsets = partitions
                .into_iter()
                .map(|tp| (tp, committed.and_then(|c| c.get(&tp)).copied()))
                .collect();
            let msg = Message::OffsetFetchResponse {
                correlation,
                error: None,
                offsets,
            };
            return ctx.send(NodeId::Broker(self.id), NodeId::Consumer(consumer), msg);
        }
        if !self.coordinator.groups.contains_key(&group) {
            let standalone_commit = matches!(&request,
                GroupRequest::OffsetCommit(c) if c.generation_id.0 < 0 && c.member_id.is_none());
            if !matches!(request, GroupRequest::Join(_)) && !standalone_commit {
                // Kafka: the group does not exist here (a new coordinator without its metadata).
                let error = GroupError::UnknownMemberId;
                return self.reject(ctx, consumer, correlation, &request, error);
            }
            let incarnation = ctx.checker.next_group_incarnation();
            let config = ctx.config.group_coordinator.clone();
            let group_state = ClassicGroup::new(&*group, config);
            let hosted = HostedGroup {
                group: group_state,
                offsets_tp,
                incarnation,
                waiting: VecMap::new(),
            };
            self.coordinator.groups.insert(group.clone(), hosted);
        }
        let now = ctx.now;
        self.coordinator.next_request += 1;
        let req = RequestId(self.coordinator.next_request);
        let hosted = self
            .coordinator
            .groups
            .get_mut(&group)
            .expect("inserted above");
        hosted.waiting.insert(req, (consumer, correlation));
        let g = &mut hosted.group;
        let out = match request {
            GroupRequest::Join(r) => g.join_group(now, req, r),
            GroupRequest::Sync(r) => g.sync_group(now, req, r),
            GroupRequest::Heartbeat(r) => g.heartbeat(now, req, r),
            GroupRequest::Leave(r) => g.leave_group(now, req, r),
            GroupRequest::OffsetCommit(r) => g.commit_offsets(now, req, r),
            GroupRequest::OffsetFetch(_) => unreachable!("answered above"),
        };
        self.apply_group_output(ctx, &group, out);
    }

    /// Answers a request for a group this broker does not host.
    fn reject(
        &self,
        ctx: &mut Ctx<'_>,
        consumer: ConsumerId,
        correlation: u64,
        request: &GroupRequest,
        error: GroupError,
    ) {
        let response = match request {
            GroupRequest::Join(j) => GroupResponse::JoinGroup(
                crate::group::JoinGroupResponse::error(error, j.member_id.clone()),
            ),
            GroupRequest::Sync(_) => GroupResponse::SyncGroup(crate::group::SyncGroupResponse {
                error: Some(error),
                protocol_name: None,
                assignment: Vec::new(),
            }),
            GroupRequest::Heartbeat(_) => GroupResponse::Heartbeat { error: Some(error) },
            GroupRequest::Leave(_) => GroupResponse::LeaveGroup { error: Some(error) },
            GroupRequest::OffsetCommit(_) => GroupResponse::OffsetCommit {
                error: Some(error),
                offsets: Vec::new(),
            },
            GroupRequest::OffsetFetch(_) => {
                let msg = Message::OffsetFetchResponse {
                    correlation,
                    error: Some(error),
                    offsets: Vec::new(),
                };
                return ctx.send(NodeId::Broker(self.id), NodeId::Consumer(consumer), msg);
            }
        };
        self.send_group_response(ctx, consumer, correlation, 0, response);
    }

    /// Sends a state machine's responses, sets its timers and emits its events.
    fn apply_group_output(&mut self, ctx: &mut Ctx<'_>, group: &Rc<str>, out: Output) {
        let me = self.id;
        for event in out.events {
            if let GroupEvent::InvariantViolated {
                invariant: GroupInvariant::SingleOwnerPerGeneration,
                detail,
            } = &event
            {
                ctx.emit(EventKind::InvariantViolated {
                    invariant: Invariant::SingleOwnerPerGeneration,
                    detail: format!("group {group}: {detail}"),
                    allowed_by: None,
                });
            }
            ctx.emit(EventKind::Group {
                group: group.to_string(),
                broker: me,
                event,
            });
        }
        for timer in out.timers {
            let token = self.coordinator.token();
            self.coordinator
                .timers
                .insert(token, (group.clone(), timer.key));
            ctx.agenda
                .set_timer(TimerKey::GroupTimer { broker: me, token }, timer.at);
        }
        // Cancelled keys need nothing: the state machine ignores a timer that is no longer live.
        let Some(hosted) = self.coordinator.groups.get_mut(group) else {
            return;
        };
        let incarnation = hosted.incarnation;
        let offsets_tp = hosted.offsets_tp;
        let mut commits = Vec::new();
        let mut replies = Vec::new();
        for (req, response) in out.responses {
            let Some((consumer, correlation)) = hosted.waiting.remove(&req) else {
                continue;
            };
            match response {
                GroupResponse::OffsetCommit {
                    error: None,
                    offsets,
                } => commits.push((consumer, correlation, offsets)),
                other => replies.push((consumer, correlation, other)),
            }
        }
        for (consumer, correlation, response) in replies {
            self.send_group_response(ctx, consumer, correlation, incarnation, response);
        }
        for (consumer, correlation, offsets) in commits {
            self.append_offset_commit(
                ctx,
                group,
                offsets_tp,
                consumer,
                correlation,
                incarnation,
                offsets,
            );
        }
        for write in out.writes {
            self.append_group_metadata(ctx, group, offsets_tp, incarnation, write);
        }
    }

    /// A group timer fired.
    pub(crate) fn on_group_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) {
        let Some((group, key)) = self.coordinator.timers.remove(&token) else {
            return;
        };
        let now = ctx.now;
        let Some(hosted) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        let out = hosted.group.on_timer(now, key);
        self.apply_group_output(ctx, &group, out);
    }

    /// Writes accepted offsets to `__consumer_offsets` (acks=all); the consumer is answered once
    /// the high watermark passes them (`CoordinatorRuntime`'s deferred write completion).
    #[allow(clippy::too_many_arguments)]
    fn append_offset_commit(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &Rc<str>,
        offsets_tp: TopicPartition,
        consumer: ConsumerId,
        correlation: u64,
        incarnation: u32,
        accepted: Vec<(TopicPartitionName, Offset)>,
    ) {
        let offsets: Vec<(TopicPartition, Offset)> = accepted
            .iter()
            .filter_map(|(name, o)| {
                let topic = ctx.catalog.id(&name.topic)?;
                Some((
                    TopicPartition {
                        topic,
                        partition: name.partition,
                    },
                    *o,
                ))
            })
            .collect();
        if offsets.is_empty() {
            // Nothing to write: answered at once (a commit waiting for a high watermark that
            // no record of its own moves would otherwise wait for someone else's).
            let response = GroupResponse::OffsetCommit {
                error: None,
                offsets: accepted,
            };
            return self.send_group_response(ctx, consumer, correlation, incarnation, response);
        }
        let records: Vec<(String, Value, u32)> = offsets
            .iter()
            .map(|(tp, offset)| {
                let key = format!("{group}\u{0}{}\u{0}{}", tp.topic.0, tp.partition);
                let value = Value::OffsetCommit(Box::new(OffsetCommitValue {
                    group: group.clone(),
                    tp: *tp,
                    offset: *offset,
                }));
                (key, value, OFFSET_COMMIT_RECORD_BYTES)
            })
            .collect();
        let completion = Completion::OffsetCommit {
            consumer,
            correlation,
            accepted,
            offsets,
        };
        if let Err(error) = self.append_coordinator_records(
            ctx,
            group,
            offsets_tp,
            incarnation,
            records,
            completion,
        ) {
            let response = GroupResponse::OffsetCommit {
                error: Some(error),
                offsets: Vec::new(),
            };
            self.send_group_response(ctx, consumer, correlation, incarnation, response);
        }
    }

    /// Writes a group's GroupMetadata record to `__consumer_offsets` (acks=all); the group hears
    /// the outcome once the high watermark passes it, or at once if the append fails.
    fn append_group_metadata(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &Rc<str>,
        offsets_tp: TopicPartition,
        incarnation: u32,
        write: GroupMetadataWrite,
    ) {
        let GroupMetadataWrite { write, value } = write;
        let size = GROUP_METADATA_OVERHEAD_BYTES
            .saturating_add(value.encoded_len())
            .saturating_add(u32::try_from(group.len()).unwrap_or(u32::MAX));
        let value = Value::GroupMetadata(Box::new(GroupMetadataRecord {
            group: group.clone(),
            value,
        }));
        let records = vec![(group_metadata_key(group), value, size)];
        let completion = Completion::GroupMetadata { write };
        if let Err(error) = self.append_coordinator_records(
            ctx,
            group,
            offsets_tp,
            incarnation,
            records,
            completion,
        ) {
            self.complete_group_write(ctx, group, incarnation, write, Some(error));
        }
    }

    /// Appends coordinator records (key, value, size) to the offsets partition this broker leads
    /// and waits for the high watermark to pass them. Fails at once with `NOT_COORDINATOR` when
    /// it does not lead the partition, and with `COORDINATOR_NOT_AVAILABLE` (Kafka's mapping of
    /// NOT_ENOUGH_REPLICAS) when the ISR is below `min.insync.replicas`.
    fn append_coordinator_records(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &Rc<str>,
        offsets_tp: TopicPartition,
        incarnation: u32,
        records: Vec<(String, Value, u32)>,
        completion: Completion,
    ) -> Result<(), GroupError> {
        let me = self.id;
        let min_isr = ctx.catalog.effective_min_isr(offsets_tp.topic);
        let Some(replica) = self.replicas.get_mut(&offsets_tp) else {
            return Err(GroupError::NotCoordinator);
        };
        let epoch = replica.leader_epoch();
        let enough = match &replica.role {
            Role::Leader(l) => l.enough_replicas_for(Acks::All, min_isr),
            _ => return Err(GroupError::NotCoordinator),
        };
        if !enough {
            return Err(GroupError::CoordinatorNotAvailable);
        }
        let (segment_bytes, segment_ms) = ctx
            .catalog
            .get(offsets_tp.topic)
            .map(|t| (t.config.segment_bytes, t.config.segment_ms))
            .unwrap_or((u64::MAX, u64::MAX));
        let base = replica.log.log_end_offset();
        let mut ids = Vec::with_capacity(records.len());
        for (i, (key, value, size_bytes)) in records.into_iter().enumerate() {
            let key = ctx.ledger.keys.intern(key.as_bytes());
            let sent = NewRecord {
                tp: offsets_tp,
                producer: COORDINATOR_PRODUCER,
                key: Some(key),
                value,
                size_bytes,
            };
            let record = ctx.ledger.create(sent, ctx.now);
            let entry = LogEntry::new(Offset(base.0 + i as u64), epoch, record);
            let meta = ctx.ledger.on_replica_append(record, me, true);
            replica.log.append(entry, meta, (segment_bytes, segment_ms));
            ids.push(record);
        }
        let count = ids.len() as u32;
        if count > 0 {
            ctx.emit(EventKind::RecordsAppended {
                tp: offsets_tp,
                broker: me,
                base_offset: base,
                count,
                as_leader: true,
            });
        }
        let token = self.coordinator.token();
        self.coordinator.pending_commits.push(PendingCommit {
            token,
            offsets_tp,
            required: Offset(base.0 + u64::from(count)),
            group: group.clone(),
            incarnation,
            records: ids,
            completion,
        });
        let timeout = ctx.config.broker.offsets_commit_timeout_ms;
        ctx.set_timer(TimerKey::OffsetCommitTimeout { broker: me, token }, timeout);
        // Wakes followers parked on this partition, and completes at once with one replica.
        self.on_leader_append(ctx, offsets_tp);
        Ok(())
    }

    /// Tells a hosted group how its GroupMetadata write ended (if it is still the same hosting).
    fn complete_group_write(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &Rc<str>,
        incarnation: u32,
        write: WriteId,
        error: Option<GroupError>,
    ) {
        let now = ctx.now;
        let out = match self.coordinator.groups.get_mut(group) {
            Some(hosted) if hosted.incarnation == incarnation => {
                hosted.group.on_write_complete(now, write, error)
            }
            _ => return,
        };
        self.apply_group_output(ctx, group, out);
    }

    /// The offsets partition's high watermark reached `hw`: complete the commits below it.
    pub(crate) fn complete_offset_commits(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        hw: Offset,
    ) {
        if self.coordinator.pending_commits.is_empty() {
            return;
        }
        let (done, waiting): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.coordinator.pending_commits)
                .into_iter()
                .partition(|c| c.offsets_tp == tp && c.required <= hw);
        self.coordinator.pending_commits = waiting;
        for c in done {
            ctx.cancel_timer(TimerKey::OffsetCommitTimeout {
                broker: self.id,
                token: c.token,
            });
            for r in &c.records {
                ctx.ledger.on_outcome(
                    *r,
                    Outcome::Acked {
                        offset: None,
                        acks: Acks::All,
                    },
                );
            }
            match c.completion {
                Completion::OffsetCommit {
                    consumer,
                    correlation,
                    accepted,
                    offsets,
                } => {
                    let cache = self.coordinator.offsets.entry(c.group.clone()).or_default();
                    for (tp, offset) in &offsets {
                        cache.insert(*tp, *offset);
                    }
                    let response = GroupResponse::OffsetCommit {
                        error: None,
                        offsets: accepted,
                    };
                    self.send_group_response(ctx, consumer, correlation, c.incarnation, response);
                }
                Completion::GroupMetadata { write } => {
                    self.complete_group_write(ctx, &c.group, c.incarnation, write, None);
                }
            }
        }
    }

    /// An offset commit waited longer than `offsets.commit.timeout.ms`.
    pub(crate) fn expire_offset_commit(&mut self, ctx: &mut Ctx<'_>, token: u64) {
        let Some(i) = self
            .coordinator
            .pending_commits
            .iter()
            .position(|c| c.token == token)
        else {
            return;
        };
        let c = self.coordinator.pending_commits.remove(i);
        self.fail_commit(
            ctx,
            c,
            GroupError::CoordinatorNotAvailable,
            KafkaError::RequestTimedOut,
        );
    }

    fn fail_commit(
        &mut self,
        ctx: &mut Ctx<'_>,
        c: PendingCommit,
        error: GroupError,
        cause: KafkaError,
    ) {
        for r in &c.records {
            ctx.ledger.on_outcome(*r, Outcome::Failed(cause));
        }
        match c.completion {
            Completion::OffsetCommit {
                consumer,
                correlation,
                ..
            } => {
                let response = GroupResponse::OffsetCommit {
                    error: Some(error),
                    offsets: Vec::new(),
                };
                self.send_group_response(ctx, consumer, correlation, c.incarnation, response);
            }
            Completion::GroupMetadata { write } => {
                self.complete_group_write(ctx, &c.group, c.incarnation, write, Some(error));
            }
        }
    }

    /// Became leader of an offsets partition: replay its log (Kafka loads the partition before
    /// serving its groups) — offset commits into the offset cache, and each group's latest
    /// GroupMetadata record into a hosted group (`GroupMetadataManager.replay` + `onLoaded`).
    /// Groups this broker already hosts (it stayed leader under a new epoch) are kept as they are.
    pub(crate) fn load_offsets(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        let Some(replica) = self.replicas.get(&tp) else {
            return;
        };
        let mut groups: VecMap<Rc<str>, &GroupMetadataValue> = VecMap::new();
        for e in replica.log.entries() {
            match ctx.ledger.stored_value(e.record()) {
                Some(Value::OffsetCommit(v)) => {
                    self.coordinator
                        .offsets
                        .entry(v.group.clone())
                        .or_default()
                        .insert(v.tp, v.offset);
                }
                Some(Value::GroupMetadata(g)) => {
                    groups.insert(g.group.clone(), &g.value);
                }
                _ => {}
            }
        }
        let groups: Vec<(Rc<str>, GroupMetadataValue)> = groups
            .into_iter()
            .filter(|(name, _)| !self.coordinator.groups.contains_key(name))
            .map(|(name, value)| (name, value.clone()))
            .collect();
        for (name, value) in groups {
            let config = ctx.config.group_coordinator.clone();
            let (group, out) = ClassicGroup::load(&*name, config, &value, ctx.now);
            let hosted = HostedGroup {
                group,
                offsets_tp: tp,
                incarnation: ctx.checker.next_group_incarnation(),
                waiting: VecMap::new(),
            };
            self.coordinator.groups.insert(name.clone(), hosted);
            self.apply_group_output(ctx, &name, out);
        }
    }

    /// Lost leadership of an offsets partition: its groups are unloaded (parked requests answered
    /// NOT_COORDINATOR), its offsets dropped, its waiting commits failed.
    pub(crate) fn unload_offsets_partition(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        let now = ctx.now;
        let names: Vec<Rc<str>> = self
            .coordinator
            .groups
            .iter()
            .filter(|(_, g)| g.offsets_tp == tp)
            .map(|(k, _)| k.clone())
            .collect();
        for name in names {
            let out = match self.coordinator.groups.get_mut(&name) {
                Some(hosted) => hosted.group.unload(now),
                None => continue,
            };
            self.apply_group_output(ctx, &name, out);
            self.coordinator.groups.remove(&name);
        }
        let partitions = ctx.catalog.get(tp.topic).map(|t| t.partitions).unwrap_or(1);
        self.coordinator
            .offsets
            .retain(|group, _| offsets_partition(group, partitions) != tp.partition);
        let (failed, waiting): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.coordinator.pending_commits)
                .into_iter()
                .partition(|c| c.offsets_tp == tp);
        self.coordinator.pending_commits = waiting;
        for c in failed {
            ctx.cancel_timer(TimerKey::OffsetCommitTimeout {
                broker: self.id,
                token: c.token,
            });
            self.fail_commit(
                ctx,
                c,
                GroupError::NotCoordinator,
                KafkaError::NotLeaderOrFollower,
            );
        }
        self.coordinator
            .timers
            .retain(|_, (group, _)| offsets_partition(group, partitions) != tp.partition);
    }
}

/// The broker hosting each group's coordinator now: the leader of its offsets partition.
pub(crate) fn coordinator_of(
    catalog: &crate::topic::Catalog,
    leader_of: impl Fn(TopicPartition) -> Option<BrokerId>,
    group: &str,
) -> Option<BrokerId> {
    let topic = catalog.id(OFFSETS_TOPIC)?;
    let partitions = catalog.get(topic)?.partitions;
    leader_of(TopicPartition {
        topic,
        partition: offsets_partition(group, partitions),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_partition_is_abs_java_hash_mod_partitions() {
        // Java: "hello".hashCode() == 99162322, and 99162322 % 50 == 22.
        assert_eq!(offsets_partition("hello", 50), 22);
        // A negative hash: "zzzzzzzz".hashCode() overflows to -1910022912 (computed independently
        // with Python's int arithmetic mod 2^32), so abs % 50 == 12.
        assert_eq!(offsets_partition("zzzzzzzz", 50), 12);
        // Integer.MIN_VALUE maps to partition 0 (Utils.abs); "polygenelubricants" hashes to it.
        assert_eq!(string_hash_code("polygenelubricants"), i32::MIN);
        assert_eq!(offsets_partition("polygenelubricants", 50), 0);
    }
}
