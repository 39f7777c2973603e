//! A broker node: registration and heartbeats with the controller, applying metadata (becoming
//! leader or follower), serving produce and follower fetch requests, fetching as a follower with
//! KIP-101/279 truncation, and the ISR-expiration check.
//!
//! Mirrors `ReplicaManager`, `Partition` and `AbstractFetcherThread`. Simplified: one fetch per
//! partition (Kafka batches all partitions of a leader in one fetch session).

use crate::agenda::TimerKey;
use crate::config::Acks;
use crate::error::KafkaError;
use crate::event::{EventKind, Invariant};
use crate::group_coordinator::{GroupCoordinator, OFFSETS_TOPIC};
use crate::ids::{BrokerId, LeaderEpoch, NodeId, Offset, ProducerId, TopicPartition};
use crate::message::{FetchResult, Message, ProduceBatch};
use crate::metadata::{MetadataImage, PartitionRegistration};
use crate::node::Ctx;
use crate::replication::{
    DelayedProduce, FollowerState, LeaderState, ParkedFetch, PendingIsrChange, ProducerStateEntry,
    Replica, Role, ordered_isr,
};
use crate::tp_map::TpMap;
use crate::vec_map::VecMap;

/// Most entries returned by one fetch (Kafka bounds by bytes; this bounds by count).
const MAX_FETCH_ENTRIES: usize = 4096;
/// How long an AlterPartition may stay unanswered before the leader tries again.
const ALTER_PARTITION_RETRY_MS: u64 = 5_000;
/// How long a follower waits for a fetch response beyond the leader's wait (replica.socket.timeout.ms).
const REPLICA_SOCKET_TIMEOUT_MS: u64 = 30_000;

/// A broker.
#[derive(Clone, Debug)]
pub(crate) struct Broker {
    pub id: BrokerId,
    pub alive: bool,
    pub broker_epoch: Option<u64>,
    pub metadata_offset: u64,
    pub replicas: TpMap<Replica>,
    /// The group coordinator for the groups whose `__consumer_offsets` partition it leads.
    pub coordinator: GroupCoordinator,
    next_session: u64,
}

impl Broker {
    pub fn new(id: BrokerId) -> Broker {
        Broker {
            id,
            alive: false,
            broker_epoch: None,
            metadata_offset: 0,
            replicas: TpMap::default(),
            coordinator: GroupCoordinator::default(),
            next_session: 0,
        }
    }

    fn node(&self) -> NodeId {
        NodeId::Broker(self.id)
    }

    /// The process starts: register with the controller and start the periodic tasks.
    pub fn start(&mut self, ctx: &mut Ctx<'_>) {
        self.alive = true;
        ctx.emit(EventKind::BrokerStarted { broker: self.id });
        ctx.send(
            self.node(),
            NodeId::Controller,
            Message::BrokerRegistrationRequest,
        );
        let b = &ctx.config.broker;
        let (hb, isr_check, retention) = (
            b.broker_heartbeat_interval_ms,
            b.replica_lag_time_max_ms / 2,
            b.log_retention_check_interval_ms,
        );
        ctx.set_timer(TimerKey::BrokerHeartbeat(self.id), hb);
        ctx.set_timer(TimerKey::IsrExpiration(self.id), isr_check.max(1));
        ctx.set_timer(TimerKey::RetentionCheck(self.id), retention);
    }

    /// The process dies: volatile state is lost, logs stay on disk.
    pub fn kill(&mut self, ctx: &mut Ctx<'_>) {
        self.alive = false;
        self.broker_epoch = None;
        self.metadata_offset = 0;
        for replica in self.replicas.values_mut() {
            replica.role = Role::Offline;
            replica.registration = None;
        }
        // The coordinator's groups, cached offsets and waiting commits live in memory only.
        self.coordinator = GroupCoordinator::default();
        for key in [
            TimerKey::BrokerHeartbeat(self.id),
            TimerKey::IsrExpiration(self.id),
            TimerKey::RetentionCheck(self.id),
        ] {
            ctx.cancel_timer(key);
        }
        ctx.emit(EventKind::BrokerKilled { broker: self.id });
    }

