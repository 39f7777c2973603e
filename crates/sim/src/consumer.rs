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
//!
//! This file holds the client's state, its lifecycle, message and timer dispatch, metadata and
//! the coordinator lookup, and the poll loop; `rebalance.rs` the group protocol and the heartbeat
//! thread, `fetcher.rs` fetching and positions, `offset_commit.rs` the commits.

use crate::vec_map::{VecMap, VecSet};
use std::collections::VecDeque;
use std::rc::Rc;

use crate::agenda::TimerKey;
use crate::assignor::Assignor;
use crate::config::{CommitMode, ConsumerConfig};
use crate::event::{EventKind, Invariant};
use crate::group::{GenerationId, LeaveGroupRequest, MemberId};
use crate::group_coordinator::{GroupRequest, OFFSETS_TOPIC, offsets_partition};
use crate::ids::{BrokerId, ConsumerId, NodeId, Offset, RecordId, TopicPartition};
use crate::message::Message;
use crate::metadata::{PartitionRegistration, merge_client_metadata, metadata_request_due};
use crate::node::Ctx;
use crate::time::SimTime;

mod fetcher;
mod offset_commit;
mod rebalance;

use offset_commit::{DEFAULT_API_TIMEOUT_MS, DEFAULT_CLOSE_TIMEOUT_MS, Offsets};

/// `max.partition.fetch.bytes` (Kafka's default, 1 MiB).
const MAX_PARTITION_FETCH_BYTES: u32 = 1_048_576;
/// `AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE`: the JoinGroup timeout's margin over the
/// rebalance timeout.
const JOIN_GROUP_TIMEOUT_LAPSE_MS: u64 = 5_000;
/// `reconnect.backoff.ms` and `reconnect.backoff.max.ms` (Kafka's defaults): after a connection
/// closes, the client waits this long, doubling per failure, before connecting again.
const RECONNECT_BACKOFF_MS: u64 = 50;
const RECONNECT_BACKOFF_MAX_MS: u64 = 1_000;

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

