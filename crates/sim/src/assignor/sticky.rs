//! `sticky` (eager) and the shared core of both sticky assignors: balance first, then keep what
//! each member owned.
//!
//! Mirrors `org.apache.kafka.clients.consumer.internals.AbstractStickyAssignor` at Kafka's
//! snapshot `1eb7644`: `allSubscriptionsEqual` (ownership claims, generation conflicts,
//! `maxGeneration` kept across calls), the uniform-subscription `ConstrainedAssignmentBuilder`
//! (here) and the `GeneralAssignmentBuilder` with its `PartitionMovements` ([`general`]), plus
//! `StickyAssignor`, which reads ownership only from its userData. Every `HashMap` whose order
//! reaches the result is emulated with [`java_order`](super::java_order): the subscriptions map
//! (given by the caller), `consumerToOwnedPartitions` (decides which members keep `maxQuota`,
//! kafka-semantics.md §3.5) and the movement sets of the general builder.
//!
//! Simplified: no rack awareness. An empty group yields an empty assignment (Kafka divides by
//! zero); the leader is always a member, so a real group never has none.

mod general;

use crate::vec_map::{VecMap, VecSet};
use std::collections::VecDeque;

use super::java_order::hash_map_order;
use super::{AssignError, DEFAULT_GENERATION, Group, GroupAssignment, TopicPartitionName, Tp};

/// Where an assignor reads a member's previous ownership from (`AbstractStickyAssignor.memberData`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OwnershipSource {
    /// `StickyAssignor`: the userData blob; a member without [`generation`] sent none.
    ///
    /// [`generation`]: super::Subscription::generation
    UserData,
    /// `CooperativeStickyAssignor`: `Subscription.ownedPartitions` and `generationId`.
    OwnedPartitions,
}

/// The sticky core's result, before any cooperative adjustment; lists indexed like the members.
pub(crate) struct StickyOutcome {
    pub(crate) lists: Vec<Vec<Tp>>,
    /// `partitionsTransferringOwnership`: `Some` on the uniform path, `None` (Java's null) else.
    pub(crate) transferring: Option<VecMap<Tp, usize>>,
}

/// `MemberData` of member `m`: the partitions it claims and their generation.
pub(crate) fn member_data<'g>(
    group: &'g Group<'_>,
    m: usize,
    source: OwnershipSource,
) -> (&'g [TopicPartitionName], Option<i32>) {
    let member = &group.members[m];
    match (source, member.generation) {
        (OwnershipSource::UserData, None) => (&[], None),
        (_, generation) => (&member.owned_partitions, generation),
    }
}

/// What `allSubscriptionsEqual` leaves behind besides its verdict.
struct Claims {
    all_equal: bool,
    /// `consumerToOwnedPartitions`, indexed like the members.
    owned: Vec<Vec<Tp>>,
    /// `partitionsWithMultiplePreviousOwners`.
    multiple_owners: VecSet<Tp>,
}

/// `allSubscriptionsEqual`: checks the subscriptions and settles ownership claims, in the
/// subscriptions map's order. Equal generations invalidate a claim on both sides; a higher one wins.
fn all_subscriptions_equal(
    group: &Group<'_>,
    source: OwnershipSource,
    max_generation: &mut i32,
) -> Result<Claims, AssignError> {
    let n = group.members.len();
    let mut claims = Claims {
        all_equal: true,
        owned: vec![Vec::new(); n],
        multiple_owners: VecSet::new(),
    };
    let mut subscribed: VecSet<&str> = VecSet::new();
    let mut previous_owner: VecMap<Tp, usize> = VecMap::new();
    for m in 0..n {
        let topics = &group.members[m].topics;
        // Kafka re-seeds the set while it is empty, so an empty first subscription matches anything.
        if subscribed.is_empty() {
            subscribed.extend(topics.iter().map(String::as_str));
        } else if claims.all_equal
            && !(topics.len() == subscribed.len()
                && topics.iter().all(|t| subscribed.contains(t.as_str())))
        {
            claims.all_equal = false;
        }
        let (partitions, generation) = member_data(group, m, source);
        let member_generation = generation.unwrap_or(DEFAULT_GENERATION);
        *max_generation = (*max_generation).max(member_generation);
        for claimed in partitions {
            let Some(tp) = group.internal(m, claimed)? else {
                continue;
            };
            let Some(&other) = previous_owner.get(&tp) else {
                claims.owned[m].push(tp);
                previous_owner.insert(tp, m);
                continue;
            };
            // Kafka reads the other claimant's Subscription.generationId here.
            let other_generation = group.members[other]
                .generation
                .unwrap_or(DEFAULT_GENERATION);
            if member_generation == other_generation {
                claims.multiple_owners.insert(tp);
                remove_first(&mut claims.owned[other], tp);
                previous_owner.insert(tp, m);
            } else if member_generation > other_generation {
                claims.owned[m].push(tp);
                remove_first(&mut claims.owned[other], tp);
                previous_owner.insert(tp, m);
            }
        }
    }
    Ok(claims)
}