    pub fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        match message {
            Message::BrokerRegistrationResponse {
                broker_epoch,
                image,
            } => {
                self.broker_epoch = Some(broker_epoch);
                self.apply_image(ctx, &image);
                self.send_heartbeat(ctx);
            }
            Message::BrokerHeartbeatResponse { image: Some(image) } => {
                self.apply_image(ctx, &image)
            }
            Message::MetadataUpdate {
                offset, partitions, ..
            } => {
                for reg in &partitions {
                    self.apply_registration(ctx, reg);
                }
                self.metadata_offset = self.metadata_offset.max(offset);
            }
            Message::AlterPartitionResponse { tp, result } => {
                self.on_alter_partition_response(ctx, tp, result)
            }
            Message::ProduceRequest {
                request,
                tp,
                acks,
                producer,
                batch,
            } => self.on_produce(ctx, from, request, tp, acks, producer, &batch),
            Message::GroupRequest {
                group,
                correlation,
                request,
            } => {
                if let NodeId::Consumer(c) = from {
                    self.on_group_request(ctx, c, group, correlation, request);
                }
            }
            Message::ConsumerFetchRequest {
                tp,
                fetch_offset,
                max_bytes,
                max_wait_ms,
                correlation,
            } => {
                if let NodeId::Consumer(c) = from {
                    self.on_consumer_fetch(
                        ctx,
                        c,
                        tp,
                        fetch_offset,
                        max_bytes,
                        max_wait_ms,
                        correlation,
                    );
                }
            }
            Message::ListOffsetsRequest {
                tp,
                earliest,
                correlation,
            } => {
                if let NodeId::Consumer(c) = from {
                    self.on_list_offsets(ctx, c, tp, earliest, correlation);
                }
            }
            Message::FetchRequest {
                tp,
                fetch_offset,
                last_fetched_epoch,
                current_leader_epoch,
                session,
            } => {
                if let NodeId::Broker(follower) = from {
                    self.on_fetch(
                        ctx,
                        follower,
                        tp,
                        fetch_offset,
                        last_fetched_epoch,
                        current_leader_epoch,
                        session,
                    );
                }
            }
            Message::FetchResponse {
                tp,
                session,
                result,
            } => self.on_fetch_response(ctx, tp, session, result),
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, key: TimerKey) {
        match key {
            TimerKey::BrokerHeartbeat(_) => {
                self.send_heartbeat(ctx);
                ctx.set_timer(key, ctx.config.broker.broker_heartbeat_interval_ms);
            }
            TimerKey::IsrExpiration(_) => {
                self.check_isr_expiration(ctx);
                ctx.set_timer(key, (ctx.config.broker.replica_lag_time_max_ms / 2).max(1));
            }
            TimerKey::RetentionCheck(_) => {
                crate::retention::run(self, ctx);
                ctx.set_timer(key, ctx.config.broker.log_retention_check_interval_ms);
            }
            TimerKey::FetchWait { tp, follower, .. } => {
                self.answer_parked_fetch(ctx, tp, Some(follower))
            }
            TimerKey::FetchBackoff { tp, .. } => self.send_fetch(ctx, tp),
            TimerKey::DelayedProduce {
                producer, request, ..
            } => self.expire_delayed_produce(ctx, producer, request),
            TimerKey::GroupTimer { token, .. } => self.on_group_timer(ctx, token),
            TimerKey::OffsetCommitTimeout { token, .. } => self.expire_offset_commit(ctx, token),
            TimerKey::ConsumerFetchWait { tp, consumer, .. } => {
                self.answer_parked_consumer_fetches(ctx, tp, Some(consumer))
            }
            _ => {}
        }
    }

    fn send_heartbeat(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(broker_epoch) = self.broker_epoch {
            let msg = Message::BrokerHeartbeatRequest {
                broker_epoch,
                metadata_offset: self.metadata_offset,
            };
            ctx.send(self.node(), NodeId::Controller, msg);
        } else {
            // Registration was lost (link cut): ask again.
            ctx.send(
                self.node(),
                NodeId::Controller,
                Message::BrokerRegistrationRequest,
            );
        }
    }

    fn apply_image(&mut self, ctx: &mut Ctx<'_>, image: &MetadataImage) {
        for reg in &image.partitions {
            self.apply_registration(ctx, reg);
        }
        self.metadata_offset = self.metadata_offset.max(image.offset);
    }

