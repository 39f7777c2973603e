//! Consumer partition assignors of the classic group protocol: `range`, `roundrobin`, `sticky`
//! and `cooperative-sticky`, reproducing Apache Kafka's Java classes tie-break for tie-break.
//!
//! Mirrors `org.apache.kafka.clients.consumer.internals.AbstractPartitionAssignor` (the leader's
//! `assign(Cluster, GroupSubscription)`: only subscribed topics that exist with at least one
//! partition are assigned, every member appears in the result) and the four assignors in
//! `range.rs`, `round_robin.rs`, `sticky.rs` (+ `sticky/general.rs`) and `cooperative_sticky.rs`.
//! The group leader consumer runs the assignor; the coordinator only relays the result
//! (kafka-semantics.md §3). Start with [`assign`] or [`Assignor`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use kafka_sim::assignor::{AssignmentStrategy, Subscription, assign};
//!
//! let topics = BTreeMap::from([("orders".to_string(), 3)]);
//! let members = [Subscription::new("c1", ["orders"]), Subscription::new("c2", ["orders"])];
//! let result = assign(AssignmentStrategy::Range, &topics, &members).unwrap();
//! assert_eq!(result.partitions("c1").len(), 2);
//! assert_eq!(result.partitions("c2")[0].to_string(), "orders-2");
//! ```
//!
//! Kafka's results depend on the iteration order of Java `HashMap`s keyed by member id
//! ([`java_order`]). [`Assignor::assign`] emulates the leader's subscriptions map exactly as
//! `ConsumerCoordinator.onLeaderElected` builds it (a fresh `HashMap`, members put in JoinGroup
//! order); [`Assignor::assign_in_map_order`] takes that order from the caller instead.
//!
//! Simplified: no rack awareness (`client.rack` is not modelled), and `StickyAssignor`'s
//! serialized userData is modelled by [`Subscription::generation`] (present = the member sent
//! userData holding its owned partitions and that generation).

mod cooperative_sticky;
pub mod java_order;
mod range;
mod round_robin;
mod sticky;

pub use self::range::compare_members;

use crate::vec_map::{VecMap, VecSet};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use self::java_order::{compare_strings, hash_map_order, string_hash_code};

/// Kafka's `DEFAULT_GENERATION`: no generation.
pub const DEFAULT_GENERATION: i32 = -1;

/// Most partitions one assignment may cover; larger inputs are refused instead of exhausting memory.
pub const MAX_TOTAL_PARTITIONS: u64 = 1 << 20;

/// A `partition.assignment.strategy`, named as Kafka names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssignmentStrategy {
    /// `RangeAssignor` (`range`).
    Range,
    /// `RoundRobinAssignor` (`roundrobin`).
    #[serde(rename = "roundrobin")]
    RoundRobin,
    /// `StickyAssignor` (`sticky`), eager protocol.
    Sticky,
    /// `CooperativeStickyAssignor` (`cooperative-sticky`).
    CooperativeSticky,
}

impl AssignmentStrategy {
    /// Every strategy, in declaration order.
    pub const ALL: [AssignmentStrategy; 4] = [
        AssignmentStrategy::Range,
        AssignmentStrategy::RoundRobin,
        AssignmentStrategy::Sticky,
        AssignmentStrategy::CooperativeSticky,
    ];

    /// Kafka's name of the assignor (`ConsumerPartitionAssignor.name()`).
    pub fn name(self) -> &'static str {
        match self {
            AssignmentStrategy::Range => "range",
            AssignmentStrategy::RoundRobin => "roundrobin",
            AssignmentStrategy::Sticky => "sticky",
            AssignmentStrategy::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// True when the assignor supports the COOPERATIVE rebalance protocol.
    pub fn is_cooperative(self) -> bool {
        self == AssignmentStrategy::CooperativeSticky
    }
}

impl fmt::Display for AssignmentStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An assignor name that is none of Kafka's four built-in client assignors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStrategy(pub String);

impl fmt::Display for UnknownStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown assignment strategy {:?} (expected range, roundrobin, sticky or cooperative-sticky)",
            self.0
        )
    }
}

impl std::error::Error for UnknownStrategy {}

impl FromStr for AssignmentStrategy {
    type Err = UnknownStrategy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AssignmentStrategy::ALL
            .into_iter()
            .find(|strategy| strategy.name() == s)
            .ok_or_else(|| UnknownStrategy(s.to_string()))
    }
}

