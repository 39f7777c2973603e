//! Every key → partition vector in `fixtures/vectors/murmur2.json` (Kafka's `UtilsTest`, a Streams
//! comment table, and JVM-verified triples) against `kafka_sim::murmur2`.

use kafka_conformance::{hex_bytes, load_vectors};
use kafka_sim::murmur2::{murmur2, partition_for_key, to_positive};
use serde_json::Value;

fn as_i32(v: &Value) -> i32 {
    i32::try_from(v.as_i64().expect("integer")).expect("fits in i32")
}

fn as_u32(v: &Value) -> u32 {
    u32::try_from(v.as_u64().expect("non-negative integer")).expect("fits in u32")
}

#[test]
fn kafka_utils_test_vectors() {
    let doc = load_vectors("murmur2.json");
    let cases = doc["kafka_test_vectors"]
        .as_array()
        .expect("kafka_test_vectors");
    assert!(!cases.is_empty());
    for case in cases {
        let bytes = hex_bytes(case["input_bytes_hex"].as_str().expect("hex"));
        assert_eq!(bytes, case["input"].as_str().expect("input").as_bytes());
        assert_eq!(
            murmur2(&bytes),
            as_i32(&case["murmur2"]),
            "murmur2({:?})",
            case["input"]
        );
    }
}

#[test]
fn generated_triples() {
    let doc = load_vectors("murmur2.json");
    let triples = doc["triples"].as_array().expect("triples");
    assert!(
        triples.len() > 100,
        "expected the full public share of triples"
    );
    let mut failures = Vec::new();
    for t in triples {
        let bytes = hex_bytes(t["key_utf8_hex"].as_str().expect("hex"));
        assert_eq!(
            bytes,
            t["key"].as_str().expect("key").as_bytes(),
            "key is UTF-8"
        );
        let n = as_u32(&t["num_partitions"]);
        let hash = murmur2(&bytes);
        let got = (hash, to_positive(hash), partition_for_key(&bytes, n));
        let want = (
            as_i32(&t["murmur2"]),
            as_u32(&t["to_positive"]),
            as_u32(&t["partition"]),
        );
        if got != want {
            failures.push(format!(
                "key {:?} n={n}: got {got:?}, want {want:?}",
                t["key"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn integer_serializer_keys() {
    let doc = load_vectors("murmur2.json");
    for case in doc["integer_serializer_keys"]
        .as_array()
        .expect("integer keys")
    {
        let int_key = i32::try_from(case["int_key"].as_i64().expect("int")).expect("i32");
        // IntegerSerializer writes four bytes, big-endian.
        let bytes = int_key.to_be_bytes();
        assert_eq!(hex_bytes(case["bytes_hex"].as_str().expect("hex")), bytes);
        assert_eq!(
            murmur2(&bytes),
            as_i32(&case["murmur2"]),
            "int key {int_key}"
        );
        assert_eq!(partition_for_key(&bytes, 3), as_u32(&case["partition_n3"]));
        assert_eq!(
            partition_for_key(&bytes, 10),
            as_u32(&case["partition_n10"])
        );
    }
}

#[test]
fn kafka_streams_comment_table() {
    let doc = load_vectors("murmur2.json");
    let table = &doc["kafka_streams_comment_vectors"];
    let n = as_u32(&table["num_partitions"]);
    let map = table["string_keys_to_partition"].as_object().expect("map");
    assert!(!map.is_empty());
    for (key, partition) in map {
        assert_eq!(
            partition_for_key(key.as_bytes(), n),
            as_u32(partition),
            "key {key:?}"
        );
    }
}
