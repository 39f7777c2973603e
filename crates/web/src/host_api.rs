//! The embed's postMessage API, without the browser: host messages parsed into typed commands
//! (a malformed one is a typed [`HostError`], never a panic), the store actions they become, and
//! the messages the embed posts back (`ready`, `state`, `events`, `ok`, `error`).
//!
//! Every message in either direction carries `kafkaPlayground: 1`; [`crate::embed`] wires this
//! to `window` and `event.source`.

use kafka_sim::{Command, Sim, SimTime};
use serde::Serialize;

use crate::store::{Action, BrokerFault};

/// The namespace key of every message, and its value (the API's version).
pub const NAMESPACE: &str = "kafkaPlayground";
/// The API's version.
pub const VERSION: u32 = 1;

/// One field of a host message, as read from the posted object.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    /// Absent, `undefined` or `null`.
    Missing,
    /// A string.
    Str(String),
    /// A number.
    Num(f64),
    /// Anything else (an object, a boolean, an array).
    Other,
}

/// A posted message's fields (a JS object in the page, a list in tests).
pub trait Fields {
    /// Whether the message is an object at all.
    fn is_object(&self) -> bool;
    /// The field `key`.
    fn field(&self, key: &str) -> Field;
}

/// A command from the host page.
#[derive(Clone, Debug, PartialEq)]
pub enum HostCommand {
    /// `produce {topic, key?, value?, partition?}`: the producer sends one record.
    Produce {
        /// Topic name.
        topic: String,
        /// Record key (none: keyless).
        key: Option<String>,
        /// Record value (none: a tombstone).
        value: Option<String>,
        /// An explicit partition.
        partition: Option<u32>,
    },
    /// `kill {broker}`, `restart {broker}`, `isolate {broker}`, `reconnect {broker}`.
    Broker(u32, BrokerFault),
    /// `crashConsumer {consumer}`, `stopConsumer {consumer}`, `restartConsumer {consumer}`.
    Consumer(u32, ConsumerOp),
    /// `play`, `pause`.
    Play(bool),
    /// `seek {ms}`: go to a moment of the recorded run (pauses).
    Seek(u64),
    /// `advance {ms}`: run the cluster now for `ms` simulated milliseconds (at most 60,000).
    Advance(u64),
    /// `speed {speed}`: simulated seconds per wall second.
    Speed(f64),
    /// `rate {rate}`: the load generator's records per simulated second.
    Rate(f64),
    /// `state`: post the state now.
    State,
}

/// What happens to a consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerOp {
    /// Its process dies: no LeaveGroup, its partitions move after `session.timeout.ms`.
    Crash,
    /// It closes cleanly (commits, leaves the group).
    Stop,
    /// It starts again.
    Restart,
}

/// Why a host message was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum HostError {
    /// Not an object.
    NotAnObject,
    /// No `kafkaPlayground` field.
    NotNamespaced,
    /// `kafkaPlayground` is not a version this page speaks.
    UnsupportedVersion,
    /// No string `type`.
    MissingType,
    /// A `type` this page does not know.
    UnknownType(String),
    /// A required field is absent.
    MissingField(&'static str),
    /// A field has the wrong type or is out of range.
    BadField(&'static str, &'static str),
}

impl HostError {
    /// A stable code for the host's `switch`.
    pub fn code(&self) -> &'static str {
        match self {
            HostError::NotAnObject => "not_an_object",
            HostError::NotNamespaced => "not_namespaced",
            HostError::UnsupportedVersion => "unsupported_version",
            HostError::MissingType => "missing_type",
            HostError::UnknownType(_) => "unknown_type",
            HostError::MissingField(_) => "missing_field",
            HostError::BadField(..) => "bad_field",
        }
    }
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::NotAnObject => write!(f, "a message must be an object"),
            HostError::NotNamespaced => write!(f, "a message must carry {NAMESPACE}: {VERSION}"),
            HostError::UnsupportedVersion => write!(f, "only {NAMESPACE}: {VERSION} is spoken"),
            HostError::MissingType => write!(f, "a message needs a string `type`"),
            HostError::UnknownType(t) => write!(f, "unknown message type `{t}`"),
            HostError::MissingField(k) => write!(f, "missing field `{k}`"),
            HostError::BadField(k, want) => write!(f, "field `{k}` must be {want}"),
        }
    }
}

fn string(m: &impl Fields, key: &'static str) -> Result<Option<String>, HostError> {
    match m.field(key) {
        Field::Missing => Ok(None),
        Field::Str(s) if s.len() <= 1_000 => Ok(Some(s)),
        _ => Err(HostError::BadField(key, "a string of at most 1000 bytes")),
    }
}

