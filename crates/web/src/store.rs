//! The page's one store: the run (the `Sim` plus what the page remembers of it: the event log,
//! chart samples, alarms, the user's sends, the load generator) and the UI state (playback,
//! selection, overlays, theme, log filter).
//!
//! ```text
//!   components ──Callback<Action>──▶ Store::reduce ──borrow_mut──▶ Run { sim, load, log, … }
//!        ▲                               │ version + 1 when something changed
//!        └──── props from view_model ◀───┘ (App re-renders; equal props skip their subtree)
//! ```
//!
//! `reduce` is the only code that mutates the run. A `Tick` while paused returns the same `Rc`,
//! so Yew skips the render.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use kafka_sim::event::Cause;
use kafka_sim::scenario::load_generator::LoadSetting;
use kafka_sim::timeline::Timeline;
use kafka_sim::{
    BrokerId, Command, EventKind, Offset, RecordId, Scenario, Sim, SimTime, TopicPartition,
    ids::CommandId,
};
use yew::Reducible;

use crate::chart_series::{ChartSeries, SAMPLE_MS};
use crate::log_lines::{EventLog, LogEntry, LogFilter};
use crate::page_params::{KeyMix, MAX_SPEED, MIN_SPEED, StartParams, whole_rate};
use crate::running_example;
use crate::view_model::slow_follower_commands;

/// A frame longer than this (a background tab, a debugger pause) counts as this long.
pub const MAX_FRAME_WALL_MS: f64 = 50.0;
/// Most simulated milliseconds one frame may advance.
pub const MAX_FRAME_SIM_MS: u64 = 5_000;
/// Most load-generator records one frame may send: a faster rate slows the clock instead.
pub const MAX_FRAME_RECORDS: u64 = 400;
/// Most scheduled items "step" processes while looking for the next event.
const MAX_STEP_ITEMS: usize = 100_000;
/// Most simulated milliseconds "step" runs while looking for the next event.
pub const MAX_STEP_MS: u64 = 5_000;
/// Interactive sends remembered by the producer panel.
const SENDS_KEPT: usize = 6;
/// Alarms remembered by the ledger panel.
const ALARMS_KEPT: usize = 20;
/// A seek forward by at most this many simulated milliseconds is played through…
pub const PLAY_THROUGH_MS: u64 = 5_000;
/// … and by at most this many load-generator records' worth of time.
pub const PLAY_THROUGH_RECORDS: u64 = 2_000;

/// What the inspector shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// A record of a partition's (leader's) log.
    Record {
        /// The partition.
        tp: TopicPartition,
        /// Its offset there.
        offset: Offset,
        /// The ledger's id of the record.
        record: RecordId,
    },
    /// A partition.
    Partition(TopicPartition),
    /// A broker.
    Broker(BrokerId),
    /// A consumer group, by `group.id`.
    Group(Rc<str>),
    /// A consumer client (its group's details, with it highlighted).
    Consumer(u32),
}

/// A dialog over the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// None open.
    None,
    /// Keyboard shortcuts and tips.
    Help,
    /// What the simulator models and what it simplifies.
    Modelled,
}

/// Colour theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    /// The next theme of the toggle.
    pub fn next(self) -> Theme {
        match self {
            Theme::Auto => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Auto,
        }
    }
    /// Value of the root element's `data-theme` (empty: follow the system).
    pub fn attr(self) -> &'static str {
        match self {
            Theme::Auto => "",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// A fault a broker card's buttons cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerFault {
    /// Kill the process.
    Kill,
    /// Restart it.
    Restart,
    /// Cut all its links.
    Isolate,
    /// Heal all its links.
    Reconnect,
    /// Slow its links to and from the other brokers by `replica.lag.time.max.ms`, so it falls
    /// out of the ISR (a slow follower).
    Slow,
    /// Restore their latency.
    Unslow,
}

/// How a consumer's process ended, as its last lifecycle event said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerExit {
    /// Closed gracefully (`ConsumerStopped`: it committed and sent LeaveGroup).
    Stopped,
    /// Its process died (`ConsumerCrashed`: no LeaveGroup).
    Crashed,
    /// It gave up on a fatal error (`ConsumerFailed`).
    Failed,
}

impl ConsumerExit {
    /// Words for the groups panel.
    pub fn label(self) -> &'static str {
        match self {
            ConsumerExit::Stopped => "stopped",
            ConsumerExit::Crashed => "crashed",
            ConsumerExit::Failed => "failed",
        }
    }
}

/// A record the user sent from the producer panel.
#[derive(Clone, Debug, PartialEq)]
pub struct SentRecord {
    /// The ledger's id.
    pub record: RecordId,
    /// Where the producer routed it.
    pub tp: TopicPartition,
    /// When.
    pub at: SimTime,
}

/// Everything the page keeps about one run of the simulator.
pub struct Run {
    /// The recorded run: the simulated cluster, the load generator, every command with its time
    /// and checkpoints to travel back to. Every change goes through it, so links, files and the
    /// saved session replay exactly.
    pub timeline: Timeline,
    /// The last events.
    pub log: EventLog,
    /// Chart samples.
    pub charts: ChartSeries,
    /// The latest `InvariantViolated` events, newest last.
    pub alarms: VecDeque<Rc<LogEntry>>,
    /// How many guarantees broke since the run started.
    pub alarm_count: u64,
    /// The user's latest sends, newest last.
    pub sends: VecDeque<SentRecord>,
    /// How each stopped consumer stopped, by consumer id (from the consumer events), so the
    /// groups panel can say "crashed" where the core's client state says "stopped".
    pub consumer_exits: Vec<(u32, ConsumerExit)>,
    /// Simulated milliseconds owed to the next frame (speed × wall time has fractions).
    carry_ms: f64,
    /// The command id of a send whose `RecordSent` event is still to be read.
    pending_send: Option<CommandId>,
}

