// Presets load from the menu with their story and a goal the core checks live; a file exported
// from the page imports back to the same run; a reload resumes the session where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';
import { visibleState, seek } from './time_travel_support.mjs';

const s = suite();

test('a preset shows its steps and its goal turns reached when the run gets there', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=1');
  await playground.byTestId('preset-menu').selectOption('acks-1-leader-failover');
  const story = playground.byTestId('story');
  await story.waitFor({ state: 'visible' });
  assert.match(await story.locator('h2').textContent(), /acks=1 loses acknowledged writes/);
  assert.equal(await story.locator('[data-testid="story-steps"] li').count(), 5);
  const goal = playground.byTestId('goal');
  assert.equal(await goal.getAttribute('data-done'), 'false');
  assert.match(await goal.textContent(), /count the acknowledged records that are lost/);
  await seek(page, 25_000);
  await page.waitForFunction(() => document.querySelector('[data-testid="goal"]').dataset.done === 'true');
  assert.match(await goal.textContent(), /Goal reached/);
  assert.equal(await story.locator('li[data-state="current"]').count(), 1);
  assert.ok(await playground.count('lost') >= 3, 'the ledger shows the lost writes');
  assert.equal(await playground.byTestId('invariants-ok').count(), 0, 'the alarms the core counted before the jump');
  await screenshot(page, 'preset-goal-reached');
  // The twin loads from the story panel.
  await playground.byTestId('load-twin').click();
  await page.waitForFunction(() => /acks=all keeps/.test(document.querySelector('[data-testid="story"] h2').textContent));
  assert.deepEqual(problems, []);
  await page.close();
});

test('export then import gives the same run', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4&rate=10');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="count-committed"] dd').textContent) >= 10);
  await playground.togglePlay();
  const [download] = await Promise.all([page.waitForEvent('download'), playground.byTestId('export').click()]);
  const json = await readFile(await download.path(), 'utf8');
  assert.match(json, /"load_generator"/);
  const exported = await visibleState(page);
  const { page: other, playground: pg2, problems: p2 } = await s.newPage();
  await pg2.open('?speed=4&rate=0&seed=99');
  await pg2.byTestId('import').setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(json) });
  // An imported file opens at its start; go to where it was exported.
  const end = JSON.parse(json).until_ms;
  await other.waitForFunction((e) => document.querySelector('[data-testid="scrubber-time"]').textContent.endsWith(`${(e / 1000).toFixed(3)}s`), end);
  await other.evaluate(() => document.querySelector('[data-testid="scrubber-range"]').focus());
  await other.keyboard.press('End');
  await other.waitForFunction((c) => document.querySelector('[data-testid="clock"]').textContent === c, exported.clock);
  assert.deepEqual(await visibleState(other), exported);
  assert.deepEqual(problems, []);
  assert.deepEqual(p2, []);
  await page.close();
  await other.close();
});

test('a reload resumes the session; New run starts over', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="count-sent"] dd').textContent) >= 2);
  await playground.killBroker('2');
  await playground.togglePlay();
  const before = await visibleState(page);
  await page.reload();
  await playground.lane('orders-0').waitFor({ state: 'visible' });
  await page.waitForFunction((c) => document.querySelector('[data-testid="clock"]').textContent === c, before.clock);
  assert.deepEqual(await visibleState(page), before);
  assert.equal(await playground.byTestId('play').getAttribute('aria-pressed'), 'false');
  assert.equal(await playground.byTestId('broker-status-2').textContent(), 'killed');
  await playground.byTestId('new-run').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="broker-status-2"]').textContent === 'running');
  await page.reload();
  await playground.lane('orders-0').waitFor({ state: 'visible' });
  assert.equal(await playground.byTestId('broker-status-2').textContent(), 'running');
  assert.deepEqual(problems, []);
  await page.close();
});
