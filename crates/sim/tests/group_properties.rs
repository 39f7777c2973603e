#![cfg(not(target_arch = "wasm32"))]
//! Property tests of consumer groups in a running, faulty cluster (kafka-semantics.md §3, §5).
//!
//! Each case starts a guarded cluster (3 brokers, RF 3, `min.insync.replicas` 2, unclean
//! election off, at most one broker down at a time), one topic and a group whose consumers all use
//! one assignor and commit synchronously after processing. Random operations follow: consumers
//! join, leave gracefully, crash and restart; brokers die and come back; records are produced.
//! Then everything is healed (every broker and consumer restarted) and the run waits until the
//! group is Stable, every live member is stable in the group's generation and has caught up.
//! Checked then:
//!
//! * (a) every partition of the topic is owned by exactly one live member, and each member owns
//!   what the coordinator installed for it in the current generation;
//! * (b) owned counts differ by at most 1 (one topic: true of all four assignors); `range` and
//!   `roundrobin` give exactly the map Kafka's definitions give (members by member id);
//! * (c) `sticky` / `cooperative-sticky`: when one member then leaves, every survivor keeps every
//!   partition it had (the cooperative survivors without revoking anything);
//! * (d) no unallowed `InvariantViolated` event (nor a coordinator invariant event), ever;
//! * (e) every committed record of the topic was processed by the group, none skipped;
//! * (f) the same seed and operations give the same events.
//!
//! `KAFKA_SIM_GROUP_CASES=N` sets the cases per test (default 24; the determinism test runs a
//! quarter as many, each for all four assignors, twice); the generator's seed is fixed so that a
//! default run is repeatable, `KAFKA_SIM_GROUP_SEED=N` explores other cases. A failure prints the
//! seed, the commands applied (with their times) and the narrated tail of the events; the cases
//! proptest shrinks are printed too.
//!
//! The operations also cut links between consumers and brokers, isolate a broker (counted as the
//! one broker down), grow the topic (`AddPartitions`), use static membership and the other
//! at-least-once commit modes (auto, async); `BeforeProcessing` (at-most-once) is checked for (e)
//! only when no consumer crashed.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use kafka_sim::assignor::AssignmentStrategy;
use kafka_sim::assignor::java_order::compare_strings;
use kafka_sim::group::GroupEvent;
use kafka_sim::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use support::*;

const GROUP: &str = "billing";
const TOPIC: &str = "orders";
/// Consumers one case may create.
const MAX_CONSUMERS: usize = 6;
/// Healing: longer than session.timeout.ms (6 s) + the rebalance timeout (max.poll.interval.ms,
/// 30 s) of the demo consumer timing, plus a delivery timeout for the last produce requests.
const HEAL_MS: u64 = 60_000;
/// How long a healed group may take to settle before that counts as a liveness failure.
const SETTLE_LIMIT_MS: u64 = 240_000;

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum GroupOp {
    /// AddConsumer (ignored at `MAX_CONSUMERS`).
    Join {
        processing_ms: u64,
        max_poll_records: u32,
    },
    /// StopConsumer on the i-th running consumer (mod their count).
    Leave(usize),
    /// CrashConsumer on the i-th running consumer.
    Crash(usize),
    /// RestartConsumer on the i-th stopped consumer.
    Restart(usize),
    /// KillBroker (or IsolateBroker); if a broker is down already, bring that one back instead.
    KillBroker { broker: u32, isolate: bool },
    /// Cut the link between the i-th consumer and a broker (one way, or both ways).
    CutConsumer {
        consumer: usize,
        broker: u32,
        to_broker: bool,
        from_broker: bool,
    },
    /// Heal every cut link.
    HealLinks,
    /// AddPartitions: grow the topic by this many partitions (up to 12; not with a broker down,
    /// nor with static members).
    AddPartitions(u32),
    /// ProduceMany.
    Produce { count: u32, keys: u32 },
    /// Let time pass.
    Advance(u64),
}

#[derive(Clone, Debug)]
struct Case {
    seed: u64,
    partitions: u32,
    /// Consumers started before the operations.
    initial: u32,
    /// How every consumer of the case commits.
    commit: CommitMode,
    /// Static membership: consumer `n` has `group.instance.id` `static-n`.
    static_members: bool,
    ops: Vec<GroupOp>,
    /// Which running member leaves at the end (mod their count).
    leaver: usize,
}

const MAX_PARTITIONS: u32 = 12;

fn group_op() -> impl Strategy<Value = GroupOp> {
    prop_oneof![
        3 => (
            prop_oneof![3 => Just(0u64), 2 => 1u64..=20],
            prop::sample::select(vec![1u32, 5, 50, 500]),
        )
            .prop_map(|(processing_ms, max_poll_records)| GroupOp::Join {
                processing_ms,
                max_poll_records,
            }),
        2 => any::<usize>().prop_map(GroupOp::Leave),
        2 => any::<usize>().prop_map(GroupOp::Crash),
        3 => any::<usize>().prop_map(GroupOp::Restart),
        2 => (1u32..=3, prop::bool::weighted(0.3))
            .prop_map(|(broker, isolate)| GroupOp::KillBroker { broker, isolate }),
        1 => (any::<usize>(), 1u32..=3, any::<bool>(), any::<bool>()).prop_map(
            |(consumer, broker, to_broker, from_broker)| GroupOp::CutConsumer {
                consumer,
                broker,
                to_broker,
                from_broker: from_broker || !to_broker,
            }
        ),
        1 => Just(GroupOp::HealLinks),
        1 => (1u32..=3).prop_map(GroupOp::AddPartitions),
        5 => (1u32..=40, 0u32..=10).prop_map(|(count, keys)| GroupOp::Produce { count, keys }),
        6 => prop_oneof![2 => 10u64..=1_000, 3 => 1_000u64..=8_000, 1 => 8_000u64..=20_000]
            .prop_map(GroupOp::Advance),
    ]
}

