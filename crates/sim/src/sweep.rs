//! Seed sweeps: many runs of random operations with faults, each checked at the end against what
//! its configuration promises (TigerBeetle's VOPR, Jepsen's lost-write / duplicate / poll-skip).
//!
//! One seed is one run: a 3-broker cluster with topic `orders` (3 partitions, RF 3), one or two
//! consumer groups committing synchronously after processing, and `ops` operations drawn from the
//! seed — produce (half of them), kill or restart a broker (at most one down at a time), cut a
//! broker link, reconnect every broker, elect preferred leaders, crash / stop / restart a consumer
//! — each followed by 10 ms to 3 s of simulated time. Then every fault is healed, three more
//! records are produced, and the groups get up to three simulated minutes to catch up. The end
//! checks (`Finding`) say what broke:
//!
//! ```text
//!   ops with faults ──▶ heal ──▶ produce 3 ──▶ groups catch up ──▶ check: lost = 0, invariants,
//!                                                                  groups processed everything,
//!                                                                  ISR full, sends settled, …
//! ```
//!
//! The generator draws from its own `SimRng`s (not the `Sim`'s), so a seed names the same
//! operations on every target; a run is also exported as a `Scenario` that `kafka-sim run`
//! replays exactly. [`sweep`] runs a range of seeds and sums them into a [`SweepReport`].

mod checks;
mod report;

pub use checks::{Finding, consumers_running, group_caught_up, processed_every_committed_record};
pub use report::{KEPT_FAILURES, SeedOutcome, SweepPlan, SweepReport, ViolationTally, sweep};

use serde::{Deserialize, Serialize};

use crate::assignor::AssignmentStrategy;
use crate::command::{Command, NodeRef, TimedCommand};
use crate::config::{Acks, CommitMode, ConsumerConfig, SimConfig, TopicConfig};
use crate::error::CommandError;
use crate::event::{AllowedBy, Event, EventKind};
use crate::group::GroupEvent;
use crate::rng::SimRng;
use crate::scenario::{Scenario, Timing};
use crate::sim::Sim;

/// The topic every sweep run produces to and consumes from.
pub const TOPIC: &str = "orders";
/// Partitions of [`TOPIC`].
pub const PARTITIONS: u32 = 3;
/// Brokers in the cluster (and the topic's replication factor).
pub const BROKERS: u32 = 3;

/// Which cluster a sweep runs, and so what it promises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// acks=all, idempotence, RF 3, min.insync.replicas 2, unclean election off, at most one
    /// broker down: no acknowledged write may be lost, nothing may be duplicated.
    #[default]
    Guarded,
    /// The same cluster with `acks=1` (and so no idempotence): acknowledged writes may be lost
    /// when a leader dies before its followers fetched them; every other check still holds.
    Acks1,
}

impl Profile {
    /// Every profile, in the order the CLI lists them.
    pub const ALL: [Profile; 2] = [Profile::Guarded, Profile::Acks1];

    /// The profile's name on the command line (`guarded`, `acks1`).
    pub fn name(self) -> &'static str {
        match self {
            Profile::Guarded => "guarded",
            Profile::Acks1 => "acks1",
        }
    }

    /// The profile by its command-line name.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The settings in Kafka's words.
    pub fn describe(self) -> &'static str {
        match self {
            Profile::Guarded => {
                "acks=all, enable.idempotence=true, RF 3, min.insync.replicas=2, unclean.leader.election.enable=false, at most one broker down"
            }
            Profile::Acks1 => {
                "acks=1, enable.idempotence=false, RF 3, min.insync.replicas=2, unclean.leader.election.enable=false, at most one broker down"
            }
        }
    }

    /// The cluster's configuration: demo timing with this profile's producer settings.
    pub fn sim_config(self) -> SimConfig {
        let mut config = SimConfig::demo_timing();
        config.brokers = BROKERS;
        let idempotent = self.idempotent();
        config.producer.acks = if idempotent { Acks::All } else { Acks::One };
        config.producer.enable_idempotence = idempotent;
        config
    }

    /// The configuration of [`TOPIC`].
    pub fn topic_config(self) -> TopicConfig {
        TopicConfig {
            min_insync_replicas: Some(2),
            unclean_leader_election_enable: Some(false),
            ..TopicConfig::default()
        }
    }

    /// The setting that makes losing an acknowledged write expected, if any.
    pub fn allows_loss(self) -> Option<AllowedBy> {
        match self {
            Profile::Guarded => None,
            Profile::Acks1 => Some(AllowedBy::Acks1),
        }
    }

    /// Whether the producer is idempotent (no duplicates, acknowledged in send order).
    pub fn idempotent(self) -> bool {
        self == Profile::Guarded
    }
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(name: &str) -> Result<Profile, String> {
        Profile::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
            format!(
                "unknown config {name:?} (expected one of: {})",
                names.join(", ")
            )
        })
    }
}

