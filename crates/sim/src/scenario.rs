//! Scenarios: a run as data — configuration, seed, and timed commands — in a versioned JSON format
//! that the CLI runs headless and the page will import, export and share.
//!
//! ```json
//! {
//!   "version": 1,
//!   "description": "acks=1 loses an acknowledged write when the leader dies",
//!   "seed": 7,
//!   "timing": "demo",
//!   "config": { "brokers": 3, "producer": { "acks": "1", "enable.idempotence": false } },
//!   "until_ms": 60000,
//!   "load_generator": [ { "at": 500, "rate": 4, "keys": 5, "topics": ["orders"] } ],
//!   "commands": [
//!     { "at": 1000, "command": { "type": "create_topic", "name": "orders", "partitions": 3, "replication_factor": 3 } },
//!     { "at": 3000, "command": { "type": "produce", "topic": "orders", "key": "customer_1", "value": "order 1" } },
//!     { "at": 3010, "command": { "type": "kill_broker", "broker": 1 } }
//!   ]
//! }
//! ```
//!
//! `timing` picks the base configuration (`kafka`: Kafka's defaults; `demo`: shortened timeouts)
//! and `config` overrides any of its fields by Kafka's config names. Commands run in `at` order
//! (ties in file order); a command the cluster refuses is reported, not fatal. `load_generator`
//! lists the settings of a producer loop over time ([`load_generator`]): the records it sends are
//! regenerated on replay, not listed. Times, rates and sizes are bounded ([`MAX_RUN_MS`] …) so
//! that a hand-edited file cannot make a run that never ends.

pub mod decode;
pub mod load_generator;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::fmt;

use crate::command::TimedCommand;
use crate::config::SimConfig;
use crate::error::{CommandError, ConfigError};
use crate::goal::Check;
use crate::sim::Sim;
use crate::time::SimTime;
use crate::timeline::{Timeline, feed};
use decode::{DecodeError, FromJson};
use load_generator::{LoadSetting, MAX_LOAD_KEYS, MAX_LOAD_RATE};

/// The scenario format version this build reads and writes.
pub const SCENARIO_VERSION: u32 = 1;
/// Latest time a scenario may name (`at`, `until_ms`): one simulated hour.
pub const MAX_RUN_MS: u64 = 3_600_000;
/// Most commands plus load settings a scenario may list.
pub const MAX_ENTRIES: usize = 100_000;
/// Most records a scenario may send through `produce_many` and the load generator together (a
/// 10-minute session at 2,000 records/s sends 1.2 million; replaying far more would hold a
/// browser tab for minutes).
pub const MAX_RECORDS: u64 = 2_000_000;

/// Which defaults a scenario's `config` overrides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Kafka's own defaults (fencing after 9 s, ISR shrink after 30 s …).
    #[default]
    Kafka,
    /// `SimConfig::demo_timing()`: short timeouts, visible latency.
    Demo,
}

/// A run: configuration, seed and timed commands. Read by [`Scenario::from_json`] (its fields'
/// defaults are in `decode`), written by [`Scenario::to_json`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scenario {
    /// Format version; must be `SCENARIO_VERSION`.
    pub version: u32,
    /// A short name for menus ("acks=1 loses a write").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// What the scenario shows, in a sentence.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The story, told as the run reaches each step's time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// What the learner is asked to do, checked live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
    /// What the run shows by itself (its anomaly, or that the guarded twin has none); tests hold
    /// every preset to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<Check>,
    /// The file name (without `.json`) of the guarded or anomalous twin, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub twin: Option<String>,
    /// The RNG seed.
    pub seed: u64,
    /// The base configuration.
    pub timing: Timing,
    /// The full configuration (base + the file's overrides).
    pub config: SimConfig,
    /// When the run ends, in simulated ms (default: one minute after the last command).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
    /// The commands, each at a simulated time.
    pub commands: Vec<TimedCommand>,
    /// The load generator's settings, each from a simulated time on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_generator: Vec<LoadSetting>,
}

