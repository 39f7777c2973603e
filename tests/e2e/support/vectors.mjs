// Kafka's Java-client partitioning vectors (tests/fixtures/vectors/murmur2.json), so that specs
// know a key's partition from the JVM's answer rather than from the page under test.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './browser.mjs';

/** The partition Kafka's producer picks for `key` with `numPartitions` partitions. */
export async function kafkaPartition(key, numPartitions) {
  const vectors = JSON.parse(await readFile(join(REPO_ROOT, 'tests/fixtures/vectors/murmur2.json'), 'utf8'));
  const hit = vectors.triples.find((t) => t.key === key && t.num_partitions === numPartitions);
  if (!hit) throw new Error(`no vector for key ${JSON.stringify(key)} with ${numPartitions} partitions`);
  return hit.partition;
}
