//! The leader's side of consumer reads: Fetch from a consumer (records below the high watermark,
//! held up to `fetch.max.wait.ms` when there is nothing new) and ListOffsets for
//! `auto.offset.reset`.
//!
//! Mirrors `ReplicaManager.fetchMessages` with `FetchIsolation.HIGH_WATERMARK` and
//! `DelayedFetch`. Simplified: one partition per fetch; `fetch.min.bytes` above 1 is treated as 1
//! (any new record completes a parked fetch).

use crate::agenda::TimerKey;
use crate::broker::Broker;
use crate::error::KafkaError;
use crate::ids::{ConsumerId, NodeId, Offset, RecordId, TopicPartition};
use crate::ledger::Ledger;
use crate::message::{ConsumerFetchResult, Message};
use crate::node::Ctx;
use crate::partition_log::PartitionLog;
use crate::replication::{ParkedConsumerFetch, Role};

/// Records from `from` below the high watermark, at most `max_bytes` (at least one record).
fn read_committed(
    log: &PartitionLog,
    ledger: &Ledger,
    from: Offset,
    max_bytes: u32,
) -> Vec<(Offset, RecordId)> {
    let hw = log.high_watermark();
    let mut bytes = 0u64;
    let mut out = Vec::new();
    for e in log.entries_from(from) {
        if e.offset >= hw {
            break;
        }
        bytes += u64::from(ledger.size_and_timestamp(e.record()).0);
        if !out.is_empty() && bytes > u64::from(max_bytes) {
            break;
        }
        out.push((e.offset, e.record()));
    }
    out
}

impl Broker {
    fn send_consumer_fetch_response(
        &self,
        ctx: &mut Ctx<'_>,
        consumer: ConsumerId,
        tp: TopicPartition,
        correlation: u64,
        result: ConsumerFetchResult,
    ) {
        let msg = Message::ConsumerFetchResponse {
            tp,
            correlation,
            result,
        };
        ctx.send(NodeId::Broker(self.id), NodeId::Consumer(consumer), msg);
    }

    /// A consumer's fetch: answer with committed records, or park it until some arrive.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_consumer_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        consumer: ConsumerId,
        tp: TopicPartition,
        fetch_offset: Offset,
        max_bytes: u32,
        max_wait_ms: u64,
        correlation: u64,
    ) {
        let me = self.id;
        let Some(replica) = self.replicas.get_mut(&tp) else {
            let result = ConsumerFetchResult::NotLeader;
            return self.send_consumer_fetch_response(ctx, consumer, tp, correlation, result);
        };
        let (lso, leo) = (replica.log.log_start_offset(), replica.log.log_end_offset());
        let Role::Leader(leader) = &mut replica.role else {
            let result = ConsumerFetchResult::NotLeader;
            return self.send_consumer_fetch_response(ctx, consumer, tp, correlation, result);
        };
        if fetch_offset < lso || fetch_offset > leo {
            let result = ConsumerFetchResult::OffsetOutOfRange;
            return self.send_consumer_fetch_response(ctx, consumer, tp, correlation, result);
        }
        let records = read_committed(&replica.log, ctx.ledger, fetch_offset, max_bytes);
        if records.is_empty() && max_wait_ms > 0 {
            leader
                .parked_consumer_fetches
                .retain(|p| p.consumer != consumer);
            leader.parked_consumer_fetches.push(ParkedConsumerFetch {
                consumer,
                correlation,
                fetch_offset,
                max_bytes,
            });
            let key = TimerKey::ConsumerFetchWait {
                leader: me,
                tp,
                consumer,
            };
            ctx.set_timer(key, max_wait_ms);
            return;
        }
        let result = ConsumerFetchResult::Records(records);
        self.send_consumer_fetch_response(ctx, consumer, tp, correlation, result);
    }

    /// Answers parked consumer fetches of `tp` that now have records (all of them when
    /// `expired` names the consumer whose wait ran out, or every one when leadership is lost).
    pub(crate) fn answer_parked_consumer_fetches(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        expired: Option<ConsumerId>,
    ) {
        let me = self.id;
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        let hw = replica.log.high_watermark();
        let Role::Leader(leader) = &mut replica.role else {
            return;
        };
        if leader.parked_consumer_fetches.is_empty() {
            return;
        }
        let parked = std::mem::take(&mut leader.parked_consumer_fetches);
        let mut answers = Vec::new();
        let mut keep = Vec::new();
        for p in parked {
            let timed_out = expired == Some(p.consumer);
            let records = if p.fetch_offset < hw {
                read_committed(&replica.log, ctx.ledger, p.fetch_offset, p.max_bytes)
            } else {
                Vec::new()
            };
            if records.is_empty() && !timed_out {
                keep.push(p);
                continue;
            }
            if !timed_out {
                ctx.cancel_timer(TimerKey::ConsumerFetchWait {
                    leader: me,
                    tp,
                    consumer: p.consumer,
                });
            }
            let result = ConsumerFetchResult::Records(records);
            answers.push((p.consumer, p.correlation, result));
        }
        if let Role::Leader(leader) = &mut replica.role {
            leader.parked_consumer_fetches = keep;
        }
        for (consumer, correlation, result) in answers {
            self.send_consumer_fetch_response(ctx, consumer, tp, correlation, result);
        }
    }

    /// Fails the parked consumer fetches of a partition this broker stopped leading.
    pub(crate) fn fail_parked_consumer_fetches(
        &self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        parked: Vec<ParkedConsumerFetch>,
    ) {
        for p in parked {
            ctx.cancel_timer(TimerKey::ConsumerFetchWait {
                leader: self.id,
                tp,
                consumer: p.consumer,
            });
            let result = ConsumerFetchResult::NotLeader;
            self.send_consumer_fetch_response(ctx, p.consumer, tp, p.correlation, result);
        }
    }

    /// `ListOffsets` for `auto.offset.reset`: the log start offset or the high watermark.
    pub(crate) fn on_list_offsets(
        &self,
        ctx: &mut Ctx<'_>,
        consumer: ConsumerId,
        tp: TopicPartition,
        earliest: bool,
        correlation: u64,
    ) {
        let result = match self.replicas.get(&tp) {
            Some(r) if matches!(r.role, Role::Leader(_)) => Ok(if earliest {
                r.log.log_start_offset()
            } else {
                r.log.high_watermark()
            }),
            _ => Err(KafkaError::NotLeaderOrFollower),
        };
        let msg = Message::ListOffsetsResponse {
            tp,
            correlation,
            result,
        };
        ctx.send(NodeId::Broker(self.id), NodeId::Consumer(consumer), msg);
    }
}
