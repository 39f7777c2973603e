//! The active KRaft controller: broker registration and heartbeats, fencing after
//! `broker.session.timeout.ms`, partition leader elections, AlterPartition (ISR changes), topic
//! creation with Kafka's replica placement, preferred-leader elections, and metadata propagation.
//!
//! Mirrors `QuorumController`, `ClusterControlManager`, `BrokerHeartbeatManager`,
//! `ReplicationControlManager` and `PartitionChangeBuilder`. Simplified: a single controller node
//! (the Raft quorum comes later); committed changes are pushed to brokers and clients as metadata
//! updates instead of being fetched from the metadata log.

use crate::vec_map::VecMap;

use crate::agenda::TimerKey;
use crate::error::KafkaError;
use crate::event::{ElectionKind, EventKind};
use crate::ids::{BrokerId, LeaderEpoch, NodeId, TopicPartition};
use crate::message::Message;
use crate::metadata::{MetadataImage, PartitionRegistration};
use crate::node::Ctx;
use crate::rng::SimRng;

/// What the controller knows of a broker.
#[derive(Clone, Debug)]
pub(crate) struct BrokerRegistration {
    pub broker_epoch: u64,
    pub fenced: bool,
    pub last_contact: crate::time::SimTime,
    pub registration_offset: u64,
}

/// The controller.
#[derive(Clone, Debug, Default)]
pub(crate) struct Controller {
    pub brokers: VecMap<BrokerId, BrokerRegistration>,
    pub partitions: VecMap<TopicPartition, PartitionRegistration>,
    pub partition_counts: Vec<u32>,
    pub metadata_offset: u64,
    next_broker_epoch: u64,
    /// Producers to push metadata to.
    pub clients: Vec<NodeId>,
}

impl Controller {
    /// Brokers that may lead partitions or join ISRs: registered and unfenced.
    pub fn active_brokers(&self) -> Vec<BrokerId> {
        self.brokers
            .iter()
            .filter(|(_, r)| !r.fenced)
            .map(|(b, _)| *b)
            .collect()
    }

    fn is_active(&self, b: BrokerId) -> bool {
        self.brokers.get(&b).is_some_and(|r| !r.fenced)
    }

    /// The whole committed metadata.
    pub fn image(&self) -> MetadataImage {
        MetadataImage {
            offset: self.metadata_offset,
            partition_counts: self.partition_counts.clone(),
            partitions: self.partitions.values().cloned().collect(),
        }
    }

    pub fn start(&mut self, ctx: &mut Ctx<'_>) {
        if ctx.config.broker.auto_leader_rebalance_enable {
            let period = ctx.config.broker.leader_imbalance_check_interval_seconds * 1000;
            ctx.set_timer(TimerKey::AutoLeaderRebalance, period);
        }
    }

    pub fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        match (from, message) {
            (NodeId::Broker(b), Message::BrokerRegistrationRequest) => self.on_registration(ctx, b),
            (
                NodeId::Broker(b),
                Message::BrokerHeartbeatRequest {
                    broker_epoch,
                    metadata_offset,
                },
            ) => self.on_heartbeat(ctx, b, broker_epoch, metadata_offset),
            (
                NodeId::Broker(b),
                Message::AlterPartitionRequest {
                    tp,
                    leader_epoch,
                    partition_epoch,
                    new_isr,
                },
            ) => {
                let result =
                    self.on_alter_partition(ctx, b, tp, leader_epoch, partition_epoch, new_isr);
                ctx.send(
                    NodeId::Controller,
                    from,
                    Message::AlterPartitionResponse { tp, result },
                );
            }
            (_, Message::MetadataRequest) => {
                let image = Box::new(self.image());
                ctx.send(
                    NodeId::Controller,
                    from,
                    Message::MetadataResponse { image },
                );
            }
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>, key: TimerKey) {
        match key {
            TimerKey::BrokerSession(b) => self.fence(ctx, b),
            TimerKey::AutoLeaderRebalance => {
                self.elect_preferred_leaders(ctx);
                let period = ctx.config.broker.leader_imbalance_check_interval_seconds * 1000;
                ctx.set_timer(key, period);
            }
            _ => {}
        }
    }

    fn on_registration(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId) {
        self.next_broker_epoch += 1;
        self.metadata_offset += 1;
        let reg = BrokerRegistration {
            broker_epoch: self.next_broker_epoch,
            fenced: true,
            last_contact: ctx.now,
            registration_offset: self.metadata_offset,
        };
        // A re-registering broker (restart) is fenced until it catches up: drop it from ISRs first.
        if self.brokers.get(&broker).is_some_and(|r| !r.fenced) {
            self.brokers.insert(broker, reg.clone());
            self.on_broker_unavailable(ctx, broker);
        }
        self.brokers.insert(broker, reg.clone());
        ctx.emit(EventKind::BrokerRegistered {
            broker,
            broker_epoch: reg.broker_epoch,
        });
        let image = Box::new(self.image());
        ctx.send(
            NodeId::Controller,
            NodeId::Broker(broker),
            Message::BrokerRegistrationResponse {
                broker_epoch: reg.broker_epoch,
                image,
            },
        );
        ctx.set_timer(
            TimerKey::BrokerSession(broker),
            ctx.config.broker.broker_session_timeout_ms,
        );
    }

