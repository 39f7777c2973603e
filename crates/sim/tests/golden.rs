//! Golden event-stream hash: one fixed scenario's events, serialized and hashed, must match the hash
//! committed in `tests/fixtures/golden/acks-1-leader-failover.sha256` — natively here and on wasm32
//! in `tests/wasm.rs`, so the browser runs exactly what the host runs. After an intended change of
//! behaviour, rewrite the fixture with `KAFKA_SIM_BLESS=1 cargo test -p kafka-sim --test golden`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/golden.rs"]
mod golden_support;

#[test]
fn event_stream_matches_the_golden_hash() {
    let hash = golden_support::event_hash();
    let path = format!(
        "{}/../../tests/fixtures/golden/acks-1-leader-failover.sha256",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("KAFKA_SIM_BLESS").is_some() {
        std::fs::write(&path, format!("{hash}\n")).expect("write golden hash");
        eprintln!("wrote {path}; run the tests again to check it");
        return;
    }
    assert_eq!(
        hash,
        golden_support::GOLDEN.trim(),
        "the event stream changed; bless it if that was intended"
    );
}