/// The load generator as the producer panel shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadView {
    rate: f64,
    key_mix: KeyMix,
}

impl LoadView {
    /// Records per simulated second (0: off).
    pub fn rate(&self) -> f64 {
        self.rate
    }
    /// The key mix.
    pub fn key_mix(&self) -> KeyMix {
        self.key_mix
    }
}

impl Run {
    /// Builds the running example for `params`, its load generator started.
    pub fn new(params: &StartParams) -> Result<Run, String> {
        let mut timeline = running_example::record(params)?;
        timeline.set_load(LoadSetting {
            at: timeline.now(),
            rate: whole_rate(params.rate),
            keys: params.key_mix.key_count(),
            topics: params.topic_names(),
            producer: 0,
        });
        // Set-up breaks no guarantee, but count any it did once: restore_alarms counts them, so
        // the set-up's events are drained here and only logged below.
        let setup: Vec<kafka_sim::Event> = timeline.drain_events().collect();
        let mut run = Run::around(timeline, EventLog::default());
        for event in setup {
            run.log.push(event);
        }
        Ok(run)
    }

    /// Replays `scenario` and stands at `at` (clamped to the run's end; the start if `None`).
    pub fn from_scenario(scenario: &Scenario, at: Option<SimTime>) -> Result<Run, String> {
        let mut timeline = Timeline::from_scenario(scenario).map_err(|e| e.to_string())?;
        let at = at.unwrap_or(SimTime::ZERO).min(timeline.end());
        timeline.seek(at);
        Ok(Run::around(timeline, EventLog::jumped_in(at)))
    }

    fn around(timeline: Timeline, log: EventLog) -> Run {
        let mut run = Run {
            charts: ChartSeries::new(timeline.sim()),
            timeline,
            log,
            alarms: VecDeque::new(),
            alarm_count: 0,
            sends: VecDeque::new(),
            consumer_exits: Vec::new(),
            carry_ms: 0.0,
            pending_send: None,
        };
        // A replayed run (seeked: nothing left to drain) takes its alarms from the core.
        run.restore_alarms();
        run.ingest();
        run
    }

    /// Alarms as the core counted them up to now (after a jump, the events on the way were not
    /// drained): the latest go back into the log where it skipped them.
    fn restore_alarms(&mut self) {
        let (count, recent) = self.timeline.violations();
        self.alarm_count = count;
        self.alarms.clear();
        for event in recent.iter().cloned() {
            let entry = self.log.insert(event);
            self.alarms.push_back(entry);
        }
    }

    /// The simulated cluster at the current moment.
    pub fn sim(&self) -> &Sim {
        self.timeline.sim()
    }

    /// The load generator's rate and keys.
    pub fn load(&self) -> LoadView {
        let load = self.timeline.load();
        LoadView {
            rate: f64::from(load.rate()),
            key_mix: KeyMix::from_key_count(load.setting().keys),
        }
    }

    /// Advances by `speed ×` the frame's wall time (both capped); whether the clock moved.
    pub fn tick(&mut self, wall_ms: f64, speed: f64) -> bool {
        let wall = if wall_ms.is_finite() {
            wall_ms.clamp(0.0, MAX_FRAME_WALL_MS)
        } else {
            0.0
        };
        let owed = wall * speed.clamp(MIN_SPEED, MAX_SPEED) + self.carry_ms;
        let whole = owed.floor();
        self.carry_ms = owed - whole;
        // A busy load generator slows the clock rather than skipping records: the run stays
        // what the recorded settings say, whatever the frame rate.
        let rate = u64::from(self.timeline.load().rate()).max(1);
        let cap = (MAX_FRAME_RECORDS * 1_000 / rate).clamp(1, MAX_FRAME_SIM_MS);
        let ms = (whole as u64).min(cap);
        if ms == 0 {
            return false;
        }
        self.advance(ms);
        true
    }

    /// Runs the cluster and the load generator for `ms` simulated milliseconds, sampling the
    /// charts on every simulated second on the way.
    pub fn advance(&mut self, ms: u64) {
        let target = self.sim().now().plus_ms(ms);
        loop {
            let stop = target.min(self.charts.next_at().max(self.sim().now()));
            self.timeline.advance_to(stop);
            if stop >= self.charts.next_at() {
                self.charts.sample(self.timeline.sim());
            }
            if stop >= target {
                break;
            }
        }
        self.ingest();
    }

    /// Processes scheduled items (and the load generator's sends) until one emits an event, or
    /// until [`MAX_STEP_MS`] simulated milliseconds passed without one (an idle cluster only
    /// exchanges heartbeats and empty fetches, which are not events).
    pub fn step_one_event(&mut self) {
        let limit = self.sim().now().plus_ms(MAX_STEP_MS);
        for _ in 0..MAX_STEP_ITEMS {
            if !self.timeline.step() || self.ingest() > 0 || self.sim().now() >= limit {
                break;
            }
        }
        while self.sim().now() >= self.charts.next_at() {
            self.charts.sample(self.timeline.sim());
        }
    }

    /// Applies a command now (discarding any recorded future); the refusal in words.
    pub fn apply(&mut self, command: Command) -> Result<CommandId, String> {
        let id = self.timeline.apply(command).map_err(|e| e.to_string());
        self.ingest();
        id
    }

    /// Sends one record from the producer panel and remembers it for the panel.
    pub fn send(&mut self, command: Command) -> Result<(), String> {
        let id = self.timeline.apply(command).map_err(|e| e.to_string())?;
        self.pending_send = Some(id);
        self.ingest();
        Ok(())
    }

