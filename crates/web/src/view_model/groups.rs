//! The consumer groups' props: one card per group from `Sim::group_views` (state, generation,
//! assignor, coordinator, members, the lag table) and the ledger's consumption counts, with a
//! colour per group shared by the panel, the lane markers and the charts. Read a few times a
//! second (the store's `groups_stamp`), never every frame.

use std::rc::Rc;

use kafka_sim::ledger::ConsumptionCounts;
use kafka_sim::view::GroupView;
use kafka_sim::{ConsumerId, Sim, TopicPartition};

use crate::store::ConsumerExit;

/// Group colours of the palette (CSS `group-0` … `group-5`); the seventh group reuses the first.
pub const GROUP_COLOURS: usize = 6;

/// One consumer of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    /// The consumer client's id.
    pub consumer: u32,
    /// Its member id at the coordinator (empty before its first join).
    pub member_id: Rc<str>,
    /// Whether its process runs.
    pub alive: bool,
    /// The core's client state (`polling`, `joining`, `stopped` …).
    pub state: Rc<str>,
    /// How it stopped, if it did.
    pub exit: Option<ConsumerExit>,
    /// The generation it last joined.
    pub generation: i32,
    /// The partitions it owns, by name.
    pub partitions: Vec<Rc<str>>,
}

impl MemberRow {
    /// `consumer 3`, or its member id once it has one.
    pub fn label(&self) -> String {
        if self.member_id.is_empty() {
            format!("consumer {}", self.consumer)
        } else {
            format!("consumer {} ({})", self.consumer, self.member_id)
        }
    }

    /// What it is doing, in words: the client state, or how it stopped.
    pub fn status(&self) -> &str {
        match (self.alive, self.exit) {
            (false, Some(exit)) => exit.label(),
            _ => &self.state,
        }
    }
}

/// One row of the lag table (`kafka-consumer-groups --describe`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LagLine {
    /// The partition.
    pub tp: TopicPartition,
    /// `orders-0`.
    pub name: Rc<str>,
    /// CURRENT-OFFSET: the group's committed offset.
    pub committed: Option<u64>,
    /// LOG-END-OFFSET: the partition's high watermark.
    pub log_end_offset: u64,
    /// LAG.
    pub lag: Option<u64>,
    /// The owning consumer's position.
    pub position: Option<u64>,
    /// CONSUMER: the owning consumer.
    pub owner: Option<u32>,
}

/// One consumer group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupCard {
    /// The `group.id` (user text: render it as text).
    pub group: Rc<str>,
    /// Its palette index (`group-N`).
    pub colour: u8,
    /// The coordinator's group state.
    pub state: Rc<str>,
    /// The generation id.
    pub generation: i32,
    /// The chosen assignor, once chosen.
    pub assignor: Option<Rc<str>>,
    /// The broker hosting its coordinator.
    pub coordinator: Option<u32>,
    /// Its consumers.
    pub members: Vec<MemberRow>,
    /// One row per partition of its topics.
    pub lag: Vec<LagLine>,
    /// Sum of the LAG column.
    pub total_lag: u64,
    /// What the ledger says it processed, redelivered and skipped.
    pub counts: ConsumptionCounts,
    /// The topics it reads (from its lag rows), for "add a consumer".
    pub topics: Vec<Rc<str>>,
}

impl GroupCard {
    /// The lag row of `tp`, if the group reads it.
    pub fn row(&self, tp: TopicPartition) -> Option<&LagLine> {
        self.lag.iter().find(|l| l.tp == tp)
    }
}

/// Every group, ordered by `group.id`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupsView {
    /// The groups.
    pub groups: Vec<Rc<GroupCard>>,
    /// The user topics, for the "new group" form.
    pub topics: Vec<Rc<str>>,
}

impl GroupsView {
    /// The card of `group`.
    pub fn card(&self, group: &str) -> Option<&Rc<GroupCard>> {
        self.groups.iter().find(|g| &*g.group == group)
    }