fn commit_mode() -> impl Strategy<Value = CommitMode> {
    prop_oneof![
        6 => Just(CommitMode::SyncAfterProcessing),
        2 => Just(CommitMode::Auto),
        1 => Just(CommitMode::AsyncAfterProcessing),
        1 => Just(CommitMode::BeforeProcessing),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        1u32..=8,
        1u32..=4,
        commit_mode(),
        prop::bool::weighted(0.2),
        prop::collection::vec(group_op(), 0..40),
        any::<usize>(),
    )
        .prop_map(
            |(seed, partitions, initial, commit, static_members, ops, leaver)| Case {
                seed,
                partitions,
                initial,
                commit,
                static_members,
                ops,
                leaver,
            },
        )
}

fn consumer_config(
    assignor: AssignmentStrategy,
    processing_ms: u64,
    max_poll_records: u32,
) -> ConsumerConfig {
    ConsumerConfig {
        partition_assignment_strategy: vec![assignor],
        commit: CommitMode::SyncAfterProcessing,
        processing_ms_per_record: processing_ms,
        max_poll_records,
        ..ConsumerConfig::demo_timing()
    }
}

/// The `group.instance.id` prefix of static members (consumer `n` is `static-n`).
const STATIC_PREFIX: &str = "static";

// ---------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------

struct GroupRun {
    assignor: AssignmentStrategy,
    seed: u64,
    commit: CommitMode,
    static_members: bool,
    t: TestCluster,
    /// The broker killed or isolated, and whether it was isolated.
    down: Option<(u32, bool)>,
    /// Whether a consumer crashed (at-most-once commits may then skip records).
    crashed: bool,
    initial_partitions: u32,
    /// Accepted commands with the time they were applied (the reproduction).
    commands: Vec<TimedCommand>,
}

impl GroupRun {
    fn start(assignor: AssignmentStrategy, case: &Case) -> GroupRun {
        let t =
            TestCluster::new(3, case.seed).topic(TOPIC, case.partitions, 3, topic_config(2, false));
        let mut run = GroupRun {
            assignor,
            seed: case.seed,
            commit: case.commit,
            static_members: case.static_members,
            t,
            down: None,
            crashed: false,
            initial_partitions: case.partitions,
            commands: Vec::new(),
        };
        for _ in 0..case.initial {
            run.join(0, 500);
        }
        run.t.run_for_ms(5_000);
        run
    }