    /// Changes the load generator's rate or keys now (a recorded setting).
    pub fn set_load(&mut self, rate: Option<f64>, key_mix: Option<KeyMix>) {
        let mut setting = self.timeline.load().setting().clone();
        if let Some(rate) = rate {
            setting.rate = whole_rate(rate);
        }
        if let Some(mix) = key_mix {
            setting.keys = mix.key_count();
        }
        if setting.topics.is_empty() {
            setting.topics = self
                .sim()
                .catalog()
                .user_topics()
                .map(|t| t.name.clone())
                .collect();
        }
        self.timeline.set_load(setting);
    }

    /// Simulated milliseconds a seek forward plays through rather than jumps: a short hop (the
    /// scrubber's arrow keys) keeps every event and sample, at the cost of a bounded replay.
    pub fn play_through_ms(&self) -> u64 {
        let rate = u64::from(self.timeline.load().rate()).max(1);
        (PLAY_THROUGH_RECORDS * 1_000 / rate).clamp(SAMPLE_MS, PLAY_THROUGH_MS)
    }

    /// Goes to `at` in the recorded run. Back: the log and the charts keep their history up to
    /// `at`. Forward: a short hop is played through (every event and sample kept); a longer one
    /// jumps, and the log and charts mark the stretch jumped over. The alarms are the core's
    /// count so far either way.
    pub fn seek(&mut self, at: SimTime) {
        let at = at.min(self.timeline.end());
        let now = self.sim().now();
        if at > now && at.since(now) <= self.play_through_ms() {
            self.advance(at.since(now));
            return;
        }
        let mut from = now;
        if at > now && self.log.total().is_none() {
            // The log does not know the id of the next event (it went back past events it had
            // forgotten): play up to that event, which the log then shows, so that the jump can
            // count what it skips.
            for _ in 0..MAX_STEP_ITEMS {
                if self.sim().now() >= at || !self.timeline.step() || self.ingest() > 0 {
                    break;
                }
            }
            // Past `at` only when no event came before it: then the seek below goes back.
            from = self.sim().now();
        }
        self.timeline.seek(at);
        if at < from {
            self.log.went_back(at);
            self.charts.went_back(self.timeline.sim());
            self.sends.retain(|s| s.at <= at);
        } else if at > from {
            self.log.jumped(from, at);
            self.charts.jumped_forward(self.timeline.sim());
        }
        self.restore_alarms();
        self.consumer_exits.clear();
        self.pending_send = None;
    }

    /// Moves the sim's new events into the log and the alarms; returns how many there were.
    fn ingest(&mut self) -> usize {
        let mut n = 0;
        for event in self.timeline.drain_events() {
            n += 1;
            if let (Some(id), EventKind::RecordSent { record, tp, .. }) =
                (self.pending_send, &event.kind)
                && event.cause == (Cause::Command { id })
            {
                if self.sends.len() == SENDS_KEPT {
                    self.sends.pop_front();
                }
                self.sends.push_back(SentRecord {
                    record: *record,
                    tp: *tp,
                    at: event.at,
                });
                self.pending_send = None;
            }
            let exit = match &event.kind {
                EventKind::ConsumerStopped { consumer } => {
                    Some((consumer.0, Some(ConsumerExit::Stopped)))
                }
                EventKind::ConsumerCrashed { consumer } => {
                    Some((consumer.0, Some(ConsumerExit::Crashed)))
                }
                EventKind::ConsumerFailed { consumer, .. } => {
                    Some((consumer.0, Some(ConsumerExit::Failed)))
                }
                EventKind::ConsumerRestarted { consumer } => Some((consumer.0, None)),
                _ => None,
            };
            if let Some((consumer, exit)) = exit {
                self.consumer_exits.retain(|(c, _)| *c != consumer);
                if let Some(exit) = exit {
                    self.consumer_exits.push((consumer, exit));
                }
            }
            let alarm = matches!(event.kind, EventKind::InvariantViolated { .. });
            let entry = self.log.push(event);
            if alarm {
                let entry = entry.clone();
                self.alarm_count += 1;
                if self.alarms.len() == ALARMS_KEPT {
                    self.alarms.pop_front();
                }
                self.alarms.push_back(entry);
            }
        }
        n
    }
}

/// Everything the page renders from.
#[derive(Clone)]
pub struct Store {
    /// The run; only [`Store::reduce`] borrows it mutably.
    pub run: Rc<RefCell<Run>>,
    /// Bumped on every change.
    pub version: u64,
    /// What the current run was built from (reset rebuilds from it).
    pub params: Rc<StartParams>,
    /// Whether the clock runs.
    pub playing: bool,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// What the inspector shows.
    pub selection: Option<Selection>,
    /// The open dialog.
    pub overlay: Overlay,
    /// The colour theme.
    pub theme: Theme,
    /// The event log's filter.
    pub log_filter: LogFilter,
    /// The last refused command or failed reset, shown until dismissed.
    pub notice: Option<Rc<str>>,
    /// Bumped when the event log should be redrawn: on every user action, and at most every
    /// [`LOG_REFRESH_MS`] of wall time while playing (a busy cluster emits thousands of events a
    /// second; redrawing the log every frame would cost more than it tells).
    pub log_stamp: u64,
    /// Wall milliseconds since `log_stamp` last moved.
    log_wall_ms: f64,
    /// Bumped when the consumer groups should be read again (`Sim::group_views`): on every user
    /// action and every [`GROUPS_REFRESH_MS`] of wall time while playing.
    pub groups_stamp: u64,
    /// Wall milliseconds since `groups_stamp` last moved.
    groups_wall_ms: f64,
    /// Bumped on every action except the animation tick (the page then redraws everything at
    /// once, rather than spreading a busy cluster's lanes over several frames).
    pub actions: u64,
}