/// Kafka's `TopicPartition` by topic *name* (`crate::ids::TopicPartition` uses a topic id),
/// written `topic-partition` as `TopicPartition.toString()` does.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartitionName {
    /// Topic name.
    pub topic: String,
    /// Partition number (a non-negative Java int).
    pub partition: u32,
}

impl TopicPartitionName {
    /// The partition `partition` of `topic`.
    pub fn new(topic: impl Into<String>, partition: u32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartitionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

impl FromStr for TopicPartitionName {
    type Err = String;

    /// Parses `topic-N`; the topic may itself contain `-`, the number is after the last one.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (topic, number) = s
            .rsplit_once('-')
            .ok_or_else(|| format!("{s:?} is not a topic partition (expected topic-N)"))?;
        let partition = number
            .parse::<u32>()
            .ok()
            .filter(|&p| i32::try_from(p).is_ok() && !number.starts_with('+'))
            .ok_or_else(|| {
                format!("{s:?} is not a topic partition: {number:?} is not a partition number")
            })?;
        if topic.is_empty() {
            return Err(format!("{s:?} is not a topic partition: empty topic name"));
        }
        Ok(TopicPartitionName::new(topic, partition))
    }
}

impl Serialize for TopicPartitionName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TopicPartitionName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One member's JoinGroup subscription, as the group leader sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The member id the coordinator gave the member.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    #[serde(default)]
    pub group_instance_id: Option<String>,
    /// Subscribed topics, in the member's order.
    pub topics: Vec<String>,
    /// Partitions the member owns (`ownedPartitions`; for `sticky`, its userData assignment).
    #[serde(default)]
    pub owned_partitions: Vec<TopicPartitionName>,
    /// Generation the owned partitions belong to; `None` or -1 means none. For `sticky`,
    /// `None` means the member sent no userData, so its owned partitions are not seen at all.
    #[serde(default)]
    pub generation: Option<i32>,
}

impl Subscription {
    /// A dynamic member subscribed to `topics`, owning nothing.
    pub fn new<T: Into<String>>(
        member_id: impl Into<String>,
        topics: impl IntoIterator<Item = T>,
    ) -> Self {
        Self {
            member_id: member_id.into(),
            group_instance_id: None,
            topics: topics.into_iter().map(Into::into).collect(),
            owned_partitions: Vec::new(),
            generation: None,
        }
    }

    /// The same subscription, reporting `owned` from `generation`.
    pub fn with_owned(mut self, owned: Vec<TopicPartitionName>, generation: Option<i32>) -> Self {
        self.owned_partitions = owned;
        self.generation = generation;
        self
    }

    /// The same subscription from a static member with this `group.instance.id`.
    pub fn with_group_instance_id(mut self, group_instance_id: impl Into<String>) -> Self {
        self.group_instance_id = Some(group_instance_id.into());
        self
    }
}

/// The leader's result for one rebalance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupAssignment {
    /// Member id → its partitions, in the order Kafka's assignor lists them.
    pub assignment: BTreeMap<String, Vec<TopicPartitionName>>,
    /// Sticky assignors, uniform-subscription path: Kafka's `partitionsTransferringOwnership`
    /// (partition → new owner). `None` on the general path and for range/roundrobin.
    pub partitions_transferring_ownership: Option<BTreeMap<TopicPartitionName, String>>,
    /// `cooperative-sticky` only: partitions held back from their new owner this round because
    /// another member still owns them (partition → intended owner); a follow-up rebalance hands
    /// them over once revoked.
    pub withheld: BTreeMap<TopicPartitionName, String>,
}

impl GroupAssignment {
    /// The partitions of `member_id` (empty for an unknown member).
    pub fn partitions(&self, member_id: &str) -> &[TopicPartitionName] {
        self.assignment.get(member_id).map_or(&[], Vec::as_slice)
    }
}

/// Why an assignment could not be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignError {
    /// Two subscriptions carry the same member id (a map keyed by member id cannot hold both).
    DuplicateMemberId(String),
    /// A member lists the same topic twice (Kafka clients subscribe with a set).
    DuplicateTopic {
        /// The member.
        member_id: String,
        /// The repeated topic.
        topic: String,
    },
    /// A member claims a partition number its (existing) topic does not have.
    OwnedPartitionOutOfRange {
        /// The member.
        member_id: String,
        /// The claimed partition.
        partition: TopicPartitionName,
        /// How many partitions the topic has.
        partition_count: u32,
    },
    /// More partitions than [`MAX_TOTAL_PARTITIONS`] would have to be assigned.
    TooManyPartitions {
        /// Partitions of the subscribed topics.
        total: u64,
    },
    /// Kafka's assignor would throw here (`IllegalStateException`, `NullPointerException`).
    KafkaWouldThrow(String),
    /// Kafka's assignor would loop forever on this input, so the rebalance would never finish.
    KafkaNeverTerminates(String),
}