    /// Applies `command`; refusals are returned, not recorded.
    fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        let at = self.t.sim.now();
        self.t.sim.apply(command.clone())?;
        self.commands.push(TimedCommand { at, command });
        Ok(())
    }

    fn join(&mut self, processing_ms: u64, max_poll_records: u32) {
        if self.t.sim.consumer_ids().len() >= MAX_CONSUMERS {
            return;
        }
        let config = ConsumerConfig {
            commit: self.commit,
            group_instance_id: self.static_members.then(|| STATIC_PREFIX.to_string()),
            ..consumer_config(self.assignor, processing_ms, max_poll_records)
        };
        self.apply(Command::AddConsumer {
            group: GROUP.into(),
            topics: vec![TOPIC.into()],
            config: Some(config),
        })
        .expect("AddConsumer accepted");
    }

    /// Consumers whose process runs (`running`) or not, as the group view reports them.
    fn consumers(&self, running: bool) -> Vec<u32> {
        self.t
            .sim
            .group_views()
            .iter()
            .filter(|g| g.group == GROUP)
            .flat_map(|g| g.members.iter())
            .filter(|m| m.alive == running)
            .map(|m| m.consumer.0)
            .collect()
    }

    fn pick(list: &[u32], i: usize) -> Option<u32> {
        (!list.is_empty()).then(|| list[i % list.len()])
    }

    /// Brings the killed or isolated broker back.
    fn revive_broker(&mut self) {
        if let Some((broker, isolated)) = self.down.take() {
            let command = if isolated {
                Command::ReconnectBroker { broker }
            } else {
                Command::RestartBroker { broker }
            };
            self.apply(command).expect("bring the broker back");
        }
    }

    fn heal_links(&mut self) {
        for (from, to) in self.t.sim.cut_links() {
            let node = |n: NodeId| match n {
                NodeId::Controller => NodeRef::Controller,
                NodeId::Broker(b) => NodeRef::Broker(b.0),
                NodeId::Producer(p) => NodeRef::Producer(p.0),
                NodeId::Consumer(c) => NodeRef::Consumer(c.0),
            };
            self.apply(Command::HealLink {
                from: node(from),
                to: node(to),
            })
            .expect("heal a cut link");
        }
    }

    fn play(&mut self, op: &GroupOp) -> Result<(), TestCaseError> {
        match *op {
            GroupOp::Join {
                processing_ms,
                max_poll_records,
            } => self.join(processing_ms, max_poll_records),
            GroupOp::Leave(i) => {
                if let Some(consumer) = Self::pick(&self.consumers(true), i) {
                    self.consumer_command(Command::StopConsumer { consumer })?;
                }
            }
            GroupOp::Crash(i) => {
                if let Some(consumer) = Self::pick(&self.consumers(true), i) {
                    self.consumer_command(Command::CrashConsumer { consumer })?;
                    self.crashed = true;
                }
            }
            GroupOp::Restart(i) => {
                if let Some(consumer) = Self::pick(&self.consumers(false), i) {
                    self.consumer_command(Command::RestartConsumer { consumer })?;
                }
            }
            GroupOp::KillBroker { broker, isolate } => {
                if self.down.is_some() {
                    self.revive_broker();
                } else {
                    let command = if isolate {
                        Command::IsolateBroker { broker }
                    } else {
                        Command::KillBroker { broker }
                    };
                    self.apply(command).expect("take a broker down");
                    self.down = Some((broker, isolate));
                }
            }
            GroupOp::CutConsumer {
                consumer,
                broker,
                to_broker,
                from_broker,
            } => {
                let all: Vec<u32> = self.t.sim.consumer_ids().iter().map(|c| c.0).collect();
                if let Some(c) = Self::pick(&all, consumer) {
                    let (c, b) = (NodeRef::Consumer(c), NodeRef::Broker(broker));
                    if to_broker {
                        self.apply(Command::CutLink { from: c, to: b })
                            .expect("cut a consumer link");
                    }
                    if from_broker {
                        self.apply(Command::CutLink { from: b, to: c })
                            .expect("cut a consumer link");
                    }
                }
            }
            GroupOp::HealLinks => self.heal_links(),
            GroupOp::AddPartitions(more) => {
                // Not with static members: a static leader that restarts while the topic grows
                // rejoins with `skipAssignment` and takes the grown metadata as its assignment
                // snapshot (`ConsumerCoordinator.onLeaderElected`), so Kafka itself leaves the
                // new partitions unassigned until the next rebalance.
                let now = self.t.sim.partitions_of(TOPIC).len() as u32;
                if self.down.is_none() && now < MAX_PARTITIONS && !self.static_members {
                    // Refused while a restarted broker is still fenced: fine.
                    match self.apply(Command::AddPartitions {
                        topic: TOPIC.into(),
                        partitions: (now + more).min(MAX_PARTITIONS),
                    }) {
                        Ok(()) | Err(CommandError::InvalidReplicationFactor { .. }) => {}
                        Err(e) => return Err(self.fail(&format!("AddPartitions refused: {e:?}"))),
                    }
                }
            }
            GroupOp::Produce { count, keys } => {
                self.apply(Command::ProduceMany {
                    producer: 0,
                    topic: TOPIC.into(),
                    count,
                    keys,
                    value_bytes: 16,
                })
                .expect("produce accepted");
            }
            GroupOp::Advance(ms) => self.t.run_for_ms(ms),
        }
        Ok(())
    }

    /// A consumer command on a consumer the group view says is in the right state: the
    /// simulator must accept it.
    fn consumer_command(&mut self, command: Command) -> Result<(), TestCaseError> {
        match self.apply(command.clone()) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(&format!(
                "{command:?} refused with {e:?} although the group view says the consumer is in \
                 the right state"
            ))),
        }
    }

    /// Brings the broker back, heals every link, restarts every stopped or crashed consumer,
    /// then lets the run settle.
    fn heal(&mut self) -> Result<(), TestCaseError> {
        self.revive_broker();
        self.heal_links();
        // A graceful stop finishes the batch in hand first (at most max.poll.records ×
        // processing.ms.per.record, 10 s here): wait for it, so that every consumer is either
        // running or stopped.
        for _ in 0..30 {
            let closing = self
                .t
                .group(GROUP)
                .members
                .iter()
                .any(|m| m.client_state == "closing");
            if !closing {
                break;
            }
            self.t.run_for_ms(1_000);
        }
        for consumer in self.consumers(false) {
            self.consumer_command(Command::RestartConsumer { consumer })?;
        }
        self.t.run_for_ms(HEAL_MS);
        // Liveness after healing: new records are consumed too.
        self.apply(Command::ProduceMany {
            producer: 0,
            topic: TOPIC.into(),
            count: 10,
            keys: 5,
            value_bytes: 16,
        })
        .expect("produce accepted");
        self.wait_until_settled()
    }

    /// Whether the group is Stable, every running member is stable in the group's generation and
    /// idle in `poll()`, nothing is left to send, and every partition is owned by a running member
    /// whose position reached the high watermark (everything committed was handed to it and, the
    /// member being back in `poll()`, processed). Committed offsets may lag: a commit that failed
    /// during a rebalance (RebalanceInProgressException) is only made up by the next one.
    fn settled(&self) -> bool {
        let Some(g) = self
            .t
            .sim
            .group_views()
            .into_iter()
            .find(|g| g.group == GROUP)
        else {
            return false;
        };
        g.state == "Stable"
            && self.t.sim.pending_sends() == 0
            && g.members
                .iter()
                .filter(|m| m.alive)
                .all(|m| m.generation == g.generation && m.client_state == "polling")
            && g.lag.len() == self.t.sim.partitions_of(TOPIC).len()
            && g.lag
                .iter()
                .all(|row| row.owner.is_some() && row.position == Some(row.log_end_offset))
    }

    /// Runs until `settled()` holds twice, 5 s apart, in the same generation.
    fn wait_until_settled(&mut self) -> Result<(), TestCaseError> {
        let deadline = self.t.sim.now().plus_ms(SETTLE_LIMIT_MS);
        while self.t.sim.now() < deadline {
            if self.settled() {
                let generation = self.t.group(GROUP).generation;
                self.t.run_for_ms(5_000);
                if self.settled() && self.t.group(GROUP).generation == generation {
                    return Ok(());
                }
            } else {
                self.t.run_for_ms(1_000);
            }
        }
        Err(self.fail(&format!(
            "the group did not settle within {} s of healing: {:#?}",
            SETTLE_LIMIT_MS / 1_000,
            self.t.group(GROUP)
        )))
    }

    /// Each running member's partitions.
    fn ownership(&self) -> BTreeMap<u32, BTreeSet<TopicPartition>> {
        self.t
            .group(GROUP)
            .members
            .iter()
            .filter(|m| m.alive)
            .map(|m| (m.consumer.0, m.assigned.iter().copied().collect()))
            .collect()
    }

    fn names(&self, tps: &BTreeSet<TopicPartition>) -> Vec<String> {
        tps.iter().map(|tp| self.t.sim.tp_name(*tp)).collect()
    }

    /// A failure with everything needed to reproduce and read it.
    fn fail(&self, what: &str) -> TestCaseError {
        let commands: String = self
            .commands
            .iter()
            .map(|c| {
                format!(
                    "  {{\"at\": {}, \"command\": {}}},\n",
                    c.at.0,
                    serde_json::to_string(&c.command).unwrap()
                )
            })
            .collect();
        TestCaseError::fail(format!(
            "{what}\n\nassignor {}, commit {:?}, static members {}, seed {} \
             (TestCluster::new(3, seed), topic {TOPIC} with {} partitions, RF 3, \
             min.insync.replicas 2 at 2000 ms); commands applied:\n{commands}\nlast events:\n{}",
            self.assignor.name(),
            self.commit,
            self.static_members,
            self.seed,
            self.initial_partitions,
            narrated_tail(&self.t.sim, &self.t.events, 80)
        ))
    }

    // ---- the checks -------------------------------------------------------------------------

    /// (a) and (b): one owner per partition, balance, exact maps for range and roundrobin.
    fn check_assignment(&self) -> Result<(), TestCaseError> {
        let g = self.t.group(GROUP);
        let owned = self.ownership();
        let partitions: BTreeSet<TopicPartition> =
            self.t.sim.partitions_of(TOPIC).into_iter().collect();
        let mut owners: BTreeMap<TopicPartition, Vec<u32>> = BTreeMap::new();
        for (c, tps) in &owned {
            for tp in tps {
                owners.entry(*tp).or_default().push(*c);
            }
        }
        for tp in &partitions {
            match owners.get(tp).map(Vec::as_slice) {
                Some([_]) => {}
                Some(many) => {
                    return Err(self.fail(&format!(
                        "(a) {} is owned by consumers {many:?}",
                        self.t.sim.tp_name(*tp)
                    )));
                }
                None => {
                    return Err(self.fail(&format!(
                        "(a) {} is owned by no running member: {owned:?}",
                        self.t.sim.tp_name(*tp)
                    )));
                }
            }
        }
        if let Some(stray) = owners.keys().find(|tp| !partitions.contains(tp)) {
            return Err(self.fail(&format!(
                "(a) a member owns {}, which is not a partition of {TOPIC}",
                self.t.sim.tp_name(*stray)
            )));
        }
        // Each member owns what the coordinator installed for it in this generation (under its
        // old member id if it is a static member that came back since: KIP-345 replacement).
        let installed_at = self.t.events.iter().rposition(|e| {
            matches!(&e.kind, EventKind::Group {
                group,
                event: GroupEvent::AssignmentInstalled { generation_id, .. },
                ..
            } if group == GROUP && generation_id.0 == g.generation)
        });
        let Some(installed_at) = installed_at else {
            return Err(self.fail(&format!(
                "(a) no AssignmentInstalled event for generation {}",
                g.generation
            )));
        };
        let EventKind::Group {
            event: GroupEvent::AssignmentInstalled { assignment, .. },
            ..
        } = &self.t.events[installed_at].kind
        else {
            unreachable!()
        };
        let mut installed: BTreeMap<String, Vec<String>> = assignment
            .iter()
            .map(|(id, tps)| (id.0.clone(), tps.iter().map(|tp| tp.to_string()).collect()))
            .collect();
        for e in &self.t.events[installed_at..] {
            if let EventKind::Group {
                group,
                event:
                    GroupEvent::StaticMemberReplaced {
                        old_member_id,
                        new_member_id,
                        ..
                    },
                ..
            } = &e.kind
                && group == GROUP
                && let Some(tps) = installed.remove(&old_member_id.0)
            {
                installed.insert(new_member_id.0.clone(), tps);
            }
        }
        for m in g.members.iter().filter(|m| m.alive) {
            let mine: Vec<String> = installed.get(&m.member_id).cloned().unwrap_or_default();
            let mut mine_sorted = mine.clone();
            mine_sorted.sort();
            let mut has: Vec<String> = m
                .assigned
                .iter()
                .map(|tp| self.t.sim.tp_name(*tp))
                .collect();
            has.sort();
            if mine_sorted != has {
                return Err(self.fail(&format!(
                    "(a) consumer {} ({}) owns {has:?} but the coordinator installed {mine:?} \
                     for it in generation {}",
                    m.consumer.0, m.member_id, g.generation
                )));
            }
        }
        // (b) balance.
        let counts: Vec<usize> = owned.values().map(BTreeSet::len).collect();
        let (min, max) = (
            counts.iter().min().copied().unwrap_or(0),
            counts.iter().max().copied().unwrap_or(0),
        );
        if max - min > 1 {
            return Err(self.fail(&format!(
                "(b) unbalanced: {:?}",
                owned
                    .iter()
                    .map(|(c, tps)| (*c, self.names(tps)))
                    .collect::<Vec<_>>()
            )));
        }
        // (b) exact maps. Members in `MemberInfo.compareTo` order: by `group.instance.id` when
        // static (all or none are here), else by member id (Java `String.compareTo`).
        let mut members: Vec<(String, u32)> = g
            .members
            .iter()
            .filter(|m| m.alive)
            .map(|m| {
                let key = if self.static_members {
                    format!("{STATIC_PREFIX}-{}", m.consumer.0)
                } else {
                    m.member_id.clone()
                };
                (key, m.consumer.0)
            })
            .collect();
        members.sort_by(|a, b| compare_strings(&a.0, &b.0));
        let p = partitions.len();
        let n = members.len();
        let expected: Option<BTreeMap<u32, BTreeSet<u32>>> = match self.assignor {
            // RangeAssignor: member i gets [i*q + min(i, x), + q + (i < x)).
            AssignmentStrategy::Range => Some(
                members
                    .iter()
                    .enumerate()
                    .map(|(i, (_, c))| {
                        let (q, x) = (p / n, p % n);
                        let start = i * q + i.min(x);
                        let len = q + usize::from(i < x);
                        (*c, (start..start + len).map(|p| p as u32).collect())
                    })
                    .collect(),
            ),
            // RoundRobinAssignor with one topic: partition k goes to member k mod n.
            AssignmentStrategy::RoundRobin => Some(
                members
                    .iter()
                    .enumerate()
                    .map(|(i, (_, c))| {
                        (
                            *c,
                            (0..p).filter(|k| k % n == i).map(|k| k as u32).collect(),
                        )
                    })
                    .collect(),
            ),
            _ => None,
        };
        if let Some(expected) = expected {
            let actual: BTreeMap<u32, BTreeSet<u32>> = owned
                .iter()
                .map(|(c, tps)| (*c, tps.iter().map(|tp| tp.partition).collect()))
                .collect();
            if actual != expected {
                return Err(self.fail(&format!(
                    "(b) {} gave {actual:?} (consumer -> partitions), Kafka's definition gives \
                     {expected:?} for members {members:?}",
                    self.assignor.name()
                )));
            }
        }
        Ok(())
    }

    /// (d) over every event so far.
    fn check_no_violations(&self) -> Result<(), TestCaseError> {
        let bad = unallowed_group_violations(&self.t.events);
        if let Some(first) = bad.first() {
            return Err(self.fail(&format!(
                "(d) {} unallowed invariant violations, first at {} ms: {:?}\n  = {}",
                bad.len(),
                first.at.0,
                first.kind,
                kafka_sim::narrate::sentence(first, &self.t.sim)
            )));
        }
        Ok(())
    }

    /// (e) at-least-once: every committed record processed, nothing skipped. Every commit mode
    /// but `BeforeProcessing` commits only what was processed (auto-commit: the positions of
    /// earlier polls, processed before this one); `BeforeProcessing` may skip after a crash.
    fn check_processed_everything(&self) -> Result<(), TestCaseError> {
        if self.commit == CommitMode::BeforeProcessing && self.crashed {
            return Ok(());
        }
        processed_every_committed_record(&self.t.sim, GROUP, TOPIC)
            .map_err(|e| self.fail(&format!("(e) {e}")))
    }

    /// One member leaves; after the next settled state (a), (b) hold again and, with
    /// `stickiness`, (c): for the sticky assignors every survivor keeps its partitions.
    fn leave_one(&mut self, leaver: usize, stickiness: bool) -> Result<(), TestCaseError> {
        let running = self.consumers(true);
        if running.len() < 2 {
            return Ok(());
        }
        let before = self.ownership();
        let leaver = running[leaver % running.len()];
        let from_event = self.t.events.len();
        self.consumer_command(Command::StopConsumer { consumer: leaver })?;
        // Let the leave reach the coordinator, then wait for the next settled state.
        self.t.run_for_ms(2_000);
        self.wait_until_settled()?;
        if self.consumers(true).contains(&leaver) {
            return Err(self.fail(&format!(
                "consumer {leaver} is still running after StopConsumer"
            )));
        }
        self.check_assignment()?;
        if !stickiness
            || !matches!(
                self.assignor,
                AssignmentStrategy::Sticky | AssignmentStrategy::CooperativeSticky
            )
        {
            return Ok(());
        }
        let after = self.ownership();
        // The last PartitionsAssigned of each survivor in this phase says what it owns now.
        let mut last_assigned: BTreeMap<u32, BTreeSet<TopicPartition>> = BTreeMap::new();
        for e in &self.t.events[from_event..] {
            match &e.kind {
                EventKind::PartitionsAssigned {
                    consumer, assigned, ..
                } => {
                    last_assigned.insert(consumer.0, assigned.iter().copied().collect());
                }
                EventKind::PartitionsRevoked {
                    consumer, revoked, ..
                } if self.assignor == AssignmentStrategy::CooperativeSticky
                    && consumer.0 != leaver
                    && !revoked.is_empty() =>
                {
                    return Err(self.fail(&format!(
                        "(c) cooperative-sticky: survivor {} revoked {:?} when consumer {leaver} \
                         left (before: {:?})",
                        consumer.0,
                        revoked
                            .iter()
                            .map(|tp| self.t.sim.tp_name(*tp))
                            .collect::<Vec<_>>(),
                        self.names(&before[&consumer.0])
                    )));
                }
                _ => {}
            }
        }
        for (c, had) in before.iter().filter(|(c, _)| **c != leaver) {
            let now = after.get(c).cloned().unwrap_or_default();
            let reported = last_assigned.get(c).unwrap_or(&now);
            if !had.is_subset(&now) || !had.is_subset(reported) {
                return Err(self.fail(&format!(
                    "(c) {}: survivor {c} had {:?} before consumer {leaver} left, owns {:?} \
                     after (last PartitionsAssigned: {:?})",
                    self.assignor.name(),
                    self.names(had),
                    self.names(&now),
                    self.names(reported)
                )));
            }
        }
        Ok(())
    }
}

