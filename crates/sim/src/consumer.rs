//! The consumer client: group membership through the classic rebalance protocol, fetching from
//! partition leaders below the high watermark, positions, `auto.offset.reset`, `max.poll.records`,
//! the application's processing time, and the four commit modes.
//!
//! Mirrors `KafkaConsumer` (classic protocol): `ConsumerCoordinator` / `AbstractCoordinator`
//! (`ensureCoordinatorReady`, `joinGroupIfNeeded`, `onJoinPrepare`, `onJoinComplete`,
//! `onLeaderElected`, the heartbeat thread with its `max.poll.interval.ms` check, auto-commit),
//! `Fetcher` (one fetch per partition here; completed fetches drained in arrival order) and
//! `SubscriptionState` (positions). Eager rebalancing revokes everything before JoinGroup;
//! cooperative rebalancing revokes only partitions that moved, then rejoins (two rounds).
//!
//! The application loop is modelled too: `poll()` → (commit before processing) → process for
//! `processing.ms.per.record` × records → (commit after processing) → `poll()` again; the
//! heartbeat thread keeps running meanwhile, as in Kafka since KIP-62.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use crate::agenda::TimerKey;
use crate::assignor::{AssignmentStrategy, Assignor, TopicPartitionName};
use crate::config::{AutoOffsetReset, CommitMode, ConsumerConfig};
use crate::error::KafkaError;
use crate::event::{EventKind, Invariant};
use crate::group::{
    ConsumerProtocolSubscription, GenerationId, GroupError, GroupResponse, HeartbeatRequest,
    JoinGroupRequest, JoinGroupRequestProtocol, JoinGroupResponse, LeaveGroupRequest, MemberId,
    SyncGroupRequest, SyncGroupResponse,
};
use crate::group_coordinator::{GroupRequest, OFFSETS_TOPIC, offsets_partition};
use crate::ids::{BrokerId, ConsumerId, NodeId, Offset, RecordId, TopicPartition};
use crate::message::{ConsumerFetchResult, Message};
use crate::metadata::PartitionRegistration;
use crate::node::Ctx;
use crate::time::SimTime;

mod offset_commit;

use offset_commit::{DEFAULT_API_TIMEOUT_MS, DEFAULT_CLOSE_TIMEOUT_MS, Offsets};

/// `max.partition.fetch.bytes` (Kafka's default, 1 MiB).
const MAX_PARTITION_FETCH_BYTES: u32 = 1_048_576;
/// `AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE`: the JoinGroup timeout's margin over the
/// rebalance timeout.
const JOIN_GROUP_TIMEOUT_LAPSE_MS: u64 = 5_000;

/// Where the member is in the rebalance protocol (`AbstractCoordinator.MemberState` + joining).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemberState {
    /// Not in the group: must (re)join.
    Unjoined,
    /// An auto-commit before rejoining is in flight (`onJoinPrepare`).
    PreparingJoin,
    /// JoinGroup sent.
    Joining,
    /// SyncGroup sent.
    Syncing,
    /// Has an assignment for the current generation.
    Stable,
}

impl MemberState {
    fn name(self) -> &'static str {
        match self {
            MemberState::Unjoined => "unjoined",
            MemberState::PreparingJoin => "committing before rejoin",
            MemberState::Joining => "joining",
            MemberState::Syncing => "syncing",
            MemberState::Stable => "stable",
        }
    }
}

/// What the application thread is doing.
#[derive(Clone, Debug)]
enum App {
    /// Waiting inside `poll()` for records, a join, or positions.
    Polling,
    /// Holds a poll's records: about to process them, or waiting for the commit before
    /// processing (`BeforeProcessing`).
    Polled { batch: Batch },
    /// Processing a poll's records until `until`.
    Processing { batch: Batch, started: SimTime },
    /// Waiting for `commitSync()` after processing.
    CommittingAfter,
    /// Closing: waiting for the final commit before LeaveGroup.
    Closing,
}

/// Records returned by one poll, grouped by partition in poll order.
type Batch = Vec<(TopicPartition, Vec<(Offset, RecordId)>)>;

/// Per assigned partition.
#[derive(Clone, Debug, Default)]
struct PartitionState {
    /// The next offset to return from `poll()` (`None` until initialised).
    position: Option<Offset>,
    /// A fetch in flight (its correlation) and its fetch offset.
    fetching: Option<(u64, Offset)>,
    /// Position lookup (OffsetFetch / ListOffsets) in flight.
    resolving: bool,
    /// Fetched records not yet returned by `poll()`.
    buffer: VecDeque<(Offset, RecordId)>,
}

/// What a correlation id is waiting for.
#[derive(Clone, Debug)]
enum Pending {
    Join,
    Sync,
    Heartbeat,
    Leave,
    Commit { sync: bool, offsets: Offsets },
    OffsetFetch,
    Fetch(TopicPartition),
    ListOffsets(TopicPartition),
}

