//! The sticky assignors' general path, used when members subscribe to different topics.
//!
//! Mirrors `AbstractStickyAssignor.GeneralAssignmentBuilder` and `PartitionMovements`: keep every
//! valid owned partition whose owner still subscribes to its topic; hand each unassigned partition
//! (topics ordered by number of subscribers, then name) to the least-loaded subscriber (ties by
//! member id); then move partitions from members with at least two more than a fellow subscriber,
//! preferring the previous-generation owner and undoing earlier moves of the same topic rather than
//! moving in both directions; keep the pre-balance result when that is not strictly better by the
//! pairwise-difference score. Where Java would dereference a missing map entry (a
//! `NullPointerException`), this returns [`AssignError::KafkaWouldThrow`]; where Java's
//! reassignment loop would never end, [`AssignError::KafkaNeverTerminates`].
//!
//! Simplified: no rack-aware passes.

use crate::vec_map::{VecMap, VecSet};

use super::{OwnershipSource, member_data, remove_first};
use crate::assignor::java_order::JavaHashSet;
use crate::assignor::{AssignError, DEFAULT_GENERATION, Group, Tp};

fn npe(what: &str) -> AssignError {
    AssignError::KafkaWouldThrow(format!("NullPointerException: {what}"))
}

/// `ConsumerGenerationPair` per partition: its most recent previous owner and that generation.
type PrevAssignment = VecMap<Tp, (usize, i32)>;

/// Member pair `(src, dst)` of a movement.
type Pair = (usize, usize);

/// `PartitionMovements`: moves made during this balance, to avoid ping-pong within a topic.
#[derive(Default)]
struct PartitionMovements {
    by_topic: VecMap<usize, VecMap<Pair, JavaHashSet<Tp>>>,
    movements: VecMap<Tp, Pair>,
}

impl PartitionMovements {
    fn remove_record(&mut self, tp: Tp) -> Option<Pair> {
        let pair = self.movements.remove(&tp)?;
        if let Some(topic) = self.by_topic.get_mut(&tp.topic) {
            if let Some(set) = topic.get_mut(&pair) {
                set.remove(&tp);
                if set.is_empty() {
                    topic.remove(&pair);
                }
            }
            if topic.is_empty() {
                self.by_topic.remove(&tp.topic);
            }
        }
        Some(pair)
    }

    fn add_record(&mut self, tp: Tp, hash: i32, pair: Pair) {
        self.movements.insert(tp, pair);
        self.by_topic
            .entry(tp.topic)
            .or_default()
            .entry(pair)
            .or_default()
            .insert(tp, hash);
    }

    fn move_partition(&mut self, tp: Tp, hash: i32, old: usize, new: usize) {
        match self.remove_record(tp) {
            // Moving back to where it came from erases the record.
            Some((src, _)) if src == new => {}
            Some((src, _)) => self.add_record(tp, hash, (src, new)),
            None => self.add_record(tp, hash, (old, new)),
        }
    }

    /// `getTheActualPartitionToBeMoved`: if some partition of the topic already moved the other
    /// way between the same members, move that one back instead.
    fn actual_partition_to_move(&self, tp: Tp, old: usize, new: usize) -> Tp {
        let Some(topic) = self.by_topic.get(&tp.topic) else {
            return tp;
        };
        let old = self.movements.get(&tp).map_or(old, |&(src, _)| src);
        topic
            .get(&(new, old))
            .and_then(|set| set.first().copied())
            .unwrap_or(tp)
    }
}

struct General<'g, 'a> {
    group: &'g Group<'a>,
    /// `consumer2AllPotentialTopics`.
    potential_topics: Vec<Vec<usize>>,
    /// `topic2AllPotentialConsumers`, members in subscriptions order.
    potential_consumers: Vec<Vec<usize>>,
    /// `currentAssignment`; `None` while a member is set aside as fixed.
    current: Vec<Option<Vec<Tp>>>,
    partition_consumer: VecMap<Tp, usize>,
    /// `sortedCurrentSubscriptions`: (assigned count, member id rank).
    sorted: VecSet<(usize, usize)>,
    /// Member index by id rank.
    by_rank: Vec<usize>,
    movements: PartitionMovements,
    revocation_required: bool,
}