    fn on_heartbeat(
        &mut self,
        ctx: &mut Ctx<'_>,
        broker: BrokerId,
        broker_epoch: u64,
        metadata_offset: u64,
    ) {
        let image = (metadata_offset < self.metadata_offset).then(|| Box::new(self.image()));
        let Some(reg) = self.brokers.get_mut(&broker) else {
            return;
        };
        if reg.broker_epoch != broker_epoch {
            return; // from a previous incarnation
        }
        reg.last_contact = ctx.now;
        ctx.set_timer(
            TimerKey::BrokerSession(broker),
            ctx.config.broker.broker_session_timeout_ms,
        );
        let unfence = reg.fenced && metadata_offset >= reg.registration_offset;
        // A broker that missed updates (a cut link) gets the whole image back (computed above).
        ctx.send(
            NodeId::Controller,
            NodeId::Broker(broker),
            Message::BrokerHeartbeatResponse { image },
        );
        if unfence {
            reg.fenced = false;
            self.metadata_offset += 1;
            ctx.emit(EventKind::BrokerUnfenced { broker });
            self.elect_offline_partitions(ctx);
        }
    }

    /// Fences a broker whose session expired: out of every ISR, new leaders where it led.
    fn fence(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId) {
        let Some(reg) = self.brokers.get_mut(&broker) else {
            return;
        };
        if reg.fenced {
            return;
        }
        reg.fenced = true;
        let silent_ms = ctx.now.since(reg.last_contact);
        self.metadata_offset += 1;
        ctx.emit(EventKind::BrokerFenced { broker, silent_ms });
        self.on_broker_unavailable(ctx, broker);
    }

    fn on_broker_unavailable(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId) {
        let tps: Vec<TopicPartition> = self
            .partitions
            .iter()
            .filter(|(_, p)| p.replicas.contains(&broker))
            .map(|(tp, _)| *tp)
            .collect();
        let mut changed = Vec::new();
        for tp in tps {
            let p = self.partitions.get(&tp).expect("listed above").clone();
            // The ISR never becomes empty (no ELR): the last member stays while the partition is offline.
            let mut isr: Vec<BrokerId> = p.isr.iter().copied().filter(|b| *b != broker).collect();
            if isr.is_empty() {
                isr = p.isr.clone();
            }
            let needs_leader = p.leader == Some(broker);
            if needs_leader {
                self.elect(ctx, tp, isr, false);
                changed.push(tp);
            } else if isr != p.isr {
                self.change_isr(ctx, tp, isr);
                changed.push(tp);
            }
        }
        self.publish(ctx, &changed);
    }

    /// Elects a leader for `tp` with the given ISR (Kafka's `PartitionChangeBuilder`).
    fn elect(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        preferred: bool,
    ) {
        let unclean_allowed = ctx.catalog.unclean_election_enabled(tp.topic);
        let active: Vec<BrokerId> = self.active_brokers();
        let p = self.partitions.get_mut(&tp).expect("caller checked");
        let choice = choose_leader(
            &p.replicas,
            &isr,
            p.leader,
            |b| active.contains(&b),
            unclean_allowed,
            preferred,
        );
        let previous = p.leader;
        let (leader, kind, new_isr) = match choice {
            Some((b, ElectionKind::Unclean)) => (Some(b), ElectionKind::Unclean, vec![b]),
            Some((b, kind)) => (Some(b), kind, isr),
            None => (None, ElectionKind::Clean, isr),
        };
        if leader == previous && new_isr == p.isr {
            return;
        }
        p.isr = new_isr;
        p.partition_epoch += 1;
        if leader != previous {
            p.leader = leader;
            p.leader_epoch = LeaderEpoch(p.leader_epoch.0 + 1);
            self.metadata_offset += 1;
            if kind == ElectionKind::Unclean {
                ctx.checker.note_unclean_election(tp);
            }
            let (leader_epoch, isr) = (p.leader_epoch, p.isr.clone());
            ctx.emit(EventKind::LeaderElected {
                tp,
                leader,
                previous,
                leader_epoch,
                election: kind,
                isr,
            });
        }
    }

