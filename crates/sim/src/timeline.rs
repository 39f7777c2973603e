//! Time travel: a run kept as its log (commands and load-generator settings) plus checkpoints,
//! so any moment can be revisited by restoring the nearest earlier checkpoint and replaying the
//! log after it — deterministic replay makes the result identical to having been there.
//!
//! ```text
//!  log:          c0 ── c1 ───── c2 ── c3 ─────────── (commands and load settings at their times)
//!  checkpoints:  ■────────■────────■────────■        (Sim clones every `checkpoint_every_ms`)
//!  seek(t):      restore the last ■ at or before t, replay the log up to t, advance to t
//! ```
//!
//! A checkpoint is a clone of the cluster, and cheap: the records it keeps (ledger, replica logs,
//! the checker's histories) are chunks shared with the live run until the run writes to one, so
//! checkpoints can be seconds apart even when the run holds millions of records.
//!
//! At each instant the order is fixed, live and in replay alike: first every scheduled item due
//! by then, then the load generator's records due by then, then the logged settings and commands
//! of that instant in log order (each after the items due at its instant). Applying a command
//! while looking at the past discards the future first ("continue from here").
//! [`Timeline::to_scenario`] exports the run as a [`Scenario`]; [`Timeline::from_scenario`]
//! replays one.

use crate::command::{Command, TimedCommand};
use crate::config::SimConfig;
use crate::error::{CommandError, ConfigError};
use crate::event::{Event, EventKind};
use crate::goal::Watch;
use crate::ids::CommandId;
use crate::scenario::load_generator::{LoadGenerator, LoadSetting};
use crate::scenario::{Scenario, Story};
use crate::sim::Sim;
use crate::time::SimTime;

/// Default simulated time between checkpoints.
pub const DEFAULT_CHECKPOINT_EVERY_MS: u64 = 2_000;
/// Checkpoints kept before older ones are thinned (every other one dropped, spacing doubled).
pub const MAX_CHECKPOINTS: usize = 320;
/// Most bytes of record chunks the checkpoints may hold that the live cluster no longer does
/// before they are thinned the same way. A checkpoint is a clone whose records (ledger, replica
/// logs, the checker's histories) stay shared with the live cluster chunk by chunk
/// (`ChunkedVec`): it costs a copy of each partly filled newest chunk, the chunks rewritten since,
/// and the rest of the cluster's state (not counted here; `MAX_CHECKPOINTS` bounds it).
pub const MAX_CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;

/// Violations remembered for the alarm panel after a jump in time.
pub const RECENT_VIOLATIONS: usize = 20;

/// Everything that replay must restore: the cluster, the load generator, the goal's watch, the
/// guarantees broken so far and how far through the log they are.
#[derive(Clone, Debug)]
struct State {
    sim: Sim,
    load: LoadGenerator,
    /// Follows every event when the run has a goal.
    watch: Option<Watch>,
    /// `InvariantViolated` events so far, and the latest of them.
    violations: u64,
    recent_violations: Vec<Event>,
    /// How many log commands have been applied.
    applied: usize,
    /// How many load settings have been applied.
    load_applied: usize,
    /// As a checkpoint: bytes of record chunks it holds that the next checkpoint does not (so
    /// nothing later does; unused for the newest, whose share is counted against the present).
    bytes: u64,
}

/// A run that can be replayed from any moment.
#[derive(Clone, Debug)]
pub struct Timeline {
    config: SimConfig,
    seed: u64,
    story: Story,
    log: Vec<TimedCommand>,
    load_log: Vec<LoadSetting>,
    checkpoints: Vec<State>,
    every_ms: u64,
    current: State,
    /// Events observed and not yet drained.
    pending: Vec<Event>,
    /// Whether events go through `pending` (false: they stay in the Sim, for `Scenario::run`).
    pub(crate) observing: bool,
    /// Whether observed events are dropped instead of kept for draining (while replaying).
    replaying: bool,
    /// The latest moment this branch of the run has reached.
    reached: SimTime,
}

impl Timeline {
    /// A new run at time 0 with a checkpoint every [`DEFAULT_CHECKPOINT_EVERY_MS`].
    pub fn new(config: SimConfig, seed: u64) -> Result<Timeline, ConfigError> {
        Timeline::with_checkpoint_every(config, seed, DEFAULT_CHECKPOINT_EVERY_MS)
    }