/// A consumer client.
#[derive(Clone, Debug)]
pub(crate) struct Consumer {
    pub id: ConsumerId,
    pub group: Rc<str>,
    pub topics: Vec<String>,
    pub config: ConsumerConfig,
    client_id: String,
    group_instance_id: Option<String>,
    pub alive: bool,
    /// Closing gracefully after the current batch.
    stopping: bool,
    // Metadata.
    leaders: BTreeMap<TopicPartition, (Option<BrokerId>, u32)>,
    partition_counts: Vec<u32>,
    metadata_requested_at: Option<SimTime>,
    // Group membership.
    coordinator: Option<BrokerId>,
    pub member_id: Option<MemberId>,
    generation: GenerationId,
    incarnation: u32,
    pub state: MemberState,
    rejoin_needed: bool,
    assignor: Option<Assignor>,
    /// The leader's `assignmentSnapshot`: partition counts of the group's topics it assigned from.
    assignment_snapshot: Option<BTreeMap<String, u32>>,
    // Ownership and positions.
    pub assigned: BTreeSet<TopicPartition>,
    partitions: BTreeMap<TopicPartition, PartitionState>,
    /// Partitions with buffered records, in the order their fetches completed.
    completed: VecDeque<TopicPartition>,
    // Application.
    app: App,
    last_poll: SimTime,
    next_auto_commit: SimTime,
    heartbeat_in_flight: bool,
    /// When the blocking commit in progress gives up (`default.api.timeout.ms`).
    sync_commit_deadline: Option<SimTime>,
    /// A blocking commit waiting to be retried after a retriable failure.
    commit_retry: Option<Offsets>,
    /// When the pending `ConsumerWake` timer fires.
    wake_at: Option<SimTime>,
    next_correlation: u64,
    in_flight: BTreeMap<u64, Pending>,
}

impl Consumer {
    pub fn new(
        id: ConsumerId,
        group: Rc<str>,
        topics: Vec<String>,
        config: ConsumerConfig,
        now: SimTime,
    ) -> Consumer {
        let client_id = format!("consumer-{group}-{}", id.0 + 1);
        let group_instance_id = config
            .group_instance_id
            .as_ref()
            .map(|prefix| format!("{prefix}-{}", id.0));
        Consumer {
            id,
            group,
            topics,
            client_id,
            group_instance_id,
            alive: true,
            stopping: false,
            leaders: BTreeMap::new(),
            partition_counts: Vec::new(),
            metadata_requested_at: None,
            coordinator: None,
            member_id: None,
            generation: GenerationId::NONE,
            incarnation: 0,
            state: MemberState::Unjoined,
            rejoin_needed: true,
            assignor: None,
            assignment_snapshot: None,
            assigned: BTreeSet::new(),
            partitions: BTreeMap::new(),
            completed: VecDeque::new(),
            app: App::Polling,
            last_poll: now,
            next_auto_commit: now.plus_ms(config.auto_commit_interval_ms),
            heartbeat_in_flight: false,
            sync_commit_deadline: None,
            commit_retry: None,
            wake_at: None,
            next_correlation: 0,
            in_flight: BTreeMap::new(),
            config,
        }
    }

    fn node(&self) -> NodeId {
        NodeId::Consumer(self.id)
    }

