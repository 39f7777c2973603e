//! The event log's memory: the last [`LOG_CAPACITY`] events of each kind (so a busy kind, say
//! consumers processing records, never pushes a rare one, a broker fenced, out of the log), each
//! narrated by `kafka_sim::narrate::sentence` only when it is first shown (a busy cluster emits
//! thousands of events a second; most scroll away unread).
//!
//! Entries are keyed by simulated time, so time travel keeps the log's history: a seek back
//! forgets the entries after the target; a jump forward that was not played through leaves a
//! [`Jump`] in the log, shown as a line saying which moments were skipped and how many events
//! they held (the core numbers its events in order, so the count is the difference of two ids).

use std::cell::OnceCell;
use std::collections::VecDeque;
use std::rc::Rc;

use kafka_sim::event::Cause;
use kafka_sim::{BrokerId, Event, EventKind, NodeId, Sim, SimTime, TopicPartition};

/// How many events of each kind the log keeps.
pub const LOG_CAPACITY: usize = 400;
/// Kinds of events (filter chips).
const KINDS: usize = LogKind::ALL.len();
/// How many rows the event log shows at most.
pub const LOG_ROWS: usize = 60;
/// How many while a busy cluster plays (every redraw replaces them all; pause to read more).
pub const BUSY_LOG_ROWS: usize = 25;

/// What an event is about, for the log's filter chips.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogKind {
    /// Brokers, the controller, links.
    Cluster,
    /// Leader elections and ISR changes.
    Leaders,
    /// Producer sends, batches, acknowledgements and failures.
    Produce,
    /// Appends, high watermarks, truncation, retention.
    Replication,
    /// Topic creation and configuration.
    Topics,
    /// Broken guarantees and lost records.
    Alarms,
    /// Consumers and their groups: joins, assignments, processing, commits, crashes.
    Groups,
}

impl LogKind {
    /// Every kind, in the order of the filter chips.
    pub const ALL: [LogKind; 7] = [
        LogKind::Cluster,
        LogKind::Leaders,
        LogKind::Produce,
        LogKind::Groups,
        LogKind::Replication,
        LogKind::Topics,
        LogKind::Alarms,
    ];

    /// The chip label.
    pub fn label(self) -> &'static str {
        match self {
            LogKind::Cluster => "brokers",
            LogKind::Leaders => "leaders & ISR",
            LogKind::Produce => "produce",
            LogKind::Replication => "replication",
            LogKind::Topics => "topics",
            LogKind::Alarms => "alarms",
            LogKind::Groups => "consumers & groups",
        }
    }

    /// A bit for [`LogFilter::hidden`].
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The kind of `event`. The match lists every event kind, so a kind the core adds must be
    /// given a chip here before the page compiles.
    pub fn of(kind: &EventKind) -> LogKind {
        match kind {
            EventKind::BrokerStarted { .. }
            | EventKind::BrokerKilled { .. }
            | EventKind::BrokerRegistered { .. }
            | EventKind::BrokerUnfenced { .. }
            | EventKind::BrokerFenced { .. }
            | EventKind::LinkCut { .. }
            | EventKind::LinkHealed { .. }
            | EventKind::LinkSlowed { .. } => LogKind::Cluster,
            EventKind::LeaderElected { .. }
            | EventKind::IsrShrunk { .. }
            | EventKind::IsrExpanded { .. } => LogKind::Leaders,
            EventKind::RecordSent { .. }
            | EventKind::ProduceRequestSent { .. }
            | EventKind::ProduceAcked { .. }
            | EventKind::ProduceFailed { .. }
            | EventKind::ProduceRetrying { .. }
            | EventKind::ProducerAdded { .. } => LogKind::Produce,
            EventKind::RecordsAppended { .. }
            | EventKind::HighWatermarkAdvanced { .. }
            | EventKind::LogTruncated { .. }
            | EventKind::RecordsDeleted { .. } => LogKind::Replication,
            EventKind::TopicCreated { .. }
            | EventKind::PartitionsAdded { .. }
            | EventKind::TopicConfigChanged { .. } => LogKind::Topics,
            EventKind::InvariantViolated { .. } | EventKind::RecordLost { .. } => LogKind::Alarms,
            EventKind::ConsumerAdded { .. }
            | EventKind::ConsumerStopped { .. }
            | EventKind::ConsumerCrashed { .. }
            | EventKind::ConsumerFailed { .. }
            | EventKind::ConsumerRestarted { .. }
            | EventKind::CoordinatorFound { .. }
            | EventKind::CoordinatorLost { .. }
            | EventKind::Group { .. }
            | EventKind::JoinGroupSent { .. }
            | EventKind::PartitionsAssigned { .. }
            | EventKind::PartitionsRevoked { .. }
            | EventKind::PositionInitialized { .. }
            | EventKind::RecordsProcessed { .. }
            | EventKind::RecordsSkipped { .. }
            | EventKind::OffsetsCommitted { .. }
            | EventKind::OffsetCommitFailed { .. }
            | EventKind::PollTimeoutExpired { .. } => LogKind::Groups,
        }
    }
}