/// Which checks a test makes.
#[derive(Clone, Copy, PartialEq)]
enum Checks {
    /// (a), (b), (d), (e) after healing, and (a), (b), (d) again after one member left.
    Group,
    /// (c) — and (a), (b) — when one member leaves after healing (which must still settle).
    Stickiness,
}

/// One whole case: operations, healing, the checks, one member leaving.
fn run_case(
    assignor: AssignmentStrategy,
    case: &Case,
    checks: Checks,
) -> Result<GroupRun, TestCaseError> {
    let mut run = GroupRun::start(assignor, case);
    for op in &case.ops {
        run.play(op)?;
    }
    run.heal()?;
    if checks == Checks::Group {
        run.check_no_violations()?;
        run.check_assignment()?;
        run.check_processed_everything()?;
    }
    run.leave_one(case.leaver, checks == Checks::Stickiness)?;
    if checks == Checks::Group {
        run.check_no_violations()?;
    }
    Ok(run)
}

fn cases() -> u32 {
    std::env::var("KAFKA_SIM_GROUP_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

/// The generator's seed: fixed so that a default run is repeatable, `KAFKA_SIM_GROUP_SEED=N`
/// explores other cases.
fn rng_seed() -> u64 {
    std::env::var("KAFKA_SIM_GROUP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6b61_666b_6167_7270)
}

fn proptest_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(rng_seed()),
        // Each case is a whole simulated run: keep shrinking bounded.
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(proptest_config(cases()))]

    #[test]
    fn range_group_survives_faults(case in case()) {
        run_case(AssignmentStrategy::Range, &case, Checks::Group)?;
    }

    #[test]
    fn roundrobin_group_survives_faults(case in case()) {
        run_case(AssignmentStrategy::RoundRobin, &case, Checks::Group)?;
    }

    #[test]
    fn sticky_group_survives_faults(case in case()) {
        run_case(AssignmentStrategy::Sticky, &case, Checks::Group)?;
    }

    #[test]
    fn cooperative_sticky_group_survives_faults(case in case()) {
        run_case(AssignmentStrategy::CooperativeSticky, &case, Checks::Group)?;
    }

    /// (c) for the eager `sticky` assignor.
    #[test]
    fn sticky_survivors_keep_their_partitions(case in case()) {
        run_case(AssignmentStrategy::Sticky, &case, Checks::Stickiness)?;
    }

    /// (c) for `cooperative-sticky`.
    #[test]
    fn cooperative_sticky_survivors_keep_their_partitions(case in case()) {
        run_case(AssignmentStrategy::CooperativeSticky, &case, Checks::Stickiness)?;
    }
}

proptest! {
    #![proptest_config(proptest_config(cases().div_ceil(4).max(1)))]

    /// (f) the same seed and operations give the same events, for every assignor.
    #[test]
    fn same_seed_same_ops_same_events(case in case()) {
        for assignor in AssignmentStrategy::ALL {
            let a = run_case(assignor, &case, Checks::Group);
            let b = run_case(assignor, &case, Checks::Group);
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    prop_assert!(
                        a.t.events == b.t.events,
                        "{}: seed {}: same seed and operations, different events",
                        assignor.name(),
                        case.seed
                    );
                    prop_assert_eq!(a.commands, b.commands);
                }
                // A failing case must fail the same way twice (the other tests report it).
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(
                    false,
                    "{}: seed {}: one run passed, the other failed: {:?} / {:?}",
                    assignor.name(),
                    case.seed,
                    a.err(),
                    b.err()
                ),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Minimal reproductions of what the properties found
// ---------------------------------------------------------------------------------------------

/// Three members on three partitions, one per member (seed 0).
fn three_members(assignor: AssignmentStrategy, processing_ms: u64) -> TestCluster {
    let mut t = TestCluster::new(3, 0).topic(TOPIC, 3, 3, topic_config(2, false));
    for _ in 0..3 {
        t.consumer(
            GROUP,
            &[TOPIC],
            Some(consumer_config(assignor, processing_ms, 500)),
        );
    }
    t.run_for_ms(10_000);
    t
}

/// Found by `sticky_survivors_keep_their_partitions` (c). `StickyAssignor` (eager) sends its
/// previous assignment and generation in its userData (`memberAssignment`, set in `onAssignment`
/// and not cleared by the eager revocation in `onJoinPrepare`), so when one of three members
/// leaves, the two survivors keep their partitions and share the leaver's. The simulator revokes
/// everything before building the JoinGroup (`join_if_needed` → `revoke_all` → `send_join` reads
/// the now empty `assigned`), so the leader sees no previous ownership and reassigns from scratch:
/// consumer 1 goes from `[orders-1]` to `[orders-0, orders-2]`, consumer 2 from `[orders-2]` to
/// `[orders-1]`.
#[test]
fn sticky_survivors_keep_their_partitions_after_a_leave() {
    let mut t = three_members(AssignmentStrategy::Sticky, 0);
    let before = t.assignment(GROUP);
    assert_eq!(
        before.iter().filter(|(_, tps)| tps.len() == 1).count(),
        3,
        "{before:?}"
    );
    t.apply(Command::StopConsumer { consumer: 0 });
    t.run_for_ms(10_000);
    let after = t.assignment(GROUP);
    for ((c, had), (_, has)) in before.iter().zip(&after).skip(1) {
        assert!(
            had.iter().all(|tp| has.contains(tp)),
            "consumer {c} had {had:?}, has {has:?} after consumer 0 left: {after:?}\n{}",
            narrated_tail(&t.sim, &t.events, 40)
        );
    }
}

/// The same with `cooperative-sticky` (passes: ownedPartitions are sent).
#[test]
fn cooperative_sticky_survivors_keep_their_partitions_after_a_leave() {
    let mut t = three_members(AssignmentStrategy::CooperativeSticky, 0);
    let before = t.assignment(GROUP);
    t.apply(Command::StopConsumer { consumer: 0 });
    t.run_for_ms(10_000);
    let after = t.assignment(GROUP);
    for ((c, had), (_, has)) in before.iter().zip(&after).skip(1) {
        assert!(
            had.iter().all(|tp| has.contains(tp)),
            "consumer {c} had {had:?}, has {has:?} after consumer 0 left: {after:?}"
        );
    }
}

/// Found by `cooperative_sticky_group_survives_faults` (d). A cooperative member keeps polling
/// while it rejoins (KIP-429); the records a `poll()` returned are processed before the next
/// `poll()`, and only inside `poll()` does the consumer run `onJoinComplete` and revoke what the
/// new assignment took away (`ConsumerCoordinator.onJoinComplete` / `invokePartitionsRevoked`
/// run on the application thread). In the simulator the SyncGroup answer revokes `orders-1`
/// while the application is still processing a batch of `orders-1`, the batch is processed
/// anyway (`ProcessesOnlyOwnedPartitions` violated) and its offsets are not committed, so the new
/// owner processes the same 50 records again.
#[test]
fn cooperative_revocation_waits_for_the_batch_in_processing() {
    let mut t = TestCluster::new(3, 0).topic(TOPIC, 2, 3, topic_config(2, false));
    let slow = consumer_config(AssignmentStrategy::CooperativeSticky, 20, 50);
    t.consumer(GROUP, &[TOPIC], Some(slow.clone()));
    t.run_for_ms(5_000);
    t.apply(Command::ProduceMany {
        producer: 0,
        topic: TOPIC.into(),
        count: 200,
        keys: 10,
        value_bytes: 16,
    });
    t.run_for_ms(500);
    t.consumer(GROUP, &[TOPIC], Some(slow));
    t.run_for_ms(30_000);
    let bad = unallowed_group_violations(&t.events);
    assert!(
        bad.is_empty(),
        "{:?}\n{}",
        bad.first().map(|e| &e.kind),
        narrated_tail(&t.sim, &t.events, 60)
    );
}

/// Found by `cooperative_sticky_survivors_keep_their_partitions` (c), fixed in 4331df8: a survivor lost its
/// partitions during a plain cooperative rebalance. A cooperative member keeps polling while it
/// rejoins, and the simulator keeps sending offset commits then (auto-commit here) with the old
/// generation; once the new generation has formed the coordinator answers ILLEGAL_GENERATION and
/// the member resets its membership and loses everything it owns (one more rebalance, partitions
/// moved that cooperative-sticky would have kept). Kafka's client does not send such a commit:
/// `ConsumerCoordinator.sendOffsetCommitRequest` uses `generationIfStable()`, which is null while
/// the member is not STABLE, and fails the commit locally with a `RebalanceInProgressException`
/// (retriable; no generation reset, nothing lost).
#[test]
fn commits_wait_while_a_cooperative_member_rejoins() {
    let mut t = TestCluster::new(3, 1).topic(TOPIC, 3, 3, topic_config(2, false));
    let fast = ConsumerConfig {
        commit: CommitMode::Auto,
        auto_commit_interval_ms: 100,
        ..consumer_config(AssignmentStrategy::CooperativeSticky, 0, 500)
    };
    let slow = consumer_config(AssignmentStrategy::CooperativeSticky, 20, 50);
    t.consumer(GROUP, &[TOPIC], Some(fast.clone()));
    t.consumer(GROUP, &[TOPIC], Some(slow));
    t.run_for_ms(8_000);
    // A steady stream keeps both busy; a third member joins.
    for i in 0..30 {
        t.apply(Command::ProduceMany {
            producer: 0,
            topic: TOPIC.into(),
            count: 20,
            keys: 10,
            value_bytes: 16,
        });
        t.run_for_ms(100);
        if i == 0 {
            t.consumer(GROUP, &[TOPIC], Some(fast.clone()));
        }
    }
    t.run_for_ms(20_000);
    // Nobody crashed, was cut off or timed out: no member may lose its membership. (A commit that
    // fails locally with REBALANCE_IN_PROGRESS while the member rejoins is Kafka's behaviour.)
    let lost: Vec<&Event> = t
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::PartitionsRevoked { lost: true, .. }
                    | EventKind::OffsetCommitFailed {
                        error: kafka_sim::group::GroupError::IllegalGeneration
                            | kafka_sim::group::GroupError::UnknownMemberId,
                        ..
                    }
            )
        })
        .collect();
    assert!(
        lost.is_empty(),
        "{}\n\n{}",
        lost.iter()
            .map(|e| format!("{} ms {}", e.at.0, kafka_sim::narrate::sentence(e, &t.sim)))
            .collect::<Vec<_>>()
            .join("\n"),
        narrated_tail(&t.sim, &t.events, 60)
    );
}