    /// Applies a committed partition state: become leader, become follower, or update the ISR.
    fn apply_registration(&mut self, ctx: &mut Ctx<'_>, reg: &PartitionRegistration) {
        if !reg.replicas.contains(&self.id) {
            return;
        }
        let me = self.id;
        let replica = self
            .replicas
            .get_or_insert_with(reg.tp, || Replica::new(reg.tp));
        if replica
            .registration
            .as_ref()
            .is_some_and(|r| r.partition_epoch >= reg.partition_epoch)
        {
            return; // already applied (images and updates may overlap)
        }
        let epoch_changed = replica
            .registration
            .as_ref()
            .is_none_or(|r| r.leader_epoch != reg.leader_epoch)
            || matches!(replica.role, Role::Offline);
        replica.registration = Some(reg.clone());
        if reg.leader == Some(me) {
            if epoch_changed || !matches!(replica.role, Role::Leader(_)) {
                self.make_leader(ctx, reg.tp);
            } else if let Some(leader) = replica.leader_state() {
                leader.isr = reg.isr.clone();
                if leader
                    .pending_isr
                    .as_ref()
                    .is_some_and(|p| p.new_isr == reg.isr)
                {
                    leader.pending_isr = None;
                }
                self.maybe_increment_high_watermark(ctx, reg.tp);
            }
        } else if epoch_changed || !matches!(replica.role, Role::Follower(_)) {
            self.make_follower(ctx, reg.tp, reg.leader);
        }
    }

    /// Kafka's `makeLeader`: record the new epoch's start offset and start tracking followers.
    fn make_leader(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        let me = self.id;
        let replica = self
            .replicas
            .get_mut(&tp)
            .expect("apply_registration created the replica");
        let reg = replica
            .registration
            .clone()
            .expect("apply_registration set the registration");
        let leo = replica.log.log_end_offset();
        replica.log.epochs_mut().assign(reg.leader_epoch, leo);
        let mut state = LeaderState::new(me, &reg, leo, ctx.now);
        state.producers = rebuild_producer_state(&replica.log, ctx);
        replica.role = Role::Leader(Box::new(state));
        if ctx.catalog.id(OFFSETS_TOPIC) == Some(tp.topic) {
            self.load_offsets(ctx, tp);
        }
        self.maybe_increment_high_watermark(ctx, tp);
    }

    /// Kafka's `makeFollower`: fail waiting produces, then fetch from the new leader.
    fn make_follower(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition, leader: Option<BrokerId>) {
        self.next_session += 1;
        let session = self.next_session;
        let me = self.node();
        let replica = self
            .replicas
            .get_mut(&tp)
            .expect("apply_registration created the replica");
        if let Role::Leader(old) = std::mem::replace(
            &mut replica.role,
            Role::Follower(FollowerState { leader, session }),
        ) {
            self.fail_parked_consumer_fetches(ctx, tp, old.parked_consumer_fetches);
            if ctx.catalog.id(OFFSETS_TOPIC) == Some(tp.topic) {
                self.unload_offsets_partition(ctx, tp);
            }
            for d in old.delayed_produces {
                ctx.cancel_timer(TimerKey::DelayedProduce {
                    leader: self.id,
                    producer: d.producer,
                    request: d.request,
                });
                let result = Err(KafkaError::NotLeaderOrFollower);
                ctx.send(
                    me,
                    NodeId::Producer(d.producer),
                    Message::ProduceResponse {
                        request: d.request,
                        tp,
                        result,
                    },
                );
            }
        }
        self.send_fetch(ctx, tp);
    }