/// `GeneralAssignmentBuilder.build()`, starting from `consumerToOwnedPartitions`.
pub(super) fn build(
    group: &Group<'_>,
    source: OwnershipSource,
    max_generation: i32,
    owned: Vec<Vec<Tp>>,
) -> Result<Vec<Vec<Tp>>, AssignError> {
    let n = group.members.len();
    let potential_topics: Vec<Vec<usize>> = group
        .members
        .iter()
        .map(|m| {
            m.topics
                .iter()
                .filter_map(|t| group.topic_index(t))
                .collect()
        })
        .collect();
    let mut potential_consumers = vec![Vec::new(); group.topics.len()];
    for (m, topics) in potential_topics.iter().enumerate() {
        for &t in topics {
            potential_consumers[t].push(m);
        }
    }
    let mut by_rank = vec![0; n];
    for (m, &rank) in group.id_rank.iter().enumerate() {
        by_rank[rank] = m;
    }
    let partition_consumer = crate::sort::map_of(
        owned
            .iter()
            .enumerate()
            .flat_map(|(m, list)| list.iter().map(move |&tp| (tp, m))),
    );
    let mut builder = General {
        group,
        potential_topics,
        potential_consumers,
        current: owned.into_iter().map(Some).collect(),
        partition_consumer,
        sorted: VecSet::new(),
        by_rank,
        movements: PartitionMovements::default(),
        revocation_required: false,
    };
    // TopicComparator: fewer potential consumers first, then topic name.
    let mut topic_order: Vec<usize> = (0..group.topics.len()).collect();
    crate::sort::sort_by_key(&mut topic_order, |&t| {
        (builder.potential_consumers[t].len(), t)
    });
    let sorted_all: Vec<Tp> = topic_order
        .iter()
        .flat_map(|&t| group.partitions_of(t))
        .collect();
    let prev = prepopulate(group, source, max_generation)?;
    let assigned: VecSet<Tp> = crate::sort::set_of(builder.assign_owned_partitions());
    let unassigned: Vec<Tp> = sorted_all
        .iter()
        .copied()
        .filter(|tp| !assigned.contains(tp))
        .collect();
    for m in 0..n {
        let key = builder.key(m)?;
        builder.sorted.insert(key);
    }
    builder.balance(&prev, sorted_all, unassigned)?;
    builder
        .current
        .into_iter()
        .map(|list| list.ok_or_else(|| npe("member left out of the assignment")))
        .collect()
}

/// `prepopulateCurrentAssignments`: claims from generations older than `maxGeneration` become
/// each partition's previous owner (the highest such generation; the first claimant on a tie).
fn prepopulate(
    group: &Group<'_>,
    source: OwnershipSource,
    max_generation: i32,
) -> Result<PrevAssignment, AssignError> {
    let mut prev = PrevAssignment::new();
    for m in 0..group.members.len() {
        let (partitions, generation) = member_data(group, m, source);
        let generation = match generation {
            Some(g) if g < max_generation => g,
            None if max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
            _ => continue,
        };
        for claimed in partitions {
            let Some(tp) = group.internal(m, claimed)? else {
                continue;
            };
            match prev.get(&tp) {
                Some(&(_, older)) if generation <= older => {}
                _ => {
                    prev.insert(tp, (m, generation));
                }
            }
        }
    }
    Ok(prev)
}

impl General<'_, '_> {
    fn list(&self, m: usize) -> Result<&Vec<Tp>, AssignError> {
        self.current[m]
            .as_ref()
            .ok_or_else(|| npe("currentAssignment.get(consumer) of a fixed consumer"))
    }

    fn size(&self, m: usize) -> Result<usize, AssignError> {
        self.list(m).map(Vec::len)
    }

    fn key(&self, m: usize) -> Result<(usize, usize), AssignError> {
        Ok((self.size(m)?, self.group.id_rank[m]))
    }