    fn change_isr(&mut self, ctx: &mut Ctx<'_>, tp: TopicPartition, isr: Vec<BrokerId>) {
        let p = self.partitions.get_mut(&tp).expect("caller checked");
        let removed: Vec<BrokerId> = p.isr.iter().copied().filter(|b| !isr.contains(b)).collect();
        let added: Vec<BrokerId> = isr.iter().copied().filter(|b| !p.isr.contains(b)).collect();
        p.isr = isr.clone();
        p.partition_epoch += 1;
        self.metadata_offset += 1;
        if !removed.is_empty() {
            ctx.emit(EventKind::IsrShrunk {
                tp,
                removed,
                isr: isr.clone(),
            });
        }
        if !added.is_empty() {
            ctx.emit(EventKind::IsrExpanded { tp, added, isr });
        }
    }

    /// AlterPartition from a leader: validated against its epochs, unfenced additions only.
    fn on_alter_partition(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: BrokerId,
        tp: TopicPartition,
        leader_epoch: LeaderEpoch,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    ) -> Result<PartitionRegistration, KafkaError> {
        let Some(p) = self.partitions.get(&tp) else {
            return Err(KafkaError::UnknownTopicOrPartition);
        };
        if p.leader != Some(from) || p.leader_epoch != leader_epoch {
            return Err(KafkaError::FencedLeaderEpoch);
        }
        if p.partition_epoch != partition_epoch {
            return Err(KafkaError::FencedLeaderEpoch); // Kafka: INVALID_UPDATE_VERSION
        }
        let isr: Vec<BrokerId> = p
            .replicas
            .iter()
            .copied()
            .filter(|b| new_isr.contains(b) && (p.isr.contains(b) || self.is_active(*b)))
            .collect();
        if !isr.contains(&from) {
            return Err(KafkaError::InvalidRecord); // Kafka: INVALID_REQUEST (leader must stay in ISR)
        }
        if isr != p.isr {
            self.change_isr(ctx, tp, isr);
            self.publish(ctx, &[tp]);
        }
        Ok(self.partitions[&tp].clone())
    }

    /// Elects leaders for offline partitions once a broker is back.
    fn elect_offline_partitions(&mut self, ctx: &mut Ctx<'_>) {
        let offline: Vec<TopicPartition> = self
            .partitions
            .iter()
            .filter(|(_, p)| p.leader.is_none())
            .map(|(tp, _)| *tp)
            .collect();
        let mut changed = Vec::new();
        for tp in offline {
            let isr = self.partitions[&tp].isr.clone();
            self.elect(ctx, tp, isr, false);
            if self.partitions[&tp].leader.is_some() {
                changed.push(tp);
            }
        }
        // Metadata offset moved for the unfencing itself; publish to let the broker see it.
        self.publish(ctx, &changed);
    }

    /// Moves leadership to the preferred replica wherever it is in the ISR and active.
    pub fn elect_preferred_leaders(&mut self, ctx: &mut Ctx<'_>) {
        let tps: Vec<TopicPartition> = self.partitions.keys().copied().collect();
        let mut changed = Vec::new();
        for tp in tps {
            let p = &self.partitions[&tp];
            let preferred = p.replicas[0];
            if p.leader != Some(preferred)
                && p.isr.contains(&preferred)
                && self.is_active(preferred)
            {
                let isr = p.isr.clone();
                self.elect(ctx, tp, isr, true);
                changed.push(tp);
            }
        }
        self.publish(ctx, &changed);
    }

    /// Creates a topic's partitions (placement already chosen) and publishes them.
    pub fn create_partitions(
        &mut self,
        ctx: &mut Ctx<'_>,
        tps: Vec<(TopicPartition, Vec<BrokerId>)>,
    ) {
        let mut changed = Vec::new();
        for (tp, replicas) in tps {
            let topic = tp.topic.0 as usize;
            if self.partition_counts.len() <= topic {
                self.partition_counts.resize(topic + 1, 0);
            }
            self.partition_counts[topic] = self.partition_counts[topic].max(tp.partition + 1);
            let leader = replicas.iter().copied().find(|b| self.is_active(*b));
            let isr: Vec<BrokerId> = replicas
                .iter()
                .copied()
                .filter(|b| self.is_active(*b))
                .collect();
            let reg = PartitionRegistration {
                tp,
                isr: if isr.is_empty() {
                    replicas.clone()
                } else {
                    isr.clone()
                },
                replicas,
                leader,
                leader_epoch: LeaderEpoch(0),
                partition_epoch: 0,
            };
            self.metadata_offset += 1;
            ctx.emit(EventKind::LeaderElected {
                tp,
                leader,
                previous: None,
                leader_epoch: LeaderEpoch(0),
                election: ElectionKind::Initial,
                isr,
            });
            self.partitions.insert(tp, reg);
            changed.push(tp);
        }
        self.publish(ctx, &changed);
    }

