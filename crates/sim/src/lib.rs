//! `kafka-sim`: a deterministic simulation of an Apache Kafka cluster.
//!
//! Commands go in, time advances, events come out (start reading at [`sim`]):
//!
//! - [`sim`] — `Sim`: `new(config, seed)`, `apply(Command)`, `step`, `advance_to`, `drain_events`, views.
//! - [`config`] — Kafka's configs and defaults, plus the demo timing profile.
//! - [`command`], [`event`], [`error`] — what goes in, what comes out, what is refused.
//! - [`controller`] — the KRaft controller: registration, fencing, elections, AlterPartition, placement.
//! - `broker` — a broker: produce, follower fetch, KIP-101/279 truncation, ISR expiration.
//! - `replication` — leader-side state: follower fetch state, ISR changes, the high watermark rule.
//! - [`partition_log`], [`leader_epoch_cache`] — one replica's log and its epoch history.
//! - `producer` — the producer client: partitioners, accumulator, acks, retries, idempotence.
//! - [`murmur2`] — Kafka's key hash and `toPositive`, byte-exact with the Java client.
//! - [`ledger`] — every record from send to commit or loss; `invariants` — the global checks.
//! - `retention` — deletion by time and size, compaction.
//! - [`assignor`] — the consumer partition assignors (range, roundrobin, sticky, cooperative-sticky).
//! - [`scenario`] — a run as versioned JSON (config, seed, timed commands); [`report`] — its result.
//! - [`view`] — read-only views for drawing; [`timeline`] — time travel by checkpoints and replay.
//! - [`group`], [`group_coordinator`], `consumer` — consumer groups: the classic protocol's state
//!   machine, its hosting on the `__consumer_offsets` leader, and the consumer client.
//! - [`goal`] — a scenario's goal checked live; [`narrate`] — events as plain sentences.
//! - [`sweep`] — seed sweeps: random operations with faults and the end-of-run checks.
//! - [`workload`] — the reference workloads the benchmarks share.
//! - `agenda`, `network`, [`rng`], [`time`], [`ids`] — the discrete-event machinery.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod agenda;
pub mod assignor;
mod broker;
mod chunked_vec;
pub mod command;
pub mod config;
mod consumer;
mod consumer_fetch;
pub mod controller;
pub mod error;
pub mod event;
pub mod goal;
pub mod group;
pub mod group_coordinator;
pub mod ids;
mod invariants;
pub mod leader_epoch_cache;
pub mod ledger;
mod message;
pub mod metadata;
pub mod murmur2;
pub mod narrate;
mod network;
mod node;
pub mod partition_log;
mod producer;
mod replication;
pub mod report;
mod retention;
pub mod rng;
pub mod scenario;
pub mod sim;
mod sort;
pub mod sweep;
pub mod time;
pub mod timeline;
pub mod topic;
mod tp_map;
pub mod vec_map;
pub mod view;
pub mod workload;

pub use command::{Command, NodeRef, TimedCommand};
pub use config::{
    Acks, AutoOffsetReset, CleanupPolicy, CommitMode, ConsumerConfig, KeylessPartitioner,
    ProducerConfig, SimConfig, TopicConfig,
};
pub use error::{CommandError, ConfigError, KafkaError};
pub use event::{AllowedBy, Event, EventKind, Invariant};
pub use ids::{
    BrokerId, ConsumerId, LeaderEpoch, NodeId, Offset, ProducerId, RecordId, TopicId,
    TopicPartition,
};
pub use scenario::{Scenario, ScenarioError};
pub use sim::{MemoryStats, Sim};
pub use time::SimTime;
