//! `kafka-sim`: a deterministic simulation of an Apache Kafka cluster.
//!
//! Map of the code (start with `murmur2`):
//!
//! - [`murmur2`] — Kafka's key hash and `toPositive`, byte-exact with the Java client.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod murmur2;