    /// Pushes the changed registrations to every broker and client.
    pub fn publish(&mut self, ctx: &mut Ctx<'_>, changed: &[TopicPartition]) {
        if changed.is_empty() {
            return;
        }
        let partitions: Vec<PartitionRegistration> = changed
            .iter()
            .map(|tp| self.partitions[tp].clone())
            .collect();
        let targets: Vec<NodeId> = self
            .brokers
            .keys()
            .map(|b| NodeId::Broker(*b))
            .chain(self.clients.iter().copied())
            .collect();
        for to in targets {
            let msg = Message::MetadataUpdate {
                offset: self.metadata_offset,
                partition_counts: self.partition_counts.clone(),
                partitions: partitions.clone(),
            };
            ctx.send(NodeId::Controller, to, msg);
        }
    }
}

/// Kafka's leader choice (`PartitionChangeBuilder`): keep a current leader that is still in the
/// ISR and active; otherwise the first replica in assignment order that is in the ISR and active
/// (the preferred replica first for a preferred election); otherwise, if allowed, the first active
/// replica outside the ISR (unclean); otherwise none.
pub(crate) fn choose_leader(
    replicas: &[BrokerId],
    isr: &[BrokerId],
    current: Option<BrokerId>,
    active: impl Fn(BrokerId) -> bool,
    unclean_allowed: bool,
    preferred: bool,
) -> Option<(BrokerId, ElectionKind)> {
    if preferred {
        let first = *replicas.first()?;
        if isr.contains(&first) && active(first) {
            return Some((first, ElectionKind::Preferred));
        }
    }
    if let Some(c) = current
        && isr.contains(&c)
        && active(c)
    {
        return Some((c, ElectionKind::Clean));
    }
    if let Some(b) = replicas
        .iter()
        .copied()
        .find(|b| isr.contains(b) && active(*b))
    {
        return Some((b, ElectionKind::Clean));
    }
    if unclean_allowed {
        return replicas
            .iter()
            .copied()
            .find(|b| active(*b))
            .map(|b| (b, ElectionKind::Unclean));
    }
    None
}

/// Kafka's rack-unaware replica placement (`AdminUtils.assignReplicasToBrokersRackUnaware`):
/// a random start index and a random shift for the followers, from the simulation's RNG.
pub(crate) fn place_replicas(
    rng: &mut SimRng,
    brokers: &[BrokerId],
    partitions: u32,
    replication_factor: u32,
    start_partition: u32,
) -> Vec<Vec<BrokerId>> {
    let n = brokers.len();
    let start_index = rng.index(n);
    let mut shift = rng.index(n);
    let mut out = Vec::with_capacity(partitions as usize);
    for p in start_partition..start_partition + partitions {
        let p = p as usize;
        if p > 0 && p.is_multiple_of(n) {
            shift += 1;
        }
        let first = (p + start_index) % n;
        let mut replicas = vec![brokers[first]];
        for j in 0..(replication_factor as usize).saturating_sub(1) {
            let s = 1 + (shift + j) % (n - 1);
            replicas.push(brokers[(first + s) % n]);
        }
        out.push(replicas);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(ids: &[u32]) -> Vec<BrokerId> {
        ids.iter().map(|i| BrokerId(*i)).collect()
    }

    #[test]
    fn clean_election_takes_first_isr_replica_in_assignment_order() {
        let got = choose_leader(
            &b(&[1, 2, 3]),
            &b(&[3, 2]),
            Some(BrokerId(1)),
            |_| true,
            false,
            false,
        );
        assert_eq!(got, Some((BrokerId(2), ElectionKind::Clean)));
    }

    #[test]
    fn unclean_election_only_when_enabled() {
        let active = |x: BrokerId| x != BrokerId(1);
        assert_eq!(
            choose_leader(&b(&[1, 2, 3]), &b(&[1]), None, active, false, false),
            None
        );
        assert_eq!(
            choose_leader(&b(&[1, 2, 3]), &b(&[1]), None, active, true, false),
            Some((BrokerId(2), ElectionKind::Unclean))
        );
    }

    #[test]
    fn placement_spreads_leaders_and_never_repeats_a_broker() {
        let mut rng = SimRng::new(3);
        let placed = place_replicas(&mut rng, &b(&[1, 2, 3]), 6, 3, 0);
        for r in &placed {
            let mut s = r.clone();
            s.sort();
            s.dedup();
            assert_eq!(s.len(), 3);
        }
        let leaders: Vec<BrokerId> = placed.iter().map(|r| r[0]).collect();
        for x in b(&[1, 2, 3]) {
            assert_eq!(leaders.iter().filter(|l| **l == x).count(), 2);
        }
    }
}
