//! `cooperative-sticky`: the sticky target, minus every partition another member still owns.
//!
//! Mirrors `org.apache.kafka.clients.consumer.CooperativeStickyAssignor#assignPartitions`: run
//! the shared sticky core ([`sticky`](super::sticky)) on `Subscription.ownedPartitions` and
//! `generationId`, then take `partitionsTransferringOwnership` (the uniform path's map, or on
//! the general path every partition that was added to one member and revoked from another) and
//! remove those partitions from their new owner (`adjustAssignment`). The old owner's assignment
//! no longer lists them, so it revokes them and rejoins; the next rebalance hands them over
//! (KIP-429's incremental cooperative protocol).
//!
//! Simplified: the userData fallback for the generation (ConsumerProtocolSubscription v1) is
//! folded into [`Subscription::generation`](super::Subscription::generation).

use crate::vec_map::{VecMap, VecSet};

use super::sticky::{self, OwnershipSource, remove_first};
use super::{AssignError, Group, GroupAssignment, Tp};

/// One `CooperativeStickyAssignor` run.
pub(crate) fn assign(
    group: &Group<'_>,
    max_generation: &mut i32,
) -> Result<GroupAssignment, AssignError> {
    let mut outcome = sticky::run(group, OwnershipSource::OwnedPartitions, max_generation)?;
    let withheld = match &outcome.transferring {
        Some(map) => map.clone(),
        None => compute_partitions_transferring_ownership(group, &outcome.lists)?,
    };
    for (&tp, &member) in &withheld {
        remove_first(&mut outcome.lists[member], tp);
    }
    Ok(GroupAssignment {
        assignment: group.result(&outcome.lists),
        partitions_transferring_ownership: outcome.transferring.map(|t| group.owner_map(&t)),
        withheld: group.owner_map(&withheld),
    })
}

/// `computePartitionsTransferringOwnership`: partitions newly given to one member while another
/// member's `ownedPartitions` still lists them.
fn compute_partitions_transferring_ownership(
    group: &Group<'_>,
    lists: &[Vec<Tp>],
) -> Result<VecMap<Tp, usize>, AssignError> {
    let mut added = VecMap::new();
    let mut revoked = VecSet::new();
    for (m, assigned) in lists.iter().enumerate() {
        let mut owned = VecSet::new();
        for claimed in &group.members[m].owned_partitions {
            // Partitions of topics that are gone can only be revoked, never added.
            if let Some(tp) = group.internal(m, claimed)? {
                owned.insert(tp);
            }
        }
        for &tp in assigned {
            if !owned.contains(&tp) {
                added.insert(tp, m);
            }
        }
        revoked.extend(owned.into_iter().filter(|tp| !assigned.contains(tp)));
    }
    added.retain(|tp, _| revoked.contains(tp));
    Ok(added)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::assignor::{AssignmentStrategy, Assignor, Subscription, TopicPartitionName};

    fn tps(names: &[&str]) -> Vec<TopicPartitionName> {
        names.iter().map(|n| n.parse().expect("tp")).collect()
    }

    #[test]
    fn new_members_wait_one_round_for_revoked_partitions() {
        // testAddRemoveTwoConsumersTwoTopics#2 (kafka-semantics.md §3.3): round 1 gives the new
        // members consumer3 and consumer4 nothing; round 2 gives them what was revoked.
        let topics = BTreeMap::from([("topic1".to_string(), 3), ("topic2".to_string(), 4)]);
        let all = ["topic1", "topic2"];
        let owned1 = tps(&["topic1-0", "topic1-2", "topic2-1", "topic2-3"]);
        let owned2 = tps(&["topic1-1", "topic2-0", "topic2-2"]);
        let round1 = [
            Subscription::new("consumer1", all).with_owned(owned1.clone(), Some(1)),
            Subscription::new("consumer2", all).with_owned(owned2.clone(), Some(1)),
            Subscription::new("consumer3", all).with_owned(Vec::new(), Some(1)),
            Subscription::new("consumer4", all).with_owned(Vec::new(), Some(1)),
        ];
        let mut assignor = Assignor::new(AssignmentStrategy::CooperativeSticky);
        let first = assignor.assign(&topics, &round1).expect("round 1");
        assert!(first.partitions("consumer3").is_empty());
        assert!(first.partitions("consumer4").is_empty());
        assert_eq!(first.withheld.len(), 3);
        let round2: Vec<Subscription> = round1
            .iter()
            .map(|m| {
                let owned = first.partitions(&m.member_id).to_vec();
                m.clone().with_owned(owned, Some(1))
            })
            .collect();
        let second = assignor.assign(&topics, &round2).expect("round 2");
        let mut c3 = second.partitions("consumer3").to_vec();
        c3.sort();
        assert_eq!(c3, tps(&["topic1-2", "topic2-3"]));
        assert_eq!(second.partitions("consumer4"), tps(&["topic2-2"]));
        assert!(second.withheld.is_empty());
    }
}
