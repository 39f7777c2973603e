// A learner sends three records with one key: they land in one lane (the partition Kafka's Java
// client picks for that key), in the order they were sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';
import { kafkaPartition } from '../support/vectors.mjs';

const s = suite();

test('three records with one key land in one lane, in order', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=1');
  await playground.stopLoadGenerator();

  const key = 'Hello World';
  const expected = `orders-${await kafkaPartition(key, 3)}`;
  for (const value of ['first', 'second', 'third']) {
    await playground.send(key, value);
  }
  await page.waitForFunction((key) =>
    [...document.querySelectorAll('.cell[data-key]')].filter((c) => c.dataset.key === key).length === 3, key);

  const cells = await playground.cellsWithKey(key);
  assert.deepEqual(cells.map((c) => c.lane), [expected, expected, expected]);
  const offsets = cells.map((c) => c.offset);
  assert.ok(offsets[0] < offsets[1] && offsets[1] < offsets[2], `offsets increase: ${offsets}`);

  const values = [];
  for (const offset of offsets) {
    const rows = await playground.inspectRecord(expected, offset);
    assert.equal(rows.key, `"${key}"`);
    values.push(rows.value);
  }
  assert.deepEqual(values, ['first', 'second', 'third']);

  // The producer panel shows the partition and the acknowledgements.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="sends"] .send.acked').length === 3);
  assert.match(await playground.byTestId('sends').textContent(), new RegExp(`→ ${expected} \\(murmur2 → partition`));

  await screenshot(page, 'produce_keyed');
  assert.deepEqual(problems, []);
  await page.close();
});
