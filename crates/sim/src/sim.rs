//! `Sim`: the whole cluster as one deterministic state machine.
//!
//! ```text
//!   page / CLI ──apply(Command)──▶ Sim ──drain_events()──▶ Event { at, id, cause, kind }
//!              ──advance_to(t)───▶  │  ◀── views (partition_view, ledger)
//! ```
//!
//! Every random choice comes from one seeded RNG; time is a virtual clock; the agenda orders
//! deliveries and timers by (time, sequence). Same seed + same commands ⇒ same events.

use crate::agenda::{Agenda, Scheduled, TimerKey};
use crate::broker::Broker;
use crate::command::{Command, NodeRef};
use crate::config::SimConfig;
use crate::consumer::Consumer;
use crate::controller::{Controller, place_replicas};
use crate::error::{CommandError, ConfigError};
use crate::event::{Cause, Event, EventKind};
use crate::group_coordinator::OFFSETS_TOPIC;
use crate::ids::{BrokerId, CommandId, ConsumerId, NodeId, ProducerId, RecordId, TopicPartition};
use crate::invariants::Checker;
use crate::ledger::{Ledger, NewRecord, Value};
use crate::message::Envelope;
use crate::network::Network;
use crate::node::{Ctx, EventLog, Liveness};
use crate::producer::Producer;
use crate::rng::SimRng;
use crate::time::SimTime;
use crate::topic::{Catalog, TopicInfo};

/// Most brokers a simulation may have.
pub const MAX_BROKERS: u32 = 64;
/// Most partitions per topic.
pub const MAX_PARTITIONS: u32 = 10_000;
/// Most consumers a simulation may have.
pub const MAX_CONSUMERS: u32 = 1_000;
/// Most records one `ProduceMany` may create.
pub const MAX_PRODUCE_MANY: u32 = 10_000_000;
/// Per-record overhead in Kafka's record format, roughly (varints, attributes, headers count).
const RECORD_OVERHEAD_BYTES: u32 = 7;

/// The simulated cluster.
#[derive(Clone, Debug)]
pub struct Sim {
    config: SimConfig,
    seed: u64,
    now: SimTime,
    rng: SimRng,
    agenda: Agenda,
    network: Network,
    liveness: Liveness,
    events: EventLog,
    ledger: Ledger,
    checker: Checker,
    catalog: Catalog,
    controller: Controller,
    brokers: Vec<Broker>,
    producers: Vec<Producer>,
    consumers: Vec<Consumer>,
    next_command: u64,
    steps: u64,
}

macro_rules! ctx {
    ($self:ident, $cause:expr) => {
        Ctx {
            now: $self.now,
            cause: $cause,
            rng: &mut $self.rng,
            agenda: &mut $self.agenda,
            network: &mut $self.network,
            liveness: &$self.liveness,
            events: &mut $self.events,
            ledger: &mut $self.ledger,
            checker: &mut $self.checker,
            catalog: &$self.catalog,
            config: &$self.config,
        }
    };
}

impl Sim {
    /// Builds a cluster from `config`; every random choice derives from `seed`. Brokers start at
    /// time 0 and register with the controller; one producer (id 0) exists from the start.
    ///
    /// ```
    /// use kafka_sim::{Command, Sim, SimConfig, SimTime};
    /// let mut sim = Sim::new(SimConfig::default(), 42).unwrap();
    /// sim.advance_to(SimTime(1_000)); // brokers register and are unfenced
    /// sim.apply(Command::CreateTopic { name: "orders".into(), partitions: 3, replication_factor: 3, config: Default::default() }).unwrap();
    /// ```
    pub fn new(config: SimConfig, seed: u64) -> Result<Sim, ConfigError> {
        config.validate()?;
        let mut sim = Sim {
            network: Network::new(config.network.clone()),
            catalog: Catalog::new(config.broker.clone()),
            producers: vec![Producer::new(ProducerId(0), config.producer.clone())],
            config,
            seed,
            now: SimTime::ZERO,
            rng: SimRng::new(seed),
            agenda: Agenda::default(),
            liveness: Liveness::default(),
            events: EventLog::default(),
            ledger: Ledger::default(),
            checker: Checker::default(),
            controller: Controller::default(),
            brokers: Vec::new(),
            consumers: Vec::new(),
            next_command: 0,
            steps: 0,
        };
        sim.controller.clients.push(NodeId::Producer(ProducerId(0)));
        let cause = Cause::Command { id: CommandId(0) };
        let mut ctx = ctx!(sim, cause);
        sim.controller.start(&mut ctx);
        for _ in 0..sim.config.brokers {
            sim.add_broker(cause);
        }
        Ok(sim)
    }

    fn add_broker(&mut self, cause: Cause) -> BrokerId {
        let id = BrokerId(self.brokers.len() as u32 + 1);
        self.brokers.push(Broker::new(id));
        self.liveness.brokers.push((true, 0));
        let broker = self.brokers.last_mut().expect("just pushed");
        let mut ctx = ctx!(self, cause);
        broker.start(&mut ctx);
        id
    }