    /// A new run with a checkpoint every `every_ms` of simulated time (at least 1; `u64::MAX`
    /// keeps only the start).
    pub fn with_checkpoint_every(
        config: SimConfig,
        seed: u64,
        every_ms: u64,
    ) -> Result<Timeline, ConfigError> {
        let sim = Sim::new(config.clone(), seed)?;
        let state = State {
            sim,
            load: LoadGenerator::new(seed),
            watch: None,
            violations: 0,
            recent_violations: Vec::new(),
            applied: 0,
            load_applied: 0,
            bytes: 0,
        };
        Ok(Timeline {
            config,
            seed,
            story: Story::default(),
            log: Vec::new(),
            load_log: Vec::new(),
            checkpoints: vec![state.clone()],
            every_ms: every_ms.max(1),
            current: state,
            pending: Vec::new(),
            observing: true,
            replaying: false,
            reached: SimTime::ZERO,
        })
    }

    /// Replays a scenario into a new timeline up to its end (refused commands are dropped from
    /// the log, as they changed nothing) and stops at time 0 of it; seek to move. A scenario
    /// with a goal gets a live [`Watch`].
    pub fn from_scenario(scenario: &Scenario) -> Result<Timeline, ConfigError> {
        let mut t = Timeline::new(scenario.config.clone(), scenario.seed)?;
        t.set_story(scenario.story());
        let end = scenario.end();
        t.replaying = true;
        feed(&mut t, scenario, end, |_, _| {});
        t.advance_to(end);
        t.seek(SimTime::ZERO);
        Ok(t)
    }

    /// Gives the run a title, steps and goal (kept by [`Timeline::to_scenario`]). A goal starts
    /// a [`Watch`]; set the story before running, or the watch misses the events so far.
    pub fn set_story(&mut self, story: Story) {
        let watch = story.goal.as_ref().map(|_| Watch::new());
        self.current.watch = watch.clone();
        for c in &mut self.checkpoints {
            c.watch = watch.clone();
        }
        self.story = story;
    }

    /// The run's title, narrative steps and goal.
    pub fn story(&self) -> &Story {
        &self.story
    }

    /// Whether the run's goal holds now (`None` without a goal).
    pub fn goal_holds(&self) -> Option<bool> {
        let goal = self.story.goal.as_ref()?;
        let watch = self.current.watch.as_ref()?;
        Some(watch.holds(&goal.check, &self.current.sim))
    }

    /// The simulation at the current moment.
    pub fn sim(&self) -> &Sim {
        &self.current.sim
    }

    /// The load generator at the current moment.
    pub fn load(&self) -> &LoadGenerator {
        &self.current.load
    }

    /// The events since the last drain, in order (replaces `sim().drain_events()`, so that the
    /// goal's watch and the violation count see every event first).
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, Event> {
        if self.observing {
            self.observe();
            self.pending.drain(..)
        } else {
            self.current.sim.drain_events()
        }
    }

    /// How many guarantees broke so far (`InvariantViolated` events), and the latest of them,
    /// oldest first — right after a seek too, when the events on the way were not drained.
    pub fn violations(&self) -> (u64, &[Event]) {
        (self.current.violations, &self.current.recent_violations)
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.current.sim.now()
    }

    /// The latest moment of the run: the last logged entry, or the furthest point reached.
    pub fn end(&self) -> SimTime {
        let last_command = self.log.last().map_or(SimTime::ZERO, |c| c.at);
        let last_load = self.load_log.last().map_or(SimTime::ZERO, |l| l.at);
        last_command
            .max(last_load)
            .max(self.reached)
            .max(self.now())
    }

    /// The accepted commands, in order.
    pub fn commands(&self) -> &[TimedCommand] {
        &self.log
    }

    /// The load generator's settings, in order.
    pub fn load_settings(&self) -> &[LoadSetting] {
        &self.load_log
    }

    /// How many logged commands and settings lie after the current moment (replayed by playing
    /// on, discarded by acting now).
    pub fn entries_ahead(&self) -> usize {
        (self.log.len() - self.current.applied) + (self.load_log.len() - self.current.load_applied)
    }

    /// How many checkpoints are kept.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Bytes of record chunks the checkpoints hold that the present does not (as counted against
    /// [`MAX_CHECKPOINT_BYTES`]).
    pub fn checkpoint_bytes(&self) -> u64 {
        let Some((newest, older)) = self.checkpoints.split_last() else {
            return 0;
        };
        let present = chunk_set(&self.current.sim);
        older.iter().map(|c| c.bytes).sum::<u64>() + bytes_not_in(&newest.sim, &present)
    }

    /// Simulated milliseconds between checkpoints (doubles as old ones are thinned).
    pub fn checkpoint_every_ms(&self) -> u64 {
        self.every_ms
    }

    /// Applies `command` now. Anything logged after now is discarded first; the instant's due
    /// items run first so that replay applies it at the same point.
    pub fn apply(&mut self, command: Command) -> Result<CommandId, CommandError> {
        self.continue_from_here();
        self.settle();
        let now = self.now();
        let id = self.current.sim.apply(command.clone())?;
        self.log.push(TimedCommand { at: now, command });
        self.current.applied = self.log.len();
        Ok(id)
    }

