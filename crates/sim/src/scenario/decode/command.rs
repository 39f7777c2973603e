//! Reading `Command`, `TimedCommand` and `NodeRef` (see `crate::command` for the fields).

use serde_json::Value;

use super::{DecodeError, Fields, FromJson, tagged, unknown_variant, variant};
use crate::command::{Command, NodeRef, TimedCommand};

/// Every command's `type`, in declaration order.
pub(crate) const COMMAND_TYPES: &[&str] = &[
    "create_topic",
    "add_partitions",
    "alter_topic_config",
    "produce",
    "produce_many",
    "add_producer",
    "set_acks",
    "kill_broker",
    "restart_broker",
    "add_broker",
    "cut_link",
    "heal_link",
    "isolate_broker",
    "reconnect_broker",
    "slow_link",
    "elect_preferred_leaders",
    "add_consumer",
    "stop_consumer",
    "crash_consumer",
    "restart_consumer",
];

/// `value_bytes` of `produce_many` when absent.
const DEFAULT_VALUE_BYTES: u32 = 16;

impl FromJson for Command {
    fn from_json(v: &Value) -> Result<Command, DecodeError> {
        let (t, f) = tagged(v, "internally tagged enum Command")?;
        // Unit variants ignore extra fields, as serde's derive did.
        let only = |known: &[&str]| f.only_besides(Some("type"), known);
        let one = |key: &str| -> Result<u32, DecodeError> { only(&[key])?.req(key) };
        Ok(match t {
            "create_topic" => {
                let f = only(&["name", "partitions", "replication_factor", "config"])?;
                Command::CreateTopic {
                    name: f.req("name")?,
                    partitions: f.req("partitions")?,
                    replication_factor: f.req("replication_factor")?,
                    config: f.or_default("config")?,
                }
            }
            "add_partitions" => {
                let f = only(&["topic", "partitions"])?;
                Command::AddPartitions {
                    topic: f.req("topic")?,
                    partitions: f.req("partitions")?,
                }
            }
            "alter_topic_config" => {
                let f = only(&["topic", "config"])?;
                Command::AlterTopicConfig {
                    topic: f.req("topic")?,
                    config: f.req("config")?,
                }
            }
            "produce" => {
                let f = only(&["producer", "topic", "key", "value", "partition"])?;
                Command::Produce {
                    producer: f.or("producer", 0)?,
                    topic: f.req("topic")?,
                    key: f.or("key", None)?,
                    value: f.or("value", None)?,
                    partition: f.or("partition", None)?,
                }
            }
            "produce_many" => {
                let f = only(&["producer", "topic", "count", "keys", "value_bytes"])?;
                Command::ProduceMany {
                    producer: f.or("producer", 0)?,
                    topic: f.req("topic")?,
                    count: f.req("count")?,
                    keys: f.or("keys", 0)?,
                    value_bytes: f.or("value_bytes", DEFAULT_VALUE_BYTES)?,
                }
            }
            "add_producer" => Command::AddProducer {
                config: only(&["config"])?.or("config", None)?,
            },
            "set_acks" => {
                let f = only(&["producer", "acks"])?;
                Command::SetAcks {
                    producer: f.req("producer")?,
                    acks: f.req("acks")?,
                }
            }
            "kill_broker" => Command::KillBroker {
                broker: one("broker")?,
            },
            "restart_broker" => Command::RestartBroker {
                broker: one("broker")?,
            },
            "add_broker" => Command::AddBroker,
            "cut_link" | "heal_link" | "slow_link" => {
                let f = if t == "slow_link" {
                    only(&["from", "to", "extra_ms"])?
                } else {
                    only(&["from", "to"])?
                };
                let (from, to) = (f.req("from")?, f.req("to")?);
                match t {
                    "cut_link" => Command::CutLink { from, to },
                    "heal_link" => Command::HealLink { from, to },
                    _ => Command::SlowLink {
                        from,
                        to,
                        extra_ms: f.req("extra_ms")?,
                    },
                }
            }
            "isolate_broker" => Command::IsolateBroker {
                broker: one("broker")?,
            },
            "reconnect_broker" => Command::ReconnectBroker {
                broker: one("broker")?,
            },
            "elect_preferred_leaders" => Command::ElectPreferredLeaders,
            "add_consumer" => {
                let f = only(&["group", "topics", "config"])?;
                Command::AddConsumer {
                    group: f.req("group")?,
                    topics: f.req("topics")?,
                    config: f.or("config", None)?,
                }
            }
            "stop_consumer" => Command::StopConsumer {
                consumer: one("consumer")?,
            },
            "crash_consumer" => Command::CrashConsumer {
                consumer: one("consumer")?,
            },
            "restart_consumer" => Command::RestartConsumer {
                consumer: one("consumer")?,
            },
            other => return Err(unknown_variant(other, COMMAND_TYPES).at("type")),
        })
    }
}

impl FromJson for TimedCommand {
    fn from_json(v: &Value) -> Result<TimedCommand, DecodeError> {
        let f = Fields::of(v, "struct TimedCommand")?.only(&["at", "command"])?;
        Ok(TimedCommand {
            at: f.req("at")?,
            command: f.req("command")?,
        })
    }
}

impl FromJson for NodeRef {
    fn from_json(v: &Value) -> Result<NodeRef, DecodeError> {
        const NAMES: &[&str] = &["controller", "broker", "producer", "consumer"];
        let (name, payload) = variant(v)?;
        let id = |make: fn(u32) -> NodeRef| match payload {
            Some(p) => u32::from_json(p).map(make).map_err(|e| e.at(name)),
            None => Err(DecodeError::new(format!(
                "invalid type: unit variant, expected newtype variant (`{{\"{name}\": id}}`)"
            ))),
        };
        match name {
            "controller" => match payload {
                Some(p) if !p.is_null() => Err(super::invalid_type(p, "unit variant").at(name)),
                _ => Ok(NodeRef::Controller),
            },
            "broker" => id(NodeRef::Broker),
            "producer" => id(NodeRef::Producer),
            "consumer" => id(NodeRef::Consumer),
            other => Err(unknown_variant(other, NAMES)),
        }
    }
}