/// Found by `range_group_survives_faults` (d) on bd3ddf5, with any assignor; fixed in 4331df8.
/// The same defect as `cooperative_revocation_waits_for_the_batch_in_processing`, for lost
/// partitions. The coordinator's broker dies while the only consumer processes a batch; the new
/// coordinator did not know the member (membership was not persisted before 3f45283), the next
/// heartbeat or commit got UNKNOWN_MEMBER_ID and the simulator dropped the partitions at once,
/// then processed the rest of the batch ("processed 50 records of orders-1 after giving it up").
/// Kafka runs `onPartitionsLost` from the next `poll()` (`onJoinPrepare`), after the batch. Since
/// 3f45283 the new coordinator loads the membership, so this run no longer loses it at all.
#[test]
fn lost_partitions_are_given_up_after_the_batch_in_processing() {
    let mut t = TestCluster::new(3, 1).topic(TOPIC, 2, 3, topic_config(2, false));
    t.consumer(
        GROUP,
        &[TOPIC],
        Some(consumer_config(AssignmentStrategy::Range, 20, 50)),
    );
    t.run_for_ms(8_000);
    t.apply(Command::ProduceMany {
        producer: 0,
        topic: TOPIC.into(),
        count: 200,
        keys: 10,
        value_bytes: 16,
    });
    t.run_for_ms(300);
    let coordinator = t.group(GROUP).coordinator.expect("a coordinator").0;
    t.apply(Command::KillBroker {
        broker: coordinator,
    });
    t.run_for_ms(20_000);
    let bad = unallowed_group_violations(&t.events);
    assert!(
        bad.is_empty(),
        "{:?}\n{}",
        bad.first().map(|e| &e.kind),
        narrated_tail(&t.sim, &t.events, 60)
    );
}