    /// Changes the load generator now (`setting.at` is replaced by now). Anything logged after
    /// now is discarded first, as for [`Timeline::apply`].
    pub fn set_load(&mut self, mut setting: LoadSetting) {
        self.continue_from_here();
        self.settle();
        setting.at = self.now();
        self.current.load.set(setting.clone());
        self.load_log.push(setting);
        self.current.load_applied = self.load_log.len();
    }

    /// Forgets every command, setting and checkpoint after the current moment.
    pub fn continue_from_here(&mut self) {
        let now = self.now();
        let (applied, load_applied) = (self.current.applied, self.current.load_applied);
        self.log.truncate(applied);
        self.load_log.truncate(load_applied);
        let before = self.checkpoints.len();
        self.checkpoints.retain(|c| {
            c.sim.now() <= now && c.applied <= applied && c.load_applied <= load_applied
        });
        if self.checkpoints.len() < before {
            self.recount_checkpoint_bytes();
        }
        self.reached = now;
    }

    /// Runs forward to `until`, replaying logged entries on the way and taking checkpoints.
    pub fn advance_to(&mut self, until: SimTime) {
        loop {
            self.settle();
            if self.checkpoint_due() {
                self.take_checkpoint();
            }
            let now = self.now();
            if now >= until {
                break;
            }
            let target = [
                Some(until),
                self.checkpoints
                    .last()
                    .map(|c| c.sim.now().plus_ms(self.every_ms)),
                self.current.load.next_due(),
                self.log.get(self.current.applied).map(|c| c.at),
                self.load_log.get(self.current.load_applied).map(|l| l.at),
            ]
            .into_iter()
            .flatten()
            .filter(|t| *t > now)
            .min()
            .unwrap_or(until);
            self.current.sim.advance_to(target);
            self.observe();
        }
        self.reached = self.reached.max(self.now());
    }

    /// Processes the next scheduled item, or the next due record or logged entry when it comes
    /// first; the clock moves to its time. Returns false when nothing is left to do.
    pub fn step(&mut self) -> bool {
        let external = [
            self.current.load.next_due(),
            self.log.get(self.current.applied).map(|c| c.at),
            self.load_log.get(self.current.load_applied).map(|l| l.at),
        ]
        .into_iter()
        .flatten()
        .min();
        let item = self.current.sim.next_due();
        let stepped = match external {
            // Items of an instant run before the records and entries of that instant.
            Some(e) if item.is_none_or(|i| e < i) => {
                self.advance_to(e.max(self.now()));
                true
            }
            _ => self.current.sim.step().is_some(),
        };
        self.observe();
        self.reached = self.reached.max(self.now());
        stepped
    }

    /// Goes to `at`: restores the last checkpoint at or before it (when that is not behind the
    /// current moment on the way forward) and replays the rest. Events replayed on the way are
    /// dropped (the goal's watch still sees them): the caller redraws from the views.
    pub fn seek(&mut self, at: SimTime) {
        let now = self.now();
        let i = self
            .checkpoints
            .iter()
            .rposition(|c| c.sim.now() <= at)
            .unwrap_or(0);
        let checkpoint = self.checkpoints[i].sim.now();
        if at < now || checkpoint > now {
            self.current = self.checkpoints[i].clone();
        }
        self.pending.clear();
        self.replaying = true;
        self.advance_to(at);
        self.replaying = false;
        self.drain_events().for_each(drop);
    }

    /// The run as a scenario (Kafka timing base; the full configuration is in `config`).
    pub fn to_scenario(&self, description: &str) -> Scenario {
        let mut scenario = Scenario {
            until_ms: Some(self.end().0),
            commands: self.log.clone(),
            load_generator: self.load_log.clone(),
            ..Scenario::new(self.config.clone(), self.seed)
        };
        scenario.set_story(self.story.clone());
        if !description.is_empty() {
            scenario.description = description.to_string();
        }
        scenario
    }

    /// Runs what is due at the current instant: scheduled items, then due records, then logged
    /// settings and commands of the instant (each after the items due by then).
    fn settle(&mut self) {
        let now = self.now();
        loop {
            self.current.sim.advance_to(now);
            let s = &mut self.current;
            if let Some(record) = s.load.poll(now) {
                // A refused record (a keyless one on a compacted topic, an unknown topic) is
                // simply not sent, live and in replay alike.
                let _ = s.sim.apply(record);
            } else if let Some(setting) = self.load_log.get(s.load_applied).filter(|l| l.at <= now)
            {
                s.load.set(setting.clone());
                s.load_applied += 1;
            } else if let Some(c) = self.log.get(s.applied).filter(|c| c.at <= now) {
                // Accepted when first applied; replay accepts it again.
                let _ = s.sim.apply(c.command.clone());
                s.applied += 1;
            } else {
                break;
            }
        }
        self.observe();
    }