    /// The card of the group `consumer` belongs to, and its member row.
    pub fn member(&self, consumer: u32) -> Option<(&Rc<GroupCard>, &MemberRow)> {
        self.groups.iter().find_map(|g| {
            g.members
                .iter()
                .find(|m| m.consumer == consumer)
                .map(|m| (g, m))
        })
    }
}

/// The groups' props from the core's group views (read once by the caller), the ledger and the
/// consumers' exits. `previous` lends its names, so a refresh allocates little.
pub fn groups(
    sim: &Sim,
    views: &[GroupView],
    exits: &[(u32, ConsumerExit)],
    previous: &GroupsView,
) -> GroupsView {
    let mut names: Vec<(TopicPartition, Rc<str>)> = Vec::new();
    let mut name_of = |tp: TopicPartition| -> Rc<str> {
        if let Some((_, n)) = names.iter().find(|(t, _)| *t == tp) {
            return n.clone();
        }
        let known = previous
            .groups
            .iter()
            .find_map(|g| g.row(tp).map(|l| l.name.clone()));
        let n = known.unwrap_or_else(|| sim.tp_name(tp).into());
        names.push((tp, n.clone()));
        n
    };
    let groups = views
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let old = previous.card(&g.group);
            let lag: Vec<LagLine> = g
                .lag
                .iter()
                .map(|r| LagLine {
                    tp: r.tp,
                    name: name_of(r.tp),
                    committed: r.committed.map(|o| o.0),
                    log_end_offset: r.log_end_offset.0,
                    lag: r.lag,
                    position: r.position.map(|o| o.0),
                    owner: r.owner.map(|c| c.0),
                })
                .collect();
            let mut topics: Vec<Rc<str>> = Vec::new();
            for r in &g.lag {
                if let Some(t) = sim.catalog().get(r.tp.topic)
                    && !topics.iter().any(|n| **n == *t.name)
                {
                    topics.push(t.name.as_str().into());
                }
            }
            let members = g
                .members
                .iter()
                .map(|m| {
                    let was =
                        old.and_then(|o| o.members.iter().find(|x| x.consumer == m.consumer.0));
                    MemberRow {
                        consumer: m.consumer.0,
                        member_id: was
                            .filter(|x| *x.member_id == *m.member_id)
                            .map_or_else(|| m.member_id.as_str().into(), |x| x.member_id.clone()),
                        alive: m.alive,
                        state: was
                            .filter(|x| *x.state == *m.client_state)
                            .map_or_else(|| m.client_state.as_str().into(), |x| x.state.clone()),
                        exit: exits
                            .iter()
                            .find(|(c, _)| *c == m.consumer.0)
                            .map(|(_, e)| *e),
                        generation: m.generation,
                        partitions: m.assigned.iter().map(|tp| name_of(*tp)).collect(),
                    }
                })
                .collect();
            Rc::new(GroupCard {
                group: old.map_or_else(|| g.group.as_str().into(), |o| o.group.clone()),
                colour: (i % GROUP_COLOURS) as u8,
                state: old
                    .filter(|o| *o.state == *g.state)
                    .map_or_else(|| g.state.as_str().into(), |o| o.state.clone()),
                generation: g.generation,
                assignor: g.assignor.as_deref().map(Rc::from),
                coordinator: g.coordinator.map(|b| b.0),
                members,
                total_lag: g.lag.iter().filter_map(|r| r.lag).sum(),
                lag,
                counts: sim.ledger().consumption_counts(&g.group),
                topics,
            })
        })
        .collect();
    let topics = if previous.topics.len() == sim.catalog().user_topics().count() {
        previous.topics.clone()
    } else {
        sim.catalog()
            .user_topics()
            .map(|t| Rc::from(t.name.as_str()))
            .collect()
    };
    GroupsView { groups, topics }
}