/// What the event log shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Kinds switched off, as [`LogKind::bit`]s.
    pub hidden: u8,
    /// Only sentences containing this text (ignoring ASCII case); empty shows all.
    pub text: String,
}

impl LogFilter {
    /// The default: everything but the (very busy) replication traffic.
    pub fn initial() -> LogFilter {
        LogFilter {
            hidden: LogKind::Replication.bit(),
            text: String::new(),
        }
    }
    /// Whether `kind` is shown.
    pub fn shows(&self, kind: LogKind) -> bool {
        self.hidden & kind.bit() == 0
    }
}

/// One remembered event.
#[derive(Debug)]
pub struct LogEntry {
    /// The event.
    pub event: Event,
    /// Its kind.
    pub kind: LogKind,
    text: OnceCell<Rc<str>>,
}

impl LogEntry {
    fn new(event: Event) -> LogEntry {
        LogEntry {
            kind: LogKind::of(&event.kind),
            event,
            text: OnceCell::new(),
        }
    }

    /// The event's sentence, narrated on first use.
    pub fn text(&self, sim: &Sim) -> Rc<str> {
        self.text
            .get_or_init(|| kafka_sim::narrate::sentence(&self.event, sim).into())
            .clone()
    }
}

/// The partition and brokers an event names, for highlighting and the row's chips.
pub fn mentions(kind: &EventKind) -> (Option<TopicPartition>, Vec<BrokerId>) {
    use EventKind as K;
    match kind {
        K::BrokerStarted { broker }
        | K::BrokerKilled { broker }
        | K::BrokerRegistered { broker, .. }
        | K::BrokerUnfenced { broker }
        | K::BrokerFenced { broker, .. } => (None, vec![*broker]),
        K::LeaderElected {
            tp,
            leader,
            previous,
            ..
        } => {
            let mut b: Vec<BrokerId> = previous.iter().chain(leader.iter()).copied().collect();
            b.dedup();
            (Some(*tp), b)
        }
        K::IsrShrunk { tp, removed: b, .. } | K::IsrExpanded { tp, added: b, .. } => {
            (Some(*tp), b.clone())
        }
        K::RecordsAppended { tp, broker, .. }
        | K::HighWatermarkAdvanced { tp, broker, .. }
        | K::LogTruncated { tp, broker, .. }
        | K::RecordsDeleted { tp, broker, .. } => (Some(*tp), vec![*broker]),
        K::ProduceRequestSent { tp, leader, .. } => (Some(*tp), vec![*leader]),
        K::CoordinatorFound { broker, .. }
        | K::CoordinatorLost { broker, .. }
        | K::Group { broker, .. } => (None, vec![*broker]),
        K::PositionInitialized { tp, .. }
        | K::RecordsProcessed { tp, .. }
        | K::RecordsSkipped { tp, .. } => (Some(*tp), Vec::new()),
        K::RecordLost { tp, .. }
        | K::RecordSent { tp, .. }
        | K::ProduceAcked { tp, .. }
        | K::ProduceFailed { tp, .. }
        | K::ProduceRetrying { tp, .. } => (Some(*tp), Vec::new()),
        K::LinkCut { from, to } | K::LinkHealed { from, to } | K::LinkSlowed { from, to, .. } => {
            let b = [from, to]
                .into_iter()
                .filter_map(|n| match n {
                    NodeId::Broker(b) => Some(*b),
                    _ => None,
                })
                .collect();
            (None, b)
        }
        _ => (None, Vec::new()),
    }
}

