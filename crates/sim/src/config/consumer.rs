//! Consumer client settings (Kafka's consumer configs), plus the simulation's processing model.

use serde::Serialize;

use crate::assignor::AssignmentStrategy;
use crate::error::ConfigError;

/// `auto.offset.reset`: where a consumer starts on a partition its group has no committed offset for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoOffsetReset {
    /// The log start offset.
    Earliest,
    /// The high watermark: only records produced from now on (Kafka's default).
    Latest,
    /// Fail instead of guessing (Kafka's `none`): the partition is not consumed.
    None,
}

/// When a consumer commits, which decides what a crash costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// `enable.auto.commit=true`: each poll commits the positions of the records the previous
    /// polls returned, at most every `auto.commit.interval.ms` (and before a rebalance, on close).
    /// A crash re-delivers everything processed since the last auto-commit.
    Auto,
    /// `enable.auto.commit=false` and `commitSync()` after processing each poll's records:
    /// at-least-once; a crash between processing and commit re-delivers one poll's records.
    SyncAfterProcessing,
    /// `commitAsync()` after processing: does not wait for the answer; a failed commit is not retried.
    AsyncAfterProcessing,
    /// `commitSync()` right after `poll()`, before processing: at-most-once; a crash while
    /// processing skips the rest of the poll's records.
    BeforeProcessing,
}

/// A consumer's configuration. Keys are Kafka's consumer config names; `commit` and
/// `processing.ms.per.record` model the application around the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumerConfig {
    /// `auto.offset.reset`.
    #[serde(rename = "auto.offset.reset")]
    pub auto_offset_reset: AutoOffsetReset,
    /// When the application commits (`enable.auto.commit` and its manual alternatives).
    pub commit: CommitMode,
    /// `auto.commit.interval.ms`.
    #[serde(rename = "auto.commit.interval.ms")]
    pub auto_commit_interval_ms: u64,
    /// `max.poll.records`: most records one `poll()` returns.
    #[serde(rename = "max.poll.records")]
    pub max_poll_records: u32,
    /// `fetch.min.bytes`: the leader holds a fetch until this many bytes are available.
    #[serde(rename = "fetch.min.bytes")]
    pub fetch_min_bytes: u32,
    /// `fetch.max.wait.ms`: … or until this long has passed.
    #[serde(rename = "fetch.max.wait.ms")]
    pub fetch_max_wait_ms: u64,
    /// `session.timeout.ms`: the coordinator removes a member silent for this long.
    #[serde(rename = "session.timeout.ms")]
    pub session_timeout_ms: u64,
    /// `heartbeat.interval.ms`.
    #[serde(rename = "heartbeat.interval.ms")]
    pub heartbeat_interval_ms: u64,
    /// `max.poll.interval.ms`: a member that does not poll for this long leaves the group (and
    /// is the rebalance timeout: how long the coordinator waits for members to rejoin).
    #[serde(rename = "max.poll.interval.ms")]
    pub max_poll_interval_ms: u64,
    /// `partition.assignment.strategy`, most preferred first.
    #[serde(rename = "partition.assignment.strategy")]
    pub partition_assignment_strategy: Vec<AssignmentStrategy>,
    /// `request.timeout.ms`: how long the client waits for any response.
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,
    /// `retry.backoff.ms`.
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
    /// `group.instance.id` prefix for static membership: consumer `n` uses `{prefix}-{n}`.
    #[serde(rename = "group.instance.id", skip_serializing_if = "Option::is_none")]
    pub group_instance_id: Option<String>,
    /// Simulated application time to process one record, in ms (0: instant).
    #[serde(rename = "processing.ms.per.record")]
    pub processing_ms_per_record: u64,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            auto_offset_reset: AutoOffsetReset::Latest,
            commit: CommitMode::Auto,
            auto_commit_interval_ms: 5_000,
            max_poll_records: 500,
            fetch_min_bytes: 1,
            fetch_max_wait_ms: 500,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            partition_assignment_strategy: vec![
                AssignmentStrategy::Range,
                AssignmentStrategy::CooperativeSticky,
            ],
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            group_instance_id: None,
            processing_ms_per_record: 0,
        }
    }
}

impl ConsumerConfig {
    /// The rebalance protocol: COOPERATIVE only when every configured assignor supports it
    /// (`ConsumerCoordinator`'s constructor picks the highest protocol all assignors share).
    pub fn cooperative(&self) -> bool {
        self.partition_assignment_strategy
            .iter()
            .all(|s| s.is_cooperative())
    }

    /// Shortened timeouts so that a crashed consumer is noticed within seconds.
    pub fn demo_timing() -> ConsumerConfig {
        ConsumerConfig {
            auto_offset_reset: AutoOffsetReset::Earliest,
            session_timeout_ms: 6_000,
            heartbeat_interval_ms: 1_000,
            max_poll_interval_ms: 30_000,
            request_timeout_ms: 5_000,
            auto_commit_interval_ms: 2_000,
            ..ConsumerConfig::default()
        }
    }

    /// Checks every value; the first bad one is returned with its Kafka key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = |key: &'static str, v: u64| {
            if v == 0 {
                Err(ConfigError::new(key, v, "must be at least 1"))
            } else {
                Ok(())
            }
        };
        // auto.commit.interval.ms, heartbeat.interval.ms, request.timeout.ms and
        // retry.backoff.ms may be 0, as in Kafka (`atLeast(0)`); the client waits at least 1 ms.
        positive("max.poll.records", u64::from(self.max_poll_records))?;
        positive("session.timeout.ms", self.session_timeout_ms)?;
        positive("max.poll.interval.ms", self.max_poll_interval_ms)?;
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            // AbstractCoordinator's constructor check.
            return Err(ConfigError::new(
                "heartbeat.interval.ms",
                self.heartbeat_interval_ms,
                "must be lower than session.timeout.ms",
            ));
        }
        if self.partition_assignment_strategy.is_empty() {
            return Err(ConfigError::new(
                "partition.assignment.strategy",
                "[]",
                "must name at least one assignor",
            ));
        }
        for (key, v, max) in [
            (
                "max.poll.records",
                u64::from(self.max_poll_records),
                100_000,
            ),
            ("fetch.max.wait.ms", self.fetch_max_wait_ms, 3_600_000),
            ("session.timeout.ms", self.session_timeout_ms, 3_600_000),
            (
                "max.poll.interval.ms",
                self.max_poll_interval_ms,
                86_400_000,
            ),
            ("request.timeout.ms", self.request_timeout_ms, 3_600_000),
            (
                "auto.commit.interval.ms",
                self.auto_commit_interval_ms,
                86_400_000,
            ),
            (
                "processing.ms.per.record",
                self.processing_ms_per_record,
                3_600_000,
            ),
        ] {
            if v > max {
                return Err(ConfigError::new(key, v, "is too large for the simulation"));
            }
        }
        Ok(())
    }
}
