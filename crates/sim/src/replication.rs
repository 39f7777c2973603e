//! One partition replica on a broker and the leader's side of replication: follower fetch state,
//! ISR changes and the high watermark.
//!
//! Mirrors `kafka.cluster.Partition` (`updateFollowerFetchState`, `maybeExpandIsr`,
//! `maybeShrinkIsr`, `maybeIncrementLeaderHW`, `checkEnoughReplicasReachOffset`). Like Kafka ≥ 3.7
//! (KAFKA-15583), the HW does not advance while the ISR is smaller than `min.insync.replicas`.
//!
//! Simplified: one AlterPartition in flight at a time, retried after a timeout; the "caught up and
//! ISR-eligible" clause of the maximal ISR is left out.

use crate::vec_map::VecMap;

use crate::config::Acks;
use crate::ids::{BrokerId, ConsumerId, LeaderEpoch, Offset, ProducerId, TopicPartition};
use crate::metadata::PartitionRegistration;
use crate::partition_log::PartitionLog;
use crate::time::SimTime;

/// What the leader knows of one follower (Kafka's `Replica` state).
#[derive(Clone, Debug)]
pub(crate) struct FollowerFetchState {
    pub broker: BrokerId,
    /// The follower's LEO as of its last fetch (`None` until it fetched from this leader).
    pub log_end_offset: Option<Offset>,
    pub last_caught_up_time: SimTime,
    pub last_fetch_time: SimTime,
    pub last_fetch_leader_leo: Offset,
}

/// A follower fetch held by the leader until data arrives or `replica.fetch.wait.max.ms` passes.
#[derive(Clone, Debug)]
pub(crate) struct ParkedFetch {
    pub follower: BrokerId,
    pub session: u64,
    pub fetch_offset: Offset,
}

/// A consumer fetch held by the leader until records reach the high watermark or
/// `fetch.max.wait.ms` passes.
#[derive(Clone, Debug)]
pub(crate) struct ParkedConsumerFetch {
    pub consumer: ConsumerId,
    pub correlation: u64,
    pub fetch_offset: Offset,
    pub max_bytes: u32,
}

/// An `acks=all` produce waiting for the HW to pass its last record (Kafka's `DelayedProduce`).
#[derive(Clone, Debug)]
pub(crate) struct DelayedProduce {
    pub producer: ProducerId,
    pub request: u64,
    pub base_offset: Offset,
    pub required_offset: Offset,
}

/// An AlterPartition request in flight.
#[derive(Clone, Debug)]
pub(crate) struct PendingIsrChange {
    pub new_isr: Vec<BrokerId>,
    pub sent_at: SimTime,
}

/// Idempotent-producer state of a partition on its leader: the last batches per producer.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProducerStateEntry {
    /// The producer epoch the sequences belong to (KIP-360: a higher epoch starts over at 0).
    pub epoch: u16,
    pub last_sequence: Option<u32>,
    /// (first sequence, last sequence, base offset) of the last five batches.
    pub batches: Vec<(u32, u32, Offset)>,
}

/// Leader-only state.
#[derive(Clone, Debug)]
pub(crate) struct LeaderState {
    pub isr: Vec<BrokerId>,
    pub pending_isr: Option<PendingIsrChange>,
    pub followers: Vec<FollowerFetchState>,
    pub epoch_start_offset: Offset,
    pub parked_fetches: Vec<ParkedFetch>,
    pub parked_consumer_fetches: Vec<ParkedConsumerFetch>,
    pub delayed_produces: Vec<DelayedProduce>,
    pub producers: VecMap<ProducerId, ProducerStateEntry>,
}

/// Follower-only state.
#[derive(Clone, Debug)]
pub(crate) struct FollowerState {
    pub leader: Option<BrokerId>,
    pub session: u64,
}

/// A replica's role, as the broker last learned it from metadata.
#[derive(Clone, Debug)]
pub(crate) enum Role {
    /// Not started (the broker is down or has not seen metadata for it yet).
    Offline,
    Leader(Box<LeaderState>),
    Follower(FollowerState),
}

/// One replica of a partition on a broker.
#[derive(Clone, Debug)]
pub(crate) struct Replica {
    pub tp: TopicPartition,
    pub log: PartitionLog,
    pub registration: Option<PartitionRegistration>,
    pub role: Role,
    /// Offsets below this were checked against the partition's committed history.
    pub agreed_upto: Offset,
}

impl Replica {
    pub fn new(tp: TopicPartition) -> Replica {
        Replica {
            tp,
            log: PartitionLog::default(),
            registration: None,
            role: Role::Offline,
            agreed_upto: Offset(0),
        }
    }