/// One finished sweep run: the `Sim` at its end and what the run recorded on the way.
#[derive(Clone, Debug)]
pub struct SeedRun {
    /// The profile it ran.
    pub profile: Profile,
    /// Its seed (the `Sim`'s and the generator's).
    pub seed: u64,
    /// How many random operations it applied before healing.
    pub ops: u32,
    /// The cluster at the end of the run.
    pub sim: Sim,
    /// The consumer groups it started.
    pub groups: Vec<&'static str>,
    /// Every command applied, at its time (refused ones included): the run as a scenario.
    pub commands: Vec<TimedCommand>,
    /// Commands the cluster refused (the generator only sends valid ones, so each is a finding).
    pub refused: Vec<(TimedCommand, CommandError)>,
    /// Every invariant violation the run emitted (allowed ones included).
    pub violations: Vec<Event>,
    /// Every event, when the run was asked to keep them (`run_keeping_events`).
    pub events: Vec<Event>,
    keep_events: bool,
}

impl SeedRun {
    /// Runs seed `seed` of `profile` with `ops` operations, keeping only the violations.
    pub fn run(profile: Profile, seed: u64, ops: u32) -> SeedRun {
        SeedRun::start(profile, seed, ops, false).finish()
    }

    /// Like [`SeedRun::run`], keeping every event (for replays and determinism checks).
    pub fn run_keeping_events(profile: Profile, seed: u64, ops: u32) -> SeedRun {
        SeedRun::start(profile, seed, ops, true).finish()
    }

    /// The end checks: what broke that this profile promises, and what broke that it allows.
    pub fn findings(&self) -> Vec<Finding> {
        checks::check(self)
    }

    /// The run's figures and findings.
    pub fn outcome(&self) -> SeedOutcome {
        SeedOutcome::of(self)
    }

    /// The run as a scenario: `kafka-sim run` on it reproduces this run event for event.
    pub fn scenario(&self) -> Scenario {
        Scenario {
            title: format!("sweep seed {} ({})", self.seed, self.profile.name()),
            description: format!(
                "Seed {} of `kafka-sim sweep --config {} --ops {}`: {}.",
                self.seed,
                self.profile.name(),
                self.ops,
                self.profile.describe()
            ),
            timing: Timing::Demo,
            until_ms: Some(self.sim.now().0),
            commands: self.commands.clone(),
            ..Scenario::new(self.sim.config().clone(), self.seed)
        }
    }

    fn start(profile: Profile, seed: u64, ops: u32, keep_events: bool) -> SeedRun {
        let sim = Sim::new(profile.sim_config(), seed).expect("the sweep's configs are valid");
        let mut run = SeedRun {
            profile,
            seed,
            ops,
            sim,
            groups: Vec::new(),
            commands: Vec::new(),
            refused: Vec::new(),
            violations: Vec::new(),
            events: Vec::new(),
            keep_events,
        };
        run.run_for_ms(2_000); // brokers register and are unfenced
        run.apply(Command::CreateTopic {
            name: TOPIC.into(),
            partitions: PARTITIONS,
            replication_factor: BROKERS,
            config: profile.topic_config(),
        });
        run.run_for_ms(1_000);
        run.start_groups();
        run
    }

    /// Starts one or two groups (`billing`, then `audit`) of one or two consumers each, each
    /// group with its own assignor, all committing synchronously after processing.
    fn start_groups(&mut self) {
        let mut choose = SimRng::new(self.seed ^ 0x6c0c_ab1e);
        let groups = &["billing", "audit"][..1 + choose.index(2)];
        for group in groups {
            let assignor = AssignmentStrategy::ALL[choose.index(4)];
            for _ in 0..1 + choose.below(2) {
                let config = ConsumerConfig {
                    partition_assignment_strategy: vec![assignor],
                    commit: CommitMode::SyncAfterProcessing,
                    processing_ms_per_record: choose.below(3),
                    max_poll_records: [10, 500][choose.index(2)],
                    ..ConsumerConfig::demo_timing()
                };
                self.apply(Command::AddConsumer {
                    group: (*group).into(),
                    topics: vec![TOPIC.into()],
                    config: Some(config),
                });
            }
        }
        self.groups = groups.to_vec();
    }