    fn max_assignment_size(&self, m: usize) -> usize {
        let topics = &self.potential_topics[m];
        if topics.len() == self.group.topics.len() {
            self.group.total_partitions()
        } else {
            topics
                .iter()
                .map(|&t| self.group.topics[t].partitions as usize)
                .sum()
        }
    }

    /// Drops owned partitions of topics the owner no longer subscribes to; returns the rest.
    fn assign_owned_partitions(&mut self) -> Vec<Tp> {
        let mut assigned = Vec::new();
        for m in 0..self.current.len() {
            let subscribed = &self.potential_topics[m];
            let Some(list) = self.current[m].as_mut() else {
                continue;
            };
            list.retain(|tp| {
                let keep = subscribed.contains(&tp.topic);
                self.revocation_required |= !keep;
                keep
            });
            assigned.extend_from_slice(list);
        }
        assigned
    }

    fn first_subscriber(&self, topic: usize) -> Option<usize> {
        self.sorted
            .iter()
            .map(|&(_, rank)| self.by_rank[rank])
            .find(|&m| self.potential_topics[m].contains(&topic))
    }

    /// `maybeAssign` without racks: each partition to its least-loaded subscriber.
    fn maybe_assign(&mut self, partitions: &[Tp]) -> Result<(), AssignError> {
        for &tp in partitions {
            let Some(m) = self.first_subscriber(tp.topic) else {
                continue;
            };
            let key = self.key(m)?;
            self.sorted.remove(&key);
            self.current[m].get_or_insert_with(Vec::new).push(tp);
            self.partition_consumer.insert(tp, m);
            let key = self.key(m)?;
            self.sorted.insert(key);
        }
        Ok(())
    }

    fn can_participate(&self, m: usize) -> Result<bool, AssignError> {
        let list = self.list(m)?;
        Ok(list.len() < self.max_assignment_size(m)
            || list
                .iter()
                .any(|tp| self.potential_consumers[tp.topic].len() >= 2))
    }

    fn balance_score(lists: &[Option<Vec<Tp>>]) -> usize {
        let sizes: Vec<usize> = lists.iter().flatten().map(Vec::len).collect();
        let mut score = 0;
        for (i, a) in sizes.iter().enumerate() {
            score += sizes[i + 1..].iter().map(|b| a.abs_diff(*b)).sum::<usize>();
        }
        score
    }

    fn balance(
        &mut self,
        prev: &PrevAssignment,
        mut sorted_all: Vec<Tp>,
        mut unassigned: Vec<Tp>,
    ) -> Result<(), AssignError> {
        let &(last_count, _) = self
            .sorted
            .last()
            .ok_or_else(|| AssignError::KafkaWouldThrow("NoSuchElementException".into()))?;
        let initializing = last_count == 0;
        self.maybe_assign(&unassigned)?;
        let fixed_topic = |tp: &Tp| self.potential_consumers[tp.topic].len() < 2;
        sorted_all.retain(|tp| !fixed_topic(tp));
        unassigned.retain(|tp| !fixed_topic(tp));
        let mut fixed = Vec::new();
        for m in 0..self.current.len() {
            if !self.can_participate(m)? {
                let key = self.key(m)?;
                self.sorted.remove(&key);
                fixed.push((m, self.current[m].take()));
            }
        }
        let pre_balance = self.current.clone();
        let pre_balance_consumers = self.partition_consumer.clone();
        if !self.revocation_required {
            self.perform_reassignments(&unassigned, prev)?;
        }
        let performed = self.perform_reassignments(&sorted_all, prev)?;
        if !initializing
            && performed
            && Self::balance_score(&self.current) >= Self::balance_score(&pre_balance)
        {
            self.current = pre_balance;
            self.partition_consumer = pre_balance_consumers;
        }
        for (m, list) in fixed {
            self.current[m] = list;
        }
        Ok(())
    }