    /// A follower sends its next fetch (with a fresh session; stale responses are ignored).
    fn send_fetch(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        self.next_session += 1;
        let session = self.next_session;
        let me = self.id;
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        let Role::Follower(f) = &mut replica.role else {
            return;
        };
        let Some(leader) = f.leader else { return };
        f.session = session;
        let msg = Message::FetchRequest {
            tp,
            fetch_offset: replica.log.log_end_offset(),
            last_fetched_epoch: replica.log.last_fetched_epoch(),
            current_leader_epoch: replica.leader_epoch(),
            session,
        };
        ctx.send(NodeId::Broker(me), NodeId::Broker(leader), msg);
        let timeout = ctx.config.broker.replica_fetch_wait_max_ms + REPLICA_SOCKET_TIMEOUT_MS;
        ctx.set_timer(TimerKey::FetchBackoff { follower: me, tp }, timeout);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_produce(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        request: u64,
        tp: TopicPartition,
        acks: Acks,
        producer: ProducerId,
        batch: &ProduceBatch,
    ) {
        let me = self.id;
        let min_isr = ctx.catalog.effective_min_isr(tp.topic);
        let (segment_bytes, segment_ms) = ctx
            .catalog
            .get(tp.topic)
            .map(|t| (t.config.segment_bytes, t.config.segment_ms))
            .unwrap_or((u64::MAX, u64::MAX));
        let respond = |ctx: &mut Ctx<'_>, result: Result<Offset, KafkaError>| {
            if acks != Acks::Zero {
                ctx.send(
                    NodeId::Broker(me),
                    from,
                    Message::ProduceResponse {
                        request,
                        tp,
                        result,
                    },
                );
            }
        };
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return respond(ctx, Err(KafkaError::NotLeaderOrFollower));
        };
        let epoch = replica.leader_epoch();
        let Role::Leader(leader) = &mut replica.role else {
            return respond(ctx, Err(KafkaError::NotLeaderOrFollower));
        };
        if !leader.enough_replicas_for(acks, min_isr) {
            return respond(ctx, Err(KafkaError::NotEnoughReplicas));
        }
        // Idempotent producers: a retried batch is answered with its first offset, not appended.
        let count = batch.records.len() as u32;
        if let Some(first) = batch.base_sequence {
            let last = first + count.saturating_sub(1);
            let state = leader.producers.entry(producer).or_default();
            if batch.producer_epoch < state.epoch {
                // A batch from before the producer bumped its epoch (Kafka: INVALID_PRODUCER_EPOCH).
                return respond(ctx, Err(KafkaError::OutOfOrderSequenceNumber));
            }
            if batch.producer_epoch > state.epoch {
                // KIP-360: a new epoch starts over at sequence 0. A leader that knows an earlier
                // epoch of this producer refuses any other start ("Invalid sequence number for
                // new epoch" in `ProducerAppendInfo.checkSequence`); accepting it would let a
                // later batch overtake the epoch's first one while that one is being retried.
                if first != 0 && state.last_sequence.is_some() {
                    return respond(ctx, Err(KafkaError::OutOfOrderSequenceNumber));
                }
                *state = ProducerStateEntry {
                    epoch: batch.producer_epoch,
                    ..ProducerStateEntry::default()
                };
            }
            if let Some(prev) = state.last_sequence
                && first <= prev
            {
                // A retry of a batch already appended: answer with its offset, append nothing.
                let Some(&(f, _, base)) = state
                    .batches
                    .iter()
                    .find(|(f, l, _)| *f <= first && first <= *l)
                else {
                    // Not a cached batch: Kafka finds duplicates only among those
                    // (`UnifiedLog.analyzeAndValidateProducerState`) and refuses anything else
                    // below the last sequence as out of sequence. Answering it as a duplicate
                    // would acknowledge a batch this leader may never have written.
                    return respond(ctx, Err(KafkaError::OutOfOrderSequenceNumber));
                };
                let base = Offset(base.0 + u64::from(first - f));
                let required = Offset(base.0 + u64::from(count));
                return self.answer_or_delay(
                    ctx,
                    from,
                    request,
                    tp,
                    acks,
                    producer,
                    base,
                    required,
                    batch.timeout_ms,
                );
            }
            // The next batch must continue the sequence. A producer this leader has no state for
            // (none of its records is in this log, e.g. after an unclean election or retention)
            // may start anywhere: `ProducerAppendInfo.checkSequence` accepts any sequence when
            // the producer epoch is unknown. The client keeps this safe by retrying only its
            // first unresolved batch at a time.
            if let Some(prev) = state.last_sequence
                && first != prev.wrapping_add(1)
            {
                return respond(ctx, Err(KafkaError::OutOfOrderSequenceNumber));
            }
            let base = replica.log.log_end_offset();
            state.last_sequence = Some(last);
            state.batches.push((first, last, base));
            if state.batches.len() > 5 {
                state.batches.remove(0);
            }
        }
        let base = replica.log.log_end_offset();
        let metas = ctx
            .ledger
            .sizes_and_timestamps(batch.records.iter().copied());
        replica
            .log
            .append_batch(epoch, &batch.records, &metas, (segment_bytes, segment_ms));
        ctx.ledger
            .on_replica_appends(batch.records.iter().copied(), me, true);
        ctx.emit(EventKind::RecordsAppended {
            tp,
            broker: me,
            base_offset: base,
            count,
            as_leader: true,
        });
        let required = Offset(base.0 + u64::from(count));
        self.maybe_increment_high_watermark(ctx, tp);
        self.answer_parked_fetch(ctx, tp, None);
        self.answer_or_delay(
            ctx,
            from,
            request,
            tp,
            acks,
            producer,
            base,
            required,
            batch.timeout_ms,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn answer_or_delay(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        request: u64,
        tp: TopicPartition,
        acks: Acks,
        producer: ProducerId,
        base: Offset,
        required: Offset,
        timeout_ms: u64,
    ) {
        let me = self.id;
        let respond = |ctx: &mut Ctx<'_>, result| {
            ctx.send(
                NodeId::Broker(me),
                from,
                Message::ProduceResponse {
                    request,
                    tp,
                    result,
                },
            );
        };
        match acks {
            Acks::Zero => {}
            Acks::One => respond(ctx, Ok(base)),
            Acks::All => {
                let min_isr = ctx.catalog.effective_min_isr(tp.topic);
                let replica = self
                    .replicas
                    .get_mut(&tp)
                    .expect("caller found the replica");
                let hw = replica.log.high_watermark();
                let Some(leader) = replica.leader_state() else {
                    return;
                };
                if hw >= required {
                    let result = if leader.maximal_isr().len() < min_isr {
                        Err(KafkaError::NotEnoughReplicasAfterAppend)
                    } else {
                        Ok(base)
                    };
                    respond(ctx, result);
                } else {
                    leader.delayed_produces.push(DelayedProduce {
                        producer,
                        request,
                        base_offset: base,
                        required_offset: required,
                    });
                    let timeout = timeout_ms;
                    ctx.set_timer(
                        TimerKey::DelayedProduce {
                            leader: me,
                            producer,
                            request,
                        },
                        timeout,
                    );
                }
            }
        }
    }

