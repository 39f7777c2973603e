//! The topic catalog: names, partition counts and per-topic configuration, as created by the
//! admin commands. Every node reads it (configuration propagation is not delayed — a simplification).

use crate::vec_map::VecMap;

use crate::config::{BrokerConfig, TopicConfig};
use crate::ids::{TopicId, TopicPartition};

/// One topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicInfo {
    /// Its name.
    pub name: String,
    /// Partition count.
    pub partitions: u32,
    /// Replication factor.
    pub replication_factor: u32,
    /// Per-topic configuration.
    pub config: TopicConfig,
}

impl TopicInfo {
    /// Whether it is one of the cluster's own topics (`__consumer_offsets`), which tools such as
    /// `kafka-topics --list` hide unless asked.
    pub fn is_internal(&self) -> bool {
        self.name.starts_with("__")
    }
}

/// All topics, by id and by name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    topics: Vec<TopicInfo>,
    by_name: VecMap<String, TopicId>,
    defaults: BrokerConfig,
}

impl Catalog {
    /// An empty catalog whose topics fall back to `defaults`.
    pub fn new(defaults: BrokerConfig) -> Catalog {
        Catalog {
            defaults,
            ..Catalog::default()
        }
    }
    /// Adds a topic and returns its id.
    pub(crate) fn add(&mut self, info: TopicInfo) -> TopicId {
        let id = TopicId(self.topics.len() as u32);
        self.by_name.insert(info.name.clone(), id);
        self.topics.push(info);
        id
    }
    /// The topic with this id.
    pub fn get(&self, id: TopicId) -> Option<&TopicInfo> {
        self.topics.get(id.0 as usize)
    }
    pub(crate) fn get_mut(&mut self, id: TopicId) -> Option<&mut TopicInfo> {
        self.topics.get_mut(id.0 as usize)
    }
    /// The id of the topic called `name`.
    pub fn id(&self, name: &str) -> Option<TopicId> {
        self.by_name.get(name).copied()
    }
    /// Every topic, by id.
    pub fn topics(&self) -> &[TopicInfo] {
        &self.topics
    }
    /// The topics users created (internal ones such as `__consumer_offsets` left out).
    pub fn user_topics(&self) -> impl Iterator<Item = &TopicInfo> {
        self.topics.iter().filter(|t| !t.is_internal())
    }
    /// `orders-1`, as Kafka prints a topic partition.
    pub fn tp_name(&self, tp: TopicPartition) -> String {
        match self.get(tp.topic) {
            Some(t) => format!("{}-{}", t.name, tp.partition),
            None => format!("topic{}-{}", tp.topic.0, tp.partition),
        }
    }
    /// `min.insync.replicas` in force for the topic, capped at its replication factor as
    /// `Partition#effectiveMinIsr` does.
    pub fn effective_min_isr(&self, topic: TopicId) -> usize {
        let Some(t) = self.get(topic) else { return 1 };
        let configured = t
            .config
            .min_insync_replicas
            .unwrap_or(self.defaults.min_insync_replicas);
        configured.min(t.replication_factor).max(1) as usize
    }
    /// `unclean.leader.election.enable` in force for the topic.
    pub fn unclean_election_enabled(&self, topic: TopicId) -> bool {
        self.get(topic)
            .and_then(|t| t.config.unclean_leader_election_enable)
            .unwrap_or(self.defaults.unclean_leader_election_enable)
    }
}
