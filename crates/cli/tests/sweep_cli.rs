//! Runs `kafka-sim sweep` as a user would: the summary, `--json`, the acks=1 losses it finds,
//! `--strict`, `--replay` / `--export`, and exit codes (0 pass, 1 a seed failed, 2 bad arguments).

use std::process::{Command, Output};

use serde_json::Value;

fn kafka_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .args(args)
        .output()
        .expect("run kafka-sim")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf8")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            stdout(out),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_guarded_sweep_passes_and_says_what_it_ran() {
    let out = kafka_sim(&["sweep", "--seeds", "3", "--ops", "40"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("sweep: 3 seeds (0..=2) x 40 operations, config guarded\n"),
        "{text}"
    );
    assert!(text.contains("min.insync.replicas=2"), "{text}");
    assert!(text.contains(" 0 lost, 0 duplicates\n"), "{text}");
    assert!(text.contains("invariant violations: none\n"), "{text}");
    assert!(text.contains("seeds failed: 0 of 3\n"), "{text}");
    assert!(text.ends_with("PASS\n"), "{text}");
}

/// `--json` holds the same figures as one-seed sweeps of each seed, summed.
#[test]
fn json_sums_the_seeds() {
    let both = json(&kafka_sim(&[
        "sweep",
        "--seed-start",
        "5",
        "--seeds",
        "2",
        "--ops",
        "30",
        "--json",
    ]));
    assert_eq!(both["profile"], "guarded");
    assert_eq!(both["seed_start"], 5);
    assert_eq!(both["seeds"], 2);
    assert_eq!(both["ops"], 30);
    assert_eq!(both["passed"], true);
    assert_eq!(both["replay"], Value::Null);
    assert_eq!(both["smallest_failing_seed"], Value::Null);
    assert_eq!(both["records"]["lost"], 0);
    let seed = |s: &str| {
        json(&kafka_sim(&[
            "sweep",
            "--seed-start",
            s,
            "--seeds",
            "1",
            "--ops",
            "30",
            "--json",
        ]))
    };
    let (five, six) = (seed("5"), seed("6"));
    for field in ["sent", "acked", "failed", "committed"] {
        let sum = five["records"][field].as_u64().expect("count")
            + six["records"][field].as_u64().expect("count");
        assert_eq!(both["records"][field], sum, "{field}");
    }
    assert!(both["records"]["sent"].as_u64().expect("sent") > 0);
}

/// With acks=1 the same operations lose acknowledged writes; the sweep counts them, says acks=1
/// allows them and passes; `--strict` fails on them and names the first such seed.
#[test]
fn acks_1_losses_are_found_allowed_and_fail_only_a_strict_sweep() {
    let args = [
        "sweep", "--config", "acks1", "--seeds", "12", "--ops", "150",
    ];
    let lenient = kafka_sim(&[&args[..], &["--json"]].concat());
    assert_eq!(lenient.status.code(), Some(0));
    let report = json(&lenient);
    assert!(
        report["records"]["lost"].as_u64().expect("lost") > 0,
        "{report}"
    );
    let lost = &report["violations"]["NoAckedRecordLost"];
    assert_eq!(lost["allowed_by"], "Acks1");
    assert_eq!(lost["allowed"], lost["count"]);
    let first = report["smallest_seed_with_loss"].as_u64().expect("a loss");

    let strict = kafka_sim(&[&args[..], &["--strict"]].concat());
    let text = stdout(&strict);
    assert_eq!(strict.status.code(), Some(1), "{text}");
    assert!(text.contains("allowed by acks=1"), "{text}");
    assert!(
        text.contains(&format!(
            "smallest failing seed: {first}; replay it with: kafka-sim sweep --config acks1 --replay {first} --ops 150 --strict\n"
        )),
        "{text}"
    );
    assert!(text.ends_with("FAIL\n"), "{text}");
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(
        stderr.contains(&format!("seed {first} failed: ")),
        "{stderr}"
    );
}

/// `--replay` tells one seed's story; `--export` writes it as a scenario that `kafka-sim run`
/// plays to the same records.
#[test]
fn replay_narrates_one_seed_and_exports_a_scenario_run_replays() {
    let dir = std::env::temp_dir().join(format!("kafka-sim-sweep-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("seed-4.json");
    let file = file.to_str().expect("utf8 path");
    let base = ["sweep", "--config", "acks1", "--replay", "4", "--ops", "60"];
    let story = kafka_sim(&[&base[..], &["--export", file]].concat());
    let text = stdout(&story);
    assert_eq!(story.status.code(), Some(0), "{text}");
    assert!(text.contains(" ms  broker "), "{text}");
    assert!(text.contains("\nseed 4 (acks1, 60 operations): "), "{text}");
    assert!(text.ends_with("PASS\n"), "{text}");

    let outcome = json(&kafka_sim(&[&base[..], &["--json"]].concat()));
    assert_eq!(outcome["seed"], 4);
    let replayed = kafka_sim(&["run", file]);
    assert!(replayed.status.success());
    let report = json(&replayed);
    for field in ["sent", "acked", "lost"] {
        assert_eq!(
            report["records"][field], outcome["records"][field],
            "{field}"
        );
    }
    assert_eq!(report["ended_at"], outcome["simulated_ms"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_exit_2_and_name_the_problem() {
    let cases: [(&[&str], &str); 7] = [
        (&["--seeds", "0"], "--seeds must be at least 1"),
        (&["--config", "acks0"], "unknown config \"acks0\""),
        (&["--ops=-1"], "--ops"),
        (&["--seeds", "many"], "--seeds"),
        (
            &["--seed-start", "18446744073709551615", "--seeds", "2"],
            "past the last seed",
        ),
        (&["--export", "x.json"], "--replay"),
        (&["--replay", "1", "--seeds", "3"], "cannot be used with"),
    ];
    for (args, needle) in cases {
        let out = kafka_sim(&[&["sweep"][..], args].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