    /// What the client is doing, for views.
    pub fn client_state(&self) -> &'static str {
        if !self.alive {
            return "stopped";
        }
        if self.stopping {
            return "closing";
        }
        match (&self.app, self.state) {
            (_, s) if s != MemberState::Stable => s.name(),
            (App::Processing { .. }, _) => "processing",
            (App::Polled { .. } | App::CommittingAfter | App::Closing, _) => "committing",
            (App::Polling, _) => "polling",
        }
    }

    /// The fetch position of an owned partition.
    pub fn position(&self, tp: TopicPartition) -> Option<Offset> {
        self.partitions.get(&tp).and_then(|p| p.position)
    }

    /// The generation the member last joined.
    pub fn generation(&self) -> i32 {
        self.generation.0
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /// The process starts (or restarts): ask for metadata, then poll.
    pub fn start(&mut self, ctx: &mut Ctx<'_>) {
        self.alive = true;
        self.stopping = false;
        self.last_poll = ctx.now;
        self.next_auto_commit = ctx.now.plus_ms(self.config.auto_commit_interval_ms);
        self.request_metadata(ctx);
        self.set_heartbeat_timer(ctx);
        self.poll(ctx);
    }

    /// The process dies: everything in memory is gone; the coordinator finds out by the session timeout.
    pub fn crash(&mut self, ctx: &mut Ctx<'_>) {
        self.finish_partial_processing(ctx);
        self.reset_in_memory(ctx);
        self.alive = false;
        ctx.emit(EventKind::ConsumerCrashed { consumer: self.id });
    }

    /// `close()`: after the current batch, commit (auto-commit mode), leave the group, stop.
    pub fn stop(&mut self, ctx: &mut Ctx<'_>) {
        self.stopping = true;
        if matches!(self.app, App::Polling) {
            self.close(ctx);
        }
    }

    fn close(&mut self, ctx: &mut Ctx<'_>) {
        // `maybeAutoCommitOffsetsSync` within close()'s timeout, then LeaveGroup.
        if self.config.commit == CommitMode::Auto && self.state == MemberState::Stable {
            self.app = App::Closing;
            if self.commit(ctx, Some(DEFAULT_CLOSE_TIMEOUT_MS)) {
                return;
            }
            self.app = App::Polling;
        }
        self.leave_and_stop(ctx);
    }

    fn leave_and_stop(&mut self, ctx: &mut Ctx<'_>) {
        if let (Some(member_id), Some(_)) = (self.member_id.clone(), self.coordinator)
            && self.state != MemberState::Unjoined
        {
            let leave = LeaveGroupRequest {
                member_id: Some(member_id),
                group_instance_id: self.group_instance_id.clone(),
            };
            // Static members do not send LeaveGroup on close (KIP-345): their slot waits.
            if self.group_instance_id.is_none() {
                self.send_group(ctx, GroupRequest::Leave(leave), Pending::Leave);
            }
        }
        self.revoke_all(ctx, false);
        self.reset_in_memory(ctx);
        self.alive = false;
        ctx.emit(EventKind::ConsumerStopped { consumer: self.id });
    }

    /// Drops all in-memory client state (a crash, or after close).
    fn reset_in_memory(&mut self, ctx: &mut Ctx<'_>) {
        for c in std::mem::take(&mut self.in_flight).into_keys() {
            ctx.cancel_timer(TimerKey::ConsumerRequestTimeout {
                consumer: self.id,
                correlation: c,
            });
        }
        for key in [
            TimerKey::ConsumerHeartbeat(self.id),
            TimerKey::ConsumerProcessed(self.id),
            TimerKey::ConsumerWake(self.id),
        ] {
            ctx.cancel_timer(key);
        }
        self.coordinator = None;
        self.member_id = None;
        self.generation = GenerationId::NONE;
        self.state = MemberState::Unjoined;
        self.rejoin_needed = true;
        self.assignor = None;
        self.assignment_snapshot = None;
        self.assigned.clear();
        self.partitions.clear();
        self.completed.clear();
        self.app = App::Polling;
        self.heartbeat_in_flight = false;
        self.sync_commit_deadline = None;
        self.commit_retry = None;
        self.wake_at = None;
        self.stopping = false;
    }

    // ---- messages and timers ------------------------------------------------------------------

    pub fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        match message {
            Message::MetadataUpdate {
                partition_counts,
                partitions,
                ..
            } => self.apply_metadata(ctx, partition_counts, &partitions),
            Message::MetadataResponse { image } => {
                self.apply_metadata(ctx, image.partition_counts.clone(), &image.partitions)
            }
            Message::GroupResponse {
                correlation,
                incarnation,
                response,
            } => {
                if let Some(pending) = self.take_pending(ctx, correlation) {
                    self.on_group_response(ctx, from, pending, incarnation, response);
                }
            }
            Message::OffsetFetchResponse {
                correlation,
                error,
                offsets,
            } if self.take_pending(ctx, correlation).is_some() => {
                self.on_offset_fetch(ctx, from, error, offsets);
            }
            Message::ConsumerFetchResponse {
                tp,
                correlation,
                result,
            } if self.take_pending(ctx, correlation).is_some() => {
                self.on_fetch_response(ctx, tp, correlation, result);
            }
            Message::ListOffsetsResponse {
                tp,
                correlation,
                result,
            } if self.take_pending(ctx, correlation).is_some() => {
                self.on_list_offsets(ctx, tp, result);
            }
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, key: TimerKey) {
        match key {
            TimerKey::ConsumerHeartbeat(_) => self.heartbeat_tick(ctx),
            TimerKey::ConsumerProcessed(_) => self.processing_done(ctx),
            TimerKey::ConsumerWake(_) => {
                self.wake_at = None;
                if !self.retry_commit(ctx) {
                    self.poll(ctx);
                }
            }
            TimerKey::ConsumerRequestTimeout { correlation, .. } => {
                if let Some(pending) = self.in_flight.remove(&correlation) {
                    self.on_request_timeout(ctx, pending);
                }
            }
            _ => {}
        }
    }

    fn take_pending(&mut self, ctx: &mut Ctx<'_>, correlation: u64) -> Option<Pending> {
        let pending = self.in_flight.remove(&correlation)?;
        ctx.cancel_timer(TimerKey::ConsumerRequestTimeout {
            consumer: self.id,
            correlation,
        });
        Some(pending)
    }

    fn send(&mut self, ctx: &mut Ctx<'_>, to: BrokerId, message: Message, pending: Pending) -> u64 {
        let correlation = self.next_correlation;
        let timeout = match pending {
            // The coordinator parks a JoinGroup for up to the rebalance timeout, so the client
            // waits that long plus 5 s (`AbstractCoordinator.sendJoinGroupRequest`).
            Pending::Join => self
                .config
                .request_timeout_ms
                .max(self.config.max_poll_interval_ms + JOIN_GROUP_TIMEOUT_LAPSE_MS),
            // A fetch may be held by the leader for fetch.max.wait.ms on top of the request timeout.
            _ => self.config.request_timeout_ms + self.config.fetch_max_wait_ms,
        };
        self.in_flight.insert(correlation, pending);
        ctx.send(self.node(), NodeId::Broker(to), message);
        ctx.set_timer(
            TimerKey::ConsumerRequestTimeout {
                consumer: self.id,
                correlation,
            },
            timeout,
        );
        self.next_correlation += 1;
        correlation
    }

    fn send_group(&mut self, ctx: &mut Ctx<'_>, request: GroupRequest, pending: Pending) -> bool {
        let Some(coordinator) = self.coordinator else {
            return false;
        };
        let correlation = self.next_correlation;
        let msg = Message::GroupRequest {
            group: self.group.clone(),
            correlation,
            request,
        };
        self.send(ctx, coordinator, msg, pending);
        true
    }

    /// Makes the application poll again within `ms` (an earlier wake-up already set stays).
    fn wake_after(&mut self, ctx: &mut Ctx<'_>, ms: u64) {
        let at = ctx.now.plus_ms(ms.max(1));
        if self.wake_at.is_some_and(|w| w > ctx.now && w <= at) {
            return;
        }
        self.wake_at = Some(at);
        ctx.agenda.set_timer(TimerKey::ConsumerWake(self.id), at);
    }

    // ---- metadata and coordinator -------------------------------------------------------------

    fn request_metadata(&mut self, ctx: &mut Ctx<'_>) {
        let backoff = self.config.retry_backoff_ms.max(1);
        if self
            .metadata_requested_at
            .is_some_and(|t| ctx.now.since(t) < backoff)
        {
            return;
        }
        self.metadata_requested_at = Some(ctx.now);
        ctx.send(self.node(), NodeId::Controller, Message::MetadataRequest);
    }

    fn apply_metadata(
        &mut self,
        ctx: &mut Ctx<'_>,
        counts: Vec<u32>,
        partitions: &[PartitionRegistration],
    ) {
        for (i, c) in counts.iter().enumerate() {
            if self.partition_counts.len() <= i {
                self.partition_counts.resize(i + 1, 0);
            }
            self.partition_counts[i] = self.partition_counts[i].max(*c);
        }
        let mut moved = Vec::new();
        for reg in partitions {
            let entry = self.leaders.entry(reg.tp).or_insert((None, 0));
            if reg.partition_epoch >= entry.1 || entry.0.is_none() {
                if entry.0 != reg.leader {
                    moved.push(reg.tp);
                }
                *entry = (reg.leader, reg.partition_epoch);
            }
        }
        // The leader leading a fetch in flight changed: that fetch will not be answered usefully.
        for tp in moved {
            if let Some(p) = self.partitions.get_mut(&tp)
                && let Some((correlation, _)) = p.fetching.take()
            {
                self.in_flight.remove(&correlation);
                ctx.cancel_timer(TimerKey::ConsumerRequestTimeout {
                    consumer: self.id,
                    correlation,
                });
            }
        }
        // `rejoinNeededOrPending`: the leader rebalances when the metadata it assigned from
        // changed (`assignmentSnapshot` no longer matches); the others learn it from the
        // coordinator.
        if let Some(snapshot) = &self.assignment_snapshot
            && *snapshot != self.partition_counts_of(ctx, snapshot.keys())
        {
            self.rejoin_needed = true;
        }
        if !self.alive {
            return;
        }
        if matches!(self.app, App::Polling) {
            self.poll(ctx);
        }
    }

    /// Partition counts of `topics` in this client's metadata (topics it does not know: absent).
    fn partition_counts_of<'a>(
        &self,
        ctx: &Ctx<'_>,
        topics: impl Iterator<Item = &'a String>,
    ) -> BTreeMap<String, u32> {
        topics
            .filter_map(|t| {
                let id = ctx.catalog.id(t)?;
                let n = self.partition_counts.get(id.0 as usize).copied()?;
                (n > 0).then(|| (t.clone(), n))
            })
            .collect()
    }

    /// `ensureCoordinatorReady`: the leader of the group's `__consumer_offsets` partition.
    fn ensure_coordinator(&mut self, ctx: &mut Ctx<'_>) -> bool {
        if self.coordinator.is_some() {
            return true;
        }
        let found = ctx.catalog.id(OFFSETS_TOPIC).and_then(|topic| {
            let partitions = self.partition_counts.get(topic.0 as usize).copied()?;
            let partition = offsets_partition(&self.group, partitions);
            let tp = TopicPartition { topic, partition };
            let leader = self.leaders.get(&tp).and_then(|(l, _)| *l)?;
            Some((leader, partition))
        });
        match found {
            Some((broker, offsets_partition)) => {
                self.coordinator = Some(broker);
                ctx.emit(EventKind::CoordinatorFound {
                    consumer: self.id,
                    group: self.group.to_string(),
                    broker,
                    offsets_partition,
                });
                true
            }
            None => {
                self.request_metadata(ctx);
                self.wake_after(ctx, self.config.retry_backoff_ms);
                false
            }
        }
    }

    /// `markCoordinatorUnknown`: forget it, refresh metadata, look again.
    fn coordinator_lost(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(broker) = self.coordinator.take() {
            ctx.emit(EventKind::CoordinatorLost {
                consumer: self.id,
                group: self.group.to_string(),
                broker,
            });
        }
        // Requests to the old coordinator will not be answered usefully.
        let stale: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, p)| {
                matches!(
                    p,
                    Pending::Join | Pending::Sync | Pending::Heartbeat | Pending::OffsetFetch
                )
            })
            .map(|(c, _)| *c)
            .collect();
        for c in stale {
            self.in_flight.remove(&c);
            ctx.cancel_timer(TimerKey::ConsumerRequestTimeout {
                consumer: self.id,
                correlation: c,
            });
        }
        self.heartbeat_in_flight = false;
        for p in self.partitions.values_mut() {
            p.resolving = false;
        }
        if matches!(self.state, MemberState::Joining | MemberState::Syncing) {
            self.state = MemberState::Unjoined;
        }
        self.metadata_requested_at = None;
        self.request_metadata(ctx);
        self.wake_after(ctx, self.config.retry_backoff_ms);
        self.fail_commits_in_flight(ctx);
    }

    // ---- the poll loop ------------------------------------------------------------------------

    /// `KafkaConsumer.poll()`: rejoin if needed, auto-commit, resolve positions, fetch, and hand
    /// up to `max.poll.records` records to the application.
    fn poll(&mut self, ctx: &mut Ctx<'_>) {
        if !self.alive || !matches!(self.app, App::Polling) {
            return;
        }
        if self.stopping {
            return self.close(ctx);
        }
        self.last_poll = ctx.now;
        // `ConsumerCoordinator.poll`: without a coordinator nothing about the group can move on,
        // but the partitions still owned keep being fetched (`KafkaConsumer.poll` goes on to
        // `pollForFetches`; a position still to look up waits for the coordinator).
        if self.ensure_coordinator(ctx) {
            if self.rejoin_needed || self.state != MemberState::Stable {
                self.join_if_needed(ctx);
                // Eager: nothing is owned while rejoining. Cooperative (KIP-429): keep consuming
                // the partitions still owned while the rebalance runs.
                let keep_going = self.config.cooperative() && !self.assigned.is_empty();
                if self.state != MemberState::Stable && !keep_going {
                    return;
                }
            }
            if self.config.commit == CommitMode::Auto {
                // maybeAutoCommitOffsetsAsync; outside a stable generation it would fail locally.
                if ctx.now >= self.next_auto_commit && self.state == MemberState::Stable {
                    self.next_auto_commit = ctx.now.plus_ms(self.config.auto_commit_interval_ms);
                    self.commit(ctx, None);
                }
                let wait = self.next_auto_commit.since(ctx.now);
                self.wake_after(ctx, wait);
            }
        }
        self.resolve_positions(ctx);
        let batch = self.take_records();
        self.send_fetches(ctx);
        if batch.is_empty() {
            return;
        }
        self.app = App::Polled { batch };
        if self.config.commit != CommitMode::BeforeProcessing
            || !self.commit(ctx, Some(DEFAULT_API_TIMEOUT_MS))
        {
            self.start_processing(ctx);
        }
    }

    /// Takes up to `max.poll.records` buffered records, oldest completed fetch first, and moves
    /// each partition's position past what it returns.
    fn take_records(&mut self) -> Batch {
        let mut left = self.config.max_poll_records as usize;
        let mut batch: Batch = Vec::new();
        while left > 0 {
            let Some(&tp) = self.completed.front() else {
                break;
            };
            let Some(p) = self.partitions.get_mut(&tp) else {
                self.completed.pop_front();
                continue;
            };
            let n = p.buffer.len().min(left);
            let records: Vec<(Offset, RecordId)> = p.buffer.drain(..n).collect();
            if p.buffer.is_empty() {
                self.completed.pop_front();
            }
            if let Some(&(last, _)) = records.last() {
                p.position = Some(last.next());
                left -= records.len();
                batch.push((tp, records));
            }
        }
        batch
    }

    fn start_processing(&mut self, ctx: &mut Ctx<'_>) {
        let App::Polled { batch } = std::mem::replace(&mut self.app, App::Polling) else {
            return;
        };
        let records: u64 = batch.iter().map(|(_, r)| r.len() as u64).sum();
        let ms = records.saturating_mul(self.config.processing_ms_per_record);
        self.app = App::Processing {
            batch,
            started: ctx.now,
        };
        if ms == 0 {
            self.processing_done(ctx);
        } else {
            ctx.set_timer(TimerKey::ConsumerProcessed(self.id), ms);
        }
    }

    /// The application finished a batch: the ledger learns what the group processed; then
    /// commit (after-processing modes) and poll again.
    fn processing_done(&mut self, ctx: &mut Ctx<'_>) {
        let App::Processing { batch, .. } = std::mem::replace(&mut self.app, App::Polling) else {
            return;
        };
        for (tp, records) in &batch {
            self.record_processed(ctx, *tp, records);
        }
        match self.config.commit {
            CommitMode::SyncAfterProcessing => {
                self.app = App::CommittingAfter;
                if !self.commit(ctx, Some(DEFAULT_API_TIMEOUT_MS)) {
                    self.app = App::Polling;
                }
            }
            CommitMode::AsyncAfterProcessing => {
                self.commit(ctx, None);
            }
            CommitMode::Auto | CommitMode::BeforeProcessing => {}
        }
        if matches!(self.app, App::Polling) {
            self.poll(ctx);
        }
    }

    /// A crash in the middle of a batch: the records processed before it still count.
    fn finish_partial_processing(&mut self, ctx: &mut Ctx<'_>) {
        let App::Processing { batch, started } = std::mem::replace(&mut self.app, App::Polling)
        else {
            return;
        };
        let per = self.config.processing_ms_per_record;
        let mut done = ctx.now.since(started).checked_div(per).unwrap_or(u64::MAX);
        for (tp, records) in &batch {
            let n = (records.len() as u64).min(done) as usize;
            if n > 0 {
                self.record_processed(ctx, *tp, &records[..n]);
            }
            done -= n as u64;
            if done == 0 {
                break;
            }
        }
    }

    fn record_processed(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        records: &[(Offset, RecordId)],
    ) {
        if !self.assigned.contains(&tp) {
            let detail = format!(
                "consumer {} processed {} records of {} after giving it up",
                self.id,
                records.len(),
                ctx.catalog.tp_name(tp)
            );
            ctx.emit(EventKind::InvariantViolated {
                invariant: Invariant::ProcessesOnlyOwnedPartitions,
                detail,
                allowed_by: None,
            });
        }
        let redelivered = ctx.ledger.on_processed_batch(&self.group, records);
        let Some(&(first_offset, _)) = records.first() else {
            return;
        };
        ctx.emit(EventKind::RecordsProcessed {
            consumer: self.id,
            group: self.group.to_string(),
            tp,
            first_offset,
            count: records.len() as u32,
            redelivered,
        });
    }

    /// Fetches every owned partition that has a position, nothing buffered and no fetch in flight.
    fn send_fetches(&mut self, ctx: &mut Ctx<'_>) {
        let wanted: Vec<(TopicPartition, Offset)> = self
            .partitions
            .iter()
            .filter(|(_, p)| p.fetching.is_none() && p.buffer.is_empty())
            .filter_map(|(tp, p)| p.position.map(|o| (*tp, o)))
            .collect();
        for (tp, offset) in wanted {
            let Some(leader) = self.leaders.get(&tp).and_then(|(l, _)| *l) else {
                self.request_metadata(ctx);
                continue;
            };
            let msg = Message::ConsumerFetchRequest {
                tp,
                fetch_offset: offset,
                max_bytes: MAX_PARTITION_FETCH_BYTES,
                max_wait_ms: self.config.fetch_max_wait_ms,
                correlation: self.next_correlation,
            };
            let correlation = self.send(ctx, leader, msg, Pending::Fetch(tp));
            if let Some(p) = self.partitions.get_mut(&tp) {
                p.fetching = Some((correlation, offset));
            }
        }
    }

    fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        correlation: u64,
        result: ConsumerFetchResult,
    ) {
        let Some(p) = self.partitions.get_mut(&tp) else {
            return; // no longer owned
        };
        let fetch_offset = match p.fetching {
            Some((c, offset)) if c == correlation => offset,
            _ => return,
        };
        p.fetching = None;
        match result {
            ConsumerFetchResult::Records(records) => {
                // Discard a response for a position that has moved since (`Fetcher`'s check).
                if p.position == Some(fetch_offset) && !records.is_empty() {
                    if records[0].0 < fetch_offset {
                        let detail = format!(
                            "consumer {} asked for {} from offset {fetch_offset} and got offset {}",
                            self.id,
                            ctx.catalog.tp_name(tp),
                            records[0].0
                        );
                        ctx.emit(EventKind::InvariantViolated {
                            invariant: Invariant::PositionsMonotonic,
                            detail,
                            allowed_by: None,
                        });
                    }
                    let was_empty = p.buffer.is_empty();
                    p.buffer.extend(records);
                    if was_empty {
                        self.completed.push_back(tp);
                    }
                }
            }
            ConsumerFetchResult::OffsetOutOfRange => {
                // `Fetcher`: the position is out of range; reset it by auto.offset.reset.
                p.position = None;
                self.reset_position(ctx, tp);
            }
            ConsumerFetchResult::NotLeader => {
                self.request_metadata(ctx);
                self.wake_after(ctx, self.config.retry_backoff_ms);
                return;
            }
        }
        if matches!(self.app, App::Polling) {
            self.poll(ctx);
        }
    }

    // ---- positions ----------------------------------------------------------------------------

    /// Owned partitions without a position ask the coordinator for the group's committed offsets.
    fn resolve_positions(&mut self, ctx: &mut Ctx<'_>) {
        let missing: Vec<TopicPartition> = self
            .partitions
            .iter()
            .filter(|(_, p)| p.position.is_none() && !p.resolving)
            .map(|(tp, _)| *tp)
            .collect();
        if missing.is_empty() {
            return;
        }
        if self.send_group(
            ctx,
            GroupRequest::OffsetFetch(missing.clone()),
            Pending::OffsetFetch,
        ) {
            for tp in missing {
                if let Some(p) = self.partitions.get_mut(&tp) {
                    p.resolving = true;
                }
            }
        }
    }

    fn on_offset_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        error: Option<GroupError>,
        offsets: Vec<(TopicPartition, Option<Offset>)>,
    ) {
        if let Some(e) = error {
            for p in self.partitions.values_mut() {
                p.resolving = false;
            }
            if matches!(
                e,
                GroupError::NotCoordinator | GroupError::CoordinatorNotAvailable
            ) && self.coordinator.map(NodeId::Broker) == Some(from)
            {
                self.coordinator_lost(ctx);
            } else {
                self.wake_after(ctx, self.config.retry_backoff_ms);
            }
            return;
        }
        for (tp, committed) in offsets {
            let Some(p) = self.partitions.get_mut(&tp) else {
                continue;
            };
            p.resolving = false;
            if p.position.is_some() {
                continue;
            }
            match committed {
                Some(offset) => self.set_position(ctx, tp, offset, None),
                None => self.reset_position(ctx, tp),
            }
        }
        if matches!(self.app, App::Polling) {
            self.poll(ctx);
        }
    }

    /// `auto.offset.reset`: ask the leader for the log start or the high watermark.
    fn reset_position(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        let earliest = match self.config.auto_offset_reset {
            AutoOffsetReset::Earliest => true,
            AutoOffsetReset::Latest => false,
            AutoOffsetReset::None => {
                // NoOffsetForPartitionException: the application stops.
                let reason = format!(
                    "NoOffsetForPartitionException: no committed offset for {} and auto.offset.reset=none",
                    ctx.catalog.tp_name(tp)
                );
                ctx.emit(EventKind::ConsumerFailed {
                    consumer: self.id,
                    reason,
                });
                self.leave_and_stop(ctx);
                return;
            }
        };
        let Some(leader) = self.leaders.get(&tp).and_then(|(l, _)| *l) else {
            self.request_metadata(ctx);
            self.wake_after(ctx, self.config.retry_backoff_ms);
            return;
        };
        if let Some(p) = self.partitions.get_mut(&tp) {
            p.resolving = true;
        }
        let msg = Message::ListOffsetsRequest {
            tp,
            earliest,
            correlation: self.next_correlation,
        };
        self.send(ctx, leader, msg, Pending::ListOffsets(tp));
    }

    fn on_list_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        result: Result<Offset, KafkaError>,
    ) {
        let Some(p) = self.partitions.get_mut(&tp) else {
            return;
        };
        p.resolving = false;
        match result {
            Ok(offset) if p.position.is_none() => {
                let reset = Some(self.config.auto_offset_reset);
                self.set_position(ctx, tp, offset, reset);
            }
            Ok(_) => {}
            Err(_) => {
                self.request_metadata(ctx);
                self.wake_after(ctx, self.config.retry_backoff_ms);
                return;
            }
        }
        if matches!(self.app, App::Polling) {
            self.poll(ctx);
        }
    }

    fn set_position(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        offset: Offset,
        reset: Option<AutoOffsetReset>,
    ) {
        if let Some(p) = self.partitions.get_mut(&tp) {
            p.position = Some(offset);
            p.buffer.clear();
        }
        ctx.emit(EventKind::PositionInitialized {
            consumer: self.id,
            tp,
            offset,
            reset,
        });
        if let Some((from, to, count)) =
            crate::invariants::check_skips(ctx, &self.group, tp, offset)
        {
            ctx.ledger.on_skipped(&self.group, count);
            ctx.emit(EventKind::RecordsSkipped {
                group: self.group.to_string(),
                tp,
                from,
                to,
                count,
            });
        }
    }

    /// The positions of owned partitions (`subscriptions.allConsumed()`).
    fn consumed_offsets(&self) -> Vec<(TopicPartition, Offset)> {
        self.partitions
            .iter()
            .filter(|(tp, _)| self.assigned.contains(tp))
            .filter_map(|(tp, p)| p.position.map(|o| (*tp, o)))
            .collect()
    }

    fn tp_name(&self, ctx: &Ctx<'_>, tp: TopicPartition) -> TopicPartitionName {
        let topic = ctx
            .catalog
            .get(tp.topic)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        TopicPartitionName::new(topic, tp.partition)
    }

    // ---- the rebalance protocol ---------------------------------------------------------------

    /// `joinGroupIfNeeded`: `onJoinPrepare` (auto-commit, eager revocation), then JoinGroup.
    fn join_if_needed(&mut self, ctx: &mut Ctx<'_>) {
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

    fn send_join(&mut self, ctx: &mut Ctx<'_>) {
        let owned: Vec<TopicPartitionName> = self
            .assigned
            .iter()
            .map(|tp| self.tp_name(ctx, *tp))
            .collect();
        let generation = (self.generation.0 >= 0).then_some(self.generation.0);
        let protocols = self
            .config
            .partition_assignment_strategy
            .iter()
            .map(|s| {
                let metadata = ConsumerProtocolSubscription {
                    topics: self.topics.clone(),
                    owned_partitions: owned.clone(),
                    generation_id: generation,
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

    fn on_group_response(
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

    fn on_join_response(
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
    fn assign_as_leader(
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
        let group_subscription: BTreeSet<&String> =
            subscriptions.iter().flat_map(|s| s.topics.iter()).collect();
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

    fn on_sync_response(&mut self, ctx: &mut Ctx<'_>, from: NodeId, r: SyncGroupResponse) {
        if self.state != MemberState::Syncing {
            return;
        }
        if let Some(e) = r.error {
            self.state = MemberState::Unjoined;
            self.on_group_error(ctx, from, e);
            return;
        }
        let new: BTreeSet<TopicPartition> = r
            .assignment
            .iter()
            .filter_map(|n| {
                ctx.catalog.id(&n.topic).map(|topic| TopicPartition {
                    topic,
                    partition: n.partition,
                })
            })
            .collect();
        self.state = MemberState::Stable;
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
        self.set_heartbeat_timer(ctx);
        if matches!(self.app, App::Polling) {
            self.poll(ctx);
        }
    }

    /// Gives up `partitions`: positions and buffered records are dropped.
    fn revoke(&mut self, ctx: &mut Ctx<'_>, partitions: &[TopicPartition], lost: bool) {
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

    fn revoke_all(&mut self, ctx: &mut Ctx<'_>, lost: bool) {
        let all: Vec<TopicPartition> = self.assigned.iter().copied().collect();
        if !all.is_empty() {
            self.revoke(ctx, &all, lost);
        }
        self.partitions.clear();
        self.completed.clear();
    }

    /// The errors every group response may carry (`AbstractCoordinator`'s handlers).
    fn on_group_error(&mut self, ctx: &mut Ctx<'_>, from: NodeId, error: GroupError) {
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

    fn on_request_timeout(&mut self, ctx: &mut Ctx<'_>, pending: Pending) {
        match pending {
            Pending::Fetch(tp) | Pending::ListOffsets(tp) => {
                if let Some(p) = self.partitions.get_mut(&tp) {
                    p.fetching = None;
                    p.resolving = false;
                }
                self.request_metadata(ctx);
                self.wake_after(ctx, self.config.retry_backoff_ms);
            }
            Pending::Leave => {}
            Pending::Commit { sync, offsets } => self.on_commit_timeout(ctx, sync, offsets),
            Pending::Join | Pending::Sync | Pending::Heartbeat | Pending::OffsetFetch => {
                self.heartbeat_in_flight = false;
                if matches!(self.state, MemberState::Joining | MemberState::Syncing) {
                    self.state = MemberState::Unjoined;
                    self.rejoin_needed = true;
                }
                self.coordinator_lost(ctx);
            }
        }
    }

    // ---- the heartbeat thread -----------------------------------------------------------------

    fn set_heartbeat_timer(&mut self, ctx: &mut Ctx<'_>) {
        ctx.set_timer(
            TimerKey::ConsumerHeartbeat(self.id),
            self.config.heartbeat_interval_ms,
        );
    }

    /// Every `heartbeat.interval.ms` (`AbstractCoordinator.HeartbeatThread`): look the
    /// coordinator up if it is unknown, leave if the application has not polled within
    /// `max.poll.interval.ms`, else heartbeat while Stable.
    fn heartbeat_tick(&mut self, ctx: &mut Ctx<'_>) {
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