/// A request waiting for its answer: where it went and what it was.
#[derive(Clone, Debug)]
struct InFlight {
    to: BrokerId,
    pending: Pending,
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
    /// Whether the process last ended by a crash (rather than `close()`).
    pub crashed: bool,
    /// Closing gracefully after the current batch.
    stopping: bool,
    // Metadata.
    leaders: crate::metadata::ClientLeaders,
    partition_counts: Vec<u32>,
    metadata_requested_at: Option<SimTime>,
    // Group membership.
    coordinator: Option<BrokerId>,
    pub member_id: Option<MemberId>,
    generation: GenerationId,
    incarnation: u32,
    pub state: MemberState,
    rejoin_needed: bool,
    /// An assignment the SyncGroup answer brought while the application was busy; it takes
    /// effect at the next poll.
    pending_assignment: Option<VecSet<TopicPartition>>,
    /// The eager sticky assignor's memory: the last assignment received and its generation.
    sticky_user_data: Option<(Vec<TopicPartition>, i32)>,
    assignor: Option<Assignor>,
    /// The leader's `assignmentSnapshot`: partition counts of the group's topics it assigned from.
    assignment_snapshot: Option<std::collections::BTreeMap<String, u32>>,
    // Ownership and positions.
    pub assigned: VecSet<TopicPartition>,
    partitions: VecMap<TopicPartition, PartitionState>,
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
    in_flight: VecMap<u64, InFlight>,
    /// Brokers whose connection closed: failures in a row, and no reconnecting before when.
    reconnect_backoff: VecMap<BrokerId, (u32, SimTime)>,
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
            crashed: false,
            stopping: false,
            leaders: crate::metadata::ClientLeaders::new(),
            partition_counts: Vec::new(),
            metadata_requested_at: None,
            coordinator: None,
            member_id: None,
            generation: GenerationId::NONE,
            incarnation: 0,
            state: MemberState::Unjoined,
            rejoin_needed: true,
            pending_assignment: None,
            sticky_user_data: None,
            assignor: None,
            assignment_snapshot: None,
            assigned: VecSet::new(),
            partitions: VecMap::new(),
            completed: VecDeque::new(),
            app: App::Polling,
            last_poll: now,
            next_auto_commit: now.plus_ms(config.auto_commit_interval_ms),
            heartbeat_in_flight: false,
            sync_commit_deadline: None,
            commit_retry: None,
            wake_at: None,
            next_correlation: 0,
            in_flight: VecMap::new(),
            reconnect_backoff: VecMap::new(),
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
        self.crashed = false;
        self.stopping = false;
        self.last_poll = ctx.now;
        self.next_auto_commit = ctx.now.plus_ms(self.config.auto_commit_interval_ms);
        // A new process knows no metadata yet: it asks at once (what the old one knew, and its
        // request back-off, died with it).
        self.leaders.clear();
        self.partition_counts.clear();
        self.metadata_requested_at = None;
        self.request_metadata(ctx);
        self.set_heartbeat_timer(ctx);
        self.poll(ctx);
    }

    /// The process dies: everything in memory is gone; the coordinator finds out by the session timeout.
    pub fn crash(&mut self, ctx: &mut Ctx<'_>) {
        self.finish_partial_processing(ctx);
        self.reset_in_memory(ctx);
        self.alive = false;
        self.crashed = true;
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
        self.pending_assignment = None;
        self.sticky_user_data = None;
        self.assignor = None;
        self.assignment_snapshot = None;
        self.assigned.clear();
        self.partitions.clear();
        self.completed.clear();
        self.app = App::Polling;
        self.heartbeat_in_flight = false;
        self.reconnect_backoff.clear();
        self.sync_commit_deadline = None;
        self.commit_retry = None;
        self.wake_at = None;
        self.stopping = false;
    }

    // ---- messages and timers ------------------------------------------------------------------

    pub fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        if let Message::ConnectionClosed = message {
            if let NodeId::Broker(broker) = from {
                self.on_connection_closed(ctx, broker);
            }
            return;
        }
        // An answer means the connection works again.
        if let NodeId::Broker(broker) = from {
            self.reconnect_backoff.remove(&broker);
        }
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
                if let Some(f) = self.in_flight.remove(&correlation) {
                    self.on_request_timeout(ctx, f.pending);
                }
            }
            _ => {}
        }
    }

    fn take_pending(&mut self, ctx: &mut Ctx<'_>, correlation: u64) -> Option<Pending> {
        let f = self.in_flight.remove(&correlation)?;
        ctx.cancel_timer(TimerKey::ConsumerRequestTimeout {
            consumer: self.id,
            correlation,
        });
        Some(f.pending)
    }

    /// The connection to `broker` closed (its process died): `NetworkClient` fails every request
    /// in flight to it at once with a `DisconnectException`, which each handler treats as it
    /// treats a timeout; a coordinator on that broker is marked unknown
    /// (`AbstractCoordinator.checkAndGetCoordinator` finds it unavailable).
    fn on_connection_closed(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId) {
        if !self.alive {
            return;
        }
        let failures = self.reconnect_backoff.get(&broker).map_or(0, |(n, _)| *n) + 1;
        let backoff = RECONNECT_BACKOFF_MS
            .saturating_mul(1 << (failures - 1).min(20))
            .min(RECONNECT_BACKOFF_MAX_MS);
        let until = ctx.now.plus_ms(backoff);
        self.reconnect_backoff.insert(broker, (failures, until));
        let failed: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.to == broker)
            .map(|(c, _)| *c)
            .collect();
        for correlation in failed {
            // An earlier failure may already have dropped it (coordinator_lost).
            if let Some(f) = self.in_flight.remove(&correlation) {
                ctx.cancel_timer(TimerKey::ConsumerRequestTimeout {
                    consumer: self.id,
                    correlation,
                });
                self.on_request_timeout(ctx, f.pending);
            }
        }
        if self.coordinator == Some(broker) {
            self.coordinator_lost(ctx);
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
        }
        // Kafka accepts request.timeout.ms=0; a request still takes at least a millisecond to fail.
        .max(1);
        self.in_flight.insert(correlation, InFlight { to, pending });
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
        if !metadata_request_due(&mut self.metadata_requested_at, ctx.now, backoff) {
            return;
        }
        ctx.send(self.node(), NodeId::Controller, Message::MetadataRequest);
    }

    fn apply_metadata(
        &mut self,
        ctx: &mut Ctx<'_>,
        counts: Vec<u32>,
        partitions: &[PartitionRegistration],
    ) {
        let moved = merge_client_metadata(
            &mut self.partition_counts,
            &mut self.leaders,
            &counts,
            partitions,
        );
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
    ) -> std::collections::BTreeMap<String, u32> {
        crate::sort::map_of(topics.filter_map(|t| {
            let id = ctx.catalog.id(t)?;
            let n = self.partition_counts.get(id.0 as usize).copied()?;
            (n > 0).then(|| (t.clone(), n))
        }))
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
        // A broker still in reconnect backoff is unavailable: look again after it.
        let found = match found {
            Some((broker, _)) if !self.connectable(ctx, broker) => None,
            found => found,
        };
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

    /// Whether a connection to `broker` may be attempted now (`NetworkClient.isUnavailable` is
    /// false); if not, the client polls again when its reconnect backoff ends.
    fn connectable(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId) -> bool {
        match self.reconnect_backoff.get(&broker) {
            Some(&(_, until)) if until > ctx.now => {
                self.wake_after(ctx, until.since(ctx.now));
                false
            }
            _ => true,
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
            .filter(|(_, f)| {
                matches!(
                    f.pending,
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
        if let Some(new) = self.pending_assignment.take() {
            // Applying it polls again with the new assignment.
            return self.apply_assignment(ctx, new);
        }
        // `ConsumerCoordinator.poll`: without a coordinator nothing about the group can move on,
        // but the partitions still owned keep being fetched (`KafkaConsumer.poll` goes on to
        // `pollForFetches`; a position still to look up waits for the coordinator).
        if self.ensure_coordinator(ctx) {
            if self.rejoin_needed || self.state != MemberState::Stable {
                self.join_if_needed(ctx);
                // Eager: nothing is owned while rejoining. Cooperative (KIP-429): keep consuming
                // the partitions still owned while the rebalance runs.
                // While onJoinPrepare's commit runs, poll() is blocked in it (commitSync).
                let keep_going = self.config.cooperative()
                    && !self.assigned.is_empty()
                    && self.state != MemberState::PreparingJoin;
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
}
