//! Reading `Check` (see `crate::goal` for the fields).

use serde_json::Value;

use super::{DecodeError, Fields, FromJson, named, tagged, unknown_variant};
use crate::goal::Check;

/// Every check's `type`, in declaration order.
pub(crate) const CHECK_TYPES: &[&str] = &[
    "acked_records_lost",
    "leader_changed",
    "unclean_election",
    "produce_failed",
    "produce_retried",
    "records_acked",
    "group_processed_everything",
    "group_redelivered",
    "group_skipped",
    "group_rebalanced",
    "idle_consumer",
    "violation_allowed_by",
    "no_unallowed_violation",
    "records_deleted",
    "partition_offline",
    "isr_shrunk",
    "leader_is",
    "broker_fenced",
    "key_on_partition",
    "partition_records",
    "group_assignment",
    "processed_in_send_order",
    "all",
    "not",
];

impl FromJson for Check {
    fn from_json(v: &Value) -> Result<Check, DecodeError> {
        let (t, f) = tagged(v, "internally tagged enum Check")?;
        // Unit variants ignore extra fields, as serde's derive did.
        let only = |known: &[&str]| f.only_besides(Some("type"), known);
        let text = |key: &str| -> Result<String, DecodeError> { only(&[key])?.req(key) };
        let error = |f: Fields<'_>| match f.raw("error") {
            Some(e) => named(e).map_err(|e| e.at("error")),
            None => Err(DecodeError::new("missing field `error`".to_string())),
        };
        Ok(match t {
            "acked_records_lost" => {
                let f = only(&["min", "max"])?;
                Check::AckedRecordsLost {
                    min: f.or("min", 0)?,
                    max: f.or("max", None)?,
                }
            }
            "leader_changed" => Check::LeaderChanged {
                partition: text("partition")?,
            },
            "unclean_election" => Check::UncleanElection,
            "produce_failed" => Check::ProduceFailed {
                error: error(only(&["error"])?)?,
            },
            "produce_retried" => Check::ProduceRetried {
                error: error(only(&["error"])?)?,
            },
            "records_acked" => Check::RecordsAcked {
                min: only(&["min"])?.req("min")?,
            },
            "group_processed_everything" => Check::GroupProcessedEverything {
                group: text("group")?,
            },
            "group_redelivered" | "group_skipped" => {
                let f = only(&["group", "min", "max"])?;
                let (group, min, max) = (f.req("group")?, f.or("min", 0)?, f.or("max", None)?);
                if t == "group_redelivered" {
                    Check::GroupRedelivered { group, min, max }
                } else {
                    Check::GroupSkipped { group, min, max }
                }
            }
            "group_rebalanced" => {
                let f = only(&["group", "min"])?;
                Check::GroupRebalanced {
                    group: f.req("group")?,
                    min: f.req("min")?,
                }
            }
            "idle_consumer" => Check::IdleConsumer {
                group: text("group")?,
            },
            "violation_allowed_by" => {
                let f = only(&["allowed_by"])?;
                Check::ViolationAllowedBy {
                    allowed_by: match f.raw("allowed_by") {
                        Some(a) => named(a).map_err(|e| e.at("allowed_by"))?,
                        None => {
                            return Err(DecodeError::new("missing field `allowed_by`".into()));
                        }
                    },
                }
            }
            "no_unallowed_violation" => Check::NoUnallowedViolation,
            "records_deleted" => {
                let f = only(&["partition", "compaction"])?;
                Check::RecordsDeleted {
                    partition: f.req("partition")?,
                    compaction: f.or("compaction", None)?,
                }
            }
            "partition_offline" => Check::PartitionOffline {
                partition: text("partition")?,
            },
            "isr_shrunk" => {
                let f = only(&["partition", "size"])?;
                Check::IsrShrunk {
                    partition: f.req("partition")?,
                    size: f.req("size")?,
                }
            }
            "leader_is" => {
                let f = only(&["partition", "broker"])?;
                Check::LeaderIs {
                    partition: f.req("partition")?,
                    broker: f.req("broker")?,
                }
            }
            "broker_fenced" => Check::BrokerFenced {
                broker: only(&["broker"])?.or("broker", None)?,
            },
            "key_on_partition" => {
                let f = only(&["key", "partition"])?;
                Check::KeyOnPartition {
                    key: f.req("key")?,
                    partition: f.req("partition")?,
                }
            }
            "partition_records" => {
                let f = only(&["partition", "key", "min", "max"])?;
                Check::PartitionRecords {
                    partition: f.req("partition")?,
                    key: f.or("key", None)?,
                    min: f.or("min", 0)?,
                    max: f.or("max", None)?,
                }
            }
            "group_assignment" => {
                let f = only(&["group", "sizes"])?;
                Check::GroupAssignment {
                    group: f.req("group")?,
                    sizes: f.req("sizes")?,
                }
            }
            "processed_in_send_order" => {
                let f = only(&["group", "key", "min"])?;
                Check::ProcessedInSendOrder {
                    group: f.req("group")?,
                    key: f.or("key", None)?,
                    min: f.or("min", 0)?,
                }
            }
            "all" => Check::All {
                checks: only(&["checks"])?.req("checks")?,
            },
            "not" => Check::Not {
                check: only(&["check"])?.req("check")?,
            },
            other => return Err(unknown_variant(other, CHECK_TYPES).at("type")),
        })
    }
}