/// Found by `range_group_survives_faults` (after healing, a partition added to the topic was
/// never owned). A consumer process that starts again must not remember its previous life's
/// metadata; Kafka's new `KafkaConsumer` fetches metadata afresh (and every client refreshes it
/// every `metadata.max.age.ms`, 5 minutes). In the simulator a restarted consumer keeps its old
/// partition counts and its metadata request back-off: stopped and restarted twice at the instant
/// the topic grows, its second incarnation sends no MetadataRequest (back-off), the first one's
/// answer and the controller's push are dropped (sent to an older incarnation), and nothing ever
/// refreshes it. The group stays Stable on `[orders-0]` for good; `orders-1` is never consumed.
#[test]
fn restarted_consumer_sees_partitions_added_meanwhile() {
    let mut t = TestCluster::new(3, 0).topic(TOPIC, 1, 3, topic_config(2, false));
    t.consumer(
        GROUP,
        &[TOPIC],
        Some(consumer_config(AssignmentStrategy::Range, 0, 500)),
    );
    t.run_for_ms(10_000);
    for c in [
        Command::AddPartitions {
            topic: TOPIC.into(),
            partitions: 2,
        },
        Command::StopConsumer { consumer: 0 },
        Command::RestartConsumer { consumer: 0 },
        Command::StopConsumer { consumer: 0 },
        Command::RestartConsumer { consumer: 0 },
    ] {
        t.apply(c);
    }
    // Longer than metadata.max.age.ms (300 s).
    t.run_for_ms(400_000);
    assert_eq!(
        t.assignment(GROUP),
        vec![(0, vec!["orders-0".to_string(), "orders-1".to_string()])]
    );
}

