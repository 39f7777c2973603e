//! Runs the `kafka-sim` binary as a user would and checks its output and exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

fn kafka_sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
}

#[test]
fn partition_prints_key_tab_partition() {
    // Values from Kafka's Streams comment table (3 partitions) and kafka-semantics.md §1.3.
    let out = kafka_sim()
        .args(["partition", "--partitions", "3", "0", "1", "4"])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).expect("utf8"),
        "0\t2\n1\t0\n4\t1\n"
    );
}

#[test]
fn partition_reads_keys_from_stdin() {
    let mut child = kafka_sim()
        .args(["partition", "--partitions", "12"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("key\n\n日本語\n".as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).expect("utf8"),
        "key\t1\n\t9\n日本語\t10\n"
    );
}

#[test]
fn zero_partitions_is_a_usage_error() {
    let out = kafka_sim()
        .args(["partition", "--partitions", "0", "k"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--partitions must be at least 1"));
}

#[test]
fn unknown_subcommand_exits_2() {
    let out = kafka_sim().arg("frobnicate").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}
