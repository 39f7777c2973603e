//! A producer client: partitioning, the record accumulator (batches per partition), `acks`,
//! request timeouts and retries, the idempotent producer's sequence numbers, and delivery timeout.
//!
//! Mirrors `KafkaProducer`, `RecordAccumulator` and `Sender`. Simplified: in-flight requests are
//! limited per partition rather than per connection; clients get metadata from the controller.

use std::collections::VecDeque;

use crate::vec_map::VecMap;
use std::rc::Rc;

use crate::agenda::TimerKey;
use crate::config::{Acks, ProducerConfig};
use crate::error::KafkaError;
use crate::event::EventKind;
use crate::ids::{BrokerId, NodeId, Offset, ProducerId, RecordId, TopicPartition};
use crate::ledger::Outcome;
use crate::message::{Message, ProduceBatch};
use crate::metadata::{PartitionRegistration, merge_client_metadata, metadata_request_due};
use crate::node::Ctx;
use crate::time::SimTime;
use crate::tp_map::TpMap;

/// Size of a record batch header in Kafka's format (bytes).
pub const BATCH_OVERHEAD_BYTES: u64 = 61;

/// A batch in the accumulator or in flight.
#[derive(Clone, Debug)]
struct Batch {
    /// Records and base sequence, shared with the request in flight.
    data: Rc<ProduceBatch>,
    bytes: u64,
    created_at: SimTime,
    attempts: u32,
    /// The last attempt may have reached the log (a timeout, not a clean refusal): its sequence
    /// is unresolved until it is retried.
    maybe_written: bool,
    /// A retried batch is not sent again before this (`retry.backoff.ms`).
    retry_after: SimTime,
}

