//! The agenda: every future happening — a message delivery or a timer — in `(at, seq)` order.
//!
//! `seq` is assigned when an item is scheduled, so items due in the same millisecond run in the
//! order they were scheduled, never in heap or hash order. Timers are keyed by what they guard
//! (Kafka's `groupSessionTimeoutKey` style): setting a timer replaces the one with the same key,
//! and a replaced or cancelled timer is skipped when it comes due rather than searched for.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::rc::Rc;

use crate::ids::{BrokerId, ConsumerId, ProducerId, TopicPartition};
use crate::message::Envelope;
use crate::time::SimTime;

/// What a timer guards; at most one timer per key is live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum TimerKey {
    /// The controller fences a broker whose heartbeats stopped.
    BrokerSession(BrokerId),
    /// The controller's periodic preferred-leader election.
    AutoLeaderRebalance,
    /// A broker sends its next heartbeat.
    BrokerHeartbeat(BrokerId),
    /// A broker's ISR-expiration check over the partitions it leads.
    IsrExpiration(BrokerId),
    /// A broker's retention check over its logs.
    RetentionCheck(BrokerId),
    /// A leader answers a parked follower fetch that found no new data.
    FetchWait {
        leader: BrokerId,
        tp: TopicPartition,
        follower: BrokerId,
    },
    /// A follower sends its next fetch after a back-off.
    FetchBackoff {
        follower: BrokerId,
        tp: TopicPartition,
    },
    /// An acks=all produce waiting for the high watermark expires.
    DelayedProduce {
        leader: BrokerId,
        producer: ProducerId,
        request: u64,
    },
    /// A producer's batch for a partition has lingered long enough.
    Linger {
        producer: ProducerId,
        tp: TopicPartition,
    },
    /// A producer gives up waiting for a response.
    RequestTimeout { producer: ProducerId, request: u64 },
    /// A producer's retry back-off for a partition ends.
    RetryBackoff {
        producer: ProducerId,
        tp: TopicPartition,
    },
    /// A group coordinator timer (session, join, sync, initial delay), by the broker's token.
    GroupTimer { broker: BrokerId, token: u64 },
    /// An offset commit waiting for `__consumer_offsets` replication gives up.
    OffsetCommitTimeout { broker: BrokerId, token: u64 },
    /// A leader answers a parked consumer fetch that found nothing new.
    ConsumerFetchWait {
        leader: BrokerId,
        tp: TopicPartition,
        consumer: ConsumerId,
    },
    /// A consumer's heartbeat thread sends the next heartbeat (and checks `max.poll.interval.ms`).
    ConsumerHeartbeat(ConsumerId),
    /// A consumer's application finished processing the records of its last poll.
    ConsumerProcessed(ConsumerId),
    /// A consumer's request got no response within `request.timeout.ms`.
    ConsumerRequestTimeout {
        consumer: ConsumerId,
        correlation: u64,
    },
    /// A consumer's application polls again (after a back-off, or for auto-commit).
    ConsumerWake(ConsumerId),
}

/// A scheduled item.
#[derive(Clone, Debug)]
pub(crate) enum Scheduled {
    /// Deliver a message (shared with time-travel checkpoints, which clone the agenda, until it
    /// is delivered).
    Deliver(Rc<Envelope>),
    /// Fire a timer, if its token is still the live one for its key.
    Fire { key: TimerKey, token: u64 },
}

#[derive(Clone, Debug)]
struct Entry {
    at: SimTime,
    seq: u64,
    item: Scheduled,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (at, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The time-ordered queue of scheduled items.
#[derive(Clone, Debug, Default)]
pub(crate) struct Agenda {
    heap: BinaryHeap<Entry>,
    next_seq: u64,
    live_timers: BTreeMap<TimerKey, u64>,
    /// Timer entries in the heap that were replaced or cancelled (skipped when due).
    dead: usize,
}

impl Agenda {
    /// Schedules a message delivery at `at`.
    pub fn deliver_at(&mut self, at: SimTime, envelope: Envelope) {
        self.push(at, Scheduled::Deliver(Rc::new(envelope)));
    }

    /// Sets the timer `key` to fire at `at`, replacing any live timer with that key.
    pub fn set_timer(&mut self, key: TimerKey, at: SimTime) {
        let token = self.next_seq;
        if self.live_timers.insert(key, token).is_some() {
            self.note_dead();
        }
        self.push(at, Scheduled::Fire { key, token });
    }

    /// Cancels the timer `key`, if live.
    pub fn cancel_timer(&mut self, key: TimerKey) {
        if self.live_timers.remove(&key).is_some() {
            self.note_dead();
        }
    }

    /// Counts a dead timer entry; when they outnumber the live entries, sweeps them out of the
    /// heap at once, so that every push and pop stays short (request timeouts, replaced every few
    /// milliseconds, would otherwise pile up for `request.timeout.ms`). Order is unchanged: it
    /// is `(at, seq)`, unique per entry.
    fn note_dead(&mut self) {
        self.dead += 1;
        if self.dead > 1024 && self.dead * 2 > self.heap.len() {
            let live = &self.live_timers;
            self.heap.retain(|e| match &e.item {
                Scheduled::Fire { key, token } => live.get(key) == Some(token),
                Scheduled::Deliver(_) => true,
            });
            self.dead = 0;
        }
    }

    fn push(&mut self, at: SimTime, item: Scheduled) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, item });
    }

    /// When the next item is due, skipping dead timers.
    pub fn next_due(&mut self) -> Option<SimTime> {
        self.discard_dead_timers();
        self.heap.peek().map(|e| e.at)
    }

    /// Removes and returns the next item if it is due at or before `until`.
    pub fn pop_due(&mut self, until: SimTime) -> Option<(SimTime, Scheduled)> {
        self.discard_dead_timers();
        if self.heap.peek()?.at > until {
            return None;
        }
        let entry = self.heap.pop()?;
        if let Scheduled::Fire { key, .. } = &entry.item {
            self.live_timers.remove(key);
        }
        Some((entry.at, entry.item))
    }

    fn discard_dead_timers(&mut self) {
        while let Some(Entry {
            item: Scheduled::Fire { key, token },
            ..
        }) = self.heap.peek()
        {
            if self.live_timers.get(key) == Some(token) {
                break;
            }
            self.heap.pop();
            self.dead = self.dead.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_time_items_run_in_scheduling_order_and_replaced_timers_are_skipped() {
        let mut a = Agenda::default();
        a.set_timer(TimerKey::AutoLeaderRebalance, SimTime(5));
        a.set_timer(TimerKey::BrokerHeartbeat(BrokerId(1)), SimTime(5));
        a.set_timer(TimerKey::AutoLeaderRebalance, SimTime(7)); // replaces the first
        let mut fired = Vec::new();
        while let Some((at, Scheduled::Fire { key, .. })) = a.pop_due(SimTime(10)) {
            fired.push((at, key));
        }
        assert_eq!(
            fired,
            vec![
                (SimTime(5), TimerKey::BrokerHeartbeat(BrokerId(1))),
                (SimTime(7), TimerKey::AutoLeaderRebalance)
            ]
        );
        a.set_timer(TimerKey::AutoLeaderRebalance, SimTime(20));
        a.cancel_timer(TimerKey::AutoLeaderRebalance);
        assert_eq!(a.next_due(), None);
    }
}
