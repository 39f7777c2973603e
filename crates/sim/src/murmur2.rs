//! Kafka's 32-bit murmur2 hash and `toPositive`, byte-exact with the Java client.
//!
//! Mirrors `org.apache.kafka.common.utils.Utils#murmur2` and `#toPositive`, which
//! `BuiltInPartitioner#partitionForKey` uses to route keyed records:
//! `toPositive(murmur2(keyBytes)) % numPartitions`. Checked against every vector in
//! `tests/fixtures/vectors/murmur2.json` (Kafka's `UtilsTest` values and JVM-computed tables).

const SEED: u32 = 0x9747_b28c;
const M: u32 = 0x5bd1_e995;
const R: u32 = 24;

/// Kafka's murmur2 of `data`, as the signed 32-bit value Java returns.
pub fn murmur2(data: &[u8]) -> i32 {
    let length = data.len();
    // Java computes `seed ^ length` on an int; lengths beyond i32 cannot reach a Kafka key.
    let mut h: u32 = SEED ^ (length as u32);
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    // The tail falls through from three bytes to one, as the Java `switch` does.
    let tail = blocks.remainder();
    if tail.len() == 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit. It is not `abs` (−1 maps to 2147483647).
pub fn to_positive(value: i32) -> u32 {
    (value as u32) & 0x7fff_ffff
}

/// The partition the Java producer picks for a non-null key: `toPositive(murmur2(key)) % n`.
///
/// `num_partitions` must be at least 1; callers validate it (a topic never has zero partitions).
pub fn partition_for_key(key: &[u8], num_partitions: u32) -> u32 {
    debug_assert!(
        num_partitions > 0,
        "topics are validated to have at least one partition"
    );
    to_positive(murmur2(key)) % num_partitions.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka's own `UtilsTest#testMurmur2` values.
    #[test]
    fn matches_kafka_utils_test() {
        assert_eq!(murmur2(b"21"), -973_932_308);
        assert_eq!(murmur2(b"foobar"), -790_332_482);
        assert_eq!(murmur2(b"abc"), 479_470_107);
    }

    #[test]
    fn to_positive_masks_rather_than_negates() {
        assert_eq!(to_positive(-1), 2_147_483_647);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(5), 5);
    }

    #[test]
    fn empty_key_is_a_key() {
        assert_eq!(murmur2(b""), 275_646_681);
        assert_eq!(partition_for_key(b"", 12), 9);
    }
}