    /// The configuration the run was built from.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }
    /// The seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Items processed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }
    /// The record ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
    /// The topic catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
    /// `orders-1`.
    pub fn tp_name(&self, tp: TopicPartition) -> String {
        self.catalog.tp_name(tp)
    }

    /// Events since the last drain, in order.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, Event> {
        self.events.pending.drain(..)
    }

    /// When the next scheduled item is due.
    pub fn next_due(&mut self) -> Option<SimTime> {
        self.agenda.next_due()
    }

    /// Processes the next scheduled item; returns its time, or `None` when nothing is scheduled.
    pub fn step(&mut self) -> Option<SimTime> {
        let (at, item) = self.agenda.pop_due(SimTime(u64::MAX))?;
        self.now = self.now.max(at);
        self.steps += 1;
        self.process(item);
        Some(at)
    }

    /// Processes every item due at or before `until`, then sets the clock to `until`.
    pub fn advance_to(&mut self, until: SimTime) {
        while let Some((at, item)) = self.agenda.pop_due(until) {
            self.now = self.now.max(at);
            self.steps += 1;
            self.process(item);
        }
        self.now = self.now.max(until);
    }

    /// Advances the clock by `ms` milliseconds.
    pub fn advance_ms(&mut self, ms: u64) {
        self.advance_to(self.now.plus_ms(ms));
    }

    fn process(&mut self, item: Scheduled) {
        match item {
            // A checkpoint may share the envelope: then it is copied.
            Scheduled::Deliver(envelope) => {
                self.deliver(std::rc::Rc::unwrap_or_clone(envelope));
            }
            Scheduled::Fire { key, .. } => self.fire(key),
        }
    }

    fn deliver(&mut self, envelope: Envelope) {
        let Envelope {
            from,
            to,
            from_incarnation,
            to_incarnation,
            message,
        } = envelope;
        // Dropped: a cut link, a dead receiver, or either end restarted since it was sent.
        let (to_alive, to_inc) = self.liveness.of(to);
        let (_, from_inc) = self.liveness.of(from);
        if self.network.is_cut(from, to) || from_inc != from_incarnation {
            return;
        }
        if !to_alive || to_inc != to_incarnation {
            // A client's request to a dead (or since restarted) broker: the connection is
            // refused or reset, and the client hears of it.
            if let (NodeId::Broker(_), NodeId::Producer(_) | NodeId::Consumer(_)) = (to, from)
                && !matches!(message, crate::message::Message::ConnectionClosed)
            {
                let cause = Cause::Message { from, to };
                ctx!(self, cause).send(to, from, crate::message::Message::ConnectionClosed);
            }
            return;
        }
        let cause = Cause::Message { from, to };
        let mut ctx = ctx!(self, cause);
        match to {
            NodeId::Controller => self.controller.on_message(&mut ctx, from, message),
            NodeId::Broker(b) => {
                if let Some(broker) = self.brokers.get_mut(b.0 as usize - 1) {
                    broker.on_message(&mut ctx, from, message);
                }
            }
            NodeId::Producer(p) => {
                if let Some(producer) = self.producers.get_mut(p.0 as usize) {
                    match (from, message) {
                        (NodeId::Broker(b), crate::message::Message::ConnectionClosed) => {
                            producer.on_connection_closed(&mut ctx, b)
                        }
                        (_, message) => producer.on_message(&mut ctx, message),
                    }
                }
            }
            NodeId::Consumer(c) => {
                if let Some(consumer) = self.consumers.get_mut(c.0 as usize) {
                    consumer.on_message(&mut ctx, from, message);
                    // A graceful stop may finish here (after its last batch and commit).
                    if !consumer.alive {
                        self.liveness.consumers[c.0 as usize].0 = false;
                    }
                }
            }
        }
    }

    fn fire(&mut self, key: TimerKey) {
        let node = match key {
            TimerKey::BrokerSession(_) | TimerKey::AutoLeaderRebalance => NodeId::Controller,
            TimerKey::BrokerHeartbeat(b)
            | TimerKey::IsrExpiration(b)
            | TimerKey::RetentionCheck(b) => NodeId::Broker(b),
            TimerKey::FetchWait { leader, .. } | TimerKey::DelayedProduce { leader, .. } => {
                NodeId::Broker(leader)
            }
            TimerKey::FetchBackoff { follower, .. } => NodeId::Broker(follower),
            TimerKey::GroupTimer { broker, .. }
            | TimerKey::OffsetCommitTimeout { broker, .. }
            | TimerKey::ConsumerFetchWait { leader: broker, .. } => NodeId::Broker(broker),
            TimerKey::ConsumerHeartbeat(c)
            | TimerKey::ConsumerProcessed(c)
            | TimerKey::ConsumerRequestTimeout { consumer: c, .. }
            | TimerKey::ConsumerWake(c) => NodeId::Consumer(c),
            TimerKey::Linger { producer, .. }
            | TimerKey::RequestTimeout { producer, .. }
            | TimerKey::RetryBackoff { producer, .. } => NodeId::Producer(producer),
        };
        if !self.liveness.of(node).0 {
            return;
        }
        let mut ctx = ctx!(self, Cause::Timer { node });
        match node {
            NodeId::Controller => self.controller.on_timer(&mut ctx, key),
            NodeId::Broker(b) => {
                if let Some(broker) = self.brokers.get_mut(b.0 as usize - 1) {
                    broker.on_timer(&mut ctx, key);
                }
            }
            NodeId::Producer(p) => {
                if let Some(producer) = self.producers.get_mut(p.0 as usize) {
                    producer.on_timer(&mut ctx, key);
                }
            }
            NodeId::Consumer(c) => {
                if let Some(consumer) = self.consumers.get_mut(c.0 as usize) {
                    consumer.on_timer(&mut ctx, key);
                    if !consumer.alive {
                        self.liveness.consumers[c.0 as usize].0 = false;
                    }
                }
            }
        }
    }

    /// Validates `command` now and schedules its effects; an invalid command changes nothing.
    pub fn apply(&mut self, command: Command) -> Result<CommandId, CommandError> {
        self.validate(&command)?;
        self.next_command += 1;
        let id = CommandId(self.next_command);
        let cause = Cause::Command { id };
        self.execute(command, cause);
        Ok(id)
    }

    fn broker_index(&self, broker: u32) -> Result<usize, CommandError> {
        if broker == 0 || broker as usize > self.brokers.len() {
            return Err(CommandError::UnknownBroker { broker });
        }
        Ok(broker as usize - 1)
    }

    fn node(&self, r: NodeRef) -> Result<NodeId, CommandError> {
        match r {
            NodeRef::Controller => Ok(NodeId::Controller),
            NodeRef::Broker(b) => self.broker_index(b).map(|_| NodeId::Broker(BrokerId(b))),
            NodeRef::Producer(p) if (p as usize) < self.producers.len() => {
                Ok(NodeId::Producer(ProducerId(p)))
            }
            NodeRef::Producer(p) => Err(CommandError::UnknownProducer { producer: p }),
            NodeRef::Consumer(c) => self
                .consumer_index(c)
                .map(|_| NodeId::Consumer(ConsumerId(c))),
        }
    }

    fn topic(&self, name: &str) -> Result<&TopicInfo, CommandError> {
        self.catalog
            .id(name)
            .and_then(|id| self.catalog.get(id))
            .ok_or_else(|| CommandError::UnknownTopic {
                topic: name.to_string(),
            })
    }

    fn consumer_index(&self, consumer: u32) -> Result<usize, CommandError> {
        if (consumer as usize) < self.consumers.len() {
            Ok(consumer as usize)
        } else {
            Err(CommandError::UnknownConsumer { consumer })
        }
    }

    fn producer_index(&self, producer: u32) -> Result<usize, CommandError> {
        if (producer as usize) < self.producers.len() {
            Ok(producer as usize)
        } else {
            Err(CommandError::UnknownProducer { producer })
        }
    }

    fn validate(&self, command: &Command) -> Result<(), CommandError> {
        match command {
            Command::CreateTopic {
                name,
                partitions,
                replication_factor,
                config,
            } => {
                if !valid_topic_name(name) {
                    return Err(CommandError::InvalidTopicName {
                        topic: name.clone(),
                    });
                }
                if self.catalog.id(name).is_some() {
                    return Err(CommandError::TopicAlreadyExists {
                        topic: name.clone(),
                    });
                }
                if *partitions == 0 || *partitions > MAX_PARTITIONS {
                    return Err(CommandError::InvalidPartitions {
                        partitions: *partitions,
                    });
                }
                let available = self.controller.active_brokers().len() as u32;
                if *replication_factor == 0 || *replication_factor > available {
                    return Err(CommandError::InvalidReplicationFactor {
                        replication_factor: *replication_factor,
                        available_brokers: available,
                    });
                }
                config.validate(*replication_factor)?;
            }
            Command::AddPartitions { topic, partitions } => {
                let t = self.topic(topic)?;
                if *partitions <= t.partitions || *partitions > MAX_PARTITIONS {
                    return Err(CommandError::InvalidPartitions {
                        partitions: *partitions,
                    });
                }
                let available = self.controller.active_brokers().len() as u32;
                if t.replication_factor > available {
                    return Err(CommandError::InvalidReplicationFactor {
                        replication_factor: t.replication_factor,
                        available_brokers: available,
                    });
                }
            }
            Command::AlterTopicConfig { topic, config } => {
                let t = self.topic(topic)?;
                config.validate(t.replication_factor)?;
            }
            Command::Produce {
                producer,
                topic,
                key,
                partition,
                ..
            } => {
                self.producer_index(*producer)?;
                let t = self.topic(topic)?;
                self.ledger_has_room(1)?;
                if let Some(p) = partition
                    && *p >= t.partitions
                {
                    return Err(CommandError::UnknownPartition {
                        topic: topic.clone(),
                        partition: *p,
                    });
                }
                if key.is_none() && t.config.cleanup_policy.compacts() {
                    return Err(CommandError::KeylessRecordOnCompactedTopic {
                        topic: topic.clone(),
                    });
                }
            }
            Command::ProduceMany {
                producer,
                topic,
                count,
                keys,
                value_bytes,
            } => {
                self.producer_index(*producer)?;
                let t = self.topic(topic)?;
                self.ledger_has_room(u64::from(*count))?;
                if *count > MAX_PRODUCE_MANY {
                    let (what, value, max) = (
                        "count".into(),
                        u64::from(*count),
                        u64::from(MAX_PRODUCE_MANY),
                    );
                    return Err(CommandError::OutOfRange { what, value, max });
                }
                if *keys > MAX_PRODUCE_MANY {
                    let (what, value) = ("keys".into(), u64::from(*keys));
                    return Err(CommandError::OutOfRange {
                        what,
                        value,
                        max: u64::from(MAX_PRODUCE_MANY),
                    });
                }
                if *value_bytes > 1_000_000 {
                    let (what, value) = ("value_bytes".into(), u64::from(*value_bytes));
                    return Err(CommandError::OutOfRange {
                        what,
                        value,
                        max: 1_000_000,
                    });
                }
                if *keys == 0 && t.config.cleanup_policy.compacts() {
                    return Err(CommandError::KeylessRecordOnCompactedTopic {
                        topic: topic.clone(),
                    });
                }
            }
            Command::AddProducer { config } => {
                if let Some(c) = config {
                    c.validate()?;
                }
            }
            Command::SetAcks { producer, acks } => {
                let i = self.producer_index(*producer)?;
                let mut c = self.producers[i].config.clone();
                c.acks = *acks;
                if c.enable_idempotence && *acks != crate::config::Acks::All {
                    c.enable_idempotence = false; // as a user switching acks would also do
                }
                c.validate()?;
            }
            Command::KillBroker { broker } => {
                let i = self.broker_index(*broker)?;
                if !self.brokers[i].alive {
                    return Err(CommandError::BrokerNotRunning { broker: *broker });
                }
            }
            Command::RestartBroker { broker } => {
                let i = self.broker_index(*broker)?;
                if self.brokers[i].alive {
                    return Err(CommandError::BrokerAlreadyRunning { broker: *broker });
                }
            }
            Command::AddBroker => {
                if self.brokers.len() as u32 >= MAX_BROKERS {
                    return Err(CommandError::TooManyBrokers { limit: MAX_BROKERS });
                }
            }
            Command::CutLink { from, to }
            | Command::HealLink { from, to }
            | Command::SlowLink { from, to, .. } => {
                if self.node(*from)? == self.node(*to)? {
                    return Err(CommandError::InvalidLink);
                }
                if let Command::SlowLink { extra_ms, .. } = command
                    && *extra_ms > 3_600_000
                {
                    let (what, value) = ("extra_ms".into(), *extra_ms);
                    return Err(CommandError::OutOfRange {
                        what,
                        value,
                        max: 3_600_000,
                    });
                }
            }
            Command::IsolateBroker { broker } | Command::ReconnectBroker { broker } => {
                self.broker_index(*broker)?;
            }
            Command::ElectPreferredLeaders => {}
            Command::AddConsumer {
                group,
                topics,
                config,
            } => {
                if group.is_empty() || group.chars().count() > 255 {
                    return Err(CommandError::InvalidGroupId {
                        group: group.clone(),
                    });
                }
                if topics.is_empty() {
                    return Err(CommandError::NoTopics);
                }
                for t in topics {
                    self.topic(t)?;
                }
                if let Some(c) = config {
                    c.validate()?;
                }
                if self.consumers.len() as u32 >= MAX_CONSUMERS {
                    let (what, value) = ("consumers".into(), u64::from(MAX_CONSUMERS) + 1);
                    return Err(CommandError::OutOfRange {
                        what,
                        value,
                        max: u64::from(MAX_CONSUMERS),
                    });
                }
                if self.catalog.id(OFFSETS_TOPIC).is_none()
                    && self.controller.active_brokers().is_empty()
                {
                    return Err(CommandError::NoBrokersAvailable);
                }
            }
            Command::StopConsumer { consumer } | Command::CrashConsumer { consumer } => {
                let i = self.consumer_index(*consumer)?;
                if !self.consumers[i].alive {
                    return Err(CommandError::ConsumerNotRunning {
                        consumer: *consumer,
                    });
                }
            }
            Command::RestartConsumer { consumer } => {
                let i = self.consumer_index(*consumer)?;
                if self.consumers[i].alive {
                    return Err(CommandError::ConsumerAlreadyRunning {
                        consumer: *consumer,
                    });
                }
            }
        }
        Ok(())
    }

    fn execute(&mut self, command: Command, cause: Cause) {
        match command {
            Command::CreateTopic {
                name,
                partitions,
                replication_factor,
                config,
            } => {
                let info = TopicInfo {
                    name: name.clone(),
                    partitions,
                    replication_factor,
                    config,
                };
                let topic = self.catalog.add(info);
                let active = self.controller.active_brokers();
                let placement =
                    place_replicas(&mut self.rng, &active, partitions, replication_factor, 0);
                let mut ctx = ctx!(self, cause);
                ctx.emit(EventKind::TopicCreated {
                    topic,
                    name,
                    partitions,
                    replication_factor,
                });
                let tps = placement.into_iter().enumerate();
                let tps = tps
                    .map(|(p, r)| {
                        (
                            TopicPartition {
                                topic,
                                partition: p as u32,
                            },
                            r,
                        )
                    })
                    .collect();
                self.controller.create_partitions(&mut ctx, tps);
            }
            Command::AddPartitions { topic, partitions } => {
                let id = self.catalog.id(&topic).expect("validated");
                let t = self.catalog.get(id).expect("validated").clone();
                let active = self.controller.active_brokers();
                let added = partitions - t.partitions;
                let placement = place_replicas(
                    &mut self.rng,
                    &active,
                    added,
                    t.replication_factor,
                    t.partitions,
                );
                self.catalog.get_mut(id).expect("validated").partitions = partitions;
                let mut ctx = ctx!(self, cause);
                ctx.emit(EventKind::PartitionsAdded {
                    topic: id,
                    from: t.partitions,
                    to: partitions,
                });
                let tps = placement.into_iter().enumerate();
                let tps = tps
                    .map(|(i, r)| {
                        (
                            TopicPartition {
                                topic: id,
                                partition: t.partitions + i as u32,
                            },
                            r,
                        )
                    })
                    .collect();
                self.controller.create_partitions(&mut ctx, tps);
            }
            Command::AlterTopicConfig { topic, config } => {
                let id = self.catalog.id(&topic).expect("validated");
                self.catalog.get_mut(id).expect("validated").config = config;
                ctx!(self, cause).emit(EventKind::TopicConfigChanged { topic: id });
            }
            Command::Produce {
                producer,
                topic,
                key,
                value,
                partition,
            } => {
                let key = key.map(|k| self.ledger.keys.intern(k.as_bytes()));
                let value = value
                    .map(|v| Value::Bytes(v.into_bytes().into()))
                    .unwrap_or(Value::Tombstone);
                let topic = self.catalog.id(&topic).expect("validated");
                let keyed = key.is_some();
                let (record, tp) =
                    self.produce_one(cause, producer as usize, topic, key, value, partition);
                // One event per interactive send, so the page can show where the key went; bulk
                // sends (ProduceMany) are followed through batch events only.
                let producer = ProducerId(producer);
                ctx!(self, cause).emit(EventKind::RecordSent {
                    producer,
                    record,
                    tp,
                    keyed,
                });
            }
            Command::ProduceMany {
                producer,
                topic,
                count,
                keys,
                value_bytes,
            } => {
                let topic = self.catalog.id(&topic).expect("validated");
                // Only the keys the records use are interned (at most `count` of them).
                let key_ids: Vec<RoutedKey> = (0..keys.min(count))
                    .map(|k| {
                        let id = self.ledger.keys.intern(format!("key-{k}").as_bytes());
                        RoutedKey::new(&self.ledger, id)
                    })
                    .collect();
                // Nothing else runs during the command, so what routing reads is looked up once.
                let partitions = self.routing_partition_count(producer as usize, topic);
                let mut ctx = ctx!(self, cause);
                let p = &mut self.producers[producer as usize];
                let mut next_key = 0;
                for _ in 0..count {
                    let key = key_ids.get(next_key).copied();
                    next_key += 1;
                    if next_key == key_ids.len() {
                        next_key = 0;
                    }
                    let value = Value::Synthetic { len: value_bytes };
                    produce_record(&mut ctx, p, topic, partitions, key, value, None);
                }
            }
            Command::AddProducer { config } => {
                let id = ProducerId(self.producers.len() as u32);
                let config = config.unwrap_or_else(|| self.config.producer.clone());
                self.producers.push(Producer::new(id, config));
                self.controller.clients.push(NodeId::Producer(id));
                let mut ctx = ctx!(self, cause);
                ctx.emit(EventKind::ProducerAdded { producer: id });
                ctx.send(
                    NodeId::Producer(id),
                    NodeId::Controller,
                    crate::message::Message::MetadataRequest,
                );
            }
            Command::SetAcks { producer, acks } => {
                let c = &mut self.producers[producer as usize].config;
                c.acks = acks;
                if acks != crate::config::Acks::All {
                    c.enable_idempotence = false;
                }
            }
            Command::KillBroker { broker } => {
                let i = broker as usize - 1;
                self.liveness.brokers[i].0 = false;
                let mut ctx = ctx!(self, cause);
                self.brokers[i].kill(&mut ctx);
                // The dead process's sockets close: every client connected to it is told.
                let me = NodeId::Broker(BrokerId(broker));
                let clients = self
                    .producers
                    .iter()
                    .map(|p| NodeId::Producer(p.id))
                    .chain(self.consumers.iter().map(|c| NodeId::Consumer(c.id)));
                for client in clients {
                    ctx.send(me, client, crate::message::Message::ConnectionClosed);
                }
            }
            Command::RestartBroker { broker } => {
                let i = broker as usize - 1;
                let (alive, inc) = &mut self.liveness.brokers[i];
                *alive = true;
                *inc += 1;
                let mut ctx = ctx!(self, cause);
                self.brokers[i].start(&mut ctx);
            }
            Command::AddBroker => {
                self.add_broker(cause);
            }
            Command::AddConsumer {
                group,
                topics,
                config,
            } => {
                self.ensure_offsets_topic(cause);
                let id = ConsumerId(self.consumers.len() as u32);
                let config = config.unwrap_or_else(|| self.config.consumer.clone());
                let group: std::rc::Rc<str> = group.into();
                let consumer = Consumer::new(id, group.clone(), topics.clone(), config, self.now);
                self.consumers.push(consumer);
                self.liveness.consumers.push((true, 0));
                self.controller.clients.push(NodeId::Consumer(id));
                let mut ctx = ctx!(self, cause);
                ctx.emit(EventKind::ConsumerAdded {
                    consumer: id,
                    group: group.to_string(),
                    topics,
                });
                self.consumers[id.0 as usize].start(&mut ctx);
            }
            Command::StopConsumer { consumer } => {
                let mut ctx = ctx!(self, cause);
                let c = &mut self.consumers[consumer as usize];
                c.stop(&mut ctx);
                if !c.alive {
                    self.liveness.consumers[consumer as usize].0 = false;
                }
            }
            Command::CrashConsumer { consumer } => {
                self.liveness.consumers[consumer as usize].0 = false;
                let mut ctx = ctx!(self, cause);
                self.consumers[consumer as usize].crash(&mut ctx);
            }
            Command::RestartConsumer { consumer } => {
                let crashed = self.consumers[consumer as usize].crashed;
                let (alive, inc) = &mut self.liveness.consumers[consumer as usize];
                *alive = true;
                // A crash lost what the old process had not sent; a graceful close flushed it
                // (its LeaveGroup still arrives) and its correlation ids never repeat.
                if crashed {
                    *inc += 1;
                }
                let mut ctx = ctx!(self, cause);
                ctx.emit(EventKind::ConsumerRestarted {
                    consumer: ConsumerId(consumer),
                });
                self.consumers[consumer as usize].start(&mut ctx);
            }
            Command::CutLink { from, to } => {
                let (from, to) = (
                    self.node(from).expect("validated"),
                    self.node(to).expect("validated"),
                );
                self.network.cut(from, to);
                ctx!(self, cause).emit(EventKind::LinkCut { from, to });
            }
            Command::HealLink { from, to } => {
                let (from, to) = (
                    self.node(from).expect("validated"),
                    self.node(to).expect("validated"),
                );
                self.network.heal(from, to);
                ctx!(self, cause).emit(EventKind::LinkHealed { from, to });
            }
            Command::SlowLink { from, to, extra_ms } => {
                let (from, to) = (
                    self.node(from).expect("validated"),
                    self.node(to).expect("validated"),
                );
                self.network.slow(from, to, extra_ms);
                ctx!(self, cause).emit(EventKind::LinkSlowed { from, to, extra_ms });
            }
            Command::IsolateBroker { broker } => {
                let me = NodeId::Broker(BrokerId(broker));
                for other in self.all_nodes().into_iter().filter(|n| *n != me) {
                    self.network.cut(me, other);
                    self.network.cut(other, me);
                    let mut ctx = ctx!(self, cause);
                    ctx.emit(EventKind::LinkCut {
                        from: me,
                        to: other,
                    });
                    ctx.emit(EventKind::LinkCut {
                        from: other,
                        to: me,
                    });
                }
            }
            Command::ReconnectBroker { broker } => {
                let me = NodeId::Broker(BrokerId(broker));
                self.network.heal_all_of(me);
                for other in self.all_nodes().into_iter().filter(|n| *n != me) {
                    let mut ctx = ctx!(self, cause);
                    ctx.emit(EventKind::LinkHealed {
                        from: me,
                        to: other,
                    });
                    ctx.emit(EventKind::LinkHealed {
                        from: other,
                        to: me,
                    });
                }
            }
            Command::ElectPreferredLeaders => {
                let mut ctx = ctx!(self, cause);
                self.controller.elect_preferred_leaders(&mut ctx);
            }
        }
    }

    /// Refuses a produce that would take the ledger past [`Ledger::MAX_RECORDS`].
    fn ledger_has_room(&self, records: u64) -> Result<(), CommandError> {
        let held = self.ledger.len() as u64;
        if held + records > Ledger::MAX_RECORDS {
            return Err(CommandError::OutOfRange {
                what: "records in the ledger".into(),
                value: held + records,
                max: Ledger::MAX_RECORDS,
            });
        }
        Ok(())
    }

    fn all_nodes(&self) -> Vec<NodeId> {
        let mut nodes = vec![NodeId::Controller];
        nodes.extend(self.brokers.iter().map(|b| NodeId::Broker(b.id)));
        nodes.extend(self.producers.iter().map(|p| NodeId::Producer(p.id)));
        nodes.extend(self.consumers.iter().map(|c| NodeId::Consumer(c.id)));
        nodes
    }

    /// Creates `__consumer_offsets` (compacted, `offsets.topic.*` sizes) if it does not exist, as
    /// the first FindCoordinator does in Kafka.
    fn ensure_offsets_topic(&mut self, cause: Cause) {
        if self.catalog.id(OFFSETS_TOPIC).is_some() {
            return;
        }
        let b = &self.config.broker;
        let active = self.controller.active_brokers().len() as u32;
        let replication_factor = b.offsets_topic_replication_factor.min(active.max(1));
        let config = crate::config::TopicConfig {
            cleanup_policy: crate::config::CleanupPolicy::Compact,
            segment_bytes: 104_857_600, // offsets.topic.segment.bytes
            ..Default::default()
        };
        self.execute(
            Command::CreateTopic {
                name: OFFSETS_TOPIC.to_string(),
                partitions: b.offsets_topic_num_partitions,
                replication_factor,
                config,
            },
            cause,
        );
    }

    fn produce_one(
        &mut self,
        cause: Cause,
        producer: usize,
        topic_id: crate::ids::TopicId,
        key: Option<crate::ledger::KeyId>,
        value: Value,
        partition: Option<u32>,
    ) -> (RecordId, TopicPartition) {
        let count = self.routing_partition_count(producer, topic_id);
        let key = key.map(|k| RoutedKey::new(&self.ledger, k));
        let mut ctx = ctx!(self, cause);
        let p = &mut self.producers[producer];
        produce_record(&mut ctx, p, topic_id, count, key, value, partition)
    }

    /// The partition count a producer routes `topic` with: the one in its own metadata (it may lag
    /// an AddPartitions), or the catalog's before it has any.
    fn routing_partition_count(&self, producer: usize, topic: crate::ids::TopicId) -> u32 {
        let catalog_count = self.catalog.get(topic).expect("validated").partitions;
        self.producers[producer]
            .partition_counts
            .get(topic.0 as usize)
            .copied()
            .filter(|c| *c > 0)
            .unwrap_or(catalog_count)
    }

    /// Records not yet acknowledged or failed, over all producers.
    pub fn pending_sends(&self) -> usize {
        self.producers.iter().map(|p| p.pending_records()).sum()
    }

    /// Read-only view of one partition: its committed registration and every replica's log.
    pub fn partition_view(&self, tp: TopicPartition) -> Option<crate::view::PartitionView> {
        crate::view::partition_view(&self.controller, &self.brokers, tp, usize::MAX)
    }

    /// Like [`Sim::partition_view`], but each replica lists only its last `window` records, so a
    /// page can draw a long run without copying whole logs every frame.
    pub fn partition_view_tail(
        &self,
        tp: TopicPartition,
        window: usize,
    ) -> Option<crate::view::PartitionView> {
        crate::view::partition_view(&self.controller, &self.brokers, tp, window)
    }

    /// Every consumer group, ordered by `group.id` (empty until consumers exist).
    pub fn group_views(&self) -> Vec<crate::view::GroupView> {
        crate::view::group_views(self, &self.consumers, &self.brokers)
    }

    /// The broker leading a partition now (the controller's committed registration).
    pub fn leader_of(&self, tp: TopicPartition) -> Option<BrokerId> {
        self.controller.partitions.get(&tp).and_then(|r| r.leader)
    }

    /// Consumer ids, in order.
    pub fn consumer_ids(&self) -> Vec<ConsumerId> {
        self.consumers.iter().map(|c| c.id).collect()
    }

    /// A producer's configuration (its `acks`, idempotence …).
    pub fn producer_config(&self, producer: ProducerId) -> Option<&crate::config::ProducerConfig> {
        self.producers.get(producer.0 as usize).map(|p| &p.config)
    }

    /// A consumer's configuration.
    pub fn consumer_config(&self, consumer: ConsumerId) -> Option<&crate::config::ConsumerConfig> {
        self.consumers.get(consumer.0 as usize).map(|c| &c.config)
    }

    /// Whether a consumer's process is running.
    pub fn consumer_alive(&self, consumer: ConsumerId) -> bool {
        self.liveness.of(NodeId::Consumer(consumer)).0
    }

    /// Producer ids, in order.
    pub fn producer_ids(&self) -> Vec<ProducerId> {
        (0..self.producers.len() as u32).map(ProducerId).collect()
    }

    /// The controller's view of each broker: (id, process alive, fenced).
    pub fn broker_states(&self) -> Vec<(BrokerId, bool, bool)> {
        self.broker_ids()
            .into_iter()
            .map(|b| (b, self.broker_alive(b), self.broker_fenced(b)))
            .collect()
    }

    /// The partitions of a topic, in order.
    pub fn partitions_of(&self, topic: &str) -> Vec<TopicPartition> {
        let Some(id) = self.catalog.id(topic) else {
            return Vec::new();
        };
        let count = self.catalog.get(id).map(|t| t.partitions).unwrap_or(0);
        (0..count)
            .map(|p| TopicPartition {
                topic: id,
                partition: p,
            })
            .collect()
    }

    /// Whether a broker's process is running.
    pub fn broker_alive(&self, broker: BrokerId) -> bool {
        self.liveness.of(NodeId::Broker(broker)).0
    }

    /// Broker ids, in order.
    pub fn broker_ids(&self) -> Vec<BrokerId> {
        self.brokers.iter().map(|b| b.id).collect()
    }

    /// How much memory the retained records take: the ledger plus every replica's log entries,
    /// counted by allocated capacity (keys and user-typed values are extra, shared by all replicas).
    pub fn memory_stats(&self) -> MemoryStats {
        let (mut log_entries, mut log_capacity) = (0u64, 0u64);
        for broker in &self.brokers {
            for replica in broker.replicas.values() {
                log_entries += replica.log.len() as u64;
                log_capacity += replica.log.capacity() as u64;
            }
        }
        MemoryStats {
            records: self.ledger.records().len() as u64,
            ledger_capacity: self.ledger.capacity() as u64,
            ledger_record_bytes: Ledger::SLOT_BYTES,
            log_entries,
            log_capacity,
            log_entry_bytes: crate::partition_log::PartitionLog::ENTRY_BYTES,
            checker_bytes: self.checker.allocated_bytes() as u64,
            consumption_bytes: self.ledger.consumption_bytes() as u64,
        }
    }

    /// Calls `f` with the address and allocated bytes of every chunk of retained records the
    /// cluster holds (ledger, replica logs, the checker's histories). Clones share these chunks
    /// until one of them writes (see `ChunkedVec`), so comparing addresses tells what a
    /// time-travel checkpoint holds that the live cluster no longer does.
    pub fn for_each_chunk(&self, f: &mut dyn FnMut(usize, u64)) {
        self.ledger.for_each_chunk(f);
        for broker in &self.brokers {
            for replica in broker.replicas.values() {
                replica.log.for_each_chunk(f);
            }
        }
        self.checker.for_each_chunk(f);
    }

    /// Links currently cut, as (from, to).
    pub fn cut_links(&self) -> Vec<(NodeId, NodeId)> {
        self.network.cut_links().collect()
    }

    /// Links with extra latency, as ((from, to), extra ms).
    pub fn slowed_links(&self) -> Vec<((NodeId, NodeId), u64)> {
        self.network.slowed_links().collect()
    }

    /// Whether the controller has the broker fenced (or unregistered).
    pub fn broker_fenced(&self, broker: BrokerId) -> bool {
        self.controller
            .brokers
            .get(&broker)
            .is_none_or(|r| r.fenced)
    }
}

