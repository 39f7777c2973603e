//! The consumer's fetching and positions: `Fetcher` (one fetch per owned partition with a
//! position and nothing buffered; responses for a position that moved are dropped) and
//! `SubscriptionState` positions (committed offset from the coordinator, else
//! `auto.offset.reset` through ListOffsets; a reset past unprocessed records is a skip).

use crate::assignor::TopicPartitionName;
use crate::config::AutoOffsetReset;
use crate::error::KafkaError;
use crate::event::{EventKind, Invariant};
use crate::group::GroupError;
use crate::group_coordinator::GroupRequest;
use crate::ids::{NodeId, Offset, TopicPartition};
use crate::message::{ConsumerFetchResult, Message};
use crate::node::Ctx;

use super::{App, Consumer, MAX_PARTITION_FETCH_BYTES, Pending};

impl Consumer {
    /// Fetches every owned partition that has a position, nothing buffered and no fetch in flight.
    pub(super) fn send_fetches(&mut self, ctx: &mut Ctx<'_>) {
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
            if !self.connectable(ctx, leader) {
                continue;
            }
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

    pub(super) fn on_fetch_response(
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
    pub(super) fn resolve_positions(&mut self, ctx: &mut Ctx<'_>) {
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

    pub(super) fn on_offset_fetch(
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
    pub(super) fn reset_position(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition) {
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
        let Some(leader) = self
            .leaders
            .get(&tp)
            .and_then(|(l, _)| *l)
            .filter(|l| self.connectable(ctx, *l))
        else {
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

    pub(super) fn on_list_offsets(
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

    pub(super) fn set_position(
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
    pub(super) fn consumed_offsets(&self) -> Vec<(TopicPartition, Offset)> {
        self.partitions
            .iter()
            .filter(|(tp, _)| self.assigned.contains(tp))
            .filter_map(|(tp, p)| p.position.map(|o| (*tp, o)))
            .collect()
    }

    pub(super) fn tp_name(&self, ctx: &Ctx<'_>, tp: TopicPartition) -> TopicPartitionName {
        let topic = ctx
            .catalog
            .get(tp.topic)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        TopicPartitionName::new(topic, tp.partition)
    }
}
