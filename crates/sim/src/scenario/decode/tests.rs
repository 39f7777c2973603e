//! The reader against the derived writer, the format's defaults, and its error messages.

use serde_json::{Value, json};

use super::FromJson;
use super::check::CHECK_TYPES;
use super::command::COMMAND_TYPES;
use crate::assignor::AssignmentStrategy;
use crate::command::{Command, NodeRef, TimedCommand};
use crate::config::*;
use crate::event::AllowedBy;
use crate::goal::Check;
use crate::scenario::{Scenario, ScenarioError};
use crate::time::SimTime;

/// Position of a command's variant in `COMMAND_TYPES`; exhaustive, so a new variant fails to
/// compile here until it has a sample below.
fn command_index(c: &Command) -> usize {
    match c {
        Command::CreateTopic { .. } => 0,
        Command::AddPartitions { .. } => 1,
        Command::AlterTopicConfig { .. } => 2,
        Command::Produce { .. } => 3,
        Command::ProduceMany { .. } => 4,
        Command::AddProducer { .. } => 5,
        Command::SetAcks { .. } => 6,
        Command::KillBroker { .. } => 7,
        Command::RestartBroker { .. } => 8,
        Command::AddBroker => 9,
        Command::CutLink { .. } => 10,
        Command::HealLink { .. } => 11,
        Command::IsolateBroker { .. } => 12,
        Command::ReconnectBroker { .. } => 13,
        Command::SlowLink { .. } => 14,
        Command::ElectPreferredLeaders => 15,
        Command::AddConsumer { .. } => 16,
        Command::StopConsumer { .. } => 17,
        Command::CrashConsumer { .. } => 18,
        Command::RestartConsumer { .. } => 19,
    }
}

/// Position of a check's variant in `CHECK_TYPES` (exhaustive, as above).
fn check_index(c: &Check) -> usize {
    match c {
        Check::AckedRecordsLost { .. } => 0,
        Check::LeaderChanged { .. } => 1,
        Check::UncleanElection => 2,
        Check::ProduceFailed { .. } => 3,
        Check::ProduceRetried { .. } => 4,
        Check::RecordsAcked { .. } => 5,
        Check::GroupProcessedEverything { .. } => 6,
        Check::GroupRedelivered { .. } => 7,
        Check::GroupSkipped { .. } => 8,
        Check::GroupRebalanced { .. } => 9,
        Check::IdleConsumer { .. } => 10,
        Check::ViolationAllowedBy { .. } => 11,
        Check::NoUnallowedViolation => 12,
        Check::RecordsDeleted { .. } => 13,
        Check::PartitionOffline { .. } => 14,
        Check::IsrShrunk { .. } => 15,
        Check::LeaderIs { .. } => 16,
        Check::BrokerFenced { .. } => 17,
        Check::KeyOnPartition { .. } => 18,
        Check::PartitionRecords { .. } => 19,
        Check::GroupAssignment { .. } => 20,
        Check::ProcessedInSendOrder { .. } => 21,
        Check::All { .. } => 22,
        Check::Not { .. } => 23,
    }
}

/// A configuration with every value away from both bases.
fn unusual_config() -> SimConfig {
    let mut c = SimConfig::demo_timing();
    c.brokers = 5;
    c.network.jitter_ms = 0;
    c.broker.min_insync_replicas = 2;
    c.broker.unclean_leader_election_enable = true;
    c.broker.auto_leader_rebalance_enable = false;
    c.broker.replica_fetch_wait_max_ms = 250;
    c.producer.acks = Acks::One;
    c.producer.enable_idempotence = false;
    c.producer.linger_ms = 7;
    c.producer.retries = 3;
    c.producer.keyless_partitioner = KeylessPartitioner::RoundRobin;
    c.consumer.auto_offset_reset = AutoOffsetReset::None;
    c.consumer.commit = CommitMode::AsyncAfterProcessing;
    c.consumer.partition_assignment_strategy = AssignmentStrategy::ALL.to_vec();
    c.consumer.group_instance_id = Some("static".into());
    c.consumer.processing_ms_per_record = 3;
    c.group_coordinator.group_max_size = 4;
    c
}

fn unusual_topic_config() -> TopicConfig {
    TopicConfig {
        min_insync_replicas: Some(2),
        unclean_leader_election_enable: Some(true),
        retention_ms: -1,
        retention_bytes: 1_000,
        cleanup_policy: CleanupPolicy::CompactDelete,
        segment_bytes: 100,
        segment_ms: 60_000,
        delete_retention_ms: 1,
    }
}

