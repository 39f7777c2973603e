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

fn scenario_path(name: &str) -> String {
    format!("{}/../../www/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn run_prints_a_json_report_of_the_scenario() {
    let out = kafka_sim()
        .args(["run", &scenario_path("acks-1-leader-failover.json")])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["records"]["sent"], 5);
    assert_eq!(report["records"]["lost"], 3);
    assert_eq!(
        report["lost_records"]
            .as_array()
            .expect("lost records")
            .len(),
        3
    );
    assert_eq!(report["lost_records"][0]["cause"], "Truncated");
    assert_eq!(report["partitions"][0]["partition"], "orders-0");
    assert!(
        report["leader_elections"]
            .as_array()
            .expect("elections")
            .len()
            >= 4
    );
}

#[test]
fn run_seed_and_until_override_the_scenario() {
    let out = kafka_sim()
        .args([
            "run",
            &scenario_path("acks-1-leader-failover.json"),
            "--seed",
            "99",
            "--until",
            "2000",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["seed"], 99);
    assert_eq!(report["ended_at"], 2000);
    assert_eq!(
        report["records"]["sent"], 0,
        "nothing is produced before 3 s"
    );
}

#[test]
fn run_rejects_bad_scenarios_with_exit_2_and_a_named_problem() {
    let dir = std::env::temp_dir().join(format!("kafka-sim-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        (
            "version.json",
            r#"{"version": 9}"#,
            "version 9 is not supported",
        ),
        (
            "command.json",
            r#"{"version": 1, "commands": [{"at": 0, "command": {"type": "explode"}}]}"#,
            "explode",
        ),
        (
            "config.json",
            r#"{"version": 1, "config": {"brokers": 0}}"#,
            "brokers",
        ),
        ("json.json", "{not json", "not a valid scenario"),
    ];
    for (name, text, needle) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        let out = kafka_sim().arg("run").arg(&path).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{name}: {stderr}");
    }
    let missing = kafka_sim()
        .args(["run", "/no/such/scenario.json"])
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kafka-sim run … | head`: the reader closes the pipe early; the CLI stops quietly (exit 0, no
/// panic message) instead of crashing on the failed write.
#[test]
fn a_closed_output_pipe_is_not_a_crash() {
    let scenario = format!(
        "{}/../../www/scenarios/acks-1-leader-failover.json",
        env!("CARGO_MANIFEST_DIR")
    );
    for args in [
        vec!["run", scenario.as_str()],
        vec!["partition", "--partitions", "12"],
    ] {
        let mut child = kafka_sim()
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run");
        drop(child.stdout.take()); // the reader is gone before anything is written
        if let Some(mut stdin) = child.stdin.take() {
            let keys = "k\n".repeat(100_000);
            let _ = stdin.write_all(keys.as_bytes());
        }
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
    }
}