impl fmt::Display for AssignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssignError::DuplicateMemberId(id) => write!(f, "member id {id:?} appears twice"),
            AssignError::DuplicateTopic { member_id, topic } => {
                write!(
                    f,
                    "member {member_id:?} subscribes to topic {topic:?} twice"
                )
            }
            AssignError::OwnedPartitionOutOfRange {
                member_id,
                partition,
                partition_count,
            } => write!(
                f,
                "member {member_id:?} owns {partition}, but topic {:?} has {partition_count} partition(s)",
                partition.topic
            ),
            AssignError::TooManyPartitions { total } => write!(
                f,
                "{total} partitions to assign; at most {MAX_TOTAL_PARTITIONS} are supported"
            ),
            AssignError::KafkaWouldThrow(why) => write!(f, "Kafka's assignor fails here: {why}"),
            AssignError::KafkaNeverTerminates(why) => {
                write!(f, "Kafka's assignor never finishes here: {why}")
            }
        }
    }
}

impl std::error::Error for AssignError {}

/// A group leader's assignor instance. Sticky assignors remember the highest generation seen
/// (`AbstractStickyAssignor.maxGeneration`) across calls, as a long-lived leader does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignor {
    strategy: AssignmentStrategy,
    max_generation: i32,
}

impl Assignor {
    /// A fresh assignor instance for `strategy`.
    pub fn new(strategy: AssignmentStrategy) -> Self {
        Self {
            strategy,
            max_generation: DEFAULT_GENERATION,
        }
    }

    /// The strategy this instance runs.
    pub fn strategy(&self) -> AssignmentStrategy {
        self.strategy
    }

    /// Highest member generation seen so far (sticky assignors), -1 before any.
    pub fn max_generation(&self) -> i32 {
        self.max_generation
    }

    /// One rebalance: `members` in JoinGroup order, put into a fresh Java `HashMap` by member id.
    pub fn assign(
        &mut self,
        topics: &BTreeMap<String, u32>,
        members: &[Subscription],
    ) -> Result<GroupAssignment, AssignError> {
        let order = hash_map_order(
            &members.iter().map(|m| &m.member_id).collect::<Vec<_>>(),
            None,
        );
        let ordered: Vec<Subscription> = order.iter().map(|&i| members[i].clone()).collect();
        if ordered.len() != members.len() {
            return Err(AssignError::DuplicateMemberId(first_duplicate_id(members)));
        }
        self.assign_in_map_order(topics, &ordered)
    }

    /// One rebalance with `members` already in the iteration order of the leader's
    /// subscriptions map (for callers that reproduce a particular Java map).
    pub fn assign_in_map_order(
        &mut self,
        topics: &BTreeMap<String, u32>,
        members: &[Subscription],
    ) -> Result<GroupAssignment, AssignError> {
        let group = Group::new(topics, members)?;
        match self.strategy {
            AssignmentStrategy::Range => Ok(range::assign(&group)),
            AssignmentStrategy::RoundRobin => Ok(round_robin::assign(&group)),
            AssignmentStrategy::Sticky => sticky::assign(
                &group,
                sticky::OwnershipSource::UserData,
                &mut self.max_generation,
            ),
            AssignmentStrategy::CooperativeSticky => {
                cooperative_sticky::assign(&group, &mut self.max_generation)
            }
        }
    }
}

/// One rebalance with a fresh assignor instance; see [`Assignor::assign`].
pub fn assign(
    strategy: AssignmentStrategy,
    topics: &BTreeMap<String, u32>,
    members: &[Subscription],
) -> Result<GroupAssignment, AssignError> {
    Assignor::new(strategy).assign(topics, members)
}

fn first_duplicate_id(members: &[Subscription]) -> String {
    let mut seen = VecSet::new();
    members
        .iter()
        .find(|m| !seen.insert(m.member_id.as_str()))
        .map(|m| m.member_id.clone())
        .unwrap_or_default()
}

/// A partition of topic index `topic` in a [`Group`]; topic indices follow Java's topic order,
/// so the derived order is Kafka's `(topic, partition)` comparator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Tp {
    pub(crate) topic: usize,
    pub(crate) partition: u32,
}

/// One topic of `partitionsPerTopic`.
pub(crate) struct TopicInfo {
    pub(crate) name: String,
    pub(crate) partitions: u32,
    pub(crate) hash: i32,
}

