//! Runs `kafka-sim assign` as a user would: a group as JSON on stdin, the assignment on stdout,
//! exit code 2 and a message on stderr for bad input. (Needs `Command::Assign` wired into
//! `main.rs`; see `assign_cmd.rs`.)

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn assign(strategy: &str, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .args(["assign", "--strategy", strategy])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kafka-sim");
    // A usage error exits before reading stdin; the closed pipe is then expected, not a failure.
    let written = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    child.wait_with_output().expect("wait for kafka-sim")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf8")
}

fn stderr_of_failure(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "expected exit code 2");
    assert!(out.stdout.is_empty(), "nothing on stdout for bad input");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn range_splits_each_topic_over_sorted_members() {
    // RangeAssignor's javadoc: C0 [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2].
    let group = r#"{"topics":{"t0":3,"t1":3},"members":[
        {"id":"C1","subscriptions":["t0","t1"]},
        {"id":"C0","subscriptions":["t0","t1"]}]}"#;
    assert_eq!(
        stdout(&assign("range", group)),
        "{\"C0\":[\"t0-0\",\"t0-1\",\"t1-0\",\"t1-1\"],\"C1\":[\"t0-2\",\"t1-2\"]}\n"
    );
}

#[test]
fn roundrobin_carries_its_cursor_across_topics() {
    let group = r#"{"topics":{"t0":2,"t1":2,"t2":2,"t3":2},"members":[
        {"id":"C0","subscriptions":["t0","t1","t2","t3"]},
        {"id":"C1","subscriptions":["t0","t1","t2","t3"]},
        {"id":"C2","subscriptions":["t0","t1","t2","t3"]}]}"#;
    assert_eq!(
        stdout(&assign("roundrobin", group)),
        "{\"C0\":[\"t0-0\",\"t1-1\",\"t3-0\"],\"C1\":[\"t0-1\",\"t2-0\",\"t3-1\"],\"C2\":[\"t1-0\",\"t2-1\"]}\n"
    );
}

#[test]
fn sticky_fresh_group_matches_kafka() {
    // kafka-semantics.md §3.3: c1 [t1-0, t1-2, t2-1, t2-3], c2 [t1-1, t2-0, t2-2].
    let group = r#"{"topics":{"topic1":3,"topic2":4},"members":[
        {"id":"consumer1","subscriptions":["topic1","topic2"]},
        {"id":"consumer2","subscriptions":["topic1","topic2"]}]}"#;
    assert_eq!(
        stdout(&assign("sticky", group)),
        "{\"consumer1\":[\"topic1-0\",\"topic1-2\",\"topic2-1\",\"topic2-3\"],\
         \"consumer2\":[\"topic1-1\",\"topic2-0\",\"topic2-2\"]}\n"
    );
}

#[test]
fn cooperative_sticky_withholds_partitions_still_owned_elsewhere() {
    // testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGeneration:
    // topic-0 is claimed twice, so consumer3 gets it only after both claimants revoked it.
    let group = r#"{"topics":{"topic":3},"members":[
        {"id":"consumer1","subscriptions":["topic"],"ownedPartitions":["topic-0","topic-1"],"generation":1},
        {"id":"consumer2","subscriptions":["topic"],"ownedPartitions":["topic-0","topic-2"],"generation":1},
        {"id":"consumer3","subscriptions":["topic"],"ownedPartitions":[],"generation":1}]}"#;
    assert_eq!(
        stdout(&assign("cooperative-sticky", group)),
        "{\"consumer1\":[\"topic-1\"],\"consumer2\":[\"topic-2\"],\"consumer3\":[]}\n"
    );
    // The eager assignor hands it over at once.
    assert_eq!(
        stdout(&assign("sticky", group)),
        "{\"consumer1\":[\"topic-1\"],\"consumer2\":[\"topic-2\"],\"consumer3\":[\"topic-0\"]}\n"
    );
}

#[test]
fn static_members_and_missing_topics() {
    let group = r#"{"topics":{"t":2},"members":[
        {"id":"a","subscriptions":["t","gone"]},
        {"id":"b","subscriptions":["t"],"groupInstanceId":"i1"}]}"#;
    assert_eq!(
        stdout(&assign("range", group)),
        "{\"a\":[\"t-1\"],\"b\":[\"t-0\"]}\n"
    );
}

#[test]
fn unknown_strategy_is_a_usage_error() {
    let err = stderr_of_failure(&assign("round-robin", "{}"));
    assert!(err.contains("round-robin"), "{err}");
}

#[test]
fn bad_input_names_the_problem() {
    let cases = [
        ("", "stdin is not a group"),
        ("{\"topics\":{}}", "members"),
        (r#"{"topics":{"t":-1},"members":[]}"#, "invalid value"),
        (
            r#"{"topics":{"t":1},"members":[{"id":"a","subscriptions":["t"],"ownedPartition":["t-0"]}]}"#,
            "ownedPartition",
        ),
        (
            r#"{"topics":{"t":1},"members":[{"id":"a","subscriptions":["t"],"ownedPartitions":["t0"]}]}"#,
            "\"t0\"",
        ),
        (
            r#"{"topics":{"t":1},"members":[{"id":"a","subscriptions":["t"]},{"id":"a","subscriptions":["t"]}]}"#,
            "member id \"a\" appears twice",
        ),
        (
            r#"{"topics":{"t":1},"members":[{"id":"a","subscriptions":["t"],"ownedPartitions":["t-4"],"generation":1}]}"#,
            "t-4",
        ),
    ];
    for (input, needle) in cases {
        let err = stderr_of_failure(&assign("cooperative-sticky", input));
        assert!(
            err.contains(needle),
            "input {input:?}: stderr {err:?} lacks {needle:?}"
        );
    }
}