fn commands() -> Vec<Command> {
    let (b, p) = (NodeRef::Broker(2), NodeRef::Producer(1));
    vec![
        Command::CreateTopic {
            name: "orders".into(),
            partitions: 3,
            replication_factor: 3,
            config: unusual_topic_config(),
        },
        Command::AddPartitions {
            topic: "orders".into(),
            partitions: 6,
        },
        Command::AlterTopicConfig {
            topic: "orders".into(),
            config: TopicConfig::default(),
        },
        Command::Produce {
            producer: 1,
            topic: "orders".into(),
            key: Some("k".into()),
            value: None,
            partition: Some(2),
        },
        Command::ProduceMany {
            producer: 0,
            topic: "orders".into(),
            count: 10,
            keys: 3,
            value_bytes: 0,
        },
        Command::AddProducer {
            config: Some(unusual_config().producer),
        },
        Command::SetAcks {
            producer: 0,
            acks: Acks::Zero,
        },
        Command::KillBroker { broker: 1 },
        Command::RestartBroker { broker: 1 },
        Command::AddBroker,
        Command::CutLink {
            from: NodeRef::Controller,
            to: b,
        },
        Command::HealLink {
            from: p,
            to: NodeRef::Consumer(0),
        },
        Command::IsolateBroker { broker: 3 },
        Command::ReconnectBroker { broker: 3 },
        Command::SlowLink {
            from: b,
            to: NodeRef::Broker(1),
            extra_ms: 500,
        },
        Command::ElectPreferredLeaders,
        Command::AddConsumer {
            group: "billing".into(),
            topics: vec!["orders".into(), "payments".into()],
            config: Some(unusual_config().consumer),
        },
        Command::StopConsumer { consumer: 0 },
        Command::CrashConsumer { consumer: 1 },
        Command::RestartConsumer { consumer: 2 },
    ]
}

fn checks() -> Vec<Check> {
    let partition = || "orders-0".to_string();
    let group = || "billing".to_string();
    vec![
        Check::AckedRecordsLost {
            min: 1,
            max: Some(3),
        },
        Check::LeaderChanged {
            partition: partition(),
        },
        Check::UncleanElection,
        Check::ProduceFailed {
            error: crate::KafkaError::NotEnoughReplicas,
        },
        Check::ProduceRetried {
            error: crate::KafkaError::DeliveryTimeout,
        },
        Check::RecordsAcked { min: 5 },
        Check::GroupProcessedEverything { group: group() },
        Check::GroupRedelivered {
            group: group(),
            min: 1,
            max: None,
        },
        Check::GroupSkipped {
            group: group(),
            min: 0,
            max: Some(0),
        },
        Check::GroupRebalanced {
            group: group(),
            min: 2,
        },
        Check::IdleConsumer { group: group() },
        Check::ViolationAllowedBy {
            allowed_by: AllowedBy::UncleanLeaderElection,
        },
        Check::NoUnallowedViolation,
        Check::RecordsDeleted {
            partition: partition(),
            compaction: Some(false),
        },
        Check::PartitionOffline {
            partition: partition(),
        },
        Check::IsrShrunk {
            partition: partition(),
            size: 1,
        },
        Check::LeaderIs {
            partition: partition(),
            broker: 2,
        },
        Check::BrokerFenced { broker: None },
        Check::KeyOnPartition {
            key: "customer_1".into(),
            partition: "orders-1".into(),
        },
        Check::PartitionRecords {
            partition: partition(),
            key: Some("k".into()),
            min: 1,
            max: Some(2),
        },
        Check::GroupAssignment {
            group: group(),
            sizes: vec![2, 1, 0],
        },
        Check::ProcessedInSendOrder {
            group: group(),
            key: None,
            min: 4,
        },
        Check::All {
            checks: vec![Check::UncleanElection, Check::RecordsAcked { min: 1 }],
        },
        Check::Not {
            check: Box::new(Check::Not {
                check: Box::new(Check::NoUnallowedViolation),
            }),
        },
    ]
}

#[test]
fn every_command_reads_back_what_it_writes() {
    let samples = commands();
    let mut seen: Vec<usize> = samples.iter().map(command_index).collect();
    seen.dedup();
    assert_eq!(seen, (0..COMMAND_TYPES.len()).collect::<Vec<_>>());
    for c in samples {
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["type"], COMMAND_TYPES[command_index(&c)], "{json}");
        assert_eq!(Command::from_json(&json), Ok(c));
    }
}

