//! A representative subset of the core's tests, run on wasm32 under Node (wasm-bindgen-test), so
//! the same code gives the same answers in the browser as natively.
#![cfg(target_arch = "wasm32")]

use kafka_sim::murmur2::{murmur2, partition_for_key};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn murmur2_matches_kafka_on_wasm32() {
    assert_eq!(murmur2(b"21"), -973_932_308);
    assert_eq!(murmur2(b"a-little-bit-long-string"), -985_981_536);
    assert_eq!(partition_for_key("日本語".as_bytes(), 12), 10);
}