/// How often the event log is redrawn while the clock runs, in wall milliseconds.
pub const LOG_REFRESH_MS: f64 = 200.0;
/// How often the consumer groups (panel, lane markers, inspector) are read while the clock runs,
/// in wall milliseconds.
pub const GROUPS_REFRESH_MS: f64 = 250.0;
/// How often when the load generator sends more than [`BUSY_LOG_RATE`] records a second.
pub const BUSY_LOG_REFRESH_MS: f64 = 1_000.0;
/// Load-generator rate (records per simulated second) above which the log is busy.
pub const BUSY_LOG_RATE: f64 = 50.0;

/// What components ask the store to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// An animation frame: `wall_ms` since the previous one.
    Tick {
        /// Wall-clock milliseconds since the previous frame.
        wall_ms: f64,
    },
    /// Start or stop the clock.
    TogglePlay,
    /// Stop the clock and process scheduled items up to the next event.
    StepOnce,
    /// Run `ms` simulated milliseconds now (with the load generator).
    AdvanceMs(u64),
    /// Playback speed.
    SetSpeed(f64),
    /// Multiply the playback speed (keyboard `+` / `-`).
    ScaleSpeed(f64),
    /// Apply commands (one user action may be several, e.g. slowing every link of a follower).
    Apply(Vec<Command>),
    /// Send one record from the producer panel.
    Send(Command),
    /// A broker card's button.
    Fault(u32, BrokerFault),
    /// Load generator rate (records per simulated second).
    SetLoadRate(f64),
    /// Load generator keys.
    SetKeyMix(KeyMix),
    /// Inspector.
    Select(Option<Selection>),
    /// Start a new run (the configuration panel, the seed input, the reset button).
    Reset(StartParams),
    /// Event log filter.
    SetLogFilter(LogFilter),
    /// Open a dialog (`Overlay::None` closes it).
    ShowOverlay(Overlay),
    /// Open a dialog, or close it if it is open.
    ToggleOverlay(Overlay),
    /// Colour theme.
    SetTheme(Theme),
    /// Hide the notice.
    DismissNotice,
    /// Go to a moment of the recorded run (pauses).
    Seek(SimTime),
    /// Forget the recorded future: what is done next starts a new branch here.
    ContinueFromHere,
    /// Replace the run by a scenario (a preset, a file, a link, the saved session).
    Load(Rc<LoadRun>),
    /// Show a problem (a bad link or file) in the notice banner; the run is kept.
    ShowNotice(Rc<str>),
}

/// A scenario to load, and where it came from.
#[derive(Debug, PartialEq)]
pub struct LoadRun {
    /// The run.
    pub scenario: Scenario,
    /// Where to stand in it (its start if `None`).
    pub at: Option<SimTime>,
    /// Whether the clock runs once it is loaded.
    pub play: bool,
    /// Where it came from, for an error message ("the share link", "preset …").
    pub source: String,
}

impl Store {
    /// A store running the example described by `params` (Kafka's defaults if those fail).
    pub fn new(params: StartParams) -> Store {
        let (run, params, notice) = match Run::new(&params) {
            Ok(run) => (run, params, None),
            Err(e) => {
                let fallback = StartParams::default();
                let run = Run::new(&fallback).expect("the default running example always builds");
                (
                    run,
                    fallback,
                    Some(Rc::from(format!("could not start: {e}"))),
                )
            }
        };
        Store {
            run: Rc::new(RefCell::new(run)),
            version: 0,
            playing: params.play,
            speed: params.speed,
            params: Rc::new(params),
            selection: None,
            overlay: Overlay::None,
            theme: Theme::Auto,
            log_filter: LogFilter::initial(),
            notice: None,
            log_stamp: 0,
            log_wall_ms: 0.0,
            groups_stamp: 0,
            groups_wall_ms: 0.0,
            actions: 0,
        }
        .with_notice(notice)
    }

