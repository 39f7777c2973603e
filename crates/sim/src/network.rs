//! The simulated network: per-link latency with seeded jitter, FIFO per link (as a TCP
//! connection is), links that can be cut one way or both and healed, and slowed links.

use crate::vec_map::{VecMap, VecSet};

use crate::config::NetworkConfig;
use crate::ids::NodeId;
use crate::rng::SimRng;
use crate::time::SimTime;

/// Link state of the whole network.
#[derive(Clone, Debug, Default)]
pub(crate) struct Network {
    config: NetworkConfig,
    cut: VecSet<(NodeId, NodeId)>,
    extra_ms: VecMap<(NodeId, NodeId), u64>,
    // One entry per link that carried a message, looked up per message: a tree, not a vector.
    last_delivery: std::collections::BTreeMap<(NodeId, NodeId), SimTime>,
}

impl Network {
    pub fn new(config: NetworkConfig) -> Network {
        Network {
            config,
            ..Network::default()
        }
    }

    /// When a message sent now from `from` to `to` arrives, or `None` if the link is cut.
    pub fn delivery_time(
        &mut self,
        rng: &mut SimRng,
        now: SimTime,
        from: NodeId,
        to: NodeId,
    ) -> Option<SimTime> {
        if self.is_cut(from, to) {
            return None;
        }
        let mut latency = self.config.latency_ms + rng.range_inclusive(0, self.config.jitter_ms);
        latency += self.extra_ms.get(&(from, to)).copied().unwrap_or(0);
        let mut at = now.plus_ms(latency);
        // FIFO: never overtake a message sent earlier on the same link.
        let last = self.last_delivery.entry((from, to)).or_default();
        at = at.max(*last);
        *last = at;
        Some(at)
    }

    /// Whether messages from `from` to `to` are dropped.
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cut.contains(&(from, to))
    }

    /// Drops messages from `from` to `to` until healed (in flight ones too).
    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        self.cut.insert((from, to));
    }

    /// Restores the link from `from` to `to`.
    pub fn heal(&mut self, from: NodeId, to: NodeId) {
        self.cut.remove(&(from, to));
    }

    /// Heals every link touching `node`.
    pub fn heal_all_of(&mut self, node: NodeId) {
        self.cut.retain(|(a, b)| *a != node && *b != node);
    }

    /// Adds `extra_ms` of latency from `from` to `to` (0 removes it).
    pub fn slow(&mut self, from: NodeId, to: NodeId, extra_ms: u64) {
        if extra_ms == 0 {
            self.extra_ms.remove(&(from, to));
        } else {
            self.extra_ms.insert((from, to), extra_ms);
        }
    }

    /// The cut links.
    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.iter().copied()
    }

    /// The slowed links and their extra latency.
    pub fn slowed_links(&self) -> impl Iterator<Item = ((NodeId, NodeId), u64)> + '_ {
        self.extra_ms.iter().map(|(k, v)| (*k, *v))
    }
}
