//! The event log's memory: the last [`LOG_CAPACITY`] events of each kind (so a busy kind, say
//! consumers processing records, never pushes a rare one, a broker fenced, out of the log), each
//! narrated by `kafka_sim::narrate::sentence` only when it is first shown (a busy cluster emits
//! thousands of events a second; most scroll away unread).

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
    /// Any event this page does not know yet.
    Other,
    /// Consumers and their groups: joins, assignments, processing, commits, crashes.
    Groups,
}

impl LogKind {
    /// Every kind, in the order of the filter chips.
    pub const ALL: [LogKind; 8] = [
        LogKind::Cluster,
        LogKind::Leaders,
        LogKind::Produce,
        LogKind::Groups,
        LogKind::Replication,
        LogKind::Topics,
        LogKind::Alarms,
        LogKind::Other,
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
            LogKind::Other => "other",
            LogKind::Groups => "consumers & groups",
        }
    }

    /// A bit for [`LogFilter::hidden`].
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The kind of `event`.
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
            #[allow(unreachable_patterns)] // Events the core adds later.
            _ => LogKind::Other,
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

/// The last events of a run, [`LOG_CAPACITY`] per kind.
#[derive(Debug, Default)]
pub struct EventLog {
    kinds: [VecDeque<Rc<LogEntry>>; KINDS],
    total: u64,
}

impl EventLog {
    /// Remembers `event`, forgetting the oldest of its kind beyond [`LOG_CAPACITY`]; returns its
    /// entry.
    pub fn push(&mut self, event: Event) -> &Rc<LogEntry> {
        let kind = LogKind::of(&event.kind);
        let entries = &mut self.kinds[kind as usize];
        if entries.len() == LOG_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(Rc::new(LogEntry {
            event,
            kind,
            text: OnceCell::new(),
        }));
        self.total += 1;
        entries.back().expect("just pushed")
    }

    /// Events remembered now (at most [`LOG_CAPACITY`] per kind).
    pub fn len(&self) -> usize {
        self.kinds.iter().map(VecDeque::len).sum()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events seen in the whole run.
    pub fn total(&self) -> u64 {
        self.total
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
