//! `roundrobin`: all partitions, one at a time, to a circular cursor over the sorted members.
//!
//! Mirrors `org.apache.kafka.clients.consumer.RoundRobinAssignor#assign`: partitions of every
//! subscribed topic (topics in Java string order, partitions ascending); a `CircularIterator` over
//! the members sorted by `MemberInfo.compareTo` skips members not subscribed to the partition's
//! topic, gives the partition to the member under the cursor and advances. The cursor is never
//! reset between topics, so heterogeneous subscriptions can leave the result unbalanced.
//!
//! Simplified: nothing; this assignor has no rack-aware variant.

use super::range::compare_members;
use super::{Group, GroupAssignment, Tp};

/// One `RoundRobinAssignor` run.
pub(crate) fn assign(group: &Group<'_>) -> GroupAssignment {
    let mut lists: Vec<Vec<Tp>> = vec![Vec::new(); group.members.len()];
    // Utils.sorted: a stable sort of the members in subscriptions-map order.
    let mut ring: Vec<usize> = (0..group.members.len()).collect();
    crate::sort::sort_by(&mut ring, |&a, &b| {
        compare_members(&group.members[a], &group.members[b])
    });
    let mut cursor = 0;
    for topic in 0..group.topics.len() {
        let name = &group.topics[topic].name;
        let subscribed = |m: usize| group.members[m].topics.iter().any(|t| t == name);
        // Group topics are subscribed by someone, so this skip loop ends within one lap.
        if !ring.iter().any(|&m| subscribed(m)) {
            continue;
        }
        for tp in group.partitions_of(topic) {
            while !subscribed(ring[cursor]) {
                cursor = (cursor + 1) % ring.len();
            }
            lists[ring[cursor]].push(tp);
            cursor = (cursor + 1) % ring.len();
        }
    }
    GroupAssignment {
        assignment: group.result(&lists),
        ..GroupAssignment::default()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::assignor::{AssignmentStrategy, Subscription, TopicPartitionName, assign};

    fn names(list: &[TopicPartitionName]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn cursor_carries_across_topics() {
        // StickyAssignor's javadoc example 1: C0 [t0p0, t1p1, t3p0], C1 [t0p1, t2p0, t3p1],
        // C2 [t1p0, t2p1] under round robin.
        let topics: BTreeMap<String, u32> =
            ["t0", "t1", "t2", "t3"].map(|t| (t.to_string(), 2)).into();
        let members = ["C0", "C1", "C2"].map(|c| Subscription::new(c, ["t0", "t1", "t2", "t3"]));
        let result = assign(AssignmentStrategy::RoundRobin, &topics, &members).expect("assign");
        assert_eq!(names(result.partitions("C0")), ["t0-0", "t1-1", "t3-0"]);
        assert_eq!(names(result.partitions("C1")), ["t0-1", "t2-0", "t3-1"]);
        assert_eq!(names(result.partitions("C2")), ["t1-0", "t2-1"]);
    }

    #[test]
    fn heterogeneous_subscriptions_can_be_unbalanced() {
        // StickyAssignor's javadoc example 2: round robin gives C2 four partitions.
        let topics = BTreeMap::from([
            ("t0".to_string(), 1),
            ("t1".to_string(), 2),
            ("t2".to_string(), 3),
        ]);
        let members = [
            Subscription::new("C0", ["t0"]),
            Subscription::new("C1", ["t0", "t1"]),
            Subscription::new("C2", ["t0", "t1", "t2"]),
        ];
        let result = assign(AssignmentStrategy::RoundRobin, &topics, &members).expect("assign");
        assert_eq!(names(result.partitions("C0")), ["t0-0"]);
        assert_eq!(names(result.partitions("C1")), ["t1-0"]);
        assert_eq!(
            names(result.partitions("C2")),
            ["t1-1", "t2-0", "t2-1", "t2-2"]
        );
    }
}