#[test]
fn every_check_reads_back_what_it_writes() {
    let samples = checks();
    let mut seen: Vec<usize> = samples.iter().map(check_index).collect();
    seen.dedup();
    assert_eq!(seen, (0..CHECK_TYPES.len()).collect::<Vec<_>>());
    for c in samples {
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["type"], CHECK_TYPES[check_index(&c)], "{json}");
        assert_eq!(Check::from_json(&json), Ok(c));
    }
}

#[test]
fn a_full_scenario_reads_back_what_it_writes() {
    for timing in [
        crate::scenario::Timing::Kafka,
        crate::scenario::Timing::Demo,
    ] {
        let s = Scenario {
            version: 1,
            title: "t".into(),
            description: "d".into(),
            steps: vec![crate::scenario::Step {
                at: SimTime(5),
                text: "look".into(),
            }],
            goal: Some(crate::scenario::Goal {
                text: "break it".into(),
                check: checks().swap_remove(0),
            }),
            expect: checks(),
            twin: Some("twin".into()),
            seed: u64::MAX,
            timing,
            config: unusual_config(),
            until_ms: Some(70_000),
            commands: commands()
                .into_iter()
                .enumerate()
                .map(|(i, command)| TimedCommand {
                    at: SimTime(i as u64 * 100),
                    command,
                })
                .collect(),
            load_generator: vec![crate::scenario::load_generator::LoadSetting {
                at: SimTime(10),
                rate: 20,
                keys: 5,
                topics: vec!["orders".into()],
                producer: 1,
            }],
        };
        assert_eq!(Scenario::from_json(&s.to_json()), Ok(s));
    }
}