/// The validated input every assignor works on: members in subscriptions-map order, and the
/// subscribed topics that exist (`partitionsPerTopic`), indexed in Java string order.
pub(crate) struct Group<'a> {
    pub(crate) members: &'a [Subscription],
    /// `topic_rank`-ordered topics; index = [`Tp::topic`].
    pub(crate) topics: Vec<TopicInfo>,
    /// Member index → rank of its id under `String.compareTo`.
    pub(crate) id_rank: Vec<usize>,
    /// Topic indices in the iteration order of the leader's `partitionsPerTopic` `HashMap`.
    pub(crate) topic_map_order: Vec<usize>,
}

impl<'a> Group<'a> {
    fn new(
        all_topics: &BTreeMap<String, u32>,
        members: &'a [Subscription],
    ) -> Result<Self, AssignError> {
        let mut ids = VecSet::new();
        for member in members {
            if !ids.insert(member.member_id.as_str()) {
                return Err(AssignError::DuplicateMemberId(member.member_id.clone()));
            }
            let mut seen = VecSet::new();
            if let Some(topic) = member.topics.iter().find(|t| !seen.insert(t.as_str())) {
                return Err(AssignError::DuplicateTopic {
                    member_id: member.member_id.clone(),
                    topic: topic.clone(),
                });
            }
        }
        // allSubscribedTopics: a HashSet filled member by member, topic by topic.
        let mut subscribed = java_order::JavaHashSet::new();
        for topic in members.iter().flat_map(|m| &m.topics) {
            subscribed.insert(topic.as_str(), string_hash_code(topic));
        }
        let existing: Vec<&str> = subscribed
            .iter()
            .copied()
            .filter(|t| all_topics.get(*t).is_some_and(|&n| n > 0))
            .collect();
        let total: u64 = existing.iter().map(|t| u64::from(all_topics[*t])).sum();
        if total > MAX_TOTAL_PARTITIONS {
            return Err(AssignError::TooManyPartitions { total });
        }
        let mut sorted = existing.clone();
        crate::sort::sort_by(&mut sorted, |a, b| compare_strings(a, b));
        let topics: Vec<TopicInfo> = sorted
            .iter()
            .map(|t| TopicInfo {
                name: t.to_string(),
                partitions: all_topics[*t],
                hash: string_hash_code(t),
            })
            .collect();
        // partitionsPerTopic: a fresh HashMap filled in allSubscribedTopics' order.
        let topic_map_order = hash_map_order(&existing, None)
            .into_iter()
            .map(|i| sorted.iter().position(|t| *t == existing[i]).unwrap_or(0))
            .collect();
        let mut by_id: Vec<usize> = (0..members.len()).collect();
        crate::sort::sort_by(&mut by_id, |&a, &b| {
            compare_strings(&members[a].member_id, &members[b].member_id)
        });
        let mut id_rank = vec![0; members.len()];
        for (rank, &member) in by_id.iter().enumerate() {
            id_rank[member] = rank;
        }
        Ok(Self {
            members,
            topics,
            id_rank,
            topic_map_order,
        })
    }

    /// Index of an existing, subscribed topic.
    pub(crate) fn topic_index(&self, name: &str) -> Option<usize> {
        self.topics
            .binary_search_by(|t| compare_strings(&t.name, name))
            .ok()
    }

    /// Total partitions of `partitionsPerTopic`.
    pub(crate) fn total_partitions(&self) -> usize {
        self.topics.iter().map(|t| t.partitions as usize).sum()
    }

    /// All partitions of one topic, ascending.
    pub(crate) fn partitions_of(&self, topic: usize) -> impl Iterator<Item = Tp> + use<> {
        (0..self.topics[topic].partitions).map(move |partition| Tp { topic, partition })
    }

    /// `TopicPartition.hashCode()` of `tp`.
    pub(crate) fn tp_hash(&self, tp: Tp) -> i32 {
        java_order::topic_partition_hash_code(self.topics[tp.topic].hash, tp.partition)
    }

    /// `tp` with its topic name.
    pub(crate) fn external(&self, tp: Tp) -> TopicPartitionName {
        TopicPartitionName::new(self.topics[tp.topic].name.clone(), tp.partition)
    }

