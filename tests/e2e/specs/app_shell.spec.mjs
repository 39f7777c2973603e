// The built page loads with no console error or failed request, explains itself, and runs the
// example cluster without a click: records arrive in the lanes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { screenshot, REPO_ROOT } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';

const s = suite();

test('the page explains itself and the example cluster runs without a click', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open();

  assert.equal(await playground.productName().textContent(), 'Kafka Playground');
  assert.match(await playground.tagline().textContent(), /break in the browser/);
  assert.match(await playground.hints().textContent(), /kill the leader of orders-0 \(broker \d\)/);
  assert.equal(await playground.lanes().count(), 3, 'orders has 3 partitions');
  const cargo = await readFile(join(REPO_ROOT, 'Cargo.toml'), 'utf8');
  const version = cargo.match(/\[workspace\.package\][^[]*?version = "([^"]+)"/)[1];
  assert.match(await playground.footer().textContent(), new RegExp(`v${version.replaceAll('.', '\\.')}`));

  // The load generator sends keyed records: some get committed within a few wall seconds.
  await page.waitForFunction(() => document.querySelectorAll('.cell[data-key^="customer_"]').length >= 3);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="count-committed"] dd').textContent) >= 3);

  const firstRender = await page.evaluate(() =>
    performance.getEntriesByName('kafka-playground-first-render')[0]?.startTime);
  assert.ok(firstRender > 0, 'the app marks its first render');
  console.log(`# first render at ${firstRender.toFixed(0)} ms after navigation start`);

  await screenshot(page, 'app_shell');
  assert.deepEqual(problems, [], 'no console errors or failed requests');
  await page.close();
});