/// What a scenario tells besides its run: title, story, goal and expectations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Story {
    /// A short name for menus.
    pub title: String,
    /// What the scenario shows, in a sentence.
    pub description: String,
    /// The story, told as the run reaches each step's time.
    pub steps: Vec<Step>,
    /// What the learner is asked to do, checked live.
    pub goal: Option<Goal>,
    /// What the run shows by itself.
    pub expect: Vec<Check>,
    /// The twin scenario's file name, if any.
    pub twin: Option<String>,
}

/// One step of a scenario's story.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// When it is told.
    pub at: SimTime,
    /// What to look at now.
    pub text: String,
}

/// A task for the learner, with the check that says it is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Goal {
    /// The task, in words.
    pub text: String,
    /// When it is achieved.
    pub check: Check,
}

/// Why a scenario cannot be read or started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// Not JSON (the message gives the line and column), or not the scenario shape (the message
    /// says where, e.g. `commands[3].command.partitions: invalid type: …`).
    Parse(String),
    /// A version this build does not read.
    UnsupportedVersion(u64),
    /// The configuration is invalid.
    Config(ConfigError),
    /// A number or a list is beyond what the simulation accepts.
    TooLarge {
        /// Which field (`until_ms`, `commands[3].at`, `load_generator[0].rate`, `commands`).
        field: String,
        /// Its value (or length).
        value: u64,
        /// The largest accepted.
        max: u64,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Parse(m) => write!(f, "not a valid scenario: {m}"),
            ScenarioError::UnsupportedVersion(v) => {
                write!(
                    f,
                    "scenario version {v} is not supported (this build reads version {SCENARIO_VERSION})"
                )
            }
            ScenarioError::Config(e) => write!(f, "invalid configuration: {e}"),
            ScenarioError::TooLarge { field, value, max } => {
                write!(
                    f,
                    "{field} is {value}, more than the largest accepted, {max}"
                )
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// A command the cluster refused while the scenario ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedCommand {
    /// Index in the scenario's command list.
    pub index: usize,
    /// When it was applied.
    pub at: SimTime,
    /// Why it was refused.
    pub error: CommandError,
    /// The error in words.
    pub message: String,
}

impl Scenario {
    /// An empty run of `config` with `seed`: no story, no commands, no load (Kafka timing base,
    /// which keeps `config` as given). Set the fields to fill it.
    pub fn new(config: SimConfig, seed: u64) -> Scenario {
        Scenario {
            version: SCENARIO_VERSION,
            title: String::new(),
            description: String::new(),
            steps: Vec::new(),
            goal: None,
            expect: Vec::new(),
            twin: None,
            seed,
            timing: Timing::Kafka,
            config,
            until_ms: None,
            commands: Vec::new(),
            load_generator: Vec::new(),
        }
    }

    /// Parses a scenario, applying `config` on top of the `timing` base.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let doc: Json =
            serde_json::from_str(text).map_err(|e| ScenarioError::Parse(e.to_string()))?;
        Scenario::from_value(&doc)
    }

    /// Reads a parsed scenario document: checks the version, applies `config` on top of the
    /// `timing` base, reads the fields, then checks the limits and the configuration.
    pub fn from_value(doc: &Json) -> Result<Scenario, ScenarioError> {
        let parse = |e: DecodeError| ScenarioError::Parse(e.to_string());
        let obj = doc
            .as_object()
            .ok_or_else(|| ScenarioError::Parse("the top level must be an object".into()))?;
        match obj.get("version").map(|v| v.as_u64()) {
            Some(Some(v)) if v == u64::from(SCENARIO_VERSION) => {}
            Some(Some(v)) => return Err(ScenarioError::UnsupportedVersion(v)),
            Some(None) => {
                return Err(ScenarioError::Parse(
                    "version must be a whole number".into(),
                ));
            }
            None => return Err(ScenarioError::Parse("missing field `version`".into())),
        }
        let timing = match obj.get("timing") {
            Some(t) => Timing::from_json(t).map_err(|e| parse(e.at("timing")))?,
            None => Timing::Kafka,
        };
        let base = match timing {
            Timing::Kafka => SimConfig::kafka_defaults(),
            Timing::Demo => SimConfig::demo_timing(),
        };
        let mut config =
            serde_json::to_value(base).map_err(|e| ScenarioError::Parse(e.to_string()))?;
        if let Some(overrides) = obj.get("config") {
            merge(&mut config, overrides.clone());
        }
        let config = SimConfig::from_json(&config).map_err(|e| parse(e.at("config")))?;
        let scenario = decode::scenario(doc, config).map_err(parse)?;
        scenario.check_limits()?;
        scenario.config.validate().map_err(ScenarioError::Config)?;
        Ok(scenario)
    }

    /// Checks that times, rates, list lengths and the records sent are within [`MAX_RUN_MS`],
    /// [`MAX_ENTRIES`], [`MAX_LOAD_RATE`], [`MAX_LOAD_KEYS`] and [`MAX_RECORDS`].
    pub fn check_limits(&self) -> Result<(), ScenarioError> {
        let check = |field: &dyn Fn() -> String, value: u64, max: u64| {
            if value > max {
                Err(ScenarioError::TooLarge {
                    field: field(),
                    value,
                    max,
                })
            } else {
                Ok(())
            }
        };
        let entries = self.commands.len() + self.load_generator.len();
        check(&|| "commands".into(), entries as u64, MAX_ENTRIES as u64)?;
        if let Some(until) = self.until_ms {
            check(&|| "until_ms".into(), until, MAX_RUN_MS)?;
        }
        for (i, c) in self.commands.iter().enumerate() {
            check(&|| format!("commands[{i}].at"), c.at.0, MAX_RUN_MS)?;
        }
        for (i, l) in self.load_generator.iter().enumerate() {
            check(&|| format!("load_generator[{i}].at"), l.at.0, MAX_RUN_MS)?;
            let rate = u64::from(l.rate);
            check(
                &|| format!("load_generator[{i}].rate"),
                rate,
                MAX_LOAD_RATE.into(),
            )?;
            let keys = u64::from(l.keys);
            check(
                &|| format!("load_generator[{i}].keys"),
                keys,
                MAX_LOAD_KEYS.into(),
            )?;
        }
        check(&|| "records sent".into(), self.records_sent(), MAX_RECORDS)
    }

    /// How many records `produce_many` commands and the load generator send until the end (an
    /// upper bound: refused commands and topics are counted too).
    fn records_sent(&self) -> u64 {
        let end = self.end();
        let mut settings: Vec<&LoadSetting> = self.load_generator.iter().collect();
        crate::sort::sort_by_key(&mut settings, |l| l.at);
        let generated: u64 = settings
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let until = settings.get(i + 1).map_or(end, |next| next.at).max(l.at);
                u64::from(l.rate).saturating_mul(until.since(l.at)) / 1_000
            })
            .fold(0, u64::saturating_add);
        let many: u64 = self
            .commands
            .iter()
            .map(|c| match &c.command {
                crate::command::Command::ProduceMany { count, .. } => u64::from(*count),
                _ => 0,
            })
            .fold(0, u64::saturating_add);
        generated.saturating_add(many)
    }

    /// The title, description, steps, goal, expectations and twin.
    pub fn story(&self) -> Story {
        Story {
            title: self.title.clone(),
            description: self.description.clone(),
            steps: self.steps.clone(),
            goal: self.goal.clone(),
            expect: self.expect.clone(),
            twin: self.twin.clone(),
        }
    }

    /// Replaces the title, description, steps, goal, expectations and twin.
    pub fn set_story(&mut self, story: Story) {
        self.title = story.title;
        self.description = story.description;
        self.steps = story.steps;
        self.goal = story.goal;
        self.expect = story.expect;
        self.twin = story.twin;
    }

    /// The scenario as pretty JSON (the full configuration is written out).
    pub fn to_json(&self) -> String {
        // Through a `Value`, as `from_json` reads: each type's serializer is compiled once for
        // `Value` instead of once more for the writer, which keeps the page's wasm smaller.
        let value = serde_json::to_value(self).expect("scenarios always serialize");
        serde_json::to_string_pretty(&value).expect("a value always serializes")
    }

    /// When the run ends: `until_ms`, or a minute after the last command or load setting.
    pub fn end(&self) -> SimTime {
        match self.until_ms {
            Some(ms) => SimTime(ms),
            None => self
                .commands
                .iter()
                .map(|c| c.at)
                .chain(self.load_generator.iter().map(|l| l.at))
                .max()
                .unwrap_or_default()
                .plus_ms(60_000),
        }
    }

    /// Runs the scenario to `until` (or its end) and returns the finished `Sim` with the refused
    /// commands. Every event stays in the Sim's event buffer for the caller to drain.
    pub fn run(&self, until: Option<SimTime>) -> Result<(Sim, Vec<RefusedCommand>), ScenarioError> {
        // A timeline without checkpoints: the same replay order as the page's time travel.
        let mut t = Timeline::with_checkpoint_every(self.config.clone(), self.seed, u64::MAX)
            .map_err(ScenarioError::Config)?;
        t.observing = false; // the events stay in the Sim for the caller
        let until = until.unwrap_or_else(|| self.end());
        let mut refused = Vec::new();
        feed(&mut t, self, until, |index, error| {
            refused.push(RefusedCommand {
                index,
                at: self.commands[index].at,
                message: error.to_string(),
                error,
            })
        });
        t.advance_to(until);
        Ok((t.into_sim(), refused))
    }
}