/// The consumer group and consumer an event names, for the row's chips.
pub fn group_mentions(kind: &EventKind) -> (Option<&str>, Option<u32>) {
    use EventKind as K;
    match kind {
        K::ConsumerAdded {
            consumer, group, ..
        }
        | K::CoordinatorFound {
            consumer, group, ..
        }
        | K::CoordinatorLost {
            consumer, group, ..
        }
        | K::JoinGroupSent {
            consumer, group, ..
        }
        | K::PartitionsAssigned {
            consumer, group, ..
        }
        | K::PartitionsRevoked {
            consumer, group, ..
        }
        | K::RecordsProcessed {
            consumer, group, ..
        }
        | K::OffsetsCommitted {
            consumer, group, ..
        }
        | K::OffsetCommitFailed {
            consumer, group, ..
        }
        | K::PollTimeoutExpired { consumer, group } => (Some(group), Some(consumer.0)),
        K::Group { group, .. } | K::RecordsSkipped { group, .. } => (Some(group), None),
        K::ConsumerStopped { consumer }
        | K::ConsumerCrashed { consumer }
        | K::ConsumerFailed { consumer, .. }
        | K::ConsumerRestarted { consumer }
        | K::PositionInitialized { consumer, .. } => (None, Some(consumer.0)),
        _ => (None, None),
    }
}

/// A stretch of the run the log skipped: time travel jumped over it without replaying its events
/// into the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jump {
    /// The moment the run jumped from.
    pub from: SimTime,
    /// The moment it jumped to.
    pub to: SimTime,
    /// The id of the first event after `from` (`None`: not known, the log having been cut there).
    first_skipped: Option<u64>,
    /// The id of the first event after the jump, once it came.
    first_after: Option<u64>,
    /// Whether this is the start of a loaded run (the log never saw its beginning).
    opened: bool,
}

/// The last events of a run, [`LOG_CAPACITY`] per kind.
#[derive(Debug, Default)]
pub struct EventLog {
    kinds: [VecDeque<Rc<LogEntry>>; KINDS],
    /// Per kind, the time of the newest entry forgotten to keep the kind at [`LOG_CAPACITY`].
    forgotten: [Option<SimTime>; KINDS],
    /// The id the next event will have, when known (the core numbers events from 0).
    next_id: Option<u64>,
    /// Stretches jumped over, oldest first.
    jumps: Vec<Jump>,
    /// How many times the run went back, and the newest id kept the last time.
    cuts: (u64, Option<u64>),
}

impl EventLog {
    /// A log of a run that starts at `at` without the events before it (a loaded run that
    /// stands somewhere in its recording): they show as a jump from the start.
    pub fn jumped_in(at: SimTime) -> EventLog {
        EventLog {
            next_id: Some(0),
            jumps: vec![Jump {
                from: SimTime::ZERO,
                to: at,
                first_skipped: Some(0),
                first_after: None,
                opened: true,
            }],
            ..EventLog::default()
        }
    }