impl Batch {
    fn new(now: SimTime, capacity: usize, timeout_ms: u64) -> Batch {
        Batch {
            data: Rc::new(ProduceBatch {
                records: Vec::with_capacity(capacity),
                base_sequence: None,
                producer_epoch: 0,
                timeout_ms,
            }),
            bytes: BATCH_OVERHEAD_BYTES,
            created_at: now,
            attempts: 0,
            maybe_written: false,
            retry_after: SimTime::ZERO,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct PartitionQueue {
    batches: VecDeque<Batch>,
    in_flight: u32,
}

#[derive(Clone, Debug)]
struct InFlight {
    tp: TopicPartition,
    batch: Batch,
    /// The broker it was sent to (a closed connection fails what is in flight to it).
    leader: BrokerId,
}

/// A producer client.
#[derive(Clone, Debug)]
pub(crate) struct Producer {
    pub id: ProducerId,
    pub config: ProducerConfig,
    leaders: crate::metadata::ClientLeaders,
    pub partition_counts: Vec<u32>,
    queues: TpMap<PartitionQueue>,
    in_flight: VecMap<u64, InFlight>,
    next_request: u64,
    next_sequence: VecMap<TopicPartition, u32>,
    /// Built-in sticky partitioner: per topic, the sticky partition and bytes produced to it.
    sticky: VecMap<u32, (u32, u64)>,
    /// Round-robin partitioner: per topic counter.
    round_robin: VecMap<u32, u32>,
    /// When metadata was last requested (at most one request per `retry.backoff.ms`).
    metadata_requested_at: Option<SimTime>,
    /// Idempotent producer epoch (KIP-360), bumped to reset sequences after a failed batch.
    producer_epoch: u16,
    /// A sent batch failed, leaving a gap in its partition's sequence: bump the epoch once nothing
    /// that might have been written is still unresolved.
    epoch_bump_pending: bool,
}

impl Producer {
    pub fn new(id: ProducerId, config: ProducerConfig) -> Producer {
        Producer {
            id,
            config,
            leaders: VecMap::new(),
            partition_counts: Vec::new(),
            queues: TpMap::default(),
            in_flight: VecMap::new(),
            next_request: 0,
            next_sequence: VecMap::new(),
            sticky: VecMap::new(),
            round_robin: VecMap::new(),
            metadata_requested_at: None,
            producer_epoch: 0,
            epoch_bump_pending: false,
        }
    }

    /// Partitions of a topic that currently have a leader, in order.
    fn available(&self, topic: crate::ids::TopicId, count: u32) -> Vec<u32> {
        (0..count)
            .filter(|p| {
                self.leaders
                    .get(&TopicPartition {
                        topic,
                        partition: *p,
                    })
                    .is_some_and(|(l, _)| l.is_some())
            })
            .collect()
    }

    /// Picks the partition of a keyless record (sticky or round-robin).
    pub fn keyless_partition(
        &mut self,
        ctx: &mut Ctx<'_>,
        topic: crate::ids::TopicId,
        count: u32,
    ) -> u32 {
        let available = self.available(topic, count);
        let pool: Vec<u32> = if available.is_empty() {
            (0..count).collect()
        } else {
            available
        };
        match self.config.keyless_partitioner {
            crate::config::KeylessPartitioner::RoundRobin => {
                let counter = self.round_robin.entry(topic.0).or_insert(0);
                let p = pool[(*counter as usize) % pool.len()];
                *counter = counter.wrapping_add(1);
                p
            }
            crate::config::KeylessPartitioner::Sticky => {
                let batch_size = self.config.batch_size.max(1);
                let entry = self.sticky.get(&topic.0).copied();
                match entry {
                    Some((p, produced)) if produced < batch_size && p < count => p,
                    _ => {
                        // BuiltInPartitioner#nextPartition without load statistics.
                        let r = crate::murmur2::to_positive(ctx.rng.next_i32());
                        let p = pool[(r as usize) % pool.len()];
                        self.sticky.insert(topic.0, (p, 0));
                        p
                    }
                }
            }
        }
    }

    /// Counts a keyless append towards the sticky partition's switch (KIP-794).
    pub fn note_keyless_bytes(&mut self, topic: crate::ids::TopicId, bytes: u64) {
        if let Some((_, produced)) = self.sticky.get_mut(&topic.0) {
            *produced += bytes;
        }
    }

    /// Adds a created record to its partition's accumulator and sends what can be sent.
    pub fn append(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition, record: RecordId, size: u32) {
        if self.config.acks == Acks::Zero {
            ctx.ledger.on_outcome(
                record,
                Outcome::Acked {
                    offset: None,
                    acks: Acks::Zero,
                },
            );
        }
        let batch_size = self.config.batch_size.max(1);
        let now = ctx.now;
        let queue = self.queues.get_or_default(tp);
        let needs_new = queue.batches.back().is_none_or(|b| {
            b.attempts > 0 || (!b.data.records.is_empty() && b.bytes + u64::from(size) > batch_size)
        });
        if needs_new {
            // Size the batch for as many records of this size as batch.size holds.
            let expected = (batch_size / u64::from(size.max(1))).clamp(1, 4096) as usize;
            queue
                .batches
                .push_back(Batch::new(now, expected, self.config.request_timeout_ms));
        }
        let batch = queue.batches.back_mut().expect("ensured above");
        let data = Rc::make_mut(&mut batch.data);
        data.records.push(record);
        batch.bytes += u64::from(size);
        let single_record = batch.data.records.len() == 1;
        let first_of_only_batch = single_record && queue.batches.len() == 1;
        if self.config.linger_ms > 0 && first_of_only_batch {
            ctx.set_timer(
                TimerKey::Linger {
                    producer: self.id,
                    tp,
                },
                self.config.linger_ms,
            );
        }
        // While every in-flight slot is taken nothing can be sent; responses drain the queue.
        if queue.in_flight < self.config.max_in_flight_requests_per_connection {
            self.drain(ctx, tp);
        }
    }

    /// Sends ready batches of `tp` while the in-flight limit allows.
    fn drain(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        let max_in_flight = self.config.max_in_flight_requests_per_connection;
        let batch_size = self.config.batch_size.max(1);
        let linger = self.config.linger_ms;
        let leader = self.leaders.get(&tp).and_then(|(l, _)| *l);
        self.expire(ctx, tp);
        self.maybe_bump_epoch(ctx);
        let Some(queue) = self.queues.get_mut(&tp) else {
            return;
        };
        if queue.batches.is_empty() {
            return;
        }
        let Some(leader) = leader else {
            // No leader known: ask for metadata and look again after the back-off.
            self.request_metadata(ctx);
            ctx.set_timer(
                TimerKey::RetryBackoff {
                    producer: self.id,
                    tp,
                },
                self.retry_backoff_ms(),
            );
            return;
        };
        while queue.in_flight < max_in_flight {
            let Some(front) = queue.batches.front() else {
                break;
            };
            let is_last = queue.batches.len() == 1;
            if ctx.now < front.retry_after {
                // Make sure something wakes the queue then: the timer set with the back-off may
                // have been replaced since (an epoch bump re-arms it for now).
                let key = TimerKey::RetryBackoff {
                    producer: self.id,
                    tp,
                };
                ctx.agenda.set_timer(key, front.retry_after);
                break;
            }
            // Idempotence: a retried batch (it has a sequence) goes out only when no batch with
            // a lower sequence is in flight, so retries reach the leader one at a time and in
            // order (`RecordAccumulator.shouldStopDrainBatchesForPartition`).
            if let Some(seq) = front.data.base_sequence
                && self
                    .in_flight
                    .values()
                    .any(|f| f.tp == tp && f.batch.data.base_sequence.is_some_and(|s| s < seq))
            {
                break;
            }
            if self.epoch_bump_pending && !front.maybe_written {
                // Only batches that may already be in the log are sent until the epoch bump;
                // everything else waits so the in-flight requests drain and the bump can happen.
                ctx.set_timer(
                    TimerKey::RetryBackoff {
                        producer: self.id,
                        tp,
                    },
                    self.retry_backoff_ms(),
                );
                break;
            }
            let ready = front.attempts > 0
                || !is_last
                || front.bytes >= batch_size
                || ctx.now.since(front.created_at) >= linger;
            if !ready {
                break;
            }
            let mut batch = queue.batches.pop_front().expect("front exists");
            if self.config.enable_idempotence && batch.data.base_sequence.is_none() {
                let seq = self.next_sequence.entry(tp).or_insert(0);
                let data = Rc::make_mut(&mut batch.data);
                data.base_sequence = Some(*seq);
                data.producer_epoch = self.producer_epoch;
                ctx.ledger.set_sequences(
                    batch.data.records.iter().copied(),
                    self.producer_epoch,
                    *seq,
                );
                *seq += batch.data.records.len() as u32;
            }
            batch.attempts += 1;
            queue.in_flight += 1;
            let request = self.next_request;
            self.next_request += 1;
            let count = batch.data.records.len() as u32;
            ctx.emit(EventKind::ProduceRequestSent {
                producer: self.id,
                tp,
                leader,
                count,
                attempt: batch.attempts,
            });
            let msg = Message::ProduceRequest {
                request,
                tp,
                acks: self.config.acks,
                producer: self.id,
                batch: Rc::clone(&batch.data),
            };
            ctx.send(NodeId::Producer(self.id), NodeId::Broker(leader), msg);
            if self.config.acks == Acks::Zero {
                queue.in_flight -= 1; // no response will come
                ctx.emit(EventKind::ProduceAcked {
                    producer: self.id,
                    tp,
                    base_offset: None,
                    count,
                    acks: Acks::Zero,
                });
                continue;
            }
            ctx.set_timer(
                TimerKey::RequestTimeout {
                    producer: self.id,
                    request,
                },
                self.config.request_timeout_ms,
            );
            self.in_flight
                .insert(request, InFlight { tp, batch, leader });
        }
    }

    /// KIP-360: once no sent batch is unresolved (none in flight, none that may have been written), bump
    /// the producer epoch so every partition's sequence starts again at 0.
    fn maybe_bump_epoch(&mut self, ctx: &mut Ctx<'_>) {
        if !self.epoch_bump_pending || !self.in_flight.is_empty() {
            return;
        }
        if self
            .queues
            .values()
            .any(|q| q.batches.iter().any(|b| b.maybe_written))
        {
            return;
        }
        self.epoch_bump_pending = false;
        self.producer_epoch = self.producer_epoch.wrapping_add(1);
        self.next_sequence.clear();
        // Batches the brokers refused outright get new sequences under the new epoch, in order.
        for q in self.queues.values_mut() {
            for b in &mut q.batches {
                if b.data.base_sequence.is_some() {
                    Rc::make_mut(&mut b.data).base_sequence = None;
                }
            }
        }
        let waiting: Vec<TopicPartition> = self
            .queues
            .iter()
            .filter(|(_, q)| !q.batches.is_empty())
            .map(|(tp, _)| *tp)
            .collect();
        for tp in waiting {
            ctx.set_timer(
                TimerKey::RetryBackoff {
                    producer: self.id,
                    tp,
                },
                0,
            );
        }
    }

    /// `retry.backoff.ms`, at least 1 ms: with 0 a simulated producer would retry forever within
    /// one instant (a real one spends at least the time of a loop iteration).
    fn retry_backoff_ms(&self) -> u64 {
        self.config.retry_backoff_ms.max(1)
    }

    /// Asks the controller for metadata, at most once per `retry.backoff.ms`.
    fn request_metadata(&mut self, ctx: &mut Ctx<'_>) {
        let backoff = self.retry_backoff_ms();
        if !metadata_request_due(&mut self.metadata_requested_at, ctx.now, backoff) {
            return;
        }
        ctx.send(
            NodeId::Producer(self.id),
            NodeId::Controller,
            Message::MetadataRequest,
        );
    }

    /// Fails batches older than `delivery.timeout.ms` that are not in flight.
    fn expire(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
        let timeout = self.config.delivery_timeout_ms;
        let Some(queue) = self.queues.get_mut(&tp) else {
            return;
        };
        while queue
            .batches
            .front()
            .is_some_and(|b| ctx.now.since(b.created_at) >= timeout)
        {
            let batch = queue.batches.pop_front().expect("front exists");
            self.epoch_bump_pending |= batch.data.base_sequence.is_some();
            fail(ctx, self.id, tp, &batch, KafkaError::DeliveryTimeout);
        }
    }

    /// The connection to `broker` closed (its process died): what is in flight to it fails with
    /// NETWORK_EXCEPTION and is retried after the back-off (`NetworkClient` disconnect handling).
    pub fn on_connection_closed(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId) {
        let failed: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.leader == broker)
            .map(|(r, _)| *r)
            .collect();
        let mut tps = Vec::new();
        for request in failed {
            let Some(inflight) = self.in_flight.remove(&request) else {
                continue;
            };
            ctx.cancel_timer(TimerKey::RequestTimeout {
                producer: self.id,
                request,
            });
            let tp = inflight.tp;
            if let Some(q) = self.queues.get_mut(&tp) {
                q.in_flight = q.in_flight.saturating_sub(1);
            }
            self.retry_or_fail(ctx, tp, inflight.batch, KafkaError::NetworkException);
            tps.push(tp);
        }
        tps.dedup();
        for tp in tps {
            self.drain(ctx, tp);
        }
    }

    pub fn on_message(&mut self, ctx: &mut Ctx<'_>, message: Message) {
        match message {
            Message::MetadataUpdate {
                partition_counts,
                partitions,
                ..
            } => self.apply_metadata(ctx, partition_counts, &partitions),
            Message::MetadataResponse { image } => {
                self.apply_metadata(ctx, image.partition_counts.clone(), &image.partitions)
            }
            Message::ProduceResponse {
                request,
                tp,
                result,
            } => self.on_response(ctx, request, tp, result),
            _ => {}
        }
    }

    fn apply_metadata(
        &mut self,
        ctx: &mut Ctx<'_>,
        counts: Vec<u32>,
        partitions: &[PartitionRegistration],
    ) {
        merge_client_metadata(
            &mut self.partition_counts,
            &mut self.leaders,
            &counts,
            partitions,
        );
        let tps: Vec<TopicPartition> = self.queues.keys().copied().collect();
        for tp in tps {
            self.drain(ctx, tp);
        }
    }

    fn on_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        request: u64,
        tp: TopicPartition,
        result: Result<Offset, KafkaError>,
    ) {
        let Some(inflight) = self.in_flight.remove(&request) else {
            return;
        };
        ctx.cancel_timer(TimerKey::RequestTimeout {
            producer: self.id,
            request,
        });
        if let Some(q) = self.queues.get_mut(&tp) {
            q.in_flight = q.in_flight.saturating_sub(1);
        }
        let batch = inflight.batch;
        let count = batch.data.records.len() as u32;
        match result {
            Ok(base) => {
                let acks = self.config.acks;
                ctx.ledger
                    .on_outcomes(batch.data.records.iter().enumerate().map(|(i, r)| {
                        let offset = Some(Offset(base.0 + i as u64));
                        (*r, Outcome::Acked { offset, acks })
                    }));
                let acks = self.config.acks;
                ctx.emit(EventKind::ProduceAcked {
                    producer: self.id,
                    tp,
                    base_offset: Some(base),
                    count,
                    acks,
                });
            }
            // The batch was written by an earlier attempt; Kafka's producer counts it a success.
            Err(KafkaError::DuplicateSequenceNumber) => {
                let acks = self.config.acks;
                ctx.ledger.on_outcomes(
                    batch
                        .data
                        .records
                        .iter()
                        .map(|r| (*r, Outcome::Acked { offset: None, acks })),
                );
                let acks = self.config.acks;
                ctx.emit(EventKind::ProduceAcked {
                    producer: self.id,
                    tp,
                    base_offset: None,
                    count,
                    acks,
                });
            }
            Err(error) => self.retry_or_fail(ctx, tp, batch, error),
        }
        self.drain(ctx, tp);
    }

    fn retry_or_fail(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        batch: Batch,
        error: KafkaError,
    ) {
        let retriable = error.is_retriable()
            || (self.config.enable_idempotence && error == KafkaError::OutOfOrderSequenceNumber);
        let expired = ctx.now.since(batch.created_at) >= self.config.delivery_timeout_ms;
        if !retriable || batch.attempts > self.config.retries || expired {
            let error = if expired && retriable {
                KafkaError::DeliveryTimeout
            } else {
                error
            };
            self.epoch_bump_pending |= batch.data.base_sequence.is_some();
            return fail(ctx, self.id, tp, &batch, error);
        }
        ctx.emit(EventKind::ProduceRetrying {
            producer: self.id,
            tp,
            count: batch.data.records.len() as u32,
            error,
        });
        if matches!(
            error,
            KafkaError::NotLeaderOrFollower
                | KafkaError::RequestTimedOut
                | KafkaError::NetworkException
        ) {
            self.request_metadata(ctx);
        }
        // Re-enqueue in record order, so retried batches keep their partition order.
        let mut batch = batch;
        batch.retry_after = ctx.now.plus_ms(self.retry_backoff_ms());
        // Any error but a refusal before appending (a timeout, a leader change while the batch
        // waited for replication …) may hide a write, and a later clean refusal does not undo an
        // earlier attempt's write: the sequence stays unresolved until acknowledged or expired.
        batch.maybe_written |= !matches!(
            error,
            KafkaError::OutOfOrderSequenceNumber | KafkaError::NotEnoughReplicas
        );
        let queue = self.queues.get_or_default(tp);
        let first = batch.data.records.first().copied();
        let at = queue
            .batches
            .iter()
            .position(|b| b.data.records.first().copied() > first)
            .unwrap_or(queue.batches.len());
        queue.batches.insert(at, batch);
        ctx.set_timer(
            TimerKey::RetryBackoff {
                producer: self.id,
                tp,
            },
            self.retry_backoff_ms(),
        );
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, key: TimerKey) {
        match key {
            TimerKey::Linger { tp, .. } | TimerKey::RetryBackoff { tp, .. } => self.drain(ctx, tp),
            TimerKey::RequestTimeout { request, .. } => {
                let Some(inflight) = self.in_flight.remove(&request) else {
                    return;
                };
                let tp = inflight.tp;
                if let Some(q) = self.queues.get_mut(&tp) {
                    q.in_flight = q.in_flight.saturating_sub(1);
                }
                self.retry_or_fail(ctx, tp, inflight.batch, KafkaError::RequestTimedOut);
            }
            _ => {}
        }
    }

    /// Records created but not yet acknowledged or failed.
    pub fn pending_records(&self) -> usize {
        self.queues
            .values()
            .flat_map(|q| q.batches.iter())
            .map(|b| b.data.records.len())
            .sum::<usize>()
            + self
                .in_flight
                .values()
                .map(|f| f.batch.data.records.len())
                .sum::<usize>()
    }
}

fn fail(
    ctx: &mut Ctx<'_>,
    producer: ProducerId,
    tp: TopicPartition,
    batch: &Batch,
    error: KafkaError,
) {
    for r in &batch.data.records {
        ctx.ledger.on_outcome(*r, Outcome::Failed(error));
    }
    ctx.emit(EventKind::ProduceFailed {
        producer,
        tp,
        count: batch.data.records.len() as u32,
        error,
    });
}