/// Found while reading the runs above. `close()` sends LeaveGroup and waits for it
/// (`AbstractCoordinator.close` → `maybeLeaveGroup`, then `awaitPendingRequests`), so a consumer
/// stopped and started again right away has left the group before its new incarnation joins: the
/// coordinator removes the old member because it left. In the simulator the LeaveGroup is dropped
/// in flight (messages from an older incarnation are discarded), the old member lingers until
/// `session.timeout.ms`, and the rebalance waits for it.
#[test]
fn leave_group_is_delivered_when_the_consumer_restarts_at_once() {
    let mut t = TestCluster::new(3, 0).topic(TOPIC, 1, 3, topic_config(2, false));
    t.consumer(
        GROUP,
        &[TOPIC],
        Some(consumer_config(AssignmentStrategy::Range, 0, 500)),
    );
    t.run_for_ms(10_000);
    let from = t.events.len();
    t.apply(Command::StopConsumer { consumer: 0 });
    t.apply(Command::RestartConsumer { consumer: 0 });
    t.run_for_ms(15_000);
    let removals: Vec<&kafka_sim::group::RemovalReason> = t.events[from..]
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Group {
                event: GroupEvent::MemberRemoved { reason, .. },
                ..
            } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        removals,
        vec![&kafka_sim::group::RemovalReason::LeaveGroup],
        "{}",
        narrated_tail(&t.sim, &t.events[from..], 30)
    );
}