    /// Remembers `event`, the newest so far, forgetting the oldest of its kind beyond
    /// [`LOG_CAPACITY`]; returns its entry.
    pub fn push(&mut self, event: Event) -> &Rc<LogEntry> {
        let id = event.id.0;
        if let Some(jump) = self.jumps.last_mut()
            && jump.first_after.is_none()
        {
            jump.first_after = Some(id);
        }
        self.next_id = Some(id + 1);
        let kind = LogKind::of(&event.kind);
        let entries = &mut self.kinds[kind as usize];
        if entries.len() == LOG_CAPACITY
            && let Some(old) = entries.pop_front()
        {
            self.forgotten[kind as usize] = Some(old.event.at);
        }
        entries.push_back(Rc::new(LogEntry::new(event)));
        entries.back().expect("just pushed")
    }

    /// Puts back an event the log skipped (an alarm of a stretch jumped over), in id order;
    /// returns its entry, the one already kept if it is there.
    pub fn insert(&mut self, event: Event) -> Rc<LogEntry> {
        let entries = &mut self.kinds[LogKind::of(&event.kind) as usize];
        match entries.binary_search_by_key(&event.id, |e| e.event.id) {
            Ok(i) => entries[i].clone(),
            Err(i) => {
                let entry = Rc::new(LogEntry::new(event));
                if entries.len() < LOG_CAPACITY {
                    entries.insert(i, entry.clone());
                }
                entry
            }
        }
    }

    /// The run went back to `at`: forgets the entries and jumps after it.
    pub fn went_back(&mut self, at: SimTime) {
        // The id of the first event after `at` is the smallest forgotten here, when every
        // event after `at` was in the log.
        let mut first_after_at: Option<u64> = None;
        let mut changed = false;
        for entries in &mut self.kinds {
            while let Some(e) = entries.back().filter(|e| e.event.at > at) {
                first_after_at = Some(first_after_at.map_or(e.event.id.0, |f| f.min(e.event.id.0)));
                entries.pop_back();
                changed = true;
            }
        }
        let mut known = self.forgotten.iter().flatten().all(|t| *t <= at);
        for jump in self.jumps.iter().filter(|j| j.from >= at) {
            changed = true;
            match jump.first_skipped {
                Some(id) => first_after_at = Some(first_after_at.map_or(id, |f| f.min(id))),
                None => known = false,
            }
        }
        self.jumps.retain(|j| j.from < at);
        if let Some(jump) = self.jumps.last_mut()
            && jump.to > at
        {
            // Back into a stretch jumped over: what is around `at` was never logged.
            jump.to = at;
            jump.first_after = None;
            changed = true;
            known = false;
        }
        if changed {
            self.next_id = first_after_at.filter(|_| known);
        }
        let newest = self
            .kinds
            .iter()
            .filter_map(|e| e.back())
            .map(|e| e.event.id.0)
            .max();
        self.cuts = (self.cuts.0 + 1, newest);
    }

    /// How many times the run went back, and the newest event id kept the last time (events
    /// after it are new, replayed or not): for readers that follow the log by id.
    pub fn cuts(&self) -> (u64, Option<u64>) {
        self.cuts
    }

    /// The run jumped from `from` to `to` without replaying the events between into the log.
    pub fn jumped(&mut self, from: SimTime, to: SimTime) {
        if let Some(jump) = self.jumps.last_mut()
            && jump.first_after.is_none()
        {
            // No event since the last jump: one longer jump.
            jump.to = to;
            return;
        }
        self.jumps.push(Jump {
            from,
            to,
            first_skipped: self.next_id,
            first_after: None,
            opened: false,
        });
    }