/// The consumer's configuration as inspector rows.
pub fn consumer_config_rows(sim: &Sim, consumer: u32) -> Vec<(&'static str, Rc<str>)> {
    let Some(c) = sim.consumer_config(ConsumerId(consumer)) else {
        return Vec::new();
    };
    let strategies: Vec<&str> = c
        .partition_assignment_strategy
        .iter()
        .map(|s| s.name())
        .collect();
    let commit = match c.commit {
        kafka_sim::config::CommitMode::Auto => format!(
            "enable.auto.commit=true, every {}",
            kafka_sim::narrate::seconds(c.auto_commit_interval_ms)
        ),
        kafka_sim::config::CommitMode::SyncAfterProcessing => {
            "commitSync() after processing (at-least-once)".to_string()
        }
        kafka_sim::config::CommitMode::AsyncAfterProcessing => {
            "commitAsync() after processing".to_string()
        }
        kafka_sim::config::CommitMode::BeforeProcessing => {
            "commitSync() before processing (at-most-once)".to_string()
        }
    };
    vec![
        (
            "session.timeout.ms",
            format!(
                "{} ({})",
                c.session_timeout_ms,
                kafka_sim::narrate::seconds(c.session_timeout_ms)
            )
            .into(),
        ),
        (
            "heartbeat.interval.ms",
            c.heartbeat_interval_ms.to_string().into(),
        ),
        (
            "max.poll.interval.ms",
            c.max_poll_interval_ms.to_string().into(),
        ),
        (
            "partition.assignment.strategy",
            strategies.join(", ").into(),
        ),
        ("commits", commit.into()),
        (
            "auto.offset.reset",
            match c.auto_offset_reset {
                kafka_sim::config::AutoOffsetReset::Earliest => "earliest",
                kafka_sim::config::AutoOffsetReset::Latest => "latest",
                kafka_sim::config::AutoOffsetReset::None => "none",
            }
            .into(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page_params::StartParams;

    #[test]
    fn cards_follow_the_core_and_share_names_with_the_previous_refresh() {
        let mut sim =
            crate::running_example::build(&StartParams::from_query("groups=3")).expect("example");
        sim.advance_ms(8_000);
        let views = sim.group_views();
        let first = groups(&sim, &views, &[], &GroupsView::default());
        let names: Vec<&str> = first.groups.iter().map(|g| &*g.group).collect();
        assert_eq!(names, ["analytics", "email", "fraud-check"]);
        assert_eq!(
            first.groups.iter().map(|g| g.colour).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        let a = &first.groups[0];
        assert_eq!(&*a.state, "Stable");
        assert_eq!(a.members.len(), 3);
        assert!(a.members.iter().all(|m| m.partitions.len() == 1), "{a:?}");
        assert_eq!(a.lag.len(), 3);
        assert_eq!(
            a.total_lag,
            views[0].lag.iter().filter_map(|r| r.lag).sum::<u64>()
        );
        assert_eq!(a.counts, sim.ledger().consumption_counts("analytics"));
        assert_eq!(&*first.topics[0], "orders");

        // Unchanged, a refresh is equal and reuses the names.
        let again = groups(&sim, &views, &[], &first);
        assert_eq!(again, first);
        assert!(Rc::ptr_eq(&again.groups[0].group, &first.groups[0].group));
        assert!(Rc::ptr_eq(
            &again.groups[0].lag[0].name,
            &first.groups[0].lag[0].name
        ));

        // A crashed member says so; the core's client state only says "stopped".
        sim.apply(kafka_sim::Command::CrashConsumer { consumer: 0 })
            .expect("runs");
        let views = sim.group_views();
        let after = groups(&sim, &views, &[(0, ConsumerExit::Crashed)], &first);
        let m = &after.groups[0].members[0];
        assert!(!m.alive);
        assert_eq!(m.status(), "crashed");
        assert_eq!(after.member(0).map(|(g, _)| &*g.group), Some("analytics"));
    }

    #[test]
    fn consumer_config_rows_name_kafkas_settings() {
        let sim = crate::running_example::build(&StartParams::default()).expect("example");
        let rows = consumer_config_rows(&sim, 0);
        let get = |k: &str| {
            rows.iter()
                .find(|(l, _)| *l == k)
                .map(|(_, v)| v.to_string())
        };
        assert_eq!(get("session.timeout.ms").as_deref(), Some("6000 (6.0 s)"));
        assert!(get("partition.assignment.strategy").is_some_and(|s| s.starts_with("range")));
        assert!(consumer_config_rows(&sim, 99).is_empty());
    }
}
