//! What a node can do while it handles a message or a timer: read the clock, draw randomness,
//! send messages, set timers, emit events and update the ledger — all through `Ctx`, so nodes stay
//! plain structs (stateright's `Out`, openraft's engine output).

use crate::agenda::{Agenda, TimerKey};
use crate::config::SimConfig;
use crate::event::{Cause, Event, EventKind};
use crate::ids::{BrokerId, EventId, NodeId};
use crate::invariants::Checker;
use crate::ledger::Ledger;
use crate::message::{Envelope, Message};
use crate::network::Network;
use crate::rng::SimRng;
use crate::time::SimTime;
use crate::topic::Catalog;

/// Liveness and incarnation of every node that can die (brokers, consumers).
#[derive(Clone, Debug, Default)]
pub(crate) struct Liveness {
    /// Per broker (index = id − 1): (alive, incarnation).
    pub brokers: Vec<(bool, u32)>,
    /// Per consumer (index = id): (alive, incarnation).
    pub consumers: Vec<(bool, u32)>,
}

impl Liveness {
    pub fn of(&self, node: NodeId) -> (bool, u32) {
        match node {
            NodeId::Broker(BrokerId(b)) => self
                .brokers
                .get((b as usize).wrapping_sub(1))
                .copied()
                .unwrap_or((false, 0)),
            NodeId::Consumer(c) => self
                .consumers
                .get(c.0 as usize)
                .copied()
                .unwrap_or((false, 0)),
            NodeId::Controller | NodeId::Producer(_) => (true, 0),
        }
    }
}

/// The events of a run so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct EventLog {
    pub pending: Vec<Event>,
    pub next_id: u64,
}

/// A node's window on the world while it handles one item.
pub(crate) struct Ctx<'a> {
    pub now: SimTime,
    pub cause: Cause,
    pub rng: &'a mut SimRng,
    pub agenda: &'a mut Agenda,
    pub network: &'a mut Network,
    pub liveness: &'a Liveness,
    pub events: &'a mut EventLog,
    pub ledger: &'a mut Ledger,
    pub checker: &'a mut Checker,
    pub catalog: &'a Catalog,
    pub config: &'a SimConfig,
}

impl Ctx<'_> {
    /// Sends `message` from `from` to `to` through the network (dropped if the link is cut).
    pub fn send(&mut self, from: NodeId, to: NodeId, message: Message) {
        let Some(at) = self.network.delivery_time(self.rng, self.now, from, to) else {
            return;
        };
        let envelope = Envelope {
            from,
            to,
            from_incarnation: self.liveness.of(from).1,
            to_incarnation: self.liveness.of(to).1,
            message,
        };
        self.agenda.deliver_at(at, envelope);
    }

    /// Sets timer `key` to fire `after_ms` from now.
    pub fn set_timer(&mut self, key: TimerKey, after_ms: u64) {
        self.agenda.set_timer(key, self.now.plus_ms(after_ms));
    }

    /// Cancels timer `key`.
    pub fn cancel_timer(&mut self, key: TimerKey) {
        self.agenda.cancel_timer(key);
    }

    /// Emits an event caused by the item being handled.
    pub fn emit(&mut self, kind: EventKind) {
        let id = EventId(self.events.next_id);
        self.events.next_id += 1;
        self.events.pending.push(Event {
            id,
            at: self.now,
            cause: self.cause,
            kind,
        });
    }
}