fn whole(m: &impl Fields, key: &'static str, max: f64) -> Result<Option<u64>, HostError> {
    match m.field(key) {
        Field::Missing => Ok(None),
        Field::Num(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= max => {
            Ok(Some(n as u64))
        }
        _ => Err(HostError::BadField(key, "a whole number in range")),
    }
}

fn required<T>(v: Result<Option<T>, HostError>, key: &'static str) -> Result<T, HostError> {
    v?.ok_or(HostError::MissingField(key))
}

fn number(m: &impl Fields, key: &'static str, lo: f64, hi: f64) -> Result<f64, HostError> {
    match m.field(key) {
        Field::Num(n) if n.is_finite() && (lo..=hi).contains(&n) => Ok(n),
        Field::Missing => Err(HostError::MissingField(key)),
        _ => Err(HostError::BadField(key, "a number in range")),
    }
}

/// Reads a host message.
pub fn parse(m: &impl Fields) -> Result<HostCommand, HostError> {
    if !m.is_object() {
        return Err(HostError::NotAnObject);
    }
    match m.field(NAMESPACE) {
        Field::Missing => return Err(HostError::NotNamespaced),
        Field::Num(v) if v == f64::from(VERSION) => {}
        _ => return Err(HostError::UnsupportedVersion),
    }
    let Field::Str(kind) = m.field("type") else {
        return Err(HostError::MissingType);
    };
    let id = |key| required(whole(m, key, f64::from(u32::MAX)), key).map(|v| v as u32);
    Ok(match kind.as_str() {
        "produce" => HostCommand::Produce {
            topic: required(string(m, "topic"), "topic")?,
            key: string(m, "key")?,
            value: string(m, "value")?,
            partition: whole(m, "partition", f64::from(u32::MAX))?.map(|p| p as u32),
        },
        "kill" => HostCommand::Broker(id("broker")?, BrokerFault::Kill),
        "restart" => HostCommand::Broker(id("broker")?, BrokerFault::Restart),
        "isolate" => HostCommand::Broker(id("broker")?, BrokerFault::Isolate),
        "reconnect" => HostCommand::Broker(id("broker")?, BrokerFault::Reconnect),
        "crashConsumer" => HostCommand::Consumer(id("consumer")?, ConsumerOp::Crash),
        "stopConsumer" => HostCommand::Consumer(id("consumer")?, ConsumerOp::Stop),
        "restartConsumer" => HostCommand::Consumer(id("consumer")?, ConsumerOp::Restart),
        "play" => HostCommand::Play(true),
        "pause" => HostCommand::Play(false),
        "seek" => HostCommand::Seek(required(whole(m, "ms", 1e15), "ms")?),
        "advance" => HostCommand::Advance(required(whole(m, "ms", 60_000.0), "ms")?),
        "speed" => HostCommand::Speed(number(m, "speed", 0.01, 100.0)?),
        "rate" => HostCommand::Rate(number(m, "rate", 0.0, 5_000.0)?),
        "state" => HostCommand::State,
        _ => return Err(HostError::UnknownType(kind)),
    })
}

impl HostCommand {
    /// The store action the UI would dispatch for it (`None` for `state`).
    pub fn action(self, playing: bool) -> Option<Action> {
        Some(match self {
            HostCommand::Produce {
                topic,
                key,
                value,
                partition,
            } => Action::Send(Command::Produce {
                producer: 0,
                topic,
                key,
                value,
                partition,
            }),
            HostCommand::Broker(broker, fault) => Action::Fault(broker, fault),
            HostCommand::Consumer(consumer, op) => Action::Apply(vec![match op {
                ConsumerOp::Crash => Command::CrashConsumer { consumer },
                ConsumerOp::Stop => Command::StopConsumer { consumer },
                ConsumerOp::Restart => Command::RestartConsumer { consumer },
            }]),
            HostCommand::Play(on) if on == playing => return None,
            HostCommand::Play(_) => Action::TogglePlay,
            HostCommand::Seek(ms) => Action::Seek(SimTime(ms)),
            HostCommand::Advance(ms) => Action::AdvanceMs(ms),
            HostCommand::Speed(s) => Action::SetSpeed(s),
            HostCommand::Rate(r) => Action::SetLoadRate(r),
            HostCommand::State => return None,
        })
    }
}

/// A broker in the state message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerState {
    /// Broker id.
    pub id: u32,
    /// Whether its process runs.
    pub alive: bool,
    /// Whether the controller fenced it.
    pub fenced: bool,
}

/// A partition in the state message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionState {
    /// `orders-0`.
    pub name: String,
    /// The leader's broker id.
    pub leader: Option<u32>,
    /// The in-sync replicas.
    pub isr: Vec<u32>,
    /// The leader's high watermark.
    pub high_watermark: Option<u64>,
}