    fn expire_delayed_produce(&mut self, ctx: &mut Ctx<'_>, producer: ProducerId, request: u64) {
        let me = self.node();
        for replica in self.replicas.values_mut() {
            let tp = replica.tp;
            let Some(leader) = replica.leader_state() else {
                continue;
            };
            if let Some(i) = leader
                .delayed_produces
                .iter()
                .position(|d| d.producer == producer && d.request == request)
            {
                leader.delayed_produces.remove(i);
                let result = Err(KafkaError::RequestTimedOut);
                ctx.send(
                    me,
                    NodeId::Producer(producer),
                    Message::ProduceResponse {
                        request,
                        tp,
                        result,
                    },
                );
                return;
            }
        }
    }

    /// `maybeIncrementLeaderHW`, then completes what the new HW satisfies: produces, consumer
    /// fetches, offset commits.
    pub(crate) fn maybe_increment_high_watermark(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        if let Some(hw) = self.increment_high_watermark(ctx, tp) {
            self.answer_parked_consumer_fetches(ctx, tp, None);
            self.complete_offset_commits(ctx, tp, hw);
        }
    }

    /// After a leader appended to `tp`: move the HW and wake the fetches parked on it.
    pub(crate) fn on_leader_append(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        self.maybe_increment_high_watermark(ctx, tp);
        self.answer_parked_fetch(ctx, tp, None);
    }