/// Memory taken by retained records (see `Sim::memory_stats`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryStats {
    /// Records in the ledger.
    pub records: u64,
    /// Ledger slots allocated.
    pub ledger_capacity: u64,
    /// Bytes per ledger record.
    pub ledger_record_bytes: usize,
    /// Log entries over all replicas.
    pub log_entries: u64,
    /// Log entry slots allocated over all replicas.
    pub log_capacity: u64,
    /// Bytes per log entry.
    pub log_entry_bytes: usize,
    /// Bytes held by the invariant checker (each partition's committed history).
    pub checker_bytes: u64,
    /// Bytes held by the per-group consumption tallies (one byte per record per group).
    pub consumption_bytes: u64,
}

impl MemoryStats {
    /// Allocated bytes per record: its ledger slot, its replicas' log slots, the checker's history,
    /// the groups' consumption tallies.
    pub fn bytes_per_record(&self) -> f64 {
        let bytes = self.ledger_capacity as f64 * self.ledger_record_bytes as f64
            + self.log_capacity as f64 * self.log_entry_bytes as f64
            + self.checker_bytes as f64
            + self.consumption_bytes as f64;
        bytes / (self.records.max(1) as f64)
    }
}

/// An interned key with what routing and sizing need from it (its length and murmur2 hash).
#[derive(Clone, Copy, Debug)]
struct RoutedKey {
    id: crate::ledger::KeyId,
    len: u32,
    murmur2: i32,
}

