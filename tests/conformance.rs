//! Shared helpers for the conformance tests: where the committed copies of Kafka's vectors live.

use std::path::PathBuf;

/// Path of a vector file committed under `tests/fixtures/vectors/` (a copy of `shared/vectors/`).
pub fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/vectors")
        .join(name)
}

/// Reads and parses a committed vector file, naming the file when it cannot.
pub fn load_vectors(name: &str) -> serde_json::Value {
    let path = vector_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Decodes a lowercase hex string into bytes.
pub fn hex_bytes(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd-length hex string {hex:?}");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}