    fn is_balanced(&self) -> Result<bool, AssignError> {
        let (Some(&(min, _)), Some(&(max, _))) = (self.sorted.first(), self.sorted.last()) else {
            return Err(AssignError::KafkaWouldThrow(
                "NoSuchElementException".into(),
            ));
        };
        if min + 1 >= max {
            return Ok(true);
        }
        let mut owner: VecMap<Tp, usize> = VecMap::new();
        for (m, list) in self.current.iter().enumerate() {
            for &tp in list.iter().flatten() {
                owner.insert(tp, m);
            }
        }
        for &(count, rank) in &self.sorted {
            let m = self.by_rank[rank];
            if count == self.max_assignment_size(m) {
                continue;
            }
            let list = self.list(m)?;
            for &topic in &self.potential_topics[m] {
                for tp in self.group.partitions_of(topic) {
                    if list.contains(&tp) {
                        continue;
                    }
                    let other = *owner.get(&tp).ok_or_else(|| npe("unowned partition"))?;
                    if count + 1 < self.size(other)? {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }

    fn perform_reassignments(
        &mut self,
        partitions: &[Tp],
        prev: &PrevAssignment,
    ) -> Result<bool, AssignError> {
        let mut performed = false;
        // Kafka's loop can cycle forever (e.g. moving a partition back to a previous owner that
        // no longer subscribes to its topic); each pass is a function of the state at its start,
        // so a repeated start state proves it, and we stop instead of hanging.
        let mut seen = VecSet::new();
        loop {
            if !seen.insert(self.state_fingerprint()) {
                return Err(AssignError::KafkaNeverTerminates(
                    "performReassignments keeps moving the same partitions back and forth".into(),
                ));
            }
            let mut modified = false;
            for &tp in partitions {
                if self.is_balanced()? {
                    break;
                }
                let consumer = *self
                    .partition_consumer
                    .get(&tp)
                    .ok_or_else(|| npe("partition without a consumer"))?;
                let size = self.size(consumer)?;
                if let Some(&(prev_owner, _)) = prev.get(&tp)
                    && size > self.size(prev_owner)? + 1
                {
                    self.reassign_to(tp, prev_owner)?;
                    performed = true;
                    modified = true;
                    continue;
                }
                for i in 0..self.potential_consumers[tp.topic].len() {
                    let other = self.potential_consumers[tp.topic][i];
                    if size > self.size(other)? + 1 {
                        let new = self
                            .first_subscriber(tp.topic)
                            .ok_or_else(|| npe("no consumer for the partition"))?;
                        self.reassign_to(tp, new)?;
                        performed = true;
                        modified = true;
                        break;
                    }
                }
            }
            if !modified {
                return Ok(performed);
            }
        }
    }

    /// Everything the next reassignment pass depends on: each member's list (in order) and the
    /// movement records, with each set's capacity and iteration order.
    fn state_fingerprint(&self) -> Vec<u64> {
        let encode = |tp: &Tp| ((tp.topic as u64) << 32) | u64::from(tp.partition);
        let mut state = Vec::new();
        for list in &self.current {
            match list {
                None => state.push(u64::MAX),
                Some(list) => {
                    state.push(list.len() as u64);
                    state.extend(list.iter().map(encode));
                }
            }
        }
        for (&topic, pairs) in &self.movements.by_topic {
            state.extend([topic as u64, pairs.len() as u64]);
            for (&(src, dst), set) in pairs {
                state.extend([src, dst, set.capacity(), set.len()].map(|x| x as u64));
                state.extend(set.iter().map(encode));
            }
        }
        state
    }

    fn reassign_to(&mut self, tp: Tp, new: usize) -> Result<(), AssignError> {
        let consumer = *self
            .partition_consumer
            .get(&tp)
            .ok_or_else(|| npe("partition without a consumer"))?;
        let moved = self.movements.actual_partition_to_move(tp, consumer, new);
        let old = *self
            .partition_consumer
            .get(&moved)
            .ok_or_else(|| npe("partition without a consumer"))?;
        let (old_key, new_key) = (self.key(old)?, self.key(new)?);
        self.sorted.remove(&old_key);
        self.sorted.remove(&new_key);
        self.movements
            .move_partition(moved, self.group.tp_hash(moved), old, new);
        if let Some(list) = self.current[old].as_mut() {
            remove_first(list, moved);
        }
        if let Some(list) = self.current[new].as_mut() {
            list.push(moved);
        }
        self.partition_consumer.insert(moved, new);
        let (old_key, new_key) = (self.key(old)?, self.key(new)?);
        self.sorted.insert(new_key);
        self.sorted.insert(old_key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::assignor::{AssignError, AssignmentStrategy, Assignor, Subscription};

    fn member(id: &str, topics: &str, owned: &str) -> Subscription {
        let owned = owned
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|tp| tp.parse().expect("tp"))
            .collect();
        Subscription::new(id, topics.split(',')).with_owned(owned, Some(1))
    }

    fn topics(list: &[(&str, u32)]) -> BTreeMap<String, u32> {
        list.iter().map(|&(t, n)| (t.to_string(), n)).collect()
    }

    /// A leader that once saw generation 3 treats every generation-1 claim as a previous owner.
    fn leader_after_generation_3(strategy: AssignmentStrategy) -> Assignor {
        let mut assignor = Assignor::new(strategy);
        let first = [Subscription::new("zz", ["t"]).with_owned(Vec::new(), Some(3))];
        assignor
            .assign(&topics(&[("t", 1)]), &first)
            .expect("first");
        assert_eq!(assignor.max_generation(), 3);
        assignor
    }

    #[test]
    fn previous_owner_set_aside_as_fixed_is_kafkas_null_pointer() {
        // d claimed u-0 and v-2 in generation 1 but now subscribes only to t, so it is "fixed";
        // moving v-2 back to it dereferences currentAssignment.get(d) == null in Kafka.
        let mut assignor = leader_after_generation_3(AssignmentStrategy::Sticky);
        let members = [
            member("a", "u,v", "v-3,u-1,v-1,v-2"),
            member("b", "v", "v-3"),
            member("c", "u", ""),
            member("d", "t", "u-0,v-2"),
        ];
        let result = assignor.assign(&topics(&[("t", 1), ("u", 2), ("v", 5)]), &members);
        assert!(
            matches!(result, Err(AssignError::KafkaWouldThrow(_))),
            "{result:?}"
        );
    }

    #[test]
    fn endless_reassignment_is_reported_not_looped() {
        // The same input makes a line-by-line transcription of AbstractStickyAssignor loop
        // forever on the JVM: partitions keep returning to previous owners (generation 1 <
        // maxGeneration 3) that no longer subscribe to them, and leaving again.
        let mut assignor = leader_after_generation_3(AssignmentStrategy::CooperativeSticky);
        let members = [
            member(
                "a",
                "topic2",
                "topic2-5,topic2-10,topic2-14,topic2-21,topic2-26,topic2-27",
            ),
            member(
                "c01",
                "topic2",
                "topic2-0,topic2-8,topic2-9,topic2-11,topic2-13,topic2-16,topic2-29",
            ),
            member("c11", "BB", ""),
            member(
                "consumer1",
                "topic2,t",
                "topic2-1,topic2-3,topic2-4,topic2-12,topic2-18,topic2-22,topic2-23,topic2-28,t-5",
            ),
            member(
                "consumer10",
                "topic2,BB,t,a-b",
                "topic2-6,topic2-17,topic2-19,topic2-20,topic2-25,t-4",
            ),
            member("consumer4", "topic2,BB", "t-8"),
            member("m", "BB", ""),
            member("consumer2", "BB,t", "t-10,BB-5"),
            member("consumer3", "t,a-b", "t-2"),
            member("b", "BB,t", ""),
        ];
        let all = topics(&[("topic2", 30), ("t", 11), ("BB", 6), ("a-b", 12)]);
        let result = assignor.assign(&all, &members);
        assert!(
            matches!(result, Err(AssignError::KafkaNeverTerminates(_))),
            "{result:?}"
        );
    }
}