/// `List.remove(Object)`: drops the first occurrence, if any.
pub(crate) fn remove_first(list: &mut Vec<Tp>, tp: Tp) {
    if let Some(i) = list.iter().position(|&x| x == tp) {
        list.remove(i);
    }
}

/// `AbstractStickyAssignor.assignPartitions`: the uniform or the general builder.
pub(crate) fn run(
    group: &Group<'_>,
    source: OwnershipSource,
    max_generation: &mut i32,
) -> Result<StickyOutcome, AssignError> {
    let claims = all_subscriptions_equal(group, source, max_generation)?;
    if group.members.is_empty() {
        return Ok(StickyOutcome {
            lists: Vec::new(),
            transferring: Some(VecMap::new()),
        });
    }
    if claims.all_equal {
        Constrained::new(group, claims.multiple_owners).build(claims.owned)
    } else {
        let lists = general::build(group, source, *max_generation, claims.owned)?;
        Ok(StickyOutcome {
            lists,
            transferring: None,
        })
    }
}

/// One `StickyAssignor` (eager) run.
pub(crate) fn assign(
    group: &Group<'_>,
    source: OwnershipSource,
    max_generation: &mut i32,
) -> Result<GroupAssignment, AssignError> {
    let outcome = run(group, source, max_generation)?;
    Ok(GroupAssignment {
        assignment: group.result(&outcome.lists),
        partitions_transferring_ownership: outcome.transferring.map(|t| group.owner_map(&t)),
        withheld: std::collections::BTreeMap::new(),
    })
}

/// `ConstrainedAssignmentBuilder`: every member subscribes to the same topics.
struct Constrained<'g, 'a> {
    group: &'g Group<'a>,
    multiple_owners: VecSet<Tp>,
    all_revoked: VecSet<Tp>,
    /// `unfilledMembersWithUnderMinQuotaPartitions`.
    under_min: Vec<usize>,
    /// `unfilledMembersWithExactlyMinQuotaPartitions`.
    exactly_min: VecDeque<usize>,
    min_quota: usize,
    max_quota: usize,
    expected_over_min: usize,
    current_over_min: usize,
    assignment: Vec<Vec<Tp>>,
    assigned: Vec<Tp>,
    transferring: VecMap<Tp, usize>,
}

impl<'g, 'a> Constrained<'g, 'a> {
    fn new(group: &'g Group<'a>, multiple_owners: VecSet<Tp>) -> Self {
        let n = group.members.len();
        let total = group.total_partitions();
        Self {
            group,
            multiple_owners,
            all_revoked: VecSet::new(),
            under_min: Vec::new(),
            exactly_min: VecDeque::new(),
            min_quota: total / n,
            max_quota: total.div_ceil(n),
            expected_over_min: total % n,
            current_over_min: 0,
            assignment: vec![Vec::new(); n],
            assigned: Vec::new(),
            transferring: VecMap::new(),
        }
    }

    fn build(mut self, owned: Vec<Vec<Tp>>) -> Result<StickyOutcome, AssignError> {
        self.assign_owned_partitions(owned);
        let unassigned: Vec<Tp> = {
            let assigned: VecSet<Tp> = crate::sort::set_of(self.assigned.iter().copied());
            (0..self.group.topics.len())
                .flat_map(|t| self.group.partitions_of(t))
                .filter(|tp| !assigned.contains(tp))
                .collect()
        };
        let rank = &self.group.id_rank;
        crate::sort::sort_by_key(&mut self.under_min, |&m| rank[m]);
        crate::sort::sort_by_key(self.exactly_min.make_contiguous(), |&m| rank[m]);
        self.assign_round_robin(&unassigned)?;
        self.verify_unfilled_members()?;
        Ok(StickyOutcome {
            lists: self.assignment,
            transferring: Some(self.transferring),
        })
    }