    /// Applies the random operations, heals, and waits for the groups.
    fn finish(mut self) -> SeedRun {
        let mut choose = SimRng::new(self.seed ^ 0x5eed);
        let mut down: Option<u32> = None;
        for _ in 0..self.ops {
            self.random_operation(&mut choose, &mut down);
            self.run_for_ms(choose.range_inclusive(10, 3_000));
        }
        self.heal(down);
        self
    }

    /// One operation; `down` is the broker killed and not yet restarted (at most one).
    fn random_operation(&mut self, choose: &mut SimRng, down: &mut Option<u32>) {
        let broker = |choose: &mut SimRng| 1 + choose.below(u64::from(BROKERS)) as u32;
        match choose.below(10) {
            0..=4 => {
                let key = format!("customer_{}", choose.below(20));
                self.produce(&key);
            }
            5 => match down.take() {
                Some(b) => self.apply(Command::RestartBroker { broker: b }),
                None => {
                    let b = broker(choose);
                    self.apply(Command::KillBroker { broker: b });
                    *down = Some(b);
                }
            },
            6 => {
                let (a, b) = (broker(choose), broker(choose));
                if a != b {
                    self.apply(Command::CutLink {
                        from: NodeRef::Broker(a),
                        to: NodeRef::Broker(b),
                    });
                }
            }
            7 => self.reconnect_brokers(),
            8 => self.apply(Command::ElectPreferredLeaders),
            _ => {
                // A consumer crashes, stops or comes back.
                let consumer = choose.index(self.sim.consumer_ids().len()) as u32;
                let command = if !consumers_running(&self.sim, true).contains(&consumer) {
                    Command::RestartConsumer { consumer }
                } else if choose.chance(2, 3) {
                    Command::CrashConsumer { consumer }
                } else {
                    Command::StopConsumer { consumer }
                };
                self.apply(command);
            }
        }
    }

    /// Heals every fault, checks that new writes are acknowledged, and lets the groups catch up.
    fn heal(&mut self, down: Option<u32>) {
        if let Some(b) = down {
            self.apply(Command::RestartBroker { broker: b });
        }
        self.reconnect_brokers();
        self.run_for_ms(60_000);
        // Liveness once healed: new writes are acknowledged (within a delivery timeout, the
        // longest an unresolved idempotent sequence can hold a partition back, plus some).
        for p in 0..PARTITIONS {
            self.produce(&format!("after-heal-{p}"));
        }
        self.run_for_ms(self.sim.config().producer.delivery_timeout_ms + 10_000);
        // Every consumer runs again (a stop in progress finishes its batch first); the groups
        // catch up within a few rebalances (session.timeout.ms 6 s, max.poll.interval.ms 30 s).
        self.run_for_ms(10_000);
        for consumer in consumers_running(&self.sim, false) {
            self.apply(Command::RestartConsumer { consumer });
        }
        for _ in 0..180 {
            if self.groups.iter().all(|g| group_caught_up(&self.sim, g)) {
                break;
            }
            self.run_for_ms(1_000);
        }
    }

    fn reconnect_brokers(&mut self) {
        for broker in 1..=BROKERS {
            self.apply(Command::ReconnectBroker { broker });
        }
    }

    fn produce(&mut self, key: &str) {
        self.apply(Command::Produce {
            producer: 0,
            topic: TOPIC.into(),
            key: Some(key.into()),
            value: Some("order".into()),
            partition: None,
        });
    }

    fn apply(&mut self, command: Command) {
        let timed = TimedCommand {
            at: self.sim.now(),
            command,
        };
        if let Err(error) = self.sim.apply(timed.command.clone()) {
            self.refused.push((timed.clone(), error));
        }
        self.commands.push(timed);
        self.collect_events();
    }

    fn run_for_ms(&mut self, ms: u64) {
        self.sim.advance_ms(ms);
        self.collect_events();
    }

    fn collect_events(&mut self) {
        for event in self.sim.drain_events() {
            if is_violation(&event.kind) {
                self.violations.push(event.clone());
            }
            if self.keep_events {
                self.events.push(event);
            }
        }
    }
}

/// Whether `kind` reports a broken guarantee (the checker's or a group coordinator's).
pub fn is_violation(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::InvariantViolated { .. }
            | EventKind::Group {
                event: GroupEvent::InvariantViolated { .. },
                ..
            }
    )
}