    /// Lets the goal's watch and the violation count see the events produced so far.
    fn observe(&mut self) {
        if !self.observing {
            return;
        }
        let s = &mut self.current;
        for event in s.sim.drain_events() {
            if let Some(watch) = &mut s.watch {
                watch.observe(&event);
            }
            if matches!(event.kind, EventKind::InvariantViolated { .. }) {
                s.violations += 1;
                if s.recent_violations.len() == RECENT_VIOLATIONS {
                    s.recent_violations.remove(0);
                }
                s.recent_violations.push(event.clone());
            }
            if !self.replaying {
                self.pending.push(event);
            }
        }
    }

    fn checkpoint_due(&self) -> bool {
        self.checkpoints.last().is_none_or(|c| {
            self.now() >= c.sim.now().plus_ms(self.every_ms)
                && self.current.applied >= c.applied
                && self.current.load_applied >= c.load_applied
        })
    }

    fn take_checkpoint(&mut self) {
        let mut state = self.current.clone();
        state.sim.drain_events().for_each(drop);
        state.bytes = 0;
        if let Some(previous) = self.checkpoints.last_mut() {
            previous.bytes = bytes_not_in(&previous.sim, &chunk_set(&state.sim));
        }
        self.checkpoints.push(state);
        // The newest is a copy of the present: it holds nothing the present does not.
        let held = self.checkpoints.iter().map(|c| c.bytes).sum::<u64>();
        if self.checkpoints.len() > MAX_CHECKPOINTS
            || (self.checkpoints.len() > 2 && held > MAX_CHECKPOINT_BYTES)
        {
            // Keep the first, the newest, and every other one between: half the memory, twice
            // the spacing.
            let (mut i, last) = (0, self.checkpoints.len());
            self.checkpoints.retain(|_| {
                i += 1;
                i == 1 || i == last || i % 2 == 0
            });
            self.every_ms = self.every_ms.saturating_mul(2);
            self.recount_checkpoint_bytes();
        }
    }

    /// Recounts each checkpoint's bytes against the next one (after some were dropped).
    fn recount_checkpoint_bytes(&mut self) {
        let mut next: Option<Vec<usize>> = None;
        for c in self.checkpoints.iter_mut().rev() {
            c.bytes = next.as_ref().map_or(0, |n| bytes_not_in(&c.sim, n));
            next = Some(chunk_set(&c.sim));
        }
    }

    /// The simulation, its undrained events included (for a run without a goal: with one, the
    /// watch has taken the events into `pending`).
    pub(crate) fn into_sim(self) -> Sim {
        debug_assert!(
            self.current.watch.is_none(),
            "into_sim on a run with a goal"
        );
        self.current.sim
    }
}

/// The addresses of the record chunks a cluster holds, sorted (a set built once, then searched).
fn chunk_set(sim: &Sim) -> Vec<usize> {
    let mut set = Vec::new();
    sim.for_each_chunk(&mut |at, _| set.push(at));
    set.sort_unstable();
    set.dedup();
    set
}

/// Bytes of the record chunks `sim` holds that are not among `others`.
fn bytes_not_in(sim: &Sim, others: &[usize]) -> u64 {
    let mut bytes = 0;
    sim.for_each_chunk(&mut |at, size| {
        if others.binary_search(&at).is_err() {
            bytes += size;
        }
    });
    bytes
}

/// Feeds a scenario's commands and load settings into `t` in time order (a tie keeps file
/// order; settings and commands of one instant commute), calling `refused` for each command the
/// cluster refuses, with its index in the file.
pub(crate) fn feed(
    t: &mut Timeline,
    scenario: &Scenario,
    until: SimTime,
    mut refused: impl FnMut(usize, CommandError),
) {
    let mut order: Vec<usize> = (0..scenario.commands.len())
        .filter(|i| scenario.commands[*i].at <= until)
        .collect();
    crate::sort::sort_by_key(&mut order, |i| scenario.commands[*i].at); // stable: ties keep file order
    let mut settings: Vec<&LoadSetting> = scenario
        .load_generator
        .iter()
        .filter(|l| l.at <= until)
        .collect();
    crate::sort::sort_by_key(&mut settings, |l| l.at);
    let mut settings = settings.into_iter().peekable();
    for i in order {
        let TimedCommand { at, command } = &scenario.commands[i];
        while let Some(setting) = settings.next_if(|l| l.at <= *at) {
            t.advance_to(setting.at);
            t.set_load(setting.clone());
        }
        t.advance_to(*at);
        if let Err(e) = t.apply(command.clone()) {
            refused(i, e);
        }
    }
    for setting in settings {
        t.advance_to(setting.at);
        t.set_load(setting.clone());
    }
}