    fn with_notice(mut self, notice: Option<Rc<str>>) -> Store {
        self.notice = notice;
        self
    }
}

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Tick { wall_ms } => {
                if !self.playing || !self.run.borrow_mut().tick(wall_ms, self.speed) {
                    return self;
                }
                let wall = wall_ms.clamp(0.0, MAX_FRAME_WALL_MS);
                next.log_wall_ms += wall;
                next.groups_wall_ms += wall;
                if next.groups_wall_ms >= GROUPS_REFRESH_MS {
                    next.groups_wall_ms = 0.0;
                    next.groups_stamp += 1;
                }
                // A busy log (hundreds of events a second) is unreadable while it runs anyway:
                // redraw it once a second then, and pause to read it.
                let busy = self.run.borrow().load().rate() > BUSY_LOG_RATE;
                let every = if busy {
                    BUSY_LOG_REFRESH_MS
                } else {
                    LOG_REFRESH_MS
                };
                if next.log_wall_ms >= every {
                    next.log_wall_ms = 0.0;
                    next.log_stamp += 1;
                }
                next.version += 1;
                return Rc::new(next);
            }
            Action::TogglePlay => next.playing = !next.playing,
            Action::StepOnce => {
                next.playing = false;
                self.run.borrow_mut().step_one_event();
            }
            Action::AdvanceMs(ms) => self.run.borrow_mut().advance(ms.min(60_000)),
            Action::SetSpeed(speed) if speed.is_finite() => {
                next.speed = speed.clamp(MIN_SPEED, MAX_SPEED)
            }
            Action::SetSpeed(_) => return self,
            Action::ScaleSpeed(factor) => {
                next.speed = (self.speed * factor).clamp(MIN_SPEED, MAX_SPEED)
            }
            Action::Apply(commands) => {
                let mut run = self.run.borrow_mut();
                for command in commands {
                    if let Err(e) = run.apply(command) {
                        next.notice = Some(Rc::from(e));
                        break;
                    }
                }
            }
            Action::Fault(broker, fault) => {
                let commands = {
                    let run = self.run.borrow();
                    let sim = run.sim();
                    let slow_ms = sim.config().broker.replica_lag_time_max_ms;
                    match fault {
                        BrokerFault::Kill => vec![Command::KillBroker { broker }],
                        BrokerFault::Restart => vec![Command::RestartBroker { broker }],
                        BrokerFault::Isolate => vec![Command::IsolateBroker { broker }],
                        BrokerFault::Reconnect => vec![Command::ReconnectBroker { broker }],
                        BrokerFault::Slow => slow_follower_commands(sim, broker, slow_ms),
                        BrokerFault::Unslow => slow_follower_commands(sim, broker, 0),
                    }
                };
                return self.reduce(Action::Apply(commands));
            }
            Action::Send(command) => {
                if let Err(e) = self.run.borrow_mut().send(command) {
                    next.notice = Some(Rc::from(e));
                }
            }
            Action::SetLoadRate(rate) => self.run.borrow_mut().set_load(Some(rate), None),
            Action::SetKeyMix(mix) => self.run.borrow_mut().set_load(None, Some(mix)),
            Action::Seek(at) => {
                next.playing = false;
                self.run.borrow_mut().seek(at);
            }
            Action::ContinueFromHere => self.run.borrow_mut().timeline.continue_from_here(),
            Action::Load(load) => match Run::from_scenario(&load.scenario, load.at) {
                Ok(run) => {
                    next.run = Rc::new(RefCell::new(run));
                    // The footer and the seed field show the loaded run's seed.
                    next.params = Rc::new(StartParams {
                        seed: load.scenario.seed,
                        ..(*self.params).clone()
                    });
                    next.selection = None;
                    next.notice = None;
                    next.playing = load.play;
                }
                Err(e) => {
                    next.notice = Some(Rc::from(format!(
                        "{}: {e}; the current run is kept",
                        load.source
                    )))
                }
            },
            Action::ShowNotice(text) => next.notice = Some(text),
            Action::Select(selection) => next.selection = selection,
            Action::Reset(mut params) => {
                params.fit();
                match Run::new(&params) {
                    Ok(run) => {
                        next.run = Rc::new(RefCell::new(run));
                        next.params = Rc::new(params);
                        next.selection = None;
                        next.notice = None;
                    }
                    Err(e) => next.notice = Some(Rc::from(format!("could not reset: {e}"))),
                }
            }
            Action::SetLogFilter(filter) => next.log_filter = filter,
            Action::ShowOverlay(overlay) => next.overlay = overlay,
            Action::ToggleOverlay(overlay) if self.overlay == overlay => {
                next.overlay = Overlay::None
            }
            Action::ToggleOverlay(overlay) => next.overlay = overlay,
            Action::SetTheme(theme) => next.theme = theme,
            Action::DismissNotice => next.notice = None,
        }
        next.version += 1;
        next.log_stamp += 1;
        next.groups_stamp += 1;
        next.actions += 1;
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::ChartData;
    use crate::log_lines::LogLine;

    const LOG_ROWS_FOR_TEST: usize = 1_000;

    fn store() -> Rc<Store> {
        Rc::new(Store::new(StartParams::default()))
    }

    #[test]
    fn a_tick_while_paused_changes_nothing() {
        let s = store();
        let paused = s.reduce(Action::TogglePlay);
        assert!(!paused.playing);
        let after = paused.clone().reduce(Action::Tick { wall_ms: 16.0 });
        assert!(Rc::ptr_eq(&paused, &after));
    }

    #[test]
    fn ticks_advance_speed_times_wall_time_and_cap_slow_frames() {
        let s = store();
        let t0 = s.run.borrow().sim().now();
        // 0.25 × 40 ms = 10 ms.
        let s = s.reduce(Action::Tick { wall_ms: 40.0 });
        assert_eq!(s.run.borrow().sim().now(), t0.plus_ms(10));
        // A 10 s frame counts as 50 ms: 12.5 ms more (the half is carried).
        let s = s.reduce(Action::Tick { wall_ms: 10_000.0 });
        assert_eq!(s.run.borrow().sim().now(), t0.plus_ms(22));
        let s = s.reduce(Action::SetSpeed(100.0));
        let s = s.reduce(Action::Tick {
            wall_ms: f64::INFINITY,
        });
        assert_eq!(s.run.borrow().sim().now(), t0.plus_ms(22));
    }

    #[test]
    fn the_log_is_redrawn_a_few_times_a_second_while_playing_and_on_every_action() {
        let mut s = store();
        let stamp = s.log_stamp;
        for _ in 0..10 {
            s = s.reduce(Action::Tick { wall_ms: 16.0 });
        }
        assert_eq!(s.log_stamp, stamp, "160 ms of frames");
        for _ in 0..3 {
            s = s.reduce(Action::Tick { wall_ms: 16.0 });
        }
        assert_eq!(s.log_stamp, stamp + 1, "208 ms of frames");
        let s = s.reduce(Action::Select(None));
        assert_eq!(s.log_stamp, stamp + 2);
    }

    #[test]
    fn groups_are_read_again_four_times_a_second_and_on_every_action() {
        let mut s = store();
        let stamp = s.groups_stamp;
        for _ in 0..15 {
            s = s.reduce(Action::Tick { wall_ms: 16.0 });
        }
        assert_eq!(s.groups_stamp, stamp, "240 ms of frames");
        s = s.reduce(Action::Tick { wall_ms: 16.0 });
        assert_eq!(s.groups_stamp, stamp + 1, "256 ms of frames");
        let s = s.reduce(Action::Select(Some(Selection::Group("analytics".into()))));
        assert_eq!(s.groups_stamp, stamp + 2);
    }

    #[test]
    fn a_crashed_consumer_is_remembered_as_crashed_until_it_restarts() {
        let s = store().reduce(Action::AdvanceMs(3_000));
        let s = s.reduce(Action::Apply(vec![Command::CrashConsumer { consumer: 1 }]));
        assert_eq!(
            s.run.borrow().consumer_exits,
            vec![(1, ConsumerExit::Crashed)]
        );
        let s = s.reduce(Action::Apply(vec![Command::StopConsumer { consumer: 3 }]));
        let s = s.reduce(Action::AdvanceMs(1_000));
        assert!(
            s.run
                .borrow()
                .consumer_exits
                .contains(&(3, ConsumerExit::Stopped))
        );
        let s = s.reduce(Action::Apply(vec![Command::RestartConsumer {
            consumer: 1,
        }]));
        assert!(!s.run.borrow().consumer_exits.iter().any(|(c, _)| *c == 1));
    }

    #[test]
    fn acks_are_read_from_the_core() {
        let s = store().reduce(Action::Apply(vec![Command::SetAcks {
            producer: 0,
            acks: kafka_sim::Acks::One,
        }]));
        let view = crate::view_model::producer(&s.run.borrow());
        assert_eq!(view.acks, kafka_sim::Acks::One);
    }

    #[test]
    fn load_generator_sends_at_its_rate() {
        let s = store();
        let sent0 = s.run.borrow().sim().ledger().counts().sent;
        // The example sends 4 records per simulated second.
        let s = s.reduce(Action::AdvanceMs(10_000));
        let sent = s.run.borrow().sim().ledger().counts().sent - sent0;
        assert_eq!(sent, 40);
        assert_eq!(s.run.borrow().charts.samples().len(), 10);
    }

    #[test]
    fn a_send_is_remembered_with_its_partition() {
        let s = store().reduce(Action::Send(Command::Produce {
            producer: 0,
            topic: "orders".into(),
            key: Some("key-0".into()),
            value: Some("hello".into()),
            partition: None,
        }));
        let run = s.run.borrow();
        let sent = run.sends.back().expect("remembered");
        // tests/fixtures/vectors/murmur2.json: "key-0" with 3 partitions → partition 1.
        assert_eq!(sent.tp.partition, 1);
    }

    #[test]
    fn a_refused_command_becomes_a_notice() {
        let s = store().reduce(Action::Apply(vec![Command::RestartBroker { broker: 1 }]));
        assert!(s.notice.as_deref().is_some_and(|n| n.contains("1")));
        let s = s.reduce(Action::DismissNotice);
        assert!(s.notice.is_none());
    }

    #[test]
    fn step_once_pauses_and_emits_an_event() {
        let s = store();
        let (t0, before) = (s.run.borrow().sim().now(), s.run.borrow().log.total());
        let s = s.reduce(Action::StepOnce);
        assert!(!s.playing);
        // The example's load generator sends a record every 250 ms, so an event comes soon
        // (one send emits RecordSent and, with linger.ms=0, ProduceRequestSent at once).
        assert!(s.run.borrow().log.total() > before);
        assert!(s.run.borrow().sim().now() <= t0.plus_ms(250));
    }

    #[test]
    fn step_on_an_idle_cluster_stops_after_a_bounded_time() {
        let s = store().reduce(Action::SetLoadRate(0.0));
        let t0 = s.run.borrow().sim().now();
        let s = s.reduce(Action::StepOnce);
        let t1 = s.run.borrow().sim().now();
        assert!(
            t1 > t0 && t1 <= t0.plus_ms(MAX_STEP_MS + 1_000),
            "{t0} → {t1}"
        );
    }

    #[test]
    fn reset_builds_a_new_run_from_params() {
        let p = StartParams {
            brokers: 5,
            partitions: 6,
            ..StartParams::default()
        };
        let s = store().reduce(Action::Reset(p));
        let run = s.run.borrow();
        assert_eq!(run.sim().broker_ids().len(), 5);
        assert_eq!(run.sim().partitions_of("orders").len(), 6);
    }

    /// The page's run exported as a scenario and replayed from scratch has the same records.
    fn replays_identically(s: &Store) {
        let run = s.run.borrow();
        let scenario = run.timeline.to_scenario("");
        let json = scenario.to_json();
        let parsed = Scenario::from_json(&json).expect("the page's export reads back");
        let (sim, refused) = parsed.run(Some(run.sim().now())).expect("runs");
        assert!(refused.is_empty(), "{refused:?}");
        assert_eq!(sim.ledger().records(), run.sim().ledger().records());
        assert_eq!(sim.group_views(), run.sim().group_views());
    }

    #[test]
    fn every_action_and_the_load_generator_are_recorded() {
        let mut s = store();
        for _ in 0..50 {
            s = s.reduce(Action::Tick { wall_ms: 16.0 });
        }
        let s = s.reduce(Action::SetLoadRate(50.0));
        let s = s.reduce(Action::AdvanceMs(2_000));
        let s = s.reduce(Action::Fault(2, BrokerFault::Kill));
        let s = s.reduce(Action::SetKeyMix(KeyMix::None));
        let s = s.reduce(Action::StepOnce);
        let s = s.reduce(Action::Send(Command::Produce {
            producer: 0,
            topic: "orders".into(),
            key: Some("k".into()),
            value: Some("v".into()),
            partition: None,
        }));
        let s = s.reduce(Action::AdvanceMs(5_000));
        assert!(s.run.borrow().sim().ledger().counts().sent > 250);
        assert_eq!(s.run.borrow().timeline.load_settings().len(), 3);
        replays_identically(&s);
    }

    #[test]
    fn a_busy_generator_slows_the_clock_instead_of_skipping_records() {
        let s = store().reduce(Action::SetLoadRate(2_000.0));
        let s = s.reduce(Action::SetSpeed(100.0));
        let t0 = s.run.borrow().sim().now();
        let sent0 = s.run.borrow().sim().ledger().counts().sent;
        let s = s.reduce(Action::Tick { wall_ms: 40.0 });
        let run = s.run.borrow();
        let ms = run.sim().now().since(t0);
        assert_eq!(ms, MAX_FRAME_RECORDS * 1_000 / 2_000, "capped, not 4 s");
        assert_eq!(run.sim().ledger().counts().sent - sent0, 2 * ms);
    }

    #[test]
    fn seeking_back_and_acting_continues_from_there() {
        let s = store().reduce(Action::AdvanceMs(10_000));
        let end = s.run.borrow().sim().now();
        let s = s.reduce(Action::Apply(vec![Command::KillBroker { broker: 1 }]));
        let back = SimTime(end.0 - 6_000);
        let s = s.reduce(Action::Seek(back));
        assert!(!s.playing, "seeking pauses");
        assert_eq!(s.run.borrow().sim().now(), back);
        assert_eq!(s.run.borrow().timeline.end(), end);
        assert_eq!(
            s.run.borrow().timeline.entries_ahead(),
            1,
            "the kill is ahead"
        );
        // Playing replays the recorded future; a seek forward finds the kill done.
        let s = s.reduce(Action::Seek(end));
        assert!(!s.run.borrow().sim().broker_alive(kafka_sim::BrokerId(1)));
        let s = s.reduce(Action::Seek(back));
        let s = s.reduce(Action::Apply(vec![Command::KillBroker { broker: 2 }]));
        {
            let run = s.run.borrow();
            assert_eq!(run.timeline.entries_ahead(), 0);
            assert_eq!(run.timeline.end(), back, "the future is gone");
            assert!(run.sim().broker_alive(kafka_sim::BrokerId(1)));
        }
        let s = s.reduce(Action::AdvanceMs(3_000));
        assert!(s.run.borrow().sim().broker_alive(kafka_sim::BrokerId(1)));
        replays_identically(&s);
    }

    /// The log's events (time, id) and the chart samples, oldest first.
    fn history(s: &Store) -> (Vec<(SimTime, u64)>, Vec<crate::chart_series::Sample>) {
        let run = s.run.borrow();
        let all = LogFilter {
            hidden: 0,
            text: String::new(),
        };
        let mut events: Vec<(SimTime, u64)> = run
            .log
            .rows(run.sim(), &all, usize::MAX)
            .iter()
            .map(|r| (r.at, r.id))
            .collect();
        events.reverse();
        (events, run.charts.samples().iter().cloned().collect())
    }

    #[test]
    fn a_seek_back_keeps_the_history_up_to_the_target_and_replays_the_same_after_it() {
        let s = store().reduce(Action::AdvanceMs(6_000));
        let s = s.reduce(Action::Fault(2, BrokerFault::Kill));
        let s = s.reduce(Action::AdvanceMs(14_000));
        let end = s.run.borrow().sim().now();
        let (events, samples) = history(&s);
        assert_eq!(samples.len(), 20);
        let back = SimTime(end.0 - 9_500);
        let s = s.reduce(Action::Seek(back));
        {
            let (kept_events, kept_samples) = history(&s);
            let before = |at: &SimTime| *at <= back;
            assert_eq!(
                kept_events,
                events
                    .iter()
                    .copied()
                    .filter(|e| before(&e.0))
                    .collect::<Vec<_>>()
            );
            assert_eq!(
                kept_samples,
                samples
                    .iter()
                    .filter(|x| before(&x.at))
                    .cloned()
                    .collect::<Vec<_>>()
            );
            assert_eq!(kept_samples.len(), 10);
            let run = s.run.borrow();
            assert!(run.log.jumps().is_empty());
            let lines = run
                .log
                .lines(run.sim(), &LogFilter::initial(), LOG_ROWS_FOR_TEST);
            assert!(
                lines.iter().all(|l| matches!(l, LogLine::Event(_))),
                "{lines:?}"
            );
        }
        // Playing on replays the recording: the same events and samples as the first time.
        let s = s.reduce(Action::AdvanceMs(9_500));
        assert_eq!(s.run.borrow().sim().now(), end);
        assert_eq!(history(&s), (events, samples));
    }

    #[test]
    fn a_short_hop_forward_is_played_through() {
        let s = store().reduce(Action::AdvanceMs(10_000));
        let end = s.run.borrow().sim().now();
        let (events, samples) = history(&s);
        let s = s.reduce(Action::Seek(SimTime(end.0 - 4_000)));
        let s = s.reduce(Action::Seek(end));
        assert!(s.run.borrow().log.jumps().is_empty());
        assert_eq!(history(&s), (events, samples));
    }

    #[test]
    fn a_long_jump_forward_is_marked_with_the_number_of_events_skipped() {
        assert!(store().run.borrow().play_through_ms() < 8_000);
        // The same run played straight through, for the counts the jump must report.
        let straight = store().reduce(Action::AdvanceMs(3_000));
        let (from, emitted_by_from) = {
            let run = straight.run.borrow();
            (run.sim().now(), run.log.total().expect("events"))
        };
        // Longer than a play-through, short enough that the log forgets nothing after `from`.
        let straight = straight.reduce(Action::AdvanceMs(8_000));
        let to = SimTime(from.0 + 8_000);
        let emitted_by_to = straight.run.borrow().log.total().expect("events");
        let straight = straight.reduce(Action::AdvanceMs(1_000));
        let (_, samples) = history(&straight);

        let s = straight.reduce(Action::Seek(from));
        let s = s.reduce(Action::Seek(to));
        let run = s.run.borrow();
        assert_eq!(run.sim().now(), to);
        let jump = run.log.jumps().last().cloned().expect("a jump");
        assert_eq!((jump.from, jump.to), (from, to));
        // Not known until the next event comes.
        assert_eq!(run.log.skipped(&jump), None);
        let (kept_events, kept_samples) = history(&s);
        assert!(kept_events.iter().all(|e| e.0 <= from));
        assert!(kept_samples.iter().all(|x| x.at <= from));
        assert_eq!(
            run.charts.head(),
            to,
            "the charts' right edge is the target"
        );
        drop(run);
        let s = s.reduce(Action::AdvanceMs(1_000));
        let run = s.run.borrow();
        let jump = run.log.jumps().last().cloned().expect("a jump");
        // No alarm in this run: every event emitted after `from` up to `to` was skipped.
        assert_eq!(
            run.log.skipped(&jump),
            Some(emitted_by_to - emitted_by_from)
        );
        let lines = run.log.lines(run.sim(), &LogFilter::initial(), 1_000);
        let note = lines
            .iter()
            .find_map(|l| match l {
                LogLine::Note(n) => Some(n.text.to_string()),
                LogLine::Event(_) => None,
            })
            .expect("a note");
        assert_eq!(
            note,
            format!(
                "jumped from {from} to {to}: the {} events between are not shown",
                emitted_by_to - emitted_by_from
            )
        );
        // The first sample after the jump is the one a second after the target, and its
        // numbers are those of the straight run.
        let first = run.charts.samples().back().expect("sampled");
        assert_eq!(first.at, to.plus_ms(1_000));
        assert_eq!(Some(first), samples.last());
        assert_eq!(ChartData::of(&run.charts).gaps.len(), 1);
    }

    #[test]
    fn a_jump_after_going_back_past_forgotten_events_still_counts_what_it_skips() {
        let busy = StartParams {
            rate: 10.0,
            ..StartParams::default()
        };
        let straight = Rc::new(Store::new(busy)).reduce(Action::AdvanceMs(20_000));
        let end = straight.run.borrow().sim().now();
        let emitted_by_end = straight.run.borrow().log.total().expect("events");
        let s = straight.reduce(Action::Seek(SimTime(6_000)));
        assert_eq!(
            s.run.borrow().log.total(),
            None,
            "the log forgot replication events after 6 s"
        );
        let s = s.reduce(Action::Seek(end));
        let (from, newest_before) = {
            let run = s.run.borrow();
            let jump = run.log.jumps().last().cloned().expect("a jump");
            let all = LogFilter {
                hidden: 0,
                text: String::new(),
            };
            let rows = run.log.rows(run.sim(), &all, usize::MAX);
            (jump.from, rows.first().expect("rows").id)
        };
        assert!(from >= SimTime(6_000) && from < SimTime(7_000), "{from}");
        let s = s.reduce(Action::StepOnce);
        let run = s.run.borrow();
        let jump = run.log.jumps().last().cloned().expect("a jump");
        assert_eq!(
            run.log.skipped(&jump),
            Some(emitted_by_end - newest_before - 1)
        );
    }

    #[test]
    fn a_scenario_that_fails_to_load_keeps_the_run() {
        let s = store().reduce(Action::AdvanceMs(1_000));
        let before = s.run.borrow().sim().now();
        let mut scenario = s.run.borrow().timeline.to_scenario("");
        scenario.config.brokers = 0; // invalid: refused by the core
        let s = s.reduce(Action::Load(Rc::new(LoadRun {
            scenario,
            at: None,
            play: true,
            source: "the file".into(),
        })));
        assert_eq!(s.run.borrow().sim().now(), before);
        let notice = s.notice.as_deref().unwrap_or_default();
        assert!(
            notice.starts_with("the file: ") && notice.contains("brokers"),
            "{notice}"
        );
    }

    #[test]
    fn alarms_after_a_seek_are_the_cores_count_so_far() {
        let text = include_str!("../../../www/scenarios/acks-1-leader-failover.json");
        let scenario = Scenario::from_json(text).unwrap();
        let s = store().reduce(Action::Load(Rc::new(LoadRun {
            scenario,
            at: None,
            play: false,
            source: "preset".into(),
        })));
        assert_eq!(s.run.borrow().alarm_count, 0);
        let s = s.reduce(Action::Seek(SimTime(25_000)));
        {
            let run = s.run.borrow();
            // tests/scenarios.rs: the three lost writes are three violations allowed by acks=1.
            assert_eq!(run.alarm_count, 3);
            assert_eq!(run.alarms.len(), 3);
            assert_eq!(run.timeline.goal_holds(), Some(true));
        }
        let s = s.reduce(Action::Seek(SimTime(2_000)));
        assert_eq!(s.run.borrow().alarm_count, 0);
        assert_eq!(s.run.borrow().timeline.goal_holds(), Some(false));
    }
}