/// A consumer group in the state message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupState {
    /// `group.id`.
    pub group: String,
    /// The coordinator's group state (`Stable`, `PreparingRebalance`, …).
    pub state: String,
    /// Generation.
    pub generation: i32,
    /// Consumer ids of the members.
    pub members: Vec<u32>,
}

/// A narrated event.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventOut {
    /// Event id (increasing).
    pub id: u64,
    /// Simulated time, ms.
    pub at_ms: u64,
    /// The sentence.
    pub text: String,
}

impl EventOut {
    /// The events of `rows` (the log's rows, newest first) with an id of at least `first`,
    /// oldest first: what a host has not been given yet.
    pub fn since(rows: &[crate::log_lines::LogRow], first: u64) -> Vec<EventOut> {
        rows.iter()
            .rev()
            .filter(|r| r.id >= first)
            .map(|r| EventOut {
                id: r.id,
                at_ms: r.at.0,
                text: r.text.to_string(),
            })
            .collect()
    }
}

/// A message the embed posts to the host.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Outgoing {
    /// Loaded and listening.
    Ready {
        /// Always 1.
        #[serde(rename = "kafkaPlayground")]
        ns: u32,
        /// The embed's `id=` parameter.
        frame: Option<String>,
        /// The page's version.
        version: &'static str,
    },
    /// The cluster now.
    State {
        /// Always 1.
        #[serde(rename = "kafkaPlayground")]
        ns: u32,
        /// The embed's `id=`.
        frame: Option<String>,
        /// Simulated time, ms.
        now_ms: u64,
        /// Whether the clock runs.
        playing: bool,
        /// Brokers.
        brokers: Vec<BrokerState>,
        /// Partitions.
        partitions: Vec<PartitionState>,
        /// Consumer groups.
        groups: Vec<GroupState>,
        /// Records acknowledged to the producer.
        acknowledged: u64,
        /// Records that reached a high watermark.
        committed: u64,
        /// Acknowledged or committed records gone from every replica.
        lost: u64,
        /// How many guarantees broke.
        alarms: u64,
        /// The last refused command, if any.
        notice: Option<String>,
    },
    /// New narrated events, oldest first.
    Events {
        /// Always 1.
        #[serde(rename = "kafkaPlayground")]
        ns: u32,
        /// The embed's `id=`.
        frame: Option<String>,
        /// The events.
        events: Vec<EventOut>,
    },
    /// A command was taken.
    Ok {
        /// Always 1.
        #[serde(rename = "kafkaPlayground")]
        ns: u32,
        /// The embed's `id=`.
        frame: Option<String>,
        /// The command's `type`.
        request: String,
    },
    /// A message was refused; nothing changed.
    Error {
        /// Always 1.
        #[serde(rename = "kafkaPlayground")]
        ns: u32,
        /// The embed's `id=`.
        frame: Option<String>,
        /// [`HostError::code`], or `refused` for a command the cluster refused.
        code: &'static str,
        /// In words.
        message: String,
    },
}

/// Every broker's liveness.
pub fn brokers(sim: &Sim) -> Vec<BrokerState> {
    sim.broker_states()
        .into_iter()
        .map(|(id, alive, fenced)| BrokerState {
            id: id.0,
            alive,
            fenced,
        })
        .collect()
}

/// Every user topic's partitions: leader, ISR, high watermark.
pub fn partitions(sim: &Sim) -> Vec<PartitionState> {
    crate::view_model::partition_views(sim, 0)
        .into_iter()
        .map(|v| PartitionState {
            name: sim.tp_name(v.tp),
            leader: v.leader.map(|b| b.0),
            isr: v.isr.iter().map(|b| b.0).collect(),
            high_watermark: v.high_watermark().map(|o| o.0),
        })
        .collect()
}

/// Every consumer group as its coordinator sees it.
pub fn groups(sim: &Sim) -> Vec<GroupState> {
    sim.group_views()
        .into_iter()
        .map(|g| GroupState {
            members: g.members.iter().map(|m| m.consumer.0).collect(),
            group: g.group,
            state: g.state,
            generation: g.generation,
        })
        .collect()
}