    /// The HW rule and the produces it completes; the new HW if it moved.
    fn increment_high_watermark(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
    ) -> Option<Offset> {
        let me = self.id;
        let min_isr = ctx.catalog.effective_min_isr(tp.topic);
        let replica = self.replicas.get_mut(&tp)?;
        let leo = replica.log.log_end_offset();
        let old_hw = replica.log.high_watermark();
        let Role::Leader(leader) = &mut replica.role else {
            return None;
        };
        let candidate = leader.high_watermark_candidate(leo, min_isr)?;
        if candidate <= old_hw {
            return None;
        }
        let hw = replica.log.set_high_watermark(candidate);
        ctx.ledger.on_committed_each(
            replica
                .log
                .entries_from(old_hw)
                .take_while(|e| e.offset < hw)
                .map(|e| (e.record(), e.offset)),
        );
        if hw > leo {
            ctx.emit(violation(
                Invariant::HighWatermarkAtMostLogEnd,
                format!("{tp:?} hw {hw} > leo {leo}"),
            ));
        }
        ctx.emit(EventKind::HighWatermarkAdvanced {
            tp,
            broker: me,
            high_watermark: hw,
        });
        let maximal = leader.maximal_isr().len();
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut leader.delayed_produces)
            .into_iter()
            .partition(|d| d.required_offset <= hw);
        leader.delayed_produces = waiting;
        for d in done {
            ctx.cancel_timer(TimerKey::DelayedProduce {
                leader: me,
                producer: d.producer,
                request: d.request,
            });
            let result = if maximal < min_isr {
                Err(KafkaError::NotEnoughReplicasAfterAppend)
            } else {
                Ok(d.base_offset)
            };
            let msg = Message::ProduceResponse {
                request: d.request,
                tp,
                result,
            };
            ctx.send(NodeId::Broker(me), NodeId::Producer(d.producer), msg);
        }
        crate::invariants::check_agreement(ctx, me, replica);
        Some(hw)
    }

    #[allow(clippy::too_many_arguments)]
    fn on_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        follower: BrokerId,
        tp: TopicPartition,
        fetch_offset: Offset,
        last_fetched_epoch: Option<LeaderEpoch>,
        current_leader_epoch: LeaderEpoch,
        session: u64,
    ) {
        let me = self.id;
        let respond = |ctx: &mut Ctx<'_>, result| {
            ctx.send(
                NodeId::Broker(me),
                NodeId::Broker(follower),
                Message::FetchResponse {
                    tp,
                    session,
                    result,
                },
            );
        };
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return respond(ctx, FetchResult::Error(KafkaError::NotLeaderOrFollower));
        };
        let epoch = replica.leader_epoch();
        if !matches!(replica.role, Role::Leader(_)) {
            return respond(ctx, FetchResult::Error(KafkaError::NotLeaderOrFollower));
        }
        if current_leader_epoch < epoch {
            return respond(ctx, FetchResult::Error(KafkaError::FencedLeaderEpoch));
        }
        if current_leader_epoch > epoch {
            return respond(ctx, FetchResult::Error(KafkaError::UnknownLeaderEpoch));
        }
        let leo = replica.log.log_end_offset();
        // KIP-595-style validation: does the follower's last epoch end where it thinks?
        if let Some(last_epoch) = last_fetched_epoch {
            match replica.log.epochs().end_offset_for(last_epoch, leo) {
                Some((e, end)) if e < last_epoch || end < fetch_offset => {
                    return respond(
                        ctx,
                        FetchResult::Diverging {
                            epoch: e,
                            end_offset: end,
                        },
                    );
                }
                None => {
                    let start = replica.log.log_start_offset();
                    return respond(
                        ctx,
                        FetchResult::Diverging {
                            epoch: LeaderEpoch(0),
                            end_offset: start,
                        },
                    );
                }
                Some(_) => {}
            }
        }
        if fetch_offset < replica.log.log_start_offset() {
            let log_start_offset = replica.log.log_start_offset();
            return respond(ctx, FetchResult::OffsetOutOfRange { log_start_offset });
        }
        if fetch_offset > leo {
            return respond(
                ctx,
                FetchResult::Diverging {
                    epoch,
                    end_offset: leo,
                },
            );
        }
        let hw = replica.log.high_watermark();
        let assignment = replica
            .registration
            .as_ref()
            .map(|r| r.replicas.clone())
            .unwrap_or_default();
        let leader = replica.leader_state().expect("checked above");
        leader.update_follower_fetch_state(follower, fetch_offset, leo, ctx.now);
        if leader.expandable(follower, hw) {
            let isr = ordered_isr(&assignment, |b| leader.isr.contains(&b) || b == follower);
            self.request_isr_change(ctx, tp, isr);
        }
        self.maybe_increment_high_watermark(ctx, tp);
        let replica = self.replicas.get_mut(&tp).expect("found above");
        let entries = replica.log.read(fetch_offset, MAX_FETCH_ENTRIES);
        if entries.is_empty() {
            let leader = replica.leader_state().expect("checked above");
            leader.parked_fetches.retain(|p| p.follower != follower);
            leader.parked_fetches.push(ParkedFetch {
                follower,
                session,
                fetch_offset,
            });
            let wait = ctx.config.broker.replica_fetch_wait_max_ms;
            ctx.set_timer(
                TimerKey::FetchWait {
                    leader: me,
                    tp,
                    follower,
                },
                wait,
            );
        } else {
            let (high_watermark, log_start_offset) =
                (replica.log.high_watermark(), replica.log.log_start_offset());
            respond(
                ctx,
                FetchResult::Records {
                    entries,
                    high_watermark,
                    log_start_offset,
                },
            );
        }
    }

    /// Answers parked fetches of `tp` (all of them, or one follower's when its wait expired).
    fn answer_parked_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        only: Option<BrokerId>,
    ) {
        let me = self.id;
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        let (high_watermark, log_start_offset) =
            (replica.log.high_watermark(), replica.log.log_start_offset());
        let Role::Leader(leader) = &mut replica.role else {
            return;
        };
        if leader.parked_fetches.is_empty() {
            return;
        }
        let parked = std::mem::take(&mut leader.parked_fetches);
        for p in parked {
            if only.is_some_and(|f| f != p.follower) {
                leader.parked_fetches.push(p);
                continue;
            }
            let entries = replica.log.read(p.fetch_offset, MAX_FETCH_ENTRIES);
            if only.is_none() && entries.is_empty() {
                leader.parked_fetches.push(p);
                continue;
            }
            ctx.cancel_timer(TimerKey::FetchWait {
                leader: me,
                tp,
                follower: p.follower,
            });
            let result = FetchResult::Records {
                entries,
                high_watermark,
                log_start_offset,
            };
            let msg = Message::FetchResponse {
                tp,
                session: p.session,
                result,
            };
            ctx.send(NodeId::Broker(me), NodeId::Broker(p.follower), msg);
        }
    }

    fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        session: u64,
        result: FetchResult,
    ) {
        let me = self.id;
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        match &replica.role {
            Role::Follower(f) if f.session == session => {}
            _ => return, // a response to an older fetch, or we are no longer a follower
        }
        ctx.cancel_timer(TimerKey::FetchBackoff { follower: me, tp });
        let (segment_bytes, segment_ms) = ctx
            .catalog
            .get(tp.topic)
            .map(|t| (t.config.segment_bytes, t.config.segment_ms))
            .unwrap_or((u64::MAX, u64::MAX));
        match result {
            FetchResult::Records {
                entries,
                high_watermark,
                log_start_offset,
            } => {
                let base = replica.log.log_end_offset();
                let metas = ctx
                    .ledger
                    .sizes_and_timestamps(entries.iter().map(|e| e.record()));
                let appended =
                    replica
                        .log
                        .append_fetched_all(&entries, &metas, (segment_bytes, segment_ms));
                if let Some(e) = entries.get(appended) {
                    let detail = format!(
                        "{} on broker {me}: got offset {} at LEO {}",
                        ctx.catalog.tp_name(tp),
                        e.offset,
                        replica.log.log_end_offset()
                    );
                    ctx.emit(violation(Invariant::OffsetsContiguous, detail));
                }
                ctx.ledger.on_replica_appends(
                    entries[..appended].iter().map(|e| e.record()),
                    me,
                    false,
                );
                let appended = appended as u32;
                for e in replica
                    .log
                    .advance_log_start_offset(log_start_offset, &*ctx.ledger)
                {
                    ctx.ledger.on_deleted(e.record());
                }
                replica
                    .log
                    .set_high_watermark(high_watermark.min(replica.log.log_end_offset()));
                if appended > 0 {
                    ctx.emit(EventKind::RecordsAppended {
                        tp,
                        broker: me,
                        base_offset: base,
                        count: appended,
                        as_leader: false,
                    });
                }
                crate::invariants::check_agreement(ctx, me, replica);
                self.send_fetch(ctx, tp);
            }
            FetchResult::Diverging { epoch, end_offset } => {
                let leo = replica.log.log_end_offset();
                // KIP-279: if we know the leader's epoch, truncate to the smaller end offset;
                // otherwise to the end of our largest epoch below it, and ask again.
                let to = match replica.log.epochs().end_offset_for(epoch, leo) {
                    Some((own_epoch, own_end)) if own_epoch == epoch => end_offset.min(own_end),
                    Some((_, own_end)) => own_end.min(end_offset.max(own_end)),
                    None => end_offset,
                };
                truncate(ctx, me, replica, to.min(leo));
                self.send_fetch(ctx, tp);
            }
            FetchResult::OffsetOutOfRange { log_start_offset } => {
                for e in replica.log.reset_to(log_start_offset) {
                    ctx.ledger.on_deleted(e.record());
                }
                replica.agreed_upto = log_start_offset;
                self.send_fetch(ctx, tp);
            }
            FetchResult::Error(_) => {
                let backoff = ctx.config.broker.replica_fetch_backoff_ms;
                ctx.set_timer(TimerKey::FetchBackoff { follower: me, tp }, backoff);
            }
        }
    }

    /// Asks the controller to commit a new ISR (AlterPartition), unless one is in flight.
    fn request_isr_change(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        new_isr: Vec<BrokerId>,
    ) {
        let me = self.id;
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        let Some(reg) = replica.registration.clone() else {
            return;
        };
        let Some(leader) = replica.leader_state() else {
            return;
        };
        if leader.pending_isr.is_some() || new_isr == leader.isr {
            return;
        }
        leader.pending_isr = Some(PendingIsrChange {
            new_isr: new_isr.clone(),
            sent_at: ctx.now,
        });
        let msg = Message::AlterPartitionRequest {
            tp,
            leader_epoch: reg.leader_epoch,
            partition_epoch: reg.partition_epoch,
            new_isr,
        };
        ctx.send(NodeId::Broker(me), NodeId::Controller, msg);
    }

    fn on_alter_partition_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        result: Result<PartitionRegistration, KafkaError>,
    ) {
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        if let Some(leader) = replica.leader_state() {
            leader.pending_isr = None;
        }
        if let Ok(reg) = result {
            self.apply_registration(ctx, &reg);
        }
    }

    /// The leader's periodic `maybeShrinkIsr` over every partition it leads.
    fn check_isr_expiration(&mut self, ctx: &mut Ctx<'_>) {
        let max_lag = ctx.config.broker.replica_lag_time_max_ms;
        let mut changes = Vec::new();
        for replica in self.replicas.values_mut() {
            let (tp, leo) = (replica.tp, replica.log.log_end_offset());
            let Some(reg) = replica.registration.clone() else {
                continue;
            };
            let Some(leader) = replica.leader_state() else {
                continue;
            };
            if let Some(p) = &leader.pending_isr
                && ctx.now.since(p.sent_at) > ALTER_PARTITION_RETRY_MS
            {
                leader.pending_isr = None; // the request or its answer was lost: try again
            }
            let out = leader.out_of_sync_replicas(leo, ctx.now, max_lag);
            if !out.is_empty() {
                let isr = ordered_isr(&reg.replicas, |b| {
                    leader.isr.contains(&b) && !out.contains(&b)
                });
                changes.push((tp, isr));
            }
        }
        for (tp, isr) in changes {
            self.request_isr_change(ctx, tp, isr);
        }
    }
}