/// Merges `overrides` into `base`: objects key by key, anything else replaced.
fn merge(base: &mut Json, overrides: Json) {
    match (base, overrides) {
        (Json::Object(b), Json::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_on_top_of_the_timing_base() {
        let s = Scenario::from_json(
            r#"{"version":1,"timing":"demo","config":{"broker":{"replica.lag.time.max.ms":7000}},"commands":[]}"#,
        )
        .unwrap();
        let demo = SimConfig::demo_timing();
        assert_eq!(s.config.broker.replica_lag_time_max_ms, 7000);
        assert_eq!(
            s.config.broker.broker_session_timeout_ms,
            demo.broker.broker_session_timeout_ms
        );
        assert_eq!(s.config.network, demo.network);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            Scenario::from_json(r#"{"version":2}"#),
            Err(ScenarioError::UnsupportedVersion(2))
        );
        let e = Scenario::from_json(
            r#"{"version":1,"commands":[{"at":0,"command":{"type":"explode"}}]}"#,
        );
        assert!(
            matches!(&e, Err(ScenarioError::Parse(m)) if m.contains("explode")),
            "{e:?}"
        );
        let e = Scenario::from_json(r#"{"version":1,"config":{"brokers":0}}"#);
        assert!(
            matches!(&e, Err(ScenarioError::Config(c)) if c.key == "brokers"),
            "{e:?}"
        );
        let e = Scenario::from_json(r#"{"version":1,"config":{"broker":{"no.such.key":1}}}"#);
        assert!(
            matches!(&e, Err(ScenarioError::Parse(m)) if m.contains("no.such.key")),
            "{e:?}"
        );
        assert!(matches!(
            Scenario::from_json("[1]"),
            Err(ScenarioError::Parse(_))
        ));
    }

    #[test]
    fn json_round_trip_keeps_the_scenario() {
        let s = Scenario::from_json(
            r#"{"version":1,"seed":9,"commands":[{"at":5,"command":{"type":"kill_broker","broker":2}}]}"#,
        )
        .unwrap();
        assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
    }
}