impl RoutedKey {
    fn new(ledger: &Ledger, id: crate::ledger::KeyId) -> RoutedKey {
        RoutedKey {
            id,
            len: ledger.keys.bytes(id).len() as u32,
            murmur2: ledger.keys.murmur2(id),
        }
    }
}

/// Sends one record through producer `p`: picks its partition among `count` (explicit, by key,
/// or the keyless partitioner), creates it in the ledger and hands it to the accumulator.
fn produce_record(
    ctx: &mut Ctx<'_>,
    p: &mut Producer,
    topic: crate::ids::TopicId,
    count: u32,
    key: Option<RoutedKey>,
    value: Value,
    partition: Option<u32>,
) -> (RecordId, TopicPartition) {
    let size = RECORD_OVERHEAD_BYTES + key.map_or(0, |k| k.len) + value.len();
    let partition = match (partition, key) {
        (Some(explicit), _) => explicit,
        (None, Some(k)) => crate::murmur2::to_positive(k.murmur2) % count,
        (None, None) => p.keyless_partition(ctx, topic, count),
    };
    let tp = TopicPartition { topic, partition };
    let sent = NewRecord {
        tp,
        producer: p.id,
        key: key.map(|k| k.id),
        value,
        size_bytes: size,
    };
    let record = ctx.ledger.create(sent, ctx.now);
    if key.is_none() {
        p.note_keyless_bytes(topic, u64::from(size));
    }
    p.append(ctx, tp, record, size);
    (record, tp)
}

/// Kafka's topic name rule: 1–249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
fn valid_topic_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}
