//! Time travel: a run kept as its command log plus checkpoints, so any moment can be revisited by
//! restoring the nearest earlier checkpoint and replaying the commands after it — deterministic
//! replay makes the result identical to having been there.
//!
//! ```text
//!  log:          c0 ── c1 ───── c2 ── c3 ─────────── (commands at their times)
//!  checkpoints:  ■────────■────────■────────■        (Sim clones every `checkpoint_every_ms`)
//!  seek(t):      restore the last ■ at or before t, re-apply log commands up to t, advance to t
//! ```
//!
//! Applying a command while looking at the past discards the future first ("continue from here").
//! A command is always applied after everything due at its instant has run, so the log replays
//! exactly; [`Timeline::to_scenario`] exports the run as a [`Scenario`].

use crate::command::{Command, TimedCommand};
use crate::config::SimConfig;
use crate::error::{CommandError, ConfigError};
use crate::ids::CommandId;
use crate::scenario::{SCENARIO_VERSION, Scenario, Timing};
use crate::sim::Sim;
use crate::time::SimTime;

/// Default simulated time between checkpoints.
pub const DEFAULT_CHECKPOINT_EVERY_MS: u64 = 5_000;
/// Checkpoints kept before older ones are thinned (every other one dropped, spacing doubled).
pub const MAX_CHECKPOINTS: usize = 128;

#[derive(Clone, Debug)]
struct Checkpoint {
    sim: Sim,
    /// How many log commands had been applied when it was taken.
    applied: usize,
}

/// A run that can be replayed from any moment.
#[derive(Clone, Debug)]
pub struct Timeline {
    config: SimConfig,
    seed: u64,
    log: Vec<TimedCommand>,
    checkpoints: Vec<Checkpoint>,
    every_ms: u64,
    current: Sim,
    /// How many log commands `current` has applied.
    applied: usize,
}

impl Timeline {
    /// A new run at time 0 with a checkpoint every [`DEFAULT_CHECKPOINT_EVERY_MS`].
    pub fn new(config: SimConfig, seed: u64) -> Result<Timeline, ConfigError> {
        Timeline::with_checkpoint_every(config, seed, DEFAULT_CHECKPOINT_EVERY_MS)
    }

    /// A new run with a checkpoint every `every_ms` of simulated time (at least 1).
    pub fn with_checkpoint_every(
        config: SimConfig,
        seed: u64,
        every_ms: u64,
    ) -> Result<Timeline, ConfigError> {
        let sim = Sim::new(config.clone(), seed)?;
        Ok(Timeline {
            config,
            seed,
            log: Vec::new(),
            checkpoints: vec![Checkpoint {
                sim: sim.clone(),
                applied: 0,
            }],
            every_ms: every_ms.max(1),
            current: sim,
            applied: 0,
        })
    }

    /// Replays a scenario's commands into a new timeline (refused commands are dropped from the
    /// log, as they changed nothing) and stops at time 0 of it; seek to move.
    pub fn from_scenario(scenario: &Scenario) -> Result<Timeline, ConfigError> {
        let mut t = Timeline::new(scenario.config.clone(), scenario.seed)?;
        let mut commands = scenario.commands.clone();
        commands.sort_by_key(|c| c.at); // stable: ties keep file order
        for c in commands {
            t.advance_to(c.at);
            let _ = t.apply(c.command);
        }
        t.seek(SimTime::ZERO);
        Ok(t)
    }

    /// The simulation at the current moment (drain its events as usual).
    pub fn sim(&self) -> &Sim {
        &self.current
    }

    /// The simulation at the current moment, mutably (for draining events; commands must go
    /// through [`Timeline::apply`] to be logged).
    pub fn sim_mut(&mut self) -> &mut Sim {
        &mut self.current
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.current.now()
    }

    /// The latest moment the run has reached: its last command or checkpoint, or now.
    pub fn end(&self) -> SimTime {
        let last_command = self.log.last().map_or(SimTime::ZERO, |c| c.at);
        let last_checkpoint = self
            .checkpoints
            .last()
            .map_or(SimTime::ZERO, |c| c.sim.now());
        last_command.max(last_checkpoint).max(self.now())
    }