    /// Keeps owned partitions up to the quotas, visiting `consumerToOwnedPartitions` (a
    /// default-capacity `HashMap` filled in subscriptions order) in its iteration order.
    fn assign_owned_partitions(&mut self, mut owned: Vec<Vec<Tp>>) {
        let ids: Vec<&str> = self
            .group
            .members
            .iter()
            .map(|m| m.member_id.as_str())
            .collect();
        for m in hash_map_order(&ids, None) {
            let mut partitions = std::mem::take(&mut owned[m]);
            // Sorted by partition number, then topic name (a stable sort).
            crate::sort::sort_by_key(&mut partitions, |tp| (tp.partition, tp.topic));
            partitions.retain(|tp| !self.multiple_owners.contains(tp));
            let keep = if partitions.len() < self.min_quota {
                self.under_min.push(m);
                partitions.len()
            } else if partitions.len() >= self.max_quota
                && self.current_over_min < self.expected_over_min
            {
                self.current_over_min += 1;
                if self.current_over_min == self.expected_over_min {
                    self.exactly_min.clear();
                }
                self.max_quota
            } else {
                if self.current_over_min < self.expected_over_min {
                    self.exactly_min.push_back(m);
                }
                self.min_quota
            };
            self.all_revoked.extend(partitions.drain(keep..));
            self.assigned.extend_from_slice(&partitions);
            self.assignment[m].extend(partitions);
        }
    }

    /// `assignRoundRobin`: members under `minQuota` in turn, then the "exactly min" queue.
    fn assign_round_robin(&mut self, unassigned: &[Tp]) -> Result<(), AssignError> {
        // A Java iterator over `under_min`: `cursor` is the index of the next element.
        let mut cursor = 0;
        for &tp in unassigned {
            let (member, from_iterator) = if cursor < self.under_min.len() {
                cursor += 1;
                (self.under_min[cursor - 1], true)
            } else if self.under_min.is_empty() {
                let Some(member) = self.exactly_min.pop_front() else {
                    return Err(AssignError::KafkaWouldThrow(
                        "No more unfilled consumers to be assigned.".into(),
                    ));
                };
                (member, false)
            } else {
                cursor = 1;
                (self.under_min[0], true)
            };
            let count = self.assign_new_partition(tp, member);
            if count == self.min_quota {
                if !from_iterator {
                    return Err(AssignError::KafkaWouldThrow(
                        "Iterator.remove() without a current element".into(),
                    ));
                }
                cursor -= 1;
                self.under_min.remove(cursor);
                self.exactly_min.push_back(member);
            } else if count == self.max_quota {
                self.current_over_min += 1;
            }
        }
        Ok(())
    }

    fn assign_new_partition(&mut self, tp: Tp, member: usize) -> usize {
        self.assignment[member].push(tp);
        if self.all_revoked.contains(&tp) || self.multiple_owners.contains(&tp) {
            self.transferring.insert(tp, member);
        }
        self.assignment[member].len()
    }

