//! `range`: each topic is split into contiguous ranges over its sorted subscribers.
//!
//! Mirrors `org.apache.kafka.clients.consumer.RangeAssignor#assignPartitions` without racks: per
//! topic, the subscribers sorted by `MemberInfo.compareTo` (static members by
//! `group.instance.id` first, then dynamic ones by member id); with `P` partitions and `C`
//! members, member `i` gets `P / C` partitions starting at `i * (P / C) + min(i, P % C)`, plus one
//! more while `i < P % C`. Topics are visited in the iteration order of the leader's
//! `partitionsPerTopic` `HashMap`, which only affects the order of each member's list.
//!
//! Simplified: the rack-aware pass (KIP-881) is absent, as no member reports a rack.

use std::cmp::Ordering;

use super::java_order::compare_strings;
use super::{GroupAssignment, Subscription, Tp};
use crate::assignor::Group;

/// `AbstractPartitionAssignor.MemberInfo.compareTo`: both static → by `group.instance.id`;
/// a static member before a dynamic one; both dynamic → by member id (Java string order).
pub fn compare_members(a: &Subscription, b: &Subscription) -> Ordering {
    match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => compare_strings(x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => compare_strings(&a.member_id, &b.member_id),
    }
}

/// Member indices subscribed to `topic`, in map order, then stably sorted as `MemberInfo`s.
pub(crate) fn sorted_subscribers(group: &Group<'_>, topic: &str) -> Vec<usize> {
    let mut members: Vec<usize> = (0..group.members.len())
        .filter(|&m| group.members[m].topics.iter().any(|t| t == topic))
        .collect();
    // Collections.sort is stable: equal instance ids keep the subscriptions map's order.
    crate::sort::sort_by(&mut members, |&a, &b| {
        compare_members(&group.members[a], &group.members[b])
    });
    members
}

/// One `RangeAssignor` run.
pub(crate) fn assign(group: &Group<'_>) -> GroupAssignment {
    let mut lists: Vec<Vec<Tp>> = vec![Vec::new(); group.members.len()];
    for &topic in &group.topic_map_order {
        let consumers = sorted_subscribers(group, &group.topics[topic].name);
        if consumers.is_empty() {
            continue;
        }
        let partitions = group.topics[topic].partitions as usize;
        let per_consumer = partitions / consumers.len();
        let with_extra = partitions % consumers.len();
        for (i, &member) in consumers.iter().enumerate() {
            let start = per_consumer * i + i.min(with_extra);
            let length = per_consumer + usize::from(i < with_extra);
            lists[member].extend((start..start + length).map(|p| Tp {
                topic,
                partition: p as u32,
            }));
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

    use super::*;
    use crate::assignor::{AssignmentStrategy, TopicPartitionName, assign as run};

    fn tps(list: &[(&str, u32)]) -> Vec<TopicPartitionName> {
        list.iter()
            .map(|&(t, p)| TopicPartitionName::new(t, p))
            .collect()
    }

    #[test]
    fn first_members_get_the_extra_partition_of_every_topic() {
        // RangeAssignor's class javadoc: C0 [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2].
        let topics = BTreeMap::from([("t0".to_string(), 3), ("t1".to_string(), 3)]);
        let members = [
            Subscription::new("C1", ["t0", "t1"]),
            Subscription::new("C0", ["t0", "t1"]),
        ];
        let result = run(AssignmentStrategy::Range, &topics, &members).expect("assign");
        let mut c0 = result.partitions("C0").to_vec();
        c0.sort();
        assert_eq!(c0, tps(&[("t0", 0), ("t0", 1), ("t1", 0), ("t1", 1)]));
        let mut c1 = result.partitions("C1").to_vec();
        c1.sort();
        assert_eq!(c1, tps(&[("t0", 2), ("t1", 2)]));
    }

    #[test]
    fn static_members_sort_first_by_instance_id() {
        let topics = BTreeMap::from([("t".to_string(), 3)]);
        let members = [
            Subscription::new("a-dynamic", ["t"]),
            Subscription::new("z", ["t"]).with_group_instance_id("i2"),
            Subscription::new("y", ["t"]).with_group_instance_id("i1"),
        ];
        let result = run(AssignmentStrategy::Range, &topics, &members).expect("assign");
        assert_eq!(result.partitions("y"), tps(&[("t", 0)]));
        assert_eq!(result.partitions("z"), tps(&[("t", 1)]));
        assert_eq!(result.partitions("a-dynamic"), tps(&[("t", 2)]));
        assert!(result.partitions_transferring_ownership.is_none());
    }

    #[test]
    fn member_ids_compare_as_utf16() {
        let topics = BTreeMap::from([("t".to_string(), 2)]);
        // In UTF-16, U+FF5E (one unit) sorts after U+1F600's leading surrogate 0xD83D.
        let members = [
            Subscription::new("\u{FF5E}", ["t"]),
            Subscription::new("\u{1F600}", ["t"]),
        ];
        let result = run(AssignmentStrategy::Range, &topics, &members).expect("assign");
        assert_eq!(result.partitions("\u{1F600}"), tps(&[("t", 0)]));
    }
}