/// The state message for `sim`.
pub fn state(
    sim: &Sim,
    frame: Option<String>,
    playing: bool,
    alarms: u64,
    notice: Option<String>,
) -> Outgoing {
    let counts = sim.ledger().counts();
    Outgoing::State {
        ns: VERSION,
        frame,
        now_ms: sim.now().0,
        playing,
        brokers: brokers(sim),
        partitions: partitions(sim),
        groups: groups(sim),
        acknowledged: counts.acked,
        committed: counts.committed,
        lost: counts.lost,
        alarms,
        notice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Msg(Vec<(&'static str, Field)>);

    impl Fields for Msg {
        fn is_object(&self) -> bool {
            true
        }
        fn field(&self, key: &str) -> Field {
            self.0
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(Field::Missing, |(_, v)| v.clone())
        }
    }

    fn msg(kind: &str, rest: Vec<(&'static str, Field)>) -> Msg {
        let mut fields = vec![
            (NAMESPACE, Field::Num(1.0)),
            ("type", Field::Str(kind.into())),
        ];
        fields.extend(rest);
        Msg(fields)
    }

    fn s(v: &str) -> Field {
        Field::Str(v.into())
    }

    #[test]
    fn commands_parse_into_the_store_actions_the_ui_uses() {
        let m = msg(
            "produce",
            vec![("topic", s("orders")), ("key", s("k")), ("value", s("v"))],
        );
        assert_eq!(
            parse(&m).unwrap().action(true),
            Some(Action::Send(Command::Produce {
                producer: 0,
                topic: "orders".into(),
                key: Some("k".into()),
                value: Some("v".into()),
                partition: None,
            }))
        );
        let kill = parse(&msg("kill", vec![("broker", Field::Num(2.0))])).unwrap();
        assert_eq!(kill.action(true), Some(Action::Fault(2, BrokerFault::Kill)));
        let crash = parse(&msg("crashConsumer", vec![("consumer", Field::Num(1.0))])).unwrap();
        assert_eq!(
            crash.action(true),
            Some(Action::Apply(vec![Command::CrashConsumer { consumer: 1 }]))
        );
        let seek = parse(&msg("seek", vec![("ms", Field::Num(2500.0))])).unwrap();
        assert_eq!(seek.action(true), Some(Action::Seek(SimTime(2500))));
        // play while playing and pause while paused change nothing.
        assert_eq!(parse(&msg("play", vec![])).unwrap().action(true), None);
        assert_eq!(
            parse(&msg("pause", vec![])).unwrap().action(true),
            Some(Action::TogglePlay)
        );
        assert_eq!(parse(&msg("pause", vec![])).unwrap().action(false), None);
        assert_eq!(parse(&msg("state", vec![])).unwrap(), HostCommand::State);
    }

    #[test]
    fn malformed_messages_are_typed_errors() {
        struct NotObject;
        impl Fields for NotObject {
            fn is_object(&self) -> bool {
                false
            }
            fn field(&self, _: &str) -> Field {
                Field::Missing
            }
        }
        assert_eq!(parse(&NotObject), Err(HostError::NotAnObject));
        assert_eq!(
            parse(&Msg(vec![("type", s("kill"))])),
            Err(HostError::NotNamespaced)
        );
        assert_eq!(
            parse(&Msg(vec![
                (NAMESPACE, Field::Num(2.0)),
                ("type", s("kill"))
            ])),
            Err(HostError::UnsupportedVersion)
        );
        assert_eq!(
            parse(&Msg(vec![(NAMESPACE, Field::Num(1.0))])),
            Err(HostError::MissingType)
        );
        assert_eq!(
            parse(&msg("explode", vec![])),
            Err(HostError::UnknownType("explode".into()))
        );
        assert_eq!(
            parse(&msg("kill", vec![])),
            Err(HostError::MissingField("broker"))
        );
        for bad in [
            Field::Num(-1.0),
            Field::Num(1.5),
            Field::Num(f64::NAN),
            s("1"),
            Field::Other,
        ] {
            let err = parse(&msg("kill", vec![("broker", bad.clone())])).unwrap_err();
            assert_eq!(err.code(), "bad_field", "{bad:?}");
        }
        assert_eq!(
            parse(&msg("produce", vec![("key", s("k"))])),
            Err(HostError::MissingField("topic"))
        );
        assert_eq!(
            parse(&msg("produce", vec![("topic", Field::Num(3.0))])).unwrap_err(),
            HostError::BadField("topic", "a string of at most 1000 bytes")
        );
        assert_eq!(
            parse(&msg("advance", vec![("ms", Field::Num(60_001.0))]))
                .unwrap_err()
                .code(),
            "bad_field"
        );
        assert_eq!(
            parse(&msg("speed", vec![("speed", Field::Num(1e9))]))
                .unwrap_err()
                .code(),
            "bad_field"
        );
    }

    #[test]
    fn the_state_message_reports_the_cluster_in_kafka_names() {
        let store = crate::store::Store::new(crate::page_params::StartParams::default());
        let run = store.run.borrow();
        let out = state(run.sim(), Some("left".into()), true, 0, None);
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["type"], "state");
        assert_eq!(json["kafkaPlayground"], 1);
        assert_eq!(json["frame"], "left");
        assert_eq!(json["brokers"].as_array().unwrap().len(), 3);
        let names: Vec<&str> = json["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["orders-0", "orders-1", "orders-2"]);
        assert!(json["partitions"][0]["highWatermark"].is_u64());
    }
}