    /// Translates a member's claim; `Ok(None)` when the topic is not assigned (deleted or
    /// subscribed by nobody), an error when the partition number does not exist.
    pub(crate) fn internal(
        &self,
        member: usize,
        tp: &TopicPartitionName,
    ) -> Result<Option<Tp>, AssignError> {
        let Some(topic) = self.topic_index(&tp.topic) else {
            return Ok(None);
        };
        let partition_count = self.topics[topic].partitions;
        if tp.partition >= partition_count {
            return Err(AssignError::OwnedPartitionOutOfRange {
                member_id: self.members[member].member_id.clone(),
                partition: tp.clone(),
                partition_count,
            });
        }
        Ok(Some(Tp {
            topic,
            partition: tp.partition,
        }))
    }

    /// Builds the public result from per-member lists (indexed like `members`).
    pub(crate) fn result(&self, lists: &[Vec<Tp>]) -> BTreeMap<String, Vec<TopicPartitionName>> {
        crate::sort::map_of(self.members.iter().zip(lists).map(|(m, list)| {
            let partitions = list.iter().map(|&tp| self.external(tp)).collect();
            (m.member_id.clone(), partitions)
        }))
    }

    /// Builds a `partition → member id` map.
    pub(crate) fn owner_map(
        &self,
        owners: &VecMap<Tp, usize>,
    ) -> BTreeMap<TopicPartitionName, String> {
        crate::sort::map_of(
            owners
                .iter()
                .map(|(&tp, &m)| (self.external(tp), self.members[m].member_id.clone())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_names_round_trip() {
        for strategy in AssignmentStrategy::ALL {
            assert_eq!(strategy.name().parse::<AssignmentStrategy>(), Ok(strategy));
            let json = serde_json::to_string(&strategy).expect("serialize");
            assert_eq!(json, format!("\"{}\"", strategy.name()));
            let back: AssignmentStrategy = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, strategy);
        }
        assert!("round-robin".parse::<AssignmentStrategy>().is_err());
        assert!(AssignmentStrategy::CooperativeSticky.is_cooperative());
        assert!(!AssignmentStrategy::Sticky.is_cooperative());
    }

    #[test]
    fn topic_partitions_print_and_parse_like_kafka() {
        let tp: TopicPartitionName = "my-topic-12".parse().expect("parse");
        assert_eq!(tp, TopicPartitionName::new("my-topic", 12));
        assert_eq!(tp.to_string(), "my-topic-12");
        for bad in ["topic", "-3", "t-", "t-x", "t-+1", "t-2147483648"] {
            assert!(bad.parse::<TopicPartitionName>().is_err(), "{bad}");
        }
        assert_eq!("t--1".parse(), Ok(TopicPartitionName::new("t-", 1)));
        let json = serde_json::to_string(&tp).expect("serialize");
        assert_eq!(json, "\"my-topic-12\"");
    }

    #[test]
    fn bad_groups_are_errors_not_panics() {
        let topics = BTreeMap::from([("t".to_string(), 2)]);
        let twice = [Subscription::new("a", ["t"]), Subscription::new("a", ["t"])];
        for strategy in AssignmentStrategy::ALL {
            assert_eq!(
                assign(strategy, &topics, &twice),
                Err(AssignError::DuplicateMemberId("a".into()))
            );
            let empty = assign(strategy, &topics, &[]).expect("empty group");
            assert!(empty.assignment.is_empty());
        }
        let repeated = [Subscription::new("a", ["t", "t"])];
        assert!(matches!(
            assign(AssignmentStrategy::Range, &topics, &repeated),
            Err(AssignError::DuplicateTopic { .. })
        ));
        let out_of_range = [Subscription::new("a", ["t"])
            .with_owned(vec![TopicPartitionName::new("t", 5)], Some(1))];
        let err = assign(
            AssignmentStrategy::CooperativeSticky,
            &topics,
            &out_of_range,
        )
        .expect_err("t-5 does not exist");
        assert!(err.to_string().contains("t-5"), "{err}");
        let huge = BTreeMap::from([("t".to_string(), u32::MAX)]);
        assert!(matches!(
            assign(
                AssignmentStrategy::Range,
                &huge,
                &[Subscription::new("a", ["t"])]
            ),
            Err(AssignError::TooManyPartitions { .. })
        ));
    }

    #[test]
    fn unknown_and_empty_topics_are_skipped() {
        let topics = BTreeMap::from([("t".to_string(), 2), ("empty".to_string(), 0)]);
        let members = [Subscription::new("a", ["t", "missing", "empty"])];
        for strategy in AssignmentStrategy::ALL {
            let result = assign(strategy, &topics, &members).expect("assign");
            assert_eq!(
                result.partitions("a"),
                [
                    TopicPartitionName::new("t", 0),
                    TopicPartitionName::new("t", 1)
                ],
                "{strategy}"
            );
        }
    }
}