    /// The accepted commands, in order.
    pub fn commands(&self) -> &[TimedCommand] {
        &self.log
    }

    /// How many checkpoints are kept.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Applies `command` now. Anything logged after now is discarded first; the instant's due
    /// items run first so that replay applies it at the same point.
    pub fn apply(&mut self, command: Command) -> Result<CommandId, CommandError> {
        self.continue_from_here();
        let now = self.current.now();
        self.current.advance_to(now);
        let id = self.current.apply(command.clone())?;
        self.log.push(TimedCommand { at: now, command });
        self.applied = self.log.len();
        Ok(id)
    }

    /// Forgets every command and checkpoint after the current moment.
    pub fn continue_from_here(&mut self) {
        let now = self.current.now();
        self.log.truncate(self.applied);
        let applied = self.applied;
        self.checkpoints
            .retain(|c| c.sim.now() <= now && c.applied <= applied);
    }

    /// Runs forward to `until`, re-applying logged commands on the way and taking checkpoints.
    pub fn advance_to(&mut self, until: SimTime) {
        loop {
            // Logged commands due by now run first, as they did when they were applied.
            while let Some(c) = self.log.get(self.applied)
                && c.at <= self.current.now()
            {
                // They were accepted when first applied; replay accepts them again.
                let _ = self.current.apply(c.command.clone());
                self.applied += 1;
            }
            if self.checkpoint_due() {
                self.take_checkpoint();
            }
            let now = self.current.now();
            if now >= until {
                break;
            }
            let next_checkpoint = self
                .checkpoints
                .last()
                .map(|c| c.sim.now().plus_ms(self.every_ms))
                .filter(|t| *t > now)
                .unwrap_or(until);
            let next_command = self.log.get(self.applied).map_or(until, |c| c.at);
            let target = until.min(next_checkpoint).min(next_command).max(now);
            self.current.advance_to(target);
            if target == now {
                break; // nothing moves (a command logged in the past cannot happen; be safe)
            }
        }
    }

    /// Goes to `at`: forward by running, backward by restoring a checkpoint and replaying.
    pub fn seek(&mut self, at: SimTime) {
        if at < self.current.now() {
            let i = self
                .checkpoints
                .iter()
                .rposition(|c| c.sim.now() <= at)
                .unwrap_or(0);
            let c = &self.checkpoints[i];
            self.current = c.sim.clone();
            self.applied = c.applied;
        }
        self.advance_to(at);
        // Events replayed on the way are not news: the caller redraws from the views.
        self.current.drain_events().for_each(drop);
    }

    /// The run as a scenario (Kafka timing base; the full configuration is in `config`).
    pub fn to_scenario(&self, description: &str) -> Scenario {
        Scenario {
            version: SCENARIO_VERSION,
            title: String::new(),
            description: description.to_string(),
            steps: Vec::new(),
            goal: None,
            expect: Vec::new(),
            twin: None,
            seed: self.seed,
            timing: Timing::Kafka,
            config: self.config.clone(),
            until_ms: Some(self.end().0),
            commands: self.log.clone(),
        }
    }

    fn checkpoint_due(&self) -> bool {
        self.checkpoints.last().is_none_or(|c| {
            self.current.now() >= c.sim.now().plus_ms(self.every_ms) && self.applied >= c.applied
        })
    }

    fn take_checkpoint(&mut self) {
        let mut sim = self.current.clone();
        sim.drain_events().for_each(drop);
        self.checkpoints.push(Checkpoint {
            sim,
            applied: self.applied,
        });
        if self.checkpoints.len() > MAX_CHECKPOINTS {
            // Keep the first, then every other one: half the memory, twice the spacing.
            let mut i = 0;
            self.checkpoints.retain(|_| {
                i += 1;
                i == 1 || i % 2 == 0
            });
            self.every_ms = self.every_ms.saturating_mul(2);
        }
    }
}