    /// Events remembered now (at most [`LOG_CAPACITY`] per kind).
    pub fn len(&self) -> usize {
        self.kinds.iter().map(VecDeque::len).sum()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events the core emitted up to the newest one logged (`None` right after time travel,
    /// until the next event tells).
    pub fn total(&self) -> Option<u64> {
        self.next_id
    }

    /// The stretches jumped over, oldest first.
    pub fn jumps(&self) -> &[Jump] {
        &self.jumps
    }

    /// How many events `jump` skipped and the log does not show (the alarms put back are
    /// shown), when known.
    pub fn skipped(&self, jump: &Jump) -> Option<u64> {
        let (first, after) = (jump.first_skipped?, jump.first_after?);
        let shown = self
            .kinds
            .iter()
            .flatten()
            .filter(|e| (first..after).contains(&e.event.id.0))
            .count() as u64;
        Some(after.saturating_sub(first).saturating_sub(shown))
    }

    /// The lines of the log panel: [`EventLog::rows`] with a note where a jump skipped events
    /// and where older events are only partly kept.
    pub fn lines(&self, sim: &Sim, filter: &LogFilter, limit: usize) -> Vec<LogLine> {
        let rows = self.rows(sim, filter, limit);
        let complete = rows.len() < limit;
        // Before this moment some shown kind forgot events: the log is partial there.
        let partial_from = LogKind::ALL
            .into_iter()
            .filter(|k| filter.shows(*k))
            .filter_map(|k| self.forgotten[k as usize])
            .max();
        let mut notes: Vec<(SimTime, LogNote)> = self
            .jumps
            .iter()
            .rev()
            .filter_map(|j| {
                let skipped = self.skipped(j);
                if skipped == Some(0) {
                    return None;
                }
                let text = match (skipped, j.opened) {
                    (Some(n), true) => format!(
                        "opened at {}: the {n} events up to then are not shown",
                        j.to
                    ),
                    (None, true) => {
                        format!("opened at {}: the events up to then are not shown", j.to)
                    }
                    (Some(n), false) => format!(
                        "jumped from {} to {}: the {n} events between are not shown",
                        j.from, j.to
                    ),
                    (None, false) => format!(
                        "jumped from {} to {}: the events between are not shown",
                        j.from, j.to
                    ),
                };
                Some((
                    j.from,
                    LogNote {
                        at: j.to,
                        text: text.into(),
                    },
                ))
            })
            .collect();
        if let Some(at) = partial_from {
            notes.push((
                at,
                LogNote {
                    at,
                    text: format!(
                        "older events are only partly kept: the log keeps the newest {LOG_CAPACITY} of each kind"
                    )
                    .into(),
                },
            ));
            notes.sort_by_key(|n| std::cmp::Reverse(n.0));
        }
        let mut lines = Vec::with_capacity(rows.len() + notes.len());
        let mut notes = notes.into_iter().peekable();
        for row in rows {
            // A note goes above the first row at or before its moment.
            while let Some((_, note)) = notes.next_if(|(at, _)| row.at <= *at) {
                lines.push(LogLine::Note(note));
            }
            lines.push(LogLine::Event(row));
        }
        if complete {
            lines.extend(notes.map(|(_, note)| LogLine::Note(note)));
        }
        lines
    }

    /// The newest entries passing `filter`, newest first, at most `limit` of them.
    pub fn rows(&self, sim: &Sim, filter: &LogFilter, limit: usize) -> Vec<LogRow> {
        let needle = filter.text.trim().to_ascii_lowercase();
        let mut rows = Vec::new();
        // Newest first over every shown kind: merge the per-kind queues by event id.
        let mut left: [usize; KINDS] = [0; KINDS];
        for kind in LogKind::ALL {
            if filter.shows(kind) {
                left[kind as usize] = self.kinds[kind as usize].len();
            }
        }
        while rows.len() < limit {
            let newest = (0..KINDS)
                .filter(|k| left[*k] > 0)
                .max_by_key(|k| self.kinds[*k][left[*k] - 1].event.id);
            let Some(k) = newest else { break };
            left[k] -= 1;
            let entry = &self.kinds[k][left[k]];
            let text = entry.text(sim);
            if !needle.is_empty() && !text.to_ascii_lowercase().contains(&needle) {
                continue;
            }
            let (tp, brokers) = mentions(&entry.event.kind);
            let (group, consumer) = group_mentions(&entry.event.kind);
            rows.push(LogRow {
                id: entry.event.id.0,
                at: entry.event.at,
                kind: entry.kind,
                text,
                tp: tp.map(|tp| (tp, Rc::from(sim.tp_name(tp)))),
                brokers: brokers.into_iter().map(|b| b.0).collect(),
                group: group.map(Rc::from),
                consumer,
                why: cause_short(&entry.event.cause),
            });
        }
        rows
    }
}

fn cause_short(cause: &Cause) -> Rc<str> {
    kafka_sim::narrate::cause_phrase(cause).into()
}

/// A line of the log panel that is not an event.
#[derive(Clone, Debug, PartialEq)]
pub struct LogNote {
    /// The moment it speaks of (the row's key).
    pub at: SimTime,
    /// What it says.
    pub text: Rc<str>,
}

/// A line of the log panel.
#[derive(Clone, Debug, PartialEq)]
pub enum LogLine {
    /// An event.
    Event(LogRow),
    /// A note: events skipped by a jump, or no longer kept.
    Note(LogNote),
}

/// One row of the event log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    /// Event id (the row's key).
    pub id: u64,
    /// When it happened.
    pub at: SimTime,
    /// Its kind.
    pub kind: LogKind,
    /// The sentence.
    pub text: Rc<str>,
    /// The partition it names, with its name.
    pub tp: Option<(TopicPartition, Rc<str>)>,
    /// The brokers it names.
    pub brokers: Vec<u32>,
    /// The consumer group it names.
    pub group: Option<Rc<str>>,
    /// The consumer it names.
    pub consumer: Option<u32>,
    /// What caused it.
    pub why: Rc<str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_sim::{SimConfig, SimTime};

    fn sim_with_events() -> (Sim, EventLog) {
        let mut sim = Sim::new(SimConfig::demo_timing(), 3).expect("config is valid");
        sim.advance_to(SimTime(3_000));
        let events: Vec<Event> = sim.drain_events().collect();
        let mut log = EventLog::default();
        for e in events {
            log.push(e);
        }
        (sim, log)
    }

    #[test]
    fn keeps_only_the_last_events_of_each_kind() {
        let (sim, mut log) = sim_with_events();
        let cluster = log.kinds[LogKind::Cluster as usize].len();
        assert!(cluster > 0);
        // A flood of one busy kind (records appended) …
        let template = Event {
            id: kafka_sim::ids::EventId(0),
            at: sim.now(),
            cause: Cause::Timer {
                node: NodeId::Broker(BrokerId(1)),
            },
            kind: EventKind::RecordsAppended {
                tp: TopicPartition {
                    topic: kafka_sim::TopicId(0),
                    partition: 0,
                },
                broker: BrokerId(1),
                base_offset: kafka_sim::Offset(0),
                count: 1,
                as_leader: true,
            },
        };
        for i in 0..(3 * LOG_CAPACITY) as u64 {
            let mut e = template.clone();
            e.id = kafka_sim::ids::EventId(10_000 + i);
            log.push(e);
        }
        let busy = &log.kinds[LogKind::Replication as usize];
        assert_eq!(busy.len(), LOG_CAPACITY);
        assert_eq!(
            busy.front().expect("full").event.id.0,
            10_000 + 2 * LOG_CAPACITY as u64
        );
        // … leaves the other kinds' events in the log, and the log bounded.
        assert_eq!(log.kinds[LogKind::Cluster as usize].len(), cluster);
        assert!(log.len() <= LOG_CAPACITY * KINDS);
        let rows = log.rows(&sim, &LogFilter::default(), usize::MAX);
        assert!(rows.iter().any(|r| r.kind == LogKind::Cluster));
        assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    }

    fn event(id: u64, at: u64, kind: EventKind) -> Event {
        Event {
            id: kafka_sim::ids::EventId(id),
            at: SimTime(at),
            cause: Cause::Timer {
                node: NodeId::Broker(BrokerId(1)),
            },
            kind,
        }
    }

    fn started(id: u64, at: u64) -> Event {
        event(
            id,
            at,
            EventKind::BrokerStarted {
                broker: BrokerId(1),
            },
        )
    }

    fn notes(log: &EventLog, sim: &Sim) -> Vec<(String, Option<u64>)> {
        log.lines(sim, &LogFilter::default(), 100)
            .into_iter()
            .map(|l| match l {
                LogLine::Note(n) => (n.text.to_string(), None),
                LogLine::Event(r) => (String::new(), Some(r.id)),
            })
            .collect()
    }

    #[test]
    fn a_jump_is_a_line_between_the_events_before_and_after_it() {
        let sim = Sim::new(SimConfig::demo_timing(), 3).expect("config is valid");
        let mut log = EventLog::default();
        log.push(started(0, 1_000));
        log.push(started(1, 2_000));
        log.jumped(SimTime(2_000), SimTime(9_000));
        assert_eq!(log.total(), Some(2));
        log.push(started(7, 9_500));
        let lines = notes(&log, &sim);
        let text = "jumped from 2.000s to 9.000s: the 5 events between are not shown";
        assert_eq!(
            lines,
            [
                (String::new(), Some(7)),
                (text.to_string(), None),
                (String::new(), Some(1)),
                (String::new(), Some(0)),
            ]
        );
        // Back into the stretch jumped over: what comes next around there was never logged.
        log.went_back(SimTime(5_000));
        assert_eq!(log.total(), None);
        assert_eq!(log.cuts(), (1, Some(1)));
        let jump = log.jumps()[0].clone();
        assert_eq!((jump.from, jump.to), (SimTime(2_000), SimTime(5_000)));
        log.push(started(4, 5_100));
        assert_eq!(log.skipped(&log.jumps()[0]), Some(2));
        // Back before the jump: it is gone, and the next id is known (nothing was forgotten).
        log.went_back(SimTime(1_500));
        assert!(log.jumps().is_empty());
        assert_eq!(log.total(), Some(1));
    }

    #[test]
    fn a_seek_back_past_forgotten_events_says_the_log_is_partial_there() {
        let sim = Sim::new(SimConfig::demo_timing(), 3).expect("config is valid");
        let mut log = EventLog::default();
        log.push(started(0, 500));
        for i in 0..=LOG_CAPACITY as u64 {
            let tp = TopicPartition {
                topic: kafka_sim::TopicId(0),
                partition: 0,
            };
            log.push(event(
                1 + i,
                1_000 + i,
                EventKind::RecordsAppended {
                    tp,
                    broker: BrokerId(1),
                    base_offset: kafka_sim::Offset(i),
                    count: 1,
                    as_leader: true,
                },
            ));
        }
        // The first append (at 1.000s) was forgotten; going back before it keeps the
        // broker's event, under a note that the log is partial from there back.
        log.went_back(SimTime(999));
        assert_eq!(log.total(), None, "forgotten events lie after the target");
        let lines = notes(&log, &sim);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].0.starts_with("older events are only partly kept"));
        assert_eq!(lines[1], (String::new(), Some(0)));
    }

    #[test]
    fn filter_by_kind_and_text() {
        let (sim, log) = sim_with_events();
        let all = log.rows(&sim, &LogFilter::default(), 1_000);
        assert!(all.iter().any(|r| r.kind == LogKind::Cluster));
        // Newest first.
        assert!(all.windows(2).all(|w| w[0].id > w[1].id));
        let no_cluster = LogFilter {
            hidden: LogKind::Cluster.bit(),
            text: String::new(),
        };
        assert!(
            log.rows(&sim, &no_cluster, 1_000)
                .iter()
                .all(|r| r.kind != LogKind::Cluster)
        );
        let text = LogFilter {
            hidden: 0,
            text: "UNFENCED BROKER 2".into(),
        };
        let rows = log.rows(&sim, &text, 1_000);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].brokers, vec![2]);
    }
}