/// Truncates a replica's log to `to`, reporting removed records to the ledger (and losses).
pub(crate) fn truncate(ctx: &mut Ctx<'_>, me: BrokerId, replica: &mut Replica, to: Offset) {
    let tp = replica.tp;
    let removed = replica.log.truncate_to(to, &*ctx.ledger);
    if removed.is_empty() {
        return;
    }
    replica.agreed_upto = replica.agreed_upto.min(to);
    ctx.emit(EventKind::LogTruncated {
        tp,
        broker: me,
        to_offset: to,
        removed: removed.len() as u64,
    });
    let unclean = ctx.catalog.unclean_election_enabled(tp.topic)
        && crate::invariants::had_unclean_election(ctx, tp);
    for e in removed {
        if let Some(loss) = ctx.ledger.on_truncated(e.record(), unclean) {
            ctx.emit(EventKind::RecordLost {
                record: loss.record,
                tp,
                offset: e.offset,
                cause: if unclean {
                    crate::event::LossCause::TruncatedAfterUncleanElection
                } else {
                    crate::event::LossCause::Truncated
                },
            });
            if loss.acked {
                let detail = format!(
                    "record {} at {}@{} was acknowledged and is gone from every replica",
                    loss.record,
                    ctx.catalog.tp_name(loss.tp),
                    e.offset
                );
                ctx.emit(EventKind::InvariantViolated {
                    invariant: Invariant::NoAckedRecordLost,
                    detail,
                    allowed_by: loss.allowed_by,
                });
            }
        }
    }
}