#[test]
fn absent_fields_take_the_formats_defaults() {
    let read = |v: Value| Command::from_json(&v).unwrap();
    assert_eq!(
        read(json!({"type": "produce_many", "topic": "t", "count": 3})),
        Command::ProduceMany {
            producer: 0,
            topic: "t".into(),
            count: 3,
            keys: 0,
            value_bytes: 16
        }
    );
    assert_eq!(
        read(json!({"type": "produce", "topic": "t", "key": null})),
        Command::Produce {
            producer: 0,
            topic: "t".into(),
            key: None,
            value: None,
            partition: None
        }
    );
    assert_eq!(
        read(
            json!({"type": "create_topic", "name": "t", "partitions": 1, "replication_factor": 1, "config": {"retention.ms": 5}})
        ),
        Command::CreateTopic {
            name: "t".into(),
            partitions: 1,
            replication_factor: 1,
            config: TopicConfig {
                retention_ms: 5,
                ..TopicConfig::default()
            }
        }
    );
    assert_eq!(
        Check::from_json(&json!({"type": "group_skipped", "group": "g"})),
        Ok(Check::GroupSkipped {
            group: "g".into(),
            min: 0,
            max: None
        })
    );
    let s = Scenario::from_json(r#"{"version":1}"#).unwrap();
    assert_eq!(
        (s.seed, s.config, s.until_ms, s.commands.len()),
        (0, SimConfig::kafka_defaults(), None, 0)
    );
}

#[test]
fn kafka_spellings_and_serdes_value_forms_are_read() {
    let acks = |v: Value| Acks::from_json(&v);
    assert_eq!(acks(json!("-1")), Ok(Acks::All));
    assert_eq!(acks(json!({"1": null})), Ok(Acks::One));
    assert_eq!(
        CleanupPolicy::from_json(&json!("delete,compact")),
        Ok(CleanupPolicy::CompactDelete)
    );
    assert_eq!(
        NodeRef::from_json(&json!({"controller": null})),
        Ok(NodeRef::Controller)
    );
    // Unit variants ignore other fields, as the derived reader did.
    assert_eq!(
        Command::from_json(&json!({"type": "add_broker", "note": "x"})),
        Ok(Command::AddBroker)
    );
}

fn error_of(json: &str) -> String {
    match Scenario::from_json(json) {
        Err(e @ ScenarioError::Parse(_)) => e.to_string(),
        other => panic!("{json}: {other:?}"),
    }
}

#[test]
fn errors_say_what_is_wrong_and_where() {
    let cases = [
        (
            r#"{"version":1,"commands":[{"at":0,"command":{"type":"create_topic","name":"t","partitions":"3","replication_factor":1}}]}"#,
            r#"not a valid scenario: commands[0].command.partitions: invalid type: string "3", expected u32"#,
        ),
        (
            r#"{"version":1,"commands":[{"at":0,"command":{"type":"kill_broker"}}]}"#,
            "not a valid scenario: commands[0].command: missing field `broker`",
        ),
        (
            r#"{"version":1,"commands":[{"at":-1,"command":{"type":"add_broker"}}]}"#,
            "not a valid scenario: commands[0].at: invalid value: integer `-1`, expected u64",
        ),
        (
            r#"{"version":1,"commands":[{"at":0,"command":{"type":"kill_broker","broker":4294967296}}]}"#,
            "not a valid scenario: commands[0].command.broker: invalid value: integer `4294967296`, expected u32",
        ),
        (
            r#"{"version":1,"commands":[{"at":0,"command":{"type":"cut_link","from":"broker","to":"controller"}}]}"#,
            "not a valid scenario: commands[0].command.from: invalid type: unit variant, expected newtype variant (`{\"broker\": id}`)",
        ),
        (
            r#"{"version":1,"config":{"producer":{"acks":"2"}}}"#,
            "not a valid scenario: config.producer.acks: unknown variant `2`, expected one of `0`, `1`, `all`, `-1`",
        ),
        (
            r#"{"version":1,"config":{"network":{"latency":5}}}"#,
            "not a valid scenario: config.network: unknown field `latency`, expected one of `latency_ms`, `jitter_ms`",
        ),
        (
            r#"{"version":1,"timing":"fast"}"#,
            "not a valid scenario: timing: unknown variant `fast`, expected one of `kafka`, `demo`",
        ),
        (
            r#"{"version":1,"expect":[{"type":"produce_failed","error":"Nope"}]}"#,
            "not a valid scenario: expect[0].error: unknown variant `Nope`, expected one of `OffsetOutOfRange`, `UnknownTopicOrPartition`, `LeaderNotAvailable`, `NotLeaderOrFollower`, `RequestTimedOut`, `NetworkException`, `NotEnoughReplicas`, `NotEnoughReplicasAfterAppend`, `DuplicateSequenceNumber`, `OutOfOrderSequenceNumber`, `FencedLeaderEpoch`, `UnknownLeaderEpoch`, `InvalidRecord`, `DeliveryTimeout`",
        ),
        (
            r#"{"version":1,"goal":{"text":"x","check":{"type":"all","checks":[{"type":"leader_is","partition":"t-0","broker":true}]}}}"#,
            "not a valid scenario: goal.check.checks[0].broker: invalid type: boolean `true`, expected u32",
        ),
        (
            r#"{"version":1,"config":{"consumer":{"retention.ms":-2}}}"#,
            "not a valid scenario: config.consumer: unknown field `retention.ms`, expected one of `auto.offset.reset`, `commit`, `auto.commit.interval.ms`, `max.poll.records`, `fetch.min.bytes`, `fetch.max.wait.ms`, `session.timeout.ms`, `heartbeat.interval.ms`, `max.poll.interval.ms`, `partition.assignment.strategy`, `request.timeout.ms`, `retry.backoff.ms`, `group.instance.id`, `processing.ms.per.record`",
        ),
        (
            r#"{"version":1,"load_generator":[{"at":0,"rate":1.5,"topics":[]}]}"#,
            "not a valid scenario: load_generator[0].rate: invalid type: floating point `1.5`, expected u32",
        ),
        (
            r#"{"version":1,"steps":[{"at":0,"text":["a"]}]}"#,
            "not a valid scenario: steps[0].text: invalid type: sequence, expected a string",
        ),
    ];
    for (json, message) in cases {
        assert_eq!(error_of(json), message, "{json}");
    }
    assert!(error_of(r#"{"version":1,"commands":[{"at":0,"command":{"type":"nuke"}}]}"#).starts_with(
        "not a valid scenario: commands[0].command.type: unknown variant `nuke`, expected one of `create_topic`, `add_partitions`,"
    ));
}

#[test]
fn the_serde_entry_points_read_through_the_same_decoder() {
    let e = serde_json::from_str::<Command>(r#"{"type":"produce","topic":7}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "topic: invalid type: integer `7`, expected a string"
    );
    let s: Scenario = serde_json::from_str(r#"{"version":1,"timing":"demo"}"#).unwrap();
    assert_eq!(s.config, SimConfig::demo_timing());
    assert!(serde_json::from_str::<Scenario>(r#"{"version":2}"#).is_err());
}