/// Found by `cooperative_sticky_group_survives_faults` on b539de3 (the group never settled). A
/// cooperative member with auto-commit that must rejoin (a second member joins) first commits
/// (`onJoinPrepare`, state "committing before rejoin") and keeps polling meanwhile (KIP-429). When
/// that commit completes while the application is processing a record, no JoinGroup follows and
/// the member stays "committing before rejoin" for good: its heartbeats stop, the coordinator
/// removes it after `session.timeout.ms` and gives both partitions to the newcomer, while the old
/// member goes on fetching and processing them in generation 1: two consumers process the same
/// partitions for ever. In Kafka the `onJoinPrepare` commit blocks inside `poll()`, and the
/// JoinGroup is sent as soon as it completes.
#[test]
fn cooperative_member_rejoins_after_its_auto_commit() {
    let mut t = TestCluster::new(3, 0).topic(TOPIC, 2, 3, topic_config(2, false));
    let config = ConsumerConfig {
        commit: CommitMode::Auto,
        ..consumer_config(AssignmentStrategy::CooperativeSticky, 13, 1)
    };
    t.consumer(GROUP, &[TOPIC], Some(config.clone()));
    t.run_for_ms(5_000);
    t.apply(Command::ProduceMany {
        producer: 0,
        topic: TOPIC.into(),
        count: 500,
        keys: 10,
        value_bytes: 16,
    });
    t.run_for_ms(1_000);
    t.consumer(GROUP, &[TOPIC], Some(config));
    t.run_for_ms(60_000);
    let g = t.group(GROUP);
    let stuck: Vec<_> = g
        .members
        .iter()
        .filter(|m| m.generation != g.generation)
        .map(|m| {
            (
                m.consumer.0,
                m.client_state.clone(),
                m.generation,
                m.assigned.len(),
            )
        })
        .collect();
    assert!(
        g.state == "Stable" && stuck.is_empty(),
        "group {} in generation {}; members outside it (consumer, state, generation, \
         partitions): {stuck:?}\n{}",
        g.state,
        g.generation,
        narrated_tail(&t.sim, &t.events, 40)
    );
}
