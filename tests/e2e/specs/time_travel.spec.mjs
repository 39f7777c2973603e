// A learner scrubs back before a broker was killed, sees the cluster as it was, plays the
// recorded kill again, then scrubs back once more and continues from there on another branch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';
import { seek, clockPast } from './time_travel_support.mjs';

const s = suite();

test('scrub back, replay the recorded future, then continue from here', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4&rate=10');
  await clockPast(page, 3_000);
  const leader = await playground.leaderOf('orders-0');
  await playground.killBroker(leader);
  const killedAt = await playground.clockMs();
  await page.waitForFunction(
    (old) => !['', old].includes(document.querySelector('[data-testid="lane-orders-0"]').dataset.leader),
    leader, { timeout: 20_000 });
  await playground.togglePlay();
  const end = await playground.clockMs();

  // Back to a second before the kill: the old leader leads and is running.
  const back = Math.floor((killedAt - 1_000) / 100) * 100;
  const ms = await seek(page, back);
  console.log(`# seek back ${end - back} ms of a ${end} ms session: ${ms.toFixed(1)} ms (seek + render)`);
  assert.equal(await playground.clockMs(), back);
  assert.equal(await playground.leaderOf('orders-0'), leader);
  assert.equal(await playground.byTestId(`broker-status-${leader}`).textContent(), 'running');
  assert.match(await playground.byTestId('scrubber-past').textContent(), /replays 1 recorded action/);
  await screenshot(page, 'time_travel-back');

  // Forward again with the scrubber: the recorded kill is replayed.
  await seek(page, Math.floor(end / 100) * 100);
  assert.equal(await playground.byTestId(`broker-status-${leader}`).textContent(), 'killed');

  // Back again, and continue from here: the kill is forgotten, the run goes on without it.
  await seek(page, back);
  await playground.byTestId('continue-here').click();
  assert.equal(await playground.byTestId('scrubber-past').count(), 0);
  assert.equal(await playground.byTestId('continue-here').count(), 0);
  await playground.togglePlay();
  await clockPast(page, end + 1_000);
  assert.equal(await playground.byTestId(`broker-status-${leader}`).textContent(), 'running');
  assert.equal(await playground.leaderOf('orders-0'), leader);
  await screenshot(page, 'time_travel-continued');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the scrubber is a labelled range the keyboard can move', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4&rate=4');
  await clockPast(page, 3_000);
  await playground.togglePlay();
  const range = playground.byTestId('scrubber-range');
  assert.equal(await range.getAttribute('aria-label'), 'Timeline: go to a moment of the run');
  assert.match(await range.getAttribute('aria-valuetext'), /^\d+\.\d{3}s of \d+\.\d{3}s$/);
  await range.focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('[data-testid="clock"]').textContent.includes('0.000s'));
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('[data-testid="clock"]').textContent.includes('0.100s'));
  assert.deepEqual(problems, []);
  await page.close();
});