    pub fn leader_epoch(&self) -> LeaderEpoch {
        self.registration
            .as_ref()
            .map(|r| r.leader_epoch)
            .unwrap_or_default()
    }

    pub fn leader_state(&mut self) -> Option<&mut LeaderState> {
        match &mut self.role {
            Role::Leader(l) => Some(l),
            _ => None,
        }
    }
}

impl LeaderState {
    /// Leader state for a broker that just became leader at `leo` (Kafka's `makeLeader`):
    /// followers in the ISR count as caught up now, so they are not dropped at once.
    pub fn new(
        me: BrokerId,
        reg: &PartitionRegistration,
        leo: Offset,
        now: SimTime,
    ) -> LeaderState {
        let followers = reg
            .replicas
            .iter()
            .filter(|b| **b != me)
            .map(|b| FollowerFetchState {
                broker: *b,
                log_end_offset: None,
                last_caught_up_time: if reg.isr.contains(b) {
                    now
                } else {
                    SimTime::ZERO
                },
                last_fetch_time: SimTime::ZERO,
                last_fetch_leader_leo: Offset(0),
            })
            .collect();
        LeaderState {
            isr: reg.isr.clone(),
            pending_isr: None,
            followers,
            epoch_start_offset: leo,
            parked_fetches: Vec::new(),
            parked_consumer_fetches: Vec::new(),
            delayed_produces: Vec::new(),
            producers: VecMap::new(),
        }
    }

    /// The ISR the HW must wait for: the committed ISR plus replicas being added.
    pub fn maximal_isr(&self) -> &[BrokerId] {
        match &self.pending_isr {
            Some(p) if p.new_isr.len() > self.isr.len() => &p.new_isr,
            _ => &self.isr,
        }
    }

    /// Kafka's `updateFollowerFetchState` / `Replica.updateFetchStateOrThrow`.
    pub fn update_follower_fetch_state(
        &mut self,
        follower: BrokerId,
        fetch_offset: Offset,
        leader_leo: Offset,
        now: SimTime,
    ) {
        let Some(f) = self.followers.iter_mut().find(|f| f.broker == follower) else {
            return;
        };
        if fetch_offset >= leader_leo {
            f.last_caught_up_time = now;
        } else if fetch_offset >= f.last_fetch_leader_leo {
            f.last_caught_up_time = f.last_caught_up_time.max(f.last_fetch_time);
        }
        f.log_end_offset = Some(fetch_offset);
        f.last_fetch_time = now;
        f.last_fetch_leader_leo = leader_leo;
    }

    /// The HW the ISR allows (`maybeIncrementLeaderHW`), or `None` if it must not move.
    pub fn high_watermark_candidate(&self, leader_leo: Offset, min_isr: usize) -> Option<Offset> {
        if self.isr.len() < min_isr {
            return None; // KAFKA-15583: frozen while the ISR is below min.insync.replicas.
        }
        let mut hw = leader_leo;
        for f in &self.followers {
            if self.maximal_isr().contains(&f.broker) {
                hw = hw.min(f.log_end_offset.unwrap_or(Offset(0)));
            }
        }
        Some(hw)
    }

    /// Followers in the ISR that are not caught up (`getOutOfSyncReplicas`).
    pub fn out_of_sync_replicas(
        &self,
        leader_leo: Offset,
        now: SimTime,
        max_lag_ms: u64,
    ) -> Vec<BrokerId> {
        self.followers
            .iter()
            .filter(|f| self.isr.contains(&f.broker))
            .filter(|f| {
                f.log_end_offset != Some(leader_leo)
                    && now.since(f.last_caught_up_time) > max_lag_ms
            })
            .map(|f| f.broker)
            .collect()
    }

    /// A follower outside the ISR that may join it (`maybeExpandIsr`): caught up to the HW and
    /// to the start of the current leader epoch.
    pub fn expandable(&self, follower: BrokerId, hw: Offset) -> bool {
        if self.isr.contains(&follower) || self.pending_isr.is_some() {
            return false;
        }
        self.followers
            .iter()
            .find(|f| f.broker == follower)
            .and_then(|f| f.log_end_offset)
            .is_some_and(|leo| leo >= hw && leo >= self.epoch_start_offset)
    }

    /// Whether a produce with `acks` may append now (`NOT_ENOUGH_REPLICAS` otherwise).
    pub fn enough_replicas_for(&self, acks: Acks, min_isr: usize) -> bool {
        acks != Acks::All || self.isr.len() >= min_isr
    }
}

/// The ISR in assignment order (Kafka keeps ISRs as ordered lists).
pub(crate) fn ordered_isr(
    replicas: &[BrokerId],
    members: impl Fn(BrokerId) -> bool,
) -> Vec<BrokerId> {
    replicas.iter().copied().filter(|b| members(*b)).collect()
}
