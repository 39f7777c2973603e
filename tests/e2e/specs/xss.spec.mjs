// User-typed text is always shown as text: a key that looks like HTML appears verbatim and never
// runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';

const s = suite();

test('an HTML-looking key is shown as text and no dialog fires', async () => {
  const { page, problems, playground } = await s.newPage();
  const dialogs = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await playground.open('?speed=1');
  await playground.stopLoadGenerator();

  const key = '<img src=x onerror=alert(1)>';
  await playground.send(key, '<b>bold?</b>');
  await page.waitForFunction(() => document.querySelector('[data-testid="sends"] .send.acked'));

  assert.match(await playground.byTestId('sends').textContent(), /key "<img src=x onerror=alert\(1\)>", value "<b>bold\?<\/b>"/);
  assert.match(await playground.byTestId('partition-preview').textContent(), /this key always goes to orders-\d/);
  assert.match(await playground.byTestId('event-log').textContent(), /key "<img src=x onerror=alert\(1\)>"/);
  const cell = await playground.cellsWithKey(key);
  assert.equal(cell.length, 1);
  const rows = await playground.inspectRecord(cell[0].lane, cell[0].offset);
  assert.equal(rows.key, `"${key}"`);
  assert.equal(rows.value, '<b>bold?</b>');

  assert.equal(await page.locator('.app img, .app b').count(), 0, 'no element was made from user text');
  await page.waitForTimeout(500);
  assert.deepEqual(dialogs, []);
  await screenshot(page, 'xss');
  assert.deepEqual(problems, []);
  await page.close();
});
