//! `kafka-sim assign --strategy NAME`: one rebalance of one consumer group, computed as the group
//! leader's assignor would (`range`, `roundrobin`, `sticky`, `cooperative-sticky`).
//!
//! Reads the group as JSON on stdin:
//!
//! ```json
//! {"topics": {"t": 3},
//!  "members": [{"id": "c1", "subscriptions": ["t"], "ownedPartitions": ["t-0"],
//!               "generation": 1, "groupInstanceId": "i1"}]}
//! ```
//!
//! (`ownedPartitions`, `generation` and `groupInstanceId` are optional; members are given in
//! JoinGroup order) and prints `{"c1":["t-0","t-1"],...}`: every member, sorted by id, with its
//! partitions sorted by topic, then partition number. `sticky` reads owned partitions only
//! together with a `generation` (its userData); `cooperative-sticky` leaves out partitions that
//! another member must revoke first, as Kafka does.

use std::collections::BTreeMap;
use std::io::Read;

use clap::Args;
use kafka_sim::assignor::{AssignmentStrategy, Assignor, Subscription, TopicPartitionName};
use serde::Deserialize;

/// Arguments of `kafka-sim assign`.
#[derive(Args)]
pub struct AssignArgs {
    /// Assignor: range, roundrobin, sticky or cooperative-sticky.
    #[arg(long, short = 's')]
    strategy: AssignmentStrategy,
}

/// The group on stdin.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupInput {
    topics: BTreeMap<String, u32>,
    members: Vec<MemberInput>,
}

/// One member on stdin.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MemberInput {
    id: String,
    subscriptions: Vec<String>,
    #[serde(default)]
    owned_partitions: Vec<String>,
    #[serde(default)]
    generation: Option<i32>,
    #[serde(default)]
    group_instance_id: Option<String>,
}

impl MemberInput {
    fn into_subscription(self) -> Result<Subscription, String> {
        let owned = self
            .owned_partitions
            .iter()
            .map(|tp| {
                tp.parse::<TopicPartitionName>()
                    .map_err(|e| format!("member {:?}: ownedPartitions: {e}", self.id))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut subscription =
            Subscription::new(self.id, self.subscriptions).with_owned(owned, self.generation);
        subscription.group_instance_id = self.group_instance_id;
        Ok(subscription)
    }
}

/// Reads one group from stdin, assigns it, prints `{member: [partitions]}` as JSON.
pub fn run(args: &AssignArgs) -> Result<(), String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read the group from stdin: {e}"))?;
    let output = assign_json(args.strategy, &text)?;
    crate::print_line(&output)
}

/// The `assign` command without I/O: group JSON in, assignment JSON out.
fn assign_json(strategy: AssignmentStrategy, text: &str) -> Result<String, String> {
    let group: GroupInput = serde_json::from_str(text).map_err(|e| {
        format!("stdin is not a group {{\"topics\": {{...}}, \"members\": [...]}}: {e}")
    })?;
    let members = group
        .members
        .into_iter()
        .map(MemberInput::into_subscription)
        .collect::<Result<Vec<_>, _>>()?;
    let result = Assignor::new(strategy)
        .assign(&group.topics, &members)
        .map_err(|e| format!("{strategy}: {e}"))?;
    let sorted: BTreeMap<&str, Vec<String>> = result
        .assignment
        .iter()
        .map(|(member, partitions)| {
            let mut partitions = partitions.clone();
            partitions.sort();
            let names = partitions.iter().map(ToString::to_string).collect();
            (member.as_str(), names)
        })
        .collect();
    serde_json::to_string(&sorted).map_err(|e| format!("cannot print the assignment: {e}"))
}