/// Rebuilds idempotent-producer state from the log, as a new leader does from its log:
/// consecutive sequences at consecutive offsets merge into one range.
fn rebuild_producer_state(
    log: &crate::partition_log::PartitionLog,
    ctx: &Ctx<'_>,
) -> VecMap<ProducerId, ProducerStateEntry> {
    let mut state: VecMap<ProducerId, ProducerStateEntry> = VecMap::new();
    for e in log.entries() {
        let Some(r) = ctx.ledger.get(e.record()) else {
            continue;
        };
        let Some((epoch, seq)) = r.sequence else {
            continue;
        };
        let s = state.entry(r.producer).or_default();
        if epoch > s.epoch {
            *s = ProducerStateEntry {
                epoch,
                ..ProducerStateEntry::default()
            };
        }
        match s.batches.last_mut() {
            Some((f, l, base))
                if l.wrapping_add(1) == seq && base.0 + u64::from(*l - *f) + 1 == e.offset.0 =>
            {
                *l = seq
            }
            _ => s.batches.push((seq, seq, e.offset)),
        }
        s.last_sequence = Some(seq);
    }
    state
}

/// An invariant violation that no configuration allows.
pub(crate) fn violation(invariant: Invariant, detail: String) -> EventKind {
    EventKind::InvariantViolated {
        invariant,
        detail,
        allowed_by: None,
    }
}