    /// `verifyUnfilledMembers`: Kafka throws when a member stayed below `minQuota`.
    fn verify_unfilled_members(&self) -> Result<(), AssignError> {
        if self.under_min.is_empty() {
            return Ok(());
        }
        if self.current_over_min != self.expected_over_min {
            return Err(AssignError::KafkaWouldThrow(
                "We haven't reached the expected number of members with more than the minQuota \
                 partitions, but no more partitions to be assigned"
                    .into(),
            ));
        }
        match self
            .under_min
            .iter()
            .find(|&&m| self.assignment[m].len() != self.min_quota)
        {
            Some(&m) => Err(AssignError::KafkaWouldThrow(format!(
                "Consumer: [{}] doesn't reach minQuota partitions, and no more partitions to be assigned",
                self.group.members[m].member_id
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::assignor::{AssignmentStrategy, Subscription, TopicPartitionName, assign};

    fn tps(names: &[&str]) -> Vec<TopicPartitionName> {
        names.iter().map(|n| n.parse().expect("tp")).collect()
    }

    fn topics(list: &[(&str, u32)]) -> BTreeMap<String, u32> {
        list.iter().map(|&(t, n)| (t.to_string(), n)).collect()
    }

    #[test]
    fn fresh_group_example_from_kafka_semantics() {
        // kafka-semantics.md §3.3: c1 [t1-0, t1-2, t2-1, t2-3], c2 [t1-1, t2-0, t2-2].
        let topics = topics(&[("topic1", 3), ("topic2", 4)]);
        let members = [
            Subscription::new("consumer1", ["topic1", "topic2"]),
            Subscription::new("consumer2", ["topic1", "topic2"]),
        ];
        let result = assign(AssignmentStrategy::Sticky, &topics, &members).expect("assign");
        assert_eq!(
            result.partitions("consumer1"),
            tps(&["topic1-0", "topic1-2", "topic2-1", "topic2-3"])
        );
        assert_eq!(
            result.partitions("consumer2"),
            tps(&["topic1-1", "topic2-0", "topic2-2"])
        );
        assert_eq!(
            result.partitions_transferring_ownership,
            Some(BTreeMap::new())
        );
    }

    #[test]
    fn hash_map_order_decides_who_keeps_max_quota() {
        // testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers: consumer2 is visited
        // before consumer1 in the owned-partitions HashMap, so it keeps two partitions.
        let topics = topics(&[("topic1", 2), ("topic2", 2)]);
        let all = ["topic1", "topic2"];
        let members = [
            Subscription::new("consumer1", all).with_owned(tps(&["topic1-0", "topic2-0"]), Some(1)),
            Subscription::new("consumer2", all).with_owned(tps(&["topic1-1", "topic2-1"]), Some(1)),
            Subscription::new("consumer3", all).with_owned(Vec::new(), Some(1)),
        ];
        let result = assign(AssignmentStrategy::Sticky, &topics, &members).expect("assign");
        assert_eq!(result.partitions("consumer1"), tps(&["topic1-0"]));
        assert_eq!(
            result.partitions("consumer2"),
            tps(&["topic1-1", "topic2-1"])
        );
        assert_eq!(result.partitions("consumer3"), tps(&["topic2-0"]));
        let transferring = result
            .partitions_transferring_ownership
            .expect("uniform path");
        assert_eq!(
            transferring,
            BTreeMap::from([(
                TopicPartitionName::new("topic2", 0),
                "consumer3".to_string()
            )])
        );
    }

    #[test]
    fn eager_sticky_ignores_owned_partitions_without_user_data() {
        let topics = topics(&[("t", 2)]);
        let members = [
            Subscription::new("b", ["t"]).with_owned(tps(&["t-0", "t-1"]), None),
            Subscription::new("a", ["t"]),
        ];
        let eager = assign(AssignmentStrategy::Sticky, &topics, &members).expect("assign");
        assert_eq!(eager.partitions("a"), tps(&["t-0"]));
        let cooperative =
            assign(AssignmentStrategy::CooperativeSticky, &topics, &members).expect("assign");
        assert_eq!(cooperative.partitions("b"), tps(&["t-0"]));
        assert_eq!(cooperative.partitions("a"), tps(&[]));
    }

    #[test]
    fn general_path_reports_no_transferring_map() {
        // StickyAssignor's javadoc example 2: C0 [t0p0], C1 [t1p0, t1p1], C2 [t2p0, t2p1, t2p2].
        let topics = topics(&[("t0", 1), ("t1", 2), ("t2", 3)]);
        let members = [
            Subscription::new("C0", ["t0"]),
            Subscription::new("C1", ["t0", "t1"]),
            Subscription::new("C2", ["t0", "t1", "t2"]),
        ];
        let result = assign(AssignmentStrategy::Sticky, &topics, &members).expect("assign");
        assert_eq!(result.partitions("C0"), tps(&["t0-0"]));
        assert_eq!(result.partitions("C1"), tps(&["t1-0", "t1-1"]));
        assert_eq!(result.partitions("C2"), tps(&["t2-0", "t2-1", "t2-2"]));
        assert_eq!(result.partitions_transferring_ownership, None);
    }
}
